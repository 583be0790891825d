//! A provider that uses the runtime's whole surface, compiled with Rust 1.74.
#![allow(non_snake_case)]

use mapi_sync::prelude::*;
use mapi_sync::sys::{self, IMAPIAdviseSink_Impl, LPNOTIFICATION, ULONG};

/// A store with an extra interface, one synchronization at a time and thread hooks.
#[mapi_sync_provider(IMAPIAdviseSink)]
pub struct Store {
    name: String,
}

impl SyncProvider for Store {
    const ONE_AT_A_TIME: bool = true;

    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        if request.flags().contains(SyncFlags::DOWNLOAD_CONTENTS) {
            progress.step(&*self.name, 1, 1)?;
        }
        Ok(())
    }

    fn enter_sync_thread(&self) -> mapi_sync::Result<()> {
        Ok(())
    }
}

impl IMAPIAdviseSink_Impl for Store {
    unsafe fn OnNotify(&self, cNotif: ULONG, _: LPNOTIFICATION) -> ULONG {
        cNotif
    }
}

/// A raw-mode store.
#[mapi_sync_provider(raw)]
pub struct Raw;

impl RawSyncProvider for Raw {
    unsafe fn synchronize_in_background(
        this: &Object<Self>,
        psibpb: sys::PMAPISIB,
    ) -> sys::HRESULT {
        let keep = this.clone();
        // SAFETY: forwarded from our caller.
        unsafe {
            mapi_sync::run_in_background(psibpb, move |_, _| {
                drop(keep);
                Ok(())
            })
        }
    }
}

/// The factory a host calls.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "system" fn MsrvCheck_Create(out: *mut *mut core::ffi::c_void) -> sys::HRESULT {
    let store = Object::new(Store {
        name: "msrv".into(),
    });
    // SAFETY: caller's contract.
    unsafe { *out = sys::Interface::into_raw(store.into_unknown()) };
    mapi_sync::module::can_unload_now()
}

/// A message whose IMAPIProp is made from `Properties`.
#[mapi_sync::mapi_object(IMessage, properties)]
pub struct Message {
    subject: std::sync::Mutex<String>,
}

impl mapi_sync::sys::IMessage_Impl for Message {}

impl mapi_sync::props::Properties for Message {
    fn properties(
        &self,
        answer: &mut dyn FnMut(&[mapi_sync::props::Prop<'_>]),
    ) -> mapi_sync::Result<()> {
        let subject = self.subject.lock().unwrap_or_else(|e| e.into_inner());
        answer(&[mapi_sync::props::Prop::new(
            mapi_sync::sys::PR_SUBJECT_W,
            mapi_sync::props::PropValue::Str(&subject),
        )?]);
        Ok(())
    }
}
