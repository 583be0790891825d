//! `SPropValue`: checking and decoding a caller's value ([`check`], [`decode`],
//! [`decode_checked`]) and writing one into a MAPI buffer ([`write_value`]). The safe
//! views over them are `crate::props`'.

use std::mem::size_of;
use std::ptr::NonNull;

use super::slice::{array_ok, bytes_unchecked, items_unchecked, until_nul_unchecked, Bad};
use crate::mem::Buffer;
use crate::props::{prop_type, Binaries, PropValue, Strings, SysTimes};
use crate::sys::{self, SPropValue, _PV, ULONG};
use crate::{Error, Result};

/// Checks that `raw` can be decoded: a type this crate reads, and every pointer its
/// type needs there.
///
/// # Safety
/// `raw` must be a well-formed `SPropValue` (the tag's type says which union member
/// MAPI wrote, and its arrays hold the items they claim).
#[inline(always)]
pub(crate) unsafe fn check(raw: &SPropValue) -> core::result::Result<(), Bad> {
    let v = &raw.Value;
    // SAFETY: the tag's type says which member of the union MAPI wrote (caller's
    // contract); only that member is read.
    unsafe {
        match prop_type(raw.ulPropTag) {
            sys::PT_NULL
            | sys::PT_LONG
            | sys::PT_BOOLEAN
            | sys::PT_I8
            | sys::PT_SYSTIME
            | sys::PT_ERROR
            | sys::PT_I2
            | sys::PT_R4
            | sys::PT_DOUBLE
            | sys::PT_CURRENCY
            | sys::PT_APPTIME
            | sys::PT_OBJECT => Ok(()),
            sys::PT_UNICODE if v.lpszW.is_null() => Err(Bad::NullString),
            sys::PT_STRING8 if v.lpszA.is_null() => Err(Bad::NullString),
            sys::PT_UNICODE | sys::PT_STRING8 => Ok(()),
            sys::PT_BINARY => array_ok(v.bin.lpb, v.bin.cb),
            sys::PT_CLSID if v.lpguid.is_null() => Err(Bad::NullClsid),
            sys::PT_CLSID => Ok(()),
            sys::PT_MV_LONG => array_ok(v.MVl.lpl, v.MVl.cValues),
            sys::PT_MV_I2 => array_ok(v.MVi.lpi, v.MVi.cValues),
            sys::PT_MV_R4 => array_ok(v.MVflt.lpflt, v.MVflt.cValues),
            sys::PT_MV_DOUBLE => array_ok(v.MVdbl.lpdbl, v.MVdbl.cValues),
            sys::PT_MV_CURRENCY => array_ok(v.MVcur.lpcur, v.MVcur.cValues),
            sys::PT_MV_APPTIME => array_ok(v.MVat.lpat, v.MVat.cValues),
            sys::PT_MV_SYSTIME => array_ok(v.MVft.lpft, v.MVft.cValues),
            sys::PT_MV_CLSID => array_ok(v.MVguid.lpguid, v.MVguid.cValues),
            sys::PT_MV_I8 => array_ok(v.MVli.lpli, v.MVli.cValues),
            sys::PT_MV_UNICODE => {
                array_ok(v.MVszW.lppszW, v.MVszW.cValues)?;
                let all = items_unchecked(v.MVszW.lppszW, v.MVszW.cValues);
                if all.iter().any(|s| s.is_null()) {
                    return Err(Bad::NullString);
                }
                Ok(())
            }
            sys::PT_MV_STRING8 => {
                array_ok(v.MVszA.lppszA, v.MVszA.cValues)?;
                let all = items_unchecked(v.MVszA.lppszA, v.MVszA.cValues);
                if all.iter().any(|s| s.is_null()) {
                    return Err(Bad::NullString);
                }
                Ok(())
            }
            sys::PT_MV_BINARY => {
                array_ok(v.MVbin.lpbin, v.MVbin.cValues)?;
                let all = items_unchecked(v.MVbin.lpbin, v.MVbin.cValues);
                all.iter().try_for_each(|b| array_ok(b.lpb, b.cb))
            }
            other => Err(Bad::Type(other)),
        }
    }
}

/// The value of a checked `raw`, as the tag's type says.
///
/// # Safety
/// [`check`] accepted `raw`, and its pointers are valid for `'a` as
/// [`Props::from_raw`] requires.
#[inline(always)]
pub(crate) unsafe fn decode<'a>(raw: &'a SPropValue) -> PropValue<'a> {
    let v = &raw.Value;
    // SAFETY (all the union reads and views below): the tag's type says which member
    // of the union MAPI wrote, and `check` saw every pointer the type needs there.
    unsafe {
        match prop_type(raw.ulPropTag) {
            sys::PT_LONG => PropValue::Long(v.l),
            sys::PT_BOOLEAN => PropValue::Boolean(v.b != 0),
            sys::PT_I8 => PropValue::I8(v.li.QuadPart),
            sys::PT_SYSTIME => PropValue::SysTime(
                (u64::from(v.ft.dwHighDateTime) << 32) | u64::from(v.ft.dwLowDateTime),
            ),
            sys::PT_UNICODE => PropValue::Unicode(until_nul_unchecked(v.lpszW)),
            sys::PT_STRING8 => {
                // `strlen`, vectorized by the C library.
                PropValue::String8(std::ffi::CStr::from_ptr(v.lpszA.cast_const()).to_bytes())
            }
            sys::PT_BINARY => PropValue::Binary(bytes_unchecked(&v.bin)),
            sys::PT_ERROR => PropValue::Error(v.err),
            sys::PT_CLSID => PropValue::Clsid(*v.lpguid),
            sys::PT_MV_LONG => PropValue::MvLong(items_unchecked(v.MVl.lpl, v.MVl.cValues)),
            sys::PT_MV_UNICODE => PropValue::MvUnicode(Strings::raw(items_unchecked(
                v.MVszW.lppszW.cast::<*const u16>(),
                v.MVszW.cValues,
            ))),
            sys::PT_MV_STRING8 => PropValue::MvString8(Strings::raw(items_unchecked(
                v.MVszA.lppszA.cast::<*const u8>(),
                v.MVszA.cValues,
            ))),
            sys::PT_MV_BINARY => PropValue::MvBinary(Binaries::raw(items_unchecked(
                v.MVbin.lpbin,
                v.MVbin.cValues,
            ))),
            sys::PT_I2 => PropValue::I2(v.i),
            sys::PT_R4 => PropValue::R4(v.flt),
            sys::PT_DOUBLE => PropValue::Double(v.dbl),
            sys::PT_CURRENCY => PropValue::Currency(v.cur.int64),
            sys::PT_APPTIME => PropValue::AppTime(v.at),
            sys::PT_OBJECT => PropValue::Object,
            sys::PT_MV_I2 => PropValue::MvI2(items_unchecked(v.MVi.lpi, v.MVi.cValues)),
            sys::PT_MV_R4 => PropValue::MvR4(items_unchecked(v.MVflt.lpflt, v.MVflt.cValues)),
            sys::PT_MV_DOUBLE => {
                PropValue::MvDouble(items_unchecked(v.MVdbl.lpdbl, v.MVdbl.cValues))
            }
            // A CURRENCY and a LARGE_INTEGER are unions over one 64-bit integer: the same
            // size and alignment as `i64`, and every bit pattern of them is one.
            sys::PT_MV_CURRENCY => PropValue::MvCurrency(items_unchecked(
                v.MVcur.lpcur.cast::<i64>(),
                v.MVcur.cValues,
            )),
            sys::PT_MV_APPTIME => {
                PropValue::MvAppTime(items_unchecked(v.MVat.lpat, v.MVat.cValues))
            }
            sys::PT_MV_SYSTIME => PropValue::MvSysTime(SysTimes::from_file_times(items_unchecked(
                v.MVft.lpft,
                v.MVft.cValues,
            ))),
            sys::PT_MV_CLSID => {
                PropValue::MvClsid(items_unchecked(v.MVguid.lpguid, v.MVguid.cValues))
            }
            sys::PT_MV_I8 => {
                PropValue::MvI8(items_unchecked(v.MVli.lpli.cast::<i64>(), v.MVli.cValues))
            }
            // PT_NULL; `check` refused every other type.
            _ => PropValue::Null,
        }
    }
}

/// [`check`] and [`decode`] in one match, for a reader that wants every value.
///
/// # Safety
/// As for [`check`], with the pointers valid for `'a`.
#[inline(always)]
pub(crate) unsafe fn decode_checked<'a>(
    raw: &'a SPropValue,
) -> core::result::Result<PropValue<'a>, Bad> {
    let v = &raw.Value;
    // SAFETY: as in `check` and `decode`; each pointer is tested before it is read.
    unsafe {
        Ok(match prop_type(raw.ulPropTag) {
            sys::PT_NULL => PropValue::Null,
            sys::PT_LONG => PropValue::Long(v.l),
            sys::PT_BOOLEAN => PropValue::Boolean(v.b != 0),
            sys::PT_I8 => PropValue::I8(v.li.QuadPart),
            sys::PT_SYSTIME => PropValue::SysTime(
                (u64::from(v.ft.dwHighDateTime) << 32) | u64::from(v.ft.dwLowDateTime),
            ),
            sys::PT_ERROR => PropValue::Error(v.err),
            sys::PT_UNICODE if v.lpszW.is_null() => return Err(Bad::NullString),
            sys::PT_UNICODE => PropValue::Unicode(until_nul_unchecked(v.lpszW)),
            sys::PT_STRING8 if v.lpszA.is_null() => return Err(Bad::NullString),
            sys::PT_STRING8 => {
                PropValue::String8(std::ffi::CStr::from_ptr(v.lpszA.cast_const()).to_bytes())
            }
            sys::PT_BINARY => {
                array_ok(v.bin.lpb, v.bin.cb)?;
                PropValue::Binary(bytes_unchecked(&v.bin))
            }
            sys::PT_MV_LONG => {
                array_ok(v.MVl.lpl, v.MVl.cValues)?;
                PropValue::MvLong(items_unchecked(v.MVl.lpl, v.MVl.cValues))
            }
            _ => {
                check(raw)?;
                decode(raw)
            }
        })
    }
}

/// A zeroed `_PV`.
pub(crate) fn empty() -> _PV {
    // SAFETY: every member of `_PV` is an integer, float or raw pointer (or a struct
    // of them), for which all zeroes is a valid value.
    unsafe { std::mem::zeroed() }
}

pub(crate) fn copy_to<T: Copy>(buffer: &Buffer, items: &[T]) -> Result<*mut T> {
    let size = std::mem::size_of_val(items);
    // Not zeroed: every byte is copied in below.
    let child = buffer.more_unfilled(size)?;
    let p = child.as_ptr().cast::<T>();
    // SAFETY: `child` has room for the items, aligned (MAPI buffers are aligned for
    // any MAPI type), and is new.
    unsafe { p.copy_from_nonoverlapping(items.as_ptr(), items.len()) };
    Ok(p)
}

/// A NUL-terminated copy of `chars` in `buffer`.
pub(crate) fn terminated<T: Copy + Default>(buffer: &Buffer, chars: &[T]) -> Result<*mut T> {
    // Not zeroed: the chars and the NUL are written below.
    let child: NonNull<u8> = buffer.more_unfilled((chars.len() + 1) * size_of::<T>())?;
    let p = child.as_ptr().cast::<T>();
    // SAFETY: room for the chars and the NUL, aligned for T (MAPI buffers are aligned
    // for any MAPI type); every one written.
    unsafe {
        p.copy_from_nonoverlapping(chars.as_ptr(), chars.len());
        p.add(chars.len()).write(T::default());
    }
    Ok(p)
}

/// `s` as a NUL-terminated UTF-16 string in `buffer`: ASCII text (most of what tables
/// show) widened byte by byte in one pass, other text counted, then encoded.
pub(crate) fn terminated_utf16(buffer: &Buffer, s: &str) -> Result<*mut u16> {
    let ascii = s.is_ascii();
    let len = if ascii {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    // Not zeroed: the `len` units and the NUL are written below.
    let child: NonNull<u8> = buffer.more_unfilled((len + 1) * size_of::<u16>())?;
    let p = child.as_ptr().cast::<u16>();
    // SAFETY: room for `len` units and the NUL, aligned for u16; ASCII text has one unit
    // per byte, and otherwise `encode_utf16` yields exactly `len` units, as counted
    // above. Every unit is written before the string is handed on.
    unsafe {
        if ascii {
            for (i, &b) in s.as_bytes().iter().enumerate() {
                p.add(i).write(u16::from(b));
            }
        } else {
            for (i, unit) in s.encode_utf16().enumerate() {
                p.add(i).write(unit);
            }
        }
        p.add(len).write(0);
    }
    Ok(p)
}

pub(crate) fn count_of(n: usize) -> Result<ULONG> {
    ULONG::try_from(n).map_err(|_| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))
}

/// A value's `_PV`, its strings and arrays written into children of `buffer`.
pub(crate) fn write_value(buffer: &Buffer, value: &PropValue<'_>) -> Result<_PV> {
    let mut v = empty();
    match *value {
        PropValue::Null => {}
        PropValue::Long(l) => v.l = l,
        PropValue::Boolean(b) => v.b = u16::from(b),
        PropValue::I8(i) => v.li = sys::LARGE_INTEGER { QuadPart: i },
        PropValue::SysTime(t) => {
            v.ft = sys::FILETIME {
                dwLowDateTime: t as u32,
                dwHighDateTime: (t >> 32) as u32,
            }
        }
        PropValue::Unicode(w) => v.lpszW = terminated(buffer, w)?,
        PropValue::Str(s) => v.lpszW = terminated_utf16(buffer, s)?,
        PropValue::String8(s) => v.lpszA = terminated(buffer, s)?.cast(),
        PropValue::Binary(b) => {
            v.bin = sys::SBinary {
                cb: count_of(b.len())?,
                lpb: copy_to(buffer, b)?,
            }
        }
        PropValue::Error(e) => v.err = e,
        PropValue::Clsid(g) => v.lpguid = copy_to(buffer, std::slice::from_ref(&g))?,
        PropValue::I2(i) => v.i = i,
        PropValue::R4(f) => v.flt = f,
        PropValue::Double(d) => v.dbl = d,
        PropValue::Currency(c) => v.cur = sys::CURRENCY { int64: c },
        PropValue::AppTime(t) => v.at = t,
        PropValue::Object => {}
        _ => write_list(buffer, value, &mut v)?,
    }
    Ok(v)
}

/// A multi-valued value's array into `v`, its items in children of `buffer`.
fn write_list(buffer: &Buffer, value: &PropValue<'_>, v: &mut _PV) -> Result<()> {
    match *value {
        PropValue::MvUnicode(list) => {
            let ptrs = child_array::<*mut u16>(buffer, list.len())?;
            for (i, w) in list.iter().enumerate() {
                // SAFETY: `ptrs` has room for `list.len()` pointers.
                unsafe { ptrs.add(i).write(terminated(buffer, w)?) };
            }
            v.MVszW = sys::SWStringArray {
                cValues: count_of(list.len())?,
                lppszW: ptrs,
            }
        }
        PropValue::MvString8(list) => {
            let ptrs = child_array::<*mut sys::CHAR>(buffer, list.len())?;
            for (i, s) in list.iter().enumerate() {
                // SAFETY: `ptrs` has room for `list.len()` pointers.
                unsafe { ptrs.add(i).write(terminated(buffer, s)?.cast()) };
            }
            v.MVszA = sys::SLPSTRArray {
                cValues: count_of(list.len())?,
                lppszA: ptrs,
            }
        }
        PropValue::MvBinary(list) => {
            let bins = child_array::<sys::SBinary>(buffer, list.len())?;
            for (i, b) in list.iter().enumerate() {
                let bin = sys::SBinary {
                    cb: count_of(b.len())?,
                    lpb: copy_to(buffer, b)?,
                };
                // SAFETY: `bins` has room for `list.len()` entries.
                unsafe { bins.add(i).write(bin) };
            }
            v.MVbin = sys::SBinaryArray {
                cValues: count_of(list.len())?,
                lpbin: bins,
            }
        }
        PropValue::MvSysTime(times) => {
            let items: Vec<sys::FILETIME> = times
                .iter()
                .map(|t| sys::FILETIME {
                    dwLowDateTime: t as u32,
                    dwHighDateTime: (t >> 32) as u32,
                })
                .collect();
            v.MVl = fixed(buffer, &items)?;
        }
        PropValue::MvLong(l) => v.MVl = fixed(buffer, l)?,
        PropValue::MvI2(l) => v.MVl = fixed(buffer, l)?,
        PropValue::MvR4(l) => v.MVl = fixed(buffer, l)?,
        PropValue::MvDouble(l) | PropValue::MvAppTime(l) => v.MVl = fixed(buffer, l)?,
        PropValue::MvCurrency(l) | PropValue::MvI8(l) => v.MVl = fixed(buffer, l)?,
        PropValue::MvClsid(l) => v.MVl = fixed(buffer, l)?,
        // Every single value is write_value's.
        _ => {}
    }
    Ok(())
}

/// A fixed-size list's `{ ULONG cValues; T *lp; }`, its items copied into a child of
/// `buffer`. Every fixed-size multi-valued member of `_PV` (`MVi`, `MVl`, `MVflt`,
/// `MVdbl`, `MVcur`, `MVat`, `MVft`, `MVguid`, `MVli`) is that struct for its `T`, laid
/// out alike, so the one written as `MVl` is read back through the member its type
/// names. (`CURRENCY` and `LARGE_INTEGER` are unions over one 64-bit integer: `i64`'s
/// size and alignment.)
fn fixed<T: Copy>(buffer: &Buffer, items: &[T]) -> Result<sys::SLongArray> {
    Ok(sys::SLongArray {
        cValues: count_of(items.len())?,
        lpl: copy_to(buffer, items)?.cast(),
    })
}

/// Room for `n` items of `T` in a child of `buffer` (zeroed: null pointers, empty
/// binaries, until written).
pub(crate) fn child_array<T>(buffer: &Buffer, n: usize) -> Result<*mut T> {
    Ok(buffer.more(n * size_of::<T>())?.as_ptr().cast())
}

/// An `SPropValue` array of `props` (tag, value) in a new MAPI buffer, their strings and
/// arrays in children of it.
pub(crate) fn write_values<'p>(
    allocators: crate::mem::Allocators,
    props: impl ExactSizeIterator<Item = (ULONG, PropValue<'p>)>,
) -> Result<Buffer> {
    let n = props.len();
    let buffer = Buffer::new(allocators, n * size_of::<SPropValue>())?;
    let values = buffer.as_ptr().cast::<SPropValue>();
    for (i, (tag, value)) in props.enumerate().take(n) {
        let value = write_value(&buffer, &value)?;
        // SAFETY: `values` has room for `n` values, aligned (MAPI buffers are aligned for
        // any MAPI type), and `i < n`.
        unsafe {
            values.add(i).write(SPropValue {
                ulPropTag: tag,
                dwAlignPad: 0,
                Value: value,
            })
        };
    }
    Ok(buffer)
}

/// The `count` values at the start of `buffer`.
///
/// # Safety
/// [`write_values`] wrote at least `count` values there.
pub(crate) unsafe fn values_in(buffer: &Buffer, count: ULONG) -> &[SPropValue] {
    // SAFETY: caller's contract; alive while `buffer` is.
    unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<SPropValue>(), count as usize) }
}
