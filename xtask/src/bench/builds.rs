//! The compile and size figures: clean builds of the bindings and of the one-struct
//! providers, rebuilds after an edit, and the stripped release cdylibs.

use std::path::Path;
use std::time::Duration;

use super::fixtures::{bindings_crates, fixture, rebuild_copy, Fixtures};
use super::run::{
    cargo, clean_build, incremental_build, io, measure, ms, Scratch, NO_ARGS, REBUILD_ROUNDS,
};
use crate::Fail;

pub struct Compile {
    pub generated: Duration,
    pub generated_full: Duration,
    pub raw: Duration,
    pub ours: Duration,
    /// The same provider with `mapi-sync` as a path dependency of this repository.
    pub ours_path: Duration,
    pub windows_core: Duration,
    pub ours_incremental: Duration,
    pub windows_core_incremental: Duration,
    /// A cdylib with std alone: the floor under both rebuilds.
    pub floor_incremental: Duration,
    /// The floor with a dependency on `mapi-sync` that it does not use.
    pub deps_only_incremental: Duration,
}

pub fn compile_figures(
    runs: usize,
    scratch: &Path,
    plain_output: &Path,
    fixtures: &Fixtures,
) -> Result<Compile, Fail> {
    let (gen, raw) = bindings_crates(scratch, plain_output)?;
    // bindgen's output has the mingw layout in its assertions: build both for Windows.
    let win = ["--target", "x86_64-pc-windows-gnu"];
    let target = scratch.join("target-bindings");
    let build_gen = || clean_build(&gen, &target, &win);
    let full = ["--target", "x86_64-pc-windows-gnu", "--features", "full"];
    let build_gen_full = || clean_build(&gen, &target, &full);
    let build_raw = || clean_build(&raw, &target, &win);
    let b = measure(
        &[
            ("clean build: generated/", &build_gen),
            ("clean build: generated/ with full", &build_gen_full),
            ("clean build: raw bindgen output", &build_raw),
        ],
        runs,
        false,
    )?;

    let p = clean_provider_builds(runs, scratch, fixtures)?;
    let i = rebuild_figures(runs, scratch, fixtures)?;
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
/// dependency): medians.
fn clean_provider_builds(
    runs: usize,
    scratch: &Path,
    fixtures: &Fixtures,
) -> Result<Vec<Duration>, Fail> {
    let ours_path = fixture("ours").join("Cargo.toml");
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
    measure(
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
    )
}

/// Incremental rebuilds after an edit of the provider (ours, windows-core's, the floor,
/// the floor depending on mapi-sync unused), each in copies of the fixtures (their
/// sources are edited) with a first build done: medians.
fn rebuild_figures(
    runs: usize,
    scratch: &Path,
    fixtures: &Fixtures,
) -> Result<Vec<Duration>, Fail> {
    let copies = scratch.join("incremental");
    let inc_target = scratch.join("target-incremental");
    let ours_args = &fixtures.ours_args;
    let crate_dir = |manifest: &Path| manifest.parent().expect("a crate folder").to_path_buf();
    let copy = |from: &Path, name: &str, args: &[String]| {
        rebuild_copy(from, &copies.join(name), &inc_target.join(name), args)
    };
    let ours_manifest = copy(&crate_dir(&fixtures.ours), "ours", ours_args)?;
    let wc_manifest = copy(&crate_dir(&fixtures.windows_core), "windows-core", &[])?;
    // The floor: a cdylib with std alone.
    let floor_manifest = copy(&fixture("floor"), "floor", &[])?;
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
    measure(
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
    )
}

/// `cargo xtask bench-providers`: the providers' build figures alone, printed.
pub fn providers(runs: usize) -> Result<(), Fail> {
    let scratch = Scratch::new("bench-providers")?;
    let fixtures = Fixtures::new(&scratch.0)?;
    let p = clean_provider_builds(runs, &scratch.0, &fixtures)?;
    let i = rebuild_figures(runs, &scratch.0, &fixtures)?;
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
pub fn size_figures(scratch: &Path, fixtures: &Fixtures) -> Result<(u64, u64), Fail> {
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
