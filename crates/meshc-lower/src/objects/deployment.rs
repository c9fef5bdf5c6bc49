//! Deployment, one per version (`<name>-<version>`; a worker's is named after it): selector
//! `app` + `version` (immutable, so it never changes for a name), no `replicas` when an HPA
//! owns the count, the proxy's sizing annotations (all four: they are all-or-nothing) and its
//! `proxy.istio.io/config` (explicit concurrency, start order, drain), the user's pod
//! annotations, the grace period that covers the shutdown sleeps, and the pod of [`super::pod`].
//!
//! Native sidecars: Istio's automatic mode (the default from Istio 1.27, istio/istio#56428)
//! runs the proxy as a native sidecar when the kubelets are 1.33 or later; meshc follows the
//! same rule from `mesh.istio` and `mesh.kubernetes`, and pins the mode with the pod
//! annotation `sidecar.istio.io/nativeSidecar` from Istio 1.24 (istio/istio#53490, the first
//! release that reads it) so that the manifest says what runs.

use super::pod::{self, Pod};
use super::Unit;
use crate::{compute, labels, meta, push, Ctx, Object};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

/// The Deployment's name for a version.
pub(crate) fn name(s: &crate::model::Service, version: &str) -> String {
    if s.worker {
        s.name.clone()
    } else {
        crate::concat(&[&s.name, "-", version])
    }
}

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, pod: &Pod<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let total: i64 = s.versions.iter().map(|v| v.weight).sum();
    let (volumes, mounts) = pod::volumes(s);
    for v in &s.versions {
        let dep_name = name(s, &v.name);
        let mut pod_labels = s.labels.clone();
        pod_labels.extend(labels(&[("app", &s.name), ("version", &v.name)]));
        let mut dep_labels = u.labels.clone();
        dep_labels.insert("version".into(), v.name.clone());
        let mut annotations: std::collections::BTreeMap<String, String> = s
            .annotations
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect();
        annotations.extend(pod.proxy.annotations());
        annotations.insert(
            "proxy.istio.io/config".into(),
            compute::proxy_config(pod.proxy, pod.life),
        );
        if cx.mesh.istio >= (1, 24) {
            annotations.insert(
                "sidecar.istio.io/nativeSidecar".into(),
                pod.life.native.to_string(),
            );
        }
        // A fixed count is split across versions by weight, like the HPA's bounds.
        let replicas = s.replicas.map(|(k, _)| {
            if k == 0 {
                0
            } else {
                compute::replicas(s, v.weight, total).0 as i32
            }
        });
        let deployment = Deployment {
            metadata: meta(&dep_name, Some(&s.namespace), dep_labels),
            spec: Some(DeploymentSpec {
                replicas,
                selector: LabelSelector {
                    match_labels: Some(labels(&[("app", &s.name), ("version", &v.name)])),
                    ..Default::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(pod_labels),
                        annotations: Some(annotations),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        service_account_name: Some(s.name.clone()),
                        automount_service_account_token: Some(s.security.automount_token.0),
                        security_context: Some(pod::pod_security(s)),
                        termination_grace_period_seconds: Some(pod.life.grace_seconds),
                        containers: vec![pod::container(s, &v.image, pod, mounts.clone())],
                        volumes: (!volumes.is_empty()).then(|| volumes.clone()),
                        ..Default::default()
                    }),
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        push(out, Some(&s.name), &deployment);
        if s.replicas.is_none() {
            super::hpa::build(cx, u, pod.proxy, &v.name, v.weight, total, out);
        }
    }
}
