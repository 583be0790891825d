//! Outlook's side, played through raw vtables (see `common`): a full synchronization, the
//! error and panic paths, and every bad input SynchronizeInBackground and QueryInterface
//! must refuse.

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use common::*;
use mapi_sync::prelude::*;

#[derive(Clone, Copy)]
enum Behaviour {
    /// `n` progress steps with text, then one without, then Ok.
    Steps(u32),
    /// One step, then Err(MAPI_E_NETWORK_ERROR, "server unreachable").
    Fail,
    /// One step, then a panic.
    Panic,
}

#[mapi_sync_provider]
struct TestStore {
    _probe: DropProbe,
    behaviour: Behaviour,
    runs: Arc<AtomicUsize>,
    /// (flags, whether a session was passed) of each run.
    seen: Arc<Mutex<Vec<(u32, bool)>>>,
    /// When set, synchronize waits here first (so the host can look before it runs).
    gate: Option<Arc<Barrier>>,
}

impl SyncProvider for TestStore {
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.seen
            .lock()
            .unwrap()
            .push((request.flags().bits(), request.session().is_some()));
        if let Some(gate) = &self.gate {
            gate.wait();
        }
        match self.behaviour {
            Behaviour::Steps(n) => {
                for i in 1..=n {
                    progress.step(&*format!("Step {i} of {n}"), i, n)?;
                }
                progress.step(None, n, n)
            }
            Behaviour::Fail => {
                progress.step("Connecting", 1, 2)?;
                Err(Error::with_message(
                    mapi_sync::sys::MAPI_E_NETWORK_ERROR,
                    "server unreachable",
                ))
            }
            Behaviour::Panic => {
                progress.step("Connecting", 1, 2)?;
                panic!("boom: the server sent garbage");
            }
        }
    }
}

struct Fixture {
    /// The provider's IUnknown (one reference, the host's).
    unknown: *mut c_void,
    drops: DropCounter,
    runs: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<(u32, bool)>>>,
}

fn provider(behaviour: Behaviour, gate: Option<Arc<Barrier>>) -> Fixture {
    let drops = DropCounter::default();
    let runs = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let unknown = TestStore {
        _probe: DropProbe(drops.clone()),
        behaviour,
        runs: runs.clone(),
        seen: seen.clone(),
        gate,
    }
    .into_unknown();
    // From here on the host has a raw pointer only.
    let unknown = mapi_sync::sys::Interface::into_raw(unknown);
    Fixture {
        unknown,
        drops,
        runs,
        seen,
    }
}

impl Fixture {
    /// QI for IMAPISync, as Outlook does.
    fn sync(&self) -> *mut c_void {
        // SAFETY: `unknown` is live.
        let (hr, sync) = unsafe { qi(self.unknown, &IID_IMAPISYNC) };
        assert_eq!(hr, S_OK);
        assert!(!sync.is_null());
        sync
    }

    /// Releases the host's last reference and checks the value was dropped exactly once.
    fn finish(self) {
        // SAFETY: the host owns this reference.
        unsafe {
            assert_eq!(
                ref_count(self.unknown),
                1,
                "only the host's reference is left"
            );
            assert_eq!(release(self.unknown), 0);
        }
        assert_eq!(self.drops.count(), 1, "dropped exactly once");
    }
}

const STEPS: u32 = 3;

#[test]
fn outlook_drives_a_full_sync() {
    let gate = Arc::new(Barrier::new(2));
    let f = provider(Behaviour::Steps(STEPS), Some(gate.clone()));
    let session = FakeSession::new();
    let callback = Recorder::new();
    let sync = f.sync();
    // SAFETY: live pointers throughout; references are balanced below.
    unsafe {
        assert_eq!(ref_count(f.unknown), 2);
        // Slot 0 is both IUnknown and IMAPISync.
        assert_eq!(sync, f.unknown);

        // ON_DEMAND | DOWNLOAD_CONTENTS, plus a bit nobody defines.
        let flags = 0x2000_0080 | 0x0001_0000;
        let mut event: HANDLE = null_mut();
        let mut sib = sib(
            flags,
            session.as_unknown(),
            callback.as_unknown(),
            &mut event,
        );
        assert_eq!(synchronize_in_background(sync, &mut sib), S_OK);
        assert!(!event.is_null(), "the event is stored before returning");

        // It returned while the provider is still waiting at the gate: nothing reported yet,
        // and the thread holds references to the object, the callback and the session.
        assert!(callback.calls().is_empty());
        assert_eq!(ref_count(f.unknown), 3);
        assert_eq!(callback.refs(), 2);
        assert_eq!(session.refs(), 2);
        assert!(!mapi_sync::event::wait_timeout(event, Duration::from_millis(10)).unwrap());
        gate.wait();

        wait_done(event);
        let calls = callback.calls();
        let mut expected: Vec<Call> = (1..=STEPS)
            .map(|i| Call::Progress {
                text: Some(format!("Step {i} of {STEPS}")),
                index: i,
                max: STEPS,
            })
            .collect();
        expected.push(Call::Progress {
            text: None,
            index: STEPS,
            max: STEPS,
        });
        expected.push(Call::Done {
            event: event as usize,
            hr: S_OK,
        });
        assert_eq!(calls, expected);
        // Every call came from one thread that is not ours.
        let threads = callback.threads();
        assert!(threads.iter().all(|t| *t == threads[0]));
        assert_ne!(threads[0], std::thread::current().id());

        // The provider saw the flags (unknown bit included) and the session.
        assert_eq!(*f.seen.lock().unwrap(), vec![(flags, true)]);
        // When the event fires, every reference the sync took is back.
        assert_eq!(callback.refs(), 1);
        assert_eq!(session.refs(), 1);
        assert_eq!(ref_count(f.unknown), 2);
        // Done exactly once, even a while later.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(callback.calls().len(), expected.len());

        close_event(event);
        assert_eq!(release(sync), 1);
    }
    assert_eq!(f.drops.count(), 0);
    f.finish();
}

#[test]
fn an_error_is_reported_then_done() {
    let f = provider(Behaviour::Fail, None);
    let callback = Recorder::new();
    let sync = f.sync();
    // SAFETY: live pointers; references balanced.
    unsafe {
        let mut event: HANDLE = null_mut();
        let mut sib = sib(0x80, null_mut(), callback.as_unknown(), &mut event);
        assert_eq!(synchronize_in_background(sync, &mut sib), S_OK);
        wait_done(event);
        assert_eq!(
            callback.calls(),
            vec![
                Call::Progress {
                    text: Some("Connecting".into()),
                    index: 1,
                    max: 2
                },
                Call::Error {
                    hr: MAPI_E_NETWORK_ERROR,
                    text: Some("server unreachable".into())
                },
                Call::Done {
                    event: event as usize,
                    hr: MAPI_E_NETWORK_ERROR
                },
            ]
        );
        assert_eq!(*f.seen.lock().unwrap(), vec![(0x80, false)]);
        assert_eq!(callback.refs(), 1);
        close_event(event);
        release(sync);
    }
    f.finish();
}

#[test]
fn a_panic_becomes_e_unexpected_then_done() {
    let f = provider(Behaviour::Panic, None);
    let callback = Recorder::new();
    let sync = f.sync();
    // SAFETY: live pointers; references balanced.
    unsafe {
        for _ in 0..2 {
            let mut event: HANDLE = null_mut();
            let mut sib = sib(0, null_mut(), callback.as_unknown(), &mut event);
            assert_eq!(synchronize_in_background(sync, &mut sib), S_OK);
            wait_done(event);
            let calls = callback
                .calls
                .lock()
                .unwrap()
                .drain(..)
                .map(|c| c.0)
                .collect::<Vec<_>>();
            assert_eq!(calls.len(), 3, "{calls:?}");
            match &calls[1] {
                Call::Error { hr, text } => {
                    assert_eq!(*hr, E_UNEXPECTED);
                    let text = text.as_deref().unwrap();
                    assert!(text.contains("boom: the server sent garbage"), "{text}");
                }
                other => panic!("expected Error, got {other:?}"),
            }
            assert_eq!(
                calls[2],
                Call::Done {
                    event: event as usize,
                    hr: E_UNEXPECTED
                }
            );
            close_event(event);
            // The object survives a panicking sync: references balanced, still usable.
            assert_eq!(callback.refs(), 1);
            assert_eq!(ref_count(f.unknown), 2);
        }
        release(sync);
    }
    f.finish();
}

#[test]
fn a_failing_progress_call_stops_the_sync() {
    let f = provider(Behaviour::Steps(5), None);
    let mut callback = Recorder::new();
    // A failure from Progress stops the sync and is reported (a cancel is not: see
    // tests/semantics.rs).
    callback.fail_progress = Some((2, MAPI_E_NETWORK_ERROR));
    let sync = f.sync();
    // SAFETY: live pointers; references balanced.
    unsafe {
        let mut event: HANDLE = null_mut();
        let mut sib = sib(0, null_mut(), callback.as_unknown(), &mut event);
        assert_eq!(synchronize_in_background(sync, &mut sib), S_OK);
        wait_done(event);
        let calls = callback.calls();
        assert_eq!(calls.len(), 4, "{calls:?}");
        assert!(matches!(calls[1], Call::Progress { index: 2, .. }));
        assert_eq!(
            calls[2],
            Call::Error {
                hr: MAPI_E_NETWORK_ERROR,
                text: Some("MAPI_E_NETWORK_ERROR".into())
            }
        );
        assert_eq!(
            calls[3],
            Call::Done {
                event: event as usize,
                hr: MAPI_E_NETWORK_ERROR
            }
        );
        close_event(event);
        release(sync);
    }
    f.finish();
}

#[test]
fn a_null_callback_runs_without_progress() {
    let f = provider(Behaviour::Steps(2), None);
    let sync = f.sync();
    // SAFETY: live pointers; references balanced.
    unsafe {
        let mut event: HANDLE = null_mut();
        let mut sib = sib(0, null_mut(), null_mut(), &mut event);
        assert_eq!(synchronize_in_background(sync, &mut sib), S_OK);
        wait_done(event);
        assert_eq!(f.runs.load(Ordering::SeqCst), 1);
        assert_eq!(ref_count(f.unknown), 2);
        close_event(event);
        release(sync);
    }
    f.finish();
}

/// Every refusal: the right HRESULT, `*phSyncDoneEvent` untouched, no reference kept,
/// the provider never run, the callback never called.
#[test]
fn bad_mapisib_is_refused_before_anything_starts() {
    let f = provider(Behaviour::Steps(1), None);
    let session = FakeSession::new();
    let callback = Recorder::new();
    let not_a_callback = Recorder::not_a_callback();
    let sync = f.sync();
    let full = std::mem::size_of::<Sib>() as u32;
    // SAFETY: live pointers; the MAPISIBs are deliberately wrong in one field each.
    unsafe {
        // The event slot is read through the pointer the MAPISIB holds: the provider
        // writes it (null) during the call, so no other reference to it may be used.
        let check = |sib: *mut Sib, event: *const HANDLE, what: &str| {
            assert_eq!(
                synchronize_in_background(sync, sib),
                MAPI_E_INVALID_PARAMETER,
                "{what}"
            );
            assert!(event.read().is_null(), "{what}: event stored");
            assert_eq!(ref_count(f.unknown), 2, "{what}: object reference kept");
            assert_eq!(callback.refs(), 1, "{what}: callback reference kept");
            assert_eq!(not_a_callback.refs(), 1, "{what}: reference kept");
            assert_eq!(session.refs(), 1, "{what}: session reference kept");
        };

        check(null_mut(), &null_mut::<c_void>(), "null MAPISIB");

        for size in [0, 4, 8, full - 8, full - 1] {
            let mut event: HANDLE = null_mut();
            let mut s = sib(0, session.as_unknown(), callback.as_unknown(), &mut event);
            s.ul_size = size;
            let slot = s.ph_sync_done_event;
            check(&mut s, slot, &format!("ulSize {size}"));
        }

        let mut s = sib(
            0,
            session.as_unknown(),
            callback.as_unknown(),
            &mut null_mut(),
        );
        s.ph_sync_done_event = null_mut();
        check(&mut s, &null_mut::<c_void>(), "null phSyncDoneEvent");

        let mut event: HANDLE = null_mut();
        let mut s = sib(
            0,
            session.as_unknown(),
            not_a_callback.as_unknown(),
            &mut event,
        );
        let slot = s.ph_sync_done_event;
        check(&mut s, slot, "callback without IMAPISyncProgressCallback");

        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(f.runs.load(Ordering::SeqCst), 0, "the provider ran");
        assert!(callback.calls().is_empty());
        release(sync);
    }
    f.finish();
}

#[test]
fn a_larger_mapisib_is_accepted() {
    #[repr(C)]
    struct Bigger {
        sib: Sib,
        future_field: u64,
    }
    let f = provider(Behaviour::Steps(1), None);
    let callback = Recorder::new();
    let sync = f.sync();
    // SAFETY: live pointers; references balanced.
    unsafe {
        let mut event: HANDLE = null_mut();
        let mut big = Bigger {
            sib: sib(0, null_mut(), callback.as_unknown(), &mut event),
            future_field: 7,
        };
        big.sib.ul_size = std::mem::size_of::<Bigger>() as u32;
        assert_eq!(
            synchronize_in_background(sync, &mut big as *mut Bigger as *mut Sib),
            S_OK
        );
        wait_done(event);
        assert_eq!(callback.calls().len(), 3);
        close_event(event);
        release(sync);
    }
    f.finish();
}

#[test]
fn query_interface_rules() {
    let f = provider(Behaviour::Steps(1), None);
    // SAFETY: live pointers; references balanced; the null arguments are the point.
    unsafe {
        let unknown = f.unknown;
        let vtbl = vtbl(unknown);

        // An IID nobody implements: E_NOINTERFACE and *ppv nulled.
        let (hr, out) = qi(unknown, &IID_NOBODY);
        assert_eq!(hr, E_NOINTERFACE);
        assert!(out.is_null());
        // Not even the callback interface: that is Outlook's.
        let (hr, out) = qi(unknown, &IID_IMAPISYNC_PROGRESS_CALLBACK);
        assert_eq!((hr, out), (E_NOINTERFACE, null_mut()));

        // Null riid: E_POINTER, *ppv nulled.
        let mut out = garbage_pointer();
        assert_eq!(
            (vtbl.query_interface)(unknown, std::ptr::null(), &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        // Null ppv: E_POINTER.
        assert_eq!(
            (vtbl.query_interface)(unknown, &IID_IUNKNOWN, null_mut()),
            E_POINTER
        );
        assert_eq!(ref_count(unknown), 1, "failed QIs took references");

        // Identity: IUnknown from IMAPISync is the same pointer, and back.
        let sync = f.sync();
        let (hr, unknown_again) = qi(sync, &IID_IUNKNOWN);
        assert_eq!(hr, S_OK);
        assert_eq!(unknown_again, unknown);
        let (hr, sync_again) = qi(unknown_again, &IID_IMAPISYNC);
        assert_eq!(hr, S_OK);
        assert_eq!(sync_again, sync);
        assert_eq!(ref_count(unknown), 4);
        // AddRef/Release return the new count.
        assert_eq!(add_ref(sync), 5);
        assert_eq!(release(unknown), 4);
        release(sync_again);
        release(unknown_again);
        release(sync);
    }
    f.finish();
}
