//! Per interface: the vtable struct, the IID, the owned pointer type with its caller-side
//! wrappers, the `IFoo_Impl` trait and `IFoo_Vtbl::new::<Identity, OFFSET>()`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::ir::{CType, Guid, Interface, Method, Model};

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// A parameter name that is a valid, non-reserved Rust identifier other than `this`.
fn param_ident(s: &str) -> Ident {
    const RESERVED: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "this", "gen",
    ];
    if RESERVED.contains(&s) {
        format_ident!("{}_", s)
    } else {
        ident(s)
    }
}

/// The Rust spelling of a C type.
pub fn rust_type(ty: &CType) -> TokenStream {
    match ty {
        CType::Void => quote!(::core::ffi::c_void),
        CType::Prim(p) => {
            let p = ident(p);
            quote!(#p)
        }
        CType::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        CType::Interface(_) => quote!(::core::ffi::c_void),
        CType::Fn { .. } => quote!(::core::ffi::c_void),
        CType::Ptr { to, .. } if matches!(**to, CType::Fn { .. }) => {
            let CType::Fn { abi, ret, params } = &**to else {
                unreachable!()
            };
            let abi = syn::LitStr::new(abi.as_str(), Span::call_site());
            let ret = ret_type(ret);
            let params = params.iter().map(rust_type);
            quote!(::core::option::Option<unsafe extern #abi fn(#(#params),*) #ret>)
        }
        CType::Ptr { is_const, to } => {
            let to = rust_type(to);
            if *is_const {
                quote!(*const #to)
            } else {
                quote!(*mut #to)
            }
        }
    }
}

fn ret_type(ty: &CType) -> TokenStream {
    match ty {
        CType::Void => quote!(),
        t => {
            let t = rust_type(t);
            quote!(-> #t)
        }
    }
}

pub fn guid_expr(g: &Guid) -> TokenStream {
    let d1 = proc_macro2::Literal::u32_unsuffixed(g.data1);
    let d1 = syn::parse_str::<syn::LitInt>(&format!("0x{:08X}", g.data1))
        .map(|l| quote!(#l))
        .unwrap_or(quote!(#d1));
    let d2 = syn::parse_str::<syn::LitInt>(&format!("0x{:04X}", g.data2)).ok();
    let d3 = syn::parse_str::<syn::LitInt>(&format!("0x{:04X}", g.data3)).ok();
    let d4 = g
        .data4
        .iter()
        .map(|b| syn::parse_str::<syn::LitInt>(&format!("0x{b:02X}")).ok());
    quote!(GUID::from_parts(#d1, #d2, #d3, [#(#d4),*]))
}

struct Sig {
    name: Ident,
    abi: syn::LitStr,
    params: Vec<TokenStream>,
    args: Vec<Ident>,
    ret: TokenStream,
}

fn sig(m: &Method) -> Sig {
    let mut params = Vec::new();
    let mut args = Vec::new();
    for p in &m.params {
        let n = param_ident(&p.name);
        let t = rust_type(&p.ty);
        params.push(quote!(#n: #t));
        args.push(n);
    }
    Sig {
        name: ident(&m.name),
        abi: syn::LitStr::new(m.abi.as_str(), Span::call_site()),
        params,
        args,
        ret: ret_type(&m.ret),
    }
}

/// All the Rust for one interface of the model.
pub fn emit(model: &Model, iface: &Interface) -> Result<TokenStream> {
    let header_name = super::shown_header(model, &iface.header);
    let base_is_root = iface
        .base
        .as_deref()
        .and_then(|b| model.interface(b))
        .is_some_and(|b| b.base.is_none());
    // The base chain, nearest first, of the bases that have an IID (the IDL and the
    // manifest bound its depth).
    let mut base_iids = Vec::new();
    let mut next = iface.base.as_deref();
    while let Some(b) = next {
        let Some(base) = model.interface(b) else {
            break;
        };
        if base.iid.is_some() {
            base_iids.push(base.name.clone());
        }
        next = base.base.as_deref();
    }
    let name = ident(&iface.name);
    let vtbl = format_ident!("{}_Vtbl", iface.name);
    let impl_trait = format_ident!("{}_Impl", iface.name);
    let sigs: Vec<Sig> = iface.methods.iter().map(sig).collect();

    let iid_doc = iface
        .iid
        .map(|g| format!(" IID {g}."))
        .unwrap_or_else(|| " It has no IID in the headers read.".into());
    let doc = format!(
        " An owned `{}` interface pointer (declared in `{header_name}`).{iid_doc} \
         Clone calls AddRef, Drop calls Release.",
        iface.name
    );
    let vtbl_doc = format!(
        " The vtable of `{}`, in the order the headers declare.",
        iface.name
    );

    let base_consts: Vec<Ident> = base_iids
        .iter()
        .map(|b| format_ident!("IID_{}", b))
        .collect();
    let iid = iface.iid.map(|g| {
        let c = format_ident!("IID_{}", iface.name);
        let e = guid_expr(&g);
        let d = format!(" The interface identifier of `{}`: {g}.", iface.name);
        quote! {
            #[doc = #d]
            pub const #c: GUID = #e;
            mapi_codegen_safety!("the IID is the one the headers give for this vtable.");
            unsafe impl ComInterface for #name {
                const IID: GUID = #c;
                const BASE_IIDS: &'static [GUID] = &[#(#base_consts),*];
            }
        }
    });

    let fields = sigs.iter().map(|s| {
        let Sig {
            name,
            abi,
            params,
            ret,
            ..
        } = s;
        quote!(pub #name: unsafe extern #abi fn(this: *mut ::core::ffi::c_void, #(#params),*) #ret)
    });
    // The root interface's AddRef and Release get no wrapper: the owned pointer's Clone
    // and Drop are AddRef and Release, and a wrapper beside them would let safe-looking
    // code give up a reference that Drop gives up again.
    let counting = |i: usize| iface.base.is_none() && (i == 1 || i == 2);
    let wrappers = sigs
        .iter()
        .enumerate()
        .filter(|(i, _)| !counting(*i))
        .map(|(_, s)| {
            let Sig {
                name,
                params,
                args,
                ret,
                ..
            } = s;
            let d = format!(" Calls `{}::{name}` through the vtable.", iface.name);
            quote! {
                #[doc = #d]
                ///
                /// # Safety
                /// The arguments must be valid as the MAPI documentation of this method requires.
                pub unsafe fn #name(&self, #(#params),*) #ret {
                    (self.vtable().#name)(self.as_raw(), #(#args),*)
                }
            }
        });

    let (base_field, pointer, base_init, trait_bound, root_impls) = match &iface.base {
        Some(b) => {
            let b_ident = ident(b);
            let b_vtbl = format_ident!("{}_Vtbl", b);
            let b_impl = format_ident!("{}_Impl", b);
            (
                quote!(pub base__: #b_vtbl,),
                quote! {
                    #[repr(transparent)]
                    #[derive(Clone)]
                    pub struct #name(#b_ident);
                    impl ::core::ops::Deref for #name {
                        type Target = #b_ident;
                        fn deref(&self) -> &#b_ident {
                            &self.0
                        }
                    }
                },
                quote!(base__: #b_vtbl::new::<Identity, OFFSET>(),),
                if base_is_root {
                    quote!()
                } else {
                    quote!(: #b_impl)
                },
                quote!(),
            )
        }
        None => {
            check_root(iface)?;
            (
                quote!(),
                quote! {
                    #[repr(transparent)]
                    pub struct #name(::core::ptr::NonNull<::core::ffi::c_void>);
                    impl Clone for #name {
                        fn clone(&self) -> Self {
                            mapi_codegen_safety!("`self` is a live interface pointer; AddRef gives the clone its own reference.");
                            unsafe { (self.vtable().AddRef)(self.as_raw()) };
                            #name(self.0)
                        }
                    }
                    impl Drop for #name {
                        fn drop(&mut self) {
                            mapi_codegen_safety!("`self` owns one reference, given up here once.");
                            unsafe { (self.vtable().Release)(self.as_raw()) };
                        }
                    }
                },
                quote!(),
                quote!(),
                quote!(),
            )
        }
    };

    let vtbl_new = if iface.base.is_none() {
        root_vtbl_new(&vtbl, &sigs)
    } else {
        let thunks = sigs.iter().map(|s| {
            let Sig {
                name,
                abi,
                params,
                args,
                ret,
            } = s;
            quote! {
                unsafe extern #abi fn #name<Identity: ComObject, const OFFSET: isize>(
                    this: *mut ::core::ffi::c_void, #(#params),*
                ) #ret
                where
                    Identity::Impl: #impl_trait,
                {
                    guard(|| {
                        mapi_codegen_safety!("the caller holds a pointer to the vtable slot at OFFSET of a live Identity, which is what this entry was built for.");
                        let value = unsafe { Identity::implementation(identity_ptr::<Identity, OFFSET>(this)) };
                        mapi_codegen_safety!("the caller's arguments, passed on unchanged, are what the method's contract covers.");
                        unsafe { <Identity::Impl as #impl_trait>::#name(value, #(#args),*) }
                    })
                }
            }
        });
        let inits = sigs.iter().map(|s| {
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
                    #vtbl { #base_init #(#inits)* }
                }
            }
        }
    };

    let impl_methods = sigs.iter().map(|s| {
        let Sig {
            name, params, ret, ..
        } = s;
        let d = format!(" `{}::{name}`.", iface.name);
        quote! {
            #[doc = #d]
            ///
            /// Not implementing it answers the method's not-implemented value
            /// ([`NotImplemented`]: `MAPI_E_NO_SUPPORT` for an HRESULT).
            ///
            /// # Safety
            /// The arguments are the caller's, unchecked: pointers are valid only as the
            /// MAPI documentation of this method says they are.
            #[allow(unused_variables)]
            unsafe fn #name(&self, #(#params),*) #ret {
                NotImplemented::not_implemented()
            }
        }
    });
    let impl_doc = format!(
        " Implement `{}` in Rust. Each method is `unsafe`: it receives the caller's raw \
         arguments, unchecked, so only an implementation can rely on what the MAPI \
         documentation promises about them, and safe code cannot call it with made-up \
         pointers. A method left out answers `MAPI_E_NO_SUPPORT`; a panic becomes the \
         method's failure value (`E_UNEXPECTED` for an HRESULT).",
        iface.name
    );
    let impl_trait_def = if iface.base.is_none() {
        quote!()
    } else {
        quote! {
            #[doc = #impl_doc]
            pub trait #impl_trait #trait_bound {
                #(#impl_methods)*
            }
        }
    };

    Ok(quote! {
        #[doc = #vtbl_doc]
        #[repr(C)]
        pub struct #vtbl {
            #base_field
            #(#fields,)*
        }
        #[doc = #doc]
        #pointer
        #root_impls
        mapi_codegen_safety!("the pointer type is transparent over one owned interface pointer whose vtable is laid out as declared above.");
        unsafe impl Interface for #name {
            type Vtable = #vtbl;
        }
        #iid
        impl #name {
            #(#wrappers)*
        }
        #impl_trait_def
        #vtbl_new
    })
}

/// The root interface must be IUnknown-shaped: its entries are served by `ComObject`.
fn check_root(iface: &Interface) -> Result<()> {
    let names: Vec<&str> = iface.methods.iter().map(|m| m.name.as_str()).collect();
    if names != ["QueryInterface", "AddRef", "Release"] {
        return Err(Error::msg(format!(
            "interface `{}` has no base, so it must be IUnknown-shaped (QueryInterface, \
             AddRef, Release), but its methods are {names:?}",
            iface.name
        )));
    }
    Ok(())
}

fn root_vtbl_new(vtbl: &Ident, sigs: &[Sig]) -> TokenStream {
    let (qi, ar, rl) = (&sigs[0], &sigs[1], &sigs[2]);
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
