//! Any bytes as an SPropValue array or an SRowSet a host hands in: reading, writing and
//! answering `GetProps` must do what `tests/props_input` models (the documented refusals,
//! the values as made, the same values read back), never panic, leak or touch memory
//! they were not given.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/props_input/mod.rs"]
mod props_input;

fuzz_target!(|data: &[u8]| {
    props_input::check(data);
});
