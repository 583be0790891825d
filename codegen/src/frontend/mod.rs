//! The libclang front end: bindgen for types, an AST pass for interfaces, GUIDs and
//! macro values; the results merged into one [`Model`].

pub mod ast;
pub mod bindgen;
pub mod consts;
pub mod input;
pub mod libclang;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::{Error, Result};
use crate::ir::{CType, Constant, Interface, Model, TypeItem};
use crate::manifest::Manifest;
use input::{header_key, Inputs};

/// Reads everything the manifest names and builds the model.
pub fn analyze(manifest: &Manifest, inputs: &Inputs) -> Result<Model> {
    let spec = &manifest.spec;
    let cc_target = spec
        .targets
        .iter()
        .find(|t| t.calling_conventions)
        .ok_or_else(|| Error::msg("no target decides calling conventions"))?;

    // Types bindgen must include beyond the headers' own: those the manifest names.
    // (Everything the interfaces use is reachable from the C vtables bindgen sees.)
    let mut wanted_types: Vec<String> = vec!["GUID".into()];
    for c in &spec.constants {
        wanted_types.push(c.ty.clone());
    }
    for c in &spec.extra_constants {
        wanted_types.push(c.ty.clone());
    }
    for c in &spec.corrections.parameters {
        if let Some(t) = CType::parse_simple(&c.get_ref().to) {
            t.names(&mut wanted_types);
        }
    }

    // The AST pass first: it names what bindgen is to emit. Then one bindgen run per
    // target on threads, while this thread evaluates the constants (libclang handles
    // separate indexes on separate threads). bindgen's output crosses back as text:
    // syntax trees are not Send.
    let facts = {
        let tu = libclang::TranslationUnit::parse(
            &inputs.clang_args(&cc_target.triple, true),
            &inputs.unsaved("interfaces.cpp", ""),
        )?;
        ast::scan(&tu)?
    };
    let types_from: HashSet<String> = spec.emit.types_from.iter().map(|f| header_key(f)).collect();
    for (name, header) in &facts.decl_headers {
        if types_from.contains(header) && !facts.interfaces.contains_key(name) {
            wanted_types.push(name.clone());
        }
    }
    wanted_types.sort();
    wanted_types.dedup();
    let (evaluated, texts) = std::thread::scope(|s| {
        let runs: Vec<_> = spec
            .targets
            .iter()
            .map(|t| {
                let wanted_types = &wanted_types;
                s.spawn(move || bindgen::generate(inputs, &t.triple, wanted_types))
            })
            .collect();
        let evaluated = consts::evaluate(inputs, &cc_target.triple, &facts, manifest);
        let texts: Vec<Result<String>> = runs.into_iter().map(|h| joined(h.join())).collect();
        (evaluated, texts)
    });
    let evaluated = evaluated?;
    check_iid_names(manifest, &facts)?;

    let mut interfaces = select_interfaces(manifest, inputs, &facts.interfaces)?;
    for i in &mut interfaces {
        let iid_name = spec
            .emit
            .iid_names
            .get(&i.name)
            .cloned()
            .unwrap_or_else(|| format!("IID_{}", i.name));
        i.iid = facts.guids.get(&iid_name).map(|(g, _)| *g);
    }
    check_unique_iids(inputs, &interfaces)?;
    apply_corrections(manifest, &mut interfaces)?;

    // Every class the headers declare is dropped from bindgen's output (C's view of an
    // interface is a struct holding a vtable pointer), emitted as an interface or not.
    let all_interfaces: HashSet<String> = facts.interfaces.keys().cloned().collect();
    let mut outputs = Vec::new();
    for (t, text) in spec.targets.iter().zip(texts) {
        outputs.push((t, bindgen::process(&t.triple, &text?, &all_interfaces)?));
    }

    // Where each constant's type comes from in the manifest, for range errors.
    let mut constants: BTreeMap<String, Constant> = BTreeMap::new();
    let mut type_at: BTreeMap<String, String> = BTreeMap::new();
    for (c, rule) in evaluated {
        type_at.insert(c.name.clone(), format!("constants.{rule}.type"));
        constants.insert(c.name.clone(), c);
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
    let cc_index = spec
        .targets
        .iter()
        .position(|t| t.calling_conventions)
        .unwrap_or(0);
    let items = merge_items(
        &outputs,
        cc_index,
        &facts.decl_headers,
        &spec.output.base_module,
    );
    check_types_declared(&interfaces, &items)?;
    check_constant_ranges(manifest, &constants, &type_at, &items)?;
    let layouts = outputs
        .iter()
        .map(|(t, o)| (t.name.clone(), o.layouts.clone()))
        .collect();
    check_idl_macros(inputs, &facts.macros)?;
    check_idl_names(inputs, &interfaces, &constants, &facts.guids, &items)?;

    Ok(Model {
        package: package(manifest),
        targets: spec
            .targets
            .iter()
            .map(|t| crate::ir::Target {
                name: t.name.clone(),
                triple: t.triple.clone(),
                cfg: t.cfg.clone(),
                layout_cfg: t.layout_cfg.clone(),
            })
            .collect(),
        headers: inputs.header_list(),
        interfaces,
        constants,
        guids: facts.guids,
        items,
        layouts,
    })
}

/// What the manifest says of the generated crate.
fn package(manifest: &Manifest) -> crate::ir::Package {
    let o = &manifest.spec.output;
    crate::ir::Package {
        name: o.crate_name.clone(),
        version: o.crate_version.clone(),
        rust_version: o.rust_version.clone(),
        description: o.description.clone(),
        source: shown_manifest(&manifest.path),
        base_module: o.base_module.clone(),
        modules: manifest
            .spec
            .emit
            .modules
            .iter()
            .map(|m| header_key(m))
            .collect(),
    }
}

/// The manifest as the banners name it: its folder's name and its file name
/// (`headers/mapi.toml`), wherever the folder is, so the bytes do not depend on where the
/// generator ran.
fn shown_manifest(path: &std::path::Path) -> String {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = path
        .canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|f| f.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| ".".into());
    format!("{folder}/{file}")
}

/// An error at a place in an IDL file, shown as the IDL front end shows its own: the
/// message, the position, the source line and a caret.
pub(crate) fn idl_error(
    path: &std::path::Path,
    line: usize,
    column: usize,
    message: impl Into<String>,
) -> Error {
    let src = std::fs::read_to_string(path).unwrap_or_default();
    let src = src.strip_prefix('\u{feff}').unwrap_or(&src);
    crate::idl::IdlError::at(path, src, line, column, message.into()).into()
}

/// No two emitted interfaces have one IID (`cast` and QueryInterface could not tell them
/// apart). An IDL interface is reported at its IDL line.
fn check_unique_iids(inputs: &Inputs, interfaces: &[Interface]) -> Result<()> {
    let mut seen: HashMap<crate::ir::Guid, &Interface> = HashMap::new();
    for i in interfaces {
        let Some(g) = i.iid else { continue };
        let Some(first) = seen.insert(g, i) else {
            continue;
        };
        let message = format!(
            "interface `{}` has the IID {g} of `{}` (declared in `{}`); every interface \
             needs its own",
            i.name, first.name, first.header
        );
        for file in &inputs.idl {
            if let Some(decl) = file.interfaces().find(|d| d.name == i.name) {
                let src = std::fs::read_to_string(&file.path).unwrap_or_default();
                let lines: Vec<&str> = src.split('\n').collect();
                let (line, col) = word_after(&lines, decl.line, &i.name);
                return Err(idl_error(&file.path, line, col, message));
            }
        }
        return Err(Error::msg(format!(
            "{} line {}: {message}",
            i.header, i.line
        )));
    }
    Ok(())
}

/// Every `[emit.iid_names]` entry names an interface the headers declare and a GUID they
/// define.
fn check_iid_names(manifest: &Manifest, facts: &ast::AstFacts) -> Result<()> {
    for (iface, iid) in &manifest.spec.emit.iid_names {
        let at = || manifest.offset_of(&format!("emit.iid_names.{iface}"));
        if !facts.interfaces.contains_key(iface) {
            return Err(manifest.error_at(
                at(),
                format!(
                    "`[emit.iid_names]` names interface `{iface}`, which no header or IDL file \
                     read declares (`mapi-codegen --list` prints them)"
                ),
            ));
        }
        if !facts.guids.contains_key(iid) {
            return Err(manifest.error_at(
                at(),
                format!(
                    "`[emit.iid_names]` gives `{iface}` the IID `{iid}`, which no header read \
                     defines (with DEFINE_GUID or DEFINE_OLEGUID)"
                ),
            ));
        }
    }
    Ok(())
}

/// Every constant's value fits its type (as a signed or an unsigned number of its width):
/// nothing is cut silently.
fn check_constant_ranges(
    manifest: &Manifest,
    constants: &BTreeMap<String, Constant>,
    type_at: &BTreeMap<String, String>,
    items: &[TypeItem],
) -> Result<()> {
    let aliases = crate::ir::Aliases::of(items);
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

/// No IDL constant redefines a macro of the MAPI headers (clang only warns, and the
/// constants pass would keep the first definition). The error is at the IDL constant.
fn check_idl_macros(inputs: &Inputs, macros: &[(String, String, Vec<String>)]) -> Result<()> {
    let idl_keys: HashSet<&str> = inputs
        .idl_headers
        .iter()
        .map(|(k, _, _)| k.as_str())
        .collect();
    let mut from_headers: HashMap<&str, &str> = HashMap::new();
    for (name, header, _) in macros {
        if !idl_keys.contains(header.as_str()) {
            from_headers.entry(name).or_insert(header);
        }
    }
    for file in &inputs.idl {
        for c in file.consts() {
            if let Some(header) = from_headers.get(c.name.as_str()) {
                let src = std::fs::read_to_string(&file.path).unwrap_or_default();
                let src = src.strip_prefix('\u{feff}').unwrap_or(&src);
                let lines: Vec<&str> = src.split('\n').collect();
                let (line, col) = word_after(&lines, c.line, &c.name);
                return Err(idl_error(
                    &file.path,
                    line,
                    col,
                    format!(
                        "constant `{}` is already a macro of `{header}`; give it another name",
                        c.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The IDL's names against the other headers' in the bindings: no IDL declaration takes
/// a name the Rust derives from another header's interface (`IFoo_Vtbl`, `IFoo_Impl`,
/// `IID_IFoo`), and no parameter of an IDL method is named like a value of the bindings
/// (a constant, an IID, an interface's tuple struct), which Rust would read as a pattern
/// naming that value. Errors are at the name in the IDL.
fn check_idl_names(
    inputs: &Inputs,
    interfaces: &[Interface],
    constants: &BTreeMap<String, Constant>,
    guids: &BTreeMap<String, (crate::ir::Guid, String)>,
    items: &[TypeItem],
) -> Result<()> {
    let mut values: HashMap<&str, &'static str> = HashMap::new();
    for i in interfaces {
        values.insert(&i.name, "an interface");
    }
    for c in constants.keys() {
        values.insert(c, "a constant");
    }
    for g in guids.keys() {
        values.insert(g, "a GUID constant");
    }
    for item in items {
        if let syn::Item::Const(_) | syn::Item::Static(_) = item.item {
            values.insert(&item.name, "a constant");
        }
    }
    // The Rust names derived from the other headers' interfaces, which an IDL
    // declaration would collide with in the bindings (C knows none of them).
    let idl_keys: HashSet<&str> = inputs
        .idl_headers
        .iter()
        .map(|(k, _, _)| k.as_str())
        .collect();
    let mut derived: HashMap<String, String> = HashMap::new();
    for i in interfaces
        .iter()
        .filter(|i| !idl_keys.contains(i.header.as_str()))
    {
        for (name, role) in [
            (format!("{}_Vtbl", i.name), "vtable"),
            (format!("{}_Impl", i.name), "implementation trait"),
            (format!("IID_{}", i.name), "IID"),
        ] {
            derived.insert(
                name,
                format!("the Rust {role} of `{}` (from `{}`)", i.name, i.header),
            );
        }
    }
    for file in &inputs.idl {
        let src = std::fs::read_to_string(&file.path).unwrap_or_default();
        let src = src.strip_prefix('\u{feff}').unwrap_or(&src);
        let lines: Vec<&str> = src.split('\n').collect();
        let mut declared: Vec<(&str, usize)> = Vec::new();
        for item in &file.items {
            match item {
                crate::idl::Item::Const(c) => declared.push((&c.name, c.line)),
                crate::idl::Item::Typedef(a) => declared.push((&a.name, a.line)),
                crate::idl::Item::Interface(i) => declared.push((&i.name, i.line)),
                crate::idl::Item::Struct(st) => {
                    declared.extend(st.tag.iter().map(|t| (t.as_str(), st.line)));
                    declared.extend(st.names.iter().map(|d| (d.name.as_str(), st.line)));
                }
                crate::idl::Item::Enum(e) => {
                    declared.extend(e.tag.iter().map(|t| (t.as_str(), e.line)));
                    declared.extend(e.names.iter().map(|d| (d.name.as_str(), e.line)));
                    declared.extend(e.variants.iter().map(|v| (v.name.as_str(), e.line)));
                }
                _ => {}
            }
        }
        for (name, line) in declared {
            if let Some(what) = derived.get(name) {
                let (line, col) = word_after(&lines, line, name);
                return Err(idl_error(
                    &file.path,
                    line,
                    col,
                    format!("`{name}` is {what}; give the declaration another name"),
                ));
            }
        }
        for iface in file.interfaces() {
            for m in &iface.methods {
                for p in &m.params {
                    let Some(what) = values.get(p.name.as_str()) else {
                        continue;
                    };
                    let (line, col) = word_after(&lines, m.line, &p.name);
                    return Err(idl_error(
                        &file.path,
                        line,
                        col,
                        format!(
                            "parameter `{}` of `{}::{}` is named like {what} of the bindings: \
                             Rust would read the parameter as that value; rename it",
                            p.name, iface.name, m.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// 1-based line and column of the first whole-word `word` at or after line `from`.
fn word_after(lines: &[&str], from: usize, word: &str) -> (usize, usize) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (i, text) in lines.iter().enumerate().skip(from.saturating_sub(1)) {
        for (b, _) in text.match_indices(word) {
            if !text[..b].ends_with(is_word) && !text[b + word.len()..].starts_with(is_word) {
                return (i + 1, text[..b].chars().count() + 1);
            }
        }
    }
    (from, 1)
}

/// Every type an emitted method names must be declared by the bindings.
fn check_types_declared(interfaces: &[Interface], items: &[TypeItem]) -> Result<()> {
    let declared: HashSet<&str> = items.iter().map(|i| i.name.as_str()).collect();
    for i in interfaces {
        for m in &i.methods {
            let mut names = Vec::new();
            m.ret.names(&mut names);
            for p in &m.params {
                p.ty.names(&mut names);
            }
            if let Some(missing) = names.iter().find(|n| !declared.contains(n.as_str())) {
                return Err(Error::msg(format!(
                    "`{}::{}` uses the type `{missing}`, which bindgen did not declare; \
                     add the header that declares it to `emit.types_from` in the manifest",
                    i.name, m.name
                )));
            }
        }
    }
    Ok(())
}

/// A thread's result; a panic there becomes an error here.
fn joined<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
    r.unwrap_or_else(|_| Err(Error::msg("internal error: a generator thread panicked")))
}

/// The interfaces to emit, bases first, then in header and line order.
fn select_interfaces(
    manifest: &Manifest,
    inputs: &Inputs,
    found: &BTreeMap<String, Interface>,
) -> Result<Vec<Interface>> {
    let spec = &manifest.spec;
    let order = inputs.keys();
    let mut wanted: Vec<&Interface> = Vec::new();
    for h in &spec.emit.interfaces_from {
        let key = header_key(h.get_ref());
        if !order.contains(&key) {
            return Err(manifest.error_at(
                h.span().start,
                format!(
                    "`{}` is not one of the headers or IDL files read",
                    h.get_ref()
                ),
            ));
        }
        wanted.extend(found.values().filter(|i| i.header == key));
    }
    for n in &spec.emit.interfaces {
        match found.get(n.get_ref()) {
            Some(i) => wanted.push(i),
            None => {
                return Err(manifest.error_at(
                    n.span().start,
                    format!(
                        "interface `{}` is not declared in any header read (found {} \
                         interfaces; `mapi-codegen --list` prints them)",
                        n.get_ref(),
                        found.len()
                    ),
                ))
            }
        }
    }
    // Close over bases.
    let mut i = 0;
    while i < wanted.len() {
        if let Some(b) = &wanted[i].base {
            match found.get(b) {
                Some(bi) => {
                    if !wanted.iter().any(|w| w.name == bi.name) {
                        wanted.push(bi);
                    }
                }
                None => {
                    return Err(Error::msg(format!(
                        "interface `{}` derives from `{b}`, which is not declared",
                        wanted[i].name
                    )))
                }
            }
        }
        i += 1;
    }
    let rank = |i: &Interface| {
        (
            order
                .iter()
                .position(|k| *k == i.header)
                .unwrap_or(usize::MAX),
            i.line,
            i.name.clone(),
        )
    };
    wanted.sort_by_key(|i| rank(i));
    if let Some(bad) = wanted.iter().find(|i| i.unsupported.is_some()) {
        return Err(Error::msg(format!(
            "interface `{}` cannot be emitted: {}",
            bad.name,
            bad.unsupported.as_deref().unwrap_or_default()
        )));
    }
    wanted.dedup_by(|a, b| a.name == b.name);
    // Methods a class redeclares from its bases (MAPI's headers repeat IUnknown's in
    // every interface) override a slot; they do not add one.
    let inherited = |i: &Interface| {
        let mut names = Vec::new();
        let mut base = i.base.clone();
        while let Some(b) = base {
            let Some(bi) = found.get(&b) else { break };
            names.extend(bi.methods.iter().map(|m| m.name.clone()));
            base = bi.base.clone();
        }
        names
    };
    let wanted: Vec<Interface> = wanted
        .into_iter()
        .map(|i| {
            let names = inherited(i);
            let mut i = i.clone();
            i.methods.retain(|m| !names.contains(&m.name));
            i
        })
        .collect();
    // Bases before derived: a stable topological order.
    let mut out: Vec<Interface> = Vec::new();
    let mut pending: Vec<&Interface> = wanted.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for i in pending {
            let ready = i
                .base
                .as_ref()
                .is_none_or(|b| out.iter().any(|o| &o.name == b));
            if ready {
                out.push(i.clone());
            } else {
                rest.push(i);
            }
        }
        if rest.len() == before {
            return Err(Error::msg(format!(
                "interfaces with a cyclic base chain: {}",
                rest.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        pending = rest;
    }
    Ok(out)
}

/// Applies the manifest's `[[correction]]` entries, checking each still applies.
fn apply_corrections(manifest: &Manifest, interfaces: &mut [Interface]) -> Result<()> {
    for c in &manifest.spec.corrections.parameters {
        let at = c.span().start;
        let c = c.get_ref();
        let iface = interfaces
            .iter_mut()
            .find(|i| i.name == c.interface)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!(
                        "correction names interface `{}`, which is not emitted",
                        c.interface
                    ),
                )
            })?;
        let method = iface
            .methods
            .iter_mut()
            .find(|m| m.name == c.method)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!("interface `{}` has no method `{}`", c.interface, c.method),
                )
            })?;
        let param = method
            .params
            .iter_mut()
            .find(|p| p.name == c.param)
            .ok_or_else(|| {
                manifest.error_at(
                    at,
                    format!(
                        "`{}::{}` has no parameter `{}`",
                        c.interface, c.method, c.param
                    ),
                )
            })?;
        let squash = |s: &str| s.replace(' ', "");
        if squash(&param.ty.to_string()) != squash(&c.from) {
            return Err(manifest.error_at(
                at,
                format!(
                    "`{}::{}` parameter `{}` is `{}` in the headers, not `{}`: the \
                     correction no longer applies",
                    c.interface, c.method, c.param, param.ty, c.from
                ),
            ));
        }
        param.ty = CType::parse_simple(&c.to)
            .ok_or_else(|| manifest.error_at(at, format!("cannot read the type `{}`", c.to)))?;
    }
    Ok(())
}

/// Merges the targets' items: one copy where they agree (ignoring calling-convention
/// spellings, which the calling-convention target decides), one per target otherwise.
fn merge_items(
    outputs: &[(&crate::manifest::Target, bindgen::TargetOutput)],
    cc_index: usize,
    headers: &BTreeMap<String, String>,
    base_module: &str,
) -> Vec<TypeItem> {
    let key = |item: &syn::Item| {
        let s = quote::quote!(#item).to_string();
        s.replace("extern \"system\"", "extern \"C\"")
    };
    let header_of = |name: &str| {
        let bare = name
            .trim_start_matches("impl  for ")
            .split_whitespace()
            .next()
            .unwrap_or(name);
        headers
            .get(bare)
            .cloned()
            .unwrap_or_else(|| base_module.to_string())
    };
    let mut names: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let ordered = std::iter::once(&outputs[cc_index]).chain(
        outputs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != cc_index)
            .map(|(_, o)| o),
    );
    for (_, out) in ordered {
        for (n, _) in &out.items {
            if seen.insert(n.clone()) {
                names.push(n.clone());
            }
        }
    }
    let mut items = Vec::new();
    for name in names {
        let versions: Vec<Option<&syn::Item>> = outputs
            .iter()
            .map(|(_, o)| o.items.iter().find(|(n, _)| *n == name).map(|(_, i)| i))
            .collect();
        let all_same = versions.iter().all(|v| v.is_some())
            && versions
                .windows(2)
                .all(|w| key(w[0].unwrap()) == key(w[1].unwrap()));
        if all_same {
            items.push(TypeItem {
                header: header_of(&name),
                name: name.clone(),
                cfg: None,
                item: versions[cc_index].unwrap().clone(),
            });
        } else {
            for ((t, _), v) in outputs.iter().zip(&versions) {
                if let Some(item) = v {
                    items.push(TypeItem {
                        header: header_of(&name),
                        name: name.clone(),
                        cfg: Some(t.cfg.clone()),
                        item: (*item).clone(),
                    });
                }
            }
        }
    }
    items
}
