//! `SSortOrderSet` (Microsoft, "SSortOrderSet"): a caller's read into a [`SortOrder`],
//! and one written into a MAPI buffer for `QuerySortOrder`.

use std::mem::size_of;

use mapi_sync_runtime::mem::{Allocators, Buffer};
use mapi_sync_runtime::sys::{self, SSortOrder, SSortOrderSet, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::table::{SortKey, SortOrder};

/// The caller's sort order. `MAPI_E_INVALID_PARAMETER` for a null one.
///
/// # Safety
/// `p` null or an `SSortOrderSet` with `cSorts` keys, valid for the call.
pub(crate) unsafe fn read(p: *const SSortOrderSet) -> Result<SortOrder> {
    if p.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "a null sort order",
        ));
    }
    // SAFETY: caller's contract; the keys follow the header in place and are reached
    // through the raw pointer (not a reference to the declared one-key struct).
    let (header, keys) = unsafe {
        let count = std::ptr::addr_of!((*p).cSorts).read();
        let first = std::ptr::addr_of!((*p).aSort).cast::<SSortOrder>();
        (
            (
                std::ptr::addr_of!((*p).cCategories).read(),
                std::ptr::addr_of!((*p).cExpanded).read(),
            ),
            std::slice::from_raw_parts(first, count as usize),
        )
    };
    Ok(SortOrder {
        keys: keys
            .iter()
            .map(|k| SortKey {
                tag: k.ulPropTag,
                order: k.ulOrder,
            })
            .collect(),
        categories: header.0,
        expanded: header.1,
    })
}

/// `order` as an `SSortOrderSet` in a MAPI buffer, which the caller frees.
pub(crate) fn write(allocators: Allocators, order: &SortOrder) -> Result<Buffer> {
    let count =
        ULONG::try_from(order.keys.len()).map_err(|_| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))?;
    let size = 3 * size_of::<ULONG>() + order.keys.len().max(1) * size_of::<SSortOrder>();
    let buffer = Buffer::new(allocators, size)?;
    let p = buffer.as_ptr().cast::<SSortOrderSet>();
    // SAFETY: the buffer has room for the header and every key, aligned (MAPI buffers are
    // aligned for any MAPI type); written through the raw pointer.
    unsafe {
        std::ptr::addr_of_mut!((*p).cSorts).write(count);
        std::ptr::addr_of_mut!((*p).cCategories).write(order.categories);
        std::ptr::addr_of_mut!((*p).cExpanded).write(order.expanded);
        let first = std::ptr::addr_of_mut!((*p).aSort).cast::<SSortOrder>();
        for (i, k) in order.keys.iter().enumerate() {
            first.add(i).write(SSortOrder {
                ulPropTag: k.tag,
                ulOrder: k.order,
            });
        }
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sort_order_writes_and_reads_back() {
        let order = SortOrder::by(vec![
            SortKey::descending(sys::PR_MESSAGE_DELIVERY_TIME),
            SortKey::ascending(sys::PR_SUBJECT_W),
        ]);
        for order in [order, SortOrder::none()] {
            let buffer = write(Allocators::local(), &order).unwrap();
            // SAFETY: just written, alive while `buffer` is.
            let back = unsafe { read(buffer.as_ptr().cast()) }.unwrap();
            assert_eq!(back, order);
        }
        // SAFETY: null is refused.
        assert_eq!(
            unsafe { read(std::ptr::null()) }.unwrap_err().code(),
            sys::MAPI_E_INVALID_PARAMETER
        );
    }
}
