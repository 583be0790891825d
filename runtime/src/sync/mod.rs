//! The background synchronization: [`SyncProvider`] and the default
//! `IMAPISync::SynchronizeInBackground` (here), what it reads from the caller
//! ([`request`]: the `MAPISIB` and its flags), reports through ([`progress`]: Outlook's
//! callback), signals ([`event`]: the done event) and runs on ([`pool`]: the threads).

pub mod event;
mod flags;
mod pool;
mod progress;
mod request;

pub use event::DoneEvent;
pub use flags::SyncFlags;
pub use progress::{Progress, StepText};
pub use request::SyncRequest;

use std::any::Any;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::com::RawObject;
use crate::module::SyncRunning;
use crate::sys::{self, IMAPISync_Vtbl, IUnknown_Vtbl, HANDLE, HRESULT, PMAPISIB, S_OK};
use crate::{ComClass, Error, Object, Result};
use request::read_sib;

/// The synchronization of a store provider: what Outlook's Send/Receive runs.
///
/// Implement it for a struct marked [`#[mapi_sync_provider]`](../mapi_sync/attr.mapi_sync_provider.html).
/// `synchronize` runs on a background thread of the runtime's (see [the threading
/// model](crate#threads)); several may run at once, hence `Sync`, unless
/// [`ONE_AT_A_TIME`](SyncProvider::ONE_AT_A_TIME) says otherwise. Return `Err` to have
/// Outlook show the error; a panic is caught and reported as `E_UNEXPECTED` with its
/// message. Either way Outlook gets `Done` once and the done event is signalled. An
/// `Err` with `MAPI_E_USER_CANCEL` (what `progress.step(..)?` returns when the user
/// cancelled) is reported through `Done` alone, so Outlook shows no error for it.
///
/// ```
/// use mapi_sync::prelude::*;
///
/// #[mapi_sync_provider]
/// struct Store;
///
/// impl SyncProvider for Store {
///     fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
///         let folders = ["Inbox", "Sent Items", "Archive"];
///         for (i, name) in folders.iter().enumerate() {
///             progress.step(&*format!("Synchronizing {name}"), i as u32 + 1, folders.len() as u32)?;
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait SyncProvider: Send + Sync + 'static {
    /// Whether one synchronization at a time is all this store can do. When `true`, a
    /// `SynchronizeInBackground` that arrives while one is running returns `MAPI_E_BUSY`
    /// (after the `MAPISIB` was checked) and starts nothing; the running one counts as
    /// finished for this purpose just before its `Done`. When `false` (the default),
    /// every call starts at once on a thread of its own and they run side by side.
    const ONE_AT_A_TIME: bool = false;

    /// Does one synchronization. `request` says what to do; report through `progress`.
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> Result<()>;

    /// Called on the sync thread before [`synchronize`](SyncProvider::synchronize): the
    /// place for per-thread set-up such as `CoInitializeEx` or `MAPIInitialize`. An `Err`
    /// is reported like one from `synchronize`, which is then not called, and neither is
    /// [`leave_sync_thread`](SyncProvider::leave_sync_thread).
    ///
    /// The runtime keeps its threads for later synchronizations, so this runs once per
    /// synchronization, on whichever thread runs it.
    fn enter_sync_thread(&self) -> Result<()> {
        Ok(())
    }

    /// Called on the sync thread after `synchronize` returned or panicked (when
    /// [`enter_sync_thread`](SyncProvider::enter_sync_thread) succeeded), before `Error`
    /// and `Done`: the place to undo what `enter_sync_thread` did.
    fn leave_sync_thread(&self) {}
}

/// `SynchronizeInBackground` written by the provider's author:
/// `#[mapi_sync_provider(raw)]` makes the object's `IMAPISync` call this instead of
/// running [`SyncProvider::synchronize`] on the runtime's thread.
///
/// `this` is the object being called, so the implementation can keep it alive for as
/// long as its own work runs (`this.clone()` into the thread); [`run_in_background`] does
/// the rest of what the default implementation does.
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::sys::{HRESULT, PMAPISIB};
///
/// #[mapi_sync_provider(raw)]
/// struct Store;
///
/// impl RawSyncProvider for Store {
///     unsafe fn synchronize_in_background(this: &Object<Self>, psibpb: PMAPISIB) -> HRESULT {
///         let store = this.clone();
///         // SAFETY: `psibpb` is what our caller passed to SynchronizeInBackground.
///         unsafe {
///             mapi_sync::run_in_background(psibpb, move |_request, progress| {
///                 let _keep_alive = &store;
///                 progress.step("raw", 1, 1)
///             })
///         }
///     }
/// }
/// ```
pub trait RawSyncProvider: ComClass {
    /// `IMAPISync::SynchronizeInBackground` on `this`. A panic is caught and returned as
    /// `E_UNEXPECTED`.
    ///
    /// # Safety
    /// `psibpb` is the caller's pointer, unchecked: null, or a `MAPISIB` as
    /// [`run_in_background`] requires it.
    unsafe fn synchronize_in_background(this: &Object<Self>, psibpb: PMAPISIB) -> HRESULT;
}

/// The `IMAPISync` vtable of `RawObject<T>` (slot 0) in the default (non-raw) mode.
#[doc(hidden)]
pub const fn sync_vtable<T: SyncProvider + ComClass>() -> IMAPISync_Vtbl {
    IMAPISync_Vtbl {
        base__: IUnknown_Vtbl::new::<RawObject<T>, 0>(),
        SynchronizeInBackground: synchronize_in_background::<T>,
    }
}

/// The `IMAPISync` vtable of `RawObject<T>` (slot 0) in raw mode.
#[doc(hidden)]
pub const fn raw_sync_vtable<T: RawSyncProvider>() -> IMAPISync_Vtbl {
    IMAPISync_Vtbl {
        base__: IUnknown_Vtbl::new::<RawObject<T>, 0>(),
        SynchronizeInBackground: raw_synchronize_in_background::<T>,
    }
}

/// The object behind slot 0, as a handle that does not own its reference.
///
/// # Safety
/// `this` must be slot 0 of a live `RawObject<T>`: the pointer the caller holds.
unsafe fn called_object<T: ComClass>(this: *mut c_void) -> std::mem::ManuallyDrop<Object<T>> {
    // SAFETY: slot 0 is at the object's address; the caller holds a reference for the
    // call, and interface pointers carry the whole object's provenance.
    unsafe { Object::borrowed(sys::identity_ptr::<RawObject<T>, 0>(this).cast_mut()) }
}

unsafe extern "system" fn raw_synchronize_in_background<T: RawSyncProvider>(
    this: *mut c_void,
    psibpb: PMAPISIB,
) -> HRESULT {
    sys::guard(|| {
        // SAFETY: this entry sits in slot 0 of RawObject<T>'s vtables.
        let object = unsafe { called_object::<T>(this) };
        // SAFETY: forwarded from our caller, as the trait documents.
        unsafe { T::synchronize_in_background(&object, psibpb) }
    })
}

unsafe extern "system" fn synchronize_in_background<T: SyncProvider + ComClass>(
    this: *mut c_void,
    psibpb: PMAPISIB,
) -> HRESULT {
    sys::guard(|| {
        // SAFETY: this entry sits in slot 0 of RawObject<T>'s vtables.
        let object = Object::clone(&*unsafe { called_object::<T>(this) });
        let admit = move || -> Result<Work> {
            let busy = if T::ONE_AT_A_TIME {
                Some(Busy::acquire(&object)?)
            } else {
                None
            };
            Ok(Box::new(
                move |request: &SyncRequest, progress: &Progress| {
                    let result = run_provider(&*object, request, progress);
                    // One at a time: free for the next call before Done.
                    drop(busy);
                    result
                },
            ))
        };
        // SAFETY: `psibpb` comes straight from the caller; `start` checks it.
        unsafe { start(psibpb, admit) }
    })
}

/// The provider's part of a synchronization, with its thread hooks around it.
fn run_provider<T: SyncProvider>(
    provider: &T,
    request: &SyncRequest,
    progress: &Progress,
) -> Result<()> {
    provider.enter_sync_thread()?;
    let outcome = catch_unwind(AssertUnwindSafe(|| provider.synchronize(request, progress)));
    provider.leave_sync_thread();
    match outcome {
        Ok(result) => result,
        // The job reports it, as if there had been no hooks.
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The running synchronization of a one-at-a-time provider: its object's address in
/// [`RUNNING`] while it lasts. Only these providers pay for it, and the objects of every
/// other kind carry nothing for synchronization.
struct Busy<T: ComClass>(Object<T>);

/// The addresses of the objects of one-at-a-time providers that are synchronizing. An
/// address is unique while it is here: the [`Busy`] that put it there holds a reference,
/// and takes it out before giving that reference up.
static RUNNING: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

/// The list of running synchronizations; a panic while it was held cannot leave it wrong
/// (each change is one push or one `swap_remove`), so a poisoned lock is taken as it is.
fn running() -> std::sync::MutexGuard<'static, Vec<usize>> {
    RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: ComClass> Busy<T> {
    fn acquire(object: &Object<T>) -> Result<Busy<T>> {
        let address = object.address();
        let mut running = running();
        if running.contains(&address) {
            return Err(Error::with_message(
                sys::MAPI_E_BUSY,
                "a synchronization of this store is already running",
            ));
        }
        running.push(address);
        Ok(Busy(object.clone()))
    }
}

impl<T: ComClass> Drop for Busy<T> {
    fn drop(&mut self) {
        // Before the field's reference goes, so the address is still this object's.
        let address = self.0.address();
        let mut running = running();
        if let Some(i) = running.iter().position(|&a| a == address) {
            running.swap_remove(i);
        }
    }
}

/// The default `SynchronizeInBackground`, usable by raw-mode providers: checks `psibpb`,
/// connects to the callback, creates the done event, stores it in `*phSyncDoneEvent`,
/// hands `work` to a thread and returns `S_OK`; or returns the failure and starts nothing
/// (then `work` is dropped, unrun, before this returns, and `*phSyncDoneEvent` is null
/// whenever the pointer itself was valid).
///
/// **The handle is written before the thread can run**, so a host that reads
/// `*phSyncDoneEvent` inside `Done` finds it there. The thread runs
/// `work(&request, &progress)`; on `Err(e)` or a panic, `Error(code, text)` (except for
/// `MAPI_E_USER_CANCEL`, the user's own cancel, which is reported through `Done` alone);
/// then `Done(event, hr)` once; then everything is released (`work` with whatever it
/// captured, the session, the callback); then the event is signalled.
///
/// Failures: `MAPI_E_INVALID_PARAMETER` for a null `psibpb`, a short `ulSize`, a null
/// `phSyncDoneEvent`, or a non-null `punkCallBack` that is not an
/// `IMAPISyncProgressCallback`; the event's or the thread's creation failure
/// (`MAPI_E_NOT_ENOUGH_RESOURCES` for the thread).
///
/// # Safety
/// `psibpb` must be null or a `MAPISIB` as `IMAPISync::SynchronizeInBackground` receives
/// it: readable for `ulSize` bytes, `psesSync` and `punkCallBack` null or live COM
/// objects, `phSyncDoneEvent` null or writable.
pub unsafe fn run_in_background<F>(psibpb: PMAPISIB, work: F) -> HRESULT
where
    F: FnOnce(&SyncRequest, &Progress) -> Result<()> + Send + 'static,
{
    // SAFETY: forwarded from the caller.
    unsafe { start(psibpb, move || Ok(Box::new(work))) }
}

/// Checks `psibpb`, then asks `admit` for the work (its error is returned as it is, with
/// nothing started), then launches it; the outcome as an HRESULT. Only this is compiled
/// for each caller's `admit`: the rest is [`check`] and [`Checked::launch`].
///
/// # Safety
/// As for [`run_in_background`].
unsafe fn start(psibpb: PMAPISIB, admit: impl FnOnce() -> Result<Work>) -> HRESULT {
    // SAFETY: the caller's contract.
    match unsafe { check(psibpb) }.and_then(|checked| checked.launch(admit()?)) {
        Ok(()) => S_OK,
        Err(e) => e.code(),
    }
}

/// A synchronization's work, boxed: the machinery that runs it (`check`, `launch`,
/// `Job::run`) is compiled once, here, rather than again in every provider crate for its
/// own closure type.
type Work = Box<dyn FnOnce(&SyncRequest, &Progress) -> Result<()> + Send>;

/// A MAPISIB that passed [`check`]: what a synchronization is started with.
struct Checked {
    /// `phSyncDoneEvent`: non-null, writable, and null for now.
    slot: *mut HANDLE,
    progress: Progress,
    request: SyncRequest,
}

/// Step 1 of a start: checks everything before anything is started or referenced, and
/// nulls `*phSyncDoneEvent` (COM's out-pointer rule: null on every failure from here on).
/// The caller may refuse the synchronization after this (a busy one-at-a-time provider)
/// by dropping what it got.
///
/// # Safety
/// As for [`run_in_background`].
unsafe fn check(psibpb: PMAPISIB) -> Result<Checked> {
    // SAFETY: caller's contract.
    let sib = unsafe { read_sib(psibpb) }?;
    let slot = sib.phSyncDoneEvent;
    if slot.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "phSyncDoneEvent is null",
        ));
    }
    // SAFETY: non-null and writable (caller's contract).
    unsafe { slot.write(std::ptr::null_mut()) };
    // SAFETY: `punkCallBack` is null or live (caller's contract).
    let progress = unsafe { Progress::from_unknown(sib.punkCallBack) }?;
    // SAFETY: `psibpb` was checked above; the session is null or live.
    let request = unsafe { SyncRequest::from_raw(psibpb) }?;
    Ok(Checked {
        slot,
        progress,
        request,
    })
}

impl Checked {
    /// Steps 2 to 4: the done event, stored in `*phSyncDoneEvent` before the thread
    /// exists, then `work` on a pool thread; on a failure nothing runs and the slot is
    /// null again.
    fn launch(self, work: Work) -> Result<()> {
        let Checked {
            slot,
            progress,
            request,
        } = self;
        // 2. The event: one handle for the caller, a duplicate the thread signals and
        // closes.
        let theirs = DoneEvent::new()?;
        let ours = theirs.try_clone()?;
        // Published before the thread exists: Done may come at once.
        // SAFETY: non-null and writable (checked in `check`; caller's contract).
        unsafe { slot.write(theirs.as_raw()) };
        let job = Job {
            work,
            request,
            progress,
            event_for_done: theirs.as_raw(),
            signal: SignalOnDrop(ours),
            _running: SyncRunning::start(),
        };

        // 3. The thread. On failure `job` has been dropped: every reference released, its
        // event handle closed; the caller's handle is taken back and closed here.
        if let Err(e) = pool::spawn(Box::new(move || job.run())) {
            // SAFETY: as above.
            unsafe { slot.write(std::ptr::null_mut()) };
            drop(theirs);
            return Err(Error::with_message(
                sys::MAPI_E_NOT_ENOUGH_RESOURCES,
                format!("cannot start the sync thread: {e}"),
            ));
        }
        // 4. The caller owns its handle now (the thread may already have finished with
        // it: touch it no more).
        let _ = theirs.into_raw();
        Ok(())
    }
}

/// Signals the thread's event handle when dropped, then closes it: the last thing the sync
/// thread does, on every path (a panic included).
struct SignalOnDrop(DoneEvent);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        // Nothing useful to do on failure: the handle is ours and open.
        let _ = self.0.set();
    }
}

/// Everything the sync thread owns. Field order is drop order on a panic path; `run`
/// releases them in the documented order on the normal path.
struct Job {
    work: Work,
    request: SyncRequest,
    progress: Progress,
    /// The caller's handle, only passed back in `Done`; never used or closed here.
    event_for_done: HANDLE,
    signal: SignalOnDrop,
    /// Counts the synchronization as running until the thread is done with it.
    _running: SyncRunning,
}

// SAFETY: `Work` is Send. The session and callback are COM pointers that MAPI hands to
// SynchronizeInBackground precisely so that the provider's own sync thread uses them (the
// callback reports that thread's progress); `event_for_done` is only passed back, never
// dereferenced; `DoneEvent` is Send.
unsafe impl Send for Job {}

impl Job {
    fn run(self) {
        let Job {
            work,
            request,
            progress,
            event_for_done,
            signal,
            _running,
        } = self;
        // `work` (with the object reference it holds) is consumed by the call, so it is
        // released inside catch_unwind on both paths.
        let outcome = catch_unwind(AssertUnwindSafe(|| work(&request, &progress)));
        let error = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(payload) => {
                let message = format!("the provider panicked: {}", panic_message(&*payload));
                // A payload whose Drop panics must not keep us from Error and Done.
                sys::drop_panic_payload(payload);
                Some(Error::with_message(sys::E_UNEXPECTED, message))
            }
        };
        let hr = error.as_ref().map_or(S_OK, Error::code);
        // A panicking host callback must not keep us from signalling: ignore what these
        // return and catch what they throw.
        let reported = catch_unwind(AssertUnwindSafe(|| {
            if let Some(e) = &error {
                // The user's own cancel is no error to show them: Done says it.
                if e.code() != sys::MAPI_E_USER_CANCEL {
                    let _ = progress.error(e);
                }
            }
            drop(request);
            // `done` consumes the Progress: Done once, then the callback is released.
            // SAFETY: `event_for_done` is the handle stored in `*phSyncDoneEvent`.
            let _ = unsafe { progress.done(event_for_done, hr) };
        }));
        if let Err(payload) = reported {
            sys::drop_panic_payload(payload);
        }
        // Everything is released; now wake the waiters.
        drop(signal);
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a panic payload that is not a string)"
    }
}
