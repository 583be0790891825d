//! [`Progress`]: the safe side of Outlook's `IMAPISyncProgressCallback`.

use crate::sys::{self, ComInterface, IMAPISyncProgressCallback, Interface, HANDLE, HRESULT};
use crate::{check, Error, Result};

/// Reports a synchronization's progress and errors to Outlook's Send/Receive dialog
/// through the `IMAPISyncProgressCallback` it passed in `MAPISIB::punkCallBack`.
///
/// A `Progress` may be *disconnected* (the caller passed no callback): then every call
/// does nothing and succeeds.
///
/// Texts are converted to NUL-terminated UTF-16; the receiver reads up to the first NUL,
/// so a text containing `'\0'` is cut there.
pub struct Progress {
    callback: Option<IMAPISyncProgressCallback>,
}

impl Progress {
    /// A `Progress` that reports to `callback`.
    pub fn new(callback: IMAPISyncProgressCallback) -> Progress {
        Progress {
            callback: Some(callback),
        }
    }

    /// A disconnected `Progress`: every call does nothing.
    pub fn disconnected() -> Progress {
        Progress { callback: None }
    }

    /// Asks `punk` for `IMAPISyncProgressCallback`, as `SynchronizeInBackground` does with
    /// `MAPISIB::punkCallBack`: a null `punk` gives a disconnected `Progress`; an object that
    /// does not answer gives `MAPI_E_INVALID_PARAMETER`.
    ///
    /// # Safety
    /// `punk` must be null or a live COM interface pointer.
    pub unsafe fn from_unknown(punk: sys::LPUNKNOWN) -> Result<Progress> {
        // SAFETY: `punk` is null or live for this call (caller's contract).
        match unsafe { punk.get() } {
            None => Ok(Progress::disconnected()),
            Some(unknown) => match unknown.cast::<IMAPISyncProgressCallback>() {
                Ok(callback) => Ok(Progress::new(callback)),
                Err(_) => Err(Error::with_message(
                    sys::MAPI_E_INVALID_PARAMETER,
                    "punkCallBack does not implement IMAPISyncProgressCallback",
                )),
            },
        }
    }

    /// Whether there is a callback to report to.
    pub fn is_connected(&self) -> bool {
        self.callback.is_some()
    }

    /// The callback, if any.
    pub fn callback(&self) -> Option<&IMAPISyncProgressCallback> {
        self.callback.as_ref()
    }

    /// `Progress(text, index, max)`: moves the dialog's bar to `index` of `max` and shows
    /// `text`; with `None` the bar moves and the text stays.
    ///
    /// A failure the callback returns (Outlook returns one when the user cancels) comes back
    /// as `Err`, so `progress.step(..)?` stops the synchronization.
    ///
    /// `text` is any string (`&str`, `String`, `&String`, `format!(..)`), an
    /// `Option<&str>`, or `None`.
    pub fn step(&self, text: impl StepText, index: u32, max: u32) -> Result<()> {
        let Some(cb) = &self.callback else {
            return Ok(());
        };
        let wide = text.text().map(to_wide);
        let ptr = wide.as_ref().map_or(std::ptr::null(), |w| w.as_ptr());
        // SAFETY: `cb` is a live callback; `ptr` is null or a NUL-terminated UTF-16 string
        // that outlives the call.
        check(unsafe { cb.Progress(ptr, index, max) }).map(drop)
    }

    /// `Error(error.code(), error.text())`: shows an error or warning in the dialog without
    /// ending the synchronization.
    pub fn error(&self, error: &Error) -> Result<()> {
        self.report(error.code(), &error.text())
    }

    /// `Error(code, text)` with an explicit code and text.
    pub fn report(&self, code: HRESULT, text: &str) -> Result<()> {
        let Some(cb) = &self.callback else {
            return Ok(());
        };
        let wide = to_wide(text);
        // SAFETY: `cb` is live; `wide` is NUL-terminated and outlives the call.
        check(unsafe { cb.Error(code, wide.as_ptr()) }).map(drop)
    }

    /// `Done(event, hr)`, then releases the callback. Consuming `self` makes it once per
    /// `Progress`. The background thread started by the default `SynchronizeInBackground`
    /// calls it for you; only raw-mode providers need it.
    ///
    /// # Safety
    /// `event` must be null or the handle that was stored in `*phSyncDoneEvent` for this
    /// synchronization: Outlook takes it back and closes it.
    pub unsafe fn done(self, event: HANDLE, hr: HRESULT) -> Result<()> {
        let Some(cb) = self.callback else {
            return Ok(());
        };
        // SAFETY: `cb` is live; `event` is the caller's handle to hand back (contract).
        check(unsafe { cb.Done(event, hr) }).map(drop)
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("callback", &self.callback.as_ref().map(|c| c.as_raw()))
            .finish()
    }
}

/// What [`Progress::step`] accepts as its text: a string, or an optional one (`None`
/// moves the bar and keeps the text).
pub trait StepText {
    /// The text, if any.
    fn text(&self) -> Option<&str>;
}

impl StepText for &str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl StepText for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl StepText for &String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl StepText for std::borrow::Cow<'_, str> {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl StepText for Option<&str> {
    fn text(&self) -> Option<&str> {
        *self
    }
}

/// NUL-terminated UTF-16.
pub(crate) fn to_wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_strings_are_nul_terminated_utf16() {
        assert_eq!(to_wide(""), [0]);
        assert_eq!(to_wide("Aé€𝄞"), [0x41, 0xE9, 0x20AC, 0xD834, 0xDD1E, 0]);
    }

    #[test]
    fn disconnected_progress_accepts_everything() {
        let p = Progress::disconnected();
        assert!(!p.is_connected());
        assert_eq!(p.step("x", 1, 2), Ok(()));
        assert_eq!(p.step(None, 1, 2), Ok(()));
        let owned = format!("folder {}", 1);
        assert_eq!(p.step(&owned, 1, 2), Ok(()));
        assert_eq!(p.step(owned, 1, 2), Ok(()));
        assert_eq!(p.step(Some("x"), 1, 2), Ok(()));
        assert_eq!(p.error(&Error::new(sys::MAPI_E_BUSY)), Ok(()));
        // SAFETY: null is allowed.
        assert_eq!(unsafe { p.done(std::ptr::null_mut(), 0) }, Ok(()));
        // SAFETY: null is allowed.
        assert!(
            !unsafe { Progress::from_unknown(sys::InterfacePtr::null()) }
                .unwrap()
                .is_connected()
        );
    }
}
