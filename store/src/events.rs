//! [`Events`]: how a backend tells the store that its messages or folders changed (a
//! synchronization brought new mail, a message went away), with one safe call each. The
//! store then tells MAPI's clients: the contents tables open on the folder get
//! `TABLE_ROW_ADDED`, `TABLE_ROW_DELETED` or `TABLE_ROW_MODIFIED` (`IMAPITable::Advise`),
//! and the sinks given to `IMsgStore::Advise` get `fnevObjectCreated`,
//! `fnevObjectDeleted`, `fnevObjectModified` and `fnevNewMail` through MAPI's support
//! object (`IMAPISupport::Notify`), keyed by the object's entry identifier, its folder's
//! and the store's ("Event Notification in MAPI", "IMAPISupport::Notify").
//!
//! Changes are delivered one at a time, in the order the backend reported them, on the
//! thread that reported them. A backend gets its [`Events`] once, at logon
//! ([`Backend::connect`](crate::backend::Backend::connect)); calls after the store is
//! closed do nothing.

use std::sync::{Arc, Weak};

/// A change the backend reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Message `id` is now in folder `folder` (`new_mail`: it arrived as new mail,
    /// which Outlook announces).
    MessageAdded {
        /// The backend's folder id.
        folder: Vec<u8>,
        /// The backend's message id.
        id: Vec<u8>,
        /// Whether it is new mail (`fnevNewMail` besides `fnevObjectCreated`).
        new_mail: bool,
    },
    /// Message `id` of `folder` changed (its flags, its properties).
    MessageModified {
        /// The backend's folder id.
        folder: Vec<u8>,
        /// The backend's message id.
        id: Vec<u8>,
    },
    /// Message `id` left `folder`.
    MessageRemoved {
        /// The backend's folder id.
        folder: Vec<u8>,
        /// The backend's message id.
        id: Vec<u8>,
    },
    /// The folder tree changed (folders added, removed or renamed).
    FoldersChanged,
}

/// Where a store takes the changes its backend reports.
pub(crate) trait EventSink: Send + Sync {
    fn raise(&self, change: Change);
}

/// The handle a backend reports its changes through (cheap to clone, `Send` and `Sync`).
#[derive(Clone)]
pub struct Events(Weak<dyn EventSink>);

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("open", &(self.0.strong_count() > 0))
            .finish()
    }
}

impl Events {
    pub(crate) fn new(sink: Weak<dyn EventSink>) -> Events {
        Events(sink)
    }

    /// Events that go nowhere (for a backend used without a store, in tests).
    pub fn none() -> Events {
        let nowhere: Weak<dyn EventSink> = Weak::<Nowhere>::new();
        Events(nowhere)
    }

    /// Reports `change`; nothing once the store is closed.
    pub fn report(&self, change: Change) {
        if let Some(sink) = self.0.upgrade() {
            sink.raise(change);
        }
    }

    /// Message `id` arrived in `folder` as new mail.
    pub fn new_mail(&self, folder: &[u8], id: &[u8]) {
        self.report(Change::MessageAdded {
            folder: folder.to_vec(),
            id: id.to_vec(),
            new_mail: true,
        });
    }

    /// Message `id` is now in `folder` (moved or copied there, not new mail).
    pub fn message_added(&self, folder: &[u8], id: &[u8]) {
        self.report(Change::MessageAdded {
            folder: folder.to_vec(),
            id: id.to_vec(),
            new_mail: false,
        });
    }

    /// Message `id` of `folder` changed.
    pub fn message_modified(&self, folder: &[u8], id: &[u8]) {
        self.report(Change::MessageModified {
            folder: folder.to_vec(),
            id: id.to_vec(),
        });
    }

    /// Message `id` left `folder`.
    pub fn message_removed(&self, folder: &[u8], id: &[u8]) {
        self.report(Change::MessageRemoved {
            folder: folder.to_vec(),
            id: id.to_vec(),
        });
    }

    /// The folder tree changed.
    pub fn folders_changed(&self) {
        self.report(Change::FoldersChanged);
    }

    /// Whether the store is still open.
    pub fn is_open(&self) -> bool {
        self.0.strong_count() > 0
    }
}

/// The sink of [`Events::none`].
struct Nowhere;

impl EventSink for Nowhere {
    fn raise(&self, _: Change) {}
}

/// An [`Events`] on `sink`.
pub(crate) fn events_of(sink: &Arc<dyn EventSink>) -> Events {
    Events::new(Arc::downgrade(sink))
}
