//! What a client does with the store's objects, for the tests: read a property, open an
//! entry id, read a table's rows, free what MAPI's allocators handed out.

#![allow(dead_code)] // each test crate uses part of it

use std::ptr::null_mut;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{write_prop_tags, PropValue, Props, Rows};
use mapi_sync_runtime::sys::{
    self, ComInterface, IMAPITable, IMsgStore, IUnknown, Interface, ULONG,
};

pub fn free(p: *mut std::ffi::c_void) {
    // SAFETY: a buffer handed out with the local allocators, freed once.
    unsafe { Allocators::local().as_raw().2.unwrap()(p) };
}

/// `tag` of an object's properties, read with GetProps(all, MAPI_UNICODE).
pub fn prop<I: Interface>(object: &I, tag: ULONG) -> Option<Vec<u8>> {
    let prop: sys::IMAPIProp = unsafe { IUnknown::from_raw_borrowed(&object.as_raw()) }
        .unwrap()
        .cast()
        .unwrap();
    let (mut n, mut v) = (0, null_mut());
    // SAFETY: writable out-pointers.
    assert_eq!(
        unsafe { prop.GetProps(null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) },
        sys::S_OK
    );
    // SAFETY: what GetProps handed out.
    let values = unsafe { Props::from_raw(v, n) }.unwrap();
    let found = values.find(tag).map(|p| match p.value() {
        PropValue::Binary(b) => b.to_vec(),
        PropValue::Long(l) => l.to_le_bytes().to_vec(),
        PropValue::Boolean(b) => vec![u8::from(b)],
        other => other.to_text().unwrap().into_bytes(),
    });
    free(v.cast());
    found
}

/// Opens `eid` from the store, as interface `I`.
pub fn open<I: ComInterface>(store: &IMsgStore, eid: &[u8], expected_type: ULONG) -> I {
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an entry id alive for the call; writable out-pointers.
    let hr = unsafe {
        store.OpenEntry(
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            &I::IID,
            0,
            &mut kind,
            &mut unknown,
        )
    };
    assert_eq!((hr, kind), (sys::S_OK, expected_type));
    // SAFETY: OpenEntry handed over one reference, of interface I.
    // SAFETY: OpenEntry handed over one reference, of interface I (lpInterface).
    unsafe { I::from_raw(unknown.into_owned().unwrap().into_raw()) }.unwrap()
}

/// The rows of a table: each row's `(tag, bytes-or-text)` for the columns asked.
pub fn rows(table: &IMAPITable, columns: &[ULONG]) -> Vec<Vec<Option<Vec<u8>>>> {
    let tags = write_prop_tags(Allocators::local(), columns).unwrap();
    let mut set = null_mut();
    // SAFETY: a tag array alive for the call; a writable out-pointer.
    unsafe {
        assert_eq!(table.SetColumns(tags.as_ptr().cast(), 0), sys::S_OK);
        assert_eq!(table.QueryRows(100, 0, &mut set), sys::S_OK);
    }
    // SAFETY: what QueryRows handed out; freed as FreeProws frees it.
    let read = unsafe { Rows::from_raw(set) }.unwrap();
    let out = read
        .iter()
        .map(|row| {
            row.iter()
                .map(|p| match p.value() {
                    PropValue::Binary(b) => Some(b.to_vec()),
                    PropValue::Long(l) => Some(l.to_le_bytes().to_vec()),
                    PropValue::Boolean(b) => Some(vec![u8::from(b)]),
                    PropValue::Error(_) => None,
                    other => other.to_text().map(String::into_bytes),
                })
                .collect()
        })
        .collect();
    // Freed as FreeProws frees it, through the set's own pointers.
    // SAFETY: the set QueryRows handed out, `cRows` rows each with its buffer.
    unsafe {
        let count = std::ptr::addr_of!((*set).cRows).read();
        let first = std::ptr::addr_of!((*set).aRow).cast::<sys::SRow>();
        for i in 0..count as usize {
            free((*first.add(i)).lpProps.cast());
        }
    }
    free(set.cast());
    out
}

/// `OpenEntry(eid, flags)` on the store: the object's type and its `IUnknown`, or what
/// it answered.
pub fn open_entry(store: &IMsgStore, eid: &[u8], flags: ULONG) -> Result<(ULONG, IUnknown), i32> {
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an entry id alive for the call; writable out-pointers.
    let hr = unsafe {
        store.OpenEntry(
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            std::ptr::null(),
            flags,
            &mut kind,
            &mut unknown,
        )
    };
    if hr != sys::S_OK {
        assert!(unknown.is_null(), "a failed OpenEntry leaves NULL");
        return Err(hr);
    }
    // SAFETY: OpenEntry handed over one reference.
    Ok((kind, unsafe { unknown.into_owned() }.unwrap()))
}

/// A folder's contents table (`flags`: `MAPI_ASSOCIATED` for its associated one).
pub fn contents(folder: &sys::IMAPIFolder, flags: ULONG) -> IMAPITable {
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { folder.GetContentsTable(flags, &mut table) },
        sys::S_OK
    );
    // SAFETY: the reference GetContentsTable handed over.
    unsafe { table.into_owned() }.unwrap()
}

/// `SetProps` of `props` on `object`.
pub fn set_props<I: Interface>(object: &I, props: &[mapi_sync_runtime::props::Prop<'_>]) -> i32 {
    let prop: sys::IMAPIProp = unsafe { IUnknown::from_raw_borrowed(&object.as_raw()) }
        .unwrap()
        .cast()
        .unwrap();
    let array = mapi_sync_runtime::props::PropArray::write(Allocators::local(), props).unwrap();
    let (count, values) = array.into_raw();
    let mut problems = null_mut();
    // SAFETY: `count` values alive for the call; a writable problem array pointer.
    let hr = unsafe { prop.SetProps(count, values, &mut problems) };
    assert!(problems.is_null());
    free(values.cast());
    hr
}
