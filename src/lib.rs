//! `mapi-sync`: write Outlook MAPI store providers in Rust.
//!
//! Outlook 2010 and later asks a message store object for [`IMAPISync`](sys::IMAPISync)
//! and calls `SynchronizeInBackground` when the user presses Send/Receive (or on its own
//! schedule). The store starts a background thread, reports progress and errors through the
//! `IMAPISyncProgressCallback` that Outlook passes in, and signals an event when it is done.
//! This crate does all of that COM and threading work; a provider author writes only the
//! synchronization:
//!
//! ```
//! use mapi_sync::prelude::*;
//!
//! #[mapi_sync_provider]
//! struct MyStore {
//!     server: String,
//! }
//!
//! impl SyncProvider for MyStore {
//!     fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
//!         if request.flags().contains(SyncFlags::DOWNLOAD_CONTENTS) {
//!             progress.step("Downloading headers", 1, 10)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! // The COM object to hand to MAPI (for example from your IMSLogon::OpenMsgStore).
//! let store: mapi_sync::sys::IUnknown = MyStore { server: "imap.example.com".into() }.into_unknown();
//! let sync: mapi_sync::sys::IMAPISync = store.cast().unwrap();
//! # drop(sync);
//! ```
//!
//! # Who implements `IMAPISync`?
//!
//! Microsoft's overview page for `IMAPISync` says in its table "Implemented by: Outlook".
//! The page for `IMAPISync::SynchronizeInBackground` and the page for `MAPISIB` say the
//! opposite, and they are right: the **store provider implements `IMAPISync`** and
//! Outlook calls it; Outlook implements `IMAPISyncProgressCallback`, which the provider
//! calls. This crate is built for that reading: [`mapi_sync_provider`] makes your type
//! answer `QueryInterface(IID_IMAPISync)`, and [`Progress`] wraps Outlook's callback.
//!
//! # What happens on a synchronization
//!
//! `SynchronizeInBackground(psibpb)` (the generated [`IMAPISync_Vtbl`](sys::IMAPISync_Vtbl)
//! entry filled in by [`mapi_sync_provider`]) does, in this order:
//!
//! 1. Validates the [`MAPISIB`](sys::MAPISIB) before any of your code runs: a null
//!    pointer, a `ulSize` smaller than `size_of::<MAPISIB>()` or a null `phSyncDoneEvent`
//!    give `MAPI_E_INVALID_PARAMETER` and nothing is started.
//! 2. Asks `punkCallBack` for `IMAPISyncProgressCallback`. A **null** `punkCallBack`
//!    means "no progress wanted": the synchronization runs with a disconnected
//!    [`Progress`] (its calls do nothing) and completion is seen through the event only.
//!    A **non-null object that does not answer** `IID_IMAPISyncProgressCallback` is a
//!    caller error: `MAPI_E_INVALID_PARAMETER`, nothing started.
//! 3. Creates the done event ([`DoneEvent`]) and starts a thread that holds a reference
//!    to the store object, to the callback and to the session. If the thread cannot be
//!    started, everything is released and `MAPI_E_NOT_ENOUGH_RESOURCES` returned.
//! 4. Stores the event in `*phSyncDoneEvent` and returns `S_OK`.
//!
//! The thread calls [`SyncProvider::synchronize`]. If that returns `Err(e)`, it calls
//! `Error(e.code(), text)`; if it panics, the panic is caught and it calls
//! `Error(E_UNEXPECTED, "...panic message...")`. Then it calls `Done(event, hr)` exactly
//! once. Every reference it took is released by then (the object's as soon as
//! `synchronize` returns or unwinds, the session's before `Done`, the callback's right
//! after it), and only then is the event signalled, so a host that wakes on the event
//! sees the whole synchronization finished. Outlook closes the event
//! handle it was given (after `Done`); the thread signals a duplicate of its own, which it
//! closes itself, so the two never race. See [`event`] for waiting on the event in a test
//! or a host.
//!
//! # Raw mode
//!
//! `#[mapi_sync_provider(raw)]` leaves `SynchronizeInBackground` to you: implement the
//! generated [`IMAPISync_Impl`](sys::IMAPISync_Impl) trait instead of [`SyncProvider`].
//! [`run_in_background`], [`SyncRequest::from_raw`], [`Progress::from_unknown`] and
//! [`DoneEvent`] are the pieces the default implementation is made of.
//!
//! # Reference counting
//!
//! `AddRef`/`Release` are atomic. The object is dropped exactly once, on the `Release` that
//! takes the count to zero, after an acquire fence. The count **saturates** rather than
//! wrapping: once it passes 2³¹ (only a reference leak gets there) it stays pinned and
//! the object is deliberately leaked, because aborting would take Outlook down with it and
//! wrapping would free a live object.
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

// Lets the macro's `::mapi_sync::...` paths work inside this crate's own unit tests.
extern crate self as mapi_sync;

mod error;
pub mod event;
mod flags;
pub mod module;
mod object;
mod pool;
mod progress;
mod request;
mod sync;

pub use error::{check, hresult_name, Error, Result};
pub use event::DoneEvent;
pub use flags::SyncFlags;
pub use object::{ComProvider, Object};
pub use progress::Progress;
pub use request::SyncRequest;
pub use sync::{run_in_background, RawSyncProvider, SyncProvider};

/// The generated MAPI bindings (`mapi-sync-sys`): raw vtables, IIDs, constants, owned
/// interface pointers and the `IFoo_Impl` traits for the extra interfaces a provider lists.
pub use mapi_sync_sys as sys;

/// Makes a struct an Outlook store COM object that implements `IMAPISync`.
///
/// ```text
/// #[mapi_sync_provider]                    // IUnknown + IMAPISync; implement SyncProvider
/// #[mapi_sync_provider(IMsgStore)]         // also IMsgStore (and its bases): implement IMsgStore_Impl
/// #[mapi_sync_provider(raw)]               // implement RawSyncProvider yourself
/// #[mapi_sync_provider(crate = my::path)]  // if mapi_sync is renamed in your Cargo.toml
/// ```
///
/// The struct itself is left as written. The attribute implements [`ComProvider`] for it,
/// which gives [`ComProvider::into_unknown`]: the struct is moved into a new reference
/// counted COM object whose `QueryInterface` answers `IID_IUnknown`, `IID_IMAPISync`, each
/// listed interface and the base interfaces of each listed interface; every other IID
/// gives `E_NOINTERFACE`. The object's own fields live in this crate's private object type,
/// so they can never collide with the struct's fields.
///
/// Interface names are looked up in [`sys`]; an unknown name, an enum, a union, a
/// struct with lifetime parameters, and a missing [`SyncProvider`] implementation are
/// compile errors at your tokens. Type and const parameters are supported when the
/// struct's own bounds make every instantiation `Send + Sync + 'static` and a provider.
pub use mapi_sync_macros::mapi_sync_provider;

/// The names most providers need: `use mapi_sync::prelude::*;`. Also brings the methods
/// of the generated [`Interface`](sys::Interface) and [`ComInterface`](sys::ComInterface)
/// traits (`as_raw`, `cast`, ...) into scope, without their names.
pub mod prelude {
    pub use crate::sys::{ComInterface as _, Interface as _};
    pub use crate::{
        mapi_sync_provider, ComProvider, Error, Object, Progress, RawSyncProvider, Result,
        SyncFlags, SyncProvider, SyncRequest,
    };
}

/// What `#[mapi_sync_provider]` expands to refers to this module only. Not public API: it
/// can change in any release.
#[doc(hidden)]
pub mod __private;
