//! Fault injection: the sample store's library unloaded right after the sync's done
//! event, then loaded again for a second pass (`--unload-after-done`). Run through the
//! `mapi-harness` command, so that a provider whose code still runs after the unload
//! crashes that process, not this one: the test then fails naming the signal. The wait
//! is bounded, so a hang fails too.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the command may take (two passes of a folder of three messages).
const TIMEOUT: Duration = Duration::from_secs(180);

fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let name = format!(
        "{}eml_store{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let lib = exe.parent().unwrap().join(name);
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

/// How a process ended, in words: its exit code or the signal that killed it.
fn ended(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                4 => "SIGILL",
                6 => "SIGABRT",
                7 => "SIGBUS",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                _ => "a signal",
            };
            return format!("killed by {name} ({signal})");
        }
    }
    format!("exit status {:?}", status.code())
}

#[test]
fn the_sample_store_survives_being_unloaded_right_after_the_done_event() {
    let mail = tempfile::tempdir().unwrap();
    for (i, subject) in ["One", "Two", "Three"].iter().enumerate() {
        let text = format!("From: a@example.com\r\nSubject: {subject}\r\n\r\nbody {i}\r\n");
        std::fs::write(mail.path().join(format!("m{i}.eml")), text).unwrap();
    }
    let profiles = tempfile::tempdir().unwrap();
    let json = profiles.path().join("report.json");
    let stdout = profiles.path().join("stdout.txt");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mapi-harness"))
        .arg(library())
        .arg("--configure")
        .arg(format!("0x6600001F={}", mail.path().display()))
        .arg("--profile-dir")
        .arg(profiles.path())
        .arg("--json")
        .arg(&json)
        .arg("--unload-after-done")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(&stdout).unwrap_or_default();
            panic!(
                "mapi-harness --unload-after-done did not end within {} s\n{text}",
                TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&stdout).unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "mapi-harness --unload-after-done: {}\n{text}",
        ended(status)
    );
    assert!(text.contains("pass  unload-after-done"), "{text}");
    assert!(
        // mapisvc-registers is not applicable: no MAPISVC.INF is given.
        text.ends_with("34 passed, 0 failed, 1 not applicable\n"),
        "{text}"
    );
    // Both passes were played: the sync twice, the store logged on twice.
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rule = |name: &str| {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no rule {name} in {report}"))
    };
    assert_eq!(rule("unload-after-done")["outcome"], "pass");
    assert_eq!(rule("provider-starts")["checks"], 2, "{report}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("library unloaded"), "{notes}");
    // The runtime pins its module: dlclose leaves it mapped.
    #[cfg(target_os = "linux")]
    assert!(notes.contains("it stayed mapped"), "{notes}");
}
