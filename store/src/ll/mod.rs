//! The raw side of the store framework, in one place: the MAPI objects on the engine and
//! the backend, and reading the C structures their callers hand in (restrictions, sort
//! orders). The only module of this crate with `unsafe` code; everything it calls is
//! safe.
//!
//! | file | what it holds |
//! |---|---|
//! | `store.rs` | [`store::StoreObject`]: `IMsgStore` and `IMAPISync` |
//! | `folder.rs` | [`folder::FolderObject`]: `IMAPIFolder` |
//! | `message.rs` | [`message::MessageObject`]: `IMessage` |
//! | `new_attach.rs` | [`new_attach::NewAttachObject`]: `IAttach` on an attachment of a message a client is making |
//! | `attach.rs` | [`attach::AttachObject`]: `IAttach` |
//! | `table.rs` | [`table::TableObject`]: `IMAPITable` on the engine |
//! | `provider.rs` | [`provider::ProviderObject`] and [`provider::LogonObject`]: `IMSProvider::Logon` and `IMSLogon` |
//! | `status.rs` | [`status::StatusObject`]: `IMAPIStatus`, and the store's row in MAPI's status table |
//! | `notify.rs` | notifications: a table's advise sinks, and `IMAPISupport::Notify` for the store's |
//! | `folders.rs` | `CreateFolder` and `DeleteFolder` through the backend |
//! | `copy.rs` | `CopyMessages` and `DeleteMessages`: the destination folder, copies and moves within the store or through MAPI |
//! | `entry.rs` | what they share: `OpenEntry`, `CompareEntryIDs`, `GetLastError` |
//! | `restriction.rs`, `sort.rs` | a caller's `SRestriction` and `SSortOrderSet` |

pub mod attach;
mod copy;
pub(crate) mod entry;
pub mod folder;
mod folders;
pub mod message;
pub(crate) mod named;
pub mod new_attach;
pub mod notify;
pub mod provider;
pub(crate) mod restriction;
pub(crate) mod sort;
pub mod status;
pub mod store;
pub mod table;
