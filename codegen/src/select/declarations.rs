//! The headers' declarations in C's terms that the model keeps: for each target, those of
//! the names the merged type items declare (what bindgen emitted, so what the bindings
//! carry), in the headers' order.

use std::collections::{BTreeMap, HashSet};

use crate::ir::{Declaration, Target, TypeItem};

/// Each target's declarations (in the targets' order) kept by name, keyed by target name.
pub fn per_target(
    targets: &[Target],
    declarations: Vec<Vec<Declaration>>,
    items: &[TypeItem],
) -> BTreeMap<String, Vec<Declaration>> {
    let carried: HashSet<&str> = items.iter().map(TypeItem::name).collect();
    targets
        .iter()
        .zip(declarations)
        .map(|(t, ds)| {
            let kept = ds
                .into_iter()
                .filter(|d| carried.contains(d.name.as_str()))
                .collect();
            (t.name.clone(), kept)
        })
        .collect()
}
