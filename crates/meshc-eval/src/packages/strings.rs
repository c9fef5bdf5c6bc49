//! `strings`: Go's strings functions as CUE has them (indexes are byte offsets, as in Go).

use super::Cx;
use crate::value::*;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    if name == "Join" {
        let parts = cx.strs(0)?;
        let sep = cx.str(1)?;
        let joined = parts
            .iter()
            .map(|s| s.as_ref())
            .collect::<Vec<_>>()
            .join(&sep);
        return cx.string(joined);
    }
    let s = cx.str(0)?;
    let s: &str = &s;
    Ok(match name {
        "ByteAt" => {
            let i = cx.int(1)?;
            match usize::try_from(i).ok().and_then(|i| s.as_bytes().get(i)) {
                Some(b) => K::Int(*b as i64),
                None => return Err(cx.fail(format!("index {i} out of range"))),
            }
        }
        "Compare" => K::Int(match s.cmp(&*cx.str(1)?) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "Contains" => K::Bool(s.contains(&*cx.str(1)?)),
        "ContainsAny" => {
            let chars = cx.str(1)?;
            K::Bool(s.chars().any(|c| chars.contains(c)))
        }
        "Count" => {
            let sub = cx.str(1)?;
            K::Int(if sub.is_empty() {
                s.chars().count() as i64 + 1
            } else {
                s.matches(&*sub).count() as i64
            })
        }
        "EqualFold" => K::Bool(s.to_lowercase() == cx.str(1)?.to_lowercase()),
        "Fields" => return cx.strings_of(s.split_whitespace().map(String::from).collect()),
        "HasPrefix" => K::Bool(s.starts_with(&*cx.str(1)?)),
        "HasSuffix" => K::Bool(s.ends_with(&*cx.str(1)?)),
        "Index" => K::Int(s.find(&*cx.str(1)?).map_or(-1, |i| i as i64)),
        "IndexAny" => {
            let chars = cx.str(1)?;
            K::Int(s.find(|c| chars.contains(c)).map_or(-1, |i| i as i64))
        }
        "LastIndex" => K::Int(s.rfind(&*cx.str(1)?).map_or(-1, |i| i as i64)),
        "LastIndexAny" => {
            let chars = cx.str(1)?;
            K::Int(s.rfind(|c| chars.contains(c)).map_or(-1, |i| i as i64))
        }
        "MaxRunes" => K::Bool(s.chars().count() as i64 <= cx.int(1)?),
        "MinRunes" => K::Bool(s.chars().count() as i64 >= cx.int(1)?),
        "Repeat" => {
            let n = cx.int(1)?;
            let n = usize::try_from(n).map_err(|_| cx.fail("negative count"))?;
            if s.len().saturating_mul(n) > (64 << 20) {
                return Err(cx.fail("the result is too long"));
            }
            return cx.string(s.repeat(n));
        }
        "Replace" => {
            let (old, new, n) = (cx.str(1)?, cx.str(2)?, cx.int(3)?);
            let out = if n < 0 {
                s.replace(&*old, &new)
            } else {
                s.replacen(&*old, &new, n as usize)
            };
            return cx.string(out);
        }
        "Runes" => {
            let span = cx.span;
            let vals = s
                .chars()
                .map(|c| Val::new(K::Int(c as i64), span))
                .collect();
            return cx.list_of(vals);
        }
        "SliceRunes" => {
            let (a, b) = (cx.int(1)?, cx.int(2)?);
            let n = s.chars().count() as i64;
            if a < 0 || b < a || b > n {
                return Err(cx.fail(format!("invalid slice {a}:{b} of {n} runes")));
            }
            return cx.string(s.chars().skip(a as usize).take((b - a) as usize).collect());
        }
        "Split" | "SplitAfter" => {
            let sep = cx.str(1)?;
            return cx.strings_of(split(s, &sep, -1, name == "SplitAfter"));
        }
        "SplitN" => {
            let (sep, n) = (cx.str(1)?, cx.int(2)?);
            return cx.strings_of(split(s, &sep, n, false));
        }
        "ToCamel" => {
            let mut out = String::new();
            let mut at_start = true;
            for c in s.chars() {
                if at_start {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
                at_start = c.is_whitespace();
            }
            return cx.string(out);
        }
        "Title" => {
            let mut out = String::new();
            let mut at_start = true;
            for c in s.chars() {
                if at_start {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                at_start = !c.is_alphanumeric() && c != '\'' && c != '_';
            }
            return cx.string(out);
        }
        "ToLower" => return cx.string(s.to_lowercase()),
        "ToUpper" | "ToTitle" => return cx.string(s.to_uppercase()),
        "Trim" => {
            let cut = cx.str(1)?;
            return cx.string(s.trim_matches(|c| cut.contains(c)).to_string());
        }
        "TrimLeft" => {
            let cut = cx.str(1)?;
            return cx.string(s.trim_start_matches(|c| cut.contains(c)).to_string());
        }
        "TrimRight" => {
            let cut = cx.str(1)?;
            return cx.string(s.trim_end_matches(|c| cut.contains(c)).to_string());
        }
        "TrimPrefix" => {
            let p = cx.str(1)?;
            return cx.string(s.strip_prefix(&*p).unwrap_or(s).to_string());
        }
        "TrimSuffix" => {
            let p = cx.str(1)?;
            return cx.string(s.strip_suffix(&*p).unwrap_or(s).to_string());
        }
        "TrimSpace" => return cx.string(s.trim().to_string()),
        _ => return Err(cx.fail("no such function")),
    })
}

/// Go's `strings.SplitN` (and `SplitAfterN`): at most `n` parts (all for `n < 0`, none for
/// 0); an empty separator splits into characters.
fn split(s: &str, sep: &str, n: i64, after: bool) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let mut out: Vec<String> = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            if out.len() + 1 == limit {
                out.push(chars[i..].iter().collect());
                return out;
            }
            out.push(c.to_string());
        }
        return out;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while out.len() + 1 < limit {
        match rest.find(sep) {
            Some(i) => {
                let end = if after { i + sep.len() } else { i };
                out.push(rest[..end].to_string());
                rest = &rest[i + sep.len()..];
            }
            None => break,
        }
    }
    out.push(rest.to_string());
    out
}
