//! Deliberately broken stores, each caught by its named rule and by nothing else, and
//! the same store unbroken, which passes every rule. (The one that keeps itself alive is
//! leaked by the test, on purpose.)
//!
//! One fixture provider ([`FixtureProvider`]), made in process as a Rust value: a store
//! with an IPM subtree holding an inbox of three messages, its tables, `Advise` and
//! `Unadvise`, read state (`SetReadFlag`, `SetReadFlags`), associated messages
//! (`CreateMessage(MAPI_ASSOCIATED)`, `SetProps`, `SaveChanges`, `DeleteMessages`) and
//! the inbox's contents tables telling their sinks of the rows these change. [`Bug`]
//! breaks one thing.

#![allow(non_snake_case)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mapi_harness::{Config, Outcome, Provider};
use mapi_sync::mem::{Allocators, Buffer};
use mapi_sync::prelude::*;
use mapi_sync::props::{self, Prop, PropArray, PropValue, RowSet};
use mapi_sync::stream::Stream;
use mapi_sync::sys::{self, HRESULT, ULONG, ULONG_PTR};
use mapi_sync::FreeThreaded;

/// What the fixture gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    /// Nothing.
    None,
    /// `IMsgStore::GetProps` allocates a buffer it never frees.
    LeakBuffer,
    /// `OpenEntry` leaves `*lppUnk` as it was when it fails.
    NoNullOut,
    /// `IMsgStore::GetProps` frees the caller's tag array (which the caller frees too).
    FreeCallersBuffer,
    /// The hierarchy table's rows have no `PR_RECORD_KEY`.
    NoRecordKeyInFolderRows,
    /// `Unadvise` keeps the sink, and the store goes on notifying it.
    NotifyAfterUnadvise,
    /// The store keeps a reference to itself that it never gives back.
    StoreKeepsItself,
    /// A message's body stream lacks the body's last character.
    ShortBodyStream,
    /// A message says it has attachments (`PR_HASATTACH`) with none in its table, and
    /// its recipients share a `PR_ROWID`.
    WrongSubobjects,
    /// The associated contents table's rows lack `MSGFLAG_ASSOCIATED`.
    UnflaggedAssociatedRows,
    /// `SetReadFlag` takes `CLEAR_READ_FLAG | SUPPRESS_RECEIPT` (as `CLEAR_READ_FLAG`).
    ReadFlagTakesBadFlags,
    /// Table notifications carry the row's `PR_ENTRYID` as `propIndex`, not its
    /// `PR_INSTANCE_KEY`.
    NotificationIndexIsEntryId,
}

/// What a logon's objects share.
struct Shared {
    bug: Bug,
    allocators: Allocators,
    support: Mutex<Option<FreeThreaded<sys::IMAPISupport>>>,
    /// What `StoreLogoff` was given, for `StoreLogoffTransports` at the last release.
    logoff_flags: Mutex<Option<ULONG>>,
    sinks: Mutex<HashMap<ULONG_PTR, FreeThreaded<sys::IMAPIAdviseSink>>>,
    next: Mutex<ULONG_PTR>,
    /// Whether each of the inbox's messages is read.
    read: Mutex<[bool; 3]>,
    /// The inbox's associated messages, saved: their numbers and values.
    associated: Mutex<Vec<(u8, Row)>>,
    /// The number the next associated message saved gets.
    next_associated: Mutex<u8>,
    /// The sinks of the inbox's contents tables (`true`: an associated contents table's).
    table_sinks: Mutex<HashMap<ULONG_PTR, (bool, FreeThreaded<sys::IMAPIAdviseSink>)>>,
}

const STORE_KEY: &[u8] = b"fixture store key";

/// `PR_STORE_SUPPORT_MASK`: entry identifiers are unique, the store is read-only.
const MASK: i32 = (sys::STORE_ENTRYID_UNIQUE | sys::STORE_READONLY) as i32;

fn id(kind: u8, n: u8) -> Vec<u8> {
    [&[0u8; 4][..], b"fixture:", &[kind, n]].concat()
}

#[mapi_object(IMSProvider)]
struct FixtureProvider {
    bug: Bug,
    allocators: Allocators,
}

/// Nulls each non-null out-pointer.
macro_rules! null_out {
    ($($p:expr),*) => {$(
        if !$p.is_null() {
            // SAFETY: non-null and writable (the method's contract).
            unsafe { *$p = Default::default() };
        }
    )*};
}

impl sys::IMSProvider_Impl for FixtureProvider {
    unsafe fn Shutdown(&self, lpulFlags: *mut ULONG) -> HRESULT {
        null_out!(lpulFlags);
        sys::S_OK
    }

    unsafe fn Logon(
        &self,
        lpMAPISup: sys::LPMAPISUP,
        _: sys::ULONG_PTR,
        _: sys::LPTSTR,
        cbEntryID: ULONG,
        _: sys::LPENTRYID,
        _: ULONG,
        _: sys::LPCIID,
        lpcbSpoolSecurity: *mut ULONG,
        lppbSpoolSecurity: *mut sys::LPBYTE,
        lppMAPIError: *mut sys::LPMAPIERROR,
        lppMSLogon: *mut sys::LPMSLOGON,
        lppMDB: *mut sys::LPMDB,
    ) -> HRESULT {
        if lppMSLogon.is_null() || lppMDB.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        null_out!(lpcbSpoolSecurity, lppMSLogon, lppMDB);
        if !lppbSpoolSecurity.is_null() {
            // SAFETY: non-null and writable.
            unsafe { *lppbSpoolSecurity = std::ptr::null_mut() };
        }
        if !lppMAPIError.is_null() {
            // SAFETY: non-null and writable.
            unsafe { *lppMAPIError = std::ptr::null_mut() };
        }
        if cbEntryID == 0 {
            return sys::MAPI_E_UNCONFIGURED;
        }
        // SAFETY: MAPI's support object, borrowed for the call.
        let Some(support) = (unsafe { lpMAPISup.to_owned() }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let mut uid = sys::MAPIUID {
            ab: *b"fixture provider",
        };
        // SAFETY: a live support object and a MAPIUID.
        let hr = unsafe { support.SetProviderUID(&mut uid, 0) };
        if hr != sys::S_OK {
            return hr;
        }
        // The profile section: the store's name.
        let mut raw = sys::LPPROFSECT::null();
        // SAFETY: as above; a writable out-pointer.
        let hr =
            unsafe { support.OpenProfileSection(std::ptr::null_mut(), sys::MAPI_MODIFY, &mut raw) };
        if hr != sys::S_OK {
            return hr;
        }
        // SAFETY: the reference OpenProfileSection handed out.
        let Some(section) = (unsafe { raw.into_owned() }) else {
            return sys::MAPI_E_CALL_FAILED;
        };
        let Ok(values) = PropArray::write(
            self.allocators,
            &[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Fixture")).unwrap()],
        ) else {
            return sys::MAPI_E_NOT_ENOUGH_MEMORY;
        };
        // SAFETY: one value, alive for the call.
        let hr = unsafe {
            section.SetProps(
                1,
                values.as_slice().as_ptr().cast_mut(),
                std::ptr::null_mut(),
            )
        };
        if hr != sys::S_OK {
            return hr;
        }
        // The status row.
        let Ok(row) = PropArray::write(
            self.allocators,
            &[
                Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Fixture")).unwrap(),
                Prop::new(
                    sys::PR_STATUS_CODE,
                    PropValue::Long(sys::STATUS_AVAILABLE as i32),
                )
                .unwrap(),
            ],
        ) else {
            return sys::MAPI_E_NOT_ENOUGH_MEMORY;
        };
        // SAFETY: two values, alive for the call.
        let hr = unsafe { support.ModifyStatusRow(2, row.as_slice().as_ptr().cast_mut(), 0) };
        if hr != sys::S_OK {
            return hr;
        }
        let shared = Arc::new(Shared {
            bug: self.bug,
            allocators: self.allocators,
            // SAFETY: the harness's support object is free-threaded.
            support: Mutex::new(Some(unsafe { FreeThreaded::new(support) })),
            logoff_flags: Mutex::new(None),
            sinks: Mutex::new(HashMap::new()),
            next: Mutex::new(0),
            read: Mutex::new([false; 3]),
            associated: Mutex::new(Vec::new()),
            next_associated: Mutex::new(0),
            table_sinks: Mutex::new(HashMap::new()),
        });
        let logon = Object::new(FixtureLogon {
            shared: shared.clone(),
        })
        .cast::<sys::IMSLogon>();
        let store = Object::new(FixtureStore { shared }).cast::<sys::IMsgStore>();
        match (logon, store) {
            (Ok(l), Ok(s)) => {
                if self.bug == Bug::StoreKeepsItself {
                    std::mem::forget(s.clone());
                }
                // SAFETY: checked non-null above; the references move to the caller.
                unsafe {
                    *lppMSLogon = l.into();
                    *lppMDB = s.into();
                }
                sys::S_OK
            }
            _ => sys::MAPI_E_CALL_FAILED,
        }
    }

    unsafe fn SpoolerLogon(
        &self,
        _: sys::LPMAPISUP,
        _: sys::ULONG_PTR,
        _: sys::LPTSTR,
        _: ULONG,
        _: sys::LPENTRYID,
        _: ULONG,
        _: sys::LPCIID,
        _: ULONG,
        _: sys::LPBYTE,
        lppMAPIError: *mut sys::LPMAPIERROR,
        lppMSLogon: *mut sys::LPMSLOGON,
        lppMDB: *mut sys::LPMDB,
    ) -> HRESULT {
        null_out!(lppMSLogon, lppMDB);
        if !lppMAPIError.is_null() {
            // SAFETY: non-null and writable.
            unsafe { *lppMAPIError = std::ptr::null_mut() };
        }
        sys::MAPI_E_NO_SUPPORT
    }
}

#[mapi_object(IMSLogon)]
struct FixtureLogon {
    shared: Arc<Shared>,
}

impl sys::IMSLogon_Impl for FixtureLogon {
    unsafe fn Logoff(&self, lpulFlags: *mut ULONG) -> HRESULT {
        null_out!(lpulFlags);
        drop(self.shared.support.lock().unwrap().take());
        sys::S_OK
    }
}

#[mapi_sync_provider(IMsgStore)]
struct FixtureStore {
    shared: Arc<Shared>,
}

impl Drop for FixtureStore {
    /// The store's last release: `StoreLogoff`'s flags (or `LOGOFF_ABORT`) to
    /// `StoreLogoffTransports`, as the StoreLogoff page asks.
    fn drop(&mut self) {
        let flags = self.shared.logoff_flags.lock().unwrap().take();
        if let Some(support) = self.shared.support.lock().unwrap().as_ref() {
            let mut flags = flags.unwrap_or(sys::LOGOFF_ABORT);
            // SAFETY: a live support object; a writable flags word.
            unsafe { support.StoreLogoffTransports(&mut flags) };
        }
    }
}

impl SyncProvider for FixtureStore {
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        progress.step("fixture", 1, 1)?;
        Ok(())
    }
}

/// Answers a `GetProps` from `has`.
///
/// # Safety
/// GetProps' contract.
unsafe fn answer(
    allocators: Allocators,
    tags: sys::LPSPropTagArray,
    has: &[Prop<'_>],
    count: *mut ULONG,
    values: *mut sys::LPSPropValue,
) -> HRESULT {
    null_out!(values);
    // SAFETY: null or a tag array.
    let requested = unsafe { props::prop_tags(tags) };
    match PropArray::answer(allocators, requested, has, sys::MAPI_UNICODE) {
        // SAFETY: GetProps' contract.
        Ok(a) => unsafe { a.hand_out(count, values) },
        Err(e) => e.code(),
    }
}

/// Answers a `GetProps` from owned values.
///
/// # Safety
/// GetProps' contract.
unsafe fn answer_owned(
    allocators: Allocators,
    tags: sys::LPSPropTagArray,
    owned: &[(ULONG, props::OwnedValue)],
    count: *mut ULONG,
    values: *mut sys::LPSPropValue,
) -> HRESULT {
    let has: Vec<Prop<'_>> = owned
        .iter()
        .map(|(t, v)| Prop::new(*t, v.as_value()).unwrap())
        .collect();
    // SAFETY: passed on from our caller.
    unsafe { answer(allocators, tags, &has, count, values) }
}

/// `OpenEntry` for every object of the fixture.
///
/// # Safety
/// OpenEntry's contract.
unsafe fn open_entry(
    shared: &Arc<Shared>,
    cb: ULONG,
    lp: sys::LPENTRYID,
    kind_out: *mut ULONG,
    out: *mut sys::LPUNKNOWN,
) -> HRESULT {
    if kind_out.is_null() || out.is_null() {
        return sys::MAPI_E_INVALID_PARAMETER;
    }
    if shared.bug != Bug::NoNullOut {
        // SAFETY: non-null and writable.
        unsafe { *out = sys::InterfacePtr::null() };
    }
    let bytes = if cb == 0 {
        id(b'R', 0)
    } else {
        // SAFETY: `cb` bytes (OpenEntry's contract).
        match unsafe { props::entry_id(cb, lp) } {
            Ok((flags, bytes)) => [&flags[..], bytes].concat(),
            Err(e) => return e.code(),
        }
    };
    let folder = |kind| FixtureFolder {
        shared: shared.clone(),
        kind,
    };
    let object = if bytes == id(b'R', 0) {
        Object::new(folder(b'R')).into_unknown()
    } else if bytes == id(b'I', 0) {
        Object::new(folder(b'I')).into_unknown()
    } else if bytes == id(b'W', 0) {
        Object::new(folder(b'W')).into_unknown()
    } else if let Some((n, row)) = shared
        .associated
        .lock()
        .unwrap()
        .iter()
        .find(|(n, _)| bytes == id(b'A', *n))
        .cloned()
    {
        let message = Object::new(FixtureAssociated {
            shared: shared.clone(),
            saved: Mutex::new(Some(n)),
            values: Mutex::new(row),
        });
        // SAFETY: checked non-null; the reference moves to the caller.
        unsafe {
            *kind_out = sys::MAPI_MESSAGE;
            *out = message.into_unknown().into();
        }
        return sys::S_OK;
    } else if let Some(n) = (0..3u8).find(|&n| bytes == id(b'M', n)) {
        let message = Object::new(FixtureMessage {
            shared: shared.clone(),
            n,
        });
        // SAFETY: checked non-null; the reference moves to the caller.
        unsafe {
            *kind_out = sys::MAPI_MESSAGE;
            *out = message.into_unknown().into();
        }
        return sys::S_OK;
    } else {
        return sys::MAPI_E_UNKNOWN_ENTRYID;
    };
    // SAFETY: checked non-null; the reference moves to the caller.
    unsafe {
        *kind_out = sys::MAPI_FOLDER;
        *out = object.into();
    }
    sys::S_OK
}

/// A message's properties, as its object and its row have them.
fn message_props(shared: &Shared, n: u8) -> Vec<(ULONG, props::OwnedValue)> {
    use props::OwnedValue as V;
    let read = shared.read.lock().unwrap()[usize::from(n)];
    let flags = if read { sys::MSGFLAG_READ as i32 } else { 0 };
    vec![
        (sys::PR_MESSAGE_FLAGS, V::Long(flags)),
        (sys::PR_ENTRYID, V::Binary(id(b'M', n))),
        (sys::PR_RECORD_KEY, V::Binary(vec![b'm', n])),
        (sys::PR_STORE_SUPPORT_MASK, V::Long(MASK)),
        (sys::PR_MESSAGE_SIZE, V::Long(100 + 10 * i32::from(n))),
        (sys::PR_SUBJECT_W, V::from(PropValue::Str("message"))),
        (sys::PR_SUBJECT_A, V::String8(b"message".to_vec())),
    ]
}

/// Hands `rows` out as a fixture table.
///
/// # Safety
/// `out` null or writable.
unsafe fn give_table(
    shared: &Arc<Shared>,
    rows: Vec<Vec<(ULONG, props::OwnedValue)>>,
    out: *mut sys::LPMAPITABLE,
) -> HRESULT {
    // SAFETY: the caller's contract.
    unsafe { give_watched_table(shared, rows, None, out) }
}

/// Hands `rows` out as a fixture table, one of the inbox's contents tables (its sinks
/// told of changes) when `watched` says which (`Some(true)`: the associated one).
///
/// # Safety
/// `out` null or writable.
unsafe fn give_watched_table(
    shared: &Arc<Shared>,
    rows: Vec<Vec<(ULONG, props::OwnedValue)>>,
    watched: Option<bool>,
    out: *mut sys::LPMAPITABLE,
) -> HRESULT {
    if out.is_null() {
        return sys::MAPI_E_INVALID_PARAMETER;
    }
    let table = Object::new(FixtureTable {
        shared: shared.clone(),
        rows,
        state: Mutex::new(TableState::default()),
        watched,
        connections: Mutex::new(Vec::new()),
    });
    match table.cast::<sys::IMAPITable>() {
        Ok(t) => {
            // SAFETY: non-null and writable; the reference moves to the caller.
            unsafe { *out = t.into() };
            sys::S_OK
        }
        Err(e) => e.code(),
    }
}

#[mapi_object(IMessage)]
struct FixtureMessage {
    shared: Arc<Shared>,
    n: u8,
}

impl sys::IMAPIProp_Impl for FixtureMessage {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        _: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let mut owned = message_props(&self.shared, self.n);
        owned.push((sys::PR_BODY_W, props::OwnedValue::Unicode(body(self.n))));
        let to: Vec<u16> = "Ann; Bob".encode_utf16().collect();
        owned.push((sys::PR_DISPLAY_TO_W, props::OwnedValue::Unicode(to)));
        let wrong = self.shared.bug == Bug::WrongSubobjects;
        owned.push((sys::PR_HASATTACH, props::OwnedValue::Boolean(wrong)));
        // SAFETY: GetProps' contract.
        unsafe {
            answer_owned(
                self.shared.allocators,
                lpPropTagArray,
                &owned,
                lpcValues,
                lppPropArray,
            )
        }
    }

    unsafe fn OpenProperty(
        &self,
        ulPropTag: ULONG,
        _: sys::LPCIID,
        _: ULONG,
        _: ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        if lppUnk.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null and writable (OpenProperty's contract).
        unsafe { *lppUnk = sys::InterfacePtr::null() };
        if ulPropTag != sys::PR_BODY_W {
            return sys::MAPI_E_NOT_FOUND;
        }
        let mut text = body(self.n);
        if self.shared.bug == Bug::ShortBodyStream {
            text.pop();
        }
        let bytes: Vec<u8> = text.iter().flat_map(|u| u.to_le_bytes()).collect();
        let stream = Stream::read_only(std::io::Cursor::new(bytes)).into_istream();
        // SAFETY: as above; the stream's one reference moves to the caller.
        unsafe { *lppUnk = sys::InterfacePtr::from_raw(stream.into_raw()) };
        sys::S_OK
    }
}

/// Message `n`'s `PR_BODY_W`.
fn body(n: u8) -> Vec<u16> {
    format!("The body of message {n}.").encode_utf16().collect()
}

impl sys::IMessage_Impl for FixtureMessage {
    unsafe fn SetReadFlag(&self, ulFlags: ULONG) -> HRESULT {
        match read_change(self.shared.bug, ulFlags) {
            Ok(Some(read)) => {
                mark(&self.shared, self.n, read);
                sys::S_OK
            }
            Ok(None) => sys::S_OK,
            Err(hr) => hr,
        }
    }

    unsafe fn GetAttachmentTable(&self, _: ULONG, lppTable: *mut sys::LPMAPITABLE) -> HRESULT {
        // SAFETY: GetAttachmentTable's contract.
        unsafe { give_table(&self.shared, Vec::new(), lppTable) }
    }

    unsafe fn GetRecipientTable(&self, _: ULONG, lppTable: *mut sys::LPMAPITABLE) -> HRESULT {
        use props::OwnedValue as V;
        let second = if self.shared.bug == Bug::WrongSubobjects {
            0
        } else {
            1
        };
        let rows = [(0, "Ann"), (second, "Bob")]
            .into_iter()
            .map(|(row, name)| {
                vec![
                    (sys::PR_ROWID, V::Long(row)),
                    (sys::PR_RECIPIENT_TYPE, V::Long(sys::MAPI_TO as i32)),
                    (sys::PR_DISPLAY_NAME_W, V::from(PropValue::Str(name))),
                ]
            })
            .collect();
        // SAFETY: GetRecipientTable's contract.
        unsafe { give_table(&self.shared, rows, lppTable) }
    }
}

impl FixtureStore {
    /// Every sink still registered (or kept after Unadvise) hears a modification.
    fn notify(&self) {
        let sinks: Vec<sys::IMAPIAdviseSink> = self
            .shared
            .sinks
            .lock()
            .unwrap()
            .values()
            .map(|s| (**s).clone())
            .collect();
        for sink in sinks {
            // SAFETY: NOTIFICATION is plain data; zeroes are a valid one.
            let mut n: sys::NOTIFICATION = unsafe { std::mem::zeroed() };
            n.ulEventType = sys::fnevObjectModified;
            // SAFETY: one notification, alive for the call.
            unsafe { sink.OnNotify(1, &mut n) };
        }
    }
}

impl sys::IMAPIProp_Impl for FixtureStore {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        _: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let s = &self.shared;
        self.notify();
        if s.bug == Bug::LeakBuffer {
            let leaked = Buffer::new(s.allocators, 32).unwrap();
            let _ = leaked.into_raw();
        }
        let (root, entry, deleted) = (id(b'R', 0), id(b'S', 0), id(b'W', 0));
        let has = [
            Prop::new(sys::PR_ENTRYID, PropValue::Binary(&entry)).unwrap(),
            Prop::new(sys::PR_RECORD_KEY, PropValue::Binary(STORE_KEY)).unwrap(),
            Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Fixture")).unwrap(),
            Prop::new(sys::PR_DISPLAY_NAME_A, PropValue::String8(b"Fixture")).unwrap(),
            Prop::new(sys::PR_IPM_SUBTREE_ENTRYID, PropValue::Binary(&root)).unwrap(),
            Prop::new(sys::PR_IPM_WASTEBASKET_ENTRYID, PropValue::Binary(&deleted)).unwrap(),
            Prop::new(sys::PR_STORE_SUPPORT_MASK, PropValue::Long(MASK)).unwrap(),
        ];
        // SAFETY: GetProps' contract.
        let hr = unsafe { answer(s.allocators, lpPropTagArray, &has, lpcValues, lppPropArray) };
        if s.bug == Bug::FreeCallersBuffer && !lpPropTagArray.is_null() {
            let (_, _, free) = s.allocators.as_raw();
            // SAFETY: the bug: the caller's tag array, freed here (and by the caller).
            unsafe { free.unwrap()(lpPropTagArray.cast()) };
        }
        hr
    }
}

impl sys::IMsgStore_Impl for FixtureStore {
    unsafe fn StoreLogoff(&self, flags: *mut ULONG) -> HRESULT {
        if flags.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null, readable and writable.
        unsafe {
            *self.shared.logoff_flags.lock().unwrap() = Some(*flags);
            *flags = 0;
        }
        sys::S_OK
    }

    unsafe fn Advise(
        &self,
        _: ULONG,
        _: sys::LPENTRYID,
        _: ULONG,
        lpAdviseSink: sys::LPMAPIADVISESINK,
        lpulConnection: *mut ULONG_PTR,
    ) -> HRESULT {
        if lpulConnection.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: a live sink for the call, kept with a reference of our own.
        let Some(sink) = (unsafe { lpAdviseSink.to_owned() }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let mut next = self.shared.next.lock().unwrap();
        *next += 1;
        // SAFETY: the harness's sinks are free-threaded.
        self.shared
            .sinks
            .lock()
            .unwrap()
            .insert(*next, unsafe { FreeThreaded::new(sink) });
        // SAFETY: non-null and writable.
        unsafe { *lpulConnection = *next };
        sys::S_OK
    }

    unsafe fn Unadvise(&self, ulConnection: ULONG_PTR) -> HRESULT {
        if self.shared.bug == Bug::NotifyAfterUnadvise {
            return sys::S_OK;
        }
        match self.shared.sinks.lock().unwrap().remove(&ulConnection) {
            Some(_) => sys::S_OK,
            None => sys::MAPI_E_NOT_FOUND,
        }
    }

    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _: sys::LPCIID,
        _: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: OpenEntry's contract, passed on.
        unsafe { open_entry(&self.shared, cbEntryID, lpEntryID, lpulObjType, lppUnk) }
    }

    unsafe fn CompareEntryIDs(
        &self,
        cbEntryID1: ULONG,
        lpEntryID1: sys::LPENTRYID,
        cbEntryID2: ULONG,
        lpEntryID2: sys::LPENTRYID,
        _: ULONG,
        lpulResult: *mut ULONG,
    ) -> HRESULT {
        if lpulResult.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: each `cb` readable bytes (CompareEntryIDs' contract).
        let ids = unsafe {
            (
                props::entry_id(cbEntryID1, lpEntryID1),
                props::entry_id(cbEntryID2, lpEntryID2),
            )
        };
        match ids {
            (Ok((_, a)), Ok((_, b))) => {
                // SAFETY: non-null and writable.
                unsafe { *lpulResult = ULONG::from(a == b) };
                sys::S_OK
            }
            (Err(e), _) | (_, Err(e)) => e.code(),
        }
    }

    unsafe fn GetReceiveFolder(
        &self,
        _: sys::LPTSTR,
        _: ULONG,
        lpcbEntryID: *mut ULONG,
        lppEntryID: *mut sys::LPENTRYID,
        lppszExplicitClass: *mut sys::LPTSTR,
    ) -> HRESULT {
        if lpcbEntryID.is_null() || lppEntryID.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        if !lppszExplicitClass.is_null() {
            // SAFETY: non-null and writable.
            unsafe { *lppszExplicitClass = std::ptr::null_mut() };
        }
        let inbox = id(b'I', 0);
        match props::write_entry_id(self.shared.allocators, [0; 4], &inbox[4..]) {
            Ok((cb, buffer)) => {
                // SAFETY: checked non-null; the buffer moves to the caller.
                unsafe {
                    *lpcbEntryID = cb;
                    *lppEntryID = buffer.into_raw().cast();
                }
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}

#[mapi_object(IMAPIFolder)]
struct FixtureFolder {
    shared: Arc<Shared>,
    kind: u8,
}

impl FixtureFolder {
    fn props(&self) -> Vec<(ULONG, props::OwnedValue)> {
        use props::OwnedValue as V;
        let name = match self.kind {
            b'R' => "Root",
            b'W' => "Deleted Items",
            _ => "Inbox",
        };
        vec![
            (sys::PR_ENTRYID, V::Binary(id(self.kind, 0))),
            (sys::PR_RECORD_KEY, V::Binary(vec![b'k', self.kind])),
            (sys::PR_STORE_SUPPORT_MASK, V::Long(MASK)),
            (sys::PR_DISPLAY_NAME_W, V::from(PropValue::Str(name))),
            (
                sys::PR_ACCESS,
                V::Long((sys::MAPI_ACCESS_READ | sys::MAPI_ACCESS_CREATE_ASSOCIATED) as i32),
            ),
            (
                sys::PR_ASSOC_CONTENT_COUNT,
                V::Long(if self.kind == b'I' {
                    self.shared.associated.lock().unwrap().len() as i32
                } else {
                    0
                }),
            ),
        ]
    }
}

impl sys::IMAPIProp_Impl for FixtureFolder {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        _: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let owned = self.props();
        // SAFETY: GetProps' contract.
        unsafe {
            answer_owned(
                self.shared.allocators,
                lpPropTagArray,
                &owned,
                lpcValues,
                lppPropArray,
            )
        }
    }
}

impl FixtureFolder {
    /// Hands `rows` out as a table.
    ///
    /// # Safety
    /// `out` null or writable.
    unsafe fn table(
        &self,
        rows: Vec<Vec<(ULONG, props::OwnedValue)>>,
        watched: Option<bool>,
        out: *mut sys::LPMAPITABLE,
    ) -> HRESULT {
        // SAFETY: the caller's contract.
        unsafe { give_watched_table(&self.shared, rows, watched, out) }
    }
}

impl sys::IMAPIContainer_Impl for FixtureFolder {
    unsafe fn GetContentsTable(&self, flags: ULONG, lppTable: *mut sys::LPMAPITABLE) -> HRESULT {
        use props::OwnedValue as V;
        let rows = if self.kind == b'I' {
            (0..3u8)
                .map(|i| {
                    let mut row = message_props(&self.shared, i);
                    row.push((sys::PR_INSTANCE_KEY, V::Binary(vec![i, 0, 0, 0])));
                    row
                })
                .collect()
        } else {
            Vec::new()
        };
        if flags & sys::MAPI_ASSOCIATED != 0 {
            let rows = if self.kind == b'I' {
                let saved = self.shared.associated.lock().unwrap().clone();
                saved
                    .into_iter()
                    .map(|(n, row)| associated_row(self.shared.bug, n, row))
                    .collect()
            } else {
                Vec::new()
            };
            // SAFETY: GetContentsTable's contract.
            return unsafe { self.table(rows, Some(true), lppTable) };
        }
        let watched = (self.kind == b'I').then_some(false);
        // SAFETY: GetContentsTable's contract.
        unsafe { self.table(rows, watched, lppTable) }
    }

    unsafe fn GetHierarchyTable(&self, _: ULONG, lppTable: *mut sys::LPMAPITABLE) -> HRESULT {
        let rows = if self.kind == b'R' {
            let inbox = FixtureFolder {
                shared: self.shared.clone(),
                kind: b'I',
            };
            let mut row = inbox.props();
            row.push((
                sys::PR_INSTANCE_KEY,
                props::OwnedValue::Binary(vec![9, 9, 9, 9]),
            ));
            if self.shared.bug == Bug::NoRecordKeyInFolderRows {
                row.retain(|(t, _)| *t != sys::PR_RECORD_KEY);
            }
            vec![row]
        } else {
            Vec::new()
        };
        // SAFETY: GetHierarchyTable's contract.
        unsafe { self.table(rows, None, lppTable) }
    }

    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _: sys::LPCIID,
        _: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: OpenEntry's contract, passed on.
        unsafe { open_entry(&self.shared, cbEntryID, lpEntryID, lpulObjType, lppUnk) }
    }
}

/// The identifiers an `ENTRYLIST` holds.
///
/// # Safety
/// `list` must be NULL or an `ENTRYLIST` valid for the call.
unsafe fn entry_list(list: sys::LPENTRYLIST) -> Option<Vec<Vec<u8>>> {
    if list.is_null() {
        return None;
    }
    // SAFETY: the caller's contract: `cValues` SBinary values.
    unsafe {
        let count = (*list).cValues as usize;
        let bins = std::slice::from_raw_parts((*list).lpbin, count);
        Some(
            bins.iter()
                .map(|b| std::slice::from_raw_parts(b.lpb, b.cb as usize).to_vec())
                .collect(),
        )
    }
}

/// What `SetReadFlag(flags)` asks: `Some(read)`, `None` to leave the state, or the
/// error the page gives for a combination it forbids.
fn read_change(bug: Bug, flags: ULONG) -> Result<Option<bool>, HRESULT> {
    let clear = flags & sys::CLEAR_READ_FLAG != 0;
    let forbidden = if bug == Bug::ReadFlagTakesBadFlags {
        sys::GENERATE_RECEIPT_ONLY
    } else {
        sys::SUPPRESS_RECEIPT | sys::GENERATE_RECEIPT_ONLY
    };
    if clear && flags & forbidden != 0 {
        return Err(sys::MAPI_E_INVALID_PARAMETER);
    }
    if flags & sys::GENERATE_RECEIPT_ONLY != 0 {
        return Ok(None);
    }
    Ok(Some(!clear))
}

/// Marks message `n` of the inbox read or not, and tells the contents tables' sinks.
fn mark(shared: &Shared, n: u8, read: bool) {
    shared.read.lock().unwrap()[usize::from(n)] = read;
    let mut row = message_props(shared, n);
    row.push((
        sys::PR_INSTANCE_KEY,
        props::OwnedValue::Binary(vec![n, 0, 0, 0]),
    ));
    notify_tables(shared, false, sys::TABLE_ROW_MODIFIED, &row);
}

/// An associated message's row: its values, `PR_ENTRYID`, `PR_RECORD_KEY`,
/// `PR_MESSAGE_FLAGS` and `PR_INSTANCE_KEY`.
fn associated_row(bug: Bug, n: u8, mut row: Row) -> Row {
    use props::OwnedValue as V;
    let flags = if bug == Bug::UnflaggedAssociatedRows {
        0
    } else {
        sys::MSGFLAG_ASSOCIATED as i32
    };
    row.retain(|(t, _)| {
        ![
            sys::PR_ENTRYID,
            sys::PR_RECORD_KEY,
            sys::PR_MESSAGE_FLAGS,
            sys::PR_INSTANCE_KEY,
        ]
        .contains(t)
    });
    row.extend([
        (sys::PR_ENTRYID, V::Binary(id(b'A', n))),
        (sys::PR_RECORD_KEY, V::Binary(vec![b'a', n])),
        (sys::PR_MESSAGE_FLAGS, V::Long(flags)),
        (sys::PR_INSTANCE_KEY, V::Binary(vec![0xA0, n, 0, 0])),
    ]);
    row
}

/// Tells the sinks of the inbox's contents tables (`associated`: of its associated
/// contents tables) of `row`: added, modified or deleted.
fn notify_tables(shared: &Shared, associated: bool, event: ULONG, row: &Row) {
    let sinks: Vec<sys::IMAPIAdviseSink> = shared
        .table_sinks
        .lock()
        .unwrap()
        .values()
        .filter(|(a, _)| *a == associated)
        .map(|(_, s)| (**s).clone())
        .collect();
    if sinks.is_empty() {
        return;
    }
    let index_tag = if shared.bug == Bug::NotificationIndexIsEntryId {
        sys::PR_ENTRYID
    } else {
        sys::PR_INSTANCE_KEY
    };
    let Some((_, index)) = row.iter().find(|(t, _)| *t == index_tag) else {
        return;
    };
    let values: Vec<Prop<'_>> = row
        .iter()
        .map(|(t, v)| Prop::new(*t, v.as_value()).unwrap())
        .collect();
    let (Ok(index), Ok(values)) = (
        PropArray::write(
            shared.allocators,
            &[Prop::new(sys::PR_INSTANCE_KEY, index.as_value()).unwrap()],
        ),
        PropArray::write(shared.allocators, &values),
    ) else {
        return;
    };
    // SAFETY: NOTIFICATION is plain data; zeroes are a valid one, filled in below.
    let mut n: sys::NOTIFICATION = unsafe { std::mem::zeroed() };
    n.ulEventType = sys::fnevTableModified;
    // SAFETY: as above.
    let mut tab: sys::TABLE_NOTIFICATION = unsafe { std::mem::zeroed() };
    tab.ulTableEvent = event;
    tab.propIndex = index.as_slice()[0];
    tab.propPrior.ulPropTag = sys::PR_NULL;
    if event != sys::TABLE_ROW_DELETED {
        tab.row.cValues = values.as_slice().len() as ULONG;
        tab.row.lpProps = values.as_slice().as_ptr().cast_mut();
    }
    n.info.tab = tab;
    for sink in sinks {
        // SAFETY: one notification, alive for the call.
        unsafe { sink.OnNotify(1, &mut n) };
    }
}

impl sys::IMAPIFolder_Impl for FixtureFolder {
    unsafe fn CreateMessage(
        &self,
        _: sys::LPCIID,
        ulFlags: ULONG,
        lppMessage: *mut sys::LPMESSAGE,
    ) -> HRESULT {
        if lppMessage.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null and writable.
        unsafe { *lppMessage = sys::InterfacePtr::null() };
        if ulFlags & sys::MAPI_ASSOCIATED == 0 || self.kind != b'I' {
            return sys::MAPI_E_NO_ACCESS;
        }
        let message = Object::new(FixtureAssociated {
            shared: self.shared.clone(),
            saved: Mutex::new(None),
            values: Mutex::new(Vec::new()),
        });
        match message.cast::<sys::IMessage>() {
            Ok(m) => {
                // SAFETY: non-null and writable; the reference moves to the caller.
                unsafe { *lppMessage = m.into() };
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn DeleteMessages(
        &self,
        lpMsgList: sys::LPENTRYLIST,
        _: ULONG_PTR,
        _: sys::LPMAPIPROGRESS,
        _: ULONG,
    ) -> HRESULT {
        // SAFETY: DeleteMessages' contract.
        let Some(ids) = (unsafe { entry_list(lpMsgList) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let mut all = true;
        for bytes in ids {
            let removed = {
                let mut saved = self.shared.associated.lock().unwrap();
                let at = saved.iter().position(|(n, _)| bytes == id(b'A', *n));
                at.map(|i| saved.remove(i))
            };
            match removed {
                Some((n, row)) => {
                    let row = associated_row(self.shared.bug, n, row);
                    notify_tables(&self.shared, true, sys::TABLE_ROW_DELETED, &row);
                }
                None => all = false,
            }
        }
        if all {
            sys::S_OK
        } else {
            sys::MAPI_W_PARTIAL_COMPLETION
        }
    }

    unsafe fn SetReadFlags(
        &self,
        lpMsgList: sys::LPENTRYLIST,
        _: ULONG_PTR,
        _: sys::LPMAPIPROGRESS,
        ulFlags: ULONG,
    ) -> HRESULT {
        let change = match read_change(self.shared.bug, ulFlags) {
            Ok(c) => c,
            Err(hr) => return hr,
        };
        // SAFETY: SetReadFlags' contract.
        let ids = unsafe { entry_list(lpMsgList) }
            .unwrap_or_else(|| (0..3u8).map(|n| id(b'M', n)).collect());
        let mut all = true;
        for bytes in ids {
            match (0..3u8).find(|&n| bytes == id(b'M', n)) {
                Some(n) => {
                    if let Some(read) = change {
                        mark(&self.shared, n, read);
                    }
                }
                None => all = false,
            }
        }
        if all {
            sys::S_OK
        } else {
            sys::MAPI_W_PARTIAL_COMPLETION
        }
    }
}

/// An associated message of the inbox: made by `CreateMessage(MAPI_ASSOCIATED)` (not
/// saved yet) or opened by its entry identifier.
#[mapi_object(IMessage)]
struct FixtureAssociated {
    shared: Arc<Shared>,
    /// Its number, once saved.
    saved: Mutex<Option<u8>>,
    /// The values set on it.
    values: Mutex<Row>,
}

impl sys::IMAPIProp_Impl for FixtureAssociated {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        _: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let values = self.values.lock().unwrap().clone();
        let mut owned = match *self.saved.lock().unwrap() {
            Some(n) => associated_row(self.shared.bug, n, values),
            None => values,
        };
        owned.retain(|(t, _)| *t != sys::PR_INSTANCE_KEY);
        owned.push((sys::PR_STORE_SUPPORT_MASK, props::OwnedValue::Long(MASK)));
        // SAFETY: GetProps' contract.
        unsafe {
            answer_owned(
                self.shared.allocators,
                lpPropTagArray,
                &owned,
                lpcValues,
                lppPropArray,
            )
        }
    }

    unsafe fn SetProps(
        &self,
        cValues: ULONG,
        lpPropArray: sys::LPSPropValue,
        lppProblems: *mut sys::LPSPropProblemArray,
    ) -> HRESULT {
        null_out!(lppProblems);
        // SAFETY: `cValues` values (SetProps' contract).
        let Ok(given) = (unsafe { props::Props::from_raw(lpPropArray, cValues) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let mut values = self.values.lock().unwrap();
        for p in given.iter() {
            values.retain(|(t, _)| *t != p.tag());
            values.push((p.tag(), props::OwnedValue::from(p.value())));
        }
        sys::S_OK
    }

    unsafe fn SaveChanges(&self, _: ULONG) -> HRESULT {
        let values = self.values.lock().unwrap().clone();
        let mut saved = self.saved.lock().unwrap();
        let n = match *saved {
            Some(n) => n,
            None => {
                let mut next = self.shared.next_associated.lock().unwrap();
                let n = *next;
                *next += 1;
                *saved = Some(n);
                n
            }
        };
        let added = {
            let mut all = self.shared.associated.lock().unwrap();
            match all.iter_mut().find(|(m, _)| *m == n) {
                Some((_, row)) => {
                    *row = values.clone();
                    false
                }
                None => {
                    all.push((n, values.clone()));
                    true
                }
            }
        };
        let event = if added {
            sys::TABLE_ROW_ADDED
        } else {
            sys::TABLE_ROW_MODIFIED
        };
        let row = associated_row(self.shared.bug, n, values);
        notify_tables(&self.shared, true, event, &row);
        sys::S_OK
    }
}

impl sys::IMessage_Impl for FixtureAssociated {}

#[mapi_object(IMAPITable)]
struct FixtureTable {
    shared: Arc<Shared>,
    rows: Vec<Vec<(ULONG, props::OwnedValue)>>,
    state: Mutex<TableState>,
    /// For the inbox's contents tables, whether it is the associated one: its sinks hear
    /// the changes. (A row read from it stays as it was: the harness reads fresh tables.)
    watched: Option<bool>,
    /// Its `Advise` connections, dropped with it.
    connections: Mutex<Vec<ULONG_PTR>>,
}

impl Drop for FixtureTable {
    fn drop(&mut self) {
        let mut sinks = self.shared.table_sinks.lock().unwrap();
        for c in self.connections.lock().unwrap().drain(..) {
            sinks.remove(&c);
        }
    }
}

#[derive(Default)]
struct TableState {
    columns: Vec<ULONG>,
    cursor: usize,
    /// A `RES_PROPERTY`/`RELOP_EQ` restriction: the tag and the binary it must equal.
    only: Option<(ULONG, Vec<u8>)>,
    /// Sorted on a `PT_LONG` column, descending.
    sorted_on: Option<ULONG>,
}

/// A fixture row.
type Row = Vec<(ULONG, props::OwnedValue)>;

/// Whether `row` has `want.0` equal to the binary `want.1`.
fn matches(row: &Row, want: &(ULONG, Vec<u8>)) -> bool {
    row.iter()
        .any(|(t, v)| *t == want.0 && *v == props::OwnedValue::Binary(want.1.clone()))
}

impl FixtureTable {
    /// The rows the restriction lets through, in the sort order.
    fn visible(&self, state: &TableState) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|row| state.only.as_ref().is_none_or(|want| matches(row, want)))
            .collect();
        if let Some(tag) = state.sorted_on {
            let key = |row: &Row| {
                row.iter().find_map(|(t, v)| match v {
                    props::OwnedValue::Long(n) if *t == tag => Some(*n),
                    _ => None,
                })
            };
            rows.sort_by_key(|row| std::cmp::Reverse(key(row)));
        }
        rows
    }
}

/// The one restriction the fixture understands: `RES_PROPERTY`, `RELOP_EQ`, a binary.
///
/// # Safety
/// `r` must be NULL or a restriction valid for the call.
unsafe fn equality(r: sys::LPSRestriction) -> Result<Option<(ULONG, Vec<u8>)>, HRESULT> {
    if r.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract; the union member is the one `rt` names.
    unsafe {
        if (*r).rt != sys::RES_PROPERTY || (*r).res.resProperty.relop != sys::RELOP_EQ {
            return Err(sys::MAPI_E_TOO_COMPLEX);
        }
        let p = (*r).res.resProperty;
        let value = props::Props::from_raw(p.lpProp, 1).map_err(|e| e.code())?;
        match value.get(0).map(|v| v.value()) {
            Some(PropValue::Binary(b)) => Ok(Some((p.ulPropTag, b.to_vec()))),
            _ => Err(sys::MAPI_E_TOO_COMPLEX),
        }
    }
}

impl sys::IMAPITable_Impl for FixtureTable {
    unsafe fn SetColumns(&self, lpPropTagArray: sys::LPSPropTagArray, _: ULONG) -> HRESULT {
        // SAFETY: null or a tag array.
        match unsafe { props::prop_tags(lpPropTagArray) } {
            Some(tags) => {
                self.state.lock().unwrap().columns = tags.to_vec();
                sys::S_OK
            }
            None => sys::MAPI_E_INVALID_PARAMETER,
        }
    }

    unsafe fn SeekRow(
        &self,
        bkOrigin: sys::BOOKMARK,
        lRowCount: sys::LONG,
        lplRowsSought: *mut sys::LONG,
    ) -> HRESULT {
        if bkOrigin != sys::BOOKMARK_BEGINNING {
            return sys::MAPI_E_NO_SUPPORT;
        }
        let mut state = self.state.lock().unwrap();
        let target = (lRowCount.max(0) as usize).min(self.visible(&state).len());
        state.cursor = target;
        if !lplRowsSought.is_null() {
            // SAFETY: non-null and writable.
            unsafe { *lplRowsSought = target as sys::LONG };
        }
        sys::S_OK
    }

    unsafe fn FindRow(
        &self,
        lpRestriction: sys::LPSRestriction,
        bkOrigin: sys::BOOKMARK,
        _: ULONG,
    ) -> HRESULT {
        if bkOrigin != sys::BOOKMARK_BEGINNING {
            return sys::MAPI_E_NO_SUPPORT;
        }
        // SAFETY: FindRow's contract.
        let want = match unsafe { equality(lpRestriction) } {
            Ok(Some(w)) => w,
            Ok(None) => return sys::MAPI_E_INVALID_PARAMETER,
            Err(hr) => return hr,
        };
        let mut state = self.state.lock().unwrap();
        let rows = self.visible(&state);
        match rows.iter().position(|row| matches(row, &want)) {
            Some(i) => {
                state.cursor = i;
                sys::S_OK
            }
            None => sys::MAPI_E_NOT_FOUND,
        }
    }

    unsafe fn SortTable(&self, lpSortCriteria: sys::LPSSortOrderSet, _: ULONG) -> HRESULT {
        if lpSortCriteria.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: a sort order set (SortTable's contract); only its first key is read.
        let (count, first) = unsafe { ((*lpSortCriteria).cSorts, (*lpSortCriteria).aSort[0]) };
        if count != 1 || first.ulOrder != sys::TABLE_SORT_DESCEND {
            return sys::MAPI_E_TOO_COMPLEX;
        }
        let mut state = self.state.lock().unwrap();
        state.sorted_on = Some(first.ulPropTag);
        state.cursor = 0;
        sys::S_OK
    }

    unsafe fn Restrict(&self, lpRestriction: sys::LPSRestriction, _: ULONG) -> HRESULT {
        // SAFETY: Restrict's contract.
        match unsafe { equality(lpRestriction) } {
            Ok(only) => {
                let mut state = self.state.lock().unwrap();
                state.only = only;
                state.cursor = 0;
                sys::S_OK
            }
            Err(hr) => hr,
        }
    }

    unsafe fn Advise(
        &self,
        ulEventMask: ULONG,
        lpAdviseSink: sys::LPMAPIADVISESINK,
        lpulConnection: *mut ULONG_PTR,
    ) -> HRESULT {
        null_out!(lpulConnection);
        let Some(associated) = self.watched else {
            return sys::MAPI_E_NO_SUPPORT;
        };
        if lpulConnection.is_null() || ulEventMask != sys::fnevTableModified {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: a live sink for the call, kept with a reference of our own.
        let Some(sink) = (unsafe { lpAdviseSink.to_owned() }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let connection = {
            let mut next = self.shared.next.lock().unwrap();
            *next += 1;
            *next
        };
        // SAFETY: the harness's sinks are free-threaded.
        let sink = unsafe { FreeThreaded::new(sink) };
        self.shared
            .table_sinks
            .lock()
            .unwrap()
            .insert(connection, (associated, sink));
        self.connections.lock().unwrap().push(connection);
        // SAFETY: non-null and writable.
        unsafe { *lpulConnection = connection };
        sys::S_OK
    }

    unsafe fn Unadvise(&self, ulConnection: ULONG_PTR) -> HRESULT {
        self.connections
            .lock()
            .unwrap()
            .retain(|&c| c != ulConnection);
        match self
            .shared
            .table_sinks
            .lock()
            .unwrap()
            .remove(&ulConnection)
        {
            Some(_) => sys::S_OK,
            None => sys::MAPI_E_NOT_FOUND,
        }
    }

    unsafe fn QueryRows(
        &self,
        lRowCount: sys::LONG,
        _: ULONG,
        lppRows: *mut sys::LPSRowSet,
    ) -> HRESULT {
        if lppRows.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null and writable.
        unsafe { *lppRows = std::ptr::null_mut() };
        if lRowCount <= 0 {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let mut state = self.state.lock().unwrap();
        let visible = self.visible(&state);
        let start = state.cursor.min(visible.len());
        let end = (start + lRowCount as usize).min(visible.len());
        let rows: Vec<Vec<Prop<'_>>> = visible[start..end]
            .iter()
            .map(|row| {
                state
                    .columns
                    .iter()
                    .map(|&tag| match row.iter().find(|(t, _)| *t == tag) {
                        Some((t, v)) => Prop::new(*t, v.as_value()).unwrap(),
                        None => Prop::new(
                            props::change_prop_type(tag, sys::PT_ERROR),
                            PropValue::Error(sys::MAPI_E_NOT_FOUND),
                        )
                        .unwrap(),
                    })
                    .collect()
            })
            .collect();
        match RowSet::write(self.shared.allocators, &rows) {
            Ok(set) => {
                state.cursor = end;
                // SAFETY: non-null and writable; the set moves to the caller.
                unsafe { *lppRows = set.into_raw() };
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}

/// Runs the harness on the fixture with `bug`.
fn run(bug: Bug) -> mapi_harness::Report {
    let profiles = tempfile::tempdir().unwrap();
    let make: mapi_harness::host::MakeProvider = Box::new(move |allocators| {
        Object::new(FixtureProvider { bug, allocators }).cast::<sys::IMSProvider>()
    });
    mapi_harness::run(Config::new(
        Provider::Make(make),
        id(b'S', 0),
        profiles.path().to_path_buf(),
    ))
}

/// The rules that do not apply to the fixture: a message service's entry point (the
/// fixture is a provider without one, and the harness is given no service), and named
/// properties.
const SERVICE_RULES: [&str; 4] = [
    "service-entry-configures",
    "store-profile-section",
    "mapisvc-registers",
    // The fixture has no named properties (GetIDsFromNames answers MAPI_E_NO_SUPPORT).
    "named-properties",
];

/// What the fixture's run gives `name` when nothing is broken.
fn unbroken(name: &str) -> Outcome {
    if SERVICE_RULES.contains(&name) {
        Outcome::NotApplicable
    } else {
        Outcome::Pass
    }
}

/// The fixture with `bug` fails exactly `rule`, and passes every other rule.
fn caught_by(bug: Bug, rule: &str) -> Vec<String> {
    caught_by_each(bug, &[rule]).remove(0)
}

/// The fixture with `bug` fails exactly `rules` (in the report's order), and passes every
/// other rule; what each failure saw.
fn caught_by_each(bug: Bug, rules: &[&str]) -> Vec<Vec<String>> {
    let report = run(bug);
    let text = report.to_text();
    assert_eq!(report.failures(), rules, "{bug:?}:\n{text}");
    for (name, outcome) in report.outcomes() {
        if !rules.contains(&name) {
            assert_eq!(outcome, unbroken(name), "{bug:?}: {name}:\n{text}");
        }
    }
    assert_eq!(report.exit_code(), 1);
    rules
        .iter()
        .map(|rule| match report.outcome(rule) {
            Some(Outcome::Fail(seen)) => seen,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn the_unbroken_fixture_passes_every_rule() {
    let report = run(Bug::None);
    let text = report.to_text();
    for (name, outcome) in report.outcomes() {
        assert_eq!(outcome, unbroken(name), "{name}:\n{text}");
    }
    assert_eq!(report.exit_code(), 0);
    // What was checked for PR_ENTRYID: the store, the deleted items
    // (PR_IPM_WASTEBASKET_ENTRYID), the inbox, the IPM subtree (an object each), the
    // contents and hierarchy tables and the contents table read during the sync (a check
    // each), and the 3 + 1 objects their rows open.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let checks = |name: &str| {
        json["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["checks"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(checks("entryid-present"), 11, "{text}");
}

#[test]
fn a_leaked_buffer_is_caught_by_memory_no_leak() {
    let seen = caught_by(Bug::LeakBuffer, "memory-no-leak");
    assert!(
        seen.iter().all(|s| s.starts_with(
            "a buffer of 32 bytes (and 0 MAPIAllocateMore blocks) allocated in IMsgStore"
        )),
        "{seen:?}"
    );
}

#[test]
fn an_out_pointer_left_after_a_failure_is_caught_by_out_null_on_failure() {
    let seen = caught_by(Bug::NoNullOut, "out-null-on-failure");
    assert_eq!(
        seen,
        [
            "IMsgStore::OpenEntry(3 bytes) failed (MAPI_E_INVALID_ENTRYID) and left 0xbadf00d in lppUnk",
            "IMsgStore::OpenEntry(an identifier of no store) failed (MAPI_E_UNKNOWN_ENTRYID) and left 0xbadf00d in lppUnk",
        ]
    );
}

#[test]
fn a_freed_caller_buffer_is_caught_by_memory_freed_once() {
    let seen = caught_by(Bug::FreeCallersBuffer, "memory-freed-once");
    assert_eq!(
        seen,
        ["a buffer allocated in the harness's tag array for GetProps and freed in IMsgStore: GetProps was freed again in the harness, freeing its own tag array"]
    );
}

#[test]
fn folder_rows_without_a_record_key_are_caught_by_record_key_present() {
    let seen = caught_by(Bug::NoRecordKeyInFolderRows, "record-key-present");
    assert_eq!(
        seen,
        ["the IPM subtree's hierarchy table: 1 of 1 rows have no PR_RECORD_KEY (row 0: PT_ERROR MAPI_E_NOT_FOUND)"]
    );
}

#[test]
fn a_body_stream_that_differs_is_caught_by_body_stream() {
    // Each of the inbox's three messages: its stream is one character short.
    let seen = caught_by(Bug::ShortBodyStream, "body-stream");
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (i, s) in seen.iter().enumerate() {
        assert_eq!(
            s,
            &format!(
                "the object of the inbox's contents table, row {i}: OpenProperty(PR_BODY_W, \
                 IID_IStream): the stream reads 42 bytes, GetProps' PR_BODY_W is 44 bytes of \
                 UTF-16"
            )
        );
    }
}

#[test]
fn a_notification_after_unadvise_is_caught_by_no_notify_after_unadvise() {
    let seen = caught_by(Bug::NotifyAfterUnadvise, "no-notify-after-unadvise");
    assert_eq!(seen, ["the store's sink: 1 notifications after Unadvise"]);
}

#[test]
fn a_store_that_keeps_itself_is_caught_by_released_to_zero() {
    // Never released, it never reaches StoreLogoffTransports either.
    let rules = ["released-to-zero", "store-logoff-transports"];
    let seen = caught_by_each(Bug::StoreKeepsItself, &rules);
    assert_eq!(
        seen[0],
        ["the harness's last Release of the store answered 1: something still holds it"]
    );
    assert_eq!(
        seen[1],
        ["StoreLogoff(LOGOFF_ORDERLY): StoreLogoffTransports was called 0 times before the store's last release, and with [] after it (flags as numbers)"]
    );
}

#[test]
fn attachments_and_recipients_that_disagree_are_caught() {
    let seen = caught_by_each(Bug::WrongSubobjects, &["attachments", "recipients"]);
    assert_eq!(
        seen[0][0],
        "the object of the inbox's contents table, row 0: PR_HASATTACH is true and its attachment table has 0 rows"
    );
    assert!(
        seen[1][0].contains("2 rows with PR_ROWID [0, 0] (one each, distinct)"),
        "{:?}",
        seen[1]
    );
}

#[test]
fn associated_rows_without_their_flag_are_caught_by_associated_view() {
    let seen = caught_by(Bug::UnflaggedAssociatedRows, "associated-view");
    assert_eq!(
        seen,
        [
            "the view's row in the associated contents table has PR_MESSAGE_FLAGS Some(0), without MSGFLAG_ASSOCIATED",
            "the saved view, opened by its PR_ENTRYID, has PR_MESSAGE_FLAGS Some(0), without MSGFLAG_ASSOCIATED",
        ]
    );
}

#[test]
fn a_forbidden_read_flag_combination_taken_is_caught_by_read_flag() {
    let seen = caught_by(Bug::ReadFlagTakesBadFlags, "read-flag");
    assert_eq!(
        seen,
        [
            "SetReadFlag(CLEAR_READ_FLAG | SUPPRESS_RECEIPT) answered S_OK, not MAPI_E_INVALID_PARAMETER",
            "IMAPIFolder::SetReadFlags([the message], CLEAR_READ_FLAG | SUPPRESS_RECEIPT) answered S_OK, not MAPI_E_INVALID_PARAMETER",
        ]
    );
}

#[test]
fn table_notifications_keyed_by_entry_id_are_caught_by_table_notifications() {
    // The message marked read: a TABLE_ROW_MODIFIED, but not for its row's instance key.
    // The view saved: a TABLE_ROW_ADDED whose propIndex is not its row's instance key.
    let seen = caught_by(Bug::NotificationIndexIsEntryId, "table-notifications");
    let message = "[00, 00, 00, 00, 66, 69, 78, 74, 75, 72, 65, 3a, 4d, 00]";
    let view = "[00, 00, 00, 00, 66, 69, 78, 74, 75, 72, 65, 3a, 41, 01]";
    assert_eq!(
        seen,
        [
            format!("the inbox's contents table: no TABLE_ROW_MODIFIED with the row's PR_INSTANCE_KEY [00, 00, 00, 00] within 2 s of SetReadFlag (the sink heard TABLE_ROW_MODIFIED, the first with propIndex {message})"),
            format!("the inbox's associated contents table: the saved view's TABLE_ROW_ADDED has propIndex {view}, its row PR_INSTANCE_KEY [a0, 01, 00, 00]"),
        ]
    );
}
