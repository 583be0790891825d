//! The regeneration figures: a full regeneration against, in the same run, a plain
//! bindgen run with rustfmt over the same headers and `clang -fsyntax-only` over them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mapi_codegen::inputs::Inputs;
use mapi_codegen::ir::header_key;
use mapi_codegen::manifest::Manifest;
use mapi_codegen::regenerate;

use super::run::{io, measure, ms, Scratch};
use crate::{codegen_options, deps, Fail};

/// The regeneration figures, and where the plain bindgen output was left.
pub struct Regen {
    pub full: Duration,
    pub plain: Duration,
    pub syntax_only: Duration,
    pub plain_output: PathBuf,
}

pub fn regen_figures(runs: usize, scratch: &Path) -> Result<Regen, Fail> {
    deps::ensure_packages(&[deps::REGEN])?;
    let opts = codegen_options();
    let manifest = Manifest::load(&opts.manifest).map_err(|e| Fail(e.to_string()))?;
    let inputs = Inputs::resolve(&manifest, None).map_err(|e| Fail(e.to_string()))?;
    let triple = &manifest.spec.targets[0].triple;
    let main_h = scratch.join("all.h");
    let mut main_src = inputs.main_source();
    for idl in &inputs.idl {
        let real = scratch.join(&idl.key);
        io(std::fs::write(&real, &idl.header), "IDL header")?;
        main_src = main_src.replace(&idl.virtual_path, &real.display().to_string());
    }
    io(std::fs::write(&main_h, &main_src), "all.h")?;
    let clang_args = inputs.clang_args(triple, false);
    let plain_output = scratch.join("plain.rs");

    let full = || -> Result<(), Fail> {
        regenerate(&opts, &scratch.join("generated"))
            .map(|_| ())
            .map_err(|e| Fail(e.to_string()))
    };
    let plain_bindgen = || -> Result<(), Fail> {
        let mut b = bindgen::Builder::default()
            .header(main_h.display().to_string())
            .clang_args(&clang_args)
            .formatter(bindgen::Formatter::Rustfmt);
        // What a plain run allowlists: the declarations of the same headers.
        for f in &manifest.spec.emit.types_from {
            b = b.allowlist_file(format!(".*/{}", file_regex(&header_key(f))));
        }
        let out = b.generate().map_err(|e| Fail(format!("bindgen: {e}")))?;
        io(out.write_to_file(&plain_output), "plain.rs")
    };
    let syntax_only = || -> Result<(), Fail> {
        crate::run(
            Command::new("clang")
                .arg("-fsyntax-only")
                .args(&clang_args)
                .arg(&main_h),
        )
    };
    let m = measure(
        &[
            ("full regen (2 targets)", &full),
            ("plain bindgen + rustfmt", &plain_bindgen),
            ("clang -fsyntax-only", &syntax_only),
        ],
        runs,
        true,
    )?;
    Ok(Regen {
        full: m[0],
        plain: m[1],
        syntax_only: m[2],
        plain_output,
    })
}

/// `cargo xtask bench-regen [--runs N]`: the regeneration figures alone, printed.
pub fn regen_with(runs: usize) -> Result<(), Fail> {
    let scratch = Scratch::new("bench-regen")?;
    let r = regen_figures(runs, &scratch.0)?;
    println!("bench-regen: {runs} runs each after one warm-up, order alternating; medians:");
    println!("  full regen (2 targets)     {:>9.1} ms", ms(r.full));
    println!("  plain bindgen + rustfmt    {:>9.1} ms", ms(r.plain));
    println!("  clang -fsyntax-only        {:>9.1} ms", ms(r.syntax_only));
    println!(
        "  ratio full regen / plain bindgen+rustfmt: {:.2}",
        ms(r.full) / ms(r.plain)
    );
    println!(
        "  ratio full regen / clang -fsyntax-only:    {:.2}",
        ms(r.full) / ms(r.syntax_only)
    );
    Ok(())
}

/// `mapidefs.h` -> `[mM][aA]...\\.[hH]`: case-insensitive, as the generator matches names.
fn file_regex(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
