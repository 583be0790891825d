//! The headers' declarations in C's terms that the model keeps: for each target, those of
//! the names the merged type items declare (what bindgen emitted, so what the bindings
//! carry), in the headers' order, with the calling conventions any target's parse sees,
//! and each interface they name marked as one ([`CType::Interface`], emitted or not).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::merge::BindgenItem;
use crate::ir::{Abi, CType, Declaration, DeclarationKind, Target};

/// Each target's declarations (in the targets' order) kept by name, keyed by target name,
/// each in the header of the item that carries it (the header selection gave the name: a
/// name a MAPI header and our IDL both declare is the IDL's), each of `interfaces` they
/// name an interface.
pub fn per_target(
    targets: &[Target],
    declarations: Vec<Vec<Declaration>>,
    items: &[BindgenItem],
    interfaces: &HashSet<&str>,
) -> BTreeMap<String, Vec<Declaration>> {
    let mut carried: HashMap<String, &str> = HashMap::new();
    for item in items {
        carried.entry(item.declared_name()).or_insert(&item.header);
    }
    let mut kept: BTreeMap<String, Vec<Declaration>> = targets
        .iter()
        .zip(declarations)
        .map(|(t, ds)| {
            let kept = ds
                .into_iter()
                .filter_map(|mut d| {
                    d.header = carried.get(&d.name)?.to_string();
                    mark_interfaces(&mut d.kind, interfaces);
                    Some(d)
                })
                .collect();
            (t.name.clone(), kept)
        })
        .collect();
    stdcall_everywhere(&mut kept);
    kept
}

/// Every name of `interfaces` in the declaration's types is an [`CType::Interface`].
fn mark_interfaces(kind: &mut DeclarationKind, interfaces: &HashSet<&str>) {
    match kind {
        DeclarationKind::Typedef(ty) => mark(ty, interfaces),
        DeclarationKind::Struct { fields } | DeclarationKind::Union { fields } => {
            for f in fields {
                mark(&mut f.ty, interfaces);
            }
        }
        DeclarationKind::Enum { .. } | DeclarationKind::Opaque => {}
    }
}

fn mark(ty: &mut CType, interfaces: &HashSet<&str>) {
    match ty {
        CType::Named(n) if interfaces.contains(n.as_str()) => {
            *ty = CType::Interface(std::mem::take(n));
        }
        CType::Ptr { to, .. } => mark(to, interfaces),
        CType::Fn { ret, params, .. } => {
            mark(ret, interfaces);
            for p in params {
                mark(p, interfaces);
            }
        }
        _ => {}
    }
}

/// A function type stdcall in one target's declaration is stdcall in every target's: only
/// a 32-bit parse sees `__stdcall` (mingw-w64 defines it away on x86_64, where Windows has
/// one convention), and the declarations say what the headers declare.
fn stdcall_everywhere(declarations: &mut BTreeMap<String, Vec<Declaration>>) {
    let all: Vec<Declaration> = declarations.values().flatten().cloned().collect();
    let mut by_name: HashMap<&str, Vec<&Declaration>> = HashMap::new();
    for d in &all {
        by_name.entry(d.name.as_str()).or_default().push(d);
    }
    for d in declarations.values_mut().flatten() {
        for other in by_name.get(d.name.as_str()).into_iter().flatten() {
            adopt_declaration(&mut d.kind, &other.kind);
        }
    }
}

fn adopt_declaration(kind: &mut DeclarationKind, other: &DeclarationKind) {
    match (kind, other) {
        (DeclarationKind::Typedef(ty), DeclarationKind::Typedef(o)) => adopt(ty, o),
        (
            DeclarationKind::Struct { fields } | DeclarationKind::Union { fields },
            DeclarationKind::Struct { fields: of } | DeclarationKind::Union { fields: of },
        ) => {
            for f in fields {
                if let Some(o) = of.iter().find(|o| o.name == f.name) {
                    adopt(&mut f.ty, &o.ty);
                }
            }
        }
        _ => {}
    }
}

/// `ty` takes `other`'s stdcall wherever the two have a function type at the same place.
fn adopt(ty: &mut CType, other: &CType) {
    match (ty, other) {
        (CType::Ptr { to, .. }, CType::Ptr { to: o, .. }) => adopt(to, o),
        (
            CType::Fn { abi, ret, params },
            CType::Fn {
                abi: oa,
                ret: or,
                params: op,
            },
        ) => {
            if *oa == Abi::System {
                *abi = Abi::System;
            }
            adopt(ret, or);
            for (p, o) in params.iter_mut().zip(op) {
                adopt(p, o);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Field;

    #[test]
    fn the_interfaces_the_declarations_name_are_marked() {
        let ptr = |to: CType| CType::Ptr {
            is_const: false,
            to: Box::new(to),
        };
        let named = |n: &str| CType::Named(n.into());
        let interfaces = HashSet::from(["IStream", "IUnknown"]);
        let mut kind = DeclarationKind::Struct {
            fields: vec![
                Field {
                    name: "pStream".into(),
                    ty: ptr(named("IStream")),
                    array_len: None,
                    params: Vec::new(),
                },
                Field {
                    name: "cb".into(),
                    ty: named("ULONG"),
                    array_len: None,
                    params: Vec::new(),
                },
            ],
        };
        mark_interfaces(&mut kind, &interfaces);
        let DeclarationKind::Struct { fields } = &kind else {
            unreachable!()
        };
        assert_eq!(fields[0].ty, ptr(CType::Interface("IStream".into())));
        assert_eq!(fields[1].ty, named("ULONG"));
        let mut callback = DeclarationKind::Typedef(ptr(CType::Fn {
            abi: Abi::System,
            ret: Box::new(named("HRESULT")),
            params: vec![ptr(ptr(named("IUnknown")))],
        }));
        mark_interfaces(&mut callback, &interfaces);
        let DeclarationKind::Typedef(CType::Ptr { to, .. }) = &callback else {
            unreachable!()
        };
        let CType::Fn { params, .. } = &**to else {
            unreachable!()
        };
        assert_eq!(params[0], ptr(ptr(CType::Interface("IUnknown".into()))));
    }
}
