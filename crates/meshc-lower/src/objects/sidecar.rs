//! Sidecar: the proxy's egress scoped to the declared dependencies (`./<fqdn>` in the same
//! namespace, `<ns>/<fqdn>` across, `./<host>` for external hosts) plus `istio-system/*`,
//! with `outboundTrafficPolicy: REGISTRY_ONLY` by default, so a call to an undeclared
//! dependency fails loudly instead of bypassing the mesh. This is what keeps each proxy's
//! configuration, and istiod's work, small at scale.

use super::Unit;
use crate::istio::*;
use crate::resolve::Dep;
use crate::{meta, push, Ctx, Object};

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let mut hosts: Vec<String> = Vec::new();
    for (d, _) in u.deps {
        let h = match d {
            Dep::Service(j) => {
                let t = &cx.services[*j];
                let nsp = if t.namespace == s.namespace {
                    "."
                } else {
                    t.namespace.as_str()
                };
                crate::concat(&[nsp, "/", &cx.fqdn(t)])
            }
            Dep::External { host, .. } => crate::concat(&["./", host]),
            Dep::Wide(h) => h.clone(),
        };
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    hosts.push("istio-system/*".into());
    let sidecar = IstioObject {
        api_version: cx.networking().into(),
        kind: "Sidecar".into(),
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec: SidecarSpec {
            workload_selector: WorkloadSelector {
                labels: u.app.clone(),
            },
            egress: vec![EgressListener { hosts }],
            outbound_traffic_policy: OutboundTrafficPolicy {
                mode: cx.mesh.outbound.clone(),
            },
        },
    };
    push(out, Some(&s.name), &sidecar);
}
