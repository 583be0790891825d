//! COM interfaces as the back end emits them: the vtable order, names and C types of
//! each interface's own methods.

use super::{Abi, CType, Guid};

/// A COM interface.
#[derive(Debug, Clone)]
pub struct Interface {
    pub name: String,
    pub base: Option<String>,
    pub iid: Option<Guid>,
    /// Lower-case base name of the declaring header.
    pub header: String,
    pub line: u32,
    /// This interface's own methods (not the inherited ones).
    pub methods: Vec<Method>,
    /// Why this interface cannot be emitted, if it cannot (a C type the bindings have no
    /// Rust type for). Only an error if the interface is selected.
    pub unsupported: Option<Unsupported>,
}

/// What keeps an interface from being emitted, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The header's path as clang names it.
    pub file: String,
    pub line: u32,
    /// `` `IFoo::Bar`: parameter `x`: ... ``
    pub what: String,
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: String,
    pub abi: Abi,
    pub ret: CType,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: CType,
}
