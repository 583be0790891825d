//! The macro's error: syn's own (from its parse machinery), or one of ours over a range
//! of tokens. syn's `Error::new_spanned` would give the range, but it needs syn's
//! `printing` feature, and so quote and the syntax tree's printing code, on a provider's
//! critical build path.

use std::fmt;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// An error to report instead of the expansion.
pub(crate) struct Error(Repr);

enum Repr {
    /// From syn's parse machinery: a message at one token, which syn emits itself.
    Syn(syn::Error),
    /// Ours: rustc's carets run from `start`'s token to `end`'s.
    Range {
        start: Span,
        end: Span,
        message: String,
    },
}

/// The macro's results.
pub(crate) type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error at one token.
    pub(crate) fn new(span: Span, message: impl fmt::Display) -> Self {
        Error::spanning(span, span, message)
    }

    /// An error over the tokens from the one at `start` to the one at `end`.
    pub(crate) fn spanning(start: Span, end: Span, message: impl fmt::Display) -> Self {
        Error(Repr::Range {
            start,
            end,
            message: message.to_string(),
        })
    }

    /// An error over `tokens`, from the first to the last, as syn's `Error::new_spanned`
    /// spans it (at the call site if there are none).
    pub(crate) fn over(tokens: TokenStream, message: impl fmt::Display) -> Self {
        let mut trees = tokens.into_iter();
        let start = trees.next().map_or_else(Span::call_site, |t| t.span());
        let end = trees.last().map_or(start, |t| t.span());
        Error::spanning(start, end, message)
    }

    /// `::core::compile_error! { "message" }`, spanned as syn spans its own: the path and
    /// the `!` at the first token, the braces and the message at the last, so that rustc
    /// underlines the range between them.
    pub(crate) fn to_compile_error(&self) -> TokenStream {
        let (start, end, message) = match &self.0 {
            Repr::Syn(e) => return e.to_compile_error(),
            Repr::Range {
                start,
                end,
                message,
            } => (*start, *end, message),
        };
        let punct = |ch, spacing| {
            let mut punct = Punct::new(ch, spacing);
            punct.set_span(start);
            TokenTree::Punct(punct)
        };
        let mut literal = Literal::string(message);
        literal.set_span(end);
        let mut group = Group::new(Delimiter::Brace, TokenTree::Literal(literal).into());
        group.set_span(end);
        [
            punct(':', Spacing::Joint),
            punct(':', Spacing::Alone),
            TokenTree::Ident(Ident::new("core", start)),
            punct(':', Spacing::Joint),
            punct(':', Spacing::Alone),
            TokenTree::Ident(Ident::new("compile_error", start)),
            punct('!', Spacing::Alone),
            TokenTree::Group(group),
        ]
        .into_iter()
        .collect()
    }
}

impl From<syn::Error> for Error {
    fn from(e: syn::Error) -> Self {
        Error(Repr::Syn(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.0 {
            Repr::Syn(e) => e.fmt(f),
            Repr::Range { message, .. } => f.write_str(message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Error({self})")
    }
}
