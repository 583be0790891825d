//! [`OwnedValue`]: a property value that owns its data, for what outlives the call that
//! brought it (a table's rows and restrictions, a backend's answer, a cache).

use super::{Binaries, PropValue, Strings, SysTimes};
use crate::sys::{GUID, HRESULT, ULONG};

/// A property value of one of the types [`PropValue`] has, owning its data: strings,
/// binaries and lists in `Vec`s. [`as_value`](OwnedValue::as_value) views it as a
/// [`PropValue`] (what readers, writers and comparisons take); `From<PropValue>` copies one.
///
/// ```
/// use mapi_sync::props::{OwnedValue, PropValue};
///
/// let owned = OwnedValue::from(PropValue::Str("Inbox"));
/// assert_eq!(owned.as_value(), PropValue::Str("Inbox"));
/// assert_eq!(owned, OwnedValue::Unicode("Inbox".encode_utf16().collect()));
/// ```
#[derive(Debug, Clone)]
pub enum OwnedValue {
    /// `PT_NULL`.
    Null,
    /// `PT_LONG`.
    Long(i32),
    /// `PT_BOOLEAN`.
    Boolean(bool),
    /// `PT_I8`.
    I8(i64),
    /// `PT_SYSTIME` (a `FILETIME`: 100-nanosecond intervals since 1601-01-01 UTC).
    SysTime(u64),
    /// `PT_UNICODE`, without the terminating NUL.
    Unicode(Vec<u16>),
    /// `PT_STRING8`, without the terminating NUL.
    String8(Vec<u8>),
    /// `PT_BINARY`.
    Binary(Vec<u8>),
    /// `PT_ERROR`.
    Error(HRESULT),
    /// `PT_CLSID`.
    Clsid(GUID),
    /// `PT_MV_LONG`.
    MvLong(Vec<i32>),
    /// `PT_MV_UNICODE`, each without its NUL.
    MvUnicode(Vec<Vec<u16>>),
    /// `PT_MV_STRING8`, each without its NUL.
    MvString8(Vec<Vec<u8>>),
    /// `PT_MV_BINARY`.
    MvBinary(Vec<Vec<u8>>),
    /// `PT_I2`.
    I2(i16),
    /// `PT_R4`.
    R4(f32),
    /// `PT_DOUBLE`.
    Double(f64),
    /// `PT_CURRENCY` (the amount times 10,000).
    Currency(i64),
    /// `PT_APPTIME`.
    AppTime(f64),
    /// `PT_OBJECT`.
    Object,
    /// `PT_MV_I2`.
    MvI2(Vec<i16>),
    /// `PT_MV_R4`.
    MvR4(Vec<f32>),
    /// `PT_MV_DOUBLE`.
    MvDouble(Vec<f64>),
    /// `PT_MV_CURRENCY`.
    MvCurrency(Vec<i64>),
    /// `PT_MV_APPTIME`.
    MvAppTime(Vec<f64>),
    /// `PT_MV_SYSTIME`.
    MvSysTime(Vec<u64>),
    /// `PT_MV_CLSID`.
    MvClsid(Vec<GUID>),
    /// `PT_MV_I8`.
    MvI8(Vec<i64>),
}

impl OwnedValue {
    /// The value, borrowed.
    pub fn as_value(&self) -> PropValue<'_> {
        match self {
            OwnedValue::Null => PropValue::Null,
            OwnedValue::Long(v) => PropValue::Long(*v),
            OwnedValue::Boolean(v) => PropValue::Boolean(*v),
            OwnedValue::I8(v) => PropValue::I8(*v),
            OwnedValue::SysTime(v) => PropValue::SysTime(*v),
            OwnedValue::Unicode(v) => PropValue::Unicode(v),
            OwnedValue::String8(v) => PropValue::String8(v),
            OwnedValue::Binary(v) => PropValue::Binary(v),
            OwnedValue::Error(v) => PropValue::Error(*v),
            OwnedValue::Clsid(v) => PropValue::Clsid(*v),
            OwnedValue::MvLong(v) => PropValue::MvLong(v),
            OwnedValue::MvUnicode(v) => PropValue::MvUnicode(Strings::from_vecs(v)),
            OwnedValue::MvString8(v) => PropValue::MvString8(Strings::from_vecs(v)),
            OwnedValue::MvBinary(v) => PropValue::MvBinary(Binaries::from_vecs(v)),
            OwnedValue::I2(v) => PropValue::I2(*v),
            OwnedValue::R4(v) => PropValue::R4(*v),
            OwnedValue::Double(v) => PropValue::Double(*v),
            OwnedValue::Currency(v) => PropValue::Currency(*v),
            OwnedValue::AppTime(v) => PropValue::AppTime(*v),
            OwnedValue::Object => PropValue::Object,
            OwnedValue::MvI2(v) => PropValue::MvI2(v),
            OwnedValue::MvR4(v) => PropValue::MvR4(v),
            OwnedValue::MvDouble(v) => PropValue::MvDouble(v),
            OwnedValue::MvCurrency(v) => PropValue::MvCurrency(v),
            OwnedValue::MvAppTime(v) => PropValue::MvAppTime(v),
            OwnedValue::MvSysTime(v) => PropValue::MvSysTime(SysTimes::new(v)),
            OwnedValue::MvClsid(v) => PropValue::MvClsid(v),
            OwnedValue::MvI8(v) => PropValue::MvI8(v),
        }
    }

    /// The `PT_*` type this value is written as.
    pub fn prop_type(&self) -> ULONG {
        self.as_value().prop_type()
    }
}

/// As [`PropValue`]'s: the same type and data, floating-point values by their bits.
impl PartialEq for OwnedValue {
    fn eq(&self, other: &OwnedValue) -> bool {
        self.as_value() == other.as_value()
    }
}

impl From<PropValue<'_>> for OwnedValue {
    fn from(value: PropValue<'_>) -> OwnedValue {
        match value {
            PropValue::Null => OwnedValue::Null,
            PropValue::Long(v) => OwnedValue::Long(v),
            PropValue::Boolean(v) => OwnedValue::Boolean(v),
            PropValue::I8(v) => OwnedValue::I8(v),
            PropValue::SysTime(v) => OwnedValue::SysTime(v),
            PropValue::Unicode(v) => OwnedValue::Unicode(v.to_vec()),
            PropValue::Str(s) => OwnedValue::Unicode(s.encode_utf16().collect()),
            PropValue::String8(v) => OwnedValue::String8(v.to_vec()),
            PropValue::Binary(v) => OwnedValue::Binary(v.to_vec()),
            PropValue::Error(v) => OwnedValue::Error(v),
            PropValue::Clsid(v) => OwnedValue::Clsid(v),
            PropValue::MvLong(v) => OwnedValue::MvLong(v.to_vec()),
            PropValue::MvUnicode(v) => {
                OwnedValue::MvUnicode(v.iter().map(<[u16]>::to_vec).collect())
            }
            PropValue::MvString8(v) => {
                OwnedValue::MvString8(v.iter().map(<[u8]>::to_vec).collect())
            }
            PropValue::MvBinary(v) => OwnedValue::MvBinary(v.iter().map(<[u8]>::to_vec).collect()),
            PropValue::I2(v) => OwnedValue::I2(v),
            PropValue::R4(v) => OwnedValue::R4(v),
            PropValue::Double(v) => OwnedValue::Double(v),
            PropValue::Currency(v) => OwnedValue::Currency(v),
            PropValue::AppTime(v) => OwnedValue::AppTime(v),
            PropValue::Object => OwnedValue::Object,
            PropValue::MvI2(v) => OwnedValue::MvI2(v.to_vec()),
            PropValue::MvR4(v) => OwnedValue::MvR4(v.to_vec()),
            PropValue::MvDouble(v) => OwnedValue::MvDouble(v.to_vec()),
            PropValue::MvCurrency(v) => OwnedValue::MvCurrency(v.to_vec()),
            PropValue::MvAppTime(v) => OwnedValue::MvAppTime(v.to_vec()),
            PropValue::MvSysTime(v) => OwnedValue::MvSysTime(v.iter().collect()),
            PropValue::MvClsid(v) => OwnedValue::MvClsid(v.to_vec()),
            PropValue::MvI8(v) => OwnedValue::MvI8(v.to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_round_trips_through_its_owned_form() {
        let w: Vec<u16> = "é✉".encode_utf16().collect();
        let (s1, s2): (&[u16], &[u16]) = (&w, &[]);
        let (b1, b2): (&[u8], &[u8]) = (b"a", b"bc");
        let (strings_w, strings_a, binaries) = ([s1, s2], [b1, b2], [b1, b2]);
        let guid = GUID::from_parts(1, 2, 3, [4; 8]);
        for value in [
            PropValue::Null,
            PropValue::Long(-1),
            PropValue::Boolean(true),
            PropValue::I8(1 << 40),
            PropValue::SysTime(7),
            PropValue::Unicode(&w),
            PropValue::String8(b"x"),
            PropValue::Binary(&[0, 1]),
            PropValue::Error(crate::sys::MAPI_E_NOT_FOUND),
            PropValue::Clsid(guid),
            PropValue::MvLong(&[1, 2]),
            PropValue::MvUnicode(Strings::new(&strings_w)),
            PropValue::MvString8(Strings::new(&strings_a)),
            PropValue::MvBinary(Binaries::new(&binaries)),
            PropValue::I2(-2),
            PropValue::R4(1.5),
            PropValue::Double(f64::NAN),
            PropValue::Currency(12_345_678),
            PropValue::AppTime(45_000.25),
            PropValue::Object,
            PropValue::MvI2(&[1, -1]),
            PropValue::MvR4(&[0.5, -0.0]),
            PropValue::MvDouble(&[1e300]),
            PropValue::MvCurrency(&[-5]),
            PropValue::MvAppTime(&[1.0, 2.0]),
            PropValue::MvSysTime(SysTimes::new(&[1 << 60, 3])),
            PropValue::MvClsid(&[guid, guid]),
            PropValue::MvI8(&[i64::MIN]),
        ] {
            let owned = OwnedValue::from(value);
            assert_eq!(owned.as_value(), value);
            assert_eq!(owned.prop_type(), value.prop_type());
        }
        // `Str` is written as PT_UNICODE, and owned as such.
        assert_eq!(
            OwnedValue::from(PropValue::Str("é✉")),
            OwnedValue::Unicode(w)
        );
    }
}
