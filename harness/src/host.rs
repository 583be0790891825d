//! Loading a provider and playing MAPI's part in order: `MSProviderInit`, `Logon`,
//! `SpoolerLogon`, the scenarios, `Logoff`, `Shutdown`, the last `Release`s, then the
//! end-of-run checks (leaks, the support object's references).

use std::ffi::c_void;
use std::path::PathBuf;

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::OwnedValue;
use mapi_sync::provider::MSPROVIDERINIT;
use mapi_sync::sys::{self, HRESULT, ULONG};

use crate::alloc;
use crate::mapisvc::{self, MapiSvc};
use crate::report::Report;
use crate::rules;
use crate::scenarios::{self, Scenario};
use crate::service::{self, Service};
use crate::support::{Profile, Support};

/// Makes an `IMSProvider` in process from the allocators MAPI would pass.
pub type MakeProvider = Box<dyn FnOnce(Allocators) -> mapi_sync::Result<sys::IMSProvider>>;

/// Where the provider comes from.
pub enum Provider {
    /// A provider library (a `.so` on Linux, a DLL on Windows): its `MSProviderInit`
    /// export is called.
    Library(PathBuf),
    /// A provider linked into the process: its `MSProviderInit`.
    Init(MSPROVIDERINIT),
    /// A provider made in process as a Rust value (`MSProviderInit` is not called; the
    /// closure gets the tracking allocators).
    Make(MakeProvider),
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provider::Library(p) => f.debug_tuple("Library").field(p).finish(),
            Provider::Init(_) => f.write_str("Init(..)"),
            Provider::Make(_) => f.write_str("Make(..)"),
        }
    }
}

/// A run: the provider, its profile, and the faults to inject.
#[derive(Debug)]
pub struct Config {
    /// The provider.
    pub provider: Provider,
    /// The store entry identifier the profile holds for the store (`Logon` is given it).
    pub store_entry_id: Vec<u8>,
    /// The folder the profile's file is kept in.
    pub profile_dir: PathBuf,
    /// The profile's name (its file is `NAME.json`).
    pub profile_name: String,
    /// Make the Nth allocation after `MSProviderInit` fail (1 is the first).
    pub fail_allocation: Option<u64>,
    /// Make these methods of the support object fail with these codes.
    pub support_failures: Vec<(String, HRESULT)>,
    /// The scenarios to play (all of them by default); the logon, logoff and memory
    /// checks are always made.
    pub scenarios: Vec<Scenario>,
    /// The sync's progress callback cancels: it answers `MAPI_E_USER_CANCEL` to
    /// `Progress`.
    pub cancel_sync: bool,
    /// The message service to add to the profile and configure before the logon
    /// (`ServiceEntry`); the logon then uses the store entry id it wrote.
    pub service: Option<Service>,
    /// The MAPISVC.INF that registers the service (with [`service`](Config::service)):
    /// its sections are checked and copied into the profile as MAPI copies them, and
    /// the entry point is the export its `PR_SERVICE_ENTRY_NAME` names.
    pub mapisvc: Option<MapiSvc>,
    /// For a [`Provider::Library`]: a first pass plays only the `sync` scenario and, as
    /// soon as the sync's done event is signalled, releases the store, the logon object
    /// and the provider (`StoreLogoff`, `Logoff`, `Shutdown`, in MAPI's order) and
    /// unloads the library (`dlclose`, `FreeLibrary`); then the library is loaded again
    /// and the run plays its scenarios as usual (rule `unload-after-done`). The other
    /// faults apply to the second pass only.
    pub unload_after_done: bool,
}

impl Config {
    /// A run of `provider` for the store `store_entry_id`, with a profile named
    /// `mapi-harness` in `profile_dir`, and no faults.
    pub fn new(provider: Provider, store_entry_id: Vec<u8>, profile_dir: PathBuf) -> Config {
        Config {
            provider,
            store_entry_id,
            profile_dir,
            profile_name: "mapi-harness".to_owned(),
            fail_allocation: None,
            support_failures: Vec::new(),
            scenarios: Scenario::ALL.to_vec(),
            cancel_sync: false,
            service: None,
            mapisvc: None,
            unload_after_done: false,
        }
    }

    /// Plays only `scenario` (a test per scenario in a provider's own tests).
    pub fn only(mut self, scenario: Scenario) -> Config {
        self.scenarios = vec![scenario];
        self
    }
}

/// A non-null value put in `[out]` pointers before a call, to see whether a failing
/// method left NULL there. Never dereferenced.
pub(crate) const SENTINEL: usize = 0x0BAD_F00D;

/// Takes the reference a successful call handed out through an `[out]` interface
/// pointer; `None` for NULL and for the [`SENTINEL`] the call left untouched (never
/// released: it is not an object).
///
/// # Safety
/// `p` must be NULL, the sentinel, or a live `I` whose reference the caller hands over.
pub(crate) unsafe fn take<I: sys::Interface>(p: sys::InterfacePtr<I>) -> Option<I> {
    if p.as_raw() as usize == SENTINEL {
        return None;
    }
    // SAFETY: the caller's contract.
    unsafe { p.into_owned() }
}

/// Frees a MAPI buffer with the tracking `MAPIFreeBuffer`, labelled as the harness's.
pub(crate) fn free(p: *mut c_void) {
    alloc::label("the harness (a caller freeing what it was given)", || {
        let (_, _, f) = alloc::allocators().as_raw();
        if let Some(f) = f {
            // SAFETY: the tracking MAPIFreeBuffer looks any pointer up before freeing.
            unsafe { f(p) };
        }
    });
}

/// Runs the harness: plays MAPI and the scenarios against the provider and reports
/// every rule.
pub fn run(config: Config) -> Report {
    if config.unload_after_done {
        return crate::unload::run(config);
    }
    let mut library = None;
    let (report, _) = play(config, &mut library);
    // Unloaded last: the provider's objects live in it.
    drop(library);
    report
}

/// One pass: the provider started, the scenarios played, everything released; the
/// library it loaded is left in `library`, for the caller to unload. Also says whether
/// the sync's done event was signalled (`None`: no sync got that far).
pub(crate) fn play(
    mut config: Config,
    library: &mut Option<libloading::Library>,
) -> (Report, Option<bool>) {
    let mut done_signalled = None;
    let report = play_into(&mut config, library, &mut done_signalled);
    (report, done_signalled)
}

fn play_into(
    config: &mut Config,
    library: &mut Option<libloading::Library>,
    done_signalled: &mut Option<bool>,
) -> Report {
    let session = alloc::session();
    let source = std::mem::replace(&mut config.provider, Provider::Library(PathBuf::new()));
    let mut report = Report::new(rules::ALL);
    let allocators = session.allocators();
    let provider = match start(source, allocators, library, &mut report) {
        Some(p) => p,
        None => {
            memory_checks(session, &mut report);
            return report;
        }
    };
    let profile = match Profile::open(&config.profile_dir, &config.profile_name) {
        Ok(p) => p,
        Err(e) => {
            report.error(format!(
                "the profile in {} cannot be read: {e}",
                config.profile_dir.display()
            ));
            drop(provider);
            memory_checks(session, &mut report);
            return report;
        }
    };
    let support = Object::new(Support::new(profile, allocators));
    let service = config.service.take();
    support.with_profile(|p| {
        if service.is_none() {
            p.set(
                "provider",
                sys::PR_ENTRYID,
                OwnedValue::Binary(config.store_entry_id.clone()),
            );
        }
        if let Err(e) = p.save() {
            report.error(format!("the profile cannot be written: {e}"));
        }
    });
    for (method, code) in &config.support_failures {
        support.fail(method, Some(*code));
    }
    session.fail_allocation(config.fail_allocation);
    let registration = match (&config.mapisvc, &service) {
        (None, _) => None,
        (Some(m), Some(_)) => match mapisvc::read(&m.path, &m.service) {
            Ok(r) => Some(r),
            Err(e) => {
                report.error(e);
                return finish(report, session, provider, support);
            }
        },
        (Some(_), None) => {
            report.error("a MAPISVC.INF is read for a service step: give the service too");
            return finish(report, session, provider, support);
        }
    };
    if let Some(service) = &service {
        let name = registration
            .as_ref()
            .map_or("ServiceEntry", |r| r.entry_point.as_str());
        let entry = service
            .entry
            .or_else(|| service_entry_of(library.as_ref(), name));
        if let Some(r) = &registration {
            registered(&mut report, &support, r, entry.is_some());
        }
        if entry.is_none() {
            report.fail(
                &rules::SERVICE_ENTRY,
                format!("the provider exports no {name}"),
            );
            return finish(report, session, provider, support);
        }
        match service::configure(entry, &support, &service.props, &mut report) {
            Some(id) => config.store_entry_id = id,
            None => {
                // A service entry that failed keeps nothing either.
                let count = support.ref_count();
                let sections = support.open_sections();
                report.check(&rules::SUPPORT_RELEASED, count == 1 && sections == 0, || {
                    format!(
                        "after a failed ServiceEntry the provider still holds {} references to the support object, and {sections} profile sections are open",
                        count.saturating_sub(1)
                    )
                });
                return finish(report, session, provider, support);
            }
        }
    }

    if let Some((logon, store)) = logon(&provider, &support, config, &mut report) {
        if service.is_some() {
            report.pass(&rules::STORE_SECTION);
        }
        let row = support.status_row();
        report.check(&rules::STATUS_ROW, !row.is_empty(), || {
            "Logon returned without calling IMAPISupport::ModifyStatusRow".to_owned()
        });
        spooler_logon(&provider, &support, config, &mut report);
        let mut ctx = scenarios::Ctx {
            report: &mut report,
            provider: &provider,
            logon: &logon,
            store: &store,
            support: &support,
            sinks: Vec::new(),
            events: event_ops(library.as_ref()),
            cancel_sync: config.cancel_sync,
            done_signalled: None,
        };
        scenarios::run_all(&mut ctx, &config.scenarios);
        *done_signalled = ctx.done_signalled;
        let sinks = std::mem::take(&mut ctx.sinks);
        // Outlook logs the store off and releases it; MAPI logs the provider off.
        store_logoff(&mut report, &support, store);
        let mut flags: ULONG = 0;
        // SAFETY: a live logon object; a writable flags word.
        let hr = alloc::label("IMSLogon::Logoff", || unsafe { logon.Logoff(&mut flags) });
        if hr != sys::S_OK {
            report.note(format!("IMSLogon::Logoff answered {}", name(hr)));
        }
        release_last(&mut report, "logon object", logon);
        let count = support.ref_count();
        let sections = support.open_sections();
        report.check(&rules::SUPPORT_RELEASED, count == 1 && sections == 0, || {
            format!(
                "after Logoff and the release of the logon and store objects the support object still has {} references the provider holds, and {sections} profile sections are open",
                count.saturating_sub(1)
            )
        });
        scenarios::check_sinks(&mut report, &sinks);
        drop(sinks);
    } else {
        // A logon that failed keeps nothing.
        let count = support.ref_count();
        let sections = support.open_sections();
        report.check(&rules::SUPPORT_RELEASED, count == 1 && sections == 0, || {
            format!(
                "after a failed Logon the provider still holds {} references to the support object, and {sections} profile sections are open",
                count.saturating_sub(1)
            )
        });
    }
    finish(report, session, provider, support)
}

/// `IMsgStore::StoreLogoff(LOGOFF_ORDERLY)`, then the store's last release: the flags
/// must reach `StoreLogoffTransports` then, once, and not before.
fn store_logoff(report: &mut Report, support: &Object<Support>, store: sys::IMsgStore) {
    // Only the calls from here on are this store's (an earlier logon's end may have
    // made some).
    let since = support.store_logoff_transports().len();
    let calls = || support.store_logoff_transports().split_off(since);
    let mut flags = sys::LOGOFF_ORDERLY;
    // SAFETY: a live store; a readable and writable flags word.
    let hr = alloc::label("IMsgStore::StoreLogoff", || unsafe {
        store.StoreLogoff(&mut flags)
    });
    if hr != sys::S_OK {
        report.note(format!("IMsgStore::StoreLogoff answered {}", name(hr)));
    }
    let early = calls();
    release_last(report, "store", store);
    // A sync thread may hold the store's last reference a moment longer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut after = calls();
    while after.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
        after = calls();
    }
    let ok = early.is_empty() && after == [sys::LOGOFF_ORDERLY];
    report.check(&rules::STORE_LOGOFF, ok, || {
        format!(
            "StoreLogoff(LOGOFF_ORDERLY): StoreLogoffTransports was called {} times before the store's last release, and with {:?} after it (flags as numbers)",
            early.len(),
            after
        )
    });
}

/// The end of a run: `Shutdown`, the provider's last release, the memory checks, the
/// library unloaded.
fn finish(
    mut report: Report,
    session: alloc::Session,
    provider: sys::IMSProvider,
    support: Object<Support>,
) -> Report {
    let mut flags: ULONG = 0;
    // SAFETY: a live provider; a writable flags word.
    let hr = alloc::label("IMSProvider::Shutdown", || unsafe {
        provider.Shutdown(&mut flags)
    });
    if hr != sys::S_OK {
        report.note(format!("IMSProvider::Shutdown answered {}", name(hr)));
    }
    release_last(&mut report, "provider", provider);
    drop(support);
    memory_checks(session, &mut report);
    report
}

/// The library's export `name` (MAPISVC.INF's `PR_SERVICE_ENTRY_NAME`; `ServiceEntry`
/// without one), the service's entry point.
fn service_entry_of(library: Option<&libloading::Library>, name: &str) -> sys::LPMSGSERVICEENTRY {
    let symbol: Vec<u8> = name.bytes().chain([0]).collect();
    // SAFETY: the export MAPISVC.INF names as the entry point has MSGSERVICEENTRY's type
    // (a non-null function pointer read as `Some`).
    unsafe {
        library?
            .get::<sys::LPMSGSERVICEENTRY>(&symbol)
            .ok()
            .and_then(|f| *f)
    }
}

/// The service as MAPISVC.INF registers it: its sections checked (rule
/// `mapisvc-registers`) and copied into the profile's sections, as MAPI copies them when
/// a client adds the service.
fn registered(
    report: &mut Report,
    support: &Object<Support>,
    r: &mapisvc::Registration,
    entry_found: bool,
) {
    let mut problems = r.problems.clone();
    if !entry_found {
        problems.push(format!(
            "the provider library exports no {:?} (PR_SERVICE_ENTRY_NAME)",
            r.entry_point
        ));
    }
    report.check(&rules::MAPISVC_REGISTERS, problems.is_empty(), || {
        problems.join("; ")
    });
    for skipped in &r.skipped {
        report.note(format!(
            "MAPISVC.INF {skipped}: not copied into the profile"
        ));
    }
    support.with_profile(|p| {
        for (tag, value) in &r.service {
            p.set("service", *tag, value.clone());
        }
        for (tag, value) in &r.store {
            p.set("provider", *tag, value.clone());
        }
    });
}

/// How the provider's done events are waited for and closed: the library's
/// `MapiSync_WaitDoneEvent` and `MapiSync_CloseDoneEvent` on Linux (the events are the
/// library's own objects), the runtime's `event` functions (`WaitForSingleObject`,
/// `CloseHandle` on Windows) for a provider in process and on Windows.
fn event_ops(library: Option<&libloading::Library>) -> Option<scenarios::EventOps> {
    match library {
        #[cfg(not(windows))]
        Some(lib) => {
            // SAFETY: the runtime's exports have these types.
            let (wait, close) = unsafe {
                (
                    *lib.get::<unsafe extern "C" fn(sys::HANDLE, ULONG) -> ULONG>(
                        b"MapiSync_WaitDoneEvent\0",
                    )
                    .ok()?,
                    *lib.get::<unsafe extern "C" fn(sys::HANDLE)>(b"MapiSync_CloseDoneEvent\0")
                        .ok()?,
                )
            };
            Some(scenarios::EventOps {
                // SAFETY: each event is one the provider handed out, not closed yet.
                wait: Box::new(move |event, ms| unsafe { wait(event, ms) } == 0),
                // SAFETY: each event is one the provider handed out, closed once.
                close: Box::new(move |event| unsafe { close(event) }),
            })
        }
        _ => Some(scenarios::EventOps {
            wait: Box::new(|event, ms| {
                let timeout = std::time::Duration::from_millis(ms.into());
                // SAFETY: each event is one the provider handed out, not closed yet.
                matches!(
                    unsafe { mapi_sync::event::wait_timeout(event, timeout) },
                    Ok(true)
                )
            }),
            // SAFETY: each event is one the provider handed out, closed once.
            close: Box::new(|event| unsafe { mapi_sync::event::close(event) }),
        }),
    }
}

/// Gives up the harness's last reference to an object of the provider's; the rule
/// `released-to-zero` wants `Release` to answer 0.
fn release_last<I: sys::Interface>(report: &mut Report, what: &str, object: I) {
    let raw = object.into_raw();
    // SAFETY: a live interface pointer whose reference the harness gives up.
    let count = alloc::label(&format!("{what}: Release"), || unsafe {
        let vtbl = *(raw as *const *const sys::IUnknown_Vtbl);
        ((*vtbl).Release)(raw)
    });
    report.check(&rules::RELEASED_TO_ZERO, count == 0, || {
        format!(
            "the harness's last Release of the {what} answered {count}: something still holds it"
        )
    });
}

/// An HRESULT's name, or its value.
pub(crate) fn name(hr: HRESULT) -> String {
    mapi_sync::hresult_name(hr).map_or_else(|| format!("{:#010x}", hr as u32), str::to_owned)
}

/// `MSProviderInit` (or the in-process provider).
fn start(
    provider: Provider,
    allocators: Allocators,
    library: &mut Option<libloading::Library>,
    report: &mut Report,
) -> Option<sys::IMSProvider> {
    let init = match provider {
        Provider::Library(path) => {
            // SAFETY: loading a provider runs its initializers: the harness trusts the
            // library it is told to test that far.
            let lib = match unsafe { libloading::Library::new(&path) } {
                Ok(lib) => lib,
                Err(e) => {
                    report.fail(
                        &rules::PROVIDER_STARTS,
                        format!("{} cannot be loaded: {e}", path.display()),
                    );
                    return None;
                }
            };
            // SAFETY: MSProviderInit has mapispi.h's MSPROVIDERINIT type.
            let init = match unsafe { lib.get::<MSPROVIDERINIT>(b"MSProviderInit\0") } {
                Ok(f) => *f,
                Err(e) => {
                    report.fail(
                        &rules::PROVIDER_STARTS,
                        format!("{} exports no MSProviderInit: {e}", path.display()),
                    );
                    return None;
                }
            };
            *library = Some(lib);
            init
        }
        Provider::Init(init) => init,
        Provider::Make(make) => {
            return match alloc::label("the provider's constructor", || make(allocators)) {
                Ok(p) => Some(p),
                Err(e) => {
                    report.fail(
                        &rules::PROVIDER_STARTS,
                        format!("the provider could not be made: {}", e.text()),
                    );
                    None
                }
            };
        }
    };
    let (a, m, f) = allocators.as_raw();
    let mut version: ULONG = 0;
    let mut raw = sys::LPMSPROVIDER::from_raw(SENTINEL as *mut c_void);
    // SAFETY: MAPI's arguments: no instance or IMalloc (the harness has none), the
    // tracking allocators, writable out-pointers.
    let hr = alloc::label("MSProviderInit", || unsafe {
        init(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            a,
            m,
            f,
            0,
            sys::CURRENT_SPI_VERSION,
            &mut version,
            &mut raw,
        )
    });
    if hr < 0 {
        report.check(&rules::OUT_NULL_ON_FAILURE, raw.is_null(), || {
            format!(
                "MSProviderInit failed ({}) and left {:?} in lppMSProvider",
                name(hr),
                raw.as_raw()
            )
        });
        report.fail(
            &rules::PROVIDER_STARTS,
            format!("MSProviderInit answered {}", name(hr)),
        );
        return None;
    }
    // SAFETY: a success hands out one reference (or null).
    match unsafe { take(raw) } {
        Some(p) => Some(p),
        None => {
            report.fail(
                &rules::PROVIDER_STARTS,
                "MSProviderInit succeeded with a NULL provider",
            );
            None
        }
    }
}

/// What a logon hands back, checked: NULL out-pointers after a failure, the buffers it
/// handed out freed.
struct LogonOut {
    hr: HRESULT,
    error: sys::LPMAPIERROR,
    logon: sys::LPMSLOGON,
    store: sys::LPMDB,
}

impl LogonOut {
    fn new() -> LogonOut {
        LogonOut {
            hr: sys::S_OK,
            error: SENTINEL as sys::LPMAPIERROR,
            logon: sys::LPMSLOGON::from_raw(SENTINEL as *mut c_void),
            store: sys::LPMDB::from_raw(SENTINEL as *mut c_void),
        }
    }

    /// Checks the out-pointers after the call, frees the error, and takes the objects
    /// of a success.
    fn finish(self, method: &str, report: &mut Report) -> Option<(sys::IMSLogon, sys::IMsgStore)> {
        let error = self.error;
        if error as usize != SENTINEL && !error.is_null() {
            free(error.cast());
        }
        if self.hr < 0 {
            let left = [
                ("lppMSLogon", self.logon.as_raw()),
                ("lppMDB", self.store.as_raw()),
            ];
            for (what, p) in left {
                report.check(&rules::OUT_NULL_ON_FAILURE, p.is_null(), || {
                    format!(
                        "{method} failed ({}) and left {p:?} in {what}",
                        name(self.hr)
                    )
                });
            }
            return None;
        }
        // SAFETY: a success hands out one reference to each (or null).
        let (logon, store) = unsafe { (take(self.logon), take(self.store)) };
        match (logon, store) {
            (Some(l), Some(s)) => Some((l, s)),
            _ => {
                report.fail(
                    &rules::PROVIDER_STARTS,
                    format!("{method} succeeded without a logon object and a store"),
                );
                None
            }
        }
    }
}

/// `IMSProvider::Logon` with the support object and the profile's store entry identifier.
fn logon(
    provider: &sys::IMSProvider,
    support: &Object<Support>,
    config: &Config,
    report: &mut Report,
) -> Option<(sys::IMSLogon, sys::IMsgStore)> {
    let Ok(sup) = support.cast::<sys::IMAPISupport>() else {
        return None;
    };
    let mut profile_name: Vec<u8> = config.profile_name.bytes().chain([0]).collect();
    let mut id = config.store_entry_id.clone();
    let mut out = LogonOut::new();
    let (mut cb_spool, mut spool): (ULONG, sys::LPBYTE) = (0, SENTINEL as sys::LPBYTE);
    // SAFETY: a live support object (the harness keeps its own reference for the call),
    // a NUL-terminated profile name, the identifier's bytes, writable out-pointers.
    out.hr = alloc::label("IMSProvider::Logon", || unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            profile_name.as_mut_ptr().cast(),
            id.len() as ULONG,
            id.as_mut_ptr().cast(),
            0,
            std::ptr::null(),
            &mut cb_spool,
            &mut spool,
            &mut out.error,
            &mut out.logon,
            &mut out.store,
        )
    });
    drop(sup);
    if spool as usize != SENTINEL && !spool.is_null() {
        free(spool.cast());
    }
    let hr = out.hr;
    let got = out.finish("IMSProvider::Logon", report);
    match &got {
        Some(_) => report.pass(&rules::PROVIDER_STARTS),
        None if hr < 0 => report.fail(
            &rules::PROVIDER_STARTS,
            format!("IMSProvider::Logon answered {}", name(hr)),
        ),
        None => {}
    }
    got
}

/// `IMSProvider::SpoolerLogon`, as MAPI's spooler calls it after the client's logon; a
/// store that answers `MAPI_E_NO_SUPPORT` has no spooler side (a note says so).
fn spooler_logon(
    provider: &sys::IMSProvider,
    support: &Object<Support>,
    config: &Config,
    report: &mut Report,
) {
    let Ok(sup) = support.cast::<sys::IMAPISupport>() else {
        return;
    };
    let mut profile_name: Vec<u8> = config.profile_name.bytes().chain([0]).collect();
    let mut id = config.store_entry_id.clone();
    let mut out = LogonOut::new();
    // SAFETY: as for Logon; no spool security.
    out.hr = alloc::label("IMSProvider::SpoolerLogon", || unsafe {
        provider.SpoolerLogon(
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            profile_name.as_mut_ptr().cast(),
            id.len() as ULONG,
            id.as_mut_ptr().cast(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            &mut out.error,
            &mut out.logon,
            &mut out.store,
        )
    });
    drop(sup);
    let hr = out.hr;
    match out.finish("IMSProvider::SpoolerLogon", report) {
        Some((logon, store)) => {
            drop(store);
            let mut flags: ULONG = 0;
            // SAFETY: a live logon object; a writable flags word.
            alloc::label("IMSLogon::Logoff (spooler)", || unsafe {
                logon.Logoff(&mut flags)
            });
        }
        None => report.note(format!(
            "IMSProvider::SpoolerLogon answered {}: no spooler logon",
            name(hr)
        )),
    }
}

/// The end-of-run memory checks: every finding of the tracking allocators under its
/// rule; each rule passes once when nothing was found.
fn memory_checks(session: alloc::Session, report: &mut Report) {
    report.set_allocations(session.allocations());
    let findings = session.finish();
    let (leaks, bad): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.is_leak());
    if leaks.is_empty() {
        report.pass(&rules::NO_LEAK);
    }
    for f in leaks {
        report.fail(&rules::NO_LEAK, f.to_string());
    }
    if bad.is_empty() {
        report.pass(&rules::FREED_ONCE);
    }
    for f in bad {
        report.fail(&rules::FREED_ONCE, f.to_string());
    }
}
