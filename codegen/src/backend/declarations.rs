//! The model's C-typed declarations ([`Declaration`]) as Rust items: a struct as a
//! `#[repr(C)]` struct of its fields' Rust types, a typedef as a `type` alias.

use quote::quote;

use super::{ident, param_ident, rust_type};
use crate::ir::{Declaration, DeclarationKind, Field};

/// One declaration in Rust.
pub fn gen_declaration(d: &Declaration) -> syn::Item {
    let name = ident(&d.name);
    match &d.kind {
        DeclarationKind::Struct { fields } => {
            let fields = fields.iter().map(gen_field);
            syn::parse_quote! {
                #[repr(C)]
                #[derive(Copy, Clone)]
                pub struct #name { #(#fields),* }
            }
        }
        DeclarationKind::Union { fields } => {
            let fields = fields.iter().map(gen_field);
            syn::parse_quote! {
                #[repr(C)]
                #[derive(Copy, Clone)]
                pub union #name { #(#fields),* }
            }
        }
        DeclarationKind::Typedef(ty) => {
            let target = rust_type(ty);
            syn::parse_quote!(pub type #name = #target;)
        }
        // bindgen's spelling of an enum: its integer type (the enumerators are constants).
        DeclarationKind::Enum { ty, .. } => {
            let target = rust_type(ty);
            syn::parse_quote!(pub type #name = #target;)
        }
        // bindgen's spelling of a struct C never defines.
        DeclarationKind::Opaque => syn::parse_quote! {
            #[repr(C)]
            #[derive(Debug, Copy, Clone)]
            pub struct #name { _unused: [u8; 0] }
        },
    }
}

/// One field of a record, an array's with its length.
fn gen_field(f: &Field) -> proc_macro2::TokenStream {
    let fname = param_ident(&f.name);
    let fty = rust_type(&f.ty);
    match f.array_len {
        Some(len) => {
            let len = proc_macro2::Literal::usize_unsuffixed(len as usize);
            quote!(pub #fname: [#fty; #len])
        }
        None => quote!(pub #fname: #fty),
    }
}
