//! `meshc explain`: where a generated field came from — its value, the lowering rule that
//! produced it (with its section of docs/lowering.md), and each input of that rule: its value
//! and the source location it was written at (the user's line, the platform's policy, or the
//! standard library's default).

use crate::{Compilation, Node};

/// One lowering rule: the fields of a kind it writes, and the model fields it reads.
struct Rule {
    kind: &'static str,
    /// Prefixes of the field paths it writes (`spec.template.spec.terminationGracePeriodSeconds`).
    writes: &'static [&'static str],
    what: &'static str,
    /// The section of docs/lowering.md.
    doc: &'static str,
    /// The fields of the service (or worker) it reads; `mesh.…` for the mesh block.
    reads: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        kind: "Deployment",
        writes: &["spec.template.spec.terminationGracePeriodSeconds"],
        what: "The grace period outlasts the preStop hook: drainDelay + drainTime + margin, so that the proxy drains before the pod is killed.",
        doc: "The computations",
        reads: &["lifecycle.terminationGracePeriod", "lifecycle.drainDelay", "lifecycle.drainTime", "lifecycle.margin"],
    },
    Rule {
        kind: "Deployment",
        writes: &["spec.template.spec.containers", "spec.template.spec.initContainers"],
        what: "The application container (image, command, env, probes, resources, mounts, the preStop hook of the graceful shutdown) and, with native sidecars, the proxy as an init container.",
        doc: "The pod",
        reads: &["image", "command", "args", "env", "probes", "resources", "volumes", "lifecycle.drainDelay", "lifecycle.hook", "security", "mesh.kubernetes", "mesh.istio"],
    },
    Rule {
        kind: "Deployment",
        writes: &["spec.template.metadata.annotations"],
        what: "The proxy's sizing and lifecycle annotations: CPU and memory requests and limits from the peak load (or `sidecar`), Envoy's concurrency, the drain duration, and the hold-until-proxy-starts order.",
        doc: "The computations",
        reads: &["load.peakRps", "load.requestsPerCall", "load.pods", "sidecar", "autoscale.max", "replicas", "lifecycle.drainDelay", "lifecycle.drainTime", "mesh.istio", "mesh.proxyCost", "annotations"],
    },
    Rule {
        kind: "Deployment",
        writes: &["spec.template.spec.securityContext", "spec.template.spec.automountServiceAccountToken"],
        what: "The pod's security context, secure by default (non-root, RuntimeDefault seccomp, no service account token).",
        doc: "The pod",
        reads: &["security"],
    },
    Rule {
        kind: "Deployment",
        writes: &["spec.replicas", "spec.selector", "metadata", "spec.template.metadata"],
        what: "One Deployment per version, selecting `app` and `version` (immutable); replicas only when the workload fixes them (else the HPA owns the count).",
        doc: "Objects per service",
        reads: &["versions", "replicas", "labels"],
    },
    Rule {
        kind: "HorizontalPodAutoscaler",
        writes: &["spec.metrics"],
        what: "The application container's CPU: a ContainerResource metric from Kubernetes 1.27; before, the pod's CPU with the target adjusted for the proxy's request.",
        doc: "The computations",
        reads: &["autoscale.cpu", "resources.cpu", "sidecar.cpu", "load.peakRps", "mesh.kubernetes"],
    },
    Rule {
        kind: "HorizontalPodAutoscaler",
        writes: &["spec"],
        what: "The autoscaling bounds, split across versions by weight.",
        doc: "Objects per service",
        reads: &["autoscale.min", "autoscale.max", "versions"],
    },
    Rule {
        kind: "PodDisruptionBudget",
        writes: &["spec"],
        what: "minAvailable 1 once the workload runs two pods or more (a single pod gets none: it would block every node drain).",
        doc: "Objects per service",
        reads: &["autoscale.min", "replicas"],
    },
    Rule {
        kind: "Sidecar",
        writes: &["spec"],
        what: "The proxy's egress scoped to the declared dependencies (and istio-system), with REGISTRY_ONLY so that an undeclared call fails loudly.",
        doc: "Dependencies",
        reads: &["deps", "mesh.outboundTrafficPolicy"],
    },
    Rule {
        kind: "VirtualService",
        writes: &["spec"],
        what: "One route weighted across the versions; the retry policy (connect-failure only unless idempotent) and the timeout for HTTP, HTTP/2 and gRPC.",
        doc: "Objects per service",
        reads: &["versions", "retries", "idempotent", "timeout", "protocol"],
    },
    Rule {
        kind: "DestinationRule",
        writes: &["spec"],
        what: "A subset per version, the load balancer, mutual TLS, the connection pool and outlier detection.",
        doc: "Objects per service",
        reads: &["versions", "loadBalancer", "circuitBreaker", "mesh.mtls"],
    },
    Rule {
        kind: "Service",
        writes: &["spec"],
        what: "A ClusterIP Service (never headless) selecting `app`, its port named after the protocol, with appProtocol.",
        doc: "Objects per service",
        reads: &["port", "targetPort", "protocol"],
    },
    Rule {
        kind: "AuthorizationPolicy",
        writes: &["spec"],
        what: "ALLOW from the identities of every service that lists this one in `deps` and of its `callers`; none when public.",
        doc: "Objects per service",
        reads: &["public", "callers", "mesh.trustDomain"],
    },
    Rule {
        kind: "NetworkPolicy",
        writes: &["spec"],
        what: "Ingress from the callers' pods, egress to the dependencies, DNS and the control plane, from the dependency graph.",
        doc: "NetworkPolicy",
        reads: &["deps", "callers", "public", "mesh.networkPolicy", "mesh.dns", "mesh.monitoring"],
    },
    Rule {
        kind: "ServiceEntry",
        writes: &["spec"],
        what: "An external dependency (host:port in `deps`): MESH_EXTERNAL, resolved by DNS (NONE for a domain), visible to the namespace only.",
        doc: "Objects per service",
        reads: &["deps"],
    },
    Rule {
        kind: "ServiceAccount",
        writes: &["metadata", "automountServiceAccountToken"],
        what: "The workload's identity, which mutual TLS and the AuthorizationPolicies name.",
        doc: "Objects per service",
        reads: &["security.automountServiceAccountToken"],
    },
    Rule {
        kind: "Gateway",
        writes: &["spec"],
        what: "The ingress of the namespace for the exposed services' hosts.",
        doc: "Ingress",
        reads: &["expose", "mesh.ingress"],
    },
    Rule {
        kind: "HTTPRoute",
        writes: &["spec"],
        what: "The exposed service's route from the Gateway, weighted across its versions.",
        doc: "Ingress",
        reads: &["expose", "versions", "mesh.ingress"],
    },
];

/// Why a generated field has its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The field's value as YAML.
    pub value: String,
    /// What the rule does.
    pub rule: String,
    /// The section of docs/lowering.md that documents it.
    pub doc: String,
    /// Each input the rule reads that the package has: its path, its value (one line of JSON)
    /// and where that value was written (`file:line:column`).
    pub inputs: Vec<(String, String, String)>,
    /// For each input (same order), every declaration that took part in its value: the
    /// service's own, the platform's policy (patterns such as `services: [Name=_]: …`), the
    /// standard library's — as `file:line:column` and the declaration's first line.
    pub declared: Vec<Vec<(String, String)>>,
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "value:")?;
        for line in self.value.lines() {
            writeln!(f, "  {line}")?;
        }
        writeln!(f, "rule: {}", self.rule)?;
        writeln!(f, "docs: docs/lowering.md, \"{}\"", self.doc)?;
        if !self.inputs.is_empty() {
            writeln!(f, "from:")?;
            let width = self.inputs.iter().map(|i| i.0.len()).max().unwrap_or(0);
            for (k, (path, value, at)) in self.inputs.iter().enumerate() {
                writeln!(f, "  {path:width$}  {value}  ({at})")?;
                for (loc, text) in self.declared.get(k).into_iter().flatten() {
                    writeln!(f, "  {:width$}    {loc}: {text}", "")?;
                }
            }
        }
        Ok(())
    }
}

/// Explains the field `field` (a dotted path, `spec.template.spec.terminationGracePeriodSeconds`;
/// list elements by index, `containers.0`) of the object `kind/namespace/name` that
/// `compilation` generated.
pub fn explain(c: &Compilation, object: &str, field: &str) -> Result<Explanation, String> {
    let parts: Vec<&str> = object.split('/').collect();
    let (kind, namespace, name) = match parts[..] {
        [k, ns, n] => (k, Some(ns), n),
        [k, n] => (k, None, n),
        _ => return Err(format!("`{object}` is not KIND/NAMESPACE/NAME")),
    };
    let o = c
        .objects
        .iter()
        .find(|o| {
            o.kind == kind
                && o.name == name
                && (namespace.is_none() || o.namespace.as_deref() == namespace)
        })
        .ok_or_else(|| {
            let known: Vec<String> = c
                .objects
                .iter()
                .filter(|o| o.kind == kind)
                .map(|o| {
                    format!(
                        "{}/{}/{}",
                        o.kind,
                        o.namespace.as_deref().unwrap_or(""),
                        o.name
                    )
                })
                .collect();
            format!(
                "no object {object} was generated{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (there are {})", known.join(", "))
                }
            )
        })?;
    let whole = o.value();
    let mut value = &whole;
    let path: Vec<&str> = field.split('.').filter(|p| !p.is_empty()).collect();
    for p in &path {
        value = match value {
            serde_json::Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
            v => v.get(p),
        }
        .ok_or_else(|| format!("{object} has no field {field}"))?;
    }
    // The rule that writes the field, else one that writes inside it (for a whole subtree).
    let of_kind = || RULES.iter().filter(|r| r.kind == o.kind);
    let rule = of_kind()
        .find(|r| r.writes.iter().any(|w| field.starts_with(w)))
        .or_else(|| of_kind().find(|r| r.writes.iter().any(|w| w.starts_with(field))))
        .ok_or_else(|| {
            format!(
                "no rule of meshc's explains {} fields at {field:?} yet (see docs/lowering.md)",
                o.kind
            )
        })?;
    let mut inputs = Vec::new();
    let mut declared = Vec::new();
    if let (Some(root), Some(service)) = (&c.value, &o.service) {
        let workload = ["services", "workers"]
            .iter()
            .find_map(|m| root.get(m).and_then(|s| s.get(service)).map(|n| (*m, n)));
        for read in rule.reads {
            let (base, rest, prefix) = match read.strip_prefix("mesh.") {
                Some(rest) => (root.get("mesh"), rest, "mesh".to_string()),
                None => (
                    workload.map(|w| w.1),
                    *read,
                    format!("{}.{service}", workload.map_or("services", |w| w.0)),
                ),
            };
            let keys: Vec<&str> = rest.split('.').collect();
            let Some(n) = base.and_then(|b| b.at(&keys)) else {
                continue;
            };
            let full: Vec<String> = format!("{prefix}.{rest}")
                .split('.')
                .map(str::to_string)
                .collect();
            declared.push(declarations(c, &full));
            inputs.push((full.join("."), one_line(n), location(c, n)));
        }
    }
    Ok(Explanation {
        value: crate::yaml::tree_to_yaml(value),
        rule: rule.what.to_string(),
        doc: rule.doc.to_string(),
        inputs,
        declared,
    })
}

/// Every declaration of the field at `path` (`services.api.autoscale.min`): in the package's
/// files (fields, patterns, embedded structs and comprehension bodies on the way) and in the
/// standard library's definition for it (`#Service`, `#Worker`, `#Mesh`).
fn declarations(c: &Compilation, path: &[String]) -> Vec<(String, String)> {
    use meshc_syntax::ast::{Decl, ExprKind, LabelKind, StructLit};
    fn structs(e: &meshc_syntax::ast::Expr) -> Vec<&StructLit> {
        match &e.kind {
            ExprKind::Struct(s) => vec![s],
            ExprKind::Unify(parts) => parts.iter().flat_map(structs).collect(),
            ExprKind::Disj(alts) => alts.iter().flat_map(|(p, _)| structs(p)).collect(),
            _ => Vec::new(),
        }
    }
    fn find(l: &StructLit, path: &[String], out: &mut Vec<u32>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        for d in &l.decls {
            match d {
                Decl::Field(f) => {
                    let matches = match &f.label.kind {
                        LabelKind::Name(n) => n == first,
                        LabelKind::Pattern { .. } => true,
                        LabelKind::Dynamic(_) => false,
                    };
                    if !matches {
                        continue;
                    }
                    if rest.is_empty() {
                        out.push(f.span.start);
                    } else {
                        for s in structs(&f.value) {
                            find(s, rest, out);
                        }
                    }
                }
                Decl::Embed(e) => structs(e).into_iter().for_each(|s| find(s, path, out)),
                Decl::Comprehension(cm) => find(&cm.body, path, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for (id, file) in c.sources.files().iter().enumerate() {
        if file.name.starts_with('<') {
            continue;
        }
        let (parsed, _) = meshc_syntax::parse_file(id as u32, &file.text);
        let mut starts = Vec::new();
        find(&parsed.body, path, &mut starts);
        for start in starts {
            let (line, col) = c.sources.line_col(id as u32, start);
            let text = file.text[start as usize..]
                .lines()
                .next()
                .unwrap_or("")
                .trim();
            out.push((format!("{}:{line}:{col}", file.name), text.to_string()));
        }
    }
    // The standard library's declaration.
    let def = match path.first().map(String::as_str) {
        Some("services") => Some(("#Service", &path[2.min(path.len())..])),
        Some("workers") => Some(("#Worker", &path[2.min(path.len())..])),
        Some("mesh") => Some(("#Mesh", &path[1..])),
        _ => None,
    };
    if let Some((def, rest)) = def {
        if let Some((last, parents)) = rest.split_last() {
            let stdlib = c
                .sources
                .files()
                .iter()
                .position(|f| f.name == "<stdlib>/mesh.msh");
            let field = crate::ide::stdlib_nested_fields(def, parents)
                .into_iter()
                .find(|f| &f.name == last);
            if let (Some(id), Some(field)) = (stdlib, field) {
                let (line, col) = c.sources.line_col(id as u32, field.offset as u32);
                out.push((format!("<stdlib>/mesh.msh:{line}:{col}"), field.declaration));
            }
        }
    }
    out
}

/// A value on one line (YAML flow style, shortened).
fn one_line(n: &Node) -> String {
    let mut s = serde_json::to_string(n).expect("a Node always serializes");
    if s.len() > 80 {
        s.truncate(
            s.char_indices()
                .take_while(|(i, _)| *i < 77)
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8()),
        );
        s.push_str("...");
    }
    s
}

/// Where a value was written, as `file:line:column`.
fn location(c: &Compilation, n: &Node) -> String {
    let file = c.sources.get(n.span.file);
    let (line, col) = c.sources.line_col(n.span.file, n.span.start);
    format!("{}:{line}:{col}", file.name)
}
