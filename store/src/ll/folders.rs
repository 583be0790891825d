//! `IMAPIFolder::CreateFolder` and `DeleteFolder` through the backend
//! ([`Backend::create_folder`], [`Backend::delete_folder`]), the tree refreshed after
//! each (a folder keeps its node: see [`FolderTree::refreshed`](crate::tree::FolderTree::refreshed)).

use mapi_sync_runtime::props::convert::ansi_chars;
use mapi_sync_runtime::sys::{self, LPTSTR, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::Special;
use crate::tree::Node;

/// A `LPTSTR` argument as text: UTF-16 when `unicode` (`MAPI_UNICODE`), else the code
/// page's bytes; `None` for a null pointer.
///
/// # Safety
/// `p` null or a NUL-terminated string of that kind, readable for the call.
pub(super) unsafe fn text_arg(p: LPTSTR, unicode: bool) -> Option<String> {
    if p.is_null() {
        return None;
    }
    if unicode {
        let w = p.cast::<u16>().cast_const();
        let mut n = 0;
        // SAFETY: NUL-terminated (the caller's contract): every unit up to it is readable.
        unsafe {
            while *w.add(n) != 0 {
                n += 1;
            }
            Some(String::from_utf16_lossy(std::slice::from_raw_parts(w, n)))
        }
    } else {
        let a = p.cast::<u8>().cast_const();
        let mut n = 0;
        // SAFETY: as above, bytes.
        unsafe {
            while *a.add(n) != 0 {
                n += 1;
            }
            Some(ansi_chars(std::slice::from_raw_parts(a, n)).collect())
        }
    }
}

/// The backend id of the folder new folders under `node` get as their parent: `None`
/// under the IPM subtree (a top-level folder); `MAPI_E_NO_ACCESS` under another folder
/// the store supplies.
fn parent_id<B: Backend>(ctx: &StoreContext<B>, node: Node) -> Result<Option<Vec<u8>>> {
    match node {
        Node::Backend(i) => Ok(Some(ctx.tree().folders()[i].id.clone())),
        Node::Supplied(Special::IpmSubtree) => Ok(None),
        Node::Supplied(_) => Err(Error::with_message(
            sys::MAPI_E_NO_ACCESS,
            "a folder the store supplies takes no folders",
        )),
    }
}

/// `CreateFolder(FOLDER_GENERIC, name, …, flags)` under `parent`: the new folder's node,
/// or with `OPEN_IF_EXISTS` the child already named so (names compared without case).
/// `MAPI_E_COLLISION` for a child of that name without it.
pub(super) fn create<B: Backend>(
    ctx: &StoreContext<B>,
    parent: Node,
    folder_type: ULONG,
    name: &str,
    flags: ULONG,
) -> Result<Node> {
    let known = sys::MAPI_UNICODE | sys::OPEN_IF_EXISTS | sys::MAPI_DEFERRED_ERRORS;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    if folder_type != sys::FOLDER_GENERIC {
        return Err(Error::with_message(
            sys::MAPI_E_NO_SUPPORT,
            "only generic folders can be made (no search folders)",
        ));
    }
    if name.is_empty() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "a folder needs a name",
        ));
    }
    let parent_key = parent_id(ctx, parent)?;
    {
        let tree = ctx.tree();
        let same = tree
            .children(parent)
            .iter()
            .copied()
            .find(|&c| tree.display_name(c).to_lowercase() == name.to_lowercase());
        match same {
            Some(existing) if flags & sys::OPEN_IF_EXISTS != 0 => return Ok(existing),
            Some(_) => {
                return Err(Error::with_message(
                    sys::MAPI_E_COLLISION,
                    format!("the folder already has a folder named {name:?}"),
                ))
            }
            None => {}
        }
    }
    let id = ctx.backend().create_folder(parent_key.as_deref(), name)?;
    ctx.refresh_folders()?;
    ctx.tree().node_of(&id).ok_or_else(|| {
        Error::with_message(
            sys::MAPI_E_CALL_FAILED,
            "the backend does not list the folder it made",
        )
    })
}

/// `DeleteFolder` of `target`, a child of `parent`: `MAPI_E_HAS_MESSAGES` /
/// `MAPI_E_HAS_FOLDERS` for a folder with messages or folders unless `DEL_MESSAGES` /
/// `DEL_FOLDERS`; `MAPI_E_NO_ACCESS` for a special folder or one the store supplies.
pub(super) fn delete<B: Backend>(
    ctx: &StoreContext<B>,
    parent: Node,
    target: Node,
    flags: ULONG,
) -> Result<()> {
    let known = sys::DEL_MESSAGES | sys::DEL_FOLDERS | sys::FOLDER_DIALOG;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    let (id, children) = {
        let tree = ctx.tree();
        if tree.parent(target) != Some(parent) {
            return Err(Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                "the folder is not a child of this one",
            ));
        }
        let Node::Backend(i) = target else {
            return Err(Error::with_message(
                sys::MAPI_E_NO_ACCESS,
                "a folder the store supplies cannot be deleted",
            ));
        };
        let folder = &tree.folders()[i];
        if folder.special.is_some() {
            return Err(Error::with_message(
                sys::MAPI_E_NO_ACCESS,
                "a special folder cannot be deleted",
            ));
        }
        (folder.id.clone(), !tree.children(target).is_empty())
    };
    if children && flags & sys::DEL_FOLDERS == 0 {
        return Err(Error::new(sys::MAPI_E_HAS_FOLDERS));
    }
    if flags & sys::DEL_MESSAGES == 0 {
        let mut ids = Vec::new();
        ctx.backend().messages(&id, false, &mut ids)?;
        if !ids.is_empty() || !ctx.keep().associated(&id).is_empty() {
            return Err(Error::new(sys::MAPI_E_HAS_MESSAGES));
        }
    }
    ctx.backend().delete_folder(&id)?;
    ctx.refresh_folders()
}
