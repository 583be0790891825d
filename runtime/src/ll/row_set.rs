//! `SRowSet`: its rows read in place, and a set written row by row into MAPI buffers (the
//! set in one, each row's values in one of their own, as `FreeProws` frees them).

use std::mem::size_of;

use super::prop_value::count_of;
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, SPropValue, ULONG};
use crate::Result;

/// The rows of a set, in place.
///
/// # Safety
/// `p` must be a non-null `SRowSet` with `cRows` rows, valid and not written for `'a`.
pub(crate) unsafe fn rows_of<'a>(p: *const sys::SRowSet) -> &'a [sys::SRow] {
    // SAFETY: caller's contract; the rows follow `cRows` in place, reached through the raw
    // pointer (not a reference to the declared one-row struct).
    unsafe {
        let count = std::ptr::addr_of!((*p).cRows).read();
        std::slice::from_raw_parts(
            std::ptr::addr_of!((*p).aRow).cast::<sys::SRow>(),
            count as usize,
        )
    }
}

/// A row's values, in place.
///
/// # Safety
/// `row.lpProps` must be null with no values, or point at `row.cValues` values valid and
/// not written for `'a`.
pub(crate) unsafe fn values_of<'a>(row: &sys::SRow) -> &'a [SPropValue] {
    // SAFETY: caller's contract.
    unsafe { super::slice::items_unchecked(row.lpProps.cast_const(), row.cValues) }
}

/// A set being written: `cRows` counts the rows written so far, so a set dropped halfway
/// frees exactly what it holds.
#[derive(Debug)]
pub(crate) struct RowSetBuffer {
    set: Buffer,
    /// How many rows there is room for.
    room: usize,
}

impl RowSetBuffer {
    /// A set with room for `rows` rows and none written.
    pub(crate) fn with_room(allocators: Allocators, rows: usize) -> Result<RowSetBuffer> {
        let size = size_of::<ULONG>().max(std::mem::align_of::<sys::SRow>())
            + rows.max(1) * size_of::<sys::SRow>();
        let set = Buffer::new(allocators, size)?;
        // `Buffer::new` zeroes: `cRows` is 0.
        Ok(RowSetBuffer { set, room: rows })
    }

    fn header(&self) -> *mut sys::SRowSet {
        self.set.as_ptr().cast()
    }

    /// How many rows it has room for.
    pub(crate) fn room(&self) -> usize {
        self.room
    }

    /// The allocators it was made with.
    pub(crate) fn allocators(&self) -> Allocators {
        self.set.allocators()
    }

    /// How many rows are written.
    pub(crate) fn len(&self) -> usize {
        // SAFETY: the buffer starts with an `SRowSet` header, aligned.
        unsafe { std::ptr::addr_of!((*self.header()).cRows).read() as usize }
    }

    /// Writes the next row: `count` values at `values`, a MAPI buffer that the set owns
    /// from now on. Panics if the set is full (a bug of this crate's).
    pub(crate) fn push(&mut self, count: ULONG, values: *mut SPropValue) -> Result<()> {
        let i = self.len();
        assert!(i < self.room, "a row set written past its room");
        let rows = count_of(i + 1)?;
        // SAFETY: room for `self.room` rows after the header, aligned; row `i` is new.
        unsafe {
            let first = std::ptr::addr_of_mut!((*self.header()).aRow).cast::<sys::SRow>();
            first.add(i).write(sys::SRow {
                ulAdrEntryPad: 0,
                cValues: count,
                lpProps: values,
            });
            std::ptr::addr_of_mut!((*self.header()).cRows).write(rows);
        }
        Ok(())
    }

    /// The set.
    pub(crate) fn as_ptr(&self) -> *const sys::SRowSet {
        self.header().cast_const()
    }

    /// The set for a caller who frees it with `FreeProws`.
    pub(crate) fn into_raw(self) -> *mut sys::SRowSet {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; the buffer moves out once.
        let set = unsafe { std::ptr::read(&this.set) };
        set.into_raw().cast()
    }
}

impl Drop for RowSetBuffer {
    fn drop(&mut self) {
        let (_, _, free) = self.set.allocators().as_raw();
        let free = free.expect("checked when the allocators were made");
        // SAFETY: the rows written so far (`cRows`) each own a MAPI buffer, freed once
        // here, before the set itself (its `Buffer` is dropped after this).
        unsafe {
            let first = std::ptr::addr_of!((*self.header()).aRow).cast::<sys::SRow>();
            for i in 0..self.len() {
                free((*first.add(i)).lpProps.cast());
            }
        }
    }
}
