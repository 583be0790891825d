//! Checks of the selected model against the IDL: what the bindings would get wrong if an
//! IDL declaration clashed with the MAPI headers' names. Errors are at the IDL line, read
//! from the IDL's syntax tree.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::merge::BindgenItem;
use crate::clang::Scan;
use crate::error::{Error, Result};
use crate::idl::Item;
use crate::inputs::Inputs;
use crate::ir::{Constant, DefinedGuid, Guid, Interface};

/// No two emitted interfaces have one IID (`cast` and QueryInterface could not tell them
/// apart), unless the IDL declares the second with `shares_uuid(first)`, as Microsoft
/// does for a few. An IDL interface is reported at its IDL line.
pub fn unique_iids(inputs: &Inputs, interfaces: &[Interface]) -> Result<()> {
    let shares = |name: &str| -> Option<&str> {
        inputs
            .idl
            .iter()
            .flat_map(|input| input.file.interfaces())
            .find(|d| d.name == name)
            .and_then(|d| d.attributes.shares_uuid.as_deref())
    };
    let mut seen: HashMap<Guid, &Interface> = HashMap::new();
    for i in interfaces {
        let Some(g) = i.iid else { continue };
        let Some(first) = seen.get(&g).copied() else {
            seen.insert(g, i);
            continue;
        };
        if shares(&i.name) == Some(first.name.as_str()) {
            continue;
        }
        let message = format!(
            "interface `{}` has the IID {g} of `{}` (declared in `{}`); every interface \
             needs its own",
            i.name, first.name, first.header
        );
        for input in &inputs.idl {
            if let Some(decl) = input.file.interfaces().find(|d| d.name == i.name) {
                return Err(input.error_at_word(decl.line, &i.name, message));
            }
        }
        return Err(Error::msg(format!(
            "{} line {}: {message}",
            i.header, i.line
        )));
    }
    Ok(())
}

/// No IDL constant redefines a macro of the MAPI headers (clang only warns, and the
/// constants pass would keep the first definition). The error is at the IDL constant.
pub fn idl_macros(inputs: &Inputs, scan: &Scan) -> Result<()> {
    let idl_keys: HashSet<&str> = inputs.idl_keys().collect();
    let mut from_headers: HashMap<&str, &str> = HashMap::new();
    for m in &scan.macros {
        if !idl_keys.contains(m.header.as_str()) {
            from_headers.entry(&m.name).or_insert(&m.header);
        }
    }
    for input in &inputs.idl {
        for c in input.file.consts() {
            if let Some(header) = from_headers.get(c.name.as_str()) {
                return Err(input.error_at_word(
                    c.line,
                    &c.name,
                    format!(
                        "constant `{}` is already a macro of `{header}`; give it another name",
                        c.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The IDL's names against the other headers' in the bindings: no IDL declaration takes
/// a name the Rust derives from another header's interface (`IFoo_Vtbl`, `IFoo_Impl`,
/// `IID_IFoo`), and no parameter of an IDL method is named like a value of the bindings
/// (a constant, an IID, an interface's tuple struct), which Rust would read as a pattern
/// naming that value. Errors are at the name in the IDL.
pub fn idl_names(
    inputs: &Inputs,
    interfaces: &[Interface],
    constants: &BTreeMap<String, Constant>,
    guids: &BTreeMap<String, DefinedGuid>,
    items: &[BindgenItem],
) -> Result<()> {
    let values = binding_values(interfaces, constants, guids, items);
    let derived = derived_names(inputs, interfaces);
    for input in &inputs.idl {
        let declared = idl_declared(input);
        for (name, line) in declared {
            if let Some(what) = derived.get(name) {
                return Err(input.error_at_word(
                    line,
                    name,
                    format!("`{name}` is {what}; give the declaration another name"),
                ));
            }
        }
        for iface in input.file.interfaces() {
            for m in &iface.methods {
                for p in &m.params {
                    let Some(what) = values.get(p.name.as_str()) else {
                        continue;
                    };
                    return Err(input.error_at_word(
                        m.line,
                        &p.name,
                        format!(
                            "parameter `{}` of `{}::{}` is named like {what} of the bindings: \
                             Rust would read the parameter as that value; rename it",
                            p.name, iface.name, m.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The values the bindings name (what a parameter must not be named like), with what each
/// is.
fn binding_values<'a>(
    interfaces: &'a [Interface],
    constants: &'a BTreeMap<String, Constant>,
    guids: &'a BTreeMap<String, DefinedGuid>,
    items: &'a [BindgenItem],
) -> HashMap<&'a str, &'static str> {
    let mut values: HashMap<&'a str, &'static str> = HashMap::new();
    for i in interfaces {
        values.insert(&i.name, "an interface");
    }
    for c in constants.keys() {
        values.insert(c, "a constant");
    }
    for g in guids.keys() {
        values.insert(g, "a GUID constant");
    }
    for item in items {
        if let syn::Item::Const(_) | syn::Item::Static(_) = item.item {
            values.insert(item.name(), "a constant");
        }
    }
    values
}

/// The Rust names derived from the other headers' interfaces, with what each is.
fn derived_names(inputs: &Inputs, interfaces: &[Interface]) -> HashMap<String, String> {
    // An IDL declaration would collide with them in the bindings (C knows none of them).
    let idl_keys: HashSet<&str> = inputs.idl_keys().collect();
    let mut derived: HashMap<String, String> = HashMap::new();
    for i in interfaces
        .iter()
        .filter(|i| !idl_keys.contains(i.header.as_str()))
    {
        for (name, role) in [
            (format!("{}_Vtbl", i.name), "vtable"),
            (format!("{}_Impl", i.name), "implementation trait"),
            (format!("IID_{}", i.name), "IID"),
        ] {
            derived.insert(
                name,
                format!("the Rust {role} of `{}` (from `{}`)", i.name, i.header),
            );
        }
    }
    derived
}

/// Every name an IDL file declares, with its line.
fn idl_declared(input: &crate::inputs::IdlInput) -> Vec<(&str, usize)> {
    let mut declared: Vec<(&str, usize)> = Vec::new();
    for item in &input.file.items {
        match item {
            Item::Const(c) => declared.push((&c.name, c.line)),
            Item::Typedef(a) => declared.push((&a.name, a.line)),
            Item::Interface(i) => declared.push((&i.name, i.line)),
            Item::Struct(st) => {
                declared.extend(st.tag.iter().map(|t| (t.as_str(), st.line)));
                declared.extend(st.names.iter().map(|d| (d.name.as_str(), st.line)));
            }
            Item::Enum(e) => {
                declared.extend(e.tag.iter().map(|t| (t.as_str(), e.line)));
                declared.extend(e.names.iter().map(|d| (d.name.as_str(), e.line)));
                declared.extend(e.variants.iter().map(|v| (v.name.as_str(), e.line)));
            }
            _ => {}
        }
    }
    declared
}

/// Every type an emitted method names must be declared by the bindings. The error is at
/// the interface's header and line.
pub fn types_declared(interfaces: &[Interface], items: &[BindgenItem]) -> Result<()> {
    let declared: HashSet<&str> = items.iter().map(|i| i.name()).collect();
    for i in interfaces {
        for m in &i.methods {
            let mut names = Vec::new();
            m.ret.names(&mut names);
            for p in &m.params {
                p.ty.names(&mut names);
            }
            if let Some(missing) = names.iter().find(|n| !declared.contains(n.as_str())) {
                return Err(Error::msg(format!(
                    "{}:{}: `{}::{}` uses the type `{missing}`, which bindgen did not declare; \
                     add the header that declares it to `emit.types_from` in the manifest",
                    i.header, i.line, i.name, m.name
                )));
            }
        }
    }
    Ok(())
}

/// Every struct and union of the bindings has a layout for every target it is declared
/// for: clang's layouts are read under bindgen's names ([`crate::clang::layouts`]), and a
/// name the two spell differently would otherwise lose its compile-time assertion
/// silently. Opaque records (`_unused: [u8; 0]`) and generic ones have no layout.
pub fn layouts_complete(
    targets: &[crate::ir::Target],
    items: &[BindgenItem],
    layouts: &[crate::clang::layouts::Layouts],
) -> Result<()> {
    for item in items {
        let (generics, fields) = match &item.item {
            syn::Item::Struct(s) => (&s.generics, s.fields.iter().collect::<Vec<_>>()),
            syn::Item::Union(u) => (&u.generics, u.fields.named.iter().collect()),
            _ => continue,
        };
        let opaque = fields.len() == 1 && fields[0].ident.as_ref().is_some_and(|i| i == "_unused");
        if opaque || !generics.params.is_empty() {
            continue;
        }
        for (t, l) in targets.iter().zip(layouts) {
            let declared_for = item.cfg.as_ref().is_none_or(|c| *c == t.cfg);
            if declared_for && !l.contains_key(item.name()) {
                return Err(Error::msg(format!(
                    "internal error: `{}` (in `{}`) has no layout from clang for {}: the \
                     generator names the record differently from bindgen",
                    item.name(),
                    item.header,
                    t.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clang::bindgen::ItemKey;
    use crate::ir::Target;

    fn record(name: &str, cfg: Option<&str>, src: &str) -> BindgenItem {
        BindgenItem {
            key: ItemKey::Named(name.into()),
            header: "h.h".into(),
            cfg: cfg.map(Into::into),
            item: syn::parse_str(src).unwrap(),
        }
    }

    fn targets() -> Vec<Target> {
        ["a", "b"]
            .iter()
            .map(|n| Target {
                name: n.to_string(),
                cfg: format!("t = \"{n}\""),
                ..Target::default()
            })
            .collect()
    }

    #[test]
    fn a_record_without_a_layout_is_an_error_naming_it() {
        use crate::ir::Layout;
        let items = [
            record("S", None, "pub struct S { pub x: u32 }"),
            record("O", None, "pub struct O { pub _unused: [u8; 0] }"),
            record("G", None, "pub struct G<T> { pub x: T }"),
            record("P", Some("t = \"a\""), "pub struct P { pub x: u64 }"),
        ];
        let a = BTreeMap::from([
            ("S".to_string(), Layout { size: 4, align: 4 }),
            ("P".to_string(), Layout { size: 8, align: 8 }),
        ]);
        let mut b = BTreeMap::from([("S".to_string(), Layout { size: 4, align: 4 })]);
        layouts_complete(&targets(), &items, &[a.clone(), b.clone()]).unwrap();
        b.clear();
        let e = layouts_complete(&targets(), &items, &[a, b])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "internal error: `S` (in `h.h`) has no layout from clang for b: the generator \
             names the record differently from bindgen"
        );
    }
}
