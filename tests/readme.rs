//! The README's "Writing a provider" is the crate `tests/crates/package`, which `cargo
//! xtask test` builds from the packaged crates for Linux and both Windows targets and
//! drives from `tests/crates/package/host.c` through the generated header alone. This test
//! keeps the two the same: the README's code block, without its hidden (`# `) lines, is the
//! crate's `src/lib.rs`, byte for byte, and it has no `unsafe` but the exported factory's.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first Rust code block after `## Writing a provider`, without hidden lines.
fn walkthrough() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme
        .find("## Writing a provider")
        .expect("README: no \"## Writing a provider\"")..];
    let start = section.find("```rust\n").expect("no Rust block") + "```rust\n".len();
    let end = start + section[start..].find("```\n").expect("an unclosed block");
    section[start..end]
        .lines()
        .filter(|l| !(l.starts_with("# ") || *l == "#"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_readme_walkthrough_is_the_packaged_provider() {
    let lib = std::fs::read_to_string(root().join("tests/crates/package/src/lib.rs")).unwrap();
    assert!(
        walkthrough() == lib,
        "README.md's \"Writing a provider\" and tests/crates/package/src/lib.rs differ: copy the \
         README's block (without its `# ` lines) into tests/crates/package/src/lib.rs"
    );
}

#[test]
fn the_walkthrough_has_no_unsafe_but_the_factory() {
    let code = walkthrough();
    let unsafe_lines: Vec<&str> = code
        .lines()
        .filter(|l| l.contains("unsafe") && !l.trim_start().starts_with("//"))
        .collect();
    assert_eq!(
        unsafe_lines,
        [
            "pub unsafe extern \"system\" fn MyStore_Create(out: *mut sys::LPUNKNOWN) -> HRESULT {",
            "    unsafe { *out = store.into_unknown().into() };",
        ],
        "the only unsafe is the exported factory's"
    );
}
