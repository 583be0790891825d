//! The generator's layout, checked: one folder or file per stage, named in the README,
//! and each stage using only what it may. The pipeline is inputs -> clang -> select ->
//! backend -> output; the IR is the model between them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `path` (or `path` itself), with its text.
fn sources(path: &Path) -> Vec<(PathBuf, String)> {
    if path.is_file() {
        return vec![(path.to_path_buf(), std::fs::read_to_string(path).unwrap())];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() || p.extension().is_some_and(|e| e == "rs") {
            out.extend(sources(&p));
        }
    }
    out.sort();
    out
}

/// The crate modules a stage names (`crate::ir`, `crate::error`, ...).
fn uses(stage: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, text) in sources(&src().join(stage)) {
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::*` is in the generated code the back end quotes.
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_back_end_reads_only_the_ir() {
    assert_eq!(uses("backend"), set(&["error", "ir", "names"]));
}

#[test]
fn the_c_header_for_hosts_is_rendered_from_the_ir_alone() {
    assert_eq!(uses("backend/cheader"), set(&["error", "ir", "names"]));
    // From the headers' C-typed records, not by reading bindgen's Rust items back.
    for (path, text) in sources(&src().join("backend/cheader")) {
        for rust in ["syn::", ".items", "TypeItem"] {
            assert!(
                !text.contains(rust),
                "{} reads the Rust items ({rust})",
                path.display()
            );
        }
    }
    // The IDL front end names the umbrella header through the IR, not the back end.
    let idl = uses("idl");
    assert!(idl.contains("ir") && !idl.contains("backend"), "{idl:?}");
}

#[test]
fn the_ir_depends_on_no_stage() {
    assert_eq!(uses("ir"), set(&[]));
}

#[test]
fn the_ir_holds_no_rust() {
    // C-typed records, from which both back ends render: no bindgen item in the model.
    for (path, text) in sources(&src().join("ir")) {
        for rust in ["syn::", "quote", "TokenStream"] {
            assert!(
                !text.contains(rust),
                "{} holds Rust ({rust})",
                path.display()
            );
        }
    }
}

#[test]
fn the_clang_stage_sees_the_inputs_not_the_manifest() {
    let used = uses("clang");
    assert!(used.contains("inputs"), "{used:?}");
    for banned in ["manifest", "select", "backend", "idl"] {
        assert!(!used.contains(banned), "clang/ uses crate::{banned}");
    }
    // What clang reads is selection's choice: the clang stage leaves nothing out itself.
    for (path, text) in sources(&src().join("clang")) {
        assert!(
            !text.contains("leave_out("),
            "{}: the clang stage decides what it reads",
            path.display()
        );
    }
}

#[test]
fn only_the_inputs_and_selection_see_the_manifest() {
    let allowed = ["inputs.rs", "select", "manifest.rs", "lib.rs", "main.rs"];
    for (path, text) in sources(&src()) {
        let rel = path.strip_prefix(src()).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        if allowed.contains(&top) {
            continue;
        }
        assert!(
            !text.contains("crate::manifest") && !text.contains("Manifest"),
            "{} sees the manifest",
            rel.display()
        );
    }
}

#[test]
fn the_idl_front_end_knows_no_later_stage() {
    let used = uses("idl");
    for banned in ["clang", "select", "backend", "inputs", "manifest"] {
        assert!(!used.contains(banned), "idl/ uses crate::{banned}");
    }
}

#[test]
fn the_idl_only_path_is_the_idl_front_end_then_the_back_end() {
    // The front end (idl/, its model of a provider's file among it) knows no back end;
    // idl_bindings.rs only runs the two, and writes no Rust of its own.
    assert_eq!(uses("idl_bindings.rs"), set(&["backend", "error", "idl"]));
    let text = std::fs::read_to_string(src().join("idl_bindings.rs")).unwrap();
    for rust in ["quote!", "parse_quote", "syn::", "TokenStream"] {
        assert!(
            !text.contains(rust),
            "idl_bindings.rs writes Rust: `{rust}`"
        );
    }
    let model = std::fs::read_to_string(src().join("idl/model.rs")).unwrap();
    for rust in ["quote", "syn::", "TokenStream", "crate::backend"] {
        assert!(!model.contains(rust), "idl/model.rs writes Rust: `{rust}`");
    }
}

#[test]
fn bindgen_items_are_keyed_by_type_and_layouts_come_from_clang() {
    for (path, text) in sources(&src()) {
        assert!(
            !text.contains("\"impl  for"),
            "{}: an item keyed by a string",
            path.display()
        );
        assert!(
            !text.contains("layout_tests(true)"),
            "{}: layouts scraped from bindgen's tests",
            path.display()
        );
    }
}

#[test]
fn the_stages_are_the_folders_the_readme_names() {
    let mut entries: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "backend/",
            "cint.rs",
            "clang/",
            "error.rs",
            "idl/",
            "idl_bindings.rs",
            "inputs.rs",
            "ir/",
            "lib.rs",
            "main.rs",
            "manifest.rs",
            "names.rs",
            "output.rs",
            "select/",
        ]
    );
    let readme = std::fs::read_to_string(src().join("../../README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `codegen/` |"))
        .expect("the README's layout table has a codegen/ row");
    for stage in [
        "inputs.rs",
        "idl/",
        "idl_bindings.rs",
        "clang/",
        "select/",
        "ir/",
        "backend/",
        "output.rs",
    ] {
        assert!(row.contains(&format!("`{stage}`")), "README: no `{stage}`");
    }
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    // The crate's documentation lists the steps in the order `generate` runs them.
    let steps: Vec<usize> = [
        "1. [`inputs`]",
        "2. [`clang`] scan",
        "3. [`select`] plan",
        "4. [`clang`] answer",
        "5. [`select`] model",
        "6. [`backend`] render",
        "7. [`output`]",
    ]
    .iter()
    .map(|s| {
        lib.find(s)
            .unwrap_or_else(|| panic!("lib.rs's docs: no `{s}`"))
    })
    .collect();
    assert!(
        steps.windows(2).all(|w| w[0] < w[1]),
        "lib.rs lists the stages out of order"
    );
    let order: Vec<usize> = [
        "inputs::",
        "clang::scan",
        "select::plan",
        "clang::answer",
        "select::model",
        "backend::render",
        "output::",
    ]
    .iter()
    .map(|s| lib.find(s).unwrap_or_else(|| panic!("lib.rs: no `{s}`")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "lib.rs runs the stages out of order"
    );
}

#[test]
fn the_task_lists_name_every_task() {
    let root = src().join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let xtask = std::fs::read_to_string(root.join("xtask/src/main.rs")).unwrap();
    for task in ["regen", "regen --check", "test", "bench-regen", "bench"] {
        assert!(
            readme.contains(&format!("cargo xtask {task} ")),
            "README: no `cargo xtask {task}`"
        );
        assert!(
            xtask.contains(&format!("\n  {task} ")),
            "xtask's help: no `{task}`"
        );
    }
    // The run count the README gives for bench-regen is the code's.
    let bench = std::fs::read_to_string(root.join("xtask/src/bench.rs")).unwrap();
    let at = bench.find("regen_with(").unwrap() + "regen_with(".len();
    let runs: String = bench[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(
        readme.contains(&format!("medians of {runs} runs")),
        "README: bench-regen's {runs} runs"
    );
}

/// The lines of each `fn` in `text` (from its `fn` line to its closing brace), by name
/// and first line. Braces in one-line strings, in `'{'` and `'}'` and after `//` are not
/// counted.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
        let t = t.strip_prefix("const ").unwrap_or(t);
        let t = t.strip_prefix("unsafe ").unwrap_or(t);
        let t = t.strip_prefix("extern \"C\" ").unwrap_or(t);
        let Some(rest) = t.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut started) = (0i32, false);
        for (j, body) in lines.iter().enumerate().skip(i) {
            let code = code_of(body);
            if !started && code.contains(';') && !code.contains('{') {
                break;
            }
            for c in code.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        started = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if started && depth == 0 {
                out.push((name, i + 1, j - i + 1));
                break;
            }
        }
    }
    out
}

/// A line without its string literals' text, its `'{'` and `'}'`, and its comment.
fn code_of(line: &str) -> String {
    let line = line.replace("'{'", "").replace("'}'", "");
    let (mut out, mut in_str, mut escaped) = (String::new(), false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '/' if chars.peek() == Some(&'/') => break,
            c => out.push(c),
        }
    }
    out
}

#[test]
fn no_function_is_a_wall() {
    // A longer function says why in the comment right above it, with these words.
    const WHY: &str = "longer than 80 lines:";
    let mut walls = Vec::new();
    for (path, text) in sources(&src()) {
        let lines: Vec<&str> = text.lines().collect();
        for (name, line, len) in function_lengths(&text) {
            let above = lines[..line - 1]
                .iter()
                .rev()
                .take_while(|l| {
                    let l = l.trim_start();
                    l.starts_with("//") || l.starts_with("#[")
                })
                .any(|l| l.contains(WHY));
            if len > 80 && !above {
                walls.push(format!("{}:{line} `{name}`: {len} lines", path.display()));
            }
        }
    }
    assert!(walls.is_empty(), "functions over 80 lines: {walls:#?}");
}
