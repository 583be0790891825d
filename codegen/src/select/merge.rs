//! One set of type items from every target's: an item where the targets agree, one per
//! target under its `cfg` where they do not.

use std::collections::{BTreeMap, HashSet};

use crate::clang::bindgen::TargetOutput;
use crate::clang::Declared;
use crate::ir::{Target, TypeItem};

/// Merges the targets' items: one copy where they agree (ignoring calling-convention
/// spellings, which the calling-convention target decides), one per target otherwise.
pub fn merge(
    targets: &[Target],
    outputs: &[TargetOutput],
    cc_index: usize,
    decls: &BTreeMap<String, Declared>,
    base_module: &str,
) -> Vec<TypeItem> {
    let outputs: Vec<(&Target, &TargetOutput)> = targets.iter().zip(outputs).collect();
    let key = |item: &syn::Item| {
        let s = quote::quote!(#item).to_string();
        s.replace("extern \"system\"", "extern \"C\"")
    };
    let header_of = |name: &str| {
        let bare = name
            .trim_start_matches("impl  for ")
            .split_whitespace()
            .next()
            .unwrap_or(name);
        decls
            .get(bare)
            .map_or_else(|| base_module.to_string(), |d| d.header.clone())
    };
    let mut names: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let ordered = std::iter::once(&outputs[cc_index]).chain(
        outputs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != cc_index)
            .map(|(_, o)| o),
    );
    for (_, out) in ordered {
        for (n, _) in &out.items {
            if seen.insert(n.clone()) {
                names.push(n.clone());
            }
        }
    }
    let mut items = Vec::new();
    for name in names {
        let versions: Vec<Option<&syn::Item>> = outputs
            .iter()
            .map(|(_, o)| o.items.iter().find(|(n, _)| *n == name).map(|(_, i)| i))
            .collect();
        let all_same = versions.iter().all(|v| v.is_some())
            && versions
                .windows(2)
                .all(|w| key(w[0].unwrap()) == key(w[1].unwrap()));
        if all_same {
            items.push(TypeItem {
                header: header_of(&name),
                name: name.clone(),
                cfg: None,
                item: versions[cc_index].unwrap().clone(),
            });
        } else {
            for ((t, _), v) in outputs.iter().zip(&versions) {
                if let Some(item) = v {
                    items.push(TypeItem {
                        header: header_of(&name),
                        name: name.clone(),
                        cfg: Some(t.cfg.clone()),
                        item: (*item).clone(),
                    });
                }
            }
        }
    }
    items
}
