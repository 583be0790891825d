//! C types for the umbrella header: the Rust types of the bindings (bindgen's, after our
//! fixups) and the IR's method types, translated back to C declarators mechanically.
//!
//! * `*mut T` is `T *`, `*const T` is `const T *`;
//! * `[T; N]` is an array of `N`;
//! * `Option<unsafe extern "system" fn(..) -> R>` (or the bare `fn`) is a function
//!   pointer;
//! * `Ptr<IFoo>` (any path ending in `Ptr` with one type argument: the typed interface
//!   pointer) is `IFoo *`, `*mut c_void` stays `void *`;
//! * Rust's primitives are C's with Windows' widths: `u32` is `uint32_t`, `i8` is `char`,
//!   `i64` is `long long`.

use crate::error::{Error, Result};
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
                    C::Fn { system, .. } => {
                        let cc = if *system { "STDMETHODCALLTYPE " } else { "" };
                        to.declare(&format!("({cc}{inner})"))
                    }
                    C::Array(..) => to.declare(&format!("({inner})")),
                }
            }
            C::Array(t, n) => t.declare(&format!("{name}[{n}]")),
            C::Fn { ret, params, .. } => {
                let ps = params_list(params);
                ret.declare(&format!("{name}({ps})"))
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

/// Translates a Rust type of the bindings.
pub fn from_rust(ty: &syn::Type) -> Result<C> {
    let shown = || {
        let t = quote::quote!(#ty).to_string();
        Error::msg(format!(
            "internal error: the C header cannot spell the Rust type `{t}`"
        ))
    };
    Ok(match ty {
        syn::Type::Ptr(p) => C::Ptr {
            to: Box::new(from_rust(&p.elem)?),
            to_const: p.const_token.is_some(),
        },
        syn::Type::Array(a) => {
            let len = match &a.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse::<u64>().map_err(|_| shown())?,
                _ => return Err(shown()),
            };
            C::Array(Box::new(from_rust(&a.elem)?), len)
        }
        syn::Type::Paren(p) => from_rust(&p.elem)?,
        syn::Type::Group(g) => from_rust(&g.elem)?,
        syn::Type::Tuple(t) if t.elems.is_empty() => C::Base("void".into()),
        syn::Type::BareFn(f) => C::Ptr {
            to: Box::new(bare_fn(f)?),
            to_const: false,
        },
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last().ok_or_else(shown)?;
            let name = last.ident.to_string();
            let arg = match &last.arguments {
                syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                },
                syn::PathArguments::None => None,
                _ => return Err(shown()),
            };
            match (name.as_str(), arg) {
                // `Option<fn>` is the nullable function pointer.
                ("Option", Some(syn::Type::BareFn(f))) => C::Ptr {
                    to: Box::new(bare_fn(f)?),
                    to_const: false,
                },
                ("InterfacePtr" | "Ptr", Some(t)) => C::Ptr {
                    to: Box::new(from_rust(t)?),
                    to_const: false,
                },
                (_, Some(_)) => return Err(shown()),
                (n, None) => C::Base(primitive(n).map_or_else(|| c_name(n), str::to_string)),
            }
        }
        _ => return Err(shown()),
    })
}

fn bare_fn(f: &syn::TypeBareFn) -> Result<C> {
    let system = f
        .abi
        .as_ref()
        .and_then(|a| a.name.as_ref())
        .is_some_and(|n| matches!(n.value().as_str(), "system" | "stdcall"));
    let mut params = Vec::new();
    for (i, a) in f.inputs.iter().enumerate() {
        let name = match &a.name {
            Some((n, _)) if n != "_" => member_name(&n.to_string()),
            _ => format!("p{}", i + 1),
        };
        params.push((name, from_rust(&a.ty)?));
    }
    let ret = match &f.output {
        syn::ReturnType::Default => C::Base("void".into()),
        syn::ReturnType::Type(_, t) => from_rust(t)?,
    };
    Ok(C::Fn {
        ret: Box::new(ret),
        params,
        system,
    })
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

    fn c(rust: &str, name: &str) -> String {
        from_rust(&syn::parse_str(rust).unwrap())
            .unwrap()
            .declare(name)
    }

    #[test]
    fn declarators() {
        assert_eq!(c("*mut ::core::ffi::c_void", "p"), "void *p");
        assert_eq!(c("*const WCHAR", "s"), "const WCHAR *s");
        assert_eq!(c("*mut *const ULONG", "pp"), "const ULONG **pp");
        assert_eq!(c("*const *mut ULONG", "pp"), "ULONG *const *pp");
        assert_eq!(c("[BYTE; 16usize]", "ab"), "BYTE ab[16]");
        assert_eq!(c("[[u16; 2usize]; 3usize]", "m"), "uint16_t m[3][2]");
        assert_eq!(
            c("super::com::Ptr<IMAPITable>", "lpTable"),
            "IMAPITable *lpTable"
        );
        assert_eq!(c("Ptr<IMsgStore>", ""), "IMsgStore *");
        assert_eq!(c("InterfacePtr<IMsgStore>", "lpMDB"), "IMsgStore *lpMDB");
        assert_eq!(c("*mut Ptr<IMsgStore>", "lppMDB"), "IMsgStore **lppMDB");
        assert_eq!(c("i8", "c"), "char c");
        assert_eq!(c("u64", "q"), "unsigned long long q");
        assert_eq!(c("wchar_t", "w"), "uint16_t w");
        assert_eq!(
            c(
                "::core::option::Option<unsafe extern \"system\" fn(lpvContext: LPVOID, \
                 cNotif: ULONG) -> ULONG>",
                "LPNOTIFCALLBACK"
            ),
            "ULONG (STDMETHODCALLTYPE *LPNOTIFCALLBACK)(LPVOID lpvContext, ULONG cNotif)"
        );
        assert_eq!(
            c(
                "*mut ::core::option::Option<unsafe extern \"C\" fn()>",
                "pp"
            ),
            "void (**pp)(void)"
        );
        assert_eq!(c("*mut [ULONG; 4usize]", "pa"), "ULONG (*pa)[4]");
    }
}
