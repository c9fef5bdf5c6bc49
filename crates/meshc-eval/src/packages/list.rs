//! `list`: building, slicing, sorting and summarizing lists.

use super::Cx;
use crate::arith;
use crate::value::*;
use meshc_syntax::ast::BinOp;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    Ok(match name {
        "Concat" => {
            let lists = cx.list(0)?;
            let mut out = Vec::new();
            for l in lists {
                let K::Vertex(w) = l.k else {
                    return Err(cx.fail("needs a list of lists"));
                };
                let (is_list, items) = cx.ev.items(w);
                if !is_list {
                    return Err(cx.fail("needs a list of lists"));
                }
                for (_, e) in items {
                    out.push(cx.ev.value(e));
                }
            }
            return cx.list_of(out);
        }
        "Contains" => {
            let items = cx.list(0)?;
            let x = cx.arg(1)?;
            let mut found = false;
            for it in &items {
                if same(cx, it, &x)? {
                    found = true;
                    break;
                }
            }
            K::Bool(found)
        }
        "Drop" | "Take" => {
            let items = cx.list(0)?;
            let n = cx.int(1)?;
            let n = usize::try_from(n).map_err(|_| cx.fail("negative count"))?;
            let n = n.min(items.len());
            let out = if name == "Drop" {
                items[n..].to_vec()
            } else {
                items[..n].to_vec()
            };
            return cx.list_of(out);
        }
        "FlattenN" => {
            let v = cx.arg(0)?;
            let depth = cx.int(1)?;
            let mut out = Vec::new();
            flatten(cx, &v, depth, &mut out)?;
            return cx.list_of(out);
        }
        "IsSorted" => {
            let items = cx.concrete_list(0)?;
            let desc = order(cx, 1)?;
            let mut sorted = true;
            for w in items.windows(2) {
                let o = cmp(cx, &w[0], &w[1])?;
                if (!desc && o == std::cmp::Ordering::Greater)
                    || (desc && o == std::cmp::Ordering::Less)
                {
                    sorted = false;
                }
            }
            K::Bool(sorted)
        }
        "IsSortedStrings" => {
            let s = cx.strs(0)?;
            K::Bool(s.windows(2).all(|w| w[0] <= w[1]))
        }
        "MaxItems" => K::Bool(cx.list(0)?.len() as i64 <= cx.int(1)?),
        "MinItems" => K::Bool(cx.list(0)?.len() as i64 >= cx.int(1)?),
        "Max" | "Min" => {
            let items = cx.nums(0)?;
            let Some(first) = items.first().cloned() else {
                return Err(cx.fail("empty list"));
            };
            let mut acc = first;
            for it in &items[1..] {
                let o = cmp(cx, it, &acc)?;
                if (name == "Max" && o == std::cmp::Ordering::Greater)
                    || (name == "Min" && o == std::cmp::Ordering::Less)
                {
                    acc = it.clone();
                }
            }
            acc.k
        }
        "Sum" | "Product" | "Avg" => {
            let items = cx.nums(0)?;
            if items.is_empty() && name == "Avg" {
                return Err(cx.fail("empty list"));
            }
            let op = if name == "Product" {
                BinOp::Mul
            } else {
                BinOp::Add
            };
            let mut acc = Val::new(K::Int(if name == "Product" { 1 } else { 0 }), cx.span);
            for it in &items {
                acc = arith::binary(op, &acc, it, cx.span)
                    .map_err(|d| Val::bottom(d.primary(cx.span, "in this call")))?;
            }
            if name == "Avg" {
                let n = Val::new(K::Int(items.len() as i64), cx.span);
                acc = arith::binary(BinOp::Div, &acc, &n, cx.span)
                    .map_err(|d| Val::bottom(d.primary(cx.span, "in this call")))?;
            }
            acc.k
        }
        "Range" => {
            let (start, limit, step) = (cx.arg(0)?, cx.arg(1)?, cx.arg(2)?);
            let span = cx.span;
            let mut out = Vec::new();
            match (&start.k, &limit.k, &step.k) {
                (K::Int(a), K::Int(b), K::Int(s)) => {
                    if *s == 0 {
                        return Err(cx.fail("step must be non-zero"));
                    }
                    let mut i = *a;
                    while (*s > 0 && i < *b) || (*s < 0 && i > *b) {
                        if out.len() >= 1_000_000 {
                            return Err(cx.fail("more than 1,000,000 elements"));
                        }
                        out.push(Val::new(K::Int(i), span));
                        i = match i.checked_add(*s) {
                            Some(n) => n,
                            None => break,
                        };
                    }
                }
                _ => {
                    let (a, b, s) = (cx.dec(0)?, cx.dec(1)?, cx.dec(2)?);
                    if s.is_zero() {
                        return Err(cx.fail("step must be non-zero"));
                    }
                    let mut i = a;
                    let up = s.is_sign_positive();
                    while (up && i < b) || (!up && i > b) {
                        if out.len() >= 1_000_000 {
                            return Err(cx.fail("more than 1,000,000 elements"));
                        }
                        out.push(Val::new(K::Float(i), span));
                        i = match i.checked_add(s) {
                            Some(n) => n,
                            None => break,
                        };
                    }
                }
            }
            return cx.list_of(out);
        }
        "Repeat" => {
            let items = cx.list(0)?;
            let n = cx.int(1)?;
            let n = usize::try_from(n).map_err(|_| cx.fail("negative count"))?;
            if items.len().saturating_mul(n) > 1_000_000 {
                return Err(cx.fail("more than 1,000,000 elements"));
            }
            let mut out = Vec::with_capacity(items.len() * n);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            return cx.list_of(out);
        }
        "Reverse" => {
            let mut items = cx.list(0)?;
            items.reverse();
            return cx.list_of(items);
        }
        "Slice" => {
            let items = cx.list(0)?;
            let (i, j) = (cx.int(1)?, cx.int(2)?);
            let n = items.len() as i64;
            if i < 0 || j < i || j > n {
                return Err(cx.fail(format!("invalid slice {i}:{j} of a list of {n}")));
            }
            return cx.list_of(items[i as usize..j as usize].to_vec());
        }
        "Sort" | "SortStable" => {
            let mut items = cx.concrete_list(0)?;
            let desc = order(cx, 1)?;
            let mut err = None;
            items.sort_by(|a, b| match compare(a, b) {
                Some(o) if desc => o.reverse(),
                Some(o) => o,
                None => {
                    err.get_or_insert(());
                    std::cmp::Ordering::Equal
                }
            });
            if err.is_some() {
                return Err(cx.fail("the elements cannot be compared with each other"));
            }
            return cx.list_of(items);
        }
        "SortStrings" => {
            let mut s = cx.strs(0)?;
            s.sort();
            return cx.strings_of(s.iter().map(|x| x.to_string()).collect());
        }
        "UniqueItems" => {
            let items = cx.list(0)?;
            let mut unique = true;
            'outer: for (i, a) in items.iter().enumerate() {
                for b in &items[i + 1..] {
                    if same(cx, a, b)? {
                        unique = false;
                        break 'outer;
                    }
                }
            }
            K::Bool(unique)
        }
        _ => return Err(cx.fail("no such function")),
    })
}

/// `list.Ascending` (false) or `list.Descending` (true), the comparators msh supports.
fn order(cx: &Cx<'_, '_>, i: usize) -> Result<bool, Val> {
    match &cx.arg(i)?.k {
        K::Str(s) if s.as_ref() == "\u{0}list.Ascending" => Ok(false),
        K::Str(s) if s.as_ref() == "\u{0}list.Descending" => Ok(true),
        _ => Err(cx.fail("the comparator must be list.Ascending or list.Descending")),
    }
}

fn cmp(cx: &Cx<'_, '_>, a: &Val, b: &Val) -> Result<std::cmp::Ordering, Val> {
    compare(a, b).ok_or_else(|| cx.fail(format!("{a} and {b} cannot be compared")))
}

/// Whether two values are equal (structs and lists by their plain data).
fn same(cx: &mut Cx<'_, '_>, a: &Val, b: &Val) -> Result<bool, Val> {
    if matches!(a.k, K::Vertex(_)) || matches!(b.k, K::Vertex(_)) {
        return Ok(cx.plain(a, 0)? == cx.plain(b, 0)?);
    }
    Ok(equal(a, b) && a.kinds() == b.kinds())
}

fn flatten(cx: &mut Cx<'_, '_>, v: &Val, depth: i64, out: &mut Vec<Val>) -> Result<(), Val> {
    let K::Vertex(w) = v.k else {
        return Err(cx.fail("needs a list"));
    };
    let (_, items) = cx.ev.items(w);
    for (_, e) in items {
        let x = cx.ev.value(e).default_value();
        let nested = match x.k {
            K::Vertex(xw) => cx.ev.items(xw).0,
            _ => false,
        };
        if nested && depth != 0 {
            flatten(cx, &x, depth - 1, out)?;
        } else {
            out.push(x);
        }
    }
    Ok(())
}
