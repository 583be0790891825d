//! What Outlook changes in every store it shows, as scenarios: a view saved as an
//! associated message and read back ("Folder-Associated Information Tables"), a message
//! marked read and unread ("IMessage::SetReadFlag", "IMAPIFolder::SetReadFlags"), and the
//! table notifications those changes raise on the inbox's contents tables
//! ("IMAPITable::Advise", "TABLE_NOTIFICATION"), part of the `advise` scenario.

use std::ffi::c_void;
use std::time::Duration;

use mapi_sync::prelude::*;
use mapi_sync::props::{self, OwnedValue, PropArray};
use mapi_sync::sys::{self, ComInterface, HRESULT, ULONG, ULONG_PTR};

use crate::alloc;
use crate::host::{free, name, take, SENTINEL};
use crate::report::Report;
use crate::rules;
use crate::scenarios::{
    binary, compare, get_props, inbox_id, open_entry, query_rows, Ctx, Heard, PropList, Sink,
};

/// How long the harness waits for a notification a change should raise.
const NOTIFY_WAIT: Duration = Duration::from_secs(2);

/// `PR_VIEW_DESCRIPTOR_BINARY` (`PidTagViewDescriptorBinary`, 0x7001): where Outlook keeps
/// a saved view's definition.
const VIEW_DESCRIPTOR: ULONG = props::prop_tag(sys::PT_BINARY, 0x7001);

/// The view the harness saves: its class, subject and descriptor.
fn view_props() -> PropList {
    vec![
        (
            sys::PR_MESSAGE_CLASS_W,
            OwnedValue::Unicode(
                "IPM.Microsoft.FolderDesign.NamedView"
                    .encode_utf16()
                    .collect(),
            ),
        ),
        (
            sys::PR_SUBJECT_W,
            OwnedValue::Unicode("mapi-harness view".encode_utf16().collect()),
        ),
        (
            VIEW_DESCRIPTOR,
            OwnedValue::Binary(b"mapi-harness\0view\x01\x02".to_vec()),
        ),
    ]
}

/// The `PT_LONG` value of `tag` in `props`.
fn long(props: &[(ULONG, OwnedValue)], tag: ULONG) -> Option<i32> {
    props.iter().find_map(|(t, v)| match v {
        OwnedValue::Long(n) if *t == tag => Some(*n),
        _ => None,
    })
}

/// The value of `tag` in `props` (not a `PT_ERROR`).
fn value(props: &[(ULONG, OwnedValue)], tag: ULONG) -> Option<&OwnedValue> {
    props.iter().find_map(|(t, v)| (*t == tag).then_some(v))
}

/// Whether `PR_MESSAGE_FLAGS` in `props` has `flag` (`None` without `PR_MESSAGE_FLAGS`).
fn has_flag(props: &[(ULONG, OwnedValue)], flag: ULONG) -> Option<bool> {
    long(props, sys::PR_MESSAGE_FLAGS).map(|f| f as ULONG & flag != 0)
}

/// A binary value for a report (`none` for no value).
fn hex(value: Option<&[u8]>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| format!("{v:02x?}"))
}

/// The event types (and table events) `heard`, for a note.
pub(crate) fn events(heard: &[Heard]) -> String {
    if heard.is_empty() {
        return "nothing".into();
    }
    heard
        .iter()
        .map(|h| match (h.event, h.table_event) {
            (_, Some(t)) => table_event(t).to_owned(),
            (sys::fnevNewMail, _) => "fnevNewMail".into(),
            (sys::fnevObjectCreated, _) => "fnevObjectCreated".into(),
            (sys::fnevObjectDeleted, _) => "fnevObjectDeleted".into(),
            (sys::fnevObjectModified, _) => "fnevObjectModified".into(),
            (e, _) => format!("event {e:#x}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table event's name.
fn table_event(t: ULONG) -> &'static str {
    match t {
        sys::TABLE_ROW_ADDED => "TABLE_ROW_ADDED",
        sys::TABLE_ROW_DELETED => "TABLE_ROW_DELETED",
        sys::TABLE_ROW_MODIFIED => "TABLE_ROW_MODIFIED",
        sys::TABLE_CHANGED => "TABLE_CHANGED",
        sys::TABLE_RELOAD => "TABLE_RELOAD",
        sys::TABLE_ERROR => "TABLE_ERROR",
        sys::TABLE_SORT_DONE => "TABLE_SORT_DONE",
        sys::TABLE_RESTRICT_DONE => "TABLE_RESTRICT_DONE",
        sys::TABLE_SETCOL_DONE => "TABLE_SETCOL_DONE",
        _ => "a table event of no known kind",
    }
}

/// The inbox, opened from `GetReceiveFolder`'s identifier, or `None` with a note.
fn open_inbox(ctx: &mut Ctx<'_>) -> Option<sys::IMAPIFolder> {
    let id = inbox_id(ctx.report, ctx.store)?;
    match open_entry(ctx.report, "inbox", ctx.store, &id) {
        Ok((_, object)) => match object.cast::<sys::IMAPIFolder>() {
            Ok(f) => Some(f),
            Err(hr) => {
                ctx.report
                    .note(format!("the inbox answers no IMAPIFolder ({})", name(hr)));
                None
            }
        },
        Err(hr) => {
            ctx.report
                .note(format!("the inbox cannot be opened: {}", name(hr)));
            None
        }
    }
}

/// `GetContentsTable(flags)` on `folder` (a failure must leave NULL), or `None` with a
/// note.
fn contents(
    report: &mut Report,
    what: &str,
    folder: &sys::IMAPIFolder,
    flags: ULONG,
) -> Option<sys::IMAPITable> {
    let mut out = sys::LPMAPITABLE::from_raw(SENTINEL as *mut c_void);
    let label = format!("{what}: GetContentsTable");
    // SAFETY: a live folder, a writable out-pointer.
    let hr = alloc::label(&label, || unsafe {
        folder.GetContentsTable(flags, &mut out)
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
            format!(
                "{label} failed ({}) and left {:?} in lppTable",
                name(hr),
                out.as_raw()
            )
        });
        report.note(format!("{label} answered {}", name(hr)));
        return None;
    }
    // SAFETY: a success hands out one reference (or null).
    unsafe { take(out) }
}

/// Every row of `table` with `columns`, from its beginning, or `None` with a note.
fn rows(
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
        table.SetColumns(tags.as_ptr().cast(), 0)
    });
    alloc::label("the harness, freeing its own tag array", || drop(tags));
    if hr < 0 {
        report.note(format!("{what}: SetColumns answered {}", name(hr)));
        return None;
    }
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
    let mut all = Vec::new();
    loop {
        let (hr, batch) = query_rows(report, what, table, 64)?;
        if hr < 0 {
            report.note(format!("{what}: QueryRows answered {}", name(hr)));
            return None;
        }
        if batch.is_empty() || all.len() > 100_000 {
            return Some(all);
        }
        all.extend(batch);
    }
}

/// The row of `rows` whose `PR_ENTRYID` names the object `id` names (byte for byte, or
/// as `CompareEntryIDs` finds it).
fn row_of<'r>(store: &sys::IMsgStore, rows: &'r [PropList], id: &[u8]) -> Option<&'r PropList> {
    rows.iter()
        .find(|r| binary(r, sys::PR_ENTRYID) == Some(id))
        .or_else(|| {
            rows.iter().find(|r| {
                binary(r, sys::PR_ENTRYID).is_some_and(|e| compare(store, e, id) == Ok(true))
            })
        })
}

/// An `ENTRYLIST` of one identifier, alive while `id` is.
struct OneEntry {
    _bin: Box<sys::SBinary>,
    list: sys::ENTRYLIST,
}

impl OneEntry {
    fn new(id: &mut [u8]) -> OneEntry {
        let mut bin = Box::new(sys::SBinary {
            cb: id.len() as ULONG,
            lpb: id.as_mut_ptr(),
        });
        let list = sys::ENTRYLIST {
            cValues: 1,
            lpbin: &mut *bin,
        };
        OneEntry { _bin: bin, list }
    }
}

/// `SetProps(values)` on `object`: its answer (any problem array freed; a problem is a
/// failure, reported as `MAPI_E_CALL_FAILED`).
fn set_props(object: &sys::IMAPIProp, what: &str, values: &[(ULONG, OwnedValue)]) -> HRESULT {
    let written = alloc::label("the harness's values for SetProps", || {
        let list: Vec<props::Prop<'_>> = values
            .iter()
            .filter_map(|(t, v)| props::Prop::new(*t, v.as_value()).ok())
            .collect();
        PropArray::write(alloc::allocators(), &list)
    });
    let Ok(array) = written else {
        return sys::MAPI_E_NOT_ENOUGH_MEMORY;
    };
    let mut problems: sys::LPSPropProblemArray = std::ptr::null_mut();
    // SAFETY: a live object, values alive for the call, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: SetProps"), || unsafe {
        object.SetProps(
            values.len() as ULONG,
            array.as_slice().as_ptr().cast_mut(),
            &mut problems,
        )
    });
    alloc::label("the harness, freeing its own values", || drop(array));
    if !problems.is_null() && problems as usize != SENTINEL {
        // SAFETY: a problem array the object handed out.
        let count = unsafe { (*problems).cProblem };
        free(problems.cast());
        if hr >= 0 && count > 0 {
            return sys::MAPI_E_CALL_FAILED;
        }
    }
    hr
}

/// `CreateMessage(NULL, MAPI_ASSOCIATED)`, `SetProps` of the view, `SaveChanges`: the
/// message and its `PR_ENTRYID`, or the failing call and what it answered.
fn save_view(
    folder: &sys::IMAPIFolder,
    report: &mut Report,
) -> Result<(sys::IMessage, Vec<u8>), (&'static str, HRESULT)> {
    let mut out = sys::LPMESSAGE::from_raw(SENTINEL as *mut c_void);
    // SAFETY: a live folder, no interface (IMessage), a writable out-pointer.
    let hr = alloc::label("the inbox: CreateMessage(MAPI_ASSOCIATED)", || unsafe {
        folder.CreateMessage(std::ptr::null(), sys::MAPI_ASSOCIATED, &mut out)
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
            format!(
                "the inbox: CreateMessage(MAPI_ASSOCIATED) failed ({}) and left {:?} in lppMessage",
                name(hr),
                out.as_raw()
            )
        });
        return Err(("CreateMessage(MAPI_ASSOCIATED)", hr));
    }
    // SAFETY: a success hands out one reference (or null).
    let Some(message) = (unsafe { take(out) }) else {
        return Err(("CreateMessage(MAPI_ASSOCIATED)", sys::MAPI_E_CALL_FAILED));
    };
    let prop: &sys::IMAPIProp = &message;
    let hr = set_props(prop, "the new associated message", &view_props());
    if hr != sys::S_OK {
        return Err(("SetProps", hr));
    }
    // SAFETY: a live message.
    let hr = alloc::label("the new associated message: SaveChanges", || unsafe {
        message.SaveChanges(sys::KEEP_OPEN_READWRITE)
    });
    if hr != sys::S_OK {
        return Err(("SaveChanges(KEEP_OPEN_READWRITE)", hr));
    }
    let id = get_props(
        report,
        "the saved associated message",
        prop,
        Some(&[sys::PR_ENTRYID]),
    )
    .and_then(|p| binary(&p, sys::PR_ENTRYID).map(<[u8]>::to_vec));
    match id {
        Some(id) => Ok((message, id)),
        None => Err((
            "GetProps(PR_ENTRYID) after SaveChanges",
            sys::MAPI_E_NOT_FOUND,
        )),
    }
}

/// `DeleteMessages` of the one message `id`.
fn delete(folder: &sys::IMAPIFolder, id: &[u8]) -> HRESULT {
    let mut id = id.to_vec();
    let mut list = OneEntry::new(&mut id);
    // SAFETY: a live folder, a list alive for the call, no progress object.
    alloc::label("the inbox: DeleteMessages", || unsafe {
        folder.DeleteMessages(&mut list.list, 0, sys::InterfacePtr::null(), 0)
    })
}

/// `SetReadFlags` of the one message `id`.
fn set_read_flags(folder: &sys::IMAPIFolder, id: &[u8], flags: ULONG) -> HRESULT {
    let mut id = id.to_vec();
    let mut list = OneEntry::new(&mut id);
    // SAFETY: a live folder, a list alive for the call, no progress object.
    alloc::label("the inbox: SetReadFlags", || unsafe {
        folder.SetReadFlags(&mut list.list, 0, sys::InterfacePtr::null(), flags)
    })
}

/// `SetReadFlag(flags)` on `message`.
fn set_read_flag(message: &sys::IMessage, flags: ULONG) -> HRESULT {
    // SAFETY: a live message; SetReadFlag takes only flags.
    alloc::label("a message of the inbox: SetReadFlag", || unsafe {
        message.SetReadFlag(flags)
    })
}

/// The columns the harness reads the associated contents table with.
fn view_columns() -> Vec<ULONG> {
    let mut c = vec![sys::PR_ENTRYID, sys::PR_INSTANCE_KEY, sys::PR_MESSAGE_FLAGS];
    c.extend(view_props().into_iter().map(|(t, _)| t));
    c
}

/// Which of the view's values `props` lacks or holds differently, for a report.
fn differences(props: &[(ULONG, OwnedValue)]) -> Vec<String> {
    view_props()
        .iter()
        .filter(|(t, v)| value(props, *t) != Some(v))
        .map(|(t, v)| format!("{t:#010x} is {:?}, not {v:?}", value(props, *t)))
        .collect()
}

/// The scenario `associated-view` (see the [module](self)).
pub(crate) fn associated_view(ctx: &mut Ctx<'_>) {
    let Some(folder) = open_inbox(ctx) else {
        return;
    };
    let rule = &rules::ASSOCIATED_VIEW;
    let folder_prop: &sys::IMAPIProp = &folder;
    let before = get_props(
        ctx.report,
        "the inbox",
        folder_prop,
        Some(&[sys::PR_ACCESS, sys::PR_ASSOC_CONTENT_COUNT]),
    )
    .unwrap_or_default();
    let promised = long(&before, sys::PR_ACCESS)
        .is_some_and(|a| a as ULONG & sys::MAPI_ACCESS_CREATE_ASSOCIATED != 0);
    let count_before = long(&before, sys::PR_ASSOC_CONTENT_COUNT);
    let (message, id) = match save_view(&folder, ctx.report) {
        Ok(saved) => saved,
        Err(("CreateMessage(MAPI_ASSOCIATED)", hr))
            if !promised && (hr == sys::MAPI_E_NO_ACCESS || hr == sys::MAPI_E_NO_SUPPORT) =>
        {
            ctx.report.note(format!(
                "the inbox refuses CreateMessage(MAPI_ASSOCIATED) ({}) and its PR_ACCESS has no MAPI_ACCESS_CREATE_ASSOCIATED: Outlook cannot save views in this store",
                name(hr)
            ));
            return;
        }
        Err((call, hr)) => {
            ctx.report.fail(
                rule,
                format!(
                    "saving a view in the inbox (PR_ACCESS {}): {call} answered {}",
                    match long(&before, sys::PR_ACCESS) {
                        Some(a) => format!("{a:#x}"),
                        None => "missing".into(),
                    },
                    name(hr)
                ),
            );
            return;
        }
    };
    drop(message);
    // The associated contents table lists it, flagged, with its values.
    let columns = view_columns();
    if let Some(table) = contents(
        ctx.report,
        "the inbox (associated)",
        &folder,
        sys::MAPI_ASSOCIATED,
    ) {
        if let Some(listed) = rows(
            ctx.report,
            "the inbox's associated contents table",
            &table,
            &columns,
        ) {
            match row_of(ctx.store, &listed, &id) {
                Some(row) => {
                    let flagged = has_flag(row, sys::MSGFLAG_ASSOCIATED) == Some(true);
                    ctx.report.check(rule, flagged, || {
                        format!(
                            "the view's row in the associated contents table has PR_MESSAGE_FLAGS {:?}, without MSGFLAG_ASSOCIATED",
                            long(row, sys::PR_MESSAGE_FLAGS)
                        )
                    });
                    let diff = differences(row);
                    ctx.report.check(rule, diff.is_empty(), || {
                        format!("the view's row in the associated contents table: {}", diff.join("; "))
                    });
                }
                None => ctx.report.fail(
                    rule,
                    format!(
                        "the associated contents table's {} rows have none with the saved view's PR_ENTRYID",
                        listed.len()
                    ),
                ),
            }
        }
    }
    // Its PR_ENTRYID opens it, with its values.
    match open_entry(ctx.report, "the saved view", ctx.store, &id) {
        Ok((_, object)) => match object.cast::<sys::IMAPIProp>() {
            Ok(prop) => {
                let mut tags = vec![sys::PR_MESSAGE_FLAGS];
                tags.extend(view_props().into_iter().map(|(t, _)| t));
                if let Some(p) = get_props(ctx.report, "the saved view, opened", &prop, Some(&tags))
                {
                    let diff = differences(&p);
                    ctx.report.check(rule, diff.is_empty(), || {
                        format!(
                            "the saved view, opened by its PR_ENTRYID: {}",
                            diff.join("; ")
                        )
                    });
                    let flagged = has_flag(&p, sys::MSGFLAG_ASSOCIATED) == Some(true);
                    ctx.report.check(rule, flagged, || {
                        format!(
                            "the saved view, opened by its PR_ENTRYID, has PR_MESSAGE_FLAGS {:?}, without MSGFLAG_ASSOCIATED",
                            long(&p, sys::PR_MESSAGE_FLAGS)
                        )
                    });
                }
            }
            Err(hr) => ctx.report.fail(
                rule,
                format!(
                    "the saved view, opened: QueryInterface(IID_IMAPIProp) answered {}",
                    name(hr)
                ),
            ),
        },
        Err(hr) => ctx.report.fail(
            rule,
            format!(
                "OpenEntry of the saved view's PR_ENTRYID answered {}",
                name(hr)
            ),
        ),
    }
    // PR_ASSOC_CONTENT_COUNT counts it.
    let counted = |ctx: &mut Ctx<'_>| {
        get_props(
            ctx.report,
            "the inbox",
            folder_prop,
            Some(&[sys::PR_ASSOC_CONTENT_COUNT]),
        )
        .and_then(|p| long(&p, sys::PR_ASSOC_CONTENT_COUNT))
    };
    let count_after = counted(ctx);
    ctx.report.check(
        rule,
        count_before.is_some() && count_after == count_before.map(|n| n + 1),
        || {
            format!(
                "the inbox's PR_ASSOC_CONTENT_COUNT was {count_before:?} before the view was saved and {count_after:?} after"
            )
        },
    );
    // The normal contents table does not list it.
    if let Some(table) = contents(ctx.report, "the inbox", &folder, 0) {
        if let Some(normal) = rows(
            ctx.report,
            "the inbox's contents table",
            &table,
            &[sys::PR_ENTRYID],
        ) {
            ctx.report
                .check(rule, row_of(ctx.store, &normal, &id).is_none(), || {
                    "the inbox's (normal) contents table lists the saved view".to_owned()
                });
        }
    }
    // DeleteMessages removes it.
    let hr = delete(&folder, &id);
    ctx.report.check(rule, hr == sys::S_OK, || {
        format!("DeleteMessages of the saved view answered {}", name(hr))
    });
    if let Some(table) = contents(
        ctx.report,
        "the inbox (associated)",
        &folder,
        sys::MAPI_ASSOCIATED,
    ) {
        if let Some(listed) = rows(
            ctx.report,
            "the inbox's associated contents table",
            &table,
            &columns,
        ) {
            ctx.report
                .check(rule, row_of(ctx.store, &listed, &id).is_none(), || {
                    "after DeleteMessages the associated contents table still lists the view"
                        .to_owned()
                });
        }
    }
    let count_gone = counted(ctx);
    ctx.report.check(rule, count_gone == count_before, || {
        format!(
            "the inbox's PR_ASSOC_CONTENT_COUNT was {count_before:?} before the view was saved and {count_gone:?} after it was deleted"
        )
    });
}

/// A message of the inbox: its folder, its entry identifier, its row's instance key and
/// whether it is read.
struct Picked {
    folder: sys::IMAPIFolder,
    id: Vec<u8>,
    instance: Option<Vec<u8>>,
    read: bool,
}

/// The columns of the inbox's contents table the read-state scenarios read.
const READ_COLUMNS: [ULONG; 3] = [sys::PR_ENTRYID, sys::PR_INSTANCE_KEY, sys::PR_MESSAGE_FLAGS];

/// The inbox's first message (from its contents table's first row), or `None` with a note.
fn pick(ctx: &mut Ctx<'_>) -> Option<Picked> {
    let folder = open_inbox(ctx)?;
    let table = contents(ctx.report, "the inbox", &folder, 0)?;
    let listed = rows(
        ctx.report,
        "the inbox's contents table",
        &table,
        &READ_COLUMNS,
    )?;
    let Some(row) = listed.iter().find(|r| binary(r, sys::PR_ENTRYID).is_some()) else {
        ctx.report
            .note("the inbox has no message: no message marked read");
        return None;
    };
    Some(Picked {
        id: binary(row, sys::PR_ENTRYID)?.to_vec(),
        instance: binary(row, sys::PR_INSTANCE_KEY).map(<[u8]>::to_vec),
        read: has_flag(row, sys::MSGFLAG_READ) == Some(true),
        folder,
    })
}

/// Opens the message `id` as an `IMessage`.
fn open_message(ctx: &mut Ctx<'_>, id: &[u8]) -> Result<sys::IMessage, HRESULT> {
    let (_, object) = open_entry(ctx.report, "a message of the inbox", ctx.store, id)?;
    object.cast::<sys::IMessage>()
}

/// Whether the message `id` is read: on `message` (if given) and in a fresh row of the
/// inbox's contents table (`None` where it cannot be read).
fn read_state(
    ctx: &mut Ctx<'_>,
    picked: &Picked,
    message: Option<&sys::IMessage>,
) -> (Option<bool>, Option<bool>) {
    let on_object = message.and_then(|m| {
        let prop: &sys::IMAPIProp = m;
        get_props(
            ctx.report,
            "a message of the inbox",
            prop,
            Some(&[sys::PR_MESSAGE_FLAGS]),
        )
        .and_then(|p| has_flag(&p, sys::MSGFLAG_READ))
    });
    let in_row = contents(ctx.report, "the inbox", &picked.folder, 0)
        .and_then(|t| rows(ctx.report, "the inbox's contents table", &t, &READ_COLUMNS))
        .and_then(|r| {
            row_of(ctx.store, &r, &picked.id).and_then(|row| has_flag(row, sys::MSGFLAG_READ))
        });
    (on_object, in_row)
}

/// The scenario `read-flag` (see the [module](self)).
pub(crate) fn read_flag(ctx: &mut Ctx<'_>) {
    let Some(picked) = pick(ctx) else {
        return;
    };
    let message = match open_message(ctx, &picked.id) {
        Ok(m) => m,
        Err(hr) => {
            ctx.report.note(format!(
                "the inbox's first message cannot be opened as an IMessage: {}",
                name(hr)
            ));
            return;
        }
    };
    let rule = &rules::READ_FLAG;
    let hr = set_read_flag(&message, 0);
    if hr < 0 {
        let store: &sys::IMAPIProp = ctx.store;
        let read_only = get_props(
            ctx.report,
            "IMsgStore",
            store,
            Some(&[sys::PR_STORE_SUPPORT_MASK]),
        )
        .and_then(|p| long(&p, sys::PR_STORE_SUPPORT_MASK))
        .is_some_and(|m| m as ULONG & sys::STORE_READONLY != 0);
        if read_only && (hr == sys::MAPI_E_NO_ACCESS || hr == sys::MAPI_E_NO_SUPPORT) {
            ctx.report.note(format!(
                "SetReadFlag answered {} in a store whose PR_STORE_SUPPORT_MASK has STORE_READONLY: Outlook cannot mark its messages read",
                name(hr)
            ));
        } else {
            ctx.report
                .fail(rule, format!("SetReadFlag(0) answered {}", name(hr)));
        }
        return;
    }
    // Each step: what it did, and the state the message must be in after it.
    let expect = |ctx: &mut Ctx<'_>, step: &str, hr: HRESULT, read: bool, object: bool| {
        ctx.report.check(rule, hr == sys::S_OK, || {
            format!("{step} answered {}", name(hr))
        });
        let (on_object, in_row) = read_state(ctx, &picked, object.then_some(&message));
        if object {
            ctx.report.check(rule, on_object == Some(read), || {
                format!("after {step} the message's PR_MESSAGE_FLAGS has MSGFLAG_READ {on_object:?}, not {read}")
            });
        }
        ctx.report.check(rule, in_row == Some(read), || {
            format!("after {step} the message's row in a fresh contents table has MSGFLAG_READ {in_row:?}, not {read}")
        });
    };
    expect(ctx, "SetReadFlag(0)", hr, true, true);
    let hr = set_read_flag(&message, sys::CLEAR_READ_FLAG);
    expect(ctx, "SetReadFlag(CLEAR_READ_FLAG)", hr, false, true);
    let hr = set_read_flags(&picked.folder, &picked.id, 0);
    expect(
        ctx,
        "IMAPIFolder::SetReadFlags([the message], 0)",
        hr,
        true,
        false,
    );
    let hr = set_read_flags(&picked.folder, &picked.id, sys::CLEAR_READ_FLAG);
    expect(
        ctx,
        "IMAPIFolder::SetReadFlags([the message], CLEAR_READ_FLAG)",
        hr,
        false,
        false,
    );
    // A combination the pages forbid.
    let bad = sys::CLEAR_READ_FLAG | sys::SUPPRESS_RECEIPT;
    let hr = set_read_flag(&message, bad);
    ctx.report.check(rule, hr == sys::MAPI_E_INVALID_PARAMETER, || {
        format!("SetReadFlag(CLEAR_READ_FLAG | SUPPRESS_RECEIPT) answered {}, not MAPI_E_INVALID_PARAMETER", name(hr))
    });
    let hr = set_read_flags(&picked.folder, &picked.id, bad);
    ctx.report.check(rule, hr == sys::MAPI_E_INVALID_PARAMETER, || {
        format!("IMAPIFolder::SetReadFlags([the message], CLEAR_READ_FLAG | SUPPRESS_RECEIPT) answered {}, not MAPI_E_INVALID_PARAMETER", name(hr))
    });
    // As it was.
    if picked.read {
        let hr = set_read_flag(&message, 0);
        expect(
            ctx,
            "SetReadFlag(0), restoring the message's state",
            hr,
            true,
            true,
        );
    }
}

/// What [`table_notifications`] leaves for [`after_unadvise`]: the tables, still open,
/// whose sinks were unadvised, and the message it marked read.
pub(crate) struct Watch {
    tables: Vec<sys::IMAPITable>,
    sinks: Vec<Object<Sink>>,
    picked: Option<Picked>,
}

/// `IMAPITable::Advise(fnevTableModified)` with a new sink on `table` (whose rows have
/// been read): the sink and its connection, or `None` with a note.
fn advise_table(
    report: &mut Report,
    what: &str,
    table: &sys::IMAPITable,
) -> Option<(Object<Sink>, ULONG_PTR)> {
    let sink = Sink::make(format!("the sink of {what}"));
    let raw = sink.cast::<sys::IMAPIAdviseSink>().ok()?;
    let mut connection: ULONG_PTR = 0;
    // SAFETY: a live table and sink, a writable out-pointer.
    let hr = alloc::label(&format!("{what}: Advise"), || unsafe {
        table.Advise(
            sys::fnevTableModified,
            sys::InterfacePtr::from_raw(raw.as_raw()),
            &mut connection,
        )
    });
    drop(raw);
    if hr == sys::MAPI_E_NO_SUPPORT {
        report.note(format!(
            "{what}: IMAPITable::Advise answered MAPI_E_NO_SUPPORT (the page allows it): its notifications are not checked, and Outlook does not see its changes until it reads the table again"
        ));
        return None;
    }
    if hr < 0 {
        report.fail(
            &rules::TABLE_NOTIFICATIONS,
            format!(
                "{what}: IMAPITable::Advise(fnevTableModified) answered {}",
                name(hr)
            ),
        );
        return None;
    }
    Some((sink, connection))
}

/// The part of the `advise` scenario on table notifications: a sink on the inbox's
/// contents table hears the row of a message marked read modified, a sink on its
/// associated contents table hears a saved view's row added and then deleted. Each
/// table's sink is unadvised at the end; the tables stay open for [`after_unadvise`].
pub(crate) fn table_notifications(ctx: &mut Ctx<'_>) -> Watch {
    let mut watch = Watch {
        tables: Vec::new(),
        sinks: Vec::new(),
        picked: None,
    };
    let rule = &rules::TABLE_NOTIFICATIONS;
    let mut advised: Vec<(sys::IMAPITable, Object<Sink>, ULONG_PTR)> = Vec::new();
    // The inbox's contents table, and a message of it marked read (or unread) and back.
    if let Some(picked) = pick(ctx) {
        let what = "the inbox's contents table";
        let table = contents(ctx.report, "the inbox", &picked.folder, 0);
        let table = table.filter(|t| rows(ctx.report, what, t, &READ_COLUMNS).is_some());
        if let Some(table) = table {
            if let Some((sink, connection)) = advise_table(ctx.report, what, &table) {
                if let Ok(message) = open_message(ctx, &picked.id) {
                    let from = sink.count();
                    let now_read = !picked.read;
                    let flags = if now_read { 0 } else { sys::CLEAR_READ_FLAG };
                    let hr = set_read_flag(&message, flags);
                    if hr == sys::S_OK {
                        let index = picked.instance.clone();
                        let got = sink.wait_for(from, NOTIFY_WAIT, |h| {
                            h.table_event == Some(sys::TABLE_ROW_MODIFIED) && h.index == index
                        });
                        match got {
                            Some(h) => {
                                let shown = has_flag(&h.row, sys::MSGFLAG_READ);
                                ctx.report.check(rule, shown == Some(now_read), || {
                                    format!("{what}: the TABLE_ROW_MODIFIED of the message marked {} shows MSGFLAG_READ {shown:?}", if now_read { "read" } else { "unread" })
                                });
                            }
                            None => ctx.report.fail(
                                rule,
                                format!(
                                    "{what}: no TABLE_ROW_MODIFIED with the row's PR_INSTANCE_KEY {} within {} s of SetReadFlag (the sink heard {}{})",
                                    hex(index.as_deref()),
                                    NOTIFY_WAIT.as_secs(),
                                    events(&sink.heard()[from..]),
                                    match sink.heard()[from..].iter().find_map(|h| h.index.clone()) {
                                        Some(i) => format!(", the first with propIndex {i:02x?}"),
                                        None => String::new(),
                                    }
                                ),
                            ),
                        }
                        // As it was.
                        let back = if picked.read { 0 } else { sys::CLEAR_READ_FLAG };
                        let _ = set_read_flag(&message, back);
                    } else {
                        ctx.report.note(format!(
                            "{what}: SetReadFlag answered {}: no TABLE_ROW_MODIFIED checked",
                            name(hr)
                        ));
                    }
                }
                advised.push((table, sink, connection));
            } else {
                watch.tables.push(table);
            }
        }
        watch.picked = Some(picked);
    }
    // The associated contents table, and a view saved and deleted.
    if let Some(folder) = watch
        .picked
        .as_ref()
        .map(|p| p.folder.clone())
        .or_else(|| open_inbox(ctx))
    {
        let what = "the inbox's associated contents table";
        let columns = view_columns();
        let table = contents(
            ctx.report,
            "the inbox (associated)",
            &folder,
            sys::MAPI_ASSOCIATED,
        );
        let table = table.filter(|t| rows(ctx.report, what, t, &columns).is_some());
        if let Some(table) = table {
            if let Some((sink, connection)) = advise_table(ctx.report, what, &table) {
                let from = sink.count();
                match save_view(&folder, ctx.report) {
                    Ok((message, id)) => {
                        drop(message);
                        let store = ctx.store;
                        let added = sink.wait_for(from, NOTIFY_WAIT, |h| {
                            h.table_event == Some(sys::TABLE_ROW_ADDED)
                                && binary(&h.row, sys::PR_ENTRYID).is_some_and(|e| {
                                    e == id || compare(store, e, &id) == Ok(true)
                                })
                        });
                        let index = match added {
                            Some(h) => {
                                let keyed = h.index.is_some()
                                    && binary(&h.row, sys::PR_INSTANCE_KEY)
                                        .is_none_or(|k| Some(k) == h.index.as_deref());
                                ctx.report.check(rule, keyed, || {
                                    format!(
                                        "{what}: the saved view's TABLE_ROW_ADDED has propIndex {}, its row PR_INSTANCE_KEY {}",
                                        hex(h.index.as_deref()),
                                        hex(binary(&h.row, sys::PR_INSTANCE_KEY))
                                    )
                                });
                                h.index
                            }
                            None => {
                                ctx.report.fail(
                                    rule,
                                    format!(
                                        "{what}: no TABLE_ROW_ADDED with the saved view's PR_ENTRYID within {} s of SaveChanges (the sink heard {})",
                                        NOTIFY_WAIT.as_secs(),
                                        events(&sink.heard()[from..])
                                    ),
                                );
                                None
                            }
                        };
                        let from = sink.count();
                        let hr = delete(&folder, &id);
                        if hr != sys::S_OK {
                            ctx.report.note(format!(
                                "{what}: DeleteMessages of the saved view answered {}",
                                name(hr)
                            ));
                        } else if let Some(index) = index {
                            let deleted = sink.wait_for(from, NOTIFY_WAIT, |h| {
                                h.table_event == Some(sys::TABLE_ROW_DELETED)
                                    && h.index.as_ref() == Some(&index)
                            });
                            ctx.report.check(rule, deleted.is_some(), || {
                                format!(
                                    "{what}: no TABLE_ROW_DELETED with the view's PR_INSTANCE_KEY {index:02x?} within {} s of DeleteMessages (the sink heard {})",
                                    NOTIFY_WAIT.as_secs(),
                                    events(&sink.heard()[from..])
                                )
                            });
                        }
                    }
                    Err((call, hr)) => ctx.report.note(format!(
                        "{what}: saving a view failed ({call} answered {}): no TABLE_ROW_ADDED checked",
                        name(hr)
                    )),
                }
                advised.push((table, sink, connection));
            } else {
                watch.tables.push(table);
            }
        }
    }
    // Unadvise each table's sink; the tables stay open.
    for (table, sink, connection) in advised {
        // SAFETY: the connection Advise answered.
        let hr = alloc::label(&format!("{}: Unadvise", sink.what()), || unsafe {
            table.Unadvise(connection)
        });
        if hr < 0 {
            ctx.report.note(format!(
                "{}: IMAPITable::Unadvise answered {}",
                sink.what(),
                name(hr)
            ));
        } else {
            sink.unadvised();
            watch.sinks.push(sink);
        }
        watch.tables.push(table);
    }
    watch
}

/// After every `Unadvise`: the message marked read and back again, a view saved and
/// deleted, while the tables are still open; their sinks must hear none of it
/// (`no-notify-after-unadvise`, checked at the end of the run).
pub(crate) fn after_unadvise(ctx: &mut Ctx<'_>, watch: Watch) {
    if let Some(picked) = &watch.picked {
        if let Ok(message) = open_message(ctx, &picked.id) {
            let (there, back) = if picked.read {
                (sys::CLEAR_READ_FLAG, 0)
            } else {
                (0, sys::CLEAR_READ_FLAG)
            };
            if set_read_flag(&message, there) == sys::S_OK {
                let _ = set_read_flag(&message, back);
            }
        }
        if let Ok((message, id)) = save_view(&picked.folder, ctx.report) {
            drop(message);
            let _ = delete(&picked.folder, &id);
        }
    }
    // Late notifications arrive while the harness waits a little.
    std::thread::sleep(Duration::from_millis(50));
    ctx.sinks.extend(watch.sinks);
    drop(watch.tables);
}
