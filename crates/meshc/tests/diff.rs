//! `meshc diff`: immutable-field changes (E0330) and replaced Deployments (W0331).

use meshc::{compile, diff, read_manifests, Options, Sources};

const OLD: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: "api:0"}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: api}
spec: {clusterIP: None, selector: {app: api}, ports: [{name: grpc, port: 8080}]}
"#;

fn built(src: &str) -> Vec<serde_json::Value> {
    let mut s = Sources::new();
    s.insert("a.msh".into(), src.into());
    let c = compile(&s, &Options::default());
    assert!(c.ok(), "{}", c.render_diagnostics());
    c.objects.iter().map(|o| o.value()).collect()
}

#[test]
fn headless_to_cluster_ip_and_renamed_deployments_are_reported() {
    let old = read_manifests(OLD).unwrap();
    assert_eq!(old.len(), 2);
    let new = built("service api {\n\timage: \"api:1\"\n\tpublic: true\n}\n");
    let r = diff(&old, &new);
    assert!(r
        .removed
        .iter()
        .any(|k| k.0 == "Deployment" && k.2 == "api"));
    assert!(r
        .added
        .iter()
        .any(|k| k.0 == "Deployment" && k.2 == "api-stable"));
    let codes: Vec<&str> = r.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0330", "W0331"]);
    assert!(r.diagnostics[0]
        .message
        .contains("Service api/api changes its clusterIP"));
    assert!(r.diagnostics[1].message.contains("`api-stable`"));
}

#[test]
fn a_changed_deployment_selector_is_an_error_and_same_output_is_unchanged() {
    let new = built("service api {\n\timage: \"api:1\"\n\tpublic: true\n}\n");
    let same = diff(&new, &new);
    assert!(
        same.diagnostics.is_empty()
            && same.added.is_empty()
            && same.removed.is_empty()
            && same.changed.is_empty()
    );
    assert_eq!(same.unchanged, new.len());

    let mut changed = new.clone();
    for o in changed.iter_mut().filter(|o| o["kind"] == "Deployment") {
        o["spec"]["selector"]["matchLabels"]["track"] = "blue".into();
    }
    let r = diff(&new, &changed);
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, "E0330");
    assert!(r.diagnostics[0].message.contains("changes its selector"));
    assert_eq!(r.changed.len(), 1);
}

#[test]
fn manifests_read_as_yaml_json_and_lists() {
    assert_eq!(
        read_manifests("{\"kind\": \"List\", \"items\": [{\"kind\": \"A\"}, {\"kind\": \"B\"}]}")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(read_manifests("[{\"kind\": \"A\"}]").unwrap().len(), 1);
    assert_eq!(
        read_manifests("---\nkind: A\n---\n---\nkind: B\n")
            .unwrap()
            .len(),
        2
    );
    assert!(read_manifests("kind: [unclosed").is_err());
}

#[test]
fn the_manifest_stream_reads_back_as_the_same_objects() {
    let mut sources = meshc::Sources::new();
    sources.insert(
        "a.msh".into(),
        "service api {\n\timage: \"api:1\"\n\tpublic: true\n}\n".into(),
    );
    let c = meshc::compile(&sources, &meshc::Options::default());
    let values: Vec<serde_json::Value> = c.objects.iter().map(|o| o.value()).collect();
    let stream = meshc::manifest_stream(&values);
    assert_eq!(Some(stream.clone()), c.manifests_yaml());
    assert_eq!(stream.matches("---\n").count(), values.len());
    assert_eq!(meshc::read_manifests(&stream).unwrap(), values);
}

#[test]
fn imports_of_reads_the_header_only() {
    let text = "// a comment\npackage shop\n\nimport \"mesh\"\nimport lib \"./lib\"\nimport (\n\t\"../common\" // shared\n\tx \"./lib\"\n)\nimport \"../../outside\"\n\nservices: {}\nimport \"./not-a-header\"\n";
    assert_eq!(
        meshc::imports_of("app/main.msh", text),
        vec!["app/lib".to_string(), "common".to_string()]
    );
    assert_eq!(meshc::imports_of("a.msh", "x: 1\n"), Vec::<String>::new());
}
