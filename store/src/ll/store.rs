//! [`StoreObject`]: `IMsgStore` (and `IMAPISync`) on a [`StoreContext`], as the IMsgStore
//! pages document it.

use std::sync::Arc;

use mapi_sync_macros::mapi_sync_provider;
use mapi_sync_runtime::mem::Buffer;
use mapi_sync_runtime::props::{OwnedValue, Prop, Properties};
use mapi_sync_runtime::sys::{
    self, IMAPIProp_Impl, IMsgStore_Impl, HRESULT, LPENTRYID, LPMAPIERROR, LPMAPITABLE, LPTSTR,
    ULONG,
};
use mapi_sync_runtime::{
    Error, Object, Out, Progress, Result, SyncProvider, SyncRequest, This, WeakObject,
};

use super::entry::{compare_entry_ids_method, open_entry_method, props_methods, LastError};
use super::table::TableObject;
use crate::backend::Backend;
use crate::context::{Status, StoreContext};
use crate::entry_id::Special;
use crate::table::{MemorySource, Table, TableType};

/// The store object: `IMsgStore`, its `IMAPIProp`, and `IMAPISync` running the backend's
/// [`synchronize`](Backend::synchronize).
#[mapi_sync_provider(IMsgStore, crate = mapi_sync_runtime)]
pub struct StoreObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    last_error: LastError,
    /// The object itself: the provider's list of open stores keeps a weak handle of it.
    this: This<Self>,
}

impl<B: Backend> StoreObject<B> {
    /// A store object of `ctx`. The first (the one `Logon` hands out) is the store's:
    /// `OpenEntry` of the store's entry id hands it out again while it lives, and its last
    /// release ends the logon ([`StoreContext::store_released`]).
    pub fn new(ctx: Arc<StoreContext<B>>) -> Object<StoreObject<B>> {
        let store = Object::new(StoreObject {
            ctx: ctx.clone(),
            last_error: LastError::default(),
            this: This::new(),
        });
        ctx.keep_store_object(store.downgrade());
        store
    }

    /// The store object of `ctx` while it lives, else a new one.
    pub fn of(ctx: &Arc<StoreContext<B>>) -> Object<StoreObject<B>> {
        ctx.store_object()
            .unwrap_or_else(|| StoreObject::new(ctx.clone()))
    }

    /// A handle to this store that does not keep it open.
    pub fn downgrade(&self) -> WeakObject<StoreObject<B>> {
        self.this.downgrade()
    }

    /// The logged-on store.
    pub fn context(&self) -> &Arc<StoreContext<B>> {
        &self.ctx
    }
}

impl<B: Backend> Drop for StoreObject<B> {
    /// The last reference went: when this is the store's object, the logon ends
    /// (`StoreLogoffTransports` with `StoreLogoff`'s flags, MAPI's support object let go).
    fn drop(&mut self) {
        if self.ctx.store_object().is_none() {
            self.ctx.store_released();
        }
    }
}

impl<B: Backend> SyncProvider for StoreObject<B> {
    const ONE_AT_A_TIME: bool = B::ONE_AT_A_TIME;

    /// The backend's sync, the status row following it: active while it runs, then
    /// available, offline or failed ([`Status::after_sync`]).
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> Result<()> {
        self.ctx.set_status(Status {
            code: sys::STATUS_AVAILABLE | sys::STATUS_INBOUND_ACTIVE,
            text: "Synchronizing".into(),
        });
        let synced = self.ctx.backend().synchronize(request, progress);
        // What the sync added shows in the hierarchy from now on.
        let result = self.ctx.refresh_folders().and(synced);
        self.ctx.set_status(Status::after_sync(&result));
        result
    }
}

impl<B: Backend> Properties for StoreObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let computed = self.ctx.store_properties();
        let backend = self.ctx.backend();
        StoreContext::<B>::answer_with(&computed, |more| backend.store_properties(more), answer)
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for StoreObject<B> {
    props_methods!();

    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }
}

/// The receive folder table: the inbox for every message class.
fn receive_folder_table<B: Backend>(
    ctx: &StoreContext<B>,
) -> Result<Object<TableObject<MemorySource>>> {
    let inbox = ctx.tree().layout().entry_id(Special::Inbox);
    let mut source = MemorySource::new();
    for (key, class) in [(0, ""), (1, "IPM"), (2, "IPM.Note")] {
        source.insert(
            key,
            vec![
                (sys::PR_ENTRYID, OwnedValue::Binary(inbox.to_bytes())),
                (sys::PR_RECORD_KEY, OwnedValue::Binary(inbox.record_key())),
                (
                    sys::PR_MESSAGE_CLASS_W,
                    OwnedValue::Unicode(class.encode_utf16().collect()),
                ),
            ],
        )?;
    }
    let columns = vec![sys::PR_ENTRYID, sys::PR_RECORD_KEY, sys::PR_MESSAGE_CLASS_W];
    let table = Table::new(source, columns, TableType::Snapshot)?;
    Ok(TableObject::new(table, ctx.allocators()))
}

#[allow(non_snake_case)]
impl<B: Backend> IMsgStore_Impl for StoreObject<B> {
    compare_entry_ids_method!();

    unsafe fn Advise(
        &self,
        cb: ULONG,
        eid: sys::LPENTRYID,
        mask: ULONG,
        sink: sys::LPMAPIADVISESINK,
        connection: *mut sys::ULONG_PTR,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (Advise's contract).
            let mut out = unsafe { Out::new(connection) }?;
            out.write(0);
            // SAFETY: the caller's entry id (Advise's contract).
            let bytes = unsafe { super::entry::entry_id_bytes(cb, eid) }?;
            let key = self.ctx.notification_key(bytes)?;
            let support = self.ctx.support().ok_or_else(|| {
                Error::with_message(
                    sys::MAPI_E_NO_SUPPORT,
                    "the store has no MAPI session to notify through",
                )
            })?;
            // SAFETY: null or a live sink (Advise's contract).
            let c = unsafe { super::notify::subscribe(&support, &key, mask, sink) }?;
            out.write(c);
            Ok(())
        })();
        self.last_error.answer(r)
    }

    unsafe fn Unadvise(&self, connection: sys::ULONG_PTR) -> HRESULT {
        let r = (|| {
            let support = self
                .ctx
                .support()
                .ok_or_else(|| Error::new(sys::MAPI_E_NOT_FOUND))?;
            // SAFETY: MAPI's support object; the connection is the caller's.
            let hr = unsafe { support.Unsubscribe(connection) };
            if hr != sys::S_OK {
                return Err(Error::with_message(hr, "IMAPISupport::Unsubscribe failed"));
            }
            Ok(())
        })();
        self.last_error.answer(r)
    }

    open_entry_method!();

    unsafe fn GetReceiveFolder(
        &self,
        _class: LPTSTR,
        flags: ULONG,
        cb: *mut ULONG,
        eid: *mut LPENTRYID,
        explicit_class: *mut LPTSTR,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (GetReceiveFolder's contract); the explicit class
            // may be null.
            let (mut cb, mut eid) = unsafe { (Out::new(cb)?, Out::new(eid)?) };
            eid.clear();
            let inbox = self.ctx.tree().layout().entry_id(Special::Inbox).to_bytes();
            let buffer = Buffer::new(self.ctx.allocators(), inbox.len())?;
            // SAFETY: room for the bytes.
            unsafe {
                buffer
                    .as_ptr()
                    .copy_from_nonoverlapping(inbox.as_ptr(), inbox.len())
            };
            // SAFETY: as above.
            if let Ok(mut class) = unsafe { Out::new(explicit_class) } {
                class.clear();
                // Every class goes to the inbox and none was set explicitly: the page
                // says the explicit class is then a zero-length string, of the width
                // MAPI_UNICODE asks for.
                let width = if flags & sys::MAPI_UNICODE != 0 { 2 } else { 1 };
                let empty = Buffer::new(self.ctx.allocators(), width)?;
                class.write(empty.into_raw().cast());
            }
            cb.write(inbox.len() as ULONG);
            eid.write(buffer.into_raw().cast());
            Ok(())
        })();
        self.last_error.answer(r)
    }

    unsafe fn GetReceiveFolderTable(&self, _flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (GetReceiveFolderTable's contract).
            let mut out = unsafe { Out::new(out) }?;
            out.clear();
            out.write(
                receive_folder_table(&self.ctx)?
                    .cast::<sys::IMAPITable>()?
                    .into(),
            );
            Ok(())
        })();
        self.last_error.answer(r)
    }

    unsafe fn StoreLogoff(&self, flags: *mut ULONG) -> HRESULT {
        let r = (|| {
            if flags.is_null() {
                return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
            }
            // SAFETY: a readable and writable flags word (StoreLogoff's contract).
            let given = unsafe { flags.read() };
            // The page: keep the flags for StoreLogoffTransports at the last release.
            self.ctx.store_logoff(given);
            // On output the flags say what transport activity goes on: a store without
            // transports has none.
            // SAFETY: as above.
            unsafe { flags.write(0) };
            Ok(())
        })();
        self.last_error.answer(r)
    }
}
