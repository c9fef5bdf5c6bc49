//! `strconv`: numbers and bools to and from text, quoting.

use super::Cx;
use crate::value::*;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    Ok(match name {
        "Atoi" => {
            let s = cx.str(0)?;
            K::Int(
                s.parse()
                    .map_err(|_| cx.fail(format!("invalid syntax: {s:?}")))?,
            )
        }
        "Itoa" => return cx.string(cx.int(0)?.to_string()),
        "FormatBool" => return cx.string(cx.bool(0)?.to_string()),
        "ParseBool" => {
            let s = cx.str(0)?;
            K::Bool(match s.as_ref() {
                "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
                "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
                _ => return Err(cx.fail(format!("invalid syntax: {s:?}"))),
            })
        }
        "FormatInt" => {
            let (n, base) = (cx.int(0)?, cx.int(1)?);
            if !(2..=36).contains(&base) {
                return Err(cx.fail(format!("invalid base {base}")));
            }
            return cx.string(radix(n, base as u32));
        }
        "ParseInt" | "ParseUint" => {
            let s = cx.str(0)?;
            let (base, bits) = (cx.int(1)?, cx.int(2)?);
            let (neg, digits) = match s.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, s.strip_prefix('+').unwrap_or(&s)),
            };
            let (base, digits) = match base {
                0 => {
                    let l = digits.to_ascii_lowercase();
                    if l.starts_with("0x") {
                        (16, &digits[2..])
                    } else if l.starts_with("0b") {
                        (2, &digits[2..])
                    } else if l.starts_with("0o") {
                        (8, &digits[2..])
                    } else if digits.len() > 1 && digits.starts_with('0') {
                        (8, &digits[1..])
                    } else {
                        (10, digits)
                    }
                }
                2..=36 => (base as u32, digits),
                _ => return Err(cx.fail(format!("invalid base {base}"))),
            };
            let digits: String = digits.chars().filter(|&c| c != '_').collect();
            let m = i128::from_str_radix(&digits, base)
                .map_err(|_| cx.fail(format!("invalid syntax: {s:?}")))?;
            let m = if neg { -m } else { m };
            let bits = if bits == 0 { 64 } else { bits.clamp(1, 64) } as u32;
            let (lo, hi) = if name == "ParseUint" {
                (0i128, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            if m < lo || m > hi {
                return Err(cx.fail(format!("value out of range: {s:?}")));
            }
            K::Int(
                i64::try_from(m)
                    .map_err(|_| cx.fail(format!("{s:?} does not fit in a 64-bit int")))?,
            )
        }
        "ParseFloat" => {
            let s = cx.str(0)?;
            return match meshc_syntax::lit::decode_number(s.trim()) {
                Ok(meshc_syntax::lit::Lit::Float(d)) => Ok(K::Float(d)),
                Ok(meshc_syntax::lit::Lit::Int(i)) => Ok(K::Float(i.into())),
                _ => {
                    let x: f64 = s
                        .parse()
                        .map_err(|_| cx.fail(format!("invalid syntax: {s:?}")))?;
                    cx.number(x)
                }
            };
        }
        "FormatFloat" => {
            let x = cx.num(0)?;
            let fmt = cx.int(1)?;
            let prec = cx.int(2)?;
            let out = match (char::from_u32(fmt as u32).unwrap_or('g'), prec) {
                ('f', p) if p >= 0 => format!("{x:.*}", p as usize),
                ('e', p) if p >= 0 => format!("{x:.*e}", p as usize),
                ('f', _) => format!("{x}"),
                ('e', _) => format!("{x:e}"),
                _ => meshc_syntax::lit::format_float(cx.dec(0)?),
            };
            return cx.string(out);
        }
        "Quote" => return cx.string(quote(&cx.str(0)?)),
        "Unquote" => {
            let s = cx.str(0)?;
            let inner = s
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(|| cx.fail(format!("invalid syntax: {s:?}")))?;
            let v: String = serde_json::from_str(&format!("\"{inner}\""))
                .map_err(|_| cx.fail(format!("invalid syntax: {s:?}")))?;
            return cx.string(v);
        }
        _ => return Err(cx.fail("no such function")),
    })
}

fn radix(n: i64, base: u32) -> String {
    let neg = n < 0;
    let mut m = n.unsigned_abs();
    if m == 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    while m > 0 {
        digits.push(std::char::from_digit((m % base as u64) as u32, base).unwrap_or('?'));
        m /= base as u64;
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

/// A Go-quoted string: `"a\"b"`.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
