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
pub mod packages;
mod value;

use indexmap::IndexMap;
use meshc_syntax::ast::{Decl, File};
pub use meshc_syntax::lit::Decimal;
use meshc_syntax::lit::{decimal_to_f64, Duration, Quantity};
use meshc_syntax::{Diagnostic, FileId, Span};
use serde::ser::{SerializeMap, SerializeSeq};
use std::collections::{HashMap, HashSet};

pub use builtins::NAMES as BUILTINS;
pub use value::{format_percent, percent_text};

/// What one evaluation may build, so that no input can exhaust memory: the first bound reached
/// halts evaluation with `E0215`, naming what grew and where. Steps (50M) and depth (400) are
/// bounded too, by constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Values the evaluator creates: every struct field, list element and intermediate struct
    /// (a 10,000-service mesh needs about 760,000).
    pub values: usize,
    /// Parts of the exported value (scalars, structs, lists), counting each time a shared
    /// value is written out again.
    pub exported: usize,
    /// Bytes of all the strings the program builds (`+`, interpolation, `join`).
    pub string_bytes: usize,
}

impl Limits {
    /// For a browser tab (the playground): about 1 GB at most, within wasm's 4 GiB.
    pub const BROWSER: Limits = Limits {
        values: 600_000,
        exported: 1_200_000,
        string_bytes: 16 << 20,
    };
}

impl Default for Limits {
    /// For the command line: about 2.5 GB at most (a value costs up to about 1.6 KB); enough
    /// for a mesh of about 20,000 services. `meshc --max-values N` raises it.
    fn default() -> Limits {
        Limits {
            values: 1_500_000,
            exported: 3_000_000,
            string_bytes: 64 << 20,
        }
    }
}

/// Reads the documents of a YAML text as JSON values (see [`Program::yaml_reader`]).
pub type YamlReader = fn(&str) -> Result<Vec<serde_json::Value>, String>;

/// A set of packages to evaluate. Package 0 is the main package.
#[derive(Debug, Default)]
pub struct Program<'a> {
    /// What the evaluation may build.
    pub limits: Limits,
    /// The packages: the main one first, then the imported ones.
    pub packages: Vec<Package<'a>>,
    /// `(file, import name)` → index of the imported package.
    pub imports: HashMap<(FileId, String), usize>,
    /// Files of the embedded standard library (diagnostics prefer spans in user files).
    pub stdlib_files: HashSet<FileId>,
    /// The values given to tags (`meshc build -t env=prod`): a field with `@tag(env)` is
    /// unified with the value.
    pub tags: HashMap<String, String>,
    /// `(file, import name)` → the path of a standard package it imports (`"strings"`,
    /// `"encoding/json"`: see [`packages`]).
    pub builtin_imports: HashMap<(FileId, String), String>,
    /// Reads the documents of a YAML text as JSON values, for `yaml.Unmarshal` (the library
    /// passes its one YAML reader; without it, reading YAML is an error).
    pub yaml_reader: Option<YamlReader>,
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

/// The fields of an exported struct, in order. They hash with foldhash (seeded per process),
/// several times faster than SipHash on short labels; the order is the order of insertion,
/// whatever the seed.
pub type Fields = IndexMap<std::sync::Arc<str>, Node, foldhash::fast::RandomState>;

/// The kinds of exported value.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`
    Null,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float: an exact decimal.
    Float(Decimal),
    /// A string.
    Str(String),
    /// A quantity (`500m`, `256Mi`).
    Quantity(Quantity),
    /// A duration (`30s`).
    Duration(Duration),
    /// A percentage (`70%`, held as 70), exactly.
    Percent(Decimal),
    /// A list.
    List(Vec<Node>),
    /// A struct: its fields in order (hidden fields and definitions are not exported).
    /// Shared: a struct that fields take unchanged from one place (what every service takes
    /// from `#Service`: see "structure sharing" in ARCHITECTURE.md) is one map, written out
    /// once; and behind a pointer a node is 48 bytes instead of 96 (the value of 10,000
    /// services is half a million nodes). Nothing changes a node once it is exported.
    Map(std::sync::Arc<Fields>),
}

impl Node {
    /// The field `key` of a struct.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(m) => m.get(key),
            _ => None,
        }
    }
    /// Follows a path of map keys (`&["mesh", "kubernetes"]`, or `"mesh.kubernetes".split('.')`).
    pub fn at<K: AsRef<str>>(&self, path: impl IntoIterator<Item = K>) -> Option<&Node> {
        path.into_iter().try_fold(self, |n, k| n.get(k.as_ref()))
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
            NodeKind::Float(f) => Some(decimal_to_f64(*f)),
            _ => None,
        }
    }
    /// The quantity, for a quantity, an int or a float.
    pub fn as_quantity(&self) -> Option<Quantity> {
        match &self.kind {
            NodeKind::Quantity(q) => Some(*q),
            NodeKind::Int(i) => Some(Quantity::from_int(*i)),
            NodeKind::Float(f) => Quantity::from_decimal(*f),
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
            NodeKind::Percent(p) => Some(decimal_to_f64(*p)),
            _ => None,
        }
    }
    /// The fields, for a struct.
    pub fn as_map(&self) -> Option<&Fields> {
        match &self.kind {
            NodeKind::Map(m) => Some(&**m),
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
            // Data formats hold binary64 numbers: the shortest text of the nearest one, which is
            // the decimal itself up to 15 significant digits.
            NodeKind::Float(f) => s.serialize_f64(decimal_to_f64(*f)),
            NodeKind::Str(x) => s.serialize_str(x),
            NodeKind::Quantity(q) => s.serialize_str(&q.canonical()),
            NodeKind::Duration(d) => s.serialize_str(&d.canonical()),
            NodeKind::Percent(p) => s.serialize_str(&value::percent_text(*p)),
            NodeKind::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for x in l {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            NodeKind::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
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

/// Names longer than this get no suggestion: a typo in a 65-character name is rare, and the
/// search stays bounded whatever the input.
const SUGGEST_MAX_LEN: usize = 64;
/// At most this many edit distances are computed for one suggestion.
const SUGGEST_MAX_COMPARISONS: usize = 4096;

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
/// Bounded: candidates whose length or characters alone put them too far are skipped in
/// linear time, a distance costs at most 64 × 85 steps, and at most 4,096 are computed.
pub fn did_you_mean<'s>(name: &str, candidates: impl Iterator<Item = &'s str>) -> Option<&'s str> {
    let len = name.chars().count();
    if len > SUGGEST_MAX_LEN {
        return None;
    }
    let max = (len / 3).max(1);
    let bag = char_bag(name);
    // Ranked by distance, then typos before abbreviations (`priorityClasName` is
    // `priorityClassName`, not `priority`), then by name.
    let mut best: Option<(usize, bool, &str)> = None;
    let mut compared = 0;
    for c in candidates {
        if c == name || c.len() < 2 {
            continue;
        }
        // An abbreviation (`prot` for `protocol`) is as likely as a typo.
        let prefix = len >= 3 && c.len() >= 3 && (c.starts_with(name) || name.starts_with(c));
        let d = if prefix {
            1
        } else {
            // A char is at most 4 bytes: the byte length bounds the char count from both sides.
            if c.len() > 4 * (len + max) || c.len() + max < len {
                continue;
            }
            let clen = c.chars().count();
            if clen.abs_diff(len) > max || (len < 3 && clen <= len) {
                continue;
            }
            if bag_distance(&bag, c) > max {
                continue;
            }
            if compared == SUGGEST_MAX_COMPARISONS {
                break;
            }
            compared += 1;
            levenshtein(name, c)
        };
        if d <= max && best.is_none_or(|b| (d, prefix, c) < b) {
            best = Some((d, prefix, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// How many times each character occurs, characters folded into 64 buckets.
fn char_bag(s: &str) -> [i32; 64] {
    let mut bag = [0; 64];
    for c in s.chars() {
        bag[(c as usize) & 63] += 1;
    }
    bag
}

/// A lower bound of the edit distance between the string counted in `bag` and `s`, in linear
/// time: an edit adds or removes at most one character on each side of the count (folding
/// characters into buckets only lowers the bound).
fn bag_distance(bag: &[i32; 64], s: &str) -> usize {
    let other = char_bag(s);
    let (mut more, mut fewer) = (0, 0);
    for (a, b) in bag.iter().zip(other.iter()) {
        if a > b {
            more += a - b;
        } else {
            fewer += b - a;
        }
    }
    more.max(fewer) as usize
}

/// Edit distance with adjacent transpositions counting as one edit (`prot` → `port`), in
/// three rows (the callers bound both lengths).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(before[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_typos_and_abbreviations() {
        let names = ["port", "protocol", "targetPort", "replicas"];
        assert_eq!(did_you_mean("prot", names.iter().copied()), Some("port"));
        assert_eq!(
            did_you_mean("protocl", names.iter().copied()),
            Some("protocol")
        );
        assert_eq!(
            did_you_mean("replica", names.iter().copied()),
            Some("replicas")
        );
        assert_eq!(did_you_mean("image", names.iter().copied()), None);
        // A typo of a long name beats an abbreviation of a short one.
        let pod = ["priority", "priorityClassName"];
        assert_eq!(
            did_you_mean("priorityClasName", pod.iter().copied()),
            Some("priorityClassName")
        );
    }

    #[test]
    fn huge_names_and_many_candidates_stay_bounded() {
        // A 40,000-character name once asked for a 12.8 GB table; a megabyte of long names
        // took 37 s. Both are now a handful of comparisons.
        let long = "x".repeat(40_000);
        let names: Vec<String> = (0..25)
            .map(|i| format!("{}{i}", "y".repeat(40_000)))
            .collect();
        assert_eq!(did_you_mean(&long, names.iter().map(String::as_str)), None);
        let near = format!("{}z", "y".repeat(63));
        let names: Vec<String> = (0..100_000)
            .map(|i| format!("{}{i:06}", "y".repeat(58)))
            .collect();
        // 64-character names six edits apart: a suggestion, found within the comparison cap.
        assert!(did_you_mean(&near, names.iter().map(String::as_str)).is_some());
        let mut names: Vec<String> = (0..100_000).map(|i| format!("n{i}")).collect();
        names.push("protocol".into());
        assert_eq!(
            did_you_mean("protocl", names.iter().map(String::as_str)),
            Some("protocol")
        );
    }
}
