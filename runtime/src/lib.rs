//! The runtime of `mapi-sync`. Use it through the `mapi-sync` crate, which re-exports all
//! of it beside the `#[mapi_sync_provider]` and `#[mapi_object]` attributes and documents
//! it there.
//!
//! It is laid out by concern, the way fuser keeps the kernel's protocol apart from the
//! filesystem's safe callbacks:
//!
//! | module | what it holds |
//! |---|---|
//! | `com/` | the COM object model: [`ComClass`], the object's memory and `IUnknown`, [`Object`], [`This`], [`FreeThreaded`] |
//! | `ll/` | the raw side, in one place: MAPI memory ([`mem`]), reading and writing `SPropValue`, `SPropTagArray`, `SRowSet` and `ENTRYID` |
//! | `props/` | property values as safe Rust ([`props`]) and the safe `IMAPIProp` ([`props::Properties`]) |
//! | `sync/` | the background synchronization: [`SyncProvider`], [`SyncRequest`], [`Progress`], the done event ([`event`]), the thread pool |
//! | `provider.rs` | the store provider's entry point, `MSProviderInit` |
//! | `service/` | the message service's entry point, `ServiceEntry`, and profile sections |
//! | `module.rs` | the provider module's lifetime (pinning, `DllCanUnloadNow`) |
//! | `error.rs` | [`Error`] and HRESULTs |
//! | `stream.rs` | [`stream::Stream`]: a COM `IStream` over a provider's `Read + Seek` (or writable) value |
//!
//! The store framework, its tables and notifications will each be a module of
//! their own beside these, on top of `ll/` and `props/`.
//!
//! It is a crate of its own so that it builds beside the macros' syn, quote and
//! proc-macro2 instead of after them: a provider's clean build waits for the slower of
//! the two, not for both (serde_core does the same for serde).
#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

mod com;
#[cfg(windows)]
pub mod dpapi;
mod error;
mod ll;
pub mod module;
pub mod props;
// MSProviderInit and IMSProvider are mapispi.h's.
#[cfg(feature = "mapispi")]
pub mod provider;
// ServiceEntry, IProviderAdmin and profile sections are mapispi.h's.
#[cfg(feature = "mapispi")]
pub mod service;
pub mod stream;
mod sync;

pub use com::{ComClass, FreeThreaded, Object, This, WeakObject};
pub use error::{check, hresult_name, Error, MapiContext, Result};
pub use ll::mem;
pub use ll::out::Out;
pub use sync::event::{self, DoneEvent};
pub use sync::{
    run_in_background, Progress, RawSyncProvider, StepText, SyncFlags, SyncProvider, SyncRequest,
};

/// The generated MAPI bindings (`mapi-sync-sys`): raw vtables, IIDs, constants, owned
/// interface pointers and the `IFoo_Impl` traits for the extra interfaces a provider lists.
pub use mapi_sync_sys as sys;

/// What the attributes expand to refers to this module only (through
/// `mapi_sync::__private`). Not public API: it can change in any release.
#[doc(hidden)]
pub mod __private;
