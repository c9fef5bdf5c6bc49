//! E0315: a workload is placed in a reserved namespace (kube-system, kube-public,
//! kube-node-lease, istio-system).
//!
//! ## Why
//! meshc labels and configures the namespaces of its workloads (sidecar injection, mTLS,
//! NetworkPolicies); it must not do so to the cluster's own.

use crate::model::Service;
use crate::Ctx;
use meshc_syntax::{codes, Diagnostic};

pub(crate) fn check(cx: &mut Ctx<'_>, s: &Service) {
    if matches!(
        s.namespace.as_str(),
        "kube-system" | "kube-public" | "kube-node-lease" | "istio-system"
    ) {
        cx.findings.push(
            Diagnostic::error(codes::RESERVED_NAMESPACE, format!("`{}` is placed in the reserved namespace `{}`", s.name, s.namespace))
                .primary(s.span, "this workload")
                .help("meshc labels and configures the namespaces of its workloads (sidecar injection, mTLS); give it a namespace of its own"),
        );
    }
}
