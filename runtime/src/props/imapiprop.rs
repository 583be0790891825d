//! `IMAPIProp` from a [`Properties`] implementation: what the attributes' `properties`
//! argument expands to call (through `__private`), so the glue is code here, checked
//! by the compiler once, rather than tokens in the macro.
//!
//! An object that implements `IMAPIProp_Impl` itself (to answer `OpenProperty` or
//! `GetLastError` too) calls these from its `GetProps`, `GetPropList` and `SetProps`, and
//! gets the same answers as one made with `properties`.

use crate::ll::out::Out;
use crate::mem::Allocators;
use crate::props::convert::answered_tag;
use crate::props::{prop_tags, write_prop_tags, PropArray, Properties, Props};
use crate::sys;
use mapi_sync_sys::{
    LPSPropProblemArray, LPSPropTagArray, LPSPropValue, HRESULT, MAPI_E_INVALID_PARAMETER, S_OK,
    ULONG,
};

/// `IMAPIProp::GetProps`: as [`PropArray::answer`] answers, in the object's
/// [`allocators`](Properties::allocators), `MAPI_UNICODE` in `flags` honoured; a tag
/// array of no tags is `MAPI_E_INVALID_PARAMETER` (its page: a caller that wants every
/// property passes none).
///
/// # Safety
/// MAPI's contract for `GetProps`: `tags` null or a tag array; `count` and `values`
/// null or writable.
pub unsafe fn get_props<T: Properties + ?Sized>(
    this: &T,
    tags: LPSPropTagArray,
    flags: ULONG,
    count: *mut ULONG,
    values: *mut LPSPropValue,
) -> HRESULT {
    // SAFETY: forwarded.
    unsafe { get_props_in(this.allocators(), this, tags, flags, count, values) }
}

/// [`get_props`] answering in memory from `allocators` (an object that knows its
/// provider's allocators rather than the process's last ones).
///
/// # Safety
/// As for [`get_props`].
pub unsafe fn get_props_in<T: Properties + ?Sized>(
    allocators: Allocators,
    this: &T,
    tags: LPSPropTagArray,
    flags: ULONG,
    count: *mut ULONG,
    values: *mut LPSPropValue,
) -> HRESULT {
    // SAFETY: each null or writable (caller's contract).
    let (Ok(mut count_out), Ok(mut values_out)) =
        (unsafe { Out::new(count) }, unsafe { Out::new(values) })
    else {
        return MAPI_E_INVALID_PARAMETER;
    };
    count_out.write(0);
    values_out.clear();
    // SAFETY: null or a tag array (caller's contract).
    let requested = unsafe { prop_tags(tags) };
    if requested.is_some_and(<[ULONG]>::is_empty) {
        return MAPI_E_INVALID_PARAMETER;
    }
    let answer =
        |has: &[crate::props::Prop<'_>]| PropArray::answer(allocators, requested, has, flags);
    let mut answered = None;
    if let Err(e) = this.properties(&mut |has| answered = Some(answer(has))) {
        return e.code();
    }
    match answered.unwrap_or_else(|| answer(&[])) {
        // SAFETY: both non-null and writable (checked; caller's contract).
        Ok(answer) => unsafe { answer.hand_out(count, values) },
        Err(e) => e.code(),
    }
}

/// `IMAPIProp::GetPropList`: the tags of what [`Properties::properties`] gives, string
/// types as `MAPI_UNICODE` in `flags` asks ([`answered_tag`]).
///
/// # Safety
/// `out` must be null or writable. It is NULL after any failure once it was non-null.
pub unsafe fn get_prop_list<T: Properties + ?Sized>(
    this: &T,
    flags: ULONG,
    out: *mut LPSPropTagArray,
) -> HRESULT {
    // SAFETY: forwarded.
    unsafe { get_prop_list_in(this.allocators(), this, flags, out) }
}

/// [`get_prop_list`] answering in memory from `allocators`.
///
/// # Safety
/// As for [`get_prop_list`].
pub unsafe fn get_prop_list_in<T: Properties + ?Sized>(
    allocators: Allocators,
    this: &T,
    flags: ULONG,
    out: *mut LPSPropTagArray,
) -> HRESULT {
    let unicode = flags & sys::MAPI_UNICODE != 0;
    // SAFETY: null or writable (caller's contract).
    let mut out = match unsafe { Out::new(out) } {
        Ok(out) => out,
        Err(e) => return e.code(),
    };
    out.clear();
    let mut tags: Vec<ULONG> = Vec::new();
    let listed = this
        .properties(&mut |has| {
            tags = has.iter().map(|p| answered_tag(p.tag(), unicode)).collect();
        })
        .and_then(|()| write_prop_tags(allocators, &tags));
    match listed {
        Ok(buffer) => {
            // The array moves to the caller, who frees it with MAPIFreeBuffer.
            out.write(buffer.into_raw().cast());
            S_OK
        }
        Err(e) => e.code(),
    }
}

/// `IMAPIProp::SetProps`.
///
/// # Safety
/// MAPI's contract for `SetProps`: `values` holds `count` values; `problems` null or
/// writable.
pub unsafe fn set_props<T: Properties + ?Sized>(
    this: &T,
    count: ULONG,
    values: LPSPropValue,
    problems: *mut LPSPropProblemArray,
) -> HRESULT {
    // SAFETY: null or writable (caller's contract). Optional: no problem array for any
    // outcome.
    if let Ok(mut problems) = unsafe { Out::new(problems) } {
        problems.clear();
    }
    // SAFETY: `count` values (caller's contract), read while the call lasts.
    let values = match unsafe { Props::from_raw(values, count) } {
        Ok(values) => values,
        Err(e) => return e.code(),
    };
    match this.set_properties(values) {
        Ok(()) => S_OK,
        Err(e) => e.code(),
    }
}

/// The three `IMAPIProp_Impl` methods a [`Properties`] implementation answers, as items of
/// an `impl IMAPIProp_Impl for T` block (the other methods keep their `MAPI_E_NO_SUPPORT`
/// defaults). `__private::imapiprop_methods` is its name for the attributes' expansion.
#[doc(hidden)]
#[macro_export]
macro_rules! __mapi_sync_imapiprop_methods {
    () => {
        unsafe fn GetProps(
            &self,
            tags: $crate::sys::LPSPropTagArray,
            flags: $crate::sys::ULONG,
            count: *mut $crate::sys::ULONG,
            values: *mut $crate::sys::LPSPropValue,
        ) -> $crate::sys::HRESULT {
            // SAFETY: the caller's arguments, passed on (MAPI's GetProps contract).
            unsafe { $crate::__private::properties::get_props(self, tags, flags, count, values) }
        }

        unsafe fn GetPropList(
            &self,
            flags: $crate::sys::ULONG,
            out: *mut $crate::sys::LPSPropTagArray,
        ) -> $crate::sys::HRESULT {
            // SAFETY: as above (GetPropList's contract).
            unsafe { $crate::__private::properties::get_prop_list(self, flags, out) }
        }

        unsafe fn SetProps(
            &self,
            count: $crate::sys::ULONG,
            values: $crate::sys::LPSPropValue,
            problems: *mut $crate::sys::LPSPropProblemArray,
        ) -> $crate::sys::HRESULT {
            // SAFETY: as above (SetProps' contract).
            unsafe { $crate::__private::properties::set_props(self, count, values, problems) }
        }
    };
}

/// The runtime's own expansion of the methods: a regeneration that changes
/// `IMAPIProp_Impl`'s signatures fails this build, not a provider's.
#[allow(dead_code, non_snake_case)]
struct SignatureCheck;

impl Properties for SignatureCheck {
    fn properties(&self, _: &mut dyn FnMut(&[crate::props::Prop<'_>])) -> crate::Result<()> {
        Ok(())
    }
}

impl mapi_sync_sys::IMAPIProp_Impl for SignatureCheck {
    crate::__mapi_sync_imapiprop_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::{Prop, PropValue};
    use crate::sys;

    /// Lists one property, or fails.
    struct Object(bool);

    impl Properties for Object {
        fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> crate::Result<()> {
            if !self.0 {
                return Err(crate::Error::new(sys::MAPI_E_CALL_FAILED));
            }
            answer(&[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("x"))?]);
            Ok(())
        }
    }

    /// Allocations made through [`counting`]'s functions (which hand on to the local
    /// ones).
    static COUNTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// The two counting functions, in the bindings' function types (`extern "system"`,
    /// as `ll/mem.rs` writes its own).
    macro_rules! counting_functions {
        ($abi:literal) => {
            unsafe extern $abi fn count_buffer(cb: ULONG, out: *mut sys::LPVOID) -> sys::SCODE {
                COUNTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // SAFETY: the caller's contract, handed on.
                unsafe { Allocators::local().as_raw().0.unwrap()(cb, out) }
            }

            unsafe extern $abi fn count_more(
                cb: ULONG,
                parent: sys::LPVOID,
                out: *mut sys::LPVOID,
            ) -> sys::SCODE {
                COUNTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // SAFETY: the caller's contract, handed on.
                unsafe { Allocators::local().as_raw().1.unwrap()(cb, parent, out) }
            }
        };
    }
    counting_functions!("system");

    /// Allocators of their own (not the provider's): counted, then the local ones.
    fn counting() -> Allocators {
        let free = Allocators::local().as_raw().2;
        // SAFETY: they behave as the local functions they hand on to.
        unsafe { Allocators::new(Some(count_buffer), Some(count_more), free) }.unwrap()
    }

    /// An object of one provider instance: it answers in that instance's allocators.
    struct Owned;

    impl Properties for Owned {
        fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> crate::Result<()> {
            answer(&[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("mine"))?]);
            Ok(())
        }

        fn allocators(&self) -> Allocators {
            counting()
        }
    }

    #[test]
    fn an_object_answers_in_its_own_allocators() {
        let before = COUNTED.load(std::sync::atomic::Ordering::SeqCst);
        let (mut count, mut values) = (0, std::ptr::null_mut());
        // SAFETY: writable out-pointers, no tag array (every property).
        assert_eq!(
            unsafe {
                get_props(
                    &Owned,
                    std::ptr::null_mut(),
                    sys::MAPI_UNICODE,
                    &mut count,
                    &mut values,
                )
            },
            S_OK
        );
        let mut list: LPSPropTagArray = std::ptr::null_mut();
        // SAFETY: a writable out-pointer.
        assert_eq!(unsafe { get_prop_list(&Owned, 0, &mut list) }, S_OK);
        // The value, its string and the tag list: from the object's allocators.
        assert!(COUNTED.load(std::sync::atomic::Ordering::SeqCst) >= before + 3);
        // SAFETY: what the two calls handed out, freed once each.
        unsafe {
            counting().free(values.cast());
            counting().free(list.cast());
        }
    }

    #[test]
    fn get_prop_list_nulls_its_out_pointer_on_failure_and_refuses_a_null_one() {
        let mut out: LPSPropTagArray = std::ptr::NonNull::dangling().as_ptr();
        // SAFETY: `out` is writable.
        let hr = unsafe { get_prop_list(&Object(false), 0, &mut out) };
        assert_eq!((hr, out.is_null()), (sys::MAPI_E_CALL_FAILED, true));
        // SAFETY: a null out-pointer is allowed (and refused).
        let hr = unsafe { get_prop_list(&Object(true), 0, std::ptr::null_mut()) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        // The string's tag as the caller's MAPI_UNICODE asks.
        for (flags, tag) in [
            (sys::MAPI_UNICODE, sys::PR_DISPLAY_NAME_W),
            (0, sys::PR_DISPLAY_NAME_A),
        ] {
            // SAFETY: `out` is writable.
            assert_eq!(
                unsafe { get_prop_list(&Object(true), flags, &mut out) },
                S_OK
            );
            // SAFETY: GetPropList handed out an array of one tag in the provider's
            // buffers.
            unsafe {
                assert_eq!(prop_tags(out), Some(&[tag][..]));
                Allocators::provider().as_raw().2.unwrap()(out.cast());
            }
        }
    }
}
