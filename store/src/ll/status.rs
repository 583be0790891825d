//! The store's status: its row in MAPI's status table (`IMAPISupport::ModifyStatusRow`,
//! at logon and at each change of [`Status`]) and its status object
//! ([`StatusObject`], `IMAPIStatus`, from `IMSLogon::OpenStatusEntry`), as "Status
//! Table", "IMAPIStatus : IMAPIProp" and "Message Store Features" describe them.
//!
//! | property | value |
//! |---|---|
//! | `PR_DISPLAY_NAME`, `PR_PROVIDER_DISPLAY` | the store's name |
//! | `PR_RESOURCE_METHODS` | `STATUS_VALIDATE_STATE`: the one method it supports |
//! | `PR_STATUS_CODE`, `PR_STATUS_STRING` | the [`Status`]: available; active while a sync runs; offline or failed after one that failed |
//! | `PR_RESOURCE_TYPE` (status object) | `MAPI_STORE_PROVIDER` |
//! | `PR_OBJECT_TYPE` (status object) | `MAPI_STATUS` |
//!
//! `ValidateState` reads the backend's folders again and writes the status row afresh
//! (`S_OK`); `SettingsDialog`, `ChangePassword` and `FlushQueues` answer
//! `MAPI_E_NO_SUPPORT`, as the page asks of a status object whose
//! `PR_RESOURCE_METHODS` does not list them (a framework store has no dialog, no
//! password of MAPI's and no queues).

use std::sync::Arc;

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{Prop, PropArray, PropValue, Properties};
use mapi_sync_runtime::sys::{
    self, IMAPIProp_Impl, IMAPIStatus_Impl, IMAPISupport, HRESULT, LPMAPIERROR, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, FreeThreaded, Object, Result};

use super::entry::{props_methods, LastError};
use crate::backend::{Backend, StoreInfo};
use crate::context::{Status, StoreContext};

/// The row's values (and the status object's, but for its type and object type).
fn row<'a>(info: &'a StoreInfo, status: &'a Status) -> Result<Vec<Prop<'a>>> {
    let name = info.display_name.as_str();
    Ok(vec![
        Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name))?,
        Prop::new(sys::PR_PROVIDER_DISPLAY_W, PropValue::Str(name))?,
        Prop::new(
            sys::PR_RESOURCE_METHODS,
            PropValue::Long(sys::STATUS_VALIDATE_STATE as i32),
        )?,
        Prop::new(sys::PR_STATUS_CODE, PropValue::Long(status.code as i32))?,
        Prop::new(sys::PR_STATUS_STRING_W, PropValue::Str(&status.text))?,
    ])
}

/// `IMAPISupport::ModifyStatusRow` with the store's row; `update` merges it into the one
/// there (`STATUSROW_UPDATE`). A host without a status table (`MAPI_E_NO_SUPPORT`) is no
/// error: the row is what the store shows, not what it needs to work.
pub(crate) fn modify_row(
    support: &IMAPISupport,
    info: &StoreInfo,
    status: &Status,
    update: bool,
) -> Result<()> {
    // The support object copies the row; the array is freed here.
    let values = PropArray::write(Allocators::local(), &row(info, status)?)?;
    let slice = values.as_slice();
    let flags = if update { sys::STATUSROW_UPDATE } else { 0 };
    // SAFETY: `slice.len()` values alive for the call.
    let hr =
        unsafe { support.ModifyStatusRow(slice.len() as ULONG, slice.as_ptr().cast_mut(), flags) };
    match hr {
        sys::S_OK | sys::MAPI_E_NO_SUPPORT => Ok(()),
        hr => Err(Error::with_message(
            hr,
            "IMAPISupport::ModifyStatusRow failed",
        )),
    }
}

/// Makes `ctx`'s status changes update the row through `support` (until the logon's
/// `Logoff` removes it).
pub(crate) fn follow<B: Backend>(ctx: &StoreContext<B>, support: Arc<FreeThreaded<IMAPISupport>>) {
    ctx.set_status_sink(Some(Box::new(move |info, status| {
        // A row that cannot be written now is written at the next change.
        let _ = modify_row(&support, info, status, true);
    })));
}

/// The store's status object: `IMAPIStatus` (see the [module](self)).
#[mapi_object(IMAPIStatus, crate = mapi_sync_runtime)]
pub struct StatusObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    last_error: LastError,
}

impl<B: Backend> StatusObject<B> {
    /// The status object of `ctx`.
    pub fn new(ctx: Arc<StoreContext<B>>) -> Object<StatusObject<B>> {
        Object::new(StatusObject {
            ctx,
            last_error: LastError::default(),
        })
    }
}

impl<B: Backend> Properties for StatusObject<B> {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let status = self.ctx.status();
        let mut all = row(self.ctx.info(), &status)?;
        all.push(Prop::new(
            sys::PR_RESOURCE_TYPE,
            PropValue::Long(sys::MAPI_STORE_PROVIDER as i32),
        )?);
        all.push(Prop::new(
            sys::PR_OBJECT_TYPE,
            PropValue::Long(sys::MAPI_STATUS as i32),
        )?);
        answer(&all);
        Ok(())
    }

    fn allocators(&self) -> Allocators {
        self.ctx.allocators()
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIProp_Impl for StatusObject<B> {
    props_methods!();

    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }
}

#[allow(non_snake_case)]
impl<B: Backend> IMAPIStatus_Impl for StatusObject<B> {
    unsafe fn ValidateState(&self, _ui: ULONG_PTR, _flags: ULONG) -> HRESULT {
        let r = self.ctx.refresh_folders().map(|()| {
            let status = self.ctx.status();
            self.ctx.set_status(status);
        });
        self.last_error.answer(r)
    }

    unsafe fn SettingsDialog(&self, _ui: ULONG_PTR, _flags: ULONG) -> HRESULT {
        self.last_error.answer(Err(Error::with_message(
            sys::MAPI_E_NO_SUPPORT,
            "the store has no settings dialog (PR_RESOURCE_METHODS lacks STATUS_SETTINGS_DIALOG)",
        )))
    }

    unsafe fn ChangePassword(
        &self,
        _old: sys::LPTSTR,
        _new: sys::LPTSTR,
        _flags: ULONG,
    ) -> HRESULT {
        self.last_error.answer(Err(Error::with_message(
            sys::MAPI_E_NO_SUPPORT,
            "the store has no password of MAPI's (PR_RESOURCE_METHODS lacks STATUS_CHANGE_PASSWORD)",
        )))
    }

    unsafe fn FlushQueues(
        &self,
        _ui: ULONG_PTR,
        _cb: ULONG,
        _target: sys::LPENTRYID,
        _flags: ULONG,
    ) -> HRESULT {
        self.last_error.answer(Err(Error::with_message(
            sys::MAPI_E_NO_SUPPORT,
            "the store has no queues (PR_RESOURCE_METHODS lacks STATUS_FLUSH_QUEUES)",
        )))
    }
}
