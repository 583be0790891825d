//! The IDL front end: our IDL parses into what FACTS.md says, and each kind of bad input
//! gives its exact message.

use std::path::Path;

use mapi_codegen::idl::{parse_file, parse_str, Direction, Item};

fn err(src: &str) -> String {
    match parse_str(Path::new("bad.idl"), src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]\n";

#[test]
fn our_idl_declares_what_the_mapi_reference_documents() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../headers/mapisync.idl");
    let f = parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.imports, vec!["unknwn.idl".to_string()]);
    let ifaces: Vec<_> = f.interfaces().collect();
    assert_eq!(ifaces.len(), 2);

    let sync = ifaces[0];
    assert_eq!(sync.name, "IMAPISync");
    assert_eq!(sync.base.as_deref(), Some("IUnknown"));
    assert_eq!(
        sync.uuid.unwrap().to_string(),
        "{5024A385-2D44-486A-81A8-8F0ECB6071DD}"
    );
    assert_eq!(sync.methods.len(), 1);
    let m = &sync.methods[0];
    assert_eq!(m.name, "SynchronizeInBackground");
    assert_eq!(m.ret.to_string(), "HRESULT");
    assert_eq!(m.params.len(), 1);
    assert_eq!(m.params[0].name, "psibpb");
    assert_eq!(m.params[0].ty.to_string(), "PMAPISIB");
    assert_eq!(m.params[0].dir, Direction::In);

    let cb = ifaces[1];
    assert_eq!(cb.name, "IMAPISyncProgressCallback");
    assert_eq!(
        cb.uuid.unwrap().to_string(),
        "{5024A386-2D44-486A-81A8-8F0ECB6071DD}"
    );
    let sig: Vec<(String, Vec<(String, String)>)> = cb
        .methods
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                m.params
                    .iter()
                    .map(|p| (p.ty.to_string(), p.name.clone()))
                    .collect(),
            )
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        sig,
        vec![
            (
                "Progress".to_string(),
                vec![
                    s("const WCHAR *", "pwcszProgress"),
                    s("ULONG", "ulIndex"),
                    s("ULONG", "ulIndexMax")
                ]
            ),
            (
                "Error".to_string(),
                vec![s("HRESULT", "hResult"), s("const WCHAR *", "pwcszErrorStr")]
            ),
            (
                "Done".to_string(),
                vec![s("HANDLE", "hThreadDoneEvent"), s("HRESULT", "hResult")]
            ),
        ]
    );

    let consts: Vec<(String, u64)> = f
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Const(c) => Some((c.name.clone(), c.value)),
            _ => None,
        })
        .collect();
    let c = |n: &str, v: u64| (n.to_string(), v);
    assert_eq!(
        consts,
        vec![
            c("SYNC_UPLOAD_HIERARCHY", 0x1),
            c("SYNC_DOWNLOAD_HIERARCHY", 0x2),
            c("SYNC_UPLOAD_CONTENTS", 0x40),
            c("SYNC_DOWNLOAD_CONTENTS", 0x80),
            c("SYNC_OUTGOING_MAIL", 0x200),
            c("SYNC_GLOBAL_HEADERS", 0x0200_0000),
            c("SYNC_ON_DEMAND", 0x2000_0000),
        ]
    );

    let sib = f
        .items
        .iter()
        .find_map(|i| match i {
            Item::Struct(s) if s.tag.as_deref() == Some("_MAPISIB") => Some(s),
            _ => None,
        })
        .expect("MAPISIB");
    let fields: Vec<String> = sib
        .fields
        .iter()
        .map(|f| format!("{} {}", f.ty.to_string().trim_end(), f.name))
        .collect();
    assert_eq!(
        fields,
        [
            "ULONG ulSize",
            "ULONG ulFlags",
            "LPMAPISESSION psesSync",
            "LPUNKNOWN punkCallBack",
            "HANDLE * phSyncDoneEvent"
        ]
    );
    let names: Vec<(String, usize)> = sib
        .names
        .iter()
        .map(|d| (d.name.clone(), d.pointers))
        .collect();
    assert_eq!(
        names,
        [("MAPISIB".to_string(), 0), ("PMAPISIB".to_string(), 1)]
    );
}

#[test]
fn expressions_directions_and_enums() {
    let src = "const ULONG A = 0x10;\nconst ULONG B = (A << 4) | 1;\n\
               typedef enum { X = 2, Y, Z = 0x10 } E;\n\
               [object, uuid(00000000-0000-0000-C000-000000000046)]\n\
               interface IFoo : IUnknown { HRESULT M([in, out] ULONG *a, [out, retval] void **b, [in, unique] const WCHAR * const c); }\n";
    let f = parse_str(Path::new("ok.idl"), src).unwrap_or_else(|e| panic!("{e}"));
    let consts: Vec<u64> = f
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Const(c) => Some(c.value),
            _ => None,
        })
        .collect();
    assert_eq!(consts, [0x10, 0x101]);
    let e = f
        .items
        .iter()
        .find_map(|i| match i {
            Item::Enum(e) => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        e.variants,
        vec![
            ("X".to_string(), 2),
            ("Y".to_string(), 3),
            ("Z".to_string(), 16)
        ]
    );
    let m = &f.interfaces().next().unwrap().methods[0];
    let dirs: Vec<Direction> = m.params.iter().map(|p| p.dir).collect();
    assert_eq!(dirs, [Direction::InOut, Direction::Out, Direction::In]);
    assert_eq!(m.params[1].attributes, ["retval"]);
    assert_eq!(m.params[2].ty.to_string(), "const WCHAR * const ");
}

#[test]
fn missing_semicolon_after_a_method() {
    let src = format!("{HEAD}interface IFoo : IUnknown\n{{\n    HRESULT Bar([in] ULONG x)\n}};\n");
    assert_eq!(
        err(&src),
        "error: expected `;` after method declaration, found `}`\n --> bad.idl:5:1\n  |\n5 | };\n  | ^"
    );
}

#[test]
fn unexpected_end_of_file() {
    let src = format!("{HEAD}interface IFoo : IUnknown\n{{\n    HRESULT Bar([in] ULONG x);\n");
    assert_eq!(
        err(&src),
        "error: expected `}` to close interface `IFoo`, found end of file\n --> bad.idl:5:1\n  |\n5 | \n  | ^"
    );
}

#[test]
fn unknown_interface_attribute() {
    let src = "[object, foo, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IFoo : IUnknown { };\n";
    assert_eq!(
        err(src),
        "error: unknown interface attribute `foo`; expected one of `object`, `uuid`, `local`, `pointer_default`\n --> bad.idl:1:10\n  |\n1 | [object, foo, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\n  |          ^"
    );
}

#[test]
fn malformed_uuid() {
    let src = "[object, uuid(5024A385-2D44)]\ninterface IFoo : IUnknown { };\n";
    assert_eq!(
        err(src),
        "error: malformed uuid `5024A385-2D44`: expected 8-4-4-4-12 hex digits\n --> bad.idl:1:15\n  |\n1 | [object, uuid(5024A385-2D44)]\n  |               ^"
    );
}

#[test]
fn object_interface_without_uuid() {
    let src = "[object, local]\ninterface IFoo : IUnknown { };\n";
    assert_eq!(
        err(src),
        "error: interface `IFoo` is an `object` interface but has no `uuid(...)` attribute\n --> bad.idl:2:11\n  |\n2 | interface IFoo : IUnknown { };\n  |           ^"
    );
}

#[test]
fn unterminated_block_comment() {
    assert_eq!(
        err("const ULONG A = 1;\n  /* never closed\n"),
        "error: unterminated block comment\n --> bad.idl:2:3\n  |\n2 |   /* never closed\n  |   ^"
    );
}

#[test]
fn unterminated_string() {
    assert_eq!(
        err("cpp_quote(\"no end)\n"),
        "error: unterminated string\n --> bad.idl:1:11\n  |\n1 | cpp_quote(\"no end)\n  |           ^"
    );
}

#[test]
fn unknown_top_level_keyword() {
    assert_eq!(
        err("const ULONG A = 1;\nlibrary Foo { }\n"),
        "error: expected `import`, `cpp_quote`, `const`, `typedef`, `[` or `interface` at the top level, found `library`\n --> bad.idl:2:1\n  |\n2 | library Foo { }\n  | ^"
    );
}

#[test]
fn missing_semicolon_after_a_typedef() {
    assert_eq!(
        err("typedef struct _S { ULONG a; } S\nconst ULONG A = 1;\n"),
        "error: expected `;` after typedef `S`, found `const`\n --> bad.idl:2:1\n  |\n2 | const ULONG A = 1;\n  | ^"
    );
}

#[test]
fn bad_parameter_attribute() {
    let src = format!("{HEAD}interface IFoo : IUnknown {{ HRESULT Bar([inn] ULONG x); }};\n");
    assert_eq!(
        err(&src),
        "error: unknown parameter attribute `inn`; expected `in`, `out`, `retval`, `unique`, `string` or `optional`\n --> bad.idl:2:42\n  |\n2 | interface IFoo : IUnknown { HRESULT Bar([inn] ULONG x); };\n  |                                          ^"
    );
}

#[test]
fn out_parameter_must_be_a_pointer() {
    let src = format!("{HEAD}interface IFoo : IUnknown {{ HRESULT Bar([out] ULONG x); }};\n");
    assert_eq!(
        err(&src),
        "error: `[out]` parameter `x` of `IFoo::Bar` must be a pointer\n --> bad.idl:2:53\n  |\n2 | interface IFoo : IUnknown { HRESULT Bar([out] ULONG x); };\n  |                                                     ^"
    );
}

#[test]
fn duplicate_method() {
    let src = format!(
        "{HEAD}interface IFoo : IUnknown {{\n  HRESULT Bar(void);\n  HRESULT Bar(void);\n}};\n"
    );
    assert_eq!(
        err(&src),
        "error: method `Bar` is declared twice in `IFoo`\n --> bad.idl:4:11\n  |\n4 |   HRESULT Bar(void);\n  |           ^"
    );
}

#[test]
fn duplicate_parameter() {
    let src = format!(
        "{HEAD}interface IFoo : IUnknown {{ HRESULT Bar([in] ULONG x, [in] ULONG x); }};\n"
    );
    assert_eq!(
        err(&src),
        "error: parameter `x` of `IFoo::Bar` is declared twice\n --> bad.idl:2:66\n  |\n2 | interface IFoo : IUnknown { HRESULT Bar([in] ULONG x, [in] ULONG x); };\n  |                                                                  ^"
    );
}

#[test]
fn undeclared_base_interface() {
    let src = format!("{HEAD}interface IBar : IFoo {{ }};\n");
    assert_eq!(
        err(&src),
        "error: base interface `IFoo` of `IBar` is not declared; declare it earlier in this file or derive from `IUnknown`\n --> bad.idl:2:18\n  |\n2 | interface IBar : IFoo { };\n  |                  ^"
    );
}

#[test]
fn duplicate_interface() {
    let src =
        format!("{HEAD}interface IFoo : IUnknown {{ }};\n{HEAD}interface IFoo : IUnknown {{ }};\n");
    assert_eq!(
        err(&src),
        "error: interface `IFoo` is declared twice\n --> bad.idl:4:11\n  |\n4 | interface IFoo : IUnknown { };\n  |           ^"
    );
}

#[test]
fn gutter_widens_with_the_line_number() {
    let src = format!("{}const ULONG A = ;\n", "\n".repeat(11));
    assert_eq!(
        err(&src),
        "error: expected a number, found `;`\n  --> bad.idl:12:17\n   |\n12 | const ULONG A = ;\n   |                 ^"
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let e = parse_file(Path::new("/no/such/file.idl")).unwrap_err();
    assert_eq!(e.path, Path::new("/no/such/file.idl"));
    assert!(
        e.to_string()
            .starts_with("error: cannot read the IDL file: "),
        "{e}"
    );
}
