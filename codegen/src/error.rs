//! The generator's error type: one message that says what went wrong and what to do; and
//! the one diagnostic type of the IDL and clang stages, a message at a place in a file.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error from any stage of the generator. Its `Display` is the whole message shown to
/// the user.
#[derive(Debug)]
pub struct Error {
    message: String,
    /// The C compiler's errors, when this error reports the headers not compiling.
    compiler: Vec<Diagnostic>,
}

impl Error {
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            compiler: Vec::new(),
        }
    }

    /// An error that reports the C compiler's `diagnostics` (as its message quotes them).
    pub fn compiler(message: impl Into<String>, diagnostics: Vec<Diagnostic>) -> Self {
        Error {
            message: message.into(),
            compiler: diagnostics,
        }
    }

    /// The C compiler's errors this error reports (none if it reports no compile).
    pub fn compiler_diagnostics(&self) -> &[Diagnostic] {
        &self.compiler
    }

    /// An error at a place in a file: `path:line:column: message`.
    pub fn at(path: &Path, line: usize, column: usize, message: impl fmt::Display) -> Self {
        Error::msg(format!("{}:{line}:{column}: {message}", path.display()))
    }

    /// Adds a line after the message (what it reports stays the same).
    pub fn note(self, more: impl fmt::Display) -> Self {
        Error {
            message: format!("{}\n  {more}", self.message),
            compiler: self.compiler,
        }
    }

    /// Adds context in front of the message.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Error {
            message: format!("{what}: {}", self.message),
            compiler: self.compiler,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The diagnostic as it displays, without its own `error: ` in front (the command line
/// puts one there).
impl From<Diagnostic> for Error {
    fn from(e: Diagnostic) -> Self {
        let shown = e.to_string();
        Error::msg(shown.strip_prefix("error: ").unwrap_or(&shown))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message about a place in a file: a syntax or semantic error in an IDL file (or a
/// failure to read it), or a C compiler's error diagnostic on the headers (libclang's, at
/// its presumed location: where `#line` directives put it).
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
pub struct Diagnostic {
    /// The file, as given to the parser (or as the compiler presumes it).
    pub path: PathBuf,
    /// 1-based; 0 when the error is about the whole file.
    pub line: usize,
    /// 1-based, in characters; 0 when the error is about the whole file.
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
    /// The text of line `line` (without its line break); empty for whole-file errors and
    /// for the compiler's.
    pub source_line: String,
    /// `error`, or the compiler's `fatal error`.
    pub severity: &'static str,
}

impl Diagnostic {
    /// An error at `line`:`column` of `src`, which is the text of `path`.
    pub fn at(path: &Path, src: &str, line: usize, column: usize, message: String) -> Self {
        let source_line = src
            .split('\n')
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        Diagnostic {
            path: path.to_path_buf(),
            line,
            column,
            message,
            source_line,
            severity: "error",
        }
    }

    /// An error about the whole file, e.g. that it cannot be read.
    pub fn whole_file(path: &Path, message: String) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message,
            source_line: String::new(),
            severity: "error",
        }
    }

    /// A C compiler's diagnostic at `path:line:column` (no source line).
    pub fn compiler(
        path: impl Into<PathBuf>,
        line: usize,
        column: usize,
        severity: &'static str,
        message: String,
    ) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            column,
            message,
            source_line: String::new(),
            severity,
        }
    }

    /// On one line, as a C compiler prints it: `path:line:column: error: message` (or
    /// `error: message` with no place).
    pub fn one_line(&self) -> String {
        let (severity, message) = (self.severity, &self.message);
        if self.path.as_os_str().is_empty() {
            return format!("{severity}: {message}");
        }
        format!(
            "{}:{}:{}: {severity}: {message}",
            self.path.display(),
            self.line,
            self.column
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity, self.message)?;
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

impl std::error::Error for Diagnostic {}
