//! `meshc build`: properties of the generated objects over generated meshes, and validation
//! of every object (examples, build cases, generated meshes) against the upstream Kubernetes
//! and Istio schemas.
//!
//! The schema validation runs the validators that `scripts/test` installs (npm
//! `kubernetes-models` + `@kubernetes-models/istio` for every kind with closed schemas, PyPI
//! `kubernetes-validate --strict` for the Kubernetes kinds); it runs when `MESHC_VALIDATE=1`.

mod common;

use meshc::{compile, Compilation, Options, Sources};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
struct GenService {
    name: String,
    namespace: String,
    protocol: &'static str,
    port: u16,
    weights: Vec<u8>,
    deps: Vec<usize>,
    external: bool,
    load: Option<(u32, u8)>,
    idempotent: bool,
    hook: &'static str,
    access: u8,
}

#[derive(Clone, Debug)]
struct GenMesh {
    kubernetes: &'static str,
    istio: &'static str,
    services: Vec<GenService>,
}

fn weights() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![100]),
        (1u8..100).prop_map(|w| vec![100 - w, w]),
        (1u8..50, 1u8..50).prop_map(|(a, b)| vec![100 - a - b, a, b]),
    ]
}

fn mesh() -> impl Strategy<Value = GenMesh> {
    let service = (
        prop_oneof![Just("http"), Just("http2"), Just("grpc"), Just("tcp")],
        1024u16..60000,
        weights(),
        prop::collection::vec(0usize..6, 0..3),
        any::<bool>(),
        prop::option::of((1u32..50_000, 1u8..6)),
        any::<bool>(),
        prop_oneof![Just("wget"), Just("curl"), Just("none")],
        0u8..3,
        0u8..2,
    );
    (
        prop_oneof![
            Just("1.25"),
            Just("1.26"),
            Just("1.27"),
            Just("1.29"),
            Just("1.30"),
            Just("1.33")
        ],
        prop_oneof![
            Just("1.16"),
            Just("1.20"),
            Just("1.21"),
            Just("1.22"),
            Just("1.24"),
            Just("1.28")
        ],
        prop::collection::vec(service, 1..6),
    )
        .prop_map(|(kubernetes, istio, raw)| {
            let n = raw.len();
            let services = raw
                .into_iter()
                .enumerate()
                .map(
                    |(
                        i,
                        (
                            protocol,
                            port,
                            weights,
                            deps,
                            external,
                            load,
                            idempotent,
                            hook,
                            access,
                            ns,
                        ),
                    )| GenService {
                        name: format!("svc-{i}"),
                        namespace: format!("ns-{ns}"),
                        protocol,
                        port,
                        weights,
                        deps: deps
                            .into_iter()
                            .map(|d| d % n)
                            .filter(|&d| d != i)
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect(),
                        external,
                        load,
                        idempotent,
                        hook,
                        access,
                    },
                )
                .collect();
            GenMesh {
                kubernetes,
                istio,
                services,
            }
        })
}

/// The msh of a generated mesh, split into files (in the order given).
fn sources(m: &GenMesh, order: &[usize]) -> Sources {
    let mut files: Vec<String> = vec![format!(
        "mesh: {{kubernetes: \"{}\", istio: \"{}\"}}\n",
        m.kubernetes, m.istio
    )];
    for s in &m.services {
        let mut b = format!("service {} {{\n\tnamespace: \"{}\"\n\timage: \"registry/{}:1\"\n\tprotocol: \"{}\"\n\tport: {}\n", s.name, s.namespace, s.name, s.protocol, s.port);
        let versions: Vec<String> = s
            .weights
            .iter()
            .enumerate()
            .map(|(k, w)| format!("v{k}: {{weight: {w}}}"))
            .collect();
        b += &format!("\tversions: {{{}}}\n", versions.join(", "));
        let mut deps: Vec<String> = s
            .deps
            .iter()
            .map(|&d| format!("\"{}/{}\"", m.services[d].namespace, m.services[d].name))
            .collect();
        if s.external {
            deps.push("\"api.example.com:443\"".into());
        }
        b += &format!("\tdeps: [{}]\n", deps.join(", "));
        if let Some((rps, rpc)) = s.load {
            b += &format!("\tload: {{peakRps: {rps}, requestsPerCall: {rpc}}}\n");
        }
        if s.idempotent {
            b += "\tidempotent: true\n\tretries: retryOn: \"connect-failure,5xx\"\n";
        }
        b += &format!("\tlifecycle: hook: \"{}\"\n", s.hook);
        b += match s.access {
            0 => "\tpublic: true\n",
            1 => "\tcallers: [\"istio-system/istio-ingressgateway-service-account\"]\n",
            _ => "\tallow: {W0311: \"generated\", W0312: \"generated\", W0308: \"generated\"}\n",
        };
        if s.hook == "none" && s.access != 2 {
            b += "\tallow: {W0312: \"generated\"}\n";
        }
        b += "}\n";
        files.push(b);
    }
    let mut out = Sources::new();
    for (k, &i) in order.iter().enumerate() {
        out.insert(format!("f{k}.msh"), files[i].clone());
    }
    out
}

fn objects(c: &Compilation) -> Vec<Value> {
    c.objects.iter().map(|o| o.value()).collect()
}

fn find<'v>(objs: &'v [Value], kind: &str, ns: &str, name: &str) -> Option<&'v Value> {
    objs.iter().find(|o| {
        o["kind"] == kind && o["metadata"]["namespace"] == ns && o["metadata"]["name"] == name
    })
}

/// The properties every build must have.
fn check_properties(m: &GenMesh, c: &Compilation) -> Result<(), String> {
    let objs = objects(c);
    for s in &m.services {
        let ns = s.namespace.as_str();
        let fqdn = format!("{}.{}.svc.cluster.local", s.name, s.namespace);
        let vs = find(&objs, "VirtualService", ns, &s.name).ok_or("no VirtualService")?;
        let dr = find(&objs, "DestinationRule", ns, &s.name).ok_or("no DestinationRule")?;
        let routes = if s.protocol == "tcp" {
            &vs["spec"]["tcp"][0]["route"]
        } else {
            &vs["spec"]["http"][0]["route"]
        };
        let routes = routes.as_array().ok_or("no routes")?;
        let total: i64 = routes
            .iter()
            .map(|r| r["weight"].as_i64().unwrap_or(0))
            .sum();
        if total != 100 {
            return Err(format!("{}: weights sum to {total}", s.name));
        }
        if s.protocol == "tcp" && !vs["spec"]["http"].is_null() {
            return Err(format!("{}: a TCP service with HTTP routes", s.name));
        }
        for r in routes {
            let subset = r["destination"]["subset"].as_str().ok_or("no subset")?;
            let sub = dr["spec"]["subsets"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == subset))
                .ok_or(format!("subset {subset} missing"))?;
            let dep = find(&objs, "Deployment", ns, &format!("{}-{subset}", s.name))
                .ok_or("no Deployment for subset")?;
            let pod_labels = &dep["spec"]["template"]["metadata"]["labels"];
            for (k, v) in sub["labels"].as_object().ok_or("subset labels")? {
                if &pod_labels[k] != v {
                    return Err(format!(
                        "subset {subset} selects {k}={v}, pods have {}",
                        pod_labels[k]
                    ));
                }
            }
            if pod_labels["app"] != s.name.as_str() {
                return Err("pods without the app label".into());
            }
            if !dep["spec"]["replicas"].is_null() {
                return Err("a Deployment sets replicas while an HPA owns them".into());
            }
            let pod = &dep["spec"]["template"];
            let grace = pod["spec"]["terminationGracePeriodSeconds"]
                .as_i64()
                .ok_or("no grace period")?;
            let pre = &pod["spec"]["containers"][0]["lifecycle"]["preStop"];
            let sleeps: i64 = if let Some(secs) = pre["sleep"]["seconds"].as_i64() {
                secs
            } else if let Some(cmd) = pre["exec"]["command"][2].as_str() {
                cmd.split(';')
                    .filter_map(|p| p.trim().strip_prefix("sleep "))
                    .filter_map(|n| n.parse::<i64>().ok())
                    .sum()
            } else {
                0
            };
            if grace <= sleeps {
                return Err(format!(
                    "grace {grace}s does not exceed the preStop sleeps {sleeps}s"
                ));
            }
            let ann = &pod["metadata"]["annotations"];
            for a in [
                "proxyCPU",
                "proxyCPULimit",
                "proxyMemory",
                "proxyMemoryLimit",
            ] {
                if ann[format!("sidecar.istio.io/{a}")].is_null() {
                    return Err(format!("annotation {a} missing"));
                }
            }
            if !ann["proxy.istio.io/config"]
                .as_str()
                .unwrap_or("")
                .contains("\"concurrency\":")
            {
                return Err("no explicit Envoy concurrency".into());
            }
        }
        // The Sidecar's egress: declared dependencies and istio-system only.
        let sc = find(&objs, "Sidecar", ns, &s.name).ok_or("no Sidecar")?;
        let mut allowed: BTreeSet<String> = s
            .deps
            .iter()
            .map(|&d| {
                let t = &m.services[d];
                let host = format!("{}.{}.svc.cluster.local", t.name, t.namespace);
                if t.namespace == s.namespace {
                    format!("./{host}")
                } else {
                    format!("{}/{host}", t.namespace)
                }
            })
            .collect();
        allowed.insert("istio-system/*".into());
        if s.external {
            allowed.insert("./api.example.com".into());
        }
        for h in sc["spec"]["egress"][0]["hosts"]
            .as_array()
            .ok_or("no egress hosts")?
        {
            if !allowed.contains(h.as_str().unwrap_or("")) {
                return Err(format!(
                    "{}: egress host {h} is not a declared dependency",
                    s.name
                ));
            }
        }
        if sc["spec"]["outboundTrafficPolicy"]["mode"] != "REGISTRY_ONLY" {
            return Err("egress is not REGISTRY_ONLY".into());
        }
        let svc = find(&objs, "Service", ns, &s.name).ok_or("no Service")?;
        if svc["spec"]["type"] != "ClusterIP" || !svc["spec"]["clusterIP"].is_null() {
            return Err("the Service is not a plain ClusterIP".into());
        }
        let _ = fqdn;
    }
    Ok(())
}

/// The .msh files of an example directory.
fn example_sources(dir: &Path) -> Sources {
    let mut sources = Sources::new();
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        if f.path().extension().and_then(|x| x.to_str()) == Some("msh") {
            sources.insert(
                f.file_name().to_string_lossy().into(),
                std::fs::read_to_string(f.path()).unwrap(),
            );
        }
    }
    sources
}

fn dump_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("manifests");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_list(dir: &Path, name: &str, objs: &[Value]) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    std::fs::write(
        &p,
        serde_json::to_string(
            &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objs}),
        )
        .unwrap(),
    )
    .unwrap();
    p
}

#[test]
fn generated_meshes_build_correct_objects_whatever_the_file_order() {
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(mesh(), any::<u64>()), |(m, seed)| {
            let n = m.services.len() + 1;
            let order: Vec<usize> = (0..n).collect();
            let c = compile(&sources(&m, &order), &Options::default());
            prop_assert!(c.ok(), "{}", c.render_diagnostics());
            if let Err(e) = check_properties(&m, &c) {
                return Err(TestCaseError::fail(e));
            }
            let mut shuffled = order.clone();
            let k = (seed as usize) % n;
            shuffled.rotate_left(k);
            shuffled.reverse();
            let again = compile(&sources(&m, &shuffled), &Options::default());
            prop_assert_eq!(c.manifests_yaml(), again.manifests_yaml());
            Ok(())
        })
        .unwrap();
}

/// Every object of every example, build case and generated mesh, validated upstream.
#[test]
fn all_objects_validate_against_the_upstream_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = dump_dir();
    let mut lists: Vec<(PathBuf, String)> = Vec::new();
    let mut add = |name: String, c: &Compilation, k8s: &str| {
        assert!(c.ok(), "{name}:\n{}", c.render_diagnostics());
        // Custom resources (`objects` of kinds with no upstream schema) are not validated here:
        // their schema is the one the package imports.
        let upstream: Vec<Value> = objects(c)
            .into_iter()
            .filter(|o| {
                let api = o["apiVersion"].as_str().unwrap_or("");
                !api.contains('/')
                    || [
                        ".k8s.io/",
                        "apps/",
                        "batch/",
                        "autoscaling/",
                        "policy/",
                        "istio.io/",
                    ]
                    .iter()
                    .any(|g| api.contains(g))
            })
            .collect();
        if !upstream.is_empty() {
            lists.push((write_list(&dir, &name, &upstream), k8s.to_string()));
        }
    };
    let target = |c: &Compilation| -> String {
        c.value
            .as_ref()
            .and_then(|v| v.at(["mesh", "kubernetes"]))
            .and_then(|n| n.as_str())
            .unwrap_or("1.32")
            .to_string()
    };
    for e in std::fs::read_dir(root.join("examples")).unwrap().flatten() {
        let sources = example_sources(&e.path());
        let c = compile(&sources, &Options::default());
        let t = target(&c);
        add(
            format!("example-{}", e.file_name().to_string_lossy()),
            &c,
            &t,
        );
    }
    for e in std::fs::read_dir(root.join("tests/cases/build"))
        .unwrap()
        .flatten()
    {
        let case = common::parse_archive(&std::fs::read_to_string(e.path()).unwrap());
        let sources: Sources = case
            .files
            .iter()
            .filter(|(n, _)| n.ends_with(".msh"))
            .cloned()
            .collect();
        let c = compile(&sources, &Options::default());
        let t = target(&c);
        add(
            format!("case-{}", e.path().file_stem().unwrap().to_string_lossy()),
            &c,
            &t,
        );
    }
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    for i in 0..24 {
        let m = mesh().new_tree(&mut runner).unwrap().current();
        let c = compile(
            &sources(&m, &(0..=m.services.len()).collect::<Vec<_>>()),
            &Options::default(),
        );
        add(format!("generated-{i}"), &c, m.kubernetes);
    }
    assert!(lists.len() > 30);

    if std::env::var("MESHC_VALIDATE").as_deref() != Ok("1") {
        println!("upstream schema validation skipped: run scripts/test (or set MESHC_VALIDATE=1 with the validators installed)");
        return;
    }
    let files: Vec<&Path> = lists.iter().map(|(p, _)| p.as_path()).collect();
    validate_all(&root, &files).unwrap();

    // Kubernetes kinds, strictly, at the mesh's target version (1.25 is the oldest covered).
    let mut by_version: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (p, ver) in &lists {
        let list: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let minor: u32 = ver
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(32);
        let v = format!("1.{}.0", minor.max(25));
        for o in list["items"].as_array().unwrap() {
            if !o["apiVersion"].as_str().unwrap_or("").contains("istio.io") {
                by_version.entry(v.clone()).or_default().push(o.clone());
            }
        }
    }
    // The admission policies (`meshc build --admission`), at Kubernetes 1.30 (their GA) and the
    // newest version the validator knows of the ones meshc targets.
    let policies: Vec<Value> = [meshc::AdmissionMode::Deny, meshc::AdmissionMode::Audit]
        .into_iter()
        .flat_map(|m| meshc::admission_policies(("istio.io/rev", &["canary".to_string()]), m))
        .collect();
    for v in ["1.30.0", "1.33.0"] {
        by_version
            .entry(v.to_string())
            .or_default()
            .extend(policies.iter().cloned());
    }
    for (v, objs) in by_version {
        let p = dir.join(format!("k8s-{v}.yaml"));
        let docs: String = objs
            .iter()
            .map(|o| format!("---\n{}", meshc::to_yaml(o)))
            .collect();
        std::fs::write(&p, docs).unwrap();
        kubernetes_validate(&v, &p).unwrap();
    }

    // Strictness: a misspelled field fails, in an Istio kind and in a Kubernetes kind.
    let echo = &lists[0].0;
    let mut list: Value = serde_json::from_str(&std::fs::read_to_string(echo).unwrap()).unwrap();
    for o in list["items"].as_array_mut().unwrap() {
        if o["kind"] == "VirtualService" {
            o["spec"]["http"][0]["retries"]["retryOnn"] = "connect-failure".into();
        }
    }
    let bad = dir.join("misspelled-istio.json");
    std::fs::write(&bad, list.to_string()).unwrap();
    assert!(
        validate_all(&root, &[&bad]).is_err(),
        "a misspelled Istio field must fail validation"
    );
    let bad_k8s = dir.join("misspelled-k8s.yaml");
    std::fs::write(&bad_k8s, "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: ClusterIP, selectr: {app: x}}\n").unwrap();
    assert!(
        kubernetes_validate("1.32.0", &bad_k8s).is_err(),
        "a misspelled Kubernetes field must fail validation"
    );
}

/// checkov (the Kubernetes linter platform teams run) passes on every example's manifests,
/// image pinning aside (pull policy Always, digests: a registry choice, not meshc's).
#[test]
fn checkov_passes_on_every_example() {
    if std::env::var("MESHC_VALIDATE").as_deref() != Ok("1") {
        println!(
            "checkov skipped: run scripts/test (or set MESHC_VALIDATE=1 with checkov installed)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkov");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(root.join("examples")).unwrap().flatten() {
        let sources = example_sources(&e.path());
        let c = compile(&sources, &Options::default());
        assert!(c.ok(), "{}", c.render_diagnostics());
        let name = e.file_name().to_string_lossy().into_owned();
        std::fs::write(
            dir.join(format!("{name}.yaml")),
            c.manifests_yaml().unwrap_or_default(),
        )
        .unwrap();
        n += 1;
    }
    assert!(n >= 6);
    let out = std::process::Command::new("checkov")
        .args([
            "--framework",
            "kubernetes",
            "--compact",
            "--quiet",
            "--skip-download",
        ])
        .args(["--skip-check", "CKV_K8S_15,CKV_K8S_43", "-o", "json", "-d"])
        .arg(&dir)
        .output()
        .expect("checkov runs (scripts/test installs it)");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov's report: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = if report.is_array() {
        report[0]["summary"].clone()
    } else {
        report["summary"].clone()
    };
    let passed = summary["passed"].as_i64().unwrap_or(0);
    let failed = summary["failed"].as_i64().unwrap_or(-1);
    println!("checkov: {passed} passed, {failed} failed");
    assert!(passed > 1000, "checkov ran too few checks: {summary}");
    assert_eq!(
        failed,
        0,
        "checkov findings:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn validate_all(root: &Path, files: &[&Path]) -> Result<(), String> {
    let out = std::process::Command::new("node")
        .arg(root.join("tests/validate/validate.cjs"))
        .args(files)
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{}", text.lines().last().unwrap_or(""));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn kubernetes_validate(version: &str, file: &Path) -> Result<(), String> {
    let out = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "-k", version])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run kubernetes-validate: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
