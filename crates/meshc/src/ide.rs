//! What an editor asks of msh (for `meshc lsp`), answered from text alone: the fields a
//! standard-library definition declares, with their declarations and documentation comments
//! (completion, hover), what to complete at a position, and the services a text declares.

use crate::stdlib;
use meshc_syntax::ast::{Decl, ExprKind, File, LabelKind};

/// A field that a definition of the standard library declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDoc {
    /// The definition declaring it (`#Workload` for a field `#Service` embeds from it).
    pub definition: String,
    /// The field's name, without `?` or `!`.
    pub name: String,
    /// The declaration as written (`port: *8080 | int & >=1 & <=65535`), its first line.
    pub declaration: String,
    /// The comment lines right above the declaration, without their `//`.
    pub doc: String,
    /// Where the declaration starts in its file (a byte offset).
    pub offset: usize,
    /// The standard library file that declares it (`<stdlib>/mesh.msh`,
    /// `<stdlib>/k8s.io/api/apps/v1.msh`).
    pub file: String,
}

/// A parsed standard library file and its text.
#[derive(Clone, Copy)]
struct Lib {
    file: &'static File,
    text: &'static str,
    name: &'static str,
}

fn lib(id: meshc_syntax::FileId) -> Lib {
    let (name, text) = stdlib::file(id);
    Lib {
        file: stdlib::parsed(id),
        text,
        name,
    }
}

fn mesh() -> (&'static File, &'static str) {
    let l = lib(stdlib::MESH_ID);
    (l.file, l.text)
}

/// The text of a standard library file by name (`<stdlib>/k8s.io/api/apps/v1.msh`).
pub fn stdlib_text(name: &str) -> Option<&'static str> {
    (0..stdlib::COUNT as meshc_syntax::FileId)
        .map(stdlib::file)
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t)
}

/// The fields of the standard library's definition `definition` (`#Service`, `#Mesh`…),
/// with those of the definitions it embeds, in declaration order.
pub fn stdlib_fields(definition: &str) -> Vec<FieldDoc> {
    stdlib_nested_fields(definition, &[])
}

/// The fields of the struct at `path` inside the standard library's definition `definition`
/// (`#Service` and `["probes", "readiness"]`: the fields of a `#Probe`), following embedded
/// and referenced definitions, unifications, disjunctions and pattern constraints.
pub fn stdlib_nested_fields(definition: &str, path: &[String]) -> Vec<FieldDoc> {
    let mut scopes = Vec::new();
    def_scopes(lib(stdlib::MESH_ID), definition, &mut scopes);
    for label in path {
        let mut next = Vec::new();
        for (def, lit, l) in &scopes {
            let found = lit.decls.iter().find_map(|d| match d {
                Decl::Field(f) if f.label.name() == Some(label.as_str()) => Some(&f.value),
                _ => None,
            });
            let value = found.or_else(|| {
                lit.decls.iter().find_map(|d| match d {
                    Decl::Field(f) if matches!(f.label.kind, LabelKind::Pattern { .. }) => {
                        Some(&f.value)
                    }
                    _ => None,
                })
            });
            if let Some(v) = value {
                expr_scopes(*l, def, v, &mut next);
            }
        }
        scopes = next;
    }
    let mut out: Vec<FieldDoc> = Vec::new();
    for (def, lit, l) in &scopes {
        for d in &lit.decls {
            let Decl::Field(f) = d else { continue };
            let LabelKind::Name(name) = &f.label.kind else {
                continue;
            };
            if out.iter().any(|x| &x.name == name) {
                continue;
            }
            out.push(field_doc(*l, def, name, f.span.start as usize));
        }
    }
    out
}

type Scopes = Vec<(String, &'static meshc_syntax::ast::StructLit, Lib)>;

/// The struct literals a definition is made of (its body and the definitions it embeds).
fn def_scopes(l: Lib, def: &str, out: &mut Scopes) {
    if out
        .iter()
        .any(|(d, _, x)| d == def && std::ptr::eq(x.file, l.file))
    {
        return;
    }
    let body = l.file.body.decls.iter().find_map(|d| match d {
        Decl::Field(f) if f.label.name() == Some(def) => Some(&f.value),
        _ => None,
    });
    if let Some(v) = body {
        expr_scopes(l, def, v, out);
    }
}

/// The struct literals a value is made of; a list's element type stands for the list (the
/// fields of a `[...#Container]` are a container's), and a definition of another module
/// (`apps.#Deployment`) is followed into it.
fn expr_scopes(l: Lib, def: &str, e: &'static meshc_syntax::ast::Expr, out: &mut Scopes) {
    match &e.kind {
        ExprKind::Struct(s) => {
            out.push((def.to_string(), s, l));
            for d in &s.decls {
                if let Decl::Embed(x) = d {
                    expr_scopes(l, def, x, out);
                }
            }
        }
        ExprKind::Ident(n) if n.starts_with('#') => def_scopes(l, n, out),
        ExprKind::Select(base, name) if name.name.starts_with('#') => {
            let ExprKind::Ident(alias) = &base.kind else {
                return;
            };
            let module = l
                .file
                .imports
                .iter()
                .find(|i| &i.name.name == alias)
                .and_then(|i| stdlib::module(&i.path));
            if let Some((_, _, id)) = module {
                def_scopes(lib(id), &name.name, out);
            }
        }
        ExprKind::List(list) => {
            if let Some(t) = &list.tail {
                expr_scopes(l, def, t, out);
            }
        }
        ExprKind::Unify(parts) => parts.iter().for_each(|p| expr_scopes(l, def, p, out)),
        ExprKind::Disj(alts) => alts.iter().for_each(|(p, _)| expr_scopes(l, def, p, out)),
        _ => {}
    }
}

/// A field's documentation: its declaration's first line and the comment lines above it.
fn field_doc(l: Lib, def: &str, name: &str, start: usize) -> FieldDoc {
    let text = l.text;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let declaration = text[start..]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let mut doc: Vec<&str> = Vec::new();
    for line in text[..line_start].lines().rev() {
        match line.trim().strip_prefix("//") {
            Some(c) => doc.push(c.trim()),
            None => break,
        }
    }
    doc.reverse();
    FieldDoc {
        definition: def.to_string(),
        name: name.to_string(),
        declaration,
        doc: doc.join(" "),
        offset: start,
        file: l.name.to_string(),
    }
}

/// Every field named `name` of the definitions a package author meets (`#Service`, `#Worker`,
/// `#Mesh`, and the definitions their fields use).
pub fn stdlib_field_docs(name: &str) -> Vec<FieldDoc> {
    let (file, _) = mesh();
    let mut out: Vec<FieldDoc> = Vec::new();
    for d in &file.body.decls {
        if let Decl::Field(f) = d {
            if let Some(def) = f.label.name().filter(|n| n.starts_with('#')) {
                for fd in stdlib_fields(def) {
                    if fd.name == name && !out.iter().any(|o| o.declaration == fd.declaration) {
                        out.push(fd);
                    }
                }
            }
        }
    }
    out
}

/// What may be written at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// A field of the struct at this path inside this definition (the cursor is in a
    /// `service`, `worker` or `mesh` block, or in a struct nested in one).
    Fields(&'static str, Vec<String>),
    /// The name of a service (the cursor is in a `deps` list).
    Services,
}

/// What to complete at byte `offset` of `text` (which may be half-written and not parse).
pub fn completion_context(text: &str, offset: usize) -> Option<Completion> {
    let before = &text[..offset.min(text.len())];
    // The brackets open at the offset, innermost last.
    let mut open: Vec<(usize, u8)> = Vec::new();
    meshc_syntax::parse::scan(before, |at, l| {
        match l {
            meshc_syntax::parse::Lexeme::Open(c) => open.push((at, c)),
            meshc_syntax::parse::Lexeme::Close => {
                open.pop();
            }
            meshc_syntax::parse::Lexeme::Comment(_) => {}
        }
        true
    });
    let &(at, bracket) = open.last()?;
    // What stands before a bracket, back to the line's start or the enclosing `{`, `[` or `,`.
    let head_of = |at: usize| {
        let start = before[..at]
            .rfind(['\n', '{', '[', ','])
            .map_or(0, |i| i + 1);
        before[start..at].trim()
    };
    if bracket == b'[' {
        return head_of(at)
            .ends_with("deps:")
            .then_some(Completion::Services);
    }
    if open[0].1 != b'{' {
        return None;
    }
    let root = match head_of(open[0].0).split_whitespace().next().unwrap_or("") {
        "service" => "#Service",
        "worker" => "#Worker",
        "mesh:" => "#Mesh",
        _ => return None,
    };
    // The labels before each inner `{`: `probes: {` is probes, `http: path: {` is http, path.
    let mut path = Vec::new();
    for (i, &(at, b)) in open.iter().enumerate().skip(1) {
        let head = head_of(at);
        // A struct that is an element of a list: its fields are the element type's.
        if b == b'{' && open[i - 1].1 == b'[' && head.is_empty() {
            continue;
        }
        if !head.ends_with(':') {
            return None;
        }
        for label in head.split(':').map(str::trim).filter(|l| !l.is_empty()) {
            path.push(
                label
                    .trim_end_matches(['?', '!'])
                    .trim_matches('"')
                    .to_string(),
            );
        }
    }
    Some(Completion::Fields(root, path))
}

/// The path of the field whose label is at byte `offset` of `text`, from the package's root
/// (`["services", "api", "port"]` on `port` inside `service api { … }`).
pub fn field_path_at(text: &str, offset: usize) -> Option<Vec<String>> {
    use meshc_syntax::ast::StructLit;
    fn walk(l: &StructLit, at: u32, path: &mut Vec<String>) -> bool {
        for d in &l.decls {
            let Decl::Field(f) = d else { continue };
            if !(f.span.start <= at && at <= f.span.end) {
                continue;
            }
            let LabelKind::Name(n) = &f.label.kind else {
                return false;
            };
            path.push(n.clone());
            // `service NAME { … }`: the label is the name's, inside.
            if !f.from_service && f.label.span.start <= at && at <= f.label.span.end {
                return true;
            }
            let structs: Vec<&StructLit> = match &f.value.kind {
                ExprKind::Struct(s) => vec![s],
                ExprKind::Unify(parts) => parts
                    .iter()
                    .filter_map(|p| match &p.kind {
                        ExprKind::Struct(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            return structs
                .into_iter()
                .find(|s| s.span.start <= at && at <= s.span.end)
                .is_some_and(|s| walk(s, at, path));
        }
        false
    }
    let (file, _) = meshc_syntax::parse_file(0, text);
    let mut path = Vec::new();
    walk(&file.body, offset as u32, &mut path).then_some(path)
}

/// The standard library's declaration of the field at `path` of a package (`services.api.port`
/// is `#Service`'s `port`; `services.api.patch.deployment.spec` is `apps.#Deployment`'s `spec`),
/// with its documentation, file and offset.
pub fn stdlib_field_at(path: &[String]) -> Option<FieldDoc> {
    let (def, rest) = match path.first()?.as_str() {
        "services" if path.len() > 2 => ("#Service", &path[2..]),
        "workers" if path.len() > 2 => ("#Worker", &path[2..]),
        "mesh" if path.len() > 1 => ("#Mesh", &path[1..]),
        _ => return None,
    };
    let (last, parents) = rest.split_last()?;
    stdlib_nested_fields(def, parents)
        .into_iter()
        .find(|f| &f.name == last)
}

/// The standard library's declaration of the field at `path` of a package: the text of the
/// file that declares it, its name, and the byte offset of the declaration.
pub fn stdlib_declaration(path: &[String]) -> Option<(&'static str, String, usize)> {
    let f = stdlib_field_at(path)?;
    Some((stdlib_text(&f.file)?, f.file, f.offset))
}

/// The names of the services (or workers) a text declares with `service NAME { … }`.
pub fn declared_workloads(text: &str) -> Vec<String> {
    let (file, _) = meshc_syntax::parse_file(0, text);
    let mut out = Vec::new();
    for d in &file.body.decls {
        if let Decl::Field(f) = d {
            if !f.from_service {
                continue;
            }
            if let ExprKind::Struct(s) = &f.value.kind {
                for inner in &s.decls {
                    if let Decl::Field(i) = inner {
                        if let Some(n) = i.label.name() {
                            out.push(n.to_string());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Where a name is declared: a file of the package and a byte range in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The file (a key of the sources).
    pub file: String,
    /// The first byte of the declaration's name.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// Where the name at byte `offset` of `file` is declared, among the package's `sources`: the
/// field, `let`, comprehension variable, pattern alias or import a reference resolves to
/// (innermost scope first, then the top level of the package's other files), or, for a
/// service named in `deps`, its `service` declaration.
pub fn definition(
    sources: &std::collections::BTreeMap<String, String>,
    file: &str,
    offset: usize,
) -> Option<Target> {
    use meshc_syntax::ast::*;
    use meshc_syntax::Span;

    enum Scope<'a> {
        Lit(&'a StructLit),
        Names(Vec<&'a Ident>),
        Let(&'a LetClause),
    }
    struct Finder<'a> {
        at: u32,
        scopes: Vec<Scope<'a>>,
        /// The reference at the offset, and its declaration in this file's scopes if any.
        found: Option<(String, Option<Span>)>,
        dep: Option<String>,
    }
    fn inside(s: Span, at: u32) -> bool {
        s.start <= at && at <= s.end
    }
    impl<'a> Finder<'a> {
        fn lit(&mut self, l: &'a StructLit) {
            self.scopes.push(Scope::Lit(l));
            for d in &l.decls {
                if self.found.is_none() && self.dep.is_none() {
                    self.decl(d);
                }
            }
            self.scopes.pop();
        }
        fn decl(&mut self, d: &'a Decl) {
            match d {
                Decl::Field(f) if inside(f.span, self.at) => {
                    for (service, span) in deps_entries(f) {
                        if inside(span, self.at) {
                            self.dep = Some(service.to_string());
                            return;
                        }
                    }
                    match &f.label.kind {
                        LabelKind::Pattern { alias, pattern } => {
                            self.expr(pattern);
                            let n = self.scopes.len();
                            if let Some(a) = alias {
                                self.scopes.push(Scope::Names(vec![a]));
                            }
                            self.expr(&f.value);
                            self.scopes.truncate(n);
                        }
                        LabelKind::Dynamic(e) => {
                            self.expr(e);
                            self.expr(&f.value);
                        }
                        LabelKind::Name(_) => self.expr(&f.value),
                    }
                }
                Decl::Let(l) if inside(l.span, self.at) => self.expr(&l.value),
                Decl::Comprehension(c) if inside(c.span, self.at) => self.comprehension(c),
                Decl::Embed(e) => self.expr(e),
                Decl::Check(c) if inside(c.span, self.at) => self.lit(&c.body),
                _ => {}
            }
        }
        fn comprehension(&mut self, c: &'a Comprehension) {
            let n = self.scopes.len();
            for clause in &c.clauses {
                match clause {
                    Clause::For {
                        key, value, source, ..
                    } => {
                        self.expr(source);
                        self.scopes
                            .push(Scope::Names(key.iter().chain([value]).collect()));
                    }
                    Clause::If(e) => self.expr(e),
                    Clause::Let(l)
                    | Clause::Try {
                        binding: Some(l), ..
                    } => {
                        self.expr(&l.value);
                        self.scopes.push(Scope::Let(l));
                    }
                    Clause::Try { binding: None, .. } => {}
                }
            }
            self.lit(&c.body);
            if let Some(f) = &c.fallback {
                self.scopes.truncate(n);
                self.lit(&f.body);
            }
            self.scopes.truncate(n);
        }
        fn expr(&mut self, e: &'a Expr) {
            if self.found.is_some() || !inside(e.span, self.at) {
                return;
            }
            match &e.kind {
                ExprKind::Ident(name) => self.found = Some((name.clone(), self.resolve(name))),
                ExprKind::Select(x, _)
                | ExprKind::Unary(_, x)
                | ExprKind::Bound(_, x)
                | ExprKind::Alias(_, x)
                | ExprKind::OptionalRef(x) => self.expr(x),
                ExprKind::Slice(x, lo, hi) => {
                    self.expr(x);
                    lo.iter().chain(hi).for_each(|b| self.expr(b));
                }
                ExprKind::Index(x, i) | ExprKind::Binary(_, x, i) => {
                    self.expr(x);
                    self.expr(i);
                }
                ExprKind::Call(_, args) | ExprKind::Unify(args) => {
                    args.iter().for_each(|a| self.expr(a))
                }
                ExprKind::Disj(alts) => alts.iter().for_each(|(a, _)| self.expr(a)),
                ExprKind::Interp(parts) => {
                    for p in parts {
                        if let StrPart::Expr(x) = p {
                            self.expr(x);
                        }
                    }
                }
                ExprKind::Struct(l) => self.lit(l),
                ExprKind::List(l) => {
                    for el in &l.elems {
                        match el {
                            ListElem::Expr(x) => self.expr(x),
                            ListElem::Comprehension(c) if inside(c.span, self.at) => {
                                self.comprehension(c)
                            }
                            ListElem::Comprehension(_) => {}
                        }
                    }
                    if let Some(t) = &l.tail {
                        self.expr(t);
                    }
                }
                _ => {}
            }
        }
        /// The innermost declaration of `name` in scope (`None`: not in this file's scopes).
        fn resolve(&self, name: &str) -> Option<Span> {
            for s in self.scopes.iter().rev() {
                match s {
                    Scope::Lit(l) => {
                        for d in &l.decls {
                            match d {
                                Decl::Field(f) if f.label.name() == Some(name) => {
                                    return Some(f.label.span)
                                }
                                Decl::Let(l) if l.name.name == name => return Some(l.name.span),
                                _ => {}
                            }
                        }
                    }
                    Scope::Names(ids) => {
                        if let Some(i) = ids.iter().find(|i| i.name == name) {
                            return Some(i.span);
                        }
                    }
                    Scope::Let(l) if l.name.name == name => return Some(l.name.span),
                    Scope::Let(_) => {}
                }
            }
            None
        }
    }

    let text = sources.get(file)?;
    let (parsed, _) = meshc_syntax::parse_file(0, text);
    let mut f = Finder {
        at: offset as u32,
        scopes: Vec::new(),
        found: None,
        dep: None,
    };
    f.lit(&parsed.body);
    let here = |s: Span| Target {
        file: file.to_string(),
        start: s.start as usize,
        end: s.end as usize,
    };
    if let Some(service) = f.dep {
        for (name, text) in sources {
            let (p, _) = meshc_syntax::parse_file(0, text);
            for d in &p.body.decls {
                let Decl::Field(outer) = d else { continue };
                let ExprKind::Struct(s) = &outer.value.kind else {
                    continue;
                };
                if !outer.from_service {
                    continue;
                }
                for inner in &s.decls {
                    if let Decl::Field(i) = inner {
                        if i.label.name() == Some(service.as_str()) {
                            return Some(Target {
                                file: name.clone(),
                                start: i.label.span.start as usize,
                                end: i.label.span.end as usize,
                            });
                        }
                    }
                }
            }
        }
        return None;
    }
    let name = match f.found {
        Some((_, Some(span))) => return Some(here(span)),
        // Not declared in this file's scopes: an import, or a top-level field of another file
        // of the package.
        Some((word, None)) => {
            if let Some(i) = parsed.imports.iter().find(|i| i.name.name == word) {
                return Some(here(i.span));
            }
            word
        }
        None => return None,
    };
    for (other, text) in sources.iter().filter(|(k, _)| k.as_str() != file) {
        let (p, _) = meshc_syntax::parse_file(0, text);
        for d in &p.body.decls {
            if let Decl::Field(fd) = d {
                if fd.label.name() == Some(name.as_str()) {
                    return Some(Target {
                        file: other.clone(),
                        start: fd.label.span.start as usize,
                        end: fd.label.span.end as usize,
                    });
                }
            }
        }
    }
    None
}

/// The services a `deps: [ … ]` field names (the last part of `"namespace/name"`), with the
/// span of each string.
fn deps_entries(f: &meshc_syntax::ast::Field) -> Vec<(&str, meshc_syntax::Span)> {
    use meshc_syntax::ast::{Expr, ExprKind, ListElem};
    use meshc_syntax::lit::Lit;
    let mut out = Vec::new();
    if f.label.name() != Some("deps") {
        return out;
    }
    if let ExprKind::List(list) = &f.value.kind {
        for el in &list.elems {
            if let ListElem::Expr(Expr {
                kind: ExprKind::Lit(Lit::Str(s)),
                span,
            }) = el
            {
                out.push((s.rsplit('/').next().unwrap_or(s), *span));
            }
        }
    }
    out
}

/// The service (or worker) whose name is at byte `offset` of `file`: in its `service NAME`
/// declaration or in a `deps` list.
pub fn service_at(
    sources: &std::collections::BTreeMap<String, String>,
    file: &str,
    offset: usize,
) -> Option<String> {
    let refs = |name: &str| service_references(sources, name);
    if let Some(t) = definition(sources, file, offset) {
        let text = sources.get(&t.file)?;
        let name = text[t.start..t.end].trim_matches('"').to_string();
        if refs(&name)
            .iter()
            .any(|r| r.file == t.file && r.start == t.start)
        {
            return Some(name);
        }
    }
    let text = sources.get(file)?;
    declared_workloads(text).into_iter().find(|n| {
        refs(n)
            .iter()
            .any(|r| r.file == file && r.start <= offset && offset <= r.end)
    })
}

/// Every place a service's name is written: its `service NAME` declaration and the `deps`
/// entries that name it (`"NAME"`, `"namespace/NAME"`), each as the range of the name alone.
pub fn service_references(
    sources: &std::collections::BTreeMap<String, String>,
    name: &str,
) -> Vec<Target> {
    use meshc_syntax::ast::*;
    fn walk(l: &StructLit, file: &str, name: &str, text: &str, out: &mut Vec<Target>) {
        for d in &l.decls {
            let Decl::Field(f) = d else { continue };
            for (service, span) in deps_entries(f) {
                let raw = &text[span.range()];
                if service == name && raw.ends_with(&format!("{name}\"")) {
                    let end = span.end as usize - 1;
                    out.push(Target {
                        file: file.into(),
                        start: end - name.len(),
                        end,
                    });
                }
            }
            if let ExprKind::Struct(inner) = &f.value.kind {
                if f.from_service {
                    for d in &inner.decls {
                        if let Decl::Field(i) = d {
                            if i.label.name() == Some(name) {
                                let sp = i.label.span;
                                let raw = &text[sp.range()];
                                let quote = usize::from(raw.starts_with('"'));
                                let start = sp.start as usize + quote;
                                out.push(Target {
                                    file: file.into(),
                                    start,
                                    end: start + name.len(),
                                });
                            }
                        }
                    }
                }
                walk(inner, file, name, text, out);
            }
        }
    }
    let mut out = Vec::new();
    for (file, text) in sources {
        let (p, _) = meshc_syntax::parse_file(0, text);
        walk(&p.body, file, name, text, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_fields_include_the_embedded_workload_and_their_docs() {
        let fields = stdlib_fields("#Service");
        let port = fields.iter().find(|f| f.name == "port").expect("port");
        assert_eq!(port.definition, "#Service");
        assert!(port.declaration.starts_with("port:"));
        assert!(fields.iter().any(|f| f.name == "image"));
        let ns = fields
            .iter()
            .find(|f| f.name == "namespace")
            .expect("namespace");
        assert_eq!(ns.definition, "#Workload");
        let protocol = fields.iter().find(|f| f.name == "protocol").unwrap();
        assert!(
            protocol.doc.contains("protocol the service speaks"),
            "{protocol:?}"
        );
    }

    #[test]
    fn contexts() {
        let t = "mesh: {\n\t\n}\nservice a {\n\tdeps: [\"b\", ]\n\t\n\tprobes: {\n\t\t\n\t}\n}\n";
        let at = |needle: &str, skip: usize| t.find(needle).unwrap() + skip;
        assert_eq!(
            completion_context(t, at("{\n\t\n}", 2)),
            Some(Completion::Fields("#Mesh", vec![]))
        );
        assert_eq!(
            completion_context(t, at("\"b\", ", 5)),
            Some(Completion::Services)
        );
        assert_eq!(
            completion_context(t, at("]\n\t\n", 3)),
            Some(Completion::Fields("#Service", vec![]))
        );
        let probes = completion_context(t, at("{\n\t\t\n", 3));
        assert_eq!(
            probes,
            Some(Completion::Fields("#Service", vec!["probes".into()]))
        );
        let names: Vec<String> = stdlib_nested_fields("#Service", &["probes".into()])
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["readiness", "liveness", "startup"]);
        let probe: Vec<String> =
            stdlib_nested_fields("#Service", &["probes".into(), "readiness".into()])
                .into_iter()
                .map(|f| f.name)
                .collect();
        assert!(
            probe.contains(&"http".to_string()) && probe.contains(&"initialDelay".to_string()),
            "{probe:?}"
        );
        let version: Vec<String> =
            stdlib_nested_fields("#Service", &["versions".into(), "canary".into()])
                .into_iter()
                .map(|f| f.name)
                .collect();
        assert!(version.contains(&"weight".to_string()), "{version:?}");
        assert_eq!(declared_workloads(t), vec!["a".to_string()]);
        let at_probes = at("probes", 2);
        assert_eq!(
            field_path_at(t, at_probes),
            Some(vec!["services".into(), "a".into(), "probes".into()])
        );
        assert_eq!(field_path_at(t, 1), Some(vec!["mesh".into()]));
        let (text, file, at) =
            stdlib_declaration(&["services".into(), "a".into(), "probes".into()]).unwrap();
        assert!(text[at..].starts_with("probes:"));
        assert_eq!(file, "<stdlib>/mesh.msh");
        // Through a patch, into the Kubernetes schemas.
        let path: Vec<String> = ["services", "a", "patch", "deployment", "spec", "replicas"]
            .map(String::from)
            .into();
        let (text, file, at) = stdlib_declaration(&path).unwrap();
        assert_eq!(file, "<stdlib>/k8s.io/api/apps/v1.msh");
        assert!(text[at..].starts_with("replicas?:"));
    }

    #[test]
    fn definitions() {
        let a = "x: 1\nlet l = 2\ns: {x: 3, y: x + l}\nservice api {deps: [\"ns/db\"], image: \"\\(tag)\"}\n[N=string]: {n: N}\nr: [for k, v in {p: 1} {v}]\nz: other\n";
        let b = "other: 1\ntag: \"1\"\nservice db {image: \"db\"}\n";
        let sources: std::collections::BTreeMap<String, String> = [
            ("a.msh".to_string(), a.to_string()),
            ("b.msh".to_string(), b.to_string()),
        ]
        .into();
        let at = |needle: &str, skip: usize| a.find(needle).unwrap() + skip;
        let go = |off: usize| {
            definition(&sources, "a.msh", off).map(|t| {
                (
                    t.file.clone(),
                    (if t.file == "a.msh" { a } else { b })[t.start..t.end].to_string(),
                    t.start,
                )
            })
        };
        // `x` in `y: x + l` is the inner `x: 3`; `l` the let.
        assert_eq!(
            go(at("x + l", 0)),
            Some(("a.msh".into(), "x".into(), at("x: 3", 0)))
        );
        assert_eq!(
            go(at("x + l", 4)),
            Some(("a.msh".into(), "l".into(), at("l = 2", 0)))
        );
        // A service in deps, an interpolated reference, a reference to another file.
        assert_eq!(
            go(at("ns/db", 3)).map(|t| (t.0, t.1)),
            Some(("b.msh".into(), "db".into()))
        );
        assert_eq!(
            go(at("(tag)", 1)).map(|t| (t.0, t.1)),
            Some(("b.msh".into(), "tag".into()))
        );
        assert_eq!(
            go(at("other", 1)).map(|t| (t.0, t.1)),
            Some(("b.msh".into(), "other".into()))
        );
        // A pattern alias and a comprehension variable.
        assert_eq!(
            go(at("n: N", 3)),
            Some(("a.msh".into(), "N".into(), at("N=string", 0)))
        );
        assert_eq!(
            go(at("{v}", 1)),
            Some(("a.msh".into(), "v".into(), at("v in", 0)))
        );
        // Not a reference.
        assert_eq!(go(0), None);
        // The service `db`: declared in b.msh, named in a.msh's deps.
        assert_eq!(
            service_at(&sources, "a.msh", at("ns/db", 4)),
            Some("db".into())
        );
        let refs = service_references(&sources, "db");
        let texts: Vec<(&str, &str)> = refs
            .iter()
            .map(|t| {
                (
                    t.file.as_str(),
                    &(if t.file == "a.msh" { a } else { b })[t.start..t.end],
                )
            })
            .collect();
        assert_eq!(texts, vec![("a.msh", "db"), ("b.msh", "db")]);
    }
}
