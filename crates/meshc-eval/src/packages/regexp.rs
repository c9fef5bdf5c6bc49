//! `regexp`: RE2 regular expressions (matched in linear time), finding and replacing.

use super::Cx;
use crate::value::*;
use std::rc::Rc;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    if name == "QuoteMeta" {
        return cx.string(regex_lite::escape(&cx.str(0)?));
    }
    let pattern = cx.str(0)?;
    let re = regex_lite::Regex::new(&pattern);
    if name == "Valid" {
        return Ok(K::Bool(re.is_ok()));
    }
    let re = re.map_err(|e| cx.fail(format!("invalid regular expression: {e}")))?;
    let s = cx.str(1)?;
    let s: &str = &s;
    let limit = |cx: &Cx<'_, '_>| -> Result<usize, Val> {
        let n = cx.int(2)?;
        Ok(if n < 0 { usize::MAX } else { n as usize })
    };
    let no_match = |cx: &Cx<'_, '_>| cx.fail("no match");
    Ok(match name {
        "Match" => K::Bool(re.is_match(s)),
        "Find" => match re.find(s) {
            Some(m) => return cx.string(m.as_str().to_string()),
            None => return Err(no_match(cx)),
        },
        "FindAll" => {
            let n = limit(cx)?;
            let found: Vec<String> = re
                .find_iter(s)
                .take(n)
                .map(|m| m.as_str().to_string())
                .collect();
            if found.is_empty() {
                return Err(no_match(cx));
            }
            return cx.strings_of(found);
        }
        "FindSubmatch" => {
            let caps = re.captures(s).ok_or_else(|| no_match(cx))?;
            let groups = caps
                .iter()
                .map(|g| g.map_or(String::new(), |m| m.as_str().to_string()))
                .collect();
            return cx.strings_of(groups);
        }
        "FindAllSubmatch" => {
            let n = limit(cx)?;
            let all: Vec<Vec<String>> = re
                .captures_iter(s)
                .take(n)
                .map(|c| {
                    c.iter()
                        .map(|g| g.map_or(String::new(), |m| m.as_str().to_string()))
                        .collect()
                })
                .collect();
            if all.is_empty() {
                return Err(no_match(cx));
            }
            let mut lists = Vec::new();
            for groups in all {
                let l = cx.strings_of(groups)?;
                lists.push(Val::new(l, cx.span));
            }
            return cx.list_of(lists);
        }
        "FindNamedSubmatch" => {
            let caps = re.captures(s).ok_or_else(|| no_match(cx))?;
            return named(cx, &re, &caps);
        }
        "FindAllNamedSubmatch" => {
            let n = limit(cx)?;
            let all: Vec<regex_lite::Captures> = re.captures_iter(s).take(n).collect();
            if all.is_empty() {
                return Err(no_match(cx));
            }
            let mut out = Vec::new();
            for caps in &all {
                let k = named(cx, &re, caps)?;
                out.push(Val::new(k, cx.span));
            }
            return cx.list_of(out);
        }
        "ReplaceAll" => {
            let repl = cx.str(2)?;
            return cx.string(re.replace_all(s, repl.as_ref()).into_owned());
        }
        "ReplaceAllLiteral" => {
            let repl = cx.str(2)?;
            return cx.string(re.replace_all(s, regex_lite::NoExpand(&repl)).into_owned());
        }
        _ => return Err(cx.fail("no such function")),
    })
}

/// The named groups of a match, as a struct (a group that did not take part is `""`).
fn named(
    cx: &mut Cx<'_, '_>,
    re: &regex_lite::Regex,
    caps: &regex_lite::Captures,
) -> Result<K, Val> {
    let span = cx.span;
    let fields: Vec<(String, Val)> = re
        .capture_names()
        .flatten()
        .map(|n| {
            let text = caps.name(n).map_or("", |m| m.as_str());
            (n.to_string(), Val::new(K::Str(Rc::from(text)), span))
        })
        .collect();
    Ok(cx.ev.struct_of(fields, span).k)
}
