//! Literal values and the decoding of number literals with units: quantities (`500m`, `256Mi`),
//! durations (`250ms`, `1m30s`) and percents (`70%`).

use std::fmt;

/// An exact decimal number (up to 28 significant digits, magnitude below 7.9e28): msh's
/// floats and percents, as CUE's numbers are decimals (`0.1 + 0.2` is `0.3`).
pub use rust_decimal::prelude::ToPrimitive;
pub use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Clone, Debug, PartialEq)]
/// A literal value as written in msh source.
pub enum Lit {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer: `42`, `1_000`.
    Int(i64),
    /// A number with a fraction or exponent: `1.5`, `1e3`, held as an exact decimal.
    Float(Decimal),
    /// A string, escapes decoded.
    Str(String),
    /// A number with a unit suffix: `500m`, `256Mi`.
    Quantity(Quantity),
    /// A duration: `250ms`, `1m30s`.
    Duration(Duration),
    /// A percentage: `70%` (held as 70).
    Percent(Decimal),
}

/// A Kubernetes resource quantity, held exactly in billionths ("nano units"). Aligned on 8
/// bytes, not the 16 of an `i128`: the values that hold one (the evaluator's, the exported
/// `Node`) are a third smaller for it. Read `nanos` by value (`{ q.nanos }`): a reference to
/// it may be unaligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C, packed(8))]
pub struct Quantity {
    /// The value in billionths of a unit.
    pub nanos: i128,
    /// Written with a binary suffix (`Ki`, `Mi`, …): printed back with one where exact.
    pub binary: bool,
    /// Written as `Nm`: milli units, or N minutes where a duration is expected.
    pub minutes: bool,
}

/// A duration in nanoseconds. Aligned on 8 bytes, as [`Quantity`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(C, packed(8))]
pub struct Duration(pub i128);

impl Duration {
    /// Whether `nanos` is a duration msh allows: within 64-bit nanoseconds (about ±292 years),
    /// the range of Go's and Kubernetes' durations (Istio's protobuf durations allow more).
    pub fn fits(nanos: i128) -> bool {
        i64::try_from(nanos).is_ok()
    }
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// The quantity `i`, without a suffix.
    pub fn from_int(i: i64) -> Quantity {
        Quantity {
            nanos: i as i128 * NANO,
            binary: false,
            minutes: false,
        }
    }
    /// The quantity `f`, rounded to billionths; None when not finite or out of range.
    pub fn from_f64(f: f64) -> Option<Quantity> {
        let n = (f * NANO as f64).round();
        if !n.is_finite() || n.abs() > 1e36 {
            return None;
        }
        Some(Quantity {
            nanos: n as i128,
            binary: false,
            minutes: false,
        })
    }
    /// The quantity `d`, rounded to billionths; None when out of range.
    pub fn from_decimal(d: Decimal) -> Option<Quantity> {
        use rust_decimal::prelude::ToPrimitive;
        let n = d
            .checked_mul(Decimal::from(NANO as i64))?
            .round()
            .to_i128()?;
        (n.abs() <= 10i128.pow(36)).then_some(Quantity {
            nanos: n,
            binary: false,
            minutes: false,
        })
    }
    /// The value as a decimal: exact where it has at most 28 significant digits.
    pub fn as_decimal(self) -> Option<Decimal> {
        let n = i64::try_from(self.nanos).ok().map(|n| Decimal::new(n, 9));
        n.or_else(|| Decimal::from_i128_with_scale(self.nanos / NANO, 0).into())
            .map(|d| d.normalize())
    }
    /// The value as a float (may round).
    pub fn as_f64(self) -> f64 {
        self.nanos as f64 / NANO as f64
    }
    /// Canonical text, as Kubernetes writes quantities: the largest suffix that is exact.
    pub fn canonical(self) -> String {
        let n = self.nanos;
        if n == 0 {
            return "0".into();
        }
        // Most quantities fit 64 bits, where division is a machine instruction (128-bit
        // division is a library call, ten of them a quantity). 2^50 Ki and 10^24 nanos are
        // past 64 bits: no 64-bit quantity but 0 is a multiple of them.
        if let Ok(n) = i64::try_from(n) {
            if self.binary && n % NANO as i64 == 0 {
                let units = n / NANO as i64;
                for &(suffix, pow) in BINARY_SUFFIXES.iter().filter(|(_, p)| *p < 63) {
                    if units % (1i64 << pow) == 0 {
                        return with_suffix(units / (1i64 << pow), suffix);
                    }
                }
            }
            for &(suffix, pow) in DECIMAL_SUFFIXES {
                if let Some(m) = 10i64.checked_pow(pow).filter(|m| n % m == 0) {
                    return with_suffix(n / m, suffix);
                }
            }
        }
        canonical_wide(self.binary, n)
    }
}

/// The binary suffixes and their powers of two, largest first.
const BINARY_SUFFIXES: &[(&str, u32)] = &[
    ("Ei", 60),
    ("Pi", 50),
    ("Ti", 40),
    ("Gi", 30),
    ("Mi", 20),
    ("Ki", 10),
];

/// The decimal suffixes and their powers of ten in nanos, largest first.
const DECIMAL_SUFFIXES: &[(&str, u32)] = &[
    ("E", 27),
    ("P", 24),
    ("T", 21),
    ("G", 18),
    ("M", 15),
    ("k", 12),
    ("", 9),
    ("m", 6),
    ("u", 3),
    ("n", 0),
];

/// `n` followed by `suffix` (`128Mi`): a quantity's text is made for every resource of every
/// service, and `format!` costs several times this.
fn with_suffix(n: impl itoa::Integer, suffix: &str) -> String {
    let mut text = String::from(itoa::Buffer::new().format(n));
    text.push_str(suffix);
    text
}

/// [`Quantity::canonical`] in 128 bits, for any quantity.
fn canonical_wide(binary: bool, n: i128) -> String {
    if n == 0 {
        return "0".into();
    }
    if binary && n % NANO == 0 {
        let units = n / NANO;
        for &(suffix, pow) in BINARY_SUFFIXES {
            if units % (1i128 << pow) == 0 {
                return with_suffix(units / (1i128 << pow), suffix);
            }
        }
    }
    for &(suffix, pow) in DECIMAL_SUFFIXES {
        let m = 10i128.pow(pow);
        if n % m == 0 {
            return with_suffix(n / m, suffix);
        }
    }
    unreachable!("nanos are always a multiple of 1")
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl Duration {
    /// Go-style text: `1h2m3s`, `250ms`, `1.5s`, `0s`.
    pub fn canonical(self) -> String {
        let mut n = self.0;
        if n == 0 {
            return "0s".into();
        }
        let mut out = String::new();
        if n < 0 {
            out.push('-');
            n = -n;
        }
        if n < NANO {
            for (suffix, m) in [("ms", 1_000_000i128), ("us", 1_000), ("ns", 1)] {
                if n % m == 0 || m == 1 {
                    out.push_str(&format!("{}{}", n / m, suffix));
                    return out;
                }
            }
        }
        let h = n / (3600 * NANO);
        let rest = n % (3600 * NANO);
        let m = rest / (60 * NANO);
        let s = rest % (60 * NANO);
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 {
            out.push_str(&format_decimal(s, NANO));
            out.push('s');
        }
        out
    }
    /// Seconds with an `s` suffix (`90s`, `0.250s`): the form protobuf JSON requires.
    pub fn seconds_text(self) -> String {
        format!("{}s", format_decimal(self.0, NANO))
    }
    /// The duration in seconds, as a float (may round).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANO as f64
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// `n / unit` as an exact decimal without trailing zeros.
fn format_decimal(n: i128, unit: i128) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let n = n.abs();
    let int = n / unit;
    let mut frac = n % unit;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let mut digits = unit.to_string().len() - 1;
    while frac % 10 == 0 {
        frac /= 10;
        digits -= 1;
    }
    format!("{sign}{int}.{frac:0digits$}")
}

/// Formats a float the way msh prints it: its decimal digits as written or computed (`1.50`,
/// `-864.20`), always with a `.` or an exponent so it stays a float; an exponent from 1e15 up
/// and below 1e-5.
pub fn format_float(d: Decimal) -> String {
    let a = d.abs();
    if !d.is_zero() && (a >= Decimal::from(1_000_000_000_000_000i64) || a < Decimal::new(1, 5)) {
        let n = d.normalize();
        // mantissa digits and the exponent of the first one
        let m = n.mantissa().unsigned_abs().to_string();
        let exp = m.len() as i64 - 1 - n.scale() as i64;
        let sign = if d.is_sign_negative() { "-" } else { "" };
        let (first, rest) = m.split_at(1);
        let rest = rest.trim_end_matches('0');
        return if rest.is_empty() {
            format!("{sign}{first}e{exp}")
        } else {
            format!("{sign}{first}.{rest}e{exp}")
        };
    }
    let s = d.to_string();
    if d.scale() == 0 {
        format!("{s}.0")
    } else {
        s
    }
}

/// The decimal nearest to a 64-bit float (its shortest text); None when not finite or out of
/// range. For results of functions computed in floating point (`math.Sqrt`).
pub fn decimal_from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let text = format!("{f:e}");
    Decimal::from_scientific(&text)
        .ok()
        .or_else(|| (f.abs() < 1e-28).then_some(Decimal::ZERO))
}

/// A decimal as a 64-bit float (the nearest one), for computations that need one.
pub fn decimal_to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// The exact decimal of `text` (digits with an optional fraction, and an optional exponent).
fn decimal(text: &str, shown: &str) -> Result<Decimal, String> {
    parse_decimal(text).ok_or_else(|| {
        format!(
            "`{shown}` is out of range: a float has at most 28 significant digits and is below 7.9e28 in magnitude"
        )
    })
}

/// The exact decimal of a number's text (`-1.50`, `2.5E+2`); None past a decimal's range.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// Decodes the text of a `number` token. The error is a message for a diagnostic.
pub fn decode_number(text: &str) -> Result<Lit, String> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let num_end = clean
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(clean.len());
    let (num, suffix) = clean.split_at(num_end);
    if num.is_empty() || num.ends_with('.') || num.matches('.').count() > 1 {
        return Err(format!("`{text}` is not a number"));
    }
    match suffix {
        "" => {
            if num.contains('.') {
                decimal(num, text).map(Lit::Float)
            } else {
                num.parse::<i64>()
                    .map(Lit::Int)
                    .map_err(|_| format!("`{text}` does not fit in a 64-bit integer"))
            }
        }
        "%" => decimal(num, text).map(Lit::Percent),
        s if s.starts_with(['e', 'E'])
            && s.len() > 1
            && s[1..]
                .trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit()) =>
        {
            decimal(&clean, text).map(Lit::Float)
        }
        _ => {
            if let Some(q) = quantity_suffix(suffix) {
                let nanos = decimal_to_nanos(num)
                    .and_then(|n| q.apply(n))
                    .ok_or_else(|| {
                        format!("`{text}` is out of range or more precise than a billionth")
                    })?;
                Ok(Lit::Quantity(Quantity {
                    nanos,
                    binary: q.binary,
                    minutes: suffix == "m",
                }))
            } else if let Some(d) = decode_duration(&clean) {
                if !Duration::fits(d) {
                    return Err(format!(
                        "`{text}` is out of range: a duration is at most 292 years (64-bit nanoseconds, as in Go and Kubernetes)"
                    ));
                }
                Ok(Lit::Duration(Duration(d)))
            } else {
                Err(format!("`{text}` has an unknown unit `{suffix}`"))
            }
        }
    }
}

struct Suffix {
    mul: i128,
    div: i128,
    binary: bool,
}

impl Suffix {
    fn apply(&self, nanos: i128) -> Option<i128> {
        let v = nanos.checked_mul(self.mul)?;
        if v % self.div != 0 {
            return None;
        }
        let v = v / self.div;
        (v.abs() <= 10i128.pow(36)).then_some(v)
    }
}

fn quantity_suffix(s: &str) -> Option<Suffix> {
    let dec = |p: u32| Suffix {
        mul: 10i128.pow(p),
        div: 1,
        binary: false,
    };
    let bin = |p: u32| Suffix {
        mul: 1i128 << p,
        div: 1,
        binary: true,
    };
    Some(match s {
        "n" => Suffix {
            mul: 1,
            div: 1_000_000_000,
            binary: false,
        },
        "u" => Suffix {
            mul: 1,
            div: 1_000_000,
            binary: false,
        },
        "m" => Suffix {
            mul: 1,
            div: 1_000,
            binary: false,
        },
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ => return None,
    })
}

/// `"1.5"` → 1_500_000_000.
fn decimal_to_nanos(num: &str) -> Option<i128> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if frac.len() > 9 {
        return None;
    }
    let i: i128 = int.parse().ok()?;
    let f: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    i.checked_mul(NANO)?.checked_add(f)
}

/// `1h30m`, `250ms`, `1.5s` → nanoseconds.
fn decode_duration(s: &str) -> Option<i128> {
    let mut total: i128 = 0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if n_end == 0 {
            return None;
        }
        let (num, tail) = rest.split_at(n_end);
        let u_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(u_end);
        let mul: i128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => NANO,
            "m" => 60 * NANO,
            "h" => 3600 * NANO,
            _ => return None,
        };
        let nanos = decimal_to_nanos(num)?;
        let v = nanos.checked_mul(mul)?;
        if v % NANO != 0 {
            return None; // finer than a nanosecond
        }
        total = total.checked_add(v / NANO)?;
        rest = tail;
    }
    (total.abs() < 10i128.pow(30)).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 64-bit path of `Quantity::canonical` writes what the 128-bit one does.
    #[test]
    fn canonical_quantities_agree_in_64_and_128_bits() {
        let mut values: Vec<i128> = vec![0, 1, -1, i64::MAX as i128, i64::MIN as i128];
        for pow in 0..19 {
            values.push(10i128.pow(pow));
            values.push(-3 * 10i128.pow(pow));
        }
        for pow in 0..34 {
            values.push(NANO << pow);
            values.push(-(NANO * 5) << pow);
        }
        // A deterministic spread of other values (a linear congruential sequence).
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            values.push(
                (x as i64 >> (x % 50)) as i128 * [1, 1_000, 1_000_000, NANO][(x % 4) as usize],
            );
        }
        for n in values.into_iter().filter(|n| i64::try_from(*n).is_ok()) {
            for binary in [false, true] {
                let q = Quantity {
                    nanos: n,
                    binary,
                    minutes: false,
                };
                assert_eq!(
                    q.canonical(),
                    canonical_wide(binary, n),
                    "{n} binary {binary}"
                );
            }
        }
    }

    fn q(s: &str) -> Quantity {
        match decode_number(s).unwrap() {
            Lit::Quantity(q) => q,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quantities() {
        assert_eq!({ q("500m").nanos }, 500_000_000);
        assert_eq!(q("256Mi").canonical(), "256Mi");
        assert_eq!(q("1.5Gi").canonical(), "1536Mi");
        assert_eq!(q("10k").canonical(), "10k");
        assert_eq!(q("1500m").canonical(), "1500m");
        assert!(q("5m").minutes);
        assert!(decode_number("1.0000000001").is_ok()); // a float, not a quantity
        assert!(decode_number("1.0000000001k").is_err());
    }

    #[test]
    fn durations() {
        let d = |s: &str| match decode_number(s).unwrap() {
            Lit::Duration(d) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(d("30s").canonical(), "30s");
        assert_eq!(d("1m30s").canonical(), "1m30s");
        assert_eq!(d("90s").canonical(), "1m30s");
        assert_eq!(d("250ms").canonical(), "250ms");
        assert_eq!(d("1.5s").seconds_text(), "1.5s");
        assert_eq!(d("2h").seconds_text(), "7200s");
        assert!(decode_number("5x").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(decode_number("1_000").unwrap(), Lit::Int(1000));
        assert_eq!(
            decode_number("1.5").unwrap(),
            Lit::Float(Decimal::new(15, 1))
        );
        assert_eq!(
            decode_number("70%").unwrap(),
            Lit::Percent(Decimal::from(70))
        );
        assert_eq!(
            decode_number("1e3").unwrap(),
            Lit::Float(Decimal::from(1000))
        );
        assert!(decode_number("99999999999999999999").is_err());
    }
}
