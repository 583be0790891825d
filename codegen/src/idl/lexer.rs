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
    /// The comment block right before the token (see [`Lexer`]), which documents the
    /// declaration the token starts.
    pub doc: Option<String>,
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
///
/// Comments are trivia, but the block of comment lines right before a token (no blank
/// line between them and it) is kept as the token's [`Token::doc`]: a declaration's
/// documentation. A comment on the line where the previous token ended (a trailing
/// `ULONG x; // ...`) is not part of the next token's block, and neither is anything
/// before a blank line (a file's heading).
pub struct Lexer<'a> {
    src: &'a str,
    offset: usize,
    line: usize,
    column: usize,
    /// Where the previous token ended: the position reported for end of file.
    last_end: Pos,
    /// Whether a token came before (a comment on its last line trails it).
    any_token: bool,
    /// The comment lines gathered for the next token.
    doc: Vec<String>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            offset: 0,
            line: 1,
            column: 1,
            last_end: Pos { line: 1, column: 1 },
            any_token: false,
            doc: Vec::new(),
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

    /// Skips white space and comments, gathering the comment block of the next token.
    fn skip_trivia(&mut self) -> Result<(), LexError> {
        self.doc.clear();
        // Newlines since the last comment (or token): two make a blank line.
        let mut newlines = 0;
        loop {
            let trailing = self.any_token && self.line == self.last_end.line;
            match (self.peek_char(), self.peek_second()) {
                (Some(c), _) if c.is_whitespace() => {
                    if c == '\n' {
                        newlines += 1;
                        if newlines >= 2 {
                            self.doc.clear();
                        }
                    }
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    let start = self.offset + 2;
                    while let Some(c) = self.peek_char() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                    if !trailing {
                        let text = self.slice(start, self.offset);
                        self.doc
                            .push(text.strip_prefix(' ').unwrap_or(text).trim_end().into());
                    }
                    newlines = 0;
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos();
                    let from = self.offset + 2;
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
                    if !trailing {
                        let inner = self.slice(from, self.offset - 2);
                        for line in inner.lines() {
                            let line = line.trim();
                            let line = line.strip_prefix('*').map_or(line, str::trim_start);
                            self.doc.push(line.trim_end().to_string());
                        }
                        while self.doc.last().is_some_and(|l| l.is_empty()) {
                            self.doc.pop();
                        }
                    }
                    newlines = 0;
                }
                _ => return Ok(()),
            }
        }
    }

    /// The gathered comment block, as one text (`None` if there is none).
    fn take_doc(&mut self) -> Option<String> {
        while self.doc.first().is_some_and(|l| l.is_empty()) {
            self.doc.remove(0);
        }
        if self.doc.is_empty() {
            return None;
        }
        let text = self.doc.join("\n");
        self.doc.clear();
        Some(text)
    }

    /// The next token; `Eof` (positioned just after the last token) at the end, for ever.
    pub fn next_token(&mut self) -> Result<Token, LexError> {
        self.skip_trivia()?;
        let pos = self.pos();
        let start_byte = self.offset;
        let doc = self.take_doc();
        let Some(c) = self.peek_char() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                pos: self.last_end,
                end: self.last_end,
                start_byte,
                end_byte: start_byte,
                doc: None,
            });
        };
        let kind = if c.is_ascii_alphabetic() || c == '_' || c.is_ascii_digit() {
            self.word(c)
        } else if c == '"' {
            self.string(pos)?
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
        self.any_token = true;
        Ok(Token {
            kind,
            pos,
            end,
            start_byte,
            end_byte: self.offset,
            doc,
        })
    }
}

impl Lexer<'_> {
    /// An identifier or a number (which starts with a digit), from its first character
    /// `c`.
    fn word(&mut self, c: char) -> TokenKind {
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
    }

    /// A string literal, at its opening quote (at `pos`).
    fn string(&mut self, pos: Pos) -> Result<TokenKind, LexError> {
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
        Ok(TokenKind::Str(text))
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

    fn docs(src: &str) -> Vec<(String, Option<String>)> {
        let mut lx = Lexer::new(src);
        let mut v = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.kind == TokenKind::Eof {
                return v;
            }
            v.push((t.describe(), t.doc));
        }
    }

    #[test]
    fn the_comment_block_before_a_token_is_its_doc() {
        let src = "// heading\n\n// first\n//   indented\na b // trailing\n\
                   /* block\n * two\n */\nc\n\n/** stars */ d";
        assert_eq!(
            docs(src),
            vec![
                ("`a`".into(), Some("first\n  indented".into())),
                ("`b`".into(), None),
                ("`c`".into(), Some("block\ntwo".into())),
                ("`d`".into(), Some("stars".into())),
            ]
        );
        // A blank line between the comment and the token ends the block.
        assert_eq!(docs("// x\n\ny"), vec![("`y`".into(), None)]);
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
