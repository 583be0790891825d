//! The store provider's entry point: `MSProviderInit`, the function MAPI looks up in a
//! store provider's DLL and calls first (Microsoft, "MSProviderInit"; `mapispi.h`).
//!
//! ```text
//! HRESULT STDMAPIINITCALLTYPE MSProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
//!     LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
//!     LPFREEBUFFER lpFreeBuffer, ULONG ulFlags, ULONG ulMAPIVer,
//!     ULONG *lpulProviderVer, LPMSPROVIDER *lppMSProvider);
//! ```
//!
//! `STDMAPIINITCALLTYPE` is `__cdecl` (`mapidefs.h`): unlike the interfaces' methods
//! (`STDMETHODCALLTYPE`, stdcall on 32-bit Windows), this export is `extern "C"` on
//! both Windows targets; on x86_64 the two are the same convention. The allocators it is
//! given are `WINAPI` (stdcall on 32-bit), as [`Allocators`] calls them.
//!
//! [`ms_provider_init!`](crate::ms_provider_init) exports it for a Rust `IMSProvider`:
//!
//! ```
//! #![allow(non_snake_case)]
//! use mapi_sync::prelude::*;
//! use mapi_sync::provider::Init;
//! use mapi_sync::sys::IMSProvider_Impl;
//!
//! #[mapi_object(IMSProvider)]
//! struct MyProvider;
//! impl IMSProvider_Impl for MyProvider {} // Logon, Shutdown, ...
//!
//! mapi_sync::ms_provider_init!(|_init: &Init| Ok(Object::new(MyProvider)));
//! # fn main() {
//! #     use mapi_sync::sys;
//! #     let (a, m, f) = mapi_sync::mem::Allocators::local().as_raw();
//! #     let (mut version, mut provider) = (0, sys::InterfacePtr::null());
//! #     let hr = unsafe {
//! #         MSProviderInit(std::ptr::null_mut(), std::ptr::null_mut(), a, m, f, 0,
//! #             sys::CURRENT_SPI_VERSION, &mut version, &mut provider)
//! #     };
//! #     assert_eq!((hr, version), (sys::S_OK, sys::CURRENT_SPI_VERSION));
//! #     drop(unsafe { provider.into_owned() });
//! # }
//! ```
//!
//! What the entry does, in order (Microsoft, "MSProviderInit"):
//!
//! 1. `MAPI_E_INVALID_PARAMETER` if `lpulProviderVer` or `lppMSProvider` is null;
//!    otherwise `*lppMSProvider` is nulled and `*lpulProviderVer` set to
//!    `CURRENT_SPI_VERSION`, the SPI version this provider was built for.
//! 2. `MAPI_E_VERSION` if `ulMAPIVer` is older than `CURRENT_SPI_VERSION`.
//! 3. `MAPI_E_INVALID_PARAMETER` if an allocator is null; otherwise the three are kept:
//!    [`Allocators::provider`] returns them from then on (the last ones given win: MAPI
//!    passes the same ones to every call).
//! 4. The closure makes the provider object; its `Err` is returned, a panic becomes
//!    `E_UNEXPECTED`. `*lppMSProvider` receives its `IMSProvider` with one reference.
//!
//! `lpMalloc` (MAPI's `IMalloc`) is passed on in [`Init`] but not kept: a provider that
//! keeps it must `AddRef` it, as MAPI says.

use crate::mem::Allocators;
use crate::sys::{
    self, HINSTANCE, HRESULT, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, LPMALLOC,
    LPMSPROVIDER, ULONG,
};
use crate::{ComClass, Object, Result};

/// The type of `MSProviderInit` (`mapispi.h`'s `MSPROVIDERINIT`, which the bindings do not
/// carry): `__cdecl`, hence `extern "C"`.
#[allow(non_camel_case_types, non_snake_case)]
pub type MSPROVIDERINIT = unsafe extern "C" fn(
    hInstance: HINSTANCE,
    lpMalloc: LPMALLOC,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    ulFlags: ULONG,
    ulMAPIVer: ULONG,
    lpulProviderVer: *mut ULONG,
    lppMSProvider: *mut LPMSPROVIDER,
) -> HRESULT;

/// What MAPI passed to `MSProviderInit`, for the closure that makes the provider.
#[derive(Debug)]
pub struct Init {
    /// The provider DLL's instance handle.
    pub instance: HINSTANCE,
    /// MAPI's `IMalloc`, not referenced: `AddRef` it to keep it.
    pub malloc: LPMALLOC,
    /// The three memory functions, also returned by [`Allocators::provider`] from now on.
    pub allocators: Allocators,
    /// `ulFlags` (reserved, 0).
    pub flags: ULONG,
    /// `ulMAPIVer`: MAPI's SPI version.
    pub mapi_version: ULONG,
}

/// The body of an exported `MSProviderInit` (see the [module](self) for what it does);
/// [`ms_provider_init!`](crate::ms_provider_init) writes the export around it.
///
/// # Safety
/// The arguments must be what MAPI documents for `MSProviderInit`: the allocators null or
/// MAPI's functions, the two out-pointers null or writable.
#[allow(clippy::too_many_arguments)]
pub unsafe fn ms_provider_init<P, F>(
    instance: HINSTANCE,
    malloc: LPMALLOC,
    allocate_buffer: LPALLOCATEBUFFER,
    allocate_more: LPALLOCATEMORE,
    free_buffer: LPFREEBUFFER,
    flags: ULONG,
    mapi_version: ULONG,
    provider_version: *mut ULONG,
    provider: *mut LPMSPROVIDER,
    make: F,
) -> HRESULT
where
    P: ComClass,
    F: FnOnce(&Init) -> Result<Object<P>>,
{
    if provider_version.is_null() || provider.is_null() {
        return sys::MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: both non-null and writable (the caller's contract).
    unsafe {
        *provider = sys::InterfacePtr::null();
        *provider_version = sys::CURRENT_SPI_VERSION;
    }
    if mapi_version < sys::CURRENT_SPI_VERSION {
        return sys::MAPI_E_VERSION;
    }
    // SAFETY: MAPI's functions or null (the caller's contract); null ones are refused.
    let allocators = match unsafe { Allocators::new(allocate_buffer, allocate_more, free_buffer) } {
        Ok(a) => a,
        Err(e) => return e.code(),
    };
    allocators.set_provider();
    let init = Init {
        instance,
        malloc,
        allocators,
        flags,
        mapi_version,
    };
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        make(&init).and_then(|object| object.cast::<sys::IMSProvider>())
    }));
    match made {
        Ok(Ok(ms_provider)) => {
            // SAFETY: as above; the reference moves to the caller.
            unsafe { *provider = ms_provider.into() };
            sys::S_OK
        }
        Ok(Err(e)) => e.code(),
        Err(payload) => {
            // A payload whose own Drop panics must not unwind from here either.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(payload)));
            sys::E_UNEXPECTED
        }
    }
}

/// Exports `MSProviderInit` for a provider crate: `ms_provider_init!(closure)`, where the
/// closure takes `&`[`Init`] and returns `mapi_sync::Result<Object<P>>` for a `P` made
/// with `#[mapi_object(IMSProvider)]`. See the [module](crate::provider).
#[macro_export]
macro_rules! ms_provider_init {
    ($make:expr) => {
        /// `MSProviderInit`, the store provider's entry point (written by
        /// `mapi_sync::ms_provider_init!`).
        ///
        /// # Safety
        /// MAPI's arguments, as `MSProviderInit`'s documentation gives them.
        #[no_mangle]
        #[allow(clippy::too_many_arguments, non_snake_case)]
        pub unsafe extern "C" fn MSProviderInit(
            hInstance: $crate::sys::HINSTANCE,
            lpMalloc: $crate::sys::LPMALLOC,
            lpAllocateBuffer: $crate::sys::LPALLOCATEBUFFER,
            lpAllocateMore: $crate::sys::LPALLOCATEMORE,
            lpFreeBuffer: $crate::sys::LPFREEBUFFER,
            ulFlags: $crate::sys::ULONG,
            ulMAPIVer: $crate::sys::ULONG,
            lpulProviderVer: *mut $crate::sys::ULONG,
            lppMSProvider: *mut $crate::sys::LPMSPROVIDER,
        ) -> $crate::sys::HRESULT {
            // SAFETY: MAPI's arguments, passed on unchanged (this function's contract).
            unsafe {
                $crate::provider::ms_provider_init(
                    hInstance,
                    lpMalloc,
                    lpAllocateBuffer,
                    lpAllocateMore,
                    lpFreeBuffer,
                    ulFlags,
                    ulMAPIVer,
                    lpulProviderVer,
                    lppMSProvider,
                    $make,
                )
            }
        }
        // The export has the type MAPI calls it through.
        const _: $crate::provider::MSPROVIDERINIT = MSProviderInit;
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::IMSProvider_Impl;

    #[mapi_sync_macros::mapi_object(IMSProvider, crate = crate)]
    struct Provider;
    impl IMSProvider_Impl for Provider {}

    fn call(
        version: ULONG,
        allocators: (LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER),
        make: impl FnOnce(&Init) -> Result<Object<Provider>>,
    ) -> (HRESULT, ULONG, LPMSPROVIDER) {
        let (mut v, mut p) = (
            0,
            sys::InterfacePtr::from_raw(std::ptr::NonNull::<std::ffi::c_void>::dangling().as_ptr()),
        );
        let (a, m, f) = allocators;
        // SAFETY: local allocators or null ones; two writable out-pointers.
        let hr = unsafe {
            ms_provider_init(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                a,
                m,
                f,
                0,
                version,
                &mut v,
                &mut p,
                make,
            )
        };
        (hr, v, p)
    }

    #[test]
    fn the_entry_checks_version_allocators_and_catches_panics() {
        let local = Allocators::local().as_raw();
        let (hr, v, p) = call(sys::CURRENT_SPI_VERSION, local, |init| {
            assert_eq!(init.mapi_version, sys::CURRENT_SPI_VERSION);
            Ok(Object::new(Provider))
        });
        assert_eq!((hr, v), (sys::S_OK, sys::CURRENT_SPI_VERSION));
        // SAFETY: the one reference handed out.
        let provider = unsafe { p.into_owned() }.unwrap();
        let mut flags = 0;
        // SAFETY: a writable ULONG; the default answers MAPI_E_NO_SUPPORT.
        assert_eq!(
            unsafe { provider.Shutdown(&mut flags) },
            sys::MAPI_E_NO_SUPPORT
        );

        let (hr, v, p) = call(sys::CURRENT_SPI_VERSION - 1, local, |_| unreachable!());
        assert_eq!(
            (hr, v, p),
            (
                sys::MAPI_E_VERSION,
                sys::CURRENT_SPI_VERSION,
                sys::InterfacePtr::null()
            )
        );
        let (hr, _, p) = call(
            sys::CURRENT_SPI_VERSION,
            (local.0, None, local.2),
            |_| unreachable!(),
        );
        assert_eq!(
            (hr, p),
            (sys::MAPI_E_INVALID_PARAMETER, sys::InterfacePtr::null())
        );
        let (hr, _, p) = call(sys::CURRENT_SPI_VERSION, local, |_| panic!("no provider"));
        assert_eq!((hr, p), (sys::E_UNEXPECTED, sys::InterfacePtr::null()));
        let (hr, _, p) = call(sys::CURRENT_SPI_VERSION, local, |_| {
            Err(crate::Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))
        });
        assert_eq!(
            (hr, p),
            (sys::MAPI_E_NOT_ENOUGH_MEMORY, sys::InterfacePtr::null())
        );
        let mut v = 0;
        // SAFETY: a null provider pointer is refused before anything is written.
        let hr = unsafe {
            ms_provider_init(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                local.0,
                local.1,
                local.2,
                0,
                sys::CURRENT_SPI_VERSION,
                &mut v,
                std::ptr::null_mut(),
                |_| Ok(Object::new(Provider)),
            )
        };
        assert_eq!((hr, v), (sys::MAPI_E_INVALID_PARAMETER, 0));
    }
}
