//! The store's table engine against the model of `store/tests/table_model` (random rows,
//! restrictions of every kind, sorts, seeks, bookmarks, changes; the engine's answers
//! compared with a naive filter and stable sort written apart from it), each input's bytes
//! seeding the model's generator: what `cargo test -p mapi-sync-store` runs for 1,500
//! fixed seeds, run here for as many as the fuzzer finds time for.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../store/tests/table_model/mod.rs"]
mod table_model;

fuzz_target!(|data: &[u8]| {
    // The bytes fold into the seed (xorshift's state must not be zero).
    let seed = data.iter().fold(0x9E37_79B9_7F4A_7C15_u64, |s, &b| {
        (s ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    });
    let mut rng = table_model::rng::Rng(seed | 1);
    let mut stats = table_model::Stats::default();
    table_model::run(&mut rng, &mut stats);
});
