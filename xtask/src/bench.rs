//! Benchmarks, printed as medians and ratios; nothing here is asserted.
//!
//! - `cargo xtask bench-regen`: a full regeneration against, in the same run, a plain
//!   bindgen run with rustfmt over the same headers and `clang -fsyntax-only` over them.
//! - `cargo xtask bench`: that, plus compile cost, run time (criterion, in
//!   `benches/com.rs`) and size, against windows-core's `#[implement]` and a provider written in
//!   C; the results go to BENCHMARKS.md between its markers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mapi_codegen::inputs::Inputs;
use mapi_codegen::ir::header_key;
use mapi_codegen::manifest::Manifest;
use mapi_codegen::regenerate;

use crate::package::copy_tree;
use crate::{codegen_options, deps, root, Fail};

/// No extra `cargo build` arguments.
const NO_ARGS: &[&str] = &[];

type Job<'a> = (&'static str, &'a dyn Fn() -> Result<(), Fail>);

/// Runs every job once to warm up, then `runs` rounds, the order reversed every other
/// round; returns each job's median.
fn measure(jobs: &[Job<'_>], runs: usize, warm_up: bool) -> Result<Vec<Duration>, Fail> {
    if warm_up {
        for (_, job) in jobs {
            job()?;
        }
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); jobs.len()];
    for round in 0..runs {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..jobs.len()).collect()
        } else {
            (0..jobs.len()).rev().collect()
        };
        for i in order {
            eprintln!("xtask: bench: {} (round {})", jobs[i].0, round + 1);
            let t = Instant::now();
            (jobs[i].1)()?;
            times[i].push(t.elapsed());
        }
    }
    Ok(times.iter_mut().map(|t| median(t)).collect())
}

/// Rounds of the incremental rebuilds per `runs`: each takes about a tenth of a second and
/// moves by a few milliseconds from run to run, so they get more rounds than the rest.
const REBUILD_ROUNDS: usize = 4;

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn io<T>(r: std::io::Result<T>, what: &str) -> Result<T, Fail> {
    r.map_err(|e| Fail(format!("{what}: {e}")))
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Result<Scratch, Fail> {
        let p = std::env::temp_dir().join(format!("mapi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        io(std::fs::create_dir_all(&p), "scratch folder")?;
        Ok(Scratch(p))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // MAPI_BENCH_KEEP=1 leaves the fixtures and their builds for a closer look.
        if std::env::var_os("MAPI_BENCH_KEEP").is_some() {
            eprintln!("bench: kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The regeneration figures, and where the plain bindgen output was left.
struct Regen {
    full: Duration,
    plain: Duration,
    syntax_only: Duration,
    plain_output: PathBuf,
}

fn regen_figures(runs: usize, scratch: &Path) -> Result<Regen, Fail> {
    deps::ensure_packages(&[deps::REGEN])?;
    let opts = codegen_options();
    let manifest = Manifest::load(&opts.manifest).map_err(|e| Fail(e.to_string()))?;
    let inputs = Inputs::resolve(&manifest, None).map_err(|e| Fail(e.to_string()))?;
    let triple = &manifest.spec.targets[0].triple;
    let main_h = scratch.join("all.h");
    let mut main_src = inputs.main_source();
    for idl in &inputs.idl {
        let real = scratch.join(&idl.key);
        io(std::fs::write(&real, &idl.header), "IDL header")?;
        main_src = main_src.replace(&idl.virtual_path, &real.display().to_string());
    }
    io(std::fs::write(&main_h, &main_src), "all.h")?;
    let clang_args = inputs.clang_args(triple, false);
    let plain_output = scratch.join("plain.rs");

    let full = || -> Result<(), Fail> {
        regenerate(&opts, &scratch.join("generated"))
            .map(|_| ())
            .map_err(|e| Fail(e.to_string()))
    };
    let plain_bindgen = || -> Result<(), Fail> {
        let mut b = bindgen::Builder::default()
            .header(main_h.display().to_string())
            .clang_args(&clang_args)
            .formatter(bindgen::Formatter::Rustfmt);
        // What a plain run allowlists: the declarations of the same headers.
        for f in &manifest.spec.emit.types_from {
            b = b.allowlist_file(format!(".*/{}", file_regex(&header_key(f))));
        }
        let out = b.generate().map_err(|e| Fail(format!("bindgen: {e}")))?;
        io(out.write_to_file(&plain_output), "plain.rs")
    };
    let syntax_only = || -> Result<(), Fail> {
        crate::run(
            Command::new("clang")
                .arg("-fsyntax-only")
                .args(&clang_args)
                .arg(&main_h),
        )
    };
    let m = measure(
        &[
            ("full regen (2 targets)", &full),
            ("plain bindgen + rustfmt", &plain_bindgen),
            ("clang -fsyntax-only", &syntax_only),
        ],
        runs,
        true,
    )?;
    Ok(Regen {
        full: m[0],
        plain: m[1],
        syntax_only: m[2],
        plain_output,
    })
}

pub fn regen() -> Result<(), Fail> {
    regen_with(9)
}

pub fn regen_with(runs: usize) -> Result<(), Fail> {
    let scratch = Scratch::new("bench-regen")?;
    let r = regen_figures(runs, &scratch.0)?;
    println!("bench-regen: {runs} runs each after one warm-up, order alternating; medians:");
    println!("  full regen (2 targets)     {:>9.1} ms", ms(r.full));
    println!("  plain bindgen + rustfmt    {:>9.1} ms", ms(r.plain));
    println!("  clang -fsyntax-only        {:>9.1} ms", ms(r.syntax_only));
    println!(
        "  ratio full regen / plain bindgen+rustfmt: {:.2}",
        ms(r.full) / ms(r.plain)
    );
    println!(
        "  ratio full regen / clang -fsyntax-only:    {:.2}",
        ms(r.full) / ms(r.syntax_only)
    );
    Ok(())
}

/// `mapidefs.h` -> `[mM][aA]...\\.[hH]`: case-insensitive, as the generator matches names.
fn file_regex(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// A clean `cargo build` of the crate at `manifest` into a fresh target folder.
fn clean_build<S: AsRef<std::ffi::OsStr>>(
    manifest: &Path,
    target_dir: &Path,
    args: &[S],
) -> Result<(), Fail> {
    let _ = std::fs::remove_dir_all(target_dir);
    build(manifest, target_dir, args)
}

/// `cargo build --quiet` of `manifest` into `target_dir`.
fn build<S: AsRef<std::ffi::OsStr>>(
    manifest: &Path,
    target_dir: &Path,
    args: &[S],
) -> Result<(), Fail> {
    let out = io(
        cargo()
            .arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(target_dir)
            .args(args)
            .output(),
        "cargo build",
    )?;
    if !out.status.success() {
        return Err(Fail(format!(
            "building {} failed:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

fn standalone(manifest: &Path) -> Result<(), Fail> {
    let text = io(std::fs::read_to_string(manifest), "Cargo.toml")?;
    if !text.contains("[workspace]") {
        io(
            std::fs::write(manifest, format!("{text}\n[workspace]\n")),
            "Cargo.toml",
        )?;
    }
    Ok(())
}

/// The two one-struct providers as their authors build them: windows-core's from
/// crates.io, ours from the published crates as crates.io would serve them (packaged,
/// then a directory source in place of crates.io, so they build like registry crates:
/// without incremental compilation, 16 codegen units, lints capped, no file checks on a
/// rebuild), not as path dependencies of this repository.
struct Fixtures {
    /// `benches/fixtures/ours`, copied, depending on `mapi-sync` by version.
    ours: PathBuf,
    /// `benches/fixtures/deps-only`, copied, depending on `mapi-sync` by version.
    deps_only: PathBuf,
    /// `--config` arguments that replace crates.io by the directory source.
    ours_args: Vec<String>,
    /// `benches/fixtures/windows-core`, copied.
    windows_core: PathBuf,
}

/// Copies the fixture `name` to `to`, its path dependency on `mapi-sync` made one on
/// this version (from the directory source); gives its manifest.
fn published_copy(name: &str, to: &Path) -> Result<PathBuf, Fail> {
    let fixture = root().join("benches/fixtures").join(name);
    copy_tree(&fixture, to)?;
    let manifest = to.join("Cargo.toml");
    let text = io(std::fs::read_to_string(&manifest), "Cargo.toml")?;
    let by_path = "mapi-sync = { path = \"../../..\" }";
    if !text.contains(by_path) {
        return Err(Fail(format!(
            "{} no longer says `{by_path}`: update the bench",
            fixture.join("Cargo.toml").display()
        )));
    }
    let version = env!("CARGO_PKG_VERSION");
    io(
        std::fs::write(
            &manifest,
            text.replace(by_path, &format!("mapi-sync = \"={version}\"")),
        ),
        "Cargo.toml",
    )?;
    Ok(manifest)
}

impl Fixtures {
    fn new(scratch: &Path) -> Result<Fixtures, Fail> {
        let sources = crate::package::pack(&scratch.join("packages"))?;
        let fixtures = root().join("benches/fixtures");
        let manifest = published_copy("ours", &scratch.join("fixture-ours"))?;
        let ours = manifest.parent().expect("a crate folder").to_path_buf();
        let deps_only = published_copy("deps-only", &scratch.join("fixture-deps-only"))?;
        // The registry crates the packages need, vendored from cargo's cache; then the
        // packages themselves beside them.
        let vendor = scratch.join("vendor");
        crate::run(
            cargo()
                .current_dir(&ours)
                .args(["vendor", "--quiet", "--offline", "--versioned-dirs"])
                .arg(&vendor)
                .args(crate::package::patches(&sources)),
        )?;
        for (_, dir) in &sources {
            let name = dir.file_name().expect("an unpacked crate's folder");
            let copy = vendor.join(name);
            copy_tree(dir, &copy)?;
            io(
                std::fs::write(
                    copy.join(".cargo-checksum.json"),
                    "{\"files\":{},\"package\":null}",
                ),
                ".cargo-checksum.json",
            )?;
        }
        let ours_args = vec![
            "--config".to_string(),
            "source.crates-io.replace-with=\"bench-packages\"".to_string(),
            "--config".to_string(),
            format!(
                "source.bench-packages.directory={}",
                crate::package::toml_string(&vendor)
            ),
        ];
        let windows_core = scratch.join("fixture-windows-core");
        copy_tree(&fixtures.join("windows-core"), &windows_core)?;
        Ok(Fixtures {
            ours: manifest,
            deps_only,
            ours_args,
            windows_core: windows_core.join("Cargo.toml"),
        })
    }
}

struct Compile {
    generated: Duration,
    generated_full: Duration,
    raw: Duration,
    ours: Duration,
    /// The same provider with `mapi-sync` as a path dependency of this repository.
    ours_path: Duration,
    windows_core: Duration,
    ours_incremental: Duration,
    windows_core_incremental: Duration,
    /// A cdylib with std alone: the floor under both rebuilds.
    floor_incremental: Duration,
    /// The floor with a dependency on `mapi-sync` that it does not use.
    deps_only_incremental: Duration,
}

/// A build after an edit of the provider's `src/lib.rs` (a comment appended, so the
/// crate itself recompiles and nothing it depends on), in a target folder a first build
/// has filled.
fn incremental_build<S: AsRef<std::ffi::OsStr>>(
    manifest: &Path,
    target_dir: &Path,
    edit: &std::cell::Cell<u32>,
    args: &[S],
) -> Result<(), Fail> {
    let lib = manifest.with_file_name("src").join("lib.rs");
    let mut text = io(std::fs::read_to_string(&lib), "lib.rs")?;
    edit.set(edit.get() + 1);
    text.push_str(&format!("// edit {}\n", edit.get()));
    io(std::fs::write(&lib, text), "lib.rs")?;
    build(manifest, target_dir, args)
}

/// Copies the crate folder `from` to `to` and builds it once into `target_dir`, so that
/// a rebuild there compiles the crate alone; gives the copy's manifest.
fn rebuild_copy(
    from: &Path,
    to: &Path,
    target_dir: &Path,
    args: &[String],
) -> Result<PathBuf, Fail> {
    copy_tree(from, to)?;
    let manifest = to.join("Cargo.toml");
    clean_build(&manifest, target_dir, args)?;
    Ok(manifest)
}

fn compile_figures(
    runs: usize,
    scratch: &Path,
    plain_output: &Path,
    fixtures: &Fixtures,
) -> Result<Compile, Fail> {
    // generated/ as a crate of its own, and bindgen's plain output as one.
    let gen = scratch.join("generated-crate");
    copy_tree(&root().join("generated"), &gen)?;
    standalone(&gen.join("Cargo.toml"))?;
    let raw = scratch.join("raw-bindgen-crate");
    io(std::fs::create_dir_all(raw.join("src")), "raw crate")?;
    io(
        std::fs::write(
            raw.join("Cargo.toml"),
            "[package]\nname = \"raw-bindgen\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        "raw crate",
    )?;
    let bindings = io(std::fs::read_to_string(plain_output), "plain.rs")?;
    io(
        std::fs::write(
            raw.join("src/lib.rs"),
            format!(
                "#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals, \
                 dead_code, improper_ctypes, clippy::all)]\n{bindings}"
            ),
        ),
        "raw crate",
    )?;
    // bindgen's output has the mingw layout in its assertions: build both for Windows.
    let win = ["--target", "x86_64-pc-windows-gnu"];
    let target = scratch.join("target-bindings");
    let build_gen = || clean_build(&gen.join("Cargo.toml"), &target, &win);
    let full = ["--target", "x86_64-pc-windows-gnu", "--features", "full"];
    let build_gen_full = || clean_build(&gen.join("Cargo.toml"), &target, &full);
    let build_raw = || clean_build(&raw.join("Cargo.toml"), &target, &win);
    let b = measure(
        &[
            ("clean build: generated/", &build_gen),
            ("clean build: generated/ with full", &build_gen_full),
            ("clean build: raw bindgen output", &build_raw),
        ],
        runs,
        false,
    )?;

    let (p, i) = provider_figures(runs, scratch, fixtures)?;
    Ok(Compile {
        generated: b[0],
        generated_full: b[1],
        raw: b[2],
        ours: p[0],
        windows_core: p[1],
        ours_path: p[2],
        ours_incremental: i[0],
        windows_core_incremental: i[1],
        floor_incremental: i[2],
        deps_only_incremental: i[3],
    })
}

/// The one-struct providers' clean builds (ours, windows-core's, ours as a path
/// dependency) and rebuilds after an edit (ours, windows-core's): medians.
fn provider_figures(
    runs: usize,
    scratch: &Path,
    fixtures: &Fixtures,
) -> Result<(Vec<Duration>, Vec<Duration>), Fail> {
    let ours_path = root().join("benches/fixtures/ours/Cargo.toml");
    let target = scratch.join("target-providers");
    let ours_args = &fixtures.ours_args;
    let build_ours = || clean_build(&fixtures.ours, &target, ours_args);
    let build_ours_path = || clean_build(&ours_path, &target, NO_ARGS);
    let build_wc = || clean_build(&fixtures.windows_core, &target, NO_ARGS);
    // Fetch and resolve once, so the timed builds compile and nothing else.
    crate::run(
        cargo()
            .arg("fetch")
            .arg("--manifest-path")
            .arg(&fixtures.ours)
            .args(ours_args),
    )?;
    for m in [&ours_path, &fixtures.windows_core] {
        crate::run(cargo().arg("fetch").arg("--manifest-path").arg(m))?;
    }
    let p = measure(
        &[
            (
                "clean build: provider with #[mapi_sync_provider]",
                &build_ours,
            ),
            (
                "clean build: provider with windows-core #[implement]",
                &build_wc,
            ),
            (
                "clean build: provider with #[mapi_sync_provider], path dependency",
                &build_ours_path,
            ),
        ],
        runs,
        false,
    )?;
    // Incremental rebuilds after an edit of the provider, each in copies of the fixtures
    // (their sources are edited) with a first build done.
    let copies = scratch.join("incremental");
    let inc_target = scratch.join("target-incremental");
    let crate_dir = |manifest: &Path| manifest.parent().expect("a crate folder").to_path_buf();
    let copy = |from: &Path, name: &str, args: &[String]| {
        rebuild_copy(from, &copies.join(name), &inc_target.join(name), args)
    };
    let ours_manifest = copy(&crate_dir(&fixtures.ours), "ours", ours_args)?;
    let wc_manifest = copy(&crate_dir(&fixtures.windows_core), "windows-core", &[])?;
    // The floor: a cdylib with std alone.
    let floor_manifest = copy(&root().join("benches/fixtures/floor"), "floor", &[])?;
    // The floor depending on mapi-sync, using none of it.
    let deps_manifest = copy(&crate_dir(&fixtures.deps_only), "deps-only", ours_args)?;
    let edits = std::cell::Cell::new(0);
    let rebuild = |manifest: &Path, name: &str, args: &[String]| {
        incremental_build(manifest, &inc_target.join(name), &edits, args)
    };
    let inc_ours = || rebuild(&ours_manifest, "ours", ours_args);
    let inc_wc = || rebuild(&wc_manifest, "windows-core", &[]);
    let inc_floor = || rebuild(&floor_manifest, "floor", &[]);
    let inc_deps = || rebuild(&deps_manifest, "deps-only", ours_args);
    let i = measure(
        &[
            (
                "incremental rebuild: provider with #[mapi_sync_provider]",
                &inc_ours,
            ),
            (
                "incremental rebuild: provider with windows-core #[implement]",
                &inc_wc,
            ),
            ("incremental rebuild: a cdylib with std alone", &inc_floor),
            (
                "incremental rebuild: the same, depending on mapi-sync unused",
                &inc_deps,
            ),
        ],
        runs * REBUILD_ROUNDS,
        true,
    )?;
    Ok((p, i))
}

/// `cargo xtask bench-providers`: the providers' build figures alone, printed.
pub fn providers(runs: usize) -> Result<(), Fail> {
    let scratch = Scratch::new("bench-providers")?;
    let fixtures = Fixtures::new(&scratch.0)?;
    let (p, i) = provider_figures(runs, &scratch.0, &fixtures)?;
    println!(
        "bench-providers: {runs} runs each ({} for the rebuilds), order alternating; medians:",
        runs * REBUILD_ROUNDS
    );
    let rows = [
        ("clean build, ours (as from crates.io)", p[0], p[1]),
        ("clean build, windows-core", p[1], p[1]),
        ("clean build, ours (path dependency)", p[2], p[1]),
        ("rebuild after an edit, ours", i[0], i[1]),
        ("rebuild after an edit, windows-core", i[1], i[1]),
        ("rebuild after an edit, std alone (the floor)", i[2], i[1]),
        (
            "rebuild after an edit, the floor + mapi-sync unused",
            i[3],
            i[1],
        ),
    ];
    for (what, d, windows_core) in rows {
        println!(
            "  {what:<52} {:>7.0} ms  {:.2}x windows-core",
            ms(d),
            ms(d) / ms(windows_core)
        );
    }
    Ok(())
}

/// Stripped release cdylib sizes of the two provider fixtures.
fn size_figures(scratch: &Path, fixtures: &Fixtures) -> Result<(u64, u64), Fail> {
    let release = ["--release".to_string()];
    let ours_args: Vec<String> = release.iter().chain(&fixtures.ours_args).cloned().collect();
    let mut sizes = Vec::new();
    for (manifest, args, lib) in [
        (&fixtures.ours, &ours_args, "libfixture_ours.so"),
        (
            &fixtures.windows_core,
            &release.to_vec(),
            "libfixture_windows_core.so",
        ),
    ] {
        let target = scratch.join(format!("target-size-{lib}"));
        clean_build(manifest, &target, args)?;
        let path = target.join("release").join(lib);
        let meta = io(std::fs::metadata(&path), &path.display().to_string())?;
        sizes.push(meta.len());
    }
    Ok((sizes[0], sizes[1]))
}

/// One criterion figure: group/function -> median in ns.
fn criterion_median(group: &str, function: &str) -> Result<f64, Fail> {
    let path = root()
        .join("target/criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = io(std::fs::read_to_string(&path), &path.display().to_string())?;
    let after = text
        .split("\"median\"")
        .nth(1)
        .and_then(|t| t.split("\"point_estimate\":").nth(1))
        .ok_or_else(|| Fail(format!("no median in {}", path.display())))?;
    let number: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number
        .parse()
        .map_err(|_| Fail(format!("bad median in {}", path.display())))
}

const GROUPS: &[(&str, &str)] = &[
    ("qi_release", "QueryInterface + Release"),
    ("addref_release", "AddRef + Release"),
    ("progress", "Progress through the vtable"),
    (
        "sync_to_done",
        "SynchronizeInBackground to Done (empty sync)",
    ),
];
const IMPLS: &[&str] = &["ours", "windows_core", "c"];
/// Groups with no windows-core side: MAPI's property values.
const C_ONLY_GROUPS: &[(&str, &str)] = &[
    ("props_read", "100 mixed SPropValues read"),
    ("props_write", "100 mixed SPropValues written and freed"),
    (
        "store_table_10k",
        "eml-store: inbox table opened, 4 columns, 10,000 rows read and freed",
    ),
    (
        "store_sync_1k",
        "eml-store: a sync importing 1,000 `.eml` files, to the done event",
    ),
];

fn c_only_figures() -> Result<Vec<(f64, f64)>, Fail> {
    C_ONLY_GROUPS
        .iter()
        .map(|(g, _)| Ok((criterion_median(g, "ours")?, criterion_median(g, "c")?)))
        .collect()
}

fn runtime_figures() -> Result<Vec<Vec<f64>>, Fail> {
    crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "mapi-sync",
        "--bench",
        "com",
        "--",
        "--noplot",
    ]))?;
    // The sample store against its C floor (samples/eml-store/benches/store.rs).
    crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "eml-store",
        "--bench",
        "store",
        "--",
        "--noplot",
    ]))?;
    GROUPS
        .iter()
        .map(|(g, _)| IMPLS.iter().map(|i| criterion_median(g, i)).collect())
        .collect()
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{} cores, {cpu}, load average {load} at the end",
        command_output("nproc", &[])
    )
}

/// `cargo xtask bench`.
pub fn all(runs: usize) -> Result<(), Fail> {
    deps::ensure_packages(&[deps::REGEN, deps::TEST])?;
    deps::ensure_targets()?;
    let scratch = Scratch::new("bench")?;
    let started = Instant::now();
    let r = regen_figures(runs, &scratch.0)?;
    let fixtures = Fixtures::new(&scratch.0)?;
    let c = compile_figures(runs, &scratch.0, &r.plain_output, &fixtures)?;
    let rt = runtime_figures()?;
    let (size_ours, size_wc) = size_figures(&scratch.0, &fixtures)?;

    let mut t = String::new();
    let _ = writeln!(
        t,
        "Command: `cargo xtask bench` (repetitions: {runs} per job, {} for the rebuilds \
         after an edit, order alternating every round; medians). Took {:.0} s.\n",
        runs * REBUILD_ROUNDS,
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        t,
        "- Date: {}",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    );
    let _ = writeln!(t, "- Machine: {}", machine());
    let _ = writeln!(
        t,
        "- Toolchain: {}",
        command_output("rustc", &["--version"])
    );
    let _ = writeln!(
        t,
        "- Versions: bindgen 0.73, windows-core 0.100, criterion 0.5, {}\n",
        command_output("clang", &["--version"])
            .lines()
            .next()
            .unwrap_or("clang")
    );
    let _ = writeln!(t, "### 1. Regeneration\n");
    let _ = writeln!(
        t,
        "| job | median | ratio to plain bindgen |\n|---|---|---|"
    );
    for (name, d) in [
        ("full `cargo xtask regen` (2 targets)", r.full),
        ("plain bindgen + rustfmt (1 target)", r.plain),
        ("`clang -fsyntax-only` (the floor)", r.syntax_only),
    ] {
        let _ = writeln!(
            t,
            "| {name} | {:.0} ms | {:.2} |",
            ms(d),
            ms(d) / ms(r.plain)
        );
    }
    let _ = writeln!(t, "\n### 2. Compile cost (clean debug builds)\n");
    let _ = writeln!(t, "| crate | median | ratio |\n|---|---|---|");
    let _ = writeln!(
        t,
        "| `generated/`, default features (x86_64-pc-windows-gnu) | {:.1} s | {:.2} |",
        c.generated.as_secs_f64(),
        c.generated.as_secs_f64() / c.raw.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| `generated/`, `full` (x86_64-pc-windows-gnu) | {:.1} s | {:.2} |",
        c.generated_full.as_secs_f64(),
        c.generated_full.as_secs_f64() / c.raw.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| raw bindgen output of every header read (x86_64-pc-windows-gnu) | {:.1} s | 1.00 |",
        c.raw.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| one-struct provider, `#[mapi_sync_provider]` (the published crates, as from crates.io) | {:.2} s | {:.2} |",
        c.ours.as_secs_f64(),
        c.ours.as_secs_f64() / c.windows_core.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| one-struct provider, windows-core `#[implement]` (crates.io) | {:.2} s | 1.00 |",
        c.windows_core.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| one-struct provider, `#[mapi_sync_provider]` as a path dependency of this repository | {:.2} s | {:.2} |",
        c.ours_path.as_secs_f64(),
        c.ours_path.as_secs_f64() / c.windows_core.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| rebuild after editing the provider, `#[mapi_sync_provider]` | {:.0} ms | {:.2} |",
        ms(c.ours_incremental),
        c.ours_incremental.as_secs_f64() / c.windows_core_incremental.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| rebuild after editing the provider, windows-core `#[implement]` | {:.0} ms | 1.00 |",
        ms(c.windows_core_incremental)
    );
    let _ = writeln!(
        t,
        "| rebuild after an edit, a cdylib with std alone (the floor) | {:.0} ms | {:.2} |",
        ms(c.floor_incremental),
        c.floor_incremental.as_secs_f64() / c.windows_core_incremental.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| rebuild after an edit, the floor depending on `mapi-sync` and using none of it | {:.0} ms | {:.2} |",
        ms(c.deps_only_incremental),
        c.deps_only_incremental.as_secs_f64() / c.windows_core_incremental.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "\n### 3. Run time (criterion medians, ns per operation)\n"
    );
    let _ = writeln!(
        t,
        "| operation | ours | windows-core | C (floor) | ours / windows-core | ours / C |\n|---|---|---|---|---|---|"
    );
    for ((_, label), row) in GROUPS.iter().zip(&rt) {
        let _ = writeln!(
            t,
            "| {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            row[0],
            row[1],
            row[2],
            row[0] / row[1],
            row[0] / row[2]
        );
    }
    let _ = writeln!(
        t,
        "\n| operation (ours and C only) | ours | C (floor) | ours / C |\n|---|---|---|---|"
    );
    for ((_, label), (ours, c)) in C_ONLY_GROUPS.iter().zip(c_only_figures()?) {
        let _ = writeln!(t, "| {label} | {ours:.2} | {c:.2} | {:.2} |", ours / c);
    }
    let _ = writeln!(t, "\n### 4. Size (stripped release cdylib)\n");
    let _ = writeln!(t, "| provider | bytes | ratio |\n|---|---|---|");
    let _ = writeln!(
        t,
        "| `#[mapi_sync_provider]` | {size_ours} | {:.2} |",
        size_ours as f64 / size_wc as f64
    );
    let _ = writeln!(t, "| windows-core `#[implement]` | {size_wc} | 1.00 |");
    print!("{t}");
    write_between_markers(&root().join("BENCHMARKS.md"), &t)
}

const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// Replaces the text between the markers, keeping the hand-written rest of the file.
fn write_between_markers(path: &Path, body: &str) -> Result<(), Fail> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{BEGIN}\n{body}{}", &old[..a], &old[b..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{body}{END}\n{old}"),
    };
    io(std::fs::write(path, new), "BENCHMARKS.md")
}
