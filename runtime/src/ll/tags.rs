//! `SPropTagArray`: read in place, and written into a MAPI buffer.

use std::mem::size_of;

use super::prop_value::count_of;
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, ULONG};
use crate::Result;

/// The tags of an `SPropTagArray`, or `None` for a null pointer (which MAPI methods
/// such as `GetProps` take to mean "all properties").
///
/// # Safety
/// `p` must be null or an `SPropTagArray` with `cValues` tags, valid for `'a`.
pub unsafe fn prop_tags<'a>(p: *const sys::SPropTagArray) -> Option<&'a [ULONG]> {
    if p.is_null() {
        return None;
    }
    // SAFETY: caller's contract; the tags follow `cValues` in place. Reached through
    // the raw pointer (whose provenance covers all the tags), not a reference to the
    // declared one-tag struct.
    unsafe {
        let count = std::ptr::addr_of!((*p).cValues).read();
        Some(std::slice::from_raw_parts(
            std::ptr::addr_of!((*p).aulPropTag).cast::<ULONG>(),
            count as usize,
        ))
    }
}

/// An `SPropTagArray` of `tags` in a MAPI buffer.
pub fn write_prop_tags(allocators: Allocators, tags: &[ULONG]) -> Result<Buffer> {
    let buffer = Buffer::new(allocators, size_of::<ULONG>() * (1 + tags.len().max(1)))?;
    let p = buffer.as_ptr().cast::<ULONG>();
    // SAFETY: room for the count and the tags; aligned.
    unsafe {
        p.write(count_of(tags.len())?);
        p.add(1).copy_from_nonoverlapping(tags.as_ptr(), tags.len());
    }
    Ok(buffer)
}
