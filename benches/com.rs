//! COM call costs of a `#[mapi_sync_provider]` object next to the same object built with
//! windows-core's `#[implement]` and one written by hand in C (the floor,
//! `benches/c_provider.c`, compiled by gcc when the benchmark starts), in one run. Groups,
//! each with `ours`, `windows_core` and `c`:
//!
//! - `qi_release`: `QueryInterface(IID_IMAPISync)` then `Release`, through the raw
//!   IUnknown vtable of the store object.
//! - `addref_release`: one AddRef/Release pair through the same vtable.
//! - `progress`: one `IMAPISyncProgressCallback::Progress` through the raw vtable of a
//!   callback object of each kind.
//! - `sync_to_done`: from calling `SynchronizeInBackground` with an empty sync until the
//!   (shared, Rust) callback's `Done` has run; waiting for and closing the done event
//!   happen outside the timing.
//!
//! And `ours` against `c` only (windows-core has no MAPI property types):
//!
//! - `props_read`: 100 mixed `SPropValue`s (PT_LONG, PT_BOOLEAN, PT_I8, PT_SYSTIME,
//!   PT_UNICODE, PT_STRING8, PT_BINARY, PT_ERROR, PT_MV_LONG) checked and decoded into
//!   native values in reused storage (string lengths found, pointers checked):
//!   `mapi_sync::props::Props::from_raw` and its iterator against a C loop.
//! - `props_write`: the same 100 values written into one MAPI buffer (children with
//!   MAPIAllocateMore) and freed: `PropArray::write` against a C loop, both on
//!   `mem::Allocators::local()`.
//!
//! ```sh
//! cargo bench --bench com      # or `cargo xtask bench`, which also records the figures
//! ```
#![allow(non_snake_case)]

use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, PropArray, PropValue, Props};
use mapi_sync::sys::{
    self, IMAPISyncProgressCallback, IMAPISyncProgressCallback_Impl,
    IMAPISyncProgressCallback_Vtbl, IUnknown_Vtbl, HANDLE, HRESULT, WCHAR,
};

// --- mapi-sync side --------------------------------------------------------------------

#[mapi_sync_provider]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

/// The callback, made with `#[mapi_object]`.
#[mapi_object(IMAPISyncProgressCallback)]
struct Callback {
    last: AtomicU32,
    done: AtomicBool,
}

impl IMAPISyncProgressCallback_Impl for Callback {
    unsafe fn Progress(&self, _: *const WCHAR, ulIndex: u32, _: u32) -> HRESULT {
        self.last.store(ulIndex, Ordering::Relaxed);
        0
    }
    unsafe fn Error(&self, _: HRESULT, _: *const WCHAR) -> HRESULT {
        0
    }
    unsafe fn Done(&self, _: HANDLE, _: HRESULT) -> HRESULT {
        self.done.store(true, Ordering::Release);
        0
    }
}

// --- windows-core side ------------------------------------------------------------------

mod wc {
    #![allow(non_snake_case)]
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Condvar, Mutex};
    use windows_core::{implement, interface, IUnknown, Interface, HRESULT};

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

    /// MAPISIB as docs/FACTS.md lays it out (Microsoft, "MAPISIB").
    #[repr(C)]
    struct Sib {
        ul_size: u32,
        ul_flags: u32,
        session: *mut c_void,
        callback: *mut c_void,
        done_event: *mut *mut c_void,
    }

    const INVALID_PARAMETER: HRESULT = HRESULT(0x80070057_u32 as i32);

    /// The done event behind the handle: a flag and a condition variable.
    pub type Event = (Mutex<bool>, Condvar);

    struct Job(IMAPISyncProgressCallback, *mut c_void);
    // SAFETY: the callback is called from the sync thread only and the handle is only
    // handed back to it, as MAPI's contract has it.
    unsafe impl Send for Job {}

    /// The same work `#[mapi_sync_provider]`'s runtime does: validate, ask the callback
    /// for IMAPISyncProgressCallback, create the event, call Done and signal on a thread.
    #[implement(IMAPISync)]
    pub struct Store;

    impl IMAPISync_Impl for Store_Impl {
        unsafe fn SynchronizeInBackground(&self, psibpb: *mut c_void) -> HRESULT {
            let sib = psibpb as *mut Sib;
            if sib.is_null() {
                return INVALID_PARAMETER;
            }
            // SAFETY: non-null and, by MAPI's contract, a readable MAPISIB.
            let sib = unsafe { &*sib };
            if (sib.ul_size as usize) < std::mem::size_of::<Sib>() || sib.done_event.is_null() {
                return INVALID_PARAMETER;
            }
            // SAFETY: the callback is null or a live COM object.
            let Some(unknown) = (unsafe { IUnknown::from_raw_borrowed(&sib.callback) }) else {
                return INVALID_PARAMETER;
            };
            let Ok(callback) = unknown.cast::<IMAPISyncProgressCallback>() else {
                return INVALID_PARAMETER;
            };
            let event: Arc<Event> = Arc::new((Mutex::new(false), Condvar::new()));
            let handle = Arc::into_raw(event.clone()) as *mut c_void;
            // SAFETY: checked non-null; writable by MAPI's contract.
            unsafe { *sib.done_event = handle };
            let job = Job(callback, handle);
            std::thread::spawn(move || {
                let job = job;
                // SAFETY: a live callback; the handle is the caller's.
                let _ = unsafe { job.0.Done(job.1, HRESULT(0)) };
                drop(job);
                *event.0.lock().unwrap() = true;
                event.1.notify_all();
            });
            HRESULT(0)
        }
    }

    /// Waits for and closes an event this store handed out.
    ///
    /// # Safety
    /// `handle` must come from this store's SynchronizeInBackground, closed once.
    pub unsafe fn finish(handle: *mut c_void) {
        // SAFETY: caller's contract: the handle is one reference to an `Event`.
        let event = unsafe { Arc::from_raw(handle as *const Event) };
        let mut set = event.0.lock().unwrap();
        while !*set {
            set = event.1.wait(set).unwrap();
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

/// The C floor, compiled by gcc from `benches/c_provider.c` and loaded.
struct CFloor {
    _lib: libloading::Library,
    store_new: unsafe extern "C" fn() -> *mut c_void,
    callback_new: unsafe extern "C" fn() -> *mut c_void,
    event_wait: unsafe extern "C" fn(HANDLE),
    event_close: unsafe extern "C" fn(HANDLE),
    prop_size: unsafe extern "C" fn() -> usize,
    read_props: unsafe extern "C" fn(*const sys::SPropValue, u32, *mut u8) -> i32,
    write_props:
        unsafe extern "C" fn(*const u8, u32, *const c_void, *const c_void) -> *mut sys::SPropValue,
}

fn c_floor() -> CFloor {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::env::temp_dir().join(format!("mapi-sync-c-floor-{}.so", std::process::id()));
    let status = std::process::Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-pthread", "-I"])
        .arg(root.join("generated/include"))
        .arg(root.join("benches/c_provider.c"))
        .arg("-o")
        .arg(&lib)
        .status()
        .expect("gcc (apt-get install gcc)");
    assert!(status.success(), "gcc could not build the C floor");
    // SAFETY: the library is ours; its initialisers do nothing.
    let loaded = unsafe { libloading::Library::new(&lib) }.expect("load the C floor");
    let _ = std::fs::remove_file(&lib);
    // SAFETY: each symbol has the C signature written in c_provider.c.
    unsafe {
        CFloor {
            store_new: *loaded.get(b"c_store_new\0").expect("c_store_new"),
            callback_new: *loaded.get(b"c_callback_new\0").expect("c_callback_new"),
            event_wait: *loaded.get(b"c_event_wait\0").expect("c_event_wait"),
            event_close: *loaded.get(b"c_event_close\0").expect("c_event_close"),
            prop_size: *loaded.get(b"c_prop_size\0").expect("c_prop_size"),
            read_props: *loaded.get(b"c_read_props\0").expect("c_read_props"),
            write_props: *loaded.get(b"c_write_props\0").expect("c_write_props"),
            _lib: loaded,
        }
    }
}

/// AddRef + Release through a raw IUnknown vtable.
///
/// # Safety
/// `unknown` must be a live COM object.
#[inline(always)]
unsafe fn addref_release(unknown: *mut c_void) {
    // SAFETY: caller's contract.
    unsafe {
        let vtbl = &**(unknown as *const *const IUnknown_Vtbl);
        (vtbl.AddRef)(unknown);
        (vtbl.Release)(unknown);
    }
}

/// One SynchronizeInBackground on `store` until `callback`'s Done: the time to Done,
/// then `finish(event)` untimed.
///
/// # Safety
/// `store` must be a live IMAPISync, `callback` the shared Rust callback and
/// `callback_ptr` its IMAPISyncProgressCallback pointer.
unsafe fn sync_to_done(
    store: *mut c_void,
    callback: &Callback,
    callback_ptr: *mut c_void,
    finish: &dyn Fn(HANDLE),
) -> Duration {
    callback.done.store(false, Ordering::Relaxed);
    let mut event: HANDLE = std::ptr::null_mut();
    let mut sib = sys::MAPISIB {
        ulSize: std::mem::size_of::<sys::MAPISIB>() as u32,
        ulFlags: 0,
        psesSync: mapi_sync::sys::InterfacePtr::null(),
        punkCallBack: mapi_sync::sys::InterfacePtr::from_raw(callback_ptr),
        phSyncDoneEvent: &mut event,
    };
    let start = Instant::now();
    // SAFETY: caller's contract; `sib` and `event` outlive the call.
    let hr = unsafe {
        let vtbl = &**(store as *const *const sys::IMAPISync_Vtbl);
        (vtbl.SynchronizeInBackground)(store, &mut sib)
    };
    assert_eq!(hr, 0, "SynchronizeInBackground failed");
    while !callback.done.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    let took = start.elapsed();
    finish(event);
    took
}

/// QueryInterface for IMAPISync, as a raw pointer the caller releases.
///
/// # Safety
/// `unknown` must be a live store.
unsafe fn imapisync(unknown: *mut c_void) -> *mut c_void {
    let mut out = std::ptr::null_mut();
    // SAFETY: caller's contract.
    unsafe {
        let vtbl = &**(unknown as *const *const IUnknown_Vtbl);
        (vtbl.QueryInterface)(unknown, &sys::IID_IMAPISync, &mut out);
    }
    out
}

fn bench(c: &mut Criterion) {
    let ours = Store.into_unknown();
    let (theirs, their_callback) = wc::objects();
    let floor = c_floor();
    // SAFETY: the C constructors return one owned reference each.
    let (c_store, c_callback) = unsafe { ((floor.store_new)(), (floor.callback_new)()) };
    let stores: [(&str, *mut c_void); 3] = [
        ("ours", ours.as_raw()),
        ("windows_core", windows_core::Interface::as_raw(&theirs)),
        ("c", c_store),
    ];

    let mut group = c.benchmark_group("qi_release");
    for (name, store) in stores {
        // SAFETY: every store is live for the whole benchmark.
        group.bench_function(name, |b| b.iter(|| unsafe { qi_release(black_box(store)) }));
    }
    group.finish();

    let mut group = c.benchmark_group("addref_release");
    for (name, store) in stores {
        // SAFETY: as above.
        group.bench_function(name, |b| {
            b.iter(|| unsafe { addref_release(black_box(store)) })
        });
    }
    group.finish();

    // Lives for the whole process: the handle is leaked on purpose.
    let callback: &'static Object<Callback> = Box::leak(Box::new(Object::new(Callback {
        last: AtomicU32::new(0),
        done: AtomicBool::new(false),
    })));
    let ours_cb = sys::Interface::into_raw(
        callback
            .cast::<IMAPISyncProgressCallback>()
            .expect("the callback answers its interface"),
    );
    let text: Vec<u16> = "Downloading headers\0".encode_utf16().collect();
    let callbacks: [(&str, *mut c_void); 3] = [
        ("ours", ours_cb),
        (
            "windows_core",
            windows_core::Interface::as_raw(&their_callback),
        ),
        ("c", c_callback),
    ];
    let mut group = c.benchmark_group("progress");
    for (name, cb) in callbacks {
        group.bench_function(name, |b| {
            let mut i = 0u32;
            b.iter(|| {
                i = i.wrapping_add(1);
                // SAFETY: every callback is live for the whole benchmark.
                unsafe { progress_call(black_box(cb), text.as_ptr(), i) }
            })
        });
    }
    group.finish();

    // The safe wrapper providers use, over the generated-API callback.
    // SAFETY: `ours_cb` is a live IMAPISyncProgressCallback; the clone is our reference.
    let owned = unsafe { IMAPISyncProgressCallback::from_raw_borrowed(&ours_cb) }
        .cloned()
        .expect("non-null");
    let progress = Progress::new(owned);
    let mut group = c.benchmark_group("progress_step");
    group.bench_function("ours_safe_wrapper", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            progress.step(black_box("Downloading headers"), i, 100)
        })
    });
    group.finish();

    let finish_ours = |e: HANDLE| {
        // SAFETY: a done event from our SynchronizeInBackground, closed once.
        unsafe {
            mapi_sync::event::wait(e).unwrap();
            mapi_sync::event::close(e);
        }
    };
    // SAFETY: a done event from windows-core's store, closed once.
    let finish_wc = |e: HANDLE| unsafe { wc::finish(e) };
    let finish_c = |e: HANDLE| {
        // SAFETY: a done event from the C store, closed once.
        unsafe {
            (floor.event_wait)(e);
            (floor.event_close)(e);
        }
    };
    let finishers: [&dyn Fn(HANDLE); 3] = [&finish_ours, &finish_wc, &finish_c];
    let mut group = c.benchmark_group("sync_to_done");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    for ((name, store), finish) in stores.into_iter().zip(finishers) {
        // SAFETY: every store is live and answers IMAPISync.
        let sync = unsafe { imapisync(store) };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    // SAFETY: `sync` is live; `callback` is the shared Rust callback.
                    .map(|_| unsafe { sync_to_done(sync, callback, ours_cb, finish) })
                    .sum()
            })
        });
        // SAFETY: the reference `imapisync` took.
        unsafe {
            let vtbl = &**(sync as *const *const IUnknown_Vtbl);
            (vtbl.Release)(sync);
        }
    }
    group.finish();
}

/// 100 mixed values of the types a store uses (their data leaked: it lives as long as
/// the benchmark).
fn mixed_props() -> Vec<Prop<'static>> {
    (0..100u32)
        .map(|i| {
            let id = 0x6000 + i;
            let (ty, value) = match i % 9 {
                0 => (sys::PT_LONG, PropValue::Long(i as i32)),
                1 => (sys::PT_BOOLEAN, PropValue::Boolean(i % 2 == 0)),
                2 => (sys::PT_I8, PropValue::I8(i64::from(i) << 33)),
                3 => (
                    sys::PT_SYSTIME,
                    PropValue::SysTime(0x01D9_0000_0000_0000 + u64::from(i)),
                ),
                4 => (
                    sys::PT_UNICODE,
                    PropValue::Str(format!("Subject of message {i}").leak()),
                ),
                5 => (
                    sys::PT_STRING8,
                    PropValue::String8(format!("sender{i}@example.com").into_bytes().leak()),
                ),
                6 => (sys::PT_BINARY, PropValue::Binary(vec![i as u8; 16].leak())),
                7 => (sys::PT_ERROR, PropValue::Error(sys::MAPI_E_NOT_FOUND)),
                _ => (
                    sys::PT_MV_LONG,
                    PropValue::MvLong(vec![1, 2, 3, i as i32].leak()),
                ),
            };
            Prop::new(mapi_sync::props::prop_tag(ty, id), value).expect("types match")
        })
        .collect()
}

fn bench_props(c: &mut Criterion) {
    let floor = c_floor();
    let alloc = Allocators::local();
    let props = mixed_props();
    let n = props.len() as u32;
    let array = PropArray::write(alloc, &props).expect("written");
    let raw = array.as_slice().as_ptr();
    // SAFETY: the symbols' C signatures.
    let size = unsafe { (floor.prop_size)() };
    let mut c_props = vec![0u8; size * props.len()];

    let mut group = c.benchmark_group("props_read");
    // Both read into storage they reuse: a Vec here, a C array there.
    let mut ours_out: Vec<Prop<'_>> = Vec::with_capacity(props.len());
    group.bench_function("ours", |b| {
        b.iter(|| {
            // SAFETY: `raw` is a live array of `n` values written above.
            unsafe { Props::read_into(black_box(raw), n, &mut ours_out) }.expect("readable");
        })
    });
    group.bench_function("c", |b| {
        b.iter(|| {
            // SAFETY: as above; `c_props` has room for `n` C values.
            let r = unsafe { (floor.read_props)(black_box(raw), n, c_props.as_mut_ptr()) };
            assert_eq!(r, 0);
        })
    });
    group.finish();

    // The C side writes what its own loop read.
    // SAFETY: as above.
    assert_eq!(
        unsafe { (floor.read_props)(raw, n, c_props.as_mut_ptr()) },
        0
    );
    let (buffer_fn, more_fn, free_fn) = alloc.as_raw();
    let free_fn = free_fn.expect("local allocators");
    let mut group = c.benchmark_group("props_write");
    group.bench_function("ours", |b| {
        b.iter(|| drop(PropArray::write(alloc, black_box(&props)).expect("written")))
    });
    group.bench_function("c", |b| {
        b.iter(|| {
            // SAFETY: `c_props` holds `n` values read by the C loop from `raw`, whose data
            // is still alive; the allocators are the local ones, and the array is freed
            // once.
            unsafe {
                let out = (floor.write_props)(
                    black_box(c_props.as_ptr()),
                    n,
                    buffer_fn.map_or(std::ptr::null(), |f| f as *const c_void),
                    more_fn.map_or(std::ptr::null(), |f| f as *const c_void),
                );
                assert!(!out.is_null());
                free_fn(out.cast());
            }
        })
    });
    group.finish();
    drop(array);
}

criterion_group!(benches, bench, bench_props);
criterion_main!(benches);
