//! Views of the arrays and strings inside MAPI's structures, once their pointers were
//! checked.

use crate::sys::{self, ULONG};
use crate::Error;

/// Why a raw value could not be read; made into an [`Error`] only on the cold path.
#[derive(Clone, Copy)]
pub(crate) enum Bad {
    NullString,
    NullArray,
    NullClsid,
    Type(ULONG),
}

impl Bad {
    #[cold]
    pub(crate) fn error(self, index: usize) -> Error {
        let what = match self {
            Bad::NullString => "a null string".to_owned(),
            Bad::NullArray => "a null array with items".to_owned(),
            Bad::NullClsid => "a null PT_CLSID".to_owned(),
            Bad::Type(t) => format!("property type {t:#06X} is not one this crate reads"),
        };
        let code = match self {
            Bad::Type(_) => sys::MAPI_E_BAD_VALUE,
            _ => sys::MAPI_E_CORRUPT_DATA,
        };
        Error::with_message(code, format!("property value {index}: {what}"))
    }
}

/// An array pointer with `count` items: null only when `count` is 0.
#[inline(always)]
pub(crate) fn array_ok<T>(p: *const T, count: ULONG) -> core::result::Result<(), Bad> {
    if count != 0 && p.is_null() {
        Err(Bad::NullArray)
    } else {
        Ok(())
    }
}

/// Views `count` items at `p` (checked by [`array_ok`]).
///
/// # Safety
/// `p` must be null with `count == 0`, or point at `count` items readable for `'a`.
#[inline(always)]
pub(crate) unsafe fn items_unchecked<'a, T>(p: *const T, count: ULONG) -> &'a [T] {
    if count == 0 {
        return &[];
    }
    // SAFETY: caller's contract.
    unsafe { std::slice::from_raw_parts(p, count as usize) }
}

/// A NUL-terminated string's items before the NUL.
///
/// # Safety
/// `p` must be a non-null NUL-terminated string readable for `'a`.
#[inline(always)]
pub(crate) unsafe fn until_nul_unchecked<'a, T: Copy + Default + PartialEq>(
    p: *const T,
) -> &'a [T] {
    let mut n = 0;
    // SAFETY: caller's contract: every item up to the NUL is readable.
    unsafe {
        while *p.add(n) != T::default() {
            n += 1;
        }
        std::slice::from_raw_parts(p, n)
    }
}

/// The bytes of a checked `SBinary`.
///
/// # Safety
/// `b.lpb` must be null with `b.cb == 0`, or point at `b.cb` bytes readable for `'a`.
#[inline(always)]
pub(crate) unsafe fn bytes_unchecked<'a>(b: &sys::SBinary) -> &'a [u8] {
    // SAFETY: caller's contract.
    unsafe { items_unchecked(b.lpb, b.cb) }
}
