//! `layout.rs` of the generated crate: the size and alignment clang gives each struct and
//! union on each target, asserted at compile time.

use proc_macro2::TokenStream;
use quote::quote;

use super::interfaces::ident;
use crate::error::{Error, Result};
use crate::ir::Model;

/// Compile-time size and alignment checks, one block per target.
/// A record of a feature-gated module (`record_module`: record name -> module) is checked
/// only with its feature.
pub fn layout_checks(
    model: &Model,
    record_module: &std::collections::BTreeMap<&str, String>,
) -> Result<TokenStream> {
    let mut blocks = Vec::new();
    let records: std::collections::BTreeSet<&str> = model
        .items
        .iter()
        .map(|i| i.name())
        .filter(|n| model.is_record(n))
        .collect();
    for t in &model.targets {
        let Some(layouts) = model.layouts.get(&t.name) else {
            continue;
        };
        let layout_cfg = t.layout_cfg.as_deref().unwrap_or(&t.cfg);
        let cfg: TokenStream = layout_cfg
            .parse()
            .map_err(|_| Error::msg(format!("target cfg `{layout_cfg}` is not valid")))?;
        let checks = layouts
            .iter()
            .filter(|(n, _)| records.contains(n.as_str()))
            .map(|(n, layout)| {
                let (size, align) = (&layout.size, &layout.align);
                let ty = ident(n);
                let sm = format!("size of {n} on {}", t.name);
                let am = format!("alignment of {n} on {}", t.name);
                let size = proc_macro2::Literal::u64_unsuffixed(*size);
                let align = proc_macro2::Literal::u64_unsuffixed(*align);
                let gate = record_module
                    .get(n.as_str())
                    .map(|m| quote!(#[cfg(feature = #m)]));
                quote! {
                    #gate
                    {
                        assert!(::core::mem::size_of::<#ty>() == #size, #sm);
                        assert!(::core::mem::align_of::<#ty>() == #align, #am);
                    }
                }
            });
        let doc = format!(
            " Layouts on {} ({}), as clang lays them out.",
            t.name, t.triple
        );
        blocks.push(quote! {
            #[doc = #doc]
            #[cfg(#cfg)]
            const _: () = {
                #(#checks)*
            };
        });
    }
    Ok(quote! {
        //! Compile-time layout checks: a build for a target whose layout differs fails.
        #[allow(unused_imports)]
        use crate::*;
        #(#blocks)*
    })
}
