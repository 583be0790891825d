//! Property tags: the `PROP_*` macros of `mapidefs.h` as `const fn`s.
//!
//! A property tag is a 32-bit value: the property identifier in the high 16 bits, the
//! property type (`PT_*`) in the low 16 (`mapidefs.h`: `PROP_TYPE_MASK` is `0x0000FFFF`,
//! `PROP_ID(tag)` is `tag >> 16`, `PROP_TAG(type, id)` is `(id << 16) | type`).
//!
//! ```
//! use mapi_sync::props::{change_prop_type, prop_id, prop_tag, prop_type};
//! use mapi_sync::sys::{PR_DISPLAY_NAME, PR_DISPLAY_NAME_W, PT_STRING8, PT_UNICODE};
//!
//! assert_eq!(prop_id(PR_DISPLAY_NAME), 0x3001);
//! assert_eq!(prop_type(PR_DISPLAY_NAME), PT_STRING8);
//! assert_eq!(prop_tag(PT_UNICODE, 0x3001), PR_DISPLAY_NAME_W);
//! assert_eq!(change_prop_type(PR_DISPLAY_NAME, PT_UNICODE), PR_DISPLAY_NAME_W);
//! ```

use crate::sys::ULONG;

/// `PROP_TYPE_MASK`: the type bits of a tag.
pub const PROP_TYPE_MASK: ULONG = 0x0000_FFFF;

/// `PROP_TYPE(tag)`: the property type (`PT_*`).
pub const fn prop_type(tag: ULONG) -> ULONG {
    tag & PROP_TYPE_MASK
}

/// `PROP_ID(tag)`: the property identifier.
pub const fn prop_id(tag: ULONG) -> ULONG {
    tag >> 16
}

/// `PROP_TAG(type, id)`: the tag of property `id` with type `ty` (only the low 16 bits of
/// each count).
pub const fn prop_tag(ty: ULONG, id: ULONG) -> ULONG {
    ((id & 0xFFFF) << 16) | (ty & PROP_TYPE_MASK)
}

/// `CHANGE_PROP_TYPE(tag, type)`: the same property with another type.
pub const fn change_prop_type(tag: ULONG, ty: ULONG) -> ULONG {
    (tag & 0xFFFF_0000) | (ty & PROP_TYPE_MASK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;

    #[test]
    fn tags_of_the_headers_split_and_join() {
        for (tag, id, ty) in [
            (sys::PR_ENTRYID, 0x0FFF, sys::PT_BINARY),
            (sys::PR_DISPLAY_NAME_W, 0x3001, sys::PT_UNICODE),
        ] {
            assert_eq!((prop_id(tag), prop_type(tag)), (id, ty));
            assert_eq!(prop_tag(ty, id), tag);
            assert_eq!(change_prop_type(tag, prop_type(tag)), tag);
        }
        // Only 16 bits of each part count.
        assert_eq!(prop_tag(0x1_0003, 0x1_3001), 0x3001_0003);
        const CONST_TAG: ULONG = prop_tag(sys::PT_LONG, 0x0E08);
        assert_eq!(CONST_TAG, 0x0E08_0003);
    }
}

pub use values::{
    entry_id, prop_tags, read_rows, write_entry_id, write_prop_tags, Prop, PropArray, PropValue,
    RowSet,
};

/// Safe views of `SPropValue`, `SPropTagArray`, `SRowSet` and `ENTRYID`, and their writers.
mod values {
    use std::borrow::Cow;
    use std::mem::size_of;
    use std::ptr::NonNull;

    use super::{prop_type, ULONG};
    use crate::mem::{Allocators, Buffer};
    use crate::sys::{self, SPropValue, _PV, GUID, HRESULT};
    use crate::{Error, Result};

    /// A property value of one of the types a store uses, borrowing its data from where
    /// it was read (or, for a text made from a Rust string, owning it).
    // A primitive representation keeps every payload at an aligned offset after the tag:
    // with the default layout the compiler packed small payloads at odd offsets, and
    // reading 100 values spent most of its time in misaligned copies.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PropValue<'a> {
        /// `PT_NULL`.
        Null,
        /// `PT_LONG`.
        Long(i32),
        /// `PT_BOOLEAN`.
        Boolean(bool),
        /// `PT_I8`.
        I8(i64),
        /// `PT_SYSTIME`: 100-nanosecond intervals since 1601-01-01 UTC (a `FILETIME`).
        SysTime(u64),
        /// `PT_UNICODE`, without the terminating NUL.
        Unicode(Cow<'a, [u16]>),
        /// `PT_STRING8`, without the terminating NUL.
        String8(Cow<'a, [u8]>),
        /// `PT_BINARY`.
        Binary(Cow<'a, [u8]>),
        /// `PT_ERROR`: why the property has no value.
        Error(HRESULT),
        /// `PT_CLSID`.
        Clsid(GUID),
        /// `PT_MV_LONG`.
        MvLong(Cow<'a, [i32]>),
        /// `PT_MV_UNICODE`, each without its NUL.
        MvUnicode(Vec<Cow<'a, [u16]>>),
        /// `PT_MV_STRING8`, each without its NUL.
        MvString8(Vec<Cow<'a, [u8]>>),
        /// `PT_MV_BINARY`.
        MvBinary(Vec<Cow<'a, [u8]>>),
    }

    impl PropValue<'_> {
        /// The `PT_*` type this value is written as.
        pub fn prop_type(&self) -> ULONG {
            match self {
                PropValue::Null => sys::PT_NULL,
                PropValue::Long(_) => sys::PT_LONG,
                PropValue::Boolean(_) => sys::PT_BOOLEAN,
                PropValue::I8(_) => sys::PT_I8,
                PropValue::SysTime(_) => sys::PT_SYSTIME,
                PropValue::Unicode(_) => sys::PT_UNICODE,
                PropValue::String8(_) => sys::PT_STRING8,
                PropValue::Binary(_) => sys::PT_BINARY,
                PropValue::Error(_) => sys::PT_ERROR,
                PropValue::Clsid(_) => sys::PT_CLSID,
                PropValue::MvLong(_) => sys::PT_MV_LONG,
                PropValue::MvUnicode(_) => sys::PT_MV_UNICODE,
                PropValue::MvString8(_) => sys::PT_MV_STRING8,
                PropValue::MvBinary(_) => sys::PT_MV_BINARY,
            }
        }

        /// A `PT_UNICODE` value from a Rust string.
        pub fn text(s: &str) -> PropValue<'static> {
            PropValue::Unicode(Cow::Owned(s.encode_utf16().collect()))
        }

        /// The text of a `PT_UNICODE` value (invalid UTF-16 replaced), or `None`.
        pub fn to_text(&self) -> Option<String> {
            match self {
                PropValue::Unicode(w) => Some(String::from_utf16_lossy(w)),
                _ => None,
            }
        }
    }

    /// A property: its tag and value, whose type always matches the tag's.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Prop<'a> {
        tag: ULONG,
        value: PropValue<'a>,
    }

    fn mismatch(tag: ULONG, wanted: ULONG) -> Error {
        Error::with_message(
            sys::MAPI_E_BAD_VALUE,
            format!(
                "property tag {tag:#010X} has type {:#06X}, not {wanted:#06X}",
                prop_type(tag)
            ),
        )
    }

    /// Why a raw value could not be read; made into an [`Error`] only on the cold path,
    /// so that reading stays a loop of small moves.
    #[derive(Clone, Copy)]
    enum Bad {
        NullString,
        NullArray,
        NullClsid,
        Type(ULONG),
    }

    impl Bad {
        #[cold]
        fn error(self) -> Error {
            match self {
                Bad::NullString => Error::with_message(sys::MAPI_E_CORRUPT_DATA, "a null string"),
                Bad::NullArray => {
                    Error::with_message(sys::MAPI_E_CORRUPT_DATA, "a null array with items")
                }
                Bad::NullClsid => Error::with_message(sys::MAPI_E_CORRUPT_DATA, "a null PT_CLSID"),
                Bad::Type(t) => Error::with_message(
                    sys::MAPI_E_BAD_VALUE,
                    format!("property type {t:#06X} is not one this crate reads"),
                ),
            }
        }
    }

    /// Reads `count` items from a MAPI array pointer (null only when `count` is 0).
    ///
    /// # Safety
    /// `p` must point at `count` readable items for `'a`.
    #[inline]
    unsafe fn items<'a, T>(p: *const T, count: ULONG) -> core::result::Result<&'a [T], Bad> {
        if count == 0 {
            return Ok(&[]);
        }
        if p.is_null() {
            return Err(Bad::NullArray);
        }
        // SAFETY: caller's contract.
        Ok(unsafe { std::slice::from_raw_parts(p, count as usize) })
    }

    /// A NUL-terminated string's items before the NUL.
    ///
    /// # Safety
    /// `p` must be a NUL-terminated string readable for `'a`.
    #[inline]
    unsafe fn until_nul<'a, T: Copy + Default + PartialEq>(
        p: *const T,
    ) -> core::result::Result<&'a [T], Bad> {
        if p.is_null() {
            return Err(Bad::NullString);
        }
        let mut n = 0;
        // SAFETY: caller's contract: every item up to the NUL is readable.
        unsafe {
            while *p.add(n) != T::default() {
                n += 1;
            }
            Ok(std::slice::from_raw_parts(p, n))
        }
    }

    /// The value of `raw`, as the tag's type says.
    ///
    /// # Safety
    /// As for [`Prop::from_raw`].
    #[inline(always)]
    unsafe fn decode(raw: &SPropValue) -> core::result::Result<PropValue<'_>, Bad> {
        let v = &raw.Value;
        // SAFETY (all the union reads and array views below): the tag's type says which
        // member of the union MAPI wrote (caller's contract).
        unsafe {
            Ok(match prop_type(raw.ulPropTag) {
                sys::PT_NULL => PropValue::Null,
                sys::PT_LONG => PropValue::Long(v.l),
                sys::PT_BOOLEAN => PropValue::Boolean(v.b != 0),
                sys::PT_I8 => PropValue::I8(v.li.QuadPart),
                sys::PT_SYSTIME => PropValue::SysTime(
                    (u64::from(v.ft.dwHighDateTime) << 32) | u64::from(v.ft.dwLowDateTime),
                ),
                sys::PT_UNICODE => PropValue::Unicode(Cow::Borrowed(until_nul(v.lpszW)?)),
                sys::PT_STRING8 => {
                    PropValue::String8(Cow::Borrowed(bytes_of_chars(until_nul(v.lpszA)?)))
                }
                sys::PT_BINARY => PropValue::Binary(Cow::Borrowed(items(v.bin.lpb, v.bin.cb)?)),
                sys::PT_ERROR => PropValue::Error(v.err),
                sys::PT_CLSID => PropValue::Clsid(*v.lpguid.as_ref().ok_or(Bad::NullClsid)?),
                sys::PT_MV_LONG => {
                    PropValue::MvLong(Cow::Borrowed(items(v.MVl.lpl, v.MVl.cValues)?))
                }
                sys::PT_MV_UNICODE => PropValue::MvUnicode(
                    items(v.MVszW.lppszW, v.MVszW.cValues)?
                        .iter()
                        .map(|s| until_nul(*s).map(Cow::Borrowed))
                        .collect::<core::result::Result<_, Bad>>()?,
                ),
                sys::PT_MV_STRING8 => PropValue::MvString8(
                    items(v.MVszA.lppszA, v.MVszA.cValues)?
                        .iter()
                        .map(|s| until_nul(*s).map(|c| Cow::Borrowed(bytes_of_chars(c))))
                        .collect::<core::result::Result<_, Bad>>()?,
                ),
                sys::PT_MV_BINARY => PropValue::MvBinary(
                    items(v.MVbin.lpbin, v.MVbin.cValues)?
                        .iter()
                        .map(|b| items(b.lpb, b.cb).map(Cow::Borrowed))
                        .collect::<core::result::Result<_, Bad>>()?,
                ),
                other => return Err(Bad::Type(other)),
            })
        }
    }

    impl<'a> Prop<'a> {
        /// A property; `MAPI_E_BAD_VALUE` if the value's type is not the tag's.
        pub fn new(tag: ULONG, value: PropValue<'a>) -> Result<Prop<'a>> {
            if value.prop_type() != prop_type(tag) {
                return Err(mismatch(tag, value.prop_type()));
            }
            Ok(Prop { tag, value })
        }

        /// The tag.
        pub fn tag(&self) -> ULONG {
            self.tag
        }

        /// The value.
        pub fn value(&self) -> &PropValue<'a> {
            &self.value
        }

        /// Reads an `SPropValue`, borrowing its data. `MAPI_E_BAD_VALUE` for a type this
        /// crate does not read (the tag's type says which union member holds the value),
        /// `MAPI_E_CORRUPT_DATA` for a null string or array with items.
        ///
        /// # Safety
        /// `raw` must be a well-formed `SPropValue` whose pointers (strings, arrays,
        /// binaries) are valid for `'a`, as MAPI hands them out.
        #[inline]
        pub unsafe fn from_raw(raw: &'a SPropValue) -> Result<Prop<'a>> {
            // SAFETY: forwarded from the caller.
            match unsafe { decode(raw) } {
                Ok(value) => Ok(Prop {
                    tag: raw.ulPropTag,
                    value,
                }),
                Err(bad) => Err(bad.error()),
            }
        }

        /// Reads `count` `SPropValue`s.
        ///
        /// # Safety
        /// `values` must point at `count` values as [`from_raw`](Prop::from_raw) requires.
        pub unsafe fn read_all(values: *const SPropValue, count: ULONG) -> Result<Vec<Prop<'a>>> {
            let mut out = Vec::new();
            // SAFETY: forwarded from the caller.
            unsafe { Prop::read_into(values, count, &mut out) }?;
            Ok(out)
        }

        /// Like [`read_all`](Prop::read_all), into `out` (cleared first), so that a loop
        /// reading many arrays reuses one allocation. On an error `out` holds the values
        /// before the bad one.
        ///
        /// # Safety
        /// As for [`read_all`](Prop::read_all).
        pub unsafe fn read_into(
            values: *const SPropValue,
            count: ULONG,
            out: &mut Vec<Prop<'a>>,
        ) -> Result<()> {
            out.clear();
            // SAFETY: caller's contract.
            let values = unsafe { items(values, count) }.map_err(Bad::error)?;
            out.reserve(values.len());
            for v in values {
                // SAFETY: as above.
                match unsafe { decode(v) } {
                    Ok(value) => out.push(Prop {
                        tag: v.ulPropTag,
                        value,
                    }),
                    Err(bad) => return Err(bad.error()),
                }
            }
            Ok(())
        }
    }

    fn bytes_of_chars(chars: &[i8]) -> &[u8] {
        // SAFETY: i8 and u8 have one layout; the slice is the same memory.
        unsafe { std::slice::from_raw_parts(chars.as_ptr().cast(), chars.len()) }
    }

    /// An `SPropValue` array in one MAPI buffer (its strings and arrays allocated with
    /// `MAPIAllocateMore` on it), as `GetProps` hands it out.
    #[derive(Debug)]
    pub struct PropArray {
        buffer: Buffer,
        count: ULONG,
    }

    impl PropArray {
        /// Writes `props` with `allocators`.
        pub fn write(allocators: Allocators, props: &[Prop<'_>]) -> Result<PropArray> {
            let count = ULONG::try_from(props.len())
                .map_err(|_| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))?;
            let buffer = Buffer::new(allocators, props.len() * size_of::<SPropValue>())?;
            let values = buffer.as_ptr().cast::<SPropValue>();
            for (i, prop) in props.iter().enumerate() {
                let value = write_value(&buffer, &prop.value)?;
                // SAFETY: `values` has room for `props.len()` values, aligned (MAPI
                // buffers are aligned for any MAPI type).
                unsafe {
                    values.add(i).write(SPropValue {
                        ulPropTag: prop.tag,
                        dwAlignPad: 0,
                        Value: value,
                    })
                };
            }
            Ok(PropArray { buffer, count })
        }

        /// The values, as written.
        pub fn as_slice(&self) -> &[SPropValue] {
            // SAFETY: `count` values were written at the start of the buffer.
            unsafe {
                std::slice::from_raw_parts(
                    self.buffer.as_ptr().cast::<SPropValue>(),
                    self.count as usize,
                )
            }
        }

        /// `(cValues, lppPropArray)` for the caller, who frees the array with
        /// `MAPIFreeBuffer`.
        pub fn into_raw(self) -> (ULONG, *mut SPropValue) {
            (self.count, self.buffer.into_raw().cast())
        }
    }

    /// A zeroed `_PV`.
    fn empty() -> _PV {
        // SAFETY: every member of `_PV` is an integer, float or raw pointer (or a struct
        // of them), for which all zeroes is a valid value.
        unsafe { std::mem::zeroed() }
    }

    fn copy_to<T: Copy>(buffer: &Buffer, items: &[T]) -> Result<*mut T> {
        let size = std::mem::size_of_val(items);
        let child = buffer.more(size)?;
        let p = child.as_ptr().cast::<T>();
        // SAFETY: `child` has room for the items, aligned (MAPI buffers are aligned for
        // any MAPI type), and is new.
        unsafe { p.copy_from_nonoverlapping(items.as_ptr(), items.len()) };
        Ok(p)
    }

    /// A NUL-terminated copy of `chars` in `buffer`.
    fn terminated<T: Copy + Default>(buffer: &Buffer, chars: &[T]) -> Result<*mut T> {
        let child: NonNull<u8> = buffer.more((chars.len() + 1) * size_of::<T>())?;
        let p = child.as_ptr().cast::<T>();
        // SAFETY: room for the chars and the NUL (zeroed by `more`, and written anyway).
        unsafe {
            p.copy_from_nonoverlapping(chars.as_ptr(), chars.len());
            p.add(chars.len()).write(T::default());
        }
        Ok(p)
    }

    fn count_of(n: usize) -> Result<ULONG> {
        ULONG::try_from(n).map_err(|_| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))
    }

    fn write_value(buffer: &Buffer, value: &PropValue<'_>) -> Result<_PV> {
        let mut v = empty();
        match value {
            PropValue::Null => {}
            PropValue::Long(l) => v.l = *l,
            PropValue::Boolean(b) => v.b = u16::from(*b),
            PropValue::I8(i) => v.li = sys::LARGE_INTEGER { QuadPart: *i },
            PropValue::SysTime(t) => {
                v.ft = sys::FILETIME {
                    dwLowDateTime: *t as u32,
                    dwHighDateTime: (*t >> 32) as u32,
                }
            }
            PropValue::Unicode(w) => v.lpszW = terminated(buffer, w)?,
            PropValue::String8(s) => v.lpszA = terminated(buffer, s)?.cast(),
            PropValue::Binary(b) => {
                v.bin = sys::SBinary {
                    cb: count_of(b.len())?,
                    lpb: copy_to(buffer, b)?,
                }
            }
            PropValue::Error(e) => v.err = *e,
            PropValue::Clsid(g) => v.lpguid = copy_to(buffer, std::slice::from_ref(g))?,
            PropValue::MvLong(l) => {
                v.MVl = sys::SLongArray {
                    cValues: count_of(l.len())?,
                    lpl: copy_to(buffer, l)?,
                }
            }
            PropValue::MvUnicode(list) => {
                let ptrs: Vec<_> = list
                    .iter()
                    .map(|w| terminated(buffer, w))
                    .collect::<Result<_>>()?;
                v.MVszW = sys::SWStringArray {
                    cValues: count_of(ptrs.len())?,
                    lppszW: copy_to(buffer, &ptrs)?,
                }
            }
            PropValue::MvString8(list) => {
                let ptrs: Vec<_> = list
                    .iter()
                    .map(|s| terminated(buffer, s).map(|p| p.cast::<sys::CHAR>()))
                    .collect::<Result<_>>()?;
                v.MVszA = sys::SLPSTRArray {
                    cValues: count_of(ptrs.len())?,
                    lppszA: copy_to(buffer, &ptrs)?,
                }
            }
            PropValue::MvBinary(list) => {
                let bins: Vec<_> = list
                    .iter()
                    .map(|b| {
                        Ok(sys::SBinary {
                            cb: count_of(b.len())?,
                            lpb: copy_to(buffer, b)?,
                        })
                    })
                    .collect::<Result<_>>()?;
                v.MVbin = sys::SBinaryArray {
                    cValues: count_of(bins.len())?,
                    lpbin: copy_to(buffer, &bins)?,
                }
            }
        }
        Ok(v)
    }

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

    /// The rows of an `SRowSet`, each read as [`Prop::read_all`] does.
    /// `MAPI_E_CORRUPT_DATA` for a row that claims values but has none (a truncated set).
    ///
    /// # Safety
    /// `p` must be an `SRowSet` with `cRows` rows, each as `Prop::read_all` requires,
    /// valid for `'a`.
    pub unsafe fn read_rows<'a>(p: *const sys::SRowSet) -> Result<Vec<Vec<Prop<'a>>>> {
        if p.is_null() {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a null SRowSet",
            ));
        }
        // SAFETY: caller's contract; the rows follow `cRows` in place, reached through the
        // raw pointer (not a reference to the declared one-row struct).
        let rows = unsafe {
            let count = std::ptr::addr_of!((*p).cRows).read();
            std::slice::from_raw_parts(
                std::ptr::addr_of!((*p).aRow).cast::<sys::SRow>(),
                count as usize,
            )
        };
        rows.iter()
            .map(|row| {
                if row.cValues > 0 && row.lpProps.is_null() {
                    return Err(Error::with_message(
                        sys::MAPI_E_CORRUPT_DATA,
                        "a row with values but no value array",
                    ));
                }
                // SAFETY: caller's contract.
                unsafe { Prop::read_all(row.lpProps, row.cValues) }
            })
            .collect()
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
        /// Writes `rows`.
        pub fn write(allocators: Allocators, rows: &[Vec<Prop<'_>>]) -> Result<RowSet> {
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
                    let (count, values) = PropArray::write(allocators, row)?.into_raw();
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

    #[cfg(test)]
    mod tests {
        use super::*;

        fn sample() -> Vec<Prop<'static>> {
            let guid = GUID::from_parts(1, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11]);
            vec![
                Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::text("Inbox ✉")).unwrap(),
                Prop::new(
                    sys::PR_ENTRYID,
                    PropValue::Binary(Cow::Borrowed(&[1, 2, 3])),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_LONG, 0x3602),
                    PropValue::Long(-7),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_BOOLEAN, 0x360A),
                    PropValue::Boolean(true),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_I8, 0x0E08),
                    PropValue::I8(1 << 40),
                )
                .unwrap(),
                Prop::new(
                    sys::PR_MESSAGE_DELIVERY_TIME,
                    PropValue::SysTime(0x01D9_0000_1234_5678),
                )
                .unwrap(),
                Prop::new(sys::PR_SUBJECT, PropValue::String8(Cow::Borrowed(b"hi"))).unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_ERROR, 0x1000),
                    PropValue::Error(sys::MAPI_E_NOT_FOUND),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_CLSID, 0x6600),
                    PropValue::Clsid(guid),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_MV_LONG, 0x6601),
                    PropValue::MvLong(Cow::Borrowed(&[1, 2, 3])),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_MV_UNICODE, 0x6602),
                    PropValue::MvUnicode(vec![
                        Cow::Owned("a".encode_utf16().collect()),
                        Cow::Borrowed(&[]),
                    ]),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_MV_STRING8, 0x6603),
                    PropValue::MvString8(vec![Cow::Borrowed(b"x"), Cow::Borrowed(b"yz")]),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_MV_BINARY, 0x6604),
                    PropValue::MvBinary(vec![Cow::Borrowed(&[9]), Cow::Borrowed(&[])]),
                )
                .unwrap(),
                Prop::new(
                    super::super::prop_tag(sys::PT_NULL, 0x6605),
                    PropValue::Null,
                )
                .unwrap(),
            ]
        }

        #[test]
        fn every_type_survives_a_round_trip_through_a_mapi_buffer() {
            let props = sample();
            let array = PropArray::write(Allocators::local(), &props).unwrap();
            assert_eq!(array.as_slice().len(), props.len());
            // SAFETY: just written by PropArray, alive while `array` is.
            let back =
                unsafe { Prop::read_all(array.as_slice().as_ptr(), props.len() as ULONG) }.unwrap();
            assert_eq!(back, props);
            assert_eq!(back[0].value().to_text().as_deref(), Some("Inbox ✉"));
            // Handed out and freed by the caller: once.
            let (count, raw) = array.into_raw();
            assert_eq!(count as usize, props.len());
            let (_, _, free) = Allocators::local().as_raw();
            // SAFETY: what the caller of GetProps does with the array.
            unsafe { free.unwrap()(raw.cast()) };
        }

        #[test]
        fn a_value_whose_type_is_not_its_tags_is_refused() {
            let e = Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Long(1)).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
            assert!(e.text().contains("0x3001001F"), "{}", e.text());
        }

        #[test]
        fn unreadable_raw_values_are_errors() {
            let mut raw = SPropValue {
                ulPropTag: sys::PR_DISPLAY_NAME_W,
                dwAlignPad: 0,
                Value: empty(),
            };
            // SAFETY: a null string is something the reader refuses, not reads.
            let e = unsafe { Prop::from_raw(&raw) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            raw.ulPropTag = super::super::prop_tag(sys::PT_CURRENCY, 0x6000);
            // SAFETY: the type is refused before any member is read.
            let e = unsafe { Prop::from_raw(&raw) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
            raw.ulPropTag = sys::PR_ENTRYID;
            raw.Value.bin = sys::SBinary {
                cb: 3,
                lpb: std::ptr::null_mut(),
            };
            // SAFETY: a null array with items is refused.
            let e = unsafe { Prop::from_raw(&raw) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
        }

        #[test]
        fn row_sets_round_trip_and_a_truncated_one_is_refused() {
            let rows = vec![
                vec![
                    Prop::new(sys::PR_SUBJECT, PropValue::String8(Cow::Borrowed(b"one"))).unwrap(),
                    Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::text("1")).unwrap(),
                ],
                vec![],
                vec![
                    Prop::new(sys::PR_SUBJECT, PropValue::String8(Cow::Borrowed(b"three")))
                        .unwrap(),
                ],
            ];
            let set = RowSet::write(Allocators::local(), &rows).unwrap();
            // SAFETY: just written, alive while `set` is.
            assert_eq!(unsafe { read_rows(set.as_ptr()) }.unwrap(), rows);
            // A row that claims values it does not have.
            let raw = set.as_ptr().cast_mut();
            // SAFETY: row 1 exists; its (empty) value buffer stays owned by `set`.
            let (saved, e) = unsafe {
                let row = std::ptr::addr_of_mut!((*raw).aRow)
                    .cast::<sys::SRow>()
                    .add(1);
                let saved = *row;
                (*row).cValues = 5;
                (*row).lpProps = std::ptr::null_mut();
                (saved, read_rows(raw).unwrap_err())
            };
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            // SAFETY: put back what was there, so `set` frees it.
            unsafe {
                *std::ptr::addr_of_mut!((*raw).aRow)
                    .cast::<sys::SRow>()
                    .add(1) = saved
            };
            drop(set);
            // Handed out: the caller's FreeProws is each row's buffer, then the set.
            let set = RowSet::write(Allocators::local(), &rows)
                .unwrap()
                .into_raw();
            let (_, _, free) = Allocators::local().as_raw();
            // SAFETY: what FreeProws does, once.
            unsafe {
                let first = std::ptr::addr_of!((*set).aRow).cast::<sys::SRow>();
                for i in 0..(*set).cRows as usize {
                    free.unwrap()((*first.add(i)).lpProps.cast());
                }
                free.unwrap()(set.cast());
            }
        }

        #[test]
        fn tag_arrays_and_entry_ids_round_trip() {
            let buffer =
                write_prop_tags(Allocators::local(), &[sys::PR_ENTRYID, sys::PR_SUBJECT]).unwrap();
            // SAFETY: just written.
            let tags = unsafe { prop_tags(buffer.as_ptr().cast()) }.unwrap();
            assert_eq!(tags, [sys::PR_ENTRYID, sys::PR_SUBJECT]);
            // SAFETY: null is "all properties".
            assert!(unsafe { prop_tags(std::ptr::null()) }.is_none());
            let (cb, id) = write_entry_id(Allocators::local(), [0, 0, 0, 1], b"inbox").unwrap();
            assert_eq!(cb, 9);
            // SAFETY: `cb` bytes, just written.
            let (flags, bytes) = unsafe { entry_id(cb, id.as_ptr().cast()) }.unwrap();
            assert_eq!((flags, bytes), ([0, 0, 0, 1], &b"inbox"[..]));
            // SAFETY: too short: refused before reading.
            let e = unsafe { entry_id(3, id.as_ptr().cast()) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_INVALID_ENTRYID);
        }
    }
}
