//! [`RowSource`]: what a backend implements for the engine to build a table on, and
//! [`MemorySource`], one that holds its rows in memory.

use std::collections::HashMap;

use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

/// The backend's name for a row: any number, unique among the source's rows and the
/// same for a row as long as it exists (a message's id in the backend's database, an
/// index into a `Vec` that is never reused...). A row's `PR_INSTANCE_KEY` is made from
/// it.
pub type RowKey = u64;

/// The rows a table shows, as a backend gives them: cheaply the list of its rows, and
/// the values of the columns the engine asks for, for the rows it asks about.
///
/// The engine asks for as little as it needs: when the table opens, only the keys;
/// for a restriction, the restriction's and the sort's columns of every row (or, for an
/// AND of tests of one column each, a column at a time for the rows still in); for a
/// sort, the sort's columns of the rows in the view (see the crate's documentation); for
/// `QueryRows`, the view's columns of the rows it returns. A folder of 100,000
/// messages thus opens without reading a body.
///
/// A backend answers with borrowed [`Prop`]s (`Prop::new(tag, PropValue::Str(&field))`,
/// or `Prop::new(tag, owned.as_value())` for what it keeps as
/// [`OwnedValue`]s): the engine copies only what it keeps (the sort's values, the rows
/// `QueryRows` hands out) and evaluates restrictions on the borrowed values. The engine
/// asks through [`values_by_column`](RowSource::values_by_column), whose default calls
/// [`values`](RowSource::values) and copies the values; a backend whose values live in
/// it overrides it to answer a [`Batch`] of values borrowing its own data, a column at a
/// time (several times faster on large tables).
pub trait RowSource {
    /// Pushes the key of every row onto `keys`, in the source's order (the table's order
    /// when it is not sorted).
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()>;

    /// For each row `rows[i]` it knows, in the order of `rows`, calls `answer(i, props)`
    /// once with the values it has among `columns` (an answer out of order is ignored:
    /// the engine evaluates rows in order, which `RES_COUNT` depends on). The engine finds a column's value by its property
    /// identifier, so a value may have another type than the column's tag asks for (the
    /// engine decides what a column of another type shows); a column the row lacks is
    /// left out (or given as a `PT_ERROR` value). A row it does not know (removed
    /// meanwhile) is skipped.
    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()>;

    /// The values of `columns` for `rows`, column by column: calls `answer` once with a
    /// [`Batch`] of `rows.len()` rows and `columns.len()` columns, value `(i, c)` being row
    /// `rows[i]`'s value with `columns[c]`'s property identifier (any type, as for
    /// [`values`](RowSource::values); none for a row that lacks it or that the source does
    /// not know). The engine asks this way for everything it reads.
    ///
    /// The default asks [`values`](RowSource::values) and copies what it answers (its
    /// values borrow only for the length of each call); a source whose values live in it
    /// answers faster by overriding this with values that borrow its own data, filling
    /// each column for every row in one loop (see `MemorySource`). An answer whose batch
    /// is of another size than asked reads as no value where it lacks one; when `answer`
    /// is not called, every row has no values; a second call is ignored.
    fn values_by_column(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(&Batch<'_>),
    ) -> Result<()> {
        batch_by_rows(self, rows, columns, answer)
    }

    /// Whether [`values_by_column`](RowSource::values_by_column) answers with values that
    /// borrow the source's own data (an override such as `MemorySource`'s). The rows
    /// `QueryRows` hands out are then read through it; otherwise (the default, `false`)
    /// through [`values`](RowSource::values), each row written to MAPI's memory while the
    /// source holds it, with no copy in between.
    fn borrows_by_column(&self) -> bool {
        false
    }

    /// The sub-objects `object` (`PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS`) of
    /// row `row`, for a `RES_SUBRESTRICTION`: calls `answer` once per sub-row with its
    /// values among `columns`, and returns `Ok(true)`. The default, `Ok(false)`, says the
    /// source does not offer them, and a table restricted on them answers
    /// `MAPI_E_TOO_COMPLEX`.
    fn sub_rows(
        &self,
        row: RowKey,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool> {
        let _ = (row, object, columns, answer);
        Ok(false)
    }

    /// Every column the rows can have (what `QueryColumns(TBL_ALL_COLUMNS)` lists), or
    /// `None` (the default) to list the current columns.
    fn all_columns(&self) -> Option<Vec<ULONG>> {
        None
    }
}

/// What [`RowSource::values_by_column`] does unless a source overrides it: asks
/// [`values`](RowSource::values) and answers a [`Batch`] of copies of its values (they
/// borrow only for the length of each call). An answer out of order is ignored, as the
/// engine always ignored it.
pub fn batch_by_rows<S: RowSource + ?Sized>(
    source: &S,
    rows: &[RowKey],
    columns: &[ULONG],
    answer: &mut dyn FnMut(&Batch<'_>),
) -> Result<()> {
    let mut owned: Vec<Option<OwnedValue>> = vec![None; rows.len() * columns.len()];
    let mut next = 0;
    source.values(rows, columns, &mut |i, props| {
        // As the engine reads `values`: an answer out of order is ignored.
        if i < next || i >= rows.len() {
            return;
        }
        next = i + 1;
        for (c, &tag) in columns.iter().enumerate() {
            if let Some(p) = props.iter().find(|p| prop_id(p.tag()) == prop_id(tag)) {
                owned[c * rows.len() + i] = Some(p.value().into());
            }
        }
    })?;
    let mut batch = Batch::new(rows.len(), columns.len());
    for (slot, v) in batch.values.iter_mut().zip(&owned) {
        *slot = v.as_ref().map(OwnedValue::as_value);
    }
    answer(&batch);
    Ok(())
}

/// The values of some columns for some rows, as a source hands them to the engine in
/// [`RowSource::values_by_column`]: column by column, each column one value (or none)
/// per row, borrowing the source's data.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    rows: usize,
    columns: usize,
    /// Column-major: column `c`'s values are `values[c * rows..(c + 1) * rows]`.
    values: Vec<Option<PropValue<'a>>>,
}

impl<'a> Batch<'a> {
    /// `rows` rows of `columns` columns, with no values yet.
    pub fn new(rows: usize, columns: usize) -> Batch<'a> {
        Batch {
            rows,
            columns,
            values: vec![None; rows.saturating_mul(columns)],
        }
    }

    /// How many rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// How many columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Column `c`'s values, one per row (empty for a column it does not have).
    pub fn column(&self, c: usize) -> &[Option<PropValue<'a>>] {
        if c >= self.columns {
            return &[];
        }
        &self.values[c * self.rows..(c + 1) * self.rows]
    }

    /// Column `c`'s values, to fill (empty for a column it does not have).
    pub fn column_mut(&mut self, c: usize) -> &mut [Option<PropValue<'a>>] {
        if c >= self.columns {
            return &mut [];
        }
        &mut self.values[c * self.rows..(c + 1) * self.rows]
    }

    /// Row `row`'s value in column `c` (`None` outside the batch).
    pub fn get(&self, row: usize, c: usize) -> Option<PropValue<'a>> {
        if row >= self.rows || c >= self.columns {
            return None;
        }
        self.values[c * self.rows + row]
    }

    /// Sets row `row`'s value in column `c` (nothing outside the batch).
    pub fn set(&mut self, row: usize, c: usize, value: PropValue<'a>) {
        if row < self.rows && c < self.columns {
            self.values[c * self.rows + row] = Some(value);
        }
    }
}

/// One property of a [`MemorySource`] row.
pub type Cell = (ULONG, OwnedValue);

/// A [`RowSource`] holding its rows in memory, in insertion order; for tests, examples
/// and small tables (a provider's folder hierarchy).
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    order: Vec<RowKey>,
    rows: HashMap<RowKey, Vec<Cell>>,
    sub: HashMap<(RowKey, ULONG), Vec<Vec<Cell>>>,
    columns: Option<Vec<ULONG>>,
}

fn checked(cells: &[Cell]) -> Result<()> {
    for (tag, value) in cells {
        if value.prop_type() != prop_type(*tag) {
            return Err(Error::with_message(
                sys::MAPI_E_BAD_VALUE,
                format!(
                    "property tag {tag:#010X} has a value of type {:#06X}",
                    value.prop_type()
                ),
            ));
        }
    }
    Ok(())
}

impl MemorySource {
    /// No rows.
    pub fn new() -> MemorySource {
        MemorySource::default()
    }

    /// Adds row `key` at the end (or replaces its values if it exists, keeping its
    /// place). `MAPI_E_BAD_VALUE` if a value's type is not its tag's.
    pub fn insert(&mut self, key: RowKey, cells: Vec<Cell>) -> Result<()> {
        checked(&cells)?;
        if self.rows.insert(key, cells).is_none() {
            self.order.push(key);
        }
        Ok(())
    }

    /// Removes row `key` (and its sub-rows); whether it was there.
    pub fn remove(&mut self, key: RowKey) -> bool {
        if self.rows.remove(&key).is_none() {
            return false;
        }
        self.order.retain(|&k| k != key);
        self.sub.retain(|(k, _), _| *k != key);
        true
    }

    /// The sub-rows `object` (`PR_MESSAGE_RECIPIENTS`, `PR_MESSAGE_ATTACHMENTS`) of row
    /// `key`, which the source then offers to sub-restrictions.
    pub fn set_sub_rows(&mut self, key: RowKey, object: ULONG, rows: Vec<Vec<Cell>>) -> Result<()> {
        for r in &rows {
            checked(r)?;
        }
        self.sub.insert((key, object), rows);
        Ok(())
    }

    /// What `all_columns` answers.
    pub fn set_all_columns(&mut self, columns: Vec<ULONG>) {
        self.columns = Some(columns);
    }

    /// Row `key`'s values.
    pub fn row(&self, key: RowKey) -> Option<&[Cell]> {
        self.rows.get(&key).map(Vec::as_slice)
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The cells of `cells` among `columns` (by property identifier), as `Prop`s.
fn props_of<'a>(cells: &'a [Cell], columns: &[ULONG], out: &mut Vec<Prop<'a>>) -> Result<()> {
    out.clear();
    for (tag, value) in cells {
        if columns.iter().any(|c| prop_id(*c) == prop_id(*tag)) {
            out.push(Prop::new(*tag, value.as_value())?);
        }
    }
    Ok(())
}

impl RowSource for MemorySource {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        keys.extend_from_slice(&self.order);
        Ok(())
    }

    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        let mut props = Vec::new();
        for (i, key) in rows.iter().enumerate() {
            if let Some(cells) = self.rows.get(key) {
                props_of(cells, columns, &mut props)?;
                answer(i, &props);
            }
        }
        Ok(())
    }

    fn borrows_by_column(&self) -> bool {
        true
    }

    fn values_by_column(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(&Batch<'_>),
    ) -> Result<()> {
        let mut batch = Batch::new(rows.len(), columns.len());
        for (i, key) in rows.iter().enumerate() {
            let Some(cells) = self.rows.get(key) else {
                continue;
            };
            for (c, &tag) in columns.iter().enumerate() {
                if let Some((_, v)) = cells.iter().find(|(t, _)| prop_id(*t) == prop_id(tag)) {
                    batch.set(i, c, v.as_value());
                }
            }
        }
        answer(&batch);
        Ok(())
    }

    fn sub_rows(
        &self,
        row: RowKey,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool> {
        let Some(rows) = self.sub.get(&(row, object)) else {
            return Ok(false);
        };
        let mut props = Vec::new();
        for cells in rows {
            props_of(cells, columns, &mut props)?;
            answer(&props);
        }
        Ok(true)
    }

    fn all_columns(&self) -> Option<Vec<ULONG>> {
        self.columns.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::PropValue;

    #[test]
    fn a_memory_source_answers_the_columns_asked_for_by_identifier() {
        let mut s = MemorySource::new();
        s.insert(
            7,
            vec![(sys::PR_SUBJECT_W, OwnedValue::from(PropValue::Str("a")))],
        )
        .unwrap();
        s.insert(3, vec![(sys::PR_MESSAGE_SIZE, OwnedValue::Long(5))])
            .unwrap();
        let mut keys = Vec::new();
        s.keys(&mut keys).unwrap();
        assert_eq!(keys, [7, 3]);
        let mut seen = Vec::new();
        s.values(&[3, 99, 7], &[sys::PR_SUBJECT], &mut |i, props| {
            seen.push((i, props.iter().map(|p| p.tag()).collect::<Vec<_>>()))
        })
        .unwrap();
        // By identifier: PR_SUBJECT (PT_STRING8) asks for PR_SUBJECT_W's value too.
        assert_eq!(seen, [(0, vec![]), (2, vec![sys::PR_SUBJECT_W])]);
        assert!(s.remove(7));
        assert!(!s.remove(7));
        assert_eq!(s.len(), 1);
        // Not offered: no sub-rows set.
        assert!(!s
            .sub_rows(3, sys::PR_MESSAGE_RECIPIENTS, &[], &mut |_| ())
            .unwrap());
    }

    #[test]
    fn a_value_of_another_type_than_its_tag_is_refused() {
        let mut s = MemorySource::new();
        let e = s
            .insert(1, vec![(sys::PR_SUBJECT_W, OwnedValue::Long(1))])
            .unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
        assert!(s.is_empty());
    }
}
