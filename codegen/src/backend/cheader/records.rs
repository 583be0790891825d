//! The umbrella header's declarations, from the headers' C-typed records for x86_64
//! ([`Model::header_declarations`]): each struct, union and typedef as Microsoft declares
//! it, each enum as its integer type with its enumerators as constants.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::ctype::{c_name, from_ir, member_name, primitive, C};
use crate::error::{Error, Result};
use crate::ir::{CType, Declaration, DeclarationKind, Field, Model};

/// One C declaration of the header, by the name it declares.
pub enum Decl {
    Record {
        union: bool,
        fields: Vec<(String, C)>,
    },
    /// A struct declared and never defined: only its forward declaration.
    Opaque,
    Typedef(C),
    /// An enumerator: the enum's name and the value as a literal of its integer type.
    Const {
        ty: C,
        value: String,
    },
}

/// The declarations of `records` outside the headers lowered from IDL (`idl`), in the
/// headers' order, an enum's enumerators after it. A name C spells itself (`wchar_t`) is
/// left out.
pub fn declarations(records: &[Declaration], idl: &BTreeSet<&str>) -> Result<Vec<(String, Decl)>> {
    let mut out = Vec::new();
    for d in records.iter().filter(|d| !idl.contains(d.header.as_str())) {
        if c_name(&d.name) != d.name {
            continue;
        }
        let decl = match &d.kind {
            DeclarationKind::Struct { fields } => record(false, fields),
            DeclarationKind::Union { fields } => record(true, fields),
            DeclarationKind::Opaque => Decl::Opaque,
            DeclarationKind::Typedef(ty) => Decl::Typedef(with_names(from_ir(ty), &d.params)),
            DeclarationKind::Enum { ty, constants } => {
                let prim = match ty {
                    CType::Prim(p) => *p,
                    other => {
                        return Err(Error::msg(format!(
                            "internal error: enum `{}` has the integer type `{other}`",
                            d.name
                        )))
                    }
                };
                out.push((d.name.clone(), Decl::Typedef(from_ir(ty))));
                for (name, value) in constants {
                    let ty = C::Base(d.name.clone());
                    let value = literal(prim, *value);
                    out.push((name.clone(), Decl::Const { ty, value }));
                }
                continue;
            }
        };
        out.push((d.name.clone(), decl));
    }
    Ok(out)
}

fn record(union: bool, fields: &[Field]) -> Decl {
    let fields = fields
        .iter()
        .map(|f| {
            let ty = unnamed(from_ir(&f.ty));
            let ty = match f.array_len {
                Some(n) => C::Array(Box::new(ty), n),
                None => ty,
            };
            (member_name(&f.name), ty)
        })
        .collect();
    Decl::Record { union, fields }
}

/// `ty` with the parameters of its function type (itself or behind pointers) named
/// `names`, as the typedef names them (an empty name leaves one unnamed).
fn with_names(ty: C, names: &[String]) -> C {
    match ty {
        C::Ptr { to, to_const } => C::Ptr {
            to: Box::new(with_names(*to, names)),
            to_const,
        },
        C::Fn {
            ret,
            params,
            system,
        } => C::Fn {
            ret,
            params: params
                .into_iter()
                .enumerate()
                .map(|(i, (_, t))| {
                    let name = names.get(i).map_or("", String::as_str);
                    let name = if name.is_empty() {
                        String::new()
                    } else {
                        member_name(name)
                    };
                    (name, t)
                })
                .collect(),
            system,
        },
        other => other,
    }
}

/// `ty` with the parameters of its function types unnamed, as a member's function
/// pointer declares them.
fn unnamed(ty: C) -> C {
    with_names(ty, &[])
}

/// In `decls`' types, a pointer to a name neither they nor `interfaces` declare (an
/// interface the bindings do not carry, `IStream *`) points at its tag, which C declares
/// in place: `struct IStream *`.
pub fn tag_undeclared(decls: &mut [(String, Decl)], interfaces: &[&str]) {
    let declared: HashSet<String> = decls
        .iter()
        .map(|(n, _)| n.clone())
        .chain(interfaces.iter().map(|i| i.to_string()))
        .collect();
    let declared: HashSet<&str> = declared.iter().map(String::as_str).collect();
    for (_, d) in decls.iter_mut() {
        match d {
            Decl::Record { fields, .. } => {
                for (_, t) in fields {
                    tag(t, &declared);
                }
            }
            Decl::Typedef(t) => tag(t, &declared),
            Decl::Opaque | Decl::Const { .. } => {}
        }
    }
}

fn tag(ty: &mut C, declared: &HashSet<&str>) {
    match ty {
        C::Ptr { to, .. } => match &mut **to {
            C::Base(n) if !declared.contains(n.as_str()) && !super::is_builtin(n) => {
                *n = format!("struct {n}");
            }
            other => tag(other, declared),
        },
        C::Array(t, _) => tag(t, declared),
        C::Fn { ret, params, .. } => {
            tag(ret, declared);
            for (_, p) in params {
                tag(p, declared);
            }
        }
        C::Base(_) => {}
    }
}

/// What the records' typedefs and enums name, followed down to a Rust integer primitive
/// (`u32`, `i16`, ...).
pub struct Integers<'m>(HashMap<&'m str, &'m CType>);

impl<'m> Integers<'m> {
    pub fn of(records: &'m [Declaration]) -> Self {
        let mut m = HashMap::new();
        for d in records {
            match &d.kind {
                DeclarationKind::Typedef(ty) | DeclarationKind::Enum { ty, .. } => {
                    m.insert(d.name.as_str(), ty);
                }
                _ => {}
            }
        }
        Integers(m)
    }

    /// The integer primitive `ty` (a primitive or a name) is, if any.
    pub fn integer<'a>(&'a self, ty: &'a str) -> Option<&'a str> {
        let mut t = ty;
        for _ in 0..16 {
            if primitive(t).is_some() {
                return matches!(
                    t,
                    "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64"
                )
                .then_some(t);
            }
            t = match self.0.get(t)? {
                CType::Prim(p) => p,
                CType::Named(n) => n,
                _ => return None,
            };
        }
        None
    }
}

/// A C literal of `v` for the Rust integer type `prim`: hex for unsigned values and
/// negative 32-bit ones (HRESULTs), which the cast to the constant's type makes signed.
pub fn literal(prim: &str, v: i128) -> String {
    match prim {
        "u32" => format!("0x{:08X}", v as u32),
        "i32" if (v as i32) < 0 => format!("0x{:08X}U", v as u32),
        "i32" => format!("0x{:08X}", v as i32),
        "u16" => format!("0x{:04X}", v as u16),
        "u8" => format!("0x{:02X}", v as u8),
        "i16" => format!("{}", v as i16),
        "i8" => format!("{}", v as i8),
        "u64" => format!("0x{:X}ULL", v as u64),
        _ => format!("{}LL", v as i64),
    }
}

/// The records of x86_64, the target whose layouts Linux shares.
pub fn x86_64(model: &Model) -> Result<&[Declaration]> {
    let x64 = model
        .targets
        .iter()
        .find(|t| t.triple.starts_with("x86_64"))
        .ok_or_else(|| {
            Error::msg("the C header for hosts needs an x86_64 target in the manifest")
        })?;
    Ok(model
        .header_declarations
        .get(&x64.name)
        .map_or(&[][..], Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(n: &str) -> CType {
        CType::Named(n.into())
    }

    fn shown(decls: &[(String, Decl)]) -> Vec<String> {
        decls
            .iter()
            .map(|(name, d)| match d {
                Decl::Record { union, fields } => {
                    let fs: Vec<String> = fields.iter().map(|(f, t)| t.declare(f)).collect();
                    format!(
                        "{} {name} {{ {} }}",
                        if *union { "union" } else { "struct" },
                        fs.join("; ")
                    )
                }
                Decl::Opaque => format!("struct {name};"),
                Decl::Typedef(t) => format!("typedef {}", t.declare(name)),
                Decl::Const { ty, value } => {
                    format!("#define {name} (({}){value})", ty.declare(""))
                }
            })
            .collect()
    }

    fn callback(abi: crate::ir::Abi) -> CType {
        CType::Fn {
            abi,
            ret: Box::new(named("LONG")),
            params: vec![named("LPVOID"), named("ULONG")],
        }
    }

    #[test]
    fn records_are_declared_as_the_headers_declare_them() {
        let mut notif = Declaration::typedef(
            "NOTIFCALLBACK",
            "mapidefs.h",
            callback(crate::ir::Abi::System),
        );
        notif.params = vec!["lpvContext".into(), String::new()];
        let lp = Declaration::typedef(
            "LPNOTIFCALLBACK",
            "mapidefs.h",
            CType::Ptr {
                is_const: false,
                to: Box::new(named("NOTIFCALLBACK")),
            },
        );
        let record = Declaration {
            name: "tagEXCEPINFO".into(),
            header: "oaidl.h".into(),
            kind: DeclarationKind::Struct {
                fields: vec![
                    Field::new("type", named("DWORD"), None),
                    Field::new("ab", CType::Prim("u8"), Some(4)),
                    Field::new(
                        "pfn",
                        CType::Ptr {
                            is_const: false,
                            to: Box::new(callback(crate::ir::Abi::C)),
                        },
                        None,
                    ),
                    Field::new(
                        "pStream",
                        CType::Ptr {
                            is_const: false,
                            to: Box::new(named("IStream")),
                        },
                        None,
                    ),
                ],
            },
            params: Vec::new(),
        };
        let kind = Declaration {
            name: "tagTYPEKIND".into(),
            header: "oaidl.h".into(),
            kind: DeclarationKind::Enum {
                ty: CType::Prim("u32"),
                constants: vec![("TKIND_ENUM".into(), 0), ("TKIND_MAX".into(), 8)],
            },
            params: Vec::new(),
        };
        let ours = Declaration::typedef("OURS", "ours.h", CType::Prim("u32"));
        let wchar = Declaration::typedef("wchar_t", "crt.h", CType::Prim("u16"));
        let idl = BTreeSet::from(["ours.h"]);
        let all = [
            notif,
            lp,
            record,
            kind,
            ours,
            wchar,
            Declaration::opaque("HBODY__", "mimeole.h"),
        ];
        let mut decls = declarations(&all, &idl).unwrap();
        tag_undeclared(&mut decls, &["IUnknown"]);
        assert_eq!(
            shown(&decls),
            [
                "typedef LONG (STDMETHODCALLTYPE NOTIFCALLBACK)(LPVOID lpvContext, ULONG)",
                "typedef NOTIFCALLBACK *LPNOTIFCALLBACK",
                "struct tagEXCEPINFO { DWORD type; unsigned char ab[4]; \
                 LONG (*pfn)(LPVOID, ULONG); struct IStream *pStream }",
                "typedef uint32_t tagTYPEKIND",
                "#define TKIND_ENUM ((tagTYPEKIND)0x00000000)",
                "#define TKIND_MAX ((tagTYPEKIND)0x00000008)",
                "struct HBODY__;",
            ]
        );
    }

    #[test]
    fn constants_find_their_integer_type_through_typedefs_and_enums() {
        let records = [
            Declaration::typedef("ULONG", "base", CType::Prim("u32")),
            Declaration::typedef("BOOKMARK", "mapidefs.h", named("ULONG_PTR")),
            Declaration::typedef("ULONG_PTR", "base", CType::Prim("u64")),
            Declaration::typedef(
                "LPVOID",
                "base",
                CType::Ptr {
                    is_const: false,
                    to: Box::new(CType::Void),
                },
            ),
        ];
        let ints = Integers::of(&records);
        assert_eq!(ints.integer("ULONG"), Some("u32"));
        assert_eq!(ints.integer("BOOKMARK"), Some("u64"));
        assert_eq!(ints.integer("i16"), Some("i16"));
        assert_eq!(ints.integer("LPVOID"), None);
        assert_eq!(ints.integer("f64"), None);
        assert_eq!(ints.integer("UNKNOWN"), None);
        assert_eq!(literal("u64", 1), "0x1ULL");
        assert_eq!(literal("i32", -2147467259), "0x80004005U");
    }
}
