//! Secrets a store keeps in its profile, protected for the user who logs on: Windows's
//! data protection API (DPAPI), `CryptProtectData` and `CryptUnprotectData` of
//! `crypt32.dll`, behind two safe functions. Windows only.
//!
//! - [`protect`] calls `CryptProtectData` with `CRYPTPROTECT_UI_FORBIDDEN` (never a
//!   dialog: a store runs inside Outlook, maybe on its sync thread) and without
//!   `CRYPTPROTECT_LOCAL_MACHINE`, so only the same user (on the same machine, or with a
//!   roaming profile) can unprotect the blob; the blob is opaque, self-describing (it
//!   names its own algorithms and the user's master key) and carries an integrity check,
//!   so a changed byte fails to unprotect.
//! - The `entropy` both take is DPAPI's "optional entropy": a value of the store's own
//!   that another program of the same user must also know to unprotect the blob.
//! - The output buffers DPAPI allocates are freed with `LocalFree`, as its pages say.
//!
//! The declarations are `windows-sys`'s (generated from Microsoft's metadata, the
//! runtime's dependency for events, code pages and the module pin), not the bindings' own:
//! `mapi_sync::sys` is generated from the MAPI headers, which do not declare DPAPI
//! (`dpapi.h`/`wincrypt.h`). Facts, with their Microsoft pages: `samples/imap-store/FACTS.md`
//! (its first user). Its unit test runs under Wine with the runtime's others.

use crate::sys;
use crate::{Error, Result};
use windows_sys::Win32::Foundation::LocalFree;
use windows_sys::Win32::Security::Cryptography::{
    CryptProtectData, CryptUnprotectData, CRYPTPROTECT_UI_FORBIDDEN, CRYPT_INTEGER_BLOB,
};

/// A blob DPAPI reads: `bytes`, borrowed (DPAPI takes `*mut` but does not write input).
fn input(bytes: &[u8]) -> Result<CRYPT_INTEGER_BLOB> {
    Ok(CRYPT_INTEGER_BLOB {
        cbData: u32::try_from(bytes.len()).map_err(|_| {
            Error::with_message(sys::MAPI_E_INVALID_PARAMETER, "a secret over 4 GB")
        })?,
        pbData: bytes.as_ptr().cast_mut(),
    })
}

/// Copies DPAPI's output out and frees it with `LocalFree`.
///
/// # Safety
/// `out` was filled by a successful `CryptProtectData` or `CryptUnprotectData`.
unsafe fn take(out: CRYPT_INTEGER_BLOB) -> Vec<u8> {
    let bytes = if out.pbData.is_null() {
        Vec::new()
    } else {
        // SAFETY: DPAPI's output: `cbData` readable bytes at `pbData` (the caller's
        // contract), copied before they are freed.
        unsafe { std::slice::from_raw_parts(out.pbData, out.cbData as usize) }.to_vec()
    };
    if !out.pbData.is_null() {
        // SAFETY: DPAPI allocated `pbData` with LocalAlloc; freed once, not used after.
        unsafe { LocalFree(out.pbData.cast()) };
    }
    bytes
}

/// `secret` protected for the current user (`CryptProtectData`, no UI), with `entropy`.
/// `MAPI_E_CALL_FAILED` with the system's error when DPAPI refuses.
pub fn protect(secret: &[u8], entropy: &[u8]) -> Result<Vec<u8>> {
    let (data, entropy) = (input(secret)?, input(entropy)?);
    let mut out = CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: std::ptr::null_mut(),
    };
    // SAFETY: `data` and `entropy` point at live slices for the call; no description,
    // no reserved pointer, no prompt structure (all may be null); `out` is writable.
    let ok = unsafe {
        CryptProtectData(
            &data,
            std::ptr::null(),
            &entropy,
            std::ptr::null(),
            std::ptr::null(),
            CRYPTPROTECT_UI_FORBIDDEN,
            &mut out,
        )
    };
    if ok == 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::with_message(
            sys::MAPI_E_CALL_FAILED,
            format!("CryptProtectData failed: {e}"),
        ));
    }
    // SAFETY: filled by a successful CryptProtectData.
    Ok(unsafe { take(out) })
}

/// The secret in `blob`, protected by [`protect`] with the same `entropy` for the same
/// user. `MAPI_E_CORRUPT_DATA` with the system's error when it cannot be unprotected (a
/// changed byte, another user's blob, other entropy); never the secret.
pub fn unprotect(blob: &[u8], entropy: &[u8]) -> Result<Vec<u8>> {
    let (data, entropy) = (input(blob)?, input(entropy)?);
    let mut out = CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: std::ptr::null_mut(),
    };
    // SAFETY: as in `protect`; no description asked for (null), `out` writable.
    let ok = unsafe {
        CryptUnprotectData(
            &data,
            std::ptr::null_mut(),
            &entropy,
            std::ptr::null(),
            std::ptr::null(),
            CRYPTPROTECT_UI_FORBIDDEN,
            &mut out,
        )
    };
    if ok == 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::with_message(
            sys::MAPI_E_CORRUPT_DATA,
            format!("CryptUnprotectData failed: {e}"),
        ));
    }
    // SAFETY: filled by a successful CryptUnprotectData.
    Ok(unsafe { take(out) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_comes_back_and_a_changed_blob_or_entropy_is_refused() {
        let blob = protect(b"s3cret-pw", b"entropy").unwrap();
        assert!(!blob.windows(9).any(|w| w == b"s3cret-pw"));
        assert_eq!(unprotect(&blob, b"entropy").unwrap(), b"s3cret-pw");
        let e = unprotect(&blob, b"other").unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            unprotect(&bad, b"entropy").unwrap_err().code(),
            sys::MAPI_E_CORRUPT_DATA
        );
    }
}
