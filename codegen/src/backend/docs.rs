//! The docs of every generated item: where it is declared (the header, or the IDL file
//! it was lowered from) and, for what Microsoft's Outlook MAPI reference describes, the
//! page to read. Written from the model alone, so the same inputs give the same words.

use std::collections::BTreeMap;

use syn::{parse_quote, Attribute, Fields, Item};

use super::shown_header;
use crate::ir::{Constant, Model};

/// Where Microsoft's Outlook MAPI reference keeps its pages: one per interface
/// (`imapipropiunknown`), per method (`imapiprop-getprops`) and per structure
/// (`spropvalue`), named by the lower-cased names.
pub const REFERENCE: &str = "https://learn.microsoft.com/office/client-developer/outlook/mapi/";

/// The reference page of `iface::method`.
pub fn method_page(iface: &str, method: &str) -> String {
    format!(
        "{REFERENCE}{}-{}",
        iface.to_ascii_lowercase(),
        method.to_ascii_lowercase()
    )
}

/// What the docs say of a header key: "`MAPIDefS.h`", or the Windows SDK's for the base
/// module.
pub fn origin(model: &Model, header: &str) -> String {
    if header == model.package.base_module {
        "the Windows SDK headers (as mingw-w64 declares them), which the MAPI headers use"
            .to_string()
    } else {
        format!("`{}`", shown_header(model, header))
    }
}

/// The IDL's documentation of `key` as doc attributes, one per line, then an empty one
/// that ends its paragraph; nothing where the IDL says nothing.
pub fn note(model: &Model, key: &str) -> Vec<Attribute> {
    let Some(text) = model.note(key) else {
        return Vec::new();
    };
    let mut attrs: Vec<Attribute> = text
        .lines()
        .map(|l| {
            let l = plain_text(l);
            let l = if l.is_empty() { l } else { format!(" {l}") };
            parse_quote!(#[doc = #l])
        })
        .collect();
    attrs.push(parse_quote!(#[doc = ""]));
    attrs
}

/// A line of the IDL's plain-text comment as Markdown that reads the same: brackets,
/// angle brackets, stars and backslashes escaped (not links, HTML or emphasis), fences
/// broken, and the indentation dropped (four spaces would start a code block, which
/// rustdoc would compile as a test). Single backticks stay: they mark code in both.
fn plain_text(line: &str) -> String {
    let line = line.trim();
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    if out.starts_with("```") || out.starts_with("~~~") {
        out.insert(0, '\\');
    }
    out
}

fn doc(text: &str) -> Attribute {
    let text = format!(" {text}");
    parse_quote!(#[doc = #text])
}

fn has_doc(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

/// The structure's name as Microsoft's reference names it: bindgen's `_SPropValue` is
/// the `SPropValue` structure; its anonymous parts (`_SPropValue__bindgen_ty_1`) have no
/// page of their own.
fn structure_name(ident: &str) -> Option<&str> {
    if ident.contains("bindgen_ty") {
        return None;
    }
    Some(ident.strip_prefix('_').unwrap_or(ident))
}

/// `item` with docs on it and on its public fields, where bindgen gave none.
pub fn type_item(model: &Model, header: &str, mut item: Item) -> Item {
    let from = origin(model, header);
    let is_mapi = model.package.references && header != model.package.base_module;
    let described = |kind: &str, ident: &syn::Ident| -> String {
        let name = ident.to_string();
        match structure_name(&name) {
            Some(s) if is_mapi => format!(
                "The `{s}` {kind}, from {from}. Microsoft's reference: [{s}]({REFERENCE}{}).",
                s.to_ascii_lowercase()
            ),
            Some(s) => format!("The `{s}` {kind}, from {from}."),
            None => format!("A part of a {kind} without a name of its own, from {from}."),
        }
    };
    let field_docs = |fields: &mut Fields, owner: &str| {
        for (i, f) in fields.iter_mut().enumerate() {
            if has_doc(&f.attrs) || !matches!(f.vis, syn::Visibility::Public(_)) {
                continue;
            }
            if let Some(name) = &f.ident {
                f.attrs.extend(note(model, &format!("{owner}::{name}")));
            }
            let text = match &f.ident {
                Some(name) => format!("`{name}` of `{owner}`."),
                None => format!("Field {i} of `{owner}`."),
            };
            f.attrs.push(doc(&text));
        }
    };
    match &mut item {
        Item::Struct(s) => {
            if !has_doc(&s.attrs) {
                s.attrs.extend(note(model, &s.ident.to_string()));
                s.attrs.push(doc(&described("structure", &s.ident)));
            }
            let owner = s.ident.to_string();
            field_docs(&mut s.fields, &owner);
        }
        Item::Union(u) => {
            if !has_doc(&u.attrs) {
                u.attrs.extend(note(model, &u.ident.to_string()));
                u.attrs.push(doc(&described("union", &u.ident)));
            }
            let owner = u.ident.to_string();
            let mut fields = Fields::Named(u.fields.clone());
            field_docs(&mut fields, &owner);
            if let Fields::Named(named) = fields {
                u.fields = named;
            }
        }
        Item::Type(t) if !has_doc(&t.attrs) => {
            let ty = &t.ty;
            let target = type_text(&quote::quote!(#ty).to_string());
            t.attrs.extend(note(model, &t.ident.to_string()));
            t.attrs
                .push(doc(&format!("`{}` is `{target}`, from {from}.", t.ident)));
        }
        Item::Enum(e) if !has_doc(&e.attrs) => {
            e.attrs.extend(note(model, &e.ident.to_string()));
            e.attrs
                .push(doc(&format!("The `{}` enumeration, from {from}.", e.ident)));
        }
        Item::Const(c) if !has_doc(&c.attrs) => {
            c.attrs.push(doc(&format!("`{}`, from {from}.", c.ident)));
        }
        Item::Static(s) if !has_doc(&s.attrs) => {
            s.attrs.push(doc(&format!("`{}`, from {from}.", s.ident)));
        }
        Item::Fn(f) if !has_doc(&f.attrs) => {
            f.attrs
                .push(doc(&format!("`{}`, from {from}.", f.sig.ident)));
        }
        _ => {}
    }
    item
}

/// The names of the `PT_*` property types, by value (for the docs of property tags): of
/// names with one value (`PT_I4`, `PT_LONG`), the first in name order, so the choice is
/// stable.
pub fn property_types(model: &Model) -> BTreeMap<i128, String> {
    let mut types = BTreeMap::new();
    for c in model
        .constants
        .values()
        .filter(|c| c.name.starts_with("PT_"))
    {
        types.entry(c.value).or_insert_with(|| c.name.clone());
    }
    types
}

/// The doc of a constant: its header, and for a property tag its identifier and type.
pub fn constant(model: &Model, c: &Constant, types: &BTreeMap<i128, String>) -> String {
    let from = origin(model, &c.header);
    let tag_like = c.name.starts_with("PR_") && c.ty == "ULONG";
    if tag_like {
        let id = (c.value >> 16) & 0xFFFF;
        let ty = c.value & 0xFFFF;
        let ty_name = types
            .get(&ty)
            .map_or_else(|| format!("{ty:#06X}"), |n| format!("`{n}`"));
        return format!(
            "Property tag `{}`: identifier {id:#06X}, type {ty_name}; from {from}.",
            c.name
        );
    }
    format!("`{}`, from {from}.", c.name)
}

/// A type's tokens as a reader writes them: `*mut _SPropValue`, `Option<unsafe extern
/// "system" fn(..)>` rather than `* mut _SPropValue`.
fn type_text(tokens: &str) -> String {
    let mut t = tokens.to_string();
    for (from, to) in [
        ("* mut ", "*mut "),
        ("* const ", "*const "),
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
    ] {
        t = t.replace(from, to);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_as_written() {
        assert_eq!(type_text("* mut _SPropValue"), "*mut _SPropValue");
        assert_eq!(
            type_text(":: core :: option :: Option < unsafe extern \"system\" fn (a : ULONG) >"),
            "::core::option::Option<unsafe extern \"system\" fn (a : ULONG)>"
        );
        assert_eq!(type_text("[u8 ; 8usize]"), "[u8; 8usize]");
    }

    #[test]
    fn idl_comments_read_as_plain_text() {
        assert_eq!(
            plain_text("  see [out] <b> a*b \\n"),
            "see \\[out\\] \\<b\\> a\\*b \\\\n"
        );
        assert_eq!(plain_text("```rust"), "\\```rust");
        assert_eq!(plain_text("`code` stays"), "`code` stays");
    }

    #[test]
    fn reference_pages_are_named_by_lower_case_names() {
        assert_eq!(
            method_page("IMAPIProp", "GetProps"),
            "https://learn.microsoft.com/office/client-developer/outlook/mapi/imapiprop-getprops"
        );
        assert_eq!(structure_name("_SPropValue"), Some("SPropValue"));
        assert_eq!(structure_name("_SPropValue__bindgen_ty_1"), None);
    }
}
