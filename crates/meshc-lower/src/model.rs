//! The concrete model read from an evaluated package: the `mesh` block and every service, with
//! the spans of their values (for diagnostics). The stdlib schemas guarantee the shape; a
//! package that bypasses them gets `E0320` for what is missing.

use meshc_eval::{Node, NodeKind};
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
    /// NetworkPolicies on.
    pub network_policy: bool,
    pub dns_namespace: String,
    pub dns_labels: BTreeMap<String, String>,
    /// The namespace allowed to scrape the proxies' metrics.
    pub monitoring: Option<String>,
    pub ingress: Ingress,
}

/// `mesh.ingress`: how exposed services are reached from outside.
#[derive(Clone, Debug)]
pub struct Ingress {
    /// Kubernetes Gateway API (`gateway-api`) rather than Istio's Gateway (`istio`).
    pub gateway_api: bool,
    pub namespace: String,
    pub selector: BTreeMap<String, String>,
    pub service_account: String,
    pub class_name: String,
}

/// A value of an environment variable.
#[derive(Clone, Debug)]
pub enum EnvValue {
    Text(String),
    Secret {
        name: String,
        key: String,
        optional: Option<bool>,
    },
    ConfigMap {
        name: String,
        key: String,
        optional: Option<bool>,
    },
    Field(String),
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: String,
    /// The value, or what is wrong with its source (reported by the lowering, E0321).
    pub value: Result<EnvValue, String>,
    pub span: Span,
}

/// One probe handler.
#[derive(Clone, Debug)]
pub enum Handler {
    Http {
        path: String,
        port: Option<(i64, Span)>,
        scheme: String,
        headers: Vec<(String, String)>,
    },
    Grpc {
        port: Option<(i64, Span)>,
        service: Option<String>,
    },
    Tcp {
        port: Option<(i64, Span)>,
    },
    Exec {
        command: Vec<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Probe {
    /// Every handler written (exactly one is valid).
    pub handlers: Vec<(Handler, Span)>,
    pub initial_delay: Option<(Duration, Span)>,
    pub period: Option<(Duration, Span)>,
    pub timeout: Option<(Duration, Span)>,
    pub success_threshold: Option<i64>,
    pub failure_threshold: Option<i64>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Probes {
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
}

#[derive(Clone, Debug)]
pub enum VolumeSource {
    EmptyDir {
        size_limit: Option<Quantity>,
        memory: bool,
    },
    ConfigMap(String),
    Secret(String),
    Claim(String),
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub name: String,
    pub mount: String,
    pub mount_span: Span,
    pub read_only: Option<bool>,
    pub sub_path: Option<String>,
    /// Every source written (exactly one is valid).
    pub sources: Vec<VolumeSource>,
    pub span: Span,
}

/// `security`: the pod's and the container's security context.
#[derive(Clone, Debug)]
pub struct Security {
    pub run_as_non_root: (bool, Span),
    pub run_as_user: (i64, Span),
    pub run_as_group: (i64, Span),
    pub fs_group: i64,
    pub read_only_root: (bool, Span),
    pub allow_privilege_escalation: (bool, Span),
    pub capabilities: Vec<(String, Span)>,
    pub seccomp: (String, Span),
    pub automount_token: (bool, Span),
}

#[derive(Clone, Debug)]
pub struct Expose {
    pub hosts: Vec<String>,
    pub path: String,
    pub tls: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ServiceVersion {
    pub name: String,
    pub image: String,
    pub weight: i64,
    /// Where the weight was written (the version's span when it was not).
    pub weight_span: Span,
    pub reason: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Load {
    pub peak_rps: f64,
    pub requests_per_call: f64,
    pub pods: Option<i64>,
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

/// A service (`service NAME`) or a worker (`worker NAME`, `worker` set: no Service, no inbound
/// traffic; the service-only fields keep neutral values and are not used).
#[derive(Clone, Debug)]
pub struct Service {
    pub worker: bool,
    pub name: String,
    pub namespace: String,
    pub protocol: String,
    pub port: i64,
    pub target_port: i64,
    pub cpu: Quantity,
    pub memory: Quantity,
    pub cpu_limit: Option<Quantity>,
    pub memory_limit: Option<Quantity>,
    /// Autoscaling bounds and target; with `replicas`, both bounds are the fixed count.
    pub min: i64,
    pub max: i64,
    pub cpu_target: f64,
    pub replicas: Option<(i64, Span)>,
    /// The span of an `autoscale` block (present unless `replicas` is set).
    pub autoscale_span: Option<Span>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub probes: Probes,
    pub volumes: Vec<Volume>,
    pub annotations: Vec<(String, String, Span)>,
    pub security: Security,
    pub expose: Option<Expose>,
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
    pub env: Vec<EnvVar>,
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
        n.at(path.split('.'))
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
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
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
        network_policy: true,
        dns_namespace: "kube-system".into(),
        dns_labels: BTreeMap::from([("k8s-app".to_string(), "kube-dns".to_string())]),
        monitoring: None,
        ingress: Ingress {
            gateway_api: false,
            namespace: "istio-system".into(),
            selector: BTreeMap::from([("istio".to_string(), "ingressgateway".to_string())]),
            service_account: "istio-ingressgateway-service-account".into(),
            class_name: "istio".into(),
        },
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
        network_policy: r
            .node(n, "networkPolicy")
            .and_then(Node::as_bool)
            .unwrap_or(true),
        dns_namespace: r
            .opt_str(n, "dns.namespace")
            .unwrap_or(default.dns_namespace),
        dns_labels: match r.node(n, "dns.labels") {
            Some(_) => r.string_map(n, "dns.labels"),
            None => default.dns_labels,
        },
        monitoring: r.opt_str(n, "monitoring.namespace"),
        ingress: Ingress {
            gateway_api: r.opt_str(n, "ingress.api").as_deref() == Some("gateway-api"),
            namespace: r
                .opt_str(n, "ingress.namespace")
                .unwrap_or(default.ingress.namespace),
            selector: match r.node(n, "ingress.selector") {
                Some(_) => r.string_map(n, "ingress.selector"),
                None => default.ingress.selector,
            },
            service_account: r
                .opt_str(n, "ingress.serviceAccount")
                .unwrap_or(default.ingress.service_account),
            class_name: r
                .opt_str(n, "ingress.className")
                .unwrap_or(default.ingress.class_name),
        },
    };
    r.finish();
    mesh
}

pub fn read_service(label: &str, n: &Node, worker: bool, diags: &mut Vec<Diagnostic>) -> Service {
    let map = if worker { "workers" } else { "services" };
    let mut r = Reader::new(diags, format!("{map}.{label}"), n.span);
    let image = r.str(n, "image");
    let versions = match n.get("versions").and_then(Node::as_map).filter(|_| !worker) {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(name, v)| ServiceVersion {
                name: name.to_string(),
                image: v
                    .get("image")
                    .and_then(Node::as_str)
                    .unwrap_or(&image)
                    .to_string(),
                weight: r.int(v, "weight"),
                weight_span: v.get("weight").map_or(v.span, |w| w.span),
                reason: v.get("reason").and_then(Node::as_str).map(String::from),
                span: v.span,
            })
            .collect(),
        _ => vec![ServiceVersion {
            name: "stable".into(),
            image: image.clone(),
            weight: 100,
            weight_span: n.span,
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
    let svc = !worker;
    let autoscale = n.get("autoscale");
    let replicas = n
        .get("replicas")
        .and_then(|x| x.as_int().map(|i| (i, x.span)));
    let (min, max) = match (replicas, autoscale) {
        (_, Some(a)) => (r.int(a, "min"), r.int(a, "max")),
        (Some((k, _)), None) => (k, k),
        (None, None) => (2, 10),
    };
    let service = Service {
        worker,
        name: r.str(n, "name"),
        namespace: r.str(n, "namespace"),
        protocol: if svc {
            r.str(n, "protocol")
        } else {
            String::new()
        },
        port: if svc { r.int(n, "port") } else { 0 },
        target_port: if svc { r.int(n, "targetPort") } else { 0 },
        cpu: r.quantity(n, "resources.cpu"),
        memory: r.quantity(n, "resources.memory"),
        cpu_limit: r.opt_quantity(n, "resources.cpuLimit"),
        memory_limit: r.opt_quantity(n, "resources.memoryLimit"),
        min,
        max,
        cpu_target: autoscale
            .and_then(|a| a.get("cpu"))
            .and_then(Node::as_percent)
            .unwrap_or(70.0),
        replicas,
        autoscale_span: autoscale.map(|a| a.span),
        command: n
            .get("command")
            .map(|_| r.strings(n, "command").into_iter().map(|x| x.0).collect()),
        args: n
            .get("args")
            .map(|_| r.strings(n, "args").into_iter().map(|x| x.0).collect()),
        probes: read_probes(n.get("probes")),
        volumes: read_volumes(n.get("volumes")),
        annotations: n
            .get("annotations")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string(), v.span)))
                    .collect()
            })
            .unwrap_or_default(),
        security: read_security(&mut r, n),
        expose: if svc {
            read_expose(n.get("expose"))
        } else {
            None
        },
        deps: r.strings(n, "deps"),
        callers: if svc {
            r.strings(n, "callers")
        } else {
            Vec::new()
        },
        public: if svc {
            r.node(n, "public").and_then(Node::as_bool)
        } else {
            None
        },
        versions,
        idempotent: svc && r.bool(n, "idempotent"),
        attempts: if svc { r.int(n, "retries.attempts") } else { 0 },
        retry_on: if svc {
            r.str(n, "retries.retryOn")
        } else {
            String::new()
        },
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
        load_balancer: if svc {
            r.str(n, "loadBalancer")
        } else {
            String::new()
        },
        circuit_breaker,
        connection_pool,
        labels: r.string_map(n, "labels"),
        env: read_env(n.get("env")),
        allow: r.string_map(n, "allow"),
        span: n.span,
    };
    r.finish();
    service
}

fn spanned<T>(n: Option<&Node>, f: impl Fn(&Node) -> Option<T>) -> Option<(T, Span)> {
    n.and_then(|x| f(x).map(|v| (v, x.span)))
}

fn text_list(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_list)
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn read_env(n: Option<&Node>) -> Vec<EnvVar> {
    let Some(m) = n.and_then(Node::as_map) else {
        return Vec::new();
    };
    m.iter()
        .map(|(name, v)| {
            let value = match &v.kind {
                NodeKind::Str(s) => Ok(EnvValue::Text(s.clone())),
                NodeKind::Int(i) => Ok(EnvValue::Text(i.to_string())),
                NodeKind::Float(f) => Ok(EnvValue::Text(f.to_string())),
                NodeKind::Bool(b) => Ok(EnvValue::Text(b.to_string())),
                NodeKind::Map(src) => env_source(src),
                _ => Err("a string, a number, a bool or a source".to_string()),
            };
            EnvVar {
                name: name.to_string(),
                value,
                span: v.span,
            }
        })
        .collect()
}

fn env_source(m: &meshc_eval::Fields) -> Result<EnvValue, String> {
    let get = |k: &str| m.get(k).and_then(Node::as_str).map(String::from);
    let optional = m.get("optional").and_then(Node::as_bool);
    let kinds: Vec<&str> = ["secret", "configMap", "field"]
        .into_iter()
        .filter(|k| m.contains_key(*k))
        .collect();
    match kinds.as_slice() {
        [] => {
            return Err("it names no source: give one of `secret`, `configMap` or `field`".into())
        }
        [_] => {}
        many => {
            return Err(format!(
                "it names {} sources (`{}`): give exactly one",
                many.len(),
                many.join("`, `")
            ))
        }
    }
    match (kinds[0], get("key")) {
        ("secret", Some(key)) => Ok(EnvValue::Secret {
            name: get("secret").unwrap_or_default(),
            key,
            optional,
        }),
        ("configMap", Some(key)) => Ok(EnvValue::ConfigMap {
            name: get("configMap").unwrap_or_default(),
            key,
            optional,
        }),
        ("field", None) => Ok(EnvValue::Field(get("field").unwrap_or_default())),
        ("field", Some(_)) => Err("a `field` source takes no `key`".into()),
        (k, _) => Err(format!("a `{k}` source needs the `key` to read")),
    }
}

fn read_probes(n: Option<&Node>) -> Probes {
    let probe = |k: &str| n.and_then(|n| n.get(k)).map(read_probe);
    Probes {
        readiness: probe("readiness"),
        liveness: probe("liveness"),
        startup: probe("startup"),
    }
}

fn read_probe(n: &Node) -> Probe {
    let port = |h: &Node| spanned(h.get("port"), Node::as_int);
    let mut handlers = Vec::new();
    if let Some(h) = n.get("http") {
        let headers = h
            .get("headers")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        handlers.push((
            Handler::Http {
                path: h
                    .get("path")
                    .and_then(Node::as_str)
                    .unwrap_or("/")
                    .to_string(),
                port: port(h),
                scheme: h
                    .get("scheme")
                    .and_then(Node::as_str)
                    .unwrap_or("HTTP")
                    .to_string(),
                headers,
            },
            h.span,
        ));
    }
    if let Some(h) = n.get("grpc") {
        handlers.push((
            Handler::Grpc {
                port: port(h),
                service: h.get("service").and_then(Node::as_str).map(String::from),
            },
            h.span,
        ));
    }
    if let Some(h) = n.get("tcp") {
        handlers.push((Handler::Tcp { port: port(h) }, h.span));
    }
    if let Some(h) = n.get("exec") {
        handlers.push((
            Handler::Exec {
                command: text_list(h.get("command")),
            },
            h.span,
        ));
    }
    Probe {
        handlers,
        initial_delay: spanned(n.get("initialDelay"), Node::as_duration),
        period: spanned(n.get("period"), Node::as_duration),
        timeout: spanned(n.get("timeout"), Node::as_duration),
        success_threshold: n.get("successThreshold").and_then(Node::as_int),
        failure_threshold: n.get("failureThreshold").and_then(Node::as_int),
        span: n.span,
    }
}

fn read_volumes(n: Option<&Node>) -> Vec<Volume> {
    let Some(m) = n.and_then(Node::as_map) else {
        return Vec::new();
    };
    m.iter()
        .map(|(name, v)| {
            let text = |k: &str| v.get(k).and_then(Node::as_str).map(String::from);
            let mut sources = Vec::new();
            if let Some(e) = v.get("emptyDir") {
                sources.push(VolumeSource::EmptyDir {
                    size_limit: e.get("sizeLimit").and_then(Node::as_quantity),
                    memory: e.get("medium").and_then(Node::as_str) == Some("Memory"),
                });
            }
            if let Some(c) = text("configMap") {
                sources.push(VolumeSource::ConfigMap(c));
            }
            if let Some(c) = text("secret") {
                sources.push(VolumeSource::Secret(c));
            }
            if let Some(c) = text("claim") {
                sources.push(VolumeSource::Claim(c));
            }
            let mount = v.get("mount");
            Volume {
                name: name.to_string(),
                mount: mount.and_then(Node::as_str).unwrap_or("").to_string(),
                mount_span: mount.map(|m| m.span).unwrap_or(v.span),
                read_only: v.get("readOnly").and_then(Node::as_bool),
                sub_path: text("subPath"),
                sources,
                span: v.span,
            }
        })
        .collect()
}

fn read_security(r: &mut Reader<'_>, n: &Node) -> Security {
    let b = |r: &mut Reader<'_>, k: &str, d: bool| {
        let x = r.node(n, k);
        (
            x.and_then(Node::as_bool).unwrap_or(d),
            x.map(|x| x.span).unwrap_or(n.span),
        )
    };
    let i = |r: &mut Reader<'_>, k: &str, d: i64| {
        let x = r.node(n, k);
        (
            x.and_then(Node::as_int).unwrap_or(d),
            x.map(|x| x.span).unwrap_or(n.span),
        )
    };
    let seccomp = r.node(n, "security.seccompProfile");
    Security {
        run_as_non_root: b(r, "security.runAsNonRoot", true),
        run_as_user: i(r, "security.runAsUser", 10001),
        run_as_group: i(r, "security.runAsGroup", 10001),
        fs_group: i(r, "security.fsGroup", 10001).0,
        read_only_root: b(r, "security.readOnlyRootFilesystem", true),
        allow_privilege_escalation: b(r, "security.allowPrivilegeEscalation", false),
        capabilities: r.strings(n, "security.capabilities"),
        seccomp: (
            seccomp
                .and_then(Node::as_str)
                .unwrap_or("RuntimeDefault")
                .to_string(),
            seccomp.map(|x| x.span).unwrap_or(n.span),
        ),
        automount_token: b(r, "security.automountServiceAccountToken", false),
    }
}

fn read_expose(n: Option<&Node>) -> Option<Expose> {
    let n = n?;
    Some(Expose {
        hosts: text_list(n.get("hosts")),
        path: n
            .get("path")
            .and_then(Node::as_str)
            .unwrap_or("/")
            .to_string(),
        tls: n.get("tls").and_then(Node::as_str).map(String::from),
        span: n.span,
    })
}
