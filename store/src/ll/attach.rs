//! [`AttachObject`]: `IAttach` on an attachment of a backend message, reading: its
//! properties are what [`Backend::attachments`] gives beside the computed ones (see
//! [`subobjects`]), its data opens as a stream
//! (`OpenProperty(PR_ATTACH_DATA_BIN, IID_IStream)`, or any binary or string property),
//! and the message it embeds as an `IMessage` (`OpenProperty(PR_ATTACH_DATA_OBJ,
//! IID_IMessage)`, for `ATTACH_EMBEDDED_MSG`).

use std::sync::Arc;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::{Prop, Properties};
use mapi_sync_runtime::sys::{
    self, ComInterface, IAttach_Impl, IMAPIProp_Impl, HRESULT, LPCIID, LPMAPIERROR, LPUNKNOWN,
    ULONG,
};
use mapi_sync_runtime::{Error, Object, Out, Result};

use super::entry::{hand_out, props_methods, LastError};
use super::message::{check_stream_request, give_stream, stream_bytes, MessageObject};
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::subobjects;
use crate::table::Cell;
use crate::tree::Node;

/// An attachment of a message of the store.
#[mapi_object(IAttach, crate = mapi_sync_runtime)]
pub struct AttachObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    /// The folder of its message (of the message it is embedded in, for an embedded one).
    node: Node,
    folder: Vec<u8>,
    message: Vec<u8>,
    num: u32,
    /// Its properties, read when it opened.
    cells: Vec<Cell>,
    last_error: LastError,
}

impl<B: Backend> AttachObject<B> {
    /// Attachment `num` of message `message` of folder `folder` (tree node `node`), whose
    /// record key is `message_key`: `MAPI_E_NOT_FOUND` if it has no such attachment.
    pub fn open(
        ctx: Arc<StoreContext<B>>,
        node: Node,
        folder: Vec<u8>,
        message: Vec<u8>,
        message_key: &[u8],
        num: u32,
    ) -> Result<Object<AttachObject<B>>> {
        let cells = subobjects::attachment(&**ctx.backend(), &folder, &message, message_key, num)?
            .ok_or_else(|| {
                Error::with_message(
                    sys::MAPI_E_NOT_FOUND,
                    format!("the message has no attachment {num}"),
                )
            })?;
        Ok(Object::new(AttachObject {
            ctx,
            node,
            folder,
            message,
            num,
            cells,
            last_error: LastError::default(),
        }))
    }

    /// `OpenProperty(tag, iid, options, flags)`: the embedded message, or a stream.
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
        // SAFETY: null or an IID (the caller's contract).
        let asked = unsafe { iid.as_ref() };
        if tag == sys::PR_ATTACH_DATA_OBJ && asked.is_some_and(sys::IMessage::matches) {
            if flags & (sys::MAPI_CREATE | sys::MAPI_MODIFY) != 0 {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_ACCESS,
                    "the store is read-only",
                ));
            }
            let backend = self.ctx.backend();
            let id = backend.embedded_message(&self.folder, &self.message, self.num)?;
            let message = MessageObject::embedded(self.ctx.clone(), self.node, id)?;
            // SAFETY: `iid` is an IID (checked above).
            return unsafe { hand_out(message.into_unknown(), iid, &sys::IID_IMessage, out) };
        }
        // SAFETY: as above.
        unsafe { check_stream_request(tag, iid, options, flags, false) }?;
        let stream =
            self.ctx
                .backend()
                .attachment_stream(&self.folder, &self.message, self.num, tag)?;
        // SAFETY: checked above: an IID.
        unsafe { give_stream(stream, || stream_bytes(self, tag), iid, out) }
    }
}

impl<B: Backend> Properties for AttachObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let props: Vec<Prop<'_>> = self
            .cells
            .iter()
            .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok())
            .collect();
        answer(&props);
        Ok(())
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for AttachObject<B> {
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
        // SAFETY: OpenProperty's contract: `out` null or writable, `iid` null or an IID.
        let r = unsafe {
            super::entry::open_property_out(out, |out| {
                self.open_property(tag, iid, options, flags, out)
            })
        };
        self.last_error.answer(r)
    }
}

impl<B: Backend> IAttach_Impl for AttachObject<B> {}
