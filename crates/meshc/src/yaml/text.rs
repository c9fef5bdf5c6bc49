//! An object's YAML written in one pass over its JSON text (`Object::json`): no tree, no list
//! of tokens, no allocation but for a string with an escape. It writes byte for byte what the
//! direct writer (`Writer::node`) writes of the text's value; where that writer would hand
//! the value to `yaml_serde` (a string that is not printable ASCII on one line, a key longer
//! than a simple key, the lone key of a map that reads as a tag) or the text is not JSON, it
//! writes nothing and says so, and the caller writes the value.

use super::{printable_ascii, yaml_number, Context, Writer};
use std::borrow::Cow;

/// Deepest nesting written here (a value nested deeper is written by the caller).
const MAX_DEPTH: usize = 512;

/// Appends the YAML document of the JSON text `json` to `out`; `false`, with nothing
/// appended, where the direct writer would not write its value or the text is not JSON.
pub(super) fn write(json: &str, out: &mut String) -> bool {
    let start = out.len();
    let mut s = Stream {
        text: json,
        b: json.as_bytes(),
        at: 0,
        w: Writer { out, ok: true },
    };
    let whole = s.node(Context::Root, 0, 0).is_some() && {
        s.ws();
        s.at == s.b.len()
    };
    if !whole {
        out.truncate(start);
        return false;
    }
    out.push('\n');
    true
}

struct Stream<'a, 'o> {
    text: &'a str,
    b: &'a [u8],
    at: usize,
    w: Writer<'o>,
}

impl<'a> Stream<'a, '_> {
    fn ws(&mut self) {
        self.at = self.skip_ws(self.at);
    }

    /// Past the bracket that opens a container: whether the container is empty, and then
    /// written as `empty` (`{}`, `[]`) where `context` says.
    fn opens_empty(&mut self, close: u8, empty: &'static str, context: Context) -> bool {
        self.at += 1;
        let is_empty = self.eat(close);
        if is_empty {
            self.w.after_indicator(empty, context);
        }
        is_empty
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.b.get(self.at) == Some(&c);
        self.at += usize::from(hit);
        hit
    }

    /// After an entry of a container that `close` closes: `true` past a `,`, `false` past
    /// `close`, `None` at anything else.
    fn next_entry(&mut self, close: u8) -> Option<bool> {
        if self.eat(close) {
            return Some(false);
        }
        self.eat(b',').then_some(true)
    }

    /// The value at the cursor, written where `context` says, its block content at `indent`
    /// (as `Writer::node` writes it).
    fn node(&mut self, context: Context, indent: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.at)? {
            b'{' => {
                if self.opens_empty(b'}', "{}", context) {
                    return Some(());
                }
                let inner = match context {
                    Context::Root => 0,
                    Context::MappingValue | Context::SequenceItem => indent + 2,
                };
                let mut first = true;
                loop {
                    self.ws();
                    let (key, found) = self.string()?;
                    // A simple key is at most 128 bytes; a lone key that reads as a tag is
                    // quoted by yaml_serde.
                    if !found.printable(&key)
                        || key.len() > 128
                        || (first && key.starts_with('!') && self.lone_entry()?)
                    {
                        return None;
                    }
                    self.w.entry(first, context, inner);
                    first = false;
                    self.w
                        .scalar_str_seen(&key, found.maybe_colon_or_hash(), found.maybe_quote());
                    self.w.push(":");
                    if !self.eat(b':') {
                        return None;
                    }
                    self.node(Context::MappingValue, inner, depth + 1)?;
                    if !self.next_entry(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                if self.opens_empty(b']', "[]", context) {
                    return Some(());
                }
                // A sequence in a mapping is not indented; one in a sequence item is.
                let inner = match context {
                    Context::Root | Context::MappingValue => indent,
                    Context::SequenceItem => indent + 2,
                };
                let mut first = true;
                loop {
                    self.w.entry(first, context, inner);
                    first = false;
                    self.w.push("-");
                    self.node(Context::SequenceItem, inner, depth + 1)?;
                    if !self.next_entry(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => {
                let (s, found) = self.string()?;
                if !found.printable(&s) {
                    return None;
                }
                if context != Context::Root {
                    self.w.push(" ");
                }
                self.w
                    .scalar_str_seen(&s, found.maybe_colon_or_hash(), found.maybe_quote());
            }
            b'n' => self.word("null", context)?,
            b't' => self.word("true", context)?,
            b'f' => self.word("false", context)?,
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                while matches!(
                    self.b.get(self.at),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.at += 1;
                }
                if context != Context::Root {
                    self.w.push(" ");
                }
                yaml_number(&self.text[start..self.at], self.w.out)?;
            }
            _ => return None,
        }
        Some(())
    }

    /// `null`, `true` or `false` at the cursor, written after its indicator.
    fn word(&mut self, word: &'static str, context: Context) -> Option<()> {
        if !self.b[self.at..].starts_with(word.as_bytes()) {
            return None;
        }
        self.at += word.len();
        self.w.after_indicator(word, context);
        Some(())
    }

    /// The string at the cursor: a slice of the text, or decoded where it has an escape; with
    /// what its bytes hold.
    fn string(&mut self) -> Option<(Cow<'a, str>, Found)> {
        let (start, (end, found)) = (self.at, self.string_end(self.at)?);
        self.at = end;
        if found.escaped {
            serde_json::from_str::<String>(&self.text[start..end])
                .ok()
                .map(|s| (Cow::Owned(s), found))
        } else {
            // Past the quotes: ASCII, so the bounds are character boundaries.
            Some((Cow::Borrowed(&self.text[start + 1..end - 1]), found))
        }
    }

    /// The position just past the string that starts at `at` (its closing quote), and what
    /// the string's bytes hold.
    fn string_end(&self, at: usize) -> Option<(usize, Found)> {
        if self.b.get(at) != Some(&b'"') {
            return None;
        }
        let (mut i, mut found) = (at + 1, Found::default());
        loop {
            let (n, seen) = scan(self.b.get(i..)?)?;
            i += n;
            found.bits |= seen;
            if self.b[i] == b'"' {
                return Some((i + 1, found));
            }
            found.escaped = true;
            i += 2;
        }
    }

    /// After a map's first key: whether its value is the map's last (no other key follows).
    /// The cursor does not move.
    fn lone_entry(&self) -> Option<bool> {
        let i = self.skip_ws(self.at);
        if self.b.get(i) != Some(&b':') {
            return None;
        }
        let end = self.value_end(self.skip_ws(i + 1))?;
        Some(self.b.get(self.skip_ws(end)) == Some(&b'}'))
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while matches!(self.b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    }

    /// The position just past the value that starts at `i`.
    fn value_end(&self, mut i: usize) -> Option<usize> {
        match *self.b.get(i)? {
            b'"' => self.string_end(i).map(|(end, _)| end),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.b.get(i)? {
                        b'"' => {
                            i = self.string_end(i)?.0;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {
                while !matches!(
                    self.b.get(i),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    i += 1;
                }
                Some(i)
            }
        }
    }
}

/// What a string's bytes hold, as [`scan`] finds it.
#[derive(Clone, Copy, Default)]
struct Found {
    /// An escape: the bits say nothing of the decoded string.
    escaped: bool,
    bits: u64,
}

/// In [`Found::bits`]: a byte that is not printable ASCII, a `:` or `#`, a `'`.
const UNPRINTABLE: u64 = 1;
const COLON_OR_HASH: u64 = 2;
const QUOTE: u64 = 4;

impl Found {
    /// Whether the string `s` (whose bytes these are) is printable ASCII.
    fn printable(self, s: &str) -> bool {
        if self.escaped {
            printable_ascii(s)
        } else {
            self.bits & UNPRINTABLE == 0
        }
    }
    fn maybe_colon_or_hash(self) -> bool {
        self.escaped || self.bits & COLON_OR_HASH != 0
    }
    fn maybe_quote(self) -> bool {
        self.escaped || self.bits & QUOTE != 0
    }
}

/// The position of the first `"` or `\` in `b`, with what the bytes before it hold
/// ([`Found::bits`]): eight bytes at a time to the first byte of note (most strings of an
/// object have none but their closing quote, and are a few words long: too short for a
/// vectorised search to pay its set-up), then a byte at a time.
fn scan(b: &[u8]) -> Option<(usize, u64)> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte of `w` that is zero: exact for the first such byte (a borrow
    // may mark bytes above it), so the lowest mark of several tests is a true one.
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let eq = |w: u64, c: u8| zeros(w ^ (ONES * c as u64));
    let mut at = 0;
    while let Some(word) = b.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        let hits = eq(w, b'"')
            | eq(w, b'\\')
            | eq(w, b':')
            | eq(w, b'#')
            | eq(w, b'\'')
            | eq(w, 0x7f)
            | below_space
            | (w & HIGHS);
        if hits != 0 {
            at += hits.trailing_zeros() as usize / 8;
            break;
        }
        at += 8;
    }
    let mut bits = 0;
    for (i, &c) in b[at..].iter().enumerate() {
        match c {
            b'"' | b'\\' => return Some((at + i, bits)),
            b':' | b'#' => bits |= COLON_OR_HASH,
            b'\'' => bits |= QUOTE,
            0x20..=0x7e => {}
            _ => bits |= UNPRINTABLE,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_quote_or_backslash_is_found_at_any_offset_with_what_precedes_it() {
        // Bytes that differ from the targets by one bit, the targets' neighbours, and one of
        // each class.
        let fill = [
            b'a',
            b'#',
            b'!',
            b'[',
            b']',
            0x22 ^ 0x80,
            0xdc,
            b'b',
            b':',
            b'\'',
            0x1f,
            0x7f,
            b' ',
            b'~',
            0x20 ^ 0x80,
            b'9',
            b';',
            b'&',
        ];
        for len in 0..40 {
            for hit in 0..=len {
                for c in [b'"', b'\\'] {
                    for shift in 0..fill.len() {
                        let mut b: Vec<u8> = (0..len)
                            .map(|i| fill[(i * 7 + shift) % fill.len()])
                            .collect();
                        if hit < len {
                            b[hit] = c;
                            if hit + 1 < len {
                                b[hit + 1] = b'"';
                            }
                        }
                        let want_at = b.iter().position(|&x| x == b'"' || x == b'\\');
                        let got = scan(&b);
                        assert_eq!(got.map(|(at, _)| at), want_at, "{b:?}");
                        let Some((at, bits)) = got else { continue };
                        let before = &b[..at];
                        let want = |p: bool, bit: u64| if p { bit } else { 0 };
                        let want_bits = want(
                            before.iter().any(|x| !(0x20..=0x7e).contains(x)),
                            UNPRINTABLE,
                        ) | want(
                            before.iter().any(|&x| x == b':' || x == b'#'),
                            COLON_OR_HASH,
                        ) | want(before.contains(&b'\''), QUOTE);
                        assert_eq!(bits, want_bits, "{b:?}");
                    }
                }
            }
        }
    }

    /// Texts written in one pass read as what the direct writer writes of their value, or
    /// are left to it where it would hand them to yaml_serde.
    #[test]
    fn a_text_is_written_as_its_value_is() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{},"d":[],"e":"x\"y\\n","f":-2.5e3}"#,
            r#" [ {"k" : "v" } , 18446744073709551615, -9223372036854775808, 1.0, -0 ] "#,
            r#"[[[1,[2]],[]],{"a":[{"b":{"c":[]}}]}]"#,
            r#""alone""#,
            r#"{"!a":1}"#,
            r#"{"!a":{"x":[1,"}"]},"b":2}"#,
            r#"{"!a":"}" }"#,
            r#"{"!a":[1,2] , "b":null}"#,
            r#"{"!a":-1.5e3}"#,
            r#"{"a":"é"}"#,
            r#"{"a":"x\ny"}"#,
            "[0, 7, -12, 123456789012345678, 1234567890123456789, 1e2, 10, 0.1]",
            r#"{"k":"007","l":"true","m":"a: b","n":"- x","o":"'q'","p":""}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut direct = String::new();
            let direct_ok = crate::yaml::write_direct(&value, &mut direct);
            let mut mine = String::new();
            if write(text, &mut mine) {
                assert!(direct_ok, "{text}");
                assert_eq!(mine, direct, "{text}");
            } else {
                assert!(mine.is_empty(), "{text}");
            }
            // What the direct writer writes, this one does, but for a lone tag-like key.
            assert!(
                !direct_ok || !mine.is_empty() || text.contains("{\"!"),
                "{text}"
            );
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
            let mut out = String::from("kept");
            assert!(!write(bad, &mut out), "{bad}");
            assert_eq!(out, "kept");
        }
    }
}
