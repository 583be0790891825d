//! The harness as a Windows program: `mapi-harness.exe` built for x86_64-pc-windows-gnu,
//! run under wine64 against the sample store's DLL (`eml_store.dll`), adding the store
//! through its `ServiceEntry` and playing every scenario, as it would on a Windows
//! machine without Outlook. The report must be the one the Linux build gives.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds `package` for x86_64-pc-windows-gnu in `target/hosts` (where the sample's host
/// tests build theirs, so this cargo does not wait on the one running the tests).
fn windows_build(package: &str, what: &str) -> PathBuf {
    let target_dir = root().join("target/hosts");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--target",
            "x86_64-pc-windows-gnu",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .expect("cargo");
    assert!(
        out.status.success(),
        "building {package} for Windows failed (rustup target add x86_64-pc-windows-gnu):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = target_dir.join("x86_64-pc-windows-gnu/debug").join(what);
    assert!(file.exists(), "{} was not built", file.display());
    file
}

/// Debian's wine64 keeps its loader in /usr/lib/wine.
fn wine64() -> PathBuf {
    for candidate in ["/usr/lib/wine/wine64", "/usr/bin/wine64"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!("wine64 is not installed: apt-get install wine64");
}

#[test]
fn the_harness_under_wine_installs_and_passes_the_sample_store_dll() {
    let dll = windows_build("eml-store", "eml_store.dll");
    let exe = windows_build("mapi-harness", "mapi-harness.exe");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&exe, dir.path().join("mapi-harness.exe")).unwrap();
    std::fs::copy(&dll, dir.path().join("eml_store.dll")).unwrap();
    // Wine 8 lacks bcryptprimitives.dll, which Rust's std imports: a shim goes beside.
    let shim = root().join("hosts/bcryptprimitives.c");
    let built = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", shim.to_str().unwrap(), "-ladvapi32", "-o"])
        .arg(dir.path().join("bcryptprimitives.dll"))
        .status()
        .expect("x86_64-w64-mingw32-gcc (apt-get install gcc-mingw-w64-x86-64)");
    assert!(built.success());
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    for (name, body) in [("a.eml", "short"), ("b.eml", "a longer body than a's")] {
        let text = format!("From: a@example.com\r\nSubject: {name}\r\n\r\n{body}\r\n");
        std::fs::write(mail.join(name), text).unwrap();
    }
    std::fs::create_dir(dir.path().join("profiles")).unwrap();
    // The service registered as its installer would, in a file shaped like an Outlook
    // machine's MAPISVC.INF.
    let inf = dir.path().join("MAPISVC.INF");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../mapisvc/tests/fixtures/outlook-mapisvc.inf");
    std::fs::copy(fixture, &inf).unwrap();
    let dll = mapisvc::DllName::new("eml_store").unwrap();
    let service = mapisvc::Service::store("EmlStore", "EML store", &dll, "ServiceEntry");
    assert!(mapisvc::install_file(&inf, &service).unwrap());
    let prefix = tempfile::tempdir().unwrap();
    let out = Command::new(wine64())
        .current_dir(dir.path())
        .env("WINEPREFIX", prefix.path())
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .args(["mapi-harness.exe", "eml_store.dll"])
        // Wine maps the working folder's drive: relative paths reach the files.
        .args(["--mapisvc", "MAPISVC.INF", "--service", "EmlStore"])
        .args(["--configure", "0x6600001F=mail"])
        .args(["--profile-dir", "profiles", "--json", "report.json"])
        .output()
        .expect("wine64");
    // Wine's server outlives the program; stop it so the prefix can go.
    let _ = Command::new("wineserver")
        .env("WINEPREFIX", prefix.path())
        .arg("-k")
        .status();
    let stdout = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.ends_with("34 passed, 0 failed, 0 not applicable\n"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["passed"], true);
    let profile = std::fs::read_to_string(dir.path().join("profiles/mapi-harness.json")).unwrap();
    assert!(profile.contains("EML store: mail"), "{profile}");
}
