//! [`FolderTree`]: the backend's folders put in the layout Outlook expects, checked.
//!
//! The tree has the framework's special folders where the backend maps none
//! ([`layout`](crate::layout)), and every backend folder under its parent: a top-level
//! one under the IPM subtree, a special one without a parent under its special parent (an
//! inbox under the IPM subtree). What a hierarchy table shows comes from it: a folder's
//! children, `PR_DEPTH` (zero for the folder's own children, one more per level below;
//! Microsoft, "PidTagDepth" and "Writing a Hierarchy Viewer", relative to the folder
//! whose table it is), `PR_SUBFOLDERS`, and every folder's parent for
//! `PR_PARENT_ENTRYID`.

use std::collections::HashMap;
use std::sync::Arc;

use mapi_sync_runtime::sys;
use mapi_sync_runtime::{Error, Result};

use crate::backend::FolderInfo;
use crate::entry_id::{EntryId, Special, StoreUid};
use crate::layout::Layout;

/// A folder of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// A special folder the framework supplies.
    Supplied(Special),
    /// The backend's folder at this index of [`FolderTree::folders`].
    Backend(usize),
}

/// The folder tree of a store.
#[derive(Debug, Clone)]
pub struct FolderTree {
    store: StoreUid,
    layout: Layout,
    /// The backend's folders, each at the index its [`Node`] names; after a refresh, one
    /// that went keeps its place (so a node never names another folder) but is in no
    /// other field.
    folders: Vec<FolderInfo>,
    /// The indices of the folders there now, in the order the backend lists them.
    order: Vec<usize>,
    by_id: HashMap<Vec<u8>, usize>,
    parents: HashMap<Node, Node>,
    children: HashMap<Node, Vec<Node>>,
    /// The store's entry id as it is handed out (`PR_STORE_ENTRYID`): wrapped by MAPI at
    /// logon, else the store's own.
    store_entry_id: Arc<[u8]>,
}

fn corrupt(what: String) -> Error {
    Error::with_message(sys::MAPI_E_CORRUPT_DATA, what)
}

fn shown(id: &[u8]) -> String {
    String::from_utf8_lossy(id).into_owned()
}

impl FolderTree {
    /// Puts `folders` (what [`Backend::folders`](crate::backend::Backend::folders) gave)
    /// in the layout. `MAPI_E_CORRUPT_DATA`, naming the folder, for an id listed twice, a
    /// parent that is not one of the folders, a folder that is its own ancestor, two
    /// folders of the same special role, or one mapped as the root (the root is always
    /// the framework's).
    pub fn new(store: StoreUid, folders: Vec<FolderInfo>) -> Result<FolderTree> {
        let order = (0..folders.len()).collect();
        Self::placed(store, folders, order)
    }

    /// The tree `folders` (the backend's list now) make after this one: a folder this
    /// tree has keeps its node, a new one gets a node no folder had, and one that went
    /// keeps its node but is gone from the tree (so an object open on it finds it gone,
    /// never another folder). The store's entry id as handed out stays.
    pub fn refreshed(&self, folders: Vec<FolderInfo>) -> Result<FolderTree> {
        let mut slots = self.folders.clone();
        let mut order = Vec::with_capacity(folders.len());
        for folder in folders {
            let at = match self.folders.iter().position(|f| f.id == folder.id) {
                Some(i) => i,
                None => {
                    slots.push(folder.clone());
                    slots.len() - 1
                }
            };
            if order.contains(&at) {
                return Err(corrupt(format!(
                    "folder {:?} is listed twice",
                    shown(&folder.id)
                )));
            }
            slots[at] = folder;
            order.push(at);
        }
        Ok(
            Self::placed(self.store, slots, order)?
                .with_store_entry_id(self.store_entry_id.clone()),
        )
    }

    /// The tree of the folders at `order`'s indices of `folders`.
    fn placed(store: StoreUid, folders: Vec<FolderInfo>, order: Vec<usize>) -> Result<FolderTree> {
        let mut by_id = HashMap::new();
        let mut mapped = Vec::new();
        for &i in &order {
            let f = &folders[i];
            if by_id.insert(f.id.clone(), i).is_some() {
                return Err(corrupt(format!(
                    "folder {:?} is listed twice",
                    shown(&f.id)
                )));
            }
            if let Some(special) = f.special {
                if special == Special::Root {
                    return Err(corrupt(format!(
                        "folder {:?} cannot be the root: the root is the framework's",
                        shown(&f.id)
                    )));
                }
                if mapped.iter().any(|(s, _)| *s == special) {
                    return Err(corrupt(format!(
                        "folder {:?} is a second {special:?}",
                        shown(&f.id)
                    )));
                }
                mapped.push((special, f.id.clone()));
            }
        }
        let mut tree = FolderTree {
            store,
            layout: Layout::new(store, mapped),
            folders,
            order,
            by_id,
            parents: HashMap::new(),
            children: HashMap::new(),
            store_entry_id: EntryId::store(store).to_bytes().into(),
        };
        tree.link()?;
        tree.check_acyclic()?;
        Ok(tree)
    }

    /// The node a special folder is: the backend's folder it is mapped to, or the
    /// framework's.
    pub fn special(&self, special: Special) -> Node {
        match self.layout.mapped(special) {
            Some(id) => Node::Backend(self.by_id[id]),
            None => Node::Supplied(special),
        }
    }

    /// Fills in every node's parent and children.
    fn link(&mut self) -> Result<()> {
        let mut links = Vec::new();
        for s in Special::ALL {
            if let (true, Some(parent)) = (self.layout.is_supplied(s), Layout::parent(s)) {
                links.push((Node::Supplied(s), self.special(parent)));
            }
        }
        for &i in &self.order {
            let f = &self.folders[i];
            let parent = match (&f.parent, f.special) {
                (Some(p), _) => match self.by_id.get(p) {
                    Some(&j) => Node::Backend(j),
                    None => {
                        return Err(corrupt(format!(
                            "folder {:?} has parent {:?}, which is not one of the folders",
                            shown(&f.id),
                            shown(p)
                        )))
                    }
                },
                (None, Some(s)) => self.special(Layout::parent(s).unwrap_or(Special::Root)),
                (None, None) => self.special(Special::IpmSubtree),
            };
            links.push((Node::Backend(i), parent));
        }
        for (child, parent) in links {
            self.parents.insert(child, parent);
            self.children.entry(parent).or_default().push(child);
        }
        Ok(())
    }

    /// Refuses a folder that is its own ancestor (its walk up never reaches the root).
    fn check_acyclic(&self) -> Result<()> {
        for &i in &self.order {
            let mut at = Node::Backend(i);
            for _ in 0..=self.folders.len() + Special::ALL.len() {
                match self.parent(at) {
                    Some(parent) => at = parent,
                    None => break,
                }
            }
            if at != Node::Supplied(Special::Root) {
                return Err(corrupt(format!(
                    "folder {:?} is its own ancestor",
                    shown(&self.folders[i].id)
                )));
            }
        }
        Ok(())
    }

    /// The same tree, its store's entry id handed out as `entry_id` (the one MAPI's
    /// `WrapStoreEntryID` made of the store's own).
    pub fn with_store_entry_id(mut self, entry_id: Arc<[u8]>) -> FolderTree {
        self.store_entry_id = entry_id;
        self
    }

    /// The store's entry id as it is handed out (`PR_ENTRYID` of the store,
    /// `PR_STORE_ENTRYID` of every object).
    pub fn store_entry_id(&self) -> &Arc<[u8]> {
        &self.store_entry_id
    }

    /// Whether `bytes` is the store's entry id as it is handed out, its flags (the first
    /// four bytes) aside: a client may hand the wrapped form back to `OpenEntry` and
    /// `CompareEntryIDs`.
    pub fn is_handed_out_store_id(&self, bytes: &[u8]) -> bool {
        let ours = &self.store_entry_id;
        bytes.len() == ours.len() && bytes.len() >= 4 && bytes[4..] == ours[4..]
    }

    /// The layout the tree follows.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The backend's folders, as it listed them.
    pub fn folders(&self) -> &[FolderInfo] {
        &self.folders
    }

    /// The node of backend folder `id`.
    pub fn node_of(&self, id: &[u8]) -> Option<Node> {
        self.by_id.get(id).map(|&i| Node::Backend(i))
    }

    /// The bytes that name folder `node` where the store keeps something for it (its
    /// associated messages, read state) and in its messages' entry ids: a backend
    /// folder's own id, or for a folder the framework supplies `0xFF`, `S` and the
    /// folder's code (backend folder ids must not start with `0xFF`).
    pub fn folder_key(&self, node: Node) -> Vec<u8> {
        match node {
            Node::Backend(i) => self.folders()[i].id.clone(),
            Node::Supplied(s) => vec![0xFF, b'S', s.code()],
        }
    }

    /// The folder [`folder_key`](FolderTree::folder_key) names, if it is in the tree.
    pub fn node_of_key(&self, key: &[u8]) -> Option<Node> {
        if let [0xFF, b'S', code] = key {
            let special = Special::from_code(*code)?;
            let node = self.special(special);
            return matches!(node, Node::Supplied(_)).then_some(node);
        }
        self.node_of(key)
    }

    /// The root.
    pub fn root(&self) -> Node {
        Node::Supplied(Special::Root)
    }

    /// A node's parent; `None` for the root.
    pub fn parent(&self, node: Node) -> Option<Node> {
        self.parents.get(&node).copied()
    }

    /// A node's children: the framework's special folders first, then the backend's in
    /// its order.
    pub fn children(&self, node: Node) -> &[Node] {
        self.children.get(&node).map_or(&[], Vec::as_slice)
    }

    /// The nodes below `node` as a hierarchy table lists them with `depth` levels
    /// (`CONVENIENT_DEPTH`: every level, `usize::MAX`; without it, 1): each with its
    /// `PR_DEPTH`, a parent before its children.
    pub fn below(&self, node: Node, depth: usize) -> Vec<(Node, u32)> {
        let mut out = Vec::new();
        let mut stack: Vec<(Node, u32)> =
            self.children(node).iter().rev().map(|&c| (c, 0)).collect();
        while let Some((at, level)) = stack.pop() {
            out.push((at, level));
            if (level as usize) + 1 < depth {
                stack.extend(self.children(at).iter().rev().map(|&c| (c, level + 1)));
            }
        }
        out
    }

    /// A node's entry identifier.
    pub fn entry_id(&self, node: Node) -> EntryId {
        match node {
            Node::Supplied(s) => self.layout.entry_id(s),
            Node::Backend(i) => EntryId::folder(self.store, &self.folders[i].id),
        }
    }

    /// A node's display name.
    pub fn display_name(&self, node: Node) -> &str {
        match node {
            Node::Supplied(s) => Layout::display_name(s),
            Node::Backend(i) => &self.folders[i].display_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: StoreUid = StoreUid([5; 16]);

    fn tree() -> FolderTree {
        FolderTree::new(
            UID,
            vec![
                FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
                FolderInfo::mail("INBOX/Lists", Some(b"INBOX"), "Lists"),
                FolderInfo::mail("INBOX/Lists/Rust", Some(b"INBOX/Lists"), "Rust"),
                FolderInfo::mail("Archive", None, "Archive"),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_refresh_keeps_every_folders_node_and_never_gives_a_gone_ones_to_another() {
        let t = tree();
        let (inbox, lists, rust, archive) = (
            t.node_of(b"INBOX").unwrap(),
            t.node_of(b"INBOX/Lists").unwrap(),
            t.node_of(b"INBOX/Lists/Rust").unwrap(),
            t.node_of(b"Archive").unwrap(),
        );
        // Lists and Rust gone; Drafts new, listed first; Archive renamed.
        let r = t
            .refreshed(vec![
                FolderInfo::mail("Drafts", None, "Drafts"),
                FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
                FolderInfo::mail("Archive", None, "Old mail"),
            ])
            .unwrap();
        assert_eq!(r.node_of(b"INBOX"), Some(inbox));
        assert_eq!(r.node_of(b"Archive"), Some(archive));
        assert_eq!(r.display_name(archive), "Old mail");
        let drafts = r.node_of(b"Drafts").unwrap();
        assert!(![inbox, lists, rust, archive].contains(&drafts));
        // The gone ones: in no table, found by no id, their nodes still theirs.
        assert_eq!(r.node_of(b"INBOX/Lists"), None);
        assert_eq!(r.folder_key(lists), b"INBOX/Lists");
        assert!(r.children(inbox).is_empty());
        // Siblings in the backend's order now.
        let ipm = r.special(Special::IpmSubtree);
        let names: Vec<&str> = r.children(ipm).iter().map(|&n| r.display_name(n)).collect();
        assert_eq!(
            names,
            [
                "Outbox",
                "Sent Items",
                "Deleted Items",
                "Drafts",
                "Inbox",
                "Old mail"
            ]
        );
        // A folder that comes back gets its old node again.
        let again = r
            .refreshed(vec![FolderInfo::mail("INBOX/Lists", None, "Lists")])
            .unwrap();
        assert_eq!(again.node_of(b"INBOX/Lists"), Some(lists));
        assert_eq!(again.node_of(b"Drafts"), None);
        // A list with an id twice is refused as at logon.
        let twice = vec![
            FolderInfo::mail("A", None, "A"),
            FolderInfo::mail("A", None, "A"),
        ];
        assert_eq!(
            t.refreshed(twice).unwrap_err().code(),
            sys::MAPI_E_CORRUPT_DATA
        );
    }

    #[test]
    fn backend_folders_sit_in_the_layout() {
        let t = tree();
        let ipm = t.special(Special::IpmSubtree);
        assert_eq!(ipm, Node::Supplied(Special::IpmSubtree));
        let inbox = t.node_of(b"INBOX").unwrap();
        assert_eq!(t.special(Special::Inbox), inbox);
        assert_eq!(t.parent(inbox), Some(ipm));
        assert_eq!(t.parent(t.node_of(b"Archive").unwrap()), Some(ipm));
        let names: Vec<&str> = t.children(ipm).iter().map(|&n| t.display_name(n)).collect();
        assert_eq!(
            names,
            ["Outbox", "Sent Items", "Deleted Items", "Inbox", "Archive"]
        );
        let root: Vec<&str> = t
            .children(t.root())
            .iter()
            .map(|&n| t.display_name(n))
            .collect();
        assert_eq!(
            root,
            [
                "Top of Information Store",
                "Search Root",
                "Views",
                "Common Views"
            ]
        );
        assert_eq!(t.parent(t.root()), None);
    }

    #[test]
    fn depth_counts_from_the_folder_whose_table_it_is() {
        let t = tree();
        let ipm = t.special(Special::IpmSubtree);
        let one_level: Vec<_> = t
            .below(ipm, 1)
            .iter()
            .map(|&(n, d)| (t.display_name(n), d))
            .collect();
        assert_eq!(one_level.len(), 5);
        assert!(one_level.iter().all(|&(_, d)| d == 0));
        let all: Vec<_> = t
            .below(ipm, usize::MAX)
            .iter()
            .map(|&(n, d)| (t.display_name(n), d))
            .collect();
        assert_eq!(
            all,
            [
                ("Outbox", 0),
                ("Sent Items", 0),
                ("Deleted Items", 0),
                ("Inbox", 0),
                ("Lists", 1),
                ("Rust", 2),
                ("Archive", 0)
            ]
        );
        let from_inbox: Vec<_> = t
            .below(t.node_of(b"INBOX").unwrap(), usize::MAX)
            .iter()
            .map(|&(n, d)| (t.display_name(n), d))
            .collect();
        assert_eq!(from_inbox, [("Lists", 0), ("Rust", 1)]);
    }

    #[test]
    fn every_node_has_its_own_entry_id() {
        let t = tree();
        let mut ids: Vec<Vec<u8>> = t
            .below(t.root(), usize::MAX)
            .iter()
            .map(|&(n, _)| t.entry_id(n).to_bytes())
            .collect();
        ids.push(t.entry_id(t.root()).to_bytes());
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert_eq!(
            count,
            9 - 1 + 4,
            "eight supplied but the inbox, and four backend folders"
        );
    }

    #[test]
    fn a_tree_that_cannot_be_is_refused_naming_the_folder() {
        let cases = [
            (
                vec![
                    FolderInfo::mail("A", None, "A"),
                    FolderInfo::mail("A", None, "again"),
                ],
                "listed twice",
            ),
            (
                vec![FolderInfo::mail("A", Some(b"B"), "A")],
                "not one of the folders",
            ),
            (
                vec![
                    FolderInfo::mail("A", Some(b"B"), "A"),
                    FolderInfo::mail("B", Some(b"A"), "B"),
                ],
                "its own ancestor",
            ),
            (
                vec![
                    FolderInfo::mail("A", None, "A").as_special(Special::Inbox),
                    FolderInfo::mail("B", None, "B").as_special(Special::Inbox),
                ],
                "second Inbox",
            ),
            (
                vec![FolderInfo::mail("R", None, "R").as_special(Special::Root)],
                "cannot be the root",
            ),
        ];
        for (folders, what) in cases {
            let e = FolderTree::new(UID, folders).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            assert!(e.to_string().contains(what), "{e}");
        }
    }
}
