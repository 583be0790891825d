//! Rust spellings: identifiers, C types with Windows' widths, GUID values.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{CType, Guid};

/// An identifier at the call site.
pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// A parameter name that is a valid, non-reserved Rust identifier other than `this`.
pub fn param_ident(s: &str) -> Ident {
    const RESERVED: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "this", "gen",
    ];
    if RESERVED.contains(&s) {
        format_ident!("{}_", s)
    } else {
        ident(s)
    }
}

/// The Rust spelling of a C type.
pub fn rust_type(ty: &CType) -> TokenStream {
    match ty {
        CType::Void => quote!(::core::ffi::c_void),
        CType::Prim(p) => {
            let p = ident(p);
            quote!(#p)
        }
        CType::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        CType::Interface(_) => quote!(::core::ffi::c_void),
        CType::Fn { .. } => quote!(::core::ffi::c_void),
        // `IFoo *`: the selection leaves `Interface` only for emitted interfaces.
        CType::Ptr { to, .. } if matches!(**to, CType::Interface(_)) => {
            let CType::Interface(name) = &**to else {
                unreachable!()
            };
            let name = ident(name);
            quote!(InterfacePtr<#name>)
        }
        CType::Ptr { to, .. } if matches!(**to, CType::Fn { .. }) => {
            let CType::Fn { abi, ret, params } = &**to else {
                unreachable!()
            };
            let abi = syn::LitStr::new(abi.as_str(), Span::call_site());
            let ret = ret_type(ret);
            let params = params.iter().map(rust_type);
            quote!(::core::option::Option<unsafe extern #abi fn(#(#params),*) #ret>)
        }
        CType::Ptr { is_const, to } => {
            let to = rust_type(to);
            if *is_const {
                quote!(*const #to)
            } else {
                quote!(*mut #to)
            }
        }
    }
}

/// `-> T`, or nothing for `void`.
pub(super) fn ret_type(ty: &CType) -> TokenStream {
    match ty {
        CType::Void => quote!(),
        t => {
            let t = rust_type(t);
            quote!(-> #t)
        }
    }
}

/// `GUID::from_parts(0x..., ...)`, in hex as the headers write it.
pub fn guid_expr(g: &Guid) -> TokenStream {
    let d1 = proc_macro2::Literal::u32_unsuffixed(g.data1);
    let d1 = syn::parse_str::<syn::LitInt>(&format!("0x{:08X}", g.data1))
        .map(|l| quote!(#l))
        .unwrap_or(quote!(#d1));
    let d2 = syn::parse_str::<syn::LitInt>(&format!("0x{:04X}", g.data2)).ok();
    let d3 = syn::parse_str::<syn::LitInt>(&format!("0x{:04X}", g.data3)).ok();
    let d4 = g
        .data4
        .iter()
        .map(|b| syn::parse_str::<syn::LitInt>(&format!("0x{b:02X}")).ok());
    quote!(GUID::from_parts(#d1, #d2, #d3, [#(#d4),*]))
}
