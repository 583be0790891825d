//! `IMAPIFolder::CopyMessages` and `DeleteMessages` on the store's messages: the
//! destination folder found from the caller's interface pointer, a copy or move within
//! the store through the backend ([`Backend::save_message`], [`Backend::move_message`],
//! [`Backend::delete_message`]) and the store's keep, and one into another store left
//! to MAPI's support object (`IMAPISupport::CopyMessages`, as Microsoft's "Copying
//! messages" advice for store providers has it).

use std::sync::Arc;

use mapi_sync_runtime::props::{prop_id, PropValue, Props};
use mapi_sync_runtime::sys::{self, ComInterface, LPSPropValue, LPCIID, LPVOID, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::backend::Backend;
use crate::context::{Opened, StoreContext};
use crate::entry_id::EntryId;
use crate::events::{Change, EventSink};
use crate::keep::Keep;
use crate::tree::Node;
use crate::write::WholeMessage;

/// Where `CopyMessages` copies to: one of this store's folders, or another store's.
pub(super) enum Destination {
    Here(Node),
    Elsewhere,
}

/// The folder `dest` (an interface `iid` names: null for `IMAPIFolder`) is: its
/// `PR_ENTRYID` read through `GetProps` and resolved by this store, or another store's.
/// `MAPI_E_INVALID_PARAMETER` for a null folder, `MAPI_E_INTERFACE_NOT_SUPPORTED` for a
/// pointer that is no folder.
///
/// # Safety
/// `iid` null or an IID, `dest` null or a live object of that interface, for the call.
pub(super) unsafe fn destination<B: Backend>(
    ctx: &Arc<StoreContext<B>>,
    iid: LPCIID,
    dest: LPVOID,
) -> Result<Destination> {
    if dest.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "CopyMessages has no destination folder",
        ));
    }
    // SAFETY: null or an IID (the caller's contract).
    if let Some(iid) = unsafe { iid.as_ref() } {
        let folderish = [
            sys::IID_IMAPIFolder,
            sys::IID_IMAPIContainer,
            sys::IID_IMAPIProp,
            sys::IID_IUnknown,
        ];
        if !folderish.contains(iid) {
            return Err(Error::new(sys::MAPI_E_INTERFACE_NOT_SUPPORTED));
        }
    }
    // Every interface named above starts with IUnknown's methods, so the pointer is
    // an IUnknown; the folder is asked for IMAPIFolder.
    let unknown = sys::InterfacePtr::<sys::IUnknown>::from_raw(dest);
    // SAFETY: a live object for the call (the caller's contract).
    let Some(unknown) = (unsafe { unknown.get() }) else {
        return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
    };
    let folder: sys::IMAPIFolder = unknown
        .cast()
        .map_err(|_| Error::new(sys::MAPI_E_INTERFACE_NOT_SUPPORTED))?;
    // SAFETY: `folder` is a live IMAPIFolder (the cast above holds a reference).
    let entry_id = unsafe { entry_id_of(ctx, &folder) }?;
    match EntryId::parse(&entry_id, ctx.info().uid) {
        Ok(_) => match ctx.resolve(&entry_id)? {
            Opened::Folder(node) => Ok(Destination::Here(node)),
            _ => Err(Error::new(sys::MAPI_E_INTERFACE_NOT_SUPPORTED)),
        },
        Err(_) => Ok(Destination::Elsewhere),
    }
}

/// `folder`'s `PR_ENTRYID`, through its `GetProps`.
///
/// # Safety
/// `folder` a live object.
unsafe fn entry_id_of<B: Backend>(
    ctx: &StoreContext<B>,
    folder: &sys::IMAPIFolder,
) -> Result<Vec<u8>> {
    let mut tags = sys::SPropTagArray {
        cValues: 1,
        aulPropTag: [sys::PR_ENTRYID],
    };
    let (mut count, mut values): (ULONG, LPSPropValue) = (0, std::ptr::null_mut());
    // SAFETY: a live folder; a one-tag array and two writable out-places.
    let hr = unsafe { folder.GetProps(&mut tags, 0, &mut count, &mut values) };
    if hr < 0 {
        return Err(Error::with_message(
            hr,
            "the destination folder has no entry id",
        ));
    }
    // SAFETY: GetProps answered `count` values in one MAPI buffer.
    let found = unsafe { Props::from_raw(values, count) }.map(|props| {
        props.iter().find_map(|p| match p.value() {
            PropValue::Binary(b) if prop_id(p.tag()) == prop_id(sys::PR_ENTRYID) => {
                Some(b.to_vec())
            }
            _ => None,
        })
    });
    if !values.is_null() {
        // SAFETY: the buffer GetProps handed out, in MAPI's memory (the session's
        // allocators are the provider's), freed once.
        unsafe { ctx.allocators().free(values.cast()) };
    }
    found?.ok_or_else(|| {
        Error::with_message(
            sys::MAPI_E_NOT_FOUND,
            "the destination folder has no entry id",
        )
    })
}

/// Whether `e` says one message could not be done (it is gone, or the backend does not
/// write it), which makes a call on many `MAPI_W_PARTIAL_COMPLETION`, not a failure.
fn not_done(e: &Error) -> bool {
    [
        sys::MAPI_E_NOT_FOUND,
        sys::MAPI_E_NO_ACCESS,
        sys::MAPI_E_NO_SUPPORT,
    ]
    .contains(&e.code())
}

/// Deletes message `id` of folder `node` (the store's, or the backend's): whether it
/// was deleted.
pub(super) fn delete<B: Backend>(ctx: &StoreContext<B>, node: Node, id: &[u8]) -> Result<bool> {
    let folder = ctx.tree().folder_key(node);
    if Keep::is_kept(id) {
        let gone = ctx.keep().delete(&folder, id)?;
        if gone {
            ctx.raise(Change::MessageRemoved {
                folder,
                id: id.to_vec(),
            });
        }
        return Ok(gone);
    }
    if !matches!(node, Node::Backend(_)) {
        return Ok(false);
    }
    match ctx.backend().delete_message(&folder, id) {
        Ok(()) => {}
        Err(e) if not_done(&e) => return Ok(false),
        Err(e) => return Err(e),
    }
    ctx.keep().forget(&folder, id)?;
    ctx.raise(Change::MessageRemoved {
        folder,
        id: id.to_vec(),
    });
    Ok(true)
}

/// Copies (or moves, `is_move`) message `id` of folder `from` into folder `to`, both
/// this store's: whether it was done.
pub(super) fn copy<B: Backend>(
    ctx: &StoreContext<B>,
    from: Node,
    id: &[u8],
    to: Node,
    is_move: bool,
) -> Result<bool> {
    let tree = ctx.tree();
    let (from_key, to_key) = (tree.folder_key(from), tree.folder_key(to));
    drop(tree);
    if is_move && from == to {
        return Ok(true);
    }
    let keep = ctx.keep();
    let new = if Keep::is_kept(id) {
        // An associated message: the store's own, moved or copied in its keep.
        if is_move {
            if !keep.move_kept(&from_key, id, &to_key)? {
                return Ok(false);
            }
            id.to_vec()
        } else {
            let Some(cells) = keep.message(&from_key, id) else {
                return Ok(false);
            };
            let new = keep.new_id()?;
            keep.save(&to_key, &new, (*cells).clone())?;
            new
        }
    } else {
        if !matches!((from, to), (Node::Backend(_), Node::Backend(_))) {
            return Ok(false);
        }
        let changes = keep.extra(&from_key, id);
        let read = keep.read_state(&from_key, id);
        let backend = ctx.backend();
        let done = if is_move {
            backend.move_message(&from_key, id, &to_key).map(|new| {
                // What the store kept for it goes with it.
                (new, changes.map(|c| (*c).clone()), read)
            })
        } else {
            WholeMessage::read(&**backend, &from_key, id)
                .map(|whole| whole.with_changes(changes.as_deref().map_or(&[], |c| c), read))
                .and_then(|whole| whole.as_data(|data| backend.save_message(&to_key, None, data)))
                .map(|new| (new, None, None))
        };
        let (new, changes, read) = match done {
            Ok(done) => done,
            Err(e) if not_done(&e) => return Ok(false),
            Err(e) => return Err(e),
        };
        if let Some(changes) = changes {
            keep.save_extra(&to_key, &new, changes)?;
        }
        if let Some(read) = read {
            keep.set_read_state(&to_key, &new, read)?;
        }
        if is_move {
            keep.forget(&from_key, id)?;
        }
        new
    };
    if is_move {
        ctx.raise(Change::MessageRemoved {
            folder: from_key,
            id: id.to_vec(),
        });
    }
    ctx.raise(Change::MessageAdded {
        folder: to_key,
        id: new,
        new_mail: false,
    });
    Ok(true)
}
