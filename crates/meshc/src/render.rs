//! Rendering of diagnostics: text through codespan-reporting, or JSON data with byte offsets
//! and line/column ranges. Line numbers are computed here, only for what is shown.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use meshc_syntax::{Diagnostic, Severity, SourceMap};
use serde::Serialize;

pub fn text(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut files = SimpleFiles::new();
    for f in map.files() {
        files.add(f.name.clone(), f.text.clone());
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
        match term::emit_into_string(&config, &files, &cd) {
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
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<LabelJson>,
    pub help: Vec<String>,
    pub notes: Vec<String>,
}

/// A span as JSON data: file, byte offsets, and 1-based line/column (columns in characters).
#[derive(Serialize, Debug, Clone)]
pub struct LabelJson {
    pub file: String,
    pub start: u32,
    pub end: u32,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub primary: bool,
}

pub fn json(map: &SourceMap, d: &Diagnostic) -> DiagnosticJson {
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let (sl, sc) = map.line_col(l.span.file, l.span.start);
            let (el, ec) = map.line_col(l.span.file, l.span.end);
            LabelJson {
                file: map.get(l.span.file).name.clone(),
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
