//! A host that plays Outlook through raw vtables only.
//!
//! Everything here is written from the ABI in docs/FACTS.md (IIDs, vtable order, MAPISIB
//! layout), independently of the generated bindings, so the tests check the bindings and
//! the runtime against the documented ABI rather than against themselves. The only runtime
//! helper used is `mapi_sync::event::{wait, wait_timeout, close}`, the Linux stand-in for
//! `WaitForSingleObject`/`CloseHandle`.
#![allow(dead_code, clippy::upper_case_acronyms)]

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

pub type HRESULT = i32;
pub type HANDLE = *mut c_void;

pub const S_OK: HRESULT = 0;
pub const E_NOINTERFACE: HRESULT = 0x8000_4002_u32 as i32;
pub const E_POINTER: HRESULT = 0x8000_4003_u32 as i32;
pub const E_UNEXPECTED: HRESULT = 0x8000_FFFF_u32 as i32;
pub const MAPI_E_INVALID_PARAMETER: HRESULT = 0x8007_0057_u32 as i32;
pub const MAPI_E_NETWORK_ERROR: HRESULT = 0x8004_0115_u32 as i32;
pub const MAPI_E_USER_CANCEL: HRESULT = 0x8004_0113_u32 as i32;

#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

pub const IID_IUNKNOWN: Guid = Guid {
    data1: 0x0000_0000,
    data2: 0x0000,
    data3: 0x0000,
    data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46],
};
pub const IID_IMAPISYNC: Guid = Guid {
    data1: 0x5024_A385,
    data2: 0x2D44,
    data3: 0x486A,
    data4: [0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60, 0x71, 0xDD],
};
pub const IID_IMAPISYNC_PROGRESS_CALLBACK: Guid = Guid {
    data1: 0x5024_A386,
    data2: 0x2D44,
    data3: 0x486A,
    data4: [0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60, 0x71, 0xDD],
};
/// IMAPISession, from mapiguid.h's DEFINE_OLEGUID(IID_IMAPISession, 0x00020300, 0, 0).
pub const IID_IMAPISESSION: Guid = Guid {
    data1: 0x0002_0300,
    data2: 0,
    data3: 0,
    data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46],
};
/// An IID nobody implements.
pub const IID_NOBODY: Guid = Guid {
    data1: 0x1234_5678,
    data2: 0x9ABC,
    data3: 0xDEF0,
    data4: [1, 2, 3, 4, 5, 6, 7, 8],
};

#[repr(C)]
pub struct UnknownVtbl {
    pub query_interface:
        unsafe extern "system" fn(*mut c_void, *const Guid, *mut *mut c_void) -> HRESULT,
    pub add_ref: unsafe extern "system" fn(*mut c_void) -> u32,
    pub release: unsafe extern "system" fn(*mut c_void) -> u32,
}

#[repr(C)]
pub struct SyncVtbl {
    pub unknown: UnknownVtbl,
    pub synchronize_in_background: unsafe extern "system" fn(*mut c_void, *mut Sib) -> HRESULT,
}

#[repr(C)]
pub struct CallbackVtbl {
    pub unknown: UnknownVtbl,
    pub progress: unsafe extern "system" fn(*mut c_void, *const u16, u32, u32) -> HRESULT,
    pub error: unsafe extern "system" fn(*mut c_void, HRESULT, *const u16) -> HRESULT,
    pub done: unsafe extern "system" fn(*mut c_void, HANDLE, HRESULT) -> HRESULT,
}

/// MAPISIB as docs/FACTS.md lays it out.
#[repr(C)]
pub struct Sib {
    pub ul_size: u32,
    pub ul_flags: u32,
    pub ses_sync: *mut c_void,
    pub punk_callback: *mut c_void,
    pub ph_sync_done_event: *mut HANDLE,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Sib>() == 32);

/// # Safety
/// `obj` must be a live COM interface pointer.
pub unsafe fn vtbl<'a>(obj: *mut c_void) -> &'a UnknownVtbl {
    &**(obj as *const *const UnknownVtbl)
}

/// A non-null pointer to nothing the provider may use: what an out-parameter holds
/// before a call that must overwrite it.
pub fn garbage_pointer() -> *mut c_void {
    static GARBAGE: u8 = 0xDE;
    std::ptr::addr_of!(GARBAGE).cast_mut().cast()
}

/// QueryInterface; returns (hr, out).
///
/// # Safety
/// `obj` must be a live COM interface pointer.
pub unsafe fn qi(obj: *mut c_void, iid: &Guid) -> (HRESULT, *mut c_void) {
    let mut out = garbage_pointer(); // garbage: a failing QI must null it
    let hr = (vtbl(obj).query_interface)(obj, iid, &mut out);
    (hr, out)
}

/// # Safety
/// `obj` must be a live COM interface pointer.
pub unsafe fn add_ref(obj: *mut c_void) -> u32 {
    (vtbl(obj).add_ref)(obj)
}

/// # Safety
/// `obj` must be a live COM interface pointer whose reference the caller gives up.
pub unsafe fn release(obj: *mut c_void) -> u32 {
    (vtbl(obj).release)(obj)
}

/// The object's reference count, read as AddRef's result minus one (then Released).
///
/// # Safety
/// `obj` must be a live COM interface pointer.
pub unsafe fn ref_count(obj: *mut c_void) -> u32 {
    let n = add_ref(obj);
    release(obj);
    n - 1
}

/// IMAPISync::SynchronizeInBackground through the raw vtable.
///
/// # Safety
/// `sync` must be a live IMAPISync pointer; `sib` whatever the test wants to pass.
pub unsafe fn synchronize_in_background(sync: *mut c_void, sib: *mut Sib) -> HRESULT {
    let vtbl = &**(sync as *const *const SyncVtbl);
    (vtbl.synchronize_in_background)(sync, sib)
}

/// A full-size MAPISIB pointing at `event`.
pub fn sib(flags: u32, session: *mut c_void, callback: *mut c_void, event: &mut HANDLE) -> Sib {
    Sib {
        ul_size: std::mem::size_of::<Sib>() as u32,
        ul_flags: flags,
        ses_sync: session,
        punk_callback: callback,
        ph_sync_done_event: event,
    }
}

/// Waits for the event the provider returned, with a generous timeout so a bug fails the
/// test instead of hanging it.
pub fn wait_done(event: HANDLE) {
    assert!(!event.is_null(), "no done event");
    // SAFETY: the provider stored an open event handle that we own.
    let signalled = unsafe { mapi_sync::event::wait_timeout(event, Duration::from_secs(30)) }
        .expect("the wait itself failed");
    assert!(signalled, "the done event was not signalled within 30 s");
}

/// Closes the event, as Outlook does after Done.
pub fn close_event(event: HANDLE) {
    // SAFETY: we own this handle and close it once.
    unsafe { mapi_sync::event::close(event) };
}

fn wide_to_string(p: *const u16) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the provider passes NUL-terminated UTF-16.
    unsafe {
        while *p.add(len) != 0 {
            len += 1;
        }
        Some(String::from_utf16(std::slice::from_raw_parts(p, len)).expect("valid UTF-16"))
    }
}

/// One call the provider made on the callback.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Progress {
        text: Option<String>,
        index: u32,
        max: u32,
    },
    Error {
        hr: HRESULT,
        text: Option<String>,
    },
    Done {
        event: usize,
        hr: HRESULT,
    },
}

/// A hand-written IMAPISyncProgressCallback that records its calls. Never freed by
/// Release (the test owns the box), so a count that drops below the test's own reference
/// is caught by an assertion instead of a use-after-free.
#[repr(C)]
pub struct Recorder {
    vtbl: &'static CallbackVtbl,
    refs: AtomicU32,
    /// Whether QueryInterface answers IID_IMAPISyncProgressCallback.
    pub is_callback: bool,
    /// What Progress returns from its `fail_progress_from`-th call on (1-based).
    pub fail_progress: Option<(usize, HRESULT)>,
    pub calls: Mutex<Vec<(Call, ThreadId)>>,
    progress_calls: AtomicUsize,
    /// When set, `Done` reads this `phSyncDoneEvent` slot and records what it holds in
    /// `slot_in_done`: what a host that matches Done to its pending syncs sees.
    pub watch_slot: std::sync::atomic::AtomicPtr<HANDLE>,
    pub slot_in_done: Mutex<Vec<usize>>,
}

static RECORDER_VTBL: CallbackVtbl = CallbackVtbl {
    unknown: UnknownVtbl {
        query_interface: recorder_qi,
        add_ref: recorder_add_ref,
        release: recorder_release,
    },
    progress: recorder_progress,
    error: recorder_error,
    done: recorder_done,
};

unsafe fn recorder<'a>(this: *mut c_void) -> &'a Recorder {
    &*(this as *const Recorder)
}

unsafe extern "system" fn recorder_qi(
    this: *mut c_void,
    iid: *const Guid,
    out: *mut *mut c_void,
) -> HRESULT {
    let r = recorder(this);
    if *iid == IID_IUNKNOWN || (r.is_callback && *iid == IID_IMAPISYNC_PROGRESS_CALLBACK) {
        r.refs.fetch_add(1, Ordering::SeqCst);
        *out = this;
        S_OK
    } else {
        *out = null_mut();
        E_NOINTERFACE
    }
}

unsafe extern "system" fn recorder_add_ref(this: *mut c_void) -> u32 {
    recorder(this).refs.fetch_add(1, Ordering::SeqCst) + 1
}

unsafe extern "system" fn recorder_release(this: *mut c_void) -> u32 {
    let old = recorder(this).refs.fetch_sub(1, Ordering::SeqCst);
    if old == 0 {
        // Record rather than panic: a panic must not unwind into the provider.
        recorder(this).refs.store(u32::MAX / 2, Ordering::SeqCst);
    }
    old.wrapping_sub(1)
}

unsafe extern "system" fn recorder_progress(
    this: *mut c_void,
    text: *const u16,
    index: u32,
    max: u32,
) -> HRESULT {
    let r = recorder(this);
    r.push(Call::Progress {
        text: wide_to_string(text),
        index,
        max,
    });
    let n = r.progress_calls.fetch_add(1, Ordering::SeqCst) + 1;
    match r.fail_progress {
        Some((from, hr)) if n >= from => hr,
        _ => S_OK,
    }
}

unsafe extern "system" fn recorder_error(
    this: *mut c_void,
    hr: HRESULT,
    text: *const u16,
) -> HRESULT {
    recorder(this).push(Call::Error {
        hr,
        text: wide_to_string(text),
    });
    S_OK
}

unsafe extern "system" fn recorder_done(this: *mut c_void, event: HANDLE, hr: HRESULT) -> HRESULT {
    let slot = recorder(this).watch_slot.load(Ordering::SeqCst);
    if !slot.is_null() {
        recorder(this)
            .slot_in_done
            .lock()
            .unwrap()
            .push(slot.read() as usize);
    }
    recorder(this).push(Call::Done {
        event: event as usize,
        hr,
    });
    S_OK
}

impl Recorder {
    pub fn new() -> Box<Recorder> {
        Box::new(Recorder {
            vtbl: &RECORDER_VTBL,
            refs: AtomicU32::new(1),
            is_callback: true,
            fail_progress: None,
            calls: Mutex::new(Vec::new()),
            progress_calls: AtomicUsize::new(0),
            watch_slot: Default::default(),
            slot_in_done: Mutex::new(Vec::new()),
        })
    }

    /// An object that is an IUnknown but not an IMAPISyncProgressCallback.
    pub fn not_a_callback() -> Box<Recorder> {
        let mut r = Recorder::new();
        r.is_callback = false;
        r
    }

    /// The COM pointer to pass as `punkCallBack`.
    pub fn as_unknown(&self) -> *mut c_void {
        self as *const Recorder as *mut c_void
    }

    pub fn refs(&self) -> u32 {
        self.refs.load(Ordering::SeqCst)
    }

    fn push(&self, call: Call) {
        self.calls
            .lock()
            .unwrap()
            .push((call, std::thread::current().id()));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(c, _)| c.clone())
            .collect()
    }

    pub fn threads(&self) -> Vec<ThreadId> {
        self.calls.lock().unwrap().iter().map(|(_, t)| *t).collect()
    }
}

/// A stand-in for the MAPI session: an IUnknown that only counts references.
#[repr(C)]
pub struct FakeSession {
    vtbl: &'static UnknownVtbl,
    refs: AtomicU32,
}

static SESSION_VTBL: UnknownVtbl = UnknownVtbl {
    query_interface: session_qi,
    add_ref: session_add_ref,
    release: session_release,
};

unsafe extern "system" fn session_qi(
    this: *mut c_void,
    iid: *const Guid,
    out: *mut *mut c_void,
) -> HRESULT {
    if *iid == IID_IUNKNOWN || *iid == IID_IMAPISESSION {
        session_add_ref(this);
        *out = this;
        S_OK
    } else {
        *out = null_mut();
        E_NOINTERFACE
    }
}

unsafe extern "system" fn session_add_ref(this: *mut c_void) -> u32 {
    (*(this as *const FakeSession))
        .refs
        .fetch_add(1, Ordering::SeqCst)
        + 1
}

unsafe extern "system" fn session_release(this: *mut c_void) -> u32 {
    (*(this as *const FakeSession))
        .refs
        .fetch_sub(1, Ordering::SeqCst)
        .wrapping_sub(1)
}

impl FakeSession {
    pub fn new() -> Box<FakeSession> {
        Box::new(FakeSession {
            vtbl: &SESSION_VTBL,
            refs: AtomicU32::new(1),
        })
    }

    pub fn as_unknown(&self) -> *mut c_void {
        self as *const FakeSession as *mut c_void
    }

    pub fn refs(&self) -> u32 {
        self.refs.load(Ordering::SeqCst)
    }
}

/// Counts drops of the provider value.
#[derive(Clone, Default)]
pub struct DropCounter(pub Arc<AtomicUsize>);

impl DropCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Put one in a provider struct: counts its drop.
pub struct DropProbe(pub DropCounter);

impl Drop for DropProbe {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::SeqCst);
    }
}
