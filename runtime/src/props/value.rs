//! [`PropValue`]: a property value of any type this crate reads and writes, borrowing its
//! data, for every property type of `mapidefs.h`; [`Strings`], [`Binaries`] and
//! [`SysTimes`], the lists of the multi-valued types that are not plain slices.

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
    /// `PT_I2`.
    I2(i16),
    /// `PT_R4`.
    R4(f32),
    /// `PT_DOUBLE`.
    Double(f64),
    /// `PT_CURRENCY`: a `CURRENCY`'s 64-bit integer, the amount times 10,000.
    Currency(i64),
    /// `PT_APPTIME`: days since 1899-12-30 as a `double`, the fraction the time of day.
    AppTime(f64),
    /// `PT_OBJECT`: the property is an object, opened with `OpenProperty`; its value
    /// carries nothing.
    Object,
    /// `PT_MV_I2`.
    MvI2(&'a [i16]),
    /// `PT_MV_R4`.
    MvR4(&'a [f32]),
    /// `PT_MV_DOUBLE`.
    MvDouble(&'a [f64]),
    /// `PT_MV_CURRENCY`, as for [`Currency`](PropValue::Currency).
    MvCurrency(&'a [i64]),
    /// `PT_MV_APPTIME`.
    MvAppTime(&'a [f64]),
    /// `PT_MV_SYSTIME`.
    MvSysTime(SysTimes<'a>),
    /// `PT_MV_CLSID`.
    MvClsid(&'a [GUID]),
    /// `PT_MV_I8`.
    MvI8(&'a [i64]),
}

impl<'a> PropValue<'a> {
    /// The `PT_*` type this value is written as.
    #[inline]
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
            PropValue::I2(_) => sys::PT_I2,
            PropValue::R4(_) => sys::PT_R4,
            PropValue::Double(_) => sys::PT_DOUBLE,
            PropValue::Currency(_) => sys::PT_CURRENCY,
            PropValue::AppTime(_) => sys::PT_APPTIME,
            PropValue::Object => sys::PT_OBJECT,
            PropValue::MvI2(_) => sys::PT_MV_I2,
            PropValue::MvR4(_) => sys::PT_MV_R4,
            PropValue::MvDouble(_) => sys::PT_MV_DOUBLE,
            PropValue::MvCurrency(_) => sys::PT_MV_CURRENCY,
            PropValue::MvAppTime(_) => sys::PT_MV_APPTIME,
            PropValue::MvSysTime(_) => sys::PT_MV_SYSTIME,
            PropValue::MvClsid(_) => sys::PT_MV_CLSID,
            PropValue::MvI8(_) => sys::PT_MV_I8,
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

/// Values are equal when they have the same type and the same data; floating-point values
/// compare by their bits, so that every value equals itself (a NaN included) and `0.0`
/// and `-0.0` differ, as a value read back must equal the one written.
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
            (V::I2(a), V::I2(b)) => a == b,
            (V::R4(a), V::R4(b)) => a.to_bits() == b.to_bits(),
            (V::Double(a), V::Double(b)) | (V::AppTime(a), V::AppTime(b)) => {
                a.to_bits() == b.to_bits()
            }
            (V::Currency(a), V::Currency(b)) => a == b,
            (V::Object, V::Object) => true,
            (V::MvI2(a), V::MvI2(b)) => a == b,
            (V::MvR4(a), V::MvR4(b)) => a
                .iter()
                .map(|x| x.to_bits())
                .eq(b.iter().map(|x| x.to_bits())),
            (V::MvDouble(a), V::MvDouble(b)) | (V::MvAppTime(a), V::MvAppTime(b)) => a
                .iter()
                .map(|x| x.to_bits())
                .eq(b.iter().map(|x| x.to_bits())),
            (V::MvCurrency(a), V::MvCurrency(b)) | (V::MvI8(a), V::MvI8(b)) => a == b,
            (V::MvSysTime(a), V::MvSysTime(b)) => a == b,
            (V::MvClsid(a), V::MvClsid(b)) => a == b,
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
            PropValue::I2(v) => f.debug_tuple("I2").field(v).finish(),
            PropValue::R4(v) => f.debug_tuple("R4").field(v).finish(),
            PropValue::Double(v) => f.debug_tuple("Double").field(v).finish(),
            PropValue::Currency(v) => f.debug_tuple("Currency").field(v).finish(),
            PropValue::AppTime(v) => f.debug_tuple("AppTime").field(v).finish(),
            PropValue::Object => f.write_str("Object"),
            PropValue::MvI2(v) => f.debug_tuple("MvI2").field(v).finish(),
            PropValue::MvR4(v) => f.debug_tuple("MvR4").field(v).finish(),
            PropValue::MvDouble(v) => f.debug_tuple("MvDouble").field(v).finish(),
            PropValue::MvCurrency(v) => f.debug_tuple("MvCurrency").field(v).finish(),
            PropValue::MvAppTime(v) => f.debug_tuple("MvAppTime").field(v).finish(),
            PropValue::MvSysTime(v) => f.debug_tuple("MvSysTime").field(v).finish(),
            PropValue::MvClsid(v) => f.debug_tuple("MvClsid").field(v).finish(),
            PropValue::MvI8(v) => f.debug_tuple("MvI8").field(v).finish(),
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

/// The times of a `PT_MV_SYSTIME` value, each as [`PropValue::SysTime`] has it (a
/// `FILETIME`'s 64 bits): read in place from MAPI's `FILETIME` array, or made from `u64`s.
#[derive(Clone, Copy)]
pub struct SysTimes<'a>(SysTimesRepr<'a>);

#[derive(Clone, Copy)]
enum SysTimesRepr<'a> {
    FileTimes(&'a [sys::FILETIME]),
    Values(&'a [u64]),
}

impl<'a> SysTimes<'a> {
    /// Times to be written.
    pub fn new(items: &'a [u64]) -> SysTimes<'a> {
        SysTimes(SysTimesRepr::Values(items))
    }

    /// MAPI's `FILETIME`s.
    pub fn from_file_times(items: &'a [sys::FILETIME]) -> SysTimes<'a> {
        SysTimes(SysTimesRepr::FileTimes(items))
    }

    /// How many times.
    pub fn len(&self) -> usize {
        match self.0 {
            SysTimesRepr::FileTimes(t) => t.len(),
            SysTimesRepr::Values(t) => t.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Time `i`.
    pub fn get(&self, i: usize) -> Option<u64> {
        match self.0 {
            SysTimesRepr::FileTimes(t) => t
                .get(i)
                .map(|ft| (u64::from(ft.dwHighDateTime) << 32) | u64::from(ft.dwLowDateTime)),
            SysTimesRepr::Values(t) => t.get(i).copied(),
        }
    }

    /// The times, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = u64> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.get(i).expect("in range"))
    }
}

impl PartialEq for SysTimes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for SysTimes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
