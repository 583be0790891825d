//! The headers' declarations in C's terms (`Model::header_declarations`, read from
//! libclang's cursors per target, from which both back ends render) against the Rust
//! items of the committed bindings (bindgen's, before the records rendered them): read back as
//! C, each struct, union and typedef (an enum's `use` alias too) the x86_64 bindings carry
//! says the same in both, or differs in a way named here; each enumerator has the same
//! enum and value. And the items the back end renders from the records are bindgen's,
//! token for token, on every target.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use mapi_codegen::backend::cheader::ctype::{c_name, from_ir, member_name, primitive, C};
use mapi_codegen::backend::rust_records::Records;
use mapi_codegen::ir::{Declaration, DeclarationKind, Field, TypeItem};
use mapi_codegen::{generate, Options};

/// The type items of the committed bindings (`generated/src/`, the bytes bindgen's items
/// gave before the back end rendered the records, which `cargo xtask regen --check` holds
/// it to), by the name they declare and their `cfg`, without their docs.
fn committed_items() -> HashMap<(String, Option<String>), syn::Item> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/src");
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for mut item in syn::parse_file(&text).unwrap().items {
            let attrs = match &mut item {
                syn::Item::Struct(i) => &mut i.attrs,
                syn::Item::Union(i) => &mut i.attrs,
                syn::Item::Type(i) => &mut i.attrs,
                syn::Item::Use(i) => &mut i.attrs,
                syn::Item::Const(i) => &mut i.attrs,
                _ => continue,
            };
            let cfg = attrs.iter().find(|a| a.path().is_ident("cfg")).map(|a| {
                a.parse_args::<proc_macro2::TokenStream>()
                    .unwrap()
                    .to_string()
            });
            attrs.retain(|a| !a.path().is_ident("doc") && !a.path().is_ident("cfg"));
            let fields: Vec<&mut syn::Field> = match &mut item {
                syn::Item::Struct(i) => i.fields.iter_mut().collect(),
                syn::Item::Union(i) => i.fields.named.iter_mut().collect(),
                _ => Vec::new(),
            };
            for f in fields {
                f.attrs.retain(|a| !a.path().is_ident("doc"));
            }
            let name = match &item {
                syn::Item::Struct(i) => i.ident.to_string(),
                syn::Item::Union(i) => i.ident.to_string(),
                syn::Item::Type(i) => i.ident.to_string(),
                syn::Item::Use(u) => match use_rename(&u.tree) {
                    Some(name) => name,
                    None => continue,
                },
                syn::Item::Const(i) => i.ident.to_string(),
                _ => unreachable!(),
            };
            out.entry((name, cfg)).or_insert(item);
        }
    }
    out
}

/// bindgen's Rust type as C would declare it: `*mut T` is `T *`, `*const T` `const T *`,
/// `[T; N]` an array, `Option<unsafe extern "system" fn(..)>` (or the bare `fn`) a
/// pointer to a function, `Ptr<IFoo>` `IFoo *`, a primitive its C type.
fn from_rust(ty: &syn::Type) -> C {
    let shown = || -> ! { panic!("a Rust type this test cannot read: {}", quote::quote!(#ty)) };
    match ty {
        syn::Type::Ptr(p) => C::Ptr {
            to: Box::new(from_rust(&p.elem)),
            to_const: p.const_token.is_some(),
        },
        syn::Type::Array(a) => match &a.len {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => C::Array(Box::new(from_rust(&a.elem)), i.base10_parse().unwrap()),
            _ => shown(),
        },
        syn::Type::Paren(p) => from_rust(&p.elem),
        syn::Type::Group(g) => from_rust(&g.elem),
        syn::Type::Tuple(t) if t.elems.is_empty() => C::Base("void".into()),
        syn::Type::BareFn(f) => pointer_to(bare_fn(f)),
        syn::Type::Path(p) => {
            let last = p.path.segments.last().unwrap();
            let name = last.ident.to_string();
            let arg = match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => match a.args.first() {
                    Some(syn::GenericArgument::Type(t)) => Some(t),
                    _ => shown(),
                },
                _ => None,
            };
            match (name.as_str(), arg) {
                ("Option", Some(syn::Type::BareFn(f))) => pointer_to(bare_fn(f)),
                ("InterfacePtr" | "Ptr", Some(t)) => pointer_to(from_rust(t)),
                (n, None) => C::Base(primitive(n).map_or_else(|| c_name(n), str::to_string)),
                _ => shown(),
            }
        }
        _ => shown(),
    }
}

fn pointer_to(c: C) -> C {
    C::Ptr {
        to: Box::new(c),
        to_const: false,
    }
}

fn bare_fn(f: &syn::TypeBareFn) -> C {
    let system = f
        .abi
        .as_ref()
        .and_then(|a| a.name.as_ref())
        .is_some_and(|n| n.value() == "system");
    let params = f
        .inputs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let name = match &a.name {
                Some((n, _)) if n != "_" => member_name(&n.to_string()),
                _ => format!("p{}", i + 1),
            };
            (name, from_rust(&a.ty))
        })
        .collect();
    let ret = match &f.output {
        syn::ReturnType::Default => C::Base("void".into()),
        syn::ReturnType::Type(_, t) => from_rust(t),
    };
    C::Fn {
        ret: Box::new(ret),
        params,
        system,
    }
}

/// A field or typedef as C declares it, from the IR.
fn from_record(f: &Field) -> String {
    let ty = from_ir(&f.ty);
    let ty = match f.array_len {
        Some(n) => C::Array(Box::new(ty), n),
        None => ty,
    };
    ty.declare(&member_name(&f.name))
}

/// A typedef of the IR as C declares it, its function type's parameters under the
/// record's names (bindgen's `argN` for an unnamed one); a function type as the pointer
/// bindgen makes it.
fn typedef_of(d: &Declaration, ty: &mapi_codegen::ir::CType) -> String {
    let c = match with_names(from_ir(ty), &d.params) {
        f @ C::Fn { .. } => C::Ptr {
            to: Box::new(f),
            to_const: false,
        },
        other => other,
    };
    c.declare(&d.name)
}

fn with_names(c: C, names: &[String]) -> C {
    match c {
        C::Ptr { to, to_const } => C::Ptr {
            to: Box::new(with_names(*to, names)),
            to_const,
        },
        C::Fn {
            ret,
            params,
            system,
        } if params.len() == names.len() => C::Fn {
            ret,
            params: params
                .into_iter()
                .zip(names)
                .enumerate()
                .map(|(i, ((_, t), n))| match n.as_str() {
                    "" => (format!("arg{}", i + 1), t),
                    n => (member_name(n), t),
                })
                .collect(),
            system,
        },
        other => other,
    }
}

/// A member's C name from bindgen's Rust one: a Rust keyword (`type`) gets a `_` there.
fn unescaped(name: &str) -> String {
    match name.strip_suffix('_') {
        Some(n) if syn::parse_str::<syn::Ident>(n).is_err() => n.to_string(),
        _ => member_name(name),
    }
}

fn rust_fields(fields: &syn::Fields) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            let name = unescaped(&f.ident.as_ref().unwrap().to_string());
            from_rust(&f.ty).declare(&name)
        })
        .collect()
}

fn record_fields(d: &Declaration) -> Option<Vec<String>> {
    match &d.kind {
        DeclarationKind::Struct { fields } | DeclarationKind::Union { fields } => {
            Some(fields.iter().map(from_record).collect())
        }
        DeclarationKind::Opaque => Some(vec!["unsigned char _unused[0]".to_string()]),
        DeclarationKind::Typedef(_) | DeclarationKind::Enum { .. } => None,
    }
}

/// Why a declaration may differ from bindgen's item (where the records, and so the C
/// header, say what the headers declare and bindgen's Rust does not), or `None` for an
/// unexplained difference.
fn known_difference(
    name: &str,
    ours: &Option<Vec<String>>,
    theirs: &[String],
) -> Option<&'static str> {
    let Some(ours) = ours else {
        return if name == "wchar_t" {
            Some("C++'s builtin wchar_t, which the bindings declare as a 16-bit unit")
        } else {
            None
        };
    };
    if ours.iter().any(|f| f.contains("p1)") || f.contains("p1,")) {
        return Some("a function-pointer member's parameters, unnamed in the headers");
    }
    if ours.len() == theirs.len() {
        let kinds: Vec<Option<&str>> = ours
            .iter()
            .zip(theirs)
            .filter(|(a, b)| a != b)
            .map(|(a, b)| {
                if b.starts_with("void *") || b.starts_with("void **") {
                    Some("pointer to an interface the bindings do not carry (void * in Rust)")
                } else if a.ends_with(&format!(" *{}", b.split(' ').next_back().unwrap_or(""))) {
                    Some("pointer to a function typedef, which bindgen makes a pointer itself")
                } else {
                    None
                }
            })
            .collect();
        if let Some(first) = kinds.first() {
            if kinds.iter().all(Option::is_some) {
                return *first;
            }
        }
    }
    None
}

/// `self::tagTYPEKIND as TYPEKIND`'s two names.
fn renamed(tree: &syn::UseTree) -> (String, String) {
    match tree {
        syn::UseTree::Path(p) => renamed(&p.tree),
        syn::UseTree::Rename(r) => (r.ident.to_string(), r.rename.to_string()),
        _ => panic!("a use without `as`"),
    }
}

/// The name a `use a::b as Name;` declares; `None` for another `use`.
fn use_rename(tree: &syn::UseTree) -> Option<String> {
    match tree {
        syn::UseTree::Path(p) => use_rename(&p.tree),
        syn::UseTree::Rename(r) => Some(r.rename.to_string()),
        _ => None,
    }
}

/// An integer literal, maybe negated.
fn const_value(e: &syn::Expr) -> i128 {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().unwrap(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => -const_value(expr),
        _ => panic!("not an integer literal: {}", quote::quote!(#e)),
    }
}

#[test]
fn the_c_typed_declarations_say_what_the_bindings_say() {
    let g = generate(&Options {
        manifest: Path::new(env!("CARGO_MANIFEST_DIR")).join("../headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let x64 = g.model.targets.iter().find(|t| t.name == "x86_64").unwrap();
    let decls = &g.model.header_declarations["x86_64"];
    assert!(!g.model.header_declarations["i686"].is_empty());
    let by_name = |n: &str| decls.iter().find(|d| d.name == n);
    // Every enumerator, with its enum's name and its value.
    let enumerators: HashMap<&str, (&str, i128)> = decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclarationKind::Enum { constants, .. } => Some((d, constants)),
            _ => None,
        })
        .flat_map(|(d, cs)| cs.iter().map(|(n, v)| (n.as_str(), (d.name.as_str(), *v))))
        .collect();
    let committed = committed_items();
    let (mut same, mut known, mut unexplained) = (0, 0, Vec::new());
    for item in g
        .model
        .items
        .iter()
        .filter(|i| i.cfg.as_deref().is_none_or(|c| c == x64.cfg))
    {
        let name = item.name();
        let Some(rust) = committed.get(&(name.to_string(), item.cfg.clone())) else {
            panic!("{name} is not in generated/src");
        };
        let (ours, theirs) = match rust {
            syn::Item::Struct(s) => (
                by_name(name).and_then(record_fields),
                rust_fields(&s.fields),
            ),
            syn::Item::Union(u) => (
                by_name(name).and_then(record_fields),
                rust_fields(&syn::Fields::Named(u.fields.clone())),
            ),
            syn::Item::Type(t) => (
                by_name(name).and_then(|d| match &d.kind {
                    DeclarationKind::Typedef(ty) => Some(vec![typedef_of(d, ty)]),
                    DeclarationKind::Enum { ty, .. } => Some(vec![from_ir(ty).declare(name)]),
                    _ => None,
                }),
                vec![from_rust(&t.ty).declare(name)],
            ),
            // `pub use self::tagTYPEKIND as TYPEKIND;`: the typedef of a named enum.
            syn::Item::Use(u) => {
                let (from, to) = renamed(&u.tree);
                (
                    by_name(&to).map(|d| match &d.kind {
                        DeclarationKind::Typedef(ty) => vec![typedef_of(d, ty)],
                        _ => vec![],
                    }),
                    vec![format!("{from} {to}")],
                )
            }
            // An enumerator of an enum the records hold, under the same type and value.
            syn::Item::Const(c) => {
                let ty = &c.ty;
                let theirs = (quote::quote!(#ty).to_string(), const_value(&c.expr));
                let ours = enumerators.get(name).map(|(e, v)| (e.to_string(), *v));
                assert_eq!(ours, Some(theirs), "the enumerator {name}");
                continue;
            }
            _ => continue,
        };
        if ours.as_ref() == Some(&theirs) {
            same += 1;
        } else if known_difference(name, &ours, &theirs).is_some() {
            known += 1;
        } else {
            unexplained.push(format!("{name}: {ours:?} / {theirs:?}"));
        }
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    // Most agree; the known differences are the minority.
    assert!(
        same > 4 * known,
        "{same} the same, {known} known differences"
    );
}

/// What kind of item bindgen gave, for the counts.
fn kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Struct(_) => "struct",
        syn::Item::Union(_) => "union",
        syn::Item::Type(_) => "type",
        syn::Item::Use(_) => "use",
        syn::Item::Const(_) => "const",
        _ => "other",
    }
}

/// The back end renders an item from its target's records where it can
/// (`backend::rust_records`): for every target, each item it renders is bindgen's item
/// of that target token for token (so `generated/src/` keeps its bytes), whichever
/// target's records an item all targets share is rendered from; and every item is.
#[test]
fn the_items_rendered_from_the_records_are_bindgens() {
    let g = generate(&Options {
        manifest: Path::new(env!("CARGO_MANIFEST_DIR")).join("../headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let records = Records::new(&g.model);
    let committed = committed_items();
    let (mut rendered, mut bindgens) = (BTreeMap::new(), BTreeMap::new());
    let mut differ = Vec::new();
    for t in &g.model.targets {
        let of_target = |i: &&TypeItem| i.cfg.as_deref().is_none_or(|c| c == t.cfg);
        for item in g.model.items.iter().filter(of_target) {
            let Some(theirs) = committed.get(&(item.name.clone(), item.cfg.clone())) else {
                panic!("{} is not in generated/src", item.name);
            };
            let counts = match records.render_in(&t.name, &item.name) {
                None => &mut bindgens,
                Some(ours) if tokens(&ours) == tokens(theirs) => &mut rendered,
                Some(ours) => {
                    let (ours, theirs) = (tokens(&ours), tokens(theirs));
                    differ.push(format!("{}: {ours}\n  bindgen's: {theirs}", t.name));
                    continue;
                }
            };
            *counts.entry(kind(theirs)).or_insert(0) += 1;
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    for k in ["struct", "union", "type", "use", "const"] {
        assert!(rendered.contains_key(k), "no {k} rendered: {rendered:?}");
    }
    assert!(bindgens.is_empty(), "not rendered: {bindgens:?}");
    // Pointer typedefs render, to an interface emitted or not, to a function typedef
    // (bindgen's is a pointer already).
    let typedef = |name: &str| tokens(&records.render_in("x86_64", name).expect(name));
    assert_eq!(
        typedef("LPSBinary"),
        "pub type LPSBinary = * mut _SBinary ;"
    );
    assert_eq!(
        typedef("LPMAPITABLE"),
        "pub type LPMAPITABLE = InterfacePtr < IMAPITable > ;"
    );
    assert_eq!(
        typedef("LPSTREAM"),
        "pub type LPSTREAM = InterfacePtr < IStream > ;"
    );
    assert_eq!(
        typedef("LPSTORAGE"),
        "pub type LPSTORAGE = * mut :: core :: ffi :: c_void ;"
    );
    assert_eq!(
        typedef("LPALLOCATEBUFFER"),
        "pub type LPALLOCATEBUFFER = ALLOCATEBUFFER ;"
    );
    // i686's records spell the function type out, with no names: bindgen's `argN`.
    assert_eq!(
        tokens(&records.render_in("i686", "LPALLOCATEBUFFER").unwrap()),
        "pub type LPALLOCATEBUFFER = :: core :: option :: Option < unsafe extern \"system\" fn (arg1 : ULONG , arg2 : * mut LPVOID) -> SCODE > ;"
    );
    // A member's function pointer, its parameter unnamed in the headers (`arg1`).
    let excepinfo = tokens(&records.render_in("x86_64", "tagEXCEPINFO").unwrap());
    assert!(
        excepinfo.contains("pfnDeferredFillIn : :: core :: option :: Option < unsafe extern \"system\" fn (arg1 : * mut tagEXCEPINFO) -> HRESULT >"),
        "{excepinfo}"
    );
}

/// The item's tokens, without the trailing commas prettyplease adds to the lists it
/// breaks over lines (the committed bindings are formatted).
fn tokens(item: &syn::Item) -> String {
    quote::quote!(#item)
        .to_string()
        .replace(" , >", " >")
        .replace(" , )", " )")
        .replace(" ,)", ")")
}
