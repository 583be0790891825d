//! What `#[mapi_sync_provider]`'s expansion names, and nothing else of it: the macro emits
//! paths into this module only (serde/serde_derive style), so the runtime can change how
//! the object is built without breaking the macro's users.

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

/// Whether `iid` is one of `bases` (an interface's `ComInterface::BASE_IIDS`), other
/// than `IUnknown` (which is slot 0's).
pub fn is_base_iid(bases: &[GUID], iid: &GUID) -> bool {
    *iid != mapi_sync_sys::IID_IUnknown && bases.contains(iid)
}

/// Compiles only for a provider in the default mode.
pub const fn assert_sync_provider<T: SyncProvider>() {}

/// Compiles only for a raw-mode provider.
pub const fn assert_raw_provider<T: RawSyncProvider>() {}
