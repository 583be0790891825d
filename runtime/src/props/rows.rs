//! [`Rows`]: an `SRowSet` read in place; [`RowSet`]: one written as `QueryRows` hands it
//! out.

use std::fmt;

use super::{Prop, PropArray, Props};
use crate::ll::row_set::{rows_of, values_of, RowSetBuffer};
use crate::mem::Allocators;
use crate::sys;
use crate::{Error, Result};

/// The rows of an `SRowSet` read in place (what `QueryRows` gives back), each row's
/// values checked as [`Props::from_raw`] checks them.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    /// Every row's values were checked as [`Props::from_raw`] checks them.
    rows: &'a [sys::SRow],
}

impl<'a> Rows<'a> {
    /// Checks the set. `MAPI_E_INVALID_PARAMETER` for a null set,
    /// `MAPI_E_CORRUPT_DATA` for a row that claims values but has none (a truncated
    /// set), and what [`Props::from_raw`] refuses in a row, naming the row.
    ///
    /// # Safety
    /// `p` must be null or an `SRowSet` with `cRows` rows, each as
    /// [`Props::from_raw`] requires, valid and not written for `'a`.
    pub unsafe fn from_raw(p: *const sys::SRowSet) -> Result<Rows<'a>> {
        if p.is_null() {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a null SRowSet",
            ));
        }
        // SAFETY: non-null, and a set valid for 'a (caller's contract).
        let rows = unsafe { rows_of(p) };
        for (i, row) in rows.iter().enumerate() {
            if row.cValues > 0 && row.lpProps.is_null() {
                return Err(Error::with_message(
                    sys::MAPI_E_CORRUPT_DATA,
                    format!("row {i} has {} values but no value array", row.cValues),
                ));
            }
            // SAFETY: caller's contract.
            unsafe { Props::from_raw(row.lpProps, row.cValues) }
                .map_err(|e| Error::with_message(e.code(), format!("row {i}: {}", e.text())))?;
        }
        Ok(Rows { rows })
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`'s values.
    pub fn get(&self, i: usize) -> Option<Props<'a>> {
        self.rows.get(i).map(Self::row)
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Props<'a>> + 'a {
        self.rows.iter().map(Self::row)
    }

    fn row(row: &'a sys::SRow) -> Props<'a> {
        Props {
            // Checked in `from_raw`; a row without values may have a null array.
            // SAFETY: as checked there, valid for 'a.
            values: unsafe { values_of(row) },
        }
    }
}

impl fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An `SRowSet` as `IMAPITable::QueryRows` hands it out: the set in one MAPI buffer
/// and each row's values in a buffer of their own, which the caller frees with
/// `FreeProws` (each row's values, then the set). Dropping a `RowSet` frees it the
/// same way.
#[derive(Debug)]
pub struct RowSet {
    set: Option<RowSetBuffer>,
}

impl RowSet {
    /// Writes `rows`, each a list of properties.
    pub fn write<'p, R: AsRef<[Prop<'p>]>>(allocators: Allocators, rows: &[R]) -> Result<RowSet> {
        // Row by row: a failure drops a set that frees the rows written so far.
        let mut set = RowSetBuffer::with_room(allocators, rows.len())?;
        for row in rows {
            let (count, values) = PropArray::write(allocators, row.as_ref())?.into_raw();
            set.push(count, values)?;
        }
        Ok(RowSet { set: Some(set) })
    }

    /// A set with room for `rows` rows and none written yet: [`push`](RowSet::push)
    /// writes them one at a time (a table writes each row as it reads it).
    pub fn with_room(allocators: Allocators, rows: usize) -> Result<RowSet> {
        Ok(RowSet {
            set: Some(RowSetBuffer::with_room(allocators, rows)?),
        })
    }

    /// Writes the next row. `MAPI_E_CALL_FAILED` when the set has no room left.
    pub fn push(&mut self, row: &[Prop<'_>]) -> Result<()> {
        let Some(set) = self.set.as_mut() else {
            return Err(Error::new(sys::MAPI_E_CALL_FAILED));
        };
        if set.len() >= set.room() {
            return Err(Error::with_message(
                sys::MAPI_E_CALL_FAILED,
                "a row set written past its room",
            ));
        }
        let allocators = set.allocators();
        let (count, values) = PropArray::write(allocators, row)?.into_raw();
        set.push(count, values)
    }

    /// How many rows are written.
    pub fn len(&self) -> usize {
        self.set.as_ref().map_or(0, RowSetBuffer::len)
    }

    /// Whether no row is written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The set, as written.
    pub fn as_ptr(&self) -> *const sys::SRowSet {
        self.set
            .as_ref()
            .map_or(std::ptr::null(), RowSetBuffer::as_ptr)
    }

    /// `*lppRows` for the caller, who frees it with `FreeProws`.
    pub fn into_raw(mut self) -> *mut sys::SRowSet {
        self.set
            .take()
            .map_or(std::ptr::null_mut(), RowSetBuffer::into_raw)
    }
}
