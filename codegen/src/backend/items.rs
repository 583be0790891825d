//! The type items, each under the `cfg` of its target when the targets disagree: rendered
//! from the headers' C-typed records by [`super::rust_records`].

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_records::Records;
use crate::error::{Error, Result};
use crate::ir::{Model, TypeItem};

/// The item, documented, with `#[cfg(...)]` in front if it is one target's.
pub fn item(model: &Model, records: &Records<'_>, item: &TypeItem) -> Result<TokenStream> {
    // Every item of the headers renders from its records; a provider's IDL's declarations
    // (the IDL-only path) are Rust already.
    let rendered = records.render(item).unwrap_or_else(|| item.item.clone());
    let it = &super::docs::type_item(model, &item.header, rendered);
    Ok(match &item.cfg {
        Some(cfg) => {
            let cfg: TokenStream = cfg.parse().map_err(|_| {
                Error::msg(format!("target cfg `{cfg}` is not a valid cfg predicate"))
            })?;
            quote!(#[cfg(#cfg)] #it)
        }
        None => quote!(#it),
    })
}
