//! [`Keep`]: what the store keeps for a backend that cannot, as Microsoft's pages on
//! message stores ask even of a store whose messages cannot be written ("Developing a
//! MAPI message store provider"): a message's read state (`IMessage::SetReadFlag`,
//! `MSGFLAG_READ`), associated messages (folder-associated information, FAI: the
//! views and settings Outlook saves in every folder it shows, `CreateMessage` with
//! `MAPI_ASSOCIATED`), the properties a client set on the backend's messages, and the
//! named-property map (`GetIDsFromNames` with `MAPI_CREATE`: the identifiers Outlook's
//! saved views name must mean the same at the next logon).
//!
//! A store keeps them in a [redb](https://docs.rs/redb) database at the path its
//! backend names ([`Backend::keep_path`](crate::backend::Backend::keep_path)), or in
//! memory for the logon when it names none. redb is chosen over SQLite (through
//! rusqlite) because it is Rust, builds without a C compiler for every target the
//! framework does (32-bit Windows included), and commits atomically: a process killed
//! in the middle of a write leaves the last committed state, never a torn one (the
//! store's tests kill a writer at random points and reopen). Everything kept is read
//! once when the store opens and served from memory; a write goes to the database, and
//! to memory once it is committed.
//!
//! Associated messages the store keeps have ids that start with [`KEPT`], which a
//! backend's own message ids must not.

mod codec;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};
use redb::{Database, ReadableTable, TableDefinition};

pub use codec::{decode, encode};

use crate::named::{NameKind, PropName};
use crate::table::Cell;

/// What the id of an associated message the store keeps starts with.
pub const KEPT: &[u8] = b"\xFFkept:";

/// Read state: (folder, message) to 1 (read) or 0 (unread).
const READ: TableDefinition<&[u8], u8> = TableDefinition::new("read");
/// Associated messages: (folder, id) to their properties ([`encode`]).
const ASSOCIATED: TableDefinition<&[u8], &[u8]> = TableDefinition::new("associated");
/// Properties a client set on the backend's messages: (folder, id) to the changed
/// properties ([`encode`]; a deleted one as `PT_ERROR` `MAPI_E_NOT_FOUND`).
const EXTRA: TableDefinition<&[u8], &[u8]> = TableDefinition::new("extra");
/// The named-property map: each name ([`name_key`]) to its identifier.
const NAMES: TableDefinition<&[u8], u16> = TableDefinition::new("names");
/// Counters: "next" is the number the next kept message's id gets.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// A folder and a message id as one key: the folder's length (4 bytes), the folder, the
/// message.
fn key(folder: &[u8], id: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(4 + folder.len() + id.len());
    k.extend_from_slice(&(folder.len() as u32).to_le_bytes());
    k.extend_from_slice(folder);
    k.extend_from_slice(id);
    k
}

/// A named property's name as a key: its set's 16 bytes, then 0 and the number
/// (little-endian), or 1 and the string (UTF-8).
fn name_key(name: &PropName) -> Vec<u8> {
    let mut k = name.set.to_vec();
    match &name.kind {
        NameKind::Id(n) => {
            k.push(0);
            k.extend_from_slice(&n.to_le_bytes());
        }
        NameKind::Name(s) => {
            k.push(1);
            k.extend_from_slice(s.as_bytes());
        }
    }
    k
}

/// What [`name_key`] made, read back; `None` for a damaged key.
fn name_of_key(k: &[u8]) -> Option<PropName> {
    let set: [u8; 16] = k.get(..16)?.try_into().ok()?;
    let kind = match (k.get(16)?, &k[17..]) {
        (0, n) => NameKind::Id(i32::from_le_bytes(n.try_into().ok()?)),
        (1, s) => NameKind::Name(String::from_utf8(s.to_vec()).ok()?),
        _ => return None,
    };
    Some(PropName { set, kind })
}

/// What [`key`] made, split back; `None` for a key too short for its length.
fn split(k: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let n = u32::from_le_bytes(k.get(..4)?.try_into().ok()?) as usize;
    let folder = k.get(4..4 + n)?;
    Some((folder.to_vec(), k[4 + n..].to_vec()))
}

/// A folder's associated messages kept: by id, their properties.
type Associated = BTreeMap<Vec<u8>, Arc<Vec<Cell>>>;

/// What is kept, in memory.
#[derive(Default)]
struct State {
    read: HashMap<Vec<u8>, bool>,
    /// By folder.
    associated: BTreeMap<Vec<u8>, Associated>,
    /// By (folder, message) key.
    extra: HashMap<Vec<u8>, Arc<Vec<Cell>>>,
    /// The named-property map, as kept.
    names: Vec<(PropName, u16)>,
    next: u64,
}

/// What a store keeps for its backend; see the [module](self).
pub struct Keep {
    db: Option<(Database, PathBuf)>,
    state: RwLock<State>,
}

impl std::fmt::Debug for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keep")
            .field("path", &self.db.as_ref().map(|(_, p)| p))
            .finish_non_exhaustive()
    }
}

// redb's error is large (160 bytes); it is made only when a write fails, and turned
// into the store's own error at once.
#[allow(clippy::result_large_err)]
impl Keep {
    /// A keep in memory, for one logon.
    pub fn in_memory() -> Keep {
        Keep {
            db: None,
            state: RwLock::new(State::default()),
        }
    }

    /// The keep in the database at `path` (made if it does not exist), read whole.
    /// `MAPI_E_DISK_ERROR` naming the path if it cannot be opened or read (another
    /// process has it open, it is not a redb database), `MAPI_E_CORRUPT_DATA` if a kept
    /// message is damaged.
    pub fn open(path: &Path) -> Result<Keep> {
        let db = Database::create(path).map_err(|e| disk(path, &e))?;
        let mut state = State::default();
        let txn = db.begin_read().map_err(|e| disk(path, &e))?;
        if let Ok(table) = txn.open_table(READ) {
            for entry in table.iter().map_err(|e| disk(path, &e))? {
                let (k, v) = entry.map_err(|e| disk(path, &e))?;
                state.read.insert(k.value().to_vec(), v.value() != 0);
            }
        }
        if let Ok(table) = txn.open_table(ASSOCIATED) {
            for entry in table.iter().map_err(|e| disk(path, &e))? {
                let (k, v) = entry.map_err(|e| disk(path, &e))?;
                let (folder, id) = split(k.value()).ok_or_else(|| {
                    Error::with_message(sys::MAPI_E_CORRUPT_DATA, "a damaged key")
                })?;
                let cells = decode(v.value())?;
                state
                    .associated
                    .entry(folder)
                    .or_default()
                    .insert(id, Arc::new(cells));
            }
        }
        if let Ok(table) = txn.open_table(EXTRA) {
            for entry in table.iter().map_err(|e| disk(path, &e))? {
                let (k, v) = entry.map_err(|e| disk(path, &e))?;
                state
                    .extra
                    .insert(k.value().to_vec(), Arc::new(decode(v.value())?));
            }
        }
        if let Ok(table) = txn.open_table(NAMES) {
            for entry in table.iter().map_err(|e| disk(path, &e))? {
                let (k, v) = entry.map_err(|e| disk(path, &e))?;
                let name = name_of_key(k.value()).ok_or_else(|| {
                    Error::with_message(sys::MAPI_E_CORRUPT_DATA, "a damaged property name")
                })?;
                state.names.push((name, v.value()));
            }
        }
        if let Ok(table) = txn.open_table(META) {
            if let Some(v) = table.get("next").map_err(|e| disk(path, &e))? {
                state.next = v.value();
            }
        }
        drop(txn);
        Ok(Keep {
            db: Some((db, path.to_path_buf())),
            state: RwLock::new(state),
        })
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `write` in one write transaction and commits it (nothing, in memory).
    fn commit(
        &self,
        write: impl FnOnce(&redb::WriteTransaction) -> std::result::Result<(), redb::Error>,
    ) -> Result<()> {
        let Some((db, path)) = &self.db else {
            return Ok(());
        };
        let run = || -> std::result::Result<(), redb::Error> {
            let txn = db.begin_write()?;
            write(&txn)?;
            txn.commit()?;
            Ok(())
        };
        run().map_err(|e| disk(path, &e))
    }

    /// The read state kept for message `id` of `folder`, if any.
    pub fn read_state(&self, folder: &[u8], id: &[u8]) -> Option<bool> {
        let state = self.state();
        if state.read.is_empty() {
            // No key made: a contents table asks this for every row.
            return None;
        }
        state.read.get(&key(folder, id)).copied()
    }

    /// Keeps message `id` of `folder` read or unread.
    pub fn set_read_state(&self, folder: &[u8], id: &[u8], read: bool) -> Result<()> {
        self.set_read_states(folder, &[id], read)
    }

    /// Keeps messages `ids` of `folder` read or unread, in one commit (a folder's
    /// `SetReadFlags` on thousands of messages is one write, not thousands).
    pub fn set_read_states(&self, folder: &[u8], ids: &[&[u8]], read: bool) -> Result<()> {
        let keys: Vec<Vec<u8>> = ids.iter().map(|id| key(folder, id)).collect();
        self.commit(|txn| {
            let mut table = txn.open_table(READ)?;
            for k in &keys {
                table.insert(k.as_slice(), u8::from(read))?;
            }
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            state.read.insert(k, read);
        }
        Ok(())
    }

    /// `flags` (a message's `PR_MESSAGE_FLAGS`, if it has one) with `MSGFLAG_READ` as
    /// kept for message `id` of `folder`, where a state is kept.
    pub fn flags(&self, folder: &[u8], id: &[u8], flags: Option<i32>) -> Option<i32> {
        let bit = sys::MSGFLAG_READ as i32;
        match self.read_state(folder, id) {
            Some(true) => Some(flags.unwrap_or(0) | bit),
            Some(false) => Some(flags.unwrap_or(0) & !bit),
            None => flags,
        }
    }

    /// What a client changed on the backend's message `id` of `folder` and the store
    /// keeps: properties set, and deleted ones as `PT_ERROR` `MAPI_E_NOT_FOUND`
    /// ([`is_deleted`]).
    pub fn extra(&self, folder: &[u8], id: &[u8]) -> Option<Arc<Vec<Cell>>> {
        self.state().extra.get(&key(folder, id)).cloned()
    }

    /// Whether the folder has any message with kept changes (a contents table looks
    /// no further when not).
    pub fn has_extra(&self) -> bool {
        !self.state().extra.is_empty()
    }

    /// Keeps `cells` as what a client changed on message `id` of `folder` (replacing
    /// what was kept; nothing kept when empty).
    pub fn save_extra(&self, folder: &[u8], id: &[u8], cells: Vec<Cell>) -> Result<()> {
        let k = key(folder, id);
        let bytes = encode(&cells);
        let empty = cells.is_empty();
        self.commit(|txn| {
            let mut table = txn.open_table(EXTRA)?;
            if empty {
                table.remove(k.as_slice())?;
            } else {
                table.insert(k.as_slice(), bytes.as_slice())?;
            }
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if empty {
            state.extra.remove(&k);
        } else {
            state.extra.insert(k, Arc::new(cells));
        }
        Ok(())
    }

    /// Whether `id` names an associated message the store keeps.
    pub fn is_kept(id: &[u8]) -> bool {
        id.starts_with(KEPT)
    }

    /// The ids of the associated messages kept in `folder`, in the order they were made.
    pub fn associated(&self, folder: &[u8]) -> Vec<Vec<u8>> {
        let state = self.state();
        let mut ids: Vec<Vec<u8>> = state
            .associated
            .get(folder)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        // The ids end in a big-endian counter, so their byte order is the order made.
        ids.sort();
        ids
    }

    /// The properties of kept message `id` of `folder`, if it is kept.
    pub fn message(&self, folder: &[u8], id: &[u8]) -> Option<Arc<Vec<Cell>>> {
        self.state().associated.get(folder)?.get(id).cloned()
    }

    /// A new id for an associated message of the store's (not yet saved).
    pub fn new_id(&self) -> Result<Vec<u8>> {
        let next = {
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            state.next += 1;
            state.next
        };
        self.commit(|txn| {
            txn.open_table(META)?.insert("next", next)?;
            Ok(())
        })?;
        Ok([KEPT, &next.to_be_bytes()[..]].concat())
    }

    /// Saves kept message `id` of `folder` with `cells` (all its properties), replacing
    /// what it had.
    pub fn save(&self, folder: &[u8], id: &[u8], cells: Vec<Cell>) -> Result<()> {
        let k = key(folder, id);
        let bytes = encode(&cells);
        self.commit(|txn| {
            txn.open_table(ASSOCIATED)?
                .insert(k.as_slice(), bytes.as_slice())?;
            Ok(())
        })?;
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .associated
            .entry(folder.to_vec())
            .or_default()
            .insert(id.to_vec(), Arc::new(cells));
        Ok(())
    }

    /// Deletes kept message `id` of `folder`; whether it was there.
    pub fn delete(&self, folder: &[u8], id: &[u8]) -> Result<bool> {
        if self.message(folder, id).is_none() {
            return Ok(false);
        }
        let k = key(folder, id);
        self.commit(|txn| {
            txn.open_table(ASSOCIATED)?.remove(k.as_slice())?;
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = state.associated.get_mut(folder) {
            m.remove(id);
        }
        Ok(true)
    }

    /// The named-property map kept from earlier logons.
    pub fn names(&self) -> Vec<(PropName, u16)> {
        self.state().names.clone()
    }

    /// Keeps that `name` is mapped to `id`.
    pub fn name_mapped(&self, name: &PropName, id: u16) -> Result<()> {
        let k = name_key(name);
        self.commit(|txn| {
            txn.open_table(NAMES)?.insert(k.as_slice(), id)?;
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.names.retain(|(n, _)| n != name);
        state.names.push((name.clone(), id));
        Ok(())
    }

    /// Forgets what is kept for the backend's message `id` of `folder` (its read state,
    /// its changed properties): the message was deleted or moved away.
    pub fn forget(&self, folder: &[u8], id: &[u8]) -> Result<()> {
        let k = key(folder, id);
        {
            let state = self.state();
            if !state.read.contains_key(&k) && !state.extra.contains_key(&k) {
                return Ok(());
            }
        }
        self.commit(|txn| {
            txn.open_table(READ)?.remove(k.as_slice())?;
            txn.open_table(EXTRA)?.remove(k.as_slice())?;
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.read.remove(&k);
        state.extra.remove(&k);
        Ok(())
    }

    /// Moves kept message `id` from folder `from` to folder `to`, in one commit; whether
    /// it was there.
    pub fn move_kept(&self, from: &[u8], id: &[u8], to: &[u8]) -> Result<bool> {
        let Some(cells) = self.message(from, id) else {
            return Ok(false);
        };
        let (old, new) = (key(from, id), key(to, id));
        let bytes = encode(&cells);
        self.commit(|txn| {
            let mut table = txn.open_table(ASSOCIATED)?;
            table.remove(old.as_slice())?;
            table.insert(new.as_slice(), bytes.as_slice())?;
            Ok(())
        })?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = state.associated.get_mut(from) {
            m.remove(id);
        }
        state
            .associated
            .entry(to.to_vec())
            .or_default()
            .insert(id.to_vec(), cells);
        Ok(true)
    }
}

/// Whether a kept change is a deletion: `PT_ERROR` with `MAPI_E_NOT_FOUND`.
pub fn is_deleted(cell: &Cell) -> bool {
    matches!(
        cell.1,
        mapi_sync_runtime::props::OwnedValue::Error(sys::MAPI_E_NOT_FOUND)
    )
}

/// `cells` with `change` applied: each set property replaces the one with its identifier,
/// each tag in `deleted` becomes a deletion.
pub fn changed(mut cells: Vec<Cell>, set: &[Cell], deleted: &[ULONG]) -> Vec<Cell> {
    use mapi_sync_runtime::props::{change_prop_type, prop_id, OwnedValue};
    for (tag, value) in set {
        cells.retain(|(t, _)| prop_id(*t) != prop_id(*tag));
        cells.push((*tag, value.clone()));
    }
    for tag in deleted {
        cells.retain(|(t, _)| prop_id(*t) != prop_id(*tag));
        cells.push((
            change_prop_type(*tag, sys::PT_ERROR),
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
        ));
    }
    cells
}

/// What `SetReadFlag(flags)` (and `IMAPIFolder::SetReadFlags`) asks: `Some(read)` to mark
/// the message read or unread, `None` to leave its state ("GENERATE_RECEIPT_ONLY: … no
/// change in the state of the MSGFLAG_READ flag"), `MAPI_E_INVALID_PARAMETER` for the
/// combinations the page forbids (`SUPPRESS_RECEIPT | CLEAR_READ_FLAG`,
/// `CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY`), `MAPI_E_UNKNOWN_FLAGS` for others. Read
/// reports are the transport's: this store sends none (its flags are accepted).
pub fn read_change(flags: ULONG) -> Result<Option<bool>> {
    let known = sys::SUPPRESS_RECEIPT
        | sys::CLEAR_READ_FLAG
        | sys::MAPI_DEFERRED_ERRORS
        | sys::GENERATE_RECEIPT_ONLY
        | sys::CLEAR_RN_PENDING
        | sys::CLEAR_NRN_PENDING
        | sys::MESSAGE_DIALOG;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    let clear = flags & sys::CLEAR_READ_FLAG != 0;
    if clear && flags & (sys::SUPPRESS_RECEIPT | sys::GENERATE_RECEIPT_ONLY) != 0 {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "CLEAR_READ_FLAG with SUPPRESS_RECEIPT or GENERATE_RECEIPT_ONLY",
        ));
    }
    if flags & sys::GENERATE_RECEIPT_ONLY != 0 {
        return Ok(None);
    }
    Ok(Some(!clear))
}

fn disk(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::with_message(
        sys::MAPI_E_DISK_ERROR,
        format!("the store's keep {}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::OwnedValue;

    fn subject(s: &str) -> Vec<Cell> {
        vec![(
            sys::PR_SUBJECT_W,
            OwnedValue::Unicode(s.encode_utf16().collect()),
        )]
    }

    #[test]
    fn what_is_kept_is_there_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.redb");
        let (view, settings);
        {
            let keep = Keep::open(&path).unwrap();
            keep.set_read_state(b"INBOX", b"1", true).unwrap();
            keep.set_read_state(b"INBOX", b"2", false).unwrap();
            view = keep.new_id().unwrap();
            settings = keep.new_id().unwrap();
            assert!(Keep::is_kept(&view) && view < settings);
            keep.save(b"INBOX", &view, subject("view")).unwrap();
            keep.save(b"INBOX", &settings, subject("settings")).unwrap();
            keep.save(b"INBOX", &view, subject("view, changed"))
                .unwrap();
            assert!(keep.delete(b"INBOX", &settings).unwrap());
            assert!(!keep.delete(b"INBOX", &settings).unwrap());
        }
        let keep = Keep::open(&path).unwrap();
        assert_eq!(keep.read_state(b"INBOX", b"1"), Some(true));
        assert_eq!(keep.read_state(b"INBOX", b"2"), Some(false));
        assert_eq!(keep.read_state(b"INBOX", b"3"), None);
        assert_eq!(keep.associated(b"INBOX"), std::slice::from_ref(&view));
        assert_eq!(
            keep.message(b"INBOX", &view).unwrap()[0].1,
            subject("view, changed")[0].1
        );
        // A new id after reopening is not one handed out before.
        assert!(keep.new_id().unwrap() > settings);
        // The flags with the kept state.
        let read = sys::MSGFLAG_READ as i32;
        assert_eq!(keep.flags(b"INBOX", b"1", None), Some(read));
        assert_eq!(keep.flags(b"INBOX", b"2", Some(read | 4)), Some(4));
        assert_eq!(keep.flags(b"INBOX", b"3", Some(4)), Some(4));
    }

    #[test]
    fn changes_to_the_backends_messages_are_kept_with_their_deletions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.redb");
        {
            let keep = Keep::open(&path).unwrap();
            let set = subject("flagged");
            let cells = changed(Vec::new(), &set, &[sys::PR_BODY_W]);
            keep.save_extra(b"INBOX", b"1", cells).unwrap();
        }
        let keep = Keep::open(&path).unwrap();
        let extra = keep.extra(b"INBOX", b"1").unwrap();
        assert_eq!(extra.len(), 2);
        assert!(!is_deleted(&extra[0]) && is_deleted(&extra[1]));
        // Set again after a deletion: set.
        let again = changed((*extra).clone(), &[], &[sys::PR_SUBJECT_W]);
        assert!(again.iter().all(is_deleted));
        keep.save_extra(b"INBOX", b"1", Vec::new()).unwrap();
        assert!(keep.extra(b"INBOX", b"1").is_none() && !keep.has_extra());
    }

    #[test]
    fn a_keep_that_cannot_open_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-redb");
        std::fs::write(&path, b"this is no database, it is a text file").unwrap();
        let e = Keep::open(&path).unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_DISK_ERROR);
        assert!(e.text().contains("not-redb"), "{}", e.text());
        // In memory: kept for the logon only.
        let keep = Keep::in_memory();
        keep.set_read_state(b"F", b"m", true).unwrap();
        assert_eq!(keep.read_state(b"F", b"m"), Some(true));
    }

    #[test]
    fn read_flags_as_the_page_reads_them() {
        assert_eq!(read_change(0).unwrap(), Some(true));
        assert_eq!(read_change(sys::SUPPRESS_RECEIPT).unwrap(), Some(true));
        assert_eq!(read_change(sys::CLEAR_READ_FLAG).unwrap(), Some(false));
        assert_eq!(read_change(sys::GENERATE_RECEIPT_ONLY).unwrap(), None);
        for bad in [
            sys::SUPPRESS_RECEIPT | sys::CLEAR_READ_FLAG,
            sys::CLEAR_READ_FLAG | sys::GENERATE_RECEIPT_ONLY,
        ] {
            assert_eq!(
                read_change(bad).unwrap_err().code(),
                sys::MAPI_E_INVALID_PARAMETER
            );
        }
        assert_eq!(
            read_change(0x8000_0000).unwrap_err().code(),
            sys::MAPI_E_UNKNOWN_FLAGS
        );
    }

    #[test]
    fn names_read_back_from_their_keys_and_a_damaged_one_does_not() {
        let names = [
            PropName {
                set: [7; 16],
                kind: NameKind::Id(-5),
            },
            PropName {
                set: [7; 16],
                kind: NameKind::Name("Keywords".into()),
            },
            PropName {
                set: [7; 16],
                kind: NameKind::Name(String::new()),
            },
        ];
        for name in &names {
            assert_eq!(name_of_key(&name_key(name)).as_ref(), Some(name));
        }
        let mut bad = name_key(&names[0]);
        bad.pop();
        assert_eq!(name_of_key(&bad), None);
        bad = name_key(&names[1]);
        bad[16] = 2;
        assert_eq!(name_of_key(&bad), None);
        assert_eq!(name_of_key(&[1; 10]), None);
    }

    #[test]
    fn the_backends_map_wins_over_the_kept_one() {
        let name = |n| PropName {
            set: [1; 16],
            kind: NameKind::Id(n),
        };
        let merged = crate::named::merged(
            vec![(name(1), 0x8000)],
            vec![(name(1), 0x8005), (name(2), 0x8000), (name(3), 0x8001)],
        );
        assert_eq!(merged, [(name(1), 0x8000), (name(3), 0x8001)]);
    }

    #[test]
    fn keys_split_back_and_a_short_one_does_not() {
        assert_eq!(
            split(&key(b"INBOX", b"42")),
            Some((b"INBOX".to_vec(), b"42".to_vec()))
        );
        assert_eq!(split(&[9, 0, 0, 0, 1]), None);
        assert_eq!(split(&[1]), None);
    }
}
