//! [`Object`]: the owned, counted handle through which Rust code holds a COM object made
//! by this runtime.

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;

use super::raw::Header;
use super::{ComClass, RawObject};
use crate::sys::{ComInterface, ComObject, IUnknown, Interface, E_NOINTERFACE};
use crate::{Error, Result};

/// An owned, counted handle to a COM object made by this runtime: what Rust code holds
/// where C code would hold an interface pointer.
///
/// - `Deref` reaches the value (`&T`);
/// - [`cast`](Object::cast) gives any interface the object implements, straight from its
///   vtable slots (no `QueryInterface` call);
/// - `Clone` is `AddRef`, `Drop` is `Release`; the value is dropped with the last
///   reference, whether Rust or the host holds it.
///
/// It is `Send` and `Sync` (the value is, by [`ComClass`]'s bounds, and the count is
/// atomic), so it may be moved into a thread, as raw-mode providers do.
///
/// ```
/// use mapi_sync::prelude::*;
/// # #[mapi_sync_provider] struct Store { name: String }
/// # impl SyncProvider for Store { fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> { Ok(()) } }
/// let store = Object::new(Store { name: "Local".into() });
/// assert_eq!(store.name, "Local");
/// let sync: mapi_sync::sys::IMAPISync = store.cast().unwrap();
/// assert_eq!(store.ref_count(), 2);
/// # drop(sync);
/// ```
pub struct Object<T: ComClass>(pub(super) NonNull<RawObject<T>>);

impl<T: ComClass> Object<T> {
    /// Moves `value` into a new COM object with one reference, this handle's. The first
    /// object of a process pins the module (see [`module`](crate::module)).
    pub fn new(value: T) -> Object<T> {
        let object = Object(RawObject::create(value));
        if let Some(this) = T::this_field(&object) {
            this.set(object.header().this);
        }
        object
    }

    /// A handle for an object whose reference someone else owns: no `AddRef` now, no
    /// `Release` when it goes (it is `ManuallyDrop`).
    ///
    /// # Safety
    /// `object` must point at a live `RawObject<T>` with the provenance of the whole
    /// allocation (an interface pointer of the object), alive while the handle is used.
    pub(crate) unsafe fn borrowed(object: *mut RawObject<T>) -> ManuallyDrop<Object<T>> {
        ManuallyDrop::new(Object(
            NonNull::new(object).expect("an interface pointer is never null"),
        ))
    }

    /// The object's bookkeeping.
    pub(super) fn header(&self) -> &Header<T::Vtables> {
        // SAFETY: the handle owns a reference, so the object is alive.
        unsafe { RawObject::header(self.0.as_ptr()) }
    }

    /// A new reference to the object's `IUnknown` (which is also its `IMAPISync`).
    pub fn to_unknown(&self) -> IUnknown {
        self.header().add_ref();
        // SAFETY: slot 0 is at the object's address and is an IUnknown-compatible
        // vtable pointer; the AddRef above is the reference handed over.
        unsafe { IUnknown::from_raw(self.0.as_ptr().cast()) }
            .expect("an object's address is never null")
    }

    /// This handle's reference, as the object's `IUnknown`.
    pub fn into_unknown(self) -> IUnknown {
        let this = ManuallyDrop::new(self);
        // SAFETY: as in `to_unknown`; the handle's own reference moves to the IUnknown.
        unsafe { IUnknown::from_raw(this.0.as_ptr().cast()) }
            .expect("an object's address is never null")
    }

    /// A new reference to interface `I`, if the object implements it (one of the
    /// interfaces its attribute lists, one of their bases, `IUnknown` or `IMAPISync`);
    /// `E_NOINTERFACE` otherwise. Reads the object's own vtable slots: no
    /// `QueryInterface` call.
    pub fn cast<I: ComInterface>(&self) -> Result<I> {
        let header = self.header();
        let slot = T::interface_slot(&I::IID)
            .and_then(|k| header.slot_pointer(k))
            .ok_or_else(|| Error::new(E_NOINTERFACE))?;
        header.add_ref();
        // SAFETY: `slot` is the object's vtable slot for `I` (the macro built it for that
        // interface), and the AddRef above is the reference handed over.
        Ok(unsafe { I::from_raw(slot) }.expect("a slot pointer is never null"))
    }

    /// The object's address: its identity while a reference is held.
    pub(crate) fn address(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// The current reference count (diagnostics and tests; racy by nature).
    pub fn ref_count(&self) -> u32 {
        self.header().ref_count()
    }
}

impl<T: ComClass> Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the handle owns a reference, so the object is alive.
        unsafe { RawObject::value(self.0.as_ptr()) }
    }
}

impl<T: ComClass> Clone for Object<T> {
    fn clone(&self) -> Object<T> {
        self.header().add_ref();
        Object(self.0)
    }
}

impl<T: ComClass> Drop for Object<T> {
    fn drop(&mut self) {
        // SAFETY: we own one reference and give it up, once.
        unsafe { RawObject::release(self.0.as_ptr()) };
    }
}

impl<T: ComClass + std::fmt::Debug> std::fmt::Debug for Object<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Object").field(&**self).finish()
    }
}

// SAFETY: the object is Send + Sync (see RawObject) and the reference count is atomic.
unsafe impl<T: ComClass> Send for Object<T> {}
// SAFETY: as above.
unsafe impl<T: ComClass> Sync for Object<T> {}
