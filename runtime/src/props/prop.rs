//! [`Prop`]: a tag with its value; [`Props`]: an `SPropValue` array read in place.

use std::fmt;

use super::{prop_type, PropValue};
use crate::ll::prop_value::{check, decode, decode_checked};
use crate::ll::slice::{array_ok, items_unchecked};
use crate::sys::{self, SPropValue, ULONG};
use crate::{Error, Result};

/// A property: its tag and value, whose type always matches the tag's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prop<'a> {
    pub(crate) tag: ULONG,
    pub(crate) value: PropValue<'a>,
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

impl<'a> Prop<'a> {
    /// A property; `MAPI_E_BAD_VALUE` if the value's type is not the tag's. A tag with
    /// `MVI_FLAG` (a multi-valued column a table shows one value per row of,
    /// "IMAPITable::SetColumns") holds one value of the single-valued type.
    #[inline]
    pub fn new(tag: ULONG, value: PropValue<'a>) -> Result<Prop<'a>> {
        let have = value.prop_type();
        let instance = prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG
            && have & sys::MV_FLAG == 0
            && prop_type(tag) & !sys::MVI_FLAG == have;
        if have != prop_type(tag) && !instance {
            return Err(mismatch(tag, have));
        }
        Ok(Prop { tag, value })
    }

    /// The tag.
    #[inline]
    pub fn tag(&self) -> ULONG {
        self.tag
    }

    /// The value.
    #[inline]
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
    pub(crate) values: &'a [SPropValue],
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
