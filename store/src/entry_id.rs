//! Entry identifiers: one documented format for the store, its folders and its messages,
//! made and read by the framework so a backend only ever sees its own id bytes.
//!
//! # What MAPI asks of them
//!
//! An entry identifier (Microsoft, "ENTRYID" and "Entry Identifiers") is four flag bytes
//! followed by bytes only the provider interprets. Clients keep them and hand them back
//! (`OpenEntry`, `CompareEntryIDs`, shortcuts and search folders), so a long-term one
//! must name the same object for as long as the object exists, across logons; its flag
//! bytes are all zero (`MAPI_SHORTTERM`, `MAPI_NOTRECIP`, `MAPI_THISSESSION`, `MAPI_NOW`
//! and `MAPI_NOTRESERVED` are the bits of the first byte that mark the other kinds). A
//! provider tells its identifiers apart from other providers' by a `MAPIUID` it
//! registers with `IMAPISupport::SetProviderUID` ("MAPIUID"). `CompareEntryIDs` compares
//! what the identifiers name, not their bytes: the flags may differ.
//!
//! # This crate's format
//!
//! | bytes | what |
//! |---|---|
//! | 4 | flags: zero in every identifier this crate makes (long-term) |
//! | 16 | the store's `MAPIUID` |
//! | 1 | the format's version: 1 |
//! | 1 | the kind: 1 the store, 2 a folder, 3 a message, 4 a folder the framework supplies |
//! | rest | by kind: nothing for the store; a folder's id (the backend's bytes); a message's folder id length (2 bytes, little-endian), the folder id, then the message's id; one byte naming the framework's folder ([`Special`]) |
//!
//! A message's identifier names its folder, so `OpenEntry` reaches the message without a
//! search. `PR_RECORD_KEY` of a folder or a message ([`EntryId::record_key`]) is its
//! identifier without the flags: unique across stores (it holds the store's `MAPIUID`),
//! binary-comparable, and the same whichever flags a client's copy carries.

use mapi_sync_runtime::sys;
use mapi_sync_runtime::{Error, Result};

/// The format's version byte.
const VERSION: u8 = 1;
/// The length of the fixed part: flags, `MAPIUID`, version and kind.
const HEADER: usize = 4 + 16 + 1 + 1;

/// A store's `MAPIUID`: 16 bytes it registers with `SetProviderUID` and puts in every
/// entry identifier it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreUid(pub [u8; 16]);

/// A special folder: one of the folders MAPI and Outlook expect in every store
/// (Microsoft, "Message Store Features" and "MAPI Special Folders"). The backend may map
/// one to a folder of its own; the framework supplies the others (`crate::layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    /// The root folder, parent of the IPM subtree and the search root.
    Root,
    /// The IPM subtree: the top of the folders a user sees.
    IpmSubtree,
    /// The search root (the finder): where search folders live.
    SearchRoot,
    /// The inbox.
    Inbox,
    /// The outbox.
    Outbox,
    /// Sent Items.
    SentItems,
    /// Deleted Items (the wastebasket).
    DeletedItems,
    /// The views folder.
    Views,
    /// The common views folder.
    CommonViews,
}

impl Special {
    /// Every supplied folder, in the order of their codes.
    pub const ALL: [Special; 9] = [
        Special::Root,
        Special::IpmSubtree,
        Special::SearchRoot,
        Special::Inbox,
        Special::Outbox,
        Special::SentItems,
        Special::DeletedItems,
        Special::Views,
        Special::CommonViews,
    ];

    pub(crate) fn code(self) -> u8 {
        Special::ALL
            .iter()
            .position(|&s| s == self)
            .expect("every folder is in ALL") as u8
    }

    pub(crate) fn from_code(code: u8) -> Option<Special> {
        Special::ALL.get(usize::from(code)).copied()
    }
}

/// What an entry identifier of this store names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// The store itself.
    Store,
    /// A folder of the backend, by its id.
    Folder(Vec<u8>),
    /// A message of the backend: its folder's id and its own.
    Message {
        /// The id of the folder holding the message.
        folder: Vec<u8>,
        /// The message's id.
        message: Vec<u8>,
    },
    /// A special folder the framework supplies (the backend maps it to none of its own).
    Special(Special),
}

/// An entry identifier of this crate's format: the store it belongs to and what it
/// names. [`to_bytes`](EntryId::to_bytes) makes the long-term identifier;
/// [`parse`](EntryId::parse) reads one back, whatever its flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryId {
    store: StoreUid,
    target: Target,
}

/// The kind bytes.
const STORE: u8 = 1;
const FOLDER: u8 = 2;
const MESSAGE: u8 = 3;
const SUPPLIED: u8 = 4;

fn invalid(what: impl Into<String>) -> Error {
    Error::with_message(sys::MAPI_E_INVALID_ENTRYID, what)
}

impl EntryId {
    /// The store's own identifier.
    pub fn store(store: StoreUid) -> EntryId {
        EntryId {
            store,
            target: Target::Store,
        }
    }

    /// A backend folder's identifier.
    pub fn folder(store: StoreUid, folder: &[u8]) -> EntryId {
        EntryId {
            store,
            target: Target::Folder(folder.to_vec()),
        }
    }

    /// A backend message's identifier. `MAPI_E_INVALID_PARAMETER` if the folder id is
    /// longer than the format holds (65,535 bytes).
    pub fn message(store: StoreUid, folder: &[u8], message: &[u8]) -> Result<EntryId> {
        if u16::try_from(folder.len()).is_err() {
            return Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                format!("a folder id of {} bytes (65,535 at most)", folder.len()),
            ));
        }
        Ok(EntryId {
            store,
            target: Target::Message {
                folder: folder.to_vec(),
                message: message.to_vec(),
            },
        })
    }

    /// The identifier of a special folder the framework supplies.
    pub fn supplied(store: StoreUid, folder: Special) -> EntryId {
        EntryId {
            store,
            target: Target::Special(folder),
        }
    }

    /// The store's `MAPIUID`.
    pub fn store_uid(&self) -> StoreUid {
        self.store
    }

    /// What it names.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The long-term identifier's bytes (flags zero).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.key_len());
        out.extend_from_slice(&[0; 4]);
        self.write_key(&mut out);
        out
    }

    /// The bytes of a message's identifier ([`message`](EntryId::message) then
    /// [`to_bytes`](EntryId::to_bytes), in one allocation: a contents table makes one
    /// per row).
    pub fn message_bytes(store: StoreUid, folder: &[u8], message: &[u8]) -> Result<Vec<u8>> {
        let len = u16::try_from(folder.len()).map_err(|_| {
            Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                format!("a folder id of {} bytes (65,535 at most)", folder.len()),
            )
        })?;
        let mut out = Vec::with_capacity(HEADER + 2 + folder.len() + message.len());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&store.0);
        out.push(VERSION);
        out.push(MESSAGE);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(folder);
        out.extend_from_slice(message);
        Ok(out)
    }

    /// `PR_RECORD_KEY`: the identifier without its flags.
    pub fn record_key(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.key_len());
        self.write_key(&mut out);
        out
    }

    /// How long the record key is.
    fn key_len(&self) -> usize {
        HEADER - 4
            + match &self.target {
                Target::Store => 0,
                Target::Folder(id) => id.len(),
                Target::Message { folder, message } => 2 + folder.len() + message.len(),
                Target::Special(_) => 1,
            }
    }

    /// Appends the record key to `out`.
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.store.0);
        out.push(VERSION);
        match &self.target {
            Target::Store => out.push(STORE),
            Target::Folder(id) => {
                out.push(FOLDER);
                out.extend_from_slice(id);
            }
            Target::Message { folder, message } => {
                out.push(MESSAGE);
                let len = u16::try_from(folder.len()).expect("checked when made");
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(folder);
                out.extend_from_slice(message);
            }
            Target::Special(s) => {
                out.push(SUPPLIED);
                out.push(s.code());
            }
        }
    }

    /// Reads an identifier of this format, whatever its flag bytes (a short-term copy
    /// names the same object). `MAPI_E_INVALID_ENTRYID` for one too short or malformed
    /// (an unknown kind, a message whose folder id runs past the end, a supplied folder
    /// of no known code); `MAPI_E_UNKNOWN_ENTRYID` for a well-formed one of another
    /// store or another version of the format, which this store does not know.
    pub fn parse(bytes: &[u8], store: StoreUid) -> Result<EntryId> {
        if bytes.len() < HEADER {
            return Err(invalid(format!(
                "an entry identifier of {} bytes ({HEADER} at least)",
                bytes.len()
            )));
        }
        let (uid, version, kind, rest) = (&bytes[4..20], bytes[20], bytes[21], &bytes[HEADER..]);
        if uid != store.0 || version != VERSION {
            return Err(Error::with_message(
                sys::MAPI_E_UNKNOWN_ENTRYID,
                "an entry identifier of another store",
            ));
        }
        let target = match kind {
            STORE if rest.is_empty() => Target::Store,
            FOLDER => Target::Folder(rest.to_vec()),
            MESSAGE => {
                let len = match rest {
                    [a, b, ..] => usize::from(u16::from_le_bytes([*a, *b])),
                    _ => return Err(invalid("a message identifier without its folder's")),
                };
                let ids = &rest[2..];
                if ids.len() < len {
                    return Err(invalid(format!(
                        "a message identifier whose folder id ({len} bytes) runs past its end"
                    )));
                }
                Target::Message {
                    folder: ids[..len].to_vec(),
                    message: ids[len..].to_vec(),
                }
            }
            SUPPLIED => match rest {
                [code] => Target::Special(
                    Special::from_code(*code)
                        .ok_or_else(|| invalid(format!("no supplied folder {code}")))?,
                ),
                _ => {
                    return Err(invalid(
                        "a supplied folder's identifier of the wrong length",
                    ))
                }
            },
            STORE => return Err(invalid("a store identifier with bytes after its kind")),
            other => return Err(invalid(format!("an entry identifier of kind {other}"))),
        };
        Ok(EntryId {
            store: StoreUid(uid.try_into().expect("16 bytes")),
            target,
        })
    }

    /// `CompareEntryIDs`: whether two identifiers name the same object of this store
    /// (flags aside). An identifier this store cannot read is its error.
    pub fn same_object(a: &[u8], b: &[u8], store: StoreUid) -> Result<bool> {
        Ok(EntryId::parse(a, store)? == EntryId::parse(b, store)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_messages_bytes_made_at_once_are_its_identifiers() {
        let id = EntryId::message(UID, b"INBOX", b"42.eml").unwrap();
        assert_eq!(
            EntryId::message_bytes(UID, b"INBOX", b"42.eml").unwrap(),
            id.to_bytes()
        );
        assert_eq!(id.to_bytes()[4..], id.record_key()[..]);
        let long = vec![0; 70_000];
        assert_eq!(
            EntryId::message_bytes(UID, &long, b"1").unwrap_err().code(),
            sys::MAPI_E_INVALID_PARAMETER
        );
    }

    const UID: StoreUid = StoreUid([7; 16]);

    fn every_kind() -> Vec<EntryId> {
        let mut all = vec![
            EntryId::store(UID),
            EntryId::folder(UID, b""),
            EntryId::folder(UID, b"INBOX/Archive"),
            EntryId::message(UID, b"INBOX", b"1700000000.M1P2.host").unwrap(),
            EntryId::message(UID, b"", b"").unwrap(),
        ];
        all.extend(Special::ALL.iter().map(|&s| EntryId::supplied(UID, s)));
        all
    }

    #[test]
    fn every_kind_reads_back_and_is_told_apart() {
        let all = every_kind();
        for (i, id) in all.iter().enumerate() {
            let bytes = id.to_bytes();
            assert_eq!(&bytes[..4], [0; 4], "long-term: no flags");
            assert_eq!(EntryId::parse(&bytes, UID).unwrap(), *id);
            assert_eq!(bytes[4..], id.record_key()[..]);
            for (j, other) in all.iter().enumerate() {
                assert_eq!(
                    EntryId::same_object(&bytes, &other.to_bytes(), UID).unwrap(),
                    i == j,
                    "{id:?} against {other:?}"
                );
            }
        }
    }

    #[test]
    fn flags_do_not_change_what_is_named() {
        let id = EntryId::message(UID, b"f", b"m").unwrap();
        let mut short_term = id.to_bytes();
        short_term[0] = sys::MAPI_SHORTTERM as u8;
        assert!(EntryId::same_object(&short_term, &id.to_bytes(), UID).unwrap());
    }

    #[test]
    fn a_message_id_keeps_its_folder_apart_from_its_own_bytes() {
        // "ab" + "c" and "a" + "bc" are different messages.
        let a = EntryId::message(UID, b"ab", b"c").unwrap();
        let b = EntryId::message(UID, b"a", b"bc").unwrap();
        assert_ne!(a.to_bytes(), b.to_bytes());
        assert_ne!(a.record_key(), b.record_key());
        assert!(EntryId::message(UID, &[0; 65_536], b"").is_err());
        assert!(EntryId::message(UID, &[0; 65_535], b"x").is_ok());
    }

    #[test]
    fn malformed_and_foreign_identifiers_are_refused_with_their_codes() {
        let code = |bytes: &[u8]| EntryId::parse(bytes, UID).unwrap_err().code();
        let good = EntryId::message(UID, b"folder", b"m").unwrap().to_bytes();
        // Every truncation of the header, and of a message's folder id.
        for len in 0..HEADER {
            assert_eq!(
                code(&good[..len]),
                sys::MAPI_E_INVALID_ENTRYID,
                "{len} bytes"
            );
        }
        assert_eq!(code(&good[..HEADER + 1]), sys::MAPI_E_INVALID_ENTRYID);
        assert_eq!(code(&good[..HEADER + 2 + 3]), sys::MAPI_E_INVALID_ENTRYID);
        let mut kind = good.clone();
        kind[21] = 9;
        assert_eq!(code(&kind), sys::MAPI_E_INVALID_ENTRYID);
        let mut supplied = EntryId::supplied(UID, Special::Inbox).to_bytes();
        *supplied.last_mut().unwrap() = 200;
        assert_eq!(code(&supplied), sys::MAPI_E_INVALID_ENTRYID);
        supplied.push(0);
        assert_eq!(code(&supplied), sys::MAPI_E_INVALID_ENTRYID);
        let mut store = EntryId::store(UID).to_bytes();
        store.push(1);
        assert_eq!(code(&store), sys::MAPI_E_INVALID_ENTRYID);
        // Well-formed, but another store's or another version's.
        let other = EntryId::store(StoreUid([8; 16])).to_bytes();
        assert_eq!(code(&other), sys::MAPI_E_UNKNOWN_ENTRYID);
        let mut version = good;
        version[20] = 2;
        assert_eq!(code(&version), sys::MAPI_E_UNKNOWN_ENTRYID);
    }

    #[test]
    fn any_bytes_parse_or_are_refused_and_what_parses_writes_back_the_same() {
        // A seeded sweep over short inputs around the header: no panic, and anything
        // accepted is exactly what it writes (flags aside).
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..if cfg!(miri) { 200 } else { 20_000 } {
            let len = (next() % 40) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if bytes.len() >= HEADER && next() % 2 == 0 {
                bytes[4..20].copy_from_slice(&UID.0);
                bytes[20] = VERSION;
                bytes[21] = (next() % 5) as u8;
            }
            if let Ok(id) = EntryId::parse(&bytes, UID) {
                assert_eq!(id.to_bytes()[4..], bytes[4..]);
            }
        }
    }
}
