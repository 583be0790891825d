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

/// A safe `IMAPIProp`: what an object's properties are, and how to set them. Write
/// `properties` in the attribute (`#[mapi_object(IMessage, properties)]`, also for
/// `#[mapi_sync_provider]`) and the macro implements `IMAPIProp_Impl` from this trait:
///
/// - `GetProps` answers from what [`properties`](Properties::properties) gives as
///   [`PropArray::answer`] does (in the caller's order, `PT_ERROR` values of
///   `MAPI_E_NOT_FOUND` for what is missing, `MAPI_W_ERRORS_RETURNED` then), in memory
///   from [`Allocators::provider`](crate::mem::Allocators::provider) that the caller frees
///   with `MAPIFreeBuffer`;
/// - `GetPropList` lists their tags, in the same memory;
/// - `SetProps` hands the caller's values, checked, to
///   [`set_properties`](Properties::set_properties);
/// - every other `IMAPIProp` method answers `MAPI_E_NO_SUPPORT`.
///
/// Null out-pointers are `MAPI_E_INVALID_PARAMETER`; an `Err` is its code. With
/// `properties`, do not implement `IMAPIProp_Impl` yourself (rustc reports the two
/// implementations).
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::props::{Prop, Properties, PropValue};
/// use mapi_sync::sys::{self, IMessage_Impl};
///
/// #[mapi_object(IMessage, properties)]
/// struct Message {
///     subject: String,
/// }
///
/// impl IMessage_Impl for Message {}
/// impl Properties for Message {
///     fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
///         answer(&[
///             Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&self.subject))?,
///             Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(42))?,
///         ]);
///         Ok(())
///     }
/// }
/// # let m: sys::IMessage = Object::new(Message { subject: "Hi".into() }).cast().unwrap();
/// # let (mut n, mut v) = (0, std::ptr::null_mut());
/// # assert_eq!(unsafe { m.GetProps(std::ptr::null_mut(), 0, &mut n, &mut v) }, sys::S_OK);
/// # assert_eq!(n, 2);
/// # unsafe { mapi_sync::mem::Allocators::provider().as_raw().2.unwrap()(v.cast()) };
/// ```
pub trait Properties {
    /// Hands every property the object has now to `answer`, once; the values may borrow
    /// from anything alive for the call (a field, a lock guard held meanwhile). Not
    /// calling it answers as for an object with no properties.
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> crate::Result<()>;

    /// Sets `values` (each already checked: its type is its tag's). The default answers
    /// `MAPI_E_NO_SUPPORT`, as for an object whose properties cannot be changed.
    fn set_properties(&self, values: Props<'_>) -> crate::Result<()> {
        let _ = values;
        Err(crate::Error::new(crate::sys::MAPI_E_NO_SUPPORT))
    }
}

pub use values::{
    entry_id, prop_tags, write_entry_id, write_prop_tags, Binaries, Prop, PropArray, PropValue,
    Props, RowSet, Rows, Strings,
};

/// Safe views of `SPropValue`, `SPropTagArray`, `SRowSet` and `ENTRYID`, and their writers.
///
/// Reading never copies: [`Props`] checks a caller's `SPropValue` array once (every type
/// one this crate reads, every pointer there) and then decodes a value each time it is
/// reached, borrowing strings and arrays where they are. [`PropValue`] is `Copy`.
mod values {
    use std::fmt;
    use std::mem::size_of;
    use std::ptr::NonNull;

    use super::{prop_type, ULONG};
    use crate::mem::{Allocators, Buffer};
    use crate::sys::{self, SPropValue, _PV, GUID, HRESULT};
    use crate::{Error, Result};

    /// A property value of one of the types a store uses, borrowing its data: from the
    /// `SPropValue` it was read from, or from the Rust values it is about to be written
    /// from.
    #[derive(Clone, Copy)]
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
        Unicode(&'a [u16]),
        /// A Rust string written as `PT_UNICODE` (encoded straight into the MAPI buffer).
        /// Reading gives [`Unicode`](PropValue::Unicode); the two compare equal when
        /// they hold the same text.
        Str(&'a str),
        /// `PT_STRING8`, without the terminating NUL.
        String8(&'a [u8]),
        /// `PT_BINARY`.
        Binary(&'a [u8]),
        /// `PT_ERROR`: why the property has no value.
        Error(HRESULT),
        /// `PT_CLSID`.
        Clsid(GUID),
        /// `PT_MV_LONG`.
        MvLong(&'a [i32]),
        /// `PT_MV_UNICODE`, each without its NUL.
        MvUnicode(Strings<'a, u16>),
        /// `PT_MV_STRING8`, each without its NUL.
        MvString8(Strings<'a, u8>),
        /// `PT_MV_BINARY`.
        MvBinary(Binaries<'a>),
    }

    impl<'a> PropValue<'a> {
        /// The `PT_*` type this value is written as.
        pub fn prop_type(&self) -> ULONG {
            match self {
                PropValue::Null => sys::PT_NULL,
                PropValue::Long(_) => sys::PT_LONG,
                PropValue::Boolean(_) => sys::PT_BOOLEAN,
                PropValue::I8(_) => sys::PT_I8,
                PropValue::SysTime(_) => sys::PT_SYSTIME,
                PropValue::Unicode(_) | PropValue::Str(_) => sys::PT_UNICODE,
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

        /// The text of a `PT_UNICODE` value (invalid UTF-16 replaced), or `None`.
        pub fn to_text(&self) -> Option<String> {
            match self {
                PropValue::Unicode(w) => Some(String::from_utf16_lossy(w)),
                PropValue::Str(s) => Some((*s).to_owned()),
                _ => None,
            }
        }
    }

    impl PartialEq for PropValue<'_> {
        fn eq(&self, other: &Self) -> bool {
            use PropValue as V;
            match (self, other) {
                (V::Null, V::Null) => true,
                (V::Long(a), V::Long(b)) => a == b,
                (V::Boolean(a), V::Boolean(b)) => a == b,
                (V::I8(a), V::I8(b)) => a == b,
                (V::SysTime(a), V::SysTime(b)) => a == b,
                (V::Unicode(a), V::Unicode(b)) => a == b,
                (V::Str(a), V::Str(b)) => a == b,
                (V::Str(s), V::Unicode(w)) | (V::Unicode(w), V::Str(s)) => {
                    s.encode_utf16().eq(w.iter().copied())
                }
                (V::String8(a), V::String8(b)) => a == b,
                (V::Binary(a), V::Binary(b)) => a == b,
                (V::Error(a), V::Error(b)) => a == b,
                (V::Clsid(a), V::Clsid(b)) => a == b,
                (V::MvLong(a), V::MvLong(b)) => a == b,
                (V::MvUnicode(a), V::MvUnicode(b)) => a == b,
                (V::MvString8(a), V::MvString8(b)) => a == b,
                (V::MvBinary(a), V::MvBinary(b)) => a == b,
                _ => false,
            }
        }
    }

    impl fmt::Debug for PropValue<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                PropValue::Null => f.write_str("Null"),
                PropValue::Long(v) => f.debug_tuple("Long").field(v).finish(),
                PropValue::Boolean(v) => f.debug_tuple("Boolean").field(v).finish(),
                PropValue::I8(v) => f.debug_tuple("I8").field(v).finish(),
                PropValue::SysTime(v) => f.debug_tuple("SysTime").field(v).finish(),
                PropValue::Unicode(w) => f
                    .debug_tuple("Unicode")
                    .field(&String::from_utf16_lossy(w))
                    .finish(),
                PropValue::Str(s) => f.debug_tuple("Str").field(s).finish(),
                PropValue::String8(s) => f
                    .debug_tuple("String8")
                    .field(&String::from_utf8_lossy(s))
                    .finish(),
                PropValue::Binary(b) => f.debug_tuple("Binary").field(b).finish(),
                PropValue::Error(e) => f
                    .debug_tuple("Error")
                    .field(&format_args!("{:#010X}", *e as u32))
                    .finish(),
                PropValue::Clsid(g) => f.debug_tuple("Clsid").field(g).finish(),
                PropValue::MvLong(v) => f.debug_tuple("MvLong").field(v).finish(),
                PropValue::MvUnicode(v) => f.debug_tuple("MvUnicode").field(v).finish(),
                PropValue::MvString8(v) => f.debug_tuple("MvString8").field(v).finish(),
                PropValue::MvBinary(v) => f.debug_tuple("MvBinary").field(v).finish(),
            }
        }
    }

    /// The strings of a `PT_MV_UNICODE` (`u16`) or `PT_MV_STRING8` (`u8`) value: read in
    /// place from MAPI's array of string pointers, or made from Rust slices to be written.
    #[derive(Clone, Copy)]
    pub struct Strings<'a, T>(StringsRepr<'a, T>);

    #[derive(Clone, Copy)]
    enum StringsRepr<'a, T> {
        /// MAPI's pointers, each checked non-null when read (see [`Props::from_raw`]);
        /// NUL-terminated and valid for `'a` by that function's contract.
        Raw(&'a [*const T]),
        Slices(&'a [&'a [T]]),
    }

    // SAFETY: a `Strings` is a shared, read-only view of strings valid for `'a`, as a
    // `&'a [&'a [T]]` is; its raw pointers are never written through.
    unsafe impl<T: Sync> Send for Strings<'_, T> {}
    // SAFETY: as above.
    unsafe impl<T: Sync> Sync for Strings<'_, T> {}

    impl<'a, T: Copy + Default + PartialEq> Strings<'a, T> {
        /// Strings to be written.
        pub fn new(items: &'a [&'a [T]]) -> Strings<'a, T> {
            Strings(StringsRepr::Slices(items))
        }

        /// How many strings.
        pub fn len(&self) -> usize {
            match self.0 {
                StringsRepr::Raw(p) => p.len(),
                StringsRepr::Slices(s) => s.len(),
            }
        }

        /// Whether there are none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// String `i`, without its NUL.
        pub fn get(&self, i: usize) -> Option<&'a [T]> {
            match self.0 {
                // SAFETY: checked non-null when read, NUL-terminated and valid for 'a
                // (the contract of `Props::from_raw`/`Prop::from_raw`).
                StringsRepr::Raw(p) => p.get(i).map(|&s| unsafe { until_nul_unchecked(s) }),
                StringsRepr::Slices(s) => s.get(i).copied(),
            }
        }

        /// The strings, in order.
        pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [T]> + 'a
        where
            T: 'a,
        {
            let this = *self;
            (0..this.len()).map(move |i| this.get(i).expect("in range"))
        }
    }

    impl<T: Copy + Default + PartialEq> PartialEq for Strings<'_, T> {
        fn eq(&self, other: &Self) -> bool {
            self.len() == other.len() && self.iter().eq(other.iter())
        }
    }

    impl<T: Copy + Default + PartialEq + fmt::Debug> fmt::Debug for Strings<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_list().entries(self.iter()).finish()
        }
    }

    /// The byte strings of a `PT_MV_BINARY` value: read in place from MAPI's `SBinary`
    /// array, or made from Rust slices to be written.
    #[derive(Clone, Copy)]
    pub struct Binaries<'a>(BinariesRepr<'a>);

    #[derive(Clone, Copy)]
    enum BinariesRepr<'a> {
        /// MAPI's `SBinary`s, each checked (non-null where it has bytes) when read.
        Raw(&'a [sys::SBinary]),
        Slices(&'a [&'a [u8]]),
    }

    // SAFETY: a shared, read-only view of bytes valid for `'a`, as `&'a [&'a [u8]]` is.
    unsafe impl Send for Binaries<'_> {}
    // SAFETY: as above.
    unsafe impl Sync for Binaries<'_> {}

    impl<'a> Binaries<'a> {
        /// Byte strings to be written.
        pub fn new(items: &'a [&'a [u8]]) -> Binaries<'a> {
            Binaries(BinariesRepr::Slices(items))
        }

        /// How many byte strings.
        pub fn len(&self) -> usize {
            match self.0 {
                BinariesRepr::Raw(b) => b.len(),
                BinariesRepr::Slices(s) => s.len(),
            }
        }

        /// Whether there are none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Byte string `i`.
        pub fn get(&self, i: usize) -> Option<&'a [u8]> {
            match self.0 {
                // SAFETY: checked when read: `cb` bytes at a non-null `lpb` (or none),
                // valid for 'a by the reader's contract.
                BinariesRepr::Raw(b) => b.get(i).map(|b| unsafe { bytes_unchecked(b) }),
                BinariesRepr::Slices(s) => s.get(i).copied(),
            }
        }

        /// The byte strings, in order.
        pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
            let this = *self;
            (0..this.len()).map(move |i| this.get(i).expect("in range"))
        }
    }

    impl PartialEq for Binaries<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.len() == other.len() && self.iter().eq(other.iter())
        }
    }

    impl fmt::Debug for Binaries<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_list().entries(self.iter()).finish()
        }
    }

    /// A property: its tag and value, whose type always matches the tag's.
    #[derive(Debug, Clone, Copy, PartialEq)]
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

    /// Why a raw value could not be read; made into an [`Error`] only on the cold path.
    #[derive(Clone, Copy)]
    enum Bad {
        NullString,
        NullArray,
        NullClsid,
        Type(ULONG),
    }

    impl Bad {
        #[cold]
        fn error(self, index: usize) -> Error {
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
    fn array_ok<T>(p: *const T, count: ULONG) -> core::result::Result<(), Bad> {
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
    unsafe fn items_unchecked<'a, T>(p: *const T, count: ULONG) -> &'a [T] {
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
    unsafe fn until_nul_unchecked<'a, T: Copy + Default + PartialEq>(p: *const T) -> &'a [T] {
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
    unsafe fn bytes_unchecked<'a>(b: &sys::SBinary) -> &'a [u8] {
        // SAFETY: caller's contract.
        unsafe { items_unchecked(b.lpb, b.cb) }
    }

    /// Checks that `raw` can be decoded: a type this crate reads, and every pointer its
    /// type needs there.
    ///
    /// # Safety
    /// `raw` must be a well-formed `SPropValue` (the tag's type says which union member
    /// MAPI wrote, and its arrays hold the items they claim).
    #[inline(always)]
    unsafe fn check(raw: &SPropValue) -> core::result::Result<(), Bad> {
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
                | sys::PT_ERROR => Ok(()),
                sys::PT_UNICODE if v.lpszW.is_null() => Err(Bad::NullString),
                sys::PT_STRING8 if v.lpszA.is_null() => Err(Bad::NullString),
                sys::PT_UNICODE | sys::PT_STRING8 => Ok(()),
                sys::PT_BINARY => array_ok(v.bin.lpb, v.bin.cb),
                sys::PT_CLSID if v.lpguid.is_null() => Err(Bad::NullClsid),
                sys::PT_CLSID => Ok(()),
                sys::PT_MV_LONG => array_ok(v.MVl.lpl, v.MVl.cValues),
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
    unsafe fn decode<'a>(raw: &'a SPropValue) -> PropValue<'a> {
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
                sys::PT_MV_UNICODE => PropValue::MvUnicode(Strings(StringsRepr::Raw(
                    items_unchecked(v.MVszW.lppszW.cast::<*const u16>(), v.MVszW.cValues),
                ))),
                sys::PT_MV_STRING8 => PropValue::MvString8(Strings(StringsRepr::Raw(
                    items_unchecked(v.MVszA.lppszA.cast::<*const u8>(), v.MVszA.cValues),
                ))),
                sys::PT_MV_BINARY => PropValue::MvBinary(Binaries(BinariesRepr::Raw(
                    items_unchecked(v.MVbin.lpbin, v.MVbin.cValues),
                ))),
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
    unsafe fn decode_checked<'a>(raw: &'a SPropValue) -> core::result::Result<PropValue<'a>, Bad> {
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
        pub fn value(&self) -> PropValue<'a> {
            self.value
        }

        /// Reads one `SPropValue`, borrowing its data. Refused as [`Props::from_raw`]
        /// refuses a value.
        ///
        /// # Safety
        /// As for [`Props::from_raw`], for this one value.
        #[inline]
        pub unsafe fn from_raw(raw: &'a SPropValue) -> Result<Prop<'a>> {
            // SAFETY: forwarded from the caller; `decode` only after `check`.
            unsafe {
                check(raw).map_err(|bad| bad.error(0))?;
                Ok(Prop {
                    tag: raw.ulPropTag,
                    value: decode(raw),
                })
            }
        }
    }

    /// An `SPropValue` array read in place (what `GetProps` gives back, what `SetProps`
    /// and a table row hand in): checked once when made, each value decoded when reached.
    #[derive(Clone, Copy)]
    pub struct Props<'a> {
        /// Every value passed [`check`].
        values: &'a [SPropValue],
    }

    impl<'a> Props<'a> {
        /// Checks `count` values at `values`. `MAPI_E_BAD_VALUE` for a type this crate
        /// does not read (the tag's type says which union member holds the value),
        /// `MAPI_E_CORRUPT_DATA` for a null string, GUID or array with items; the error
        /// names the value's index.
        ///
        /// # Safety
        /// `values` must be null with `count == 0`, or point at `count` well-formed
        /// `SPropValue`s whose strings, arrays and binaries are valid, and not written,
        /// for `'a`, as MAPI hands them out.
        pub unsafe fn from_raw(values: *const SPropValue, count: ULONG) -> Result<Props<'a>> {
            array_ok(values, count).map_err(|bad| bad.error(0))?;
            // SAFETY: caller's contract.
            let values = unsafe { items_unchecked(values, count) };
            for (i, v) in values.iter().enumerate() {
                // SAFETY: caller's contract.
                if let Err(bad) = unsafe { check(v) } {
                    return Err(bad.error(i));
                }
            }
            Ok(Props { values })
        }

        /// Reads `count` values at `values` into `out` (cleared first), checking and
        /// decoding each in one pass: what [`from_raw`](Props::from_raw) followed by
        /// collecting its values gives, with one walk over the array, for a caller that
        /// wants them all (a loop over many arrays reuses `out`'s allocation). On an
        /// error `out` holds the values before the bad one.
        ///
        /// # Safety
        /// As for [`from_raw`](Props::from_raw).
        pub unsafe fn read_into(
            values: *const SPropValue,
            count: ULONG,
            out: &mut Vec<Prop<'a>>,
        ) -> Result<()> {
            out.clear();
            array_ok(values, count).map_err(|bad| bad.error(0))?;
            // SAFETY: caller's contract.
            let values: &'a [SPropValue] = unsafe { items_unchecked(values, count) };
            out.reserve(values.len());
            for (i, v) in values.iter().enumerate() {
                // SAFETY: caller's contract; `decode` only after `check`.
                unsafe {
                    match decode_checked(v) {
                        Ok(value) => out.push(Prop {
                            tag: v.ulPropTag,
                            value,
                        }),
                        Err(bad) => return Err(bad.error(i)),
                    }
                }
            }
            Ok(())
        }

        /// How many values.
        pub fn len(&self) -> usize {
            self.values.len()
        }

        /// Whether there are none.
        pub fn is_empty(&self) -> bool {
            self.values.is_empty()
        }

        /// Value `i`.
        #[inline]
        pub fn get(&self, i: usize) -> Option<Prop<'a>> {
            self.values.get(i).map(|v| Prop {
                tag: v.ulPropTag,
                // SAFETY: checked when `self` was made, valid for 'a.
                value: unsafe { decode(v) },
            })
        }

        /// The first value whose tag is `tag`.
        pub fn find(&self, tag: ULONG) -> Option<Prop<'a>> {
            self.iter().find(|p| p.tag == tag)
        }

        /// The values, in order.
        #[inline]
        pub fn iter(&self) -> impl ExactSizeIterator<Item = Prop<'a>> + DoubleEndedIterator + 'a {
            self.values.iter().map(|v| Prop {
                tag: v.ulPropTag,
                // SAFETY: checked when `self` was made, valid for 'a.
                value: unsafe { decode(v) },
            })
        }

        /// The raw values.
        pub fn as_raw(&self) -> &'a [SPropValue] {
            self.values
        }
    }

    impl fmt::Debug for Props<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_list().entries(self.iter()).finish()
        }
    }

    impl<'a> PartialEq<[Prop<'a>]> for Props<'a> {
        fn eq(&self, other: &[Prop<'a>]) -> bool {
            self.len() == other.len() && self.iter().eq(other.iter().copied())
        }
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
            let count = count_of(props.len())?;
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

        /// The values, read back.
        pub fn props(&self) -> Props<'_> {
            Props {
                // Written by `write_value`, which writes only what `check` accepts:
                // every pointer a type needs, into this buffer, alive while `self` is.
                values: self.as_slice(),
            }
        }

        /// What `IMAPIProp::GetProps` answers from the properties an object `has`, as
        /// MAPI documents it: with no tags `requested` (a null `lpPropTagArray`), every
        /// property; otherwise one value per requested tag, in the caller's order: the
        /// property with that tag, or (for a tag of type `PT_UNSPECIFIED`) the one with
        /// that identifier, or else a `PT_ERROR` value of `MAPI_E_NOT_FOUND` with the
        /// tag's identifier. The method then returns [`status`](PropArray::status)
        /// (`MAPI_W_ERRORS_RETURNED` when any value is a `PT_ERROR`).
        ///
        /// ```
        /// use mapi_sync::mem::Allocators;
        /// use mapi_sync::props::{prop_tag, Prop, PropArray, PropValue};
        /// use mapi_sync::sys::{self, PR_BODY_W, PR_SUBJECT_W, PT_ERROR};
        ///
        /// let has = [Prop::new(PR_SUBJECT_W, PropValue::Str("Hello"))?];
        /// let answer = PropArray::answer(Allocators::local(), Some(&[PR_SUBJECT_W, PR_BODY_W]), &has)?;
        /// assert_eq!(answer.status(), sys::MAPI_W_ERRORS_RETURNED);
        /// let values = answer.props();
        /// assert_eq!(values.get(0), Some(has[0]));
        /// let missing = values.get(1).unwrap();
        /// assert_eq!(missing.tag(), prop_tag(PT_ERROR, 0x1000));
        /// assert_eq!(missing.value(), PropValue::Error(sys::MAPI_E_NOT_FOUND));
        /// # Ok::<(), mapi_sync::Error>(())
        /// ```
        pub fn answer(
            allocators: Allocators,
            requested: Option<&[ULONG]>,
            has: &[Prop<'_>],
        ) -> Result<PropArray> {
            let Some(requested) = requested else {
                return PropArray::write(allocators, has);
            };
            let answer: Vec<Prop<'_>> = requested
                .iter()
                .map(|&tag| {
                    let found = if prop_type(tag) == sys::PT_UNSPECIFIED {
                        has.iter()
                            .find(|p| super::prop_id(p.tag) == super::prop_id(tag))
                    } else {
                        has.iter().find(|p| p.tag == tag)
                    };
                    found.copied().unwrap_or(Prop {
                        tag: super::change_prop_type(tag, sys::PT_ERROR),
                        value: PropValue::Error(sys::MAPI_E_NOT_FOUND),
                    })
                })
                .collect();
            PropArray::write(allocators, &answer)
        }

        /// `MAPI_W_ERRORS_RETURNED` if any value is a `PT_ERROR`, else `S_OK`: what
        /// `GetProps` returns with the array.
        pub fn status(&self) -> HRESULT {
            let errors = self
                .as_slice()
                .iter()
                .any(|v| prop_type(v.ulPropTag) == sys::PT_ERROR);
            if errors {
                sys::MAPI_W_ERRORS_RETURNED
            } else {
                sys::S_OK
            }
        }

        /// Hands the array to a `GetProps`-style caller: writes `*count_out`
        /// (`lpcValues`) and `*array_out` (`lppPropArray`), which the caller frees with
        /// `MAPIFreeBuffer`, and returns [`status`](PropArray::status). `MAPI_E_INVALID_PARAMETER`, with
        /// nothing written and the array freed, if either pointer is null.
        ///
        /// # Safety
        /// Each pointer must be null or writable.
        pub unsafe fn hand_out(
            self,
            count_out: *mut ULONG,
            array_out: *mut *mut SPropValue,
        ) -> HRESULT {
            if count_out.is_null() || array_out.is_null() {
                return sys::MAPI_E_INVALID_PARAMETER;
            }
            let status = self.status();
            let (count, values) = self.into_raw();
            // SAFETY: non-null and writable (caller's contract); the array moves to the
            // caller.
            unsafe {
                *count_out = count;
                *array_out = values;
            }
            status
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

    /// `s` as a NUL-terminated UTF-16 string in `buffer`.
    fn terminated_utf16(buffer: &Buffer, s: &str) -> Result<*mut u16> {
        let len = s.encode_utf16().count();
        let child: NonNull<u8> = buffer.more((len + 1) * size_of::<u16>())?;
        let p = child.as_ptr().cast::<u16>();
        // SAFETY: room for `len` units and the NUL, aligned for u16; `encode_utf16`
        // yields exactly `len` units, as counted above.
        unsafe {
            for (i, unit) in s.encode_utf16().enumerate() {
                p.add(i).write(unit);
            }
            p.add(len).write(0);
        }
        Ok(p)
    }

    fn count_of(n: usize) -> Result<ULONG> {
        ULONG::try_from(n).map_err(|_| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))
    }

    fn write_value(buffer: &Buffer, value: &PropValue<'_>) -> Result<_PV> {
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
            PropValue::MvLong(l) => {
                v.MVl = sys::SLongArray {
                    cValues: count_of(l.len())?,
                    lpl: copy_to(buffer, l)?,
                }
            }
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
        }
        Ok(v)
    }

    /// Room for `n` items of `T` in a child of `buffer` (zeroed: null pointers, empty
    /// binaries, until written).
    fn child_array<T>(buffer: &Buffer, n: usize) -> Result<*mut T> {
        Ok(buffer.more(n * size_of::<T>())?.as_ptr().cast())
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
        pub fn write<'p, R: AsRef<[Prop<'p>]>>(
            allocators: Allocators,
            rows: &[R],
        ) -> Result<RowSet> {
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

    #[cfg(test)]
    mod tests {
        use super::super::prop_tag;
        use super::*;

        fn sample() -> Vec<Prop<'static>> {
            let guid = GUID::from_parts(1, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11]);
            let p = |tag, value| Prop::new(tag, value).unwrap();
            vec![
                p(sys::PR_DISPLAY_NAME_W, PropValue::Str("Inbox ✉")),
                p(sys::PR_ENTRYID, PropValue::Binary(&[1, 2, 3])),
                p(prop_tag(sys::PT_LONG, 0x3602), PropValue::Long(-7)),
                p(prop_tag(sys::PT_BOOLEAN, 0x360A), PropValue::Boolean(true)),
                p(prop_tag(sys::PT_I8, 0x0E08), PropValue::I8(1 << 40)),
                p(
                    sys::PR_MESSAGE_DELIVERY_TIME,
                    PropValue::SysTime(0x01D9_0000_1234_5678),
                ),
                p(sys::PR_SUBJECT, PropValue::String8(b"hi")),
                p(
                    prop_tag(sys::PT_ERROR, 0x1000),
                    PropValue::Error(sys::MAPI_E_NOT_FOUND),
                ),
                p(prop_tag(sys::PT_CLSID, 0x6600), PropValue::Clsid(guid)),
                p(
                    prop_tag(sys::PT_MV_LONG, 0x6601),
                    PropValue::MvLong(&[1, 2, 3]),
                ),
                p(
                    prop_tag(sys::PT_MV_UNICODE, 0x6602),
                    PropValue::MvUnicode(Strings::new(&[&[0x61, 0x3042], &[]])),
                ),
                p(
                    prop_tag(sys::PT_MV_STRING8, 0x6603),
                    PropValue::MvString8(Strings::new(&[b"x", b"yz"])),
                ),
                p(
                    prop_tag(sys::PT_MV_BINARY, 0x6604),
                    PropValue::MvBinary(Binaries::new(&[&[9], &[]])),
                ),
                p(prop_tag(sys::PT_NULL, 0x6605), PropValue::Null),
                p(
                    prop_tag(sys::PT_UNICODE, 0x6606),
                    PropValue::Unicode(&[0x48, 0x69]),
                ),
            ]
        }

        #[test]
        fn every_type_survives_a_round_trip_through_a_mapi_buffer() {
            let props = sample();
            let array = PropArray::write(Allocators::local(), &props).unwrap();
            assert_eq!(array.as_slice().len(), props.len());
            assert_eq!(array.props(), props[..]);
            // SAFETY: just written by PropArray, alive while `array` is.
            let back = unsafe { Props::from_raw(array.as_slice().as_ptr(), props.len() as ULONG) }
                .unwrap();
            assert_eq!(back, props[..]);
            // The one-pass reader gives the same values, into reused storage.
            let mut all = vec![props[0]];
            // SAFETY: as above.
            unsafe { Props::read_into(array.as_slice().as_ptr(), props.len() as ULONG, &mut all) }
                .unwrap();
            assert_eq!(all, props);
            let name = back.find(sys::PR_DISPLAY_NAME_W).unwrap().value();
            assert!(matches!(name, PropValue::Unicode(_)), "{name:?}");
            assert_eq!(name.to_text().as_deref(), Some("Inbox ✉"));
            assert_eq!(name, PropValue::Str("Inbox ✉"));
            assert_ne!(name, PropValue::Str("Inbox"));
            let PropValue::MvUnicode(list) = back.get(10).unwrap().value() else {
                panic!("{:?}", back.get(10));
            };
            assert_eq!(list.iter().collect::<Vec<_>>(), [&[0x61, 0x3042][..], &[]]);
            assert!(back.find(sys::PR_BODY).is_none());
            assert!(back.get(props.len()).is_none());
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
            let e = Prop::new(sys::PR_SUBJECT, PropValue::Str("not 8-bit")).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
        }

        fn raw(tag: ULONG, value: _PV) -> SPropValue {
            SPropValue {
                ulPropTag: tag,
                dwAlignPad: 0,
                Value: value,
            }
        }

        #[test]
        fn unreadable_raw_values_are_errors() {
            let code = |r: &SPropValue| {
                // SAFETY: each value below is one the reader refuses before reading any
                // pointer it holds.
                let e = unsafe { Prop::from_raw(r) }.unwrap_err();
                e.code()
            };
            let null_string = raw(sys::PR_DISPLAY_NAME_W, empty());
            assert_eq!(code(&null_string), sys::MAPI_E_CORRUPT_DATA);
            assert_eq!(
                code(&raw(prop_tag(sys::PT_CURRENCY, 0x6000), empty())),
                sys::MAPI_E_BAD_VALUE
            );
            let mut v = empty();
            v.bin = sys::SBinary {
                cb: 3,
                lpb: std::ptr::null_mut(),
            };
            assert_eq!(code(&raw(sys::PR_ENTRYID, v)), sys::MAPI_E_CORRUPT_DATA);
            assert_eq!(
                code(&raw(prop_tag(sys::PT_CLSID, 0x6600), empty())),
                sys::MAPI_E_CORRUPT_DATA
            );
            // A multi-valued string with one null among its strings.
            let a: [u16; 2] = [0x61, 0];
            let mut strings = [a.as_ptr().cast_mut(), std::ptr::null_mut()];
            let mut v = empty();
            v.MVszW = sys::SWStringArray {
                cValues: 2,
                lppszW: strings.as_mut_ptr(),
            };
            let mv = raw(prop_tag(sys::PT_MV_UNICODE, 0x6602), v);
            assert_eq!(code(&mv), sys::MAPI_E_CORRUPT_DATA);
            // In an array, the error names the value.
            let ok = raw(prop_tag(sys::PT_LONG, 0x3602), empty());
            let values = [ok, ok, mv];
            // SAFETY: the bad value is refused before its strings are read.
            let e = unsafe { Props::from_raw(values.as_ptr(), 3) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            assert!(e.text().contains("property value 2"), "{}", e.text());
            let mut out = Vec::new();
            // SAFETY: as above.
            let e = unsafe { Props::read_into(values.as_ptr(), 3, &mut out) }.unwrap_err();
            assert!(e.text().contains("property value 2"), "{}", e.text());
            assert_eq!(out.len(), 2, "the values before the bad one");
            // SAFETY: a null array with values is refused before reading.
            let e = unsafe { Props::from_raw(std::ptr::null(), 2) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            // SAFETY: a null array without values is an empty one.
            assert!(unsafe { Props::from_raw(std::ptr::null(), 0) }
                .unwrap()
                .is_empty());
        }

        #[test]
        fn get_props_answers_in_the_callers_order_with_errors_for_what_is_missing() {
            let has = sample();
            let size = prop_tag(sys::PT_UNSPECIFIED, 0x0E08);
            let requested = [sys::PR_SUBJECT, sys::PR_BODY_W, size, sys::PR_ENTRYID];
            let answer = PropArray::answer(Allocators::local(), Some(&requested), &has).unwrap();
            assert_eq!(answer.status(), sys::MAPI_W_ERRORS_RETURNED);
            let got: Vec<_> = answer.props().iter().collect();
            assert_eq!(got[0], has[6]);
            assert_eq!(got[1].tag(), prop_tag(sys::PT_ERROR, 0x1000));
            assert_eq!(got[1].value(), PropValue::Error(sys::MAPI_E_NOT_FOUND));
            assert_eq!(got[2], has[4], "PT_UNSPECIFIED finds the property by id");
            assert_eq!(got[3], has[1]);
            // No tag array: everything; no PT_ERROR asked for or given beyond the
            // sample's own.
            let all = PropArray::answer(Allocators::local(), None, &has[..7]).unwrap();
            assert_eq!(all.props(), has[..7]);
            assert_eq!(all.status(), sys::S_OK);
            // Handed out: both pointers written; a null one refused.
            let (mut count, mut values) = (0, std::ptr::null_mut());
            // SAFETY: both writable.
            assert_eq!(unsafe { all.hand_out(&mut count, &mut values) }, sys::S_OK);
            assert_eq!(count, 7);
            let (_, _, free) = Allocators::local().as_raw();
            // SAFETY: the caller's MAPIFreeBuffer, once.
            unsafe { free.unwrap()(values.cast()) };
            let again = PropArray::answer(Allocators::local(), None, &has).unwrap();
            // SAFETY: null is refused before anything is written.
            let hr = unsafe { again.hand_out(&mut count, std::ptr::null_mut()) };
            assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
        }

        #[test]
        fn values_are_plain_data_that_cross_threads() {
            fn send_sync<T: Send + Sync + Copy>() {}
            send_sync::<PropValue<'static>>();
            send_sync::<Prop<'static>>();
        }

        #[test]
        fn row_sets_round_trip_and_a_truncated_one_is_refused() {
            let rows = vec![
                vec![
                    Prop::new(sys::PR_SUBJECT, PropValue::String8(b"one")).unwrap(),
                    Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("1")).unwrap(),
                ],
                vec![],
                vec![Prop::new(sys::PR_SUBJECT, PropValue::String8(b"three")).unwrap()],
            ];
            let set = RowSet::write(Allocators::local(), &rows).unwrap();
            // SAFETY: just written, alive while `set` is.
            let back = unsafe { Rows::from_raw(set.as_ptr()) }.unwrap();
            assert_eq!(back.len(), 3);
            assert!(back.iter().zip(&rows).all(|(r, w)| r == w[..]));
            assert_eq!(back.get(1).unwrap().len(), 0);
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
                (saved, Rows::from_raw(raw).unwrap_err())
            };
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            assert!(e.text().contains("row 1"), "{}", e.text());
            // SAFETY: put back what was there, so `set` frees it.
            unsafe {
                *std::ptr::addr_of_mut!((*raw).aRow)
                    .cast::<sys::SRow>()
                    .add(1) = saved
            };
            drop(set);
            // SAFETY: null is refused.
            let e = unsafe { Rows::from_raw(std::ptr::null()) }.unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
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
