//! Service: ClusterIP (never headless: headless gRPC services broke under Istio), selecting
//! `app` only so that it serves every version, its port named `<protocol>-<port>` with
//! `appProtocol`, so Istio's protocol selection is explicit. With the Gateway API and several
//! versions, one Service per version too (`<name>-<version>`): an HTTPRoute splits traffic
//! between Services, not subsets.

use super::Unit;
use crate::{labels, meta, push, Ctx, Object};
use k8s_openapi::api::core::v1::{Service as K8sService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let svc =
        |name: &str, selector: BTreeMap<String, String>, l: BTreeMap<String, String>| K8sService {
            metadata: meta(name, Some(&s.namespace), l),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector),
                ports: Some(vec![ServicePort {
                    name: Some(crate::with_number(&s.protocol, "-", s.port)),
                    port: s.port as i32,
                    target_port: Some(IntOrString::Int(s.target_port as i32)),
                    protocol: Some("TCP".into()),
                    app_protocol: Some(s.protocol.clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
    push(
        out,
        Some(&s.name),
        &svc(&s.name, u.app.clone(), u.labels.clone()),
    );
    if version_services(cx, u.i) {
        for v in &s.versions {
            let mut l = u.labels.clone();
            l.insert("version".into(), v.name.clone());
            let sel = labels(&[("app", &s.name), ("version", &v.name)]);
            push(
                out,
                Some(&s.name),
                &svc(&format!("{}-{}", s.name, v.name), sel, l),
            );
        }
    }
}

/// Whether a service gets a Service per version: exposed through the Gateway API with several
/// versions.
pub(crate) fn version_services(cx: &Ctx<'_>, i: usize) -> bool {
    let s = &cx.services[i];
    cx.mesh.ingress.gateway_api && s.expose.is_some() && s.versions.len() > 1
}
