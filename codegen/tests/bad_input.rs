//! Bad input: each gives one clear message, a failure, and leaves the output as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use mapi_codegen::{generate, regenerate, Options};

mod common;
use common::{copy_headers, root};

/// A copy of `headers/` in a temporary folder, with `edit` applied to the manifest.
fn headers_copy(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_headers(dir.path());
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    fs::write(&m, edited).unwrap();
    dir
}

fn error_of(manifest: &Path, mapi_include: Option<PathBuf>) -> String {
    match generate(&Options {
        manifest: manifest.to_path_buf(),
        mapi_include,
    }) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle")]
        .matches('\n')
        .count()
        + 1
}

#[test]
fn missing_header_folder() {
    // Given with --mapi-include: said so, without advice to pass it or to install.
    let e = error_of(
        &root().join("headers/mapi.toml"),
        Some(PathBuf::from("/no/such/mapi/headers")),
    );
    assert!(
        e.starts_with(
            "the MAPI header folder /no/such/mapi/headers given with --mapi-include cannot be read"
        ),
        "{e}"
    );
    assert!(
        !e.contains("apt-get") && !e.contains("--mapi-include DIR"),
        "{e}"
    );
    // From the manifest: at its line, with what to install or pass.
    let dir = headers_copy(|t| {
        t.replace(
            "mapi_include = \"/usr/share/mingw-w64/include\"",
            "mapi_include = \"/no/such/mapi/headers\"",
        )
    });
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "\"/no/such/mapi/headers\"");
    let e = error_of(&m, None);
    assert!(
        e.starts_with(&format!(
            "{}:{line}:16: the MAPI header folder /no/such/mapi/headers cannot be read",
            m.display()
        )),
        "{e}"
    );
    assert!(e.contains("apt-get install mingw-w64-x86-64-dev"), "{e}");
    assert!(e.contains("--mapi-include DIR"), "{e}");
}

/// A folder named `name` inside a temporary folder, with links to every mingw-w64 header.
fn linked_headers(name: &str) -> (tempfile::TempDir, PathBuf) {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join(name);
    fs::create_dir(&dir).unwrap();
    for entry in fs::read_dir("/usr/share/mingw-w64/include").unwrap() {
        let p = entry.unwrap().path();
        std::os::unix::fs::symlink(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    (top, dir)
}

#[test]
fn a_relative_header_folder_works() {
    let (top, _) = linked_headers("include");
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-codegen"))
        .current_dir(top.path())
        .arg("--manifest")
        .arg(root().join("headers/mapi.toml"))
        .args(["--mapi-include", "include", "--check", "--out"])
        .arg(root().join("generated"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_header_folder_with_a_quote_in_its_name_works() {
    let (_top, dir) = linked_headers("we\"ird \\ name");
    let g = generate(&Options {
        manifest: root().join("headers/mapi.toml"),
        mapi_include: Some(dir),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(mapi_codegen::output::compare(&root().join("generated"), &g.files).is_empty());
}

#[test]
fn header_missing_from_the_folder() {
    let dir = headers_copy(|t| t.replace("\"mapiutil.h\"", "\"mapinothere.h\""));
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "\"mapinothere.h\"");
    let e = error_of(&m, None);
    assert!(
        e.starts_with(&format!("{}:{line}:", m.display())),
        "no file:line in {e}"
    );
    assert!(
        e.contains("header `mapinothere.h` is not in the MAPI header folder"),
        "{e}"
    );
}

#[test]
fn manifest_names_an_interface_that_does_not_exist() {
    let dir = headers_copy(|t| {
        t.replace(
            "interfaces = [\"ITableData\",",
            "interfaces = [\"ITableData\", \"INoSuchThing\",",
        )
    });
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "\"INoSuchThing\"");
    let e = error_of(&m, None);
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("\"INoSuchThing\"")
        .unwrap()
        + 1;
    assert!(
        e.starts_with(&format!(
            "{}:{line}:{col}: interface `INoSuchThing` is not declared in any header read",
            m.display()
        )),
        "{e}"
    );
    assert!(e.contains("`mapi-codegen --list` prints them"), "{e}");
}

#[test]
fn stale_correction_is_reported_at_its_line() {
    let dir = headers_copy(|t| {
        t.replace(
            "{ interface = \"IMAPIProp\", method = \"CopyTo\", param = \"ulUIParam\", from = \"ULONG\"",
            "{ interface = \"IMAPIProp\", method = \"CopyTo\", param = \"ulUIParam\", from = \"USHORT\"",
        )
    });
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "method = \"CopyTo\"");
    let e = error_of(&m, None);
    assert!(e.starts_with(&format!("{}:{line}:", m.display())), "{e}");
    assert!(
        e.ends_with(
            "`IMAPIProp::CopyTo` parameter `ulUIParam` is `ULONG` in the headers, neither \
             `USHORT` nor `ULONG_PTR`: the correction no longer applies"
        ),
        "{e}"
    );
}

#[test]
fn stale_type_correction_is_reported_at_its_line() {
    let dir = headers_copy(|t| {
        t.replace(
            "{ type = \"BOOKMARK\", from = \"ULONG\"",
            "{ type = \"BOOKMARK\", from = \"USHORT\"",
        )
    });
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "{ type = \"BOOKMARK\"");
    let e = error_of(&m, None);
    assert!(e.starts_with(&format!("{}:{line}:", m.display())), "{e}");
    assert!(
        e.ends_with(
            "`BOOKMARK` is `ULONG` in the headers, neither `USHORT` nor `ULONG_PTR`: the \
             correction no longer applies"
        ),
        "{e}"
    );
}

#[test]
fn malformed_manifest_names_file_line_and_column() {
    let dir = headers_copy(|t| t.replace("[emit]", "[emit]\nbogus_key = 1"));
    let m = dir.path().join("mapi.toml");
    let text = fs::read_to_string(&m).unwrap();
    let line = line_of(&text, "bogus_key");
    let e = error_of(&m, None);
    assert!(
        e.starts_with(&format!(
            "{}:{line}:1: unknown field `bogus_key`",
            m.display()
        )),
        "{e}"
    );
}

#[test]
fn malformed_idl_names_file_line_and_column() {
    let dir = headers_copy(|t| t.replace("# HRESULT codes.", "# HRESULT codes"));
    let idl = dir.path().join("mapisync.idl");
    let text = fs::read_to_string(&idl).unwrap();
    let broken = text.replacen(
        "HRESULT SynchronizeInBackground",
        "HRESULT SynchronizeInBackground(((",
        1,
    );
    fs::write(&idl, broken).unwrap();
    let e = error_of(&dir.path().join("mapi.toml"), None);
    let line = line_of(&text, "HRESULT SynchronizeInBackground");
    assert!(e.contains(&format!("{}:{line}:", idl.display())), "{e}");
}

#[test]
fn failed_regeneration_leaves_the_output_as_it_was() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("generated");
    fs::create_dir_all(target.join("src")).unwrap();
    fs::write(target.join("src/lib.rs"), "// the old output\n").unwrap();
    let r = regenerate(
        &Options {
            manifest: root().join("headers/mapi.toml"),
            mapi_include: Some(PathBuf::from("/no/such/mapi/headers")),
        },
        &target,
    );
    assert!(r.is_err());
    assert_eq!(
        fs::read_to_string(target.join("src/lib.rs")).unwrap(),
        "// the old output\n"
    );
    let leftovers: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec!["generated".to_string()]);
}

#[test]
fn libclang_not_found_says_what_to_install() {
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-codegen"))
        .current_dir(root())
        .arg("--list")
        .env("LIBCLANG_PATH", "/no/such/libclang")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("mapi-codegen: error: libclang not found"),
        "{err}"
    );
    assert!(err.contains("apt-get install libclang-dev"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("error")).count(),
        1,
        "{err}"
    );
}

#[test]
fn microsoft_spelled_header_names_are_found() {
    // Microsoft's headers are spelled MAPIDefS.h etc.; names match case-insensitively.
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir("/usr/share/mingw-w64/include").unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let renamed = match name.as_str() {
            "mapidefs.h" => "MAPIDefS.h".to_string(),
            "mapix.h" => "MAPIX.H".to_string(),
            _ => name,
        };
        std::os::unix::fs::symlink(&p, dir.path().join(renamed)).unwrap();
    }
    let g = generate(&Options {
        manifest: root().join("headers/mapi.toml"),
        mapi_include: Some(dir.path().to_path_buf()),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(g.model.interfaces.iter().any(|i| i.name == "IMsgStore"));
    // The output names the header as the manifest does, whatever the file's spelling.
    assert!(g.files["src/mapidefs.rs"].contains("Declarations from `mapidefs.h`"));
}

#[test]
fn cli_help_explains_each_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-codegen"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--manifest",
        "--out",
        "--mapi-include",
        "--check",
        "--list",
        "--timings",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn the_header_banner_names_the_idl_where_it_is() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("proto");
    fs::create_dir(&dir).unwrap();
    copy_headers(&dir);
    let g = generate(&Options {
        manifest: dir.join("mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        g.files["include/mapisync.h"]
            .starts_with("/* Generated by mapi-codegen from proto/mapisync.idl."),
        "{}",
        &g.files["include/mapisync.h"][..120]
    );
    // The Rust files name the manifest where it is too.
    for file in [
        "src/lib.rs",
        "src/mapidefs.rs",
        "src/com.rs",
        "src/layout.rs",
    ] {
        assert!(
            g.files[file].starts_with("// Generated by mapi-codegen from proto/mapi.toml."),
            "{file}: {}",
            &g.files[file][..100]
        );
    }
}

#[test]
fn an_unknown_c_type_in_a_method_is_an_error_at_its_header_line() {
    let (_top, dir) = linked_headers("include");
    fs::write(
        dir.join("weird.h"),
        "#include <mapidefs.h>\n\
         #undef INTERFACE\n\
         #define INTERFACE IWeird\n\
         DECLARE_MAPI_INTERFACE_(IWeird, IUnknown) {\n\
         \x20 BEGIN_INTERFACE\n\
         \x20   MAPI_IUNKNOWN_METHODS(PURE)\n\
         \x20   MAPIMETHOD(Frob) (THIS_ long double x) PURE;\n\
         };\n\
         #undef INTERFACE\n",
    )
    .unwrap();
    let manifest = headers_copy(|t| {
        t.replace("\"mapiutil.h\"]", "\"mapiutil.h\", \"weird.h\"]")
            .replace(
                "interfaces_from = [\"mapidefs.h\"",
                "interfaces_from = [\"weird.h\", \"mapidefs.h\"",
            )
    });
    let e = error_of(&manifest.path().join("mapi.toml"), Some(dir.clone()));
    let header = dir.canonicalize().unwrap().join("weird.h");
    assert_eq!(
        e,
        format!(
            "{}:7: interface `IWeird` cannot be emitted: `IWeird::Frob`: parameter `x`: the C \
             type `long double` has no Rust type with Windows' width in the bindings",
            header.display()
        )
    );
}

/// Microsoft's headers already type some parameters as the corrections do: a copy of the
/// mingw-w64 headers rewritten that way (`IABContainer::CopyEntries` and
/// `IDistList::CopyEntries` take a `ULONG_PTR ulUIParam`, as in Microsoft's MAPIDefS.h)
/// generates the very same bindings, the corrections that already hold left out.
#[test]
fn a_correction_the_headers_already_hold_is_the_goal_reached() {
    let top = tempfile::tempdir().unwrap();
    let include = top.path().join("include");
    fs::create_dir(&include).unwrap();
    for entry in fs::read_dir("/usr/share/mingw-w64/include").unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "mapidefs.h" {
            std::os::unix::fs::symlink(&p, include.join(p.file_name().unwrap())).unwrap();
        }
    }
    let mapidefs = fs::read_to_string("/usr/share/mingw-w64/include/mapidefs.h").unwrap();
    let from = "MAPIMETHOD(CopyEntries) (THIS_ LPENTRYLIST lpEntries,ULONG ulUIParam,";
    assert_eq!(
        mapidefs.matches(from).count(),
        2,
        "the mingw-w64 header changed"
    );
    let rewritten = mapidefs.replace(
        from,
        "MAPIMETHOD(CopyEntries) (THIS_ LPENTRYLIST lpEntries,ULONG_PTR ulUIParam,",
    );
    fs::write(include.join("mapidefs.h"), rewritten).unwrap();
    let manifest = root().join("headers/mapi.toml");
    let ours = generate(&Options {
        manifest: manifest.clone(),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let theirs = generate(&Options {
        manifest,
        mapi_include: Some(include),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        theirs.files.keys().collect::<Vec<_>>()
    );
    for (name, text) in &ours.files {
        if name.ends_with("INTERFACES.md") {
            // Its list of corrected declarations names what the headers read differed
            // in: here without CopyEntries' (the rewritten method of the interfaces that
            // share it), the rest the same.
            let rows = |t: &str| t.lines().filter(|l| l.contains("CopyEntries")).count();
            assert_eq!(rows(&theirs.files[name]), 0, "{name}");
            assert!(rows(text) > 0, "{name}");
            let rest = |t: &str| -> Vec<String> {
                t.lines()
                    .filter(|l| !l.contains("CopyEntries") && !l.contains(" declarations, where "))
                    .map(str::to_owned)
                    .collect()
            };
            assert_eq!(rest(&theirs.files[name]), rest(text), "{name}");
            continue;
        }
        assert!(theirs.files[name] == *text, "{name} differs");
    }
}

/// IDL that lowers to a header that does not compile on Linux (a `cpp_quote`d typedef
/// sized with the Windows macro MAX_PATH, which the bindings have no constant for): the
/// run compiles the headers it wrote in memory, fails naming the IDL line, and writes
/// nothing.
#[test]
fn a_header_that_does_not_compile_is_an_error_at_its_idl_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_headers(dir.path());
    let idl = dir.path().join("mapisync.idl");
    let text = fs::read_to_string(&idl).unwrap();
    let quote = "cpp_quote(\"typedef WCHAR SYNCPATH[MAX_PATH];\")";
    let edited = text.replacen(
        "typedef IMAPISync *LPMAPISYNC;",
        &format!("typedef IMAPISync *LPMAPISYNC;\n{quote}"),
        1,
    );
    assert_ne!(edited, text);
    fs::write(&idl, &edited).unwrap();
    let line = line_of(&edited, quote);

    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("generated");
    fs::create_dir_all(target.join("src")).unwrap();
    let old = "// Generated by mapi-codegen: the old output\n";
    fs::write(target.join("src/lib.rs"), old).unwrap();
    let e = regenerate(
        &Options {
            manifest: dir.path().join("mapi.toml"),
            mapi_include: None,
        },
        &target,
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    // clang's own diagnostic names the IDL line (the header's `#line` directives), and the
    // error is put there, at the name clang points at.
    let folder = dir.path().file_name().unwrap().to_string_lossy();
    assert!(
        e.contains(&format!(
            "{folder}/mapisync.idl:{line}:24: error: use of undeclared identifier 'MAX_PATH'"
        )),
        "{e}"
    );
    assert!(
        e.contains("`include/mapi-sync.h` as C for x86_64 Linux does not compile"),
        "{e}"
    );
    let col = edited
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("MAX_PATH")
        .unwrap()
        + 1;
    assert!(
        e.contains(&format!("--> {}:{line}:{col}", idl.display())),
        "{e}"
    );
    assert_eq!(fs::read_to_string(target.join("src/lib.rs")).unwrap(), old);
    let leftovers: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec!["generated".to_string()]);
}
