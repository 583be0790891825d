//! Running the benches: the rounds and their medians, a scratch folder, and the `cargo
//! build`s the compile figures time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Fail;

/// No extra `cargo build` arguments.
pub const NO_ARGS: &[&str] = &[];

/// Rounds of the incremental rebuilds per `runs`: each takes about a tenth of a second and
/// moves by a few milliseconds from run to run, so they get more rounds than the rest.
pub const REBUILD_ROUNDS: usize = 4;

pub type Job<'a> = (&'static str, &'a dyn Fn() -> Result<(), Fail>);

/// Runs every job once to warm up, then `runs` rounds, the order reversed every other
/// round; returns each job's median.
pub fn measure(jobs: &[Job<'_>], runs: usize, warm_up: bool) -> Result<Vec<Duration>, Fail> {
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

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn io<T>(r: std::io::Result<T>, what: &str) -> Result<T, Fail> {
    r.map_err(|e| Fail(format!("{what}: {e}")))
}

/// A scratch folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Result<Scratch, Fail> {
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

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// A clean `cargo build` of the crate at `manifest` into a fresh target folder.
pub fn clean_build<S: AsRef<std::ffi::OsStr>>(
    manifest: &Path,
    target_dir: &Path,
    args: &[S],
) -> Result<(), Fail> {
    let _ = std::fs::remove_dir_all(target_dir);
    build(manifest, target_dir, args)
}

/// `cargo build --quiet` of `manifest` into `target_dir`.
pub fn build<S: AsRef<std::ffi::OsStr>>(
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

/// A build after an edit of the provider's `src/lib.rs` (a comment appended, so the
/// crate itself recompiles and nothing it depends on), in a target folder a first build
/// has filled.
pub fn incremental_build<S: AsRef<std::ffi::OsStr>>(
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
