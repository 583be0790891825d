//! Selection and corrections: the stage that, besides the inputs, reads the manifest.
//! From the clang scan it decides what clang is asked for ([`plan`]); from clang's
//! answer it builds the [`Model`] the back end reads ([`model`]): the interfaces to emit
//! ([`interfaces`]) with the manifest's [`corrections`], the [`constants`], the type items
//! merged over the targets ([`merge`]) with the manifest's [`type_corrections`] and their
//! interface pointers typed ([`pointers`]), the headers' C-typed [`declarations`] of
//! those items per target (with the [`record_corrections`]; the back end renders the items
//! from them), and the [`checks`] against the IDL. When the headers and the lowered
//! IDL do not compile together, it decides which IDL interfaces the MAPI headers
//! declare already ([`redeclared`]).

pub mod checks;
pub mod constants;
pub mod corrections;
pub mod declarations;
pub mod interfaces;
pub mod merge;
pub mod pointers;
pub mod record_corrections;
pub mod redeclared;
pub mod type_corrections;

use std::collections::HashSet;

use crate::clang::{Answer, Request, Scan};
use crate::error::Result;
use crate::inputs::Inputs;
use crate::ir::{header_key, Aliases, CType, Model};
use crate::manifest::Manifest;

/// What to ask clang for after the scan, and the constants it was asked for.
#[derive(Debug)]
pub struct Plan {
    pub request: Request,
    pub constants: Vec<constants::Chosen>,
}

/// Decides what bindgen emits and which macros clang evaluates.
pub fn plan(manifest: &Manifest, scan: &Scan) -> Result<Plan> {
    let spec = &manifest.spec;
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
    for c in &spec.corrections.types {
        if let Some(t) = CType::parse_simple(&c.get_ref().to) {
            t.names(&mut wanted_types);
        }
    }

    let types_from: HashSet<String> = spec.emit.types_from.iter().map(|f| header_key(f)).collect();
    for (name, d) in &scan.decls {
        if types_from.contains(&d.header) && !scan.interfaces.contains_key(name) {
            wanted_types.push(name.clone());
        }
    }
    wanted_types.sort();
    wanted_types.dedup();
    let chosen = constants::choose(manifest, scan)?;
    Ok(Plan {
        request: Request {
            types: wanted_types,
            macros: chosen.iter().map(|c| c.name.clone()).collect(),
        },
        constants: chosen,
    })
}

/// Builds the model from the scan and clang's answer.
pub fn model(
    manifest: &Manifest,
    inputs: &Inputs,
    scan: Scan,
    plan: &Plan,
    answer: Answer,
) -> Result<Model> {
    interfaces::check_iid_names(manifest, &scan)?;
    let mut interfaces = interfaces::select(manifest, inputs, &scan)?;
    checks::unique_iids(inputs, &interfaces)?;
    let mut corrected = corrections::apply(manifest, &mut interfaces)?;
    let mut items = merge::merge(
        &inputs.targets,
        &answer.targets,
        inputs.cc_target,
        &scan.decls,
        &manifest.spec.output.base_module,
    );
    corrected.extend(type_corrections::apply(manifest, &mut items)?);
    pointers::resolve(&mut interfaces, &mut items);
    checks::layouts_complete(&inputs.targets, &items, &answer.layouts)?;
    let all_interfaces: HashSet<&str> = scan.interfaces.keys().map(String::as_str).collect();
    let mut header_declarations = declarations::per_target(
        &inputs.targets,
        answer.declarations,
        &items,
        &all_interfaces,
    );
    record_corrections::apply(manifest, &mut header_declarations);
    // The constants' types, the last target's where the targets differ.
    let aliases = Aliases::of(
        inputs
            .targets
            .iter()
            .filter_map(|t| header_declarations.get(&t.name))
            .flatten(),
    );
    let constants = constants::collect(manifest, &plan.constants, &answer.values, &aliases)?;
    checks::types_declared(&interfaces, &items)?;
    checks::idl_macros(inputs, &scan)?;
    checks::idl_names(inputs, &interfaces, &constants, &scan.guids, &items)?;
    let layouts = inputs
        .targets
        .iter()
        .zip(answer.layouts)
        .map(|(t, l)| (t.name.clone(), l))
        .collect();
    Ok(Model {
        package: package(manifest, inputs),
        targets: inputs.targets.clone(),
        headers: inputs.header_list(),
        interfaces,
        constants,
        guids: scan.guids,
        declarations: Vec::new(),
        items: items.into_iter().map(merge::BindgenItem::into_ir).collect(),
        header_declarations,
        layouts,
        notes: crate::idl::notes(&inputs.idl.iter().map(|i| &i.file).collect::<Vec<_>>()),
        corrected,
    })
}

/// What the manifest says of the generated crate.
fn package(manifest: &Manifest, inputs: &Inputs) -> crate::ir::Package {
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
        keywords: o.keywords.clone(),
        categories: o.categories.clone(),
        documentation: o.documentation.clone(),
        docs_targets: o.docs_targets.clone(),
        copied: inputs.copied.clone(),
        references: true,
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
