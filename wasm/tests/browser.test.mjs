// The playground in headless Chromium: type a change and see the YAML change; type an error and
// see it underlined with its message while the last good output stays, dimmed; follow the shared
// link and get the same state back; browse the objects as a tree; read the graph; add, rename
// and delete files; copy the link; open the docs; format a file; click a line of YAML to see
// where it comes from; vet a manifest file; use it on a phone-sized screen.
// UPDATE_SCREENSHOT=1 writes the README's screenshots into docs/ (check them by eye).
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

async function open(url, viewport = { width: 1400, height: 820 }) {
  const context = await browser.newContext({ viewport, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__meshc && window.__meshc.ready, null, { timeout: 20000 });
  page.errors = errors;
  return page;
}

/** The page's address once it holds the last keystroke (the page writes it a moment after the
 * last edit). */
async function sharedUrl(page) {
  await page.waitForFunction(() => !window.__meshc.urlPending);
  return page.url();
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

test("the address is written a moment after the last keystroke, and at once when the page is left", async () => {
  const page = await open(base);
  await page.evaluate(() => window.__meshc.view.focus());
  await page.keyboard.press("Control+End");
  await page.keyboard.type("// typed");
  assert.equal(await page.evaluate(() => window.__meshc.urlPending), true);
  assert.doesNotMatch(decodeURIComponent(page.url()), /typed/);
  // Leaving the page writes it: back on the page, the last keystroke is there.
  await page.goto("about:blank");
  await page.goBack();
  await page.waitForFunction(() => window.__meshc && window.__meshc.ready);
  assert.match(await page.evaluate(() => window.__meshc.view.state.doc.toString()), /\/\/ typed$/);
  // Typing updates it by itself, once the keys stop.
  await page.evaluate(() => window.__meshc.view.focus());
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" twice");
  const url = await sharedUrl(page);
  const again = await open(url);
  assert.match(await again.evaluate(() => window.__meshc.view.state.doc.toString()), /\/\/ typed twice$/);
  // The page warms the engine in idle time, then stops.
  await page.waitForFunction(() => window.__meshc.warm, null, { timeout: 60000 });
  assert.deepEqual(page.errors, []);
  await page.close();
  await again.close();
});

test("a shared link gives the same state back", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "shop");
  await page.click("#files button:has-text('policy.msh')");
  await select(page, "<= 25");
  await page.keyboard.type("<= 5");
  await page.waitForFunction(() => document.querySelector("#diagnostics").textContent.includes("W0218"));
  const url = await sharedUrl(page);
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

function screenshotPath(name) {
  mkdirSync(join(root, "target"), { recursive: true });
  return process.env.UPDATE_SCREENSHOT ? join(root, "docs", name) : join(root, "target", name);
}

test("the objects are a tree by service then kind, and a filter narrows it", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "shop");
  const checkout = page.locator("#object-tree details[data-group=checkout]");
  assert.match(await checkout.locator("summary").textContent(), /^checkout \(\d+\)$/);
  const kinds = await checkout.locator(".kind").allTextContents();
  for (const k of ["ServiceAccount", "Service", "Deployment", "HorizontalPodAutoscaler", "DestinationRule", "VirtualService"]) {
    assert.ok(kinds.includes(k), `${k} in ${kinds}`);
  }
  assert.deepEqual(await checkout.locator("button[data-key^='Deployment/']").allTextContents(), ["checkout-stable", "checkout-canary"]);
  // Namespace-wide objects are folded; services are open.
  assert.equal(await page.locator("#object-tree details[data-group='namespace shop']").getAttribute("open"), null);
  await page.fill("#object-filter", "destinationrule checkout");
  await page.waitForFunction(() => document.querySelectorAll("#object-tree button").length === 1);
  assert.deepEqual(await page.locator("#object-tree summary").allTextContents(), ["checkout (1)"]);
  await page.click("#object-tree button");
  assert.match(await page.textContent("#object-yaml"), /kind: DestinationRule\n[\s\S]*name: checkout\n/);
  await page.fill("#object-filter", "nothing-like-this");
  assert.match(await page.textContent("#object-tree"), /No object matches the filter/);
  await page.fill("#object-filter", "");
  await page.click("#object-tree button[data-key='Deployment/shop/checkout-canary']");
  assert.match(await page.textContent("#object-yaml"), /name: checkout-canary/);
  await page.screenshot({ path: screenshotPath("playground-objects.png") });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the graph routes every edge around the boxes, at its natural size", async () => {
  for (const example of ["shop", "online-boutique", "bookinfo"]) {
    const page = await open(base);
    await page.selectOption("#examples", example);
    await page.click("#views button[data-view=graph]");
    const report = await page.evaluate(() => {
      const svg = document.querySelector("#graph svg");
      const boxes = [...svg.querySelectorAll("g.node")].map((g) => {
        const m = g.transform.baseVal.consolidate().matrix;
        const r = g.querySelector("rect");
        return { id: g.dataset.id, x: m.e, y: m.f, w: r.width.baseVal.value, h: r.height.baseVal.value };
      });
      const crossings = [];
      for (const p of svg.querySelectorAll("path.edge")) {
        const len = p.getTotalLength();
        for (let t = 0; t <= len; t += 3) {
          const pt = p.getPointAtLength(t);
          for (const b of boxes) {
            if (b.id === p.dataset.from || b.id === p.dataset.to) continue;
            if (pt.x > b.x + 2 && pt.x < b.x + b.w - 2 && pt.y > b.y + 2 && pt.y < b.y + b.h - 2) {
              crossings.push(`${p.dataset.from} → ${p.dataset.to} crosses ${b.id}`);
            }
          }
        }
      }
      const text = svg.querySelector("g.node text");
      return {
        nodes: boxes.length,
        edges: svg.querySelectorAll("path.edge").length,
        crossings: [...new Set(crossings)],
        fontPx: parseFloat(getComputedStyle(text).fontSize),
        scale: svg.getBoundingClientRect().width / svg.width.baseVal.value,
      };
    });
    assert.ok(report.nodes >= 4 && report.edges >= 3, `${example}: ${JSON.stringify(report)}`);
    assert.deepEqual(report.crossings, [], example);
    assert.equal(report.fontPx, 12, example);
    assert.equal(report.scale, 1, `${example}: the picture is not shrunk to fit`);
    if (example === "online-boutique") {
      // The load generator is a worker: in the graph, with its edge to the frontend.
      assert.ok(await page.locator("#graph g.node.worker[data-id$='/loadgenerator']").count() === 1);
      await page.screenshot({ path: screenshotPath("playground-graph.png") });
    }
    await page.close();
  }
});

test("an error keeps the last good output, dimmed, instead of blanking it", async () => {
  const page = await open(base);
  const yaml = await page.textContent("#object-yaml");
  await select(page, "5000");
  await page.keyboard.type("x");
  await page.waitForSelector("#right.stale");
  assert.equal(await page.isVisible("#stale-note"), true);
  assert.equal(await page.textContent("#object-yaml"), yaml);
  assert.ok(Number(await page.evaluate(() => getComputedStyle(document.querySelector("#objects")).opacity)) < 1);
  // Another object of the last good output can still be picked: its YAML is written from the
  // files that output came from (a compilation gives the selected object's YAML only).
  await page.click("#object-tree button[data-key^='Service/']");
  assert.match(await page.textContent("#object-yaml"), /^apiVersion: v1\nkind: Service\n/);
  await page.click("#views button[data-view=graph]");
  assert.ok(await page.locator("#graph g.node").count() > 0, "the graph stays");
  await select(page, "port:     x");
  await page.keyboard.type("port: 5001");
  await page.waitForFunction(() => !document.querySelector("#right").classList.contains("stale"));
  assert.equal(await page.isVisible("#stale-note"), false);
  await page.close();
});

test("files can be added, renamed and deleted, and the link keeps them", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "shop");
  await page.click("#add-file");
  const input = page.locator("#file-tabs input");
  assert.equal(await input.inputValue(), "file1.msh");
  // A bad name is refused with a reason; the file keeps its name.
  await input.fill("bad name");
  await input.press("Enter");
  assert.match(await page.textContent("#status"), /ends in \.msh/);
  await page.dblclick("#file-tabs .file[data-file='file1.msh'] button.name");
  await page.locator("#file-tabs input").fill("extra.msh");
  await page.locator("#file-tabs input").press("Enter");
  await page.waitForSelector("#file-tabs .file.active[data-file='extra.msh']");
  // The new file starts with the package clause of the file it was added from.
  assert.equal(await page.evaluate(() => window.__meshc.view.state.doc.toString()), "package shop\n\n");
  await page.evaluate(() => window.__meshc.view.focus());
  await page.keyboard.press("Control+End");
  await page.keyboard.type('service extra {\nimage: "extra:1"\nnamespace: "shop"\n}\n');
  await page.waitForSelector("#object-tree details[data-group=extra]");
  const again = await open(await sharedUrl(page));
  assert.deepEqual(await again.locator("#file-tabs .file").evaluateAll((ts) => ts.map((t) => t.dataset.file)), ["extras.msh", "kafka.msh", "mesh.msh", "policy.msh", "extra.msh"]);
  assert.equal(await again.inputValue("#examples"), "", "changed files are no longer the example");
  assert.match(await again.locator("#examples option:checked").textContent(), /your files/);
  await again.close();
  await page.click("#file-tabs .file[data-file='extra.msh'] button.delete");
  await page.waitForFunction(() => !document.querySelector("#object-tree details[data-group=extra]"));
  assert.equal(await page.locator("#file-tabs .file[data-file='extra.msh']").count(), 0);
  // Back to the example's files: the picker names it again.
  assert.equal(await page.inputValue("#examples"), "shop");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a manifest file is vetted: its findings are listed and underlined with the compiler's", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "echo");
  await page.click("#add-file");
  await page.locator("#file-tabs input").fill("vs.yaml");
  await page.locator("#file-tabs input").press("Enter");
  await page.waitForSelector("#file-tabs .file.active[data-file='vs.yaml']");
  await page.evaluate(() => {
    const v = window.__meshc.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert:
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n  http:\n  - route:\n    - destination: {host: api, subset: a}\n      weight: 70\n    - destination: {host: api, subset: b}\n      weight: 20\n    retries: {attempts: 2, retryOn: connect-failure}\n" } });
  });
  await page.waitForFunction(() => [...document.querySelectorAll("#diagnostics li")].some((li) => li.textContent.includes("E0303")));
  const line = await page.locator("#diagnostics li", { hasText: "E0303" }).textContent();
  assert.match(line, /^vs\.yaml:8:15 error\[E0303\]: the weights of `api` sum to 90, not 100/);
  assert.equal(await page.getAttribute("#status", "class"), "err");
  // The package still builds: its objects stay.
  assert.ok((await page.locator("#object-tree details").count()) > 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("Copy link copies the address and says so; Docs opens the language reference", async () => {
  const page = await open(base);
  await page.click("#copy-link");
  await page.waitForFunction(() => document.querySelector("#copy-link").textContent === "Copied ✓");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
  const href = await page.getAttribute("#docs", "href");
  const docs = await fetch(new URL(href, base));
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /<h1[^>]*>.*msh/);
  await page.close();
});

test("Format rewrites the open file in the canonical layout, and refuses a broken one", async () => {
  const page = await open(base);
  const set = (text) => page.evaluate((t) => {
    const v = window.__meshc.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } });
  }, text);
  const doc = () => page.evaluate(() => window.__meshc.view.state.doc.toString());
  await set('service api {\n  image:"api:1" // the image\n  public : true\n}\n');
  await page.click("#format");
  assert.equal(await doc(), 'service api {\n\timage:  "api:1" // the image\n\tpublic: true\n}\n');
  await set("a: {\n");
  await page.click("#format");
  assert.equal(await doc(), "a: {\n");
  assert.match(await page.textContent("#status"), /syntax errors/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("clicking a line of an object's YAML explains where it comes from", async () => {
  const page = await open(base);
  const line = page.locator("#object-yaml .line", { hasText: "terminationGracePeriodSeconds" }).first();
  await line.click();
  const text = await page.textContent("#explanation");
  assert.match(text, /spec\.template\.spec\.terminationGracePeriodSeconds/);
  assert.match(text, /rule: The grace period outlasts the preStop hook/);
  assert.match(text, /lifecycle\.drainDelay/);
  assert.match(text, /<stdlib>\/mesh\.msh:\d+:\d+/);
  // A container's image: the path goes through the list of containers.
  await page.locator("#object-yaml .line", { hasText: "- image:" }).first().click();
  assert.match(await page.textContent("#explanation"), /spec\.template\.spec\.containers\.0\.image/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a restored link names its example", async () => {
  const page = await open(base);
  await page.selectOption("#examples", "bookinfo");
  const again = await open(page.url());
  assert.equal(await again.inputValue("#examples"), "bookinfo");
  await page.close();
  await again.close();
});

test("at 390 px wide the page fits the screen", async () => {
  const page = await open(base, { width: 390, height: 844 });
  await page.selectOption("#examples", "shop");
  for (const v of ["objects", "graph", "value"]) {
    await page.click(`#views button[data-view=${v}]`);
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${v}: the page is ${scroll} px wide on a ${client} px screen`);
  }
  await page.click("#views button[data-view=objects]");
  await page.screenshot({ path: screenshotPath("playground-mobile.png") });
  await page.close();
});
