//! E0303: the weights of a service's versions do not sum to 100.
//!
//! ## Why
//! Istio only rejects a total of 0; any other total is normalised silently, so a 90/20 split
//! sends 82%/18%. meshc keeps the written weights exact. Silence with `allow: {E0303: "why"}`.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    let total: i64 = s.versions.iter().map(|v| v.weight).sum();
    if total == 100 {
        return;
    }
    let first = &s.versions[0];
    let mut d = Diagnostic::error(
        codes::WEIGHTS,
        format!("the weights of `{}` sum to {total}, not 100", s.name),
    )
    .primary(
        first.weight_span,
        format!("{}: {}", first.name, first.weight),
    )
    .help("give the versions weights that sum to 100");
    for v in &s.versions[1..] {
        d = d.secondary(v.weight_span, format!("{}: {}", v.name, v.weight));
    }
    cx.finding(s, d);
}
