// The npm package as its users load it: the README's snippet, unchanged, run by Node (which
// `exports` sends to the Node build, reading the .wasm from disk) and bundled by esbuild for a
// browser (the ES module build, fetching the .wasm beside the bundle) then run in headless
// Chromium; `require` from CommonJS; and a clear error for a wrong argument.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const pkg = join(root, "wasm/pkg");
const work = join(root, "target/npm-test");

// A project that has installed the package.
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, "node_modules/@meshc"), { recursive: true });
cpSync(pkg, join(work, "node_modules/@meshc/wasm"), { recursive: true });

// The README's snippet, as a user copies it, then a line that reports what it got.
const readme = readFileSync(join(root, "wasm/npm/README.md"), "utf8");
const snippet = readme.match(/```js\n([\s\S]*?)```/)[1];
const report = "\nglobalThis.__report = { ok: out.ok, kinds: out.objects.map((o) => o.kind), yaml: out.manifests.startsWith(\"---\\napiVersion: v1\\nkind: Namespace\") };\n";
writeFileSync(join(work, "app.mjs"), snippet + report + "if (typeof window === \"undefined\") console.log(JSON.stringify(globalThis.__report));\n");

function expectReport(r) {
  assert.equal(r.ok, true);
  assert.ok(r.kinds.includes("Deployment") && r.kinds.includes("VirtualService"), r.kinds.join());
  assert.equal(r.yaml, true);
}

test("the README snippet runs in Node (ES module)", () => {
  const out = execFileSync("node", ["app.mjs"], { cwd: work, encoding: "utf8" });
  expectReport(JSON.parse(out));
});

test("require() from CommonJS gets the Node build", () => {
  const require = createRequire(join(work, "index.cjs"));
  const m = require("@meshc/wasm");
  assert.equal(typeof m.compile, "function");
  assert.equal(m.compile({ "a.msh": "x: 1\n" }).value, "x: 1\n");
  assert.match(m.version(), /^\d+\.\d+\.\d+$/);
});

test("a wrong argument is a clear error, not a TypeError from inside", async () => {
  const { compile } = await import(join(work, "node_modules/@meshc/wasm/node/index.mjs"));
  for (const bad of [null, undefined, 42, "mesh.msh"]) {
    assert.throws(() => compile(bad), (e) => {
      const msg = String(e?.message ?? e);
      assert.match(msg, /compile takes an object mapping file paths to their text/);
      return true;
    });
  }
  assert.throws(() => compile({ "a.msh": 42 }), /file contents must be strings/);
  assert.throws(() => compile({ "a.msh": "x: 1\n" }, ["env=prod"]), /tags must be an object/);
});

test("tags set the fields marked @tag, as meshc build -t does", async () => {
  const { compile } = await import(join(work, "node_modules/@meshc/wasm/node/index.mjs"));
  const src = { "a.msh": "env: *\"dev\" | \"prod\" @tag(env)\nn: {dev: 1, prod: 3}[env]\n" };
  assert.equal(compile(src).value, "env: dev\nn: 1\n");
  assert.equal(compile(src, { env: "prod" }).value, "env: prod\nn: 3\n");
  const bad = compile(src, { region: "eu" });
  assert.equal(bad.ok, false);
  assert.equal(bad.diagnostics[0].code, "E0110");
});

test("the README snippet bundled by esbuild runs in a browser", async () => {
  const esbuild = join(root, "wasm/playground/node_modules/.bin/esbuild");
  const dist = join(work, "dist");
  mkdirSync(dist, { recursive: true });
  execFileSync(esbuild, ["app.mjs", "--bundle", "--format=esm", "--platform=browser", `--outfile=${join(dist, "app.js")}`], { cwd: work, stdio: "pipe" });
  const bundle = readFileSync(join(dist, "app.js"), "utf8");
  assert.ok(!bundle.includes("readFileSync"), "the browser bundle takes the ES module build, not the Node one");
  // The ES module build fetches meshc_wasm_bg.wasm beside the module that imports it.
  copyFileSync(join(pkg, "meshc_wasm_bg.wasm"), join(dist, "meshc_wasm_bg.wasm"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><script type=module src=app.js></script>\n");
  const port = 19000 + (process.pid % 1000);
  const server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dist], { stdio: "ignore" });
  const require = createRequire(join(root, "wasm/playground/package.json"));
  const { chromium } = require("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    for (let i = 0; i < 50; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => globalThis.__report, null, { timeout: 20000 });
    expectReport(await page.evaluate(() => globalThis.__report));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.kill("SIGKILL");
  }
});
