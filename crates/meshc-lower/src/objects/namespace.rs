//! Namespace (labelled for sidecar injection: `istio-injection: enabled`, or `istio.io/rev`
//! when the mesh names a revision) and its PeerAuthentication (the mesh's mTLS mode), for
//! every namespace that holds a workload.

use crate::istio::*;
use crate::{meta, push, Ctx, Object};
use k8s_openapi::api::core::v1::Namespace;
use std::collections::BTreeMap;

pub(crate) fn build(cx: &mut Ctx<'_>, ns: &str, out: &mut Vec<Object>) {
    let mut l = BTreeMap::new();
    match &cx.mesh.revision {
        Some(rev) => l.insert("istio.io/rev".to_string(), rev.clone()),
        None => l.insert("istio-injection".to_string(), "enabled".to_string()),
    };
    push(
        out,
        None,
        &Namespace {
            metadata: meta(ns, None, l),
            ..Default::default()
        },
    );
    let pa = IstioObject {
        api_version: cx.security().into(),
        kind: "PeerAuthentication".into(),
        metadata: meta("default", Some(ns), BTreeMap::new()),
        spec: PeerAuthenticationSpec {
            mtls: MutualTls {
                mode: cx.mesh.mtls.clone(),
            },
        },
    };
    push(out, None, &pa);
}
