//! How a logon ends ("IMsgStore::StoreLogoff", "IMAPISupport::StoreLogoffTransports",
//! "IMSLogon::Logoff", "IMSProvider::Shutdown"): the store's last release calls
//! `StoreLogoffTransports` with the flags `StoreLogoff` kept (`LOGOFF_ABORT` without
//! them) and lets MAPI's support object go; a forced `Logoff` lets it go at once; either
//! way a later `Logon` opens the store afresh.

#![allow(non_snake_case)]

use std::ptr::null_mut;

use mapi_sync_runtime::sys::{self, Interface as _};
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;

mod support;

use support::{logon_with, provider, OneFolder, Support};

const UID: StoreUid = StoreUid([0x10; 16]);

mapi_sync_store::store_provider!(|_: &LogonRequest<'_>| Ok(OneFolder(UID, "Ending")));

fn identity<I: sys::ComInterface>(object: &I) -> *mut std::ffi::c_void {
    let unknown: sys::IUnknown = sys::ComInterface::cast(object).unwrap();
    unknown.as_raw()
}

#[test]
fn the_stores_last_release_calls_store_logoff_transports_with_the_kept_flags() {
    let provider = provider();
    let eid = EntryId::store(UID).to_bytes();
    for (store_logoff, expected) in [
        (Some(sys::LOGOFF_ORDERLY), sys::LOGOFF_ORDERLY),
        (Some(sys::LOGOFF_NO_WAIT), sys::LOGOFF_NO_WAIT),
        (None, sys::LOGOFF_ABORT),
    ] {
        let support = Support::new(false);
        let sup: sys::IMAPISupport = support.cast().unwrap();
        let baseline = support.ref_count();
        let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
        assert_eq!(hr, sys::S_OK);
        let (logon, store) = (logon.unwrap(), store.unwrap());
        assert!(
            support.ref_count() > baseline,
            "the logon keeps the support object"
        );
        if let Some(flags) = store_logoff {
            let mut inout = flags;
            // SAFETY: a readable and writable flags word.
            assert_eq!(unsafe { store.StoreLogoff(&mut inout) }, sys::S_OK);
            assert_eq!(inout, 0, "no transport activity to report");
        }
        // Nothing happens before the last reference goes.
        assert_eq!(*support.logoff_transports.lock().unwrap(), []);
        drop(store);
        assert_eq!(*support.logoff_transports.lock().unwrap(), [expected]);
        assert_eq!(
            support.ref_count(),
            baseline,
            "the store's end let the support object go"
        );
        // MAPI then logs the logon object off; nothing more is asked of MAPI.
        // SAFETY: a writable flags word.
        assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
        assert_eq!(support.logoff_transports.lock().unwrap().len(), 1);
    }
}

#[test]
fn a_store_opened_again_by_its_entry_id_is_the_logons_store() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let (_, logon, store, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an entry id alive for the call; writable outs.
    let hr = unsafe {
        store.OpenEntry(
            eid.len() as sys::ULONG,
            eid.as_ptr().cast_mut().cast(),
            null_mut(),
            0,
            &mut kind,
            &mut unknown,
        )
    };
    assert_eq!((hr, kind), (sys::S_OK, sys::MAPI_STORE));
    // SAFETY: OpenEntry handed over one reference.
    let again = unsafe { unknown.into_owned() }.unwrap();
    assert_eq!(identity(&again), identity(&store));
    // Only the last of the two references ends the logon.
    drop(store);
    assert_eq!(*support.logoff_transports.lock().unwrap(), []);
    drop(again);
    assert_eq!(
        *support.logoff_transports.lock().unwrap(),
        [sys::LOGOFF_ABORT]
    );
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
}

#[test]
fn after_a_forced_logoff_a_logon_opens_the_store_afresh() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let baseline = support.ref_count();
    let eid = EntryId::store(UID).to_bytes();
    let (_, logon, store, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    // A session's logoff: MAPI logs the store off while a client still holds it.
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
    assert_eq!(
        support.ref_count(),
        baseline,
        "Logoff let the support object go"
    );
    support.clear();
    let (hr, second_logon, second, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    assert_eq!(hr, sys::S_OK);
    let (second_logon, second) = (second_logon.unwrap(), second.unwrap());
    assert_ne!(identity(&second), identity(&store), "a new store object");
    assert_eq!(
        *support.uid.lock().unwrap(),
        Some(UID.0),
        "registered again"
    );
    // The logged-off store's release asks nothing more of MAPI.
    drop(store);
    assert_eq!(*support.logoff_transports.lock().unwrap(), []);
    drop(second);
    assert_eq!(
        *support.logoff_transports.lock().unwrap(),
        [sys::LOGOFF_ABORT]
    );
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { second_logon.Logoff(&mut 0) }, sys::S_OK);
    // Shutdown once every logon ended; the provider's list of open stores is empty.
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { provider.Shutdown(&mut 0) }, sys::S_OK);
}

#[test]
fn store_logoff_without_flags_is_an_invalid_parameter() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let (_, logon, store, _) = logon_with(&provider, &sup, None, sys::MDB_NO_DIALOG);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    // SAFETY: null is what is tested.
    assert_eq!(
        unsafe { store.StoreLogoff(null_mut()) },
        sys::MAPI_E_INVALID_PARAMETER
    );
    drop(store);
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
}
