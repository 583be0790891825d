//! The IMAP password as the profile keeps it: protected for the user, never in clear.
//!
//! The service entry ([`protect_password`](crate::protect_password)) replaces the
//! password it is given with [`protect`]'s bytes before anything is written; each logon
//! reads them back with [`unprotect`]. Bytes that do not unprotect (changed, or another
//! user's) are an error naming the setting, never the password.
//!
//! - **Windows**: DPAPI, `CryptProtectData` for the current user without UI
//!   (`mapi_sync::dpapi`, in the runtime, where the project keeps its `unsafe` code;
//!   this crate has none). The bytes are DPAPI's blob as it is; [`ENTROPY`] is its optional entropy.
//! - **Elsewhere** (Linux test hosts): no DPAPI, so its equivalent the tests can check: a
//!   32-byte random key in [`KEY_FILE`] in the Maildir's folder, made once with mode
//!   `0600` (readable by its owner only; a key file others can read is refused), and
//!   ChaCha20-Poly1305 (RFC 8439) through `ring`'s AEAD. The bytes are [`MAGIC`], a random
//!   12-byte nonce, then the sealed password and its 16-byte tag; the additional data is
//!   [`MAGIC`], so a changed byte anywhere fails the tag. `ring` over the RustCrypto
//!   `chacha20poly1305` crate because rustls already builds it for this crate (its AEAD
//!   and its random generator, the operating system's): no crate and no build time added.
//!   As with DPAPI, what protects the password is the user's own access: whoever can read
//!   the key file can read the password.

use std::path::Path;

use mapi_sync::sys;
use mapi_sync::{Error, Result};

/// DPAPI's optional entropy for the password (Windows).
pub const ENTROPY: &[u8] = b"mapi-sync imap-store password";

/// What protected bytes begin with off Windows (and their additional data).
pub const MAGIC: &[u8] = b"imap-store secret 1\0";

/// The key's file in the Maildir's folder (off Windows).
pub const KEY_FILE: &str = "imap-store.key";

/// `password` protected for the user of the Maildir at `maildir` (off Windows, whose key
/// file is made there if missing, and the folder with it).
pub fn protect(password: &str, maildir: &Path) -> Result<Vec<u8>> {
    imp::protect(password.as_bytes(), maildir)
}

/// The password in `bytes` made by [`protect`] for the same Maildir (and user).
/// `MAPI_E_CORRUPT_DATA` saying why when they do not unprotect.
pub fn unprotect(bytes: &[u8], maildir: &Path) -> Result<String> {
    let clear = imp::unprotect(bytes, maildir)?;
    String::from_utf8(clear).map_err(|_| {
        Error::with_message(sys::MAPI_E_CORRUPT_DATA, "the password is not UTF-8 text")
    })
}

#[cfg(windows)]
mod imp {
    use super::*;

    pub fn protect(secret: &[u8], _maildir: &Path) -> Result<Vec<u8>> {
        mapi_sync::dpapi::protect(secret, ENTROPY)
    }

    pub fn unprotect(bytes: &[u8], _maildir: &Path) -> Result<Vec<u8>> {
        mapi_sync::dpapi::unprotect(bytes, ENTROPY)
    }
}

#[cfg(not(windows))]
mod imp {
    use super::*;
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
    use ring::rand::{SecureRandom, SystemRandom};
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn corrupt(why: impl std::fmt::Display) -> Error {
        Error::with_message(sys::MAPI_E_CORRUPT_DATA, why.to_string())
    }

    fn disk(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::with_message(sys::MAPI_E_DISK_ERROR, format!("{}: {e}", path.display()))
    }

    /// The key of `maildir`, made (with its folder) when `make` and missing.
    fn key(maildir: &Path, make: bool) -> Result<LessSafeKey> {
        let path = maildir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => {
                let mode = std::fs::metadata(&path)
                    .map_err(|e| disk(&path, e))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(disk(
                        &path,
                        format!(
                            "the password's key is readable by other users (mode {:o}); \
                             make it 0600",
                            mode & 0o777
                        ),
                    ));
                }
                b
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && make => {
                std::fs::create_dir_all(maildir).map_err(|e| disk(maildir, e))?;
                let mut fresh = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut fresh)
                    .map_err(|_| disk(&path, "no random numbers from the system"))?;
                // tempfile makes the file with mode 0600; it is renamed in whole, and a
                // key another process made first is kept.
                let mut tmp =
                    tempfile::NamedTempFile::new_in(maildir).map_err(|e| disk(maildir, e))?;
                tmp.write_all(&fresh).map_err(|e| disk(&path, e))?;
                match tmp.persist_noclobber(&path) {
                    Ok(_) => fresh.to_vec(),
                    Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                        return key(maildir, false)
                    }
                    Err(e) => return Err(disk(&path, e.error)),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(corrupt(format!(
                    "{}: the password's key is missing",
                    path.display()
                )))
            }
            Err(e) => return Err(disk(&path, e)),
        };
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| {
            corrupt(format!(
                "{}: the password's key is not 32 bytes",
                path.display()
            ))
        })?;
        Ok(LessSafeKey::new(unbound))
    }

    pub fn protect(secret: &[u8], maildir: &Path) -> Result<Vec<u8>> {
        let key = key(maildir, true)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| corrupt("no random numbers from the system"))?;
        let mut sealed = secret.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(MAGIC),
            &mut sealed,
        )
        .map_err(|_| corrupt("the password could not be sealed"))?;
        Ok([MAGIC, &nonce, &sealed].concat())
    }

    pub fn unprotect(bytes: &[u8], maildir: &Path) -> Result<Vec<u8>> {
        let rest = bytes
            .strip_prefix(MAGIC)
            .filter(|r| r.len() >= NONCE_LEN + CHACHA20_POLY1305.tag_len())
            .ok_or_else(|| corrupt("not a protected password (its header is wrong)"))?;
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| corrupt("not a protected password (its nonce is wrong)"))?;
        let key = key(maildir, false)?;
        let mut sealed = sealed.to_vec();
        let len = key
            .open_in_place(nonce, Aad::from(MAGIC), &mut sealed)
            .map_err(|_| {
                corrupt(format!(
                    "the protected password does not open with the key in {} (changed, or \
                     protected with another key)",
                    maildir.join(KEY_FILE).display()
                ))
            })?
            .len();
        sealed.truncate(len);
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_comes_back_and_holds_no_trace_of_itself() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("mail");
        let bytes = protect("s3cret-pw", &md).unwrap();
        assert!(!bytes.windows(9).any(|w| w == b"s3cret-pw"));
        // A fresh nonce each time.
        assert_ne!(bytes, protect("s3cret-pw", &md).unwrap());
        assert_eq!(unprotect(&bytes, &md).unwrap(), "s3cret-pw");
    }

    #[test]
    fn changed_bytes_are_refused_without_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("mail");
        let bytes = protect("s3cret-pw", &md).unwrap();
        // The first byte, one inside the sealed password and the last (DPAPI's blob: its
        // version, its data and its signature; Wine's DPAPI does not check every header
        // field, see FACTS.md).
        for i in [0, bytes.len() - 30, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            let e = unprotect(&bad, &md).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA, "{e}");
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
        assert!(unprotect(&bytes[..10], &md).is_err());
    }

    #[cfg(not(windows))]
    #[test]
    fn the_key_is_its_owners_alone_and_another_key_does_not_open_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("mail");
        let bytes = protect("s3cret-pw", &md).unwrap();
        let key = md.join(KEY_FILE);
        let meta = std::fs::metadata(&key).unwrap();
        assert_eq!((meta.permissions().mode() & 0o777, meta.len()), (0o600, 32));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = unprotect(&bytes, &md).unwrap_err();
        assert!(e.to_string().contains("readable by other users"), "{e}");
        let other = dir.path().join("other");
        protect("x", &other).unwrap();
        let e = unprotect(&bytes, &other).unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA, "{e}");
        let e = unprotect(&bytes, &dir.path().join("none")).unwrap_err();
        assert!(e.to_string().contains("key is missing"), "{e}");
    }
}
