//! ServiceEntry for each external dependency, so it is in the registry and the Sidecar's
//! egress, not lost in the PassthroughCluster. Port 443 is TLS, 80 HTTP, others TCP. A
//! domain (`*.googleapis.com`) cannot be resolved by DNS ahead of time: its entry has
//! `resolution: NONE` (the proxy forwards to the address the application resolved).

use super::Unit;
use crate::istio::*;
use crate::resolve::Dep;
use crate::{labels, meta, push, Ctx, Object};

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    for (d, _) in u.deps {
        let Dep::External { host, port } = d else {
            continue;
        };
        let proto = match port {
            443 => "TLS",
            80 => "HTTP",
            _ => "TCP",
        };
        let wildcard = host.starts_with("*.");
        let base = host.trim_start_matches("*.").replace('.', "-");
        let se_name = if wildcard {
            format!("{}-any-{base}-{port}", s.name)
        } else {
            format!("{}-{base}-{port}", s.name)
        };
        let se = IstioObject {
            api_version: cx.networking().into(),
            kind: "ServiceEntry".into(),
            metadata: meta(&se_name, Some(&s.namespace), labels(&[("app", &s.name)])),
            spec: ServiceEntrySpec {
                hosts: vec![host.clone()],
                export_to: vec![".".into()],
                location: "MESH_EXTERNAL".into(),
                resolution: if wildcard { "NONE" } else { "DNS" }.into(),
                ports: vec![ServiceEntryPort {
                    number: *port,
                    name: format!("{}-{port}", proto.to_lowercase()),
                    protocol: proto.into(),
                }],
            },
        };
        push(out, Some(&s.name), &se);
    }
}
