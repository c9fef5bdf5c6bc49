//! HorizontalPodAutoscaler (autoscaling/v2), one per version, unless `replicas` fixes the
//! count. It targets the application container's CPU (`ContainerResource`, on by default
//! from Kubernetes 1.27), not the pod's, which includes the proxy; before 1.27 the pod target
//! is adjusted for the proxy's request (W0308). A canary's bounds scale with its weight.

use super::Unit;
use crate::compute::{self, Proxy};
use crate::guardrails::w0308_hpa_adjusted;
use crate::{meta, push, Ctx, Object};
use k8s_openapi::api::autoscaling::v2::{
    ContainerResourceMetricSource, CrossVersionObjectReference, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget, ResourceMetricSource,
};

pub(crate) fn build(
    cx: &mut Ctx<'_>,
    u: &Unit<'_>,
    proxy: &Proxy,
    version: &str,
    weight: i64,
    total: i64,
    out: &mut Vec<Object>,
) {
    let s = &cx.services[u.i];
    let dep_name = super::deployment::name(s, version);
    let mut l = u.labels.clone();
    l.insert("version".into(), version.into());
    let (min, max) = compute::replicas(s, weight, total);
    let target = |t: i32| MetricTarget {
        type_: "Utilization".into(),
        average_utilization: Some(t),
        ..Default::default()
    };
    let metric = match compute::hpa_target(s, proxy, cx.mesh) {
        compute::HpaTarget::Container(t) => MetricSpec {
            type_: "ContainerResource".into(),
            container_resource: Some(ContainerResourceMetricSource {
                name: "cpu".into(),
                container: "app".into(),
                target: target(t),
            }),
            ..Default::default()
        },
        compute::HpaTarget::Pod { target: t, exact } => {
            if version == s.versions[0].name {
                let d = w0308_hpa_adjusted::diagnostic(s, cx.mesh, proxy, t, exact);
                cx.finding(s, d);
            }
            MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: target(t),
                }),
                ..Default::default()
            }
        }
    };
    let hpa = HorizontalPodAutoscaler {
        metadata: meta(&dep_name, Some(&s.namespace), l),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".into()),
                kind: "Deployment".into(),
                name: dep_name.clone(),
            },
            min_replicas: Some(min.clamp(1, i32::MAX as i64) as i32),
            max_replicas: max.clamp(1, i32::MAX as i64) as i32,
            metrics: Some(vec![metric]),
            ..Default::default()
        }),
        ..Default::default()
    };
    push(out, Some(&s.name), &hpa);
}
