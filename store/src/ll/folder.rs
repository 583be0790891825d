//! [`FolderObject`]: `IMAPIFolder` on a folder of the tree, as the IMAPIFolder and
//! IMAPIContainer pages document it: its tables both ways (`GetContentsTable` /
//! `GetHierarchyTable` and `OpenProperty` of `PR_CONTAINER_CONTENTS`,
//! `PR_FOLDER_ASSOCIATED_CONTENTS`, `PR_CONTAINER_HIERARCHY`), `OpenEntry`, and
//! `MAPI_E_NO_ACCESS` for every write (the store is read-only for now).

use std::sync::Arc;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::{OwnedValue, Prop, Properties};
use mapi_sync_runtime::sys::{
    self, IMAPIContainer_Impl, IMAPIFolder_Impl, IMAPIProp_Impl, HRESULT, LPCIID, LPENTRYID,
    LPENTRYLIST, LPMAPIERROR, LPMAPIFOLDER, LPMAPIPROGRESS, LPMAPITABLE, LPMESSAGE, LPTSTR,
    LPUNKNOWN, LPVOID, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, Object, Out, Result, This};

use super::copy::{self, Destination};
use super::entry::{self, open_entry_method, props_methods, LastError};
use super::folders;
use super::message::MessageObject;
use super::table::TableObject;
use crate::backend::Backend;
use crate::context::{Opened, StoreContext};
use crate::events::{Change, EventSink};
use crate::keep::Keep;
use crate::sources::{folder_properties, ContentsSource, HierarchySource};
use crate::table::{Table, TableType};
use crate::tree::Node;

/// A folder of the store.
#[mapi_object(IMAPIFolder, crate = mapi_sync_runtime)]
pub struct FolderObject<B: Backend> {
    this: This<Self>,
    ctx: Arc<StoreContext<B>>,
    node: Node,
    last_error: LastError,
}

/// The columns a contents table shows until `SetColumns`: what MFCMAPI's contents view
/// and Outlook's message list read first.
const CONTENTS_COLUMNS: [ULONG; 9] = [
    sys::PR_INSTANCE_KEY,
    sys::PR_ENTRYID,
    sys::PR_RECORD_KEY,
    sys::PR_SUBJECT_W,
    sys::PR_SENDER_NAME_W,
    sys::PR_MESSAGE_DELIVERY_TIME,
    sys::PR_MESSAGE_SIZE,
    sys::PR_MESSAGE_FLAGS,
    sys::PR_MESSAGE_CLASS_W,
];

/// The columns a hierarchy table shows until `SetColumns`: what a folder tree reads
/// (MFCMAPI's asks for these).
const HIERARCHY_COLUMNS: [ULONG; 7] = [
    sys::PR_INSTANCE_KEY,
    sys::PR_ENTRYID,
    sys::PR_DISPLAY_NAME_W,
    sys::PR_SUBFOLDERS,
    sys::PR_DEPTH,
    sys::PR_CONTAINER_CLASS_W,
    sys::PR_RECORD_KEY,
];

fn read_only() -> Error {
    Error::with_message(sys::MAPI_E_NO_ACCESS, "the store is read-only")
}

impl<B: Backend> FolderObject<B> {
    /// Folder `node` of `ctx`'s tree.
    pub fn new(ctx: Arc<StoreContext<B>>, node: Node) -> Object<FolderObject<B>> {
        Object::new(FolderObject {
            this: This::new(),
            ctx,
            node,
            last_error: LastError::default(),
        })
    }

    fn contents(&self, flags: ULONG) -> Result<sys::IMAPITable> {
        if flags & !(sys::MAPI_ASSOCIATED | sys::MAPI_UNICODE | sys::MAPI_DEFERRED_ERRORS) != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        let associated = flags & sys::MAPI_ASSOCIATED != 0;
        let source = ContentsSource::with_keep(
            self.ctx.backend().clone(),
            &self.ctx.tree(),
            self.node,
            associated,
            self.ctx.keep().clone(),
        )?;
        let table = Table::new(source, CONTENTS_COLUMNS.to_vec(), TableType::Dynamic)?;
        let table = TableObject::new(table, self.ctx.allocators());
        // Told of the changes the backend reports, and of the store's own.
        self.ctx.table_opened(&table);
        table.cast()
    }

    fn hierarchy(&self, flags: ULONG) -> Result<sys::IMAPITable> {
        let known = sys::CONVENIENT_DEPTH | sys::MAPI_UNICODE | sys::MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        let depth = if flags & sys::CONVENIENT_DEPTH != 0 {
            usize::MAX
        } else {
            1
        };
        let source = HierarchySource::new(
            self.ctx.backend().clone(),
            self.ctx.tree(),
            self.node,
            depth,
        );
        let table = Table::new(source, HIERARCHY_COLUMNS.to_vec(), TableType::Dynamic)?;
        TableObject::new(table, self.ctx.allocators()).cast()
    }

    /// A table out through `out`, or the error.
    ///
    /// # Safety
    /// `out` null or writable.
    unsafe fn give_table(
        &self,
        out: *mut LPMAPITABLE,
        make: impl FnOnce() -> Result<sys::IMAPITable>,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: caller's contract.
            let mut out = unsafe { Out::new(out) }?;
            out.clear();
            out.write(make()?.into());
            Ok(())
        })();
        self.last_error.answer(r)
    }
}

impl<B: Backend> FolderObject<B> {
    /// The folder's key in the store's keep.
    fn key(&self) -> Vec<u8> {
        self.ctx.tree().folder_key(self.node)
    }

    /// The entry identifiers of every message of the folder (the backend's and the
    /// associated ones the store keeps are apart: these are the normal ones).
    fn all_messages(&self) -> Result<Vec<Vec<u8>>> {
        let tree = self.ctx.tree();
        let Node::Backend(i) = self.node else {
            return Ok(Vec::new());
        };
        let folder = &tree.folders()[i].id;
        let mut ids = Vec::new();
        self.ctx.backend().messages(folder, false, &mut ids)?;
        let uid = self.ctx.info().uid;
        ids.iter()
            .map(|id| crate::entry_id::EntryId::message_bytes(uid, folder, id))
            .collect()
    }

    /// Calls `each` with the message id of each of `entry_ids` that names a message of
    /// this folder (`None` for one that does not): `Ok(true)` when every call did what
    /// it was asked, `Ok(false)` when some did not (`MAPI_W_PARTIAL_COMPLETION`).
    fn for_each_message(
        &self,
        entry_ids: &[Vec<u8>],
        mut each: impl FnMut(Option<&[u8]>) -> Result<bool>,
    ) -> Result<bool> {
        let mut all = true;
        for bytes in entry_ids {
            let done = match self.ctx.resolve(bytes) {
                Ok(Opened::Message(node, id)) if node == self.node => each(Some(&id))?,
                _ => each(None)?,
            };
            all &= done;
        }
        Ok(all)
    }

    /// The answer of a call on many messages: `S_OK`, `MAPI_W_PARTIAL_COMPLETION` when
    /// some were not done, or the error.
    fn answer_partial(&self, r: Result<bool>) -> HRESULT {
        match r {
            Ok(true) => sys::S_OK,
            Ok(false) => sys::MAPI_W_PARTIAL_COMPLETION,
            Err(e) => self.last_error.answer(Err(e)),
        }
    }

    /// `CopyMessages` into another store's folder, through MAPI's support object
    /// (`IMAPISupport::CopyMessages`, which opens each message here and copies it):
    /// whether every message was copied. `MAPI_E_NO_SUPPORT` without a support object.
    ///
    /// # Safety
    /// CopyMessages' contract for the arguments.
    unsafe fn copy_elsewhere(
        &self,
        list: LPENTRYLIST,
        iid: LPCIID,
        dest: LPVOID,
        ui: ULONG_PTR,
        progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> Result<bool> {
        let (Some(support), Some(this)) = (self.ctx.support(), self.this.object()) else {
            return Err(Error::with_message(
                sys::MAPI_E_NO_SUPPORT,
                "copying into another store needs MAPI's support object",
            ));
        };
        let source: sys::IMAPIFolder = this.cast()?;
        // SAFETY: a live support object and source folder; the caller's arguments.
        let hr = unsafe {
            support.CopyMessages(
                &sys::IID_IMAPIFolder,
                sys::Interface::as_raw(&source),
                list,
                iid,
                dest,
                ui,
                progress,
                flags,
            )
        };
        match hr {
            sys::S_OK => Ok(true),
            sys::MAPI_W_PARTIAL_COMPLETION => Ok(false),
            hr => Err(Error::new(hr)),
        }
    }

    /// A write refused: the store is read-only.
    fn refused(&self) -> HRESULT {
        self.last_error.answer(Err(read_only()))
    }
}

impl<B: Backend> Properties for FolderObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let tree = self.ctx.tree();
        let mut computed = folder_properties(&tree, self.node);
        if let Node::Backend(i) = self.node {
            let (mut normal, mut associated) = (Vec::new(), Vec::new());
            let id = &tree.folders()[i].id;
            self.ctx.backend().messages(id, false, &mut normal)?;
            self.ctx.backend().messages(id, true, &mut associated)?;
            let kept = self.ctx.keep().associated(id).len();
            computed.push((sys::PR_CONTENT_COUNT, OwnedValue::Long(normal.len() as i32)));
            computed.push((
                sys::PR_ASSOC_CONTENT_COUNT,
                OwnedValue::Long((associated.len() + kept) as i32),
            ));
            let backend = self.ctx.backend();
            return StoreContext::<B>::answer_with(
                &computed,
                |more| backend.folder_properties(id, more),
                answer,
            );
        }
        let kept = self.ctx.keep().associated(&self.key()).len();
        computed.push((sys::PR_CONTENT_COUNT, OwnedValue::Long(0)));
        computed.push((sys::PR_ASSOC_CONTENT_COUNT, OwnedValue::Long(kept as i32)));
        StoreContext::<B>::answer_with(&computed, |_| Ok(()), answer)
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for FolderObject<B> {
    props_methods!();

    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }

    unsafe fn OpenProperty(
        &self,
        tag: ULONG,
        iid: LPCIID,
        _options: ULONG,
        flags: ULONG,
        out: *mut LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: null or an IID (OpenProperty's contract).
        let table = unsafe { entry::asks_for_table(iid) };
        let out = out.cast::<LPMAPITABLE>();
        let unicode = flags & sys::MAPI_UNICODE;
        match tag {
            // SAFETY: null or writable (OpenProperty's contract); an LPUNKNOWN place holds
            // an LPMAPITABLE (both one interface pointer).
            sys::PR_CONTAINER_CONTENTS if table => unsafe {
                self.give_table(out, || self.contents(unicode))
            },
            sys::PR_FOLDER_ASSOCIATED_CONTENTS if table => unsafe {
                self.give_table(out, || self.contents(unicode | sys::MAPI_ASSOCIATED))
            },
            sys::PR_CONTAINER_HIERARCHY if table => unsafe {
                self.give_table(out, || self.hierarchy(unicode))
            },
            _ => {
                // SAFETY: as above.
                if let Ok(mut out) = unsafe { Out::new(out) } {
                    out.clear();
                }
                let no = if table {
                    sys::MAPI_E_NOT_FOUND
                } else {
                    sys::MAPI_E_INTERFACE_NOT_SUPPORTED
                };
                self.last_error.answer(Err(Error::new(no)))
            }
        }
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIContainer_Impl for FolderObject<B> {
    unsafe fn GetContentsTable(&self, flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        // SAFETY: GetContentsTable's contract.
        unsafe { self.give_table(out, || self.contents(flags)) }
    }

    unsafe fn GetHierarchyTable(&self, flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        // SAFETY: GetHierarchyTable's contract.
        unsafe { self.give_table(out, || self.hierarchy(flags)) }
    }

    open_entry_method!();
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIFolder_Impl for FolderObject<B> {
    unsafe fn CreateMessage(&self, iid: LPCIID, flags: ULONG, out: *mut LPMESSAGE) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (CreateMessage's contract); an LPMESSAGE place
            // holds any interface pointer.
            let mut out = unsafe { Out::new(out.cast::<LPUNKNOWN>()) }?;
            out.clear();
            if flags & !(sys::MAPI_ASSOCIATED | sys::MAPI_DEFERRED_ERRORS) != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            let message = if flags & sys::MAPI_ASSOCIATED != 0 {
                MessageObject::create_associated(self.ctx.clone(), self.node)?
            } else if !B::WRITES_MESSAGES {
                return Err(read_only());
            } else if matches!(self.node, Node::Backend(_)) {
                // Written through the backend when saved (Backend::save_message).
                MessageObject::create(self.ctx.clone(), self.node)
            } else {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "a folder the store supplies keeps no messages",
                ));
            };
            // SAFETY: `iid` null or an IID (CreateMessage's contract).
            unsafe { entry::hand_out(message.into_unknown(), iid, &sys::IID_IMessage, &mut out) }
        })();
        self.last_error.answer(r)
    }

    unsafe fn CopyMessages(
        &self,
        list: LPENTRYLIST,
        iid: LPCIID,
        dest: LPVOID,
        ui: ULONG_PTR,
        progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> HRESULT {
        let r = (|| {
            let known = sys::MESSAGE_MOVE | sys::MESSAGE_DIALOG | sys::MAPI_DECLINE_OK;
            if flags & !known != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            // SAFETY: null or an ENTRYLIST (CopyMessages' contract).
            let Some(ids) = (unsafe { entry::entry_list(list) })? else {
                return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
            };
            let ids: Vec<Vec<u8>> = ids.into_iter().map(<[u8]>::to_vec).collect();
            // SAFETY: `iid` null or an IID, `dest` a folder of it (CopyMessages' contract).
            match unsafe { copy::destination(&self.ctx, iid, dest) }? {
                Destination::Here(to) => {
                    let is_move = flags & sys::MESSAGE_MOVE != 0;
                    self.for_each_message(&ids, |message| match message {
                        Some(id) => copy::copy(&self.ctx, self.node, id, to, is_move),
                        None => Ok(false),
                    })
                }
                // SAFETY: the caller's arguments, passed on (CopyMessages' contract).
                Destination::Elsewhere => unsafe {
                    self.copy_elsewhere(list, iid, dest, ui, progress, flags)
                },
            }
        })();
        self.answer_partial(r)
    }

    unsafe fn DeleteMessages(
        &self,
        list: LPENTRYLIST,
        _ui: ULONG_PTR,
        _progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> HRESULT {
        let r = (|| {
            if flags & !(sys::MESSAGE_DIALOG | crate::tags::DELETE_HARD_DELETE) != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            // SAFETY: null or an ENTRYLIST (DeleteMessages' contract).
            let Some(ids) = (unsafe { entry::entry_list(list) })? else {
                return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
            };
            let ids: Vec<Vec<u8>> = ids.into_iter().map(<[u8]>::to_vec).collect();
            self.for_each_message(&ids, |message| match message {
                Some(id) => copy::delete(&self.ctx, self.node, id),
                // One that is not this folder's is not deleted.
                None => Ok(false),
            })
        })();
        self.answer_partial(r)
    }

    unsafe fn CreateFolder(
        &self,
        folder_type: ULONG,
        name: LPTSTR,
        _comment: LPTSTR,
        iid: LPCIID,
        flags: ULONG,
        out: *mut LPMAPIFOLDER,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (CreateFolder's contract); an LPMAPIFOLDER place
            // holds any interface pointer.
            let mut out = unsafe { Out::new(out.cast::<LPUNKNOWN>()) }?;
            out.clear();
            // SAFETY: null or a string of the kind MAPI_UNICODE says (the contract).
            let name = unsafe { folders::text_arg(name, flags & sys::MAPI_UNICODE != 0) }
                .ok_or_else(|| Error::new(sys::MAPI_E_INVALID_PARAMETER))?;
            let node = folders::create(&self.ctx, self.node, folder_type, &name, flags)?;
            let folder = FolderObject::new(self.ctx.clone(), node);
            // SAFETY: `iid` null or an IID (CreateFolder's contract).
            unsafe { entry::hand_out(folder.into_unknown(), iid, &sys::IID_IMAPIFolder, &mut out) }
        })();
        self.last_error.answer(r)
    }

    unsafe fn DeleteFolder(
        &self,
        cb: ULONG,
        eid: LPENTRYID,
        _ui: ULONG_PTR,
        _progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: the caller's entry id (DeleteFolder's contract).
            let bytes = unsafe { entry::entry_id_bytes(cb, eid) }?;
            let Opened::Folder(target) = self.ctx.resolve(bytes)? else {
                return Err(Error::with_message(
                    sys::MAPI_E_INVALID_ENTRYID,
                    "the entry id names no folder",
                ));
            };
            folders::delete(&self.ctx, self.node, target, flags)
        })();
        self.last_error.answer(r)
    }

    unsafe fn SetReadFlags(
        &self,
        list: LPENTRYLIST,
        _ui: ULONG_PTR,
        _progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> HRESULT {
        let r = (|| {
            let change = crate::keep::read_change(flags)?;
            // SAFETY: null or an ENTRYLIST (SetReadFlags' contract).
            let ids = match unsafe { entry::entry_list(list) }? {
                Some(ids) => ids.into_iter().map(<[u8]>::to_vec).collect(),
                // NULL: every message of the folder.
                None => self.all_messages()?,
            };
            let Some(read) = change else {
                return Ok(true);
            };
            let key = self.key();
            // What the backend does not keep, the store keeps, in one commit.
            let (mut to_keep, mut changed) = (Vec::new(), Vec::new());
            let all = self.for_each_message(&ids, |message| {
                let Some(id) = message else {
                    return Ok(false);
                };
                let kept =
                    !Keep::is_kept(id) && self.ctx.backend().set_read_state(&key, id, read)?;
                if !kept {
                    to_keep.push(id.to_vec());
                }
                changed.push(id.to_vec());
                Ok(true)
            })?;
            let kept: Vec<&[u8]> = to_keep.iter().map(Vec::as_slice).collect();
            self.ctx.keep().set_read_states(&key, &kept, read)?;
            for id in changed {
                self.ctx.raise(Change::MessageModified {
                    folder: key.clone(),
                    id,
                });
            }
            Ok(all)
        })();
        self.answer_partial(r)
    }

    unsafe fn EmptyFolder(
        &self,
        _ui: ULONG_PTR,
        _progress: LPMAPIPROGRESS,
        _flags: ULONG,
    ) -> HRESULT {
        self.refused()
    }
}
