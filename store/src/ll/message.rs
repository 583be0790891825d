//! [`MessageObject`]: `IMessage` on a backend message, reading (writes, attachments and
//! recipients come with another issue): its properties are the backend's beside the
//! computed ones, its binary and string properties open as streams
//! (`OpenProperty(…, IID_IStream)`), and its attachment and recipient tables are empty.

use std::io::Cursor;
use std::sync::Arc;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::Properties;
use mapi_sync_runtime::props::{convert, prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::stream::Stream;
use mapi_sync_runtime::sys::{
    self, ComInterface, IMAPIProp_Impl, IMessage_Impl, HRESULT, LPCIID, LPMAPIERROR, LPMAPITABLE,
    LPUNKNOWN, ULONG,
};
use mapi_sync_runtime::{Error, Object, Out, Result};

use super::entry::{hand_out, props_methods, LastError};
use super::table::TableObject;
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::EntryId;
use crate::identity;
use crate::table::{MemorySource, Table, TableType};
use crate::tree::Node;

/// A message of the store.
#[mapi_object(IMessage, crate = mapi_sync_runtime)]
pub struct MessageObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    node: Node,
    id: Vec<u8>,
    last_error: LastError,
}

impl<B: Backend> MessageObject<B> {
    /// Message `id` of folder `node`: `MAPI_E_NOT_FOUND` if the backend does not have it
    /// (its properties are read once, now, to find out).
    pub fn open(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        id: Vec<u8>,
    ) -> Result<Object<MessageObject<B>>> {
        let message = MessageObject {
            ctx,
            node,
            id,
            last_error: LastError::default(),
        };
        message.properties(&mut |_| {})?;
        Ok(Object::new(message))
    }

    fn folder_id(&self) -> Result<Vec<u8>> {
        match self.node {
            Node::Backend(i) => Ok(self.ctx.tree().folders()[i].id.clone()),
            Node::Supplied(_) => Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    /// An empty table of `columns`, for what this message does not have yet.
    fn empty_table(&self, columns: &[ULONG], out: *mut LPMAPITABLE) -> HRESULT {
        let r = (|| {
            // SAFETY: null or writable (the table method's contract).
            let mut out = unsafe { Out::new(out) }?;
            out.clear();
            let table = Table::new(MemorySource::new(), columns.to_vec(), TableType::Dynamic)?;
            out.write(
                TableObject::new(table, self.ctx.allocators())
                    .cast::<sys::IMAPITable>()?
                    .into(),
            );
            Ok(())
        })();
        self.last_error.answer(r)
    }
}

impl<B: Backend> MessageObject<B> {
    /// `OpenProperty(tag, iid, options, flags)`: a read-only stream on a binary or
    /// string property (see [`Backend::message_stream`]).
    ///
    /// # Safety
    /// `iid` null or an IID valid for the call.
    unsafe fn open_stream(
        &self,
        tag: ULONG,
        iid: LPCIID,
        options: ULONG,
        flags: ULONG,
        out: &mut Out<'_, LPUNKNOWN>,
    ) -> Result<()> {
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
        let writes = sys::STGM_WRITE | sys::STGM_READWRITE | sys::STGM_CREATE;
        if flags & (sys::MAPI_CREATE | sys::MAPI_MODIFY) != 0 || options & writes != 0 {
            return Err(Error::with_message(
                sys::MAPI_E_NO_ACCESS,
                "the store is read-only",
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
        let folder = self.folder_id()?;
        let stream = match self.ctx.backend().message_stream(&folder, &self.id, tag)? {
            Some(stream) => stream,
            None => Stream::read_only(Cursor::new(self.stream_bytes(tag)?)),
        };
        let unknown = stream
            .into_istream()
            .cast::<sys::IUnknown>()
            .map_err(Error::new)?;
        // SAFETY: `iid` is an IID (the caller's contract).
        unsafe { hand_out(unknown, iid, &sys::IID_IStream, out) }
    }

    /// The bytes a stream on `tag` serves from the message's properties: its value of
    /// that identifier in `tag`'s type (a string converted to the other string type as
    /// `GetProps` converts it), `MAPI_E_NOT_FOUND` if it has none.
    fn stream_bytes(&self, tag: ULONG) -> Result<Vec<u8>> {
        let want = prop_type(tag);
        let mut found = None;
        self.properties(&mut |props| {
            if let Some(p) = props.iter().find(|p| prop_id(p.tag()) == prop_id(tag)) {
                found = bytes_of(p.value(), want);
            }
        })?;
        found.ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                format!("the message has no property {tag:#010X}"),
            )
        })
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

impl<B: Backend> Properties for MessageObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let folder = self.folder_id()?;
        let tree = self.ctx.tree();
        let id = EntryId::message(self.ctx.info().uid, &folder, &self.id)?;
        let computed = identity::message(&id, &tree.entry_id(self.node), tree.store_entry_id());
        let backend = self.ctx.backend();
        StoreContext::<B>::answer_with(
            &computed,
            |more| backend.message_properties(&folder, &self.id, more),
            answer,
        )
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for MessageObject<B> {
    props_methods!();

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
        let r = (|| {
            // SAFETY: null or writable (OpenProperty's contract).
            let mut out = unsafe { Out::new(out) }?;
            out.clear();
            // SAFETY: null or an IID (OpenProperty's contract).
            unsafe { self.open_stream(tag, iid, options, flags, &mut out) }
        })();
        self.last_error.answer(r)
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMessage_Impl for MessageObject<B> {
    unsafe fn GetAttachmentTable(&self, _flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        self.empty_table(
            &[
                sys::PR_ATTACH_NUM,
                sys::PR_INSTANCE_KEY,
                sys::PR_ATTACH_LONG_FILENAME_W,
            ],
            out,
        )
    }

    unsafe fn GetRecipientTable(&self, _flags: ULONG, out: *mut LPMAPITABLE) -> HRESULT {
        self.empty_table(
            &[
                sys::PR_ROWID,
                sys::PR_INSTANCE_KEY,
                sys::PR_DISPLAY_NAME_W,
                sys::PR_RECIPIENT_TYPE,
            ],
            out,
        )
    }

    unsafe fn SetReadFlag(&self, _flags: ULONG) -> HRESULT {
        self.last_error.answer(Err(Error::with_message(
            sys::MAPI_E_NO_ACCESS,
            "the store is read-only",
        )))
    }
}
