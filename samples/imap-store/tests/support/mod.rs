//! MAPI's side of the sample, for its tests: `MSProviderInit`, a support object whose
//! profile section holds the store's settings (as the service entry leaves them in a
//! profile), `Logon`, the folders and their rows, and Send/Receive (`IMAPISync`) with a
//! callback that records every step and error.
#![allow(dead_code, non_snake_case)]

pub mod bench;
pub mod dovecot;
pub mod proxy;

use std::ptr::null_mut;
use std::sync::Mutex;
use std::time::Duration;

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{write_prop_tags, OwnedValue, Prop, PropValue, Properties, Props, Rows};
use mapi_sync::sys::{self, Interface, HANDLE, HRESULT, MAPISIB, S_OK, ULONG, WCHAR};
use mapi_sync::Out;

/// The store's settings, as a profile section holds them.
pub type Settings = Vec<(ULONG, OwnedValue)>;

/// MAPI's support object: `SetProviderUID`, and `OpenProfileSection` giving a section
/// with the settings.
#[mapi_object(IMAPISupport)]
struct Support {
    settings: Settings,
}

impl sys::IMAPISupport_Impl for Support {
    unsafe fn SetProviderUID(&self, _: sys::LPMAPIUID, _: ULONG) -> HRESULT {
        S_OK
    }

    unsafe fn OpenProfileSection(
        &self,
        _uid: sys::LPMAPIUID,
        _flags: ULONG,
        out: *mut sys::LPPROFSECT,
    ) -> HRESULT {
        // SAFETY: null or writable (OpenProfileSection's contract).
        let Ok(mut out) = (unsafe { Out::new(out) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let section = Section {
            settings: self.settings.clone(),
        };
        match Object::new(section).cast::<sys::IProfSect>() {
            Ok(s) => {
                out.write(s.into());
                S_OK
            }
            Err(e) => e.code(),
        }
    }
}

/// The store provider's profile section.
#[mapi_object(IProfSect, properties)]
struct Section {
    settings: Settings,
}

impl sys::IProfSect_Impl for Section {}

impl Properties for Section {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        let props = self
            .settings
            .iter()
            .map(|(t, v)| Prop::new(*t, v.as_value()))
            .collect::<mapi_sync::Result<Vec<_>>>()?;
        answer(&props);
        Ok(())
    }
}

/// `settings` with `tag` set to `value` (replaced, or added).
pub fn with(mut settings: Settings, tag: ULONG, value: OwnedValue) -> Settings {
    settings.retain(|(t, _)| *t != tag);
    settings.push((tag, value));
    settings
}

/// Text as a profile holds it (`PT_UNICODE`).
pub fn wide(text: &str) -> OwnedValue {
    OwnedValue::Unicode(text.encode_utf16().collect())
}

/// Frees what the store handed out (this crate's allocators).
pub fn free(p: *mut std::ffi::c_void) {
    // SAFETY: a buffer of these allocators handed to the caller, freed once.
    unsafe { Allocators::local().free(p) };
}

/// The provider, through `MSProviderInit` with this crate's allocators.
pub fn provider() -> sys::IMSProvider {
    let (a, m, f) = Allocators::local().as_raw();
    let (mut version, mut raw) = (0, sys::InterfacePtr::null());
    // SAFETY: local allocators, writable out-pointers.
    let hr = unsafe {
        imap_store::MSProviderInit(
            null_mut(),
            null_mut(),
            a,
            m,
            f,
            0,
            sys::CURRENT_SPI_VERSION,
            &mut version,
            &mut raw,
        )
    };
    assert_eq!((hr, version), (S_OK, sys::CURRENT_SPI_VERSION));
    // SAFETY: the one reference handed out.
    unsafe { raw.into_owned() }.expect("a provider")
}

/// `IMSProvider::Logon` with a profile holding `settings`: the logon object and the
/// store.
pub fn logon(provider: &sys::IMSProvider, settings: Settings) -> (sys::IMSLogon, sys::IMsgStore) {
    let support: sys::IMAPISupport = Object::new(Support { settings })
        .cast()
        .expect("IMAPISupport");
    let (mut l, mut s) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: a live support object, no entry identifier, writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(support.as_raw()),
            0,
            null_mut(),
            0,
            null_mut(),
            sys::MAPI_UNICODE,
            std::ptr::null(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut l,
            &mut s,
        )
    };
    assert_eq!(hr, S_OK, "Logon");
    // SAFETY: one reference each from a successful Logon.
    unsafe { (l.into_owned().unwrap(), s.into_owned().unwrap()) }
}

/// `IMSProvider::Logon` with a profile holding `settings`, for a logon that may fail:
/// the logon object and the store, or the `HRESULT` and the `MAPIERROR`'s text.
pub fn try_logon(
    provider: &sys::IMSProvider,
    settings: Settings,
) -> Result<(sys::IMSLogon, sys::IMsgStore), (HRESULT, String)> {
    let support: sys::IMAPISupport = Object::new(Support { settings })
        .cast()
        .expect("IMAPISupport");
    let (mut l, mut s) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    let mut error: sys::LPMAPIERROR = null_mut();
    // SAFETY: a live support object, no entry identifier, writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(support.as_raw()),
            0,
            null_mut(),
            0,
            null_mut(),
            sys::MAPI_UNICODE,
            std::ptr::null(),
            null_mut(),
            null_mut(),
            &mut error,
            &mut l,
            &mut s,
        )
    };
    if hr == S_OK {
        // SAFETY: one reference each from a successful Logon.
        return Ok(unsafe { (l.into_owned().unwrap(), s.into_owned().unwrap()) });
    }
    let text = if error.is_null() {
        String::new()
    } else {
        // SAFETY: a MAPIERROR the provider allocated, its text wide (MAPI_UNICODE); freed
        // once after it is read.
        unsafe {
            let t = from_wide((*error).lpszError.cast());
            free(error.cast());
            t
        }
    };
    Err((hr, text))
}

fn from_wide(p: *const WCHAR) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut len = 0;
    // SAFETY: the provider passes NUL-terminated UTF-16 strings.
    unsafe {
        while *p.add(len) != 0 {
            len += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
    }
}

/// What a Send/Receive reported.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// `Progress(text, index, max)`.
    pub steps: Vec<(String, u32, u32)>,
    /// `Error(hr, text)`.
    pub errors: Vec<(HRESULT, String)>,
    /// `Done`'s result.
    pub done: Option<HRESULT>,
}

impl Report {
    /// The steps that were a message's (their index is not 0).
    pub fn message_steps(&self) -> usize {
        self.steps.iter().filter(|s| s.1 > 0).count()
    }
}

/// Outlook's Send/Receive dialog: records what it is told; answers `Progress` with
/// `MAPI_E_USER_CANCEL` after `cancel_after` message steps.
#[mapi_object(IMAPISyncProgressCallback)]
struct Dialog {
    report: Mutex<Report>,
    cancel_after: Option<usize>,
}

impl sys::IMAPISyncProgressCallback_Impl for Dialog {
    unsafe fn Progress(&self, text: *const WCHAR, index: ULONG, max: ULONG) -> HRESULT {
        let mut r = self.report.lock().unwrap();
        r.steps.push((from_wide(text), index, max));
        match self.cancel_after {
            Some(n) if r.message_steps() >= n => sys::MAPI_E_USER_CANCEL,
            _ => S_OK,
        }
    }

    unsafe fn Error(&self, hr: HRESULT, text: *const WCHAR) -> HRESULT {
        self.report
            .lock()
            .unwrap()
            .errors
            .push((hr, from_wide(text)));
        S_OK
    }

    unsafe fn Done(&self, _event: HANDLE, hr: HRESULT) -> HRESULT {
        self.report.lock().unwrap().done = Some(hr);
        S_OK
    }
}

/// Send/Receive on `store` (`IMAPISync::SynchronizeInBackground`), waited for.
pub fn sync(store: &sys::IMsgStore) -> Report {
    sync_cancelled_after(store, None)
}

/// The same, cancelled by the dialog after `cancel_after` message steps.
pub fn sync_cancelled_after(store: &sys::IMsgStore, cancel_after: Option<usize>) -> Report {
    let (hr, started) = start_sync(store, cancel_after);
    assert_eq!(hr, S_OK, "SynchronizeInBackground");
    started.expect("a sync started").wait()
}

/// A Send/Receive started and not waited for yet.
pub struct Started {
    dialog: Object<Dialog>,
    event: HANDLE,
}

impl Started {
    /// Waits for its `Done` (two minutes at most); what it reported.
    pub fn wait(self) -> Report {
        // SAFETY: the event the store handed out, ours to wait on and close.
        unsafe {
            mapi_sync::event::wait_timeout(self.event, Duration::from_secs(120))
                .expect("done in time");
            mapi_sync::event::close(self.event);
        }
        let report = self.dialog.report.lock().unwrap().clone();
        report
    }
}

/// `IMAPISync::SynchronizeInBackground` on `store`, not waited for: what it answered,
/// and the sync when it started one.
pub fn start_sync(
    store: &sys::IMsgStore,
    cancel_after: Option<usize>,
) -> (HRESULT, Option<Started>) {
    let sync: sys::IMAPISync = store.cast().expect("IMAPISync");
    let dialog = Object::new(Dialog {
        report: Mutex::new(Report::default()),
        cancel_after,
    });
    let unknown = dialog.clone().into_unknown();
    let mut event: HANDLE = null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as u32,
        ulFlags: SyncFlags::DOWNLOAD_CONTENTS.bits(),
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::from_raw(unknown.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a complete MAPISIB with a live callback and a writable event slot.
    let hr = unsafe { sync.SynchronizeInBackground(&mut sib) };
    let started = (hr == S_OK).then_some(Started { dialog, event });
    (hr, started)
}

/// Opens entry `eid` of `store` as `T`.
pub fn open<T: sys::ComInterface>(store: &sys::IMsgStore, eid: &[u8]) -> T {
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an entry id alive for the call; writable out-pointers.
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
    assert_eq!(hr, S_OK, "OpenEntry");
    // SAFETY: one reference from OpenEntry.
    let unknown: sys::IUnknown = unsafe { unknown.into_owned() }.unwrap();
    unknown.cast::<T>().unwrap()
}

/// Every row of `table` with `columns`, the row set freed as `FreeProws` does.
pub fn rows(table: &sys::IMAPITable, columns: &[ULONG]) -> Vec<Vec<(ULONG, OwnedValue)>> {
    let tags = write_prop_tags(Allocators::local(), columns).unwrap();
    // SAFETY: a tag array alive for the call.
    assert_eq!(unsafe { table.SetColumns(tags.as_ptr().cast(), 0) }, S_OK);
    let mut raw = null_mut();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { table.QueryRows(100_000, 0, &mut raw) }, S_OK);
    // SAFETY: what QueryRows handed out, read then freed once.
    unsafe {
        let rows = Rows::from_raw(raw).unwrap();
        let out = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|p| (p.tag(), OwnedValue::from(p.value())))
                    .collect()
            })
            .collect();
        for i in 0..rows.len() {
            free(rows.get(i).unwrap().as_raw().as_ptr().cast_mut().cast());
        }
        free(raw.cast());
        out
    }
}

/// The text of a value (empty when it is not text).
pub fn text(value: &OwnedValue) -> String {
    value.as_value().to_text().unwrap_or_default()
}

/// The IPM subtree's folders, by display name, with depth (`CONVENIENT_DEPTH`).
pub fn folders(store: &sys::IMsgStore) -> Vec<(String, i32, Vec<u8>)> {
    let tags = write_prop_tags(Allocators::local(), &[sys::PR_IPM_SUBTREE_ENTRYID]).unwrap();
    let (mut count, mut values) = (0, null_mut());
    // SAFETY: a tag array alive for the call; writable out-pointers.
    let hr = unsafe { store.GetProps(tags.as_ptr().cast(), 0, &mut count, &mut values) };
    assert_eq!(hr, S_OK);
    // SAFETY: what GetProps handed out, read then freed.
    let subtree = unsafe {
        let props = Props::from_raw(values, count).unwrap();
        let eid = match props.get(0).unwrap().value() {
            PropValue::Binary(b) => b.to_vec(),
            other => panic!("no subtree: {other:?}"),
        };
        free(values.cast());
        eid
    };
    let folder: sys::IMAPIFolder = open(store, &subtree);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    let hr =
        unsafe { folder.GetHierarchyTable(sys::CONVENIENT_DEPTH | sys::MAPI_UNICODE, &mut table) };
    assert_eq!(hr, S_OK);
    // SAFETY: one reference from GetHierarchyTable.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    rows(
        &table,
        &[sys::PR_DISPLAY_NAME_W, sys::PR_DEPTH, sys::PR_ENTRYID],
    )
    .into_iter()
    .map(|r| {
        let depth = match r[1].1 {
            OwnedValue::Long(d) => d,
            _ => -1,
        };
        let eid = match &r[2].1 {
            OwnedValue::Binary(b) => b.clone(),
            _ => Vec::new(),
        };
        (text(&r[0].1), depth, eid)
    })
    .collect()
}

/// The folder of the IPM subtree named `name`.
pub fn folder(store: &sys::IMsgStore, name: &str) -> sys::IMAPIFolder {
    let all = folders(store);
    let found = all
        .iter()
        .find(|f| f.0 == name)
        .unwrap_or_else(|| panic!("no folder {name:?} among {all:?}"));
    open(store, &found.2)
}

/// Folder `name`'s contents table rows with `columns` (a table opened now).
pub fn contents(
    store: &sys::IMsgStore,
    name: &str,
    columns: &[ULONG],
) -> Vec<Vec<(ULONG, OwnedValue)>> {
    let folder = folder(store, name);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { folder.GetContentsTable(sys::MAPI_UNICODE, &mut table) },
        S_OK
    );
    // SAFETY: one reference from GetContentsTable.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    rows(&table, columns)
}

/// Message `eid`'s values of `tags` (`IMessage::GetProps`).
pub fn message_props(
    store: &sys::IMsgStore,
    eid: &[u8],
    tags: &[ULONG],
) -> Vec<(ULONG, OwnedValue)> {
    let message: sys::IMessage = open(store, eid);
    let tag_array = write_prop_tags(Allocators::local(), tags).unwrap();
    let (mut count, mut values) = (0, null_mut());
    // SAFETY: a tag array alive for the call; writable out-pointers.
    let hr = unsafe {
        message.GetProps(
            tag_array.as_ptr().cast(),
            sys::MAPI_UNICODE,
            &mut count,
            &mut values,
        )
    };
    assert!(
        hr == S_OK || hr == sys::MAPI_W_ERRORS_RETURNED,
        "GetProps: {hr:#x}"
    );
    // SAFETY: what GetProps handed out, read then freed.
    unsafe {
        let props = Props::from_raw(values, count).unwrap();
        let out = props
            .iter()
            .map(|p| (p.tag(), OwnedValue::from(p.value())))
            .collect();
        free(values.cast());
        out
    }
}

/// What a [`TableSink`] heard: each notification's table event and its row's subject.
pub type Heard = std::sync::Arc<std::sync::Mutex<Vec<(ULONG, Option<String>)>>>;

/// An advise sink that records each table notification's event and its row's subject.
#[mapi_sync::mapi_object(IMAPIAdviseSink)]
pub struct TableSink {
    pub heard: Heard,
}

#[allow(non_snake_case)]
impl sys::IMAPIAdviseSink_Impl for TableSink {
    unsafe fn OnNotify(&self, count: ULONG, notifications: sys::LPNOTIFICATION) -> ULONG {
        // SAFETY: `count` notifications (OnNotify's contract).
        let all = unsafe { std::slice::from_raw_parts(notifications, count as usize) };
        for n in all
            .iter()
            .filter(|n| n.ulEventType == sys::fnevTableModified)
        {
            // SAFETY: a table notification, as its event type says; its row alive now.
            let (event, subject) = unsafe {
                let tab = n.info.tab;
                let row = Props::from_raw(tab.row.lpProps, tab.row.cValues).unwrap();
                let subject = row
                    .find(sys::PR_SUBJECT_W)
                    .and_then(|p| p.value().to_text());
                (tab.ulTableEvent, subject)
            };
            self.heard.lock().unwrap().push((event, subject));
        }
        0
    }
}

/// Folder `name`'s contents table with its subjects as columns, and a sink advised on
/// it: what it hears.
pub fn watch(store: &sys::IMsgStore, name: &str) -> (sys::IMAPITable, Heard) {
    let folder = folder(store, name);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { folder.GetContentsTable(0, &mut table) }, S_OK);
    // SAFETY: the reference handed over.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    let tags = write_prop_tags(Allocators::local(), &[sys::PR_SUBJECT_W]).unwrap();
    // SAFETY: a tag array alive for the call.
    assert_eq!(unsafe { table.SetColumns(tags.as_ptr().cast(), 0) }, S_OK);
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink: sys::IMAPIAdviseSink = Object::new(TableSink {
        heard: heard.clone(),
    })
    .cast()
    .unwrap();
    let mut connection = 0;
    // SAFETY: a live sink and a writable connection.
    let hr = unsafe {
        table.Advise(
            sys::fnevTableModified,
            sys::InterfacePtr::from_raw(sink.as_raw()),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);
    (table, heard)
}
