//! The last check before anything is written: every C header the run generated compiles,
//! with clang: for x86_64 Linux the umbrella header as C and C++ (there it declares the
//! MAPI types itself and includes the lowered IDL headers) and one lowered header alone
//! (each includes the umbrella in the same way), and for the manifest's first Windows
//! target the umbrella as C and C++ against the MAPI headers the run read. A header
//! that does not is an error that quotes clang; the lowered IDL headers' `#line`
//! directives make clang name the IDL file and line, where the caller puts the error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::inputs::Inputs;

/// The target the headers' non-Windows branch is for.
const LINUX: &str = "x86_64-unknown-linux-gnu";

/// A temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One clang run: what it checks, and the process.
struct Job {
    what: String,
    child: Child,
}

/// A compile of the generated C headers under way ([`start_check`]): its clang processes
/// run while the caller does other work (the generator renders the Rust modules
/// meanwhile); [`finish`](Self::finish) waits for them. Dropped unfinished, it stops them
/// and removes its folder.
pub struct Check {
    jobs: Vec<Job>,
    dir: PathBuf,
    // Declared last: the folder is removed after the processes have ended.
    _scratch: Option<Scratch>,
}

/// Starts compiling the `include/*.h` files among `files` (relative path -> text):
/// writes them to a temporary folder and starts the clang processes, without waiting for
/// them. `umbrella` is the name of the one that includes the others.
/// `with_mapi_headers`: whether to compile the umbrella for the Windows targets over the
/// MAPI headers the run read, which is what it includes there; not for headers it is not
/// written over (ones that declare an IDL interface themselves, or that only C++ parses,
/// as Microsoft's do), which are checked for Linux only.
pub fn start_check(
    inputs: &Inputs,
    files: &BTreeMap<String, String>,
    umbrella: &str,
    with_mapi_headers: bool,
) -> Result<Check> {
    let headers: Vec<(&str, &str)> = files
        .iter()
        .filter_map(|(rel, text)| {
            let name = rel.strip_prefix("include/")?;
            (name.ends_with(".h") && !name.contains('/')).then_some((name, text.as_str()))
        })
        .collect();
    if headers.is_empty() {
        return Ok(Check {
            jobs: Vec::new(),
            dir: PathBuf::new(),
            _scratch: None,
        });
    }
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mapi-codegen-headers-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let scratch = Scratch(dir.clone());
    let mut check = Check {
        jobs: Vec::new(),
        dir: dir.clone(),
        _scratch: Some(scratch),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::msg(format!("cannot create {}: {e}", dir.display())))?;
    for (name, text) in &headers {
        let p = dir.join(name);
        std::fs::write(&p, text)
            .map_err(|e| Error::msg(format!("cannot write {}: {e}", p.display())))?;
    }

    // The umbrella first (it includes the others), so that the first failure reported
    // is the one every other repeats.
    let mut order: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    order.sort_by_key(|n| *n != umbrella);
    let jobs = &mut check.jobs;
    for cplusplus in [false, true] {
        let lang = if cplusplus { "C++" } else { "C" };
        for (i, name) in order.iter().enumerate() {
            // On Linux any header includes the umbrella, which includes all the others:
            // the umbrella as C and C++, and (as every lowered header includes the
            // umbrella the same way) the first other header alone as C.
            if i > 1 || i == 1 && cplusplus {
                continue;
            }
            let args = vec![
                format!("--target={LINUX}"),
                // clang's own <stdint.h>: no C library headers needed.
                "-ffreestanding".to_string(),
                "-x".into(),
                if cplusplus { "c++" } else { "c" }.into(),
                if cplusplus { "-std=c++11" } else { "-std=c11" }.into(),
                format!("-I{}", dir.display()),
            ];
            jobs.push(spawn(
                format!("`include/{name}` as {lang} for x86_64 Linux"),
                &args,
                &dir.join(name),
            )?);
        }
        // Windows: the first target's (x86_64's) C and C++ views over the MAPI headers.
        // The other targets differ in sizes only, which the tests' compiles of the
        // umbrella for every target check (`tests/umbrella_header.rs`) along with the
        // bindings' own layout checks; leaving them out here keeps a regeneration fast.
        if with_mapi_headers && order.first() == Some(&umbrella) {
            for t in inputs.targets.iter().take(1) {
                let mut args = inputs.clang_args(&t.triple, cplusplus);
                args.push(format!("-I{}", dir.display()));
                jobs.push(spawn(
                    format!("`include/{umbrella}` as {lang} for {}", t.triple),
                    &args,
                    &dir.join(umbrella),
                )?);
            }
        }
    }
    Ok(check)
}

impl Check {
    /// Waits for every clang process: `Ok` if each compiled its header, else the error
    /// that quotes the first failure's clang and names the others.
    pub fn finish(mut self) -> Result<()> {
        let mut failures = Vec::new();
        for job in std::mem::take(&mut self.jobs) {
            let out = job
                .child
                .wait_with_output()
                .map_err(|e| Error::msg(format!("cannot wait for clang: {e}")))?;
            if !out.status.success() {
                let shown = format!("{}/", self.dir.display());
                let stderr = String::from_utf8_lossy(&out.stderr).replace(&shown, "include/");
                failures.push((job.what, stderr.trim_end().to_string()));
            }
        }
        drop(self);
        let Some((what, stderr)) = failures.first() else {
            return Ok(());
        };
        let mut message = format!("{what} does not compile (nothing is written):\n{stderr}");
        if failures.len() > 1 {
            let others: Vec<&str> = failures[1..].iter().map(|(w, _)| w.as_str()).collect();
            message.push_str(&format!("\n(also failing: {})", others.join(", ")));
        }
        Err(Error::msg(message))
    }
}

impl Drop for Check {
    fn drop(&mut self) {
        // Unfinished (another stage failed first): the processes are not needed.
        for job in &mut self.jobs {
            let _ = job.child.kill();
            let _ = job.child.wait();
        }
    }
}

fn spawn(what: String, args: &[String], file: &Path) -> Result<Job> {
    let child = Command::new("clang")
        .arg("-fsyntax-only")
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::msg(format!(
                "cannot run clang to check the generated C headers ({e}).\n  Install it with \
                 `apt-get install clang` (or run `cargo xtask regen`, which installs it)"
            ))
        })?;
    Ok(Job { what, child })
}
