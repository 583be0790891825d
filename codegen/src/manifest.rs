//! The declarative manifest (`headers/mapi.toml`): which headers and IDL files to read,
//! what to emit, for which targets, and the corrections the headers need.
//!
//! What the generator reads and emits comes from here: which headers, interfaces, types,
//! constants and corrections. The Rust code knows C, COM and Rust, plus a few MAPI facts
//! it writes into what it emits: the C header's prelude for non-Windows hosts
//! (`backend/cheader/`: `STDMETHODCALLTYPE`, `DEFINE_GUID`, COM's common codes such as
//! `E_NOINTERFACE` where the bindings lack them, `REFIID`, COM's `IMalloc`, and the
//! macros Microsoft's headers give C programmers: `STDMETHODIMP`, `HR_FAILED`,
//! `MAKE_MAPI_E`, `IsEqualGUID`, the `Sized*`/`CbNew*` family, `MSPROVIDERINIT`, listed
//! in docs/FACTS.md with their sources), the not-implemented value
//! `MAPI_E_NO_SUPPORT` and the docs of the generated crate (`backend/`,
//! `backend/support.rs.in`).
//!
//! [`Manifest::parse`] checks every name where it is read, so that a mistake is an error
//! at its line and column rather than a broken crate: header and IDL names (bare, unique,
//! one stem each), module names (real headers, valid Rust modules, none of `com`,
//! `layout`, `lib` or the base module, unique once lowered), the crate's name and semver
//! version, target names (unique), triples (Windows ones clang knows) and `cfg`s (parsed
//! as cfg predicates), constant rules and extra constants (headers read, Rust
//! identifiers, existing modules). What needs the headers (a name that matches nothing, a
//! value that does not fit its type, an IID name that is no GUID) is checked by the
//! front end, at the same positions ([`Manifest::offset_of`]).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};

/// The parsed manifest plus where it came from (for error messages and relative paths).
#[derive(Debug)]
pub struct Manifest {
    pub path: PathBuf,
    pub text: String,
    pub spec: Spec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub output: Output,
    pub input: Input,
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
    pub emit: Emit,
    #[serde(default, rename = "constants")]
    pub constants: Vec<ConstantRule>,
    #[serde(default, rename = "extra_constant")]
    pub extra_constants: Vec<ExtraConstant>,
    #[serde(default)]
    pub corrections: Corrections,
}

/// Fixes for what the headers get wrong.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corrections {
    /// Parameters whose type is wrong.
    #[serde(default)]
    pub parameters: Vec<Spanned<Correction>>,
    /// Typedefs, their function types' parameters and return types, and record fields
    /// whose type is wrong.
    #[serde(default)]
    pub types: Vec<Spanned<TypeCorrection>>,
}

/// The crate written to the output folder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub crate_name: String,
    pub crate_version: String,
    pub rust_version: String,
    pub description: String,
    /// The module that receives items declared outside the listed headers.
    pub base_module: String,
    /// crates.io's `keywords` and `categories`, and the docs' address.
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    /// The targets docs.rs documents the crate for, the first its default.
    #[serde(default)]
    pub docs_targets: Vec<String>,
    /// Files copied into the crate (its README.md, license texts): the name in the
    /// crate -> the file, relative to the manifest. Each copy starts with a line that
    /// names its source.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The folder holding the MAPI headers, relative to the manifest's folder if it is not
    /// absolute; `--mapi-include` (relative to the working folder) overrides it.
    pub mapi_include: String,
    /// MAPI headers to read, in include order; matched case-insensitively in the folder.
    pub headers: Vec<Spanned<String>>,
    /// IDL files, relative to the manifest; each is lowered to a C header and read after
    /// the MAPI headers.
    pub idl: Vec<Spanned<String>>,
    /// Preprocessor definitions for every parse (`NAME` or `NAME=VALUE`).
    #[serde(default)]
    pub defines: Vec<String>,
}

/// One Windows ABI the bindings are checked for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    /// The clang target triple.
    pub triple: String,
    /// The Rust `cfg` predicate under which this target's definitions (the items whose
    /// layout or type differs between targets) apply.
    pub cfg: String,
    /// The `cfg` predicate under which this target's layout assertions apply, when it is
    /// narrower than `cfg` (a 32-bit Linux build takes the 32-bit Windows definitions, so
    /// that the bindings build there, but not their layouts: `i64` is 4-aligned in a Linux
    /// struct and 8-aligned in a Windows one). Defaults to `cfg`.
    #[serde(default)]
    pub layout_cfg: Option<String>,
    /// Whether this target decides the calling conventions (stdcall vs cdecl) of
    /// methods; exactly one target should.
    #[serde(default)]
    pub calling_conventions: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emit {
    /// Every interface declared in these headers (or IDL files) is emitted.
    pub interfaces_from: Vec<Spanned<String>>,
    /// More interfaces by name, wherever they are declared.
    #[serde(default)]
    pub interfaces: Vec<Spanned<String>>,
    /// Types (structs, unions, enums, typedefs) declared in these headers are emitted,
    /// with everything they use.
    pub types_from: Vec<String>,
    /// IID constant names that are not `IID_` + the interface name.
    #[serde(default)]
    pub iid_names: std::collections::BTreeMap<String, String>,
    /// Headers whose declarations get a module of their own (in this order); anything
    /// else goes to `output.base_module`.
    pub modules: Vec<String>,
}

/// Which object-like macros become Rust constants, and with which type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstantRule {
    /// Headers whose macros this rule looks at.
    pub from: Vec<String>,
    /// Name patterns; `*` matches any run of characters.
    pub names: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The Rust type of the constants (`HRESULT`, `ULONG`, ...).
    #[serde(rename = "type")]
    pub ty: String,
}

/// A constant the headers lack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraConstant {
    pub name: String,
    pub value: i64,
    #[serde(rename = "type")]
    pub ty: String,
    /// The module it belongs to.
    pub module: String,
}

/// A parameter whose type the headers get wrong.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub interface: String,
    pub method: String,
    pub param: String,
    /// The type as the headers spell it (checked, so a stale correction is noticed).
    pub from: String,
    /// The right type, as C spells it (`ULONG_PTR`, `ULONG_PTR*`).
    pub to: String,
}

/// A type item whose type the headers get wrong: a typedef's own type, a parameter or the
/// return type of a function-pointer typedef, or a field of a struct or union.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TypeCorrection {
    /// The typedef, struct or union, as the bindings name it.
    #[serde(rename = "type")]
    pub item: String,
    /// A field, a parameter (bindgen names an unnamed one `arg1`, `arg2`, ...), or
    /// `return`; absent for the typedef's own type.
    #[serde(default)]
    pub member: Option<String>,
    /// The type as the headers spell it (checked, so a stale correction is noticed); C's
    /// `int` and `long` (mingw-w64's `__LONG32`) are 32-bit.
    pub from: String,
    /// The right type, as C spells it (`ULONG_PTR`, `LPCTSTR`, `BOOL`).
    pub to: String,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::msg(format!("cannot read the manifest {}: {e}", path.display())))?;
        Manifest::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<Manifest> {
        let spec: Spec = toml::from_str(&text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
            Error::at(path, line, col, e.message())
        })?;
        let m = Manifest {
            path: path.to_path_buf(),
            text,
            spec,
        };
        m.validate()?;
        Ok(m)
    }

    fn validate(&self) -> Result<()> {
        let s = &self.spec;
        if s.targets.iter().filter(|t| t.calling_conventions).count() != 1 {
            return Err(self.error_at(
                self.offset_of("target"),
                "exactly one [[target]] must set `calling_conventions = true`",
            ));
        }
        self.validate_output()?;
        let keys = self.validate_inputs()?;
        self.validate_targets()?;
        self.validate_emit(&keys)?;
        self.validate_constants(&keys)?;
        Ok(())
    }

    fn validate_output(&self) -> Result<()> {
        let o = &self.spec.output;
        let name = &o.crate_name;
        let name_ok = name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !crate::names::RUST_KEYWORDS.contains(&name.as_str());
        if !name_ok {
            return Err(self.error_at(
                self.offset_of("output.crate_name"),
                format!(
                    "`{name}` is not a valid crate name: it must start with a letter and \
                     hold only ASCII letters, digits, `-` and `_` (at most 64), and not be \
                     a Rust keyword"
                ),
            ));
        }
        if let Err(e) = semver::Version::parse(&o.crate_version) {
            return Err(self.error_at(
                self.offset_of("output.crate_version"),
                format!(
                    "`{}` is not a semantic version such as `0.1.0`: {e}",
                    o.crate_version
                ),
            ));
        }
        let parts: Vec<&str> = o.rust_version.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(self.error_at(
                self.offset_of("output.rust_version"),
                format!(
                    "`{}` is not a Rust version such as `1.74` or `1.74.0`",
                    o.rust_version
                ),
            ));
        }
        let base = &o.base_module;
        let at = self.offset_of("output.base_module");
        if let Some(why) = crate::names::rust_name_problem(base) {
            return Err(self.error_at(at, format!("`base_module` must name a Rust module: {why}")));
        }
        if crate::names::RESERVED_MODULES.contains(&base.as_str()) {
            return Err(self.error_at(
                at,
                format!(
                    "`base_module = \"{base}\"` is a name the generated crate uses itself \
                     (reserved: {})",
                    crate::names::RESERVED_MODULES.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Checks the header and IDL names; returns every header key read, in order.
    fn validate_inputs(&self) -> Result<Vec<String>> {
        let input = &self.spec.input;
        let mut keys: Vec<String> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for h in &input.headers {
            let name = h.get_ref();
            if name.is_empty() || name.contains(['/', '\\', '"', '\n', '\0']) {
                return Err(self.error_at(
                    h.span().start,
                    format!(
                        "header `{name}` must be a bare file name inside `mapi_include` \
                         (no `/`, `\\`, `\"` or line break)"
                    ),
                ));
            }
            let key = crate::ir::header_key(name);
            if let Some(&earlier) = seen.get(&key) {
                return Err(self.error_at(
                    h.span().start,
                    format!(
                        "header `{name}` is listed twice (names are matched \
                         case-insensitively; the first is on line {})",
                        line_col(&self.text, earlier).0
                    ),
                ));
            }
            seen.insert(key.clone(), h.span().start);
            keys.push(key);
        }
        for i in &input.idl {
            let name = i.get_ref();
            let at = i.span().start;
            if !name.to_ascii_lowercase().ends_with(".idl") {
                return Err(self.error_at(at, format!("IDL file `{name}` must end in `.idl`")));
            }
            let key = crate::ir::header_key(name);
            if let Some(&earlier) = seen.get(&key) {
                return Err(self.error_at(
                    at,
                    format!(
                        "IDL file `{name}` is lowered to `{key}`, which line {} already \
                         reads; give it another name",
                        line_col(&self.text, earlier).0
                    ),
                ));
            }
            seen.insert(key.clone(), at);
            keys.push(key);
        }
        for (n, d) in input.defines.iter().enumerate() {
            let name = d.split_once('=').map_or(d.as_str(), |(n, _)| n);
            if !crate::names::is_identifier(name) || d.contains(['\n', '\0']) {
                return Err(self.error_at(
                    self.offset_of(&format!("input.defines.{n}")),
                    format!("define `{d}` must be `NAME` or `NAME=VALUE` with NAME an identifier"),
                ));
            }
        }
        Ok(keys)
    }

    fn validate_targets(&self) -> Result<()> {
        let mut names: std::collections::HashMap<&str, usize> = Default::default();
        for (n, t) in self.spec.targets.iter().enumerate() {
            if let Some(first) = names.insert(&t.name, n) {
                return Err(self.error_at(
                    self.offset_of(&format!("target.{n}.name")),
                    format!(
                        "duplicate [[target]] name `{}` (the first is on line {})",
                        t.name,
                        line_col(&self.text, self.offset_of(&format!("target.{first}.name"))).0
                    ),
                ));
            }
            if let Err(why) = check_triple(&t.triple) {
                return Err(self.error_at(
                    self.offset_of(&format!("target.{n}.triple")),
                    format!(
                        "`{}` is not a Windows target triple clang knows: {why}",
                        t.triple
                    ),
                ));
            }
            if let Err(why) = check_cfg(&t.cfg) {
                return Err(self.error_at(
                    self.offset_of(&format!("target.{n}.cfg")),
                    format!("`{}` is not a Rust cfg predicate: {why}", t.cfg),
                ));
            }
            if let Some(layout_cfg) = &t.layout_cfg {
                if let Err(why) = check_cfg(layout_cfg) {
                    return Err(self.error_at(
                        self.offset_of(&format!("target.{n}.layout_cfg")),
                        format!("`{layout_cfg}` is not a Rust cfg predicate: {why}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_emit(&self, keys: &[String]) -> Result<()> {
        let emit = &self.spec.emit;
        let header_key = crate::ir::header_key;
        let unknown = |what: &str, name: &str| {
            format!(
                "{what} `{name}` is not one of the headers or IDL files read ({})",
                self.read_list()
            )
        };
        for (n, t) in emit.types_from.iter().enumerate() {
            if !keys.contains(&header_key(t)) {
                return Err(self.error_at(
                    self.offset_of(&format!("emit.types_from.{n}")),
                    unknown("`types_from` entry", t),
                ));
            }
        }
        let base = &self.spec.output.base_module;
        let mut modules: std::collections::HashMap<String, usize> = Default::default();
        for (n, m) in emit.modules.iter().enumerate() {
            let at = self.offset_of(&format!("emit.modules.{n}"));
            let key = header_key(m);
            if !keys.contains(&key) {
                return Err(self.error_at(at, unknown("module", m)));
            }
            let module = crate::names::module_name(&key);
            if let Some(why) = crate::names::rust_name_problem(&module) {
                return Err(self.error_at(
                    at,
                    format!("module `{m}` would be the Rust module `{module}`: {why}"),
                ));
            }
            if crate::names::RESERVED_MODULES.contains(&module.as_str()) || module == *base {
                return Err(self.error_at(
                    at,
                    format!(
                        "module `{m}` would be the Rust module `{module}`, which is {}",
                        if module == *base {
                            "`output.base_module`".to_string()
                        } else {
                            format!(
                                "a name the generated crate uses itself (reserved: {})",
                                crate::names::RESERVED_MODULES.join(", ")
                            )
                        }
                    ),
                ));
            }
            if let Some(first) = modules.insert(module.clone(), n) {
                return Err(self.error_at(
                    at,
                    format!(
                        "module `{m}` would be the Rust module `{module}`, like `{}` on line {}",
                        emit.modules[first],
                        line_col(&self.text, self.offset_of(&format!("emit.modules.{first}"))).0
                    ),
                ));
            }
        }
        for (iface, iid) in &emit.iid_names {
            for (what, name) in [("interface", iface), ("IID constant", iid)] {
                if let Some(why) = crate::names::rust_name_problem(name) {
                    return Err(self.error_at(
                        self.offset_of(&format!("emit.iid_names.{iface}")),
                        format!("`[emit.iid_names]` {what} `{name}`: {why}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_constants(&self, keys: &[String]) -> Result<()> {
        let header_key = crate::ir::header_key;
        for (n, r) in self.spec.constants.iter().enumerate() {
            for (k, f) in r.from.iter().enumerate() {
                if !keys.contains(&header_key(f)) {
                    return Err(self.error_at(
                        self.offset_of(&format!("constants.{n}.from.{k}")),
                        format!(
                            "`from` names `{f}`, which is not one of the headers or IDL files \
                             read ({})",
                            self.read_list()
                        ),
                    ));
                }
            }
            if r.names.is_empty() {
                return Err(self.error_at(
                    self.offset_of(&format!("constants.{n}.names")),
                    "`names` is empty: the rule selects nothing",
                ));
            }
            if let Some(why) = crate::names::rust_name_problem(&r.ty) {
                return Err(self.error_at(
                    self.offset_of(&format!("constants.{n}.type")),
                    format!("`type` must name a Rust type: {why}"),
                ));
            }
        }
        let modules: Vec<String> = self
            .spec
            .emit
            .modules
            .iter()
            .map(|m| header_key(m))
            .collect();
        let mut names: std::collections::HashMap<&str, usize> = Default::default();
        for (n, c) in self.spec.extra_constants.iter().enumerate() {
            if let Some(why) = crate::names::rust_name_problem(&c.name) {
                return Err(self.error_at(
                    self.offset_of(&format!("extra_constant.{n}.name")),
                    format!("extra constant name: {why}"),
                ));
            }
            if let Some(first) = names.insert(&c.name, n) {
                return Err(self.error_at(
                    self.offset_of(&format!("extra_constant.{n}.name")),
                    format!(
                        "extra constant `{}` is declared twice (the first is on line {})",
                        c.name,
                        line_col(
                            &self.text,
                            self.offset_of(&format!("extra_constant.{first}"))
                        )
                        .0
                    ),
                ));
            }
            if let Some(why) = crate::names::rust_name_problem(&c.ty) {
                return Err(self.error_at(
                    self.offset_of(&format!("extra_constant.{n}.type")),
                    format!("`type` must name a Rust type: {why}"),
                ));
            }
            if c.module != self.spec.output.base_module && !modules.contains(&header_key(&c.module))
            {
                return Err(self.error_at(
                    self.offset_of(&format!("extra_constant.{n}.module")),
                    format!(
                        "extra constant `{}`: module `{}` is neither one of `emit.modules` \
                         nor `output.base_module` (`{}`)",
                        c.name, c.module, self.spec.output.base_module
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The headers and IDL files read, for messages.
    fn read_list(&self) -> String {
        let i = &self.spec.input;
        i.headers
            .iter()
            .chain(&i.idl)
            .map(|h| h.get_ref().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The byte offset of the manifest item at `path` (dotted keys; a number indexes an
    /// array); the deepest part of the path that exists if not all of it does, else 0.
    pub fn offset_of(&self, path: &str) -> usize {
        let Ok(doc) = toml_edit::ImDocument::parse(self.text.as_str()) else {
            return 0;
        };
        let mut item = doc.as_item();
        let mut at = 0;
        for part in path.split('.') {
            let next = match part.parse::<usize>() {
                Ok(i) => item.get(i),
                Err(_) => {
                    if let Some((k, v)) = item.as_table_like().and_then(|t| t.get_key_value(part)) {
                        if let Some(span) = k.span() {
                            at = span.start;
                        }
                        Some(v)
                    } else {
                        None
                    }
                }
            };
            let Some(next) = next else { break };
            item = next;
            match item.span() {
                Some(span) if !matches!(item, toml_edit::Item::Table(_)) || at == 0 => {
                    at = span.start
                }
                Some(_) => {}
                // An `[[array]]` element: where its first key is.
                None => {
                    if let Some(first) = item.as_table_like().and_then(|t| {
                        t.iter()
                            .filter_map(|(k, _)| t.key(k).and_then(|k| k.span()))
                            .map(|s| s.start)
                            .min()
                    }) {
                        at = first;
                    }
                }
            }
        }
        at
    }

    /// The folder the manifest sits in; relative paths in it are relative to this.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// An error pointing at a byte offset of the manifest.
    pub fn error_at(&self, offset: usize, message: impl std::fmt::Display) -> Error {
        let (line, col) = line_col(&self.text, offset);
        Error::at(&self.path, line, col, message)
    }
}

/// Whether `triple` looks like a Windows target triple clang accepts: `ARCH-VENDOR-OS` or
/// `ARCH-VENDOR-OS-ENV`, a known architecture, and Windows (`windows`, `mingw32`, `win32`)
/// as its system.
fn check_triple(triple: &str) -> std::result::Result<(), String> {
    const ARCHS: &[&str] = &[
        "x86_64", "i386", "i486", "i586", "i686", "aarch64", "arm", "armv7", "thumbv7",
    ];
    let parts: Vec<&str> = triple.split('-').collect();
    if !(3..=4).contains(&parts.len())
        || parts.iter().any(|p| {
            p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
    {
        return Err("expected ARCH-VENDOR-OS or ARCH-VENDOR-OS-ENV, such as \
                    `x86_64-w64-mingw32`"
            .into());
    }
    if !ARCHS.contains(&parts[0]) {
        return Err(format!(
            "unknown architecture `{}` (known: {})",
            parts[0],
            ARCHS.join(", ")
        ));
    }
    if !parts[2..]
        .iter()
        .any(|p| matches!(*p, "windows" | "mingw32" | "win32"))
    {
        return Err("the system must be Windows (`windows`, `mingw32` or `win32`)".into());
    }
    Ok(())
}

/// Whether `cfg` parses as what `#[cfg(...)]` takes: `name`, `name = "value"`, or
/// `all(..)`, `any(..)` and `not(..)` of those.
fn check_cfg(cfg: &str) -> std::result::Result<(), String> {
    let meta: syn::Meta = syn::parse_str(cfg).map_err(|e| e.to_string())?;
    check_cfg_meta(&meta)
}

fn check_cfg_meta(meta: &syn::Meta) -> std::result::Result<(), String> {
    use syn::punctuated::Punctuated;
    let simple = |p: &syn::Path| -> std::result::Result<String, String> {
        match p.get_ident() {
            Some(i) => Ok(i.to_string()),
            None => Err("a cfg option is a single identifier, not a path".into()),
        }
    };
    match meta {
        syn::Meta::Path(p) => simple(p).map(|_| ()),
        syn::Meta::NameValue(nv) => {
            simple(&nv.path)?;
            match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(_),
                    ..
                }) => Ok(()),
                _ => Err(format!(
                    "the value of `{}` must be a string literal",
                    simple(&nv.path)?
                )),
            }
        }
        syn::Meta::List(list) => {
            let op = simple(&list.path)?;
            if !matches!(op.as_str(), "all" | "any" | "not") {
                return Err(format!(
                    "`{op}(...)` is not a cfg operator (`all`, `any`, `not`)"
                ));
            }
            let inner = list
                .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .map_err(|e| e.to_string())?;
            if op == "not" && inner.len() != 1 {
                return Err("`not(...)` takes exactly one predicate".into());
            }
            inner.iter().try_for_each(check_cfg_meta)
        }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Whether `name` matches a pattern where `*` stands for any run of characters.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("MAPI_E_*", "MAPI_E_NOT_FOUND"));
        assert!(!glob_match("MAPI_E_*", "MAPI_W_ERRORS_RETURNED"));
        assert!(glob_match("PR_*_W", "PR_DISPLAY_NAME_W"));
        assert!(!glob_match("PR_*_W", "PR_DISPLAY_NAME_A"));
        assert!(glob_match("*", "X"));
        assert!(glob_match("A*B*C", "AxxBxxC"));
        assert!(!glob_match("A*B*C", "AxxC"));
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
