//! Reference counting and synchronizations under contention, with exact final counts.

mod common;

use std::collections::HashSet;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::{Arc, Barrier};

use common::*;
use mapi_sync::prelude::*;

#[mapi_sync_provider]
struct Busy {
    _probe: DropProbe,
    /// Every synchronization waits here until `CONCURRENT` of them run at once.
    gate: Arc<Barrier>,
}

const STEPS: u32 = 4;

impl SyncProvider for Busy {
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        self.gate.wait();
        for i in 1..=STEPS {
            progress.step("working", i, STEPS)?;
        }
        Ok(())
    }
}

struct SendPtr(*mut c_void);
// SAFETY: the object is free-threaded (atomic count, Sync value); the test shares the
// pointer while holding a reference.
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}

// Under Miri (which runs every test at a few thousand operations a second) the same
// interleavings are explored with fewer rounds: its scheduler preempts at random.
const THREADS: usize = if cfg!(miri) { 4 } else { 8 };
const ROUNDS: usize = if cfg!(miri) { 50 } else { 100_000 };
const CONCURRENT: usize = if cfg!(miri) { 6 } else { 100 };

#[test]
fn addref_queryinterface_release_from_8_threads() {
    let drops = DropCounter::default();
    let unknown = Busy {
        _probe: DropProbe(drops.clone()),
        gate: Arc::new(Barrier::new(1)),
    }
    .into_unknown();
    let object = Arc::new(SendPtr(mapi_sync::sys::Interface::into_raw(unknown)));
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let object = object.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let unknown = object.0;
                for _ in 0..ROUNDS {
                    // SAFETY: the main thread holds a reference throughout; each
                    // AddRef/QI here is balanced by a Release.
                    unsafe {
                        add_ref(unknown);
                        let (hr, sync) = qi(unknown, &IID_IMAPISYNC);
                        assert_eq!(hr, S_OK);
                        assert_eq!(sync, unknown);
                        assert!(release(sync) >= 2);
                        assert!(release(unknown) >= 1);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: our reference.
    unsafe {
        assert_eq!(ref_count(object.0), 1);
        assert_eq!(drops.count(), 0);
        assert_eq!(release(object.0), 0);
    }
    assert_eq!(drops.count(), 1);
}

#[test]
fn a_hundred_syncs_at_once() {
    let drops = DropCounter::default();
    let unknown = Busy {
        _probe: DropProbe(drops.clone()),
        gate: Arc::new(Barrier::new(CONCURRENT)),
    }
    .into_unknown();
    let unknown = mapi_sync::sys::Interface::into_raw(unknown);
    let session = FakeSession::new();
    let callback = Recorder::new();
    // SAFETY: live pointers; every reference is balanced below.
    unsafe {
        let (hr, sync) = qi(unknown, &IID_IMAPISYNC);
        assert_eq!(hr, S_OK);
        let mut events: Vec<HANDLE> = vec![null_mut(); CONCURRENT];
        for event in events.iter_mut() {
            let mut s = sib(0, session.as_unknown(), callback.as_unknown(), event);
            assert_eq!(synchronize_in_background(sync, &mut s), S_OK);
        }
        // The gate only opens when all CONCURRENT run at once.
        for &event in &events {
            wait_done(event);
        }
        let calls = callback.calls();
        assert_eq!(calls.len(), CONCURRENT * (STEPS as usize + 1));
        let done: Vec<usize> = calls
            .iter()
            .filter_map(|c| match c {
                Call::Done { event, hr } => {
                    assert_eq!(*hr, S_OK);
                    Some(*event)
                }
                _ => None,
            })
            .collect();
        assert_eq!(done.len(), CONCURRENT, "Done once per sync");
        let expected: HashSet<usize> = events.iter().map(|e| *e as usize).collect();
        assert_eq!(expected.len(), CONCURRENT, "one event per sync");
        assert_eq!(done.into_iter().collect::<HashSet<_>>(), expected);

        assert_eq!(callback.refs(), 1);
        assert_eq!(session.refs(), 1);
        assert_eq!(ref_count(unknown), 2);
        for event in events {
            close_event(event);
        }
        release(sync);
        assert_eq!(release(unknown), 0);
    }
    assert_eq!(drops.count(), 1);
}
