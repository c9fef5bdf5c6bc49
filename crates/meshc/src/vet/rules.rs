//! The guardrails of `meshc vet`, one function per code. Each reads the objects as they are
//! written (no defaults filled in but Istio's and Kubernetes' own, which each rule names) and
//! says what it assumes where the manifests cannot tell: a pod is meshed unless it opts out
//! (`sidecar.istio.io/inject: "false"`) or its Namespace is in the input without an injection
//! label; a host is checked only when the input holds Services of its namespace.

use super::Obj;
use meshc_syntax::{codes, Diagnostic, Span};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The workload kinds whose pod template lives at `/spec/template`.
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];
/// Istio's default retry conditions (a route with no `retries`, or no `retryOn`).
const ISTIO_DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
/// Kubernetes' default grace period.
const DEFAULT_GRACE: i64 = 30;

/// Every kind a guardrail reads: the rules run on objects of these kinds only, and look up
/// only these across objects (`Cx` holds no other), so an object of another kind changes no
/// finding (the comparison with the objects before, `--against`, is Kubernetes' rule and
/// reads every kind).
pub(crate) const KINDS: &[&str] = &[
    "VirtualService",
    "Service",
    "HorizontalPodAutoscaler",
    "Sidecar",
    "AuthorizationPolicy",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "DestinationRule",
    "Namespace",
    "ServiceEntry",
];

pub(crate) fn run(objs: &[Obj<'_>], old: &[Obj<'_>], out: &mut Vec<Diagnostic>) {
    let mut placed = Vec::new();
    run_placed(objs, old, &mut placed);
    out.extend(placed.into_iter().map(|(d, _)| d));
}

/// The findings, each with the object it is on.
pub(crate) fn run_placed<'o, 'a>(
    objs: &'o [Obj<'a>],
    old: &[Obj<'_>],
    out: &mut Vec<(Diagnostic, &'o Obj<'a>)>,
) {
    let cx = Cx::new(objs);
    let before: HashMap<(&str, &str, &str), &Obj<'_>> = old
        .iter()
        .map(|b| ((b.kind, b.namespace, b.name), b))
        .collect();
    let mut found = Vec::new();
    for o in objs {
        match o.kind {
            k if !KINDS.contains(&k) => {}
            "VirtualService" => {
                weights(o, &mut found);
                retries(o, &mut found);
                subsets(&cx, o, &mut found);
                hosts(&cx, o, &mut found);
            }
            "Service" => headless(&cx, o, &mut found),
            "HorizontalPodAutoscaler" => hpa(&cx, o, &mut found),
            "Sidecar" => egress(&cx, o, &mut found),
            "AuthorizationPolicy" => deny_all(&cx, o, &mut found),
            k if WORKLOADS.contains(&k) => {
                labels(o, &mut found);
                resources(o, &mut found);
                grace(o, &mut found);
                if cx.meshed(o) {
                    hook(o, &mut found);
                    scoped(&cx, o, &mut found);
                    allow_nothing(&cx, o, &mut found);
                }
            }
            _ => {}
        }
        if let Some(before) = before.get(&(o.kind, o.namespace, o.name)) {
            let key = (
                o.kind.to_string(),
                o.namespace.to_string(),
                o.name.to_string(),
            );
            if let Some((d, at)) = meshc_lower::diff::immutable_change(&key, before.value, o.value)
            {
                found.push((o, d.primary(o.span(at), "changed here")));
            }
        }
    }
    let mut seen = HashSet::new();
    for (o, d) in found {
        // An immutable field is Kubernetes' rule, not a guardrail: it cannot be silenced.
        let silenced = d.code != codes::IMMUTABLE_FIELD && o.allows(d.code);
        // One finding per code and place; objects that were never text (all at one empty
        // place) are told apart by the message.
        let unplaced = d.primary_span().is_none_or(|s| s == Span::default());
        let key = (
            d.code,
            d.primary_span(),
            if unplaced {
                d.message.clone()
            } else {
                String::new()
            },
        );
        if !silenced && seen.insert(key) {
            if d.code == codes::IMMUTABLE_FIELD {
                out.push((d, o));
                continue;
            }
            let note = format!(
                "silence on this object with the annotation `{}{}: \"why\"`",
                super::ALLOW_PREFIX,
                d.code
            );
            out.push((d.note(note), o));
        }
    }
}

type Found<'o, 'a> = Vec<(&'o Obj<'a>, Diagnostic)>;

/// What the rules look up across objects.
struct Cx<'o, 'a> {
    /// The objects of the kinds in `KINDS`.
    objs: Vec<&'o Obj<'a>>,
    /// Namespaces the input holds Services of: the hosts of other namespaces are not checked.
    namespaces: HashSet<&'a str>,
}

impl<'o, 'a> Cx<'o, 'a> {
    fn new(objs: &'o [Obj<'a>]) -> Self {
        let objs: Vec<&Obj<'_>> = objs.iter().filter(|o| KINDS.contains(&o.kind)).collect();
        let namespaces: HashSet<&str> = objs
            .iter()
            .filter(|o| o.kind == "Service")
            .map(|o| o.namespace)
            .collect();
        Cx { objs, namespaces }
    }

    fn of_kind<'c>(&'c self, kind: &'c str) -> impl Iterator<Item = &'o Obj<'a>> + 'c {
        self.objs.iter().copied().filter(move |o| o.kind == kind)
    }

    /// Whether the pods of workload `w` get a sidecar.
    fn meshed(&self, w: &Obj<'_>) -> bool {
        let t = &w.value["spec"]["template"]["metadata"];
        let opt = |m: &Value| m["sidecar.istio.io/inject"].as_str().map(|s| s == "true");
        if let Some(b) = opt(&t["labels"]).or(opt(&t["annotations"])) {
            return b;
        }
        match self
            .of_kind("Namespace")
            .find(|n| n.name == w.namespace && !w.namespace.is_empty())
        {
            Some(ns) => {
                let l = &ns.value["metadata"]["labels"];
                l["istio-injection"].as_str() == Some("enabled") || l["istio.io/rev"].is_string()
            }
            None => true,
        }
    }

    /// The (namespace, short name) a host names, as seen from `ns`: `reviews`,
    /// `reviews.prod`, `reviews.prod.svc.cluster.local`. None for hosts outside the cluster.
    fn host(&self, host: &str, ns: &'a str) -> Option<(String, String)> {
        let parts: Vec<&str> = host.split('.').collect();
        match parts.as_slice() {
            [name] => Some((ns.to_string(), name.to_string())),
            [name, n] => Some((n.to_string(), name.to_string())),
            [name, n, "svc", ..] => Some((n.to_string(), name.to_string())),
            _ => None,
        }
    }

    /// Whether a Service or a ServiceEntry of the input defines `host` (as seen from `ns`).
    /// None when the input has nothing of the host's namespace to tell.
    fn resolves(&self, host: &str, ns: &'a str) -> Option<bool> {
        let entry = self.of_kind("ServiceEntry").any(|se| {
            se.value["spec"]["hosts"].as_array().is_some_and(|hs| {
                hs.iter().filter_map(Value::as_str).any(|h| {
                    h == host
                        || h.strip_prefix('*')
                            .is_some_and(|suffix| host.ends_with(suffix))
                })
            })
        });
        if entry {
            return Some(true);
        }
        let (n, name) = self.host(host, ns)?;
        if !self.namespaces.contains(n.as_str()) {
            return None;
        }
        Some(
            self.of_kind("Service")
                .any(|s| same_ns(s.namespace, &n) && s.name == name),
        )
    }

    /// The workloads whose pod labels `selector` (a map of labels) selects, in namespace `ns`.
    fn selected(&self, ns: &str, selector: &Value) -> Vec<&'o Obj<'a>> {
        let Some(sel) = selector.as_object().filter(|m| !m.is_empty()) else {
            return Vec::new();
        };
        self.objs
            .iter()
            .copied()
            .filter(|w| WORKLOADS.contains(&w.kind) && same_ns(w.namespace, ns))
            .filter(|w| {
                let labels = &w.value["spec"]["template"]["metadata"]["labels"];
                sel.iter().all(|(k, v)| &labels[k] == v)
            })
            .collect()
    }
}

/// Namespaces match when equal, or when either is unwritten (applied with `kubectl -n`).
fn same_ns(a: &str, b: &str) -> bool {
    a == b || a.is_empty() || b.is_empty()
}

/// The routes of a VirtualService: (pointer, route) for `http`, `tcp` and `tls`.
fn routes<'v>(o: &'v Obj<'_>) -> Vec<(String, &'v Value)> {
    let mut out = Vec::new();
    for proto in ["http", "tcp", "tls"] {
        if let Some(rs) = o.value["spec"][proto].as_array() {
            for (i, r) in rs.iter().enumerate() {
                out.push((format!("/spec/{proto}/{i}"), r));
            }
        }
    }
    out
}

/// E0303: the weights of a route's destinations do not sum to 100.
fn weights<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    for (at, r) in routes(o) {
        let Some(dests) = r["route"].as_array() else {
            continue;
        };
        if dests.len() < 2 && dests.first().is_none_or(|d| d.get("weight").is_none()) {
            continue; // one destination: Istio gives it 100
        }
        let total: i64 = dests
            .iter()
            .map(|d| d["weight"].as_i64().unwrap_or(0))
            .sum();
        if total == 100 {
            continue;
        }
        let label = |d: &Value| {
            let to = d["destination"]["subset"]
                .as_str()
                .or(d["destination"]["host"].as_str())
                .unwrap_or("?");
            match d["weight"].as_i64() {
                Some(w) => format!("{to}: {w}"),
                None => format!("{to}: no weight (0)"),
            }
        };
        let mut d = Diagnostic::error(
            codes::WEIGHTS,
            format!("the weights of `{}` sum to {total}, not 100", o.name),
        )
        .primary(o.span(&format!("{at}/route/0/weight")), label(&dests[0]))
        .help("give the destinations weights that sum to 100: Istio normalises any other total silently");
        for (i, x) in dests.iter().enumerate().skip(1) {
            d = d.secondary(o.span(&format!("{at}/route/{i}/weight")), label(x));
        }
        found.push((o, d));
    }
}

/// E0305: retries widened beyond connect-failure (Istio's default, when `retries` is not written).
fn retries<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let Some(http) = o.value["spec"]["http"].as_array() else {
        return;
    };
    for (i, r) in http.iter().enumerate() {
        // Redirects, direct responses and delegations send no request upstream.
        if !r["route"].is_array() {
            continue;
        }
        let retries = &r["retries"];
        if retries["attempts"].as_i64() == Some(0) {
            continue;
        }
        let (on, at, default) = match retries["retryOn"].as_str() {
            Some(on) => (on, format!("/spec/http/{i}/retries/retryOn"), false),
            None if retries.is_object() => (
                ISTIO_DEFAULT_RETRY_ON,
                format!("/spec/http/{i}/retries"),
                true,
            ),
            None => (ISTIO_DEFAULT_RETRY_ON, format!("/spec/http/{i}"), true),
        };
        let wide: Vec<&str> = on
            .split(',')
            .map(str::trim)
            .filter(|c| !matches!(*c, "connect-failure" | "refused-stream" | ""))
            .collect();
        if wide.is_empty() {
            continue;
        }
        let d = Diagnostic::error(
            codes::UNSAFE_RETRY,
            format!(
                "`{}` is not marked idempotent but {} on {}",
                o.name,
                if default { "retries (Istio's default policy)" } else { "retries" },
                wide.join(", ")
            ),
        )
        .primary(o.span(&at), if default { "no retry policy: Istio's default applies" } else { "widened retry conditions" })
        .help("retry on connect-failure (and refused-stream) only, where the request never reached the service: `retries: {attempts: 2, retryOn: connect-failure,refused-stream}`; or, when every call is idempotent, annotate the VirtualService `allow.meshc.dev/E0305: \"idempotent\"`");
        found.push((o, d));
    }
}

/// E0341: a route to a subset that no DestinationRule defines.
fn subsets<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    for (at, r) in routes(o) {
        let mut dests: Vec<(String, &Value)> = Vec::new();
        if let Some(ds) = r["route"].as_array() {
            for (j, d) in ds.iter().enumerate() {
                dests.push((format!("{at}/route/{j}/destination"), &d["destination"]));
            }
        }
        if r["mirror"].is_object() {
            dests.push((format!("{at}/mirror"), &r["mirror"]));
        }
        for (dat, d) in dests {
            let (Some(host), Some(subset)) = (d["host"].as_str(), d["subset"].as_str()) else {
                continue;
            };
            let Some(target) = cx.host(host, o.namespace) else {
                continue;
            };
            let rules: Vec<&Obj<'_>> = cx
                .of_kind("DestinationRule")
                .filter(|dr| {
                    dr.value["spec"]["host"]
                        .as_str()
                        .and_then(|h| cx.host(h, dr.namespace))
                        .is_some_and(|(n, name)| same_ns(&n, &target.0) && name == target.1)
                })
                .collect();
            let defined = rules.iter().any(|dr| {
                dr.value["spec"]["subsets"]
                    .as_array()
                    .is_some_and(|ss| ss.iter().any(|s| s["name"].as_str() == Some(subset)))
            });
            let service_here = cx
                .of_kind("Service")
                .any(|s| same_ns(s.namespace, &target.0) && s.name == target.1);
            if defined || (rules.is_empty() && !service_here) {
                continue;
            }
            let mut diag = Diagnostic::error(
                codes::UNDEFINED_SUBSET,
                format!("`{}` routes to the subset `{subset}` of `{host}`, which no DestinationRule defines", o.name),
            )
            .primary(o.span(&format!("{dat}/subset")), format!("subset: {subset}"))
            .help("define the subset in the host's DestinationRule (`subsets: [{name, labels: {version: …}}]`): Istio answers 503 (no healthy upstream) to a route whose subset is undefined");
            for dr in rules {
                diag = diag.secondary(
                    dr.span("/spec/subsets"),
                    format!("the subsets of DestinationRule `{}`", dr.name),
                );
            }
            found.push((o, diag));
        }
    }
}

/// E0301: a route to a host that no Service or ServiceEntry defines.
fn hosts<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    for (at, r) in routes(o) {
        let Some(ds) = r["route"].as_array() else {
            continue;
        };
        for (j, d) in ds.iter().enumerate() {
            let Some(host) = d["destination"]["host"].as_str() else {
                continue;
            };
            if cx.resolves(host, o.namespace) == Some(false) {
                found.push((
                    o,
                    Diagnostic::error(
                        codes::UNRESOLVED_DEP,
                        format!("`{}` routes to `{host}`, which no Service or ServiceEntry defines", o.name),
                    )
                    .primary(o.span(&format!("{at}/route/{j}/destination/host")), "this host")
                    .help("check the host's spelling and namespace, or declare the external host with a ServiceEntry"),
                ));
            }
        }
    }
}

/// E0342: a headless Service in front of meshed pods of a Deployment.
fn headless<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    if o.value["spec"]["clusterIP"].as_str() != Some("None") {
        return;
    }
    let pods = cx.selected(o.namespace, &o.value["spec"]["selector"]);
    let Some(w) = pods
        .iter()
        .find(|w| w.kind != "StatefulSet" && cx.meshed(w))
    else {
        return;
    };
    found.push((
        o,
        Diagnostic::error(
            codes::HEADLESS,
            format!("the headless Service `{}` fronts the meshed pods of {}", o.name, w.show()),
        )
        .primary(o.span("/spec/clusterIP"), "clusterIP: None")
        .secondary(w.span("/metadata/name"), "these pods")
        .help("remove `clusterIP: None`: behind a headless Service clients connect to pod IPs, so Istio's load balancing, retries and outlier detection see one endpoint per connection, and pods that scale in keep receiving traffic")
        .note("headless Services are for StatefulSets, whose pods are addressed one by one"),
    ));
}

/// E0343: pods without `app` and `version` labels.
fn labels<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let l = &o.value["spec"]["template"]["metadata"]["labels"];
    let missing: Vec<&str> = [
        ("app", "app.kubernetes.io/name"),
        ("version", "app.kubernetes.io/version"),
    ]
    .into_iter()
    .filter(|(a, b)| !l[a].is_string() && !l[b].is_string())
    .map(|(a, _)| a)
    .collect();
    if missing.is_empty() {
        return;
    }
    found.push((
        o,
        Diagnostic::error(
            codes::MISSING_LABELS,
            format!(
                "the pods of {} have no {} label",
                o.show(),
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" and ")
            ),
        )
        .primary(o.span("/spec/template/metadata/labels"), "the pod labels")
        .help("label the pods `app: <service>` and `version: <version>` (or app.kubernetes.io/name and /version): Istio's telemetry, subsets and canary routing key on them; select on both, and never change the selector after the first apply (it is immutable)"),
    ));
}

/// W0345: a container without CPU and memory requests.
fn resources<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let Some(cs) = o.value["spec"]["template"]["spec"]["containers"].as_array() else {
        return;
    };
    for (i, c) in cs.iter().enumerate() {
        let r = &c["resources"]["requests"];
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|k| r.get(*k).is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        found.push((
            o,
            Diagnostic::warning(
                codes::NO_RESOURCES,
                format!(
                    "the container `{}` of {} requests no {}",
                    c["name"].as_str().unwrap_or("?"),
                    o.show(),
                    missing.join(" and ")
                ),
            )
            .primary(o.span(&format!("/spec/template/spec/containers/{i}/name")), "this container")
            .help("set `resources.requests` (and a memory limit): without requests the scheduler packs the pod blindly and an HPA on CPU utilisation cannot compute it"),
        ));
    }
}

/// The app containers' preStop sleeps, in seconds (the `sleep` action, or `sleep N` in an
/// exec command), and where the first is written.
fn sleeps(o: &Obj<'_>) -> Option<(i64, String)> {
    let cs = o.value["spec"]["template"]["spec"]["containers"].as_array()?;
    let mut best: Option<(i64, String)> = None;
    for (i, c) in cs.iter().enumerate() {
        let p = &c["lifecycle"]["preStop"];
        let mut total = p["sleep"]["seconds"].as_i64().unwrap_or(0);
        if let Some(cmd) = p["exec"]["command"].as_array() {
            let text: Vec<&str> = cmd.iter().filter_map(Value::as_str).collect();
            let joined = text.join(" ");
            let words: Vec<&str> = joined
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|'))
                .filter(|w| !w.is_empty())
                .collect();
            for w in words.windows(2) {
                if w[0] == "sleep" {
                    total += w[1].trim_end_matches('s').parse::<i64>().unwrap_or(0);
                }
            }
        }
        if total > best.as_ref().map_or(0, |b| b.0) {
            best = Some((
                total,
                format!("/spec/template/spec/containers/{i}/lifecycle/preStop"),
            ));
        }
    }
    best
}

/// W0312: meshed pods whose containers have no preStop hook.
fn hook<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let Some(cs) = o.value["spec"]["template"]["spec"]["containers"].as_array() else {
        return;
    };
    if cs.iter().any(|c| c["lifecycle"]["preStop"].is_object()) {
        return;
    }
    found.push((
        o,
        Diagnostic::warning(
            codes::NO_HOOK,
            format!("the pods of {} have no preStop hook: they stop while the mesh still sends them requests", o.show()),
        )
        .primary(o.span("/spec/template/spec/containers"), "no container has lifecycle.preStop")
        .help("give the app container a preStop that sleeps until the endpoints are removed (`lifecycle: {preStop: {sleep: {seconds: 30}}}`, Kubernetes ≥ 1.30), and a proxy drain longer than that (`proxy.istio.io/config: {terminationDrainDuration: …}`); meshc's recipe is in docs/lowering.md"),
    ));
}

/// E0306: the grace period is shorter than the preStop sleeps.
fn grace<'o, 'a>(o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let Some((sleeps, at)) = sleeps(o) else {
        return;
    };
    let written = o.value["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_i64();
    let g = written.unwrap_or(DEFAULT_GRACE);
    if g >= sleeps {
        return;
    }
    let mut d = Diagnostic::error(
        codes::SHORT_GRACE,
        format!(
            "the grace period of {} ({g}s) is shorter than its shutdown sleeps ({sleeps}s)",
            o.show()
        ),
    );
    d = match written {
        Some(_) => d
            .primary(
                o.span("/spec/template/spec/terminationGracePeriodSeconds"),
                "terminationGracePeriodSeconds",
            )
            .secondary(o.span(&at), format!("sleeps {sleeps}s")),
        None => d.primary(
            o.span(&at),
            format!("sleeps {sleeps}s, past the default grace period of {DEFAULT_GRACE}s"),
        ),
    };
    found.push((o, d.help("Kubernetes kills the pod when the grace period ends: connections still draining get 5xx. Set terminationGracePeriodSeconds above the sleeps (meshc adds a margin of 15s)")));
}

/// The Sidecars that scope the egress of workload `w`: namespace-wide ones (no
/// workloadSelector) of its namespace or of the root namespace, and those that select it.
fn sidecars_of<'o, 'a>(cx: &Cx<'o, 'a>, w: &Obj<'_>) -> Vec<&'o Obj<'a>> {
    let labels = &w.value["spec"]["template"]["metadata"]["labels"];
    cx.of_kind("Sidecar")
        .filter(|s| {
            let sel = &s.value["spec"]["workloadSelector"]["labels"];
            match sel.as_object() {
                None => same_ns(s.namespace, w.namespace) || s.namespace == "istio-system",
                Some(m) => {
                    same_ns(s.namespace, w.namespace) && m.iter().all(|(k, v)| &labels[k] == v)
                }
            }
        })
        .collect()
}

/// W0307: no Sidecar scopes a meshed workload's egress.
fn scoped<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    if !sidecars_of(cx, o).is_empty() {
        return;
    }
    found.push((
        o,
        Diagnostic::warning(
            codes::WIDE_EGRESS,
            format!("no Sidecar scopes the egress of {}: its proxy holds the configuration of every service of the mesh", o.show()),
        )
        .primary(o.span("/metadata/name"), "this workload")
        .help("add a Sidecar that selects the pods (`workloadSelector.labels`) and lists the hosts they call (`egress: [{hosts: [\"istio-system/*\", \"<ns>/<service>.<ns>.svc.cluster.local\"]}]`): each proxy then holds only its dependencies, and its memory stops growing with the mesh"),
    ));
}

/// W0307 (wide hosts) and E0301 (hosts nothing defines) on a Sidecar's egress.
fn egress<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let Some(eg) = o.value["spec"]["egress"].as_array() else {
        return;
    };
    for (i, e) in eg.iter().enumerate() {
        let Some(hosts) = e["hosts"].as_array() else {
            continue;
        };
        for (j, h) in hosts.iter().enumerate() {
            let Some(h) = h.as_str() else {
                continue;
            };
            let at = format!("/spec/egress/{i}/hosts/{j}");
            let (ns, dns) = h.split_once('/').unwrap_or(("*", h));
            if dns == "*" && ns != "istio-system" {
                let what = if ns == "*" {
                    "every namespace"
                } else {
                    "a whole namespace"
                };
                found.push((
                    o,
                    Diagnostic::warning(codes::WIDE_EGRESS, format!("the Sidecar `{}` lets its proxies hold {what} (`{h}`)", o.name))
                        .primary(o.span(&at), h.to_string())
                        .help("list the hosts the workload calls (`<ns>/<service>.<ns>.svc.cluster.local`): each proxy then holds only its dependencies"),
                ));
                continue;
            }
            if dns.contains('*') {
                continue;
            }
            let from = if ns == "." || ns == "*" || ns == "~" {
                o.namespace
            } else {
                ns
            };
            if cx.resolves(dns, from) == Some(false) {
                found.push((
                    o,
                    Diagnostic::error(codes::UNRESOLVED_DEP, format!("the Sidecar `{}` names `{dns}`, which no Service or ServiceEntry defines", o.name))
                        .primary(o.span(&at), "this host")
                        .help("check the host's spelling and namespace, or declare the external host with a ServiceEntry"),
                ));
            }
        }
    }
}

/// W0308: an HPA on the pod's CPU (`Resource`), in a pod with a sidecar.
fn hpa<'o, 'a>(cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let spec = &o.value["spec"];
    let target = spec["scaleTargetRef"]["name"].as_str();
    let meshed = cx
        .objs
        .iter()
        .filter(|w| WORKLOADS.contains(&w.kind) && same_ns(w.namespace, o.namespace))
        .find(|w| Some(w.name) == target)
        .map(|w| cx.meshed(w));
    if meshed != Some(true) {
        return;
    }
    let mut at = None;
    if spec["targetCPUUtilizationPercentage"].is_number() {
        at = Some("/spec/targetCPUUtilizationPercentage".to_string());
    }
    if let Some(ms) = spec["metrics"].as_array() {
        for (i, m) in ms.iter().enumerate() {
            if m["type"].as_str() == Some("Resource")
                && m["resource"]["name"].as_str() == Some("cpu")
            {
                at = Some(format!("/spec/metrics/{i}"));
            }
        }
    }
    let Some(at) = at else {
        return;
    };
    found.push((
        o,
        Diagnostic::warning(codes::HPA_ADJUSTED, format!("`{}` scales on the CPU of the whole pod, proxy included", o.name))
            .primary(o.span(&at), "pod-wide CPU utilisation")
            .help("scale on the app container's CPU: `metrics: [{type: ContainerResource, containerResource: {name: cpu, container: <app>, target: …}}]` (autoscaling/v2, Kubernetes ≥ 1.27); the proxy's idle share otherwise skews the utilisation, and the target no longer means what it says"),
    ));
}

/// Whether an AuthorizationPolicy rule matches every request (`{}`).
fn matches_all(rule: &Value) -> bool {
    rule.as_object().is_none_or(|m| {
        m.values()
            .all(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
    })
}

/// E0344: a DENY policy with a rule that matches every request.
fn deny_all<'o, 'a>(_cx: &Cx<'o, 'a>, o: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let spec = &o.value["spec"];
    if spec["action"].as_str() != Some("DENY") {
        return;
    }
    let Some(rules) = spec["rules"].as_array() else {
        return;
    };
    if let Some(i) = rules.iter().position(matches_all) {
        found.push((
            o,
            Diagnostic::error(codes::DENY_ALL, format!("the AuthorizationPolicy `{}` denies every caller", o.name))
                .primary(o.span(&format!("/spec/rules/{i}")), "this rule matches every request")
                .help("give the rule `from`, `to` or `when`, or remove it; to deny by default, use an ALLOW policy with the callers that may call"),
        ));
    }
}

/// E0344: the ALLOW policies that apply to a workload allow nobody.
fn allow_nothing<'o, 'a>(cx: &Cx<'o, 'a>, w: &'o Obj<'a>, found: &mut Found<'o, 'a>) {
    let labels = &w.value["spec"]["template"]["metadata"]["labels"];
    let applying: Vec<&Obj<'_>> = cx
        .of_kind("AuthorizationPolicy")
        .filter(|p| p.value["spec"]["action"].as_str().unwrap_or("ALLOW") == "ALLOW")
        .filter(
            |p| match p.value["spec"]["selector"]["matchLabels"].as_object() {
                None => same_ns(p.namespace, w.namespace) || p.namespace == "istio-system",
                Some(m) => {
                    same_ns(p.namespace, w.namespace) && m.iter().all(|(k, v)| &labels[k] == v)
                }
            },
        )
        .collect();
    // A workload that no Service fronts takes no calls: allowing nobody is right for it.
    let fronted = cx.of_kind("Service").any(|s| {
        same_ns(s.namespace, w.namespace)
            && s.value["spec"]["selector"]
                .as_object()
                .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| &labels[k] == v))
    });
    if !fronted
        || applying.is_empty()
        || applying.iter().any(|p| {
            p.value["spec"]["rules"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        })
    {
        return;
    }
    // Reported on a policy that selects the workload, or else on the namespace-wide one (once:
    // `run` keeps one finding per code and place).
    let p = applying
        .iter()
        .find(|p| p.value["spec"]["selector"].is_object())
        .unwrap_or(&applying[0]);
    found.push((
        p,
        Diagnostic::error(codes::DENY_ALL, format!("the AuthorizationPolicy `{}` denies every caller of {}", p.name, w.show()))
            .primary(p.span("/spec"), "an ALLOW policy with no rules allows nothing")
            .secondary(w.span("/metadata/name"), "no other ALLOW policy lets a caller in")
            .help("add `rules: [{from: [{source: {principals: [\"cluster.local/ns/<ns>/sa/<caller>\"]}}]}]` for each caller; an allow-nothing policy is a baseline that other ALLOW policies open"),
    ));
}
