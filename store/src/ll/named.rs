//! `IMAPIProp::GetIDsFromNames` and `GetNamesFromIDs` on every object of a framework
//! store, over the store's map ([`named`](crate::named)), as their pages document them:
//!
//! - `GetIDsFromNames`: a tag of type `PT_UNSPECIFIED` per name asked; a name without
//!   an identifier (and no `MAPI_CREATE`) gets `PT_ERROR` with identifier 0 and the
//!   call answers `MAPI_W_ERRORS_RETURNED`; no names (NULL, count 0) asks for every
//!   mapped identifier; `MAPI_CREATE` needs names; a NULL name, a NULL `lpguid`, an
//!   unknown `ulKind` or a NULL string is `MAPI_E_INVALID_PARAMETER`; `MAPI_E_TOO_BIG`
//!   when no identifier is left.
//! - `GetNamesFromIDs`: a `MAPINAMEID` pointer per tag, NULL (and
//!   `MAPI_W_ERRORS_RETURNED`) for an identifier without a name, one of another
//!   property set than `lpPropSetGuid`, or of a kind `MAPI_NO_IDS`/`MAPI_NO_STRINGS`
//!   leaves out; `*lppPropTags` NULL asks for every name (the tags are then handed out
//!   too); the names in one buffer (the array, each `MAPINAMEID`, its GUID and string
//!   allocated with `MAPIAllocateMore`), freed by the caller with `MAPIFreeBuffer`.

use mapi_sync_runtime::mem::{Allocators, Buffer};
use mapi_sync_runtime::props::{prop_id, prop_tag, prop_tags, write_prop_tags};
use mapi_sync_runtime::sys::{self, LPSPropTagArray, HRESULT, LPGUID, LPMAPINAMEID, ULONG};
use mapi_sync_runtime::{Error, Out, Result};

use crate::backend::Backend;
use crate::context::StoreContext;
use crate::named::{NameKind, PropName, FIRST_NAMED_ID};

fn invalid(what: &str) -> Error {
    Error::with_message(sys::MAPI_E_INVALID_PARAMETER, what.to_owned())
}

/// The longest name string read (in UTF-16 units) before it is taken as unterminated.
const MAX_NAME: usize = 1 << 16;

/// Reads one `MAPINAMEID`.
///
/// # Safety
/// `p` null or a `MAPINAMEID` whose `lpguid` and (for `MNID_STRING`) string are null
/// or readable.
unsafe fn read_name(p: LPMAPINAMEID) -> Result<PropName> {
    if p.is_null() {
        return Err(invalid("a NULL property name"));
    }
    // SAFETY: the caller's contract: a readable MAPINAMEID.
    let name = unsafe { p.read() };
    if name.lpguid.is_null() {
        return Err(invalid("a property name without its set (lpguid NULL)"));
    }
    let mut set = [0u8; 16];
    // SAFETY: a readable GUID, 16 bytes.
    unsafe { std::ptr::copy_nonoverlapping(name.lpguid.cast::<u8>(), set.as_mut_ptr(), 16) };
    let kind = match name.ulKind {
        sys::MNID_ID => {
            // SAFETY: MNID_ID says the union holds lID.
            NameKind::Id(unsafe { name.Kind.lID })
        }
        sys::MNID_STRING => {
            // SAFETY: MNID_STRING says the union holds lpwstrName.
            let s = unsafe { name.Kind.lpwstrName };
            if s.is_null() {
                return Err(invalid("an MNID_STRING name whose string is NULL"));
            }
            // SAFETY: a NUL-terminated UTF-16 string (the caller's contract), read up to
            // its NUL, no further than MAX_NAME units.
            let units = unsafe {
                let len = (0..MAX_NAME)
                    .find(|&i| *s.add(i) == 0)
                    .ok_or_else(|| invalid("a property name string without its NUL"))?;
                std::slice::from_raw_parts(s, len)
            };
            NameKind::Name(String::from_utf16_lossy(units))
        }
        other => return Err(invalid(&format!("a property name of kind {other}"))),
    };
    Ok(PropName { set, kind })
}

/// `GetIDsFromNames` (see the [module](self)).
///
/// # Safety
/// The method's arguments: `names` null or `count` readable name pointers, `out` null or
/// writable.
pub(crate) unsafe fn get_ids_from_names<B: Backend>(
    ctx: &StoreContext<B>,
    count: ULONG,
    names: *mut LPMAPINAMEID,
    flags: ULONG,
    out: *mut LPSPropTagArray,
) -> Result<HRESULT> {
    // SAFETY: null or writable (the caller's contract).
    let mut out = unsafe { Out::new(out) }?;
    out.clear();
    if flags & !sys::MAPI_CREATE != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    let create = flags & sys::MAPI_CREATE != 0;
    let tags: Vec<ULONG> = if names.is_null() {
        if count != 0 || create {
            return Err(invalid("no names, with a count or MAPI_CREATE"));
        }
        let all = ctx.named().all();
        all.iter()
            .map(|&(id, _)| prop_tag(sys::PT_UNSPECIFIED, ULONG::from(id)))
            .collect()
    } else {
        if count == 0 {
            return Err(invalid("a names array of 0 names"));
        }
        let mut tags = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            // SAFETY: `count` readable pointers (the caller's contract), each a name.
            let name = unsafe { read_name(names.add(i).read()) }?;
            tags.push(match ctx.named_id(&name, create)? {
                Some(id) => prop_tag(sys::PT_UNSPECIFIED, ULONG::from(id)),
                None => prop_tag(sys::PT_ERROR, 0),
            });
        }
        tags
    };
    let missing = tags.iter().any(|&t| t == prop_tag(sys::PT_ERROR, 0));
    let buffer = write_prop_tags(ctx.allocators(), &tags)?;
    out.write(buffer.into_raw().cast());
    Ok(if missing {
        sys::MAPI_W_ERRORS_RETURNED
    } else {
        sys::S_OK
    })
}

/// Writes `names` (NULL for `None`) as an array of `MAPINAMEID` pointers in one buffer.
fn write_names(allocators: Allocators, names: &[Option<PropName>]) -> Result<Buffer> {
    let size = std::mem::size_of::<LPMAPINAMEID>() * names.len().max(1);
    let array = Buffer::new(allocators, size)?;
    let slots = array.as_ptr().cast::<LPMAPINAMEID>();
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else {
            // `Buffer::new` zeroes: the slot is NULL already.
            continue;
        };
        let one = array
            .more(std::mem::size_of::<sys::MAPINAMEID>())?
            .as_ptr()
            .cast::<sys::MAPINAMEID>();
        let guid = array.more_copy(&name.set)?.as_ptr().cast::<sys::GUID>();
        let (kind, value) = match &name.kind {
            NameKind::Id(id) => (sys::MNID_ID, sys::_MAPINAMEID__bindgen_ty_1 { lID: *id }),
            NameKind::Name(s) => {
                let units: Vec<u16> = s.encode_utf16().chain([0]).collect();
                let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
                let text = array.more_copy(&bytes)?.as_ptr().cast::<u16>();
                (
                    sys::MNID_STRING,
                    sys::_MAPINAMEID__bindgen_ty_1 { lpwstrName: text },
                )
            }
        };
        // SAFETY: `one` is a new block with room for a MAPINAMEID (MAPIAllocateMore
        // aligns for any type); slot `i` is within the array.
        unsafe {
            one.write(sys::MAPINAMEID {
                lpguid: guid,
                ulKind: kind,
                Kind: value,
            });
            slots.add(i).write(one);
        }
    }
    Ok(array)
}

/// `GetNamesFromIDs` (see the [module](self)).
///
/// # Safety
/// The method's arguments: `tags` null or a readable place holding null or a tag array
/// (writable when it holds null), `set` null or a GUID, the out-pointers null or
/// writable.
pub(crate) unsafe fn get_names_from_ids<B: Backend>(
    ctx: &StoreContext<B>,
    tags: *mut LPSPropTagArray,
    set: LPGUID,
    flags: ULONG,
    count: *mut ULONG,
    out: *mut *mut LPMAPINAMEID,
) -> Result<HRESULT> {
    // SAFETY: null or writable (the caller's contract).
    let (mut count, mut out) = unsafe { (Out::new(count)?, Out::new(out)?) };
    count.write(0);
    out.clear();
    if tags.is_null() {
        return Err(invalid("lppPropTags is NULL"));
    }
    if flags & !(sys::MAPI_NO_IDS | sys::MAPI_NO_STRINGS) != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    let mut wanted_set = None;
    if !set.is_null() {
        let mut bytes = [0u8; 16];
        // SAFETY: a readable GUID (the caller's contract).
        unsafe { std::ptr::copy_nonoverlapping(set.cast::<u8>(), bytes.as_mut_ptr(), 16) };
        wanted_set = Some(bytes);
    }
    let shown = |name: &PropName| {
        wanted_set.map_or(true, |s| s == name.set)
            && match name.kind {
                NameKind::Id(_) => flags & sys::MAPI_NO_IDS == 0,
                NameKind::Name(_) => flags & sys::MAPI_NO_STRINGS == 0,
            }
    };
    // SAFETY: a readable place (checked non-null above).
    let given = unsafe { tags.read() };
    if given.is_null() {
        // Every name: the tags are handed out too.
        let all: Vec<(u16, PropName)> = ctx
            .named()
            .all()
            .into_iter()
            .filter(|(_, n)| shown(n))
            .collect();
        let list: Vec<ULONG> = all
            .iter()
            .map(|&(id, _)| prop_tag(sys::PT_UNSPECIFIED, ULONG::from(id)))
            .collect();
        let names: Vec<Option<PropName>> = all.into_iter().map(|(_, n)| Some(n)).collect();
        let written = write_prop_tags(ctx.allocators(), &list)?;
        let buffer = write_names(ctx.allocators(), &names)?;
        // SAFETY: the place held NULL and is writable then (the caller's contract).
        unsafe { tags.write(written.into_raw().cast()) };
        count.write(names.len() as ULONG);
        out.write(buffer.into_raw().cast());
        return Ok(sys::S_OK);
    }
    // SAFETY: a tag array (the caller's contract).
    let list = unsafe { prop_tags(given) }.unwrap_or_default();
    if list.is_empty() {
        return Err(invalid("a tag array of 0 tags"));
    }
    let names: Vec<Option<PropName>> = list
        .iter()
        .map(|&t| {
            let id = u16::try_from(prop_id(t)).ok()?;
            if id < FIRST_NAMED_ID {
                return None;
            }
            ctx.named().name_of(id).filter(|n| shown(n))
        })
        .collect();
    let missing = names.iter().any(Option::is_none);
    let buffer = write_names(ctx.allocators(), &names)?;
    count.write(names.len() as ULONG);
    out.write(buffer.into_raw().cast());
    Ok(if missing {
        sys::MAPI_W_ERRORS_RETURNED
    } else {
        sys::S_OK
    })
}
