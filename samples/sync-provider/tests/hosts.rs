//! Real hosts drive the sample provider: a C host and a C++ host on Linux (also under
//! valgrind), the C host built for Windows and run by Wine against the provider DLL, and
//! for 32-bit Windows a build and a link that must resolve the stdcall exports.
//!
//! Each host prints one line per scenario and "N passed, M failed"; these tests check the
//! exit code and every line, so a failure shows the scenario with the expected and the
//! observed call sequence.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// This sample's hosts.
fn hosts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hosts")
}

fn include() -> PathBuf {
    root().join("generated/include")
}

/// The scenarios host.c runs, in order.
const C_SCENARIOS: &[&str] = &[
    "sync_ok",
    "sync_error",
    "provider_panics",
    "null_mapisib",
    "short_ulsize",
    "null_done_event_pointer",
    "callback_without_imapisyncprogresscallback",
    "unknown_iid",
    "null_out_pointer",
    "null_iid",
    "com_identity",
    "refcount_back_to_zero",
    "done_sees_published_handle",
    "object_advise_sink",
    "object_folder_itself_and_child",
    "object_message_get_props",
];

const CPP_SCENARIOS: &[&str] = &[
    "cpp_sync_ok",
    "cpp_sync_error",
    "cpp_provider_panics",
    "cpp_com_identity",
    "cpp_unknown_iid",
    "cpp_last_release",
];

/// The provider as a Linux shared library. `cargo test` builds only the rlib, so this
/// builds the cdylib, once per test binary.
fn linux_library() -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| provider_library(None)).clone()
}

fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// Compiles with `compiler`, failing with the package to install if it is missing.
fn compile(compiler: &str, package: &str, args: &[&str], out: &Path) {
    let o = Command::new(compiler)
        .args(args)
        .arg("-I")
        .arg(include())
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

/// The host passed every scenario, in order, and said so.
fn assert_host_passed(out: &Output, scenarios: &[&str], what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let lines: Vec<&str> = stdout.lines().collect();
    let mut expected: Vec<String> = scenarios.iter().map(|s| format!("ok {s}")).collect();
    expected.push(format!("{} passed, 0 failed", scenarios.len()));
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

/// `hosts/NAME.c` built by gcc for Linux as `dir/NAME`.
fn linux_c_host(dir: &Path, name: &str) -> PathBuf {
    let exe = dir.join(name);
    let src = hosts().join(format!("{name}.c"));
    compile(
        "gcc",
        "gcc",
        &[
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            src.to_str().unwrap(),
            "-ldl",
        ],
        &exe,
    );
    exe
}

fn c_host(dir: &Path) -> PathBuf {
    linux_c_host(dir, "host")
}

fn cpp_host(dir: &Path) -> PathBuf {
    let exe = dir.join("host_cpp");
    let src = hosts().join("host.cpp");
    compile(
        "g++",
        "g++",
        &[
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            src.to_str().unwrap(),
            "-ldl",
            "-pthread",
        ],
        &exe,
    );
    exe
}

#[test]
fn c_host_on_linux() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        Command::new(c_host(dir.path())).arg(linux_library()),
        "the C host",
    );
    assert_host_passed(&out, C_SCENARIOS, "C host");
}

#[test]
fn cpp_host_on_linux() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        Command::new(cpp_host(dir.path())).arg(linux_library()),
        "the C++ host",
    );
    assert_host_passed(&out, CPP_SCENARIOS, "C++ host");
}

fn valgrind(exe: &Path) -> Command {
    let mut c = Command::new("valgrind");
    c.args([
        "-q",
        "--error-exitcode=1",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
    ])
    .arg(exe)
    .arg(linux_library());
    c
}

#[test]
fn c_host_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &mut valgrind(&c_host(dir.path())),
        "valgrind (apt-get install valgrind)",
    );
    assert_host_passed(&out, C_SCENARIOS, "C host under valgrind");
}

#[test]
fn cpp_host_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &mut valgrind(&cpp_host(dir.path())),
        "valgrind (apt-get install valgrind)",
    );
    assert_host_passed(&out, CPP_SCENARIOS, "C++ host under valgrind");
}

/// Builds the provider library for `target` (the host when `None`), in a target folder of
/// its own so this cargo does not wait on the one running the tests.
fn provider_library(target: Option<&str>) -> PathBuf {
    let target_dir = root().join("target/hosts");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args(["build", "--quiet", "-p", "mapi-sync-sample-provider"])
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
        Some(t) => target_dir
            .join(t)
            .join("debug/mapi_sync_sample_provider.dll"),
        None => target_dir.join("debug/libmapi_sync_sample_provider.so"),
    };
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

fn windows_dll(target: &str) -> PathBuf {
    provider_library(Some(target))
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

/// A folder holding the provider DLL (as `provider.dll`), the bcryptprimitives shim and
/// `source` built as `NAME.exe` for x86_64 Windows.
fn windows_folder(source: &str, name: &str) -> tempfile::TempDir {
    let dll = windows_dll("x86_64-pc-windows-gnu");
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join(format!("{name}.exe"));
    let src = hosts().join(source);
    compile(
        "x86_64-w64-mingw32-gcc",
        "gcc-mingw-w64-x86-64",
        &[
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            src.to_str().unwrap(),
        ],
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
    dir
}

/// Runs `NAME.exe ARGS` from `dir` under wine64 in a fresh prefix.
fn under_wine(dir: &Path, name: &str, args: &[&str]) -> Output {
    let prefix = tempfile::tempdir().unwrap();
    let out = run(
        Command::new(wine64())
            .current_dir(dir)
            .env("WINEPREFIX", prefix.path())
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .arg(dir.join(format!("{name}.exe")))
            .args(args),
        "wine64",
    );
    // Wine's server outlives the program; stop it so the prefix can go.
    let _ = Command::new("wineserver")
        .env("WINEPREFIX", prefix.path())
        .arg("-k")
        .status();
    out
}

#[test]
fn c_host_on_windows_under_wine() {
    let dir = windows_folder("host.c", "host");
    let out = under_wine(dir.path(), "host", &["provider.dll"]);
    assert_host_passed(&out, C_SCENARIOS, "C host on Windows (Wine)");
}

/// Loading, syncing and unloading 2,000 times in one process. Without the pinned module
/// this crashes (a sync thread executing unmapped code) and, past 300 to 400 rounds,
/// would run out of TLS indexes, which every unloaded copy of a Rust DLL leaks.
#[test]
fn two_thousand_load_sync_unload_rounds_under_wine() {
    let dir = windows_folder("unload.c", "unload");
    let out = under_wine(dir.path(), "unload", &["provider.dll", "2000", "cycle"]);
    assert_host_passed(&out, &["load_sync_unload"], "2,000 rounds under Wine");
}

/// FreeLibrary the moment the done event fires, while the sync thread still runs the
/// provider's code on its way out: 3 runs of 200 rounds.
#[test]
fn unloading_the_moment_the_event_fires_under_wine() {
    let dir = windows_folder("unload.c", "unload");
    for run in 1..=3 {
        let out = under_wine(dir.path(), "unload", &["provider.dll", "200", "at-event"]);
        assert_host_passed(
            &out,
            &["unload_at_event"],
            &format!("unload at the event under Wine, run {run}"),
        );
    }
}

/// The same loops with dlopen/dlclose on Linux, under valgrind: no invalid access.
#[test]
fn dlopen_dlclose_rounds_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    let exe = linux_c_host(dir.path(), "unload");
    for (mode, name) in [
        ("cycle", "load_sync_unload"),
        ("at-event", "unload_at_event"),
    ] {
        let mut cmd = valgrind(&exe);
        cmd.args(["300", mode]);
        let out = run(&mut cmd, "valgrind (apt-get install valgrind)");
        assert_host_passed(&out, &[name], &format!("{mode} under valgrind"));
    }
}

/// The DLL's export names, from its export table.
fn exports(objdump: &str, dll: &Path) -> Vec<String> {
    let out = Command::new(objdump)
        .arg("-p")
        .arg(dll)
        .output()
        .expect("objdump");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .skip_while(|l| !l.contains("[Ordinal/Name Pointer] Table"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('['))
        .filter_map(|l| l.split(']').nth(1).map(|n| n.trim().to_string()))
        .collect()
}

#[test]
fn thirty_two_bit_windows_builds_and_stdcall_links() {
    let dll = windows_dll("i686-pc-windows-gnu");
    let dir = tempfile::tempdir().unwrap();
    let src = hosts().join("host.c");
    compile(
        "i686-w64-mingw32-gcc",
        "gcc-mingw-w64-i686",
        &[
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            src.to_str().unwrap(),
        ],
        &dir.path().join("host.exe"),
    );
    // An import library for the decorated stdcall names a C caller uses...
    let implib = dir.path().join("libprovider.a");
    let o = Command::new("i686-w64-mingw32-dlltool")
        .arg("-k")
        .arg("-d")
        .arg(hosts().join("provider.def"))
        .arg("-l")
        .arg(&implib)
        .output()
        .expect("i686-w64-mingw32-dlltool (binutils-mingw-w64-i686)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // ...a program that calls the exports directly must link against it...
    let check = hosts().join("link_check.c");
    let exe = dir.path().join("link_check.exe");
    compile(
        "i686-w64-mingw32-gcc",
        "gcc-mingw-w64-i686",
        &[
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-DINITGUID",
            check.to_str().unwrap(),
            implib.to_str().unwrap(),
        ],
        &exe,
    );
    // ...and every name it imports from the provider is one the DLL exports.
    let dll_exports = exports("i686-w64-mingw32-objdump", &dll);
    let imports = Command::new("i686-w64-mingw32-objdump")
        .arg("-p")
        .arg(&exe)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&imports.stdout).to_string();
    let imported: Vec<String> = text
        .lines()
        .skip_while(|l| !l.contains("DLL Name: mapi_sync_sample_provider.dll"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().nth(2).map(String::from))
        .collect();
    assert_eq!(
        imported,
        ["MapiSyncSample_Create", "MapiSyncSample_LiveObjects"],
        "imports of link_check.exe:\n{text}"
    );
    for name in &imported {
        assert!(
            dll_exports.contains(name),
            "{name} is not exported: {dll_exports:?}"
        );
    }
}
