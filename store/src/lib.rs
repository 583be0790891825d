//! The store framework of `mapi-sync`: what FUSE libraries are to filesystems, for Outlook
//! message stores. The provider describes its folders, messages and properties in safe
//! Rust; the framework implements MAPI's objects and every rule of their protocol.
//!
//! It is being built in steps (see the repository's issues); what stands today:
//!
//! - [`entry_id`]: one documented format of entry identifiers for the store, its folders
//!   (the backend's and the ones the framework supplies) and its messages, with
//!   `PR_RECORD_KEY` and `CompareEntryIDs` from it;
//! - [`layout`]: the folder layout Outlook expects (a root apart from the IPM subtree, the
//!   search root, the inbox, outbox, Sent Items, Deleted Items, views), the backend's
//!   folders where it maps them and the framework's elsewhere, with the store's
//!   `PR_IPM_*_ENTRYID` and `PR_VALID_FOLDER_MASK`;
//! - [`backend`]: [`Backend`](backend::Backend), what a provider implements: the store's
//!   identity, its folder tree, its messages as table rows (only the columns asked for)
//!   and as objects;
//! - [`tree`]: the backend's folders in that layout, checked (no folder listed twice, no
//!   missing parent, no cycle), with what a hierarchy table shows (`PR_DEPTH` with or
//!   without `CONVENIENT_DEPTH`);
//! - [`table`]: the table engine, `IMAPITable`'s semantics (columns, restrictions, sort,
//!   cursor, bookmarks, `FindRow`, changes) over a lazy row source;
//! - [`identity`]: the properties the framework computes for the store, folders and
//!   messages (entry ids, record keys, parents, object types, access), the same on an
//!   object and in its rows;
//! - [`sources`]: the hierarchy and contents tables' rows on the backend;
//! - [`context`]: a logged-on store, shared by its objects;
//! - [`ll`]: the raw side, the only module with `unsafe` code: `IMsgStore` (with
//!   `IMAPISync`), `IMAPIFolder`, `IMessage` and `IMAPITable` on the above, and a caller's
//!   `SRestriction` and `SSortOrderSet` read into the engine's owned forms.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod backend;
pub mod context;
pub mod entry_id;
pub mod identity;
pub mod layout;
#[allow(unsafe_code)]
pub mod ll;
pub mod sources;
pub mod table;
pub mod tree;
