//! The expansion: the item as written, then the impls that make it a COM object, one
//! `gen_*` function per emitted item:
//!
//! - [`gen_imapiprop`]: `IMAPIProp_Impl` from the author's `Properties` (`properties`);
//! - [`gen_slot_impls`]: one `Slot<K>` impl per listed interface, naming it once;
//! - [`gen_com_class`]: the `ComClass` impl, made of [`gen_vtables`] (the vtable array),
//!   [`gen_interface_slot`] (which slot answers an IID) and [`gen_this_field`].

use proc_macro2::{Group, Literal, Span, TokenStream as TokenStream2, TokenTree};
use quote::quote;

use crate::args::{interface_span, interface_type, Args, ModPath};
use crate::item::Item;
use crate::Kind;

/// `tokens` with every span set to `span`, so that an error about them points there.
pub(crate) fn respan(tokens: TokenStream2, span: Span) -> TokenStream2 {
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

/// What every `gen_*` function reads: the attribute, the struct, and the paths and slots
/// computed from them once.
struct Context<'a> {
    kind: Kind,
    args: &'a Args,
    input: &'a Item,
    /// `<krate>::__private`: the only module the expansion names.
    private: TokenStream2,
    impl_generics: TokenStream2,
    ty_generics: TokenStream2,
    where_clause: TokenStream2,
}

/// A listed interface with the vtable slot it gets.
struct Listed<'a> {
    iface: &'a ModPath,
    /// `K` of `Slot<K>` (`usize`).
    slot: Literal,
    /// The slot as the vtable's `OFFSET` (`isize`).
    offset: Literal,
}

impl<'a> Context<'a> {
    fn new(kind: Kind, args: &'a Args, input: &'a Item) -> Context<'a> {
        let krate = &args.krate;
        Context {
            kind,
            args,
            input,
            private: quote!(#krate::__private),
            impl_generics: input.generics.impl_generics(),
            ty_generics: input.generics.type_generics(),
            where_clause: input.generics.where_clause(),
        }
    }

    /// The slot of the first listed interface: a store's slot 0 is IMAPISync, an
    /// object's listed interfaces start at slot 0.
    fn first_slot(&self) -> usize {
        match self.kind {
            Kind::SyncProvider => 1,
            Kind::Object => 0,
        }
    }

    /// The listed interfaces, each with its slot.
    fn listed(&self) -> Vec<Listed<'a>> {
        let first = self.first_slot();
        self.args
            .interfaces
            .iter()
            .enumerate()
            .map(|(i, iface)| Listed {
                iface,
                slot: Literal::usize_suffixed(first + i),
                offset: Literal::isize_suffixed((first + i) as isize),
            })
            .collect()
    }

    /// `#name #ty_generics`: the struct as a type.
    fn self_type(&self) -> TokenStream2 {
        let name = &self.input.name;
        let ty_generics = &self.ty_generics;
        quote!(#name #ty_generics)
    }
}

/// The item as written, its `IMAPIProp_Impl` if `properties` asks for one, and its
/// `ComClass` impl (with the `Slot` impls the vtables are read through).
pub(crate) fn emit(
    kind: Kind,
    args: &Args,
    input: &Item,
    item: &TokenStream2,
    this: Option<TokenStream2>,
) -> TokenStream2 {
    let cx = Context::new(kind, args, input);
    let properties = args.properties.then(|| gen_imapiprop(&cx));
    let slot_impls = gen_slot_impls(&cx);
    let com_class = gen_com_class(&cx, this);
    quote! {
        #item

        #properties

        const _: () = {
            #slot_impls
            #com_class
        };
    }
}

/// `properties`: `IMAPIProp_Impl` made of the runtime's `imapiprop_methods!`, which holds
/// the methods' signatures and glue (so a regeneration that changes them breaks the
/// runtime's build, not this macro's output). Its bound on the author's `Properties` is
/// spanned at the struct's name, so a missing `impl Properties` is one error there.
fn gen_imapiprop(cx: &Context<'_>) -> TokenStream2 {
    let private = &cx.private;
    let name = &cx.input.name;
    let impl_generics = &cx.impl_generics;
    let self_type = cx.self_type();
    let bound = respan(quote!(#private::Properties), name.span());
    let where_clause = cx
        .input
        .generics
        .where_clause_with(quote!(#self_type: #bound));
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::interfaces::IMAPIProp_Impl for #self_type #where_clause {
            #private::imapiprop_methods!();
        }
    }
}

/// One `Slot<K>` impl per listed interface. Each listed name appears exactly once in the
/// output, here, at the author's token: an unknown name is one error there. A name that
/// resolves to a type that is not an interface (a struct of the bindings) fails
/// `IsInterface` there; every later use of the slot is spanned at the same token, so the
/// follow-up error rustc still gives (no `Vtable::new` on the failed type) points there
/// too.
fn gen_slot_impls(cx: &Context<'_>) -> TokenStream2 {
    let private = &cx.private;
    let (impl_generics, where_clause) = (&cx.impl_generics, &cx.where_clause);
    let self_type = cx.self_type();
    cx.listed()
        .iter()
        .map(|Listed { iface, slot, .. }| {
            let ty = interface_type(private, iface);
            let path = quote!(<#ty as #private::IsInterface>::Itself);
            respan(
                quote! {
                    #[automatically_derived]
                    impl #impl_generics #private::Slot<#slot> for #self_type #where_clause {
                        type Interface = #path;
                    }
                },
                interface_span(iface),
            )
        })
        .collect()
}

/// The `ComClass` impl: the vtables, which slot answers an IID, and the `This` field.
fn gen_com_class(cx: &Context<'_>, this: Option<TokenStream2>) -> TokenStream2 {
    let private = &cx.private;
    let (impl_generics, where_clause) = (&cx.impl_generics, &cx.where_clause);
    let self_type = cx.self_type();
    let count = Literal::usize_suffixed(cx.first_slot() + cx.args.interfaces.len());
    let vtables = gen_vtables(cx);
    let interface_slot = gen_interface_slot(cx);
    let this_field = this.map(|field| gen_this_field(cx, field));
    quote! {
        // SAFETY: for a store, VTABLES[0] is the IMAPISync vtable for RawObject<Self> at
        // offset 0; VTABLES[k] is the vtable of the interface of Slot<k> for offset k,
        // which is the slot interface_slot returns for that interface and its bases;
        // IUnknown is slot 0; this_field returns a field of the value.
        #[automatically_derived]
        unsafe impl #impl_generics #private::ComClass for #self_type #where_clause {
            type Vtables = [#private::VtblPtr; #count];
            const VTABLES: Self::Vtables = [#vtables];
            #interface_slot
            #this_field
        }
    }
}

/// The vtable array's items: a store's IMAPISync first, then one per listed interface,
/// spanned at the listed name so a missing `IFoo_Impl` is reported there.
fn gen_vtables(cx: &Context<'_>) -> TokenStream2 {
    let private = &cx.private;
    let sync = gen_sync_vtable(cx).map(|vtable| quote!(#private::VtblPtr::new(&#vtable),));
    let listed = cx.listed().into_iter().map(|Listed { iface, slot, offset }| {
        let vtable = respan(
            quote! {
                <<Self as #private::Slot<#slot>>::Interface as #private::Interface>::Vtable::new::<
                    #private::RawObject<Self>,
                    #offset,
                >()
            },
            interface_span(iface),
        );
        quote!(#private::VtblPtr::new(&#vtable),)
    });
    quote!(#sync #(#listed)*)
}

/// A store's slot 0: IMAPISync (also the IUnknown identity), the one place that needs
/// the author's `SyncProvider` (or `RawSyncProvider`) impl, spanned at the struct's name
/// so a missing impl is reported there. `None` for an object.
fn gen_sync_vtable(cx: &Context<'_>) -> Option<TokenStream2> {
    if cx.kind != Kind::SyncProvider {
        return None;
    }
    let private = &cx.private;
    let vtable = if cx.args.raw {
        quote!(#private::raw_sync_vtable::<Self>())
    } else {
        quote!(#private::sync_vtable::<Self>())
    };
    Some(respan(vtable, cx.input.name.span()))
}

/// `ComClass::interface_slot`: IUnknown at 0, a store's IMAPISync at 0, each listed
/// interface at its slot, then each one's bases at its slot (so the first listed
/// interface that derives from a base answers for it). Only the interface's own tokens
/// carry the author's span: a local name such as `iid` keeps the macro's hygiene, or a
/// provider declared inside the author's own `macro_rules!` would not find it.
fn gen_interface_slot(cx: &Context<'_>) -> TokenStream2 {
    let private = &cx.private;
    let sync = (cx.kind == Kind::SyncProvider).then(|| {
        quote! {
            if *iid == #private::IID_IMAPISync {
                return #private::Some(0);
            }
        }
    });
    let listed = cx.listed();
    let exact = listed.iter().map(|Listed { iface, slot, .. }| {
        let iid = respan(
            quote!(<<Self as #private::Slot<#slot>>::Interface as #private::ComInterface>::IID),
            interface_span(iface),
        );
        quote! {
            if *iid == #iid {
                return #private::Some(#slot);
            }
        }
    });
    let bases = listed.iter().map(|Listed { iface, slot, .. }| {
        let bases = respan(
            quote!(<<Self as #private::Slot<#slot>>::Interface as #private::ComInterface>::BASE_IIDS),
            interface_span(iface),
        );
        quote! {
            if #private::is_base_iid(#bases, iid) {
                return #private::Some(#slot);
            }
        }
    });
    quote! {
        #[inline]
        fn interface_slot(iid: &#private::GUID) -> #private::Option<::core::primitive::usize> {
            if *iid == #private::IID_IUnknown {
                return #private::Some(0);
            }
            #sync
            #(#exact)*
            #(#bases)*
            #private::None
        }
    }
}

/// `ComClass::this_field`, for a struct with a `This<Self>` field.
fn gen_this_field(cx: &Context<'_>, field: TokenStream2) -> TokenStream2 {
    let private = &cx.private;
    quote! {
        #[inline]
        fn this_field(value: &Self) -> #private::Option<&#private::This<Self>> {
            #private::Some(&value.#field)
        }
    }
}
