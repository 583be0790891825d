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
/// an `ACCELERATEABSDI *` on x86_64, with no parameters of its own) is left as it is.
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
            let i = param_index(&d.params, name)?;
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

/// Which parameter `name` is: the one the typedef names so, or where the typedef names
/// none (a function type spelled out behind a pointer, as i686's records have mingw-w64's
/// `LPFNABSDI`), bindgen's `argN`, the N-th.
fn param_index(params: &[String], name: &str) -> Option<usize> {
    if params.is_empty() {
        let n: usize = name.strip_prefix("arg")?.parse().ok()?;
        return n.checked_sub(1);
    }
    params.iter().position(|p| p == name)
}

/// The return and parameter types of a function type, or of one behind pointers.
fn function(ty: &mut CType) -> Option<(&mut CType, &mut Vec<CType>)> {
    match ty {
        CType::Ptr { to, .. } => function(to),
        CType::Fn { ret, params, .. } => Some((&mut **ret, params)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_is_found_by_its_name_or_as_bindgens_arg_n_where_none_is_named() {
        let named = ["ulUIParam".to_string(), "lpv".to_string()];
        assert_eq!(param_index(&named, "lpv"), Some(1));
        assert_eq!(param_index(&named, "arg1"), None);
        assert_eq!(param_index(&[], "arg1"), Some(0));
        assert_eq!(param_index(&[], "arg0"), None);
        assert_eq!(param_index(&[], "lpv"), None);
    }
}
