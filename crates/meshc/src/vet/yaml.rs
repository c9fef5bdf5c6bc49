//! Reading manifests with positions: every node of every document keeps the span where it was
//! written, so that a finding on `spec.http[0].route[1].weight` points at that line and column.
//! yaml_serde reads values only; this reader builds the same JSON values from saphyr's event
//! parser and records a span per path.
//!
//! Scalars resolve by YAML 1.2's core schema (what `kubectl` reads the same way for every field
//! meshc looks at): `null`/`~`/empty, `true`/`false`, integers, floats; quoted scalars and
//! `!!str` are strings. Aliases are expanded, within a node budget; nesting is bounded; a key
//! written twice in one mapping is an error (the API server rejects it too).

use meshc_syntax::{codes, Diagnostic, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// The most nodes one file may expand to (aliases included): far above any real manifest, far
/// below what exhausts memory.
pub const MAX_NODES: usize = 2_000_000;
/// The deepest nesting read (the deepest Kubernetes object is about 20 levels).
pub const MAX_DEPTH: usize = 128;

/// One document of a manifest file: its value, and a span for each JSON pointer into it
/// (`/spec/http/0/route`). A collection's span is its key's (the line a reader looks for), a
/// scalar's is the scalar itself.
#[derive(Debug)]
pub struct Doc {
    /// The document's value.
    pub value: Value,
    /// The document's first token.
    pub span: Span,
    spans: HashMap<String, Span>,
}

impl Doc {
    /// A document that was never text (an object a compilation built): every span is empty.
    pub fn unplaced(value: Value) -> Doc {
        Doc {
            value,
            span: Span::default(),
            spans: HashMap::new(),
        }
    }

    /// The span of `pointer`, or of its nearest ancestor that was written.
    pub fn span(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                return *s;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.span,
            }
        }
    }
}

/// Byte offsets from the parser's character indices.
struct Offsets {
    ascii: bool,
    chars: Vec<u32>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets {
                ascii: true,
                chars: Vec::new(),
            };
        }
        let mut chars: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        chars.push(text.len() as u32);
        Offsets {
            ascii: false,
            chars,
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            char_index
        } else {
            *self
                .chars
                .get(char_index)
                .or(self.chars.last())
                .unwrap_or(&0) as usize
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        path: String,
    },
    Map {
        entries: Map<String, Value>,
        key: Option<(String, Span)>,
        anchor: usize,
        path: String,
    },
}

/// Reads every document of `text` (file `file`). Empty documents are skipped.
pub fn read(file: FileId, text: &str) -> Result<Vec<Doc>, Diagnostic> {
    let offsets = Offsets::new(text);
    let span_of = |s: saphyr_parser::Span| {
        let start = offsets.byte(s.start.index());
        let mut end = offsets.byte(s.end.index()).max(start);
        if end == start {
            // A collection's start is a point: show its first character.
            end += text
                .get(start..)
                .and_then(|t| t.chars().next())
                .filter(|c| *c != '\n')
                .map_or(0, char::len_utf8);
        }
        Span::new(file, start, end)
    };
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut spans: HashMap<String, Span> = HashMap::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut nodes = 0usize;
    let mut doc_span = Span::new(file, 0, 0);
    let mut root: Option<Value> = None;
    let err = |span: Span, message: String| {
        Diagnostic::error(codes::BAD_MANIFEST, message).primary(span, "here")
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, raw) = match next {
            Ok(e) => e,
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                return Err(Diagnostic::error(
                    codes::BAD_MANIFEST,
                    format!("this is not valid YAML: {}", e.info()),
                )
                .primary(
                    Span::new(file, at, (at + 1).min(text.len()).max(at)),
                    e.info().to_string(),
                ));
            }
        };
        let span = span_of(raw);
        // The path where the next node goes, and the span to record for it.
        let place = |stack: &[Frame]| -> Option<(String, Option<Span>)> {
            match stack.last() {
                None => Some((String::new(), None)),
                Some(Frame::Seq { items, path, .. }) => {
                    Some((format!("{path}/{}", items.len()), None))
                }
                Some(Frame::Map { key, path, .. }) => key
                    .as_ref()
                    .map(|(k, s)| (format!("{path}/{}", escape(k)), Some(*s))),
            }
        };
        let value = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                doc_span = span;
                spans.clear();
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                if let Some(v) = root.take() {
                    if !v.is_null() {
                        docs.push(Doc {
                            value: v,
                            span: doc_span,
                            spans: std::mem::take(&mut spans),
                        });
                    }
                }
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        span,
                        format!("this manifest nests deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let (path, key_span) = place(&stack).unwrap_or_default();
                spans.insert(path.clone(), key_span.unwrap_or(span));
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        path,
                    });
                } else {
                    stack.push(Frame::Map {
                        entries: Map::new(),
                        key: None,
                        anchor,
                        path,
                    });
                }
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, anchor, .. }) => {
                    let v = Value::Array(items);
                    if anchor > 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(err(span, "unbalanced sequence".into())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries, anchor, ..
                }) => {
                    let v = Value::Object(entries);
                    if anchor > 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(err(span, "unbalanced mapping".into())),
            },
            Event::Scalar(text, style, anchor, tag) => {
                // A mapping waiting for its key takes the scalar as the key.
                if let Some(Frame::Map { key, entries, .. }) = stack.last_mut() {
                    if key.is_none() {
                        if entries.contains_key(text.as_ref()) {
                            return Err(err(
                                span,
                                format!("the key `{text}` is written twice in this mapping"),
                            ));
                        }
                        *key = Some((text.into_owned(), span));
                        continue;
                    }
                }
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let v = if style != ScalarStyle::Plain || is_str_tag {
                    Value::String(text.into_owned())
                } else {
                    resolve(&text)
                };
                let (path, _) = place(&stack).unwrap_or_default();
                spans.insert(path, span);
                nodes += 1;
                if anchor > 0 {
                    anchors.insert(anchor, v.clone());
                }
                v
            }
            Event::Alias(id) => {
                let Some(v) = anchors.get(&id) else {
                    return Err(err(span, "an alias to no anchor".into()));
                };
                nodes += count(v);
                if nodes > MAX_NODES {
                    return Err(err(
                        span,
                        format!("this file expands to more than {MAX_NODES} nodes (through its aliases)"),
                    ));
                }
                let (path, _) = place(&stack).unwrap_or_default();
                spans.insert(path, span);
                v.clone()
            }
        };
        if nodes > MAX_NODES {
            return Err(err(
                span,
                format!("this file has more than {MAX_NODES} nodes"),
            ));
        }
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((k, _)) => {
                    entries.insert(k, value);
                }
                None => {
                    return Err(err(
                        span,
                        "a mapping key that is not a string: manifests use string keys".into(),
                    ))
                }
            },
        }
    }
    Ok(docs)
}

fn count(v: &Value) -> usize {
    let mut n = 0;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        n += 1;
        match v {
            Value::Array(a) => todo.extend(a),
            Value::Object(m) => todo.extend(m.values()),
            _ => {}
        }
    }
    n
}

/// A JSON pointer token (`~` and `/` escaped).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A plain scalar by YAML 1.2's core schema.
fn resolve(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Number(i.into());
        }
    }
    if let Some(h) = s.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(h, 16) {
            return Value::Number(i.into());
        }
    }
    if let Some(o) = s.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(o, 8) {
            return Value::Number(i.into());
        }
    }
    let float_like = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if float_like {
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_values() {
        let text = "a: 1\nb:\n  - x: 'y'\n    z: ~\n---\n# two\nc: [1.5, true, 08]\n";
        let docs = read(0, text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": 1, "b": [{"x": "y", "z": null}]})
        );
        assert_eq!(&text[docs[0].span("/b/0/x").range()], "'y'");
        assert_eq!(&text[docs[0].span("/b").range()][..1], "b");
        assert_eq!(&text[docs[0].span("/b/0/nope").range()][..1], "x");
        assert_eq!(docs[1].value, serde_json::json!({"c": [1.5, true, 8]}));
    }

    #[test]
    fn aliases_have_a_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
        }
        let e = read(0, &text).unwrap_err();
        assert!(e.message.contains("more than"), "{}", e.message);
    }

    #[test]
    fn duplicate_keys_and_depth() {
        assert!(read(0, "a: 1\na: 2\n").is_err());
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(read(0, &deep).is_err());
        assert!(read(0, "a: [1\n").is_err());
    }
}
