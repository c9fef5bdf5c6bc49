// The meshc playground: edit msh, see every diagnostic and generated object as you type.
// Everything runs in the page, on the meshc WebAssembly module; the state lives in the URL.
import init, { compile } from "../pkg/meshc_wasm.js";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history as undoHistory, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { msh } from "./msh-mode.js";
import { drawGraph } from "./graph.js";
import examples from "./examples.json";

const $ = (id) => document.getElementById(id);
const state = { files: {}, active: "", object: null, view: "objects" };
const editorStates = new Map();
let result = null;
let view;

// ---- the URL holds the files and the active file: a link reproduces the page
function encodeState() {
  const json = JSON.stringify({ files: state.files, active: state.active });
  const bytes = new TextEncoder().encode(json);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeState(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const v = JSON.parse(new TextDecoder().decode(bytes));
  if (!v || typeof v.files !== "object") throw new Error("bad state");
  return v;
}

function saveUrl() {
  window.history.replaceState(null, "", `#s=${encodeState()}`);
}

// ---- byte offsets (what meshc reports) to string offsets (what the editor uses)
function byteToIndex(text, byte) {
  let b = 0, i = 0;
  for (const ch of text) {
    if (b >= byte) break;
    const cp = ch.codePointAt(0);
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  return i;
}

function editorDiagnostics(file) {
  if (!result) return [];
  const text = state.files[file] ?? "";
  const out = [];
  for (const d of result.diagnostics) {
    for (const l of d.labels) {
      if (l.file !== file || !l.primary) continue;
      let from = byteToIndex(text, l.start), to = byteToIndex(text, l.end);
      if (to <= from) to = Math.min(text.length, from + 1);
      if (to <= from) from = Math.max(0, to - 1);
      const extra = [...d.help.map((h) => `help: ${h}`), ...d.notes.map((n) => `note: ${n}`)];
      out.push({ from, to, severity: d.severity, source: d.code, message: [d.message, ...extra].join("\n") });
    }
  }
  return out;
}

// ---- rendering
function renderDiagnostics() {
  const list = $("diagnostics");
  list.replaceChildren();
  for (const d of result.diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    const l = d.labels.find((x) => x.primary) || d.labels[0];
    const where = l ? `${l.file}:${l.start_line}:${l.start_column} ` : "";
    li.textContent = `${where}${d.severity}[${d.code}]: ${d.message}`;
    if (l) li.addEventListener("click", () => reveal(l));
    list.appendChild(li);
  }
  const s = $("status");
  s.className = result.ok ? "ok" : "err";
  const parts = [];
  if (result.errors) parts.push(`${result.errors} error${result.errors > 1 ? "s" : ""}`);
  if (result.warnings) parts.push(`${result.warnings} warning${result.warnings > 1 ? "s" : ""}`);
  if (result.ok) parts.unshift(`${result.objects.length} objects`);
  s.textContent = parts.join(", ");
}

function objectKey(o) {
  return `${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

let tabKeys = "";
let lastGraph = "";

function renderObjects() {
  const tabs = $("object-tabs");
  const objs = result.objects;
  if (!objs.length) {
    tabKeys = "";
    tabs.replaceChildren();
    $("object-yaml").textContent = result.ok ? "No services: declare one with `service NAME { … }`." : "Fix the errors to see the objects.";
    return;
  }
  if (!state.object || !objs.some((o) => objectKey(o) === state.object)) {
    state.object = objectKey(objs.find((o) => o.kind === "Deployment") || objs[0]);
  }
  // The tabs are rebuilt only when the set of objects changes (not on every keystroke).
  const keys = objs.map(objectKey).join("\n");
  if (keys !== tabKeys) {
    tabKeys = keys;
    tabs.replaceChildren();
    for (const o of objs) {
      const b = document.createElement("button");
      b.textContent = `${o.kind} ${o.namespace ? o.namespace + "/" : ""}${o.name}`;
      b.dataset.key = objectKey(o);
      b.addEventListener("click", () => {
        state.object = b.dataset.key;
        renderObjects();
      });
      tabs.appendChild(b);
    }
  }
  for (const b of tabs.children) b.classList.toggle("active", b.dataset.key === state.object);
  const yaml = objs.find((o) => objectKey(o) === state.object).yaml;
  const pre = $("object-yaml");
  if (pre.textContent !== yaml) pre.textContent = yaml;
}

function render() {
  renderDiagnostics();
  renderObjects();
  const graphKey = JSON.stringify(result.graph);
  if (graphKey !== lastGraph) {
    lastGraph = graphKey;
    drawGraph($("graph"), result.graph);
  }
  const value = result.value ?? result.rendered;
  if ($("value").textContent !== value) $("value").textContent = value;
}

/** Compiles and redraws; returns the milliseconds it took. */
function update() {
  const t0 = performance.now();
  result = compile(state.files);
  render();
  view.dispatch(setDiagnostics(view.state, editorDiagnostics(state.active)));
  const ms = performance.now() - t0;
  window.__meshc.lastUpdateMs = ms;
  window.__meshc.updates++;
  return ms;
}

// ---- files and the editor
function editorState(file) {
  if (!editorStates.has(file)) {
    editorStates.set(
      file,
      EditorState.create({
        doc: state.files[file],
        extensions: [
          lineNumbers(),
          highlightActiveLine(),
          undoHistory(),
          bracketMatching(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          msh,
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            state.files[state.active] = u.state.doc.toString();
            editorStates.set(state.active, u.state);
            saveUrl();
            queueMicrotask(update);
          }),
        ],
      }),
    );
  }
  return editorStates.get(file);
}

function openFile(file) {
  state.active = file;
  view.setState(editorState(file));
  renderFileTabs();
  view.dispatch(setDiagnostics(view.state, editorDiagnostics(file)));
}

function renderFileTabs() {
  const nav = $("files");
  nav.replaceChildren();
  for (const f of Object.keys(state.files)) {
    const b = document.createElement("button");
    b.textContent = f;
    if (f === state.active) b.className = "active";
    b.addEventListener("click", () => {
      openFile(f);
      saveUrl();
    });
    nav.appendChild(b);
  }
}

function reveal(label) {
  if (label.file !== state.active && state.files[label.file] !== undefined) openFile(label.file);
  if (label.file !== state.active) return;
  const text = state.files[state.active];
  const from = byteToIndex(text, label.start);
  view.dispatch({ selection: { anchor: from, head: byteToIndex(text, label.end) }, scrollIntoView: true });
  view.focus();
}

function load(files, active) {
  state.files = { ...files };
  editorStates.clear();
  state.active = active && files[active] !== undefined ? active : Object.keys(files)[0];
  openFile(state.active);
  update();
}

async function main() {
  await init();
  window.__meshc = { updates: 0, lastUpdateMs: 0 };
  view = new EditorView({ parent: $("editor") });
  window.__meshc.view = view;

  const select = $("examples");
  for (const name of Object.keys(examples)) {
    const o = document.createElement("option");
    o.value = name;
    o.textContent = name;
    select.appendChild(o);
  }
  select.addEventListener("change", () => {
    load(examples[select.value], null);
    saveUrl();
  });
  for (const b of document.querySelectorAll("#views button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll("#views button")) x.classList.toggle("active", x === b);
      for (const v of document.querySelectorAll(".view")) v.classList.toggle("active", v.id === b.dataset.view);
    });
  }
  $("copy-link").addEventListener("click", () => navigator.clipboard?.writeText(location.href));

  const m = location.hash.match(/^#s=(.+)$/);
  let restored = null;
  if (m) {
    try {
      restored = decodeState(m[1]);
    } catch {
      restored = null;
    }
  }
  if (restored) {
    select.value = "";
    load(restored.files, restored.active);
  } else {
    const first = Object.keys(examples)[0];
    select.value = first;
    load(examples[first], null);
  }
  window.__meshc.ready = true;
}

main();
