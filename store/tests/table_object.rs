//! `IMAPITable` as a client calls it: through the vtable, with the caller's own
//! `SPropTagArray`, `SRestriction` and `SSortOrderSet`, and the answers freed as MAPI
//! says (`FreeProws` for rows: each row's values, then the set).

use std::ptr::null_mut;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{
    prop_tags, write_prop_tags, OwnedValue, Prop, PropArray, PropValue, Props, Rows,
};
use mapi_sync_runtime::sys::{self, IMAPITable, SRestriction, SSortOrder, SSortOrderSet, ULONG};
use mapi_sync_store::ll::table::TableObject;
use mapi_sync_store::table::{MemorySource, Table, TableType};

fn free(p: *mut std::ffi::c_void) {
    // SAFETY: a buffer the table handed out with the local allocators, freed once.
    unsafe { Allocators::local().as_raw().2.unwrap()(p) };
}

/// Frees an `SRowSet` as `FreeProws` does: each row's values, then the set, through the
/// set's own pointers.
fn free_rows(rows: sys::LPSRowSet) {
    // SAFETY: a row set QueryRows handed out: `cRows` rows, each with its own buffer;
    // reached through the set's pointer, not a borrowed view.
    unsafe {
        let count = std::ptr::addr_of!((*rows).cRows).read();
        let first = std::ptr::addr_of!((*rows).aRow).cast::<sys::SRow>();
        for i in 0..count as usize {
            free((*first.add(i)).lpProps.cast());
        }
    }
    free(rows.cast());
}

/// Five messages: subject and size.
fn table() -> IMAPITable {
    let mut source = MemorySource::new();
    for (key, subject, size) in [
        (10, "delta", 400),
        (11, "alpha", 100),
        (12, "charlie", 300),
        (13, "bravo", 200),
        (14, "echo", 500),
    ] {
        source
            .insert(
                key,
                vec![
                    (sys::PR_SUBJECT_W, OwnedValue::from(PropValue::Str(subject))),
                    (sys::PR_MESSAGE_SIZE, OwnedValue::Long(size)),
                ],
            )
            .unwrap();
    }
    let table = Table::new(source, vec![sys::PR_SUBJECT_W], TableType::Dynamic).unwrap();
    TableObject::new(table, Allocators::local()).cast().unwrap()
}

/// Reads `count` rows' subjects.
fn subjects(t: &IMAPITable, count: i32) -> Vec<String> {
    let mut rows = null_mut();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { t.QueryRows(count, 0, &mut rows) }, sys::S_OK);
    // SAFETY: what QueryRows handed out.
    let read = unsafe { Rows::from_raw(rows) }.unwrap();
    let out = read
        .iter()
        .map(|row: Props<'_>| row.get(0).unwrap().value().to_text().unwrap_or_default())
        .collect();
    free_rows(rows);
    out
}

#[test]
fn columns_rows_and_the_end_of_the_table() {
    let t = table();
    let columns = write_prop_tags(
        Allocators::local(),
        &[sys::PR_SUBJECT_W, sys::PR_MESSAGE_SIZE],
    )
    .unwrap();
    // SAFETY: a tag array alive for the call.
    assert_eq!(
        unsafe { t.SetColumns(columns.as_ptr().cast(), sys::TBL_BATCH) },
        sys::S_OK
    );
    let mut out = null_mut();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { t.QueryColumns(0, &mut out) }, sys::S_OK);
    // SAFETY: what QueryColumns handed out.
    assert_eq!(
        unsafe { prop_tags(out) },
        Some(&[sys::PR_SUBJECT_W, sys::PR_MESSAGE_SIZE][..])
    );
    free(out.cast());
    let mut count = 0;
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { t.GetRowCount(0, &mut count) }, sys::S_OK);
    assert_eq!(count, 5);
    assert_eq!(subjects(&t, 3), ["delta", "alpha", "charlie"]);
    assert_eq!(subjects(&t, 10), ["bravo", "echo"]);
    // At the end: no rows, and S_OK (IMAPITable::QueryRows).
    assert!(subjects(&t, 10).is_empty());
    let (mut row, mut num, mut den) = (0, 0, 0);
    // SAFETY: writable out-pointers.
    assert_eq!(
        unsafe { t.QueryPosition(&mut row, &mut num, &mut den) },
        sys::S_OK
    );
    assert_eq!((row, num, den), (5, 5, 5));
    let mut sought = 0;
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { t.SeekRow(sys::BOOKMARK_BEGINNING, 1, &mut sought) },
        sys::S_OK
    );
    assert_eq!(sought, 1);
    // Backward from there: the first row.
    assert_eq!(subjects(&t, -5), ["delta"]);
}

#[test]
fn restrict_sort_bookmark_and_find_by_instance_key() {
    let t = table();
    // Size >= 200, by subject descending.
    let size = PropArray::write(
        Allocators::local(),
        &[Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(200)).unwrap()],
    )
    .unwrap();
    // SAFETY: all-zero is a valid SRestriction; the property arm is filled in.
    let mut res: SRestriction = unsafe { std::mem::zeroed() };
    res.rt = sys::RES_PROPERTY;
    res.res.resProperty = sys::SPropertyRestriction {
        relop: sys::RELOP_GE,
        ulPropTag: sys::PR_MESSAGE_SIZE,
        lpProp: size.as_slice().as_ptr().cast_mut(),
    };
    // SAFETY: a restriction valid for the call.
    assert_eq!(unsafe { t.Restrict(&mut res, 0) }, sys::S_OK);
    let mut order = SSortOrderSet {
        cSorts: 1,
        cCategories: 0,
        cExpanded: 0,
        aSort: [SSortOrder {
            ulPropTag: sys::PR_SUBJECT_W,
            ulOrder: sys::TABLE_SORT_DESCEND,
        }],
    };
    // SAFETY: a sort order valid for the call.
    assert_eq!(unsafe { t.SortTable(&mut order, 0) }, sys::S_OK);
    assert_eq!(subjects(&t, 10), ["echo", "delta", "charlie", "bravo"]);

    // A bookmark on the second row, then FindRow of the first by its instance key.
    // SAFETY: writable out-pointers and valid arguments below.
    unsafe {
        assert_eq!(t.SeekRow(sys::BOOKMARK_BEGINNING, 1, null_mut()), sys::S_OK);
        let mut bk = 0;
        assert_eq!(t.CreateBookmark(&mut bk), sys::S_OK);
        let columns = write_prop_tags(Allocators::local(), &[sys::PR_INSTANCE_KEY]).unwrap();
        assert_eq!(t.SetColumns(columns.as_ptr().cast(), 0), sys::S_OK);
        let mut rows = null_mut();
        assert_eq!(t.QueryRows(1, sys::TBL_NOADVANCE, &mut rows), sys::S_OK);
        let key = Rows::from_raw(rows)
            .unwrap()
            .get(0)
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(key.tag(), sys::PR_INSTANCE_KEY);
        let key_value = PropArray::write(Allocators::local(), &[key]).unwrap();
        free_rows(rows);
        let mut find: SRestriction = std::mem::zeroed();
        find.rt = sys::RES_PROPERTY;
        find.res.resProperty = sys::SPropertyRestriction {
            relop: sys::RELOP_EQ,
            ulPropTag: sys::PR_INSTANCE_KEY,
            lpProp: key_value.as_slice().as_ptr().cast_mut(),
        };
        assert_eq!(t.SeekRow(sys::BOOKMARK_END, 0, null_mut()), sys::S_OK);
        assert_eq!(t.FindRow(&mut find, sys::BOOKMARK_BEGINNING, 0), sys::S_OK);
        let (mut row, mut num, mut den) = (0, 0, 0);
        assert_eq!(t.QueryPosition(&mut row, &mut num, &mut den), sys::S_OK);
        assert_eq!(row, 1, "found the bookmarked row");
        // Forward from the bookmark's row finds it; from the end, backward, too.
        assert_eq!(t.FindRow(&mut find, bk, 0), sys::S_OK);
        assert_eq!(
            t.FindRow(&mut find, sys::BOOKMARK_END, sys::DIR_BACKWARD),
            sys::S_OK
        );
        assert_eq!(t.FreeBookmark(bk), sys::S_OK);
        assert_eq!(t.FreeBookmark(bk), sys::MAPI_E_INVALID_BOOKMARK);
        // Restrict(NULL) clears.
        assert_eq!(t.Restrict(null_mut(), 0), sys::S_OK);
        let mut count = 0;
        assert_eq!(t.GetRowCount(0, &mut count), sys::S_OK);
        assert_eq!(count, 5);
        // QuerySortOrder answers the order set.
        let mut got = null_mut();
        assert_eq!(t.QuerySortOrder(&mut got), sys::S_OK);
        assert_eq!(
            ((*got).cSorts, (*got).aSort[0].ulOrder),
            (1, sys::TABLE_SORT_DESCEND)
        );
        free(got.cast());
    }
}

#[test]
fn bad_arguments_get_their_codes_and_no_dangling_out_pointer() {
    let t = table();
    // SAFETY: each call below passes what it says; out-pointers are writable or null.
    unsafe {
        assert_eq!(t.SetColumns(null_mut(), 0), sys::MAPI_E_INVALID_PARAMETER);
        assert_eq!(t.GetRowCount(0, null_mut()), sys::MAPI_E_INVALID_PARAMETER);
        let mut count: ULONG = 0;
        assert_eq!(t.GetRowCount(1, &mut count), sys::MAPI_E_UNKNOWN_FLAGS);
        let mut rows: sys::LPSRowSet = std::ptr::NonNull::dangling().as_ptr();
        assert_eq!(
            t.QueryRows(1, 0x4000_0000, &mut rows),
            sys::MAPI_E_UNKNOWN_FLAGS
        );
        assert!(
            rows.is_null(),
            "QueryRows' out-pointer NULL after a failure"
        );
        assert_eq!(t.QueryRows(1, 0, null_mut()), sys::MAPI_E_INVALID_PARAMETER);
        assert_eq!(
            t.FindRow(null_mut(), sys::BOOKMARK_BEGINNING, 0),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(t.SortTable(null_mut(), 0), sys::MAPI_E_INVALID_PARAMETER);
        // A categorized sort: not this engine's (the documented MAPI_E_TOO_COMPLEX).
        let mut order = SSortOrderSet {
            cSorts: 1,
            cCategories: 1,
            cExpanded: 1,
            aSort: [SSortOrder {
                ulPropTag: sys::PR_SUBJECT_W,
                ulOrder: sys::TABLE_SORT_ASCEND,
            }],
        };
        assert_eq!(t.SortTable(&mut order, 0), sys::MAPI_E_TOO_COMPLEX);
        // GetLastError explains the last failure.
        let mut error = null_mut();
        assert_eq!(
            t.GetLastError(sys::MAPI_E_TOO_COMPLEX, sys::MAPI_UNICODE, &mut error),
            sys::S_OK
        );
        assert!(!error.is_null());
        assert_eq!((*error).ulVersion, sys::MAPI_ERROR_VERSION);
        free(error.cast());
        let (mut status, mut kind) = (0, 0);
        assert_eq!(t.GetStatus(&mut status, &mut kind), sys::S_OK);
        assert_eq!(
            (status, kind),
            (sys::TBLSTAT_COMPLETE, sys::TBLTYPE_DYNAMIC)
        );
        let mut collapsed = 9;
        assert_eq!(
            t.CollapseRow(0, null_mut(), 0, &mut collapsed),
            sys::MAPI_E_NOT_FOUND
        );
        assert_eq!(collapsed, 0);
    }
}

/// `BOOKMARK` is `ULONG_PTR` in Microsoft's MAPIDefS.h, 8 bytes on x64: `CreateBookmark`
/// writes all of it, and a bookmark passed back is taken whole, so one that differs from
/// a real bookmark only above its low 32 bits is no bookmark (not truncated onto it).
#[test]
fn a_bookmark_is_pointer_sized_and_taken_whole() {
    assert_eq!(
        std::mem::size_of::<sys::BOOKMARK>(),
        std::mem::size_of::<usize>()
    );
    #[cfg(target_pointer_width = "64")]
    assert_eq!(std::mem::size_of::<sys::BOOKMARK>(), 8);
    let t = table();
    // SAFETY: writable out-pointers (or null where the count is not wanted) below.
    unsafe {
        assert_eq!(t.SeekRow(sys::BOOKMARK_BEGINNING, 2, null_mut()), sys::S_OK);
        // Every byte set beforehand: CreateBookmark must overwrite all of them.
        let mut bk: sys::BOOKMARK = sys::BOOKMARK::MAX;
        assert_eq!(t.CreateBookmark(&mut bk), sys::S_OK);
        assert_ne!(bk, sys::BOOKMARK::MAX);
        #[cfg(target_pointer_width = "64")]
        {
            assert_eq!(bk >> 32, 0, "the high half written: {bk:#x}");
            for wide in [
                bk | 1 << 32,
                bk | 0xFFFF_FFFF << 32,
                sys::BOOKMARK_END | 1 << 40,
            ] {
                let mut sought = 7;
                assert_eq!(
                    t.SeekRow(wide, 0, &mut sought),
                    sys::MAPI_E_INVALID_BOOKMARK,
                    "{wide:#x}"
                );
                assert_eq!(t.FreeBookmark(wide), sys::MAPI_E_INVALID_BOOKMARK);
            }
        }
        // The bookmark itself is still there and still on the third row.
        assert_eq!(t.SeekRow(sys::BOOKMARK_END, 0, null_mut()), sys::S_OK);
        assert_eq!(t.SeekRow(bk, 0, null_mut()), sys::S_OK);
        let (mut row, mut num, mut den) = (0, 0, 0);
        assert_eq!(t.QueryPosition(&mut row, &mut num, &mut den), sys::S_OK);
        assert_eq!(row, 2);
        assert_eq!(t.FreeBookmark(bk), sys::S_OK);
        assert_eq!(t.FreeBookmark(bk), sys::MAPI_E_INVALID_BOOKMARK);
    }
}

/// A sort on a multi-valued column with `MVI_FLAG` gives a row per value, and
/// `QueryRows` shows each row's value under the column's tag, `MVI_FLAG` kept, as one
/// value of the single-valued type ("IMAPITable::SortTable", "IMAPITable::SetColumns").
#[test]
fn an_instance_column_comes_back_with_its_flag_and_one_value() {
    const CATS: ULONG = mapi_sync_runtime::props::prop_tag(sys::PT_MV_UNICODE, 0x6706);
    const CATS_I: ULONG = CATS | sys::MVI_FLAG;
    let mut source = MemorySource::new();
    let mv =
        |v: &[&str]| OwnedValue::MvUnicode(v.iter().map(|s| s.encode_utf16().collect()).collect());
    source
        .insert(1, vec![(CATS, mv(&["work", "home"]))])
        .unwrap();
    source.insert(2, vec![(CATS, mv(&["art"]))]).unwrap();
    let table = Table::new(source, vec![CATS_I], TableType::Dynamic).unwrap();
    let t: IMAPITable = TableObject::new(table, Allocators::local()).cast().unwrap();
    let mut order = SSortOrderSet {
        cSorts: 1,
        cCategories: 0,
        cExpanded: 0,
        aSort: [SSortOrder {
            ulPropTag: CATS_I,
            ulOrder: sys::TABLE_SORT_ASCEND,
        }],
    };
    // SAFETY: a sort order valid for the call; a writable out-pointer; the rows read
    // through the set's own pointers, then freed as FreeProws does.
    unsafe {
        assert_eq!(t.SortTable(&mut order, 0), sys::S_OK);
        let mut rows = null_mut();
        assert_eq!(t.QueryRows(10, 0, &mut rows), sys::S_OK);
        let count = std::ptr::addr_of!((*rows).cRows).read() as usize;
        let first = std::ptr::addr_of!((*rows).aRow).cast::<sys::SRow>();
        let mut seen = Vec::new();
        for i in 0..count {
            let value = &*(*first.add(i)).lpProps;
            let p = value.Value.lpszW;
            let len = (0..).take_while(|&k| *p.add(k) != 0).count();
            let text = String::from_utf16_lossy(std::slice::from_raw_parts(p, len));
            seen.push((value.ulPropTag, text));
        }
        free_rows(rows);
        assert_eq!(
            seen,
            [
                (CATS_I, "art".to_owned()),
                (CATS_I, "home".to_owned()),
                (CATS_I, "work".to_owned())
            ]
        );
    }
}
