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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_command_reports_the_sample_store_and_exits_1_on_its_failures() {
    let mail = tempfile::tempdir().unwrap();
    std::fs::write(
        mail.path().join("a.eml"),
        "From: a@example.com\r\nSubject: A\r\n\r\nbody\r\n",
    )
    .unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let json = profiles.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(library())
        .arg("--store-entry-id")
        .arg(hex(&eml_store::store_entry_id(mail.path())))
        .arg("--profile-dir")
        .arg(profiles.path())
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("pass  provider-starts"), "{stdout}");
    assert!(stdout.contains("FAIL  record-key-present"), "{stdout}");
    assert!(
        stdout.ends_with("14 passed, 5 failed, 6 not applicable\n"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["passed"], false);
    let failed: Vec<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "fail")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "out-null-on-failure",
            "record-key-present",
            "instance-key-unique",
            "support-mask-present",
            "status-row-at-logon",
        ]
    );
    // The profile the store wrote at logon is in its file.
    let profile = std::fs::read_to_string(profiles.path().join("mapi-harness.json")).unwrap();
    assert!(profile.contains("EML store"), "{profile}");
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
