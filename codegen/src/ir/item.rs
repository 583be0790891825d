//! Constants and the type items bindgen declares.

use std::collections::BTreeMap;

/// An integer constant from a macro (or the manifest).
#[derive(Debug, Clone)]
pub struct Constant {
    pub name: String,
    pub value: i128,
    /// The Rust type (a name the bindings declare, or a primitive).
    pub ty: String,
    /// Lower-case base name of the declaring header.
    pub header: String,
}

/// A type item (struct, union, typedef, enum constant...) from bindgen, as Rust source,
/// with the `cfg` it needs when the targets disagree.
#[derive(Debug, Clone)]
pub struct TypeItem {
    pub name: String,
    pub header: String,
    pub cfg: Option<String>,
    pub item: syn::Item,
}

/// The `type` aliases among the items: name -> the aliased type, as text.
#[derive(Debug, Default)]
pub struct Aliases(BTreeMap<String, String>);

impl Aliases {
    pub fn of(items: &[TypeItem]) -> Aliases {
        let mut m = BTreeMap::new();
        for item in items {
            if let syn::Item::Type(t) = &item.item {
                let ty = &t.ty;
                m.insert(t.ident.to_string(), quote::quote!(#ty).to_string());
            }
        }
        Aliases(m)
    }

    /// Follows aliases from `ty` down to a Rust integer primitive (`u32`, `i16`, ...).
    pub fn integer<'a>(&'a self, ty: &'a str) -> Option<&'a str> {
        let mut t = ty;
        for _ in 0..16 {
            match t {
                "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64" => return Some(t),
                _ => t = self.0.get(t)?.as_str(),
            }
        }
        None
    }
}
