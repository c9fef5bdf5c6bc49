//! `meshc lsp`: a Language Server Protocol server over stdio.
//!
//! Diagnostics as you type (the package of the open file compiled as `meshc check` does, with
//! the open editors' text in place of the files on disk: the same codes and spans, guardrails
//! included), formatting (`meshc fmt`), hover (a field's evaluated value, and its declaration and
//! documentation from the standard library) and completion (the fields of `#Service`, `#Worker` and `#Mesh` in their
//! blocks, the package's services in `deps`), and go to definition (a reference to its
//! declaration in the package, a service named in `deps` to its `service` block), and rename
//! of a service across the package's files.

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, Diagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, Hover, HoverContents,
    HoverProviderCapability, Location, MarkupContent, MarkupKind, NumberOrString, OneOf, Position,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

/// Runs the server until the client says `exit`.
pub fn run() -> ExitCode {
    let (conn, io) = Connection::stdio();
    let caps = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    };
    let caps = serde_json::to_value(caps).expect("capabilities serialize");
    if let Err(e) = conn.initialize(caps) {
        eprintln!("meshc lsp: {e}");
        return ExitCode::from(2);
    }
    let mut server = Server {
        conn: &conn,
        docs: BTreeMap::new(),
        published: BTreeSet::new(),
    };
    let result = server.serve();
    drop(conn);
    let _ = io.join();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meshc lsp: {e}");
            ExitCode::from(2)
        }
    }
}

struct Server<'c> {
    conn: &'c Connection,
    /// The open documents: path → text.
    docs: BTreeMap<PathBuf, String>,
    /// The documents diagnostics were published for (to clear them when they are fixed).
    published: BTreeSet<PathBuf>,
}

type Res<T> = Result<T, String>;

impl Server<'_> {
    fn serve(&mut self) -> Res<()> {
        for msg in &self.conn.receiver {
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let resp = self.request(&req);
                    self.send(Message::Response(resp))?;
                }
                Message::Notification(n) => self.notification(n)?,
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, m: Message) -> Res<()> {
        self.conn.sender.send(m).map_err(|e| e.to_string())
    }

    fn notification(&mut self, n: Notification) -> Res<()> {
        let p = &n.params;
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let path = path_of(&p["textDocument"]["uri"]);
                let text = p["textDocument"]["text"].as_str().unwrap_or("").to_string();
                if let Some(path) = path {
                    self.docs.insert(path.clone(), text);
                    self.check(&path)?;
                }
            }
            "textDocument/didChange" => {
                let path = path_of(&p["textDocument"]["uri"]);
                // Full synchronisation: the last change is the whole text.
                let text = p["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str())
                    .map(str::to_string);
                if let (Some(path), Some(text)) = (path, text) {
                    self.docs.insert(path.clone(), text);
                    self.check(&path)?;
                }
            }
            "textDocument/didClose" => {
                if let Some(path) = path_of(&p["textDocument"]["uri"]) {
                    self.docs.remove(&path);
                    if self.published.remove(&path) {
                        self.publish(&path, Vec::new())?;
                    }
                }
            }
            "textDocument/didSave" => {
                if let Some(path) = path_of(&p["textDocument"]["uri"]) {
                    self.check(&path)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn request(&mut self, req: &Request) -> Response {
        let p = &req.params;
        let doc = path_of(&p["textDocument"]["uri"]).and_then(|path| {
            let text = self.docs.get(&path)?.clone();
            Some((path, text))
        });
        let pos = serde_json::from_value::<Position>(p["position"].clone()).ok();
        let result = match (req.method.as_str(), doc) {
            ("textDocument/formatting", Some((_, text))) => match meshc::format(&text) {
                Ok(out) if out != text => serde_json::to_value(vec![TextEdit {
                    range: Range::new(Position::new(0, 0), position(&text, text.len())),
                    new_text: out,
                }]),
                Ok(_) => Ok(serde_json::json!([])),
                // A file that does not parse is not formatted: its errors are already shown.
                Err(_) => Ok(serde_json::Value::Null),
            },
            ("textDocument/hover", Some((path, text))) => {
                let at = pos.map(|p| offset(&text, p)).unwrap_or(0);
                let value = self.value_at(&path, &text, at);
                serde_json::to_value(hover(&text, at, value))
            }
            ("textDocument/completion", Some((path, text))) => {
                let at = pos.map(|p| offset(&text, p)).unwrap_or(0);
                serde_json::to_value(self.complete(&path, &text, at))
            }
            ("textDocument/definition", Some((path, text))) => {
                let at = pos.map(|p| offset(&text, p)).unwrap_or(0);
                serde_json::to_value(self.definition(&path, at))
            }
            ("textDocument/rename", Some((path, text))) => {
                let at = pos.map(|p| offset(&text, p)).unwrap_or(0);
                let new_name = p["newName"].as_str().unwrap_or("");
                match self.rename(&path, at, new_name) {
                    Ok(edit) => serde_json::to_value(edit),
                    Err(why) => {
                        return Response::new_err(
                            req.id.clone(),
                            lsp_server::ErrorCode::InvalidParams as i32,
                            why,
                        )
                    }
                }
            }
            (_, None) if req.method.starts_with("textDocument/") => Ok(serde_json::Value::Null),
            _ => {
                return Response::new_err(
                    req.id.clone(),
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("meshc lsp does not handle {}", req.method),
                )
            }
        };
        match result {
            Ok(v) => Response::new_ok(req.id.clone(), v),
            Err(e) => Response::new_err(
                req.id.clone(),
                lsp_server::ErrorCode::InternalError as i32,
                e.to_string(),
            ),
        }
    }

    /// The package of `path`: the files the CLI would read for its directory, with the open
    /// documents' text in place of what is on disk. Keys are paths relative to the root.
    fn package(&self, path: &Path) -> (meshc::Sources, meshc::Options, PathBuf) {
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let (mut sources, options) = match crate::files::load(&[dir.display().to_string()]) {
            Ok((s, o, _)) => (s, o),
            Err(_) => (meshc::Sources::new(), meshc::Options::default()),
        };
        for (p, text) in &self.docs {
            if let Ok(rel) = p.strip_prefix(&dir) {
                if rel.extension().is_some_and(|x| x == "msh") {
                    sources.insert(rel.display().to_string(), text.clone());
                }
            }
        }
        (sources, options, dir)
    }

    /// Compiles the package of `path` and publishes the diagnostics of each of its open files.
    fn check(&mut self, path: &Path) -> Res<()> {
        let (sources, options, dir) = self.package(path);
        let c = meshc::compile(&sources, &options);
        let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        for (p, _) in self.docs.iter().filter(|(p, _)| p.parent() == Some(&dir)) {
            by_file.insert(p.clone(), Vec::new());
        }
        for d in c.diagnostics_json() {
            let Some(primary) = d.labels.iter().find(|l| l.primary) else {
                continue;
            };
            let file = dir.join(&primary.file);
            let Some(list) = by_file.get_mut(&file) else {
                continue;
            };
            let range_in = |label: &meshc::LabelJson| -> Option<(Uri, Range)> {
                let p = dir.join(&label.file);
                let text = self.docs.get(&p).or_else(|| sources.get(&label.file))?;
                Some((
                    uri_of(&p)?,
                    Range::new(
                        position(text, label.start as usize),
                        position(text, label.end as usize),
                    ),
                ))
            };
            let Some((_, range)) = range_in(primary) else {
                continue;
            };
            let mut message = d.message.clone();
            for h in &d.help {
                message.push_str(&format!("\nhelp: {h}"));
            }
            for n in &d.notes {
                message.push_str(&format!("\nnote: {n}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .filter_map(|l| {
                    let (uri, range) = range_in(l)?;
                    Some(DiagnosticRelatedInformation {
                        location: Location { uri, range },
                        message: l.message.clone(),
                    })
                })
                .collect();
            list.push(Diagnostic {
                range,
                severity: Some(match d.severity {
                    meshc::Severity::Error => DiagnosticSeverity::ERROR,
                    meshc::Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("meshc".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            });
        }
        for (file, diags) in by_file {
            self.published.insert(file.clone());
            self.publish(&file, diags)?;
        }
        Ok(())
    }

    fn publish(&self, path: &Path, diagnostics: Vec<Diagnostic>) -> Res<()> {
        let Some(uri) = uri_of(path) else {
            return Ok(());
        };
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        )))
    }

    /// The evaluated value of the field whose label is at `at` (one line of JSON, shortened).
    fn value_at(&self, path: &Path, text: &str, at: usize) -> Option<String> {
        let labels = meshc::ide::field_path_at(text, at)?;
        let (sources, options, _) = self.package(path);
        let c = meshc::compile(&sources, &options);
        let keys: Vec<&str> = labels.iter().map(String::as_str).collect();
        let node = c.value.as_ref()?.at(&keys)?;
        let mut v = serde_json::to_string(node).ok()?;
        if v.len() > 300 {
            let cut = v
                .char_indices()
                .take_while(|(i, _)| *i < 297)
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8());
            v.truncate(cut);
            v.push_str("...");
        }
        Some(format!("{} = {v}", labels.join(".")))
    }

    /// Where the name at `at` of `path` is declared, in the package; for a field label of a
    /// service, worker or the mesh block, its declaration in the standard library (written to a
    /// read-only copy under the temporary directory, since it has no file of its own).
    fn definition(&self, path: &Path, at: usize) -> Option<Location> {
        let (sources, _, dir) = self.package(path);
        let rel = path.strip_prefix(&dir).ok()?.display().to_string();
        let Some(t) = meshc::ide::definition(&sources, &rel, at) else {
            let labels = meshc::ide::field_path_at(sources.get(&rel)?, at)?;
            let (text, name, offset) = meshc::ide::stdlib_declaration(&labels)?;
            let copy = std::env::temp_dir()
                .join(format!("meshc-{}", env!("CARGO_PKG_VERSION")))
                .join("stdlib")
                .join(name.strip_prefix("<stdlib>/")?);
            if std::fs::read_to_string(&copy).ok().as_deref() != Some(text) {
                std::fs::create_dir_all(copy.parent()?).ok()?;
                crate::files::replace_or_create(&copy, text).ok()?;
            }
            let end = offset + text[offset..].find(':').unwrap_or(0);
            return Some(Location {
                uri: uri_of(&copy)?,
                range: Range::new(position(text, offset), position(text, end)),
            });
        };
        let text = sources.get(&t.file)?;
        Some(Location {
            uri: uri_of(&dir.join(&t.file))?,
            range: Range::new(position(text, t.start), position(text, t.end)),
        })
    }

    /// Renames the service whose name is at `at`: its declaration and every `deps` entry
    /// naming it, in every file of the package (open or not).
    // `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types' choice): the keys are not mutated.
    #[allow(clippy::mutable_key_type)]
    fn rename(&self, path: &Path, at: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
        let (sources, _, dir) = self.package(path);
        let rel = path
            .strip_prefix(&dir)
            .map_err(|_| "not in a package".to_string())?
            .display()
            .to_string();
        let name = meshc::ide::service_at(&sources, &rel, at)
            .ok_or("only a service can be renamed: put the cursor on its name")?;
        if let Err(why) = meshc::check_dns_label(new_name) {
            return Err(format!("`{new_name}` is not a service name: {why}"));
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for t in meshc::ide::service_references(&sources, &name) {
            let (Some(text), Some(uri)) = (sources.get(&t.file), uri_of(&dir.join(&t.file))) else {
                continue;
            };
            changes.entry(uri).or_default().push(TextEdit {
                range: Range::new(position(text, t.start), position(text, t.end)),
                new_text: new_name.to_string(),
            });
        }
        Ok(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        })
    }

    fn complete(&self, path: &Path, text: &str, at: usize) -> Vec<CompletionItem> {
        match meshc::ide::completion_context(text, at) {
            Some(meshc::ide::Completion::Fields(def, path)) => {
                meshc::ide::stdlib_nested_fields(def, &path)
                    .into_iter()
                    .map(|f| CompletionItem {
                        label: f.name.clone(),
                        kind: Some(CompletionItemKind::FIELD),
                        detail: Some(f.declaration.clone()),
                        documentation: (!f.doc.is_empty())
                            .then(|| lsp_types::Documentation::String(f.doc.clone())),
                        insert_text: Some(format!("{}: ", f.name)),
                        ..CompletionItem::default()
                    })
                    .collect()
            }
            Some(meshc::ide::Completion::Services) => {
                let (sources, _, _) = self.package(path);
                let mut names: Vec<String> = sources
                    .values()
                    .flat_map(|t| meshc::ide::declared_workloads(t))
                    .collect();
                names.sort();
                names.dedup();
                names
                    .into_iter()
                    .map(|n| CompletionItem {
                        label: n,
                        kind: Some(CompletionItemKind::VALUE),
                        ..CompletionItem::default()
                    })
                    .collect()
            }
            None => Vec::new(),
        }
    }
}

/// The hover of the name at `at`: the field's evaluated value (when it is a field of the
/// package and the package evaluates), and the standard library's declarations of a field of
/// that name, with their documentation.
fn hover(text: &str, at: usize, value: Option<String>) -> Option<Hover> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == '$';
    let at = at.min(text.len());
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .find(|c: char| !is_name(c))
        .map_or(text.len(), |i| at + i);
    let word = &text[start..end];
    if word.is_empty() {
        return None;
    }
    // The declaration of this very field (through `patch` into the Kubernetes schemas), else
    // every declaration of a field of that name.
    let docs =
        match meshc::ide::field_path_at(text, at).and_then(|p| meshc::ide::stdlib_field_at(&p)) {
            Some(d) if d.name == word => vec![d],
            _ => meshc::ide::stdlib_field_docs(word),
        };
    if docs.is_empty() && value.is_none() {
        return None;
    }
    let evaluated = value.map(|v| format!("```json\n{v}\n```"));
    let value = evaluated
        .into_iter()
        .chain(docs.iter().map(|d| {
            let mut s = format!("```msh\n{}\n```\nin `{}`", d.declaration, d.definition);
            if !d.doc.is_empty() {
                s.push_str(&format!("\n\n{}", d.doc));
            }
            s
        }))
        .collect::<Vec<_>>()
        .join("\n\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(Range::new(position(text, start), position(text, end))),
    })
}

/// The file a `file://` URI names.
fn path_of(uri: &serde_json::Value) -> Option<PathBuf> {
    let rest = uri.as_str()?.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// The `file://` URI of a path.
fn uri_of(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

/// The LSP position (line, UTF-16 column) of a byte offset.
fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    let col: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    Position::new(line as u32, col as u32)
}

/// The byte offset of an LSP position.
fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0u32;
    for (i, c) in text[line_start..].char_indices() {
        if units >= pos.character || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}
