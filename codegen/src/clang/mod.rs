//! The clang stage: libclang and bindgen over every header the inputs name. It sees the
//! [`Inputs`], never the manifest.
//!
//! Two steps, with selection between them: [`scan()`] parses all headers once as C++ for
//! the target that decides calling conventions and reads interfaces, GUIDs, declarations,
//! macros and that target's record layouts ([`scan::Scan`], [`layouts`]), while threads
//! parse them for the other targets' layouts; then, given what selection asks for
//! ([`Request`]), [`answer`] runs bindgen once per target on threads while this thread
//! lets clang evaluate the selected macros ([`evaluate`]).

pub mod bindgen;
pub mod evaluate;
pub mod layouts;
pub mod libclang;
pub mod scan;

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::inputs::Inputs;
pub use scan::{Declared, Scan};

/// Parses every header as C++ for the calling-convention target and scans it; the other
/// targets' parses (as C, for their layouts only) run on threads meanwhile (on the core the
/// scan leaves idle).
pub fn scan(inputs: &Inputs) -> Result<Scan> {
    std::thread::scope(|s| {
        let others: Vec<_> = inputs
            .targets
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != inputs.cc_target)
            .map(|(i, t)| {
                let run = s.spawn(move || {
                    parse_for_layouts(inputs, &t.triple).map(|tu| layouts::collect(&tu))
                });
                (i, run)
            })
            .collect();
        let tu = parse(inputs, inputs.cc_triple())?;
        let mut scan = scan::scan(&tu)?;
        scan.layouts = vec![layouts::Layouts::new(); inputs.targets.len()];
        scan.layouts[inputs.cc_target] = layouts::collect(&tu);
        for (i, run) in others {
            scan.layouts[i] = joined(run.join())?;
        }
        Ok(scan)
    })
}

/// All headers, parsed as C for `triple` (as bindgen parses them), for layouts only.
fn parse_for_layouts(inputs: &Inputs, triple: &str) -> Result<libclang::TranslationUnit> {
    libclang::TranslationUnit::parse_without_macros(
        &inputs.clang_args(triple, false),
        &inputs.unsaved("layouts.c", ""),
    )
}

/// All headers, parsed as C++ for `triple`.
fn parse(inputs: &Inputs, triple: &str) -> Result<libclang::TranslationUnit> {
    libclang::TranslationUnit::parse(
        &inputs.clang_args(triple, true),
        &inputs.unsaved("interfaces.cpp", ""),
    )
}

/// What selection asks of clang after the scan.
#[derive(Debug, Default)]
pub struct Request {
    /// The type names bindgen is to emit (with what they use), sorted.
    pub types: Vec<String>,
    /// The macros whose values clang is to evaluate.
    pub macros: Vec<String>,
}

/// What clang answered.
#[derive(Debug)]
pub struct Answer {
    /// One bindgen run per target, in the order of `inputs.targets`.
    pub targets: Vec<bindgen::TargetOutput>,
    /// The value of each requested macro, in the request's order (`None`: not an integer
    /// constant clang can evaluate).
    pub values: Vec<Option<i128>>,
}

/// Runs bindgen for every target on threads while this thread evaluates the macros
/// (libclang handles separate indexes on separate threads). bindgen's output crosses
/// back as text: syntax trees are not Send.
pub fn answer(inputs: &Inputs, scan: &Scan, request: &Request) -> Result<Answer> {
    let (values, texts) = std::thread::scope(|s| {
        let runs: Vec<_> = inputs
            .targets
            .iter()
            .map(|t| s.spawn(move || bindgen::generate(inputs, &t.triple, &request.types)))
            .collect();
        let values = evaluate::evaluate(inputs, inputs.cc_triple(), &request.macros);
        let texts: Vec<Result<String>> = runs.into_iter().map(|h| joined(h.join())).collect();
        (values, texts)
    });
    let values = values?;
    // Every class the headers declare is dropped from bindgen's output (C's view of an
    // interface is a struct holding a vtable pointer), emitted as an interface or not.
    let interfaces: HashSet<String> = scan.interfaces.keys().cloned().collect();
    let mut targets = Vec::new();
    for (t, text) in inputs.targets.iter().zip(texts) {
        targets.push(bindgen::process(
            &t.triple,
            &text?,
            &interfaces,
            &scan.decls,
        )?);
    }
    Ok(Answer { targets, values })
}

/// A thread's result; a panic there becomes an error here.
fn joined<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
    r.unwrap_or_else(|_| Err(Error::msg("internal error: a generator thread panicked")))
}
