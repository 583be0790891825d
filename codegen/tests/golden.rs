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
    let diffs = output::compare(&root.join("generated"), &g.files);
    assert!(
        diffs.is_empty(),
        "generated/ is stale; run `cargo xtask regen` and commit the result:\n  {}",
        diffs.join("\n  ")
    );
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
