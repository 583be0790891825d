//! The done event of a synchronization: `*MAPISIB::phSyncDoneEvent`.
//!
//! On Windows this is a real manual-reset Win32 event (`CreateEventW`, `SetEvent`,
//! `WaitForSingleObject`, `DuplicateHandle`, `CloseHandle`). Everywhere else it is a
//! stand-in with the same behaviour: the `HANDLE` points at a reference-counted heap object
//! holding a flag, a mutex and a condition variable, and "duplicating" a handle adds a
//! count (the duplicate has the same pointer value and must be closed too). Tests and
//! hosts on Linux therefore walk the same code path as Outlook on Windows, and use
//! [`wait`], [`wait_timeout`] and [`close`] where Outlook would use the Win32 calls.
//!
//! # Who closes what
//!
//! `SynchronizeInBackground` creates the event, duplicates it, stores one handle in
//! `*phSyncDoneEvent` and gives the **same** handle back in `Done(hThreadDoneEvent, ..)`:
//! that handle belongs to the caller (Outlook closes it after `Done`; a test host calls
//! [`close`]). The sync thread signals its duplicate and closes it itself, so it never
//! touches the caller's handle after `Done` and the caller may close it whenever it likes.

use std::time::Duration;

use crate::sys::HANDLE;
use crate::Result;

/// An owned event handle; dropping it closes the handle (not the event, while another
/// handle to it is open).
///
/// ```
/// use mapi_sync::DoneEvent;
/// let event = DoneEvent::new().unwrap();
/// let other = event.try_clone().unwrap();
/// std::thread::spawn(move || other.set().unwrap());
/// event.wait();
/// assert!(event.is_set());
/// ```
#[derive(Debug)]
pub struct DoneEvent {
    handle: HANDLE,
}

// SAFETY: an event handle may be used and closed from any thread: Win32 event objects are
// thread-safe kernel objects, and the stand-in is an `Arc` of a `Mutex` and a `Condvar`.
unsafe impl Send for DoneEvent {}
// SAFETY: as above; every operation through `&DoneEvent` is thread-safe.
unsafe impl Sync for DoneEvent {}

impl DoneEvent {
    /// A new, not yet signalled, manual-reset event.
    pub fn new() -> Result<DoneEvent> {
        imp::create().map(|handle| DoneEvent { handle })
    }

    /// Takes ownership of a handle.
    ///
    /// # Safety
    /// `handle` must be an open event handle made by this module (or, on Windows, any event
    /// handle) that nobody else will close.
    pub unsafe fn from_raw(handle: HANDLE) -> DoneEvent {
        DoneEvent { handle }
    }

    /// The handle, still owned by `self`.
    pub fn as_raw(&self) -> HANDLE {
        self.handle
    }

    /// Gives up ownership: the caller must close the handle ([`close`]).
    pub fn into_raw(self) -> HANDLE {
        let handle = self.handle;
        std::mem::forget(self);
        handle
    }

    /// A second handle to the same event, closed independently.
    pub fn try_clone(&self) -> Result<DoneEvent> {
        // SAFETY: `self.handle` is open for as long as `self` lives.
        unsafe { imp::duplicate(self.handle) }.map(|handle| DoneEvent { handle })
    }

    /// Signals the event; every waiter wakes and later waits return at once.
    pub fn set(&self) -> Result<()> {
        // SAFETY: `self.handle` is open.
        unsafe { imp::set(self.handle) }
    }

    /// Waits until the event is signalled. Fails only if the wait itself fails (on
    /// Windows, `WAIT_FAILED`, with `GetLastError` as an HRESULT).
    pub fn wait(&self) -> Result<()> {
        // SAFETY: `self.handle` is open.
        unsafe { wait(self.handle) }
    }

    /// Waits at most `timeout`: `Ok(true)` if the event is signalled, `Ok(false)` on
    /// timeout. A timeout that is not a whole number of milliseconds is rounded up (a
    /// wait is never shorter than asked for).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool> {
        // SAFETY: `self.handle` is open.
        unsafe { wait_timeout(self.handle, timeout) }
    }

    /// Whether the event is signalled, without waiting (`false` if that cannot be told).
    pub fn is_set(&self) -> bool {
        self.wait_timeout(Duration::ZERO).unwrap_or(false)
    }
}

impl Drop for DoneEvent {
    fn drop(&mut self) {
        // SAFETY: `self` owns the handle and gives it up here, once.
        unsafe { close(self.handle) }
    }
}

/// Waits until the event behind `handle` is signalled (`WaitForSingleObject(h, INFINITE)`).
/// Fails only if the wait itself fails (`WAIT_FAILED` on Windows).
///
/// # Safety
/// `handle` must be an open handle to an event made by [`DoneEvent`], for example the one
/// `SynchronizeInBackground` stored in `*phSyncDoneEvent`.
pub unsafe fn wait(handle: HANDLE) -> Result<()> {
    // SAFETY: forwarded from the caller.
    unsafe { imp::wait(handle, None) }.map(drop)
}

/// Waits at most `timeout` for the event behind `handle`: `Ok(true)` if it is signalled,
/// `Ok(false)` on timeout. Sub-millisecond parts of `timeout` round up.
///
/// # Safety
/// As for [`wait`].
pub unsafe fn wait_timeout(handle: HANDLE, timeout: Duration) -> Result<bool> {
    // SAFETY: forwarded from the caller.
    unsafe { imp::wait(handle, Some(timeout)) }
}

/// The milliseconds `WaitForSingleObject` is given for `timeout`: rounded up, so a wait
/// is never shorter than asked for (0.5 ms waits 1 ms, not 0, which would only poll), and
/// capped just below `INFINITE` (0xFFFFFFFF, which would never return).
#[cfg_attr(not(windows), allow(dead_code))]
fn timeout_millis(timeout: Duration) -> u32 {
    const INFINITE: u32 = u32::MAX;
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    u32::try_from(ms).map_or(INFINITE - 1, |ms| ms.min(INFINITE - 1))
}

/// Closes `handle` (`CloseHandle`). The event lives on while other handles to it are open.
///
/// # Safety
/// `handle` must be an open handle made by [`DoneEvent`] that the caller owns; it must not
/// be used afterwards.
pub unsafe fn close(handle: HANDLE) {
    // SAFETY: forwarded from the caller.
    unsafe { imp::close(handle) }
}

#[cfg(windows)]
mod imp {
    use std::time::Duration;

    use windows_sys::Win32::Foundation::{
        CloseHandle, DuplicateHandle, GetLastError, DUPLICATE_SAME_ACCESS, WAIT_FAILED,
        WAIT_OBJECT_0, WAIT_TIMEOUT,
    };
    use windows_sys::Win32::System::Threading::{
        CreateEventW, GetCurrentProcess, SetEvent, WaitForSingleObject, INFINITE,
    };

    use super::HANDLE;
    use crate::{Error, Result};

    fn last_error() -> Error {
        // SAFETY: GetLastError has no preconditions.
        let code = unsafe { GetLastError() };
        // HRESULT_FROM_WIN32.
        let hr = if code == 0 {
            crate::sys::MAPI_E_CALL_FAILED
        } else {
            ((code & 0xFFFF) | 0x8007_0000) as i32
        };
        Error::new(hr)
    }

    pub(super) fn create() -> Result<HANDLE> {
        // SAFETY: no security attributes, manual reset, not signalled, no name.
        let h = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if h.is_null() {
            Err(last_error())
        } else {
            Ok(h as HANDLE)
        }
    }

    pub(super) unsafe fn duplicate(h: HANDLE) -> Result<HANDLE> {
        let mut out = std::ptr::null_mut();
        // SAFETY: `h` is an open handle of this process (caller's contract); `out` is a
        // valid place for the new handle.
        let ok = unsafe {
            let process = GetCurrentProcess();
            DuplicateHandle(
                process,
                h as _,
                process,
                &mut out,
                0,
                0,
                DUPLICATE_SAME_ACCESS,
            )
        };
        if ok == 0 {
            Err(last_error())
        } else {
            Ok(out as HANDLE)
        }
    }

    pub(super) unsafe fn set(h: HANDLE) -> Result<()> {
        // SAFETY: `h` is an open event handle (caller's contract).
        if unsafe { SetEvent(h as _) } == 0 {
            Err(last_error())
        } else {
            Ok(())
        }
    }

    pub(super) unsafe fn wait(h: HANDLE, timeout: Option<Duration>) -> Result<bool> {
        let ms = timeout.map_or(INFINITE, super::timeout_millis);
        // SAFETY: `h` is an open event handle (caller's contract).
        match unsafe { WaitForSingleObject(h as _, ms) } {
            WAIT_OBJECT_0 => Ok(true),
            WAIT_TIMEOUT => Ok(false),
            WAIT_FAILED => Err(last_error()),
            other => Err(Error::with_message(
                crate::sys::MAPI_E_CALL_FAILED,
                format!("WaitForSingleObject returned {other:#x}"),
            )),
        }
    }

    pub(super) unsafe fn close(h: HANDLE) {
        // SAFETY: the caller owns `h` and gives it up.
        unsafe { CloseHandle(h as _) };
    }
}

/// The done event's C API for hosts that have no Win32 events (test hosts on Linux):
/// every provider library built with this crate exports these two functions, named and
/// answering like the Win32 calls they stand in for. On Windows the handle is a real
/// event: a host calls `WaitForSingleObject` and `CloseHandle` on it.
///
/// ```c
/// typedef ULONG (*wait_fn)(HANDLE event, ULONG milliseconds);
/// wait_fn wait = (wait_fn)dlsym(provider, "MapiSync_WaitDoneEvent");
/// if (wait(event, 5000) == 0 /* WAIT_OBJECT_0 */) { ... }
/// ```
#[cfg(not(windows))]
pub mod c_api {
    use std::time::Duration;

    use crate::sys::{HANDLE, ULONG};

    /// `WaitForSingleObject`'s answer when the event is signalled.
    pub const WAIT_OBJECT_0: ULONG = 0;
    /// Its answer when the time ran out.
    pub const WAIT_TIMEOUT: ULONG = 0x0000_0102;
    /// Its answer when the wait itself failed (here: a null handle).
    pub const WAIT_FAILED: ULONG = 0xFFFF_FFFF;
    /// The timeout that never runs out.
    pub const INFINITE: ULONG = 0xFFFF_FFFF;

    /// Waits up to `milliseconds` (`INFINITE`: for ever) for the done event `event`:
    /// `WAIT_OBJECT_0`, `WAIT_TIMEOUT`, or `WAIT_FAILED` for a null handle.
    ///
    /// # Safety
    /// `event` must be null or an open done event (the handle `SynchronizeInBackground`
    /// stored in `*phSyncDoneEvent`, not yet closed).
    #[no_mangle]
    pub unsafe extern "C" fn MapiSync_WaitDoneEvent(event: HANDLE, milliseconds: ULONG) -> ULONG {
        if event.is_null() {
            return WAIT_FAILED;
        }
        let result = if milliseconds == INFINITE {
            // SAFETY: an open done event (caller's contract).
            unsafe { super::wait(event) }.map(|()| true)
        } else {
            // SAFETY: as above.
            unsafe { super::wait_timeout(event, Duration::from_millis(milliseconds.into())) }
        };
        match result {
            Ok(true) => WAIT_OBJECT_0,
            Ok(false) => WAIT_TIMEOUT,
            Err(_) => WAIT_FAILED,
        }
    }

    /// Closes the done event `event` (`CloseHandle`); a null handle is ignored.
    ///
    /// # Safety
    /// `event` must be null or an open done event the caller owns, not used afterwards.
    #[no_mangle]
    pub unsafe extern "C" fn MapiSync_CloseDoneEvent(event: HANDLE) {
        if !event.is_null() {
            // SAFETY: caller's contract.
            unsafe { super::close(event) }
        }
    }
}

#[cfg(not(windows))]
mod imp {
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Duration, Instant};

    use super::HANDLE;
    use crate::Result;

    /// What a stand-in `HANDLE` points at: the pointer is `Arc::into_raw` of this, and each
    /// open handle owns one strong count.
    pub(super) struct EventObject {
        signalled: Mutex<bool>,
        cond: Condvar,
    }

    /// # Safety
    /// `h` must be an open stand-in handle.
    unsafe fn object<'a>(h: HANDLE) -> &'a EventObject {
        // SAFETY: an open handle owns a strong count of the Arc it came from, so the
        // object is alive while the handle is open.
        unsafe { &*(h as *const EventObject) }
    }

    pub(super) fn create() -> Result<HANDLE> {
        let object = Arc::new(EventObject {
            signalled: Mutex::new(false),
            cond: Condvar::new(),
        });
        Ok(Arc::into_raw(object) as HANDLE)
    }

    pub(super) unsafe fn duplicate(h: HANDLE) -> Result<HANDLE> {
        // SAFETY: `h` came from `Arc::into_raw` and still owns a count (open handle).
        unsafe { Arc::increment_strong_count(h as *const EventObject) };
        Ok(h)
    }

    pub(super) unsafe fn set(h: HANDLE) -> Result<()> {
        // SAFETY: caller's contract: `h` is open.
        let object = unsafe { object(h) };
        let mut signalled = object
            .signalled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *signalled = true;
        object.cond.notify_all();
        Ok(())
    }

    pub(super) unsafe fn wait(h: HANDLE, timeout: Option<Duration>) -> Result<bool> {
        // SAFETY: caller's contract: `h` is open.
        let object = unsafe { object(h) };
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut signalled = object
            .signalled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while !*signalled {
            match (timeout, deadline) {
                (None, _) | (Some(_), None) => {
                    signalled = object
                        .cond
                        .wait(signalled)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                (Some(_), Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(false);
                    }
                    signalled = object
                        .cond
                        .wait_timeout(signalled, deadline - now)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0;
                }
            }
        }
        Ok(true)
    }

    pub(super) unsafe fn close(h: HANDLE) {
        // SAFETY: the caller owns this handle's count and gives it up.
        drop(unsafe { Arc::from_raw(h as *const EventObject) });
    }

    /// How many handles to the event behind `h` are open (unit tests only).
    #[cfg(test)]
    pub(super) unsafe fn open_handles(h: HANDLE) -> usize {
        // SAFETY: `h` is open, so the Arc is alive; the count is read without changing it.
        let arc = std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(h as *const EventObject) });
        Arc::strong_count(&arc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_wait_and_timeouts() {
        let e = DoneEvent::new().unwrap();
        assert!(!e.is_set());
        assert!(!e.wait_timeout(Duration::from_millis(20)).unwrap());
        let e2 = e.try_clone().unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            e2.set().unwrap();
        });
        e.wait().unwrap();
        assert!(e.is_set());
        // Manual reset: stays signalled.
        assert!(e.wait_timeout(Duration::ZERO).unwrap());
        t.join().unwrap();
    }

    #[test]
    fn raw_round_trip_and_free_functions() {
        let e = DoneEvent::new().unwrap();
        let raw = e.try_clone().unwrap().into_raw();
        e.set().unwrap();
        // SAFETY: `raw` is an open handle we own; closed once, at the end.
        unsafe {
            wait(raw).unwrap();
            assert!(wait_timeout(raw, Duration::from_secs(1)).unwrap());
            close(raw);
        }
        assert!(e.is_set());
    }

    #[test]
    fn timeouts_round_up_to_whole_milliseconds() {
        assert_eq!(timeout_millis(Duration::ZERO), 0);
        assert_eq!(timeout_millis(Duration::from_nanos(1)), 1);
        assert_eq!(timeout_millis(Duration::from_micros(500)), 1);
        assert_eq!(timeout_millis(Duration::from_millis(1)), 1);
        assert_eq!(timeout_millis(Duration::from_nanos(1_000_001)), 2);
        assert_eq!(
            timeout_millis(Duration::from_secs(86_400 * 50)),
            u32::MAX - 1
        );
        assert_eq!(timeout_millis(Duration::MAX), u32::MAX - 1);
    }

    /// A wait that fails (here on the null handle, which no object has) is an error, not
    /// a timeout and not a signal.
    #[cfg(windows)]
    #[test]
    fn a_failing_wait_is_an_error() {
        let bogus: HANDLE = std::ptr::null_mut();
        // SAFETY: the kernel checks handles and reports an invalid one; no memory is
        // touched.
        unsafe {
            let code = wait_timeout(bogus, Duration::from_millis(10))
                .unwrap_err()
                .code();
            assert_eq!(
                code, 0x8007_0006_u32 as i32,
                "HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)"
            );
            assert!(wait(bogus).is_err());
        }
    }

    #[cfg(not(windows))]
    #[test]
    fn the_c_api_answers_like_wait_for_single_object() {
        use super::c_api::*;
        let e = DoneEvent::new().unwrap();
        let raw = e.try_clone().unwrap().into_raw();
        // SAFETY: `raw` is open until closed below; null is refused.
        unsafe {
            assert_eq!(MapiSync_WaitDoneEvent(raw, 10), WAIT_TIMEOUT);
            assert_eq!(
                MapiSync_WaitDoneEvent(std::ptr::null_mut(), 10),
                WAIT_FAILED
            );
            e.set().unwrap();
            assert_eq!(MapiSync_WaitDoneEvent(raw, 10), WAIT_OBJECT_0);
            assert_eq!(MapiSync_WaitDoneEvent(raw, INFINITE), WAIT_OBJECT_0);
            MapiSync_CloseDoneEvent(raw);
            MapiSync_CloseDoneEvent(std::ptr::null_mut());
        }
    }

    #[cfg(not(windows))]
    #[test]
    fn duplicates_are_counted_and_closed() {
        let e = DoneEvent::new().unwrap();
        // SAFETY: `e` is open for these calls.
        unsafe {
            assert_eq!(imp::open_handles(e.as_raw()), 1);
            let d = e.try_clone().unwrap();
            assert_eq!(d.as_raw(), e.as_raw());
            assert_eq!(imp::open_handles(e.as_raw()), 2);
            drop(d);
            assert_eq!(imp::open_handles(e.as_raw()), 1);
        }
    }
}
