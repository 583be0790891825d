//! [`MessageObject`]: `IMessage` on a backend message, reading (writes come with another
//! issue): its properties are the backend's beside the computed ones (its identity and
//! [`summary`]), its binary and string properties open as streams
//! (`OpenProperty(…, IID_IStream)`), its attachments and recipients are tables
//! (`GetAttachmentTable`, `GetRecipientTable`, or `OpenProperty` of
//! `PR_MESSAGE_ATTACHMENTS` / `PR_MESSAGE_RECIPIENTS` with `IID_IMAPITable`) and its
//! attachments objects (`OpenAttach`: [`AttachObject`]).
//! A message embedded in an attachment is one too, without an entry id.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::Properties;
use mapi_sync_runtime::props::{convert, prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::stream::Stream;
use mapi_sync_runtime::sys::{
    self, ComInterface, IMAPIProp_Impl, IMessage_Impl, HRESULT, LPADRLIST, LPATTACH, LPCIID,
    LPMAPIERROR, LPMAPIPROGRESS, LPMAPITABLE, LPUNKNOWN, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, Object, Out, Result};

use super::attach::AttachObject;
use super::entry::{hand_out, props_methods, LastError};
use super::new_attach::{self, NewAttachObject};
use super::table::TableObject;
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::EntryId;
use crate::events::{Change, EventSink};
use crate::identity::{self, Computed};
use crate::keep::{self, Keep};
use crate::subobjects::{self, ATTACHMENT_COLUMNS, RECIPIENT_COLUMNS};
use crate::summary::{self, Summary};
use crate::table::{Cell, MemorySource, Table, TableType};
use crate::tree::Node;
use crate::write::{self, WholeMessage};

/// What a message is.
enum Kind {
    /// One of the backend's, with what a client changed on it that the store keeps
    /// (deletions as `PT_ERROR` `MAPI_E_NOT_FOUND`, see [`keep::changed`]), and whether
    /// the caller may change it.
    Backend {
        changes: Mutex<Vec<Cell>>,
        writable: AtomicBool,
    },
    /// One embedded in an attachment of the backend's (no entry id, no parent).
    Embedded,
    /// An associated message the store keeps ([`Keep`](crate::keep::Keep)): its
    /// properties as saved or changed since, and whether the caller may change them.
    Kept {
        cells: Arc<Mutex<Vec<Cell>>>,
        writable: AtomicBool,
    },
    /// A message a client made (`CreateMessage`), written through the backend by
    /// `SaveChanges` ([`Backend::save_message`]): its properties and recipients (with
    /// their `PR_ROWID`s) as set so far, and its id once saved.
    Draft(Arc<Mutex<Draft>>),
}

/// A message a client is making.
pub(super) struct Draft {
    pub(super) whole: WholeMessage,
    /// The `PR_ROWID` the next recipient added gets.
    next_row: i32,
    /// The `PR_ATTACH_NUM` the next attachment made gets.
    next_attach: u32,
    /// Its id once saved.
    saved: Option<Vec<u8>>,
    writable: bool,
}

/// How many messages clients made in this process: what a new message's id is until it
/// is saved.
static NEW_MESSAGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A write refused: the message is the backend's, or opened read-only.
fn read_only() -> Error {
    Error::with_message(sys::MAPI_E_NO_ACCESS, "the message is read-only")
}

/// A message of the store.
#[mapi_object(IMessage, crate = mapi_sync_runtime)]
pub struct MessageObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    node: Node,
    id: Vec<u8>,
    kind: Kind,
    /// The backend's `PR_MESSAGE_FLAGS` when it opened.
    flags: Mutex<Option<i32>>,
    /// Its summary, computed when it opened (none when the backend gives it:
    /// [`Backend::GIVES_SUMMARY`]).
    summary: Option<Summary>,
    /// The message's version ([`StoreContext::version`]) when it opened or was last
    /// saved through this object.
    version: Mutex<u64>,
    last_error: LastError,
}

impl<B: Backend> MessageObject<B> {
    /// Message `id` of folder `node`, read-only: `MAPI_E_NOT_FOUND` if the backend does
    /// not have it (its properties are read once, now, to find out).
    pub fn open(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
    ) -> Result<Object<MessageObject<B>>> {
        Self::open_for(ctx, node, id, false)
    }

    /// The same, for changing when `modify` (`MAPI_MODIFY`): the store keeps the changes
    /// (an associated message whole; for one of the backend's, what a client set or
    /// deleted, shown over what the backend gives).
    pub fn open_for(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
        modify: bool,
    ) -> Result<Object<MessageObject<B>>> {
        if Keep::is_kept(&id) {
            let folder = ctx.tree().folder_key(node);
            let cells = ctx.keep().message(&folder, &id).ok_or_else(|| {
                Error::with_message(sys::MAPI_E_NOT_FOUND, "the associated message is gone")
            })?;
            return Ok(Self::kept(ctx, node, id, (*cells).clone(), modify));
        }
        let folder = ctx.tree().folder_key(node);
        let changes = ctx.keep().extra(&folder, &id).map(|c| (*c).clone());
        let kind = Kind::Backend {
            changes: Mutex::new(changes.unwrap_or_default()),
            writable: AtomicBool::new(modify),
        };
        Self::opened(ctx, node, id, kind)
    }

    /// The message embedded in an attachment of a message of folder `node`, which the
    /// backend calls `id` ([`Backend::embedded_message`]).
    pub fn embedded(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
    ) -> Result<Object<MessageObject<B>>> {
        Self::opened(ctx, node, id, Kind::Embedded)
    }

    /// A new associated message of folder `node` (`CreateMessage(MAPI_ASSOCIATED)`),
    /// kept by the store once it is saved.
    pub fn create_associated(
        ctx: Arc<StoreContext<B>>,
        node: Node,
    ) -> Result<Object<MessageObject<B>>> {
        let id = ctx.keep().new_id()?;
        let flags = (sys::MSGFLAG_ASSOCIATED | sys::MSGFLAG_UNSENT | sys::MSGFLAG_READ) as i32;
        let cells = vec![(sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags))];
        Ok(Self::kept(ctx, node, id, cells, true))
    }

    /// A new message of folder `node` (`CreateMessage`), written through the backend
    /// once saved.
    pub fn create(ctx: Arc<StoreContext<B>>, node: Node) -> Object<MessageObject<B>> {
        let flags = (sys::MSGFLAG_UNSENT | sys::MSGFLAG_READ) as i32;
        let whole = WholeMessage {
            props: vec![(sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags))],
            ..WholeMessage::default()
        };
        Object::new(MessageObject {
            ctx,
            node,
            // Until it is saved: an id of its own, which its attachments' record keys
            // start from (the backend names it at the first save).
            id: [
                &b"\xFFnew:"[..],
                &NEW_MESSAGES.fetch_add(1, Ordering::Relaxed).to_be_bytes(),
            ]
            .concat(),
            kind: Kind::Draft(Arc::new(Mutex::new(Draft {
                whole,
                next_row: 0,
                next_attach: 0,
                saved: None,
                writable: true,
            }))),
            flags: Mutex::new(None),
            summary: None,
            version: Mutex::new(0),
            last_error: LastError::default(),
        })
    }

    /// What a stream written on property `tag` applies its bytes with (the new value
    /// into the message's own properties), for a message a client is making or an
    /// associated one the store keeps, opened for writing; `None` for the others.
    fn property_writer(&self, tag: ULONG) -> Option<write::Apply> {
        match &self.kind {
            Kind::Draft(draft) if draft.lock().unwrap_or_else(|p| p.into_inner()).writable => {
                let draft = draft.clone();
                Some(Box::new(move |bytes| {
                    if let Some(value) = write::value_of_stream(tag, bytes) {
                        let mut draft = draft.lock().unwrap_or_else(|p| p.into_inner());
                        let props = std::mem::take(&mut draft.whole.props);
                        draft.whole.props = write::set_cell(props, tag, value);
                    }
                }))
            }
            Kind::Kept { cells, writable } if writable.load(Ordering::Relaxed) => {
                let cells = cells.clone();
                Some(Box::new(move |bytes| {
                    if let Some(value) = write::value_of_stream(tag, bytes) {
                        let mut cells = cells.lock().unwrap_or_else(|p| p.into_inner());
                        *cells = write::set_cell(std::mem::take(&mut *cells), tag, value);
                    }
                }))
            }
            _ => None,
        }
    }

    /// Its plain-text body (`PR_BODY_W`), from its properties or the backend's stream;
    /// `MAPI_E_NOT_FOUND` if it has none.
    fn body_text(&self) -> Result<String> {
        let bytes = match stream_bytes(self, sys::PR_BODY_W) {
            Err(e) if e.code() == sys::MAPI_E_NOT_FOUND && !self.is_kept() => {
                let folder = self.folder_id()?;
                match self
                    .ctx
                    .backend()
                    .message_stream(&folder, &self.id, sys::PR_BODY_W)?
                {
                    Some(stream) => stream
                        .read_to_end()
                        .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?,
                    None => return Err(e),
                }
            }
            other => other?,
        };
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(String::from_utf16_lossy(&units))
    }

    /// Its draft, if it is one.
    fn draft(&self) -> Option<std::sync::MutexGuard<'_, Draft>> {
        match &self.kind {
            Kind::Draft(d) => Some(d.lock().unwrap_or_else(|p| p.into_inner())),
            _ => None,
        }
    }

    fn kept(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
        cells: Vec<Cell>,
        writable: bool,
    ) -> Object<MessageObject<B>> {
        let version = ctx.version(&ctx.tree().folder_key(node), &id);
        Object::new(MessageObject {
            ctx,
            node,
            id,
            kind: Kind::Kept {
                cells: Arc::new(Mutex::new(cells)),
                writable: AtomicBool::new(writable),
            },
            flags: Mutex::new(None),
            summary: None,
            version: Mutex::new(version),
            last_error: LastError::default(),
        })
    }

    fn opened(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
        kind: Kind,
    ) -> Result<Object<MessageObject<B>>> {
        let version = ctx.version(&ctx.tree().folder_key(node), &id);
        let mut message = MessageObject {
            ctx,
            node,
            id,
            kind,
            flags: Mutex::new(None),
            summary: None,
            version: Mutex::new(version),
            last_error: LastError::default(),
        };
        let folder = message.folder_id()?;
        let mut flags = None;
        message
            .ctx
            .backend()
            .message_properties(&folder, &message.id, &mut |props| {
                flags = summary::flags_of(props);
            })?;
        message.flags = Mutex::new(flags);
        if !B::GIVES_SUMMARY {
            let backend = message.ctx.backend();
            message.summary = Some(Summary::of(&**backend, &folder, &message.id)?);
        }
        Ok(Object::new(message))
    }

    /// The backend's `PR_MESSAGE_FLAGS`, as read when it opened (and as a read state
    /// the backend keeps changed it since).
    fn backend_flags(&self) -> Option<i32> {
        *self.flags.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key of its folder (where the store keeps what it keeps for it).
    fn folder_key(&self) -> Vec<u8> {
        self.ctx.tree().folder_key(self.node)
    }

    fn folder_id(&self) -> Result<Vec<u8>> {
        match self.node {
            Node::Backend(i) => Ok(self.ctx.tree().folders()[i].id.clone()),
            Node::Supplied(_) => Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    /// What its attachments' record keys start with: its own record key (an embedded
    /// message, which has none, the one its id would have as a message of its folder).
    fn record_key(&self) -> Result<Vec<u8>> {
        let folder = self.folder_key();
        Ok(EntryId::message(self.ctx.info().uid, &folder, &self.id)?.record_key())
    }

    /// Whether it is a message the store keeps or a client is making (which has no
    /// attachments or recipients of the backend's).
    fn is_kept(&self) -> bool {
        matches!(self.kind, Kind::Kept { .. } | Kind::Draft(_))
    }

    /// A table of `rows` showing `columns` until `SetColumns`.
    fn table(&self, rows: Vec<Vec<Cell>>, columns: &[ULONG]) -> Result<sys::IMAPITable> {
        let mut source = MemorySource::new();
        for (key, cells) in rows.into_iter().enumerate() {
            source.insert(key as u64, cells)?;
        }
        let table = Table::new(source, columns.to_vec(), TableType::Dynamic)?;
        TableObject::new(table, self.ctx.allocators()).cast()
    }

    /// Its attachment table.
    fn attachment_table(&self) -> Result<sys::IMAPITable> {
        if let Some(draft) = self.draft() {
            let key = self.record_key()?;
            let rows = draft
                .whole
                .attachments
                .iter()
                .map(|cells| {
                    let num = new_attach::num_of(cells).unwrap_or(0);
                    subobjects::attachment_cells(num, &key, &write::props(cells), false)
                })
                .collect();
            drop(draft);
            return self.table(rows, &ATTACHMENT_COLUMNS);
        }
        if self.is_kept() {
            return self.table(Vec::new(), &ATTACHMENT_COLUMNS);
        }
        let folder = self.folder_id()?;
        let rows = subobjects::attachment_rows(
            &**self.ctx.backend(),
            &folder,
            &self.id,
            &self.record_key()?,
        )?;
        self.table(rows, &ATTACHMENT_COLUMNS)
    }

    /// Its recipient table.
    fn recipient_table(&self) -> Result<sys::IMAPITable> {
        if let Some(draft) = self.draft() {
            let rows = draft
                .whole
                .recipients
                .iter()
                .map(|cells| {
                    let props = write::props(cells);
                    let row = props
                        .iter()
                        .find(|p| p.tag() == sys::PR_ROWID)
                        .and_then(|p| match p.value() {
                            PropValue::Long(r) => Some(r as u32),
                            _ => None,
                        })
                        .unwrap_or(0);
                    subobjects::recipient_cells(row, &props)
                })
                .collect();
            drop(draft);
            return self.table(rows, &RECIPIENT_COLUMNS);
        }
        if self.is_kept() {
            return self.table(Vec::new(), &RECIPIENT_COLUMNS);
        }
        let folder = self.folder_id()?;
        let rows = subobjects::recipient_rows(&**self.ctx.backend(), &folder, &self.id)?;
        self.table(rows, &RECIPIENT_COLUMNS)
    }

    /// A table out through `out`, or the error.
    ///
    /// # Safety
    /// `out` null or writable.
    unsafe fn give_table(
        &self,
        flags: ULONG,
        out: *mut LPMAPITABLE,
        make: impl FnOnce() -> Result<sys::IMAPITable>,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: caller's contract.
            let mut out = unsafe { Out::new(out) }?;
            out.clear();
            if flags & !(sys::MAPI_UNICODE | sys::MAPI_DEFERRED_ERRORS) != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            out.write(make()?.into());
            Ok(())
        })();
        self.last_error.answer(r)
    }

    /// A write refused: the store is read-only.
    fn refused(&self) -> HRESULT {
        self.last_error.answer(Err(Error::with_message(
            sys::MAPI_E_NO_ACCESS,
            "the store is read-only",
        )))
    }
}

/// Checks an `OpenProperty(tag, iid, options, flags)` that asks for a stream: an
/// interface, known flags, no write (the store is read-only), a binary or string type,
/// `IID_IStream`.
///
/// # Safety
/// `iid` null or an IID valid for the call.
pub(super) unsafe fn check_stream_request(
    tag: ULONG,
    iid: LPCIID,
    options: ULONG,
    flags: ULONG,
    writable: bool,
) -> Result<bool> {
    // SAFETY: null or an IID (the caller's contract).
    let Some(asked) = (unsafe { iid.as_ref() }) else {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "OpenProperty without an interface",
        ));
    };
    let known = sys::MAPI_CREATE | sys::MAPI_MODIFY | sys::MAPI_DEFERRED_ERRORS;
    if flags & !known != 0 {
        return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
    }
    let write_options = sys::STGM_WRITE | sys::STGM_READWRITE | sys::STGM_CREATE;
    let writes = flags & (sys::MAPI_CREATE | sys::MAPI_MODIFY) != 0 || options & write_options != 0;
    if writes && !writable {
        return Err(Error::with_message(
            sys::MAPI_E_NO_ACCESS,
            "the property cannot be written here",
        ));
    }
    if prop_type(tag) == sys::PT_UNSPECIFIED {
        return Err(Error::with_message(
            sys::MAPI_E_INVALID_PARAMETER,
            "OpenProperty needs the property's type",
        ));
    }
    let streamable = matches!(
        prop_type(tag),
        sys::PT_BINARY | sys::PT_UNICODE | sys::PT_STRING8
    );
    if !streamable || !sys::IStream::matches(asked) {
        return Err(Error::with_message(
            sys::MAPI_E_INTERFACE_NOT_SUPPORTED,
            "only binary and string properties open, and only as IStream",
        ));
    }
    Ok(writes)
}

/// Hands `stream` (the backend's, or one over `bytes()`) to the caller as `iid`.
///
/// # Safety
/// `iid` an IID valid for the call.
pub(super) unsafe fn give_stream(
    stream: Option<Stream>,
    bytes: impl FnOnce() -> Result<Vec<u8>>,
    iid: LPCIID,
    out: &mut Out<'_, LPUNKNOWN>,
) -> Result<()> {
    let stream = match stream {
        Some(stream) => stream,
        None => Stream::read_only(Cursor::new(bytes()?)),
    };
    let unknown = stream
        .into_istream()
        .cast::<sys::IUnknown>()
        .map_err(Error::new)?;
    // SAFETY: `iid` is an IID (the caller's contract).
    unsafe { hand_out(unknown, iid, &sys::IID_IStream, out) }
}

/// The bytes a stream on `tag` serves from an object's properties: its value of that
/// identifier in `tag`'s type (a string converted to the other string type as
/// `GetProps` converts it), `MAPI_E_NOT_FOUND` if it has none.
pub(super) fn stream_bytes(object: &dyn Properties, tag: ULONG) -> Result<Vec<u8>> {
    let want = prop_type(tag);
    let mut found = None;
    object.properties(&mut |props| {
        if let Some(p) = props.iter().find(|p| prop_id(p.tag()) == prop_id(tag)) {
            found = bytes_of(p.value(), want);
        }
    })?;
    found.ok_or_else(|| {
        Error::with_message(
            sys::MAPI_E_NOT_FOUND,
            format!("the object has no property {tag:#010X}"),
        )
    })
}

impl<B: Backend> MessageObject<B> {
    /// `OpenProperty(tag, iid, options, flags)`: its attachment or recipient table, or a
    /// read-only stream on a binary or string property (see [`Backend::message_stream`]).
    ///
    /// # Safety
    /// `iid` null or an IID valid for the call.
    unsafe fn open_property(
        &self,
        tag: ULONG,
        iid: LPCIID,
        options: ULONG,
        flags: ULONG,
        out: &mut Out<'_, LPUNKNOWN>,
    ) -> Result<()> {
        let tables = [sys::PR_MESSAGE_ATTACHMENTS, sys::PR_MESSAGE_RECIPIENTS];
        // SAFETY: null or an IID (the caller's contract).
        if tables.contains(&tag) && unsafe { super::entry::asks_for_table(iid) } {
            let table = if tag == sys::PR_MESSAGE_ATTACHMENTS {
                self.attachment_table()?
            } else {
                self.recipient_table()?
            };
            // SAFETY: as above.
            return unsafe {
                hand_out(
                    table.cast().map_err(Error::new)?,
                    iid,
                    &sys::IID_IMAPITable,
                    out,
                )
            };
        }
        let writer = self.property_writer(tag);
        // SAFETY: as above.
        let writes = unsafe { check_stream_request(tag, iid, options, flags, writer.is_some()) }?;
        if let (true, Some(apply)) = (writes, writer) {
            let start = if flags & sys::MAPI_CREATE != 0 {
                Vec::new()
            } else {
                stream_bytes(self, tag)?
            };
            let stream = Stream::writable(write::PropertyWriter::new(start, apply));
            // SAFETY: checked above: an IID.
            return unsafe { give_stream(Some(stream), || Ok(Vec::new()), iid, out) };
        }
        let stream = if self.is_kept() {
            None
        } else {
            let folder = self.folder_id()?;
            self.ctx.backend().message_stream(&folder, &self.id, tag)?
        };
        let bytes = || match stream_bytes(self, tag) {
            // No RTF of its own: made from its text.
            Err(e)
                if e.code() == sys::MAPI_E_NOT_FOUND
                    && prop_id(tag) == prop_id(sys::PR_RTF_COMPRESSED) =>
            {
                let text = self.body_text()?;
                Ok(crate::rtf::compressed_of_text(&text))
            }
            other => other,
        };
        // SAFETY: checked above: an IID.
        unsafe { give_stream(stream, bytes, iid, out) }
    }
}

/// `value` as the bytes of a stream of type `want` (`PT_BINARY`, `PT_UNICODE` as
/// UTF-16LE, `PT_STRING8` in the code page), or `None` when it is not of that type or a
/// string convertible to it.
fn bytes_of(value: PropValue<'_>, want: ULONG) -> Option<Vec<u8>> {
    let utf16 = |w: &mut dyn Iterator<Item = u16>| w.flat_map(u16::to_le_bytes).collect();
    match (value, want) {
        (PropValue::Binary(b), sys::PT_BINARY) => Some(b.to_vec()),
        (PropValue::String8(a), sys::PT_STRING8) => Some(a.to_vec()),
        (PropValue::Unicode(w), sys::PT_UNICODE) => Some(utf16(&mut w.iter().copied())),
        (PropValue::Str(s), sys::PT_UNICODE) => Some(utf16(&mut s.encode_utf16())),
        (other, sys::PT_UNICODE | sys::PT_STRING8) => match convert::to_string_type(other, want)? {
            OwnedValue::Unicode(w) => Some(utf16(&mut w.into_iter())),
            OwnedValue::String8(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

impl<B: Backend> MessageObject<B> {
    /// What the framework computes for it: its identity, flags and summary.
    fn computed(&self) -> Result<Vec<Computed>> {
        let folder = self.folder_key();
        let tree = self.ctx.tree();
        let uid = self.ctx.info().uid;
        let saved = self.draft().map(|d| d.saved.clone());
        let mut computed = match (&self.kind, saved) {
            (Kind::Embedded, _) | (_, Some(None)) => {
                identity::embedded_message(uid, tree.store_entry_id())
            }
            (_, Some(Some(id))) => {
                let id = EntryId::message(uid, &folder, &id)?;
                identity::message(&id, &tree.entry_id(self.node), tree.store_entry_id())
            }
            _ => {
                let id = EntryId::message(uid, &folder, &self.id)?;
                identity::message(&id, &tree.entry_id(self.node), tree.store_entry_id())
            }
        };
        let flags = match &self.kind {
            Kind::Kept { cells, writable } => {
                let cells = cells.lock().unwrap_or_else(|p| p.into_inner());
                let access =
                    sys::MAPI_ACCESS_READ | sys::MAPI_ACCESS_MODIFY | sys::MAPI_ACCESS_DELETE;
                computed.retain(|(t, _)| *t != sys::PR_ACCESS && *t != sys::PR_ACCESS_LEVEL);
                computed.push((sys::PR_ACCESS, OwnedValue::Long(access as i32)));
                let level = ULONG::from(writable.load(Ordering::Relaxed)) * sys::MAPI_MODIFY;
                computed.push((sys::PR_ACCESS_LEVEL, OwnedValue::Long(level as i32)));
                let given = cells.iter().find_map(|(t, v)| match v {
                    OwnedValue::Long(f) if *t == sys::PR_MESSAGE_FLAGS => Some(*f),
                    _ => None,
                });
                Some(given.unwrap_or(0) | sys::MSGFLAG_ASSOCIATED as i32)
            }
            Kind::Backend { writable, .. } => {
                // Changes to it are kept by the store.
                computed.retain(|(t, _)| *t != sys::PR_ACCESS && *t != sys::PR_ACCESS_LEVEL);
                let access = sys::MAPI_ACCESS_READ | sys::MAPI_ACCESS_MODIFY;
                computed.push((sys::PR_ACCESS, OwnedValue::Long(access as i32)));
                let level = ULONG::from(writable.load(Ordering::Relaxed)) * sys::MAPI_MODIFY;
                computed.push((sys::PR_ACCESS_LEVEL, OwnedValue::Long(level as i32)));
                match &self.summary {
                    Some(summary) => {
                        computed.extend(summary.properties());
                        summary.flags(self.backend_flags())
                    }
                    None => self.backend_flags(),
                }
            }
            Kind::Embedded => match &self.summary {
                Some(summary) => {
                    computed.extend(summary.properties());
                    summary.flags(self.backend_flags())
                }
                None => self.backend_flags(),
            },
            Kind::Draft(draft) => {
                let draft = draft.lock().unwrap_or_else(|p| p.into_inner());
                computed.retain(|(t, _)| *t != sys::PR_ACCESS && *t != sys::PR_ACCESS_LEVEL);
                let access =
                    sys::MAPI_ACCESS_READ | sys::MAPI_ACCESS_MODIFY | sys::MAPI_ACCESS_DELETE;
                computed.push((sys::PR_ACCESS, OwnedValue::Long(access as i32)));
                let level = ULONG::from(draft.writable) * sys::MAPI_MODIFY;
                computed.push((sys::PR_ACCESS_LEVEL, OwnedValue::Long(level as i32)));
                let mut summary = Summary {
                    has_attach: !draft.whole.attachments.is_empty(),
                    ..Summary::default()
                };
                for recipient in &draft.whole.recipients {
                    summary.add_recipient(&write::props(recipient));
                }
                computed.extend(summary.properties());
                let given = draft.whole.props.iter().find_map(|(t, v)| match v {
                    OwnedValue::Long(f) if *t == sys::PR_MESSAGE_FLAGS => Some(*f),
                    _ => None,
                });
                let flags = summary.flags(given).unwrap_or(0);
                computed.push((sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags)));
                return Ok(computed);
            }
        };
        // Every message has flags (PidTagMessageFlags): none given reads as 0, unread.
        let flags = self.ctx.keep().flags(&folder, &self.id, flags).unwrap_or(0);
        computed.push((sys::PR_MESSAGE_FLAGS, OwnedValue::Long(flags)));
        Ok(computed)
    }

    /// `SaveChanges(flags)`: a kept message's properties into the store's keep.
    fn save_changes(&self, flags: ULONG) -> Result<()> {
        let known = sys::KEEP_OPEN_READONLY
            | sys::KEEP_OPEN_READWRITE
            | sys::FORCE_SAVE
            | sys::MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        let folder = self.folder_key();
        // Another writer (another object, the backend) changed or removed the message
        // since this object opened or last saved it: refused unless FORCE_SAVE.
        let saved_id = match &self.kind {
            Kind::Draft(d) => d.lock().unwrap_or_else(|p| p.into_inner()).saved.clone(),
            _ => Some(self.id.clone()),
        };
        if let Some(id) = &saved_id {
            let seen = *self.version.lock().unwrap_or_else(|p| p.into_inner());
            if flags & sys::FORCE_SAVE == 0 && self.ctx.version(&folder, id) != seen {
                return Err(Error::with_message(
                    sys::MAPI_E_OBJECT_CHANGED,
                    "the message was changed since it was opened",
                ));
            }
        }
        let (writable, change) = match &self.kind {
            Kind::Kept { cells, writable } => {
                if !writable.load(Ordering::Relaxed) {
                    return Err(read_only());
                }
                let cells = cells.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let existed = self.ctx.keep().message(&folder, &self.id).is_some();
                self.ctx.keep().save(&folder, &self.id, cells)?;
                let (folder, id) = (folder, self.id.clone());
                let change = if existed {
                    Change::MessageModified { folder, id }
                } else {
                    Change::MessageAdded {
                        folder,
                        id,
                        new_mail: false,
                    }
                };
                (writable, change)
            }
            Kind::Backend { changes, writable } => {
                if !writable.load(Ordering::Relaxed) {
                    return Err(read_only());
                }
                let changes = changes.lock().unwrap_or_else(|p| p.into_inner()).clone();
                self.ctx.keep().save_extra(&folder, &self.id, changes)?;
                let change = Change::MessageModified {
                    folder,
                    id: self.id.clone(),
                };
                (writable, change)
            }
            Kind::Embedded => return Err(read_only()),
            Kind::Draft(draft) => {
                let mut draft = draft.lock().unwrap_or_else(|p| p.into_inner());
                if !draft.writable {
                    return Err(read_only());
                }
                let folder_id = self.folder_id()?;
                let mut whole = draft.whole.clone();
                for recipient in &mut whole.recipients {
                    recipient.retain(|(t, _)| *t != sys::PR_ROWID);
                }
                for attachment in &mut whole.attachments {
                    attachment.retain(|(t, _)| *t != sys::PR_ATTACH_NUM);
                }
                let backend = self.ctx.backend();
                let id = whole.as_data(|data| {
                    backend.save_message(&folder_id, draft.saved.as_deref(), data)
                })?;
                let change = match draft.saved.replace(id.clone()) {
                    None => Change::MessageAdded {
                        folder,
                        id,
                        new_mail: false,
                    },
                    Some(old) if old != id => {
                        self.ctx.raise(Change::MessageRemoved {
                            folder: folder.clone(),
                            id: old,
                        });
                        Change::MessageAdded {
                            folder,
                            id,
                            new_mail: false,
                        }
                    }
                    Some(_) => Change::MessageModified { folder, id },
                };
                if flags & sys::KEEP_OPEN_READONLY != 0 {
                    draft.writable = false;
                }
                let id = draft.saved.clone().unwrap_or_default();
                drop(draft);
                self.ctx.raise(change);
                *self.version.lock().unwrap_or_else(|p| p.into_inner()) =
                    self.ctx.version(&self.folder_key(), &id);
                return Ok(());
            }
        };
        self.ctx.raise(change);
        *self.version.lock().unwrap_or_else(|p| p.into_inner()) =
            self.ctx.version(&self.folder_key(), &self.id);
        if flags & sys::KEEP_OPEN_READONLY != 0 {
            writable.store(false, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Sets `set` and deletes `deleted` on a writable message (nothing saved until
    /// `SaveChanges`): an associated message's own properties, or the changes kept over
    /// a backend message's.
    fn edit(&self, set: &[Cell], deleted: &[ULONG]) -> Result<()> {
        match &self.kind {
            Kind::Kept { cells, writable } if writable.load(Ordering::Relaxed) => {
                let mut cells = cells.lock().unwrap_or_else(|p| p.into_inner());
                let mut all = keep::changed(std::mem::take(&mut *cells), set, &[]);
                all.retain(|(t, _)| !deleted.iter().any(|d| prop_id(*d) == prop_id(*t)));
                *cells = all;
                Ok(())
            }
            Kind::Backend { changes, writable } if writable.load(Ordering::Relaxed) => {
                let mut changes = changes.lock().unwrap_or_else(|p| p.into_inner());
                *changes = keep::changed(std::mem::take(&mut *changes), set, deleted);
                Ok(())
            }
            Kind::Draft(draft) => {
                let mut draft = draft.lock().unwrap_or_else(|p| p.into_inner());
                if !draft.writable {
                    return Err(read_only());
                }
                let mut all = keep::changed(std::mem::take(&mut draft.whole.props), set, &[]);
                all.retain(|(t, _)| !deleted.iter().any(|d| prop_id(*d) == prop_id(*t)));
                draft.whole.props = all;
                Ok(())
            }
            _ => Err(read_only()),
        }
    }
}

impl<B: Backend> Properties for MessageObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let computed = self.computed()?;
        let own = match &self.kind {
            Kind::Kept { cells, .. } => {
                Some(cells.lock().unwrap_or_else(|p| p.into_inner()).clone())
            }
            Kind::Draft(draft) => Some(
                draft
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .whole
                    .props
                    .clone(),
            ),
            _ => None,
        };
        if let Some(cells) = own {
            return StoreContext::<B>::answer_with(
                &computed,
                |more| {
                    let props: Vec<Prop<'_>> = cells
                        .iter()
                        .filter_map(|(t, v)| Prop::new(*t, v.as_value()).ok())
                        .collect();
                    more(&props);
                    Ok(())
                },
                answer,
            );
        }
        // A backend message: the computed properties, then what a client set (both win
        // over the backend's), the backend's without what a client deleted.
        let mut computed = computed;
        let mut deleted = Vec::new();
        if let Kind::Backend { changes, .. } = &self.kind {
            for cell in changes.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                if keep::is_deleted(cell) {
                    deleted.push(prop_id(cell.0));
                } else if !computed.iter().any(|(t, _)| prop_id(*t) == prop_id(cell.0)) {
                    computed.push(cell.clone());
                }
            }
        }
        let folder = self.folder_id()?;
        let backend = self.ctx.backend();
        StoreContext::<B>::answer_with(
            &computed,
            |more| {
                backend.message_properties(&folder, &self.id, &mut |theirs| {
                    if deleted.is_empty() {
                        return more(theirs);
                    }
                    let kept: Vec<Prop<'_>> = theirs
                        .iter()
                        .filter(|p| !deleted.contains(&prop_id(p.tag())))
                        .copied()
                        .collect();
                    more(&kept);
                })
            },
            answer,
        )
    }

    fn set_properties(&self, values: mapi_sync_runtime::props::Props<'_>) -> Result<()> {
        let set: Vec<Cell> = values
            .iter()
            .map(|p| (p.tag(), OwnedValue::from(p.value())))
            .collect();
        self.edit(&set, &[])
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for MessageObject<B> {
    props_methods!();

    unsafe fn SaveChanges(&self, flags: ULONG) -> HRESULT {
        self.last_error.answer(self.save_changes(flags))
    }

    unsafe fn DeleteProps(
        &self,
        tags: sys::LPSPropTagArray,
        problems: *mut sys::LPSPropProblemArray,
    ) -> HRESULT {
        // SAFETY: DeleteProps' contract.
        let r = unsafe { super::entry::delete_props(tags, problems, |tags| self.edit(&[], tags)) };
        self.last_error.answer(r)
    }

    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }

    unsafe fn OpenProperty(
        &self,
        tag: ULONG,
        iid: LPCIID,
        options: ULONG,
        flags: ULONG,
        out: *mut LPUNKNOWN,
    ) -> HRESULT {
        // SAFETY: OpenProperty's contract: `out` null or writable, `iid` null or an IID.
        let r = unsafe {
            super::entry::open_property_out(out, |out| {
                self.open_property(tag, iid, options, flags, out)
            })
        };
        self.last_error.answer(r)
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMessage_Impl for MessageObject<B> {
    unsafe fn GetAttachmentTable(&self, flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        // SAFETY: GetAttachmentTable's contract.
        unsafe { self.give_table(flags, out, || self.attachment_table()) }
    }

    unsafe fn OpenAttach(
        &self,
        num: ULONG,
        iid: LPCIID,
        flags: ULONG,
        out: *mut LPATTACH,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (OpenAttach's contract).
            let mut out = unsafe { Out::new(out.cast::<LPUNKNOWN>()) }?;
            out.clear();
            let known = sys::MAPI_MODIFY | sys::MAPI_BEST_ACCESS | sys::MAPI_DEFERRED_ERRORS;
            if flags & !known != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            let is_draft = matches!(self.kind, Kind::Draft(_));
            if !is_draft && flags & sys::MAPI_MODIFY != 0 && flags & sys::MAPI_BEST_ACCESS == 0 {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "the store is read-only",
                ));
            }
            if let Kind::Draft(draft) = &self.kind {
                let (cells, writable) = {
                    let d = draft.lock().unwrap_or_else(|p| p.into_inner());
                    let cells = d
                        .whole
                        .attachments
                        .iter()
                        .find(|a| new_attach::num_of(a) == Some(num))
                        .cloned()
                        .ok_or_else(|| {
                            Error::with_message(
                                sys::MAPI_E_NOT_FOUND,
                                format!("the message has no attachment {num}"),
                            )
                        })?;
                    (
                        cells,
                        d.writable && flags & (sys::MAPI_MODIFY | sys::MAPI_BEST_ACCESS) != 0,
                    )
                };
                let attach =
                    NewAttachObject::new(self.ctx.clone(), draft.clone(), num, cells, writable);
                // SAFETY: `iid` null or an IID (OpenAttach's contract).
                return unsafe {
                    hand_out(attach.into_unknown(), iid, &sys::IID_IAttach, &mut out)
                };
            }
            let folder = self.folder_id()?;
            let attach = AttachObject::open(
                self.ctx.clone(),
                self.node,
                folder,
                self.id.clone(),
                &self.record_key()?,
                num,
            )?;
            // SAFETY: `iid` null or an IID (OpenAttach's contract).
            unsafe { hand_out(attach.into_unknown(), iid, &sys::IID_IAttach, &mut out) }
        })();
        self.last_error.answer(r)
    }

    unsafe fn CreateAttach(
        &self,
        iid: LPCIID,
        flags: ULONG,
        num: *mut ULONG,
        out: *mut LPATTACH,
    ) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (CreateAttach's contract).
            let (mut out, mut num) =
                unsafe { (Out::new(out.cast::<LPUNKNOWN>())?, Out::new(num)?) };
            out.clear();
            num.write(0);
            if flags & !sys::MAPI_DEFERRED_ERRORS != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            let Kind::Draft(draft) = &self.kind else {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "only a new message takes new attachments",
                ));
            };
            let n = {
                let mut d = draft.lock().unwrap_or_else(|p| p.into_inner());
                if !d.writable {
                    return Err(read_only());
                }
                let n = d.next_attach;
                d.next_attach += 1;
                n
            };
            let cells = vec![(sys::PR_ATTACH_NUM, OwnedValue::Long(n as i32))];
            let attach = NewAttachObject::new(self.ctx.clone(), draft.clone(), n, cells, true);
            // SAFETY: `iid` null or an IID (CreateAttach's contract).
            unsafe { hand_out(attach.into_unknown(), iid, &sys::IID_IAttach, &mut out) }?;
            num.write(n);
            Ok(())
        })();
        self.last_error.answer(r)
    }

    unsafe fn DeleteAttach(
        &self,
        num: ULONG,
        _ui: ULONG_PTR,
        _progress: LPMAPIPROGRESS,
        flags: ULONG,
    ) -> HRESULT {
        let r = (|| {
            if flags & !sys::ATTACH_DIALOG != 0 {
                return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
            }
            let Some(mut draft) = self.draft() else {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "only a new message's attachments can be deleted",
                ));
            };
            if !draft.writable {
                return Err(read_only());
            }
            let before = draft.whole.attachments.len();
            draft
                .whole
                .attachments
                .retain(|a| new_attach::num_of(a) != Some(num));
            if draft.whole.attachments.len() == before {
                return Err(Error::with_message(
                    sys::MAPI_E_NOT_FOUND,
                    format!("the message has no attachment {num}"),
                ));
            }
            Ok(())
        })();
        self.last_error.answer(r)
    }

    unsafe fn GetRecipientTable(&self, flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        // SAFETY: GetRecipientTable's contract.
        unsafe { self.give_table(flags, out, || self.recipient_table()) }
    }

    unsafe fn ModifyRecipients(&self, flags: ULONG, mods: LPADRLIST) -> HRESULT {
        let r = (|| {
            let Some(mut draft) = self.draft() else {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "only a new message's recipients can be changed",
                ));
            };
            if !draft.writable {
                return Err(read_only());
            }
            // SAFETY: null or an ADRLIST (ModifyRecipients' contract), read during the
            // call.
            let mods = unsafe { adr_list(mods) }?;
            let Draft {
                whole, next_row, ..
            } = &mut *draft;
            write::modify_recipients(&mut whole.recipients, next_row, flags, mods)
        })();
        self.last_error.answer(r)
    }

    unsafe fn SubmitMessage(&self, _flags: ULONG) -> HRESULT {
        self.refused()
    }

    unsafe fn SetReadFlag(&self, flags: ULONG) -> HRESULT {
        let r = (|| {
            let Some(read) = crate::keep::read_change(flags)? else {
                return Ok(());
            };
            if matches!(self.kind, Kind::Embedded) {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_SUPPORT,
                    "an embedded message has no read state",
                ));
            }
            if let Some(mut draft) = self.draft() {
                // A new message's flags are its own, saved with it.
                let bit = sys::MSGFLAG_READ as i32;
                let flags = draft.whole.props.iter_mut().find_map(|(t, v)| match v {
                    OwnedValue::Long(f) if *t == sys::PR_MESSAGE_FLAGS => Some(f),
                    _ => None,
                });
                match flags {
                    Some(f) => *f = if read { *f | bit } else { *f & !bit },
                    None => draft.whole.props.push((
                        sys::PR_MESSAGE_FLAGS,
                        OwnedValue::Long(if read { bit } else { 0 }),
                    )),
                }
                return Ok(());
            }
            let folder = self.folder_key();
            let kept_by_backend =
                !self.is_kept() && self.ctx.backend().set_read_state(&folder, &self.id, read)?;
            if kept_by_backend {
                // The backend shows it from now on: so does this object.
                let mut flags = self.flags.lock().unwrap_or_else(|p| p.into_inner());
                let bit = sys::MSGFLAG_READ as i32;
                let f = flags.unwrap_or(0);
                *flags = Some(if read { f | bit } else { f & !bit });
            } else {
                self.ctx.keep().set_read_state(&folder, &self.id, read)?;
            }
            self.ctx.raise(Change::MessageModified {
                folder,
                id: self.id.clone(),
            });
            Ok(())
        })();
        self.last_error.answer(r)
    }
}

/// The entries of `mods` (an `ADRLIST`), each one's properties: `MAPI_E_INVALID_PARAMETER`
/// for a null list, and what [`Rows::from_raw`](mapi_sync_runtime::props::Rows::from_raw)
/// refuses in an entry.
///
/// # Safety
/// `mods` null or an `ADRLIST` valid for the call.
unsafe fn adr_list(mods: LPADRLIST) -> Result<Vec<Vec<Cell>>> {
    // An ADRLIST is an SRowSet by another name ("IMessage::ModifyRecipients": "because the
    // SRowSet structure is identical to ADRLIST, they can be used interchangeably"): the
    // same fields, widths and places (the sizes checked here, the places by the test
    // below: `offset_of!` is newer than the supported Rust).
    const _: () = assert!(std::mem::size_of::<sys::ADRENTRY>() == std::mem::size_of::<sys::SRow>());
    // SAFETY: null or a list with the layout of an SRowSet (checked above), valid for the
    // call (the caller's contract).
    let rows = unsafe { mapi_sync_runtime::props::Rows::from_raw(mods.cast_const().cast()) }?;
    Ok(rows
        .iter()
        .map(|props| {
            props
                .iter()
                .map(|p| (p.tag(), OwnedValue::from(p.value())))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::sys;
    use std::mem::offset_of;

    #[test]
    fn an_adrlist_has_the_places_of_an_srowset() {
        assert_eq!(
            offset_of!(sys::ADRENTRY, cValues),
            offset_of!(sys::SRow, cValues)
        );
        assert_eq!(
            offset_of!(sys::ADRENTRY, rgPropVals),
            offset_of!(sys::SRow, lpProps)
        );
        assert_eq!(
            offset_of!(sys::ADRLIST, cEntries),
            offset_of!(sys::SRowSet, cRows)
        );
        assert_eq!(
            offset_of!(sys::ADRLIST, aEntries),
            offset_of!(sys::SRowSet, aRow)
        );
    }
}
