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
}

fn mesh() -> (&'static File, &'static str) {
    let file = stdlib::parsed(stdlib::MESH_ID);
    let text = stdlib::module("mesh").expect("the mesh module").1;
    (file, text)
}

/// The fields of the standard library's definition `definition` (`#Service`, `#Mesh`…),
/// with those of the definitions it embeds, in declaration order.
pub fn stdlib_fields(definition: &str) -> Vec<FieldDoc> {
    let (file, text) = mesh();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    collect(file, text, definition, &mut out, &mut seen);
    out
}

fn collect(file: &File, text: &str, def: &str, out: &mut Vec<FieldDoc>, seen: &mut Vec<String>) {
    if seen.iter().any(|s| s == def) {
        return;
    }
    seen.push(def.to_string());
    let body = file.body.decls.iter().find_map(|d| match d {
        Decl::Field(f) if f.label.name() == Some(def) => match &f.value.kind {
            ExprKind::Struct(s) => Some(s),
            _ => None,
        },
        _ => None,
    });
    let Some(body) = body else { return };
    for d in &body.decls {
        match d {
            Decl::Embed(e) => {
                if let ExprKind::Ident(n) = &e.kind {
                    collect(file, text, n, out, seen);
                }
            }
            Decl::Field(f) => {
                let LabelKind::Name(name) = &f.label.kind else {
                    continue;
                };
                if out.iter().any(|x: &FieldDoc| &x.name == name) {
                    continue;
                }
                let start = f.span.start as usize;
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
                out.push(FieldDoc {
                    definition: def.to_string(),
                    name: name.clone(),
                    declaration,
                    doc: doc.join(" "),
                });
            }
            _ => {}
        }
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
    /// A field of this definition (the cursor is in a `service`, `worker` or `mesh` block).
    Fields(&'static str),
    /// The name of a service (the cursor is in a `deps` list).
    Services,
}

/// What to complete at byte `offset` of `text` (which may be half-written and not parse).
pub fn completion_context(text: &str, offset: usize) -> Option<Completion> {
    let before = &text[..offset.min(text.len())];
    // The innermost bracket open at the offset, and how many are open around it.
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut in_str = false;
    let b = before.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => in_str = !in_str,
            b'\\' if in_str => i += 1,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c @ (b'{' | b'[' | b'(') if !in_str => open.push((i, c)),
            b'}' | b']' | b')' if !in_str => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let &(at, bracket) = open.last()?;
    let line_start = before[..at].rfind('\n').map_or(0, |i| i + 1);
    let head = before[line_start..at].trim();
    match bracket {
        b'[' if head.ends_with("deps:") => Some(Completion::Services),
        b'{' if open.len() == 1 => {
            let word = head.split_whitespace().next().unwrap_or("");
            match word {
                "service" => Some(Completion::Fields("#Service")),
                "worker" => Some(Completion::Fields("#Worker")),
                "mesh:" => Some(Completion::Fields("#Mesh")),
                _ => None,
            }
        }
        _ => None,
    }
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
            Some(Completion::Fields("#Mesh"))
        );
        assert_eq!(
            completion_context(t, at("\"b\", ", 5)),
            Some(Completion::Services)
        );
        assert_eq!(
            completion_context(t, at("]\n\t\n", 3)),
            Some(Completion::Fields("#Service"))
        );
        assert_eq!(completion_context(t, at("{\n\t\t\n", 3)), None);
        assert_eq!(declared_workloads(t), vec!["a".to_string()]);
    }
}
