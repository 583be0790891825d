//! The error type of the IDL front end: the generator's [`Diagnostic`], a message with
//! the file, line and column it is about and the text of that line, shown rustc-style
//! with a caret.

pub use crate::error::Diagnostic as IdlError;
