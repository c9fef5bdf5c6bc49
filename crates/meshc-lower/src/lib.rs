//! Lowering: stage three of the meshc pipeline. From the evaluated package (`Node`) to every
//! Kubernetes and Istio object its services need, plus the built-in guardrails.
//!
//! The arithmetic the talk asks of service owners is done here (see `docs/lowering.md`):
//! sidecar start/stop order and the grace period, the HPA target with a proxy in the pod,
//! sidecar sizing from `load`, the safe retry policy, FQDNs and dependency resolution.
//! Kubernetes objects come from `k8s-openapi`, Istio objects from [`istio`]; objects are
//! returned as JSON values in apply order, and written as YAML by the `meshc` crate only.

pub mod compute;
pub mod diff;
pub mod istio;
pub mod model;

use compute::Proxy;
use istio::*;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::autoscaling::v2::{
    ContainerResourceMetricSource, CrossVersionObjectReference, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, ExecAction, Lifecycle as K8sLifecycle, LifecycleHandler,
    Namespace, PodSpec, PodTemplateSpec, ResourceRequirements, Service as K8sService,
    ServiceAccount, ServicePort, ServiceSpec, SleepAction,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use meshc_eval::Node;
use meshc_syntax::lit::Quantity;
use meshc_syntax::{codes, Diagnostic, Span};
use model::{Mesh, Service};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One generated object.
#[derive(Clone, Debug)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The service the object belongs to (`None` for namespace-wide objects).
    pub service: Option<String>,
    pub value: serde_json::Value,
}

/// A dependency edge of the mesh, for tools that draw the graph.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    /// `namespace/name` of a service of the mesh, or an external `host:port`.
    pub to: String,
    pub external: bool,
}

#[derive(Debug, Default)]
pub struct Lowered {
    pub objects: Vec<Object>,
    pub edges: Vec<Edge>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A resolved dependency.
#[derive(Clone, Debug)]
enum Dep {
    Service(usize),
    External {
        host: String,
        port: i64,
    },
    /// `ns/*` or `*/*`: a whole namespace (or mesh) as egress.
    Wide(String),
}

const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Lowers the value of a package with a `services` field. Objects are in apply order:
/// namespaces (with their PeerAuthentication) first, then each service by name, each with its
/// objects in kind order.
pub fn lower(root: &Node) -> Lowered {
    let mut out = Lowered::default();
    let mesh = model::read_mesh(root.get("mesh"), &mut out.diagnostics);
    let mut services: Vec<Service> = match root.get("services").and_then(Node::as_map) {
        Some(m) => m
            .iter()
            .map(|(k, v)| model::read_service(k, v, &mut out.diagnostics))
            .collect(),
        None => Vec::new(),
    };
    if out.diagnostics.iter().any(Diagnostic::is_error) {
        return out;
    }
    services.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in services.iter().enumerate() {
        by_name.entry(s.name.as_str()).or_default().push(i);
    }
    let mut l = Lowerer {
        mesh,
        services: &services,
        by_name,
        findings: Vec::new(),
    };

    let deps: Vec<Vec<(Dep, Span)>> = (0..services.len()).map(|i| l.resolve_deps(i)).collect();
    let mut callers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); services.len()];
    for (i, ds) in deps.iter().enumerate() {
        for (d, _) in ds {
            match d {
                Dep::Service(j) => {
                    callers[*j].insert(i);
                    out.edges.push(Edge {
                        from: l.id(i),
                        to: l.id(*j),
                        external: false,
                    });
                }
                Dep::External { host, port } => out.edges.push(Edge {
                    from: l.id(i),
                    to: format!("{host}:{port}"),
                    external: true,
                }),
                Dep::Wide(h) => out.edges.push(Edge {
                    from: l.id(i),
                    to: h.clone(),
                    external: false,
                }),
            }
        }
    }

    for s in &services {
        if matches!(
            s.namespace.as_str(),
            "kube-system" | "kube-public" | "kube-node-lease" | "istio-system"
        ) {
            l.findings.push(
                Diagnostic::error(codes::RESERVED_NAMESPACE, format!("`{}` is placed in the reserved namespace `{}`", s.name, s.namespace))
                    .primary(s.span, "this service")
                    .help("meshc labels and configures the namespaces of its services (sidecar injection, mTLS); give the service a namespace of its own"),
            );
        }
    }
    if l.findings.iter().any(Diagnostic::is_error) {
        out.diagnostics.extend(l.findings);
        return out;
    }
    let namespaces: BTreeSet<&str> = services.iter().map(|s| s.namespace.as_str()).collect();
    for ns in namespaces {
        l.namespace(ns, &mut out.objects);
    }
    for i in 0..services.len() {
        l.service(i, &deps[i], &callers[i], &mut out.objects);
    }

    // Two objects of one kind with one name in one namespace would overwrite each other.
    let mut seen: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for (k, o) in out.objects.iter().enumerate() {
        let key = (o.kind.clone(), o.namespace.clone(), o.name.clone());
        if let Some(&first) = seen.get(&key) {
            let a = out.objects[first].service.clone().unwrap_or_default();
            let b = o.service.clone().unwrap_or_default();
            if !pairs.insert((a.clone(), b.clone())) {
                continue;
            }
            let span = services
                .iter()
                .find(|s| s.name == b)
                .map(|s| s.span)
                .unwrap_or_default();
            l.findings.push(
                Diagnostic::error(
                    codes::DUPLICATE_OBJECT,
                    format!(
                        "{} `{}` is generated for both `{a}` and `{b}`",
                        o.kind, o.name
                    ),
                )
                .primary(span, "this service")
                .help("rename a service or a version: Deployments are named `<service>-<version>`"),
            );
        } else {
            seen.insert(key, k);
        }
    }
    out.diagnostics.extend(l.findings);
    out
}

struct Lowerer<'s> {
    mesh: Mesh,
    services: &'s [Service],
    /// Service indices by name, for dependency resolution.
    by_name: HashMap<&'s str, Vec<usize>>,
    findings: Vec<Diagnostic>,
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn meta(name: &str, namespace: Option<&str>, mut l: BTreeMap<String, String>) -> ObjectMeta {
    l.insert(MANAGED_BY.into(), "meshc".into());
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespace.map(String::from),
        labels: Some(l),
        ..Default::default()
    }
}

fn q(x: Quantity) -> K8sQuantity {
    K8sQuantity(x.canonical())
}

/// Adds an object; its kind, apiVersion, name and namespace are read from the object itself.
fn push<T: Serialize>(out: &mut Vec<Object>, service: Option<&str>, obj: &T) {
    let value = serde_json::to_value(obj).expect("objects always serialize");
    let text = |v: &serde_json::Value| v.as_str().map(String::from);
    out.push(Object {
        api_version: text(&value["apiVersion"]).unwrap_or_default(),
        kind: text(&value["kind"]).unwrap_or_default(),
        name: text(&value["metadata"]["name"]).unwrap_or_default(),
        namespace: text(&value["metadata"]["namespace"]),
        service: service.map(String::from),
        value,
    });
}

impl Lowerer<'_> {
    fn id(&self, i: usize) -> String {
        format!("{}/{}", self.services[i].namespace, self.services[i].name)
    }

    fn fqdn(&self, s: &Service) -> String {
        format!("{}.{}.svc.{}", s.name, s.namespace, self.mesh.domain)
    }

    fn networking(&self) -> &'static str {
        if self.mesh.istio >= (1, 22) {
            "networking.istio.io/v1"
        } else {
            "networking.istio.io/v1beta1"
        }
    }

    fn security(&self) -> &'static str {
        if self.mesh.istio >= (1, 22) {
            "security.istio.io/v1"
        } else {
            "security.istio.io/v1beta1"
        }
    }

    /// A guardrail finding for a service, unless the service silences its code.
    fn finding(&mut self, s: &Service, d: Diagnostic) {
        if !s.allow.contains_key(d.code) {
            self.findings.push(d);
        }
    }

    fn resolve_deps(&mut self, i: usize) -> Vec<(Dep, Span)> {
        let s = &self.services[i];
        let mut out = Vec::new();
        for (d, span) in &s.deps {
            let dep = if d == "*" || d == "*/*" || d.ends_with("/*") {
                let ns = d.trim_end_matches("/*");
                let host = if ns == "*" || ns.is_empty() {
                    "*/*".to_string()
                } else {
                    format!("{ns}/*")
                };
                self.finding(
                    s,
                    Diagnostic::warning(codes::WIDE_EGRESS, format!("`{}` depends on `{d}`: its proxy receives the configuration of every service there", s.name))
                        .primary(*span, "namespace-wide dependency")
                        .help("list the services it calls, so that its Sidecar keeps its proxy small")
                        .note("silence with `allow: {W0307: \"why\"}` in the service"),
                );
                Some(Dep::Wide(host))
            } else if d.contains('.') || d.contains(':') {
                let (host, port) = match d.rsplit_once(':') {
                    Some((h, p)) => (h, p.parse::<i64>().ok().filter(|p| (1..=65535).contains(p))),
                    None => (d.as_str(), Some(443)),
                };
                let host_ok = !host.is_empty()
                    && host.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    });
                match port {
                    Some(port) if host_ok => Some(Dep::External {
                        host: host.to_string(),
                        port,
                    }),
                    _ => {
                        self.findings.push(
                            Diagnostic::error(codes::UNRESOLVED_DEP, format!("`{d}` is not a valid external dependency"))
                                .primary(*span, "not host:port")
                                .help("an external dependency is a lower-case DNS name with an optional port from 1 to 65535: `api.stripe.com:443`"),
                        );
                        None
                    }
                }
            } else {
                let (ns, name) = match d.split_once('/') {
                    Some((ns, n)) => (Some(ns), n),
                    None => (None, d.as_str()),
                };
                let found: Vec<usize> = self
                    .by_name
                    .get(name)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&j| ns.map(|n| self.services[j].namespace == n).unwrap_or(true))
                    .collect();
                let pick = match found.as_slice() {
                    [j] => Some(*j),
                    [] => None,
                    many => many
                        .iter()
                        .copied()
                        .find(|&j| self.services[j].namespace == s.namespace)
                        .or_else(|| {
                            let names: Vec<String> = many.iter().map(|&j| self.id(j)).collect();
                            self.findings.push(
                                Diagnostic::error(
                                    codes::AMBIGUOUS_DEP,
                                    format!("`{d}` names {}", names.join(" and ")),
                                )
                                .primary(*span, "ambiguous dependency")
                                .help(format!(
                                    "write it as `namespace/name`, for example `{}`",
                                    names[0]
                                )),
                            );
                            Some(many[0])
                        }),
                };
                match pick {
                    Some(j) if j == i => {
                        self.finding(
                            s,
                            Diagnostic::error(codes::SELF_DEP, format!("`{}` depends on itself", s.name))
                                .primary(*span, "this dependency")
                                .help("a service reaches itself without going through its Sidecar's egress: remove it"),
                        );
                        None
                    }
                    Some(j) => Some(Dep::Service(j)),
                    None => {
                        let mut known: Vec<String> =
                            (0..self.services.len()).map(|j| self.id(j)).collect();
                        known.sort();
                        let mut diag = Diagnostic::error(codes::UNRESOLVED_DEP, format!("dependency `{d}` of `{}` is not a service of this mesh", s.name))
                            .primary(*span, "resolves to nothing")
                            .note("traffic to an undeclared service would bypass the mesh (or fail under REGISTRY_ONLY)");
                        let names = self.services.iter().map(|x| x.name.as_str());
                        if let Some(m) = meshc_eval::did_you_mean(name, names) {
                            diag = diag.help(format!("did you mean `{m}`?"));
                        }
                        let shown: Vec<String> = known.iter().take(20).cloned().collect();
                        diag = diag.help(format!(
                            "known services: {}{}; an external host needs a dot or a port (`api.example.com:443`)",
                            shown.join(", "),
                            if known.len() > 20 { ", …" } else { "" }
                        ));
                        self.findings.push(diag);
                        None
                    }
                }
            };
            if let Some(dep) = dep {
                out.push((dep, *span));
            }
        }
        out
    }

    fn namespace(&mut self, ns: &str, out: &mut Vec<Object>) {
        let mut l = BTreeMap::new();
        match &self.mesh.revision {
            Some(rev) => l.insert("istio.io/rev".to_string(), rev.clone()),
            None => l.insert("istio-injection".to_string(), "enabled".to_string()),
        };
        let m = meta(ns, None, l);
        let obj = Namespace {
            metadata: m.clone(),
            ..Default::default()
        };
        push(out, None, &obj);
        let m = meta("default", Some(ns), BTreeMap::new());
        let pa = IstioObject {
            api_version: self.security().into(),
            kind: "PeerAuthentication".into(),
            metadata: m.clone(),
            spec: PeerAuthenticationSpec {
                mtls: MutualTls {
                    mode: self.mesh.mtls.clone(),
                },
            },
        };
        push(out, None, &pa);
    }

    fn service(
        &mut self,
        i: usize,
        deps: &[(Dep, Span)],
        callers: &BTreeSet<usize>,
        out: &mut Vec<Object>,
    ) {
        let s = &self.services[i];
        let ns = Some(s.namespace.as_str());
        let name = s.name.as_str();
        let app = labels(&[("app", name)]);
        let mut svc_labels = s.labels.clone();
        svc_labels.extend(labels(&[("app", name), ("app.kubernetes.io/name", name)]));
        self.guardrails(s);

        // ServiceAccount: the identity mTLS and AuthorizationPolicy name.
        let m = meta(name, ns, svc_labels.clone());
        push(
            out,
            Some(name),
            &ServiceAccount {
                metadata: m.clone(),
                ..Default::default()
            },
        );

        // Service: ClusterIP (never headless), selects `app` only, port named for the protocol.
        let port_name = format!("{}-{}", s.protocol, s.port);
        let svc = K8sService {
            metadata: meta(name, ns, svc_labels.clone()),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(app.clone()),
                ports: Some(vec![ServicePort {
                    name: Some(port_name.clone()),
                    port: s.port as i32,
                    target_port: Some(IntOrString::Int(s.target_port as i32)),
                    protocol: Some("TCP".into()),
                    app_protocol: Some(s.protocol.clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        push(out, Some(name), &svc);

        let proxy = compute::size_proxy(s, &self.mesh);
        self.sizing_findings(s, &proxy);
        let life = compute::lifecycle(s, &self.mesh);
        if let Some(d) = compute::grace_error(s, &life) {
            self.finding(s, d);
        }
        if s.hook == "none" {
            self.finding(
                s,
                Diagnostic::warning(codes::NO_HOOK, format!("`{name}` has no shell for the preStop hook: the proxy is not drained before shutdown"))
                    .primary(s.hook_span, "hook: \"none\"")
                    .help(if life.native {
                        "native sidecars order the shutdown; the application still sleeps drainDelay before it stops"
                    } else {
                        "connections drain only for the proxy's terminationDrainDuration; an image with sh and wget or curl gets the full recipe"
                    })
                    .note("silence with `allow: {W0312: \"why\"}` in the service"),
            );
        }

        // One Deployment and one HPA per version.
        let total: i64 = s.versions.iter().map(|v| v.weight).sum();
        for v in &s.versions {
            let dep_name = format!("{name}-{}", v.name);
            let mut pod_labels = s.labels.clone();
            pod_labels.extend(labels(&[("app", name), ("version", &v.name)]));
            let mut dep_labels = svc_labels.clone();
            dep_labels.insert("version".into(), v.name.clone());
            let container = Container {
                name: "app".into(),
                image: Some(v.image.clone()),
                ports: Some(vec![ContainerPort {
                    name: Some(format!("{}-{}", s.protocol, s.target_port)),
                    container_port: s.target_port as i32,
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                env: (!s.env.is_empty()).then(|| {
                    s.env
                        .iter()
                        .map(|(k, v)| EnvVar {
                            name: k.clone(),
                            value: Some(v.clone()),
                            ..Default::default()
                        })
                        .collect()
                }),
                resources: Some(ResourceRequirements {
                    requests: Some(BTreeMap::from([
                        ("cpu".to_string(), q(s.cpu)),
                        ("memory".to_string(), q(s.memory)),
                    ])),
                    limits: {
                        let mut lim = BTreeMap::new();
                        if let Some(c) = s.cpu_limit {
                            lim.insert("cpu".to_string(), q(c));
                        }
                        if let Some(mm) = s.memory_limit {
                            lim.insert("memory".to_string(), q(mm));
                        }
                        (!lim.is_empty()).then_some(lim)
                    },
                    ..Default::default()
                }),
                lifecycle: life.pre_stop.as_ref().map(|p| K8sLifecycle {
                    pre_stop: Some(match p {
                        compute::PreStop::Exec(cmd) => LifecycleHandler {
                            exec: Some(ExecAction {
                                command: Some(cmd.clone()),
                            }),
                            ..Default::default()
                        },
                        compute::PreStop::Sleep(secs) => LifecycleHandler {
                            sleep: Some(SleepAction { seconds: *secs }),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let mut annotations = proxy.annotations();
            annotations.insert(
                "proxy.istio.io/config".into(),
                compute::proxy_config(&proxy, &life),
            );
            if self.mesh.istio >= (1, 22) {
                annotations.insert(
                    "sidecar.istio.io/nativeSidecar".into(),
                    life.native.to_string(),
                );
            }
            let deployment = Deployment {
                metadata: meta(&dep_name, ns, dep_labels.clone()),
                spec: Some(DeploymentSpec {
                    // No replicas: the HPA owns the count.
                    selector: LabelSelector {
                        match_labels: Some(labels(&[("app", name), ("version", &v.name)])),
                        ..Default::default()
                    },
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(pod_labels),
                            annotations: Some(annotations),
                            ..Default::default()
                        }),
                        spec: Some(PodSpec {
                            service_account_name: Some(name.into()),
                            termination_grace_period_seconds: Some(life.grace_seconds),
                            containers: vec![container],
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
                ..Default::default()
            };
            push(out, Some(name), &deployment);

            let (min, max) = compute::replicas(s, v.weight, total);
            let metric = match compute::hpa_target(s, &proxy, &self.mesh) {
                compute::HpaTarget::Container(t) => MetricSpec {
                    type_: "ContainerResource".into(),
                    container_resource: Some(ContainerResourceMetricSource {
                        name: "cpu".into(),
                        container: "app".into(),
                        target: MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(t),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                },
                compute::HpaTarget::Pod { target, exact } => {
                    let d = Diagnostic::warning(
                        codes::HPA_ADJUSTED,
                        format!(
                            "`{name}`: Kubernetes {}.{} has no container metrics, so the HPA targets {target}% of the pod: {}% of the app's {} CPU is {exact:.1}% of the pod's {} with the proxy",
                            self.mesh.kubernetes.0, self.mesh.kubernetes.1, meshc_eval::value::format_percent(s.cpu_target), s.cpu.canonical(), Quantity { nanos: s.cpu.nanos + proxy.cpu.nanos, ..s.cpu }.canonical()
                        ),
                    )
                    .primary(s.span, "this service")
                    .help("from Kubernetes 1.27 the HPA targets the application container itself")
                    .note("silence with `allow: {W0308: \"why\"}` in the service");
                    if v.name == s.versions[0].name {
                        self.finding(s, d);
                    }
                    MetricSpec {
                        type_: "Resource".into(),
                        resource: Some(ResourceMetricSource {
                            name: "cpu".into(),
                            target: MetricTarget {
                                type_: "Utilization".into(),
                                average_utilization: Some(target),
                                ..Default::default()
                            },
                        }),
                        ..Default::default()
                    }
                }
            };
            let hpa = HorizontalPodAutoscaler {
                metadata: meta(&dep_name, ns, dep_labels),
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".into()),
                        kind: "Deployment".into(),
                        name: dep_name.clone(),
                    },
                    min_replicas: Some(min as i32),
                    max_replicas: max as i32,
                    metrics: Some(vec![metric]),
                    ..Default::default()
                }),
                ..Default::default()
            };
            push(out, Some(name), &hpa);
        }

        // PodDisruptionBudget: keep a pod through voluntary disruptions once there are two.
        if s.min >= 2 {
            let pdb = PodDisruptionBudget {
                metadata: meta(name, ns, svc_labels.clone()),
                spec: Some(PodDisruptionBudgetSpec {
                    selector: Some(LabelSelector {
                        match_labels: Some(app.clone()),
                        ..Default::default()
                    }),
                    min_available: Some(IntOrString::Int(1)),
                    ..Default::default()
                }),
                ..Default::default()
            };
            push(out, Some(name), &pdb);
        }

        // Sidecar: egress scoped to the declared dependencies.
        let mut hosts: Vec<String> = Vec::new();
        for (d, _) in deps {
            let h = match d {
                Dep::Service(j) => {
                    let t = &self.services[*j];
                    let nsp = if t.namespace == s.namespace {
                        ".".to_string()
                    } else {
                        t.namespace.clone()
                    };
                    format!("{nsp}/{}", self.fqdn(t))
                }
                Dep::External { host, .. } => format!("./{host}"),
                Dep::Wide(h) => h.clone(),
            };
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        hosts.push("istio-system/*".into());
        let net = self.networking();
        let m = meta(name, ns, svc_labels.clone());
        let sidecar = IstioObject {
            api_version: net.into(),
            kind: "Sidecar".into(),
            metadata: m.clone(),
            spec: SidecarSpec {
                workload_selector: WorkloadSelector {
                    labels: app.clone(),
                },
                egress: vec![EgressListener { hosts }],
                outbound_traffic_policy: OutboundTrafficPolicy {
                    mode: self.mesh.outbound.clone(),
                },
            },
        };
        push(out, Some(name), &sidecar);

        // DestinationRule: a subset per version, load balancing, mTLS, circuit breaking.
        let fqdn = self.fqdn(s);
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
            tls: (self.mesh.mtls != "DISABLE").then(|| ClientTls {
                mode: "ISTIO_MUTUAL".into(),
            }),
        };
        let dr = IstioObject {
            api_version: net.into(),
            kind: "DestinationRule".into(),
            metadata: m.clone(),
            spec: DestinationRuleSpec {
                host: fqdn.clone(),
                traffic_policy,
                subsets,
            },
        };
        push(out, Some(name), &dr);

        // VirtualService: weighted routes over the subsets; HTTP routes get the retry policy,
        // TCP services TCP routes (no HTTP retries apply to them).
        let tcp = s.protocol == "tcp";
        let route: Vec<RouteDestination> = s
            .versions
            .iter()
            .map(|v| RouteDestination {
                destination: Destination {
                    host: fqdn.clone(),
                    subset: v.name.clone(),
                    port: tcp.then_some(PortSelector { number: s.port }),
                },
                weight: v.weight,
            })
            .collect();
        let spec = if tcp {
            VirtualServiceSpec {
                hosts: vec![fqdn.clone()],
                http: Vec::new(),
                tcp: vec![TcpRoute { route }],
            }
        } else {
            VirtualServiceSpec {
                hosts: vec![fqdn.clone()],
                http: vec![HttpRoute {
                    name: "default".into(),
                    route,
                    retries: HttpRetry {
                        attempts: s.attempts,
                        retry_on: (s.attempts > 0).then(|| s.retry_on.clone()),
                        per_try_timeout: s
                            .per_try_timeout
                            .filter(|_| s.attempts > 0)
                            .map(|d| d.seconds_text()),
                    },
                    timeout: s.timeout.map(|d| d.seconds_text()),
                }],
                tcp: Vec::new(),
            }
        };
        let vs = IstioObject {
            api_version: net.into(),
            kind: "VirtualService".into(),
            metadata: m.clone(),
            spec,
        };
        push(out, Some(name), &vs);

        // AuthorizationPolicy: only the services that declare this one as a dependency, and the
        // callers it declares from outside the mesh.
        let td = &self.mesh.trust_domain;
        let mut principals: Vec<String> = callers
            .iter()
            .map(|&c| {
                format!(
                    "{td}/ns/{}/sa/{}",
                    self.services[c].namespace, self.services[c].name
                )
            })
            .collect();
        for (c, _) in &s.callers {
            if let Some((cns, sa)) = c.split_once('/') {
                principals.push(format!("{td}/ns/{cns}/sa/{sa}"));
            }
        }
        principals.sort();
        principals.dedup();
        let sec = self.security();
        match (principals.is_empty(), s.public) {
            (_, Some(true)) => {}
            (true, None) => self.finding(
                s,
                Diagnostic::warning(codes::NOBODY_CALLS, format!("nobody in the mesh calls `{name}` and it declares no callers: no AuthorizationPolicy is generated"))
                    .primary(s.span, "this service")
                    .help("say who may call it: `callers: [\"istio-system/istio-ingressgateway-service-account\"]`, `public: true` (anyone), or `public: false` (no one)")
                    .note("an ALLOW policy without rules would deny every request"),
            ),
            (empty, _) => {
                let rules = if empty { Vec::new() } else { vec![Rule { from: vec![RuleFrom { source: Source { principals } }] }] };
                let ap = IstioObject {
                    api_version: sec.into(),
                    kind: "AuthorizationPolicy".into(),
                    metadata: m.clone(),
                    spec: AuthorizationPolicySpec { selector: Selector { match_labels: app.clone() }, action: "ALLOW".into(), rules },
                };
                push(out, Some(name), &ap);
            }
        }

        // ServiceEntry: each external dependency, so it is in the registry and the egress.
        for (d, _) in deps {
            if let Dep::External { host, port } = d {
                let proto = match port {
                    443 => "TLS",
                    80 => "HTTP",
                    _ => "TCP",
                };
                let se_name = format!(
                    "{name}-{}-{port}",
                    host.replace(['.', '*'], "-").trim_matches('-')
                );
                let m = meta(&se_name, ns, labels(&[("app", name)]));
                let se = IstioObject {
                    api_version: net.into(),
                    kind: "ServiceEntry".into(),
                    metadata: m.clone(),
                    spec: ServiceEntrySpec {
                        hosts: vec![host.clone()],
                        export_to: vec![".".into()],
                        location: "MESH_EXTERNAL".into(),
                        resolution: "DNS".into(),
                        ports: vec![ServiceEntryPort {
                            number: *port,
                            name: format!("{}-{port}", proto.to_lowercase()),
                            protocol: proto.into(),
                        }],
                    },
                };
                push(out, Some(name), &se);
            }
        }
    }

    fn guardrails(&mut self, s: &Service) {
        let total: i64 = s.versions.iter().map(|v| v.weight).sum();
        if total != 100 {
            let mut d = Diagnostic::error(
                codes::WEIGHTS,
                format!("the weights of `{}` sum to {total}, not 100", s.name),
            )
            .primary(s.versions[0].span, "versions")
            .help("give the versions weights that sum to 100");
            for v in &s.versions[1..] {
                d = d.secondary(v.span, format!("{}: {}", v.name, v.weight));
            }
            self.finding(s, d);
        }
        for v in &s.versions {
            if v.weight == 0 && v.reason.is_none() {
                self.finding(
                    s,
                    Diagnostic::warning(codes::ZERO_WEIGHT, format!("version `{}` of `{}` takes no traffic and gives no reason", v.name, s.name))
                        .primary(v.span, "weight 0")
                        .help("say why with `reason: \"…\"` (a dark launch, a rollback standby), or remove the version"),
                );
            }
        }
        if !s.idempotent && s.attempts > 0 {
            let unsafe_conditions: Vec<&str> = s
                .retry_on
                .split(',')
                .map(str::trim)
                .filter(|c| !matches!(*c, "connect-failure" | "refused-stream" | ""))
                .collect();
            if !unsafe_conditions.is_empty() {
                self.finding(
                    s,
                    Diagnostic::error(
                        codes::UNSAFE_RETRY,
                        format!("`{}` is not idempotent but retries on {}", s.name, unsafe_conditions.join(", ")),
                    )
                    .primary(s.retry_on_span, "widened retry conditions")
                    .help("retry on connect-failure (and refused-stream) only, where the request never reached the service; or mark the service `idempotent: true`")
                    .note("silence with `allow: {E0305: \"why\"}` in the service"),
                );
            }
        }
    }

    fn sizing_findings(&mut self, s: &Service, p: &Proxy) {
        if let (Some((cpu, span)), Some(want)) = (s.sidecar.cpu, p.computed_cpu) {
            if cpu.nanos < want.nanos {
                self.finding(
                    s,
                    Diagnostic::warning(
                        codes::PROXY_UNDERSIZED,
                        format!("the proxy of `{}` gets {} of CPU, but its load asks for {} ({:.0} requests per second per proxy)", s.name, cpu.canonical(), want.canonical(), p.rps.unwrap_or(0.0)),
                    )
                    .primary(span, "explicit proxy CPU")
                    .help("remove `sidecar.cpu` to size the proxy from `load`, or raise it"),
                );
            }
        }
        if let (Some((mem, span)), Some(want)) = (s.sidecar.memory, p.computed_memory) {
            if mem.nanos < want.nanos {
                self.finding(
                    s,
                    Diagnostic::warning(
                        codes::PROXY_UNDERSIZED,
                        format!(
                            "the proxy of `{}` gets {} of memory, but its load asks for {}",
                            s.name,
                            mem.canonical(),
                            want.canonical()
                        ),
                    )
                    .primary(span, "explicit proxy memory")
                    .help("remove `sidecar.memory` to size the proxy from `load`, or raise it"),
                );
            }
        }
        if let Some((c, span)) = s.sidecar.concurrency {
            let cores = compute::ceil_cores(p.cpu_limit);
            if c > cores {
                self.finding(
                    s,
                    Diagnostic::warning(codes::CONCURRENCY, format!("Envoy runs {c} workers in `{}` but the proxy has {cores} vCPU", s.name))
                        .primary(span, "concurrency")
                        .help("workers beyond the proxy's CPUs only contend for them: lower the concurrency or raise `sidecar.cpuLimit`"),
                );
            }
        }
    }
}
