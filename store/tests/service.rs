//! A framework store with settings, installed the way MAPI installs a message service:
//! `store_provider!(settings = [..], ..)` exports `ServiceEntry` beside `MSProviderInit`;
//! the harness adds the service to a profile (`MSG_SERVICE_CREATE`), configures it
//! (`MSG_SERVICE_CONFIGURE` with the settings in `lpProps`) and logs on with the store
//! entry id the service wrote, and the logon reads the settings back from the profile.

use std::path::Path;

use mapi_harness::support::{section_value, unwrap_store_entry_id, Profile};
use mapi_harness::{Config, MapiSvc, Outcome, Provider, Service};
use mapi_sync_runtime::props::{prop_tag, OwnedValue, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_store::backend::Backend;
use mapi_sync_store::entry_id::EntryId;

#[path = "common/named.rs"]
mod named;

use named::{MSProviderInit, Named, ServiceEntry, PR_NOTES_NAME};

fn config(dir: &Path, props: Vec<(ULONG, OwnedValue)>) -> Config {
    let mut config = Config::new(Provider::Init(MSProviderInit), Vec::new(), dir.to_owned());
    config.service = Some(Service {
        entry: Some(ServiceEntry),
        props,
    });
    // Registered in MAPISVC.INF as an installer registers it.
    let inf = dir.join("MAPISVC.INF");
    let registered = MapiSvc::install_store(&inf, "Notes", "Notes", "notes", "ServiceEntry");
    config.mapisvc = Some(registered.unwrap());
    config
}

fn name(text: &str) -> Vec<(ULONG, OwnedValue)> {
    vec![(
        PR_NOTES_NAME,
        OwnedValue::Unicode(text.encode_utf16().collect()),
    )]
}

#[test]
fn configured_through_its_service_entry_it_passes_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let report = mapi_harness::run(config(dir.path(), name("Notes")));
    let text = report.to_text();
    for (rule, outcome) in report.outcomes() {
        // Its messages have no body to read as a stream.
        let expected = if rule == "body-stream" {
            Outcome::NotApplicable
        } else {
            Outcome::Pass
        };
        assert_eq!(outcome, expected, "{rule}\n{text}");
    }
    // The profile holds the setting and the store's identity, as the logon read it.
    let profile = Profile::open(dir.path(), "mapi-harness").unwrap();
    let section = profile.section("provider").unwrap();
    assert_eq!(
        section_value(section, PR_NOTES_NAME),
        Some(PropValue::Unicode(
            &"Notes".encode_utf16().collect::<Vec<_>>()
        ))
    );
    let store = Named("Notes".into()).store();
    assert_eq!(
        section_value(section, sys::PR_DISPLAY_NAME_W).and_then(|v| v.to_text()),
        Some("Notes".to_owned())
    );
    assert_eq!(
        section_value(section, sys::PR_RECORD_KEY),
        Some(PropValue::Binary(&store.uid.0))
    );
    let Some(PropValue::Binary(wrapped)) = section_value(section, sys::PR_STORE_ENTRYID) else {
        panic!("no PR_STORE_ENTRYID\n{text}");
    };
    let unwrapped = unwrap_store_entry_id(wrapped).unwrap();
    assert_eq!(unwrapped, EntryId::store(store.uid).to_bytes());
}

#[test]
fn an_ansi_setting_is_kept_as_unicode() {
    let dir = tempfile::tempdir().unwrap();
    let ansi = vec![(
        prop_tag(sys::PT_STRING8, 0x6600),
        OwnedValue::String8(b"Caf\xE9".to_vec()),
    )];
    let report = mapi_harness::run(config(dir.path(), ansi));
    assert_eq!(
        report.outcome("service-entry-configures"),
        Some(Outcome::Pass),
        "{}",
        report.to_text()
    );
    let profile = Profile::open(dir.path(), "mapi-harness").unwrap();
    let section = profile.section("provider").unwrap();
    assert_eq!(
        section_value(section, sys::PR_DISPLAY_NAME_W).and_then(|v| v.to_text()),
        Some("Café".to_owned())
    );
}

#[test]
fn configuring_without_its_settings_is_unconfigured_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let report = mapi_harness::run(config(dir.path(), Vec::new()));
    let text = report.to_text();
    assert!(
        matches!(
            report.outcome("service-entry-configures"),
            Some(Outcome::Fail(_))
        ),
        "{text}"
    );
    assert!(
        text.contains("MSG_SERVICE_CONFIGURE answered MAPI_E_UNCONFIGURED"),
        "{text}"
    );
    assert_eq!(
        report.outcome("memory-no-leak"),
        Some(Outcome::Pass),
        "{text}"
    );
    let profile = Profile::open(dir.path(), "mapi-harness").unwrap();
    let written = profile
        .section("provider")
        .is_some_and(|s| section_value(s, sys::PR_ENTRYID).is_some());
    assert!(!written, "the unconfigured store's section got an entry id");
}

#[test]
fn a_logon_before_the_configuration_is_unconfigured() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), Vec::new());
    config.service = None;
    config.mapisvc = None;
    let report = mapi_harness::run(config);
    let text = report.to_text();
    assert!(
        matches!(report.outcome("provider-starts"), Some(Outcome::Fail(_))),
        "{text}"
    );
    assert!(
        text.contains("IMSProvider::Logon answered MAPI_E_UNCONFIGURED"),
        "{text}"
    );
}
