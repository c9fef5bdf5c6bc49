// Benchmark of the WebAssembly build (not a test: it reports, it does not judge):
//  - the size of the .wasm after wasm-opt, raw and gzipped;
//  - the time from a keystroke to updated output in the playground for the largest example
//    (the edit is dispatched to the editor; the time runs until the diagnostics, objects and
//    graph are redrawn), in headless Chromium: typing at once after the example is picked,
//    and again once the page has warmed the engine (it compiles in idle time after a load).
// usage: node wasm/bench/bench.mjs   (after scripts/build-wasm)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const require = createRequire(join(root, "wasm/playground/package.json"));
const { chromium } = require("playwright-core");

const wasm = readFileSync(join(root, "wasm/pkg/meshc_wasm_bg.wasm"));
const gz = gzipSync(wasm, { level: 9 }).length;
console.log(`wasm: ${(wasm.length / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzipped (after wasm-opt -O3)`);

// The largest example by source size.
let largest = null, size = -1;
for (const d of readdirSync(join(root, "examples"))) {
  const s = readdirSync(join(root, "examples", d)).reduce((n, f) => n + statSync(join(root, "examples", d, f)).size, 0);
  if (s > size) { size = s; largest = d; }
}
// BENCH_EXAMPLE=online-boutique measures another example.
if (process.env.BENCH_EXAMPLE) {
  largest = process.env.BENCH_EXAMPLE;
  size = readdirSync(join(root, "examples", largest)).reduce((n, f) => n + statSync(join(root, "examples", largest, f)).size, 0);
}

const port = 19000 + (process.pid % 1000);
const server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", join(root, "wasm/playground/dist")], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => window.__meshc && window.__meshc.ready);
  await page.selectOption("#examples", largest);
  // Keystrokes at the end of the open file, each timed from the edit to the redrawn output.
  const type = (n) =>
    page.evaluate(async (n) => {
      const v = window.__meshc.view;
      const out = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        v.dispatch({ changes: { from: v.state.doc.length, insert: i % 2 ? "\n" : " " } });
        await null; // the update runs in the microtask the editor queued
        out.push(performance.now() - t0);
      }
      return out;
    }, n);
  const stats = (times) => {
    const s = [...times].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
    return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
  };
  // Typing at once: the engine still runs most of the module on its baseline tier (the page
  // warms it in idle time, and a test that types at once leaves it none).
  const cold = (await type(60)).slice(10);
  // Typing once the page has warmed the engine (about a second after it loads).
  const t0 = Date.now();
  await page.waitForFunction(() => window.__meshc.warm, null, { timeout: 60000 });
  const warmAfter = (Date.now() - t0) / 1000;
  const warm = await type(100);
  const objects = await page.evaluate(() => document.querySelectorAll("#object-tree button").length);
  console.log(`keystroke → output, example ${largest} (${size} bytes of msh, ${objects} objects):`);
  console.log(`  typing at once (keystrokes 11–60): ${stats(cold)}`);
  console.log(`  once the page has warmed the engine (100 keystrokes; warm ${warmAfter.toFixed(1)} s after the typing above): ${stats(warm)}`);
} finally {
  await browser.close();
  server.kill("SIGKILL");
}
