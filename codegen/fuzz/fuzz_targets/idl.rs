//! Any text through the IDL front end: parsing and checking must end in a value or an
//! error, never a panic, a hang or a stack overflow; an error must format.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match mapi_codegen::idl::parse_str(Path::new("fuzz.idl"), &text) {
        Ok(file) => {
            let _ = format!("{file:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
