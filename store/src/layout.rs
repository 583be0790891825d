//! The folder layout Outlook expects, whatever the backend has.
//!
//! # What MAPI and Outlook expect
//!
//! - A root folder, apart from the IPM subtree; under the root the IPM subtree (the top of
//!   what the user sees), the search root (where search folders live), and the views and
//!   common views folders; under the IPM subtree the inbox, the outbox, Sent Items and
//!   Deleted Items (Microsoft, "Message Store Features", "IPM Subtree", "MAPI Special
//!   Folders").
//! - The store names them by properties: `PR_IPM_SUBTREE_ENTRYID`,
//!   `PR_IPM_OUTBOX_ENTRYID`, `PR_IPM_SENTMAIL_ENTRYID`, `PR_IPM_WASTEBASKET_ENTRYID`,
//!   `PR_FINDER_ENTRYID`, `PR_VIEWS_ENTRYID`, `PR_COMMON_VIEWS_ENTRYID`; the inbox through
//!   `IMsgStore::GetReceiveFolder`.
//! - `PR_VALID_FOLDER_MASK` says which of those identifiers are valid; MAPI creates the
//!   folders a store lacks on its first open (`HrValidateIPMSubtree`) unless the mask says
//!   they exist ("PidTagValidFolderMask").
//!
//! # What the framework does
//!
//! The backend maps the special folders it has to folders of its own ([`Layout::new`]);
//! the framework supplies every other one, so the mask is always whole and MAPI never
//! tries to create folders in a store that may not be able to keep them. A supplied folder
//! has no messages and no backend subfolders, but the backend's own top-level folders go
//! under the IPM subtree ([`Layout::top_level_parent`]).

use std::collections::HashMap;

use crate::entry_id::{EntryId, Special, StoreUid};
use mapi_sync_runtime::sys::{self, ULONG};

/// Where the special folders are: the backend's folders for those it maps, the
/// framework's for the rest.
#[derive(Debug, Clone)]
pub struct Layout {
    store: StoreUid,
    mapped: HashMap<Special, Vec<u8>>,
}

impl Layout {
    /// The layout of a store whose backend maps the special folders in `mapped` to its
    /// own folder ids (for example the inbox of a mail account). A special folder mapped
    /// twice keeps its last mapping.
    pub fn new(store: StoreUid, mapped: impl IntoIterator<Item = (Special, Vec<u8>)>) -> Layout {
        Layout {
            store,
            mapped: mapped.into_iter().collect(),
        }
    }

    /// The backend's folder id for `special`, if the backend maps it.
    pub fn mapped(&self, special: Special) -> Option<&[u8]> {
        self.mapped.get(&special).map(Vec::as_slice)
    }

    /// Whether the framework supplies `special` (the backend maps it to none of its own).
    pub fn is_supplied(&self, special: Special) -> bool {
        !self.mapped.contains_key(&special)
    }

    /// The entry identifier of `special`: its backend folder's, or the framework's.
    pub fn entry_id(&self, special: Special) -> EntryId {
        match self.mapped(special) {
            Some(id) => EntryId::folder(self.store, id),
            None => EntryId::supplied(self.store, special),
        }
    }

    /// The special folder a backend folder id is mapped as, if any.
    pub fn special_of(&self, folder: &[u8]) -> Option<Special> {
        Special::ALL
            .iter()
            .copied()
            .find(|&s| self.mapped(s) == Some(folder))
    }

    /// The parent of a special folder: `None` for the root.
    pub fn parent(special: Special) -> Option<Special> {
        match special {
            Special::Root => None,
            Special::IpmSubtree | Special::SearchRoot | Special::Views | Special::CommonViews => {
                Some(Special::Root)
            }
            Special::Inbox | Special::Outbox | Special::SentItems | Special::DeletedItems => {
                Some(Special::IpmSubtree)
            }
        }
    }

    /// The special folders whose parent is `special`, in the order a hierarchy table
    /// lists them.
    pub fn children(special: Special) -> impl Iterator<Item = Special> {
        Special::ALL
            .into_iter()
            .filter(move |&s| Layout::parent(s) == Some(special))
    }

    /// Where a backend folder without a parent of its own goes: under the IPM subtree, so
    /// the user sees it.
    pub fn top_level_parent(&self) -> EntryId {
        self.entry_id(Special::IpmSubtree)
    }

    /// `PR_VALID_FOLDER_MASK`: every special folder is there, the backend's or the
    /// framework's.
    pub fn valid_folder_mask(&self) -> ULONG {
        sys::FOLDER_IPM_SUBTREE_VALID
            | sys::FOLDER_IPM_INBOX_VALID
            | sys::FOLDER_IPM_OUTBOX_VALID
            | sys::FOLDER_IPM_WASTEBASKET_VALID
            | sys::FOLDER_IPM_SENTMAIL_VALID
            | sys::FOLDER_VIEWS_VALID
            | sys::FOLDER_COMMON_VIEWS_VALID
            | sys::FOLDER_FINDER_VALID
    }

    /// The store's properties naming its special folders: each tag with the folder's
    /// long-term entry identifier (the inbox has none: `GetReceiveFolder` names it).
    pub fn store_properties(&self) -> Vec<(ULONG, Vec<u8>)> {
        [
            (sys::PR_IPM_SUBTREE_ENTRYID, Special::IpmSubtree),
            (sys::PR_IPM_OUTBOX_ENTRYID, Special::Outbox),
            (sys::PR_IPM_SENTMAIL_ENTRYID, Special::SentItems),
            (sys::PR_IPM_WASTEBASKET_ENTRYID, Special::DeletedItems),
            (sys::PR_FINDER_ENTRYID, Special::SearchRoot),
            (sys::PR_VIEWS_ENTRYID, Special::Views),
            (sys::PR_COMMON_VIEWS_ENTRYID, Special::CommonViews),
        ]
        .into_iter()
        .map(|(tag, special)| (tag, self.entry_id(special).to_bytes()))
        .collect()
    }

    /// What a supplied folder is called: the names Outlook shows for them in English.
    pub fn display_name(special: Special) -> &'static str {
        match special {
            Special::Root => "Root",
            Special::IpmSubtree => "Top of Information Store",
            Special::SearchRoot => "Search Root",
            Special::Inbox => "Inbox",
            Special::Outbox => "Outbox",
            Special::SentItems => "Sent Items",
            Special::DeletedItems => "Deleted Items",
            Special::Views => "Views",
            Special::CommonViews => "Common Views",
        }
    }

    /// `PR_FOLDER_TYPE` of a supplied folder: `FOLDER_ROOT` for the root, `FOLDER_GENERIC`
    /// for the others (the search root holds search folders but is not one).
    pub fn folder_type(special: Special) -> ULONG {
        match special {
            Special::Root => sys::FOLDER_ROOT,
            _ => sys::FOLDER_GENERIC,
        }
    }

    /// `PR_CONTAINER_CLASS` of a supplied folder: `IPF.Note` for the mail folders under the
    /// IPM subtree, none for the others.
    pub fn container_class(special: Special) -> Option<&'static str> {
        match Layout::parent(special) {
            Some(Special::IpmSubtree) => Some("IPF.Note"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry_id::Target;

    const UID: StoreUid = StoreUid([3; 16]);

    #[test]
    fn the_tree_has_one_root_and_every_folder_reaches_it() {
        let roots: Vec<_> = Special::ALL
            .into_iter()
            .filter(|&s| Layout::parent(s).is_none())
            .collect();
        assert_eq!(roots, [Special::Root]);
        for s in Special::ALL {
            let mut at = s;
            let mut steps = 0;
            while let Some(parent) = Layout::parent(at) {
                assert!(Layout::children(parent).any(|c| c == at));
                at = parent;
                steps += 1;
            }
            assert!(steps <= 2, "{s:?} is at most two levels down");
        }
        assert_eq!(
            Layout::children(Special::IpmSubtree).collect::<Vec<_>>(),
            [
                Special::Inbox,
                Special::Outbox,
                Special::SentItems,
                Special::DeletedItems
            ]
        );
    }

    #[test]
    fn what_the_backend_maps_is_its_and_the_framework_supplies_the_rest() {
        let layout = Layout::new(UID, [(Special::Inbox, b"INBOX".to_vec())]);
        assert!(!layout.is_supplied(Special::Inbox));
        assert!(layout.is_supplied(Special::Outbox));
        assert_eq!(
            layout.entry_id(Special::Inbox).target(),
            &Target::Folder(b"INBOX".to_vec())
        );
        assert_eq!(
            layout.entry_id(Special::Outbox).target(),
            &Target::Special(Special::Outbox)
        );
        assert_eq!(layout.special_of(b"INBOX"), Some(Special::Inbox));
        assert_eq!(layout.special_of(b"Archive"), None);
        assert_eq!(
            layout.top_level_parent().target(),
            &Target::Special(Special::IpmSubtree)
        );
    }

    #[test]
    fn the_store_names_every_special_folder_but_the_inbox_and_says_all_are_valid() {
        let layout = Layout::new(UID, []);
        let props = layout.store_properties();
        assert_eq!(props.len(), 7);
        let mut ids: Vec<_> = props.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 7, "seven different folders");
        for (tag, id) in &props {
            let parsed = EntryId::parse(id, UID).unwrap();
            assert!(
                matches!(parsed.target(), Target::Special(s) if *s != Special::Inbox),
                "{tag:#010X}"
            );
        }
        // The eight FOLDER_*_VALID bits of mapidefs.h, none missing.
        assert_eq!(layout.valid_folder_mask(), 0xFF);
    }

    #[test]
    fn supplied_folders_have_names_types_and_classes() {
        for s in Special::ALL {
            assert!(!Layout::display_name(s).is_empty());
        }
        assert_eq!(Layout::folder_type(Special::Root), sys::FOLDER_ROOT);
        assert_eq!(Layout::folder_type(Special::Inbox), sys::FOLDER_GENERIC);
        assert_eq!(
            Layout::container_class(Special::SentItems),
            Some("IPF.Note")
        );
        assert_eq!(Layout::container_class(Special::SearchRoot), None);
    }
}
