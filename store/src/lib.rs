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
//!   and as objects, and their big values as streams
//!   ([`message_stream`](backend::Backend::message_stream): `IMessage::OpenProperty(…,
//!   IID_IStream)` on `PR_BODY_W`, `PR_BODY_A`, `PR_HTML` or any binary or string
//!   property, read-only; by default from the property's value);
//! - [`tree`]: the backend's folders in that layout, checked (no folder listed twice, no
//!   missing parent, no cycle), with what a hierarchy table shows (`PR_DEPTH` with or
//!   without `CONVENIENT_DEPTH`);
//! - [`table`]: the table engine, `IMAPITable`'s semantics (columns, restrictions, sort,
//!   cursor, bookmarks, `FindRow`, changes) over a lazy row source;
//! - [`identity`]: the properties the framework computes for the store, folders and
//!   messages (entry ids, record keys, parents, object types, access), the same on an
//!   object and in its rows;
//! - [`sources`]: the hierarchy and contents tables' rows on the backend;
//! - [`events`]: how a backend reports changes ([`Events`](events::Events)), which the
//!   store passes on as table notifications and through MAPI's support object;
//! - [`keep`]: what the store keeps for a backend that cannot (read state, associated
//!   messages), in a redb file;
//! - [`subobjects`]: a message's attachments and recipients as their tables and objects
//!   show them, and [`summary`]: what they add to the message and its row
//!   (`PR_HASATTACH`, `PR_DISPLAY_TO`);
//! - [`tags`]: the property tags a mail store uses that the bindings lack;
//! - [`context`]: a logged-on store, shared by its objects;
//! - [`service`]: the store's settings in its profile and its `ServiceEntry`;
//! - [`ll`]: the raw side, the only module with `unsafe` code: `IMsgStore` (with
//!   `IMAPISync`), `IMAPIFolder`, `IMessage`, `IAttach` and `IMAPITable` on the above, and a caller's
//!   `SRestriction` and `SSortOrderSet` read into the engine's owned forms.
//!
//! # How MAPI's calls reach the backend
//!
//! A provider implements [`Backend`](backend::Backend); the framework answers MAPI's
//! calls and asks the backend only for what it holds. The framework never calls the
//! backend from inside one of the backend's own answers (`answer`, `each`), so a backend
//! may hold a lock while it answers.
//!
//! | MAPI's call | the backend is asked |
//! |---|---|
//! | `IMSProvider::Logon`, `SpoolerLogon` | the closure given to `store_provider!` makes the backend from the profile's settings; then [`store`](backend::Backend::store), [`folders`](backend::Backend::folders) and [`named_properties`](backend::Backend::named_properties), once |
//! | `IMsgStore::GetProps` | [`store_properties`](backend::Backend::store_properties), beside the identity and the special folders' entry ids the framework computes |
//! | `GetHierarchyTable`, `OpenProperty(PR_CONTAINER_HIERARCHY)` | nothing more: the folder tree read at logon (again after a synchronization) |
//! | `IMAPIFolder::GetProps` | [`folder_properties`](backend::Backend::folder_properties); [`messages`](backend::Backend::messages) for `PR_CONTENT_COUNT` |
//! | `GetContentsTable` (`MAPI_ASSOCIATED`), `OpenProperty(PR_CONTAINER_CONTENTS)` | [`messages`](backend::Backend::messages) when it opens; [`message_columns`](backend::Backend::message_columns) for the columns a restriction, sort or `QueryRows` reads, only for the rows it reads |
//! | `OpenEntry` of a message, `IMessage::GetProps` | [`message_properties`](backend::Backend::message_properties) |
//! | `IMessage::OpenProperty(…, IID_IStream)` | [`message_stream`](backend::Backend::message_stream), else the value; `PR_RTF_COMPRESSED` the message lacks is made from its `PR_BODY` ([`rtf`]) |
//! | `GetAttachmentTable`, `OpenAttach` | [`attachments`](backend::Backend::attachments) |
//! | `IAttach::OpenProperty(PR_ATTACH_DATA_BIN, IID_IStream)` | [`attachment_stream`](backend::Backend::attachment_stream), else the value |
//! | `IAttach::OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)` | [`embedded_message`](backend::Backend::embedded_message), then as for any message |
//! | `GetRecipientTable` | [`recipients`](backend::Backend::recipients) |
//! | `PR_HASATTACH`, `PR_DISPLAY_TO`/`CC`/`BCC` on a message or row | [`attachments`](backend::Backend::attachments) and [`recipients`](backend::Backend::recipients), unless [`GIVES_SUMMARY`](backend::Backend::GIVES_SUMMARY) |
//! | `GetIDsFromNames` with `MAPI_CREATE` | [`name_mapped`](backend::Backend::name_mapped) for each new name; the store's [`keep`] keeps the map too |
//! | `IMAPISync::SynchronizeInBackground` | [`synchronize`](backend::Backend::synchronize), on a thread of the runtime's |
//! | `ServiceEntry` (create, configure) | the same closure as `Logon`, to check the settings before they are written |
//! | `SetReadFlag`, `IMAPIFolder::SetReadFlags` | [`set_read_state`](backend::Backend::set_read_state); where it does not keep it, the store's [`keep`] does |
//! | `CreateMessage(MAPI_ASSOCIATED)`, `SetProps`, `SaveChanges`, `DeleteMessages` of associated messages | nothing: the store's [`keep`] holds them (in the file [`keep_path`](backend::Backend::keep_path) names) |
//! | `IMsgStore::Advise`, `Unadvise` | nothing: `IMAPISupport::Subscribe`/`Unsubscribe`; the backend reports changes through the [`Events`](events::Events) [`connect`](backend::Backend::connect) gave it, which become `IMAPISupport::Notify` calls |
//! | `IMAPITable::Advise` on a contents table | nothing: the table tells its sinks of the rows the backend's changes (and the store's own: read state, associated messages) add, modify or remove |
//! | `SetProps`, `DeleteProps`, `SaveChanges` on the backend's messages (opened with `MAPI_MODIFY`) | nothing: the store's [`keep`] holds what was set or deleted and shows it over the backend's values |
//! | `CreateMessage` of a normal message, `SetProps`, `ModifyRecipients`, `SaveChanges` | [`save_message`](backend::Backend::save_message) at each `SaveChanges` (no id the first time, the message's after), when [`WRITES_MESSAGES`](backend::Backend::WRITES_MESSAGES); else `CreateMessage` answers `MAPI_E_NO_ACCESS` |
//! | `DeleteMessages` of the backend's messages | [`delete_message`](backend::Backend::delete_message); what the store kept for the message is forgotten |
//! | `CopyMessages` within the store | the message read whole ([`message_properties`](backend::Backend::message_properties), [`recipients`](backend::Backend::recipients), [`attachments`](backend::Backend::attachments) with their data), then [`save_message`](backend::Backend::save_message) in the destination |
//! | `CopyMessages(MESSAGE_MOVE)` within the store | [`move_message`](backend::Backend::move_message) (by default a copy, then [`delete_message`](backend::Backend::delete_message)); what the store kept for the message goes with it |
//! | `CopyMessages` into another store | nothing: MAPI's `IMAPISupport::CopyMessages` opens the messages here and copies them |
//! | `CreateAttach`, `OpenAttach`, `DeleteAttach`, `OpenProperty(…, IID_IStream, MAPI_CREATE \| MAPI_MODIFY)` on a message a client is making and its attachments | nothing until the message's `SaveChanges`: its attachments (with their data) and bodies go to [`save_message`](backend::Backend::save_message) with it; a stream written on an associated message's property goes into the [`keep`] with it |
//! | other writes (attachments and recipients of a saved message, folders, …) | nothing yet: `MAPI_E_NO_ACCESS` (`MAPI_W_PARTIAL_COMPLETION` among others that succeed); a message the backend does not write is refused the same way |
//!
//! # A whole store
//!
//! Notes kept in memory, shown as the messages of the inbox: the backend is safe Rust,
//! and `store_provider!` exports the `MSProviderInit` MAPI loads. Everything else (the
//! store, its folders, tables, entry ids, `IMAPISync`) is the framework's.
//!
//! ```
//! use mapi_sync_runtime::props::{Prop, PropValue};
//! use mapi_sync_runtime::{sys, Result};
//! use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
//! use mapi_sync_store::entry_id::{Special, StoreUid};
//! use mapi_sync_store::ll::provider::LogonRequest;
//!
//! struct Notes(Vec<String>);
//!
//! impl Backend for Notes {
//!     fn store(&self) -> StoreInfo {
//!         StoreInfo { uid: StoreUid([0x11; 16]), display_name: "Notes".into(), mdb_provider: [0x22; 16] }
//!     }
//!
//!     fn folders(&self) -> Result<Vec<FolderInfo>> {
//!         Ok(vec![FolderInfo::mail("inbox", None, "Inbox").as_special(Special::Inbox)])
//!     }
//!
//!     fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
//!         if folder == b"inbox" && !associated {
//!             ids.extend((0..self.0.len()).map(|i| i.to_string().into_bytes()));
//!         }
//!         Ok(())
//!     }
//!
//!     fn message_properties(&self, _: &[u8], id: &[u8], answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
//!         let note = std::str::from_utf8(id).ok().and_then(|i| i.parse::<usize>().ok()).and_then(|i| self.0.get(i));
//!         let note = note.ok_or_else(|| mapi_sync_runtime::Error::new(sys::MAPI_E_NOT_FOUND))?;
//!         answer(&[Prop::new(sys::PR_SUBJECT_W, PropValue::Str(note))?]);
//!         Ok(())
//!     }
//! }
//!
//! mapi_sync_store::store_provider!(|_: &LogonRequest<'_>| Ok(Notes(vec!["Buy milk".into()])));
//! # use mapi_sync_runtime::mem::Allocators;
//! # use mapi_sync_store::{context::StoreContext, ll::store::StoreObject};
//! # let store: sys::IMsgStore = StoreObject::new(StoreContext::new(Notes(vec!["x".into()]), Allocators::local())?).cast()?;
//! # let (mut n, mut v) = (0, std::ptr::null_mut());
//! # assert_eq!(unsafe { store.GetProps(std::ptr::null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) }, sys::S_OK);
//! # unsafe { Allocators::local().as_raw().2.unwrap()(v.cast()) };
//! # Ok::<(), mapi_sync_runtime::Error>(())
//! ```
//!
//! `FACTS.md` beside this crate lists each MAPI fact the engine and its tests rely on, with
//! the page it comes from.
//!
//! # The table engine, by example
//!
//! A source of three messages, a restriction, a sort, and `QueryRows`:
//!
//! ```
//! use mapi_sync_runtime::props::{OwnedValue, PropValue};
//! use mapi_sync_runtime::sys;
//! use mapi_sync_store::table::{MemorySource, Restriction, SortKey, SortOrder, Table, TableType};
//!
//! let mut source = MemorySource::new();
//! for (key, subject, size) in [(1, "Lunch", 300), (2, "budget", 12_000), (3, "agenda", 900)] {
//!     source.insert(
//!         key,
//!         vec![
//!             (sys::PR_SUBJECT_W, PropValue::Str(subject).into()),
//!             (sys::PR_MESSAGE_SIZE, OwnedValue::Long(size)),
//!         ],
//!     )?;
//! }
//! let columns = vec![sys::PR_SUBJECT_W, sys::PR_INSTANCE_KEY];
//! let mut table = Table::new(source, columns, TableType::Dynamic)?;
//! let small = OwnedValue::Long(10_000);
//! table.restrict(Some(Restriction::property(sys::RELOP_LT, sys::PR_MESSAGE_SIZE, small)))?;
//! table.sort_table(SortOrder::by(vec![SortKey::ascending(sys::PR_SUBJECT_W)]))?;
//!
//! let rows = table.query_rows(10, 0)?;
//! let subjects: Vec<String> =
//!     rows.iter().map(|row| row[0].value.as_value().to_text().unwrap()).collect();
//! assert_eq!(subjects, ["agenda", "Lunch"]); // case-insensitive order
//! assert_eq!(rows[0][1].tag, sys::PR_INSTANCE_KEY); // made by the engine
//! assert!(table.query_rows(10, 0)?.is_empty()); // at the end: no rows
//! # Ok::<(), mapi_sync_runtime::Error>(())
//! ```
//!
//! A backend implements [`table::RowSource`] on what it has, answering with values that
//! borrow its own data:
//!
//! ```
//! use mapi_sync_runtime::props::{prop_id, Prop, PropValue};
//! use mapi_sync_runtime::sys::{self, ULONG};
//! use mapi_sync_store::table::{RowKey, RowSource, Table, TableType};
//!
//! struct Inbox(Vec<(u64, String)>);
//!
//! impl RowSource for Inbox {
//!     fn keys(&self, keys: &mut Vec<RowKey>) -> mapi_sync_runtime::Result<()> {
//!         keys.extend(self.0.iter().map(|(id, _)| *id));
//!         Ok(())
//!     }
//!     fn values(
//!         &self,
//!         rows: &[RowKey],
//!         columns: &[ULONG],
//!         answer: &mut dyn FnMut(usize, &[Prop<'_>]),
//!     ) -> mapi_sync_runtime::Result<()> {
//!         let wants_subject = columns.iter().any(|&c| prop_id(c) == prop_id(sys::PR_SUBJECT_W));
//!         for (i, key) in rows.iter().enumerate() {
//!             let Some((_, subject)) = self.0.iter().find(|(id, _)| id == key) else { continue };
//!             if wants_subject {
//!                 answer(i, &[Prop::new(sys::PR_SUBJECT_W, PropValue::Str(subject))?]);
//!             } else {
//!                 answer(i, &[]);
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let inbox = Inbox(vec![(7, "Hello".into()), (9, "Re: Hello".into())]);
//! let mut table = Table::new(inbox, vec![sys::PR_SUBJECT_W], TableType::Dynamic)?;
//! assert_eq!(table.row_count(), 2);
//! assert_eq!(table.query_rows(-1, 0)?.len(), 0); // at the beginning, backward: none
//! # Ok::<(), mapi_sync_runtime::Error>(())
//! ```
//!
//! ## What the engine does
//!
//! **The row source** ([`table::RowSource`]): the backend lists its rows' keys (a
//! [`table::RowKey`] each, any `u64` unique among its rows) and answers the values of the
//! columns asked for, for the rows asked about, as borrowed [`Prop`]s, row by row
//! ([`table::RowSource::values`]) or, faster, column by column in a [`table::Batch`]
//! ([`table::RowSource::values_by_column`], which the engine asks; by default it asks the
//! former and copies its answers). Opening a table reads only the keys; `Restrict` reads
//! the restriction's and the sort's columns of every row (in chunks of 512 rows), except
//! that a restriction that is an AND of tests of one column each (`RES_CONTENT`,
//! `RES_PROPERTY`, `RES_BITMASK`, `RES_SIZE`, `RES_EXIST`; or one of them) is evaluated a
//! column at a time (columns tested only by relations with numbers first, then the others
//! in the restriction's order), each column read only for the rows the tests of the
//! columns before it left, and the sort's columns then read for the rows that passed;
//! `SortTable` on a dynamic table reads the sort's columns of the rows in the view (they
//! follow the changes the table is told of, so the restriction's answer stands), and on a
//! snapshot table or under a restriction holding a `RES_COUNT` (which counts afresh on a
//! new pass) the columns `Restrict` reads, as it reads them; `QueryRows` reads the view's
//! columns of the rows it returns; `FindRow` reads the restriction's columns of the rows
//! it looks at. The engine keeps only the sort's values (owned); restrictions are
//! evaluated on the borrowed values. A column is found by its property identifier,
//! whatever its type.
//!
//! **Columns** (`SetColumns`, `QueryColumns`): a row shows each column in the column
//! set's order. A value of the column's type shows as it is; `PT_UNSPECIFIED` shows the
//! value with its own tag; text of the other string type is converted through the system's
//! code page, as `GetProps` converts it; anything else, and a missing value, shows as `PT_ERROR` with
//! `MAPI_E_NOT_FOUND` under the column's identifier. `PR_INSTANCE_KEY` is made by the
//! engine: 12 bytes, the row's key and the instance's index (see
//! [`table::instance_key`]), unique in the table and the same while the row exists
//! (through sorts and restrictions too).
//!
//! **Restrictions** ([`table::Restriction`]): every kind of `mapidefs.h` and `RES_COUNT`,
//! built checked: a tree deeper than 256 is refused by the builders
//! (`MAPI_E_TOO_COMPLEX`), so evaluation recursion is bounded. For a row:
//!
//! - a property the row lacks (or holds as `PT_ERROR`) makes `RES_PROPERTY`,
//!   `RES_CONTENT`, `RES_COMPAREPROPS`, `RES_BITMASK`, `RES_SIZE` and `RES_EXIST` false
//!   (so `RES_NOT` of one true); the pages leave this undefined, this is the usual choice;
//! - a row value whose type does not compare with the restriction's makes them false;
//!   a restriction whose value is not of its tag's type is `MAPI_E_TOO_COMPLEX`;
//! - with `MVI_FLAG` in the tag, a multi-valued row value matches when one of its values
//!   does; without it, a multi-valued value compares whole, as an ordered tuple;
//! - `RES_PROPERTY` and `RES_COMPAREPROPS` compare as the sort does (text
//!   case-insensitively); `RELOP_RE` is `MAPI_E_TOO_COMPLEX`;
//! - `RES_CONTENT`: `FL_FULLSTRING`, `FL_SUBSTRING`, `FL_PREFIX`, on text (either string
//!   type) or binaries (bytewise, case flags ignored); `FL_IGNORECASE` lowercases,
//!   `FL_IGNORENONSPACE` drops combining marks and reads Latin-1's accented letters as
//!   their base letter (no other folding: no Unicode tables here), `FL_LOOSE` does both;
//! - `RES_BITMASK` on `PT_LONG` values; `RES_SIZE` on the value's size in bytes (strings
//!   with their NUL, see `value_size` in `restriction.rs`); `RES_EXIST` by property
//!   identifier, any type;
//! - `RES_SUBRESTRICTION` on `PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS` through
//!   [`table::RowSource::sub_rows`], `MAPI_E_TOO_COMPLEX` when the source has none;
//! - `RES_COMMENT` is its restriction; `RES_COUNT` matches the first `ulCount` rows its
//!   restriction matches, counted in the order rows are evaluated: the source's order
//!   for `Restrict` (and on for rows added later), the search's order for `FindRow`;
//! - `RES_AND` and `RES_OR` evaluate left to right and stop at the first answer;
//! - `Restrict` evaluates once per source row, before instances are made (an `MVI_FLAG`
//!   tag there matches a row when one of its values does, and `PR_INSTANCE_KEY` is the
//!   row's first instance's); `FindRow` evaluates each row of the view, so on the
//!   instance column it sees the instance's value.
//!
//! **Comparison** ([`table::compare`]): numbers, times and booleans as numbers; text
//! case-insensitively (each character lowercased, then by code point: the part of a
//! collation that does not depend on the locale, and how Outlook's views sort
//! subjects); binaries bytewise, a prefix first; GUIDs field by field; multi-valued values
//! value by value, then the shorter first.
//!
//! **Sort** ([`table::SortOrder`]): several keys, each ascending or descending; stable
//! (ties keep the source's order). A missing value sorts first ascending, so last
//! descending; values of types that do not compare sort by type number. One key with
//! `MVI_FLAG` makes a row per value of that column (a row without values is one row,
//! without a value there), each with its own instance key, showing its value in that
//! column. Categories (`cCategories` > 0), `TABLE_SORT_COMBINE` and two `MVI_FLAG` keys
//! are `MAPI_E_TOO_COMPLEX`.
//!
//! **The view** ([`table::Table`]): a cursor (`0..=row count`, the next row to read);
//! `SeekRow` from `BOOKMARK_BEGINNING`, `BOOKMARK_CURRENT`, `BOOKMARK_END` or a bookmark,
//! clamped, returning the rows moved; `SeekRowApprox`; `QueryPosition`; `QueryRows`
//! forward, backward (a negative count: the rows before the cursor, in the table's order,
//! the cursor then on the first of them) and with `TBL_NOADVANCE` (the cursor stays);
//! `GetRowCount`; `CreateBookmark`, `FreeBookmark` (numbers from 3; a bookmark follows its
//! row; when the row has gone, it leads to the row that followed it with
//! `MAPI_W_POSITION_CHANGED`, once; an unknown one is `MAPI_E_INVALID_BOOKMARK`);
//! `FindRow` forward from the origin's row or backward from the row before it, moving the
//! cursor to the row found (`MAPI_E_NOT_FOUND`, cursor unmoved, otherwise); a `RELOP_EQ`
//! property restriction on `PR_INSTANCE_KEY` is answered from the key itself and a binary
//! search, reading no row; `Restrict` (`None` clears) and `SortTable` put the cursor at
//! the beginning and discard the bookmarks; `GetStatus` is `TBLSTAT_COMPLETE` with
//! `TBLTYPE_DYNAMIC` or `TBLTYPE_SNAPSHOT`; `QuerySortOrder`.
//!
//! **Changes**: [`table::Table::row_added`], [`row_removed`](table::Table::row_removed)
//! and [`row_modified`](table::Table::row_modified) put the row through the restriction
//! and the sort and return what changed in the view ([`table::TableChange`]: added,
//! deleted or modified, the instance key, the position, the prior row's instance key),
//! what table notifications will carry. The cursor stays on its row; bookmarks on a
//! removed row lead to the row after it. A snapshot table ignores them.
//!
//! Not yet: categories, `RELOP_RE`, asynchronous operations (`TBL_ASYNC`, `TBL_BATCH`:
//! everything is done before a method returns), `Abort`, `ExpandRow`/`CollapseRow`,
//! notifications themselves, and the COM object.
//!
//! [`Prop`]: mapi_sync_runtime::props::Prop
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod backend;
pub mod context;
pub mod entry_id;
pub mod events;
pub mod identity;
pub mod keep;
pub mod layout;
#[allow(unsafe_code)]
pub mod ll;
pub mod named;
mod raise;
pub mod rtf;
pub mod service;
pub mod sources;
pub mod subobjects;
pub mod summary;
pub mod table;
pub mod tags;
pub mod tree;
pub mod write;

/// What [`store_provider!`] expands to names. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use mapi_sync_runtime::provider::Init;
    pub use mapi_sync_runtime::service::ServiceCall;
    pub use mapi_sync_runtime::{ms_provider_init, service_entry};
}
