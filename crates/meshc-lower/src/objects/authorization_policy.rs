//! AuthorizationPolicy: ALLOW only from the principals (`<trustDomain>/ns/<ns>/sa/<sa>`) of
//! the workloads that declare this service as a dependency (the reverse dependency graph of
//! the whole mesh), the callers it declares from outside the mesh, and the ingress gateway
//! when it is exposed. `public: true` generates none (anyone may call); a service nobody calls
//! gets none and W0311. A worker takes no calls: its policy has no rules, which denies all.

use super::Unit;
use crate::guardrails::w0311_nobody_calls;
use crate::istio::*;
use crate::{meta, push, Ctx, Object};

/// The identity (`namespace/serviceaccount`) of the ingress gateway that serves an exposed
/// service: the shared gateway's for Istio's API, the per-namespace `ingress` Gateway's
/// deployment for the Gateway API (Istio names it `<gateway>-<class>`).
pub(crate) fn ingress_identity(cx: &Ctx<'_>, namespace: &str) -> (String, String) {
    let ing = &cx.mesh.ingress;
    if ing.gateway_api {
        (
            namespace.to_string(),
            format!("{}-{}", super::ingress::GATEWAY, ing.class_name),
        )
    } else {
        (ing.namespace.clone(), ing.service_account.clone())
    }
}

/// The SPIFFE principal of service account `sa` of namespace `ns` in trust domain `td`.
fn principal(td: &str, ns: &str, sa: &str) -> String {
    crate::concat(&[td, "/ns/", ns, "/sa/", sa])
}

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let td = &cx.mesh.trust_domain;
    let mut principals: Vec<String> = u
        .callers
        .iter()
        .map(|&c| principal(td, &cx.services[c].namespace, &cx.services[c].name))
        .collect();
    for (c, _) in &s.callers {
        if let Some((cns, sa)) = c.split_once('/') {
            principals.push(principal(td, cns, sa));
        }
    }
    if s.expose.is_some() {
        let (ns, sa) = ingress_identity(cx, &s.namespace);
        principals.push(principal(td, &ns, &sa));
    }
    principals.sort();
    principals.dedup();
    if s.public == Some(true) {
        return;
    }
    if principals.is_empty() && s.public.is_none() && !s.worker {
        w0311_nobody_calls::check(cx, s);
        return;
    }
    let rules = if principals.is_empty() {
        Vec::new()
    } else {
        vec![Rule {
            from: vec![RuleFrom {
                source: Source { principals },
            }],
        }]
    };
    let ap = IstioObject {
        api_version: cx.security().into(),
        kind: "AuthorizationPolicy".into(),
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec: AuthorizationPolicySpec {
            selector: Selector {
                match_labels: u.app.clone(),
            },
            action: "ALLOW".into(),
            rules,
        },
    };
    push(out, Some(&s.name), &ap);
}
