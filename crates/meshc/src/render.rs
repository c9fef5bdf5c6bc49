//! Rendering of diagnostics: text through codespan-reporting, or JSON data with byte offsets
//! and line/column ranges. Line numbers are computed here, only for what is shown.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use meshc_syntax::{Diagnostic, Severity, SourceMap};
use serde::Serialize;

/// How diagnostics are shown as text.
#[derive(Clone, Debug, Default)]
pub struct Render {
    /// ANSI colours, for a terminal.
    pub color: bool,
    /// A directory put before every file name of the package, so that a diagnostic names the
    /// file as the user gave it (`err/typo/s.msh`, not `s.msh`) and an editor can open it.
    /// Empty: names relative to the package root. The stdlib's names (`<stdlib>/…`) are kept.
    pub path_prefix: String,
}

impl Render {
    /// The name a diagnostic shows for the package file `name`.
    pub fn path(&self, name: &str) -> String {
        let prefix = self.path_prefix.trim_end_matches('/');
        if prefix.is_empty() || prefix == "." || name.starts_with('<') {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    }
}

/// ANSI styles for codespan-reporting, written into a byte buffer.
struct Ansi(Vec<u8>);

impl std::io::Write for Ansi {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Ansi {
    fn sev(s: cs::Severity) -> &'static [u8] {
        match s {
            cs::Severity::Bug | cs::Severity::Error => b"\x1b[1;31m",
            cs::Severity::Warning => b"\x1b[1;33m",
            cs::Severity::Note | cs::Severity::Help => b"\x1b[1;32m",
        }
    }
}

impl term::WriteStyle for Ansi {
    fn set_header(&mut self, severity: cs::Severity) -> std::io::Result<()> {
        self.0.extend_from_slice(Ansi::sev(severity));
        Ok(())
    }
    fn set_header_message(&mut self) -> std::io::Result<()> {
        self.0.extend_from_slice(b"\x1b[1m");
        Ok(())
    }
    fn set_line_number(&mut self) -> std::io::Result<()> {
        self.0.extend_from_slice(b"\x1b[1;34m");
        Ok(())
    }
    fn set_note_bullet(&mut self) -> std::io::Result<()> {
        self.0.extend_from_slice(b"\x1b[1;34m");
        Ok(())
    }
    fn set_source_border(&mut self) -> std::io::Result<()> {
        self.0.extend_from_slice(b"\x1b[1;34m");
        Ok(())
    }
    fn set_label(&mut self, severity: cs::Severity, style: cs::LabelStyle) -> std::io::Result<()> {
        match style {
            cs::LabelStyle::Primary => self.0.extend_from_slice(Ansi::sev(severity)),
            cs::LabelStyle::Secondary => self.0.extend_from_slice(b"\x1b[1;34m"),
        }
        Ok(())
    }
    fn reset(&mut self) -> std::io::Result<()> {
        self.0.extend_from_slice(b"\x1b[0m");
        Ok(())
    }
}

pub fn text(map: &SourceMap, diags: &[Diagnostic], how: &Render) -> String {
    let mut files = SimpleFiles::new();
    for f in map.files() {
        files.add(how.path(&f.name), f.text.clone());
    }
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let sev = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let labels = d
            .labels
            .iter()
            .map(|l| {
                let style = if l.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(style, l.span.file as usize, l.span.range())
                    .with_message(l.message.clone())
            })
            .collect();
        let mut notes: Vec<String> = d.help.iter().map(|h| format!("help: {h}")).collect();
        notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
        let cd = cs::Diagnostic::new(sev)
            .with_code(d.code)
            .with_message(d.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        let shown = if how.color {
            let mut w = Ansi(Vec::new());
            term::emit_to_write_style(&mut w, &config, &files, &cd)
                .map(|()| String::from_utf8_lossy(&w.0).into_owned())
        } else {
            term::emit_into_string(&config, &files, &cd)
        };
        match shown {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str(&format!(
                "{}[{}]: {}\n",
                if d.is_error() { "error" } else { "warning" },
                d.code,
                d.message
            )),
        }
    }
    out
}

/// A diagnostic as JSON data.
#[derive(Serialize, Debug, Clone)]
pub struct DiagnosticJson {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code (`E0201`).
    pub code: &'static str,
    /// The one-line message.
    pub message: String,
    /// The labelled spans, the primary one first.
    pub labels: Vec<LabelJson>,
    /// `help:` lines.
    pub help: Vec<String>,
    /// `note:` lines.
    pub notes: Vec<String>,
}

/// A span as JSON data: file, byte offsets, and 1-based line/column (columns in characters).
#[derive(Serialize, Debug, Clone)]
pub struct LabelJson {
    /// The file's name (with `Render::path_prefix` when given).
    pub file: String,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// The first line (1-based).
    pub start_line: usize,
    /// The first column (1-based, in characters).
    pub start_column: usize,
    /// The last line.
    pub end_line: usize,
    /// The column after the last character.
    pub end_column: usize,
    /// The label's message.
    pub message: String,
    /// Whether this is the primary label.
    pub primary: bool,
}

pub fn json(map: &SourceMap, d: &Diagnostic, how: &Render) -> DiagnosticJson {
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let (sl, sc) = map.line_col(l.span.file, l.span.start);
            let (el, ec) = map.line_col(l.span.file, l.span.end);
            LabelJson {
                file: how.path(&map.get(l.span.file).name),
                start: l.span.start,
                end: l.span.end,
                start_line: sl,
                start_column: sc,
                end_line: el,
                end_column: ec,
                message: l.message.clone(),
                primary: l.primary,
            }
        })
        .collect();
    DiagnosticJson {
        severity: d.severity,
        code: d.code,
        message: d.message.clone(),
        labels,
        help: d.help.clone(),
        notes: d.notes.clone(),
    }
}

/// The diagnostics as a SARIF 2.1.0 log (what `meshc check --format sarif` prints, for GitHub
/// code scanning and other SARIF viewers): one run of the tool `meshc`, whose rules are every
/// diagnostic code with its summary and help, and one result per diagnostic, located at its
/// primary label, the other labels as related locations. Columns count Unicode code points.
pub fn sarif(diags: &[DiagnosticJson], docs_url: Option<&str>) -> serde_json::Value {
    use serde_json::json;
    let codes = meshc_syntax::codes::ALL;
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|(code, summary)| {
            let mut rule = json!({
                "id": code,
                "name": code,
                "shortDescription": {"text": summary},
                "help": {
                    "text": format!("{code}: {summary}. docs/diagnostics.md in meshc's documentation explains each code with an example and the fix."),
                },
                "defaultConfiguration": {"level": if code.starts_with('W') { "warning" } else { "error" }},
            });
            if let Some(url) = docs_url.filter(|u| !u.is_empty()) {
                // docs/diagnostics.md has a heading per code: `#e0201` is its anchor.
                rule["helpUri"] = json!(format!("{}#{}", url.trim_end_matches('#'), code.to_lowercase()));
            }
            rule
        })
        .collect();
    let location = |l: &LabelJson| {
        json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&l.file)},
                "region": {
                    "startLine": l.start_line,
                    "startColumn": l.start_column,
                    "endLine": l.end_line,
                    "endColumn": l.end_column,
                },
            },
        })
    };
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for h in &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            for n in &d.notes {
                text.push_str(&format!("\nnote: {n}"));
            }
            let primary = d.labels.iter().find(|l| l.primary);
            let related: Vec<serde_json::Value> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(l);
                    loc["id"] = json!(i);
                    loc["message"] = json!({"text": l.message});
                    loc
                })
                .collect();
            let mut r = json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|(c, _)| *c == d.code),
                "level": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": {"text": text},
                "locations": primary.map(|l| vec![location(l)]).unwrap_or_default(),
            });
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "meshc",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// A file's path as a URI reference: relative paths stay relative (to the directory meshc ran
/// in, as code scanning expects), absolute ones become `file://` URIs, and the characters a URI
/// does not allow (the stdlib's `<stdlib>`, spaces) are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
