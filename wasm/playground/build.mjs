// Builds the playground into dist/: the examples (read from ../../examples), the bundle
// (esbuild) and the WebAssembly package (../pkg, built by scripts/build-wasm).
import { readdirSync, readFileSync, writeFileSync, mkdirSync, cpSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { marked } from "marked";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const examples = {};
for (const dir of readdirSync(join(root, "examples")).sort()) {
  const files = {};
  for (const f of readdirSync(join(root, "examples", dir)).sort()) {
    if (f.endsWith(".msh")) files[f] = readFileSync(join(root, "examples", dir, f), "utf8");
  }
  examples[dir] = files;
}
// The talk's service first: it is the page's default.
const ordered = Object.fromEntries(Object.entries(examples).sort(([a], [b]) => (a === "echo" ? -1 : b === "echo" ? 1 : a.localeCompare(b))));
writeFileSync(join(here, "src/examples.json"), JSON.stringify(ordered, null, 1));

const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
buildSync({
  entryPoints: [join(here, "src/main.js")],
  bundle: true,
  format: "esm",
  minify: true,
  outfile: join(dist, "app.js"),
  external: ["../pkg/meshc_wasm.js"],
  logLevel: "warning",
});
// The bundle imports ../pkg/meshc_wasm.js relative to src/; in dist it is ./pkg/.
const app = readFileSync(join(dist, "app.js"), "utf8").replaceAll("../pkg/meshc_wasm.js", "./pkg/meshc_wasm.js");
writeFileSync(join(dist, "app.js"), app);
// The page needs the browser build only, not the package's Node build (node/).
cpSync(join(here, "../pkg"), join(dist, "pkg"), { recursive: true, filter: (src) => !src.startsWith(join(here, "../pkg/node")) });
for (const f of ["index.html", "style.css"]) cpSync(join(here, f), join(dist, f));
// The project's documentation as pages (the header's Docs link), links between them kept.
mkdirSync(join(dist, "docs"), { recursive: true });
for (const f of readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort()) {
  const md = readFileSync(join(root, "docs", f), "utf8");
  const title = (md.match(/^# (.+)$/m) || [, f])[1];
  const body = marked.parse(md).replace(/href="([^":]+)\.md(#[^"]*)?"/g, 'href="$1.html$2"');
  const page = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — meshc</title><style>body{font:15px/1.55 system-ui,sans-serif;max-width:900px;margin:0 auto;padding:16px;color:#1d2330}
pre,code{font:13px ui-monospace,monospace;background:#f3f5f8}pre{padding:8px;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #d9dde3;padding:3px 6px;vertical-align:top}</style></head>
<body><nav><a href="../index.html">playground</a> · ${readdirSync(join(root, "docs")).filter((d) => d.endsWith(".md")).sort().map((d) => `<a href="${d.replace(/\.md$/, ".html")}">${d.replace(/\.md$/, "")}</a>`).join(" · ")}</nav>
${body}</body></html>\n`;
  writeFileSync(join(dist, "docs", f.replace(/\.md$/, ".html")), page);
}
console.log(`playground built in ${dist}`);
