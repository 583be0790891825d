//! C types reduced to what a vtable entry needs, and calling conventions.

use std::fmt;

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
    /// A COM interface object (only ever behind a pointer, `InterfacePtr<IFoo>` in Rust).
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
