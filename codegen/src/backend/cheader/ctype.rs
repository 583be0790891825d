//! C types for the umbrella header: the IR's C types (the records' fields and typedefs,
//! the methods' parameters) as C declarators.
//!
//! * a pointer is `T *`, to const `const T *`; an array member `T name[N]`;
//! * a function type is `R name(params)`, stdcall `R (STDMETHODCALLTYPE name)(params)`,
//!   and a pointer to one `R (STDMETHODCALLTYPE *name)(params)`;
//! * an interface is its name (only ever behind a pointer);
//! * the primitives are C's with Windows' widths: `u32` is `uint32_t`, `i8` is `char`,
//!   `i64` is `long long`.

use crate::ir::{Abi, CType};

/// A C type, as much as a declarator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum C {
    /// A name: `ULONG`, `void`, `struct`-less record names (every record is typedef'd).
    Base(String),
    Ptr {
        to: Box<C>,
        /// `const` applies to the pointee.
        to_const: bool,
    },
    Array(Box<C>, u64),
    /// A function type (behind a pointer).
    Fn {
        ret: Box<C>,
        params: Vec<(String, C)>,
        /// stdcall on 32-bit Windows (`STDMETHODCALLTYPE`).
        system: bool,
    },
}

impl C {
    /// Every name this type refers to, with whether it is reached through a pointer (or a
    /// function type): a record needs only its forward declaration there.
    pub fn names(&self, behind: bool, out: &mut Vec<(String, bool)>) {
        match self {
            C::Base(n) => out.push((n.clone(), behind)),
            C::Ptr { to, .. } => to.names(true, out),
            C::Array(t, _) => t.names(behind, out),
            C::Fn { ret, params, .. } => {
                ret.names(true, out);
                for (_, p) in params {
                    p.names(true, out);
                }
            }
        }
    }

    /// A declaration of `name` (empty for an abstract declarator): `ULONG *lpulCount`,
    /// `HRESULT (STDMETHODCALLTYPE *Open)(IFoo *This, ULONG ulFlags)`, `BYTE ab[16]`.
    pub fn declare(&self, name: &str) -> String {
        match self {
            C::Base(b) => {
                if name.is_empty() {
                    b.clone()
                } else {
                    format!("{b} {name}")
                }
            }
            C::Ptr { to, to_const } => {
                let inner = format!("*{name}");
                match &**to {
                    C::Base(b) if *to_const => C::Base(format!("const {b}")).declare(&inner),
                    C::Base(_) => to.declare(&inner),
                    C::Ptr { .. } if *to_const => to.declare(&format!("const {inner}")),
                    C::Ptr { .. } => to.declare(&inner),
                    C::Fn { .. } => to.declare(&inner),
                    C::Array(..) => to.declare(&format!("({inner})")),
                }
            }
            C::Array(t, n) => t.declare(&format!("{name}[{n}]")),
            C::Fn {
                ret,
                params,
                system,
            } => {
                // The convention leads the declarator, in parentheses with it (as
                // Microsoft's `typedef LONG (STDAPICALLTYPE NOTIFCALLBACK)(...)`), and
                // so does a pointer.
                let cc = if *system { "STDMETHODCALLTYPE " } else { "" };
                let name = if name.starts_with('*') || (*system && !name.is_empty()) {
                    format!("({cc}{name})")
                } else {
                    name.to_string()
                };
                ret.declare(&format!("{name}({})", params_list(params)))
            }
        }
    }
}

/// `(ULONG ulFlags, void *p)`'s inside, or `void` for none.
pub fn params_list(params: &[(String, C)]) -> String {
    if params.is_empty() {
        return "void".to_string();
    }
    params
        .iter()
        .map(|(n, t)| t.declare(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// C's spelling of a Rust primitive, with Windows' widths.
pub fn primitive(p: &str) -> Option<&'static str> {
    Some(match p {
        // `char` rather than `int8_t`, so that string literals fit `LPSTR`; it is signed
        // on both x86_64 Linux and Windows.
        "i8" => "char",
        "u8" => "unsigned char",
        "i16" => "int16_t",
        "u16" => "uint16_t",
        "i32" => "int32_t",
        "u32" => "uint32_t",
        // Windows' `__int64` is `long long`; `int64_t` is `long` on x86_64 Linux, which
        // would make the Linux LONGLONG a type that Windows code cannot redeclare.
        "i64" => "long long",
        "u64" => "unsigned long long",
        "f32" => "float",
        "f64" => "double",
        "bool" => "_Bool",
        "c_void" => "void",
        _ => return None,
    })
}

/// Names that C or C++ reserve (or `<stdint.h>` and the compilers declare), as the
/// umbrella spells them: the bindings' `wchar_t` is a 16-bit unit, not C's.
pub fn c_name(name: &str) -> String {
    match name {
        "wchar_t" => "uint16_t".to_string(),
        _ => name.to_string(),
    }
}

/// A member or parameter name that C++ (or C) reserves, or that the C view's calls use
/// themselves (`This`, `lpVtbl`), gets a `_`, as Rust's do.
pub fn member_name(name: &str) -> String {
    if crate::names::is_c_keyword(name) || matches!(name, "This" | "lpVtbl") {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// Translates a method type of the IR.
pub fn from_ir(ty: &CType) -> C {
    match ty {
        CType::Void => C::Base("void".into()),
        CType::Prim(p) => C::Base(primitive(p).unwrap_or(p).to_string()),
        CType::Named(n) | CType::Interface(n) => C::Base(c_name(n)),
        CType::Ptr { is_const, to } => C::Ptr {
            to: Box::new(from_ir(to)),
            to_const: *is_const,
        },
        CType::Fn { abi, ret, params } => C::Fn {
            ret: Box::new(from_ir(ret)),
            params: params
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("p{}", i + 1), from_ir(p)))
                .collect(),
            system: *abi == Abi::System,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(n: &str) -> CType {
        CType::Named(n.into())
    }

    fn ptr(to: CType, is_const: bool) -> CType {
        CType::Ptr {
            is_const,
            to: Box::new(to),
        }
    }

    fn c(ty: &CType, name: &str) -> String {
        from_ir(ty).declare(name)
    }

    #[test]
    fn declarators() {
        assert_eq!(c(&ptr(CType::Void, false), "p"), "void *p");
        assert_eq!(c(&ptr(named("WCHAR"), true), "s"), "const WCHAR *s");
        assert_eq!(
            c(&ptr(ptr(named("ULONG"), true), false), "pp"),
            "const ULONG **pp"
        );
        assert_eq!(
            c(&ptr(ptr(named("ULONG"), false), true), "pp"),
            "ULONG *const *pp"
        );
        assert_eq!(
            C::Array(Box::new(from_ir(&named("BYTE"))), 16).declare("ab"),
            "BYTE ab[16]"
        );
        assert_eq!(
            c(&ptr(CType::Interface("IMsgStore".into()), false), ""),
            "IMsgStore *"
        );
        assert_eq!(c(&CType::Prim("i8"), "c"), "char c");
        assert_eq!(c(&CType::Prim("u64"), "q"), "unsigned long long q");
        assert_eq!(c(&named("wchar_t"), "w"), "uint16_t w");
        assert_eq!(
            C::Ptr {
                to: Box::new(C::Array(Box::new(C::Base("ULONG".into())), 4)),
                to_const: false
            }
            .declare("pa"),
            "ULONG (*pa)[4]"
        );
    }

    #[test]
    fn function_types_and_pointers_to_them() {
        let f = |system| C::Fn {
            ret: Box::new(C::Base("ULONG".into())),
            params: vec![
                ("lpvContext".into(), C::Base("LPVOID".into())),
                (String::new(), C::Base("ULONG".into())),
            ],
            system,
        };
        let to = |f: C| C::Ptr {
            to: Box::new(f),
            to_const: false,
        };
        // A typedef of a stdcall function type, as Microsoft's headers declare it.
        assert_eq!(
            f(true).declare("NOTIFCALLBACK"),
            "ULONG (STDMETHODCALLTYPE NOTIFCALLBACK)(LPVOID lpvContext, ULONG)"
        );
        assert_eq!(
            f(false).declare("CALLBACK"),
            "ULONG CALLBACK(LPVOID lpvContext, ULONG)"
        );
        assert_eq!(
            to(f(true)).declare("lpfn"),
            "ULONG (STDMETHODCALLTYPE *lpfn)(LPVOID lpvContext, ULONG)"
        );
        assert_eq!(
            to(f(false)).declare("lpfn"),
            "ULONG (*lpfn)(LPVOID lpvContext, ULONG)"
        );
        let none = C::Fn {
            ret: Box::new(C::Base("void".into())),
            params: Vec::new(),
            system: false,
        };
        assert_eq!(to(to(none)).declare("pp"), "void (**pp)(void)");
    }
}
