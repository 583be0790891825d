//! The intermediate representation the front ends fill and the back end reads.

use std::collections::BTreeMap;
use std::fmt;

pub use crate::idl::Guid;

/// Everything the back end needs, gathered from all front ends.
#[derive(Debug, Default)]
pub struct Model {
    /// Emitted interfaces, bases before derived ones, then in declaration order.
    pub interfaces: Vec<Interface>,
    /// Emitted constants, by name.
    pub constants: BTreeMap<String, Constant>,
    /// `IID_*` and other GUIDs defined with DEFINE_GUID / DEFINE_OLEGUID, by name.
    pub guids: BTreeMap<String, (Guid, String)>,
    /// The header (lower-case base name) each C declaration comes from.
    pub decl_headers: BTreeMap<String, String>,
    /// Type items from bindgen, merged over all targets.
    pub items: Vec<TypeItem>,
    /// Layout facts per target name: type name -> (size, align).
    pub layouts: BTreeMap<String, BTreeMap<String, (u64, u64)>>,
}

/// A COM interface.
#[derive(Debug, Clone)]
pub struct Interface {
    pub name: String,
    pub base: Option<String>,
    pub iid: Option<Guid>,
    /// Lower-case base name of the declaring header.
    pub header: String,
    pub line: u32,
    /// This interface's own methods (not the inherited ones).
    pub methods: Vec<Method>,
    /// Why this interface cannot be emitted, if it cannot (an unsupported type).
    pub unsupported: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: String,
    pub abi: Abi,
    pub ret: CType,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: CType,
}

/// The calling convention of a method, as Rust spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abi {
    /// stdcall on 32-bit Windows, the C convention elsewhere.
    System,
    /// cdecl everywhere.
    C,
}

impl Abi {
    pub fn as_str(self) -> &'static str {
        match self {
            Abi::System => "system",
            Abi::C => "C",
        }
    }
}

/// A C type reduced to what a vtable entry needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CType {
    Void,
    /// A Rust primitive (`u32`, `i16`, ...), already mapped with Windows' widths.
    Prim(&'static str),
    /// A typedef, struct, union or enum name that the bindings declare.
    Named(String),
    /// A COM interface object (only ever behind a pointer): `c_void` in Rust.
    Interface(String),
    Ptr {
        is_const: bool,
        to: Box<CType>,
    },
    /// A function type (only ever behind a pointer: a callback).
    Fn {
        abi: Abi,
        ret: Box<CType>,
        params: Vec<CType>,
    },
}

impl CType {
    /// Parses the simple C spelling used in corrections: `NAME`, `NAME*`, `const NAME *`.
    pub fn parse_simple(s: &str) -> Option<CType> {
        let s = s.trim();
        let (is_const, rest) = match s.strip_prefix("const ") {
            Some(r) => (true, r.trim()),
            None => (false, s),
        };
        let stars = rest.chars().filter(|&c| c == '*').count();
        let name = rest.trim_end_matches(|c: char| c == '*' || c.is_whitespace());
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || rest[name.len()..]
                .chars()
                .any(|c| c != '*' && !c.is_whitespace())
        {
            return None;
        }
        let mut ty = CType::Named(name.to_string());
        for i in 0..stars {
            ty = CType::Ptr {
                is_const: is_const && i == 0,
                to: Box::new(ty),
            };
        }
        Some(ty)
    }

    /// Every name this type refers to.
    pub fn names(&self, out: &mut Vec<String>) {
        match self {
            CType::Named(n) => out.push(n.clone()),
            CType::Ptr { to, .. } => to.names(out),
            CType::Fn { ret, params, .. } => {
                ret.names(out);
                for p in params {
                    p.names(out);
                }
            }
            _ => {}
        }
    }
}

/// The C spelling, used for comparing against corrections and in messages.
impl fmt::Display for CType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CType::Void => f.write_str("void"),
            CType::Prim(p) => f.write_str(p),
            CType::Named(n) | CType::Interface(n) => f.write_str(n),
            CType::Fn { ret, params, .. } => {
                write!(f, "{ret}(*)(")?;
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                f.write_str(")")
            }
            CType::Ptr { is_const, to } => {
                if *is_const {
                    write!(f, "const {to}*")
                } else {
                    write!(f, "{to}*")
                }
            }
        }
    }
}

/// An integer constant from a macro (or the manifest).
#[derive(Debug, Clone)]
pub struct Constant {
    pub name: String,
    pub value: i128,
    /// The Rust type (a name the bindings declare, or a primitive).
    pub ty: String,
    /// Lower-case base name of the declaring header.
    pub header: String,
}

/// A type item (struct, union, typedef, enum constant...) from bindgen, as Rust source,
/// with the `cfg` it needs when the targets disagree.
#[derive(Debug, Clone)]
pub struct TypeItem {
    pub name: String,
    pub header: String,
    pub cfg: Option<String>,
    pub item: syn::Item,
}
