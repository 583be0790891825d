//! What `#[mapi_sync_provider]`'s expansion names, and nothing else of it: the macro emits
//! paths into this module only (serde/serde_derive style), so the runtime can change how
//! the object is built without breaking the macro's users.

use std::marker::PhantomData;
use std::ops::Deref;

pub use crate::object::{ComObj, This, VtblPtr};
pub use crate::sync::{raw_sync_vtable, sync_vtable};
pub use crate::{ComProvider, RawSyncProvider, SyncProvider};
pub use core::option::Option::{self, None, Some};
pub use mapi_sync_sys::{
    ComInterface, IID_IMAPISync, IID_IUnknown, IMAPISync_Vtbl, Interface, GUID,
};

/// Where the macro looks up the interface names listed in the attribute: all of the
/// generated bindings, so a name that is not there is reported by rustc at the author's
/// token, and one that is there but is not an interface fails [`Slot`]'s `ComInterface`
/// bound.
pub mod interfaces {
    pub use mapi_sync_sys::*;
}

/// The interface listed at vtable slot `K` (1 or more) of a provider. Each listed name is
/// written once, here, so a wrong name gives one error.
pub trait Slot<const K: usize> {
    /// The owned pointer type of the interface (`IMsgStore`).
    type Interface: ComInterface;
}

/// Passes a listed name through when it is a COM interface of the bindings; the bound is
/// where a listed name that is some other type (a struct, a constant's type) is reported.
pub trait IsInterface {
    /// `Self`.
    type Itself: ComInterface;
}

impl<T: ComInterface> IsInterface for T {
    type Itself = T;
}

/// Walks an interface's base interfaces through the generated `Deref` chain
/// (`IMsgStore` → `IMAPIProp` → `IUnknown`), by autoref specialization: on a concrete
/// type, `(&probe).base()` picks [`ProbeBase`] when the type derefs to a COM interface and
/// falls back to [`ProbeEnd`] otherwise. The generated bindings have no type-level link
/// from an interface to its base but this one.
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    /// The probe for `T`.
    pub const NEW: Probe<T> = Probe(PhantomData);
}

/// The type after the end of a base chain.
pub struct End;

/// A step that found a base interface.
pub trait ProbeBase {
    /// The base interface.
    type Next;
    /// The probe for the base and the base's IID.
    fn base(&self) -> (Probe<Self::Next>, Option<GUID>);
}

impl<T> ProbeBase for Probe<T>
where
    T: Deref,
    T::Target: ComInterface + Sized,
{
    type Next = T::Target;
    fn base(&self) -> (Probe<T::Target>, Option<GUID>) {
        (Probe::NEW, Some(<T::Target as ComInterface>::IID))
    }
}

/// A step past the root of the chain.
pub trait ProbeEnd {
    /// Nothing more.
    fn base(&self) -> (Probe<End>, Option<GUID>);
}

impl<T> ProbeEnd for &Probe<T> {
    fn base(&self) -> (Probe<End>, Option<GUID>) {
        (Probe::NEW, None)
    }
}

/// The IIDs of the base interfaces of the interface type `$iface` (nearest first, up to 8
/// levels; MAPI's deepest chain has 3), `None` past the root. Only works on a concrete
/// type, which is what the macro passes.
#[doc(hidden)]
#[macro_export]
macro_rules! __mapi_sync_base_iids {
    ($iface:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ProbeBase as _, ProbeEnd as _};
        let p0 = $crate::__private::Probe::<$iface>::NEW;
        let (p1, b1) = (&p0).base();
        let (p2, b2) = (&p1).base();
        let (p3, b3) = (&p2).base();
        let (p4, b4) = (&p3).base();
        let (p5, b5) = (&p4).base();
        let (p6, b6) = (&p5).base();
        let (p7, b7) = (&p6).base();
        let (_, b8) = (&p7).base();
        [b1, b2, b3, b4, b5, b6, b7, b8]
    }};
}
pub use crate::__mapi_sync_base_iids as base_iids;

/// Whether `iid` is one of `bases` (from `base_iids!`), other than `IUnknown` (which the
/// runtime answers itself, at slot 0).
pub fn is_base_iid(bases: &[Option<GUID>], iid: &GUID) -> bool {
    *iid != mapi_sync_sys::IID_IUnknown && bases.iter().any(|b| b.as_ref() == Some(iid))
}

/// Compiles only for a provider in the default mode.
pub const fn assert_sync_provider<T: SyncProvider>() {}

/// Compiles only for a raw-mode provider.
pub const fn assert_raw_provider<T: RawSyncProvider>() {}
