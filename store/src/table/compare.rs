//! How two property values compare: the one ordering the sort, the restrictions'
//! relations (`RELOP_*`) and the content matches (`FL_*`) all use.
//!
//! - Integers (`PT_LONG`, `PT_I8`), times (`PT_SYSTIME`) and booleans (`false` first)
//!   compare as numbers.
//! - Text (`PT_UNICODE`, `PT_STRING8`, in any mix) compares case-insensitively: each
//!   character is lowercased (Unicode's full lowercase mapping, as `char::to_lowercase`
//!   gives) and the sequences compare by code point. Outlook's views sort subjects and
//!   names this way whatever their case, and a store cannot do the locale's collation
//!   without a collation library; ordinal after lowercasing is the part of it that does
//!   not depend on the locale. `PT_STRING8` bytes are read in the system's ANSI code page,
//!   as `GetProps` converts them (`mapi_sync::props::convert::ansi_chars`: Windows-1252
//!   off Windows), so a value compares the same in either string type.
//! - Binaries compare bytewise; when one is a prefix of the other, the shorter first.
//! - GUIDs (`PT_CLSID`) compare by `Data1`, `Data2`, `Data3`, then `Data4`'s bytes.
//! - Multi-valued values compare value by value, then the shorter first.
//! - Values of different types do not compare (`None`), except text with text.

use std::cmp::Ordering;

use mapi_sync_runtime::props::convert::{ansi_chars, AnsiChars};
use mapi_sync_runtime::props::PropValue;
use mapi_sync_runtime::sys::GUID;

/// The characters of a text value: a `PT_UNICODE` value's UTF-16 (unpaired surrogates
/// read as U+FFFD), a `PT_STRING8` value's bytes (in the ANSI code page).
#[derive(Clone)]
pub(crate) enum Chars<'a> {
    Utf16(std::char::DecodeUtf16<std::iter::Copied<std::slice::Iter<'a, u16>>>),
    Utf8(std::str::Chars<'a>),
    Ansi(AnsiChars<'a>),
}

impl Iterator for Chars<'_> {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        match self {
            Chars::Utf16(it) => it.next().map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)),
            Chars::Utf8(it) => it.next(),
            Chars::Ansi(it) => it.next(),
        }
    }
}

/// The characters of UTF-16 text.
pub(crate) fn utf16_chars(w: &[u16]) -> Chars<'_> {
    Chars::Utf16(std::char::decode_utf16(w.iter().copied()))
}

/// The characters of `PT_STRING8` bytes.
pub(crate) fn string8_chars(b: &[u8]) -> Chars<'_> {
    Chars::Ansi(ansi_chars(b))
}

/// The characters of a text value, or `None` for a value that is not text.
pub(crate) fn text_chars<'a>(v: &PropValue<'a>) -> Option<Chars<'a>> {
    match *v {
        PropValue::Unicode(w) => Some(utf16_chars(w)),
        PropValue::Str(s) => Some(Chars::Utf8(s.chars())),
        PropValue::String8(b) => Some(string8_chars(b)),
        _ => None,
    }
}

/// The text of a value, lowercased (the form text compares in).
pub(crate) fn folded(chars: Chars<'_>) -> impl Iterator<Item = char> + Clone + '_ {
    chars.flat_map(char::to_lowercase)
}

/// Two texts, case-insensitively.
pub(crate) fn compare_text(a: Chars<'_>, b: Chars<'_>) -> Ordering {
    folded(a).cmp(folded(b))
}

fn compare_guid(a: &GUID, b: &GUID) -> Ordering {
    (a.Data1, a.Data2, a.Data3, a.Data4).cmp(&(b.Data1, b.Data2, b.Data3, b.Data4))
}

/// Whether two values have types that compare: the same type, or text with text.
pub fn comparable(a: &PropValue<'_>, b: &PropValue<'_>) -> bool {
    compare(a, b).is_some()
}

/// How `a` compares with `b`, or `None` when their types do not compare (see the module's
/// documentation). `PT_ERROR` and `PT_NULL` values compare with nothing but their own type.
pub fn compare(a: &PropValue<'_>, b: &PropValue<'_>) -> Option<Ordering> {
    use PropValue as V;
    if let (Some(x), Some(y)) = (text_chars(a), text_chars(b)) {
        return Some(compare_text(x, y));
    }
    Some(match (a, b) {
        (V::Null, V::Null) => Ordering::Equal,
        (V::Long(x), V::Long(y)) => x.cmp(y),
        (V::I8(x), V::I8(y)) => x.cmp(y),
        (V::SysTime(x), V::SysTime(y)) => x.cmp(y),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::Binary(x), V::Binary(y)) => x.cmp(y),
        (V::Clsid(x), V::Clsid(y)) => compare_guid(x, y),
        (V::Error(x), V::Error(y)) => x.cmp(y),
        (V::MvLong(x), V::MvLong(y)) => x.cmp(y),
        (V::MvBinary(x), V::MvBinary(y)) => x.iter().cmp(y.iter()),
        (V::MvUnicode(x), V::MvUnicode(y)) => x
            .iter()
            .map(utf16_chars)
            .zip(y.iter().map(utf16_chars))
            .map(|(p, q)| compare_text(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (V::MvString8(x), V::MvString8(y)) => x
            .iter()
            .map(string8_chars)
            .zip(y.iter().map(string8_chars))
            .map(|(p, q)| compare_text(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (V::MvUnicode(x), V::MvString8(y)) => x
            .iter()
            .map(utf16_chars)
            .zip(y.iter().map(string8_chars))
            .map(|(p, q)| compare_text(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (V::MvString8(_), V::MvUnicode(_)) => return compare(b, a).map(Ordering::reverse),
        (V::I2(x), V::I2(y)) => x.cmp(y),
        (V::Currency(x), V::Currency(y)) => x.cmp(y),
        (V::R4(x), V::R4(y)) => x.total_cmp(y),
        (V::Double(x), V::Double(y)) | (V::AppTime(x), V::AppTime(y)) => x.total_cmp(y),
        (V::Object, V::Object) => Ordering::Equal,
        (V::MvI2(x), V::MvI2(y)) => x.cmp(y),
        (V::MvCurrency(x), V::MvCurrency(y)) | (V::MvI8(x), V::MvI8(y)) => x.cmp(y),
        (V::MvR4(x), V::MvR4(y)) => lexicographic(x, y, f32::total_cmp),
        (V::MvDouble(x), V::MvDouble(y)) | (V::MvAppTime(x), V::MvAppTime(y)) => {
            lexicographic(x, y, f64::total_cmp)
        }
        (V::MvSysTime(x), V::MvSysTime(y)) => x.iter().cmp(y.iter()),
        (V::MvClsid(x), V::MvClsid(y)) => lexicographic(x, y, compare_guid),
        _ => return None,
    })
}

/// `x` against `y` item by item with `cmp`, then by length.
fn lexicographic<T>(x: &[T], y: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> Ordering {
    x.iter()
        .zip(y)
        .map(|(a, b)| cmp(a, b))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| x.len().cmp(&y.len()))
}

/// How many values a multi-valued value holds, or `None` for a single value.
pub(crate) fn element_count(v: &PropValue<'_>) -> Option<usize> {
    match v {
        PropValue::MvLong(x) => Some(x.len()),
        PropValue::MvUnicode(x) => Some(x.len()),
        PropValue::MvString8(x) => Some(x.len()),
        PropValue::MvBinary(x) => Some(x.len()),
        PropValue::MvI2(x) => Some(x.len()),
        PropValue::MvR4(x) => Some(x.len()),
        PropValue::MvDouble(x) | PropValue::MvAppTime(x) => Some(x.len()),
        PropValue::MvCurrency(x) | PropValue::MvI8(x) => Some(x.len()),
        PropValue::MvSysTime(x) => Some(x.len()),
        PropValue::MvClsid(x) => Some(x.len()),
        _ => None,
    }
}

/// Value `i` of a multi-valued value, as the single value of its type.
pub(crate) fn element<'a>(v: &PropValue<'a>, i: usize) -> Option<PropValue<'a>> {
    match v {
        PropValue::MvLong(x) => x.get(i).map(|&n| PropValue::Long(n)),
        PropValue::MvUnicode(x) => x.get(i).map(PropValue::Unicode),
        PropValue::MvString8(x) => x.get(i).map(PropValue::String8),
        PropValue::MvBinary(x) => x.get(i).map(PropValue::Binary),
        PropValue::MvI2(x) => x.get(i).map(|&n| PropValue::I2(n)),
        PropValue::MvR4(x) => x.get(i).map(|&n| PropValue::R4(n)),
        PropValue::MvDouble(x) => x.get(i).map(|&n| PropValue::Double(n)),
        PropValue::MvAppTime(x) => x.get(i).map(|&n| PropValue::AppTime(n)),
        PropValue::MvCurrency(x) => x.get(i).map(|&n| PropValue::Currency(n)),
        PropValue::MvI8(x) => x.get(i).map(|&n| PropValue::I8(n)),
        PropValue::MvSysTime(x) => x.get(i).map(PropValue::SysTime),
        PropValue::MvClsid(x) => x.get(i).map(|&g| PropValue::Clsid(g)),
        _ => None,
    }
}

/// A rank for each type, ordering values whose types do not compare (a sort column
/// whose rows hold different types): by `PT_*` number, text types together.
pub(crate) fn type_rank(v: &PropValue<'_>) -> u32 {
    match v {
        PropValue::Str(_) | PropValue::String8(_) => mapi_sync_runtime::sys::PT_UNICODE,
        PropValue::MvString8(_) => mapi_sync_runtime::sys::PT_MV_UNICODE,
        other => other.prop_type(),
    }
}

/// The sort's order of two cells: a missing value (`None`, or a `PT_ERROR`) first, then
/// values by [`compare`], values of types that do not compare by type number.
pub fn sort_order(a: Option<&PropValue<'_>>, b: Option<&PropValue<'_>>) -> Ordering {
    let a = a.filter(|v| !matches!(v, PropValue::Error(_)));
    let b = b.filter(|v| !matches!(v, PropValue::Error(_)));
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare(x, y).unwrap_or_else(|| type_rank(x).cmp(&type_rank(y))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::{Binaries, Strings};

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn the_other_types_of_mapidefs_compare_within_their_type() {
        use PropValue as V;
        assert_eq!(compare(&V::I2(-3), &V::I2(2)), Some(Ordering::Less));
        assert_eq!(compare(&V::R4(1.5), &V::R4(-0.5)), Some(Ordering::Greater));
        assert_eq!(
            compare(&V::Double(f64::NAN), &V::Double(f64::NAN)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&V::Currency(10_000), &V::Currency(20_000)),
            Some(Ordering::Less)
        );
        assert_eq!(compare(&V::AppTime(2.0), &V::Double(2.0)), None);
        assert_eq!(
            compare(&V::MvI8(&[1, 2]), &V::MvI8(&[1, 3])),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&V::MvDouble(&[1.0]), &V::MvDouble(&[1.0, 0.0])),
            Some(Ordering::Less)
        );
        let times = [7u64, 9];
        let mv = V::MvSysTime(mapi_sync_runtime::props::SysTimes::new(&times));
        assert_eq!(element_count(&mv), Some(2));
        assert_eq!(element(&mv, 1), Some(V::SysTime(9)));
        assert_eq!(element(&V::MvI2(&[4]), 0), Some(V::I2(4)));
        assert_eq!(element(&V::MvI2(&[4]), 1), None);
    }

    #[test]
    fn numbers_times_and_booleans_compare_as_numbers() {
        use PropValue as V;
        assert_eq!(compare(&V::Long(-1), &V::Long(2)), Some(Ordering::Less));
        assert_eq!(compare(&V::I8(1 << 40), &V::I8(1)), Some(Ordering::Greater));
        assert_eq!(
            compare(&V::SysTime(5), &V::SysTime(5)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&V::Boolean(false), &V::Boolean(true)),
            Some(Ordering::Less)
        );
        // Different types do not compare, even numbers.
        assert_eq!(compare(&V::Long(1), &V::I8(1)), None);
        assert!(!comparable(&V::Long(1), &V::Boolean(true)));
    }

    #[test]
    fn text_compares_case_insensitively_across_string8_and_unicode() {
        let (a, b) = (w("apple"), w("Banana"));
        assert_eq!(
            compare(&PropValue::Unicode(&a), &PropValue::Unicode(&b)),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&PropValue::String8(b"APPLE"), &PropValue::Unicode(&a)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&PropValue::Str("É"), &PropValue::Unicode(&w("é"))),
            Some(Ordering::Equal)
        );
        // 8-bit text is in the code page, as GetProps converts it: 0xC9 is 'É', and
        // (Windows-1252) 0x80 is '€'; UTF-8's bytes are two characters there.
        assert_eq!(
            compare(&PropValue::String8(&[0xC9]), &PropValue::Str("é")),
            Some(Ordering::Equal)
        );
        #[cfg(not(windows))]
        {
            assert_eq!(
                compare(&PropValue::String8(b"5\x80"), &PropValue::Str("5€")),
                Some(Ordering::Equal)
            );
            assert_ne!(
                compare(&PropValue::String8(b"caf\xC3\xA9"), &PropValue::Str("café")),
                Some(Ordering::Equal)
            );
        }
        // A prefix first.
        assert_eq!(
            compare(&PropValue::Str("ab"), &PropValue::String8(b"AbC")),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn binaries_compare_bytewise_shorter_first() {
        use PropValue as V;
        assert_eq!(
            compare(&V::Binary(&[1, 2]), &V::Binary(&[1, 2, 0])),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&V::Binary(&[2]), &V::Binary(&[1, 9, 9])),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&V::Binary(b"a"), &V::String8(b"a")), None);
    }

    #[test]
    fn guids_compare_field_by_field() {
        let a = GUID::from_parts(1, 2, 3, [9; 8]);
        let b = GUID::from_parts(1, 3, 0, [0; 8]);
        assert_eq!(
            compare(&PropValue::Clsid(a), &PropValue::Clsid(b)),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn multi_valued_values_compare_value_by_value() {
        assert_eq!(
            compare(&PropValue::MvLong(&[1, 2]), &PropValue::MvLong(&[1, 2, 3])),
            Some(Ordering::Less)
        );
        let (x, y) = (w("B"), w("a"));
        let xs: [&[u16]; 1] = [&x];
        let ys: [&[u8]; 2] = [b"b", b"A"];
        let _ = y;
        assert_eq!(
            compare(
                &PropValue::MvUnicode(Strings::new(&xs)),
                &PropValue::MvString8(Strings::new(&ys))
            ),
            Some(Ordering::Less)
        );
        let bs: [&[u8]; 1] = [&[1]];
        assert_eq!(
            compare(
                &PropValue::MvBinary(Binaries::new(&bs)),
                &PropValue::MvBinary(Binaries::new(&bs))
            ),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn the_sort_puts_missing_values_first_and_orders_mixed_types_by_type() {
        use PropValue as V;
        assert_eq!(sort_order(None, Some(&V::Long(0))), Ordering::Less);
        assert_eq!(
            sort_order(Some(&V::Error(1)), Some(&V::Long(i32::MIN))),
            Ordering::Less
        );
        assert_eq!(sort_order(None, None), Ordering::Equal);
        // PT_LONG (3) before PT_UNICODE (0x1F).
        assert_eq!(
            sort_order(Some(&V::Str("a")), Some(&V::Long(5))),
            Ordering::Greater
        );
    }
}
