//! `mapi-harness`: a MAPI host for testing store providers.
//!
//! It plays MAPI against a provider (its allocators, its support object, the calls of a
//! logon in MAPI's order) and Outlook against the store it hands out (scenarios: the
//! store's properties, its folders and tables), checks MAPI's rules while it plays, and
//! reports each rule: passed, failed with what was seen, or not applicable. `RULES.md`
//! says where each rule comes from.
//!
//! - [`report`]: [`Rule`], [`Outcome`], [`Report`] (text and JSON, exit status);
//! - [`rules`]: the rules;
//! - [`alloc`]: the tracking allocators.

#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names
#![warn(unsafe_op_in_unsafe_fn)]

pub mod alloc;
pub mod report;
pub mod rules;
pub mod support;

pub use report::{Outcome, Report, Rule};
