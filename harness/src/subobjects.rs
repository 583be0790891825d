//! A message's attachments and recipients, read as Outlook reads them when it shows a
//! message: the attachment table, each attachment opened by its `PR_ATTACH_NUM`, its data
//! through `OpenProperty(PR_ATTACH_DATA_BIN, IID_IStream)` or the message it embeds
//! through `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)`; the recipient table; and
//! the message's `PR_HASATTACH` and `PR_DISPLAY_TO` against them ("Attachment Tables",
//! "Recipient Tables", "IMessage::OpenAttach", "PidTagHasAttachments",
//! "PidTagDisplayTo").

use std::ffi::c_void;

use mapi_sync::props::OwnedValue;
use mapi_sync::sys::{self, ComInterface, HRESULT, ULONG};

use crate::alloc;
use crate::host::{name, take, SENTINEL};
use crate::report::Report;
use crate::rules;
use crate::scenarios::{get_props, read_table, PropList};

/// The most attachments opened per message.
const MAX_OPENED: usize = 8;
/// The most bytes of an attachment's data read.
const DATA_LIMIT: usize = 64 << 20;

fn long(props: &PropList, tag: ULONG) -> Option<i32> {
    props.iter().find_map(|(t, v)| match v {
        OwnedValue::Long(l) if *t == tag => Some(*l),
        _ => None,
    })
}

fn text(props: &PropList, tag: ULONG) -> Option<String> {
    props.iter().find_map(|(t, v)| match v {
        OwnedValue::Unicode(w) if *t == tag => Some(String::from_utf16_lossy(w)),
        _ => None,
    })
}

/// Reads `stream` to its end, stopping once `limit` bytes are read (a body or an
/// attachment beyond it is not compared), or the failing HRESULT.
pub(crate) fn read_all(stream: &sys::IStream, limit: usize) -> Result<Vec<u8>, HRESULT> {
    let mut read = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while read.len() < limit {
        let mut n: ULONG = 0;
        // SAFETY: a writable buffer of its length and a writable count.
        let hr = unsafe { stream.Read(buf.as_mut_ptr().cast(), buf.len() as ULONG, &mut n) };
        if hr < 0 {
            return Err(hr);
        }
        if n == 0 {
            break;
        }
        read.extend_from_slice(&buf[..(n as usize).min(buf.len())]);
    }
    Ok(read)
}

/// `OpenProperty(tag, I)` on `object`: the interface, or what it answered (a failure
/// must leave NULL: `out-null-on-failure`).
fn open_property<I: ComInterface>(
    report: &mut Report,
    label: &str,
    object: &sys::IMAPIProp,
    tag: ULONG,
) -> Result<I, HRESULT> {
    let mut out = sys::InterfacePtr::<sys::IUnknown>::from_raw(SENTINEL as *mut c_void);
    // SAFETY: a live object, an IID alive for the call, a writable out-pointer.
    let hr = alloc::label(label, || unsafe {
        object.OpenProperty(tag, &I::IID, 0, 0, &mut out)
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
    // SAFETY: a success hands over one reference.
    unsafe { take(out) }
        .and_then(|u| u.cast::<I>().ok())
        .ok_or(sys::E_NOINTERFACE)
}

/// Checks message `m` (`what`): its attachments and its recipients.
pub(crate) fn check(report: &mut Report, what: &str, m: &sys::IMessage) {
    let prop: sys::IMAPIProp = (**m).clone();
    let Some(summary) = get_props(
        report,
        what,
        &prop,
        Some(&[
            sys::PR_HASATTACH,
            sys::PR_MESSAGE_FLAGS,
            sys::PR_DISPLAY_TO_W,
        ]),
    ) else {
        return;
    };
    attachments(report, what, m, &summary);
    recipients(report, what, m, &summary);
}

/// A table a method of `m` hands out, or `None` (the failure reported).
fn table(
    report: &mut Report,
    rule: &'static crate::report::Rule,
    label: &str,
    get: impl FnOnce(*mut sys::LPMAPITABLE) -> HRESULT,
) -> Option<sys::IMAPITable> {
    let mut out = sys::LPMAPITABLE::from_raw(SENTINEL as *mut c_void);
    let hr = alloc::label(label, || get(&mut out));
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
            format!(
                "{label} failed ({}) and left {:?} in lppTable",
                name(hr),
                out.as_raw()
            )
        });
        report.fail(rule, format!("{label} answered {}", name(hr)));
        return None;
    }
    // SAFETY: a success hands over one reference.
    unsafe { take(out) }
}

fn attachments(report: &mut Report, what: &str, m: &sys::IMessage, summary: &PropList) {
    let label = format!("{what}: GetAttachmentTable");
    // SAFETY: a live message and a writable out-pointer.
    let Some(t) = table(report, &rules::ATTACHMENTS, &label, |out| unsafe {
        m.GetAttachmentTable(0, out)
    }) else {
        return;
    };
    let columns = [
        sys::PR_ATTACH_NUM,
        sys::PR_ATTACH_METHOD,
        sys::PR_INSTANCE_KEY,
    ];
    let Some(rows) = read_table(report, &label, &t, &columns) else {
        return;
    };
    let has = summary.iter().find_map(|(t, v)| match v {
        OwnedValue::Boolean(b) if *t == sys::PR_HASATTACH => Some(*b),
        _ => None,
    });
    if let Some(has) = has {
        report.check(&rules::ATTACHMENTS, has != rows.is_empty(), || {
            format!(
                "{what}: PR_HASATTACH is {has} and its attachment table has {} rows",
                rows.len()
            )
        });
    }
    if let (Some(flags), Some(has)) = (long(summary, sys::PR_MESSAGE_FLAGS), has) {
        let bit = flags as ULONG & sys::MSGFLAG_HASATTACH != 0;
        report.check(&rules::ATTACHMENTS, bit == has, || {
            format!("{what}: MSGFLAG_HASATTACH is {bit} in PR_MESSAGE_FLAGS and PR_HASATTACH {has}")
        });
    }
    let nums: Vec<i32> = rows
        .iter()
        .filter_map(|r| long(r, sys::PR_ATTACH_NUM))
        .collect();
    let mut distinct = nums.clone();
    distinct.sort_unstable();
    distinct.dedup();
    report.check(
        &rules::ATTACHMENTS,
        nums.len() == rows.len() && distinct.len() == nums.len(),
        || {
            format!(
                "{label}: PR_ATTACH_NUM {nums:?} for {} rows (one each, distinct)",
                rows.len()
            )
        },
    );
    for &num in nums.iter().take(MAX_OPENED) {
        attachment(report, what, m, num);
    }
}

/// Opens attachment `num` of `m` and reads its data or embedded message.
fn attachment(report: &mut Report, what: &str, m: &sys::IMessage, num: i32) {
    let label = format!("{what}: OpenAttach({num})");
    let mut out = sys::LPATTACH::from_raw(SENTINEL as *mut c_void);
    // SAFETY: a live message, a null IID (IAttach), a writable out-pointer.
    let hr = alloc::label(&label, || unsafe {
        m.OpenAttach(num as ULONG, std::ptr::null(), 0, &mut out)
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, out.is_null(), || {
            format!(
                "{label} failed ({}) and left {:?} in lppAttach",
                name(hr),
                out.as_raw()
            )
        });
        report.fail(
            &rules::ATTACHMENTS,
            format!("{label} answered {}", name(hr)),
        );
        return;
    }
    // SAFETY: a success hands over one reference.
    let Some(attach) = (unsafe { take(out) }) else {
        report.fail(&rules::ATTACHMENTS, format!("{label} succeeded with NULL"));
        return;
    };
    let prop: sys::IMAPIProp = (*attach).clone();
    let asked = [
        sys::PR_ATTACH_NUM,
        sys::PR_ATTACH_METHOD,
        sys::PR_ATTACH_DATA_BIN,
    ];
    let Some(props) = get_props(report, &label, &prop, Some(&asked)) else {
        return;
    };
    report.check(
        &rules::ATTACHMENTS,
        long(&props, sys::PR_ATTACH_NUM) == Some(num),
        || {
            format!(
                "{label}: its PR_ATTACH_NUM is {:?}",
                long(&props, sys::PR_ATTACH_NUM)
            )
        },
    );
    match long(&props, sys::PR_ATTACH_METHOD).map(|m| m as ULONG) {
        Some(sys::ATTACH_BY_VALUE) => by_value(report, &label, &prop, &props),
        Some(sys::ATTACH_EMBEDDED_MSG) => {
            let open = format!("{label}: OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)");
            match open_property::<sys::IMessage>(report, &open, &prop, sys::PR_ATTACH_DATA_OBJ) {
                Ok(inner) => {
                    let inner_prop: sys::IMAPIProp = (*inner).clone();
                    let ok = get_props(report, &open, &inner_prop, Some(&[sys::PR_SUBJECT_W]));
                    report.check(&rules::ATTACHMENTS, ok.is_some(), || {
                        format!("{open}: the embedded message answers no GetProps")
                    });
                }
                Err(hr) => {
                    report.fail(&rules::ATTACHMENTS, format!("{open} answered {}", name(hr)))
                }
            }
        }
        _ => {}
    }
}

/// An attachment by value: its data as a stream, the same as its `PR_ATTACH_DATA_BIN`
/// where `GetProps` gives one, and `MAPI_E_NOT_ENOUGH_MEMORY` where it does not.
fn by_value(report: &mut Report, label: &str, prop: &sys::IMAPIProp, props: &PropList) {
    let open = format!("{label}: OpenProperty(PR_ATTACH_DATA_BIN, IID_IStream)");
    let stream = match open_property::<sys::IStream>(report, &open, prop, sys::PR_ATTACH_DATA_BIN) {
        Ok(s) => s,
        Err(hr) => {
            report.fail(&rules::ATTACHMENTS, format!("{open} answered {}", name(hr)));
            return;
        }
    };
    let data = match read_all(&stream, DATA_LIMIT) {
        Ok(d) => d,
        Err(hr) => {
            report.fail(
                &rules::ATTACHMENTS,
                format!("{open}: IStream::Read answered {}", name(hr)),
            );
            return;
        }
    };
    let error_tag = mapi_sync::props::change_prop_type(sys::PR_ATTACH_DATA_BIN, sys::PT_ERROR);
    for (tag, value) in props {
        match value {
            OwnedValue::Binary(b) if *tag == sys::PR_ATTACH_DATA_BIN => {
                report.check(&rules::ATTACHMENTS, *b == data, || {
                    format!(
                        "{open}: the stream reads {} bytes, GetProps' PR_ATTACH_DATA_BIN is {} bytes, different",
                        data.len(),
                        b.len()
                    )
                });
            }
            OwnedValue::Error(e) if *tag == error_tag => {
                let ok = *e == sys::MAPI_E_NOT_ENOUGH_MEMORY
                    || *e == sys::MAPI_E_NOT_FOUND && data.is_empty();
                report.check(&rules::ATTACHMENTS, ok, || {
                    format!(
                        "{label}: GetProps answers PR_ATTACH_DATA_BIN with {} though its stream reads {} bytes (MAPI_E_NOT_ENOUGH_MEMORY says: open it)",
                        name(*e),
                        data.len()
                    )
                });
            }
            _ => {}
        }
    }
}

fn recipients(report: &mut Report, what: &str, m: &sys::IMessage, summary: &PropList) {
    let label = format!("{what}: GetRecipientTable");
    // SAFETY: a live message and a writable out-pointer.
    let Some(t) = table(report, &rules::RECIPIENTS, &label, |out| unsafe {
        m.GetRecipientTable(sys::MAPI_UNICODE, out)
    }) else {
        return;
    };
    let columns = [
        sys::PR_ROWID,
        sys::PR_RECIPIENT_TYPE,
        sys::PR_DISPLAY_NAME_W,
    ];
    let Some(rows) = read_table(report, &label, &t, &columns) else {
        return;
    };
    let ids: Vec<i32> = rows.iter().filter_map(|r| long(r, sys::PR_ROWID)).collect();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let typed = rows
        .iter()
        .all(|r| long(r, sys::PR_RECIPIENT_TYPE).is_some());
    report.check(
        &rules::RECIPIENTS,
        ids.len() == rows.len() && distinct.len() == ids.len() && typed,
        || format!("{label}: {} rows with PR_ROWID {ids:?} (one each, distinct), each with a PR_RECIPIENT_TYPE: {typed}", rows.len()),
    );
    let Some(display_to) = text(summary, sys::PR_DISPLAY_TO_W) else {
        return;
    };
    let mut shown: Vec<String> = display_to
        .split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| {
            long(r, sys::PR_RECIPIENT_TYPE)
                .is_some_and(|k| k as ULONG & !(sys::MAPI_SUBMITTED | sys::MAPI_P1) == sys::MAPI_TO)
        })
        .filter_map(|r| text(r, sys::PR_DISPLAY_NAME_W))
        .collect();
    shown.sort();
    to.sort();
    report.check(&rules::RECIPIENTS, shown == to, || {
        format!("{what}: PR_DISPLAY_TO is {display_to:?}, its MAPI_TO recipients are {to:?}")
    });
}
