//! Rust bindings for a provider's own IDL, without libclang: the IDL is the whole input,
//! and the MAPI types it names come from the bindings it is compiled against
//! (`mapi_sync::sys`). For a provider crate's `build.rs`:
//!
//! ```no_run
//! // build.rs (with `mapi-codegen = { ..., default-features = false }` under
//! // [build-dependencies]: no libclang, bindgen or manifest)
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! mapi_codegen::idl_bindings::build("idl/mystore.idl", &out.join("mystore.rs")).unwrap();
//! ```
//!
//! and in the crate, `include!(concat!(env!("OUT_DIR"), "/mystore.rs"));`, which declares
//! `pub mod mystore` (named by the file's stem): the module has each interface's `IFoo` pointer type, `IFoo_Vtbl`, `IFoo_Impl` trait
//! and `IID_IFoo`, the IDL's structs, typedefs and constants, all as the MAPI bindings
//! have theirs, so `#[mapi_object(mystore::IFoo)]` implements them.
//!
//! An interface derives from `IUnknown`, from one defined earlier in the same file, or
//! from one of the bindings' that the file forward-declares (`interface IMAPIProp;` and
//! then `interface IMyProps : IMAPIProp`): its `IMyProps_Impl` then requires
//! `IMAPIProp_Impl` (which `#[mapi_object(.., properties)]` makes), and QueryInterface
//! answers for the whole chain. A type the IDL uses but does not define (`LPSPropValue`, `ULONG`, a
//! `typedef struct IMAPITable *LPMAPITABLE;` naming a MAPI interface) is the MAPI
//! bindings': the module begins with `use <bindings>::*;`, so such a typedef is not
//! repeated. An interface that is only forward-declared (`interface IMAPITable;`) is the
//! bindings' too.

use std::path::Path;

use crate::backend::{self, ProviderModule};
use crate::error::{Error, Result};
use crate::idl::{self, IdlFile};

/// What the generated module is made for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The path of the MAPI bindings the module uses: `mapi_sync::sys` (the default), or
    /// `mapi_sync_sys` for a crate that depends on the bindings alone.
    pub bindings: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bindings: "mapi_sync::sys".into(),
        }
    }
}

/// Reads `idl`, writes the Rust module to `out` (replacing it whole, or not at all) and
/// tells Cargo to rerun when the IDL changes.
pub fn build(idl: impl AsRef<Path>, out: &Path) -> Result<()> {
    let idl = idl.as_ref();
    println!("cargo:rerun-if-changed={}", idl.display());
    let text = bindings_for_file(idl, &Options::default())?;
    write_atomically(out, &text)
}

/// The Rust module for the IDL file at `path`.
pub fn bindings_for_file(path: &Path, options: &Options) -> Result<String> {
    bindings(&idl::parse_file_with(path, &PARSE)?, options)
}

/// How this module reads a provider's IDL: a forward-declared interface may be a base
/// (the bindings' `IMAPIProp`, say).
const PARSE: idl::ParseOptions = idl::ParseOptions {
    external_bases: true,
};

/// Parses a provider's IDL source as [`bindings_for_file`] reads its file.
pub fn parse(path: &Path, src: &str) -> Result<IdlFile> {
    Ok(idl::parse_str_with(path, src, &PARSE)?)
}

/// The Rust module for a parsed IDL file: the IDL front end's model of it
/// ([`idl::model`]), rendered by the back end.
pub fn bindings(file: &IdlFile, options: &Options) -> Result<String> {
    let model = idl::model::model(file)?;
    // The module the file becomes: its stem (`idl/mystore.idl` is `mystore`).
    let name = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '.'], "_"))
        .unwrap_or_default();
    backend::render_provider_module(
        &model,
        &ProviderModule {
            key: &idl::model::header_key(file),
            name: &name,
            path: &file.path.display().to_string(),
            shown: &idl::model::shown_name(file),
            bindings: &options.bindings,
        },
    )
}

/// Writes `text` to `path` through a temporary file beside it, so `path` is the old file
/// or the new one, never a part.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let failed = |e: std::io::Error| Error::msg(format!("cannot write `{}`: {e}", path.display()));
    // The temporary file is removed if anything fails before the rename.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    tmp.write_all(text.as_bytes()).map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(src: &str) -> Result<String> {
        let file = parse(Path::new("idl/own.idl"), src)?;
        bindings(&file, &Options::default())
    }

    const IFOO: &str = "[object, uuid(5024A385-2D44-486A-81A8-8F0ECB6071DD), local]\n";

    #[test]
    fn a_base_neither_defined_nor_forward_declared_is_an_error_at_its_line() {
        let src = format!("{IFOO}interface IFoo : IMAPIProp\n{{\n}};\n");
        let e = generate(&src).unwrap_err().to_string();
        assert!(e.contains("own.idl:2:"), "{e}");
        assert!(e.contains("`IMAPIProp` of `IFoo` is not declared"), "{e}");
        // Forward-declared, it is the bindings' own, chained at compile time.
        let src = format!("interface IMAPIProp;\n{IFOO}interface IFoo : IMAPIProp\n{{\n}};\n");
        let text = generate(&src).unwrap();
        assert!(
            text.contains("pub trait IFoo_Impl: IMAPIProp_Impl"),
            "{text}"
        );
        assert!(text.contains("iid_chain"), "{text}");
        // The whole generator's IDL (lowered to C for clang) still needs its bases.
        let e = idl::parse_str(Path::new("own.idl"), &src)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only forward-declared"), "{e}");
    }

    #[test]
    fn the_module_is_named_by_the_file_and_uses_the_bindings_named() {
        let src =
            format!("{IFOO}interface IFoo : IUnknown\n{{\n    HRESULT Go([in] ULONG n);\n}};\n");
        let file = idl::parse_str(Path::new("idl/own.idl"), &src).unwrap();
        let text = bindings(
            &file,
            &Options {
                bindings: "mapi_sync_sys".into(),
            },
        )
        .unwrap();
        assert!(text.contains("pub mod own {"), "{text}");
        assert!(text.contains("use mapi_sync_sys::*;"), "{text}");
        assert!(text.contains("pub trait IFoo_Impl"), "{text}");
        // Same input, same bytes.
        assert_eq!(
            text,
            bindings(
                &file,
                &Options {
                    bindings: "mapi_sync_sys".into()
                }
            )
            .unwrap()
        );
        let bad = bindings(
            &file,
            &Options {
                bindings: "not a path".into(),
            },
        );
        assert!(bad.unwrap_err().to_string().contains("not a Rust path"));
    }
}
