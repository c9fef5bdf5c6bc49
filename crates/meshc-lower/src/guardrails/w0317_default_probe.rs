//! W0317: an HTTP service without probes gets TCP probes.
//!
//! ## What it does
//! When a service writes no probe, meshc probes it by its protocol: gRPC health checking
//! (`grpc.health.v1`) for grpc, a TCP connection for tcp, and — since meshc cannot know an
//! HTTP service's health path — a TCP connection for http and http2, with this warning.
//!
//! ## Why
//! A TCP probe only says that something listens; an HTTP health path says the application
//! answers. Write `probes: {readiness: {http: {path: "/healthz"}}, liveness: …}`, or silence
//! with `allow: {W0317: "why"}`.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    cx.finding(
        s,
        Diagnostic::warning(codes::DEFAULT_PROBE, format!("`{}` speaks {} but names no health path: it is probed by a TCP connection to port {}", s.name, s.protocol, s.target_port))
            .primary(s.span, "no probes")
            .help("give the HTTP path that says the service is ready: `probes: {readiness: {http: {path: \"/healthz\"}}, liveness: {http: {path: \"/healthz\"}}}`")
            .note("silence with `allow: {W0317: \"why\"}` in the service"),
    );
}
