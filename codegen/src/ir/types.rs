//! C types reduced to what a vtable entry needs, and calling conventions.

use std::fmt;

/// A record's (or any type's) size and alignment on one target, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub size: u64,
    pub align: u64,
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
    /// Parses the simple C spelling used in corrections: `NAME`, `NAME*`, `const NAME *`;
    /// a one-word C builtin (`int`, `long`) is its Rust primitive.
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
        let mut ty = c_builtin(name).map_or_else(|| CType::Named(name.to_string()), CType::Prim);
        for i in 0..stars {
            ty = CType::Ptr {
                is_const: is_const && i == 0,
                to: Box::new(ty),
            };
        }
        Some(ty)
    }

    /// Parses a correction's type: a spelling [`parse_simple`](Self::parse_simple) reads,
    /// or a callback as `Display` spells one, `RET(*)(A, B)` followed by its pointer stars,
    /// each of RET, A and B `void` or a simple spelling. A callback takes the calling
    /// convention of the callback in `like` (the parameter's type in the headers), which
    /// the C spelling does not say; `None` if `like` holds none.
    pub fn parse_correction(s: &str, like: &CType) -> Option<CType> {
        if let Some(t) = CType::parse_simple(s) {
            return Some(t);
        }
        let part = |p: &str| match p.trim() {
            "void" => Some(CType::Void),
            p => CType::parse_simple(p),
        };
        let (ret, rest) = s.split_once("(*)(")?;
        let (args, tail) = rest.split_once(')')?;
        if tail.chars().any(|c| c != '*' && !c.is_whitespace()) {
            return None;
        }
        let mut inner = like;
        let abi = loop {
            match inner {
                CType::Ptr { to, .. } => inner = to,
                CType::Fn { abi, .. } => break *abi,
                _ => return None,
            }
        };
        let params = if args.trim().is_empty() {
            Vec::new()
        } else {
            args.split(',').map(part).collect::<Option<Vec<_>>>()?
        };
        let mut ty = CType::Fn {
            abi,
            ret: Box::new(part(ret)?),
            params,
        };
        for _ in 0..tail.matches('*').count() {
            ty = CType::Ptr {
                is_const: false,
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

/// The Rust primitive of a one-word C builtin type, with Windows' widths (`long` and
/// mingw-w64's `__LONG32` are 32-bit).
fn c_builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "char" => "i8",
        "short" => "i16",
        "int" | "long" | "__LONG32" => "i32",
        _ => return None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn callback(abi: Abi, first: &str) -> CType {
        CType::Ptr {
            is_const: false,
            to: Box::new(CType::Fn {
                abi,
                ret: Box::new(CType::Void),
                params: vec![CType::Named(first.into()), CType::Named("LPVOID".into())],
            }),
        }
    }

    #[test]
    fn a_correction_may_retype_a_callback_keeping_its_calling_convention() {
        let found = callback(Abi::System, "ULONG");
        assert_eq!(found.to_string(), "void(*)(ULONG, LPVOID)*");
        let to = CType::parse_correction("void(*)(ULONG_PTR, LPVOID)*", &found).unwrap();
        assert_eq!(to, callback(Abi::System, "ULONG_PTR"));
        // Simple spellings still parse; a callback needs a callback to take the
        // convention from; junk after the stars is refused.
        assert_eq!(
            CType::parse_correction("ULONG_PTR", &found),
            Some(CType::Named("ULONG_PTR".into()))
        );
        assert_eq!(
            CType::parse_correction("void(*)(ULONG_PTR)*", &CType::Named("ULONG".into())),
            None
        );
        assert_eq!(CType::parse_correction("void(*)(ULONG)* x", &found), None);
    }
}
