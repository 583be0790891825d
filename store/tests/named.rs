//! Named properties through the vtable, as Outlook maps its property sets before it
//! shows an item: `GetIDsFromNames` (with and without `MAPI_CREATE`) and
//! `GetNamesFromIDs` on the store and a folder, one map for both; the backend told of
//! each new name and given back its map at the next logon.

use std::ptr::null_mut;
use std::sync::{Arc, Mutex};

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{prop_tag, prop_tags, write_prop_tags, Prop};
use mapi_sync_runtime::sys::{self, IMsgStore, ULONG};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::StoreUid;
use mapi_sync_store::ll::store::StoreObject;
use mapi_sync_store::named::{NameKind, PropName};

/// `PSETID_Common` {00062008-0000-0000-C000-000000000046} (Microsoft, "Commonly Used
/// Property Sets"), as a GUID lies in memory (the first three fields little-endian).
const PSETID_COMMON: [u8; 16] = [
    0x08, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];
/// `PS_PUBLIC_STRINGS` {00020329-0000-0000-C000-000000000046}.
const PS_PUBLIC_STRINGS: [u8; 16] = [
    0x29, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

/// A store that keeps its named-property map in `kept` (shared with the test).
struct Keeping {
    kept: Arc<Mutex<Vec<(PropName, u16)>>>,
    refuse: bool,
}

impl Backend for Keeping {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: StoreUid([0x4E; 16]),
            display_name: "Named".into(),
            mdb_provider: [4; 16],
        }
    }
    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "Folder")])
    }
    fn messages(&self, _: &[u8], _: bool, _: &mut Vec<Vec<u8>>) -> Result<()> {
        Ok(())
    }
    fn message_properties(&self, _: &[u8], _: &[u8], _: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        Err(Error::new(sys::MAPI_E_NOT_FOUND))
    }
    fn named_properties(&self) -> Vec<(PropName, u16)> {
        self.kept.lock().unwrap().clone()
    }
    fn name_mapped(&self, name: &PropName, id: u16) -> Result<()> {
        if self.refuse {
            return Err(Error::with_message(
                sys::MAPI_E_DISK_ERROR,
                "cannot keep it",
            ));
        }
        self.kept.lock().unwrap().push((name.clone(), id));
        Ok(())
    }
}

fn store(kept: &Arc<Mutex<Vec<(PropName, u16)>>>, refuse: bool) -> IMsgStore {
    let backend = Keeping {
        kept: kept.clone(),
        refuse,
    };
    let ctx = StoreContext::new(backend, Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

fn free(p: *mut std::ffi::c_void) {
    // SAFETY: a buffer the store handed out with the local allocators, freed once.
    unsafe { Allocators::local().free(p) };
}

/// A caller's MAPINAMEID (its GUID and string kept alive by the caller).
struct Name {
    set: sys::GUID,
    wide: Vec<u16>,
    kind: NameKind,
}

impl Name {
    fn new(set: [u8; 16], kind: NameKind) -> Name {
        // SAFETY: a GUID is 16 bytes of plain data.
        let set = unsafe { std::mem::transmute::<[u8; 16], sys::GUID>(set) };
        let wide = match &kind {
            NameKind::Name(s) => s.encode_utf16().chain([0]).collect(),
            NameKind::Id(_) => Vec::new(),
        };
        Name { set, wide, kind }
    }

    fn raw(&mut self) -> sys::MAPINAMEID {
        let (ul_kind, kind) = match self.kind {
            NameKind::Id(id) => (sys::MNID_ID, sys::_MAPINAMEID__bindgen_ty_1 { lID: id }),
            NameKind::Name(_) => (
                sys::MNID_STRING,
                sys::_MAPINAMEID__bindgen_ty_1 {
                    lpwstrName: self.wide.as_mut_ptr(),
                },
            ),
        };
        sys::MAPINAMEID {
            lpguid: &mut self.set,
            ulKind: ul_kind,
            Kind: kind,
        }
    }
}

/// `GetIDsFromNames` on `object`: the HRESULT and the tags.
fn ids<I: sys::ComInterface>(object: &I, names: &mut [Name], flags: ULONG) -> (i32, Vec<ULONG>) {
    let prop: sys::IMAPIProp = sys::ComInterface::cast(object).unwrap();
    let mut raws: Vec<sys::MAPINAMEID> = names.iter_mut().map(|n| n.raw()).collect();
    let mut ptrs: Vec<sys::LPMAPINAMEID> = raws.iter_mut().map(|r| r as *mut _).collect();
    let mut out = null_mut();
    let list = if ptrs.is_empty() {
        null_mut()
    } else {
        ptrs.as_mut_ptr()
    };
    // SAFETY: the names alive for the call; a writable out-pointer.
    let hr = unsafe { prop.GetIDsFromNames(ptrs.len() as ULONG, list, flags, &mut out) };
    let tags = if out.is_null() {
        Vec::new()
    } else {
        // SAFETY: a tag array the store handed out, read then freed once.
        let tags = unsafe { prop_tags(out) }.unwrap().to_vec();
        free(out.cast());
        tags
    };
    (hr, tags)
}

/// `GetNamesFromIDs` on `object` for `tags` (None: every name): the HRESULT, the names
/// (None for a NULL entry) and, for every name, the tags handed out.
fn names<I: sys::ComInterface>(
    object: &I,
    tags: Option<&[ULONG]>,
    set: Option<[u8; 16]>,
    flags: ULONG,
) -> (i32, Vec<Option<PropName>>, Vec<ULONG>) {
    let prop: sys::IMAPIProp = sys::ComInterface::cast(object).unwrap();
    let buffer = tags.map(|t| write_prop_tags(Allocators::local(), t).unwrap());
    let mut list: sys::LPSPropTagArray = buffer.as_ref().map_or(null_mut(), |b| b.as_ptr().cast());
    let mut guid = set.map(|s| {
        // SAFETY: a GUID is 16 bytes of plain data.
        unsafe { std::mem::transmute::<[u8; 16], sys::GUID>(s) }
    });
    let guid_ptr = guid.as_mut().map_or(null_mut(), |g| g as *mut sys::GUID);
    let (mut count, mut out) = (0, null_mut());
    // SAFETY: the tags and GUID alive for the call; writable out-pointers; the answer
    // read then freed once.
    unsafe {
        let hr = prop.GetNamesFromIDs(&mut list, guid_ptr, flags, &mut count, &mut out);
        let mut read = Vec::new();
        for i in 0..count as usize {
            let p = *out.add(i);
            if p.is_null() {
                read.push(None);
                continue;
            }
            let mut set = [0u8; 16];
            std::ptr::copy_nonoverlapping((*p).lpguid.cast::<u8>(), set.as_mut_ptr(), 16);
            let kind = if (*p).ulKind == sys::MNID_ID {
                NameKind::Id((*p).Kind.lID)
            } else {
                let s = (*p).Kind.lpwstrName;
                let len = (0..).take_while(|&k| *s.add(k) != 0).count();
                NameKind::Name(String::from_utf16_lossy(std::slice::from_raw_parts(s, len)))
            };
            read.push(Some(PropName { set, kind }));
        }
        if !out.is_null() {
            free(out.cast());
        }
        let mut handed = Vec::new();
        if tags.is_none() && !list.is_null() {
            handed = prop_tags(list).unwrap().to_vec();
            free(list.cast());
        }
        (hr, read, handed)
    }
}

fn outlooks_names() -> Vec<Name> {
    vec![
        Name::new(PSETID_COMMON, NameKind::Id(0x8501)),
        Name::new(PS_PUBLIC_STRINGS, NameKind::Name("Keywords".into())),
    ]
}

#[test]
fn names_are_mapped_once_for_the_whole_store_and_read_back() {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let store = store(&kept, false);
    let error = prop_tag(sys::PT_ERROR, 0);
    // Without MAPI_CREATE an unmapped name is an error in its place.
    assert_eq!(
        ids(&store, &mut outlooks_names(), 0),
        (sys::MAPI_W_ERRORS_RETURNED, vec![error, error])
    );
    let mapped = [
        prop_tag(sys::PT_UNSPECIFIED, 0x8000),
        prop_tag(sys::PT_UNSPECIFIED, 0x8001),
    ];
    assert_eq!(
        ids(&store, &mut outlooks_names(), sys::MAPI_CREATE),
        (sys::S_OK, mapped.to_vec())
    );
    assert_eq!(
        kept.lock().unwrap().len(),
        2,
        "the backend was told of both"
    );
    // The same identifiers from a folder of the store, without MAPI_CREATE.
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: NULL opens the root; writable out-pointers.
    let folder = unsafe {
        assert_eq!(
            store.OpenEntry(0, null_mut(), null_mut(), 0, &mut kind, &mut unknown),
            sys::S_OK
        );
        unknown.into_owned().unwrap()
    };
    assert_eq!(
        ids(&folder, &mut outlooks_names(), 0),
        (sys::S_OK, mapped.to_vec())
    );
    // Back to names: a tag that is not a named property's gets NULL.
    let (hr, read, _) = names(
        &folder,
        Some(&[mapped[1], sys::PR_SUBJECT_W, mapped[0]]),
        None,
        0,
    );
    assert_eq!(hr, sys::MAPI_W_ERRORS_RETURNED);
    let expected: Vec<PropName> = kept
        .lock()
        .unwrap()
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(
        read,
        [Some(expected[1].clone()), None, Some(expected[0].clone())]
    );
    // Every name (the tags handed out with them), filtered by set and by kind.
    let (hr, read, handed) = names(&store, None, None, 0);
    assert_eq!((hr, read.len(), handed), (sys::S_OK, 2, mapped.to_vec()));
    let (_, read, handed) = names(&store, None, Some(PSETID_COMMON), 0);
    assert_eq!(
        (read, handed),
        (vec![Some(expected[0].clone())], vec![mapped[0]])
    );
    let (_, read, _) = names(&store, None, None, sys::MAPI_NO_STRINGS);
    assert_eq!(read, [Some(expected[0].clone())]);
    // No names: every mapped identifier.
    assert_eq!(ids(&store, &mut [], 0), (sys::S_OK, mapped.to_vec()));
    // The next logon gets the map the backend kept.
    let again = self::store(&kept, false);
    assert_eq!(
        ids(&again, &mut outlooks_names(), 0),
        (sys::S_OK, mapped.to_vec())
    );
}

#[test]
fn bad_names_and_arguments_get_their_codes() {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let store = store(&kept, false);
    let prop: sys::IMAPIProp = sys::ComInterface::cast(&store).unwrap();
    let mut out = std::ptr::NonNull::dangling().as_ptr();
    // SAFETY: the arguments below are what is tested; out-pointers writable or null.
    unsafe {
        // No names with MAPI_CREATE; a count without names; names with a count of 0.
        assert_eq!(
            prop.GetIDsFromNames(0, null_mut(), sys::MAPI_CREATE, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert!(out.is_null(), "the out-pointer is NULL after a failure");
        assert_eq!(
            prop.GetIDsFromNames(2, null_mut(), 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        let mut one = Name::new(PSETID_COMMON, NameKind::Id(1));
        let mut raw = one.raw();
        let mut list = [&mut raw as *mut sys::MAPINAMEID];
        assert_eq!(
            prop.GetIDsFromNames(0, list.as_mut_ptr(), 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        // A name without its set, a NULL name, a kind MAPI does not have.
        (*list[0]).lpguid = null_mut();
        assert_eq!(
            prop.GetIDsFromNames(1, list.as_mut_ptr(), 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        let mut null = [null_mut::<sys::MAPINAMEID>()];
        assert_eq!(
            prop.GetIDsFromNames(1, null.as_mut_ptr(), 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        let mut raw = one.raw();
        let mut list = [&mut raw as *mut sys::MAPINAMEID];
        (*list[0]).ulKind = 7;
        assert_eq!(
            prop.GetIDsFromNames(1, list.as_mut_ptr(), 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        // An unknown flag; a NULL out-pointer.
        let mut raw = one.raw();
        let mut list = [&mut raw as *mut sys::MAPINAMEID];
        assert_eq!(
            prop.GetIDsFromNames(1, list.as_mut_ptr(), 0x100, &mut out),
            sys::MAPI_E_UNKNOWN_FLAGS
        );
        assert_eq!(
            prop.GetIDsFromNames(1, list.as_mut_ptr(), 0, null_mut()),
            sys::MAPI_E_INVALID_PARAMETER
        );
        // GetNamesFromIDs: no place for the tags; an empty tag array.
        let (mut count, mut names) = (5, null_mut());
        assert_eq!(
            prop.GetNamesFromIDs(null_mut(), null_mut(), 0, &mut count, &mut names),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!((count, names.is_null()), (0, true));
        let empty = write_prop_tags(Allocators::local(), &[]).unwrap();
        let mut list: sys::LPSPropTagArray = empty.as_ptr().cast();
        assert_eq!(
            prop.GetNamesFromIDs(&mut list, null_mut(), 0, &mut count, &mut names),
            sys::MAPI_E_INVALID_PARAMETER
        );
    }
    assert!(kept.lock().unwrap().is_empty(), "nothing was mapped");
}

#[test]
fn a_name_the_backend_cannot_keep_stays_unmapped() {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let store = store(&kept, true);
    let (hr, tags) = ids(&store, &mut outlooks_names(), sys::MAPI_CREATE);
    assert_eq!((hr, tags), (sys::MAPI_E_DISK_ERROR, vec![]));
    let error = prop_tag(sys::PT_ERROR, 0);
    assert_eq!(
        ids(&store, &mut outlooks_names(), 0),
        (sys::MAPI_W_ERRORS_RETURNED, vec![error, error])
    );
}
