//! Constants and the type items of the bindings.

use std::collections::BTreeMap;

use super::{Declaration, DeclarationKind};

/// An integer constant from a macro (or the manifest).
#[derive(Debug, Clone)]
pub struct Constant {
    pub name: String,
    pub value: i128,
    /// The Rust type (a name the bindings declare, or a primitive).
    pub ty: String,
    /// Lower-case base name of the declaring header.
    pub header: String,
}

/// A type item of the bindings (struct, union, typedef, enum, enumerator...): the name it
/// declares, its place (`Model::items`' order), its header and the `cfg` it needs when
/// the targets disagree. Its Rust is rendered from the records of its target
/// (`Model::header_declarations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeItem {
    /// The name it declares (`X` for bindgen's `pub use self::tagX as X;`).
    pub name: String,
    /// The key of the header that declares it (or the base module's name).
    pub header: String,
    pub cfg: Option<String>,
}

impl TypeItem {
    /// The name the item declares.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The integer typedefs and enums among declarations: name -> the type it names, as text.
#[derive(Debug, Default)]
pub struct Aliases(BTreeMap<String, String>);

impl Aliases {
    /// From `declarations` in order, a later declaration of a name winning.
    pub fn of<'d>(declarations: impl IntoIterator<Item = &'d Declaration>) -> Aliases {
        let mut m = BTreeMap::new();
        for d in declarations {
            let ty = match &d.kind {
                DeclarationKind::Typedef(ty) | DeclarationKind::Enum { ty, .. } => ty,
                _ => continue,
            };
            m.insert(d.name.clone(), ty.to_string());
        }
        Aliases(m)
    }

    /// Follows aliases from `ty` down to a Rust integer primitive (`u32`, `i16`, ...).
    pub fn integer<'a>(&'a self, ty: &'a str) -> Option<&'a str> {
        let mut t = ty;
        for _ in 0..16 {
            match t {
                "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64" => return Some(t),
                _ => t = self.0.get(t)?.as_str(),
            }
        }
        None
    }
}
