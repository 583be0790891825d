//! A sample store provider built with `#[mapi_sync_provider]`, compiled as a shared
//! library (Linux) or DLL (Windows) with one C factory. The hosts in `hosts/` (C, C++, and
//! a Windows program run under Wine) load it, play Outlook against it, and check what it
//! does; no Rust compiler sees their code.
//!
//! Exports (the `system` calling convention: stdcall on 32-bit Windows):
//! - `MapiSyncSample_Create(mode, &unknown)`: a new store object's `IUnknown`. Mode 0
//!   syncs in three steps; mode 1 fails with `MAPI_E_NETWORK_ERROR` after one; mode 2
//!   panics.
//! - `MapiSyncSample_LiveObjects()`: how many store objects are alive (each is dropped
//!   exactly once, so this returns to where it was).
//! - `MapiSyncSample_CreateSink(&unknown)`: an `IMAPIAdviseSink` made with
//!   `#[mapi_object]`; `MapiSyncSample_Notifications()` adds up the `cNotif` every sink
//!   was given.
//! - `MapiSyncSample_CreateFolder(&unknown)`: an `IMAPIFolder` whose `OpenEntry` with an
//!   empty entry identifier hands out the folder itself, and with any other a message
//!   (`IMessage`) that keeps the folder alive. The message's `GetProps` answers
//!   `PR_SUBJECT_W` (the entry identifier's bytes after its four flags, as text),
//!   `PR_MESSAGE_SIZE`, `PR_MESSAGE_DELIVERY_TIME` and `PR_ENTRYID`, allocated with the
//!   host's allocators.
//! - `MapiSyncSample_SetAllocators(buffer, more, free)`: the host's `MAPIAllocateBuffer`,
//!   `MAPIAllocateMore` and `MAPIFreeBuffer` (what MAPI passes to `MSProviderInit`);
//!   until a host sets them, the runtime's own.
//!
//! On Linux the library also exports the runtime's `MapiSync_WaitDoneEvent(event, ms)` and
//! `MapiSync_CloseDoneEvent(event)` (`mapi_sync::event::c_api`), which the Linux hosts use
//! where Windows hosts call `WaitForSingleObject` and `CloseHandle`.

#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, PropArray, PropValue};
use mapi_sync::sys::{self, HRESULT, ULONG};
use mapi_sync::This;

/// Every object of this library alive (stores, sinks, folders, messages).
static LIVE: AtomicU32 = AtomicU32::new(0);
/// What all sinks were notified of.
static NOTIFIED: AtomicU32 = AtomicU32::new(0);

/// Counts one object alive for as long as it lives.
struct Alive;

impl Alive {
    fn new() -> Alive {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A notification sink, as a provider hands MAPI for `Advise`.
#[mapi_object(IMAPIAdviseSink)]
pub struct SampleSink {
    _alive: Alive,
}

impl sys::IMAPIAdviseSink_Impl for SampleSink {
    unsafe fn OnNotify(&self, cNotif: ULONG, _: sys::LPNOTIFICATION) -> ULONG {
        NOTIFIED.fetch_add(cNotif, Ordering::SeqCst);
        0
    }
}

/// A folder that opens itself and its messages.
#[mapi_object(IMAPIFolder)]
pub struct SampleFolder {
    this: This<Self>,
    _alive: Alive,
}

/// A message: keeps its folder alive.
#[mapi_object(IMessage)]
pub struct SampleMessage {
    _folder: Object<SampleFolder>,
    entry_id: Vec<u8>,
    _alive: Alive,
}

/// The message's delivery time: 2026-12-01 00:00 UTC as a FILETIME.
const DELIVERED: u64 = 134_405_568_000_000_000;

impl sys::IMAPIProp_Impl for SampleFolder {}
impl sys::IMAPIFolder_Impl for SampleFolder {}
impl sys::IMAPIProp_Impl for SampleMessage {
    unsafe fn GetProps(
        &self,
        lpPropTagArray: sys::LPSPropTagArray,
        ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut sys::LPSPropValue,
    ) -> HRESULT {
        let subject = String::from_utf8_lossy(&self.entry_id[4..]);
        let has = [
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject)),
            Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(42)),
            Prop::new(sys::PR_MESSAGE_DELIVERY_TIME, PropValue::SysTime(DELIVERED)),
            Prop::new(sys::PR_ENTRYID, PropValue::Binary(&self.entry_id)),
        ];
        let has: Vec<Prop<'_>> = match has.into_iter().collect() {
            Ok(has) => has,
            Err(e) => return e.code(),
        };
        // SAFETY: null or an SPropTagArray (MAPI's contract for GetProps).
        let requested = unsafe { mapi_sync::props::prop_tags(lpPropTagArray) };
        match PropArray::answer(Allocators::provider(), requested, &has, ulFlags) {
            // SAFETY: null or writable (MAPI's contract); checked there.
            Ok(answer) => unsafe { answer.hand_out(lpcValues, lppPropArray) },
            Err(e) => e.code(),
        }
    }
}
impl sys::IMessage_Impl for SampleMessage {}

/// `OpenEntry`'s object types (mapidefs.h).
const MAPI_FOLDER: ULONG = 3;
const MAPI_MESSAGE: ULONG = 5;

impl sys::IMAPIContainer_Impl for SampleFolder {
    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        lpEntryID: sys::LPENTRYID,
        _lpInterface: sys::LPCIID,
        _ulFlags: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut sys::LPUNKNOWN,
    ) -> HRESULT {
        if lpulObjType.is_null() || lppUnk.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null and writable (MAPI's contract): null until there is an answer.
        unsafe { *lppUnk = sys::InterfacePtr::null() };
        let Some(me) = self.this.object() else {
            return sys::MAPI_E_CALL_FAILED;
        };
        let (kind, unknown) = if cbEntryID == 0 {
            (MAPI_FOLDER, me.to_unknown())
        } else {
            // SAFETY: `cbEntryID` readable bytes (MAPI's contract).
            let (flags, bytes) = match unsafe { mapi_sync::props::entry_id(cbEntryID, lpEntryID) } {
                Ok(id) => id,
                Err(e) => return e.code(),
            };
            let message = Object::new(SampleMessage {
                _folder: me,
                entry_id: [&flags[..], bytes].concat(),
                _alive: Alive::new(),
            });
            (MAPI_MESSAGE, message.to_unknown())
        };
        // SAFETY: as above.
        unsafe {
            *lpulObjType = kind;
            *lppUnk = unknown.into();
        }
        sys::S_OK
    }
}

/// What the sample does when Outlook asks it to sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Three steps, then success.
    Succeed,
    /// One step, then `MAPI_E_NETWORK_ERROR` "server unreachable".
    Fail,
    /// Panics with "provider exploded".
    Panic,
}

/// The sample store: counts itself alive so hosts can see it dropped.
#[mapi_sync_provider]
pub struct SampleStore {
    mode: Mode,
}

impl SampleStore {
    /// A new store; `LiveObjects` counts it until it is dropped.
    pub fn new(mode: Mode) -> SampleStore {
        LIVE.fetch_add(1, Ordering::SeqCst);
        SampleStore { mode }
    }
}

impl Drop for SampleStore {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SyncProvider for SampleStore {
    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        match self.mode {
            Mode::Succeed => {
                progress.step("Downloading headers", 1, 3)?;
                progress.step("Downloading bodies", 2, 3)?;
                progress.step(None, 3, 3)?;
                Ok(())
            }
            Mode::Fail => {
                progress.step("Connecting", 1, 3)?;
                Err(mapi_sync::Error::with_message(
                    sys::MAPI_E_NETWORK_ERROR,
                    "server unreachable",
                ))
            }
            Mode::Panic => panic!("provider exploded"),
        }
    }
}

/// Creates a store object and stores its `IUnknown` (one reference) in `*out`.
///
/// # Safety
/// `out` must be null or writable.
#[no_mangle]
pub unsafe extern "system" fn MapiSyncSample_Create(mode: ULONG, out: *mut *mut c_void) -> HRESULT {
    if out.is_null() {
        return sys::E_POINTER;
    }
    let mode = match mode {
        0 => Mode::Succeed,
        1 => Mode::Fail,
        2 => Mode::Panic,
        _ => {
            // SAFETY: `out` is non-null and writable (caller's contract).
            unsafe { *out = std::ptr::null_mut() };
            return sys::MAPI_E_INVALID_PARAMETER;
        }
    };
    let unknown = SampleStore::new(mode).into_unknown();
    // SAFETY: as above; the reference moves to the caller.
    unsafe { *out = unknown.into_raw() };
    sys::S_OK
}

/// How many objects of this library are alive.
#[no_mangle]
pub extern "system" fn MapiSyncSample_LiveObjects() -> ULONG {
    LIVE.load(Ordering::SeqCst)
}

/// Hands out a new object's `IUnknown` through `out`.
///
/// # Safety
/// `out` must be null or writable.
unsafe fn hand_out(out: *mut *mut c_void, make: impl FnOnce() -> sys::IUnknown) -> HRESULT {
    if out.is_null() {
        return sys::E_POINTER;
    }
    // SAFETY: non-null and writable (caller's contract); the reference moves to the caller.
    unsafe { *out = sys::Interface::into_raw(make()) };
    sys::S_OK
}

/// Creates a notification sink and stores its `IUnknown` in `*out`.
///
/// # Safety
/// `out` must be null or writable.
#[no_mangle]
pub unsafe extern "system" fn MapiSyncSample_CreateSink(out: *mut *mut c_void) -> HRESULT {
    // SAFETY: caller's contract.
    unsafe {
        hand_out(out, || {
            Object::new(SampleSink {
                _alive: Alive::new(),
            })
            .into_unknown()
        })
    }
}

/// What all sinks were notified of.
#[no_mangle]
pub extern "system" fn MapiSyncSample_Notifications() -> ULONG {
    NOTIFIED.load(Ordering::SeqCst)
}

/// Creates a folder and stores its `IUnknown` in `*out`.
///
/// # Safety
/// `out` must be null or writable.
#[no_mangle]
pub unsafe extern "system" fn MapiSyncSample_CreateFolder(out: *mut *mut c_void) -> HRESULT {
    // SAFETY: caller's contract.
    unsafe {
        hand_out(out, || {
            Object::new(SampleFolder {
                this: This::new(),
                _alive: Alive::new(),
            })
            .into_unknown()
        })
    }
}

/// Takes the host's allocators for everything handed out from now on;
/// `MAPI_E_INVALID_PARAMETER` if one is null.
///
/// # Safety
/// They must behave as MAPI documents `MAPIAllocateBuffer`, `MAPIAllocateMore` and
/// `MAPIFreeBuffer` for as long as the library is used.
#[no_mangle]
pub unsafe extern "system" fn MapiSyncSample_SetAllocators(
    buffer: sys::LPALLOCATEBUFFER,
    more: sys::LPALLOCATEMORE,
    free: sys::LPFREEBUFFER,
) -> HRESULT {
    // SAFETY: caller's contract.
    match unsafe { Allocators::new(buffer, more, free) } {
        Ok(a) => {
            a.set_provider();
            sys::S_OK
        }
        Err(e) => e.code(),
    }
}
