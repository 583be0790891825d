//! `mapi-harness`: a MAPI host for testing store providers.
//!
//! It plays MAPI against a provider (its allocators, its support object, the calls of a
//! logon in MAPI's order) and Outlook against the store it hands out (scenarios: the
//! store's properties, its folders and tables), checks MAPI's rules while it plays, and
//! reports each rule: passed, failed with what was seen, or not applicable. `RULES.md`
//! says where each rule comes from.
//!
//! ```no_run
//! use mapi_harness::{Config, Provider, Scenario};
//!
//! let config = Config::new(
//!     Provider::Library("target/debug/libmy_store.so".into()),
//!     b"\0\0\0\0my store".to_vec(), // the store entry identifier the profile holds
//!     "/tmp/profiles".into(),
//! );
//! let report = mapi_harness::run(config.only(Scenario::InboxContents));
//! print!("{}", report.to_text());
//! report.assert_passed();
//! ```
//!
//! The crate's README says how to use it as a command and in a provider's tests.
//!
//! - [`report`]: [`Rule`], [`Outcome`], [`Report`] (text and JSON, exit status);
//! - [`rules`]: the rules;
//! - [`alloc`]: the tracking allocators;
//! - [`support`]: the support object and profile sections;
//! - [`host`]: loading the provider and MAPI's order of calls ([`run`]);
//! - [`scenarios`]: what Outlook does, and the rules checked on the way.

#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names
#![warn(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

pub mod admin;
pub mod alloc;
mod changes;
pub mod host;
pub mod mapisvc;
mod named;
pub mod report;
pub mod rules;
pub mod scenarios;
pub mod service;
mod subobjects;
pub mod support;
mod unload;

pub use host::{run, Config, Provider};
pub use mapisvc::MapiSvc;
pub use report::{Outcome, Report, Rule};
pub use scenarios::Scenario;
pub use service::Service;
