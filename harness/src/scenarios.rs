//! The scenarios: what Outlook does with a store, and the rules checked on the way.
//!
//! 1. `interfaces`: QueryInterface on the provider, the logon object and the store.
//! 2. `store_properties`: the store's `GetProps` (all, then `PR_ENTRYID`,
//!    `PR_RECORD_KEY`, `PR_DISPLAY_NAME`).
//! 3. `bad_arguments`: calls that must fail, with `[out]` pointers to check.
//! 4. `inbox_contents`: `GetReceiveFolder`, `OpenEntry`, the inbox's properties, its
//!    contents table (`SetColumns` with `TBL_BATCH`, `QueryRows` to the end and once
//!    more), and its first messages opened from their rows, their bodies read through
//!    `OpenProperty(PR_BODY_W, IID_IStream)`.
//! 5. `hierarchy`: the special folders the store names (`PR_IPM_OUTBOX_ENTRYID`,
//!    `PR_IPM_SENTMAIL_ENTRYID`, `PR_IPM_WASTEBASKET_ENTRYID`), the IPM subtree
//!    (`PR_IPM_SUBTREE_ENTRYID`), its properties and its hierarchy table.
//! 6. `associated-view`: a view saved in the inbox as an associated message, read back
//!    from the associated contents table and by its entry id, counted, deleted
//!    (`changes.rs`).
//! 7. `read-flag`: a message of the inbox marked read and unread, through
//!    `SetReadFlag` and `SetReadFlags`, on the object and in the contents table.
//! 8. `advise`: `IMsgStore::Advise` with the harness's sink, and `IMAPITable::Advise` on
//!    the inbox's contents and associated contents tables while a message is marked read
//!    and a view saved and deleted (the table sinks must hear their rows modified, added
//!    and deleted); `Unadvise`, then the same changes again: no sink may hear anything
//!    after its `Unadvise` ([`check_sinks`] at the end of the run).
//! 9. `sync`: `IMAPISync::SynchronizeInBackground` with the harness's progress callback
//!    (which cancels, if asked) while another thread reads the inbox's contents table.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use mapi_sync::prelude::*;
use mapi_sync::props::{self, prop_id, prop_type, OwnedValue, PropArray, Props, Rows};
use mapi_sync::sys::{self, ComInterface, GUID, HRESULT, ULONG, ULONG_PTR};

use crate::alloc;
use crate::host::{free, name, take, SENTINEL};
use crate::report::Report;
use crate::rules;
use crate::support::Support;

/// What the scenarios play against.
pub struct Ctx<'a> {
    /// The report.
    pub report: &'a mut Report,
    /// The provider.
    pub provider: &'a sys::IMSProvider,
    /// The logon object.
    pub logon: &'a sys::IMSLogon,
    /// The store.
    pub store: &'a sys::IMsgStore,
    /// The support object.
    pub support: &'a Object<Support>,
    /// The sinks given to `Advise`, checked at the end of the run.
    pub sinks: Vec<Object<Sink>>,
    /// Waits for and closes the sync's done event.
    pub events: Option<EventOps>,
    /// The progress callback cancels (answers `MAPI_E_USER_CANCEL` to `Progress`).
    pub cancel_sync: bool,
    /// Set by the `sync` scenario once a sync was started: whether its done event was
    /// signalled (`false` also when there was no event, or no way to wait for it).
    pub done_signalled: Option<bool>,
}

/// Properties read back: tag and value.
pub type PropList = Vec<(ULONG, OwnedValue)>;

/// An IID no object implements.
const NO_SUCH_IID: GUID = GUID::from_parts(0x6d61_7069, 0x6861, 0x726e, *b"ess-none");

/// The most rows read from one table.
const MAX_ROWS: usize = 100_000;

/// A scenario: one thing a client does with the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// QueryInterface on the provider, the logon object and the store.
    Interfaces,
    /// The store's properties.
    StoreProperties,
    /// Calls that must fail, and their `[out]` pointers.
    BadArguments,
    /// The inbox and its contents table.
    InboxContents,
    /// The IPM subtree and its hierarchy table.
    Hierarchy,
    /// `Advise` and `Unadvise` on the store.
    Advise,
    /// `IMAPISync::SynchronizeInBackground` while another thread reads the inbox.
    Sync,
    /// `GetIDsFromNames` for Outlook's property sets, and the names back.
    NamedProperties,
    /// A view saved as an associated message in the inbox, read back and deleted.
    AssociatedView,
    /// A message of the inbox marked read and unread.
    ReadFlag,
}

impl Scenario {
    /// Every scenario, in the order a run plays them.
    pub const ALL: [Scenario; 10] = [
        Scenario::Interfaces,
        Scenario::StoreProperties,
        Scenario::NamedProperties,
        Scenario::BadArguments,
        Scenario::InboxContents,
        Scenario::Hierarchy,
        Scenario::AssociatedView,
        Scenario::ReadFlag,
        Scenario::Advise,
        Scenario::Sync,
    ];

    /// Its name (`inbox-contents`), as the command takes it.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Interfaces => "interfaces",
            Scenario::StoreProperties => "store-properties",
            Scenario::BadArguments => "bad-arguments",
            Scenario::InboxContents => "inbox-contents",
            Scenario::Hierarchy => "hierarchy",
            Scenario::Advise => "advise",
            Scenario::Sync => "sync",
            Scenario::NamedProperties => "named-properties",
            Scenario::AssociatedView => "associated-view",
            Scenario::ReadFlag => "read-flag",
        }
    }

    /// The scenario named `name`.
    pub fn by_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Runs `scenarios`, in [`Scenario::ALL`]'s order.
pub fn run_all(ctx: &mut Ctx<'_>, scenarios: &[Scenario]) {
    let wanted = |s| scenarios.contains(&s);
    if wanted(Scenario::Interfaces) {
        interfaces(ctx);
    }
    let mut store_props = None;
    if wanted(Scenario::StoreProperties) {
        store_props = store_properties(ctx);
    }
    if wanted(Scenario::NamedProperties) {
        crate::named::named_properties(ctx);
    }
    if wanted(Scenario::BadArguments) {
        bad_arguments(ctx);
    }
    if wanted(Scenario::InboxContents) {
        inbox_contents(ctx);
    }
    if wanted(Scenario::Hierarchy) {
        if store_props.is_none() {
            let store: &sys::IMAPIProp = ctx.store;
            store_props = get_props(
                ctx.report,
                "IMsgStore",
                store,
                Some(&[
                    sys::PR_IPM_SUBTREE_ENTRYID,
                    sys::PR_IPM_OUTBOX_ENTRYID,
                    sys::PR_IPM_SENTMAIL_ENTRYID,
                    sys::PR_IPM_WASTEBASKET_ENTRYID,
                ]),
            );
        }
        hierarchy(ctx, store_props.as_deref());
    }
    if wanted(Scenario::AssociatedView) {
        crate::changes::associated_view(ctx);
    }
    if wanted(Scenario::ReadFlag) {
        crate::changes::read_flag(ctx);
    }
    if wanted(Scenario::Advise) {
        advise(ctx);
    }
    if wanted(Scenario::Sync) {
        sync(ctx);
    }
}

/// `QueryInterface` on a raw interface pointer; the out-pointer starts as [`SENTINEL`].
///
/// # Safety
/// `raw` must be a live interface pointer.
unsafe fn query(raw: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = SENTINEL as *mut c_void;
    // SAFETY: a live interface pointer starts with IUnknown's vtable.
    let hr = unsafe {
        let vtbl = *(raw as *const *const sys::IUnknown_Vtbl);
        ((*vtbl).QueryInterface)(raw, iid, &mut out)
    };
    (hr, out)
}

/// `Release` on a raw interface pointer.
///
/// # Safety
/// `raw` must be a live interface pointer whose reference the caller gives up.
unsafe fn release(raw: *mut c_void) {
    // SAFETY: as above.
    unsafe {
        let vtbl = *(raw as *const *const sys::IUnknown_Vtbl);
        ((*vtbl).Release)(raw);
    }
}

/// Checks `QueryInterface` on `object` (an `I` named `what`): itself, its bases and
/// `IUnknown` answer (`qi-bases`), with one identity (`qi-identity`); an unknown IID
/// answers a failure and NULL (`out-null-on-failure`).
pub fn check_interface<I: ComInterface>(report: &mut Report, what: &str, object: &I) {
    let raw = object.as_raw();
    // SAFETY: a live interface pointer, for each call below; each reference a success
    // hands out is released once.
    unsafe {
        let (hr, unknown) = query(raw, &sys::IID_IUnknown);
        if hr < 0 || unknown.is_null() || unknown as usize == SENTINEL {
            report.fail(
                &rules::QI_BASES,
                format!("{what}: QueryInterface(IID_IUnknown) answered {}", name(hr)),
            );
            return;
        }
        for iid in std::iter::once(&I::IID).chain(I::BASE_IIDS) {
            let (hr, p) = query(raw, iid);
            let ok = hr >= 0 && !p.is_null() && p as usize != SENTINEL;
            report.check(&rules::QI_BASES, ok, || {
                format!("{what}: QueryInterface({iid:?}) answered {}", name(hr))
            });
            if !ok {
                continue;
            }
            let (hr, u) = query(p, &sys::IID_IUnknown);
            let same = hr >= 0 && u == unknown;
            report.check(&rules::QI_IDENTITY, same, || {
                format!("{what}: IUnknown through {iid:?} is {u:?}, not {unknown:?}")
            });
            if hr >= 0 && !u.is_null() && u as usize != SENTINEL {
                release(u);
            }
            release(p);
        }
        let (hr, again) = query(raw, &sys::IID_IUnknown);
        report.check(&rules::QI_IDENTITY, hr >= 0 && again == unknown, || {
            format!("{what}: a second QueryInterface(IID_IUnknown) gave {again:?}, not {unknown:?}")
        });
        if hr >= 0 && !again.is_null() && again as usize != SENTINEL {
            release(again);
        }
        let (hr, none) = query(raw, &NO_SUCH_IID);
        if hr < 0 {
            report.check(&rules::OUT_NULL_ON_FAILURE, none.is_null(), || {
                format!(
                    "{what}: QueryInterface of an unknown IID failed ({}) and left {none:?}",
                    name(hr)
                )
            });
        } else if !none.is_null() && none as usize != SENTINEL {
            report.note(format!("{what}: QueryInterface answered an unknown IID"));
            release(none);
        }
        release(unknown);
    }
}

fn interfaces(ctx: &mut Ctx<'_>) {
    check_interface(ctx.report, "IMSProvider", ctx.provider);
    check_interface(ctx.report, "IMSLogon", ctx.logon);
    check_interface(ctx.report, "IMsgStore", ctx.store);
}

/// `GetProps` on `object`: every property (`tags` `None`) or those of `tags`. `None`
/// (with a note) if it fails; a failure must leave NULL.
pub fn get_props(
    report: &mut Report,
    what: &str,
    object: &sys::IMAPIProp,
    tags: Option<&[ULONG]>,
) -> Option<PropList> {
    let tag_array = match tags {
        Some(tags) => match alloc::label("the harness's tag array for GetProps", || {
            props::write_prop_tags(alloc::allocators(), tags)
        }) {
            Ok(b) => Some(b),
            Err(e) => {
                report.note(format!("{what}: no memory for a tag array: {}", e.text()));
                return None;
            }
        },
        None => None,
    };
    let tags_ptr = tag_array
        .as_ref()
        .map_or(std::ptr::null_mut(), |b| b.as_ptr().cast());
    let (mut count, mut values): (ULONG, sys::LPSPropValue) = (0, SENTINEL as sys::LPSPropValue);
    let label = format!("{what}: GetProps");
    // SAFETY: a live object, a tag array or null, writable out-pointers.
    let hr = alloc::label(&label, || unsafe {
        object.GetProps(tags_ptr, 0, &mut count, &mut values)
    });
    alloc::label("the harness, freeing its own tag array", || drop(tag_array));
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, values.is_null(), || {
            format!(
                "{label} failed ({}) and left {values:?} in lppPropArray",
                name(hr)
            )
        });
        report.note(format!("{label} answered {}", name(hr)));
        return None;
    }
    if values.is_null() || values as usize == SENTINEL {
        report.note(format!("{label} succeeded without values"));
        return None;
    }
    // SAFETY: a success hands out `count` values, read before they are freed.
    let read = unsafe { Props::from_raw(values, count) }.map(|p| {
        p.iter()
            .map(|p| (p.tag(), OwnedValue::from(p.value())))
            .collect::<PropList>()
    });
    free(values.cast());
    match read {
        Ok(list) => Some(list),
        Err(e) => {
            report.note(format!("{label}: the values cannot be read: {}", e.text()));
            None
        }
    }
}

/// The binary value of `tag` in `props`, if it has one (not a `PT_ERROR`).
pub fn binary(props: &[(ULONG, OwnedValue)], tag: ULONG) -> Option<&[u8]> {
    props.iter().find_map(|(t, v)| match v {
        OwnedValue::Binary(b) if *t == tag => Some(&b[..]),
        _ => None,
    })
}

/// What `props` has for `tag`, for a report: its value's type, or its error.
fn describe(props: &[(ULONG, OwnedValue)], tag: ULONG) -> String {
    match props.iter().find(|(t, _)| prop_id(*t) == prop_id(tag)) {
        Some((_, OwnedValue::Error(e))) => format!("PT_ERROR {}", name(*e)),
        Some((t, _)) => format!("a value of type {:#06x}", prop_type(*t)),
        None => "nothing".to_owned(),
    }
}

/// `PR_ENTRYID` and `PR_RECORD_KEY` on an object's properties, and its
/// `PR_STORE_SUPPORT_MASK` (a store, folder or message).
fn check_keys(report: &mut Report, what: &str, props: &[(ULONG, OwnedValue)]) {
    let mask = props
        .iter()
        .any(|(t, v)| *t == sys::PR_STORE_SUPPORT_MASK && matches!(v, OwnedValue::Long(_)));
    report.check(&rules::SUPPORT_MASK_PRESENT, mask, || {
        format!(
            "{what} has no PR_STORE_SUPPORT_MASK ({})",
            describe(props, sys::PR_STORE_SUPPORT_MASK)
        )
    });
    for (rule, tag, tag_name) in [
        (&rules::ENTRYID_PRESENT, sys::PR_ENTRYID, "PR_ENTRYID"),
        (
            &rules::RECORD_KEY_PRESENT,
            sys::PR_RECORD_KEY,
            "PR_RECORD_KEY",
        ),
    ] {
        report.check(
            rule,
            binary(props, tag).is_some_and(|b| !b.is_empty()),
            || format!("{what} has no {tag_name} ({})", describe(props, tag)),
        );
    }
}

/// The string properties the harness reads in both types.
const STRINGS: [(ULONG, ULONG, &str); 2] = [
    (
        sys::PR_DISPLAY_NAME_W,
        sys::PR_DISPLAY_NAME_A,
        "PR_DISPLAY_NAME",
    ),
    (sys::PR_SUBJECT_W, sys::PR_SUBJECT_A, "PR_SUBJECT"),
];

/// `strings-a-w-agree` on `props`: each string answered as both types, if its text is
/// ASCII, is the same text.
fn check_strings(report: &mut Report, what: &str, props: &[(ULONG, OwnedValue)]) {
    for (wide_tag, narrow_tag, tag_name) in STRINGS {
        let wide = props.iter().find_map(|(t, v)| match v {
            OwnedValue::Unicode(w) if *t == wide_tag => Some(String::from_utf16_lossy(w)),
            _ => None,
        });
        let narrow = props.iter().find_map(|(t, v)| match v {
            OwnedValue::String8(a) if *t == narrow_tag => Some(a.clone()),
            _ => None,
        });
        if let (Some(wide), Some(narrow)) = (wide, narrow) {
            if wide.is_ascii() {
                report.check(&rules::STRINGS_A_W_AGREE, wide.as_bytes() == narrow, || {
                    format!(
                        "{what}: {tag_name} is {wide:?} as PT_UNICODE but {:?} as PT_STRING8",
                        String::from_utf8_lossy(&narrow)
                    )
                });
            }
        }
    }
}

/// The tags read from every object: keys, the support mask and strings in both types.
const OBJECT_TAGS: [ULONG; 7] = [
    sys::PR_ENTRYID,
    sys::PR_RECORD_KEY,
    sys::PR_STORE_SUPPORT_MASK,
    sys::PR_DISPLAY_NAME_W,
    sys::PR_DISPLAY_NAME_A,
    sys::PR_SUBJECT_W,
    sys::PR_SUBJECT_A,
];

fn store_properties(ctx: &mut Ctx<'_>) -> Option<PropList> {
    let store: &sys::IMAPIProp = ctx.store;
    let all = get_props(ctx.report, "IMsgStore", store, None)?;
    check_keys(ctx.report, "the store", &all);
    let asked = get_props(
        ctx.report,
        "IMsgStore",
        store,
        Some(&[sys::PR_DISPLAY_NAME_W, sys::PR_DISPLAY_NAME_A]),
    );
    if let Some(asked) = asked {
        check_strings(ctx.report, "the store", &asked);
        let wide = asked.iter().any(|(t, _)| *t == sys::PR_DISPLAY_NAME_W);
        let narrow = asked.iter().any(|(t, _)| *t == sys::PR_DISPLAY_NAME_A);
        ctx.report
            .check(&rules::STORE_DISPLAY_NAME, wide && narrow, || {
                format!(
                    "the store's PR_DISPLAY_NAME: as PT_UNICODE {}, as PT_STRING8 {}",
                    describe(&asked[..1], sys::PR_DISPLAY_NAME_W),
                    describe(&asked[1..], sys::PR_DISPLAY_NAME_A)
                )
            });
    }
    Some(all)
}

/// `OpenEntry` (on the store) of `id`: the object and its type, or the failure (whose
/// out-pointer must be NULL).
pub(crate) fn open_entry(
    report: &mut Report,
    what: &str,
    store: &sys::IMsgStore,
    id: &[u8],
) -> Result<(ULONG, sys::IUnknown), HRESULT> {
    let mut id = id.to_vec();
    let mut kind: ULONG = 0;
    let mut out = sys::LPUNKNOWN::from_raw(SENTINEL as *mut c_void);
    let label = format!("IMsgStore::OpenEntry({what})");
    // SAFETY: a live store, the identifier's bytes, writable out-pointers.
    let hr = alloc::label(&label, || unsafe {
        store.OpenEntry(
            id.len() as ULONG,
            if id.is_empty() {
                std::ptr::null_mut()
            } else {
                id.as_mut_ptr().cast()
            },
            std::ptr::null(),
            0,
            &mut kind,
            &mut out,
        )
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
            format!(
                "{label} failed ({}) and left {:?} in lppUnk",
                name(hr),
                out.as_raw()
            )
        });
        return Err(hr);
    }
    // SAFETY: a success hands out one reference (or null).
    match unsafe { take(out) } {
        Some(o) => Ok((kind, o)),
        None => Err(sys::MAPI_E_CALL_FAILED),
    }
}

fn bad_arguments(ctx: &mut Ctx<'_>) {
    // An identifier too short to hold its flags, and one of no store.
    let mut unknown = vec![0u8; 4];
    unknown.extend_from_slice(b"mapi-harness:no such store");
    for (what, id) in [
        ("3 bytes", &b"abc"[..]),
        ("an identifier of no store", &unknown[..]),
    ] {
        if let Ok((_, object)) = open_entry(ctx.report, what, ctx.store, id) {
            ctx.report
                .note(format!("IMsgStore::OpenEntry({what}) succeeded"));
            drop(object);
        }
    }
    // Logon without an entry identifier.
    let Ok(sup) = ctx.support.cast::<sys::IMAPISupport>() else {
        return;
    };
    let (mut error, mut logon, mut store) = (
        SENTINEL as sys::LPMAPIERROR,
        sys::LPMSLOGON::from_raw(SENTINEL as *mut c_void),
        sys::LPMDB::from_raw(SENTINEL as *mut c_void),
    );
    // SAFETY: a live support object, no identifier, writable out-pointers.
    let hr = alloc::label("IMSProvider::Logon(no entry identifier)", || unsafe {
        ctx.provider.Logon(
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut error,
            &mut logon,
            &mut store,
        )
    });
    drop(sup);
    if !error.is_null() && error as usize != SENTINEL {
        free(error.cast());
    }
    if hr < 0 {
        for (what, p) in [("lppMSLogon", logon.as_raw()), ("lppMDB", store.as_raw())] {
            ctx.report
                .check(&rules::OUT_NULL_ON_FAILURE, p.is_null(), || {
                    format!(
                        "IMSProvider::Logon without an entry identifier failed ({}) and left {p:?} in {what}",
                        name(hr)
                    )
                });
        }
    } else {
        ctx.report
            .note("IMSProvider::Logon without an entry identifier succeeded");
        // SAFETY: a success hands out one reference each (or null).
        let (l, s) = unsafe { (take(logon), take(store)) };
        drop(s);
        if let Some(l) = l {
            let mut flags = 0;
            // SAFETY: a live logon object.
            unsafe { l.Logoff(&mut flags) };
        }
    }
}

/// Opens a folder by entry identifier, checks its interfaces and keys.
fn open_folder(ctx: &mut Ctx<'_>, what: &str, id: &[u8]) -> Option<sys::IMAPIFolder> {
    let (kind, object) = match open_entry(ctx.report, what, ctx.store, id) {
        Ok(o) => o,
        Err(hr) => {
            ctx.report
                .note(format!("the {what} cannot be opened: {}", name(hr)));
            return None;
        }
    };
    if kind != sys::MAPI_FOLDER {
        ctx.report.note(format!(
            "the {what} opened as object type {kind}, not MAPI_FOLDER"
        ));
    }
    let folder: sys::IMAPIFolder = match object.cast() {
        Ok(f) => f,
        Err(hr) => {
            ctx.report.fail(
                &rules::QI_BASES,
                format!(
                    "the {what}: QueryInterface(IID_IMAPIFolder) answered {}",
                    name(hr)
                ),
            );
            return None;
        }
    };
    drop(object);
    check_interface(ctx.report, &format!("the {what} (IMAPIFolder)"), &folder);
    let prop: &sys::IMAPIProp = &folder;
    if let Some(p) = get_props(ctx.report, &format!("the {what}"), prop, Some(&OBJECT_TAGS)) {
        check_keys(ctx.report, &format!("the {what}"), &p);
        check_strings(ctx.report, &format!("the {what}"), &p);
    }
    Some(folder)
}

/// Reads `table` as Outlook does: `SetColumns(columns, TBL_BATCH)`, `QueryRows` to the
/// end, and once more at the end (`table-end-no-rows`); `QueryRows(0)` must fail with
/// NULL. The rows, or `None` with a note.
pub(crate) fn read_table(
    report: &mut Report,
    what: &str,
    table: &sys::IMAPITable,
    columns: &[ULONG],
) -> Option<Vec<PropList>> {
    let tags = alloc::label("the harness's tag array for SetColumns", || {
        props::write_prop_tags(alloc::allocators(), columns)
    })
    .ok()?;
    // SAFETY: a live table and a tag array.
    let hr = alloc::label(&format!("{what}: SetColumns"), || unsafe {
        table.SetColumns(tags.as_ptr().cast(), sys::TBL_BATCH)
    });
    alloc::label("the harness, freeing its own tag array", || drop(tags));
    if hr < 0 {
        report.note(format!("{what}: SetColumns answered {}", name(hr)));
        return None;
    }
    let mut rows = Vec::new();
    loop {
        let (hr, batch) = query_rows(report, what, table, 64)?;
        if hr < 0 {
            report.check(&rules::TABLE_END, hr != sys::MAPI_E_NOT_FOUND, || {
                format!(
                    "{what}: QueryRows answered MAPI_E_NOT_FOUND after {} rows",
                    rows.len()
                )
            });
            report.note(format!("{what}: QueryRows answered {}", name(hr)));
            return None;
        }
        if batch.is_empty() {
            break;
        }
        rows.extend(batch);
        if rows.len() >= MAX_ROWS {
            report.note(format!("{what}: stopped reading at {MAX_ROWS} rows"));
            return Some(rows);
        }
    }
    // At the end: once more, S_OK and no rows.
    if let Some((hr, batch)) = query_rows(report, what, table, 64) {
        report.check(
            &rules::TABLE_END,
            hr == sys::S_OK && batch.is_empty(),
            || {
                format!(
                    "{what}: QueryRows at the end answered {} and {} rows",
                    name(hr),
                    batch.len()
                )
            },
        );
    }
    // QueryRows(0) is a caller's error.
    let mut set = SENTINEL as sys::LPSRowSet;
    // SAFETY: a live table, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: QueryRows(0)"), || unsafe {
        table.QueryRows(0, 0, &mut set)
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, set.is_null(), || {
            format!(
                "{what}: QueryRows(0) failed ({}) and left {set:?} in lppRows",
                name(hr)
            )
        });
    } else if !set.is_null() && set as usize != SENTINEL {
        // SAFETY: a success hands out a row set.
        unsafe { free_rows(set) };
    }
    reread(report, what, table, &rows);
    find_and_restrict(report, what, table, &rows);
    sort(report, what, table, &rows);
    Some(rows)
}

/// `sort-table-sorts` on a table whose rows all have `PR_MESSAGE_SIZE` (two or more):
/// sorted on it descending, the same sizes come largest first.
fn sort(report: &mut Report, what: &str, table: &sys::IMAPITable, rows: &[PropList]) {
    let sizes = |rows: &[PropList]| -> Option<Vec<i32>> {
        rows.iter()
            .map(|r| {
                r.iter().find_map(|(t, v)| match v {
                    OwnedValue::Long(n) if *t == sys::PR_MESSAGE_SIZE => Some(*n),
                    _ => None,
                })
            })
            .collect()
    };
    let Some(mut expected) = sizes(rows).filter(|s| s.len() >= 2) else {
        return;
    };
    expected.sort_unstable_by(|a, b| b.cmp(a));
    let mut order = sys::SSortOrderSet {
        cSorts: 1,
        cCategories: 0,
        cExpanded: 0,
        aSort: [sys::SSortOrder {
            ulPropTag: sys::PR_MESSAGE_SIZE,
            ulOrder: sys::TABLE_SORT_DESCEND,
        }],
    };
    // SAFETY: a live table and a sort order alive for the call.
    let hr = alloc::label(&format!("{what}: SortTable"), || unsafe {
        table.SortTable(&mut order, 0)
    });
    if hr == sys::MAPI_E_NO_SUPPORT {
        report.note(format!("{what}: SortTable answered MAPI_E_NO_SUPPORT"));
        return;
    }
    if hr < 0 {
        report.fail(
            &rules::SORT_TABLE_SORTS,
            format!("{what}: SortTable on PR_MESSAGE_SIZE answered {}", name(hr)),
        );
        return;
    }
    if let Some(sorted) = all_rows(report, what, table, rows.len()) {
        let got = sizes(&sorted);
        report.check(&rules::SORT_TABLE_SORTS, got.as_ref() == Some(&expected), || {
            format!("{what}: sorted on PR_MESSAGE_SIZE descending, the sizes came as {got:?}, not {expected:?}")
        });
    }
}

/// Every row of `table` from its beginning (`SeekRow`, then `QueryRows` to the end), or
/// `None` with a note.
fn all_rows(
    report: &mut Report,
    what: &str,
    table: &sys::IMAPITable,
    max: usize,
) -> Option<Vec<PropList>> {
    let mut sought: sys::LONG = 0;
    // SAFETY: a live table, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: SeekRow"), || unsafe {
        table.SeekRow(sys::BOOKMARK_BEGINNING, 0, &mut sought)
    });
    if hr < 0 {
        report.note(format!(
            "{what}: SeekRow(BOOKMARK_BEGINNING) answered {}",
            name(hr)
        ));
        return None;
    }
    let mut rows = Vec::new();
    while rows.len() <= max {
        match query_rows(report, what, table, 64)? {
            (hr, batch) if hr >= 0 && !batch.is_empty() => rows.extend(batch),
            (hr, _) if hr < 0 => return None,
            _ => break,
        }
    }
    Some(rows)
}

/// `find-row-finds` and `restrict-restricts`, with the last row's `PR_ENTRYID` as the
/// restriction (`RES_PROPERTY`, `RELOP_EQ`), as a client looks a row up.
fn find_and_restrict(report: &mut Report, what: &str, table: &sys::IMAPITable, rows: &[PropList]) {
    let Some(target) = rows.last().and_then(|r| binary(r, sys::PR_ENTRYID)) else {
        return;
    };
    let value = match alloc::label("the harness's restriction", || {
        PropArray::write(
            alloc::allocators(),
            &[
                props::Prop::new(sys::PR_ENTRYID, props::PropValue::Binary(target))
                    .expect("a binary"),
            ],
        )
    }) {
        Ok(v) => v,
        Err(_) => return,
    };
    // SAFETY: SRestriction is plain data; zeroes are a valid one, filled in below.
    let mut restriction: sys::SRestriction = unsafe { std::mem::zeroed() };
    restriction.rt = sys::RES_PROPERTY;
    restriction.res.resProperty = sys::SPropertyRestriction {
        relop: sys::RELOP_EQ,
        ulPropTag: sys::PR_ENTRYID,
        lpProp: value.as_slice().as_ptr().cast_mut(),
    };
    let entry_ids = |rows: &[PropList]| -> Vec<Vec<u8>> {
        rows.iter()
            .map(|r| binary(r, sys::PR_ENTRYID).unwrap_or_default().to_vec())
            .collect()
    };
    // FindRow from the beginning.
    // SAFETY: a live table and a restriction alive for the call.
    let hr = alloc::label(&format!("{what}: FindRow"), || unsafe {
        table.FindRow(&mut restriction, sys::BOOKMARK_BEGINNING, 0)
    });
    if hr == sys::MAPI_E_NO_SUPPORT {
        report.note(format!("{what}: FindRow answered MAPI_E_NO_SUPPORT"));
    } else if hr < 0 {
        report.fail(
            &rules::FIND_ROW_FINDS,
            format!(
                "{what}: FindRow of the last row's PR_ENTRYID answered {}",
                name(hr)
            ),
        );
    } else if let Some((_, found)) = query_rows(report, what, table, 1) {
        let found = entry_ids(&found);
        report.check(&rules::FIND_ROW_FINDS, found.first().map(Vec::as_slice) == Some(target), || {
            format!("{what}: after FindRow of the last row's PR_ENTRYID {target:02x?}, QueryRows gave {found:02x?}")
        });
    }
    // Restrict, then lift it.
    // SAFETY: as above.
    let hr = alloc::label(&format!("{what}: Restrict"), || unsafe {
        table.Restrict(&mut restriction, 0)
    });
    if hr == sys::MAPI_E_NO_SUPPORT {
        report.note(format!("{what}: Restrict answered MAPI_E_NO_SUPPORT"));
        return;
    }
    if hr < 0 {
        report.fail(
            &rules::RESTRICT_RESTRICTS,
            format!(
                "{what}: Restrict to the last row's PR_ENTRYID answered {}",
                name(hr)
            ),
        );
        return;
    }
    if let Some(restricted) = all_rows(report, what, table, rows.len()) {
        let ids = entry_ids(&restricted);
        report.check(
            &rules::RESTRICT_RESTRICTS,
            !ids.is_empty() && ids.iter().all(|id| id == target),
            || {
                format!(
                    "{what}: restricted to the PR_ENTRYID {target:02x?}, the table gave {ids:02x?}"
                )
            },
        );
    }
    // SAFETY: a live table; NULL lifts the restriction.
    let hr = alloc::label(&format!("{what}: Restrict(NULL)"), || unsafe {
        table.Restrict(std::ptr::null_mut(), 0)
    });
    if hr < 0 {
        report.fail(
            &rules::RESTRICT_RESTRICTS,
            format!("{what}: Restrict(NULL) answered {}", name(hr)),
        );
    } else if let Some(all) = all_rows(report, what, table, rows.len()) {
        report.check(&rules::RESTRICT_RESTRICTS, all.len() == rows.len(), || {
            format!(
                "{what}: after Restrict(NULL) the table gave {} rows, not {}",
                all.len(),
                rows.len()
            )
        });
    }
    alloc::label("the harness, freeing its own restriction", || drop(value));
}

/// `seek-row-rereads`: back to the beginning, the same rows again.
fn reread(report: &mut Report, what: &str, table: &sys::IMAPITable, rows: &[PropList]) {
    let mut sought: sys::LONG = 0;
    // SAFETY: a live table, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: SeekRow"), || unsafe {
        table.SeekRow(sys::BOOKMARK_BEGINNING, 0, &mut sought)
    });
    if hr < 0 {
        report.note(format!(
            "{what}: SeekRow(BOOKMARK_BEGINNING) answered {}",
            name(hr)
        ));
        return;
    }
    let mut again: Vec<PropList> = Vec::new();
    while again.len() < rows.len() + 1 {
        match query_rows(report, what, table, 64) {
            Some((hr, batch)) if hr >= 0 && !batch.is_empty() => again.extend(batch),
            _ => break,
        }
    }
    let keys = |rows: &[PropList]| -> Vec<Option<Vec<u8>>> {
        rows.iter()
            .map(|r| binary(r, sys::PR_INSTANCE_KEY).map(<[u8]>::to_vec))
            .collect()
    };
    let (first, second) = (keys(rows), keys(&again));
    report.check(&rules::SEEK_ROW_REREADS, first == second, || {
        format!(
            "{what}: after SeekRow(BOOKMARK_BEGINNING) the table gave {} rows with instance keys {second:02x?}, not the {} first read ({first:02x?})",
            second.len(),
            first.len()
        )
    });
}

/// One `QueryRows(count)`: its code and the rows read (freed as `FreeProws` frees them).
pub(crate) fn query_rows(
    report: &mut Report,
    what: &str,
    table: &sys::IMAPITable,
    count: i32,
) -> Option<(HRESULT, Vec<PropList>)> {
    let mut set = SENTINEL as sys::LPSRowSet;
    // SAFETY: a live table, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: QueryRows"), || unsafe {
        table.QueryRows(count, 0, &mut set)
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, set.is_null(), || {
            format!(
                "{what}: QueryRows failed ({}) and left {set:?} in lppRows",
                name(hr)
            )
        });
        return Some((hr, Vec::new()));
    }
    if set.is_null() || set as usize == SENTINEL {
        report.note(format!("{what}: QueryRows succeeded without a row set"));
        return None;
    }
    // SAFETY: a success hands out a row set, read before it is freed.
    let read = unsafe { Rows::from_raw(set) }.map(|rows| {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|p| (p.tag(), OwnedValue::from(p.value())))
                    .collect::<PropList>()
            })
            .collect::<Vec<_>>()
    });
    // SAFETY: as above.
    unsafe { free_rows(set) };
    match read {
        Ok(rows) => Some((hr, rows)),
        Err(e) => {
            report.note(format!("{what}: the rows cannot be read: {}", e.text()));
            None
        }
    }
}

/// `FreeProws`: each row's values, then the set.
///
/// # Safety
/// `set` must be a row set a `QueryRows` handed out, not freed yet.
unsafe fn free_rows(set: sys::LPSRowSet) {
    // SAFETY: the caller's contract: `cRows` rows after the count.
    unsafe {
        let count = std::ptr::addr_of!((*set).cRows).read() as usize;
        let first = std::ptr::addr_of!((*set).aRow).cast::<sys::SRow>();
        for i in 0..count {
            free((*first.add(i)).lpProps.cast());
        }
    }
    free(set.cast());
}

/// The per-row rules on a table's rows: `PR_ENTRYID`, `PR_RECORD_KEY`, and
/// `PR_INSTANCE_KEY` in every row and unique.
fn check_rows(report: &mut Report, what: &str, rows: &[PropList]) {
    for (rule, tag, tag_name) in [
        (&rules::ENTRYID_PRESENT, sys::PR_ENTRYID, "PR_ENTRYID"),
        (
            &rules::RECORD_KEY_PRESENT,
            sys::PR_RECORD_KEY,
            "PR_RECORD_KEY",
        ),
    ] {
        let lacking: Vec<usize> = (0..rows.len())
            .filter(|&i| binary(&rows[i], tag).is_none_or(<[u8]>::is_empty))
            .collect();
        report.check(rule, lacking.is_empty(), || {
            format!(
                "{what}: {} of {} rows have no {tag_name} (row {}: {})",
                lacking.len(),
                rows.len(),
                lacking[0],
                describe(&rows[lacking[0]], tag)
            )
        });
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match binary(row, sys::PR_INSTANCE_KEY) {
            Some(key) if seen.contains(&key) => {
                problems.push(format!("row {i} repeats the PR_INSTANCE_KEY {key:02x?}"));
            }
            Some(key) => seen.push(key),
            None => problems.push(format!(
                "row {i} has no PR_INSTANCE_KEY ({})",
                describe(row, sys::PR_INSTANCE_KEY)
            )),
        }
    }
    report.check(&rules::INSTANCE_KEY_UNIQUE, problems.is_empty(), || {
        format!("{what}: {}", problems.join("; "))
    });
}

/// The columns the harness reads a table with.
const COLUMNS: [ULONG; 5] = [
    sys::PR_ENTRYID,
    sys::PR_RECORD_KEY,
    sys::PR_INSTANCE_KEY,
    sys::PR_DISPLAY_NAME_W,
    sys::PR_MESSAGE_SIZE,
];

/// The inbox's entry identifier (`GetReceiveFolder` of `IPM.Note`), or `None` with a
/// note.
pub(crate) fn inbox_id(report: &mut Report, store: &sys::IMsgStore) -> Option<Vec<u8>> {
    let (mut cb, mut id): (ULONG, sys::LPENTRYID) = (0, SENTINEL as sys::LPENTRYID);
    let mut class = b"IPM.Note\0".to_vec();
    // SAFETY: a live store, a NUL-terminated class, writable out-pointers.
    let hr = alloc::label("IMsgStore::GetReceiveFolder", || unsafe {
        store.GetReceiveFolder(
            class.as_mut_ptr().cast(),
            0,
            &mut cb,
            &mut id,
            std::ptr::null_mut(),
        )
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, id.is_null(), || {
            format!(
                "IMsgStore::GetReceiveFolder failed ({}) and left {id:?} in lppEntryID",
                name(hr)
            )
        });
        report.note(format!("no inbox: GetReceiveFolder answered {}", name(hr)));
        return None;
    }
    if id.is_null() || id as usize == SENTINEL {
        report.note("no inbox: GetReceiveFolder succeeded without an identifier");
        return None;
    }
    // SAFETY: `cb` bytes handed out, copied before they are freed.
    let inbox_id = unsafe { std::slice::from_raw_parts(id.cast::<u8>(), cb as usize) }.to_vec();
    free(id.cast());
    Some(inbox_id)
}

fn inbox_contents(ctx: &mut Ctx<'_>) {
    let Some(inbox_id) = inbox_id(ctx.report, ctx.store) else {
        return;
    };
    let Some(inbox) = open_folder(ctx, "inbox", &inbox_id) else {
        return;
    };
    let Some(table) = contents_table(ctx, "the inbox", &inbox, false) else {
        return;
    };
    if let Some(rows) = read_table(ctx.report, "the inbox's contents table", &table, &COLUMNS) {
        check_rows(ctx.report, "the inbox's contents table", &rows);
        round_trip(ctx, "the inbox's contents table", &rows);
    }
}

/// A folder's contents (or hierarchy) table, its interfaces checked.
fn contents_table(
    ctx: &mut Ctx<'_>,
    what: &str,
    folder: &sys::IMAPIFolder,
    hierarchy: bool,
) -> Option<sys::IMAPITable> {
    let method = if hierarchy {
        "GetHierarchyTable"
    } else {
        "GetContentsTable"
    };
    let mut out = sys::LPMAPITABLE::from_raw(SENTINEL as *mut c_void);
    let label = format!("{what}: {method}");
    // SAFETY: a live folder, a writable out-pointer.
    let hr = alloc::label(&label, || unsafe {
        if hierarchy {
            folder.GetHierarchyTable(0, &mut out)
        } else {
            folder.GetContentsTable(0, &mut out)
        }
    });
    if hr < 0 {
        ctx.report
            .check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
                format!(
                    "{label} failed ({}) and left {:?} in lppTable",
                    name(hr),
                    out.as_raw()
                )
            });
        ctx.report.note(format!("{label} answered {}", name(hr)));
        return None;
    }
    // SAFETY: a success hands out one reference (or null).
    let table = unsafe { take(out) }?;
    check_interface(ctx.report, &format!("{what}'s table"), &table);
    Some(table)
}

/// The special folders a store names by property, as Outlook finds them.
const SPECIAL_FOLDERS: [(ULONG, &str); 3] = [
    (sys::PR_IPM_OUTBOX_ENTRYID, "outbox (PR_IPM_OUTBOX_ENTRYID)"),
    (
        sys::PR_IPM_SENTMAIL_ENTRYID,
        "sent items (PR_IPM_SENTMAIL_ENTRYID)",
    ),
    (
        sys::PR_IPM_WASTEBASKET_ENTRYID,
        "deleted items (PR_IPM_WASTEBASKET_ENTRYID)",
    ),
];

fn hierarchy(ctx: &mut Ctx<'_>, store_props: Option<&[(ULONG, OwnedValue)]>) {
    // The special folders the store names: each opened and checked as a folder.
    for (tag, what) in SPECIAL_FOLDERS {
        if let Some(id) = store_props.and_then(|p| binary(p, tag)) {
            let id = id.to_vec();
            drop(open_folder(ctx, what, &id));
        }
    }
    let Some(id) = store_props.and_then(|p| binary(p, sys::PR_IPM_SUBTREE_ENTRYID)) else {
        ctx.report
            .note("the store has no PR_IPM_SUBTREE_ENTRYID: no hierarchy read");
        return;
    };
    let id = id.to_vec();
    let Some(root) = open_folder(ctx, "IPM subtree", &id) else {
        return;
    };
    let Some(table) = contents_table(ctx, "the IPM subtree", &root, true) else {
        return;
    };
    if let Some(rows) = read_table(
        ctx.report,
        "the IPM subtree's hierarchy table",
        &table,
        &COLUMNS,
    ) {
        check_rows(ctx.report, "the IPM subtree's hierarchy table", &rows);
        round_trip(ctx, "the IPM subtree's hierarchy table", &rows);
    }
}

/// The most rows of a table whose objects are opened.
const ROUND_TRIPS: usize = 10;

/// `entryid-round-trip` on the first rows of a table: each row's `PR_ENTRYID` opens its
/// object, whose interfaces, keys and strings are checked; `CompareEntryIDs` finds the
/// object's `PR_ENTRYID` the row's; the object's `PR_RECORD_KEY` is the row's.
fn round_trip(ctx: &mut Ctx<'_>, what: &str, rows: &[PropList]) {
    for (i, row) in rows.iter().take(ROUND_TRIPS).enumerate() {
        let Some(row_id) = binary(row, sys::PR_ENTRYID) else {
            continue;
        };
        let row_what = format!("{what}, row {i}");
        let (kind, object) = match open_entry(ctx.report, &row_what, ctx.store, row_id) {
            Ok(o) => o,
            Err(hr) => {
                ctx.report.fail(
                    &rules::ENTRYID_ROUND_TRIP,
                    format!(
                        "{row_what}: OpenEntry of its PR_ENTRYID answered {}",
                        name(hr)
                    ),
                );
                continue;
            }
        };
        let object_what = format!("the object of {row_what}");
        let prop: sys::IMAPIProp = match kind {
            sys::MAPI_MESSAGE => match object.cast::<sys::IMessage>() {
                Ok(m) => {
                    check_interface(ctx.report, &format!("{object_what} (IMessage)"), &m);
                    body_stream(ctx.report, &object_what, &m);
                    crate::subobjects::check(ctx.report, &object_what, &m);
                    (*m).clone()
                }
                Err(hr) => {
                    ctx.report.fail(
                        &rules::QI_BASES,
                        format!(
                            "{object_what}: QueryInterface(IID_IMessage) answered {}",
                            name(hr)
                        ),
                    );
                    continue;
                }
            },
            sys::MAPI_FOLDER => match object.cast::<sys::IMAPIFolder>() {
                Ok(f) => {
                    check_interface(ctx.report, &format!("{object_what} (IMAPIFolder)"), &f);
                    (**f).clone()
                }
                Err(hr) => {
                    ctx.report.fail(
                        &rules::QI_BASES,
                        format!(
                            "{object_what}: QueryInterface(IID_IMAPIFolder) answered {}",
                            name(hr)
                        ),
                    );
                    continue;
                }
            },
            _ => match object.cast::<sys::IMAPIProp>() {
                Ok(p) => p,
                Err(_) => continue,
            },
        };
        drop(object);
        let Some(props) = get_props(ctx.report, &object_what, &prop, Some(&OBJECT_TAGS)) else {
            continue;
        };
        check_keys(ctx.report, &object_what, &props);
        check_strings(ctx.report, &object_what, &props);
        if let Some(object_id) = binary(&props, sys::PR_ENTRYID) {
            let same = compare(ctx.store, row_id, object_id);
            ctx.report.check(&rules::ENTRYID_ROUND_TRIP, same == Ok(true), || match same {
                Ok(_) => format!("{row_what}: CompareEntryIDs finds its PR_ENTRYID and its object's different"),
                Err(hr) => format!("{row_what}: CompareEntryIDs answered {}", name(hr)),
            });
        }
        if let (Some(a), Some(b)) = (
            binary(row, sys::PR_RECORD_KEY),
            binary(&props, sys::PR_RECORD_KEY),
        ) {
            ctx.report.check(&rules::ENTRYID_ROUND_TRIP, a == b, || {
                format!("{row_what}: its PR_RECORD_KEY {a:02x?} is not its object's {b:02x?}")
            });
        }
    }
}

/// The most a body stream is read to (bodies beyond are not compared).
const BODY_LIMIT: usize = 16 << 20;

/// `body-stream`: `PR_BODY_W` through `OpenProperty(IID_IStream)` against `GetProps`.
fn body_stream(report: &mut Report, what: &str, message: &sys::IMessage) {
    let prop: sys::IMAPIProp = (**message).clone();
    let Some(props) = get_props(report, what, &prop, Some(&[sys::PR_BODY_W])) else {
        return;
    };
    let Some(text) = props.iter().find_map(|(tag, v)| match v {
        OwnedValue::Unicode(w) if *tag == sys::PR_BODY_W => Some(w.clone()),
        _ => None,
    }) else {
        return;
    };
    let expected: Vec<u8> = text.iter().flat_map(|u| u.to_le_bytes()).collect();
    let mut out = sys::InterfacePtr::<sys::IUnknown>::from_raw(SENTINEL as *mut c_void);
    let label = format!("{what}: OpenProperty(PR_BODY_W, IID_IStream)");
    // SAFETY: a live message, an IID alive for the call, a writable out-pointer.
    let hr = alloc::label(&label, || unsafe {
        message.OpenProperty(sys::PR_BODY_W, &sys::IID_IStream, 0, 0, &mut out)
    });
    if hr != sys::S_OK {
        if hr < 0 {
            report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
                format!(
                    "{label} failed ({}) and left {:?} in lppUnk",
                    name(hr),
                    out.as_raw()
                )
            });
        }
        report.fail(
            &rules::BODY_STREAM,
            format!("{label} answered {}", name(hr)),
        );
        return;
    }
    // SAFETY: the one reference OpenProperty handed over.
    let Some(stream) = (unsafe { take(out) }).and_then(|u| u.cast::<sys::IStream>().ok()) else {
        report.fail(
            &rules::BODY_STREAM,
            format!("{label} succeeded without an IStream"),
        );
        return;
    };
    let read = match crate::subobjects::read_all(&stream, BODY_LIMIT) {
        Ok(read) => read,
        Err(hr) => {
            report.fail(
                &rules::BODY_STREAM,
                format!("{label}: IStream::Read answered {}", name(hr)),
            );
            return;
        }
    };
    let same = read == expected || read.strip_suffix(&[0, 0]) == Some(&expected[..]);
    report.check(&rules::BODY_STREAM, same, || {
        format!(
            "{label}: the stream reads {} bytes, GetProps' PR_BODY_W is {} bytes of UTF-16{}",
            read.len(),
            expected.len(),
            if read.len() == expected.len() {
                ", different"
            } else {
                ""
            }
        )
    });
    // SAFETY: STATSTG is plain data, all zeros a valid value.
    let mut stat: sys::STATSTG = unsafe { std::mem::zeroed() };
    // SAFETY: a writable STATSTG; no name asked, so nothing to free.
    let hr = unsafe { stream.Stat(&mut stat, sys::STATFLAG_NONAME) };
    // SAFETY: every member of the union is plain integers.
    let size = unsafe { stat.cbSize.QuadPart };
    report.check(
        &rules::BODY_STREAM,
        hr == sys::S_OK && size == read.len() as u64,
        || {
            format!(
                "{label}: IStream::Stat answered {} with {size} bytes for a stream of {}",
                name(hr),
                read.len()
            )
        },
    );
}

/// `IMsgStore::CompareEntryIDs`.
pub(crate) fn compare(store: &sys::IMsgStore, a: &[u8], b: &[u8]) -> Result<bool, HRESULT> {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    let mut result: ULONG = 0;
    // SAFETY: a live store, the identifiers' bytes, a writable result.
    let hr = alloc::label("IMsgStore::CompareEntryIDs", || unsafe {
        store.CompareEntryIDs(
            a.len() as ULONG,
            a.as_mut_ptr().cast(),
            b.len() as ULONG,
            b.as_mut_ptr().cast(),
            0,
            &mut result,
        )
    });
    if hr < 0 {
        Err(hr)
    } else {
        Ok(result != 0)
    }
}

/// Waits for and closes a done event the provider handed out.
pub struct EventOps {
    /// Waits up to the milliseconds given: whether it is signalled.
    pub wait: Box<dyn Fn(sys::HANDLE, ULONG) -> bool>,
    /// Closes it.
    pub close: Box<dyn Fn(sys::HANDLE)>,
}

/// One call of the progress callback (its fields are read through `Debug`, in reports).
#[derive(Debug)]
#[allow(dead_code)]
enum Call {
    Progress(Option<String>, ULONG, ULONG),
    Error(HRESULT, Option<String>),
    Done(HRESULT),
}

/// What the progress callback has been told.
struct Told {
    calls: std::sync::Mutex<Vec<Call>>,
    done: std::sync::Condvar,
    cancel: bool,
}

/// The harness's `IMAPISyncProgressCallback`: records every call; answers every
/// `Progress` with `MAPI_E_USER_CANCEL` when told to cancel.
#[mapi_object(IMAPISyncProgressCallback)]
pub struct Callback {
    told: Arc<Told>,
}

/// A NUL-terminated UTF-16 text, or `None` for NULL.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated UTF-16 string.
unsafe fn wide(p: *const sys::WCHAR) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    // SAFETY: NUL-terminated (the caller's contract).
    while unsafe { *p.add(n) } != 0 && n < 1 << 20 {
        n += 1;
    }
    // SAFETY: `n` units before the NUL.
    Some(String::from_utf16_lossy(unsafe {
        std::slice::from_raw_parts(p, n)
    }))
}

impl Callback {
    fn push(&self, call: Call) {
        let mut calls = self.told.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.push(call);
        self.told.done.notify_all();
    }
}

impl sys::IMAPISyncProgressCallback_Impl for Callback {
    unsafe fn Progress(&self, text: *const sys::WCHAR, index: ULONG, max: ULONG) -> HRESULT {
        // SAFETY: NULL or a NUL-terminated text (Progress' contract).
        self.push(Call::Progress(unsafe { wide(text) }, index, max));
        if self.told.cancel {
            sys::MAPI_E_USER_CANCEL
        } else {
            sys::S_OK
        }
    }

    unsafe fn Error(&self, hr: HRESULT, text: *const sys::WCHAR) -> HRESULT {
        // SAFETY: as above.
        self.push(Call::Error(hr, unsafe { wide(text) }));
        sys::S_OK
    }

    unsafe fn Done(&self, _event: sys::HANDLE, hr: HRESULT) -> HRESULT {
        self.push(Call::Done(hr));
        sys::S_OK
    }
}

/// How long a sync may take before the harness stops waiting.
const SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A raw interface pointer moved to another thread: the store's objects are called from
/// several threads, as Outlook calls them.
struct Shared(*mut c_void);
// SAFETY: the pointer is only used while the scenario holds its reference, and the
// provider's objects are free-threaded (what the scenario tests).
unsafe impl Send for Shared {}

/// Reads the inbox's contents table as a second client thread does during a sync.
fn read_inbox_concurrently(store: Shared) -> Report {
    let mut report = Report::new(&[]);
    let raw = store.0;
    // SAFETY: the scenario keeps its reference until this thread is joined.
    let Some(store) = (unsafe { sys::IMsgStore::from_raw_borrowed(&raw) }) else {
        return report;
    };
    let Some(id) = inbox_id(&mut report, store) else {
        return report;
    };
    let Ok((_, object)) = open_entry(&mut report, "inbox, during a sync", store, &id) else {
        return report;
    };
    let Ok(folder) = object.cast::<sys::IMAPIFolder>() else {
        return report;
    };
    let mut out = sys::LPMAPITABLE::from_raw(SENTINEL as *mut c_void);
    // SAFETY: a live folder, a writable out-pointer.
    let hr = alloc::label("the inbox, during a sync: GetContentsTable", || unsafe {
        folder.GetContentsTable(0, &mut out)
    });
    if hr < 0 {
        report.note(format!(
            "the inbox, during a sync: GetContentsTable answered {}",
            name(hr)
        ));
        return report;
    }
    // SAFETY: a success hands out one reference.
    let Some(table) = (unsafe { take(out) }) else {
        return report;
    };
    let what = "the inbox's contents table, read during a sync";
    if let Some(rows) = read_table(&mut report, what, &table, &COLUMNS) {
        check_rows(&mut report, what, &rows);
    }
    report
}

fn sync(ctx: &mut Ctx<'_>) {
    let sync: sys::IMAPISync = match ctx.store.cast() {
        Ok(s) => s,
        Err(hr) => {
            ctx.report.note(format!(
                "the store answers no IMAPISync ({}): no sync",
                name(hr)
            ));
            return;
        }
    };
    check_interface(ctx.report, "IMAPISync", &sync);
    let told = Arc::new(Told {
        calls: std::sync::Mutex::new(Vec::new()),
        done: std::sync::Condvar::new(),
        cancel: ctx.cancel_sync,
    });
    let callback = Object::new(Callback { told: told.clone() }).into_unknown();
    let reader = {
        let store = Shared(ctx.store.as_raw());
        std::thread::spawn(move || read_inbox_concurrently(store))
    };
    let mut event: sys::HANDLE = SENTINEL as sys::HANDLE;
    let mut sib = sys::MAPISIB {
        ulSize: std::mem::size_of::<sys::MAPISIB>() as ULONG,
        ulFlags: sys::SYNC_DOWNLOAD_CONTENTS | sys::SYNC_DOWNLOAD_HIERARCHY,
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::from_raw(callback.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a live IMAPISync, a MAPISIB whose callback and event outlive the sync
    // (the harness waits for Done before dropping them).
    let hr = alloc::label("IMAPISync::SynchronizeInBackground", || unsafe {
        sync.SynchronizeInBackground(&mut sib)
    });
    if hr < 0 {
        ctx.report
            .check(&rules::OUT_NULL_ON_FAILURE, event.is_null(), || {
                format!(
                    "SynchronizeInBackground failed ({}) and left {event:?} in *phSyncDoneEvent",
                    name(hr)
                )
            });
        ctx.report.note(format!(
            "IMAPISync::SynchronizeInBackground answered {}",
            name(hr)
        ));
    } else {
        // Until the done event is seen signalled, the sync thread may still run.
        ctx.done_signalled = Some(false);
        let calls = told.calls.lock().unwrap_or_else(|e| e.into_inner());
        let (calls, timeout) = told
            .done
            .wait_timeout_while(calls, SYNC_TIMEOUT, |c| {
                !c.iter().any(|c| matches!(c, Call::Done(_)))
            })
            .unwrap_or_else(|e| e.into_inner());
        ctx.report
            .check(&rules::SYNC_ENDS_WITH_DONE, !timeout.timed_out(), || {
                format!(
                    "no Done within {} s of SynchronizeInBackground",
                    SYNC_TIMEOUT.as_secs()
                )
            });
        drop(calls);
        if !timeout.timed_out() {
            // Anything late arrives while the reader finishes.
            let _ = reader.join().map(|r| ctx.report.merge(r));
            std::thread::sleep(std::time::Duration::from_millis(20));
            let calls = told.calls.lock().unwrap_or_else(|e| e.into_inner());
            let done = calls.iter().filter(|c| matches!(c, Call::Done(_))).count();
            let last_is_done = matches!(calls.last(), Some(Call::Done(_)));
            ctx.report.check(
                &rules::SYNC_ENDS_WITH_DONE,
                done == 1 && last_is_done,
                || format!("the callback was told {calls:?}: {done} Done, not one, last"),
            );
            ctx.report.check(
                &rules::SYNC_ENDS_WITH_DONE,
                !event.is_null() && event as usize != SENTINEL,
                || {
                    format!(
                        "SynchronizeInBackground succeeded and left {event:?} in *phSyncDoneEvent"
                    )
                },
            );
            if ctx.cancel_sync {
                let progress = calls
                    .iter()
                    .filter(|c| matches!(c, Call::Progress(..)))
                    .count();
                ctx.report.note(format!(
                    "the callback cancelled at the first Progress; the store called Progress {progress} times and ended with {:?}",
                    calls.last()
                ));
            }
            drop(calls);
            if !event.is_null() && event as usize != SENTINEL {
                match &ctx.events {
                    Some(ops) => {
                        // Signalled once the sync thread has released what it held.
                        let ms = SYNC_TIMEOUT.as_millis() as ULONG;
                        let signalled = (ops.wait)(event, ms);
                        ctx.done_signalled = Some(signalled);
                        ctx.report
                            .check(&rules::SYNC_ENDS_WITH_DONE, signalled, || {
                                format!(
                                    "the done event was not signalled within {} s of Done",
                                    SYNC_TIMEOUT.as_secs()
                                )
                            });
                        (ops.close)(event);
                    }
                    None => ctx
                        .report
                        .note("no way to wait for or close the done event: it is left open"),
                }
            }
            return;
        }
        ctx.report
            .note("the sync never ended: its callback and event are left alive");
        // The provider may still call it.
        std::mem::forget(callback);
    }
    let _ = reader.join().map(|r| ctx.report.merge(r));
}

/// One notification a [`Sink`] heard: its event type and, for a table notification,
/// the table event, `propIndex` (a binary) and the row.
#[derive(Clone, Debug)]
pub struct Heard {
    /// `ulEventType`.
    pub event: ULONG,
    /// `ulTableEvent`, for `fnevTableModified`.
    pub table_event: Option<ULONG>,
    /// `propIndex`'s binary value, for a table notification that has one.
    pub index: Option<Vec<u8>>,
    /// The row's values, for a table notification.
    pub row: PropList,
}

/// What a [`Sink`] has heard.
#[derive(Default)]
pub struct SinkState {
    what: String,
    unadvised: AtomicBool,
    before: AtomicU32,
    after: AtomicU32,
    heard: std::sync::Mutex<Vec<Heard>>,
    arrived: std::sync::Condvar,
}

/// The harness's advise sink: counts notifications before and after its `Unadvise`, and
/// keeps what it heard.
#[mapi_object(IMAPIAdviseSink)]
pub struct Sink {
    state: Arc<SinkState>,
}

impl Sink {
    /// A sink named `what` in reports.
    pub fn make(what: impl Into<String>) -> Object<Sink> {
        Object::new(Sink {
            state: Arc::new(SinkState {
                what: what.into(),
                ..SinkState::default()
            }),
        })
    }

    /// Its name in reports.
    pub fn what(&self) -> &str {
        &self.state.what
    }

    /// Marks its `Unadvise` as returned: what it hears from now on is a failure.
    pub fn unadvised(&self) {
        self.state.unadvised.store(true, Ordering::SeqCst);
    }

    /// How many notifications it has heard so far.
    pub fn count(&self) -> usize {
        self.heard().len()
    }

    /// What it has heard, in order.
    pub fn heard(&self) -> Vec<Heard> {
        self.state
            .heard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The first notification from the `from`th on that satisfies `want`, waiting up to
    /// `timeout` for it (a store may notify after the call that changed it returned).
    pub fn wait_for(
        &self,
        from: usize,
        timeout: std::time::Duration,
        want: impl Fn(&Heard) -> bool,
    ) -> Option<Heard> {
        let s = &self.state;
        let heard = s.heard.lock().unwrap_or_else(|e| e.into_inner());
        let (heard, _) = s
            .arrived
            .wait_timeout_while(heard, timeout, |h| !h.iter().skip(from).any(&want))
            .unwrap_or_else(|e| e.into_inner());
        heard.iter().skip(from).find(|h| want(h)).cloned()
    }
}

/// One notification as a [`Heard`].
///
/// # Safety
/// `n` must be a notification valid for the call.
unsafe fn heard(n: &sys::NOTIFICATION) -> Heard {
    let mut h = Heard {
        event: n.ulEventType,
        table_event: None,
        index: None,
        row: Vec::new(),
    };
    if n.ulEventType == sys::fnevTableModified {
        // SAFETY: the member the event type names.
        let tab = unsafe { n.info.tab };
        h.table_event = Some(tab.ulTableEvent);
        // SAFETY: one value, alive for the call.
        if let Ok(index) = unsafe { Props::from_raw(&tab.propIndex as *const _ as *mut _, 1) } {
            if let Some(props::PropValue::Binary(b)) = index.get(0).map(|p| p.value()) {
                h.index = Some(b.to_vec());
            }
        }
        if tab.row.cValues > 0 && !tab.row.lpProps.is_null() {
            // SAFETY: the row's values, alive for the call.
            if let Ok(row) = unsafe { Props::from_raw(tab.row.lpProps, tab.row.cValues) } {
                h.row = row
                    .iter()
                    .map(|p| (p.tag(), OwnedValue::from(p.value())))
                    .collect();
            }
        }
    }
    h
}

impl sys::IMAPIAdviseSink_Impl for Sink {
    unsafe fn OnNotify(&self, c_notif: ULONG, notifications: sys::LPNOTIFICATION) -> ULONG {
        let s = &self.state;
        if s.unadvised.load(Ordering::SeqCst) {
            s.after.fetch_add(c_notif, Ordering::SeqCst);
        } else {
            s.before.fetch_add(c_notif, Ordering::SeqCst);
        }
        if c_notif > 0 && !notifications.is_null() {
            // SAFETY: `c_notif` notifications (OnNotify's contract).
            let all = unsafe { std::slice::from_raw_parts(notifications, c_notif as usize) };
            let mut heard_list = s.heard.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: each valid for the call.
            heard_list.extend(all.iter().map(|n| unsafe { heard(n) }));
            s.arrived.notify_all();
        }
        0
    }
}

fn advise(ctx: &mut Ctx<'_>) {
    let sink = Sink::make("the store's sink");
    let Ok(raw) = sink.cast::<sys::IMAPIAdviseSink>() else {
        return;
    };
    let mask = sys::fnevObjectCreated
        | sys::fnevObjectDeleted
        | sys::fnevObjectModified
        | sys::fnevNewMail;
    let mut connection: ULONG_PTR = 0;
    // SAFETY: a live store and sink (the harness keeps its reference for the call), a
    // writable out-pointer.
    let hr = alloc::label("IMsgStore::Advise", || unsafe {
        ctx.store.Advise(
            0,
            std::ptr::null_mut(),
            mask,
            sys::InterfacePtr::from_raw(raw.as_raw()),
            &mut connection,
        )
    });
    drop(raw);
    let store_advised = hr >= 0;
    if !store_advised {
        ctx.report.note(format!(
            "IMsgStore::Advise answered {}: the store's notifications are not checked",
            name(hr)
        ));
    }
    // Table sinks on the inbox's contents tables, changes made, what they heard checked.
    let watch = crate::changes::table_notifications(ctx);
    if store_advised {
        let heard = sink.heard();
        ctx.report.note(format!(
            "the store's sink (fnevObjectCreated|Deleted|Modified|NewMail on the store) heard {} while the harness marked a message read and saved and deleted an associated message: {}",
            heard.len(),
            crate::changes::events(&heard)
        ));
        // SAFETY: the connection Advise answered.
        let hr = alloc::label("IMsgStore::Unadvise", || unsafe {
            ctx.store.Unadvise(connection)
        });
        if hr < 0 {
            ctx.report
                .note(format!("IMsgStore::Unadvise answered {}", name(hr)));
        } else {
            sink.unadvised();
            ctx.sinks.push(sink);
        }
    }
    // What a client does next: read the store again, change it again; nothing may reach
    // a sink whose Unadvise returned.
    let store: &sys::IMAPIProp = ctx.store;
    let _ = get_props(ctx.report, "IMsgStore (after Unadvise)", store, None);
    crate::changes::after_unadvise(ctx, watch);
}

/// At the end of the run: no sink heard anything after its `Unadvise`.
pub fn check_sinks(report: &mut Report, sinks: &[Object<Sink>]) {
    for sink in sinks {
        let s = &sink.state;
        let after = s.after.load(Ordering::SeqCst);
        report.check(&rules::NO_NOTIFY_AFTER_UNADVISE, after == 0, || {
            format!("{}: {after} notifications after Unadvise", s.what)
        });
    }
}
