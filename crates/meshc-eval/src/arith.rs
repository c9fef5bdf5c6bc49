//! Arithmetic and comparison of concrete values. Each kind computes within itself; an int
//! scales a quantity, duration or percent, and a percent scales a quantity or a duration.

use crate::value::*;
use meshc_syntax::ast::BinOp;
use meshc_syntax::codes;
use meshc_syntax::lit::{Decimal, Duration, Quantity};
use meshc_syntax::{Diagnostic, Span};
use std::cmp::Ordering;
use std::rc::Rc;

fn num(v: &Val) -> Option<Decimal> {
    match v.k {
        K::Int(i) => Some(Decimal::from(i)),
        K::Float(f) => Some(f),
        _ => None,
    }
}

/// `x op y` on decimals, exact for `+ - *` within 28 significant digits (`123.45 - 987.65` is
/// `-864.20`), rounded to 28 for `/`; an error past the range of a decimal.
fn dop(op: BinOp, x: Decimal, y: Decimal) -> Result<Decimal, Diagnostic> {
    let r = match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::Div => x.checked_div(y),
        _ => None,
    };
    // A result past 28 significant digits (a product of a rounded quotient) is rounded to 28,
    // as CUE rounds every result to its precision: `2.0 / 3 * 6` is 4.0.
    r.map(|d| {
        if d.mantissa().unsigned_abs() >= 10u128.pow(28) {
            d.round_sf(28).unwrap_or(d)
        } else {
            d
        }
    })
    .ok_or_else(|| overflow(op).note("a float is an exact decimal below 7.9e28 in magnitude"))
}

/// A count of billionths as a decimal (of units, or of seconds).
fn billionths(n: i128, op: BinOp) -> Result<Decimal, Diagnostic> {
    Decimal::try_from_i128_with_scale(n, 9).map_err(|_| overflow(op))
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

fn scale_q(q: &Quantity, f: Decimal, op: BinOp) -> Result<K, Diagnostic> {
    let v = dop(BinOp::Mul, billionths(q.nanos, op)?, f)?;
    match Quantity::from_decimal(v) {
        Some(r) => Ok(K::Quantity(Quantity {
            binary: q.binary && r.nanos % 1_000_000_000 == 0,
            ..r
        })),
        None => Err(overflow(op)),
    }
}

fn scale_d(d: &Duration, f: Decimal, op: BinOp) -> Result<K, Diagnostic> {
    let v = dop(BinOp::Mul, billionths(d.0, op)?, f)?;
    duration(Quantity::from_decimal(v).map(|q| q.nanos), op)
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
            (K::Percent(x), K::Percent(y)) => K::Percent(dop(op, *x, *y)?),
            (K::Duration(x), K::Duration(y)) => duration(add_sub(x.0, y.0, op), op)?,
            _ => {
                if let (Some(x), Some(y)) = (num(a), num(b)) {
                    K::Float(dop(op, x, y)?)
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
                scale_q(q, dop(BinOp::Div, *p, Decimal::ONE_HUNDRED)?, op)?
            }
            (K::Duration(d), K::Int(i)) | (K::Int(i), K::Duration(d)) => {
                duration(d.0.checked_mul(*i as i128), op)?
            }
            (K::Duration(d), K::Float(f)) | (K::Float(f), K::Duration(d)) => scale_d(d, *f, op)?,
            (K::Duration(d), K::Percent(p)) | (K::Percent(p), K::Duration(d)) => {
                scale_d(d, dop(BinOp::Div, *p, Decimal::ONE_HUNDRED)?, op)?
            }
            (K::Percent(p), K::Int(_) | K::Float(_)) => {
                K::Percent(dop(op, *p, num(b).unwrap_or_default())?)
            }
            (K::Int(_) | K::Float(_), K::Percent(p)) => {
                K::Percent(dop(op, *p, num(a).unwrap_or_default())?)
            }
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => K::Float(dop(op, x, y)?),
                _ => return Err(bad()),
            },
        },
        Div => {
            let zero = match &b.k {
                K::Int(0) => true,
                K::Float(f) => f.is_zero(),
                K::Quantity(q) => q.nanos == 0,
                K::Duration(d) => d.0 == 0,
                K::Percent(p) => p.is_zero(),
                _ => false,
            };
            if zero {
                return Err(div_zero());
            }
            match (&a.k, &b.k) {
                (K::Quantity(q), K::Int(_) | K::Float(_)) => {
                    let v = dop(op, billionths(q.nanos, op)?, num(b).unwrap_or(Decimal::ONE))?;
                    let r = Quantity::from_decimal(v).ok_or_else(|| overflow(op))?;
                    K::Quantity(Quantity {
                        binary: q.binary && r.nanos % 1_000_000_000 == 0,
                        ..r
                    })
                }
                (K::Quantity(p), K::Quantity(q)) => {
                    K::Float(dop(op, billionths(p.nanos, op)?, billionths(q.nanos, op)?)?)
                }
                (K::Duration(d), K::Int(_) | K::Float(_)) => {
                    let v = dop(op, billionths(d.0, op)?, num(b).unwrap_or(Decimal::ONE))?;
                    duration(Quantity::from_decimal(v).map(|q| q.nanos), op)?
                }
                (K::Duration(p), K::Duration(q)) => {
                    K::Float(dop(op, billionths(p.0, op)?, billionths(q.0, op)?)?)
                }
                (K::Percent(p), K::Int(_) | K::Float(_)) => {
                    K::Percent(dop(op, *p, num(b).unwrap_or(Decimal::ONE))?)
                }
                (K::Percent(p), K::Percent(q)) => K::Float(dop(op, *p, *q)?),
                _ => match (num(a), num(b)) {
                    (Some(x), Some(y)) => K::Float(dop(op, x, y)?),
                    _ => return Err(bad()),
                },
            }
        }
    };
    Ok(Val::new(k, span))
}
