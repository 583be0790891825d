//! A whole MAPI message store in Rust: a local folder of `.eml` files (one message per
//! file) that MAPI adds to a profile, loads, logs on to, opens, reads and syncs. It is
//! written on the store framework (`mapi-sync-store`): this crate is the backend, safe
//! Rust only (`#![forbid(unsafe_code)]`); the framework answers MAPI.
//!
//! # What MAPI does, and what answers it
//!
//! 1. `ServiceEntry` (exported by `store_provider!`): MAPI adds the service to a profile
//!    and configures it with the folder's path in [`PR_EML_FOLDER`]; the framework opens
//!    the store once to check the folder and writes the store's identity into its
//!    profile section.
//! 2. `MSProviderInit` and `IMSProvider::Logon`: the framework reads [`PR_EML_FOLDER`]
//!    from the profile and calls [`EmlBackend::open`], which reads the `.eml` files
//!    already in the folder (a file it cannot read waits for the first sync, which
//!    reports it).
//! 3. The store, its folders (the framework's root, IPM subtree, search root, outbox,
//!    Sent Items, Deleted Items, views; the inbox is the folder's), tables (restrict,
//!    sort, bookmarks, `FindRow`), entry ids and messages: the framework's, from
//!    [`EmlBackend`]'s answers.
//! 4. Messages: subject, sender, received time, body and the rest from the file
//!    ([`eml`]); the contents table reads only the columns it shows.
//! 5. `IMAPISync`: [`Backend::synchronize`] imports the files added since the last sync,
//!    one `Progress` step per file, one `Error` per file it cannot read; one sync at a
//!    time (a second is `MAPI_E_BUSY`). A contents table opened after the sync shows the
//!    new messages.
//!
//! # Bad input, and what answers it
//!
//! | what | where | answer |
//! |---|---|---|
//! | an unreadable file (a read that fails, e.g. a folder named `x.eml`) | the sync | `Error(MAPI_E_DISK_ERROR, "x.eml: ...")`; the sync goes on, `Done(S_OK)`; the file is tried again at the next sync |
//! | a malformed `.eml` ([`eml`] says what is) | the sync | `Error(MAPI_E_CORRUPT_DATA, "x.eml: line 1: ...")`, likewise |
//! | no folder in the profile | `Logon`, `ServiceEntry(MSG_SERVICE_CONFIGURE)` | `MAPI_E_UNCONFIGURED` ("the profile has no folder") |
//! | a folder that does not exist | `Logon`, `ServiceEntry(MSG_SERVICE_CONFIGURE)` | `MAPI_E_LOGON_FAILED` naming it |
//! | the folder gone at a sync | the sync | `Error(MAPI_E_NOT_FOUND, ...)`, `Done(MAPI_E_NOT_FOUND)`; nothing read before is lost |
//! | a message id that names no message | `OpenEntry` | `MAPI_E_NOT_FOUND` |
//! | everything else MAPI can get wrong (entry ids, tables, out-pointers) | the framework | as `mapi-sync-store` documents |
//!
//! # Exports
//!
//! `MSProviderInit` and `ServiceEntry`; for the test hosts, the runtime's
//! `MapiSync_LiveObjects()` (the objects of this library alive) and, on Linux,
//! `MapiSync_WaitDoneEvent` and `MapiSync_CloseDoneEvent` (the done event, for hosts
//! without Win32 events).

#![forbid(unsafe_code)]

pub mod eml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use mapi_sync::props::{prop_id, prop_tag, Prop, PropValue};
use mapi_sync::sys::{self, ULONG};
use mapi_sync::{Error, Progress, Result, SyncRequest};
use mapi_sync_store::backend::{Backend, FolderInfo, MessageRef, StoreInfo};
use mapi_sync_store::entry_id::{Special, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;

/// The provider's `MAPIUID` (`PR_MDB_PROVIDER`): the same for every eml store.
pub const PROVIDER_UID: [u8; 16] = *b"mapi-sync eml v1";

/// The store's one setting: the folder's path (`PT_UNICODE`, in the range of
/// provider-defined properties).
pub const PR_EML_FOLDER: ULONG = prop_tag(sys::PT_UNICODE, 0x6600);

/// The inbox's id (the framework's entry ids name it).
const INBOX: &[u8] = b"inbox";

/// A store's own `MAPIUID`, from its folder's path: two FNV-1a hashes (64 bits each, with
/// different offsets), so identifiers stay the same from one logon to the next.
pub fn store_uid(dir: &Path) -> StoreUid {
    let path = dir.to_string_lossy();
    let fnv = |offset: u64| {
        path.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    let mut uid = [0; 16];
    uid[..8].copy_from_slice(&fnv(0xCBF2_9CE4_8422_2325).to_le_bytes());
    uid[8..].copy_from_slice(&fnv(0x6C62_272E_07BB_0142).to_le_bytes());
    StoreUid(uid)
}

/// A message the store has read.
struct Message {
    name: String,
    eml: eml::Eml,
    size: i32,
}

/// What the store knows of its folder: the messages in the order they were read. The
/// list only grows, so a message's place in it is its number for the contents table
/// (`numbered_messages`), which finds it without hashing its name.
#[derive(Default)]
struct Index {
    messages: Vec<Arc<Message>>,
    by_name: HashMap<String, usize>,
}

/// The store: a folder of `.eml` files.
pub struct EmlBackend {
    dir: PathBuf,
    display_name: String,
    uid: StoreUid,
    index: RwLock<Index>,
}

impl EmlBackend {
    /// The store of the folder at `dir`, with the `.eml` files already there read.
    /// `MAPI_E_LOGON_FAILED` when there is no such folder.
    pub fn open(dir: &Path) -> Result<EmlBackend> {
        if !dir.is_dir() {
            return Err(Error::with_message(
                sys::MAPI_E_LOGON_FAILED,
                format!("{}: no such folder", dir.display()),
            ));
        }
        let name = dir.file_name().map_or_else(
            || dir.to_string_lossy().into_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let backend = EmlBackend {
            dir: dir.to_owned(),
            display_name: format!("EML store: {name}"),
            uid: store_uid(dir),
            index: RwLock::new(Index::default()),
        };
        // What is there already; files that cannot be read wait for the first sync,
        // which reports them.
        for (name, path) in backend.new_files()? {
            let _ = backend.import(&name, &path);
        }
        Ok(backend)
    }

    /// The backend of a logon: the folder the profile names.
    pub fn for_logon(request: &LogonRequest<'_>) -> Result<EmlBackend> {
        let folder = request.settings.require_text(PR_EML_FOLDER, "folder")?;
        EmlBackend::open(Path::new(&folder))
    }

    fn read(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The `.eml` files of the folder not read yet, by name.
    fn new_files(&self) -> Result<Vec<(String, PathBuf)>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| {
            let e = Error::from(e);
            Error::with_message(e.code(), format!("{}: {}", self.dir.display(), e.text()))
        })?;
        let index = self.read();
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
    fn import(&self, name: &str, path: &Path) -> Result<bool> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(Error::with_message(
                    sys::MAPI_E_DISK_ERROR,
                    format!("{name}: cannot be read: {e}"),
                ))
            }
        };
        let eml = eml::parse(&bytes).map_err(|e| {
            Error::with_message(e.code(), format!("{name}: {}", e.message().unwrap_or("")))
        })?;
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        if index.by_name.contains_key(name) {
            return Ok(true);
        }
        let position = index.messages.len();
        index.messages.push(Arc::new(Message {
            name: name.to_owned(),
            eml,
            size: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        }));
        index.by_name.insert(name.to_owned(), position);
        Ok(true)
    }

    /// The message named `id`, if the store has it.
    fn message(&self, id: &[u8]) -> Option<Arc<Message>> {
        let index = self.read();
        let name = std::str::from_utf8(id).ok()?;
        index.by_name.get(name).map(|&i| index.messages[i].clone())
    }
}

/// A message's value of a property identified like `tag` (any type), if it has one; the
/// body only when `body`.
fn value<'a>(m: &'a Message, tag: ULONG, body: bool) -> Option<Prop<'a>> {
    let e = &m.eml;
    let id = prop_id(tag);
    let (tag, value) = match id {
        _ if id == prop_id(sys::PR_SUBJECT_W) => (sys::PR_SUBJECT_W, PropValue::Str(&e.subject)),
        _ if id == prop_id(sys::PR_SENDER_NAME_W) => {
            (sys::PR_SENDER_NAME_W, PropValue::Str(&e.sender_name))
        }
        _ if id == prop_id(sys::PR_SENDER_EMAIL_ADDRESS_W) => (
            sys::PR_SENDER_EMAIL_ADDRESS_W,
            PropValue::Str(&e.sender_address),
        ),
        _ if id == prop_id(sys::PR_MESSAGE_CLASS_W) => {
            (sys::PR_MESSAGE_CLASS_W, PropValue::Str("IPM.Note"))
        }
        _ if id == prop_id(sys::PR_MESSAGE_SIZE) => (sys::PR_MESSAGE_SIZE, PropValue::Long(m.size)),
        _ if id == prop_id(sys::PR_MESSAGE_FLAGS) => (
            sys::PR_MESSAGE_FLAGS,
            PropValue::Long(sys::MSGFLAG_READ as i32),
        ),
        _ if id == prop_id(sys::PR_MESSAGE_DELIVERY_TIME) => {
            (sys::PR_MESSAGE_DELIVERY_TIME, PropValue::SysTime(e.date?))
        }
        _ if id == prop_id(sys::PR_CLIENT_SUBMIT_TIME) => {
            (sys::PR_CLIENT_SUBMIT_TIME, PropValue::SysTime(e.date?))
        }
        _ if body && id == prop_id(sys::PR_BODY_W) => (sys::PR_BODY_W, PropValue::Str(&e.body)),
        _ => return None,
    };
    Prop::new(tag, value).ok()
}

/// Reads the first byte of each text the rows will show, in one tight loop, before the
/// rows are made: the messages' text lies scattered on the heap, and this loop lets the
/// processor fetch it for many rows at once, where the loop that makes each row does too
/// much per row for its loads to overlap (the engine warms its own values the same way).
fn warm(messages: &[Option<&Message>], columns: &[ULONG]) {
    let mut x = 0u8;
    for m in messages.iter().flatten() {
        for &c in columns {
            if let Some(PropValue::Str(s)) = value(m, c, false).map(|p| p.value()) {
                x ^= s.as_bytes().first().copied().unwrap_or(0);
            }
        }
    }
    std::hint::black_box(x);
}

/// Every property a message has, in this order.
const MESSAGE_TAGS: [ULONG; 9] = [
    sys::PR_SUBJECT_W,
    sys::PR_SENDER_NAME_W,
    sys::PR_SENDER_EMAIL_ADDRESS_W,
    sys::PR_MESSAGE_CLASS_W,
    sys::PR_MESSAGE_SIZE,
    sys::PR_MESSAGE_FLAGS,
    sys::PR_MESSAGE_DELIVERY_TIME,
    sys::PR_CLIENT_SUBMIT_TIME,
    sys::PR_BODY_W,
];

impl Backend for EmlBackend {
    /// A second sync while one runs is refused with `MAPI_E_BUSY`: two would read the
    /// same new files.
    const ONE_AT_A_TIME: bool = true;

    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> Result<()> {
        let files = self.new_files()?;
        let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
        if files.is_empty() {
            progress.step("No new messages", 0, 0)?;
        }
        for (i, (name, path)) in files.iter().enumerate() {
            if let Err(e) = self.import(name, path) {
                progress.error(&e)?;
            }
            progress.step(name.as_str(), i as u32 + 1, total)?;
        }
        Ok(())
    }

    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: self.uid,
            display_name: self.display_name.clone(),
            mdb_provider: PROVIDER_UID,
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail(INBOX, None, "Inbox").as_special(Special::Inbox)
        ])
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if folder == INBOX && !associated {
            ids.extend(
                self.read()
                    .messages
                    .iter()
                    .map(|m| m.name.as_bytes().to_vec()),
            );
        }
        Ok(())
    }

    /// Each message numbered by its place in the index, which never changes.
    fn numbered_messages(
        &self,
        folder: &[u8],
        associated: bool,
        messages: &mut Vec<(Vec<u8>, Option<u64>)>,
    ) -> Result<()> {
        if folder == INBOX && !associated {
            messages.extend(
                (self.read().messages.iter())
                    .zip(0..)
                    .map(|(m, n)| (m.name.as_bytes().to_vec(), Some(n))),
            );
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _folder: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let message = self.message(id).ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                format!("no message {:?}", String::from_utf8_lossy(id)),
            )
        })?;
        let props: Vec<Prop<'_>> = MESSAGE_TAGS
            .iter()
            .filter_map(|&t| value(&message, t, true))
            .collect();
        answer(&props);
        Ok(())
    }

    /// Only the columns asked for, the body never (a table does not show it); each
    /// message found by its number (its place in the index), or by its name when it has
    /// none.
    fn message_columns(
        &self,
        _folder: &[u8],
        messages: &[MessageRef<'_>],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        let index = self.read();
        let found: Vec<Option<&Message>> = messages
            .iter()
            .map(|m| {
                let at = match m.number {
                    Some(n) => usize::try_from(n).ok(),
                    None => std::str::from_utf8(m.id)
                        .ok()
                        .and_then(|n| index.by_name.get(n).copied()),
                };
                at.and_then(|at| index.messages.get(at)).map(|m| &**m)
            })
            .collect();
        warm(&found, columns);
        let mut row = Vec::with_capacity(columns.len());
        for (i, message) in found.iter().enumerate() {
            let Some(message) = message else { continue };
            row.clear();
            row.extend(columns.iter().filter_map(|&c| value(message, c, false)));
            answer(i, &row);
        }
        Ok(())
    }
}

mapi_sync_store::store_provider!(settings = [PR_EML_FOLDER], EmlBackend::for_logon);
