//! The `#[mapi_sync_provider]` and `#[mapi_object]` attributes. Use them through the
//! `mapi-sync` crate, which re-exports and documents them (`mapi_sync::mapi_sync_provider`,
//! `mapi_sync::mapi_object`); their expansion refers to `mapi_sync::__private` only.
//! Both make the same object: `#[mapi_sync_provider]` is `#[mapi_object]` with IMAPISync
//! at slot 0, implemented by the runtime.
//!
//! syn is used for its parse machinery only (features `parsing` and `proc-macro`): the
//! item and the arguments are read by this crate's own small parsers (`item`, `args`),
//! which keeps syn's syntax tree and printing, and their compile time, off a provider's
//! clean build.

mod args;
mod emit;
mod error;
mod item;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use syn::parse::Parser;

use crate::args::parse_args;
use crate::emit::emit;
use crate::error::{Error, Result};
use crate::item::{name_span, Parsed};

/// Makes a struct an Outlook store COM object that implements `IMAPISync`. See
/// `mapi_sync::mapi_sync_provider` for the documentation.
#[proc_macro_attribute]
pub fn mapi_sync_provider(args: TokenStream, item: TokenStream) -> TokenStream {
    finish(
        expand(Kind::SyncProvider, args.into(), item.clone().into()),
        item,
    )
}

/// Makes a struct a COM object that implements the listed interfaces. See
/// `mapi_sync::mapi_object` for the documentation.
#[proc_macro_attribute]
pub fn mapi_object(args: TokenStream, item: TokenStream) -> TokenStream {
    finish(expand(Kind::Object, args.into(), item.clone().into()), item)
}

/// The expansion, or on an error the item as written followed by the error: the
/// author's struct stays declared, so the error is the only one.
fn finish(expansion: Result<TokenStream2>, item: TokenStream) -> TokenStream {
    match expansion {
        Ok(tokens) => tokens.into(),
        Err(e) => {
            let mut tokens = TokenStream2::from(item);
            tokens.extend(e.to_compile_error());
            tokens.into()
        }
    }
}

/// Which attribute is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `#[mapi_sync_provider]`: IMAPISync at slot 0, then the listed interfaces.
    SyncProvider,
    /// `#[mapi_object]`: the listed interfaces from slot 0.
    Object,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::SyncProvider => "#[mapi_sync_provider]",
            Kind::Object => "#[mapi_object]",
        }
    }
}

fn expand(kind: Kind, args: TokenStream2, item: TokenStream2) -> Result<TokenStream2> {
    let attr = kind.attribute();
    let input = match item::parse.parse2(item.clone()) {
        Ok(Parsed::Struct(input)) => input,
        Ok(Parsed::NotAStruct(keyword, name, what)) => {
            let noun = what.rsplit(' ').next().unwrap_or(what);
            return Err(Error::spanning(
                keyword,
                name,
                format!(
                    "{attr} expects a struct, not {what}: the COM object wraps one struct \
                     value (put the {noun} in a field of a struct)"
                ),
            ));
        }
        Err(_) => {
            return Err(Error::new(
                name_span(&item),
                format!("{attr} expects a struct"),
            ))
        }
    };
    let args = parse_args(kind, args)?;
    if let Some((start, end)) = input.generics.lifetime {
        return Err(Error::spanning(
            start,
            end,
            format!(
                "{attr} does not support lifetime parameters: Outlook keeps the COM object \
                 for as long as it likes, so the struct must be 'static (own its data, or \
                 share it through Arc)"
            ),
        ));
    }
    let this = input.this_field()?;
    Ok(emit(kind, &args, &input, &item, this))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{interface_type, Args};
    use quote::quote;

    fn args(tokens: TokenStream2) -> Result<Args> {
        parse_args(Kind::SyncProvider, tokens)
    }

    #[test]
    fn arguments_parse() {
        let a = args(quote!()).unwrap();
        assert!(!a.raw && a.interfaces.is_empty());
        let krate = &a.krate;
        assert_eq!(quote!(#krate).to_string(), quote!(::mapi_sync).to_string());

        let a = args(quote!(raw, IMsgStore, crate = my::rt, IMAPIAdviseSink)).unwrap();
        assert!(a.raw);
        assert_eq!(a.interfaces.len(), 2);
        let krate = &a.krate;
        assert_eq!(quote!(#krate).to_string(), quote!(my::rt).to_string());

        let a = args(quote!(crate = "other::rt")).unwrap();
        let krate = &a.krate;
        assert_eq!(quote!(#krate).to_string(), quote!(other::rt).to_string());
    }

    #[test]
    fn objects_take_no_raw_and_need_an_interface() {
        let e = parse_args(Kind::Object, quote!(raw, IMAPIAdviseSink))
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("`raw` is for #[mapi_sync_provider]"),
            "{e}"
        );
        let e = parse_args(Kind::Object, quote!()).err().unwrap();
        assert!(
            e.to_string().contains("needs at least one interface"),
            "{e}"
        );
        let a = parse_args(Kind::Object, quote!(IMAPISync, IMAPIAdviseSink)).unwrap();
        assert_eq!(
            a.interfaces.len(),
            2,
            "an object may implement IMAPISync itself"
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        for (tokens, message) in [
            (quote!(raw, raw), "`raw` is given twice"),
            (quote!(IUnknown), "IUnknown is always implemented"),
            (quote!(IMAPISync), "IMAPISync is always implemented"),
            (quote!(IMsgStore, IMsgStore), "IMsgStore is listed twice"),
            (
                quote!(properties, properties),
                "`properties` is given twice",
            ),
            (
                quote!(a::IMsgStore, a::IMsgStore),
                "IMsgStore is listed twice",
            ),
        ] {
            let e = args(tokens).err().expect("an error");
            assert!(e.to_string().contains(message), "{e}");
        }
    }

    #[test]
    fn an_interface_may_be_a_path_to_the_authors_own_bindings() {
        let a = args(quote!(IMsgStore, my::bindings::IMyStore)).unwrap();
        let spelled: Vec<String> = a
            .interfaces
            .iter()
            .map(|p| quote!(#p).to_string())
            .collect();
        assert_eq!(spelled, ["IMsgStore", "my :: bindings :: IMyStore"]);
        let private = quote!(::mapi_sync::__private);
        assert_eq!(
            interface_type(&private, &a.interfaces[0]).to_string(),
            quote!(::mapi_sync::__private::interfaces::IMsgStore).to_string()
        );
        assert_eq!(
            interface_type(&private, &a.interfaces[1]).to_string(),
            quote!(my::bindings::IMyStore).to_string()
        );
    }

    #[test]
    fn only_structs_without_lifetimes_expand() {
        let ok = expand(
            Kind::SyncProvider,
            quote!(),
            quote!(
                struct S<T: Send, const N: usize>(T);
            ),
        )
        .unwrap();
        assert!(ok.to_string().contains("ComClass"));
        for (item, message) in [
            (
                quote!(
                    enum E {
                        A,
                    }
                ),
                "not an enum",
            ),
            (quote!(union U { a: u32 }), "not a union"),
            (
                quote!(
                    fn f() {}
                ),
                "expects a struct",
            ),
            (
                quote!(
                    struct S<'a>(&'a str);
                ),
                "lifetime parameters",
            ),
        ] {
            let e = expand(Kind::SyncProvider, quote!(), item).expect_err("an error");
            assert!(e.to_string().contains(message), "{e}");
        }
    }
}
