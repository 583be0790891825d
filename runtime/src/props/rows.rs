//! [`Rows`]: an `SRowSet` read in place; [`RowSet`]: one written as `QueryRows` hands it
//! out.

use std::fmt;

use super::{Prop, PropArray, Props};
use crate::ll::prop_value::count_of;
use crate::ll::slice::items_unchecked;
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, ULONG};
use crate::{Error, Result};

/// The rows of an `SRowSet` read in place (what `QueryRows` gives back), each row's
/// values checked as [`Props::from_raw`] checks them.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    /// Every row's values passed [`check`].
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
        // SAFETY: caller's contract; the rows follow `cRows` in place, reached through
        // the raw pointer (not a reference to the declared one-row struct).
        let rows = unsafe {
            let count = std::ptr::addr_of!((*p).cRows).read();
            std::slice::from_raw_parts(
                std::ptr::addr_of!((*p).aRow).cast::<sys::SRow>(),
                count as usize,
            )
        };
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
            values: unsafe { items_unchecked(row.lpProps.cast_const(), row.cValues) },
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
    set: Option<Buffer>,
    allocators: Allocators,
}

impl RowSet {
    /// Writes `rows`, each a list of properties.
    pub fn write<'p, R: AsRef<[Prop<'p>]>>(allocators: Allocators, rows: &[R]) -> Result<RowSet> {
        let size = size_of::<ULONG>().max(std::mem::align_of::<sys::SRow>())
            + rows.len().max(1) * size_of::<sys::SRow>();
        let set = Buffer::new(allocators, size)?;
        let header = set.as_ptr().cast::<sys::SRowSet>();
        let owner = RowSet {
            set: Some(set),
            allocators,
        };
        // SAFETY: the buffer has room for the count and the rows, aligned; rows are
        // written one by one, so a failure leaves a set that frees what it holds.
        unsafe {
            std::ptr::addr_of_mut!((*header).cRows).write(0);
            let first = std::ptr::addr_of_mut!((*header).aRow).cast::<sys::SRow>();
            for (i, row) in rows.iter().enumerate() {
                let (count, values) = PropArray::write(allocators, row.as_ref())?.into_raw();
                first.add(i).write(sys::SRow {
                    ulAdrEntryPad: 0,
                    cValues: count,
                    lpProps: values,
                });
                std::ptr::addr_of_mut!((*header).cRows).write(count_of(i + 1)?);
            }
        }
        Ok(owner)
    }

    /// The set, as written.
    pub fn as_ptr(&self) -> *const sys::SRowSet {
        self.set.as_ref().map_or(std::ptr::null(), |b| {
            b.as_ptr().cast::<sys::SRowSet>().cast_const()
        })
    }

    /// `*lppRows` for the caller, who frees it with `FreeProws`.
    pub fn into_raw(mut self) -> *mut sys::SRowSet {
        self.set
            .take()
            .map_or(std::ptr::null_mut(), |b| b.into_raw().cast())
    }
}

impl Drop for RowSet {
    fn drop(&mut self) {
        let Some(set) = self.set.take() else {
            return;
        };
        let (_, _, free) = self.allocators.as_raw();
        let free = free.expect("checked when the allocators were made");
        let header = set.as_ptr().cast::<sys::SRowSet>();
        // SAFETY: the rows written so far (`cRows`) each own a MAPI buffer, freed once
        // here, before the set itself (dropped after this block).
        unsafe {
            let count = std::ptr::addr_of!((*header).cRows).read() as usize;
            let first = std::ptr::addr_of!((*header).aRow).cast::<sys::SRow>();
            for i in 0..count {
                free((*first.add(i)).lpProps.cast());
            }
        }
        drop(set);
    }
}
