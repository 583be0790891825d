//! The owned interface pointer `IFoo`: a transparent wrapper over its base's (Deref to
//! it), or for the root over the raw pointer (Clone = AddRef, Drop = Release); its IID
//! and `ComInterface`; and the `unsafe` wrappers that call through the vtable.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{ident, Context, Shape, Sig};
use crate::ir::Interface;

/// The pointer type and its `Interface` implementation.
pub(super) fn definition(cx: &Context<'_>) -> TokenStream {
    let Context {
        iface, name, vtbl, ..
    } = cx;
    let iid_doc = iface
        .iid
        .map(|g| format!(" IID {g}."))
        .unwrap_or_else(|| " It has no IID in the headers read.".into());
    let doc = format!(
        " An owned `{}` interface pointer (declared in `{}`).{iid_doc} \
         Clone calls AddRef, Drop calls Release.",
        iface.name, cx.header_name
    );
    let pointer = match &cx.shape {
        Shape::Derived { base, .. } => derived(iface, base),
        Shape::Root(_) => root(iface),
    };
    let note = super::super::docs::note(cx.model, &iface.name);
    quote! {
        #(#note)*
        #[doc = #doc]
        #pointer
        mapi_codegen_safety!("the pointer type is transparent over one owned interface pointer whose vtable is laid out as declared above.");
        unsafe impl Interface for #name {
            type Vtable = #vtbl;
        }
    }
}

/// A derived interface's pointer is its base's, and derefs to it.
fn derived(iface: &Interface, base: &str) -> TokenStream {
    let name = ident(&iface.name);
    let base = ident(base);
    quote! {
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct #name(#base);
        impl ::core::ops::Deref for #name {
            type Target = #base;
            fn deref(&self) -> &#base {
                &self.0
            }
        }
    }
}

/// The root's pointer owns one reference: Clone is AddRef, Drop is Release.
fn root(iface: &Interface) -> TokenStream {
    let name = ident(&iface.name);
    quote! {
        #[repr(transparent)]
        pub struct #name(::core::ptr::NonNull<::core::ffi::c_void>);
        impl Clone for #name {
            fn clone(&self) -> Self {
                mapi_codegen_safety!("`self` is a live interface pointer; AddRef gives the clone its own reference.");
                unsafe { (self.vtable().AddRef)(self.as_raw()) };
                #name(self.0)
            }
        }
        impl Drop for #name {
            fn drop(&mut self) {
                mapi_codegen_safety!("`self` owns one reference, given up here once.");
                unsafe { (self.vtable().Release)(self.as_raw()) };
            }
        }
    }
}

/// `IID_IFoo` and `ComInterface` with the bases' IIDs, if the interface has an IID.
pub(super) fn iid(cx: &Context<'_>) -> TokenStream {
    let Some(g) = cx.iface.iid else {
        return quote!();
    };
    let name = &cx.name;
    let c = format_ident!("IID_{}", cx.iface.name);
    let e = super::guid_expr(&g);
    let d = format!(" The interface identifier of `{}`: {g}.", cx.iface.name);
    let base_consts = cx.base_iids.iter().map(|b| format_ident!("IID_{}", b));
    let base_iids = match &cx.external_base {
        None => quote!(&[#(#base_consts),*]),
        // The bases the model knows, then the external one and its own, chained at
        // compile time from its `ComInterface`.
        Some(ext) => {
            let ext_iid = format_ident!("IID_{}", ext);
            let ext = format_ident!("{}", ext);
            let known = cx.base_iids.len() + 1;
            quote! {
                &iid_chain::<{ #known + <#ext as ComInterface>::BASE_IIDS.len() }>(
                    &[#(#base_consts,)* #ext_iid],
                    <#ext as ComInterface>::BASE_IIDS,
                )
            }
        }
    };
    quote! {
        #[doc = #d]
        pub const #c: GUID = #e;
        mapi_codegen_safety!("the IID is the one the headers give for this vtable.");
        unsafe impl ComInterface for #name {
            const IID: GUID = #c;
            const BASE_IIDS: &'static [GUID] = #base_iids;
        }
    }
}

/// `impl IFoo { unsafe fn Method(&self, ...) }`: one wrapper per own method. The root's
/// AddRef and Release get none: the owned pointer's Clone and Drop are AddRef and
/// Release, and a wrapper beside them would let safe-looking code give up a reference
/// that Drop gives up again.
pub(super) fn wrappers(cx: &Context<'_>) -> TokenStream {
    let name = &cx.name;
    let wrappers = cx
        .sigs
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(&cx.shape, Shape::Root(r) if r.counts_references(*i)))
        .map(|(_, s)| {
            let Sig {
                name,
                params,
                args,
                ret,
                ..
            } = s;
            let d = format!(
                " Calls `{}::{name}` through the vtable.{}",
                cx.iface.name,
                cx.reference(&name.to_string())
            );
            let note = cx.note(&name.to_string());
            quote! {
                #(#note)*
                #[doc = #d]
                ///
                /// # Safety
                /// The arguments must be valid as the MAPI documentation of this method requires.
                // Inline: compiled where it is called, not once for each of the bindings'
                // thousand methods in their own build.
                #[inline]
                pub unsafe fn #name(&self, #(#params),*) #ret {
                    (self.vtable().#name)(self.as_raw(), #(#args),*)
                }
            }
        });
    quote! {
        impl #name {
            #(#wrappers)*
        }
    }
}
