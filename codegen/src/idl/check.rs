//! Semantic checks. The parser runs each one as soon as the construct it is about has been
//! parsed (a name, a base, a parameter), so errors come in file order with the position
//! of the offending name. The checks return the message; the parser adds the position.
//!
//! Every lookup is a hash lookup, so checking a file takes time linear in its size.

use std::collections::{HashMap, HashSet};

use super::ast::{CType, Direction, Guid, InterfaceDef, Param};

/// How deep an interface may derive from IUnknown (IMAPIFolder is 3 deep). The C vtable
/// of an interface repeats every inherited method, so depth multiplies the header's size.
pub const MAX_INHERITANCE_DEPTH: usize = 32;

/// What a declared name is, for the checks that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Interface,
    Method,
    Param,
    Const,
    Typedef,
    Tag,
    Enumerator,
    Field,
}

use crate::names::is_c_keyword;

/// Macros the Windows headers or the generated header define, which would replace a name
/// spelled like them.
const C_MACROS: &[&str] = &[
    "NULL",
    "TRUE",
    "FALSE",
    "hyper",
    "small",
    "far",
    "near",
    "FAR",
    "NEAR",
    "CONST",
    "VOID",
    "IN",
    "OUT",
    "OPTIONAL",
    "CINTERFACE",
    "COBJMACROS",
    "INITGUID",
    "STDMETHODCALLTYPE",
    "DEFINE_GUID",
    "SUCCEEDED",
    "FAILED",
    "S_OK",
    "E_NOINTERFACE",
    "E_POINTER",
    "E_UNEXPECTED",
    "MAPI_E_INVALID_PARAMETER",
    "MAPI_CODEGEN_COM_TYPES",
];

/// The types the generated header declares itself where there is no Windows SDK; a type
/// an IDL file uses must be one of these, a builtin C type or declared in the file.
pub const PRELUDE_TYPES: &[&str] = &[
    "ULONG",
    "HRESULT",
    "SCODE",
    "WCHAR",
    "HANDLE",
    "GUID",
    "IID",
    "REFIID",
    "IUnknown",
    "LPUNKNOWN",
    "IMAPISession",
    "LPMAPISESSION",
];

/// Names the generated Rust declares beside the IDL's in the crate root (the COM support)
/// or uses unqualified: an interface, type or constant named so would break it.
const RUST_SUPPORT_NAMES: &[&str] = &[
    "Clone",
    "Copy",
    "Drop",
    "Sized",
    "Result",
    "Option",
    "FnOnce",
    "Interface",
    "ComInterface",
    "ComObject",
    "PanicValue",
    "NotImplemented",
    "drop_panic_payload",
    "Send",
    "GUID",
    "HRESULT",
    "identity",
    "identity_ptr",
    "guard",
];

/// Method names the generated Rust uses itself: the vtable's base field, the pointer's own
/// methods, and the helpers the vtable entries call.
const RUST_METHOD_NAMES: &[&str] = &[
    "base__",
    "vtable",
    "as_raw",
    "into_raw",
    "from_raw",
    "from_raw_borrowed",
    "cast",
    "identity",
    "identity_ptr",
    "guard",
    "OFFSET",
];

/// Parameter names the generated vtable entries use themselves (as locals or helpers).
const RUST_PARAM_NAMES: &[&str] = &["OFFSET", "identity", "identity_ptr", "guard", "value"];

/// Parameter names the Rust back end renames by appending `_` (keywords and `this`).
fn rust_param_name(name: &str) -> String {
    if crate::names::RUST_KEYWORDS.contains(&name) || name == "this" {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// Why `name` cannot be declared as a `kind`, or `Ok`.
pub fn check_name(kind: NameKind, name: &str) -> Result<(), String> {
    if is_c_keyword(name) {
        return Err(format!("`{name}` is a C or C++ keyword"));
    }
    if name.starts_with("__") {
        return Err(format!(
            "`{name}` starts with `__`, which C reserves for the compiler"
        ));
    }
    if C_MACROS.contains(&name) {
        return Err(format!(
            "`{name}` is a macro of the Windows headers or of the generated header, which \
             would replace it"
        ));
    }
    if kind != NameKind::Tag && PRELUDE_TYPES.contains(&name) {
        return Err(format!(
            "`{name}` is a type the generated header declares (or takes from the Windows \
             headers)"
        ));
    }
    let rust_named = !matches!(kind, NameKind::Param | NameKind::Field);
    if rust_named && crate::names::RUST_KEYWORDS.contains(&name) {
        return Err(format!(
            "`{name}` is a Rust keyword, and the name is used in the Rust bindings"
        ));
    }
    let reserved = match kind {
        NameKind::Method => RUST_METHOD_NAMES,
        NameKind::Param => RUST_PARAM_NAMES,
        NameKind::Field => &[],
        _ => RUST_SUPPORT_NAMES,
    };
    if reserved.contains(&name) {
        return Err(format!("`{name}` is a name the generated Rust uses itself"));
    }
    Ok(())
}

/// What the file has declared so far.
pub struct Scope {
    /// Defined interfaces, in order; `IUnknown` (built in) first.
    interfaces: Vec<InterfaceDef>,
    /// Index into `interfaces` by name.
    by_name: HashMap<String, usize>,
    /// Inheritance depth by interface name (IUnknown is 0).
    depth: HashMap<String, usize>,
    /// Interfaces only forward-declared so far.
    forward: HashSet<String>,
    /// Typedef names that stand for pointer types (`PMAPISIB`, `LPMAPISYNC`).
    pointer_typedefs: HashSet<String>,
    /// Type names declared so far (the prelude's included), with their types for
    /// typedefs of types.
    types: HashMap<String, Option<CType>>,
    /// Every name declared at file level, with what declared it (for collisions in the
    /// one C and Rust namespace they share).
    names: HashMap<String, String>,
    /// IIDs by value: the interface and its line.
    uuids: HashMap<Guid, (String, usize)>,
    /// Whether a forward-declared interface may be a base: one the file does not
    /// define, declared by the bindings the file is compiled against (see
    /// [`super::ParseOptions::external_bases`]).
    pub external_bases: bool,
}

impl Scope {
    pub fn new() -> Scope {
        let unknown = InterfaceDef::iunknown();
        let mut s = Scope {
            interfaces: Vec::new(),
            by_name: HashMap::new(),
            depth: HashMap::new(),
            forward: HashSet::new(),
            pointer_typedefs: HashSet::new(),
            types: PRELUDE_TYPES
                .iter()
                .map(|t| (t.to_string(), None))
                .collect(),
            names: HashMap::new(),
            uuids: HashMap::new(),
            external_bases: false,
        };
        s.uuids.insert(unknown.uuid, (unknown.name.clone(), 0));
        s.depth.insert(unknown.name.clone(), 0);
        s.by_name.insert(unknown.name.clone(), 0);
        s.interfaces.push(unknown);
        s
    }

    fn find(&self, name: &str) -> Option<&InterfaceDef> {
        self.by_name.get(name).map(|&i| &self.interfaces[i])
    }

    /// Records `interface Name;`.
    pub fn forward_declare(&mut self, name: &str) {
        if self.find(name).is_none() {
            self.forward.insert(name.to_string());
            self.types.insert(name.to_string(), None);
        }
    }

    /// Whether `name` is an interface declared or forward-declared so far.
    pub fn is_interface(&self, name: &str) -> bool {
        self.find(name).is_some() || self.forward.contains(name)
    }

    /// Records a complete interface.
    pub fn define(&mut self, iface: InterfaceDef) {
        self.forward.remove(&iface.name);
        self.types.insert(iface.name.clone(), None);
        let depth = iface
            .base
            .as_ref()
            .and_then(|b| self.depth.get(b))
            .map_or(0, |d| d + 1);
        self.depth.insert(iface.name.clone(), depth);
        self.uuids
            .insert(iface.uuid, (iface.name.clone(), iface.line));
        self.by_name
            .insert(iface.name.clone(), self.interfaces.len());
        self.interfaces.push(iface);
    }

    /// Records a typedef name; `ty` is its full type.
    pub fn typedef(&mut self, name: &str, ty: &CType) {
        if self.is_pointer(ty) {
            self.pointer_typedefs.insert(name.to_string());
        }
        self.types.insert(name.to_string(), Some(ty.clone()));
    }

    /// Whether a type named `name` (not `struct`/`enum`, not builtin) is declared.
    pub fn is_type(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// The width in bits of an integer type, following typedefs made in this file; `None`
    /// if it is not an integer type.
    pub fn integer_bits(&self, ty: &CType) -> Option<u32> {
        let mut ty = ty.clone();
        for _ in 0..64 {
            if ty.is_pointer() {
                return None;
            }
            let bits = match ty.name.as_str() {
                "ULONG" | "HRESULT" | "SCODE" => Some(32),
                "WCHAR" => Some(16),
                n if n.starts_with("enum ") => Some(32),
                n => builtin_bits(n),
            };
            if bits.is_some() {
                return bits;
            }
            match self.types.get(&ty.name) {
                Some(Some(next)) => ty = next.clone(),
                _ => return None,
            }
        }
        None
    }

    /// Whether `ty` is a pointer, directly or through a typedef made in this file.
    pub fn is_pointer(&self, ty: &CType) -> bool {
        ty.is_pointer() || self.pointer_typedefs.contains(&ty.name)
    }

    /// Claims a file-level `name` for `what` (e.g. "interface `IFoo` (line 3)"): it must
    /// not be claimed yet.
    pub fn claim(&mut self, name: &str, what: String) -> Result<(), String> {
        if let Some(by) = self.names.get(name) {
            return Err(format!("`{name}` is already declared: {by}"));
        }
        self.names.insert(name.to_string(), what);
        Ok(())
    }

    /// Whether `name` is claimed already.
    pub fn claimed_by(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }

    /// A new interface must not reuse a name.
    pub fn check_new_interface(&self, name: &str) -> Result<(), String> {
        match self.find(name) {
            Some(i) if i.line == 0 => Err(format!(
                "duplicate interface `{name}`: `{name}` is built in"
            )),
            Some(i) => Err(format!(
                "duplicate interface `{name}`: already defined on line {}",
                i.line
            )),
            None => Ok(()),
        }
    }

    /// A new interface's IID must be its own, unless it says whose it shares
    /// (`shares_uuid(IOther)`), and then it must be that interface's.
    pub fn check_uuid(&self, uuid: &Guid, name: &str, shares: Option<&str>) -> Result<(), String> {
        if let Some(other) = shares {
            return match self.uuids.get(uuid) {
                Some((owner, _)) if owner == other => Ok(()),
                Some((owner, _)) => Err(format!(
                    "interface `{name}` says it shares the uuid of `{other}`, but {uuid} is \
                     `{owner}`'s"
                )),
                None => Err(format!(
                    "interface `{name}` says it shares the uuid of `{other}`, but no \
                     interface declared before it has the uuid {uuid}"
                )),
            };
        }
        match self.uuids.get(uuid) {
            Some((other, 0)) => Err(format!(
                "interface `{name}` has the uuid {uuid} of the built-in `{other}`"
            )),
            Some((other, line)) => Err(format!(
                "interface `{name}` has the uuid {uuid} of `{other}` (line {line}); every \
                 interface needs its own"
            )),
            None => Ok(()),
        }
    }

    /// A base must be `IUnknown` or defined earlier in the file, and not too deep.
    pub fn check_base(&self, base: &str, iface: &str) -> Result<(), String> {
        if let Some(&d) = self.depth.get(base) {
            if d + 1 > MAX_INHERITANCE_DEPTH {
                return Err(format!(
                    "interface `{iface}` would derive from IUnknown through {} interfaces; at \
                     most {MAX_INHERITANCE_DEPTH} are supported",
                    d + 1
                ));
            }
            Ok(())
        } else if self.forward.contains(base) && self.external_bases {
            Ok(())
        } else if self.forward.contains(base) {
            Err(format!(
                "base interface `{base}` of `{iface}` is only forward-declared; define it \
                 earlier in this file or derive from `IUnknown`"
            ))
        } else {
            Err(format!(
                "base interface `{base}` of `{iface}` is not declared; declare it earlier in \
                 this file or derive from `IUnknown`"
            ))
        }
    }

    /// Every method `base` and its ancestors declare, by name, with the interface declaring
    /// it. The chain is bounded by [`MAX_INHERITANCE_DEPTH`].
    pub fn inherited(&self, base: &str) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut next = Some(base);
        let mut steps = 0;
        while let Some(name) = next {
            steps += 1;
            if steps > MAX_INHERITANCE_DEPTH + 1 {
                break;
            }
            let Some(i) = self.find(name) else { break };
            for m in &i.methods {
                out.entry(m.name.clone()).or_insert_with(|| i.name.clone());
            }
            next = i.base.as_deref();
        }
        out
    }

    /// The methods of `base` and its ancestors, root first.
    pub fn chain_methods(&self, base: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let mut next = Some(base);
        while let Some(name) = next {
            if chain.len() > MAX_INHERITANCE_DEPTH {
                break;
            }
            let Some(i) = self.find(name) else { break };
            chain.push(i);
            next = i.base.as_deref();
        }
        chain
            .iter()
            .rev()
            .flat_map(|i| i.methods.iter().map(|m| m.name.clone()))
            .collect()
    }

    /// A parameter name must be new in its method (also as Rust spells it), not `This`,
    /// and `[out]` and `[in, out]` parameters must be pointers. `earlier` holds the Rust
    /// spellings of the earlier parameters' names.
    pub fn check_param(
        &self,
        iface: &str,
        method: &str,
        earlier: &mut HashMap<String, String>,
        p: &Param,
    ) -> Result<(), String> {
        let name = &p.name;
        if name == "This" {
            return Err(format!(
                "parameter name `This` in `{iface}::{method}` is reserved: the C vtable passes \
                 the object as `This`"
            ));
        }
        let rust = rust_param_name(name);
        if let Some(other) = earlier.get(&rust) {
            if other == name {
                return Err(format!(
                    "duplicate parameter `{name}` in `{iface}::{method}`"
                ));
            }
            return Err(format!(
                "parameter `{name}` of `{iface}::{method}` would be `{rust}` in Rust, like \
                 parameter `{other}`"
            ));
        }
        if p.dir != Direction::In && !self.is_pointer(&p.ty) {
            return Err(format!(
                "`[{}]` parameter `{name}` of `{iface}::{method}` must be a pointer",
                p.dir.as_str()
            ));
        }
        earlier.insert(rust, name.clone());
        Ok(())
    }
}

/// The Rust primitive of each builtin C spelling the parser accepts (C's widths on
/// Windows; `long` is refused before this).
pub fn builtin_rust_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "char" | "signed char" | "__int8" => "i8",
        "unsigned char" | "unsigned __int8" => "u8",
        "short" | "short int" | "signed short" | "__int16" => "i16",
        "unsigned short" | "unsigned short int" | "unsigned __int16" => "u16",
        "int" | "signed" | "signed int" | "__int32" => "i32",
        "unsigned" | "unsigned int" | "unsigned __int32" => "u32",
        "long long" | "long long int" | "signed long long" | "__int64" => "i64",
        "unsigned long long" | "unsigned long long int" | "unsigned __int64" => "u64",
        "float" => "f32",
        "double" => "f64",
        _ => return None,
    })
}

/// Widths of the builtin integer spellings the parser accepts.
fn builtin_bits(name: &str) -> Option<u32> {
    match builtin_rust_type(name)? {
        "i8" | "u8" => Some(8),
        "i16" | "u16" => Some(16),
        "i32" | "u32" => Some(32),
        "i64" | "u64" => Some(64),
        _ => None,
    }
}
