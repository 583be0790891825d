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
    pub key: ItemKey,
    /// The key of the header that declares it (or the base module's name).
    pub header: String,
    pub cfg: Option<String>,
    pub item: syn::Item,
}

impl TypeItem {
    /// The name the item declares (for an `impl`, its type's).
    pub fn name(&self) -> &str {
        self.key.name()
    }
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
