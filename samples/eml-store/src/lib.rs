//! A whole MAPI message store in Rust: a local folder of `.eml` files (one message per
//! file) that MAPI loads through `MSProviderInit`, logs on to, opens, reads and syncs.
//! It is the example of the README's "Writing a provider" section, and what
//! `hosts/store_host.c` drives on Linux (also under valgrind) and under Wine.
//!
//! # The path MAPI takes, and what answers it
//!
//! 1. `MSProviderInit` (exported by [`mapi_sync::ms_provider_init!`]): keeps MAPI's
//!    allocators and hands out an [`EmlProvider`] (`IMSProvider`).
//! 2. `IMSProvider::Logon(support, .., cbEntryID, lpEntryID, ..)`: the entry identifier is
//!    the store's, as the profile keeps it: 4 flag bytes, [`PROVIDER_UID`], then the
//!    folder's path in UTF-8 ([`store_entry_id`] makes one). The store registers its own
//!    `MAPIUID` (derived from the path) with `IMAPISupport::SetProviderUID`, writes its
//!    name, entry identifier and record key to its profile section
//!    (`OpenProfileSection`, `SetProps`), keeps a
//!    reference to the support object until `IMSLogon::Logoff`, reads the `.eml` files
//!    already in the folder, and hands out an `IMSLogon` and an `IMsgStore`.
//! 3. The `IMsgStore` ([`EmlStore`]) answers `GetProps` (`PR_DISPLAY_NAME`,
//!    `PR_ENTRYID`, `PR_STORE_SUPPORT_MASK`, `PR_IPM_SUBTREE_ENTRYID`, ...),
//!    `GetReceiveFolder` (the inbox), `OpenEntry` (the root folder for an empty
//!    identifier, the inbox, a message) and `CompareEntryIDs`.
//! 4. Folders ([`EmlFolder`]): the root (`PR_IPM_SUBTREE_ENTRYID`) and the inbox, whose
//!    messages are the folder's files. `GetContentsTable` gives an [`EmlTable`]
//!    (`SetColumns`, `QueryColumns`, `GetRowCount`, `SeekRow`, `QueryRows`), which shows
//!    the inbox as it is when read, so rows a sync adds appear at its end;
//!    `GetHierarchyTable` of the root has one row, the inbox.
//! 5. Messages ([`EmlMessage`]): subject, sender, received time, body and the rest through
//!    `GetProps`.
//! 6. `IMAPISync` (the store object is a `#[mapi_sync_provider]`): `synchronize` imports
//!    the files added since the last sync, one `Progress` step per file, one `Error` per
//!    file it cannot read; one sync at a time (a second is `MAPI_E_BUSY`).
//!
//! # Bad input, and what answers it
//!
//! | what | where | answer |
//! |---|---|---|
//! | an unreadable file (a read that fails, e.g. a folder named `x.eml`) | the sync | `Error(MAPI_E_DISK_ERROR, "x.eml: ...")`; the sync goes on, `Done(S_OK)`; the file is tried again at the next sync |
//! | a malformed `.eml` ([`eml`] says what is) | the sync | `Error(MAPI_E_CORRUPT_DATA, "x.eml: line 1: ...")`, likewise |
//! | no entry identifier at logon | `Logon` | `MAPI_E_UNCONFIGURED` |
//! | a missing folder at logon | `Logon` | `MAPI_E_LOGON_FAILED` |
//! | the folder gone at a sync | the sync | `Error(MAPI_E_NOT_FOUND, ...)`, `Done(MAPI_E_NOT_FOUND)`; nothing read before is lost |
//! | an entry identifier of another store or provider | `OpenEntry`, `CompareEntryIDs` | `MAPI_E_UNKNOWN_ENTRYID` |
//! | a message identifier of this store that names no message | `OpenEntry` | `MAPI_E_NOT_FOUND` |
//! | an identifier shorter than its flags | `OpenEntry`, `CompareEntryIDs` | `MAPI_E_INVALID_ENTRYID` |
//! | a column the table's rows do not have | `QueryRows` | that column is `PT_ERROR` with `MAPI_E_NOT_FOUND` in each row (as `IMAPITable::QueryRows` documents) |
//! | no columns, or more than 1,000 | `SetColumns` | `MAPI_E_INVALID_PARAMETER` |
//! | an unknown bookmark | `SeekRow` | `MAPI_E_INVALID_BOOKMARK` |
//! | `QueryRows(0, ..)` | `QueryRows` | `MAPI_E_INVALID_PARAMETER` |
//! | a sync while one runs | `SynchronizeInBackground` | `MAPI_E_BUSY` |
//! | null out-pointers | every method | `MAPI_E_INVALID_PARAMETER` |
//!
//! # Exports
//!
//! `MSProviderInit`, and for the test hosts: `EmlStore_LiveObjects()` (objects of this
//! library alive), `EmlStore_WaitEvent(event, ms)` and `EmlStore_CloseEvent(event)` (the
//! done event, for hosts without Win32 events).

#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

pub mod eml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use mapi_sync::mem::{Allocators, Buffer};
use mapi_sync::prelude::*;
use mapi_sync::props::{self, prop_id, prop_type, Prop, PropArray, PropValue};
use mapi_sync::sys::{self, HANDLE, HRESULT, LONG, ULONG};

/// The provider's `MAPIUID`: the first 16 bytes after the flags of every store entry
/// identifier this provider makes.
pub const PROVIDER_UID: [u8; 16] = *b"mapi-sync eml v1";

/// The kinds of object an entry identifier names (the byte after the store's uid).
const KIND_ROOT: u8 = b'R';
const KIND_INBOX: u8 = b'I';
const KIND_MESSAGE: u8 = b'M';

/// `PR_STORE_SUPPORT_MASK`: entry identifiers are unique; the store is read-only (it
/// imports, it does not write messages).
pub const SUPPORT_MASK: ULONG = sys::STORE_ENTRYID_UNIQUE | sys::STORE_READONLY;

/// The most columns `SetColumns` takes.
const MAX_COLUMNS: usize = 1000;

/// Every object of this library alive.
static LIVE: AtomicU32 = AtomicU32::new(0);

/// Counts one object alive for as long as it lives.
struct Alive;

impl Alive {
    fn new() -> Alive {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The store entry identifier of the folder at `dir`: what a profile keeps and `Logon`
/// is given.
pub fn store_entry_id(dir: &Path) -> Vec<u8> {
    let path = dir.to_string_lossy();
    [&[0u8; 4][..], &PROVIDER_UID, path.as_bytes()].concat()
}

/// A store's own `MAPIUID`, from its folder's path: two FNV-1a hashes (64 bits each, with
/// different offsets), so identifiers stay the same from one logon to the next.
fn store_uid(path: &str) -> [u8; 16] {
    let fnv = |offset: u64| {
        path.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    let mut uid = [0; 16];
    uid[..8].copy_from_slice(&fnv(0xCBF2_9CE4_8422_2325).to_le_bytes());
    uid[8..].copy_from_slice(&fnv(0x6C62_272E_07BB_0142).to_le_bytes());
    uid
}

/// A message the store has read.
struct Message {
    eml: eml::Eml,
    size: i32,
    entry_id: Vec<u8>,
    instance_key: [u8; 4],
}

/// What the store knows of its folder.
#[derive(Default)]
struct Index {
    messages: Vec<Arc<Message>>,
    by_name: HashMap<String, usize>,
}

/// One logon's state, shared by all its objects.
struct Shared {
    dir: PathBuf,
    display_name: String,
    uid: [u8; 16],
    store_entry_id: Vec<u8>,
    root_entry_id: Vec<u8>,
    inbox_entry_id: Vec<u8>,
    allocators: Allocators,
    index: RwLock<Index>,
    /// MAPI's support object, held from `Logon` to `Logoff`.
    support: Mutex<Option<mapi_sync::FreeThreaded<sys::IMAPISupport>>>,
    _alive: Alive,
}

fn read_lock(index: &RwLock<Index>) -> std::sync::RwLockReadGuard<'_, Index> {
    index.read().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn object_entry_id(&self, kind: u8, name: &str) -> Vec<u8> {
        [&[0u8; 4][..], &self.uid, &[kind], name.as_bytes()].concat()
    }

    /// The `.eml` files of the folder not read yet, by name.
    fn new_files(&self) -> mapi_sync::Result<Vec<(String, PathBuf)>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| {
            let e = mapi_sync::Error::from(e);
            mapi_sync::Error::with_message(
                e.code(),
                format!("{}: {}", self.dir.display(), e.text()),
            )
        })?;
        let index = read_lock(&self.index);
        let mut files: Vec<(String, PathBuf)> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let eml = Path::new(&name)
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("eml"));
                (eml && !index.by_name.contains_key(&name)).then(|| (name, entry.path()))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Reads one file into the index. `Ok(false)` if it went away meanwhile.
    fn import(&self, name: &str, path: &Path) -> mapi_sync::Result<bool> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(mapi_sync::Error::with_message(
                    sys::MAPI_E_DISK_ERROR,
                    format!("{name}: cannot be read: {e}"),
                ))
            }
        };
        let eml = eml::parse(&bytes).map_err(|e| {
            mapi_sync::Error::with_message(
                e.code(),
                format!("{name}: {}", e.message().unwrap_or("")),
            )
        })?;
        let entry_id = self.object_entry_id(KIND_MESSAGE, name);
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        if index.by_name.contains_key(name) {
            return Ok(true);
        }
        let position = index.messages.len();
        index.messages.push(Arc::new(Message {
            eml,
            size: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
            entry_id,
            instance_key: (position as u32).to_le_bytes(),
        }));
        index.by_name.insert(name.to_owned(), position);
        Ok(true)
    }

    /// Opens what an entry identifier names.
    fn open(
        self: &Arc<Self>,
        cb: ULONG,
        lp: sys::LPENTRYID,
    ) -> mapi_sync::Result<(ULONG, sys::IUnknown)> {
        if cb == 0 {
            return Ok((sys::MAPI_FOLDER, EmlFolder::make(self, FolderKind::Root)));
        }
        // SAFETY: `cb` readable bytes at `lp` (OpenEntry's contract); too short is refused.
        let (_, bytes) = unsafe { props::entry_id(cb, lp) }?;
        let (kind, name) = self.ours(bytes)?;
        match (kind, name) {
            (KIND_ROOT, b"") => Ok((sys::MAPI_FOLDER, EmlFolder::make(self, FolderKind::Root))),
            (KIND_INBOX, b"") => Ok((sys::MAPI_FOLDER, EmlFolder::make(self, FolderKind::Inbox))),
            (KIND_MESSAGE, name) => {
                let index = read_lock(&self.index);
                let found = std::str::from_utf8(name)
                    .ok()
                    .and_then(|n| index.by_name.get(n))
                    .map(|&i| index.messages[i].clone());
                drop(index);
                let message = found.ok_or_else(|| {
                    mapi_sync::Error::with_message(
                        sys::MAPI_E_NOT_FOUND,
                        format!("no message {:?}", String::from_utf8_lossy(name)),
                    )
                })?;
                let object = Object::new(EmlMessage {
                    shared: self.clone(),
                    message,
                    _alive: Alive::new(),
                });
                Ok((sys::MAPI_MESSAGE, object.into_unknown()))
            }
            _ => Err(unknown_entry_id()),
        }
    }

    /// The kind byte and the name of one of this store's object identifiers (without its
    /// flags); `MAPI_E_UNKNOWN_ENTRYID` for any other.
    fn ours<'a>(&self, bytes: &'a [u8]) -> mapi_sync::Result<(u8, &'a [u8])> {
        if bytes.len() < 17 || bytes[..16] != self.uid {
            return Err(unknown_entry_id());
        }
        Ok((bytes[16], &bytes[17..]))
    }

    /// `CompareEntryIDs`: the same object, whatever the flags.
    ///
    /// # Safety
    /// Each identifier must be `cb` readable bytes.
    unsafe fn compare(
        &self,
        cb1: ULONG,
        lp1: sys::LPENTRYID,
        cb2: ULONG,
        lp2: sys::LPENTRYID,
        result: *mut ULONG,
    ) -> HRESULT {
        if result.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let known = |cb, lp| -> mapi_sync::Result<&[u8]> {
            // SAFETY: the caller's contract.
            let (_, bytes) = unsafe { props::entry_id(cb, lp) }?;
            if bytes == &self.store_entry_id[4..] {
                return Ok(bytes);
            }
            self.ours(bytes).map(|_| bytes)
        };
        match (known(cb1, lp1), known(cb2, lp2)) {
            (Ok(a), Ok(b)) => {
                // SAFETY: non-null and writable (CompareEntryIDs' contract).
                unsafe { *result = ULONG::from(a == b) };
                sys::S_OK
            }
            (Err(e), _) | (_, Err(e)) => e.code(),
        }
    }
}

fn unknown_entry_id() -> mapi_sync::Error {
    mapi_sync::Error::with_message(
        sys::MAPI_E_UNKNOWN_ENTRYID,
        "not an entry identifier of this store",
    )
}

/// Answers a `GetProps` from `has`, as [`PropArray::answer`] does for the caller's
/// `flags` (strings asked for as `PT_STRING8`, or without `MAPI_UNICODE`, converted
/// through the code page).
///
/// # Safety
/// `tags` null or an `SPropTagArray`; the out-pointers null or writable.
unsafe fn get_props(
    allocators: Allocators,
    tags: sys::LPSPropTagArray,
    flags: ULONG,
    has: &[Prop<'_>],
    count: *mut ULONG,
    values: *mut sys::LPSPropValue,
) -> HRESULT {
    // SAFETY: null or a tag array (GetProps' contract).
    let requested = unsafe { props::prop_tags(tags) };
    match PropArray::answer(allocators, requested, has, flags) {
        // SAFETY: null or writable (GetProps' contract); checked there.
        Ok(answer) => unsafe { answer.hand_out(count, values) },
        Err(e) => e.code(),
    }
}

/// Builds a list of properties, or returns the first error's code from the method.
macro_rules! props_or_return {
    ($($tag:expr => $value:expr),* $(,)?) => {{
        let list: mapi_sync::Result<Vec<Prop<'_>>> = [$(Prop::new($tag, $value)),*].into_iter().collect();
        match list {
            Ok(list) => list,
            Err(e) => return e.code(),
        }
    }};
}

/// Writes one out-pointer, or answers `MAPI_E_INVALID_PARAMETER` if it is null.
macro_rules! out_or_invalid {
    ($($p:expr),*) => {
        if false $(|| $p.is_null())* {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
    };
}

// ---------------------------------------------------------------------------------------
// IMSProvider and IMSLogon
// ---------------------------------------------------------------------------------------

/// The provider object `MSProviderInit` hands to MAPI.
#[mapi_object(IMSProvider)]
pub struct EmlProvider {
    allocators: Allocators,
    _alive: Alive,
}

impl EmlProvider {
    /// A provider using `allocators` for everything it hands out.
    pub fn new(allocators: Allocators) -> EmlProvider {
        EmlProvider {
            allocators,
            _alive: Alive::new(),
        }
    }

    fn logon(
        &self,
        support: sys::IMAPISupport,
        bytes: &[u8],
    ) -> mapi_sync::Result<(sys::IMSLogon, sys::IMsgStore)> {
        let path = match bytes.strip_prefix(&PROVIDER_UID[..]) {
            Some(path) => std::str::from_utf8(path).map_err(|_| unknown_entry_id())?,
            None => return Err(unknown_entry_id()),
        };
        let dir = PathBuf::from(path);
        if !dir.is_dir() {
            return Err(mapi_sync::Error::with_message(
                sys::MAPI_E_LOGON_FAILED,
                format!("{path}: no such folder"),
            ));
        }
        let uid = store_uid(path);
        let mut mapi_uid = sys::MAPIUID { ab: uid };
        // SAFETY: a live support object; a MAPIUID that outlives the call.
        mapi_sync::check(unsafe { support.SetProviderUID(&mut mapi_uid, 0) })?;
        let name = dir
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
        write_profile(
            &support,
            self.allocators,
            &format!("EML store: {name}"),
            &store_entry_id(&dir),
            &uid,
        )?;
        let mut shared = Shared {
            display_name: format!("EML store: {name}"),
            store_entry_id: store_entry_id(&dir),
            root_entry_id: Vec::new(),
            inbox_entry_id: Vec::new(),
            dir,
            uid,
            allocators: self.allocators,
            index: RwLock::new(Index::default()),
            // SAFETY: MAPI's support object is free-threaded (see FreeThreaded).
            support: Mutex::new(Some(unsafe { mapi_sync::FreeThreaded::new(support) })),
            _alive: Alive::new(),
        };
        shared.root_entry_id = shared.object_entry_id(KIND_ROOT, "");
        shared.inbox_entry_id = shared.object_entry_id(KIND_INBOX, "");
        // What is there already; files that cannot be read wait for the first sync,
        // which reports them.
        for (name, path) in shared.new_files()? {
            let _ = shared.import(&name, &path);
        }
        let shared = Arc::new(shared);
        let logon = Object::new(EmlLogon {
            shared: shared.clone(),
            _alive: Alive::new(),
        })
        .cast::<sys::IMSLogon>()?;
        let store = Object::new(EmlStore {
            shared,
            _alive: Alive::new(),
        })
        .cast::<sys::IMsgStore>()?;
        Ok((logon, store))
    }
}

/// What a store provider writes to its profile section at logon (Microsoft,
/// "Implementing Service Provider Logon"): its display name, entry identifier, the
/// provider's display name and its record key. A support object without
/// `OpenProfileSection` (`MAPI_E_NO_SUPPORT`: a test host, not MAPI) is let be; any other
/// failure fails the logon.
fn write_profile(
    support: &sys::IMAPISupport,
    allocators: Allocators,
    name: &str,
    entry_id: &[u8],
    uid: &[u8; 16],
) -> mapi_sync::Result<()> {
    let mut raw = sys::LPPROFSECT::null();
    // SAFETY: a live support object; a null MAPIUID names this provider's own section; a
    // writable out-pointer.
    let hr =
        unsafe { support.OpenProfileSection(std::ptr::null_mut(), sys::MAPI_MODIFY, &mut raw) };
    if hr == sys::MAPI_E_NO_SUPPORT {
        return Ok(());
    }
    mapi_sync::check(hr)?;
    // SAFETY: the one reference OpenProfileSection handed out (or null).
    let section = unsafe { raw.into_owned() }.ok_or_else(|| {
        mapi_sync::Error::with_message(sys::MAPI_E_CALL_FAILED, "no profile section")
    })?;
    let values = PropArray::write(
        allocators,
        &[
            Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name))?,
            Prop::new(sys::PR_ENTRYID, PropValue::Binary(entry_id))?,
            Prop::new(sys::PR_PROVIDER_DISPLAY_W, PropValue::Str("EML store"))?,
            Prop::new(sys::PR_RECORD_KEY, PropValue::Binary(uid))?,
        ],
    )?;
    let slice = values.as_slice();
    // SAFETY: `slice.len()` values, alive for the call (MAPI copies what it keeps); no
    // problem array asked for.
    mapi_sync::check(unsafe {
        section.SetProps(
            slice.len() as ULONG,
            slice.as_ptr().cast_mut(),
            std::ptr::null_mut(),
        )
    })?;
    Ok(())
}

impl sys::IMSProvider_Impl for EmlProvider {
    unsafe fn Shutdown(&self, lpulFlags: *mut ULONG) -> HRESULT {
        if !lpulFlags.is_null() {
            // SAFETY: non-null, and writable by Shutdown's contract.
            unsafe { *lpulFlags = 0 };
        }
        sys::S_OK
    }

    unsafe fn Logon(
        &self,
        lpMAPISup: sys::LPMAPISUP,
        _ulUIParam: sys::ULONG_PTR,
        _lpszProfileName: sys::LPTSTR,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _ulFlags: ULONG,
        _lpInterface: sys::LPCIID,
        lpcbSpoolSecurity: *mut ULONG,
        lppbSpoolSecurity: *mut sys::LPBYTE,
        lppMAPIError: *mut sys::LPMAPIERROR,
        lppMSLogon: *mut sys::LPMSLOGON,
        lppMDB: *mut sys::LPMDB,
    ) -> HRESULT {
        out_or_invalid!(lppMSLogon, lppMDB);
        // SAFETY: non-null and writable (Logon's contract); each optional one only when
        // given.
        unsafe {
            *lppMSLogon = sys::InterfacePtr::null();
            *lppMDB = sys::InterfacePtr::null();
            if !lppMAPIError.is_null() {
                *lppMAPIError = std::ptr::null_mut();
            }
            if !lpcbSpoolSecurity.is_null() {
                *lpcbSpoolSecurity = 0;
            }
            if !lppbSpoolSecurity.is_null() {
                *lppbSpoolSecurity = std::ptr::null_mut();
            }
        }
        // SAFETY: MAPI's support object or null; borrowed, then cloned (AddRef).
        let Some(support) = (unsafe { lpMAPISup.to_owned() }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        if cbEntryID == 0 {
            return sys::MAPI_E_UNCONFIGURED;
        }
        // SAFETY: `cbEntryID` readable bytes (Logon's contract).
        let bytes = match unsafe { props::entry_id(cbEntryID, lpEntryID) } {
            Ok((_, bytes)) => bytes,
            Err(e) => return e.code(),
        };
        match self.logon(support, bytes) {
            Ok((logon, store)) => {
                // SAFETY: as above; one reference each moves to the caller.
                unsafe {
                    *lppMSLogon = logon.into();
                    *lppMDB = store.into();
                }
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn CompareStoreIDs(
        &self,
        cbEntryID1: ULONG,
        lpEntryID1: sys::LPENTRYID,
        cbEntryID2: ULONG,
        lpEntryID2: sys::LPENTRYID,
        _ulFlags: ULONG,
        lpulResult: *mut ULONG,
    ) -> HRESULT {
        out_or_invalid!(lpulResult);
        // SAFETY: each `cb` readable bytes (CompareStoreIDs' contract).
        let ids = unsafe {
            (
                props::entry_id(cbEntryID1, lpEntryID1),
                props::entry_id(cbEntryID2, lpEntryID2),
            )
        };
        match ids {
            (Ok((_, a)), Ok((_, b)))
                if a.starts_with(&PROVIDER_UID) && b.starts_with(&PROVIDER_UID) =>
            {
                // SAFETY: non-null and writable.
                unsafe { *lpulResult = ULONG::from(a == b) };
                sys::S_OK
            }
            (Err(e), _) | (_, Err(e)) => e.code(),
            _ => sys::MAPI_E_UNKNOWN_ENTRYID,
        }
    }
}

/// The logon object MAPI keeps beside the store.
#[mapi_object(IMSLogon)]
pub struct EmlLogon {
    shared: Arc<Shared>,
    _alive: Alive,
}

impl sys::IMSLogon_Impl for EmlLogon {
    unsafe fn Logoff(&self, lpulFlags: *mut ULONG) -> HRESULT {
        if !lpulFlags.is_null() {
            // SAFETY: non-null, writable by Logoff's contract.
            unsafe { *lpulFlags = 0 };
        }
        // MAPI's rule: the support object is released at logoff.
        drop(
            self.shared
                .support
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        sys::S_OK
    }

    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _lpInterface: sys::LPCIID,
        _ulFlags: ULONG,
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
        _ulFlags: ULONG,
        lpulResult: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: CompareEntryIDs' contract, passed on.
        unsafe {
            self.shared
                .compare(cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, lpulResult)
        }
    }
}

/// Every `OpenEntry`: checks the out-pointers, opens, hands out.
///
/// # Safety
/// OpenEntry's contract: `cb` readable bytes at `lp`; the out-pointers null or writable.
unsafe fn open_entry(
    shared: &Arc<Shared>,
    cb: ULONG,
    lp: sys::LPENTRYID,
    kind_out: *mut ULONG,
    out: *mut sys::LPUNKNOWN,
) -> HRESULT {
    out_or_invalid!(kind_out, out);
    // SAFETY: non-null and writable: null until there is an answer.
    unsafe { *out = sys::InterfacePtr::null() };
    match shared.open(cb, lp) {
        Ok((kind, unknown)) => {
            // SAFETY: as above; the reference moves to the caller.
            unsafe {
                *kind_out = kind;
                *out = unknown.into();
            }
            sys::S_OK
        }
        Err(e) => e.code(),
    }
}

// ---------------------------------------------------------------------------------------
// IMsgStore and IMAPISync
// ---------------------------------------------------------------------------------------

/// The message store: `IMsgStore` (with `IMAPIProp`) and `IMAPISync`.
#[mapi_sync_provider(IMsgStore)]
pub struct EmlStore {
    shared: Arc<Shared>,
    _alive: Alive,
}

impl SyncProvider for EmlStore {
    /// A second sync while one runs is refused with `MAPI_E_BUSY`: two would read the
    /// same new files.
    const ONE_AT_A_TIME: bool = true;

    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        let shared = &self.shared;
        let files = shared.new_files()?;
        let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
        if files.is_empty() {
            progress.step("No new messages", 0, 0)?;
        }
        for (i, (name, path)) in files.iter().enumerate() {
            if let Err(e) = shared.import(name, path) {
                progress.error(&e)?;
            }
            progress.step(name.as_str(), i as u32 + 1, total)?;
        }
        Ok(())
    }
}

impl sys::IMAPIProp_Impl for EmlStore {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let s = &self.shared;
        let has = props_or_return![
            sys::PR_DISPLAY_NAME_W => PropValue::Str(&s.display_name),
            sys::PR_ENTRYID => PropValue::Binary(&s.store_entry_id),
            sys::PR_STORE_ENTRYID => PropValue::Binary(&s.store_entry_id),
            sys::PR_RECORD_KEY => PropValue::Binary(&s.uid),
            sys::PR_MDB_PROVIDER => PropValue::Binary(&PROVIDER_UID),
            sys::PR_STORE_SUPPORT_MASK => PropValue::Long(SUPPORT_MASK as i32),
            sys::PR_IPM_SUBTREE_ENTRYID => PropValue::Binary(&s.root_entry_id),
            sys::PR_OBJECT_TYPE => PropValue::Long(sys::MAPI_STORE as i32),
        ];
        // SAFETY: GetProps' contract, passed on.
        unsafe {
            get_props(
                s.allocators,
                lpPropTagArray,
                ulFlags,
                &has,
                lpcValues,
                lppPropArray,
            )
        }
    }
}

impl sys::IMsgStore_Impl for EmlStore {
    unsafe fn CompareEntryIDs(
        &self,
        cbEntryID1: ULONG,
        lpEntryID1: sys::LPENTRYID,
        cbEntryID2: ULONG,
        lpEntryID2: sys::LPENTRYID,
        _ulFlags: ULONG,
        lpulResult: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: CompareEntryIDs' contract, passed on.
        unsafe {
            self.shared
                .compare(cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, lpulResult)
        }
    }

    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _lpInterface: sys::LPCIID,
        _ulFlags: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: OpenEntry's contract, passed on.
        unsafe { open_entry(&self.shared, cbEntryID, lpEntryID, lpulObjType, lppUnk) }
    }

    unsafe fn GetReceiveFolder(
        &self,
        _lpszMessageClass: sys::LPTSTR,
        ulFlags: ULONG,
        lpcbEntryID: *mut ULONG,
        lppEntryID: *mut sys::LPENTRYID,
        lppszExplicitClass: *mut sys::LPTSTR,
    ) -> HRESULT {
        out_or_invalid!(lpcbEntryID, lppEntryID);
        let s = &self.shared;
        let id = match props::write_entry_id(s.allocators, [0; 4], &s.inbox_entry_id[4..]) {
            Ok(id) => id,
            Err(e) => return e.code(),
        };
        // Every class goes to the inbox: the explicit class is the empty (default) one.
        let class = if lppszExplicitClass.is_null() {
            None
        } else {
            let width = if ulFlags & sys::MAPI_UNICODE != 0 {
                2
            } else {
                1
            };
            match Buffer::new(s.allocators, width) {
                Ok(b) => Some(b),
                Err(e) => return e.code(),
            }
        };
        // SAFETY: non-null and writable (GetReceiveFolder's contract); the buffers move
        // to the caller, who frees them with MAPIFreeBuffer.
        unsafe {
            *lpcbEntryID = id.0;
            *lppEntryID = id.1.into_raw().cast();
            if let Some(class) = class {
                *lppszExplicitClass = class.into_raw().cast();
            }
        }
        sys::S_OK
    }

    unsafe fn StoreLogoff(&self, lpulFlags: *mut ULONG) -> HRESULT {
        out_or_invalid!(lpulFlags);
        // SAFETY: non-null, writable by StoreLogoff's contract.
        unsafe { *lpulFlags = 0 };
        sys::S_OK
    }
}

// ---------------------------------------------------------------------------------------
// Folders
// ---------------------------------------------------------------------------------------

/// Which folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FolderKind {
    /// The root of the store (its IPM subtree), holding the inbox.
    Root,
    /// The inbox: the folder's `.eml` files.
    Inbox,
}

/// The root folder or the inbox.
#[mapi_object(IMAPIFolder)]
pub struct EmlFolder {
    shared: Arc<Shared>,
    kind: FolderKind,
    _alive: Alive,
}

impl EmlFolder {
    fn make(shared: &Arc<Shared>, kind: FolderKind) -> sys::IUnknown {
        Object::new(EmlFolder {
            shared: shared.clone(),
            kind,
            _alive: Alive::new(),
        })
        .into_unknown()
    }
}

/// A folder's properties.
fn folder_props<'a>(
    s: &'a Shared,
    kind: FolderKind,
    count: usize,
    out: &mut Vec<Prop<'a>>,
) -> mapi_sync::Result<()> {
    let (name, id, folder_type) = match kind {
        FolderKind::Root => ("Root", &s.root_entry_id, sys::FOLDER_ROOT),
        FolderKind::Inbox => ("Inbox", &s.inbox_entry_id, sys::FOLDER_GENERIC),
    };
    out.clear();
    out.extend([
        Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name))?,
        Prop::new(sys::PR_ENTRYID, PropValue::Binary(id))?,
        Prop::new(sys::PR_PARENT_ENTRYID, PropValue::Binary(&s.root_entry_id))?,
        Prop::new(sys::PR_STORE_ENTRYID, PropValue::Binary(&s.store_entry_id))?,
        Prop::new(
            sys::PR_OBJECT_TYPE,
            PropValue::Long(sys::MAPI_FOLDER as i32),
        )?,
        Prop::new(sys::PR_FOLDER_TYPE, PropValue::Long(folder_type as i32))?,
        Prop::new(
            sys::PR_CONTENT_COUNT,
            PropValue::Long(i32::try_from(count).unwrap_or(i32::MAX)),
        )?,
    ]);
    Ok(())
}

impl EmlFolder {
    fn table(&self, rows: Source) -> Object<EmlTable> {
        Object::new(EmlTable {
            shared: self.shared.clone(),
            rows,
            state: Mutex::new(TableState {
                columns: match rows {
                    Source::Folders => DEFAULT_FOLDER_COLUMNS.to_vec(),
                    _ => DEFAULT_COLUMNS.to_vec(),
                },
                position: 0,
            }),
            _alive: Alive::new(),
        })
    }

    /// Hands `table` out through `out`.
    ///
    /// # Safety
    /// `out` must be null or writable.
    unsafe fn hand_out(table: Object<EmlTable>, out: *mut sys::LPMAPITABLE) -> HRESULT {
        out_or_invalid!(out);
        match table.cast::<sys::IMAPITable>() {
            Ok(t) => {
                // SAFETY: non-null and writable; the reference moves to the caller.
                unsafe { *out = t.into() };
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}

impl sys::IMAPIProp_Impl for EmlFolder {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let s = &self.shared;
        let count = match self.kind {
            FolderKind::Root => 0,
            FolderKind::Inbox => read_lock(&s.index).messages.len(),
        };
        let mut has = Vec::new();
        if let Err(e) = folder_props(s, self.kind, count, &mut has) {
            return e.code();
        }
        // SAFETY: GetProps' contract, passed on.
        unsafe {
            get_props(
                s.allocators,
                lpPropTagArray,
                ulFlags,
                &has,
                lpcValues,
                lppPropArray,
            )
        }
    }
}

impl sys::IMAPIContainer_Impl for EmlFolder {
    unsafe fn GetContentsTable(&self, _ulFlags: ULONG, lppTable: *mut sys::LPMAPITABLE) -> HRESULT {
        let rows = match self.kind {
            FolderKind::Root => Source::Empty,
            FolderKind::Inbox => Source::Messages,
        };
        // SAFETY: GetContentsTable's contract: null or writable.
        unsafe { EmlFolder::hand_out(self.table(rows), lppTable) }
    }

    /// The root's hierarchy table has one row, the inbox; the inbox has no subfolders.
    unsafe fn GetHierarchyTable(
        &self,
        _ulFlags: ULONG,
        lppTable: *mut sys::LPMAPITABLE,
    ) -> HRESULT {
        let rows = match self.kind {
            FolderKind::Root => Source::Folders,
            FolderKind::Inbox => Source::Empty,
        };
        // SAFETY: GetHierarchyTable's contract: null or writable.
        unsafe { EmlFolder::hand_out(self.table(rows), lppTable) }
    }

    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _lpInterface: sys::LPCIID,
        _ulFlags: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: OpenEntry's contract, passed on.
        unsafe { open_entry(&self.shared, cbEntryID, lpEntryID, lpulObjType, lppUnk) }
    }
}

impl sys::IMAPIFolder_Impl for EmlFolder {}

// ---------------------------------------------------------------------------------------
// The contents table
// ---------------------------------------------------------------------------------------

/// The columns a contents table starts with.
pub const DEFAULT_COLUMNS: [ULONG; 6] = [
    sys::PR_ENTRYID,
    sys::PR_INSTANCE_KEY,
    sys::PR_SUBJECT_W,
    sys::PR_SENDER_NAME_W,
    sys::PR_MESSAGE_DELIVERY_TIME,
    sys::PR_MESSAGE_SIZE,
];

/// The columns a hierarchy table starts with.
pub const DEFAULT_FOLDER_COLUMNS: [ULONG; 4] = [
    sys::PR_ENTRYID,
    sys::PR_DISPLAY_NAME_W,
    sys::PR_FOLDER_TYPE,
    sys::PR_CONTENT_COUNT,
];

/// What a table's rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The inbox's messages (its contents table).
    Messages,
    /// The root's one subfolder, the inbox (its hierarchy table).
    Folders,
    /// No rows (the root's contents, the inbox's subfolders).
    Empty,
}

struct TableState {
    columns: Vec<ULONG>,
    position: usize,
}

/// A folder's contents table (its messages in the order the store read them) or its
/// hierarchy table (its subfolders).
#[mapi_object(IMAPITable)]
pub struct EmlTable {
    shared: Arc<Shared>,
    rows: Source,
    state: Mutex<TableState>,
    _alive: Alive,
}

impl EmlTable {
    fn rows(&self) -> usize {
        match self.rows {
            Source::Messages => read_lock(&self.shared.index).messages.len(),
            Source::Folders => 1,
            Source::Empty => 0,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TableState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Appends `columns` picked out of `has` to `row`: the property with the tag, or by identifier for a
/// `PT_UNSPECIFIED` tag, or `PT_ERROR`/`MAPI_E_NOT_FOUND`.
fn select<'a>(
    columns: &[ULONG],
    has: &[Prop<'a>],
    row: &mut Vec<Prop<'a>>,
) -> mapi_sync::Result<()> {
    for &tag in columns {
        let found = if prop_type(tag) == sys::PT_UNSPECIFIED {
            has.iter().find(|p| prop_id(p.tag()) == prop_id(tag))
        } else {
            has.iter().find(|p| p.tag() == tag)
        };
        row.push(match found {
            Some(p) => *p,
            None => Prop::new(
                props::change_prop_type(tag, sys::PT_ERROR),
                PropValue::Error(sys::MAPI_E_NOT_FOUND),
            )?,
        });
    }
    Ok(())
}

/// An `SRowSet` of `rows` rows written one at a time: `fill(i, row)` puts row `i`'s
/// values in `row` (empty on each call), which goes straight into MAPI's buffers. Unlike
/// `mapi_sync::props::RowSet::write`, no list of every row's values is made first: 10,000 rows of four
/// columns would be a 1.6 MB list made and dropped on every `QueryRows`.
fn write_rows<'a>(
    allocators: Allocators,
    rows: usize,
    mut fill: impl FnMut(usize, &mut Vec<Prop<'a>>) -> mapi_sync::Result<()>,
) -> mapi_sync::Result<RowSetOut> {
    let header = std::mem::size_of::<ULONG>().max(std::mem::align_of::<sys::SRow>());
    let set = RowSetOut {
        buffer: Some(Buffer::new(
            allocators,
            header + rows.max(1) * std::mem::size_of::<sys::SRow>(),
        )?),
        allocators,
    };
    let raw = set.as_ptr();
    let mut row = Vec::new();
    for i in 0..rows {
        row.clear();
        fill(i, &mut row)?;
        let (count, values) = PropArray::write(allocators, &row)?.into_raw();
        // SAFETY: the buffer has room for `rows` rows after the count, aligned (MAPI
        // buffers are aligned for any MAPI type); `cRows` counts the rows written, so a
        // failure frees exactly those.
        unsafe {
            std::ptr::addr_of_mut!((*raw).aRow)
                .cast::<sys::SRow>()
                .add(i)
                .write(sys::SRow {
                    ulAdrEntryPad: 0,
                    cValues: count,
                    lpProps: values,
                });
            std::ptr::addr_of_mut!((*raw).cRows).write(i as ULONG + 1);
        }
    }
    Ok(set)
}

/// An `SRowSet` being written: its rows and itself are freed on drop, unless handed out.
struct RowSetOut {
    buffer: Option<Buffer>,
    allocators: Allocators,
}

impl RowSetOut {
    fn as_ptr(&self) -> *mut sys::SRowSet {
        self.buffer
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.as_ptr().cast())
    }

    /// `*lppRows` for the caller, who frees it with `FreeProws`.
    fn into_raw(mut self) -> *mut sys::SRowSet {
        self.buffer
            .take()
            .map_or(std::ptr::null_mut(), |b| b.into_raw().cast())
    }
}

impl Drop for RowSetOut {
    fn drop(&mut self) {
        let raw = self.as_ptr();
        if raw.is_null() {
            return;
        }
        let (_, _, free) = self.allocators.as_raw();
        let free = free.expect("Allocators always hold MAPIFreeBuffer");
        // SAFETY: the `cRows` rows written so far each own a MAPI buffer (the buffer was
        // zeroed, so `cRows` starts at 0), freed once here; the set is freed after, with
        // its Buffer.
        unsafe {
            let count = std::ptr::addr_of!((*raw).cRows).read() as usize;
            let first = std::ptr::addr_of!((*raw).aRow).cast::<sys::SRow>();
            for i in 0..count {
                free((*first.add(i)).lpProps.cast());
            }
        }
        drop(self.buffer.take());
    }
}

impl sys::IMAPITable_Impl for EmlTable {
    unsafe fn SetColumns(&self, lpPropTagArray: sys::LPSPropTagArray, _ulFlags: ULONG) -> HRESULT {
        // SAFETY: null or a tag array (SetColumns' contract).
        let Some(tags) = (unsafe { props::prop_tags(lpPropTagArray) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        if tags.is_empty() || tags.len() > MAX_COLUMNS {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        self.state().columns = tags.to_vec();
        sys::S_OK
    }

    unsafe fn QueryColumns(
        &self,
        _ulFlags: ULONG,
        lpPropTagArray: *mut sys::LPSPropTagArray,
    ) -> HRESULT {
        out_or_invalid!(lpPropTagArray);
        let columns = self.state().columns.clone();
        match props::write_prop_tags(self.shared.allocators, &columns) {
            Ok(buffer) => {
                // SAFETY: non-null and writable; the buffer moves to the caller.
                unsafe { *lpPropTagArray = buffer.into_raw().cast() };
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn GetRowCount(&self, _ulFlags: ULONG, lpulCount: *mut ULONG) -> HRESULT {
        out_or_invalid!(lpulCount);
        // SAFETY: non-null and writable (GetRowCount's contract).
        unsafe { *lpulCount = ULONG::try_from(self.rows()).unwrap_or(ULONG::MAX) };
        sys::S_OK
    }

    unsafe fn SeekRow(
        &self,
        bkOrigin: sys::BOOKMARK,
        lRowCount: LONG,
        lplRowsSought: *mut LONG,
    ) -> HRESULT {
        let rows = self.rows() as i64;
        let mut state = self.state();
        let origin = match bkOrigin {
            sys::BOOKMARK_BEGINNING => 0,
            sys::BOOKMARK_CURRENT => (state.position as i64).min(rows),
            sys::BOOKMARK_END => rows,
            _ => return sys::MAPI_E_INVALID_BOOKMARK,
        };
        let target = (origin + i64::from(lRowCount)).clamp(0, rows);
        state.position = target as usize;
        if !lplRowsSought.is_null() {
            // SAFETY: non-null, writable by SeekRow's contract.
            unsafe { *lplRowsSought = (target - origin) as LONG };
        }
        sys::S_OK
    }

    unsafe fn QueryRows(
        &self,
        lRowCount: LONG,
        ulFlags: ULONG,
        lppRows: *mut sys::LPSRowSet,
    ) -> HRESULT {
        out_or_invalid!(lppRows);
        if lRowCount == 0 {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let mut state = self.state();
        let index = read_lock(&self.shared.index);
        let rows = match self.rows {
            Source::Messages => index.messages.len(),
            Source::Folders => 1,
            Source::Empty => 0,
        };
        let position = state.position.min(rows);
        // Backwards: move back first, then read forwards (QueryRows' documentation).
        let (start, end) = if lRowCount < 0 {
            let back = (lRowCount.unsigned_abs() as usize).min(position);
            (position - back, position)
        } else {
            (
                position,
                position.saturating_add(lRowCount as usize).min(rows),
            )
        };
        let s = &self.shared;
        let columns = &state.columns;
        let written = write_rows(s.allocators, end - start, |i, row| match self.rows {
            Source::Messages => message_row(s, &index.messages[start + i], columns, row),
            _ => {
                let mut has = Vec::new();
                folder_props(s, FolderKind::Inbox, index.messages.len(), &mut has)?;
                select(columns, &has, row)
            }
        });
        match written {
            Ok(set) => {
                state.position = if ulFlags & sys::TBL_NOADVANCE != 0 {
                    start
                } else {
                    end
                };
                // SAFETY: non-null and writable; the set moves to the caller (FreeProws).
                unsafe { *lppRows = set.into_raw() };
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/// A message of the inbox.
#[mapi_object(IMessage)]
pub struct EmlMessage {
    shared: Arc<Shared>,
    message: Arc<Message>,
    _alive: Alive,
}

/// The properties a message has (but its body), in `GetProps`' order when asked for all.
const MESSAGE_TAGS: [ULONG; 13] = [
    sys::PR_ENTRYID,
    sys::PR_INSTANCE_KEY,
    sys::PR_RECORD_KEY,
    sys::PR_SUBJECT_W,
    sys::PR_SENDER_NAME_W,
    sys::PR_SENDER_EMAIL_ADDRESS_W,
    sys::PR_MESSAGE_CLASS_W,
    sys::PR_MESSAGE_SIZE,
    sys::PR_OBJECT_TYPE,
    sys::PR_PARENT_ENTRYID,
    sys::PR_STORE_ENTRYID,
    sys::PR_MESSAGE_DELIVERY_TIME,
    sys::PR_CLIENT_SUBMIT_TIME,
];

/// The value of one of [`MESSAGE_TAGS`] (found by identifier), if the message has it.
fn message_value<'a>(s: &'a Shared, m: &'a Message, tag: ULONG) -> Option<PropValue<'a>> {
    let e = &m.eml;
    let id = prop_id(tag);
    Some(match id {
        _ if id == prop_id(sys::PR_ENTRYID) => PropValue::Binary(&m.entry_id),
        _ if id == prop_id(sys::PR_INSTANCE_KEY) => PropValue::Binary(&m.instance_key),
        _ if id == prop_id(sys::PR_RECORD_KEY) => PropValue::Binary(&m.entry_id[4..]),
        _ if id == prop_id(sys::PR_SUBJECT_W) => PropValue::Str(&e.subject),
        _ if id == prop_id(sys::PR_SENDER_NAME_W) => PropValue::Str(&e.sender_name),
        _ if id == prop_id(sys::PR_SENDER_EMAIL_ADDRESS_W) => PropValue::Str(&e.sender_address),
        _ if id == prop_id(sys::PR_MESSAGE_CLASS_W) => PropValue::Str("IPM.Note"),
        _ if id == prop_id(sys::PR_MESSAGE_SIZE) => PropValue::Long(m.size),
        _ if id == prop_id(sys::PR_OBJECT_TYPE) => PropValue::Long(sys::MAPI_MESSAGE as i32),
        _ if id == prop_id(sys::PR_PARENT_ENTRYID) => PropValue::Binary(&s.inbox_entry_id),
        _ if id == prop_id(sys::PR_STORE_ENTRYID) => PropValue::Binary(&s.store_entry_id),
        _ if id == prop_id(sys::PR_MESSAGE_DELIVERY_TIME)
            || id == prop_id(sys::PR_CLIENT_SUBMIT_TIME) =>
        {
            PropValue::SysTime(e.date?)
        }
        _ => return None,
    })
}

/// A message's properties but its body.
fn message_props<'a>(
    s: &'a Shared,
    m: &'a Message,
    out: &mut Vec<Prop<'a>>,
) -> mapi_sync::Result<()> {
    out.clear();
    for tag in MESSAGE_TAGS {
        if let Some(value) = message_value(s, m, tag) {
            out.push(Prop::new(tag, value)?);
        }
    }
    Ok(())
}

/// Appends a message's `columns` to `row`: the value for a column of its type (or of type
/// `PT_UNSPECIFIED`), else `PT_ERROR`/`MAPI_E_NOT_FOUND`.
fn message_row<'a>(
    s: &'a Shared,
    m: &'a Message,
    columns: &[ULONG],
    row: &mut Vec<Prop<'a>>,
) -> mapi_sync::Result<()> {
    for &tag in columns {
        let value = message_value(s, m, tag).filter(|v| {
            let ty = prop_type(tag);
            ty == sys::PT_UNSPECIFIED || ty == v.prop_type()
        });
        row.push(match value {
            Some(v) => Prop::new(props::change_prop_type(tag, v.prop_type()), v)?,
            None => Prop::new(
                props::change_prop_type(tag, sys::PT_ERROR),
                PropValue::Error(sys::MAPI_E_NOT_FOUND),
            )?,
        });
    }
    Ok(())
}

impl sys::IMAPIProp_Impl for EmlMessage {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let mut has = Vec::new();
        if let Err(e) = message_props(&self.shared, &self.message, &mut has) {
            return e.code();
        }
        match Prop::new(sys::PR_BODY_W, PropValue::Str(&self.message.eml.body)) {
            Ok(p) => has.push(p),
            Err(e) => return e.code(),
        }
        // SAFETY: GetProps' contract, passed on.
        unsafe {
            get_props(
                self.shared.allocators,
                lpPropTagArray,
                ulFlags,
                &has,
                lpcValues,
                lppPropArray,
            )
        }
    }
}

impl sys::IMessage_Impl for EmlMessage {}

// ---------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------

mapi_sync::ms_provider_init!(
    |init: &mapi_sync::provider::Init| Ok(Object::new(EmlProvider::new(init.allocators)))
);

/// How many objects of this library are alive.
#[no_mangle]
pub extern "system" fn EmlStore_LiveObjects() -> ULONG {
    LIVE.load(Ordering::SeqCst)
}

/// Waits up to `ms` milliseconds for a done event: 0 when it is signalled, 1 on timeout,
/// 2 if the wait failed.
///
/// # Safety
/// `event` must be a live done event from `SynchronizeInBackground`.
#[no_mangle]
pub unsafe extern "system" fn EmlStore_WaitEvent(event: HANDLE, ms: ULONG) -> ULONG {
    // SAFETY: caller's contract.
    match unsafe { mapi_sync::event::wait_timeout(event, Duration::from_millis(ms.into())) } {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(_) => 2,
    }
}

/// Closes a done event (what Outlook does after `Done`).
///
/// # Safety
/// `event` must be a live done event, not used afterwards.
#[no_mangle]
pub unsafe extern "system" fn EmlStore_CloseEvent(event: HANDLE) {
    // SAFETY: caller's contract.
    unsafe { mapi_sync::event::close(event) }
}
