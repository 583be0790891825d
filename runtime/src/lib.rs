//! The runtime of `mapi-sync`: the COM object model, the background synchronization, MAPI
//! memory and property values, and the provider entry point. Use it through the
//! `mapi-sync` crate, which re-exports all of it beside the `#[mapi_sync_provider]` and
//! `#[mapi_object]` attributes and documents it there.
//!
//! It is a crate of its own so that it builds beside the macros' syn, quote and
//! proc-macro2 instead of after them: a provider's clean build waits for the slower of
//! the two, not for both (serde_core does the same for serde).
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod error;
pub mod event;
mod flags;
mod free_threaded;
pub mod mem;
pub mod module;
mod object;
mod pool;
mod progress;
pub mod props;
// MSProviderInit and IMSProvider are mapispi.h's.
#[cfg(feature = "mapispi")]
pub mod provider;
mod request;
mod sync;

pub use error::{check, hresult_name, Error, MapiContext, Result};
pub use event::DoneEvent;
pub use flags::SyncFlags;
pub use free_threaded::FreeThreaded;
pub use object::{ComProvider, Object, This};
pub use progress::{Progress, StepText};
pub use request::SyncRequest;
pub use sync::{run_in_background, RawSyncProvider, SyncProvider};

/// The generated MAPI bindings (`mapi-sync-sys`): raw vtables, IIDs, constants, owned
/// interface pointers and the `IFoo_Impl` traits for the extra interfaces a provider lists.
pub use mapi_sync_sys as sys;

/// What `#[mapi_sync_provider]` expands to refers to this module only (through
/// `mapi_sync::__private`). Not public API: it can change in any release.
#[doc(hidden)]
pub mod __private;
