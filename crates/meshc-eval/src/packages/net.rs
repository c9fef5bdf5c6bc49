//! `net`: IP addresses, CIDR ranges and domain names.

use super::Cx;
use crate::value::*;
use core::net::IpAddr;

pub(super) fn call(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    if name == "IPString" {
        let items = cx.concrete_list(0)?;
        let bytes: Option<Vec<u8>> = items
            .iter()
            .map(|x| match x.k {
                K::Int(b) => u8::try_from(b).ok(),
                _ => None,
            })
            .collect();
        let ip = match bytes.as_deref() {
            Some([a, b, c, d]) => IpAddr::from([*a, *b, *c, *d]),
            Some(b) if b.len() == 16 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(b);
                IpAddr::from(o)
            }
            _ => return Err(cx.fail("needs a list of 4 or 16 bytes")),
        };
        return cx.string(ip.to_string());
    }
    let s = cx.str(0)?;
    let ip = s.parse::<IpAddr>().ok();
    Ok(match name {
        "IP" => K::Bool(ip.is_some()),
        "IPv4" => K::Bool(matches!(ip, Some(IpAddr::V4(_)))),
        "IPv6" => K::Bool(matches!(ip, Some(IpAddr::V6(_)))),
        "IPCIDR" => K::Bool(cidr(&s).is_some()),
        "InCIDR" => {
            let range = cx.str(1)?;
            let Some((net, bits)) = cidr(&range) else {
                return Err(cx.fail(format!("invalid CIDR {range:?}")));
            };
            let Some(ip) = ip else {
                return Err(cx.fail(format!("invalid IP {s:?}")));
            };
            K::Bool(contains(net, bits, ip))
        }
        "LoopbackIP" => K::Bool(ip.is_some_and(|i| i.is_loopback())),
        "MulticastIP" => K::Bool(ip.is_some_and(|i| i.is_multicast())),
        "UnspecifiedIP" => K::Bool(ip.is_some_and(|i| i.is_unspecified())),
        "LinkLocalUnicastIP" => K::Bool(match ip {
            Some(IpAddr::V4(a)) => a.is_link_local(),
            Some(IpAddr::V6(a)) => (a.segments()[0] & 0xffc0) == 0xfe80,
            None => false,
        }),
        "GlobalUnicastIP" => K::Bool(match ip {
            Some(IpAddr::V4(a)) => {
                !(a.is_loopback()
                    || a.is_multicast()
                    || a.is_unspecified()
                    || a.is_link_local()
                    || a.is_broadcast())
            }
            Some(IpAddr::V6(a)) => {
                !(a.is_loopback()
                    || a.is_multicast()
                    || a.is_unspecified()
                    || (a.segments()[0] & 0xffc0) == 0xfe80)
            }
            None => false,
        }),
        "FQDN" => K::Bool(fqdn(&s)),
        "ToIP4" | "ToIP16" => {
            let Some(ip) = ip else {
                return Err(cx.fail(format!("invalid IP {s:?}")));
            };
            let bytes: Vec<u8> = match (name, ip) {
                ("ToIP4", IpAddr::V4(a)) => a.octets().to_vec(),
                ("ToIP4", IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                    Some(v4) => v4.octets().to_vec(),
                    None => return Err(cx.fail(format!("{s:?} is not an IPv4 address"))),
                },
                (_, IpAddr::V4(a)) => a.to_ipv6_mapped().octets().to_vec(),
                (_, IpAddr::V6(a)) => a.octets().to_vec(),
            };
            let span = cx.span;
            let vals = bytes
                .into_iter()
                .map(|b| Val::new(K::Int(b as i64), span))
                .collect();
            return cx.list_of(vals);
        }
        _ => return Err(cx.fail("no such function")),
    })
}

/// `addr/bits`, with bits in range for the address.
fn cidr(s: &str) -> Option<(IpAddr, u32)> {
    let (a, b) = s.split_once('/')?;
    let ip: IpAddr = a.parse().ok()?;
    let bits: u32 = b.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max && !b.starts_with('+')).then_some((ip, bits))
}

fn contains(net: IpAddr, bits: u32, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// A fully qualified domain name: dot-separated labels of letters, digits and hyphens.
fn fqdn(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
