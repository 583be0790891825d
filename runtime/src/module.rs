//! The provider module's lifetime: when the DLL (or `.so`) that holds the runtime may be
//! unloaded, and what `DllCanUnloadNow` should answer.
//!
//! # The policy: pinned from the first object on
//!
//! The first time this runtime creates a COM object ([`Object::new`](crate::Object::new),
//! and so `into_unknown` and `into_interface`), it **pins the module that holds it**: on
//! Windows with `GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
//! GET_MODULE_HANDLE_EX_FLAG_PIN)`, on Linux and other Unix systems by reopening the
//! shared object with `RTLD_NODELETE`. From then on the module stays mapped until the
//! process exits: `FreeLibrary`, `CoFreeUnusedLibraries` and `dlclose` still succeed, but
//! they no longer unmap it, and a later `LoadLibrary` or `dlopen` gets the same, already
//! initialised copy back.
//!
//! Two things make this the only safe choice:
//!
//! - **Code that still runs after the done event.** The sync thread signals the done
//!   event as the last step of a synchronization, but it then still has to return into the
//!   runtime's thread pool. A host that frees the library the moment the event fires would
//!   otherwise unmap code a thread is executing.
//! - **Per-module state that is never given back.** Rust's standard library allocates
//!   thread-local storage indexes (`TlsAlloc` on Windows) in every loaded copy of a module
//!   and never frees them when that copy is unloaded. A host that loads and unloads a
//!   provider a few hundred times would run out of them and be aborted ("out of TLS
//!   indexes"). A pinned module is loaded once, so it allocates them once.
//!
//! A module that never created an object is not pinned and unloads normally.
//!
//! # `DllCanUnloadNow`
//!
//! MAPI loads store providers with `LoadLibrary` and `MSProviderInit`, not through COM, so
//! a store provider need not export `DllCanUnloadNow`. One that does (for example because
//! it also registers COM classes) should answer [`can_unload_now`]: `S_FALSE` while any
//! object of this runtime is alive or any synchronization is running, `S_OK` otherwise.
//! The answer is truthful, and because the module is pinned, acting on a wrong one cannot
//! unmap running code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use crate::sys::HRESULT;

/// Objects created by this runtime that are still alive.
static LIVE_OBJECTS: AtomicUsize = AtomicUsize::new(0);
/// Synchronizations whose thread has not finished yet.
static RUNNING_SYNCS: AtomicUsize = AtomicUsize::new(0);
/// Pins the module once.
static PIN: Once = Once::new();
/// What pinning did: `true` once the module is known to be pinned.
static PINNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `S_FALSE`: "not now".
const S_FALSE: HRESULT = 1;

/// What `DllCanUnloadNow` should return: `S_OK` when no object of this runtime is alive
/// and no synchronization is running, `S_FALSE` otherwise. See the [module
/// docs](self) for why the answer is only advisory once an object was created.
pub fn can_unload_now() -> HRESULT {
    if live_objects() == 0 && running_syncs() == 0 {
        crate::sys::S_OK
    } else {
        S_FALSE
    }
}

/// How many objects made by this runtime are alive (racy by nature: for diagnostics and
/// `DllCanUnloadNow`).
pub fn live_objects() -> usize {
    LIVE_OBJECTS.load(Ordering::SeqCst)
}

/// `MapiSync_LiveObjects()`: [`live_objects`] for C hosts, exported by every provider
/// built with the runtime (a test host checks with it that a provider dropped every
/// object it made; a count above `u32::MAX` answers `u32::MAX`).
#[no_mangle]
pub extern "C" fn MapiSync_LiveObjects() -> u32 {
    u32::try_from(live_objects()).unwrap_or(u32::MAX)
}

/// How many synchronizations are running: started by `SynchronizeInBackground` and not
/// yet finished on their thread (which happens just after the done event is signalled).
pub fn running_syncs() -> usize {
    RUNNING_SYNCS.load(Ordering::SeqCst)
}

/// Whether the module holding the runtime is pinned (see the [module docs](self)).
pub fn is_pinned() -> bool {
    PINNED.load(Ordering::SeqCst)
}

/// Counts one live object, pinning the module first if this is the first object.
pub(crate) fn object_created() {
    PIN.call_once(|| PINNED.store(imp::pin(), Ordering::SeqCst));
    LIVE_OBJECTS.fetch_add(1, Ordering::SeqCst);
}

/// Counts one object less.
pub(crate) fn object_dropped() {
    LIVE_OBJECTS.fetch_sub(1, Ordering::SeqCst);
}

/// Marks a running synchronization: counted from creation until the guard is dropped.
pub(crate) struct SyncRunning(());

impl SyncRunning {
    pub(crate) fn start() -> SyncRunning {
        RUNNING_SYNCS.fetch_add(1, Ordering::SeqCst);
        SyncRunning(())
    }
}

impl Drop for SyncRunning {
    fn drop(&mut self) {
        RUNNING_SYNCS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An address inside this module, to find it by (unused where nothing is pinned).
#[cfg_attr(any(miri, not(any(windows, target_os = "linux"))), allow(dead_code))]
fn anchor() {}

#[cfg(all(windows, not(miri)))]
mod imp {
    use windows_sys::Win32::System::LibraryLoader::{
        GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN,
    };

    /// Pins the module that contains `anchor`: it is never unloaded after this.
    pub(super) fn pin() -> bool {
        let mut module = std::ptr::null_mut();
        let address = super::anchor as fn() as *const u16;
        // SAFETY: with FROM_ADDRESS the "name" is an address inside the module we look
        // for, which `anchor` is; `module` is a valid place for the handle. A pinned
        // module handle needs no FreeLibrary.
        let ok = unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                address,
                &mut module,
            )
        };
        ok != 0
    }
}

#[cfg(all(target_os = "linux", not(miri)))]
mod imp {
    use std::ffi::{c_char, c_int, c_void, CStr, OsStr};
    use std::os::unix::ffi::OsStrExt;

    // glibc's <dlfcn.h>, declared here rather than through the `libc` crate: two
    // functions and three flags are all the runtime needs, and every provider build
    // would otherwise compile all of `libc` (a Linux-only test host's need).
    /// `Dl_info`.
    #[repr(C)]
    struct DlInfo {
        dli_fname: *const c_char,
        dli_fbase: *mut c_void,
        dli_sname: *const c_char,
        dli_saddr: *mut c_void,
    }
    const RTLD_NOW: c_int = 0x0002;
    const RTLD_NOLOAD: c_int = 0x0004;
    const RTLD_NODELETE: c_int = 0x1000;
    extern "C" {
        fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
        fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    }

    /// Reopens the shared object that contains `anchor` with `RTLD_NODELETE`, so that no
    /// `dlclose` unmaps it, and keeps the extra reference that reopening took.
    pub(super) fn pin() -> bool {
        let mut info = DlInfo {
            dli_fname: std::ptr::null(),
            dli_fbase: std::ptr::null_mut(),
            dli_sname: std::ptr::null(),
            dli_saddr: std::ptr::null_mut(),
        };
        let address = super::anchor as fn() as *const c_void;
        // SAFETY: `address` is inside this module; `info` is a valid place for the answer.
        if unsafe { dladdr(address, &mut info) } == 0 || info.dli_fname.is_null() {
            return false;
        }
        // SAFETY: `dli_fname` is the NUL-terminated path of a loaded object (dladdr's
        // answer, valid while it is loaded, as it is now). RTLD_NOLOAD only returns a
        // handle to what is already loaded; the handle is deliberately never closed.
        let handle = unsafe { dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) };
        if !handle.is_null() {
            return true;
        }
        // The runtime is linked into the executable itself (tests, a Rust host), which
        // glibc does not reopen by path, and which nothing unloads anyway.
        // SAFETY: as above, `dli_fname` is a NUL-terminated path.
        let path = unsafe { CStr::from_ptr(info.dli_fname) };
        let ours = std::path::Path::new(OsStr::from_bytes(path.to_bytes()));
        match (std::env::current_exe(), ours.canonicalize()) {
            (Ok(exe), Ok(ours)) => exe.canonicalize().is_ok_and(|exe| exe == ours),
            _ => false,
        }
    }
}

#[cfg(any(miri, not(any(windows, target_os = "linux"))))]
mod imp {
    /// Nothing to pin (Miri runs no loader; other systems are not supported hosts).
    pub(super) fn pin() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_answer_can_unload_now() {
        // Other tests of this binary create objects too, so only compare with a count
        // this test holds up.
        let guard = SyncRunning::start();
        assert!(running_syncs() >= 1);
        assert_eq!(can_unload_now(), S_FALSE);
        drop(guard);
    }
}
