//! Back-end goldens: a small [`Model`] built by hand goes in, the generated files come out
//! and are compared with the expectations in `tests/backend/`, one per feature (the way
//! rust-bindgen keeps `tests/expectations/`). No header is read and libclang is never
//! loaded: the back end reads only the IR.
//!
//! After a deliberate change to the back end, refresh the expectations with
//! `MAPI_CODEGEN_BLESS=1 cargo test -p mapi-codegen --test backend` and review the diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mapi_codegen::backend;
use mapi_codegen::ir::{
    Abi, CType, Constant, CopiedFile, Declaration, DeclarationKind, DefinedGuid, Field, Guid,
    Header, Interface, Layout, Method, Model, Package, Param, Target, TypeItem,
};

/// The environment variable that makes the tests write the expectations instead.
const BLESS: &str = "MAPI_CODEGEN_BLESS";

/// Compares `actual` with `tests/backend/<name>`, or writes it there when blessing.
fn expect(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/backend")
        .join(name);
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: cannot read the expectation ({e}); create it with {BLESS}=1 cargo test -p \
             mapi-codegen --test backend",
            path.display()
        )
    });
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    panic!(
        "{}:{}: the back end's output is stale against this expectation\n  expected: {}\n  \
         actual:   {}\nIf the change is meant, run {BLESS}=1 cargo test -p mapi-codegen --test \
         backend and review the diff.",
        path.display(),
        line + 1,
        e.get(line).copied().unwrap_or("<end of file>"),
        a.get(line).copied().unwrap_or("<end of file>"),
    );
}

fn named(n: &str) -> CType {
    CType::Named(n.into())
}

fn ptr(to: CType) -> CType {
    CType::Ptr {
        is_const: false,
        to: Box::new(to),
    }
}

fn method(name: &str, ret: CType, params: &[(&str, CType)]) -> Method {
    Method {
        name: name.into(),
        abi: Abi::System,
        ret,
        params: params
            .iter()
            .map(|(n, t)| Param {
                name: (*n).into(),
                ty: t.clone(),
            })
            .collect(),
    }
}

fn interface(name: &str, base: Option<&str>, iid: Option<&str>, methods: Vec<Method>) -> Interface {
    Interface {
        name: name.into(),
        base: base.map(Into::into),
        iid: iid.map(|g| Guid::parse(g).unwrap()),
        header: "mini.h".into(),
        line: 1,
        methods,
        unsupported: None,
    }
}

fn iunknown() -> Interface {
    interface(
        "IUnknown",
        None,
        Some("00000000-0000-0000-C000-000000000046"),
        vec![
            method(
                "QueryInterface",
                named("HRESULT"),
                &[
                    ("riid", named("REFIID")),
                    ("ppvObject", ptr(ptr(CType::Void))),
                ],
            ),
            method("AddRef", named("ULONG"), &[]),
            method("Release", named("ULONG"), &[]),
        ],
    )
}

fn item(name: &str, header: &str, cfg: Option<&str>) -> TypeItem {
    TypeItem {
        name: name.into(),
        header: header.into(),
        cfg: cfg.map(Into::into),
    }
}

/// A struct of `i32`-like fields in target `target`'s records (which the items render).
fn record(m: &mut Model, target: &str, name: &str, fields: &[(&str, &'static str)]) {
    let fields = fields
        .iter()
        .map(|(f, p)| Field::new(*f, CType::Prim(p), None))
        .collect();
    m.header_declarations
        .entry(target.into())
        .or_default()
        .push(Declaration {
            name: name.into(),
            header: "mini.h".into(),
            kind: DeclarationKind::Struct { fields },
            params: Vec::new(),
        });
}

/// A model with one module, `mini.h`, two targets and the types every case uses.
fn model() -> Model {
    Model {
        package: Package {
            name: "mini-sys".into(),
            version: "0.1.0".into(),
            rust_version: "1.74".into(),
            description: "A hand-built model".into(),
            source: "tests/mini.toml".into(),
            base_module: "base".into(),
            modules: vec!["mini.h".into()],
            keywords: vec!["mapi".into()],
            categories: vec![],
            documentation: Some("https://docs.rs/mini-sys".into()),
            docs_targets: vec![
                "x86_64-pc-windows-gnu".into(),
                "x86_64-unknown-linux-gnu".into(),
            ],
            copied: vec![CopiedFile {
                name: "README.md".into(),
                source: "mini.md".into(),
                text: "# mini-sys\n".into(),
            }],
            references: true,
        },
        targets: vec![
            Target {
                name: "x86_64".into(),
                triple: "x86_64-w64-mingw32".into(),
                cfg: "target_pointer_width = \"64\"".into(),
                layout_cfg: None,
            },
            Target {
                name: "i686".into(),
                triple: "i686-w64-mingw32".into(),
                cfg: "target_pointer_width = \"32\"".into(),
                layout_cfg: Some("all(target_pointer_width = \"32\", windows)".into()),
            },
        ],
        headers: vec![Header {
            key: "mini.h".into(),
            shown: "Mini.h".into(),
            lowered: None,
        }],
        items: vec![
            item("ULONG", "base", None),
            item("HRESULT", "base", None),
            item("SHORT", "base", None),
        ],
        // The same types as the headers declare them, which the C header renders.
        header_declarations: ["x86_64", "i686"]
            .into_iter()
            .map(|t| {
                let typedefs = [("ULONG", "u32"), ("HRESULT", "i32"), ("SHORT", "i16")]
                    .map(|(n, p)| Declaration::typedef(n, "base", CType::Prim(p)));
                (t.to_string(), typedefs.to_vec())
            })
            .collect(),
        ..Model::default()
    }
}

fn render(model: &Model) -> BTreeMap<String, String> {
    backend::render(model).unwrap_or_else(|e| panic!("the back end failed: {e}"))
}

#[test]
fn root_interface_is_served_by_com_object() {
    let mut m = model();
    m.interfaces = vec![iunknown()];
    expect("root_interface.rs", &render(&m)["src/mini.rs"]);
}

#[test]
fn interface_with_a_base() {
    let mut m = model();
    let callback = CType::Ptr {
        is_const: false,
        to: Box::new(CType::Fn {
            abi: Abi::C,
            ret: Box::new(CType::Void),
            params: vec![named("ULONG")],
        }),
    };
    m.interfaces = vec![
        iunknown(),
        interface(
            "IFoo",
            Some("IUnknown"),
            Some("5024A385-2D44-486A-81A8-8F0ECB6071DD"),
            vec![
                method(
                    "Frob",
                    named("HRESULT"),
                    &[
                        ("type", named("ULONG")),
                        (
                            "lpszName",
                            CType::Ptr {
                                is_const: true,
                                to: Box::new(CType::Prim("u16")),
                            },
                        ),
                        ("ppUnk", ptr(ptr(CType::Interface("IUnknown".into())))),
                        ("pfn", callback),
                    ],
                ),
                Method {
                    abi: Abi::C,
                    ..method("Count", named("ULONG"), &[])
                },
            ],
        ),
    ];
    expect("interface_with_base.rs", &render(&m)["src/mini.rs"]);
}

#[test]
fn interface_chain_bounds_traits_and_lists_base_iids() {
    let mut m = model();
    m.interfaces = vec![
        iunknown(),
        interface(
            "IFoo",
            Some("IUnknown"),
            Some("5024A385-2D44-486A-81A8-8F0ECB6071DD"),
            vec![method("Frob", named("HRESULT"), &[])],
        ),
        interface(
            "IBar",
            Some("IFoo"),
            None,
            vec![method("Bar", CType::Void, &[("n", named("ULONG"))])],
        ),
    ];
    let files = render(&m);
    expect("interface_chain.rs", &files["src/mini.rs"]);
    // The coverage table: each interface, its base, header, IID and method counts.
    expect("interface_chain.md", &files["INTERFACES.md"]);
}

#[test]
fn items_shared_and_per_target() {
    let mut m = model();
    m.items.extend([
        item("tagPOINT", "mini.h", None),
        item("tagHANDLE", "mini.h", Some("target_pointer_width = \"64\"")),
        item("tagHANDLE", "mini.h", Some("target_pointer_width = \"32\"")),
    ]);
    for target in ["x86_64", "i686"] {
        record(&mut m, target, "tagPOINT", &[("x", "i32"), ("y", "i32")]);
    }
    record(&mut m, "x86_64", "tagHANDLE", &[("v", "u64")]);
    record(&mut m, "i686", "tagHANDLE", &[("v", "u32")]);
    let files = render(&m);
    expect("items.rs", &files["src/mini.rs"]);
    expect("items_base.rs", &files["src/base.rs"]);
}

#[test]
fn constants_are_spelled_for_their_type() {
    let mut m = model();
    for (name, value, ty) in [
        (
            "MAPI_E_CALL_FAILED",
            0x80004005u32 as i32 as i128,
            "HRESULT",
        ),
        ("S_SOME", 1, "HRESULT"),
        ("PR_SUBJECT", 0x0037001F, "ULONG"),
        ("MINUS_TWO", -2, "SHORT"),
    ] {
        m.constants.insert(
            name.into(),
            Constant {
                name: name.into(),
                value,
                ty: ty.into(),
                header: "mini.h".into(),
            },
        );
    }
    expect("constants.rs", &render(&m)["src/mini.rs"]);
}

#[test]
fn guids_that_are_no_interface_iid_become_constants() {
    let mut m = model();
    m.interfaces = vec![iunknown()];
    let g = |s: &str| Guid::parse(s).unwrap();
    m.guids.insert(
        "IID_IUnknown".into(),
        DefinedGuid {
            value: g("00000000-0000-0000-C000-000000000046"),
            header: "mini.h".into(),
        },
    );
    m.guids.insert(
        "PS_PUBLIC_STRINGS".into(),
        DefinedGuid {
            value: g("00020329-0000-0000-C000-000000000046"),
            header: "mini.h".into(),
        },
    );
    m.guids.insert(
        "GUID_IN_BASE".into(),
        DefinedGuid {
            value: g("00020328-0000-0000-C000-000000000046"),
            header: "base".into(),
        },
    );
    expect("guids.rs", &render(&m)["src/mini.rs"]);
}

#[test]
fn layouts_are_asserted_per_target() {
    let mut m = model();
    m.items.push(item("tagPOINT", "mini.h", None));
    for target in ["x86_64", "i686"] {
        record(&mut m, target, "tagPOINT", &[("x", "i32"), ("y", "i32")]);
    }
    for (target, size) in [("x86_64", 8), ("i686", 8)] {
        let l = m.layouts.entry(target.into()).or_default();
        l.insert("tagPOINT".into(), Layout { size, align: 4 });
        // Not a struct or union of the bindings: no assertion.
        l.insert("ULONG".into(), Layout { size: 4, align: 4 });
    }
    expect("layout.rs", &render(&m)["src/layout.rs"]);
}

#[test]
fn crate_root_and_cargo_toml() {
    let mut m = model();
    m.headers.push(Header {
        key: "mini_idl.h".into(),
        shown: "mini_idl.idl".into(),
        lowered: Some("/* lowered */\n".into()),
    });
    m.package.modules.push("mini_idl.h".into());
    let files = render(&m);
    expect("lib.rs", &files["src/lib.rs"]);
    expect("Cargo.toml", &files["Cargo.toml"]);
    expect("INTERFACES.md", &files["INTERFACES.md"]);
    assert_eq!(files["include/mini_idl.h"], "/* lowered */\n");
    // A copied file starts with the banner, hidden in a Markdown comment.
    assert_eq!(
        files["README.md"],
        "<!-- Generated by mapi-codegen from tests/mini.toml: a copy of mini.md. Do not \
         edit: run `cargo xtask regen`. -->\n# mini-sys\n"
    );
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "Cargo.toml",
            "INTERFACES.md",
            "README.md",
            "include/mapi-sync.h",
            "include/mini_idl.h",
            "src/base.rs",
            "src/com.rs",
            "src/layout.rs",
            "src/lib.rs",
            "src/mini.rs",
            "src/mini_idl.rs"
        ]
    );
}

#[test]
fn a_root_that_is_not_iunknown_shaped_is_an_error() {
    let mut m = model();
    m.interfaces = vec![interface(
        "IRoot",
        None,
        None,
        vec![method("Only", named("ULONG"), &[])],
    )];
    let e = backend::render(&m).unwrap_err().to_string();
    assert!(e.contains("interface `IRoot` has no base"), "{e}");
}

/// The expectations the tests above compare with: a file in `tests/backend/` that no test
/// reads would go stale unnoticed.
#[test]
fn every_expectation_file_is_compared() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/backend");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let this = include_str!("backend.rs");
    for f in &files {
        assert!(
            this.contains(&format!("expect(\"{f}\"")),
            "{}: no test compares with it; remove it",
            dir.join(f).display()
        );
    }
    assert_eq!(files.len(), this.matches("    expect(\"").count());
}
