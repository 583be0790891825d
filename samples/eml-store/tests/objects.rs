//! The sample on the store framework, driven from Rust through MAPI's vtables: what the
//! C host does not look at. A message's properties come from its file (a missing `Date`
//! is a missing delivery time, not a made-up one); the folder tree is the framework's
//! layout around the sample's one folder; the framework's tables restrict and sort the
//! sample's messages; a logon without the folder in the profile is `MAPI_E_UNCONFIGURED`.
#![allow(non_snake_case)]

use std::path::Path;
use std::ptr::null_mut;

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{prop_tag, write_prop_tags, OwnedValue, PropValue, Props, Rows};
use mapi_sync::sys::{self, S_OK, ULONG};

#[path = "support/mod.rs"]
mod support;

use support::{free, logon, provider, try_logon};

fn message(dir: &Path, name: &str, subject: &str, date: Option<&str>) {
    let date = date.map_or(String::new(), |d| format!("Date: {d}\r\n"));
    let text = format!(
        "From: Some One <one@example.com>\r\nSubject: {subject}\r\n{date}\r\nBody of {name}\r\n"
    );
    std::fs::write(dir.join(name), text).unwrap();
}

/// The inbox, through `GetReceiveFolder`.
fn inbox(store: &sys::IMsgStore) -> sys::IMAPIFolder {
    let (mut cb, mut eid, mut class) = (0, null_mut(), null_mut());
    // SAFETY: writable out-pointers.
    let hr = unsafe { store.GetReceiveFolder(null_mut(), 0, &mut cb, &mut eid, &mut class) };
    assert_eq!(hr, S_OK);
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: the identifier GetReceiveFolder handed out; writable out-pointers.
    let hr = unsafe { store.OpenEntry(cb, eid, null_mut(), 0, &mut kind, &mut unknown) };
    free(eid.cast());
    free(class.cast());
    assert_eq!((hr, kind), (S_OK, sys::MAPI_FOLDER));
    // SAFETY: one reference from OpenEntry.
    let unknown: sys::IUnknown = unsafe { unknown.into_owned() }.unwrap();
    unknown.cast::<sys::IMAPIFolder>().unwrap()
}

/// Every row of `table` as (tag, value) lists, the set freed as `FreeProws` does.
fn all_rows(table: &sys::IMAPITable) -> Vec<Vec<(ULONG, OwnedValue)>> {
    let mut raw = null_mut();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { table.QueryRows(1000, 0, &mut raw) }, S_OK);
    // SAFETY: what QueryRows handed out, read then freed once.
    unsafe {
        let rows = Rows::from_raw(raw).unwrap();
        let out = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|p| (p.tag(), OwnedValue::from(p.value())))
                    .collect()
            })
            .collect();
        for i in 0..rows.len() {
            free(rows.get(i).unwrap().as_raw().as_ptr().cast_mut().cast());
        }
        free(raw.cast());
        out
    }
}

fn text(value: &OwnedValue) -> String {
    value.as_value().to_text().unwrap_or_default()
}

#[test]
fn a_message_has_what_its_file_says_and_no_date_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    message(
        dir.path(),
        "dated.eml",
        "Dated",
        Some("Tue, 1 Dec 2026 10:00:00 +0000"),
    );
    message(dir.path(), "undated.eml", "Undated", None);
    let provider = provider();
    let (_logon, store) = logon(&provider, dir.path());
    let inbox = inbox(&store);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { inbox.GetContentsTable(sys::MAPI_UNICODE, &mut table) },
        S_OK
    );
    // SAFETY: one reference from GetContentsTable.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    let columns = write_prop_tags(
        Allocators::local(),
        &[
            sys::PR_SUBJECT_W,
            sys::PR_MESSAGE_DELIVERY_TIME,
            sys::PR_SENDER_NAME_W,
        ],
    )
    .unwrap();
    // SAFETY: a tag array alive for the call.
    assert_eq!(
        unsafe { table.SetColumns(columns.as_ptr().cast(), 0) },
        S_OK
    );
    let rows = all_rows(&table);
    assert_eq!(rows.len(), 2);
    assert_eq!(text(&rows[0][0].1), "Dated");
    // 2026-12-01 00:00 UTC as a FILETIME, plus ten hours.
    let ten_hours_on_dec_1 = 134_405_568_000_000_000 + 10 * 36_000_000_000;
    assert_eq!(rows[0][1].1, OwnedValue::SysTime(ten_hours_on_dec_1));
    assert_eq!(text(&rows[0][2].1), "Some One");
    // The undated message has no delivery time: PT_ERROR, MAPI_E_NOT_FOUND.
    assert_eq!(text(&rows[1][0].1), "Undated");
    assert_eq!(
        rows[1][1],
        (
            prop_tag(sys::PT_ERROR, 0x0E06),
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND)
        )
    );
}

#[test]
fn the_framework_restricts_and_sorts_the_sample_s_messages() {
    let dir = tempfile::tempdir().unwrap();
    for (i, subject) in ["Lunch", "budget review", "Budget draft", "Agenda"]
        .iter()
        .enumerate()
    {
        let date = format!("Tue, 1 Dec 2026 1{i}:00:00 +0000");
        message(dir.path(), &format!("{i}.eml"), subject, Some(&date));
    }
    let provider = provider();
    let (_logon, store) = logon(&provider, dir.path());
    let inbox = inbox(&store);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { inbox.GetContentsTable(0, &mut table) }, S_OK);
    // SAFETY: one reference from GetContentsTable.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    let columns = write_prop_tags(Allocators::local(), &[sys::PR_SUBJECT_W]).unwrap();
    // "budget" anywhere in the subject, whatever its case; the newest first.
    let needle: Vec<u16> = "budget".encode_utf16().chain([0]).collect();
    let mut value = sys::SPropValue {
        ulPropTag: sys::PR_SUBJECT_W,
        dwAlignPad: 0,
        Value: sys::_PV {
            lpszW: needle.as_ptr().cast_mut(),
        },
    };
    let mut restriction = sys::SRestriction {
        rt: sys::RES_CONTENT,
        res: sys::_SRestriction__bindgen_ty_1 {
            resContent: sys::SContentRestriction {
                ulFuzzyLevel: sys::FL_SUBSTRING | sys::FL_IGNORECASE,
                ulPropTag: sys::PR_SUBJECT_W,
                lpProp: &mut value,
            },
        },
    };
    let mut order = sys::SSortOrderSet {
        cSorts: 1,
        cCategories: 0,
        cExpanded: 0,
        aSort: [sys::SSortOrder {
            ulPropTag: sys::PR_MESSAGE_DELIVERY_TIME,
            ulOrder: sys::TABLE_SORT_DESCEND,
        }],
    };
    // SAFETY: a column set, a restriction and a sort order alive for each call.
    unsafe {
        assert_eq!(table.SetColumns(columns.as_ptr().cast(), 0), S_OK);
        assert_eq!(table.Restrict(&mut restriction, 0), S_OK);
        assert_eq!(table.SortTable(&mut order, 0), S_OK);
    }
    let subjects: Vec<String> = all_rows(&table).iter().map(|r| text(&r[0].1)).collect();
    assert_eq!(subjects, ["Budget draft", "budget review"]);
}

#[test]
fn the_inbox_sits_in_the_layout_outlook_expects() {
    let dir = tempfile::tempdir().unwrap();
    let provider = provider();
    let (_logon, store) = logon(&provider, dir.path());
    let tags = write_prop_tags(
        Allocators::local(),
        &[
            sys::PR_IPM_SUBTREE_ENTRYID,
            sys::PR_IPM_OUTBOX_ENTRYID,
            sys::PR_VALID_FOLDER_MASK,
        ],
    )
    .unwrap();
    let (mut count, mut values) = (0, null_mut());
    // SAFETY: a tag array alive for the call; writable out-pointers.
    let hr = unsafe { store.GetProps(tags.as_ptr().cast(), 0, &mut count, &mut values) };
    assert_eq!((hr, count), (S_OK, 3));
    // SAFETY: what GetProps handed out, read then freed once.
    let props = unsafe { Props::from_raw(values, count) }.unwrap();
    assert!(matches!(props.get(0).unwrap().value(), PropValue::Binary(b) if !b.is_empty()));
    assert!(matches!(props.get(1).unwrap().value(), PropValue::Binary(b) if !b.is_empty()));
    let PropValue::Long(mask) = props.get(2).unwrap().value() else {
        panic!("no PR_VALID_FOLDER_MASK")
    };
    let all = sys::FOLDER_IPM_SUBTREE_VALID
        | sys::FOLDER_IPM_INBOX_VALID
        | sys::FOLDER_IPM_OUTBOX_VALID
        | sys::FOLDER_IPM_WASTEBASKET_VALID
        | sys::FOLDER_IPM_SENTMAIL_VALID;
    assert_eq!(mask as ULONG & all, all);
    free(values.cast());
}

#[test]
fn a_profile_without_the_folder_or_with_a_missing_one_does_not_log_on() {
    let provider = provider();
    let (hr, objects) = try_logon(&provider, None);
    assert_eq!((hr, objects.is_none()), (sys::MAPI_E_UNCONFIGURED, true));
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let (hr, objects) = try_logon(&provider, Some(&gone));
    assert_eq!((hr, objects.is_none()), (sys::MAPI_E_LOGON_FAILED, true));
    // What it says, through IMSProvider's logon error: the backend names the folder.
    let e = eml_store::EmlBackend::open(&gone).err().unwrap();
    assert!(e.text().contains("no such folder"), "{}", e.text());
}

#[test]
fn the_logon_reads_the_folder_from_the_settings() {
    // The settings the framework read from the profile name the folder the backend opens.
    let settings = mapi_sync_store::service::Settings::new(vec![(
        eml_store::PR_EML_FOLDER,
        OwnedValue::Unicode("/no/such/eml/folder".encode_utf16().collect()),
    )]);
    let request = mapi_sync_store::ll::provider::LogonRequest {
        entry_id: &[],
        flags: 0,
        settings: &settings,
    };
    let e = eml_store::EmlBackend::for_logon(&request).err().unwrap();
    assert_eq!(e.code(), sys::MAPI_E_LOGON_FAILED);
}
