//! Read flags changed and messages deleted in Outlook that the next sync uploads, kept on
//! disk so that a sync cut short or a process killed loses none.
//!
//! Each folder's directory may hold a file [`PENDING_FILE`]: one line per message whose
//! read state Outlook changed, or that Outlook deleted, since the last upload,
//! `<uidvalidity> <uid> seen`, `… unseen` (the state to give it on the server) or
//! `… deleted` (to expunge from the server), keyed as the server knows the message (the
//! `V=` and `U=` of its file name). The file is written the way the
//! state file is (a temporary file renamed over it), so a reader finds the old list or the
//! new one, whole; it is removed when nothing is left to upload.
//!
//! The order makes a killed process safe: [`ImapBackend::set_read_state`] writes the line
//! first, then renames the message's file (`delete_message` writes the line, then removes
//! the file); the sync uploads what the line says, gives the
//! file the same flag if a process died between the two, and takes a line out only after
//! the server answered the `UID STORE`, and only if it did not change meanwhile (a change
//! made during the upload is uploaded by the next sync).
//!
//! [`ImapBackend::set_read_state`]: crate::ImapBackend

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

/// The file's name, in the folder's directory.
pub const PENDING_FILE: &str = "imap-store.pending";

/// A message as the server knows it: its folder's UIDVALIDITY and its UID.
pub type Key = (u32, u32);

/// What to upload of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Its read state (`true`: `\Seen`).
    Seen(bool),
    /// Deleted: `\Deleted`, then expunged.
    Deleted,
}

/// Each message's change to upload.
pub type Pending = BTreeMap<Key, Change>;

/// Read, change, write: one at a time in this process (a backend marking a message read
/// while its sync uploads).
static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// What folder directory `dir` has to upload (nothing when there is no file; a line that
/// does not parse is skipped).
pub fn read(dir: &Path) -> io::Result<Pending> {
    let text = match std::fs::read_to_string(dir.join(PENDING_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Pending::new()),
        Err(e) => return Err(e),
    };
    let mut pending = Pending::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        let (Some(v), Some(u), Some(state), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        let (Ok(v), Ok(u)) = (v.parse(), u.parse()) else {
            continue;
        };
        let change = match state {
            "seen" => Change::Seen(true),
            "unseen" => Change::Seen(false),
            "deleted" => Change::Deleted,
            _ => continue,
        };
        pending.insert((v, u), change);
    }
    Ok(pending)
}

fn write(dir: &Path, pending: &Pending) -> io::Result<()> {
    let path = dir.join(PENDING_FILE);
    if pending.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(file, "imap-store-pending 1")?;
    for (&(v, u), change) in pending {
        let word = match change {
            Change::Seen(true) => "seen",
            Change::Seen(false) => "unseen",
            Change::Deleted => "deleted",
        };
        writeln!(file, "{v} {u} {word}")?;
    }
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Notes that message `key` of folder directory `dir` is to be `seen` (or not) on the
/// server.
pub fn set(dir: &Path, key: Key, seen: bool) -> io::Result<()> {
    note(dir, key, Change::Seen(seen))
}

/// Notes that message `key` of folder directory `dir` is to be deleted on the server
/// (whatever was pending for it before).
pub fn delete(dir: &Path, key: Key) -> io::Result<()> {
    note(dir, key, Change::Deleted)
}

fn note(dir: &Path, key: Key, change: Change) -> io::Result<()> {
    let _guard = lock();
    let mut pending = read(dir)?;
    if pending.get(&key) == Some(&Change::Deleted) {
        // Deleted already: a read flag on it means nothing.
        return Ok(());
    }
    if pending.insert(key, change) != Some(change) {
        write(dir, &pending)?;
    }
    Ok(())
}

/// Takes out of `dir`'s list each of `done` whose state is still the one uploaded.
pub fn remove(dir: &Path, done: &Pending) -> io::Result<()> {
    let _guard = lock();
    let mut pending = read(dir)?;
    let before = pending.len();
    pending.retain(|key, change| done.get(key) != Some(change));
    if pending.len() != before {
        write(dir, &pending)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_written_whole_read_back_and_removed_when_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_empty());
        set(dir.path(), (7, 1), true).unwrap();
        set(dir.path(), (7, 2), false).unwrap();
        set(dir.path(), (7, 1), true).unwrap();
        let text = std::fs::read_to_string(dir.path().join(PENDING_FILE)).unwrap();
        assert_eq!(text, "imap-store-pending 1\n7 1 seen\n7 2 unseen\n");
        let uploaded = read(dir.path()).unwrap();
        let (seen, unseen) = (Change::Seen(true), Change::Seen(false));
        assert_eq!(uploaded, [((7, 1), seen), ((7, 2), unseen)].into());

        // Changed again while uploading: that one stays for the next sync.
        set(dir.path(), (7, 2), true).unwrap();
        remove(dir.path(), &uploaded).unwrap();
        assert_eq!(read(dir.path()).unwrap(), [((7, 2), seen)].into());
        // Deleted: a read flag after it changes nothing.
        delete(dir.path(), (7, 2)).unwrap();
        set(dir.path(), (7, 2), false).unwrap();
        let text = std::fs::read_to_string(dir.path().join(PENDING_FILE)).unwrap();
        assert_eq!(text, "imap-store-pending 1\n7 2 deleted\n");
        remove(dir.path(), &[((7, 2), Change::Deleted)].into()).unwrap();
        // Nothing left: no file, no temporary file either.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
