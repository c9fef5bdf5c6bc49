// The TextMate grammar, run by the engine VS Code uses (vscode-textmate + Oniguruma), on msh:
// each kind of token gets its scope.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

async function grammar() {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(readFileSync(join(__dirname, "../syntaxes/msh.tmLanguage.json"), "utf8"), "msh.tmLanguage.json"),
  });
  return registry.loadGrammar("source.msh");
}

/** The scopes of every token of `text`, as [token text, innermost scope]. */
async function tokens(text) {
  const g = await grammar();
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of text.split("\n")) {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex);
      if (s.trim()) out.push([s.trim(), t.scopes[t.scopes.length - 1]]);
    }
    stack = r.ruleStack;
  }
  return out;
}

test("every kind of msh token gets its scope", async () => {
  const src = [
    'package shop',
    'import "mesh"',
    '// a comment',
    'service cart {',
    '\timage:    "ghcr.io/acme/cart:\\(tag)" // trailing',
    '\tport?:    8080',
    '\tcpu:      500m',
    '\tmode:     *"a" | "b"',
    '\tpublic:   true',
    '\tversions: [N=string]: #ServiceVersion & {weight: >=0 & <=100}',
    '}',
    'r: [for x in l if x > 1 {x}]',
  ].join("\n");
  const t = await tokens(src);
  const scope = (text) => t.find(([s]) => s === text)?.[1];
  assert.equal(scope("package"), "keyword.control.msh");
  assert.equal(scope("// a comment"), "comment.line.double-slash.msh");
  assert.equal(scope("service"), "keyword.declaration.msh");
  assert.equal(scope("cart"), "entity.name.type.service.msh");
  assert.equal(scope("image"), "variable.other.property.msh");
  assert.equal(scope("\\("), "punctuation.section.interpolation.begin.msh");
  assert.equal(scope("tag"), "variable.other.msh");
  assert.equal(scope("// trailing"), "comment.line.double-slash.msh");
  assert.equal(scope("?"), "keyword.operator.optional.msh");
  assert.equal(scope("8080"), "constant.numeric.msh");
  assert.equal(scope("500m"), "constant.numeric.msh");
  assert.equal(scope("true"), "constant.language.msh");
  assert.equal(scope("#ServiceVersion"), "entity.name.type.definition.msh");
  assert.equal(scope("string"), "support.type.msh");
  assert.equal(scope("for"), "keyword.control.msh");
  assert.equal(scope("|"), "keyword.operator.msh");
});
