//! Patches: `patch: deployment: …` in a service (or a version) unified with the objects meshc
//! generates for it (docs/lowering.md, "Patches and objects"). The patch was checked against
//! the kind's schema by the evaluator (`mesh.#ServicePatch`); here it is merged:
//!
//! - a map adds its fields, recursively;
//! - a list of named elements (containers, ports, volumes, env) merges by `name`, new names
//!   appended; a one-element list merges into every element (each route of a VirtualService);
//!   lists of one length merge element by element;
//! - a scalar must equal what meshc computed: otherwise the patch contradicts a rule, `E0327`,
//!   with the rule and the inputs it computed from (what `meshc explain` says);
//! - and the patched object must not break a guardrail the generated one kept (`meshc vet`'s
//!   rules on the object alone: a patch that turns the Service headless is `E0342`).

use crate::{codes, Compilation, Diagnostic, Node, NodeKind, Span};
use serde_json::Value;

/// The patch key of each generated kind.
fn key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Deployment" => "deployment",
        "HorizontalPodAutoscaler" => "hpa",
        "PodDisruptionBudget" => "pdb",
        "ServiceAccount" => "serviceAccount",
        "NetworkPolicy" => "networkPolicy",
        "Sidecar" => "sidecar",
        "AuthorizationPolicy" => "authorizationPolicy",
        "Service" => "service",
        "DestinationRule" => "destinationRule",
        "VirtualService" => "virtualService",
        _ => return None,
    })
}

/// A scalar of the patch that differs from the generated one.
struct Conflict {
    object: usize,
    /// Dotted, with list indexes (`spec.template.spec.containers.0.image`): what `explain` takes.
    path: String,
    generated: Value,
    patched: Value,
    span: Span,
}

/// Applies every patch of the compilation's services and workers to their objects.
pub(crate) fn apply(c: &mut Compilation) {
    let Some(root) = c.value.as_ref() else {
        return;
    };
    let mut patched: Vec<(usize, Value, Span)> = Vec::new();
    let mut conflicts = Vec::new();
    for (i, o) in c.objects.iter().enumerate() {
        let (Some(service), Some(key)) = (o.service.as_deref(), key(&o.kind)) else {
            continue;
        };
        // The mesh-internal VirtualService only (the ingress one is named `<service>-ingress`).
        if o.kind == "VirtualService" && o.name != service {
            continue;
        }
        let Some(workload) = ["services", "workers"]
            .iter()
            .filter_map(|m| root.get(m).and_then(Node::as_map))
            .flat_map(|m| m.values())
            .find(|w| {
                w.get("name").and_then(Node::as_str) == Some(service)
                    && w.get("namespace").and_then(Node::as_str) == o.namespace.as_deref()
            })
        else {
            continue;
        };
        let mut patches: Vec<&Node> = Vec::new();
        if let Some(p) = workload.at(&["patch", key]) {
            patches.push(p);
        }
        if matches!(key, "deployment" | "hpa") {
            let version = o.value["metadata"]["labels"]["version"].as_str();
            if let Some(p) = version.and_then(|v| workload.at(&["versions", v, "patch", key])) {
                patches.push(p);
            }
        }
        if patches.is_empty() {
            continue;
        }
        let mut value = o.value.clone();
        for p in &patches {
            merge(&mut value, p, &mut Vec::new(), i, &mut conflicts);
        }
        patched.push((i, value, patches[0].span));
    }
    let mut diagnostics = Vec::new();
    for k in &conflicts {
        diagnostics.push(conflict(c, k));
    }
    // The objects of `objects`, with the span of their entry.
    let extra: Vec<(usize, Span)> = root
        .get("objects")
        .and_then(Node::as_map)
        .map(|m| {
            m.values()
                .filter_map(|n| {
                    let field = |k: &[&str]| n.at(k).and_then(Node::as_str);
                    let i = c.objects.iter().position(|o| {
                        o.service.is_none()
                            && Some(o.kind.as_str()) == field(&["kind"])
                            && Some(o.name.as_str()) == field(&["metadata", "name"])
                            && o.namespace.as_deref() == field(&["metadata", "namespace"])
                    })?;
                    Some((i, n.span))
                })
                .collect()
        })
        .unwrap_or_default();
    // Neither may break a guardrail that meshc's own objects keep: vet's rules run on each
    // patched workload's objects together (a Service turned headless is judged with the pods
    // it selects), and on each added object with the objects of its namespace — groups, so
    // that the cost stays linear in the mesh.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let same = |i: usize, j: usize| {
        let (a, b) = (&c.objects[i], &c.objects[j]);
        a.namespace == b.namespace && a.service == b.service
    };
    for (i, _, _) in &patched {
        if !groups.iter().any(|g| same(g[0], *i)) {
            groups.push((0..c.objects.len()).filter(|j| same(*i, *j)).collect());
        }
    }
    for (i, _) in &extra {
        let ns = &c.objects[*i].namespace;
        groups.push(
            (0..c.objects.len())
                .filter(|j| {
                    j == i || (&c.objects[*j].namespace == ns && !extra.iter().any(|(k, _)| k == j))
                })
                .collect(),
        );
    }
    for group in groups {
        let value = |i: usize, patched_too: bool| {
            patched
                .iter()
                .find(|(j, _, _)| patched_too && *j == i)
                .map_or(&c.objects[i].value, |(_, v, _)| v)
                .clone()
        };
        let before: Vec<Value> = group
            .iter()
            .filter(|i| !extra.iter().any(|(j, _)| j == *i))
            .map(|i| value(*i, false))
            .collect();
        let after: Vec<Value> = group.iter().map(|i| value(*i, true)).collect();
        let kept: Vec<(&str, String)> = vet_all(&before)
            .into_iter()
            .map(|(d, _)| (d.code, d.message))
            .collect();
        for (d, k) in vet_all(&after) {
            if kept
                .iter()
                .any(|(code, m)| *code == d.code && *m == d.message)
            {
                continue;
            }
            let i = group[k];
            let o = &c.objects[i];
            let (span, what) = match patched.iter().find(|(j, _, _)| *j == i) {
                Some((_, _, span)) => (*span, "the patch of"),
                None => match extra.iter().find(|(j, _)| *j == i) {
                    Some((_, span)) => (*span, "the object"),
                    None => continue,
                },
            };
            let mut out = Diagnostic::error(
                d.code,
                format!("{what} {} {}: {}", o.kind, o.name, d.message),
            )
            .primary(
                span,
                if what == "the object" {
                    "this object"
                } else {
                    "this patch"
                },
            );
            for h in &d.help {
                out = out.help(h.clone());
            }
            let out = out.note("meshc's own objects keep this guardrail: a patch or an object may add to them, not undo a lesson");
            if !diagnostics.iter().any(|x: &Diagnostic| {
                x.code == out.code
                    && x.message == out.message
                    && x.primary_span() == out.primary_span()
            }) {
                diagnostics.push(out);
            }
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) || !conflicts.is_empty() {
        c.diagnostics.extend(diagnostics);
        c.objects.clear();
        c.edges.clear();
        return;
    }
    for (i, value, _) in patched {
        c.objects[i].value = value;
    }
}

/// The errors `meshc vet` finds in these objects, each with the index of the object it is on.
fn vet_all(objects: &[Value]) -> Vec<(Diagnostic, usize)> {
    // One JSON array, each object's offset kept to place the findings.
    let mut text = String::from("[");
    let mut starts = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        starts.push(text.len());
        text.push_str(&o.to_string());
    }
    text.push(']');
    let mut files = crate::Sources::new();
    files.insert("objects.json".into(), text);
    crate::vet(&files, &crate::VetOptions::default())
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .filter_map(|d| {
            let at = d.primary_span()?.start as usize;
            let i = starts.partition_point(|s| *s <= at).checked_sub(1)?;
            Some((d, i))
        })
        .collect()
}

fn scalar(n: &Node) -> Value {
    serde_json::to_value(n).unwrap_or(Value::Null)
}

fn merge(
    gen: &mut Value,
    patch: &Node,
    path: &mut Vec<String>,
    object: usize,
    out: &mut Vec<Conflict>,
) {
    match (&patch.kind, &mut *gen) {
        (NodeKind::Map(fields), Value::Object(map)) => {
            for (k, p) in fields {
                // A patch is of the kind's definition, which fixes apiVersion and kind; the
                // generated object's (v1beta1 for an old Istio) stand.
                if path.is_empty() && (k == "apiVersion" || k == "kind") {
                    continue;
                }
                path.push(k.clone());
                match map.get_mut(k) {
                    Some(g) if !g.is_null() => merge(g, p, path, object, out),
                    _ => {
                        map.insert(k.clone(), scalar(p));
                    }
                }
                path.pop();
            }
        }
        (NodeKind::List(items), Value::Array(gens)) => {
            let name = |v: &Value| v["name"].as_str().map(String::from);
            let named = !items.is_empty()
                && items
                    .iter()
                    .all(|p| p.get("name").and_then(Node::as_str).is_some())
                && gens.iter().all(|g| name(g).is_some());
            if named {
                for p in items {
                    let n = p.get("name").and_then(Node::as_str).unwrap_or_default();
                    match gens.iter().position(|g| name(g).as_deref() == Some(n)) {
                        Some(j) => {
                            path.push(j.to_string());
                            merge(&mut gens[j], p, path, object, out);
                            path.pop();
                        }
                        None => gens.push(scalar(p)),
                    }
                }
            } else if items.len() == 1 && !gens.is_empty() {
                for (j, g) in gens.iter_mut().enumerate() {
                    path.push(j.to_string());
                    merge(g, &items[0], path, object, out);
                    path.pop();
                }
            } else if items.len() == gens.len() {
                for (j, (g, p)) in gens.iter_mut().zip(items).enumerate() {
                    path.push(j.to_string());
                    merge(g, p, path, object, out);
                    path.pop();
                }
            } else if gens.is_empty() {
                *gen = scalar(patch);
            } else {
                out.push(Conflict {
                    object,
                    path: path.join("."),
                    generated: gen.clone(),
                    patched: scalar(patch),
                    span: patch.span,
                });
            }
        }
        _ => {
            let p = scalar(patch);
            if &p != gen {
                out.push(Conflict {
                    object,
                    path: path.join("."),
                    generated: gen.clone(),
                    patched: p,
                    span: patch.span,
                });
            }
        }
    }
}

fn short(v: &Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(59).collect::<String>())
    } else {
        t
    }
}

fn conflict(c: &Compilation, k: &Conflict) -> Diagnostic {
    let o = &c.objects[k.object];
    let id = format!(
        "{}/{}/{}",
        o.kind,
        o.namespace.as_deref().unwrap_or(""),
        o.name
    );
    let mut d = Diagnostic::error(
        codes::PATCH_CONFLICT,
        format!(
            "the patch sets `{}` of {} {} to {}, but meshc computes {}",
            k.path,
            o.kind,
            o.name,
            short(&k.patched),
            short(&k.generated)
        ),
    )
    .primary(k.span, "the patch's value");
    match crate::explain(c, &id, &k.path) {
        Ok(e) => {
            d = d.note(format!(
                "meshc computes it: {} (docs/lowering.md, “{}”)",
                e.rule, e.doc
            ));
            for (name, value, at) in &e.inputs {
                d = d.note(format!("from {name} = {value} ({at})"));
            }
            d = d.help(if e.inputs.is_empty() {
                "leave this field to meshc, or ask for it to be modelled".to_string()
            } else {
                "change the input meshc computes it from, not its output".to_string()
            });
        }
        Err(_) => {
            d = d.help("leave this field to meshc: a patch adds what meshc does not write");
        }
    }
    d
}
