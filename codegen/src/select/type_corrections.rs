//! The manifest's corrections of the type items (`[corrections]` `types`): a typedef's
//! own type, a parameter or the return type of a function-pointer typedef, a field of a
//! struct or union. They apply to the merged items, so the Rust bindings and the C header
//! (rendered from the same items) carry the corrected type alike, and
//! [`super::record_corrections`] applies them to the headers' C-typed records.

use super::merge::BindgenItem;
use crate::clang::bindgen::ItemKey;
use crate::error::Result;
use crate::ir::{CType, Corrected};
use crate::manifest::{Manifest, TypeCorrection};

/// The member a correction names for a function type's return type.
pub const RETURN: &str = "return";

/// Applies every entry of `[corrections]` `types`, checking each still applies: the
/// bindings carry the item, some version of it (one per target where they differ) has
/// the member, and every version that has it gives it the type the correction replaces.
/// A version that has the corrected type already (Microsoft's headers, through
/// `--mapi-include`) is left as it is; a member of neither type is an error at its line.
/// Returns the declarations it changed (some version of the item had the `from` type), in
/// the manifest's order.
pub fn apply(manifest: &Manifest, items: &mut [BindgenItem]) -> Result<Vec<Corrected>> {
    let mut corrected = Vec::new();
    for c in &manifest.spec.corrections.types {
        let at = c.span().start;
        let c = c.get_ref();
        if let Some(header) = apply_one(c, items).map_err(|m| manifest.error_at(at, m))? {
            corrected.push(Corrected {
                item: c.item.clone(),
                member: c.member.clone(),
                header,
                from: c.from.clone(),
                to: c.to.clone(),
            });
        }
    }
    Ok(corrected)
}

/// One correction over every version of its item: the key of the header of the version
/// it changed (`None` when every version had the corrected type already); the message of
/// what went wrong.
fn apply_one(
    c: &TypeCorrection,
    items: &mut [BindgenItem],
) -> std::result::Result<Option<String>, String> {
    let read = |s: &str| CType::parse_simple(s).ok_or(format!("cannot read the type `{s}`"));
    let (from, to) = (read(&c.from)?, read(&c.to)?);
    let key = ItemKey::Named(c.item.clone());
    let mut versions = items.iter_mut().filter(|i| i.key == key).peekable();
    if versions.peek().is_none() {
        return Err(format!(
            "correction names type `{}`, which the bindings do not carry",
            c.item
        ));
    }
    let shown = || match &c.member {
        Some(m) => format!("`{}` member `{m}`", c.item),
        None => format!("`{}`", c.item),
    };
    let mut found = false;
    let mut changed = None;
    for version in versions {
        let header = version.header.clone();
        let Some(slot) = member(&mut version.item, c.member.as_deref()) else {
            continue;
        };
        found = true;
        let now = c_type(slot);
        if now.as_ref() == Some(&to) {
            continue;
        }
        if now.as_ref() != Some(&from) {
            let now = now.map_or_else(|| quote::quote!(#slot).to_string(), |t| t.to_string());
            return Err(format!(
                "{} is `{now}` in the headers, neither `{}` nor `{}`: the correction no \
                 longer applies",
                shown(),
                c.from,
                c.to
            ));
        }
        *slot = rust_type(&to);
        changed = Some(header);
    }
    if !found {
        return Err(format!("{} is not in the bindings", shown()));
    }
    Ok(changed)
}

/// The type a correction's member names in one version of an item: a typedef's own type
/// (`None`), its function type's parameter or [`RETURN`] type, a record's field.
fn member<'i>(item: &'i mut syn::Item, name: Option<&str>) -> Option<&'i mut syn::Type> {
    match (item, name) {
        (syn::Item::Type(t), None) => Some(&mut t.ty),
        (syn::Item::Type(t), Some(RETURN)) => match &mut function(&mut t.ty)?.output {
            syn::ReturnType::Type(_, ty) => Some(ty),
            syn::ReturnType::Default => None,
        },
        (syn::Item::Type(t), Some(name)) => function(&mut t.ty)?
            .inputs
            .iter_mut()
            .find(|a| a.name.as_ref().is_some_and(|(n, _)| n == name))
            .map(|a| &mut a.ty),
        (syn::Item::Struct(s), Some(name)) => field(s.fields.iter_mut(), name),
        (syn::Item::Union(u), Some(name)) => field(u.fields.named.iter_mut(), name),
        _ => None,
    }
}

fn field<'f>(
    mut fields: impl Iterator<Item = &'f mut syn::Field>,
    name: &str,
) -> Option<&'f mut syn::Type> {
    fields
        .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        .map(|f| &mut f.ty)
}

/// The function type of a function-pointer type: `Option<unsafe extern "C" fn(..)>` or
/// the bare `fn`.
pub(super) fn function(ty: &mut syn::Type) -> Option<&mut syn::TypeBareFn> {
    match ty {
        syn::Type::BareFn(f) => Some(f),
        syn::Type::Path(p) => {
            let last = p.path.segments.last_mut()?;
            if last.ident != "Option" {
                return None;
            }
            match &mut last.arguments {
                syn::PathArguments::AngleBracketed(a) => match a.args.first_mut()? {
                    syn::GenericArgument::Type(t) => function(t),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// A Rust type of the bindings as the corrections spell it: a name (a Rust primitive
/// among them) behind its pointers; `None` for anything else.
fn c_type(ty: &syn::Type) -> Option<CType> {
    match ty {
        syn::Type::Ptr(p) => Some(CType::Ptr {
            is_const: p.const_token.is_some(),
            to: Box::new(c_type(&p.elem)?),
        }),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if !last.arguments.is_none() {
                return None;
            }
            let name = last.ident.to_string();
            Some(primitive(&name).map_or(CType::Named(name), CType::Prim))
        }
        _ => None,
    }
}

fn primitive(name: &str) -> Option<&'static str> {
    ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64"]
        .into_iter()
        .find(|p| *p == name)
}

/// The Rust type of a corrected C type (what [`CType::parse_simple`] reads).
fn rust_type(ty: &CType) -> syn::Type {
    match ty {
        CType::Void => syn::parse_quote!(::core::ffi::c_void),
        CType::Prim(p) => syn::Type::Path(syn::TypePath {
            qself: None,
            path: syn::Ident::new(p, proc_macro2::Span::call_site()).into(),
        }),
        CType::Named(n) | CType::Interface(n) => syn::Type::Path(syn::TypePath {
            qself: None,
            path: syn::Ident::new(n, proc_macro2::Span::call_site()).into(),
        }),
        CType::Ptr { is_const: true, to } => {
            let to = rust_type(to);
            syn::parse_quote!(*const #to)
        }
        CType::Ptr {
            is_const: false,
            to,
        } => {
            let to = rust_type(to);
            syn::parse_quote!(*mut #to)
        }
        CType::Fn { .. } => syn::parse_quote!(::core::ffi::c_void),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(rust: &str) -> BindgenItem {
        let item: syn::Item = syn::parse_str(rust).unwrap();
        BindgenItem {
            key: ItemKey::of(&item),
            header: "h".into(),
            cfg: None,
            item,
        }
    }

    fn correction(item: &str, member: Option<&str>, from: &str, to: &str) -> TypeCorrection {
        TypeCorrection {
            item: item.into(),
            member: member.map(str::to_string),
            from: from.into(),
            to: to.into(),
        }
    }

    fn text(i: &BindgenItem) -> String {
        let item = &i.item;
        quote::quote!(#item).to_string()
    }

    #[test]
    fn a_typedef_a_parameter_a_return_type_and_a_field_are_corrected() {
        let mut items = vec![
            item("pub type BOOKMARK = ULONG;"),
            item(
                "pub type CB = ::core::option::Option<unsafe extern \"C\" fn(ulUIParam: ULONG, \
                 lpv: LPVOID) -> WINBOOL>;",
            ),
            item("pub struct S { pub l: i32, pub k: *mut LPTSTR }"),
        ];
        for c in [
            correction("BOOKMARK", None, "ULONG", "ULONG_PTR"),
            correction("CB", Some("ulUIParam"), "ULONG", "ULONG_PTR"),
            correction("CB", Some(RETURN), "WINBOOL", "BOOL"),
            correction("S", Some("l"), "long", "LONG"),
            correction("S", Some("k"), "LPTSTR*", "const LPCTSTR*"),
        ] {
            apply_one(&c, &mut items).unwrap();
        }
        assert_eq!(text(&items[0]), "pub type BOOKMARK = ULONG_PTR ;");
        assert!(
            text(&items[1]).contains("fn (ulUIParam : ULONG_PTR , lpv : LPVOID) -> BOOL"),
            "{}",
            text(&items[1])
        );
        assert_eq!(
            text(&items[2]),
            "pub struct S { pub l : LONG , pub k : * const LPCTSTR }"
        );
        // Applied again, each finds its goal reached.
        let before = text(&items[1]);
        apply_one(
            &correction("CB", Some("ulUIParam"), "ULONG", "ULONG_PTR"),
            &mut items,
        )
        .unwrap();
        assert_eq!(text(&items[1]), before);
    }

    #[test]
    fn a_stale_or_misnamed_correction_is_an_error() {
        let mut items = vec![item("pub type BOOKMARK = USHORT;")];
        let stale = apply_one(
            &correction("BOOKMARK", None, "ULONG", "ULONG_PTR"),
            &mut items,
        );
        assert_eq!(
            stale.unwrap_err(),
            "`BOOKMARK` is `USHORT` in the headers, neither `ULONG` nor `ULONG_PTR`: the \
             correction no longer applies"
        );
        let missing = apply_one(&correction("NOPE", None, "ULONG", "ULONG_PTR"), &mut items);
        assert!(missing.unwrap_err().contains("do not carry"));
        let member = apply_one(
            &correction("BOOKMARK", Some("x"), "ULONG", "ULONG_PTR"),
            &mut items,
        );
        assert_eq!(
            member.unwrap_err(),
            "`BOOKMARK` member `x` is not in the bindings"
        );
    }

    #[test]
    fn only_the_versions_that_have_the_member_are_corrected() {
        // x86_64's alias and i686's spelled-out function type, as bindgen gives them.
        let mut items = vec![
            item("pub type LPFN = CB;"),
            item(
                "pub type LPFN = ::core::option::Option<unsafe extern \"system\" fn(arg1: ULONG)>;",
            ),
        ];
        items[0].cfg = Some("a".into());
        items[1].cfg = Some("b".into());
        apply_one(
            &correction("LPFN", Some("arg1"), "ULONG", "ULONG_PTR"),
            &mut items,
        )
        .unwrap();
        assert_eq!(text(&items[0]), "pub type LPFN = CB ;");
        assert!(text(&items[1]).contains("arg1 : ULONG_PTR"));
    }
}
