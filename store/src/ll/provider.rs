//! The store's side of logging on: [`ProviderObject`] (`IMSProvider`: `Logon` makes the
//! backend and hands out the store and its logon object) and [`LogonObject`]
//! (`IMSLogon`), as the IMSProvider::Logon and IMSLogon pages document them; with
//! [`store_provider!`](crate::store_provider) exporting `MSProviderInit` (and the
//! service's `ServiceEntry`, see [`service`](crate::service)) for them.
//!
//! What `Logon` does:
//!
//! 1. `MAPI_E_INVALID_PARAMETER` for a null support object or out-pointer; every
//!    out-pointer is NULL (or 0) after a failure, and `*lppMAPIError` gets a
//!    `MAPIERROR` saying why (in the allocators `MSProviderInit` was given, strings as
//!    `MAPI_UNICODE` asks), which MAPI shows and frees;
//! 2. a store this provider object has open (by the entry id given) is handed out
//!    again: the same store object, a NULL `*lppMSLogon`, and nothing else done (no
//!    profile section opened, no `SetProviderUID`, no status row, no `AddRef` of the
//!    support object), as the page's "stores already open" asks; `SpoolerLogon` gets
//!    the same store and its logon object (its page: the same two objects). The list of
//!    open stores holds weak handles: a store whose last reference went, or whose logon
//!    was logged off, is opened afresh;
//! 3. the store's settings are read from its profile section
//!    ([`LogonRequest::settings`]);
//! 4. the provider's closure makes the backend from the [`LogonRequest`]; its error is
//!    answered with one of the page's codes: `MAPI_E_UNCONFIGURED` (the profile lacks
//!    what the store needs: MAPI then calls the service entry),
//!    `MAPI_E_FAILONEPROVIDER` and `MAPI_E_LOGON_FAILED` as the backend says,
//!    `MAPI_E_NETWORK_ERROR` as `MAPI_E_FAILONEPROVIDER` (the server out of reach now;
//!    the service stays enabled), any other as `MAPI_E_LOGON_FAILED`, the `MAPIERROR`
//!    naming the backend's own code; the same store reached without its entry id (a
//!    profile's first logon) is handed out as in step 2;
//! 5. an entry id given must be this store's (`MAPI_E_UNKNOWN_ENTRYID` otherwise);
//! 6. the store's entry id is wrapped by `IMAPISupport::WrapStoreEntryID` (the store's
//!    `PR_ENTRYID` and every object's `PR_STORE_ENTRYID` are that form, which
//!    `OpenEntry` and `CompareEntryIDs` read back), the profile section made permanent
//!    (`ModifyProfile`, `MDB_TEMPORARY` passed on), the store's `MAPIUID` registered
//!    with `SetProviderUID` (MAPI routes its entry ids here), its status row written
//!    (see [`super::status`]), and the support object kept (`AddRef`) until the logon
//!    ends;
//! 7. `*lppMDB` gets the store (`IMsgStore`, or `lpInterface`'s interface of it),
//!    `*lppMSLogon` its logon object; no spooler security.
//!
//! `MDB_WRITE` asks for a store that can be written: a framework store logs on and says
//! it is read-only (`STORE_READONLY` in `PR_STORE_SUPPORT_MASK`, `MAPI_E_NO_ACCESS` for
//! `MAPI_MODIFY`), as Outlook opens its stores with `MDB_WRITE`; `MDB_NO_MAIL` asks MAPI
//! not to tell the spooler, which the store never calls; the backend sees every flag in
//! [`LogonRequest::flags`].
//!
//! The logon ends when the store object's last reference goes (`StoreLogoffTransports`
//! with the flags `IMsgStore::StoreLogoff` kept, `LOGOFF_ABORT` without them, then the
//! support object released) or at `IMSLogon::Logoff` (the client's and the spooler's:
//! the last of them releases the support object at once); see
//! [`StoreContext`]. `Shutdown` forgets the open stores.
//!
//! `CompareStoreIDs` compares two store entry ids of the provider as MAPI hands them
//! (unwrapped): the same store when they name the same store `MAPIUID`, whatever their
//! flags; `MAPI_E_INVALID_ENTRYID` for one that is not a store entry id of the
//! framework's format.

use std::sync::{Arc, Mutex};

use mapi_sync_macros::mapi_object;
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::service::ProfileSection;
use mapi_sync_runtime::sys::{
    self, IMAPISupport, IMSLogon, IMSLogon_Impl, IMSProvider_Impl, HRESULT, LPBYTE, LPCIID,
    LPENTRYID, LPMAPIERROR, LPMAPISUP, LPMDB, LPMSLOGON, LPTSTR, LPUNKNOWN, ULONG, ULONG_PTR,
};
use mapi_sync_runtime::{Error, FreeThreaded, Object, Out, Result, This, WeakObject};

use super::entry::{self, compare_entry_ids_method, open_entry_method, LastError};
use super::status::{self, StatusObject};
use super::store::StoreObject;
use crate::backend::Backend;
use crate::context::StoreContext;
use crate::entry_id::{EntryId, StoreUid, Target};
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

/// What a logon hands out: a store newly opened with its logon object, or the store
/// already open (IMSProvider::Logon's page: the same store, no logon object).
enum LoggedOn<B: Backend> {
    New(Object<StoreObject<B>>, Object<LogonObject<B>>),
    AlreadyOpen(Object<StoreObject<B>>, Option<Object<LogonObject<B>>>),
}

/// A store this provider object has open: its `MAPIUID`, the store and its logon object,
/// held weakly.
struct OpenStore<B: Backend> {
    uid: StoreUid,
    store: WeakObject<StoreObject<B>>,
    logon: WeakObject<LogonObject<B>>,
}

/// The `MAPIUID` in a store entry id of the framework's format (see
/// [`entry_id`](crate::entry_id)), without checking whose it is.
fn uid_in(entry_id: &[u8]) -> Option<StoreUid> {
    entry_id.get(4..20)?.try_into().ok().map(StoreUid)
}

/// `IMSProvider` of a framework store: `make` builds the backend at each logon.
#[mapi_object(IMSProvider, crate = mapi_sync_runtime)]
pub struct ProviderObject<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static>
{
    allocators: Allocators,
    settings: &'static [ULONG],
    make: F,
    /// The stores this provider object has open (weak: a store closes when its last
    /// reference goes), for a second `Logon` to the same store.
    open: Mutex<Vec<OpenStore<B>>>,
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
            open: Mutex::new(Vec::new()),
            _backend: std::marker::PhantomData,
        })
    }

    /// The store with `uid` and its logon object (while that lives), if this provider
    /// object has the store open (forgetting the ones that closed or logged off).
    fn already_open(&self, uid: StoreUid) -> Option<LoggedOn<B>> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|o| o.store.upgrade().is_some_and(|s| !s.context().logged_off()));
        let found = open.iter().find(|o| o.uid == uid)?;
        Some(LoggedOn::AlreadyOpen(
            found.store.upgrade()?,
            found.logon.upgrade(),
        ))
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

    /// Steps 2 to 6: the logged-on store and its logon object, or the store already open.
    fn log_on(&self, support: &IMAPISupport, entry_id: &[u8], flags: ULONG) -> Result<LoggedOn<B>> {
        // A store already open, by the entry id given: nothing is opened again, not even
        // the profile section.
        if let Some(open) = uid_in(entry_id).and_then(|u| self.already_open(u)) {
            return Ok(open);
        }
        let settings = self.read_settings(support)?;
        let request = LogonRequest {
            entry_id,
            flags,
            settings: &settings,
        };
        let backend = documented((self.make)(&request))?;
        let uid = backend.store().uid;
        // The same store reached without its entry id (a profile's first logon).
        if let Some(open) = self.already_open(uid) {
            return Ok(open);
        }
        if !entry_id.is_empty() && *EntryId::parse(entry_id, uid)?.target() != Target::Store {
            return Err(Error::with_message(
                sys::MAPI_E_UNKNOWN_ENTRYID,
                "not this store's entry id",
            ));
        }
        let wrapped = wrapped_store_entry_id(support, self.allocators, uid)?;
        let ctx = documented(StoreContext::with_store_entry_id(
            backend,
            self.allocators,
            wrapped,
        ))?;
        register(support, &ctx, flags)?;
        // SAFETY: MAPI's support object may be called from any thread (it is free-threaded).
        // One reference, held by the logon (its end lets it go) and the status row.
        let support = Arc::new(unsafe { FreeThreaded::new(support.clone()) });
        status::follow(&ctx, support.clone());
        ctx.set_support(support.clone());
        ctx.on_store_release(Box::new(move |mut flags| {
            // SAFETY: a writable flags word; MAPI's support object, held till here.
            unsafe { support.StoreLogoffTransports(&mut flags) };
        }));
        let logon = Object::new(LogonObject {
            ctx: ctx.clone(),
            last_error: LastError::default(),
            this: This::new(),
        });
        let store = StoreObject::new(ctx);
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(OpenStore {
                uid,
                store: store.downgrade(),
                logon: logon.this.downgrade(),
            });
        Ok(LoggedOn::New(store, logon))
    }
}

/// What `Logon` answers for a failure: the page's codes as they are
/// (`MAPI_E_UNCONFIGURED`, `MAPI_E_FAILONEPROVIDER`, `MAPI_E_LOGON_FAILED`,
/// `MAPI_E_USER_CANCEL`, and `MAPI_E_UNKNOWN_ENTRYID` for another store's entry id);
/// `MAPI_E_NETWORK_ERROR` (the store's server out of reach now) as
/// `MAPI_E_FAILONEPROVIDER`, so MAPI keeps the service; any other as
/// `MAPI_E_LOGON_FAILED` (what `MDB_NO_DIALOG` asks for a logon that fails). The
/// `MAPIERROR`'s text keeps the backend's text and names its own code.
fn documented<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| {
        let code = match e.code() {
            sys::MAPI_E_UNCONFIGURED
            | sys::MAPI_E_FAILONEPROVIDER
            | sys::MAPI_E_LOGON_FAILED
            | sys::MAPI_E_USER_CANCEL
            | sys::MAPI_E_UNKNOWN_ENTRYID => return e,
            sys::MAPI_E_NETWORK_ERROR => sys::MAPI_E_FAILONEPROVIDER,
            _ => sys::MAPI_E_LOGON_FAILED,
        };
        // The text keeps what the backend said and its own code.
        let own = e
            .name()
            .map_or_else(|| format!("0x{:08X}", e.code() as u32), str::to_string);
        let text = match e.message() {
            Some(m) => format!("{m} ({own})"),
            None => own,
        };
        Error::with_message(code, text)
    })
}

/// The store's entry id as MAPI wraps it (`IMAPISupport::WrapStoreEntryID`): what the
/// store hands out as its `PR_ENTRYID` and every object's `PR_STORE_ENTRYID`. A host
/// without wrapping (`MAPI_E_NO_SUPPORT`) gets the store's own.
fn wrapped_store_entry_id(
    support: &IMAPISupport,
    allocators: Allocators,
    uid: StoreUid,
) -> Result<Arc<[u8]>> {
    let own = EntryId::store(uid).to_bytes();
    match mapi_sync_runtime::service::wrap_store_entry_id(support, allocators, &own) {
        Ok(wrapped) => Ok(wrapped.into()),
        Err(e) if e.code() == sys::MAPI_E_NO_SUPPORT => Ok(own.into()),
        Err(e) => Err(e),
    }
}

/// What a new logon tells MAPI: the store's profile section made permanent
/// (`IMAPISupport::ModifyProfile`, `MDB_TEMPORARY` passed on: MAPI then leaves the store
/// out of the message store table; a failure there does not fail the logon, as the
/// store works without it), the store's `MAPIUID` (`SetProviderUID`, so MAPI routes its
/// entry ids here) and its status row.
fn register<B: Backend>(support: &IMAPISupport, ctx: &StoreContext<B>, flags: ULONG) -> Result<()> {
    // SAFETY: a live support object.
    let _ = unsafe { support.ModifyProfile(flags & sys::MDB_TEMPORARY) };
    let mut mapi_uid = sys::MAPIUID {
        ab: ctx.info().uid.0,
    };
    // SAFETY: a MAPIUID alive for the call.
    let hr = unsafe { support.SetProviderUID(&mut mapi_uid, 0) };
    if hr != sys::S_OK {
        return Err(Error::with_message(
            hr,
            "IMAPISupport::SetProviderUID failed",
        ));
    }
    // The store's row in MAPI's status table, kept current from now on (status.rs).
    status::modify_row(support, ctx.info(), &ctx.status(), false)
}

#[allow(non_snake_case)]
impl<B: Backend, F: Fn(&LogonRequest<'_>) -> Result<B> + Send + Sync + 'static> IMSProvider_Impl
    for ProviderObject<B, F>
{
    unsafe fn Shutdown(&self, _flags: *mut ULONG) -> HRESULT {
        // MAPI calls it once every logon has ended: the provider lets go of what it
        // keeps (its list of open stores).
        self.open.lock().unwrap_or_else(|p| p.into_inner()).clear();
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
        unsafe {
            self.logon_call(
                support,
                (cb, eid),
                flags,
                iid,
                error,
                (logon_out, store_out),
                false,
            )
        }
    }

    unsafe fn CompareStoreIDs(
        &self,
        cb1: ULONG,
        eid1: LPENTRYID,
        cb2: ULONG,
        eid2: LPENTRYID,
        _flags: ULONG,
        result: *mut ULONG,
    ) -> HRESULT {
        // Two unwrapped store entry ids of this provider (MAPI unwraps them first): the
        // same store when they name the same store MAPIUID, whatever their flags.
        let r = (|| -> Result<()> {
            // SAFETY: null or writable (CompareStoreIDs' contract).
            let mut out = unsafe { Out::new(result) }?;
            out.write(0);
            // SAFETY: each `cb` readable bytes (CompareStoreIDs' contract).
            let (a, b) = unsafe {
                (
                    entry::entry_id_bytes(cb1, eid1)?,
                    entry::entry_id_bytes(cb2, eid2)?,
                )
            };
            let store_uid = |bytes: &[u8]| -> Result<StoreUid> {
                let uid = uid_in(bytes).ok_or_else(|| {
                    Error::with_message(sys::MAPI_E_INVALID_ENTRYID, "not a store entry id")
                })?;
                match EntryId::parse(bytes, uid)?.target() {
                    Target::Store => Ok(uid),
                    _ => Err(Error::with_message(
                        sys::MAPI_E_INVALID_ENTRYID,
                        "not a store entry id",
                    )),
                }
            };
            out.write(ULONG::from(store_uid(a)? == store_uid(b)?));
            Ok(())
        })();
        match r {
            Ok(()) => sys::S_OK,
            Err(e) => e.code(),
        }
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
        unsafe {
            self.logon_call(
                support,
                (cb, eid),
                flags,
                iid,
                error,
                (logon_out, store_out),
                true,
            )
        }
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
        (logon_out, store_out): (*mut LPMSLOGON, *mut LPMDB),
        spooler: bool,
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
            let (store, logon) = match self.log_on(&support, entry_id, flags)? {
                LoggedOn::New(store, logon) => (store, Some(logon)),
                // The client's second logon gets no logon object; the spooler's gets the
                // store's (SpoolerLogon returns the same two objects).
                LoggedOn::AlreadyOpen(store, logon) => (store, logon.filter(|_| spooler)),
            };
            if logon.is_some() {
                // Each side that gets the logon object calls Logoff once.
                store.context().logon_handed_out();
            }
            let logon = logon.map(|l| l.cast::<IMSLogon>()).transpose()?;
            let mut unknown: LPUNKNOWN = sys::InterfacePtr::null();
            // SAFETY: a local place; `iid` null or an IID (the caller's contract).
            unsafe {
                let mut handed = Out::new(&mut unknown as *mut LPUNKNOWN)?;
                entry::hand_out(store.into_unknown(), iid, &sys::IID_IMsgStore, &mut handed)?;
            }
            // The store's interface pointer is an LPMDB place's value (one pointer).
            outs.1.write(sys::InterfacePtr::from_raw(unknown.as_raw()));
            if let Some(logon) = logon {
                outs.0.write(logon.into());
            }
            Ok(())
        })();
        match result {
            Ok(()) => sys::S_OK,
            Err(e) => {
                // SAFETY: optional, null or writable (the caller's contract).
                unsafe { self.logon_error(&e, flags, error) };
                e.code()
            }
        }
    }

    /// A failed logon's `MAPIERROR` (the page asks for one: MAPI shows it), in the
    /// allocators `MSProviderInit` was given, strings as `MAPI_UNICODE` in `flags` asks;
    /// left out when it cannot be allocated.
    ///
    /// # Safety
    /// `error` must be null or writable.
    unsafe fn logon_error(&self, e: &Error, flags: ULONG, error: *mut LPMAPIERROR) {
        // SAFETY: the caller's contract.
        let Ok(mut out) = (unsafe { Out::new(error) }) else {
            return;
        };
        let component = std::any::type_name::<B>()
            .rsplit("::")
            .next()
            .unwrap_or("store");
        if let Ok(buffer) = e.to_mapi_error(self.allocators, component, flags) {
            out.write(buffer.into_raw().cast());
        }
    }
}

/// `IMSLogon` of a logged-on store.
#[mapi_object(IMSLogon, crate = mapi_sync_runtime)]
pub struct LogonObject<B: Backend> {
    ctx: Arc<StoreContext<B>>,
    last_error: LastError,
    /// The object itself: the provider's list of open stores keeps a weak handle of it
    /// for `SpoolerLogon`.
    this: This<Self>,
}

#[allow(non_snake_case)]
impl<B: Backend> IMSLogon_Impl for LogonObject<B> {
    unsafe fn GetLastError(&self, hr: HRESULT, flags: ULONG, out: *mut LPMAPIERROR) -> HRESULT {
        // SAFETY: GetLastError's contract.
        unsafe { self.last_error.get(&self.ctx, hr, flags, out) }
    }

    unsafe fn Logoff(&self, _flags: *mut ULONG) -> HRESULT {
        // The logon ends (at the last Logoff of the client's and the spooler's): MAPI's
        // support object is released here (the logon's and the status row's
        // references), as the page asks, and a later Logon opens the store afresh.
        self.ctx.log_off();
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
/// With `protect = ..` after the settings, `ServiceEntry` runs that closure
/// (`Fn(&mut Settings) -> Result<()>`) on the settings before it opens the backend with
/// them and writes them ([`service::answer_with`](crate::service::answer_with)): a store
/// replaces a secret given in clear with a protected form of it there, so the profile
/// never holds the clear one.
///
/// (A whole example is in the crate's documentation.)
#[macro_export]
macro_rules! store_provider {
    (settings = [$($tag:expr),* $(,)?], protect = $protect:expr, $make:expr $(,)?) => {
        $crate::__private::ms_provider_init!(|init: &$crate::__private::Init| {
            ::core::result::Result::Ok($crate::ll::provider::ProviderObject::with_settings(
                init.allocators,
                &[$($tag),*],
                $make,
            ))
        });
        $crate::__private::service_entry!(|call: &$crate::__private::ServiceCall<'_>| {
            $crate::service::answer_with(call, &[$($tag),*], $protect, $make)
        });
    };
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
