//! [`MessageObject`]: `IMessage` on a backend message, reading (writes, attachments,
//! recipients and streams come with another issue): its properties are the backend's
//! beside the computed ones, and its attachment and recipient tables are empty.

use std::sync::Arc;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::{Prop, Properties};
use mapi_sync_runtime::sys::{
    self, IMAPIProp_Impl, IMessage_Impl, HRESULT, LPMAPIERROR, LPMAPITABLE, ULONG,
};
use mapi_sync_runtime::{Error, Object, Out, Result};

use super::entry::{props_methods, LastError};
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
