// The msh extension: starts `meshc lsp` (the executable in the `meshc.path` setting) for .msh
// files; highlighting comes from syntaxes/msh.tmLanguage.json.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("meshc").get("path") || "meshc";
  client = new LanguageClient(
    "meshc",
    "meshc",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "msh" }] },
  );
  context.subscriptions.push(client);
  return client.start().catch((e) => {
    vscode.window.showErrorMessage(`meshc lsp did not start (${command}): ${e.message}. Set meshc.path.`);
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
