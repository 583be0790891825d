//! The project's tasks: `cargo xtask regen`, `cargo xtask test`, `cargo xtask package`,
//! `cargo xtask bench`, `cargo xtask bench-regen`, `cargo xtask bench-providers`.

mod bench;
mod deps;
mod package;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use mapi_codegen::{generate, output, regenerate, Options};

const HELP: &str = "\
usage: cargo xtask <task>

tasks:
  regen            regenerate generated/ from headers/ (installs libclang and the
                   mingw-w64 MAPI headers first if they are missing)
  regen --check    regenerate into a temporary folder and fail, naming the files that
                   differ, if the committed generated/ is stale
  test             run every check and test: fmt, clippy, the workspace's tests
                   (golden, IDL, C/C++ header, facts, hosts), the Windows builds,
                   the docs (warnings denied), a provider built from the packaged
                   crates, Wine, valgrind, Miri and Rust 1.74
  package          only the docs and packaging checks of `test`: cargo doc with
                   warnings denied, and a provider built from the packaged crates
  bench-regen [--runs N]
                   time a full regen against a plain bindgen + rustfmt run and
                   `clang -fsyntax-only` over the same headers; prints medians and ratios
                   (N >= 3, default 9)
  bench-providers  time the one-struct provider's clean build and its rebuild after an
                   edit against windows-core's #[implement]; prints medians and ratios
  bench-imap [--runs N]
                   only imap-store's sync against mbsync (section 6 of `bench`); prints
                   it, writes nothing (N >= 1, default 5)
  bench [--runs N] everything against the peers: regeneration, compile cost, run time
                   (criterion, benches/) and size, ours vs windows-core's #[implement]
                   vs C, and imap-store's sync vs mbsync on a 10,000-message Dovecot;
                   writes the figures to BENCHMARKS.md (N >= 5, default 5)
";

/// A task failure: the message is printed and the exit code is non-zero.
#[derive(Debug)]
pub struct Fail(pub String);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["regen"] => regen(false),
        ["regen", "--check"] => regen(true),
        ["test"] => test(),
        ["package"] => package::docs().and_then(|()| package::check()),
        ["bench"] => bench::all(5),
        ["bench", "--runs", n] => match n.parse() {
            Ok(n) if n >= 5 => bench::all(n),
            _ => Err(Fail(format!(
                "--runs takes a number of at least 5, not `{n}`"
            ))),
        },
        ["bench-providers"] => bench::providers(5),
        ["bench-imap"] => bench::imap(5),
        ["bench-imap", "--runs", n] => match n.parse() {
            Ok(n) if n >= 1 => bench::imap(n),
            _ => Err(Fail(format!(
                "--runs takes a number of at least 1, not `{n}`"
            ))),
        },
        ["bench-regen"] => bench::regen(),
        ["bench-regen", "--runs", n] => match n.parse() {
            Ok(n) if n >= 3 => bench::regen_with(n),
            _ => Err(Fail(format!(
                "--runs takes a number of at least 3, not `{n}`"
            ))),
        },
        [] | ["help"] | ["--help"] | ["-h"] => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(Fail(format!(
            "unknown task `{}`\n\n{HELP}",
            other.join(" ")
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg)) => {
            eprintln!("xtask: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn codegen_options() -> Options {
    Options {
        manifest: root().join("headers/mapi.toml"),
        mapi_include: None,
    }
}

/// Runs a command, failing with its command line if it fails.
pub fn run(cmd: &mut Command) -> Result<(), Fail> {
    let status = cmd
        .status()
        .map_err(|e| Fail(format!("cannot start {cmd:?}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Fail(format!("{cmd:?} failed ({status})")))
    }
}

fn regen(check: bool) -> Result<(), Fail> {
    deps::ensure_packages(&[deps::REGEN])?;
    let opts = codegen_options();
    let out = root().join("generated");
    if !check {
        let g = regenerate(&opts, &out).map_err(|e| Fail(e.to_string()))?;
        println!(
            "xtask: wrote {} files to {} ({} interfaces, {} constants)",
            g.files.len(),
            out.display(),
            g.model.interfaces.len(),
            g.model.constants.len()
        );
        return Ok(());
    }
    let g = generate(&opts).map_err(|e| Fail(e.to_string()))?;
    let fresh = std::env::temp_dir().join(format!("mapi-regen-check-{}", std::process::id()));
    output::write_atomically(&fresh, &g.files).map_err(|e| Fail(e.to_string()))?;
    match output::check_up_to_date(&out, &g.files) {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&fresh);
            println!("xtask: generated/ is up to date");
            Ok(())
        }
        Err(e) => Err(Fail(format!(
            "{e}\n  the fresh copy is in {} (compare with `diff -r generated {}`)",
            fresh.display(),
            fresh.display()
        ))),
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// When each step of `cargo xtask test` began, for the table of times at its end.
static STEPS: std::sync::Mutex<Vec<(String, std::time::Instant)>> =
    std::sync::Mutex::new(Vec::new());

/// Prints a step's name and notes when it began.
pub fn announce(name: &str) {
    eprintln!("xtask: ==> {name}");
    if let Ok(mut steps) = STEPS.lock() {
        steps.push((name.to_owned(), std::time::Instant::now()));
    }
}

/// How long each announced step took (until the next began, the last until now), so a
/// CI run shows where its minutes go.
fn print_step_times() {
    let Ok(steps) = STEPS.lock() else { return };
    let now = std::time::Instant::now();
    eprintln!("xtask: time per step (seconds):");
    for (i, (name, began)) in steps.iter().enumerate() {
        let ended = steps.get(i + 1).map_or(now, |next| next.1);
        let short: String = name.chars().take(90).collect();
        eprintln!(
            "xtask: {:>7.1}  {short}",
            ended.duration_since(*began).as_secs_f64()
        );
    }
}

fn step(name: &str, cmd: &mut Command) -> Result<(), Fail> {
    announce(name);
    run(cmd)
}

fn test() -> Result<(), Fail> {
    deps::ensure_packages(&[deps::REGEN, deps::TEST])?;
    deps::ensure_targets()?;
    step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "cargo clippy -p mapi-codegen --no-default-features (the IDL-only generator a \
         provider's build.rs uses: no libclang, bindgen or manifest)",
        cargo().args([
            "clippy",
            "-p",
            "mapi-codegen",
            "--no-default-features",
            "--lib",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    announce("cargo test");
    let (passed, failed) = run_tests(cargo().args(["test", "--workspace"]))?;
    for t in deps::TARGETS {
        step(
            &format!("build all of the bindings for {t} (checks their layouts there)"),
            cargo().args([
                "build",
                "--quiet",
                "-p",
                "mapi-sync-sys",
                "--features",
                "full",
                "--target",
                t,
            ]),
        )?;
    }
    // imap-store's Windows path (its password through DPAPI) is not type-checked for
    // Windows here: a minute from nothing (ring's C with mingw, rustls, mail-parser,
    // imap) that the 30-minute budget has no room for; `mapi_sync::dpapi`, what it
    // calls, is tested under Wine below.
    package::docs()?;
    package::check()?;
    let (wine_passed, wine_failed) = windows_unit_tests()?;
    let (vg_passed, vg_failed) = under_valgrind()?;
    let (miri_passed, miri_failed) = miri()?;
    msrv()?;
    print_step_times();
    eprintln!("xtask: all checks passed");
    println!(
        "tests: {} passed, {} failed",
        passed + wine_passed + vg_passed + miri_passed,
        failed + wine_failed + vg_failed + miri_failed
    );
    Ok(())
}

/// The runtime's crate (its unit tests) and the facade (the Rust hosts in `tests/`), for
/// the valgrind and Miri runs.
const RUNTIME_AND_FACADE: [&str; 4] = ["-p", "mapi-sync-runtime", "-p", "mapi-sync"];

/// The facade's Rust host tests (`tests/*.rs`) that Miri and valgrind run beside the
/// runtime's unit tests.
const RUST_HOST_TESTS: [&str; 7] = [
    "host",
    "semantics",
    "interfaces",
    "objects",
    "macro_hygiene",
    "stress",
    "props",
];

/// The store framework's tests of its `ll/` module (its only unsafe code: the MAPI objects
/// and the caller's restrictions and sort orders), which Miri and valgrind run too.
const STORE_UNSAFE_TESTS: [&str; 12] = [
    "table_object",
    "writes",
    "notifications",
    "attachments",
    "read_state",
    "store_objects",
    "logon",
    "logoff",
    "named",
    "service_entry",
    "status",
    "streams",
];

/// The part of [`STORE_UNSAFE_TESTS`] the second and third Miri runs (Tree Borrows, 32-bit)
/// take: the tests whose objects read and write the caller's MAPI structures (tables,
/// restrictions, rows, property values, streams, names). The rest (logon, logoff,
/// notifications, read state, the service entry, status) go through the same code and run
/// under Stacked Borrows and valgrind; leaving them out of the other two runs keeps the
/// whole test command within its 30 minutes.
const STORE_UNSAFE_CORE: [&str; 5] = [
    "table_object",
    "store_objects",
    "attachments",
    "named",
    "streams",
];

/// `--test NAME` for each of `tests`.
fn test_args<'a>(tests: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    tests.into_iter().flat_map(|t| ["--test", t]).collect()
}

/// The runtime's unit tests and Rust host tests run by valgrind: no invalid access, no
/// definite leak (the runtime's idle pool threads are still alive at exit; what they hold
/// is reachable). `stress.rs` is left out: its 800,000 rounds are for native speed.
fn under_valgrind() -> Result<(u64, u64), Fail> {
    const RUNNER: &str =
        "valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite";
    announce("the runtime's Rust tests under valgrind");
    let runtime = run_tests(
        cargo()
            .arg("test")
            .args(RUNTIME_AND_FACADE)
            .arg("--lib")
            .args(test_args(
                RUST_HOST_TESTS.into_iter().filter(|&t| t != "stress"),
            ))
            .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", RUNNER),
    )?;
    announce("the store framework's MAPI objects under valgrind");
    let store = run_tests(
        cargo()
            .args(["test", "-p", "mapi-sync-store"])
            .args(test_args(STORE_UNSAFE_TESTS))
            .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", RUNNER),
    )?;
    Ok((runtime.0 + store.0, runtime.1 + store.1))
}

/// The runtime's unit tests built for x86_64 Windows and run by Wine: the real Win32
/// event (`WaitForSingleObject`, `DuplicateHandle`, `WAIT_FAILED`), the module pin, the
/// thread pool and DPAPI (`dpapi`, Wine's crypt32) on Windows.
/// Debian's wine64 (its loader is in /usr/lib/wine).
fn wine64() -> Result<&'static str, Fail> {
    ["/usr/lib/wine/wine64", "/usr/bin/wine64"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or_else(|| Fail("wine64 is not installed: apt-get install wine64".into()))
}

/// Wine 8 lacks bcryptprimitives.dll, which Rust's std imports: a shim of ours, built
/// into `dir` (beside a program, or on WINEPATH).
fn wine_shim(dir: &Path) -> Result<(), Fail> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Fail(format!("cannot create {}: {e}", dir.display())))?;
    run(Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(root().join("hosts/bcryptprimitives.c"))
        .arg("-ladvapi32"))
}

/// Wine's server outlives the programs; stop it and remove the prefix.
fn stop_wine(wine: &str, prefix: &Path) {
    let _ = Command::new(Path::new(wine).with_file_name("wineserver"))
        .env("WINEPREFIX", prefix)
        .arg("-k")
        .status();
    let _ = std::fs::remove_dir_all(prefix);
}

fn windows_unit_tests() -> Result<(u64, u64), Fail> {
    let wine = wine64()?;
    let shim_dir = root().join("target/wine-shim");
    wine_shim(&shim_dir)?;
    let prefix = std::env::temp_dir().join(format!("mapi-sync-wine-{}", std::process::id()));
    announce("the runtime's unit tests on x86_64 Windows, under Wine");
    let result = run_tests(
        cargo()
            .args([
                "test",
                "-p",
                "mapi-sync-runtime",
                "--lib",
                "--target",
                "x86_64-pc-windows-gnu",
            ])
            .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", wine)
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env(
                "WINEPATH",
                format!("Z:{}", shim_dir.display()).replace('/', "\\"),
            ),
    );
    stop_wine(wine, &prefix);
    result
}

/// The nightly toolchain Miri comes with.
const NIGHTLY: &str = "nightly";

/// The runtime's unit tests and its Rust host tests under Miri, once with Stacked Borrows
/// and once with Tree Borrows, strict provenance both times. Isolation is off (the tests
/// read the generated sources and use clocks); leaks are not checked because the
/// runtime's pool threads outlive `main` (valgrind checks leaks in the C hosts).
fn miri() -> Result<(u64, u64), Fail> {
    deps::ensure_toolchain(
        NIGHTLY,
        &["miri", "rust-src"],
        &[],
        "Miri checks the runtime's unsafe code",
    )?;
    let mut total = (0, 0);
    // The 32-bit run checks the runtime's pointer arithmetic where pointers are 4 bytes
    // (Miri builds its own standard library for the target).
    let runs: [(&str, &str, Option<&str>); 3] = [
        ("Stacked Borrows", "", None),
        ("Tree Borrows", " -Zmiri-tree-borrows", None),
        (
            "Stacked Borrows, 32-bit",
            "",
            Some("i686-unknown-linux-gnu"),
        ),
    ];
    for (model, extra, target) in runs {
        announce(&format!("cargo miri test ({model})"));
        let mut cmd = deps::rustup();
        cmd.current_dir(root())
            .args(["run", NIGHTLY, "cargo", "miri", "test"])
            .args(RUNTIME_AND_FACADE)
            .arg("--lib")
            .args(target.map(|t| ["--target", t]).into_iter().flatten())
            .args(test_args(RUST_HOST_TESTS))
            .env(
                "MIRIFLAGS",
                format!(
                    "-Zmiri-disable-isolation -Zmiri-ignore-leaks -Zmiri-strict-provenance{extra}"
                ),
            );
        let (p, f) = run_tests(&mut cmd)?;
        total = (total.0 + p, total.1 + f);
        announce(&format!(
            "the store framework's MAPI objects under Miri ({model})"
        ));
        let mut store = deps::rustup();
        store
            .current_dir(root())
            .args([
                "run",
                NIGHTLY,
                "cargo",
                "miri",
                "test",
                "-p",
                "mapi-sync-store",
            ])
            .args(target.map(|t| ["--target", t]).into_iter().flatten())
            .args(test_args(
                if model == "Stacked Borrows" {
                    &STORE_UNSAFE_TESTS[..]
                } else {
                    &STORE_UNSAFE_CORE[..]
                }
                .iter()
                .copied(),
            ))
            .env(
                "MIRIFLAGS",
                format!(
                    "-Zmiri-disable-isolation -Zmiri-ignore-leaks -Zmiri-strict-provenance{extra}"
                ),
            );
        let (p, f) = run_tests(&mut store)?;
        total = (total.0 + p, total.1 + f);
    }
    Ok(total)
}

/// The supported Rust version, 1.74: a provider crate (`tests/crates/msrv`, with a lock
/// file resolved for 1.74) built with it for Linux and 64-bit Windows. Rust 1.74's standard
/// library for i686-pc-windows-gnu cannot be downloaded, so 32-bit Windows is built with
/// the current toolchain only (above).
fn msrv() -> Result<(), Fail> {
    const MSRV: &str = "1.74";
    const WINDOWS: &str = "x86_64-pc-windows-gnu";
    deps::ensure_toolchain(MSRV, &[], &[WINDOWS], "the oldest supported Rust")?;
    let manifest = root().join("tests/crates/msrv/Cargo.toml");
    let target_dir = root().join("target/msrv");
    for target in [None, Some(WINDOWS)] {
        let mut cmd = deps::rustup();
        cmd.args(["run", MSRV, "cargo", "build", "--quiet", "--locked"])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir);
        if let Some(t) = target {
            cmd.args(["--target", t]);
        }
        step(
            &format!(
                "build a provider with Rust {MSRV} for {}",
                target.unwrap_or("this host")
            ),
            &mut cmd,
        )?;
    }
    Ok(())
}

/// Runs `cargo test`, echoing its output, and adds up its `test result:` lines.
fn run_tests(cmd: &mut Command) -> Result<(u64, u64), Fail> {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Fail(format!("cannot start {cmd:?}: {e}")))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                passed += count(rest, " passed");
                failed += count(rest, " failed");
            }
        }
    }
    let status = child.wait().map_err(|e| Fail(format!("{cmd:?}: {e}")))?;
    if !status.success() {
        return Err(Fail(format!(
            "cargo test failed ({status}): {passed} passed, {failed} failed"
        )));
    }
    Ok((passed, failed))
}

/// The number before `what` in `ok. 5 passed; 0 failed; ...`.
fn count(summary: &str, what: &str) -> u64 {
    summary
        .split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(what.trim_start())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{count, HELP};

    #[test]
    fn help_names_every_task() {
        for task in [
            "regen ",
            "regen --check",
            "test ",
            "package ",
            "bench-regen [--runs N]",
            "bench-providers ",
            "bench-imap [--runs N]",
            "bench [--runs N]",
        ] {
            assert!(HELP.contains(&format!("\n  {task}")), "HELP lacks `{task}`");
        }
    }

    #[test]
    fn counts_cargo_test_summaries() {
        let ok = "ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(count(ok, " passed"), 5);
        assert_eq!(count(ok, " failed"), 0);
        let bad = "FAILED. 2 passed; 3 failed; 0 ignored";
        assert_eq!(count(bad, " passed"), 2);
        assert_eq!(count(bad, " failed"), 3);
    }
}
