//! The intermediate representation: the one model every stage goes through. The front
//! ends fill it, the selection stage decides what goes in, and the back end reads nothing
//! else. It owns the types the stages share: GUIDs, headers, interfaces, C types.

mod declaration;
mod guid;
mod header;
mod interface;
mod item;
mod package;
mod types;

use std::collections::BTreeMap;

pub use declaration::{Declaration, DeclarationKind, Field};
pub use guid::{DefinedGuid, Guid};
pub use header::{header_key, Header, UMBRELLA_HEADER};
pub use interface::{Interface, Method, Param, Unsupported};
pub use item::{Aliases, Constant, TypeItem};
pub use package::{CopiedFile, Package, Target};
pub use types::{Abi, CType, Layout};

/// Everything the back end needs, gathered from all front ends.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The generated crate: name, version, modules.
    pub package: Package,
    /// The targets, in the manifest's order.
    pub targets: Vec<Target>,
    /// Every header read, MAPI and lowered IDL, in include order.
    pub headers: Vec<Header>,
    /// Emitted interfaces, bases before derived ones, then in declaration order.
    pub interfaces: Vec<Interface>,
    /// Emitted constants, by name.
    pub constants: BTreeMap<String, Constant>,
    /// `IID_*` and other GUIDs defined with DEFINE_GUID / DEFINE_OLEGUID, by name.
    pub guids: BTreeMap<String, DefinedGuid>,
    /// Type declarations in C's terms (a provider's IDL's records and typedefs), rendered
    /// before `items`.
    pub declarations: Vec<Declaration>,
    /// The type items of the bindings, merged over all targets: each one's place, header
    /// and `cfg` (its Rust is rendered from `header_declarations`).
    pub items: Vec<TypeItem>,
    /// The headers' declarations in C's terms, as libclang reads them for each target
    /// (target name -> the declarations of the names `items` declare, in the headers'
    /// order, interfaces marked), from which the C header for hosts and the Rust bindings'
    /// type items are rendered.
    pub header_declarations: BTreeMap<String, Vec<Declaration>>,
    /// Layout facts per target name: type name -> its layout there.
    pub layouts: BTreeMap<String, BTreeMap<String, Layout>>,
    /// The IDL's own documentation (the comment block before a declaration), by what it
    /// documents: `IFoo`, `IFoo::Method`, a type or constant name, `Struct::member`.
    pub notes: BTreeMap<String, String>,
    /// The manifest's corrections that changed what the headers read declare, in the
    /// manifest's order: where the bindings (and the C header's Linux half) carry
    /// Microsoft's declaration instead of the headers'. Empty when the headers already
    /// declare them as Microsoft does (`--mapi-include` with Microsoft's headers).
    pub corrected: Vec<Corrected>,
}

/// One declaration a correction changed: what, in which header, from what to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    /// `IMsgStore::Advise` for a method's parameter, the type's name for a type.
    pub item: String,
    /// The parameter, member, field or `return`; `None` for a typedef's own type.
    pub member: Option<String>,
    /// The key of the header that declares the item.
    pub header: String,
    /// The type in the headers read, and the type the bindings carry (C spellings).
    pub from: String,
    pub to: String,
}

impl Model {
    /// A header by key.
    pub fn header(&self, key: &str) -> Option<&Header> {
        self.headers.iter().find(|h| h.key == key)
    }

    /// The IDL's documentation of `key` (see [`Model::notes`]).
    pub fn note(&self, key: &str) -> Option<&str> {
        self.notes.get(key).map(String::as_str)
    }

    /// Whether the item `name` is a struct or union (one declared and never defined among
    /// them) in some target's records.
    pub fn is_record(&self, name: &str) -> bool {
        self.header_declarations.values().flatten().any(|d| {
            d.name == name
                && matches!(
                    d.kind,
                    DeclarationKind::Struct { .. }
                        | DeclarationKind::Union { .. }
                        | DeclarationKind::Opaque
                )
        })
    }

    /// An emitted interface by name.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }
}
