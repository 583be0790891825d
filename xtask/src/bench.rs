//! `cargo xtask bench-regen`: a full regeneration against, in the same run, a plain
//! bindgen run with rustfmt over the same headers and `clang -fsyntax-only` over them.
//! Medians and ratios; nothing is asserted.

use std::process::Command;
use std::time::{Duration, Instant};

use mapi_codegen::frontend::input::Inputs;
use mapi_codegen::manifest::Manifest;
use mapi_codegen::regenerate;

use crate::{codegen_options, deps, Fail};

pub fn regen() -> Result<(), Fail> {
    regen_with(9)
}

pub fn regen_with(runs: usize) -> Result<(), Fail> {
    deps::ensure_packages(&[deps::REGEN])?;
    let opts = codegen_options();
    let manifest = Manifest::load(&opts.manifest).map_err(|e| Fail(e.to_string()))?;
    let inputs = Inputs::resolve(&manifest, None).map_err(|e| Fail(e.to_string()))?;
    let triple = &manifest.spec.targets[0].triple;
    let dir = std::env::temp_dir().join(format!("mapi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Fail(e.to_string()))?;
    let main_h = dir.join("all.h");
    let mut main_src = inputs.main_source();
    for (key, vpath, text) in &inputs.idl_headers {
        let real = dir.join(key);
        std::fs::write(&real, text).map_err(|e| Fail(e.to_string()))?;
        main_src = main_src.replace(vpath, &real.display().to_string());
    }
    std::fs::write(&main_h, &main_src).map_err(|e| Fail(e.to_string()))?;
    let clang_args = inputs.clang_args(triple, false);

    let full = || -> Result<(), Fail> {
        regenerate(&opts, &dir.join("generated"))
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
            let key = mapi_codegen::frontend::input::header_key(f);
            b = b.allowlist_file(format!(".*/{}", file_regex(&key)));
        }
        let out = b.generate().map_err(|e| Fail(format!("bindgen: {e}")))?;
        out.write_to_file(dir.join("plain.rs"))
            .map_err(|e| Fail(e.to_string()))
    };
    let syntax_only = || -> Result<(), Fail> {
        crate::run(
            Command::new("clang")
                .arg("-fsyntax-only")
                .args(&clang_args)
                .arg(&main_h),
        )
    };
    type Job<'a> = (&'static str, &'a dyn Fn() -> Result<(), Fail>);
    let jobs: [Job<'_>; 3] = [
        ("full regen (2 targets)", &full),
        ("plain bindgen + rustfmt", &plain_bindgen),
        ("clang -fsyntax-only", &syntax_only),
    ];
    // One warm-up round, then alternate the order every round.
    for (_, job) in &jobs {
        job()?;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); jobs.len()];
    for round in 0..runs {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..jobs.len()).collect()
        } else {
            (0..jobs.len()).rev().collect()
        };
        for i in order {
            let t = Instant::now();
            (jobs[i].1)()?;
            times[i].push(t.elapsed());
        }
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    println!("bench-regen: {runs} runs each after one warm-up, order alternating; medians:");
    for ((name, _), m) in jobs.iter().zip(&medians) {
        println!("  {name:<26} {:>9.1} ms", ms(*m));
    }
    println!(
        "  ratio full regen / plain bindgen+rustfmt: {:.2}",
        ms(medians[0]) / ms(medians[1])
    );
    println!(
        "  ratio full regen / clang -fsyntax-only:    {:.2}",
        ms(medians[0]) / ms(medians[2])
    );
    println!(
        "  ratio plain bindgen / clang -fsyntax-only: {:.2}",
        ms(medians[1]) / ms(medians[2])
    );
    let _ = std::fs::remove_dir_all(&dir);
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

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
