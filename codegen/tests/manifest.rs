//! Every name in the manifest is checked at its line: collisions, names that never match,
//! values that do not fit, and what would make the generated crate invalid.

use std::fs;
use std::path::Path;

use mapi_codegen::manifest::Manifest;
use mapi_codegen::{generate, Options};

mod common;

fn committed() -> String {
    common::manifest_text()
}

/// The committed manifest with `from` replaced by `to` (which must change it).
fn edited(from: &str, to: &str) -> String {
    let text = committed();
    assert!(text.contains(from), "the manifest lacks {from:?}");
    text.replacen(from, to, 1)
}

/// 1-based line and column of the first `needle` in `text`.
fn pos_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

/// The error of parsing `text` as the manifest; it must start with the line of `needle`.
fn static_error(text: &str, needle: &str) -> String {
    let path = Path::new("m/mapi.toml");
    let e = match Manifest::parse(path, text.to_string()) {
        Ok(_) => panic!("expected an error for {needle:?}"),
        Err(e) => e.to_string(),
    };
    let (line, col) = pos_of(text, needle);
    assert!(
        e.starts_with(&format!("m/mapi.toml:{line}:{col}: ")),
        "expected the error at {line}:{col} (of {needle:?}): {e}"
    );
    e
}

/// A copy of `headers/` with the manifest `text`; the error of a whole run, which must
/// name the manifest line of `needle`.
fn run_error(text: &str, needle: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let m = dir.path().join("mapi.toml");
    fs::write(&m, text).unwrap();
    let e = match generate(&Options {
        manifest: m.clone(),
        mapi_include: None,
    }) {
        Ok(_) => panic!("expected an error for {needle:?}"),
        Err(e) => e.to_string(),
    };
    let (line, _) = pos_of(text, needle);
    assert!(
        e.starts_with(&format!("{}:{line}:", m.display())),
        "expected the error on line {line} (of {needle:?}): {e}"
    );
    e
}

const EXTRA: &str = "\n[[extra_constant]]\nname = \"MY_FLAG\"\nvalue = 1\ntype = \"ULONG\"\nmodule = \"mapidefs.h\"\n";

fn with_extra(edit: impl Fn(&str) -> String) -> String {
    format!("{}{}", committed(), edit(EXTRA))
}

#[test]
fn the_committed_manifest_is_valid() {
    Manifest::parse(Path::new("mapi.toml"), committed()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn modules_differing_only_in_case() {
    let t = edited(
        "modules = [\"mapidefs.h\", ",
        "modules = [\"mapidefs.h\", \"MAPIDEFS.H\", ",
    );
    let e = static_error(&t, "\"MAPIDEFS.H\"");
    assert!(
        e.contains("would be the Rust module `mapidefs`, like `mapidefs.h` on line"),
        "{e}"
    );
}

#[test]
fn headers_listed_twice() {
    let t = edited(
        "headers = [\"mapidefs.h\", ",
        "headers = [\"mapidefs.h\", \"MAPIDefs.h\", ",
    );
    let e = static_error(&t, "\"MAPIDefs.h\"");
    assert!(e.contains("is listed twice"), "{e}");
}

#[test]
fn reserved_and_colliding_base_modules() {
    for (base, says) in [
        ("com", "a name the generated crate uses itself"),
        ("lib", "a name the generated crate uses itself"),
        ("layout", "a name the generated crate uses itself"),
        ("", "an empty name is not a Rust identifier"),
        ("1x", "is not a Rust identifier"),
        ("type", "is a Rust keyword"),
    ] {
        let t = edited(
            "base_module = \"base\"",
            &format!("base_module = \"{base}\""),
        );
        let e = static_error(&t, &format!("\"{base}\"\n"));
        assert!(e.contains(says), "{base}: {e}");
    }
    let t = edited("base_module = \"base\"", "base_module = \"mapidefs\"");
    // The error points into the modules list (whatever the committed list holds).
    let modules = committed()
        .lines()
        .find_map(|l| l.strip_prefix("modules = ["))
        .expect("a one-line modules list")
        .to_string();
    let e = static_error(&t, &format!("{modules}\n\n[emit.iid"));
    assert!(e.contains("which is `output.base_module`"), "{e}");
}

#[test]
fn module_names_that_are_no_rust_identifiers() {
    let t = edited(
        "idl = [\"mapisync.idl\"",
        "idl = [\"mapisync.idl\", \"1sync.idl\"",
    );
    let t = t.replacen(
        "\"mapisync.idl\"]\n\n[emit.iid",
        "\"mapisync.idl\", \"1sync.idl\"]\n\n[emit.iid",
        1,
    );
    let e = static_error(&t, "\"1sync.idl\"]\n\n[emit.iid");
    assert!(
        e.contains(
            "module `1sync.idl` would be the Rust module `1sync`: `1sync` is not a Rust identifier"
        ),
        "{e}"
    );
}

#[test]
fn two_idl_files_with_one_stem() {
    let t = edited(
        "idl = [\"mapisync.idl\"",
        "idl = [\"mapisync.idl\", \"other/MapiSync.idl\"",
    );
    let e = static_error(&t, "\"other/MapiSync.idl\"");
    assert!(e.contains("is lowered to `mapisync.h`, which line"), "{e}");
}

#[test]
fn names_that_never_match_a_header() {
    let t = edited(
        "modules = [\"mapidefs.h\", ",
        "modules = [\"mapidefs.h\", \"nothere.h\", ",
    );
    let e = static_error(&t, "\"nothere.h\"");
    assert!(
        e.contains("module `nothere.h` is not one of the headers or IDL files read"),
        "{e}"
    );
    let t = edited(
        "types_from = [\"mapidefs.h\"",
        "types_from = [\"mapidefz.h\"",
    );
    let e = static_error(&t, "\"mapidefz.h\"");
    assert!(e.contains("`types_from` entry `mapidefz.h`"), "{e}");
    let t = edited(
        "from = [\"mapicode.h\"]\nnames = [\"MAPI_E_*\"",
        "from = [\"mapicodes.h\"]\nnames = [\"MAPI_E_*\"",
    );
    let e = static_error(&t, "\"mapicodes.h\"");
    assert!(e.contains("`from` names `mapicodes.h`"), "{e}");
}

#[test]
fn extra_constants_are_checked_where_they_are_read() {
    let t = with_extra(|x| x.replace("\"MY_FLAG\"", "\"1BAD\""));
    let e = static_error(&t, "\"1BAD\"");
    assert!(e.contains("`1BAD` is not a Rust identifier"), "{e}");
    let t = with_extra(|x| x.replace("\"mapidefs.h\"", "\"nomodule.h\""));
    let e = static_error(&t, "\"nomodule.h\"");
    assert!(e.contains("is neither one of `emit.modules`"), "{e}");
    let t = format!("{}{EXTRA}{EXTRA}", committed());
    let at = t.rfind("name = \"MY_FLAG\"").unwrap();
    let e = Manifest::parse(Path::new("m/mapi.toml"), t.clone())
        .unwrap_err()
        .to_string();
    let line = t[..at].matches('\n').count() + 1;
    assert!(e.starts_with(&format!("m/mapi.toml:{line}:")), "{e}");
    assert!(e.contains("is declared twice"), "{e}");
}

#[test]
fn targets_with_one_name_and_bad_cfgs_and_triples() {
    let t = edited("name = \"i686\"", "name = \"x86_64\"");
    let e = static_error(&t, "\"x86_64\"\ntriple = \"i686");
    assert!(e.contains("duplicate [[target]] name `x86_64`"), "{e}");
    for cfg in [
        "target_pointer_width = 64",
        "foo(bar)",
        "not(a, b)",
        "all(a::b)",
        "1 + 1",
    ] {
        let t = edited(
            "cfg = 'target_pointer_width = \"64\"'",
            &format!("cfg = '{cfg}'"),
        );
        let e = static_error(&t, &format!("'{cfg}'"));
        assert!(e.contains("is not a Rust cfg predicate"), "{cfg}: {e}");
    }
    let t = edited(
        "layout_cfg = 'all(target_pointer_width = \"32\", windows)'",
        "layout_cfg = 'all(windows'",
    );
    let e = static_error(&t, "'all(windows'");
    assert!(e.contains("is not a Rust cfg predicate"), "layout_cfg: {e}");
    for triple in ["banana", "x86_64-unknown-linux-gnu", "sparc-w64-mingw32"] {
        let t = edited(
            "triple = \"x86_64-w64-mingw32\"",
            &format!("triple = \"{triple}\""),
        );
        // The value on its own line (docs_targets names a Linux triple too).
        let e = static_error(&t, &format!("\"{triple}\"\n"));
        assert!(
            e.contains("is not a Windows target triple clang knows"),
            "{triple}: {e}"
        );
    }
}

#[test]
fn crate_name_and_versions() {
    let t = edited(
        "crate_name = \"mapi-sync-sys\"",
        "crate_name = \"my crate!\"",
    );
    let e = static_error(&t, "\"my crate!\"");
    assert!(e.contains("is not a valid crate name"), "{e}");
    let t = edited("crate_version = \"0.1.0\"", "crate_version = \"banana\"");
    let e = static_error(&t, "\"banana\"");
    assert!(e.contains("is not a semantic version"), "{e}");
    let t = edited("rust_version = \"1.74\"", "rust_version = \"1.x\"");
    let e = static_error(&t, "\"1.x\"");
    assert!(e.contains("is not a Rust version"), "{e}");
}

#[test]
fn a_description_with_quotes_and_line_breaks_stays_one_toml_string() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let evil = "say \\\"hi\\\"\\n[dependencies]\\nevil = \\\"1\\\"";
    let t = edited(
        "description = \"Raw MAPI and IMAPISync bindings for Rust, generated by mapi-codegen\"",
        &format!("description = \"{evil}\""),
    );
    fs::write(dir.path().join("mapi.toml"), t).unwrap();
    let g = generate(&Options {
        manifest: dir.path().join("mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let cargo: toml::Table = toml::from_str(&g.files["Cargo.toml"]).unwrap();
    assert_eq!(
        cargo["package"]["description"].as_str(),
        Some("say \"hi\"\n[dependencies]\nevil = \"1\"")
    );
    assert!(!cargo.contains_key("dependencies"));
}

#[test]
fn values_that_do_not_fit_their_type() {
    let t = with_extra(|x| x.replace("value = 1", "value = 99999999999"));
    let e = run_error(&t, "value = 99999999999");
    assert!(
        e.contains("constant `MY_FLAG` is 99999999999") && e.contains("does not fit in `ULONG`"),
        "{e}"
    );
    let t = edited(
        "names = [\"MAPI_E_*\", \"MAPI_W_*\"]\ntype = \"HRESULT\"",
        "names = [\"MAPI_E_*\", \"MAPI_W_*\"]\ntype = \"BYTE\"",
    );
    let e = run_error(&t, "type = \"BYTE\"");
    assert!(e.contains("does not fit in `BYTE` (u8, 8 bits)"), "{e}");
}

#[test]
fn constant_names_that_match_nothing() {
    let t = edited(
        "names = [\"SUCCESS_SUCCESS\"]",
        "names = [\"SUCCESS_SUCCES\"]",
    );
    let e = run_error(&t, "\"SUCCESS_SUCCES\"");
    assert!(
        e.contains("no integer macro named `SUCCESS_SUCCES` is defined in mapicode.h"),
        "{e}"
    );
    let t = edited(
        "names = [\"MAPI_E_*\", \"MAPI_W_*\"]",
        "names = [\"NOPE_*\"]",
    );
    let e = run_error(
        &t,
        "[[constants]]\nfrom = [\"mapicode.h\"]\nnames = [\"NOPE_*\"]",
    );
    assert!(e.contains("this rule selects no constant"), "{e}");
}

#[test]
fn a_later_rule_with_another_type_for_the_same_macro() {
    let t = edited(
        "names = [\"SUCCESS_SUCCESS\"]\ntype = \"HRESULT\"",
        "names = [\"SUCCESS_SUCCESS\", \"MAPI_E_NOT_FOUND\"]\ntype = \"ULONG\"",
    );
    let e = run_error(&t, "type = \"ULONG\"\n\n# Property");
    assert!(
        e.contains("`MAPI_E_NOT_FOUND` (in `mapicode.h`) matches this rule, of type `ULONG`, and the earlier rule on line"),
        "{e}"
    );
}

#[test]
fn iid_names_that_name_nothing() {
    let t = edited(
        "IMAPISupport = \"IID_IMAPISup\"",
        "IMAPISupport = \"IID_IMAPISupport\"",
    );
    let e = run_error(&t, "IMAPISupport = \"IID_IMAPISupport\"");
    assert!(
        e.contains("gives `IMAPISupport` the IID `IID_IMAPISupport`, which no header read defines"),
        "{e}"
    );
    let t = edited(
        "IAttach = \"IID_IAttachment\"",
        "IAttach = \"IID_IAttachment\"\nINoSuch = \"IID_IAttachment\"",
    );
    let e = run_error(&t, "INoSuch");
    assert!(
        e.contains("names interface `INoSuch`, which no header"),
        "{e}"
    );
}

#[test]
fn an_exact_name_an_earlier_rule_takes() {
    // The flags rule (`*` over mapidefs.h, ...) comes after the property rule, which takes
    // MV_FLAG; naming MV_FLAG again in a rule after both has no effect.
    let t = edited(
        "\n# Corrections:",
        "\n[[constants]]\nfrom = [\"mapidefs.h\"]\nnames = [\"MV_FLAG\"]\ntype = \"ULONG\"\n\n# Corrections:",
    );
    let at = t.rfind("\"MV_FLAG\"").unwrap();
    let line = t[..at].matches('\n').count() + 1;
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let m = dir.path().join("mapi.toml");
    fs::write(&m, &t).unwrap();
    let e = generate(&Options {
        manifest: m.clone(),
        mapi_include: None,
    })
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.starts_with(&format!("{}:{line}:", m.display())), "{e}");
    assert!(
        e.contains("`MV_FLAG` is already selected by the earlier rule on line"),
        "{e}"
    );
}

#[test]
fn defines_are_names_or_name_value_pairs() {
    for bad in ["1X", "A B", "X=1\\nY"] {
        let t = edited(
            "defines = [\"WIN32_LEAN_AND_MEAN\"",
            &format!("defines = [\"WIN32_LEAN_AND_MEAN\", \"{bad}\""),
        );
        let e = static_error(&t, &format!("\"{bad}\""));
        assert!(e.contains("must be `NAME` or `NAME=VALUE`"), "{bad}: {e}");
    }
    let t = edited(
        "defines = [\"WIN32_LEAN_AND_MEAN\"",
        "defines = [\"WIN32_LEAN_AND_MEAN\", \"X=1\"",
    );
    Manifest::parse(Path::new("m.toml"), t).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_idl_file_whose_name_is_no_identifier_works_outside_the_modules() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    fs::rename(
        dir.path().join("mapisync.idl"),
        dir.path().join("1sync.idl"),
    )
    .unwrap();
    let t = committed()
        .replace(
            ", \"mapisync.idl\"]\n\n[emit.iid_names]",
            "]\n\n[emit.iid_names]",
        )
        .replace("mapisync.idl", "1sync.idl");
    fs::write(dir.path().join("mapi.toml"), t).unwrap();
    let g = generate(&Options {
        manifest: dir.path().join("mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(g.files.contains_key("include/1sync.h"));
    assert!(g.files["src/base.rs"].contains("IMAPISync"));
    let out = dir.path().join("crate");
    mapi_codegen::output::write_atomically(&out, &g.files).unwrap();
    let status = std::process::Command::new("rustc")
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
        ])
        .args(["--crate-name", "one_sync", "--out-dir"])
        .arg(dir.path())
        .arg(out.join("src/lib.rs"))
        .status()
        .expect("rustc runs");
    assert!(status.success(), "the generated crate does not build");
}
