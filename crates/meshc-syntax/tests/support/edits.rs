// Edits of msh sources for property tests, shared (by `include!`) by the parser's grammar test
// and the formatter's test.

/// A window of about 1,000 bytes of `text` (where depends on `seed`), to keep each case fast.
#[allow(dead_code)]
fn window(text: &str, seed: usize) -> &str {
    if text.len() <= 1500 {
        return text;
    }
    let mut s = (seed / 7) % (text.len() - 1000);
    while !text.is_char_boundary(s) {
        s += 1;
    }
    let mut e = (s + 1000).min(text.len());
    while !text.is_char_boundary(e) {
        e += 1;
    }
    &text[s..e]
}

/// `text` with `edits` applied: each `(position, operation, token)` inserts a token of
/// `tokens`, deletes up to four bytes, or replaces them with a token.
#[allow(dead_code)]
fn edit(text: &str, edits: &[(usize, u8, usize)], tokens: &[&str]) -> String {
    let mut t = text.to_string();
    for &(at, op, tok) in edits {
        let mut pos = at % (t.len() + 1);
        while !t.is_char_boundary(pos) {
            pos -= 1;
        }
        let mut end = (pos + 1 + tok % 4).min(t.len());
        while !t.is_char_boundary(end) {
            end += 1;
        }
        let token = tokens[tok % tokens.len()];
        match op % 3 {
            0 => t.insert_str(pos, token),
            1 => t.replace_range(pos..end, ""),
            _ => t.replace_range(pos..end, token),
        }
    }
    t
}
