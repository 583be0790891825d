//! The generator's error type: one message that says what went wrong and what to do.

use std::fmt;

/// An error from any stage of the generator. Its `Display` is the whole message shown to
/// the user.
#[derive(Debug)]
pub struct Error {
    message: String,
}

impl Error {
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// An error at a place in a file: `path:line:column: message`.
    pub fn at(
        path: &std::path::Path,
        line: usize,
        column: usize,
        message: impl fmt::Display,
    ) -> Self {
        Error::msg(format!("{}:{line}:{column}: {message}", path.display()))
    }

    /// Adds context in front of the message.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Error::msg(format!("{what}: {}", self.message))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The IDL error as it displays, without its own `error: ` in front (the command line
/// puts one there).
impl From<crate::idl::IdlError> for Error {
    fn from(e: crate::idl::IdlError) -> Self {
        let shown = e.to_string();
        Error::msg(shown.strip_prefix("error: ").unwrap_or(&shown))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
