//! A store written on the framework, played by the MAPI host harness (`harness/`) as MAPI
//! and Outlook open a store: every rule of the harness, each with its Microsoft page.

use mapi_harness::{Config, Outcome, Provider};
use mapi_sync_runtime::sys;
use mapi_sync_store::entry_id::EntryId;
use mapi_sync_store::ll::provider::{LogonRequest, ProviderObject};

mod common;

use common::{Mail, UID};

fn config() -> Config {
    let profiles = tempfile::tempdir().unwrap().keep();
    let make = |allocators| {
        let provider = ProviderObject::new(allocators, |_: &LogonRequest<'_>| Ok(Mail));
        provider.cast::<sys::IMSProvider>()
    };
    Config::new(
        Provider::Make(Box::new(make)),
        EntryId::store(UID).to_bytes(),
        profiles,
    )
}

#[test]
fn a_framework_store_against_every_rule() {
    let report = mapi_harness::run(config());
    let text = report.to_text();
    // Every rule passes; the service's do not apply: this run has no service entry
    // (`tests/service.rs` has one).
    let not_applicable = [
        "service-entry-configures",
        "store-profile-section",
        "mapisvc-registers",
        // Its messages have no body to read as a stream.
        "body-stream",
    ];
    for (rule, outcome) in report.outcomes() {
        let expected = if not_applicable.contains(&rule) {
            Outcome::NotApplicable
        } else {
            Outcome::Pass
        };
        assert_eq!(outcome, expected, "{rule}\n{text}");
    }
    assert!(report.outcomes().len() >= 23, "{text}");
}

#[test]
fn every_allocation_failing_in_turn_leaves_no_leak_and_frees_once() {
    let plain = mapi_harness::run(config());
    let total = plain.allocations();
    assert!(total > 20, "{total} allocations");
    for n in 1..=total {
        let mut c = config();
        c.fail_allocation = Some(n);
        let report = mapi_harness::run(c);
        for rule in [
            "memory-no-leak",
            "memory-freed-once",
            "support-released-at-logoff",
            "released-to-zero",
        ] {
            assert_eq!(
                report.outcome(rule),
                Some(Outcome::Pass),
                "allocation {n} of {total}: {rule}\n{}",
                report.to_text()
            );
        }
    }
}
