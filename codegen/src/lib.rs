//! The MAPI code generator: a manifest, the MAPI headers and our IMAPISync IDL in; Rust
//! bindings and a C/C++ header out.
//!
//! The pipeline, as [`generate`] runs it:
//!
//! 1. [`inputs`]: the [`manifest`] resolved: the MAPI headers found, our IDL parsed and
//!    lowered to C headers by the [`idl`] front end, the targets;
//! 2. [`clang`]: a libclang scan of every header (interfaces, GUIDs, declarations,
//!    macros, record layouts) for the target that decides calling conventions;
//! 3. [`select`]: selection and corrections, the only stage besides the inputs that reads
//!    the manifest: it asks [`clang`] for the types (bindgen, per target) and macro values
//!    it needs (their parse also lays out the other target's records), and builds the
//!    [`ir::Model`];
//! 4. [`backend`]: the Rust crate and the C header for hosts rendered from the model
//!    alone; [`clang::start_check`] compiles every generated C header as C and C++
//!    for Linux and the Windows targets (libclang parses them from memory, on threads of
//!    their own, while the Rust modules are formatted);
//! 5. [`output`]: the files written atomically, or compared with what is on disk.
//!
//! Beside the pipeline, [`idl_bindings`] makes the Rust module of a provider's own IDL
//! from the IDL alone (the [`idl`] front end, the IR and the back end's interface code,
//! no libclang): what a provider crate's build.rs calls, with `default-features = false`.

pub mod backend;
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
    pub timings: Vec<(&'static str, Duration)>,
    /// Every file and folder the run read: the manifest, the IDL files, the MAPI header
    /// folder and its headers. An output folder must not hold any of them.
    pub inputs: Vec<PathBuf>,
}

#[cfg(feature = "clang")]
/// Runs the whole pipeline in memory.
pub fn generate(opts: &Options) -> Result<Generated> {
    let mut timings = Vec::new();
    let mut t = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, t.elapsed()));
        t = Instant::now();
    };
    let manifest = manifest::Manifest::load(&opts.manifest)?;
    let mut inputs = inputs::Inputs::resolve(&manifest, opts.mapi_include.as_deref())?;
    lap("manifest + IDL", &mut timings);
    // The macro values take a parse of their own: it runs while the scan parses, over
    // every macro the constants rules may choose (read from the headers' text).
    let early = clang::evaluate::evaluate_early(
        &inputs,
        clang::evaluation_triple(&inputs),
        select::constants::candidates(&manifest, &inputs),
    );
    let scan = clang::scan(&mut inputs).map_err(|e| inputs.locate_in_idl(e))?;
    // clang's errors on a lowered IDL header are put at the IDL line.
    let at_idl = |e| inputs.locate_in_idl(e);
    lap("libclang scan", &mut timings);
    let plan = select::plan(&manifest, &scan)?;
    let answer = clang::answer(&inputs, &scan, &plan.request, Some(early)).map_err(at_idl)?;
    lap("bindgen + macros", &mut timings);
    // The shipped C headers are written over the headers the generated crate is made from:
    // headers that declare an IDL interface themselves (Microsoft's declare the shutdown
    // interfaces) or that only C++ parses (a struct named without its tag) are not those.
    let shipped_headers_fit =
        scan.tagless.is_empty() && inputs.idl.iter().all(|i| i.header == i.shipped);
    let model = select::model(&manifest, &inputs, scan, &plan, answer).map_err(at_idl)?;
    lap("selection", &mut timings);
    // The C headers must compile before anything is written; clang's errors on a lowered
    // IDL header name the IDL line (its `#line` directives), where the error is put. The
    // check's parses need only the C text: they run on threads of their own while this
    // thread renders and formats the Rust modules.
    let mut files = backend::render_c_headers(&model)?;
    let check = clang::start_check(
        &inputs,
        &files,
        backend::cheader::UMBRELLA,
        shipped_headers_fit,
    )?;
    files.append(&mut backend::render_rust(&model)?);
    lap("render + format", &mut timings);
    check.finish().map_err(at_idl)?;
    lap("C header check", &mut timings);
    let mut read = vec![manifest.path.clone(), inputs.mapi_include.clone()];
    read.extend(inputs.headers.iter().map(|h| h.path.clone()));
    read.extend(inputs.idl.iter().map(|i| i.file.path.clone()));
    Ok(Generated {
        files,
        model,
        timings,
        inputs: read,
    })
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
