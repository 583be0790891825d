//! [`Error`] and [`Result`] over `HRESULT`, with MAPI's names for the codes.

use std::fmt;

use crate::sys::HRESULT;

/// `Result<T, mapi_sync::Error>`.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// A failed (or, for `IMAPISyncProgressCallback::Error`, warning) `HRESULT`, with an
/// optional text for the user.
///
/// `Display` and `Debug` name the code when it is a MAPI or COM code this crate knows
/// (`MAPI_E_NETWORK_ERROR (0x80040115)`); see [`hresult_name`].
///
/// When a [`SyncProvider`](crate::SyncProvider) returns `Err(e)`, Outlook is told
/// `Error(e.code(), text)` and then `Done(event, e.code())`, where `text` is
/// [`message`](Error::message) if there is one and the code's name otherwise.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Error {
    code: HRESULT,
    message: Option<Box<str>>,
}

impl Error {
    /// An error with this code and no text.
    ///
    /// Any `HRESULT` is kept as it is, including success and warning codes (MAPI's
    /// `MAPI_W_*` are positive), since `IMAPISyncProgressCallback::Error` reports
    /// warnings too.
    pub const fn new(code: HRESULT) -> Error {
        Error {
            code,
            message: None,
        }
    }

    /// An error with this code and a text to show to the user.
    pub fn with_message(code: HRESULT, message: impl Into<String>) -> Error {
        Error {
            code,
            message: Some(message.into().into_boxed_str()),
        }
    }

    /// The `HRESULT`.
    pub const fn code(&self) -> HRESULT {
        self.code
    }

    /// The text given with [`with_message`](Error::with_message), if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The code's name (`"MAPI_E_NETWORK_ERROR"`), if this crate knows it.
    pub fn name(&self) -> Option<&'static str> {
        hresult_name(self.code)
    }

    /// The text reported to Outlook: the message, else the name, else the code in hex.
    pub fn text(&self) -> String {
        match (&self.message, self.name()) {
            (Some(m), _) => m.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => format!("HRESULT 0x{:08X}", self.code as u32),
        }
    }

    /// This error as a `MAPIERROR` for `GetLastError` (Microsoft, "MAPIERROR"): its
    /// [`text`](Error::text) and `component` (the provider's name), strings in the
    /// character set `flags` asks for (`MAPI_UNICODE`: UTF-16, else the ANSI code page),
    /// in one buffer from `allocators` that the caller frees with `MAPIFreeBuffer`.
    pub fn to_mapi_error(
        &self,
        allocators: crate::mem::Allocators,
        component: &str,
        flags: crate::sys::ULONG,
    ) -> Result<crate::mem::Buffer> {
        crate::ll::mapi_error::write(allocators, &self.text(), component, flags)
    }
}

/// `Ok(hr)` for a success or warning code (`hr >= 0`), `Err(Error::new(hr))` for a failure.
///
/// ```
/// use mapi_sync::{check, sys};
/// assert_eq!(check(sys::S_OK), Ok(sys::S_OK));
/// assert_eq!(check(sys::MAPI_E_NOT_FOUND).unwrap_err().name(), Some("MAPI_E_NOT_FOUND"));
/// ```
pub fn check(hr: HRESULT) -> Result<HRESULT> {
    if hr >= 0 {
        Ok(hr)
    } else {
        Err(Error::new(hr))
    }
}

impl From<HRESULT> for Error {
    fn from(code: HRESULT) -> Error {
        Error::new(code)
    }
}

impl From<Error> for HRESULT {
    fn from(e: Error) -> HRESULT {
        e.code
    }
}

struct Code(HRESULT);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match hresult_name(self.0) {
            Some(name) => write!(f, "{name} (0x{:08X})", self.0 as u32),
            None => write!(f, "HRESULT 0x{:08X}", self.0 as u32),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}: {m}", Code(self.code)),
            None => write!(f, "{}", Code(self.code)),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("code", &format_args!("{}", Code(self.code)));
        if let Some(m) = &self.message {
            s.field("message", m);
        }
        s.finish()
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// The closest MAPI code, with the error's text: `MAPI_E_NOT_FOUND` for a missing
    /// file, `MAPI_E_NO_ACCESS` for a denied one, `MAPI_E_TIMEOUT`,
    /// `MAPI_E_NOT_ENOUGH_MEMORY`, `MAPI_E_NETWORK_ERROR` for a refused, reset, aborted or
    /// missing connection, and `MAPI_E_CALL_FAILED` for the rest.
    fn from(e: std::io::Error) -> Error {
        use std::io::ErrorKind as K;
        let code = match e.kind() {
            K::NotFound => crate::sys::MAPI_E_NOT_FOUND,
            K::PermissionDenied => crate::sys::MAPI_E_NO_ACCESS,
            K::TimedOut => crate::sys::MAPI_E_TIMEOUT,
            K::OutOfMemory => crate::sys::MAPI_E_NOT_ENOUGH_MEMORY,
            K::ConnectionRefused | K::ConnectionReset | K::ConnectionAborted | K::NotConnected => {
                crate::sys::MAPI_E_NETWORK_ERROR
            }
            _ => crate::sys::MAPI_E_CALL_FAILED,
        };
        Error::with_message(code, e.to_string())
    }
}

/// `.mapi(code)?`: turns any error (or a `None`) into an [`Error`] with this code and the
/// error's text, for `?` inside [`SyncProvider::synchronize`](crate::SyncProvider).
///
/// ```
/// use mapi_sync::{sys, MapiContext};
///
/// fn parse(text: &str) -> mapi_sync::Result<u32> {
///     text.trim().parse::<u32>().mapi(sys::MAPI_E_CORRUPT_DATA)
/// }
/// let e = parse("x").unwrap_err();
/// assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
/// assert_eq!(e.message(), Some("invalid digit found in string"));
/// assert_eq!(None::<u32>.mapi(sys::MAPI_E_NOT_FOUND).unwrap_err().code(), sys::MAPI_E_NOT_FOUND);
/// ```
pub trait MapiContext<T> {
    /// `Err(e)` becomes `Error::with_message(code, e.to_string())`; `None` becomes
    /// `Error::new(code)`.
    fn mapi(self, code: HRESULT) -> Result<T>;
}

impl<T, E: fmt::Display> MapiContext<T> for core::result::Result<T, E> {
    fn mapi(self, code: HRESULT) -> Result<T> {
        self.map_err(|e| Error::with_message(code, e.to_string()))
    }
}

impl<T> MapiContext<T> for Option<T> {
    fn mapi(self, code: HRESULT) -> Result<T> {
        self.ok_or(Error::new(code))
    }
}

/// Builds the name table from constant names: each value comes from the generated
/// bindings, so a misspelt name does not compile.
macro_rules! names {
    ($($name:ident),* $(,)?) => {
        /// (code, name) pairs; where two names share a code, the first one listed wins.
        const NAMES: &[(HRESULT, &str)] = &[$((crate::sys::$name, stringify!($name))),*];
    };
}

// The MAPI names first, so that a code both MAPI and COM name (0x80004002 is
// MAPI_E_INTERFACE_NOT_SUPPORTED and E_NOINTERFACE) shows as MAPI's.
names![
    S_OK,
    MAPI_E_ACCOUNT_DISABLED,
    MAPI_E_AMBIGUOUS_RECIP,
    MAPI_E_BAD_CHARWIDTH,
    MAPI_E_BAD_COLUMN,
    MAPI_E_BAD_VALUE,
    MAPI_E_BUSY,
    MAPI_E_CALL_FAILED,
    MAPI_E_CANCEL,
    MAPI_E_COLLISION,
    MAPI_E_COMPUTED,
    MAPI_E_CORRUPT_DATA,
    MAPI_E_CORRUPT_STORE,
    MAPI_E_DECLINE_COPY,
    MAPI_E_DISK_ERROR,
    MAPI_E_END_OF_SESSION,
    MAPI_E_EXTENDED_ERROR,
    MAPI_E_FAILONEPROVIDER,
    MAPI_E_FOLDER_CYCLE,
    MAPI_E_HAS_FOLDERS,
    MAPI_E_HAS_MESSAGES,
    MAPI_E_INTERFACE_NOT_SUPPORTED,
    MAPI_E_INVALID_ACCESS_TIME,
    MAPI_E_INVALID_BOOKMARK,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_INVALID_OBJECT,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_INVALID_TYPE,
    MAPI_E_INVALID_WORKSTATION_ACCOUNT,
    MAPI_E_LOGON_FAILED,
    MAPI_E_MISSING_REQUIRED_COLUMN,
    MAPI_E_NETWORK_ERROR,
    MAPI_E_NON_STANDARD,
    MAPI_E_NOT_ENOUGH_DISK,
    MAPI_E_NOT_ENOUGH_MEMORY,
    MAPI_E_NOT_ENOUGH_RESOURCES,
    MAPI_E_NOT_FOUND,
    MAPI_E_NOT_INITIALIZED,
    MAPI_E_NOT_IN_QUEUE,
    MAPI_E_NOT_ME,
    MAPI_E_NO_ACCESS,
    MAPI_E_NO_RECIPIENTS,
    MAPI_E_NO_SUPPORT,
    MAPI_E_NO_SUPPRESS,
    MAPI_E_OBJECT_CHANGED,
    MAPI_E_OBJECT_DELETED,
    MAPI_E_PASSWORD_CHANGE_REQUIRED,
    MAPI_E_PASSWORD_EXPIRED,
    MAPI_E_SESSION_LIMIT,
    MAPI_E_STRING_TOO_LONG,
    MAPI_E_SUBMITTED,
    MAPI_E_TABLE_EMPTY,
    MAPI_E_TABLE_TOO_BIG,
    MAPI_E_TIMEOUT,
    MAPI_E_TOO_BIG,
    MAPI_E_TOO_COMPLEX,
    MAPI_E_TYPE_NO_SUPPORT,
    MAPI_E_UNABLE_TO_ABORT,
    MAPI_E_UNABLE_TO_COMPLETE,
    MAPI_E_UNCONFIGURED,
    MAPI_E_UNEXPECTED_ID,
    MAPI_E_UNEXPECTED_TYPE,
    MAPI_E_UNKNOWN_CPID,
    MAPI_E_UNKNOWN_ENTRYID,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_UNKNOWN_LCID,
    MAPI_E_USER_CANCEL,
    MAPI_E_VERSION,
    MAPI_E_WAIT,
    MAPI_W_APPROX_COUNT,
    MAPI_W_CANCEL_MESSAGE,
    MAPI_W_ERRORS_RETURNED,
    MAPI_W_NO_SERVICE,
    MAPI_W_PARTIAL_COMPLETION,
    MAPI_W_POSITION_CHANGED,
    E_NOINTERFACE,
    E_POINTER,
    E_UNEXPECTED,
];

/// The name of a MAPI or COM `HRESULT` (`MAPI_E_*`, `MAPI_W_*`, `S_OK`, `E_POINTER`,
/// `E_UNEXPECTED`), or `None` for a code this crate does not name.
///
/// ```
/// use mapi_sync::{hresult_name, sys};
/// assert_eq!(hresult_name(sys::MAPI_E_USER_CANCEL), Some("MAPI_E_USER_CANCEL"));
/// assert_eq!(hresult_name(0x8000_4002_u32 as i32), Some("MAPI_E_INTERFACE_NOT_SUPPORTED"));
/// assert_eq!(hresult_name(0x8123_4567_u32 as i32), None);
/// ```
pub fn hresult_name(hr: HRESULT) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(code, _)| *code == hr)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;

    #[test]
    fn display_and_debug_name_the_code() {
        let e = Error::new(sys::MAPI_E_NETWORK_ERROR);
        assert_eq!(e.to_string(), "MAPI_E_NETWORK_ERROR (0x80040115)");
        assert_eq!(
            format!("{e:?}"),
            "Error { code: MAPI_E_NETWORK_ERROR (0x80040115) }"
        );
        let e = Error::with_message(sys::MAPI_E_LOGON_FAILED, "wrong password");
        assert_eq!(
            e.to_string(),
            "MAPI_E_LOGON_FAILED (0x80040111): wrong password"
        );
        assert_eq!(
            format!("{e:?}"),
            "Error { code: MAPI_E_LOGON_FAILED (0x80040111), message: \"wrong password\" }"
        );
        assert_eq!(e.text(), "wrong password");
        let e = Error::new(0x8123_4567_u32 as HRESULT);
        assert_eq!(e.to_string(), "HRESULT 0x81234567");
        assert_eq!(e.text(), "HRESULT 0x81234567");
        assert_eq!(Error::new(sys::E_UNEXPECTED).text(), "E_UNEXPECTED");
    }

    #[test]
    fn io_errors_keep_their_text_and_get_a_mapi_code() {
        use std::io::{Error as IoError, ErrorKind};
        let e: Error = IoError::new(ErrorKind::NotFound, "inbox/1.eml").into();
        assert_eq!(e.code(), crate::sys::MAPI_E_NOT_FOUND);
        assert_eq!(e.message(), Some("inbox/1.eml"));
        let e: Error = IoError::from(ErrorKind::ConnectionReset).into();
        assert_eq!(e.code(), crate::sys::MAPI_E_NETWORK_ERROR);
        let e: Error = IoError::from(ErrorKind::InvalidData).into();
        assert_eq!(e.code(), crate::sys::MAPI_E_CALL_FAILED);
        fn read() -> Result<String> {
            Ok(std::fs::read_to_string("/nonexistent/mapi-sync")?)
        }
        assert_eq!(read().unwrap_err().code(), crate::sys::MAPI_E_NOT_FOUND);
    }

    #[test]
    fn conversions() {
        let e: Error = sys::MAPI_E_BUSY.into();
        assert_eq!(e.code(), sys::MAPI_E_BUSY);
        let hr: HRESULT = e.into();
        assert_eq!(hr, sys::MAPI_E_BUSY);
        assert_eq!(
            check(sys::MAPI_W_ERRORS_RETURNED),
            Ok(sys::MAPI_W_ERRORS_RETURNED)
        );
        assert_eq!(check(sys::MAPI_E_BUSY), Err(Error::new(sys::MAPI_E_BUSY)));
    }

    /// Every MAPI_E_/MAPI_W_ constant the generator emits has a name in the table, so the
    /// table cannot silently fall behind the headers.
    #[test]
    fn table_covers_every_generated_mapi_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/generated/src/mapicode.rs");
        let Ok(src) = std::fs::read_to_string(path) else {
            // Not in a packaged crate; the workspace always has it.
            return;
        };
        let mut missing = Vec::new();
        for line in src.lines() {
            let Some(rest) = line.trim().strip_prefix("pub const ") else {
                continue;
            };
            let name = rest.split(':').next().unwrap_or("").trim();
            if (name.starts_with("MAPI_E_") || name.starts_with("MAPI_W_"))
                && !NAMES.iter().any(|(_, n)| *n == name)
            {
                missing.push(name.to_string());
            }
        }
        assert!(missing.is_empty(), "add to the names! list: {missing:?}");
    }
}
