//! IDL input that would break the Rust bindings or the C header is an error at its IDL
//! line: keywords of either language, the names the generated code uses itself, names
//! that collide once lowered, types the header cannot declare, values that do not fit, and
//! input that is too deep. Everything else about the input holds in linear time.

use std::path::Path;

use mapi_codegen::idl::{parse_str, IdlError};

mod common;

/// An interface header: the body starts on line 3.
const HEAD: &str =
    "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]\ninterface IFoo : IUnknown {\n";

fn parse(src: &str) -> Result<mapi_codegen::idl::IdlFile, IdlError> {
    parse_str(Path::new("t.idl"), src)
}

/// The error for `src`; it must be on the line and column of the first `needle`.
fn error_at(src: &str, needle: &str) -> String {
    let e = match parse(src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e,
    };
    let at = src.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    let line = src[..at].matches('\n').count() + 1;
    let col = src[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    assert_eq!(
        (e.line, e.column),
        (line, col),
        "expected the error at {needle:?}: {e}"
    );
    e.message
}

/// `HEAD` with one method line and the closing brace.
fn with_method(line: &str) -> String {
    format!("{HEAD}    {line}\n}};\n")
}

#[test]
fn rust_keywords_as_names() {
    for kw in [
        "type", "move", "self", "fn", "match", "Self", "async", "dyn",
    ] {
        let src = with_method(&format!("HRESULT {kw}();"));
        let m = error_at(&src, &format!("{kw}()"));
        assert!(m.contains("is a Rust keyword"), "{kw}: {m}");
        let src = format!("const ULONG {kw} = 1;\n");
        let m = error_at(&src, kw);
        assert!(m.contains("is a Rust keyword"), "{kw}: {m}");
        let src = format!(
            "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface {kw} : IUnknown {{}};\n"
        );
        let m = error_at(&src, &format!("{kw} :"));
        assert!(m.contains("is a Rust keyword"), "{kw}: {m}");
    }
    let m = error_at("typedef ULONG match;\n", "match");
    assert_eq!(
        m,
        "cannot name a type `match`: `match` is a Rust keyword, and the name is used in the Rust bindings"
    );
}

#[test]
fn keywords_as_parameters_are_renamed_but_must_stay_distinct() {
    // `type` becomes `type_` in Rust: fine alone.
    parse(&with_method("HRESULT F([in] ULONG type, [in] ULONG move);")).unwrap();
    let src = with_method("HRESULT F([in] ULONG self, [in] ULONG self_);");
    let m = error_at(&src, "self_");
    assert_eq!(
        m,
        "parameter `self_` of `IFoo::F` would be `self_` in Rust, like parameter `self`"
    );
}

#[test]
fn names_the_generated_rust_uses_itself() {
    for method in [
        "identity", "guard", "base__", "vtable", "as_raw", "cast", "OFFSET",
    ] {
        let src = with_method(&format!("HRESULT {method}();"));
        let m = error_at(&src, &format!("{method}()"));
        assert_eq!(
            m,
            format!(
                "cannot name a method `{method}`: `{method}` is a name the generated Rust uses itself"
            )
        );
    }
    for param in ["OFFSET", "identity", "guard", "value"] {
        let src = with_method(&format!("HRESULT F([in] ULONG {param});"));
        let m = error_at(&src, &format!("{param})"));
        assert!(
            m.contains("is a name the generated Rust uses itself"),
            "{m}"
        );
    }
    for iface in [
        "Clone",
        "Drop",
        "Interface",
        "ComInterface",
        "ComObject",
        "Result",
        "NotImplemented",
    ] {
        let src = format!(
            "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface {iface} : IUnknown {{}};\n"
        );
        let m = error_at(&src, &format!("{iface} :"));
        assert!(
            m.contains("is a name the generated Rust uses itself"),
            "{m}"
        );
    }
}

#[test]
fn an_interface_beside_the_names_derived_from_it() {
    let ia = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IA : IUnknown {};\n";
    for derived in ["IA_Vtbl", "IA_Impl", "IAVtbl", "IID_IA"] {
        // Declared before the interface: the interface is the error.
        let src = format!("typedef ULONG {derived};\n{ia}");
        let m = error_at(&src, "IA :");
        assert!(
            m.contains(&format!("needs the name `{derived}`")) && m.contains("line 1"),
            "{m}"
        );
        // Declared after it: the typedef is.
        let src = format!("{ia}typedef ULONG {derived};\n");
        let m = error_at(&src, &format!("{derived};"));
        assert!(m.contains("of interface `IA` (line 2)"), "{m}");
    }
    // The C call macros of COBJMACROS: `IA_F` for method F.
    let src = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IA : IUnknown { HRESULT F(); };\nconst ULONG IA_F = 1;\n";
    let m = error_at(src, "IA_F");
    assert!(m.contains("the C call macro of `IA::F`"), "{m}");
    // One name for a constant and a type.
    let m = error_at("const ULONG X = 1;\ntypedef ULONG X;\n", "X;");
    assert_eq!(m, "`X` is already declared: constant `X` (line 1)");
}

#[test]
fn c_and_cxx_keywords_and_macros() {
    for param in ["char16_t", "char32_t", "_Bool", "and", "not_eq", "_Atomic"] {
        let src = with_method(&format!("HRESULT F([in] ULONG {param});"));
        let m = error_at(&src, &format!("{param})"));
        assert!(m.contains("is a C or C++ keyword"), "{param}: {m}");
    }
    for param in ["NULL", "TRUE", "hyper", "FALSE"] {
        let src = with_method(&format!("HRESULT F([in] ULONG {param});"));
        let m = error_at(&src, &format!("{param})"));
        assert!(
            m.contains("is a macro of the Windows headers"),
            "{param}: {m}"
        );
    }
    let m = error_at(&with_method("HRESULT or();"), "or()");
    assert!(m.contains("is a C or C++ keyword"), "{m}");
    let m = error_at(&with_method("HRESULT F([in] ULONG __x);"), "__x");
    assert!(m.contains("which C reserves"), "{m}");
    let m = error_at(&with_method("HRESULT F([in] ULONG HANDLE);"), "HANDLE)");
    assert!(m.contains("is a type the generated header declares"), "{m}");
}

#[test]
fn long_differs_between_windows_and_linux() {
    for ty in ["unsigned long", "long", "long int", "signed long"] {
        let src = format!("typedef struct _S {{\n    {ty} x;\n}} S;\n");
        let m = error_at(&src, ty);
        assert!(
            m.contains("is 32 bits on Windows but 64 bits on Linux"),
            "{m}"
        );
    }
    parse("typedef struct _S {\n    unsigned long long x;\n    long long y;\n} S;\n").unwrap();
}

#[test]
fn every_type_must_be_declared_for_linux_too() {
    for ty in [
        "BYTE",
        "LONG",
        "ULONG_PTR",
        "LPSTR",
        "LPMAPIPROP",
        "LPENTRYID",
    ] {
        let src = with_method(&format!("HRESULT F([in] {ty} x);"));
        let m = error_at(&src, ty);
        assert!(
            m.starts_with(&format!("unknown type `{ty}`: without the Windows SDK")),
            "{m}"
        );
    }
    // Declared in the file, or an interface defined later (the header declares them all
    // ahead), is fine.
    parse(&format!(
        "typedef unsigned char MYBYTE;\n{HEAD}    HRESULT F([in] MYBYTE b, [in] IBar *bar);\n}};\n\
         [object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DE)]\ninterface IBar : IUnknown {{}};\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn constants_must_fit_their_type() {
    let m = error_at("const ULONG X = 0xFFFFFFFFFFFF;\n", "0xFFFF");
    assert_eq!(
        m,
        "`0xFFFFFFFFFFFF` is 0xFFFFFFFFFFFF, which does not fit in `ULONG` (32 bits)"
    );
    let m = error_at("typedef WCHAR CH;\nconst CH Y = 1 << 16;\n", "1 << 16");
    assert!(m.contains("does not fit in `CH` (16 bits)"), "{m}");
    let m = error_at("const GUID G = 1;\n", "GUID");
    assert_eq!(
        m,
        "constant `G` has type `GUID`, which is not an integer type"
    );
    parse("const ULONG X = 0xFFFFFFFF;\nconst unsigned long long Y = 0xFFFFFFFFFFFF;\n").unwrap();
}

#[test]
fn two_interfaces_with_one_uuid() {
    let src = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IA : IUnknown {};\n\
               [object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IB : IUnknown {};\n";
    let m = error_at(src, "IB");
    assert_eq!(
        m,
        "interface `IB` has the uuid {5024A385-2D44-486A-81A8-8F0ECB6071DD} of `IA` (line 2); every interface needs its own"
    );
    let src = "[object, uuid(00000000-0000-0000-C000-000000000046)]\ninterface IA : IUnknown {};\n";
    let m = error_at(src, "IA");
    assert!(m.contains("of the built-in `IUnknown`"), "{m}");
}

#[test]
fn a_uuid_shared_on_purpose_must_name_its_owner() {
    let a = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IA : IUnknown {};\n";
    // Said, and true: accepted (Microsoft's IOlkEnum and IOlkErrorUnknown).
    parse(&format!(
        "{a}[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), shares_uuid(IA)]\n\
         interface IB : IUnknown {{}};\n"
    ))
    .unwrap();
    // Said of the wrong interface.
    let src = format!(
        "{a}[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), shares_uuid(IZ)]\n\
         interface IB : IUnknown {{}};\n"
    );
    let m = error_at(&src, "IB");
    assert_eq!(
        m,
        "interface `IB` says it shares the uuid of `IZ`, but \
         {5024A385-2D44-486A-81A8-8F0ECB6071DD} is `IA`'s"
    );
    // Said, but the uuid is nobody's yet.
    let src = "[object, uuid(5024A386-2D44-486A-81A8-8F0ECB6071DD), shares_uuid(IA)]\n\
               interface IB : IUnknown {};\n";
    let m = error_at(src, "IB");
    assert!(
        m.contains("no interface declared before it has the uuid"),
        "{m}"
    );
}

#[test]
fn deep_parentheses_are_an_error_not_a_stack_overflow() {
    let deep = format!(
        "const ULONG X = {}1{};\n",
        "(".repeat(7000),
        ")".repeat(7000)
    );
    let e = parse(&deep).unwrap_err();
    assert_eq!(e.line, 1);
    assert_eq!(e.column, 17 + 64);
    assert_eq!(e.message, "parentheses nested more than 64 deep");
    let ok = format!("const ULONG X = {}1{};\n", "(".repeat(64), ")".repeat(64));
    parse(&ok).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn inheritance_depth_is_bounded() {
    let mut src = String::new();
    let mut base = "IUnknown".to_string();
    for i in 0..40 {
        src.push_str(&format!(
            "[object, uuid(5024A385-2D44-486A-81A8-{i:012X})]\ninterface I{i} : {base} {{ HRESULT M{i}(); }};\n"
        ));
        base = format!("I{i}");
    }
    let e = parse(&src).unwrap_err();
    // I32 would be the 33rd level.
    assert_eq!(e.line, 2 * 32 + 2, "{e}");
    assert_eq!(
        e.message,
        "interface `I32` would derive from IUnknown through 33 interfaces; at most 32 are supported"
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let f = parse("\u{feff}const ULONG X = 1;\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.consts().next().unwrap().name, "X");
    let e = parse("\u{feff}const ULONG X = ;\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 17));
    assert!(!e.source_line.starts_with('\u{feff}'));
}

/// Many items of each kind parse; the checks use hash lookups, so this is linear (the
/// sizes are what took seconds before; no time is measured here).
#[test]
fn long_inputs_parse() {
    let n = 20_000;
    let ors: Vec<String> = (0..n).map(|i| format!("{}", i % 2)).collect();
    let f = parse(&format!("const ULONG X = {};\n", ors.join(" | "))).unwrap();
    assert_eq!(f.consts().next().unwrap().value, 1);
    let shifts = vec!["0"; n].join(" << ");
    parse(&format!("const ULONG Y = 1 << {shifts};\n")).unwrap();
    let methods: String = (0..n).map(|i| format!("HRESULT M{i}();\n")).collect();
    let f = parse(&format!("{HEAD}{methods}}};\n")).unwrap();
    assert_eq!(f.interfaces().next().unwrap().methods.len(), n);
    let params: Vec<String> = (0..n).map(|i| format!("[in] ULONG p{i}")).collect();
    parse(&with_method(&format!("HRESULT F({});", params.join(", ")))).unwrap();
    let variants: Vec<String> = (0..n).map(|i| format!("E{i}")).collect();
    parse(&format!(
        "typedef enum _E {{ {} }} E;\n",
        variants.join(", ")
    ))
    .unwrap();
}

#[test]
fn the_command_line_says_error_once() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let idl = dir.path().join("mapisync.idl");
    let text = std::fs::read_to_string(&idl).unwrap();
    std::fs::write(&idl, text.replacen("HRESULT Done(", "HRESULT guard(", 1)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mapi-codegen"))
        .arg("--manifest")
        .arg(dir.path().join("mapi.toml"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "mapi-codegen: error: cannot name a method `guard`: `guard` is a name the generated Rust uses itself\n"
        ),
        "{err}"
    );
    assert!(err.contains(&format!("--> {}:", idl.display())), "{err}");
    assert_eq!(err.matches("error").count(), 1, "{err}");
}

/// A copy of `headers/` with `edit` applied to the IDL; the error of a whole run and the
/// IDL's path and edited text.
fn run_with_idl(edit: impl Fn(&str) -> String) -> (String, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let idl = dir.path().join("mapisync.idl");
    let text = edit(&std::fs::read_to_string(&idl).unwrap());
    std::fs::write(&idl, &text).unwrap();
    let e = mapi_codegen::generate(&mapi_codegen::Options {
        manifest: dir.path().join("mapi.toml"),
        mapi_include: None,
    })
    .map(|_| ())
    .unwrap_err()
    .to_string();
    // Keep the folder alive until the error is read.
    drop(dir);
    (e, idl, text)
}

#[test]
fn clang_errors_on_the_lowered_header_name_the_idl_line() {
    let (e, idl, text) = run_with_idl(|t| {
        t.replace(
            "interface IMAPISyncProgressCallback : IUnknown",
            "interface IMAPIProp : IUnknown",
        )
        .replace(
            "typedef IMAPISyncProgressCallback *LPMAPISYNCPROGRESSCALLBACK;",
            "typedef IMAPIProp *LPMAPIPROPX;",
        )
    });
    let line = text[..text.find("interface IMAPIProp").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(
        shown_at(
            &e,
            &idl,
            line,
            11,
            "this declaration does not compile once lowered to C: "
        ),
        "{e}"
    );
    assert!(e.contains("redefinition of 'IMAPIProp'"), "{e}");
    // A typedef that clashes with a MAPI header's: the typedef's line.
    let (e, idl, text) = run_with_idl(|t| {
        t.replace(
            "typedef IMAPISync *LPMAPISYNC;",
            "typedef IMAPISync *LPMAPISYNC;\ntypedef ULONG SPropValue;",
        )
    });
    let line = text[..text.find("typedef ULONG SPropValue").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(
        shown_at(
            &e,
            &idl,
            line,
            15,
            "this declaration does not compile once lowered to C: "
        ),
        "{e}"
    );
}

#[test]
fn parameters_named_like_values() {
    let src = format!(
        "const ULONG LIMIT = 1;\n{}",
        with_method("HRESULT F([in] ULONG LIMIT);")
    );
    let m = error_at(&src, "LIMIT)");
    assert_eq!(
        m,
        "parameter `LIMIT` of `IFoo::F` is named like constant `LIMIT` (line 1): Rust would read the parameter as that value; rename it"
    );
    // An interface defined further down is a value too (its tuple struct).
    let src = format!(
        "{}[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DE)]\ninterface IBar : IUnknown {{}};\n",
        with_method("HRESULT F([in] ULONG IBar);")
    );
    let m = error_at(&src, "IBar)");
    assert!(m.contains("is named like interface `IBar` (line 6)"), "{m}");
}

#[test]
fn parameters_named_like_values_of_the_mapi_headers() {
    for name in ["IID_IMAPIProp", "IMAPIProp"] {
        let (e, idl, text) = run_with_idl(|t| {
            t.replace(
                "[in] ULONG ulIndexMax",
                &format!("[in] ULONG ulIndexMax, [in] ULONG {name}"),
            )
        });
        let at = text.find(&format!("ULONG {name}")).unwrap() + 6;
        let line = text[..at].matches('\n').count() + 1;
        let col = at - text[..at].rfind('\n').unwrap();
        assert!(
            shown_at(
                &e,
                &idl,
                line,
                col,
                &format!(
                    "parameter `{name}` of `IMAPISyncProgressCallback::Progress` is named like"
                )
            ),
            "{e}"
        );
    }
}

/// Names the checks let through build: the generated crate compiles with them.
#[test]
fn accepted_unusual_names_give_a_crate_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_headers(dir.path());
    let idl = dir.path().join("mapisync.idl");
    let text = std::fs::read_to_string(&idl).unwrap().replace(
        "    HRESULT Done([in] HANDLE hThreadDoneEvent, [in] HRESULT hResult);",
        "    HRESULT Done([in] HANDLE hThreadDoneEvent, [in] HRESULT hResult);\n    \
         HRESULT Identity([in] ULONG type, [in] ULONG self, [in] ULONG move, [in] ULONG Identity,\n        \
         [in] ULONG Tag, [in] ULONG lpVtbl, [in] ULONG implementation, [in] ULONG Self_);",
    );
    std::fs::write(&idl, text).unwrap();
    let g = mapi_codegen::generate(&mapi_codegen::Options {
        manifest: dir.path().join("mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        g.files["src/mapisync.rs"].contains("pub unsafe fn Identity("),
        "the method is not emitted"
    );
    let out = dir.path().join("crate");
    mapi_codegen::output::write_atomically(&out, &g.files).unwrap();
    let status = std::process::Command::new("rustc")
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--crate-name",
        ])
        .arg("check_names")
        .arg("--out-dir")
        .arg(dir.path())
        .arg(out.join("src/lib.rs"))
        .status()
        .expect("rustc runs");
    assert!(status.success(), "the generated crate does not build");
}

#[test]
fn idl_names_that_the_bindings_derive_from_mapi_interfaces() {
    for name in ["IMAPIProp_Vtbl", "IMsgStore_Impl"] {
        let (e, idl, text) = run_with_idl(|t| {
            t.replace(
                "typedef IMAPISync *LPMAPISYNC;",
                &format!("typedef IMAPISync *LPMAPISYNC;\ntypedef ULONG {name};"),
            )
        });
        let at = text.find(&format!("ULONG {name}")).unwrap() + 6;
        let line = text[..at].matches('\n').count() + 1;
        let col = at - text[..at].rfind('\n').unwrap();
        assert!(
            shown_at(&e, &idl, line, col, &format!("`{name}` is the Rust ")),
            "{e}"
        );
    }
}

#[test]
fn an_idl_interface_with_the_iid_of_a_mapi_interface() {
    let (e, idl, text) = run_with_idl(|t| {
        t.replacen(
            "uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)",
            "uuid(00020303-0000-0000-C000-000000000046)",
            1,
        )
    });
    let at = text.find("interface IMAPISync :").unwrap() + "interface ".len();
    let line = text[..at].matches('\n').count() + 1;
    assert!(
        shown_at(&e, &idl, line, 11, "interface `IMAPISync` has the IID {00020303-0000-0000-C000-000000000046} of `IMAPIProp` (declared in `mapidefs.h`)"),
        "{e}"
    );
}

#[test]
fn an_idl_constant_that_redefines_a_mapi_macro() {
    let (e, idl, text) = run_with_idl(|t| {
        t.replace(
            "const ULONG SYNC_ON_DEMAND = 0x20000000;",
            "const ULONG SYNC_ON_DEMAND = 0x20000000;\nconst ULONG MAPI_UNICODE = 0x1;",
        )
    });
    let at = text.find("MAPI_UNICODE").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').unwrap();
    assert!(
        shown_at(
            &e,
            &idl,
            line,
            col,
            "constant `MAPI_UNICODE` is already a macro of `mapidefs.h`"
        ),
        "{e}"
    );
}

/// Whether `e`, a whole run's error, is the IDL front end's display of `message...` at
/// `idl:line:col`: the message first, then the position, the source line and a caret.
fn shown_at(e: &str, idl: &Path, line: usize, col: usize, message: &str) -> bool {
    e.starts_with(message)
        && e.contains(&format!("--> {}:{line}:{col}\n", idl.display()))
        && e.trim_end().ends_with('^')
}
