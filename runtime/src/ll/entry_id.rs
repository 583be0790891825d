//! `ENTRYID`: the flag bytes and the provider's bytes of an entry identifier, read and
//! written.

use super::prop_value::count_of;
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, ULONG};
use crate::{Error, Result};

/// The bytes of an entry identifier (`cbEntryID`, `lpEntryID`): its four flag bytes
/// and the provider's own bytes after them. `MAPI_E_INVALID_ENTRYID` if it is shorter
/// than the flags or null with a size.
///
/// # Safety
/// `lp` must be null or `cb` readable bytes, valid for `'a`.
pub unsafe fn entry_id<'a>(cb: ULONG, lp: *const sys::ENTRYID) -> Result<([u8; 4], &'a [u8])> {
    if cb < 4 || lp.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_ENTRYID,
            format!("an entry identifier of {cb} bytes"),
        ));
    }
    // SAFETY: caller's contract: `cb` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(lp.cast::<u8>(), cb as usize) };
    let mut flags = [0; 4];
    flags.copy_from_slice(&bytes[..4]);
    Ok((flags, &bytes[4..]))
}

/// An entry identifier with `flags` and `bytes` in a MAPI buffer, with its size.
pub fn write_entry_id(
    allocators: Allocators,
    flags: [u8; 4],
    bytes: &[u8],
) -> Result<(ULONG, Buffer)> {
    let cb = count_of(4 + bytes.len())?;
    let buffer = Buffer::new(allocators, 4 + bytes.len())?;
    // SAFETY: room for the flags and the bytes.
    unsafe {
        buffer.as_ptr().copy_from_nonoverlapping(flags.as_ptr(), 4);
        buffer
            .as_ptr()
            .add(4)
            .copy_from_nonoverlapping(bytes.as_ptr(), bytes.len());
    }
    Ok((cb, buffer))
}
