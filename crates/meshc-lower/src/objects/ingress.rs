//! Ingress for services with `expose`, through the mesh's ingress gateway, with the same
//! version weights as inside the mesh.
//!
//! `mesh.ingress.api: "istio"` (the default): one Istio `Gateway` named `ingress` per
//! namespace with exposed services, selecting the shared gateway pods (`istio: ingressgateway`
//! in istio-system by default), a server on port 80 for each service's hosts (and 443 with its
//! `tls` Secret, port 80 then redirecting); and a VirtualService `<name>-ingress` bound to it,
//! matching the path prefix and splitting across the version subsets.
//!
//! `mesh.ingress.api: "gateway-api"`: one Kubernetes `Gateway` named `ingress` per namespace
//! (class `istio` by default: Istio deploys its pods, `ingress-istio`), a listener per host,
//! and an `HTTPRoute` per service, whose backends are the service (one version) or its
//! per-version Services, weighted. With `tls`, HTTPS listeners terminate with the Secret and
//! a second route (`<name>-redirect`) redirects plain HTTP.

use super::Unit;
use crate::gateway_api as gw;
use crate::istio::*;
use crate::{meta, push, Ctx, Object};
use std::collections::BTreeMap;

/// The name of the per-namespace ingress Gateway.
pub(crate) const GATEWAY: &str = "ingress";

fn gateway_api_version(cx: &Ctx<'_>) -> &'static str {
    // Istio serves the Gateway API's v1 from 1.20 (Gateway API 1.0).
    if cx.mesh.istio >= (1, 20) {
        "gateway.networking.k8s.io/v1"
    } else {
        "gateway.networking.k8s.io/v1beta1"
    }
}

fn listener_name(service: &str, scheme: &str, k: usize) -> String {
    format!("{service}-{scheme}-{k}")
}

/// The namespace's ingress Gateway, when one of its services is exposed.
/// The Gateway of namespace `ns`, whose workloads are `workloads`.
pub(crate) fn gateway(
    cx: &mut Ctx<'_>,
    ns: &str,
    workloads: &[&crate::model::Service],
    out: &mut Vec<Object>,
) {
    let exposed: Vec<&crate::model::Service> = workloads
        .iter()
        .copied()
        .filter(|s| s.expose.is_some() && !s.worker && s.protocol != "tcp")
        .collect();
    if exposed.is_empty() {
        return;
    }
    let m = meta(GATEWAY, Some(ns), BTreeMap::new());
    if cx.mesh.ingress.gateway_api {
        let mut listeners = Vec::new();
        for s in &exposed {
            let e = s.expose.as_ref().expect("exposed");
            for (k, h) in e.hosts.iter().enumerate() {
                let listener =
                    |scheme: &str, port: i64, tls: Option<gw::ListenerTls>| gw::Listener {
                        name: listener_name(&s.name, scheme, k),
                        hostname: h.clone(),
                        port,
                        protocol: scheme.to_uppercase(),
                        tls,
                        allowed_routes: gw::AllowedRoutes {
                            namespaces: gw::RouteNamespaces {
                                from: "Same".into(),
                            },
                        },
                    };
                listeners.push(listener("http", 80, None));
                if let Some(secret) = &e.tls {
                    listeners.push(listener(
                        "https",
                        443,
                        Some(gw::ListenerTls {
                            mode: "Terminate".into(),
                            certificate_refs: vec![gw::ObjectRef {
                                name: secret.clone(),
                            }],
                        }),
                    ));
                }
            }
        }
        let g = IstioObject {
            api_version: gateway_api_version(cx).into(),
            kind: "Gateway".into(),
            metadata: m,
            spec: gw::GatewaySpec {
                gateway_class_name: cx.mesh.ingress.class_name.clone(),
                listeners,
            },
        };
        push(out, None, &g);
    } else {
        let mut servers = Vec::new();
        for s in &exposed {
            let e = s.expose.as_ref().expect("exposed");
            servers.push(Server {
                port: GatewayPort {
                    number: 80,
                    name: format!("http-{}", s.name),
                    protocol: "HTTP".into(),
                },
                hosts: e.hosts.clone(),
                tls: e.tls.as_ref().map(|_| ServerTls {
                    https_redirect: Some(true),
                    ..Default::default()
                }),
            });
            if let Some(secret) = &e.tls {
                servers.push(Server {
                    port: GatewayPort {
                        number: 443,
                        name: format!("https-{}", s.name),
                        protocol: "HTTPS".into(),
                    },
                    hosts: e.hosts.clone(),
                    tls: Some(ServerTls {
                        mode: Some("SIMPLE".into()),
                        credential_name: Some(secret.clone()),
                        ..Default::default()
                    }),
                });
            }
        }
        let g = IstioObject {
            api_version: cx.networking().into(),
            kind: "Gateway".into(),
            metadata: m,
            spec: GatewaySpec {
                selector: cx.mesh.ingress.selector.clone(),
                servers,
            },
        };
        push(out, None, &g);
    }
}

/// The route of one exposed service.
pub(crate) fn routes(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let Some(e) = &s.expose else { return };
    let name = format!("{}-ingress", s.name);
    if cx.mesh.ingress.gateway_api {
        let backends: Vec<gw::BackendRef> = if super::service::version_services(cx, u.i) {
            s.versions
                .iter()
                .map(|v| gw::BackendRef {
                    name: format!("{}-{}", s.name, v.name),
                    port: s.port,
                    weight: v.weight,
                })
                .collect()
        } else {
            vec![gw::BackendRef {
                name: s.name.clone(),
                port: s.port,
                weight: 100,
            }]
        };
        let matches = vec![gw::HttpRouteMatch {
            path: gw::PathMatch {
                type_: "PathPrefix".into(),
                value: e.path.clone(),
            },
        }];
        let sections = |scheme: &str| -> Vec<gw::ParentRef> {
            (0..e.hosts.len())
                .map(|k| gw::ParentRef {
                    name: GATEWAY.into(),
                    section_name: Some(listener_name(&s.name, scheme, k)),
                })
                .collect()
        };
        let route =
            |name: &str, parent_refs: Vec<gw::ParentRef>, rule: gw::HttpRouteRule| IstioObject {
                api_version: gateway_api_version(cx).into(),
                kind: "HTTPRoute".into(),
                metadata: meta(name, Some(&s.namespace), u.labels.clone()),
                spec: gw::HttpRouteSpec {
                    parent_refs,
                    hostnames: e.hosts.clone(),
                    rules: vec![rule],
                },
            };
        let serve = gw::HttpRouteRule {
            matches: matches.clone(),
            filters: Vec::new(),
            backend_refs: backends,
        };
        if e.tls.is_some() {
            push(out, Some(&s.name), &route(&name, sections("https"), serve));
            let redirect = gw::HttpRouteRule {
                matches,
                filters: vec![gw::HttpRouteFilter {
                    type_: "RequestRedirect".into(),
                    request_redirect: gw::RequestRedirect {
                        scheme: "https".into(),
                        status_code: 301,
                    },
                }],
                backend_refs: Vec::new(),
            };
            push(
                out,
                Some(&s.name),
                &route(&format!("{}-redirect", s.name), sections("http"), redirect),
            );
        } else {
            push(out, Some(&s.name), &route(&name, sections("http"), serve));
        }
    } else {
        let m = vec![HttpMatch {
            uri: StringMatch {
                prefix: e.path.clone(),
            },
        }];
        let vs = IstioObject {
            api_version: cx.networking().into(),
            kind: "VirtualService".into(),
            metadata: meta(&name, Some(&s.namespace), u.labels.clone()),
            spec: VirtualServiceSpec {
                hosts: e.hosts.clone(),
                gateways: vec![GATEWAY.into()],
                http: vec![super::virtual_service::http_route(cx, s, "ingress", m)],
                tcp: Vec::new(),
            },
        };
        push(out, Some(&s.name), &vs);
    }
}
