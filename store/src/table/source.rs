//! [`RowSource`]: what a backend implements for the engine to build a table on, and
//! [`MemorySource`], one that holds its rows in memory.

use std::collections::HashMap;

use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue, Prop};
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
/// for a restriction, the restriction's and the sort's columns of every row; for a sort,
/// the sort's columns of the rows in the view (see the crate's documentation); for
/// `QueryRows`, the view's columns of the rows it returns. A folder of 100,000
/// messages thus opens without reading a body.
///
/// A backend answers with borrowed [`Prop`]s (`Prop::new(tag, PropValue::Str(&field))`,
/// or `Prop::new(tag, owned.as_value())` for what it keeps as
/// [`OwnedValue`]s): the engine copies only what it keeps (the sort's values, the rows
/// `QueryRows` hands out) and evaluates restrictions on the borrowed values.
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
