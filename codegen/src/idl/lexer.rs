//! Splits IDL source into tokens with their positions; skips whitespace and comments.

use super::error::IdlError;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Number,
    /// A string literal; `text` holds its value with escapes resolved.
    Str,
    Punct,
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
    /// Byte offsets of the token in the source.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Eof => "end of file".into(),
            Kind::Str => format!("string \"{}\"", self.text),
            _ => format!("`{}`", self.text),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset, and that line's text.
pub fn position(src: &str, offset: usize) -> (usize, usize, String) {
    let offset = offset.min(src.len());
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let line = src[..offset].matches('\n').count() + 1;
    let column = src[line_start..offset].chars().count() + 1;
    let text = src[line_start..line_end].trim_end_matches('\r').to_string();
    (line, column, text)
}

pub fn error_at(path: &Path, src: &str, offset: usize, message: impl Into<String>) -> IdlError {
    let (line, column, source_line) = position(src, offset);
    IdlError {
        path: path.to_path_buf(),
        line,
        column,
        message: message.into(),
        source_line,
    }
}

pub fn tokenize(path: &Path, src: &str) -> Result<Vec<Token>, IdlError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if src[i..].starts_with("/*") {
            match src[i + 2..].find("*/") {
                Some(n) => i = i + 2 + n + 2,
                None => return Err(error_at(path, src, i, "unterminated block comment")),
            }
        } else if c == b'"' {
            let start = i;
            let mut value = String::new();
            i += 1;
            loop {
                match src[i..].chars().next() {
                    None | Some('\n') => {
                        return Err(error_at(path, src, start, "unterminated string"));
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        let next = src[i + 1..].chars().next();
                        match next {
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some(ch @ ('"' | '\\' | '\'')) => value.push(ch),
                            Some(other) => {
                                return Err(error_at(
                                    path,
                                    src,
                                    i,
                                    format!("unknown escape `\\{other}` in string"),
                                ))
                            }
                            None => return Err(error_at(path, src, start, "unterminated string")),
                        }
                        i += 1 + next.map_or(0, char::len_utf8);
                    }
                    Some(ch) => {
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            tokens.push(Token {
                kind: Kind::Str,
                text: value,
                start,
                end: i,
            });
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let kind = if c.is_ascii_digit() {
                Kind::Number
            } else {
                Kind::Ident
            };
            tokens.push(Token {
                kind,
                text: src[start..i].to_string(),
                start,
                end: i,
            });
        } else if src[i..].starts_with("<<") {
            tokens.push(Token {
                kind: Kind::Punct,
                text: "<<".into(),
                start: i,
                end: i + 2,
            });
            i += 2;
        } else if b"[](){};,*=:|-+~&".contains(&c) {
            tokens.push(Token {
                kind: Kind::Punct,
                text: (c as char).to_string(),
                start: i,
                end: i + 1,
            });
            i += 1;
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(error_at(
                path,
                src,
                i,
                format!("unexpected character `{ch}`"),
            ));
        }
    }
    tokens.push(Token {
        kind: Kind::Eof,
        text: String::new(),
        start: src.len(),
        end: src.len(),
    });
    Ok(tokens)
}
