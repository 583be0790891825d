//! What the logon tests share: MAPI's support object as much of it as a logon uses,
//! recording what the store tells MAPI, and `MSProviderInit` then `Logon` as MAPI calls
//! them. A test crate that uses it exports `MSProviderInit` (`store_provider!`).

#![allow(dead_code)] // each test crate uses part of it

use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::{Allocators, Buffer};
use mapi_sync_runtime::props::Prop;
use mapi_sync_runtime::props::{PropValue, Props};
use mapi_sync_runtime::sys::{
    self, IMAPISupport_Impl, IMSProvider, HRESULT, LPENTRYID, LPMAPIUID, LPPROFSECT, ULONG,
};
use mapi_sync_runtime::{Error, Object, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::StoreUid;

/// A store of one mail folder and no messages: its `MAPIUID` and display name.
pub struct OneFolder(pub StoreUid, pub &'static str);

impl Backend for OneFolder {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: self.0,
            display_name: self.1.into(),
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
        Err(Error::new(sys::MAPI_E_NOT_FOUND))
    }
}

/// What `WrapStoreEntryID` puts before the store's own entry id (after its flags):
/// the shape of MAPI's wrapping (flags, a MAPIUID of MAPI's, then the original), not its
/// bytes.
pub const WRAP: [u8; 16] = *b"wrapped by MAPI!";

/// One status row written: `PR_STATUS_CODE`, `PR_STATUS_STRING`, the flags,
/// `PR_RESOURCE_METHODS`.
pub type Row = (i32, String, ULONG, i32);

/// MAPI's support object: records the provider UID, every status row, each profile
/// section opened, `ModifyProfile`'s and `StoreLogoffTransports`' flags; wraps store
/// entry ids when `wraps`.
#[mapi_object(IMAPISupport, crate = mapi_sync_runtime)]
pub struct Support {
    pub uid: Mutex<Option<[u8; 16]>>,
    pub rows: Mutex<Vec<Row>>,
    pub sections_opened: AtomicUsize,
    pub modify_profile: Mutex<Vec<ULONG>>,
    pub logoff_transports: Mutex<Vec<ULONG>>,
    pub wraps: bool,
}

impl Support {
    /// A support object recording nothing yet.
    pub fn new(wraps: bool) -> Object<Support> {
        Object::new(Support {
            uid: Mutex::new(None),
            rows: Mutex::new(Vec::new()),
            sections_opened: AtomicUsize::new(0),
            modify_profile: Mutex::new(Vec::new()),
            logoff_transports: Mutex::new(Vec::new()),
            wraps,
        })
    }

    /// The last status row's code.
    pub fn status(&self) -> Option<i32> {
        self.rows.lock().unwrap().last().map(|r| r.0)
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        *self.uid.lock().unwrap() = None;
        self.rows.lock().unwrap().clear();
        self.sections_opened.store(0, Ordering::SeqCst);
        self.modify_profile.lock().unwrap().clear();
        self.logoff_transports.lock().unwrap().clear();
    }

    /// The store's entry id as this support object wraps it.
    pub fn wrapped(own: &[u8]) -> Vec<u8> {
        [&[0u8; 4][..], &WRAP, own].concat()
    }
}

impl IMAPISupport_Impl for Support {
    unsafe fn SetProviderUID(&self, uid: LPMAPIUID, _flags: ULONG) -> HRESULT {
        // SAFETY: a MAPIUID alive for the call (SetProviderUID's contract).
        *self.uid.lock().unwrap() = Some(unsafe { (*uid).ab });
        sys::S_OK
    }

    unsafe fn ModifyStatusRow(
        &self,
        count: ULONG,
        values: sys::LPSPropValue,
        flags: ULONG,
    ) -> HRESULT {
        // SAFETY: `count` values (ModifyStatusRow's contract).
        let row = unsafe { Props::from_raw(values, count) }.unwrap();
        let long = |tag| match row.find(tag).map(|p| p.value()) {
            Some(PropValue::Long(v)) => v,
            _ => -1,
        };
        let text = row
            .find(sys::PR_STATUS_STRING_W)
            .and_then(|p| p.value().to_text())
            .unwrap_or_default();
        let entry = (
            long(sys::PR_STATUS_CODE),
            text,
            flags,
            long(sys::PR_RESOURCE_METHODS),
        );
        self.rows.lock().unwrap().push(entry);
        sys::S_OK
    }

    unsafe fn OpenProfileSection(
        &self,
        _uid: LPMAPIUID,
        _flags: ULONG,
        out: *mut LPPROFSECT,
    ) -> HRESULT {
        self.sections_opened.fetch_add(1, Ordering::SeqCst);
        // SAFETY: writable (OpenProfileSection's contract).
        unsafe { out.write(sys::InterfacePtr::null()) };
        sys::MAPI_E_NO_SUPPORT
    }

    unsafe fn ModifyProfile(&self, flags: ULONG) -> HRESULT {
        self.modify_profile.lock().unwrap().push(flags);
        sys::S_OK
    }

    unsafe fn StoreLogoffTransports(&self, flags: *mut ULONG) -> HRESULT {
        // SAFETY: a readable and writable flags word (StoreLogoffTransports' contract).
        unsafe {
            self.logoff_transports.lock().unwrap().push(flags.read());
            flags.write(sys::LOGOFF_COMPLETE);
        }
        sys::S_OK
    }

    unsafe fn WrapStoreEntryID(
        &self,
        cb: ULONG,
        eid: LPENTRYID,
        out_cb: *mut ULONG,
        out: *mut LPENTRYID,
    ) -> HRESULT {
        if !self.wraps {
            return sys::MAPI_E_NO_SUPPORT;
        }
        // SAFETY: `cb` readable bytes (WrapStoreEntryID's contract).
        let own = unsafe { std::slice::from_raw_parts(eid.cast::<u8>(), cb as usize) };
        let wrapped = Support::wrapped(own);
        // The wrapped id is the caller's to free with MAPIFreeBuffer (the provider's
        // allocators are the local ones here).
        let buffer = Buffer::new(Allocators::local(), wrapped.len()).unwrap();
        // SAFETY: room for the bytes; the out-pointers writable.
        unsafe {
            buffer
                .as_ptr()
                .copy_from_nonoverlapping(wrapped.as_ptr(), wrapped.len());
            out_cb.write(wrapped.len() as ULONG);
            out.write(buffer.into_raw().cast());
        }
        sys::S_OK
    }
}

/// The provider `MSProviderInit` makes, with the local allocators.
pub fn provider() -> IMSProvider {
    let (a, m, f) = Allocators::local().as_raw();
    let (mut version, mut provider) = (0, sys::InterfacePtr::null());
    // SAFETY: the local allocators and writable out-pointers.
    let hr = unsafe {
        super::MSProviderInit(
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

/// What a `Logon` answered: the HRESULT, the logon object and store handed out, and the
/// MAPIERROR's text.
pub type LoggedOn = (
    HRESULT,
    Option<sys::IMSLogon>,
    Option<sys::IMsgStore>,
    Option<String>,
);

/// `Logon` through `provider` with `flags` and the store's entry id (or none).
pub fn logon_with(
    provider: &IMSProvider,
    support: &sys::IMAPISupport,
    eid: Option<&[u8]>,
    flags: ULONG,
) -> LoggedOn {
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
