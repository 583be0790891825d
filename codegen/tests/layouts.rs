//! Layouts come from clang (not from bindgen's layout tests), under the names bindgen
//! gives the records: every struct and union of the bindings has its size and alignment
//! for every target, anonymous ones included.

use std::fs;
use std::path::PathBuf;

use mapi_codegen::ir::Layout;
use mapi_codegen::{generate, Options};

mod common;

/// A temporary MAPI header folder (links to every mingw-w64 header, plus `lay.h`) and a
/// manifest that reads `lay.h` and emits its types.
fn with_header(text: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let top = tempfile::tempdir().unwrap();
    let include = top.path().join("include");
    fs::create_dir(&include).unwrap();
    for entry in fs::read_dir("/usr/share/mingw-w64/include").unwrap() {
        let p = entry.unwrap().path();
        std::os::unix::fs::symlink(&p, include.join(p.file_name().unwrap())).unwrap();
    }
    fs::write(include.join("lay.h"), text).unwrap();
    let headers = top.path().join("headers");
    fs::create_dir(&headers).unwrap();
    common::copy_headers(&headers);
    let manifest = headers.join("mapi.toml");
    let t = fs::read_to_string(&manifest).unwrap();
    let edited = t
        .replace("\"mapiutil.h\"]", "\"mapiutil.h\", \"lay.h\"]")
        .replace("types_from = [", "types_from = [\"lay.h\", ")
        .replace("modules = [", "modules = [\"lay.h\", ");
    assert_eq!(
        edited.matches("lay.h").count(),
        3,
        "the manifest changed shape"
    );
    fs::write(&manifest, edited).unwrap();
    (top, include, manifest)
}

#[test]
fn anonymous_records_are_laid_out_under_bindgens_names() {
    let (_top, include, manifest) = with_header(
        "#include <windows.h>\n\
         typedef struct tagLAY {\n\
         \x20   ULONG a;\n\
         \x20   union { ULONG u; void *p; };\n\
         \x20   struct { BYTE b; } named_field;\n\
         \x20   enum { LAY_X = 1 } e;\n\
         \x20   struct { ULONGLONG big; struct { WORD w; } inner; } after_enum;\n\
         } LAY;\n\
         typedef struct { WORD w; } ANONLAY;\n",
    );
    let g = generate(&Options {
        manifest,
        mapi_include: Some(include),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let records: Vec<&str> = g
        .model
        .items
        .iter()
        .filter(|i| i.name().contains("LAY"))
        .filter(|i| g.model.is_record(i.name()))
        .map(|i| i.name())
        .collect();
    assert_eq!(
        records,
        [
            "tagLAY",
            "tagLAY__bindgen_ty_1",
            "tagLAY__bindgen_ty_2",
            "tagLAY__bindgen_ty_3",
            "tagLAY__bindgen_ty_3__bindgen_ty_1",
            "ANONLAY",
        ]
    );
    for target in ["x86_64", "i686"] {
        let layouts = &g.model.layouts[target];
        for r in &records {
            assert!(layouts.contains_key(*r), "no layout of {r} on {target}");
        }
        assert_eq!(layouts["ANONLAY"], Layout { size: 2, align: 2 }, "{target}");
        assert_eq!(
            layouts["tagLAY__bindgen_ty_3"],
            Layout { size: 16, align: 8 },
            "{target}"
        );
    }
    assert_eq!(
        g.model.layouts["x86_64"]["tagLAY__bindgen_ty_1"],
        Layout { size: 8, align: 8 }
    );
    assert_eq!(
        g.model.layouts["i686"]["tagLAY__bindgen_ty_1"],
        Layout { size: 4, align: 4 }
    );
    let checks = &g.files["src/layout.rs"];
    assert!(
        checks.contains("size_of:: < tagLAY__bindgen_ty_3__bindgen_ty_1 > () == 2"),
        "{checks}"
    );
    // The records have the anonymous enum under bindgen's name (numbered after the
    // record's anonymous records), and so does the C header, its enumerator typed by it.
    let anonymous_enum = g.model.header_declarations["x86_64"]
        .iter()
        .find(|d| d.name == "tagLAY__bindgen_ty_4")
        .map(|d| format!("{:?}", d.kind));
    assert_eq!(
        anonymous_enum.as_deref(),
        Some("Enum { ty: Prim(\"u32\"), constants: [(\"LAY_X\", 1)] }")
    );
    let header = &g.files["include/mapi-sync.h"];
    for declared in [
        "typedef uint32_t tagLAY__bindgen_ty_4;",
        "    tagLAY__bindgen_ty_4 e;",
        "#define LAY_X ((tagLAY__bindgen_ty_4)0x00000001)",
    ] {
        assert!(header.contains(declared), "{declared}");
    }
}

#[test]
fn a_third_target_gets_a_layout_parse_of_its_own() {
    // The scan's parse lays out the calling-convention target (i686), the macro parse the
    // first other one (x86_64); a third one has a parse for its layouts alone.
    let top = tempfile::tempdir().unwrap();
    common::copy_headers(top.path());
    let manifest = top.path().join("mapi.toml");
    let t = fs::read_to_string(&manifest).unwrap();
    let edited = t.replace(
        "[emit]",
        "[[target]]\nname = \"x86_64_again\"\ntriple = \"x86_64-w64-mingw32\"\n\
         cfg = 'all(target_pointer_width = \"64\", windows)'\n\n[emit]",
    );
    assert_ne!(edited, t);
    fs::write(&manifest, edited).unwrap();
    let g = generate(&Options {
        manifest,
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let layouts = &g.model.layouts;
    assert_eq!(
        layouts["x86_64_again"]["_MAPISIB"],
        Layout { size: 32, align: 8 }
    );
    let mut records = 0;
    for item in &g.model.items {
        if g.model.is_record(item.name()) {
            let n = item.name();
            let (a, b) = (layouts["x86_64"].get(n), layouts["x86_64_again"].get(n));
            assert_eq!(a, b, "{n}: x86_64 and x86_64_again differ");
            records += usize::from(a.is_some());
        }
    }
    assert!(records > 80, "only {records} records laid out");
    assert_eq!(layouts["i686"]["_MAPISIB"], Layout { size: 20, align: 4 });
    assert!(g.files["src/layout.rs"].contains("size of _MAPISIB on x86_64_again"));
}
