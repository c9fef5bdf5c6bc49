//! The builtin functions: len, min, max, sum, lower, upper, contains, join, ceil, floor,
//! and, in checks, warn and error.

use crate::arith;
use crate::eval::{to_text, EnvId, Evaluator};
use crate::value::*;
use meshc_syntax::ast::{BinOp, Expr, Ident};
use meshc_syntax::codes;
use meshc_syntax::{Diagnostic, Severity, Span};
use std::rc::Rc;

/// The names of the builtin functions (`len(x)`, `join(xs, sep)`, `warn(msg)`, …).
pub const NAMES: &[&str] = &[
    "len", "min", "max", "sum", "lower", "upper", "contains", "join", "ceil", "floor", "div",
    "mod", "quo", "rem", "and", "or", "close", "matchN", "matchIf", "warn", "error",
];

fn err(name: &Ident, msg: String) -> Val {
    Val::bottom(
        Diagnostic::error(codes::BAD_CALL, format!("{}: {msg}", name.name))
            .primary(name.span, "in this call"),
    )
}

fn arity(name: &Ident, args: &[Expr], n: std::ops::RangeInclusive<usize>) -> Option<Val> {
    if n.contains(&args.len()) {
        None
    } else {
        let want = if n.start() == n.end() {
            format!("{}", n.start())
        } else {
            format!("{} to {}", n.start(), n.end())
        };
        Some(err(
            name,
            format!("takes {want} argument(s), got {}", args.len()),
        ))
    }
}

/// `pkg.Func(args)`: a function of an imported standard package, or a validator when a
/// function returning a bool is given every argument but the first.
fn package_call<'a>(
    ev: &mut Evaluator<'a>,
    name: &'a Ident,
    (alias, func): (&str, &str),
    args: &'a [Expr],
    env: EnvId,
    span: Span,
) -> Val {
    let Some(pkg) = ev.builtin_import(name.span.file, alias) else {
        let mut d = Diagnostic::error(
            codes::BAD_CALL,
            format!("`{alias}` is not an imported package"),
        )
        .primary(name.span, "not a package");
        let known: Vec<&str> = crate::packages::PACKAGES
            .iter()
            .filter(|p| p.rsplit('/').next() == Some(alias))
            .copied()
            .collect();
        d = match known.first() {
            Some(p) => d.help(format!("import it: `import \"{p}\"`")),
            None => d.help(format!(
                "the standard packages are {}",
                crate::packages::PACKAGES.join(", ")
            )),
        };
        return Val::bottom(d);
    };
    let Some(f) = crate::packages::func(pkg, func) else {
        return Val::bottom(unknown_in_package(pkg, func, name.span));
    };
    let validator = f.validator && args.len() + 1 == f.max;
    if !validator && (args.len() < f.min || args.len() > f.max) {
        let want = if f.min == f.max {
            f.max.to_string()
        } else {
            format!("{} to {}", f.min, f.max)
        };
        return err(
            name,
            format!("takes {want} argument(s), got {}", args.len()),
        );
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        let v = ev.eval_expr(a, env);
        if let K::Bottom(_) = v.k {
            return v;
        }
        vals.push(v);
    }
    if validator {
        return crate::packages::validator(f, vals, span);
    }
    crate::packages::call(ev, f.pkg, f.name, vals, span)
}

/// `pkg.name` where the package has no such function or constant.
pub(crate) fn unknown_in_package(pkg: &str, name: &str, span: Span) -> Diagnostic {
    let short = pkg.rsplit('/').next().unwrap_or(pkg);
    let names = crate::packages::names(pkg);
    let mut d = Diagnostic::error(codes::BAD_CALL, format!("package {pkg} has no `{name}`"))
        .primary(span, format!("not in {short}"));
    if let Some(s) = crate::did_you_mean(name, names.iter().copied()) {
        d = d.help(format!("did you mean `{short}.{s}`?"));
    }
    d
}

pub(crate) fn call<'a>(
    ev: &mut Evaluator<'a>,
    name: &'a Ident,
    args: &'a [Expr],
    env: EnvId,
    span: Span,
) -> Val {
    if let Some((alias, func)) = name.name.split_once('.') {
        return package_call(ev, name, (alias, func), args, env, span);
    }
    if let Some(f) = match name.name.as_str() {
        "matchN" => Some(&crate::packages::MATCH_N),
        "matchIf" => Some(&crate::packages::MATCH_IF),
        _ => None,
    } {
        if let Some(e) = arity(name, args, f.max - 1..=f.max - 1) {
            return e;
        }
        let vals = args.iter().map(|a| ev.eval_expr(a, env)).collect();
        return crate::packages::validator(f, vals, span);
    }
    let range = match name.name.as_str() {
        "len" | "lower" | "upper" | "sum" | "ceil" | "floor" | "warn" | "error" => 1..=1,
        "contains" | "div" | "mod" | "quo" | "rem" => 2..=2,
        "join" => 1..=2,
        "min" | "max" => 1..=usize::MAX,
        other => {
            let mut d = Diagnostic::error(codes::BAD_CALL, format!("unknown function `{other}`"))
                .primary(name.span, "not a builtin");
            if let Some(s) = crate::did_you_mean(other, NAMES.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else {
                d = d.help(format!("the builtins are {}", NAMES.join(", ")));
            }
            return Val::bottom(d);
        }
    };
    if let Some(e) = arity(name, args, range) {
        return e;
    }
    let mut vals = Vec::new();
    for a in args {
        match ev.concrete(a, env) {
            Ok(v) => vals.push(v),
            Err(v) => return v,
        }
    }
    let n = name.name.as_str();
    // Functions over a list: a single list argument, or (min, max) several arguments.
    let list_items = |ev: &mut Evaluator<'a>, v: &Val| -> Option<Vec<Val>> {
        let K::Vertex(w) = v.k else { return None };
        let (is_list, items) = ev.items(w);
        if !is_list {
            return None;
        }
        Some(
            items
                .into_iter()
                .map(|(_, e)| ev.value(e).default_value())
                .collect(),
        )
    };
    match n {
        "len" => match &vals[0].k {
            K::Str(s) => Val::new(K::Int(s.chars().count() as i64), span),
            K::Vertex(w) => {
                let (_, items) = ev.items(*w);
                Val::new(K::Int(items.len() as i64), span)
            }
            _ => err(
                name,
                format!("needs a string, list or struct, not {}", vals[0]),
            ),
        },
        "lower" | "upper" => match &vals[0].k {
            K::Str(s) => Val::new(
                K::Str(Rc::from(
                    if n == "lower" {
                        s.to_lowercase()
                    } else {
                        s.to_uppercase()
                    }
                    .as_str(),
                )),
                span,
            ),
            _ => err(name, format!("needs a string, not {}", vals[0])),
        },
        "ceil" | "floor" => {
            use meshc_syntax::lit::ToPrimitive;
            let f = match &vals[0].k {
                K::Int(i) => return Val::new(K::Int(*i), span),
                K::Float(f) => Some(*f),
                K::Percent(p) => p.checked_div(meshc_syntax::lit::Decimal::ONE_HUNDRED),
                K::Quantity(q) => q.as_decimal(),
                _ => return err(name, format!("needs a number, not {}", vals[0])),
            };
            let r = f.map(|f| if n == "ceil" { f.ceil() } else { f.floor() });
            match r.and_then(|r| r.to_i64()) {
                Some(i) => Val::new(K::Int(i), span),
                None => err(name, "result does not fit in an int".into()),
            }
        }
        "div" | "mod" | "quo" | "rem" => {
            let (K::Int(x), K::Int(y)) = (&vals[0].k, &vals[1].k) else {
                return err(
                    name,
                    format!("needs two ints, not {} and {}", vals[0], vals[1]),
                );
            };
            if *y == 0 {
                return Val::bottom(
                    Diagnostic::error(codes::ARITHMETIC, format!("{n}: division by zero"))
                        .primary(args[1].span, "this divisor is 0"),
                );
            }
            // div and mod are Euclidean (the remainder is never negative), quo and rem
            // truncate toward zero: Go's big.Int semantics, as in CUE.
            let r = match n {
                "div" => x.checked_div_euclid(*y),
                "mod" => x.checked_rem_euclid(*y),
                "quo" => x.checked_div(*y),
                _ => x.checked_rem(*y),
            };
            match r {
                Some(r) => Val::new(K::Int(r), span),
                None => Val::bottom(
                    Diagnostic::error(
                        codes::ARITHMETIC,
                        format!("{n}: the result overflows an int"),
                    )
                    .primary(span, "in this call"),
                ),
            }
        }
        "warn" | "error" => match &vals[0].k {
            K::Str(s) => Val::new(
                K::Finding(
                    if n == "warn" {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    s.clone(),
                ),
                span,
            ),
            _ => err(name, format!("needs a message string, not {}", vals[0])),
        },
        "contains" => match (&vals[0].k, &vals[1].k) {
            (K::Str(s), K::Str(sub)) => Val::new(K::Bool(s.contains(sub.as_ref())), span),
            (K::Vertex(_), _) => match list_items(ev, &vals[0]) {
                Some(items) => Val::new(K::Bool(items.iter().any(|x| equal(x, &vals[1]))), span),
                None => err(name, "needs a list or a string".into()),
            },
            _ => err(name, "needs a list or a string".into()),
        },
        "join" => {
            let Some(items) = list_items(ev, &vals[0]) else {
                return err(name, "needs a list of strings".into());
            };
            let sep = match vals.get(1).map(|v| &v.k) {
                None => String::new(),
                Some(K::Str(s)) => s.to_string(),
                Some(_) => return err(name, "the separator must be a string".into()),
            };
            let mut parts = Vec::new();
            for it in items {
                match to_text(&it) {
                    Some(t) => parts.push(t),
                    None => return err(name, format!("cannot join {it}")),
                }
            }
            let joined = parts.join(&sep);
            if let Some(e) = ev.account_string(joined.len(), span) {
                return e;
            }
            Val::new(K::Str(Rc::from(joined.as_str())), span)
        }
        "sum" | "min" | "max" => {
            let items = if vals.len() == 1 {
                match list_items(ev, &vals[0]) {
                    Some(i) => i,
                    None if n != "sum" => vals.clone(),
                    None => return err(name, "needs a list".into()),
                }
            } else {
                vals.clone()
            };
            if items.is_empty() {
                return if n == "sum" {
                    Val::new(K::Int(0), span)
                } else {
                    err(name, "needs at least one value".into())
                };
            }
            let mut acc = items[0].clone();
            for it in &items[1..] {
                let r = match n {
                    "sum" => arith::binary(BinOp::Add, &acc, it, span),
                    _ => arith::binary(
                        if n == "min" { BinOp::Lt } else { BinOp::Gt },
                        it,
                        &acc,
                        span,
                    )
                    .map(|b| {
                        if matches!(b.k, K::Bool(true)) {
                            it.clone()
                        } else {
                            acc.clone()
                        }
                    }),
                };
                match r {
                    Ok(v) => acc = v,
                    Err(d) => return Val::bottom(d.primary(span, "in this call")),
                }
            }
            if !acc.is_concrete_scalar() {
                return err(name, format!("cannot compute over {acc}"));
            }
            Val::new(acc.k, span)
        }
        _ => unreachable!(),
    }
}
