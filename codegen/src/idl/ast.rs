//! The syntax tree of an IDL file: what the parser produces and the C header reads.

use std::fmt;
use std::path::PathBuf;

/// One parsed IDL file, items in source order.
#[derive(Debug, Clone)]
pub struct IdlFile {
    pub path: PathBuf,
    pub imports: Vec<String>,
    pub items: Vec<Item>,
}

impl IdlFile {
    /// The interfaces, in source order.
    pub fn interfaces(&self) -> impl Iterator<Item = &Interface> {
        self.items.iter().filter_map(|i| match i {
            Item::Interface(x) => Some(x),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Item {
    /// `cpp_quote("...")`: text copied into the C header as a line.
    CppQuote(String),
    Const(Const),
    Struct(StructDef),
    Enum(EnumDef),
    Typedef(Alias),
    Interface(Interface),
    /// `interface IFoo;`
    ForwardInterface(String),
}

/// `const ULONG NAME = 0x1;`
#[derive(Debug, Clone)]
pub struct Const {
    pub name: String,
    pub ty: CType,
    /// The expression as written.
    pub expr: String,
    pub value: u64,
}

/// `typedef struct _TAG { fields } Name, *PName;`
#[derive(Debug, Clone)]
pub struct StructDef {
    pub tag: Option<String>,
    pub fields: Vec<Field>,
    pub names: Vec<Declarator>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: CType,
    /// `[N]` after the name.
    pub array: Option<u64>,
}

/// `typedef enum _TAG { A = 1, B } Name;`
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub tag: Option<String>,
    pub variants: Vec<(String, u64)>,
    pub names: Vec<Declarator>,
}

/// `typedef TYPE Name, *PName;`
#[derive(Debug, Clone)]
pub struct Alias {
    pub ty: CType,
    pub names: Vec<Declarator>,
}

/// A name in a typedef, with the pointers in front of it.
#[derive(Debug, Clone)]
pub struct Declarator {
    pub name: String,
    pub pointers: usize,
}

/// `[object, uuid(...), local] interface Name : Base { methods }`
#[derive(Debug, Clone)]
pub struct Interface {
    pub name: String,
    pub base: Option<String>,
    pub uuid: Option<Guid>,
    pub attributes: Vec<String>,
    pub methods: Vec<Method>,
    pub line: usize,
    /// Byte offsets of the name and of the base's name, for messages.
    pub offset: usize,
    pub base_offset: usize,
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: String,
    pub ret: CType,
    pub params: Vec<Param>,
    pub offset: usize,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: CType,
    pub dir: Direction,
    /// Attributes besides the direction (`unique`, `string`, ...).
    pub attributes: Vec<String>,
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    InOut,
}

/// A C type: `const NAME * const *`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CType {
    pub is_const: bool,
    /// The base name; several words for builtins (`unsigned int`).
    pub name: String,
    pub pointers: Vec<PointerLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointerLevel {
    pub is_const: bool,
}

impl CType {
    pub fn named(name: &str) -> CType {
        CType {
            is_const: false,
            name: name.to_string(),
            pointers: Vec::new(),
        }
    }

    pub fn is_pointer(&self) -> bool {
        !self.pointers.is_empty()
    }

    /// The C spelling: `const WCHAR *`.
    pub fn to_c(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for CType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_const {
            f.write_str("const ")?;
        }
        f.write_str(&self.name)?;
        if !self.pointers.is_empty() {
            f.write_str(" ")?;
        }
        for p in &self.pointers {
            f.write_str("*")?;
            if p.is_const {
                f.write_str(" const ")?;
            }
        }
        Ok(())
    }
}

/// A GUID, as `uuid(...)` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

impl Guid {
    /// Parses the registry form without braces: `5024A385-2D44-486A-81A8-8F0ECB6071DD`.
    pub fn parse(s: &str) -> Option<Guid> {
        let parts: Vec<&str> = s.split('-').collect();
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        if lens != [8, 4, 4, 4, 12] || !s.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
            return None;
        }
        let tail = format!("{}{}", parts[3], parts[4]);
        let mut data4 = [0u8; 8];
        for (i, b) in data4.iter_mut().enumerate() {
            *b = u8::from_str_radix(&tail[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Guid {
            data1: u32::from_str_radix(parts[0], 16).ok()?,
            data2: u16::from_str_radix(parts[1], 16).ok()?,
            data3: u16::from_str_radix(parts[2], 16).ok()?,
            data4,
        })
    }
}

/// The registry form: `{5024A385-2D44-486A-81A8-8F0ECB6071DD}`.
impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}
