//! One set of type items from every target's: an item where the targets agree, one per
//! target under its `cfg` where they do not.

use std::collections::{BTreeMap, HashMap, HashSet};

use syn::visit_mut::VisitMut;

use crate::clang::bindgen::{ItemKey, TargetOutput};
use crate::clang::Declared;
use crate::ir::{Target, TypeItem};

/// A type item as the selection reads it: bindgen's item, with its place, header and
/// `cfg` in the bindings, which the corrections and checks read; the model keeps the
/// [`TypeItem`] without the Rust.
#[derive(Debug, Clone)]
pub struct BindgenItem {
    pub key: ItemKey,
    /// The key of the header that declares it (or the base module's name).
    pub header: String,
    pub cfg: Option<String>,
    pub item: syn::Item,
}

impl BindgenItem {
    /// The name the item declares (for an `impl`, its type's).
    pub fn name(&self) -> &str {
        self.key.name()
    }

    /// The name the records carry it under: a `pub use self::tagX as X;`'s is `X`.
    pub fn declared_name(&self) -> String {
        use_rename(&self.item).unwrap_or_else(|| self.name().to_string())
    }

    /// The model's item.
    pub fn into_ir(self) -> TypeItem {
        TypeItem {
            name: self.declared_name(),
            header: self.header,
            cfg: self.cfg,
        }
    }
}

/// Merges the targets' items: one copy where they agree (ignoring calling-convention
/// spellings, which the calling-convention target decides), one per target otherwise.
/// Items are matched up by what they declare ([`ItemKey`]), in the calling-convention
/// target's order, then the others'.
pub fn merge(
    targets: &[Target],
    outputs: &[TargetOutput],
    cc_index: usize,
    decls: &BTreeMap<String, Declared>,
    base_module: &str,
) -> Vec<BindgenItem> {
    // An anonymous part that bindgen names after its record (`SMAPIFormProp__bindgen_ty_1`
    // inside `SMAPIFormProp`) goes with the record: clang declares no such name.
    // A `pub use self::tagX as X;` (bindgen's alias of a typedef naming its enum by tag)
    // goes with the typedef `X`.
    let header_of = |key: &ItemKey, item: &syn::Item| {
        let renamed = use_rename(item);
        let name = renamed.as_deref().unwrap_or(key.name());
        decls
            .get(name)
            .or_else(|| {
                let (record, _) = name.split_once("__bindgen_ty_")?;
                decls.get(record)
            })
            .map_or_else(|| base_module.to_string(), |d| d.header.clone())
    };
    // Each target's items by key (the first of a key wins).
    let by_key: Vec<HashMap<&ItemKey, &syn::Item>> = outputs
        .iter()
        .map(|o| {
            let mut m = HashMap::new();
            for (k, item) in &o.items {
                m.entry(k).or_insert(item);
            }
            m
        })
        .collect();
    let mut keys: Vec<&ItemKey> = Vec::new();
    let mut seen = HashSet::new();
    let order = std::iter::once(cc_index).chain((0..outputs.len()).filter(|i| *i != cc_index));
    for t in order {
        for (k, _) in &outputs[t].items {
            if seen.insert(k) {
                keys.push(k);
            }
        }
    }
    let mut items = Vec::new();
    for key in keys {
        let versions: Vec<Option<&syn::Item>> =
            by_key.iter().map(|m| m.get(key).copied()).collect();
        let everywhere: Option<Vec<&syn::Item>> = versions.iter().copied().collect();
        if let Some(all) = everywhere.filter(|v| v.windows(2).all(|w| same_item(w[0], w[1]))) {
            items.push(BindgenItem {
                key: key.clone(),
                header: header_of(key, all[cc_index]),
                cfg: None,
                item: all[cc_index].clone(),
            });
            continue;
        }
        for (t, v) in targets.iter().zip(&versions) {
            if let Some(item) = v {
                items.push(BindgenItem {
                    key: key.clone(),
                    header: header_of(key, item),
                    cfg: Some(t.cfg.clone()),
                    item: (*item).clone(),
                });
            }
        }
    }
    items
}

/// The name a `use path::x as Name;` item declares.
fn use_rename(item: &syn::Item) -> Option<String> {
    let syn::Item::Use(u) = item else {
        return None;
    };
    let mut tree = &u.tree;
    loop {
        match tree {
            syn::UseTree::Path(p) => tree = &p.tree,
            syn::UseTree::Rename(r) => return Some(r.rename.to_string()),
            syn::UseTree::Name(n) => return Some(n.ident.to_string()),
            _ => return None,
        }
    }
}

/// Whether two targets' versions of an item are the same syntax tree, once calling
/// conventions are spelled alike (`extern "system"` is `extern "C"` off 32-bit Windows).
fn same_item(a: &syn::Item, b: &syn::Item) -> bool {
    if a == b {
        return true;
    }
    let (mut a, mut b) = (a.clone(), b.clone());
    SameAbi.visit_item_mut(&mut a);
    SameAbi.visit_item_mut(&mut b);
    a == b
}

/// Spells every `extern "system"` as `extern "C"`.
struct SameAbi;

impl VisitMut for SameAbi {
    fn visit_abi_mut(&mut self, abi: &mut syn::Abi) {
        if abi.name.as_ref().is_some_and(|n| n.value() == "system") {
            abi.name = Some(syn::LitStr::new("C", proc_macro2::Span::call_site()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(items: &[&str]) -> TargetOutput {
        TargetOutput {
            items: items
                .iter()
                .map(|s| {
                    let item: syn::Item = syn::parse_str(s).unwrap();
                    (ItemKey::of(&item), item)
                })
                .collect(),
        }
    }

    fn target(name: &str) -> Target {
        Target {
            name: name.into(),
            cfg: format!("t = \"{name}\""),
            ..Target::default()
        }
    }

    fn merged(a: &[&str], b: &[&str]) -> Vec<(String, Option<String>, String)> {
        let decls = BTreeMap::from([(
            "S".to_string(),
            Declared {
                header: "s.h".into(),
                line: 1,
            },
        )]);
        merge(
            &[target("a"), target("b")],
            &[output(a), output(b)],
            1,
            &decls,
            "base",
        )
        .into_iter()
        .map(|i| {
            let item = &i.item;
            (i.header, i.cfg, quote::quote!(#item).to_string())
        })
        .collect()
    }

    #[test]
    fn agreeing_items_are_kept_once_differing_ones_per_target() {
        let m = merged(
            &["pub struct S { a: u32 }", "pub type P = u64;"],
            &["pub type P = u32;", "pub struct S { a: u32 }"],
        );
        let texts: Vec<(&str, Option<&str>, &str)> = m
            .iter()
            .map(|(h, c, t)| (h.as_str(), c.as_deref(), t.as_str()))
            .collect();
        // The calling-convention target's order (b), then the others'.
        assert_eq!(
            texts,
            [
                ("base", Some("t = \"a\""), "pub type P = u64 ;"),
                ("base", Some("t = \"b\""), "pub type P = u32 ;"),
                ("s.h", None, "pub struct S { a : u32 }"),
            ]
        );
    }

    #[test]
    fn calling_convention_spellings_do_not_split_an_item() {
        let m = merged(
            &["pub type F = Option<unsafe extern \"C\" fn(x: u32)>;"],
            &["pub type F = Option<unsafe extern \"system\" fn(x: u32)>;"],
        );
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].1, None);
        assert!(m[0].2.contains("extern \"system\""), "{m:?}");
    }

    #[test]
    fn anonymous_parts_and_use_aliases_go_with_their_record_or_typedef() {
        let both = [
            "pub union S__bindgen_ty_1 { a: u32 }",
            "pub use self::tagS as S;",
            "pub use self::tagS as Unknown;",
            "pub struct T__bindgen_ty_1 { a: u32 }",
        ];
        let m = merged(&both, &both);
        let headers: Vec<&str> = m.iter().map(|(h, _, _)| h.as_str()).collect();
        // `S` is declared in s.h; `Unknown` and `T` are declared nowhere.
        assert_eq!(headers, ["s.h", "s.h", "base", "base"], "{m:?}");
    }

    #[test]
    fn an_impl_is_not_matched_with_the_type_it_implements() {
        let m = merged(
            &["pub struct S;", "impl S { pub fn f() {} }"],
            &["pub struct S;"],
        );
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m[0].1, None);
        assert_eq!(m[1].1.as_deref(), Some("t = \"a\""));
        assert_eq!(
            ItemKey::of(&syn::parse_str("impl S {}").unwrap()).name(),
            "S"
        );
    }
}
