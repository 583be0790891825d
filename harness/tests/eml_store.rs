//! The harness on `samples/eml-store`, loaded as a library (`libeml_store.so`, which
//! cargo builds beside this test as the cdylib of the dev-dependency) and in process
//! (its `MSProviderInit` and `ServiceEntry` linked in), installed as MAPI installs a
//! message service: `ServiceEntry` creates and configures it with the folder's path, and
//! the logon uses the store entry id it wrote.
//!
//! Written on the store framework, the sample passes every rule, notifications, views
//! saved as associated messages and messages marked read included. (Before the framework it failed five: folders without `PR_RECORD_KEY`, hierarchy
//! rows without `PR_INSTANCE_KEY`, no `PR_STORE_SUPPORT_MASK` on folders and messages, no
//! status row, and out-pointers left after `SpoolerLogon` and `QueryRows(0)`.)

use std::path::{Path, PathBuf};

use mapi_harness::{Config, MapiSvc, Outcome, Provider, Scenario, Service};
use mapi_sync::props::OwnedValue;

/// A folder of three messages.
fn mail_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, subject) in ["One", "Two", "Three"].iter().enumerate() {
        let text = format!("From: someone@example.com\r\nSubject: {subject}\r\n\r\nbody {i}\r\n");
        std::fs::write(dir.path().join(format!("m{i}.eml")), text).unwrap();
    }
    dir
}

/// The provider library cargo built for the dev-dependency, beside this test.
fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}eml_store{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let lib = deps.join(&name);
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

/// A run of `provider` whose service is configured with the folder `mail`.
fn config(provider: Provider, mail: &Path, profiles: &Path) -> Config {
    let in_process = matches!(provider, Provider::Init(_));
    let mut config = Config::new(provider, Vec::new(), profiles.to_path_buf());
    let folder = mail.to_string_lossy().encode_utf16().collect();
    config.service = Some(Service {
        entry: if in_process {
            Some(eml_store::ServiceEntry)
        } else {
            None
        },
        props: vec![(eml_store::PR_EML_FOLDER, OwnedValue::Unicode(folder))],
    });
    // Registered in MAPISVC.INF as its installer registers it.
    let inf = profiles.join("MAPISVC.INF");
    let dll = mapisvc::DllName::new("eml_store").unwrap();
    let service = mapisvc::Service::store("EmlStore", "EML store", &dll, "ServiceEntry");
    mapisvc::install_file(&inf, &service).unwrap();
    config.mapisvc = Some(MapiSvc {
        path: inf,
        service: "EmlStore".into(),
    });
    config
}

/// Every rule passes (notifications included: the framework answers `Advise`).
fn assert_every_rule(report: &mapi_harness::Report) {
    let text = report.to_text();
    for (rule, outcome) in report.outcomes() {
        assert_eq!(outcome, Outcome::Pass, "{rule}\n{text}");
    }
    assert_eq!(report.exit_code(), 0, "{text}");
}

#[test]
fn the_sample_store_as_a_library() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let report = mapi_harness::run(config(
        Provider::Library(library()),
        mail.path(),
        profiles.path(),
    ));
    assert_every_rule(&report);
}

#[test]
fn the_sample_store_in_process() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let report = mapi_harness::run(config(
        Provider::Init(eml_store::MSProviderInit),
        mail.path(),
        profiles.path(),
    ));
    assert_every_rule(&report);
    // What the service wrote into the profile: the store's name and its wrapped entry
    // id, beside the folder.
    let profile = std::fs::read_to_string(profiles.path().join("mapi-harness.json")).unwrap();
    let name = mail
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(profile.contains(&format!("EML store: {name}")), "{profile}");
    assert!(profile.contains("0x6600001F"), "{profile}");
}

/// One scenario at a time, as a provider's own tests would run them.
#[test]
fn the_sample_store_one_scenario_at_a_time() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    for scenario in Scenario::ALL {
        let c = config(
            Provider::Init(eml_store::MSProviderInit),
            mail.path(),
            profiles.path(),
        )
        .only(scenario);
        let report = mapi_harness::run(c);
        assert!(
            report.failures().is_empty(),
            "{}: {:?}\n{}",
            scenario.name(),
            report.failures(),
            report.to_text()
        );
    }
}

/// A service configured with a folder that does not exist: `ServiceEntry` refuses it,
/// naming the folder, and nothing is written.
#[test]
fn a_missing_folder_is_refused_at_configuration() {
    let profiles = tempfile::tempdir().unwrap();
    let gone = profiles.path().join("gone");
    let report = mapi_harness::run(config(
        Provider::Init(eml_store::MSProviderInit),
        &gone,
        profiles.path(),
    ));
    let text = report.to_text();
    match report.outcome("service-entry-configures") {
        Some(Outcome::Fail(seen)) => {
            assert_eq!(
                seen,
                ["MSG_SERVICE_CONFIGURE answered MAPI_E_LOGON_FAILED"],
                "{text}"
            )
        }
        other => panic!("{other:?}\n{text}"),
    }
    assert_eq!(
        report.outcome("memory-no-leak"),
        Some(Outcome::Pass),
        "{text}"
    );
}
