//! The eml-store against a C floor (`benches/eml_floor.c`, compiled by gcc when the
//! benchmark starts), on the same files:
//!
//! - `store_table_10k`: the inbox's contents table opened, four columns set and 10,000
//!   rows read in one `QueryRows`, then freed as `FreeProws` does (`ours`); the C floor
//!   builds and frees the same `SRowSet` from its own parsed messages (`c`).
//! - `store_sync_1k`: a sync that imports 1,000 new files, from `SynchronizeInBackground`
//!   to the done event, with a progress callback that does nothing (`ours`); the C floor
//!   reads and parses the same 1,000 files in a loop (`c`). Each round of either side
//!   reads a fresh folder of hard links to the same files, made before the clock starts.
//!
//! Both sides use the same allocators (`Allocators::local`). `cargo xtask bench` runs
//! this and writes the figures to BENCHMARKS.md.
#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

use std::ffi::{c_char, c_long, CString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::write_prop_tags;
use mapi_sync::sys::{self, Interface, HANDLE, HRESULT, MAPISIB, S_OK, ULONG, WCHAR};

#[path = "../tests/support/mod.rs"]
mod support;

#[mapi_object(IMAPISyncProgressCallback)]
struct Quiet;

impl sys::IMAPISyncProgressCallback_Impl for Quiet {
    unsafe fn Progress(&self, _: *const WCHAR, _: ULONG, _: ULONG) -> HRESULT {
        S_OK
    }
    unsafe fn Error(&self, _: HRESULT, _: *const WCHAR) -> HRESULT {
        S_OK
    }
    unsafe fn Done(&self, _: HANDLE, _: HRESULT) -> HRESULT {
        S_OK
    }
}

fn write_messages(dir: &Path, prefix: &str, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let text = format!(
            "From: Sender {i} <sender{i}@example.com>\r\nSubject: Message {i} about the quarterly figures\r\n\
             Date: Tue, 1 Dec 2026 {:02}:{:02}:{:02} +0000\r\n\r\nBody of message {i}.\r\nSecond line.\r\n",
            i / 3600 % 24,
            i / 60 % 60,
            i % 60
        );
        std::fs::write(dir.join(format!("{prefix}{i:05}.eml")), text).unwrap();
    }
}

/// A logged-on store: (logon, store), with the provider kept alive.
struct Session {
    _provider: sys::IMSProvider,
    logon: sys::IMSLogon,
    store: sys::IMsgStore,
}

fn logon(dir: &Path) -> Session {
    let provider = support::provider();
    let (logon, store) = support::logon(&provider, dir);
    Session {
        _provider: provider,
        logon,
        store,
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let mut flags = 0;
        // SAFETY: a writable ULONG.
        unsafe { self.logon.Logoff(&mut flags) };
    }
}

use support::free;

fn inbox(store: &sys::IMsgStore) -> sys::IMAPIFolder {
    let (mut cb, mut id) = (0, std::ptr::null_mut());
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: writable out-pointers; the identifier GetReceiveFolder gave.
    unsafe {
        assert_eq!(
            store.GetReceiveFolder(
                std::ptr::null_mut(),
                0,
                &mut cb,
                &mut id,
                std::ptr::null_mut()
            ),
            S_OK
        );
        assert_eq!(
            store.OpenEntry(cb, id, std::ptr::null_mut(), 0, &mut kind, &mut unknown),
            S_OK
        );
        free(id.cast());
        unknown.into_owned().unwrap().cast().unwrap()
    }
}

/// Opens the contents table, sets four columns, reads every row, frees them: the rows read.
fn read_table(inbox: &sys::IMAPIFolder, columns: *const sys::SPropTagArray) -> usize {
    let mut raw = sys::InterfacePtr::null();
    // SAFETY: writable out-pointers; a tag array; FreeProws done by hand.
    unsafe {
        assert_eq!(inbox.GetContentsTable(0, &mut raw), S_OK);
        let table = raw.into_owned().unwrap();
        assert_eq!(table.SetColumns(columns.cast_mut(), 0), S_OK);
        let mut rows = std::ptr::null_mut();
        assert_eq!(table.QueryRows(100_000, 0, &mut rows), S_OK);
        let n = (*rows).cRows as usize;
        let first = std::ptr::addr_of!((*rows).aRow).cast::<sys::SRow>();
        for i in 0..n {
            free((*first.add(i)).lpProps.cast());
        }
        free(rows.cast());
        n
    }
}

fn sync(store: &sys::IMsgStore) {
    let sync: sys::IMAPISync = store.cast().unwrap();
    let callback = Object::new(Quiet).into_unknown();
    let mut event: HANDLE = std::ptr::null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as u32,
        ulFlags: SyncFlags::DOWNLOAD_CONTENTS.bits(),
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::from_raw(callback.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a complete MAPISIB; the event is ours to wait on and close.
    unsafe {
        assert_eq!(sync.SynchronizeInBackground(&mut sib), S_OK);
        assert!(mapi_sync::event::wait_timeout(event, Duration::from_secs(60)).unwrap());
        mapi_sync::event::close(event);
    }
}

/// One sync round's session and folder, removed (untimed) when criterion drops it.
struct Round(Option<Session>, PathBuf);

impl Drop for Round {
    fn drop(&mut self) {
        drop(self.0.take());
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

type Fn0 = unsafe extern "C" fn();
type Import = unsafe extern "C" fn(*const c_char) -> c_long;
type RowsFn =
    unsafe extern "C" fn(sys::LPALLOCATEBUFFER, sys::LPALLOCATEMORE, sys::LPFREEBUFFER) -> c_long;

/// The C floor, compiled by gcc and loaded.
struct Floor {
    _lib: libloading::Library,
    reset: Fn0,
    import: Import,
    rows: RowsFn,
}

fn floor(scratch: &Path) -> Floor {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/eml_floor.c");
    let lib = scratch.join("libeml_floor.so");
    let status = std::process::Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("gcc (apt-get install gcc)");
    assert!(status.success(), "gcc could not build the C floor");
    // SAFETY: our own library, whose symbols have the types below.
    unsafe {
        let loaded = libloading::Library::new(&lib).expect("load the C floor");
        let reset = *loaded.get::<Fn0>(b"floor_reset").unwrap();
        let import = *loaded.get::<Import>(b"floor_import").unwrap();
        let rows = *loaded.get::<RowsFn>(b"floor_rows").unwrap();
        Floor {
            _lib: loaded,
            reset,
            import,
            rows,
        }
    }
}

fn bench(c: &mut Criterion) {
    let scratch = tempfile::tempdir().unwrap();
    let c_floor = floor(scratch.path());
    let (a, m, f) = Allocators::local().as_raw();

    // 10,000 rows.
    let big = scratch.path().join("big");
    write_messages(&big, "m", 10_000);
    let session = logon(&big);
    let folder = inbox(&session.store);
    let columns = write_prop_tags(
        Allocators::local(),
        &[
            sys::PR_SUBJECT_W,
            sys::PR_SENDER_NAME_W,
            sys::PR_MESSAGE_DELIVERY_TIME,
            sys::PR_ENTRYID,
        ],
    )
    .unwrap();
    assert_eq!(read_table(&folder, columns.as_ptr().cast()), 10_000);
    let big_c = CString::new(big.to_str().unwrap()).unwrap();
    // SAFETY: the floor's functions, on a folder that exists.
    unsafe {
        (c_floor.reset)();
        assert_eq!((c_floor.import)(big_c.as_ptr()), 10_000);
        assert_eq!((c_floor.rows)(a, m, f), 10_000);
    }
    let mut group = c.benchmark_group("store_table_10k");
    group.sample_size(20);
    group.bench_function("ours", |b| {
        b.iter(|| read_table(&folder, columns.as_ptr().cast()))
    });
    // SAFETY: as above.
    group.bench_function("c", |b| b.iter(|| unsafe { (c_floor.rows)(a, m, f) }));
    group.finish();
    drop(folder);
    drop(session);

    // A sync importing 1,000 new files: each round logs on to an empty folder, then the
    // files are linked in (not timed) and the sync is timed.
    let template = scratch.path().join("template");
    write_messages(&template, "n", 1_000);
    let names: Vec<PathBuf> = std::fs::read_dir(&template)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut round = 0;
    let mut group = c.benchmark_group("store_sync_1k");
    group.sample_size(10);
    group.bench_function("ours", |b| {
        b.iter_batched(
            || {
                round += 1;
                let dir = scratch.path().join(format!("round{round}"));
                std::fs::create_dir_all(&dir).unwrap();
                let session = logon(&dir);
                for n in &names {
                    std::fs::hard_link(n, dir.join(n.file_name().unwrap())).unwrap();
                }
                Round(Some(session), dir)
            },
            |round| {
                sync(&round.0.as_ref().unwrap().store);
                round
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("c", |b| {
        b.iter_batched(
            || {
                // The same fresh folder of links as the store's rounds.
                round += 1;
                let dir = scratch.path().join(format!("round{round}"));
                std::fs::create_dir_all(&dir).unwrap();
                for n in &names {
                    std::fs::hard_link(n, dir.join(n.file_name().unwrap())).unwrap();
                }
                // SAFETY: the floor's functions.
                unsafe { (c_floor.reset)() };
                let c_dir = CString::new(dir.to_str().unwrap()).unwrap();
                (Round(None, dir), c_dir)
            },
            // SAFETY: as above, on a folder that exists.
            |(round, c_dir)| {
                assert_eq!(unsafe { (c_floor.import)(c_dir.as_ptr()) }, 1_000);
                round
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    // SAFETY: as above.
    unsafe { (c_floor.reset)() };
}

criterion_group!(benches, bench);
criterion_main!(benches);
