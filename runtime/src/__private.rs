//! What `#[mapi_sync_provider]`'s expansion names, and nothing else of it: the macro emits
//! paths into this module only (serde/serde_derive style), so the runtime can change how
//! the object is built without breaking the macro's users.

pub use crate::object::{ComObj, This, VtblPtr};
pub use crate::props::Properties;
pub use crate::sync::{raw_sync_vtable, sync_vtable};
pub use crate::{ComProvider, RawSyncProvider, SyncProvider};
pub use core::option::Option::{self, None, Some};
pub use mapi_sync_sys::{
    ComInterface, IID_IMAPISync, IID_IUnknown, IMAPISync_Vtbl, Interface, GUID,
};

/// Where the macro looks up the interface names listed in the attribute: all of the
/// generated bindings, so a name that is not there is reported by rustc at the author's
/// token, and one that is there but is not an interface fails [`Slot`]'s `ComInterface`
/// bound.
pub mod interfaces {
    pub use mapi_sync_sys::*;
}

/// The interface listed at vtable slot `K` (1 or more) of a provider. Each listed name is
/// written once, here, so a wrong name gives one error.
pub trait Slot<const K: usize> {
    /// The owned pointer type of the interface (`IMsgStore`).
    type Interface: ComInterface;
}

/// Passes a listed name through when it is a COM interface of the bindings; the bound is
/// where a listed name that is some other type (a struct, a constant's type) is reported.
pub trait IsInterface {
    /// `Self`.
    type Itself: ComInterface;
}

impl<T: ComInterface> IsInterface for T {
    type Itself = T;
}

/// Whether `iid` is one of `bases` (an interface's `ComInterface::BASE_IIDS`), other
/// than `IUnknown` (which is slot 0's).
pub fn is_base_iid(bases: &[GUID], iid: &GUID) -> bool {
    *iid != mapi_sync_sys::IID_IUnknown && bases.contains(iid)
}

/// Compiles only for a provider in the default mode.
pub const fn assert_sync_provider<T: SyncProvider>() {}

/// Compiles only for a raw-mode provider.
pub const fn assert_raw_provider<T: RawSyncProvider>() {}

/// `IMAPIProp` from a [`Properties`](crate::props::Properties) implementation: what the
/// macro's `properties` argument expands to call.
pub mod properties {
    use crate::mem::Allocators;
    use crate::props::{prop_tags, write_prop_tags, PropArray, Properties, Props};
    use mapi_sync_sys::{
        LPSPropProblemArray, LPSPropTagArray, LPSPropValue, HRESULT, MAPI_E_INVALID_PARAMETER,
        S_OK, ULONG,
    };

    /// `IMAPIProp::GetProps`.
    ///
    /// # Safety
    /// MAPI's contract for `GetProps`: `tags` null or a tag array; `count` and `values`
    /// null or writable.
    pub unsafe fn get_props<T: Properties + ?Sized>(
        this: &T,
        tags: LPSPropTagArray,
        count: *mut ULONG,
        values: *mut LPSPropValue,
    ) -> HRESULT {
        if count.is_null() || values.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: null or a tag array (caller's contract).
        let requested = unsafe { prop_tags(tags) };
        let answer = |has: &[crate::props::Prop<'_>]| {
            PropArray::answer(Allocators::provider(), requested, has)
        };
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

    /// `IMAPIProp::GetPropList`.
    ///
    /// # Safety
    /// `out` must be null or writable.
    pub unsafe fn get_prop_list<T: Properties + ?Sized>(
        this: &T,
        out: *mut LPSPropTagArray,
    ) -> HRESULT {
        if out.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let mut tags: Vec<ULONG> = Vec::new();
        if let Err(e) = this.properties(&mut |has| tags = has.iter().map(|p| p.tag()).collect()) {
            return e.code();
        }
        match write_prop_tags(Allocators::provider(), &tags) {
            Ok(buffer) => {
                // SAFETY: non-null and writable (checked; caller's contract); the array
                // moves to the caller, who frees it with MAPIFreeBuffer.
                unsafe { *out = buffer.into_raw().cast() };
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
        if !problems.is_null() {
            // SAFETY: writable (caller's contract): no problem array for any outcome.
            unsafe { *problems = std::ptr::null_mut() };
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
}
