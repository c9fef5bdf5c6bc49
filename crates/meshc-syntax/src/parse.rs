//! The parser: pest (grammar in `grammar/msh.pest`) for the concrete syntax, then a conversion
//! to the [`ast`](crate::ast). Parse errors are recovered at the next top-level declaration, so
//! every broken declaration of a file is reported, not only the first.

use crate::ast::*;
use crate::diag::{codes, Diagnostic};
use crate::lit::{decode_number, Lit};
use crate::span::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser;

/// The pest parser generated from the grammar, and its `Rule` enum (private to this module).
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/msh.pest"]
    pub(super) struct MshParser;
}
use grammar::{MshParser, Rule};

/// Deepest bracket nesting accepted before parsing (protects the recursive descent).
pub const MAX_NESTING: usize = 100;
/// Deepest expression tree accepted (protects evaluation and drop).
pub const MAX_EXPR_DEPTH: usize = 200;

/// Parses one file. Always returns a file (possibly missing the broken declarations) and the
/// diagnostics found; the file is usable only when no error was reported.
pub fn parse_file(id: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut b = Builder {
        file: id,
        base: 0,
        diags: Vec::new(),
        text,
    };
    let empty = File {
        id,
        package: None,
        imports: Vec::new(),
        body: StructLit {
            decls: Vec::new(),
            span: Span::new(id, 0, text.len()),
        },
        has_service: false,
    };
    if let Some(d) = check_nesting(id, text) {
        return (empty, vec![d]);
    }
    match MshParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file = pairs.next().expect("file rule");
            let mut inner = file.into_inner();
            let header = inner.next().expect("header");
            let (package, imports) = b.header(header);
            let decls = inner.next().expect("decls");
            let decls = b.decls(decls, true);
            let mut f = File {
                body: StructLit {
                    decls,
                    span: Span::new(id, 0, text.len()),
                },
                package,
                imports,
                ..empty
            };
            f.has_service = f
                .body
                .decls
                .iter()
                .any(|d| matches!(d, Decl::Field(f) if f.from_service));
            (f, b.diags)
        }
        Err(e) => {
            let first = b.syntax_error(&e, 0, text);
            let (f, mut diags) = recover(id, text);
            // The chunk errors are more precise; the whole-file error stands in when the
            // chunks all parse (the whole file's structure is what is wrong).
            if !diags.iter().any(|d| d.code == codes::SYNTAX) {
                diags.insert(0, first);
            }
            diags.sort_by_key(|d| d.primary_span());
            diags.dedup_by_key(|d| d.primary_span());
            (f, diags)
        }
    }
}

/// Parses the file again chunk by chunk (top-level declarations), keeping what parses.
fn recover(id: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut b = Builder {
        file: id,
        base: 0,
        diags: Vec::new(),
        text,
    };
    let chunks = split_chunks(text);
    let mut package = None;
    let mut imports = Vec::new();
    let mut decls = Vec::new();
    for (start, end) in chunks {
        let piece = &text[start..end];
        b.base = start;
        let trimmed = piece.trim_start();
        let is_header = trimmed.starts_with("package ")
            || trimmed.starts_with("import ")
            || trimmed.starts_with("import(");
        let rule = if is_header {
            Rule::header_chunk
        } else {
            Rule::chunk
        };
        match MshParser::parse(rule, piece) {
            Ok(mut pairs) => {
                let chunk = pairs.next().expect("chunk");
                let inner = chunk.into_inner().next().expect("inner");
                if is_header {
                    let (p, i) = b.header(inner);
                    if package.is_none() {
                        package = p;
                    }
                    imports.extend(i);
                } else {
                    decls.extend(b.decls(inner, true));
                }
            }
            Err(e) => {
                let d = b.syntax_error(&e, start, piece);
                b.diags.push(d);
            }
        }
    }
    let has_service = decls
        .iter()
        .any(|d| matches!(d, Decl::Field(f) if f.from_service));
    let file = File {
        id,
        package,
        imports,
        body: StructLit {
            decls,
            span: Span::new(id, 0, text.len()),
        },
        has_service,
    };
    (file, b.diags)
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
    let mut out = Vec::new();
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

/// Rejects input nested deeper than [`MAX_NESTING`] before the recursive parser sees it.
fn check_nesting(id: FileId, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut in_str = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            match c {
                b'\\' if bytes.get(i + 1) == Some(&b'(') => {
                    depth += 1;
                    in_str = false;
                    i += 1;
                }
                b'\\' => i += 1,
                b'"' | b'\n' => in_str = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if depth > MAX_NESTING {
            return Some(
                Diagnostic::error(
                    codes::TOO_DEEP,
                    format!("brackets nested more than {MAX_NESTING} deep"),
                )
                .primary(Span::new(id, i, i + 1), "nested too deeply here")
                .help(
                    "flatten the structure: give inner values names of their own and refer to them",
                ),
            );
        }
        i += 1;
    }
    None
}

struct Builder<'t> {
    file: FileId,
    base: usize,
    diags: Vec<Diagnostic>,
    /// The whole file, to trim the whitespace pest leaves at the end of a span.
    text: &'t str,
}

fn friendly(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::expr
        | Rule::disj
        | Rule::unify
        | Rule::or_expr
        | Rule::and_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary
        | Rule::postfix_expr
        | Rule::operand
        | Rule::embedding => "a value",
        Rule::field | Rule::label | Rule::label_name | Rule::pattern_label => "a field",
        Rule::decl
        | Rule::decls
        | Rule::service_decl
        | Rule::check_decl
        | Rule::let_clause
        | Rule::comprehension => "a declaration",
        Rule::struct_ellipsis | Rule::ellipsis => "`...`",
        Rule::ident | Rule::def_ident => "a name",
        Rule::string | Rule::simple_string => "a string",
        Rule::number => "a number",
        Rule::struct_lit => "`{`",
        Rule::list_lit => "`[`",
        Rule::cmp_op | Rule::add_op | Rule::mul_op => "an operator",
        Rule::prefix_op => "an operator",
        Rule::postfix_sel | Rule::postfix_index | Rule::postfix_call => "`.`, `[` or `(`",
        Rule::service_name | Rule::bad_name | Rule::dns_name => "a service name",
        Rule::package_clause => "`package`",
        Rule::import_decl | Rule::import_spec => "an import",
        Rule::for_clause => "`for`",
        Rule::if_clause => "`if`",
        Rule::label_opt => "`?` or `!`",
        Rule::interpolation | Rule::escape | Rule::str_chars => "string text",
        _ => return None,
    })
}

impl Builder<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        let start = self.base + s.start();
        let mut end = self.base + s.end();
        // Implicit whitespace and comments may trail a rule's span: drop them.
        loop {
            let t = self.text[start..end].trim_end();
            end = start + t.len();
            match t.rfind('\n') {
                Some(nl) if t[nl + 1..].trim_start().starts_with("//") => end = start + nl,
                _ => break,
            }
        }
        Span::new(self.file, start, end)
    }

    /// A pest error in `piece`, which starts at byte `base` of the file.
    fn syntax_error(&self, e: &pest::error::Error<Rule>, base: usize, piece: &str) -> Diagnostic {
        let local = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let mut pos = local + base;
        if piece[local..].trim().is_empty() && !piece.trim_end().is_empty() {
            // At the end of the input: point just past its last token.
            pos = base + piece.trim_end().len();
        }
        let mut expected: Vec<&str> = match &e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                positives.iter().filter_map(friendly).collect()
            }
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        expected.sort();
        expected.dedup();
        let found: String = piece[local..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(12)
            .collect();
        let end = (pos + found.len()).min(self.text.len()).max(pos);
        let found_text = if found.is_empty() {
            if piece[local..].trim().is_empty() {
                if base + piece.len() >= self.text.len() {
                    "the end of the file".to_string()
                } else {
                    "the end of the declaration".to_string()
                }
            } else {
                "a line break".to_string()
            }
        } else {
            format!("`{found}`")
        };
        let msg = if expected.is_empty() {
            format!("syntax error: unexpected {found_text}")
        } else {
            format!(
                "syntax error: expected {}, found {found_text}",
                join_or(&expected)
            )
        };
        let mut d = Diagnostic::error(codes::SYNTAX, msg)
            .primary(Span::new(self.file, pos, end), "unexpected here");
        if found.starts_with('}') || found_text.starts_with("the end") {
            d = d.help("check that every `{`, `[` and `(` is closed, and closed once");
        }
        d
    }

    fn header(&mut self, p: Pair<Rule>) -> (Option<Ident>, Vec<Import>) {
        let mut package = None;
        let mut imports: Vec<Import> = Vec::new();
        for item in p.into_inner() {
            match item.as_rule() {
                Rule::package_clause => {
                    let id = item.into_inner().next().expect("ident");
                    package = Some(Ident {
                        name: id.as_str().to_string(),
                        span: self.span(&id),
                    });
                }
                Rule::import_decl => {
                    for spec in item.into_inner() {
                        let span = self.span(&spec);
                        let mut alias = None;
                        let mut path = String::new();
                        let mut path_span = span;
                        for part in spec.into_inner() {
                            match part.as_rule() {
                                Rule::ident => {
                                    alias = Some(Ident {
                                        name: part.as_str().into(),
                                        span: self.span(&part),
                                    })
                                }
                                _ => {
                                    path_span = self.span(&part);
                                    path = self.simple_string(part);
                                }
                            }
                        }
                        let name = alias.unwrap_or_else(|| {
                            let last = path
                                .trim_end_matches('/')
                                .rsplit('/')
                                .next()
                                .unwrap_or("")
                                .to_string();
                            Ident {
                                name: last,
                                span: path_span,
                            }
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
                            continue;
                        }
                        imports.push(Import { name, path, span });
                    }
                }
                _ => {}
            }
        }
        (package, imports)
    }

    fn decls(&mut self, p: Pair<Rule>, top: bool) -> Vec<Decl> {
        let mut out = Vec::new();
        for d in p.into_inner() {
            if let Some(decl) = self.decl(d, top) {
                out.push(decl);
            }
        }
        out
    }

    fn decl(&mut self, d: Pair<Rule>, top: bool) -> Option<Decl> {
        let span = self.span(&d);
        match d.as_rule() {
            Rule::field => Some(Decl::Field(self.field(d))),
            Rule::let_clause => Some(Decl::Let(self.let_clause(d))),
            Rule::comprehension => Some(Decl::Comprehension(self.comprehension(d))),
            Rule::struct_ellipsis => Some(Decl::Ellipsis(span)),
            Rule::embedding => Some(Decl::Embed(
                self.expr(d.into_inner().next().expect("expr"), 0),
            )),
            Rule::service_decl => {
                if !top {
                    self.misplaced(span, "`service` declarations");
                }
                let mut it = d.into_inner();
                let kw = it.next().expect("keyword").as_str();
                let (what, map) = if kw == "worker" {
                    ("worker", "workers")
                } else {
                    ("service", "services")
                };
                let name_pair = it.next().expect("name");
                let name_span = self.span(&name_pair);
                let inner = name_pair.into_inner().next().expect("name");
                let name = match inner.as_rule() {
                    Rule::simple_string => self.simple_string(inner),
                    _ => inner.as_str().to_string(),
                };
                if let Err(why) = check_dns_label(&name) {
                    self.diags.push(
                        Diagnostic::error(codes::BAD_SERVICE_NAME, format!("{what} name `{name}` is not a DNS label: {why}"))
                            .primary(name_span, "not a DNS label")
                            .help("a name is 1 to 63 characters of a-z, 0-9 and `-`, starting with a letter and ending with a letter or digit")
                            .note("Kubernetes names the Service, Deployment and ServiceAccount after it"),
                    );
                }
                let body = self.struct_lit(it.next().expect("body"));
                let inner_field = Field {
                    label: Label {
                        kind: LabelKind::Name(name),
                        opt: Opt::Regular,
                        span: name_span,
                    },
                    value: Expr {
                        span: body.span,
                        kind: ExprKind::Struct(body),
                    },
                    span,
                    from_service: true,
                };
                let services_label = Label {
                    kind: LabelKind::Name(map.into()),
                    opt: Opt::Regular,
                    span: name_span,
                };
                Some(Decl::Field(Field {
                    label: services_label,
                    value: Expr {
                        span,
                        kind: ExprKind::Struct(StructLit {
                            decls: vec![Decl::Field(inner_field)],
                            span,
                        }),
                    },
                    span,
                    from_service: true,
                }))
            }
            Rule::check_decl => {
                if !top {
                    self.misplaced(span, "`check` blocks");
                }
                let mut it = d.into_inner();
                let title = self.simple_string(it.next().expect("title"));
                let body = self.struct_lit(it.next().expect("body"));
                Some(Decl::Check(Check { title, body, span }))
            }
            _ => None,
        }
    }

    fn misplaced(&mut self, span: Span, what: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::MISPLACED,
                format!("{what} are allowed only at the top level of a file"),
            )
            .primary(span, "inside a struct"),
        );
    }

    fn field(&mut self, p: Pair<Rule>) -> Field {
        let span = self.span(&p);
        let mut labels = Vec::new();
        let mut value = None;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::label => labels.push(self.label(part)),
                _ => value = Some(self.expr(part, 0)),
            }
        }
        let mut value = value.expect("field value");
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
            };
            value = Expr {
                span: fspan,
                kind: ExprKind::Struct(StructLit {
                    decls: vec![Decl::Field(f)],
                    span: fspan,
                }),
            };
        }
        Field {
            label: labels.pop().expect("label"),
            value,
            span,
            from_service: false,
        }
    }

    fn label(&mut self, p: Pair<Rule>) -> Label {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let first = it.next().expect("label part");
        match first.as_rule() {
            Rule::pattern_label => {
                let mut alias = None;
                let mut pattern = None;
                for part in first.into_inner() {
                    match part.as_rule() {
                        Rule::ident => {
                            alias = Some(Ident {
                                name: part.as_str().into(),
                                span: self.span(&part),
                            })
                        }
                        _ => pattern = Some(self.expr(part, 0)),
                    }
                }
                Label {
                    kind: LabelKind::Pattern {
                        alias,
                        pattern: Box::new(pattern.expect("pattern")),
                    },
                    opt: Opt::Regular,
                    span,
                }
            }
            Rule::dyn_label => {
                let e = self.expr(first.into_inner().next().expect("label expr"), 0);
                let opt = match it.next().map(|o| o.as_str().to_string()) {
                    Some(o) if o == "?" => Opt::Optional,
                    Some(_) => Opt::Required,
                    None => Opt::Regular,
                };
                let kind = match e.kind {
                    ExprKind::Lit(Lit::Str(s)) => LabelKind::Name(s),
                    _ => LabelKind::Dynamic(Box::new(e)),
                };
                Label { kind, opt, span }
            }
            _ => {
                let name_pair = first.into_inner().next().expect("label name");
                let name = match name_pair.as_rule() {
                    Rule::simple_string => self.simple_string(name_pair),
                    _ => name_pair.as_str().to_string(),
                };
                let opt = match it.next().map(|o| o.as_str().to_string()) {
                    Some(o) if o == "?" => Opt::Optional,
                    Some(_) => Opt::Required,
                    None => Opt::Regular,
                };
                Label {
                    kind: LabelKind::Name(name),
                    opt,
                    span,
                }
            }
        }
    }

    fn let_clause(&mut self, p: Pair<Rule>) -> LetClause {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = it.next().expect("name");
        let name = Ident {
            name: name.as_str().into(),
            span: self.span(&name),
        };
        let value = self.expr(it.next().expect("value"), 0);
        LetClause { name, value, span }
    }

    fn comprehension(&mut self, p: Pair<Rule>) -> Comprehension {
        let span = self.span(&p);
        let mut clauses = Vec::new();
        let mut body = None;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::for_clause => {
                    let cspan = self.span(&part);
                    let mut idents = Vec::new();
                    let mut source = None;
                    for x in part.into_inner() {
                        match x.as_rule() {
                            Rule::ident => idents.push(Ident {
                                name: x.as_str().into(),
                                span: self.span(&x),
                            }),
                            _ => source = Some(self.expr(x, 0)),
                        }
                    }
                    let value = idents.pop().expect("value var");
                    let key = idents.pop();
                    clauses.push(Clause::For {
                        key,
                        value,
                        source: source.expect("source"),
                        span: cspan,
                    });
                }
                Rule::if_clause => clauses.push(Clause::If(
                    self.expr(part.into_inner().next().expect("cond"), 0),
                )),
                Rule::let_clause => clauses.push(Clause::Let(self.let_clause(part))),
                Rule::struct_lit => body = Some(self.struct_lit(part)),
                _ => {}
            }
        }
        Comprehension {
            clauses,
            body: body.expect("body"),
            span,
        }
    }

    fn struct_lit(&mut self, p: Pair<Rule>) -> StructLit {
        let span = self.span(&p);
        let decls = p
            .into_inner()
            .next()
            .map(|d| self.decls(d, false))
            .unwrap_or_default();
        StructLit { decls, span }
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

    /// Converts any expression-level pair. `depth` counts the nesting so far.
    fn expr(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || self.expr_inner(p, depth))
    }

    fn expr_inner(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let span = self.span(&p);
        if depth > MAX_EXPR_DEPTH {
            return self.too_deep(span);
        }
        match p.as_rule() {
            Rule::expr | Rule::embedding | Rule::paren => {
                self.expr(p.into_inner().next().expect("inner"), depth)
            }
            Rule::disj => {
                let parts: Vec<Pair<Rule>> = p.into_inner().collect();
                // A single operand passes through; only a real disjunction is a level deeper.
                let d = if parts.len() == 1 { depth } else { depth + 1 };
                let mut alts = Vec::new();
                for a in parts {
                    let (e, default) = self.maybe_default(a, d);
                    alts.push((e, default));
                }
                if alts.len() == 1 && !alts[0].1 {
                    alts.pop().expect("one").0
                } else {
                    Expr {
                        kind: ExprKind::Disj(alts),
                        span,
                    }
                }
            }
            Rule::unify => {
                let mut parts: Vec<Expr> =
                    p.into_inner().map(|x| self.expr(x, depth + 1)).collect();
                if parts.len() == 1 {
                    parts.pop().expect("one")
                } else {
                    Expr {
                        kind: ExprKind::Unify(parts),
                        span,
                    }
                }
            }
            Rule::or_expr | Rule::and_expr => {
                let op = if p.as_rule() == Rule::or_expr {
                    BinOp::Or
                } else {
                    BinOp::And
                };
                self.left_assoc(p, depth, |_| op)
            }
            Rule::cmp_expr | Rule::add_expr | Rule::mul_expr => self.left_assoc_ops(p, depth),
            Rule::unary => self.unary(p, depth),
            Rule::postfix_expr => self.postfix(p, depth),
            Rule::operand => self.expr(p.into_inner().next().expect("operand"), depth),
            Rule::bottom_lit => Expr {
                kind: ExprKind::Bottom,
                span,
            },
            Rule::keyword_lit => {
                let lit = match p.as_str() {
                    "null" => Lit::Null,
                    "true" => Lit::Bool(true),
                    _ => Lit::Bool(false),
                };
                Expr {
                    kind: ExprKind::Lit(lit),
                    span,
                }
            }
            Rule::number => match decode_number(p.as_str()) {
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
            },
            Rule::string => self.string(p, depth),
            Rule::ident => {
                let name = p.as_str();
                let kind = if name == "_" {
                    ExprKind::Top
                } else {
                    ExprKind::Ident(name.into())
                };
                Expr { kind, span }
            }
            Rule::def_ident => Expr {
                kind: ExprKind::Ident(p.as_str().into()),
                span,
            },
            Rule::struct_lit => {
                let s = self.struct_lit(p);
                Expr {
                    kind: ExprKind::Struct(s),
                    span,
                }
            }
            Rule::list_lit => self.list(p, depth),
            other => unreachable!("unexpected rule {other:?} in expression"),
        }
    }

    fn maybe_default(&mut self, p: Pair<Rule>, depth: usize) -> (Expr, bool) {
        // A default is a `*` prefix on the alternative's leading unary.
        let e = self.expr(p, depth);
        strip_default(e)
    }

    fn left_assoc(&mut self, p: Pair<Rule>, depth: usize, op: impl Fn(&str) -> BinOp) -> Expr {
        let mut it = p.into_inner();
        let alone = it.len() == 1;
        let mut acc = self.expr(
            it.next().expect("lhs"),
            if alone { depth } else { depth + 1 },
        );
        let mut d = depth;
        for rhs in it {
            d += 1;
            if d > MAX_EXPR_DEPTH {
                return self.too_deep(acc.span);
            }
            let r = self.expr(rhs, depth + 1);
            let span = acc.span.to(r.span);
            acc = Expr {
                kind: ExprKind::Binary(op(""), Box::new(acc), Box::new(r)),
                span,
            };
        }
        acc
    }

    fn left_assoc_ops(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let mut it = p.into_inner();
        let alone = it.len() == 1;
        let mut acc = self.expr(
            it.next().expect("lhs"),
            if alone { depth } else { depth + 1 },
        );
        let mut d = depth;
        while let Some(op) = it.next() {
            d += 1;
            if d > MAX_EXPR_DEPTH {
                return self.too_deep(acc.span);
            }
            let op = match op.as_str() {
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "==" => BinOp::Eq,
                "!=" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Le,
                ">" => BinOp::Gt,
                ">=" => BinOp::Ge,
                "=~" => BinOp::Match,
                _ => BinOp::NotMatch,
            };
            let r = self.expr(it.next().expect("rhs"), depth + 1);
            let span = acc.span.to(r.span);
            acc = Expr {
                kind: ExprKind::Binary(op, Box::new(acc), Box::new(r)),
                span,
            };
        }
        acc
    }

    fn unary(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let span = self.span(&p);
        let parts: Vec<Pair<Rule>> = p.into_inner().collect();
        let (ops, operand) = parts.split_at(parts.len() - 1);
        if depth + ops.len() > MAX_EXPR_DEPTH {
            return self.too_deep(span);
        }
        let mut e = self.expr(operand[0].clone(), depth + ops.len());
        for op in ops.iter().rev() {
            let ospan = self.span(op).to(e.span);
            let kind = match op.as_str() {
                "-" => ExprKind::Unary(UnOp::Neg, Box::new(e)),
                "+" => ExprKind::Unary(UnOp::Plus, Box::new(e)),
                "!" => ExprKind::Unary(UnOp::Not, Box::new(e)),
                "*" => {
                    // The default marker; kept as a unary on the way up to the disjunction.
                    ExprKind::Call(
                        Ident {
                            name: DEFAULT_MARK.into(),
                            span: self.span(op),
                        },
                        vec![e],
                    )
                }
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
            e = Expr { kind, span: ospan };
        }
        e
    }

    fn postfix(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let mut it = p.into_inner();
        let alone = it.len() == 1;
        let mut e = self.expr(
            it.next().expect("operand"),
            if alone { depth } else { depth + 1 },
        );
        let mut d = depth;
        for post in it {
            d += 1;
            if d > MAX_EXPR_DEPTH {
                return self.too_deep(e.span);
            }
            let pspan = self.span(&post);
            let span = e.span.to(pspan);
            match post.as_rule() {
                Rule::postfix_sel => {
                    let id = post.into_inner().next().expect("name");
                    let ident = Ident {
                        name: id.as_str().into(),
                        span: self.span(&id),
                    };
                    e = Expr {
                        kind: ExprKind::Select(Box::new(e), ident),
                        span,
                    };
                }
                Rule::postfix_index => {
                    let idx = self.expr(post.into_inner().next().expect("index"), depth + 1);
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                        span,
                    };
                }
                _ => {
                    let args: Vec<Expr> =
                        post.into_inner().map(|a| self.expr(a, depth + 1)).collect();
                    let name = match &e.kind {
                        ExprKind::Ident(n) => Ident {
                            name: n.clone(),
                            span: e.span,
                        },
                        _ => {
                            self.diags.push(
                                Diagnostic::error(codes::BAD_CALL, "only builtin functions can be called")
                                    .primary(e.span, "not a function name")
                                    .help("the builtins are len, min, max, sum, lower, upper, contains, join, ceil, floor, warn, error"),
                            );
                            return Expr {
                                kind: ExprKind::Bottom,
                                span,
                            };
                        }
                    };
                    e = Expr {
                        kind: ExprKind::Call(name, args),
                        span,
                    };
                }
            }
        }
        e
    }

    fn list(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let span = self.span(&p);
        let mut elems = Vec::new();
        let mut tail = None;
        for el in p.into_inner() {
            match el.as_rule() {
                Rule::ellipsis => {
                    let espan = self.span(&el);
                    let t = el
                        .into_inner()
                        .next()
                        .map(|u| self.expr(u, depth + 1))
                        .unwrap_or(Expr {
                            kind: ExprKind::Top,
                            span: espan,
                        });
                    tail = Some(Box::new(t));
                }
                Rule::list_comprehension => {
                    let c = self.comprehension(el);
                    elems.push(ListElem::Comprehension(c));
                }
                _ => {
                    let e = self.expr(el, depth + 1);
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
            }
        }
        Expr {
            kind: ExprKind::List(ListLit { elems, tail, span }),
            span,
        }
    }

    fn string(&mut self, p: Pair<Rule>, depth: usize) -> Expr {
        let span = self.span(&p);
        let mut parts: Vec<StrPart> = Vec::new();
        let mut text = String::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::str_chars => text.push_str(part.as_str()),
                Rule::escape => self.escape(&part, &mut text),
                _ => {
                    if !text.is_empty() {
                        parts.push(StrPart::Text(std::mem::take(&mut text)));
                    }
                    let e = self.expr(part.into_inner().next().expect("interp"), depth + 1);
                    parts.push(StrPart::Expr(e));
                }
            }
        }
        if parts.is_empty() {
            return Expr {
                kind: ExprKind::Lit(Lit::Str(text)),
                span,
            };
        }
        if !text.is_empty() {
            parts.push(StrPart::Text(text));
        }
        Expr {
            kind: ExprKind::Interp(parts),
            span,
        }
    }

    fn simple_string(&mut self, p: Pair<Rule>) -> String {
        let mut text = String::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::escape => self.escape(&part, &mut text),
                _ => text.push_str(part.as_str()),
            }
        }
        text
    }

    fn escape(&mut self, part: &Pair<Rule>, text: &mut String) {
        let s = part.as_str();
        match &s[1..2] {
            "n" => text.push('\n'),
            "t" => text.push('\t'),
            "r" => text.push('\r'),
            "u" => match u32::from_str_radix(&s[2..], 16)
                .ok()
                .and_then(char::from_u32)
            {
                Some(c) => text.push(c),
                None => self.diags.push(
                    Diagnostic::error(
                        codes::BAD_LITERAL,
                        format!("`{s}` is not a Unicode scalar value"),
                    )
                    .primary(self.span(part), "invalid escape"),
                ),
            },
            other => text.push_str(other),
        }
    }
}

/// The internal name of the `*` default marker (never a valid identifier in source).
pub const DEFAULT_MARK: &str = "*default";

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
