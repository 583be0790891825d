//! Bookmarks: numbers naming a row of the view (`CreateBookmark`), which stay on their
//! row while it moves and, once it is gone, lead to the row that followed it. A bookmark
//! is a `BOOKMARK`, which Microsoft's MAPIDefS.h declares `ULONG_PTR` (8 bytes on x64),
//! kept whole: a number no `CreateBookmark` gave is `MAPI_E_INVALID_BOOKMARK`, whatever
//! its low 32 bits.

use std::collections::HashMap;

use mapi_sync_runtime::sys::{self, BOOKMARK};
use mapi_sync_runtime::{Error, Result};

use super::sort::SortCell;

/// Where a bookmark is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
    /// Past the last row (made with the cursor at the end).
    End,
    /// On a row: its place in the order (its sort values, its sequence number and
    /// instance), kept so that when the row goes, the row that followed it can be found.
    Row(Place),
    /// Discarded by `Restrict` or `SortTable`: using it is `MAPI_E_INVALID_BOOKMARK`,
    /// freeing it is still fine.
    Invalid,
}

/// A row's place in the view's order, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    pub seq: u64,
    pub inst: u32,
    /// The row's value of each sort key (for the instance column, the instance's value).
    pub values: Vec<SortCell>,
}

/// The first number `CreateBookmark` gives: 0, 1 and 2 are `BOOKMARK_BEGINNING`,
/// `BOOKMARK_CURRENT` and `BOOKMARK_END`.
pub const FIRST_BOOKMARK: BOOKMARK = 3;

/// How many bookmarks a table keeps at once; `CreateBookmark` past it answers
/// `MAPI_E_UNABLE_TO_COMPLETE`, as the `IMAPITable::CreateBookmark` page tells a table
/// to (each keeps its row's sort values).
pub const MAX_BOOKMARKS: usize = 65_536;

/// A table's bookmarks.
#[derive(Debug, Default)]
pub(crate) struct Bookmarks {
    marks: HashMap<BOOKMARK, Mark>,
    next: BOOKMARK,
}

impl Bookmarks {
    /// A new bookmark at `mark`, and its number; `MAPI_E_UNABLE_TO_COMPLETE` when there
    /// are [`MAX_BOOKMARKS`].
    pub fn create(&mut self, mark: Mark) -> Result<BOOKMARK> {
        if self.marks.len() >= MAX_BOOKMARKS {
            return Err(Error::new(sys::MAPI_E_UNABLE_TO_COMPLETE));
        }
        loop {
            let id = self.next.max(FIRST_BOOKMARK);
            self.next = id.checked_add(1).unwrap_or(FIRST_BOOKMARK);
            if let std::collections::hash_map::Entry::Vacant(e) = self.marks.entry(id) {
                e.insert(mark);
                return Ok(id);
            }
        }
    }

    /// Frees bookmark `id`: `MAPI_E_INVALID_BOOKMARK` for a number that is not one.
    /// The three predefined ones are not freed and not an error.
    pub fn free(&mut self, id: BOOKMARK) -> Result<()> {
        if id < FIRST_BOOKMARK || self.marks.remove(&id).is_some() {
            Ok(())
        } else {
            Err(Error::new(sys::MAPI_E_INVALID_BOOKMARK))
        }
    }

    /// Bookmark `id`; `MAPI_E_INVALID_BOOKMARK` if there is none.
    pub fn get(&self, id: BOOKMARK) -> Result<&Mark> {
        self.marks
            .get(&id)
            .ok_or_else(|| Error::new(sys::MAPI_E_INVALID_BOOKMARK))
    }

    /// Moves bookmark `id` to `mark`.
    pub fn set(&mut self, id: BOOKMARK, mark: Mark) {
        if let Some(m) = self.marks.get_mut(&id) {
            *m = mark;
        }
    }

    /// Every bookmark, to update.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Mark> {
        self.marks.values_mut()
    }

    /// How many there are.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.marks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_start_after_the_predefined_ones_and_free_once() {
        let mut b = Bookmarks::default();
        let one = b.create(Mark::End).unwrap();
        let two = b.create(Mark::Invalid).unwrap();
        assert_eq!((one, two), (FIRST_BOOKMARK, FIRST_BOOKMARK + 1));
        assert_eq!(b.get(one).unwrap(), &Mark::End);
        b.free(one).unwrap();
        assert_eq!(
            b.free(one).unwrap_err().code(),
            sys::MAPI_E_INVALID_BOOKMARK
        );
        assert_eq!(b.get(one).unwrap_err().code(), sys::MAPI_E_INVALID_BOOKMARK);
        // The predefined ones are always there.
        b.free(sys::BOOKMARK_CURRENT).unwrap();
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn past_the_limit_creating_is_unable_to_complete_until_one_is_freed() {
        let mut b = Bookmarks::default();
        let mut last = 0;
        for _ in 0..MAX_BOOKMARKS {
            last = b.create(Mark::End).unwrap();
        }
        let e = b.create(Mark::End).unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_UNABLE_TO_COMPLETE);
        b.free(last).unwrap();
        assert_eq!(b.create(Mark::End).unwrap(), last + 1);
    }
}
