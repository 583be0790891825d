//! The type declarations of a parse in C's terms ([`Declaration`]): every complete struct
//! and union with its fields' C types, and every typedef, under the names bindgen gives
//! them (as [`super::layouts`] names them: a record's own name, the typedef's for an
//! anonymous one, `Parent__bindgen_ty_N` for the N-th anonymous record inside another).
//! Interfaces (C++ classes) are left out, and so is what the C types of the IR cannot
//! say: enums (bindgen's constants stand for them), bit-fields, arrays of arrays, and
//! builtin types with no Rust type of Windows' width.
// clang-sys names its constants in C style.
#![allow(non_upper_case_globals)]

use std::collections::HashSet;

use clang_sys::*;

use super::libclang::{Cursor, TranslationUnit, Type};
use super::scan::c_type;
use crate::ir::{header_key, CType, Declaration, DeclarationKind, Field};

/// Every declaration of `tu` the IR's C types can say, first declaration of a name wins.
pub fn collect(tu: &TranslationUnit) -> Vec<Declaration> {
    let mut out = Records::default();
    out.walk(tu.root());
    out.list
}

#[derive(Default)]
struct Records {
    list: Vec<Declaration>,
    names: HashSet<String>,
}

impl Records {
    fn push(&mut self, d: Declaration) {
        if self.names.insert(d.name.clone()) {
            self.list.push(d);
        }
    }

    fn walk(&mut self, cursor: Cursor<'_>) {
        for c in cursor.children() {
            match c.kind() {
                CXCursor_LinkageSpec | CXCursor_Namespace | CXCursor_UnexposedDecl => self.walk(c),
                CXCursor_StructDecl | CXCursor_UnionDecl
                    if c.is_definition() && !is_unnamed(&c) =>
                {
                    self.record(&c, c.spelling());
                }
                CXCursor_TypedefDecl => self.typedef(&c),
                _ => {}
            }
        }
    }

    /// `typedef struct { ... } NAME;` declares the record as NAME (and no typedef, as
    /// bindgen does); any other typedef is one.
    fn typedef(&mut self, c: &Cursor<'_>) {
        let name = c.spelling();
        let underlying = c.typedef_underlying();
        let decl = underlying.declaration();
        let record = matches!(decl.kind(), CXCursor_StructDecl | CXCursor_UnionDecl);
        if record && decl.is_definition() && is_unnamed(&decl) {
            self.record(&decl, name);
            return;
        }
        if decl.kind() == CXCursor_EnumDecl && is_unnamed(&decl) {
            return;
        }
        if let Ok(ty) = c_type(underlying, &HashSet::new()) {
            self.push(Declaration::typedef(name, header_key(&c.file_name()), ty));
        }
    }

    /// One record named `name`, after the anonymous records inside it, each named as
    /// bindgen names it; nothing if a field cannot be said.
    fn record(&mut self, c: &Cursor<'_>, name: String) {
        let mut fields = Vec::new();
        let mut anonymous = 0;
        let mut ok = true;
        for child in c.children() {
            match child.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl if child.is_definition() => {
                    if is_unnamed(&child) {
                        anonymous += 1;
                        self.record(&child, format!("{name}__bindgen_ty_{anonymous}"));
                    } else {
                        self.record(&child, child.spelling());
                    }
                }
                CXCursor_FieldDecl => match field(&child, &name, anonymous) {
                    Some(f) => fields.push(f),
                    None => ok = false,
                },
                _ => {}
            }
        }
        if !ok {
            return;
        }
        let kind = if c.kind() == CXCursor_UnionDecl {
            DeclarationKind::Union { fields }
        } else {
            DeclarationKind::Struct { fields }
        };
        self.push(Declaration {
            name,
            header: header_key(&c.file_name()),
            kind,
        });
    }
}

/// One field of record `parent`, whose latest anonymous record is its `anonymous`-th;
/// `None` for a bit-field or a type the IR cannot say.
fn field(c: &Cursor<'_>, parent: &str, anonymous: usize) -> Option<Field> {
    if c.is_bit_field() {
        return None;
    }
    let ty = c.ty();
    let (element, array_len) = match ty.kind() {
        CXType_ConstantArray => (ty.element(), Some(ty.array_size()?)),
        _ => (ty, None),
    };
    if element.kind() == CXType_ConstantArray {
        return None;
    }
    let ty = if is_anonymous_record(element) {
        CType::Named(format!("{parent}__bindgen_ty_{anonymous}"))
    } else {
        c_type(element, &HashSet::new()).ok()?
    };
    Some(Field {
        name: c.spelling(),
        ty,
        array_len,
    })
}

/// Whether a field's type is a record without a name (declared in place).
fn is_anonymous_record(ty: Type<'_>) -> bool {
    let ty = if ty.kind() == CXType_Elaborated {
        ty.named()
    } else {
        ty
    };
    ty.kind() == CXType_Record && is_unnamed(&ty.declaration())
}

/// Whether a record or enum has no name of its own (clang spells those
/// `(unnamed struct at ...)` or `(anonymous ...)`, older versions as nothing).
fn is_unnamed(c: &Cursor<'_>) -> bool {
    let s = c.spelling();
    s.is_empty() || s.contains("(unnamed") || s.contains("(anonymous")
}
