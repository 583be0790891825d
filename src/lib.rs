//! `mapi-sync`: write Outlook MAPI store providers in Rust.
//!
//! This crate is the runtime that provider authors depend on. It re-exports the
//! generated MAPI bindings as [`sys`].

pub use mapi_sync_sys as sys;
