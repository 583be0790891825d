//! bindgen's type items, each under the `cfg` of its target when the targets disagree.

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, Result};
use crate::ir::{Model, TypeItem};

/// The item, documented, with `#[cfg(...)]` in front if it is one target's.
pub fn item(model: &Model, item: &TypeItem) -> Result<TokenStream> {
    let it = &super::docs::type_item(model, &item.header, item.item.clone());
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
