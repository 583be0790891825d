//! MAPISVC.INF files the tests write, one shaped like an Outlook machine's (CRLF line
//! endings, Windows-1252 bytes, a dozen services and providers): installing, installing
//! again, removing, a malformed file, and the `mapisvc` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use mapisvc::{DllName, Service};

const OUTLOOK: &[u8] = include_bytes!("fixtures/outlook-mapisvc.inf");

fn service() -> Service {
    let dll = DllName::new(r"C:\Program Files\EmlStore\emlstore.dll").unwrap();
    Service::store("EmlStore", "EML Store", &dll, "ServiceEntry")
}

fn scratch(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("MAPISVC.INF");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// The lines of `bytes` that are not in `of`, in order.
fn added_lines(bytes: &[u8], of: &[u8]) -> Vec<String> {
    let old: Vec<&[u8]> = of.split(|&b| b == b'\n').collect();
    let mut rest = old.as_slice();
    let mut added = Vec::new();
    for line in bytes.split(|&b| b == b'\n') {
        match rest.split_first() {
            Some((first, tail)) if *first == line => rest = tail,
            _ => added.push(String::from_utf8_lossy(line).into_owned()),
        }
    }
    assert!(
        rest.is_empty(),
        "every line of the old file is still there, in order"
    );
    added
}

#[test]
fn installing_adds_only_the_services_lines_and_removing_gives_the_file_back() {
    let (_dir, path) = scratch(OUTLOOK);
    assert!(mapisvc::install_file(&path, &service()).unwrap());
    let installed = std::fs::read(&path).unwrap();
    let added = added_lines(&installed, OUTLOOK);
    assert_eq!(
        added[0], "EmlStore=EML Store\r",
        "the [Services] entry first"
    );
    assert!(added.contains(&"[EmlStore]\r".to_owned()));
    assert!(added.contains(&"Providers=EmlStore_Store\r".to_owned()));
    assert!(added.contains(
        &r"PR_PROVIDER_DLL_NAME=C:\Program Files\EmlStore\emlstore.dll"
            .to_owned()
            .replace("dll", "dll\r")
    ));
    assert!(
        added.iter().all(|l| l.ends_with('\r')),
        "CRLF, as the file has"
    );
    // The [Services] entry sits after the section's last entry, before its blank line.
    let text = String::from_utf8_lossy(&installed);
    assert!(
        text.contains("EMABLT=Microsoft\u{FFFD} LDAP Directory\r\nEmlStore=EML Store\r\n\r\n[Help")
    );

    // Again: nothing changes, and the file is not written.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(!mapisvc::install_file(&path, &service()).unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), installed);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );

    assert!(mapisvc::remove_file(&path, "EmlStore").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), OUTLOOK, "byte for byte");
    assert!(!mapisvc::remove_file(&path, "EmlStore").unwrap());
}

#[test]
fn removing_one_service_leaves_every_other_line() {
    let (_dir, path) = scratch(OUTLOOK);
    assert!(mapisvc::remove_file(&path, "msupst ms").unwrap());
    let after = std::fs::read(&path).unwrap();
    // What went: the [Services] entry and the two sections, whole (each four entries,
    // its header and its blank line), nothing else.
    let removed = added_lines(OUTLOOK, &after);
    assert_eq!(removed[0], "MSUPST MS=Personal Folders File (.pst)\r");
    assert_eq!(removed.len(), 1 + (1 + 4 + 1) + (1 + 4 + 1), "{removed:#?}");
    let inf = mapisvc::Inf::parse(&after).unwrap();
    assert!(!inf.section_names().iter().any(|s| s.starts_with("MSUPST")));
    assert_eq!(
        inf.value("Services", "MSPST MS").as_deref(),
        Some("Personal Folders File (.pst)")
    );
    assert_eq!(
        inf.value("MSPST MSP", "PR_RESOURCE_TYPE").as_deref(),
        Some("MAPI_STORE_PROVIDER")
    );
}

#[test]
fn a_malformed_file_is_an_error_naming_its_line_and_nothing_is_written() {
    let mut bytes = OUTLOOK.to_vec();
    let broken = b"[CONTAB_AB\r\n";
    let at = bytes
        .windows(b"[CONTAB_AB]\r\n".len())
        .position(|w| w == b"[CONTAB_AB]\r\n")
        .unwrap();
    bytes.splice(at..at + b"[CONTAB_AB]\r\n".len(), broken.iter().copied());
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let (_dir, path) = scratch(&bytes);
    let e = mapisvc::install_file(&path, &service())
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("MAPISVC.INF:line {line}:")), "{e}");
    assert!(e.contains("closing `]`"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let folder = path.parent().unwrap();
    assert_eq!(
        std::fs::read_dir(folder).unwrap().count(),
        1,
        "no temporary file left"
    );
}

fn mapisvc(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mapisvc"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn the_command_installs_removes_and_refuses_a_name_mapi_cannot_load() {
    let (_dir, path) = scratch(OUTLOOK);
    let install = |dll: &str| {
        mapisvc(&[
            "install",
            "--inf",
            arg(&path),
            "--service",
            "EmlStore",
            "--display-name",
            "EML Store",
            "--dll",
            dll,
        ])
    };
    let (ok, out, err) = install(r"C:\Stores\emlstore.dll");
    assert!(ok, "{err}");
    assert!(
        out.contains(r"EmlStore installed (MAPI loads C:\Stores\emlstore32.dll)"),
        "{out}"
    );
    let (ok, out, _) = install(r"C:\Stores\emlstore.dll");
    assert!(ok && out.contains("already installed"), "{out}");
    let (ok, _, err) = install("emlstore32.dll");
    assert!(!ok && err.contains("without \"32\""), "{err}");
    let (ok, _, err) = install("emlstore.dll");
    assert!(
        ok && err.contains("warning") && err.contains("PATH"),
        "{err}"
    );
    let (ok, out, _) = mapisvc(&["remove", "--inf", arg(&path), "--service", "EmlStore"]);
    assert!(ok && out.contains("EmlStore removed"), "{out}");
    assert_eq!(std::fs::read(&path).unwrap(), OUTLOOK);
}
