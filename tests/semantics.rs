//! What a host may rely on beyond the happy path: the done event is published before the
//! thread can call Done, out-pointers are nulled on failure, a user's cancel is no error,
//! one-at-a-time providers answer MAPI_E_BUSY, the sync-thread hooks run around
//! `synchronize`, and panics whose payload panics again still end in Error and Done.

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use common::*;
use mapi_sync::prelude::*;

/// How many syncs the "handle before Done" test runs: enough natively to have seen the
/// race often before the fix, few enough for Miri.
const ROUNDS: usize = if cfg!(miri) { 12 } else { 2_000 };

#[mapi_sync_provider]
struct Quick;

impl SyncProvider for Quick {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

fn host_object<T: ComClass>(value: T) -> *mut c_void {
    mapi_sync::sys::Interface::into_raw(value.into_unknown())
}

fn sync_of(unknown: *mut c_void) -> *mut c_void {
    // SAFETY: `unknown` is live.
    let (hr, sync) = unsafe { qi(unknown, &IID_IMAPISYNC) };
    assert_eq!(hr, S_OK);
    sync
}

#[test]
fn done_finds_the_handle_already_in_the_callers_slot() {
    let unknown = host_object(Quick);
    let sync = sync_of(unknown);
    let mut misses = 0;
    for _ in 0..ROUNDS {
        let recorder = Recorder::new();
        let mut event: HANDLE = null_mut();
        // One pointer to the slot for both the MAPISIB and the callback's look inside Done.
        let slot = std::ptr::addr_of_mut!(event);
        recorder.watch_slot.store(slot, Ordering::SeqCst);
        let mut sib = Sib {
            ph_sync_done_event: slot,
            ..sib(0, null_mut(), recorder.as_unknown(), &mut null_mut())
        };
        // SAFETY: a valid MAPISIB whose slot outlives the sync (we wait below).
        assert_eq!(unsafe { synchronize_in_background(sync, &mut sib) }, S_OK);
        // SAFETY: the slot is `event`, written by the call above.
        let event = unsafe { slot.read() };
        wait_done(event);
        let seen = recorder.slot_in_done.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "Done once");
        if seen[0] != event as usize {
            misses += 1;
        }
        close_event(event);
    }
    assert_eq!(
        misses, 0,
        "Done ran before the handle was in *phSyncDoneEvent"
    );
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
}

#[test]
fn a_failure_leaves_the_out_pointer_null() {
    let unknown = host_object(Quick);
    let sync = sync_of(unknown);
    let not_a_callback = Recorder::not_a_callback();
    let mut event: HANDLE = garbage_pointer();
    let mut sib = sib(0, null_mut(), not_a_callback.as_unknown(), &mut event);
    // SAFETY: a valid MAPISIB with a callback that is not an IMAPISyncProgressCallback.
    let hr = unsafe { synchronize_in_background(sync, &mut sib) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert!(event.is_null(), "slot still {event:?}");
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
}

#[mapi_sync_provider]
struct Steps;

impl SyncProvider for Steps {
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        for i in 1..=3 {
            progress.step("step", i, 3)?;
        }
        Ok(())
    }
}

#[test]
fn a_users_cancel_is_reported_through_done_alone() {
    let unknown = host_object(Steps);
    let sync = sync_of(unknown);
    let mut recorder = Recorder::new();
    // Outlook answers Progress with MAPI_E_USER_CANCEL once the user pressed Cancel.
    recorder.fail_progress = Some((2, MAPI_E_USER_CANCEL));
    let mut event: HANDLE = null_mut();
    let mut sib = sib(0, null_mut(), recorder.as_unknown(), &mut event);
    // SAFETY: a valid MAPISIB.
    assert_eq!(unsafe { synchronize_in_background(sync, &mut sib) }, S_OK);
    wait_done(event);
    let step = |index| Call::Progress {
        text: Some("step".into()),
        index,
        max: 3,
    };
    assert_eq!(
        recorder.calls(),
        [
            step(1),
            step(2),
            Call::Done {
                event: event as usize,
                hr: MAPI_E_USER_CANCEL
            }
        ]
    );
    close_event(event);
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
}

/// One synchronization at a time; each waits at the gate until the test lets it go.
#[mapi_sync_provider]
struct Serial {
    gate: Arc<Barrier>,
    runs: Arc<AtomicUsize>,
}

impl SyncProvider for Serial {
    const ONE_AT_A_TIME: bool = true;

    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.gate.wait();
        Ok(())
    }
}

#[test]
fn a_one_at_a_time_provider_answers_busy_while_it_runs() {
    let gate = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let unknown = host_object(Serial {
        gate: gate.clone(),
        runs: runs.clone(),
    });
    let sync = sync_of(unknown);
    let recorder = Recorder::new();
    let mut first: HANDLE = null_mut();
    let mut sib1 = sib(0, null_mut(), recorder.as_unknown(), &mut first);
    // SAFETY: a valid MAPISIB.
    assert_eq!(unsafe { synchronize_in_background(sync, &mut sib1) }, S_OK);
    while runs.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    let mut second: HANDLE = garbage_pointer();
    let mut sib2 = sib(0, null_mut(), recorder.as_unknown(), &mut second);
    // SAFETY: a valid MAPISIB.
    let hr = unsafe { synchronize_in_background(sync, &mut sib2) };
    assert_eq!(hr, mapi_sync::sys::MAPI_E_BUSY);
    assert!(second.is_null());
    gate.wait();
    wait_done(first);
    close_event(first);
    // Finished: the next request is accepted.
    let mut third: HANDLE = null_mut();
    let mut sib3 = sib(0, null_mut(), recorder.as_unknown(), &mut third);
    // SAFETY: a valid MAPISIB.
    assert_eq!(unsafe { synchronize_in_background(sync, &mut sib3) }, S_OK);
    gate.wait();
    wait_done(third);
    close_event(third);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
}

/// Records its hooks and the thread each ran on.
#[mapi_sync_provider]
struct Hooked {
    log: Arc<Mutex<Vec<(&'static str, std::thread::ThreadId)>>>,
    refuse: bool,
}

impl Hooked {
    fn note(&self, what: &'static str) {
        self.log
            .lock()
            .unwrap()
            .push((what, std::thread::current().id()));
    }
}

impl SyncProvider for Hooked {
    fn enter_sync_thread(&self) -> mapi_sync::Result<()> {
        self.note("enter");
        if self.refuse {
            return Err(Error::with_message(
                mapi_sync::sys::MAPI_E_NOT_INITIALIZED,
                "no COM here",
            ));
        }
        Ok(())
    }

    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        self.note("synchronize");
        panic!("after enter, before leave");
    }

    fn leave_sync_thread(&self) {
        self.note("leave");
    }
}

fn run_hooked(refuse: bool) -> (Vec<(&'static str, std::thread::ThreadId)>, Vec<Call>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let unknown = host_object(Hooked {
        log: log.clone(),
        refuse,
    });
    let sync = sync_of(unknown);
    let recorder = Recorder::new();
    let mut event: HANDLE = null_mut();
    let mut sib = sib(0, null_mut(), recorder.as_unknown(), &mut event);
    // SAFETY: a valid MAPISIB.
    assert_eq!(unsafe { synchronize_in_background(sync, &mut sib) }, S_OK);
    wait_done(event);
    close_event(event);
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
    let log = log.lock().unwrap().clone();
    (log, recorder.calls())
}

#[test]
fn the_thread_hooks_run_around_synchronize_on_its_thread() {
    let (log, calls) = run_hooked(false);
    let names: Vec<_> = log.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["enter", "synchronize", "leave"]);
    assert!(log.iter().all(|(_, t)| *t == log[0].1), "one thread");
    assert_ne!(log[0].1, std::thread::current().id());
    assert!(matches!(
        &calls[..],
        [
            Call::Error {
                hr: E_UNEXPECTED,
                ..
            },
            Call::Done {
                hr: E_UNEXPECTED,
                ..
            }
        ]
    ));
}

#[test]
fn a_failing_enter_hook_is_reported_and_skips_the_rest() {
    let (log, calls) = run_hooked(true);
    let names: Vec<_> = log.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["enter"]);
    let code = mapi_sync::sys::MAPI_E_NOT_INITIALIZED;
    assert!(matches!(
        &calls[..],
        [Call::Error { hr: e, text: Some(t) }, Call::Done { hr: d, .. }]
            if *e == code && *d == code && t == "no COM here"
    ));
}

/// A panic payload whose own `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panics too");
    }
}

#[mapi_sync_provider(IMAPIAdviseSink)]
struct Exploding;

impl SyncProvider for Exploding {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        std::panic::panic_any(Bomb)
    }
}

impl mapi_sync::sys::IMAPIAdviseSink_Impl for Exploding {
    #[allow(non_snake_case)]
    unsafe fn OnNotify(&self, _: u32, _: mapi_sync::sys::LPNOTIFICATION) -> u32 {
        std::panic::panic_any(Bomb)
    }
}

#[test]
fn a_payload_that_panics_when_dropped_still_ends_in_error_and_done() {
    let unknown = host_object(Exploding);
    let sync = sync_of(unknown);
    let recorder = Recorder::new();
    let mut event: HANDLE = null_mut();
    let mut sib = sib(0, null_mut(), recorder.as_unknown(), &mut event);
    // SAFETY: a valid MAPISIB.
    assert_eq!(unsafe { synchronize_in_background(sync, &mut sib) }, S_OK);
    wait_done(event);
    close_event(event);
    assert!(matches!(
        &recorder.calls()[..],
        [Call::Error { hr: E_UNEXPECTED, text: Some(t) }, Call::Done { hr: E_UNEXPECTED, .. }]
            if t.contains("not a string")
    ));
    // And through a generated vtable entry: the panic value comes back, nothing unwinds.
    let owned = {
        // SAFETY: `unknown` is live; the clone takes our own reference.
        unsafe { mapi_sync::sys::IUnknown::from_raw_borrowed(&unknown) }
            .unwrap()
            .clone()
    };
    let sink: mapi_sync::sys::IMAPIAdviseSink = owned.cast().unwrap();
    // SAFETY: no notifications to read: the implementation panics first.
    assert_eq!(unsafe { sink.OnNotify(0, null_mut()) }, 0);
    drop((sink, owned));
    // SAFETY: our two references.
    unsafe {
        release(sync);
        assert_eq!(release(unknown), 0);
    }
}

#[test]
fn the_first_object_pins_the_module_and_counts_are_kept() {
    let object = Object::new(Quick);
    // Under Miri there is no loader to pin with; everywhere else the first object pins.
    assert_eq!(mapi_sync::module::is_pinned(), !cfg!(miri));
    assert!(mapi_sync::module::live_objects() >= 1);
    assert_eq!(
        mapi_sync::module::can_unload_now(),
        1,
        "S_FALSE while an object lives"
    );
    drop(object);
}
