//! bindgen over the headers, once per target: structs, unions, enums and typedefs. (Their
//! layouts come from clang directly: [`super::layouts`].)
//!
//! bindgen's output is post-processed as a syntax tree: C integer types get Windows'
//! fixed widths (ULONG is `u32` on every host), interface objects become `c_void` and
//! pointers to them `InterfacePtr<IFoo>` (the back end gives interfaces their own types), and stdcall becomes `extern "system"`.

use std::collections::{BTreeMap, HashSet};

use bindgen::callbacks::{MacroParsingBehavior, ParseCallbacks};
use syn::visit_mut::VisitMut;

use super::scan::Declared;
use crate::error::{Error, Result};
use crate::inputs::Inputs;

/// What one bindgen run produced.
#[derive(Debug)]
pub struct TargetOutput {
    /// Items in bindgen's order, each with what it declares.
    pub items: Vec<(ItemKey, syn::Item)>,
}

/// What an item declares, as the targets' items are matched up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKey {
    /// A struct, union, enum, type alias, const, static or function, by name.
    Named(String),
    /// `impl [Trait for] Type`.
    Impl { ty: String, trait_: Option<String> },
    /// Anything else, by its tokens.
    Other(String),
}

impl ItemKey {
    pub fn of(item: &syn::Item) -> ItemKey {
        use syn::Item::*;
        let named = |i: &syn::Ident| ItemKey::Named(i.to_string());
        match item {
            Struct(s) => named(&s.ident),
            Union(u) => named(&u.ident),
            Enum(e) => named(&e.ident),
            Type(t) => named(&t.ident),
            Const(c) => named(&c.ident),
            Static(s) => named(&s.ident),
            Fn(f) => named(&f.sig.ident),
            Impl(i) => {
                let ty = &i.self_ty;
                ItemKey::Impl {
                    ty: quote::quote!(#ty).to_string(),
                    trait_: i
                        .trait_
                        .as_ref()
                        .map(|(_, p, _)| quote::quote!(#p).to_string()),
                }
            }
            other => ItemKey::Other(quote::quote!(#other).to_string()),
        }
    }

    /// The name declared: the item's, or for an `impl` its type's.
    pub fn name(&self) -> &str {
        match self {
            ItemKey::Named(n) | ItemKey::Other(n) => n,
            ItemKey::Impl { ty, .. } => ty,
        }
    }
}

/// Tells bindgen to leave macros alone: the constants pass handles them all.
#[derive(Debug)]
struct NoMacros;

impl ParseCallbacks for NoMacros {
    fn will_parse_macro(&self, _name: &str) -> MacroParsingBehavior {
        MacroParsingBehavior::Ignore
    }
}

const CTYPES: &str = "mapi_codegen_ctypes";

/// Runs bindgen for one target and returns its Rust source (as text: syntax trees cannot
/// cross threads).
///
/// The named `types` are included, with what they use. (Naming them is much faster
/// than bindgen's file allowlist, which checks every item of windows.h.)
pub fn generate(
    inputs: &Inputs,
    scan: &super::Scan,
    triple: &str,
    types: &[String],
) -> Result<String> {
    super::libclang::ensure_loaded()?;
    let files = inputs.unsaved_c("bindgen.h", &scan.tagless);
    let mut b = bindgen::Builder::default()
        .header_contents(&files[0].0, &files[0].1)
        .clang_args(inputs.clang_args(triple, false))
        .rust_target(bindgen::RustTarget::stable(74, 0).map_err(|e| Error::msg(e.to_string()))?)
        .use_core()
        .ctypes_prefix(CTYPES)
        .layout_tests(false)
        .derive_debug(false)
        .derive_default(false)
        .generate_comments(false)
        .ignore_functions()
        .ignore_methods()
        .blocklist_var(".*")
        .prepend_enum_name(false)
        .formatter(bindgen::Formatter::None)
        // bindgen would run `clang --version` and `clang -E -v` for C and for C++ (and
        // llvm-config) on every run to learn the target's include paths: libclang's own
        // driver finds them for `--target`, and `clang_args` names the resource folder.
        .detect_include_paths(false)
        .parse_callbacks(Box::new(NoMacros));
    for (path, text) in &files[1..] {
        b = b.header_contents(path, text);
    }
    // One alternation: bindgen tests every item against every pattern.
    if !types.is_empty() {
        let alt: Vec<String> = types.iter().map(|t| regex_escape(t)).collect();
        b = b.allowlist_type(format!("({})", alt.join("|")));
    }
    let bindings = b
        .generate()
        .map_err(|e| Error::msg(format!("bindgen failed for {triple}: {e}")))?;
    Ok(bindings.to_string())
}

/// Parses one target's bindgen output and rewrites it into ours. A C type that has no Rust type with Windows' width is an error
/// at the declaration that uses it (`decls` says where each name is declared).
pub fn process(
    triple: &str,
    text: &str,
    interfaces: &HashSet<String>,
    decls: &BTreeMap<String, Declared>,
) -> Result<TargetOutput> {
    let file = syn::parse_file(text)
        .map_err(|e| Error::msg(format!("bindgen's output for {triple} does not parse: {e}")))?;
    let mut items = Vec::new();
    for mut item in file.items {
        let key = ItemKey::of(&item);
        let declared = key.name();
        // C's view of an interface: a struct holding a vtable pointer, and the vtable.
        if interfaces.contains(declared.strip_suffix("Vtbl").unwrap_or(declared)) {
            continue;
        }
        let mut fixup = Fixup {
            interfaces,
            unknown: None,
        };
        fixup.visit_item_mut(&mut item);
        if let Some(c) = fixup.unknown {
            let bare = key.name();
            let at = match decls.get(bare) {
                Some(d) => format!("{}:{}: ", d.header, d.line),
                None => String::new(),
            };
            return Err(Error::msg(format!(
                "{at}`{bare}` uses the C type `{c}` (bindgen's `{CTYPES}::{c}` for {triple}), \
                 which has no Rust type with Windows' width in the bindings"
            )));
        }
        items.push((key, item));
    }
    Ok(TargetOutput { items })
}

/// Rewrites bindgen's types into ours.
struct Fixup<'a> {
    interfaces: &'a HashSet<String>,
    /// The first C type met that has no Rust type here.
    unknown: Option<String>,
}

impl VisitMut for Fixup<'_> {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        // `*mut IFoo` (C's `IFoo *`) is a typed interface pointer; the selection turns
        // those whose interface is not emitted back into `*mut c_void`.
        if let syn::Type::Ptr(p) = ty {
            if let syn::Type::Path(to) = &*p.elem {
                if let Some(name) = to.path.get_ident().map(|i| i.to_string()) {
                    if to.qself.is_none() && self.interfaces.contains(&name) {
                        let name = syn::Ident::new(&name, proc_macro2::Span::call_site());
                        *ty = syn::parse_quote!(InterfacePtr<#name>);
                        return;
                    }
                }
            }
        }
        if let syn::Type::Path(p) = ty {
            if p.qself.is_none() {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let replacement = match segs.as_slice() {
                    [m, c] if m == CTYPES => match ctype(c) {
                        Some(t) => Some(t),
                        None => {
                            self.unknown.get_or_insert_with(|| c.clone());
                            None
                        }
                    },
                    [name] if self.interfaces.contains(name) => Some("::core::ffi::c_void"),
                    _ => None,
                };
                if let Some(r) = replacement {
                    *ty = syn::parse_str(r).unwrap_or_else(|_| ty.clone());
                    return;
                }
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    fn visit_abi_mut(&mut self, abi: &mut syn::Abi) {
        if let Some(name) = &abi.name {
            if name.value() == "stdcall" {
                abi.name = Some(syn::LitStr::new("system", name.span()));
            }
        }
    }
}

/// C's types with Windows' widths, whatever the host; `None` for a type bindgen names
/// that has none here.
fn ctype(name: &str) -> Option<&'static str> {
    Some(match name {
        "c_char" | "c_schar" => "i8",
        "c_uchar" => "u8",
        "c_short" => "i16",
        "c_ushort" => "u16",
        "c_int" | "c_long" => "i32",
        "c_uint" | "c_ulong" => "u32",
        "c_longlong" => "i64",
        "c_ulonglong" => "u64",
        "c_float" => "f32",
        "c_double" => "f64",
        "c_void" => "::core::ffi::c_void",
        _ => return None,
    })
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls() -> BTreeMap<String, Declared> {
        let at = |line| Declared {
            header: "weird.h".into(),
            line,
        };
        BTreeMap::from([
            ("tagWEIRD".to_string(), at(7)),
            ("tagOK".to_string(), at(3)),
        ])
    }

    #[test]
    fn c_types_get_windows_widths() {
        let text = "#[repr(C)] pub struct tagOK { pub a: mapi_codegen_ctypes::c_ulong, \
                    pub p: *mut mapi_codegen_ctypes::c_void, pub f: IFoo }";
        let out = process("x", text, &HashSet::from(["IFoo".to_string()]), &decls()).unwrap();
        let item = &out.items[0].1;
        assert_eq!(
            quote::quote!(#item).to_string(),
            "# [repr (C)] pub struct tagOK { pub a : u32 , pub p : * mut :: core :: ffi :: \
             c_void , pub f : :: core :: ffi :: c_void }"
        );
    }

    #[test]
    fn an_unknown_c_type_is_an_error_at_its_declaration() {
        let text = "#[repr(C)] pub struct tagWEIRD { pub a: mapi_codegen_ctypes::c_size_t }";
        let e = process("x86_64-w64-mingw32", text, &HashSet::new(), &decls())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "weird.h:7: `tagWEIRD` uses the C type `c_size_t` (bindgen's \
             `mapi_codegen_ctypes::c_size_t` for x86_64-w64-mingw32), which has no Rust type \
             with Windows' width in the bindings"
        );
    }
}
