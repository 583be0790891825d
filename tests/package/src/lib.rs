//! A one-struct store provider built from the packaged crates, as the README writes one:
//! IMAPISync, IMsgStore with its properties, and the exported factory a host calls (the
//! only `unsafe` in it).

use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, Properties, PropValue};
use mapi_sync::sys::{self, IMsgStore_Impl, HRESULT};

/// The store: IMAPISync, and IMsgStore with IMAPIProp from `Properties`.
#[mapi_sync_provider(IMsgStore, properties)]
pub struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        progress.step("Inbox", 1, 1)?;
        Ok(())
    }
}

impl IMsgStore_Impl for Store {}

impl Properties for Store {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        answer(&[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Packaged"))?]);
        Ok(())
    }
}

/// The store's IUnknown, one reference, in `*out`.
///
/// # Safety
/// `out` must be null or writable.
#[no_mangle]
pub unsafe extern "system" fn Packaged_Create(out: *mut *mut std::ffi::c_void) -> HRESULT {
    if out.is_null() {
        return sys::E_POINTER;
    }
    // SAFETY: non-null and writable (the caller's contract); the reference moves to it.
    unsafe { *out = sys::Interface::into_raw(Object::new(Store).into_unknown()) };
    sys::S_OK
}
