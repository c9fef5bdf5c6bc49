//! meshc in the browser: a wasm-bindgen layer over the `meshc` library (no second
//! implementation). `compile` takes the files of a package and returns, as one plain object,
//! everything the playground shows: the objects (YAML and JSON), the diagnostics with
//! line/column ranges, the evaluated value and the dependency graph.

use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A position range in a source file: byte offsets and 1-based line/column (in characters). */
export interface Label {
  file: string; start: number; end: number;
  start_line: number; start_column: number; end_line: number; end_column: number;
  message: string; primary: boolean;
}
export interface Diagnostic {
  severity: "error" | "warning"; code: string; message: string;
  labels: Label[]; help: string[]; notes: string[];
}
export interface GeneratedObject {
  apiVersion: string; kind: string; name: string; namespace: string | null;
  service: string | null;
  /** The object as YAML. */
  yaml: string;
  /** The object as JSON text (`JSON.parse` it for the data). */
  json: string;
}
export interface GraphNode { id: string; name: string; namespace: string | null; protocol: string | null; worker: boolean; external: boolean; }
export interface GraphEdge { from: string; to: string; external: boolean; }
/** What `explain` returns: the explanation as `meshc explain` prints it, or why there is none. */
export interface ExplainResult {
  ok: boolean;
  text: string;
}

/** What `vet` returns: the guardrails' findings on manifests (what `meshc vet` prints). */
export interface VetResult {
  ok: boolean; errors: number; warnings: number;
  diagnostics: Diagnostic[];
  /** The findings as `meshc vet` renders them. */
  rendered: string;
}

/** What `format` returns: the formatted text, or why the file cannot be formatted. */
export interface FormatResult {
  ok: boolean;
  /** The file in the canonical layout (null when it has syntax errors). */
  text: string | null;
  /** The syntax errors, rendered as `meshc fmt` prints them. */
  rendered: string;
}

export interface CompileResult {
  ok: boolean; errors: number; warnings: number;
  /** Every object as one multi-document YAML stream (what `meshc build` prints). */
  manifests: string;
  objects: GeneratedObject[];
  diagnostics: Diagnostic[];
  /** The diagnostics as `meshc check` renders them. */
  rendered: string;
  /** The evaluated value as YAML (what `meshc eval` prints), when there was no error. */
  value: string | null;
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
}
"#;

#[derive(Serialize)]
struct Out<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    manifests: String,
    objects: Vec<Obj<'a>>,
    diagnostics: Vec<meshc::DiagnosticJson>,
    rendered: String,
    value: Option<String>,
    graph: Graph,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Obj<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    service: Option<&'a str>,
    yaml: String,
    json: &'a str,
}

#[derive(Serialize)]
struct Graph {
    nodes: Vec<GraphNode>,
    edges: Vec<meshc::Edge>,
}

#[derive(Serialize)]
struct GraphNode {
    id: String,
    name: String,
    namespace: Option<String>,
    protocol: Option<String>,
    /// A worker: a workload with no Service (it calls, nothing calls it).
    worker: bool,
    external: bool,
}

/// Compiles a package given as `(path, text)` pairs, with tag values (`-t name=value`); the
/// result as JSON text.
pub fn compile_to_json(files: Vec<(String, String)>, tags: Vec<(String, String)>) -> String {
    let sources: meshc::Sources = files.into_iter().collect();
    let options = meshc::Options {
        limits: meshc::Limits::BROWSER,
        tags,
        ..meshc::Options::default()
    };
    let c = meshc::compile(&sources, &options);
    let objects: Vec<Obj> = c
        .objects
        .iter()
        .map(|o| Obj {
            api_version: &o.api_version,
            kind: &o.kind,
            name: &o.name,
            namespace: o.namespace.as_deref(),
            service: o.service.as_deref(),
            yaml: meshc::object_to_yaml(o),
            json: o.json(),
        })
        .collect();
    // The stream `meshc build` prints, from the YAML already written for each object.
    let manifests: String = if c.ok() {
        objects.iter().map(|o| format!("---\n{}", o.yaml)).collect()
    } else {
        String::new()
    };
    let mut nodes: Vec<GraphNode> = Vec::new();
    for (map, worker) in [("services", false), ("workers", true)] {
        let Some(workloads) = c
            .value
            .as_ref()
            .and_then(|v| v.get(map))
            .and_then(|s| s.as_map())
        else {
            continue;
        };
        for s in workloads.values() {
            let name = s
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            let ns = s
                .get("namespace")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            nodes.push(GraphNode {
                id: format!("{ns}/{name}"),
                name,
                namespace: Some(ns),
                protocol: s.get("protocol").and_then(|n| n.as_str()).map(String::from),
                worker,
                external: false,
            });
        }
    }
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    for e in c.edges.iter().filter(|e| e.external) {
        if !nodes.iter().any(|n| n.id == e.to) {
            nodes.push(GraphNode {
                id: e.to.clone(),
                name: e.to.clone(),
                namespace: None,
                protocol: None,
                worker: false,
                external: true,
            });
        }
    }
    let out = Out {
        ok: c.ok(),
        errors: c.errors(),
        warnings: c.warnings(),
        manifests,
        objects,
        diagnostics: c.diagnostics_json(),
        rendered: c.render_diagnostics(),
        value: c.value_yaml(),
        graph: Graph {
            nodes,
            edges: c.edges.clone(),
        },
    };
    serde_json::to_string(&out).expect("the result always serializes")
}

/// Compiles a package: `files` maps paths (`"mesh.msh"`, `"lib/port.msh"`) to their text;
/// `tags`, if given, maps tag names to values (what `meshc build -t env=prod` sets).
#[wasm_bindgen(js_name = compile, unchecked_return_type = "CompileResult")]
pub fn compile(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string> | undefined")] tags: JsValue,
) -> Result<JsValue, JsValue> {
    let tags = if tags.is_undefined() || tags.is_null() {
        Vec::new()
    } else if !tags.is_object() || js_sys::Array::is_array(&tags) {
        return Err(js_sys::Error::new(
            "tags must be an object mapping tag names to values: { env: \"prod\" }",
        )
        .into());
    } else {
        file_pairs(tags)?
    };
    js_sys::JSON::parse(&compile_to_json(file_pairs(files)?, tags))
}

/// The (path, text) pairs of a `{ path: text }` object.
fn file_pairs(files: JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if !files.is_object() || js_sys::Array::is_array(&files) {
        return Err(js_sys::Error::new(
            "compile takes an object mapping file paths to their text: compile({ \"mesh.msh\": source })",
        )
        .into());
    }
    let mut pairs = Vec::new();
    for entry in js_sys::Object::entries(&js_sys::Object::from(files)).iter() {
        let entry = js_sys::Array::from(&entry);
        let path = entry
            .get(0)
            .as_string()
            .ok_or_else(|| js_sys::Error::new("file names must be strings"))?;
        let text = entry
            .get(1)
            .as_string()
            .ok_or_else(|| js_sys::Error::new("file contents must be strings"))?;
        pairs.push((path, text));
    }
    Ok(pairs)
}

/// Explains a field of a generated object (what `meshc explain` prints): `object` is
/// `Kind/namespace/name`, `field` a dotted path with list indexes
/// (`spec.template.spec.containers.0.resources`).
#[wasm_bindgen(js_name = explain, unchecked_return_type = "ExplainResult")]
pub fn explain(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    object: String,
    field: String,
) -> Result<JsValue, JsValue> {
    let sources: meshc::Sources = file_pairs(files)?.into_iter().collect();
    let options = meshc::Options {
        limits: meshc::Limits::BROWSER,
        ..meshc::Options::default()
    };
    let c = meshc::compile(&sources, &options);
    let (ok, text) = match meshc::explain(&c, &object, &field) {
        Ok(e) => (true, e.to_string()),
        Err(why) => (false, why),
    };
    let out = serde_json::json!({ "ok": ok, "text": text });
    Ok(js_sys::JSON::parse(&out.to_string()).expect("valid JSON"))
}

/// Runs the guardrails on manifests (what `meshc vet` reports): `files` maps file names
/// (`"app.yaml"`) to YAML or JSON text.
#[wasm_bindgen(js_name = vet, unchecked_return_type = "VetResult")]
pub fn vet(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&vet_to_json(file_pairs(files)?))
}

/// Vets manifests given as `(path, text)` pairs; the result as JSON text.
pub fn vet_to_json(files: Vec<(String, String)>) -> String {
    let sources: meshc::Sources = files.into_iter().collect();
    let c = meshc::vet(&sources, &meshc::VetOptions::default());
    let out = serde_json::json!({
        "ok": c.ok(),
        "errors": c.errors(),
        "warnings": c.warnings(),
        "diagnostics": c.diagnostics_json(),
        "rendered": c.render_diagnostics(),
    });
    out.to_string()
}

/// Formats one file in the canonical layout (what `meshc fmt` writes).
#[wasm_bindgen(js_name = format, unchecked_return_type = "FormatResult")]
pub fn format(text: String) -> JsValue {
    #[derive(serde::Serialize)]
    struct Formatted {
        ok: bool,
        text: Option<String>,
        rendered: String,
    }
    let out = match meshc::format(&text) {
        Ok(t) => Formatted {
            ok: true,
            text: Some(t),
            rendered: String::new(),
        },
        Err(diags) => {
            let mut map = meshc::SourceMap::default();
            map.add("input.msh", text);
            Formatted {
                ok: false,
                text: None,
                rendered: meshc::render_diagnostics(&map, &diags),
            }
        }
    };
    js_sys::JSON::parse(&serde_json::to_string(&out).expect("serializes")).expect("valid JSON")
}

/// The version of meshc.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
