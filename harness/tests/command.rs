//! The `mapi-harness` command on the sample store's library.

use std::path::PathBuf;
use std::process::Command;

fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let name = format!(
        "{}eml_store{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    exe.parent().unwrap().join(name)
}

#[test]
fn the_command_installs_the_sample_store_through_its_service_entry_and_passes() {
    let mail = tempfile::tempdir().unwrap();
    for (name, body) in [("a.eml", "short"), ("b.eml", "a longer body than a's")] {
        let text = format!("From: a@example.com\r\nSubject: {name}\r\n\r\n{body}\r\n");
        std::fs::write(mail.path().join(name), text).unwrap();
    }
    let profiles = tempfile::tempdir().unwrap();
    let json = profiles.path().join("report.json");
    // The service registered as its installer registers it (the mapisvc library), in a
    // file shaped like an Outlook machine's.
    let inf = profiles.path().join("MAPISVC.INF");
    std::fs::copy(outlook_inf(), &inf).unwrap();
    register(&inf, "ServiceEntry");
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(library())
        .arg("--mapisvc")
        .arg(&inf)
        .args(["--service", "EmlStore"])
        .arg("--configure")
        .arg(format!("0x6600001F={}", mail.path().display()))
        .arg("--profile-dir")
        .arg(profiles.path())
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("pass  service-entry-configures"),
        "{stdout}"
    );
    assert!(stdout.contains("pass  mapisvc-registers"), "{stdout}");
    assert!(
        stdout.ends_with("34 passed, 0 failed, 0 not applicable\n"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["passed"], true);
    // The profile the service wrote is in its file.
    let profile = std::fs::read_to_string(profiles.path().join("mapi-harness.json")).unwrap();
    assert!(profile.contains("EML store"), "{profile}");
}

/// The MAPISVC.INF fixture shaped like an Outlook machine's.
fn outlook_inf() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mapisvc/tests/fixtures/outlook-mapisvc.inf")
}

/// Registers the sample store in `inf` as `EmlStore`, its entry point `entry_point`.
fn register(inf: &std::path::Path, entry_point: &str) {
    let dll = mapisvc::DllName::new("eml_store").unwrap();
    let service = mapisvc::Service::store("EmlStore", "EML store", &dll, entry_point);
    assert!(mapisvc::install_file(inf, &service).unwrap());
}

/// Runs the command on the sample store with `inf`'s `EmlStore`; its exit status and
/// standard output and error.
fn run_with_inf(inf: &std::path::Path) -> (Option<i32>, String, String) {
    let mail = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(library())
        .arg("--mapisvc")
        .arg(inf)
        .args(["--service", "EmlStore"])
        .arg("--configure")
        .arg(format!("0x6600001F={}", mail.path().display()))
        .arg("--profile-dir")
        .arg(profiles.path())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_mapisvc_inf_naming_an_entry_point_the_library_lacks_fails_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let inf = dir.path().join("MAPISVC.INF");
    register(&inf, "NoSuchEntry");
    let (code, stdout, _) = run_with_inf(&inf);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  mapisvc-registers"), "{stdout}");
    assert!(
        stdout.contains("the provider library exports no \"NoSuchEntry\""),
        "{stdout}"
    );
}

#[test]
fn a_mapisvc_inf_that_cannot_be_read_is_the_harness_s_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let inf = dir.path().join("MAPISVC.INF");
    std::fs::write(
        &inf,
        "[Services]\r\nEmlStore=EML store\r\nno equals sign\r\n",
    )
    .unwrap();
    let (code, stdout, _) = run_with_inf(&inf);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("MAPISVC.INF: line 3"), "{stdout}");
}

#[test]
fn the_command_without_a_store_entry_id_or_a_configuration_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .args(["x.so", "--profile-dir", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .args(["x.so", "--profile-dir", ".", "--configure", "0x66000040=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("property type 0x0040"), "{stderr}");
}

#[test]
fn a_library_that_cannot_be_loaded_fails_provider_starts() {
    let profiles = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(profiles.path().join("missing.so"))
        .args(["--store-entry-id", "00000000"])
        .arg("--profile-dir")
        .arg(profiles.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  provider-starts"), "{stdout}");
}

#[test]
fn a_bad_store_entry_id_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .args(["x.so", "--store-entry-id", "0g", "--profile-dir", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_profile_folder_that_cannot_be_written_is_the_harness_s_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(library())
        .args(["--store-entry-id", "00000000"])
        .args(["--profile-dir", "/nonexistent/mapi-harness"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("error: the profile cannot be written"),
        "{stdout}"
    );
}
