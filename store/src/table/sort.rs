//! [`SortOrder`]: an `SSortOrderSet`, checked, and the order it puts rows in.

use std::cmp::Ordering;

use mapi_sync_runtime::props::{prop_type, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

use super::compare::sort_order;

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

    /// How two rows compare, given each one's value of key `k`; ties are the caller's
    /// (the engine then keeps the source's order, which makes the sort stable).
    pub(crate) fn compare<'a, 'b>(
        &self,
        a: impl Fn(usize) -> Option<PropValue<'a>>,
        b: impl Fn(usize) -> Option<PropValue<'b>>,
    ) -> Ordering {
        for (k, key) in self.keys.iter().enumerate() {
            let o = sort_order(a(k).as_ref(), b(k).as_ref());
            let o = if key.order == sys::TABLE_SORT_DESCEND {
                o.reverse()
            } else {
                o
            };
            if o.is_ne() {
                return o;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let v = |n: Option<i32>| move |_: usize| n.map(PropValue::Long);
        assert_eq!(s.compare(v(Some(1)), v(Some(2))), Ordering::Greater);
        assert_eq!(s.compare(v(None), v(Some(2))), Ordering::Greater);
        let s = SortOrder::by(vec![SortKey::ascending(sys::PR_MESSAGE_SIZE)]);
        assert_eq!(s.compare(v(None), v(Some(2))), Ordering::Less);
        assert_eq!(s.compare(v(Some(2)), v(Some(2))), Ordering::Equal);
    }
}
