//! A recursive-descent parser for the MIDL subset, with one token of lookahead.
//!
//! Grammar (`{}` repeats, `[]` is optional, quoted text is literal):
//!
//! ```text
//! file       = { decl } EOF
//! decl       = "import" STRING { "," STRING } ";"
//!            | "cpp_quote" "(" STRING ")" [";"]
//!            | "const" type NAME "=" expr ";"
//!            | "typedef" typedef
//!            | [ "[" iattr { "," iattr } "]" ] "interface" NAME ( ";" | ":" NAME body )
//! iattr      = "object" | "local" | "uuid" "(" GUID ")" | "pointer_default" "(" NAME ")"
//!            | "shares_uuid" "(" NAME ")"     (ours: the uuid is also NAME's, on purpose)
//! body       = "{" { type NAME "(" params ")" ";" } "}" [";"]
//! params     = [ "void" | param { "," param } ]
//! param      = [ "[" pattr { "," pattr } "]" ] type NAME
//! typedef    = "struct" [TAG] "{" { type NAME ["[" expr "]"] ";" } "}" decls ";"
//!            | "enum" [TAG] "{" [ NAME ["=" expr] { "," NAME ["=" expr] } [","] ] "}" decls ";"
//!            | type decls ";"
//! decls      = decl1 { "," decl1 }      decl1 = { "*" ["const"] } NAME
//! type       = ["const"] base ["const"] { "*" ["const"] }
//! base       = NAME | builtin-words | "struct" TAG | "enum" TAG
//! expr       = shift { "|" shift }      shift = primary { "<<" primary }
//! primary    = INTEGER | "(" expr ")"
//! ```

use std::path::Path;

use super::ast::*;
use std::collections::HashMap;

use super::check::{check_name, NameKind, Scope, PRELUDE_TYPES};
use super::error::IdlError;
use super::lexer::{LexError, Lexer, Token, TokenKind};
use crate::names::is_c_keyword;

/// Words that combine into builtin C types (`unsigned long`, `long long`).
const BUILTIN_WORDS: &[&str] = &[
    "unsigned", "signed", "char", "short", "int", "long", "__int8", "__int16", "__int32",
    "__int64", "float", "double",
];

/// Words that cannot name a type member, parameter, typedef or interface.
const RESERVED: &[&str] = &[
    "const",
    "typedef",
    "struct",
    "enum",
    "union",
    "interface",
    "import",
    "cpp_quote",
    "void",
];

/// Parameter attributes besides `in` and `out`; the last group takes an argument.
const PARAM_FLAGS: &[&str] = &["retval", "unique", "ref", "ptr", "string", "optional"];
const PARAM_WITH_ARG: &[&str] = &["size_is", "length_is", "iid_is"];

/// How deep parentheses may nest in a constant expression.
pub const MAX_PAREN_DEPTH: usize = 64;

pub fn parse(path: &Path, src: &str, options: &super::ParseOptions) -> Result<IdlFile, IdlError> {
    // A UTF-8 byte-order mark is not part of the text.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut p = Parser::new(path, src)?;
    p.scope.external_bases = options.external_bases;
    p.file()
}

struct Parser<'a> {
    path: &'a Path,
    src: &'a str,
    lexer: Lexer<'a>,
    /// The current (not yet consumed) token.
    tok: Token,
    /// Where the last consumed token ended.
    prev_end: Pos,
    scope: Scope,
    /// How many parentheses the expression being parsed is inside.
    paren_depth: usize,
    /// Type names used before any declaration: interfaces may be defined later (the
    /// header declares them all ahead), anything else is an error at the end.
    pending_types: Vec<(String, Pos)>,
    /// File-level names the Rust bindings make values (constants, enumerators, IIDs and
    /// the interfaces' tuple structs), with what declares them: a parameter may not be
    /// named like one (Rust would read it as a pattern naming the value).
    values: HashMap<String, String>,
    /// Every parameter: its name, position and method (`IFoo::M`).
    params: Vec<(String, Pos, String)>,
}

type PResult<T> = Result<T, IdlError>;

impl<'a> Parser<'a> {
    fn new(path: &'a Path, src: &'a str) -> PResult<Parser<'a>> {
        let mut lexer = Lexer::new(src);
        let tok = match lexer.next_token() {
            Ok(t) => t,
            Err(e) => return Err(lex_error(path, src, e)),
        };
        Ok(Parser {
            path,
            src,
            lexer,
            tok,
            prev_end: Pos { line: 1, column: 1 },
            scope: Scope::new(),
            paren_depth: 0,
            pending_types: Vec::new(),
            values: HashMap::new(),
            params: Vec::new(),
        })
    }

    // ---- token plumbing -------------------------------------------------------------

    fn error(&self, pos: Pos, message: String) -> IdlError {
        IdlError::at(self.path, self.src, pos.line, pos.column, message)
    }

    /// Consumes the current token and returns it.
    fn advance(&mut self) -> PResult<Token> {
        let next = self
            .lexer
            .next_token()
            .map_err(|e| lex_error(self.path, self.src, e))?;
        let old = std::mem::replace(&mut self.tok, next);
        self.prev_end = old.end;
        Ok(old)
    }

    /// "expected WHAT, found X", at the current token.
    fn expected(&self, what: &str) -> IdlError {
        self.error(
            self.tok.pos,
            format!("expected {what}, found {}", self.tok.describe()),
        )
    }

    /// Consumes the punctuation `p`, or fails with "expected `p` CONTEXT, found X" just
    /// after the previous token (where `p` belongs).
    fn expect_punct(&mut self, p: &str, context: &str) -> PResult<Token> {
        if self.tok.is_punct(p) {
            return self.advance();
        }
        let context = if context.is_empty() {
            String::new()
        } else {
            format!(" {context}")
        };
        Err(self.error(
            self.prev_end,
            format!("expected `{p}`{context}, found {}", self.tok.describe()),
        ))
    }

    /// Consumes `p` if it is the current token.
    fn eat_punct(&mut self, p: &str) -> PResult<bool> {
        if self.tok.is_punct(p) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Consumes the keyword `word` if it is the current token.
    fn eat_ident(&mut self, word: &str) -> PResult<bool> {
        if self.tok.is_ident(word) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The current token as an identifier usable as a name, if it is one.
    fn name_here(&self) -> Option<String> {
        match &self.tok.kind {
            TokenKind::Ident(s)
                if !RESERVED.contains(&s.as_str()) && !BUILTIN_WORDS.contains(&s.as_str()) =>
            {
                Some(s.clone())
            }
            _ => None,
        }
    }

    /// Consumes a name, or fails with "expected WHAT, found X".
    fn name(&mut self, what: &str) -> PResult<(String, Pos)> {
        match self.name_here() {
            Some(n) if is_c_keyword(&n) => Err(self.error(
                self.tok.pos,
                format!("expected {what}, found `{n}`, which is a C or C++ keyword"),
            )),
            Some(n) => {
                let t = self.advance()?;
                Ok((n, t.pos))
            }
            None => Err(self.expected(what)),
        }
    }

    /// Checks a name being declared as a `kind` (see [`check_name`]).
    fn declare(&self, kind: NameKind, name: &str, pos: Pos) -> PResult<()> {
        check_name(kind, name).map_err(|why| {
            let what = match kind {
                NameKind::Interface => "an interface",
                NameKind::Method => "a method",
                NameKind::Param => "a parameter",
                NameKind::Const => "a constant",
                NameKind::Typedef => "a type",
                NameKind::Tag => "a struct or enum tag",
                NameKind::Enumerator => "an enumerator",
                NameKind::Field => "a struct member",
            };
            self.error(pos, format!("cannot name {what} `{name}`: {why}"))
        })
    }

    /// Claims a file-level name (C and the Rust bindings give all of them one namespace).
    fn claim(&mut self, name: &str, pos: Pos, what: String) -> PResult<()> {
        self.scope.claim(name, what).map_err(|m| self.error(pos, m))
    }

    /// Claims a file-level name that is a value in Rust (see [`Parser::values`]).
    fn claim_value(&mut self, name: &str, pos: Pos, what: String) -> PResult<()> {
        self.values.insert(name.to_string(), what.clone());
        self.claim(name, pos, what)
    }

    // ---- declarations ---------------------------------------------------------------

    fn file(&mut self) -> PResult<IdlFile> {
        let mut file = IdlFile {
            path: self.path.to_path_buf(),
            imports: Vec::new(),
            items: Vec::new(),
        };
        loop {
            let word = match &self.tok.kind {
                TokenKind::Eof => return self.finish(file),
                TokenKind::Ident(w) => w.clone(),
                TokenKind::Punct("[") => String::new(),
                _ => {
                    return Err(self.expected(
                        "a declaration (`import`, `cpp_quote`, `const`, `typedef`, \
                         `interface` or an attribute list `[...]`)",
                    ))
                }
            };
            match word.as_str() {
                "import" => self.import(&mut file.imports)?,
                "cpp_quote" => file.items.push(self.cpp_quote()?),
                "const" => file.items.push(Item::Const(self.constant()?)),
                "typedef" => self.typedef(&mut file.items)?,
                "" | "interface" => file.items.push(self.interface()?),
                _ => {
                    return Err(self.error(
                        self.tok.pos,
                        format!(
                            "unknown top-level keyword `{word}`; expected `import`, \
                             `cpp_quote`, `const`, `typedef`, `interface` or an attribute \
                             list `[...]`"
                        ),
                    ))
                }
            }
        }
    }

    /// The checks that need the whole file: it declares something, and every type it
    /// uses is declared.
    fn finish(&mut self, file: IdlFile) -> PResult<IdlFile> {
        if file.items.is_empty() {
            return Err(self.error(
                Pos { line: 1, column: 1 },
                "the file declares nothing (no constant, type or interface)".to_string(),
            ));
        }
        for (name, pos, method) in &self.params {
            if let Some(what) = self.values.get(name) {
                return Err(self.error(
                    *pos,
                    format!(
                        "parameter `{name}` of `{method}` is named like {what}: Rust would \
                         read the parameter as that value; rename it"
                    ),
                ));
            }
        }
        for (name, pos) in &self.pending_types {
            if !self.scope.is_type(name) {
                return Err(self.error(
                    *pos,
                    format!(
                        "unknown type `{name}`: without the Windows SDK the generated header \
                         declares only {}; use one of them, a builtin C type, or a type \
                         declared in this file",
                        PRELUDE_TYPES.join(", ")
                    ),
                ));
            }
        }
        Ok(file)
    }

    fn string(&mut self, what: &str) -> PResult<String> {
        if let TokenKind::Str(s) = &self.tok.kind {
            let s = s.clone();
            self.advance()?;
            return Ok(s);
        }
        Err(self.expected(what))
    }

    fn import(&mut self, imports: &mut Vec<String>) -> PResult<()> {
        self.advance()?;
        loop {
            imports.push(self.string("a file name string after `import`")?);
            if !self.eat_punct(",")? {
                break;
            }
        }
        self.expect_punct(";", "after import")?;
        Ok(())
    }

    fn cpp_quote(&mut self) -> PResult<Item> {
        let line = self.advance()?.pos.line;
        self.expect_punct("(", "after `cpp_quote`")?;
        let text = self.string("a string literal in `cpp_quote(...)`")?;
        self.expect_punct(")", "after the `cpp_quote` string")?;
        self.eat_punct(";")?;
        Ok(Item::CppQuote(text, line))
    }

    fn constant(&mut self) -> PResult<Const> {
        let doc = self.advance()?.doc;
        let tpos = self.tok.pos;
        let ty = self.ctype("a type after `const`")?;
        let (name, pos) = self.name("a constant name")?;
        self.declare(NameKind::Const, &name, pos)?;
        self.claim_value(&name, pos, format!("constant `{name}` (line {})", pos.line))?;
        let Some(bits) = self.scope.integer_bits(&ty) else {
            return Err(self.error(
                tpos,
                format!("constant `{name}` has type `{ty}`, which is not an integer type"),
            ));
        };
        self.expect_punct("=", &format!("after constant `{name}`"))?;
        let epos = self.tok.pos;
        let (expr, value) = self.expr()?;
        if bits < 64 && value >> bits != 0 {
            return Err(self.error(
                epos,
                format!("`{expr}` is 0x{value:X}, which does not fit in `{ty}` ({bits} bits)"),
            ));
        }
        self.expect_punct(";", "after constant")?;
        Ok(Const {
            name,
            ty,
            expr,
            value,
            line: pos.line,
            doc,
        })
    }

    fn typedef(&mut self, items: &mut Vec<Item>) -> PResult<()> {
        let start = self.advance()?;
        let (line, doc) = (start.pos.line, start.doc);
        let keyword = match &self.tok.kind {
            TokenKind::Ident(w) if w == "struct" || w == "enum" => w.clone(),
            _ => {
                let ty = self.ctype("a type after `typedef`")?;
                return self.aliases(ty, line, doc, items);
            }
        };
        self.advance()?;
        let tag = match self.name_here() {
            Some(_) => Some(self.name(&format!("a {keyword} tag"))?),
            None => None,
        };
        if let (Some((t, tpos)), true) = (&tag, self.tok.is_punct("{")) {
            self.declare(NameKind::Tag, t, *tpos)?;
            self.claim(
                t,
                *tpos,
                format!("{keyword} tag `{t}` (line {})", tpos.line),
            )?;
        }
        let tag = tag.map(|(t, _)| t);
        if !self.tok.is_punct("{") {
            // `typedef struct TAG *PTAG;`: a use of the tagged type, not a definition.
            let Some(tag) = tag else {
                return Err(self.expected(&format!("a {keyword} tag or `{{`")));
            };
            let base = CType::named(&format!("{keyword} {tag}"));
            let ty = self.type_suffix(base)?;
            return self.aliases(ty, line, doc, items);
        }
        self.advance()?;
        let item = if keyword == "struct" {
            let fields = self.fields()?;
            let names = self.declarators()?;
            for d in &names {
                let ty = CType::named(&d.name).pointer_to(d.pointers.len());
                self.scope.typedef(&d.name, &ty);
            }
            Item::Struct(StructDef {
                tag,
                fields,
                names,
                line,
                doc,
            })
        } else {
            let variants = self.enumerators()?;
            let names = self.declarators()?;
            for d in &names {
                let ty = CType::named(&d.name).pointer_to(d.pointers.len());
                self.scope.typedef(&d.name, &ty);
            }
            Item::Enum(EnumDef {
                tag,
                variants,
                names,
                line,
                doc,
            })
        };
        self.expect_punct(";", "after typedef")?;
        items.push(item);
        Ok(())
    }

    /// `decls ";"` of a simple typedef: one [`Alias`] per name.
    fn aliases(
        &mut self,
        base: CType,
        line: usize,
        doc: Option<String>,
        items: &mut Vec<Item>,
    ) -> PResult<()> {
        for d in self.declarators()? {
            let mut ty = base.clone();
            ty.pointers.extend(d.pointers);
            self.scope.typedef(&d.name, &ty);
            items.push(Item::Typedef(Alias {
                name: d.name,
                ty,
                line,
                doc: doc.clone(),
            }));
        }
        self.expect_punct(";", "after typedef")?;
        Ok(())
    }

    fn pointers(&mut self) -> PResult<Vec<PointerLevel>> {
        let mut v = Vec::new();
        while self.eat_punct("*")? {
            let is_const = self.eat_ident("const")?;
            v.push(PointerLevel { is_const });
        }
        Ok(v)
    }

    fn declarators(&mut self) -> PResult<Vec<Declarator>> {
        let mut v = Vec::new();
        loop {
            let pointers = self.pointers()?;
            let (name, pos) = self.name("a typedef name")?;
            self.declare(NameKind::Typedef, &name, pos)?;
            self.claim(&name, pos, format!("type `{name}` (line {})", pos.line))?;
            v.push(Declarator { name, pointers });
            if !self.eat_punct(",")? {
                return Ok(v);
            }
        }
    }

    /// Struct members up to and including the closing `}`.
    fn fields(&mut self) -> PResult<Vec<Field>> {
        let mut fields: Vec<Field> = Vec::new();
        let mut seen: std::collections::HashSet<String> = Default::default();
        while !self.eat_punct("}")? {
            let doc = self.tok.doc.clone();
            let ty = self.ctype("a member type or `}`")?;
            let (name, pos) = self.name("a member name")?;
            if !seen.insert(name.clone()) {
                return Err(self.error(pos, format!("duplicate struct member `{name}`")));
            }
            self.declare(NameKind::Field, &name, pos)?;
            let array_len = if self.eat_punct("[")? {
                let (_, n) = self.expr()?;
                self.expect_punct("]", "after the array length")?;
                Some(n)
            } else {
                None
            };
            self.expect_punct(";", "after struct member")?;
            fields.push(Field {
                name,
                ty,
                array_len,
                line: pos.line,
                doc,
            });
        }
        Ok(fields)
    }

    /// Enumerators up to and including the closing `}`.
    fn enumerators(&mut self) -> PResult<Vec<Enumerator>> {
        let mut v: Vec<Enumerator> = Vec::new();
        let mut seen: std::collections::HashSet<String> = Default::default();
        let mut next = 0u64;
        while !self.eat_punct("}")? {
            let (name, pos) = self.name("an enumerator name or `}`")?;
            if !seen.insert(name.clone()) {
                return Err(self.error(pos, format!("duplicate enumerator `{name}`")));
            }
            self.declare(NameKind::Enumerator, &name, pos)?;
            self.claim_value(
                &name,
                pos,
                format!("enumerator `{name}` (line {})", pos.line),
            )?;
            let (expr, value) = if self.eat_punct("=")? {
                let (t, n) = self.expr()?;
                (Some(t), n)
            } else {
                (None, next)
            };
            next = value.wrapping_add(1);
            v.push(Enumerator { name, expr, value });
            if !self.tok.is_punct("}") {
                self.expect_punct(",", "after enumerator")?;
            }
        }
        Ok(v)
    }

    // ---- types and expressions ------------------------------------------------------

    /// `["const"] base ["const"] { "*" ["const"] }`; `what` names the type in messages.
    fn ctype(&mut self, what: &str) -> PResult<CType> {
        let is_const = self.eat_ident("const")?;
        let start = self.tok.pos;
        let name = match &self.tok.kind {
            TokenKind::Ident(w) if BUILTIN_WORDS.contains(&w.as_str()) => {
                let mut words = Vec::new();
                while let TokenKind::Ident(w) = &self.tok.kind {
                    if !BUILTIN_WORDS.contains(&w.as_str()) {
                        break;
                    }
                    words.push(w.clone());
                    self.advance()?;
                }
                if words.iter().filter(|w| *w == "long").count() == 1 {
                    return Err(self.error(
                        start,
                        format!(
                            "`{}` is 32 bits on Windows but 64 bits on Linux, so the header \
                             would differ between them; use `ULONG` (32 bits) or `long long` \
                             (64 bits)",
                            words.join(" ")
                        ),
                    ));
                }
                words.join(" ")
            }
            TokenKind::Ident(w) if w == "struct" || w == "enum" => {
                let kw = w.clone();
                self.advance()?;
                let (tag, _) = self.name(&format!("a {kw} tag"))?;
                format!("{kw} {tag}")
            }
            TokenKind::Ident(w) if w == "void" => {
                self.advance()?;
                "void".to_string()
            }
            _ => {
                let (n, pos) = self.name(what)?;
                if !self.scope.is_type(&n) && !self.scope.is_interface(&n) {
                    self.pending_types.push((n.clone(), pos));
                }
                n
            }
        };
        let mut ty = self.type_suffix(CType::named(&name))?;
        ty.is_const |= is_const;
        Ok(ty)
    }

    /// `["const"] { "*" ["const"] }` after a base type.
    fn type_suffix(&mut self, mut ty: CType) -> PResult<CType> {
        if self.eat_ident("const")? {
            ty.is_const = true;
        }
        ty.pointers = self.pointers()?;
        Ok(ty)
    }

    /// An integer constant expression: its text (re-spelled) and value.
    fn expr(&mut self) -> PResult<(String, u64)> {
        let (mut text, mut value) = self.shift()?;
        while self.eat_punct("|")? {
            let (t, v) = self.shift()?;
            text.push_str(" | ");
            text.push_str(&t);
            value |= v;
        }
        Ok((text, value))
    }

    fn shift(&mut self) -> PResult<(String, u64)> {
        let (mut text, mut value) = self.primary()?;
        while self.tok.is_punct("<<") {
            let op = self.advance()?;
            let (t, amount) = self.primary()?;
            let shifted = u32::try_from(amount)
                .ok()
                .and_then(|a| value.checked_shl(a))
                .filter(|s| amount < 64 && s >> amount == value);
            let Some(s) = shifted else {
                return Err(self.error(op.pos, format!("`{text} << {t}` does not fit in 64 bits")));
            };
            text.push_str(" << ");
            text.push_str(&t);
            value = s;
        }
        Ok((text, value))
    }

    fn primary(&mut self) -> PResult<(String, u64)> {
        if self.tok.is_punct("(") {
            let open = self.advance()?;
            if self.paren_depth >= MAX_PAREN_DEPTH {
                return Err(self.error(
                    open.pos,
                    format!("parentheses nested more than {MAX_PAREN_DEPTH} deep"),
                ));
            }
            self.paren_depth += 1;
            let inner = self.expr();
            self.paren_depth -= 1;
            let (t, v) = inner?;
            self.expect_punct(")", "to close the parenthesis")?;
            return Ok((format!("({t})"), v));
        }
        if let TokenKind::Number(n) = &self.tok.kind {
            let n = n.clone();
            let Some(v) = crate::cint::parse(&n) else {
                return Err(self.error(
                    self.tok.pos,
                    format!(
                        "invalid integer literal `{n}`: expected decimal, octal or `0x` hex \
                         digits with an optional `U`/`L` suffix, at most 64 bits"
                    ),
                ));
            };
            self.advance()?;
            return Ok((n, v));
        }
        Err(self.expected("an integer constant expression"))
    }

    // ---- interfaces -----------------------------------------------------------------

    /// `[attributes] interface Name : Base { methods };`, or a forward declaration
    /// `interface Name;`.
    fn interface(&mut self) -> PResult<Item> {
        let doc = self.tok.doc.clone();
        let attrs = if self.tok.is_punct("[") {
            let a = self.interface_attributes()?;
            if !self.tok.is_ident("interface") {
                return Err(self.expected("`interface` after the attribute list"));
            }
            Some(a)
        } else {
            None
        };
        self.advance()?; // `interface`
        let (name, pos) = self.name("an interface name")?;
        let declared_ahead = self.scope.is_interface(&name);
        if attrs.is_none() && self.tok.is_punct(";") {
            return self.forward_interface(name, pos, declared_ahead);
        }
        let (attributes, uuid) = self.com_attributes(attrs, &name, pos)?;
        self.scope
            .check_new_interface(&name)
            .map_err(|m| self.error(pos, m))?;
        self.declare(NameKind::Interface, &name, pos)?;
        self.scope
            .check_uuid(&uuid, &name, attributes.shares_uuid.as_deref())
            .map_err(|m| self.error(pos, m))?;
        self.claim_interface_names(&name, pos, declared_ahead)?;
        let (base, methods) = self.base_and_methods(&name)?;
        self.claim_call_macros(&name, &base, &methods, pos)?;
        let iface = InterfaceDef {
            name,
            base: Some(base),
            uuid,
            attributes,
            methods,
            line: pos.line,
            doc,
        };
        self.scope.define(iface.clone());
        Ok(Item::Interface(iface))
    }

    /// `interface Name;`, at its `;`.
    fn forward_interface(&mut self, name: String, pos: Pos, declared_ahead: bool) -> PResult<Item> {
        self.declare(NameKind::Interface, &name, pos)?;
        self.advance()?;
        if !declared_ahead {
            self.claim_value(
                &name,
                pos,
                format!("interface `{name}` (line {})", pos.line),
            )?;
        }
        self.scope.forward_declare(&name);
        Ok(Item::ForwardInterface(name))
    }

    /// The attributes of a COM interface: `object` and a `uuid(...)` are required.
    fn com_attributes(
        &self,
        attrs: Option<(InterfaceAttributes, Option<Guid>)>,
        name: &str,
        pos: Pos,
    ) -> PResult<(InterfaceAttributes, Guid)> {
        let (attributes, uuid) = match attrs {
            Some((a, uuid)) if a.object => (a, uuid),
            _ => {
                return Err(self.error(
                    pos,
                    format!(
                        "interface `{name}` is not marked `object`; only COM interfaces \
                         (`[object, uuid(...)]`) are supported"
                    ),
                ))
            }
        };
        let uuid = uuid.ok_or_else(|| {
            self.error(
                pos,
                format!("interface `{name}` has the `object` attribute but no `uuid(...)`"),
            )
        })?;
        Ok((attributes, uuid))
    }

    /// The names an interface takes: its own (unless declared ahead) and those of its
    /// Rust vtable, implementation trait, IID and C vtable.
    fn claim_interface_names(&mut self, name: &str, pos: Pos, declared_ahead: bool) -> PResult<()> {
        if !declared_ahead {
            self.claim_value(name, pos, format!("interface `{name}` (line {})", pos.line))?;
        }
        for (derived, role) in [
            (format!("{name}_Vtbl"), "its Rust vtable"),
            (format!("{name}_Impl"), "its Rust implementation trait"),
            (format!("IID_{name}"), "its IID"),
            (format!("{name}Vtbl"), "its C vtable"),
        ] {
            if let Some(by) = self.scope.claimed_by(&derived) {
                return Err(self.error(
                    pos,
                    format!(
                        "interface `{name}` needs the name `{derived}` for {role}, but it \
                         is already declared: {by}"
                    ),
                ));
            }
            self.claim_value(
                &derived,
                pos,
                format!("{role} of interface `{name}` (line {})", pos.line)
                    .replacen("its ", "the ", 1),
            )?;
        }
        Ok(())
    }

    /// `: Base { methods };` of interface `name`.
    fn base_and_methods(&mut self, name: &str) -> PResult<(String, Vec<Method>)> {
        if !self.tok.is_punct(":") {
            return Err(self.error(
                self.prev_end,
                format!(
                    "expected `:` and a base interface after `{name}`, found {}",
                    self.tok.describe()
                ),
            ));
        }
        self.advance()?;
        let (base, bpos) = self.name("a base interface name")?;
        self.scope
            .check_base(&base, name)
            .map_err(|m| self.error(bpos, m))?;
        self.expect_punct("{", "after the base interface")?;
        let inherited = self.scope.inherited(&base);
        let mut own: HashMap<String, usize> = HashMap::new();
        let mut methods = Vec::new();
        while !self.eat_punct("}")? {
            let m = self.method(name, &own, &inherited)?;
            own.insert(m.name.clone(), m.line);
            methods.push(m);
        }
        self.eat_punct(";")?;
        Ok((base, methods))
    }

    /// COBJMACROS defines `IFoo_Method` for every method of the chain.
    fn claim_call_macros(
        &mut self,
        name: &str,
        base: &str,
        methods: &[Method],
        pos: Pos,
    ) -> PResult<()> {
        let chain: Vec<String> = self
            .scope
            .chain_methods(base)
            .into_iter()
            .chain(methods.iter().map(|m| m.name.clone()))
            .collect();
        for m in chain {
            let mac = format!("{name}_{m}");
            self.claim(
                &mac,
                pos,
                format!("the C call macro of `{name}::{m}` (line {})", pos.line),
            )?;
        }
        Ok(())
    }

    /// `"[" iattr { "," iattr } "]"`, with the uuid if there was one.
    fn interface_attributes(&mut self) -> PResult<(InterfaceAttributes, Option<Guid>)> {
        self.advance()?; // `[`
        let mut a = InterfaceAttributes::default();
        let mut uuid = None;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let TokenKind::Ident(word) = self.tok.kind.clone() else {
                return Err(self.expected("an interface attribute"));
            };
            let wpos = self.tok.pos;
            if seen.contains(&word) {
                return Err(self.error(wpos, format!("duplicate interface attribute `{word}`")));
            }
            match word.as_str() {
                "object" => {
                    self.advance()?;
                    a.object = true;
                }
                "local" => {
                    self.advance()?;
                    a.local = true;
                }
                "uuid" => {
                    self.advance()?;
                    uuid = Some(self.uuid()?);
                }
                "shares_uuid" => {
                    self.advance()?;
                    self.expect_punct("(", "after `shares_uuid`")?;
                    let TokenKind::Ident(other) = self.tok.kind.clone() else {
                        return Err(
                            self.expected("the name of the interface whose uuid this one shares")
                        );
                    };
                    self.advance()?;
                    self.expect_punct(")", "after the `shares_uuid` interface")?;
                    a.shares_uuid = Some(other);
                }
                "pointer_default" => {
                    self.advance()?;
                    self.expect_punct("(", "after `pointer_default`")?;
                    let v = match &self.tok.kind {
                        TokenKind::Ident(v) if v == "unique" => PointerDefault::Unique,
                        TokenKind::Ident(v) if v == "ref" => PointerDefault::Ref,
                        TokenKind::Ident(v) if v == "ptr" => PointerDefault::Ptr,
                        _ => {
                            return Err(
                                self.expected("`unique`, `ref` or `ptr` in `pointer_default(...)`")
                            )
                        }
                    };
                    self.advance()?;
                    self.expect_punct(")", "after the `pointer_default` value")?;
                    a.pointer_default = Some(v);
                }
                _ => {
                    return Err(self.error(
                        wpos,
                        format!(
                            "unknown interface attribute `{word}`; expected one of `object`, \
                             `uuid`, `local`, `pointer_default`, `shares_uuid`"
                        ),
                    ))
                }
            }
            seen.push(word);
            if !self.eat_punct(",")? {
                break;
            }
        }
        self.expect_punct("]", "after the interface attributes")?;
        Ok((a, uuid))
    }

    /// `"(" GUID ")"`: the GUID is the raw source text between the parentheses (or a
    /// string literal), since `5024A385-2D44-...` is not a sequence of C tokens.
    fn uuid(&mut self) -> PResult<Guid> {
        self.expect_punct("(", "after `uuid`")?;
        let first = self.tok.clone();
        let text = if let TokenKind::Str(s) = &first.kind {
            let s = s.clone();
            self.advance()?;
            s
        } else {
            while !self.tok.is_punct(")") {
                if matches!(self.tok.kind, TokenKind::Eof)
                    || [";", "]", ",", "(", "[", "{", "}"]
                        .iter()
                        .any(|p| self.tok.is_punct(p))
                {
                    return Err(self.error(
                        self.prev_end,
                        format!("expected `)` after the uuid, found {}", self.tok.describe()),
                    ));
                }
                self.advance()?;
            }
            self.lexer
                .slice(first.start_byte, self.tok.start_byte)
                .trim()
                .to_string()
        };
        let guid = Guid::parse(&text).ok_or_else(|| {
            self.error(
                first.pos,
                format!("malformed uuid `{text}`: expected 8-4-4-4-12 hex digits"),
            )
        })?;
        self.expect_punct(")", "after the uuid")?;
        Ok(guid)
    }

    fn method(
        &mut self,
        iface: &str,
        own: &HashMap<String, usize>,
        inherited: &HashMap<String, String>,
    ) -> PResult<Method> {
        let doc = self.tok.doc.clone();
        let ret = self.ctype("a method declaration or `}`")?;
        let (name, pos) = self.name("a method name")?;
        if let Some(line) = own.get(&name) {
            return Err(self.error(
                pos,
                format!("duplicate method `{name}` in `{iface}`: already declared on line {line}"),
            ));
        }
        if let Some(owner) = inherited.get(&name) {
            return Err(self.error(
                pos,
                format!(
                    "duplicate method `{name}` in `{iface}`: base interface `{owner}` already \
                     declares it"
                ),
            ));
        }
        self.declare(NameKind::Method, &name, pos)?;
        self.expect_punct("(", &format!("after method name `{name}`"))?;
        let mut params: Vec<Param> = Vec::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        if !self.eat_punct(")")? {
            loop {
                let attrs = if self.tok.is_punct("[") {
                    Some(self.param_attributes()?)
                } else {
                    None
                };
                let ty = self.ctype("a parameter type")?;
                if params.is_empty() && attrs.is_none() && ty.is_void() && self.tok.is_punct(")") {
                    self.advance()?;
                    break;
                }
                let (pname, ppos) = self.name("a parameter name")?;
                self.declare(NameKind::Param, &pname, ppos)?;
                self.params
                    .push((pname.clone(), ppos, format!("{iface}::{name}")));
                let (dir, attributes) = attrs.unwrap_or((Direction::In, Vec::new()));
                let p = Param {
                    name: pname,
                    ty,
                    dir,
                    attributes,
                };
                self.scope
                    .check_param(iface, &name, &mut rust_names, &p)
                    .map_err(|m| self.error(ppos, m))?;
                let pname = p.name.clone();
                params.push(p);
                if self.eat_punct(")")? {
                    break;
                }
                if !self.tok.is_punct(",") {
                    return Err(self.error(
                        self.prev_end,
                        format!(
                            "expected `,` or `)` after parameter `{pname}`, found {}",
                            self.tok.describe()
                        ),
                    ));
                }
                self.advance()?;
            }
        }
        self.expect_punct(";", "after method declaration")?;
        Ok(Method {
            name,
            ret,
            params,
            line: pos.line,
            doc,
        })
    }

    /// `"[" pattr { "," pattr } "]"`: the direction and the other attributes as written.
    fn param_attributes(&mut self) -> PResult<(Direction, Vec<String>)> {
        self.advance()?; // `[`
        let (mut is_in, mut is_out) = (false, false);
        let mut others: Vec<String> = Vec::new();
        loop {
            let TokenKind::Ident(word) = self.tok.kind.clone() else {
                return Err(self.expected("a parameter attribute (`in`, `out`, ...)"));
            };
            let wpos = self.tok.pos;
            let dup = match word.as_str() {
                "in" => std::mem::replace(&mut is_in, true),
                "out" => std::mem::replace(&mut is_out, true),
                w => others
                    .iter()
                    .any(|o| o == w || o.starts_with(&format!("{w}("))),
            };
            if dup {
                return Err(self.error(wpos, format!("duplicate parameter attribute `{word}`")));
            }
            if word == "in" || word == "out" || PARAM_FLAGS.contains(&word.as_str()) {
                self.advance()?;
                if word != "in" && word != "out" {
                    others.push(word);
                }
            } else if PARAM_WITH_ARG.contains(&word.as_str()) {
                self.advance()?;
                let open = self.expect_punct("(", &format!("after `{word}`"))?;
                let mut depth = 1usize;
                loop {
                    if matches!(self.tok.kind, TokenKind::Eof) {
                        return Err(self.expected(&format!("`)` to close `{word}(`")));
                    }
                    if self.tok.is_punct("(") {
                        depth += 1;
                    } else if self.tok.is_punct(")") {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    self.advance()?;
                }
                let arg = self
                    .lexer
                    .slice(open.end_byte, self.tok.start_byte)
                    .trim()
                    .to_string();
                self.advance()?; // `)`
                others.push(format!("{word}({arg})"));
            } else {
                return Err(self.error(
                    wpos,
                    format!(
                        "unknown parameter attribute `{word}`; expected one of `in`, `out`, {}",
                        PARAM_FLAGS
                            .iter()
                            .chain(PARAM_WITH_ARG)
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if !self.eat_punct(",")? {
                break;
            }
        }
        self.expect_punct("]", "after the parameter attributes")?;
        let dir = match (is_in, is_out) {
            (_, false) => Direction::In,
            (false, true) => Direction::Out,
            (true, true) => Direction::InOut,
        };
        Ok((dir, others))
    }
}

fn lex_error(path: &Path, src: &str, e: LexError) -> IdlError {
    IdlError::at(path, src, e.pos.line, e.pos.column, e.message)
}
