//! Values of object-like macros (`MAPI_E_*`, `PR_*`, `PT_*`, flags), evaluated by clang.
//!
//! bindgen skips macros with casts or function-like helpers (`MAKE_MAPI_E(0x10F)`,
//! `PROP_TAG(PT_LONG, 0x3001)`), so the selected macros are re-read in a second parse that
//! appends one constant initializer per macro and lets clang's evaluator compute it. The
//! same parse gives its target's record layouts.

use clang_sys::CXCursor_VarDecl;

use super::layouts::{collect, Layouts};
use super::libclang::TranslationUnit;
use crate::error::Result;
use crate::inputs::Inputs;

const PREFIX: &str = "mapi_codegen_const_";

/// Evaluates each macro for `triple`: its value, or `None` if it is not an integer
/// constant clang can evaluate; and the layouts of `triple`'s records.
pub fn evaluate(
    inputs: &Inputs,
    triple: &str,
    macros: &[String],
) -> Result<(Vec<Option<i128>>, Layouts)> {
    let mut extra = String::from("\n");
    for (i, name) in macros.iter().enumerate() {
        extra.push_str(&format!(
            "static const long long {PREFIX}{i} = (long long)({name});\n"
        ));
    }
    // Lenient: an initializer whose macro is no integer constant fails, and may fail
    // inside the macro's header. (The scan's parse has shown the headers compile.)
    let tu = TranslationUnit::parse_lenient(
        &inputs.clang_args(triple, true),
        &inputs.unsaved("constants.cpp", &extra),
    )?;
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
    Ok((values, collect(&tu)))
}
