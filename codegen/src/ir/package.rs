//! What the generated crate is and which targets it is checked for: the parts of the
//! manifest the back end needs, copied into the model so it reads nothing else.

/// The generated crate.
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub rust_version: String,
    pub description: String,
    /// How the banners name the manifest (`headers/mapi.toml`).
    pub source: String,
    /// The module that receives items declared outside the listed headers.
    pub base_module: String,
    /// The header keys that get a module of their own, in the manifest's order.
    pub modules: Vec<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub documentation: Option<String>,
    /// docs.rs's targets, the first its default.
    pub docs_targets: Vec<String>,
    /// Files copied into the crate.
    pub copied: Vec<CopiedFile>,
    /// Whether the structures are MAPI's, with pages in Microsoft's reference (not so
    /// for a provider's own IDL).
    pub references: bool,
}

/// A file copied into the crate (`[output.files]`).
#[derive(Debug, Clone, Default)]
pub struct CopiedFile {
    /// Its name in the crate (`README.md`).
    pub name: String,
    /// The file as the manifest names it.
    pub source: String,
    pub text: String,
}

/// One ABI the bindings are checked for.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub name: String,
    pub triple: String,
    /// The `cfg` predicate under which this target's definitions apply.
    pub cfg: String,
    /// The `cfg` under which its layouts are asserted (`cfg` if `None`).
    pub layout_cfg: Option<String>,
}
