//! Constants: one `pub const` per macro value or extra constant.

use proc_macro2::TokenStream;
use quote::quote;

use super::interfaces::ident;
use crate::error::{Error, Result};
use crate::ir::{Aliases, Constant};

/// `pub const NAME: TYPE = VALUE;`, the value spelled for its integer type (hex for
/// unsigned and HRESULT-like values).
pub fn constant(
    c: &Constant,
    aliases: &Aliases,
    note: &[syn::Attribute],
    doc: &str,
) -> Result<TokenStream> {
    let prim = aliases.integer(&c.ty).ok_or_else(|| {
        Error::msg(format!(
            "constant `{}` has type `{}`, which is not an integer type the bindings declare",
            c.name, c.ty
        ))
    })?;
    let v = c.value;
    let text = match prim {
        "u32" => format!("0x{:08X}", v as u32),
        "i32" if (v as i32) < 0 => format!("0x{:08X}_u32 as {}", v as u32, c.ty),
        "i32" => format!("0x{:08X}", v as i32),
        "u16" => format!("0x{:04X}", v as u16),
        "i16" => format!("{}", v as i16),
        "u8" => format!("0x{:02X}", v as u8),
        "i8" => format!("{}", v as i8),
        "u64" => format!("0x{:X}", v as u64),
        _ => format!("{}", v as i64),
    };
    let value: TokenStream = text
        .parse()
        .map_err(|_| Error::msg(format!("internal error: bad literal {text}")))?;
    let name = ident(&c.name);
    let ty = ident(&c.ty);
    let doc = format!(" {doc}");
    Ok(quote!(#(#note)* #[doc = #doc] pub const #name: #ty = #value;))
}
