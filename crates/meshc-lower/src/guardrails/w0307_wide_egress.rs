//! W0307: a namespace-wide (`ns/*`) or mesh-wide (`*/*`) dependency.
//!
//! ## Why
//! The Sidecar CRD keeps each proxy's configuration to what it calls; a wide egress gives it
//! every service there, which is what made istiod and the proxies slow at scale.
//! Silence with `allow: {W0307: "why"}`.

use crate::model::Service;
use meshc_syntax::{codes, Diagnostic, Span};

pub(crate) fn diagnostic(s: &Service, d: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(
        codes::WIDE_EGRESS,
        format!(
            "`{}` depends on `{d}`: its proxy receives the configuration of every service there",
            s.name
        ),
    )
    .primary(span, "namespace-wide dependency")
    .help("list the services it calls, so that its Sidecar keeps its proxy small")
    .note("silence with `allow: {W0307: \"why\"}` in the service")
}
