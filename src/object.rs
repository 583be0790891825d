//! The COM object `#[mapi_sync_provider]` puts a provider in: vtable pointers, reference
//! count, `QueryInterface`.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU32, Ordering};

use crate::sys::{
    ComInterface, ComObject, IID_IMAPISync, IID_IUnknown, IUnknown, Interface, E_NOINTERFACE,
    E_POINTER, GUID, HRESULT, S_OK,
};
use crate::{Error, Result};

/// A type made into an Outlook store COM object by
/// [`#[mapi_sync_provider]`](crate::mapi_sync_provider). Do not implement it by hand: its
/// hidden items describe the object's vtables, and the attribute is what keeps them right.
///
/// # Safety
/// `VTABLES` must hold, at index 0, an `IMAPISync` vtable built for `ComObj<Self>` at
/// offset 0, and at every index `k` that `interface_slot` returns, the vtable of the
/// interface(s) that index answers, built for `ComObj<Self>` at offset `k`.
pub unsafe trait ComProvider: Sized + Send + Sync + 'static {
    #[doc(hidden)]
    type Vtables: AsRef<[VtblPtr]> + Send + Sync + 'static;
    #[doc(hidden)]
    const VTABLES: Self::Vtables;
    #[doc(hidden)]
    /// The vtable slot (1 or more) answering `iid` among the interfaces listed in the
    /// attribute. `IID_IUnknown` and `IID_IMAPISync` (slot 0) are answered by the runtime.
    fn interface_slot(iid: &GUID) -> Option<usize>;

    /// Moves `self` into a new COM object (reference count 1) and returns its `IUnknown`,
    /// which is also its `IMAPISync` pointer. Drop the `IUnknown` (or `Release` the raw
    /// pointer) to give the reference up; the value is dropped with the last reference.
    fn into_unknown(self) -> IUnknown {
        let raw = ComObj::create(self);
        // SAFETY: `create` returns a live object with one reference, which we hand over;
        // its first slot is an IUnknown-compatible (IMAPISync) vtable pointer.
        unsafe { IUnknown::from_raw(raw.as_ptr().cast()) }.expect("Box::into_raw is never null")
    }

    /// Like [`into_unknown`](ComProvider::into_unknown), then `QueryInterface` for `I`.
    ///
    /// ```
    /// # use mapi_sync::prelude::*;
    /// # #[mapi_sync_provider] struct S;
    /// # impl SyncProvider for S { fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> { Ok(()) } }
    /// let sync: mapi_sync::sys::IMAPISync = S.into_interface().unwrap();
    /// # drop(sync);
    /// ```
    fn into_interface<I: ComInterface>(self) -> Result<I> {
        self.into_unknown().cast::<I>().map_err(Error::new)
    }

    /// A new reference to the COM object that `self` lives in, as `IUnknown`. For raw-mode
    /// providers that start their own thread from `SynchronizeInBackground` and must keep
    /// the object alive.
    ///
    /// # Safety
    /// `self` must be the value inside a COM object made by
    /// [`into_unknown`](ComProvider::into_unknown) (or `into_interface`) that is alive for
    /// this call, as it is inside any method COM calls on the object. Calling it on a value
    /// that was never moved into a COM object is undefined behaviour.
    unsafe fn to_unknown(&self) -> IUnknown {
        // SAFETY: forwarded from the caller: `self` is the `value` of a live `ComObj<Self>`.
        let object = unsafe { ComObj::<Self>::containing(self) };
        object.add_ref();
        // SAFETY: the AddRef above is the reference handed over.
        unsafe { IUnknown::from_raw(object.header.this.cast_mut().cast()) }
            .expect("an object's own pointer is never null")
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

/// The reference count at or above which it is pinned (see the crate docs).
const SATURATION_LIMIT: u32 = 0x8000_0000;
/// Where a pinned count is parked: 2³⁰ steps from both the limit and wrapping around.
const SATURATED: u32 = 0xC000_0000;

/// Everything before the provider's value: the vtable pointers (first, so slot `k` is at
/// offset `k` pointers and slot 0 is the object's identity), the object's own address and
/// the reference count.
#[repr(C)]
struct Header<V> {
    vtables: V,
    /// The pointer `Box::into_raw` returned. Interface pointers and the final
    /// `Box::from_raw` are derived from it, so they carry the whole allocation's provenance
    /// rather than that of some shorter-lived reference.
    this: *const c_void,
    refs: AtomicU32,
}

/// The COM object of a provider `T`: `#[repr(C)]`, vtable pointers first, then the
/// runtime's bookkeeping, then the provider's value. Its field names are private to this
/// crate, so they cannot collide with anything the provider's author writes.
#[doc(hidden)]
#[repr(C)]
pub struct ComObj<T: ComProvider> {
    header: Header<T::Vtables>,
    value: T,
}

// SAFETY: `header.this` points at the object itself, vtables are immutable, the count is
// atomic, and `T: Send + Sync` (ComProvider's supertraits); the object may be used and
// dropped on any thread.
unsafe impl<T: ComProvider> Send for ComObj<T> {}
// SAFETY: as above.
unsafe impl<T: ComProvider> Sync for ComObj<T> {}

impl<T: ComProvider> ComObj<T> {
    /// Allocates the object with one reference.
    fn create(value: T) -> NonNull<ComObj<T>> {
        let raw = Box::into_raw(Box::new(ComObj {
            header: Header {
                vtables: T::VTABLES,
                this: std::ptr::null(),
                refs: AtomicU32::new(1),
            },
            value,
        }));
        // SAFETY: `raw` is the fresh, exclusively owned allocation.
        unsafe { (*raw).header.this = raw as *const c_void };
        // SAFETY: Box::into_raw is never null.
        unsafe { NonNull::new_unchecked(raw) }
    }

    /// The provider's value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Where `value` sits: right after the header, rounded up to `T`'s alignment, as
    /// `#[repr(C)]` lays it out.
    const VALUE_OFFSET: usize = {
        let header = std::mem::size_of::<Header<T::Vtables>>();
        let align = std::mem::align_of::<T>();
        header.div_ceil(align) * align
    };

    /// The object whose `value` is `value`.
    ///
    /// # Safety
    /// `value` must be the `value` field of a live `ComObj<T>`.
    unsafe fn containing(value: &T) -> &ComObj<T> {
        // SAFETY: caller's contract; `VALUE_OFFSET` is the field's offset under repr(C).
        unsafe {
            &*(value as *const T)
                .cast::<u8>()
                .sub(Self::VALUE_OFFSET)
                .cast::<ComObj<T>>()
        }
    }

    /// The interface pointer of vtable slot `slot`, if there is one.
    fn slot_pointer(&self, slot: usize) -> Option<*mut c_void> {
        let count = self.header.vtables.as_ref().len();
        if slot >= count {
            return None;
        }
        // SAFETY: `header.this` is this object's address with the allocation's provenance;
        // the vtables array is at offset 0 and `slot` is in bounds.
        Some(
            unsafe { self.header.this.cast::<VtblPtr>().add(slot) }
                .cast_mut()
                .cast(),
        )
    }

    /// The current reference count (tests and diagnostics; racy by nature).
    pub fn ref_count(&self) -> u32 {
        self.header.refs.load(Ordering::Relaxed)
    }

    /// Sets the reference count (unit tests of the saturation only).
    #[cfg(test)]
    pub(crate) fn set_ref_count(&self, n: u32) {
        self.header.refs.store(n, Ordering::Relaxed)
    }
}

// SAFETY: ComObj is #[repr(C)] with its vtable pointers at offsets 0..N (one per slot),
// built by the macro for exactly those offsets (ComProvider's contract), and the count
// follows COM's rules below.
unsafe impl<T: ComProvider> ComObject for ComObj<T> {
    type Impl = T;

    fn implementation(&self) -> &T {
        &self.value
    }

    unsafe fn query_interface(&self, iid: *const GUID, out: *mut *mut c_void) -> HRESULT {
        if out.is_null() {
            return E_POINTER;
        }
        if iid.is_null() {
            // SAFETY: `out` is non-null and, per COM, points at writable storage.
            unsafe { out.write(std::ptr::null_mut()) };
            return E_POINTER;
        }
        // SAFETY: non-null and, per COM, pointing at a GUID.
        let iid = unsafe { &*iid };
        let slot = if *iid == IID_IUnknown || *iid == IID_IMAPISync {
            Some(0)
        } else {
            T::interface_slot(iid)
        };
        match slot.and_then(|k| self.slot_pointer(k)) {
            Some(p) => {
                self.add_ref();
                // SAFETY: as above.
                unsafe { out.write(p) };
                S_OK
            }
            None => {
                // SAFETY: as above.
                unsafe { out.write(std::ptr::null_mut()) };
                E_NOINTERFACE
            }
        }
    }

    fn add_ref(&self) -> u32 {
        // Relaxed, as for Arc: a new reference can only be made from an existing one, which
        // already orders everything before it.
        let old = self.header.refs.fetch_add(1, Ordering::Relaxed);
        if old >= SATURATION_LIMIT {
            // Only a reference leak gets here. Pin the count far from both the limit and
            // zero; the object is leaked from now on (see the crate docs).
            self.header.refs.store(SATURATED, Ordering::Relaxed);
            return SATURATED;
        }
        old + 1
    }

    unsafe fn release(this: *const Self) -> u32 {
        // SAFETY: the caller owns a reference, so the object is alive.
        let object = unsafe { &*this };
        let old = object.header.refs.fetch_sub(1, Ordering::Release);
        if old >= SATURATION_LIMIT {
            object.header.refs.store(SATURATED, Ordering::Relaxed);
            return SATURATED;
        }
        if old != 1 {
            return old - 1;
        }
        // The last reference: make every other thread's use of the object (their Release
        // decrements) happen before the drop.
        fence(Ordering::Acquire);
        let owned = object.header.this as *mut ComObj<T>;
        // SAFETY: the count reached zero, so nobody else holds a reference; `owned` is the
        // pointer `Box::into_raw` returned in `create`, freed exactly once, here.
        drop(unsafe { Box::from_raw(owned) });
        0
    }
}

/// An owned reference to a `ComObj<T>` that Rust code holds (the sync thread's).
pub(crate) struct ObjRef<T: ComProvider>(NonNull<ComObj<T>>);

impl<T: ComProvider> ObjRef<T> {
    /// Takes a new reference (`AddRef`).
    pub(crate) fn new(object: &ComObj<T>) -> ObjRef<T> {
        object.add_ref();
        ObjRef(
            NonNull::new(object.header.this as *mut ComObj<T>)
                .expect("an object's own pointer is never null"),
        )
    }

    pub(crate) fn value(&self) -> &T {
        // SAFETY: we own a reference, so the object is alive.
        unsafe { &self.0.as_ref().value }
    }
}

impl<T: ComProvider> Drop for ObjRef<T> {
    fn drop(&mut self) {
        // SAFETY: we own one reference and give it up, once.
        unsafe { ComObj::release(self.0.as_ptr()) };
    }
}

// SAFETY: the object is Send + Sync (see ComObj) and the reference count is atomic.
unsafe impl<T: ComProvider> Send for ObjRef<T> {}
// SAFETY: as above.
unsafe impl<T: ComProvider> Sync for ObjRef<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::sys::IMAPISync;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[mapi_sync_provider]
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl SyncProvider for Counted {
        fn synchronize(&self, _: &SyncRequest, _: &Progress) -> crate::Result<()> {
            Ok(())
        }
    }

    fn object_of(unknown: &IUnknown) -> &ComObj<Counted> {
        // SAFETY: made by into_unknown, alive while `unknown` is.
        unsafe { &*(unknown.as_raw() as *const ComObj<Counted>) }
    }

    #[test]
    fn value_offset_matches_the_layout() {
        let drops = Arc::new(AtomicUsize::new(0));
        let unknown = Counted(drops.clone()).into_unknown();
        let object = object_of(&unknown);
        // SAFETY: `object.value` is the value of a live ComObj.
        let back = unsafe { ComObj::<Counted>::containing(&object.value) };
        assert!(std::ptr::eq(back, object));
        // SAFETY: `object.value` lives in a COM object.
        let again = unsafe { object.value().to_unknown() };
        assert_eq!(again.as_raw(), unknown.as_raw());
        assert_eq!(object.ref_count(), 2);
        drop(again);
        drop(unknown);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn count_saturates_instead_of_wrapping() {
        let drops = Arc::new(AtomicUsize::new(0));
        let unknown = Counted(drops.clone()).into_unknown();
        let object = object_of(&unknown);
        object.set_ref_count(SATURATION_LIMIT - 1);
        assert_eq!(object.add_ref(), SATURATION_LIMIT);
        // Past the limit: pinned.
        assert_eq!(object.add_ref(), SATURATED);
        assert_eq!(object.ref_count(), SATURATED);
        // SAFETY: we "own" one of the (pretend) references.
        assert_eq!(unsafe { ComObj::release(object) }, SATURATED);
        assert_eq!(object.ref_count(), SATURATED);
        drop(unknown);
        // Leaked on purpose: never dropped.
        assert_eq!(drops.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn interface_pointers_come_from_the_slots() {
        let drops = Arc::new(AtomicUsize::new(0));
        let unknown = Counted(drops.clone()).into_unknown();
        let sync: IMAPISync = unknown.cast().unwrap();
        assert_eq!(sync.as_raw(), unknown.as_raw());
        assert!(object_of(&unknown).slot_pointer(1).is_none());
        drop((sync, unknown));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
