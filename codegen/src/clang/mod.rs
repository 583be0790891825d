//! The clang stage: libclang and bindgen over every header the inputs name. It sees the
//! [`Inputs`], never the manifest.
//!
//! Two steps, with selection between them: [`scan()`] parses all headers once as C++ for
//! the target that decides calling conventions and reads interfaces, GUIDs, declarations,
//! macros and that target's record layouts ([`scan::Scan`], [`layouts`]) (and
//! [`scan_mapi_only`] the MAPI headers alone, for selection to compare with the IDL's
//! declarations when the headers do not compile together); then, given
//! what selection asks for ([`Request`]), [`answer`] runs bindgen once per target on
//! threads while this thread parses the headers for another target, where clang
//! evaluates the selected macros ([`evaluate`]) and lays out that target's records. One
//! parse per target: a third target's layouts would take a parse of their own.

pub mod bindgen;
pub mod evaluate;
pub mod headers;
pub mod layouts;
pub mod libclang;
pub mod records;
pub mod scan;

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::inputs::Inputs;
use crate::ir::Declaration;
pub use headers::{start_check, Check};
pub use scan::{Declared, Macro, Scan};

/// Parses every header as C++ for the calling-convention target and scans it: the
/// interfaces, GUIDs, declarations, macros and that target's record layouts.
pub fn scan(inputs: &Inputs) -> Result<Scan> {
    let tu = parse(inputs, inputs.cc_triple())?;
    let mut scan = scan::scan(&tu, &inputs.mapi_include)?;
    scan.layouts = layouts::collect(&tu);
    scan.declarations = records::collect(&tu);
    Ok(scan)
}

/// The scan of the MAPI headers alone (without the IDL's headers), from a parse as C++
/// for the calling-convention target with macros (for the GUIDs).
pub fn scan_mapi_only(inputs: &Inputs) -> Result<Scan> {
    let tu = libclang::TranslationUnit::parse(
        &inputs.clang_args(inputs.cc_triple(), true),
        &inputs.unsaved_mapi_only("mapi-only.cpp"),
    )?;
    scan::scan(&tu, &inputs.mapi_include)
}

/// All headers, parsed as C for `triple` (as bindgen parses them), for layouts only.
fn parse_for_layouts(
    inputs: &Inputs,
    scan: &Scan,
    triple: &str,
) -> Result<libclang::TranslationUnit> {
    libclang::TranslationUnit::parse_without_macros(
        &inputs.clang_args(triple, false),
        &inputs.unsaved_c("layouts.c", &scan.tagless),
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
    /// Each target's type declarations in C's terms ([`records`]), in the same order.
    pub declarations: Vec<Vec<Declaration>>,
}

/// What a parse for a target's layouts gives.
struct Shapes {
    layouts: layouts::Layouts,
    declarations: Vec<Declaration>,
}

impl Shapes {
    fn of(tu: &libclang::TranslationUnit) -> Shapes {
        Shapes {
            layouts: layouts::collect(tu),
            declarations: records::collect(tu),
        }
    }
}

/// Runs bindgen for every target on threads while this thread evaluates the macros
/// (libclang handles separate indexes on separate threads) in a parse for the first
/// target that does not decide calling conventions (the scan's parse already serves that
/// one), which also gives that target's layouts. bindgen's output crosses back as text
/// (syntax trees are not Send), which this thread parses as each run ends, while the
/// others still run.
pub fn answer(
    inputs: &Inputs,
    scan: &Scan,
    request: &Request,
    early: Option<evaluate::Early>,
) -> Result<Answer> {
    let cc = inputs.cc_target;
    let other = evaluation_target(inputs);
    // Every class the headers declare is dropped from bindgen's output (C's view of an
    // interface is a struct holding a vtable pointer), emitted as an interface or not.
    let interfaces: HashSet<String> = scan.interfaces.keys().cloned().collect();
    let (evaluated, rest, processed) = std::thread::scope(|s| {
        let (done, finished) = std::sync::mpsc::channel();
        let runs: Vec<_> = inputs
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let done = done.clone();
                s.spawn(move || {
                    let text = bindgen::generate(inputs, scan, &t.triple, &request.types);
                    // The receiver outlives every run (it is read until all have ended).
                    let _ = done.send((i, text));
                })
            })
            .collect();
        drop(done);
        let triple = &inputs.targets[other.unwrap_or(cc)].triple;
        let evaluated = match early.and_then(|e| e.take(inputs, &request.macros)) {
            Some(answer) => Ok(answer),
            None => evaluate::evaluate(inputs, triple, &request.macros),
        };
        let rest = further_layouts(inputs, scan, other);
        // Each run's output processed as it arrives, in whatever order the runs end.
        let mut processed: Vec<Option<Result<bindgen::TargetOutput>>> =
            inputs.targets.iter().map(|_| None).collect();
        for (i, text) in finished {
            processed[i] = Some(text.and_then(|text| {
                bindgen::process(&inputs.targets[i].triple, &text, &interfaces, &scan.decls)
            }));
        }
        let processed = ended(runs, processed);
        (evaluated, rest, processed)
    });
    let evaluate::Evaluated {
        values,
        layouts: evaluated_layouts,
        declarations: evaluated_declarations,
    } = evaluated?;
    let mut layouts = vec![layouts::Layouts::new(); inputs.targets.len()];
    let mut declarations = vec![Vec::new(); inputs.targets.len()];
    layouts[cc] = scan.layouts.clone();
    declarations[cc] = scan.declarations.clone();
    if let Some(i) = other {
        layouts[i] = evaluated_layouts;
        declarations[i] = evaluated_declarations;
    }
    for (i, shapes) in rest {
        let shapes = shapes?;
        layouts[i] = shapes.layouts;
        declarations[i] = shapes.declarations;
    }
    let targets = processed.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(Answer {
        targets,
        values,
        layouts,
        declarations,
    })
}

/// Any target besides the calling-convention one and `other` (whose parses give theirs):
/// a parse for its layouts and declarations alone, by target index.
fn further_layouts(
    inputs: &Inputs,
    scan: &Scan,
    other: Option<usize>,
) -> Vec<(usize, Result<Shapes>)> {
    (0..inputs.targets.len())
        .filter(|i| *i != inputs.cc_target && Some(*i) != other)
        .map(|i| {
            let triple = &inputs.targets[i].triple;
            (
                i,
                parse_for_layouts(inputs, scan, triple).map(|tu| Shapes::of(&tu)),
            )
        })
        .collect()
}

/// Each bindgen run's processed output once its thread has ended; a run that sent
/// nothing panicked.
fn ended(
    runs: Vec<std::thread::ScopedJoinHandle<'_, ()>>,
    processed: Vec<Option<Result<bindgen::TargetOutput>>>,
) -> Vec<Result<bindgen::TargetOutput>> {
    runs.into_iter()
        .zip(processed)
        .map(|(h, p)| match (joined(h.join().map(Ok)), p) {
            (Ok(()), Some(p)) => p,
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(Error::msg(
                "internal error: a generator thread ended without its output",
            )),
        })
        .collect()
}

/// The target the macros are evaluated for (and its layouts collected in the same
/// parse): the first that does not decide calling conventions, whose layouts the scan's
/// parse does not give; the calling-convention target if it is the only one.
pub fn evaluation_triple(inputs: &Inputs) -> &str {
    let i = evaluation_target(inputs).unwrap_or(inputs.cc_target);
    &inputs.targets[i].triple
}

/// The index of the first target that does not decide calling conventions, if any.
fn evaluation_target(inputs: &Inputs) -> Option<usize> {
    (0..inputs.targets.len()).find(|i| *i != inputs.cc_target)
}

/// A thread's result; a panic there becomes an error here.
fn joined<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
    r.unwrap_or_else(|_| Err(Error::msg("internal error: a generator thread panicked")))
}
