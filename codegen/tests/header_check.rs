//! The C header check (`clang::start_check`) on headers written here: what each of its
//! views catches. The Linux views read every line of the generated headers, function
//! bodies included; the Windows views read them over the MAPI headers (mingw-w64's
//! windows.h), without function bodies.

use std::collections::BTreeMap;

use mapi_codegen::clang;
use mapi_codegen::inputs::Inputs;
use mapi_codegen::manifest::Manifest;

fn inputs() -> Inputs {
    let manifest = Manifest::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../headers/mapi.toml"),
    )
    .unwrap();
    Inputs::resolve(&manifest, None).unwrap()
}

/// The umbrella `include/u.h`, which includes `include/part.h`.
fn files(umbrella: &str, part: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("include/u.h".to_string(), umbrella.to_string()),
        ("include/part.h".to_string(), part.to_string()),
        // Not a header the check reads.
        ("src/lib.rs".to_string(), "fn main() {}".to_string()),
    ])
}

fn check(umbrella: &str, part: &str) -> Result<(), String> {
    clang::start_check(&inputs(), &files(umbrella, part), "u.h", true)
        .and_then(|c| c.finish())
        .map_err(|e| e.to_string())
}

const PART: &str =
    "#ifndef PART_H\n#define PART_H\n#include \"u.h\"\ntypedef int part_t;\n#endif\n";

#[test]
fn headers_that_compile_everywhere_pass() {
    let umbrella = "#ifndef U_H\n#define U_H\n#ifdef _WIN32\n#include <windows.h>\n#endif\n\
                    typedef unsigned int u_t;\nstatic u_t twice(u_t x) { return x * 2; }\n\
                    #include \"part.h\"\n#endif\n";
    check(umbrella, PART).unwrap();
}

#[test]
fn an_error_in_a_function_body_is_caught_by_the_linux_views() {
    let umbrella = "#ifndef U_H\n#define U_H\ntypedef unsigned int u_t;\n\
                    static u_t broken(void) { return not_declared; }\n\
                    #include \"part.h\"\n#endif\n";
    let e = check(umbrella, PART).unwrap_err();
    assert!(
        e.starts_with(
            "`include/u.h` as C for x86_64 Linux does not compile (nothing is written):\n"
        ),
        "{e}"
    );
    assert!(
        e.contains("include/u.h:4:34: error: use of undeclared identifier 'not_declared'"),
        "{e}"
    );
    // The other Linux views read the body too, and are named; the Windows views skip
    // function bodies.
    assert!(
        e.ends_with(
            "(also failing: `include/part.h` as C for x86_64 Linux, `include/u.h` as C++ for \
             x86_64 Linux)"
        ),
        "{e}"
    );
    assert!(!e.contains("w64-mingw32"), "{e}");
}

#[test]
fn a_clash_with_windows_h_is_caught_by_the_windows_views() {
    // BOOL is windows.h's `int`: a second, different typedef clashes there only.
    let umbrella = "#ifndef U_H\n#define U_H\n#ifdef _WIN32\n#include <windows.h>\n\
                    typedef char BOOL;\n#endif\n#include \"part.h\"\n#endif\n";
    let e = check(umbrella, PART).unwrap_err();
    assert!(
        e.starts_with(
            "`include/u.h` as C for x86_64-w64-mingw32 does not compile (nothing is written):\n"
        ),
        "{e}"
    );
    assert!(
        e.contains("include/u.h:5:14: error: typedef redefinition with different types"),
        "{e}"
    );
    assert!(
        e.contains("(also failing: `include/u.h` as C++ for x86_64-w64-mingw32)"),
        "{e}"
    );
}

#[test]
fn a_lowered_header_alone_is_checked_too() {
    // `part.h` no longer includes the umbrella, so alone it lacks `u_t`.
    let umbrella =
        "#ifndef U_H\n#define U_H\ntypedef unsigned int u_t;\n#include \"part.h\"\n#endif\n";
    let part = "#ifndef PART_H\n#define PART_H\ntypedef u_t part_t;\n#endif\n";
    let e = check(umbrella, part).unwrap_err();
    assert!(
        e.starts_with(
            "`include/part.h` as C for x86_64 Linux does not compile (nothing is written):\n"
        ),
        "{e}"
    );
    assert!(
        e.contains("include/part.h:3:9: error: unknown type name 'u_t'"),
        "{e}"
    );
}
