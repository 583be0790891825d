//! A message's subobjects, its attachments and recipients, as their tables and objects
//! show them: what [`Backend::attachments`] and [`Backend::recipients`] give, beside
//! what the framework computes (Microsoft, "Attachment Tables": the required columns
//! `PR_ATTACH_NUM`, `PR_INSTANCE_KEY`, `PR_RECORD_KEY`, `PR_RENDERING_POSITION`;
//! "Recipient Tables": `PR_DISPLAY_NAME`, `PR_RECIPIENT_TYPE`, `PR_ROWID`).
//!
//! | property | attachment | recipient |
//! |---|---|---|
//! | `PR_ATTACH_NUM` / `PR_ROWID` | its place in the backend's list, from 0 | the same |
//! | `PR_INSTANCE_KEY` | the table engine's, from the row (as in every table) | the same |
//! | `PR_RECORD_KEY` | the message's record key and the number | |
//! | `PR_OBJECT_TYPE` | `MAPI_ATTACH` | `MAPI_MAILUSER` unless the backend says |
//! | `PR_RENDERING_POSITION` | -1 (not rendered in the text) unless the backend says | |
//!
//! An attachment's data (`PR_ATTACH_DATA_BIN`, `PR_ATTACH_DATA_OBJ`) is never in a table
//! row; on the attachment object, data the backend does not give as a value answers
//! `GetProps` with `MAPI_E_NOT_ENOUGH_MEMORY` in its place, which tells a client to open
//! it with `OpenProperty` ("IMAPIProp::GetProps": a property too large to return).

use mapi_sync_runtime::props::{change_prop_type, prop_id, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use crate::backend::Backend;
use crate::table::Cell;

/// The columns an attachment table shows until `SetColumns`.
pub const ATTACHMENT_COLUMNS: [ULONG; 8] = [
    sys::PR_ATTACH_NUM,
    sys::PR_INSTANCE_KEY,
    sys::PR_RECORD_KEY,
    sys::PR_RENDERING_POSITION,
    sys::PR_ATTACH_METHOD,
    sys::PR_ATTACH_LONG_FILENAME_W,
    sys::PR_ATTACH_SIZE,
    sys::PR_ATTACH_MIME_TAG_W,
];

/// The columns a recipient table shows until `SetColumns`.
pub const RECIPIENT_COLUMNS: [ULONG; 7] = [
    sys::PR_ROWID,
    sys::PR_INSTANCE_KEY,
    sys::PR_DISPLAY_NAME_W,
    sys::PR_RECIPIENT_TYPE,
    sys::PR_EMAIL_ADDRESS_W,
    sys::PR_ADDRTYPE_W,
    sys::PR_OBJECT_TYPE,
];

/// Whether `tag` is an attachment's data, which no table row shows.
fn is_data(tag: ULONG) -> bool {
    prop_id(tag) == prop_id(sys::PR_ATTACH_DATA_BIN)
}

/// `computed`, then each of `given` whose identifier none of `computed` has, as cells.
fn merged(computed: Vec<Cell>, given: &[Prop<'_>], keep: impl Fn(ULONG) -> bool) -> Vec<Cell> {
    let mut cells = computed;
    let ours = cells.len();
    for p in given {
        if keep(p.tag())
            && !cells[..ours]
                .iter()
                .any(|(t, _)| prop_id(*t) == prop_id(p.tag()))
        {
            cells.push((p.tag(), OwnedValue::from(p.value())));
        }
    }
    cells
}

/// Attachment `num`'s cells from what the backend gives of it (`given`): with its data
/// (`with_data`, for the attachment object) or without (for a table row). `message_key`
/// is its message's record key.
pub fn attachment_cells(
    num: u32,
    message_key: &[u8],
    given: &[Prop<'_>],
    with_data: bool,
) -> Vec<Cell> {
    let record_key = [message_key, &num.to_le_bytes()].concat();
    let mut computed = vec![
        (sys::PR_ATTACH_NUM, OwnedValue::Long(num as i32)),
        (sys::PR_RECORD_KEY, OwnedValue::Binary(record_key)),
        (
            sys::PR_OBJECT_TYPE,
            OwnedValue::Long(sys::MAPI_ATTACH as i32),
        ),
    ];
    let gives = |tag: ULONG| given.iter().any(|p| prop_id(p.tag()) == prop_id(tag));
    if !gives(sys::PR_RENDERING_POSITION) {
        computed.push((sys::PR_RENDERING_POSITION, OwnedValue::Long(-1)));
    }
    let mut cells = merged(computed, given, |t| with_data || !is_data(t));
    let method = given.iter().find_map(|p| match p.value() {
        PropValue::Long(m) if prop_id(p.tag()) == prop_id(sys::PR_ATTACH_METHOD) => Some(m),
        _ => None,
    });
    if with_data && !gives(sys::PR_ATTACH_DATA_BIN) {
        // The data is there, but only through OpenProperty: an attachment by value
        // serves PR_ATTACH_DATA_BIN as a stream, an embedded message PR_ATTACH_DATA_OBJ.
        // (An embedded message's data is PR_ATTACH_DATA_OBJ, opened as an IMessage.)
        let served = matches!(
            method.map(|m| m as ULONG),
            None | Some(sys::ATTACH_BY_VALUE)
        );
        if served {
            cells.push((
                change_prop_type(sys::PR_ATTACH_DATA_BIN, sys::PT_ERROR),
                OwnedValue::Error(sys::MAPI_E_NOT_ENOUGH_MEMORY),
            ));
        }
    }
    cells
}

/// Recipient `row`'s cells from what the backend gives of it.
pub fn recipient_cells(row: u32, given: &[Prop<'_>]) -> Vec<Cell> {
    let mut computed = vec![(sys::PR_ROWID, OwnedValue::Long(row as i32))];
    if !given
        .iter()
        .any(|p| prop_id(p.tag()) == prop_id(sys::PR_OBJECT_TYPE))
    {
        computed.push((
            sys::PR_OBJECT_TYPE,
            OwnedValue::Long(sys::MAPI_MAILUSER as i32),
        ));
    }
    merged(computed, given, |_| true)
}

/// Every attachment of message `id` of `folder` as table rows (no data).
pub fn attachment_rows<B: Backend>(
    backend: &B,
    folder: &[u8],
    id: &[u8],
    message_key: &[u8],
) -> Result<Vec<Vec<Cell>>> {
    let mut rows = Vec::new();
    backend.attachments(folder, id, &mut |given| {
        let num = rows.len() as u32;
        rows.push(attachment_cells(num, message_key, given, false));
    })?;
    Ok(rows)
}

/// Attachment `num` of message `id` with its data, or `None` if it has no such one.
pub fn attachment<B: Backend>(
    backend: &B,
    folder: &[u8],
    id: &[u8],
    message_key: &[u8],
    num: u32,
) -> Result<Option<Vec<Cell>>> {
    let (mut at, mut found) = (0u32, None);
    backend.attachments(folder, id, &mut |given| {
        if at == num {
            found = Some(attachment_cells(num, message_key, given, true));
        }
        at += 1;
    })?;
    Ok(found)
}

/// Every recipient of message `id` of `folder` as table rows.
pub fn recipient_rows<B: Backend>(backend: &B, folder: &[u8], id: &[u8]) -> Result<Vec<Vec<Cell>>> {
    let mut rows = Vec::new();
    backend.recipients(folder, id, &mut |given| {
        let row = rows.len() as u32;
        rows.push(recipient_cells(row, given));
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(cells: &[Cell], tag: ULONG) -> Option<&OwnedValue> {
        cells.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
    }

    #[test]
    fn an_attachment_has_its_number_keys_and_no_data_in_a_row() {
        let given = [
            Prop::new(
                sys::PR_ATTACH_METHOD,
                PropValue::Long(sys::ATTACH_BY_VALUE as i32),
            )
            .unwrap(),
            Prop::new(sys::PR_ATTACH_DATA_BIN, PropValue::Binary(b"data")).unwrap(),
            // The backend's number loses to the framework's.
            Prop::new(sys::PR_ATTACH_NUM, PropValue::Long(99)).unwrap(),
        ];
        let row = attachment_cells(2, b"msg", &given, false);
        assert_eq!(get(&row, sys::PR_ATTACH_NUM), Some(&OwnedValue::Long(2)));
        assert_eq!(
            get(&row, sys::PR_RECORD_KEY),
            Some(&OwnedValue::Binary(b"msg\x02\0\0\0".to_vec()))
        );
        assert_eq!(
            get(&row, sys::PR_RENDERING_POSITION),
            Some(&OwnedValue::Long(-1))
        );
        assert!(get(&row, sys::PR_ATTACH_DATA_BIN).is_none());
        assert_eq!(
            row.iter().filter(|(t, _)| *t == sys::PR_ATTACH_NUM).count(),
            1
        );
        let object = attachment_cells(2, b"msg", &given, true);
        assert_eq!(
            get(&object, sys::PR_ATTACH_DATA_BIN),
            Some(&OwnedValue::Binary(b"data".to_vec()))
        );
        // Data served only as a stream: an error in its place on the object.
        let object = attachment_cells(0, b"msg", &given[..1], true);
        assert_eq!(
            get(
                &object,
                change_prop_type(sys::PR_ATTACH_DATA_BIN, sys::PT_ERROR)
            ),
            Some(&OwnedValue::Error(sys::MAPI_E_NOT_ENOUGH_MEMORY))
        );
    }

    #[test]
    fn a_recipient_has_its_row_id_and_is_a_mail_user_unless_said() {
        let given = [Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Ann")).unwrap()];
        let row = recipient_cells(1, &given);
        assert_eq!(get(&row, sys::PR_ROWID), Some(&OwnedValue::Long(1)));
        assert_eq!(
            get(&row, sys::PR_OBJECT_TYPE),
            Some(&OwnedValue::Long(sys::MAPI_MAILUSER as i32))
        );
        let list = [Prop::new(
            sys::PR_OBJECT_TYPE,
            PropValue::Long(sys::MAPI_DISTLIST as i32),
        )
        .unwrap()];
        assert_eq!(
            get(&recipient_cells(0, &list), sys::PR_OBJECT_TYPE),
            Some(&OwnedValue::Long(sys::MAPI_DISTLIST as i32))
        );
    }
}
