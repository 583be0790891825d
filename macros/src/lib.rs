//! The `#[mapi_sync_provider]` and `#[mapi_object]` attributes. Use them through the
//! `mapi-sync` crate, which re-exports and documents them (`mapi_sync::mapi_sync_provider`,
//! `mapi_sync::mapi_object`); their expansion refers to `mapi_sync::__private` only.
//! Both make the same object: `#[mapi_sync_provider]` is `#[mapi_object]` with IMAPISync
//! at slot 0, implemented by the runtime.

use proc_macro::TokenStream;
use proc_macro2::{Group, Literal, Span, TokenStream as TokenStream2, TokenTree};
use quote::quote;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Generics, Ident, LitStr, Path};

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
fn finish(expansion: syn::Result<TokenStream2>, item: TokenStream) -> TokenStream {
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

/// What the attribute's arguments say.
struct Args {
    raw: bool,
    krate: Path,
    /// Each listed interface: a name looked up in `mapi_sync::sys`, or a path to an
    /// interface of the author's own bindings.
    interfaces: Vec<Path>,
}

/// The last name of a path that can name an interface: plain segments, no generic
/// arguments, no leading `::`-less oddities such as `self` alone.
fn interface_name(path: &Path) -> Option<&Ident> {
    if path
        .segments
        .iter()
        .any(|s| !matches!(s.arguments, syn::PathArguments::None))
    {
        return None;
    }
    path.segments.last().map(|s| &s.ident)
}

/// Where a listed interface's type is: a lone name is one of `mapi_sync::sys`'s, a path
/// is the author's.
fn interface_type(private: &TokenStream2, iface: &Path) -> TokenStream2 {
    match iface.get_ident() {
        Some(name) => quote!(#private::interfaces::#name),
        None => quote!(#iface),
    }
}

/// The span errors about a listed interface point at: its last name.
fn interface_span(iface: &Path) -> Span {
    iface
        .segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

const EXPECTED_ARGS: &str = "expected an interface name from mapi_sync::sys (like `IMsgStore`), \
     a path to one of your own (like `my_bindings::IMyStore`), `raw`, or \
     `crate = path::to::mapi_sync`";
const EXPECTED_OBJECT_ARGS: &str = "expected an interface name from mapi_sync::sys (like \
     `IMAPIAdviseSink`), a path to one of your own (like `my_bindings::IMyCallback`), or \
     `crate = path::to::mapi_sync`";

fn parse_args(kind: Kind, args: TokenStream2) -> syn::Result<Args> {
    let mut raw: Option<Span> = None;
    let mut krate: Option<Path> = None;
    let mut interfaces: Vec<Path> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("raw") && kind == Kind::Object {
            return Err(meta.error(
                "`raw` is for #[mapi_sync_provider]: an object of #[mapi_object] has no \
                 IMAPISync (list it, and implement IMAPISync_Impl, to have one)",
            ));
        }
        if meta.path.is_ident("raw") && kind == Kind::SyncProvider {
            if raw.is_some() {
                return Err(meta.error("`raw` is given twice"));
            }
            raw = Some(meta.path.span());
            Ok(())
        } else if meta.path.is_ident("crate") {
            if krate.is_some() {
                return Err(meta.error("`crate` is given twice"));
            }
            let value = meta.value()?;
            krate = Some(if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse()?
            } else {
                value.parse()?
            });
            Ok(())
        } else if let Some(last) = interface_name(&meta.path) {
            let ident = &meta.path;
            let name = last.to_string();
            if name == "IMAPISync" && kind == Kind::SyncProvider {
                return Err(Error::new_spanned(
                    ident,
                    "IMAPISync is always implemented by #[mapi_sync_provider]: remove it \
                     (write `raw` to implement SynchronizeInBackground yourself)",
                ));
            }
            if name == "IUnknown" {
                return Err(Error::new_spanned(
                    ident,
                    format!(
                        "IUnknown is always implemented by {}: remove it",
                        kind.attribute()
                    ),
                ));
            }
            let spelled = |p: &Path| quote!(#p).to_string();
            if interfaces.iter().any(|i| spelled(i) == spelled(ident)) {
                return Err(Error::new_spanned(ident, format!("{name} is listed twice")));
            }
            interfaces.push(meta.path.clone());
            Ok(())
        } else {
            Err(Error::new_spanned(
                &meta.path,
                match kind {
                    Kind::SyncProvider => EXPECTED_ARGS,
                    Kind::Object => EXPECTED_OBJECT_ARGS,
                },
            ))
        }
    });
    let whole = args.clone();
    // syn's own message for a literal ("unexpected literal in nested attribute") says
    // nothing of what is expected here.
    let mut at_start = true;
    for tree in args.clone() {
        match &tree {
            TokenTree::Literal(lit) if at_start => {
                return Err(Error::new_spanned(
                    lit,
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
    parser.parse2(args)?;
    if kind == Kind::Object && interfaces.is_empty() {
        let message = "#[mapi_object] needs at least one interface to implement, like \
                       #[mapi_object(IMAPIAdviseSink)]";
        return Err(if whole.is_empty() {
            Error::new(Span::call_site(), message)
        } else {
            Error::new_spanned(whole, message)
        });
    }
    Ok(Args {
        raw: raw.is_some(),
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::mapi_sync)),
        interfaces,
    })
}

fn expand(kind: Kind, args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let attr = kind.attribute();
    // `DeriveInput` reads exactly a struct, enum or union: all this macro needs, and with
    // syn's `derive` feature instead of `full` a provider's clean build compiles less.
    let input: DeriveInput = syn::parse2(item.clone())
        .map_err(|_| Error::new(name_span(&item), format!("{attr} expects a struct")))?;
    match &input.data {
        Data::Struct(_) => {}
        Data::Enum(e) => {
            let (token, ident) = (e.enum_token, &input.ident);
            return Err(Error::new_spanned(
                quote!(#token #ident),
                format!(
                    "{attr} expects a struct, not an enum: the COM object wraps one struct \
                     value (put the enum in a field of a struct)"
                ),
            ));
        }
        Data::Union(u) => {
            let (token, ident) = (u.union_token, &input.ident);
            return Err(Error::new_spanned(
                quote!(#token #ident),
                format!(
                    "{attr} expects a struct, not a union: the COM object wraps one struct \
                     value (put the union in a field of a struct)"
                ),
            ));
        }
    }
    let args = parse_args(kind, args)?;
    check_generics(attr, &input.generics)?;
    let this = this_field(&input)?;
    Ok(emit(kind, &args, &input, &item, this))
}

/// The struct's `This<..>` field (by its type's last path segment), if it has one; two
/// are an error at the second.
fn this_field(input: &DeriveInput) -> syn::Result<Option<TokenStream2>> {
    let Data::Struct(data) = &input.data else {
        return Ok(None);
    };
    let mut found: Option<TokenStream2> = None;
    for (i, field) in data.fields.iter().enumerate() {
        let syn::Type::Path(path) = &field.ty else {
            continue;
        };
        if path.qself.is_some()
            || path
                .path
                .segments
                .last()
                .map_or(true, |s| s.ident != "This")
        {
            continue;
        }
        if found.is_some() {
            return Err(Error::new_spanned(
                &field.ty,
                "a second `This` field: an object has one back reference to itself",
            ));
        }
        found = Some(match &field.ident {
            Some(name) => quote!(#name),
            None => {
                let index = syn::Index::from(i);
                quote!(#index)
            }
        });
    }
    Ok(found)
}

/// Where to point when the item is not a struct: its name (after attributes, visibility
/// and the keyword), or the keyword of an `impl`.
fn name_span(item: &TokenStream2) -> Span {
    let mut tokens = item.clone().into_iter().peekable();
    let mut keyword: Option<Span> = None;
    while let Some(t) = tokens.next() {
        match &t {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                tokens.next(); // the attribute's brackets
            }
            TokenTree::Ident(i) if i == "pub" => {
                if let Some(TokenTree::Group(g)) = tokens.peek() {
                    if g.delimiter() == proc_macro2::Delimiter::Parenthesis {
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

fn check_generics(attr: &str, generics: &Generics) -> syn::Result<()> {
    if let Some(lt) = generics.lifetimes().next() {
        return Err(Error::new_spanned(
            lt,
            format!(
                "{attr} does not support lifetime parameters: Outlook keeps the COM object \
                 for as long as it likes, so the struct must be 'static (own its data, or \
                 share it through Arc)"
            ),
        ));
    }
    Ok(())
}

/// `tokens` with every span set to `span`, so that an error about them points there.
fn respan(tokens: TokenStream2, span: Span) -> TokenStream2 {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(g) = &tree {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

fn emit(
    kind: Kind,
    args: &Args,
    input: &DeriveInput,
    item: &TokenStream2,
    this: Option<TokenStream2>,
) -> TokenStream2 {
    let krate = &args.krate;
    let private = quote!(#krate::__private);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();

    // Slot 0: IMAPISync (also the IUnknown identity). The one place that needs the
    // author's SyncProvider (or IMAPISync_Impl) impl, spanned at the struct's name so a
    // missing impl is reported there.
    let sync_vtable = if args.raw {
        quote! {
            #private::raw_sync_vtable::<Self>()
        }
    } else {
        quote! {
            #private::sync_vtable::<Self>()
        }
    };
    let sync_vtable = respan(sync_vtable, name.span());
    // A store's slot 0 is IMAPISync; an object's listed interfaces start at slot 0.
    let (first, sync_vtable, sync_slot) = match kind {
        Kind::SyncProvider => (
            1,
            quote!(#private::VtblPtr::new(&#sync_vtable),),
            quote! {
                if *iid == #private::IID_IMAPISync {
                    return #private::Some(0);
                }
            },
        ),
        Kind::Object => (0, quote!(), quote!()),
    };

    let slots: Vec<(Literal, Literal)> = (first..first + args.interfaces.len())
        .map(|k| {
            (
                Literal::usize_suffixed(k),
                Literal::isize_suffixed(k as isize),
            )
        })
        .collect();
    let count = Literal::usize_suffixed(args.interfaces.len() + first);
    let this_field = this.map(|field| {
        quote! {
            #[inline]
            fn this_field(value: &Self) -> #private::Option<&#private::This<Self>> {
                #private::Some(&value.#field)
            }
        }
    });

    // Each listed name appears exactly once in the output, in its Slot impl, at the
    // author's token: an unknown name is one error there. A name that resolves to a type
    // that is not an interface (a struct of the bindings) fails `IsInterface` there; every
    // later use of the slot is spanned at the same token, so the follow-up error rustc
    // still gives (no `Vtable::new` on the failed type) points there too.
    let slot_impls = args.interfaces.iter().zip(&slots).map(|(iface, (k, _))| {
        let ty = interface_type(&private, iface);
        let path = quote!(<#ty as #private::IsInterface>::Itself);
        respan(
            quote! {
                #[automatically_derived]
                impl #impl_generics #private::Slot<#k> for #name #ty_generics #where_clause {
                    type Interface = #path;
                }
            },
            interface_span(iface),
        )
    });

    // Spanned at the listed name, so a missing `IFoo_Impl` is reported there.
    let vtables = args
        .interfaces
        .iter()
        .zip(&slots)
        .map(|(iface, (k, offset))| {
            let vtable = respan(
                quote! {
                    <<Self as #private::Slot<#k>>::Interface as #private::Interface>::Vtable::new::<
                        #private::ComObj<Self>,
                        #offset,
                    >()
                },
                interface_span(iface),
            );
            quote!(#private::VtblPtr::new(&#vtable))
        });
    // Only the interface's own tokens carry the author's span: a local name such as
    // `iid` must keep the macro's hygiene, or a provider declared inside the author's own
    // `macro_rules!` would not find it.
    let exact = args.interfaces.iter().zip(&slots).map(|(iface, (k, _))| {
        let listed_iid = respan(
            quote!(<<Self as #private::Slot<#k>>::Interface as #private::ComInterface>::IID),
            interface_span(iface),
        );
        quote! {
            if *iid == #listed_iid {
                return #private::Some(#k);
            }
        }
    });
    let bases = args.interfaces.iter().zip(&slots).map(|(iface, (k, _))| {
        let listed_bases = respan(
            quote!(<<Self as #private::Slot<#k>>::Interface as #private::ComInterface>::BASE_IIDS),
            interface_span(iface),
        );
        quote! {
            if #private::is_base_iid(#listed_bases, iid) {
                return #private::Some(#k);
            }
        }
    });

    quote! {
        #item

        const _: () = {
            #(#slot_impls)*

            // SAFETY: for a store, VTABLES[0] is the IMAPISync vtable for ComObj<Self> at
            // offset 0; VTABLES[k] is the vtable of the interface of Slot<k> for offset k,
            // which is the slot interface_slot returns for that interface and its bases;
            // IUnknown is slot 0; this_field returns a field of the value.
            #[automatically_derived]
            unsafe impl #impl_generics #private::ComProvider for #name #ty_generics #where_clause {
                type Vtables = [#private::VtblPtr; #count];
                const VTABLES: Self::Vtables = [
                    #sync_vtable
                    #(#vtables,)*
                ];
                #[inline]
                fn interface_slot(iid: &#private::GUID) -> #private::Option<::core::primitive::usize> {
                    if *iid == #private::IID_IUnknown {
                        return #private::Some(0);
                    }
                    #sync_slot
                    #(#exact)*
                    #(#bases)*
                    #private::None
                }
                #this_field
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tokens: TokenStream2) -> syn::Result<Args> {
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
        assert!(ok.to_string().contains("ComProvider"));
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
