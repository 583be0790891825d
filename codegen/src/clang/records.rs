//! The type declarations of a parse in C's terms ([`Declaration`]): every complete struct
//! and union with its fields' C types, and every typedef, under the names bindgen gives
//! them (as [`super::layouts`] names them: a record's own name, the typedef's for an
//! anonymous one, `Parent__bindgen_ty_N` for the N-th anonymous record inside another).
//! Enums come with their integer type and enumerators (an anonymous one inside a record
//! as bindgen names it, `Parent__bindgen_ty_N`, numbered after the record's anonymous
//! records). Interfaces (C++ classes) are left out, and so is what the C types of the IR
//! cannot say: bit-fields, arrays of arrays, and builtin types with no Rust type of
//! Windows' width.
// clang-sys names its constants in C style.
#![allow(non_upper_case_globals)]

use std::collections::{HashMap, HashSet};

use clang_sys::*;

use super::libclang::{Cursor, TranslationUnit, Type};
use super::scan::c_type;
use crate::ir::{header_key, CType, Declaration, DeclarationKind, Field};

/// Every declaration of `tu` the IR's C types can say, first declaration of a name wins.
pub fn collect(tu: &TranslationUnit) -> Vec<Declaration> {
    let mut out = Records::default();
    out.walk(tu.root());
    // C++'s builtin `wchar_t`, which no typedef declares: the bindings' 16-bit unit, as
    // bindgen declares it (and a name the C header spells itself).
    if out
        .list
        .iter()
        .any(|d| names(&d.kind).iter().any(|n| n == "wchar_t"))
    {
        out.push(Declaration::typedef("wchar_t", "", CType::Prim("u16")));
    }
    out.list
}

/// The type names a declaration's types name.
fn names(kind: &DeclarationKind) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        DeclarationKind::Typedef(ty) => ty.names(&mut out),
        DeclarationKind::Struct { fields } | DeclarationKind::Union { fields } => {
            fields.iter().for_each(|f| f.ty.names(&mut out));
        }
        DeclarationKind::Enum { .. } | DeclarationKind::Opaque => {}
    }
    out
}

#[derive(Default)]
struct Records {
    list: Vec<Declaration>,
    names: HashSet<String>,
    /// The names given to records without one of their own, by USR: a pointer to
    /// `typedef struct { ... } ENTRYID, *LPENTRYID;`'s record points at an `ENTRYID`.
    anonymous: HashMap<String, String>,
}

impl Records {
    fn push(&mut self, d: Declaration) {
        let at = self.list.len();
        self.insert(at, d);
    }

    /// `d` at `at` in the list, unless a declaration of its name came first.
    fn insert(&mut self, at: usize, d: Declaration) {
        if self.names.insert(d.name.clone()) {
            self.list.insert(at, d);
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
                // `struct HBODY__;` with no definition in the unit: an opaque record.
                CXCursor_StructDecl if !is_unnamed(&c) && !c.ty().declaration().is_definition() => {
                    let header = header_key(&c.file_name());
                    self.push(Declaration::opaque(c.spelling(), header));
                }
                CXCursor_EnumDecl if c.is_definition() && !is_unnamed(&c) => {
                    self.enumeration(&c, c.spelling());
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
            if decl.is_definition() {
                self.enumeration(&decl, name);
            }
            return;
        }
        if let Some(ty) = self.c_type(underlying) {
            let mut d = Declaration::typedef(name, header_key(&c.file_name()), ty);
            d.params = c
                .children()
                .iter()
                .filter(|p| p.kind() == CXCursor_ParmDecl)
                .map(Cursor::spelling)
                .collect();
            self.push(d);
        }
    }

    /// An enum named `name` (its own, or its typedef's), with its integer type as
    /// bindgen's constants are typed; nothing if the type has no Rust primitive.
    fn enumeration(&mut self, c: &Cursor<'_>, name: String) {
        let Ok(ty) = c_type(c.enum_integer_type(), &HashSet::new()) else {
            return;
        };
        let unsigned = matches!(ty, CType::Prim(p) if p.starts_with('u'));
        let constants = c
            .children()
            .iter()
            .filter(|e| e.kind() == CXCursor_EnumConstantDecl)
            .map(|e| (e.spelling(), e.enum_value(unsigned)))
            .collect();
        self.push(Declaration {
            name,
            header: header_key(&c.file_name()),
            kind: DeclarationKind::Enum { ty, constants },
            params: Vec::new(),
        });
    }

    /// A type in the IR's C terms, a record or enum without a name of its own under the
    /// name it was given (behind pointers: a record's own type is named where it is
    /// declared).
    fn c_type(&self, ty: Type<'_>) -> Option<CType> {
        match ty.kind() {
            CXType_Elaborated => self.c_type(ty.named()),
            // C++'s builtin, which the bindings declare as a type of its own (a 16-bit
            // unit): `WCHAR` is a `wchar_t`, as the headers say.
            CXType_WChar => Some(CType::Named("wchar_t".into())),
            CXType_Pointer => Some(CType::Ptr {
                is_const: ty.pointee().is_const(),
                to: Box::new(self.c_type(ty.pointee())?),
            }),
            CXType_Record | CXType_Enum if is_unnamed(&ty.declaration()) => {
                let name = self.anonymous.get(&ty.declaration().usr())?;
                Some(CType::Named(name.clone()))
            }
            _ => c_type(ty, &HashSet::new()).ok(),
        }
    }

    /// One record named `name`, where its declaration starts: before the records declared
    /// inside it, each named as bindgen names it (and a C11 anonymous member, one no field
    /// declares, as bindgen names it too: `__bindgen_anon_N`); nothing if a field cannot be
    /// said.
    fn record(&mut self, c: &Cursor<'_>, name: String) {
        let at = self.list.len();
        self.anonymous.insert(c.usr(), name.clone());
        let mut fields = Vec::new();
        let (mut anonymous, mut members) = (0, 0);
        // The latest anonymous record, until a field declares it.
        let mut pending = None;
        let mut ok = true;
        // bindgen numbers a record's anonymous enums after its anonymous records.
        let children = c.children();
        let mut enums = children
            .iter()
            .filter(|k| is_anonymous_definition(k))
            .count();
        for child in children {
            let declares_pending = child.kind() == CXCursor_FieldDecl
                && is_anonymous_record(array_element(child.ty()));
            if let (Some(n), false) = (pending.take(), declares_pending) {
                members += 1;
                fields.push(anonymous_member(&name, n, members));
            }
            match child.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl if child.is_definition() => {
                    if is_anonymous_definition(&child) {
                        anonymous += 1;
                        pending = Some(anonymous);
                        self.record(&child, format!("{name}__bindgen_ty_{anonymous}"));
                    } else {
                        self.record(&child, child.spelling());
                    }
                }
                CXCursor_EnumDecl if child.is_definition() && is_unnamed(&child) => {
                    enums += 1;
                    let inner = format!("{name}__bindgen_ty_{enums}");
                    self.anonymous.insert(child.usr(), inner.clone());
                    self.enumeration(&child, inner);
                }
                CXCursor_FieldDecl => match self.field(&child, &name, anonymous) {
                    Some(f) => fields.push(f),
                    None => ok = false,
                },
                _ => {}
            }
        }
        if let Some(n) = pending {
            fields.push(anonymous_member(&name, n, members + 1));
        }
        if !ok {
            return;
        }
        let kind = if c.kind() == CXCursor_UnionDecl {
            DeclarationKind::Union { fields }
        } else {
            DeclarationKind::Struct { fields }
        };
        let d = Declaration {
            name,
            header: header_key(&c.file_name()),
            kind,
            params: Vec::new(),
        };
        self.insert(at, d);
    }

    /// One field of record `parent`, whose latest anonymous record is its `anonymous`-th;
    /// `None` for a bit-field or a type the IR cannot say.
    fn field(&self, c: &Cursor<'_>, parent: &str, anonymous: usize) -> Option<Field> {
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
            self.c_type(element)?
        };
        // A function pointer's parameters are the member's children.
        let params = c
            .children()
            .iter()
            .filter(|p| p.kind() == CXCursor_ParmDecl)
            .map(Cursor::spelling)
            .collect();
        Some(Field {
            name: c.spelling(),
            ty,
            array_len,
            params,
        })
    }
}

/// The `member`-th C11 anonymous member of `parent`, its `record`-th anonymous record.
fn anonymous_member(parent: &str, record: usize, member: usize) -> Field {
    Field {
        name: format!("__bindgen_anon_{member}"),
        ty: CType::Named(format!("{parent}__bindgen_ty_{record}")),
        array_len: None,
        params: Vec::new(),
    }
}

/// Whether a cursor defines a struct or union without a name (inside a record).
fn is_anonymous_definition(c: &Cursor<'_>) -> bool {
    matches!(c.kind(), CXCursor_StructDecl | CXCursor_UnionDecl)
        && c.is_definition()
        && is_unnamed(c)
}

/// An array's element type, any other type itself.
fn array_element(ty: Type<'_>) -> Type<'_> {
    match ty.kind() {
        CXType_ConstantArray => ty.element(),
        _ => ty,
    }
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
