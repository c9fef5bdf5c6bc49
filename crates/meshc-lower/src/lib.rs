//! Lowering: stage three of the meshc pipeline. From the evaluated package (`Node`) to every
//! Kubernetes and Istio object its services and workers need, plus the built-in guardrails.
//!
//! The arithmetic the talk asks of service owners is done here (see `docs/lowering.md`):
//! sidecar start/stop order and the grace period, the HPA target with a proxy in the pod,
//! sidecar sizing from `load`, the safe retry policy, FQDNs and dependency resolution.
//!
//! Code map: [`model`] reads the evaluated package; [`resolve`] turns `deps` into edges;
//! [`objects`] has one module per generated kind (where does the NetworkPolicy come from?
//! `objects/network_policy.rs`); [`guardrails`] has one module per diagnostic code with its
//! documentation; [`compute`] holds the pure arithmetic. Kubernetes objects come from
//! `k8s-openapi`, Istio objects from [`istio`]; objects are returned as JSON values in apply
//! order, and written as YAML by the `meshc` crate only.
#![warn(missing_docs)]

mod compute;
pub mod diff;
mod gateway_api;
pub(crate) mod guardrails;
mod head;
mod istio;
mod model;
pub(crate) mod objects;
mod resolve;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use meshc_eval::Node;
use meshc_syntax::lit::Quantity;
use meshc_syntax::{Diagnostic, Span};
use model::{Mesh, Service};
use resolve::Dep;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One generated object.
#[derive(Clone, Debug)]
pub struct Object {
    /// `apiVersion`, e.g. `networking.istio.io/v1`.
    pub api_version: String,
    /// `kind`, e.g. `VirtualService`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; None for cluster-scoped objects (Namespace).
    pub namespace: Option<String>,
    /// The service the object belongs to (`None` for namespace-wide objects).
    pub service: Option<String>,
    /// The whole object as compact JSON text, keys in the order they are written: a tenth of
    /// the memory of a `serde_json::Value` tree, which [`Object::value`] makes on demand.
    json: Box<str>,
}

impl Object {
    /// An object from its JSON text, for `service` (None for namespace-wide objects); its
    /// apiVersion, kind, name and namespace are read from the text. An error when the text is
    /// not JSON: an object's text always is, so [`Object::value`] never fails.
    pub fn from_json(service: Option<&str>, json: String) -> Result<Object, serde_json::Error> {
        // The caller's text is checked in full; what meshc serializes itself is not.
        serde_json::from_str::<serde::de::IgnoredAny>(&json)?;
        Ok(Object::from_serialized(service, json.into_boxed_str()))
    }

    /// An object from text that serde_json wrote (JSON by construction): only its head is
    /// read, by a scan that stops there (`head`), or in full when the scan cannot.
    fn from_serialized(service: Option<&str>, json: Box<str>) -> Object {
        let head = head::scan(&json).unwrap_or_else(|| {
            head::Head::of_value(
                &serde_json::from_str(&json)
                    .expect("serde_json wrote the text, or from_json checked it"),
            )
        });
        Object::with_head(service, head, json)
    }

    /// An object from its text and its head, which the text says too.
    fn with_head(service: Option<&str>, head: head::Head, json: Box<str>) -> Object {
        Object {
            api_version: head.api_version,
            kind: head.kind,
            name: head.name,
            namespace: head.namespace,
            service: service.map(String::from),
            json,
        }
    }

    /// The whole object as compact JSON text (what `serde_json::to_string` writes of
    /// [`Object::value`]).
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The whole object as a JSON value, made from its text.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.json).expect("an object's text is JSON")
    }

    /// Replaces the object's content; its apiVersion, kind, name and namespace stay.
    pub fn set_value(&mut self, value: &serde_json::Value) {
        self.json = value.to_string().into_boxed_str();
    }
}

/// A dependency edge of the mesh, for tools that draw the graph.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Edge {
    /// `namespace/name` of the calling service or worker.
    pub from: String,
    /// `namespace/name` of a service of the mesh, or an external `host:port`.
    pub to: String,
    /// Whether `to` is a host outside the mesh.
    pub external: bool,
}

/// What lowering produced: the objects in apply order, the graph, the diagnostics.
#[derive(Debug, Default)]
pub struct Lowered {
    /// Every object, in apply order.
    pub objects: Vec<Object>,
    /// Every dependency edge.
    pub edges: Vec<Edge>,
    /// The guardrails' findings and lowering errors.
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Lowers the value of a package with `services` (and `workers`). Objects are in apply order:
/// namespaces (with their PeerAuthentication and ingress Gateway) first, then each workload by
/// name, each with its objects in kind order.
pub fn lower(root: &Node) -> Lowered {
    let mut out = Lowered::default();
    let mesh = model::read_mesh(root.get("mesh"), &mut out.diagnostics);
    // Each workload is read on its own (on every core with the `parallel` feature), its
    // findings taken in order.
    let mut entries: Vec<(&std::sync::Arc<str>, &Node, bool)> = Vec::new();
    for (map, worker) in [("services", false), ("workers", true)] {
        if let Some(m) = root.get(map).and_then(Node::as_map) {
            entries.extend(m.iter().map(|(k, v)| (k, v, worker)));
        }
    }
    let mut services: Vec<Service> = Vec::with_capacity(entries.len());
    for (s, found) in map_indexed(entries.len(), |i| {
        let (k, v, worker) = entries[i];
        let mut found = Vec::new();
        (model::read_service(k, v, worker, &mut found), found)
    }) {
        services.push(s);
        out.diagnostics.extend(found);
    }
    if out.diagnostics.iter().any(Diagnostic::is_error) {
        return out;
    }
    services
        .sort_by(|a, b| (&a.name, &a.namespace, a.worker).cmp(&(&b.name, &b.namespace, b.worker)));
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in services.iter().enumerate() {
        if !s.worker {
            by_name.entry(s.name.as_str()).or_default().push(i);
        }
    }
    let mut cx = Ctx {
        mesh: &mesh,
        services: &services,
        by_name: &by_name,
        findings: Vec::new(),
    };

    let deps: Vec<Vec<(Dep, Span)>> = (0..services.len()).map(|i| cx.resolve_deps(i)).collect();
    let mut callers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); services.len()];
    for (i, ds) in deps.iter().enumerate() {
        for (d, _) in ds {
            let (to, external) = match d {
                Dep::Service(j) => {
                    callers[*j].insert(i);
                    (cx.id(*j), false)
                }
                Dep::External { host, port } => (with_number(host, ":", *port), true),
                Dep::Wide(h) => (h.clone(), false),
            };
            out.edges.push(Edge {
                from: cx.id(i),
                to,
                external,
            });
        }
    }

    for s in &services {
        guardrails::e0315_reserved_namespace::check(&mut cx, s);
    }
    if cx.findings.iter().any(Diagnostic::is_error) {
        out.diagnostics.extend(cx.findings);
        return out;
    }
    // The workloads of each namespace, in one pass (not one pass over all per namespace).
    let mut namespaces: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
    for s in &services {
        namespaces.entry(s.namespace.as_str()).or_default().push(s);
    }
    for (ns, workloads) in &namespaces {
        objects::namespace::build(&mut cx, ns, &mut out.objects);
        objects::ingress::gateway(&mut cx, ns, workloads, &mut out.objects);
    }
    // `objects`: any other object, as written (the evaluator checked it against its kind's
    // schema), after the Namespaces and before the workloads that may use it.
    if let Some(m) = root.get("objects").and_then(Node::as_map) {
        for v in m.values() {
            push(&mut out.objects, None, v);
        }
    }
    // Each workload lowers on its own (with the `parallel` feature, on every core); its
    // objects and findings are then taken in the order of the workloads.
    let lowered = map_indexed(services.len(), |i| {
        let mut local = Ctx {
            mesh: cx.mesh,
            services: cx.services,
            by_name: cx.by_name,
            findings: Vec::new(),
        };
        let mut objects = Vec::new();
        objects::workload(&mut local, i, &deps[i], &callers[i], &mut objects);
        (objects, local.findings)
    });
    for (objects, findings) in lowered {
        out.objects.extend(objects);
        cx.findings.extend(findings);
    }
    guardrails::e0314_duplicate_object::check(&mut cx, &out.objects);
    allow_annotations(&services, &mut out.objects);
    out.diagnostics.extend(cx.findings);
    out
}

/// `f` of `0..n`, in order: on every core with the `parallel` feature, on this thread without.
fn map_indexed<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// The annotation prefix that silences a guardrail on one object (`meshc vet`, the admission
/// policies): `allow.meshc.dev/E0305: "why"`.
pub const ALLOW_PREFIX: &str = "allow.meshc.dev/";

/// Writes what a service silences on each of its objects, so that `meshc vet` and the admission
/// policies silence the same rules there: `allow: {CODE: "why"}` as `allow.meshc.dev/CODE: why`,
/// and `idempotent: true` as `allow.meshc.dev/E0305: idempotent` on its VirtualServices.
fn allow_annotations(services: &[Service], objects: &mut [Object]) {
    // The workloads by name and namespace (the first of a name, as they are sorted), kept only
    // if they silence something.
    let mut first: HashMap<(&str, &str), &Service> = HashMap::new();
    for s in services {
        first
            .entry((s.name.as_str(), s.namespace.as_str()))
            .or_insert(s);
    }
    let silencing: HashMap<(&str, &str), &Service> = first
        .into_iter()
        .filter(|(_, s)| !s.allow.is_empty() || s.idempotent)
        .collect();
    if silencing.is_empty() {
        return;
    }
    for o in objects.iter_mut() {
        let (Some(name), Some(ns)) = (&o.service, &o.namespace) else {
            continue;
        };
        let Some(s) = silencing.get(&(name.as_str(), ns.as_str())) else {
            continue;
        };
        let mut notes: BTreeMap<String, String> = s
            .allow
            .iter()
            .map(|(code, why)| (format!("{ALLOW_PREFIX}{code}"), why.clone()))
            .collect();
        if s.idempotent && o.kind == "VirtualService" {
            notes
                .entry(format!("{ALLOW_PREFIX}E0305"))
                .or_insert_with(|| "idempotent".into());
        }
        if notes.is_empty() {
            continue;
        }
        let mut value = o.value();
        let meta = &mut value["metadata"];
        if !meta["annotations"].is_object() {
            meta["annotations"] = serde_json::Value::Object(Default::default());
        }
        if let Some(a) = meta["annotations"].as_object_mut() {
            for (k, v) in notes {
                a.insert(k, v.into());
            }
        }
        o.set_value(&value);
    }
}

/// What every object builder and guardrail sees: the mesh, all workloads (sorted by name),
/// and the findings so far.
pub(crate) struct Ctx<'s> {
    pub mesh: &'s Mesh,
    pub services: &'s [Service],
    /// Service indices by name, for dependency resolution (workers have no Service).
    pub by_name: &'s HashMap<&'s str, Vec<usize>>,
    pub findings: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub fn id(&self, i: usize) -> String {
        concat(&[&self.services[i].namespace, "/", &self.services[i].name])
    }

    pub fn fqdn(&self, s: &Service) -> String {
        concat(&[&s.name, ".", &s.namespace, ".svc.", &self.mesh.domain])
    }

    pub fn networking(&self) -> &'static str {
        if self.mesh.istio >= (1, 22) {
            "networking.istio.io/v1"
        } else {
            "networking.istio.io/v1beta1"
        }
    }

    pub fn security(&self) -> &'static str {
        if self.mesh.istio >= (1, 22) {
            "security.istio.io/v1"
        } else {
            "security.istio.io/v1beta1"
        }
    }

    /// A guardrail finding for a workload, unless the workload silences its code.
    pub fn finding(&mut self, s: &Service, d: Diagnostic) {
        if !s.allow.contains_key(d.code) {
            self.findings.push(d);
        }
    }
}

/// The concatenation of `parts`, allocated once at its size: what `format!` makes of plain
/// strings, without its formatting machinery (about a thousand instructions a call; lowering
/// makes a few tens of these names and hosts a service).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        text.push_str(p);
    }
    text
}

/// `text`, `sep` and the number `n`: a port's name (`http-8080`), an external host's id
/// (`api.example.com:443`).
pub(crate) fn with_number(text: &str, sep: &str, n: i64) -> String {
    concat(&[text, sep, itoa::Buffer::new().format(n)])
}

pub(crate) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn meta(
    name: &str,
    namespace: Option<&str>,
    mut l: BTreeMap<String, String>,
) -> ObjectMeta {
    l.insert(MANAGED_BY.into(), "meshc".into());
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespace.map(String::from),
        labels: Some(l),
        ..Default::default()
    }
}

pub(crate) fn q(x: Quantity) -> K8sQuantity {
    K8sQuantity(x.canonical())
}

/// Adds an object; its kind, apiVersion, name and namespace are read from the object itself.
pub(crate) fn push<T: Serialize + head::Headed>(
    out: &mut Vec<Object>,
    service: Option<&str>,
    obj: &T,
) {
    thread_local! {
        /// The text of the object being written: one buffer per thread that keeps its room,
        /// so that each object's text is allocated once, at its size (not grown by doubling
        /// and then shrunk, a copy each time).
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        serde_json::to_writer(&mut *buf, obj).expect("objects always serialize");
        let text = std::str::from_utf8(buf).expect("serde_json writes UTF-8");
        let object = match obj.head() {
            Some(head) => {
                debug_assert_eq!(Some(&head), head::scan(text).as_ref(), "{text}");
                Object::with_head(service, head, Box::from(text))
            }
            None => Object::from_serialized(service, Box::from(text)),
        };
        out.push(object);
    })
}
