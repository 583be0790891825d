//! Constants: the macros the manifest's `[[constants]]` rules select, with the type each
//! rule gives them; their values (evaluated by clang); the manifest's extra constants; and
//! the check that every value fits its type.

use std::collections::{BTreeMap, HashSet};

use crate::clang::Scan;
use crate::error::Result;
use crate::inputs::Inputs;
use crate::ir::{header_key, Aliases, Constant};
use crate::manifest::{glob_match, line_col, ConstantRule, Manifest};

/// A macro a rule selected.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub name: String,
    /// The key of the header that defines it.
    pub header: String,
    /// The index of the rule that chose it (the first that matches).
    pub rule: usize,
}

/// The macros the rules may choose, read from the headers' text before clang has parsed
/// them: every object-like `#define` in a rule's `from` header whose name the rule
/// matches. What [`choose`] later takes from the scan is, for the headers the generator
/// reads directly, among these; the early macro evaluation (`clang::evaluate_early`) runs
/// over them while the scan parses.
pub fn candidates(manifest: &Manifest, inputs: &Inputs) -> Vec<String> {
    let rules = &manifest.spec.constants;
    let mut texts: Vec<(String, String)> = Vec::new();
    for h in &inputs.headers {
        if let Ok(text) = std::fs::read_to_string(&h.path) {
            texts.push((h.key.clone(), text));
        }
    }
    for i in &inputs.idl {
        texts.push((i.key.clone(), i.header.clone()));
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut names = Vec::new();
    for (key, text) in &texts {
        let rules_here: Vec<_> = rules
            .iter()
            .filter(|r| r.from.iter().any(|f| header_key(f) == *key))
            .collect();
        if rules_here.is_empty() {
            continue;
        }
        for line in text.lines() {
            let Some(name) = defined_name(line) else {
                continue;
            };
            let wanted = rules_here.iter().any(|r| takes(r, name));
            if wanted && seen.insert(name.to_string()) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Whether `rule` names the macro `name` (one of its `names` patterns, none of its
/// `exclude` ones), whichever header defines it.
fn takes(rule: &ConstantRule, name: &str) -> bool {
    rule.names.iter().any(|p| glob_match(p, name))
        && !rule.exclude.iter().any(|p| glob_match(p, name))
}

/// The name an object-like `#define` line defines (`#define MAPI_E_CALL_FAILED ...`), not
/// a function-like one's (`#define PROP_TAG(t, i) ...`).
fn defined_name(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("define")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (starts_well && !after.starts_with('(')).then_some(name)
}

/// Selects the macros the rules ask for, each with the rule that chose it.
///
/// A rule whose `from` headers hold no macro it matches, an exact name (no `*`) that
/// names no integer macro, and a macro that two rules give different types are errors
/// at their manifest line.
pub fn choose(manifest: &Manifest, scan: &Scan) -> Result<Vec<Chosen>> {
    let matched = match_rules(manifest, scan)?;
    check_rules(manifest, &matched)?;
    Ok(matched.chosen)
}

/// The macros the rules matched.
struct Matched<'s> {
    /// Each macro the rules take, with the first rule that matches it, in the scan's order.
    chosen: Vec<Chosen>,
    /// How many macros each rule chose.
    per_rule: Vec<usize>,
    /// The (rule, macro) pairs where a rule with exact names matched the macro.
    exact_hits: HashSet<(usize, &'s str)>,
}

/// Matches the scan's integer-like macros against the rules, the first matching rule
/// deciding; two matching rules of different types are an error at the later one.
fn match_rules<'s>(manifest: &Manifest, scan: &'s Scan) -> Result<Matched<'s>> {
    let rules = &manifest.spec.constants;
    let from: Vec<HashSet<String>> = rules
        .iter()
        .map(|r| r.from.iter().map(|f| header_key(f)).collect())
        .collect();
    let mut matched = Matched {
        chosen: Vec::new(),
        per_rule: vec![0usize; rules.len()],
        exact_hits: HashSet::new(),
    };
    let mut taken: HashSet<&str> = HashSet::new();
    for m in &scan.macros {
        let (name, header, body) = (&m.name, &m.header, &m.tokens);
        if body.is_empty()
            || body
                .iter()
                .any(|t| t.contains('"') || t.contains('\'') || t == "#")
        {
            continue;
        }
        let mut first: Option<usize> = None;
        for (n, r) in rules.iter().enumerate() {
            if !from[n].contains(header) || !takes(r, name) {
                continue;
            }
            if !r.names.iter().all(|p| p.contains('*')) {
                matched.exact_hits.insert((n, name.as_str()));
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
                            rule_line(manifest, &format!("constants.{f}.type")),
                            rules[f].ty
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(n) = first {
            if taken.insert(name.as_str()) {
                matched.chosen.push(Chosen {
                    name: name.clone(),
                    header: header.clone(),
                    rule: n,
                });
                matched.per_rule[n] += 1;
            }
        }
    }
    Ok(matched)
}

/// The manifest line of the value at `path`.
fn rule_line(manifest: &Manifest, path: &str) -> usize {
    line_col(&manifest.text, manifest.offset_of(path)).0
}

/// Every rule's exact names matched a macro no earlier rule took, and every rule chose
/// something; else an error at the name or the rule.
fn check_rules(manifest: &Manifest, matched: &Matched<'_>) -> Result<()> {
    for (n, r) in manifest.spec.constants.iter().enumerate() {
        for (k, p) in r.names.iter().enumerate() {
            if p.contains('*') {
                continue;
            }
            // Found only for an error: finding it parses the manifest again.
            let at = || manifest.offset_of(&format!("constants.{n}.names.{k}"));
            if !matched.exact_hits.contains(&(n, p.as_str())) {
                return Err(manifest.error_at(
                    at(),
                    format!(
                        "no integer macro named `{p}` is defined in {} (or it is excluded)",
                        r.from.join(", ")
                    ),
                ));
            }
            if let Some(c) = matched.chosen.iter().find(|c| c.name == *p) {
                if c.rule != n {
                    return Err(manifest.error_at(
                        at(),
                        format!(
                            "`{p}` is already selected by the earlier rule on line {}, so \
                             this rule's entry has no effect; remove it from one of them",
                            rule_line(manifest, &format!("constants.{}", c.rule))
                        ),
                    ));
                }
            }
        }
        if matched.per_rule[n] == 0 {
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
    Ok(())
}

/// The constants: the chosen macros with their values (`values[i]` is `chosen[i]`'s), then
/// the manifest's extra constants. A chosen exact name clang could not evaluate, an extra
/// constant the headers already declare and a value that does not fit its type are errors
/// at their manifest line.
pub fn collect(
    manifest: &Manifest,
    chosen: &[Chosen],
    values: &[Option<i128>],
    aliases: &Aliases,
) -> Result<BTreeMap<String, Constant>> {
    let spec = &manifest.spec;
    let rules = &spec.constants;
    // Where each constant's type comes from in the manifest, for range errors.
    let mut constants: BTreeMap<String, Constant> = BTreeMap::new();
    let mut type_at: BTreeMap<String, String> = BTreeMap::new();
    for (c, value) in chosen.iter().zip(values) {
        let Some(value) = *value else { continue };
        type_at.insert(c.name.clone(), format!("constants.{}.type", c.rule));
        constants.insert(
            c.name.clone(),
            Constant {
                name: c.name.clone(),
                value,
                ty: rules[c.rule].ty.clone(),
                header: c.header.clone(),
            },
        );
    }
    for (n, r) in rules.iter().enumerate() {
        for (k, p) in r.names.iter().enumerate() {
            if !p.contains('*') && !constants.contains_key(p) {
                return Err(manifest.error_at(
                    manifest.offset_of(&format!("constants.{n}.names.{k}")),
                    format!("the macro `{p}` is not an integer constant clang can evaluate"),
                ));
            }
        }
    }
    for (n, c) in spec.extra_constants.iter().enumerate() {
        if constants.contains_key(&c.name) {
            return Err(manifest.error_at(
                manifest.offset_of(&format!("extra_constant.{n}.name")),
                format!(
                    "extra constant `{}` is already declared by the headers; remove it \
                     from the manifest",
                    c.name
                ),
            ));
        }
        type_at.insert(c.name.clone(), format!("extra_constant.{n}.value"));
        constants.insert(
            c.name.clone(),
            Constant {
                name: c.name.clone(),
                value: c.value as i128,
                ty: c.ty.clone(),
                header: header_key(&c.module),
            },
        );
    }
    check_ranges(manifest, &constants, &type_at, aliases)?;
    Ok(constants)
}

/// Every constant's value fits its type (as a signed or an unsigned number of its width):
/// nothing is cut silently.
fn check_ranges(
    manifest: &Manifest,
    constants: &BTreeMap<String, Constant>,
    type_at: &BTreeMap<String, String>,
    aliases: &Aliases,
) -> Result<()> {
    for c in constants.values() {
        // Only an error needs the position: finding it parses the manifest again.
        let at = || manifest.offset_of(type_at.get(&c.name).map_or("", String::as_str));
        let Some(prim) = aliases.integer(&c.ty) else {
            return Err(manifest.error_at(
                at(),
                format!(
                    "constant `{}` has type `{}`, which is not an integer type the bindings \
                     declare",
                    c.name, c.ty
                ),
            ));
        };
        let bits: u32 = prim[1..].parse().unwrap_or(64);
        let (lo, hi) = (-(1i128 << (bits - 1)), (1i128 << bits) - 1);
        if c.value < lo || c.value > hi {
            return Err(manifest.error_at(
                at(),
                format!(
                    "constant `{}` is {}{}, which does not fit in `{}` ({prim}, {bits} bits)",
                    c.name,
                    c.value,
                    if c.value < 0 {
                        format!(" (0x{:X} as 32 bits)", c.value as u32)
                    } else {
                        format!(" (0x{:X})", c.value)
                    },
                    c.ty
                ),
            ));
        }
    }
    Ok(())
}
