//! E0325: a security context that cannot run under the mesh.
//!
//! ## What it does
//! UID and GID 1337 are the Istio proxy's: the proxy's traffic capture exempts them, so an
//! application running as 1337 bypasses the mesh. `runAsUser: 0` with `runAsNonRoot: true`
//! is refused by the kubelet (the pod never starts).

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) -> bool {
    let sec = &s.security;
    let before = cx.findings.len();
    for (id, span, what) in [
        (sec.run_as_user.0, sec.run_as_user.1, "runAsUser"),
        (sec.run_as_group.0, sec.run_as_group.1, "runAsGroup"),
    ] {
        if id == 1337 {
            cx.findings.push(
                Diagnostic::error(codes::BAD_SECURITY, format!("`{}` runs as {what} 1337, the Istio proxy's", s.name))
                    .primary(span, "the proxy's id")
                    .help("traffic from 1337 bypasses the proxy's capture: pick another id (meshc's default is 10001)"),
            );
        }
    }
    if sec.run_as_user.0 == 0 && sec.run_as_non_root.0 {
        cx.findings.push(
            Diagnostic::error(codes::BAD_SECURITY, format!("`{}` runs as root (`runAsUser: 0`) with `runAsNonRoot: true`", s.name))
                .primary(sec.run_as_user.1, "root")
                .help("the kubelet refuses to start such a pod: give a non-root id, or relax `runAsNonRoot` (reported as W0322)"),
        );
    }
    cx.findings.len() == before
}
