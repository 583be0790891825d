//! COM call costs of a `#[mapi_sync_provider]` object next to the same object built with
//! windows-core's `#[implement]`, in one run:
//!
//! - `query_interface+release`: `QueryInterface(IID_IMAPISync)` then `Release`, through the
//!   raw IUnknown vtable of the store object.
//! - `progress_call`: one `IMAPISyncProgressCallback::Progress` through the raw vtable of a
//!   callback object (built on the generated `Vtbl::new`, or with `#[implement]`), and the
//!   runtime's safe `Progress::step` (UTF-16 conversion included) over the former.
//!
//! ```sh
//! cargo bench --bench com
//! ```
#![allow(non_snake_case)]

use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use mapi_sync::prelude::*;
use mapi_sync::sys::{
    self, ComObject, IMAPISyncProgressCallback, IMAPISyncProgressCallback_Impl,
    IMAPISyncProgressCallback_Vtbl, IUnknown_Vtbl, GUID, HANDLE, HRESULT, WCHAR,
};

// --- mapi-sync side --------------------------------------------------------------------

#[mapi_sync_provider]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

/// A callback object on the generated implementer API.
#[repr(C)]
struct Callback {
    vtbl: &'static IMAPISyncProgressCallback_Vtbl,
    refs: AtomicU32,
    last: AtomicU32,
}

const CALLBACK_VTBL: IMAPISyncProgressCallback_Vtbl =
    IMAPISyncProgressCallback_Vtbl::new::<Callback, 0>();

impl IMAPISyncProgressCallback_Impl for Callback {
    fn Progress(&self, _: *const WCHAR, ulIndex: u32, _: u32) -> HRESULT {
        self.last.store(ulIndex, Ordering::Relaxed);
        0
    }
    fn Error(&self, _: HRESULT, _: *const WCHAR) -> HRESULT {
        0
    }
    fn Done(&self, _: HANDLE, _: HRESULT) -> HRESULT {
        0
    }
}

// SAFETY: one vtable at offset 0; the bench never frees it (it lives for the process).
unsafe impl ComObject for Callback {
    type Impl = Callback;
    fn implementation(&self) -> &Callback {
        self
    }
    unsafe fn query_interface(&self, iid: *const GUID, out: *mut *mut c_void) -> HRESULT {
        // SAFETY: the benchmark passes valid pointers.
        unsafe {
            if *iid == sys::IID_IUnknown || *iid == sys::IID_IMAPISyncProgressCallback {
                self.add_ref();
                *out = self as *const Callback as *mut c_void;
                0
            } else {
                *out = std::ptr::null_mut();
                sys::E_NOINTERFACE
            }
        }
    }
    fn add_ref(&self) -> u32 {
        self.refs.fetch_add(1, Ordering::Relaxed) + 1
    }
    unsafe fn release(this: *const Self) -> u32 {
        // SAFETY: the caller owns a reference.
        unsafe { (*this).refs.fetch_sub(1, Ordering::Release) - 1 }
    }
}

// --- windows-core side ------------------------------------------------------------------

mod wc {
    #![allow(non_snake_case)]
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicU32, Ordering};
    // `#[interface]`'s expansion names IUnknown_Vtbl unqualified.
    use windows_core::{implement, interface, IUnknown, IUnknown_Vtbl, HRESULT};

    #[interface("5024A385-2D44-486A-81A8-8F0ECB6071DD")]
    pub unsafe trait IMAPISync: IUnknown {
        fn SynchronizeInBackground(&self, psibpb: *mut c_void) -> HRESULT;
    }

    #[interface("5024A386-2D44-486A-81A8-8F0ECB6071DD")]
    pub unsafe trait IMAPISyncProgressCallback: IUnknown {
        fn Progress(&self, text: *const u16, index: u32, max: u32) -> HRESULT;
        fn Error(&self, hr: HRESULT, text: *const u16) -> HRESULT;
        fn Done(&self, event: *mut c_void, hr: HRESULT) -> HRESULT;
    }

    #[implement(IMAPISync)]
    pub struct Store;

    impl IMAPISync_Impl for Store_Impl {
        unsafe fn SynchronizeInBackground(&self, _: *mut c_void) -> HRESULT {
            HRESULT(0)
        }
    }

    #[implement(IMAPISyncProgressCallback)]
    pub struct Callback {
        pub last: AtomicU32,
    }

    impl IMAPISyncProgressCallback_Impl for Callback_Impl {
        unsafe fn Progress(&self, _: *const u16, index: u32, _: u32) -> HRESULT {
            self.last.store(index, Ordering::Relaxed);
            HRESULT(0)
        }
        unsafe fn Error(&self, _: HRESULT, _: *const u16) -> HRESULT {
            HRESULT(0)
        }
        unsafe fn Done(&self, _: *mut c_void, _: HRESULT) -> HRESULT {
            HRESULT(0)
        }
    }

    /// Raw pointers to a store (its IUnknown) and a callback (its callback interface).
    pub fn objects() -> (IUnknown, IMAPISyncProgressCallback) {
        (
            Store.into(),
            Callback {
                last: AtomicU32::new(0),
            }
            .into(),
        )
    }
}

// --- the measurements -------------------------------------------------------------------

/// QueryInterface(IID_IMAPISync) + Release through a raw IUnknown vtable, whoever built it.
///
/// # Safety
/// `unknown` must be a live COM object that answers IID_IMAPISync.
#[inline(always)]
unsafe fn qi_release(unknown: *mut c_void) {
    // SAFETY: caller's contract; the layout of IUnknown's vtable is the same in both.
    unsafe {
        let vtbl = &**(unknown as *const *const IUnknown_Vtbl);
        let mut out = std::ptr::null_mut();
        let hr = (vtbl.QueryInterface)(unknown, &sys::IID_IMAPISync, &mut out);
        debug_assert_eq!(hr, 0);
        let vtbl = &**(out as *const *const IUnknown_Vtbl);
        (vtbl.Release)(out);
    }
}

/// Progress(text, i, n) through a raw callback vtable.
///
/// # Safety
/// `callback` must be a live IMAPISyncProgressCallback.
#[inline(always)]
unsafe fn progress_call(callback: *mut c_void, text: *const u16, i: u32) -> HRESULT {
    // SAFETY: caller's contract; both objects lay the vtable out as the IDL says.
    unsafe {
        let vtbl = &**(callback as *const *const IMAPISyncProgressCallback_Vtbl);
        (vtbl.Progress)(callback, text, i, 100)
    }
}

fn bench(c: &mut Criterion) {
    let ours = Store.into_unknown();
    let (theirs, their_callback) = wc::objects();

    let mut group = c.benchmark_group("query_interface+release");
    group.bench_function("mapi_sync", |b| {
        // SAFETY: `ours` is live for the whole benchmark.
        b.iter(|| unsafe { qi_release(black_box(ours.as_raw())) })
    });
    group.bench_function("windows_core", |b| {
        // SAFETY: `theirs` is live for the whole benchmark.
        b.iter(|| unsafe { qi_release(black_box(windows_core::Interface::as_raw(&theirs))) })
    });
    group.finish();

    let callback = Box::leak(Box::new(Callback {
        vtbl: &CALLBACK_VTBL,
        refs: AtomicU32::new(1),
        last: AtomicU32::new(0),
    })) as *mut Callback as *mut c_void;
    let text: Vec<u16> = "Downloading headers\0".encode_utf16().collect();
    let mut group = c.benchmark_group("progress_call");
    group.bench_function("mapi_sync_vtable", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            // SAFETY: `callback` lives for the process.
            unsafe { progress_call(black_box(callback), text.as_ptr(), i) }
        })
    });
    group.bench_function("windows_core_vtable", |b| {
        let raw = windows_core::Interface::as_raw(&their_callback);
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            // SAFETY: `their_callback` is live for the whole benchmark.
            unsafe { progress_call(black_box(raw), text.as_ptr(), i) }
        })
    });
    // The safe wrapper providers use, over the generated-API callback.
    // SAFETY: `callback` is a live IMAPISyncProgressCallback; the clone is our reference.
    let owned = unsafe { IMAPISyncProgressCallback::from_raw_borrowed(&callback) }
        .cloned()
        .expect("non-null");
    let progress = Progress::new(owned);
    group.bench_function("mapi_sync_Progress_step", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            progress.step(black_box("Downloading headers"), i, 100)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
