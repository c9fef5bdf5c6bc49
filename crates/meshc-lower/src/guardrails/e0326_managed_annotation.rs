//! E0326: a pod annotation that meshc computes.
//!
//! ## Why
//! The proxy's resources, its `proxy.istio.io/config` and the native-sidecar mode are derived
//! from `load`, `sidecar` and `lifecycle`; writing them by hand would silently undo the
//! arithmetic (and the four resource annotations are all-or-nothing).

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

/// The pod annotations meshc writes itself, and the field that sets each.
pub(crate) const MANAGED: &[(&str, &str)] = &[
    ("sidecar.istio.io/proxyCPU", "sidecar.cpu"),
    ("sidecar.istio.io/proxyCPULimit", "sidecar.cpuLimit"),
    ("sidecar.istio.io/proxyMemory", "sidecar.memory"),
    ("sidecar.istio.io/proxyMemoryLimit", "sidecar.memoryLimit"),
    ("proxy.istio.io/config", "sidecar.concurrency and lifecycle"),
    (
        "sidecar.istio.io/nativeSidecar",
        "mesh.kubernetes and mesh.istio",
    ),
];

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) -> bool {
    let before = cx.findings.len();
    for (k, _, span) in &s.annotations {
        if let Some((_, field)) = MANAGED.iter().find(|(m, _)| m == k) {
            cx.findings.push(
                Diagnostic::error(
                    codes::MANAGED_ANNOTATION,
                    format!("`{k}` is computed by meshc"),
                )
                .primary(*span, "set by hand")
                .help(format!("set it through `{field}`")),
            );
        }
    }
    cx.findings.len() == before
}
