//! The concrete model read from an evaluated package: the `mesh` block and every service, with
//! the spans of their values (for diagnostics). The stdlib schemas guarantee the shape; a
//! package that bypasses them gets `E0320` for what is missing.

use meshc_eval::Node;
use meshc_syntax::lit::{Duration, Quantity};
use meshc_syntax::{codes, Diagnostic, Span};
use std::collections::BTreeMap;

/// A `major.minor` version.
pub type Version = (u32, u32);

#[derive(Clone, Debug)]
pub struct Mesh {
    pub kubernetes: Version,
    pub istio: Version,
    pub domain: String,
    pub trust_domain: String,
    pub mtls: String,
    pub revision: Option<String>,
    pub outbound: String,
    /// (CPU, memory) per 1000 requests per second through a proxy, when overridden.
    pub proxy_cost: Option<(Quantity, Quantity)>,
}

#[derive(Clone, Debug)]
pub struct ServiceVersion {
    pub name: String,
    pub image: String,
    pub weight: i64,
    pub reason: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Load {
    pub peak_rps: f64,
    pub requests_per_call: f64,
    pub pods: Option<i64>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct SidecarCfg {
    pub cpu: Option<(Quantity, Span)>,
    pub memory: Option<(Quantity, Span)>,
    pub cpu_limit: Option<Quantity>,
    pub memory_limit: Option<Quantity>,
    pub concurrency: Option<(i64, Span)>,
}

#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    pub consecutive_5xx: i64,
    pub interval: Duration,
    pub base_ejection: Duration,
    pub max_ejection_percent: i64,
}

#[derive(Clone, Debug, Default)]
pub struct ConnectionPool {
    pub max_connections: Option<i64>,
    pub http1_max_pending: Option<i64>,
    pub http2_max_requests: Option<i64>,
    pub max_requests_per_connection: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub protocol: String,
    pub port: i64,
    pub target_port: i64,
    pub cpu: Quantity,
    pub memory: Quantity,
    pub cpu_limit: Option<Quantity>,
    pub memory_limit: Option<Quantity>,
    pub min: i64,
    pub max: i64,
    pub cpu_target: f64,
    pub deps: Vec<(String, Span)>,
    pub callers: Vec<(String, Span)>,
    pub public: Option<bool>,
    /// Declared versions, or one `stable` version with the service image.
    pub versions: Vec<ServiceVersion>,
    pub idempotent: bool,
    pub attempts: i64,
    pub retry_on: String,
    pub retry_on_span: Span,
    pub per_try_timeout: Option<Duration>,
    pub timeout: Option<Duration>,
    pub load: Option<Load>,
    pub sidecar: SidecarCfg,
    pub drain_delay: Duration,
    pub drain_time: Duration,
    pub grace: Duration,
    pub grace_span: Span,
    pub hook: String,
    pub hook_span: Span,
    pub load_balancer: String,
    pub circuit_breaker: Option<CircuitBreaker>,
    pub connection_pool: Option<ConnectionPool>,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<(String, String)>,
    /// Guardrail codes silenced for this service, with their reasons.
    pub allow: BTreeMap<String, String>,
    pub span: Span,
}

/// Reads values out of nodes, recording what is missing or of the wrong kind.
pub struct Reader<'d> {
    pub diags: &'d mut Vec<Diagnostic>,
    what: String,
    span: Span,
    missing: Vec<String>,
}

impl<'d> Reader<'d> {
    pub fn new(diags: &'d mut Vec<Diagnostic>, what: String, span: Span) -> Self {
        Reader {
            diags,
            what,
            span,
            missing: Vec::new(),
        }
    }
    fn missing(&mut self, path: &str, want: &str) {
        self.missing.push(format!("`{path}` ({want})"));
    }
    /// One diagnostic for everything that was missing or of the wrong kind.
    pub fn finish(self) {
        if self.missing.is_empty() {
            return;
        }
        self.diags.push(
            Diagnostic::error(codes::BAD_SHAPE, format!("`{}` does not have the shape of the stdlib schema", self.what))
                .primary(self.span, "here")
                .note(format!("missing or of the wrong kind: {}", self.missing.join(", ")))
                .help("unify it with the stdlib schema: `import \"mesh\"` and `mesh.#Service` / `mesh.#Mesh`, or use `service NAME { … }`"),
        );
    }
    pub fn node<'n>(&mut self, n: &'n Node, path: &str) -> Option<&'n Node> {
        n.at(&path.split('.').collect::<Vec<_>>())
    }
    pub fn str(&mut self, n: &Node, path: &str) -> String {
        match self.node(n, path).and_then(Node::as_str) {
            Some(s) => s.to_string(),
            None => {
                self.missing(path, "a string");
                String::new()
            }
        }
    }
    pub fn opt_str(&mut self, n: &Node, path: &str) -> Option<String> {
        self.node(n, path).and_then(Node::as_str).map(String::from)
    }
    pub fn int(&mut self, n: &Node, path: &str) -> i64 {
        match self.node(n, path).and_then(Node::as_int) {
            Some(i) => i,
            None => {
                self.missing(path, "an int");
                0
            }
        }
    }
    pub fn opt_int(&mut self, n: &Node, path: &str) -> Option<i64> {
        self.node(n, path).and_then(Node::as_int)
    }
    pub fn bool(&mut self, n: &Node, path: &str) -> bool {
        match self.node(n, path).and_then(Node::as_bool) {
            Some(b) => b,
            None => {
                self.missing(path, "a bool");
                false
            }
        }
    }
    pub fn quantity(&mut self, n: &Node, path: &str) -> Quantity {
        match self.node(n, path).and_then(Node::as_quantity) {
            Some(q) => q,
            None => {
                self.missing(path, "a quantity");
                Quantity::from_int(0)
            }
        }
    }
    pub fn opt_quantity(&mut self, n: &Node, path: &str) -> Option<Quantity> {
        self.node(n, path).and_then(Node::as_quantity)
    }
    pub fn duration(&mut self, n: &Node, path: &str) -> Duration {
        match self.node(n, path).and_then(Node::as_duration) {
            Some(d) => d,
            None => {
                self.missing(path, "a duration");
                Duration(0)
            }
        }
    }
    pub fn opt_duration(&mut self, n: &Node, path: &str) -> Option<Duration> {
        self.node(n, path).and_then(Node::as_duration)
    }
    pub fn strings(&mut self, n: &Node, path: &str) -> Vec<(String, Span)> {
        match self.node(n, path).map(|x| x.as_list()) {
            Some(Some(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.span)))
                .collect(),
            Some(None) => {
                self.missing(path, "a list of strings");
                Vec::new()
            }
            None => Vec::new(),
        }
    }
    pub fn string_map(&mut self, n: &Node, path: &str) -> BTreeMap<String, String> {
        self.node(n, path)
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn version(s: &str) -> Option<Version> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

pub fn read_mesh(n: Option<&Node>, diags: &mut Vec<Diagnostic>) -> Mesh {
    let default = Mesh {
        kubernetes: (1, 32),
        istio: (1, 24),
        domain: "cluster.local".into(),
        trust_domain: "cluster.local".into(),
        mtls: "STRICT".into(),
        revision: None,
        outbound: "REGISTRY_ONLY".into(),
        proxy_cost: None,
    };
    let Some(n) = n else { return default };
    let mut r = Reader::new(diags, "mesh".into(), n.span);
    let k = r.str(n, "kubernetes");
    let i = r.str(n, "istio");
    let cost = match (
        r.opt_quantity(n, "proxyCost.cpuPer1000Rps"),
        r.opt_quantity(n, "proxyCost.memoryPer1000Rps"),
    ) {
        (Some(c), Some(m)) => Some((c, m)),
        _ => None,
    };
    let mesh = Mesh {
        kubernetes: version(&k).unwrap_or(default.kubernetes),
        istio: version(&i).unwrap_or(default.istio),
        domain: r.opt_str(n, "domain").unwrap_or(default.domain),
        trust_domain: r.opt_str(n, "trustDomain").unwrap_or(default.trust_domain),
        mtls: r.opt_str(n, "mtls").unwrap_or(default.mtls),
        revision: r.opt_str(n, "revision"),
        outbound: r
            .opt_str(n, "outboundTrafficPolicy")
            .unwrap_or(default.outbound),
        proxy_cost: cost,
    };
    r.finish();
    mesh
}

pub fn read_service(label: &str, n: &Node, diags: &mut Vec<Diagnostic>) -> Service {
    let mut r = Reader::new(diags, format!("services.{label}"), n.span);
    let image = r.str(n, "image");
    let versions = match n.get("versions").and_then(Node::as_map) {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(name, v)| ServiceVersion {
                name: name.clone(),
                image: v
                    .get("image")
                    .and_then(Node::as_str)
                    .unwrap_or(&image)
                    .to_string(),
                weight: r.int(v, "weight"),
                reason: v.get("reason").and_then(Node::as_str).map(String::from),
                span: v.span,
            })
            .collect(),
        _ => vec![ServiceVersion {
            name: "stable".into(),
            image: image.clone(),
            weight: 100,
            reason: None,
            span: n.span,
        }],
    };
    let load = n.get("load").map(|l| Load {
        peak_rps: l.get("peakRps").and_then(Node::as_f64).unwrap_or(0.0),
        requests_per_call: l
            .get("requestsPerCall")
            .and_then(Node::as_f64)
            .unwrap_or(1.0),
        pods: l.get("pods").and_then(Node::as_int),
        span: l.span,
    });
    let sidecar = SidecarCfg {
        cpu: r
            .node(n, "sidecar.cpu")
            .and_then(|x| x.as_quantity().map(|q| (q, x.span))),
        memory: r
            .node(n, "sidecar.memory")
            .and_then(|x| x.as_quantity().map(|q| (q, x.span))),
        cpu_limit: r.opt_quantity(n, "sidecar.cpuLimit"),
        memory_limit: r.opt_quantity(n, "sidecar.memoryLimit"),
        concurrency: r
            .node(n, "sidecar.concurrency")
            .and_then(|x| x.as_int().map(|c| (c, x.span))),
    };
    let circuit_breaker = n.get("circuitBreaker").map(|c| CircuitBreaker {
        consecutive_5xx: c
            .get("consecutive5xxErrors")
            .and_then(Node::as_int)
            .unwrap_or(5),
        interval: c
            .get("interval")
            .and_then(Node::as_duration)
            .unwrap_or(Duration(10_000_000_000)),
        base_ejection: c
            .get("baseEjectionTime")
            .and_then(Node::as_duration)
            .unwrap_or(Duration(30_000_000_000)),
        max_ejection_percent: c
            .get("maxEjectionPercent")
            .and_then(Node::as_int)
            .unwrap_or(10),
    });
    let connection_pool = n.get("connectionPool").map(|c| ConnectionPool {
        max_connections: c.get("maxConnections").and_then(Node::as_int),
        http1_max_pending: c.get("http1MaxPendingRequests").and_then(Node::as_int),
        http2_max_requests: c.get("http2MaxRequests").and_then(Node::as_int),
        max_requests_per_connection: c.get("maxRequestsPerConnection").and_then(Node::as_int),
    });
    let grace_node = r.node(n, "lifecycle.terminationGracePeriod");
    let grace_span = grace_node.map(|g| g.span).unwrap_or(n.span);
    let hook_span = r
        .node(n, "lifecycle.hook")
        .map(|g| g.span)
        .unwrap_or(n.span);
    let retry_on_span = r
        .node(n, "retries.retryOn")
        .map(|g| g.span)
        .unwrap_or(n.span);
    let service = Service {
        name: r.str(n, "name"),
        namespace: r.str(n, "namespace"),
        protocol: r.str(n, "protocol"),
        port: r.int(n, "port"),
        target_port: r.int(n, "targetPort"),
        cpu: r.quantity(n, "resources.cpu"),
        memory: r.quantity(n, "resources.memory"),
        cpu_limit: r.opt_quantity(n, "resources.cpuLimit"),
        memory_limit: r.opt_quantity(n, "resources.memoryLimit"),
        min: r.int(n, "autoscale.min"),
        max: r.int(n, "autoscale.max"),
        cpu_target: r
            .node(n, "autoscale.cpu")
            .and_then(Node::as_percent)
            .unwrap_or(70.0),
        deps: r.strings(n, "deps"),
        callers: r.strings(n, "callers"),
        public: r.node(n, "public").and_then(Node::as_bool),
        versions,
        idempotent: r.bool(n, "idempotent"),
        attempts: r.int(n, "retries.attempts"),
        retry_on: r.str(n, "retries.retryOn"),
        retry_on_span,
        per_try_timeout: r.opt_duration(n, "retries.perTryTimeout"),
        timeout: r.opt_duration(n, "timeout"),
        load,
        sidecar,
        drain_delay: r.duration(n, "lifecycle.drainDelay"),
        drain_time: r.duration(n, "lifecycle.drainTime"),
        grace: r.duration(n, "lifecycle.terminationGracePeriod"),
        grace_span,
        hook: r.str(n, "lifecycle.hook"),
        hook_span,
        load_balancer: r.str(n, "loadBalancer"),
        circuit_breaker,
        connection_pool,
        labels: r.string_map(n, "labels"),
        env: r.string_map(n, "env").into_iter().collect(),
        allow: r.string_map(n, "allow"),
        image,
        span: n.span,
    };
    r.finish();
    service
}
