//! IDL interfaces the MAPI headers declare too (Microsoft's MAPIDefS.h declares
//! mapishutdown.idl's): when the headers and the lowered IDL do not compile together,
//! selection decides whether the IDL's declarations may be left out of what clang reads.

use std::collections::{BTreeSet, HashSet};

use crate::clang::{self, Scan};
use crate::error::{Error, Result};
use crate::inputs::{Inputs, LeftOut};

/// The scan when the first one failed with `first`.
///
/// If the MAPI headers alone declare some of the IDL's interfaces, those IDL declarations
/// have reached their goal, if the headers' are the same (base, IID, methods in order
/// with as many parameters each): they are left out of what clang reads
/// ([`Inputs::leave_out`]) and the scan runs again; each such interface, and the IDL
/// file's typedefs, keep the IDL file's module and line. Any other failure is `first`; a
/// differing declaration adds what differs to it.
pub fn rescan(inputs: &mut Inputs, first: Error) -> Result<Scan> {
    let Ok(alone) = clang::scan_mapi_only(inputs) else {
        return Err(first);
    };
    let held = declared_by_both(inputs, &alone);
    if held.is_empty() {
        return Err(first);
    }
    for name in &held {
        if let Some(what) = difference(inputs, &alone, name) {
            return Err(first.note(format!(
                "The MAPI headers declare `{name}` too, differently: {what}"
            )));
        }
    }
    let held: HashSet<String> = held.into_iter().collect();
    let left = inputs.leave_out(&held);
    let mut scan = clang::scan(inputs)?;
    keep_idl_places(inputs, &left, &mut scan);
    Ok(scan)
}

/// The IDL's interfaces that `alone` (the MAPI headers' scan) declares too.
fn declared_by_both(inputs: &Inputs, alone: &Scan) -> BTreeSet<String> {
    inputs
        .idl
        .iter()
        .flat_map(|i| i.file.interfaces().map(|d| d.name.clone()))
        .filter(|n| alone.interfaces.contains_key(n))
        .collect()
}

/// Puts the interfaces left out of the IDL (`left`), and the typedefs of their IDL files
/// that the headers declare too (`LPMAPICLIENTSHUTDOWN`), at the IDL file's module and
/// line, as they are when the headers lack the interfaces.
fn keep_idl_places(inputs: &Inputs, left: &[LeftOut], scan: &mut Scan) {
    let line32 = |l: usize| u32::try_from(l).unwrap_or(u32::MAX);
    for l in left {
        if let Some(i) = scan.interfaces.get_mut(&l.name) {
            i.header = l.key.clone();
            i.line = line32(l.line);
        }
    }
    for input in inputs
        .idl
        .iter()
        .filter(|i| left.iter().any(|l| l.key == i.key))
    {
        for item in &input.file.items {
            if let crate::idl::Item::Typedef(t) = item {
                if let Some(d) = scan.decls.get_mut(&t.name) {
                    d.header = input.key.clone();
                    d.line = line32(t.line);
                }
            }
        }
    }
}

/// How the MAPI headers' declaration of the IDL interface `name` (in `alone`, their scan)
/// differs from the IDL's, if it does: the base, the IID, or the methods in order with
/// their parameter counts.
fn difference(inputs: &Inputs, alone: &Scan, name: &str) -> Option<String> {
    let decl = inputs
        .idl
        .iter()
        .find_map(|i| i.file.interfaces().find(|d| d.name == name))?;
    let theirs = alone.interfaces.get(name)?;
    let at = format!("{} line {}", theirs.header, theirs.line);
    if theirs.base != decl.base {
        return Some(format!(
            "there ({at}) it derives from `{}`, here from `{}`",
            theirs.base.as_deref().unwrap_or("-"),
            decl.base.as_deref().unwrap_or("-")
        ));
    }
    if let Some(g) = alone.guids.get(&format!("IID_{name}")) {
        if g.value != decl.uuid {
            return Some(format!(
                "there ({at}) its IID is {}, here {}",
                g.value, decl.uuid
            ));
        }
    }
    // Less the methods a class redeclares from its bases (MAPI's headers repeat
    // IUnknown's), as selection counts them.
    let mut inherited = HashSet::new();
    let mut base = theirs.base.as_deref();
    while let Some(b) = base.and_then(|b| alone.interfaces.get(b)) {
        inherited.extend(b.methods.iter().map(|m| m.name.as_str()));
        base = b.base.as_deref();
    }
    let held: Vec<String> = theirs
        .methods
        .iter()
        .filter(|m| !inherited.contains(m.name.as_str()))
        .map(|m| format!("{}/{}", m.name, m.params.len()))
        .collect();
    let mine: Vec<String> = decl
        .methods
        .iter()
        .map(|m| format!("{}/{}", m.name, m.params.len()))
        .collect();
    (held != mine).then(|| {
        format!(
            "there ({at}) its methods (name/parameters) are {}, here {}",
            held.join(", "),
            mine.join(", ")
        )
    })
}
