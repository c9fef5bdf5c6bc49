//! The YAML writer of the manifests: a direct writer for the JSON values meshc emits, byte for
//! byte what `yaml_serde` (libyaml's emitter with serde's scalar styles) writes for them, at
//! the speed of string appends.
//!
//! It writes block mappings and sequences (sequences in a mapping not indented, two spaces a
//! level), empty collections as `{}` and `[]`, numbers as serde does (integers in decimal,
//! floats by `ryu`), and a string plain unless YAML would read it as something else (a number,
//! a boolean, null, digits with a leading zero) or libyaml's analysis forbids the plain style
//! (an indicator in the wrong place, a leading or trailing space): then single-quoted. A value
//! outside what it writes itself — a string with a character other than printable ASCII (a
//! line break, a tab, a non-ASCII letter), a key longer than libyaml's 128-byte simple keys —
//! is written by `yaml_serde` instead, the whole document, so the output is the same either
//! way. `tests/yaml_writer.rs` checks the two agree over generated values.

mod text;

use meshc_eval::{Node, NodeKind};
use serde_json::Value;
use std::borrow::Cow;

/// What the writers see of a value: a mapping or a sequence (with its length), or a scalar.
pub(crate) enum Shape<'a> {
    Map(usize),
    Seq(usize),
    Null,
    Bool(bool),
    Number,
    Str(Cow<'a, str>),
}

/// A tree the writers write: the manifests' JSON values, and evaluated values (`Node`, whose
/// floats are exact decimals).
pub(crate) trait Tree: Sized {
    fn shape(&self) -> Shape<'_>;
    /// Calls `f` with each entry in order: its key (None in a sequence) and value.
    fn children(&self, f: &mut dyn FnMut(Option<&str>, &Self));
    /// Appends a number's text as YAML writes it.
    fn yaml_number(&self, out: &mut String);
    /// Appends a number's text as JSON writes it.
    fn json_number(&self, out: &mut String);
}

impl Tree for Value {
    fn shape(&self) -> Shape<'_> {
        match self {
            Value::Object(m) => Shape::Map(m.len()),
            Value::Array(a) => Shape::Seq(a.len()),
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Number(_) => Shape::Number,
            Value::String(s) => Shape::Str(Cow::Borrowed(s)),
        }
    }
    fn children(&self, f: &mut dyn FnMut(Option<&str>, &Self)) {
        match self {
            Value::Object(m) => m.iter().for_each(|(k, v)| f(Some(k), v)),
            Value::Array(a) => a.iter().for_each(|v| f(None, v)),
            _ => {}
        }
    }
    fn yaml_number(&self, out: &mut String) {
        let Value::Number(n) = self else { return };
        if let Some(u) = n.as_u64() {
            out.push_str(itoa::Buffer::new().format(u));
        } else if let Some(i) = n.as_i64() {
            out.push_str(itoa::Buffer::new().format(i));
        } else {
            let f = n.as_f64().unwrap_or(0.0);
            let mut buffer = ryu::Buffer::new();
            out.push_str(match f.classify() {
                std::num::FpCategory::Infinite if f > 0.0 => ".inf",
                std::num::FpCategory::Infinite => "-.inf",
                std::num::FpCategory::Nan => ".nan",
                _ => buffer.format_finite(f),
            });
        }
    }
    fn json_number(&self, out: &mut String) {
        if let Value::Number(n) = self {
            out.push_str(&n.to_string());
        }
    }
}

impl Tree for Node {
    fn shape(&self) -> Shape<'_> {
        match &self.kind {
            NodeKind::Map(m) => Shape::Map(m.len()),
            NodeKind::List(l) => Shape::Seq(l.len()),
            NodeKind::Null => Shape::Null,
            NodeKind::Bool(b) => Shape::Bool(*b),
            NodeKind::Int(_) | NodeKind::Float(_) => Shape::Number,
            NodeKind::Str(s) => Shape::Str(Cow::Borrowed(s)),
            NodeKind::Quantity(q) => Shape::Str(Cow::Owned(q.canonical())),
            NodeKind::Duration(d) => Shape::Str(Cow::Owned(d.canonical())),
            NodeKind::Percent(p) => Shape::Str(Cow::Owned(meshc_eval::percent_text(*p))),
        }
    }
    fn children(&self, f: &mut dyn FnMut(Option<&str>, &Self)) {
        match &self.kind {
            NodeKind::Map(m) => m.iter().for_each(|(k, v)| f(Some(k), v)),
            NodeKind::List(l) => l.iter().for_each(|v| f(None, v)),
            _ => {}
        }
    }
    fn yaml_number(&self, out: &mut String) {
        match &self.kind {
            NodeKind::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            NodeKind::Float(d) => out.push_str(&float_text(*d, |f| {
                ryu::Buffer::new().format_finite(f).to_string()
            })),
            _ => {}
        }
    }
    fn json_number(&self, out: &mut String) {
        match &self.kind {
            NodeKind::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            NodeKind::Float(d) => out.push_str(&float_text(*d, |f| {
                serde_json::to_string(&f).unwrap_or_default()
            })),
            _ => {}
        }
    }
}

/// A tree as pretty-printed JSON, as `serde_json::to_string_pretty` writes it (two spaces a
/// level), with a trailing newline; a float keeps its every digit (see [`float_text`]).
pub(crate) fn json_pretty<T: Tree>(value: &T) -> String {
    fn node<T: Tree>(v: &T, indent: usize, out: &mut String) {
        let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
        match v.shape() {
            Shape::Map(0) => out.push_str("{}"),
            Shape::Seq(0) => out.push_str("[]"),
            Shape::Map(_) | Shape::Seq(_) => {
                let map = matches!(v.shape(), Shape::Map(_));
                out.push(if map { '{' } else { '[' });
                let mut first = true;
                v.children(&mut |k, x| {
                    out.push_str(if first { "\n" } else { ",\n" });
                    first = false;
                    pad(out, indent + 2);
                    if let Some(k) = k {
                        out.push_str(&serde_json::to_string(k).unwrap_or_default());
                        out.push_str(": ");
                    }
                    node(x, indent + 2, out);
                });
                out.push('\n');
                pad(out, indent);
                out.push(if map { '}' } else { ']' });
            }
            Shape::Null => out.push_str("null"),
            Shape::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Shape::Number => v.json_number(out),
            Shape::Str(s) => out.push_str(&serde_json::to_string(&*s).unwrap_or_default()),
        }
    }
    let mut out = String::new();
    node(value, 0, &mut out);
    out.push('\n');
    out
}

/// A tree as one YAML document.
pub(crate) fn tree_to_yaml<T: Tree + serde::Serialize>(value: &T) -> String {
    let mut out = String::new();
    write_tree(value, &mut out);
    out
}

/// A float's text in a data format: the shortest text of the nearest binary64 as the format
/// writes it (`binary`) where that is the decimal itself, else the decimal's own digits
/// (`0.3333333333333333333333333333`), so no digit is lost.
pub(crate) fn float_text(d: meshc_eval::Decimal, binary: impl Fn(f64) -> String) -> String {
    let f = meshc_syntax::lit::decimal_to_f64(d);
    if meshc_syntax::lit::decimal_from_f64(f) == Some(d) {
        binary(f)
    } else {
        meshc_syntax::lit::format_float(d.normalize())
    }
}

/// Appends `value` as one YAML document (without a `---` line) to `out`.
pub fn write_document(value: &Value, out: &mut String) {
    write_tree(value, out);
}

/// Appends any tree as one YAML document: by the direct writer, or by `yaml_serde` where the
/// tree holds what the direct writer does not write.
pub(crate) fn write_tree<T: Tree + serde::Serialize>(value: &T, out: &mut String) {
    if !write_direct(value, out) {
        out.push_str(&crate::to_yaml(value));
    }
}

/// Appends an object as one YAML document, written from its JSON text in one pass (see
/// `yaml/text.rs`): the same bytes as [`write_document`] of its value.
pub(crate) fn write_object(o: &crate::Object, out: &mut String) {
    if !text::write(o.json(), out) {
        write_document(&o.value(), out);
    }
}

/// Appends the YAML of a JSON number's text (as `Tree::yaml_number` writes the number); `None`
/// where the text is not a number.
fn yaml_number(text: &str, out: &mut String) -> Option<()> {
    // An integer of up to 18 digits reads and writes back as written (JSON has no leading
    // zeros; `-0` reads as 0).
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 1 || !digits.starts_with('0'))
        && text != "-0"
    {
        out.push_str(text);
        return Some(());
    }
    let n: serde_json::Number = serde_json::from_str(text).ok()?;
    Value::Number(n).yaml_number(out);
    Some(())
}

/// Appends a tree as one YAML document by the direct writer; where it holds something the
/// direct writer does not write, appends nothing and says so (false).
fn write_direct<T: Tree>(value: &T, out: &mut String) -> bool {
    let start = out.len();
    let mut w = Writer { out, ok: true };
    w.node(value, Context::Root, 0);
    if !w.ok {
        out.truncate(start);
        return false;
    }
    out.push('\n');
    true
}

/// The objects as a stream of YAML documents, each after a `---` line. With the `parallel`
/// feature, runs of objects are written on every core and joined in order.
pub fn write_stream(objects: &[crate::Object]) -> String {
    let mut out = String::new();
    for_each_run(objects, RUN, objects.len(), |p| {
        out.push_str(p);
        Ok(())
    })
    .expect("writing to memory does not fail");
    out
}

/// Objects a run holds: the unit of work of one core.
const RUN: usize = 512;

/// The objects as a stream of YAML documents written to `out` as they are made, a few runs at
/// a time (with the `parallel` feature, the runs of a batch on every core, written in order):
/// the same bytes as [`write_stream`], without holding the whole text.
pub fn write_stream_to(
    objects: &[crate::Object],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    #[cfg(feature = "parallel")]
    let batch = RUN * 2 * rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    let batch = RUN;
    for_each_run(objects, RUN, batch, |p| out.write_all(p.as_bytes()))?;
    out.flush()
}

/// Writes the objects' stream in runs of `run` objects, `batch` objects at a time (the runs of
/// a batch on every core with the `parallel` feature), and hands each run's text to `sink` in
/// order.
fn for_each_run(
    objects: &[crate::Object],
    run: usize,
    batch: usize,
    mut sink: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let write = |chunk: &[crate::Object]| {
        let mut out = String::new();
        for o in chunk {
            out.push_str("---\n");
            write_object(o, &mut out);
        }
        out
    };
    for objects in objects.chunks(batch.max(1)) {
        #[cfg(feature = "parallel")]
        let parts: Vec<String> = {
            use rayon::prelude::*;
            objects.par_chunks(run.max(1)).map(write).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<String> = objects.chunks(run.max(1)).map(write).collect();
        for p in parts {
            sink(&p)?;
        }
    }
    Ok(())
}

/// Values as a stream of YAML documents, each after a `---` line.
pub fn stream<'v>(values: impl IntoIterator<Item = &'v Value>) -> String {
    let mut out = String::new();
    for v in values {
        out.push_str("---\n");
        write_document(v, &mut out);
    }
    out
}

/// `value` as one YAML document.
pub fn to_string(value: &Value) -> String {
    tree_to_yaml(value)
}

fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    /// After `key:`.
    MappingValue,
    /// After `- `.
    SequenceItem,
}

/// No line is ever folded (yaml_serde sets no width), so the writer keeps no column.
///
/// It writes what `yaml_serde` writes for trees whose every string is printable ASCII on one
/// line, whose every key is short enough to be a simple key, and with no single-entry map whose
/// key could read as a tag; meeting anything else, it clears `ok` and stops, and the caller
/// hands the tree to `yaml_serde`.
struct Writer<'o> {
    out: &'o mut String,
    ok: bool,
}

impl Writer<'_> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline_indent(&mut self, indent: usize) {
        const SPACES: &str = "\n                                                                ";
        match SPACES.get(..indent + 1) {
            Some(line) => self.out.push_str(line),
            None => {
                self.out.push('\n');
                self.out.extend(std::iter::repeat_n(' ', indent));
            }
        }
    }

    /// Writes `value` where `context` says, its block content at `indent`.
    fn node<T: Tree>(&mut self, value: &T, context: Context, indent: usize) {
        match value.shape() {
            Shape::Map(n) if n > 0 => {
                // A mapping's keys: at `indent` on lines of their own, except the first key of
                // a sequence item, which follows its `- `.
                let inner = match context {
                    Context::Root => 0,
                    Context::MappingValue | Context::SequenceItem => indent + 2,
                };
                let mut i = 0;
                value.children(&mut |k, v| {
                    let k = k.unwrap_or_default();
                    // A simple key is at most 128 bytes (a quoted key counts its text only).
                    if !self.ok
                        || !printable_ascii(k)
                        || k.len() > 128
                        || (n == 1 && k.starts_with('!'))
                    {
                        self.ok = false;
                        return;
                    }
                    self.entry(i == 0, context, inner);
                    i += 1;
                    self.scalar_str(k);
                    self.push(":");
                    self.node(v, Context::MappingValue, inner);
                });
            }
            Shape::Seq(n) if n > 0 => {
                // A sequence in a mapping is not indented; one in a sequence item is.
                let inner = match context {
                    Context::Root | Context::MappingValue => indent,
                    Context::SequenceItem => indent + 2,
                };
                let mut i = 0;
                value.children(&mut |_, v| {
                    if !self.ok {
                        return;
                    }
                    self.entry(i == 0, context, inner);
                    i += 1;
                    self.push("-");
                    self.node(v, Context::SequenceItem, inner);
                });
            }
            Shape::Map(_) => self.after_indicator("{}", context),
            Shape::Seq(_) => self.after_indicator("[]", context),
            Shape::Null => self.after_indicator("null", context),
            Shape::Bool(b) => self.after_indicator(if b { "true" } else { "false" }, context),
            Shape::Number => {
                if context != Context::Root {
                    self.push(" ");
                }
                value.yaml_number(self.out);
            }
            Shape::Str(s) => {
                if !printable_ascii(&s) {
                    self.ok = false;
                    return;
                }
                if context != Context::Root {
                    self.push(" ");
                }
                self.scalar_str(&s);
            }
        }
    }

    /// Where an entry of a block mapping or sequence starts: the first of a sequence item
    /// follows its `- `, the first at the root starts the document, any other is on a line of
    /// its own at `inner`.
    fn entry(&mut self, first: bool, context: Context, inner: usize) {
        if first && context == Context::SequenceItem {
            self.push(" ");
        } else if !(first && context == Context::Root) {
            self.newline_indent(inner);
        }
    }

    /// A scalar after `:` or `-` (one space between), or alone at the root.
    fn after_indicator(&mut self, text: &str, context: Context) {
        if context != Context::Root {
            self.push(" ");
        }
        self.push(text);
    }

    /// A printable-ASCII string: plain, or single-quoted with `'` doubled.
    fn scalar_str(&mut self, s: &str) {
        self.scalar_str_seen(s, true, true);
    }

    /// [`Writer::scalar_str`] of a string known to hold no `:` nor `#` unless
    /// `maybe_colon_or_hash`, and no `'` unless `maybe_quote`.
    fn scalar_str_seen(&mut self, s: &str, maybe_colon_or_hash: bool, maybe_quote: bool) {
        if s.is_empty() || reads_as_other_type(s) || !plain_allowed(s, maybe_colon_or_hash) {
            self.out.push('\'');
            if maybe_quote {
                for part in s.split_inclusive('\'') {
                    self.out.push_str(part);
                    if part.ends_with('\'') {
                        self.out.push('\'');
                    }
                }
            } else {
                self.out.push_str(s);
            }
            self.out.push('\'');
        } else {
            self.push(s);
        }
    }
}

/// libyaml's analysis of a one-line printable-ASCII scalar in block context: whether the plain
/// style may write it. `s` holds no `:` nor `#` unless `maybe_colon_or_hash`.
fn plain_allowed(s: &str, maybe_colon_or_hash: bool) -> bool {
    let b = s.as_bytes();
    if b.starts_with(b"---") || b.starts_with(b"...") {
        return false;
    }
    if b[0] == b' ' || b[b.len() - 1] == b' ' {
        return false;
    }
    // Whether the byte after position `i` is a space or the end.
    let followed_by_space = |i: usize| i + 1 >= b.len() || b[i + 1] == b' ';
    match b[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        b'?' | b':' | b'-' if followed_by_space(0) => return false,
        _ => {}
    }
    // Most strings (names, images, paths) have neither `:` nor `#` past their first byte.
    if !maybe_colon_or_hash || !b[1..].iter().any(|&c| c == b':' || c == b'#') {
        return true;
    }
    for i in 1..b.len() {
        match b[i] {
            b':' if followed_by_space(i) => return false,
            b'#' if b[i - 1] == b' ' => return false,
            _ => {}
        }
    }
    true
}

/// Whether YAML would read `s` as a null, a boolean or a number, or it is digits with a leading
/// zero (serde quotes those).
fn reads_as_other_type(s: &str) -> bool {
    // By the first byte: most strings (names) are none of these.
    match s.as_bytes().first() {
        Some(b'n' | b'N') => matches!(s, "null" | "Null" | "NULL"),
        Some(b't' | b'T') => matches!(s, "true" | "True" | "TRUE"),
        Some(b'f' | b'F') => matches!(s, "false" | "False" | "FALSE"),
        Some(b'~') => s == "~",
        // A number starts with a digit, a sign or a dot.
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {
            digits_but_not_number(s) || int_like(s) || float_like(s)
        }
        _ => false,
    }
}

fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer of any size in yaml_serde's reading: decimal, `0x`, `0o` or `0b`, signed.
fn int_like(s: &str) -> bool {
    let radix_digits = |rest: &str, radix: u32| {
        !rest.starts_with(['+', '-']) && u128::from_str_radix(rest, radix).is_ok()
    };
    let unsigned = |t: &str| {
        let u = t.strip_prefix('+').unwrap_or(t);
        if let Some(r) = u.strip_prefix("0x") {
            if radix_digits(r, 16) {
                return true;
            }
        }
        if let Some(r) = u.strip_prefix("0o") {
            if radix_digits(r, 8) {
                return true;
            }
        }
        if let Some(r) = u.strip_prefix("0b") {
            if radix_digits(r, 2) {
                return true;
            }
        }
        !u.starts_with(['+', '-']) && !digits_but_not_number(t) && u.parse::<u128>().is_ok()
    };
    let negative = |t: &str| {
        for (p, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
            if let Some(r) = t.strip_prefix(p) {
                if i128::from_str_radix(&format!("-{r}"), radix).is_ok() {
                    return true;
                }
            }
        }
        !digits_but_not_number(t) && t.parse::<i128>().is_ok()
    };
    unsigned(s) || negative(s)
}

/// A float in yaml_serde's reading (`.inf`, `.nan` and what Rust parses as a finite `f64`).
fn float_like(s: &str) -> bool {
    let unpositive = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return false,
        Some(u) => u,
        None => s,
    };
    matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(s, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || unpositive.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_written_in_batches_is_the_text_of_the_stream() {
        let objects: Vec<crate::Object> = (0..50)
            .map(|i| {
                let value = serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": format!("c{i}"), "namespace": "ns"},
                    "data": {"n": i.to_string(), "list": [i, i + 1]},
                });
                crate::Object::from_json(None, value.to_string()).unwrap()
            })
            .collect();
        let text = write_stream(&objects);
        for (run, batch) in [(1, 1), (3, 7), (4, 8), (512, 2048), (64, 10)] {
            let mut out = String::new();
            for_each_run(&objects, run, batch, |p| {
                out.push_str(p);
                Ok(())
            })
            .unwrap();
            assert_eq!(out, text, "runs of {run}, batches of {batch}");
        }
        let mut out = Vec::new();
        write_stream_to(&objects, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
}
