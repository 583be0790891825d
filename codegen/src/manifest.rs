//! The declarative manifest (`headers/mapi.toml`): which headers and IDL files to read,
//! what to emit, for which targets, and the corrections the headers need.
//!
//! Everything the generator knows about MAPI in particular comes from here; the Rust code
//! knows only C, COM and Rust.

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The folder holding the MAPI headers; `--mapi-include` overrides it.
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
    /// The Rust `cfg` predicate under which this target's layout assertions apply.
    pub cfg: String,
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
                0,
                "exactly one [[target]] must set `calling_conventions = true`",
            ));
        }
        for h in &s.input.headers {
            if h.get_ref().contains('/') {
                return Err(self.error_at(
                    h.span().start,
                    format!(
                        "header `{}` must be a bare file name inside `mapi_include`",
                        h.get_ref()
                    ),
                ));
            }
        }
        Ok(())
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
