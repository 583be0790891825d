//! Printing: token streams become formatted Rust, with `// SAFETY:` comments where the
//! emitters put markers.

use proc_macro2::TokenStream;

use crate::error::{Error, Result};

/// Parses the tokens as a file and prints them with prettyplease, after the banner.
pub fn format_file(banner: &str, tokens: TokenStream) -> Result<String> {
    Ok(print_file(banner, &parse_file(tokens)?))
}

/// The tokens parsed as a file, for [`print_file`].
pub fn parse_file(tokens: TokenStream) -> Result<syn::File> {
    syn::parse2(tokens).map_err(|e| {
        Error::msg(format!(
            "internal error: generated code does not parse: {e}"
        ))
    })
}

/// A parsed file printed with prettyplease, after the banner.
pub fn print_file(banner: &str, file: &syn::File) -> String {
    format!("{banner}{}", safety_comments(&prettyplease::unparse(file)))
}

/// The marker the emitters put where a `// SAFETY:` comment belongs (token streams
/// cannot carry comments): `mapi_codegen_safety!("why");`, which prettyplease may
/// spread over several lines.
pub(crate) const SAFETY_MARKER: &str = "mapi_codegen_safety!(";

/// Turns each marker into a `// SAFETY:` comment with the marker's indentation.
fn safety_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with(SAFETY_MARKER) {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut call = trimmed.to_string();
        while !call.trim_end().ends_with(");") {
            match lines.next() {
                Some(l) => call.push_str(l.trim()),
                None => break,
            }
        }
        let why = match (call.find('"'), call.rfind('"')) {
            (Some(a), Some(b)) if b > a => call[a + 1..b].replace("\\\"", "\""),
            _ => call.clone(),
        };
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(&format!("{indent}// SAFETY: {why}\n"));
    }
    out
}
