//! The MAPI code generator: a manifest, the MAPI headers and our IMAPISync IDL in; Rust
//! bindings and a C/C++ header out.
//!
//! The pipeline, in the order [`generate`] runs it (each step only after the one before
//! it has succeeded, except where a step says it runs beside another):
//!
//! 1. [`inputs`]: the [`manifest`] resolved: the MAPI headers found, our IDL parsed and
//!    lowered to C headers by the [`idl`] front end, the targets. From them, the macros
//!    the manifest's constants rules may choose, read from the headers' text
//!    ([`select::constants::candidates`]);
//! 2. [`clang`] scan: a libclang parse of every header for the target that decides
//!    calling conventions (interfaces, GUIDs, declarations, macros, record layouts);
//!    beside it, on a thread of its own, a parse for another target evaluates the macros
//!    of step 1 ([`clang::evaluate::evaluate_early`]). If the headers do not compile
//!    together, selection sees whether the MAPI headers declare some IDL interfaces too
//!    ([`select::redeclared`]): those are left out and the scan runs again;
//! 3. [`select`] plan: what the manifest selects from the scan, and so what clang is to
//!    answer (the types for bindgen, the macros to evaluate);
//! 4. [`clang`] answer: bindgen per target on threads, the macro values (those of step 2
//!    if they are the ones asked for) and every target's record layouts and type
//!    declarations in C's terms ([`clang::records`]);
//! 5. [`select`] model: selection and corrections over the scan and the answer, building
//!    the [`ir::Model`]; with the inputs, the only stage that reads the manifest;
//! 6. [`backend`] render: the C headers for hosts, then the Rust crate, from the model
//!    alone. Once the C headers are rendered, [`clang`] starts their check (each compiled
//!    as C and C++ for Linux and the Windows targets, parsed from memory on threads of
//!    their own) while this thread renders and formats the Rust modules; the check is
//!    waited for after them;
//! 7. [`output`]: the files written atomically, or compared with what is on disk. (Before
//!    step 1, [`regenerate`] refuses an output folder it must not write.)
//!
//! An error at any step ends the run. clang's errors on a lowered IDL header are put at
//! the IDL line they come from ([`inputs::Inputs::locate_in_idl`]).
//!
//! Beside the pipeline, [`idl_bindings`] makes the Rust module of a provider's own IDL
//! from the IDL alone, no libclang: the [`idl`] front end parses it and builds its
//! [`ir::Model`] ([`idl::model`]), the [`backend`] renders it. What a provider crate's
//! build.rs calls, with `default-features = false`.

pub mod backend;
pub mod cint;
#[cfg(feature = "clang")]
pub mod clang;
pub mod error;
pub mod idl;
pub mod idl_bindings;
#[cfg(feature = "clang")]
pub mod inputs;
pub mod ir;
#[cfg(feature = "clang")]
pub mod manifest;
pub mod names;
#[cfg(feature = "clang")]
pub mod output;
#[cfg(feature = "clang")]
pub mod select;

#[cfg(feature = "clang")]
use std::collections::BTreeMap;
#[cfg(feature = "clang")]
use std::path::{Path, PathBuf};
#[cfg(feature = "clang")]
use std::time::{Duration, Instant};

pub use error::{Error, Result};

#[cfg(feature = "clang")]
/// What to generate from where.
#[derive(Debug, Clone)]
pub struct Options {
    pub manifest: PathBuf,
    /// Overrides the manifest's `input.mapi_include`.
    pub mapi_include: Option<PathBuf>,
}

#[cfg(feature = "clang")]
/// The rendered files and how long each stage took.
#[derive(Debug)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub model: ir::Model,
    pub timings: Vec<Lap>,
    /// Every file and folder the run read: the manifest, the IDL files, the MAPI header
    /// folder and its headers. An output folder must not hold any of them.
    pub inputs: Vec<PathBuf>,
}

#[cfg(feature = "clang")]
/// Runs the whole pipeline in memory, the steps in the order the crate's documentation
/// gives them.
pub fn generate(opts: &Options) -> Result<Generated> {
    let mut clock = Stopwatch::start();
    // 1. The inputs, and the macros selection may ask clang to evaluate.
    let manifest = manifest::Manifest::load(&opts.manifest)?;
    let mut inputs = inputs::Inputs::resolve(&manifest, opts.mapi_include.as_deref())?;
    let candidates = select::constants::candidates(&manifest, &inputs);
    clock.lap("manifest + IDL");
    // 2. The scan, with those macros evaluated beside it.
    let early =
        clang::evaluate::evaluate_early(&inputs, clang::evaluation_triple(&inputs), candidates);
    let scan = clang::scan(&inputs)
        .or_else(|first| select::redeclared::rescan(&mut inputs, first))
        .map_err(|e| inputs.locate_in_idl(e))?;
    let at_idl = |e| inputs.locate_in_idl(e);
    clock.lap("libclang scan");
    // 3. What selection asks of clang; 4. clang's answer.
    let plan = select::plan(&manifest, &scan)?;
    let answer = clang::answer(&inputs, &scan, &plan.request, Some(early)).map_err(at_idl)?;
    clock.lap("bindgen + macros");
    // 5. The model.
    // The shipped C headers are written over the headers the generated crate is made from:
    // headers that declare an IDL interface themselves (Microsoft's declare the shutdown
    // interfaces) or that only C++ parses (a struct named without its tag) are not those.
    let shipped_headers_fit =
        scan.tagless.is_empty() && inputs.idl.iter().all(|i| i.header == i.shipped);
    let model = select::model(&manifest, &inputs, scan, &plan, answer).map_err(at_idl)?;
    clock.lap("selection");
    // 6. The C headers, their check started, the Rust modules rendered while it runs;
    // nothing is written unless the C headers compile.
    let mut files = backend::render_c_headers(&model)?;
    let check = clang::start_check(
        &inputs,
        &files,
        backend::cheader::UMBRELLA,
        shipped_headers_fit,
    )?;
    let rust = backend::render_rust(&model);
    clock.lap("render + format");
    // A header that does not compile is the first error: the records of what clang could
    // not read are missing too.
    check.finish().map_err(at_idl)?;
    files.append(&mut rust?);
    clock.lap("C header check");
    let mut read = vec![manifest.path.clone(), inputs.mapi_include.clone()];
    read.extend(inputs.headers.iter().map(|h| h.path.clone()));
    read.extend(inputs.idl.iter().map(|i| i.file.path.clone()));
    Ok(Generated {
        files,
        model,
        timings: clock.laps,
        inputs: read,
    })
}

#[cfg(feature = "clang")]
/// How long one step of [`generate`] took.
#[derive(Debug, Clone, Copy)]
pub struct Lap {
    pub stage: &'static str,
    pub took: Duration,
}

#[cfg(feature = "clang")]
/// How long each step of [`generate`] took.
struct Stopwatch {
    since: Instant,
    laps: Vec<Lap>,
}

#[cfg(feature = "clang")]
impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            since: Instant::now(),
            laps: Vec::new(),
        }
    }

    /// Records the time since the last lap as `name`'s.
    fn lap(&mut self, name: &'static str) {
        self.laps.push(Lap {
            stage: name,
            took: self.since.elapsed(),
        });
        self.since = Instant::now();
    }
}

#[cfg(feature = "clang")]
/// Generates and writes `out` atomically (nothing changes there on any error). An `out`
/// that holds an input, is a file or holds files the generator did not write is refused
/// before anything is generated.
pub fn regenerate(opts: &Options, out: &Path) -> Result<Generated> {
    let mut early = vec![opts.manifest.clone()];
    early.extend(opts.mapi_include.clone());
    output::check_destination(out, &early)?;
    let g = generate(opts)?;
    output::write_checked(out, &g.files, &g.inputs)?;
    Ok(g)
}
