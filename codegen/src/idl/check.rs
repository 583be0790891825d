//! Semantic checks. The parser runs each one as soon as the construct it is about has been
//! parsed (a name, a base, a parameter), so errors come in file order with the position
//! of the offending name. The checks return the message; the parser adds the position.

use std::collections::BTreeSet;

use super::ast::{CType, Direction, Interface, Method, Param};

/// What the file has declared so far.
pub struct Scope {
    /// Defined interfaces, in order; `IUnknown` (built in) first.
    interfaces: Vec<Interface>,
    /// Interfaces only forward-declared so far.
    forward: BTreeSet<String>,
    /// Typedef names that stand for pointer types (`PMAPISIB`, `LPMAPISYNC`).
    pointer_typedefs: BTreeSet<String>,
}

impl Scope {
    pub fn new() -> Scope {
        Scope {
            interfaces: vec![Interface::iunknown()],
            forward: BTreeSet::new(),
            pointer_typedefs: BTreeSet::new(),
        }
    }

    fn find(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// Records `interface Name;`.
    pub fn forward_declare(&mut self, name: &str) {
        if self.find(name).is_none() {
            self.forward.insert(name.to_string());
        }
    }

    /// Records a complete interface.
    pub fn define(&mut self, iface: Interface) {
        self.forward.remove(&iface.name);
        self.interfaces.push(iface);
    }

    /// Records a typedef name; `ty` is its full type.
    pub fn typedef(&mut self, name: &str, ty: &CType) {
        if self.is_pointer(ty) {
            self.pointer_typedefs.insert(name.to_string());
        }
    }

    /// Whether `ty` is a pointer, directly or through a typedef made in this file.
    pub fn is_pointer(&self, ty: &CType) -> bool {
        ty.is_pointer() || self.pointer_typedefs.contains(&ty.name)
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

    /// A base must be `IUnknown` or defined earlier in the file.
    pub fn check_base(&self, base: &str, iface: &str) -> Result<(), String> {
        if self.find(base).is_some() {
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

    /// Every method `base` and its ancestors declare, with the interface declaring it.
    fn inherited(&self, base: &str) -> Vec<(&str, &Method)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut next = Some(base);
        while let Some(name) = next {
            if !seen.insert(name) {
                break;
            }
            let Some(i) = self.find(name) else { break };
            out.extend(i.methods.iter().map(|m| (i.name.as_str(), m)));
            next = i.base.as_deref();
        }
        out
    }

    /// A method name must be new in the interface and its bases (the C vtable holds them
    /// all side by side).
    pub fn check_method_name(
        &self,
        iface: &str,
        base: &str,
        own: &[Method],
        name: &str,
    ) -> Result<(), String> {
        if let Some(m) = own.iter().find(|m| m.name == name) {
            return Err(format!(
                "duplicate method `{name}` in `{iface}`: already declared on line {}",
                m.line
            ));
        }
        if let Some((owner, _)) = self
            .inherited(base)
            .into_iter()
            .find(|(_, m)| m.name == name)
        {
            return Err(format!(
                "duplicate method `{name}` in `{iface}`: base interface `{owner}` already \
                 declares it"
            ));
        }
        Ok(())
    }

    /// A parameter name must be new in its method and not `This`; `[out]` and `[in, out]`
    /// parameters must be pointers.
    pub fn check_param(
        &self,
        iface: &str,
        method: &str,
        earlier: &[Param],
        p: &Param,
    ) -> Result<(), String> {
        let name = &p.name;
        if earlier.iter().any(|q| &q.name == name) {
            return Err(format!(
                "duplicate parameter `{name}` in `{iface}::{method}`"
            ));
        }
        if name == "This" {
            return Err(format!(
                "parameter name `This` in `{iface}::{method}` is reserved: the C vtable passes \
                 the object as `This`"
            ));
        }
        if p.dir != Direction::In && !self.is_pointer(&p.ty) {
            return Err(format!(
                "`[{}]` parameter `{name}` of `{iface}::{method}` must be a pointer",
                p.dir.as_str()
            ));
        }
        Ok(())
    }
}
