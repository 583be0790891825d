//! Values of object-like macros (`MAPI_E_*`, `PR_*`, `PT_*`, flags), evaluated by clang.
//!
//! bindgen skips macros with casts or function-like helpers (`MAKE_MAPI_E(0x10F)`,
//! `PROP_TAG(PT_LONG, 0x3001)`), so the selected macros are re-read in a second parse that
//! appends one constant initializer per macro and lets clang's evaluator compute it.

use std::collections::HashSet;

use clang_sys::CXCursor_VarDecl;

use super::ast::AstFacts;
use super::input::{header_key, Inputs};
use super::libclang::TranslationUnit;
use crate::error::Result;
use crate::ir::Constant;
use crate::manifest::{glob_match, line_col, Manifest};

const PREFIX: &str = "mapi_codegen_const_";

/// Selects the macros the rules ask for and evaluates them for `triple`; each constant
/// comes with the index of the rule that chose it.
///
/// A rule whose `from` headers hold no macro it matches, an exact name (no `*`) that
/// names no integer macro, and a macro that two rules give different types are errors
/// at their manifest line.
pub fn evaluate(
    inputs: &Inputs,
    triple: &str,
    facts: &AstFacts,
    manifest: &Manifest,
) -> Result<Vec<(Constant, usize)>> {
    let rules = &manifest.spec.constants;
    let from: Vec<HashSet<String>> = rules
        .iter()
        .map(|r| r.from.iter().map(|f| header_key(f)).collect())
        .collect();
    // (name, header, rule index)
    let mut chosen: Vec<(String, String, usize)> = Vec::new();
    let mut taken: HashSet<&str> = HashSet::new();
    let mut per_rule = vec![0usize; rules.len()];
    let mut exact_hits: HashSet<(usize, &str)> = HashSet::new();
    for (name, header, body) in &facts.macros {
        if body.is_empty()
            || body
                .iter()
                .any(|t| t.contains('"') || t.contains('\'') || t == "#")
        {
            continue;
        }
        let mut first: Option<usize> = None;
        for (n, r) in rules.iter().enumerate() {
            if !from[n].contains(header)
                || !r.names.iter().any(|p| glob_match(p, name))
                || r.exclude.iter().any(|p| glob_match(p, name))
            {
                continue;
            }
            if !r.names.iter().all(|p| p.contains('*')) {
                exact_hits.insert((n, name.as_str()));
            }
            match first {
                None => first = Some(n),
                Some(f) if rules[f].ty != r.ty => {
                    return Err(manifest.error_at(
                        manifest.offset_of(&format!("constants.{n}.type")),
                        format!(
                            "`{name}` (in `{header}`) matches this rule, of type `{}`, and \
                             the earlier rule on line {}, of type `{}`, which decides: \
                             exclude it from one of them",
                            r.ty,
                            line_col(
                                &manifest.text,
                                manifest.offset_of(&format!("constants.{f}.type"))
                            )
                            .0,
                            rules[f].ty
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(n) = first {
            if taken.insert(name.as_str()) {
                chosen.push((name.clone(), header.clone(), n));
                per_rule[n] += 1;
            }
        }
    }
    let rule_line = |n: usize| {
        line_col(
            &manifest.text,
            manifest.offset_of(&format!("constants.{n}")),
        )
        .0
    };
    for (n, r) in rules.iter().enumerate() {
        for (k, p) in r.names.iter().enumerate() {
            if p.contains('*') {
                continue;
            }
            // Found only for an error: finding it parses the manifest again.
            let at = || manifest.offset_of(&format!("constants.{n}.names.{k}"));
            if !exact_hits.contains(&(n, p.as_str())) {
                return Err(manifest.error_at(
                    at(),
                    format!(
                        "no integer macro named `{p}` is defined in {} (or it is excluded)",
                        r.from.join(", ")
                    ),
                ));
            }
            if let Some((_, _, first)) = chosen.iter().find(|(c, _, _)| c == p) {
                if *first != n {
                    return Err(manifest.error_at(
                        at(),
                        format!(
                            "`{p}` is already selected by the earlier rule on line {}, so \
                             this rule's entry has no effect; remove it from one of them",
                            rule_line(*first)
                        ),
                    ));
                }
            }
        }
        if per_rule[n] == 0 {
            return Err(manifest.error_at(
                manifest.offset_of(&format!("constants.{n}")),
                format!(
                    "this rule selects no constant: no integer macro in {} matches {} that \
                     an earlier rule has not taken",
                    r.from.join(", "),
                    r.names.join(", ")
                ),
            ));
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
        if let (Some(value), Some((name, header, rule))) = (c.evaluate_int(), chosen.get(index)) {
            out.push((
                Constant {
                    name: name.clone(),
                    value,
                    ty: rules[*rule].ty.clone(),
                    header: header.clone(),
                },
                *rule,
            ));
        }
    }
    for (n, r) in rules.iter().enumerate() {
        for (k, p) in r.names.iter().enumerate() {
            if !p.contains('*') && !out.iter().any(|(c, _)| c.name == *p) {
                return Err(manifest.error_at(
                    manifest.offset_of(&format!("constants.{n}.names.{k}")),
                    format!("the macro `{p}` is not an integer constant clang can evaluate"),
                ));
            }
        }
    }
    Ok(out)
}
