//! The memory of a COM object made by this runtime ([`RawObject`]): the vtable pointers
//! first, then the reference count, then the author's value; and `IUnknown` on it (the
//! generated bindings' [`ComObject`](crate::sys::ComObject), which every vtable entry
//! calls into).

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU32, Ordering};

use super::{ComClass, VtblPtr};
use crate::sys::{ComObject, E_NOINTERFACE, E_POINTER, GUID, HRESULT, S_OK};

/// The reference count at or above which it is pinned (see the crate docs).
pub(super) const SATURATION_LIMIT: u32 = 0x8000_0000;
/// Where a pinned count is parked: 2³⁰ steps from the limit, 2²⁹ from `DESTROYING`.
pub(super) const SATURATED: u32 = 0xC000_0000;
/// The count while the value is being dropped: AddRef and Release leave it alone (a
/// `Drop` that touches its own object cannot free it again) and [`This::object`](super::This::object) refuses.
pub(super) const DESTROYING: u32 = 0xE000_0000;

/// Everything before the author's value: the vtable pointers (first, so slot `k` is at
/// offset `k` pointers and slot 0 is the object's identity), the object's own address and
/// the reference count. Nothing else: what one kind of object needs (a one-at-a-time
/// store's running synchronization) is kept by the code that needs it.
#[doc(hidden)]
#[repr(C)]
pub struct Header<V> {
    vtables: V,
    /// The pointer `Box::into_raw` returned. Interface pointers and the final
    /// `Box::from_raw` are derived from it, so they carry the whole allocation's provenance
    /// rather than that of some shorter-lived reference.
    pub(super) this: *const c_void,
    pub(super) refs: AtomicU32,
}

// `release` drops only the value in place: the header must need no drop.
const _: () = assert!(!std::mem::needs_drop::<Header<[VtblPtr; 4]>>());

/// The COM object of an author's type `T`: `#[repr(C)]`, vtable pointers first, then the
/// runtime's bookkeeping, then the provider's value. Its field names are private to this
/// crate, so they cannot collide with anything the provider's author writes.
#[doc(hidden)]
#[repr(C)]
pub struct RawObject<T: ComClass> {
    header: Header<T::Vtables>,
    value: T,
}

// SAFETY: `header.this` points at the object itself, vtables are immutable, the count is
// atomic, and `T: Send + Sync` (ComClass's supertraits); the object may be used and
// dropped on any thread.
unsafe impl<T: ComClass> Send for RawObject<T> {}
// SAFETY: as above.
unsafe impl<T: ComClass> Sync for RawObject<T> {}

impl<T: ComClass> RawObject<T> {
    /// Allocates the object with one reference.
    pub(super) fn create(value: T) -> NonNull<RawObject<T>> {
        crate::module::object_created();
        let raw = Box::into_raw(Box::new(RawObject {
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

    /// The bookkeeping of the object at `this`, borrowed without the value.
    ///
    /// # Safety
    /// `this` must be a live object that stays alive for `'a`.
    pub(super) unsafe fn header<'a>(this: *const Self) -> &'a Header<T::Vtables> {
        // SAFETY: caller's contract; the place is reached without a reference to the
        // whole object.
        unsafe { &*std::ptr::addr_of!((*this).header) }
    }

    /// The value of the object at `this`, borrowed without the bookkeeping.
    ///
    /// # Safety
    /// As for [`header`](RawObject::header).
    pub(super) unsafe fn value<'a>(this: *const Self) -> &'a T {
        // SAFETY: as above.
        unsafe { &*std::ptr::addr_of!((*this).value) }
    }
}

impl<V: AsRef<[VtblPtr]>> Header<V> {
    /// The interface pointer of vtable slot `slot`, if there is one.
    pub(super) fn slot_pointer(&self, slot: usize) -> Option<*mut c_void> {
        let count = self.vtables.as_ref().len();
        if slot >= count {
            return None;
        }
        // SAFETY: `this` is the object's address with the allocation's provenance; the
        // vtables array is at offset 0 and `slot` is in bounds.
        Some(
            unsafe { self.this.cast::<VtblPtr>().add(slot) }
                .cast_mut()
                .cast(),
        )
    }

    /// IUnknown::AddRef.
    pub(super) fn add_ref(&self) -> u32 {
        // Relaxed, as for Arc: a new reference can only be made from an existing one, which
        // already orders everything before it.
        let old = self.refs.fetch_add(1, Ordering::Relaxed);
        if old >= DESTROYING {
            // Being dropped: the count means nothing any more.
            return old + 1;
        }
        if old >= SATURATION_LIMIT {
            // Only a reference leak gets here. Pin the count far from both the limit and
            // zero; the object is leaked from now on (see the crate docs).
            self.refs.store(SATURATED, Ordering::Relaxed);
            return SATURATED;
        }
        old + 1
    }

    /// The current reference count (tests and diagnostics; racy by nature).
    pub(super) fn ref_count(&self) -> u32 {
        self.refs.load(Ordering::Relaxed)
    }

    /// Sets the reference count (unit tests of the saturation only).
    #[cfg(test)]
    fn set_ref_count(&self, n: u32) {
        self.refs.store(n, Ordering::Relaxed)
    }
}

// SAFETY: RawObject is #[repr(C)] with its vtable pointers at offsets 0..N (one per slot),
// built by the macro for exactly those offsets (ComClass's contract), and the count
// follows COM's rules below.
unsafe impl<T: ComClass> ComObject for RawObject<T> {
    type Impl = T;

    unsafe fn implementation<'a>(this: *const Self) -> &'a T {
        // SAFETY: forwarded from the caller.
        unsafe { Self::value(this) }
    }

    unsafe fn query_interface(
        this: *const Self,
        iid: *const GUID,
        out: *mut *mut c_void,
    ) -> HRESULT {
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
        // SAFETY: the caller holds a reference, so the object is alive.
        let header = unsafe { Self::header(this) };
        match T::interface_slot(iid).and_then(|k| header.slot_pointer(k)) {
            Some(p) => {
                header.add_ref();
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

    unsafe fn add_ref(this: *const Self) -> u32 {
        // SAFETY: the caller holds a reference, so the object is alive.
        unsafe { Self::header(this) }.add_ref()
    }

    unsafe fn release(this: *const Self) -> u32 {
        // SAFETY: the caller owns a reference, so the object is alive.
        let header = unsafe { Self::header(this) };
        let old = header.refs.fetch_sub(1, Ordering::Release);
        if old >= DESTROYING {
            return old - 1;
        }
        if old >= SATURATION_LIMIT {
            header.refs.store(SATURATED, Ordering::Relaxed);
            return SATURATED;
        }
        if old != 1 {
            return old - 1;
        }
        // The last reference: make every other thread's use of the object (their Release
        // decrements) happen before the drop.
        fence(Ordering::Acquire);
        // Park the count where AddRef/Release cannot bring it back to zero, so that a
        // `Drop` that makes and gives up a reference to its own object (a back-pointer)
        // cannot free it a second time, and where `This::object` refuses.
        header.refs.store(DESTROYING, Ordering::Relaxed);
        let owned = header.this as *mut RawObject<T>;
        // A `This` that the value's `Drop` moves out must not lead back here once the
        // memory is freed: empty it first.
        // SAFETY: the object is still whole; this shared borrow ends before the drop.
        if let Some(this) = T::this_field(unsafe { Self::value(owned) }) {
            this.set(std::ptr::null());
        }
        // SAFETY: the count reached zero, so nobody else holds a reference; `owned` is the
        // pointer `Box::into_raw` returned in `create` (so allocated by the global
        // allocator with this layout). The value is dropped and the memory freed exactly
        // once, here. Only the value is dropped in place (the header has no drop glue), so
        // that a `Drop` that reaches the header through an interface pointer (AddRef,
        // Release) does not alias the value's exclusive borrow; and the memory is freed
        // through the raw pointer, not a `Box` that would claim it all.
        unsafe {
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*owned).value));
            std::alloc::dealloc(owned.cast(), std::alloc::Layout::new::<RawObject<T>>());
        }
        crate::module::object_dropped();
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{ComInterface as _, IMAPISync, IUnknown, Interface as _};
    use crate::{Error, Object};
    use crate::{Progress, SyncProvider, SyncRequest};
    use mapi_sync_macros::mapi_sync_provider;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[mapi_sync_provider(crate = crate)]
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

    fn object_of(unknown: &IUnknown) -> *const RawObject<Counted> {
        unknown.as_raw() as *const RawObject<Counted>
    }

    fn header_of(unknown: &IUnknown) -> &Header<<Counted as ComClass>::Vtables> {
        // SAFETY: made by into_unknown, alive while `unknown` is.
        unsafe { RawObject::header(object_of(unknown)) }
    }

    #[test]
    fn an_object_handle_reaches_the_value_and_the_interfaces() {
        let drops = Arc::new(AtomicUsize::new(0));
        let object = Object::new(Counted(drops.clone()));
        let unknown = object.to_unknown();
        assert!(std::ptr::eq(object_of(&unknown), object.0.as_ptr()));
        assert_eq!(object.ref_count(), 2);
        let sync: IMAPISync = object.cast().unwrap();
        assert_eq!(sync.as_raw(), unknown.as_raw());
        assert_eq!(
            object.cast::<crate::sys::IMsgStore>().err(),
            Some(Error::new(E_NOINTERFACE))
        );
        let again = object.clone();
        assert_eq!(object.ref_count(), 4);
        // The handle can go to another thread and drop the object there.
        std::thread::spawn(move || drop(again)).join().unwrap();
        drop((sync, unknown));
        assert_eq!(object.ref_count(), 1);
        assert_eq!((*object).0.load(Ordering::SeqCst), 0);
        let last = object.into_unknown();
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(last);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    /// Holds a raw pointer to its own object and touches it while being dropped.
    #[mapi_sync_provider(crate = crate)]
    struct SelfReferencing {
        me: std::sync::atomic::AtomicPtr<c_void>,
        drops: Arc<AtomicUsize>,
    }

    impl SyncProvider for SelfReferencing {
        fn synchronize(&self, _: &SyncRequest, _: &Progress) -> crate::Result<()> {
            Ok(())
        }
    }

    impl Drop for SelfReferencing {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
            let me = self.me.load(Ordering::SeqCst);
            // SAFETY: the object is being destroyed but its memory is still there; a
            // borrowed IUnknown that is cloned (AddRef) and dropped (Release) is the
            // pattern of a weak back-pointer.
            if let Some(unknown) = unsafe { IUnknown::from_raw_borrowed(&me) } {
                drop(unknown.clone());
            }
        }
    }

    #[test]
    fn a_drop_that_adds_and_releases_a_reference_frees_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let object = Object::new(SelfReferencing {
            me: Default::default(),
            drops: drops.clone(),
        });
        let raw = object.to_unknown().into_raw();
        object.me.store(raw, Ordering::SeqCst);
        // SAFETY: the reference `to_unknown` made, given back once.
        drop(unsafe { IUnknown::from_raw(raw) });
        drop(object);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn count_saturates_instead_of_wrapping() {
        let drops = Arc::new(AtomicUsize::new(0));
        let unknown = Counted(drops.clone()).into_unknown();
        let object = header_of(&unknown);
        object.set_ref_count(SATURATION_LIMIT - 1);
        assert_eq!(object.add_ref(), SATURATION_LIMIT);
        // Past the limit: pinned.
        assert_eq!(object.add_ref(), SATURATED);
        assert_eq!(object.ref_count(), SATURATED);
        // SAFETY: we "own" one of the (pretend) references.
        assert_eq!(
            unsafe { RawObject::release(object_of(&unknown)) },
            SATURATED
        );
        assert_eq!(object.ref_count(), SATURATED);
        let raw = object_of(&unknown);
        drop(unknown);
        // Leaked on purpose: never dropped.
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        // (Put back to one reference and released, so that the test itself leaks
        // nothing for valgrind to report.)
        // SAFETY: the object is still there (pinned); we stand for its only reference.
        unsafe {
            RawObject::header(raw).set_ref_count(1);
            RawObject::release(raw);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn interface_pointers_come_from_the_slots() {
        let drops = Arc::new(AtomicUsize::new(0));
        let unknown = Counted(drops.clone()).into_unknown();
        let sync: IMAPISync = unknown.cast().unwrap();
        assert_eq!(sync.as_raw(), unknown.as_raw());
        assert!(header_of(&unknown).slot_pointer(1).is_none());
        assert!(header_of(&unknown).slot_pointer(0).is_some());
        drop((sync, unknown));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
