//! The parsed form of an IDL file: what the parser builds and [`c_header`](super::c_header)
//! (and the rest of the generator) reads.
//!
//! Items keep their source order. Every name has passed the semantic checks described in
//! [`parse_str`](super::parse_str), so consumers may rely on them (bases resolve, names are
//! unique) for files that came out of the parser.

use std::fmt;
use std::path::PathBuf;

pub use crate::ir::Guid;

/// One parsed IDL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdlFile {
    /// The path the file was parsed under (as given to the parser; used in messages).
    pub path: PathBuf,
    /// The files named by `import "x.idl";`, in order. They are recorded, not read.
    pub imports: Vec<String>,
    /// Every declaration, in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `cpp_quote("...")`: the text, with `\"` and `\\` decoded, copied into the C header;
    /// and its line.
    CppQuote(String, usize),
    /// `const TYPE NAME = EXPR;`
    Const(Const),
    /// `typedef struct [TAG] { ... } Name, *PName;`
    Struct(StructDef),
    /// `typedef enum [TAG] { A = 1, B } Name;`
    Enum(EnumDef),
    /// `typedef TYPE Name;`: one item per declared name.
    Typedef(Alias),
    /// A COM interface definition.
    Interface(InterfaceDef),
    /// `interface IFoo;`: a forward declaration (only the name).
    ForwardInterface(String),
}

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// `const TYPE NAME = EXPR;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Const {
    pub name: String,
    pub ty: CType,
    /// The expression as written, re-spelled from its tokens with single spaces around
    /// binary operators, e.g. `(1 << 4) | 0x2`.
    pub expr: String,
    /// The expression's value.
    pub value: u64,
    /// The line of the name.
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// A declarator after a struct, enum or typedef: `Name` or `*PName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declarator {
    pub name: String,
    /// Pointer levels added to the declared type, outermost last (`*const *` is two).
    pub pointers: Vec<PointerLevel>,
}

/// `typedef struct [TAG] { fields } Name [, *PtrName ...];`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructDef {
    /// The struct tag (`_MAPISIB`), if any.
    pub tag: Option<String>,
    pub fields: Vec<Field>,
    /// The typedef names; the first one is usually the plain name.
    pub names: Vec<Declarator>,
    /// The line of the `typedef` keyword.
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// A struct member: `TYPE name;` or `TYPE name[N];`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: CType,
    /// The element count of an array member.
    pub array_len: Option<u64>,
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// `typedef enum [TAG] { A = 1, B, ... } Name;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    pub tag: Option<String>,
    pub variants: Vec<Enumerator>,
    pub names: Vec<Declarator>,
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// One enumerator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enumerator {
    pub name: String,
    /// The expression as written after `=`, if there was one.
    pub expr: Option<String>,
    /// The value: the expression's, or one more than the previous enumerator's (0 first).
    pub value: u64,
}

/// `typedef TYPE Name;`: `ty` is the full type of `name` (declarator pointers included), so
/// `typedef IMAPISync *LPMAPISYNC;` has `ty` = `IMAPISync *`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub ty: CType,
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// A COM interface as the IDL defines it: attributes, uuid and methods with their
/// directions. (The model's interface, which every header's interfaces become, is
/// [`crate::ir::Interface`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDef {
    pub name: String,
    /// The base interface; `None` only for the built-in `IUnknown`.
    pub base: Option<String>,
    /// The IID from `uuid(...)`.
    pub uuid: Guid,
    pub attributes: InterfaceAttributes,
    /// The interface's own methods, in vtable order (inherited ones not repeated).
    pub methods: Vec<Method>,
    /// The line of the interface's name (0 for the built-in `IUnknown`).
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// The attribute list before `interface` (besides `uuid`, which is [`InterfaceDef::uuid`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceAttributes {
    /// `object`: a COM interface. Always true after parsing (the parser requires it).
    pub object: bool,
    /// `local`: no marshaling code is wanted.
    pub local: bool,
    /// `pointer_default(...)`.
    pub pointer_default: Option<PointerDefault>,
    /// `shares_uuid(IOther)` (ours, not MIDL's): the uuid is also `IOther`'s, declared
    /// earlier, as Microsoft gives some interfaces one IID (actMgmt.h's IOlkEnum and
    /// IOlkErrorUnknown). Without it, a uuid used twice is an error.
    pub shares_uuid: Option<String>,
}

/// The argument of `pointer_default(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerDefault {
    Unique,
    Ref,
    Ptr,
}

impl PointerDefault {
    /// The IDL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PointerDefault::Unique => "unique",
            PointerDefault::Ref => "ref",
            PointerDefault::Ptr => "ptr",
        }
    }
}

/// `RET Name(params);`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub name: String,
    pub ret: CType,
    pub params: Vec<Param>,
    /// The line of the method's name (0 for built-in methods).
    pub line: usize,
    /// The comment block right before the declaration, if any (its documentation).
    pub doc: Option<String>,
}

/// One method parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub ty: CType,
    pub dir: Direction,
    /// The parameter's other attributes as written, e.g. `unique`, `retval`, `size_is(cb)`
    /// (without `in` and `out`, which are [`Param::dir`]).
    pub attributes: Vec<String>,
}

/// The data flow of a parameter. A parameter without `[in]` or `[out]` is `In`, as in MIDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    In,
    Out,
    InOut,
}

impl Direction {
    /// The IDL attribute spelling: `in`, `out` or `in, out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::InOut => "in, out",
        }
    }
}

/// A C type as written: `[const] NAME [* [const]]...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CType {
    /// `const` on the pointee (`const WCHAR *`) or on the value itself (`const ULONG`).
    pub is_const: bool,
    /// The base type name: an identifier (`ULONG`), a builtin combination
    /// (`unsigned int`) or `struct TAG` / `enum TAG`.
    pub name: String,
    /// Pointer levels, innermost first: `char *const *` is `[{is_const: true}, {false}]`.
    pub pointers: Vec<PointerLevel>,
}

/// One `*`, with `const` after it if the pointer itself is const.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PointerLevel {
    pub is_const: bool,
}

impl CType {
    /// A plain named type without `const` or pointers.
    pub fn named(name: &str) -> CType {
        CType {
            is_const: false,
            name: name.to_string(),
            pointers: Vec::new(),
        }
    }

    /// This type with `levels` more (non-const) pointer levels.
    pub fn pointer_to(mut self, levels: usize) -> CType {
        self.pointers.extend(vec![PointerLevel::default(); levels]);
        self
    }

    /// Whether the type has at least one pointer level.
    pub fn is_pointer(&self) -> bool {
        !self.pointers.is_empty()
    }

    /// Whether this is exactly `void` (no `const`, no pointer).
    pub fn is_void(&self) -> bool {
        self.name == "void" && !self.is_const && self.pointers.is_empty()
    }

    /// The C spelling of the type alone: `ULONG`, `const WCHAR *`, `void **`,
    /// `char *const *`.
    pub fn to_c(&self) -> String {
        let mut s = String::new();
        if self.is_const {
            s.push_str("const ");
        }
        s.push_str(&self.name);
        if !self.pointers.is_empty() {
            s.push(' ');
        }
        for (i, p) in self.pointers.iter().enumerate() {
            s.push('*');
            if p.is_const {
                s.push_str("const");
                if i + 1 < self.pointers.len() {
                    s.push(' ');
                }
            }
        }
        s
    }

    /// A C declaration of `name` with this type: `const WCHAR *pwcszProgress`,
    /// `ULONG ulIndex`, `char *const p`.
    pub fn declare(&self, name: &str) -> String {
        let t = self.to_c();
        if t.ends_with('*') {
            format!("{t}{name}")
        } else {
            format!("{t} {name}")
        }
    }
}

impl fmt::Display for CType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_c())
    }
}

/// The name a struct or enum has in the bindings: its tag, or its first typedef name
/// (what bindgen names it by, with the other typedef names aliases of it).
fn bindings_name<'a>(tag: &'a Option<String>, names: &'a [Declarator]) -> Option<&'a str> {
    tag.as_deref().or(names.first().map(|d| d.name.as_str()))
}

impl StructDef {
    /// The name it has in the bindings: its tag, or its first typedef name.
    pub fn bindings_name(&self) -> Option<&str> {
        bindings_name(&self.tag, &self.names)
    }
}

impl EnumDef {
    /// The name it has in the bindings: its tag, or its first typedef name.
    pub fn bindings_name(&self) -> Option<&str> {
        bindings_name(&self.tag, &self.names)
    }
}

impl InterfaceDef {
    /// The built-in `IUnknown`: QueryInterface(REFIID riid, void **ppvObject), AddRef(),
    /// Release(), the last two returning ULONG.
    pub fn iunknown() -> InterfaceDef {
        let param = |name: &str, ty: CType, dir: Direction| Param {
            name: name.to_string(),
            ty,
            dir,
            attributes: Vec::new(),
        };
        let method = |name: &str, ret: &str, params: Vec<Param>| Method {
            name: name.to_string(),
            ret: CType::named(ret),
            params,
            line: 0,
            doc: None,
        };
        InterfaceDef {
            name: "IUnknown".to_string(),
            base: None,
            uuid: Guid::IUNKNOWN,
            attributes: InterfaceAttributes {
                object: true,
                local: true,
                pointer_default: None,
                shares_uuid: None,
            },
            methods: vec![
                method(
                    "QueryInterface",
                    "HRESULT",
                    vec![
                        param("riid", CType::named("REFIID"), Direction::In),
                        param(
                            "ppvObject",
                            CType::named("void").pointer_to(2),
                            Direction::Out,
                        ),
                    ],
                ),
                method("AddRef", "ULONG", Vec::new()),
                method("Release", "ULONG", Vec::new()),
            ],
            line: 0,
            doc: None,
        }
    }
}

impl IdlFile {
    /// The interfaces defined in this file, in source order.
    pub fn interfaces(&self) -> impl Iterator<Item = &InterfaceDef> {
        self.items.iter().filter_map(|i| match i {
            Item::Interface(x) => Some(x),
            _ => None,
        })
    }

    /// The constants, in source order.
    pub fn consts(&self) -> impl Iterator<Item = &Const> {
        self.items.iter().filter_map(|i| match i {
            Item::Const(x) => Some(x),
            _ => None,
        })
    }

    /// The struct typedefs, in source order.
    pub fn structs(&self) -> impl Iterator<Item = &StructDef> {
        self.items.iter().filter_map(|i| match i {
            Item::Struct(x) => Some(x),
            _ => None,
        })
    }

    /// An interface defined in this file, or the built-in `IUnknown`.
    pub fn interface(&self, name: &str) -> Option<InterfaceDef> {
        if let Some(i) = self.interfaces().find(|i| i.name == name) {
            return Some(i.clone());
        }
        (name == "IUnknown").then(InterfaceDef::iunknown)
    }

    /// The chain from the root (`IUnknown`) down to `iface` itself, each interface with
    /// its own methods: the C vtable is these methods in this order. A base that cannot be
    /// found ends the chain (that does not happen for parsed files); a cycle is cut.
    pub fn ancestry(&self, iface: &InterfaceDef) -> Vec<InterfaceDef> {
        let mut chain = vec![iface.clone()];
        let mut next = iface.base.clone();
        while let Some(b) = next {
            if chain.iter().any(|i| i.name == b) {
                break;
            }
            match self.interface(&b) {
                Some(i) => {
                    next = i.base.clone();
                    chain.push(i);
                }
                None => break,
            }
        }
        chain.reverse();
        chain
    }
}
