//! A table's columns: what a row shows for each (`SetColumns`' tags), and
//! `PR_INSTANCE_KEY`, which the engine makes.

use mapi_sync_runtime::props::convert::to_string_type;
use mapi_sync_runtime::props::{prop_id, prop_tag, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use super::source::RowKey;

/// One column of a row `QueryRows` returns. The tag is the column's (with `MVI_FLAG`
/// for a multi-valued instance column, whose value is then one value of the
/// multi-valued type), `PT_ERROR` with the column's identifier when the row has no such
/// value.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The tag.
    pub tag: ULONG,
    /// The value.
    pub value: OwnedValue,
}

/// A row: one [`Column`] per column, in the column set's order.
pub type Row = Vec<Column>;

/// How long a `PR_INSTANCE_KEY` is: the row's [`RowKey`] (8 bytes, little-endian) and
/// the instance's index among the values of the multi-valued instance column (4 bytes,
/// 0 without one).
pub const INSTANCE_KEY_LEN: usize = 12;

/// The `PR_INSTANCE_KEY` of instance `inst` of row `key`.
pub fn instance_key(key: RowKey, inst: u32) -> [u8; INSTANCE_KEY_LEN] {
    let mut out = [0; INSTANCE_KEY_LEN];
    out[..8].copy_from_slice(&key.to_le_bytes());
    out[8..].copy_from_slice(&inst.to_le_bytes());
    out
}

/// The row and instance a `PR_INSTANCE_KEY` names, if it is one this engine made.
pub fn parse_instance_key(bytes: &[u8]) -> Option<(RowKey, u32)> {
    if bytes.len() != INSTANCE_KEY_LEN {
        return None;
    }
    let mut key = [0; 8];
    key.copy_from_slice(&bytes[..8]);
    let mut inst = [0; 4];
    inst.copy_from_slice(&bytes[8..]);
    Some((RowKey::from_le_bytes(key), u32::from_le_bytes(inst)))
}

/// The column `tag` of a row with no such value: `PT_ERROR`, `MAPI_E_NOT_FOUND`.
pub fn not_found(tag: ULONG) -> Column {
    Column {
        tag: prop_tag(sys::PT_ERROR, prop_id(tag)),
        value: OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
    }
}

/// What a row shows in column `tag`, given its value with that identifier (`None` if it
/// has none):
///
/// - the value as it is when its type is the column's, or the column's type is
///   `PT_UNSPECIFIED` (the tag is then the value's);
/// - text of the other string type when the column asks for `PT_UNICODE` or
///   `PT_STRING8` (and their multi-valued types), converted through the system's ANSI code
///   page as `GetProps` converts it (`mapi_sync::props::convert`);
/// - for an `MVI_FLAG` column that is not the instance column, the whole multi-valued
///   value under the multi-valued tag;
/// - else `PT_ERROR` with `MAPI_E_NOT_FOUND`.
pub fn column(tag: ULONG, value: Option<PropValue<'_>>) -> Column {
    let Some(v) = value.filter(|v| !matches!(v, PropValue::Error(_))) else {
        return not_found(tag);
    };
    let want = prop_type(tag) & !sys::MV_INSTANCE;
    let have = v.prop_type();
    let tag = prop_tag(want, prop_id(tag));
    if want == sys::PT_UNSPECIFIED {
        return Column {
            tag: prop_tag(have, prop_id(tag)),
            value: v.into(),
        };
    }
    if want == have {
        return Column {
            tag,
            value: owned(v),
        };
    }
    // Through the system's code page, as `GetProps` converts (one answer for a
    // property, on the object and in its row).
    let converted = to_string_type(v, want);
    match converted {
        Some(value) if value.prop_type() == want => Column { tag, value },
        _ => not_found(tag),
    }
}

/// What a row shows in a column, as [`show`] gives it: the value itself (borrowed from
/// the source) when it is shown as it is, else the [`Column`] made for it.
#[derive(Debug, Clone)]
pub enum Shown<'a> {
    /// The value as the source gave it, under the column's tag.
    Given(Prop<'a>),
    /// A value made for the column (converted text, `PT_ERROR`).
    Made(Column),
}

impl Shown<'_> {
    /// The property to write.
    pub fn prop(&self) -> Result<Prop<'_>> {
        match self {
            Shown::Given(p) => Ok(*p),
            Shown::Made(c) => Prop::new(c.tag, c.value.as_value()),
        }
    }
}

/// What a row shows in column `tag` as [`column()`] says, without copying a value shown
/// as it is (one whose type is the column's, or any under `PT_UNSPECIFIED`): `QueryRows`
/// writes it from where the source keeps it.
pub fn show<'a>(tag: ULONG, value: Option<PropValue<'a>>) -> Shown<'a> {
    match given(tag, value) {
        Some(p) => Shown::Given(p),
        None => Shown::Made(column(tag, value)),
    }
}

/// The value a row shows in column `tag` when it is shown as the source gave it (its
/// type is the column's, or the column's is `PT_UNSPECIFIED`), under the tag it is shown
/// with; `None` when something must be made for the column instead (see [`show`]).
#[inline]
pub fn given<'a>(tag: ULONG, value: Option<PropValue<'a>>) -> Option<Prop<'a>> {
    let v = value.filter(|v| !matches!(v, PropValue::Error(_)))?;
    let want = prop_type(tag) & !sys::MV_INSTANCE;
    let have = v.prop_type();
    if want == sys::PT_UNSPECIFIED || want == have {
        Prop::new(prop_tag(have, prop_id(tag)), v).ok()
    } else {
        None
    }
}

/// `v`, owned; text given as a `str` is made UTF-16 without growing its buffer.
pub(crate) fn owned(v: PropValue<'_>) -> OwnedValue {
    match v {
        PropValue::Str(s) if s.is_ascii() => {
            OwnedValue::Unicode(s.bytes().map(u16::from).collect())
        }
        PropValue::Str(s) => {
            // A character takes at least as many UTF-8 bytes as UTF-16 units.
            let mut w = Vec::with_capacity(s.len());
            w.extend(s.encode_utf16());
            OwnedValue::Unicode(w)
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_is_pt_error_not_found_with_the_columns_identifier() {
        assert_eq!(
            column(sys::PR_SUBJECT_W, None),
            Column {
                tag: prop_tag(sys::PT_ERROR, 0x0037),
                value: OwnedValue::Error(sys::MAPI_E_NOT_FOUND)
            }
        );
        // A value of another type is not shown under the column's type.
        assert_eq!(
            column(sys::PR_MESSAGE_SIZE, Some(PropValue::Boolean(true))).value,
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND)
        );
        // A PT_ERROR value stays an error.
        assert_eq!(
            column(
                sys::PR_MESSAGE_SIZE,
                Some(PropValue::Error(sys::MAPI_E_NO_ACCESS))
            )
            .value,
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND)
        );
    }

    #[test]
    fn strings_are_shown_in_the_type_the_column_asks_for() {
        let c = column(sys::PR_SUBJECT_W, Some(PropValue::String8(b"Hi")));
        assert_eq!(c.tag, sys::PR_SUBJECT_W);
        assert_eq!(c.value.as_value(), PropValue::Str("Hi"));
        let c = column(sys::PR_SUBJECT, Some(PropValue::Str("é")));
        assert_eq!(c.tag, sys::PR_SUBJECT);
        // Through the code page, as GetProps converts: the same bytes on the object and
        // in its row (Windows-1252's é on the Linux test hosts).
        assert_eq!(
            c.value,
            mapi_sync_runtime::props::convert::to_string_type(PropValue::Str("é"), sys::PT_STRING8)
                .unwrap()
        );
        #[cfg(not(windows))]
        assert_eq!(c.value, OwnedValue::String8(vec![0xE9]));
        let c = column(
            prop_tag(sys::PT_UNSPECIFIED, 0x0037),
            Some(PropValue::Long(3)),
        );
        assert_eq!(c.tag, prop_tag(sys::PT_LONG, 0x0037));
    }

    #[test]
    fn instance_keys_round_trip() {
        let k = instance_key(0x0102_0304_0506_0708, 9);
        assert_eq!(parse_instance_key(&k), Some((0x0102_0304_0506_0708, 9)));
        assert_eq!(parse_instance_key(&k[1..]), None);
    }
}
