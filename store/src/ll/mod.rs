//! The raw side of the store framework, in one place: the MAPI objects on the engine and
//! the backend, and reading the C structures their callers hand in (restrictions, sort
//! orders). The only module of this crate with `unsafe` code; everything it calls is
//! safe.

pub(crate) mod restriction;
pub(crate) mod sort;
pub mod table;
