//! The formatter: one canonical layout for msh, in gofmt's spirit (no options).
//!
//! It prints the syntax tree back with tabs for indentation, one space around binary operators
//! and after `:` and `,`, and no commas between the lines of a struct. A struct or list written
//! on one line stays on one line; one written over several lines gets one declaration or
//! element per line. At most one blank line is kept between declarations. Literals, strings and
//! labels are printed as written; parentheses are printed where precedence needs them (and
//! only there). Comments are kept: on their own line before a declaration or element, or at
//! the end of its line. A declaration with a comment inside an expression (`a: 1 + // c`) is
//! printed as written, so no comment is ever lost or moved into another expression.

use crate::ast::*;
use crate::diag::{codes, Diagnostic};
use crate::parse::parse_file;
use crate::span::Span;

/// Formats one file. A file that does not parse is refused with its syntax diagnostics (the
/// other diagnostics of parsing, such as a bad service name, do not stop formatting).
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = parse_file(0, text);
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.code == codes::SYNTAX || d.code == codes::TOO_DEEP)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut p = Printer {
        text,
        comments: comments(text),
        used: Vec::new(),
        out: String::with_capacity(text.len() + text.len() / 8),
        indent: 0,
    };
    p.used = vec![false; p.comments.len()];
    p.file(&file);
    Ok(align_trailing_comments(&p.out))
}

/// Aligns the comments that end consecutive lines of code at the same indentation (a blank
/// line, a comment line or a line without one ends a group), one space after the longest code.
fn align_trailing_comments(text: &str) -> String {
    // (line start, end of its code, comment start) of each line that ends with a comment.
    let mut trailing: Vec<(usize, usize, usize)> = Vec::new();
    for (start, _) in comments(text) {
        let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let code = text[line..start].trim_end();
        if !code.trim().is_empty() {
            trailing.push((line, line + code.len(), start));
        }
    }
    let indent = |line: usize| text[line..].len() - text[line..].trim_start_matches('\t').len();
    let mut pads: Vec<(usize, usize, usize)> = Vec::new(); // (code end, comment start, spaces)
    let mut group: Vec<(usize, usize, usize)> = Vec::new();
    let flush = |group: &mut Vec<(usize, usize, usize)>, pads: &mut Vec<(usize, usize, usize)>| {
        let width = |&(line, end, _): &(usize, usize, usize)| text[line..end].chars().count();
        let widest = group.iter().map(width).max().unwrap_or(0);
        for g in group.drain(..) {
            pads.push((g.1, g.2, widest - width(&g) + 1));
        }
    };
    for t in trailing {
        if let Some(&(prev_line, _, prev_comment)) = group.last() {
            // The next line, at the same indentation?
            let next_line = text[prev_comment..]
                .find('\n')
                .map(|i| prev_comment + i + 1);
            if next_line != Some(t.0) || indent(prev_line) != indent(t.0) {
                flush(&mut group, &mut pads);
            }
        }
        group.push(t);
    }
    flush(&mut group, &mut pads);
    let mut out = String::with_capacity(text.len() + pads.len() * 8);
    let mut at = 0;
    for (code_end, comment, spaces) in pads {
        out.push_str(&text[at..code_end]);
        out.push_str(&" ".repeat(spaces));
        at = comment;
    }
    out.push_str(&text[at..]);
    out
}

/// The `//` comments of a text (outside strings), as byte ranges up to the end of their line.
pub fn comments(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    crate::parse::scan(text, |start, l| {
        if let crate::parse::Lexeme::Comment(end) = l {
            out.push((start, start + text[start..end].trim_end().len()));
        }
        true
    });
    out
}

struct Printer<'t> {
    text: &'t str,
    comments: Vec<(usize, usize)>,
    used: Vec<bool>,
    out: String,
    indent: usize,
}

/// Precedence of an expression (higher binds tighter).
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Alias(..) => 0,
        ExprKind::Disj(_) => 1,
        ExprKind::Unify(_) => 2,
        ExprKind::Binary(op, ..) => binary_prec(*op),
        ExprKind::Unary(..) | ExprKind::Bound(..) => 8,
        ExprKind::Select(..)
        | ExprKind::Index(..)
        | ExprKind::Slice(..)
        | ExprKind::OptionalRef(..)
        | ExprKind::Call(..) => 9,
        _ => 10,
    }
}

fn binary_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 3,
        BinOp::And => 4,
        BinOp::Eq
        | BinOp::Ne
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::Match
        | BinOp::NotMatch => 5,
        BinOp::Add | BinOp::Sub => 6,
        BinOp::Mul | BinOp::Div => 7,
    }
}

/// How the items of a block are laid out (see [`Printer::items`]).
#[derive(Clone, Copy)]
enum Lines {
    Each { break_first: bool },
    AsWritten,
}

/// One thing printed on its own line(s) in a block: a declaration or a list element.
enum Item<'a> {
    Decl(&'a Decl),
    Elem(&'a ListElem),
    Tail(&'a Expr),
}

impl Item<'_> {
    fn span(&self) -> Span {
        match self {
            Item::Decl(d) => decl_span(d),
            Item::Elem(ListElem::Expr(e)) => e.span,
            Item::Elem(ListElem::Comprehension(c)) => c.span,
            Item::Tail(e) => e.span,
        }
    }
}

fn decl_span(d: &Decl) -> Span {
    match d {
        Decl::Field(f) => f.span,
        Decl::Let(l) => l.span,
        Decl::Comprehension(c) => c.span,
        Decl::Embed(e) => e.span,
        Decl::Ellipsis(s) => *s,
        Decl::Check(c) => c.span,
        Decl::Attr(a) => a.span,
    }
}

impl<'t> Printer<'t> {
    fn src(&self, s: Span) -> &'t str {
        &self.text[s.range()]
    }

    fn newline(&mut self) {
        // No trailing whitespace on any line.
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push('\t');
        }
    }

    /// Whether the source between `a` and `b` holds a blank line.
    fn blank_between(&self, a: usize, b: usize) -> bool {
        let mut newline = false;
        for c in self.text[a.min(b)..b].bytes() {
            match c {
                b'\n' if newline => return true,
                b'\n' => newline = true,
                b' ' | b'\t' | b'\r' => {}
                _ => newline = false,
            }
        }
        false
    }

    /// The comments starting in `a..b` not yet printed.
    fn comments_in(&self, a: usize, b: usize) -> Vec<usize> {
        let from = self.comments.partition_point(|c| c.0 < a);
        (from..self.comments.len())
            .take_while(|&i| self.comments[i].0 < b)
            .filter(|&i| !self.used[i])
            .collect()
    }

    fn print_comment(&mut self, i: usize) {
        self.used[i] = true;
        let (s, e) = self.comments[i];
        self.out.push_str(&self.text[s..e]);
    }

    /// Whether the line of `pos` continues, after `pos`, with only a comment: its index.
    fn trailing_comment(&self, pos: usize, limit: usize) -> Option<usize> {
        let line_end = self.text[pos..]
            .find('\n')
            .map_or(self.text.len(), |i| pos + i);
        self.comments_in(pos, line_end.min(limit))
            .into_iter()
            .next()
            .filter(|&i| self.text[pos..self.comments[i].0].trim().is_empty())
    }

    fn file(&mut self, f: &File) {
        // The header: `package` and the imports, one per line (a group becomes single lines).
        let mut header: Vec<(usize, usize, String)> = Vec::new();
        // Attributes written before the package clause and the imports stay first.
        let first_header = f
            .package
            .as_ref()
            .map(|p| p.span.start)
            .into_iter()
            .chain(f.imports.iter().map(|i| i.span.start))
            .min();
        let lead = f
            .body
            .decls
            .iter()
            .take_while(
                |d| matches!(d, Decl::Attr(a) if first_header.is_some_and(|h| a.span.start < h)),
            )
            .count();
        for d in &f.body.decls[..lead] {
            if let Decl::Attr(a) = d {
                let text = self.src(a.span).to_string();
                header.push((a.span.start as usize, a.span.end as usize, text));
            }
        }
        if let Some(p) = &f.package {
            let start = p.span.start as usize;
            let kw = self.text[..start].rfind("package").unwrap_or(start);
            header.push((kw, p.span.end as usize, format!("package {}", p.name)));
        }
        for imp in &f.imports {
            let text = format!("import {}", self.src(imp.span));
            header.push((imp.span.start as usize, imp.span.end as usize, text));
        }
        let mut last = 0;
        for (k, (start, end, text)) in header.iter().enumerate() {
            if k > 0 {
                self.newline();
                let after_package = k == lead + 1 && f.package.is_some();
                if after_package || self.blank_between(last, self.next_text(last, *start)) {
                    self.newline();
                }
            }
            self.leading(last, *start);
            if self.comments_in(*start, *end).is_empty() {
                self.out.push_str(text);
            } else {
                self.verbatim(*start, *end);
            }
            last = self.trailing(*end, usize::MAX);
        }
        let items: Vec<Item> = f.body.decls[lead..].iter().map(Item::Decl).collect();
        if !header.is_empty() && !items.is_empty() {
            self.newline();
            self.newline();
        }
        let top = Lines::Each { break_first: false };
        let last = self.items(&items, last, self.text.len(), top);
        // The comments after the last declaration.
        let mut prev = last;
        for i in self.comments_in(last, self.text.len()) {
            if !self.out.is_empty() {
                self.newline();
                if self.blank_between(prev, self.comments[i].0) {
                    self.newline();
                }
            }
            self.print_comment(i);
            prev = self.comments[i].1;
        }
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// Where the next thing after `last` starts: its first comment, or `start`.
    fn next_text(&self, last: usize, start: usize) -> usize {
        self.comments_in(last, start)
            .first()
            .map_or(start, |&i| self.comments[i].0)
    }

    /// The comments in `from..to`, each on a line of its own (blank lines between them kept, and
    /// one before `to` if there was one).
    fn leading(&mut self, from: usize, to: usize) {
        let mut prev = None;
        for i in self.comments_in(from, to) {
            if prev.is_some_and(|p| self.blank_between(p, self.comments[i].0)) {
                self.newline();
            }
            self.print_comment(i);
            self.newline();
            prev = Some(self.comments[i].1);
        }
        if prev.is_some_and(|p| self.blank_between(p, to)) {
            self.newline();
        }
    }

    /// A comment at the end of the line of `pos`, printed after one space; returns where the
    /// source continues.
    fn trailing(&mut self, pos: usize, limit: usize) -> usize {
        match self.trailing_comment(pos, limit) {
            Some(i) => {
                self.out.push(' ');
                self.print_comment(i);
                self.comments[i].1
            }
            None => pos,
        }
    }

    /// The items of a block at the current indentation, with the comments around them;
    /// `from..to` is the block's inside. In a struct (`Lines::Each`) each item has a line of its
    /// own, the first too when `break_first`; the values of consecutive one-line fields (not
    /// separated by a blank line or a comment) are aligned. In a list (`Lines::AsWritten`) an item starts a line where it did in the
    /// source. Returns where the source continues after the last item.
    fn items(&mut self, items: &[Item], from: usize, to: usize, lines: Lines) -> usize {
        let mut last = from;
        // Runs of one-line fields to align: (where the `:` is in `out`, label width).
        let mut runs: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
        for (k, item) in items.iter().enumerate() {
            let span = item.span();
            let (start, end) = (span.start as usize, span.end as usize);
            let comments_before = !self.comments_in(last, start).is_empty();
            let blank = k > 0 && self.blank_between(last, self.next_text(last, start));
            let own_line = match lines {
                Lines::Each { break_first } => k > 0 || break_first,
                Lines::AsWritten => comments_before || self.text[last..start].contains('\n'),
            };
            if own_line {
                self.newline();
                if blank {
                    self.newline();
                }
            } else if k > 0 {
                self.out.push(' ');
            }
            // A blank line or a comment line ends a run of aligned fields.
            if blank || comments_before {
                runs.push(Vec::new());
            }
            self.leading(last, start);
            let mark = self.out.len();
            let used = self.used.clone();
            self.item(item);
            // A comment inside the item that was not printed: print the item as written.
            if !self.comments_in(start, end).is_empty() {
                self.out.truncate(mark);
                self.used = used;
                self.verbatim(start, end);
            }
            // An embedded value that starts with an operator would continue the line above:
            // it keeps its parentheses (`a: b` then `(-1)`).
            if k > 0
                && matches!(item, Item::Decl(Decl::Embed(_)))
                && self.out[mark..].starts_with(['-', '+', '*', '!', '<', '>', '=', '|', '&', '/'])
            {
                self.out.insert(mark, '(');
                self.out.push(')');
            }
            match item {
                Item::Decl(Decl::Field(f))
                    if !f.from_service && !self.out[mark..].contains('\n') =>
                {
                    let width = self.label_width(&f.label);
                    runs.last_mut().expect("a run").push((mark + width, width));
                }
                _ => runs.push(Vec::new()),
            }
            // The item's comma in the source, then a comment on the same line.
            let mut after = end;
            let rest = &self.text[after..to.max(after)];
            let ws = rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len();
            let had_comma = rest[ws..].starts_with(',');
            if had_comma {
                after += ws + 1;
            }
            // Declarations need no comma at the end of a line, except where the next line would
            // then continue this one: an embedded value after it (`a: b, -1` is not
            // `a: b - 1`), or after an embedded name (`check, "t", {}` is not a check block).
            // The name `service`, `worker` or `check` standing alone always keeps its comma:
            // what follows could otherwise read as its block.
            let next = items.get(k + 1);
            let keyword = matches!(item, Item::Decl(Decl::Embed(Expr { kind: ExprKind::Ident(n), .. }))
                if ["service", "worker", "check"].contains(&n.as_str()));
            let keep = matches!(item, Item::Decl(_))
                && next.is_some()
                && (keyword
                    || had_comma
                        && matches!(
                            (item, next),
                            (_, Some(Item::Decl(Decl::Embed(_))))
                                | (Item::Decl(Decl::Embed(_)), Some(_))
                        ));
            if keep || matches!(item, Item::Elem(_) | Item::Tail(_)) {
                self.out.push(',');
            }
            last = self.trailing(after, to);
        }
        // Align each run's values, from the end of `out` back (earlier offsets stay valid).
        let mut pads: Vec<(usize, usize)> = Vec::new();
        for run in runs.iter().filter(|r| r.len() > 1) {
            let widest = run.iter().map(|r| r.1).max().unwrap_or(0);
            pads.extend(run.iter().map(|&(colon, w)| (colon + 1, widest - w)));
        }
        pads.sort_unstable_by_key(|p| std::cmp::Reverse(p.0));
        for (at, n) in pads {
            if n > 0 {
                self.out.insert_str(at, &" ".repeat(n));
            }
        }
        last
    }

    /// The width of a label as printed, with its `?`/`!`.
    fn label_width(&mut self, l: &Label) -> usize {
        let mark = self.out.len();
        self.label(l);
        let w = self.out[mark..].chars().count();
        self.out.truncate(mark);
        w
    }

    /// The source of `start..end` as written (its comments marked printed).
    fn verbatim(&mut self, start: usize, end: usize) {
        for i in self.comments_in(start, end) {
            self.used[i] = true;
        }
        self.out.push_str(&self.text[start..end]);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Decl(d) => self.decl(d),
            Item::Elem(ListElem::Expr(e)) => self.expr(e, 0),
            Item::Elem(ListElem::Comprehension(c)) => self.comprehension(c),
            Item::Tail(t) => self.tail(t),
        }
    }

    fn tail(&mut self, t: &Expr) {
        self.out.push_str("...");
        if self.src(t.span) != "..." {
            self.expr(t, 0);
        }
    }

    fn decl(&mut self, d: &Decl) {
        match d {
            Decl::Field(f) if f.from_service => self.workload(f),
            Decl::Field(f) => self.field(f),
            Decl::Let(l) => self.let_clause(l),
            Decl::Comprehension(c) => self.comprehension(c),
            Decl::Embed(e) => self.expr(e, 0),
            Decl::Ellipsis(_) => self.out.push_str("..."),
            Decl::Attr(a) => self.out.push_str(self.src(a.span)),
            Decl::Check(c) => {
                self.out.push_str("check ");
                let title_end = c.body.span.start as usize;
                let title = self.text[c.span.start as usize + "check".len()..title_end].trim();
                self.out.push_str(title);
                self.out.push(' ');
                self.struct_lit(&c.body);
            }
        }
    }

    /// `service NAME { … }` / `worker NAME { … }`.
    fn workload(&mut self, f: &Field) {
        let kw = if self.text[f.span.range()].starts_with("worker") {
            "worker"
        } else {
            "service"
        };
        self.out.push_str(kw);
        self.out.push(' ');
        self.out.push_str(self.src(f.label.span));
        self.out.push(' ');
        if let ExprKind::Struct(outer) = &f.value.kind {
            if let Some(Decl::Field(inner)) = outer.decls.first() {
                if let ExprKind::Struct(body) = &inner.value.kind {
                    self.struct_lit(body);
                }
            }
        }
    }

    fn label(&mut self, l: &Label) {
        if let Some(a) = &l.alias {
            self.out.push_str(&a.name);
            self.out.push('=');
        }
        match &l.kind {
            LabelKind::Name(_) => {
                let text = self.src(l.span);
                let name = text.trim_end_matches(['?', '!']).trim_end();
                self.out.push_str(name);
            }
            LabelKind::Dynamic(e) => {
                if self.src(l.span).starts_with('(') {
                    self.out.push('(');
                    self.expr(e, 0);
                    self.out.push(')');
                } else {
                    self.out.push_str(self.src(e.span));
                }
            }
            LabelKind::Pattern { alias, pattern } => {
                self.out.push('[');
                if let Some(a) = alias {
                    self.out.push_str(&a.name);
                    self.out.push('=');
                }
                self.expr(pattern, 0);
                self.out.push(']');
            }
        }
        match l.opt {
            Opt::Optional => self.out.push('?'),
            Opt::Required => self.out.push('!'),
            Opt::Regular => {}
        }
    }

    fn field(&mut self, f: &Field) {
        self.label(&f.label);
        self.out.push_str(": ");
        // `a: b: c` is sugar for nested single-field structs: print it back as a chain.
        if let ExprKind::Struct(s) = &f.value.kind {
            if !self.text[f.value.span.range()].starts_with('{') {
                if let [Decl::Field(inner)] = &s.decls[..] {
                    return self.field(inner);
                }
            }
        }
        self.expr(&f.value, 0);
        for a in &f.attrs {
            self.out.push(' ');
            self.out.push_str(self.src(a.span));
        }
    }

    fn let_clause(&mut self, l: &LetClause) {
        self.out.push_str("let ");
        self.out.push_str(&l.name.name);
        self.out.push_str(" = ");
        self.expr(&l.value, 0);
    }

    fn comprehension(&mut self, c: &Comprehension) {
        for clause in &c.clauses {
            match clause {
                Clause::For {
                    key, value, source, ..
                } => {
                    self.out.push_str("for ");
                    if let Some(k) = key {
                        self.out.push_str(&k.name);
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&value.name);
                    self.out.push_str(" in ");
                    self.expr(source, 0);
                }
                Clause::If(e) => {
                    self.out.push_str("if ");
                    self.expr(e, 0);
                }
                Clause::Let(l) => self.let_clause(l),
                Clause::Try { binding, .. } => {
                    self.out.push_str("try");
                    if let Some(l) = binding {
                        self.out.push(' ');
                        self.out.push_str(&l.name.name);
                        self.out.push_str(" = ");
                        self.expr(&l.value, 0);
                    }
                }
            }
            self.out.push(' ');
        }
        self.struct_lit(&c.body);
        if let Some(f) = &c.fallback {
            self.out.push(' ');
            self.out.push_str(&f.keyword);
            self.out.push(' ');
            self.struct_lit(&f.body);
        }
    }

    /// Whether a bracketed literal was written over several lines.
    fn multiline(&self, span: Span) -> bool {
        self.src(span).contains('\n')
    }

    fn struct_lit(&mut self, s: &StructLit) {
        let (start, end) = (s.span.start as usize, s.span.end as usize);
        if s.decls.is_empty() && self.comments_in(start, end).is_empty() {
            self.out.push_str("{}");
            return;
        }
        if !self.multiline(s.span) {
            self.out.push('{');
            for (k, d) in s.decls.iter().enumerate() {
                if k > 0 {
                    self.out.push_str(", ");
                }
                self.decl(d);
            }
            self.out.push('}');
            return;
        }
        self.out.push('{');
        self.indent += 1;
        let items: Vec<Item> = s.decls.iter().map(Item::Decl).collect();
        self.items(
            &items,
            start + 1,
            end - 1,
            Lines::Each { break_first: true },
        );
        self.dangling(start + 1, end - 1);
        self.indent -= 1;
        self.newline();
        self.out.push('}');
    }

    /// Comments left before a closing bracket.
    fn dangling(&mut self, from: usize, to: usize) {
        for i in self.comments_in(from, to) {
            self.newline();
            self.print_comment(i);
        }
    }

    fn list(&mut self, l: &ListLit) {
        let (start, end) = (l.span.start as usize, l.span.end as usize);
        let mut items: Vec<Item> = l.elems.iter().map(Item::Elem).collect();
        if let Some(t) = &l.tail {
            // The tail is written where it was (it may stand before elements it follows).
            let at = items
                .iter()
                .position(|i| i.span().start > t.span.start)
                .unwrap_or(items.len());
            items.insert(at, Item::Tail(t));
        }
        if items.is_empty() && self.comments_in(start, end).is_empty() {
            self.out.push_str("[]");
            return;
        }
        if !self.multiline(l.span) {
            self.out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    self.out.push_str(", ");
                }
                self.item(item);
            }
            self.out.push(']');
            return;
        }
        self.out.push('[');
        self.indent += 1;
        let last = self.items(&items, start + 1, end - 1, Lines::AsWritten);
        let dangling = !self.comments_in(last, end).is_empty();
        self.dangling(start + 1, end - 1);
        self.indent -= 1;
        if dangling || self.text[last..end].contains('\n') {
            self.newline();
        } else if self.out.ends_with(',') {
            // `]` on the last element's line: no trailing comma.
            self.out.pop();
        }
        self.out.push(']');
    }

    /// Prints `e`, in parentheses when it binds less tightly than `min`.
    fn expr(&mut self, e: &Expr, min: u8) {
        let paren = prec(e) < min;
        if paren {
            self.out.push('(');
        }
        self.expr_inner(e);
        if paren {
            self.out.push(')');
        }
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Lit(_) | ExprKind::Interp(_) => self.out.push_str(self.src(e.span)),
            ExprKind::Top => self.out.push('_'),
            ExprKind::Bottom => {
                // `_|_`, or a literal that did not decode (kept as written).
                let t = self.src(e.span);
                self.out.push_str(if t.is_empty() { "_|_" } else { t });
            }
            ExprKind::Ident(n) => self.out.push_str(n),
            ExprKind::Select(x, name) => {
                self.expr(x, 9);
                self.out.push('.');
                self.out.push_str(&name.name);
            }
            ExprKind::Index(x, i) => {
                self.expr(x, 9);
                self.out.push('[');
                self.expr(i, 0);
                self.out.push(']');
            }
            ExprKind::OptionalRef(x) => {
                self.expr(x, 9);
                self.out.push('?');
            }
            ExprKind::Alias(name, x) => {
                self.out.push_str(&name.name);
                self.out.push('=');
                self.expr(x, 0);
            }
            ExprKind::Slice(x, lo, hi) => {
                self.expr(x, 9);
                self.out.push('[');
                if let Some(lo) = lo {
                    self.expr(lo, 0);
                }
                self.out.push(':');
                if let Some(hi) = hi {
                    self.expr(hi, 0);
                }
                self.out.push(']');
            }
            ExprKind::Call(name, args) if name.name == crate::parse::DEFAULT_MARK => {
                // `*x` outside a disjunction's alternatives (`*a & b`).
                self.out.push('*');
                self.expr(&args[0], 8);
            }
            ExprKind::Call(name, args) => {
                self.out.push_str(&name.name);
                self.out.push('(');
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, 0);
                }
                self.out.push(')');
            }
            ExprKind::Unary(op, x) => {
                self.out.push(match op {
                    UnOp::Neg => '-',
                    UnOp::Plus => '+',
                    UnOp::Not => '!',
                });
                self.expr(x, 8);
            }
            ExprKind::Bound(op, x) => {
                self.out.push_str(op.symbol());
                self.expr(x, 8);
            }
            ExprKind::Binary(op, l, r) => {
                let p = binary_prec(*op);
                self.expr(l, p);
                self.out.push(' ');
                self.out.push_str(op.symbol());
                self.out.push(' ');
                self.expr(r, p + 1);
            }
            ExprKind::Unify(parts) => {
                for (k, p) in parts.iter().enumerate() {
                    if k > 0 {
                        self.out.push_str(" & ");
                    }
                    self.expr(p, 3);
                }
            }
            ExprKind::Disj(alts) => {
                for (k, (p, default)) in alts.iter().enumerate() {
                    if k > 0 {
                        self.out.push_str(" | ");
                    }
                    if *default {
                        self.out.push('*');
                        self.expr(p, 8);
                    } else {
                        self.expr(p, 2);
                    }
                }
            }
            ExprKind::Struct(s) => self.struct_lit(s),
            ExprKind::List(l) => self.list(l),
        }
    }
}
