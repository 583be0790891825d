//! [`SyncRequest`]: a safe view of `MAPISIB`.

use std::mem::size_of;
use std::ptr::addr_of;

use crate::sys::{self, IMAPISession, Interface, MAPISIB};
use crate::{Error, Result, SyncFlags};

/// What Outlook asked for: the safe part of the `MAPISIB` it passed to
/// `SynchronizeInBackground`.
///
/// The session is an owned reference (one `AddRef`, released when the request is
/// dropped), so it stays valid on the sync thread for the whole synchronization.
/// The callback and the done event are not here: they are [`Progress`](crate::Progress)
/// and the runtime's business.
#[derive(Clone)]
pub struct SyncRequest {
    flags: SyncFlags,
    session: Option<IMAPISession>,
}

impl SyncRequest {
    /// A request made by hand (tests, or a host that is not Outlook).
    pub fn new(flags: SyncFlags, session: Option<IMAPISession>) -> SyncRequest {
        SyncRequest { flags, session }
    }

    /// Reads and checks a `MAPISIB`: `MAPI_E_INVALID_PARAMETER` if `psibpb` is null or its
    /// `ulSize` is smaller than `size_of::<MAPISIB>()` (larger is accepted, for newer
    /// callers). Takes a reference to `psesSync` when it is not null. Does not look at
    /// `punkCallBack` or `phSyncDoneEvent`.
    ///
    /// # Safety
    /// `psibpb` must be null or point at readable memory of at least `ulSize` bytes (at
    /// least the `ulSize` field itself), and `psesSync` must be null or a live
    /// `IMAPISession`.
    pub unsafe fn from_raw(psibpb: *const MAPISIB) -> Result<SyncRequest> {
        // SAFETY: forwarded from the caller.
        let sib = unsafe { read_sib(psibpb) }?;
        // SAFETY: `psesSync` is null or a live session (caller's contract); the clone takes
        // our own reference.
        let session = unsafe { sib.psesSync.to_owned() };
        Ok(SyncRequest {
            flags: SyncFlags::from_bits_retain(sib.ulFlags),
            session,
        })
    }

    /// `MAPISIB::ulFlags`, unknown bits included.
    pub fn flags(&self) -> SyncFlags {
        self.flags
    }

    /// The MAPI session (`MAPISIB::psesSync`), if the caller passed one.
    pub fn session(&self) -> Option<&IMAPISession> {
        self.session.as_ref()
    }

    /// Whether the user started this synchronization (`SYNC_ON_DEMAND`).
    pub fn is_on_demand(&self) -> bool {
        self.flags.contains(SyncFlags::ON_DEMAND)
    }
}

impl std::fmt::Debug for SyncRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncRequest")
            .field("flags", &self.flags)
            .field("session", &self.session.as_ref().map(|s| s.as_raw()))
            .finish()
    }
}

/// Copies a `MAPISIB` after checking the pointer and `ulSize`.
///
/// # Safety
/// As for [`SyncRequest::from_raw`].
pub(crate) unsafe fn read_sib(psibpb: *const MAPISIB) -> Result<MAPISIB> {
    if psibpb.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "psibpb is null",
        ));
    }
    // Read `ulSize` alone first: a caller with a shorter structure may not have the rest.
    // SAFETY: `psibpb` is non-null and points at least at a readable `ulSize`.
    let size = unsafe { addr_of!((*psibpb).ulSize).read_unaligned() };
    if (size as usize) < size_of::<MAPISIB>() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            format!(
                "MAPISIB.ulSize is {size}, smaller than the {} bytes of a MAPISIB",
                size_of::<MAPISIB>()
            ),
        ));
    }
    // SAFETY: `ulSize` says the whole structure is there (caller's contract).
    Ok(unsafe { psibpb.read_unaligned() })
}
