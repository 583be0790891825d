//! The row sources of a store's tables, on its [`Backend`]: a folder's hierarchy table
//! ([`HierarchySource`]: the folders below it, from the [`FolderTree`]) and its contents
//! tables ([`ContentsSource`]: its messages, or its associated ones). Each row has the
//! framework's computed properties ([`identity`](mod@crate::identity)) beside what the
//! backend gives, so an object and its row agree.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use mapi_sync_runtime::props::{prop_id, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use crate::backend::{Backend, MessageRef};
use crate::entry_id::EntryId;
use crate::identity::{self, Computed};
use crate::keep::Keep;
use crate::layout::Layout;
use crate::subobjects;
use crate::summary::{self, Summary};
use crate::table::view::RowVec;
use crate::table::{RowKey, RowSource};
use crate::tree::{FolderTree, Node};

/// How many rows a contents table asks its backend about at a time.
const CHUNK: usize = 512;

/// Whether `columns` ask for `tag` (by identifier, as the engine matches columns).
fn asked(columns: &[ULONG], tag: ULONG) -> bool {
    columns.iter().any(|&c| prop_id(c) == prop_id(tag))
}

/// The computed and given properties `columns` ask for, as props.
fn props<'a>(columns: &[ULONG], computed: &'a [Computed]) -> Vec<Prop<'a>> {
    computed
        .iter()
        .filter(|(tag, _)| asked(columns, *tag))
        .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok())
        .collect()
}

/// What a folder's row and object show beside what the backend gives: its identity,
/// name, type, class, `PR_SUBFOLDERS`.
pub fn folder_properties(tree: &FolderTree, node: Node) -> Vec<Computed> {
    let id = tree.entry_id(node);
    let parent = tree
        .parent(node)
        .map_or_else(|| id.clone(), |p| tree.entry_id(p));
    let mut out = identity::folder(&id, &parent, tree.store_entry_id());
    let name: Vec<u16> = tree.display_name(node).encode_utf16().collect();
    out.push((sys::PR_DISPLAY_NAME_W, OwnedValue::Unicode(name)));
    out.push((
        sys::PR_SUBFOLDERS,
        OwnedValue::Boolean(!tree.children(node).is_empty()),
    ));
    let (folder_type, class) = match node {
        Node::Supplied(s) => (Layout::folder_type(s), Layout::container_class(s)),
        Node::Backend(i) => (
            sys::FOLDER_GENERIC,
            tree.folders()[i].container_class.as_deref(),
        ),
    };
    out.push((sys::PR_FOLDER_TYPE, OwnedValue::Long(folder_type as i32)));
    if let Some(class) = class {
        out.push((
            sys::PR_CONTAINER_CLASS_W,
            OwnedValue::Unicode(class.encode_utf16().collect()),
        ));
    }
    out
}

/// A folder's hierarchy table: the folders below it, each with its `PR_DEPTH`.
pub struct HierarchySource<B> {
    backend: Arc<B>,
    tree: Arc<FolderTree>,
    rows: Vec<(Node, u32)>,
}

impl<B: Backend> HierarchySource<B> {
    /// The folders below `node`, `depth` levels of them (`usize::MAX` with
    /// `CONVENIENT_DEPTH`, else 1).
    pub fn new(backend: Arc<B>, tree: Arc<FolderTree>, node: Node, depth: usize) -> Self {
        let rows = tree.below(node, depth);
        HierarchySource {
            backend,
            tree,
            rows,
        }
    }
}

impl<B: Backend> RowSource for HierarchySource<B> {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        keys.extend(0..self.rows.len() as RowKey);
        Ok(())
    }

    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        for (i, &key) in rows.iter().enumerate() {
            let Some(&(node, depth)) = self.rows.get(key as usize) else {
                continue;
            };
            let mut computed = folder_properties(&self.tree, node);
            computed.push((sys::PR_DEPTH, OwnedValue::Long(depth as i32)));
            let mine = props(columns, &computed);
            match node {
                Node::Supplied(_) => answer(i, &mine),
                Node::Backend(f) => {
                    let id = &self.tree.folders()[f].id;
                    let mut answered = false;
                    self.backend.folder_properties(id, &mut |theirs| {
                        let mut all = mine.clone();
                        all.extend(theirs.iter().filter(|p| asked(columns, p.tag())));
                        answer(i, &all);
                        answered = true;
                    })?;
                    if !answered {
                        answer(i, &mine);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A folder's contents table (or its associated contents): its messages, whose ids the
/// backend gave when the table opened (and, for associated contents, the ones the
/// store keeps), with the read state the store keeps over the backend's flags.
pub struct ContentsSource<B> {
    backend: Arc<B>,
    folder: EntryId,
    /// The backend's folder id; `None` for a folder the framework supplies.
    backend_folder: Option<Vec<u8>>,
    /// The folder's key in the store's keep.
    folder_key: Vec<u8>,
    /// Whether it lists the folder's associated messages.
    associated: bool,
    /// Each row's message id, by row key; `None` for a message that went away.
    ids: Vec<Option<Vec<u8>>>,
    /// Each row's number, as the backend numbered its messages when the table opened
    /// (`Backend::numbered_messages`); shorter than `ids` (none for the rest) when the
    /// rows after it came in later.
    numbers: Vec<Option<u64>>,
    /// The row key of each message id of `ids`, made when first asked for (a change
    /// the backend reports), then kept up to date: opening a table costs no hashing.
    by_id: OnceLock<HashMap<Vec<u8>, RowKey>>,
    /// The store's entry id as handed out (`PR_STORE_ENTRYID`).
    store_entry_id: Arc<[u8]>,
    keep: Arc<Keep>,
}

impl<B: Backend> ContentsSource<B> {
    /// The messages of folder `node` of `tree` (associated ones when `associated`), with
    /// nothing kept by the store.
    pub fn new(backend: Arc<B>, tree: &FolderTree, node: Node, associated: bool) -> Result<Self> {
        Self::with_keep(backend, tree, node, associated, Arc::new(Keep::in_memory()))
    }

    /// The same, with what `keep` keeps: its read state, and its associated messages of
    /// the folder after the backend's.
    pub fn with_keep(
        backend: Arc<B>,
        tree: &FolderTree,
        node: Node,
        associated: bool,
        keep: Arc<Keep>,
    ) -> Result<Self> {
        let backend_folder = match node {
            Node::Supplied(_) => None,
            Node::Backend(i) => Some(tree.folders()[i].id.clone()),
        };
        let folder_key = tree.folder_key(node);
        let mut listed = Vec::new();
        if let Some(folder) = &backend_folder {
            backend.numbered_messages(folder, associated, &mut listed)?;
        }
        let (mut ids, numbers): (Vec<Option<Vec<u8>>>, Vec<Option<u64>>) = listed
            .into_iter()
            .map(|(id, number)| (Some(id), number))
            .unzip();
        if associated {
            ids.extend(keep.associated(&folder_key).into_iter().map(Some));
        }
        Ok(ContentsSource {
            backend,
            folder: tree.entry_id(node),
            backend_folder,
            folder_key,
            associated,
            ids,
            numbers,
            by_id: OnceLock::new(),
            store_entry_id: tree.store_entry_id().clone(),
            keep,
        })
    }

    /// The backend's id of the message at row `key`.
    pub fn message_id(&self, key: RowKey) -> Option<&[u8]> {
        self.ids.get(key as usize)?.as_deref()
    }

    /// The message at row `key`, with the backend's number for it if it gave one.
    fn message_ref(&self, key: RowKey) -> Option<MessageRef<'_>> {
        Some(MessageRef {
            id: self.message_id(key)?,
            number: self.numbers.get(key as usize).copied().flatten(),
        })
    }

    /// The folder's key (its backend id, or the key of a folder the framework supplies).
    pub fn folder_key(&self) -> &[u8] {
        &self.folder_key
    }

    /// Whether the table lists associated messages.
    pub fn is_associated(&self) -> bool {
        self.associated
    }

    /// The row key of each message id, made the first time it is needed.
    fn by_id(&self) -> &HashMap<Vec<u8>, RowKey> {
        self.by_id.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.ids.len());
            for (k, id) in self.ids.iter().enumerate() {
                if let Some(id) = id {
                    // A backend that lists an id twice: its first row, as a search finds.
                    index.entry(id.clone()).or_insert(k as RowKey);
                }
            }
            index
        })
    }

    /// The row key of message `id`, if the table has it (a hash lookup).
    pub fn key_of(&self, id: &[u8]) -> Option<RowKey> {
        self.by_id().get(id).copied()
    }

    /// Message `id` came into the folder: its row key (a new one, or the one it has).
    pub fn add(&mut self, id: &[u8]) -> RowKey {
        if let Some(key) = self.key_of(id) {
            return key;
        }
        let key = self.ids.len() as RowKey;
        self.ids.push(Some(id.to_vec()));
        if let Some(index) = self.by_id.get_mut() {
            index.insert(id.to_vec(), key);
        }
        key
    }

    /// Message `id` left the folder: the row key it had.
    pub fn remove(&mut self, id: &[u8]) -> Option<RowKey> {
        let key = self.key_of(id)?;
        self.ids[key as usize] = None;
        if let Some(index) = self.by_id.get_mut() {
            index.remove(id);
        }
        Some(key)
    }

    /// A kept message's row: its identity, flags and what is kept of it.
    fn kept_row(
        &self,
        id: &[u8],
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let Some(cells) = self.keep.message(&self.folder_key, id) else {
            return Ok(());
        };
        let eid = EntryId::message(self.folder.store_uid(), &self.folder_key, id)?;
        let mut computed = identity::message(&eid, &self.folder, &self.store_entry_id);
        let given = cells.iter().find_map(|(t, v)| match v {
            OwnedValue::Long(f) if *t == sys::PR_MESSAGE_FLAGS => Some(*f),
            _ => None,
        });
        let flags = given.unwrap_or(0) | sys::MSGFLAG_ASSOCIATED as i32;
        let flags = self
            .keep
            .flags(&self.folder_key, id, Some(flags))
            .unwrap_or(flags);
        computed.push((sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags)));
        let mut all = props(columns, &computed);
        all.extend(
            cells
                .iter()
                .filter(|(t, _)| {
                    asked(columns, *t) && !computed.iter().any(|(c, _)| prop_id(*c) == prop_id(*t))
                })
                .filter_map(|(t, v)| Prop::new(*t, v.as_value()).ok()),
        );
        answer(&all);
        Ok(())
    }
}

impl<B: Backend> ContentsSource<B> {
    /// The rows of backend messages `known` (each its place in the answer and the
    /// message).
    fn backend_rows(
        &self,
        known: &[(usize, MessageRef<'_>)],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        let Some(folder) = &self.backend_folder else {
            return Ok(());
        };
        let ids: Vec<MessageRef<'_>> = known.iter().map(|&(_, m)| m).collect();
        let Some(&MessageRef { id: first, .. }) = ids.first() else {
            return Ok(());
        };
        let uid = self.folder.store_uid();
        // What every row shares (the store's and the folder's identity, the type, the
        // access) is made once; only what names the message is made per row, and only
        // when asked (a contents table of 10,000 rows makes 10,000 entry ids, not 60,000
        // values).
        let template = identity::message(
            &EntryId::message(uid, folder, first)?,
            &self.folder,
            &self.store_entry_id,
        );
        let per_row = [sys::PR_ENTRYID, sys::PR_RECORD_KEY, sys::PR_SEARCH_KEY];
        let shared: Vec<Computed> = template
            .iter()
            .filter(|(t, _)| !per_row.contains(t) && asked(columns, *t))
            .cloned()
            .collect();
        let wanted: Vec<ULONG> = per_row
            .iter()
            .copied()
            .filter(|&t| asked(columns, t))
            .collect();
        let computed_ids: Vec<ULONG> = template.iter().map(|(t, _)| prop_id(*t)).collect();
        let shared: Vec<Prop<'_>> = shared
            .iter()
            .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok())
            .collect();
        // Each row's entry id: what names the store and the folder, made once, then the
        // message's id (written over the last row's).
        let mut entry_id = if wanted.is_empty() {
            Vec::new()
        } else {
            EntryId::message_bytes(uid, folder, b"")?
        };
        let prefix = entry_id.len();
        // Each row's summary of its attachments and recipients, when the columns ask for
        // it and the backend does not give it (read before the rows: the backend is never
        // called from inside one of its own answers).
        let summaries = if !B::GIVES_SUMMARY && summary::asked(columns) {
            let mut all = Vec::with_capacity(ids.len());
            for m in &ids {
                all.push(match Summary::of(&*self.backend, folder, m.id) {
                    Err(e) if e.code() == sys::MAPI_E_NOT_FOUND => Summary::default(),
                    other => other?,
                });
            }
            Some(all)
        } else {
            None
        };
        let flags_asked = asked(columns, sys::PR_MESSAGE_FLAGS);
        let any_changes = self.keep.has_extra();
        self.backend
            .message_columns(folder, &ids, columns, &mut |j, theirs| {
                let Some(&(i, MessageRef { id, .. })) = known.get(j) else {
                    return;
                };
                // The message's own identity: its entry id and, from it, its record key
                // (also its search key).
                if !wanted.is_empty() {
                    entry_id.truncate(prefix);
                    entry_id.extend_from_slice(id);
                }
                let entry_id = &entry_id[..];
                // The record key is the entry id without its flags.
                let record_key = entry_id.get(4..).unwrap_or_default();
                // The summary and the flags (with the kept read state over them), and
                // what a client changed on the message, kept by the store.
                let summary = summaries.as_ref().and_then(|s| s.get(j));
                let mut extra = summary.map(Summary::properties).unwrap_or_default();
                let changes = if any_changes {
                    self.keep.extra(&self.folder_key, id)
                } else {
                    None
                };
                let mut deleted = Vec::new();
                for cell in changes.iter().flat_map(|c| c.iter()) {
                    if crate::keep::is_deleted(cell) {
                        deleted.push(prop_id(cell.0));
                    } else if !computed_ids.contains(&prop_id(cell.0)) {
                        extra.retain(|(t, _)| prop_id(*t) != prop_id(cell.0));
                        extra.push(cell.clone());
                    }
                }
                if flags_asked {
                    let given = summary::flags_of(theirs);
                    let flags = summary.map_or(given, |s| s.flags(given));
                    // As on the message: none given reads as 0.
                    let f = self.keep.flags(&self.folder_key, id, flags).unwrap_or(0);
                    extra.push((sys::PR_MESSAGE_FLAGS, OwnedValue::Long(f)));
                }
                // The row, on the stack: the shared values, the message's identity, then
                // the rest.
                let mut all: RowVec<Prop<'_>> = RowVec::new();
                all.extend_from_slice(&shared);
                for &tag in &wanted {
                    let bytes = if tag == sys::PR_ENTRYID {
                        entry_id
                    } else {
                        record_key
                    };
                    if let Ok(p) = Prop::new(tag, PropValue::Binary(bytes)) {
                        all.push(p);
                    }
                }
                all.extend(
                    extra
                        .iter()
                        .filter(|(tag, _)| asked(columns, *tag))
                        .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok()),
                );
                all.extend(theirs.iter().copied().filter(|p| {
                    !computed_ids.contains(&prop_id(p.tag()))
                        && !extra.iter().any(|(t, _)| prop_id(*t) == prop_id(p.tag()))
                        && !deleted.contains(&prop_id(p.tag()))
                }));
                answer(i, &all);
            })
    }
}

impl<B: Backend> RowSource for ContentsSource<B> {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        keys.extend(
            self.ids
                .iter()
                .enumerate()
                .filter(|(_, id)| id.is_some())
                .map(|(k, _)| k as RowKey),
        );
        Ok(())
    }

    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        // A chunk of rows at a time: what is made for the backend's answer stays small
        // (and in the processor's cache) however many rows a client reads.
        let mut known: Vec<(usize, MessageRef<'_>)> = Vec::with_capacity(rows.len().min(CHUNK));
        for (c, chunk) in rows.chunks(CHUNK).enumerate() {
            known.clear();
            known.extend(chunk.iter().enumerate().filter_map(|(i, &k)| {
                let m = self.message_ref(k)?;
                Some((c * CHUNK + i, m))
            }));
            if known.iter().any(|(_, m)| Keep::is_kept(m.id)) {
                // An associated table with messages the store keeps: row by row, in order.
                for &(i, m) in &known {
                    if Keep::is_kept(m.id) {
                        self.kept_row(m.id, columns, &mut |props| answer(i, props))?;
                    } else {
                        self.backend_rows(&[(i, m)], columns, answer)?;
                    }
                }
            } else {
                self.backend_rows(&known, columns, answer)?;
            }
        }
        Ok(())
    }

    /// A message's recipients or attachments, for a `RES_SUBRESTRICTION` on the contents
    /// table (as their tables show them).
    fn sub_rows(
        &self,
        row: RowKey,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool> {
        let (Some(folder), Some(id)) = (&self.backend_folder, self.message_id(row)) else {
            return Ok(true);
        };
        let rows = match object {
            sys::PR_MESSAGE_RECIPIENTS => subobjects::recipient_rows(&*self.backend, folder, id)?,
            sys::PR_MESSAGE_ATTACHMENTS => {
                let key = EntryId::message(self.folder.store_uid(), folder, id)?.record_key();
                subobjects::attachment_rows(&*self.backend, folder, id, &key)?
            }
            _ => return Ok(false),
        };
        for cells in &rows {
            let props: Vec<Prop<'_>> = cells
                .iter()
                .filter(|(tag, _)| asked(columns, *tag))
                .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok())
                .collect();
            answer(&props);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{FolderInfo, StoreInfo};
    use crate::entry_id::{Special, StoreUid};
    use crate::table::{Table, TableType};
    use mapi_sync_runtime::props::PropValue;

    const UID: StoreUid = StoreUid([4; 16]);

    /// An inbox of three messages ("1", "2", "3": subject and size), one associated.
    struct Mail;

    impl Backend for Mail {
        fn store(&self) -> StoreInfo {
            StoreInfo {
                uid: UID,
                display_name: "Mail".into(),
                mdb_provider: [2; 16],
            }
        }

        fn folders(&self) -> Result<Vec<FolderInfo>> {
            Ok(vec![
                FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
                FolderInfo::mail("INBOX/Sub", Some(b"INBOX"), "Sub"),
            ])
        }

        fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
            match (folder, associated) {
                (b"INBOX", false) => ids.extend([b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]),
                (b"INBOX", true) => ids.push(b"view".to_vec()),
                _ => {}
            }
            Ok(())
        }

        fn message_properties(
            &self,
            _: &[u8],
            id: &[u8],
            answer: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            let subject = format!("message {}", String::from_utf8_lossy(id));
            answer(&[
                Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject))?,
                Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(id[0] as i32))?,
            ]);
            Ok(())
        }
    }

    fn tree() -> Arc<FolderTree> {
        Arc::new(FolderTree::new(UID, Mail.folders().unwrap()).unwrap())
    }

    fn column(row: &crate::table::Row, tag: ULONG) -> OwnedValue {
        row.iter()
            .find(|c| c.tag == tag)
            .map(|c| c.value.clone())
            .unwrap()
    }

    #[test]
    fn a_contents_row_has_the_backends_values_and_the_computed_ones() {
        let tree = tree();
        let inbox = tree.special(Special::Inbox);
        let source = ContentsSource::new(Arc::new(Mail), &tree, inbox, false).unwrap();
        let columns = vec![
            sys::PR_SUBJECT_W,
            sys::PR_ENTRYID,
            sys::PR_RECORD_KEY,
            sys::PR_PARENT_ENTRYID,
            sys::PR_OBJECT_TYPE,
        ];
        let mut table = Table::new(source, columns, TableType::Dynamic).unwrap();
        let rows = table.query_rows(10, 0).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            column(&rows[1], sys::PR_SUBJECT_W),
            OwnedValue::from(PropValue::Str("message 2"))
        );
        let OwnedValue::Binary(eid) = column(&rows[1], sys::PR_ENTRYID) else {
            panic!()
        };
        let parsed = EntryId::parse(&eid, UID).unwrap();
        assert_eq!(parsed, EntryId::message(UID, b"INBOX", b"2").unwrap());
        assert_eq!(
            column(&rows[1], sys::PR_PARENT_ENTRYID),
            OwnedValue::Binary(tree.entry_id(inbox).to_bytes())
        );
        assert_eq!(
            column(&rows[0], sys::PR_OBJECT_TYPE),
            OwnedValue::Long(sys::MAPI_MESSAGE as i32)
        );
        // The associated table is another set of messages; a supplied folder has none.
        let fai = ContentsSource::new(Arc::new(Mail), &tree, inbox, true).unwrap();
        assert_eq!(
            Table::new(fai, vec![sys::PR_SUBJECT_W], TableType::Dynamic)
                .unwrap()
                .row_count(),
            1
        );
        let outbox =
            ContentsSource::new(Arc::new(Mail), &tree, tree.special(Special::Outbox), false)
                .unwrap();
        assert_eq!(
            Table::new(outbox, vec![sys::PR_SUBJECT_W], TableType::Dynamic)
                .unwrap()
                .row_count(),
            0
        );
    }

    #[test]
    fn rows_are_found_by_message_id_through_changes() {
        let tree = tree();
        let inbox = tree.special(Special::Inbox);
        let mut source = ContentsSource::new(Arc::new(Mail), &tree, inbox, false).unwrap();
        assert_eq!(source.key_of(b"2"), Some(1));
        assert_eq!(source.key_of(b"4"), None);
        // Added: a new key, found from then on; added again: the same key.
        assert_eq!(source.add(b"4"), 3);
        assert_eq!(source.key_of(b"4"), Some(3));
        assert_eq!(source.add(b"4"), 3);
        // Removed: gone from the index and from the keys; added back: a new key.
        assert_eq!(source.remove(b"2"), Some(1));
        assert_eq!(source.key_of(b"2"), None);
        assert_eq!(source.remove(b"2"), None);
        assert_eq!(source.add(b"2"), 4);
        assert_eq!(source.message_id(4), Some(&b"2"[..]));
        let mut keys = Vec::new();
        source.keys(&mut keys).unwrap();
        assert_eq!(keys, [0, 2, 3, 4]);
        // Changes made before the index exists are in it when it is made.
        let mut fresh = ContentsSource::new(Arc::new(Mail), &tree, inbox, false).unwrap();
        fresh.ids[0] = None;
        fresh.ids.push(Some(b"3".to_vec()));
        assert_eq!(fresh.key_of(b"1"), None);
        // An id listed twice is found at its first row.
        assert_eq!(fresh.key_of(b"3"), Some(2));
    }

    /// The inbox of `Mail`, numbered 10, 20, 30; records what `message_columns` is
    /// asked.
    struct Numbered(std::sync::Mutex<Vec<(Vec<u8>, Option<u64>)>>);

    impl Backend for Numbered {
        fn store(&self) -> StoreInfo {
            Mail.store()
        }

        fn folders(&self) -> Result<Vec<FolderInfo>> {
            Mail.folders()
        }

        fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
            Mail.messages(folder, associated, ids)
        }

        fn numbered_messages(
            &self,
            folder: &[u8],
            associated: bool,
            messages: &mut Vec<(Vec<u8>, Option<u64>)>,
        ) -> Result<()> {
            let mut ids = Vec::new();
            self.messages(folder, associated, &mut ids)?;
            messages.extend(ids.into_iter().zip(1..).map(|(id, n)| (id, Some(n * 10))));
            Ok(())
        }

        fn message_properties(
            &self,
            folder: &[u8],
            id: &[u8],
            answer: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            Mail.message_properties(folder, id, answer)
        }

        fn message_columns(
            &self,
            _: &[u8],
            messages: &[MessageRef<'_>],
            _: &[ULONG],
            answer: &mut dyn FnMut(usize, &[Prop<'_>]),
        ) -> Result<()> {
            let mut asked = self.0.lock().unwrap();
            for (i, m) in messages.iter().enumerate() {
                asked.push((m.id.to_vec(), m.number));
                let n = m.number.map_or(-1, |n| n as i32);
                answer(i, &[Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(n))?]);
            }
            Ok(())
        }
    }

    #[test]
    fn a_backend_finds_its_rows_by_the_numbers_it_gave() {
        let tree = tree();
        let inbox = tree.special(Special::Inbox);
        let backend = Arc::new(Numbered(Default::default()));
        let mut source = ContentsSource::new(backend.clone(), &tree, inbox, false).unwrap();
        // A message that came in after the table opened has no number: found by id.
        source.add(b"4");
        let mut table = Table::new(source, vec![sys::PR_MESSAGE_SIZE], TableType::Dynamic).unwrap();
        let rows = table.query_rows(10, 0).unwrap();
        let sizes: Vec<OwnedValue> = rows
            .iter()
            .map(|r| column(r, sys::PR_MESSAGE_SIZE))
            .collect();
        assert_eq!(
            sizes,
            [10, 20, 30, -1].map(OwnedValue::Long),
            "each row read by its number"
        );
        assert_eq!(
            *backend.0.lock().unwrap(),
            [
                (b"1".to_vec(), Some(10)),
                (b"2".to_vec(), Some(20)),
                (b"3".to_vec(), Some(30)),
                (b"4".to_vec(), None)
            ]
        );
    }

    /// An inbox of `n` messages, "0" to "n-1", numbered by their place.
    struct Many(usize);

    impl Backend for Many {
        fn store(&self) -> StoreInfo {
            Mail.store()
        }

        fn folders(&self) -> Result<Vec<FolderInfo>> {
            Mail.folders()
        }

        fn messages(&self, folder: &[u8], _: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
            if folder == b"INBOX" {
                ids.extend((0..self.0).map(|i| i.to_string().into_bytes()));
            }
            Ok(())
        }

        fn message_properties(
            &self,
            folder: &[u8],
            id: &[u8],
            answer: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            Mail.message_properties(folder, id, answer)
        }
    }

    #[test]
    fn a_large_table_is_read_whole_and_in_order_across_chunks() {
        let tree = tree();
        let inbox = tree.special(Special::Inbox);
        let n = 3 * CHUNK + 7;
        let mut source = ContentsSource::new(Arc::new(Many(n)), &tree, inbox, false).unwrap();
        // Rows gone on either side of a chunk's edge: the rest keep their places.
        for gone in [CHUNK - 1, CHUNK, 2 * CHUNK + 3] {
            source.remove(gone.to_string().as_bytes()).unwrap();
        }
        let columns = vec![sys::PR_SUBJECT_W, sys::PR_ENTRYID];
        let mut table = Table::new(source, columns, TableType::Dynamic).unwrap();
        let rows = table.query_rows(i32::MAX, 0).unwrap();
        let want: Vec<usize> = (0..n)
            .filter(|i| ![CHUNK - 1, CHUNK, 2 * CHUNK + 3].contains(i))
            .collect();
        assert_eq!(rows.len(), want.len());
        for (row, i) in rows.iter().zip(want) {
            let id = i.to_string();
            assert_eq!(
                column(row, sys::PR_SUBJECT_W),
                OwnedValue::from(PropValue::Str(&format!("message {id}")))
            );
            let OwnedValue::Binary(eid) = column(row, sys::PR_ENTRYID) else {
                panic!("row {i} has no entry id")
            };
            assert_eq!(
                EntryId::parse(&eid, UID).unwrap(),
                EntryId::message(UID, b"INBOX", id.as_bytes()).unwrap()
            );
        }
    }

    #[test]
    fn a_hierarchy_row_has_depth_subfolders_and_identity() {
        let tree = tree();
        let ipm = tree.special(Special::IpmSubtree);
        let source = HierarchySource::new(Arc::new(Mail), tree.clone(), ipm, usize::MAX);
        let columns = vec![
            sys::PR_DISPLAY_NAME_W,
            sys::PR_DEPTH,
            sys::PR_SUBFOLDERS,
            sys::PR_ENTRYID,
            sys::PR_CONTAINER_CLASS_W,
        ];
        let mut table = Table::new(source, columns, TableType::Dynamic).unwrap();
        let rows = table.query_rows(20, 0).unwrap();
        let shown: Vec<(OwnedValue, OwnedValue, OwnedValue)> = rows
            .iter()
            .map(|r| {
                (
                    column(r, sys::PR_DISPLAY_NAME_W),
                    column(r, sys::PR_DEPTH),
                    column(r, sys::PR_SUBFOLDERS),
                )
            })
            .collect();
        let name = |s: &str| OwnedValue::from(PropValue::Str(s));
        assert_eq!(
            shown,
            [
                (
                    name("Outbox"),
                    OwnedValue::Long(0),
                    OwnedValue::Boolean(false)
                ),
                (
                    name("Sent Items"),
                    OwnedValue::Long(0),
                    OwnedValue::Boolean(false)
                ),
                (
                    name("Deleted Items"),
                    OwnedValue::Long(0),
                    OwnedValue::Boolean(false)
                ),
                (
                    name("Inbox"),
                    OwnedValue::Long(0),
                    OwnedValue::Boolean(true)
                ),
                (name("Sub"), OwnedValue::Long(1), OwnedValue::Boolean(false)),
            ]
        );
        assert_eq!(
            column(&rows[3], sys::PR_CONTAINER_CLASS_W),
            name("IPF.Note")
        );
        // A row's entry id opens the folder it shows.
        let OwnedValue::Binary(eid) = column(&rows[4], sys::PR_ENTRYID) else {
            panic!()
        };
        assert_eq!(
            EntryId::parse(&eid, UID).unwrap(),
            EntryId::folder(UID, b"INBOX/Sub")
        );
    }
}
