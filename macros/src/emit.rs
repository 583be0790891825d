//! The expansion: the item as written, then the impls that make it a COM object.

use proc_macro2::{Group, Literal, Span, TokenStream as TokenStream2, TokenTree};
use quote::quote;

use crate::args::{interface_span, interface_type, Args};
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

/// The item as written, its `IMAPIProp_Impl` if `properties` asks for one, and its
/// `ComProvider` impl (with the `Slot` impls the vtables are read through).
pub(crate) fn emit(
    kind: Kind,
    args: &Args,
    input: &Item,
    item: &TokenStream2,
    this: Option<TokenStream2>,
) -> TokenStream2 {
    let krate = &args.krate;
    let private = quote!(#krate::__private);
    let name = &input.name;
    let impl_generics = input.generics.impl_generics();
    let ty_generics = input.generics.type_generics();
    let where_clause = input.generics.where_clause();

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

    // `properties`: IMAPIProp_Impl from the author's Properties, spanned at the struct's
    // name so a missing `impl Properties` is reported there.
    let properties = args.properties.then(|| {
        let sys = quote!(#private::interfaces);
        // The one place that needs the author's `impl Properties`: a bound of the impl,
        // spanned at the struct's name, so a missing one is one error there.
        let bound = respan(quote!(#private::Properties), name.span());
        let where_clause = input
            .generics
            .where_clause_with(quote!(#name #ty_generics: #bound));
        quote! {
            #[automatically_derived]
            impl #impl_generics #sys::IMAPIProp_Impl for #name #ty_generics #where_clause {
                unsafe fn GetProps(
                    &self,
                    tags: #sys::LPSPropTagArray,
                    _flags: #sys::ULONG,
                    count: *mut #sys::ULONG,
                    values: *mut #sys::LPSPropValue,
                ) -> #sys::HRESULT {
                    // SAFETY: the caller's arguments, passed on (MAPI's GetProps contract).
                    unsafe { #private::properties::get_props(self, tags, count, values) }
                }
                unsafe fn GetPropList(
                    &self,
                    _flags: #sys::ULONG,
                    out: *mut #sys::LPSPropTagArray,
                ) -> #sys::HRESULT {
                    // SAFETY: as above (GetPropList's contract).
                    unsafe { #private::properties::get_prop_list(self, out) }
                }
                unsafe fn SetProps(
                    &self,
                    count: #sys::ULONG,
                    values: #sys::LPSPropValue,
                    problems: *mut #sys::LPSPropProblemArray,
                ) -> #sys::HRESULT {
                    // SAFETY: as above (SetProps' contract).
                    unsafe { #private::properties::set_props(self, count, values, problems) }
                }
            }
        }
    });

    quote! {
        #item

        #properties

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
