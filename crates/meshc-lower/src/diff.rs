//! `meshc diff OLD NEW`: compares two sets of objects (a previous output, or hand-written
//! manifests, against a new build) and finds the changes Kubernetes refuses to apply in place:
//! a Deployment's selector, a Service's clusterIP (headless ↔ ClusterIP), with the migration
//! that gets there without downtime.

use meshc_syntax::{codes, Diagnostic};
use serde_json::Value;
use std::collections::BTreeMap;

/// The identity of an object: kind, namespace, name.
pub type Key = (String, String, String);

/// What `meshc diff` found between two sets of objects.
#[derive(Debug, Default)]
pub struct DiffReport {
    /// Objects only in the new set, by identity.
    pub added: Vec<Key>,
    /// Objects only in the old set.
    pub removed: Vec<Key>,
    /// Objects in both whose spec, labels or annotations differ, each with its changes
    /// (at most 12 an object).
    pub changed: Vec<(Key, Vec<Change>)>,
    /// The number of objects in both that are the same.
    pub unchanged: usize,
    /// Immutable-field changes and the migrations they need.
    pub diagnostics: Vec<Diagnostic>,
}

/// One field that differs between an old and a new object.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The field's path in the object: `spec.template.spec.containers[0].image`.
    pub path: String,
    /// The old value; None when the field is new.
    pub old: Option<Value>,
    /// The new value; None when the field is gone.
    pub new: Option<Value>,
}

impl std::fmt::Display for Change {
    /// `path: old → new`, a missing side shown as `(none)`; long values are shortened.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "(none)".to_string(),
            Some(v) => {
                let t = v.to_string();
                if t.chars().count() > 60 {
                    format!("{}…", t.chars().take(59).collect::<String>())
                } else {
                    t
                }
            }
        };
        write!(
            f,
            "{}: {} → {}",
            self.path,
            show(&self.old),
            show(&self.new)
        )
    }
}

fn key(o: &Value) -> Option<Key> {
    let s = |v: &Value| v.as_str().map(String::from);
    Some((
        s(&o["kind"])?,
        s(&o["metadata"]["namespace"]).unwrap_or_default(),
        s(&o["metadata"]["name"])?,
    ))
}

/// An object's identity as text: `Kind namespace/name` (`Kind name` when cluster-scoped).
pub fn show(k: &Key) -> String {
    if k.1.is_empty() {
        format!("{} {}", k.0, k.2)
    } else {
        format!("{} {}/{}", k.0, k.1, k.2)
    }
}

/// The fields at which two values differ (at most `limit`); a missing field is `Null` here.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<Change>, limit: usize) {
    if out.len() >= limit || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differences(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &p,
                    out,
                    limit,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{path}[{i}]"), out, limit);
            }
        }
        _ => out.push(Change {
            path: path.to_string(),
            old: Some(a.clone()).filter(|v| !v.is_null()),
            new: Some(b.clone()).filter(|v| !v.is_null()),
        }),
    }
}

fn immutable(k: &Key, what: &str, old: &Value, new: &Value, migration: &str) -> Diagnostic {
    Diagnostic::error(
        codes::IMMUTABLE_FIELD,
        format!(
            "{} changes its {what}, which Kubernetes does not change in place",
            show(k)
        ),
    )
    .note(format!("old: {}", old))
    .note(format!("new: {}", new))
    .help(migration.to_string())
}

/// The change of an immutable field between two versions `o` → `n` of the object `k`, if
/// there is one: the diagnostic (with the migration) and the JSON pointer of the field in `n`.
pub fn immutable_change(k: &Key, o: &Value, n: &Value) -> Option<(Diagnostic, &'static str)> {
    match k.0.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet"
            if o["spec"]["selector"] != n["spec"]["selector"] =>
        {
            Some((
                immutable(
                    k,
                    "selector",
                    &o["spec"]["selector"],
                    &n["spec"]["selector"],
                    if k.0 == "Deployment" {
                        "create the Deployment under a new name with the new labels (meshc names them `<service>-<version>`), let the Service serve both (its selector is `app` only), point the HPA at the new one, then delete the old one"
                    } else {
                        "create the workload under a new name with the new labels, move the traffic to it, then delete the old one"
                    },
                ),
                "/spec/selector",
            ))
        }
        "Service" => {
            let ip = |v: &Value| {
                Value::from(if v["spec"]["clusterIP"].as_str() == Some("None") {
                    "None (headless)"
                } else {
                    "a cluster IP (ClusterIP)"
                })
            };
            (ip(o) != ip(n)).then(|| (immutable(
                k,
                "clusterIP (headless ↔ ClusterIP)",
                &ip(o),
                &ip(n),
                "a headless Service cannot become a ClusterIP one in place: create the ClusterIP Service, move the callers to it (their clients must stop resolving pod IPs), then delete the headless one, or delete and recreate it in a maintenance window",
            ), "/spec/clusterIP"))
        }
        _ => None,
    }
}

/// Compares the objects of `old` with those of `new`.
pub fn diff(old: &[Value], new: &[Value]) -> DiffReport {
    let index = |objs: &[Value]| -> BTreeMap<Key, Value> {
        objs.iter()
            .filter_map(|o| key(o).map(|k| (k, o.clone())))
            .collect()
    };
    let (a, b) = (index(old), index(new));
    let mut r = DiffReport::default();
    for (k, o) in &a {
        match b.get(k) {
            None => r.removed.push(k.clone()),
            Some(n) => {
                let mut paths = Vec::new();
                differences(&o["spec"], &n["spec"], "spec", &mut paths, 12);
                differences(
                    &o["metadata"]["labels"],
                    &n["metadata"]["labels"],
                    "metadata.labels",
                    &mut paths,
                    12,
                );
                differences(
                    &o["metadata"]["annotations"],
                    &n["metadata"]["annotations"],
                    "metadata.annotations",
                    &mut paths,
                    12,
                );
                if paths.is_empty() {
                    r.unchanged += 1;
                    continue;
                }
                if let Some((d, _)) = immutable_change(k, o, n) {
                    r.diagnostics.push(d);
                }
                r.changed.push((k.clone(), paths));
            }
        }
    }
    r.added = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
    // A Deployment replaced by one with a new name for the same app: say in which order.
    for rk in r.removed.iter().filter(|k| k.0 == "Deployment") {
        let app = &a[rk]["spec"]["template"]["metadata"]["labels"]["app"];
        let new: Vec<String> = r
            .added
            .iter()
            .filter(|k| {
                k.0 == "Deployment"
                    && k.1 == rk.1
                    && !app.is_null()
                    && &b[*k]["spec"]["template"]["metadata"]["labels"]["app"] == app
            })
            .map(|k| format!("`{}`", k.2))
            .collect();
        if !new.is_empty() {
            r.diagnostics.push(
                Diagnostic::warning(codes::REPLACED_DEPLOYMENT, format!("{} is replaced by the Deployments {}", show(rk), new.join(", ")))
                    .help("apply the new objects first and wait until the new Deployment is ready (the Service serves both), then delete the old Deployment and its HPA")
                    .note("deleting first would leave the service without pods"),
            );
        }
    }
    r
}
