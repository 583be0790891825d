//! The MAPI code generator: a manifest, the MAPI headers and our IMAPISync IDL in; Rust
//! bindings and a C/C++ header out.
//!
//! The pipeline: [`manifest`] says what to read and emit; [`idl`] lowers our IDL to a C
//! header; [`frontend`] runs bindgen and a libclang AST pass over all headers for every
//! target and builds the [`ir::Model`]; [`backend`] renders the crate; [`output`] writes
//! it atomically or compares it with what is on disk.

pub mod backend;
pub mod error;
pub mod frontend;
pub mod idl;
pub mod ir;
pub mod manifest;
pub mod names;
pub mod output;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use error::{Error, Result};

/// What to generate from where.
#[derive(Debug, Clone)]
pub struct Options {
    pub manifest: PathBuf,
    /// Overrides the manifest's `input.mapi_include`.
    pub mapi_include: Option<PathBuf>,
}

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

/// Runs the whole pipeline in memory.
pub fn generate(opts: &Options) -> Result<Generated> {
    let mut timings = Vec::new();
    let mut t = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, t.elapsed()));
        t = Instant::now();
    };
    let manifest = manifest::Manifest::load(&opts.manifest)?;
    let inputs = frontend::input::Inputs::resolve(&manifest, opts.mapi_include.as_deref())?;
    lap("manifest + IDL", &mut timings);
    let model = frontend::analyze(&manifest, &inputs).map_err(|e| inputs.locate_in_idl(e))?;
    lap("libclang + bindgen", &mut timings);
    let files = backend::render(&model)?;
    lap("render + format", &mut timings);
    let mut read = vec![manifest.path.clone(), inputs.mapi_include.clone()];
    read.extend(inputs.headers.iter().map(|(_, p)| p.clone()));
    read.extend(inputs.idl.iter().map(|f| f.path.clone()));
    Ok(Generated {
        files,
        model,
        timings,
        inputs: read,
    })
}

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
