//! How a store delivers a change ([`Change`]): to the contents tables open on the
//! folder (through the engine's row changes, as table notifications), and to MAPI's
//! support object for the sinks of `IMsgStore::Advise` (see [`events`](crate::events)).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::thread::ThreadId;

use mapi_sync_runtime::sys::{self, ULONG};

use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::EntryId;
use crate::events::{Change, EventSink};
use crate::keep::Keep;
use crate::ll::notify::{notify_support, StoreNote};

/// A message by its folder's key and its id.
type MessageKey = (Vec<u8>, Vec<u8>);

/// What orders a store's changes: one delivery at a time, in order; a change raised
/// while one is delivered on the same thread (a sink's `OnNotify` that marks a message
/// read) waits its turn after it instead of deadlocking.
#[derive(Default)]
pub(crate) struct Raising {
    order: Mutex<()>,
    thread: Mutex<Option<ThreadId>>,
    pending: Mutex<VecDeque<Change>>,
    /// How many times each message (by folder and id) was changed or removed since the
    /// store opened: a message object that saves compares it with what it was when the
    /// object opened (`MAPI_E_OBJECT_CHANGED`).
    versions: Mutex<HashMap<MessageKey, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<B: Backend> EventSink for StoreContext<B> {
    fn raise(&self, change: Change) {
        let raising = self.raising();
        if let Change::MessageModified { folder, id } | Change::MessageRemoved { folder, id } =
            &change
        {
            *lock(&raising.versions)
                .entry((folder.clone(), id.clone()))
                .or_default() += 1;
        }
        let me = std::thread::current().id();
        if *lock(&raising.thread) == Some(me) {
            lock(&raising.pending).push_back(change);
            return;
        }
        let _order = lock(&raising.order);
        *lock(&raising.thread) = Some(me);
        let mut next = Some(change);
        while let Some(change) = next {
            self.deliver(change);
            next = lock(&raising.pending).pop_front();
        }
        *lock(&raising.thread) = None;
    }
}

impl<B: Backend> StoreContext<B> {
    /// How many times message `id` of `folder` was changed or removed (by a client or
    /// the backend) since the store opened.
    pub fn version(&self, folder: &[u8], id: &[u8]) -> u64 {
        let versions = lock(&self.raising().versions);
        if versions.is_empty() {
            return 0;
        }
        versions
            .get(&(folder.to_vec(), id.to_vec()))
            .copied()
            .unwrap_or(0)
    }

    /// Delivers one change.
    fn deliver(&self, change: Change) {
        if change == Change::FoldersChanged {
            let _ = self.refresh_folders();
            return;
        }
        let (folder, id, event) = match &change {
            Change::MessageAdded { folder, id, .. } => (folder, id, sys::fnevObjectCreated),
            Change::MessageModified { folder, id } => (folder, id, sys::fnevObjectModified),
            Change::MessageRemoved { folder, id } => (folder, id, sys::fnevObjectDeleted),
            Change::FoldersChanged => return,
        };
        self.change_tables(&change, folder, id);
        let tree = self.tree();
        let Some(node) = tree.node_of_key(folder) else {
            return;
        };
        let Ok(entry_id) = EntryId::message(self.info().uid, folder, id) else {
            return;
        };
        let entry_id = entry_id.to_bytes();
        let parent_id = tree.entry_id(node).to_bytes();
        let store_id = tree.store_entry_id().to_vec();
        let Some(support) = self.support() else {
            return;
        };
        let note = |event: ULONG| StoreNote {
            event,
            entry_id: entry_id.clone(),
            parent_id: parent_id.clone(),
            object_type: sys::MAPI_MESSAGE,
            message_class: "IPM.Note".into(),
            message_flags: 0,
        };
        // A client advised on the message, its folder or the whole store hears it.
        let keys = [entry_id.clone(), parent_id.clone(), store_id];
        notify_support(&support, &keys, &note(event));
        if matches!(change, Change::MessageAdded { new_mail: true, .. }) {
            notify_support(&support, &keys[1..], &note(sys::fnevNewMail));
        }
    }
}

impl<B: Backend> StoreContext<B> {
    /// Applies `change` to every live contents table of `folder` that lists messages
    /// like `id` (associated ones kept by the store, or the backend's normal ones).
    fn change_tables(&self, change: &Change, folder: &[u8], id: &[u8]) {
        let associated = Keep::is_kept(id);
        for table in self.live_tables() {
            let _ = table.apply(|t| {
                let source = t.source_mut();
                if source.folder_key() != folder || source.is_associated() != associated {
                    return Ok(Vec::new());
                }
                match change {
                    Change::MessageAdded { .. } => {
                        let key = source.add(id);
                        t.row_added(key)
                    }
                    Change::MessageModified { .. } => match source.key_of(id) {
                        Some(key) => t.row_modified(key),
                        None => Ok(Vec::new()),
                    },
                    Change::MessageRemoved { .. } => match source.remove(id) {
                        Some(key) => t.row_removed(key),
                        None => Ok(Vec::new()),
                    },
                    Change::FoldersChanged => Ok(Vec::new()),
                }
            });
        }
    }
}
