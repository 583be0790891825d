//! `[out]` parameters: checked once, written once.
//!
//! COM's rule for them (Microsoft, "The Rules of the Component Object Model"; MAPI's
//! methods follow it): a null out-pointer is the caller's error
//! (`MAPI_E_INVALID_PARAMETER` in MAPI), and an out-pointer that receives an interface or
//! a buffer is set to NULL on every failure, so a caller never frees what it was not
//! given. [`Out`] is such a pointer once checked: writing it is safe.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::sys::{self, Interface, InterfacePtr};
use crate::{Error, Result};

/// A caller's non-null, writable `[out]` pointer, for the duration of the call (`'a`).
#[derive(Debug)]
pub struct Out<'a, T> {
    place: NonNull<T>,
    _call: PhantomData<&'a mut T>,
}

impl<'a, T> Out<'a, T> {
    /// Checks `p`: `MAPI_E_INVALID_PARAMETER` if it is null.
    ///
    /// # Safety
    /// `p` must be null or writable for `'a` (the caller's contract for an `[out]`
    /// parameter); what it points at need not be initialized.
    pub unsafe fn new(p: *mut T) -> Result<Out<'a, T>> {
        match NonNull::new(p) {
            Some(place) => Ok(Out {
                place,
                _call: PhantomData,
            }),
            None => Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a null [out] pointer",
            )),
        }
    }

    /// Stores `value` (the previous contents are not read or dropped).
    pub fn write(&mut self, value: T) {
        // SAFETY: non-null and writable for 'a (`new`'s contract); `&mut self` makes
        // the writes one at a time.
        unsafe { self.place.as_ptr().write(value) }
    }
}

impl<T> Out<'_, *mut T> {
    /// Stores NULL: what an out-pointer holds after a failure.
    pub fn clear(&mut self) {
        self.write(std::ptr::null_mut());
    }
}

impl<I: Interface> Out<'_, InterfacePtr<I>> {
    /// Stores a null interface pointer: what an interface out-pointer holds after a
    /// failure.
    pub fn clear(&mut self) {
        self.write(InterfacePtr::null());
    }
}
