//! `IFoo_Impl`: the trait a Rust object implements to serve `IFoo`, every method
//! defaulting to the not-implemented value. The root has none (`ComObject` serves it).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Context, Shape, Sig};

pub(super) fn definition(cx: &Context<'_>) -> TokenStream {
    let Shape::Derived { base, base_is_root } = &cx.shape else {
        return quote!();
    };
    let impl_trait = &cx.impl_trait;
    // The root's trait does not exist: its entries come from `ComObject`.
    let bound = if *base_is_root {
        quote!()
    } else {
        let b = format_ident!("{}_Impl", base);
        quote!(: #b)
    };
    let methods = cx.sigs.iter().map(|s| {
        let Sig {
            name,
            impl_params,
            ret,
            ..
        } = s;
        let d = format!(
            " `{}::{name}`, declared in `{}`.{}",
            cx.iface.name,
            cx.header_name,
            cx.reference(&name.to_string())
        );
        let note = cx.note(&name.to_string());
        quote! {
            #(#note)*
            #[doc = #d]
            ///
            /// Not implementing it answers the method's not-implemented value
            /// ([`NotImplemented`]: `MAPI_E_NO_SUPPORT` for an HRESULT).
            ///
            /// # Safety
            /// The arguments are the caller's, unchecked: pointers are valid only as the
            /// MAPI documentation of this method says they are.
            #[allow(unused_variables)]
            unsafe fn #name(&self, #(#impl_params),*) #ret {
                NotImplemented::not_implemented()
            }
        }
    });
    let doc = format!(
        " Implement `{}` in Rust. Each method is `unsafe`: it receives the caller's raw \
         arguments, unchecked, so only an implementation can rely on what the MAPI \
         documentation promises about them, and safe code cannot call it with made-up \
         pointers. A method left out answers `MAPI_E_NO_SUPPORT`; a panic becomes the \
         method's failure value (`E_UNEXPECTED` for an HRESULT).",
        cx.iface.name
    );
    quote! {
        #[doc = #doc]
        pub trait #impl_trait #bound {
            #(#methods)*
        }
    }
}
