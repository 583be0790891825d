//! Recursive descent over the tokens of the MIDL subset we use, then the semantic checks.

use std::collections::HashMap;
use std::path::Path;

use super::ast::*;
use super::error::IdlError;
use super::lexer::{error_at, tokenize, Kind, Token};

const INTERFACE_ATTRIBUTES: &[&str] = &["object", "uuid", "local", "pointer_default"];
const PARAM_ATTRIBUTES: &[&str] = &["in", "out", "retval", "unique", "string", "optional"];

/// Words that start a builtin C type and may be followed by more of them.
const BUILTIN_WORDS: &[&str] = &["unsigned", "signed", "int", "long", "short", "char"];

pub fn parse(path: &Path, src: &str) -> Result<IdlFile, IdlError> {
    let tokens = tokenize(path, src)?;
    let mut p = Parser {
        path,
        src,
        tokens,
        pos: 0,
        consts: HashMap::new(),
    };
    let file = p.file()?;
    check(&p, &file)?;
    Ok(file)
}

struct Parser<'a> {
    path: &'a Path,
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// Values of the constants declared so far, for expressions.
    consts: HashMap<String, u64>,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Token {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.kind != Kind::Eof {
            self.pos += 1;
        }
        t
    }

    fn is(&self, text: &str) -> bool {
        let t = self.peek();
        t.kind != Kind::Str && t.kind != Kind::Eof && t.text == text
    }

    fn error(&self, t: &Token, message: impl Into<String>) -> IdlError {
        error_at(self.path, self.src, t.start, message)
    }

    /// Consumes `text` or fails with "expected `text` <context>, found ...".
    fn expect(&mut self, text: &str, context: &str) -> Result<Token, IdlError> {
        if self.is(text) {
            return Ok(self.next());
        }
        let t = self.peek().clone();
        Err(self.error(
            &t,
            format!("expected `{text}` {context}, found {}", t.describe()),
        ))
    }

    fn ident(&mut self, what: &str) -> Result<Token, IdlError> {
        let t = self.peek().clone();
        if t.kind == Kind::Ident {
            return Ok(self.next());
        }
        Err(self.error(&t, format!("expected {what}, found {}", t.describe())))
    }

    fn file(&mut self) -> Result<IdlFile, IdlError> {
        let mut file = IdlFile {
            path: self.path.to_path_buf(),
            imports: Vec::new(),
            items: Vec::new(),
        };
        loop {
            let t = self.peek().clone();
            match (t.kind.clone(), t.text.as_str()) {
                (Kind::Eof, _) => break,
                (Kind::Ident, "import") => {
                    self.next();
                    loop {
                        let s = self.next();
                        if s.kind != Kind::Str {
                            return Err(self.error(
                                &s,
                                format!(
                                    "expected a file name string after `import`, found {}",
                                    s.describe()
                                ),
                            ));
                        }
                        file.imports.push(s.text);
                        if !self.is(",") {
                            break;
                        }
                        self.next();
                    }
                    self.expect(";", "after `import`")?;
                }
                (Kind::Ident, "cpp_quote") => {
                    self.next();
                    self.expect("(", "after `cpp_quote`")?;
                    let s = self.next();
                    if s.kind != Kind::Str {
                        return Err(self.error(
                            &s,
                            format!(
                                "expected a string in `cpp_quote(...)`, found {}",
                                s.describe()
                            ),
                        ));
                    }
                    self.expect(")", "after the `cpp_quote` string")?;
                    if self.is(";") {
                        self.next();
                    }
                    file.items.push(Item::CppQuote(s.text));
                }
                (Kind::Ident, "const") => {
                    let c = self.constant()?;
                    file.items.push(Item::Const(c));
                }
                (Kind::Ident, "typedef") => {
                    let item = self.typedef()?;
                    file.items.push(item);
                }
                (Kind::Punct, "[") | (Kind::Ident, "interface") => {
                    let item = self.interface()?;
                    file.items.push(item);
                }
                _ => {
                    return Err(self.error(
                        &t,
                        format!(
                            "expected `import`, `cpp_quote`, `const`, `typedef`, `[` or \
                             `interface` at the top level, found {}",
                            t.describe()
                        ),
                    ))
                }
            }
        }
        Ok(file)
    }

    fn constant(&mut self) -> Result<Const, IdlError> {
        self.expect("const", "")?;
        let ty = self.ctype("a type after `const`")?;
        let name = self.ident("a constant name")?;
        self.expect("=", &format!("after constant name `{}`", name.text))?;
        let start = self.peek().start;
        let value = self.expr()?;
        let end = self.tokens[self.pos.saturating_sub(1)].end;
        let expr = self.src[start..end.max(start)].to_string();
        self.expect(";", &format!("after the value of constant `{}`", name.text))?;
        self.consts.insert(name.text.clone(), value);
        Ok(Const {
            name: name.text,
            ty,
            expr,
            value,
        })
    }

    /// `term ('|' term | '<<' term | '+' term)*`
    fn expr(&mut self) -> Result<u64, IdlError> {
        let mut v = self.term()?;
        loop {
            if self.is("|") {
                self.next();
                v |= self.term()?;
            } else if self.is("<<") {
                let t = self.next();
                let s = self.term()?;
                if s >= 64 {
                    return Err(self.error(&t, format!("shift by {s} is out of range")));
                }
                v <<= s;
            } else if self.is("+") {
                self.next();
                v = v.wrapping_add(self.term()?);
            } else {
                return Ok(v);
            }
        }
    }

    fn term(&mut self) -> Result<u64, IdlError> {
        let t = self.next();
        match t.kind {
            Kind::Number => parse_number(&t.text)
                .ok_or_else(|| self.error(&t, format!("malformed number `{}`", t.text))),
            Kind::Ident => self.consts.get(&t.text).copied().ok_or_else(|| {
                self.error(
                    &t,
                    format!(
                        "`{}` is not a constant declared earlier in this file",
                        t.text
                    ),
                )
            }),
            Kind::Punct if t.text == "(" => {
                let v = self.expr()?;
                self.expect(")", "to close the parenthesis")?;
                Ok(v)
            }
            Kind::Punct if t.text == "~" => Ok(!self.term()? & 0xFFFF_FFFF),
            _ => Err(self.error(&t, format!("expected a number, found {}", t.describe()))),
        }
    }

    /// `[const] NAME [* [const]]...`
    fn ctype(&mut self, what: &str) -> Result<CType, IdlError> {
        let mut is_const = false;
        if self.is("const") {
            self.next();
            is_const = true;
        }
        let first = self.peek().clone();
        let name = if first.kind == Kind::Ident && BUILTIN_WORDS.contains(&first.text.as_str()) {
            let mut words = Vec::new();
            while self.peek().kind == Kind::Ident
                && BUILTIN_WORDS.contains(&self.peek().text.as_str())
            {
                words.push(self.next().text);
            }
            words.join(" ")
        } else if self.is("struct") || self.is("enum") {
            let kw = self.next().text;
            let n = self.ident(&format!("a name after `{kw}`"))?;
            format!("{kw} {}", n.text)
        } else {
            self.ident(what)?.text
        };
        if self.is("const") {
            self.next();
            is_const = true;
        }
        let mut pointers = Vec::new();
        while self.is("*") {
            self.next();
            let mut level = PointerLevel { is_const: false };
            if self.is("const") {
                self.next();
                level.is_const = true;
            }
            pointers.push(level);
        }
        Ok(CType {
            is_const,
            name,
            pointers,
        })
    }

    fn declarators(&mut self, context: &str) -> Result<Vec<Declarator>, IdlError> {
        let mut names = Vec::new();
        loop {
            let mut pointers = 0;
            while self.is("*") {
                self.next();
                pointers += 1;
            }
            let n = self.ident(&format!("a type name {context}"))?;
            names.push(Declarator {
                name: n.text,
                pointers,
            });
            if !self.is(",") {
                break;
            }
            self.next();
        }
        self.expect(";", &format!("after typedef `{}`", names[0].name))?;
        Ok(names)
    }

    fn typedef(&mut self) -> Result<Item, IdlError> {
        self.expect("typedef", "")?;
        let is_body =
            |p: &Self| p.is("{") || (p.peek().kind == Kind::Ident && p.peek_at(1).text == "{");
        if self.is("struct") && {
            self.next();
            is_body(self)
        } {
            let tag = if self.is("{") {
                None
            } else {
                Some(self.ident("a struct tag")?.text)
            };
            self.expect("{", "to open the struct")?;
            let mut fields = Vec::new();
            while !self.is("}") {
                if self.peek().kind == Kind::Eof {
                    let t = self.peek().clone();
                    return Err(
                        self.error(&t, "expected `}` to close the struct, found end of file")
                    );
                }
                let ty = self.ctype("a field type")?;
                let name = self.ident("a field name")?;
                let mut array = None;
                if self.is("[") {
                    self.next();
                    array = Some(self.expr()?);
                    self.expect("]", "after the array length")?;
                }
                self.expect(";", &format!("after field `{}`", name.text))?;
                fields.push(Field {
                    name: name.text,
                    ty,
                    array,
                });
            }
            self.next();
            let names = self.declarators("after the struct")?;
            return Ok(Item::Struct(StructDef { tag, fields, names }));
        }
        if self.is("enum") && {
            self.next();
            is_body(self)
        } {
            let tag = if self.is("{") {
                None
            } else {
                Some(self.ident("an enum tag")?.text)
            };
            self.expect("{", "to open the enum")?;
            let mut variants = Vec::new();
            let mut next_value = 0u64;
            while !self.is("}") {
                let n = self.ident("an enumerator name")?;
                if self.is("=") {
                    self.next();
                    next_value = self.expr()?;
                }
                self.consts.insert(n.text.clone(), next_value);
                variants.push((n.text, next_value));
                next_value = next_value.wrapping_add(1);
                if self.is(",") {
                    self.next();
                } else if !self.is("}") {
                    let t = self.peek().clone();
                    return Err(self.error(
                        &t,
                        format!("expected `,` or `}}` in the enum, found {}", t.describe()),
                    ));
                }
            }
            self.next();
            let names = self.declarators("after the enum")?;
            return Ok(Item::Enum(EnumDef {
                tag,
                variants,
                names,
            }));
        }
        // A plain alias. `struct X` / `enum X` already consumed their keyword above.
        let prev = &self.tokens[self.pos - 1];
        let ty = if prev.text == "struct" || prev.text == "enum" {
            let kw = prev.text.clone();
            let n = self.ident(&format!("a name after `{kw}`"))?;
            let mut t = CType::named(&format!("{kw} {}", n.text));
            while self.is("*") {
                self.next();
                t.pointers.push(PointerLevel { is_const: false });
            }
            t
        } else {
            self.ctype("a type after `typedef`")?
        };
        let names = self.declarators("after the aliased type")?;
        Ok(Item::Typedef(Alias { ty, names }))
    }

    fn interface(&mut self) -> Result<Item, IdlError> {
        let mut attributes = Vec::new();
        let mut uuid = None;
        if self.is("[") {
            self.next();
            loop {
                let a = self.ident("an interface attribute")?;
                if !INTERFACE_ATTRIBUTES.contains(&a.text.as_str()) {
                    return Err(self.error(
                        &a,
                        format!(
                            "unknown interface attribute `{}`; expected one of `object`, `uuid`, `local`, `pointer_default`",
                            a.text
                        ),
                    ));
                }
                if a.text == "uuid" || a.text == "pointer_default" {
                    let open = self.expect("(", &format!("after `{}`", a.text))?;
                    let mut close = open.end;
                    while !self.is(")") {
                        if self.peek().kind == Kind::Eof {
                            return Err(
                                self.error(&open, format!("expected `)` to close `{}(`", a.text))
                            );
                        }
                        close = self.next().end;
                    }
                    self.next();
                    let text = self.src[open.end..close].trim().to_string();
                    if a.text == "uuid" {
                        let g = Guid::parse(&text).ok_or_else(|| {
                            error_at(
                                self.path,
                                self.src,
                                open.end,
                                format!("malformed uuid `{text}`: expected 8-4-4-4-12 hex digits"),
                            )
                        })?;
                        uuid = Some(g);
                    }
                }
                attributes.push(a.text);
                if self.is(",") {
                    self.next();
                    continue;
                }
                self.expect("]", "to close the attribute list")?;
                break;
            }
        }
        let kw = self.expect("interface", "after the attribute list")?;
        let name = self.ident("an interface name")?;
        if self.is(";") && attributes.is_empty() {
            self.next();
            return Ok(Item::ForwardInterface(name.text));
        }
        let mut base = None;
        let mut base_offset = name.start;
        if self.is(":") {
            self.next();
            let b = self.ident("a base interface name after `:`")?;
            base_offset = b.start;
            base = Some(b.text);
        }
        self.expect("{", &format!("to open interface `{}`", name.text))?;
        let mut methods = Vec::new();
        while !self.is("}") {
            if self.peek().kind == Kind::Eof {
                let t = self.peek().clone();
                return Err(self.error(
                    &t,
                    format!(
                        "expected `}}` to close interface `{}`, found end of file",
                        name.text
                    ),
                ));
            }
            methods.push(self.method()?);
        }
        self.next();
        if self.is(";") {
            self.next();
        }
        let (line, _, _) = super::lexer::position(self.src, kw.start);
        Ok(Item::Interface(Interface {
            name: name.text,
            base,
            uuid,
            attributes,
            methods,
            line,
            offset: name.start,
            base_offset,
        }))
    }

    fn method(&mut self) -> Result<Method, IdlError> {
        let ret = self.ctype("a return type")?;
        let name = self.ident("a method name")?;
        self.expect("(", &format!("after method name `{}`", name.text))?;
        let mut params = Vec::new();
        if self.is("void") && self.peek_at(1).text == ")" {
            self.next();
        }
        while !self.is(")") {
            params.push(self.param()?);
            if self.is(",") {
                self.next();
            } else if !self.is(")") {
                let t = self.peek().clone();
                return Err(self.error(
                    &t,
                    format!(
                        "expected `,` or `)` in the parameters of `{}`, found {}",
                        name.text,
                        t.describe()
                    ),
                ));
            }
        }
        self.next();
        self.expect(";", "after method declaration")?;
        Ok(Method {
            name: name.text,
            ret,
            params,
            offset: name.start,
        })
    }

    fn param(&mut self) -> Result<Param, IdlError> {
        let mut attributes = Vec::new();
        let (mut is_in, mut is_out) = (false, false);
        if self.is("[") {
            self.next();
            loop {
                let a = self.ident("a parameter attribute")?;
                if !PARAM_ATTRIBUTES.contains(&a.text.as_str()) {
                    return Err(self.error(
                        &a,
                        format!(
                            "unknown parameter attribute `{}`; expected `in`, `out`, `retval`, `unique`, `string` or `optional`",
                            a.text
                        ),
                    ));
                }
                match a.text.as_str() {
                    "in" => is_in = true,
                    "out" => is_out = true,
                    other => attributes.push(other.to_string()),
                }
                if self.is(",") {
                    self.next();
                    continue;
                }
                self.expect("]", "to close the parameter attributes")?;
                break;
            }
        }
        let ty = self.ctype("a parameter type")?;
        let name = self.ident("a parameter name")?;
        let dir = match (is_in, is_out) {
            (_, false) => Direction::In,
            (false, true) => Direction::Out,
            (true, true) => Direction::InOut,
        };
        Ok(Param {
            name: name.text,
            ty,
            dir,
            attributes,
            offset: name.start,
        })
    }
}

/// A C integer literal: decimal, hex or octal, with `u`/`l` suffixes.
fn parse_number(s: &str) -> Option<u64> {
    let s = s.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// Checks that need the whole file: duplicates, uuids, bases, `[out]` pointers.
fn check(p: &Parser<'_>, file: &IdlFile) -> Result<(), IdlError> {
    let err = |offset: usize, message: String| error_at(p.path, p.src, offset, message);
    let mut seen: Vec<&str> = vec!["IUnknown"];
    for i in file.interfaces() {
        if seen.contains(&i.name.as_str()) {
            return Err(err(
                i.offset,
                format!("interface `{}` is declared twice", i.name),
            ));
        }
        if i.attributes.iter().any(|a| a == "object") && i.uuid.is_none() {
            return Err(err(
                i.offset,
                format!(
                    "interface `{}` is an `object` interface but has no `uuid(...)` attribute",
                    i.name
                ),
            ));
        }
        if let Some(b) = &i.base {
            if !seen.contains(&b.as_str()) {
                return Err(err(
                    i.base_offset,
                    format!(
                        "base interface `{b}` of `{}` is not declared; declare it earlier in this file or derive from `IUnknown`",
                        i.name
                    ),
                ));
            }
        }
        let mut methods: Vec<&str> = Vec::new();
        for m in &i.methods {
            if methods.contains(&m.name.as_str()) {
                return Err(err(
                    m.offset,
                    format!("method `{}` is declared twice in `{}`", m.name, i.name),
                ));
            }
            methods.push(&m.name);
            let mut params: Vec<&str> = Vec::new();
            for prm in &m.params {
                if params.contains(&prm.name.as_str()) {
                    return Err(err(
                        prm.offset,
                        format!(
                            "parameter `{}` of `{}::{}` is declared twice",
                            prm.name, i.name, m.name
                        ),
                    ));
                }
                params.push(&prm.name);
                if prm.dir != Direction::In && !prm.ty.is_pointer() {
                    return Err(err(
                        prm.offset,
                        format!(
                            "`[out]` parameter `{}` of `{}::{}` must be a pointer",
                            prm.name, i.name, m.name
                        ),
                    ));
                }
            }
        }
        seen.push(&i.name);
    }
    Ok(())
}
