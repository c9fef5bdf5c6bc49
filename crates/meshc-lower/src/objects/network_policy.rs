//! NetworkPolicy from the same dependency graph as the AuthorizationPolicy: defence in depth
//! at L3/L4, holding even for traffic that bypasses the proxies. On unless
//! `mesh.networkPolicy: false`.
//!
//! Ingress (to the application port, `targetPort`: the sidecar's inbound capture keeps the
//! destination port): the pods of every workload that depends on this service; the namespace
//! of each declared external caller (a NetworkPolicy cannot select a service account; the
//! mesh's ingress gateway is selected by its pod labels too); the ingress gateway's pods when
//! exposed; anyone for `public: true`; and the monitoring namespace on the proxy's metrics
//! ports 15020 and 15090 when `mesh.monitoring` names one. A worker admits no traffic. The
//! kubelet's probes need no rule: NetworkPolicies always admit traffic from the pod's own node
//! (and Istio rewrites the probes to its agent's port 15020, which the kubelet reaches that way).
//!
//! Egress: each dependency's pods on their port; a namespace-wide dependency's namespace;
//! external hosts on their port to any address (a NetworkPolicy cannot name a host: the
//! Sidecar's REGISTRY_ONLY and the ServiceEntry keep it to the host at L7); the cluster DNS on
//! 53/UDP and 53/TCP; istiod on 15012 (xDS and certificates).

use super::Unit;
use crate::resolve::Dep;
use crate::{labels, meta, push, Ctx, Object};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

const NS_LABEL: &str = "kubernetes.io/metadata.name";

fn select(m: BTreeMap<String, String>) -> Option<LabelSelector> {
    Some(LabelSelector {
        match_labels: Some(m),
        ..Default::default()
    })
}

/// Pods with `pods` labels in namespace `ns` (any namespace for `None`, any pod for an empty map).
fn peer(ns: Option<&str>, pods: Option<BTreeMap<String, String>>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: ns.map(|n| labels(&[(NS_LABEL, n)])),
            ..Default::default()
        }),
        pod_selector: pods.and_then(select),
        ip_block: None,
    }
}

fn port(n: i64, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(n as i32)),
        protocol: Some(protocol.into()),
        end_port: None,
    }
}

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    if !cx.mesh.network_policy {
        return;
    }
    let s = &cx.services[u.i];
    let mut ingress = Vec::new();
    if !s.worker {
        let app_port = vec![port(s.target_port, "TCP")];
        let mut from: Vec<NetworkPolicyPeer> = u
            .callers
            .iter()
            .map(|&c| {
                let t = &cx.services[c];
                peer(Some(&t.namespace), Some(labels(&[("app", &t.name)])))
            })
            .collect();
        let ing = &cx.mesh.ingress;
        for (c, _) in &s.callers {
            if let Some((cns, sa)) = c.split_once('/') {
                let gateway = !ing.gateway_api && cns == ing.namespace && sa == ing.service_account;
                from.push(peer(Some(cns), gateway.then(|| ing.selector.clone())));
            }
        }
        if s.expose.is_some() {
            from.push(if ing.gateway_api {
                peer(
                    Some(&s.namespace),
                    Some(labels(&[(
                        "gateway.networking.k8s.io/gateway-name",
                        super::ingress::GATEWAY,
                    )])),
                )
            } else {
                peer(Some(&ing.namespace), Some(ing.selector.clone()))
            });
        }
        from.dedup();
        if s.public == Some(true) {
            ingress.push(NetworkPolicyIngressRule {
                from: None,
                ports: Some(app_port),
            });
        } else if !from.is_empty() {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(from),
                ports: Some(app_port),
            });
        }
    }
    if let Some(m) = &cx.mesh.monitoring {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![peer(Some(m), None)]),
            ports: Some(vec![port(15020, "TCP"), port(15090, "TCP")]),
        });
    }

    let mut egress: Vec<NetworkPolicyEgressRule> = Vec::new();
    for (d, _) in u.deps {
        let rule = match d {
            Dep::Service(j) => {
                let t = &cx.services[*j];
                NetworkPolicyEgressRule {
                    to: Some(vec![peer(
                        Some(&t.namespace),
                        Some(labels(&[("app", &t.name)])),
                    )]),
                    ports: Some(vec![port(t.target_port, "TCP")]),
                }
            }
            Dep::Wide(h) => {
                let ns = h.trim_end_matches("/*");
                NetworkPolicyEgressRule {
                    to: Some(vec![peer((ns != "*").then_some(ns), None)]),
                    ports: None,
                }
            }
            Dep::External { port: p, .. } => NetworkPolicyEgressRule {
                to: Some(
                    ["0.0.0.0/0", "::/0"]
                        .iter()
                        .map(|c| NetworkPolicyPeer {
                            ip_block: Some(IPBlock {
                                cidr: c.to_string(),
                                except: None,
                            }),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ports: Some(vec![port(*p, "TCP")]),
            },
        };
        if !egress.contains(&rule) {
            egress.push(rule);
        }
    }
    egress.push(NetworkPolicyEgressRule {
        to: Some(vec![peer(
            Some(&cx.mesh.dns_namespace),
            Some(cx.mesh.dns_labels.clone()),
        )]),
        ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
    });
    egress.push(NetworkPolicyEgressRule {
        to: Some(vec![peer(
            Some("istio-system"),
            Some(labels(&[("app", "istiod")])),
        )]),
        ports: Some(vec![port(15012, "TCP")]),
    });

    let np = NetworkPolicy {
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec: Some(NetworkPolicySpec {
            pod_selector: select(u.app.clone()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    };
    push(out, Some(&s.name), &np);
}
