//! A framework store through MAPI's entry: `MSProviderInit` (exported by
//! `store_provider!`), `IMSProvider::Logon` with a support object, the store and logon
//! objects it hands out, and `IMSLogon::Logoff` giving the support object back.

#![allow(non_snake_case)]

use std::ptr::null_mut;
use std::sync::atomic::Ordering;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{PropValue, Props};
use mapi_sync_runtime::sys::{self, IMSProvider, Interface as _, HRESULT, ULONG};
use mapi_sync_runtime::Error;
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::provider::{LogonRequest, ProviderObject};

const UID: StoreUid = StoreUid([0x5A; 16]);

mapi_sync_store::store_provider!(|request: &LogonRequest<'_>| {
    if request.flags & sys::MDB_NO_DIALOG == 0 {
        // What a store answers when the profile lacks its settings.
        return Err(mapi_sync_runtime::Error::new(sys::MAPI_E_UNCONFIGURED));
    }
    Ok(OneFolder(UID, "One"))
});

mod support;

use support::{logon_with, provider, OneFolder, Support};

#[test]
fn logon_hands_out_the_store_and_registers_its_uid_and_logoff_lets_support_go() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let (mut logon, mut store) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    let (mut cb_security, mut security, mut error) = (9, null_mut(), null_mut());
    // SAFETY: a live support object, an entry id alive for the call, writable outs.
    let hr = unsafe {
        provider.Logon(
            (&sup).into(),
            0,
            null_mut(),
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            sys::MDB_NO_DIALOG,
            null_mut(),
            &mut cb_security,
            &mut security,
            &mut error,
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, sys::S_OK);
    assert_eq!(
        (cb_security, security.is_null(), error.is_null()),
        (0, true, true)
    );
    assert_eq!(
        *support.uid.lock().unwrap(),
        Some(UID.0),
        "SetProviderUID with the store's MAPIUID"
    );
    // SAFETY: Logon handed over a reference to each.
    let (logon, store) = unsafe { (logon.into_owned().unwrap(), store.into_owned().unwrap()) };
    let before = support.ref_count();
    // The store handed out is its IMsgStore: IUnknown (its identity) is IMAPISync's.
    let identity: sys::IUnknown = sys::ComInterface::cast(&store).unwrap();
    assert_ne!(identity.as_raw(), store.as_raw());
    let (mut n, mut v) = (0, null_mut());
    // SAFETY: writable out-pointers.
    assert_eq!(
        unsafe { store.GetProps(null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) },
        sys::S_OK
    );
    // SAFETY: what GetProps handed out.
    let props = unsafe { Props::from_raw(v, n) }.unwrap();
    assert_eq!(
        props.find(sys::PR_ENTRYID).unwrap().value(),
        PropValue::Binary(&eid)
    );
    // SAFETY: freed once with the allocators it came from.
    unsafe { Allocators::local().as_raw().2.unwrap()(v.cast()) };
    // SAFETY: a writable flags pointer.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
    assert_eq!(
        support.ref_count(),
        before - 1,
        "Logoff released the support object"
    );
    drop((logon, store));
}

#[test]
fn a_logon_the_closure_refuses_answers_its_code_with_nothing_handed_out() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let (mut logon, mut store) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: as above; no entry id yet.
    let hr = unsafe {
        provider.Logon(
            (&sup).into(),
            0,
            null_mut(),
            0,
            null_mut(),
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, sys::MAPI_E_UNCONFIGURED);
    assert!(logon.is_null() && store.is_null());
    // Another store's entry id.
    let other = EntryId::store(StoreUid([1; 16])).to_bytes();
    // SAFETY: as above.
    let hr = unsafe {
        provider.Logon(
            (&sup).into(),
            0,
            null_mut(),
            other.len() as ULONG,
            other.as_ptr().cast_mut().cast(),
            sys::MDB_NO_DIALOG,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, sys::MAPI_E_UNKNOWN_ENTRYID);
    assert!(logon.is_null() && store.is_null());
    // No support object.
    // SAFETY: as above.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::null(),
            0,
            null_mut(),
            0,
            null_mut(),
            sys::MDB_NO_DIALOG,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
}

#[test]
fn a_second_logon_to_an_open_store_hands_out_the_same_store_and_no_logon_object() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let flags = sys::MDB_NO_DIALOG;
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), flags);
    assert_eq!(hr, sys::S_OK);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    let refs = support.ref_count();
    support.clear();
    // By its entry id, and without one (a profile's first logon): the same object.
    for again in [Some(&eid[..]), None] {
        let (hr, second_logon, second, error) = logon_with(&provider, &sup, again, flags);
        assert_eq!((hr, second_logon.is_none(), error), (sys::S_OK, true, None));
        let a: sys::IUnknown = sys::ComInterface::cast(&store).unwrap();
        let b: sys::IUnknown = sys::ComInterface::cast(&second.unwrap()).unwrap();
        assert_eq!(a.as_raw(), b.as_raw(), "the same store object");
    }
    // Nothing else done: no SetProviderUID, no status row, no reference kept.
    assert_eq!(*support.uid.lock().unwrap(), None);
    assert_eq!(support.status(), None);
    assert_eq!(support.ref_count(), refs);
    // Closed (its last reference gone), the store is opened afresh.
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
    drop((logon, store));
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), flags);
    assert_eq!(hr, sys::S_OK);
    assert!(logon.is_some() && store.is_some());
    assert_eq!(*support.uid.lock().unwrap(), Some(UID.0));
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.unwrap().Logoff(&mut 0) }, sys::S_OK);
}

#[test]
fn a_failed_logon_says_why_in_a_mapierror() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    // The closure refuses without MDB_NO_DIALOG: MAPI_E_UNCONFIGURED, with its text.
    let (hr, logon, store, error) = logon_with(&provider, &sup, None, sys::MAPI_UNICODE);
    assert_eq!(
        (hr, logon.is_none(), store.is_none()),
        (sys::MAPI_E_UNCONFIGURED, true, true)
    );
    assert_eq!(error.as_deref(), Some("MAPI_E_UNCONFIGURED"));
    let other = EntryId::store(StoreUid([1; 16])).to_bytes();
    let (hr, _, _, error) = logon_with(
        &provider,
        &sup,
        Some(&other),
        sys::MDB_NO_DIALOG | sys::MAPI_UNICODE,
    );
    assert_eq!(hr, sys::MAPI_E_UNKNOWN_ENTRYID);
    assert_eq!(
        error.as_deref(),
        Some("an entry identifier of another store")
    );
}

#[test]
fn the_spooler_logon_gets_the_open_store_and_its_logon_object() {
    let provider = provider();
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    assert_eq!(hr, sys::S_OK);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    let (mut spool_logon, mut spool_store) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: as Logon; no spool security.
    let hr = unsafe {
        provider.SpoolerLogon(
            (&sup).into(),
            0,
            null_mut(),
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            sys::MDB_NO_DIALOG,
            null_mut(),
            0,
            null_mut(),
            null_mut(),
            &mut spool_logon,
            &mut spool_store,
        )
    };
    assert_eq!(hr, sys::S_OK);
    // SAFETY: SpoolerLogon handed over a reference to each.
    let (spool_logon, spool_store) = unsafe {
        (
            spool_logon.into_owned().unwrap(),
            spool_store.into_owned().unwrap(),
        )
    };
    let identity = |u: &sys::IUnknown| u.as_raw();
    let a: sys::IUnknown = sys::ComInterface::cast(&store).unwrap();
    let b: sys::IUnknown = sys::ComInterface::cast(&spool_store).unwrap();
    assert_eq!(identity(&a), identity(&b), "the same store");
    let c: sys::IUnknown = sys::ComInterface::cast(&logon).unwrap();
    let d: sys::IUnknown = sys::ComInterface::cast(&spool_logon).unwrap();
    assert_eq!(identity(&c), identity(&d), "the same logon object");
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
}

#[test]
fn compare_store_ids_compares_the_stores_they_name() {
    let provider = provider();
    let one = EntryId::store(UID).to_bytes();
    let mut short_term = one.clone();
    short_term[0] = sys::MAPI_SHORTTERM as u8;
    let other = EntryId::store(StoreUid([9; 16])).to_bytes();
    let folder = EntryId::folder(UID, b"F").to_bytes();
    let compare = |a: &[u8], b: &[u8]| {
        let mut result = 7;
        // SAFETY: both identifiers alive for the call; a writable result.
        let hr = unsafe {
            provider.CompareStoreIDs(
                a.len() as ULONG,
                a.as_ptr().cast_mut().cast(),
                b.len() as ULONG,
                b.as_ptr().cast_mut().cast(),
                0,
                &mut result,
            )
        };
        (hr, result)
    };
    assert_eq!(compare(&one, &short_term), (sys::S_OK, 1));
    assert_eq!(compare(&one, &other), (sys::S_OK, 0));
    assert_eq!(compare(&one, &folder), (sys::MAPI_E_INVALID_ENTRYID, 0));
    assert_eq!(compare(&one, &[0, 0]), (sys::MAPI_E_INVALID_ENTRYID, 0));
}

/// A provider whose store has a setting, read from its profile section at each logon;
/// its backend refuses with `refuse` when that is not `S_OK`.
fn provider_with_settings(refuse: HRESULT) -> IMSProvider {
    let made = ProviderObject::with_settings(
        Allocators::local(),
        &[sys::PR_DISPLAY_NAME_W],
        move |_: &LogonRequest<'_>| match refuse {
            sys::S_OK => Ok(OneFolder(UID, "One")),
            hr => Err(Error::with_message(hr, "the server is away")),
        },
    );
    made.cast().unwrap()
}

#[test]
fn a_second_logon_by_entry_id_opens_no_profile_section() {
    let provider = provider_with_settings(sys::S_OK);
    let support = Support::new(false);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    assert_eq!(hr, sys::S_OK);
    assert_eq!(
        support.sections_opened.load(Ordering::SeqCst),
        1,
        "the first logon reads the settings"
    );
    // The page: a store already open is handed out with nothing else done.
    let (hr, second_logon, second, _) = logon_with(&provider, &sup, Some(&eid), sys::MDB_NO_DIALOG);
    assert_eq!((hr, second_logon.is_none()), (sys::S_OK, true));
    assert_eq!(support.sections_opened.load(Ordering::SeqCst), 1);
    drop(second);
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.unwrap().Logoff(&mut 0) }, sys::S_OK);
    drop(store);
}

#[test]
fn the_store_hands_out_its_entry_id_as_mapi_wrapped_it_and_reads_it_back() {
    let provider = provider();
    let support = Support::new(true);
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let own = EntryId::store(UID).to_bytes();
    let wrapped = Support::wrapped(&own);
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&own), sys::MDB_NO_DIALOG);
    assert_eq!(hr, sys::S_OK);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    let binary = |object: &sys::IMAPIProp, tag| {
        let (mut n, mut v) = (0, null_mut());
        // SAFETY: writable out-pointers.
        let hr = unsafe { object.GetProps(null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: what GetProps handed out, read then freed once.
        unsafe {
            let props = Props::from_raw(v, n).unwrap();
            let out = match props.find(tag).map(|p| p.value()) {
                Some(PropValue::Binary(b)) => b.to_vec(),
                other => panic!("{other:?}"),
            };
            Allocators::local().free(v.cast());
            out
        }
    };
    let as_prop: sys::IMAPIProp = sys::ComInterface::cast(&store).unwrap();
    assert_eq!(binary(&as_prop, sys::PR_ENTRYID), wrapped);
    assert_eq!(binary(&as_prop, sys::PR_STORE_ENTRYID), wrapped);
    // A folder names its store the same way.
    let ipm = binary(&as_prop, sys::PR_IPM_SUBTREE_ENTRYID);
    let open = |eid: &[u8]| {
        let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
        // SAFETY: an entry id alive for the call; writable outs.
        let hr = unsafe {
            store.OpenEntry(
                eid.len() as ULONG,
                eid.as_ptr().cast_mut().cast(),
                null_mut(),
                0,
                &mut kind,
                &mut unknown,
            )
        };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: OpenEntry handed over one reference.
        (kind, unsafe { unknown.into_owned() }.unwrap())
    };
    let (kind, folder) = open(&ipm);
    assert_eq!(kind, sys::MAPI_FOLDER);
    let folder: sys::IMAPIProp = sys::ComInterface::cast(&folder).unwrap();
    assert_eq!(binary(&folder, sys::PR_STORE_ENTRYID), wrapped);
    // The wrapped form opens the store: the same object the logon handed out.
    let (kind, again) = open(&wrapped);
    assert_eq!(kind, sys::MAPI_STORE);
    let identity = |u: &sys::IUnknown| u.as_raw();
    let first: sys::IUnknown = sys::ComInterface::cast(&store).unwrap();
    let second: sys::IUnknown = sys::ComInterface::cast(&again).unwrap();
    assert_eq!(identity(&first), identity(&second));
    // And compares equal to the store's own form.
    let mut same = 0;
    // SAFETY: both alive for the call; a writable result.
    let hr = unsafe {
        store.CompareEntryIDs(
            wrapped.len() as ULONG,
            wrapped.as_ptr().cast_mut().cast(),
            own.len() as ULONG,
            own.as_ptr().cast_mut().cast(),
            0,
            &mut same,
        )
    };
    assert_eq!((hr, same), (sys::S_OK, 1));
    drop((again, folder));
    // SAFETY: a writable flags word.
    assert_eq!(unsafe { logon.Logoff(&mut 0) }, sys::S_OK);
}

#[test]
fn a_logon_makes_the_profile_permanent_unless_it_is_temporary() {
    for (flags, expected) in [(0, 0), (sys::MDB_TEMPORARY, sys::MDB_TEMPORARY)] {
        let provider = provider();
        let support = Support::new(false);
        let sup: sys::IMAPISupport = support.cast().unwrap();
        let flags = flags | sys::MDB_NO_DIALOG | sys::MDB_WRITE;
        let (hr, logon, _store, _) = logon_with(&provider, &sup, None, flags);
        assert_eq!(hr, sys::S_OK);
        assert_eq!(*support.modify_profile.lock().unwrap(), [expected]);
        // SAFETY: a writable flags word.
        assert_eq!(unsafe { logon.unwrap().Logoff(&mut 0) }, sys::S_OK);
    }
}

#[test]
fn a_backend_failure_is_answered_with_logons_documented_codes() {
    for (refused, answered) in [
        (sys::MAPI_E_UNCONFIGURED, sys::MAPI_E_UNCONFIGURED),
        (sys::MAPI_E_FAILONEPROVIDER, sys::MAPI_E_FAILONEPROVIDER),
        (sys::MAPI_E_USER_CANCEL, sys::MAPI_E_USER_CANCEL),
        (sys::MAPI_E_NETWORK_ERROR, sys::MAPI_E_FAILONEPROVIDER),
        (sys::MAPI_E_NOT_FOUND, sys::MAPI_E_LOGON_FAILED),
        (sys::MAPI_E_CALL_FAILED, sys::MAPI_E_LOGON_FAILED),
    ] {
        let provider = provider_with_settings(refused);
        let support = Support::new(false);
        let sup: sys::IMAPISupport = support.cast().unwrap();
        let flags = sys::MDB_NO_DIALOG | sys::MAPI_UNICODE;
        let (hr, logon, store, error) = logon_with(&provider, &sup, None, flags);
        assert_eq!(
            (hr, logon.is_none(), store.is_none()),
            (answered, true, true)
        );
        let error = error.unwrap();
        assert!(error.starts_with("the server is away"), "{error}");
        if refused != answered {
            let own = mapi_sync_runtime::hresult_name(refused).unwrap();
            assert!(error.contains(own), "the backend's own code named: {error}");
        }
        assert_eq!(*support.uid.lock().unwrap(), None, "nothing registered");
    }
}
