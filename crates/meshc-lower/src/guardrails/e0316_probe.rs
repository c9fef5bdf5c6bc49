//! E0316: a probe that cannot work.
//!
//! ## What it does
//! A probe has exactly one handler (`http`, `grpc`, `tcp` or `exec`); its port, when given, is
//! the container's (`targetPort`: the only port the application listens on that meshc
//! knows); its durations are whole seconds (Kubernetes counts them in seconds); a gRPC
//! probe needs Istio ≥ 1.13, the first that rewrites gRPC probes through the proxy.
//!
//! ## Why
//! Under a sidecar with STRICT mTLS, the kubelet's own probe of the application port would be
//! refused (it has no mesh certificate): Istio rewrites HTTP, TCP and gRPC probes to the
//! agent's port 15020, which probes the application from inside the pod. A probe of
//! another port, or a handler Istio does not rewrite, fails or always succeeds.

use crate::model::{Handler, Probe, Service};
use crate::Ctx;
use meshc_syntax::lit::Duration;
use meshc_syntax::{codes, Diagnostic, Span};

const NANO: i128 = 1_000_000_000;

/// Whole seconds of a duration that fit an int32 field, or an error.
pub(crate) fn seconds(d: Duration, what: &str, span: Span) -> Result<i32, Diagnostic> {
    if d.0 % NANO != 0 {
        return Err(Diagnostic::error(
            codes::PROBE,
            format!("{what} is {}, not a whole number of seconds", d.canonical()),
        )
        .primary(span, "not whole seconds")
        .help("Kubernetes counts probe timings in seconds: round it"));
    }
    i32::try_from(d.0 / NANO).map_err(|_| {
        Diagnostic::error(
            codes::PROBE,
            format!("{what} is {}, more than a probe can wait", d.canonical()),
        )
        .primary(span, "too long")
    })
}

/// Checks one probe; true when it can be generated.
pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service, kind: &str, p: &Probe) -> bool {
    let before = cx.findings.len();
    match p.handlers.as_slice() {
        [] => cx.findings.push(
            Diagnostic::error(codes::PROBE, format!("the {kind} probe of `{}` has no handler", s.name))
                .primary(p.span, "no http, grpc, tcp or exec")
                .help("give one handler: `{http: {path: \"/healthz\"}}`, `{grpc: {}}`, `{tcp: {}}` or `{exec: {command: [...]}}`"),
        ),
        [_] => {}
        [(_, a), (_, b), ..] => cx.findings.push(
            Diagnostic::error(codes::PROBE, format!("the {kind} probe of `{}` has {} handlers", s.name, p.handlers.len()))
                .primary(*b, "a second handler")
                .secondary(*a, "the first")
                .help("a probe runs exactly one handler: keep one, or move the other to another probe"),
        ),
    }
    for (h, hspan) in &p.handlers {
        let port = match h {
            Handler::Http { port, .. } | Handler::Grpc { port, .. } | Handler::Tcp { port } => {
                *port
            }
            Handler::Exec { .. } => None,
        };
        if let Some((n, span)) = port {
            if !s.worker && n != s.target_port {
                cx.findings.push(
                    Diagnostic::error(codes::PROBE, format!("the {kind} probe of `{}` checks port {n}, which is not the container's ({})", s.name, s.target_port))
                        .primary(span, "not the container port")
                        .help("leave `port` out to probe the container port"),
                );
            }
        } else if s.worker && !matches!(h, Handler::Exec { .. }) {
            cx.findings.push(
                Diagnostic::error(
                    codes::PROBE,
                    format!("the {kind} probe of worker `{}` names no port", s.name),
                )
                .primary(*hspan, "which port?")
                .help("a worker has no Service port: give `port`, or use an `exec` probe"),
            );
        }
        if matches!(h, Handler::Grpc { .. }) && cx.mesh.istio < (1, 13) {
            cx.findings.push(
                Diagnostic::error(codes::PROBE, format!("Istio {}.{} does not rewrite gRPC probes: the kubelet's probe of `{}` would be refused by the sidecar", cx.mesh.istio.0, cx.mesh.istio.1, s.name))
                    .primary(*hspan, "gRPC probe")
                    .help("use a `tcp` or `exec` probe, or target Istio 1.13 or later"),
            );
        }
    }
    for (d, what) in [
        (p.initial_delay, "initialDelay"),
        (p.period, "period"),
        (p.timeout, "timeout"),
    ] {
        if let Some((d, span)) = d {
            if let Err(e) = seconds(d, &format!("`{what}` of the {kind} probe"), span) {
                cx.findings.push(e);
            }
        }
    }
    cx.findings.len() == before
}
