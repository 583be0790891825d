//! Fault injection on the sample store, in process: every allocation failing in turn,
//! and the support object failing a call. The harness must report, never crash; the
//! store must neither leak nor free twice on any of those paths.

use mapi_harness::{Config, Outcome, Provider, Service};
use mapi_sync::props::OwnedValue;

fn mail_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let text = format!("From: a@example.com\r\nSubject: S{i}\r\n\r\nbody\r\n");
        std::fs::write(dir.path().join(format!("m{i}.eml")), text).unwrap();
    }
    dir
}

/// The sample, added and configured through its service entry, then logged on.
fn config(mail: &std::path::Path, profiles: &std::path::Path) -> Config {
    let mut config = Config::new(
        Provider::Init(eml_store::MSProviderInit),
        Vec::new(),
        profiles.to_path_buf(),
    );
    let folder = mail.to_string_lossy().encode_utf16().collect();
    config.service = Some(Service {
        entry: Some(eml_store::ServiceEntry),
        props: vec![(eml_store::PR_EML_FOLDER, OwnedValue::Unicode(folder))],
    });
    config
}

#[test]
fn every_allocation_failing_in_turn_is_reported_without_a_leak_or_a_double_free() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let plain = mapi_harness::run(config(mail.path(), profiles.path()));
    let total = plain.allocations();
    assert!(total > 20, "{total} allocations");
    let mut changed = 0;
    for n in 1..=total {
        let mut c = config(mail.path(), profiles.path());
        c.fail_allocation = Some(n);
        let report = mapi_harness::run(c);
        let text = report.to_text();
        for rule in [
            "memory-no-leak",
            "memory-freed-once",
            "support-released-at-logoff",
        ] {
            assert_eq!(
                report.outcome(rule),
                Some(Outcome::Pass),
                "allocation {n} of {total}: {rule}\n{text}"
            );
        }
        if n == 1 {
            // The first allocation after MSProviderInit is the service entry's (a profile
            // section's answer): the service is not added, nothing logs on.
            assert_eq!(
                report.outcome("service-entry-configures"),
                Some(Outcome::Fail(vec![
                    "MSG_SERVICE_CREATE without UI answered MAPI_E_NOT_ENOUGH_MEMORY".into()
                ])),
                "{text}"
            );
        }
        changed +=
            usize::from(report.outcomes() != plain.outcomes() || report.notes() != plain.notes());
    }
    // Most failures change what the scenarios see (a note, a rule not applicable).
    assert!(
        changed as u64 > total / 2,
        "{changed} of {total} runs changed"
    );
}

#[test]
fn a_support_call_that_fails_fails_the_logon_and_is_reported() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let mut c = config(mail.path(), profiles.path());
    c.support_failures = vec![(
        "OpenProfileSection".into(),
        mapi_sync::sys::MAPI_E_CALL_FAILED,
    )];
    let report = mapi_harness::run(c);
    let text = report.to_text();
    assert_eq!(report.failures(), ["provider-starts"], "{text}");
    assert_eq!(
        report.outcome("provider-starts"),
        Some(Outcome::Fail(vec![
            "IMSProvider::Logon answered MAPI_E_CALL_FAILED".into()
        ])),
        "{text}"
    );
    assert_eq!(
        report.outcome("support-released-at-logoff"),
        Some(Outcome::Pass),
        "{text}"
    );
    assert_eq!(
        report.outcome("memory-no-leak"),
        Some(Outcome::Pass),
        "{text}"
    );
}

#[test]
fn a_progress_callback_that_cancels_still_gets_one_done_last() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let mut c = config(mail.path(), profiles.path()).only(mapi_harness::Scenario::Sync);
    c.cancel_sync = true;
    let report = mapi_harness::run(c);
    let text = report.to_text();
    assert_eq!(
        report.outcome("sync-ends-with-done"),
        Some(Outcome::Pass),
        "{text}"
    );
    assert!(
        report.notes().iter().any(|n| n.starts_with(
            "the callback cancelled at the first Progress; the store called Progress 1 times"
        )),
        "{text}"
    );
}
