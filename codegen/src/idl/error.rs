//! IDL errors: file, line and column, the offending line with a caret, and what was
//! expected.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlError {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The text of the offending line (empty for I/O errors).
    pub source_line: String,
}

impl fmt::Display for IdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        write!(
            f,
            "{pad}--> {}:{}:{}",
            self.path.display(),
            self.line,
            self.column
        )?;
        if self.source_line.is_empty() && self.line <= 1 && self.column <= 1 {
            return Ok(());
        }
        let caret = " ".repeat(self.column.saturating_sub(1));
        write!(
            f,
            "\n{pad} |\n{num} | {}\n{pad} | {caret}^",
            self.source_line
        )
    }
}

impl std::error::Error for IdlError {}
