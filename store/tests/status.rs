//! The store's status: its row in MAPI's status table at logon and through a sync
//! (active while it runs; available, offline or failed after), and its status object
//! from `IMSLogon::OpenStatusEntry` (`IMAPIStatus`), as "Status Table" and
//! "IMAPIStatus : IMAPIProp" describe them.

#![allow(non_snake_case)]

use std::ptr::null_mut;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{Prop, PropValue, Props};
use mapi_sync_runtime::sys::{
    self, ComInterface as _, IMSProvider, Interface as _, HANDLE, HRESULT, ULONG, WCHAR,
};
use mapi_sync_runtime::{Error, Object, Progress, Result, SyncFlags, SyncRequest};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;

const UID: StoreUid = StoreUid([0x57; 16]);

/// What the next sync answers: 0 for success, else that HRESULT.
static NEXT_SYNC: AtomicI32 = AtomicI32::new(0);

struct Syncing;

impl Backend for Syncing {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> Result<()> {
        match NEXT_SYNC.load(Ordering::SeqCst) {
            0 => Ok(()),
            hr => Err(Error::with_message(hr, "the server said no")),
        }
    }

    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Syncing".into(),
            mdb_provider: [3; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "Folder")])
    }

    fn messages(&self, _: &[u8], _: bool, _: &mut Vec<Vec<u8>>) -> Result<()> {
        Ok(())
    }

    fn message_properties(&self, _: &[u8], _: &[u8], _: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        Err(Error::new(sys::MAPI_E_NOT_FOUND))
    }
}

mapi_sync_store::store_provider!(|_: &LogonRequest<'_>| Ok(Syncing));

mod support;

use support::{logon_with, provider, Support};

#[mapi_object(IMAPISyncProgressCallback, crate = mapi_sync_runtime)]
struct Quiet;

impl sys::IMAPISyncProgressCallback_Impl for Quiet {
    unsafe fn Progress(&self, _: *const WCHAR, _: ULONG, _: ULONG) -> HRESULT {
        sys::S_OK
    }
    unsafe fn Error(&self, _: HRESULT, _: *const WCHAR) -> HRESULT {
        sys::S_OK
    }
    unsafe fn Done(&self, _: HANDLE, _: HRESULT) -> HRESULT {
        sys::S_OK
    }
}

fn log_on(provider: &IMSProvider, support: &Object<Support>) -> (sys::IMSLogon, sys::IMsgStore) {
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let (hr, logon, store, _) = logon_with(provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    assert_eq!(hr, sys::S_OK);
    (logon.unwrap(), store.unwrap())
}

fn sync(store: &sys::IMsgStore) {
    let sync: sys::IMAPISync = store.cast().unwrap();
    let callback = Object::new(Quiet).into_unknown();
    let mut event: HANDLE = null_mut();
    let mut sib = sys::MAPISIB {
        ulSize: std::mem::size_of::<sys::MAPISIB>() as u32,
        ulFlags: SyncFlags::DOWNLOAD_CONTENTS.bits(),
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::from_raw(callback.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a complete MAPISIB; the event is ours to wait on and close.
    unsafe {
        assert_eq!(sync.SynchronizeInBackground(&mut sib), sys::S_OK);
        assert!(mapi_sync_runtime::event::wait_timeout(event, Duration::from_secs(30)).unwrap());
        mapi_sync_runtime::event::close(event);
    }
}

/// The rows written since the last call, as (code, string, STATUSROW_UPDATE?).
fn drain(support: &Object<Support>) -> Vec<(i32, String, bool)> {
    let mut rows = support.rows.lock().unwrap();
    let out = rows
        .iter()
        .map(|(code, text, flags, _)| (*code, text.clone(), flags & sys::STATUSROW_UPDATE != 0))
        .collect();
    rows.clear();
    out
}

#[test]
fn the_status_row_follows_the_logon_and_each_sync_until_logoff() {
    let provider = provider();
    let support = Support::new(false);
    let (logon, store) = log_on(&provider, &support);
    let available = sys::STATUS_AVAILABLE as i32;
    // At logon: the whole row, available, with the one method the status object has.
    assert_eq!(
        support.rows.lock().unwrap().clone(),
        [(
            available,
            "Available".into(),
            0,
            sys::STATUS_VALIDATE_STATE as i32
        )]
    );
    drain(&support);
    let active = (sys::STATUS_AVAILABLE | sys::STATUS_INBOUND_ACTIVE) as i32;
    // A sync that succeeds: active while it runs, then available.
    NEXT_SYNC.store(0, Ordering::SeqCst);
    sync(&store);
    assert_eq!(
        drain(&support),
        [
            (active, "Synchronizing".into(), true),
            (available, "Available".into(), true)
        ]
    );
    // The server out of reach: offline.
    NEXT_SYNC.store(sys::MAPI_E_NETWORK_ERROR, Ordering::SeqCst);
    sync(&store);
    let rows = drain(&support);
    assert_eq!(rows[1].0, sys::STATUS_OFFLINE as i32);
    assert!(rows[1].1.contains("the server said no"), "{rows:?}");
    // Any other failure: still available (what was read stays), with STATUS_FAILURE.
    NEXT_SYNC.store(sys::MAPI_E_CORRUPT_DATA, Ordering::SeqCst);
    sync(&store);
    let rows = drain(&support);
    assert_eq!(
        rows[1].0,
        (sys::STATUS_AVAILABLE | sys::STATUS_FAILURE) as i32
    );
    // After Logoff the row is MAPI's again: a sync writes nothing, and the support
    // object is let go.
    let before = support.ref_count();
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
    assert!(support.ref_count() < before);
    NEXT_SYNC.store(0, Ordering::SeqCst);
    sync(&store);
    assert_eq!(drain(&support), []);
    drop((logon, store));
}

#[test]
fn the_status_object_shows_the_row_and_answers_its_methods_as_documented() {
    let provider = provider();
    let support = Support::new(false);
    let (logon, _store) = log_on(&provider, &support);
    let (mut kind, mut raw) = (7, null_mut());
    // SAFETY: writable out-pointers; NULL asks for IMAPIStatus.
    assert_eq!(
        unsafe { logon.OpenStatusEntry(null_mut(), 0, &mut kind, &mut raw) },
        sys::S_OK
    );
    assert_eq!(kind, sys::MAPI_STATUS);
    // SAFETY: one reference to an IMAPIStatus, handed over.
    let status = unsafe { sys::IMAPIStatus::from_raw(raw) }.unwrap();
    let (mut n, mut v) = (0, null_mut());
    // SAFETY: writable out-pointers.
    assert_eq!(
        unsafe { status.GetProps(null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) },
        sys::S_OK
    );
    // SAFETY: what GetProps handed out, read then freed once.
    unsafe {
        let props = Props::from_raw(v, n).unwrap();
        let value = |tag| props.find(tag).map(|p| p.value());
        assert_eq!(
            value(sys::PR_OBJECT_TYPE),
            Some(PropValue::Long(sys::MAPI_STATUS as i32))
        );
        assert_eq!(
            value(sys::PR_RESOURCE_TYPE),
            Some(PropValue::Long(sys::MAPI_STORE_PROVIDER as i32))
        );
        assert_eq!(
            value(sys::PR_STATUS_CODE),
            Some(PropValue::Long(sys::STATUS_AVAILABLE as i32))
        );
        assert_eq!(
            value(sys::PR_DISPLAY_NAME_W)
                .and_then(|v| v.to_text())
                .as_deref(),
            Some("Syncing")
        );
        Allocators::local().free(v.cast());
    }
    // SAFETY: plain arguments.
    unsafe {
        assert_eq!(status.ValidateState(0, 0), sys::S_OK);
        assert_eq!(status.SettingsDialog(0, 0), sys::MAPI_E_NO_SUPPORT);
        assert_eq!(
            status.ChangePassword(null_mut(), null_mut(), 0),
            sys::MAPI_E_NO_SUPPORT
        );
        assert_eq!(
            status.FlushQueues(0, 0, null_mut(), 0),
            sys::MAPI_E_NO_SUPPORT
        );
    }
    // ValidateState wrote the row afresh.
    assert_eq!(
        drain(&support).last().map(|r| r.0),
        Some(sys::STATUS_AVAILABLE as i32)
    );
    // An interface the status object does not have: nothing handed out.
    let (mut kind, mut raw) = (7, std::ptr::NonNull::dangling().as_ptr());
    // SAFETY: an IID alive for the call; writable out-pointers.
    let hr = unsafe { logon.OpenStatusEntry(&sys::IID_IMAPIFolder, 0, &mut kind, &mut raw) };
    assert_eq!(
        (hr, raw.is_null(), kind),
        (sys::MAPI_E_INTERFACE_NOT_SUPPORTED, true, 0)
    );
    // A null out-pointer.
    // SAFETY: null is what is tested.
    let hr = unsafe { logon.OpenStatusEntry(null_mut(), 0, &mut kind, null_mut()) };
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
}
