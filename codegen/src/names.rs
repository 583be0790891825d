//! Which names the generated Rust and C can carry: identifiers, keywords and the names the
//! generated code itself uses.

/// Rust's strict and reserved keywords (every edition), and `_`.
pub const RUST_KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// C and C++ keywords, C++ alternative tokens and C11/C23 keywords: no name in a generated
/// header may be one, or it would not compile.
pub const C_KEYWORDS: &[&str] = &[
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "class",
    "co_await",
    "co_return",
    "co_yield",
    "compl",
    "concept",
    "const",
    "const_cast",
    "consteval",
    "constexpr",
    "constinit",
    "continue",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "register",
    "reinterpret_cast",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "typeof",
    "typeof_unqual",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
    "_Alignas",
    "_Alignof",
    "_Atomic",
    "_BitInt",
    "_Bool",
    "_Complex",
    "_Decimal128",
    "_Decimal32",
    "_Decimal64",
    "_Generic",
    "_Imaginary",
    "_Noreturn",
    "_Pragma",
    "_Static_assert",
    "_Thread_local",
];

/// Whether `name` is a C or C++ keyword (or alternative token).
pub fn is_c_keyword(name: &str) -> bool {
    C_KEYWORDS.contains(&name)
}

/// Whether `s` is an ASCII identifier: a letter or `_`, then letters, digits and `_`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why `s` cannot be a Rust item or module name, or `None` if it can.
pub fn rust_name_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("an empty name is not a Rust identifier".into());
    }
    if !is_identifier(s) {
        return Some(format!(
            "`{s}` is not a Rust identifier (letters, digits and `_`, not starting with a digit)"
        ));
    }
    if RUST_KEYWORDS.contains(&s) {
        return Some(format!("`{s}` is a Rust keyword"));
    }
    None
}

/// Module names the generated crate uses itself: `com` (the COM support), `layout` (the
/// layout checks) and `lib` (the crate root's file).
pub const RESERVED_MODULES: &[&str] = &["com", "layout", "lib"];

/// The module a header's declarations go to: `mapidefs.h` -> `mapidefs`.
pub fn module_name(header: &str) -> String {
    let stem = header.strip_suffix(".h").unwrap_or(header);
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// MAPI's Hungarian names in Rust's snake case, as the `IFoo_Impl` traits spell their
/// parameters (so an implementation copied from them draws no `non_snake_case` warning):
/// `lpPropTagArray` is `lp_prop_tag_array`, `lppMAPIError` `lpp_mapi_error`, `cbEntryID`
/// `cb_entry_id`, `ulUIParam` `ul_ui_param`. A word break is before an upper-case letter
/// that follows a lower-case letter or a digit, or that starts a word after an acronym.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod snake_case_tests {
    use super::snake_case;

    #[test]
    fn mapi_names_in_snake_case() {
        for (mapi, rust) in [
            ("lpPropTagArray", "lp_prop_tag_array"),
            ("lppMAPIError", "lpp_mapi_error"),
            ("cbEntryID", "cb_entry_id"),
            ("ulUIParam", "ul_ui_param"),
            ("pwcszProgress", "pwcsz_progress"),
            ("hResult", "h_result"),
            ("riid", "riid"),
            ("lpszW", "lpsz_w"),
            ("PR2Tag", "pr2_tag"),
            ("already_snake", "already_snake"),
        ] {
            assert_eq!(snake_case(mapi), rust, "{mapi}");
        }
    }
}
