//! A JSON text read into a flat list of tokens, for the YAML writer to walk an object's text
//! (`Object::json`) without building a `serde_json::Value` tree: no allocation per key or
//! string (a string is a slice of the text unless it has an escape), no hashing.

use crate::yaml::{Shape, Tree};
use std::borrow::Cow;

/// One token; a container holds its entry count and the index just past its last token.
enum Tok<'a> {
    Map {
        len: u32,
        end: u32,
    },
    Seq {
        len: u32,
        end: u32,
    },
    Null,
    Bool(bool),
    /// A number's text, as written.
    Num(&'a str),
    /// A string (a key, in a map, before its value).
    Str(Cow<'a, str>),
}

/// A JSON text's tokens in document order.
pub(crate) struct Tape<'a> {
    toks: Vec<Tok<'a>>,
}

impl<'a> Tape<'a> {
    /// Reads one JSON value (with optional whitespace around it); None where the text is not
    /// JSON or a container has more than `u32::MAX` tokens.
    pub(crate) fn read(text: &'a str) -> Option<Tape<'a>> {
        let mut r = Reader {
            text,
            b: text.as_bytes(),
            at: 0,
            // Compact JSON of an object runs ~8 bytes a token: room for most without a regrowth.
            toks: Vec::with_capacity(text.len() / 8 + 8),
        };
        r.value(0)?;
        r.ws();
        (r.at == r.b.len()).then_some(Tape { toks: r.toks })
    }

    /// The document's root.
    pub(crate) fn root(&self) -> At<'_, 'a> {
        At { tape: self, i: 0 }
    }
}

/// A token of a tape and what follows it: a value the writers walk.
#[derive(Clone, Copy)]
pub(crate) struct At<'t, 'a> {
    tape: &'t Tape<'a>,
    i: usize,
}

impl At<'_, '_> {
    /// The index just past this value's last token.
    fn end(&self) -> usize {
        match self.tape.toks[self.i] {
            Tok::Map { end, .. } | Tok::Seq { end, .. } => end as usize,
            _ => self.i + 1,
        }
    }

    fn number(&self) -> Option<serde_json::Number> {
        match &self.tape.toks[self.i] {
            Tok::Num(t) => serde_json::from_str(t).ok(),
            _ => None,
        }
    }
}

impl Tree for At<'_, '_> {
    fn shape(&self) -> Shape<'_> {
        match &self.tape.toks[self.i] {
            Tok::Map { len, .. } => Shape::Map(*len as usize),
            Tok::Seq { len, .. } => Shape::Seq(*len as usize),
            Tok::Null => Shape::Null,
            Tok::Bool(b) => Shape::Bool(*b),
            Tok::Num(_) => Shape::Number,
            Tok::Str(s) => Shape::Str(Cow::Borrowed(s)),
        }
    }

    fn children(&self, f: &mut dyn FnMut(Option<&str>, &Self)) {
        let toks = &self.tape.toks;
        let (map, end) = match toks[self.i] {
            Tok::Map { end, .. } => (true, end as usize),
            Tok::Seq { end, .. } => (false, end as usize),
            _ => return,
        };
        let mut i = self.i + 1;
        while i < end {
            let key = match (&toks[i], map) {
                (Tok::Str(k), true) => {
                    i += 1;
                    Some(&**k)
                }
                _ => None,
            };
            let v = At { tape: self.tape, i };
            f(key, &v);
            i = v.end();
        }
    }

    fn yaml_number(&self, out: &mut String) {
        // An integer of up to 18 digits reads and writes back as written (JSON has no leading
        // zeros; `-0` reads as 0).
        if let Tok::Num(t) = &self.tape.toks[self.i] {
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits.len() == 1 || !digits.starts_with('0'))
                && *t != "-0"
            {
                out.push_str(t);
                return;
            }
        }
        if let Some(n) = self.number() {
            serde_json::Value::Number(n).yaml_number(out);
        }
    }

    fn json_number(&self, out: &mut String) {
        if let Some(n) = self.number() {
            out.push_str(&n.to_string());
        }
    }
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    at: usize,
    toks: Vec<Tok<'a>>,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while self.at < self.b.len() && matches!(self.b[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.b.get(self.at) == Some(&c);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// One value; `depth` bounds the nesting (the text came from a tree, but any text may be
    /// given).
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > 512 {
            return None;
        }
        self.ws();
        match *self.b.get(self.at)? {
            b'{' | b'[' => {
                let map = self.b[self.at] == b'{';
                let close = if map { b'}' } else { b']' };
                self.at += 1;
                let start = self.toks.len();
                self.toks.push(Tok::Null);
                let mut len: u32 = 0;
                if !self.eat(close) {
                    loop {
                        if map {
                            self.ws();
                            let k = self.string()?;
                            self.toks.push(Tok::Str(k));
                            if !self.eat(b':') {
                                return None;
                            }
                        }
                        self.value(depth + 1)?;
                        len = len.checked_add(1)?;
                        if self.eat(close) {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                let end = u32::try_from(self.toks.len()).ok()?;
                self.toks[start] = if map {
                    Tok::Map { len, end }
                } else {
                    Tok::Seq { len, end }
                };
            }
            b'"' => {
                let s = self.string()?;
                self.toks.push(Tok::Str(s));
            }
            b'n' => self.word("null", Tok::Null)?,
            b't' => self.word("true", Tok::Bool(true))?,
            b'f' => self.word("false", Tok::Bool(false))?,
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                while self.at < self.b.len()
                    && matches!(
                        self.b[self.at],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.at += 1;
                }
                self.toks.push(Tok::Num(&self.text[start..self.at]));
            }
            _ => return None,
        }
        Some(())
    }

    fn word(&mut self, w: &str, tok: Tok<'a>) -> Option<()> {
        if !self.b[self.at..].starts_with(w.as_bytes()) {
            return None;
        }
        self.at += w.len();
        self.toks.push(tok);
        Some(())
    }

    /// A string at the cursor: a slice of the text, or unescaped where it has an escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.b.get(self.at) != Some(&b'"') {
            return None;
        }
        let start = self.at + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i += memchr::memchr2(b'"', b'\\', self.b.get(i..)?)?;
            if self.b[i] == b'"' {
                break;
            }
            escaped = true;
            i += 2;
        }
        self.at = i + 1;
        if escaped {
            serde_json::from_str::<String>(&self.text[start - 1..self.at])
                .ok()
                .map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&self.text[start..i]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tape walks a text as a `serde_json::Value` of it does: same shapes, keys, strings
    /// and numbers, in the same order.
    #[test]
    fn a_tape_walks_as_the_value_of_its_text() {
        fn same(a: &At, v: &serde_json::Value) {
            match (a.shape(), v.shape()) {
                (Shape::Map(x), Shape::Map(y)) | (Shape::Seq(x), Shape::Seq(y)) => {
                    assert_eq!(x, y);
                    let mut mine = Vec::new();
                    a.children(&mut |k, c| mine.push((k.map(String::from), *c)));
                    let mut theirs = Vec::new();
                    v.children(&mut |k, c| theirs.push((k.map(String::from), c.clone())));
                    assert_eq!(mine.len(), theirs.len());
                    for ((k1, c1), (k2, c2)) in mine.iter().zip(&theirs) {
                        assert_eq!(k1, k2);
                        same(c1, c2);
                    }
                }
                (Shape::Null, Shape::Null) => {}
                (Shape::Bool(x), Shape::Bool(y)) => assert_eq!(x, y),
                (Shape::Str(x), Shape::Str(y)) => assert_eq!(x, y),
                (Shape::Number, Shape::Number) => {
                    let (mut x, mut y) = (String::new(), String::new());
                    a.yaml_number(&mut x);
                    v.yaml_number(&mut y);
                    assert_eq!(x, y);
                }
                _ => panic!("shapes differ at {v}"),
            }
        }
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{},"d":[],"e":"x\"y\\n\u00e9","f":-2.5e3}"#,
            r#" [ {"k" : "v" } , 18446744073709551615, -9223372036854775808, 1.0, -0 ] "#,
            "[0, 7, -12, 123456789012345678, -123456789012345678, 1234567890123456789, 1e2, 10]",
            r#""alone""#,
            r#"{"":{"":[[[]]]},"ü":"ünïcode"}"#,
        ] {
            let tape = Tape::read(text).expect("JSON");
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            same(&tape.root(), &value);
        }
        for bad in [
            "",
            "{",
            r#"{"a" 1}"#,
            "[1,]",
            "[1 2]",
            "nul",
            r#"{"a":1}x"#,
            r#""open"#,
        ] {
            assert!(Tape::read(bad).is_none(), "{bad}");
        }
    }
}
