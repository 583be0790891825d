//! Which interfaces are emitted: those the manifest lists (by header or by name), closed
//! over their bases, bases first; each with its IID and only the methods it adds.

use std::collections::BTreeMap;

use crate::clang::Scan;
use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::ir::{header_key, Interface};
use crate::manifest::Manifest;

/// The interfaces to emit, bases before derived ones, then in header and line order.
pub fn select(manifest: &Manifest, inputs: &Inputs, scan: &Scan) -> Result<Vec<Interface>> {
    let found = &scan.interfaces;
    let mut wanted = listed(manifest, inputs, found)?;
    close_over_bases(&mut wanted, found)?;
    let order = inputs.keys();
    wanted.sort_by_key(|i| {
        (
            order
                .iter()
                .position(|k| *k == i.header)
                .unwrap_or(usize::MAX),
            i.line,
            i.name.clone(),
        )
    });
    if let Some(bad) = wanted
        .iter()
        .find_map(|i| i.unsupported.as_ref().map(|u| (i, u)))
    {
        let (i, u) = bad;
        return Err(Error::msg(format!(
            "{}:{}: interface `{}` cannot be emitted: {}",
            u.file, u.line, i.name, u.what
        )));
    }
    wanted.dedup_by(|a, b| a.name == b.name);
    let own = wanted.into_iter().map(|i| own_methods(i, found)).collect();
    let mut out = bases_first(own)?;
    name_iids(manifest, scan, &mut out);
    Ok(out)
}

/// The interfaces the manifest lists: every one of `emit.interfaces_from`'s headers, then
/// `emit.interfaces` by name.
fn listed<'a>(
    manifest: &Manifest,
    inputs: &Inputs,
    found: &'a BTreeMap<String, Interface>,
) -> Result<Vec<&'a Interface>> {
    let spec = &manifest.spec;
    let order = inputs.keys();
    let mut wanted: Vec<&Interface> = Vec::new();
    for h in &spec.emit.interfaces_from {
        let key = header_key(h.get_ref());
        if !order.contains(&key) {
            return Err(manifest.error_at(
                h.span().start,
                format!(
                    "`{}` is not one of the headers or IDL files read",
                    h.get_ref()
                ),
            ));
        }
        wanted.extend(found.values().filter(|i| i.header == key));
    }
    for n in &spec.emit.interfaces {
        match found.get(n.get_ref()) {
            Some(i) => wanted.push(i),
            None => {
                return Err(manifest.error_at(
                    n.span().start,
                    format!(
                        "interface `{}` is not declared in any header read (found {} \
                         interfaces; `mapi-codegen --list` prints them)",
                        n.get_ref(),
                        found.len()
                    ),
                ))
            }
        }
    }
    Ok(wanted)
}

/// Adds every base of a wanted interface that is not wanted yet.
fn close_over_bases<'a>(
    wanted: &mut Vec<&'a Interface>,
    found: &'a BTreeMap<String, Interface>,
) -> Result<()> {
    let mut i = 0;
    while i < wanted.len() {
        if let Some(b) = &wanted[i].base {
            let Some(bi) = found.get(b) else {
                return Err(Error::msg(format!(
                    "interface `{}` derives from `{b}`, which is not declared",
                    wanted[i].name
                )));
            };
            if !wanted.iter().any(|w| w.name == bi.name) {
                wanted.push(bi);
            }
        }
        i += 1;
    }
    Ok(())
}

/// The interface with only the methods it adds: those a class redeclares from its bases
/// (MAPI's headers repeat IUnknown's in every interface) override a slot; they do not
/// add one.
fn own_methods(i: &Interface, found: &BTreeMap<String, Interface>) -> Interface {
    let mut inherited = Vec::new();
    let mut base = i.base.clone();
    while let Some(b) = base {
        let Some(bi) = found.get(&b) else { break };
        inherited.extend(bi.methods.iter().map(|m| m.name.clone()));
        base = bi.base.clone();
    }
    let mut i = i.clone();
    i.methods.retain(|m| !inherited.contains(&m.name));
    i
}

/// Bases before derived: a stable topological order. A cycle is an error.
fn bases_first(interfaces: Vec<Interface>) -> Result<Vec<Interface>> {
    let mut out: Vec<Interface> = Vec::new();
    let mut pending = interfaces;
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for i in pending {
            let ready = i
                .base
                .as_ref()
                .is_none_or(|b| out.iter().any(|o| &o.name == b));
            if ready {
                out.push(i);
            } else {
                rest.push(i);
            }
        }
        if rest.len() == before {
            return Err(Error::msg(format!(
                "interfaces with a cyclic base chain: {}",
                rest.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        pending = rest;
    }
    Ok(out)
}

/// Gives each interface its IID: `IID_` + its name, or the manifest's
/// `[emit.iid_names]` entry.
fn name_iids(manifest: &Manifest, scan: &Scan, interfaces: &mut [Interface]) {
    for i in interfaces {
        let iid_name = manifest
            .spec
            .emit
            .iid_names
            .get(&i.name)
            .cloned()
            .unwrap_or_else(|| format!("IID_{}", i.name));
        i.iid = scan.guids.get(&iid_name).map(|g| g.value);
    }
}

/// Every `[emit.iid_names]` entry names an interface the headers declare and a GUID they
/// define.
pub fn check_iid_names(manifest: &Manifest, scan: &Scan) -> Result<()> {
    for (iface, iid) in &manifest.spec.emit.iid_names {
        let at = || manifest.offset_of(&format!("emit.iid_names.{iface}"));
        if !scan.interfaces.contains_key(iface) {
            return Err(manifest.error_at(
                at(),
                format!(
                    "`[emit.iid_names]` names interface `{iface}`, which no header or IDL file \
                     read declares (`mapi-codegen --list` prints them)"
                ),
            ));
        }
        if !scan.guids.contains_key(iid) {
            return Err(manifest.error_at(
                at(),
                format!(
                    "`[emit.iid_names]` gives `{iface}` the IID `{iid}`, which no header read \
                     defines (with DEFINE_GUID or DEFINE_OLEGUID)"
                ),
            ));
        }
    }
    Ok(())
}
