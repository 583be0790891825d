//! [`SortOrder`]: an `SSortOrderSet`, checked, and the order it puts rows in.

use std::cmp::Ordering;

use mapi_sync_runtime::props::{prop_type, OwnedValue, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

use super::compare::{folded, sort_order, text_chars, type_rank};

/// One `SSortOrder`: a column and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// `ulPropTag`; with `MVI_FLAG` in a multi-valued type, the table has one row per
    /// value of the column (an instance).
    pub tag: ULONG,
    /// `ulOrder`: `TABLE_SORT_ASCEND` or `TABLE_SORT_DESCEND`.
    pub order: ULONG,
}

impl SortKey {
    /// Ascending on `tag`.
    pub fn ascending(tag: ULONG) -> SortKey {
        SortKey {
            tag,
            order: sys::TABLE_SORT_ASCEND,
        }
    }

    /// Descending on `tag`.
    pub fn descending(tag: ULONG) -> SortKey {
        SortKey {
            tag,
            order: sys::TABLE_SORT_DESCEND,
        }
    }

    /// Whether the key asks for one row per value (`MVI_FLAG`).
    pub fn is_instance(&self) -> bool {
        is_instance_tag(self.tag)
    }
}

/// Whether `tag`'s type has `MVI_FLAG` (both its bits) on a multi-valued type.
pub fn is_instance_tag(tag: ULONG) -> bool {
    prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG
}

/// The multi-valued tag an `MVI_FLAG` tag stands for (`MV_INSTANCE` cleared).
pub fn without_instance(tag: ULONG) -> ULONG {
    tag & !sys::MV_INSTANCE
}

/// An `SSortOrderSet`: the keys, most significant first, and the categories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortOrder {
    /// `aSort`.
    pub keys: Vec<SortKey>,
    /// `cCategories`: how many of the first keys are categories.
    pub categories: ULONG,
    /// `cExpanded`.
    pub expanded: ULONG,
}

impl SortOrder {
    /// No sort: the source's order.
    pub fn none() -> SortOrder {
        SortOrder::default()
    }

    /// These keys, no categories.
    pub fn by(keys: Vec<SortKey>) -> SortOrder {
        SortOrder {
            keys,
            categories: 0,
            expanded: 0,
        }
    }

    /// `Ok` if the engine sorts this way: `MAPI_E_TOO_COMPLEX` for categories (this
    /// engine has none yet), `TABLE_SORT_COMBINE` (only for categories) or more than one
    /// `MVI_FLAG` key; `MAPI_E_INVALID_PARAMETER` for an order no `TABLE_SORT_*` has or
    /// more categories or expanded ones than keys.
    pub fn check(&self) -> Result<()> {
        if self.categories as usize > self.keys.len() || self.expanded > self.categories {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "more categories than sort keys",
            ));
        }
        if self.categories > 0 {
            return Err(Error::with_message(
                sys::MAPI_E_TOO_COMPLEX,
                "categorized sorts are not supported",
            ));
        }
        for k in &self.keys {
            match k.order {
                sys::TABLE_SORT_ASCEND | sys::TABLE_SORT_DESCEND => {}
                sys::TABLE_SORT_COMBINE => {
                    return Err(Error::with_message(
                        sys::MAPI_E_TOO_COMPLEX,
                        "TABLE_SORT_COMBINE is for categories",
                    ))
                }
                other => {
                    return Err(Error::with_message(
                        sys::MAPI_E_INVALID_PARAMETER,
                        format!("sort order {other}"),
                    ))
                }
            }
        }
        if self.keys.iter().filter(|k| k.is_instance()).count() > 1 {
            return Err(Error::with_message(
                sys::MAPI_E_TOO_COMPLEX,
                "more than one multi-valued instance column",
            ));
        }
        Ok(())
    }

    /// The index of the `MVI_FLAG` key, if any.
    pub(crate) fn instance_key(&self) -> Option<usize> {
        self.keys.iter().position(SortKey::is_instance)
    }

    /// The tags the source is asked for (`MVI_FLAG` keys as their multi-valued tag).
    pub(crate) fn tags(&self) -> Vec<ULONG> {
        self.keys.iter().map(|k| without_instance(k.tag)).collect()
    }

    /// How two rows compare, given each one's cell of key `k`; ties are the caller's
    /// (the engine then keeps the source's order, which makes the sort stable).
    pub(crate) fn compare_cells<'c>(
        &self,
        a: impl Fn(usize) -> &'c SortCell,
        b: impl Fn(usize) -> &'c SortCell,
    ) -> Ordering {
        for (k, key) in self.keys.iter().enumerate() {
            let o = cell_order(a(k), b(k));
            if o.is_ne() {
                return if key.order == sys::TABLE_SORT_DESCEND {
                    o.reverse()
                } else {
                    o
                };
            }
        }
        Ordering::Equal
    }
}

/// A sort value in the form rows compare in, made once per row when the view is built:
/// the order [`sort_order`] gives, without decoding or lowercasing text at each
/// comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortCell {
    /// No value (or a `PT_ERROR`): first.
    Missing,
    /// An integer, a time, a boolean or a currency: its type's rank, then the number.
    Num(u32, i128),
    /// Text of either string type, lowercased character by character, as UTF-8 (whose
    /// bytes order as the characters' code points do), when it is longer than
    /// [`SHORT_TEXT`] bytes.
    Text(Box<str>),
    /// The same, of [`SHORT_TEXT`] bytes at most, in the cell: its length and its bytes.
    Short(u8, [u8; SHORT_TEXT]),
    /// Any other value, compared by [`sort_order`].
    Other(OwnedValue),
}

/// How many bytes of lowercased text a cell holds in itself (the room the other kinds
/// of cell take anyway: a cell stays 48 bytes).
pub(crate) const SHORT_TEXT: usize = 46;

/// The cell of text `v` (`None`: not text), lowercased: ASCII bytewise, without an
/// allocation when it is short.
fn text_cell(v: &PropValue<'_>) -> Option<SortCell> {
    fn ascii(units: impl ExactSizeIterator<Item = u8>) -> SortCell {
        let n = units.len();
        let lower = units.map(|c| c.to_ascii_lowercase());
        if n <= SHORT_TEXT {
            let mut bytes = [0; SHORT_TEXT];
            for (b, c) in bytes.iter_mut().zip(lower) {
                *b = c;
            }
            SortCell::Short(n as u8, bytes)
        } else {
            let text: String = lower.map(char::from).collect();
            SortCell::Text(text.into_boxed_str())
        }
    }
    Some(match *v {
        PropValue::Str(s) if s.is_ascii() => ascii(s.bytes()),
        PropValue::String8(b) if b.is_ascii() => ascii(b.iter().copied()),
        PropValue::Unicode(w) if w.iter().all(|&u| u < 0x80) => ascii(w.iter().map(|&u| u as u8)),
        _ => {
            let text: String = folded(text_chars(v)?).collect();
            if text.len() <= SHORT_TEXT {
                let mut bytes = [0; SHORT_TEXT];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                SortCell::Short(text.len() as u8, bytes)
            } else {
                SortCell::Text(text.into_boxed_str())
            }
        }
    })
}

impl SortCell {
    /// The cell of a row's value (`None`: it has none).
    pub(crate) fn of(v: Option<&PropValue<'_>>) -> SortCell {
        let Some(v) = v else {
            return SortCell::Missing;
        };
        let num = |n: i128| SortCell::Num(type_rank(v), n);
        match *v {
            PropValue::Error(_) => SortCell::Missing,
            PropValue::Long(n) => num(n.into()),
            PropValue::I8(n) | PropValue::Currency(n) => num(n.into()),
            PropValue::SysTime(n) => num(n.into()),
            PropValue::Boolean(b) => num(b.into()),
            PropValue::I2(n) => num(n.into()),
            _ => match text_cell(v) {
                Some(cell) => cell,
                None => SortCell::Other(OwnedValue::from(*v)),
            },
        }
    }

    /// A number that orders as the cell does, ties aside: `a < b` makes
    /// `prefix(a) <= prefix(b)`, so that where prefixes differ they decide, and only equal
    /// ones need [`cell_order`]. The type's rank, then the number, or text's first 8 bytes.
    pub(crate) fn prefix(&self) -> u128 {
        let within: u128 = match self {
            SortCell::Missing => return 0,
            // Every number is of a type of 64 bits at most.
            SortCell::Num(_, n) => (n + (1i128 << 64)) as u128,
            SortCell::Text(_) | SortCell::Short(..) => {
                let t = self.text().unwrap_or_default();
                let mut first = [0u8; 8];
                let n = t.len().min(8);
                first[..n].copy_from_slice(&t[..n]);
                u128::from(u64::from_be_bytes(first))
            }
            SortCell::Other(_) => 0,
        };
        (1 << 127) | (u128::from(self.rank()) << 80) | within
    }

    /// The lowercased text of a text cell.
    fn text(&self) -> Option<&[u8]> {
        match self {
            SortCell::Text(t) => Some(t.as_bytes()),
            SortCell::Short(n, bytes) => Some(&bytes[..*n as usize]),
            _ => None,
        }
    }

    fn rank(&self) -> u32 {
        match self {
            SortCell::Missing => 0,
            SortCell::Num(r, _) => *r,
            SortCell::Text(_) | SortCell::Short(..) => sys::PT_UNICODE,
            SortCell::Other(v) => type_rank(&v.as_value()),
        }
    }
}

/// How two cells compare: as [`sort_order`] compares the values they were made from.
pub(crate) fn cell_order(a: &SortCell, b: &SortCell) -> Ordering {
    use SortCell as C;
    match (a, b) {
        (C::Num(r, x), C::Num(s, y)) => r.cmp(s).then(x.cmp(y)),
        (C::Text(_) | C::Short(..), C::Text(_) | C::Short(..)) => a
            .text()
            .unwrap_or_default()
            .cmp(b.text().unwrap_or_default()),
        (C::Missing, C::Missing) => Ordering::Equal,
        (C::Missing, _) => Ordering::Less,
        (_, C::Missing) => Ordering::Greater,
        (C::Other(x), C::Other(y)) => sort_order(Some(&x.as_value()), Some(&y.as_value())),
        // Cells of different kinds are of types that do not compare.
        _ => a.rank().cmp(&b.rank()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_order_as_the_values_they_are_made_of() {
        let w = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        let (a, b, c) = (w("Éclair"), w("\u{212A}elvin"), vec![0x78u16, 0xD800]);
        let values = [
            PropValue::Str("apple"),
            PropValue::String8(b"APPLE"),
            PropValue::String8(&[0xC9, b'a']),
            PropValue::Unicode(&a),
            PropValue::Unicode(&b),
            PropValue::Unicode(&c),
            PropValue::Str("kelvin"),
            PropValue::Str("kelvin and more"),
            PropValue::Str("kelvin\0"),
            PropValue::Str("kelvin and more, past the forty-six bytes a cell holds"),
            PropValue::Str("Kelvin and more, past the forty-six bytes a cell holds!"),
            PropValue::Str("kelvin and more, past the forty-six bytes a cel"),
            PropValue::Str("kelvin and more, past the forty-six bytes a ce"),
            PropValue::Str(""),
            PropValue::I8(i64::MIN),
            PropValue::I8(i64::MAX),
            PropValue::Long(-3),
            PropValue::Long(7),
            PropValue::I8(-3),
            PropValue::SysTime(u64::MAX),
            PropValue::SysTime(1),
            PropValue::Boolean(true),
            PropValue::Boolean(false),
            PropValue::Double(0.5),
            PropValue::Binary(&[1, 2]),
            PropValue::Error(5),
            PropValue::MvLong(&[1]),
        ];
        for x in &values {
            for y in &values {
                assert_eq!(
                    cell_order(&SortCell::of(Some(x)), &SortCell::of(Some(y))),
                    sort_order(Some(x), Some(y)),
                    "{x:?} {y:?}"
                );
            }
            assert_eq!(
                cell_order(&SortCell::of(None), &SortCell::of(Some(x))),
                sort_order(None, Some(x))
            );
            for y in &values {
                let (a, b) = (SortCell::of(Some(x)), SortCell::of(Some(y)));
                if cell_order(&a, &b).is_lt() {
                    assert!(a.prefix() <= b.prefix(), "{x:?} {y:?}");
                }
            }
        }
    }

    #[test]
    fn a_cell_holds_short_text_in_the_room_it_has() {
        #[cfg(target_pointer_width = "64")]
        assert_eq!(std::mem::size_of::<SortCell>(), 48);
        let long = "x".repeat(SHORT_TEXT + 1);
        assert!(matches!(
            SortCell::of(Some(&PropValue::Str(&long))),
            SortCell::Text(_)
        ));
        let short = "X".repeat(SHORT_TEXT);
        let cell = SortCell::of(Some(&PropValue::Str(&short)));
        assert!(matches!(cell, SortCell::Short(..)));
        assert_eq!(cell.text(), Some("x".repeat(SHORT_TEXT).as_bytes()));
    }

    #[test]
    fn categories_combine_and_two_instance_keys_are_too_complex() {
        let mut s = SortOrder::by(vec![SortKey::ascending(sys::PR_SUBJECT)]);
        assert!(s.check().is_ok());
        s.categories = 1;
        assert_eq!(s.check().unwrap_err().code(), sys::MAPI_E_TOO_COMPLEX);
        s.categories = 2;
        assert_eq!(s.check().unwrap_err().code(), sys::MAPI_E_INVALID_PARAMETER);
        let s = SortOrder::by(vec![SortKey {
            tag: sys::PR_SUBJECT,
            order: sys::TABLE_SORT_COMBINE,
        }]);
        assert_eq!(s.check().unwrap_err().code(), sys::MAPI_E_TOO_COMPLEX);
        let s = SortOrder::by(vec![SortKey {
            tag: sys::PR_SUBJECT,
            order: 7,
        }]);
        assert_eq!(s.check().unwrap_err().code(), sys::MAPI_E_INVALID_PARAMETER);
        let mvi = sys::PT_MV_LONG | sys::MVI_FLAG | 0x8001_0000;
        let s = SortOrder::by(vec![SortKey::ascending(mvi), SortKey::descending(mvi)]);
        assert_eq!(s.check().unwrap_err().code(), sys::MAPI_E_TOO_COMPLEX);
        assert!(SortKey::ascending(mvi).is_instance());
        assert_eq!(
            without_instance(mvi),
            sys::PT_MV_LONG | sys::MV_FLAG | 0x8001_0000
        );
    }

    #[test]
    fn descending_reverses_and_missing_values_sort_first_ascending() {
        let s = SortOrder::by(vec![SortKey::descending(sys::PR_MESSAGE_SIZE)]);
        let cell = |n: Option<i32>| SortCell::of(n.map(PropValue::Long).as_ref());
        let (none, one, two) = (cell(None), cell(Some(1)), cell(Some(2)));
        assert_eq!(s.compare_cells(|_| &one, |_| &two), Ordering::Greater);
        assert_eq!(s.compare_cells(|_| &none, |_| &two), Ordering::Greater);
        let s = SortOrder::by(vec![SortKey::ascending(sys::PR_MESSAGE_SIZE)]);
        assert_eq!(s.compare_cells(|_| &none, |_| &two), Ordering::Less);
        assert_eq!(s.compare_cells(|_| &two, |_| &two), Ordering::Equal);
    }
}
