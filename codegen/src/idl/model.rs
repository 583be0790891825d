//! The IDL-only path's front end: one provider IDL file as the [`Model`] the back end
//! reads, without libclang. The MAPI types the file names but does not define are the
//! bindings' (the generated module uses them), so only the file's own declarations are
//! in the model, each in C's terms ([`Declaration`]).

use std::collections::{BTreeMap, HashSet};

use super::{builtin_rust_type, notes, Declarator, IdlFile, InterfaceDef, Item};
use crate::error::{Error, Result};
use crate::ir::{
    self, Abi, CType, Constant, Declaration, DeclarationKind, Header, Interface, Model, Package,
};

/// The file's name as banners show it (`mystore.idl`).
pub fn shown_name(file: &IdlFile) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.path.display().to_string())
}

/// The key of the file's module in the model (`mystore.h`).
pub fn header_key(file: &IdlFile) -> String {
    ir::header_key(&shown_name(file))
}

/// The model of one IDL file, as the back end reads it.
pub fn model(file: &IdlFile) -> Result<Model> {
    let mut m = FileModel::new(file);
    for item in &file.items {
        m.item(item)?;
    }
    // The bindings' integer typedefs, for the constants' types (not emitted: they are
    // another header's).
    for &(name, prim) in WINDOWS_INTEGERS {
        m.declarations.push(Declaration::typedef(
            name,
            "windows types",
            CType::Prim(prim),
        ));
    }
    let shown = shown_name(file);
    Ok(Model {
        package: Package {
            source: shown.clone(),
            base_module: String::new(),
            modules: vec![m.key.clone()],
            ..Package::default()
        },
        targets: Vec::new(),
        headers: vec![Header {
            key: m.key.clone(),
            shown,
            lowered: Some(String::new()),
        }],
        interfaces: m.interfaces,
        constants: m.constants,
        guids: BTreeMap::new(),
        declarations: m.declarations,
        items: Vec::new(),
        corrected: Vec::new(),
        header_declarations: BTreeMap::new(),
        layouts: BTreeMap::new(),
        notes: notes(&[file]),
    })
}

/// The model of one file, as its items are read.
struct FileModel<'f> {
    file: &'f IdlFile,
    key: String,
    /// The interfaces the file names: its own, the forward-declared ones (the bindings')
    /// and IUnknown.
    interfaces_named: HashSet<String>,
    /// The struct and enum tags the file defines.
    defined: HashSet<String>,
    interfaces: Vec<Interface>,
    declarations: Vec<Declaration>,
    constants: BTreeMap<String, Constant>,
}

impl<'f> FileModel<'f> {
    fn new(file: &'f IdlFile) -> Self {
        let key = header_key(file);
        let mut interfaces_named: HashSet<String> = HashSet::from(["IUnknown".to_string()]);
        for item in &file.items {
            match item {
                Item::Interface(i) => {
                    interfaces_named.insert(i.name.clone());
                }
                Item::ForwardInterface(n) => {
                    interfaces_named.insert(n.clone());
                }
                _ => {}
            }
        }
        let defined = file
            .items
            .iter()
            .flat_map(|item| match item {
                Item::Struct(s) => s.tag.iter().cloned().collect::<Vec<_>>(),
                Item::Enum(e) => e.tag.iter().cloned().collect(),
                _ => Vec::new(),
            })
            .collect();
        FileModel {
            file,
            interfaces: vec![iunknown(&key)],
            key,
            interfaces_named,
            defined,
            declarations: Vec::new(),
            constants: BTreeMap::new(),
        }
    }

    /// An IDL type in the model's terms.
    fn ty(&self, t: &super::CType) -> CType {
        c_type(t, &self.interfaces_named)
    }

    fn item(&mut self, item: &Item) -> Result<()> {
        match item {
            Item::Interface(i) => {
                let i = self.interface(i);
                self.interfaces.push(i);
            }
            Item::Const(c) => {
                if !c.ty.pointers.is_empty() {
                    return Err(Error::msg(format!(
                        "{}:{}: constant `{}` has a pointer type",
                        self.file.path.display(),
                        c.line,
                        c.name
                    )));
                }
                let n = c.ty.name.as_str();
                let ty = builtin_rust_type(n).unwrap_or(n).to_string();
                self.constant(&c.name, i128::from(c.value), ty);
            }
            Item::Struct(s) => {
                let name = s.bindings_name().unwrap_or_default().to_string();
                let fields = s
                    .fields
                    .iter()
                    .map(|f| ir::Field {
                        name: f.name.clone(),
                        ty: self.ty(&f.ty),
                        array_len: f.array_len,
                        params: Vec::new(),
                    })
                    .collect();
                self.declare(&name, DeclarationKind::Struct { fields });
                self.aliases(&name, &s.names);
            }
            Item::Enum(e) => {
                let name = e.bindings_name().unwrap_or_default().to_string();
                self.declare(&name, DeclarationKind::Typedef(CType::Prim("i32")));
                self.aliases(&name, &e.names);
                for v in &e.variants {
                    self.constant(&v.name, i128::from(v.value as i32), name.clone());
                }
            }
            Item::Typedef(a) => {
                // `typedef struct TAG *NAME;` of a struct this file does not define, or a
                // pointer to an interface it does not define: the MAPI bindings' own.
                let tag = a.ty.name.strip_prefix("struct ");
                let foreign_struct = tag.is_some_and(|t| !self.defined.contains(t));
                let foreign_interface = self.interfaces_named.contains(&a.ty.name)
                    && !self.file.interfaces().any(|i| i.name == a.ty.name);
                if !foreign_struct && !foreign_interface {
                    let ty = self.ty(&a.ty);
                    self.declare(&a.name, DeclarationKind::Typedef(ty));
                }
            }
            Item::CppQuote(..) | Item::ForwardInterface(_) => {}
        }
        Ok(())
    }

    fn declare(&mut self, name: &str, kind: DeclarationKind) {
        self.declarations.push(Declaration {
            name: name.to_string(),
            header: self.key.clone(),
            kind,
            params: Vec::new(),
        });
    }

    fn constant(&mut self, name: &str, value: i128, ty: String) {
        self.constants.insert(
            name.to_string(),
            Constant {
                name: name.to_string(),
                value,
                ty,
                header: self.key.clone(),
            },
        );
    }

    /// The typedef names of a struct or enum other than `name`, as aliases of it
    /// (`*PName` a pointer to it).
    fn aliases(&mut self, name: &str, names: &[Declarator]) {
        for d in names.iter().filter(|d| d.name != name) {
            let ty = pointer_to(CType::Named(name.to_string()), d.pointers.len());
            self.declare(&d.name, DeclarationKind::Typedef(ty));
        }
    }

    fn interface(&self, i: &InterfaceDef) -> Interface {
        // A base the file does not define is the bindings' (the parser allowed it only
        // forward-declared): the back end chains its IIDs at compile time.
        let base = i.base.clone().unwrap_or_else(|| "IUnknown".into());
        Interface {
            name: i.name.clone(),
            base: Some(base),
            iid: Some(i.uuid),
            header: self.key.clone(),
            line: i.line as u32,
            methods: i
                .methods
                .iter()
                .map(|m| ir::Method {
                    name: m.name.clone(),
                    abi: Abi::System,
                    ret: self.ty(&m.ret),
                    params: m
                        .params
                        .iter()
                        .map(|p| ir::Param {
                            name: p.name.clone(),
                            ty: self.ty(&p.ty),
                        })
                        .collect(),
                })
                .collect(),
            unsupported: None,
        }
    }
}

/// The Windows integer typedefs an IDL constant may have, with their widths (Microsoft's
/// "Windows Data Types").
const WINDOWS_INTEGERS: &[(&str, &str)] = &[
    ("BOOL", "i32"),
    ("BOOLEAN", "u8"),
    ("BYTE", "u8"),
    ("CHAR", "i8"),
    ("DWORD", "u32"),
    ("HRESULT", "i32"),
    ("INT", "i32"),
    ("LONG", "i32"),
    ("LONGLONG", "i64"),
    ("SCODE", "i32"),
    ("SHORT", "i16"),
    ("UINT", "u32"),
    ("ULONG", "u32"),
    ("ULONGLONG", "u64"),
    ("USHORT", "u16"),
    ("WCHAR", "u16"),
    ("WORD", "u16"),
];

/// IUnknown as the model knows it (the bindings declare it; it is not emitted).
fn iunknown(key: &str) -> Interface {
    let def = InterfaceDef::iunknown();
    Interface {
        name: def.name,
        base: None,
        iid: Some(def.uuid),
        header: format!("{key} (IUnknown)"),
        line: 0,
        methods: Vec::new(),
        unsupported: None,
    }
}

/// An IDL type in the model's terms.
fn c_type(t: &super::CType, interfaces: &HashSet<String>) -> CType {
    let name = t
        .name
        .strip_prefix("struct ")
        .or_else(|| t.name.strip_prefix("enum "))
        .unwrap_or(&t.name);
    let mut ty = match name {
        "void" => CType::Void,
        n if interfaces.contains(n) => CType::Interface(n.to_string()),
        n => match builtin_rust_type(n) {
            Some(p) => CType::Prim(p),
            None => CType::Named(n.to_string()),
        },
    };
    // `const` on a level makes the pointer one level up a pointer to const.
    let mut pointee_const = t.is_const;
    for level in &t.pointers {
        ty = CType::Ptr {
            is_const: pointee_const,
            to: Box::new(ty),
        };
        pointee_const = level.is_const;
    }
    ty
}

/// `ty` behind `levels` (non-const) pointers.
fn pointer_to(mut ty: CType, levels: usize) -> CType {
    for _ in 0..levels {
        ty = CType::Ptr {
            is_const: false,
            to: Box::new(ty),
        };
    }
    ty
}
