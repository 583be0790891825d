//! Notifications as a client hears them: a contents table's sink
//! (`IMAPITable::Advise`) gets a row added, modified and deleted as the backend reports
//! new mail and a message gone and as the client marks one read; the store's sinks
//! (`IMsgStore::Advise`, through MAPI's support object: the harness's) get
//! `fnevNewMail`, `fnevObjectCreated`, `fnevObjectDeleted` for the store and for the
//! folder they named; nothing arrives after `Unadvise`, and a sink that changes the
//! store from inside `OnNotify` gets its change after the one it hears.

use std::sync::{Arc, Mutex};

use mapi_harness::support::{Profile, Support};
use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{write_prop_tags, Prop, PropValue};
use mapi_sync_runtime::sys::{
    self, IMAPIAdviseSink_Impl, IMAPITable, IMessage, IMsgStore, Interface, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, FreeThreaded, Object, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, Special, StoreUid};
use mapi_sync_store::events::Events;
use mapi_sync_store::ll::store::StoreObject;

#[path = "common/client.rs"]
mod client;

use client::{contents, open};

const UID: StoreUid = StoreUid([0x4E; 16]);

/// An inbox whose messages the test adds and removes, reporting each change.
#[derive(Default)]
struct Live {
    messages: Mutex<Vec<(Vec<u8>, String)>>,
    events: Mutex<Option<Events>>,
}

impl Live {
    fn events(&self) -> Events {
        self.events.lock().unwrap().clone().unwrap()
    }
}

impl Backend for Live {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Live".into(),
            mdb_provider: [3; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox)
        ])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.extend(
                self.messages
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(id, _)| id.clone()),
            );
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let messages = self.messages.lock().unwrap();
        let Some((_, subject)) = messages.iter().find(|(m, _)| m == id) else {
            return Err(Error::new(sys::MAPI_E_NOT_FOUND));
        };
        answer(&[
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(subject))?,
            Prop::new(sys::PR_MESSAGE_FLAGS, PropValue::Long(0))?,
        ]);
        Ok(())
    }

    fn connect(&self, events: Events) {
        *self.events.lock().unwrap() = Some(events);
    }
}

/// What a sink heard: the event, and for a table the row event, the row's subject and
/// flags and its prior row's instance key; for the store the entry id.
#[derive(Debug, Clone, PartialEq)]
enum Heard {
    Table {
        event: ULONG,
        subject: Option<String>,
        flags: Option<i32>,
        prior: Option<Vec<u8>>,
    },
    Store {
        event: ULONG,
        entry_id: Vec<u8>,
    },
}

/// A sink that records what it hears; `then` runs inside `OnNotify`, once.
#[mapi_object(IMAPIAdviseSink, crate = mapi_sync_runtime)]
struct Recorder {
    heard: Arc<Mutex<Vec<Heard>>>,
    then: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

#[allow(non_snake_case)]
impl IMAPIAdviseSink_Impl for Recorder {
    unsafe fn OnNotify(&self, count: ULONG, notifications: sys::LPNOTIFICATION) -> ULONG {
        // SAFETY: `count` notifications (OnNotify's contract).
        let all = unsafe { std::slice::from_raw_parts(notifications, count as usize) };
        for n in all {
            let heard = if n.ulEventType == sys::fnevTableModified {
                // SAFETY: a table notification's member, as its event type says.
                let tab = unsafe { n.info.tab };
                // SAFETY: the row's values, alive for the call.
                let row = unsafe {
                    mapi_sync_runtime::props::Props::from_raw(tab.row.lpProps, tab.row.cValues)
                }
                .unwrap();
                let subject = row
                    .find(sys::PR_SUBJECT_W)
                    .and_then(|p| p.value().to_text());
                let flags = row
                    .find(sys::PR_MESSAGE_FLAGS)
                    .and_then(|p| match p.value() {
                        PropValue::Long(f) => Some(f),
                        _ => None,
                    });
                // SAFETY: propPrior is a value of the notification, alive for the call.
                let prior = unsafe {
                    let values =
                        mapi_sync_runtime::props::Props::from_raw(&tab.propPrior, 1).unwrap();
                    match values.iter().next().unwrap().value() {
                        PropValue::Binary(b) => Some(b.to_vec()),
                        _ => None,
                    }
                };
                Heard::Table {
                    event: tab.ulTableEvent,
                    subject,
                    flags,
                    prior,
                }
            } else {
                // SAFETY: an object or new-mail notification: both start with the entry id.
                let (cb, eid) = unsafe {
                    if n.ulEventType == sys::fnevNewMail {
                        (n.info.newmail.cbEntryID, n.info.newmail.lpEntryID)
                    } else {
                        (n.info.obj.cbEntryID, n.info.obj.lpEntryID)
                    }
                };
                // SAFETY: `cb` bytes (the notification's contract).
                let entry_id =
                    unsafe { std::slice::from_raw_parts(eid.cast::<u8>(), cb as usize) }.to_vec();
                Heard::Store {
                    event: n.ulEventType,
                    entry_id,
                }
            };
            self.heard.lock().unwrap().push(heard);
        }
        let then = self.then.lock().unwrap().take();
        if let Some(then) = then {
            then();
        }
        0
    }
}

fn recorder(
    then: Option<Box<dyn FnOnce() + Send>>,
) -> (sys::IMAPIAdviseSink, Arc<Mutex<Vec<Heard>>>) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Object::new(Recorder {
        heard: heard.clone(),
        then: Mutex::new(then),
    });
    (sink.cast().unwrap(), heard)
}

struct Setup {
    ctx: Arc<StoreContext<Live>>,
    store: IMsgStore,
    _profiles: tempfile::TempDir,
}

fn setup() -> Setup {
    let live = Live::default();
    live.messages.lock().unwrap().extend([
        (b"1".to_vec(), "first".to_string()),
        (b"2".to_vec(), "second".to_string()),
    ]);
    let ctx = StoreContext::new(live, Allocators::local()).unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let support = Object::new(Support::new(
        Profile::open(profiles.path(), "p").unwrap(),
        Allocators::local(),
    ));
    let support: sys::IMAPISupport = support.cast().unwrap();
    // SAFETY: the harness's support object may be called from any thread.
    ctx.set_support(Arc::new(unsafe { FreeThreaded::new(support) }));
    let store = StoreObject::new(ctx.clone()).cast().unwrap();
    Setup {
        ctx,
        store,
        _profiles: profiles,
    }
}

fn eid(id: &[u8]) -> Vec<u8> {
    EntryId::message(UID, b"INBOX", id).unwrap().to_bytes()
}

fn advise_table(table: &IMAPITable, sink: &sys::IMAPIAdviseSink) -> ULONG_PTR {
    let mut connection = 0;
    // SAFETY: a live sink and a writable connection.
    let hr = unsafe {
        table.Advise(
            sys::fnevTableModified,
            sys::InterfacePtr::from_raw(sink.as_raw()),
            &mut connection,
        )
    };
    assert_eq!(hr, sys::S_OK);
    assert_ne!(connection, 0);
    connection
}

fn advise_store(store: &IMsgStore, entry_id: &[u8], sink: &sys::IMAPIAdviseSink) -> ULONG_PTR {
    let mask = sys::fnevNewMail
        | sys::fnevObjectCreated
        | sys::fnevObjectDeleted
        | sys::fnevObjectModified;
    let mut connection = 0;
    // SAFETY: an entry id and a sink alive for the call; a writable connection.
    let hr = unsafe {
        store.Advise(
            entry_id.len() as ULONG,
            entry_id.as_ptr().cast_mut().cast(),
            mask,
            sys::InterfacePtr::from_raw(sink.as_raw()),
            &mut connection,
        )
    };
    assert_eq!(hr, sys::S_OK);
    connection
}

#[test]
fn tables_and_stores_hear_what_changed_and_nothing_after_unadvise() {
    let s = setup();
    let inbox: sys::IMAPIFolder = open(
        &s.store,
        &EntryId::folder(UID, b"INBOX").to_bytes(),
        sys::MAPI_FOLDER,
    );
    let table = contents(&inbox, 0);
    let columns = write_prop_tags(
        Allocators::local(),
        &[sys::PR_SUBJECT_W, sys::PR_MESSAGE_FLAGS],
    )
    .unwrap();
    // SAFETY: a tag array alive for the call.
    assert_eq!(
        unsafe { table.SetColumns(columns.as_ptr().cast(), 0) },
        sys::S_OK
    );
    let (table_sink, table_heard) = recorder(None);
    let table_connection = advise_table(&table, &table_sink);
    let (store_sink, store_heard) = recorder(None);
    let store_connection = advise_store(&s.store, &[], &store_sink);
    let (folder_sink, folder_heard) = recorder(None);
    let folder_connection = advise_store(
        &s.store,
        &EntryId::folder(UID, b"INBOX").to_bytes(),
        &folder_sink,
    );

    // New mail from the backend: a row at the end, after "second".
    s.ctx
        .backend()
        .messages
        .lock()
        .unwrap()
        .push((b"3".to_vec(), "third".into()));
    s.ctx.backend().events().new_mail(b"INBOX", b"3");
    let heard = table_heard.lock().unwrap().clone();
    let Heard::Table {
        event,
        subject,
        prior,
        ..
    } = &heard[0]
    else {
        panic!("{heard:?}")
    };
    assert_eq!(
        (*event, subject.as_deref()),
        (sys::TABLE_ROW_ADDED, Some("third"))
    );
    assert!(prior.is_some(), "the row before it is named");
    let created = Heard::Store {
        event: sys::fnevObjectCreated,
        entry_id: eid(b"3"),
    };
    let new_mail = Heard::Store {
        event: sys::fnevNewMail,
        entry_id: eid(b"3"),
    };
    assert_eq!(
        *store_heard.lock().unwrap(),
        [created.clone(), new_mail.clone()]
    );
    assert_eq!(*folder_heard.lock().unwrap(), [created, new_mail]);

    // Marked read by the client: the row is modified, with its flags now.
    let m: IMessage = open(&s.store, &eid(b"1"), sys::MAPI_MESSAGE);
    // SAFETY: SetReadFlag takes only flags.
    assert_eq!(unsafe { m.SetReadFlag(0) }, sys::S_OK);
    let last = table_heard.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        last,
        Heard::Table {
            event: sys::TABLE_ROW_MODIFIED,
            subject: Some("first".into()),
            flags: Some(sys::MSGFLAG_READ as i32),
            prior: None,
        }
    );

    // Gone from the backend: the row leaves, the store hears it deleted.
    s.ctx
        .backend()
        .messages
        .lock()
        .unwrap()
        .retain(|(id, _)| id != b"2");
    s.ctx.backend().events().message_removed(b"INBOX", b"2");
    let last = table_heard.lock().unwrap().last().cloned().unwrap();
    assert!(
        matches!(
            last,
            Heard::Table {
                event: sys::TABLE_ROW_DELETED,
                ..
            }
        ),
        "{last:?}"
    );
    assert_eq!(
        store_heard.lock().unwrap().last().cloned().unwrap(),
        Heard::Store {
            event: sys::fnevObjectDeleted,
            entry_id: eid(b"2")
        }
    );
    let mut count = 0;
    // SAFETY: a writable count.
    assert_eq!(unsafe { table.GetRowCount(0, &mut count) }, sys::S_OK);
    assert_eq!(count, 2);

    // After Unadvise: nothing.
    // SAFETY: the connections Advise gave.
    unsafe {
        assert_eq!(table.Unadvise(table_connection), sys::S_OK);
        assert_eq!(s.store.Unadvise(store_connection), sys::S_OK);
        assert_eq!(s.store.Unadvise(folder_connection), sys::S_OK);
        assert_eq!(table.Unadvise(table_connection), sys::MAPI_E_NOT_FOUND);
    }
    let before = (
        table_heard.lock().unwrap().len(),
        store_heard.lock().unwrap().len(),
    );
    s.ctx
        .backend()
        .messages
        .lock()
        .unwrap()
        .push((b"4".to_vec(), "fourth".into()));
    s.ctx.backend().events().new_mail(b"INBOX", b"4");
    assert_eq!(
        (
            table_heard.lock().unwrap().len(),
            store_heard.lock().unwrap().len()
        ),
        before
    );
}

#[test]
fn a_sink_that_changes_the_store_hears_its_change_after() {
    let s = setup();
    let inbox: sys::IMAPIFolder = open(
        &s.store,
        &EntryId::folder(UID, b"INBOX").to_bytes(),
        sys::MAPI_FOLDER,
    );
    let table = contents(&inbox, 0);
    // Inside its first OnNotify, the sink marks message 1 read (as a client reacting to
    // new mail might).
    // SAFETY: the store's objects may be called from any thread.
    let store = unsafe { FreeThreaded::new(s.store.clone()) };
    let then: Box<dyn FnOnce() + Send> = Box::new(move || {
        let m: IMessage = open(&store, &eid(b"1"), sys::MAPI_MESSAGE);
        // SAFETY: SetReadFlag takes only flags.
        assert_eq!(unsafe { m.SetReadFlag(0) }, sys::S_OK);
    });
    let (sink, heard) = recorder(Some(then));
    advise_table(&table, &sink);
    s.ctx
        .backend()
        .messages
        .lock()
        .unwrap()
        .push((b"3".to_vec(), "third".into()));
    s.ctx.backend().events().new_mail(b"INBOX", b"3");
    let events: Vec<ULONG> = heard
        .lock()
        .unwrap()
        .iter()
        .map(|h| match h {
            Heard::Table { event, .. } => *event,
            Heard::Store { event, .. } => *event,
        })
        .collect();
    assert_eq!(events, [sys::TABLE_ROW_ADDED, sys::TABLE_ROW_MODIFIED]);
}

#[test]
fn advise_without_a_session_or_a_sink_is_refused() {
    // A store made without MAPI's support object cannot notify through it.
    let ctx = StoreContext::new(Live::default(), Allocators::local()).unwrap();
    let store: IMsgStore = StoreObject::new(ctx).cast().unwrap();
    let (sink, _) = recorder(None);
    let mut connection = 7;
    // SAFETY: a live sink and a writable connection.
    let hr = unsafe {
        store.Advise(
            0,
            std::ptr::null_mut(),
            sys::fnevNewMail,
            sys::InterfacePtr::from_raw(sink.as_raw()),
            &mut connection,
        )
    };
    assert_eq!((hr, connection), (sys::MAPI_E_NO_SUPPORT, 0));
    let s = setup();
    // SAFETY: a null sink is refused before anything else.
    let hr = unsafe {
        s.store.Advise(
            0,
            std::ptr::null_mut(),
            sys::fnevNewMail,
            sys::InterfacePtr::null(),
            &mut connection,
        )
    };
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
    let inbox: sys::IMAPIFolder = open(
        &s.store,
        &EntryId::folder(UID, b"INBOX").to_bytes(),
        sys::MAPI_FOLDER,
    );
    let table = contents(&inbox, 0);
    // SAFETY: as above.
    let hr = unsafe {
        table.Advise(
            sys::fnevTableModified,
            sys::InterfacePtr::null(),
            &mut connection,
        )
    };
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
}
