//! VirtualService inside the mesh: weighted routes over the version subsets; HTTP routes get
//! the retry policy (attempts 2 on connect-failure unless the service is idempotent) and the
//! timeout; tcp services get TCP routes (no HTTP retries apply to them). [`http_route`] is
//! shared with the ingress VirtualService, so outside traffic gets the same weights.

use super::Unit;
use crate::istio::*;
use crate::model::Service;
use crate::{meta, push, Ctx, Object};

/// The weighted destinations of a service's versions.
pub(crate) fn destinations(cx: &Ctx<'_>, s: &Service, port: bool) -> Vec<RouteDestination> {
    s.versions
        .iter()
        .map(|v| RouteDestination {
            destination: Destination {
                host: cx.fqdn(s),
                subset: v.name.clone(),
                port: port.then_some(PortSelector { number: s.port }),
            },
            weight: v.weight,
        })
        .collect()
}

/// The HTTP route of a service, with its retry policy and timeout.
pub(crate) fn http_route(
    cx: &Ctx<'_>,
    s: &Service,
    name: &str,
    match_: Vec<HttpMatch>,
) -> HttpRoute {
    HttpRoute {
        name: name.into(),
        match_,
        route: destinations(cx, s, false),
        retries: HttpRetry {
            attempts: s.attempts,
            retry_on: (s.attempts > 0).then(|| s.retry_on.clone()),
            per_try_timeout: s
                .per_try_timeout
                .filter(|_| s.attempts > 0)
                .map(|d| d.seconds_text()),
        },
        timeout: s.timeout.map(|d| d.seconds_text()),
    }
}

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let fqdn = cx.fqdn(s);
    let spec = if s.protocol == "tcp" {
        VirtualServiceSpec {
            hosts: vec![fqdn],
            gateways: Vec::new(),
            http: Vec::new(),
            tcp: vec![TcpRoute {
                route: destinations(cx, s, true),
            }],
        }
    } else {
        VirtualServiceSpec {
            hosts: vec![fqdn],
            gateways: Vec::new(),
            http: vec![http_route(cx, s, "default", Vec::new())],
            tcp: Vec::new(),
        }
    };
    let vs = IstioObject {
        api_version: cx.networking().into(),
        kind: "VirtualService".into(),
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec,
    };
    push(out, Some(&s.name), &vs);
}
