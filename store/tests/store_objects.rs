//! A store written on the framework, opened as a client opens one: through the vtables,
//! from the store's properties to a message, with entry ids taken from rows.

use std::ptr::null_mut;
use std::sync::Arc;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{PropValue, Props};
use mapi_sync_runtime::sys::{
    self, ComInterface, IMAPIFolder, IMAPITable, IMessage, IMsgStore, IUnknown, Interface, ULONG,
};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::ll::store::StoreObject;

mod common;

use common::client::{free, open, prop, rows};
use common::Mail;

fn store() -> IMsgStore {
    let ctx = StoreContext::new(Mail, Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

#[test]
fn from_the_stores_properties_to_a_message_through_rows_and_entry_ids() {
    let store = store();
    assert_eq!(prop(&store, sys::PR_DISPLAY_NAME_W).unwrap(), b"Mail");
    assert_eq!(
        prop(&store, sys::PR_VALID_FOLDER_MASK).unwrap(),
        0xFFu32.to_le_bytes()
    );
    let ipm = prop(&store, sys::PR_IPM_SUBTREE_ENTRYID).unwrap();

    // The IPM subtree's hierarchy, every level.
    let subtree: IMAPIFolder = open(&store, &ipm, sys::MAPI_FOLDER);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { subtree.GetHierarchyTable(sys::CONVENIENT_DEPTH, &mut table) },
        sys::S_OK
    );
    // SAFETY: the reference GetHierarchyTable handed over.
    let table: IMAPITable = unsafe { table.into_owned() }.unwrap();
    let folders = rows(
        &table,
        &[sys::PR_DISPLAY_NAME_W, sys::PR_DEPTH, sys::PR_ENTRYID],
    );
    let names: Vec<String> = folders
        .iter()
        .map(|r| String::from_utf8(r[0].clone().unwrap()).unwrap())
        .collect();
    assert_eq!(
        names,
        ["Outbox", "Sent Items", "Deleted Items", "Inbox", "Lists"]
    );
    assert_eq!(folders[4][1].as_deref(), Some(&1i32.to_le_bytes()[..]));

    // The inbox through GetReceiveFolder: the same folder the row names.
    let (mut cb, mut eid) = (0, null_mut());
    // SAFETY: writable out-pointers; the explicit class may be null.
    assert_eq!(
        unsafe { store.GetReceiveFolder(null_mut(), 0, &mut cb, &mut eid, null_mut()) },
        sys::S_OK
    );
    // SAFETY: `cb` bytes GetReceiveFolder handed out.
    let inbox_id = unsafe { std::slice::from_raw_parts(eid.cast::<u8>(), cb as usize) }.to_vec();
    free(eid.cast());
    assert_eq!(folders[3][2].as_deref(), Some(&inbox_id[..]));
    // No class has a receive folder set explicitly: the explicit class is a zero-length
    // string, ANSI or Unicode as the flag asks (GetReceiveFolder's page).
    for (flags, width) in [(0, 1), (sys::MAPI_UNICODE, 2)] {
        let (mut cb, mut eid, mut class) = (0, null_mut(), null_mut());
        // SAFETY: writable out-pointers.
        let hr =
            unsafe { store.GetReceiveFolder(null_mut(), flags, &mut cb, &mut eid, &mut class) };
        assert_eq!(hr, sys::S_OK);
        assert!(!class.is_null());
        // SAFETY: a string of at least `width` bytes (its terminator) handed out.
        let terminator = unsafe { std::slice::from_raw_parts(class.cast::<u8>(), width) };
        assert!(terminator.iter().all(|&b| b == 0), "{flags}");
        free(eid.cast());
        free(class.cast());
    }
    let inbox: IMAPIFolder = open(&store, &inbox_id, sys::MAPI_FOLDER);
    assert_eq!(
        prop(&inbox, sys::PR_CONTENT_COUNT).unwrap(),
        2i32.to_le_bytes()
    );

    // Its contents; a row's entry id opens the message, whose identity matches the row.
    let mut contents = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { inbox.GetContentsTable(0, &mut contents) },
        sys::S_OK
    );
    // SAFETY: the reference handed over.
    let contents: IMAPITable = unsafe { contents.into_owned() }.unwrap();
    let messages = rows(
        &contents,
        &[
            sys::PR_SUBJECT_W,
            sys::PR_ENTRYID,
            sys::PR_RECORD_KEY,
            sys::PR_INSTANCE_KEY,
        ],
    );
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1][0].as_deref(), Some(&b"Subject of m2"[..]));
    let message_id = messages[1][1].clone().unwrap();
    let message: IMessage = open(&store, &message_id, sys::MAPI_MESSAGE);
    assert_eq!(prop(&message, sys::PR_SUBJECT_W).unwrap(), b"Subject of m2");
    assert_eq!(prop(&message, sys::PR_ENTRYID).unwrap(), message_id);
    assert_eq!(prop(&message, sys::PR_RECORD_KEY), messages[1][2]);
    assert_eq!(prop(&message, sys::PR_PARENT_ENTRYID).unwrap(), inbox_id);
    assert_ne!(messages[0][3], messages[1][3], "instance keys differ");

    // CompareEntryIDs: the same message whatever the flags; not the inbox.
    let mut short_term = message_id.clone();
    short_term[0] = 0x80;
    let same = |a: &[u8], b: &[u8]| {
        let mut result = 7;
        // SAFETY: both ids alive for the call; a writable result.
        let hr = unsafe {
            store.CompareEntryIDs(
                a.len() as ULONG,
                a.as_ptr().cast_mut().cast(),
                b.len() as ULONG,
                b.as_ptr().cast_mut().cast(),
                0,
                &mut result,
            )
        };
        assert_eq!(hr, sys::S_OK);
        result
    };
    assert_eq!(same(&message_id, &short_term), 1);
    assert_eq!(same(&message_id, &inbox_id), 0);
}

#[test]
fn tables_both_ways_and_what_the_caller_asks_wrongly() {
    let store = store();
    // SAFETY: each call passes what it says; out-pointers are writable or null.
    unsafe {
        // A null entry id opens the root.
        let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
        assert_eq!(
            store.OpenEntry(0, null_mut(), null_mut(), 0, &mut kind, &mut unknown),
            sys::S_OK
        );
        assert_eq!(kind, sys::MAPI_FOLDER);
        let root: IUnknown = unknown.into_owned().unwrap();
        let root: IMAPIFolder = root.cast().unwrap();
        // Asking a folder for IMessage: refused, nothing handed out.
        let root_id = prop(&root, sys::PR_ENTRYID).unwrap();
        let mut unknown = sys::InterfacePtr::null();
        let hr = store.OpenEntry(
            root_id.len() as ULONG,
            root_id.as_ptr().cast_mut().cast(),
            &sys::IID_IMessage,
            0,
            &mut kind,
            &mut unknown,
        );
        assert_eq!(hr, sys::MAPI_E_INTERFACE_NOT_SUPPORTED);
        assert!(unknown.is_null());
        // A message and the root open for changing: the store keeps what a client
        // changes.
        let m1 = mapi_sync_store::entry_id::EntryId::message(common::UID, b"INBOX", b"m1")
            .unwrap()
            .to_bytes();
        for flags in [
            sys::MAPI_MODIFY,
            sys::MAPI_BEST_ACCESS,
            sys::MAPI_MODIFY | sys::MAPI_BEST_ACCESS,
        ] {
            let hr = store.OpenEntry(
                m1.len() as ULONG,
                m1.as_ptr().cast_mut().cast(),
                null_mut(),
                flags,
                &mut kind,
                &mut unknown,
            );
            assert_eq!((hr, kind), (sys::S_OK, sys::MAPI_MESSAGE));
            drop(unknown.into_owned());
            unknown = sys::InterfacePtr::null();
        }
        let hr = store.OpenEntry(
            0,
            null_mut(),
            null_mut(),
            sys::MAPI_MODIFY,
            &mut kind,
            &mut unknown,
        );
        assert_eq!((hr, kind), (sys::S_OK, sys::MAPI_FOLDER));
        drop(unknown.into_owned());
        unknown = sys::InterfacePtr::null();
        // A bad entry id.
        let hr = store.OpenEntry(
            3,
            [1u8, 2, 3].as_ptr().cast_mut().cast(),
            null_mut(),
            0,
            &mut kind,
            &mut unknown,
        );
        assert_eq!(hr, sys::MAPI_E_INVALID_ENTRYID);

        // The inbox's tables through OpenProperty, as through the methods.
        let mut cb = 0;
        let mut eid = null_mut();
        assert_eq!(
            store.GetReceiveFolder(null_mut(), 0, &mut cb, &mut eid, null_mut()),
            sys::S_OK
        );
        let inbox_id = std::slice::from_raw_parts(eid.cast::<u8>(), cb as usize).to_vec();
        free(eid.cast());
        let inbox: IMAPIFolder = open(&store, &inbox_id, sys::MAPI_FOLDER);
        let count = |tag: ULONG| {
            let mut out = sys::InterfacePtr::null();
            assert_eq!(
                inbox.OpenProperty(tag, &sys::IID_IMAPITable, 0, 0, &mut out),
                sys::S_OK
            );
            let table: IMAPITable =
                IMAPITable::from_raw(out.into_owned().unwrap().into_raw()).unwrap();
            let mut n = 0;
            assert_eq!(table.GetRowCount(0, &mut n), sys::S_OK);
            n
        };
        assert_eq!(count(sys::PR_CONTAINER_CONTENTS), 2);
        assert_eq!(count(sys::PR_FOLDER_ASSOCIATED_CONTENTS), 1);
        assert_eq!(count(sys::PR_CONTAINER_HIERARCHY), 1);
        let mut out = sys::InterfacePtr::null();
        assert_eq!(
            inbox.OpenProperty(
                sys::PR_CONTAINER_CONTENTS,
                &sys::IID_IMessage,
                0,
                0,
                &mut out
            ),
            sys::MAPI_E_INTERFACE_NOT_SUPPORTED
        );
        assert!(out.is_null());
        // MAPI_ASSOCIATED on GetContentsTable is the associated table.
        let mut table = sys::InterfacePtr::null();
        assert_eq!(
            inbox.GetContentsTable(sys::MAPI_ASSOCIATED, &mut table),
            sys::S_OK
        );
        let table: IMAPITable = table.into_owned().unwrap();
        let mut n = 0;
        assert_eq!(table.GetRowCount(0, &mut n), sys::S_OK);
        assert_eq!(n, 1);
        // Writes are refused.
        let mut message = sys::InterfacePtr::null();
        assert_eq!(
            inbox.CreateMessage(null_mut(), 0, &mut message),
            sys::MAPI_E_NO_ACCESS
        );
        assert!(message.is_null());
        // The store's own entry id, no interface named: its IMsgStore (not its
        // IUnknown, which is IMAPISync's vtable), whose properties answer.
        let store_id = prop(&store, sys::PR_ENTRYID).unwrap();
        let mut unknown = sys::InterfacePtr::null();
        let hr = store.OpenEntry(
            store_id.len() as ULONG,
            store_id.as_ptr().cast_mut().cast(),
            null_mut(),
            0,
            &mut kind,
            &mut unknown,
        );
        assert_eq!((hr, kind), (sys::S_OK, sys::MAPI_STORE));
        let again: IMsgStore =
            IMsgStore::from_raw(unknown.into_owned().unwrap().into_raw()).unwrap();
        // Called through the pointer handed out, not through QueryInterface.
        let (mut n, mut v) = (0, null_mut());
        assert_eq!(
            again.GetProps(null_mut(), sys::MAPI_UNICODE, &mut n, &mut v),
            sys::S_OK
        );
        let values = Props::from_raw(v, n).unwrap();
        assert_eq!(
            values.find(sys::PR_DISPLAY_NAME_W).unwrap().value(),
            PropValue::Str("Mail")
        );
        free(v.cast());
        // The store answers IMAPISync too.
        let _sync: sys::IMAPISync = store.cast().unwrap();
    }
}

/// The context is shared by every object the store hands out.
#[test]
fn objects_keep_the_store_alive() {
    let ctx = StoreContext::new(Mail, Allocators::local()).unwrap();
    let store: IMsgStore = StoreObject::new(ctx.clone()).cast().unwrap();
    let ipm = prop(&store, sys::PR_IPM_SUBTREE_ENTRYID).unwrap();
    let folder: IMAPIFolder = open(&store, &ipm, sys::MAPI_FOLDER);
    drop(store);
    assert!(
        Arc::strong_count(&ctx) >= 2,
        "the folder still holds the store's context"
    );
    assert_eq!(
        prop(&folder, sys::PR_DISPLAY_NAME_W).unwrap(),
        b"Top of Information Store"
    );
}
