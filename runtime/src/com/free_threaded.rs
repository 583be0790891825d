//! [`FreeThreaded`]: an interface pointer that may cross threads.

use std::ops::Deref;

use crate::sys::Interface;

/// An owned interface pointer that is `Send` and `Sync`, for a provider to keep what MAPI
/// hands it (the `IMAPISupport` object, the session) in its `Send + Sync` struct or move
/// it into its sync thread.
///
/// The generated interface types are neither `Send` nor `Sync`, because nothing in a
/// vtable says whether the object behind it may be called from another thread. Wrapping
/// one is the author's promise that it may: that the object is *free-threaded*. The
/// objects MAPI itself implements and hands to providers (`IMAPISupport`,
/// `IMAPISession`, the objects they return) are; an object from elsewhere is only if its
/// author says so. Under MAPI's rules the thread that calls it must also have initialized
/// MAPI where MAPI asks for that (`MAPIInitialize`): do it in
/// [`SyncProvider::enter_sync_thread`](crate::SyncProvider::enter_sync_thread) for the
/// sync thread.
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::{sys, FreeThreaded};
///
/// #[mapi_sync_provider]
/// struct Store {
///     session: Option<FreeThreaded<sys::IUnknown>>,
/// }
/// # impl SyncProvider for Store { fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> { Ok(()) } }
/// ```
#[derive(Clone)]
#[repr(transparent)]
pub struct FreeThreaded<I: Interface>(I);

impl<I: Interface> FreeThreaded<I> {
    /// Wraps `interface`.
    ///
    /// # Safety
    /// The object behind `interface` must be free-threaded: callable from any thread,
    /// including at the same time, and releasable on any thread.
    pub unsafe fn new(interface: I) -> FreeThreaded<I> {
        FreeThreaded(interface)
    }

    /// The interface pointer, no longer marked as free-threaded.
    pub fn into_inner(self) -> I {
        self.0
    }
}

impl<I: Interface> Deref for FreeThreaded<I> {
    type Target = I;

    fn deref(&self) -> &I {
        &self.0
    }
}

impl<I: Interface> std::fmt::Debug for FreeThreaded<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FreeThreaded")
            .field(&self.0.as_raw())
            .finish()
    }
}

// SAFETY: `new`'s contract: the object may be called and released from any thread.
unsafe impl<I: Interface> Send for FreeThreaded<I> {}
// SAFETY: as above, at the same time too.
unsafe impl<I: Interface> Sync for FreeThreaded<I> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::ComInterface as _;
    use crate::sys::{IMAPISync, IUnknown};
    use crate::{Object, Progress, SyncProvider, SyncRequest};
    use mapi_sync_macros::mapi_sync_provider;

    #[mapi_sync_provider(crate = crate)]
    struct Store;

    impl SyncProvider for Store {
        fn synchronize(&self, _: &SyncRequest, _: &Progress) -> crate::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_free_threaded_pointer_crosses_threads_and_keeps_its_count() {
        let object = Object::new(Store);
        // SAFETY: objects of this runtime are free-threaded (atomic count, Sync value).
        let shared: FreeThreaded<IUnknown> = unsafe { FreeThreaded::new(object.to_unknown()) };
        let copy = shared.clone();
        assert_eq!(object.ref_count(), 3);
        let raw = std::thread::spawn(move || {
            let sync: IMAPISync = copy.cast().unwrap();
            sync.as_raw() as usize
        })
        .join()
        .unwrap();
        assert_eq!(raw, shared.as_raw() as usize);
        assert_eq!(object.ref_count(), 2);
        drop(shared.into_inner());
        assert_eq!(object.ref_count(), 1);
    }
}
