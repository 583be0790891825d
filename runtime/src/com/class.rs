//! [`ComClass`]: what `#[mapi_sync_provider]` and `#[mapi_object]` implement for the
//! author's struct, and the type-erased vtable pointer its hidden items are made of.

use std::ffi::c_void;

use super::{Object, This};
use crate::sys::{ComInterface, IUnknown, GUID};
use crate::Result;

/// A type made into a COM object by [`#[mapi_sync_provider]`](../mapi_sync/attr.mapi_sync_provider.html)
/// (a store answering `IMAPISync`) or [`#[mapi_object]`](../mapi_sync/attr.mapi_object.html) (any
/// interfaces). Do not implement it by hand: its hidden items describe the object's
/// vtables, and the attribute is what keeps them right.
///
/// # Safety
/// `VTABLES` must hold at every index `k` that `interface_slot` returns the vtable of
/// the interface(s) that index answers, built for `RawObject<Self>` at offset `k`;
/// `interface_slot(IID_IUnknown)` must be `Some(0)`; `this_field` must return a field of
/// the value.
pub unsafe trait ComClass: Sized + Send + Sync + 'static {
    #[doc(hidden)]
    type Vtables: AsRef<[VtblPtr]> + Send + Sync + 'static;
    #[doc(hidden)]
    const VTABLES: Self::Vtables;
    #[doc(hidden)]
    /// The vtable slot answering `iid`: 0 for `IID_IUnknown` (the object's identity),
    /// the slot of each interface the attribute lists or implies, `None` for the rest.
    fn interface_slot(iid: &GUID) -> Option<usize>;
    #[doc(hidden)]
    /// The value's [`This`] field, if it has one.
    fn this_field(_value: &Self) -> Option<&This<Self>> {
        None
    }

    /// Moves `self` into a new COM object (reference count 1) and returns its `IUnknown`,
    /// which is also its `IMAPISync` pointer. Drop the `IUnknown` (or `Release` the raw
    /// pointer) to give the reference up; the value is dropped with the last reference.
    fn into_unknown(self) -> IUnknown {
        Object::new(self).into_unknown()
    }

    /// Like [`into_unknown`](ComClass::into_unknown), then the interface `I`.
    ///
    /// ```
    /// # use mapi_sync::prelude::*;
    /// # #[mapi_sync_provider] struct S;
    /// # impl SyncProvider for S { fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> { Ok(()) } }
    /// let sync: mapi_sync::sys::IMAPISync = S.into_interface().unwrap();
    /// # drop(sync);
    /// ```
    fn into_interface<I: ComInterface>(self) -> Result<I> {
        Object::new(self).cast::<I>()
    }

    /// Moves `self` into a new COM object and returns the owned handle to it, through
    /// which Rust code reaches the value and the object's interfaces.
    fn into_object(self) -> Object<Self> {
        Object::new(self)
    }
}

/// A pointer to a `'static` vtable, type-erased so one array can hold the vtables of
/// different interfaces.
#[doc(hidden)]
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct VtblPtr(*const c_void);

impl VtblPtr {
    /// Erases the vtable's type.
    pub const fn new<V>(vtbl: &'static V) -> VtblPtr {
        VtblPtr(vtbl as *const V as *const c_void)
    }
}

// SAFETY: a vtable is immutable `'static` data (function pointers), safe to share.
unsafe impl Send for VtblPtr {}
// SAFETY: as above.
unsafe impl Sync for VtblPtr {}
