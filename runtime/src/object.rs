//! The COM object `#[mapi_sync_provider]` and `#[mapi_object]` put a value in: vtable
//! pointers, reference count, `QueryInterface`; the owned handle [`Object`] and the back
//! reference [`This`].

use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicBool, AtomicU32, Ordering};

use crate::sys::{
    ComInterface, ComObject, IUnknown, Interface, E_NOINTERFACE, E_POINTER, GUID, HRESULT, S_OK,
};
use crate::{Error, Result};

/// A type made into a COM object by [`#[mapi_sync_provider]`](../mapi_sync/attr.mapi_sync_provider.html)
/// (a store answering `IMAPISync`) or [`#[mapi_object]`](../mapi_sync/attr.mapi_object.html) (any
/// interfaces). Do not implement it by hand: its hidden items describe the object's
/// vtables, and the attribute is what keeps them right.
///
/// # Safety
/// `VTABLES` must hold at every index `k` that `interface_slot` returns the vtable of
/// the interface(s) that index answers, built for `ComObj<Self>` at offset `k`;
/// `interface_slot(IID_IUnknown)` must be `Some(0)`; `this_field` must return a field of
/// the value.
pub unsafe trait ComProvider: Sized + Send + Sync + 'static {
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

    /// Like [`into_unknown`](ComProvider::into_unknown), then the interface `I`.
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

/// The reference count at or above which it is pinned (see the crate docs).
const SATURATION_LIMIT: u32 = 0x8000_0000;
/// Where a pinned count is parked: 2³⁰ steps from the limit, 2²⁹ from `DESTROYING`.
const SATURATED: u32 = 0xC000_0000;
/// The count while the value is being dropped: AddRef and Release leave it alone (a
/// `Drop` that touches its own object cannot free it again) and [`This::object`] refuses.
const DESTROYING: u32 = 0xE000_0000;

/// Everything before the provider's value: the vtable pointers (first, so slot `k` is at
/// offset `k` pointers and slot 0 is the object's identity), the object's own address and
/// the reference count.
#[doc(hidden)]
#[repr(C)]
pub struct Header<V> {
    vtables: V,
    /// The pointer `Box::into_raw` returned. Interface pointers and the final
    /// `Box::from_raw` are derived from it, so they carry the whole allocation's provenance
    /// rather than that of some shorter-lived reference.
    this: *const c_void,
    refs: AtomicU32,
    /// Whether a synchronization of a one-at-a-time provider is running.
    syncing: AtomicBool,
}

// `release` drops only the value in place: the header must need no drop.
const _: () = assert!(!std::mem::needs_drop::<Header<[VtblPtr; 4]>>());

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
        crate::module::object_created();
        let raw = Box::into_raw(Box::new(ComObj {
            header: Header {
                vtables: T::VTABLES,
                this: std::ptr::null(),
                refs: AtomicU32::new(1),
                syncing: AtomicBool::new(false),
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
    pub(crate) unsafe fn header<'a>(this: *const Self) -> &'a Header<T::Vtables> {
        // SAFETY: caller's contract; the place is reached without a reference to the
        // whole object.
        unsafe { &*std::ptr::addr_of!((*this).header) }
    }

    /// The value of the object at `this`, borrowed without the bookkeeping.
    ///
    /// # Safety
    /// As for [`header`](ComObj::header).
    unsafe fn value<'a>(this: *const Self) -> &'a T {
        // SAFETY: as above.
        unsafe { &*std::ptr::addr_of!((*this).value) }
    }
}

impl<V: AsRef<[VtblPtr]>> Header<V> {
    /// The interface pointer of vtable slot `slot`, if there is one.
    fn slot_pointer(&self, slot: usize) -> Option<*mut c_void> {
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
    fn add_ref(&self) -> u32 {
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
    fn ref_count(&self) -> u32 {
        self.refs.load(Ordering::Relaxed)
    }

    /// Marks a synchronization of a one-at-a-time provider as running; `false` if one
    /// already is.
    pub(crate) fn begin_sync(&self) -> bool {
        !self.syncing.swap(true, Ordering::AcqRel)
    }

    /// Marks the running synchronization as finished.
    pub(crate) fn end_sync(&self) {
        self.syncing.store(false, Ordering::Release);
    }

    /// Sets the reference count (unit tests of the saturation only).
    #[cfg(test)]
    fn set_ref_count(&self, n: u32) {
        self.refs.store(n, Ordering::Relaxed)
    }
}

// SAFETY: ComObj is #[repr(C)] with its vtable pointers at offsets 0..N (one per slot),
// built by the macro for exactly those offsets (ComProvider's contract), and the count
// follows COM's rules below.
unsafe impl<T: ComProvider> ComObject for ComObj<T> {
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
        let owned = header.this as *mut ComObj<T>;
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
            std::alloc::dealloc(owned.cast(), std::alloc::Layout::new::<ComObj<T>>());
        }
        crate::module::object_dropped();
        0
    }
}

/// An owned, counted handle to a COM object made by this runtime: what Rust code holds
/// where C code would hold an interface pointer.
///
/// - `Deref` reaches the value (`&T`);
/// - [`cast`](Object::cast) gives any interface the object implements, straight from its
///   vtable slots (no `QueryInterface` call);
/// - `Clone` is `AddRef`, `Drop` is `Release`; the value is dropped with the last
///   reference, whether Rust or the host holds it.
///
/// It is `Send` and `Sync` (the value is, by [`ComProvider`]'s bounds, and the count is
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
pub struct Object<T: ComProvider>(NonNull<ComObj<T>>);

impl<T: ComProvider> Object<T> {
    /// Moves `value` into a new COM object with one reference, this handle's. The first
    /// object of a process pins the module (see [`module`](crate::module)).
    pub fn new(value: T) -> Object<T> {
        let object = Object(ComObj::create(value));
        if let Some(this) = T::this_field(&object) {
            this.set(object.header().this);
        }
        object
    }

    /// A handle for an object whose reference someone else owns: no `AddRef` now, no
    /// `Release` when it goes (it is `ManuallyDrop`).
    ///
    /// # Safety
    /// `object` must point at a live `ComObj<T>` with the provenance of the whole
    /// allocation (an interface pointer of the object), alive while the handle is used.
    pub(crate) unsafe fn borrowed(object: *mut ComObj<T>) -> ManuallyDrop<Object<T>> {
        ManuallyDrop::new(Object(
            NonNull::new(object).expect("an interface pointer is never null"),
        ))
    }

    /// The object's bookkeeping.
    pub(crate) fn header(&self) -> &Header<T::Vtables> {
        // SAFETY: the handle owns a reference, so the object is alive.
        unsafe { ComObj::header(self.0.as_ptr()) }
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

    /// The current reference count (diagnostics and tests; racy by nature).
    pub fn ref_count(&self) -> u32 {
        self.header().ref_count()
    }
}

impl<T: ComProvider> Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the handle owns a reference, so the object is alive.
        unsafe { ComObj::value(self.0.as_ptr()) }
    }
}

impl<T: ComProvider> Clone for Object<T> {
    fn clone(&self) -> Object<T> {
        self.header().add_ref();
        Object(self.0)
    }
}

impl<T: ComProvider> Drop for Object<T> {
    fn drop(&mut self) {
        // SAFETY: we own one reference and give it up, once.
        unsafe { ComObj::release(self.0.as_ptr()) };
    }
}

impl<T: ComProvider + std::fmt::Debug> std::fmt::Debug for Object<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Object").field(&**self).finish()
    }
}

// SAFETY: the object is Send + Sync (see ComObj) and the reference count is atomic.
unsafe impl<T: ComProvider> Send for Object<T> {}
// SAFETY: as above.
unsafe impl<T: ComProvider> Sync for Object<T> {}

/// A field through which an object's own methods reach the object: the author's struct
/// declares one (`this: This<Self>`, made with [`This::new`]) and `#[mapi_object]` /
/// `#[mapi_sync_provider]` fill it in when the value is moved into its COM object.
///
/// [`This::object`] then gives a counted [`Object`] handle from `&self`, so a method can
/// hand out the object itself (`OpenEntry` returning the folder as `IMAPIFolder`), or
/// give a child object a handle that keeps its parent alive.
///
/// It holds no reference (a value that held its own object would never be dropped), and
/// it answers `None` while the value is not, or no longer, in a live object: before the
/// value was moved into one, and in its `Drop`.
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::This;
///
/// #[mapi_object(IMAPIAdviseSink)]
/// struct Sink {
///     this: This<Self>,
/// }
/// # impl mapi_sync::sys::IMAPIAdviseSink_Impl for Sink {}
///
/// let sink = Object::new(Sink { this: This::new() });
/// let again: Object<Sink> = sink.this.object().unwrap();
/// assert_eq!(sink.ref_count(), 2);
/// # drop(again);
/// ```
///
/// A child that keeps its parent alive holds an `Object` of it:
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::This;
/// # use mapi_sync::sys::{IMAPIProp_Impl, IMAPIContainer_Impl, IMAPIFolder_Impl, IMessage_Impl};
///
/// #[mapi_object(IMAPIFolder)]
/// struct Folder {
///     this: This<Self>,
/// }
///
/// #[mapi_object(IMessage)]
/// struct Message {
///     folder: Object<Folder>,
/// }
/// # impl IMAPIProp_Impl for Folder {} impl IMAPIContainer_Impl for Folder {} impl IMAPIFolder_Impl for Folder {}
/// # impl IMAPIProp_Impl for Message {} impl IMessage_Impl for Message {}
///
/// impl Folder {
///     /// What OpenEntry hands out for one of the folder's messages.
///     fn open_message(&self) -> Option<Object<Message>> {
///         Some(Object::new(Message { folder: self.this.object()? }))
///     }
/// }
///
/// let folder = Object::new(Folder { this: This::new() });
/// let message = folder.open_message().unwrap();
/// drop(folder); // the message still holds the folder
/// assert_eq!(message.folder.ref_count(), 1);
/// ```
pub struct This<T> {
    /// The object's address (the allocation's provenance), null until it is set.
    object: std::sync::atomic::AtomicPtr<c_void>,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> This<T> {
    /// An empty back reference, to put in the struct before it becomes an object.
    pub const fn new() -> This<T> {
        This {
            object: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
            _type: std::marker::PhantomData,
        }
    }
}

impl<T: ComProvider> This<T> {
    fn set(&self, object: *const c_void) {
        self.object.store(object.cast_mut(), Ordering::Release);
    }

    /// A new counted handle to the object this value lives in, or `None` before the value
    /// is in an object and while the object is being destroyed.
    pub fn object(&self) -> Option<Object<T>> {
        let raw = self.object.load(Ordering::Acquire);
        if raw.is_null() {
            return None;
        }
        // SAFETY: `raw` was set by `Object::new` to the object that holds this value, and
        // `&self` borrows that value, so the object's memory is there (it is freed only
        // after the value is dropped, and the value cannot move out of its object).
        let header = unsafe { ComObj::header(raw.cast::<ComObj<T>>()) };
        let mut n = header.refs.load(Ordering::Relaxed);
        loop {
            if n == 0 || n >= DESTROYING {
                return None;
            }
            match header
                .refs
                .compare_exchange_weak(n, n + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => n = now,
            }
        }
        Some(Object(
            NonNull::new(raw.cast::<ComObj<T>>()).expect("checked non-null above"),
        ))
    }
}

impl<T> Default for This<T> {
    fn default() -> This<T> {
        This::new()
    }
}

impl<T> std::fmt::Debug for This<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("This")
            .field(&self.object.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::IMAPISync;
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

    fn object_of(unknown: &IUnknown) -> *const ComObj<Counted> {
        unknown.as_raw() as *const ComObj<Counted>
    }

    fn header_of(unknown: &IUnknown) -> &Header<<Counted as ComProvider>::Vtables> {
        // SAFETY: made by into_unknown, alive while `unknown` is.
        unsafe { ComObj::header(object_of(unknown)) }
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
        assert_eq!(unsafe { ComObj::release(object_of(&unknown)) }, SATURATED);
        assert_eq!(object.ref_count(), SATURATED);
        let raw = object_of(&unknown);
        drop(unknown);
        // Leaked on purpose: never dropped.
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        // (Put back to one reference and released, so that the test itself leaks
        // nothing for valgrind to report.)
        // SAFETY: the object is still there (pinned); we stand for its only reference.
        unsafe {
            ComObj::header(raw).set_ref_count(1);
            ComObj::release(raw);
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
