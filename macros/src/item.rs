//! The item the attribute is on, read with syn's parse machinery but none of its syntax
//! tree (which would need syn's `derive` feature, twice the compile time on a provider's
//! critical build path): attributes, visibility, `struct Name`, the generics, the where
//! clause and the fields, each only as far as the expansion needs it. Types, bounds and
//! predicates stay the author's tokens, split at their top-level commas.

use proc_macro2::{
    Delimiter, Ident, Literal, Punct, Spacing, Span, TokenStream as TokenStream2, TokenTree,
};
use quote::quote;
use syn::parse::discouraged::Speculative;
use syn::parse::ParseStream;
use syn::{braced, bracketed, parenthesized, token, Lifetime, Token};

use crate::error::{Error, Result};

/// What the attribute is on.
pub(crate) enum Parsed {
    Struct(Item),
    /// `enum Name` or `union Name`: the keyword's span, the name's, and what it is
    /// (`an enum`, `a union`).
    NotAStruct(Span, Span, &'static str),
}

/// A struct, as far as the expansion needs it.
pub(crate) struct Item {
    pub(crate) name: Ident,
    pub(crate) generics: Generics,
    pub(crate) fields: Vec<Field>,
}

/// A field: its name (none for a tuple struct's) and its type's tokens.
pub(crate) struct Field {
    pub(crate) name: Option<Ident>,
    pub(crate) ty: Vec<TokenTree>,
}

/// The struct's generic parameters and where clause, split for an impl as
/// `syn::Generics::split_for_impl` splits them ([`impl_generics`](Generics::impl_generics),
/// [`type_generics`](Generics::type_generics), [`where_clause`](Generics::where_clause)).
///
/// Written again here on purpose: syn's needs its `derive` and `printing` features, which
/// on this project's 2-core machine took syn's own build from 0.9–1.2 s to 2.2–3.3 s
/// (2026-12-07, syn 2.0.119, three interleaved clean builds of each), and syn is on the
/// critical path of every provider's clean build (1.8 s in all in the last bench).
#[derive(Default)]
pub(crate) struct Generics {
    /// `<` and `>`, if the struct has them.
    angles: Option<(Span, Span)>,
    params: Vec<Param>,
    /// The first lifetime parameter's first and last token: the expansion has no
    /// lifetimes, so one is an error there.
    pub(crate) lifetime: Option<(Span, Span)>,
    /// `where`, if written.
    where_token: Option<Ident>,
    /// The where clause's predicates as written, a trailing comma included.
    predicates: Vec<TokenTree>,
}

/// A type or const parameter.
struct Param {
    /// In an impl's parameters: the attributes, the name and the bounds (of a type
    /// parameter) or the type (of a const one), without the default.
    declared: TokenStream2,
    /// In the type's arguments: just the name.
    name: Ident,
    /// The comma after it, if written.
    comma: Option<TokenTree>,
}

impl Generics {
    /// `<T: Bound, const N: usize>`, as `syn::Generics::split_for_impl`'s first part gave.
    pub(crate) fn impl_generics(&self) -> TokenStream2 {
        self.angled(|param| param.declared.clone())
    }

    /// `<T, N>`, as `split_for_impl`'s second part gave.
    pub(crate) fn type_generics(&self) -> TokenStream2 {
        self.angled(|param| {
            let name = &param.name;
            quote!(#name)
        })
    }

    fn angled(&self, each: impl Fn(&Param) -> TokenStream2) -> TokenStream2 {
        let Some((lt, gt)) = self.angles else {
            return TokenStream2::new();
        };
        if self.params.is_empty() {
            return TokenStream2::new();
        }
        let params = self.params.iter().map(|param| {
            let tokens = each(param);
            let comma = &param.comma;
            quote!(#tokens #comma)
        });
        let (lt, gt) = (punct('<', lt), punct('>', gt));
        quote!(#lt #(#params)* #gt)
    }

    /// The where clause as written, or nothing if it has no predicates.
    pub(crate) fn where_clause(&self) -> TokenStream2 {
        if self.predicates.is_empty() {
            return TokenStream2::new();
        }
        let predicates = &self.predicates;
        let where_token = self.where_token();
        quote!(#where_token #(#predicates)*)
    }

    /// The where clause with `predicate` added at its end.
    pub(crate) fn where_clause_with(&self, predicate: TokenStream2) -> TokenStream2 {
        let predicates = &self.predicates;
        let comma = match predicates.last() {
            Some(last) if !is_punct(last, ',') => quote!(,),
            _ => quote!(),
        };
        let where_token = self.where_token();
        quote!(#where_token #(#predicates)* #comma #predicate)
    }

    fn where_token(&self) -> Ident {
        self.where_token
            .clone()
            .unwrap_or_else(|| Ident::new("where", Span::call_site()))
    }
}

fn punct(ch: char, span: Span) -> TokenTree {
    let mut punct = Punct::new(ch, Spacing::Alone);
    punct.set_span(span);
    TokenTree::Punct(punct)
}

fn is_punct(tree: &TokenTree, ch: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch)
}

/// Whether `tokens[i]` is the `>` of an `->` (a fn pointer's or an `Fn` bound's return
/// type), which closes no `<`.
fn is_arrow(tokens: &[TokenTree], i: usize) -> bool {
    i > 0
        && is_punct(&tokens[i], '>')
        && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '-' && p.spacing() == Spacing::Joint)
}

/// The token trees from here to the first one outside `<...>` that `stop` accepts (not
/// taken), or to the end: a type, a bound or a where clause, without reading it.
fn tokens_until(
    input: ParseStream,
    stop: impl Fn(&TokenTree) -> bool,
) -> syn::Result<Vec<TokenTree>> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = Vec::new();
        let mut depth = 0usize;
        while let Some((tree, next)) = rest.token_tree() {
            tokens.push(tree);
            let i = tokens.len() - 1;
            if !is_arrow(&tokens, i) {
                if depth == 0 && stop(&tokens[i]) {
                    tokens.pop();
                    break;
                }
                if is_punct(&tokens[i], '<') {
                    depth += 1;
                } else if is_punct(&tokens[i], '>') {
                    depth = depth.saturating_sub(1);
                }
            }
            rest = next;
        }
        Ok((tokens, rest))
    })
}

/// The item, as `syn::DeriveInput` read it.
pub(crate) fn parse(input: ParseStream) -> syn::Result<Parsed> {
    attributes(input)?;
    visibility(input)?;
    let lookahead = input.lookahead1();
    if lookahead.peek(Token![struct]) {
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        let mut generics = generics(input)?;
        let fields = body(input, &mut generics)?;
        Ok(Parsed::Struct(Item {
            name,
            generics,
            fields,
        }))
    } else if lookahead.peek(Token![enum]) {
        let keyword = input.parse::<Token![enum]>()?.span;
        let name: Ident = input.parse()?;
        // The variants are not needed for the error this is.
        input.parse::<TokenStream2>()?;
        Ok(Parsed::NotAStruct(keyword, name.span(), "an enum"))
    } else if lookahead.peek(Token![union]) {
        let keyword = input.parse::<Token![union]>()?.span;
        let name: Ident = input.parse()?;
        input.parse::<TokenStream2>()?;
        Ok(Parsed::NotAStruct(keyword, name.span(), "a union"))
    } else {
        Err(lookahead.error())
    }
}

/// Outer attributes (doc comments are `#[doc = ".."]` by now), as token trees.
fn attributes(input: ParseStream) -> syn::Result<Vec<TokenTree>> {
    let mut tokens = Vec::new();
    while input.peek(Token![#]) {
        let pound = input.parse::<Token![#]>()?;
        let content;
        let brackets = bracketed!(content in input);
        let mut group = proc_macro2::Group::new(Delimiter::Bracket, content.parse()?);
        group.set_span(brackets.span.join());
        tokens.extend([punct('#', pound.span), TokenTree::Group(group)]);
    }
    Ok(tokens)
}

/// `pub`, `pub(crate)`, `pub(self)`, `pub(super)`, `pub(in path)` or nothing, as
/// `syn::Visibility` reads it: `pub (A, B)` of a tuple field is `pub` and a type.
fn visibility(input: ParseStream) -> syn::Result<()> {
    // An empty `$vis` of a `macro_rules!` arrives as an empty invisible group.
    input.step(|cursor| match cursor.group(Delimiter::None) {
        Some((content, _, rest)) if content.eof() => Ok(((), rest)),
        _ => Ok(((), *cursor)),
    })?;
    if !input.peek(Token![pub]) {
        return Ok(());
    }
    input.parse::<Token![pub]>()?;
    if input.peek(token::Paren) {
        let ahead = input.fork();
        let content;
        parenthesized!(content in ahead);
        let restricted = if content.peek(Token![crate])
            || content.peek(Token![self])
            || content.peek(Token![super])
        {
            content.parse::<TokenTree>()?;
            content.is_empty()
        } else {
            content.peek(Token![in])
        };
        if restricted {
            // Read to its end: tokens left in `content` would be an error of `input`.
            content.parse::<TokenStream2>()?;
            input.advance_to(&ahead);
        }
    }
    Ok(())
}

/// `<...>` after the name, if there: type parameters with their bounds and defaults,
/// const parameters with theirs, and lifetime parameters, noted for the error.
fn generics(input: ParseStream) -> syn::Result<Generics> {
    let mut generics = Generics::default();
    if !input.peek(Token![<]) {
        return Ok(generics);
    }
    let lt = input.parse::<Token![<]>()?.span;
    let end_of_param = |t: &TokenTree| is_punct(t, ',') || is_punct(t, '>');
    let end_of_bounds = |t: &TokenTree| end_of_param(t) || is_punct(t, '=');
    loop {
        if input.peek(Token![>]) {
            break;
        }
        let mut declared = attributes(input)?;
        let lookahead = input.lookahead1();
        if lookahead.peek(Lifetime) {
            let lifetime: Lifetime = input.parse()?;
            let bounds = tokens_until(input, end_of_param)?;
            let start = declared
                .first()
                .map_or(lifetime.apostrophe, TokenTree::span);
            // `'a:` without bounds is just `'a`, as syn printed it.
            let end = match &bounds[..] {
                [] | [_] => lifetime.ident.span(),
                [.., last] => last.span(),
            };
            generics.lifetime.get_or_insert((start, end));
        } else if lookahead.peek(Token![const]) {
            let keyword = input.parse::<Token![const]>()?.span;
            let name: Ident = input.parse()?;
            let colon = input.parse::<Token![:]>()?.spans[0];
            let ty = tokens_until(input, end_of_bounds)?;
            declared.extend([
                TokenTree::Ident(Ident::new("const", keyword)),
                TokenTree::Ident(name.clone()),
                punct(':', colon),
            ]);
            declared.extend(ty);
            default(input, end_of_param)?;
            generics.params.push(Param {
                declared: declared.into_iter().collect(),
                name,
                comma: None,
            });
        } else if lookahead.peek(syn::Ident) {
            let name: Ident = input.parse()?;
            declared.push(TokenTree::Ident(name.clone()));
            if input.peek(Token![:]) {
                let colon = input.parse::<Token![:]>()?.spans[0];
                let bounds = tokens_until(input, end_of_bounds)?;
                // `T:` without bounds is just `T`, as syn printed it.
                if !bounds.is_empty() {
                    declared.push(punct(':', colon));
                    declared.extend(bounds);
                }
            }
            default(input, end_of_param)?;
            generics.params.push(Param {
                declared: declared.into_iter().collect(),
                name,
                comma: None,
            });
        } else {
            return Err(lookahead.error());
        }
        if input.peek(Token![>]) {
            break;
        }
        let comma = punct(',', input.parse::<Token![,]>()?.span);
        // A lifetime's comma goes with the error, not with a parameter.
        if let Some(param) = generics.params.last_mut().filter(|p| p.comma.is_none()) {
            param.comma = Some(comma);
        }
    }
    let gt = input.parse::<Token![>]>()?.span;
    generics.angles = Some((lt, gt));
    Ok(generics)
}

/// A parameter's `= default`, which only the struct's own declaration keeps.
fn default(input: ParseStream, end: impl Fn(&TokenTree) -> bool) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if tokens_until(input, end)?.is_empty() {
            return Err(input.error("expected a default"));
        }
    }
    Ok(())
}

/// `where` and its predicates, up to the body's braces or the `;`.
fn where_clause(input: ParseStream, generics: &mut Generics) -> syn::Result<()> {
    let where_token = input.parse::<Token![where]>()?.span;
    generics.where_token = Some(Ident::new("where", where_token));
    generics.predicates = tokens_until(input, |t| {
        is_punct(t, ';') || matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
    })?;
    Ok(())
}

/// The where clause and the fields: `{ named }`, `( unnamed ) where ..;` or `;`, in
/// the order `syn::DeriveInput` accepted them.
fn body(input: ParseStream, generics: &mut Generics) -> syn::Result<Vec<Field>> {
    let mut lookahead = input.lookahead1();
    let mut where_written = false;
    if lookahead.peek(Token![where]) {
        where_clause(input, generics)?;
        where_written = true;
        lookahead = input.lookahead1();
    }
    if !where_written && lookahead.peek(token::Paren) {
        let content;
        parenthesized!(content in input);
        let fields = fields(&content, false)?;
        lookahead = input.lookahead1();
        if lookahead.peek(Token![where]) {
            where_clause(input, generics)?;
            lookahead = input.lookahead1();
        }
        if lookahead.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            Ok(fields)
        } else {
            Err(lookahead.error())
        }
    } else if lookahead.peek(token::Brace) {
        let content;
        braced!(content in input);
        fields(&content, true)
    } else if lookahead.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        Ok(Vec::new())
    } else {
        Err(lookahead.error())
    }
}

/// Comma-separated fields, `name: Type` or just `Type`, each after its attributes and
/// visibility.
fn fields(input: ParseStream, named: bool) -> syn::Result<Vec<Field>> {
    let mut fields = Vec::new();
    while !input.is_empty() {
        attributes(input)?;
        visibility(input)?;
        let name = if named {
            let name: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            Some(name)
        } else {
            None
        };
        let ty = tokens_until(input, |t| is_punct(t, ','))?;
        if ty.is_empty() {
            return Err(input.error("expected a type"));
        }
        fields.push(Field { name, ty });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(fields)
}

/// Whether a field's type is a path (not a `<T as Trait>::` one) whose last segment is
/// `This`, with or without arguments (`This<Self>`, `mapi_sync::This<Self>`): as
/// syn's `Type::Path` told. A type from a `macro_rules!` `$ty` is an invisible group,
/// which syn did not see into either.
pub(crate) fn is_this(ty: &[TokenTree]) -> bool {
    let path_sep = |i: usize| {
        matches!(
            (ty.get(i), ty.get(i + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
        )
    };
    let mut i = if path_sep(0) { 2 } else { 0 };
    let mut last: &Ident;
    loop {
        match ty.get(i) {
            Some(TokenTree::Ident(ident)) => last = ident,
            _ => return false,
        }
        i += 1;
        // `<..>` or `::<..>`
        let open = if path_sep(i) { i + 2 } else { i };
        if ty.get(open).is_some_and(|t| is_punct(t, '<')) {
            match after_angles(ty, open) {
                Some(after) => i = after,
                None => return false,
            }
        }
        if !path_sep(i) {
            break;
        }
        i += 2;
    }
    i == ty.len() && last == "This"
}

/// The index after the `>` that closes the `<` at `open`.
fn after_angles(ty: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..ty.len() {
        if is_arrow(ty, i) {
            continue;
        }
        if is_punct(&ty[i], '<') {
            depth += 1;
        } else if is_punct(&ty[i], '>') {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

impl Item {
    /// The struct's `This<..>` field (by its type's last path segment), if it has one;
    /// two are an error at the second.
    pub(crate) fn this_field(&self) -> Result<Option<TokenStream2>> {
        let mut found: Option<TokenStream2> = None;
        for (i, field) in self.fields.iter().enumerate() {
            if !is_this(&field.ty) {
                continue;
            }
            if found.is_some() {
                return Err(Error::over(
                    field.ty.iter().cloned().collect(),
                    "a second `This` field: an object has one back reference to itself",
                ));
            }
            found = Some(match &field.name {
                Some(name) => quote!(#name),
                None => {
                    // As `syn::Index` printed it: unsuffixed, at the call site.
                    let index = Literal::usize_unsuffixed(i);
                    quote!(#index)
                }
            });
        }
        Ok(found)
    }
}

/// Where to point when the item is not a struct: its name (after attributes, visibility
/// and the keyword), or the keyword of an `impl`.
pub(crate) fn name_span(item: &TokenStream2) -> Span {
    let mut tokens = item.clone().into_iter().peekable();
    let mut keyword: Option<Span> = None;
    while let Some(t) = tokens.next() {
        match &t {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                tokens.next(); // the attribute's brackets
            }
            TokenTree::Ident(i) if i == "pub" => {
                if let Some(TokenTree::Group(g)) = tokens.peek() {
                    if g.delimiter() == Delimiter::Parenthesis {
                        tokens.next();
                    }
                }
            }
            TokenTree::Ident(i) if keyword.is_none() => {
                if i == "impl" {
                    return i.span();
                }
                keyword = Some(i.span());
            }
            TokenTree::Ident(i) => return i.span(),
            other => return keyword.unwrap_or_else(|| other.span()),
        }
    }
    keyword.unwrap_or_else(Span::call_site)
}

#[cfg(test)]
// The items below are token input, shaped to test the parser: rustfmt would reshape them
// (a trailing comma after a where clause, an empty `where` or `V:` dropped).
#[rustfmt::skip]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn item(tokens: TokenStream2) -> Item {
        match parse.parse2(tokens) {
            Ok(Parsed::Struct(item)) => item,
            Ok(_) => panic!("not a struct"),
            Err(e) => panic!("{e}"),
        }
    }

    fn this(tokens: TokenStream2) -> Option<String> {
        item(tokens).this_field().unwrap().map(|t| t.to_string())
    }

    #[test]
    fn generics_split_as_for_an_impl() {
        let s = item(quote! {
            struct S<#[cfg(all())] T: Into<Vec<u8>> + Send = Vec<u8>, const N: usize = { 1 + 2 }, U: ?Sized, V:>(T, Box<U>, V);
        });
        let g = &s.generics;
        assert_eq!(
            g.impl_generics().to_string(),
            quote!(<#[cfg(all())] T: Into<Vec<u8>> + Send, const N: usize, U: ?Sized, V>)
                .to_string(),
            "bounds kept, defaults and an empty `:` left off"
        );
        assert_eq!(g.type_generics().to_string(), quote!(<T, N, U, V>).to_string());
        assert!(g.where_clause().is_empty());
        assert!(g.lifetime.is_none());

        let s = item(quote!(struct S<F: Fn(u8) -> Vec<u8>, G = fn() -> u8,>(F, G);));
        assert_eq!(
            s.generics.impl_generics().to_string(),
            quote!(<F: Fn(u8) -> Vec<u8>, G,>).to_string(),
            "the `>` of `->` closes nothing; the trailing comma stays"
        );
        assert_eq!(s.generics.type_generics().to_string(), quote!(<F, G,>).to_string());

        let s = item(quote!(struct S;));
        assert!(s.generics.impl_generics().is_empty() && s.generics.type_generics().is_empty());
        let s = item(quote!(struct S<>;));
        assert!(s.generics.impl_generics().is_empty() && s.generics.type_generics().is_empty());
    }

    #[test]
    fn lifetimes_are_noted_wherever_they_are() {
        for tokens in [
            quote!(struct S<'a>(&'a str);),
            quote!(struct S<T, 'a: 'static>(&'a T);),
            quote!(struct S<#[cfg(all())] 'a, 'b: 'a>(&'a &'b str);),
        ] {
            assert!(item(tokens).generics.lifetime.is_some());
        }
        let s = item(quote!(struct S<T: 'static>(T);));
        assert!(s.generics.lifetime.is_none(), "a bound is no parameter");
    }

    #[test]
    fn where_clauses_of_each_kind_of_struct() {
        let predicate = quote!(S<T>: P);
        for (tokens, written, with) in [
            (
                quote!(struct S<T> where T: Send { t: T }),
                quote!(where T: Send),
                quote!(where T: Send, S<T>: P),
            ),
            (
                quote!(struct S<T> where T: Send, Vec<T>: Sync, { t: T }),
                quote!(where T: Send, Vec<T>: Sync,),
                quote!(where T: Send, Vec<T>: Sync, S<T>: P),
            ),
            (
                quote!(struct S<T>(T) where T: Iterator<Item = u8>;),
                quote!(where T: Iterator<Item = u8>),
                quote!(where T: Iterator<Item = u8>, S<T>: P),
            ),
            (
                quote!(struct S<T> where T: Fn() -> u8;),
                quote!(where T: Fn() -> u8),
                quote!(where T: Fn() -> u8, S<T>: P),
            ),
            (quote!(struct S<T> where { t: T }), quote!(), quote!(where S<T>: P)),
            (quote!(struct S<T>(T);), quote!(), quote!(where S<T>: P)),
        ] {
            let s = item(tokens);
            assert_eq!(s.generics.where_clause().to_string(), written.to_string());
            assert_eq!(
                s.generics.where_clause_with(predicate.clone()).to_string(),
                with.to_string()
            );
        }
    }

    #[test]
    fn fields_of_each_kind_of_struct() {
        let s = item(quote! {
            /// Docs.
            pub(crate) struct S<K, V> {
                #[cfg(test)]
                pub a: HashMap<K, Vec<V>>,
                pub(in crate::x) f: fn(u8, u16) -> Vec<u8>,
                g: Box<dyn Fn(u8) -> Option<Vec<u8>> + Send>,
                h: [u8; 4],
                this: This<Self>,
            }
        });
        let names: Vec<String> = s
            .fields
            .iter()
            .map(|f| f.name.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a", "f", "g", "h", "this"]);
        assert_eq!(
            s.fields[2].ty.iter().cloned().collect::<TokenStream2>().to_string(),
            quote!(Box<dyn Fn(u8) -> Option<Vec<u8>> + Send>).to_string()
        );
        assert_eq!(s.this_field().unwrap().unwrap().to_string(), "this");

        let s = item(quote!(struct S(pub (u8, u16), pub(crate) Vec<u8>, fn() -> u8,);));
        assert_eq!(s.fields.len(), 3, "`pub (u8, u16)` is `pub` and a type");
        assert!(s.fields.iter().all(|f| f.name.is_none()));
        assert!(item(quote!(struct S;)).fields.is_empty());
        assert!(item(quote!(struct S {})).fields.is_empty());
    }

    #[test]
    fn the_this_field_by_name_or_index() {
        assert_eq!(this(quote!(struct S { a: u8, me: This<Self> })).as_deref(), Some("me"));
        assert_eq!(this(quote!(struct S(u8, mapi_sync::This<Self>);)).as_deref(), Some("1"));
        for ty in [
            quote!(This),
            quote!(This::<Self>),
            quote!(::mapi_sync::This<Self>),
            quote!(crate::rt::This<Vec<fn() -> u8>>),
        ] {
            assert_eq!(this(quote!(struct S { x: #ty })).as_deref(), Some("x"), "{ty}");
        }
        for ty in [
            quote!(Box<This<Self>>),
            quote!(&'static This<Self>),
            quote!(<X as Y>::This),
            quote!(This<Self> + Send),
            quote!(This!()),
            quote!(r#This<Self>),
            quote!(This<Self>::Inner),
            quote!([This<Self>; 1]),
            quote!(fn(This<Self>)),
        ] {
            assert_eq!(this(quote!(struct S { x: #ty })), None, "{ty}");
        }
        // A `macro_rules!` `$ty` is an invisible group: syn did not look into it.
        let group = TokenTree::Group(proc_macro2::Group::new(Delimiter::None, quote!(This<Self>)));
        assert_eq!(this(quote!(struct S { x: #group })), None);

        let e = item(quote!(struct S(This<Self>, This<Self>);))
            .this_field()
            .unwrap_err();
        assert!(e.to_string().contains("a second `This` field"), "{e}");
    }

    #[test]
    fn visibility_from_a_macro_is_read_through() {
        let empty = TokenTree::Group(proc_macro2::Group::new(Delimiter::None, quote!()));
        let public = TokenTree::Group(proc_macro2::Group::new(Delimiter::None, quote!(pub(crate))));
        let s = item(quote!(#empty struct S { #public a: This<Self>, #empty b: u8 }));
        assert_eq!(s.name.to_string(), "S");
        assert_eq!(s.fields.len(), 2);
        assert_eq!(s.this_field().unwrap().unwrap().to_string(), "a");
    }

    #[test]
    fn enums_unions_and_others() {
        assert!(matches!(parse.parse2(quote!(pub enum E { A(u8) })), Ok(Parsed::NotAStruct(_, _, "an enum"))));
        assert!(matches!(parse.parse2(quote!(union U { a: u8 })), Ok(Parsed::NotAStruct(_, _, "a union"))));
        assert!(parse.parse2(quote!(fn f() {})).is_err());
        assert!(parse.parse2(quote!(struct S { a: u8 } struct T;)).is_err());
        assert!(parse.parse2(quote!(struct S<T>(T) where T: Send {})).is_err());
    }
}
