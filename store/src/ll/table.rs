//! [`TableObject`]: `IMAPITable` on the engine's [`Table`], as the IMAPITable pages
//! document each method. The engine decides; this file reads the caller's arguments,
//! writes the answers in MAPI memory, and keeps the last error for `GetLastError`.
//!
//! What every method does with its out-pointers: a null one where the method must write
//! is `MAPI_E_INVALID_PARAMETER`; after a failure, pointers the caller would free are
//! NULL. `SeekRow`'s `lplRowsSought` may be null, as documented.

use std::sync::{Mutex, MutexGuard};

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{prop_tags, write_prop_tags, RowSet};
use mapi_sync_runtime::sys::{
    self, IMAPITable_Impl, LPSPropTagArray, LPSRestriction, LPSRowSet, LPSSortOrderSet, BOOKMARK,
    HRESULT, LONG, LPBYTE, LPMAPIERROR, ULONG,
};
use mapi_sync_runtime::{Error, Object, Out, Result, This, WeakObject};

use super::notify::{Sinks, TableNote};
use super::{restriction, sort};
use crate::table::view::{ChangeKind, TableChange};
use crate::table::{RowSource, Table};
use mapi_sync_runtime::props::OwnedValue;

/// `IMAPITable` over a [`Table`] of any [`RowSource`]. Its answers are allocated with the
/// allocators it was made with (the provider's).
#[mapi_object(IMAPITable, crate = mapi_sync_runtime)]
pub struct TableObject<S: RowSource + Send + 'static> {
    table: Mutex<Table<S>>,
    allocators: Allocators,
    /// The sinks `Advise` was given.
    sinks: Sinks,
    /// The object itself: its store keeps a weak handle to tell it of changes.
    this: This<Self>,
    /// The last failure, for `GetLastError`.
    last_error: Mutex<Option<Error>>,
}

/// What the component of a `MAPIERROR` from a table names.
const COMPONENT: &str = "mapi-sync store table";

impl<S: RowSource + Send + 'static> TableObject<S> {
    /// The COM object of `table`, answering in memory from `allocators`.
    pub fn new(table: Table<S>, allocators: Allocators) -> Object<TableObject<S>> {
        Object::new(TableObject {
            table: Mutex::new(table),
            allocators,
            sinks: Sinks::default(),
            this: This::new(),
            last_error: Mutex::new(None),
        })
    }

    /// A handle to this table that does not keep it open.
    pub fn downgrade(&self) -> WeakObject<TableObject<S>> {
        self.this.downgrade()
    }

    /// Changes the table's source and view with `change` (which answers what the view
    /// did), then tells the table's advise sinks, each row as it is now with the
    /// table's columns: `TABLE_ROW_ADDED`, `TABLE_ROW_DELETED`, `TABLE_ROW_MODIFIED`.
    /// The sinks are called after the table is unlocked (they may read it).
    pub fn apply(
        &self,
        change: impl FnOnce(&mut Table<S>) -> Result<Vec<TableChange>>,
    ) -> Result<()> {
        let notes = {
            let mut table = self.table();
            let changes = change(&mut table)?;
            let mut notes = Vec::with_capacity(changes.len());
            for c in changes {
                let mut row = Vec::new();
                if c.kind != ChangeKind::Deleted && c.position < table.row_count() as usize {
                    table.each_row(c.position, c.position + 1, &mut |props| {
                        row = props
                            .iter()
                            .map(|p| (p.tag(), OwnedValue::from(p.value())))
                            .collect();
                        Ok(())
                    })?;
                }
                notes.push(TableNote { change: c, row });
            }
            notes
        };
        self.sinks.deliver(&notes, self.allocators);
        Ok(())
    }

    /// The table, locked for one call (a panic in an earlier call leaves it as it was:
    /// each engine call changes it only once it has succeeded).
    fn table(&self) -> MutexGuard<'_, Table<S>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `result`'s HRESULT, keeping an error for `GetLastError`.
    fn answer(&self, result: Result<HRESULT>) -> HRESULT {
        match result {
            Ok(hr) => hr,
            Err(e) => {
                let code = e.code();
                *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                code
            }
        }
    }
}

/// The rows as an `SRowSet` in MAPI memory.
fn unknown_flags(flags: ULONG, known: ULONG) -> Result<()> {
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    Ok(())
}

#[allow(non_snake_case)]
impl<S: RowSource + Send + 'static> IMAPITable_Impl for TableObject<S> {
    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: null or writable (GetLastError's contract).
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        let Some(error) = last.as_ref().filter(|e| e.code() == hr) else {
            // Nothing known of this code: S_OK and no MAPIERROR, as the page allows.
            return sys::S_OK;
        };
        match error.to_mapi_error(self.allocators, COMPONENT, flags) {
            Ok(buffer) => {
                out.write(buffer.into_raw().cast());
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn GetStatus(&self, status: *mut ULONG, table_type: *mut ULONG) -> HRESULT {
        // SAFETY: each null or writable (GetStatus' contract).
        let outs = unsafe { (Out::new(status), Out::new(table_type)) };
        let (Ok(mut status), Ok(mut table_type)) = outs else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let (s, t) = self.table().status();
        status.write(s);
        table_type.write(t);
        sys::S_OK
    }

    unsafe fn SetColumns(&self, tags: LPSPropTagArray, flags: ULONG) -> HRESULT {
        let result = (|| {
            unknown_flags(flags, sys::TBL_BATCH | sys::TBL_ASYNC)?;
            // SAFETY: null or a tag array valid for the call (SetColumns' contract).
            let tags = unsafe { prop_tags(tags) }
                .ok_or_else(|| Error::new(sys::MAPI_E_INVALID_PARAMETER))?;
            self.table().set_columns(tags)?;
            Ok(sys::S_OK)
        })();
        self.answer(result)
    }

    unsafe fn QueryColumns(&self, flags: ULONG, out: *mut LPSPropTagArray) -> HRESULT {
        // SAFETY: null or writable (QueryColumns' contract).
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let result = (|| {
            unknown_flags(flags, sys::TBL_ALL_COLUMNS)?;
            let tags = self.table().query_columns(flags)?;
            out.write(write_prop_tags(self.allocators, &tags)?.into_raw().cast());
            Ok(sys::S_OK)
        })();
        self.answer(result)
    }

    unsafe fn GetRowCount(&self, flags: ULONG, count: *mut ULONG) -> HRESULT {
        // SAFETY: null or writable (GetRowCount's contract).
        let mut count = match unsafe { Out::new(count) } {
            Ok(count) => count,
            Err(e) => return e.code(),
        };
        if flags != 0 {
            return self.answer(Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS)));
        }
        count.write(self.table().row_count());
        sys::S_OK
    }

    unsafe fn SeekRow(&self, origin: BOOKMARK, rows: LONG, sought: *mut LONG) -> HRESULT {
        let result = self.table().seek_row(origin, rows);
        let result = result.map(|(moved, hr)| {
            // SAFETY: null (the caller does not want the count) or writable.
            if let Ok(mut sought) = unsafe { Out::new(sought) } {
                sought.write(moved);
            }
            hr
        });
        self.answer(result)
    }

    unsafe fn SeekRowApprox(&self, numerator: ULONG, denominator: ULONG) -> HRESULT {
        let result = self.table().seek_row_approx(numerator, denominator);
        self.answer(result.map(|()| sys::S_OK))
    }

    unsafe fn QueryPosition(
        &self,
        row: *mut ULONG,
        numerator: *mut ULONG,
        denominator: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: each null or writable (QueryPosition's contract).
        let outs = unsafe { (Out::new(row), Out::new(numerator), Out::new(denominator)) };
        let (Ok(mut row), Ok(mut numerator), Ok(mut denominator)) = outs else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let (r, n, d) = self.table().query_position();
        row.write(r);
        numerator.write(n);
        denominator.write(d);
        sys::S_OK
    }

    unsafe fn FindRow(&self, res: LPSRestriction, origin: BOOKMARK, flags: ULONG) -> HRESULT {
        // SAFETY: null or a restriction valid for the call (FindRow's contract).
        let result = unsafe { restriction::read(res) }
            .and_then(|r| self.table().find_row(&r, origin, flags));
        self.answer(result)
    }

    unsafe fn Restrict(&self, res: LPSRestriction, flags: ULONG) -> HRESULT {
        let result = (|| {
            unknown_flags(flags, sys::TBL_BATCH | sys::TBL_ASYNC)?;
            let restriction = if res.is_null() {
                None
            } else {
                // SAFETY: a restriction valid for the call (Restrict's contract).
                Some(unsafe { restriction::read(res) }?)
            };
            self.table().restrict(restriction)?;
            Ok(sys::S_OK)
        })();
        self.answer(result)
    }

    unsafe fn CreateBookmark(&self, out: *mut BOOKMARK) -> HRESULT {
        // SAFETY: null or writable (CreateBookmark's contract).
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        let result = self.table().create_bookmark().map(|bk| {
            out.write(bk);
            sys::S_OK
        });
        self.answer(result)
    }

    unsafe fn FreeBookmark(&self, bk: BOOKMARK) -> HRESULT {
        let result = self.table().free_bookmark(bk);
        self.answer(result.map(|()| sys::S_OK))
    }

    unsafe fn SortTable(&self, order: LPSSortOrderSet, flags: ULONG) -> HRESULT {
        let result = (|| {
            unknown_flags(flags, sys::TBL_BATCH | sys::TBL_ASYNC)?;
            // SAFETY: null or a sort order valid for the call (SortTable's contract).
            let order = unsafe { sort::read(order) }?;
            self.table().sort_table(order)?;
            Ok(sys::S_OK)
        })();
        self.answer(result)
    }

    unsafe fn QuerySortOrder(&self, out: *mut LPSSortOrderSet) -> HRESULT {
        // SAFETY: null or writable (QuerySortOrder's contract).
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let order = self.table().sort_order().clone();
        let result = sort::write(self.allocators, &order).map(|buffer| {
            out.write(buffer.into_raw().cast());
            sys::S_OK
        });
        self.answer(result)
    }

    unsafe fn QueryRows(&self, count: LONG, flags: ULONG, out: *mut LPSRowSet) -> HRESULT {
        // SAFETY: null or writable (QueryRows' contract).
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let result = (|| {
            unknown_flags(flags, sys::TBL_NOADVANCE)?;
            let mut table = self.table();
            let range = table.query_range(count, flags)?;
            // Each row written into MAPI's memory as it is read, from where the source
            // keeps its values.
            let mut set = RowSet::with_room(self.allocators, range.1 - range.0)?;
            table.each_row(range.0, range.1, &mut |props| set.push(props))?;
            table.queried(count, flags, range);
            out.write(set.into_raw());
            Ok(sys::S_OK)
        })();
        self.answer(result)
    }

    unsafe fn Advise(
        &self,
        mask: ULONG,
        sink: sys::LPMAPIADVISESINK,
        connection: *mut sys::ULONG_PTR,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (Advise's contract).
            let mut out = unsafe { Out::new(connection) }?;
            out.write(0);
            // SAFETY: null or a live sink (Advise's contract); MAPI's sinks are
            // free-threaded.
            let c = unsafe { self.sinks.advise(mask, sink) }?;
            out.write(c);
            Ok(sys::S_OK)
        })();
        self.answer(r)
    }

    unsafe fn Unadvise(&self, connection: sys::ULONG_PTR) -> HRESULT {
        self.answer(self.sinks.unadvise(connection).map(|()| sys::S_OK))
    }

    unsafe fn Abort(&self) -> HRESULT {
        // Every operation finishes before it returns: there is nothing to abort.
        sys::S_OK
    }

    unsafe fn ExpandRow(
        &self,
        _key_size: ULONG,
        _key: LPBYTE,
        _rows: ULONG,
        _flags: ULONG,
        out: *mut LPSRowSet,
        more: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: each null or writable (ExpandRow's contract).
        unsafe {
            if let Ok(mut out) = Out::new(out) {
                out.clear();
            }
            if let Ok(mut more) = Out::new(more) {
                more.write(0);
            }
        }
        // No table of this engine is categorized: no row is a category to expand.
        self.answer(Err(Error::with_message(
            sys::MAPI_E_NOT_FOUND,
            "no category row has that instance key: the table is not categorized",
        )))
    }

    unsafe fn CollapseRow(
        &self,
        _key_size: ULONG,
        _key: LPBYTE,
        _flags: ULONG,
        count: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: null or writable (CollapseRow's contract).
        if let Ok(mut count) = unsafe { Out::new(count) } {
            count.write(0);
        }
        self.answer(Err(Error::with_message(
            sys::MAPI_E_NOT_FOUND,
            "no category row has that instance key: the table is not categorized",
        )))
    }

    unsafe fn WaitForCompletion(
        &self,
        _flags: ULONG,
        _timeout: ULONG,
        status: *mut ULONG,
    ) -> HRESULT {
        // SAFETY: null (the caller does not want it) or writable.
        if let Ok(mut status) = unsafe { Out::new(status) } {
            status.write(self.table().status().0);
        }
        sys::S_OK
    }
}
