// The playground in headless Chromium: type a change and see the YAML change; type an error and
// see it underlined with its message; follow the shared link and get the same state back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { existsSync, mkdirSync } from "node:fs";

const root = new URL("../..", import.meta.url).pathname;
const require = createRequire(join(root, "wasm/playground/package.json"));
const { chromium } = require("playwright-core");
const dist = join(root, "wasm/playground/dist");
const port = 18000 + (process.pid % 1000);
const base = `http://127.0.0.1:${port}/`;
let server, browser;

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

before(async () => {
  assert.ok(existsSync(join(dist, "index.html")), "build the playground first: scripts/build-wasm");
  server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dist], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(base)).ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ARGS });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGKILL");
});

async function open(url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__meshc && window.__meshc.ready, null, { timeout: 20000 });
  page.errors = errors;
  return page;
}

/** Selects the first occurrence of `text` in the editor, so that typing replaces it. */
async function select(page, text) {
  await page.evaluate((t) => {
    const v = window.__meshc.view;
    const at = v.state.doc.toString().indexOf(t);
    if (at < 0) throw new Error(`${t} not in the editor`);
    v.dispatch({ selection: { anchor: at, head: at + t.length } });
    v.focus();
  }, text);
}

test("typing a change updates the generated YAML", async () => {
  const page = await open(base);
  assert.match(await page.textContent("#object-yaml"), /image: gcr\.io\/mercari\/echo:1\.0\.0/);
  assert.match(await page.textContent("#status"), /objects/);
  await select(page, "echo:1.0.0");
  await page.keyboard.type("echo:2.0.0");
  await page.waitForFunction(() => document.querySelector("#object-yaml").textContent.includes("echo:2.0.0"));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("typing an error underlines it with its message", async () => {
  const page = await open(base);
  await select(page, "5000");
  await page.keyboard.type("70000");
  await page.waitForSelector(".cm-lintRange-error");
  const underlined = await page.textContent(".cm-lintRange-error");
  assert.equal(underlined, "70000");
  assert.match(await page.textContent("#diagnostics"), /error\[E0201\]: 70000 matches no alternative/);
  assert.match(await page.textContent("#status"), /1 error/);
  await page.hover(".cm-lintRange-error");
  await page.waitForSelector(".cm-tooltip-lint");
  assert.match(await page.textContent(".cm-tooltip-lint"), /70000 matches no alternative of \*8080 \| int & >=1 & <=65535/);
  await page.close();
});

test("a shared link gives the same state back", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "shop");
  await page.click("#files button:has-text('policy.msh')");
  await select(page, "<= 25");
  await page.keyboard.type("<= 5");
  await page.waitForFunction(() => document.querySelector("#diagnostics").textContent.includes("W0218"));
  const url = page.url();
  const doc = await page.evaluate(() => window.__meshc.view.state.doc.toString());
  const diags = await page.textContent("#diagnostics");
  const yaml = await page.textContent("#object-yaml");

  const again = await open(url);
  assert.equal(await again.evaluate(() => window.__meshc.view.state.doc.toString()), doc);
  assert.equal(await again.textContent("#diagnostics"), diags);
  assert.equal(await again.textContent("#object-yaml"), yaml);
  assert.match(await again.textContent("#files .active"), /policy\.msh/);

  // The screenshot in the README: the shop, its graph beside the editor.
  await again.click("#views button[data-view=graph]");
  const shot = process.env.UPDATE_SCREENSHOT ? join(root, "docs/playground.png") : join(root, "target/playground.png");
  mkdirSync(join(root, "target"), { recursive: true });
  await again.screenshot({ path: shot });
  await page.close();
  await again.close();
});
