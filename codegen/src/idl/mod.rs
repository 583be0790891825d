//! The IDL front end: the MIDL subset our IMAPISync IDL uses (import, cpp_quote,
//! typedef struct/enum, const, `[object, uuid(...), local] interface X : Base { ... }`,
//! `[in]`/`[out]`/`[in, out]` parameters), parsed into an [`IdlFile`] and lowered to a
//! C/C++ header by [`c_header`].
//!
//! Errors name file:line:column, show the line with a caret under the offending token,
//! and say what was expected.

mod ast;
mod cheader;
mod error;
mod lexer;
mod parser;

use std::path::Path;

pub use ast::*;
pub use cheader::{c_header, CHeaderOptions};
pub use error::IdlError;

/// Parses IDL source text; `path` is used in messages.
pub fn parse_str(path: &Path, src: &str) -> Result<IdlFile, IdlError> {
    parser::parse(path, src)
}

/// Reads and parses an IDL file.
pub fn parse_file(path: &Path) -> Result<IdlFile, IdlError> {
    let src = std::fs::read_to_string(path).map_err(|e| IdlError {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message: format!("cannot read the IDL file: {e}"),
        source_line: String::new(),
    })?;
    parse_str(path, &src)
}
