//! [`PropValue`]: a property value of any type this crate reads and writes, borrowing its
//! data; [`Strings`] and [`Binaries`], the lists of the multi-valued types.

use std::fmt;

use crate::ll::slice::{bytes_unchecked, until_nul_unchecked};
use crate::sys::{self, GUID, HRESULT, ULONG};

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
    /// An [`OwnedValue`](super::OwnedValue)'s strings.
    Owned(&'a [Vec<T>]),
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

    /// Strings held in `Vec`s (an [`OwnedValue`](super::OwnedValue)'s).
    pub fn from_vecs(items: &'a [Vec<T>]) -> Strings<'a, T> {
        Strings(StringsRepr::Owned(items))
    }

    /// MAPI's array of string pointers, read in place.
    ///
    /// # Safety
    /// Every pointer must be non-null and NUL-terminated, the strings valid and not
    /// written for `'a` (what `crate::ll::prop_value::check` made sure of).
    pub(crate) unsafe fn raw(pointers: &'a [*const T]) -> Strings<'a, T> {
        Strings(StringsRepr::Raw(pointers))
    }

    /// How many strings.
    pub fn len(&self) -> usize {
        match self.0 {
            StringsRepr::Raw(p) => p.len(),
            StringsRepr::Slices(s) => s.len(),
            StringsRepr::Owned(s) => s.len(),
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
            StringsRepr::Owned(s) => s.get(i).map(Vec::as_slice),
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
    /// An [`OwnedValue`](super::OwnedValue)'s byte strings.
    Owned(&'a [Vec<u8>]),
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

    /// Byte strings held in `Vec`s (an [`OwnedValue`](super::OwnedValue)'s).
    pub fn from_vecs(items: &'a [Vec<u8>]) -> Binaries<'a> {
        Binaries(BinariesRepr::Owned(items))
    }

    /// MAPI's `SBinary` array, read in place.
    ///
    /// # Safety
    /// Every entry must have `cb` bytes at a non-null `lpb` (or none), valid and not
    /// written for `'a` (what `crate::ll::prop_value::check` made sure of).
    pub(crate) unsafe fn raw(entries: &'a [sys::SBinary]) -> Binaries<'a> {
        Binaries(BinariesRepr::Raw(entries))
    }

    /// How many byte strings.
    pub fn len(&self) -> usize {
        match self.0 {
            BinariesRepr::Raw(b) => b.len(),
            BinariesRepr::Slices(s) => s.len(),
            BinariesRepr::Owned(s) => s.len(),
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
            BinariesRepr::Owned(s) => s.get(i).map(Vec::as_slice),
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
