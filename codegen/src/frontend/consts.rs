//! Values of object-like macros (`MAPI_E_*`, `PR_*`, `PT_*`, flags), evaluated by clang.
//!
//! bindgen skips macros with casts or function-like helpers (`MAKE_MAPI_E(0x10F)`,
//! `PROP_TAG(PT_LONG, 0x3001)`), so the selected macros are re-read in a second parse that
//! appends one constant initializer per macro and lets clang's evaluator compute it.

use clang_sys::CXCursor_VarDecl;

use super::ast::AstFacts;
use super::input::{header_key, Inputs};
use super::libclang::TranslationUnit;
use crate::error::Result;
use crate::ir::Constant;
use crate::manifest::{glob_match, ConstantRule};

const PREFIX: &str = "mapi_codegen_const_";

/// Selects the macros the rules ask for and evaluates them for `triple`.
pub fn evaluate(
    inputs: &Inputs,
    triple: &str,
    facts: &AstFacts,
    rules: &[ConstantRule],
) -> Result<Vec<Constant>> {
    let mut chosen: Vec<(String, String, String)> = Vec::new();
    for (name, header, body) in &facts.macros {
        if body.is_empty()
            || body
                .iter()
                .any(|t| t.contains('"') || t.contains('\'') || t == "#")
        {
            continue;
        }
        let rule = rules.iter().find(|r| {
            r.from.iter().any(|f| header_key(f) == *header)
                && r.names.iter().any(|p| glob_match(p, name))
                && !r.exclude.iter().any(|p| glob_match(p, name))
        });
        if let Some(rule) = rule {
            if !chosen.iter().any(|(n, _, _)| n == name) {
                chosen.push((name.clone(), header.clone(), rule.ty.clone()));
            }
        }
    }
    let mut extra = String::from("\n");
    for (i, (name, _, _)) in chosen.iter().enumerate() {
        extra.push_str(&format!(
            "static const long long {PREFIX}{i} = (long long)({name});\n"
        ));
    }
    let tu = TranslationUnit::parse_lenient(
        &inputs.clang_args(triple, true),
        &inputs.unsaved("constants.cpp", &extra),
    )?;
    let mut out = Vec::new();
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
        if let (Some(value), Some((name, header, ty))) = (c.evaluate_int(), chosen.get(index)) {
            out.push(Constant {
                name: name.clone(),
                value,
                ty: ty.clone(),
                header: header.clone(),
            });
        }
    }
    Ok(out)
}
