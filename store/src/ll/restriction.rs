//! A caller's `SRestriction` read into an owned [`Restriction`], refusing what is
//! malformed with the documented code instead of following a bad pointer or recursing
//! without end (Microsoft, "SRestriction", "IMAPITable::Restrict", "IMAPITable::FindRow").
//!
//! - a null restriction or a null pointer inside one (`lpRes`, `lpProp`, an AND's or OR's
//!   array with entries): `MAPI_E_INVALID_PARAMETER`;
//! - a restriction type no `RES_*` has: `MAPI_E_INVALID_PARAMETER`;
//! - a value whose type the runtime does not read: its reader's code;
//! - nested deeper than [`MAX_DEPTH`]: `MAPI_E_TOO_COMPLEX`, found before going deeper, so
//!   a 10,000-deep chain costs [`MAX_DEPTH`] steps and no stack.
//!
//! `RES_COUNT` (Microsoft's `MAPIDefS.h`; mingw-w64's header lacks it) is an
//! `SCountRestriction` `{ ULONG ulCount; LPSRestriction lpRes; }`: the layout of
//! `SNotRestriction` `{ ULONG ulReserved; LPSRestriction lpRes; }`, and is read through it.

use mapi_sync_runtime::props::{OwnedValue, Prop};
use mapi_sync_runtime::sys::{self, SPropValue, SRestriction, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::table::{Restriction, MAX_DEPTH, RES_COUNT};

fn invalid(what: &str) -> Error {
    Error::with_message(sys::MAPI_E_INVALID_PARAMETER, what.to_owned())
}

/// One property value of a restriction, owned.
///
/// # Safety
/// `p` null or an `SPropValue` valid for the call, as MAPI hands it in.
unsafe fn value(p: *const SPropValue, what: &str) -> Result<(ULONG, OwnedValue)> {
    // SAFETY: caller's contract; checked non-null here.
    let raw = unsafe { p.as_ref() }.ok_or_else(|| invalid(what))?;
    // SAFETY: a well-formed SPropValue valid for the call (caller's contract); the
    // reader checks its pointers.
    let prop = unsafe { Prop::from_raw(raw) }?;
    Ok((prop.tag(), OwnedValue::from(prop.value())))
}

/// The `count` restrictions at `p` (an AND's or OR's), read at `depth`.
///
/// # Safety
/// As for [`read`], for each.
unsafe fn list(p: *const SRestriction, count: ULONG, depth: u32) -> Result<Vec<Restriction>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(invalid(
            "an AND or OR restriction with entries and no array",
        ));
    }
    (0..count as usize)
        // SAFETY: `count` restrictions at `p` (caller's contract).
        .map(|i| unsafe { read_at(p.add(i), depth) })
        .collect()
}

/// The restriction at `p`, which sits `depth` levels down (1 for the caller's own).
///
/// # Safety
/// As for [`read`].
unsafe fn read_at(p: *const SRestriction, depth: u32) -> Result<Restriction> {
    if depth > MAX_DEPTH {
        return Err(Error::with_message(
            sys::MAPI_E_TOO_COMPLEX,
            format!("a restriction nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    // SAFETY: null or a restriction valid for the call (caller's contract).
    let r = unsafe { p.as_ref() }.ok_or_else(|| invalid("a null restriction"))?;
    let next = depth + 1;
    // SAFETY (every union read below): `rt` says which member the caller wrote; pointers
    // are checked before they are followed.
    unsafe {
        let res = &r.res;
        Ok(match r.rt {
            sys::RES_AND => Restriction::and(list(res.resAnd.lpRes, res.resAnd.cRes, next)?)?,
            sys::RES_OR => Restriction::or(list(res.resOr.lpRes, res.resOr.cRes, next)?)?,
            sys::RES_NOT => Restriction::not(read_at(res.resNot.lpRes, next)?)?,
            sys::RES_CONTENT => {
                let c = &res.resContent;
                let (_, v) = value(c.lpProp, "a content restriction without its value")?;
                Restriction::content(c.ulFuzzyLevel, c.ulPropTag, v)
            }
            sys::RES_PROPERTY => {
                let c = &res.resProperty;
                let (_, v) = value(c.lpProp, "a property restriction without its value")?;
                Restriction::property(c.relop, c.ulPropTag, v)
            }
            sys::RES_COMPAREPROPS => {
                let c = &res.resCompareProps;
                Restriction::compare_props(c.relop, c.ulPropTag1, c.ulPropTag2)
            }
            sys::RES_BITMASK => {
                let c = &res.resBitMask;
                Restriction::bitmask(c.relBMR, c.ulPropTag, c.ulMask)
            }
            sys::RES_SIZE => {
                Restriction::size(res.resSize.relop, res.resSize.ulPropTag, res.resSize.cb)
            }
            sys::RES_EXIST => Restriction::exist(res.resExist.ulPropTag),
            sys::RES_SUBRESTRICTION => {
                Restriction::sub(res.resSub.ulSubObject, read_at(res.resSub.lpRes, next)?)?
            }
            sys::RES_COMMENT => {
                let c = &res.resComment;
                let props = comment_props(c.lpProp, c.cValues)?;
                Restriction::comment(props, read_at(c.lpRes, next)?)?
            }
            RES_COUNT => {
                Restriction::count(res.resNot.ulReserved, read_at(res.resNot.lpRes, next)?)?
            }
            other => {
                return Err(invalid(&format!(
                    "restriction type {other:#X}, which no RES_* has"
                )))
            }
        })
    }
}

/// A comment restriction's properties.
///
/// # Safety
/// `p` null with no values, or `count` values valid for the call.
unsafe fn comment_props(p: *const SPropValue, count: ULONG) -> Result<Vec<(ULONG, OwnedValue)>> {
    if count > 0 && p.is_null() {
        return Err(invalid("a comment restriction with values and no array"));
    }
    (0..count as usize)
        // SAFETY: `count` values at `p` (caller's contract).
        .map(|i| unsafe { value(p.add(i), "a comment's value") })
        .collect()
}

/// Reads the caller's restriction.
///
/// # Safety
/// `p` must be null or an `SRestriction` as MAPI documents it, with every pointer it
/// holds null or valid for the call (arrays holding the entries they claim).
pub(crate) unsafe fn read(p: *const SRestriction) -> Result<Restriction> {
    // SAFETY: forwarded.
    unsafe { read_at(p, 1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::RestrictionKind;
    use mapi_sync_runtime::mem::Allocators;
    use mapi_sync_runtime::props::{PropArray, PropValue};

    fn leaf_exist(tag: ULONG) -> SRestriction {
        // SAFETY: all-zero is a valid SRestriction (integers and null pointers).
        let mut r: SRestriction = unsafe { std::mem::zeroed() };
        r.rt = sys::RES_EXIST;
        r.res.resExist = sys::SExistRestriction {
            ulReserved1: 0,
            ulPropTag: tag,
            ulReserved2: 0,
        };
        r
    }

    fn not(inner: *mut SRestriction) -> SRestriction {
        // SAFETY: as above.
        let mut r: SRestriction = unsafe { std::mem::zeroed() };
        r.rt = sys::RES_NOT;
        r.res.resNot = sys::SNotRestriction {
            ulReserved: 0,
            lpRes: inner,
        };
        r
    }

    #[test]
    fn every_kind_reads_into_its_owned_form() {
        let subject = PropArray::write(
            Allocators::local(),
            &[Prop::new(sys::PR_SUBJECT_W, PropValue::Str("hello")).unwrap()],
        )
        .unwrap();
        let value = subject.as_slice().as_ptr().cast_mut();
        let mut leaves = [leaf_exist(sys::PR_SUBJECT_W), leaf_exist(sys::PR_BODY_W)];
        // SAFETY: zeroed restrictions, filled in below.
        let mut content: SRestriction = unsafe { std::mem::zeroed() };
        content.rt = sys::RES_CONTENT;
        content.res.resContent = sys::SContentRestriction {
            ulFuzzyLevel: sys::FL_SUBSTRING | sys::FL_IGNORECASE,
            ulPropTag: sys::PR_SUBJECT_W,
            lpProp: value,
        };
        // SAFETY: as above.
        let mut or: SRestriction = unsafe { std::mem::zeroed() };
        or.rt = sys::RES_OR;
        or.res.resOr = sys::SOrRestriction {
            cRes: 2,
            lpRes: leaves.as_mut_ptr(),
        };
        let mut both = [content, or];
        // SAFETY: as above.
        let mut and: SRestriction = unsafe { std::mem::zeroed() };
        and.rt = sys::RES_AND;
        and.res.resAnd = sys::SAndRestriction {
            cRes: 2,
            lpRes: both.as_mut_ptr(),
        };
        // SAFETY: a tree of valid restrictions and values, alive for the call.
        let r = unsafe { read(&and) }.unwrap();
        let RestrictionKind::And(parts) = r.kind() else {
            panic!("{r:?}")
        };
        assert!(matches!(
            parts[0].kind(),
            RestrictionKind::Content { tag, value: OwnedValue::Unicode(_), .. } if *tag == sys::PR_SUBJECT_W
        ));
        assert!(matches!(parts[1].kind(), RestrictionKind::Or(any) if any.len() == 2));
        assert_eq!(r.depth(), 3);
    }

    #[test]
    fn malformed_restrictions_are_refused_with_their_codes() {
        let code = |r: &SRestriction| {
            // SAFETY: each restriction below is valid up to what the reader refuses.
            unsafe { read(r) }.unwrap_err().code()
        };
        // SAFETY: a null restriction is refused before it is read.
        assert_eq!(
            unsafe { read(std::ptr::null()) }.unwrap_err().code(),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            code(&not(std::ptr::null_mut())),
            sys::MAPI_E_INVALID_PARAMETER
        );
        let mut bad = leaf_exist(0);
        bad.rt = 0x99;
        assert_eq!(code(&bad), sys::MAPI_E_INVALID_PARAMETER);
        // SAFETY: zeroed, filled in.
        let mut and: SRestriction = unsafe { std::mem::zeroed() };
        and.rt = sys::RES_AND;
        and.res.resAnd = sys::SAndRestriction {
            cRes: 3,
            lpRes: std::ptr::null_mut(),
        };
        assert_eq!(code(&and), sys::MAPI_E_INVALID_PARAMETER);
        // SAFETY: zeroed: a property restriction without its value.
        let mut property: SRestriction = unsafe { std::mem::zeroed() };
        property.rt = sys::RES_PROPERTY;
        assert_eq!(code(&property), sys::MAPI_E_INVALID_PARAMETER);
    }

    #[test]
    fn a_restriction_that_contains_itself_is_too_complex_not_a_hang() {
        // NOT(NOT(itself)): infinitely deep, refused at the depth limit.
        let mut pair = [not(std::ptr::null_mut()), not(std::ptr::null_mut())];
        let base = pair.as_mut_ptr();
        // SAFETY: both in bounds; each points at the other.
        unsafe {
            (*base).res.resNot.lpRes = base.add(1);
            (*base.add(1)).res.resNot.lpRes = base;
        }
        // SAFETY: a (cyclic) tree of valid restrictions, alive for the call.
        let e = unsafe { read(base) }.unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
    }

    #[test]
    fn a_chain_ten_thousand_deep_is_too_complex_without_following_it() {
        let mut chain: Vec<SRestriction> = vec![leaf_exist(sys::PR_SUBJECT_W)];
        chain.extend((1..10_000).map(|_| not(std::ptr::null_mut())));
        // Each NOT points at the restriction before it: links made from one pointer to
        // the whole array, which nothing moves or borrows again meanwhile.
        let base = chain.as_mut_ptr();
        for i in 1..10_000 {
            // SAFETY: both in bounds of the array.
            unsafe { (*base.add(i)).res.resNot.lpRes = base.add(i - 1) };
        }
        // SAFETY: every link points at the restriction before it, alive for the call.
        let e = unsafe { read(base.add(9_999)) }.unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
        // Exactly MAX_DEPTH deep is fine.
        // SAFETY: as above.
        let r = unsafe { read(base.add(MAX_DEPTH as usize - 1)) }.unwrap();
        assert_eq!(r.depth(), MAX_DEPTH);
    }
}
