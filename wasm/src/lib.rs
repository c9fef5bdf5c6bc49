//! meshc in the browser: a wasm-bindgen layer over the `meshc` library (no second
//! implementation). `compile` takes the files of a package and returns, as one plain object,
//! the objects (YAML and JSON), the manifest stream, the diagnostics with line/column ranges,
//! the evaluated value and the dependency graph; `compileView`, what the playground calls on
//! every keystroke, returns what it draws: the same without the stream and the JSON, with the
//! YAML of the selected object only (writing, passing and parsing the rest was a third of a
//! keystroke). `explain`, `vet` and `format` are `meshc explain`, `vet` and `fmt`.

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

/** An object of a `compileView` result: its YAML only for the selected object. */
export interface ViewObject {
  apiVersion: string; kind: string; name: string; namespace: string | null;
  service: string | null;
  /** The object as YAML, for the selected object only (null for the others). */
  yaml: string | null;
}

/** What `compileView` returns: `CompileResult` without the manifest stream, with no object's
 * JSON, and with the YAML of one object (`selected`): what a page that redraws on every
 * keystroke shows, a third of the bytes of `compile`'s result. */
export interface ViewResult {
  ok: boolean; errors: number; warnings: number;
  objects: ViewObject[];
  /** The object whose YAML is given (`Kind/namespace/name`), or null when there is none. */
  selected: string | null;
  diagnostics: Diagnostic[];
  rendered: string;
  value: string | null;
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
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
    #[serde(skip_serializing_if = "Option::is_none")]
    manifests: Option<String>,
    objects: Vec<Obj<'a>>,
    /// The object whose YAML a view gives (only in a view).
    #[serde(skip_serializing_if = "Option::is_none")]
    selected: Option<Option<String>>,
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
    yaml: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    json: Option<&'a str>,
}

/// What a result gives of each object: everything (`compile`), or what the playground
/// draws (`compileView`): no manifest stream, no JSON, the YAML of the selected object only.
enum Detail<'s> {
    Full,
    View { selected: &'s str },
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
    result_json(files, tags, Detail::Full)
}

/// `compile_to_json` for a view (`compileView`): the YAML of the object `selected`
/// (`Kind/namespace/name`) only — or, when no object has that key, of the first Deployment,
/// else of the first object — with no manifest stream and no object's JSON.
pub fn compile_view_to_json(
    files: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    selected: &str,
) -> String {
    result_json(files, tags, Detail::View { selected })
}

fn object_key(o: &meshc::Object) -> String {
    format!(
        "{}/{}/{}",
        o.kind,
        o.namespace.as_deref().unwrap_or_default(),
        o.name
    )
}

fn result_json(
    files: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    detail: Detail,
) -> String {
    let sources: meshc::Sources = files.into_iter().collect();
    let options = meshc::Options {
        limits: meshc::Limits::BROWSER,
        tags,
        ..meshc::Options::default()
    };
    let c = meshc::compile(&sources, &options);
    let shown = match detail {
        Detail::Full => None,
        Detail::View { selected } => Some(
            c.objects
                .iter()
                .position(|o| object_key(o) == selected)
                .or_else(|| c.objects.iter().position(|o| o.kind == "Deployment"))
                .or(if c.objects.is_empty() { None } else { Some(0) }),
        ),
    };
    let objects: Vec<Obj> = c
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| Obj {
            api_version: &o.api_version,
            kind: &o.kind,
            name: &o.name,
            namespace: o.namespace.as_deref(),
            service: o.service.as_deref(),
            yaml: match shown {
                Some(s) if s != Some(i) => None,
                _ => Some(meshc::object_to_yaml(o)),
            },
            json: shown.is_none().then(|| o.json()),
        })
        .collect();
    // The stream `meshc build` prints, from the YAML already written for each object.
    let manifests = match (shown, c.ok()) {
        (Some(_), _) => None,
        (None, true) => Some(
            objects
                .iter()
                .filter_map(|o| o.yaml.as_deref())
                .map(|y| format!("---\n{y}"))
                .collect(),
        ),
        (None, false) => Some(String::new()),
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
        selected: shown.map(|s| s.map(|i| object_key(&c.objects[i]))),
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
    let tags = tag_pairs(tags)?;
    js_sys::JSON::parse(&compile_to_json(file_pairs(files)?, tags))
}

/// Compiles a package for a page that redraws on every keystroke: `compile`'s result without
/// the manifest stream and the objects' JSON, with the YAML of the object `selected`
/// (`Kind/namespace/name`; when no object has that key, the first Deployment's, else the first
/// object's) — a third of the bytes to write, cross into JavaScript and parse.
#[wasm_bindgen(js_name = compileView, unchecked_return_type = "ViewResult")]
pub fn compile_view(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string> | undefined")] tags: JsValue,
    selected: Option<String>,
) -> Result<JsValue, JsValue> {
    let tags = tag_pairs(tags)?;
    js_sys::JSON::parse(&compile_view_to_json(
        file_pairs(files)?,
        tags,
        selected.as_deref().unwrap_or_default(),
    ))
}

/// The (name, value) pairs of an optional `{ name: value }` object of tags.
fn tag_pairs(tags: JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if tags.is_undefined() || tags.is_null() {
        Ok(Vec::new())
    } else if !tags.is_object() || js_sys::Array::is_array(&tags) {
        Err(js_sys::Error::new(
            "tags must be an object mapping tag names to values: { env: \"prod\" }",
        )
        .into())
    } else {
        file_pairs(tags)
    }
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
