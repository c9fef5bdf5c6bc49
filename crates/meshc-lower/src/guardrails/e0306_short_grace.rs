//! E0306: the grace period is shorter than the preStop sleeps.
//!
//! ## Why
//! Kubernetes kills the pod when `terminationGracePeriodSeconds` ends: connections still
//! draining get 5xx. The default is the sleeps plus `lifecycle.margin` (30 + 45 + 15 = 90 s).

use crate::compute::Lifecycle;
use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service, l: &Lifecycle) {
    if s.grace.0 >= l.sleeps.0 {
        return;
    }
    cx.finding(
        s,
        Diagnostic::error(
            codes::SHORT_GRACE,
            format!(
                "the grace period of `{}` ({}) is shorter than its shutdown sleeps ({} + {} = {})",
                s.name,
                s.grace.canonical(),
                s.drain_delay.canonical(),
                s.drain_time.canonical(),
                l.sleeps.canonical()
            ),
        )
        .primary(s.grace_span, "terminationGracePeriod")
        .help("Kubernetes kills the pod when the grace period ends: connections still draining get 5xx. Leave it to its default (the sleeps plus `margin`) or raise it"),
    );
}
