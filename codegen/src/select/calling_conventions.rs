//! The calling convention of the function-type typedefs in the type items, from the
//! headers' C-typed records. bindgen drops `__stdcall` from a typedef of a function type
//! (`typedef LONG (STDAPICALLTYPE NOTIFCALLBACK)(...)` comes out `extern "C"`, though its
//! `LPNOTIFCALLBACK` alias, spelled out on i686, is `extern "system"`); the records keep
//! what the i686 parse sees ([`super::declarations`] gives it to every target's).

use std::collections::BTreeMap;

use super::type_corrections::function;
use crate::ir::{Abi, CType, Declaration, DeclarationKind, TypeItem};

/// Makes `extern "system"` every typedef's function type that a target's record of the
/// same name declares stdcall.
pub fn apply(items: &mut [TypeItem], declarations: &BTreeMap<String, Vec<Declaration>>) {
    for item in items.iter_mut() {
        let syn::Item::Type(t) = &mut item.item else {
            continue;
        };
        let name = t.ident.to_string();
        let stdcall = declarations
            .values()
            .flatten()
            .any(|d| d.name == name && is_stdcall(d));
        if !stdcall {
            continue;
        }
        if let Some(abi) = function(&mut t.ty).and_then(|f| f.abi.as_mut()) {
            if abi.name.as_ref().is_some_and(|n| n.value() == "C") {
                abi.name = Some(syn::LitStr::new(
                    Abi::System.as_str(),
                    abi.extern_token.span,
                ));
            }
        }
    }
}

/// Whether a typedef names a stdcall function type, or a pointer to one.
fn is_stdcall(d: &Declaration) -> bool {
    let DeclarationKind::Typedef(ty) = &d.kind else {
        return false;
    };
    let mut ty = ty;
    loop {
        match ty {
            CType::Ptr { to, .. } => ty = &**to,
            CType::Fn { abi, .. } => return *abi == Abi::System,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ItemKey;

    fn item(rust: &str) -> TypeItem {
        let item: syn::Item = syn::parse_str(rust).unwrap();
        TypeItem {
            key: ItemKey::of(&item),
            header: "mapidefs.h".into(),
            cfg: None,
            item,
        }
    }

    fn record(abi: Abi) -> Declaration {
        let f = CType::Fn {
            abi,
            ret: Box::new(CType::Named("BOOL".into())),
            params: vec![CType::Named("LPVOID".into())],
        };
        Declaration::typedef("FNIDLE", "mapiutil.h", f)
    }

    fn abi_of(i: &TypeItem) -> String {
        let syn::Item::Type(t) = &i.item else {
            unreachable!()
        };
        let mut ty = t.ty.clone();
        let f = function(&mut ty).unwrap();
        f.abi.as_ref().unwrap().name.as_ref().unwrap().value()
    }

    #[test]
    fn a_stdcall_function_typedef_is_extern_system() {
        let rust = r#"pub type FNIDLE = ::core::option::Option<unsafe extern "C" fn(arg1: LPVOID) -> BOOL>;"#;
        let mut items = vec![item(rust)];
        let cdecl = BTreeMap::from([("x86_64".to_string(), vec![record(Abi::C)])]);
        apply(&mut items, &cdecl);
        assert_eq!(abi_of(&items[0]), "C");
        let stdcall = BTreeMap::from([
            ("x86_64".to_string(), vec![record(Abi::C)]),
            ("i686".to_string(), vec![record(Abi::System)]),
        ]);
        apply(&mut items, &stdcall);
        assert_eq!(abi_of(&items[0]), "system");
    }
}
