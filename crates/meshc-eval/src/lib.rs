//! msh evaluation: stage two of the meshc pipeline.
//!
//! Takes parsed files grouped into packages ([`Program`]) and produces the package's value as
//! plain data ([`Node`], every node with the span it came from) plus every diagnostic: conflicts,
//! closedness, incomplete values, cycles, and the findings of `check` blocks. It does no I/O.
#![warn(missing_docs)]

mod arith;
mod builtins;
mod checks;
mod eval;
mod value;

use indexmap::IndexMap;
use meshc_syntax::ast::{Decl, File};
use meshc_syntax::lit::{Duration, Quantity};
use meshc_syntax::{Diagnostic, FileId, Span};
use serde::ser::{SerializeMap, SerializeSeq};
use std::collections::{HashMap, HashSet};

pub use builtins::NAMES as BUILTINS;
pub use value::format_percent;

/// A set of packages to evaluate. Package 0 is the main package.
#[derive(Debug, Default)]
pub struct Program<'a> {
    /// The packages: the main one first, then the imported ones.
    pub packages: Vec<Package<'a>>,
    /// `(file, import name)` → index of the imported package.
    pub imports: HashMap<(FileId, String), usize>,
    /// Files of the embedded standard library (diagnostics prefer spans in user files).
    pub stdlib_files: HashSet<FileId>,
}

/// One package: the parsed files that form it.
#[derive(Debug, Default, Clone)]
pub struct Package<'a> {
    /// Its files, in a fixed order (the result does not depend on it).
    pub files: Vec<&'a File>,
}

/// Plain data: the exported value of a package. Each node keeps the span of the source that
/// gave it its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where the value came from.
    pub span: Span,
}

/// The kinds of exported value.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`
    Null,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A quantity (`500m`, `256Mi`).
    Quantity(Quantity),
    /// A duration (`30s`).
    Duration(Duration),
    /// A percentage (`70%`, held as 70.0).
    Percent(f64),
    /// A list.
    List(Vec<Node>),
    /// A struct: its fields in order (hidden fields and definitions are not exported).
    Map(IndexMap<String, Node>),
}

impl Node {
    /// The field `key` of a struct.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(m) => m.get(key),
            _ => None,
        }
    }
    /// Follows a dotted path of map keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }
    /// The string, for a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }
    /// An int, or a quantity with an integral value in range (`int` admits those).
    pub fn as_int(&self) -> Option<i64> {
        match &self.kind {
            NodeKind::Int(i) => Some(*i),
            NodeKind::Quantity(q) if q.nanos % 1_000_000_000 == 0 => {
                i64::try_from(q.nanos / 1_000_000_000).ok()
            }
            _ => None,
        }
    }
    /// The bool, for a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// An int or a float as a float.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            NodeKind::Int(i) => Some(*i as f64),
            NodeKind::Float(f) => Some(*f),
            _ => None,
        }
    }
    /// The quantity, for a quantity, an int or a float.
    pub fn as_quantity(&self) -> Option<Quantity> {
        match &self.kind {
            NodeKind::Quantity(q) => Some(*q),
            NodeKind::Int(i) => Some(Quantity::from_int(*i)),
            NodeKind::Float(f) => Quantity::from_f64(*f),
            _ => None,
        }
    }
    /// The duration, for a duration.
    pub fn as_duration(&self) -> Option<Duration> {
        match &self.kind {
            NodeKind::Duration(d) => Some(*d),
            _ => None,
        }
    }
    /// The percentage (70.0 for `70%`), for a percent.
    pub fn as_percent(&self) -> Option<f64> {
        match &self.kind {
            NodeKind::Percent(p) => Some(*p),
            _ => None,
        }
    }
    /// The fields, for a struct.
    pub fn as_map(&self) -> Option<&IndexMap<String, Node>> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The elements, for a list.
    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::List(l) => Some(l),
            _ => None,
        }
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            NodeKind::Null => s.serialize_unit(),
            NodeKind::Bool(b) => s.serialize_bool(*b),
            NodeKind::Int(i) => s.serialize_i64(*i),
            NodeKind::Float(f) => s.serialize_f64(*f),
            NodeKind::Str(x) => s.serialize_str(x),
            NodeKind::Quantity(q) => s.serialize_str(&q.canonical()),
            NodeKind::Duration(d) => s.serialize_str(&d.canonical()),
            NodeKind::Percent(p) => s.serialize_str(&format!("{}%", value::format_percent(*p))),
            NodeKind::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for x in l {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            NodeKind::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The result of evaluating a program.
#[derive(Debug)]
pub struct Evaluation {
    /// The main package's value; `None` when an error made part of it unknown.
    pub value: Option<Node>,
    /// Errors and warnings, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Evaluates the main package of `prog`, then runs its `check` blocks.
pub fn evaluate(prog: &Program<'_>) -> Evaluation {
    let mut ev = eval::Evaluator::new(prog);
    let root = ev.root(0);
    let value = ev.export(root);
    if let Some(main) = prog.packages.first() {
        for f in &main.files {
            for d in &f.body.decls {
                if let Decl::Check(c) = d {
                    let env = ev.file_env(f.id);
                    checks::run(&mut ev, c, env);
                }
            }
        }
    }
    if let Some(h) = ev.halted().cloned() {
        ev.report(h);
    }
    let has_error = ev.diags.iter().any(|d| d.is_error());
    Evaluation {
        value: if has_error { None } else { value },
        diagnostics: std::mem::take(&mut ev.diags),
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'s>(name: &str, candidates: impl Iterator<Item = &'s str>) -> Option<&'s str> {
    let len = name.chars().count();
    let max = (len / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        if c.chars().count() < 2 || (len < 3 && c.chars().count() <= len) {
            continue;
        }
        let mut d = levenshtein(name, c);
        // An abbreviation (`prot` for `protocol`) is as likely as a typo.
        if name.len() >= 3 && c.len() >= 3 && (c.starts_with(name) || name.starts_with(c)) {
            d = d.min(1);
        }
        if d <= max
            && best
                .map(|(bd, bc)| d < bd || (d == bd && c < bc))
                .unwrap_or(true)
        {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions counting as one edit (`prot` → `port`).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}
