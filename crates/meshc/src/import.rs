//! `meshc import`: existing Kubernetes and Istio manifests to msh. Deployments (with their
//! Services, HorizontalPodAutoscalers, DestinationRules and VirtualServices) become one
//! `service` per app (a `worker` when no Service selects it), its versions from the `version`
//! label and the VirtualService's weights; image, command, ports, env, probes, resources,
//! volumes and replicas are kept. What msh does not model is reported, never dropped silently.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What `import` made of the manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// The msh source, formatted (`meshc fmt`'s layout).
    pub msh: String,
    /// What was not imported, and why: one line each (`Deployment shop/cart: nodeSelector is
    /// not modeled by msh`).
    pub notes: Vec<String>,
}

struct Version<'a> {
    name: String,
    deployment: &'a Value,
}

struct App<'a> {
    namespace: String,
    name: String,
    versions: Vec<Version<'a>>,
    service: Option<&'a Value>,
    hpa: Option<&'a Value>,
    weights: BTreeMap<String, i64>,
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An msh string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label: bare when it is an identifier, quoted otherwise.
fn label(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && ![
            "package", "import", "for", "in", "if", "let", "null", "true", "false",
        ]
        .contains(&name);
    if ident {
        name.to_string()
    } else {
        quote(name)
    }
}

/// A Kubernetes quantity as an msh number literal, when msh reads it as one.
fn quantity(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(t) => t.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    match meshc_syntax::lit::decode_number(&text) {
        Ok(meshc_syntax::lit::Lit::Quantity(_) | meshc_syntax::lit::Lit::Int(_))
        | Ok(meshc_syntax::lit::Lit::Float(_)) => Some(text),
        _ => None,
    }
}

fn seconds(v: &Value) -> Option<String> {
    v.as_i64().map(|n| format!("{n}s"))
}

/// Imports the objects of `manifests` (as `meshc::read_manifests` reads them).
pub fn import(manifests: &[Value]) -> Imported {
    let mut notes = Vec::new();
    let ns_of = |o: &Value| {
        o["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string()
    };
    let id = |o: &Value| {
        format!(
            "{} {}/{}",
            s(&o["kind"]),
            ns_of(o),
            s(&o["metadata"]["name"])
        )
    };
    let mut apps: BTreeMap<(String, String), App> = BTreeMap::new();
    // `objects` (kinds meshc does not generate), CRDs as definitions and their kinds.
    let mut objects: Vec<(String, Value)> = Vec::new();
    let mut definitions: Vec<String> = Vec::new();
    let mut kinds: Vec<String> = Vec::new();
    // Deployments first: they make the apps.
    for o in manifests.iter().filter(|o| o["kind"] == "Deployment") {
        let labels = &o["spec"]["template"]["metadata"]["labels"];
        let app = labels["app"]
            .as_str()
            .or(o["spec"]["selector"]["matchLabels"]["app"].as_str())
            .unwrap_or(s(&o["metadata"]["name"]))
            .to_string();
        let version = labels["version"].as_str().unwrap_or("stable").to_string();
        let key = (ns_of(o), app.clone());
        let entry = apps.entry(key).or_insert_with(|| App {
            namespace: ns_of(o),
            name: app,
            versions: Vec::new(),
            service: None,
            hpa: None,
            weights: BTreeMap::new(),
        });
        entry.versions.push(Version {
            name: version,
            deployment: o,
        });
    }
    // Subsets of DestinationRules: subset name → version label.
    let mut subsets: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for o in manifests.iter().filter(|o| o["kind"] == "DestinationRule") {
        let host = s(&o["spec"]["host"])
            .split('.')
            .next()
            .unwrap_or("")
            .to_string();
        for sub in o["spec"]["subsets"].as_array().into_iter().flatten() {
            if let Some(v) = sub["labels"]["version"].as_str() {
                subsets.insert(
                    (ns_of(o), host.clone(), s(&sub["name"]).to_string()),
                    v.to_string(),
                );
            }
        }
        notes.push(format!(
            "{}: msh generates the DestinationRule (subsets, load balancing, mTLS, outlier detection) itself; its subsets were read for the versions",
            id(o)
        ));
    }
    for o in manifests {
        let kind = s(&o["kind"]);
        match kind {
            "Deployment" | "DestinationRule" => {}
            "Service" => {
                let app = o["spec"]["selector"]["app"].as_str();
                match app.and_then(|a| apps.get_mut(&(ns_of(o), a.to_string()))) {
                    Some(a) if a.service.is_none() => a.service = Some(o),
                    _ => notes.push(format!(
                        "{}: selects no imported Deployment by its `app` label (or a second Service of one): not imported",
                        id(o)
                    )),
                }
            }
            "HorizontalPodAutoscaler" => {
                let target = s(&o["spec"]["scaleTargetRef"]["name"]);
                let app = apps.values_mut().find(|a| {
                    a.namespace == ns_of(o)
                        && a.versions
                            .iter()
                            .any(|v| s(&v.deployment["metadata"]["name"]) == target)
                });
                match app {
                    Some(a) => a.hpa = Some(o),
                    None => notes.push(format!(
                        "{}: scales no imported Deployment: not imported",
                        id(o)
                    )),
                }
            }
            "VirtualService" => {
                let mut used = false;
                // The default route (the first without a match): the others are matches msh
                // does not model.
                let routes = o["spec"]["http"].as_array().cloned().unwrap_or_default();
                let default = routes
                    .iter()
                    .find(|r| r.get("match").is_none())
                    .or(routes.first());
                if let Some(route) = default {
                    for d in route["route"].as_array().into_iter().flatten() {
                        let host = s(&d["destination"]["host"])
                            .split('.')
                            .next()
                            .unwrap_or("")
                            .to_string();
                        let subset = s(&d["destination"]["subset"]).to_string();
                        let key = (ns_of(o), host.clone());
                        let version = subsets
                            .get(&(ns_of(o), host.clone(), subset.clone()))
                            .cloned()
                            .unwrap_or(subset);
                        if let (Some(a), Some(w)) = (apps.get_mut(&key), d["weight"].as_i64()) {
                            a.weights.entry(version).or_insert(w);
                            used = true;
                        }
                    }
                }
                notes.push(format!(
                    "{}: msh generates the VirtualService (weights, retries, timeout) itself;{} its matches, rewrites and fault injection are not imported",
                    id(o),
                    if used { " its weights were read;" } else { "" }
                ));
            }
            "" => notes.push("an object without a kind: not imported".into()),
            "CustomResourceDefinition" => match crd_definition(o) {
                Ok((def, kind)) => {
                    definitions.push(def);
                    kinds.push(kind);
                }
                Err(why) => notes.push(format!("{}: {why}: not imported", id(o))),
            },
            // meshc generates these for every workload, from the services' fields.
            "Namespace" | "ServiceAccount" | "PodDisruptionBudget" | "Sidecar"
            | "AuthorizationPolicy" | "NetworkPolicy" | "PeerAuthentication" => notes.push(format!(
                "{}: meshc generates the {kind} of each workload itself: not imported",
                id(o)
            )),
            // A Secret's data does not belong in a source repository.
            "Secret" => notes.push(format!(
                "{}: a Secret's data does not belong in msh sources: not imported (create it with your secret manager; `env` and `volumes` refer to it by name)",
                id(o)
            )),
            _ => {
                let name = s(&o["metadata"]["name"]);
                let mut label = name.to_string();
                if objects.iter().any(|(l, _)| *l == label) {
                    label = format!("{}-{name}", kind.to_lowercase());
                }
                let mut v = o.clone();
                if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                    // What the cluster writes, not the author.
                    for k in ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"] {
                        m.remove(k);
                    }
                }
                if let Some(m) = v.as_object_mut() {
                    m.remove("status");
                }
                objects.push((label, v));
            }
        }
    }
    let mut out = String::new();
    if !definitions.is_empty() {
        out.push_str("import meta \"k8s.io/apimachinery/pkg/apis/meta/v1\"\n\n");
    }
    for app in apps.values() {
        write_app(app, &mut out, &mut notes);
        out.push('\n');
    }
    for (label, v) in &objects {
        let _ = writeln!(out, "objects: {}: {}", quote(label), literal(v));
    }
    for d in &definitions {
        out.push('\n');
        out.push_str(d);
    }
    if !kinds.is_empty() {
        out.push_str("\n// The schemas the objects of these kinds are checked against.\n");
        for k in &kinds {
            let _ = writeln!(out, "#Kinds: {k}: #{k}");
        }
    }
    let msh = crate::format(&out).unwrap_or(out);
    Imported { msh, notes }
}

/// A CustomResourceDefinition's schema as an msh definition `#Kind` (the storage version,
/// else the first served), and the kind.
fn crd_definition(crd: &Value) -> Result<(String, String), String> {
    let spec = &crd["spec"];
    let group = s(&spec["group"]);
    let kind = s(&spec["names"]["kind"]);
    if group.is_empty() || kind.is_empty() {
        return Err("a CustomResourceDefinition without spec.group or spec.names.kind".into());
    }
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let version = versions
        .iter()
        .find(|v| v["storage"] == true)
        .or_else(|| versions.iter().find(|v| v["served"] == true))
        .ok_or("no version is served")?;
    let schema = &version["schema"]["openAPIV3Schema"];
    if !schema.is_object() {
        return Err(format!(
            "version {} has no openAPIV3Schema",
            s(&version["name"])
        ));
    }
    let mut out = format!(
        "// {kind} ({group}/{}), from the CustomResourceDefinition {}.\n",
        s(&version["name"]),
        s(&crd["metadata"]["name"])
    );
    if let Some(d) = schema["description"].as_str() {
        let _ = writeln!(out, "// {}", first_sentence(d));
    }
    let _ = writeln!(out, "#{kind}: {{");
    let _ = writeln!(
        out,
        "apiVersion: {}",
        quote(&format!("{group}/{}", s(&version["name"])))
    );
    let _ = writeln!(out, "kind: {}", quote(kind));
    let _ = writeln!(out, "metadata?: meta.#ObjectMeta");
    let mut budget = 20_000usize;
    for (name, p) in schema["properties"].as_object().into_iter().flatten() {
        if matches!(name.as_str(), "apiVersion" | "kind" | "metadata" | "status") {
            continue;
        }
        field(name, p, &mut out, 1, &mut budget);
    }
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        out.push_str("...\n");
    }
    out.push_str("}\n");
    if budget == 0 {
        return Err(
            "its schema is too large to import (over 20,000 nodes) or nests too deep".into(),
        );
    }
    Ok((out, kind.to_string()))
}

/// A JSON value as an msh literal: structs and lists of structs one field or element a line.
fn literal(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let mut out = String::from("{\n");
            for (k, x) in m {
                let _ = writeln!(out, "{}: {}", label(k), literal(x));
            }
            out.push('}');
            out
        }
        Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {
            let items: Vec<String> = a.iter().map(literal).collect();
            format!("[\n{},\n]", items.join(",\n"))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(literal).collect::<Vec<_>>().join(", ")),
        Value::String(t) => quote(t),
        other => other.to_string(),
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let s = &text[..end];
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(157).collect::<String>().trim_end())
    } else {
        s.to_string()
    }
}

/// One optional field of a schema, with its description as a comment.
fn field(name: &str, p: &Value, out: &mut String, depth: usize, budget: &mut usize) {
    if let Some(d) = p["description"].as_str() {
        let _ = writeln!(out, "// {}", first_sentence(d));
    }
    let t = schema_type(p, depth, budget);
    let _ = writeln!(out, "{}?: {t}", label(name));
}

/// The msh type of an OpenAPI v3 schema (what Kubernetes' structural schemas use).
fn schema_type(p: &Value, depth: usize, budget: &mut usize) -> String {
    if *budget == 0 || depth > 32 {
        *budget = 0;
        return "_".into();
    }
    *budget -= 1;
    if p["x-kubernetes-int-or-string"] == true {
        return "int | string".into();
    }
    let t = p["type"].as_str().unwrap_or("");
    if let (Some(e), "string") = (p["enum"].as_array(), t) {
        let vals: Vec<String> = e.iter().filter_map(Value::as_str).map(quote).collect();
        if !vals.is_empty() {
            return vals.join(" | ");
        }
    }
    match t {
        "object" => {
            if let Some(props) = p["properties"].as_object().filter(|m| !m.is_empty()) {
                let mut out = String::from("{\n");
                for (name, q) in props {
                    field(name, q, &mut out, depth + 1, budget);
                }
                if p["x-kubernetes-preserve-unknown-fields"] == true {
                    out.push_str("...\n");
                }
                out.push('}');
                out
            } else if p["additionalProperties"].is_object() {
                format!(
                    "{{[string]: {}}}",
                    schema_type(&p["additionalProperties"], depth + 1, budget)
                )
            } else {
                "{...}".into()
            }
        }
        "array" => format!("[...{}]", schema_type(&p["items"], depth + 1, budget)),
        "string" => "string".into(),
        "integer" | "number" => {
            let mut t = if t == "integer" { "int" } else { "number" }.to_string();
            let (min, max) = if p["format"] == "int32" {
                (Some(-2147483648.0), Some(2147483647.0))
            } else {
                (None, None)
            };
            for (op, bound) in [
                (">=", p["minimum"].as_f64().or(min)),
                ("<=", p["maximum"].as_f64().or(max)),
            ] {
                if let Some(b) = bound {
                    let _ = write!(
                        t,
                        " & {op}{}",
                        Value::from(b)
                            .as_f64()
                            .map_or(b.to_string(), |f| if f.fract() == 0.0 {
                                format!("{}", f as i64)
                            } else {
                                f.to_string()
                            })
                    );
                }
            }
            t
        }
        "boolean" => "bool".into(),
        _ => "_".into(),
    }
}

fn write_app(app: &App, out: &mut String, notes: &mut Vec<String>) {
    let first = app.versions[0].deployment;
    let pod = &first["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().cloned().unwrap_or_default();
    let c = containers
        .iter()
        .find(|c| c["name"] != "istio-proxy")
        .cloned()
        .unwrap_or(Value::Null);
    let where_ = format!(
        "Deployment {}/{}",
        app.namespace,
        s(&first["metadata"]["name"])
    );
    let kw = if app.service.is_some() {
        "service"
    } else {
        "worker"
    };
    let _ = writeln!(out, "{kw} {} {{", app.name);
    if app.namespace != app.name {
        let _ = writeln!(out, "namespace: {}", quote(&app.namespace));
    }
    let _ = writeln!(out, "image: {}", quote(s(&c["image"])));
    for key in ["command", "args"] {
        if let Some(list) = c[key].as_array() {
            let items: Vec<String> = list.iter().map(|x| quote(s(x))).collect();
            let _ = writeln!(out, "{key}: [{}]", items.join(", "));
        }
    }
    // The port and protocol, from the Service (its first port).
    if let Some(svc) = app.service {
        let port = &svc["spec"]["ports"][0];
        let name = port["appProtocol"]
            .as_str()
            .or(port["name"].as_str())
            .unwrap_or("");
        let protocol = ["grpc", "http2", "tcp", "http"]
            .into_iter()
            .find(|p| name == *p || name.starts_with(&format!("{p}-")))
            .unwrap_or("http");
        let _ = writeln!(out, "protocol: {}", quote(protocol));
        if let Some(p) = port["port"].as_i64() {
            let _ = writeln!(out, "port: {p}");
        }
        if let Some(t) = port["targetPort"]
            .as_i64()
            .filter(|t| Some(*t) != port["port"].as_i64())
        {
            let _ = writeln!(out, "targetPort: {t}");
        }
        if svc["spec"]["ports"].as_array().is_some_and(|p| p.len() > 1) {
            notes.push(format!(
                "Service {}/{}: only its first port is imported (msh serves one port)",
                app.namespace,
                s(&svc["metadata"]["name"])
            ));
        }
        if svc["spec"]["clusterIP"] == "None" {
            notes.push(format!("Service {}/{}: headless; msh generates a ClusterIP Service (headless Services bypass the mesh's load balancing)", app.namespace, s(&svc["metadata"]["name"])));
        }
        // Without an AuthorizationPolicy every caller is let in today: keep it so.
        let _ = writeln!(out, "// Open to every caller, as before; declare the callers' deps and set false to restrict.");
        let _ = writeln!(out, "public: true");
    }
    // Replicas or autoscaling.
    if let Some(h) = app.hpa {
        let spec = &h["spec"];
        let mut parts = Vec::new();
        if let Some(m) = spec["minReplicas"].as_i64() {
            parts.push(format!("min: {m}"));
        }
        if let Some(m) = spec["maxReplicas"].as_i64() {
            parts.push(format!("max: {m}"));
        }
        let cpu = spec["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|m| {
                let r = if m["type"] == "ContainerResource" {
                    &m["containerResource"]
                } else {
                    &m["resource"]
                };
                (r["name"] == "cpu")
                    .then(|| r["target"]["averageUtilization"].as_i64())
                    .flatten()
            });
        if let Some(cpu) = cpu {
            parts.push(format!("cpu: {cpu}%"));
        }
        let _ = writeln!(out, "autoscale: {{{}}}", parts.join(", "));
    } else if let Some(r) = first["spec"]["replicas"].as_i64() {
        let _ = writeln!(out, "replicas: {r}");
    }
    // Resources.
    let res = &c["resources"];
    let mut rparts = Vec::new();
    for (msh, side, key) in [
        ("cpu", "requests", "cpu"),
        ("memory", "requests", "memory"),
        ("cpuLimit", "limits", "cpu"),
        ("memoryLimit", "limits", "memory"),
    ] {
        let v = &res[side][key];
        if v.is_null() {
            continue;
        }
        match quantity(v) {
            Some(q) => rparts.push(format!("{msh}: {q}")),
            None => notes.push(format!(
                "{where_}: resources.{side}.{key} {v} is not a quantity msh reads"
            )),
        }
    }
    if !rparts.is_empty() {
        let _ = writeln!(out, "resources: {{{}}}", rparts.join(", "));
    }
    // Environment.
    let env = c["env"].as_array().cloned().unwrap_or_default();
    if !env.is_empty() {
        let _ = writeln!(out, "env: {{");
        for e in &env {
            let name = label(s(&e["name"]));
            if let Some(v) = e["value"].as_str() {
                let _ = writeln!(out, "{name}: {}", quote(v));
            } else if e["value"].is_null() && e["valueFrom"].is_null() {
                let _ = writeln!(out, "{name}: \"\"");
            } else {
                let from = &e["valueFrom"];
                let src = if let Some(r) = from.get("secretKeyRef") {
                    Some(format!(
                        "{{secret: {}, key: {}}}",
                        quote(s(&r["name"])),
                        quote(s(&r["key"]))
                    ))
                } else if let Some(r) = from.get("configMapKeyRef") {
                    Some(format!(
                        "{{configMap: {}, key: {}}}",
                        quote(s(&r["name"])),
                        quote(s(&r["key"]))
                    ))
                } else {
                    from.get("fieldRef")
                        .map(|r| format!("{{field: {}}}", quote(s(&r["fieldPath"]))))
                };
                match src {
                    Some(src) => {
                        let _ = writeln!(out, "{name}: {src}");
                    }
                    None => notes.push(format!(
                        "{where_}: env {} comes from {from}, which msh does not model",
                        s(&e["name"])
                    )),
                }
            }
        }
        let _ = writeln!(out, "}}");
    }
    // Probes.
    let mut probes = Vec::new();
    for kind in ["readiness", "liveness", "startup"] {
        let p = &c[format!("{kind}Probe")];
        if p.is_null() {
            continue;
        }
        let mut parts = Vec::new();
        let port = |v: &Value| {
            v["port"]
                .as_i64()
                .map(|p| format!(", port: {p}"))
                .unwrap_or_default()
        };
        if let Some(h) = p.get("httpGet") {
            parts.push(format!(
                "http: {{path: {}{}}}",
                quote(h["path"].as_str().unwrap_or("/")),
                port(h)
            ));
        } else if let Some(t) = p.get("tcpSocket") {
            parts.push(format!("tcp: {{{}}}", port(t).trim_start_matches(", ")));
        } else if let Some(g) = p.get("grpc") {
            parts.push(format!("grpc: {{{}}}", port(g).trim_start_matches(", ")));
        } else if let Some(e) = p.get("exec") {
            let cmd: Vec<String> = e["command"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| quote(s(x)))
                .collect();
            parts.push(format!("exec: {{command: [{}]}}", cmd.join(", ")));
        }
        for (k, msh) in [
            ("initialDelaySeconds", "initialDelay"),
            ("periodSeconds", "period"),
            ("timeoutSeconds", "timeout"),
        ] {
            if let Some(v) = seconds(&p[k]).filter(|_| !(msh == "initialDelay" && p[k] == 0)) {
                parts.push(format!("{msh}: {v}"));
            }
        }
        for k in ["successThreshold", "failureThreshold"] {
            if let Some(v) = p[k].as_i64() {
                parts.push(format!("{k}: {v}"));
            }
        }
        probes.push(format!("{kind}: {{{}}}", parts.join(", ")));
    }
    if !probes.is_empty() {
        let _ = writeln!(out, "probes: {{");
        for p in probes {
            let _ = writeln!(out, "{p}");
        }
        let _ = writeln!(out, "}}");
    }
    // Volumes, with the container's mounts.
    let mounts = c["volumeMounts"].as_array().cloned().unwrap_or_default();
    let mut vols = Vec::new();
    for v in pod["volumes"].as_array().into_iter().flatten() {
        let name = s(&v["name"]);
        let Some(m) = mounts.iter().find(|m| m["name"] == name) else {
            notes.push(format!(
                "{where_}: volume {name} is not mounted by the application container: not imported"
            ));
            continue;
        };
        let mut parts = vec![format!("mount: {}", quote(s(&m["mountPath"])))];
        if m["readOnly"] == true {
            parts.push("readOnly: true".into());
        }
        if let Some(sp) = m["subPath"].as_str() {
            parts.push(format!("subPath: {}", quote(sp)));
        }
        if let Some(e) = v.get("emptyDir") {
            let mut e_parts = Vec::new();
            if let Some(q) = e.get("sizeLimit").and_then(quantity) {
                e_parts.push(format!("sizeLimit: {q}"));
            }
            if e["medium"] == "Memory" {
                e_parts.push("medium: \"Memory\"".into());
            }
            parts.push(format!("emptyDir: {{{}}}", e_parts.join(", ")));
        } else if let Some(cm) = v.get("configMap") {
            parts.push(format!("configMap: {}", quote(s(&cm["name"]))));
        } else if let Some(sec) = v.get("secret") {
            parts.push(format!("secret: {}", quote(s(&sec["secretName"]))));
        } else if let Some(pvc) = v.get("persistentVolumeClaim") {
            parts.push(format!("claim: {}", quote(s(&pvc["claimName"]))));
        } else {
            notes.push(format!(
                "{where_}: volume {name} is of a kind msh does not model: not imported"
            ));
            continue;
        }
        vols.push(format!("{}: {{{}}}", label(name), parts.join(", ")));
    }
    if !vols.is_empty() {
        let _ = writeln!(out, "volumes: {{");
        for v in vols {
            let _ = writeln!(out, "{v}");
        }
        let _ = writeln!(out, "}}");
    }
    // Versions (a service's): more than one Deployment, or a version label.
    let service = app.service.is_some();
    if !service && app.versions.len() > 1 {
        notes.push(format!(
            "{}/{}: a worker has no versions: only the Deployment {} is imported",
            app.namespace,
            app.name,
            s(&first["metadata"]["name"])
        ));
    }
    if service && (app.versions.len() > 1 || app.versions[0].name != "stable") {
        let _ = writeln!(out, "versions: {{");
        let equal = 100 / app.versions.len() as i64;
        for (k, v) in app.versions.iter().enumerate() {
            // The VirtualService's weight; a version it does not route to gets none; without a
            // VirtualService, equal shares.
            let weight = match app.weights.get(&v.name) {
                Some(w) => *w,
                None if !app.weights.is_empty() => 0,
                None if k == 0 => 100 - equal * (app.versions.len() as i64 - 1),
                None => equal,
            };
            let vc = v.deployment["spec"]["template"]["spec"]["containers"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] != "istio-proxy"))
                .map(|c| s(&c["image"]).to_string())
                .unwrap_or_default();
            let image = if vc != s(&c["image"]) {
                format!(", image: {}", quote(&vc))
            } else {
                String::new()
            };
            let _ = writeln!(out, "{}: {{weight: {weight}{image}}}", label(&v.name));
        }
        let _ = writeln!(out, "}}");
        if app.weights.is_empty() && app.versions.len() > 1 {
            notes.push(format!(
                "{}/{}: no VirtualService weights: the versions share traffic equally",
                app.namespace, app.name
            ));
        }
    }
    // What msh does not model, from the pod and the container: kept as a patch of the
    // Deployment (checked against its schema), or left out with a note where meshc computes it.
    let mut pod_patch = serde_json::Map::new();
    let mut app_patch = serde_json::Map::new();
    let known_pod = [
        "containers",
        "volumes",
        "serviceAccountName",
        "terminationGracePeriodSeconds",
        "securityContext",
        "automountServiceAccountToken",
    ];
    for (k, v) in pod.as_object().into_iter().flatten() {
        if !known_pod.contains(&k.as_str()) {
            notes.push(format!(
                "{where_}: spec.template.spec.{k} is not modeled by msh: kept as a patch"
            ));
            pod_patch.insert(k.clone(), v.clone());
        }
    }
    let known_container = [
        "name",
        "image",
        "command",
        "args",
        "ports",
        "env",
        "resources",
        "readinessProbe",
        "livenessProbe",
        "startupProbe",
        "volumeMounts",
        "securityContext",
        "imagePullPolicy",
    ];
    for (k, v) in c.as_object().into_iter().flatten() {
        if known_container.contains(&k.as_str()) {
            continue;
        }
        if k == "lifecycle" {
            // meshc writes the preStop hook of the graceful shutdown itself.
            notes.push(format!(
                "{where_}: the container's lifecycle hooks are replaced by meshc's shutdown sequence (`lifecycle`): not imported"
            ));
            continue;
        }
        notes.push(format!(
            "{where_}: the container's {k} is not modeled by msh: kept as a patch"
        ));
        app_patch.insert(k.clone(), v.clone());
    }
    let mut extra_containers: Vec<Value> = Vec::new();
    for other in containers
        .iter()
        .filter(|x| x["name"] != "istio-proxy")
        .skip(1)
    {
        notes.push(format!(
            "{where_}: the container {} is added to the pod as a patch (msh models one application container)",
            s(&other["name"])
        ));
        extra_containers.push(other.clone());
    }
    if !app_patch.is_empty() || !extra_containers.is_empty() {
        let mut app = serde_json::Map::new();
        app.insert("name".into(), "app".into());
        app.extend(app_patch);
        let mut list = Vec::new();
        if app.len() > 1 {
            list.push(Value::Object(app));
        }
        list.extend(extra_containers);
        pod_patch.insert("containers".into(), Value::Array(list));
    }
    if !pod_patch.is_empty() {
        let _ = writeln!(
            out,
            "patch: deployment: spec: template: spec: {}",
            literal(&Value::Object(pod_patch))
        );
    }
    let _ = writeln!(out, "}}");
    for v in app
        .versions
        .iter()
        .take(if service { usize::MAX } else { 1 })
    {
        let name = s(&v.deployment["metadata"]["name"]);
        // A service's Deployments are named after the app and version, a worker's after the app.
        let new = if service {
            format!("{}-{}", app.name, v.name)
        } else {
            app.name.clone()
        };
        if name != new {
            notes.push(format!(
                "Deployment {}/{name}: becomes {}/{new} (meshc names a Deployment after its app and version; `meshc diff` shows the migration)",
                app.namespace, app.namespace
            ));
        }
    }
    if let Some(sa) = pod["serviceAccountName"]
        .as_str()
        .filter(|sa| *sa != app.name)
    {
        notes.push(format!("{where_}: runs as the ServiceAccount {sa}; meshc creates one named {} for the workload", app.name));
    }
    if let Some(g) = pod["terminationGracePeriodSeconds"].as_i64() {
        notes.push(format!("{where_}: terminationGracePeriodSeconds {g} is replaced by the grace period meshc computes from `lifecycle` (drain delay, drain time and margin)"));
    }
    if pod.get("securityContext").is_some() || c.get("securityContext").is_some() {
        notes.push(format!("{where_}: its security context is replaced by msh's secure defaults (`security` relaxes them)"));
    }
}
