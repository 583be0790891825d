//! The properties the framework computes for every object, the same on the object and in
//! every table row (Microsoft, "IMsgStore : IMAPIProp", "IMAPIFolder : IMAPIContainer",
//! "IMessage : IMAPIProp", and each property's page):
//!
//! | property | store | folder | message |
//! |---|---|---|---|
//! | `PR_ENTRYID` | its entry id as MAPI wraps it | its entry id | its entry id |
//! | `PR_RECORD_KEY` | the store's `MAPIUID` | the entry id without flags | the same |
//! | `PR_SEARCH_KEY` | | | the record key |
//! | `PR_STORE_ENTRYID` | the store's entry id as MAPI wraps it | the same | the same |
//! | `PR_STORE_RECORD_KEY` | the store's `MAPIUID` | the same | the same |
//! | `PR_PARENT_ENTRYID` | | the parent folder's (the root's is its own) | its folder's |
//! | `PR_OBJECT_TYPE` | `MAPI_STORE` | `MAPI_FOLDER` | `MAPI_MESSAGE` |
//! | `PR_ACCESS` | | `MAPI_ACCESS_READ`, `MAPI_ACCESS_CREATE_ASSOCIATED` | `MAPI_ACCESS_READ` here; on the message object also `MODIFY` (the store keeps changes), and `DELETE` for an associated message the store keeps |
//! | `PR_ACCESS_LEVEL` | | 0 | 0; on a message opened with `MAPI_MODIFY`, `MAPI_MODIFY` |
//! | `PR_STORE_SUPPORT_MASK` | the mask | the store's | the store's |
//!
//! The store's entry id is the one `IMAPISupport::WrapStoreEntryID` gave at logon (MAPI's
//! form, which clients hand to `IMAPISession::OpenMsgStore`; "IMAPISupport::WrapStoreEntryID":
//! a store provider hands out its store's entry id wrapped), or the store's own where
//! the host has no wrapping.
//!
//! The store also has `PR_MDB_PROVIDER` (the provider's own `MAPIUID`, the same for every
//! store it serves) and its special folders' entry ids
//! ([`Layout::store_properties`](crate::layout::Layout::store_properties)). Writes come
//! with another issue: until then every object is read-only and says so.

use mapi_sync_runtime::props::OwnedValue;
use mapi_sync_runtime::sys::{self, ULONG};

use crate::entry_id::{EntryId, StoreUid};

/// One computed property.
pub type Computed = (ULONG, OwnedValue);

fn binary(tag: ULONG, bytes: Vec<u8>) -> Computed {
    (tag, OwnedValue::Binary(bytes))
}

/// `PR_STORE_SUPPORT_MASK` of a framework store: Unicode strings, unique entry ids,
/// restrictions and sorts on tables, HTML bodies (`PR_HTML`), RTF given uncompressed
/// (`PR_RTF_COMPRESSED` made from the text: see [`rtf`](crate::rtf)); read-only unless
/// the backend writes messages ([`WRITABLE_SUPPORT_MASK`]). Not `STORE_RTF_OK`: the
/// store does not bring a client's RTF and the text into step (`RTFSync`).
pub const STORE_SUPPORT_MASK: ULONG = sys::STORE_UNICODE_OK
    | sys::STORE_ENTRYID_UNIQUE
    | sys::STORE_RESTRICTION_OK
    | sys::STORE_SORT_OK
    | sys::STORE_UNCOMPRESSED_RTF
    | crate::tags::STORE_HTML_OK
    | sys::STORE_READONLY;

/// `PR_STORE_SUPPORT_MASK` of a store whose backend writes messages
/// ([`Backend::WRITES_MESSAGES`](crate::backend::Backend::WRITES_MESSAGES)): messages
/// can be made and changed (`STORE_CREATE_OK`, `STORE_MODIFY_OK`), not `STORE_READONLY`.
pub const WRITABLE_SUPPORT_MASK: ULONG =
    (STORE_SUPPORT_MASK & !sys::STORE_READONLY) | sys::STORE_CREATE_OK | sys::STORE_MODIFY_OK;

/// `computed` with the support mask of a store whose backend writes messages.
pub fn writes_messages(computed: &mut [Computed]) {
    for (tag, value) in computed {
        if *tag == sys::PR_STORE_SUPPORT_MASK {
            *value = OwnedValue::Long(WRITABLE_SUPPORT_MASK as i32);
        }
    }
}

/// The store's computed properties. `entry_id` is the store's entry id as it is handed
/// out (wrapped), `mdb_provider` the provider's `MAPIUID`.
pub fn store(uid: StoreUid, entry_id: &[u8], mdb_provider: [u8; 16]) -> Vec<Computed> {
    vec![
        binary(sys::PR_ENTRYID, entry_id.to_vec()),
        binary(sys::PR_RECORD_KEY, uid.0.to_vec()),
        binary(sys::PR_STORE_ENTRYID, entry_id.to_vec()),
        binary(sys::PR_STORE_RECORD_KEY, uid.0.to_vec()),
        binary(sys::PR_MDB_PROVIDER, mdb_provider.to_vec()),
        (
            sys::PR_OBJECT_TYPE,
            OwnedValue::Long(sys::MAPI_STORE as i32),
        ),
        (
            sys::PR_STORE_SUPPORT_MASK,
            OwnedValue::Long(STORE_SUPPORT_MASK as i32),
        ),
    ]
}

/// What folders and messages share: entry id, record key, the store's (`store`: its
/// entry id as handed out), the parent's, the object type, the access.
fn contained(id: &EntryId, parent: &EntryId, store: &[u8], object_type: ULONG) -> Vec<Computed> {
    let uid = id.store_uid();
    vec![
        binary(sys::PR_ENTRYID, id.to_bytes()),
        binary(sys::PR_RECORD_KEY, id.record_key()),
        binary(sys::PR_STORE_ENTRYID, store.to_vec()),
        binary(sys::PR_STORE_RECORD_KEY, uid.0.to_vec()),
        binary(sys::PR_PARENT_ENTRYID, parent.to_bytes()),
        (sys::PR_OBJECT_TYPE, OwnedValue::Long(object_type as i32)),
        (
            sys::PR_ACCESS,
            OwnedValue::Long(sys::MAPI_ACCESS_READ as i32),
        ),
        (sys::PR_ACCESS_LEVEL, OwnedValue::Long(0)),
        (
            sys::PR_STORE_SUPPORT_MASK,
            OwnedValue::Long(STORE_SUPPORT_MASK as i32),
        ),
    ]
}

/// A folder's computed properties (`parent`: the root's own id for the root; `store`:
/// the store's entry id as handed out).
pub fn folder(id: &EntryId, parent: &EntryId, store: &[u8]) -> Vec<Computed> {
    let mut out = contained(id, parent, store, sys::MAPI_FOLDER);
    // A folder takes associated messages (the store keeps them: see `keep`).
    let access = sys::MAPI_ACCESS_READ | sys::MAPI_ACCESS_CREATE_ASSOCIATED;
    for (tag, value) in &mut out {
        if *tag == sys::PR_ACCESS {
            *value = OwnedValue::Long(access as i32);
        }
    }
    out
}

/// A message's computed properties, with `PR_SEARCH_KEY` its record key.
pub fn message(id: &EntryId, folder: &EntryId, store: &[u8]) -> Vec<Computed> {
    let mut out = contained(id, folder, store, sys::MAPI_MESSAGE);
    out.push(binary(sys::PR_SEARCH_KEY, id.record_key()));
    out
}

/// A message embedded in an attachment: no entry id, record key or parent (MAPI gives
/// embedded messages none; they are reached through their attachment), its store's
/// identity, type and access.
pub fn embedded_message(store_uid: StoreUid, store: &[u8]) -> Vec<Computed> {
    let mut out = contained(
        &EntryId::store(store_uid),
        &EntryId::store(store_uid),
        store,
        sys::MAPI_MESSAGE,
    );
    out.retain(|(tag, _)| {
        ![sys::PR_ENTRYID, sys::PR_RECORD_KEY, sys::PR_PARENT_ENTRYID].contains(tag)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry_id::Special;

    const UID: StoreUid = StoreUid([9; 16]);

    fn get(props: &[Computed], tag: ULONG) -> &OwnedValue {
        &props.iter().find(|(t, _)| *t == tag).unwrap().1
    }

    #[test]
    fn every_object_names_its_store_and_parent() {
        let wrapped = [&[0u8; 4][..], b"wrapped by MAPI"].concat();
        let store = store(UID, &wrapped, [1; 16]);
        let root = EntryId::supplied(UID, Special::Root);
        let inbox = EntryId::folder(UID, b"INBOX");
        let folder = folder(&inbox, &root, &wrapped);
        let message = message(
            &EntryId::message(UID, b"INBOX", b"42").unwrap(),
            &inbox,
            &wrapped,
        );
        for props in [&folder, &message] {
            assert_eq!(
                get(props, sys::PR_STORE_ENTRYID),
                get(&store, sys::PR_ENTRYID)
            );
            assert_eq!(
                get(props, sys::PR_STORE_RECORD_KEY),
                get(&store, sys::PR_RECORD_KEY)
            );
            // Every tag's type is its value's.
            for (tag, value) in props.iter().chain(&store) {
                assert_eq!(value.prop_type(), mapi_sync_runtime::props::prop_type(*tag));
            }
        }
        assert_eq!(
            get(&folder, sys::PR_PARENT_ENTRYID),
            &OwnedValue::Binary(root.to_bytes())
        );
        assert_eq!(
            get(&message, sys::PR_PARENT_ENTRYID),
            get(&folder, sys::PR_ENTRYID)
        );
        assert_eq!(
            get(&message, sys::PR_SEARCH_KEY),
            get(&message, sys::PR_RECORD_KEY)
        );
        assert_ne!(
            get(&message, sys::PR_RECORD_KEY),
            get(&folder, sys::PR_RECORD_KEY)
        );
        assert_eq!(
            get(&store, sys::PR_OBJECT_TYPE),
            &OwnedValue::Long(sys::MAPI_STORE as i32)
        );
    }
}
