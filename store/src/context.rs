//! [`StoreContext`]: a logged-on store: its backend and what the framework keeps for it
//! (the folder tree, the allocators its answers use, the logon's end), shared by its
//! objects.
//!
//! The logon ends one of two ways (Microsoft, "IMsgStore::StoreLogoff",
//! "IMAPISupport::StoreLogoffTransports", "IMSLogon::Logoff"): the store object's last
//! reference goes (the provider then calls `StoreLogoffTransports` with the flags
//! `StoreLogoff` saved, `LOGOFF_ABORT` when it was not called, and releases MAPI's
//! support object, upon which MAPI calls `IMSLogon::Logoff`), or MAPI calls
//! `IMSLogon::Logoff` itself (a session's logoff), which releases the support object at
//! once. Either way the status row stops following the store, and a later `Logon` opens
//! the store afresh.

use std::sync::{Arc, Mutex, RwLock};

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{OwnedValue, Prop};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, FreeThreaded, Object, Result, WeakObject};

use crate::backend::{Backend, StoreInfo};
use crate::entry_id::{EntryId, Target};
use crate::events::{events_of, EventSink};
use crate::identity::{self, Computed};
use crate::keep::Keep;
use crate::ll::store::StoreObject;
use crate::ll::table::TableObject;
use crate::named::{NamedProps, PropName};
use crate::sources::ContentsSource;
use crate::tree::{FolderTree, Node};

/// What an entry identifier of the store opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The store.
    Store,
    /// A folder.
    Folder(Node),
    /// A message: its folder and its backend id.
    Message(Node, Vec<u8>),
}

/// The store's status, as its row in MAPI's status table and its status object show it
/// (Microsoft, "Status Table", "IMAPIStatus : IMAPIProp"): `PR_STATUS_CODE` and
/// `PR_STATUS_STRING`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `PR_STATUS_CODE`: `STATUS_AVAILABLE`, `STATUS_OFFLINE`, `STATUS_FAILURE`,
    /// `STATUS_INBOUND_ACTIVE`, ...
    pub code: sys::ULONG,
    /// `PR_STATUS_STRING`: what the code means, for a person.
    pub text: String,
}

impl Status {
    /// Available, nothing running.
    pub fn available() -> Status {
        Status {
            code: sys::STATUS_AVAILABLE,
            text: "Available".into(),
        }
    }

    /// What a synchronization that ended with `result` leaves: available after a
    /// success; offline (`STATUS_OFFLINE`) after `MAPI_E_NETWORK_ERROR`, the server out of
    /// reach; otherwise available with `STATUS_FAILURE` (what was read stays readable),
    /// the error's text as the string.
    pub fn after_sync(result: &Result<()>) -> Status {
        match result {
            Ok(()) => Status::available(),
            Err(e) if e.code() == sys::MAPI_E_NETWORK_ERROR => Status {
                code: sys::STATUS_OFFLINE,
                text: format!("Offline: {}", e.text()),
            },
            Err(e) => Status {
                code: sys::STATUS_AVAILABLE | sys::STATUS_FAILURE,
                text: format!("Synchronization failed: {}", e.text()),
            },
        }
    }
}

/// What a new status is handed to (the logon's `ModifyStatusRow`).
type StatusSink = Box<dyn Fn(&StoreInfo, &Status) + Send + Sync>;

/// What the logon does when the store object's last reference goes, with the flags for
/// `IMAPISupport::StoreLogoffTransports` (it holds MAPI's support object and lets it go).
pub type StoreRelease = Box<dyn FnOnce(ULONG) + Send>;

/// Where the logon stands.
#[derive(Default)]
struct Session {
    /// Set at logon, taken when the logon ends.
    on_release: Option<StoreRelease>,
    /// What `IMsgStore::StoreLogoff` was given.
    logoff_flags: Option<ULONG>,
    /// The logon object handed out and not yet logged off: once by `Logon`, once more
    /// by each `SpoolerLogon` (the same object, each side calling `Logoff` once).
    logons: usize,
    /// The logon ended (`IMSLogon::Logoff`, or the store's last reference gone).
    ended: bool,
    /// MAPI's support object, for the store's notifications (`Subscribe`, `Notify`),
    /// from logon to its end.
    support: Option<Arc<FreeThreaded<sys::IMAPISupport>>>,
}

/// A logged-on store.
pub struct StoreContext<B: Backend> {
    backend: Arc<B>,
    info: StoreInfo,
    tree: RwLock<Arc<FolderTree>>,
    allocators: Allocators,
    status: Mutex<Status>,
    status_sink: Mutex<Option<StatusSink>>,
    session: Mutex<Session>,
    /// The store's named-property map.
    named: NamedProps,
    /// What the store keeps for the backend (read state, associated messages).
    keep: Arc<Keep>,
    /// The contents tables open on the store's folders, told of the changes the
    /// backend reports.
    tables: Mutex<Vec<WeakObject<TableObject<ContentsSource<B>>>>>,
    /// What delivers changes one at a time, in order.
    raising: crate::raise::Raising,
    /// The store object, while it lives: `OpenEntry` of the store's entry id hands out
    /// this one, so the store's last reference is the logon's end.
    store_object: Mutex<Option<WeakObject<StoreObject<B>>>>,
}

impl<B: Backend> StoreContext<B> {
    /// Logs on to `backend`: reads its identity and its folders (a tree that cannot be is
    /// the backend's error, see [`FolderTree::new`]). Answers are allocated with
    /// `allocators` (the ones MAPI gave the provider).
    pub fn new(backend: B, allocators: Allocators) -> Result<Arc<StoreContext<B>>> {
        let entry_id = EntryId::store(backend.store().uid).to_bytes();
        Self::with_store_entry_id(backend, allocators, entry_id.into())
    }

    /// The same, the store's entry id handed out as `entry_id` (the one
    /// `IMAPISupport::WrapStoreEntryID` made of the store's own at logon).
    pub fn with_store_entry_id(
        backend: B,
        allocators: Allocators,
        entry_id: Arc<[u8]>,
    ) -> Result<Arc<StoreContext<B>>> {
        let info = backend.store();
        let tree = FolderTree::new(info.uid, backend.folders()?)?.with_store_entry_id(entry_id);
        let keep = match backend.keep_path() {
            Some(path) => Keep::open(&path)?,
            None => Keep::in_memory(),
        };
        let named = NamedProps::new(crate::named::merged(
            backend.named_properties(),
            keep.names(),
        ))?;
        let ctx = Arc::new(StoreContext {
            tables: Mutex::new(Vec::new()),
            raising: crate::raise::Raising::default(),
            keep: Arc::new(keep),
            backend: Arc::new(backend),
            info,
            tree: RwLock::new(Arc::new(tree)),
            allocators,
            status: Mutex::new(Status::available()),
            status_sink: Mutex::new(None),
            session: Mutex::new(Session::default()),
            named,
            store_object: Mutex::new(None),
        });
        let sink: Arc<dyn EventSink> = ctx.clone();
        ctx.backend.connect(events_of(&sink));
        Ok(ctx)
    }

    /// Keeps MAPI's support object for the store's notifications until the logon ends.
    pub fn set_support(&self, support: Arc<FreeThreaded<sys::IMAPISupport>>) {
        self.session().support = Some(support);
    }

    /// MAPI's support object, while the logon lasts (none for a store made without one).
    pub fn support(&self) -> Option<Arc<FreeThreaded<sys::IMAPISupport>>> {
        self.session().support.clone()
    }

    /// The notification key of the object `entry_id` names (`IMsgStore::Advise`): its
    /// entry id in the form the store hands out (the store's own, as wrapped, for an
    /// empty one), so that `Notify` finds the clients advised on it.
    pub fn notification_key(&self, entry_id: &[u8]) -> Result<Vec<u8>> {
        let tree = self.tree();
        if entry_id.is_empty() {
            return Ok(tree.store_entry_id().to_vec());
        }
        Ok(match self.resolve(entry_id)? {
            Opened::Store => tree.store_entry_id().to_vec(),
            Opened::Folder(node) => tree.entry_id(node).to_bytes(),
            Opened::Message(node, id) => {
                EntryId::message(self.info.uid, &tree.folder_key(node), &id)?.to_bytes()
            }
        })
    }

    /// The contents tables open now.
    pub(crate) fn live_tables(&self) -> Vec<Object<TableObject<ContentsSource<B>>>> {
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables.iter().filter_map(WeakObject::upgrade).collect()
    }

    /// What orders changes one after another.
    pub(crate) fn raising(&self) -> &crate::raise::Raising {
        &self.raising
    }

    /// A contents table opened on one of the store's folders: told of changes from now
    /// on, while it lives.
    pub fn table_opened(&self, table: &Object<TableObject<ContentsSource<B>>>) {
        let mut tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables.retain(|t| t.upgrade().is_some());
        tables.push(table.downgrade());
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets what the store object's last release does (the logon's end).
    pub fn on_store_release(&self, release: StoreRelease) {
        self.session().on_release = Some(release);
    }

    /// The logon object was handed out (by `Logon` or `SpoolerLogon`): one more
    /// `Logoff` to come before the logon ends.
    pub fn logon_handed_out(&self) {
        self.session().logons += 1;
    }

    /// `IMsgStore::StoreLogoff`: keeps `flags` for `StoreLogoffTransports` at the store's
    /// last release (a later call's flags replace an earlier's).
    pub fn store_logoff(&self, flags: ULONG) {
        self.session().logoff_flags = Some(flags);
    }

    /// The store object's last reference went: the logon ends with the flags
    /// `StoreLogoff` kept (`LOGOFF_ABORT` without them), the status row left alone.
    pub fn store_released(&self) {
        let (release, flags) = {
            let mut session = self.session();
            session.ended = true;
            session.support = None;
            (session.on_release.take(), session.logoff_flags)
        };
        self.set_status_sink(None);
        if let Some(release) = release {
            release(flags.unwrap_or(sys::LOGOFF_ABORT));
        }
    }

    /// `IMSLogon::Logoff`: at the last of the logon object's hand-outs (see
    /// [`logon_handed_out`](Self::logon_handed_out)) the logon ends, MAPI's support
    /// object let go without `StoreLogoffTransports` (MAPI is logging the store off
    /// itself).
    pub fn log_off(&self) {
        let release = {
            let mut session = self.session();
            session.logons = session.logons.saturating_sub(1);
            if session.logons > 0 {
                return;
            }
            session.ended = true;
            session.support = None;
            session.on_release.take()
        };
        self.set_status_sink(None);
        drop(release);
    }

    /// Whether the logon ended ([`log_off`](Self::log_off) or
    /// [`store_released`](Self::store_released)).
    pub fn logged_off(&self) -> bool {
        self.session().ended
    }

    /// The store object while it lives (see the field).
    pub(crate) fn store_object(&self) -> Option<Object<StoreObject<B>>> {
        let slot = self.store_object.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref()?.upgrade()
    }

    /// Keeps `store` as the store object when none lives.
    pub(crate) fn keep_store_object(&self, store: WeakObject<StoreObject<B>>) {
        let mut slot = self.store_object.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().and_then(WeakObject::upgrade).is_none() {
            *slot = Some(store);
        }
    }

    /// The store's status now.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the store's status and hands it to the status sink (the logon's status
    /// row), if one is set.
    pub fn set_status(&self, status: Status) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status.clone();
        if let Some(sink) = self
            .status_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            sink(&self.info, &status);
        }
    }

    /// Sets (or, with `None`, removes) what each new status is handed to.
    pub fn set_status_sink(&self, sink: Option<StatusSink>) {
        *self.status_sink.lock().unwrap_or_else(|p| p.into_inner()) = sink;
    }

    /// The identifier of named property `name`; with `create`, a new one when it has
    /// none, which the backend is told of ([`Backend::name_mapped`]).
    pub fn named_id(&self, name: &PropName, create: bool) -> Result<Option<u16>> {
        self.named.id_of(name, create, |id| {
            self.backend.name_mapped(name, id)?;
            self.keep.name_mapped(name, id)
        })
    }

    /// The store's named-property map.
    pub fn named(&self) -> &NamedProps {
        &self.named
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<B> {
        &self.backend
    }

    /// The store's identity.
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// The allocators answers are made with.
    pub fn allocators(&self) -> Allocators {
        self.allocators
    }

    /// What the store keeps for the backend.
    pub fn keep(&self) -> &Arc<Keep> {
        &self.keep
    }

    /// The folder tree as last read.
    pub fn tree(&self) -> Arc<FolderTree> {
        self.tree.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads the backend's folders again (after a synchronization added some).
    pub fn refresh_folders(&self) -> Result<()> {
        let tree = self.tree().refreshed(self.backend.folders()?)?;
        *self.tree.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(tree);
        Ok(())
    }

    /// What entry identifier `bytes` opens: `MAPI_E_INVALID_ENTRYID` or
    /// `MAPI_E_UNKNOWN_ENTRYID` for one this store cannot read, `MAPI_E_NOT_FOUND` for a
    /// folder that is gone. A message is only looked up when it is opened.
    pub fn resolve(&self, bytes: &[u8]) -> Result<Opened> {
        let tree = self.tree();
        if tree.is_handed_out_store_id(bytes) {
            return Ok(Opened::Store);
        }
        let id = EntryId::parse(bytes, self.info.uid)?;
        let folder = |folder: &[u8]| {
            tree.node_of_key(folder)
                .ok_or_else(|| Error::with_message(sys::MAPI_E_NOT_FOUND, "the folder is gone"))
        };
        Ok(match id.target() {
            Target::Store => Opened::Store,
            Target::Folder(f) => Opened::Folder(folder(f)?),
            Target::Special(s) => Opened::Folder(tree.special(*s)),
            Target::Message { folder: f, message } => Opened::Message(folder(f)?, message.clone()),
        })
    }

    /// The store object's properties: the computed ones, the special folders' entry ids,
    /// `PR_VALID_FOLDER_MASK`, `PR_DISPLAY_NAME`.
    pub fn store_properties(&self) -> Vec<Computed> {
        let tree = self.tree();
        let layout = tree.layout();
        let mut out = identity::store(self.info.uid, tree.store_entry_id(), self.info.mdb_provider);
        if B::WRITES_MESSAGES {
            identity::writes_messages(&mut out);
        }
        out.extend(
            layout
                .store_properties()
                .into_iter()
                .map(|(tag, id)| (tag, OwnedValue::Binary(id))),
        );
        out.push((
            sys::PR_VALID_FOLDER_MASK,
            OwnedValue::Long(layout.valid_folder_mask() as i32),
        ));
        let name = self.info.display_name.encode_utf16().collect();
        out.push((sys::PR_DISPLAY_NAME_W, OwnedValue::Unicode(name)));
        out
    }

    /// Hands `computed` and then what `more` gives to `answer` as one list: the
    /// framework's properties first; a backend property with a computed one's
    /// identifier is left out (the framework's identity wins).
    pub fn answer_with(
        computed: &[Computed],
        more: impl FnOnce(&mut dyn FnMut(&[Prop<'_>])) -> Result<()>,
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let mine: Vec<Prop<'_>> = computed
            .iter()
            .filter_map(|(tag, v)| Prop::new(*tag, v.as_value()).ok())
            .collect();
        let mut answered = false;
        more(&mut |theirs| {
            let mut all = mine.clone();
            all.extend(theirs.iter().filter(|p| {
                !computed.iter().any(|(t, _)| {
                    mapi_sync_runtime::props::prop_id(*t)
                        == mapi_sync_runtime::props::prop_id(p.tag())
                })
            }));
            answer(&all);
            answered = true;
        })?;
        if !answered {
            answer(&mine);
        }
        Ok(())
    }
}
