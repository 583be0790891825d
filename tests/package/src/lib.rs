//! A one-struct store provider built from the packaged crates: IMAPISync, IMsgStore's
//! GetProps, and the exported factory a host calls.
#![allow(non_snake_case)]

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{prop_tags, Prop, PropArray, PropValue};
use mapi_sync::sys::{self, IMAPIProp_Impl, IMsgStore_Impl, HRESULT, ULONG};

/// The store.
#[mapi_sync_provider(IMsgStore)]
pub struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        progress.step("Inbox", 1, 1)?;
        Ok(())
    }
}

impl IMsgStore_Impl for Store {}
impl IMAPIProp_Impl for Store {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        _ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let has = [Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Packaged")).unwrap()];
        // SAFETY: null or a tag array (GetProps' contract).
        let requested = unsafe { prop_tags(lpPropTagArray) };
        match PropArray::answer(Allocators::local(), requested, &has) {
            // SAFETY: null or writable (GetProps' contract); checked there.
            Ok(answer) => unsafe { answer.hand_out(lpcValues, lppPropArray) },
            Err(e) => e.code(),
        }
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
