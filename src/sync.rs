//! [`SyncProvider`] and the default `IMAPISync::SynchronizeInBackground`.

use std::any::Any;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::object::{ComObj, ObjRef};
use crate::request::read_sib;
use crate::sys::{self, IMAPISync_Vtbl, IUnknown_Vtbl, HANDLE, HRESULT, PMAPISIB, S_OK};
use crate::{ComProvider, DoneEvent, Error, Progress, Result, SyncRequest};

/// The synchronization of a store provider: what Outlook's Send/Receive runs.
///
/// Implement it for a struct marked [`#[mapi_sync_provider]`](crate::mapi_sync_provider).
/// `synchronize` runs on a background thread that the object's
/// `IMAPISync::SynchronizeInBackground` started (one thread per call; several may run at
/// once, hence `Sync`). Return `Err` to have Outlook show the error; a panic is caught and
/// reported as `E_UNEXPECTED` with its message. Either way Outlook gets `Done` once and
/// the done event is signalled.
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
    /// Does one synchronization. `request` says what to do; report through `progress`.
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> Result<()>;
}

/// The `IMAPISync` vtable of `ComObj<T>` (slot 0) in the default (non-raw) mode.
#[doc(hidden)]
pub const fn sync_vtable<T: SyncProvider + ComProvider>() -> IMAPISync_Vtbl {
    IMAPISync_Vtbl {
        base__: IUnknown_Vtbl::new::<ComObj<T>, 0>(),
        SynchronizeInBackground: synchronize_in_background::<T>,
    }
}

unsafe extern "system" fn synchronize_in_background<T: SyncProvider + ComProvider>(
    this: *mut c_void,
    psibpb: PMAPISIB,
) -> HRESULT {
    sys::guard(|| {
        // SAFETY: this entry sits in slot 0 of ComObj<T>'s vtables, so `this` is the address
        // of a live ComObj<T> (the caller holds a reference).
        let object = unsafe { sys::identity::<ComObj<T>, 0>(this) };
        let keep_alive = ObjRef::new(object);
        // SAFETY: `psibpb` comes straight from the caller; run_in_background checks it.
        unsafe {
            run_in_background(psibpb, move |request, progress| {
                keep_alive.value().synchronize(request, progress)
            })
        }
    })
}

/// The default `SynchronizeInBackground`, usable by raw-mode providers: checks `psibpb`,
/// connects to the callback, creates the done event, stores it in `*phSyncDoneEvent`,
/// starts a thread that runs `work` and returns `S_OK`; or returns the failure and starts
/// nothing (then `work` is dropped, unrun, before this returns).
///
/// On the thread: `work(&request, &progress)`; on `Err(e)` or a panic,
/// `Error(code, text)`; then `Done(event, hr)` once; then everything is released (`work`
/// with whatever it captured, the session, the callback); then the event is signalled.
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
    match unsafe { start(psibpb, work) } {
        Ok(()) => S_OK,
        Err(e) => e.code(),
    }
}

/// # Safety
/// As for [`run_in_background`].
unsafe fn start<F>(psibpb: PMAPISIB, work: F) -> Result<()>
where
    F: FnOnce(&SyncRequest, &Progress) -> Result<()> + Send + 'static,
{
    // 1. Check everything before anything is started or referenced.
    // SAFETY: caller's contract.
    let sib = unsafe { read_sib(psibpb) }?;
    if sib.phSyncDoneEvent.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "phSyncDoneEvent is null",
        ));
    }
    // SAFETY: `punkCallBack` is null or live (caller's contract).
    let progress = unsafe { Progress::from_unknown(sib.punkCallBack) }?;
    // SAFETY: `psibpb` was checked above; the session is null or live.
    let request = unsafe { SyncRequest::from_raw(psibpb) }?;

    // 2. The event: one handle for the caller, a duplicate the thread signals and closes.
    let theirs = DoneEvent::new()?;
    let ours = theirs.try_clone()?;
    let job = Job {
        work,
        request,
        progress,
        event_for_done: theirs.as_raw(),
        signal: SignalOnDrop(ours),
    };

    // 3. The thread. On failure `job` is dropped here: every reference released, its
    // event handle closed; and `theirs` is closed below, so nothing leaks.
    std::thread::Builder::new()
        .name("mapi-sync".into())
        .spawn(move || job.run())
        .map_err(|e| {
            Error::with_message(
                sys::MAPI_E_NOT_ENOUGH_RESOURCES,
                format!("cannot start the sync thread: {e}"),
            )
        })?;

    // 4. Hand the caller its handle.
    // SAFETY: checked non-null above; writable per the caller's contract.
    unsafe { sib.phSyncDoneEvent.write(theirs.into_raw()) };
    Ok(())
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
struct Job<F> {
    work: F,
    request: SyncRequest,
    progress: Progress,
    /// The caller's handle, only passed back in `Done`; never used or closed here.
    event_for_done: HANDLE,
    signal: SignalOnDrop,
}

// SAFETY: `F: Send`. The session and callback are COM pointers that MAPI hands to
// SynchronizeInBackground precisely so that the provider's own sync thread uses them (the
// callback reports that thread's progress); `event_for_done` is only passed back, never
// dereferenced; `DoneEvent` is Send.
unsafe impl<F: Send> Send for Job<F> {}

impl<F> Job<F>
where
    F: FnOnce(&SyncRequest, &Progress) -> Result<()>,
{
    fn run(self) {
        let Job {
            work,
            request,
            progress,
            event_for_done,
            signal,
        } = self;
        // `work` (with the object reference it holds) is consumed by the call, so it is
        // released inside catch_unwind on both paths.
        let outcome = catch_unwind(AssertUnwindSafe(|| work(&request, &progress)));
        let error = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(payload) => Some(Error::with_message(
                sys::E_UNEXPECTED,
                format!("the provider panicked: {}", panic_message(&*payload)),
            )),
        };
        let hr = error.as_ref().map_or(S_OK, Error::code);
        // A panicking host callback must not keep us from signalling: ignore what these
        // return and catch what they throw.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if let Some(e) = &error {
                let _ = progress.error(e);
            }
            drop(request);
            // `done` consumes the Progress: Done once, then the callback is released.
            // SAFETY: `event_for_done` is the handle stored in `*phSyncDoneEvent`.
            let _ = unsafe { progress.done(event_for_done, hr) };
        }));
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
