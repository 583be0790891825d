//! [`NewAttachObject`]: `IAttach` on an attachment of a message a client is making
//! (`IMessage::CreateAttach`, or `OpenAttach` of one made before): its properties are
//! set with `SetProps` and written streams (`OpenProperty(PR_ATTACH_DATA_BIN,
//! IID_IStream, …, MAPI_CREATE | MAPI_MODIFY)`), and go into the message at the
//! attachment's `SaveChanges`, as MAPI's attachments are transacted; the message's own
//! `SaveChanges` then hands them to the backend.

use std::sync::{Arc, Mutex};

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::props::{prop_id, OwnedValue, Prop, Properties};
use mapi_sync_runtime::sys::{
    self, IAttach_Impl, IMAPIProp_Impl, HRESULT, LPCIID, LPMAPIERROR, LPUNKNOWN, ULONG,
};
use mapi_sync_runtime::{Error, Object, Out, Result};

use super::entry::{props_methods, LastError};
use super::message::{check_stream_request, give_stream, stream_bytes, Draft};
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::table::Cell;
use crate::write;

/// An attachment of a message a client is making.
#[mapi_object(IAttach, crate = mapi_sync_runtime)]
pub struct NewAttachObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    /// The message's draft, which `SaveChanges` writes the attachment into.
    draft: Arc<Mutex<Draft>>,
    num: u32,
    /// Its properties as set so far (shared with the streams written on them).
    cells: Arc<Mutex<Vec<Cell>>>,
    writable: bool,
    last_error: LastError,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The `PR_ATTACH_NUM` among `cells`.
pub(super) fn num_of(cells: &[Cell]) -> Option<u32> {
    cells.iter().find_map(|(t, v)| match v {
        OwnedValue::Long(n) if *t == sys::PR_ATTACH_NUM => Some(*n as u32),
        _ => None,
    })
}

impl<B: Backend> NewAttachObject<B> {
    /// Attachment `num` of `draft`, with `cells` (its properties so far).
    pub(super) fn new(
        ctx: Arc<StoreContext<B>>,
        draft: Arc<Mutex<Draft>>,
        num: u32,
        cells: Vec<Cell>,
        writable: bool,
    ) -> Object<NewAttachObject<B>> {
        Object::new(NewAttachObject {
            ctx,
            draft,
            num,
            cells: Arc::new(Mutex::new(cells)),
            writable,
            last_error: LastError::default(),
        })
    }

    fn refused() -> Error {
        Error::with_message(sys::MAPI_E_NO_ACCESS, "the attachment is read-only")
    }

    /// `SaveChanges`: its properties into the message (replacing what the message had
    /// of it).
    fn save(&self, flags: ULONG) -> Result<()> {
        let known = sys::KEEP_OPEN_READONLY
            | sys::KEEP_OPEN_READWRITE
            | sys::FORCE_SAVE
            | sys::MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(Error::new(sys::MAPI_E_UNKNOWN_FLAGS));
        }
        if !self.writable {
            return Err(Self::refused());
        }
        let cells = lock(&self.cells).clone();
        let mut draft = lock(&self.draft);
        let attachments = &mut draft.whole.attachments;
        match attachments.iter_mut().find(|a| num_of(a) == Some(self.num)) {
            Some(at) => *at = cells,
            None => attachments.push(cells),
        }
        Ok(())
    }

    /// `OpenProperty(tag, IID_IStream, …)`: a stream on one of its properties, written
    /// into its properties at `Commit` and when the stream goes.
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
        let writes = unsafe { check_stream_request(tag, iid, options, flags, self.writable) }?;
        if !writes {
            // SAFETY: checked above: an IID.
            return unsafe { give_stream(None, || stream_bytes(self, tag), iid, out) };
        }
        let start = if flags & sys::MAPI_CREATE != 0 {
            Vec::new()
        } else {
            stream_bytes(self, tag)?
        };
        let cells = self.cells.clone();
        let writer = write::PropertyWriter::new(start, move |bytes| {
            if let Some(value) = write::value_of_stream(tag, bytes) {
                let mut cells = lock(&cells);
                *cells = write::set_cell(std::mem::take(&mut *cells), tag, value);
            }
        });
        let stream = mapi_sync_runtime::stream::Stream::writable(writer);
        // SAFETY: checked above: an IID.
        unsafe { give_stream(Some(stream), || Ok(Vec::new()), iid, out) }
    }
}

impl<B: Backend> Properties for NewAttachObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let cells = lock(&self.cells).clone();
        let computed = [
            (sys::PR_ATTACH_NUM, OwnedValue::Long(self.num as i32)),
            (
                sys::PR_OBJECT_TYPE,
                OwnedValue::Long(sys::MAPI_ATTACH as i32),
            ),
            (
                sys::PR_ACCESS_LEVEL,
                OwnedValue::Long((ULONG::from(self.writable) * sys::MAPI_MODIFY) as i32),
            ),
        ];
        let props: Vec<Prop<'_>> = computed
            .iter()
            .chain(
                cells
                    .iter()
                    .filter(|(t, _)| !computed.iter().any(|(c, _)| prop_id(*c) == prop_id(*t))),
            )
            .filter_map(|(tag, value)| Prop::new(*tag, value.as_value()).ok())
            .collect();
        answer(&props);
        Ok(())
    }

    fn set_properties(&self, values: mapi_sync_runtime::props::Props<'_>) -> Result<()> {
        if !self.writable {
            return Err(Self::refused());
        }
        let set: Vec<Cell> = values
            .iter()
            .map(|p| (p.tag(), OwnedValue::from(p.value())))
            .collect();
        let mut cells = lock(&self.cells);
        *cells = crate::keep::changed(std::mem::take(&mut *cells), &set, &[]);
        Ok(())
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for NewAttachObject<B> {
    props_methods!();

    unsafe fn SaveChanges(&self, flags: ULONG) -> HRESULT {
        self.last_error.answer(self.save(flags))
    }

    unsafe fn DeleteProps(
        &self,
        tags: sys::LPSPropTagArray,
        problems: *mut sys::LPSPropProblemArray,
    ) -> HRESULT {
        // SAFETY: DeleteProps' contract.
        let r = unsafe {
            super::entry::delete_props(tags, problems, |tags| {
                if !self.writable {
                    return Err(Self::refused());
                }
                lock(&self.cells).retain(|(t, _)| !tags.iter().any(|d| prop_id(*d) == prop_id(*t)));
                Ok(())
            })
        };
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
                self.open_stream(tag, iid, options, flags, out)
            })
        };
        self.last_error.answer(r)
    }
}

impl<B: Backend> IAttach_Impl for NewAttachObject<B> {}
