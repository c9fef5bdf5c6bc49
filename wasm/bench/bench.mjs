// Benchmark of the WebAssembly build (not a test: it reports, it does not judge):
//  - the size of the .wasm after wasm-opt, raw and gzipped;
//  - the time from a keystroke to updated output in the playground for the largest example
//    (the edit is dispatched to the editor; the time runs until the diagnostics, objects and
//    graph are redrawn), in headless Chromium.
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
  const times = await page.evaluate(async () => {
    const v = window.__meshc.view;
    const out = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      v.dispatch({ changes: { from: v.state.doc.length, insert: i % 2 ? "\n" : " " } });
      await null; // the update runs in the microtask the editor queued
      out.push(performance.now() - t0);
    }
    return out;
  });
  const warm = times.slice(10).sort((a, b) => a - b);
  const q = (p) => warm[Math.min(warm.length - 1, Math.floor(p * warm.length))].toFixed(1);
  // The engine runs the module on a baseline tier first and optimizes the functions that run
  // a lot in the background: the last keystrokes show the time once it has.
  const late = times.slice(30).sort((a, b) => a - b);
  const lq = (p) => late[Math.min(late.length - 1, Math.floor(p * late.length))].toFixed(1);
  const objects = await page.evaluate(() => document.querySelectorAll("#object-tree button").length);
  console.log(`keystroke → output, example ${largest} (${size} bytes of msh, ${objects} objects): median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${warm[warm.length - 1].toFixed(1)} ms; the last 30: median ${lq(0.5)} ms, p95 ${lq(0.95)} ms`);
} finally {
  await browser.close();
  server.kill("SIGKILL");
}
