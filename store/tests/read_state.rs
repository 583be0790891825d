//! What the store keeps for a backend that cannot: read state (`SetReadFlag`,
//! `SetReadFlags`) and associated messages (`CreateMessage(MAPI_ASSOCIATED)`, `SetProps`,
//! `SaveChanges`, `DeleteMessages`), through the vtables as a client changes them. The
//! keep is in memory here (these tests run under Miri); `keep_disk.rs` keeps it in a file
//! across logons and kills a writer.

use std::ptr::null_mut;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{prop_tag, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ComInterface, IMAPIFolder, IMessage, IMsgStore, ULONG};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, Special, StoreUid};
use mapi_sync_store::ll::store::StoreObject;

#[path = "common/client.rs"]
mod client;

use client::{contents, open, open_entry, prop, rows, set_props};

const UID: StoreUid = StoreUid([5; 16]);

/// An inbox of "unread" (no flags) and "read" (`MSGFLAG_READ`), read-only.
struct Inbox;

impl Backend for Inbox {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Inbox".into(),
            mdb_provider: [1; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox)
        ])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.extend([b"unread".to_vec(), b"read".to_vec()]);
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let flags = match id {
            b"unread" => 0,
            b"read" => sys::MSGFLAG_READ as i32,
            _ => return Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        };
        answer(&[
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str("mail"))?,
            Prop::new(sys::PR_MESSAGE_FLAGS, PropValue::Long(flags))?,
        ]);
        Ok(())
    }
}

fn store() -> IMsgStore {
    let ctx = StoreContext::new(Inbox, Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

fn eid(id: &[u8]) -> Vec<u8> {
    EntryId::message(UID, b"INBOX", id).unwrap().to_bytes()
}

fn flags_of<I: sys::Interface>(object: &I) -> ULONG {
    let bytes = prop(object, sys::PR_MESSAGE_FLAGS).unwrap();
    u32::from_le_bytes(bytes.try_into().unwrap())
}

fn inbox(store: &IMsgStore) -> IMAPIFolder {
    open(
        store,
        &EntryId::folder(UID, b"INBOX").to_bytes(),
        sys::MAPI_FOLDER,
    )
}

/// Each row's `PR_MESSAGE_FLAGS` & `MSGFLAG_READ`, in the contents table.
fn read_column(folder: &IMAPIFolder) -> Vec<bool> {
    rows(&contents(folder, 0), &[sys::PR_MESSAGE_FLAGS])
        .into_iter()
        .map(|r| {
            u32::from_le_bytes(r[0].clone().unwrap().try_into().unwrap()) & sys::MSGFLAG_READ != 0
        })
        .collect()
}

#[test]
fn read_state_is_kept_for_a_read_only_backend_on_objects_and_rows() {
    let store = store();
    let unread: IMessage = open(&store, &eid(b"unread"), sys::MAPI_MESSAGE);
    let read: IMessage = open(&store, &eid(b"read"), sys::MAPI_MESSAGE);
    // SAFETY: SetReadFlag takes only flags.
    unsafe {
        assert_eq!(unread.SetReadFlag(0), sys::S_OK);
        assert_eq!(read.SetReadFlag(sys::CLEAR_READ_FLAG), sys::S_OK);
        assert_eq!(read.SetReadFlag(sys::GENERATE_RECEIPT_ONLY), sys::S_OK);
        assert_eq!(
            read.SetReadFlag(sys::CLEAR_READ_FLAG | sys::SUPPRESS_RECEIPT),
            sys::MAPI_E_INVALID_PARAMETER
        );
    }
    assert_eq!(flags_of(&unread) & sys::MSGFLAG_READ, sys::MSGFLAG_READ);
    assert_eq!(flags_of(&read) & sys::MSGFLAG_READ, 0);
    let folder = inbox(&store);
    assert_eq!(read_column(&folder), [true, false]);
    // SetReadFlags with NULL: every message read.
    // SAFETY: a null list means every message; no progress object.
    let hr = unsafe { folder.SetReadFlags(null_mut(), 0, sys::InterfacePtr::null(), 0) };
    assert_eq!(hr, sys::S_OK);
    assert_eq!(read_column(&folder), [true, true]);
    // A list with an entry id of another folder's message: partly done.
    let other = EntryId::message(UID, b"ELSEWHERE", b"x")
        .unwrap()
        .to_bytes();
    let unread_id = eid(b"unread");
    let mut bins = [
        sys::SBinary {
            cb: unread_id.len() as ULONG,
            lpb: unread_id.as_ptr().cast_mut(),
        },
        sys::SBinary {
            cb: other.len() as ULONG,
            lpb: other.as_ptr().cast_mut(),
        },
    ];
    let mut list = sys::ENTRYLIST {
        cValues: 2,
        lpbin: bins.as_mut_ptr(),
    };
    // SAFETY: a list alive for the call.
    let hr = unsafe {
        folder.SetReadFlags(
            &mut list,
            0,
            sys::InterfacePtr::null(),
            sys::CLEAR_READ_FLAG,
        )
    };
    assert_eq!(hr, sys::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(read_column(&folder), [false, true]);
}

#[test]
fn associated_messages_are_created_changed_listed_and_deleted() {
    let store = store();
    let folder = inbox(&store);
    // A normal message cannot be made here; an associated one can.
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    let hr = unsafe { folder.CreateMessage(null_mut(), 0, &mut out) };
    assert_eq!((hr, out.is_null()), (sys::MAPI_E_NO_ACCESS, true));
    // SAFETY: as above.
    let hr = unsafe { folder.CreateMessage(null_mut(), sys::MAPI_ASSOCIATED, &mut out) };
    assert_eq!(hr, sys::S_OK);
    // SAFETY: the reference CreateMessage handed over.
    let view: IMessage = unsafe { out.into_owned() }.unwrap();
    let descriptor = prop_tag(sys::PT_BINARY, 0x7001);
    let hr = set_props(
        &view,
        &[
            Prop::new(
                sys::PR_MESSAGE_CLASS_W,
                PropValue::Str("IPM.Microsoft.FolderDesign.NamedView"),
            )
            .unwrap(),
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str("My view")).unwrap(),
            Prop::new(descriptor, PropValue::Binary(&[1, 2, 3])).unwrap(),
        ],
    );
    assert_eq!(hr, sys::S_OK);
    // Not in the table until saved.
    assert!(rows(
        &contents(&folder, sys::MAPI_ASSOCIATED),
        &[sys::PR_SUBJECT_W]
    )
    .is_empty());
    // SAFETY: SaveChanges takes only flags.
    assert_eq!(
        unsafe { view.SaveChanges(sys::KEEP_OPEN_READWRITE) },
        sys::S_OK
    );
    let listed = rows(
        &contents(&folder, sys::MAPI_ASSOCIATED),
        &[
            sys::PR_SUBJECT_W,
            sys::PR_MESSAGE_FLAGS,
            descriptor,
            sys::PR_ENTRYID,
        ],
    );
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0][0], Some(b"My view".to_vec()));
    let flags = u32::from_le_bytes(listed[0][1].clone().unwrap().try_into().unwrap());
    assert_eq!(flags & sys::MSGFLAG_ASSOCIATED, sys::MSGFLAG_ASSOCIATED);
    assert_eq!(listed[0][2], Some(vec![1, 2, 3]));
    // The normal table does not list it; the folder counts it.
    assert_eq!(read_column(&folder).len(), 2);
    assert_eq!(
        prop(&folder, sys::PR_ASSOC_CONTENT_COUNT),
        Some(1i32.to_le_bytes().to_vec())
    );

    // Opened again by its entry id, for changing: a property deleted and saved.
    let view_id = listed[0][3].clone().unwrap();
    assert_eq!(prop(&view, sys::PR_ENTRYID), Some(view_id.clone()));
    let (kind, unknown) = open_entry(&store, &view_id, sys::MAPI_MODIFY).unwrap();
    assert_eq!(kind, sys::MAPI_MESSAGE);
    let again: IMessage = unknown.cast().unwrap();
    let tags = mapi_sync_runtime::props::write_prop_tags(Allocators::local(), &[sys::PR_SUBJECT_W])
        .unwrap();
    // SAFETY: a tag array alive for the call; no problem array asked.
    unsafe {
        assert_eq!(
            again.DeleteProps(tags.as_ptr().cast(), null_mut()),
            sys::S_OK
        );
        assert_eq!(again.SaveChanges(sys::KEEP_OPEN_READONLY), sys::S_OK);
        // Kept open read-only: a change is refused.
        assert_eq!(again.SaveChanges(0), sys::MAPI_E_NO_ACCESS);
    }
    let listed = rows(
        &contents(&folder, sys::MAPI_ASSOCIATED),
        &[sys::PR_SUBJECT_W],
    );
    assert_eq!(listed, [vec![None]]);
    // Opened read-only, it refuses changes; a backend message refuses them too.
    let (_, unknown) = open_entry(&store, &view_id, 0).unwrap();
    let read_only: IMessage = unknown.cast().unwrap();
    let subject = [Prop::new(sys::PR_SUBJECT_W, PropValue::Str("no")).unwrap()];
    assert_eq!(set_props(&read_only, &subject), sys::MAPI_E_NO_ACCESS);
    let mail: IMessage = open(&store, &eid(b"read"), sys::MAPI_MESSAGE);
    assert_eq!(set_props(&mail, &subject), sys::MAPI_E_NO_ACCESS);
    // SAFETY: SaveChanges takes only flags.
    assert_eq!(unsafe { mail.SaveChanges(0) }, sys::MAPI_E_NO_ACCESS);

    // Deleted: gone from the table; deleting a backend message is refused.
    let delete = |ids: &[&[u8]]| {
        let mut bins: Vec<sys::SBinary> = ids
            .iter()
            .map(|b| sys::SBinary {
                cb: b.len() as ULONG,
                lpb: b.as_ptr().cast_mut(),
            })
            .collect();
        let mut list = sys::ENTRYLIST {
            cValues: bins.len() as ULONG,
            lpbin: bins.as_mut_ptr(),
        };
        // SAFETY: a list alive for the call; no progress object.
        unsafe { folder.DeleteMessages(&mut list, 0, sys::InterfacePtr::null(), 0) }
    };
    assert_eq!(delete(&[&eid(b"read")]), sys::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(delete(&[&view_id]), sys::S_OK);
    assert!(rows(
        &contents(&folder, sys::MAPI_ASSOCIATED),
        &[sys::PR_SUBJECT_W]
    )
    .is_empty());
    assert_eq!(
        open_entry(&store, &view_id, 0).err(),
        Some(sys::MAPI_E_NOT_FOUND)
    );
}

#[test]
fn a_folder_the_framework_supplies_keeps_associated_messages_too() {
    let store = store();
    // The IPM subtree is the framework's (the backend has no such folder).
    let mut props_out = (0, null_mut());
    let tags = mapi_sync_runtime::props::write_prop_tags(
        Allocators::local(),
        &[sys::PR_IPM_SUBTREE_ENTRYID],
    )
    .unwrap();
    // SAFETY: a tag array alive for the call; writable out-pointers.
    unsafe { store.GetProps(tags.as_ptr().cast(), 0, &mut props_out.0, &mut props_out.1) };
    // SAFETY: what GetProps handed out.
    let values =
        unsafe { mapi_sync_runtime::props::Props::from_raw(props_out.1, props_out.0) }.unwrap();
    let PropValue::Binary(ipm) = values.iter().next().unwrap().value() else {
        panic!()
    };
    let ipm = ipm.to_vec();
    client::free(props_out.1.cast());
    let (_, unknown) = open_entry(&store, &ipm, sys::MAPI_MODIFY).unwrap();
    let subtree: IMAPIFolder = unknown.cast().unwrap();
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { subtree.CreateMessage(null_mut(), sys::MAPI_ASSOCIATED, &mut out) },
        sys::S_OK
    );
    // SAFETY: the reference CreateMessage handed over.
    let settings: IMessage = unsafe { out.into_owned() }.unwrap();
    let subject = [Prop::new(sys::PR_SUBJECT_W, PropValue::Str("settings")).unwrap()];
    assert_eq!(set_props(&settings, &subject), sys::S_OK);
    // SAFETY: SaveChanges takes only flags.
    assert_eq!(unsafe { settings.SaveChanges(0) }, sys::S_OK);
    let listed = rows(
        &contents(&subtree, sys::MAPI_ASSOCIATED),
        &[sys::PR_SUBJECT_W, sys::PR_ENTRYID],
    );
    assert_eq!(listed[0][0], Some(b"settings".to_vec()));
    let (kind, _) = open_entry(&store, listed[0][1].as_ref().unwrap(), 0).unwrap();
    assert_eq!(kind, sys::MAPI_MESSAGE);
}

#[test]
fn changes_to_a_backend_message_are_kept_and_shown_on_it_and_its_row() {
    let store = store();
    // PidTagFlagStatus (0x1090, PT_LONG): what Outlook sets to flag a message.
    let flag_status = prop_tag(sys::PT_LONG, 0x1090);
    let (_, unknown) = open_entry(&store, &eid(b"read"), sys::MAPI_MODIFY).unwrap();
    let m: IMessage = unknown.cast().unwrap();
    let flagged = [Prop::new(flag_status, PropValue::Long(2)).unwrap()];
    assert_eq!(set_props(&m, &flagged), sys::S_OK);
    let tags = mapi_sync_runtime::props::write_prop_tags(Allocators::local(), &[sys::PR_SUBJECT_W])
        .unwrap();
    // SAFETY: a tag array alive for the call; no problem array asked.
    unsafe {
        assert_eq!(m.DeleteProps(tags.as_ptr().cast(), null_mut()), sys::S_OK);
        // Not kept until saved: another opening does not see it.
        let other: IMessage = open(&store, &eid(b"read"), sys::MAPI_MESSAGE);
        assert_eq!(prop(&other, flag_status), None);
        assert_eq!(m.SaveChanges(0), sys::S_OK);
    }
    // Opened again (read-only): the flag is there, the subject gone, the rest as the
    // backend gives it.
    let again: IMessage = open(&store, &eid(b"read"), sys::MAPI_MESSAGE);
    assert_eq!(prop(&again, flag_status), Some(2i32.to_le_bytes().to_vec()));
    assert_eq!(prop(&again, sys::PR_SUBJECT_W), None);
    assert_eq!(flags_of(&again) & sys::MSGFLAG_READ, sys::MSGFLAG_READ);
    // In the contents table too.
    let shown = rows(
        &contents(&inbox(&store), 0),
        &[sys::PR_SUBJECT_W, flag_status],
    );
    assert_eq!(
        shown,
        [
            vec![Some(b"mail".to_vec()), None],
            vec![None, Some(2i32.to_le_bytes().to_vec())],
        ]
    );
    // Opened read-only, a change is refused.
    assert_eq!(set_props(&again, &flagged), sys::MAPI_E_NO_ACCESS);
}
