//! Type items of the Rust bindings rendered from the headers' C-typed records
//! ([`Model::header_declarations`]) in bindgen's spelling, one `gen_*` per kind, so that
//! the bindings come out byte for byte as bindgen's items gave them:
//!
//! - a typedef of a scalar, a record, an enum's typedef or a pointer to them: `pub type
//!   LPSBinary = *mut _SBinary;` (`gen_typedef`); a pointer to an interface is
//!   `InterfacePtr<IFoo>` where the bindings emit `IFoo`, `*mut c_void` where they do not
//!   (`LPSTORAGE`), as the selection typed bindgen's; a pointer to a function typedef is
//!   the typedef, which bindgen makes a pointer itself (`LPFNABSDI` is `ACCELERATEABSDI`);
//! - a typedef of a function type or of a pointer to one, its parameters under the
//!   headers' names (bindgen's `argN` for an unnamed one): `Option<unsafe extern "system"
//!   fn(..)>` (`gen_typedef`);
//! - the typedef of a named enum, `pub use self::tagTYPEKIND as TYPEKIND;`
//!   (`gen_enum_alias`);
//! - an enum as its integer type (`gen_enum`) and each enumerator as a constant of the
//!   enum's type (`gen_enumerator`);
//! - a struct or union whose fields are all of those types or arrays of them, or function
//!   pointers under the member's parameter names (`gen_record`), a struct declared and
//!   never defined with a private member of no size (`gen_opaque`).
//!
//! Every item of the bindings renders so: a function type's parameters the typedef does
//! not name (i686's records spell `LPFNABSDI`'s `ACCELERATEABSDI *` out, with no names)
//! are bindgen's `argN`, and C++'s builtin `wchar_t` is a typedef of `u16` among the
//! records. `None` is for what no record of the target declares, and for what the records
//! leave out (bit-fields, arrays of arrays). Which record an item comes from is the
//! item's name, in the records of its target (of the first
//! target for an item every target shares).

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::quote;

use super::{ident, param_ident};
use crate::ir::{Abi, CType, Declaration, DeclarationKind, Field, Model, TypeItem};

/// One target's records by name, and its enumerators.
#[derive(Default)]
struct Target<'m> {
    by_name: HashMap<&'m str, &'m Declaration>,
    /// The interfaces the bindings emit.
    emitted: HashSet<&'m str>,
    /// Enumerator name -> its enum's name and value.
    enumerators: HashMap<&'m str, (&'m str, i128)>,
}

/// The records of every target, by name, for rendering the items.
pub struct Records<'m> {
    /// Target cfg -> its records, in the targets' order.
    targets: Vec<(&'m str, &'m str, Target<'m>)>,
}

impl<'m> Records<'m> {
    /// The model's header declarations, indexed.
    pub fn new(model: &'m Model) -> Records<'m> {
        let targets = model
            .targets
            .iter()
            .map(|t| {
                let mut index = Target {
                    emitted: model.interfaces.iter().map(|i| i.name.as_str()).collect(),
                    ..Target::default()
                };
                for d in model.header_declarations.get(&t.name).into_iter().flatten() {
                    index.by_name.entry(&d.name).or_insert(d);
                    if let DeclarationKind::Enum { constants, .. } = &d.kind {
                        for (n, v) in constants {
                            index.enumerators.entry(n).or_insert((&d.name, *v));
                        }
                    }
                }
                (t.name.as_str(), t.cfg.as_str(), index)
            })
            .collect();
        Records { targets }
    }

    /// `item` rendered from its target's records (the first target's when it has no
    /// `cfg`), or `None` where the records cannot render it.
    pub fn render(&self, item: &TypeItem) -> Option<syn::Item> {
        let target = match &item.cfg {
            Some(cfg) => self.targets.iter().find(|(_, c, _)| c == cfg)?,
            None => self.targets.first()?,
        };
        self.render_in(target.0, &item.name)
    }

    /// The item named `name` rendered from target `target`'s records (by target name).
    pub fn render_in(&self, target: &str, name: &str) -> Option<syn::Item> {
        let (_, _, t) = self.targets.iter().find(|(n, _, _)| *n == target)?;
        if let Some(&(ty, value)) = t.enumerators.get(name) {
            return Some(gen_enumerator(name, ty, value));
        }
        let d = t.by_name.get(name)?;
        match &d.kind {
            DeclarationKind::Typedef(CType::Named(e))
                if matches!(t.kind_of(e), Some(DeclarationKind::Enum { .. })) =>
            {
                Some(gen_enum_alias(&d.name, e))
            }
            DeclarationKind::Typedef(ty) => gen_typedef(t, d, ty),
            DeclarationKind::Enum { ty, .. } => gen_enum(&d.name, ty),
            DeclarationKind::Struct { fields } => gen_record(t, &d.name, false, fields),
            DeclarationKind::Union { fields } => gen_record(t, &d.name, true, fields),
            DeclarationKind::Opaque => Some(gen_opaque(&d.name)),
        }
    }
}

impl Target<'_> {
    fn kind_of(&self, name: &str) -> Option<&DeclarationKind> {
        self.by_name.get(name).map(|d| &d.kind)
    }
}

/// `pub const NAME: ENUM = VALUE;`
fn gen_enumerator(name: &str, ty: &str, value: i128) -> syn::Item {
    let (name, ty) = (ident(name), ident(ty));
    let value: syn::Expr = syn::parse_str(&value.to_string()).expect("an integer parses");
    syn::parse_quote!(pub const #name: #ty = #value;)
}

/// An enum as bindgen declares it: `pub type NAME = u32;`, its integer type.
fn gen_enum(name: &str, ty: &CType) -> Option<syn::Item> {
    let CType::Prim(p) = ty else {
        return None;
    };
    let (name, p) = (ident(name), ident(p));
    Some(syn::parse_quote!(pub type #name = #p;))
}

/// The typedef of a named enum: `pub use self::tagTYPEKIND as TYPEKIND;`.
fn gen_enum_alias(name: &str, enumeration: &str) -> syn::Item {
    let (name, enumeration) = (ident(name), ident(enumeration));
    syn::parse_quote!(pub use self::#enumeration as #name;)
}

/// `pub type NAME = TYPE;`, a function type (itself or behind one pointer) as bindgen's
/// `Option<unsafe extern ".." fn(..)>` with the typedef's parameter names.
fn gen_typedef(t: &Target<'_>, d: &Declaration, ty: &CType) -> Option<syn::Item> {
    let function = match ty {
        CType::Fn { .. } => Some(ty),
        CType::Ptr { to, .. } if matches!(**to, CType::Fn { .. }) => Some(&**to),
        _ => None,
    };
    let target = match function {
        Some(CType::Fn { abi, ret, params }) => fn_pointer(t, *abi, ret, params, &d.params)?,
        _ => value_type(t, ty)?,
    };
    let name = ident(&d.name);
    Some(syn::parse_quote!(pub type #name = #target;))
}

/// A struct or union: `#[repr(C)] #[derive(Copy, Clone)] pub struct NAME { pub f: T, .. }`.
fn gen_record(t: &Target<'_>, name: &str, union: bool, fields: &[Field]) -> Option<syn::Item> {
    let fields = fields
        .iter()
        .map(|f| gen_field(t, f))
        .collect::<Option<Vec<_>>>()?;
    let name = ident(name);
    Some(if union {
        syn::parse_quote! {
            #[repr(C)]
            #[derive(Copy, Clone)]
            pub union #name { #(#fields,)* }
        }
    } else {
        syn::parse_quote! {
            #[repr(C)]
            #[derive(Copy, Clone)]
            pub struct #name { #(#fields,)* }
        }
    })
}

/// A struct declared and never defined, as bindgen declares it: a private member of no
/// size.
fn gen_opaque(name: &str) -> syn::Item {
    let name = ident(name);
    syn::parse_quote! {
        #[repr(C)]
        #[derive(Debug)]
        pub struct #name { _unused: [u8; 0], }
    }
}

/// `pub name: T`, an array's `[T; Nusize]`.
fn gen_field(t: &Target<'_>, f: &Field) -> Option<TokenStream> {
    let name = param_ident(&f.name);
    let ty = match &f.ty {
        // A function pointer, its parameters under the member's names.
        CType::Ptr { to, .. } => match &**to {
            CType::Fn { abi, ret, params } => fn_pointer(t, *abi, ret, params, &f.params)?,
            _ => value_type(t, &f.ty)?,
        },
        _ => value_type(t, &f.ty)?,
    };
    Some(match f.array_len {
        Some(len) => {
            let len = proc_macro2::Literal::usize_suffixed(usize::try_from(len).ok()?);
            quote!(pub #name: [#ty; #len])
        }
        None => quote!(pub #name: #ty),
    })
}

/// A type that is no function: a primitive, a name the target's records declare, or
/// pointers to them (`*mut T`, `*const T`, `*mut c_void`).
fn value_type(t: &Target<'_>, ty: &CType) -> Option<TokenStream> {
    Some(match ty {
        CType::Void => quote!(::core::ffi::c_void),
        CType::Prim(p) => {
            let p = ident(p);
            quote!(#p)
        }
        CType::Named(n) => {
            // A function type by value is no type of its own in Rust.
            if is_function(t, n)? {
                return None;
            }
            let n = ident(n);
            quote!(#n)
        }
        // bindgen's function typedef is the pointer already: `LPFNABSDI` is an
        // `ACCELERATEABSDI *`, `pub type LPFNABSDI = ACCELERATEABSDI;`.
        CType::Ptr { to, .. } if matches!(&**to, CType::Named(n) if is_function(t, n) == Some(true)) =>
        {
            let CType::Named(n) = &**to else {
                unreachable!()
            };
            let n = ident(n);
            quote!(#n)
        }
        // bindgen's interface pointers, as the selection typed them.
        CType::Ptr { to, .. } if matches!(**to, CType::Interface(_)) => {
            let CType::Interface(name) = &**to else {
                unreachable!()
            };
            if t.emitted.contains(name.as_str()) {
                let name = ident(name);
                quote!(InterfacePtr<#name>)
            } else {
                quote!(*mut ::core::ffi::c_void)
            }
        }
        CType::Ptr { is_const, to } => {
            let to = value_type(t, to)?;
            if *is_const {
                quote!(*const #to)
            } else {
                quote!(*mut #to)
            }
        }
        CType::Interface(_) | CType::Fn { .. } => return None,
    })
}

/// Whether the target's typedef `name` names a function type; `None` if no record of the
/// target declares `name`.
fn is_function(t: &Target<'_>, name: &str) -> Option<bool> {
    Some(matches!(
        t.kind_of(name)?,
        DeclarationKind::Typedef(CType::Fn { .. })
    ))
}

/// `::core::option::Option<unsafe extern "ABI" fn(a: A, ..) -> R>`, the parameters under
/// `names` (bindgen's `argN` for an empty one, and for every one when `names` is empty:
/// a typedef that spells a function type out behind a pointer, as mingw-w64's i686
/// `LPFNABSDI` does `ACCELERATEABSDI *`, names none). `None` if `names` names some
/// parameters and not others.
fn fn_pointer(
    t: &Target<'_>,
    abi: Abi,
    ret: &CType,
    params: &[CType],
    names: &[String],
) -> Option<TokenStream> {
    if !names.is_empty() && names.len() != params.len() {
        return None;
    }
    let params = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = match names.get(i).map_or("", String::as_str) {
                "" => ident(&format!("arg{}", i + 1)),
                n => param_ident(n),
            };
            let ty = value_type(t, p)?;
            Some(quote!(#name: #ty))
        })
        .collect::<Option<Vec<_>>>()?;
    let ret = match ret {
        CType::Void => quote!(),
        r => {
            let r = value_type(t, r)?;
            quote!(-> #r)
        }
    };
    let abi = syn::LitStr::new(abi.as_str(), Span::call_site());
    Some(quote!(::core::option::Option<unsafe extern #abi fn(#(#params),*) #ret>))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Interface, Target as ModelTarget};

    fn named(n: &str) -> CType {
        CType::Named(n.into())
    }

    fn ptr(to: CType) -> CType {
        CType::Ptr {
            is_const: false,
            to: Box::new(to),
        }
    }

    fn function(params: usize) -> CType {
        CType::Fn {
            abi: Abi::System,
            ret: Box::new(named("ULONG")),
            params: vec![named("ULONG"); params],
        }
    }

    fn typedef(name: &str, ty: CType, params: &[&str]) -> Declaration {
        let mut d = Declaration::typedef(name, "h", ty);
        d.params = params.iter().map(|p| p.to_string()).collect();
        d
    }

    fn model() -> Model {
        let declarations = vec![
            typedef("ULONG", CType::Prim("u32"), &[]),
            typedef("LPULONG", ptr(named("ULONG")), &[]),
            Declaration {
                name: "tagKIND".into(),
                header: "h".into(),
                kind: DeclarationKind::Enum {
                    ty: CType::Prim("i32"),
                    constants: vec![("K_NONE".into(), -1), ("K_ONE".into(), 1)],
                },
                params: Vec::new(),
            },
            typedef("KIND", named("tagKIND"), &[]),
            Declaration {
                name: "_ROW".into(),
                header: "h".into(),
                kind: DeclarationKind::Struct {
                    fields: vec![
                        Field::new("type", named("KIND"), None),
                        Field::new("ab", CType::Prim("u8"), Some(4)),
                        Field {
                            params: vec![String::new()],
                            ..Field::new("pfn", ptr(function(1)), None)
                        },
                    ],
                },
                params: Vec::new(),
            },
            typedef("CALLBACK", function(2), &["cb", ""]),
            typedef("LPCALLBACK", ptr(named("CALLBACK")), &[]),
            typedef("LPSPELLED", ptr(function(1)), &[]),
            typedef("LPUNKNOWN", ptr(CType::Interface("IUnknown".into())), &[]),
            typedef("LPSTREAM", ptr(CType::Interface("IStream".into())), &[]),
            typedef("LPNOTHING", ptr(named("NOTHING")), &[]),
            Declaration::opaque("HBODY__", "h"),
            Declaration {
                name: "_UNNAMED".into(),
                header: "h".into(),
                kind: DeclarationKind::Struct {
                    fields: vec![Field::new("pfn", ptr(function(1)), None)],
                },
                params: Vec::new(),
            },
        ];
        Model {
            targets: vec![ModelTarget {
                name: "x86_64".into(),
                cfg: "target_pointer_width = \"64\"".into(),
                ..Default::default()
            }],
            header_declarations: [("x86_64".to_string(), declarations)].into(),
            interfaces: vec![Interface {
                name: "IUnknown".into(),
                base: None,
                iid: None,
                header: "h".into(),
                line: 1,
                methods: vec![],
                unsupported: None,
            }],
            ..Model::default()
        }
    }

    fn rendered(records: &Records<'_>, name: &str) -> Option<String> {
        let item = records.render_in("x86_64", name)?;
        Some(quote!(#item).to_string())
    }

    #[test]
    fn each_kind_renders_as_bindgen_spells_it() {
        let model = model();
        let r = Records::new(&model);
        assert_eq!(
            rendered(&r, "LPULONG").unwrap(),
            "pub type LPULONG = * mut ULONG ;"
        );
        assert_eq!(rendered(&r, "tagKIND").unwrap(), "pub type tagKIND = i32 ;");
        assert_eq!(
            rendered(&r, "K_NONE").unwrap(),
            "pub const K_NONE : tagKIND = - 1 ;"
        );
        assert_eq!(
            rendered(&r, "KIND").unwrap(),
            "pub use self :: tagKIND as KIND ;"
        );
        assert_eq!(
            rendered(&r, "_ROW").unwrap(),
            "# [repr (C)] # [derive (Copy , Clone)] pub struct _ROW { pub type_ : KIND , pub ab : [u8 ; 4usize] , pub pfn : :: core :: option :: Option < unsafe extern \"system\" fn (arg1 : ULONG) -> ULONG > , }"
        );
        assert_eq!(
            rendered(&r, "LPCALLBACK").unwrap(),
            "pub type LPCALLBACK = CALLBACK ;"
        );
        assert_eq!(
            rendered(&r, "HBODY__").unwrap(),
            "# [repr (C)] # [derive (Debug)] pub struct HBODY__ { _unused : [u8 ; 0] , }"
        );
        assert_eq!(
            rendered(&r, "LPUNKNOWN").unwrap(),
            "pub type LPUNKNOWN = InterfacePtr < IUnknown > ;"
        );
        assert_eq!(
            rendered(&r, "LPSTREAM").unwrap(),
            "pub type LPSTREAM = * mut :: core :: ffi :: c_void ;"
        );
        assert_eq!(
            rendered(&r, "CALLBACK").unwrap(),
            "pub type CALLBACK = :: core :: option :: Option < unsafe extern \"system\" fn (cb : ULONG , arg2 : ULONG) -> ULONG > ;"
        );
    }

    #[test]
    fn unnamed_parameters_are_bindgens_arg_n() {
        let model = model();
        let r = Records::new(&model);
        assert_eq!(
            rendered(&r, "LPSPELLED").unwrap(),
            "pub type LPSPELLED = :: core :: option :: Option < unsafe extern \"system\" fn (arg1 : ULONG) -> ULONG > ;"
        );
        assert_eq!(
            rendered(&r, "_UNNAMED").unwrap(),
            "# [repr (C)] # [derive (Copy , Clone)] pub struct _UNNAMED { pub pfn : :: core :: option :: Option < unsafe extern \"system\" fn (arg1 : ULONG) -> ULONG > , }"
        );
    }

    #[test]
    fn what_the_records_cannot_say_is_none() {
        let model = model();
        let r = Records::new(&model);
        // A pointer to a name no record declares, the name itself.
        for name in ["LPNOTHING", "NOTHING"] {
            assert_eq!(rendered(&r, name), None, "{name}");
        }
        // Nor does an item of a target without records render.
        assert!(r.render_in("i686", "LPULONG").is_none());
    }
}
