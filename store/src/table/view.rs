//! [`Table`]: the view of a [`RowSource`] that `IMAPITable` shows: its columns,
//! restriction, sort, cursor and bookmarks, and how it follows the source's changes.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, BOOKMARK, HRESULT, ULONG};
use mapi_sync_runtime::{Error, Result};

use super::bookmark::{Bookmarks, Mark, Place};
use super::columns::{self, instance_key, not_found, parse_instance_key, Column, Row, Shown};
use super::compare::element;
use super::restriction::{ColumnTest, Counters, Lookup, Restriction, RestrictionKind};
use super::sort::{is_instance_tag, without_instance, SortCell, SortOrder};
use super::source::{Batch, RowKey, RowSource};

/// How many rows the engine asks the source about at once.
const CHUNK: usize = 512;

/// Whether the table follows the source's changes (`TBLTYPE_DYNAMIC`) or keeps the rows
/// it had when it was made, sorted or restricted (`TBLTYPE_SNAPSHOT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableType {
    /// `TBLTYPE_DYNAMIC`: [`Table::row_added`] and the others change the view.
    Dynamic,
    /// `TBLTYPE_SNAPSHOT`: they change nothing (`Restrict` and `SortTable` still read
    /// the source again, and `QueryRows` reads the rows' values when it returns them).
    Snapshot,
}

/// What a change did to the view, for the table notification it will become: the row's
/// instance key, its position, and the instance key of the row now before it (`None`:
/// it is first), as `TABLE_NOTIFICATION`'s `propIndex`, `propPrior` carry them.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange {
    /// `TABLE_ROW_ADDED`, `TABLE_ROW_DELETED` or `TABLE_ROW_MODIFIED`.
    pub kind: ChangeKind,
    /// The row's `PR_INSTANCE_KEY`.
    pub instance_key: Vec<u8>,
    /// The instance key of the row before it (after the change; for a deleted row,
    /// before it went), `None` when it is the first.
    pub prior_instance_key: Option<Vec<u8>>,
    /// Its position (for a deleted row, the one it had).
    pub position: usize,
}

/// What happened to a row of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It came into the view.
    Added,
    /// It left the view.
    Deleted,
    /// It is still there, changed (maybe moved).
    Modified,
}

/// A row of the source that is in the view: where its sort values are among the table's
/// cells (`cells[start..start + len]`): one per sort key (`Missing` for the instance key),
/// then for an instance sort the instance column's value of each instance (at least one:
/// how many rows of the view it is).
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
}

impl Entry {
    /// The entry of a row in a view without a sort.
    fn unsorted() -> Entry {
        Entry { start: 0, len: 0 }
    }
}

/// The cell a key without a value has.
static MISSING: SortCell = SortCell::Missing;

/// A row of the view: a source row's sequence number (its place in the source's order)
/// and the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Slot {
    seq: u64,
    inst: u32,
}

/// The table engine: `IMAPITable`'s semantics over a [`RowSource`]. See the crate's
/// documentation.
pub struct Table<S> {
    source: S,
    table_type: TableType,
    columns: Vec<ULONG>,
    restriction: Option<Restriction>,
    /// The restriction's `RES_COUNT` counters, kept for the rows that come later.
    counters: Option<Counters>,
    sort: SortOrder,
    /// Every source row seen, by its sequence number (the source's order; rows added
    /// later come after).
    seq_keys: Vec<RowKey>,
    /// Whether the row of each sequence number has gone (empty while none has).
    gone: Vec<bool>,
    /// The sequence number of each row of `seq_keys`, made when first needed.
    by_key: OnceLock<HashMap<RowKey, u64>>,
    /// The rows in the view, by sequence number.
    entries: Vec<Option<Entry>>,
    /// The entries' sort values, one run after another (made for all of them at once,
    /// then those of rows changed since).
    cells: Vec<SortCell>,
    /// How many of `cells` belong to no entry any more.
    garbage: usize,
    /// The view, in order.
    order: Vec<Slot>,
    /// The next row to read: `0..=order.len()`.
    cursor: usize,
    bookmarks: Bookmarks,
}

impl<S> std::fmt::Debug for Table<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("rows", &self.order.len())
            .field("cursor", &self.cursor)
            .field("columns", &self.columns)
            .field("sort", &self.sort)
            .field("restriction", &self.restriction)
            .finish()
    }
}

/// The column of `columns` with `tag`'s property identifier.
fn column_index(columns: &[ULONG], tag: ULONG) -> Option<usize> {
    columns.iter().position(|&c| prop_id(c) == prop_id(tag))
}

/// Row `row`'s value with `tag`'s identifier in a batch answered for `columns`, not a
/// `PT_ERROR`.
fn batch_find<'a>(
    batch: &Batch<'a>,
    columns: &[ULONG],
    row: usize,
    tag: ULONG,
) -> Option<PropValue<'a>> {
    batch
        .get(row, column_index(columns, tag)?)
        .filter(|v| !matches!(v, PropValue::Error(_)))
}

/// A source row as a restriction reads it: its values (row `row` of a batch answered for
/// `columns`), its instance key and (for a row of an instance column) the instance's
/// value.
struct SourceRow<'r, 'a, S> {
    batch: &'r Batch<'a>,
    columns: &'r [ULONG],
    row: usize,
    key: RowKey,
    ikey: [u8; 12],
    /// The instance column's identifier and this row's instance value (`None`: the row
    /// has no values there, and the instance row shows none).
    instance: Option<(ULONG, Option<PropValue<'a>>)>,
    source: &'r S,
}

impl<S: RowSource> Lookup for SourceRow<'_, '_, S> {
    fn get(&self, tag: ULONG) -> Option<PropValue<'_>> {
        if prop_id(tag) == prop_id(sys::PR_INSTANCE_KEY) {
            return Some(PropValue::Binary(&self.ikey));
        }
        if let Some((id, v)) = self.instance {
            if prop_id(tag) == id && is_instance_tag(tag) {
                return v;
            }
        }
        batch_find(self.batch, self.columns, self.row, tag)
    }

    fn sub_rows(
        &self,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool> {
        self.source.sub_rows(self.key, object, columns, answer)
    }
}

/// The source's tags for `tags` (an `MVI_FLAG` tag as its multi-valued one;
/// `PR_INSTANCE_KEY`, which the engine makes, left out), each once.
fn source_tags(tags: impl IntoIterator<Item = ULONG>) -> Vec<ULONG> {
    let mut out: Vec<ULONG> = Vec::new();
    for t in tags {
        let t = without_instance(t);
        if prop_id(t) != prop_id(sys::PR_INSTANCE_KEY)
            && !out.iter().any(|o| prop_id(*o) == prop_id(t))
        {
            out.push(t);
        }
    }
    out
}

/// Reads the first byte of each text or binary value of `batch`, in one loop, before the
/// values are used: a source's values lie where it keeps them, often scattered (and for
/// `QueryRows`, in the sort's order), and this loop lets the processor load them side by
/// side, where the loop that uses them does too much per value for their loads to
/// overlap.
fn warm(batch: &Batch<'_>) {
    let mut x = 0u8;
    for c in 0..batch.columns() {
        for v in batch.column(c).iter().flatten() {
            x ^= match v {
                PropValue::Str(s) => s.as_bytes().first().copied().unwrap_or(0),
                PropValue::String8(b) | PropValue::Binary(b) => b.first().copied().unwrap_or(0),
                PropValue::Unicode(w) => w.first().map_or(0, |&u| u as u8),
                _ => 0,
            };
        }
    }
    std::hint::black_box(x);
}

/// What the source answers for `columns` of `keys` (at most [`CHUNK`] of them), given to
/// `each`: a batch without values when no column is needed (the source is then not
/// asked) or when the source does not answer.
fn with_batch<S: RowSource, T>(
    source: &S,
    keys: &[RowKey],
    columns: &[ULONG],
    each: &mut dyn FnMut(&Batch<'_>) -> Result<T>,
) -> Result<T> {
    let mut out: Option<Result<T>> = None;
    if !columns.is_empty() {
        source.values_by_column(keys, columns, &mut |b| {
            if out.is_none() {
                out = Some(each(b));
            }
        })?;
    }
    match out {
        Some(r) => r,
        None => each(&Batch::new(keys.len(), columns.len())),
    }
}

/// Calls `each(base, batch)` for the rows of `keys` in chunks of [`CHUNK`], in order, the
/// batch holding what the source answers for `columns` of rows `base..`; stops when
/// `each` returns `true`.
fn for_each_batch<S: RowSource>(
    source: &S,
    keys: &[RowKey],
    columns: &[ULONG],
    each: &mut dyn FnMut(usize, &Batch<'_>) -> Result<bool>,
) -> Result<()> {
    for (c, chunk) in keys.chunks(CHUNK).enumerate() {
        if with_batch(source, chunk, columns, &mut |b| each(c * CHUNK, b))? {
            break;
        }
    }
    Ok(())
}

/// A row's values while it is handed on: inline up to 16 columns.
pub(crate) type RowVec<T> = smallvec::SmallVec<[T; 16]>;

/// What a column of the rows `QueryRows` hands out shows.
enum Show {
    InstanceKey,
    /// The instance column's value of the row's instance, from this column of the
    /// source's answer.
    Instance(Option<usize>),
    /// This column of the source's answer.
    Value(Option<usize>),
}

/// Hands instance `inst` of row `key` to `each`: its columns as `shows` says, `value(c)`
/// being the row's value in column `c` of the source's answer.
fn hand_row<'v>(
    shows: &[(ULONG, Show)],
    (key, inst): (RowKey, u32),
    value: impl Fn(&Option<usize>) -> Option<PropValue<'v>>,
    each: &mut dyn FnMut(&[Prop<'_>]) -> Result<()>,
) -> Result<()> {
    let instance = instance_key(key, inst);
    // Most rows show every value as the source gave it: handed on without a copy.
    let mut props: RowVec<Prop<'_>> = RowVec::new();
    for (tag, show) in shows {
        let value = match show {
            Show::InstanceKey => Some(PropValue::Binary(&instance[..])),
            Show::Value(c) => value(c),
            Show::Instance(_) => break,
        };
        match columns::given(*tag, value) {
            Some(p) => props.push(p),
            None => break,
        }
    }
    if props.len() == shows.len() {
        return each(&props);
    }
    drop(props);
    // Else with what is made for the row (converted text, PT_ERROR), on the stack for
    // the columns of any usual view: nothing allocated per row.
    let shown: RowVec<Shown<'_>> = shows
        .iter()
        .map(|(tag, show)| match show {
            Show::InstanceKey => columns::show(*tag, Some(PropValue::Binary(&instance))),
            // The instance's value under the column's tag (with MVI_FLAG), when it is of
            // the column's type.
            Show::Instance(c) => {
                Shown::Made(match value(c).and_then(|v| element(&v, inst as usize)) {
                    Some(v) if v.prop_type() == prop_type(*tag) & !sys::MVI_FLAG => Column {
                        tag: *tag,
                        value: v.into(),
                    },
                    _ => not_found(*tag),
                })
            }
            Show::Value(c) => columns::show(*tag, value(c)),
        })
        .collect();
    let mut props: RowVec<Prop<'_>> = RowVec::with_capacity(shown.len());
    for s in &shown {
        props.push(s.prop()?);
    }
    each(&props)
}

impl<S: RowSource> Table<S> {
    /// A table of every row of `source`, unsorted and unrestricted, showing `columns`.
    /// Only the rows' keys are read.
    pub fn new(source: S, columns: Vec<ULONG>, table_type: TableType) -> Result<Table<S>> {
        let mut t = Table {
            source,
            table_type,
            columns,
            restriction: None,
            counters: None,
            sort: SortOrder::none(),
            seq_keys: Vec::new(),
            gone: Vec::new(),
            by_key: OnceLock::new(),
            entries: Vec::new(),
            cells: Vec::new(),
            garbage: 0,
            order: Vec::new(),
            cursor: 0,
            bookmarks: Bookmarks::default(),
        };
        t.rebuild()?;
        Ok(t)
    }

    /// The source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The source, to change it; then tell the table what changed
    /// ([`row_added`](Table::row_added) and the others).
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    // ----- the order -----

    fn instance_index(&self) -> Option<usize> {
        self.sort.instance_key()
    }

    /// Row `seq`'s entry (it is in the view).
    fn entry(&self, seq: u64) -> &Entry {
        self.entries[seq as usize]
            .as_ref()
            .expect("a row of the view has an entry")
    }

    /// Row `seq`'s key (it is in the source).
    fn key_of(&self, seq: u64) -> RowKey {
        debug_assert!(!self.is_gone(seq), "a row of the view has a key");
        self.seq_keys[seq as usize]
    }

    fn is_gone(&self, seq: u64) -> bool {
        self.gone.get(seq as usize).copied().unwrap_or(false)
    }

    /// How many rows of the view entry `e` is.
    fn instances(&self, e: &Entry) -> u32 {
        match self.instance_index() {
            Some(_) => (e.len as usize).saturating_sub(self.sort.keys.len()).max(1) as u32,
            None => 1,
        }
    }

    /// The sequence number of every row seen.
    fn index(&self) -> &HashMap<RowKey, u64> {
        self.by_key.get_or_init(|| {
            self.seq_keys
                .iter()
                .enumerate()
                .filter(|&(s, _)| !self.is_gone(s as u64))
                .map(|(s, &k)| (k, s as u64))
                .collect()
        })
    }

    fn index_mut(&mut self) -> &mut HashMap<RowKey, u64> {
        self.index();
        self.by_key.get_mut().expect("made just now")
    }

    /// Instance `inst`'s cell of sort key `k`.
    fn cell(&self, e: &Entry, k: usize, inst: u32) -> &SortCell {
        let cells = &self.cells[e.start as usize..(e.start + e.len) as usize];
        if Some(k) == self.instance_index() {
            cells
                .get(self.sort.keys.len() + inst as usize)
                .unwrap_or(&MISSING)
        } else {
            &cells[k]
        }
    }

    /// How two rows of the view compare by the sort alone (ties: equal).
    fn cmp_cells(&self, a: &Slot, b: &Slot) -> Ordering {
        let (ea, eb) = (self.entry(a.seq), self.entry(b.seq));
        self.sort
            .compare_cells(|k| self.cell(ea, k, a.inst), |k| self.cell(eb, k, b.inst))
    }

    fn cmp_slots(&self, a: &Slot, b: &Slot) -> Ordering {
        if self.sort.keys.is_empty() {
            return (a.seq, a.inst).cmp(&(b.seq, b.inst));
        }
        self.cmp_cells(a, b)
            .then((a.seq, a.inst).cmp(&(b.seq, b.inst)))
    }

    fn cmp_place(&self, a: &Slot, p: &Place) -> Ordering {
        if self.sort.keys.is_empty() {
            return (a.seq, a.inst).cmp(&(p.seq, p.inst));
        }
        let ea = self.entry(a.seq);
        self.sort
            .compare_cells(
                |k| self.cell(ea, k, a.inst),
                |k| p.values.get(k).unwrap_or(&MISSING),
            )
            .then((a.seq, a.inst).cmp(&(p.seq, p.inst)))
    }

    fn place_of(&self, s: &Slot) -> Place {
        let e = self.entry(s.seq);
        Place {
            seq: s.seq,
            inst: s.inst,
            values: (0..self.sort.keys.len())
                .map(|k| self.cell(e, k, s.inst).clone())
                .collect(),
        }
    }

    fn alive(&self, s: &Slot) -> bool {
        self.entries
            .get(s.seq as usize)
            .and_then(Option::as_ref)
            .is_some_and(|e| s.inst < self.instances(e))
    }

    /// Where a row in the view is.
    fn position_of(&self, s: &Slot) -> usize {
        match self.order.binary_search_by(|o| self.cmp_slots(o, s)) {
            Ok(i) | Err(i) => i,
        }
    }

    /// Where a row with this place is, or would be.
    fn position_of_place(&self, p: &Place) -> usize {
        match self.order.binary_search_by(|o| self.cmp_place(o, p)) {
            Ok(i) | Err(i) => i,
        }
    }

    fn ikey_of(&self, s: &Slot) -> Vec<u8> {
        instance_key(self.key_of(s.seq), s.inst).to_vec()
    }

    // ----- building the view -----

    /// The columns a restriction and the sort read.
    fn eval_columns(&self) -> Vec<ULONG> {
        let mut tags = self.sort.tags();
        if let Some(r) = &self.restriction {
            tags.extend(r.tags());
        }
        source_tags(tags)
    }

    /// Whether source row `key` (row `row` of a batch answered for `columns`) passes the
    /// restriction (with `counters`), and its entry.
    fn evaluate(
        &self,
        key: RowKey,
        batch: &Batch<'_>,
        columns: &[ULONG],
        row: usize,
        counters: &mut Option<Counters>,
        pool: &mut Vec<SortCell>,
    ) -> Result<Option<Entry>> {
        if let (Some(r), Some(c)) = (&self.restriction, counters.as_mut()) {
            let row = SourceRow {
                batch,
                columns,
                row,
                key,
                ikey: instance_key(key, 0),
                instance: None,
                source: &self.source,
            };
            if !r.matches(&row, c)? {
                return Ok(None);
            }
        }
        Ok(Some(self.entry_of(pool, |tag| {
            batch_find(batch, columns, row, tag)
        })))
    }

    /// The entry of a row in the view, its sort cells and instances pushed onto `pool`,
    /// from its values (`get`: the value with a tag's identifier, not a `PT_ERROR`).
    fn entry_of<'a>(
        &self,
        pool: &mut Vec<SortCell>,
        get: impl Fn(ULONG) -> Option<PropValue<'a>>,
    ) -> Entry {
        let start = pool.len();
        let keys = &self.sort.keys;
        pool.extend(keys.iter().map(|k| match k.is_instance() {
            true => SortCell::Missing,
            false => SortCell::of(get(k.tag).as_ref()),
        }));
        if let Some(k) = self.instance_index() {
            let v = get(keys[k].tag);
            let n = v.as_ref().and_then(super::compare::element_count);
            let instances = n.map_or(1, |n| n.max(1));
            pool.extend(
                (0..instances)
                    .map(|i| SortCell::of(v.as_ref().and_then(|v| element(v, i)).as_ref())),
            );
        }
        // Four billion cells would be more memory than a machine has.
        let index = |n: usize| u32::try_from(n).expect("fewer than 2^32 sort values");
        Entry {
            start: index(start),
            len: index(pool.len() - start),
        }
    }

    /// The entries of rows `keys` (in the view, in sequence order), their sort columns
    /// read and their cells pushed onto `pool`; with no sort, nothing is read.
    fn entries_of(
        &self,
        keys: &[RowKey],
        pool: &mut Vec<SortCell>,
        made: &mut Vec<Entry>,
    ) -> Result<()> {
        let columns = source_tags(self.sort.tags());
        for_each_batch(&self.source, keys, &columns, &mut |_, batch| {
            warm(batch);
            made.extend(
                (0..batch.rows())
                    .map(|i| self.entry_of(pool, |tag| batch_find(batch, &columns, i, tag))),
            );
            Ok(false)
        })
    }

    /// The sequence number of each of `keys` (the source's keys, in its order): a row
    /// seen before keeps its own, a new one gets the next; rows no longer listed are
    /// forgotten. `None` when the keys are the rows seen, in order (row `i` has sequence
    /// number `i`: a table opened, or the source unchanged); else the keys and their
    /// numbers.
    fn assign_seqs(&mut self, keys: Vec<RowKey>) -> Option<(Vec<RowKey>, Vec<u64>)> {
        if self.seq_keys.is_empty() {
            self.seq_keys = keys;
            self.gone = Vec::new();
            self.by_key = OnceLock::new();
            return None;
        }
        if self.gone.is_empty() && self.seq_keys == keys {
            return None;
        }
        let mut next = self.seq_keys.len() as u64;
        let seqs: Vec<u64> = {
            let index = self.index();
            keys.iter()
                .map(|k| {
                    index.get(k).copied().unwrap_or_else(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        let mut seq_keys = vec![0; next as usize];
        let mut gone = vec![true; next as usize];
        for (&k, &s) in keys.iter().zip(&seqs) {
            seq_keys[s as usize] = k;
            gone[s as usize] = false;
        }
        self.seq_keys = seq_keys;
        self.gone = if gone.contains(&true) {
            gone
        } else {
            Vec::new()
        };
        self.by_key = OnceLock::new();
        Some((keys, seqs))
    }

    /// Each row of `keys` (row `i` with sequence number `seqs[i]`, or `i` without
    /// `seqs`) that passes the restriction, its entry by sequence number in `entries`
    /// (emptied first); the restriction's counters as they end.
    fn evaluate_all(
        &self,
        keys: &[RowKey],
        seqs: Option<&[u64]>,
        entries: &mut Vec<Option<Entry>>,
        pool: &mut Vec<SortCell>,
        rows: &mut Option<Vec<u64>>,
    ) -> Result<Option<Counters>> {
        let mut counters = self.restriction.as_ref().map(Restriction::counters);
        entries.clear();
        entries.resize_with(self.seq_keys.len(), || None);
        let seq = |i: usize| seqs.map_or(i, |s| s[i] as usize);
        if self.restriction.is_none() && self.sort.keys.is_empty() {
            // Every row, as it is: nothing to read.
            for i in 0..keys.len() {
                entries[seq(i)] = Some(Entry::unsorted());
            }
            return Ok(counters);
        }
        if let Some(tests) = self
            .restriction
            .as_ref()
            .and_then(Restriction::column_tests)
        {
            let mut seqs = Vec::new();
            self.evaluate_by_column(keys, &seq, &tests, entries, pool, &mut seqs)?;
            *rows = Some(seqs);
            return Ok(counters);
        }
        let columns = self.eval_columns();
        let mut seqs = Vec::new();
        for_each_batch(&self.source, keys, &columns, &mut |base, batch| {
            for (i, &key) in keys[base..].iter().take(batch.rows()).enumerate() {
                if let Some(e) = self.evaluate(key, batch, &columns, i, &mut counters, pool)? {
                    entries[seq(base + i)] = Some(e);
                    seqs.push(seq(base + i) as u64);
                }
            }
            Ok(false)
        })?;
        *rows = Some(seqs);
        Ok(counters)
    }

    /// [`evaluate_all`](Table::evaluate_all) for a restriction of
    /// [`Restriction::column_tests`]: chunk by chunk, a column at a time, each read for
    /// the rows the tests of the columns before left; then the sort's columns of the
    /// rows that passed.
    fn evaluate_by_column(
        &self,
        keys: &[RowKey],
        seq: &dyn Fn(usize) -> usize,
        tests: &[&Restriction],
        entries: &mut [Option<Entry>],
        pool: &mut Vec<SortCell>,
        rows: &mut Vec<u64>,
    ) -> Result<()> {
        // The tests by column.
        let mut by_column: Vec<(ULONG, Vec<ColumnTest<'_>>)> = Vec::new();
        for &t in tests {
            let Some(tag) = t.test_tag() else { continue };
            match by_column
                .iter_mut()
                .find(|(c, _)| prop_id(*c) == prop_id(tag))
            {
                Some((_, ts)) => ts.push(t.column_test()),
                None => by_column.push((without_instance(tag), vec![t.column_test()])),
            }
        }
        // Columns tested only by relations with numbers first (a number is cheaper to
        // read and test than text is to search), the others in the restriction's order.
        by_column.sort_by_key(|(_, tests)| !tests.iter().all(ColumnTest::is_numeric));
        let mut alive: Vec<usize> = Vec::with_capacity(CHUNK);
        let mut pass: Vec<bool> = Vec::with_capacity(CHUNK);
        let mut asked: Vec<RowKey> = Vec::with_capacity(CHUNK);
        let mut made: Vec<Entry> = Vec::new();
        for (c, chunk) in keys.chunks(CHUNK).enumerate() {
            let base = c * CHUNK;
            alive.clear();
            alive.extend(0..chunk.len());
            for (tag, tests) in &by_column {
                if alive.is_empty() {
                    break;
                }
                asked.clear();
                asked.extend(alive.iter().map(|&i| chunk[i]));
                let is_ikey = prop_id(*tag) == prop_id(sys::PR_INSTANCE_KEY);
                let one = [*tag];
                let columns: &[ULONG] = if is_ikey { &[] } else { &one };
                with_batch(&self.source, &asked, columns, &mut |batch| {
                    pass.clear();
                    pass.resize(asked.len(), true);
                    if is_ikey {
                        for (p, &key) in pass.iter_mut().zip(&asked) {
                            let ikey = instance_key(key, 0);
                            let v = Some(PropValue::Binary(&ikey));
                            *p = tests.iter().all(|t| t.test(v));
                        }
                    } else {
                        for t in tests {
                            t.test_all(batch.column(0), &mut pass);
                        }
                    }
                    let mut j = 0;
                    alive.retain(|_| {
                        j += 1;
                        pass[j - 1]
                    });
                    Ok(())
                })?;
            }
            if alive.is_empty() {
                continue;
            }
            asked.clear();
            asked.extend(alive.iter().map(|&i| chunk[i]));
            made.clear();
            if self.sort.keys.is_empty() {
                made.extend(alive.iter().map(|_| Entry::unsorted()));
            } else {
                self.entries_of(&asked, pool, &mut made)?;
            }
            for (&i, e) in alive.iter().zip(made.drain(..)) {
                entries[seq(base + i)] = Some(e);
                rows.push(seq(base + i) as u64);
            }
        }
        Ok(())
    }

    /// Reads the source again and makes the view: the restriction, then the sort. The
    /// cursor goes to the beginning and the bookmarks are discarded.
    fn rebuild(&mut self) -> Result<()> {
        let mut keys = Vec::new();
        self.source.keys(&mut keys)?;
        let listed = self.assign_seqs(keys);
        // The entries' room is used again (new room would be new memory to fault in).
        let mut entries = std::mem::take(&mut self.entries);
        let mut pool = Vec::new();
        // The rows in the view, when the evaluation lists them.
        let mut rows = None;
        let counters = match &listed {
            Some((keys, seqs)) => {
                self.evaluate_all(keys, Some(seqs), &mut entries, &mut pool, &mut rows)
            }
            None => self.evaluate_all(&self.seq_keys, None, &mut entries, &mut pool, &mut rows),
        };
        let result = match counters {
            Ok(counters) => {
                self.counters = counters;
                Ok(())
            }
            Err(e) => {
                // An empty view, consistent, until a rebuild succeeds.
                entries.clear();
                entries.resize_with(self.seq_keys.len(), || None);
                pool.clear();
                self.counters = self.restriction.as_ref().map(Restriction::counters);
                rows = Some(Vec::new());
                Err(e)
            }
        };
        self.entries = entries;
        self.cells = pool;
        self.garbage = 0;
        if let Some(rows) = &mut rows {
            if !rows.windows(2).all(|w| w[0] < w[1]) {
                rows.sort_unstable();
            }
        }
        self.make_order(rows.as_deref());
        result
    }

    /// The view's order from the entries (`rows`: the sequence numbers of those in the
    /// view, in order, when known); the cursor to the beginning, the bookmarks discarded.
    fn make_order(&mut self, rows: Option<&[u64]>) {
        // In sequence order, so that a stable sort keeps the source's order for ties.
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        if let Some(rows) = rows {
            for &seq in rows {
                let n = self.instances(self.entry(seq));
                order.extend((0..n).map(|inst| Slot { seq, inst }));
            }
        } else if self.instance_index().is_some() {
            order.extend(
                self.entries
                    .iter()
                    .enumerate()
                    .filter_map(|(seq, e)| Some((seq as u64, self.instances(e.as_ref()?))))
                    .flat_map(|(seq, n)| (0..n).map(move |inst| Slot { seq, inst })),
            );
        } else {
            order.extend(
                self.entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.is_some())
                    .map(|(seq, _)| Slot {
                        seq: seq as u64,
                        inst: 0,
                    }),
            );
        }
        if !self.sort.keys.is_empty() {
            order = self.sorted(order);
        }
        self.order = order;
        self.cursor = 0;
        // `Restrict` and `SortTable` discard every bookmark (their pages say so).
        for m in self.bookmarks.iter_mut() {
            *m = Mark::Invalid;
        }
    }

    /// `slots` (in sequence order) in the sort's order, stably (ties keep their order).
    /// Each is sorted first by its first key's prefix, as three numbers with its place in
    /// `slots` (most prefixes differ, and these comparisons are cheap); only runs of equal
    /// prefixes are then sorted by their cells, stably.
    fn sorted(&self, slots: Vec<Slot>) -> Vec<Slot> {
        let descending = self.sort.keys[0].order == sys::TABLE_SORT_DESCEND;
        let mut keyed: Vec<(u64, u64, usize)> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let p = self.cell(self.entry(s.seq), 0, s.inst).prefix();
                let p = if descending { !p } else { p };
                ((p >> 64) as u64, p as u64, i)
            })
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<Slot> = keyed.iter().map(|k| slots[k.2]).collect();
        let mut start = 0;
        while start < keyed.len() {
            let prefix = (keyed[start].0, keyed[start].1);
            let end = start
                + keyed[start..]
                    .iter()
                    .take_while(|k| (k.0, k.1) == prefix)
                    .count();
            if end - start > 1 {
                order[start..end].sort_by(|a, b| self.cmp_cells(a, b));
            }
            start = end;
        }
        order
    }

    /// Whether `SortTable` can keep the view's rows and read only their sort columns: a
    /// dynamic table's rows follow the changes it is told of, so the restriction's answer
    /// stands, unless it counts (`RES_COUNT` counts on from where it was, where a new
    /// pass would count afresh).
    fn keeps_rows_on_sort(&self) -> bool {
        self.table_type == TableType::Dynamic
            && !self.restriction.as_ref().is_some_and(|r| r.has_count())
    }

    /// The view's rows sorted again: their sort columns read (in sequence order), their
    /// entries made anew, the order made.
    fn resort(&mut self) -> Result<()> {
        // The view's rows (each has its first instance in the order), in sequence order.
        let mut seqs: Vec<u64> = self
            .order
            .iter()
            .filter(|s| s.inst == 0)
            .map(|s| s.seq)
            .collect();
        if !seqs.windows(2).all(|w| w[0] < w[1]) {
            seqs.sort_unstable();
        }
        let keys: Vec<RowKey> = seqs.iter().map(|&s| self.key_of(s)).collect();
        let mut made: Vec<Entry> = Vec::with_capacity(seqs.len());
        let mut pool = Vec::with_capacity(seqs.len() * self.sort.keys.len());
        self.entries_of(&keys, &mut pool, &mut made)?;
        for (&s, e) in seqs.iter().zip(made) {
            self.entries[s as usize] = Some(e);
        }
        self.cells = pool;
        self.garbage = 0;
        self.make_order(Some(&seqs));
        Ok(())
    }

    // ----- IMAPITable -----

    /// `SetColumns`: the columns rows show from now on. `MAPI_E_INVALID_PARAMETER` for
    /// none.
    pub fn set_columns(&mut self, columns: &[ULONG]) -> Result<()> {
        if columns.is_empty() {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "no columns",
            ));
        }
        self.columns = columns.to_vec();
        Ok(())
    }

    /// `QueryColumns`: the current columns, or with `TBL_ALL_COLUMNS` every column the
    /// source lists (the current ones if it lists none) and `PR_INSTANCE_KEY`.
    pub fn query_columns(&self, flags: ULONG) -> Result<Vec<ULONG>> {
        if flags & !sys::TBL_ALL_COLUMNS != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        if flags & sys::TBL_ALL_COLUMNS == 0 {
            return Ok(self.columns.clone());
        }
        let mut all = self
            .source
            .all_columns()
            .unwrap_or_else(|| self.columns.clone());
        if !all.contains(&sys::PR_INSTANCE_KEY) {
            all.push(sys::PR_INSTANCE_KEY);
        }
        Ok(all)
    }

    /// `GetRowCount`.
    pub fn row_count(&self) -> ULONG {
        self.order.len() as ULONG
    }

    /// `GetStatus`: `TBLSTAT_COMPLETE` (the engine does everything before it answers)
    /// and `TBLTYPE_DYNAMIC` or `TBLTYPE_SNAPSHOT`.
    pub fn status(&self) -> (ULONG, ULONG) {
        let ty = match self.table_type {
            TableType::Dynamic => sys::TBLTYPE_DYNAMIC,
            TableType::Snapshot => sys::TBLTYPE_SNAPSHOT,
        };
        (sys::TBLSTAT_COMPLETE, ty)
    }

    /// `QuerySortOrder`.
    pub fn sort_order(&self) -> &SortOrder {
        &self.sort
    }

    /// The restriction set with [`restrict`](Table::restrict).
    pub fn restriction(&self) -> Option<&Restriction> {
        self.restriction.as_ref()
    }

    /// `Restrict`: only the rows `restriction` matches (all of them for `None`); the
    /// cursor goes to the beginning and every bookmark is discarded. `MAPI_E_TOO_COMPLEX` (and the view unchanged) for
    /// what the engine does not evaluate.
    pub fn restrict(&mut self, restriction: Option<Restriction>) -> Result<()> {
        if let Some(r) = &restriction {
            r.check()?;
        }
        let old = std::mem::replace(&mut self.restriction, restriction);
        if let Err(e) = self.rebuild() {
            self.restriction = old;
            self.rebuild()?;
            return Err(e);
        }
        Ok(())
    }

    /// `SortTable`; the cursor goes to the beginning and every bookmark is discarded. `MAPI_E_TOO_COMPLEX` for
    /// categories (see [`SortOrder::check`]).
    pub fn sort_table(&mut self, sort: SortOrder) -> Result<()> {
        sort.check()?;
        let old = std::mem::replace(&mut self.sort, sort);
        let keep = self.keeps_rows_on_sort();
        let done = if keep { self.resort() } else { self.rebuild() };
        if let Err(e) = done {
            self.sort = old;
            if keep {
                self.resort()?;
            } else {
                self.rebuild()?;
            }
            return Err(e);
        }
        Ok(())
    }

    /// Where `origin` is, and whether a bookmark's row went away (the bookmark then
    /// moves to the row that followed it).
    fn resolve(&mut self, origin: BOOKMARK) -> Result<(usize, bool)> {
        match origin {
            sys::BOOKMARK_BEGINNING => return Ok((0, false)),
            sys::BOOKMARK_CURRENT => return Ok((self.cursor, false)),
            sys::BOOKMARK_END => return Ok((self.order.len(), false)),
            _ => {}
        }
        let (pos, changed) = match self.bookmarks.get(origin)? {
            Mark::End => (self.order.len(), false),
            Mark::Invalid => return Err(Error::new(sys::MAPI_E_INVALID_BOOKMARK)),
            Mark::Row(p) => {
                let s = Slot {
                    seq: p.seq,
                    inst: p.inst,
                };
                if self.alive(&s) {
                    (self.position_of(&s), false)
                } else {
                    (self.position_of_place(p), true)
                }
            }
        };
        if changed {
            let mark = self.mark_at(pos);
            self.bookmarks.set(origin, mark);
        }
        Ok((pos, changed))
    }

    fn mark_at(&self, pos: usize) -> Mark {
        match self.order.get(pos) {
            Some(s) => Mark::Row(self.place_of(s)),
            None => Mark::End,
        }
    }

    /// `SeekRow`: moves the cursor `count` rows from `origin`, stopping at the beginning
    /// or the end; how many rows it moved (negative backward), and
    /// `MAPI_W_POSITION_CHANGED` or `S_OK`. `MAPI_E_INVALID_BOOKMARK` for an unknown
    /// bookmark.
    pub fn seek_row(&mut self, origin: BOOKMARK, count: i32) -> Result<(i32, HRESULT)> {
        let (start, changed) = self.resolve(origin)?;
        let target = (start as i64 + i64::from(count)).clamp(0, self.order.len() as i64);
        self.cursor = target as usize;
        Ok((
            (target - start as i64) as i32,
            if changed {
                sys::MAPI_W_POSITION_CHANGED
            } else {
                sys::S_OK
            },
        ))
    }

    /// `SeekRowApprox`: the cursor to `numerator / denominator` of the table (the end
    /// when the fraction is 1 or more). `MAPI_E_INVALID_PARAMETER` for a denominator of 0.
    pub fn seek_row_approx(&mut self, numerator: ULONG, denominator: ULONG) -> Result<()> {
        if denominator == 0 {
            return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
        }
        let len = self.order.len() as u64;
        self.cursor = if numerator >= denominator {
            len
        } else {
            u64::from(numerator) * len / u64::from(denominator)
        } as usize;
        Ok(())
    }

    /// `QueryPosition`: the current row (the next one to read; the row count at the end)
    /// and the fraction row / row count (denominator at least 1).
    pub fn query_position(&self) -> (ULONG, ULONG, ULONG) {
        let row = self.cursor as ULONG;
        (row, row, (self.order.len() as ULONG).max(1))
    }

    /// `QueryRows`: up to `count` rows from the cursor; with a negative `count`, up to
    /// `-count` rows before it (returned in the table's order). The cursor ends after the
    /// last row read going forward, on the first row read going backward, and does not
    /// move with `TBL_NOADVANCE`. At the end (going forward) or the beginning (going
    /// backward): no rows. `MAPI_E_INVALID_PARAMETER` for a count of 0.
    pub fn query_rows(&mut self, count: i32, flags: ULONG) -> Result<Vec<Row>> {
        let (start, end) = self.query_range(count, flags)?;
        let mut rows: Vec<Row> = Vec::with_capacity(end - start);
        self.each_row(start, end, &mut |props| {
            let row = props.iter().map(|p| Column {
                tag: p.tag(),
                value: columns::owned(p.value()),
            });
            rows.push(row.collect());
            Ok(())
        })?;
        self.queried(count, flags, (start, end));
        Ok(rows)
    }

    /// The view's positions `QueryRows(count, flags)` reads, `start..end`, its arguments
    /// checked; [`each_row`](Self::each_row) then reads them and
    /// [`queried`](Self::queried) moves the cursor.
    pub fn query_range(&self, count: i32, flags: ULONG) -> Result<(usize, usize)> {
        if count == 0 {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a row count of 0",
            ));
        }
        if flags & !sys::TBL_NOADVANCE != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        let n = count.unsigned_abs() as usize;
        Ok(if count > 0 {
            (
                self.cursor,
                self.cursor.saturating_add(n).min(self.order.len()),
            )
        } else {
            (self.cursor.saturating_sub(n), self.cursor)
        })
    }

    /// The cursor after `QueryRows(count, flags)` read `start..end`.
    pub fn queried(&mut self, count: i32, flags: ULONG, (start, end): (usize, usize)) {
        if flags & sys::TBL_NOADVANCE == 0 {
            self.cursor = if count > 0 { end } else { start };
        }
    }

    /// The view's rows `start..end` with the current columns, each handed to `each` as
    /// its properties in column order, borrowing what the source gave (a value is copied
    /// only when it must be converted for its column, see [`columns::show`]).
    pub fn each_row(
        &self,
        start: usize,
        end: usize,
        each: &mut dyn FnMut(&[Prop<'_>]) -> Result<()>,
    ) -> Result<()> {
        let slots = &self.order[start..end];
        let keys: Vec<RowKey> = slots.iter().map(|s| self.key_of(s.seq)).collect();
        let wanted = source_tags(self.columns.iter().copied());
        let instance_tag = self.instance_index().map(|k| self.sort.keys[k].tag);
        let shows: Vec<(ULONG, Show)> = self
            .columns
            .iter()
            .map(|&tag| {
                let show = if prop_id(tag) == prop_id(sys::PR_INSTANCE_KEY) {
                    Show::InstanceKey
                } else if instance_tag == Some(tag) {
                    Show::Instance(column_index(&wanted, tag))
                } else {
                    Show::Value(column_index(&wanted, tag))
                };
                (tag, show)
            })
            .collect();
        let direct = !self.source.borrows_by_column()
            && !shows.iter().any(|(_, s)| matches!(s, Show::Instance(_)));
        if direct {
            // Each row as the source hands it over: its values written while it holds
            // them (a row it does not answer shows every column as not found).
            let mut written = 0;
            let mut failed: Option<Error> = None;
            let mut row = |i: usize, props: &[Prop<'_>]| -> Result<()> {
                let find = |c: &Option<usize>| {
                    let tag = wanted[(*c)?];
                    props
                        .iter()
                        .find(|p| prop_id(p.tag()) == prop_id(tag))
                        .map(|p| p.value())
                };
                hand_row(&shows, (keys[i], slots[i].inst), find, each)
            };
            if !wanted.is_empty() {
                self.source.values(&keys, &wanted, &mut |i, props| {
                    // As the engine reads `values`: an answer out of order is ignored.
                    if failed.is_some() || i < written || i >= keys.len() {
                        return;
                    }
                    let r = (written..i)
                        .try_for_each(|gone| row(gone, &[]))
                        .and_then(|()| row(i, props));
                    written = i + 1;
                    failed = r.err();
                })?;
            }
            if let Some(e) = failed {
                return Err(e);
            }
            return (written..keys.len()).try_for_each(|i| row(i, &[]));
        }
        for_each_batch(&self.source, &keys, &wanted, &mut |base, batch| {
            warm(batch);
            for i in base..(base + batch.rows()).min(keys.len()) {
                let value = |c: &Option<usize>| c.and_then(|c| batch.get(i - base, c));
                hand_row(&shows, (keys[i], slots[i].inst), value, each)?;
            }
            Ok(false)
        })
    }

    /// `CreateBookmark`: a bookmark on the cursor's row (past the end at the end).
    pub fn create_bookmark(&mut self) -> Result<BOOKMARK> {
        let mark = self.mark_at(self.cursor);
        self.bookmarks.create(mark)
    }

    /// `FreeBookmark`: `MAPI_E_INVALID_BOOKMARK` for an unknown bookmark.
    pub fn free_bookmark(&mut self, bookmark: BOOKMARK) -> Result<()> {
        self.bookmarks.free(bookmark)
    }

    /// `FindRow`: the first row `restriction` matches, searching forward from `origin`'s
    /// row (included), or with `DIR_BACKWARD` backward from the row before it; the cursor
    /// moves there. `MAPI_E_NOT_FOUND` (the cursor does not move) when none does; `S_OK`
    /// or `MAPI_W_POSITION_CHANGED` (the bookmark's row went away) otherwise. A
    /// `RELOP_EQ` property restriction on `PR_INSTANCE_KEY` is found through the
    /// index, not by reading rows.
    pub fn find_row(
        &mut self,
        restriction: &Restriction,
        origin: BOOKMARK,
        flags: ULONG,
    ) -> Result<HRESULT> {
        if flags & !sys::DIR_BACKWARD != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        restriction.check()?;
        let backward = flags & sys::DIR_BACKWARD != 0;
        let (start, changed) = self.resolve(origin)?;
        let ahead = |p: &usize| if backward { *p < start } else { *p >= start };
        let found = match self.instance_key_candidate(restriction) {
            // The whole restriction is the instance key: the index answers.
            Some((pos, true)) => pos.filter(ahead),
            // The instance key narrows it to one row: only that row is read.
            Some((pos, false)) => match pos.filter(ahead) {
                Some(p) => self.scan_positions(restriction, &[p])?,
                None => None,
            },
            None => {
                let positions: Vec<usize> = if backward {
                    (0..start.min(self.order.len())).rev().collect()
                } else {
                    (start..self.order.len()).collect()
                };
                self.scan_positions(restriction, &positions)?
            }
        };
        match found {
            Some(p) => {
                self.cursor = p;
                Ok(if changed {
                    sys::MAPI_W_POSITION_CHANGED
                } else {
                    sys::S_OK
                })
            }
            None => Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    /// For a `RELOP_EQ` restriction on `PR_INSTANCE_KEY`, `Some((where the row is,
    /// true))`; for an AND with one among its restrictions (and no `RES_COUNT`, whose
    /// counting depends on the rows before), `Some((where that row is, false))`: only that
    /// row can match. `None` otherwise.
    fn instance_key_candidate(&self, r: &Restriction) -> Option<(Option<usize>, bool)> {
        match r.kind() {
            RestrictionKind::Property { relop, tag, value }
                if *relop == sys::RELOP_EQ && *tag == sys::PR_INSTANCE_KEY =>
            {
                let pos = match value {
                    OwnedValue::Binary(bytes) => self.position_of_instance_key(bytes),
                    _ => None,
                };
                Some((pos, true))
            }
            RestrictionKind::And(all) if !r.has_count() => all
                .iter()
                .find_map(|c| self.instance_key_candidate(c))
                .map(|(pos, exact)| (pos, exact && all.len() == 1)),
            _ => None,
        }
    }

    /// Where the row with this `PR_INSTANCE_KEY` is, without reading any row.
    pub fn position_of_instance_key(&self, key: &[u8]) -> Option<usize> {
        let (key, inst) = parse_instance_key(key)?;
        let seq = *self.index().get(&key)?;
        let s = Slot { seq, inst };
        self.alive(&s).then(|| self.position_of(&s))
    }

    /// The first of `positions` whose row matches, reading the restriction's columns.
    fn scan_positions(&self, r: &Restriction, positions: &[usize]) -> Result<Option<usize>> {
        let keys: Vec<RowKey> = positions
            .iter()
            .map(|&p| self.key_of(self.order[p].seq))
            .collect();
        let columns = source_tags(r.tags());
        let instance_id = self
            .instance_index()
            .map(|k| prop_id(self.sort.keys[k].tag));
        let mut counters = r.counters();
        let mut found = None;
        for_each_batch(&self.source, &keys, &columns, &mut |base, batch| {
            for (j, &key) in keys[base..].iter().take(batch.rows()).enumerate() {
                let i = base + j;
                let slot = self.order[positions[i]];
                let instance = instance_id.map(|id| {
                    let v = batch_find(batch, &columns, j, prop_tag_of_id(id));
                    (id, v.and_then(|v| element(&v, slot.inst as usize)))
                });
                let row = SourceRow {
                    batch,
                    columns: &columns,
                    row: j,
                    key,
                    ikey: instance_key(key, slot.inst),
                    instance,
                    source: &self.source,
                };
                if r.matches(&row, &mut counters)? {
                    found = Some(positions[i]);
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        Ok(found)
    }

    // ----- changes -----

    /// Row `key` was added to the source: it comes into the view where the restriction
    /// and the sort put it (a row the table already has is taken as modified).
    pub fn row_added(&mut self, key: RowKey) -> Result<Vec<TableChange>> {
        if self.table_type == TableType::Snapshot {
            return Ok(Vec::new());
        }
        if self.index().contains_key(&key) {
            return self.row_modified(key);
        }
        let seq = self.seq_keys.len() as u64;
        self.seq_keys.push(key);
        if !self.gone.is_empty() {
            self.gone.push(false);
        }
        self.index_mut().insert(key, seq);
        let mut changes = Vec::new();
        self.insert_row(key, seq, &mut changes)?;
        Ok(changes)
    }

    /// Row `key` was removed from the source: it leaves the view; bookmarks on it lead
    /// to the row that followed it (`MAPI_W_POSITION_CHANGED`).
    pub fn row_removed(&mut self, key: RowKey) -> Result<Vec<TableChange>> {
        if self.table_type == TableType::Snapshot {
            return Ok(Vec::new());
        }
        let Some(seq) = self.index_mut().remove(&key) else {
            return Ok(Vec::new());
        };
        let mut changes = Vec::new();
        self.remove_row(seq, &mut changes);
        if self.gone.is_empty() {
            self.gone = vec![false; self.seq_keys.len()];
        }
        self.gone[seq as usize] = true;
        Ok(changes)
    }

    /// Row `key` changed in the source: it is evaluated again, and moves, leaves or
    /// comes into the view.
    pub fn row_modified(&mut self, key: RowKey) -> Result<Vec<TableChange>> {
        if self.table_type == TableType::Snapshot {
            return Ok(Vec::new());
        }
        let Some(&seq) = self.index().get(&key) else {
            return self.row_added(key);
        };
        let mut removed = Vec::new();
        self.remove_row(seq, &mut removed);
        let mut added = Vec::new();
        self.insert_row(key, seq, &mut added)?;
        // An instance that was there and still is: modified; the others left or came.
        let before: Vec<Vec<u8>> = removed.iter().map(|d| d.instance_key.clone()).collect();
        let mut changes: Vec<TableChange> = removed
            .into_iter()
            .filter(|d| !added.iter().any(|a| a.instance_key == d.instance_key))
            .collect();
        for mut a in added {
            if before.contains(&a.instance_key) {
                a.kind = ChangeKind::Modified;
            }
            changes.push(a);
        }
        Ok(changes)
    }

    fn remove_row(&mut self, seq: u64, changes: &mut Vec<TableChange>) {
        let Some(instances) = self
            .entries
            .get(seq as usize)
            .and_then(|e| e.as_ref().map(|e| self.instances(e)))
        else {
            return;
        };
        for inst in (0..instances).rev() {
            let s = Slot { seq, inst };
            let pos = self.position_of(&s);
            if self.order.get(pos) != Some(&s) {
                continue;
            }
            let ikey = self.ikey_of(&s);
            self.order.remove(pos);
            if pos < self.cursor {
                self.cursor -= 1;
            }
            changes.push(TableChange {
                kind: ChangeKind::Deleted,
                prior_instance_key: pos.checked_sub(1).map(|p| self.ikey_of(&self.order[p])),
                instance_key: ikey,
                position: pos,
            });
        }
        if let Some(e) = self.entries[seq as usize].take() {
            self.garbage += e.len as usize;
        }
    }

    fn insert_row(&mut self, key: RowKey, seq: u64, changes: &mut Vec<TableChange>) -> Result<()> {
        let columns = self.eval_columns();
        let mut counters = self.counters.take();
        let mut entry = None;
        let mut pool = std::mem::take(&mut self.cells);
        let result = {
            let this = &*self;
            with_batch(&self.source, &[key], &columns, &mut |batch| {
                entry = this.evaluate(key, batch, &columns, 0, &mut counters, &mut pool)?;
                Ok(())
            })
        };
        self.cells = pool;
        self.counters = counters;
        result?;
        let Some(entry) = entry else {
            return Ok(());
        };
        let instances = self.instances(&entry);
        if self.entries.len() <= seq as usize {
            self.entries.resize_with(seq as usize + 1, || None);
        }
        self.entries[seq as usize] = Some(entry);
        for inst in 0..instances {
            let s = Slot { seq, inst };
            let pos = self.position_of(&s);
            self.order.insert(pos, s);
            if pos < self.cursor {
                self.cursor += 1;
            }
            changes.push(TableChange {
                kind: ChangeKind::Added,
                instance_key: self.ikey_of(&s),
                prior_instance_key: pos.checked_sub(1).map(|p| self.ikey_of(&self.order[p])),
                position: pos,
            });
        }
        // Bookmarks on the row follow it to its new place.
        let places: Vec<(u32, Place)> = (0..instances)
            .map(|inst| (inst, self.place_of(&Slot { seq, inst })))
            .collect();
        for m in self.bookmarks.iter_mut() {
            if let Mark::Row(p) = m {
                if let Some((_, place)) = places.iter().find(|(i, _)| p.seq == seq && *i == p.inst)
                {
                    *p = place.clone();
                }
            }
        }
        self.compact();
        Ok(())
    }

    /// Makes `cells` hold only the entries' cells again once most of them are garbage.
    fn compact(&mut self) {
        if self.garbage < 32 || self.garbage < self.cells.len() / 2 {
            return;
        }
        let mut pool = Vec::with_capacity(self.cells.len() - self.garbage);
        for e in self.entries.iter_mut().flatten() {
            let start = pool.len();
            let old = e.start as usize..(e.start + e.len) as usize;
            pool.extend(
                self.cells[old]
                    .iter_mut()
                    .map(|c| std::mem::replace(c, SortCell::Missing)),
            );
            e.start = start as u32;
        }
        self.cells = pool;
        self.garbage = 0;
    }

    /// The current cursor position (`0..=row_count`).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The `PR_INSTANCE_KEY` of the row at `position`.
    pub fn instance_key_at(&self, position: usize) -> Option<Vec<u8>> {
        self.order.get(position).map(|s| self.ikey_of(s))
    }
}

fn prop_tag_of_id(id: ULONG) -> ULONG {
    mapi_sync_runtime::props::prop_tag(sys::PT_UNSPECIFIED, id)
}

#[cfg(test)]
mod tests;
