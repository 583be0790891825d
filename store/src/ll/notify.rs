//! Notifications as MAPI's structures: a table's advise sinks (`IMAPITable::Advise`)
//! and what the store tells MAPI's support object (`IMAPISupport::Subscribe`, `Notify`,
//! `Unsubscribe`) for the sinks given to `IMsgStore::Advise`.
//!
//! A notification's memory is the store's: built for the call to `OnNotify` (or
//! `Notify`) and freed after it; a sink copies what it keeps ("IMAPIAdviseSink::OnNotify").
//! After `Unadvise` returns, its sink hears nothing more: a delivery on another thread
//! finishes first, and a sink removed while a delivery runs is skipped
//! ("IMAPITable::Unadvise").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::ThreadId;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{OwnedValue, Prop, PropArray, PropValue};
use mapi_sync_runtime::sys::{self, IMAPIAdviseSink, IMAPISupport, ULONG, ULONG_PTR};
use mapi_sync_runtime::{Error, FreeThreaded, Result};

use crate::table::view::{ChangeKind, TableChange};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A table notification to deliver: what changed, and the row's values (none for a
/// deleted row).
#[derive(Debug, Clone)]
pub struct TableNote {
    /// The change, as the engine made it.
    pub change: TableChange,
    /// The row's columns (added or modified rows).
    pub row: Vec<(ULONG, OwnedValue)>,
}

/// The advise sinks of one object (a table), and the delivery of its notifications.
#[derive(Default)]
pub struct Sinks {
    list: Mutex<Vec<(ULONG_PTR, ULONG, FreeThreaded<IMAPIAdviseSink>)>>,
    next: AtomicUsize,
    /// Held while notifications are delivered.
    delivery: Mutex<()>,
    /// The thread delivering, if one is.
    delivering: Mutex<Option<ThreadId>>,
}

impl Sinks {
    /// `Advise(mask, sink)`: the connection number (never 0).
    ///
    /// # Safety
    /// `sink` null or a live advise sink, free-threaded (MAPI's sinks are).
    pub unsafe fn advise(&self, mask: ULONG, sink: sys::LPMAPIADVISESINK) -> Result<ULONG_PTR> {
        // SAFETY: null or live (caller's contract); one reference of our own.
        let Some(sink) = (unsafe { sink.to_owned() }) else {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a null advise sink",
            ));
        };
        if mask == 0 {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "an empty event mask",
            ));
        }
        let connection = (self.next.fetch_add(1, Ordering::Relaxed) + 1) as ULONG_PTR;
        // SAFETY: the caller's contract: the sink may be called from any thread.
        let sink = unsafe { FreeThreaded::new(sink) };
        lock(&self.list).push((connection, mask, sink));
        Ok(connection)
    }

    /// `Unadvise(connection)`: `MAPI_E_NOT_FOUND` for one this object did not give. When
    /// it returns, the sink hears nothing more.
    pub fn unadvise(&self, connection: ULONG_PTR) -> Result<()> {
        let removed = {
            let mut list = lock(&self.list);
            let at = list.iter().position(|(c, _, _)| *c == connection);
            at.map(|i| list.remove(i))
        };
        let Some(removed) = removed else {
            return Err(Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                "no such connection",
            ));
        };
        // A delivery running on another thread finishes first (one on this thread is
        // the sink's own OnNotify calling Unadvise: it skips this sink from now on).
        let this = std::thread::current().id();
        if *lock(&self.delivering) != Some(this) {
            drop(lock(&self.delivery));
        }
        // Released outside the locks: its Release may call back.
        drop(removed);
        Ok(())
    }

    /// Whether any sink listens for `event`.
    pub fn listening(&self, event: ULONG) -> bool {
        lock(&self.list)
            .iter()
            .any(|(_, mask, _)| mask & event != 0)
    }

    /// Delivers `notes` to each sink that listens for table events, one `OnNotify` per
    /// note, in order.
    pub fn deliver(&self, notes: &[TableNote], allocators: Allocators) {
        if notes.is_empty() || !self.listening(sys::fnevTableModified) {
            return;
        }
        let _delivery = lock(&self.delivery);
        *lock(&self.delivering) = Some(std::thread::current().id());
        for note in notes {
            let Ok(built) = BuiltTable::new(note, allocators) else {
                continue;
            };
            let connections: Vec<ULONG_PTR> = lock(&self.list)
                .iter()
                .filter(|(_, mask, _)| mask & sys::fnevTableModified != 0)
                .map(|(c, _, _)| *c)
                .collect();
            for connection in connections {
                // Still advised (an earlier sink's OnNotify may have unadvised it)?
                let sink = lock(&self.list)
                    .iter()
                    .find(|(c, _, _)| *c == connection)
                    .map(|(_, _, s)| (**s).clone());
                let Some(sink) = sink else {
                    continue;
                };
                let mut notification = built.notification();
                // SAFETY: one notification, its memory alive for the call.
                unsafe { sink.OnNotify(1, &mut notification) };
            }
        }
        *lock(&self.delivering) = None;
    }
}

/// A `TABLE_NOTIFICATION`'s memory: the instance keys and the row, in MAPI buffers.
struct BuiltTable {
    event: ULONG,
    keys: PropArray,
    row: PropArray,
}

impl BuiltTable {
    fn new(note: &TableNote, allocators: Allocators) -> Result<BuiltTable> {
        let c = &note.change;
        let event = match c.kind {
            ChangeKind::Added => sys::TABLE_ROW_ADDED,
            ChangeKind::Deleted => sys::TABLE_ROW_DELETED,
            ChangeKind::Modified => sys::TABLE_ROW_MODIFIED,
        };
        let index = Prop::new(sys::PR_INSTANCE_KEY, PropValue::Binary(&c.instance_key))?;
        // No row before it: PR_NULL ("TABLE_NOTIFICATION": propPrior).
        let prior = match &c.prior_instance_key {
            Some(k) => Prop::new(sys::PR_INSTANCE_KEY, PropValue::Binary(k))?,
            None => Prop::new(sys::PR_NULL, PropValue::Null)?,
        };
        let keys = PropArray::write(allocators, &[index, prior])?;
        let row: Vec<Prop<'_>> = note
            .row
            .iter()
            .filter_map(|(t, v)| Prop::new(*t, v.as_value()).ok())
            .collect();
        let row = PropArray::write(allocators, &row)?;
        Ok(BuiltTable { event, keys, row })
    }

    /// The `NOTIFICATION`, pointing into this one's buffers.
    fn notification(&self) -> sys::NOTIFICATION {
        let keys = self.keys.as_slice();
        let row = self.row.as_slice();
        // SAFETY: NOTIFICATION is plain C data, all zeros a valid value.
        let mut n: sys::NOTIFICATION = unsafe { std::mem::zeroed() };
        n.ulEventType = sys::fnevTableModified;
        n.info.tab = sys::TABLE_NOTIFICATION {
            ulTableEvent: self.event,
            hResult: sys::S_OK,
            propIndex: keys[0],
            propPrior: keys[1],
            row: sys::SRow {
                ulAdrEntryPad: 0,
                cValues: row.len() as ULONG,
                lpProps: row.as_ptr().cast_mut(),
            },
            ulPad: 0,
        };
        n
    }
}

/// What the store tells MAPI's support object for a change: the notification's kind and
/// the entry identifiers it names.
#[derive(Debug, Clone)]
pub struct StoreNote {
    /// `fnevObjectCreated`, `fnevObjectDeleted`, `fnevObjectModified` or `fnevNewMail`.
    pub event: ULONG,
    /// The object's entry id.
    pub entry_id: Vec<u8>,
    /// Its folder's.
    pub parent_id: Vec<u8>,
    /// `MAPI_MESSAGE` or `MAPI_FOLDER`.
    pub object_type: ULONG,
    /// For new mail: its class (`IPM.Note`).
    pub message_class: String,
    /// For new mail: its `PR_MESSAGE_FLAGS`.
    pub message_flags: ULONG,
}

/// `IMAPISupport::Notify` of `note` for each of `keys` (the object's, its folder's and
/// the store's: a client advised on any of them hears it).
pub fn notify_support(support: &IMAPISupport, keys: &[Vec<u8>], note: &StoreNote) {
    let class: Vec<u16> = note.message_class.encode_utf16().chain([0]).collect();
    // SAFETY: NOTIFICATION is plain C data, all zeros a valid value.
    let mut n: sys::NOTIFICATION = unsafe { std::mem::zeroed() };
    n.ulEventType = note.event;
    let (eid, parent) = (
        note.entry_id.as_ptr().cast_mut(),
        note.parent_id.as_ptr().cast_mut(),
    );
    if note.event == sys::fnevNewMail {
        n.info.newmail = sys::NEWMAIL_NOTIFICATION {
            cbEntryID: note.entry_id.len() as ULONG,
            lpEntryID: eid.cast(),
            cbParentID: note.parent_id.len() as ULONG,
            lpParentID: parent.cast(),
            ulFlags: sys::MAPI_UNICODE,
            lpszMessageClass: class.as_ptr().cast_mut().cast(),
            ulMessageFlags: note.message_flags,
        };
    } else {
        // SAFETY: as above.
        let mut obj: sys::OBJECT_NOTIFICATION = unsafe { std::mem::zeroed() };
        obj.cbEntryID = note.entry_id.len() as ULONG;
        obj.lpEntryID = eid.cast();
        obj.ulObjType = note.object_type;
        obj.cbParentID = note.parent_id.len() as ULONG;
        obj.lpParentID = parent.cast();
        n.info.obj = obj;
    }
    for key in keys {
        // A NOTIFKEY: its size, then its bytes.
        let mut raw = vec![0u8; 4 + key.len()];
        raw[..4].copy_from_slice(&(key.len() as ULONG).to_ne_bytes());
        raw[4..].copy_from_slice(key);
        // The buffer as ULONGs, so the key is aligned as NOTIFKEY is.
        let mut words = vec![0 as ULONG; raw.len().div_ceil(4)];
        // SAFETY: `words` has at least `raw.len()` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(raw.as_ptr(), words.as_mut_ptr().cast::<u8>(), raw.len())
        };
        let mut flags: ULONG = 0;
        // SAFETY: a NOTIFKEY and one notification alive for the call (its pointers into
        // `note` and `class`, alive too); a writable flags word.
        unsafe { support.Notify(words.as_mut_ptr().cast(), 1, &mut n, &mut flags) };
    }
}

/// `IMAPISupport::Subscribe(key, mask, sink)`: the connection.
///
/// # Safety
/// `sink` null or a live advise sink.
pub unsafe fn subscribe(
    support: &IMAPISupport,
    key: &[u8],
    mask: ULONG,
    sink: sys::LPMAPIADVISESINK,
) -> Result<ULONG_PTR> {
    if sink.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "a null advise sink",
        ));
    }
    let mut raw = vec![0 as ULONG; 1 + key.len().div_ceil(4)];
    raw[0] = key.len() as ULONG;
    // SAFETY: `raw` has room for the key after its size.
    unsafe {
        std::ptr::copy_nonoverlapping(key.as_ptr(), raw[1..].as_mut_ptr().cast::<u8>(), key.len())
    };
    let mut connection: ULONG_PTR = 0;
    // SAFETY: a NOTIFKEY alive for the call, the caller's sink, a writable connection.
    let hr = unsafe { support.Subscribe(raw.as_mut_ptr().cast(), mask, 0, sink, &mut connection) };
    if hr != sys::S_OK {
        return Err(Error::with_message(hr, "IMAPISupport::Subscribe failed"));
    }
    Ok(connection)
}
