//! Fault injection: the provider library unloaded right after a sync's done event
//! ([`Config::unload_after_done`]), then loaded again for a second pass.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use crate::host::{play, Config, Provider};
use crate::report::{Outcome, Report};
use crate::rules;
use crate::scenarios::Scenario;
use crate::service::Service;

/// How long `dlclose` / `FreeLibrary` may take before the harness stops waiting.
const UNLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The first pass (the sync, then everything released and the library unloaded), then
/// the run as configured on the library loaded again; the reports are merged, with rule
/// `unload-after-done`.
pub(crate) fn run(mut config: Config) -> Report {
    config.unload_after_done = false;
    let path = match &config.provider {
        Provider::Library(path) => path.clone(),
        _ => {
            let mut report = crate::host::run(config);
            report.merge(Report::new(rules::FAULTS));
            report.note("unload-after-done: the provider is not a library; nothing to unload");
            return report;
        }
    };
    let first = Config {
        provider: Provider::Library(path.clone()),
        store_entry_id: config.store_entry_id.clone(),
        profile_dir: config.profile_dir.clone(),
        profile_name: config.profile_name.clone(),
        fail_allocation: None,
        support_failures: Vec::new(),
        scenarios: vec![Scenario::Sync],
        cancel_sync: false,
        service: config.service.as_ref().map(|s| Service {
            entry: s.entry,
            props: s.props.clone(),
        }),
        mapisvc: config.mapisvc.clone(),
        unload_after_done: false,
    };
    let mut library = None;
    let (first, signalled) = play(first, &mut library);
    let started = first.outcome(rules::PROVIDER_STARTS.name) == Some(Outcome::Pass);
    let mut report = Report::new(rules::ALL);
    let mut unload = Report::new(rules::FAULTS);
    let unloaded = match (signalled, library) {
        (_, None) => {
            unload.fail(
                &rules::UNLOAD_AFTER_DONE,
                "the first pass did not load the library",
            );
            false
        }
        (Some(true), Some(lib)) => match unload_bounded(lib) {
            Ok(()) => {
                let mapped = match still_mapped(&path) {
                    Some(true) => "it stayed mapped (the provider pinned it)",
                    Some(false) => "it was unmapped",
                    None => "whether it stayed mapped is not known here",
                };
                unload.note(format!(
                    "unload-after-done: right after the sync's done event was signalled the store, the logon object and the provider were released and the library unloaded; {mapped}"
                ));
                true
            }
            Err(seen) => {
                unload.fail(&rules::UNLOAD_AFTER_DONE, seen);
                false
            }
        },
        (other, Some(lib)) => {
            // The sync thread may still run: unmapping its code would crash the process.
            std::mem::forget(lib);
            let seen = match other {
                None if started => "the first pass started no sync (no IMAPISync, or SynchronizeInBackground failed): nothing to unload after",
                None => "the first pass did not log on: no sync to unload after",
                Some(_) => "the sync's done event was not seen signalled: the library was left loaded",
            };
            unload.fail(&rules::UNLOAD_AFTER_DONE, seen);
            false
        }
    };
    if unloaded {
        let mut again = None;
        let (second, _) = play(config, &mut again);
        // Unloaded last: the provider's objects live in it.
        drop(again);
        let restarted = second.outcome(rules::PROVIDER_STARTS.name);
        unload.check(
            &rules::UNLOAD_AFTER_DONE,
            restarted == Some(Outcome::Pass),
            || {
                format!(
                    "the library loaded again after the unload did not start and log on: provider-starts {restarted:?}"
                )
            },
        );
        report = second;
    }
    for e in first.errors() {
        report.error(format!("first pass (sync, then unload): {e}"));
    }
    report.merge_prefixed(first, "first pass (sync, then unload): ");
    report.merge(unload);
    report
}

/// `dlclose` / `FreeLibrary` on another thread, waited for [`UNLOAD_TIMEOUT`].
fn unload_bounded(lib: libloading::Library) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = lib.close().map_err(|e| e.to_string());
        let _ = tx.send(result);
    });
    match rx.recv_timeout(UNLOAD_TIMEOUT) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("unloading the library failed: {e}")),
        Err(_) => Err(format!(
            "unloading the library (dlclose, FreeLibrary) did not return within {} s",
            UNLOAD_TIMEOUT.as_secs()
        )),
    }
}

/// Whether the library at `path` is still mapped in the process (`None`: no way to ask).
fn still_mapped(path: &Path) -> Option<bool> {
    #[cfg(target_os = "linux")]
    {
        /// glibc's `RTLD_NOLOAD`: a handle only to an object already loaded.
        const RTLD_NOLOAD: std::ffi::c_int = 4;
        use libloading::os::unix::{Library, RTLD_LAZY};
        // SAFETY: RTLD_NOLOAD loads nothing and runs no initializer; the handle taken
        // (one more reference) is closed at once.
        let lib = unsafe { Library::open(Some(path), RTLD_LAZY | RTLD_NOLOAD) };
        Some(lib.is_ok())
    }
    #[cfg(windows)]
    {
        Some(libloading::os::windows::Library::open_already_loaded(path).is_ok())
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = path;
        None
    }
}
