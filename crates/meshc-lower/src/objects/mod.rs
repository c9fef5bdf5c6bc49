//! One module per generated kind. [`workload`] runs them for one service or worker, in apply
//! order; the namespace-wide objects (Namespace, PeerAuthentication, the ingress Gateway)
//! come from [`namespace`] and [`ingress`].

pub(crate) mod authorization_policy;
pub(crate) mod deployment;
pub(crate) mod destination_rule;
pub(crate) mod hpa;
pub(crate) mod ingress;
pub(crate) mod namespace;
pub(crate) mod network_policy;
pub(crate) mod pdb;
pub(crate) mod pod;
pub(crate) mod service;
pub(crate) mod service_account;
pub(crate) mod service_entry;
pub(crate) mod sidecar;
pub(crate) mod virtual_service;

use crate::compute;
use crate::guardrails::*;
use crate::resolve::Dep;
use crate::{labels, Ctx, Object};
use meshc_syntax::Span;
use std::collections::{BTreeMap, BTreeSet};

/// What the builders of one workload share.
pub(crate) struct Unit<'a> {
    pub i: usize,
    pub deps: &'a [(Dep, Span)],
    /// The services of the mesh that call this one.
    pub callers: &'a BTreeSet<usize>,
    /// `app: <name>`: what the Service, the PDB and the policies select.
    pub app: BTreeMap<String, String>,
    /// The labels of every object of the workload.
    pub labels: BTreeMap<String, String>,
}

/// Every object of one service or worker, in apply order.
pub(crate) fn workload(
    cx: &mut Ctx<'_>,
    i: usize,
    deps: &[(Dep, Span)],
    callers: &BTreeSet<usize>,
    out: &mut Vec<Object>,
) {
    let s = &cx.services[i];
    let name = s.name.as_str();
    let app = labels(&[("app", name)]);
    let mut svc_labels = s.labels.clone();
    svc_labels.extend(labels(&[("app", name), ("app.kubernetes.io/name", name)]));
    let u = Unit {
        i,
        deps,
        callers,
        app,
        labels: svc_labels,
    };

    if !s.worker {
        e0303_weights::check(cx, s);
        w0304_zero_weight::check(cx, s);
        e0305_unsafe_retry::check(cx, s);
    }
    e0318_replicas_and_autoscale::check(cx, s);
    e0323_zero_replicas::check(cx, s);
    w0322_security_relaxed::check(cx, s);
    let mut ok = e0324_expose::check(cx, s);
    ok &= e0319_volume::check(cx, s);
    ok &= e0321_env::check(cx, s);
    ok &= e0325_security::check(cx, s);
    ok &= e0326_managed_annotation::check(cx, s);

    let proxy = compute::size_proxy(s, cx.mesh);
    w0309_proxy_undersized::check(cx, s, &proxy);
    w0310_concurrency::check(cx, s, &proxy);
    let life = compute::lifecycle(s, cx.mesh);
    e0306_short_grace::check(cx, s, &life);
    w0312_no_hook::check(cx, s, &life);
    let probes = pod::probes(cx, s);
    if !ok {
        return;
    }
    let Some(probes) = probes else { return };

    service_account::build(cx, &u, out);
    if !s.worker {
        service::build(cx, &u, out);
    }
    let pod = pod::Pod {
        proxy: &proxy,
        life: &life,
        probes: &probes,
    };
    deployment::build(cx, &u, &pod, out);
    pdb::build(cx, &u, out);
    sidecar::build(cx, &u, out);
    if !s.worker {
        destination_rule::build(cx, &u, out);
        virtual_service::build(cx, &u, out);
        ingress::routes(cx, &u, out);
    }
    authorization_policy::build(cx, &u, out);
    network_policy::build(cx, &u, out);
    service_entry::build(cx, &u, out);
}
