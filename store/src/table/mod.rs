//! The table engine: `IMAPITable`'s semantics over a [`RowSource`], in safe Rust.
//!
//! | file | what it holds |
//! |---|---|
//! | `source.rs` | [`RowSource`], what a backend implements; [`Batch`], its answer column by column; [`MemorySource`] |
//! | `columns.rs` | what a row shows in a column; `PR_INSTANCE_KEY` |
//! | `compare.rs` | how values compare (sort, relations, content) |
//! | `restriction.rs` | [`Restriction`], an owned `SRestriction`, and its evaluation |
//! | `sort.rs` | [`SortOrder`], an `SSortOrderSet` |
//! | `view.rs` | [`Table`]: cursor, `QueryRows`, `FindRow`, changes |
//! | `bookmark.rs` | bookmarks |

pub mod bookmark;
pub mod columns;
pub mod compare;
pub mod restriction;
pub mod sort;
pub mod source;
pub mod view;

pub use columns::{instance_key, parse_instance_key, Column, Row, INSTANCE_KEY_LEN};
pub use restriction::{Relop, Restriction, RestrictionKind, MAX_DEPTH, RES_COUNT};
pub use sort::{SortKey, SortOrder};
pub use source::{batch_by_rows, Batch, Cell, MemorySource, RowKey, RowSource};
pub use view::{ChangeKind, Table, TableChange, TableType};
