use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, Properties, PropValue};
use mapi_sync::sys::{self, IMsgStore_Impl, HRESULT};

/// The store: IUnknown, IMAPISync (built in) and IMsgStore, with its base IMAPIProp made
/// from `Properties` (`properties`).
#[mapi_sync_provider(IMsgStore, properties)]
pub struct MyStore {
    server: String,
}

impl SyncProvider for MyStore {
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        let folders = ["Inbox", "Sent Items"];
        for (i, folder) in folders.iter().enumerate() {
            // `?` stops the sync when the user cancels (Outlook's Progress fails).
            progress.step(format!("{}: {folder}", self.server), i as u32 + 1, 2)?;
        }
        if request.flags().contains(SyncFlags::UPLOAD_CONTENTS) {
            std::fs::metadata("/nonexistent-outbox")?; // io::Error -> MAPI_E_NOT_FOUND
        }
        Ok(())
    }
}

// GetProps, GetPropList and SetProps from what the store has: safe code, and the
// answer is in MAPI memory the caller frees.
impl Properties for MyStore {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        answer(&[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(&self.server))?]);
        Ok(())
    }
}

// Every method of the generated IFoo_Impl traits defaults to MAPI_E_NO_SUPPORT: override
// only what the store supports (they are `unsafe fn`s taking MAPI's raw arguments).
impl IMsgStore_Impl for MyStore {}

/// What the host calls to get the store (C: `HRESULT MyStore_Create(IUnknown **out)`):
/// its IUnknown, one reference.
///
/// # Safety
/// `out` must be null or writable.
#[no_mangle]
pub unsafe extern "system" fn MyStore_Create(out: *mut sys::LPUNKNOWN) -> HRESULT {
    if out.is_null() {
        return sys::E_POINTER;
    }
    let store = Object::new(MyStore { server: "imap.example.com".into() });
    // SAFETY: non-null and writable (the caller's contract); the reference moves to it.
    unsafe { *out = store.into_unknown().into() };
    sys::S_OK
}
