//! `meshc vet` and the admission policies, tested together. Every `tests/vet/*.txtar` holds
//! manifests (sections ending in `.yaml`, `.yml` or `.json`; `against/…` for `--against`,
//! `policy/…` for `--policy`; an
//! `include` section names a section of another archive, `PATH SECTION` a line), the findings of
//! `meshc vet` (`diagnostics`), and what the admission policies say of each object
//! (`admission`: one line per violation, `Kind/name: message`), evaluated by a real CEL engine
//! (the `cel` crate, with the few Kubernetes library functions the policies use). Where a
//! guardrail has an admission rule, both must agree on the codes. `UPDATE_EXPECT=1` rewrites the
//! expected sections.

mod common;

use cel::{Context, Env, ExecutionError, Program, Value as Cel};
use common::{expect_section, files_with, parse_archive, section, write_archive};
use meshc::{compile, AdmissionMode, Options, Sources, VetOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// A compiled admission policy.
struct Policy {
    code: String,
    resources: Vec<(String, String, String)>,
    conditions: Vec<Program>,
    expression: Program,
    message: Program,
}

fn env() -> Arc<Env> {
    let mut env = Env::stdlib();
    env.add_extension(cel::extensions::strings).unwrap();
    env.add_extension(cel::extensions::lists).unwrap();
    Arc::new(env)
}

/// An object as the API server gives it to CEL: integers are `int` (the schemas' int32/int64).
fn to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => Cel::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(a) => Cel::List(Arc::new(a.iter().map(to_cel).collect())),
        Value::Object(m) => {
            let map: std::collections::HashMap<String, Cel> =
                m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Cel::from(map)
        }
    }
}

/// A section of the archive, empty when there is none.
fn optional(case: &common::Case, name: &str) -> String {
    case.files
        .iter()
        .find(|f| f.0 == name)
        .map(|f| f.1.clone())
        .unwrap_or_default()
}

/// Kubernetes' list and regex library functions the policies use: `sum`, `max`, `findAll`.
fn context(env: &Arc<Env>, object: &Value) -> Context<'static, 'static> {
    use cel::extractors::This;
    let mut cx = Context::with_env(env.clone());
    cx.add_variable("object", to_cel(object)).unwrap();
    cx.add_function(
        "sum",
        |This(l): This<Arc<Vec<Cel>>>| -> Result<Cel, ExecutionError> {
            let mut total = 0i64;
            for v in l.iter() {
                match v {
                    Cel::Int(i) => total += i,
                    Cel::UInt(u) => total += *u as i64,
                    other => {
                        return Err(ExecutionError::function_error(
                            "sum",
                            format!("not an int: {other:?}"),
                        ))
                    }
                }
            }
            Ok(Cel::Int(total))
        },
    )
    .unwrap();
    cx.add_function(
        "max",
        |This(l): This<Arc<Vec<Cel>>>| -> Result<Cel, ExecutionError> {
            let ints: Vec<i64> = l
                .iter()
                .map(|v| match v {
                    Cel::Int(i) => Ok(*i),
                    Cel::UInt(u) => Ok(*u as i64),
                    other => Err(ExecutionError::function_error(
                        "max",
                        format!("not an int: {other:?}"),
                    )),
                })
                .collect::<Result<_, _>>()?;
            ints.into_iter()
                .max()
                .map(Cel::Int)
                .ok_or_else(|| ExecutionError::function_error("max", "an empty list"))
        },
    )
    .unwrap();
    cx.add_function(
        "findAll",
        |This(s): This<Arc<String>>, re: Arc<String>| -> Result<Cel, ExecutionError> {
            let re = regex::Regex::new(&re)
                .map_err(|e| ExecutionError::function_error("findAll", e.to_string()))?;
            Ok(Cel::List(Arc::new(
                re.find_iter(&s)
                    .map(|m| Cel::String(Arc::new(m.as_str().to_string())))
                    .collect(),
            )))
        },
    )
    .unwrap();
    cx
}

fn policies(env: &Arc<Env>) -> Vec<Policy> {
    let objects = meshc::admission_policies(
        ("istio-injection", &["enabled".to_string()]),
        AdmissionMode::Deny,
    );
    objects
        .iter()
        .filter(|o| o["kind"] == "ValidatingAdmissionPolicy")
        .map(|p| {
            let spec = &p["spec"];
            let compile = |e: &Value| {
                let src = e.as_str().unwrap();
                env.compile(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
            };
            let v = &spec["validations"][0];
            Policy {
                code: p["metadata"]["name"].as_str().unwrap()[6..11].to_uppercase(),
                resources: spec["matchConstraints"]["resourceRules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["apiGroups"][0].as_str().unwrap().to_string(),
                            r["apiVersions"][0].as_str().unwrap().to_string(),
                            r["resources"][0].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
                conditions: spec["matchConditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| compile(&c["expression"]))
                    .collect(),
                expression: compile(&v["expression"]),
                message: compile(&v["messageExpression"]),
            }
        })
        .collect()
}

/// The resource (plural, lower case) of a kind.
fn resource(kind: &str) -> String {
    let k = kind.to_lowercase();
    match k.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{k}s"),
    }
}

/// What the policies say of one object: (code, message) per violation.
fn admit(env: &Arc<Env>, policies: &[Policy], o: &Value) -> Vec<(String, String)> {
    let api = o["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let res = resource(o["kind"].as_str().unwrap_or(""));
    let cx = context(env, o);
    let mut out = Vec::new();
    for p in policies {
        let applies = p
            .resources
            .iter()
            .any(|(g, v, r)| g == group && (v == "*" || v == version) && *r == res);
        if !applies {
            continue;
        }
        let run = |prog: &Program| prog.execute(&cx);
        if !p.conditions.iter().all(|c| run(c) == Ok(Cel::Bool(true))) {
            continue;
        }
        match run(&p.expression) {
            Ok(Cel::Bool(true)) => {}
            Ok(Cel::Bool(false)) => match run(&p.message) {
                Ok(Cel::String(m)) => out.push((p.code.clone(), m.to_string())),
                other => panic!(
                    "{}: the message of {} does not evaluate: {other:?}",
                    o["metadata"]["name"], p.code
                ),
            },
            other => panic!(
                "{}: the policy {} does not evaluate to a bool: {other:?}",
                o["metadata"]["name"], p.code
            ),
        }
    }
    out
}

fn admission_report(
    env: &Arc<Env>,
    policies: &[Policy],
    objects: &[Value],
) -> (String, BTreeSet<String>) {
    let mut text = String::new();
    let mut codes = BTreeSet::new();
    for o in objects {
        for (code, m) in admit(env, policies, o) {
            text += &format!(
                "{}/{}: {m}\n",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            );
            codes.insert(code);
        }
    }
    if text.is_empty() {
        text = "admitted\n".into();
    }
    (text, codes)
}

#[test]
fn vet_cases() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = base.join("tests/vet");
    let paths = files_with(&dir, "txtar");
    assert!(!paths.is_empty());
    let env = env();
    let policies = policies(&env);
    let rule_codes: BTreeSet<String> = policies.iter().map(|p| p.code.clone()).collect();
    let mut failures = Vec::new();
    for path in paths {
        let mut case = parse_archive(&std::fs::read_to_string(&path).unwrap());
        let mut files = Sources::new();
        let mut against = Sources::new();
        let mut policy = Sources::new();
        for (name, body) in &case.files {
            if let Some(n) = name.strip_prefix("policy/") {
                policy.insert(n.to_string(), body.clone());
            } else if let Some(n) = name.strip_prefix("against/") {
                against.insert(n.to_string(), body.clone());
            } else if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e)) {
                files.insert(name.clone(), body.clone());
            }
        }
        for line in optional(&case, "include")
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let (archive, name) = line.split_once(' ').unwrap();
            let other = parse_archive(&std::fs::read_to_string(dir.join(archive)).unwrap());
            files.insert(
                format!("{}/{name}", archive.trim_start_matches("../")),
                section(&other, name),
            );
        }
        let c = meshc::vet(&files, &VetOptions { against, policy });
        let got = c.render_diagnostics();
        let mut changed = expect_section(&mut case, "diagnostics", &got, &path, &mut failures);
        let mut objects = Vec::new();
        for text in files.values() {
            if let Ok(o) = meshc::read_manifests(text) {
                objects.extend(o);
            }
        }
        let (report, admission_codes) = admission_report(&env, &policies, &objects);
        changed |= expect_section(&mut case, "admission", &report, &path, &mut failures);
        if changed {
            std::fs::write(&path, write_archive(&case)).unwrap();
        }
        // Both directions: where a guardrail has an admission rule, vet and the policy agree.
        let vet_codes: BTreeSet<String> = c
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .filter(|c| rule_codes.contains(c))
            .collect();
        let differs = optional(&case, "admission-differs");
        let expected_diff: BTreeSet<String> =
            differs.split_whitespace().map(String::from).collect();
        let diff: BTreeSet<String> = vet_codes
            .symmetric_difference(&admission_codes)
            .cloned()
            .collect();
        if diff != expected_diff {
            failures.push(format!(
                "{}: vet found {vet_codes:?}, the admission policies {admission_codes:?} (declared differences: {expected_diff:?})",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// meshc's own output passes `meshc vet` and the admission policies, but for what `meshc check`
/// reports itself (warnings the service accepted).
#[test]
fn generated_objects_pass() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let env = env();
    let policies = policies(&env);
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(base.join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let mut sources = Sources::new();
        for f in files_with(&dir, "msh") {
            sources.insert(
                f.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&f).unwrap(),
            );
        }
        let built = compile(&sources, &Options::default());
        assert!(built.ok(), "{}", built.render_diagnostics());
        let checked: BTreeSet<&str> = built.diagnostics.iter().map(|d| d.code).collect();
        let mut files = Sources::new();
        files.insert("out.yaml".into(), built.manifests_yaml().unwrap());
        let vetted = meshc::vet(&files, &VetOptions::default());
        for d in &vetted.diagnostics {
            if !checked.contains(d.code) {
                failures.push(format!("{}: vet: {}", dir.display(), d.message));
            }
        }
        let objects: Vec<Value> = built.objects.iter().map(|o| o.value()).collect();
        for o in &objects {
            for (code, m) in admit(&env, &policies, o) {
                if !checked.contains(code.as_str()) {
                    failures.push(format!("{}: admission: {m}", dir.display()));
                }
            }
        }
        // The policies are bound to the mesh's namespaces.
        let admission = built.admission_policies(AdmissionMode::Deny);
        assert_eq!(admission.len(), 2 * policies.len());
        let ns: Vec<Value> = built
            .objects
            .iter()
            .filter(|o| o.kind == "Namespace")
            .map(|o| o.value()["metadata"]["labels"].take())
            .collect();
        let sel =
            &admission[1]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0];
        let key = sel["key"].as_str().unwrap();
        for labels in ns {
            let v = &labels[key];
            assert!(
                sel["values"].as_array().unwrap().contains(v),
                "{}: {labels} is not selected by {sel}",
                dir.display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The modes: errors deny by default, warnings warn; `Warn` denies nothing; `Audit` only audits.
#[test]
fn admission_modes() {
    let actions = |mode| -> BTreeSet<String> {
        meshc::admission_policies(("istio-injection", &["enabled".to_string()]), mode)
            .iter()
            .filter(|o| o["kind"] == "ValidatingAdmissionPolicyBinding")
            .flat_map(|b| b["spec"]["validationActions"].as_array().unwrap().clone())
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        actions(AdmissionMode::Deny),
        ["Audit", "Deny", "Warn"].map(String::from).into()
    );
    assert_eq!(
        actions(AdmissionMode::Warn),
        ["Audit", "Warn"].map(String::from).into()
    );
    assert_eq!(
        actions(AdmissionMode::Audit),
        ["Audit"].map(String::from).into()
    );
}
