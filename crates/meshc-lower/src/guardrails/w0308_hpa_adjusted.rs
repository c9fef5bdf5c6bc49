//! W0308: the HPA's CPU target is adjusted for the proxy's share of the pod.
//!
//! ## Why
//! Before Kubernetes 1.27 an HPA sees the pod's CPU, proxy included: 70% of the app's 1 CPU
//! is 63.6% of the pod's 1.1. meshc writes the adjusted target and says so.
//! Silence with `allow: {W0308: "why"}`.

use crate::compute::Proxy;
use crate::model::{Mesh, Service};
use meshc_syntax::lit::Quantity;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn diagnostic(
    s: &Service,
    mesh: &Mesh,
    p: &Proxy,
    target: i32,
    exact: f64,
) -> Diagnostic {
    Diagnostic::warning(
        codes::HPA_ADJUSTED,
        format!(
            "`{}`: Kubernetes {}.{} has no container metrics, so the HPA targets {target}% of the pod: {}% of the app's {} CPU is {exact:.1}% of the pod's {} with the proxy",
            s.name,
            mesh.kubernetes.0,
            mesh.kubernetes.1,
            meshc_eval::format_percent(s.cpu_target),
            s.cpu.canonical(),
            Quantity { nanos: s.cpu.nanos + p.cpu.nanos, ..s.cpu }.canonical()
        ),
    )
    .primary(s.span, "this service")
    .help("from Kubernetes 1.27 the HPA targets the application container itself")
    .note("silence with `allow: {W0308: \"why\"}` in the service")
}
