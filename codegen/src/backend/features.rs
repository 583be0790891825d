//! A cargo feature per module (per header): which modules each one's items name, so that
//! a feature turns on exactly the modules its items need. The base module and the COM
//! support are always compiled.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::{TokenStream, TokenTree};

/// For each feature-gated module (by module name), the other gated modules its items
/// name, from what each module defines ([`defined_names`] of its items, which the caller
/// has parsed already) and its tokens. The modules in `always` are never gated, nor is any
/// module they name (directly or through others): what is always compiled must find what
/// it uses.
pub fn dependencies_of(
    modules: &BTreeMap<String, (Vec<String>, TokenStream)>,
    always: &[&str],
) -> BTreeMap<String, BTreeSet<String>> {
    let all = names_used(modules);
    let mut ungated: BTreeSet<String> = always.iter().map(|s| s.to_string()).collect();
    let mut todo: Vec<String> = ungated.iter().cloned().collect();
    while let Some(m) = todo.pop() {
        for needed in all.get(&m).into_iter().flatten() {
            if ungated.insert(needed.clone()) {
                todo.push(needed.clone());
            }
        }
    }
    all.into_iter()
        .filter(|(m, _)| !ungated.contains(m))
        .map(|(m, needs)| {
            let needs = needs.into_iter().filter(|n| !ungated.contains(n)).collect();
            (m, needs)
        })
        .collect()
}

/// The names `items` define (at their level), in order.
pub fn defined_names(items: &[syn::Item]) -> Vec<String> {
    items.iter().filter_map(defined_name).collect()
}

/// For each module, the other modules whose names its items use.
fn names_used(
    modules: &BTreeMap<String, (Vec<String>, TokenStream)>,
) -> BTreeMap<String, BTreeSet<String>> {
    // Who defines each name.
    let mut defined_in: HashMap<&str, &str> = HashMap::new();
    for (module, (names, _)) in modules {
        for name in names {
            defined_in.entry(name).or_insert(module);
        }
    }
    let mut deps = BTreeMap::new();
    for (module, (_, body)) in modules {
        let mut needs = BTreeSet::new();
        for_each_ident(body.clone(), &mut |name| {
            if let Some(owner) = defined_in.get(name) {
                if owner != module {
                    needs.insert(owner.to_string());
                }
            }
        });
        deps.insert(module.clone(), needs);
    }
    deps
}

fn defined_name(item: &syn::Item) -> Option<String> {
    use syn::Item::*;
    Some(match item {
        Struct(s) => s.ident.to_string(),
        Union(u) => u.ident.to_string(),
        Enum(e) => e.ident.to_string(),
        Type(t) => t.ident.to_string(),
        Const(c) => c.ident.to_string(),
        Static(s) => s.ident.to_string(),
        Fn(f) => f.sig.ident.to_string(),
        Trait(t) => t.ident.to_string(),
        Mod(m) => m.ident.to_string(),
        Macro(m) => m.ident.as_ref()?.to_string(),
        Use(u) => {
            let mut tree = &u.tree;
            loop {
                match tree {
                    syn::UseTree::Path(p) => tree = &p.tree,
                    syn::UseTree::Rename(r) => break r.rename.to_string(),
                    syn::UseTree::Name(n) => break n.ident.to_string(),
                    _ => return None,
                }
            }
        }
        _ => return None,
    })
}

fn for_each_ident(tokens: TokenStream, f: &mut impl FnMut(&str)) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(i) => f(&i.to_string()),
            TokenTree::Group(g) => for_each_ident(g.stream(), f),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};

    /// The dependencies of modules given as tokens (parsed here, as the back end does).
    fn dependencies(
        bodies: &BTreeMap<String, TokenStream>,
        always: &[&str],
    ) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let mut modules = BTreeMap::new();
        for (module, body) in bodies {
            let file: syn::File = syn::parse2(body.clone()).map_err(|e| {
                Error::msg(format!(
                    "internal error: module {module} does not parse: {e}"
                ))
            })?;
            modules.insert(module.clone(), (defined_names(&file.items), body.clone()));
        }
        Ok(dependencies_of(&modules, always))
    }
    use quote::quote;

    #[test]
    fn a_module_needs_the_modules_whose_names_it_uses() {
        let bodies = BTreeMap::from([
            (
                "base".to_string(),
                quote!(
                    pub type ULONG = u32;
                    pub struct S {
                        pub d: D,
                    }
                ),
            ),
            (
                "a".to_string(),
                quote!(
                    pub struct A {
                        pub n: ULONG,
                    }
                ),
            ),
            (
                "b".to_string(),
                quote!(
                    pub struct B {
                        pub a: A,
                        pub c: C,
                    }
                ),
            ),
            (
                "c".to_string(),
                quote!(
                    pub struct C {
                        pub b: *mut B,
                    }
                ),
            ),
            (
                "d".to_string(),
                quote!(
                    pub struct D {
                        pub e: E,
                    }
                ),
            ),
            (
                "e".to_string(),
                quote!(
                    pub struct E;
                ),
            ),
        ]);
        let deps = dependencies(&bodies, &["base"]).unwrap();
        let names = |m: &str| deps[m].iter().cloned().collect::<Vec<_>>();
        assert!(names("a").is_empty(), "base is always there");
        assert_eq!(names("b"), ["a", "c"]);
        assert_eq!(names("c"), ["b"], "cycles are allowed: cargo resolves them");
        assert!(!deps.contains_key("base"));
        // What the base module uses, and what that uses, is never gated.
        assert!(!deps.contains_key("d") && !deps.contains_key("e"));
    }

    #[test]
    fn a_use_alias_defines_its_name() {
        let bodies = BTreeMap::from([
            (
                "base".to_string(),
                quote!(
                    pub type ULONG = u32;
                ),
            ),
            (
                "form".to_string(),
                quote!(
                    pub type tagSAVEOPTS = u32;
                    pub use self::tagSAVEOPTS as SAVEOPTS;
                ),
            ),
            (
                "user".to_string(),
                quote!(
                    pub struct U {
                        pub s: SAVEOPTS,
                    }
                ),
            ),
        ]);
        let deps = dependencies(&bodies, &["base"]).unwrap();
        assert_eq!(deps["user"].iter().collect::<Vec<_>>(), ["form"]);
    }
}
