//! The manifest's corrections of the types (`[corrections]` `types`) on the headers'
//! C-typed records, as [`super::type_corrections`] applies them to the type items: a
//! typedef's own type, its function type's return type or a parameter (by the name the
//! headers give it), a field of a struct or union.

use std::collections::BTreeMap;

use super::type_corrections::RETURN;
use crate::ir::{CType, Declaration, DeclarationKind};
use crate::manifest::{Manifest, TypeCorrection};

/// Applies every correction to each target's records where the member has the type the
/// correction replaces. What the items' corrections check (that each still applies) holds
/// for the records too: a member the records spell otherwise (mingw-w64's `LPFNABSDI` is
/// an `ACCELERATEABSDI *`, with no parameters of its own) is left as it is.
pub fn apply(manifest: &Manifest, declarations: &mut BTreeMap<String, Vec<Declaration>>) {
    for c in &manifest.spec.corrections.types {
        let c = c.get_ref();
        for decls in declarations.values_mut() {
            for d in decls.iter_mut().filter(|d| d.name == c.item) {
                apply_one(c, d);
            }
        }
    }
}

fn apply_one(c: &TypeCorrection, d: &mut Declaration) {
    let (Some(from), Some(to)) = (CType::parse_simple(&c.from), CType::parse_simple(&c.to)) else {
        return;
    };
    if let Some(slot) = member(d, c.member.as_deref()) {
        if *slot == from {
            *slot = to;
        }
    }
}

/// The type a correction's member names in a record: a typedef's own type (`None`), its
/// function type's [`RETURN`] type or a parameter, a struct's or union's field.
fn member<'d>(d: &'d mut Declaration, name: Option<&str>) -> Option<&'d mut CType> {
    match (&mut d.kind, name) {
        (DeclarationKind::Typedef(ty), None) => Some(ty),
        (DeclarationKind::Typedef(ty), Some(RETURN)) => function(ty).map(|(ret, _)| ret),
        (DeclarationKind::Typedef(ty), Some(name)) => {
            let i = d.params.iter().position(|p| p == name)?;
            function(ty).and_then(|(_, params)| params.get_mut(i))
        }
        (DeclarationKind::Struct { fields } | DeclarationKind::Union { fields }, Some(name)) => {
            fields
                .iter_mut()
                .find(|f| f.name == name)
                .map(|f| &mut f.ty)
        }
        _ => None,
    }
}

/// The return and parameter types of a function type, or of one behind pointers.
fn function(ty: &mut CType) -> Option<(&mut CType, &mut Vec<CType>)> {
    match ty {
        CType::Ptr { to, .. } => function(to),
        CType::Fn { ret, params, .. } => Some((&mut **ret, params)),
        _ => None,
    }
}
