//! The IDL front end: reads the MIDL subset our IMAPISync declarations are written in and
//! lowers it to a C/C++ header.
//!
//! Supported:
//!
//! * `import "x.idl";` (recorded in [`IdlFile::imports`], not read) and
//!   `cpp_quote("...")` (copied into the header; `\"` and `\\` are decoded);
//! * `// line` and `/* block */` comments; the block right before a declaration (an
//!   interface, method, constant, struct, member or typedef; no blank line between) is its
//!   documentation (`doc` in the AST), which the Rust bindings' docs carry;
//! * `const TYPE NAME = EXPR;` where EXPR is made of integer literals (decimal, octal, hex,
//!   `U`/`L` suffixes), `|`, `<<` and parentheses;
//! * `typedef struct [TAG] { ... } Name, *PName;`, `typedef enum [TAG] { A = 1, B } Name;`,
//!   `typedef TYPE Name;` (e.g. `typedef IFoo *LPFOO;`);
//! * `[object, uuid(...), local, pointer_default(unique)] interface IFoo : IBase { ... };`
//!   with methods `RET Name([in] T a, [out] T *b, [in, out] T *c);` (also `unique`,
//!   `retval`, `string`, `ref`, `ptr`, `optional`, `size_is(..)`, `length_is(..)`,
//!   `iid_is(..)`), and forward declarations `interface IFoo;`.
//!
//! Besides syntax, [`parse_str`] checks, as soon as each construct is parsed: interface,
//! method (including inherited ones), parameter, struct member and enumerator names are
//! unique; an interface is `object` and has a `uuid`; a base interface is `IUnknown` (built
//! in) or defined earlier in the file; `[out]` and `[in, out]` parameters are pointers
//! (directly or through a pointer typedef made in the same file); no parameter is named
//! `This`. Because the file becomes both C and Rust: no name is a C, C++ or Rust keyword
//! (parameters and members may be Rust keywords, which the bindings rename), a macro of
//! the Windows headers, a type of the header's prelude or a name the generated code uses
//! itself (`guard`, `vtable`, `OFFSET`, `Clone`, ...); file-level names, with the names
//! derived from interfaces (`IFoo_Vtbl`, `IFooVtbl`, `IID_IFoo`, `IFoo_Method`), are
//! unique; every type is declared (the prelude's, a builtin or one of the file's) and
//! `long`, whose width differs between Windows and Linux, is refused; constants fit their
//! type; no two interfaces share a uuid; inheritance is at most
//! 32 levels deep and parentheses at most
//! 64; and the file declares something. A UTF-8 byte-order mark is skipped. Every check
//! is a hash lookup, so parsing is linear in the input.
//!
//! Every error is an [`IdlError`] with the file, line and column, the source line
//! and a caret. Nothing here panics on bad input.

mod ast;
mod cheader;
mod check;
mod error;
mod lexer;
pub mod model;
mod parser;

use std::path::Path;

pub use ast::{
    Alias, CType, Const, Declarator, Direction, EnumDef, Enumerator, Field, Guid, IdlFile,
    InterfaceAttributes, InterfaceDef, Item, Method, Param, PointerDefault, PointerLevel, Pos,
    StructDef,
};
pub use cheader::{c_header, c_header_with_lines, presumed_lines, CHeaderOptions};
pub use check::builtin_rust_type;
pub use error::IdlError;

/// Parses IDL source text. `path` is only used in the result and in error messages.
pub fn parse_str(path: &Path, src: &str) -> Result<IdlFile, IdlError> {
    parser::parse(path, src, &ParseOptions::default())
}

/// What a file may do beyond the checks [`parse_str`] makes.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// An interface may derive from one the file only forward-declares
    /// (`interface IMAPIProp;`): the bindings the file is compiled against declare it
    /// ([`crate::idl_bindings`], where a provider's IDL derives from MAPI's interfaces).
    /// Its methods are not known here, so a method of the same name as an inherited one
    /// is not caught (the compiler catches it in the generated Rust).
    pub external_bases: bool,
}

/// [`parse_str`] with [`ParseOptions`].
pub fn parse_str_with(path: &Path, src: &str, options: &ParseOptions) -> Result<IdlFile, IdlError> {
    parser::parse(path, src, options)
}

/// Reads and parses an IDL file; a file that cannot be read (or is not UTF-8) is an
/// [`IdlError`] naming the path, with line and column 0.
pub fn parse_file(path: &Path) -> Result<IdlFile, IdlError> {
    parse_file_with(path, &ParseOptions::default())
}

/// [`parse_file`] with [`ParseOptions`].
pub fn parse_file_with(path: &Path, options: &ParseOptions) -> Result<IdlFile, IdlError> {
    let src = std::fs::read_to_string(path).map_err(|e| {
        IdlError::whole_file(path, format!("cannot read `{}`: {e}", path.display()))
    })?;
    parse_str_with(path, &src, options)
}

/// The IDL files' documentation comments, by what they document: `IFoo`, `IFoo::Method`,
/// a constant or type name, `Struct::member` (structs and enums by their tag, or their
/// first typedef name, as the bindings name them).
pub fn notes(files: &[&IdlFile]) -> std::collections::BTreeMap<String, String> {
    let mut notes = std::collections::BTreeMap::new();
    let mut note = |key: String, doc: &Option<String>| {
        if let Some(d) = doc {
            notes.insert(key, d.clone());
        }
    };
    for file in files {
        for item in &file.items {
            match item {
                Item::Const(c) => note(c.name.clone(), &c.doc),
                Item::Typedef(a) => note(a.name.clone(), &a.doc),
                Item::Struct(s) => {
                    // bindgen names the struct by its tag (or its first typedef name);
                    // the typedefs are aliases of it, and say so.
                    if let Some(owner) = s.bindings_name() {
                        note(owner.to_string(), &s.doc);
                        for f in &s.fields {
                            note(format!("{owner}::{}", f.name), &f.doc);
                        }
                    }
                }
                Item::Enum(e) => {
                    if let Some(owner) = e.bindings_name() {
                        note(owner.to_string(), &e.doc);
                    }
                }
                Item::Interface(i) => {
                    note(i.name.clone(), &i.doc);
                    for m in &i.methods {
                        note(format!("{}::{}", i.name, m.name), &m.doc);
                    }
                }
                Item::CppQuote(..) | Item::ForwardInterface(_) => {}
            }
        }
    }
    notes
}
