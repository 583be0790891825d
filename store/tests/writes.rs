//! Messages written through the backend, through the vtables as a client writes them:
//! `CreateMessage`, `SetProps`, `ModifyRecipients`, `SaveChanges` (new, then saved again),
//! `DeleteMessages`, `CopyMessages` (a copy and a move, with what the store kept for the
//! message going with it), and a backend that writes nothing refusing each.

use std::collections::BTreeMap;
use std::ptr::null_mut;
use std::sync::{Arc, Mutex};

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{OwnedValue, Prop, PropArray, PropValue};
use mapi_sync_runtime::sys::{
    self, ComInterface, IMAPIFolder, IMessage, IMsgStore, Interface, ULONG,
};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, Special, StoreUid};
use mapi_sync_store::ll::store::StoreObject;
use mapi_sync_store::table::Cell;
use mapi_sync_store::write::{text, MessageData};

#[path = "common/client.rs"]
mod client;

use client::{contents, open, open_entry, prop, rows, set_props};

const UID: StoreUid = StoreUid([8; 16]);

/// A message as the backend keeps it.
#[derive(Debug, Clone, Default)]
struct Kept {
    props: Vec<Cell>,
    recipients: Vec<Vec<Cell>>,
    attachments: Vec<Vec<Cell>>,
}

fn owned(props: &[Prop<'_>]) -> Vec<Cell> {
    props
        .iter()
        .map(|p| (p.tag(), OwnedValue::from(p.value())))
        .collect()
}

/// A message's folder and id.
type Key = (Vec<u8>, Vec<u8>);

/// Two folders of messages in memory, written through the store; every call counted.
#[derive(Default)]
struct Mail {
    /// (folder, id) to the message.
    messages: Mutex<BTreeMap<Key, Kept>>,
    next: Mutex<u32>,
    /// Each save's id argument, in order.
    saves: Mutex<Vec<Option<Vec<u8>>>>,
    /// The folders made through the store (beside INBOX and ARCHIVE).
    made: Mutex<Vec<FolderInfo>>,
}

/// The backend the store holds, sharing the messages with the test.
struct Shared(Arc<Mail>);

impl std::ops::Deref for Shared {
    type Target = Mail;
    fn deref(&self) -> &Mail {
        &self.0
    }
}

impl Backend for Shared {
    const WRITES_MESSAGES: bool = true;

    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Mail".into(),
            mdb_provider: [3; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        let mut all = vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
            FolderInfo::mail("ARCHIVE", None, "Archive"),
        ];
        all.extend(self.made.lock().unwrap().iter().cloned());
        Ok(all)
    }

    fn create_folder(&self, parent: Option<&[u8]>, name: &str) -> Result<Vec<u8>> {
        let parent = parent.map(|p| String::from_utf8_lossy(p).into_owned());
        let id = format!("{}/{name}", parent.as_deref().unwrap_or(""));
        self.made.lock().unwrap().push(FolderInfo::mail(
            id.clone(),
            parent.as_deref().map(str::as_bytes),
            name,
        ));
        Ok(id.into_bytes())
    }

    fn delete_folder(&self, id: &[u8]) -> Result<()> {
        let mut made = self.made.lock().unwrap();
        let before = made.len();
        made.retain(|f| f.id != id && f.parent.as_deref() != Some(id));
        if made.len() == before {
            return Err(Error::new(sys::MAPI_E_NOT_FOUND));
        }
        self.messages.lock().unwrap().retain(|(f, _), _| f != id);
        Ok(())
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            let messages = self.messages.lock().unwrap();
            ids.extend(
                messages
                    .keys()
                    .filter(|(f, _)| f == folder)
                    .map(|(_, id)| id.clone()),
            );
        }
        Ok(())
    }

    fn message_properties(
        &self,
        folder: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let messages = self.messages.lock().unwrap();
        let kept = messages
            .get(&(folder.to_vec(), id.to_vec()))
            .ok_or_else(|| Error::new(sys::MAPI_E_NOT_FOUND))?;
        let props: Vec<Prop<'_>> = kept
            .props
            .iter()
            .map(|(t, v)| Prop::new(*t, v.as_value()).unwrap())
            .collect();
        answer(&props);
        Ok(())
    }

    fn recipients(
        &self,
        folder: &[u8],
        id: &[u8],
        each: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let messages = self.messages.lock().unwrap();
        if let Some(kept) = messages.get(&(folder.to_vec(), id.to_vec())) {
            for r in &kept.recipients {
                let props: Vec<Prop<'_>> = r
                    .iter()
                    .map(|(t, v)| Prop::new(*t, v.as_value()).unwrap())
                    .collect();
                each(&props);
            }
        }
        Ok(())
    }

    fn save_message(
        &self,
        folder: &[u8],
        id: Option<&[u8]>,
        data: &MessageData<'_>,
    ) -> Result<Vec<u8>> {
        self.saves.lock().unwrap().push(id.map(<[u8]>::to_vec));
        let id = match id {
            Some(id) => id.to_vec(),
            None => {
                let mut next = self.next.lock().unwrap();
                *next += 1;
                format!("m{next}").into_bytes()
            }
        };
        let kept = Kept {
            props: owned(data.props),
            recipients: data.recipients.iter().map(|r| owned(r)).collect(),
            attachments: data.attachments.iter().map(|a| owned(a)).collect(),
        };
        self.messages
            .lock()
            .unwrap()
            .insert((folder.to_vec(), id.clone()), kept);
        Ok(id)
    }

    fn delete_message(&self, folder: &[u8], id: &[u8]) -> Result<()> {
        self.messages
            .lock()
            .unwrap()
            .remove(&(folder.to_vec(), id.to_vec()))
            .map(|_| ())
            .ok_or_else(|| Error::new(sys::MAPI_E_NOT_FOUND))
    }
}

fn store(mail: &Arc<Mail>) -> IMsgStore {
    let ctx = StoreContext::new(Shared(mail.clone()), Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

fn folder(store: &IMsgStore, id: &[u8]) -> IMAPIFolder {
    open(
        store,
        &EntryId::folder(UID, id).to_bytes(),
        sys::MAPI_FOLDER,
    )
}

fn subjects(folder: &IMAPIFolder) -> Vec<String> {
    rows(&contents(folder, 0), &[sys::PR_SUBJECT_W])
        .into_iter()
        .map(|r| String::from_utf8(r[0].clone().unwrap()).unwrap())
        .collect()
}

fn text_of<I: sys::Interface>(object: &I, tag: ULONG) -> Option<String> {
    prop(object, tag).map(|b| String::from_utf8(b).unwrap())
}

fn create(folder: &IMAPIFolder) -> IMessage {
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { folder.CreateMessage(null_mut(), 0, &mut out) },
        sys::S_OK
    );
    // SAFETY: the reference CreateMessage handed over.
    unsafe { out.into_owned() }.unwrap()
}

/// `ModifyRecipients(flags)` with one entry per list of properties.
fn modify_recipients(message: &IMessage, flags: ULONG, entries: &[&[Prop<'_>]]) -> i32 {
    let arrays: Vec<PropArray> = entries
        .iter()
        .map(|props| PropArray::write(Allocators::local(), props).unwrap())
        .collect();
    // An ADRLIST of as many entries, laid out as MAPI's CbNewADRLIST sizes it.
    let size = std::mem::size_of::<sys::ADRLIST>()
        + entries.len().saturating_sub(1) * std::mem::size_of::<sys::ADRENTRY>();
    let mut bytes = vec![0u64; size.div_ceil(8)];
    let list = bytes.as_mut_ptr().cast::<sys::ADRLIST>();
    // SAFETY: `bytes` is big enough and aligned for the list and its entries.
    unsafe {
        (*list).cEntries = entries.len() as ULONG;
        let first = std::ptr::addr_of_mut!((*list).aEntries).cast::<sys::ADRENTRY>();
        for (i, array) in arrays.iter().enumerate() {
            let values = array.as_slice();
            first.add(i).write(sys::ADRENTRY {
                ulReserved1: 0,
                cValues: values.len() as ULONG,
                rgPropVals: values.as_ptr().cast_mut(),
            });
        }
    }
    // SAFETY: a list alive for the call.
    unsafe { message.ModifyRecipients(flags, list) }
}

fn recipient<'a>(name: &'a str, kind: ULONG) -> [Prop<'a>; 2] {
    [
        Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name)).unwrap(),
        Prop::new(sys::PR_RECIPIENT_TYPE, PropValue::Long(kind as i32)).unwrap(),
    ]
}

fn recipient_rows(message: &IMessage) -> Vec<(u32, String)> {
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { message.GetRecipientTable(0, &mut table) },
        sys::S_OK
    );
    // SAFETY: the reference handed over.
    let table = unsafe { table.into_owned() }.unwrap();
    rows(&table, &[sys::PR_ROWID, sys::PR_DISPLAY_NAME_W])
        .into_iter()
        .map(|r| {
            let id = u32::from_le_bytes(r[0].clone().unwrap().try_into().unwrap());
            (id, String::from_utf8(r[1].clone().unwrap()).unwrap())
        })
        .collect()
}

#[test]
fn a_new_message_is_saved_through_the_backend_with_its_recipients() {
    let mail = Arc::new(Mail::default());
    let store = store(&mail);
    let mask = u32::from_le_bytes(
        prop(&store, sys::PR_STORE_SUPPORT_MASK)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    assert_eq!(mask & sys::STORE_READONLY, 0);
    assert_ne!(mask & sys::STORE_CREATE_OK, 0);
    let inbox = folder(&store, b"INBOX");
    let draft = create(&inbox);
    let hr = set_props(
        &draft,
        &[Prop::new(sys::PR_SUBJECT_W, PropValue::Str("Hello")).unwrap()],
    );
    assert_eq!(hr, sys::S_OK);
    let (ann, bob, cy) = (
        recipient("Ann", sys::MAPI_TO),
        recipient("Bob", sys::MAPI_CC),
        recipient("Cy", sys::MAPI_TO),
    );
    assert_eq!(
        modify_recipients(&draft, sys::MODRECIP_ADD, &[&ann, &bob, &cy]),
        sys::S_OK
    );
    assert_eq!(
        recipient_rows(&draft),
        [(0, "Ann".into()), (1, "Bob".into()), (2, "Cy".into())]
    );
    assert_eq!(
        text_of(&draft, sys::PR_DISPLAY_TO_W).as_deref(),
        Some("Ann; Cy")
    );
    assert_eq!(
        text_of(&draft, sys::PR_DISPLAY_CC_W).as_deref(),
        Some("Bob")
    );
    // Removed by PR_ROWID.
    let row1 = [Prop::new(sys::PR_ROWID, PropValue::Long(1)).unwrap()];
    assert_eq!(
        modify_recipients(&draft, sys::MODRECIP_REMOVE, &[&row1]),
        sys::S_OK
    );
    assert_eq!(
        recipient_rows(&draft),
        [(0, "Ann".into()), (2, "Cy".into())]
    );
    // Unsaved: no entry id, not in the folder.
    assert!(prop(&draft, sys::PR_ENTRYID).is_none());
    assert!(subjects(&inbox).is_empty());

    // SAFETY: SaveChanges takes only flags.
    assert_eq!(
        unsafe { draft.SaveChanges(sys::KEEP_OPEN_READWRITE) },
        sys::S_OK
    );
    assert_eq!(subjects(&inbox), ["Hello"]);
    {
        let messages = mail.messages.lock().unwrap();
        let kept = &messages[&(b"INBOX".to_vec(), b"m1".to_vec())];
        assert_eq!(
            text(&kept.props, sys::PR_SUBJECT_W).as_deref(),
            Some("Hello")
        );
        // Recipients as the client gave them, without the store's row ids.
        let names: Vec<_> = kept
            .recipients
            .iter()
            .map(|r| {
                assert!(!r.iter().any(|(t, _)| *t == sys::PR_ROWID));
                text(r, sys::PR_DISPLAY_NAME_W).unwrap()
            })
            .collect();
        assert_eq!(names, ["Ann", "Cy"]);
    }
    // Saved: its entry id opens it from the store.
    let eid = prop(&draft, sys::PR_ENTRYID).unwrap();
    assert_eq!(
        eid,
        EntryId::message(UID, b"INBOX", b"m1").unwrap().to_bytes()
    );
    let (kind, _) = open_entry(&store, &eid, 0).unwrap();
    assert_eq!(kind, sys::MAPI_MESSAGE);
    // Saved again: the same message replaced, not a second one.
    let hr = set_props(
        &draft,
        &[Prop::new(sys::PR_SUBJECT_W, PropValue::Str("Hello again")).unwrap()],
    );
    assert_eq!(hr, sys::S_OK);
    // SAFETY: as above.
    assert_eq!(
        unsafe { draft.SaveChanges(sys::KEEP_OPEN_READONLY) },
        sys::S_OK
    );
    assert_eq!(subjects(&inbox), ["Hello again"]);
    assert_eq!(*mail.saves.lock().unwrap(), [None, Some(b"m1".to_vec())]);
    // Read-only now.
    let hr = set_props(
        &draft,
        &[Prop::new(sys::PR_SUBJECT_W, PropValue::Str("no")).unwrap()],
    );
    assert_eq!(hr, sys::MAPI_E_NO_ACCESS);
    assert_eq!(modify_recipients(&draft, 0, &[&ann]), sys::MAPI_E_NO_ACCESS);
}

/// Puts message `id` with `subject` in `folder` of the backend.
fn put(mail: &Mail, folder: &[u8], id: &[u8], subject: &str) {
    mail.messages.lock().unwrap().insert(
        (folder.to_vec(), id.to_vec()),
        Kept {
            props: vec![(
                sys::PR_SUBJECT_W,
                OwnedValue::Unicode(subject.encode_utf16().collect()),
            )],
            recipients: vec![vec![(
                sys::PR_DISPLAY_NAME_W,
                OwnedValue::Unicode("Ann".encode_utf16().collect()),
            )]],
            attachments: Vec::new(),
        },
    );
}

/// An ENTRYLIST of `ids`, alive while `with` runs.
fn with_list<R>(ids: &[Vec<u8>], with: impl FnOnce(*mut sys::ENTRYLIST) -> R) -> R {
    let mut bins: Vec<sys::SBinary> = ids
        .iter()
        .map(|id| sys::SBinary {
            cb: id.len() as ULONG,
            lpb: id.as_ptr().cast_mut(),
        })
        .collect();
    let mut list = sys::ENTRYLIST {
        cValues: bins.len() as ULONG,
        lpbin: bins.as_mut_ptr(),
    };
    with(&mut list)
}

fn eid(folder: &[u8], id: &[u8]) -> Vec<u8> {
    EntryId::message(UID, folder, id).unwrap().to_bytes()
}

#[test]
fn messages_are_deleted_copied_and_moved_through_the_backend() {
    let mail = Arc::new(Mail::default());
    put(&mail, b"INBOX", b"a", "A");
    put(&mail, b"INBOX", b"b", "B");
    put(&mail, b"INBOX", b"c", "C");
    let store = store(&mail);
    let (inbox, archive) = (folder(&store, b"INBOX"), folder(&store, b"ARCHIVE"));
    // What the store keeps for "b" (its read state, a property a client set) goes with
    // it when it moves.
    let b: IMessage = {
        let (_, unknown) = open_entry(&store, &eid(b"INBOX", b"b"), sys::MAPI_MODIFY).unwrap();
        unknown.cast().unwrap()
    };
    let category = Prop::new(sys::PR_IMPORTANCE, PropValue::Long(2)).unwrap();
    assert_eq!(set_props(&b, &[category]), sys::S_OK);
    // SAFETY: flags only.
    unsafe {
        assert_eq!(b.SaveChanges(0), sys::S_OK);
        assert_eq!(b.SetReadFlag(0), sys::S_OK);
    }
    drop(b);

    // Deleted: gone from the backend and the table; one already gone is partial.
    let ids = [eid(b"INBOX", b"a"), eid(b"INBOX", b"gone")];
    // SAFETY: a list alive for the call; no progress object.
    let hr = with_list(&ids, |list| unsafe {
        inbox.DeleteMessages(list, 0, sys::InterfacePtr::null(), 0)
    });
    assert_eq!(hr, sys::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(subjects(&inbox), ["B", "C"]);

    // Copied: a new message in the archive, with its recipients; the original stays.
    let dest = sys::Interface::as_raw(&archive);
    let ids = [eid(b"INBOX", b"c")];
    // SAFETY: a list and a folder alive for the call.
    let hr = with_list(&ids, |list| unsafe {
        inbox.CopyMessages(list, null_mut(), dest, 0, sys::InterfacePtr::null(), 0)
    });
    assert_eq!(hr, sys::S_OK);
    assert_eq!(subjects(&inbox), ["B", "C"]);
    assert_eq!(subjects(&archive), ["C"]);
    assert_eq!(
        mail.messages.lock().unwrap()[&(b"ARCHIVE".to_vec(), b"m1".to_vec())]
            .recipients
            .len(),
        1
    );

    // Moved (the default move: a copy, then a delete), with what the store kept.
    let ids = [eid(b"INBOX", b"b")];
    // SAFETY: as above.
    let hr = with_list(&ids, |list| unsafe {
        inbox.CopyMessages(
            list,
            &sys::IID_IMAPIFolder,
            dest,
            0,
            sys::InterfacePtr::null(),
            sys::MESSAGE_MOVE,
        )
    });
    assert_eq!(hr, sys::S_OK);
    assert_eq!(subjects(&inbox), ["C"]);
    assert_eq!(subjects(&archive), ["C", "B"]);
    let moved: IMessage = open(&store, &eid(b"ARCHIVE", b"m2"), sys::MAPI_MESSAGE);
    let flags = u32::from_le_bytes(
        prop(&moved, sys::PR_MESSAGE_FLAGS)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    assert_ne!(flags & sys::MSGFLAG_READ, 0);
    assert_eq!(
        prop(&moved, sys::PR_IMPORTANCE),
        Some(2i32.to_le_bytes().to_vec())
    );

    // Bad calls: a null destination, one that is no folder, unknown flags.
    // SAFETY: as above.
    unsafe {
        let hr = with_list(&ids, |list| {
            inbox.CopyMessages(
                list,
                null_mut(),
                null_mut(),
                0,
                sys::InterfacePtr::null(),
                0,
            )
        });
        assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
        let hr = with_list(&ids, |list| {
            inbox.CopyMessages(
                list,
                &sys::IID_IMAPITable,
                dest,
                0,
                sys::InterfacePtr::null(),
                0,
            )
        });
        assert_eq!(hr, sys::MAPI_E_INTERFACE_NOT_SUPPORTED);
        let hr = with_list(&ids, |list| {
            inbox.CopyMessages(
                list,
                null_mut(),
                dest,
                0,
                sys::InterfacePtr::null(),
                0x8000_0000,
            )
        });
        assert_eq!(hr, sys::MAPI_E_UNKNOWN_FLAGS);
    }
}

/// A backend that writes nothing (the default methods).
struct ReadOnly;

impl Backend for ReadOnly {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Read-only".into(),
            mdb_provider: [3; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
            FolderInfo::mail("ARCHIVE", None, "Archive"),
        ])
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated && folder == b"INBOX" {
            ids.push(b"a".to_vec());
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        _: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        answer(&[Prop::new(sys::PR_SUBJECT_W, PropValue::Str("A"))?]);
        Ok(())
    }
}

#[test]
fn a_backend_that_writes_nothing_refuses_each_write() {
    let ctx = StoreContext::new(ReadOnly, Allocators::local()).unwrap();
    let store: IMsgStore = StoreObject::new(ctx).cast().unwrap();
    let mask = u32::from_le_bytes(
        prop(&store, sys::PR_STORE_SUPPORT_MASK)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    assert_ne!(mask & sys::STORE_READONLY, 0);
    let (inbox, archive) = (folder(&store, b"INBOX"), folder(&store, b"ARCHIVE"));
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    let hr = unsafe { inbox.CreateMessage(null_mut(), 0, &mut out) };
    assert_eq!((hr, out.is_null()), (sys::MAPI_E_NO_ACCESS, true));
    let ids = [eid(b"INBOX", b"a")];
    let dest = sys::Interface::as_raw(&archive);
    // SAFETY: a list and a folder alive for the call.
    unsafe {
        let hr = with_list(&ids, |list| {
            inbox.DeleteMessages(list, 0, sys::InterfacePtr::null(), 0)
        });
        assert_eq!(hr, sys::MAPI_W_PARTIAL_COMPLETION);
        let hr = with_list(&ids, |list| {
            inbox.CopyMessages(
                list,
                null_mut(),
                dest,
                0,
                sys::InterfacePtr::null(),
                sys::MESSAGE_MOVE,
            )
        });
        assert_eq!(hr, sys::MAPI_W_PARTIAL_COMPLETION);
    }
    assert_eq!(subjects(&inbox), ["A"]);
    assert!(subjects(&archive).is_empty());
}

#[test]
fn a_save_after_another_writer_is_refused_unless_forced() {
    let mail = Arc::new(Mail::default());
    put(&mail, b"INBOX", b"a", "A");
    let store = store(&mail);
    let open_modify = || -> IMessage {
        let (_, unknown) = open_entry(&store, &eid(b"INBOX", b"a"), sys::MAPI_MODIFY).unwrap();
        unknown.cast().unwrap()
    };
    let (first, second) = (open_modify(), open_modify());
    let importance = |n| [Prop::new(sys::PR_IMPORTANCE, PropValue::Long(n)).unwrap()];
    assert_eq!(set_props(&first, &importance(0)), sys::S_OK);
    assert_eq!(set_props(&second, &importance(2)), sys::S_OK);
    // SAFETY: flags only.
    unsafe {
        assert_eq!(first.SaveChanges(sys::KEEP_OPEN_READWRITE), sys::S_OK);
        // The first writer may save again: its own save changed nothing under it.
        assert_eq!(first.SaveChanges(sys::KEEP_OPEN_READWRITE), sys::S_OK);
        assert_eq!(
            second.SaveChanges(sys::KEEP_OPEN_READWRITE),
            sys::MAPI_E_OBJECT_CHANGED
        );
        assert_eq!(
            prop(&open_modify(), sys::PR_IMPORTANCE),
            Some(0i32.to_le_bytes().to_vec())
        );
        assert_eq!(
            second.SaveChanges(sys::FORCE_SAVE | sys::KEEP_OPEN_READWRITE),
            sys::S_OK
        );
        assert_eq!(
            prop(&open_modify(), sys::PR_IMPORTANCE),
            Some(2i32.to_le_bytes().to_vec())
        );
        // Now the first one is behind.
        assert_eq!(first.SaveChanges(0), sys::MAPI_E_OBJECT_CHANGED);
    }
    // A message deleted under an open object: its save is refused too.
    let third = open_modify();
    let ids = [eid(b"INBOX", b"a")];
    // SAFETY: a list alive for the call.
    let hr = with_list(&ids, |list| unsafe {
        folder(&store, b"INBOX").DeleteMessages(list, 0, sys::InterfacePtr::null(), 0)
    });
    assert_eq!(hr, sys::S_OK);
    // SAFETY: flags only.
    assert_eq!(unsafe { third.SaveChanges(0) }, sys::MAPI_E_OBJECT_CHANGED);
}

/// `OpenProperty(tag, IID_IStream, options, flags)` on `object`: the stream, or what it
/// answered.
fn open_stream<I: sys::Interface>(
    object: &I,
    tag: ULONG,
    options: ULONG,
    flags: ULONG,
) -> std::result::Result<sys::IStream, i32> {
    let prop: sys::IMAPIProp = unsafe { sys::IUnknown::from_raw_borrowed(&object.as_raw()) }
        .unwrap()
        .cast()
        .unwrap();
    let mut out = sys::InterfacePtr::null();
    // SAFETY: an IID and a writable out-pointer alive for the call.
    let hr = unsafe { prop.OpenProperty(tag, &sys::IID_IStream, options, flags, &mut out) };
    if hr != sys::S_OK {
        assert!(out.is_null());
        return Err(hr);
    }
    // SAFETY: the reference OpenProperty handed over, an IStream.
    Ok(unsafe { sys::IStream::from_raw(out.into_owned().unwrap().into_raw()) }.unwrap())
}

fn write_all(stream: &sys::IStream, bytes: &[u8]) {
    for chunk in bytes.chunks(4096) {
        let mut done = 0;
        // SAFETY: a buffer of `chunk.len()` bytes and a writable count.
        let hr = unsafe { stream.Write(chunk.as_ptr().cast(), chunk.len() as ULONG, &mut done) };
        assert_eq!((hr, done as usize), (sys::S_OK, chunk.len()));
    }
}

fn read_all(stream: &sys::IStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let mut n = 0;
        // SAFETY: a buffer of its length and a writable count.
        let hr = unsafe { stream.Read(buf.as_mut_ptr().cast(), buf.len() as ULONG, &mut n) };
        assert_eq!(hr, sys::S_OK);
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n as usize]);
    }
}

fn create_attach(message: &IMessage) -> (u32, sys::IAttach) {
    let (mut num, mut out) = (99, sys::InterfacePtr::null());
    // SAFETY: writable out-pointers.
    assert_eq!(
        unsafe { message.CreateAttach(null_mut(), 0, &mut num, &mut out) },
        sys::S_OK
    );
    // SAFETY: the reference CreateAttach handed over.
    (num, unsafe { out.into_owned() }.unwrap())
}

#[test]
fn a_new_message_takes_a_body_and_attachments_through_streams() {
    let mail = Arc::new(Mail::default());
    let store = store(&mail);
    let inbox = folder(&store, b"INBOX");
    let draft = create(&inbox);
    // The body written through a stream, read back before the message is saved.
    let body: Vec<u8> = "Dear Ann, …"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let stream = open_stream(
        &draft,
        sys::PR_BODY_W,
        sys::STGM_READWRITE,
        sys::MAPI_CREATE | sys::MAPI_MODIFY,
    )
    .unwrap();
    write_all(&stream, &body);
    // SAFETY: Commit takes flags only.
    assert_eq!(unsafe { stream.Commit(0) }, sys::S_OK);
    drop(stream);
    assert_eq!(
        text_of(&draft, sys::PR_BODY_W).as_deref(),
        Some("Dear Ann, …")
    );
    let read = open_stream(&draft, sys::PR_BODY_W, 0, 0).unwrap();
    assert_eq!(read_all(&read), body);
    // Without MAPI_CREATE a missing property is not found.
    assert_eq!(
        open_stream(
            &draft,
            mapi_sync_store::tags::PR_HTML,
            sys::STGM_READWRITE,
            sys::MAPI_MODIFY
        )
        .err(),
        Some(sys::MAPI_E_NOT_FOUND)
    );

    // An attachment with 300 KB of data, written and saved into the message.
    // (Smaller under Miri, where every byte through the stream is slow.)
    let size = if cfg!(miri) { 20_000 } else { 300_000u32 };
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let (num, attach) = create_attach(&draft);
    assert_eq!(num, 0);
    let hr = set_props(
        &attach,
        &[
            Prop::new(sys::PR_ATTACH_LONG_FILENAME_W, PropValue::Str("a.bin")).unwrap(),
            Prop::new(
                sys::PR_ATTACH_METHOD,
                PropValue::Long(sys::ATTACH_BY_VALUE as i32),
            )
            .unwrap(),
        ],
    );
    assert_eq!(hr, sys::S_OK);
    let stream = open_stream(
        &attach,
        sys::PR_ATTACH_DATA_BIN,
        sys::STGM_WRITE,
        sys::MAPI_CREATE | sys::MAPI_MODIFY,
    )
    .unwrap();
    write_all(&stream, &data);
    // Released without Commit: what was written still goes in (direct mode).
    drop(stream);
    // Not the message's until the attachment is saved.
    assert_eq!(prop(&draft, sys::PR_HASATTACH), Some(vec![0]));
    // SAFETY: flags only.
    assert_eq!(unsafe { attach.SaveChanges(0) }, sys::S_OK);
    drop(attach);
    // A second one made and let go without SaveChanges is not the message's.
    let (second, _unsaved) = create_attach(&draft);
    assert_eq!(second, 1);
    drop(_unsaved);
    assert_eq!(prop(&draft, sys::PR_HASATTACH), Some(vec![1]));
    let flags = u32::from_le_bytes(
        prop(&draft, sys::PR_MESSAGE_FLAGS)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    assert_ne!(flags & sys::MSGFLAG_HASATTACH, 0);
    // SAFETY: no progress object; flags only.
    unsafe {
        assert_eq!(
            draft.DeleteAttach(7, 0, sys::InterfacePtr::null(), 0),
            sys::MAPI_E_NOT_FOUND
        );
    }
    // Opened again: its data reads back.
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { draft.OpenAttach(0, null_mut(), 0, &mut out) },
        sys::S_OK
    );
    // SAFETY: the reference OpenAttach handed over.
    let again: sys::IAttach = unsafe { out.into_owned() }.unwrap();
    let stream = open_stream(&again, sys::PR_ATTACH_DATA_BIN, 0, 0).unwrap();
    assert_eq!(read_all(&stream), data);
    // Opened read-only: not writable.
    assert_eq!(
        open_stream(
            &again,
            sys::PR_ATTACH_DATA_BIN,
            sys::STGM_WRITE,
            sys::MAPI_MODIFY
        )
        .err(),
        Some(sys::MAPI_E_NO_ACCESS)
    );

    // SAFETY: flags only.
    assert_eq!(unsafe { draft.SaveChanges(0) }, sys::S_OK);
    let messages = mail.messages.lock().unwrap();
    let kept = &messages[&(b"INBOX".to_vec(), b"m1".to_vec())];
    assert_eq!(
        text(&kept.props, sys::PR_BODY_W).as_deref(),
        Some("Dear Ann, …")
    );
    assert_eq!(kept.attachments.len(), 1);
    let attachment = &kept.attachments[0];
    assert_eq!(
        text(attachment, sys::PR_ATTACH_LONG_FILENAME_W).as_deref(),
        Some("a.bin")
    );
    assert!(!attachment.iter().any(|(t, _)| *t == sys::PR_ATTACH_NUM));
    assert!(attachment.contains(&(sys::PR_ATTACH_DATA_BIN, OwnedValue::Binary(data))));
}

/// `CreateFolder(FOLDER_GENERIC, name, flags)` on `parent`: the folder, or what it answered.
fn create_folder(
    parent: &IMAPIFolder,
    name: *const std::ffi::c_void,
    flags: ULONG,
) -> std::result::Result<IMAPIFolder, i32> {
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a NUL-terminated name of the kind `flags` says, alive for the call; a
    // writable out-pointer.
    let hr = unsafe {
        parent.CreateFolder(
            sys::FOLDER_GENERIC,
            name.cast_mut().cast(),
            null_mut(),
            null_mut(),
            flags,
            &mut out,
        )
    };
    if hr != sys::S_OK {
        assert!(out.is_null());
        return Err(hr);
    }
    // SAFETY: the reference CreateFolder handed over.
    Ok(unsafe { out.into_owned() }.unwrap())
}

/// `text` as a NUL-terminated UTF-16 string (aligned for `u16`, as a caller's is).
fn utf16z(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

fn child_names(folder: &IMAPIFolder) -> Vec<String> {
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { folder.GetHierarchyTable(0, &mut table) },
        sys::S_OK
    );
    // SAFETY: the reference handed over.
    let table = unsafe { table.into_owned() }.unwrap();
    rows(&table, &[sys::PR_DISPLAY_NAME_W])
        .into_iter()
        .map(|r| String::from_utf8(r[0].clone().unwrap()).unwrap())
        .collect()
}

fn delete_folder(parent: &IMAPIFolder, eid: &[u8], flags: ULONG) -> i32 {
    // SAFETY: an entry id alive for the call; no progress object.
    unsafe {
        parent.DeleteFolder(
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            0,
            sys::InterfacePtr::null(),
            flags,
        )
    }
}

#[test]
fn folders_are_made_and_deleted_through_the_backend() {
    let mail = Arc::new(Mail::default());
    let store = store(&mail);
    let inbox = folder(&store, b"INBOX");
    let projects = create_folder(
        &inbox,
        utf16z("Projects").as_ptr().cast(),
        sys::MAPI_UNICODE,
    )
    .unwrap();
    assert_eq!(
        text_of(&projects, sys::PR_DISPLAY_NAME_W).as_deref(),
        Some("Projects")
    );
    assert_eq!(child_names(&inbox), ["Projects"]);
    let eid = prop(&projects, sys::PR_ENTRYID).unwrap();
    // The same name again (case aside): a collision, or with OPEN_IF_EXISTS the folder.
    assert_eq!(
        create_folder(
            &inbox,
            utf16z("PROJECTS").as_ptr().cast(),
            sys::MAPI_UNICODE
        )
        .err(),
        Some(sys::MAPI_E_COLLISION)
    );
    let again = create_folder(
        &inbox,
        utf16z("projects").as_ptr().cast(),
        sys::MAPI_UNICODE | sys::OPEN_IF_EXISTS,
    )
    .unwrap();
    assert_eq!(prop(&again, sys::PR_ENTRYID), Some(eid.clone()));
    // An 8-bit name, through the code page.
    let cafe = create_folder(&inbox, b"Caf\xE9\0".as_ptr().cast(), 0).unwrap();
    assert_eq!(
        text_of(&cafe, sys::PR_DISPLAY_NAME_W).as_deref(),
        Some("Café")
    );
    assert_eq!(child_names(&inbox), ["Projects", "Café"]);
    // A folder the store supplies takes none; a search folder is not made.
    let mut out = sys::InterfacePtr::null();
    // SAFETY: as in create_folder.
    let hr = unsafe {
        inbox.CreateFolder(
            sys::FOLDER_SEARCH,
            utf16z("S").as_ptr().cast_mut().cast(),
            null_mut(),
            null_mut(),
            sys::MAPI_UNICODE,
            &mut out,
        )
    };
    assert_eq!((hr, out.is_null()), (sys::MAPI_E_NO_SUPPORT, true));

    // A folder with a message: deleted only with DEL_MESSAGES.
    put(&mail, b"INBOX/Projects", b"p", "P");
    assert_eq!(subjects(&projects), ["P"]);
    assert_eq!(delete_folder(&inbox, &eid, 0), sys::MAPI_E_HAS_MESSAGES);
    // Not a child of the folder asked.
    let archive = folder(&store, b"ARCHIVE");
    assert_eq!(delete_folder(&archive, &eid, 0), sys::MAPI_E_NOT_FOUND);
    assert_eq!(delete_folder(&inbox, &eid, sys::DEL_MESSAGES), sys::S_OK);
    assert_eq!(child_names(&inbox), ["Café"]);
    assert_eq!(
        open_entry(&store, &eid, 0).err(),
        Some(sys::MAPI_E_NOT_FOUND)
    );
}

#[test]
fn a_backend_with_fixed_folders_refuses_new_ones() {
    let ctx = StoreContext::new(ReadOnly, Allocators::local()).unwrap();
    let store: IMsgStore = StoreObject::new(ctx).cast().unwrap();
    let inbox = folder(&store, b"INBOX");
    assert_eq!(
        create_folder(&inbox, utf16z("New").as_ptr().cast(), sys::MAPI_UNICODE).err(),
        Some(sys::MAPI_E_NO_ACCESS)
    );
    let archive = prop(&folder(&store, b"ARCHIVE"), sys::PR_ENTRYID).unwrap();
    let ipm: IMAPIFolder = {
        let eid = prop(&store, sys::PR_IPM_SUBTREE_ENTRYID).unwrap();
        open(&store, &eid, sys::MAPI_FOLDER)
    };
    assert_eq!(delete_folder(&ipm, &archive, 0), sys::MAPI_E_NO_ACCESS);
    let inbox_eid = prop(&inbox, sys::PR_ENTRYID).unwrap();
    assert_eq!(delete_folder(&ipm, &inbox_eid, 0), sys::MAPI_E_NO_ACCESS);
}
