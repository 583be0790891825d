//! Benchmarks, printed as medians and ratios; nothing here is asserted.
//!
//! - `cargo xtask bench-regen`: a full regeneration against, in the same run, a plain
//!   bindgen run with rustfmt over the same headers and `clang -fsyntax-only` over them.
//! - `cargo xtask bench-providers`: the one-struct provider's clean build and rebuild after
//!   an edit against windows-core's `#[implement]`.
//! - `cargo xtask bench`: the regeneration, plus compile cost, run time (criterion, in
//!   `benches/com.rs`) and size, against windows-core's `#[implement]` and a provider written in
//!   C, and imap-store's sync against mbsync (`imap`); the results go to BENCHMARKS.md
//!   between its markers.
//!
//! The files in `bench/`: `run` holds the rounds and the builds, `fixtures` what is
//! built, `regen`, `builds` and `criterion` the figures, `versions` what the report names,
//! `report` its Markdown. (This file stays `bench.rs`: codegen's architecture test reads
//! bench-regen's run count here.)

mod builds;
mod criterion;
mod fixtures;
mod imap;
mod regen;
mod report;
mod run;
mod versions;

use std::time::Instant;

pub use builds::providers;
pub use regen::regen_with;

use crate::{deps, root, Fail};

/// `cargo xtask bench-regen`: 9 runs.
pub fn regen() -> Result<(), Fail> {
    regen_with(9)
}

/// `cargo xtask bench-imap`: section 6 alone, printed.
pub fn imap(runs: usize) -> Result<(), Fail> {
    deps::ensure_packages(&[deps::TEST])?;
    let scratch = run::Scratch::new("bench-imap")?;
    let figures = imap::imap_figures(runs, &scratch.0)?;
    let mut t = String::new();
    report::imap_sync(&mut t, &figures);
    print!("{t}");
    Ok(())
}

/// `cargo xtask bench`.
pub fn all(runs: usize) -> Result<(), Fail> {
    deps::ensure_packages(&[deps::REGEN, deps::TEST])?;
    deps::ensure_targets()?;
    let crates = versions::reported()?;
    let scratch = run::Scratch::new("bench")?;
    let started = Instant::now();
    let regen = regen::regen_figures(runs, &scratch.0)?;
    let fixtures = fixtures::Fixtures::new(&scratch.0)?;
    let compile = builds::compile_figures(runs, &scratch.0, &regen.plain_output, &fixtures)?;
    let runtime = criterion::runtime_figures()?;
    let size = builds::size_figures(&scratch.0, &fixtures)?;
    let c_only = criterion::c_only_figures()?;
    let store = criterion::store_figures()?;
    let imap = imap::imap_figures(runs, &scratch.0)?;
    let t = report::render(&report::Report {
        runs,
        took: started.elapsed(),
        date: versions::command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: report::machine(),
        rustc: versions::rustc(),
        crates,
        clang: versions::clang(),
        regen,
        compile,
        runtime,
        c_only,
        size,
        store,
        imap: Some(imap),
    });
    print!("{t}");
    report::write_between_markers(&root().join("BENCHMARKS.md"), &t)
}
