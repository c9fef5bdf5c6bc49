//! DestinationRule: a subset per version (label `version`), the load balancer (LEAST_REQUEST
//! by default), ISTIO_MUTUAL unless mTLS is off, the connection pool and outlier detection
//! (circuit breaking) when asked for.

use super::Unit;
use crate::istio::*;
use crate::{labels, meta, push, Ctx, Object};

pub(crate) fn build(cx: &mut Ctx<'_>, u: &Unit<'_>, out: &mut Vec<Object>) {
    let s = &cx.services[u.i];
    let subsets = s
        .versions
        .iter()
        .map(|v| Subset {
            name: v.name.clone(),
            labels: labels(&[("version", &v.name)]),
        })
        .collect();
    let traffic_policy = TrafficPolicy {
        load_balancer: LoadBalancer {
            simple: s.load_balancer.clone(),
        },
        connection_pool: s.connection_pool.as_ref().map(|p| ConnectionPool {
            tcp: p.max_connections.map(|m| TcpPool { max_connections: m }),
            http: (p.http1_max_pending.is_some()
                || p.http2_max_requests.is_some()
                || p.max_requests_per_connection.is_some())
            .then_some(HttpPool {
                http1_max_pending_requests: p.http1_max_pending,
                http2_max_requests: p.http2_max_requests,
                max_requests_per_connection: p.max_requests_per_connection,
            }),
        }),
        outlier_detection: s.circuit_breaker.as_ref().map(|c| OutlierDetection {
            consecutive_5xx_errors: c.consecutive_5xx,
            interval: c.interval.seconds_text(),
            base_ejection_time: c.base_ejection.seconds_text(),
            max_ejection_percent: c.max_ejection_percent,
        }),
        tls: (cx.mesh.mtls != "DISABLE").then(|| ClientTls {
            mode: "ISTIO_MUTUAL".into(),
        }),
    };
    let dr = IstioObject {
        api_version: cx.networking().into(),
        kind: "DestinationRule".into(),
        metadata: meta(&s.name, Some(&s.namespace), u.labels.clone()),
        spec: DestinationRuleSpec {
            host: cx.fqdn(s),
            traffic_policy,
            subsets,
        },
    };
    push(out, Some(&s.name), &dr);
}
