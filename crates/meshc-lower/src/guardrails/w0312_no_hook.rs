//! W0312: `lifecycle.hook: "none"`: the image has no shell, so the proxy is not drained by
//! the preStop hook.
//!
//! ## Why
//! Without the health-check dance, long-lived connections are not moved off the pod before
//! it stops. Native sidecars (Istio ≥ 1.27 on Kubernetes ≥ 1.33) order the shutdown anyway.
//! Silence with `allow: {W0312: "why"}`.

use crate::compute::Lifecycle;
use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service, life: &Lifecycle) {
    if s.hook != "none" {
        return;
    }
    cx.finding(
        s,
        Diagnostic::warning(codes::NO_HOOK, format!("`{}` has no shell for the preStop hook: the proxy is not drained before shutdown", s.name))
            .primary(s.hook_span, "hook: \"none\"")
            .help(if life.native {
                "native sidecars order the shutdown; the application still sleeps drainDelay before it stops"
            } else {
                "connections drain only for the proxy's terminationDrainDuration; an image with sh and wget or curl gets the full recipe"
            })
            .note("silence with `allow: {W0312: \"why\"}` in the service"),
    );
}
