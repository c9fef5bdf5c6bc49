// The WebAssembly module and the native compiler give byte-identical output for every example:
// the manifests (`meshc build`), the value (`meshc eval`) and the rendered diagnostics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const wasm = require(join(root, "wasm/pkg/node/meshc_wasm.js"));
const meshc = join(root, "target/debug/meshc");

for (const dir of readdirSync(join(root, "examples")).sort()) {
  test(`example ${dir}: native and wasm agree byte for byte`, () => {
    const files = {};
    for (const f of readdirSync(join(root, "examples", dir))) {
      if (f.endsWith(".msh")) files[f] = readFileSync(join(root, "examples", dir, f), "utf8");
    }
    const out = wasm.compile(files);
    // Run in the example's directory: native diagnostics name files as given on the command line.
    const cwd = join(root, "examples", dir);
    assert.equal(out.manifests, execFileSync(meshc, ["build", "."], { cwd, encoding: "utf8" }));
    assert.equal(out.value, execFileSync(meshc, ["eval", "."], { cwd, encoding: "utf8" }));
    const check = spawnSync(meshc, ["check", "--format", "json", "."], { cwd, encoding: "utf8" });
    assert.deepEqual(out.diagnostics, JSON.parse(check.stdout));
  });
}

test("format: every example is formatted, natively and in wasm, and a broken file is refused", () => {
  for (const dir of readdirSync(join(root, "examples")).sort()) {
    for (const f of readdirSync(join(root, "examples", dir)).filter((f) => f.endsWith(".msh"))) {
      const text = readFileSync(join(root, "examples", dir, f), "utf8");
      const out = wasm.format(text);
      assert.equal(out.ok, true, `${dir}/${f}`);
      assert.equal(out.text, text, `${dir}/${f}`);
      assert.equal(execFileSync(meshc, ["fmt", "-"], { input: text, encoding: "utf8" }), text);
    }
  }
  const messy = 'service api {\n  image:"api:1"\n}\n';
  assert.equal(wasm.format(messy).text, execFileSync(meshc, ["fmt", "-"], { input: messy, encoding: "utf8" }));
  const broken = wasm.format("a: {\n");
  assert.equal(broken.ok, false);
  assert.match(broken.rendered, /E0101/);
});

test("compileView: compile's result, with the YAML of the selected object only", () => {
  for (const dir of readdirSync(join(root, "examples")).sort()) {
    const files = {};
    for (const f of readdirSync(join(root, "examples", dir))) {
      if (f.endsWith(".msh")) files[f] = readFileSync(join(root, "examples", dir, f), "utf8");
    }
    const full = wasm.compile(files);
    const key = (o) => `${o.kind}/${o.namespace ?? ""}/${o.name}`;
    const head = (o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.namespace, service: o.service });
    // No selection (or one that names nothing): the first Deployment, else the first object.
    const first = full.objects.find((o) => o.kind === "Deployment") ?? full.objects[0];
    for (const [selected, expected] of [[undefined, first], ["Nothing/x/y", first], ...full.objects.slice(-2).map((o) => [key(o), o])]) {
      const view = wasm.compileView(files, undefined, selected);
      assert.equal(view.manifests, undefined, dir);
      assert.deepEqual(view.objects.map(head), full.objects.map(head), dir);
      assert.ok(view.objects.every((o) => o.json === undefined), dir);
      const given = view.objects.filter((o) => o.yaml !== null);
      assert.equal(view.selected, expected ? key(expected) : null, `${dir} ${selected}`);
      assert.deepEqual(given.map(key), expected ? [key(expected)] : [], `${dir} ${selected}`);
      if (expected) assert.equal(given[0].yaml, expected.yaml, `${dir} ${selected}`);
      for (const f of ["ok", "errors", "warnings", "diagnostics", "rendered", "value", "graph"]) {
        assert.deepEqual(view[f], full[f], `${dir} ${f}`);
      }
    }
  }
  // Tags, as compile takes them; no object at all: nothing is selected.
  const tagged = wasm.compileView({ "a.msh": 'env: *"dev" | string @tag(env)\n' }, { env: "prod" });
  assert.equal(tagged.value, "env: prod\n");
  assert.equal(tagged.selected, null);
  assert.deepEqual(tagged.objects, []);
});

test("errors: the same diagnostics natively and in wasm", () => {
  const src = 'service api {\n\timage: "api:1"\n\tport: 70000\n\tprotocl: "grpc"\n}\n';
  const out = wasm.compile({ "a.msh": src });
  assert.equal(out.ok, false);
  assert.ok(out.diagnostics.some((d) => d.code === "E0205" && d.help.includes("did you mean `protocol`?")));
  const tmp = join(root, "target/tmp-wasm-errors");
  execFileSync("mkdir", ["-p", tmp]);
  execFileSync("sh", ["-c", `cat > ${tmp}/a.msh`], { input: src });
  const check = spawnSync(meshc, ["check", "--format", "json", "a.msh"], { cwd: tmp, encoding: "utf8" });
  assert.equal(check.status, 1);
  assert.deepEqual(out.diagnostics, JSON.parse(check.stdout));
});

test("deep and pathological input gives diagnostics in wasm, never a trap", () => {
  const deep = {
    structs: "a: " + "{b: ".repeat(99) + "1" + "}".repeat(99),
    parens: "a: " + "(".repeat(99) + "1" + ")".repeat(99),
    lists: "a: " + "[".repeat(99) + "]".repeat(99),
    tooDeep: "a: " + "[".repeat(150) + "]".repeat(150),
    chain: Array.from({ length: 2000 }, (_, i) => `a${i}: a${i + 1}`).join("\n") + "\na2000: 1",
    clauses: "r: [" + "for x in [1] ".repeat(1000) + "{1}]",
    garbage: "service { ]] \u0000 \"unterminated",
  };
  for (const [name, src] of Object.entries(deep)) {
    const out = wasm.compile({ "a.msh": src });
    assert.equal(typeof out.ok, "boolean", name);
  }
  // The module is still healthy afterwards.
  assert.equal(wasm.compile({ "a.msh": "x: 1\n" }).value, "x: 1\n");
});

/** The `.msh` sections of a `.txtar` case. */
function caseFiles(text) {
  const files = {};
  let name = null;
  for (const line of text.split(/(?<=\n)/)) {
    const m = line.match(/^-- (.+) --\n?$/);
    if (m) name = m[1];
    else if (name && name.endsWith(".msh")) files[name] = (files[name] ?? "") + line;
  }
  return files;
}

test("every build case: native and wasm manifests agree byte for byte", () => {
  const dir = join(root, "tests/cases/build");
  const tmp = join(root, "target/tmp-wasm-cases");
  let n = 0;
  for (const f of readdirSync(dir).sort()) {
    const files = caseFiles(readFileSync(join(dir, f), "utf8"));
    const caseDir = join(tmp, f.replace(/\.txtar$/, ""));
    execFileSync("mkdir", ["-p", caseDir]);
    for (const [name, text] of Object.entries(files)) {
      execFileSync("mkdir", ["-p", dirname(join(caseDir, name))]);
      execFileSync("sh", ["-c", `cat > '${join(caseDir, name)}'`], { input: text });
    }
    const out = wasm.compile(files);
    const native = spawnSync(meshc, ["build", caseDir], { encoding: "utf8" });
    assert.equal(out.manifests, native.stdout, f);
    n++;
  }
  assert.ok(n >= 18);
});

test("vet: the same findings natively and in wasm", () => {
  const yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\nspec:\n  http:\n  - route:\n    - destination: {host: api, subset: a}\n      weight: 70\n    - destination: {host: api, subset: b}\n      weight: 20\n";
  const out = wasm.vet({ "vs.yaml": yaml });
  assert.equal(out.ok, false);
  assert.deepEqual(out.diagnostics.map((d) => d.code).sort(), ["E0303", "E0305"]);
  const tmp = join(root, "target/tmp-wasm-vet");
  execFileSync("mkdir", ["-p", tmp]);
  execFileSync("sh", ["-c", `cat > ${tmp}/vs.yaml`], { input: yaml });
  const native = spawnSync(meshc, ["vet", "--format", "json", "vs.yaml"], { cwd: tmp, encoding: "utf8" });
  assert.equal(native.status, 1);
  assert.deepEqual(out.diagnostics, JSON.parse(native.stdout));
});
