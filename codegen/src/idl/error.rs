//! The error type of the IDL front end: a message with the file, line and column it is
//! about and the text of that line, shown rustc-style with a caret.

use std::fmt;
use std::path::{Path, PathBuf};

/// A syntax or semantic error in an IDL file, or a failure to read it.
///
/// Displays as
///
/// ```text
/// error: expected `;` after method declaration, found `}`
///   --> headers/foo.idl:12:30
///    |
/// 12 |     HRESULT Foo([in] ULONG x)
///    |                              ^
/// ```
///
/// The gutter is as wide as the line number. Columns count characters from 1; a tab counts
/// as one column, is shown as is, and is repeated in the caret line so that the caret lines
/// up in a terminal. An error about the whole file (it cannot be read) has `line` and
/// `column` 0 and shows only the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlError {
    /// The file, as given to the parser.
    pub path: PathBuf,
    /// 1-based; 0 when the error is about the whole file.
    pub line: usize,
    /// 1-based, in characters; 0 when the error is about the whole file.
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
    /// The text of line `line` (without its line break); empty for whole-file errors.
    pub source_line: String,
}

impl IdlError {
    /// An error at `line`:`column` of `src`, which is the text of `path`.
    pub fn at(path: &Path, src: &str, line: usize, column: usize, message: String) -> IdlError {
        let source_line = src
            .split('\n')
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        IdlError {
            path: path.to_path_buf(),
            line,
            column,
            message,
            source_line,
        }
    }

    /// An error about the whole file, e.g. that it cannot be read.
    pub fn whole_file(path: &Path, message: String) -> IdlError {
        IdlError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message,
            source_line: String::new(),
        }
    }
}

impl fmt::Display for IdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line == 0 {
            return write!(f, "  --> {}", self.path.display());
        }
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(
            f,
            "{pad}--> {}:{}:{}",
            self.path.display(),
            self.line,
            self.column
        )?;
        writeln!(f, "{pad} |")?;
        if self.source_line.is_empty() {
            writeln!(f, "{num} |")?;
        } else {
            writeln!(f, "{num} | {}", self.source_line)?;
        }
        // Spaces under the text before the caret, tabs where the line has tabs.
        let lead: String = self
            .source_line
            .chars()
            .chain(std::iter::repeat(' '))
            .take(
                self.column
                    .saturating_sub(1)
                    .min(self.source_line.chars().count() + 1),
            )
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{pad} | {lead}^")
    }
}

impl std::error::Error for IdlError {}
