//! Parsing and lowering the IDL takes time linear in the input: for each kind of long
//! input, the time for 100,000 items against 10,000 (a ratio near 10 is linear; 100
//! would be quadratic). Prints a table; fails if a ratio exceeds 30.
//!
//! Run with `cargo bench -p mapi-codegen --bench idl_scaling`. A run on this project's
//! 2-core machine gave ratios of 10 (`|`, `<<`) to 20 (enumerators), 2.5 s for 100,000
//! interfaces.

use std::path::Path;
use std::time::{Duration, Instant};

use mapi_codegen::idl::{c_header, parse_str, CHeaderOptions};

const HEAD: &str =
    "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]\ninterface IFoo : IUnknown {\n";

/// An IDL text with `n` items of `kind`.
fn input(kind: &str, n: usize) -> String {
    match kind {
        "| terms" => {
            let terms: Vec<String> = (0..n).map(|i| (i % 2).to_string()).collect();
            format!("const ULONG X = {};\n", terms.join(" | "))
        }
        "<< terms" => format!("const ULONG X = 1 << {};\n", vec!["0"; n].join(" << ")),
        "methods" => {
            let m: String = (0..n).map(|i| format!("    HRESULT M{i}();\n")).collect();
            format!("{HEAD}{m}}};\n")
        }
        "parameters" => {
            let p: Vec<String> = (0..n).map(|i| format!("[in] ULONG p{i}")).collect();
            format!("{HEAD}    HRESULT F({});\n}};\n", p.join(", "))
        }
        "enumerators" => {
            let v: Vec<String> = (0..n).map(|i| format!("E{i}")).collect();
            format!("typedef enum _E {{ {} }} E;\n", v.join(", "))
        }
        "struct members" => {
            let f: String = (0..n).map(|i| format!("    ULONG f{i};\n")).collect();
            format!("typedef struct _S {{\n{f}}} S;\n")
        }
        "interfaces" => (0..n)
            .map(|i| {
                format!(
                    "[object, uuid(5024A385-2D44-486A-81A8-{i:012X})]\ninterface I{i} : IUnknown {{ HRESULT M(); }};\n"
                )
            })
            .collect(),
        _ => unreachable!(),
    }
}

/// The best of three runs of parsing and lowering `src`.
fn time(src: &str) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let f = parse_str(Path::new("bench.idl"), src).unwrap_or_else(|e| panic!("{e}"));
            let h = c_header(&f, &CHeaderOptions::default());
            std::hint::black_box(h);
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let mut worst = 0.0f64;
    println!(
        "{:<16} {:>12} {:>12} {:>7}",
        "input", "10k items", "100k items", "ratio"
    );
    for kind in [
        "| terms",
        "<< terms",
        "methods",
        "parameters",
        "enumerators",
        "struct members",
        "interfaces",
    ] {
        let small = time(&input(kind, 10_000));
        let large = time(&input(kind, 100_000));
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
        worst = worst.max(ratio);
        println!(
            "{kind:<16} {:>9.1} ms {:>9.1} ms {ratio:>7.1}",
            small.as_secs_f64() * 1e3,
            large.as_secs_f64() * 1e3
        );
    }
    assert!(worst < 30.0, "a ratio of {worst:.1}: not linear");
}
