//! E0305: retries widened beyond connect-failure on a service not marked idempotent.
//!
//! ## Why
//! Istio's default retries `unavailable`, `cancelled` and `retriable-status-codes`: a
//! non-idempotent call (a payment) may then run twice. `connect-failure` and
//! `refused-stream` are safe: the request never reached the service.
//! Mark the service `idempotent: true`, or silence with `allow: {E0305: "why"}`.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    if s.worker || s.idempotent || s.attempts <= 0 {
        return;
    }
    let unsafe_conditions: Vec<&str> = s
        .retry_on
        .split(',')
        .map(str::trim)
        .filter(|c| !matches!(*c, "connect-failure" | "refused-stream" | ""))
        .collect();
    if !unsafe_conditions.is_empty() {
        cx.finding(
            s,
            Diagnostic::error(
                codes::UNSAFE_RETRY,
                format!("`{}` is not idempotent but retries on {}", s.name, unsafe_conditions.join(", ")),
            )
            .primary(s.retry_on_span, "widened retry conditions")
            .help("retry on connect-failure (and refused-stream) only, where the request never reached the service; or mark the service `idempotent: true`")
            .note("silence with `allow: {E0305: \"why\"}` in the service"),
        );
    }
}
