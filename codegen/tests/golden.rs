//! The golden test: regenerating from `headers/` gives the committed `generated/` byte for
//! byte. When it fails, run `cargo xtask regen` and commit the result.

use std::path::Path;

use mapi_codegen::{generate, output, Options};

#[test]
fn committed_bindings_match_a_fresh_regeneration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let g = generate(&Options {
        manifest: root.join("headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("regeneration failed: {e}"));
    if let Err(e) = output::check_up_to_date(&root.join("generated"), &g.files) {
        panic!("{e}");
    }
}

#[test]
fn regeneration_is_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let opts = Options {
        manifest: root.join("headers/mapi.toml"),
        mapi_include: None,
    };
    let a = generate(&opts).unwrap_or_else(|e| panic!("{e}"));
    let b = generate(&opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.files, b.files, "two runs over the same inputs differ");
}

#[test]
fn every_unsafe_block_in_the_bindings_carries_a_safety_comment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/src");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("mapi_codegen_safety"),
            "{}: a marker was left",
            path.display()
        );
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let opens_unsafe = t.starts_with("unsafe {")
                || t.starts_with("unsafe impl")
                || t.contains("= unsafe {")
                || t.starts_with("guard(|| unsafe");
            if !opens_unsafe || t.starts_with("unsafe fn") || t.starts_with("pub unsafe fn") {
                continue;
            }
            let above = lines[..i]
                .iter()
                .rev()
                .take(3)
                .any(|l| l.trim_start().starts_with("// SAFETY:"));
            assert!(
                above,
                "{}:{}: `unsafe` without a `// SAFETY:` comment above:\n{}",
                path.display(),
                i + 1,
                line
            );
        }
    }
}
