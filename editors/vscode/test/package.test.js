// The extension packages into a .vsix that VS Code installs: the manifest, the grammar, the
// language configuration, the client and its runtime dependency are in it.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const { join } = require("node:path");

const dir = join(__dirname, "..");

test("vsce packages the extension", () => {
  execFileSync("npx", ["vsce", "package", "--allow-missing-repository", "--out", "meshc-msh.vsix"], { cwd: dir, stdio: "pipe" });
  const listing = execFileSync("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", join(dir, "meshc-msh.vsix")], { encoding: "utf8" });
  for (const f of [
    "extension/package.json",
    "extension/extension.js",
    "extension/syntaxes/msh.tmLanguage.json",
    "extension/language-configuration.json",
    "extension/node_modules/vscode-languageclient/node.js",
  ]) {
    assert.ok(listing.includes(f), `${f} in the .vsix`);
  }
  assert.ok(!listing.includes("extension/test/"), "the tests are left out");
  assert.ok(!listing.includes("node_modules/@vscode/vsce"), "dev dependencies are left out");
});
