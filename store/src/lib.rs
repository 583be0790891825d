//! The store framework of `mapi-sync` (work in progress): its table engine.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod table;
