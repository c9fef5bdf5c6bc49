//! A JSON text read into a flat list of tokens, for the YAML writer to walk an object's text
//! (`Object::json`) without building a `serde_json::Value` tree: no allocation per key or
//! string (a string is a slice of the text unless it has an escape), no hashing.

use crate::yaml::{Shape, Tree};
use std::borrow::Cow;

/// One token; a container holds its entry count and the index just past its last token. A
/// number or string is a range of the text (twelve bytes a token, no borrow: the list is
/// kept from one object to the next).
#[derive(Clone, Copy)]
enum Tok {
    Map { len: u32, end: u32 },
    Seq { len: u32, end: u32 },
    Null,
    Bool(bool),
    /// A number's text, as written.
    Num { start: u32, end: u32 },
    /// A string without escapes (a key, in a map, before its value): its text between quotes.
    Str { start: u32, end: u32 },
    /// A string with escapes: its decoded text in `Tape::owned`.
    Owned(u32),
}

thread_local! {
    /// The token list of the last tape this thread read, kept for the next one.
    static SPARE: std::cell::Cell<Vec<Tok>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A JSON text's tokens in document order.
pub(crate) struct Tape<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    owned: Vec<String>,
}

impl Drop for Tape<'_> {
    fn drop(&mut self) {
        let mut toks = std::mem::take(&mut self.toks);
        toks.clear();
        SPARE.set(toks);
    }
}

impl<'a> Tape<'a> {
    /// Reads one JSON value (with optional whitespace around it); None where the text is not
    /// JSON or a container has more than `u32::MAX` tokens.
    pub(crate) fn read(text: &'a str) -> Option<Tape<'a>> {
        u32::try_from(text.len()).ok()?;
        let mut toks = SPARE.take();
        toks.clear();
        let mut r = Reader {
            text,
            b: text.as_bytes(),
            at: 0,
            toks,
            owned: Vec::new(),
        };
        let whole = r.value(0).is_some() && {
            r.ws();
            r.at == r.b.len()
        };
        let tape = Tape {
            text,
            toks: r.toks,
            owned: r.owned,
        };
        whole.then_some(tape)
    }

    /// The document's root.
    pub(crate) fn root(&self) -> At<'_, 'a> {
        At { tape: self, i: 0 }
    }

    /// The text of the token at `i`, a number or a string.
    fn text(&self, i: usize) -> &str {
        match self.toks[i] {
            Tok::Num { start, end } | Tok::Str { start, end } => {
                &self.text[start as usize..end as usize]
            }
            Tok::Owned(k) => &self.owned[k as usize],
            _ => "",
        }
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
        match self.tape.toks[self.i] {
            Tok::Num { .. } => serde_json::from_str(self.tape.text(self.i)).ok(),
            _ => None,
        }
    }
}

impl Tree for At<'_, '_> {
    fn shape(&self) -> Shape<'_> {
        match self.tape.toks[self.i] {
            Tok::Map { len, .. } => Shape::Map(len as usize),
            Tok::Seq { len, .. } => Shape::Seq(len as usize),
            Tok::Null => Shape::Null,
            Tok::Bool(b) => Shape::Bool(b),
            Tok::Num { .. } => Shape::Number,
            Tok::Str { .. } | Tok::Owned(_) => Shape::Str(Cow::Borrowed(self.tape.text(self.i))),
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
            let key = match (toks[i], map) {
                (Tok::Str { .. } | Tok::Owned(_), true) => {
                    i += 1;
                    Some(self.tape.text(i - 1))
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
        if let Tok::Num { .. } = self.tape.toks[self.i] {
            let t = self.tape.text(self.i);
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits.len() == 1 || !digits.starts_with('0'))
                && t != "-0"
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
    toks: Vec<Tok>,
    owned: Vec<String>,
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
                            self.toks.push(k);
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
                self.toks.push(s);
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
                self.toks.push(Tok::Num {
                    start: start as u32,
                    end: self.at as u32,
                });
            }
            _ => return None,
        }
        Some(())
    }

    fn word(&mut self, w: &str, tok: Tok) -> Option<()> {
        if !self.b[self.at..].starts_with(w.as_bytes()) {
            return None;
        }
        self.at += w.len();
        self.toks.push(tok);
        Some(())
    }

    /// A string at the cursor: a range of the text, or unescaped where it has an escape.
    fn string(&mut self) -> Option<Tok> {
        if self.b.get(self.at) != Some(&b'"') {
            return None;
        }
        let start = self.at + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i += quote_or_backslash(self.b.get(i..)?)?;
            if self.b[i] == b'"' {
                break;
            }
            escaped = true;
            i += 2;
        }
        self.at = i + 1;
        if escaped {
            let text = serde_json::from_str::<String>(&self.text[start - 1..self.at]).ok()?;
            self.owned.push(text);
            Some(Tok::Owned(self.owned.len() as u32 - 1))
        } else {
            Some(Tok::Str {
                start: start as u32,
                end: i as u32,
            })
        }
    }
}

/// The position of the first `"` or `\\` in `b`: eight bytes at a time (most strings of an
/// object are a few words long, too short for a vectorised search to pay its set-up).
fn quote_or_backslash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `w` that is zero (and of no byte before the first one).
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let hits = zeros(w ^ (ONES * b'"' as u64)) | zeros(w ^ (ONES * b'\\' as u64));
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_quote_or_backslash_is_found_at_any_offset() {
        for len in 0..40 {
            for hit in 0..=len {
                for c in [b'"', b'\\'] {
                    let mut b = vec![b'a'; len];
                    // Bytes that differ from the targets by one bit, and the targets' neighbours.
                    for (i, x) in b.iter_mut().enumerate() {
                        *x = [b'a', b'#', b'!', b'[', b']', 0x22 ^ 0x80, 0xdc, b'b'][i % 8];
                    }
                    if hit < len {
                        b[hit] = c;
                        if hit + 1 < len {
                            b[hit + 1] = b'"';
                        }
                    }
                    let want = b.iter().position(|&x| x == b'"' || x == b'\\');
                    assert_eq!(quote_or_backslash(&b), want, "{b:?}");
                }
            }
        }
    }

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
