//! Messages written through the store: what a client saves ([`MessageData`], handed to
//! [`Backend::save_message`]), a backend message read whole for a copy or a move
//! ([`WholeMessage`]), and a recipient list changed as `IMessage::ModifyRecipients`
//! documents it ([`modify_recipients`]).
//!
//! What the store writes through the backend, and when:
//!
//! | MAPI call | the backend's method |
//! |---|---|
//! | `IMAPIFolder::CreateMessage` (not `MAPI_ASSOCIATED`), then `SaveChanges` | [`save_message`](Backend::save_message) with no id; a later `SaveChanges` of the same object with its id |
//! | `IMAPIFolder::DeleteMessages` | [`delete_message`](Backend::delete_message) |
//! | `IMAPIFolder::CopyMessages` within the store | [`save_message`](Backend::save_message) in the destination with the message read whole |
//! | `CopyMessages(MESSAGE_MOVE)` within the store | [`move_message`](Backend::move_message) (by default a copy, then a delete) |
//!
//! A backend that keeps no messages a client makes leaves the methods out: each answers
//! `MAPI_E_NO_ACCESS`, which the store passes on. Associated messages and changes to
//! the backend's messages are the store's own (see [`keep`](crate::keep)), whatever the
//! backend writes.

use mapi_sync_runtime::props::{prop_id, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::backend::Backend;
use crate::table::Cell;

/// A message as the store hands it to [`Backend::save_message`]: whole (a save
/// replaces what the message had), without what the framework computes (entry ids,
/// record keys, instance keys, access, the summary of its recipients and attachments).
#[derive(Debug)]
#[non_exhaustive]
pub struct MessageData<'a> {
    /// Its properties: what a client set (`PR_SUBJECT_W`, `PR_BODY_W`,
    /// `PR_MESSAGE_FLAGS`, its named properties, …).
    pub props: &'a [Prop<'a>],
    /// Its recipients, in order, each one's properties (`PR_RECIPIENT_TYPE`,
    /// `PR_DISPLAY_NAME_W`, `PR_EMAIL_ADDRESS_W`, `PR_ADDRTYPE_W`, …; no `PR_ROWID`).
    pub recipients: &'a [&'a [Prop<'a>]],
    /// Its attachments, in order, each one's properties with its data
    /// (`PR_ATTACH_DATA_BIN`) as a value.
    pub attachments: &'a [&'a [Prop<'a>]],
}

/// A message's properties, recipients and attachments, owned: a backend message read
/// whole, or a message a client is writing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WholeMessage {
    /// Its properties.
    pub props: Vec<Cell>,
    /// Its recipients' properties, in order.
    pub recipients: Vec<Vec<Cell>>,
    /// Its attachments' properties, data included, in order.
    pub attachments: Vec<Vec<Cell>>,
}

/// The cells of `props`.
fn cells(props: &[Prop<'_>]) -> Vec<Cell> {
    props
        .iter()
        .map(|p| (p.tag(), OwnedValue::from(p.value())))
        .collect()
}

/// The props of `cells` (a cell whose tag and value disagree is left out: the store
/// made them, so none does).
pub fn props(cells: &[Cell]) -> Vec<Prop<'_>> {
    cells
        .iter()
        .filter_map(|(t, v)| Prop::new(*t, v.as_value()).ok())
        .collect()
}

/// What a copy leaves out of a message's properties: the identity the framework
/// computes for it in its new place.
fn is_identity(tag: ULONG) -> bool {
    [
        sys::PR_ENTRYID,
        sys::PR_RECORD_KEY,
        sys::PR_INSTANCE_KEY,
        sys::PR_SEARCH_KEY,
        sys::PR_PARENT_ENTRYID,
        sys::PR_STORE_ENTRYID,
        sys::PR_STORE_RECORD_KEY,
        sys::PR_OBJECT_TYPE,
        sys::PR_ACCESS,
        sys::PR_ACCESS_LEVEL,
        sys::PR_ROWID,
        sys::PR_ATTACH_NUM,
    ]
    .iter()
    .any(|&t| prop_id(t) == prop_id(tag))
}

impl WholeMessage {
    /// Message `id` of folder `folder` as the backend has it, with its attachments'
    /// data read (through [`Backend::attachment_stream`] where the backend serves it
    /// so). `MAPI_E_NO_SUPPORT` for a message with an embedded message, which
    /// [`MessageData`] cannot carry.
    pub fn read<B: Backend + ?Sized>(backend: &B, folder: &[u8], id: &[u8]) -> Result<Self> {
        let mut whole = WholeMessage::default();
        backend.message_properties(folder, id, &mut |given| whole.props = cells(given))?;
        whole.props.retain(|(t, _)| !is_identity(*t));
        backend.recipients(folder, id, &mut |given| whole.recipients.push(cells(given)))?;
        backend.attachments(folder, id, &mut |given| {
            whole.attachments.push(cells(given))
        })?;
        for (num, attachment) in whole.attachments.iter_mut().enumerate() {
            let method = attachment.iter().find_map(|(t, v)| match v {
                OwnedValue::Long(m) if prop_id(*t) == prop_id(sys::PR_ATTACH_METHOD) => Some(*m),
                _ => None,
            });
            if method.map(|m| m as ULONG) == Some(sys::ATTACH_EMBEDDED_MSG) {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_SUPPORT,
                    "a message with an embedded message cannot be copied yet",
                ));
            }
            let has_data = attachment
                .iter()
                .any(|(t, _)| prop_id(*t) == prop_id(sys::PR_ATTACH_DATA_BIN));
            if !has_data {
                if let Some(stream) =
                    backend.attachment_stream(folder, id, num as u32, sys::PR_ATTACH_DATA_BIN)?
                {
                    let data = stream
                        .read_to_end()
                        .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?;
                    attachment.push((sys::PR_ATTACH_DATA_BIN, OwnedValue::Binary(data)));
                }
            }
            attachment.retain(|(t, _)| !is_identity(*t));
        }
        for recipient in &mut whole.recipients {
            recipient.retain(|(t, _)| !is_identity(*t));
        }
        Ok(whole)
    }

    /// `changes` (properties set, and deleted ones as `PT_ERROR` `MAPI_E_NOT_FOUND`, as
    /// the store keeps a client's changes to a backend message) applied over its
    /// properties, and `MSGFLAG_READ` as `read` says where it says.
    pub fn with_changes(mut self, changes: &[Cell], read: Option<bool>) -> Self {
        self.props = crate::keep::changed(self.props, changes, &[]);
        self.props.retain(|cell| !crate::keep::is_deleted(cell));
        if let Some(read) = read {
            let bit = sys::MSGFLAG_READ as i32;
            let at = self
                .props
                .iter()
                .position(|(t, _)| prop_id(*t) == prop_id(sys::PR_MESSAGE_FLAGS));
            let flags = match at.map(|i| &self.props[i].1) {
                Some(OwnedValue::Long(f)) => *f,
                _ => 0,
            };
            let flags = if read { flags | bit } else { flags & !bit };
            if let Some(i) = at {
                self.props.remove(i);
            }
            self.props
                .push((sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags)));
        }
        self
    }

    /// Calls `with` with the message as [`MessageData`].
    pub fn as_data<R>(&self, with: impl FnOnce(&MessageData<'_>) -> R) -> R {
        let own = props(&self.props);
        let recipients: Vec<Vec<Prop<'_>>> = self.recipients.iter().map(|r| props(r)).collect();
        let attachments: Vec<Vec<Prop<'_>>> = self.attachments.iter().map(|a| props(a)).collect();
        let recipients: Vec<&[Prop<'_>]> = recipients.iter().map(Vec::as_slice).collect();
        let attachments: Vec<&[Prop<'_>]> = attachments.iter().map(Vec::as_slice).collect();
        with(&MessageData {
            props: &own,
            recipients: &recipients,
            attachments: &attachments,
        })
    }
}

/// The value a stream's bytes give property `tag` (`PT_BINARY` the bytes, `PT_UNICODE`
/// UTF-16LE without a terminating NUL, `PT_STRING8` the code page's bytes): the other
/// half of what a stream on a property reads. `None` for another type, or UTF-16 of an
/// odd length.
pub fn value_of_stream(tag: ULONG, bytes: &[u8]) -> Option<OwnedValue> {
    match mapi_sync_runtime::props::prop_type(tag) {
        sys::PT_BINARY => Some(OwnedValue::Binary(bytes.to_vec())),
        sys::PT_STRING8 => Some(OwnedValue::String8(bytes.to_vec())),
        sys::PT_UNICODE if bytes.len() % 2 == 0 => Some(OwnedValue::Unicode(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )),
        _ => None,
    }
}

/// `cells` with `tag` set to `value`, replacing the property of its identifier (either
/// string type).
pub fn set_cell(cells: Vec<Cell>, tag: ULONG, value: OwnedValue) -> Vec<Cell> {
    crate::keep::changed(cells, &[(tag, value)], &[])
}

/// What a [`PropertyWriter`] applies its bytes with.
pub type Apply = Box<dyn FnMut(&[u8]) + Send>;

/// What a writable stream on a property of a message or attachment a client is making
/// writes into: the bytes, handed to `apply` at each `Commit` and when the stream goes
/// (its last `Release`), so the object shows the new value from then on.
pub struct PropertyWriter {
    bytes: std::io::Cursor<Vec<u8>>,
    apply: Apply,
    dirty: bool,
}

impl PropertyWriter {
    /// A writer starting with `bytes` (the value so far, or nothing for `MAPI_CREATE`).
    pub fn new(bytes: Vec<u8>, apply: impl FnMut(&[u8]) + Send + 'static) -> PropertyWriter {
        PropertyWriter {
            bytes: std::io::Cursor::new(bytes),
            apply: Box::new(apply),
            dirty: false,
        }
    }
}

impl std::io::Read for PropertyWriter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.bytes.read(buf)
    }
}

impl std::io::Seek for PropertyWriter {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.bytes.seek(pos)
    }
}

impl std::io::Write for PropertyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.dirty = true;
        self.bytes.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (self.apply)(self.bytes.get_ref());
        self.dirty = false;
        Ok(())
    }
}

impl mapi_sync_runtime::stream::StreamData for PropertyWriter {
    fn set_len(&mut self, len: u64) -> std::io::Result<()> {
        self.dirty = true;
        mapi_sync_runtime::stream::StreamData::set_len(&mut self.bytes, len)
    }
}

impl Drop for PropertyWriter {
    fn drop(&mut self) {
        if self.dirty {
            (self.apply)(self.bytes.get_ref());
        }
    }
}

/// The `PR_ROWID` among `cells`, if any.
fn row_id(cells: &[Cell]) -> Option<i32> {
    cells.iter().find_map(|(t, v)| match v {
        OwnedValue::Long(r) if prop_id(*t) == prop_id(sys::PR_ROWID) => Some(*r),
        _ => None,
    })
}

/// `IMessage::ModifyRecipients(flags, mods)` on `rows` (each recipient's properties with
/// its `PR_ROWID`; `next` the row id the next added one gets): no flag replaces the list;
/// `MODRECIP_ADD` adds (new row ids, whatever `mods` say); `MODRECIP_MODIFY` replaces
/// the recipients whose `PR_ROWID` the entries name, all their properties (one not there
/// is added, as `ITableData::HrModifyRow` adds a row it does not find);
/// `MODRECIP_REMOVE` removes them (`MAPI_E_NOT_FOUND` for a row id not there). An
/// entry with no properties (a null recipient) is skipped. `MAPI_E_INVALID_PARAMETER`
/// for more than one flag, or a modify or remove entry without a `PR_ROWID`.
pub fn modify_recipients(
    rows: &mut Vec<Vec<Cell>>,
    next: &mut i32,
    flags: ULONG,
    mods: Vec<Vec<Cell>>,
) -> Result<()> {
    let known = sys::MODRECIP_ADD | sys::MODRECIP_MODIFY | sys::MODRECIP_REMOVE;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    if flags.count_ones() > 1 {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "ModifyRecipients takes one of MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE",
        ));
    }
    let added = |mut cells: Vec<Cell>, next: &mut i32, rows: &mut Vec<Vec<Cell>>| {
        cells.retain(|(t, _)| prop_id(*t) != prop_id(sys::PR_ROWID));
        cells.insert(0, (sys::PR_ROWID, OwnedValue::Long(*next)));
        *next += 1;
        rows.push(cells);
    };
    let mods: Vec<Vec<Cell>> = mods.into_iter().filter(|m| !m.is_empty()).collect();
    let need_id = |m: &Vec<Cell>| {
        row_id(m).ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "a recipient to modify or remove names no PR_ROWID",
            )
        })
    };
    match flags {
        0 => {
            rows.clear();
            for m in mods {
                added(m, next, rows);
            }
        }
        sys::MODRECIP_ADD => {
            for m in mods {
                added(m, next, rows);
            }
        }
        sys::MODRECIP_MODIFY => {
            for m in mods {
                let id = need_id(&m)?;
                match rows.iter_mut().find(|r| row_id(r) == Some(id)) {
                    Some(row) => {
                        let mut cells = m;
                        cells.retain(|(t, _)| prop_id(*t) != prop_id(sys::PR_ROWID));
                        cells.insert(0, (sys::PR_ROWID, OwnedValue::Long(id)));
                        *row = cells;
                    }
                    None => {
                        rows.push(m);
                        *next = (*next).max(id.saturating_add(1));
                    }
                }
            }
        }
        _ => {
            let ids = mods.iter().map(need_id).collect::<Result<Vec<i32>>>()?;
            if let Some(missing) = ids
                .iter()
                .find(|id| !rows.iter().any(|r| row_id(r) == Some(**id)))
            {
                return Err(Error::with_message(
                    sys::MAPI_E_NOT_FOUND,
                    format!("no recipient has PR_ROWID {missing}"),
                ));
            }
            rows.retain(|r| !row_id(r).is_some_and(|id| ids.contains(&id)));
        }
    }
    Ok(())
}

/// The text value of `cells`' `tag`, if it has one (for the tests and the summary).
pub fn text(cells: &[Cell], tag: ULONG) -> Option<String> {
    cells.iter().find_map(|(t, v)| {
        if prop_id(*t) != prop_id(tag) {
            return None;
        }
        match v.as_value() {
            PropValue::Str(s) => Some(s.to_owned()),
            PropValue::Unicode(w) => Some(String::from_utf16_lossy(w)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient(name: &str) -> Vec<Cell> {
        vec![
            (
                sys::PR_DISPLAY_NAME_W,
                OwnedValue::Unicode(name.encode_utf16().collect()),
            ),
            (
                sys::PR_RECIPIENT_TYPE,
                OwnedValue::Long(sys::MAPI_TO as i32),
            ),
        ]
    }

    fn with_id(id: i32, mut cells: Vec<Cell>) -> Vec<Cell> {
        cells.push((sys::PR_ROWID, OwnedValue::Long(id)));
        cells
    }

    fn names(rows: &[Vec<Cell>]) -> Vec<(i32, String)> {
        rows.iter()
            .map(|r| (row_id(r).unwrap(), text(r, sys::PR_DISPLAY_NAME_W).unwrap()))
            .collect()
    }

    #[test]
    fn recipients_change_as_each_flag_says() {
        let (mut rows, mut next) = (Vec::new(), 0);
        // Added: new row ids whatever the entry says; a null entry skipped.
        let mods = vec![recipient("a"), Vec::new(), with_id(7, recipient("b"))];
        modify_recipients(&mut rows, &mut next, sys::MODRECIP_ADD, mods).unwrap();
        assert_eq!(names(&rows), [(0, "a".into()), (1, "b".into())]);
        // Modified: all properties replaced.
        let mods = vec![with_id(1, recipient("B"))];
        modify_recipients(&mut rows, &mut next, sys::MODRECIP_MODIFY, mods).unwrap();
        assert_eq!(names(&rows), [(0, "a".into()), (1, "B".into())]);
        // Removed, by row id; one not there is not found and removes nothing.
        let mods = vec![with_id(0, Vec::new()), with_id(9, Vec::new())];
        let e = modify_recipients(&mut rows, &mut next, sys::MODRECIP_REMOVE, mods).unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_NOT_FOUND);
        assert_eq!(rows.len(), 2);
        let mods = vec![with_id(0, Vec::new())];
        modify_recipients(&mut rows, &mut next, sys::MODRECIP_REMOVE, mods).unwrap();
        assert_eq!(names(&rows), [(1, "B".into())]);
        // No flag: the list replaced, row ids go on from where they were.
        modify_recipients(&mut rows, &mut next, 0, vec![recipient("c")]).unwrap();
        assert_eq!(names(&rows), [(2, "c".into())]);
        // Two flags, an unknown one, a modify without a row id.
        let both = sys::MODRECIP_ADD | sys::MODRECIP_REMOVE;
        let code = |rows: &mut Vec<Vec<Cell>>, next: &mut i32, f, m| {
            modify_recipients(rows, next, f, m).unwrap_err().code()
        };
        assert_eq!(
            code(&mut rows, &mut next, both, vec![]),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            code(&mut rows, &mut next, 0x100, vec![]),
            sys::MAPI_E_UNKNOWN_FLAGS
        );
        assert_eq!(
            code(
                &mut rows,
                &mut next,
                sys::MODRECIP_MODIFY,
                vec![recipient("x")]
            ),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(names(&rows), [(2, "c".into())]);
    }

    #[test]
    fn changes_apply_over_a_whole_message_and_the_read_state_sets_its_flag() {
        let whole = WholeMessage {
            props: vec![
                (
                    sys::PR_SUBJECT_W,
                    OwnedValue::Unicode("s".encode_utf16().collect()),
                ),
                (
                    sys::PR_MESSAGE_FLAGS,
                    OwnedValue::Long(sys::MSGFLAG_UNMODIFIED as i32),
                ),
                (sys::PR_IMPORTANCE, OwnedValue::Long(2)),
            ],
            ..WholeMessage::default()
        };
        let deleted = (
            mapi_sync_runtime::props::change_prop_type(sys::PR_IMPORTANCE, sys::PT_ERROR),
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
        );
        let changes = vec![
            (
                sys::PR_SUBJECT_W,
                OwnedValue::Unicode("t".encode_utf16().collect()),
            ),
            deleted,
        ];
        let changed = whole.with_changes(&changes, Some(true));
        assert_eq!(
            text(&changed.props, sys::PR_SUBJECT_W).as_deref(),
            Some("t")
        );
        assert!(!changed
            .props
            .iter()
            .any(|(t, _)| prop_id(*t) == prop_id(sys::PR_IMPORTANCE)));
        let flags = (sys::MSGFLAG_UNMODIFIED | sys::MSGFLAG_READ) as i32;
        assert!(changed
            .props
            .contains(&(sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags))));
        changed.as_data(|data| {
            assert_eq!(data.props.len(), 2);
            assert!(data.recipients.is_empty() && data.attachments.is_empty());
        });
    }
}
