//! The table engine against a model: random rows (random types, missing values,
//! multi-valued ones, recipients as sub-rows), random restrictions of every kind
//! (nested), random sorts (with multi-valued instances); the table's rows, row counts,
//! positions and `FindRow` answers are compared with [`naive`]'s, a filter and a stable
//! sort over a `Vec` written apart from the engine. Then rows are added, removed and
//! changed, and the view compared again.
//!
//! [`run`] does one case from a generator: the test runs many seeded ones, and a fuzz
//! target can run it on a seed made from its input.

pub mod gen;
pub mod naive;
pub mod rng;

use mapi_sync_runtime::props::{prop_id, prop_tag, prop_type, OwnedValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_store::table::{
    batch_by_rows, instance_key, Batch, Column, MemorySource, Restriction, RestrictionKind, Row,
    RowKey, RowSource, SortOrder, Table, TableType,
};

use naive::{SourceRow, ViewRow};
use rng::Rng;

/// What the cases reached, to check the generator reaches the interesting cases.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub cases: usize,
    pub rows_seen: usize,
    pub restricted_out: usize,
    pub instance_sorts: usize,
    pub finds: usize,
    pub found: usize,
    pub changes: usize,
    pub bookmarks_moved: usize,
}

/// What column `tag` of `cells` should show (the crate documentation's rules), or `None`
/// for the instance column and `PR_INSTANCE_KEY`, which the caller checks.
fn expected_column(tag: ULONG, cells: &[mapi_sync_store::table::Cell]) -> Column {
    let missing = Column {
        tag: prop_tag(sys::PT_ERROR, prop_id(tag)),
        value: OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
    };
    let Some((have_tag, v)) = cells.iter().find(|(t, _)| prop_id(*t) == prop_id(tag)) else {
        return missing;
    };
    let want = prop_type(tag);
    if want == sys::PT_UNSPECIFIED {
        return Column {
            tag: *have_tag,
            value: v.clone(),
        };
    }
    if want == v.prop_type() {
        return Column {
            tag,
            value: v.clone(),
        };
    }
    // Text of the other string type: converted as GetProps converts it, through the
    // system's code page (the runtime's conversion, tested on its own).
    let Some(value) = mapi_sync_runtime::props::convert::to_string_type(v.as_value(), want) else {
        return missing;
    };
    Column { tag, value }
}

fn has_count(r: &Restriction) -> bool {
    match r.kind() {
        RestrictionKind::Count { .. } => true,
        RestrictionKind::And(rs) | RestrictionKind::Or(rs) => rs.iter().any(has_count),
        RestrictionKind::Not(r)
        | RestrictionKind::Comment { restriction: r, .. }
        | RestrictionKind::SubRestriction { restriction: r, .. } => has_count(r),
        _ => false,
    }
}

/// The columns the case shows: the key, each pool property as it is, two as text of the
/// other string type, the instance key, and the instance column if there is one.
fn columns(sort: &SortOrder) -> Vec<ULONG> {
    let mut c = vec![prop_tag(sys::PT_LONG, gen::KEY_ID)];
    c.extend(
        gen::POOL
            .iter()
            .map(|&(id, _)| prop_tag(sys::PT_UNSPECIFIED, id)),
    );
    c.push(prop_tag(sys::PT_UNICODE, 0x6703));
    c.push(prop_tag(sys::PT_STRING8, 0x6701));
    c.push(prop_tag(sys::PT_MV_STRING8, 0x6706));
    c.push(sys::PR_INSTANCE_KEY);
    if let Some(k) = sort
        .keys
        .iter()
        .find(|k| prop_type(k.tag) & sys::MVI_FLAG == sys::MVI_FLAG)
    {
        c.push(k.tag);
    }
    c
}

/// Checks one row the table returned against the model's.
fn check_row(got: &Row, want: &ViewRow, rows: &[SourceRow], cols: &[ULONG], sort: &SortOrder) {
    let cells = &rows[want.row].1;
    assert_eq!(got.len(), cols.len());
    for (c, &tag) in got.iter().zip(cols) {
        if tag == sys::PR_INSTANCE_KEY {
            assert_eq!(c.tag, sys::PR_INSTANCE_KEY);
            // The documented form: the row's key, then the instance's index.
            let key = instance_key(rows[want.row].0, want.inst).to_vec();
            assert_eq!(c.value, OwnedValue::Binary(key));
            continue;
        }
        if sort.keys.iter().any(|k| k.tag == tag) && prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG
        {
            // The instance's value under the column's tag, when it is of the column's
            // type.
            let expect = match &want.value {
                Some(v) if v.prop_type() == prop_type(tag) & !sys::MVI_FLAG => Column {
                    tag,
                    value: v.clone(),
                },
                _ => Column {
                    tag: prop_tag(sys::PT_ERROR, prop_id(tag)),
                    value: OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
                },
            };
            assert_eq!(c, &expect, "instance column of {want:?}");
            continue;
        }
        assert_eq!(
            c,
            &expected_column(tag, cells),
            "column {tag:#010X} of {want:?}"
        );
    }
}

/// Reads the whole view forward in chunks of random sizes, then backward, checks both
/// against the model, and returns the instance keys in order.
fn check_view(
    rng: &mut Rng,
    t: &mut Table<Source>,
    rows: &[SourceRow],
    want: &[ViewRow],
    sort: &SortOrder,
) -> Vec<Vec<u8>> {
    let cols = t.query_columns(0).unwrap();
    assert_eq!(
        t.row_count() as usize,
        want.len(),
        "row count of {:?} with {:?}",
        t.restriction(),
        sort
    );
    t.seek_row(sys::BOOKMARK_BEGINNING, 0).unwrap();
    let mut got: Vec<Row> = Vec::new();
    loop {
        let n = 1 + rng.below(7) as i32;
        let chunk = t.query_rows(n, 0).unwrap();
        if chunk.is_empty() {
            break;
        }
        assert!(chunk.len() <= n as usize);
        got.extend(chunk);
    }
    assert_eq!(t.query_position().0 as usize, want.len());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        check_row(g, w, rows, &cols, sort);
    }
    // Backward from the end: the same rows.
    let mut back: Vec<Row> = Vec::new();
    loop {
        let n = 1 + rng.below(7) as i32;
        let mut chunk = t.query_rows(-n, 0).unwrap();
        if chunk.is_empty() {
            break;
        }
        chunk.extend(back);
        back = chunk;
    }
    assert_eq!(t.cursor(), 0);
    assert_eq!(back, got);
    let ik = cols
        .iter()
        .position(|&c| c == sys::PR_INSTANCE_KEY)
        .unwrap();
    let keys: Vec<Vec<u8>> = got
        .iter()
        .map(|r| match &r[ik].value {
            OwnedValue::Binary(b) => b.clone(),
            other => panic!("instance key {other:?}"),
        })
        .collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "instance keys are unique");
    keys
}

/// The cases' rows: a [`MemorySource`], answering column by column as it does, or (every
/// other case) row by row only, through `RowSource::values_by_column`'s default.
pub struct Source {
    inner: MemorySource,
    row_wise: bool,
}

impl std::ops::Deref for Source {
    type Target = MemorySource;
    fn deref(&self) -> &MemorySource {
        &self.inner
    }
}

impl std::ops::DerefMut for Source {
    fn deref_mut(&mut self) -> &mut MemorySource {
        &mut self.inner
    }
}

impl RowSource for Source {
    fn keys(&self, keys: &mut Vec<RowKey>) -> mapi_sync_runtime::Result<()> {
        self.inner.keys(keys)
    }
    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[mapi_sync_runtime::props::Prop<'_>]),
    ) -> mapi_sync_runtime::Result<()> {
        self.inner.values(rows, columns, answer)
    }
    fn values_by_column(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(&Batch<'_>),
    ) -> mapi_sync_runtime::Result<()> {
        if self.row_wise {
            batch_by_rows(self, rows, columns, answer)
        } else {
            self.inner.values_by_column(rows, columns, answer)
        }
    }
    fn borrows_by_column(&self) -> bool {
        // A row-wise source's output rows are read through `values` too.
        !self.row_wise
    }
    fn sub_rows(
        &self,
        row: RowKey,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[mapi_sync_runtime::props::Prop<'_>]),
    ) -> mapi_sync_runtime::Result<bool> {
        self.inner.sub_rows(row, object, columns, answer)
    }
    fn all_columns(&self) -> Option<Vec<ULONG>> {
        self.inner.all_columns()
    }
}

/// One case.
pub fn run(rng: &mut Rng, stats: &mut Stats) {
    stats.cases += 1;
    let n = rng.below(40);
    let mut rows: Vec<SourceRow> = (0..n as u64)
        .map(|k| (k, gen::row(rng, k), gen::recipients(rng)))
        .collect();
    let mut source = MemorySource::new();
    for (k, cells, recipients) in &rows {
        source.insert(*k, cells.clone()).unwrap();
        source
            .set_sub_rows(*k, sys::PR_MESSAGE_RECIPIENTS, recipients.clone())
            .unwrap();
    }
    let sort = gen::sort(rng);
    let cols = columns(&sort);
    let source = Source {
        inner: source,
        row_wise: stats.cases % 2 == 0,
    };
    let mut t = Table::new(source, cols, TableType::Dynamic).unwrap();
    assert_eq!(t.row_count() as usize, n);
    let restriction = if rng.chance(80) {
        {
            let (depth, count) = (1 + rng.below(5) as u32, rng.chance(30));
            Some(gen::restriction(rng, depth, count))
        }
    } else {
        None
    };
    t.sort_table(sort.clone()).unwrap();
    t.restrict(restriction.clone()).unwrap();
    if sort
        .keys
        .iter()
        .any(|k| prop_type(k.tag) & sys::MVI_FLAG == sys::MVI_FLAG)
    {
        stats.instance_sorts += 1;
    }
    let mut want = naive::view(&rows, restriction.as_ref(), &sort);
    stats.rows_seen += want.len();
    stats.restricted_out += n.saturating_sub(want.len());
    let keys = check_view(rng, &mut t, &rows, &want, &sort);

    // A walk of the cursor: seeks from each origin, approximate seeks, reads both ways
    // with and without TBL_NOADVANCE, each checked against the position the model keeps.
    let len = want.len() as i64;
    let ik = t
        .query_columns(0)
        .unwrap()
        .iter()
        .position(|&c| c == sys::PR_INSTANCE_KEY)
        .unwrap();
    let mut cursor = 0i64;
    t.seek_row(sys::BOOKMARK_BEGINNING, 0).unwrap();
    for _ in 0..12 {
        match rng.below(3) {
            0 => {
                let (origin, from) = *rng.pick(&[
                    (sys::BOOKMARK_BEGINNING, 0),
                    (sys::BOOKMARK_CURRENT, cursor),
                    (sys::BOOKMARK_END, len),
                ]);
                let count = rng.below(2 * want.len() + 3) as i32 - want.len() as i32 - 1;
                let (sought, hr) = t.seek_row(origin, count).unwrap();
                let target = (from + i64::from(count)).clamp(0, len);
                assert_eq!((i64::from(sought), hr), (target - from, sys::S_OK));
                cursor = target;
            }
            1 => {
                let (num, den) = (rng.below(6) as u32, 1 + rng.below(5) as u32);
                t.seek_row_approx(num, den).unwrap();
                cursor = if num >= den {
                    len
                } else {
                    i64::from(num) * len / i64::from(den)
                };
            }
            _ => {
                let n = 1 + rng.below(6) as i64;
                let backward = rng.chance(50);
                let noadvance = rng.chance(30);
                let flags = if noadvance { sys::TBL_NOADVANCE } else { 0 };
                let got = t
                    .query_rows(if backward { -n as i32 } else { n as i32 }, flags)
                    .unwrap();
                let (from, to) = if backward {
                    ((cursor - n).max(0), cursor)
                } else {
                    (cursor, (cursor + n).min(len))
                };
                let got_keys: Vec<&OwnedValue> = got.iter().map(|r| &r[ik].value).collect();
                let want_keys: Vec<OwnedValue> = keys[from as usize..to as usize]
                    .iter()
                    .map(|k| OwnedValue::Binary(k.clone()))
                    .collect();
                assert_eq!(got_keys, want_keys.iter().collect::<Vec<_>>());
                if !noadvance {
                    cursor = if backward { from } else { to };
                }
            }
        }
        assert_eq!(
            t.query_position(),
            (cursor as u32, cursor as u32, (len as u32).max(1))
        );
    }

    // FindRow, from each kind of origin, both ways.
    for _ in 0..6 {
        stats.finds += 1;
        let (depth, count) = (1 + rng.below(4) as u32, rng.chance(30));
        let r = gen::restriction(rng, depth, count);
        let backward = rng.chance(50);
        let pos = rng.below(want.len() + 1);
        t.seek_row(sys::BOOKMARK_BEGINNING, pos as i32).unwrap();
        let (origin, start) = match rng.below(4) {
            0 => (sys::BOOKMARK_BEGINNING, 0),
            1 => (sys::BOOKMARK_END, want.len()),
            2 => (sys::BOOKMARK_CURRENT, pos),
            _ => (t.create_bookmark().unwrap(), pos),
        };
        let expect = naive::find(&rows, &want, &sort, &r, start, backward);
        let flags = if backward { sys::DIR_BACKWARD } else { 0 };
        match (t.find_row(&r, origin, flags), expect) {
            (Ok(hr), Some(p)) => {
                assert_eq!(hr, sys::S_OK);
                assert_eq!(t.cursor(), p, "{r:?} from {start} backward {backward}");
                stats.found += 1;
            }
            (Err(e), None) => {
                assert_eq!(e.code(), sys::MAPI_E_NOT_FOUND, "{r:?}: {e}");
                assert_eq!(t.cursor(), pos, "the cursor stays");
            }
            (got, expect) => {
                panic!(
                    "{r:?} from {start} of {} backward {backward}, origin {origin}, \
                     sort {sort:?}: {got:?}, model {expect:?} ({:?})",
                    want.len(),
                    expect.map(|p| (&want[p], &rows[want[p].row])),
                )
            }
        }
        if origin > sys::BOOKMARK_END {
            t.free_bookmark(origin).unwrap();
        }
    }
    // FindRow by instance key.
    if !keys.is_empty() {
        let p = rng.below(keys.len());
        let r = Restriction::property(
            sys::RELOP_EQ,
            sys::PR_INSTANCE_KEY,
            OwnedValue::Binary(keys[p].clone()),
        );
        assert_eq!(t.find_row(&r, sys::BOOKMARK_BEGINNING, 0), Ok(sys::S_OK));
        assert_eq!(t.cursor(), p);
    }

    // Changes (not with RES_COUNT, whose counters the engine keeps going while the
    // model would count afresh).
    if restriction.as_ref().is_some_and(has_count) {
        return;
    }
    let mut next_key = n as u64;
    for _ in 0..rng.below(12) {
        stats.changes += 1;
        // A bookmark on a random row, to check where it leads after the change.
        let mark = if want.is_empty() {
            None
        } else {
            let p = rng.below(want.len());
            t.seek_row(sys::BOOKMARK_BEGINNING, p as i32).unwrap();
            let v = want[p].clone();
            let (key, cells, _) = rows[v.row].clone();
            let values = naive::sort_values(&sort, &cells, &v);
            Some((t.create_bookmark().unwrap(), key, v.inst, values))
        };
        let op = rng.below(3);
        if op == 0 || rows.is_empty() {
            let cells = gen::row(rng, next_key);
            let recipients = gen::recipients(rng);
            t.source_mut().insert(next_key, cells.clone()).unwrap();
            t.source_mut()
                .set_sub_rows(next_key, sys::PR_MESSAGE_RECIPIENTS, recipients.clone())
                .unwrap();
            rows.push((next_key, cells, recipients));
            t.row_added(next_key).unwrap();
            next_key += 1;
        } else if op == 1 {
            let i = rng.below(rows.len());
            let (k, _, _) = rows.remove(i);
            assert!(t.source_mut().remove(k));
            t.row_removed(k).unwrap();
        } else {
            let i = rng.below(rows.len());
            let k = rows[i].0;
            let cells = gen::row(rng, k);
            t.source_mut().insert(k, cells.clone()).unwrap();
            rows[i].1 = cells;
            if rng.chance(50) {
                let recipients = gen::recipients(rng);
                t.source_mut()
                    .set_sub_rows(k, sys::PR_MESSAGE_RECIPIENTS, recipients.clone())
                    .unwrap();
                rows[i].2 = recipients;
            }
            t.row_modified(k).unwrap();
        }
        want = naive::view(&rows, restriction.as_ref(), &sort);
        check_view(rng, &mut t, &rows, &want, &sort);
        // The bookmark: on its row if the row is still there, else on the row that
        // followed it (the rows that come before it in the new view are counted with its
        // old values; keys grow with the source's order, so they break ties).
        if let Some((bm, key, inst, values)) = mark {
            let at = want
                .iter()
                .position(|v| rows[v.row].0 == key && v.inst == inst);
            let (pos, hr) = match at {
                Some(q) => (q, sys::S_OK),
                None => {
                    let before = want
                        .iter()
                        .filter(|v| {
                            let vv = naive::sort_values(&sort, &rows[v.row].1, v);
                            naive::order(&sort, &vv, &values)
                                .then((rows[v.row].0, v.inst).cmp(&(key, inst)))
                                .is_lt()
                        })
                        .count();
                    (before, sys::MAPI_W_POSITION_CHANGED)
                }
            };
            assert_eq!(
                t.seek_row(bm, 0).unwrap(),
                (0, hr),
                "bookmark on {key}/{inst}"
            );
            assert_eq!(t.cursor(), pos, "bookmark on {key}/{inst}");
            stats.bookmarks_moved += usize::from(at.is_none());
            t.free_bookmark(bm).unwrap();
        }
    }
}
