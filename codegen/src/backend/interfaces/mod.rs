//! Per interface: the vtable struct and its constructor (`vtable.rs`), the owned pointer
//! type with its IID and caller-side wrappers (`pointer.rs`), and the `IFoo_Impl` trait
//! (`impl_trait.rs`). [`emit`] puts them together.
//!
//! An interface without a base is the root: it must be IUnknown-shaped, and its entries
//! are served by `ComObject` instead of an `_Impl` trait.

mod impl_trait;
mod pointer;
mod types;
mod vtable;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::ir::{Interface, Method, Model};
pub use types::{guid_expr, ident, param_ident, rust_type};

/// One method's Rust signature, in the pieces the emitters need.
struct Sig {
    name: Ident,
    abi: syn::LitStr,
    /// `name: Type`, after `this`.
    params: Vec<TokenStream>,
    /// The same in snake case, for the `IFoo_Impl` trait an author implements.
    impl_params: Vec<TokenStream>,
    /// The parameter names, to pass on.
    args: Vec<Ident>,
    /// `-> T`, or nothing.
    ret: TokenStream,
}

impl Sig {
    fn of(m: &Method) -> Sig {
        let mut params = Vec::new();
        let mut impl_params = Vec::new();
        let mut args = Vec::new();
        let mut snake_names = std::collections::HashSet::new();
        for (i, p) in m.params.iter().enumerate() {
            let n = types::param_ident(&p.name);
            let t = rust_type(&p.ty);
            params.push(quote!(#n: #t));
            args.push(n);
            let mut snake = crate::names::snake_case(&p.name);
            if !snake_names.insert(snake.clone()) {
                snake = format!("{snake}_{i}");
            }
            let s = types::param_ident(&snake);
            impl_params.push(quote!(#s: #t));
        }
        Sig {
            name: ident(&m.name),
            abi: syn::LitStr::new(m.abi.as_str(), Span::call_site()),
            params,
            impl_params,
            args,
            ret: types::ret_type(&m.ret),
        }
    }
}

/// The root interface's three entries, found by name: what `ComObject` serves.
struct Root {
    query_interface: usize,
    add_ref: usize,
    release: usize,
}

impl Root {
    /// The root must be IUnknown-shaped: QueryInterface, AddRef, Release, in that order.
    fn of(iface: &Interface) -> Result<Root> {
        let names: Vec<&str> = iface.methods.iter().map(|m| m.name.as_str()).collect();
        if names != ["QueryInterface", "AddRef", "Release"] {
            return Err(Error::msg(format!(
                "interface `{}` has no base, so it must be IUnknown-shaped (QueryInterface, \
                 AddRef, Release), but its methods are {names:?}",
                iface.name
            )));
        }
        let at = |n: &str| names.iter().position(|m| *m == n).unwrap_or_default();
        Ok(Root {
            query_interface: at("QueryInterface"),
            add_ref: at("AddRef"),
            release: at("Release"),
        })
    }

    /// Whether method `i` counts references (the owned pointer's Clone and Drop).
    fn counts_references(&self, i: usize) -> bool {
        i == self.add_ref || i == self.release
    }
}

/// What one interface's emitters share.
struct Context<'a> {
    model: &'a Model,
    iface: &'a Interface,
    /// `IFoo`, `IFoo_Vtbl`, `IFoo_Impl`.
    name: Ident,
    vtbl: Ident,
    impl_trait: Ident,
    sigs: Vec<Sig>,
    /// The name of the declaring header, as shown in docs.
    header_name: String,
    shape: Shape,
    /// The bases that have an IID, nearest first.
    base_iids: Vec<String>,
    /// The first base the model does not hold (a provider's IDL deriving from one of the
    /// bindings' interfaces): its IID and its own bases' come from its `ComInterface`.
    external_base: Option<String>,
    /// Whether Microsoft's Outlook MAPI reference has this interface's pages: the
    /// interfaces of the MAPI headers do; those of our IDL say where they come from in
    /// the IDL's own words.
    referenced: bool,
}

impl Context<'_> {
    /// The IDL's documentation of this interface's `method`.
    fn note(&self, method: &str) -> Vec<syn::Attribute> {
        super::docs::note(self.model, &format!("{}::{method}", self.iface.name))
    }

    /// " Microsoft's reference: [`IFoo::Bar`](url)." for a referenced interface.
    fn reference(&self, method: &str) -> String {
        if self.referenced {
            let page = super::docs::method_page(&self.iface.name, method);
            format!(
                " Microsoft's reference: [`{}::{method}`]({page}).",
                self.iface.name
            )
        } else {
            String::new()
        }
    }
}

/// The root, or an interface derived from a base.
enum Shape {
    Root(Root),
    Derived {
        base: String,
        /// Whether the base is the root (whose `_Impl` trait does not exist).
        base_is_root: bool,
    },
}

impl<'a> Context<'a> {
    fn new(model: &'a Model, iface: &'a Interface) -> Result<Context<'a>> {
        let shape = match &iface.base {
            None => Shape::Root(Root::of(iface)?),
            Some(base) => Shape::Derived {
                base: base.clone(),
                base_is_root: model.interface(base).is_some_and(|b| b.base.is_none()),
            },
        };
        // The IDL and the manifest bound the chain's depth.
        let mut base_iids = Vec::new();
        let mut external_base = None;
        let mut next = iface.base.as_deref();
        while let Some(b) = next {
            let Some(base) = model.interface(b) else {
                external_base = Some(b.to_string());
                break;
            };
            if base.iid.is_some() {
                base_iids.push(base.name.clone());
            }
            next = base.base.as_deref();
        }
        Ok(Context {
            model,
            iface,
            name: ident(&iface.name),
            vtbl: format_ident!("{}_Vtbl", iface.name),
            impl_trait: format_ident!("{}_Impl", iface.name),
            sigs: iface.methods.iter().map(Sig::of).collect(),
            header_name: super::shown_header(model, &iface.header),
            shape,
            base_iids,
            external_base,
            referenced: model
                .header(&iface.header)
                .is_some_and(|h| h.lowered.is_none()),
        })
    }
}

/// All the Rust for one interface of the model.
pub fn emit(model: &Model, iface: &Interface) -> Result<TokenStream> {
    let cx = Context::new(model, iface)?;
    let vtable = vtable::definition(&cx);
    let pointer = pointer::definition(&cx);
    let iid = pointer::iid(&cx);
    let wrappers = pointer::wrappers(&cx);
    let impl_trait = impl_trait::definition(&cx);
    let constructor = vtable::constructor(&cx);
    Ok(quote! {
        #vtable
        #pointer
        #iid
        #wrappers
        #impl_trait
        #constructor
    })
}
