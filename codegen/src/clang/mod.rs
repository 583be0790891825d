//! The clang stage: libclang and bindgen over every header the inputs name. It sees the
//! [`Inputs`], never the manifest.
//!
//! Two steps, with selection between them: [`scan()`] parses all headers once as C++ for
//! the target that decides calling conventions and reads interfaces, GUIDs, declarations,
//! macros and that target's record layouts ([`scan::Scan`], [`layouts`]); then, given
//! what selection asks for ([`Request`]), [`answer`] runs bindgen once per target on
//! threads while this thread parses the headers for another target, where clang
//! evaluates the selected macros ([`evaluate`]) and lays out that target's records. One
//! parse per target: a third target's layouts would take a parse of their own.

pub mod bindgen;
pub mod evaluate;
pub mod headers;
pub mod layouts;
pub mod libclang;
pub mod scan;

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::inputs::Inputs;
pub use headers::check_headers;
pub use scan::{Declared, Scan};

/// Parses every header as C++ for the calling-convention target and scans it.
pub fn scan(inputs: &Inputs) -> Result<Scan> {
    let tu = parse(inputs, inputs.cc_triple())?;
    let mut scan = scan::scan(&tu)?;
    scan.layouts = layouts::collect(&tu);
    Ok(scan)
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
    /// Each target's record layouts, in the order of `inputs.targets`.
    pub layouts: Vec<layouts::Layouts>,
}

/// Runs bindgen for every target on threads while this thread evaluates the macros
/// (libclang handles separate indexes on separate threads) in a parse for the first
/// target that does not decide calling conventions (the scan's parse already serves that
/// one), which also gives that target's layouts. bindgen's output crosses back as text:
/// syntax trees are not Send.
pub fn answer(inputs: &Inputs, scan: &Scan, request: &Request) -> Result<Answer> {
    let cc = inputs.cc_target;
    let other = (0..inputs.targets.len()).find(|i| *i != cc);
    let (evaluated, rest, texts) = std::thread::scope(|s| {
        let runs: Vec<_> = inputs
            .targets
            .iter()
            .map(|t| s.spawn(move || bindgen::generate(inputs, &t.triple, &request.types)))
            .collect();
        let triple = &inputs.targets[other.unwrap_or(cc)].triple;
        let evaluated = evaluate::evaluate(inputs, triple, &request.macros);
        // Any further target: a parse for its layouts alone.
        let rest: Vec<(usize, Result<layouts::Layouts>)> = (0..inputs.targets.len())
            .filter(|i| *i != cc && Some(*i) != other)
            .map(|i| {
                let triple = &inputs.targets[i].triple;
                (
                    i,
                    parse_for_layouts(inputs, triple).map(|tu| layouts::collect(&tu)),
                )
            })
            .collect();
        let texts: Vec<Result<String>> = runs.into_iter().map(|h| joined(h.join())).collect();
        (evaluated, rest, texts)
    });
    let (values, evaluated_layouts) = evaluated?;
    let mut layouts = vec![layouts::Layouts::new(); inputs.targets.len()];
    layouts[cc] = scan.layouts.clone();
    if let Some(i) = other {
        layouts[i] = evaluated_layouts;
    }
    for (i, l) in rest {
        layouts[i] = l?;
    }
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
    Ok(Answer {
        targets,
        values,
        layouts,
    })
}

/// A thread's result; a panic there becomes an error here.
fn joined<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
    r.unwrap_or_else(|_| Err(Error::msg("internal error: a generator thread panicked")))
}
