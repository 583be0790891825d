//! `IFoo_Vtbl`: the `#[repr(C)]` vtable (the base's first, as `base__`), and
//! `IFoo_Vtbl::new::<Identity, OFFSET>()`, whose entries catch panics and call the
//! object's `IFoo_Impl` methods (or, for the root, its `ComObject` methods).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Context, Root, Shape, Sig};

/// The most arguments besides `this` that the support module's `call0`..`call16` pass.
const ENTRY_CALL_ARGS: usize = 16;

/// The vtable struct.
pub(super) fn definition(cx: &Context<'_>) -> TokenStream {
    let vtbl = &cx.vtbl;
    let doc = format!(
        " The vtable of `{}`, in the order the headers declare.",
        cx.iface.name
    );
    let iface = &cx.iface.name;
    let base = match &cx.shape {
        Shape::Root(_) => quote!(),
        Shape::Derived { base, .. } => {
            let b_vtbl = format_ident!("{}_Vtbl", base);
            let doc = format!(" The entries of `{base}`, which `{iface}` derives from.");
            quote!(#[doc = #doc] pub base__: #b_vtbl,)
        }
    };
    let fields = cx.sigs.iter().map(|s| {
        let Sig {
            name,
            abi,
            params,
            ret,
            ..
        } = s;
        let doc = format!(" The entry of `{iface}::{name}`.");
        quote!(#[doc = #doc] pub #name: unsafe extern #abi fn(this: *mut ::core::ffi::c_void, #(#params),*) #ret)
    });
    quote! {
        #[doc = #doc]
        #[repr(C)]
        pub struct #vtbl {
            #base
            #(#fields,)*
        }
    }
}

/// `IFoo_Vtbl::new::<Identity, OFFSET>()`.
pub(super) fn constructor(cx: &Context<'_>) -> TokenStream {
    match &cx.shape {
        Shape::Root(root) => root_constructor(cx, root),
        Shape::Derived { base, .. } => derived_constructor(cx, base),
    }
}

/// A derived interface's entries call `Identity::Impl`'s `IFoo_Impl` methods; the base's
/// part is the base's constructor.
fn derived_constructor(cx: &Context<'_>, base: &str) -> TokenStream {
    let Context {
        vtbl, impl_trait, ..
    } = cx;
    let b_vtbl = format_ident!("{}_Vtbl", base);
    let thunks = cx.sigs.iter().map(|s| {
        let Sig {
            name,
            abi,
            params,
            args,
            ret,
            ..
        } = s;
        // The body goes through one of the support module's `callN` (no closure of its
        // own: that halves the bindings' build); past `ENTRY_CALL_ARGS` arguments, a
        // closure.
        let body = if args.len() <= ENTRY_CALL_ARGS {
            let call = format_ident!("call{}", args.len());
            let inferred = args.iter().map(|_| quote!(_));
            quote! {
                mapi_codegen_safety!("the caller holds a pointer to the vtable slot at OFFSET of a live Identity, which is what this entry was built for, and its arguments, passed on unchanged, are what the method's contract covers.");
                unsafe {
                    #call::<Identity, OFFSET, #(#inferred,)* _>(
                        this,
                        <Identity::Impl as #impl_trait>::#name,
                        #(#args),*
                    )
                }
            }
        } else {
            quote! {
                guard(|| {
                    mapi_codegen_safety!("the caller holds a pointer to the vtable slot at OFFSET of a live Identity, which is what this entry was built for.");
                    let value = unsafe { Identity::implementation(identity_ptr::<Identity, OFFSET>(this)) };
                    mapi_codegen_safety!("the caller's arguments, passed on unchanged, are what the method's contract covers.");
                    unsafe { <Identity::Impl as #impl_trait>::#name(value, #(#args),*) }
                })
            }
        };
        quote! {
            unsafe extern #abi fn #name<Identity: ComObject, const OFFSET: isize>(
                this: *mut ::core::ffi::c_void, #(#params),*
            ) #ret
            where
                Identity::Impl: #impl_trait,
            {
                #body
            }
        }
    });
    let inits = cx.sigs.iter().map(|s| {
        let n = &s.name;
        quote!(#n: #n::<Identity, OFFSET>,)
    });
    quote! {
        impl #vtbl {
            /// The vtable for an object `Identity` whose vtable pointer for this
            /// interface sits `OFFSET` pointers from its start.
            pub const fn new<Identity: ComObject, const OFFSET: isize>() -> Self
            where
                Identity::Impl: #impl_trait,
            {
                #(#thunks)*
                #vtbl { base__: #b_vtbl::new::<Identity, OFFSET>(), #(#inits)* }
            }
        }
    }
}

/// The root's entries call the object's `ComObject` methods.
fn root_constructor(cx: &Context<'_>, root: &Root) -> TokenStream {
    let vtbl = &cx.vtbl;
    let (qi, ar, rl) = (
        &cx.sigs[root.query_interface],
        &cx.sigs[root.add_ref],
        &cx.sigs[root.release],
    );
    let (qi_abi, ar_abi, rl_abi) = (&qi.abi, &ar.abi, &rl.abi);
    let (qi_params, qi_args, qi_ret) = (&qi.params, &qi.args, &qi.ret);
    let (ar_ret, rl_ret) = (&ar.ret, &rl.ret);
    quote! {
        impl #vtbl {
            /// IUnknown's entries for an object `Identity` whose vtable pointer sits
            /// `OFFSET` pointers from its start; they call its [`ComObject`] methods.
            pub const fn new<Identity: ComObject, const OFFSET: isize>() -> Self {
                unsafe extern #qi_abi fn QueryInterface<Identity: ComObject, const OFFSET: isize>(
                    this: *mut ::core::ffi::c_void, #(#qi_params),*
                ) #qi_ret {
                    guard(|| {
                        mapi_codegen_safety!("`this` is the slot at OFFSET of a live Identity; the arguments are checked by `query_interface`.");
                        unsafe { Identity::query_interface(identity_ptr::<Identity, OFFSET>(this), #(#qi_args),*) }
                    })
                }
                unsafe extern #ar_abi fn AddRef<Identity: ComObject, const OFFSET: isize>(
                    this: *mut ::core::ffi::c_void,
                ) #ar_ret {
                    guard(|| {
                        mapi_codegen_safety!("`this` is the slot at OFFSET of a live Identity.");
                        unsafe { Identity::add_ref(identity_ptr::<Identity, OFFSET>(this)) }
                    })
                }
                unsafe extern #rl_abi fn Release<Identity: ComObject, const OFFSET: isize>(
                    this: *mut ::core::ffi::c_void,
                ) #rl_ret {
                    guard(|| {
                        mapi_codegen_safety!("`this` is the slot at OFFSET of a live Identity and the caller gives up the reference it owns.");
                        unsafe { Identity::release(identity_ptr::<Identity, OFFSET>(this)) }
                    })
                }
                #vtbl {
                    QueryInterface: QueryInterface::<Identity, OFFSET>,
                    AddRef: AddRef::<Identity, OFFSET>,
                    Release: Release::<Identity, OFFSET>,
                }
            }
        }
    }
}
