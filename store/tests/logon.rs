//! A framework store through MAPI's entry: `MSProviderInit` (exported by
//! `store_provider!`), `IMSProvider::Logon` with a support object, the store and logon
//! objects it hands out, and `IMSLogon::Logoff` giving the support object back.

#![allow(non_snake_case)]

use std::ptr::null_mut;
use std::sync::Mutex;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{Prop, PropValue, Props};
use mapi_sync_runtime::sys::{
    self, IMAPISupport_Impl, IMSProvider, Interface as _, HRESULT, LPMAPIUID, ULONG,
};
use mapi_sync_runtime::{Object, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;

const UID: StoreUid = StoreUid([0x5A; 16]);

struct One;

impl Backend for One {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "One".into(),
            mdb_provider: [1; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "Folder")])
    }

    fn messages(&self, _: &[u8], _: bool, _: &mut Vec<Vec<u8>>) -> Result<()> {
        Ok(())
    }

    fn message_properties(&self, _: &[u8], _: &[u8], _: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        Err(mapi_sync_runtime::Error::new(sys::MAPI_E_NOT_FOUND))
    }
}

mapi_sync_store::store_provider!(|request: &LogonRequest<'_>| {
    if request.flags & sys::MDB_NO_DIALOG == 0 {
        // What a store answers when the profile lacks its settings.
        return Err(mapi_sync_runtime::Error::new(sys::MAPI_E_UNCONFIGURED));
    }
    Ok(One)
});

/// MAPI's support object, as much of it as a logon uses: it records the provider UID and
/// the status row's code.
#[mapi_object(IMAPISupport, crate = mapi_sync_runtime)]
struct Support {
    uid: Mutex<Option<[u8; 16]>>,
    status: Mutex<Option<i32>>,
}

impl IMAPISupport_Impl for Support {
    unsafe fn SetProviderUID(&self, uid: LPMAPIUID, _flags: ULONG) -> HRESULT {
        *self.uid.lock().unwrap() = Some(unsafe { (*uid).ab });
        sys::S_OK
    }

    unsafe fn ModifyStatusRow(
        &self,
        count: ULONG,
        values: sys::LPSPropValue,
        _flags: ULONG,
    ) -> HRESULT {
        let row = unsafe { Props::from_raw(values, count) }.unwrap();
        if let Some(PropValue::Long(code)) = row.find(sys::PR_STATUS_CODE).map(|p| p.value()) {
            *self.status.lock().unwrap() = Some(code);
        }
        sys::S_OK
    }
}

fn provider() -> IMSProvider {
    let (a, m, f) = Allocators::local().as_raw();
    let (mut version, mut provider) = (0, sys::InterfacePtr::null());
    // SAFETY: the local allocators and writable out-pointers.
    let hr = unsafe {
        MSProviderInit(
            null_mut(),
            null_mut(),
            a,
            m,
            f,
            0,
            sys::CURRENT_SPI_VERSION,
            &mut version,
            &mut provider,
        )
    };
    assert_eq!(hr, sys::S_OK);
    // SAFETY: MSProviderInit handed over one reference.
    unsafe { provider.into_owned() }.unwrap()
}

#[test]
fn logon_hands_out_the_store_and_registers_its_uid_and_logoff_lets_support_go() {
    let provider = provider();
    let support = Object::new(Support {
        uid: Mutex::new(None),
        status: Mutex::new(None),
    });
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
    let support = Object::new(Support {
        uid: Mutex::new(None),
        status: Mutex::new(None),
    });
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

/// `Logon` through `provider` with `flags` and the store's entry id (or none); the
/// HRESULT, the logon object and store handed out, and the MAPIERROR's text.
fn logon_with(
    provider: &IMSProvider,
    support: &sys::IMAPISupport,
    eid: Option<&[u8]>,
    flags: ULONG,
) -> (
    HRESULT,
    Option<sys::IMSLogon>,
    Option<sys::IMsgStore>,
    Option<String>,
) {
    let (mut logon, mut store, mut error) = (
        sys::InterfacePtr::null(),
        sys::InterfacePtr::null(),
        null_mut(),
    );
    let (cb, p) = eid.map_or((0, null_mut()), |e| {
        (e.len() as ULONG, e.as_ptr().cast_mut().cast())
    });
    // SAFETY: a live support object, an entry id alive for the call, writable outs.
    let hr = unsafe {
        provider.Logon(
            support.into(),
            0,
            null_mut(),
            cb,
            p,
            flags,
            null_mut(),
            null_mut(),
            null_mut(),
            &mut error,
            &mut logon,
            &mut store,
        )
    };
    let text = (!error.is_null()).then(|| {
        // SAFETY: a MAPIERROR with a UTF-16 text (MAPI_UNICODE asked), freed once after.
        unsafe {
            let p = (*error).lpszError.cast::<u16>();
            let len = (0..).take_while(|&i| *p.add(i) != 0).count();
            let text = String::from_utf16_lossy(std::slice::from_raw_parts(p, len));
            Allocators::local().free(error.cast());
            text
        }
    });
    // SAFETY: Logon handed over a reference to each it set.
    let (logon, store) = unsafe { (logon.into_owned(), store.into_owned()) };
    (hr, logon, store, text)
}

#[test]
fn a_second_logon_to_an_open_store_hands_out_the_same_store_and_no_logon_object() {
    let provider = provider();
    let support = Object::new(Support {
        uid: Mutex::new(None),
        status: Mutex::new(None),
    });
    let sup: sys::IMAPISupport = support.cast().unwrap();
    let eid = EntryId::store(UID).to_bytes();
    let flags = sys::MDB_NO_DIALOG;
    let (hr, logon, store, _) = logon_with(&provider, &sup, Some(&eid), flags);
    assert_eq!(hr, sys::S_OK);
    let (logon, store) = (logon.unwrap(), store.unwrap());
    let refs = support.ref_count();
    *support.uid.lock().unwrap() = None;
    *support.status.lock().unwrap() = None;
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
    assert_eq!(*support.status.lock().unwrap(), None);
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
    let support = Object::new(Support {
        uid: Mutex::new(None),
        status: Mutex::new(None),
    });
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
    let support = Object::new(Support {
        uid: Mutex::new(None),
        status: Mutex::new(None),
    });
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
