//! E0318: `replicas` and `autoscale` together.
//!
//! ## Why
//! A fixed count and an HPA fight: every apply resets the count the HPA scaled to. Choose one:
//! `replicas` for a singleton (a Redis without replication), `autoscale` otherwise.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    if let (Some((_, rspan)), Some(aspan)) = (s.replicas, s.autoscale_span) {
        cx.findings.push(
            Diagnostic::error(
                codes::REPLICAS_AND_AUTOSCALE,
                format!("`{}` sets both `replicas` and `autoscale`", s.name),
            )
            .primary(aspan, "autoscaling")
            .secondary(rspan, "a fixed count")
            .help("keep `replicas` for a fixed number of pods (no HPA), or `autoscale` for an HPA"),
        );
    }
}
