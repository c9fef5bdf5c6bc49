// @meshc/wasm for Node: the Node build of the module (node/meshc_wasm.js, CommonJS) reads the
// .wasm from disk when it is loaded, so `init()` and `initSync()` have nothing left to do; they
// exist so that the same code runs in Node and in the browser.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const wasm = require("./meshc_wasm.js");

/** Compiles a package: `files` maps paths to their text. See meshc_wasm.d.ts. */
export const compile = wasm.compile;
/** `compile` for a page that redraws on every keystroke: the YAML of one object only. */
export const compileView = wasm.compileView;
/** Explains a field of a generated object (`meshc explain`). */
export const explain = wasm.explain;
/** Runs the guardrails on manifests (`meshc vet`). */
export const vet = wasm.vet;
/** Formats a file in the canonical layout (`meshc fmt`). */
export const format = wasm.format;
/** The version of meshc. */
export const version = wasm.version;

/** Resolves when the module is ready: in Node it is ready once imported. */
export default async function init() {
  return wasm;
}

/** The module, ready: in Node it is ready once imported. */
export function initSync() {
  return wasm;
}
