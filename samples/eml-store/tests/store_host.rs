//! `hosts/store_host.c` plays MAPI against the eml-store provider: `MSProviderInit` with
//! the host's allocators, `Logon` with its minimal `IMAPISupport`, the store's properties,
//! the inbox and its contents table, a sync that imports three new files, the bad-input
//! cases, and the release of everything. On Linux plainly and under valgrind; built with
//! mingw-w64 against the provider DLL under wine64.
//!
//! The host prints one line per scenario and "N passed, M failed"; these tests check the
//! exit code and every line, so a failure shows the scenario with what was expected and
//! what was observed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The host, in this sample's `hosts/`.
fn host_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hosts/store_host.c")
}

/// The scenarios store_host.c runs, in order.
const SCENARIOS: &[&str] = &[
    "ms_provider_init",
    "logon",
    "store_props",
    "open_inbox",
    "inbox_rows",
    "open_message",
    "sync_imports_new_files",
    "sync_nothing_new",
    "sync_reports_bad_files",
    "sync_after_fixing",
    "sync_missing_folder",
    "sync_while_syncing",
    "bad_entry_ids",
    "table_bad_columns",
    "release_everything",
];

/// Builds the provider library for `target` (this host when `None`) in `target/hosts`, the
/// folder samples/sync-provider's tests build in, so this cargo does not wait on the one
/// running the tests.
fn provider_library(target: Option<&str>) -> PathBuf {
    let target_dir = root().join("target/hosts");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args(["build", "--quiet", "-p", "eml-store", "--lib"])
        .arg("--target-dir")
        .arg(&target_dir);
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    let out = cmd.output().expect("cargo");
    let what = target.unwrap_or("this host");
    assert!(
        out.status.success(),
        "building the provider for {what} failed (rustup target add {what}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lib = match target {
        Some(t) => target_dir.join(t).join("debug/eml_store.dll"),
        None => target_dir.join("debug/libeml_store.so"),
    };
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

fn linux_library() -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| provider_library(None)).clone()
}

fn compile(compiler: &str, package: &str, args: &[&str], out: &Path) {
    let o = Command::new(compiler)
        .args(args)
        .arg("-I")
        .arg(root().join("generated/include"))
        .arg("-o")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler} ({e}): apt-get install {package}"));
    assert!(
        o.status.success(),
        "{compiler} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// The host passed every scenario, in order, and said so.
fn assert_host_passed(out: &Output, what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let lines: Vec<&str> = stdout.lines().collect();
    let mut expected: Vec<String> = SCENARIOS.iter().map(|s| format!("ok {s}")).collect();
    expected.push(format!("{} passed, 0 failed", SCENARIOS.len()));
    assert_eq!(
        lines,
        expected,
        "{what} (exit {:?}):\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} exited with {:?}",
        out.status.code()
    );
}

const C_FLAGS: &[&str] = &["-std=gnu11", "-Wall", "-Wextra", "-Werror"];

fn linux_host(dir: &Path) -> PathBuf {
    let exe = dir.join("store_host");
    let src = host_source();
    let mut args = C_FLAGS.to_vec();
    args.extend([src.to_str().unwrap(), "-ldl"]);
    compile("gcc", "gcc", &args, &exe);
    exe
}

#[test]
fn store_host_on_linux() {
    let dir = tempfile::tempdir().unwrap();
    let exe = linux_host(dir.path());
    let out = run(
        Command::new(exe)
            .current_dir(dir.path())
            .arg(linux_library())
            .arg("mail"),
        "the store host",
    );
    assert_host_passed(&out, "store host");
}

#[test]
fn store_host_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    let exe = linux_host(dir.path());
    let out = run(
        Command::new("valgrind")
            .current_dir(dir.path())
            .args([
                "-q",
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(exe)
            .arg(linux_library())
            .arg("mail"),
        "valgrind (apt-get install valgrind)",
    );
    assert_host_passed(&out, "store host under valgrind");
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
fn store_host_on_windows_under_wine() {
    let dll = provider_library(Some("x86_64-pc-windows-gnu"));
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("store_host.exe");
    let src = host_source();
    let mut args = C_FLAGS.to_vec();
    args.push(src.to_str().unwrap());
    compile(
        "x86_64-w64-mingw32-gcc",
        "gcc-mingw-w64-x86-64",
        &args,
        &exe,
    );
    // Wine 8 lacks bcryptprimitives.dll, which Rust's std imports: a shim goes beside.
    let shim = root().join("hosts/bcryptprimitives.c");
    compile(
        "x86_64-w64-mingw32-gcc",
        "gcc-mingw-w64-x86-64",
        &["-shared", shim.to_str().unwrap(), "-ladvapi32"],
        &dir.path().join("bcryptprimitives.dll"),
    );
    std::fs::copy(&dll, dir.path().join("provider.dll")).unwrap();
    let prefix = tempfile::tempdir().unwrap();
    let out = run(
        Command::new(wine64())
            .current_dir(dir.path())
            .env("WINEPREFIX", prefix.path())
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .arg(&exe)
            .args(["provider.dll", "mail"]),
        "wine64",
    );
    // Wine's server outlives the program; stop it so the prefix can go.
    let _ = Command::new("wineserver")
        .env("WINEPREFIX", prefix.path())
        .arg("-k")
        .status();
    assert_host_passed(&out, "store host on Windows (Wine)");
}

/// The DLL's export names, from its export table.
fn exports(objdump: &str, dll: &Path) -> Vec<String> {
    let out = Command::new(objdump)
        .arg("-p")
        .arg(dll)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {objdump} ({e}): apt-get install binutils-mingw-w64")
        });
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .skip_while(|l| !l.contains("[Ordinal/Name Pointer] Table"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('['))
        .filter_map(|l| l.split(']').nth(1).map(|n| n.trim().to_string()))
        .collect()
}

/// 32-bit Windows (which cannot run here): the DLL builds, exports `MSProviderInit`
/// undecorated, as MAPI's `GetProcAddress` asks for it (a cdecl name, `mapispi.h`), and
/// the host compiles against the mingw-w64 headers, whose vtable and structure layouts
/// its `_Static_assert`s check.
#[test]
fn thirty_two_bit_windows_builds_and_exports_its_entry_points_undecorated() {
    let dll = provider_library(Some("i686-pc-windows-gnu"));
    let names = exports("i686-w64-mingw32-objdump", &dll);
    // MAPI looks both entry points up by these names (GetProcAddress; MAPISVC.INF's
    // PR_SERVICE_ENTRY_NAME): on 32-bit Windows the stdcall ServiceEntry must not carry a
    // decoration (`_ServiceEntry@40`, `ServiceEntry@40`), nor the cdecl MSProviderInit.
    for name in ["MSProviderInit", "ServiceEntry", "MapiSync_LiveObjects"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} not exported: {names:?}"
        );
    }
    let decorated: Vec<&String> = names.iter().filter(|n| n.contains('@')).collect();
    assert!(decorated.is_empty(), "decorated exports: {decorated:?}");
    let dir = tempfile::tempdir().unwrap();
    let src = host_source();
    let mut args = C_FLAGS.to_vec();
    args.push(src.to_str().unwrap());
    compile(
        "i686-w64-mingw32-gcc",
        "gcc-mingw-w64-i686",
        &args,
        &dir.path().join("store_host.exe"),
    );
}
