//! The scan: what bindgen loses, read straight from libclang's cursors.
//!
//! The headers are parsed as C++ (where `DECLARE_MAPI_INTERFACE_` gives a class deriving
//! from its base) with a detailed preprocessing record, which yields interfaces with
//! their base, method order, parameter names and calling conventions; GUID values from
//! `DEFINE_GUID` / `DEFINE_OLEGUID` invocations; and which header declares each name.
// clang-sys names its constants in C style.
#![allow(non_upper_case_globals)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use clang_sys::*;

use super::libclang::{Cursor, TranslationUnit, Type};
use crate::cint;
use crate::error::Result;
use crate::ir::{header_key, Abi, CType, DefinedGuid, Guid, Interface, Method, Param, Unsupported};

/// What the scan found in one parse.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every class with virtual methods, by name.
    pub interfaces: BTreeMap<String, Interface>,
    /// GUIDs by name, with the header key of their definition.
    pub guids: BTreeMap<String, DefinedGuid>,
    /// Where each name is declared, first declaration wins.
    pub decls: BTreeMap<String, Declared>,
    /// Object-like macros, in source order.
    pub macros: Vec<Macro>,
    /// The record layouts of the parse's target ([`super::layouts`]).
    pub layouts: super::layouts::Layouts,
    /// The parse's type declarations in C's terms ([`super::records`]).
    pub declarations: Vec<crate::ir::Declaration>,
    /// Structs and unions the MAPI headers name without their tag (`RTF_WCSINFO *p` after
    /// `struct RTF_WCSINFO {...};`), which only C++ accepts: name to keyword (`struct`,
    /// `union`). A C parse declares each first (`typedef struct X X;`), as C++ does.
    pub tagless: BTreeMap<String, &'static str>,
}

/// An object-like macro.
#[derive(Debug, Clone)]
pub struct Macro {
    pub name: String,
    /// The key of the header that defines it.
    pub header: String,
    /// Its body's tokens.
    pub tokens: Vec<String>,
}

/// Where a name is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The header's key (`mapidefs.h`).
    pub header: String,
    pub line: u32,
}

/// Walks a parsed C++ translation unit. `mapi_dir` is the MAPI header folder: only
/// declarations in files under it are searched for tag-less uses of records.
pub fn scan(tu: &TranslationUnit, mapi_dir: &Path) -> Result<Scan> {
    let mut facts = Scan::default();
    let mut classes = Vec::new();
    let mut typedefs = HashSet::new();
    walk(
        tu,
        tu.root(),
        &mut facts,
        &mut classes,
        &mut typedefs,
        mapi_dir,
    )?;
    let names: HashSet<String> = classes
        .iter()
        .filter(|c: &&Cursor<'_>| is_interface(c))
        .map(|c| c.spelling())
        .collect();
    // An interface or a name also typedef'd needs no C declaration of its own.
    facts
        .tagless
        .retain(|name, _| !names.contains(name) && !typedefs.contains(name));
    for class in classes {
        if !is_interface(&class) {
            continue;
        }
        let iface = interface(&class, &names)?;
        facts.interfaces.entry(iface.name.clone()).or_insert(iface);
    }
    Ok(facts)
}

fn walk<'tu>(
    tu: &'tu TranslationUnit,
    cursor: Cursor<'tu>,
    facts: &mut Scan,
    classes: &mut Vec<Cursor<'tu>>,
    typedefs: &mut HashSet<String>,
    mapi_dir: &Path,
) -> Result<()> {
    for c in cursor.children() {
        let kind = c.kind();
        if matches!(
            kind,
            CXCursor_FunctionDecl
                | CXCursor_VarDecl
                | CXCursor_StructDecl
                | CXCursor_ClassDecl
                | CXCursor_UnionDecl
                | CXCursor_TypedefDecl
        ) && Path::new(&c.location().0).starts_with(mapi_dir)
        {
            find_tagless(c, &mut facts.tagless);
        }
        if kind == CXCursor_TypedefDecl {
            typedefs.insert(c.spelling());
        }
        match kind {
            CXCursor_LinkageSpec | CXCursor_Namespace | CXCursor_UnexposedDecl => {
                walk(tu, c, facts, classes, typedefs, mapi_dir)?
            }
            CXCursor_StructDecl | CXCursor_ClassDecl | CXCursor_UnionDecl | CXCursor_EnumDecl
            | CXCursor_TypedefDecl => {
                let name = c.spelling();
                if !name.is_empty() {
                    facts.decls.entry(name).or_insert_with(|| declared(&c));
                }
                if kind == CXCursor_EnumDecl {
                    for e in c.children() {
                        facts
                            .decls
                            .entry(e.spelling())
                            .or_insert_with(|| declared(&c));
                    }
                }
                if matches!(kind, CXCursor_StructDecl | CXCursor_ClassDecl) && c.is_definition() {
                    classes.push(c);
                }
            }
            CXCursor_MacroDefinition if !c.is_function_like_macro() => {
                let mut tokens = tu.tokens(c);
                if !tokens.is_empty() {
                    tokens.remove(0);
                }
                facts.macros.push(Macro {
                    name: c.spelling(),
                    header: header_key(&c.file_name()),
                    tokens,
                });
            }
            CXCursor_MacroExpansion => {
                let name = c.spelling();
                if name == "DEFINE_GUID" || name == "DEFINE_OLEGUID" || name == "__CRT_UUID_DECL" {
                    if let Some((id, value)) = parse_guid_macro(&tu.tokens(c)) {
                        facts.guids.entry(id).or_insert(DefinedGuid {
                            value,
                            header: header_key(&c.file_name()),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Records every struct or union that `c` or a declaration inside it names without its
/// tag: a record type whose spelling lacks the `struct`/`union` keyword.
fn find_tagless(c: Cursor<'_>, found: &mut BTreeMap<String, &'static str>) {
    let ty = match c.kind() {
        CXCursor_TypedefDecl => Some(c.typedef_underlying()),
        CXCursor_FunctionDecl | CXCursor_CXXMethod => Some(c.result_type()),
        CXCursor_ParmDecl | CXCursor_FieldDecl | CXCursor_VarDecl => Some(c.ty()),
        _ => None,
    };
    if let Some(ty) = ty {
        tagless_in(ty, found, 0);
    }
    for child in c.children() {
        if matches!(
            child.kind(),
            CXCursor_ParmDecl
                | CXCursor_FieldDecl
                | CXCursor_CXXMethod
                | CXCursor_StructDecl
                | CXCursor_UnionDecl
                | CXCursor_TypedefDecl
        ) {
            find_tagless(child, found);
        }
    }
}

fn tagless_in(ty: Type<'_>, found: &mut BTreeMap<String, &'static str>, depth: usize) {
    if depth > 16 {
        return;
    }
    match ty.kind() {
        CXType_Pointer | CXType_LValueReference => tagless_in(ty.pointee(), found, depth + 1),
        CXType_ConstantArray | CXType_IncompleteArray => tagless_in(ty.element(), found, depth + 1),
        CXType_FunctionProto => {
            tagless_in(ty.result(), found, depth + 1);
            for a in ty.args() {
                tagless_in(a, found, depth + 1);
            }
        }
        CXType_Attributed => tagless_in(ty.modified(), found, depth + 1),
        CXType_Record | CXType_Elaborated => {
            let decl = ty.declaration();
            let keyword = match decl.kind() {
                CXCursor_StructDecl => "struct",
                CXCursor_UnionDecl => "union",
                _ => return,
            };
            let name = decl.spelling();
            let spelled = ty.spelling();
            let bare = spelled
                .trim_start_matches("const ")
                .trim_start_matches("volatile ");
            if !name.is_empty() && bare == name {
                found.entry(name).or_insert(keyword);
            }
        }
        _ => {}
    }
}

fn declared(c: &Cursor<'_>) -> Declared {
    Declared {
        header: header_key(&c.file_name()),
        line: c.location().1,
    }
}

/// A class is a COM interface when it has virtual methods and no data.
fn is_interface(c: &Cursor<'_>) -> bool {
    let children = c.children();
    children
        .iter()
        .any(|m| m.kind() == CXCursor_CXXMethod && m.is_virtual_method())
        && !children.iter().any(|m| m.kind() == CXCursor_FieldDecl)
}

fn interface(class: &Cursor<'_>, interfaces: &HashSet<String>) -> Result<Interface> {
    let name = class.spelling();
    let (_, line) = class.location();
    let mut base = None;
    let mut methods = Vec::new();
    let mut unsupported = None;
    for c in class.children() {
        match c.kind() {
            CXCursor_CXXBaseSpecifier => {
                let decl = c.ty().declaration();
                let b = decl.spelling();
                base = Some(if b.is_empty() { c.ty().spelling() } else { b });
            }
            CXCursor_CXXMethod if c.is_virtual_method() => match method(&name, &c, interfaces) {
                Ok(m) => methods.push(m),
                Err(what) => {
                    let (file, line) = c.location();
                    unsupported.get_or_insert(Unsupported { file, line, what });
                }
            },
            _ => {}
        }
    }
    Ok(Interface {
        name,
        base,
        iid: None,
        header: header_key(&class.file_name()),
        line,
        methods,
        unsupported,
    })
}

/// One virtual method, or why it cannot be emitted.
fn method(iface: &str, m: &Cursor<'_>, interfaces: &HashSet<String>) -> Result<Method, String> {
    let name = m.spelling();
    let at = |what: String| format!("`{iface}::{name}`: {what}");
    let abi = match m.ty().calling_conv() {
        CXCallingConv_X86StdCall => Abi::System,
        CXCallingConv_C => Abi::C,
        other => return Err(at(format!("unsupported calling convention {other}"))),
    };
    let ret = c_type(m.result_type(), interfaces).map_err(|e| at(format!("return type: {e}")))?;
    let mut params = Vec::new();
    for (i, p) in m
        .children()
        .into_iter()
        .filter(|p| p.kind() == CXCursor_ParmDecl)
        .enumerate()
    {
        let mut pname = p.spelling();
        if pname.is_empty() {
            pname = format!("param{i}");
        }
        let ty = c_type(p.ty(), interfaces).map_err(|e| at(format!("parameter `{pname}`: {e}")))?;
        params.push(Param { name: pname, ty });
    }
    Ok(Method {
        name,
        abi,
        ret,
        params,
    })
}

/// Maps a clang type onto the IR, keeping typedef names (bindgen declares them).
pub fn c_type(ty: Type<'_>, interfaces: &HashSet<String>) -> Result<CType, String> {
    Ok(match ty.kind() {
        CXType_Elaborated => return c_type(ty.named(), interfaces),
        CXType_Typedef => {
            let name = ty.typedef_name();
            if interfaces.contains(&name) {
                CType::Interface(name)
            } else {
                CType::Named(name)
            }
        }
        CXType_Pointer | CXType_LValueReference => {
            let to = ty.pointee();
            CType::Ptr {
                is_const: to.is_const(),
                to: Box::new(c_type(to, interfaces)?),
            }
        }
        CXType_Record | CXType_Enum => {
            let name = ty.declaration().spelling();
            if interfaces.contains(&name) {
                CType::Interface(name)
            } else {
                CType::Named(name)
            }
        }
        CXType_Void => CType::Void,
        CXType_Attributed => return c_type(ty.modified(), interfaces),
        CXType_Unexposed => return c_type(ty.canonical(), interfaces),
        CXType_FunctionProto | CXType_FunctionNoProto => {
            let abi = match ty.calling_conv() {
                CXCallingConv_X86StdCall => Abi::System,
                _ => Abi::C,
            };
            let params = ty
                .args()
                .into_iter()
                .map(|a| c_type(a, interfaces))
                .collect::<Result<Vec<_>, _>>()?;
            CType::Fn {
                abi,
                ret: Box::new(c_type(ty.result(), interfaces)?),
                params,
            }
        }
        k => CType::Prim(primitive(k).ok_or_else(|| {
            format!(
                "the C type `{}` has no Rust type with Windows' width in the bindings",
                ty.spelling()
            )
        })?),
    })
}

/// Builtin C types with Windows' widths (`long` is 32 bits there).
pub fn primitive(kind: CXTypeKind) -> Option<&'static str> {
    Some(match kind {
        CXType_Bool => "bool",
        CXType_Char_S | CXType_SChar => "i8",
        CXType_Char_U | CXType_UChar => "u8",
        CXType_Short => "i16",
        CXType_UShort | CXType_WChar | CXType_Char16 => "u16",
        CXType_Int | CXType_Long => "i32",
        CXType_UInt | CXType_ULong | CXType_Char32 => "u32",
        CXType_LongLong => "i64",
        CXType_ULongLong => "u64",
        CXType_Float => "f32",
        CXType_Double => "f64",
        _ => return None,
    })
}

/// `DEFINE_GUID(name, l, w1, w2, b1..b8)` or `DEFINE_OLEGUID(name, l, w1, w2)`.
fn parse_guid_macro(tokens: &[String]) -> Option<(String, Guid)> {
    let ole = tokens.first()? == "DEFINE_OLEGUID";
    // `__CRT_UUID_DECL(IFoo, ...)` names the interface, not the IID.
    let uuid_decl = tokens.first()? == "__CRT_UUID_DECL";
    if tokens.get(1)? != "(" {
        return None;
    }
    let mut args: Vec<&str> = Vec::new();
    for t in &tokens[2..] {
        match t.as_str() {
            "," => {}
            ")" => break,
            t => args.push(t),
        }
    }
    let name = if uuid_decl {
        format!("IID_{}", args.first()?)
    } else {
        args.first()?.to_string()
    };
    let nums: Vec<u64> = args[1..]
        .iter()
        .map(|a| cint::parse(a))
        .collect::<Option<Vec<_>>>()?;
    let mut data4 = [0u8; 8];
    if ole {
        if nums.len() != 3 {
            return None;
        }
        data4 = [0xC0, 0, 0, 0, 0, 0, 0, 0x46];
    } else {
        if nums.len() != 11 {
            return None;
        }
        for (d, n) in data4.iter_mut().zip(&nums[3..]) {
            *d = u8::try_from(*n).ok()?;
        }
    }
    Some((
        name,
        Guid {
            data1: u32::try_from(nums[0]).ok()?,
            data2: u16::try_from(nums[1]).ok()?,
            data3: u16::try_from(nums[2]).ok()?,
            data4,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn ole_guid() {
        let (n, g) = parse_guid_macro(&toks(
            "DEFINE_OLEGUID ( IID_IMsgStore , 0x00020306 , 0 , 0 )",
        ))
        .unwrap();
        assert_eq!(n, "IID_IMsgStore");
        assert_eq!(g.to_string(), "{00020306-0000-0000-C000-000000000046}");
    }

    #[test]
    fn full_guid() {
        let t = toks("DEFINE_GUID ( IID_X , 0x5024A385 , 0x2D44 , 0x486A , 0x81 , 0xA8 , 0x8F , 0x0E , 0xCB , 0x60 , 0x71 , 0xDD )");
        let (_, g) = parse_guid_macro(&t).unwrap();
        assert_eq!(g.to_string(), "{5024A385-2D44-486A-81A8-8F0ECB6071DD}");
    }

    #[test]
    fn ints() {
        assert_eq!(cint::parse("0x10FUL"), Some(0x10f));
        assert_eq!(cint::parse("017"), Some(15));
        assert_eq!(cint::parse("0"), Some(0));
        assert_eq!(cint::parse("x"), None);
    }
}
