//! The IDL front end: what it makes of `headers/mapisync.idl` and of a fixture using every
//! supported construct, and the exact text of its error messages.

use std::path::{Path, PathBuf};

use mapi_codegen::idl::{
    parse_file, parse_str, CType, Direction, Guid, IdlFile, InterfaceDef, Item, PointerDefault,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mapisync() -> IdlFile {
    parse_file(&root().join("headers/mapisync.idl")).unwrap_or_else(|e| panic!("{e}"))
}

fn features() -> IdlFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/idl/features.idl");
    parse_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The displayed error for `src`, parsed as `test.idl`.
fn err(src: &str) -> String {
    match parse_str(Path::new("test.idl"), src) {
        Ok(f) => panic!("expected an error, got {f:#?}"),
        Err(e) => e.to_string(),
    }
}

/// An interface header for the error fixtures: its body starts on line 4.
const IFOO: &str = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]
interface IFoo : IUnknown
{
";

fn interface<'a>(file: &'a IdlFile, name: &str) -> &'a InterfaceDef {
    file.interfaces()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no interface {name}"))
}

/// (name, C type, direction) of each parameter of `iface::method`.
fn params(iface: &InterfaceDef, method: &str) -> Vec<(String, String, Direction)> {
    let m = iface
        .methods
        .iter()
        .find(|m| m.name == method)
        .unwrap_or_else(|| panic!("no method {method}"));
    m.params
        .iter()
        .map(|p| (p.name.clone(), p.ty.to_c(), p.dir))
        .collect()
}

fn owned(v: &[(&str, &str, Direction)]) -> Vec<(String, String, Direction)> {
    v.iter()
        .map(|(n, t, d)| (n.to_string(), t.to_string(), *d))
        .collect()
}

// ---- good input -------------------------------------------------------------------------

#[test]
fn mapisync_idl_items_in_source_order() {
    let f = mapisync();
    assert_eq!(f.imports, ["unknwn.idl"]);
    let kinds: Vec<&str> = f
        .items
        .iter()
        .map(|i| match i {
            Item::CppQuote(..) => "cpp_quote",
            Item::Const(_) => "const",
            Item::Struct(_) => "struct",
            Item::Enum(_) => "enum",
            Item::Typedef(_) => "typedef",
            Item::Interface(_) => "interface",
            Item::ForwardInterface(_) => "forward",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "cpp_quote",
            "const",
            "const",
            "const",
            "const",
            "const",
            "const",
            "const",
            "struct",
            "interface",
            "typedef",
            "interface",
            "typedef",
            // The Linux done-event API: #ifndef _WIN32, four #defines, two pairs of
            // comment and typedef, #endif.
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
            "cpp_quote",
        ]
    );
}

#[test]
fn mapisync_idl_sync_flags() {
    let f = mapisync();
    let consts: Vec<(&str, u64, String)> = f
        .consts()
        .map(|c| (c.name.as_str(), c.value, c.ty.to_c()))
        .collect();
    let ulong = || "ULONG".to_string();
    assert_eq!(
        consts,
        [
            ("SYNC_UPLOAD_HIERARCHY", 0x0000_0001, ulong()),
            ("SYNC_DOWNLOAD_HIERARCHY", 0x0000_0002, ulong()),
            ("SYNC_UPLOAD_CONTENTS", 0x0000_0040, ulong()),
            ("SYNC_DOWNLOAD_CONTENTS", 0x0000_0080, ulong()),
            ("SYNC_OUTGOING_MAIL", 0x0000_0200, ulong()),
            ("SYNC_GLOBAL_HEADERS", 0x0200_0000, ulong()),
            ("SYNC_ON_DEMAND", 0x2000_0000, ulong()),
        ]
    );
    let on_demand = f.consts().find(|c| c.name == "SYNC_ON_DEMAND").unwrap();
    assert_eq!(on_demand.value, 0x2000_0000);
    assert_eq!(on_demand.expr, "0x20000000");
}

#[test]
fn mapisync_idl_mapisib() {
    let f = mapisync();
    let s = f.structs().next().expect("MAPISIB");
    assert_eq!(s.tag.as_deref(), Some("_MAPISIB"));
    let names: Vec<(&str, usize)> = s
        .names
        .iter()
        .map(|d| (d.name.as_str(), d.pointers.len()))
        .collect();
    assert_eq!(names, [("MAPISIB", 0), ("PMAPISIB", 1)]);
    let fields: Vec<(&str, String)> = s
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ty.to_c()))
        .collect();
    assert_eq!(
        fields,
        [
            ("ulSize", "ULONG".to_string()),
            ("ulFlags", "ULONG".to_string()),
            ("psesSync", "LPMAPISESSION".to_string()),
            ("punkCallBack", "LPUNKNOWN".to_string()),
            ("phSyncDoneEvent", "HANDLE *".to_string()),
        ]
    );
    assert!(s.fields.iter().all(|f| f.array_len.is_none()));
}

#[test]
fn mapisync_idl_imapisync() {
    let f = mapisync();
    let i = interface(&f, "IMAPISync");
    assert_eq!(i.base.as_deref(), Some("IUnknown"));
    assert_eq!(i.uuid.to_string(), "{5024A385-2D44-486A-81A8-8F0ECB6071DD}");
    assert_eq!(
        i.uuid,
        Guid {
            data1: 0x5024_A385,
            data2: 0x2D44,
            data3: 0x486A,
            data4: [0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60, 0x71, 0xDD],
        }
    );
    assert!(i.attributes.object && i.attributes.local);
    assert_eq!(i.attributes.pointer_default, None);
    let names: Vec<&str> = i.methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["SynchronizeInBackground"]);
    assert_eq!(i.methods[0].ret.to_c(), "HRESULT");
    assert_eq!(
        params(i, "SynchronizeInBackground"),
        owned(&[("psibpb", "PMAPISIB", Direction::In)])
    );
    // The vtable: IUnknown's three methods, then its own.
    let vtable: Vec<String> = f
        .ancestry(i)
        .iter()
        .flat_map(|x| x.methods.iter().map(|m| format!("{}::{}", x.name, m.name)))
        .collect();
    assert_eq!(
        vtable,
        [
            "IUnknown::QueryInterface",
            "IUnknown::AddRef",
            "IUnknown::Release",
            "IMAPISync::SynchronizeInBackground"
        ]
    );
}

#[test]
fn mapisync_idl_imapisyncprogresscallback() {
    let f = mapisync();
    let i = interface(&f, "IMAPISyncProgressCallback");
    assert_eq!(i.base.as_deref(), Some("IUnknown"));
    assert_eq!(i.uuid.to_string(), "{5024A386-2D44-486A-81A8-8F0ECB6071DD}");
    let names: Vec<&str> = i.methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Progress", "Error", "Done"]);
    assert!(i.methods.iter().all(|m| m.ret.to_c() == "HRESULT"));
    assert_eq!(
        params(i, "Progress"),
        owned(&[
            ("pwcszProgress", "const WCHAR *", Direction::In),
            ("ulIndex", "ULONG", Direction::In),
            ("ulIndexMax", "ULONG", Direction::In),
        ])
    );
    assert_eq!(
        params(i, "Error"),
        owned(&[
            ("hResult", "HRESULT", Direction::In),
            ("pwcszErrorStr", "const WCHAR *", Direction::In),
        ])
    );
    assert_eq!(
        params(i, "Done"),
        owned(&[
            ("hThreadDoneEvent", "HANDLE", Direction::In),
            ("hResult", "HRESULT", Direction::In),
        ])
    );
    let pointer_typedefs: Vec<(&str, String)> = f
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Typedef(a) => Some((a.name.as_str(), a.ty.to_c())),
            _ => None,
        })
        .collect();
    assert_eq!(
        pointer_typedefs,
        [
            ("LPMAPISYNC", "IMAPISync *".to_string()),
            (
                "LPMAPISYNCPROGRESSCALLBACK",
                "IMAPISyncProgressCallback *".to_string()
            )
        ]
    );
}

#[test]
fn builtin_iunknown() {
    let u = InterfaceDef::iunknown();
    assert_eq!(u.base, None);
    assert_eq!(u.uuid.to_string(), "{00000000-0000-0000-C000-000000000046}");
    let sigs: Vec<String> = u
        .methods
        .iter()
        .map(|m| {
            let ps: Vec<String> = m.params.iter().map(|p| p.ty.declare(&p.name)).collect();
            format!("{} {}({})", m.ret, m.name, ps.join(", "))
        })
        .collect();
    assert_eq!(
        sigs,
        [
            "HRESULT QueryInterface(REFIID riid, void **ppvObject)",
            "ULONG AddRef()",
            "ULONG Release()"
        ]
    );
}

#[test]
fn every_supported_construct() {
    let f = features();
    assert_eq!(f.imports, ["unknwn.idl", "oaidl.idl"]);
    assert_eq!(
        f.items[0],
        Item::CppQuote("/* quoted: \"text\" and a backslash \\ */".to_string(), 6)
    );
    assert_eq!(
        f.items[1],
        Item::CppQuote("#define FEATURES_QUOTED 1".to_string(), 7)
    );
    let consts: Vec<(&str, &str, u64, String)> = f
        .consts()
        .map(|c| (c.name.as_str(), c.expr.as_str(), c.value, c.ty.to_c()))
        .collect();
    assert_eq!(
        consts,
        [
            ("F_ONE", "1", 1, "ULONG".to_string()),
            ("F_MASK", "(1 << 4) | 0x2 | 010", 26, "ULONG".to_string()),
            (
                "F_BIG",
                "0x1ULL << 32",
                1 << 32,
                "unsigned long long".to_string()
            ),
        ]
    );
    let Some(Item::Enum(color)) = f.items.iter().find(|i| matches!(i, Item::Enum(_))) else {
        panic!("no enum");
    };
    let variants: Vec<(&str, Option<&str>, u64)> = color
        .variants
        .iter()
        .map(|v| (v.name.as_str(), v.expr.as_deref(), v.value))
        .collect();
    assert_eq!(
        variants,
        [
            ("COLOR_RED", Some("1"), 1),
            ("COLOR_GREEN", None, 2),
            ("COLOR_BLUE", Some("0x10"), 16)
        ]
    );
    let point = f.structs().next().unwrap();
    assert_eq!(point.fields[2].ty.to_c(), "unsigned char");
    assert_eq!(point.fields[2].array_len, Some(4));
    let aliases: Vec<(&str, String)> = f
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Typedef(a) => Some((a.name.as_str(), a.ty.to_c())),
            _ => None,
        })
        .collect();
    assert_eq!(
        aliases,
        [
            ("COUNT", "ULONG".to_string()),
            ("PCOUNT", "ULONG *".to_string()),
            ("LPPOINT2", "struct _POINT2 *".to_string()),
            ("LPFEATURE", "IFeature *".to_string()),
        ]
    );
    assert!(f
        .items
        .contains(&Item::ForwardInterface("IFeatureSink".to_string())));

    let base = interface(&f, "IFeatureBase");
    assert_eq!(
        base.attributes.pointer_default,
        Some(PointerDefault::Unique)
    );
    assert!(params(base, "Ping").is_empty());
    assert!(params(base, "Count").is_empty());
    assert_eq!(base.methods[1].ret.to_c(), "ULONG");

    let feat = interface(&f, "IFeature");
    assert_eq!(feat.base.as_deref(), Some("IFeatureBase"));
    assert_eq!(
        feat.uuid.to_string(),
        "{11111111-2222-3333-4444-555555555556}"
    );
    assert!(feat.attributes.object && !feat.attributes.local);
    assert_eq!(
        params(feat, "Get"),
        owned(&[
            ("index", "ULONG", Direction::In),
            ("result", "POINT2 *", Direction::Out)
        ])
    );
    assert_eq!(
        params(feat, "Put"),
        owned(&[
            ("point", "const POINT2 *", Direction::In),
            ("count", "PCOUNT", Direction::InOut)
        ])
    );
    assert_eq!(
        params(feat, "Name"),
        owned(&[
            ("name", "const WCHAR *", Direction::In),
            ("buf", "unsigned char *", Direction::Out),
            ("cb", "ULONG", Direction::In),
            ("pcb", "ULONG *", Direction::Out),
        ])
    );
    assert_eq!(
        params(feat, "Sink"),
        owned(&[
            ("sink", "IFeatureSink *", Direction::In),
            ("self", "IFeature **", Direction::Out),
            ("argv", "char *const *", Direction::In),
        ])
    );
    let attrs: Vec<Vec<String>> = feat
        .methods
        .iter()
        .flat_map(|m| m.params.iter().map(|p| p.attributes.clone()))
        .filter(|a| !a.is_empty())
        .collect();
    assert_eq!(
        attrs,
        [
            vec!["retval".to_string()],
            vec!["unique".to_string()],
            vec!["string".to_string()],
            vec!["size_is(cb)".to_string(), "length_is(*pcb)".to_string()],
        ]
    );
    let chain: Vec<String> = f.ancestry(feat).into_iter().map(|i| i.name).collect();
    assert_eq!(chain, ["IUnknown", "IFeatureBase", "IFeature"]);
}

#[test]
fn c_type_spelling() {
    let mut t = CType::named("char").pointer_to(2);
    t.pointers[0].is_const = true;
    assert_eq!(t.to_string(), "char *const *");
    assert_eq!(t.declare("argv"), "char *const *argv");
    t.pointers[1].is_const = true;
    assert_eq!(t.declare("p"), "char *const *const p");
    let mut w = CType::named("WCHAR").pointer_to(1);
    w.is_const = true;
    assert_eq!(w.to_c(), "const WCHAR *");
    assert_eq!(w.declare("s"), "const WCHAR *s");
    assert_eq!(CType::named("ULONG").declare("n"), "ULONG n");
}

#[test]
fn guid_forms() {
    let g = Guid::parse("{5024a385-2d44-486a-81a8-8f0ecb6071dd}").unwrap();
    assert_eq!(g.to_string(), "{5024A385-2D44-486A-81A8-8F0ECB6071DD}");
    assert_eq!(Guid::parse("5024A385-2D44-486A-81A8-8F0ECB6071DD"), Some(g));
    assert_eq!(
        g.to_bytes_le(),
        [
            0x85, 0xA3, 0x24, 0x50, 0x44, 0x2D, 0x6A, 0x48, 0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60,
            0x71, 0xDD
        ]
    );
    for bad in [
        "",
        "5024A385-2D44",
        "5024A385-2D44-486A-81A8-8F0ECB6071D",
        "5024A385-2D44-486A-81A8-8F0ECB6071DDD",
        "5024A38G-2D44-486A-81A8-8F0ECB6071DD",
        "+024A385-2D44-486A-81A8-8F0ECB6071DD",
        "{5024A385-2D44-486A-81A8-8F0ECB6071DD",
        "5024A385-2D44-486A-81A88F0E-CB6071DD",
        "5024A385\u{e9}2D44-486A-81A8-8F0ECB6071D",
    ] {
        assert_eq!(Guid::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn minimal_interfaces() {
    let f = parse_str(
        Path::new("t.idl"),
        "[object, uuid(00000000-0000-0000-0000-000000000001)] interface IA : IUnknown { }\n\
         [object, uuid(00000000-0000-0000-0000-000000000002)] interface IB : IA { HRESULT F(); };",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.interfaces().count(), 2);
    assert!(interface(&f, "IA").methods.is_empty());
    // A file that declares nothing would give bindings without its interfaces.
    for empty in [
        "",
        "// only\n/* comments */\r\n",
        "import \"unknwn.idl\";\n",
    ] {
        let e = parse_str(Path::new("t.idl"), empty).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (
                1,
                1,
                "the file declares nothing (no constant, type or interface)"
            ),
            "{empty:?}"
        );
    }
}

#[test]
fn no_panic_on_any_prefix_or_corruption() {
    for src in [
        std::fs::read_to_string(root().join("headers/mapisync.idl")).unwrap(),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/idl/features.idl"),
        )
        .unwrap(),
    ] {
        for (i, _) in src.char_indices() {
            let _ = parse_str(Path::new("t.idl"), &src[..i]);
        }
        // Deterministic corruption: replace or delete characters at pseudo-random places.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let junk = [
            '(', ')', '[', ']', '{', '}', ';', ',', '*', '"', '/', '<', '|', '0', 'x', '\t', '\n',
            '\u{e9}',
        ];
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut chars: Vec<char> = src.chars().collect();
            let at = (x % chars.len() as u64) as usize;
            let j = junk[((x >> 32) % junk.len() as u64) as usize];
            if x & 1 == 0 {
                chars[at] = j;
            } else {
                chars.remove(at);
            }
            let s: String = chars.into_iter().collect();
            if let Ok(f) = parse_str(Path::new("t.idl"), &s) {
                let _ = mapi_codegen::idl::c_header(&f, &Default::default());
            } else if let Err(e) = parse_str(Path::new("t.idl"), &s) {
                let shown = e.to_string();
                assert!(shown.starts_with("error: "), "{shown}");
                assert!(e.line >= 1 && e.column >= 1, "{shown}");
            }
        }
    }
}

// ---- errors: the whole message is pinned ------------------------------------------------

#[test]
fn error_missing_semicolon_after_method() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Foo([in] ULONG x)\n}};\n")),
        "error: expected `;` after method declaration, found `}`
 --> test.idl:4:30
  |
4 |     HRESULT Foo([in] ULONG x)
  |                              ^"
    );
}

#[test]
fn error_unknown_interface_attribute() {
    assert_eq!(
        err("[object, foo, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IFoo : IUnknown {}\n"),
        "error: unknown interface attribute `foo`; expected one of `object`, `uuid`, `local`, `pointer_default`, `shares_uuid`
 --> test.idl:1:10
  |
1 | [object, foo, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]
  |          ^"
    );
}

#[test]
fn error_malformed_uuid() {
    assert_eq!(
        err("[object, uuid(5024A385-2D44)]\ninterface IFoo : IUnknown {}\n"),
        "error: malformed uuid `5024A385-2D44`: expected 8-4-4-4-12 hex digits
 --> test.idl:1:15
  |
1 | [object, uuid(5024A385-2D44)]
  |               ^"
    );
}

#[test]
fn error_unterminated_block_comment() {
    assert_eq!(
        err("const ULONG A = 1;\n/* never\n   closed\n"),
        "error: unterminated block comment
 --> test.idl:2:1
  |
2 | /* never
  | ^"
    );
}

#[test]
fn error_undeclared_base_interface() {
    assert_eq!(
        err("[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IBar : IFoo {}\n"),
        "error: base interface `IFoo` of `IBar` is not declared; declare it earlier in this file or derive from `IUnknown`
 --> test.idl:2:18
  |
2 | interface IBar : IFoo {}
  |                  ^"
    );
}

#[test]
fn error_base_interface_only_forward_declared() {
    assert_eq!(
        err("interface IFoo;\n[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IBar : IFoo {}\n"),
        "error: base interface `IFoo` of `IBar` is only forward-declared; define it earlier in this file or derive from `IUnknown`
 --> test.idl:3:18
  |
3 | interface IBar : IFoo {}
  |                  ^"
    );
}

#[test]
fn error_out_parameter_not_a_pointer() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([out] ULONG x);\n}};\n")),
        "error: `[out]` parameter `x` of `IFoo::Bar` must be a pointer
 --> test.idl:4:29
  |
4 |     HRESULT Bar([out] ULONG x);
  |                             ^"
    );
}

#[test]
fn error_in_out_parameter_not_a_pointer() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([in, out] ULONG x);\n}};\n")),
        "error: `[in, out]` parameter `x` of `IFoo::Bar` must be a pointer
 --> test.idl:4:33
  |
4 |     HRESULT Bar([in, out] ULONG x);
  |                                 ^"
    );
}

#[test]
fn error_duplicate_interface() {
    assert_eq!(
        err(&format!("{IFOO}}};\n{IFOO}}};\n")),
        "error: duplicate interface `IFoo`: already defined on line 2
 --> test.idl:6:11
  |
6 | interface IFoo : IUnknown
  |           ^"
    );
}

#[test]
fn error_redefining_iunknown() {
    assert_eq!(
        err("[object, uuid(00000000-0000-0000-C000-000000000046)]\ninterface IUnknown : IUnknown {}\n"),
        "error: duplicate interface `IUnknown`: `IUnknown` is built in
 --> test.idl:2:11
  |
2 | interface IUnknown : IUnknown {}
  |           ^"
    );
}

#[test]
fn error_duplicate_method() {
    assert_eq!(
        err(&format!(
            "{IFOO}    HRESULT Bar(void);\n    HRESULT Bar([in] ULONG x);\n}};\n"
        )),
        "error: duplicate method `Bar` in `IFoo`: already declared on line 4
 --> test.idl:5:13
  |
5 |     HRESULT Bar([in] ULONG x);
  |             ^"
    );
}

#[test]
fn error_method_repeating_an_inherited_one() {
    assert_eq!(
        err(&format!("{IFOO}    ULONG AddRef(void);\n}};\n")),
        "error: duplicate method `AddRef` in `IFoo`: base interface `IUnknown` already declares it
 --> test.idl:4:11
  |
4 |     ULONG AddRef(void);
  |           ^"
    );
}

#[test]
fn error_duplicate_parameter() {
    assert_eq!(
        err(&format!(
            "{IFOO}    HRESULT Bar([in] ULONG x, [in] ULONG x);\n}};\n"
        )),
        "error: duplicate parameter `x` in `IFoo::Bar`
 --> test.idl:4:42
  |
4 |     HRESULT Bar([in] ULONG x, [in] ULONG x);
  |                                          ^"
    );
}

#[test]
fn error_parameter_named_this() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([in] ULONG This);\n}};\n")),
        "error: parameter name `This` in `IFoo::Bar` is reserved: the C vtable passes the object as `This`
 --> test.idl:4:28
  |
4 |     HRESULT Bar([in] ULONG This);
  |                            ^"
    );
}

#[test]
fn error_object_interface_without_uuid() {
    assert_eq!(
        err("[object, local]\ninterface IFoo : IUnknown {}\n"),
        "error: interface `IFoo` has the `object` attribute but no `uuid(...)`
 --> test.idl:2:11
  |
2 | interface IFoo : IUnknown {}
  |           ^"
    );
}

#[test]
fn error_interface_without_object() {
    assert_eq!(
        err("interface IFoo : IUnknown {}\n"),
        "error: interface `IFoo` is not marked `object`; only COM interfaces (`[object, uuid(...)]`) are supported
 --> test.idl:1:11
  |
1 | interface IFoo : IUnknown {}
  |           ^"
    );
}

#[test]
fn error_interface_without_base() {
    assert_eq!(
        err("[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IFoo {}\n"),
        "error: expected `:` and a base interface after `IFoo`, found `{`
 --> test.idl:2:15
  |
2 | interface IFoo {}
  |               ^"
    );
}

#[test]
fn error_unexpected_end_of_file() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar(void);\n")),
        "error: expected a method declaration or `}`, found end of file
 --> test.idl:4:23
  |
4 |     HRESULT Bar(void);
  |                       ^"
    );
}

#[test]
fn error_unterminated_string() {
    assert_eq!(
        err("import \"unknwn.idl;\n"),
        "error: unterminated string literal
 --> test.idl:1:8
  |
1 | import \"unknwn.idl;
  |        ^"
    );
}

#[test]
fn error_unknown_top_level_keyword() {
    assert_eq!(
        err("import \"unknwn.idl\";\nlibrary Foo {}\n"),
        "error: unknown top-level keyword `library`; expected `import`, `cpp_quote`, `const`, `typedef`, `interface` or an attribute list `[...]`
 --> test.idl:2:1
  |
2 | library Foo {}
  | ^"
    );
}

#[test]
fn error_stray_token_at_top_level() {
    assert_eq!(
        err("const ULONG A = 1;;\n"),
        "error: expected a declaration (`import`, `cpp_quote`, `const`, `typedef`, `interface` or an attribute list `[...]`), found `;`
 --> test.idl:1:19
  |
1 | const ULONG A = 1;;
  |                   ^"
    );
}

#[test]
fn error_attribute_list_before_something_else() {
    assert_eq!(
        err("[object] typedef ULONG X;\n"),
        "error: expected `interface` after the attribute list, found `typedef`
 --> test.idl:1:10
  |
1 | [object] typedef ULONG X;
  |          ^"
    );
}

#[test]
fn error_missing_semicolon_after_typedef() {
    assert_eq!(
        err("typedef ULONG COUNT\nconst ULONG A = 1;\n"),
        "error: expected `;` after typedef, found `const`
 --> test.idl:1:20
  |
1 | typedef ULONG COUNT
  |                    ^"
    );
}

#[test]
fn error_unknown_parameter_attribute() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([inn] ULONG x);\n}};\n")),
        "error: unknown parameter attribute `inn`; expected one of `in`, `out`, `retval`, `unique`, `ref`, `ptr`, `string`, `optional`, `size_is`, `length_is`, `iid_is`
 --> test.idl:4:18
  |
4 |     HRESULT Bar([inn] ULONG x);
  |                  ^"
    );
}

#[test]
fn error_repeated_direction_attribute() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([in, in] ULONG x);\n}};\n")),
        "error: duplicate parameter attribute `in`
 --> test.idl:4:22
  |
4 |     HRESULT Bar([in, in] ULONG x);
  |                      ^"
    );
}

#[test]
fn error_missing_comma_between_parameters() {
    assert_eq!(
        err(&format!(
            "{IFOO}    HRESULT Bar([in] ULONG a [in] ULONG b);\n}};\n"
        )),
        "error: expected `,` or `)` after parameter `a`, found `[`
 --> test.idl:4:29
  |
4 |     HRESULT Bar([in] ULONG a [in] ULONG b);
  |                             ^"
    );
}

#[test]
fn error_invalid_integer_literal() {
    assert_eq!(
        err("const ULONG A = 0x12G;\n"),
        "error: invalid integer literal `0x12G`: expected decimal, octal or `0x` hex digits with an optional `U`/`L` suffix, at most 64 bits
 --> test.idl:1:17
  |
1 | const ULONG A = 0x12G;
  |                 ^"
    );
}

#[test]
fn error_shift_overflow() {
    assert_eq!(
        err("const ULONG A = 1 << 64;\n"),
        "error: `1 << 64` does not fit in 64 bits
 --> test.idl:1:19
  |
1 | const ULONG A = 1 << 64;
  |                   ^"
    );
}

#[test]
fn error_preprocessor_directive() {
    assert_eq!(
        err("#include <mapix.h>\n"),
        "error: unexpected character `#` (preprocessor directives are not supported; use `cpp_quote(\"...\")`)
 --> test.idl:1:1
  |
1 | #include <mapix.h>
  | ^"
    );
}

#[test]
fn error_caret_keeps_tabs_and_counts_them_as_one_column() {
    assert_eq!(
        err("[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD)]\ninterface IFoo : IUnknown {\n\tHRESULT\tBar([out]\tULONG x);\n};\n"),
        "error: `[out]` parameter `x` of `IFoo::Bar` must be a pointer\n --> test.idl:3:26\n  |\n3 | \tHRESULT\tBar([out]\tULONG x);\n  | \t       \t         \t      ^"
    );
}

#[test]
fn error_gutter_grows_with_the_line_number() {
    assert_eq!(
        err(&format!("{}const ULONG A = ;\n", "\n".repeat(99))),
        "error: expected an integer constant expression, found `;`
   --> test.idl:100:17
    |
100 | const ULONG A = ;
    |                 ^"
    );
}

#[test]
fn error_columns_count_characters_not_bytes() {
    assert_eq!(
        err("cpp_quote(\"\u{e9}\u{e9}\") X\n"),
        "error: unknown top-level keyword `X`; expected `import`, `cpp_quote`, `const`, `typedef`, `interface` or an attribute list `[...]`
 --> test.idl:1:17
  |
1 | cpp_quote(\"\u{e9}\u{e9}\") X
  |                 ^"
    );
}

#[test]
fn error_unreadable_file_names_the_path() {
    let path = Path::new("/no/such/dir/mapisync.idl");
    let os = std::fs::read_to_string(path).unwrap_err();
    let e = parse_file(path).unwrap_err();
    assert_eq!((e.line, e.column), (0, 0));
    assert_eq!(
        e.to_string(),
        format!(
            "error: cannot read `/no/such/dir/mapisync.idl`: {os}\n  --> /no/such/dir/mapisync.idl"
        )
    );
}

#[test]
fn error_fields_are_public_and_consistent() {
    let e = parse_str(
        Path::new("dir/x.idl"),
        &format!("{IFOO}    HRESULT Foo([in] ULONG x)\n}};\n"),
    )
    .unwrap_err();
    assert_eq!(e.path, Path::new("dir/x.idl"));
    assert_eq!((e.line, e.column), (4, 30));
    assert_eq!(e.source_line, "    HRESULT Foo([in] ULONG x)");
    assert_eq!(
        e.message,
        "expected `;` after method declaration, found `}`"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().contains("dir/x.idl:4:30"));
}

#[test]
fn error_keyword_as_a_name() {
    assert_eq!(
        err(&format!("{IFOO}    HRESULT Bar([in] ULONG class);\n}};\n")),
        "error: expected a parameter name, found `class`, which is a C or C++ keyword
 --> test.idl:4:28
  |
4 |     HRESULT Bar([in] ULONG class);
  |                            ^"
    );
}

/// The comment block right before a declaration is its documentation: on interfaces,
/// methods, constants, structs, members and typedefs; not a file's heading (a blank line
/// follows it) nor a comment trailing a line.
#[test]
fn comments_before_declarations_document_them() {
    let src = "// file heading\n\
               \n\
               // How many.\n\
               const ULONG COUNT = 3; // trailing, not COUNT's\n\
               /* A pair:\n   two numbers. */\n\
               typedef struct _PAIR {\n\
                   // The first.\n\
                   ULONG a;\n\
                   ULONG b;\n\
               } PAIR;\n\
               // A pointer to one.\n\
               typedef PAIR *LPPAIR;\n\
               // What a store answers.\n\
               [object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]\n\
               interface IFoo : IUnknown\n\
               {\n\
                   // Says hello.\n\
                   HRESULT Hello([in] ULONG n);\n\
                   HRESULT Quiet(void);\n\
               };\n";
    let file = parse_str(Path::new("doc.idl"), src).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = Vec::new();
    for item in &file.items {
        match item {
            Item::Const(c) => seen.push((c.name.clone(), c.doc.clone())),
            Item::Struct(s) => {
                seen.push(("_PAIR".into(), s.doc.clone()));
                for f in &s.fields {
                    seen.push((format!("_PAIR::{}", f.name), f.doc.clone()));
                }
            }
            Item::Typedef(a) => seen.push((a.name.clone(), a.doc.clone())),
            Item::Interface(i) => {
                seen.push((i.name.clone(), i.doc.clone()));
                for m in &i.methods {
                    seen.push((format!("IFoo::{}", m.name), m.doc.clone()));
                }
            }
            _ => {}
        }
    }
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        seen,
        vec![
            ("COUNT".into(), some("How many.")),
            ("_PAIR".into(), some("A pair:\ntwo numbers.")),
            ("_PAIR::a".into(), some("The first.")),
            ("_PAIR::b".into(), None),
            ("LPPAIR".into(), some("A pointer to one.")),
            ("IFoo".into(), some("What a store answers.")),
            ("IFoo::Hello".into(), some("Says hello.")),
            ("IFoo::Quiet".into(), None),
        ]
    );
}

/// The IDL's comments reach the Rust bindings' docs (the regenerated copy is checked
/// against the IDL by `cargo xtask regen --check`).
#[test]
fn the_bindings_carry_the_idls_comments() {
    let idl = std::fs::read_to_string(root().join("headers/mapisync.idl")).unwrap();
    let rust = std::fs::read_to_string(root().join("generated/src/mapisync.rs")).unwrap();
    let file = mapisync();
    let sync = interface(&file, "IMAPISync");
    let doc = sync
        .doc
        .as_deref()
        .expect("IMAPISync has a comment in the IDL");
    let first = doc.lines().next().unwrap();
    assert!(idl.contains(first), "the doc comes from the IDL's own text");
    let documented = format!("/// {first}\n");
    let at = rust
        .find(&documented)
        .unwrap_or_else(|| panic!("generated/src/mapisync.rs lacks {documented:?}"));
    let next = rust[at..].find("pub struct").map(|i| &rust[at + i..]);
    assert!(
        next.is_some_and(|s| s.starts_with("pub struct IMAPISync(")),
        "the IDL's doc is on the interface pointer type"
    );
    // And the C header's: the comment before the interface's banner.
    let header = std::fs::read_to_string(root().join("generated/include/mapisync.h")).unwrap();
    let commented = format!("/* {first} */");
    let at = header
        .find(&commented)
        .unwrap_or_else(|| panic!("generated/include/mapisync.h lacks {commented:?}"));
    assert!(
        header[at..].find("/* IMAPISync {") < header[at..].find("IMAPISyncProgressCallback {"),
        "the comment is IMAPISync's"
    );
}
