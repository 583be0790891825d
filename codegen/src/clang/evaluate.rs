//! Values of object-like macros (`MAPI_E_*`, `PR_*`, `PT_*`, flags), evaluated by clang.
//!
//! bindgen skips macros with casts or function-like helpers (`MAKE_MAPI_E(0x10F)`,
//! `PROP_TAG(PT_LONG, 0x3001)`), so the selected macros are re-read in a second parse that
//! appends one constant initializer per macro and lets clang's evaluator compute it. The
//! same parse gives its target's record layouts and type declarations.

use clang_sys::CXCursor_VarDecl;

use super::layouts::{collect, Layouts};
use super::libclang::TranslationUnit;
use crate::error::Result;
use crate::inputs::Inputs;
use crate::ir::Declaration;

const PREFIX: &str = "mapi_codegen_const_";

/// What an evaluation parse gives.
#[derive(Debug)]
pub struct Evaluated {
    /// Each macro's value, in the order asked (`None`: not an integer constant clang can
    /// evaluate).
    pub values: Vec<Option<i128>>,
    /// The parse's target's record layouts.
    pub layouts: Layouts,
    /// The parse's type declarations in C's terms ([`super::records`]).
    pub declarations: Vec<Declaration>,
}

/// Evaluates each macro for `triple`: its value, or `None` if it is not an integer
/// constant clang can evaluate; and the layouts of `triple`'s records.
pub fn evaluate(inputs: &Inputs, triple: &str, macros: &[String]) -> Result<Evaluated> {
    evaluate_in(
        &inputs.clang_args(triple, true),
        inputs.unsaved("constants.cpp", ""),
        macros,
    )
}

/// [`evaluate`], started on a thread of its own before the scan, over the macros the
/// constants rules may choose (`select::candidate_macros`, from the headers' text), for
/// `triple`. [`Early::take`] gives its answer for the macros the plan then asks for, or
/// nothing when it cannot stand in for [`evaluate`]: a requested macro it did not
/// evaluate, headers that selection changed since ([`Inputs::leave_out`]), or a failed
/// parse; then `evaluate` runs as before.
pub struct Early {
    /// What clang read: the files' text, to see that it is still what `evaluate` would
    /// read.
    files: Vec<(String, String)>,
    macros: Vec<String>,
    run: std::thread::JoinHandle<Result<Evaluated>>,
}

/// Starts [`Early`].
pub fn evaluate_early(inputs: &Inputs, triple: &str, macros: Vec<String>) -> Early {
    let args = inputs.clang_args(triple, true);
    let files = inputs.unsaved("constants.cpp", "");
    let (for_run, names) = (files.clone(), macros.clone());
    let run = std::thread::spawn(move || evaluate_in(&args, for_run, &names));
    Early { files, macros, run }
}

impl Early {
    /// The values of `macros` (in their order) and the layouts, if this evaluation can
    /// stand in for [`evaluate`] over `inputs`.
    pub fn take(self, inputs: &Inputs, macros: &[String]) -> Option<Evaluated> {
        let Evaluated {
            values,
            layouts,
            declarations,
        } = self.run.join().ok()?.ok()?;
        if self.files != inputs.unsaved("constants.cpp", "") {
            return None;
        }
        let index: std::collections::HashMap<&str, usize> = self
            .macros
            .iter()
            .enumerate()
            .map(|(i, m)| (m.as_str(), i))
            .collect();
        let values = macros
            .iter()
            .map(|m| index.get(m.as_str()).map(|&i| values[i]))
            .collect::<Option<Vec<_>>>()?;
        Some(Evaluated {
            values,
            layouts,
            declarations,
        })
    }
}

/// The evaluation in a parse of `files` (the first the main file, which the macros'
/// initializers are appended to) with `args`.
fn evaluate_in(
    args: &[String],
    mut files: Vec<(String, String)>,
    macros: &[String],
) -> Result<Evaluated> {
    let mut extra = String::from("\n");
    for (i, name) in macros.iter().enumerate() {
        extra.push_str(&format!(
            "static const long long {PREFIX}{i} = (long long)({name});\n"
        ));
    }
    if let Some((_, main)) = files.first_mut() {
        main.push_str(&extra);
    }
    // Lenient: an initializer whose macro is no integer constant fails, and may fail
    // inside the macro's header. (The scan's parse has shown the headers compile.)
    let tu = TranslationUnit::parse_lenient(args, &files)?;
    let mut values = vec![None; macros.len()];
    for c in tu.root().children() {
        if c.kind() != CXCursor_VarDecl {
            continue;
        }
        let Some(index) = c
            .spelling()
            .strip_prefix(PREFIX)
            .and_then(|i| i.parse::<usize>().ok())
        else {
            continue;
        };
        if let Some(slot) = values.get_mut(index) {
            *slot = c.evaluate_int();
        }
    }
    Ok(Evaluated {
        values,
        layouts: collect(&tu),
        declarations: super::records::collect(&tu),
    })
}
