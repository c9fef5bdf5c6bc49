//! E0324: `expose` on a service the ingress cannot route.
//!
//! ## Why
//! The ingress routes HTTP by host and path: a tcp service has neither. (A worker has no
//! Service at all: `expose` is not one of its fields.)

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) -> bool {
    match &s.expose {
        Some(e) if s.protocol == "tcp" => {
            cx.findings.push(
                Diagnostic::error(codes::EXPOSE, format!("`{}` speaks tcp: the ingress routes HTTP by host and path", s.name))
                    .primary(e.span, "exposed")
                    .help("expose an HTTP, HTTP/2 or gRPC service; a TCP service is reached from outside through a LoadBalancer Service of its own"),
            );
            false
        }
        _ => true,
    }
}
