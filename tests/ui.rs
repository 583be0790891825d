//! The macro's compile errors, pinned: each `tests/ui/*.rs` must fail to compile with
//! exactly the error in its `.stderr` (regenerate with `TRYBUILD=overwrite` and review).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
