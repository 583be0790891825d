//! The store's objects driven from Rust through their vtables, for what the C host does
//! not reach: `QueryRows` backwards and with `TBL_NOADVANCE`, `QueryColumns`, columns
//! asked by identifier (`PT_UNSPECIFIED`), `PT_STRING8` answers, `GetReceiveFolder`'s
//! Unicode class, `CompareStoreIDs`, and a message whose `Date` is missing.
#![allow(non_snake_case)]

use std::path::Path;

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{prop_tag, prop_tags, write_prop_tags, PropValue, Props, Rows};
use mapi_sync::sys::{self, Interface, HRESULT, S_OK, ULONG};

#[mapi_object(IMAPISupport)]
struct Support;

impl sys::IMAPISupport_Impl for Support {
    unsafe fn SetProviderUID(&self, _: sys::LPMAPIUID, _: ULONG) -> HRESULT {
        S_OK
    }
}

fn free(p: *mut std::ffi::c_void) {
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: a buffer handed out with the local allocators, freed once.
    unsafe { free.unwrap()(p) };
}

fn provider() -> sys::IMSProvider {
    let (a, m, f) = Allocators::local().as_raw();
    let (mut version, mut raw) = (0, sys::InterfacePtr::null());
    // SAFETY: local allocators, writable out-pointers.
    let hr = unsafe {
        eml_store::MSProviderInit(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            a,
            m,
            f,
            0,
            sys::CURRENT_SPI_VERSION,
            &mut version,
            &mut raw,
        )
    };
    assert_eq!((hr, version), (S_OK, sys::CURRENT_SPI_VERSION));
    // SAFETY: the one reference handed out.
    unsafe { raw.into_owned() }.unwrap()
}

fn logon(provider: &sys::IMSProvider, dir: &Path) -> (sys::IMSLogon, sys::IMsgStore) {
    let support: sys::IMAPISupport = Object::new(Support).cast().unwrap();
    let mut id = eml_store::store_entry_id(dir);
    let (mut l, mut s) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: a live support object, the identifier's bytes, writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(support.as_raw()),
            0,
            std::ptr::null_mut(),
            id.len() as ULONG,
            id.as_mut_ptr().cast(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut l,
            &mut s,
        )
    };
    assert_eq!(hr, S_OK);
    // SAFETY: one reference each from Logon.
    unsafe { (l.into_owned().unwrap(), s.into_owned().unwrap()) }
}

fn message(dir: &Path, name: &str, subject: &str, date: Option<&str>) {
    let date = date.map_or(String::new(), |d| format!("Date: {d}\r\n"));
    let text = format!("From: someone@example.com\r\nSubject: {subject}\r\n{date}\r\nbody\r\n");
    std::fs::write(dir.join(name), text).unwrap();
}

/// Frees a row set as FreeProws does.
///
/// # Safety
/// `rows` must be a set QueryRows handed out, not freed yet.
unsafe fn free_rows(rows: *mut sys::SRowSet) {
    // SAFETY: the caller's contract.
    unsafe {
        let first = std::ptr::addr_of!((*rows).aRow).cast::<sys::SRow>();
        for i in 0..(*rows).cRows as usize {
            free((*first.add(i)).lpProps.cast());
        }
        free(rows.cast());
    }
}

/// (subject, PR_MESSAGE_DELIVERY_TIME's tag) of each row of `rows`.
fn subjects(rows: *mut sys::SRowSet) -> Vec<(String, ULONG)> {
    // SAFETY: what QueryRows handed out; freed as FreeProws does.
    unsafe {
        let read = Rows::from_raw(rows).unwrap();
        let out = read
            .iter()
            .map(|r| {
                let subject = r.get(0).unwrap().value().to_text().unwrap_or_default();
                (subject, r.get(1).unwrap().tag())
            })
            .collect();
        free_rows(rows);
        out
    }
}

#[test]
fn tables_read_backwards_by_identifier_and_without_advancing() {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
        let date = (i != 2).then_some("Tue, 1 Dec 2026 10:00:00 +0000");
        message(
            dir.path(),
            &format!("{name}.eml"),
            &format!("Subject {name}"),
            date,
        );
    }
    let provider = provider();
    let (logon, store) = logon(&provider, dir.path());
    let (mut cb, mut id) = (0, std::ptr::null_mut());
    let mut class: sys::LPTSTR = std::ptr::null_mut();
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: writable out-pointers; the identifier GetReceiveFolder gave.
    let inbox: sys::IMAPIFolder = unsafe {
        assert_eq!(
            store.GetReceiveFolder(
                std::ptr::null_mut(),
                sys::MAPI_UNICODE,
                &mut cb,
                &mut id,
                &mut class
            ),
            S_OK
        );
        // The default class: an empty Unicode string.
        assert_eq!(*class.cast::<u16>(), 0);
        free(class.cast());
        assert_eq!(
            store.OpenEntry(cb, id, std::ptr::null_mut(), 0, &mut kind, &mut unknown),
            S_OK
        );
        free(id.cast());
        unknown.into_owned().unwrap().cast().unwrap()
    };
    assert_eq!(kind, sys::MAPI_FOLDER);
    let mut raw = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { inbox.GetContentsTable(0, &mut raw) }, S_OK);
    // SAFETY: one reference from GetContentsTable.
    let table = unsafe { raw.into_owned() }.unwrap();
    // The subject by identifier (PT_UNSPECIFIED), then the delivery time.
    let columns = write_prop_tags(
        Allocators::local(),
        &[
            prop_tag(sys::PT_UNSPECIFIED, 0x0037),
            sys::PR_MESSAGE_DELIVERY_TIME,
        ],
    )
    .unwrap();
    let mut rows = std::ptr::null_mut();
    let mut sought = 0;
    // SAFETY: a tag array, writable out-pointers.
    unsafe {
        assert_eq!(table.SetColumns(columns.as_ptr().cast(), 0), S_OK);
        let mut asked = std::ptr::null_mut();
        assert_eq!(table.QueryColumns(0, &mut asked), S_OK);
        assert_eq!(
            prop_tags(asked).unwrap(),
            [
                prop_tag(sys::PT_UNSPECIFIED, 0x0037),
                sys::PR_MESSAGE_DELIVERY_TIME
            ]
        );
        free(asked.cast());
        // Two rows from the start, without moving.
        assert_eq!(table.QueryRows(2, sys::TBL_NOADVANCE, &mut rows), S_OK);
    }
    let time = sys::PR_MESSAGE_DELIVERY_TIME;
    let missing = prop_tag(sys::PT_ERROR, 0x0E06);
    assert_eq!(
        subjects(rows),
        [("Subject a".into(), time), ("Subject b".into(), time)]
    );
    // SAFETY: as above.
    unsafe {
        assert_eq!(table.QueryRows(3, 0, &mut rows), S_OK);
        // c has no Date: its delivery time is PT_ERROR.
        assert_eq!(
            subjects(rows),
            [
                ("Subject a".into(), time),
                ("Subject b".into(), time),
                ("Subject c".into(), missing)
            ]
        );
        // Backwards from the end: two rows, read forwards.
        assert_eq!(table.SeekRow(sys::BOOKMARK_END, 0, &mut sought), S_OK);
        assert_eq!(table.QueryRows(-2, 0, &mut rows), S_OK);
    }
    assert_eq!(
        subjects(rows),
        [("Subject c".into(), missing), ("Subject d".into(), time)]
    );
    // SAFETY: past the end: no rows; before the start: clamped.
    unsafe {
        assert_eq!(table.QueryRows(5, 0, &mut rows), S_OK);
        assert!(subjects(rows).is_empty());
        assert_eq!(table.SeekRow(sys::BOOKMARK_CURRENT, -10, &mut sought), S_OK);
    }
    assert_eq!(sought, -4);

    // The store's name as PT_STRING8 and PT_UNICODE, and its identity.
    let tags = write_prop_tags(
        Allocators::local(),
        &[
            sys::PR_DISPLAY_NAME,
            sys::PR_DISPLAY_NAME_W,
            sys::PR_ENTRYID,
        ],
    )
    .unwrap();
    let (mut n, mut values) = (0, std::ptr::null_mut());
    // SAFETY: a tag array, writable out-pointers.
    assert_eq!(
        unsafe { store.GetProps(tags.as_ptr().cast(), 0, &mut n, &mut values) },
        S_OK
    );
    // SAFETY: what GetProps handed out.
    let props = unsafe { Props::from_raw(values, n) }.unwrap();
    let name = format!(
        "EML store: {}",
        dir.path().file_name().unwrap().to_string_lossy()
    );
    assert_eq!(
        props.get(0).unwrap().value(),
        PropValue::String8(name.as_bytes())
    );
    assert_eq!(props.get(1).unwrap().value(), PropValue::Str(&name));
    let PropValue::Binary(store_id) = props.get(2).unwrap().value() else {
        panic!()
    };
    let mut mine = store_id.to_vec();
    let mut other = eml_store::store_entry_id(&dir.path().join("elsewhere"));
    let mut result = 9;
    // SAFETY: both identifiers' bytes, a writable result.
    unsafe {
        assert_eq!(
            provider.CompareStoreIDs(
                mine.len() as ULONG,
                mine.as_mut_ptr().cast(),
                mine.len() as ULONG,
                mine.as_mut_ptr().cast(),
                0,
                &mut result
            ),
            S_OK
        );
        assert_eq!(result, 1);
        assert_eq!(
            provider.CompareStoreIDs(
                mine.len() as ULONG,
                mine.as_mut_ptr().cast(),
                other.len() as ULONG,
                other.as_mut_ptr().cast(),
                0,
                &mut result
            ),
            S_OK
        );
        assert_eq!(result, 0);
    }
    free(values.cast());

    // The root (an empty identifier): no messages, one subfolder, the inbox.
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an empty identifier, writable out-pointers.
    let root: sys::IMAPIFolder = unsafe {
        assert_eq!(
            store.OpenEntry(
                0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
                &mut kind,
                &mut unknown
            ),
            S_OK
        );
        unknown.into_owned().unwrap().cast().unwrap()
    };
    let (mut contents, mut hierarchy) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    let (mut none, mut one) = (9, 9);
    // SAFETY: writable out-pointers; one reference each.
    let (contents, hierarchy) = unsafe {
        assert_eq!(root.GetContentsTable(0, &mut contents), S_OK);
        assert_eq!(root.GetHierarchyTable(0, &mut hierarchy), S_OK);
        (
            contents.into_owned().unwrap(),
            hierarchy.into_owned().unwrap(),
        )
    };
    // SAFETY: writable counts and row-set pointers.
    unsafe {
        assert_eq!(contents.GetRowCount(0, &mut none), S_OK);
        assert_eq!(hierarchy.GetRowCount(0, &mut one), S_OK);
        assert_eq!((none, one), (0, 1));
        assert_eq!(hierarchy.QueryRows(10, 0, &mut rows), S_OK);
        let read = Rows::from_raw(rows).unwrap();
        let row = read.get(0).unwrap();
        assert_eq!(
            row.find(sys::PR_DISPLAY_NAME_W).unwrap().value(),
            PropValue::Str("Inbox")
        );
        assert_eq!(
            row.find(sys::PR_CONTENT_COUNT).unwrap().value(),
            PropValue::Long(4)
        );
        let PropValue::Binary(inbox_id) = row.find(sys::PR_ENTRYID).unwrap().value() else {
            panic!()
        };
        let mut inbox_id = inbox_id.to_vec();
        let mut kind = 0;
        let mut opened = sys::InterfacePtr::null();
        assert_eq!(
            root.OpenEntry(
                inbox_id.len() as ULONG,
                inbox_id.as_mut_ptr().cast(),
                std::ptr::null_mut(),
                0,
                &mut kind,
                &mut opened
            ),
            S_OK
        );
        assert_eq!(kind, sys::MAPI_FOLDER);
        drop(opened.into_owned());
        free_rows(rows);
    }
    drop((contents, hierarchy, root, table, inbox));
    let mut flags = 0;
    // SAFETY: a writable ULONG.
    assert_eq!(unsafe { logon.Logoff(&mut flags) }, S_OK);
}
