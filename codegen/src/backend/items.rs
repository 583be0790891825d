//! The type items, each under the `cfg` of its target when the targets disagree: rendered
//! from the headers' C-typed records by [`super::rust_records`]; and the model's own
//! C-typed declarations (a provider's IDL's), by [`super::declarations`].

use proc_macro2::TokenStream;
use quote::quote;

use super::declarations::gen_declaration;
use super::rust_records::Records;
use crate::error::{Error, Result};
use crate::ir::{Declaration, Model, TypeItem};

/// The item, documented, with `#[cfg(...)]` in front if it is one target's.
pub fn item(model: &Model, records: &Records<'_>, item: &TypeItem) -> Result<TokenStream> {
    let rendered = records.render(item).ok_or_else(|| {
        Error::msg(format!(
            "the headers' records cannot say `{}`{} in Rust (a typedef of an array, a \
             bit-field, an array of arrays, or a name no record declares)",
            item.name,
            item.cfg
                .as_deref()
                .map_or(String::new(), |c| format!(" for `{c}`"))
        ))
    })?;
    under_cfg(
        &super::docs::type_item(model, &item.header, rendered),
        item.cfg.as_deref(),
    )
}

/// One of the model's C-typed declarations (a provider's IDL's), documented.
pub fn declaration(model: &Model, d: &Declaration) -> TokenStream {
    let it = super::docs::type_item(model, &d.header, gen_declaration(d));
    quote!(#it)
}

/// `it` with `#[cfg(...)]` in front if it is one target's.
fn under_cfg(it: &syn::Item, cfg: Option<&str>) -> Result<TokenStream> {
    Ok(match cfg {
        Some(cfg) => {
            let cfg: TokenStream = cfg.parse().map_err(|_| {
                Error::msg(format!("target cfg `{cfg}` is not a valid cfg predicate"))
            })?;
            quote!(#[cfg(#cfg)] #it)
        }
        None => quote!(#it),
    })
}
