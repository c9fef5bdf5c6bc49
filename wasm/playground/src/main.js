// The meshc playground: edit msh, see every diagnostic and generated object as you type.
// Everything runs in the page, on the meshc WebAssembly module; the state lives in the URL.
import init, { compileView, explain, format, vet } from "../pkg/meshc_wasm.js";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history as undoHistory, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { forEachDiagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { msh } from "./msh-mode.js";
import { drawGraph } from "./graph.js";
import examples from "./examples.json";

const $ = (id) => document.getElementById(id);
const state = { files: {}, active: "", object: null, filter: "" };
const editorStates = new Map();
/** The newest result, and the newest one without errors (shown, dimmed, while there are errors). */
let result = null;
let lastGood = null;
let view;

// ---- the URL holds the files and the active file: a link reproduces the page
function encodeState() {
  const json = JSON.stringify({ files: state.files, active: state.active });
  const bytes = new TextEncoder().encode(json);
  // Bytes to a binary string a chunk at a time (not one concatenation a byte: this runs on
  // every keystroke).
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeState(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const v = JSON.parse(new TextDecoder().decode(bytes));
  if (!v || typeof v.files !== "object" || !Object.keys(v.files).length) throw new Error("bad state");
  for (const t of Object.values(v.files)) if (typeof t !== "string") throw new Error("bad state");
  return v;
}

function saveUrl() {
  clearTimeout(urlTimer);
  urlTimer = 0;
  window.history.replaceState(null, "", `#s=${encodeState()}`);
  syncExamplePicker();
}

/** A keystroke writes the URL a moment after the last edit, not at once: encoding the files and
 * `history.replaceState` cost ~2 ms, an eighth of a keystroke's budget. Leaving the page, copying
 * the link and every other change write it at once (`saveUrl`; `flushUrl` if one is due). */
let urlTimer = 0;
function saveUrlSoon() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(saveUrl, 300);
}

function flushUrl() {
  if (urlTimer) saveUrl();
}

/** The picker names the example the files are, or says they are the user's own. */
function syncExamplePicker() {
  const select = $("examples");
  const same = (a, b) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const match = Object.keys(examples).find((name) => same(examples[name], state.files));
  select.value = match ?? "";
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
  s.className = result.errors ? "err" : "ok";
  const parts = [];
  if (result.errors) parts.push(`${result.errors} error${result.errors > 1 ? "s" : ""}`);
  if (result.warnings) parts.push(`${result.warnings} warning${result.warnings > 1 ? "s" : ""}`);
  if (result.ok) parts.unshift(`${result.objects.length} objects`);
  s.textContent = parts.join(", ");
}

function objectKey(o) {
  return `${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

/** The objects as a tree: by the service they belong to (the namespace's own objects first),
 * then by kind, in apply order; the filter keeps the objects whose kind, name, namespace or
 * service contains each of its words. */
function objectTree(objs, filter) {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map();
  for (const o of objs) {
    const hay = `${o.kind} ${o.name} ${o.namespace ?? ""} ${o.service ?? ""}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) continue;
    const group = o.service ?? `namespace ${o.namespace ?? o.name}`;
    if (!groups.has(group)) groups.set(group, new Map());
    const kinds = groups.get(group);
    if (!kinds.has(o.kind)) kinds.set(o.kind, []);
    kinds.get(o.kind).push(o);
  }
  return groups;
}

let treeKey = "";
function renderObjects(shown) {
  const tree = $("object-tree");
  const pre = $("object-yaml");
  const objs = shown ? shown.objects : [];
  if (!objs.length) {
    treeKey = "";
    tree.replaceChildren();
    pre.textContent = shown ? "No services: declare one with `service NAME { … }`." : "Fix the errors to see the objects.";
    return;
  }
  if (!state.object || !objs.some((o) => objectKey(o) === state.object)) {
    state.object = objectKey(objs.find((o) => o.kind === "Deployment") || objs[0]);
  }
  // The tree is rebuilt only when the set of objects or the filter changes (not per keystroke).
  const key = state.filter + "\n" + objs.map((o) => `${objectKey(o)} ${o.service ?? ""}`).join("\n");
  if (key !== treeKey) {
    treeKey = key;
    tree.replaceChildren();
    const groups = objectTree(objs, state.filter);
    if (!groups.size) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "No object matches the filter.";
      tree.appendChild(p);
    }
    for (const [group, kinds] of groups) {
      const details = document.createElement("details");
      // A namespace's own objects (Namespace, PeerAuthentication) start folded, unless the
      // filter or the selected object is in them.
      const inside = [...kinds.values()].some((l) => l.some((o) => objectKey(o) === state.object));
      details.open = !group.startsWith("namespace ") || inside || state.filter !== "";
      details.dataset.group = group;
      const summary = document.createElement("summary");
      const count = [...kinds.values()].reduce((n, l) => n + l.length, 0);
      summary.textContent = `${group} (${count})`;
      details.appendChild(summary);
      for (const [kind, list] of kinds) {
        const k = document.createElement("div");
        k.className = "kind";
        k.textContent = kind;
        details.appendChild(k);
        for (const o of list) {
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = o.name;
          b.title = `${o.kind} ${o.namespace ? o.namespace + "/" : ""}${o.name}`;
          b.dataset.key = objectKey(o);
          b.setAttribute("role", "treeitem");
          b.addEventListener("click", () => {
            state.object = b.dataset.key;
            renderObjects(lastShown);
          });
          details.appendChild(b);
        }
      }
      tree.appendChild(details);
    }
  }
  for (const b of tree.querySelectorAll("button")) b.classList.toggle("active", b.dataset.key === state.object);
  const yaml = objectYaml(shown, objs.find((o) => objectKey(o) === state.object));
  if (pre.textContent !== yaml) {
    // One span per line (the text is the same), so that a click names its line.
    pre.replaceChildren(
      ...yaml.split(/(?<=\n)/).map((line, i) => {
        const span = document.createElement("span");
        span.className = "line";
        span.dataset.line = String(i);
        span.textContent = line;
        return span;
      }),
    );
    $("explanation").hidden = true;
  }
}

/** The YAML of an object of a result: a compilation gives the selected object's only (the
 * others would be written, cross into JavaScript and be parsed on every keystroke for
 * nothing); another one is compiled again from the files of that result, when it is picked. */
function objectYaml(shown, o) {
  if (o.yaml == null) {
    const again = compileView(shown.files, undefined, objectKey(o));
    o.yaml = again.objects.find((x) => objectKey(x) === objectKey(o))?.yaml ?? "";
  }
  return o.yaml;
}

/** The path of the field on line `target` of an object's YAML (`spec.template.spec.containers.0.image`). */
function yamlPath(lines, target) {
  const frames = []; // { col, seg, item }
  for (let i = 0; i <= target; i++) {
    const line = lines[i].replace(/\n$/, "");
    if (!line.trim()) continue;
    let col = line.length - line.trimStart().length;
    let rest = line.trimStart();
    while (rest.startsWith("- ")) {
      // A list item: a sibling of the item at the same column, or the first under its key.
      while (frames.length && frames[frames.length - 1].col > col) frames.pop();
      let index = 0;
      const top = frames[frames.length - 1];
      if (top && top.col === col && top.item) {
        index = top.seg + 1;
        frames.pop();
      }
      frames.push({ col, seg: index, item: true });
      col += 2;
      rest = rest.slice(2);
    }
    const key = rest.match(/^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\s][^:]*?):(\s|$)/);
    if (key) {
      // Deeper frames, sibling keys, and the items of a sibling key's list (at its column) end.
      while (frames.length && frames[frames.length - 1].col >= col) frames.pop();
      let k = key[1];
      if (k.startsWith('"')) k = JSON.parse(k);
      else if (k.startsWith("'")) k = k.slice(1, -1);
      frames.push({ col, seg: k, item: false });
    }
  }
  // A key with a dot in it (an annotation's name) cannot be a step of a dotted path: the
  // explanation is of the map that holds it.
  const segs = frames.map((f) => f.seg);
  const dotted = segs.findIndex((k) => typeof k === "string" && k.includes("."));
  return (dotted < 0 ? segs : segs.slice(0, dotted)).join(".");
}

/** Explains the clicked line of the selected object's YAML. */
function explainLine(e) {
  const span = e.target.closest?.(".line");
  if (!span || !lastShown) return;
  const pre = $("object-yaml");
  for (const s of pre.querySelectorAll(".line.picked")) s.classList.remove("picked");
  span.classList.add("picked");
  const lines = [...pre.querySelectorAll(".line")].map((s) => s.textContent);
  const path = yamlPath(lines, Number(span.dataset.line));
  const o = lastShown.objects.find((x) => objectKey(x) === state.object);
  const r = explain(state.files, `${o.kind}/${o.namespace ?? ""}/${o.name}`, path);
  const box = $("explanation");
  box.textContent = `${o.kind} ${o.name}: ${path || "(the whole object)"}\n${r.text}`;
  box.hidden = false;
}

let lastGraph = "";
let lastShown = null;
function render() {
  renderDiagnostics();
  if (result.ok) lastGood = result;
  // While the input has errors, the last output without errors stays, dimmed: no flicker.
  const shown = result.ok ? result : lastGood;
  const stale = !result.ok && lastGood !== null;
  $("right").classList.toggle("stale", stale);
  $("stale-note").hidden = !stale;
  lastShown = shown;
  renderObjects(shown);
  const graph = shown ? shown.graph : { nodes: [], edges: [] };
  const graphKey = JSON.stringify(graph);
  if (graphKey !== lastGraph) {
    lastGraph = graphKey;
    drawGraph($("graph"), graph);
  }
  const value = shown ? shown.value : result.rendered;
  if ($("value").textContent !== value) $("value").textContent = value;
}

const MANIFEST = /\.(ya?ml|json)$/;

/** Compiles the .msh files, and runs the guardrails on the manifests (.yaml, .json files: what
 * `meshc vet` reports), their findings listed with the compiler's. */
function compileAndVet(files) {
  const names = Object.keys(files);
  const manifests = names.filter((n) => MANIFEST.test(n));
  const out = names.some((n) => n.endsWith(".msh"))
    ? compileView(files, undefined, state.object ?? "")
    : { ok: true, errors: 0, warnings: 0, objects: [], selected: null, diagnostics: [], rendered: "", value: "", graph: { nodes: [], edges: [] } };
  // The files it was compiled from, to write another object's YAML when it is picked.
  out.files = { ...files };
  if (manifests.length === 0) return out;
  const vetted = vet(Object.fromEntries(manifests.map((n) => [n, files[n]])));
  out.diagnostics = [...out.diagnostics, ...vetted.diagnostics];
  out.errors += vetted.errors;
  out.warnings += vetted.warnings;
  out.vetted = vetted;
  return out;
}

/** Whether the editor shows `list` already: the diagnostics it holds, mapped through the edits
 * since they were set, are the same. A keystroke that changes no diagnostic then costs no second
 * editor transaction. */
function showsDiagnostics(list) {
  const key = (from, to, d) => `${from} ${to} ${d.severity} ${d.source}\n${d.message}`;
  const shown = [];
  forEachDiagnostic(view.state, (d, from, to) => shown.push(key(from, to, d)));
  if (shown.length !== list.length) return false;
  const wanted = list.map((d) => key(d.from, d.to, d));
  shown.sort();
  wanted.sort();
  return shown.every((k, i) => k === wanted[i]);
}

// ---- warming the engine
/** The browser runs the module on a baseline tier first, and optimizes a function only once it
 * has run a while: the first hundred compilations of a package take about twice as long as the
 * later ones. So after the page loads, it compiles its files again in idle time (the results
 * are thrown away) until the engine has run WARM compilations, the user's own included: typing
 * then starts at full speed. An idle callback starts a compilation only with time to finish it
 * before the next frame. */
const WARM = 120;
let compilations = 0;
let warming = false;
const whenIdle = window.requestIdleCallback ?? ((f) => setTimeout(() => f({ timeRemaining: () => 16 }), 50));
function warmUp(deadline) {
  const msh = Object.keys(state.files).some((n) => n.endsWith(".msh"));
  while (msh && compilations < WARM && deadline.timeRemaining() > 12) {
    compileView(state.files, undefined, state.object ?? "");
    compilations++;
  }
  if (msh && compilations < WARM) return whenIdle(warmUp);
  warming = false;
  window.__meshc.warm = true;
}

/** Warms the engine on the files just loaded: another package runs other code (a small example
 * leaves most of a large one's on the baseline tier). */
function startWarmUp() {
  compilations = 0;
  window.__meshc.warm = false;
  if (!warming) {
    warming = true;
    whenIdle(warmUp);
  }
}

/** Compiles and redraws; returns the milliseconds it took. */
function update() {
  const t0 = performance.now();
  result = compileAndVet(state.files);
  compilations++;
  render();
  const diagnostics = editorDiagnostics(state.active);
  if (!showsDiagnostics(diagnostics)) view.dispatch(setDiagnostics(view.state, diagnostics));
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
          keymap.of([{ key: "Shift-Alt-f", run: formatFile }, ...defaultKeymap, ...historyKeymap]),
          msh,
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            state.files[state.active] = u.state.doc.toString();
            editorStates.set(state.active, u.state);
            saveUrlSoon();
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

/** Why `name` cannot be a file of the package (null when it can). */
function badFileName(name, except) {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\.(msh|ya?ml|json)$/.test(name)) return "a file name ends in .msh (or .yaml, .json: manifests to vet) and has letters, digits, - _ . and / only";
  if (name !== except && state.files[name] !== undefined) return `${name} exists already`;
  return null;
}

function renameFile(from, to) {
  const files = {};
  for (const [k, v] of Object.entries(state.files)) files[k === from ? to : k] = v;
  state.files = files;
  if (editorStates.has(from)) {
    editorStates.set(to, editorStates.get(from));
    editorStates.delete(from);
  }
  if (state.active === from) state.active = to;
  openFile(state.active);
  saveUrl();
  update();
}

function deleteFile(name) {
  if (Object.keys(state.files).length === 1) return;
  delete state.files[name];
  editorStates.delete(name);
  if (state.active === name) state.active = Object.keys(state.files)[0];
  openFile(state.active);
  saveUrl();
  update();
}

function addFile() {
  let n = 1;
  while (state.files[`file${n}.msh`] !== undefined) n++;
  const name = `file${n}.msh`;
  const pkg = (state.files[state.active] ?? "").match(/^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)/m);
  state.files[name] = pkg ? `package ${pkg[1]}\n\n` : "";
  openFile(name);
  saveUrl();
  update();
  startRename(name);
}

/** Turns a file's tab into a text field; Enter renames, Escape keeps the name. */
function startRename(name) {
  const tab = [...document.querySelectorAll("#file-tabs .file")].find((t) => t.dataset.file === name);
  if (!tab) return;
  const input = document.createElement("input");
  input.value = name;
  input.setAttribute("aria-label", `new name of ${name}`);
  tab.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = (commit) => {
    if (done) return;
    done = true;
    const to = input.value.trim();
    if (commit && to !== name) {
      const why = badFileName(to, name);
      if (why) {
        $("status").className = "err";
        $("status").textContent = why;
        renderFileTabs();
        return;
      }
      renameFile(name, to);
    } else {
      renderFileTabs();
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(true);
    if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
}

function renderFileTabs() {
  const nav = $("file-tabs");
  nav.replaceChildren();
  const many = Object.keys(state.files).length > 1;
  for (const f of Object.keys(state.files)) {
    const tab = document.createElement("span");
    tab.className = f === state.active ? "file active" : "file";
    tab.dataset.file = f;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "name";
    b.textContent = f;
    b.title = "Double-click to rename";
    b.addEventListener("click", () => {
      openFile(f);
      saveUrl();
    });
    b.addEventListener("dblclick", () => startRename(f));
    tab.appendChild(b);
    if (many) {
      const x = document.createElement("button");
      x.type = "button";
      x.className = "delete";
      x.textContent = "×";
      x.title = `Delete ${f}`;
      x.setAttribute("aria-label", `delete ${f}`);
      x.addEventListener("click", () => deleteFile(f));
      tab.appendChild(x);
    }
    nav.appendChild(tab);
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
  lastGood = null;
  state.active = active && files[active] !== undefined ? active : Object.keys(files)[0];
  openFile(state.active);
  update();
  syncExamplePicker();
  startWarmUp();
}

/** Rewrites the open file in the canonical layout (an edit, so it can be undone). */
function formatFile() {
  const doc = view.state.doc.toString();
  const r = format(doc);
  if (!r.ok) {
    $("status").textContent = "Format: fix the syntax errors first";
    return true;
  }
  if (r.text !== doc) view.dispatch({ changes: { from: 0, to: doc.length, insert: r.text } });
  return true;
}

async function copyLink() {
  flushUrl();
  const button = $("copy-link");
  let copied = false;
  try {
    await navigator.clipboard.writeText(location.href);
    copied = true;
  } catch {
    copied = false;
  }
  button.textContent = copied ? "Copied ✓" : "Copy the address bar";
  button.classList.toggle("done", copied);
  clearTimeout(copyLink.timer);
  copyLink.timer = setTimeout(() => {
    button.textContent = "Copy link";
    button.classList.remove("done");
  }, 2000);
}

async function main() {
  await init();
  window.__meshc = { updates: 0, lastUpdateMs: 0, warm: false };
  // For the tests: whether a keystroke's address is still to be written.
  Object.defineProperty(window.__meshc, "urlPending", { get: () => urlTimer !== 0 });
  // Leaving the page (a link followed, back or forward, a closed tab) keeps the last
  // keystrokes in its address. (A reload right after typing reads the address before this.)
  window.addEventListener("pagehide", flushUrl);
  view = new EditorView({ parent: $("editor") });
  window.__meshc.view = view;

  const select = $("examples");
  const own = document.createElement("option");
  own.value = "";
  own.textContent = "your files";
  own.disabled = true;
  select.appendChild(own);
  for (const name of Object.keys(examples)) {
    const o = document.createElement("option");
    o.value = name;
    o.textContent = name;
    select.appendChild(o);
  }
  select.addEventListener("change", () => {
    if (!examples[select.value]) return;
    load(examples[select.value], null);
    saveUrl();
  });
  for (const b of document.querySelectorAll("#views button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll("#views button")) x.classList.toggle("active", x === b);
      for (const v of document.querySelectorAll(".view")) v.classList.toggle("active", v.id === b.dataset.view);
    });
  }
  $("copy-link").addEventListener("click", copyLink);
  $("object-yaml").addEventListener("click", explainLine);
  $("format").addEventListener("click", () => {
    formatFile();
    view.focus();
  });
  $("add-file").addEventListener("click", addFile);
  $("object-filter").addEventListener("input", (e) => {
    state.filter = e.target.value;
    renderObjects(lastShown);
  });

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
    load(restored.files, restored.active);
  } else {
    load(examples[Object.keys(examples)[0]], null);
  }
  window.__meshc.ready = true;
}

main();
