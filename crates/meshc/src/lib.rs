//! # meshc
//!
//! The msh compiler as a library. One entry point, [`compile`], takes the source files (a map of
//! path → text; the library never touches the file system) and returns a [`Compilation`]: the
//! evaluated value of the package and every diagnostic, ready to render as text or JSON.
//!
//! ```
//! use meshc::{compile, Options, Sources};
//!
//! let mut sources = Sources::new();
//! sources.insert("app.msh".into(), r#"
//!     replicas: int & >=1
//!     replicas: 3
//!     name: "echo-\(replicas)"
//! "#.into());
//! let out = compile(&sources, &Options::default());
//! assert!(out.ok());
//! assert_eq!(out.value_yaml().unwrap(), "replicas: 3\nname: echo-3\n");
//!
//! sources.insert("more.msh".into(), "replicas: 4\n".into());
//! let out = compile(&sources, &Options::default());
//! assert!(!out.ok());
//! assert_eq!(out.diagnostics[0].code, "E0201"); // conflicting values 4 and 3
//! ```
//!
//! Paths are relative and `/`-separated. The main package is the `.msh` files named in
//! [`Options::entry`], or, when it is empty, every `.msh` file at the top level of the map.
//! `import "./lib"` reads the files of the directory `lib` beside the importing file;
//! `import "mesh"` reads the standard library compiled into this crate.
//!
//! The manifests come as one text ([`Compilation::manifests_yaml`],
//! [`Compilation::manifests_json`]) or, for large meshes, streamed into any writer as they are
//! made ([`Compilation::write_manifests_yaml`]: the same bytes, never the whole text in memory).
//! Each of [`Compilation::objects`] keeps its JSON text ([`Object::json`], a tenth of the memory
//! of a tree); [`Object::value`] makes a `serde_json::Value` of it, [`object_to_yaml`] writes
//! it as YAML.
//!
//! With the `parallel` feature (off by default; the `meshc` command turns it on), the
//! services are lowered and the manifests written on every core (rayon's thread pool). The
//! output is byte for byte the same as on one thread.
#![warn(missing_docs)]

mod admission;
pub use admission::{admission_policies, AdmissionMode};
mod explain;
pub use explain::{explain, Explanation};
pub mod ide;
mod import;
pub use import::{import, Imported};
mod patch;
mod render;
mod stdlib;
mod vet;
mod yaml;
pub use vet::{vet, VetOptions, ALLOW_PREFIX};

pub use meshc_eval::{Limits, Node, NodeKind};
pub use meshc_lower::{Edge, Object};
pub use meshc_syntax::parse::check_dns_label;
pub use meshc_syntax::{codes, Diagnostic, Label, Severity, SourceMap, Span};
pub use render::{DiagnosticJson, LabelJson, Render};

use meshc_eval::{Package, Program};
use meshc_syntax::ast::File;
use meshc_syntax::{parse_file, FileId};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Source files by path (relative, `/`-separated). A `BTreeMap`, so the order in which files
/// were added never changes the result.
pub type Sources = BTreeMap<String, String>;

/// What to compile.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The files of the main package. Empty: every `.msh` file at the top level of the sources.
    pub entry: Vec<String>,
    /// What evaluation may build before it stops with `E0215` (defaults for the command line;
    /// [`Limits::BROWSER`] for a browser tab).
    pub limits: Limits,
    /// Tag values (`-t env=prod` on the command line): each sets the fields marked
    /// `@tag(env)` in the main package. A name that no `@tag` declares is an error (`E0110`).
    pub tags: Vec<(String, String)>,
}

/// The names of the tags given that no `@tag(…)` of `files` declares, or that are given twice,
/// as diagnostics.
fn check_tags<'f>(
    tags: &[(String, String)],
    files: impl Iterator<Item = &'f meshc_syntax::ast::File>,
) -> Vec<Diagnostic> {
    use meshc_syntax::ast::{Decl, Expr, ExprKind, ListElem, StructLit};
    if tags.is_empty() {
        return Vec::new();
    }
    type Declared = Vec<(String, meshc_syntax::Span)>;
    fn walk_lit(lit: &StructLit, out: &mut Declared) {
        for d in &lit.decls {
            match d {
                Decl::Field(f) => {
                    for a in f.attrs.iter().filter(|a| a.name == "tag") {
                        if let Some(name) = a.arg_list().first() {
                            out.push((name.to_string(), a.span));
                        }
                    }
                    walk(&f.value, out);
                }
                Decl::Embed(e) => walk(e, out),
                Decl::Let(l) => walk(&l.value, out),
                Decl::Comprehension(c) => walk_lit(&c.body, out),
                Decl::Check(c) => walk_lit(&c.body, out),
                Decl::Ellipsis(_) | Decl::Attr(_) => {}
            }
        }
    }
    fn walk(e: &Expr, out: &mut Declared) {
        match &e.kind {
            ExprKind::Struct(s) => walk_lit(s, out),
            ExprKind::List(l) => {
                for x in &l.elems {
                    match x {
                        ListElem::Expr(x) => walk(x, out),
                        ListElem::Comprehension(c) => walk_lit(&c.body, out),
                    }
                }
            }
            ExprKind::Unify(xs) => xs.iter().for_each(|x| walk(x, out)),
            ExprKind::Disj(xs) => xs.iter().for_each(|(x, _)| walk(x, out)),
            _ => {}
        }
    }
    let mut declared = Declared::new();
    for f in files {
        walk_lit(&f.body, &mut declared);
    }
    let at = |name: &str| declared.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let mut names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for (i, (name, _)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(n, _)| n == name) {
            let mut d =
                Diagnostic::error(codes::BAD_TAG, format!("the tag `{name}` is given twice"));
            if let Some(span) = at(name) {
                d = d.primary(span, "the tag");
            }
            out.push(d.help("give each tag once"));
        } else if at(name).is_none() {
            let mut d = Diagnostic::error(codes::BAD_TAG, format!("unknown tag `{name}`"));
            d = match meshc_eval::did_you_mean(name, names.iter().copied()) {
                Some(s) => d
                    .primary(at(s).unwrap_or_default(), format!("`{s}` is declared here"))
                    .help(format!("did you mean `{s}`?")),
                None => match declared.first() {
                    Some((_, span)) => d
                        .primary(*span, "a tag is declared here")
                        .help(format!("the tags are: {}", names.join(", "))),
                    None => d.help("no field declares a tag: mark one with `@tag(NAME)`"),
                },
            };
            out.push(d);
        }
    }
    out
}

/// The outcome of a compilation.
#[derive(Debug)]
pub struct Compilation {
    /// Every file that took part (user files, then the standard library), for rendering spans.
    pub sources: SourceMap,
    /// The main package's value, when there was no error.
    pub value: Option<Node>,
    /// Errors and warnings, errors of all stages, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
    /// The Kubernetes and Istio objects of the package's services, in apply order (empty when
    /// the package has no `services` or there was an error).
    pub objects: Vec<Object>,
    /// The dependency graph of the services.
    pub edges: Vec<Edge>,
}

impl Compilation {
    /// No errors (warnings allowed).
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.is_error())
    }
    /// The number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    /// The number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
    /// The value as YAML (`None` when there is no value).
    pub fn value_yaml(&self) -> Option<String> {
        self.value.as_ref().map(yaml::tree_to_yaml)
    }
    /// The value as pretty-printed JSON.
    pub fn value_json(&self) -> Option<String> {
        self.value.as_ref().map(yaml::json_pretty)
    }
    /// The objects as multi-document YAML (`None` when there are none).
    pub fn manifests_yaml(&self) -> Option<String> {
        if self.objects.is_empty() || !self.ok() {
            return None;
        }
        Some(yaml::write_stream(&self.objects))
    }
    /// The objects as a stream of YAML documents written to `out` as they are made (the bytes
    /// of [`Compilation::manifests_yaml`] without holding the whole text); `Ok(false)` when
    /// there is nothing to write (no objects, or errors).
    pub fn write_manifests_yaml(&self, out: &mut dyn std::io::Write) -> std::io::Result<bool> {
        if self.objects.is_empty() || !self.ok() {
            return Ok(false);
        }
        yaml::write_stream_to(&self.objects, out)?;
        Ok(true)
    }
    /// The objects as one JSON `List`, which `kubectl apply -f` takes.
    pub fn manifests_json(&self) -> Option<String> {
        if self.objects.is_empty() || !self.ok() {
            return None;
        }
        let items: Vec<serde_json::Value> = self.objects.iter().map(Object::value).collect();
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
        Some(serde_json::to_string_pretty(&list).expect("objects serialize") + "\n")
    }
    /// Every diagnostic rendered for a terminal (no colour), with source excerpts.
    pub fn render_diagnostics(&self) -> String {
        render::text(&self.sources, &self.diagnostics, &Render::default())
    }
    /// Every diagnostic rendered as `how` says: with colours, with the files named as the
    /// user gave them.
    pub fn render_diagnostics_with(&self, how: &Render) -> String {
        render::text(&self.sources, &self.diagnostics, how)
    }
    /// Every diagnostic as JSON data, with byte offsets and line/column ranges.
    pub fn diagnostics_json(&self) -> Vec<DiagnosticJson> {
        self.diagnostics_json_with(&Render::default())
    }
    /// Every diagnostic as JSON data, the files named with `how.path_prefix`.
    pub fn diagnostics_json_with(&self, how: &Render) -> Vec<DiagnosticJson> {
        self.diagnostics
            .iter()
            .map(|d| render::json(&self.sources, d, how))
            .collect()
    }

    /// The admission policies of the guardrails (`meshc build --admission FILE`), bound to the
    /// namespaces of the mesh by the injection label its Namespaces carry (`istio.io/rev` when
    /// the mesh names a revision, `istio-injection: enabled` otherwise). Empty when the
    /// compilation has no objects.
    pub fn admission_policies(&self, mode: AdmissionMode) -> Vec<serde_json::Value> {
        let namespaces: Vec<serde_json::Value> = self
            .objects
            .iter()
            .filter(|o| o.kind == "Namespace")
            .map(|o| o.value()["metadata"]["labels"].take())
            .collect();
        if namespaces.is_empty() {
            return Vec::new();
        }
        let mut revisions: Vec<String> = namespaces
            .iter()
            .filter_map(|l| l["istio.io/rev"].as_str().map(String::from))
            .collect();
        revisions.sort();
        revisions.dedup();
        if revisions.is_empty() {
            admission::admission_policies(("istio-injection", &["enabled".to_string()]), mode)
        } else {
            admission::admission_policies(("istio.io/rev", &revisions), mode)
        }
    }

    /// The diagnostics as a SARIF 2.1.0 log (`meshc check --format sarif`), for GitHub code
    /// scanning and other SARIF viewers.
    /// `docs_url` is where docs/diagnostics.md is published: each rule then links to its
    /// section (`helpUri`).
    pub fn diagnostics_sarif_with(&self, how: &Render, docs_url: Option<&str>) -> String {
        let log = render::sarif(&self.diagnostics_json_with(how), docs_url);
        serde_json::to_string_pretty(&log).expect("a SARIF log serializes")
    }
}

/// The package directories a file imports (`import "./lib"` in `app/main.msh` is `app/lib`),
/// relative to the package root, read from the file's header without parsing the rest: what a
/// caller must put into [`Sources`] beside the file. Standard library imports and imports that
/// leave the root are left out (compiling reports the latter).
pub fn imports_of(file: &str, text: &str) -> Vec<String> {
    let mut words = HeaderWords { rest: text };
    let mut out = Vec::new();
    let spec = |path: &str, out: &mut Vec<String>| {
        if let Ok(dir) = resolve_import(file, path, false) {
            if !dir.starts_with("std:") && !out.contains(&dir) {
                out.push(dir);
            }
        }
    };
    if words.peek() == Some(HeaderWord::Word("package")) {
        words.next();
        words.next();
    }
    while words.peek() == Some(HeaderWord::Word("import")) {
        words.next();
        let grouped = words.peek() == Some(HeaderWord::Open);
        if grouped {
            words.next();
        }
        loop {
            match words.next() {
                Some(HeaderWord::Word(_)) => continue,
                Some(HeaderWord::Str(p)) => spec(p, &mut out),
                _ => break,
            }
            if !grouped {
                break;
            }
        }
    }
    out
}

/// A word of a file's header: what [`imports_of`] needs of msh's tokens.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum HeaderWord<'t> {
    Word(&'t str),
    Str(&'t str),
    Open,
    Other,
}

struct HeaderWords<'t> {
    rest: &'t str,
}

impl<'t> HeaderWords<'t> {
    fn skip_space(&mut self) {
        loop {
            self.rest = self.rest.trim_start();
            match self.rest.strip_prefix("//") {
                Some(r) => self.rest = r.split_once('\n').map_or("", |(_, after)| after),
                None => return,
            }
        }
    }
    fn peek(&mut self) -> Option<HeaderWord<'t>> {
        let saved = self.rest;
        let w = self.next();
        self.rest = saved;
        w
    }
    fn next(&mut self) -> Option<HeaderWord<'t>> {
        self.skip_space();
        let mut chars = self.rest.char_indices();
        let (_, c) = chars.next()?;
        if c == '(' || c == ')' {
            let w = if c == '(' {
                HeaderWord::Open
            } else {
                HeaderWord::Other
            };
            self.rest = &self.rest[1..];
            return Some(w);
        }
        if c == '"' {
            // A simple string: imports have no escapes worth decoding.
            let end = self.rest[1..].find(['"', '\n'])? + 1;
            let s = &self.rest[1..end];
            self.rest = &self.rest[end + 1..];
            return Some(HeaderWord::Str(s));
        }
        if c.is_alphanumeric() || c == '_' {
            let end = self
                .rest
                .find(|x: char| !(x.is_alphanumeric() || x == '_'))
                .unwrap_or(self.rest.len());
            let w = &self.rest[..end];
            self.rest = &self.rest[end..];
            return Some(HeaderWord::Word(w));
        }
        Some(HeaderWord::Other)
    }
}

/// Objects as one multi-document YAML stream, each document opened by `---` (what
/// `meshc build` prints and `kubectl apply -f -` reads); [`read_manifests`] reads it back.
pub fn manifest_stream<'v>(objects: impl IntoIterator<Item = &'v serde_json::Value>) -> String {
    yaml::stream(objects)
}

/// Renders diagnostics as text (codespan-reporting), with source excerpts from `sources`.
pub fn render_diagnostics(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render::text(sources, diagnostics, &Render::default())
}

/// [`render_diagnostics`], coloured and with paths as `how` says.
pub fn render_diagnostics_with(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    how: &Render,
) -> String {
    render::text(sources, diagnostics, how)
}

/// Formats one msh file in the canonical layout (what `meshc fmt` writes): tabs, one space
/// around operators, values of consecutive one-line fields aligned, comments kept. Formatting
/// never changes what the file means. A file with syntax errors is refused with them (their
/// spans are in file 0: render them with a [`SourceMap`] holding the file).
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    meshc_syntax::format::format(text)
}

/// The documents of a YAML text as JSON values (with `meshc vet`'s reader: YAML 1.2's core
/// schema, bounded), for the evaluator's `yaml.Unmarshal`.
fn read_yaml_values(text: &str) -> Result<Vec<serde_json::Value>, String> {
    vet::yaml::read(FileId::default(), text)
        .map(|docs| docs.into_iter().map(|d| d.value).collect())
        .map_err(|d| d.message)
}

/// Reads Kubernetes objects from text: JSON (an object, an array, or a `List`) or
/// multi-document YAML. The one place meshc reads YAML.
pub fn read_manifests(text: &str) -> Result<Vec<serde_json::Value>, String> {
    use serde::Deserialize;
    let trimmed = text.trim_start();
    let docs: Vec<serde_json::Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        vec![serde_json::from_str(text).map_err(|e| e.to_string())?]
    } else {
        let mut docs = Vec::new();
        for d in yaml_serde::Deserializer::from_str(text) {
            let v = serde_json::Value::deserialize(d).map_err(|e| e.to_string())?;
            if !v.is_null() {
                docs.push(v);
            }
        }
        docs
    };
    let mut out = Vec::new();
    for d in docs {
        match d {
            serde_json::Value::Array(items) => out.extend(items),
            serde_json::Value::Object(ref m)
                if m.get("kind").and_then(|k| k.as_str()) == Some("List") =>
            {
                out.extend(
                    m.get("items")
                        .and_then(|i| i.as_array())
                        .cloned()
                        .unwrap_or_default(),
                )
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

pub use meshc_lower::diff::{diff, show as show_object, Change, DiffReport};

/// Serializes any value as YAML (with `yaml_serde`). For a JSON value, such as an object,
/// [`json_to_yaml`] writes the same bytes faster.
pub fn to_yaml<T: serde::Serialize>(v: &T) -> String {
    yaml_serde::to_string(v).expect("values always serialize to YAML")
}

/// A JSON value (an object of the manifests) as one YAML document: byte for byte what
/// [`to_yaml`] writes, by meshc's direct writer (tens of times faster).
pub fn json_to_yaml(v: &serde_json::Value) -> String {
    yaml::to_string(v)
}

/// An object as one YAML document, written from its JSON text: what [`json_to_yaml`] writes
/// of [`Object::value`], without making the value.
pub fn object_to_yaml(o: &Object) -> String {
    let mut out = String::new();
    yaml::write_object(o, &mut out);
    out
}

/// Compiles the main package of `sources`.
pub fn compile(sources: &Sources, options: &Options) -> Compilation {
    let mut map = SourceMap::new();
    let mut diags = Vec::new();

    // The main package's files.
    let entry: Vec<String> = if options.entry.is_empty() {
        sources
            .keys()
            .filter(|p| p.ends_with(".msh") && !p.contains('/'))
            .cloned()
            .collect()
    } else {
        let mut e = options.entry.clone();
        e.sort();
        e.dedup();
        e
    };
    // The standard library always holds the first file ids; its files are parsed once per
    // process (`stdlib::parsed`), user files here.
    for (path, text) in stdlib::files() {
        map.add(path, text);
    }
    let mut parsed: Vec<Cow<'static, File>> = Vec::new();
    // Package table: (key, file indices in `parsed`).
    let mut packages: Vec<(String, Vec<usize>)> = Vec::new();
    let stdlib_ids: HashSet<FileId> = (0..stdlib::COUNT as FileId).collect();
    let parse_into = |path: &str,
                      text: &str,
                      map: &mut SourceMap,
                      parsed: &mut Vec<Cow<'static, File>>,
                      diags: &mut Vec<Diagnostic>| {
        let tree = parse_file(map.files().len() as FileId, text);
        add_parsed(path, text, tree, map, parsed, diags)
    };
    // The main package's files parse on their own (on every core with the `parallel`
    // feature), each with the id it gets below, and join in order.
    let present: Vec<(FileId, &str)> = entry
        .iter()
        .filter_map(|p| sources.get(p))
        .enumerate()
        .map(|(i, text)| ((map.files().len() + i) as FileId, text.as_str()))
        .collect();
    let mut trees = par_map(&present, |&(id, text)| parse_file(id, text)).into_iter();
    let mut main_files = Vec::new();
    for p in &entry {
        match sources.get(p) {
            Some(text) => {
                let tree = trees.next().expect("a tree for each file");
                main_files.push(add_parsed(p, text, tree, &mut map, &mut parsed, &mut diags));
            }
            None => diags.push(Diagnostic::error(
                codes::IMPORT_NOT_FOUND,
                format!("no source file `{p}`"),
            )),
        }
    }
    if main_files.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error(codes::IMPORT_NOT_FOUND, "no .msh files to compile")
                .help("give a directory that holds .msh files, or the files themselves"),
        );
    }
    let uses_service = main_files.iter().any(|&i| parsed[i].has_service);
    if uses_service {
        parsed.push(Cow::Borrowed(stdlib::parsed(stdlib::PRELUDE_ID)));
        main_files.push(parsed.len() - 1);
    }
    packages.push((".".into(), main_files));

    // Imports, breadth first. Keys: "std:mesh" or a directory path.
    let mut imports: HashMap<(FileId, String), usize> = HashMap::new();
    let mut builtin_imports: HashMap<(FileId, String), String> = HashMap::new();
    let mut pkg_index: HashMap<String, usize> = HashMap::new();
    pkg_index.insert(".".into(), 0);
    let mut next = 0;
    while next < packages.len() {
        let files = packages[next].1.clone();
        next += 1;
        for fi in files {
            let file_imports = parsed[fi].imports.clone();
            let file_id = parsed[fi].id;
            let importer = map.get(file_id).name.clone();
            for imp in file_imports {
                // CUE's standard packages (`import "strings"`) are built into the evaluator.
                if meshc_eval::packages::is_package(&imp.path) {
                    builtin_imports.insert((file_id, imp.name.name.clone()), imp.path.clone());
                    continue;
                }
                let key = match resolve_import(&importer, &imp.path, stdlib_ids.contains(&file_id))
                {
                    Ok(k) => k,
                    Err(d) => {
                        diags.push(d.primary(imp.span, "this import"));
                        continue;
                    }
                };
                let idx = match pkg_index.get(&key) {
                    Some(&i) => i,
                    None => {
                        let mut files = Vec::new();
                        if let Some(name) = key.strip_prefix("std:") {
                            match stdlib::module(name) {
                                Some((_, _, id)) => {
                                    parsed.push(Cow::Borrowed(stdlib::parsed(id)));
                                    files.push(parsed.len() - 1);
                                }
                                None => {
                                    diags.push(
                                        Diagnostic::error(
                                            codes::IMPORT_NOT_FOUND,
                                            format!("no standard library module `{name}`"),
                                        )
                                        .primary(imp.span, "this import")
                                        .help(format!(
                                            "the standard library has: {}",
                                            stdlib::modules().collect::<Vec<_>>().join(", ")
                                        )),
                                    );
                                    continue;
                                }
                            }
                        } else {
                            let dir = key.as_str();
                            for (p, text) in sources.iter() {
                                let parent = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                                if parent == dir && p.ends_with(".msh") {
                                    files.push(parse_into(
                                        p,
                                        text,
                                        &mut map,
                                        &mut parsed,
                                        &mut diags,
                                    ));
                                }
                            }
                            if files.is_empty() {
                                diags.push(
                                    Diagnostic::error(
                                        codes::IMPORT_NOT_FOUND,
                                        format!(
                                            "no .msh files in `{dir}` for import \"{}\"",
                                            imp.path
                                        ),
                                    )
                                    .primary(imp.span, "this import"),
                                );
                                continue;
                            }
                        }
                        packages.push((key.clone(), files));
                        pkg_index.insert(key, packages.len() - 1);
                        packages.len() - 1
                    }
                };
                imports.insert((file_id, imp.name.name.clone()), idx);
            }
        }
    }

    // One package name per package.
    for (_, files) in &packages {
        let mut first: Option<&meshc_syntax::ast::Ident> = None;
        for &fi in files {
            if stdlib_ids.contains(&parsed[fi].id) {
                continue;
            }
            if let Some(p) = &parsed[fi].package {
                match first {
                    None => first = Some(p),
                    Some(f) if f.name != p.name => diags.push(
                        Diagnostic::error(codes::PACKAGE_MISMATCH, format!("package `{}` and package `{}` in one directory", p.name, f.name))
                            .primary(p.span, format!("package {}", p.name))
                            .secondary(f.span, format!("package {}", f.name))
                            .help("the files compiled together form one package: give them one package name"),
                    ),
                    _ => {}
                }
            }
        }
    }

    // Every tag given must be declared by a `@tag` of the program's own files.
    let user_files = packages
        .iter()
        .flat_map(|(_, files)| files.iter())
        .map(|&i| &*parsed[i])
        .filter(|f| !stdlib_ids.contains(&f.id));
    diags.extend(check_tags(&options.tags, user_files));

    // Errors that leave the program unreadable stop here; a bad service name does not.
    if diags
        .iter()
        .any(|d| d.is_error() && d.code != codes::BAD_SERVICE_NAME)
    {
        return Compilation {
            sources: map,
            value: None,
            diagnostics: diags,
            objects: Vec::new(),
            edges: Vec::new(),
        };
    }
    let program = Program {
        limits: options.limits,
        packages: packages
            .iter()
            .map(|(_, files)| Package {
                files: files.iter().map(|&i| &*parsed[i]).collect(),
            })
            .collect(),
        imports,
        stdlib_files: stdlib_ids,
        tags: options.tags.iter().cloned().collect(),
        builtin_imports,
        yaml_reader: Some(read_yaml_values),
    };
    let evaluation = meshc_eval::evaluate(&program);
    // Lowering reads the evaluated value only: the syntax trees go before it allocates the
    // objects (at 10,000 services, ~50 MB less at the peak).
    drop(program);
    drop(parsed);
    // A bad service name is reported once, by the parser: drop what the schema derives from it.
    let bad_names: HashSet<Span> = diags
        .iter()
        .filter(|d| d.code == codes::BAD_SERVICE_NAME)
        .filter_map(|d| d.primary_span())
        .collect();
    diags.extend(
        evaluation
            .diagnostics
            .into_iter()
            .filter(|d| {
                d.primary_span()
                    .map(|s| !bad_names.contains(&s))
                    .unwrap_or(true)
            })
            .map(worker_hint),
    );
    let (mut objects, mut edges) = (Vec::new(), Vec::new());
    if let Some(v) = evaluation
        .value
        .as_ref()
        .filter(|v| v.get("services").is_some())
    {
        let lowered = meshc_lower::lower(v);
        diags.extend(lowered.diagnostics);
        if !diags.iter().any(|d| d.is_error()) {
            objects = lowered.objects;
            edges = lowered.edges;
        }
    }
    let mut c = Compilation {
        sources: map,
        value: evaluation.value,
        diagnostics: diags,
        objects,
        edges,
    };
    if !c.objects.is_empty() {
        patch::apply(&mut c);
    }
    c
}

/// Adds a file parsed with the next id of `map`: its text to the map, its diagnostics, its
/// tree to `parsed`, whose index it returns.
fn add_parsed(
    path: &str,
    text: &str,
    (tree, found): (File, Vec<Diagnostic>),
    map: &mut SourceMap,
    parsed: &mut Vec<Cow<'static, File>>,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let id = map.add(path, text);
    debug_assert_eq!(id, tree.id);
    diags.extend(found);
    parsed.push(Cow::Owned(tree));
    parsed.len() - 1
}

/// `f` of each item, in order: on every core with the `parallel` feature, on this thread
/// without.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// A field that only a service has, written in a worker, says why it is refused.
fn worker_hint(d: Diagnostic) -> Diagnostic {
    const SERVICE_ONLY: &[&str] = &[
        "expose",
        "port",
        "targetPort",
        "protocol",
        "versions",
        "callers",
        "public",
        "retries",
        "timeout",
        "idempotent",
        "loadBalancer",
        "circuitBreaker",
        "connectionPool",
    ];
    if d.code != codes::NOT_ALLOWED || !d.message.ends_with("#Worker`") {
        return d;
    }
    match SERVICE_ONLY
        .iter()
        .find(|f| d.message.starts_with(&format!("field `{f}` ")))
    {
        Some(f) => d.help(format!(
            "a worker has no Service and takes no calls: `{f}` belongs to a `service`"
        )),
        None => d,
    }
}

/// Resolves an import path against the path of the importing file: `"mesh"` is the standard
/// library, `"./x"` a directory relative to the importing file that must stay inside the root.
fn resolve_import(importer: &str, path: &str, from_stdlib: bool) -> Result<String, Diagnostic> {
    if !path.starts_with("./") && !path.starts_with("../") && !path.starts_with('/') {
        if stdlib::module(path).is_some()
            || (path.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !path.is_empty())
        {
            return Ok(format!("std:{path}"));
        }
        return Err(Diagnostic::error(
            codes::IMPORT_NOT_FOUND,
            format!("unknown import \"{path}\""),
        )
        .help(format!(
            "import a standard library module ({}) or a directory of this package with \"./dir\"",
            stdlib::modules()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if path.starts_with('/') || from_stdlib {
        return Err(Diagnostic::error(codes::IMPORT_ESCAPES_ROOT, format!("import \"{path}\" is an absolute path"))
            .help("imports are relative to the importing file and stay inside the package root: \"./lib\""));
    }
    let dir = importer.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(Diagnostic::error(
                        codes::IMPORT_ESCAPES_ROOT,
                        format!("import \"{path}\" leaves the package root"),
                    )
                    .help("a package may import only directories below its root"));
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err(Diagnostic::error(
            codes::IMPORT_NOT_FOUND,
            format!("import \"{path}\" names the package root itself"),
        ));
    }
    Ok(parts.join("/"))
}
