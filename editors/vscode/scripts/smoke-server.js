// Starts the language server exactly as the extension does (the same lookup
// of prep.path, the same `prep lsp [prep.args]` over stdio) and talks to it
// the way VS Code's client opens it: initialize, open a model with a syntax
// error, wait for its diagnostics, shut down. No VS Code needed.
//
//   node scripts/smoke-server.js [PREP_PATH]      exit 0 and a JSON summary when the server answers
"use strict";
const cp = require("node:child_process");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const rpc = require("vscode-jsonrpc/node");
const { resolveServer, serverArgs, notFoundMessage } = require("../src/server-command");

async function main() {
  const resolved = resolveServer(process.argv[2] || "prep", { workspaceFolder: process.cwd() });
  if (!resolved.path) {
    console.error(notFoundMessage(resolved));
    process.exit(3);
  }
  const server = cp.spawn(resolved.path, serverArgs([]), { stdio: ["pipe", "pipe", "inherit"] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const diagnostics = new Promise((resolve) => {
    connection.onNotification("textDocument/publishDiagnostics", (p) => {
      if (p.diagnostics.length) resolve(p);
    });
  });
  // what VS Code answers when the server asks: no settings, and yes to registrations
  connection.onRequest("workspace/configuration", (p) => p.items.map(() => null));
  connection.onRequest(() => null);
  connection.listen();
  const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} in ${ms} ms`)), ms));
  const root = pathToFileURL(process.cwd()).href;
  const init = await Promise.race([connection.sendRequest("initialize", {
    processId: process.pid, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: "smoke" }],
  }), timeout(30000, "initialize answer")]);
  await connection.sendNotification("initialized", {});
  const uri = pathToFileURL(path.join(process.cwd(), "smoke.prep")).href;
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "prep", version: 1, text: "deliverable 契約書 [final\n契約書 => 承認\n" },
  });
  const published = await Promise.race([diagnostics, timeout(30000, "diagnostics for a broken model")]);
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  const code = await new Promise((resolve) => server.on("exit", resolve));
  console.log(JSON.stringify({
    server: [resolved.path, ...serverArgs([])].join(" "),
    capabilities: Object.keys(init.capabilities || {}).sort(),
    diagnostics: published.diagnostics.map((d) => ({ line: d.range.start.line, message: d.message })),
    exit: code,
  }));
  process.exit(0);
}

main().catch((e) => {
  console.error(`smoke test failed: ${e.message}`);
  process.exit(1);
});
