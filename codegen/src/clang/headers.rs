//! The last check before anything is written: every C header the run generated compiles,
//! with clang: for x86_64 Linux the umbrella header as C and C++ (there it declares the
//! MAPI types itself and includes the lowered IDL headers) and one lowered header alone
//! (each includes the umbrella in the same way), and for the manifest's first Windows
//! target the umbrella as C and C++ against the MAPI headers the run read, without
//! function bodies (the Linux views check the generated ones). A header
//! that does not is an error that quotes clang; the lowered IDL headers' `#line`
//! directives make clang name the IDL file and line, where the caller puts the error.

use std::collections::BTreeMap;
use std::thread::JoinHandle;

use super::libclang::TranslationUnit;
use crate::error::{Error, Result};
use crate::inputs::Inputs;

/// The target the headers' non-Windows branch is for.
const LINUX: &str = "x86_64-unknown-linux-gnu";

/// Where the compiles read the generated headers: in memory, under a folder that does not
/// exist on disk (clang's messages name it `include/`, as the crate does).
const DIR: &str = "/mapi-codegen-check/include";

/// One compile: what it checks, and the thread that parses it and gives back clang's
/// error diagnostics (none: it compiles).
struct Job {
    what: String,
    thread: JoinHandle<Result<Vec<crate::error::Diagnostic>>>,
}

/// A compile of the generated C headers under way ([`start_check`]): libclang parses
/// them on threads of their own while the caller does other work (the generator renders
/// the Rust modules meanwhile); [`finish`](Self::finish) waits for them. Dropped
/// unfinished, it still waits for them (a parse cannot be stopped halfway).
pub struct Check {
    jobs: Vec<Job>,
}

/// Starts compiling the `include/*.h` files among `files` (relative path -> text), read
/// from memory, each parse on a thread of its own, without waiting for them. `umbrella`
/// is the name of the one that includes the others.
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
        return Ok(Check { jobs: Vec::new() });
    }
    let files: std::sync::Arc<Vec<(String, String)>> = std::sync::Arc::new(
        headers
            .iter()
            .map(|(name, text)| (format!("{DIR}/{name}"), text.to_string()))
            .collect(),
    );
    // The umbrella first (it includes the others), so that the first failure reported
    // is the one every other repeats.
    let mut order: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    order.sort_by_key(|n| *n != umbrella);
    let mut check = Check { jobs: Vec::new() };
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
                format!("-I{DIR}"),
            ];
            check.start(
                format!("`include/{name}` as {lang} for x86_64 Linux"),
                args,
                name,
                &files,
                false,
            )?;
        }
        // Windows: the first target's (x86_64's) C and C++ views over the MAPI headers.
        // The other targets differ in sizes only, which the tests' compiles of the
        // umbrella for every target check (`tests/umbrella_header.rs`) along with the
        // bindings' own layout checks; leaving them out here keeps a regeneration fast.
        if with_mapi_headers && order.first() == Some(&umbrella) {
            for t in inputs.targets.iter().take(1) {
                let mut args = inputs.clang_args(&t.triple, cplusplus);
                args.push(format!("-I{DIR}"));
                // Without function bodies: windows.h's inline functions are much of that
                // parse, and the generated headers' own bodies, outside Windows-only
                // branches, are checked in the Linux views above.
                check.start(
                    format!("`include/{umbrella}` as {lang} for {}", t.triple),
                    args,
                    umbrella,
                    &files,
                    true,
                )?;
            }
        }
    }
    Ok(check)
}

impl Check {
    /// Starts the parse of `name` (one of `files`) with `args` on a thread, with function
    /// bodies or without.
    fn start(
        &mut self,
        what: String,
        args: Vec<String>,
        name: &str,
        files: &std::sync::Arc<Vec<(String, String)>>,
        skip_bodies: bool,
    ) -> Result<()> {
        let files = files.clone();
        let main = format!("{DIR}/{name}");
        let thread = std::thread::Builder::new()
            .name(format!("check {name}"))
            .spawn(move || {
                // The main file first, then every header it may include.
                let mut unsaved = Vec::with_capacity(files.len());
                unsaved.extend(files.iter().find(|(n, _)| *n == main).cloned());
                unsaved.extend(files.iter().filter(|(n, _)| *n != main).cloned());
                TranslationUnit::compile_errors(&args, &unsaved, skip_bodies)
            })
            .map_err(|e| {
                Error::msg(format!("cannot start a thread to check the C headers: {e}"))
            })?;
        self.jobs.push(Job { what, thread });
        Ok(())
    }

    /// Waits for every parse: `Ok` if each compiled its header, else the error that
    /// quotes the first failure's clang diagnostics and names the others.
    pub fn finish(mut self) -> Result<()> {
        let mut failures = Vec::new();
        for job in std::mem::take(&mut self.jobs) {
            let errors = job.thread.join().unwrap_or_else(|_| {
                Err(Error::msg(
                    "internal error: a C header check's thread panicked",
                ))
            })?;
            if !errors.is_empty() {
                failures.push((job.what, errors));
            }
        }
        let Some((what, errors)) = failures.first() else {
            return Ok(());
        };
        let shown = format!("{DIR}/");
        let text: Vec<String> = errors
            .iter()
            .map(|d| d.one_line().replace(&shown, "include/"))
            .collect();
        let mut message = format!(
            "{what} does not compile (nothing is written):\n{}",
            text.join("\n")
        );
        if failures.len() > 1 {
            let others: Vec<&str> = failures[1..].iter().map(|(w, _)| w.as_str()).collect();
            message.push_str(&format!("\n(also failing: {})", others.join(", ")));
        }
        Err(Error::compiler(message, errors.clone()))
    }
}

impl Drop for Check {
    fn drop(&mut self) {
        // Unfinished (another stage failed first): the parses end on their own.
        for job in self.jobs.drain(..) {
            let _ = job.thread.join();
        }
    }
}
