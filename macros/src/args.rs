//! The attribute's arguments: `raw`, `properties`, `crate = path` and the interfaces, read
//! the way `syn::meta::parser` read them (the same grammar, checks and messages), on syn's
//! parse machinery alone.

use proc_macro2::{Punct, Spacing, Span, TokenStream as TokenStream2, TokenTree};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{token, Ident, Lit, LitStr, Token};

use crate::error::{Error, Result};
use crate::Kind;

/// What the attribute's arguments say.
pub(crate) struct Args {
    pub(crate) raw: bool,
    /// `IMAPIProp_Impl` from the author's `mapi_sync::props::Properties`.
    pub(crate) properties: bool,
    pub(crate) krate: ModPath,
    /// Each listed interface: a name looked up in `mapi_sync::sys`, or a path to an
    /// interface of the author's own bindings.
    pub(crate) interfaces: Vec<ModPath>,
}

/// A path without generic arguments, like `IMsgStore`, `my::bindings::IMyStore` or
/// `::mapi_sync`: all an interface or the runtime's crate can be named by.
pub(crate) struct ModPath {
    /// As written, with the author's spans.
    tokens: TokenStream2,
    leading_colon: bool,
    segments: Vec<Ident>,
}

impl ModPath {
    /// Reads `::`? name (`::` name)*; `any` takes keywords as names (as syn's meta paths
    /// do), else only `crate`, `self`, `super` and `Self` (as syn's `Path` does).
    fn parse(input: ParseStream, any: bool) -> syn::Result<Self> {
        let mut path = ModPath {
            tokens: TokenStream2::new(),
            leading_colon: false,
            segments: Vec::new(),
        };
        if let Some(colons) = input.parse::<Option<Token![::]>>()? {
            path.push_colons(colons);
            path.leading_colon = true;
        }
        if any {
            if input.peek(Ident::peek_any) {
                path.push(Ident::parse_any(input)?);
            } else if input.is_empty() {
                return Err(input.error("expected nested attribute"));
            } else if input.peek(Lit) {
                return Err(input.error("unexpected literal in nested attribute, expected ident"));
            } else {
                return Err(input.error("unexpected token in nested attribute, expected ident"));
            }
            while input.peek(Token![::]) {
                path.push_colons(input.parse()?);
                path.push(Ident::parse_any(input)?);
            }
        } else {
            path.push(segment(input)?);
            // `a::(..)` is not a path's continuation (syn's `Path` stops there too).
            while input.peek(Token![::]) && !input.peek3(token::Paren) {
                path.push_colons(input.parse()?);
                path.push(segment(input)?);
            }
        }
        Ok(path)
    }

    fn push_colons(&mut self, colons: Token![::]) {
        for (spacing, span) in [Spacing::Joint, Spacing::Alone]
            .into_iter()
            .zip(colons.spans)
        {
            let mut punct = Punct::new(':', spacing);
            punct.set_span(span);
            self.tokens.extend([TokenTree::Punct(punct)]);
        }
    }

    fn push(&mut self, ident: Ident) {
        self.tokens.extend([TokenTree::Ident(ident.clone())]);
        self.segments.push(ident);
    }

    /// The path's one name, if it is a lone name.
    pub(crate) fn get_ident(&self) -> Option<&Ident> {
        match &self.segments[..] {
            [ident] if !self.leading_colon => Some(ident),
            _ => None,
        }
    }

    fn is_ident(&self, name: &str) -> bool {
        self.get_ident().is_some_and(|ident| ident == name)
    }

    /// The last name: what an interface is called.
    pub(crate) fn last(&self) -> &Ident {
        // Every parsed path has a name.
        self.segments.last().expect("a path has a name")
    }
}

/// A segment of a path as syn's `Path` reads it: a name that is not a keyword, or one of
/// the keywords a path may start with.
fn segment(input: ParseStream) -> syn::Result<Ident> {
    if input.peek(Token![super])
        || input.peek(Token![self])
        || input.peek(Token![crate])
        || input.peek(Token![Self])
    {
        Ident::parse_any(input)
    } else {
        input.parse()
    }
}

impl ToTokens for ModPath {
    fn to_tokens(&self, tokens: &mut TokenStream2) {
        tokens.extend(self.tokens.clone());
    }
}

/// Where a listed interface's type is: a lone name is one of `mapi_sync::sys`'s, a path
/// is the author's.
pub(crate) fn interface_type(private: &TokenStream2, iface: &ModPath) -> TokenStream2 {
    match iface.get_ident() {
        Some(name) => quote!(#private::interfaces::#name),
        None => quote!(#iface),
    }
}

/// The span errors about a listed interface point at: its last name.
pub(crate) fn interface_span(iface: &ModPath) -> Span {
    iface.last().span()
}

const EXPECTED_ARGS: &str = "expected an interface name from mapi_sync::sys (like `IMsgStore`), \
     a path to one of your own (like `my_bindings::IMyStore`), `raw`, `properties`, or \
     `crate = path::to::mapi_sync`";
const EXPECTED_OBJECT_ARGS: &str = "expected an interface name from mapi_sync::sys (like \
     `IMAPIAdviseSink`), a path to one of your own (like `my_bindings::IMyCallback`), \
     `properties`, or `crate = path::to::mapi_sync`";

pub(crate) fn parse_args(kind: Kind, args: TokenStream2) -> Result<Args> {
    // syn's own message for a literal ("unexpected literal in nested attribute") says
    // nothing of what is expected here.
    let mut at_start = true;
    for tree in args.clone() {
        match &tree {
            TokenTree::Literal(lit) if at_start => {
                return Err(Error::new(
                    lit.span(),
                    match kind {
                        Kind::SyncProvider => EXPECTED_ARGS,
                        Kind::Object => EXPECTED_OBJECT_ARGS,
                    },
                ));
            }
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            _ => at_start = false,
        }
    }
    let whole = args.clone();
    // A check that fails stops the list where it is; the rest is not read.
    let args = (|input: ParseStream| match list(kind, input) {
        Ok(args) => Ok(Ok(args)),
        Err(Stop::Syn(e)) => Err(e),
        Err(Stop::Check(e)) => {
            input.parse::<TokenStream2>()?;
            Ok(Err(e))
        }
    })
    .parse2(args)??;
    if kind == Kind::Object && args.interfaces.is_empty() {
        let message = "#[mapi_object] needs at least one interface to implement, like \
                       #[mapi_object(IMAPIAdviseSink)]";
        return Err(Error::over(whole, message));
    }
    Ok(args)
}

/// Why the list stopped: its syntax, or one of the checks.
enum Stop {
    Syn(syn::Error),
    Check(Error),
}

impl From<syn::Error> for Stop {
    fn from(e: syn::Error) -> Self {
        Stop::Syn(e)
    }
}

/// The comma-separated list (a trailing comma allowed, as `syn::meta::parser` allows it),
/// each entry checked as soon as it is read.
fn list(kind: Kind, input: ParseStream) -> std::result::Result<Args, Stop> {
    let mut raw: Option<Span> = None;
    let mut properties: Option<Span> = None;
    let mut krate: Option<ModPath> = None;
    let mut interfaces: Vec<ModPath> = Vec::new();
    while !input.is_empty() {
        let path = ModPath::parse(input, true)?;
        // The errors syn's `meta.error` gave: at the path (these are lone names).
        let at_path = |message: &str| Stop::Check(Error::new(path.last().span(), message));
        if path.is_ident("raw") && kind == Kind::Object {
            return Err(at_path(
                "`raw` is for #[mapi_sync_provider]: an object of #[mapi_object] has no \
                 IMAPISync (list it, and implement IMAPISync_Impl, to have one)",
            ));
        }
        if path.is_ident("raw") {
            if raw.is_some() {
                return Err(at_path("`raw` is given twice"));
            }
            raw = Some(path.last().span());
        } else if path.is_ident("properties") {
            if properties.is_some() {
                return Err(at_path("`properties` is given twice"));
            }
            properties = Some(path.last().span());
        } else if path.is_ident("crate") {
            if krate.is_some() {
                return Err(at_path("`crate` is given twice"));
            }
            input.parse::<Token![=]>()?;
            krate = Some(if input.peek(LitStr) {
                input
                    .parse::<LitStr>()?
                    .parse_with(|input: ParseStream| ModPath::parse(input, false))?
            } else {
                ModPath::parse(input, false)?
            });
        } else {
            let name = path.last().to_string();
            let over_path = |message: String| Stop::Check(Error::over(quote!(#path), message));
            if name == "IMAPISync" && kind == Kind::SyncProvider {
                return Err(over_path(
                    "IMAPISync is always implemented by #[mapi_sync_provider]: remove it \
                     (write `raw` to implement SynchronizeInBackground yourself)"
                        .to_owned(),
                ));
            }
            if name == "IUnknown" {
                return Err(over_path(format!(
                    "IUnknown is always implemented by {}: remove it",
                    kind.attribute()
                )));
            }
            if interfaces
                .iter()
                .any(|i| i.tokens.to_string() == path.tokens.to_string())
            {
                return Err(over_path(format!("{name} is listed twice")));
            }
            interfaces.push(path);
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(Args {
        raw: raw.is_some(),
        properties: properties.is_some(),
        krate: krate.unwrap_or_else(|| ModPath {
            tokens: quote!(::mapi_sync),
            leading_colon: true,
            segments: vec![Ident::new("mapi_sync", Span::call_site())],
        }),
        interfaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: Kind, tokens: TokenStream2) -> String {
        match parse_args(kind, tokens) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn interfaces_are_names_or_paths() {
        let a = parse_args(
            Kind::Object,
            quote!(
                IMessage,
                ::a::IB,
                crate::x::IC,
                self::ID,
                super::IE,
                b::IMessage,
            ),
        )
        .unwrap();
        let private = quote!(P);
        let types: Vec<String> = a
            .interfaces
            .iter()
            .map(|i| interface_type(&private, i).to_string())
            .collect();
        assert_eq!(
            types,
            [
                "P :: interfaces :: IMessage",
                ":: a :: IB",
                "crate :: x :: IC",
                "self :: ID",
                "super :: IE",
                "b :: IMessage",
            ],
            "a trailing comma is fine, a leading `::` makes a path"
        );
        let spans: Vec<String> = a.interfaces.iter().map(|i| i.last().to_string()).collect();
        assert_eq!(spans, ["IMessage", "IB", "IC", "ID", "IE", "IMessage"]);
    }

    #[test]
    fn the_runtime_crate_by_path_or_string() {
        for (tokens, spelled) in [
            (quote!(crate = ::my::rt), ":: my :: rt"),
            (quote!(crate = "::my::rt"), ":: my :: rt"),
            (quote!(crate = crate::rt), "crate :: rt"),
            (quote!(crate = self), "self"),
        ] {
            let a = parse_args(Kind::SyncProvider, tokens).unwrap();
            assert_eq!(a.krate.tokens.to_string(), spelled);
        }
    }

    #[test]
    fn what_syn_meta_rejected_is_rejected() {
        for (tokens, message) in [
            (quote!(raw = 1), "expected `,`"),
            (quote!(raw(x)), "expected `,`"),
            (quote!(properties(x)), "expected `,`"),
            (quote!(IFoo<T>), "expected `,`"),
            (quote!(a::IFoo::<T>), "expected ident"),
            (quote!(IMsgStore IMAPIAdviseSink), "expected `,`"),
            (quote!(,), "unexpected token in nested attribute"),
            (quote!(IMsgStore,,), "unexpected token in nested attribute"),
            (quote!(::), "expected nested attribute"),
            (quote!(crate), "expected `=`"),
            (quote!(crate = fn), "expected identifier"),
            (quote!(crate = "a b"), "unexpected token"),
            (quote!(crate = a, crate = b), "`crate` is given twice"),
            (quote!(5), "expected an interface name"),
            (
                quote!(IMsgStore, "IMAPIAdviseSink"),
                "expected an interface name",
            ),
            // A failed check ends the list: what follows is not read.
            (quote!(IUnknown, a<b>), "IUnknown is always implemented"),
        ] {
            let e = error(Kind::SyncProvider, tokens.clone());
            assert!(e.contains(message), "{tokens}: {e}");
        }
        assert!(parse_args(Kind::SyncProvider, quote!(r#raw)).is_ok());
        assert!(!parse_args(Kind::SyncProvider, quote!(r#raw)).unwrap().raw);
        let e = error(Kind::Object, quote!(properties));
        assert!(e.contains("needs at least one interface"), "{e}");
    }
}
