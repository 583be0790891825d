//! Type declarations in C's terms, as a front end reads them: records with their fields'
//! C types, and typedefs. A provider's IDL declares some ([`super::Model::declarations`],
//! which the back end renders, in Rust as `#[repr(C)]` structs and `type` aliases; their
//! documentation is the model's notes, by name); libclang reads the headers' for every
//! target ([`super::Model::header_declarations`]).

use super::CType;

/// A struct or a typedef a front end declares.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub name: String,
    /// The key of the header that declares it (in the headers' declarations the model
    /// keeps, the header of the item that carries the name, as selection chose it).
    pub header: String,
    pub kind: DeclarationKind,
    /// The parameter names of the function type a typedef names (itself or behind its
    /// pointers), in order, empty for an unnamed one; none for any other declaration.
    pub params: Vec<String>,
}

/// What a [`Declaration`] declares.
#[derive(Debug, Clone)]
pub enum DeclarationKind {
    /// A struct (C's layout: `#[repr(C)]`), its fields in order.
    Struct { fields: Vec<Field> },
    /// A union, its members in order.
    Union { fields: Vec<Field> },
    /// Another name for a type.
    Typedef(CType),
    /// An enum: its integer type and its enumerators' names and values, in order.
    Enum {
        ty: CType,
        constants: Vec<(String, i128)>,
    },
    /// A struct declared and never defined (`struct HBODY__;`): only ever behind a pointer.
    Opaque,
}

/// One member of a struct or union.
#[derive(Debug, Clone)]
pub struct Field {
    /// The member's name; a C11 anonymous member (a struct or union without a declarator)
    /// has bindgen's, `__bindgen_anon_N`.
    pub name: String,
    pub ty: CType,
    /// The element count of an array member.
    pub array_len: Option<u64>,
    /// The parameter names of a function-pointer member's function type, in order, empty
    /// for an unnamed one (`HRESULT (*pfn)(struct tagEXCEPINFO *)` has one); none for any
    /// other member.
    pub params: Vec<String>,
}

impl Field {
    /// A member `name` of type `ty` (an array of `array_len` of them), no function pointer
    /// with named parameters.
    pub fn new(name: impl Into<String>, ty: CType, array_len: Option<u64>) -> Self {
        Field {
            name: name.into(),
            ty,
            array_len,
            params: Vec::new(),
        }
    }
}

impl Declaration {
    /// `name` for `ty`, in `header`.
    pub fn typedef(name: impl Into<String>, header: impl Into<String>, ty: CType) -> Self {
        Declaration {
            name: name.into(),
            header: header.into(),
            kind: DeclarationKind::Typedef(ty),
            params: Vec::new(),
        }
    }

    /// A struct `name` declared in `header` and never defined.
    pub fn opaque(name: impl Into<String>, header: impl Into<String>) -> Self {
        Declaration {
            name: name.into(),
            header: header.into(),
            kind: DeclarationKind::Opaque,
            params: Vec::new(),
        }
    }
}
