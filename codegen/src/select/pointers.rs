//! Typed interface pointers: C's `IFoo *` is `InterfacePtr<IFoo>` in the bindings where
//! `IFoo` is emitted, and stays `*mut c_void` where it is not (`IStream`, `IMalloc`: COM's
//! interfaces the bindings do not carry). clang's stage marks every pointer to an
//! interface object; this pass, which knows what is emitted, keeps or unmarks each.

use std::collections::HashSet;

use syn::visit_mut::VisitMut;

use super::merge::BindgenItem;
use crate::ir::{CType, Interface};

/// Unmarks the pointers to interfaces that are not emitted, in the interfaces' methods
/// and in the type items.
pub fn resolve(interfaces: &mut [Interface], items: &mut [BindgenItem]) {
    let emitted: HashSet<String> = interfaces.iter().map(|i| i.name.clone()).collect();
    for i in interfaces.iter_mut() {
        for m in &mut i.methods {
            unmark(&mut m.ret, &emitted);
            for p in &mut m.params {
                unmark(&mut p.ty, &emitted);
            }
        }
    }
    let mut pass = Items { emitted: &emitted };
    for item in items {
        pass.visit_item_mut(&mut item.item);
    }
}

/// `Interface(n)` for an `n` not emitted becomes `void`.
fn unmark(ty: &mut CType, emitted: &HashSet<String>) {
    match ty {
        CType::Interface(n) if !emitted.contains(n.as_str()) => *ty = CType::Void,
        CType::Ptr { to, .. } => unmark(to, emitted),
        CType::Fn { ret, params, .. } => {
            unmark(ret, emitted);
            for p in params {
                unmark(p, emitted);
            }
        }
        _ => {}
    }
}

struct Items<'a> {
    emitted: &'a HashSet<String>,
}

impl VisitMut for Items<'_> {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let Some(name) = interface_ptr(ty) {
            if !self.emitted.contains(&name) {
                *ty = syn::parse_quote!(*mut ::core::ffi::c_void);
            }
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// `IFoo` of `InterfacePtr<IFoo>`.
pub fn interface_ptr(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let [seg] = p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if seg.ident != "InterfacePtr" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(syn::Type::Path(to))] => {
            to.path.get_ident().map(|i| i.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_to_interfaces_not_emitted_become_void_pointers() {
        let mut items = vec![BindgenItem {
            key: crate::clang::bindgen::ItemKey::of(&syn::parse_quote!(
                pub struct S {
                    a: u32,
                }
            )),
            header: "h".into(),
            cfg: None,
            item: syn::parse_quote! {
                pub struct S {
                    pub kept: InterfacePtr<IKept>,
                    pub dropped: *mut InterfacePtr<IStream>,
                }
            },
        }];
        let mut interfaces = vec![Interface {
            name: "IKept".into(),
            base: None,
            iid: None,
            header: "h".into(),
            line: 1,
            methods: vec![],
            unsupported: None,
        }];
        resolve(&mut interfaces, &mut items);
        let expected: syn::Item = syn::parse_quote! {
            pub struct S {
                pub kept: InterfacePtr<IKept>,
                pub dropped: *mut *mut ::core::ffi::c_void,
            }
        };
        assert_eq!(items[0].item, expected);
    }

    #[test]
    fn method_types_keep_only_emitted_interfaces() {
        let mut ty = CType::Ptr {
            is_const: false,
            to: Box::new(CType::Ptr {
                is_const: false,
                to: Box::new(CType::Interface("IStream".into())),
            }),
        };
        unmark(&mut ty, &HashSet::from(["IKept".to_string()]));
        assert_eq!(ty.to_string(), "void**");
        let mut kept = CType::Interface("IKept".into());
        unmark(&mut kept, &HashSet::from(["IKept".to_string()]));
        assert_eq!(kept, CType::Interface("IKept".into()));
    }
}
