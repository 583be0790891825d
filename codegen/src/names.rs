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
