//! W0322: the security context is relaxed from meshc's defaults.
//!
//! ## What it does
//! By default the application runs as UID/GID 10001, not as root, without privilege
//! escalation, with every capability dropped, a read-only root file system, the runtime's
//! seccomp profile and no service account token. Each relaxation is reported, with the
//! fields, so that a review sees it; silence with `allow: {W0322: "why"}`.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    let sec = &s.security;
    let mut relaxed = Vec::new();
    if !sec.run_as_non_root.0 {
        relaxed.push((sec.run_as_non_root.1, "runAsNonRoot: false"));
    }
    if !sec.read_only_root.0 {
        relaxed.push((sec.read_only_root.1, "readOnlyRootFilesystem: false"));
    }
    if sec.allow_privilege_escalation.0 {
        relaxed.push((
            sec.allow_privilege_escalation.1,
            "allowPrivilegeEscalation: true",
        ));
    }
    for (_, span) in &sec.capabilities {
        relaxed.push((*span, "a capability added"));
    }
    if sec.seccomp.0 != "RuntimeDefault" {
        relaxed.push((sec.seccomp.1, "seccomp Unconfined"));
    }
    if sec.automount_token.0 {
        relaxed.push((sec.automount_token.1, "a service account token mounted"));
    }
    let Some((first, rest)) = relaxed.split_first() else {
        return;
    };
    let what: Vec<&str> = relaxed.iter().map(|r| r.1).collect();
    let mut d = Diagnostic::warning(
        codes::SECURITY_RELAXED,
        format!(
            "the security context of `{}` is relaxed: {}",
            s.name,
            what.join(", ")
        ),
    )
    .primary(first.0, first.1)
    .help("keep the secure default where the image allows it")
    .note("silence with `allow: {W0322: \"why\"}` in the workload");
    for r in rest {
        d = d.secondary(r.0, r.1);
    }
    cx.finding(s, d);
}
