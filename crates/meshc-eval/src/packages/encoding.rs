//! `encoding/json`, `encoding/yaml` and `encoding/base64`.

use super::Cx;
use crate::value::*;

pub(super) fn call(cx: &mut Cx<'_, '_>, pkg: &str, name: &str) -> Result<K, Val> {
    match (pkg, name) {
        ("encoding/base64", _) => base64(cx, name),
        (_, "Marshal") => {
            let v = cx.arg(0)?;
            let data = cx.plain(&v, 0)?;
            let text = if pkg == "encoding/json" {
                serde_json::to_string(&data).map_err(|e| cx.fail(e))?
            } else {
                yaml(cx, &data)?
            };
            cx.string(text)
        }
        (_, "MarshalStream") => {
            let items = cx.concrete_list(0)?;
            let mut docs = Vec::new();
            for it in &items {
                let data = cx.plain(it, 0)?;
                docs.push(if pkg == "encoding/json" {
                    serde_json::to_string(&data).map_err(|e| cx.fail(e))? + "\n"
                } else {
                    yaml(cx, &data)?
                });
            }
            let sep = if pkg == "encoding/json" { "" } else { "---\n" };
            cx.string(docs.join(sep))
        }
        (_, "Unmarshal") => {
            let data = parse(cx, pkg)?;
            Ok(cx.value_of_plain(&data).k)
        }
        ("encoding/json", "Valid") => {
            let s = cx.str(0)?;
            Ok(K::Bool(
                serde_json::from_str::<serde_json::Value>(&s).is_ok(),
            ))
        }
        (_, "Validate" | "ValidatePartial") => {
            let data = parse(cx, pkg)?;
            let value = cx.value_of_plain(&data);
            let schema = cx.args[1].clone();
            let r = cx.ev.unify(&value, &schema);
            match &r.k {
                K::Bottom(_) => Err(r),
                K::Vertex(w) => match cx.ev.first_error_of(*w) {
                    Some(d) => Err(Val::bottom(d)),
                    None => Ok(K::Bool(true)),
                },
                _ => Ok(K::Bool(true)),
            }
        }
        ("encoding/json", "Compact") => {
            let data = parse(cx, pkg)?;
            let text = serde_json::to_string(&data).map_err(|e| cx.fail(e))?;
            cx.string(text)
        }
        ("encoding/json", "Indent") => {
            let data = parse(cx, pkg)?;
            let (prefix, indent) = (cx.str(1)?, cx.str(2)?);
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            serde::Serialize::serialize(&data, &mut ser).map_err(|e| cx.fail(e))?;
            let text = String::from_utf8(buf).map_err(|e| cx.fail(e))?;
            let text = text.replace('\n', &format!("\n{prefix}"));
            cx.string(text)
        }
        _ => Err(cx.fail("no such function")),
    }
}

fn parse(cx: &Cx<'_, '_>, pkg: &str) -> Result<serde_json::Value, Val> {
    let s = cx.str(0)?;
    if pkg == "encoding/json" {
        return serde_json::from_str(&s).map_err(|e| cx.fail(format!("invalid JSON: {e}")));
    }
    let Some(read) = cx.ev.yaml_reader() else {
        return Err(cx.fail("no YAML reader was given to the evaluator"));
    };
    let mut docs = read(&s).map_err(|e| cx.fail(format!("invalid YAML: {e}")))?;
    match docs.len() {
        0 => Ok(serde_json::Value::Null),
        1 => Ok(docs.remove(0)),
        n => Err(cx.fail(format!("{n} YAML documents where one is expected"))),
    }
}

fn yaml(cx: &Cx<'_, '_>, data: &serde_json::Value) -> Result<String, Val> {
    yaml_serde::to_string(data).map_err(|e| cx.fail(e))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (CUE's `base64.Encode(null, data)`); the first argument
/// must be `null` (the standard encoding).
fn base64(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    if !matches!(cx.arg(0)?.k, K::Null) {
        return Err(cx.fail("the encoding must be null (the standard encoding)"));
    }
    match name {
        "EncodedLen" => Ok(K::Int((cx.int(1)?.max(0) + 2) / 3 * 4)),
        "DecodedLen" => Ok(K::Int(cx.int(1)?.max(0) / 4 * 3)),
        "Encode" => {
            let data = cx.str(1)?;
            let mut out = String::new();
            for chunk in data.as_bytes().chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
                for k in 0..4 {
                    if k <= chunk.len() {
                        out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
                    } else {
                        out.push('=');
                    }
                }
            }
            cx.string(out)
        }
        _ => {
            let text = cx.str(1)?;
            let text = text.trim_end_matches('=');
            let mut bits = 0u32;
            let mut nbits = 0;
            let mut out = Vec::new();
            for c in text.bytes() {
                let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
                    return Err(cx.fail(format!("illegal base64 data: {:?}", c as char)));
                };
                bits = bits << 6 | v as u32;
                nbits += 6;
                if nbits >= 8 {
                    nbits -= 8;
                    out.push((bits >> nbits & 0xff) as u8);
                }
            }
            let s = String::from_utf8(out)
                .map_err(|_| cx.fail("the decoded bytes are not UTF-8 text (msh has no bytes)"))?;
            cx.string(s)
        }
    }
}
