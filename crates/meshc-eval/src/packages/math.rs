//! `math`: rounding, powers, logarithms, trigonometry and `MultipleOf`.

use super::Cx;
use crate::value::*;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    // Rounding keeps an int an int; a float rounds to an int when it fits.
    if matches!(
        name,
        "Ceil" | "Floor" | "Round" | "RoundToEven" | "Trunc" | "Abs"
    ) {
        if let K::Int(i) = cx.arg(0)?.k {
            return Ok(K::Int(if name == "Abs" {
                i.checked_abs().ok_or_else(|| cx.fail("overflow"))?
            } else {
                i
            }));
        }
        use meshc_syntax::lit::RoundingStrategy as R;
        use meshc_syntax::lit::ToPrimitive;
        let x = cx.dec(0)?;
        let r = match name {
            "Ceil" => x.ceil(),
            "Floor" => x.floor(),
            "Round" => x.round_dp_with_strategy(0, R::MidpointAwayFromZero),
            "RoundToEven" => x.round_dp_with_strategy(0, R::MidpointNearestEven),
            "Trunc" => x.trunc(),
            _ => return Ok(K::Float(x.abs())),
        };
        return Ok(match r.to_i64() {
            Some(i) => K::Int(i),
            None => K::Float(r),
        });
    }
    if name == "MultipleOf" {
        return Ok(K::Bool(match (cx.arg(0)?.k, cx.arg(1)?.k) {
            (K::Int(a), K::Int(b)) => {
                if b == 0 {
                    return Err(cx.fail("division by zero"));
                }
                a % b == 0
            }
            _ => {
                let (a, b) = (cx.dec(0)?, cx.dec(1)?);
                if b.is_zero() {
                    return Err(cx.fail("division by zero"));
                }
                a.checked_rem(b).is_some_and(|r| r.is_zero())
            }
        }));
    }
    if name == "Signbit" {
        return Ok(K::Bool(cx.num(0)?.is_sign_negative()));
    }
    if name == "Pow10" {
        let n = cx.int(0)?;
        if (0..=18).contains(&n) {
            return Ok(K::Int(10i64.pow(n as u32)));
        }
        return cx.number(10f64.powi(n.clamp(-400, 400) as i32));
    }
    if name == "Pow" {
        if let (K::Int(a), K::Int(b)) = (cx.arg(0)?.k, cx.arg(1)?.k) {
            if let Some(r) = u32::try_from(b).ok().and_then(|b| a.checked_pow(b)) {
                return Ok(K::Int(r));
            }
        }
        return cx.number(cx.num(0)?.powf(cx.num(1)?));
    }
    let x = cx.num(0)?;
    let r = match name {
        "Acos" => x.acos(),
        "Asin" => x.asin(),
        "Atan" => x.atan(),
        "Atan2" => x.atan2(cx.num(1)?),
        "Cbrt" => x.cbrt(),
        "Cos" => x.cos(),
        "Exp" => x.exp(),
        "Exp2" => x.exp2(),
        "Hypot" => x.hypot(cx.num(1)?),
        "Log" => x.ln(),
        "Log10" => x.log10(),
        "Log2" => x.log2(),
        "Sin" => x.sin(),
        "Sqrt" => {
            if x < 0.0 {
                return Err(cx.fail("square root of a negative number"));
            }
            x.sqrt()
        }
        "Tan" => x.tan(),
        _ => return Err(cx.fail("no such function")),
    };
    cx.number(r)
}
