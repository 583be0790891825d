//! The body of an exported `ServiceEntry` and the macro that exports it.

use super::{ServiceCall, ServiceContext};
use crate::mem::Allocators;
use crate::props::Props;
use crate::sys::{
    self, LPSPropValue, HRESULT, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, LPMAPIERROR,
    LPMAPISUP, LPPROVIDERADMIN, ULONG, ULONG_PTR,
};
use crate::{Error, Out, Result};

/// MAPI's allocators, from the support object.
fn allocators_of(support: &sys::IMAPISupport) -> Result<Allocators> {
    let (mut a, mut m, mut f): (LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER) =
        (None, None, None);
    // SAFETY: three local places.
    let hr = unsafe { support.GetMemAllocRoutines(&mut a, &mut m, &mut f) };
    if hr < 0 {
        return Err(Error::with_message(
            hr,
            "IMAPISupport::GetMemAllocRoutines failed",
        ));
    }
    // SAFETY: MAPI's own functions (or null, refused), valid while MAPI is loaded.
    unsafe { Allocators::new(a, m, f) }
}

/// The body of an exported `ServiceEntry` (see the [module](super)): `handler` answers
/// the call; `component` names the service in a `MAPIERROR`.
///
/// # Safety
/// The arguments must be what MAPI documents for `MSGSERVICEENTRY`: the support object
/// and provider administration object null or live for the call, `lpProps` null or
/// `cValues` values, `lppMapiError` null or writable.
#[allow(clippy::too_many_arguments)]
pub unsafe fn service_entry<F>(
    support: LPMAPISUP,
    ui_param: ULONG_PTR,
    flags: ULONG,
    context: ULONG,
    count: ULONG,
    props: LPSPropValue,
    admin: LPPROVIDERADMIN,
    error: *mut LPMAPIERROR,
    component: &str,
    handler: F,
) -> HRESULT
where
    F: FnOnce(&ServiceCall<'_>) -> Result<()>,
{
    // SAFETY: null or writable (the caller's contract).
    let mut error = unsafe { Out::new(error) }.ok();
    if let Some(e) = error.as_mut() {
        e.clear();
    }
    // SAFETY: null or live for the call (the caller's contract).
    let Some(support) = (unsafe { support.get() }) else {
        return sys::MAPI_E_INVALID_PARAMETER;
    };
    let allocators = match allocators_of(support) {
        Ok(a) => a,
        Err(e) => return e.code(),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let context = ServiceContext::from_raw(context).ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_NO_SUPPORT,
                format!("unknown ulContext {context}"),
            )
        })?;
        // SAFETY: null with no values, or `count` values alive for the call (the
        // caller's contract).
        let props = unsafe { Props::from_raw(props, count) }?;
        let call = ServiceCall {
            context,
            flags,
            ui_param,
            props,
            support,
            // SAFETY: null or live for the call (the caller's contract).
            admin: unsafe { admin.get() },
            allocators,
        };
        handler(&call)
    }));
    let failure = match result {
        Ok(Ok(())) => return sys::S_OK,
        Ok(Err(e)) => e,
        Err(payload) => {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(payload)));
            Error::with_message(sys::E_UNEXPECTED, "the service entry panicked")
        }
    };
    if let Some(e) = error.as_mut() {
        // A MAPIERROR that cannot be allocated is left out; the code still says why.
        if let Ok(buffer) = failure.to_mapi_error(allocators, component, flags) {
            e.write(buffer.into_raw().cast());
        }
    }
    failure.code()
}

/// Exports a message service's `ServiceEntry` (see the [module](crate::service)):
/// `service_entry!(handler)`, where `handler` is a `Fn(&ServiceCall) -> Result<()>`
/// (or `FnOnce`), called once per call of the export.
///
/// ```
/// use mapi_sync::service::{ServiceCall, ServiceContext};
/// use mapi_sync::sys;
///
/// mapi_sync::service_entry!(|call: &ServiceCall<'_>| match call.context() {
///     ServiceContext::ProviderCreate | ServiceContext::ProviderDelete => {
///         Err(mapi_sync::Error::new(sys::MAPI_E_NO_SUPPORT))
///     }
///     _ => Ok(()),
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! service_entry {
    ($handler:expr) => {
        /// `ServiceEntry`, the message service's entry point (written by
        /// `mapi_sync::service_entry!`).
        ///
        /// # Safety
        /// MAPI's arguments, as `MSGSERVICEENTRY`'s documentation gives them.
        #[no_mangle]
        #[allow(clippy::too_many_arguments, non_snake_case)]
        pub unsafe extern "system" fn ServiceEntry(
            hInstance: $crate::sys::HINSTANCE,
            lpMalloc: $crate::sys::LPMALLOC,
            lpMAPISup: $crate::sys::LPMAPISUP,
            ulUIParam: $crate::sys::ULONG_PTR,
            ulFlags: $crate::sys::ULONG,
            ulContext: $crate::sys::ULONG,
            cValues: $crate::sys::ULONG,
            lpProps: $crate::sys::LPSPropValue,
            lpProviderAdmin: $crate::sys::LPPROVIDERADMIN,
            lppMapiError: *mut $crate::sys::LPMAPIERROR,
        ) -> $crate::sys::HRESULT {
            let _ = (hInstance, lpMalloc);
            // SAFETY: MAPI's arguments, passed on unchanged (this function's contract).
            unsafe {
                $crate::service::service_entry(
                    lpMAPISup,
                    ulUIParam,
                    ulFlags,
                    ulContext,
                    cValues,
                    lpProps,
                    lpProviderAdmin,
                    lppMapiError,
                    ::core::env!("CARGO_PKG_NAME"),
                    $handler,
                )
            }
        }
        // The export has the type MAPI calls it through (`LPMSGSERVICEENTRY`, as the
        // bindings declare it from `mapispi.h`: `extern "system"`, `ULONG_PTR`).
        const _: $crate::sys::LPMSGSERVICEENTRY = ::core::option::Option::Some(ServiceEntry);
    };
}
