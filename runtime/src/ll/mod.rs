//! The raw side of MAPI, in one place (as fuser keeps the kernel's protocol in its `ll`):
//! MAPI's memory ([`mem`]), and checking, reading and writing the C structures a host hands
//! in or gets back. The safe views over them are `crate::props`'; the COM object's own
//! memory is `crate::com`'s.

pub(crate) mod codepage;
pub(crate) mod entry_id;
pub(crate) mod mapi_error;
pub mod mem;
pub mod out;
pub(crate) mod prop_value;
pub(crate) mod row_set;
pub(crate) mod slice;
pub(crate) mod tags;
