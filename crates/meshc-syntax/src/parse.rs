//! The parser: a hand-written recursive descent over the source text, straight to the
//! [`ast`](crate::ast). `grammar/msh.pest` is its specification; a differential test
//! (`tests/grammar.rs`) checks that both accept the same inputs.
//!
//! It reads the text once, left to right, with a few bytes of lookahead (a label is told from a
//! value by the `:` after it), and keeps nothing but the tree it builds, so memory is a small
//! multiple of the input. Parse errors are recovered at the next top-level declaration, so every
//! broken declaration of a file is reported, not only the first.

use crate::ast::*;
use crate::diag::{codes, Diagnostic};
use crate::lit::{decode_number, Lit};
use crate::span::{FileId, Span};

/// Deepest bracket nesting accepted before parsing (protects the recursive descent).
pub const MAX_NESTING: usize = 100;
/// Deepest expression tree accepted (protects evaluation and drop).
pub const MAX_EXPR_DEPTH: usize = 200;

/// Parses one file. Always returns a file (possibly missing the broken declarations) and the
/// diagnostics found; the file is usable only when no error was reported.
pub fn parse_file(id: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let whole = Span::new(id, 0, text.len());
    let mut file = File {
        id,
        package: None,
        imports: Vec::new(),
        body: StructLit::new(Vec::new(), whole),
        has_service: false,
    };
    if let Some(d) = check_nesting(id, text) {
        return (file, vec![d]);
    }
    let mut p = Parser::new(id, text, 0, text.len());
    let diags = match p.unit(Unit::File) {
        Ok((package, imports, decls)) => {
            file.package = package;
            file.imports = imports;
            file.body = StructLit::new(decls, whole);
            p.diags
        }
        Err(Fail) => {
            let first = p.syntax_error();
            let mut diags = recover(&mut file, text);
            // The chunk errors are more precise; the whole-file error stands in when the
            // chunks all parse (the whole file's structure is what is wrong).
            if !diags.iter().any(|d| d.code == codes::SYNTAX) {
                diags.insert(0, first);
            }
            diags.sort_by_key(|d| d.primary_span());
            diags.dedup_by_key(|d| d.primary_span());
            diags
        }
    };
    file.has_service = file
        .body
        .decls
        .iter()
        .any(|d| matches!(d, Decl::Field(f) if f.from_service));
    (file, diags)
}

/// Parses the file again chunk by chunk (top-level declarations), keeping what parses.
fn recover(file: &mut File, text: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (start, end) in split_chunks(text) {
        let rest = text[start..end].trim_start();
        let header = ["package ", "import ", "import("]
            .iter()
            .any(|k| rest.starts_with(k));
        let mut p = Parser::new(file.id, text, start, end);
        match p.unit(if header { Unit::Header } else { Unit::Decls }) {
            Ok((package, imports, decls)) => {
                if file.package.is_none() {
                    file.package = package;
                }
                file.imports.extend(imports);
                file.body.decls.extend(decls);
                diags.append(&mut p.diags);
            }
            Err(Fail) => diags.push(p.syntax_error()),
        }
    }
    diags
}

/// Splits a file into top-level chunks: a chunk starts at a line that begins in column 0 with a
/// declaration-like character, at bracket depth 0 (or, to get past an unclosed brace, with one
/// of the keywords that can only start a top-level declaration).
fn split_chunks(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut starts = vec![0usize];
    let mut depth: i64 = 0;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        if line_start && i > 0 {
            let rest = &text[i..];
            let starts_decl = c.is_ascii_alphabetic() || c == b'#' || c == b'"' || c == b'_';
            let keyword = [
                "service ", "worker ", "check ", "package ", "import ", "let ", "#",
            ]
            .iter()
            .any(|k| rest.starts_with(k))
                || looks_like_field(rest);
            if (depth <= 0 && starts_decl) || keyword {
                starts.push(i);
                depth = 0;
            }
        }
        line_start = false;
        match c {
            b'\n' => line_start = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(text.len());
        out.push((s, e));
    }
    out
}

/// A line in column 0 that starts `name:` (or `name?:`, `name!:`, `"name":`): a top-level field
/// in well-formatted msh, even where an unclosed bracket above makes the depth unreliable.
fn looks_like_field(rest: &str) -> bool {
    let line = rest.lines().next().unwrap_or("");
    let name_end = if let Some(r) = line.strip_prefix('"') {
        match r.find('"') {
            Some(i) => i + 2,
            None => return false,
        }
    } else {
        line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(line.len())
    };
    if name_end == 0 {
        return false;
    }
    let after = line[name_end..].trim_start_matches(['?', '!']);
    after.starts_with(':')
}

/// What [`scan`] meets outside strings (an interpolation's inside is code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lexeme {
    /// `{`, `[` or `(` (an interpolation's `\(` is a `(`).
    Open(u8),
    /// `}`, `]` or `)`.
    Close,
    /// A `//` comment, up to (not including) the end of its line at this byte.
    Comment(usize),
}

/// Walks the brackets and comments of a text without parsing it (it may not parse), skipping
/// the text of strings: `f(byte, lexeme)` for each, until `f` returns false. The nesting check,
/// the formatter's comments and the language server's completion read text through it.
pub fn scan(text: &str, mut f: impl FnMut(usize, Lexeme) -> bool) {
    let b = text.as_bytes();
    // The string being read: its `#`s (raw strings) and whether it is a `"""` one.
    #[derive(Clone, Copy)]
    struct Str {
        hashes: usize,
        multiline: bool,
    }
    // Inside a string's interpolation: the parentheses open in it and the string to go back
    // to, innermost last.
    let mut interp: Vec<(usize, Str)> = Vec::new();
    let mut in_str: Option<Str> = None;
    // Whether `n` `#`s follow position `at`.
    let hashes_at =
        |at: usize, n: usize| b.len() >= at + n && b[at..at + n].iter().all(|&c| c == b'#');
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let go = if let Some(st) = in_str {
            match c {
                b'\\' if hashes_at(i + 1, st.hashes) => {
                    i += st.hashes;
                    if b.get(i + 1) == Some(&b'(') {
                        interp.push((0, st));
                        in_str = None;
                        i += 1;
                        f(i, Lexeme::Open(b'('))
                    } else {
                        // The escaped character is skipped.
                        i += 1;
                        true
                    }
                }
                b'"' if !st.multiline && hashes_at(i + 1, st.hashes) => {
                    i += st.hashes;
                    in_str = None;
                    true
                }
                b'"' if st.multiline
                    && b[i..].starts_with(b"\"\"\"")
                    && hashes_at(i + 3, st.hashes) =>
                {
                    i += 2 + st.hashes;
                    in_str = None;
                    true
                }
                b'\n' if !st.multiline => {
                    in_str = None;
                    true
                }
                _ => true,
            }
        } else {
            match c {
                b'"' | b'#' => {
                    // A string opens: `#`s (a raw string), then `"` or `"""`.
                    let mut n = 0;
                    while b.get(i + n) == Some(&b'#') {
                        n += 1;
                    }
                    if b.get(i + n) == Some(&b'"') {
                        let multiline = b[i + n..].starts_with(b"\"\"\"");
                        in_str = Some(Str {
                            hashes: n,
                            multiline,
                        });
                        i += n + if multiline { 2 } else { 0 };
                    } else {
                        // `#Name`: the `#`s of an identifier.
                        i += n.saturating_sub(1);
                    }
                    true
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    let start = i;
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    if !f(start, Lexeme::Comment(i)) {
                        return;
                    }
                    continue;
                }
                b'{' | b'[' | b'(' => {
                    if let (b'(', Some((d, _))) = (c, interp.last_mut()) {
                        *d += 1;
                    }
                    f(i, Lexeme::Open(c))
                }
                b'}' | b']' | b')' => {
                    if c == b')' {
                        match interp.last_mut() {
                            // The interpolation's own `)`: back in the string.
                            Some((0, st)) => {
                                in_str = Some(*st);
                                interp.pop();
                            }
                            Some((d, _)) => *d -= 1,
                            None => {}
                        }
                    }
                    f(i, Lexeme::Close)
                }
                _ => true,
            }
        };
        if !go {
            return;
        }
        i += 1;
    }
}

/// Rejects input nested deeper than [`MAX_NESTING`] before the recursive parser sees it.
fn check_nesting(id: FileId, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut deep = None;
    scan(text, |at, l| {
        match l {
            Lexeme::Open(_) => depth += 1,
            Lexeme::Close => depth = depth.saturating_sub(1),
            Lexeme::Comment(_) => {}
        }
        if depth > MAX_NESTING {
            deep = Some(at);
        }
        deep.is_none()
    });
    let at = deep?;
    Some(
        Diagnostic::error(
            codes::TOO_DEEP,
            format!("brackets nested more than {MAX_NESTING} deep"),
        )
        .primary(Span::new(id, at, at + 1), "nested too deeply here")
        .help("flatten the structure: give inner values names of their own and refer to them"),
    )
}

/// A parse failure: what was expected is in [`Parser::error`].
struct Fail;
type PResult<T> = Result<T, Fail>;

/// What a [`Parser::unit`] reads.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    /// A whole file: header, then declarations.
    File,
    /// A chunk of header (recovery).
    Header,
    /// A chunk of top-level declarations (recovery).
    Decls,
}

/// A value already read as the start of an expression (a string, a parenthesized expression or
/// a list that turned out not to be a label) and the byte where its source starts.
struct Pre {
    expr: Expr,
    start: usize,
}

/// What the start of a declaration (or of a field's value) turned out to be.
enum Head {
    /// A label: a field follows.
    Label(Label),
    /// The start of a value, already read.
    Value(Pre),
    /// Nothing read yet: a value follows.
    Nothing,
    /// `X=` before a value (and the start of the value, if read).
    Aliased(Ident, Option<Pre>),
}

type Header = (Option<Ident>, Vec<Import>, Vec<Decl>);

/// Saved state, to back out of a declaration form that turns out not to apply.
struct Mark {
    pos: usize,
    last_end: usize,
    diags: usize,
    open: usize,
}

struct Parser<'t> {
    file: FileId,
    /// The whole file (spans and messages index it).
    text: &'t str,
    /// The bytes being parsed: the file up to the end of the unit.
    src: &'t [u8],
    /// Where the unit starts.
    start: usize,
    pos: usize,
    /// The end of the last token read: spans end there, never after trailing whitespace.
    last_end: usize,
    diags: Vec<Diagnostic>,
    /// The brackets open at `pos`, to point at the unclosed one in an error.
    open: Vec<usize>,
    /// Where parsing failed and what was expected there.
    error: Option<(usize, &'static [&'static str])>,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// The words that are not identifiers.
/// (`in` is a keyword only after `for x`: elsewhere it is a name, as in CUE.)
const KEYWORDS: [&str; 8] = [
    "package", "import", "for", "if", "let", "null", "true", "false",
];

const A_VALUE: &[&str] = &["a value"];

/// The binary operators by precedence (0: `||`, 1: `&&`, 2: comparisons, 3: `+ -`, 4: `* /`).
const BINARY_OPS: [&[(&str, BinOp)]; 5] = [
    &[("||", BinOp::Or)],
    &[("&&", BinOp::And)],
    &[
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("<=", BinOp::Le),
        (">=", BinOp::Ge),
        ("=~", BinOp::Match),
        ("!~", BinOp::NotMatch),
        ("<", BinOp::Lt),
        (">", BinOp::Gt),
    ],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div)],
];

/// The prefix operators, longest first where one starts another.
const PREFIX_OPS: [&str; 11] = [">=", "<=", "!=", "=~", "!~", ">", "<", "-", "+", "!", "*"];

/// The bytes that start a binary operator, and a prefix one: from the tables above.
const STARTS_BINARY: [bool; 256] = {
    let mut starts = [false; 256];
    let mut level = 0;
    while level < BINARY_OPS.len() {
        let mut i = 0;
        while i < BINARY_OPS[level].len() {
            starts[BINARY_OPS[level][i].0.as_bytes()[0] as usize] = true;
            i += 1;
        }
        level += 1;
    }
    starts
};
const STARTS_PREFIX: [bool; 256] = {
    let mut starts = [false; 256];
    let mut i = 0;
    while i < PREFIX_OPS.len() {
        starts[PREFIX_OPS[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    starts
};

impl<'t> Parser<'t> {
    fn new(file: FileId, text: &'t str, start: usize, end: usize) -> Self {
        Parser {
            file,
            text,
            src: &text.as_bytes()[..end],
            start,
            pos: start,
            last_end: start,
            diags: Vec::new(),
            open: Vec::new(),
            error: None,
        }
    }

    // ---- bytes and tokens ----

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    fn at(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s.as_bytes())
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Moves past `n` bytes of a token.
    fn bump(&mut self, n: usize) {
        self.pos += n;
        self.last_end = self.pos;
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.at(s) {
            self.bump(s.len());
            true
        } else {
            false
        }
    }

    /// A keyword: the word, not followed by a character that would continue a name.
    fn at_kw(&self, kw: &str) -> bool {
        self.at(kw) && !self.byte_at(self.pos + kw.len()).is_some_and(is_ident_char)
    }

    /// The position after the whitespace and comments starting at `i`.
    fn skip_trivia_from(&self, mut i: usize) -> usize {
        let s = self.src;
        while i < s.len() {
            match s[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                0xEF if s[i..].starts_with("\u{FEFF}".as_bytes()) => i += 3,
                b'/' if s.get(i + 1) == Some(&b'/') => {
                    while i < s.len() && s[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        i
    }

    fn trivia(&mut self) {
        self.pos = self.skip_trivia_from(self.pos);
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(self.file, start, self.last_end)
    }

    fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            last_end: self.last_end,
            diags: self.diags.len(),
            open: self.open.len(),
        }
    }

    fn reset(&mut self, m: Mark) {
        self.pos = m.pos;
        self.last_end = m.last_end;
        self.diags.truncate(m.diags);
        self.open.truncate(m.open);
        self.error = None;
    }

    fn fail<T>(&mut self, expected: &'static [&'static str]) -> PResult<T> {
        if self.error.is_none() {
            self.error = Some((self.pos, expected));
        }
        Err(Fail)
    }

    /// Opens a bracket (already checked to be at `pos`).
    fn open_bracket(&mut self) {
        self.open.push(self.pos);
        self.bump(1);
    }

    /// Closes the innermost bracket with `close`, or fails expecting `expected`.
    fn close_bracket(&mut self, close: &str, expected: &'static [&'static str]) -> PResult<()> {
        if self.eat(close) {
            self.open.pop();
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    /// The identifier (not a keyword) starting at `i`, as its end.
    fn ident_end(&self, i: usize) -> Option<usize> {
        if !self.byte_at(i).is_some_and(is_ident_start) {
            return None;
        }
        let mut e = i + 1;
        while self.byte_at(e).is_some_and(is_ident_char) {
            e += 1;
        }
        let word = &self.src[i..e];
        if KEYWORDS.iter().any(|k| k.as_bytes() == word) {
            return None;
        }
        Some(e)
    }

    /// A keyword starting at `i`, as its end (a keyword may be a label: `if: 1`).
    fn keyword_end(&self, i: usize) -> Option<usize> {
        let mut e = i;
        while self.byte_at(e).is_some_and(is_ident_char) {
            e += 1;
        }
        let word = &self.src[i..e];
        KEYWORDS.iter().any(|k| k.as_bytes() == word).then_some(e)
    }

    /// The definition name (`#Name`) starting at `i`, as its end.
    fn def_end(&self, i: usize) -> Option<usize> {
        // `_#Name`: a hidden definition.
        let i = if self.byte_at(i) == Some(b'_') && self.byte_at(i + 1) == Some(b'#') {
            i + 1
        } else {
            i
        };
        if self.byte_at(i) != Some(b'#')
            || !self
                .byte_at(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        let mut e = i + 2;
        while self.byte_at(e).is_some_and(is_ident_char) {
            e += 1;
        }
        Some(e)
    }

    /// Reads the name that ends at `end` as an [`Ident`].
    fn take_ident(&mut self, end: usize) -> Ident {
        let start = self.pos;
        self.bump(end - start);
        Ident {
            name: self.text[start..end].to_string(),
            span: self.span_from(start),
        }
    }

    /// An identifier, required.
    fn ident(&mut self) -> PResult<Ident> {
        match self.ident_end(self.pos) {
            Some(e) => Ok(self.take_ident(e)),
            None => self.fail(&["a name"]),
        }
    }

    // ---- units, header, declarations ----

    fn unit(&mut self, unit: Unit) -> PResult<Header> {
        self.trivia();
        let (mut package, mut imports, mut decls) = (None, Vec::new(), Vec::new());
        if unit != Unit::Decls {
            // Attributes of the file may come first (`@experiment(x)`, then `package`).
            while self.at("@") {
                decls.push(Decl::Attr(self.attr()?));
                self.trivia();
            }
            (package, imports) = self.header()?;
        }
        if unit == Unit::Header {
            if !self.at_end() {
                return self.fail(&["`import`"]);
            }
        } else {
            decls.extend(self.decls(true)?);
        }
        Ok((package, imports, decls))
    }

    fn header(&mut self) -> PResult<(Option<Ident>, Vec<Import>)> {
        let mut package = None;
        // `package: 1` and `import: 1` are fields.
        let kw_here = |p: &Self, kw: &str| p.at_kw(kw) && p.label_end(p.pos + kw.len()).is_none();
        if kw_here(self, "package") {
            self.bump("package".len());
            self.trivia();
            package = Some(self.ident()?);
            self.trivia();
        }
        let mut imports: Vec<Import> = Vec::new();
        while kw_here(self, "import") {
            self.bump("import".len());
            self.trivia();
            if self.at("(") {
                self.open_bracket();
                self.trivia();
                while !self.at(")") {
                    if !(self.at("\"") || self.ident_end(self.pos).is_some()) {
                        return self.fail(&["an import", "`)`"]);
                    }
                    self.import_spec(&mut imports)?;
                    self.trivia();
                }
                self.close_bracket(")", &["`)`"])?;
            } else {
                self.import_spec(&mut imports)?;
            }
            self.trivia();
        }
        Ok((package, imports))
    }

    fn import_spec(&mut self, imports: &mut Vec<Import>) -> PResult<()> {
        let start = self.pos;
        let alias = match self.ident_end(self.pos) {
            Some(e) => {
                let id = self.take_ident(e);
                self.trivia();
                Some(id)
            }
            None => None,
        };
        let path_start = self.pos;
        if !self.at("\"") {
            return self.fail(&["an import path (a string)"]);
        }
        let path = self.simple_string()?;
        let path_span = self.span_from(path_start);
        let span = self.span_from(start);
        let name = alias.unwrap_or_else(|| Ident {
            name: path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
            span: path_span,
        });
        if let Some(prev) = imports.iter().find(|i| i.name.name == name.name) {
            self.diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_IMPORT,
                    format!("`{}` is imported twice", name.name),
                )
                .primary(span, "second import")
                .secondary(prev.span, "first import")
                .help("give one of them another name: `import other \"./path\"`"),
            );
        }
        imports.push(Import { name, path, span });
        Ok(())
    }

    /// Declarations up to the end of the unit (`top`) or up to a `}` (left unread).
    fn decls(&mut self, top: bool) -> PResult<Vec<Decl>> {
        let mut out = Vec::new();
        loop {
            self.trivia();
            if self.at_end() || (!top && self.at("}")) {
                break;
            }
            out.push(self.decl(top)?);
            self.trivia();
            if self.eat(",") {
                self.trivia();
            }
        }
        // The tree is kept for the whole compilation: no spare capacity.
        out.shrink_to_fit();
        Ok(out)
    }

    fn decl(&mut self, top: bool) -> PResult<Decl> {
        if self.at("@") {
            return Ok(Decl::Attr(self.attr()?));
        }
        // A keyword followed by `:` is a label (`if: 1`, `for: 2`).
        let word_label = self
            .keyword_end(self.pos)
            .is_some_and(|e| self.label_end(e).is_some());
        if word_label {
            let start = self.pos;
            if let Head::Label(l) = self.head()? {
                return Ok(Decl::Field(self.field(start, l)?));
            }
            return self.fail(&["a declaration"]);
        }
        if self.at_kw("service") || self.at_kw("worker") {
            if let Some(d) = self.workload(top)? {
                return Ok(d);
            }
        }
        if self.at_kw("check") {
            if let Some(d) = self.check(top)? {
                return Ok(d);
            }
        }
        if self.at_kw("let") {
            return Ok(Decl::Let(self.let_clause()?));
        }
        if self.at_kw("for") || self.at_kw("if") {
            return Ok(Decl::Comprehension(self.comprehension()?));
        }
        // `try` starts a comprehension only if one follows; else it is a name (as the grammar
        // reads `{try x = a b}`: the embeddings `try`, `x = a` and `b`).
        if let Some(c) = self.try_comprehension() {
            return Ok(Decl::Comprehension(c));
        }
        if self.at("...") {
            let start = self.pos;
            self.bump(3);
            return Ok(Decl::Ellipsis(self.span_from(start)));
        }
        let start = self.pos;
        let decl = match self.head()? {
            Head::Label(l) => Decl::Field(self.field(start, l)?),
            Head::Value(pre) => Decl::Embed(self.expr_from(Some(pre), 0)?),
            Head::Aliased(alias, pre) => Decl::Embed(self.aliased(start, alias, pre)?),
            Head::Nothing => {
                if !self.can_start_value() {
                    return self.fail(if top {
                        &["a declaration"]
                    } else {
                        &["a declaration", "`}`"]
                    });
                }
                Decl::Embed(self.expr(0)?)
            }
        };
        Ok(decl)
    }

    /// `service NAME { … }` / `worker NAME { … }`, or `None` (nothing read) when what follows
    /// the keyword is not a name and a `{`.
    fn workload(&mut self, top: bool) -> PResult<Option<Decl>> {
        let m = self.mark();
        let start = self.pos;
        let (what, map) = if self.at("worker") {
            ("worker", "workers")
        } else {
            ("service", "services")
        };
        self.bump(what.len());
        self.trivia();
        let name_start = self.pos;
        let diags = self.diags.len();
        let quoted = if self.at("\"") {
            let q = self.mark();
            let s = self.simple_string();
            if s.is_err() {
                // Not a string: read as a bad name below.
                self.reset(q);
            }
            s.ok()
        } else {
            None
        };
        let name = if let Some(s) = quoted {
            s
        } else {
            // A DNS label, or any run of other characters (reported below as a bad name).
            let dns = self
                .byte_at(self.pos)
                .is_some_and(|c| c.is_ascii_alphabetic())
                && {
                    let mut e = self.pos + 1;
                    while self
                        .byte_at(e)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-')
                    {
                        e += 1;
                    }
                    let follows = self.skip_trivia_from(e);
                    (follows > e && self.src[e] != b'/') || self.byte_at(e) == Some(b'{')
                };
            let mut e = self.pos;
            while let Some(c) = self.byte_at(e) {
                let stop = if dns {
                    !(c.is_ascii_alphanumeric() || c == b'-')
                } else {
                    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b',')
                        || self.src[e..].starts_with("\u{FEFF}".as_bytes())
                };
                if stop {
                    break;
                }
                e += 1;
            }
            if e == self.pos {
                self.reset(m);
                return Ok(None);
            }
            // Stop at a character boundary (a bad name may hold any text).
            while !self.text.is_char_boundary(e) {
                e += 1;
            }
            self.bump(e - self.pos);
            self.text[name_start..e].to_string()
        };
        let name_span = self.span_from(name_start);
        self.trivia();
        if !self.at("{") {
            self.reset(m);
            return Ok(None);
        }
        if let Err(why) = check_dns_label(&name) {
            self.diags.push(
                Diagnostic::error(codes::BAD_SERVICE_NAME, format!("{what} name `{name}` is not a DNS label: {why}"))
                    .primary(name_span, "not a DNS label")
                    .help("a name is 1 to 63 characters of a-z, 0-9 and `-`, starting with a letter and ending with a letter or digit")
                    .note("Kubernetes names the Service, Deployment and ServiceAccount after it"),
            );
        }
        let body = match self.struct_lit() {
            Ok(b) => b,
            // A name that is no name (`service >"{a" {}`) may be the start of an expression
            // instead, as the grammar reads it.
            Err(_)
                if check_dns_label(&name).is_err()
                    && !name.starts_with(|c: char| c.is_ascii_alphabetic()) =>
            {
                self.reset(m);
                return Ok(None);
            }
            Err(f) => return Err(f),
        };
        let span = self.span_from(start);
        if !top {
            self.misplaced(diags, span, "`service` declarations");
        }
        let inner = Field {
            label: Label {
                kind: LabelKind::Name(name),
                opt: Opt::Regular,
                quoted: false,
                alias: None,
                span: name_span,
            },
            value: Expr {
                span: body.span,
                kind: ExprKind::Struct(body),
            },
            span,
            from_service: true,
            attrs: Vec::new(),
        };
        Ok(Some(Decl::Field(Field {
            label: Label {
                kind: LabelKind::Name(map.into()),
                opt: Opt::Regular,
                quoted: false,
                alias: None,
                span: name_span,
            },
            value: Expr {
                span,
                kind: ExprKind::Struct(StructLit::new(vec![Decl::Field(inner)], span)),
            },
            span,
            from_service: true,
            attrs: Vec::new(),
        })))
    }

    /// `check "title" { … }`, or `None` (nothing read) when no title and `{` follow.
    fn check(&mut self, top: bool) -> PResult<Option<Decl>> {
        let m = self.mark();
        let start = self.pos;
        let diags = self.diags.len();
        self.bump("check".len());
        self.trivia();
        let title = if self.at("\"") {
            self.simple_string().ok()
        } else {
            None
        };
        self.trivia();
        let Some(title) = title.filter(|_| self.at("{")) else {
            self.reset(m);
            return Ok(None);
        };
        let body = self.struct_lit()?;
        let span = self.span_from(start);
        if !top {
            self.misplaced(diags, span, "`check` blocks");
        }
        Ok(Some(Decl::Check(Check { title, body, span })))
    }

    /// Reports a top-level form inside a struct, before the diagnostics of its body.
    fn misplaced(&mut self, at: usize, span: Span, what: &str) {
        self.diags.insert(
            at,
            Diagnostic::error(
                codes::MISPLACED,
                format!("{what} are allowed only at the top level of a file"),
            )
            .primary(span, "inside a struct"),
        );
    }

    /// Reads what starts a declaration or a field's value: a label when a `:` follows it, else
    /// as much of a value as had to be read to tell.
    fn head(&mut self) -> PResult<Head> {
        let start = self.pos;
        // `X=label: value`: a field alias.
        if let Some(end) = self.ident_end(start) {
            let eq = self.skip_trivia_from(end);
            if self.byte_at(eq) == Some(b'=') && !matches!(self.byte_at(eq + 1), Some(b'=' | b'~'))
            {
                let alias = self.take_ident(end);
                self.trivia();
                self.bump(1);
                self.trivia();
                return match self.head()? {
                    Head::Label(mut l)
                        if l.alias.is_none() && !matches!(l.kind, LabelKind::Pattern { .. }) =>
                    {
                        l.alias = Some(Box::new(alias));
                        Ok(Head::Label(l))
                    }
                    Head::Label(_) | Head::Aliased(..) => {
                        self.fail(&["a field label or a value after the alias"])
                    }
                    Head::Value(pre) => Ok(Head::Aliased(alias, Some(pre))),
                    Head::Nothing => Ok(Head::Aliased(alias, None)),
                };
            }
        }
        if let Some(end) = self
            .def_end(start)
            .or_else(|| self.ident_end(start))
            .or_else(|| {
                self.keyword_end(start)
                    .filter(|&e| self.label_end(e).is_some())
            })
        {
            let Some((opt, colon)) = self.label_end(end) else {
                return Ok(Head::Nothing);
            };
            let name = self.text[start..end].to_string();
            self.bump(colon - start);
            return Ok(Head::Label(Label {
                kind: LabelKind::Name(name),
                opt,
                quoted: false,
                alias: None,
                span: self.span_from(start),
            }));
        }
        match self.peek() {
            // A string (`"a-b": 1`, `#"raw"#: 1`), a label where a `:` follows.
            Some(c) if c == b'"' || (c == b'#' && self.raw_string_at(self.pos)) => {
                let e = self.string(0)?;
                self.label_or_value(start, e)
            }
            Some(b'(') => {
                self.open_bracket();
                self.trivia();
                let mut e = self.expr(0)?;
                self.trivia();
                self.close_bracket(")", &["`)`"])?;
                e.span = self.span_from(start);
                self.label_or_value(start, e)
            }
            Some(b'[') => self.pattern_or_list(),
            _ => Ok(Head::Nothing),
        }
    }

    /// After a label name ending at `end`: its optionality and the end of the label (before the
    /// `:`), when a `:` follows.
    fn label_end(&self, end: usize) -> Option<(Opt, usize)> {
        let p = self.skip_trivia_from(end);
        match self.byte_at(p) {
            Some(b':') => Some((Opt::Regular, end)),
            Some(c @ (b'?' | b'!')) if self.byte_at(self.skip_trivia_from(p + 1)) == Some(b':') => {
                Some((
                    if c == b'?' {
                        Opt::Optional
                    } else {
                        Opt::Required
                    },
                    p + 1,
                ))
            }
            _ => None,
        }
    }

    /// A string or parenthesized expression just read: a label if a `:` follows.
    fn label_or_value(&mut self, start: usize, e: Expr) -> PResult<Head> {
        match self.label_end(self.pos) {
            Some((opt, end)) => {
                if end > self.pos {
                    self.bump(end - self.pos);
                }
                let kind = match e.kind {
                    ExprKind::Lit(Lit::Str(s)) => LabelKind::Name(s),
                    _ => LabelKind::Dynamic(Box::new(e)),
                };
                Ok(Head::Label(Label {
                    quoted: matches!(kind, LabelKind::Name(_)),
                    alias: None,
                    kind,
                    opt,
                    span: self.span_from(start),
                }))
            }
            None => Ok(Head::Value(Pre { expr: e, start })),
        }
    }

    /// `[Alias=pattern]:` or `[pattern]:` (a pattern label), or a list that starts a value.
    fn pattern_or_list(&mut self) -> PResult<Head> {
        let start = self.pos;
        let after = self.skip_trivia_from(start + 1);
        if let Some(e) = self.ident_end(after) {
            let eq = self.skip_trivia_from(e);
            if self.byte_at(eq) == Some(b'=') && self.byte_at(eq + 1) != Some(b'=') {
                self.open_bracket();
                self.trivia();
                let alias = Some(self.take_ident(e));
                self.trivia();
                self.bump(1);
                self.trivia();
                let pattern = self.expr(0)?;
                self.trivia();
                self.close_bracket("]", &["`]`"])?;
                if self.label_end(self.pos).map(|(o, _)| o) != Some(Opt::Regular) {
                    self.trivia();
                    return self.fail(&["`:`"]);
                }
                return Ok(Head::Label(Label {
                    kind: LabelKind::Pattern {
                        alias: alias.map(Box::new),
                        pattern: Box::new(pattern),
                    },
                    opt: Opt::Regular,
                    quoted: false,
                    alias: None,
                    span: self.span_from(start),
                }));
            }
        }
        let (list, single) = self.list(0)?;
        if single && self.label_end(self.pos).map(|(o, _)| o) == Some(Opt::Regular) {
            let ExprKind::List(mut l) = list.kind else {
                unreachable!("a list")
            };
            let Some(ListElem::Expr(pattern)) = l.elems.pop() else {
                unreachable!("one element")
            };
            return Ok(Head::Label(Label {
                kind: LabelKind::Pattern {
                    alias: None,
                    pattern: Box::new(pattern),
                },
                opt: Opt::Regular,
                quoted: false,
                alias: None,
                span: list.span,
            }));
        }
        Ok(Head::Value(Pre { expr: list, start }))
    }

    /// The rest of a field whose first label is read: `(: label)* : value`.
    fn field(&mut self, start: usize, first: Label) -> PResult<Field> {
        let mut labels = vec![first];
        let value = loop {
            self.trivia();
            if !self.eat(":") {
                return self.fail(&["`:`"]);
            }
            self.trivia();
            let vstart = self.pos;
            match self.head()? {
                Head::Label(l) => labels.push(l),
                Head::Value(pre) => break self.expr_from(Some(pre), 0)?,
                Head::Aliased(alias, pre) => break self.aliased(vstart, alias, pre)?,
                Head::Nothing => {
                    self.pos = vstart;
                    break self.expr(0)?;
                }
            }
        };
        let mut attrs = self.field_attrs()?;
        let span = self.span_from(start);
        let mut value = value;
        if labels.len() > MAX_NESTING {
            self.diags.push(
                Diagnostic::error(
                    codes::TOO_DEEP,
                    format!("a chain of more than {MAX_NESTING} labels"),
                )
                .primary(span, "this field")
                .help("write the nested fields as structs of their own"),
            );
            labels.truncate(1);
        }
        // `a: b: c: v` → `a: { b: { c: v } }`
        while labels.len() > 1 {
            let label = labels.pop().expect("label");
            let fspan = label.span.to(value.span);
            let f = Field {
                label,
                value,
                span: fspan,
                from_service: false,
                // The attributes belong to the innermost field, whose value they follow.
                attrs: std::mem::take(&mut attrs),
            };
            value = Expr {
                span: fspan,
                kind: ExprKind::Struct(StructLit::new(vec![Decl::Field(f)], fspan)),
            };
        }
        Ok(Field {
            label: labels.pop().expect("label"),
            value,
            span,
            from_service: false,
            attrs,
        })
    }

    /// The value after `X=` (its start already read, or not).
    fn aliased(&mut self, start: usize, alias: Ident, pre: Option<Pre>) -> PResult<Expr> {
        let value = match pre {
            Some(p) => self.expr_from(Some(p), 0)?,
            None => {
                if !self.can_start_value() {
                    return self.fail(A_VALUE);
                }
                self.expr(0)?
            }
        };
        Ok(Expr {
            kind: ExprKind::Alias(alias, Box::new(value)),
            span: self.span_from(start),
        })
    }

    /// The attributes after a field's value, on the same line.
    fn field_attrs(&mut self) -> PResult<Vec<Attr>> {
        let mut attrs = Vec::new();
        loop {
            let mut p = self.pos;
            while matches!(self.byte_at(p), Some(b' ' | b'\t')) {
                p += 1;
            }
            if self.byte_at(p) != Some(b'@') {
                return Ok(attrs);
            }
            self.pos = p;
            attrs.push(self.attr()?);
        }
    }

    /// `@name(args)`, the arguments any text with balanced brackets and strings.
    fn attr(&mut self) -> PResult<Attr> {
        let start = self.pos;
        self.bump(1);
        let Some(end) = self
            .ident_end(self.pos)
            .or_else(|| self.keyword_end(self.pos))
        else {
            return self.fail(&["an attribute name"]);
        };
        let name = self.take_ident(end).name;
        if !self.at("(") {
            return self.fail(&["`(`"]);
        }
        self.open_bracket();
        let args_start = self.pos;
        // The closing brackets expected, innermost last.
        let mut closers: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return self.fail(&["`)`"]),
                Some(b'"') => {
                    self.simple_string()?;
                }
                Some(c @ (b'(' | b'[' | b'{')) => {
                    closers.push(match c {
                        b'(' => b')',
                        b'[' => b']',
                        _ => b'}',
                    });
                    self.bump(1);
                }
                Some(b')') if closers.is_empty() => break,
                Some(c @ (b')' | b']' | b'}')) => {
                    if closers.pop() != Some(c) {
                        return self.fail(&["a matching bracket"]);
                    }
                    self.bump(1);
                }
                Some(_) => {
                    let c = self.text[self.pos..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                    self.bump(c);
                }
            }
        }
        let args = self.text[args_start..self.pos].to_string();
        self.close_bracket(")", &["`)`"])?;
        Ok(Attr {
            name,
            args,
            span: self.span_from(start),
        })
    }

    fn let_clause(&mut self) -> PResult<LetClause> {
        let start = self.pos;
        self.bump("let".len());
        self.trivia();
        let name = self.ident()?;
        self.trivia();
        if !self.at("=") || self.at("==") {
            return self.fail(&["`=`"]);
        }
        self.bump(1);
        self.trivia();
        let value = self.expr(0)?;
        Ok(LetClause {
            name,
            value,
            span: self.span_from(start),
        })
    }

    /// `for …`/`if …` clauses, then `let` clauses too, then the struct they produce.
    fn comprehension(&mut self) -> PResult<Comprehension> {
        let start = self.pos;
        let mut clauses = Vec::new();
        loop {
            if self.at_kw("for") {
                let cstart = self.pos;
                self.bump("for".len());
                self.trivia();
                let mut value = self.ident()?;
                self.trivia();
                let mut key = None;
                if self.eat(",") {
                    self.trivia();
                    key = Some(std::mem::replace(&mut value, self.ident()?));
                    self.trivia();
                }
                if !self.at_kw("in") {
                    return self.fail(if key.is_some() {
                        &["`in`"]
                    } else {
                        &["`,`", "`in`"]
                    });
                }
                self.bump("in".len());
                self.trivia();
                let source = self.expr(0)?;
                clauses.push(Clause::For {
                    key,
                    value,
                    source,
                    span: self.span_from(cstart),
                });
            } else if self.at_kw("if") {
                self.bump("if".len());
                self.trivia();
                clauses.push(Clause::If(self.expr(0)?));
            } else if self.at_kw("let") {
                clauses.push(Clause::Let(self.let_clause()?));
            } else if self.at_try() {
                let cstart = self.pos;
                self.bump("try".len());
                self.trivia();
                let mut binding = None;
                if let Some(end) = self.ident_end(self.pos) {
                    let eq = self.skip_trivia_from(end);
                    if self.byte_at(eq) == Some(b'=')
                        && !matches!(self.byte_at(eq + 1), Some(b'=' | b'~'))
                    {
                        let lstart = self.pos;
                        let name = self.take_ident(end);
                        self.trivia();
                        self.bump(1);
                        self.trivia();
                        let value = self.expr(0)?;
                        binding = Some(LetClause {
                            name,
                            value,
                            span: self.span_from(lstart),
                        });
                    }
                }
                clauses.push(Clause::Try {
                    binding,
                    span: self.span_from(cstart),
                });
            } else if self.at("{") {
                let body = self.struct_lit()?;
                // `else { … }` / `fallback { … }`: what no binding produces.
                let after = self.skip_trivia_from(self.pos);
                let mut fallback = None;
                for kw in ["else", "fallback"] {
                    let at_kw = self.src[after..].starts_with(kw.as_bytes())
                        && !self.byte_at(after + kw.len()).is_some_and(is_ident_char);
                    if at_kw && self.byte_at(self.skip_trivia_from(after + kw.len())) == Some(b'{')
                    {
                        self.pos = after + kw.len();
                        self.trivia();
                        fallback = Some(Box::new(Fallback {
                            keyword: kw.to_string(),
                            body: self.struct_lit()?,
                        }));
                        break;
                    }
                }
                return Ok(Comprehension {
                    clauses,
                    body,
                    fallback,
                    span: self.span_from(start),
                });
            } else {
                return self.fail(&["`for`", "`if`", "`let`", "`{`"]);
            }
            self.trivia();
        }
    }

    /// A comprehension starting with `try`, or `None` (nothing read) where what follows does
    /// not read as one.
    fn try_comprehension(&mut self) -> Option<Comprehension> {
        if !self.at_try() {
            return None;
        }
        let m = self.mark();
        match self.comprehension() {
            Ok(c) => Some(c),
            Err(_) => {
                self.reset(m);
                None
            }
        }
    }

    /// `try` starting a clause: followed by `{`, a clause or `name =` (elsewhere `try` is a
    /// name, as in `try: 1`).
    fn at_try(&self) -> bool {
        if !self.at_kw("try") {
            return false;
        }
        let p = self.skip_trivia_from(self.pos + 3);
        if self.byte_at(p) == Some(b'{') {
            return true;
        }
        let mut e = p;
        while self.byte_at(e).is_some_and(is_ident_char) {
            e += 1;
        }
        let word = &self.src[p..e];
        if matches!(word, b"for" | b"if" | b"let" | b"try") {
            return true;
        }
        let eq = self.skip_trivia_from(e);
        e > p
            && self.ident_end(p).is_some()
            && self.byte_at(eq) == Some(b'=')
            && !matches!(self.byte_at(eq + 1), Some(b'=' | b'~'))
    }

    /// `{ decls }` (at a `{`).
    fn struct_lit(&mut self) -> PResult<StructLit> {
        let start = self.pos;
        self.open_bracket();
        let decls = self.decls(false)?;
        self.close_bracket("}", &["a declaration", "`}`"])?;
        Ok(StructLit::new(decls, self.span_from(start)))
    }

    // ---- expressions ----

    fn can_start_value(&self) -> bool {
        let Some(c) = self.peek() else { return false };
        match c {
            b'0'..=b'9' | b'"' | b'{' | b'[' | b'(' | b'#' => true,
            b'>' | b'<' | b'!' | b'-' | b'+' | b'*' => true,
            b'=' => self.at("=~"),
            _ => {
                self.ident_end(self.pos).is_some()
                    || ["null", "true", "false"].iter().any(|k| self.at_kw(k))
            }
        }
    }

    fn expr(&mut self, depth: usize) -> PResult<Expr> {
        self.expr_from(None, depth)
    }

    /// An expression; `pre` is its first operand when already read.
    fn expr_from(&mut self, pre: Option<Pre>, depth: usize) -> PResult<Expr> {
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || self.disj(pre, depth))
    }

    fn too_deep(&mut self, span: Span) -> Expr {
        self.diags.push(
            Diagnostic::error(
                codes::TOO_DEEP,
                format!("expression nested more than {MAX_EXPR_DEPTH} deep"),
            )
            .primary(span, "this expression")
            .help("split it with `let` or into fields of their own"),
        );
        Expr {
            kind: ExprKind::Bottom,
            span,
        }
    }

    /// `a | *b | c`
    fn disj(&mut self, pre: Option<Pre>, depth: usize) -> PResult<Expr> {
        let start = pre.as_ref().map_or(self.pos, |p| p.start);
        let first = self.unify(pre, depth)?;
        self.trivia();
        let single = !self.at("|") || self.at("||");
        let mut alts = vec![strip_default(first)];
        while self.at("|") && !self.at("||") {
            self.bump(1);
            self.trivia();
            alts.push(strip_default(self.unify(None, depth + 1)?));
            self.trivia();
        }
        if single && !alts[0].1 {
            return Ok(alts.pop().expect("one").0);
        }
        Ok(Expr {
            kind: ExprKind::Disj(alts),
            span: self.span_from(start),
        })
    }

    /// `a & b & c`
    fn unify(&mut self, pre: Option<Pre>, depth: usize) -> PResult<Expr> {
        let start = pre.as_ref().map_or(self.pos, |p| p.start);
        let first = self.binary(pre, depth, 0)?;
        self.trivia();
        if !self.at("&") || self.at("&&") {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.at("&") && !self.at("&&") {
            self.bump(1);
            self.trivia();
            parts.push(self.binary(None, depth + 1, 0)?);
            self.trivia();
        }
        Ok(Expr {
            kind: ExprKind::Unify(parts),
            span: self.span_from(start),
        })
    }

    /// The binary operator of precedence `level` at `pos` (0: `||`, 1: `&&`, 2: comparisons,
    /// 3: `+ -`, 4: `* /`) and its length.
    fn binary_op(&self, level: usize) -> Option<(BinOp, usize)> {
        // Most operands are followed by no operator: the next byte says so at once.
        if !STARTS_BINARY[self.peek()? as usize] {
            return None;
        }
        BINARY_OPS[level]
            .iter()
            .find(|(s, _)| self.at(s))
            .map(|&(s, op)| (op, s.len()))
    }

    /// A left-associative chain of the operators of `level` and above.
    fn binary(&mut self, pre: Option<Pre>, depth: usize, level: usize) -> PResult<Expr> {
        let operand = |p: &mut Self, pre, depth| {
            if level == 4 {
                p.unary(pre, depth)
            } else {
                p.binary(pre, depth, level + 1)
            }
        };
        let mut acc = operand(self, pre, depth)?;
        let mut d = depth;
        let mut deep = false;
        loop {
            self.trivia();
            let Some((op, len)) = self.binary_op(level) else {
                break;
            };
            self.bump(len);
            self.trivia();
            let r = operand(self, None, depth + 1)?;
            d += 1;
            deep |= d > MAX_EXPR_DEPTH;
            if !deep {
                let span = acc.span.to(r.span);
                acc = Expr {
                    kind: ExprKind::Binary(op, Box::new(acc), Box::new(r)),
                    span,
                };
            }
        }
        Ok(if deep { self.too_deep(acc.span) } else { acc })
    }

    /// The prefix operator at the cursor.
    fn prefix_op(&self) -> Option<&'static str> {
        // Most operands start with no operator: the next byte says so at once.
        if !STARTS_PREFIX[self.peek()? as usize] {
            return None;
        }
        PREFIX_OPS.iter().find(|s| self.at(s)).copied()
    }

    /// Prefix operators, then a postfix expression.
    fn unary(&mut self, pre: Option<Pre>, depth: usize) -> PResult<Expr> {
        if pre.is_some() {
            return self.postfix(pre, depth);
        }
        let start = self.pos;
        let mut ops = Vec::new();
        while let Some(op) = self.prefix_op() {
            let at = self.pos;
            self.bump(op.len());
            ops.push((op, at));
            self.trivia();
        }
        if ops.is_empty() {
            return self.postfix(None, depth);
        }
        let mut e = self.postfix(None, (depth + ops.len()).min(MAX_EXPR_DEPTH + 1))?;
        if depth + ops.len() > MAX_EXPR_DEPTH {
            let span = self.span_from(start);
            return Ok(self.too_deep(span));
        }
        for &(op, at) in ops.iter().rev() {
            let op_span = Span::new(self.file, at, at + op.len());
            let span = op_span.to(e.span);
            let kind = match op {
                "-" => ExprKind::Unary(UnOp::Neg, Box::new(e)),
                "+" => ExprKind::Unary(UnOp::Plus, Box::new(e)),
                "!" => ExprKind::Unary(UnOp::Not, Box::new(e)),
                // The default marker; kept as a call on the way up to the disjunction.
                "*" => ExprKind::Call(
                    Box::new(Ident {
                        name: DEFAULT_MARK.into(),
                        span: op_span,
                    }),
                    vec![e],
                ),
                sym => {
                    let b = match sym {
                        "<" => BoundOp::Lt,
                        "<=" => BoundOp::Le,
                        ">" => BoundOp::Gt,
                        ">=" => BoundOp::Ge,
                        "!=" => BoundOp::Ne,
                        "=~" => BoundOp::Match,
                        _ => BoundOp::NotMatch,
                    };
                    ExprKind::Bound(b, Box::new(e))
                }
            };
            e = Expr { kind, span };
        }
        Ok(e)
    }

    /// An operand and the selectors, indexes and calls written right after it (no space).
    fn postfix(&mut self, pre: Option<Pre>, depth: usize) -> PResult<Expr> {
        enum Post {
            Select(Ident),
            Index(Expr),
            Slice(Option<Box<Expr>>, Option<Box<Expr>>),
            Call(Vec<Expr>),
            Optional,
        }
        let start = pre.as_ref().map_or(self.pos, |p| p.start);
        let mut e = match pre {
            Some(p) => p.expr,
            None => self.operand(depth)?,
        };
        let mut d = depth;
        let (mut deep, mut bad) = (false, false);
        loop {
            let post = if self.at(".") {
                let m = self.mark();
                self.bump(1);
                self.trivia();
                match self
                    .def_end(self.pos)
                    .or_else(|| self.ident_end(self.pos))
                    .or_else(|| self.keyword_end(self.pos))
                {
                    Some(end) => Post::Select(self.take_ident(end)),
                    None => {
                        self.reset(m);
                        break;
                    }
                }
            } else if self.at("[") {
                self.open_bracket();
                self.trivia();
                let lo = if self.at(":") {
                    None
                } else {
                    Some(self.expr(depth + 1)?)
                };
                self.trivia();
                if self.eat(":") {
                    self.trivia();
                    let hi = if self.at("]") {
                        None
                    } else {
                        Some(Box::new(self.expr(depth + 1)?))
                    };
                    self.trivia();
                    self.close_bracket("]", &["`]`"])?;
                    Post::Slice(lo.map(Box::new), hi)
                } else {
                    let Some(idx) = lo else {
                        return self.fail(A_VALUE);
                    };
                    self.close_bracket("]", &["`:`", "`]`"])?;
                    Post::Index(idx)
                }
            } else if self.at("?") {
                self.bump(1);
                Post::Optional
            } else if self.at("(") {
                self.open_bracket();
                self.trivia();
                let mut args = Vec::new();
                while !self.at(")") {
                    args.push(self.expr(depth + 1)?);
                    self.trivia();
                    if !self.eat(",") {
                        break;
                    }
                    self.trivia();
                }
                self.close_bracket(")", &["`,`", "`)`"])?;
                Post::Call(args)
            } else {
                break;
            };
            d += 1;
            deep |= d > MAX_EXPR_DEPTH;
            if deep || bad {
                continue;
            }
            // From the operand's first byte (a parenthesis included) to the postfix's last.
            let span = self.span_from(start);
            let kind = match post {
                Post::Select(name) => ExprKind::Select(Box::new(e), name),
                Post::Index(idx) => ExprKind::Index(Box::new(e), Box::new(idx)),
                Post::Slice(lo, hi) => ExprKind::Slice(Box::new(e), lo, hi),
                Post::Optional => ExprKind::OptionalRef(Box::new(e)),
                Post::Call(args) => match e.kind {
                    ExprKind::Ident(name) => {
                        ExprKind::Call(Box::new(Ident { name, span: e.span }), args)
                    }
                    // A function of an imported package: `strings.ToUpper(s)`.
                    ExprKind::Select(base, f) if matches!(base.kind, ExprKind::Ident(_)) => {
                        let ExprKind::Ident(pkg) = base.kind else {
                            unreachable!("an identifier")
                        };
                        ExprKind::Call(
                            Box::new(Ident {
                                name: format!("{pkg}.{}", f.name),
                                span: e.span,
                            }),
                            args,
                        )
                    }
                    _ => {
                        self.diags.push(
                            Diagnostic::error(codes::BAD_CALL, "only builtin functions can be called")
                                .primary(e.span, "not a function name")
                                .help("the builtins are len, min, max, sum, lower, upper, contains, join, ceil, floor, div, mod, quo, rem, and, or, close, warn, error; a package's functions are called through its import (`strings.ToUpper(s)`)"),
                        );
                        bad = true;
                        ExprKind::Bottom
                    }
                },
            };
            e = Expr { kind, span };
        }
        Ok(if deep { self.too_deep(e.span) } else { e })
    }

    fn operand(&mut self, depth: usize) -> PResult<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.fail(A_VALUE);
        };
        let kind = match c {
            b'_' if self.at("_|_") => {
                self.bump(3);
                ExprKind::Bottom
            }
            b'0'..=b'9' => return Ok(self.number()),
            b'"' => return self.string(depth),
            // `#"raw \ text"#`, `#"""…"""#`.
            b'#' if self.raw_string_at(start) => return self.string(depth),
            b'{' => {
                let s = self.struct_lit()?;
                ExprKind::Struct(s)
            }
            b'[' => return Ok(self.list(depth)?.0),
            b'(' => {
                self.open_bracket();
                self.trivia();
                let mut e = self.expr(depth)?;
                self.trivia();
                self.close_bracket(")", &["`)`"])?;
                // The value, spanning its parentheses.
                e.span = self.span_from(start);
                return Ok(e);
            }
            _ => {
                if let Some((kw, lit)) = [
                    ("null", Lit::Null),
                    ("true", Lit::Bool(true)),
                    ("false", Lit::Bool(false)),
                ]
                .into_iter()
                .find(|(k, _)| self.at_kw(k))
                {
                    self.bump(kw.len());
                    ExprKind::Lit(lit)
                } else if let Some(end) = self.def_end(start).or_else(|| self.ident_end(start)) {
                    let name = self.take_ident(end).name;
                    if name == "_" {
                        ExprKind::Top
                    } else {
                        ExprKind::Ident(name)
                    }
                } else {
                    return self.fail(A_VALUE);
                }
            }
        };
        Ok(Expr {
            kind,
            span: self.span_from(start),
        })
    }

    /// A number with its unit (at a digit).
    fn number(&mut self) -> Expr {
        let start = self.pos;
        let digit = |p: &Self, i: usize| p.byte_at(i).is_some_and(|c| c.is_ascii_digit());
        let mut e = start + 1;
        while self
            .byte_at(e)
            .is_some_and(|c| c.is_ascii_digit() || c == b'_')
        {
            e += 1;
        }
        if self.byte_at(e) == Some(b'.') && digit(self, e + 1) {
            e += 2;
            while digit(self, e) {
                e += 1;
            }
        }
        loop {
            match self.byte_at(e) {
                // A signed exponent: `1e-3`, `2.5E+6`.
                Some(b'e' | b'E')
                    if matches!(self.byte_at(e + 1), Some(b'-' | b'+')) && digit(self, e + 2) =>
                {
                    e += 3
                }
                Some(c) if c.is_ascii_alphanumeric() || c == b'%' => e += 1,
                Some(b'.') if digit(self, e + 1) => e += 2,
                _ => break,
            }
        }
        self.bump(e - start);
        let span = self.span_from(start);
        match decode_number(&self.text[start..e]) {
            Ok(l) => Expr {
                kind: ExprKind::Lit(l),
                span,
            },
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error(codes::BAD_LITERAL, format!("invalid number: {msg}"))
                        .primary(span, "this literal")
                        .help("units: quantities n u m k M G T P E Ki Mi Gi Ti Pi Ei (`500m`, `256Mi`), durations ns us ms s m h (`250ms`, `1m30s`), percents `70%`"),
                );
                Expr {
                    kind: ExprKind::Bottom,
                    span,
                }
            }
        }
    }

    /// A list literal (at a `[`), and whether it is a single value without a comma (which, with
    /// a `:` after it, is a pattern label).
    fn list(&mut self, depth: usize) -> PResult<(Expr, bool)> {
        let start = self.pos;
        self.open_bracket();
        self.trivia();
        let mut elems = Vec::new();
        let mut tail = None;
        let mut commas = false;
        while !self.at("]") {
            if self.at("...") {
                let estart = self.pos;
                self.bump(3);
                self.trivia();
                let t = if self.can_start_value() {
                    self.expr(depth + 1)?
                } else {
                    Expr {
                        kind: ExprKind::Top,
                        span: self.span_from(estart),
                    }
                };
                tail = Some(Box::new(t));
            } else if self.at_kw("for") || self.at_kw("if") {
                elems.push(ListElem::Comprehension(self.comprehension()?));
            } else if let Some(c) = self.try_comprehension() {
                elems.push(ListElem::Comprehension(c));
            } else {
                let e = self.expr(depth + 1)?;
                if tail.is_some() {
                    self.diags.push(
                        Diagnostic::error(
                            codes::SYNTAX,
                            "`...` must be the last element of a list",
                        )
                        .primary(e.span, "after `...`"),
                    );
                }
                elems.push(ListElem::Expr(e));
            }
            self.trivia();
            if !self.eat(",") {
                break;
            }
            commas = true;
            self.trivia();
        }
        self.close_bracket("]", &["`,`", "`]`"])?;
        elems.shrink_to_fit();
        let single = !commas && tail.is_none() && matches!(elems[..], [ListElem::Expr(_)]);
        let span = self.span_from(start);
        Ok((
            Expr {
                kind: ExprKind::List(ListLit { elems, tail, span }),
                span,
            },
            single,
        ))
    }

    /// A string literal, with `\(…)` interpolations (at a `"`).
    fn string(&mut self, depth: usize) -> PResult<Expr> {
        let start = self.pos;
        let mut parts = Vec::new();
        let text = self.string_body(Some((depth, &mut parts)))?;
        let span = self.span_from(start);
        if parts.is_empty() {
            return Ok(Expr {
                kind: ExprKind::Lit(Lit::Str(text)),
                span,
            });
        }
        if !text.is_empty() {
            parts.push(StrPart::Text(text));
        }
        Ok(Expr {
            kind: ExprKind::Interp(parts),
            span,
        })
    }

    /// A string without interpolation (at a `"`), decoded.
    fn simple_string(&mut self) -> PResult<String> {
        self.string_body(None)
    }

    /// Whether a raw string (`#"…"#`) starts at `i`.
    fn raw_string_at(&self, i: usize) -> bool {
        let mut j = i;
        while self.byte_at(j) == Some(b'#') {
            j += 1;
        }
        j > i && self.byte_at(j) == Some(b'"')
    }

    /// Reads a string (at its `"`, or at the `#`s of a raw string). Interpolations are parsed
    /// into `parts` when given (the text before each is pushed first); the text after the last
    /// one is returned. `#"…"#` is raw: an escape or interpolation is `\#n`, `\#(x)` (one `#`
    /// per `#` around it), a `\` alone is itself. `"""` starts a multi-line string: its text
    /// starts on the next line and ends on the line before the closing `"""`, whose indentation
    /// is removed from every line.
    fn string_body(&mut self, mut parts: Option<(usize, &mut Vec<StrPart>)>) -> PResult<String> {
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        let multi = self.at("\"\"\"");
        if multi && parts.is_none() {
            return self.fail(&["a one-line string"]);
        }
        self.bump(if multi { 3 } else { 1 });
        // A multi-line string: the indentation of its closing line.
        let mut indent = "";
        if multi {
            let after = &self.text[self.pos..self.src.len()];
            let first_break = after.find(|c: char| !matches!(c, ' ' | '\t' | '\r'));
            if first_break.map(|i| after.as_bytes()[i]) != Some(b'\n') {
                return self.fail(&["a line break after `\"\"\"`"]);
            }
            self.pos += first_break.unwrap_or(0) + 1;
            let close = format!("\"\"\"{}", "#".repeat(hashes));
            if let Some(end) = self.text[self.pos..self.src.len()].find(&close) {
                let line_start = self.text[..self.pos + end].rfind('\n').map_or(0, |i| i + 1);
                let before = &self.text[line_start.max(self.pos)..self.pos + end];
                if before.chars().all(|c| c == ' ' || c == '\t') {
                    indent = before;
                }
            }
        }
        let indent = indent.to_string();
        let closes = |p: &Self, i: usize| {
            let q = if multi { 3 } else { 1 };
            p.src
                .get(i..i + q)
                .is_some_and(|x| x.iter().all(|&c| c == b'"'))
                && (0..hashes).all(|k| p.byte_at(i + q + k) == Some(b'#'))
        };
        let escape_at = |p: &Self, i: usize| {
            p.byte_at(i) == Some(b'\\') && (1..=hashes).all(|k| p.byte_at(i + k) == Some(b'#'))
        };
        let mut text = String::new();
        let mut line_start = true;
        loop {
            if multi && line_start {
                line_start = false;
                // The closing line's indentation starts every line (blank lines aside).
                let rest = &self.text[self.pos..self.src.len()];
                if rest.starts_with(&indent) {
                    self.pos += indent.len();
                } else if !rest.starts_with(['\n', '\r']) {
                    let e = rest.find('\n').unwrap_or(rest.len());
                    if !rest[..e].trim_start().starts_with("\"\"\"") {
                        self.diags.push(
                            Diagnostic::error(
                                codes::BAD_LITERAL,
                                "a line of a multi-line string is indented less than its closing `\"\"\"`",
                            )
                            .primary(Span::new(self.file, self.pos, self.pos + e), "this line"),
                        );
                    }
                }
            }
            let run = self.pos;
            while let Some(c) = self.peek() {
                if (c == b'"' && closes(self, self.pos)) || escape_at(self, self.pos) || c == b'\n'
                {
                    break;
                }
                self.pos += 1;
            }
            text.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    if multi {
                        // The text ends with the line before the closing one.
                        if !text.ends_with('\n') && !self.text[run..self.pos].trim().is_empty() {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::BAD_LITERAL,
                                    "the closing `\"\"\"` of a multi-line string must be on a line of its own",
                                )
                                .primary(Span::new(self.file, self.pos, self.pos + 3), "here"),
                            );
                        }
                        let trimmed = text.trim_end_matches([' ', '\t']);
                        let trimmed = trimmed.strip_suffix('\n').unwrap_or(trimmed);
                        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
                        text.truncate(trimmed.len());
                    }
                    self.bump(if multi { 3 } else { 1 } + hashes);
                    return Ok(text);
                }
                Some(b'\n') if multi => {
                    text.push('\n');
                    self.pos += 1;
                    line_start = true;
                }
                Some(b'\\') => {
                    let at = self.pos;
                    let c = self.byte_at(at + 1 + hashes);
                    let esc = 1 + hashes;
                    match c {
                        Some(b'(') => {
                            let Some((depth, parts)) = parts.as_mut() else {
                                return self.fail(&["string text (no interpolation here)"]);
                            };
                            self.bump(esc);
                            self.open_bracket();
                            self.trivia();
                            let e = self.expr(*depth + 1)?;
                            self.trivia();
                            self.close_bracket(")", &["`)`"])?;
                            if !text.is_empty() {
                                parts.push(StrPart::Text(std::mem::take(&mut text)));
                            }
                            parts.push(StrPart::Expr(e));
                            continue;
                        }
                        Some(b'n') => text.push('\n'),
                        Some(b't') => text.push('\t'),
                        Some(b'r') => text.push('\r'),
                        Some(c @ (b'"' | b'\\' | b'/')) => text.push(c as char),
                        Some(b'u')
                            if self
                                .src
                                .get(at + esc + 1..at + esc + 5)
                                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                        {
                            let hex = &self.text[at + esc + 1..at + esc + 5];
                            match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) => text.push(ch),
                                None => self.diags.push(
                                    Diagnostic::error(
                                        codes::BAD_LITERAL,
                                        format!("`\\u{hex}` is not a Unicode scalar value"),
                                    )
                                    .primary(Span::new(self.file, at, at + esc + 5), "invalid escape"),
                                ),
                            }
                            self.bump(esc + 5);
                            continue;
                        }
                        _ => {
                            return self.fail(&[
                                "an escape (`\\n`, `\\t`, `\\r`, `\\\"`, `\\\\`, `\\/`, `\\uXXXX` or `\\(`)",
                            ])
                        }
                    }
                    self.bump(esc + 1);
                }
                _ => return self.fail(&["`\"`"]),
            }
        }
    }

    // ---- errors ----

    /// The diagnostic for the failure recorded in `error`.
    fn syntax_error(&self) -> Diagnostic {
        let (mut at, expected) = self.error.unwrap_or((self.pos, &[]));
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let rest = &self.text[at..self.src.len()];
        let at_end = self.skip_trivia_from(at) >= self.src.len();
        // At the end of the input: point just past its last token.
        let pos = if at_end && self.last_end > self.start {
            self.last_end.min(at)
        } else {
            at
        };
        let found: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(12)
            .collect();
        let found_text = if at_end {
            if self.src.len() >= self.text.len() {
                "the end of the file".to_string()
            } else {
                "the end of the declaration".to_string()
            }
        } else if found.is_empty() {
            "a line break".to_string()
        } else {
            format!("`{found}`")
        };
        let msg = if expected.is_empty() {
            format!("syntax error: unexpected {found_text}")
        } else {
            format!(
                "syntax error: expected {}, found {found_text}",
                join_or(expected)
            )
        };
        let end = if at_end { pos } else { pos + found.len() };
        let mut d = Diagnostic::error(codes::SYNTAX, msg)
            .primary(Span::new(self.file, pos, end), "unexpected here");
        if at_end || found.starts_with(['}', ']', ')']) {
            if let Some(&open) = self.open.last() {
                let c = &self.text[open..open + 1];
                d = d.secondary(
                    Span::new(self.file, open, open + 1),
                    format!("this `{c}` is not closed"),
                );
            }
            d = d.help("check that every `{`, `[` and `(` is closed, and closed once");
        }
        d
    }
}

/// The internal name of the `*` default marker (never a valid identifier in source).
pub(crate) const DEFAULT_MARK: &str = "*default";

fn strip_default(e: Expr) -> (Expr, bool) {
    match e.kind {
        ExprKind::Call(ref name, _) if name.name == DEFAULT_MARK => {
            let ExprKind::Call(_, mut args) = e.kind else {
                unreachable!()
            };
            (args.pop().expect("marked value"), true)
        }
        _ => (e, false),
    }
}

fn join_or(items: &[&str]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_string(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Checks an RFC 1123 DNS label, as Kubernetes requires of Service names.
pub fn check_dns_label(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > 63 {
        return Err("it is longer than 63 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("only lower-case letters, digits and `-` are allowed");
    }
    if !name.as_bytes()[0].is_ascii_lowercase() {
        return Err("it must start with a lower-case letter");
    }
    if name.ends_with('-') {
        return Err("it must not end with `-`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_mark_and_crlf_are_whitespace() {
        let (f, d) = parse_file(0, "\u{FEFF}package a\r\nx: 1\r\ny: \"two\"\r\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.body.decls.len(), 2);
    }

    #[test]
    fn unquoted_service_names_may_have_hyphens() {
        let (f, d) = parse_file(
            0,
            "service redis-cart { port: 6379 }\nservice Bad_Name {}\n",
        );
        assert!(f.has_service);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, codes::BAD_SERVICE_NAME);
    }
}
