//! The crate's own interfaces, from its IDL: `$OUT_DIR/mystore.rs`.
fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(e) = mapi_codegen::idl_bindings::build("idl/mystore.idl", &out.join("mystore.rs")) {
        // The error names the IDL file, line and column; cargo shows it and stops.
        eprintln!("{e}");
        std::process::exit(1);
    }
}
