//! The named-properties scenario: Outlook maps its property sets before it shows an
//! item (`GetIDsFromNames` with `MAPI_CREATE` on the store), then reads the same names
//! through the objects it opens, and names back from identifiers (`GetNamesFromIDs`),
//! as "IMAPIProp::GetIDsFromNames" and "IMAPIProp::GetNamesFromIDs" document them.

use std::ffi::c_void;

use mapi_sync::props;
use mapi_sync::sys::{self, ComInterface, GUID, HRESULT, ULONG};

use crate::alloc;
use crate::host::{free, name};
use crate::rules;
use crate::scenarios::Ctx;

/// `PSETID_Common` (Microsoft, "Commonly Used Property Sets").
const PSETID_COMMON: GUID = GUID::from_parts(0x0006_2008, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
/// `PSETID_Address`.
const PSETID_ADDRESS: GUID = GUID::from_parts(0x0006_2004, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
/// `PS_PUBLIC_STRINGS`.
const PS_PUBLIC_STRINGS: GUID = GUID::from_parts(0x0002_0329, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);

/// A name as the harness asks it: its set and a number or a string.
#[derive(Debug, Clone, PartialEq)]
enum Name {
    Id(GUID, i32),
    Str(GUID, &'static str),
}

/// Names Outlook maps: `PidLidReminderDelta` (0x8501) and `PidLidReminderSet` (0x8503)
/// in `PSETID_Common`, `PidLidEmail1EmailAddress` (0x8083) in `PSETID_Address`, and
/// "Keywords" in `PS_PUBLIC_STRINGS`.
fn outlooks() -> Vec<Name> {
    vec![
        Name::Id(PSETID_COMMON, 0x8501),
        Name::Id(PSETID_COMMON, 0x8503),
        Name::Id(PSETID_ADDRESS, 0x8083),
        Name::Str(PS_PUBLIC_STRINGS, "Keywords"),
    ]
}

/// `GetIDsFromNames` on `object`: the HRESULT and the tags.
fn ids(object: &sys::IMAPIProp, what: &str, names: &[Name], flags: ULONG) -> (HRESULT, Vec<ULONG>) {
    let mut sets: Vec<GUID> = names
        .iter()
        .map(|n| match n {
            Name::Id(g, _) | Name::Str(g, _) => *g,
        })
        .collect();
    let mut strings: Vec<Vec<u16>> = names
        .iter()
        .map(|n| match n {
            Name::Str(_, s) => s.encode_utf16().chain([0]).collect(),
            Name::Id(..) => Vec::new(),
        })
        .collect();
    let mut raws: Vec<sys::MAPINAMEID> = names
        .iter()
        .zip(sets.iter_mut().zip(strings.iter_mut()))
        .map(|(n, (set, text))| {
            let (kind, value) = match n {
                Name::Id(_, id) => (sys::MNID_ID, sys::_MAPINAMEID__bindgen_ty_1 { lID: *id }),
                Name::Str(..) => (
                    sys::MNID_STRING,
                    sys::_MAPINAMEID__bindgen_ty_1 {
                        lpwstrName: text.as_mut_ptr(),
                    },
                ),
            };
            sys::MAPINAMEID {
                lpguid: set,
                ulKind: kind,
                Kind: value,
            }
        })
        .collect();
    let mut list: Vec<sys::LPMAPINAMEID> = raws.iter_mut().map(|r| r as *mut _).collect();
    let mut out: sys::LPSPropTagArray = std::ptr::null_mut();
    let label = format!("{what}: GetIDsFromNames");
    // SAFETY: the names (their sets and strings) alive for the call; a writable
    // out-pointer.
    let hr = alloc::label(&label, || unsafe {
        object.GetIDsFromNames(list.len() as ULONG, list.as_mut_ptr(), flags, &mut out)
    });
    let mut tags = Vec::new();
    if !out.is_null() {
        // SAFETY: a tag array the store handed out, read then freed once.
        tags = unsafe { props::prop_tags(out) }
            .unwrap_or_default()
            .to_vec();
        free(out.cast());
    }
    (hr, tags)
}

/// `GetNamesFromIDs` on `object` for `tags`: the HRESULT and the names read back (None
/// for a NULL entry).
fn names(object: &sys::IMAPIProp, tags: &[ULONG]) -> (HRESULT, Vec<Option<Name>>) {
    let Ok(array) = alloc::label("the harness's tag array for GetNamesFromIDs", || {
        props::write_prop_tags(alloc::allocators(), tags)
    }) else {
        return (sys::MAPI_E_NOT_ENOUGH_MEMORY, Vec::new());
    };
    let mut list: sys::LPSPropTagArray = array.as_ptr().cast();
    let (mut count, mut out): (ULONG, *mut sys::LPMAPINAMEID) = (0, std::ptr::null_mut());
    // SAFETY: the tags alive for the call; writable out-pointers.
    let hr = alloc::label("IMsgStore: GetNamesFromIDs", || unsafe {
        object.GetNamesFromIDs(&mut list, std::ptr::null_mut(), 0, &mut count, &mut out)
    });
    let mut read = Vec::new();
    if !out.is_null() {
        for i in 0..count as usize {
            // SAFETY: `count` entries, each NULL or a MAPINAMEID whose set and string
            // live in the same buffer.
            read.push(unsafe { read_name(*out.add(i)) });
        }
        free(out.cast::<c_void>());
    }
    (hr, read)
}

/// One `MAPINAMEID` as a [`Name`] (the string leaked into a `'static` only for
/// comparison's sake is avoided: strings are matched against the asked ones).
///
/// # Safety
/// `p` NULL or a MAPINAMEID with a readable set and, for a string, a NUL-terminated one.
unsafe fn read_name(p: sys::LPMAPINAMEID) -> Option<Name> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    unsafe {
        let set = (*p).lpguid.read();
        match (*p).ulKind {
            sys::MNID_ID => Some(Name::Id(set, (*p).Kind.lID)),
            sys::MNID_STRING => {
                let s = (*p).Kind.lpwstrName;
                let len = (0..).take_while(|&k| *s.add(k) != 0).count();
                let text = String::from_utf16_lossy(std::slice::from_raw_parts(s, len));
                let known = outlooks().into_iter().find_map(|n| match n {
                    Name::Str(g, t) if g == set && t == text => Some(t),
                    _ => None,
                });
                Some(Name::Str(set, known.unwrap_or("(another string)")))
            }
            _ => None,
        }
    }
}

/// The scenario (see the [module](self)).
pub(crate) fn named_properties(ctx: &mut Ctx<'_>) {
    let Ok(store) = ctx.store.cast::<sys::IMAPIProp>() else {
        return;
    };
    let asked = outlooks();
    let (hr, mapped) = ids(&store, "IMsgStore", &asked, sys::MAPI_CREATE);
    if hr == sys::MAPI_E_NO_SUPPORT {
        ctx.report.note(
            "IMsgStore::GetIDsFromNames answered MAPI_E_NO_SUPPORT: no named properties (Outlook needs them)",
        );
        return;
    }
    let in_range = |t: &ULONG| {
        props::prop_type(*t) == sys::PT_UNSPECIFIED
            && (0x8000..=0xFFFE).contains(&props::prop_id(*t))
    };
    let mut distinct = mapped.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let created = hr == sys::S_OK
        && mapped.len() == asked.len()
        && mapped.iter().all(in_range)
        && distinct.len() == mapped.len();
    ctx.report.check(&rules::NAMED_PROPERTIES, created, || {
        format!(
            "GetIDsFromNames(MAPI_CREATE) on the store answered {} with tags {mapped:08X?}: not one PT_UNSPECIFIED identifier from 0x8000 to 0xFFFE per name",
            name(hr)
        )
    });
    if !created {
        return;
    }
    // The root folder (OpenEntry with no identifier) knows the same names, without
    // MAPI_CREATE.
    let (mut kind, mut unknown) = (0, sys::LPUNKNOWN::null());
    // SAFETY: a live store; NULL opens the root; writable out-pointers.
    let opened = alloc::label("IMsgStore::OpenEntry(the root)", || unsafe {
        ctx.store.OpenEntry(
            0,
            std::ptr::null_mut(),
            std::ptr::null(),
            0,
            &mut kind,
            &mut unknown,
        )
    });
    // SAFETY: a success hands over one reference.
    if let (sys::S_OK, Some(root)) = (opened, unsafe { unknown.into_owned() }) {
        if let Ok(root) = root.cast::<sys::IMAPIProp>() {
            let (hr, again) = ids(&root, "the root folder", &asked, 0);
            ctx.report
                .check(&rules::NAMED_PROPERTIES, hr == sys::S_OK && again == mapped, || {
                    format!(
                        "GetIDsFromNames on the root folder answered {} with {again:08X?}, not the store's {mapped:08X?}",
                        name(hr)
                    )
                });
        }
    }
    // And the names back from the identifiers, a tag that is no named property's NULL.
    let mut tags = mapped.clone();
    tags.push(sys::PR_SUBJECT_W);
    let (hr, back) = names(&store, &tags);
    let mut expected: Vec<Option<Name>> = asked.into_iter().map(Some).collect();
    expected.push(None);
    ctx.report.check(
        &rules::NAMED_PROPERTIES,
        hr == sys::MAPI_W_ERRORS_RETURNED && back == expected,
        || {
            format!(
                "GetNamesFromIDs answered {} with {back:?}, not the names asked (and NULL for PR_SUBJECT_W)",
                name(hr)
            )
        },
    );
}
