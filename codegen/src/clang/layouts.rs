//! The size and alignment clang gives every struct and union of a parse, under the names
//! bindgen gives them: a record's own name (or, for an anonymous one, the name of the
//! typedef that names it), and `Parent__bindgen_ty_N` for the N-th anonymous struct or
//! union inside a record, as bindgen numbers them. (An enum declared inside a struct
//! belongs to the file in C, so it does not count.)
// clang-sys names its constants in C style.
#![allow(non_upper_case_globals)]

use std::collections::BTreeMap;

use clang_sys::*;

use super::libclang::{Cursor, TranslationUnit};
use crate::ir::Layout;

/// Size and alignment in bytes, by type name.
pub type Layouts = BTreeMap<String, Layout>;

/// Every complete record's layout in `tu`.
pub fn collect(tu: &TranslationUnit) -> Layouts {
    let mut out = Layouts::new();
    walk(tu.root(), &mut out);
    out
}

fn walk(cursor: Cursor<'_>, out: &mut Layouts) {
    for c in cursor.children() {
        match c.kind() {
            CXCursor_LinkageSpec | CXCursor_Namespace | CXCursor_UnexposedDecl => walk(c, out),
            CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_ClassDecl
                if c.is_definition() && !is_unnamed(&c) =>
            {
                record(&c, c.spelling(), out);
            }
            CXCursor_TypedefDecl => {
                // `typedef struct { ... } NAME;`: the record is named by the typedef.
                let decl = c.typedef_underlying().declaration();
                if matches!(
                    decl.kind(),
                    CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_ClassDecl
                ) && decl.is_definition()
                    && is_unnamed(&decl)
                {
                    record(&decl, c.spelling(), out);
                }
            }
            _ => {}
        }
    }
}

/// One record's layout, then its nested records'.
fn record(c: &Cursor<'_>, name: String, out: &mut Layouts) {
    let ty = c.ty();
    if let (Some(size), Some(align)) = (ty.size_of(), ty.align_of()) {
        out.entry(name.clone()).or_insert(Layout { size, align });
    }
    let mut anonymous = 0;
    for child in c.children() {
        let nested = matches!(
            child.kind(),
            CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_ClassDecl
        );
        if !nested || !child.is_definition() {
            continue;
        }
        if is_unnamed(&child) {
            anonymous += 1;
            record(&child, format!("{name}__bindgen_ty_{anonymous}"), out);
        } else {
            record(&child, child.spelling(), out);
        }
    }
}

/// Whether a record or enum has no name of its own (clang spells those
/// `(unnamed struct at ...)` or `(anonymous ...)`, older versions as nothing).
fn is_unnamed(c: &Cursor<'_>) -> bool {
    let s = c.spelling();
    s.is_empty() || s.contains("(unnamed") || s.contains("(anonymous")
}
