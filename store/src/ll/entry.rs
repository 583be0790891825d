//! What the store's objects share: `OpenEntry` (on the store and on every folder),
//! `CompareEntryIDs`, handing an interface to the caller, and `IMAPIProp`'s methods over
//! a [`Properties`] answer with a last error.

use std::sync::{Arc, Mutex};

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::imapiprop;
use mapi_sync_runtime::props::Properties;
use mapi_sync_runtime::sys::{
    self, ComInterface, IUnknown, LPSPropProblemArray, LPSPropTagArray, LPSPropValue, HRESULT,
    LPCIID, LPENTRYID, LPMAPIERROR, LPUNKNOWN, ULONG,
};
use mapi_sync_runtime::{Error, Out, Result};

use super::folder::FolderObject;
use super::message::MessageObject;
use super::store::StoreObject;
use crate::backend::Backend;
use crate::context::{Opened, StoreContext};

/// The bytes of a caller's entry identifier; `MAPI_E_INVALID_ENTRYID` for a null one with
/// a size.
///
/// # Safety
/// `p` null, or `cb` bytes valid for `'a`.
pub(crate) unsafe fn entry_id_bytes<'a>(cb: ULONG, p: LPENTRYID) -> Result<&'a [u8]> {
    if p.is_null() {
        return if cb == 0 {
            Ok(&[])
        } else {
            Err(Error::new(sys::MAPI_E_INVALID_ENTRYID))
        };
    }
    // SAFETY: caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), cb as usize) })
}

/// The entry identifiers of a caller's `ENTRYLIST`, or `None` for a null list.
/// `MAPI_E_INVALID_PARAMETER` for a list whose array is null while it counts entries, or
/// an entry whose bytes are null while it has a size.
///
/// # Safety
/// `list` null or an `ENTRYLIST` whose `cValues` entries and their bytes are valid for
/// `'a`.
pub(crate) unsafe fn entry_list<'a>(list: sys::LPENTRYLIST) -> Result<Option<Vec<&'a [u8]>>> {
    // SAFETY: null or a valid list (caller's contract).
    let Some(list) = (unsafe { list.as_ref() }) else {
        return Ok(None);
    };
    if list.cValues == 0 {
        return Ok(Some(Vec::new()));
    }
    if list.lpbin.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "an ENTRYLIST with entries and no array",
        ));
    }
    // SAFETY: `cValues` entries (caller's contract).
    let entries = unsafe { std::slice::from_raw_parts(list.lpbin, list.cValues as usize) };
    entries
        .iter()
        // SAFETY: each entry's `cb` bytes (caller's contract).
        .map(|e| unsafe { entry_id_bytes(e.cb, e.lpb.cast()) })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// `IMAPIProp::DeleteProps(tags, problems)`: no problem array is handed out (every
/// property is deleted or none), `MAPI_E_INVALID_PARAMETER` for no tag array, else
/// `delete` with the tags.
///
/// # Safety
/// DeleteProps' contract: `tags` null or a tag array, `problems` null or writable.
pub(crate) unsafe fn delete_props(
    tags: LPSPropTagArray,
    problems: *mut LPSPropProblemArray,
    delete: impl FnOnce(&[ULONG]) -> Result<()>,
) -> Result<()> {
    // SAFETY: null or writable (the caller's contract).
    if let Ok(mut problems) = unsafe { Out::new(problems) } {
        problems.clear();
    }
    // SAFETY: null or a tag array (the caller's contract), read during the call.
    let Some(tags) = (unsafe { mapi_sync_runtime::props::prop_tags(tags) }) else {
        return Err(Error::new(sys::MAPI_E_INVALID_PARAMETER));
    };
    delete(tags)
}

/// `IMAPIProp::OpenProperty`'s out-pointer checked and cleared, then `open` with it.
///
/// # Safety
/// `out` null or writable (OpenProperty's contract).
pub(crate) unsafe fn open_property_out(
    out: *mut LPUNKNOWN,
    open: impl FnOnce(&mut Out<'_, LPUNKNOWN>) -> Result<()>,
) -> Result<()> {
    // SAFETY: the caller's contract.
    let mut out = unsafe { Out::new(out) }?;
    out.clear();
    open(&mut out)
}

/// Hands `unknown`'s interface `iid` to the caller through `out`, or for a null `iid`
/// its standard interface `standard` (IMsgStore, IMAPIFolder, IMessage: an object's
/// IUnknown need not be that interface's pointer, a store's is its IMAPISync's):
/// `MAPI_E_INTERFACE_NOT_SUPPORTED` for one the object does not answer.
///
/// # Safety
/// `iid` null or an IID valid for the call.
pub(crate) unsafe fn hand_out(
    unknown: IUnknown,
    iid: LPCIID,
    standard: &sys::GUID,
    out: &mut Out<'_, LPUNKNOWN>,
) -> Result<()> {
    let iid = if iid.is_null() {
        standard as LPCIID
    } else {
        iid
    };
    let mut raw = std::ptr::null_mut();
    // SAFETY: `iid` is an IID (caller's contract) and `raw` a place for the answer.
    let hr = unsafe { unknown.QueryInterface(iid, &mut raw) };
    if hr != sys::S_OK {
        return Err(Error::with_message(
            sys::MAPI_E_INTERFACE_NOT_SUPPORTED,
            "the object does not have that interface",
        ));
    }
    // The reference QueryInterface handed over moves to the caller.
    out.write(sys::InterfacePtr::from_raw(raw));
    Ok(())
}

/// `OpenEntry` of the store or a folder: a null entry id opens the root folder.
/// `MAPI_MODIFY` (or `MAPI_BEST_ACCESS`) opens the store, folders (which take associated
/// messages and read state) and messages for changing: the store keeps what a client
/// changes (see [`keep`](crate::keep)), and
/// `MAPI_DEFERRED_ERRORS` is honoured as documented (errors are found at once anyway).
///
/// # Safety
/// The arguments of `OpenEntry`, as its page documents them.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn open_entry<B: Backend>(
    ctx: &Arc<StoreContext<B>>,
    cb: ULONG,
    eid: LPENTRYID,
    iid: LPCIID,
    flags: ULONG,
    obj_type: *mut ULONG,
    out: *mut LPUNKNOWN,
) -> Result<()> {
    // SAFETY: null or writable (OpenEntry's contract).
    let (mut obj_type, mut out) = unsafe { (Out::new(obj_type)?, Out::new(out)?) };
    out.clear();
    let known = sys::MAPI_MODIFY | sys::MAPI_BEST_ACCESS | sys::MAPI_DEFERRED_ERRORS;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    // SAFETY: the caller's entry id (OpenEntry's contract).
    let bytes = unsafe { entry_id_bytes(cb, eid) }?;
    let opened = if bytes.is_empty() {
        Opened::Folder(ctx.tree().root())
    } else {
        ctx.resolve(bytes)?
    };
    let (kind, unknown, standard) = match opened {
        Opened::Store => (
            sys::MAPI_STORE,
            StoreObject::of(ctx).into_unknown(),
            &sys::IID_IMsgStore,
        ),
        Opened::Folder(node) => (
            sys::MAPI_FOLDER,
            FolderObject::new(ctx.clone(), node).into_unknown(),
            &sys::IID_IMAPIFolder,
        ),
        Opened::Message(node, id) => {
            // Either flag opens a message for changing: the store keeps the changes.
            let modify = flags & (sys::MAPI_MODIFY | sys::MAPI_BEST_ACCESS) != 0;
            (
                sys::MAPI_MESSAGE,
                MessageObject::open_for(ctx.clone(), node, id, modify)?.into_unknown(),
                &sys::IID_IMessage,
            )
        }
    };
    // SAFETY: `iid` null or an IID (OpenEntry's contract).
    unsafe { hand_out(unknown, iid, standard, &mut out) }?;
    obj_type.write(kind);
    Ok(())
}

/// `CompareEntryIDs`: `TRUE` in `*result` when both name the same object of this store.
///
/// # Safety
/// The arguments of `CompareEntryIDs`.
pub(crate) unsafe fn compare_entry_ids<B: Backend>(
    ctx: &StoreContext<B>,
    (cb1, eid1): (ULONG, LPENTRYID),
    (cb2, eid2): (ULONG, LPENTRYID),
    result: *mut ULONG,
) -> Result<()> {
    // SAFETY: null or writable (CompareEntryIDs' contract).
    let mut result = unsafe { Out::new(result) }?;
    // SAFETY: the caller's entry ids.
    let (a, b) = unsafe { (entry_id_bytes(cb1, eid1)?, entry_id_bytes(cb2, eid2)?) };
    // The store's entry id as MAPI wrapped it names the store, as its own form does.
    let tree = ctx.tree();
    let own = crate::entry_id::EntryId::store(ctx.info().uid).to_bytes();
    let unwrapped = |bytes: &'_ [u8]| -> Vec<u8> {
        if tree.is_handed_out_store_id(bytes) {
            own.clone()
        } else {
            bytes.to_vec()
        }
    };
    let same = crate::entry_id::EntryId::same_object(&unwrapped(a), &unwrapped(b), ctx.info().uid)?;
    result.write(ULONG::from(same));
    Ok(())
}

/// The last failure of an object, for `GetLastError`.
#[derive(Default)]
pub(crate) struct LastError(Mutex<Option<Error>>);

impl LastError {
    /// `result`'s HRESULT (`S_OK` for `Ok`), keeping an error.
    pub(crate) fn answer(&self, result: Result<()>) -> HRESULT {
        match result {
            Ok(()) => sys::S_OK,
            Err(e) => {
                let code = e.code();
                *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                code
            }
        }
    }

    /// `GetLastError`.
    ///
    /// # Safety
    /// `out` null or writable.
    pub(crate) unsafe fn get<B: Backend>(
        &self,
        ctx: &StoreContext<B>,
        hr: HRESULT,
        flags: ULONG,
        out: *mut LPMAPIERROR,
    ) -> HRESULT {
        // SAFETY: caller's contract.
        let mut out = match unsafe { Out::new(out) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(error) = last.as_ref().filter(|e| e.code() == hr) else {
            return sys::S_OK;
        };
        match error.to_mapi_error(ctx.allocators(), &ctx.info().display_name, flags) {
            Ok(buffer) => {
                out.write(buffer.into_raw().cast());
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}

/// `GetProps`, `GetPropList` and `SetProps` of an object that implements
/// `IMAPIProp_Impl` itself, as the runtime answers them from [`Properties`], in memory
/// from its store's allocators (`self.ctx`).
macro_rules! props_methods {
    () => {
        unsafe fn GetProps(
            &self,
            tags: sys::LPSPropTagArray,
            flags: ULONG,
            count: *mut ULONG,
            values: *mut sys::LPSPropValue,
        ) -> HRESULT {
            // SAFETY: the caller's arguments, passed on.
            unsafe {
                crate::ll::entry::get_props(self.ctx.allocators(), self, tags, flags, count, values)
            }
        }

        unsafe fn GetPropList(&self, flags: ULONG, out: *mut sys::LPSPropTagArray) -> HRESULT {
            // SAFETY: as above.
            unsafe { crate::ll::entry::get_prop_list(self.ctx.allocators(), self, flags, out) }
        }

        unsafe fn SetProps(
            &self,
            count: ULONG,
            values: sys::LPSPropValue,
            problems: *mut sys::LPSPropProblemArray,
        ) -> HRESULT {
            // SAFETY: as above.
            unsafe { crate::ll::entry::set_props(self, count, values, problems) }
        }

        unsafe fn GetIDsFromNames(
            &self,
            count: ULONG,
            names: *mut sys::LPMAPINAMEID,
            flags: ULONG,
            out: *mut sys::LPSPropTagArray,
        ) -> HRESULT {
            // SAFETY: as above.
            let r = unsafe {
                crate::ll::named::get_ids_from_names(&self.ctx, count, names, flags, out)
            };
            match r {
                Ok(hr) => hr,
                Err(e) => self.last_error.answer(Err(e)),
            }
        }

        unsafe fn GetNamesFromIDs(
            &self,
            tags: *mut sys::LPSPropTagArray,
            set: sys::LPGUID,
            flags: ULONG,
            count: *mut ULONG,
            names: *mut *mut sys::LPMAPINAMEID,
        ) -> HRESULT {
            // SAFETY: as above.
            let r = unsafe {
                crate::ll::named::get_names_from_ids(&self.ctx, tags, set, flags, count, names)
            };
            match r {
                Ok(hr) => hr,
                Err(e) => self.last_error.answer(Err(e)),
            }
        }
    };
}
pub(crate) use props_methods;

/// `OpenEntry` of an object that shares its store's (`self.ctx`, `self.last_error`).
macro_rules! open_entry_method {
    () => {
        unsafe fn OpenEntry(
            &self,
            cb: ULONG,
            eid: sys::LPENTRYID,
            iid: sys::LPCIID,
            flags: ULONG,
            obj_type: *mut ULONG,
            out: *mut sys::LPUNKNOWN,
        ) -> HRESULT {
            // SAFETY: OpenEntry's contract.
            let r = unsafe {
                crate::ll::entry::open_entry(&self.ctx, cb, eid, iid, flags, obj_type, out)
            };
            self.last_error.answer(r)
        }
    };
}
pub(crate) use open_entry_method;

/// `CompareEntryIDs` of an object that shares its store's.
macro_rules! compare_entry_ids_method {
    () => {
        unsafe fn CompareEntryIDs(
            &self,
            cb1: ULONG,
            eid1: sys::LPENTRYID,
            cb2: ULONG,
            eid2: sys::LPENTRYID,
            _flags: ULONG,
            result: *mut ULONG,
        ) -> HRESULT {
            // SAFETY: CompareEntryIDs' contract.
            let r = unsafe {
                crate::ll::entry::compare_entry_ids(&self.ctx, (cb1, eid1), (cb2, eid2), result)
            };
            self.last_error.answer(r)
        }
    };
}
pub(crate) use compare_entry_ids_method;

/// `GetProps` (see [`props_methods`]).
///
/// # Safety
/// `GetProps`' contract.
pub(crate) unsafe fn get_props<T: Properties>(
    allocators: Allocators,
    this: &T,
    tags: LPSPropTagArray,
    flags: ULONG,
    count: *mut ULONG,
    values: *mut LPSPropValue,
) -> HRESULT {
    // SAFETY: forwarded.
    unsafe { imapiprop::get_props_in(allocators, this, tags, flags, count, values) }
}

/// `GetPropList`.
///
/// # Safety
/// `GetPropList`'s contract.
pub(crate) unsafe fn get_prop_list<T: Properties>(
    allocators: Allocators,
    this: &T,
    flags: ULONG,
    out: *mut LPSPropTagArray,
) -> HRESULT {
    // SAFETY: forwarded.
    unsafe { imapiprop::get_prop_list_in(allocators, this, flags, out) }
}

/// `SetProps`.
///
/// # Safety
/// `SetProps`' contract.
pub(crate) unsafe fn set_props<T: Properties>(
    this: &T,
    count: ULONG,
    values: LPSPropValue,
    problems: *mut LPSPropProblemArray,
) -> HRESULT {
    // SAFETY: forwarded.
    unsafe { imapiprop::set_props(this, count, values, problems) }
}

/// Whether `iid` asks for an `IMAPITable` (or its base, `IUnknown`).
///
/// # Safety
/// `iid` null or an IID valid for the call.
pub(crate) unsafe fn asks_for_table(iid: LPCIID) -> bool {
    // SAFETY: caller's contract.
    unsafe { iid.as_ref() }.is_some_and(sys::IMAPITable::matches)
}
