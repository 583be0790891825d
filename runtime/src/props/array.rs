//! [`PropArray`]: an `SPropValue` array written into one MAPI buffer, as `GetProps` hands
//! it out.

use super::convert::{answered_tag, other_string_type, to_string_type};
use super::{change_prop_type, prop_id, prop_type, OwnedValue, Prop, PropValue, Props};
use crate::ll::out::Out;
use crate::ll::prop_value::{count_of, values_in, write_values};
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, SPropValue, HRESULT, ULONG};
use crate::Result;

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
        let buffer = write_values(allocators, props.iter().map(|p| (p.tag, p.value)))?;
        Ok(PropArray { buffer, count })
    }

    /// The values, as written.
    pub fn as_slice(&self) -> &[SPropValue] {
        // SAFETY: `write_values` wrote `count` values at the start of the buffer.
        unsafe { values_in(&self.buffer, self.count) }
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
    /// MAPI documents it, for a caller that passed `flags` (`MAPI_UNICODE` or not):
    ///
    /// - with no tags `requested` (a null `lpPropTagArray`), every property, strings as
    ///   `PT_UNICODE` with `MAPI_UNICODE` and as `PT_STRING8` without;
    /// - otherwise one value per requested tag, in the caller's order: the property with
    ///   that tag; for a string tag, the property with the other string type of the same
    ///   identifier, converted (`PR_SUBJECT_A` of an object that has `PR_SUBJECT_W`);
    ///   for a tag of type `PT_UNSPECIFIED`, the property with that identifier (a string
    ///   as without tags); else a `PT_ERROR` value of `MAPI_E_NOT_FOUND` with the tag's
    ///   identifier.
    ///
    /// The method then returns [`status`](PropArray::status) (`MAPI_W_ERRORS_RETURNED`
    /// when any value is a `PT_ERROR`). Strings are converted through the system's code
    /// page ([`convert`](super::convert)).
    ///
    /// ```
    /// use mapi_sync::mem::Allocators;
    /// use mapi_sync::props::{prop_tag, Prop, PropArray, PropValue};
    /// use mapi_sync::sys::{self, PR_BODY_W, PR_SUBJECT_A, PR_SUBJECT_W, PT_ERROR};
    ///
    /// let has = [Prop::new(PR_SUBJECT_W, PropValue::Str("Café"))?];
    /// let answer = PropArray::answer(Allocators::local(), Some(&[PR_SUBJECT_W, PR_BODY_W, PR_SUBJECT_A]), &has, 0)?;
    /// assert_eq!(answer.status(), sys::MAPI_W_ERRORS_RETURNED);
    /// let values = answer.props();
    /// assert_eq!(values.get(0), Some(has[0]));
    /// let missing = values.get(1).unwrap();
    /// assert_eq!(missing.tag(), prop_tag(PT_ERROR, 0x1000));
    /// assert_eq!(missing.value(), PropValue::Error(sys::MAPI_E_NOT_FOUND));
    /// assert_eq!(values.get(2).unwrap().value(), PropValue::String8(b"Caf\xE9"));
    /// # Ok::<(), mapi_sync::Error>(())
    /// ```
    pub fn answer(
        allocators: Allocators,
        requested: Option<&[ULONG]>,
        has: &[Prop<'_>],
        flags: ULONG,
    ) -> Result<PropArray> {
        let unicode = flags & sys::MAPI_UNICODE != 0;
        // Each answer's tag, and the property it comes from (None: not found).
        let plan: Vec<(ULONG, Option<&Prop<'_>>)> = match requested {
            None => has
                .iter()
                .map(|p| (answered_tag(p.tag, unicode), Some(p)))
                .collect(),
            Some(requested) => requested
                .iter()
                .map(|&tag| match find(has, tag) {
                    Some(p) if prop_type(tag) == sys::PT_UNSPECIFIED => {
                        (answered_tag(p.tag, unicode), Some(p))
                    }
                    // The object has the property but gives an error in its place (a
                    // value too big for GetProps: MAPI_E_NOT_ENOUGH_MEMORY).
                    Some(p) if prop_type(p.tag) == sys::PT_ERROR => (p.tag, Some(p)),
                    Some(p) => (tag, Some(p)),
                    None => (change_prop_type(tag, sys::PT_ERROR), None),
                })
                .collect(),
        };
        // The strings converted to the other type, owned while the answer is written.
        let converted: Vec<Option<OwnedValue>> = plan
            .iter()
            .map(|(tag, p)| p.and_then(|p| to_string_type(p.value, prop_type(*tag))))
            .collect();
        let answer: Vec<Prop<'_>> = plan
            .iter()
            .zip(&converted)
            .map(|((tag, p), converted)| Prop {
                tag: *tag,
                value: match (p, converted) {
                    (_, Some(owned)) => owned.as_value(),
                    (Some(p), None) => p.value,
                    (None, None) => PropValue::Error(sys::MAPI_E_NOT_FOUND),
                },
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
        // SAFETY: each null or writable (caller's contract).
        let (Ok(mut count_out), Ok(mut array_out)) = (unsafe { Out::new(count_out) }, unsafe {
            Out::new(array_out)
        }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let status = self.status();
        let (count, values) = self.into_raw();
        // The array moves to the caller.
        count_out.write(count);
        array_out.write(values);
        status
    }

    /// `(cValues, lppPropArray)` for the caller, who frees the array with
    /// `MAPIFreeBuffer`.
    pub fn into_raw(self) -> (ULONG, *mut SPropValue) {
        (self.count, self.buffer.into_raw().cast())
    }
}

/// The property of `has` a requested `tag` names: the one with that tag, else (for a
/// string tag) the one with the other string type, else (for `PT_UNSPECIFIED`) the one
/// with that identifier, else a `PT_ERROR` one with that identifier (an object that has
/// the property but answers an error in its place, as a store does for a value too big
/// for `GetProps`, which the caller then opens with `OpenProperty`).
fn find<'h, 'a>(has: &'h [Prop<'a>], tag: ULONG) -> Option<&'h Prop<'a>> {
    if prop_type(tag) == sys::PT_UNSPECIFIED {
        return has.iter().find(|p| prop_id(p.tag) == prop_id(tag));
    }
    has.iter()
        .find(|p| p.tag == tag)
        .or_else(|| {
            let other = change_prop_type(tag, other_string_type(prop_type(tag))?);
            has.iter().find(|p| p.tag == other)
        })
        .or_else(|| {
            let error = change_prop_type(tag, sys::PT_ERROR);
            has.iter().find(|p| p.tag == error)
        })
}
