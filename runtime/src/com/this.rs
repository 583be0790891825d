//! [`This`]: the field through which an object's own methods reach their object.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::raw::DESTROYING;
use super::{ComClass, Object, RawObject};

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
    object: AtomicPtr<c_void>,
    /// What [`This::downgrade`]'s handles share: the same address, behind a lock that the
    /// last `Release` takes to empty it before the memory goes (made on first use).
    shared: OnceLock<Arc<Slot>>,
    _type: std::marker::PhantomData<fn() -> T>,
}

/// The address a [`WeakObject`] reaches its object by; null once the object is being
/// destroyed. Its lock is held while a handle upgrades, and by the last `Release` while
/// it empties the slot, so the memory cannot go while a handle reads the count.
struct Slot(Mutex<Addr>);

/// An object's address, with its provenance, as a slot keeps it.
struct Addr(*mut c_void);

// SAFETY: the address is only followed under the slot's lock, while the object's memory
// is known to be allocated (see `WeakObject::upgrade`); moving or sharing the address
// itself between threads is harmless.
unsafe impl Send for Addr {}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Addr> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A handle that does not keep its object alive (a weak reference):
/// [`upgrade`](WeakObject::upgrade) gives a counted [`Object`] while the object lives,
/// `None` once its last reference went. Made by [`This::downgrade`]; `Send` and `Sync`, so a registry
/// of open objects (a provider's list of open stores) may keep them.
pub struct WeakObject<T> {
    slot: Arc<Slot>,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for WeakObject<T> {
    fn clone(&self) -> Self {
        WeakObject {
            slot: self.slot.clone(),
            _type: std::marker::PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for WeakObject<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WeakObject")
            .field(&self.slot.lock().0)
            .finish()
    }
}

impl<T: ComClass> WeakObject<T> {
    /// A counted handle to the object, or `None` once it is being destroyed.
    pub fn upgrade(&self) -> Option<Object<T>> {
        let guard = self.slot.lock();
        let raw = guard.0;
        if raw.is_null() {
            return None;
        }
        // SAFETY: the slot holds the object's address until the last Release empties it,
        // which it does under this lock before the value is dropped and the memory freed:
        // while the guard is held, the memory is there.
        unsafe { add_ref_if_alive::<T>(raw) }
    }
}

/// A counted handle to the object at `raw` if its count is not zero (nor parked for
/// destruction): the count goes up only from a live value, never back from zero.
///
/// # Safety
/// `raw` must be the address of a `RawObject<T>` whose memory stays allocated for the
/// call.
unsafe fn add_ref_if_alive<T: ComClass>(raw: *mut c_void) -> Option<Object<T>> {
    // SAFETY: the caller's contract.
    let header = unsafe { RawObject::header(raw.cast::<RawObject<T>>()) };
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
        NonNull::new(raw.cast::<RawObject<T>>()).expect("checked non-null above"),
    ))
}

impl<T> This<T> {
    /// An empty back reference, to put in the struct before it becomes an object.
    pub const fn new() -> This<T> {
        This {
            object: AtomicPtr::new(std::ptr::null_mut()),
            shared: OnceLock::new(),
            _type: std::marker::PhantomData,
        }
    }
}

impl<T: ComClass> This<T> {
    pub(super) fn set(&self, object: *const c_void) {
        self.object.store(object.cast_mut(), Ordering::Release);
        if let Some(slot) = self.shared.get() {
            // Under the slot's lock: a handle upgrading now finishes before the memory goes.
            slot.lock().0 = object.cast_mut();
        }
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
        unsafe { add_ref_if_alive(raw) }
    }

    /// A handle to the object this value lives in that does not keep it alive
    /// ([`WeakObject`]); it upgrades to `None` before the value is in an object and once
    /// the object is being destroyed.
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
    /// let weak = sink.this.downgrade();
    /// assert_eq!(sink.ref_count(), 1); // not counted
    /// assert!(weak.upgrade().is_some());
    /// drop(sink);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakObject<T> {
        let slot = self.shared.get_or_init(|| {
            // The address as set now; later `set`s update the slot too.
            Arc::new(Slot(Mutex::new(Addr(std::ptr::null_mut()))))
        });
        {
            let mut held = slot.lock();
            if held.0.is_null() {
                held.0 = self.object.load(Ordering::Acquire);
            }
        }
        WeakObject {
            slot: slot.clone(),
            _type: std::marker::PhantomData,
        }
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
    use crate::{Progress, SyncProvider, SyncRequest};
    use mapi_sync_macros::mapi_sync_provider;
    use std::sync::atomic::AtomicUsize;

    /// An object that knows itself, and counts its drops.
    #[mapi_sync_provider(crate = crate)]
    struct Known {
        this: This<Self>,
        drops: Arc<AtomicUsize>,
    }

    impl Drop for Known {
        fn drop(&mut self) {
            // While it is being destroyed, a weak handle made now leads nowhere.
            assert!(self.this.downgrade().upgrade().is_none());
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl SyncProvider for Known {
        fn synchronize(&self, _: &SyncRequest, _: &Progress) -> crate::Result<()> {
            Ok(())
        }
    }

    fn known(drops: &Arc<AtomicUsize>) -> Object<Known> {
        Object::new(Known {
            this: This::new(),
            drops: drops.clone(),
        })
    }

    #[test]
    fn a_weak_handle_does_not_keep_its_object_and_upgrades_only_while_it_lives() {
        let drops = Arc::new(AtomicUsize::new(0));
        let object = known(&drops);
        let weak = object.this.downgrade();
        let again = weak.clone();
        assert_eq!(object.ref_count(), 1);
        let strong = weak.upgrade().unwrap();
        assert_eq!(object.ref_count(), 2);
        drop((strong, object));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(weak.upgrade().is_none());
        assert!(again.upgrade().is_none());
        // Before its value is in an object, a This has nothing to lead to.
        let loose: This<Known> = This::new();
        assert!(loose.downgrade().upgrade().is_none());
    }

    #[test]
    fn upgrading_while_the_last_reference_goes_never_revives_or_outlives_the_object() {
        let rounds = if cfg!(miri) { 8 } else { 200 };
        for _ in 0..rounds {
            let drops = Arc::new(AtomicUsize::new(0));
            let object = known(&drops);
            let weak = object.this.downgrade();
            let racer = std::thread::spawn(move || {
                let mut seen = 0;
                for _ in 0..20 {
                    if let Some(o) = weak.upgrade() {
                        seen += 1;
                        drop(o);
                    }
                }
                (seen, weak)
            });
            drop(object);
            let (_, weak) = racer.join().unwrap();
            // Dropped exactly once, and gone for good.
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert!(weak.upgrade().is_none());
        }
    }
}
