//! Arithmetic and comparison of concrete values. Each kind computes within itself; an int
//! scales a quantity, duration or percent, and a percent scales a quantity or a duration.

use crate::value::*;
use meshc_syntax::ast::BinOp;
use meshc_syntax::codes;
use meshc_syntax::lit::{Duration, Quantity};
use meshc_syntax::{Diagnostic, Span};
use std::cmp::Ordering;
use std::rc::Rc;

fn num(v: &Val) -> Option<f64> {
    match v.k {
        K::Int(i) => Some(i as f64),
        K::Float(f) => Some(f),
        _ => None,
    }
}

fn overflow(op: BinOp) -> Diagnostic {
    Diagnostic::error(codes::ARITHMETIC, format!("`{}` overflows", op.symbol()))
}

fn div_zero() -> Diagnostic {
    Diagnostic::error(codes::ARITHMETIC, "division by zero")
}

fn quantity(nanos: Option<i128>, binary: bool, op: BinOp) -> Result<K, Diagnostic> {
    match nanos {
        Some(n) if n.abs() <= 10i128.pow(36) => Ok(K::Quantity(Quantity {
            nanos: n,
            binary,
            minutes: false,
        })),
        _ => Err(overflow(op)),
    }
}

fn scale_q(q: &Quantity, f: f64, op: BinOp) -> Result<K, Diagnostic> {
    match Quantity::from_f64(q.as_f64() * f) {
        Some(r) => Ok(K::Quantity(Quantity {
            binary: q.binary && r.nanos % 1_000_000_000 == 0,
            ..r
        })),
        None => Err(overflow(op)),
    }
}

fn scale_d(d: &Duration, f: f64, op: BinOp) -> Result<K, Diagnostic> {
    let r = (d.0 as f64 * f).round();
    if !r.is_finite() || r.abs() > 1e30 {
        return Err(overflow(op));
    }
    duration(Some(r as i128), op)
}

/// `x + y` or `x - y` (as `op` says), None on overflow.
fn add_sub(x: i128, y: i128, op: BinOp) -> Option<i128> {
    if op == BinOp::Add {
        x.checked_add(y)
    } else {
        x.checked_sub(y)
    }
}

/// A duration result, or an overflow past 64-bit nanoseconds (about 292 years).
fn duration(nanos: Option<i128>, op: BinOp) -> Result<K, Diagnostic> {
    match nanos {
        Some(n) if Duration::fits(n) => Ok(K::Duration(Duration(n))),
        _ => Err(overflow(op).note("a duration is at most 292 years (64-bit nanoseconds)")),
    }
}

/// `a op b` for concrete `a` and `b`. The error is completed with spans by the caller.
pub fn binary(op: BinOp, a: &Val, b: &Val, span: Span) -> Result<Val, Diagnostic> {
    use BinOp::*;
    let bad = || {
        Diagnostic::error(
            codes::KIND_MISMATCH,
            format!(
                "invalid operation {a} {} {b} (kinds {} and {})",
                op.symbol(),
                a.kinds().name(),
                b.kinds().name()
            ),
        )
    };
    let k = match op {
        Eq | Ne => {
            // Structs and lists are compared by the evaluator (`Evaluator::equal`).
            let same = common(a, b)
                .map(|(x, y)| compare(&x, &y) == Some(Ordering::Equal))
                .unwrap_or(false);
            K::Bool(if op == Eq { same } else { !same })
        }
        Lt | Le | Gt | Ge => {
            let (x, y) = common(a, b).ok_or_else(bad)?;
            if matches!(x.k, K::Bool(_) | K::Null) {
                return Err(bad());
            }
            let o = compare(&x, &y).ok_or_else(bad)?;
            K::Bool(match op {
                Lt => o == Ordering::Less,
                Le => o != Ordering::Greater,
                Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            })
        }
        Match | NotMatch => {
            let (K::Str(s), K::Str(re)) = (&a.k, &b.k) else {
                return Err(bad());
            };
            let m = regex_match(re, s).map_err(|e| {
                Diagnostic::error(codes::BAD_REGEX, format!("invalid regular expression: {e}"))
            })?;
            K::Bool(if op == Match { m } else { !m })
        }
        And | Or => unreachable!("handled by the evaluator"),
        Add | Sub => match (&a.k, &b.k) {
            (K::Int(x), K::Int(y)) => K::Int(
                if op == Add {
                    x.checked_add(*y)
                } else {
                    x.checked_sub(*y)
                }
                .ok_or_else(|| overflow(op))?,
            ),
            (K::Str(x), K::Str(y)) if op == Add => K::Str(Rc::from(format!("{x}{y}").as_str())),
            (K::Percent(x), K::Percent(y)) => K::Percent(decimal_op(op, *x, *y)),
            (K::Duration(x), K::Duration(y)) => duration(add_sub(x.0, y.0, op), op)?,
            _ => {
                if let (Some(x), Some(y)) = (num(a), num(b)) {
                    K::Float(decimal_op(op, x, y))
                } else if let Some((x, y)) = common(a, b) {
                    match (&x.k, &y.k) {
                        (K::Quantity(p), K::Quantity(q)) => {
                            quantity(add_sub(p.nanos, q.nanos, op), p.binary && q.binary, op)?
                        }
                        (K::Duration(p), K::Duration(q)) => duration(add_sub(p.0, q.0, op), op)?,
                        _ => return Err(bad()),
                    }
                } else {
                    return Err(bad());
                }
            }
        },
        Mul => match (&a.k, &b.k) {
            (K::Int(x), K::Int(y)) => K::Int(x.checked_mul(*y).ok_or_else(|| overflow(op))?),
            (K::Quantity(q), K::Int(i)) | (K::Int(i), K::Quantity(q)) => {
                quantity(q.nanos.checked_mul(*i as i128), q.binary, op)?
            }
            (K::Quantity(q), K::Float(f)) | (K::Float(f), K::Quantity(q)) => scale_q(q, *f, op)?,
            (K::Quantity(q), K::Percent(p)) | (K::Percent(p), K::Quantity(q)) => {
                scale_q(q, p / 100.0, op)?
            }
            (K::Duration(d), K::Int(i)) | (K::Int(i), K::Duration(d)) => {
                duration(d.0.checked_mul(*i as i128), op)?
            }
            (K::Duration(d), K::Float(f)) | (K::Float(f), K::Duration(d)) => scale_d(d, *f, op)?,
            (K::Duration(d), K::Percent(p)) | (K::Percent(p), K::Duration(d)) => {
                scale_d(d, p / 100.0, op)?
            }
            (K::Percent(p), K::Int(_) | K::Float(_)) => {
                K::Percent(decimal_op(op, *p, num(b).unwrap_or(0.0)))
            }
            (K::Int(_) | K::Float(_), K::Percent(p)) => {
                K::Percent(decimal_op(op, *p, num(a).unwrap_or(0.0)))
            }
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => K::Float(decimal_op(op, x, y)),
                _ => return Err(bad()),
            },
        },
        Div => {
            let zero = match &b.k {
                K::Int(0) => true,
                K::Float(f) => *f == 0.0,
                K::Quantity(q) => q.nanos == 0,
                K::Duration(d) => d.0 == 0,
                K::Percent(p) => *p == 0.0,
                _ => false,
            };
            if zero {
                return Err(div_zero());
            }
            match (&a.k, &b.k) {
                (K::Quantity(q), K::Int(_) | K::Float(_)) => {
                    scale_q(q, 1.0 / num(b).unwrap_or(1.0), op)?
                }
                (K::Quantity(p), K::Quantity(q)) => K::Float(p.nanos as f64 / q.nanos as f64),
                (K::Duration(d), K::Int(_) | K::Float(_)) => {
                    scale_d(d, 1.0 / num(b).unwrap_or(1.0), op)?
                }
                (K::Duration(p), K::Duration(q)) => K::Float(p.0 as f64 / q.0 as f64),
                (K::Percent(p), K::Int(_) | K::Float(_)) => K::Percent(p / num(b).unwrap_or(1.0)),
                (K::Percent(p), K::Percent(q)) => K::Float(p / q),
                _ => match (num(a), num(b)) {
                    (Some(x), Some(y)) => K::Float(x / y),
                    _ => return Err(bad()),
                },
            }
        }
    };
    if let K::Float(f) | K::Percent(f) = k {
        if !f.is_finite() {
            return Err(overflow(op));
        }
    }
    Ok(Val::new(k, span))
}

/// `x op y` (`+`, `-`, `*`) computed on the decimals that `x` and `y` print as, then rounded
/// once to the nearest binary64: `123.45 - 987.65` is `-864.2`, as in decimal arithmetic,
/// where binary floating point gives `-864.1999999999999`. Every binary64 prints as at most 17
/// significant digits, so the exact sum or product fits in an i128; operands too far apart in
/// magnitude for that (where the smaller is below the result's precision anyway), and other
/// operators, use binary arithmetic.
pub(crate) fn decimal_op(op: BinOp, x: f64, y: f64) -> f64 {
    let binary = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        _ => return f64::NAN,
    };
    let (Some((p, e)), Some((q, f))) = (decimal_of(x), decimal_of(y)) else {
        return binary;
    };
    let exact = match op {
        BinOp::Mul => p.checked_mul(q).map(|c| (c, e + f)),
        _ => {
            let q = if op == BinOp::Sub { -q } else { q };
            let lo = e.min(f);
            let scale = |c: i128, x: i32| {
                u32::try_from(x - lo)
                    .ok()
                    .filter(|&d| d <= 20)
                    .and_then(|d| c.checked_mul(10i128.pow(d)))
            };
            match (scale(p, e), scale(q, f)) {
                (Some(a), Some(b)) => a.checked_add(b).map(|c| (c, lo)),
                _ => None,
            }
        }
    };
    match exact {
        Some((c, e)) => format!("{c}e{e}").parse().unwrap_or(binary),
        None => binary,
    }
}

/// The shortest decimal that reads back as `x`: its digits and exponent (`123.45` is
/// `(12345, -2)`).
fn decimal_of(x: f64) -> Option<(i128, i32)> {
    if !x.is_finite() {
        return None;
    }
    let s = format!("{x:e}");
    let (mant, exp) = s.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let coef: i128 = format!("{int}{frac}").parse().ok()?;
    Some((coef, exp - frac.len() as i32))
}
