//! The table engine against the model in `table_model/` (see its documentation).
//!
//! A seeded loop, as the repository's `tests/props.rs` does, rather than `proptest`: the
//! same cases on every run with no new dependency, the generator and model plain
//! functions that a libFuzzer target can drive from its input's bytes, and a failing
//! case is named by its seed.

#[path = "table_model/mod.rs"]
mod table_model;

use table_model::rng::Rng;
use table_model::{run, Stats};

#[test]
fn the_engine_answers_as_the_model_does() {
    let cases = 1500;
    let mut stats = Stats::default();
    for case in 0..cases {
        let seed = 0x9E37_79B9_7F4A_7C15_u64 ^ (case as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut rng = Rng(seed | 1);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut s = Stats::default();
            run(&mut rng, &mut s);
            s
        }));
        match result {
            Ok(s) => {
                stats.cases += s.cases;
                stats.rows_seen += s.rows_seen;
                stats.restricted_out += s.restricted_out;
                stats.instance_sorts += s.instance_sorts;
                stats.finds += s.finds;
                stats.found += s.found;
                stats.changes += s.changes;
                stats.bookmarks_moved += s.bookmarks_moved;
            }
            Err(e) => {
                eprintln!("case {case} (seed {:#x}) failed", seed | 1);
                std::panic::resume_unwind(e);
            }
        }
    }
    eprintln!("{stats:?}");
    // The generator reaches what matters: rows kept and rows restricted out, instance
    // sorts, FindRow both found and not, changes.
    assert!(stats.rows_seen > cases * 3, "{stats:?}");
    assert!(stats.restricted_out > cases * 3, "{stats:?}");
    assert!(stats.instance_sorts > cases / 10, "{stats:?}");
    assert!(
        stats.found > stats.finds / 5 && stats.found < stats.finds * 4 / 5,
        "{stats:?}"
    );
    assert!(stats.changes > cases, "{stats:?}");
    assert!(stats.bookmarks_moved > cases / 10, "{stats:?}");
}
