//! The store's side of logging on: [`ProviderObject`] (`IMSProvider`: `Logon` makes the
//! backend and hands out the store and its logon object) and [`LogonObject`]
//! (`IMSLogon`), as the IMSProvider::Logon and IMSLogon pages document them; with
//! [`store_provider!`](crate::store_provider) exporting `MSProviderInit` for them.
//!
//! What `Logon` does (the rest of the contract, the service entry and the profile, is
//! the service plumbing's):
//!
//! 1. `MAPI_E_INVALID_PARAMETER` for a null support object or out-pointer; every
//!    out-pointer is NULL (or 0) after a failure;
//! 2. the provider's closure makes the backend from the [`LogonRequest`] (its error is
//!    returned as it is: `MAPI_E_UNCONFIGURED` when the profile lacks what it needs);
//! 3. an entry id given must be this store's (`MAPI_E_UNKNOWN_ENTRYID` otherwise);
//! 4. the store's `MAPIUID` is registered with `IMAPISupport::SetProviderUID`, so MAPI
//!    routes its entry ids here, and the support object is kept (`AddRef`) until
//!    `IMSLogon::Logoff`;
//! 5. `*lppMDB` gets the store (`IMsgStore`, or `lpInterface`'s interface of it),
//!    `*lppMSLogon` its logon object; no spooler security, no `MAPIERROR`.

use std::sync::{Arc, Mutex};

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::service::ProfileSection;
use mapi_sync_runtime::sys::{
    self, IMAPISupport, IMSLogon, IMSLogon_Impl, IMSProvider_Impl, HRESULT, LPBYTE, LPCIID,
    LPENTRYID, LPMAPIERROR, LPMAPISUP, LPMDB, LPMSLOGON, LPTSTR, LPUNKNOWN, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, FreeThreaded, Object, Out, Result};

use super::entry::{self, compare_entry_ids_method, open_entry_method, LastError};
use super::status::{self, StatusObject};
use super::store::StoreObject;
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::{EntryId, Target};
use crate::service::Settings;

/// What a logon asks of the provider's closure.
#[derive(Debug)]
pub struct LogonRequest<'a> {
    /// The store's entry id as the profile holds it (empty when there is none yet).
    pub entry_id: &'a [u8],
    /// `Logon`'s flags (`MDB_NO_DIALOG`, `MDB_WRITE`, `MDB_NO_MAIL`, `MAPI_UNICODE`, …).
    pub flags: ULONG,
    /// The store's settings from its profile section (those `store_provider!` was given;
    /// empty for a store without settings, or a host without profile sections).
    pub settings: &'a Settings,
}

/// What a logon hands out: the store and its logon object.
type LoggedOn<B> = (Object<StoreObject<B>>, Object<LogonObject<B>>);

/// `IMSProvider` of a framework store: `make` builds the backend at each logon.
#[mapi_object(IMSProvider, crate = mapi_sync_runtime)]
pub struct ProviderObject<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static>
{
    allocators: Allocators,
    settings: &'static [ULONG],
    make: F,
    _backend: std::marker::PhantomData<fn() -> B>,
}

impl<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static>
    ProviderObject<B, F>
{
    /// The provider object: answers in memory from `allocators`, makes backends with
    /// `make`.
    pub fn new(allocators: Allocators, make: F) -> Object<ProviderObject<B, F>> {
        Self::with_settings(allocators, &[], make)
    }

    /// The same, for a store whose `settings` are read from its profile section at each
    /// logon ([`LogonRequest::settings`]).
    pub fn with_settings(
        allocators: Allocators,
        settings: &'static [ULONG],
        make: F,
    ) -> Object<ProviderObject<B, F>> {
        Object::new(ProviderObject {
            allocators,
            settings,
            make,
            _backend: std::marker::PhantomData,
        })
    }

    /// The settings the provider's profile section holds. A host that has no profile
    /// sections (`MAPI_E_NO_SUPPORT`) gives none.
    fn read_settings(&self, support: &IMAPISupport) -> Result<Settings> {
        if self.settings.is_empty() {
            return Ok(Settings::default());
        }
        match ProfileSection::of_provider(support, self.allocators, false) {
            Ok(section) => Settings::read(&section, self.settings),
            Err(e) if e.code() == sys::MAPI_E_NO_SUPPORT => Ok(Settings::default()),
            Err(e) => Err(e),
        }
    }

    /// Steps 2 to 4: the logged-on store and its logon object.
    fn log_on(&self, support: &IMAPISupport, request: &LogonRequest<'_>) -> Result<LoggedOn<B>> {
        let ctx = StoreContext::new((self.make)(request)?, self.allocators)?;
        let uid = ctx.info().uid;
        if !request.entry_id.is_empty()
            && *EntryId::parse(request.entry_id, uid)?.target() != Target::Store
        {
            return Err(Error::with_message(
                sys::MAPI_E_UNKNOWN_ENTRYID,
                "not this store's entry id",
            ));
        }
        let mut mapi_uid = sys::MAPIUID { ab: uid.0 };
        // SAFETY: a MAPIUID alive for the call.
        let hr = unsafe { support.SetProviderUID(&mut mapi_uid, 0) };
        if hr != sys::S_OK {
            return Err(Error::with_message(
                hr,
                "IMAPISupport::SetProviderUID failed",
            ));
        }
        // The store's row in MAPI's status table, kept current from now on (status.rs).
        status::modify_row(support, ctx.info(), &ctx.status(), false)?;
        // SAFETY: MAPI's support object may be called from any thread (it is free-threaded).
        // One reference, shared by the logon object and the status row.
        let support = Arc::new(unsafe { FreeThreaded::new(support.clone()) });
        status::follow(&ctx, support.clone());
        let logon = Object::new(LogonObject {
            ctx: ctx.clone(),
            support: Mutex::new(Some(support)),
            last_error: LastError::default(),
        });
        Ok((StoreObject::new(ctx), logon))
    }
}

#[allow(non_snake_case)]
impl<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static> IMSProvider_Impl
    for ProviderObject<B, F>
{
    unsafe fn Shutdown(&self, _flags: *mut ULONG) -> HRESULT {
        sys::S_OK
    }

    unsafe fn Logon(
        &self,
        support: LPMAPISUP,
        _ui: ULONG_PTR,
        _profile: LPTSTR,
        cb: ULONG,
        eid: LPENTRYID,
        flags: ULONG,
        iid: LPCIID,
        cb_security: *mut ULONG,
        security: *mut LPBYTE,
        error: *mut LPMAPIERROR,
        logon_out: *mut LPMSLOGON,
        store_out: *mut LPMDB,
    ) -> HRESULT {
        // SAFETY: optional out-pointers, null or writable (Logon's contract).
        unsafe {
            if let Ok(mut c) = Out::new(cb_security) {
                c.write(0);
            }
            if let Ok(mut s) = Out::new(security) {
                s.clear();
            }
        }
        // SAFETY: Logon's contract.
        unsafe { self.logon_call(support, (cb, eid), flags, iid, error, logon_out, store_out) }
    }

    unsafe fn SpoolerLogon(
        &self,
        support: LPMAPISUP,
        _ui: ULONG_PTR,
        _profile: LPTSTR,
        cb: ULONG,
        eid: LPENTRYID,
        flags: ULONG,
        iid: LPCIID,
        _cb_security: ULONG,
        _security: LPBYTE,
        error: *mut LPMAPIERROR,
        logon_out: *mut LPMSLOGON,
        store_out: *mut LPMDB,
    ) -> HRESULT {
        // The spooler's logon hands out the store and a logon object as Logon does.
        // SAFETY: SpoolerLogon's contract (Logon's, without the security out-pointers).
        unsafe { self.logon_call(support, (cb, eid), flags, iid, error, logon_out, store_out) }
    }
}

impl<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static>
    ProviderObject<B, F>
{
    /// `Logon`'s and `SpoolerLogon`'s common body.
    ///
    /// # Safety
    /// Their contract.
    #[allow(clippy::too_many_arguments)]
    unsafe fn logon_call(
        &self,
        support: LPMAPISUP,
        (cb, eid): (ULONG, LPENTRYID),
        flags: ULONG,
        iid: LPCIID,
        error: *mut LPMAPIERROR,
        logon_out: *mut LPMSLOGON,
        store_out: *mut LPMDB,
    ) -> HRESULT {
        let result = (|| -> Result<()> {
            // SAFETY: null or writable (the caller's contract).
            let mut outs = unsafe { (Out::new(logon_out)?, Out::new(store_out)?) };
            outs.0.clear();
            outs.1.clear();
            // SAFETY: optional, null or writable.
            if let Ok(mut e) = unsafe { Out::new(error) } {
                e.clear();
            }
            // SAFETY: null or a live support object for the call (the caller's contract).
            let support = unsafe { support.get() }
                .ok_or_else(|| {
                    Error::with_message(sys::MAPI_E_INVALID_PARAMETER, "no support object")
                })?
                .clone();
            // SAFETY: the caller's entry id.
            let entry_id = unsafe { entry::entry_id_bytes(cb, eid) }?;
            let settings = self.read_settings(&support)?;
            let request = LogonRequest {
                entry_id,
                flags,
                settings: &settings,
            };
            let (store, logon) = self.log_on(&support, &request)?;
            let mut unknown: LPUNKNOWN = sys::InterfacePtr::null();
            // SAFETY: a local place; `iid` null or an IID (the caller's contract).
            unsafe {
                let mut handed = Out::new(&mut unknown as *mut LPUNKNOWN)?;
                entry::hand_out(store.into_unknown(), iid, &sys::IID_IMsgStore, &mut handed)?;
            }
            let logon: IMSLogon = logon.cast()?;
            // The store's interface pointer is an LPMDB place's value (one pointer).
            outs.1.write(sys::InterfacePtr::from_raw(unknown.as_raw()));
            outs.0.write(logon.into());
            Ok(())
        })();
        match result {
            Ok(()) => sys::S_OK,
            Err(e) => e.code(),
        }
    }
}

/// `IMSLogon` of a logged-on store.
#[mapi_object(IMSLogon, crate = mapi_sync_runtime)]
pub struct LogonObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    /// MAPI's support object, kept from `Logon` to `Logoff`.
    support: Mutex<Option<Arc<FreeThreaded<IMAPISupport>>>>,
    last_error: LastError,
}

#[allow(non_snake_case)]
impl<B: Backend> IMSLogon_Impl for LogonObject<B> {
    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }

    unsafe fn Logoff(&self, _flags: *mut ULONG) -> HRESULT {
        // The support object is released here, as the page asks (also the status row's
        // reference to it).
        self.ctx.set_status_sink(None);
        self.support
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        sys::S_OK
    }

    unsafe fn OpenStatusEntry(
        &self,
        iid: sys::LPCIID,
        _flags: ULONG,
        kind: *mut ULONG,
        out: *mut *mut std::ffi::c_void,
    ) -> HRESULT {
        let r = (|| -> Result<()> {
            // SAFETY: null or writable (OpenStatusEntry's contract).
            let (mut kind, mut out) = unsafe { (Out::new(kind)?, Out::new(out)?) };
            out.write(std::ptr::null_mut());
            kind.write(0);
            let mut unknown: LPUNKNOWN = sys::InterfacePtr::null();
            // SAFETY: a local place; `iid` null or an IID (the caller's contract).
            unsafe {
                let mut handed = Out::new(&mut unknown as *mut LPUNKNOWN)?;
                let object = StatusObject::new(self.ctx.clone()).into_unknown();
                entry::hand_out(object, iid, &sys::IID_IMAPIStatus, &mut handed)?;
            }
            // The status object's pointer, of the interface asked for.
            out.write(unknown.as_raw());
            kind.write(sys::MAPI_STATUS);
            Ok(())
        })();
        self.last_error.answer(r)
    }

    open_entry_method!();

    compare_entry_ids_method!();
}

/// Exports `MSProviderInit` for a store written on the framework: `$make` is a closure
/// `Fn(&LogonRequest) -> Result<B>` for a [`Backend`] `B`, called at each logon.
///
/// ```text
/// mapi_sync_store::store_provider!(|request: &LogonRequest| Ok(MyBackend::open(request)?));
/// ```
///
/// With `settings = [TAG, ..]` first, it also exports the message service's
/// `ServiceEntry` ([`service::answer`](crate::service::answer)): the store's
/// configuration is those properties of its profile section, written by MAPI's
/// `ConfigureMsgService` and read at each logon into [`LogonRequest::settings`]:
///
/// ```text
/// mapi_sync_store::store_provider!(settings = [PR_MY_FOLDER], |request: &LogonRequest| {
///     MyBackend::open(&request.settings.require_text(PR_MY_FOLDER, "folder")?)
/// });
/// ```
///
/// (A whole example is in the crate's documentation.)
#[macro_export]
macro_rules! store_provider {
    (settings = [$($tag:expr),* $(,)?], $make:expr $(,)?) => {
        $crate::__private::ms_provider_init!(|init: &$crate::__private::Init| {
            ::core::result::Result::Ok($crate::ll::provider::ProviderObject::with_settings(
                init.allocators,
                &[$($tag),*],
                $make,
            ))
        });
        $crate::__private::service_entry!(|call: &$crate::__private::ServiceCall<'_>| {
            $crate::service::answer(call, &[$($tag),*], $make)
        });
    };
    ($make:expr) => {
        $crate::__private::ms_provider_init!(|init: &$crate::__private::Init| {
            ::core::result::Result::Ok($crate::ll::provider::ProviderObject::new(
                init.allocators,
                $make,
            ))
        });
    };
}
