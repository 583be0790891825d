//! The view: what each `IMAPITable` method does on small tables.

use std::cell::RefCell;

use mapi_sync_runtime::props::{prop_tag, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use crate::table::{
    instance_key, Cell, ChangeKind, Column, MemorySource, Restriction, Row, RowKey, RowSource,
    SortKey, SortOrder, Table, TableType,
};

const NAME: ULONG = sys::PR_DISPLAY_NAME_W;
const SIZE: ULONG = sys::PR_MESSAGE_SIZE;
const CATS: ULONG = 0x6610_101F; // PT_MV_UNICODE
const CATS_I: ULONG = CATS | sys::MV_INSTANCE;

fn text(s: &str) -> OwnedValue {
    PropValue::Str(s).into()
}

/// Rows 1..: a name and a size each (`None`: no size).
fn source(rows: &[(&str, Option<i32>)]) -> MemorySource {
    let mut s = MemorySource::new();
    for (i, (name, size)) in rows.iter().enumerate() {
        let mut cells: Vec<Cell> = vec![(NAME, text(name))];
        if let Some(n) = size {
            cells.push((SIZE, OwnedValue::Long(*n)));
        }
        s.insert(i as RowKey + 1, cells).unwrap();
    }
    s
}

fn table(rows: &[(&str, Option<i32>)]) -> Table<MemorySource> {
    Table::new(source(rows), vec![NAME, SIZE], TableType::Dynamic).unwrap()
}

fn abc() -> Table<MemorySource> {
    table(&[("a", Some(3)), ("b", Some(1)), ("c", Some(2))])
}

fn names(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| r[0].value.as_value().to_text().unwrap_or_default())
        .collect()
}

fn all_names<S: RowSource>(t: &mut Table<S>) -> Vec<String> {
    t.seek_row(sys::BOOKMARK_BEGINNING, 0).unwrap();
    names(&t.query_rows(i32::MAX, 0).unwrap())
}

fn eq(tag: ULONG, v: OwnedValue) -> Restriction {
    Restriction::property(sys::RELOP_EQ, tag, v)
}

// ----- laziness -----

/// A source that records what it is asked.
struct Counting {
    inner: MemorySource,
    asked: RefCell<Vec<(usize, Vec<ULONG>)>>,
}

impl RowSource for Counting {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        self.inner.keys(keys)
    }
    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        self.asked.borrow_mut().push((rows.len(), columns.to_vec()));
        self.inner.values(rows, columns, answer)
    }
}

#[test]
fn opening_reads_keys_only_and_query_rows_reads_the_rows_it_returns() {
    let mut inner = MemorySource::new();
    for k in 0..2000 {
        inner
            .insert(
                k,
                vec![
                    (NAME, text(&format!("m{k}"))),
                    (SIZE, OwnedValue::Long(k as i32)),
                ],
            )
            .unwrap();
    }
    let counting = Counting {
        inner,
        asked: RefCell::new(Vec::new()),
    };
    let mut t = Table::new(
        counting,
        vec![NAME, sys::PR_INSTANCE_KEY],
        TableType::Dynamic,
    )
    .unwrap();
    assert_eq!(t.row_count(), 2000);
    assert!(t.source().asked.borrow().is_empty());
    let rows = t.query_rows(3, 0).unwrap();
    assert_eq!(names(&rows), ["m0", "m1", "m2"]);
    // The view's columns, without the instance key the engine makes.
    assert_eq!(*t.source().asked.borrow(), [(3, vec![NAME])]);
    t.source().asked.borrow_mut().clear();
    // A restriction reads its columns, over every row, in chunks.
    t.restrict(Some(Restriction::property(
        sys::RELOP_LT,
        SIZE,
        OwnedValue::Long(10),
    )))
    .unwrap();
    assert_eq!(t.row_count(), 10);
    let asked = t.source().asked.borrow().clone();
    assert!(asked.iter().all(|(_, c)| c == &[SIZE]), "{asked:?}");
    assert_eq!(asked.iter().map(|(n, _)| n).sum::<usize>(), 2000);
    // Finding by instance key reads no row.
    t.source().asked.borrow_mut().clear();
    let key = t.instance_key_at(7).unwrap();
    assert_eq!(
        t.find_row(
            &eq(sys::PR_INSTANCE_KEY, OwnedValue::Binary(key)),
            sys::BOOKMARK_BEGINNING,
            0
        ),
        Ok(sys::S_OK)
    );
    assert_eq!(t.cursor(), 7);
    assert!(t.source().asked.borrow().is_empty());
    // Inside an AND, the instance key narrows the search to its row: one row is read.
    let key = t.instance_key_at(3).unwrap();
    let and = Restriction::and(vec![
        Restriction::exist(NAME),
        eq(sys::PR_INSTANCE_KEY, OwnedValue::Binary(key.clone())),
    ])
    .unwrap();
    t.find_row(&and, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 3);
    assert_eq!(*t.source().asked.borrow(), [(1, vec![NAME])]);
    let none = Restriction::and(vec![
        Restriction::property(sys::RELOP_GT, SIZE, OwnedValue::Long(5)),
        eq(sys::PR_INSTANCE_KEY, OwnedValue::Binary(key)),
    ])
    .unwrap();
    let e = t.find_row(&none, sys::BOOKMARK_BEGINNING, 0).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_NOT_FOUND);
}

#[test]
fn sorting_a_dynamic_table_reads_the_sort_columns_of_its_rows_only() {
    let counting = |table_type| {
        let mut inner = MemorySource::new();
        for k in 0..1000u64 {
            let cells = vec![
                (NAME, text(&format!("m{}", 999 - k))),
                (SIZE, OwnedValue::Long(k as i32)),
            ];
            inner.insert(k, cells).unwrap();
        }
        let counting = Counting {
            inner,
            asked: RefCell::new(Vec::new()),
        };
        Table::new(counting, vec![NAME], table_type).unwrap()
    };
    let small = || Restriction::property(sys::RELOP_LT, SIZE, OwnedValue::Long(10));
    let by_name = || SortOrder::by(vec![SortKey::ascending(NAME)]);
    let mut t = counting(TableType::Dynamic);
    t.restrict(Some(small())).unwrap();
    t.source().asked.borrow_mut().clear();
    t.sort_table(by_name()).unwrap();
    assert_eq!(*t.source().asked.borrow(), [(10, vec![NAME])]);
    assert_eq!(all_names(&mut t)[..2], ["m990", "m991"]);
    // A row it is told of is sorted with them.
    t.source_mut()
        .inner
        .insert(5000, vec![(NAME, text("a")), (SIZE, OwnedValue::Long(1))])
        .unwrap();
    t.row_added(5000).unwrap();
    t.sort_table(SortOrder::by(vec![SortKey::descending(NAME)]))
        .unwrap();
    assert_eq!(t.row_count(), 11);
    assert_eq!(all_names(&mut t).last().unwrap(), "a");
    // Under RES_COUNT, and on a snapshot table, every row is read again: the sort's and
    // the restriction's columns; for a restriction of simple tests, its columns of every
    // row and the sort's of the rows that pass.
    let mut t = counting(TableType::Dynamic);
    t.restrict(Some(Restriction::count(3, small()).unwrap()))
        .unwrap();
    t.source().asked.borrow_mut().clear();
    t.sort_table(by_name()).unwrap();
    let asked = t.source().asked.borrow().clone();
    assert_eq!(asked.iter().map(|(n, _)| n).sum::<usize>(), 1000);
    assert!(asked.iter().all(|(_, c)| c == &[NAME, SIZE]), "{asked:?}");
    let mut t = counting(TableType::Snapshot);
    t.restrict(Some(small())).unwrap();
    t.source().asked.borrow_mut().clear();
    t.sort_table(by_name()).unwrap();
    let asked = t.source().asked.borrow().clone();
    let rows_asked = |column: ULONG| -> usize {
        asked
            .iter()
            .filter(|(_, c)| c == &[column])
            .map(|(n, _)| n)
            .sum()
    };
    assert_eq!(
        (rows_asked(SIZE), rows_asked(NAME)),
        (1000, 10),
        "{asked:?}"
    );
    assert_eq!(all_names(&mut t)[..2], ["m990", "m991"]);
}

#[test]
fn a_restriction_of_simple_tests_reads_a_column_only_for_the_rows_still_in() {
    let mut inner = MemorySource::new();
    for k in 0..1000u64 {
        let cells = vec![
            (NAME, text(if k % 10 == 0 { "report" } else { "other" })),
            (SIZE, OwnedValue::Long(k as i32)),
        ];
        inner.insert(k, cells).unwrap();
    }
    let counting = Counting {
        inner,
        asked: RefCell::new(Vec::new()),
    };
    let mut t = Table::new(counting, vec![NAME], TableType::Dynamic).unwrap();
    let r = Restriction::and(vec![
        Restriction::content(sys::FL_FULLSTRING, NAME, PropValue::Str("report")),
        Restriction::property(sys::RELOP_LT, SIZE, OwnedValue::Long(500)),
        Restriction::exist(sys::PR_INSTANCE_KEY),
        Restriction::property(sys::RELOP_GE, SIZE, OwnedValue::Long(100)),
    ])
    .unwrap();
    t.restrict(Some(r)).unwrap();
    assert_eq!(t.row_count(), 40);
    let asked = t.source().asked.borrow().clone();
    let rows_asked = |column: ULONG| -> usize {
        asked
            .iter()
            .filter(|(_, c)| c == &[column])
            .map(|(n, _)| n)
            .sum()
    };
    // The sizes first (a number, cheaper than text), once for both of their tests, of
    // every row; then the names of the 400 rows whose size is in range, all in the first
    // chunk of 512 rows (the second has none left to ask about).
    assert_eq!(
        (rows_asked(SIZE), rows_asked(NAME)),
        (1000, 400),
        "{asked:?}"
    );
    assert_eq!(asked.len(), 3, "{asked:?}");
}

#[test]
fn a_table_of_100_000_rows_opens_sorts_and_restricts() {
    let mut inner = MemorySource::new();
    for k in 0..100_000u64 {
        let size = ((k * 7919) % 1000) as i32;
        inner
            .insert(k, vec![(SIZE, OwnedValue::Long(size))])
            .unwrap();
    }
    let mut t = Table::new(inner, vec![SIZE, sys::PR_INSTANCE_KEY], TableType::Dynamic).unwrap();
    assert_eq!(t.row_count(), 100_000);
    t.sort_table(SortOrder::by(vec![SortKey::descending(SIZE)]))
        .unwrap();
    let first = t.query_rows(2, 0).unwrap();
    assert_eq!(first[0][0].value, OwnedValue::Long(999));
    t.restrict(Some(Restriction::property(
        sys::RELOP_LT,
        SIZE,
        OwnedValue::Long(10),
    )))
    .unwrap();
    assert_eq!(t.row_count(), 1000);
    let key = t.instance_key_at(500).unwrap();
    t.find_row(
        &eq(sys::PR_INSTANCE_KEY, OwnedValue::Binary(key)),
        sys::BOOKMARK_BEGINNING,
        0,
    )
    .unwrap();
    assert_eq!(t.cursor(), 500);
}

// ----- columns -----

#[test]
fn columns_missing_values_and_instance_keys() {
    let mut t = table(&[("a", Some(3)), ("b", None)]);
    assert_eq!(t.query_columns(0).unwrap(), [NAME, SIZE]);
    t.set_columns(&[SIZE, sys::PR_INSTANCE_KEY, sys::PR_SUBJECT_W])
        .unwrap();
    assert_eq!(
        t.query_columns(0).unwrap(),
        [SIZE, sys::PR_INSTANCE_KEY, sys::PR_SUBJECT_W]
    );
    let rows = t.query_rows(10, 0).unwrap();
    assert_eq!(
        rows[0][0],
        Column {
            tag: SIZE,
            value: OwnedValue::Long(3)
        }
    );
    let missing = Column {
        tag: prop_tag(sys::PT_ERROR, 0x0E08),
        value: OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
    };
    assert_eq!(rows[1][0], missing);
    assert_eq!(rows[0][2].tag, prop_tag(sys::PT_ERROR, 0x0037));
    assert_eq!(rows[0][1].tag, sys::PR_INSTANCE_KEY);
    assert_eq!(
        rows[0][1].value,
        OwnedValue::Binary(instance_key(1, 0).to_vec())
    );
    assert_ne!(rows[0][1], rows[1][1]);
    // The instance key stays the row's through a sort.
    t.sort_table(SortOrder::by(vec![SortKey::descending(NAME)]))
        .unwrap();
    let again = t.query_rows(10, 0).unwrap();
    assert_eq!(again[1][1], rows[0][1]);
    assert_eq!(
        t.set_columns(&[]).unwrap_err().code(),
        sys::MAPI_E_INVALID_PARAMETER
    );
    // TBL_ALL_COLUMNS: the source's list (none here: the current columns) with the key.
    assert_eq!(
        t.query_columns(sys::TBL_ALL_COLUMNS).unwrap(),
        [SIZE, sys::PR_INSTANCE_KEY, sys::PR_SUBJECT_W]
    );
    t.source_mut().set_all_columns(vec![NAME]);
    assert_eq!(
        t.query_columns(sys::TBL_ALL_COLUMNS).unwrap(),
        [NAME, sys::PR_INSTANCE_KEY]
    );
    assert_eq!(
        t.query_columns(2).unwrap_err().code(),
        sys::MAPI_E_UNKNOWN_FLAGS
    );
}

// ----- status -----

#[test]
fn status_and_sort_order() {
    let mut t = abc();
    assert_eq!(t.status(), (sys::TBLSTAT_COMPLETE, sys::TBLTYPE_DYNAMIC));
    let s = Table::new(source(&[]), vec![NAME], TableType::Snapshot).unwrap();
    assert_eq!(s.status(), (sys::TBLSTAT_COMPLETE, sys::TBLTYPE_SNAPSHOT));
    assert_eq!(t.sort_order(), &SortOrder::none());
    let order = SortOrder::by(vec![SortKey::ascending(SIZE)]);
    t.sort_table(order.clone()).unwrap();
    assert_eq!(t.sort_order(), &order);
}

// ----- seeking -----

#[test]
fn seek_row_clamps_and_counts_the_rows_it_moved() {
    let mut t = abc();
    assert_eq!(
        t.seek_row(sys::BOOKMARK_BEGINNING, 5).unwrap(),
        (3, sys::S_OK)
    );
    assert_eq!(t.cursor(), 3);
    assert_eq!(
        t.seek_row(sys::BOOKMARK_CURRENT, -10).unwrap(),
        (-3, sys::S_OK)
    );
    assert_eq!(t.cursor(), 0);
    assert_eq!(t.seek_row(sys::BOOKMARK_END, -1).unwrap(), (-1, sys::S_OK));
    assert_eq!(t.cursor(), 2);
    assert_eq!(t.seek_row(sys::BOOKMARK_END, 4).unwrap(), (0, sys::S_OK));
    assert_eq!(
        t.seek_row(sys::BOOKMARK_BEGINNING, -1).unwrap(),
        (0, sys::S_OK)
    );
    assert_eq!(
        t.seek_row(sys::BOOKMARK_CURRENT, 2).unwrap(),
        (2, sys::S_OK)
    );
    assert_eq!(
        t.seek_row(77, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_BOOKMARK
    );
}

#[test]
fn seek_row_approx_and_query_position() {
    let mut t = table(&[("a", None), ("b", None), ("c", None), ("d", None)]);
    assert_eq!(t.query_position(), (0, 0, 4));
    t.seek_row_approx(1, 2).unwrap();
    assert_eq!(t.query_position(), (2, 2, 4));
    t.seek_row_approx(3, 3).unwrap();
    assert_eq!(t.query_position(), (4, 4, 4));
    t.seek_row_approx(0, 7).unwrap();
    assert_eq!(t.cursor(), 0);
    assert_eq!(
        t.seek_row_approx(1, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_PARAMETER
    );
    // An empty table: denominator 1.
    let e = table(&[]);
    assert_eq!(e.query_position(), (0, 0, 1));
}

// ----- reading -----

#[test]
fn query_rows_forward_backward_and_without_advancing() {
    let mut t = table(&[
        ("a", None),
        ("b", None),
        ("c", None),
        ("d", None),
        ("e", None),
    ]);
    assert_eq!(names(&t.query_rows(2, 0).unwrap()), ["a", "b"]);
    assert_eq!(t.cursor(), 2);
    assert_eq!(
        names(&t.query_rows(2, sys::TBL_NOADVANCE).unwrap()),
        ["c", "d"]
    );
    assert_eq!(t.cursor(), 2);
    assert_eq!(names(&t.query_rows(10, 0).unwrap()), ["c", "d", "e"]);
    // At the end: no rows, and no error.
    assert!(t.query_rows(1, 0).unwrap().is_empty());
    assert_eq!(t.cursor(), 5);
    // Backward: the rows before the cursor, in the table's order; the cursor on the
    // first one.
    assert_eq!(names(&t.query_rows(-2, 0).unwrap()), ["d", "e"]);
    assert_eq!(t.cursor(), 3);
    assert_eq!(
        names(&t.query_rows(-2, sys::TBL_NOADVANCE).unwrap()),
        ["b", "c"]
    );
    assert_eq!(t.cursor(), 3);
    assert_eq!(names(&t.query_rows(-10, 0).unwrap()), ["a", "b", "c"]);
    assert_eq!(t.cursor(), 0);
    assert!(t.query_rows(-1, 0).unwrap().is_empty());
    assert_eq!(
        t.query_rows(0, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        t.query_rows(1, 4).unwrap_err().code(),
        sys::MAPI_E_UNKNOWN_FLAGS
    );
}

// ----- bookmarks -----

#[test]
fn bookmarks_follow_their_row_and_move_on_when_it_goes() {
    let mut t = table(&[("a", None), ("b", None), ("c", None), ("d", None)]);
    t.sort_table(SortOrder::by(vec![SortKey::ascending(NAME)]))
        .unwrap();
    t.seek_row(sys::BOOKMARK_BEGINNING, 1).unwrap();
    let on_b = t.create_bookmark().unwrap();
    assert!(on_b >= 3);
    t.seek_row(sys::BOOKMARK_END, 0).unwrap();
    let at_end = t.create_bookmark().unwrap();
    assert_eq!(t.seek_row(on_b, 1).unwrap(), (1, sys::S_OK));
    assert_eq!(t.cursor(), 2);
    // A row added before "b" does not move the bookmark off it.
    t.source_mut().insert(9, vec![(NAME, text("a2"))]).unwrap();
    t.row_added(9).unwrap();
    assert_eq!(all_names(&mut t), ["a", "a2", "b", "c", "d"]);
    assert_eq!(t.seek_row(on_b, 0).unwrap(), (0, sys::S_OK));
    assert_eq!(t.cursor(), 2);
    // "b" goes: the bookmark leads to "c", once with MAPI_W_POSITION_CHANGED.
    t.source_mut().remove(2);
    t.row_removed(2).unwrap();
    assert_eq!(
        t.seek_row(on_b, 0).unwrap(),
        (0, sys::MAPI_W_POSITION_CHANGED)
    );
    assert_eq!(names(&t.query_rows(1, sys::TBL_NOADVANCE).unwrap()), ["c"]);
    assert_eq!(t.seek_row(on_b, 0).unwrap(), (0, sys::S_OK));
    assert_eq!(t.cursor(), 2);
    assert_eq!(t.seek_row(at_end, -1).unwrap(), (-1, sys::S_OK));
    assert_eq!(t.cursor(), 3);
    // The last row goes: a bookmark on it leads to the end.
    let on_d = t.create_bookmark().unwrap();
    t.source_mut().remove(4);
    t.row_removed(4).unwrap();
    assert_eq!(t.seek_row(on_d, 0).unwrap().1, sys::MAPI_W_POSITION_CHANGED);
    assert_eq!(t.cursor(), 3);
    // Freeing.
    t.free_bookmark(on_b).unwrap();
    assert_eq!(
        t.free_bookmark(on_b).unwrap_err().code(),
        sys::MAPI_E_INVALID_BOOKMARK
    );
    assert_eq!(
        t.seek_row(on_b, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_BOOKMARK
    );
    // The predefined ones are not freed, and that is fine.
    t.free_bookmark(sys::BOOKMARK_END).unwrap();
}

#[test]
fn restrict_and_sort_table_discard_the_bookmarks() {
    let mut t = abc();
    let one = t.create_bookmark().unwrap();
    t.restrict(None).unwrap();
    assert_eq!(
        t.seek_row(one, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_BOOKMARK
    );
    let two = t.create_bookmark().unwrap();
    t.sort_table(SortOrder::by(vec![SortKey::ascending(SIZE)]))
        .unwrap();
    let e = t.find_row(&Restriction::exist(NAME), two, 0).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_BOOKMARK);
    // Freeing them is still fine.
    t.free_bookmark(one).unwrap();
    t.free_bookmark(two).unwrap();
}

// ----- finding -----

#[test]
fn find_row_forward_and_backward() {
    let mut t = table(&[
        ("a", Some(1)),
        ("b", Some(2)),
        ("c", Some(1)),
        ("d", Some(2)),
        ("e", Some(1)),
    ]);
    let one = eq(SIZE, OwnedValue::Long(1));
    assert_eq!(t.find_row(&one, sys::BOOKMARK_BEGINNING, 0), Ok(sys::S_OK));
    assert_eq!(t.cursor(), 0);
    // From the current row, which is included going forward.
    assert_eq!(t.find_row(&one, sys::BOOKMARK_CURRENT, 0), Ok(sys::S_OK));
    assert_eq!(t.cursor(), 0);
    t.seek_row(sys::BOOKMARK_CURRENT, 1).unwrap();
    t.find_row(&one, sys::BOOKMARK_CURRENT, 0).unwrap();
    assert_eq!(t.cursor(), 2);
    // Backward starts at the row before.
    t.find_row(&one, sys::BOOKMARK_CURRENT, sys::DIR_BACKWARD)
        .unwrap();
    assert_eq!(t.cursor(), 0);
    t.find_row(&one, sys::BOOKMARK_END, sys::DIR_BACKWARD)
        .unwrap();
    assert_eq!(t.cursor(), 4);
    // From a bookmark.
    t.seek_row(sys::BOOKMARK_BEGINNING, 3).unwrap();
    let bm = t.create_bookmark().unwrap();
    t.find_row(&one, bm, sys::DIR_BACKWARD).unwrap();
    assert_eq!(t.cursor(), 2);
    t.find_row(&one, bm, 0).unwrap();
    assert_eq!(t.cursor(), 4);
    // Not found: the cursor stays.
    let none = eq(SIZE, OwnedValue::Long(7));
    assert_eq!(
        t.find_row(&none, sys::BOOKMARK_BEGINNING, 0)
            .unwrap_err()
            .code(),
        sys::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        t.find_row(&one, sys::BOOKMARK_END, 0).unwrap_err().code(),
        sys::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        t.find_row(&one, sys::BOOKMARK_BEGINNING, sys::DIR_BACKWARD)
            .unwrap_err()
            .code(),
        sys::MAPI_E_NOT_FOUND
    );
    assert_eq!(t.cursor(), 4);
    assert_eq!(
        t.find_row(&one, 99, 0).unwrap_err().code(),
        sys::MAPI_E_INVALID_BOOKMARK
    );
    assert_eq!(
        t.find_row(&one, 0, 2).unwrap_err().code(),
        sys::MAPI_E_UNKNOWN_FLAGS
    );
    // A bookmark whose row went: found from the row after it, with the warning.
    t.source_mut().remove(4);
    t.row_removed(4).unwrap();
    assert_eq!(t.find_row(&one, bm, 0), Ok(sys::MAPI_W_POSITION_CHANGED));
    assert_eq!(names(&t.query_rows(1, 0).unwrap()), ["e"]);
    // Any restriction, e.g. on the name.
    let c = Restriction::content(
        sys::FL_PREFIX | sys::FL_IGNORECASE,
        NAME,
        PropValue::Str("C"),
    );
    t.find_row(&c, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 2);
}

#[test]
fn find_row_by_instance_key_respects_the_origin_and_direction() {
    let mut t = abc();
    let key_b = t.instance_key_at(1).unwrap();
    let r = eq(sys::PR_INSTANCE_KEY, OwnedValue::Binary(key_b.clone()));
    t.find_row(&r, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 1);
    assert_eq!(
        t.find_row(&r, sys::BOOKMARK_END, 0).unwrap_err().code(),
        sys::MAPI_E_NOT_FOUND
    );
    t.find_row(&r, sys::BOOKMARK_END, sys::DIR_BACKWARD)
        .unwrap();
    assert_eq!(t.cursor(), 1);
    assert_eq!(
        t.find_row(&r, sys::BOOKMARK_CURRENT, sys::DIR_BACKWARD)
            .unwrap_err()
            .code(),
        sys::MAPI_E_NOT_FOUND
    );
    // A value of another type than the tag's.
    let long = eq(sys::PR_INSTANCE_KEY, OwnedValue::Long(1));
    let e = t.find_row(&long, sys::BOOKMARK_BEGINNING, 0).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
    // An unknown key, a key of another length.
    for v in [
        OwnedValue::Binary(instance_key(99, 0).to_vec()),
        OwnedValue::Binary(vec![1]),
    ] {
        let e = t
            .find_row(&eq(sys::PR_INSTANCE_KEY, v), sys::BOOKMARK_BEGINNING, 0)
            .unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_NOT_FOUND);
    }
    // Inside another restriction, it is evaluated row by row.
    let and = Restriction::and(vec![r, Restriction::exist(NAME)]).unwrap();
    t.find_row(&and, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 1);
}

// ----- restricting and sorting -----

#[test]
fn restrict_filters_and_none_clears() {
    let mut t = abc();
    t.seek_row(sys::BOOKMARK_BEGINNING, 2).unwrap();
    t.restrict(Some(Restriction::property(
        sys::RELOP_GE,
        SIZE,
        OwnedValue::Long(2),
    )))
    .unwrap();
    assert_eq!(t.cursor(), 0);
    assert_eq!(all_names(&mut t), ["a", "c"]);
    assert!(t.restriction().is_some());
    // Too complex: refused, the view as it was.
    let re = Restriction::property(sys::RELOP_RE, NAME, PropValue::Str("a"));
    assert_eq!(
        t.restrict(Some(re)).unwrap_err().code(),
        sys::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(all_names(&mut t), ["a", "c"]);
    let sub = Restriction::sub(sys::PR_MESSAGE_RECIPIENTS, Restriction::exist(NAME)).unwrap();
    assert_eq!(
        t.restrict(Some(sub)).unwrap_err().code(),
        sys::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(all_names(&mut t), ["a", "c"]);
    t.restrict(None).unwrap();
    assert_eq!(all_names(&mut t), ["a", "b", "c"]);
}

#[test]
fn restrict_with_sub_rows_from_the_source() {
    let mut t = abc();
    let bob: Vec<Cell> = vec![(sys::PR_DISPLAY_NAME_W, text("Bob"))];
    t.source_mut()
        .set_sub_rows(3, sys::PR_MESSAGE_RECIPIENTS, vec![bob])
        .unwrap();
    t.source_mut()
        .set_sub_rows(1, sys::PR_MESSAGE_RECIPIENTS, vec![])
        .unwrap();
    t.source_mut()
        .set_sub_rows(2, sys::PR_MESSAGE_RECIPIENTS, vec![])
        .unwrap();
    let to_bob = Restriction::sub(
        sys::PR_MESSAGE_RECIPIENTS,
        Restriction::content(
            sys::FL_FULLSTRING,
            sys::PR_DISPLAY_NAME_W,
            PropValue::Str("Bob"),
        ),
    )
    .unwrap();
    t.restrict(Some(to_bob)).unwrap();
    assert_eq!(all_names(&mut t), ["c"]);
}

#[test]
fn count_restrictions_take_the_first_matches_in_the_sources_order() {
    let mut t = table(&[
        ("a", Some(1)),
        ("b", Some(2)),
        ("c", Some(1)),
        ("d", Some(1)),
    ]);
    t.sort_table(SortOrder::by(vec![SortKey::descending(NAME)]))
        .unwrap();
    let first_two = Restriction::count(2, eq(SIZE, OwnedValue::Long(1))).unwrap();
    t.restrict(Some(first_two)).unwrap();
    assert_eq!(all_names(&mut t), ["c", "a"]);
    // A row added later counts on from there: no room left.
    t.source_mut()
        .insert(9, vec![(NAME, text("z")), (SIZE, OwnedValue::Long(1))])
        .unwrap();
    assert!(t.row_added(9).unwrap().is_empty());
}

#[test]
fn sort_on_several_keys_stable_with_missing_values_first() {
    let mut t = table(&[
        ("x", Some(2)),
        ("B", None),
        ("a", Some(2)),
        ("c", Some(1)),
        ("A", Some(2)),
    ]);
    t.sort_table(SortOrder::by(vec![SortKey::ascending(SIZE)]))
        .unwrap();
    // Ties keep the source's order.
    assert_eq!(all_names(&mut t), ["B", "c", "x", "a", "A"]);
    t.sort_table(SortOrder::by(vec![
        SortKey::descending(SIZE),
        SortKey::ascending(NAME),
    ]))
    .unwrap();
    // Case-insensitive text: "a" and "A" tie, and keep their order.
    assert_eq!(all_names(&mut t), ["a", "A", "x", "c", "B"]);
    let mut cats = SortOrder::by(vec![SortKey::ascending(NAME)]);
    cats.categories = 1;
    assert_eq!(
        t.sort_table(cats).unwrap_err().code(),
        sys::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(all_names(&mut t), ["a", "A", "x", "c", "B"]);
}

fn mv_table() -> Table<MemorySource> {
    let mut s = MemorySource::new();
    let mv =
        |v: &[&str]| OwnedValue::MvUnicode(v.iter().map(|s| s.encode_utf16().collect()).collect());
    s.insert(1, vec![(NAME, text("one")), (CATS, mv(&["work", "home"]))])
        .unwrap();
    s.insert(2, vec![(NAME, text("two"))]).unwrap();
    s.insert(3, vec![(NAME, text("three")), (CATS, mv(&["art"]))])
        .unwrap();
    Table::new(
        s,
        vec![NAME, CATS_I, sys::PR_INSTANCE_KEY],
        TableType::Dynamic,
    )
    .unwrap()
}

#[test]
fn an_instance_sort_gives_a_row_per_value() {
    let mut t = mv_table();
    t.sort_table(SortOrder::by(vec![SortKey::ascending(CATS_I)]))
        .unwrap();
    assert_eq!(t.row_count(), 4);
    let rows = t.query_rows(10, 0).unwrap();
    assert_eq!(names(&rows), ["two", "three", "one", "one"]);
    let cats: Vec<Column> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(cats[0].value, OwnedValue::Error(sys::MAPI_E_NOT_FOUND));
    assert_eq!(
        cats[1],
        Column {
            tag: CATS_I,
            value: text("art")
        }
    );
    assert_eq!(cats[2].value, text("home"));
    assert_eq!(cats[3].value, text("work"));
    // Each instance has its own key, and FindRow finds it.
    let keys: Vec<OwnedValue> = rows.iter().map(|r| r[2].value.clone()).collect();
    assert_ne!(keys[2], keys[3]);
    t.find_row(
        &eq(sys::PR_INSTANCE_KEY, keys[3].clone()),
        sys::BOOKMARK_BEGINNING,
        0,
    )
    .unwrap();
    assert_eq!(t.cursor(), 3);
    // FindRow on the instance column matches the instance's value.
    let home = eq(CATS_I, text("HOME"));
    t.find_row(&home, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 2);
    // The instance row of "two", which has no categories, has no value there either.
    let any = Restriction::exist(CATS_I);
    t.find_row(&any, sys::BOOKMARK_BEGINNING, 0).unwrap();
    assert_eq!(t.cursor(), 1);
    // Restrict on the multi-valued column with MVI_FLAG: a row matches if one of its
    // values does.
    t.restrict(Some(eq(CATS_I, text("work")))).unwrap();
    assert_eq!(all_names(&mut t), ["one", "one"]);
    // Descending.
    t.restrict(None).unwrap();
    t.sort_table(SortOrder::by(vec![SortKey::descending(CATS_I)]))
        .unwrap();
    let rows = t.query_rows(10, 0).unwrap();
    let cats: Vec<OwnedValue> = rows.iter().map(|r| r[1].value.clone()).collect();
    assert_eq!(cats[..3], [text("work"), text("home"), text("art")]);
}

// ----- changes -----

#[test]
fn changes_keep_the_view_sorted_and_restricted() {
    let mut t = abc();
    t.sort_table(SortOrder::by(vec![SortKey::ascending(SIZE)]))
        .unwrap();
    t.restrict(Some(Restriction::property(
        sys::RELOP_LT,
        SIZE,
        OwnedValue::Long(10),
    )))
    .unwrap();
    assert_eq!(all_names(&mut t), ["b", "c", "a"]);
    t.seek_row(sys::BOOKMARK_BEGINNING, 2).unwrap(); // on "a"
                                                     // Added, between b and c.
    t.source_mut()
        .insert(4, vec![(NAME, text("d")), (SIZE, OwnedValue::Long(1))])
        .unwrap();
    let ch = t.row_added(4).unwrap();
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].kind, ChangeKind::Added);
    assert_eq!(ch[0].position, 1);
    assert_eq!(ch[0].instance_key, instance_key(4, 0));
    assert_eq!(ch[0].prior_instance_key, Some(instance_key(2, 0).to_vec()));
    assert_eq!(t.cursor(), 3, "the cursor stays on a");
    // Added, but restricted out.
    t.source_mut()
        .insert(5, vec![(NAME, text("e")), (SIZE, OwnedValue::Long(50))])
        .unwrap();
    assert!(t.row_added(5).unwrap().is_empty());
    assert_eq!(all_names(&mut t), ["b", "d", "c", "a"]);
    // Modified: moves to the front.
    t.source_mut()
        .insert(1, vec![(NAME, text("a")), (SIZE, OwnedValue::Long(0))])
        .unwrap();
    let ch = t.row_modified(1).unwrap();
    assert_eq!(ch.len(), 1);
    assert_eq!(
        (ch[0].kind, ch[0].position, ch[0].prior_instance_key.clone()),
        (ChangeKind::Modified, 0, None)
    );
    assert_eq!(all_names(&mut t), ["a", "b", "d", "c"]);
    // Modified out of the restriction: deleted from the view.
    t.source_mut()
        .insert(2, vec![(NAME, text("b")), (SIZE, OwnedValue::Long(99))])
        .unwrap();
    let ch = t.row_modified(2).unwrap();
    assert_eq!((ch[0].kind, ch[0].position), (ChangeKind::Deleted, 1));
    // And back in.
    t.source_mut()
        .insert(2, vec![(NAME, text("b")), (SIZE, OwnedValue::Long(5))])
        .unwrap();
    let ch = t.row_modified(2).unwrap();
    assert_eq!((ch[0].kind, ch[0].position), (ChangeKind::Added, 3));
    // The row with size 50 comes in when it changes to fit.
    t.source_mut()
        .insert(5, vec![(NAME, text("e")), (SIZE, OwnedValue::Long(2))])
        .unwrap();
    assert_eq!(t.row_modified(5).unwrap()[0].kind, ChangeKind::Added);
    assert_eq!(all_names(&mut t), ["a", "d", "c", "e", "b"]);
    // Removed.
    t.seek_row(sys::BOOKMARK_END, 0).unwrap();
    t.source_mut().remove(4);
    let ch = t.row_removed(4).unwrap();
    assert_eq!((ch[0].kind, ch[0].position), (ChangeKind::Deleted, 1));
    assert_eq!(ch[0].prior_instance_key, Some(instance_key(1, 0).to_vec()));
    assert_eq!(t.cursor(), 4);
    assert_eq!(t.row_count(), 4);
    assert!(t.row_removed(4).unwrap().is_empty());
}

#[test]
fn a_modified_row_with_instances_reports_each_instance() {
    let mut t = mv_table();
    t.sort_table(SortOrder::by(vec![SortKey::ascending(CATS_I)]))
        .unwrap();
    let mv = OwnedValue::MvUnicode(vec![
        "home".encode_utf16().collect(),
        "zoo".encode_utf16().collect(),
        "x".encode_utf16().collect(),
    ]);
    t.source_mut()
        .insert(1, vec![(NAME, text("one")), (CATS, mv)])
        .unwrap();
    let ch = t.row_modified(1).unwrap();
    let kinds: Vec<(ChangeKind, Vec<u8>)> = ch
        .iter()
        .map(|c| (c.kind, c.instance_key.clone()))
        .collect();
    assert!(kinds.contains(&(ChangeKind::Modified, instance_key(1, 0).to_vec())));
    assert!(kinds.contains(&(ChangeKind::Modified, instance_key(1, 1).to_vec())));
    assert!(kinds.contains(&(ChangeKind::Added, instance_key(1, 2).to_vec())));
    assert_eq!(t.row_count(), 5);
}

#[test]
fn a_snapshot_table_does_not_follow_changes() {
    let mut t = Table::new(source(&[("a", None)]), vec![NAME], TableType::Snapshot).unwrap();
    t.source_mut().insert(7, vec![(NAME, text("b"))]).unwrap();
    assert!(t.row_added(7).unwrap().is_empty());
    assert_eq!(t.row_count(), 1);
}

/// A row-wise source (read through `values`) that no longer knows row 2.
struct Forgetful(MemorySource);

impl RowSource for Forgetful {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        self.0.keys(keys)
    }
    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        self.0.values(rows, columns, &mut |i, props| {
            if rows[i] != 2 {
                answer(i, props);
            }
        })
    }
}

#[test]
fn rows_a_row_wise_source_does_not_answer_show_not_found_and_keep_their_place() {
    let s = Forgetful(source(&[("a", Some(1)), ("b", Some(2)), ("c", None)]));
    let mut t = Table::new(
        s,
        vec![NAME, SIZE, sys::PR_INSTANCE_KEY],
        TableType::Dynamic,
    )
    .unwrap();
    let rows = t.query_rows(10, 0).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0].value, text("a"));
    assert_eq!(rows[1][0].value, OwnedValue::Error(sys::MAPI_E_NOT_FOUND));
    assert_eq!(rows[1][1].value, OwnedValue::Error(sys::MAPI_E_NOT_FOUND));
    assert_eq!(
        rows[1][2].value,
        OwnedValue::Binary(instance_key(2, 0).to_vec())
    );
    assert_eq!(rows[2][0].value, text("c"));
    assert_eq!(rows[2][1].value, OwnedValue::Error(sys::MAPI_E_NOT_FOUND));
    // The same rows read one at a time.
    t.seek_row(sys::BOOKMARK_BEGINNING, 0).unwrap();
    let one_by_one: Vec<Row> = (0..3).flat_map(|_| t.query_rows(1, 0).unwrap()).collect();
    assert_eq!(one_by_one, rows);
}
