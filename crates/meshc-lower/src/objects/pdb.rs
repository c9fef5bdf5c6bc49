//! PodDisruptionBudget (policy/v1): keeps one pod through voluntary disruptions (node drains,
//! upgrades) once the workload runs at least two. A single pod gets none: a budget of one
//! would block every node drain.

use super::Unit;
use crate::{meta, push, Ctx, Object};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    if s.min < 2 {
        return;
    }
    let pdb = PodDisruptionBudget {
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec: Some(PodDisruptionBudgetSpec {
            selector: Some(LabelSelector {
                match_labels: Some(u.app.clone()),
                ..Default::default()
            }),
            min_available: Some(IntOrString::Int(1)),
            ..Default::default()
        }),
        ..Default::default()
    };
    push(out, Some(&s.name), &pdb);
}
