//! `meshc build --admission FILE`: the guardrails that can be judged from one object, as
//! Kubernetes `ValidatingAdmissionPolicy` objects (admissionregistration.k8s.io/v1, CEL; GA in
//! Kubernetes 1.30) and their bindings, so that what `meshc vet` finds in CI is also refused at
//! the API server, for meshc's objects and hand-written ones alike.
//!
//! One policy per rule, named `meshc-<code>-<rule>`, each with its own binding: a rule can be
//! rolled out (Audit → Warn → Deny) or dropped on its own. The bindings select the namespaces by
//! the sidecar-injection label the mesh's Namespaces carry. An object silences a rule with the
//! annotation `allow.meshc.dev/CODE` (a `matchCondition`, as `meshc vet` does). The CEL uses the
//! standard macros and functions and Kubernetes' list (`sum`, `max`), string (`split`, `trim`,
//! `join`, `substring`) and regex (`findAll`) libraries, nothing optional, so that any CEL
//! engine with those libraries evaluates it; the tests evaluate every policy on every object
//! meshc generates for the examples, and on broken objects.
//!
//! Rules that need several objects (a subset no DestinationRule defines, a host no Service
//! defines, a workload no Sidecar scopes) are left to `meshc vet`: an admission policy sees one
//! object at a time.

use meshc_syntax::codes;
use serde_json::{json, Value};

/// How the bindings act on a violation (`--admission-mode`): the rollout recipe is Audit, then
/// Warn, then Deny.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdmissionMode {
    /// Errors are denied; warnings are returned to the client and audited (the default).
    #[default]
    Deny,
    /// Every violation is returned to the client as a warning and audited; nothing is denied.
    Warn,
    /// Every violation is only written to the audit log.
    Audit,
}

/// One rule: the resources it watches, its CEL, its message.
struct Rule {
    code: &'static str,
    name: &'static str,
    /// (API group, version, resources).
    resources: &'static [(&'static str, &'static str, &'static str)],
    /// Only pods with a sidecar (the pod template does not opt out of injection).
    pod_template: bool,
    expression: String,
    message: &'static str,
    /// The message with the object's name: `{name}` is replaced by the CEL of the name.
    message_expression: &'static str,
}

const WORKLOADS: &[(&str, &str, &str)] = &[
    ("apps", "v1", "deployments"),
    ("apps", "v1", "statefulsets"),
    ("apps", "v1", "daemonsets"),
];
const VIRTUAL_SERVICES: &[(&str, &str, &str)] = &[("networking.istio.io", "*", "virtualservices")];

/// `has()` along a path: `has(a.b) && has(a.b.c)` for `a.b.c`.
fn has_path(root: &str, path: &[&str]) -> String {
    let mut out = Vec::new();
    let mut at = root.to_string();
    for p in path {
        at = format!("{at}.{p}");
        out.push(format!("has({at})"));
    }
    out.join(" && ")
}

fn rules() -> Vec<Rule> {
    // E0303, per route kind: one destination may omit its weight (Istio gives it 100).
    let weights = ["http", "tcp", "tls"]
        .iter()
        .map(|p| {
            format!(
                "(!has(object.spec.{p}) || object.spec.{p}.all(r, !has(r.route) || (size(r.route) < 2 && r.route.all(d, !has(d.weight))) || r.route.map(d, has(d.weight) ? d.weight : 0).sum() == 100))"
            )
        })
        .collect::<Vec<_>>()
        .join(" && ");
    let template = "object.spec.template.spec";
    let sleeps = format!(
        "{template}.containers.map(c, ({sleep} ? c.lifecycle.preStop.sleep.seconds : 0) + ({exec} ? c.lifecycle.preStop.exec.command.join(' ').findAll('\\\\bsleep\\\\s+[0-9]+').map(m, int(m.substring(5).trim())).sum() : 0)).max()",
        sleep = has_path("c", &["lifecycle", "preStop", "sleep"]),
        exec = has_path("c", &["lifecycle", "preStop", "exec", "command"]),
    );
    vec![
        Rule {
            code: codes::WEIGHTS,
            name: "weights",
            resources: VIRTUAL_SERVICES,
            pod_template: false,
            expression: weights,
            message: "the weights of a route's destinations do not sum to 100: Istio normalises any other total silently",
            message_expression: "'the weights of `' + {name} + '` do not sum to 100 in every route: Istio normalises any other total silently'",
        },
        Rule {
            code: codes::UNSAFE_RETRY,
            name: "retries",
            resources: VIRTUAL_SERVICES,
            pod_template: false,
            expression: "!has(object.spec.http) || object.spec.http.all(r, !has(r.route) || (has(r.retries) && has(r.retries.attempts) && r.retries.attempts == 0) || (has(r.retries) && has(r.retries.retryOn) && r.retries.retryOn.split(',').all(c, c.trim() in ['connect-failure', 'refused-stream', ''])))".into(),
            message: "a route retries beyond connect-failure and refused-stream (Istio's default, when `retries` is not written, retries unavailable, cancelled and retriable-status-codes): a non-idempotent call may run twice",
            message_expression: "'`' + {name} + '` is not marked idempotent but retries beyond connect-failure and refused-stream (a route without `retries` gets Istio\\'s default); annotate it allow.meshc.dev/E0305 when every call is idempotent'",
        },
        Rule {
            code: codes::HEADLESS,
            name: "headless",
            resources: &[("", "v1", "services")],
            pod_template: false,
            expression: "!has(object.spec.clusterIP) || object.spec.clusterIP != 'None' || !has(object.spec.selector) || size(object.spec.selector) == 0".into(),
            message: "a headless Service in a meshed namespace: clients connect to pod IPs and bypass the mesh's load balancing",
            message_expression: "'the headless Service `' + {name} + '` fronts meshed pods: clients connect to pod IPs and bypass the mesh\\'s load balancing; remove clusterIP: None (a StatefulSet\\'s governing Service: annotate it allow.meshc.dev/E0342)'",
        },
        Rule {
            code: codes::MISSING_LABELS,
            name: "labels",
            resources: WORKLOADS,
            pod_template: false,
            expression: "has(object.spec.template.metadata) && has(object.spec.template.metadata.labels) && ('app' in object.spec.template.metadata.labels || 'app.kubernetes.io/name' in object.spec.template.metadata.labels) && ('version' in object.spec.template.metadata.labels || 'app.kubernetes.io/version' in object.spec.template.metadata.labels)".into(),
            message: "the pods have no `app` and `version` labels: Istio's telemetry, subsets and canary routing key on them",
            message_expression: "'the pods of `' + {name} + '` have no `app` and `version` labels: Istio\\'s telemetry, subsets and canary routing key on them'",
        },
        Rule {
            code: codes::SHORT_GRACE,
            name: "grace",
            resources: WORKLOADS,
            pod_template: false,
            expression: format!("(has({template}.terminationGracePeriodSeconds) ? {template}.terminationGracePeriodSeconds : 30) >= {sleeps}"),
            message: "the grace period is shorter than the preStop sleeps: Kubernetes kills the pod while connections still drain",
            message_expression: "'the grace period of `' + {name} + '` is shorter than its preStop sleeps: Kubernetes kills the pod while connections still drain'",
        },
        Rule {
            code: codes::NO_HOOK,
            name: "prestop",
            resources: WORKLOADS,
            pod_template: true,
            expression: format!("{template}.containers.exists(c, {})", has_path("c", &["lifecycle", "preStop"])),
            message: "the pods have no preStop hook: they stop while the mesh still sends them requests",
            message_expression: "'the pods of `' + {name} + '` have no preStop hook: they stop while the mesh still sends them requests'",
        },
        Rule {
            code: codes::NO_RESOURCES,
            name: "resources",
            resources: WORKLOADS,
            pod_template: false,
            expression: format!("{template}.containers.all(c, {} && 'cpu' in c.resources.requests && 'memory' in c.resources.requests)", has_path("c", &["resources", "requests"])),
            message: "a container requests no CPU or memory: the scheduler packs the pod blindly and an HPA cannot compute its utilisation",
            message_expression: "'a container of `' + {name} + '` requests no CPU or memory: the scheduler packs the pod blindly and an HPA cannot compute its utilisation'",
        },
        Rule {
            code: codes::HPA_ADJUSTED,
            name: "hpa-cpu",
            resources: &[("autoscaling", "v2", "horizontalpodautoscalers")],
            pod_template: false,
            expression: "!has(object.spec.metrics) || !object.spec.metrics.exists(m, m.type == 'Resource' && has(m.resource) && m.resource.name == 'cpu')".into(),
            message: "the HPA scales on the CPU of the whole pod, proxy included: use a ContainerResource metric on the app container",
            message_expression: "'`' + {name} + '` scales on the CPU of the whole pod, proxy included: use a ContainerResource metric on the app container'",
        },
        Rule {
            code: codes::WIDE_EGRESS,
            name: "egress",
            resources: &[("networking.istio.io", "*", "sidecars")],
            pod_template: false,
            expression: "!has(object.spec.egress) || object.spec.egress.all(e, !has(e.hosts) || e.hosts.all(h, !h.endsWith('/*') || h == 'istio-system/*'))".into(),
            message: "the Sidecar lets its proxies hold a whole namespace or the whole mesh: list the hosts the workload calls",
            message_expression: "'the Sidecar `' + {name} + '` lets its proxies hold a whole namespace or the whole mesh: list the hosts the workload calls'",
        },
        Rule {
            code: codes::DENY_ALL,
            name: "deny-all",
            resources: &[("security.istio.io", "*", "authorizationpolicies")],
            pod_template: false,
            expression: "!has(object.spec.action) || object.spec.action != 'DENY' || !has(object.spec.rules) || !object.spec.rules.exists(r, (!has(r.from) || size(r.from) == 0) && (!has(r.to) || size(r.to) == 0) && (!has(r.when) || size(r.when) == 0))".into(),
            message: "a DENY rule matches every request: the policy denies every caller",
            message_expression: "'the AuthorizationPolicy `' + {name} + '` denies every caller: a DENY rule matches every request'",
        },
    ]
}

/// The admission policies and their bindings, for namespaces labelled `selector` (key and
/// values: `istio-injection: [enabled]`, or `istio.io/rev: [the mesh's revisions]`).
pub fn admission_policies(selector: (&str, &[String]), mode: AdmissionMode) -> Vec<Value> {
    let mut out = Vec::new();
    for r in rules() {
        let name = format!("meshc-{}-{}", r.code.to_lowercase(), r.name);
        let labels = json!({"app.kubernetes.io/managed-by": "meshc"});
        let allow = format!("{}{}", meshc_lower::ALLOW_PREFIX, r.code);
        let mut conditions = vec![json!({
            "name": "not-silenced",
            "expression": format!("!has(object.metadata.annotations) || !('{allow}' in object.metadata.annotations)"),
        })];
        if r.pod_template {
            let t = "object.spec.template.metadata";
            conditions.push(json!({
                "name": "meshed",
                "expression": format!("!({l} && 'sidecar.istio.io/inject' in {t}.labels && {t}.labels['sidecar.istio.io/inject'] == 'false') && !({a} && 'sidecar.istio.io/inject' in {t}.annotations && {t}.annotations['sidecar.istio.io/inject'] == 'false')",
                    l = has_path("object.spec.template", &["metadata", "labels"]),
                    a = has_path("object.spec.template", &["metadata", "annotations"])),
            }));
        }
        let rules: Vec<Value> = r
            .resources
            .iter()
            .map(|(group, version, resource)| {
                json!({
                    "apiGroups": [group],
                    "apiVersions": [version],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": [resource],
                })
            })
            .collect();
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": rules},
                "matchConditions": conditions,
                "validations": [{
                    "expression": r.expression,
                    "message": format!("{}: {}", r.code, r.message),
                    "messageExpression": format!("'{}: {}", r.code, r.message_expression.replace("{name}", "object.metadata.name").trim_start_matches('\'')),
                    "reason": "Invalid",
                }],
            },
        }));
        let error = r.code.starts_with('E');
        let actions: &[&str] = match mode {
            AdmissionMode::Deny if error => &["Deny"],
            AdmissionMode::Deny | AdmissionMode::Warn => &["Warn", "Audit"],
            AdmissionMode::Audit => &["Audit"],
        };
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "policyName": name,
                "validationActions": actions,
                "matchResources": {
                    "namespaceSelector": {
                        "matchExpressions": [{"key": selector.0, "operator": "In", "values": selector.1}],
                    },
                },
            },
        }));
    }
    out
}
