//! `time`: Go durations (`"1h30m"`) and RFC 3339 times.

use super::Cx;
use crate::value::*;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    Ok(match name {
        "Duration" => K::Bool(parse_duration(&cx.str(0)?).is_some()),
        "ParseDuration" => {
            let s = cx.str(0)?;
            K::Int(parse_duration(&s).ok_or_else(|| cx.fail(format!("invalid duration {s:?}")))?)
        }
        "FormatDuration" => return cx.string(format_duration(cx.int(0)?)),
        "Time" => K::Bool(rfc3339(&cx.str(0)?)),
        "Unix" => {
            let (sec, nsec) = (cx.int(0)?, cx.int(1)?);
            return cx.string(unix(sec, nsec).ok_or_else(|| cx.fail("out of range"))?);
        }
        _ => return Err(cx.fail("no such function")),
    })
}

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers with units
/// (`ns us µs ms s m h`), in nanoseconds.
pub(super) fn parse_duration(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_end);
        if num.is_empty() || num == "." {
            return None;
        }
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut part = int.checked_mul(scale)?;
        let mut unit_frac = scale;
        for d in frac.chars().take(18) {
            unit_frac /= 10;
            part += d.to_digit(10)? as i128 * unit_frac;
        }
        total = total.checked_add(part)?;
        rest = next;
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).ok()
}

/// Go's `Duration.String`: `1h30m0s`, `1.5s`, `300ms`.
fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let sign = if neg { "-" } else { "" };
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{sign}{}{unit}", frac(u, div));
    }
    let h = u / 3_600_000_000_000;
    let m = u / 60_000_000_000 % 60;
    let s = u % 60_000_000_000;
    let mut out = String::from(sign);
    if h > 0 {
        out += &format!("{h}h");
    }
    if h > 0 || m > 0 {
        out += &format!("{m}m");
    }
    out += &format!("{}s", frac(s, 1_000_000_000));
    out
}

fn frac(n: u64, div: u64) -> String {
    let (i, f) = (n / div, n % div);
    if f == 0 {
        return i.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{f:0width$}");
    format!("{i}.{}", f.trim_end_matches('0'))
}

/// An RFC 3339 date-time: `2006-01-02T15:04:05Z` or with an offset and fraction.
fn rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    let (month, day, hour, min, sec) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            b.len() == i + 6 && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// The UTC time `sec` seconds and `nsec` nanoseconds after the Unix epoch, in RFC 3339.
fn unix(sec: i64, nsec: i64) -> Option<String> {
    let total = sec as i128 * 1_000_000_000 + nsec as i128;
    let secs = total.div_euclid(1_000_000_000);
    let nanos = total.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    if !(0..=9999).contains(&y) {
        return None;
    }
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if nanos != 0 {
        out += format!(".{:09}", nanos).trim_end_matches('0');
    }
    out.push('Z');
    Some(out)
}
