//! Splits IDL source into tokens on demand, skipping white space and comments.

use super::ast::Pos;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or keyword: `[A-Za-z_][A-Za-z0-9_]*`.
    Ident(String),
    /// Something that starts with a digit: `[0-9][A-Za-z0-9_]*`. Whether it is a valid
    /// integer literal is up to the parser (uuid groups like `2D44` are lexed this way).
    Number(String),
    /// A string literal with `\"` and `\\` decoded; other escapes are kept as written.
    Str(String),
    /// Punctuation: one of `{ } ( ) [ ] ; , * = : | - <<`.
    Punct(&'static str),
    /// The end of the input.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Where the token starts.
    pub pos: Pos,
    /// The position just after the token's last character.
    pub end: Pos,
    /// Byte offsets of the token in the source.
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Token {
    /// How the token is named in messages: `` `foo` ``, `` `;` ``, `a string literal`,
    /// `end of file`.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Ident(s) | TokenKind::Number(s) => format!("`{s}`"),
            TokenKind::Str(_) => "a string literal".to_string(),
            TokenKind::Punct(p) => format!("`{p}`"),
            TokenKind::Eof => "end of file".to_string(),
        }
    }

    /// Whether this is the punctuation `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        matches!(self.kind, TokenKind::Punct(q) if q == p)
    }

    /// Whether this is the identifier (or keyword) `word`.
    pub fn is_ident(&self, word: &str) -> bool {
        matches!(&self.kind, TokenKind::Ident(s) if s == word)
    }
}

/// A lexical error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub pos: Pos,
    pub message: String,
}

const PUNCTS: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ";", ",", "*", "=", ":", "|", "-",
];

/// The tokenizer. It keeps its place as a byte offset plus the line and column there.
pub struct Lexer<'a> {
    src: &'a str,
    offset: usize,
    line: usize,
    column: usize,
    /// Where the previous token ended: the position reported for end of file.
    last_end: Pos,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            offset: 0,
            line: 1,
            column: 1,
            last_end: Pos { line: 1, column: 1 },
        }
    }

    /// The source text between two byte offsets (empty if they are out of range).
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.offset..)?.chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut it = self.src.get(self.offset..)?.chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    /// Skips white space and comments.
    fn skip_trivia(&mut self) -> Result<(), LexError> {
        loop {
            match (self.peek_char(), self.peek_second()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek_char() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos();
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('*') if self.peek_char() == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                            None => {
                                return Err(LexError {
                                    pos: start,
                                    message: "unterminated block comment".to_string(),
                                })
                            }
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token; `Eof` (positioned just after the last token) at the end, for ever.
    pub fn next_token(&mut self) -> Result<Token, LexError> {
        self.skip_trivia()?;
        let pos = self.pos();
        let start_byte = self.offset;
        let Some(c) = self.peek_char() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                pos: self.last_end,
                end: self.last_end,
                start_byte,
                end_byte: start_byte,
            });
        };
        let kind = if c.is_ascii_alphabetic() || c == '_' || c.is_ascii_digit() {
            let mut word = String::new();
            while let Some(d) = self.peek_char() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    word.push(d);
                    self.bump();
                } else {
                    break;
                }
            }
            if c.is_ascii_digit() {
                TokenKind::Number(word)
            } else {
                TokenKind::Ident(word)
            }
        } else if c == '"' {
            self.bump();
            let mut text = String::new();
            loop {
                match self.peek_char() {
                    None | Some('\n') => {
                        return Err(LexError {
                            pos,
                            message: "unterminated string literal".to_string(),
                        })
                    }
                    Some('"') => {
                        self.bump();
                        break;
                    }
                    Some('\\') => {
                        self.bump();
                        match self.peek_char() {
                            Some(e @ ('"' | '\\')) => {
                                self.bump();
                                text.push(e);
                            }
                            // Other escapes stay as written; the text ends up in C anyway.
                            _ => text.push('\\'),
                        }
                    }
                    Some(d) => {
                        self.bump();
                        text.push(d);
                    }
                }
            }
            TokenKind::Str(text)
        } else if c == '<' && self.peek_second() == Some('<') {
            self.bump();
            self.bump();
            TokenKind::Punct("<<")
        } else if let Some(p) = PUNCTS.iter().find(|p| p.starts_with(c)) {
            self.bump();
            TokenKind::Punct(p)
        } else {
            let hint = if c == '#' {
                " (preprocessor directives are not supported; use `cpp_quote(\"...\")`)"
            } else {
                ""
            };
            return Err(LexError {
                pos,
                message: format!("unexpected character `{c}`{hint}"),
            });
        };
        let end = self.pos();
        self.last_end = end;
        Ok(Token {
            kind,
            pos,
            end,
            start_byte,
            end_byte: self.offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let mut lx = Lexer::new(src);
        let mut v = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.kind == TokenKind::Eof {
                return v;
            }
            v.push(t.kind);
        }
    }

    #[test]
    fn tokens_and_comments() {
        assert_eq!(
            kinds("a /* x */ 0x1u // y\n << \"q\\\"\\\\\\n\" -"),
            vec![
                TokenKind::Ident("a".into()),
                TokenKind::Number("0x1u".into()),
                TokenKind::Punct("<<"),
                TokenKind::Str("q\"\\\\n".into()),
                TokenKind::Punct("-"),
            ]
        );
    }

    #[test]
    fn positions_count_characters() {
        let mut lx = Lexer::new("\u{e9}\tx\n  y");
        assert!(lx.next_token().is_err());
        let mut lx = Lexer::new("\tx\n  yy");
        let x = lx.next_token().unwrap();
        assert_eq!((x.pos.line, x.pos.column), (1, 2));
        let y = lx.next_token().unwrap();
        assert_eq!((y.pos.line, y.pos.column, y.end.column), (2, 3, 5));
        let eof = lx.next_token().unwrap();
        assert_eq!(eof.pos, y.end);
    }
}
