//! [`This`]: the field through which an object's own methods reach their object.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, Ordering};

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
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> This<T> {
    /// An empty back reference, to put in the struct before it becomes an object.
    pub const fn new() -> This<T> {
        This {
            object: AtomicPtr::new(std::ptr::null_mut()),
            _type: std::marker::PhantomData,
        }
    }
}

impl<T: ComClass> This<T> {
    pub(super) fn set(&self, object: *const c_void) {
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
