//! W0311: nobody in the mesh calls the service, it declares no callers and is not exposed.
//!
//! ## Why
//! The AuthorizationPolicy admits the services that depend on this one. With none, an ALLOW
//! policy without rules would deny every request: meshc generates no policy and asks for a
//! decision: `callers: […]`, `expose`, `public: true` (anyone) or `public: false` (no one).

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    cx.finding(
        s,
        Diagnostic::warning(codes::NOBODY_CALLS, format!("nobody in the mesh calls `{}` and it declares no callers: no AuthorizationPolicy is generated", s.name))
            .primary(s.span, "this service")
            .help("say who may call it: `callers: [\"istio-system/istio-ingressgateway-service-account\"]`, `public: true` (anyone), or `public: false` (no one)")
            .note("an ALLOW policy without rules would deny every request"),
    );
}
