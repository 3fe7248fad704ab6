// @ts-check
// The VS Code side of prep: starts `prep lsp` (the language server of the
// prep Python package) over stdio for .prep files. Everything the editor
// shows beyond highlighting (diagnostics, hover, definitions, references,
// rename, completion, formatting, quick fixes) comes from that server.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");
const { resolveServer, serverArgs, notFoundMessage, startFailedMessage } = require("./server-command");

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel} */
let output;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("prep");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("prep.restartServer", restart),
    vscode.commands.registerCommand("prep.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("prep.path") || e.affectsConfiguration("prep.args")) restart();
    }),
    { dispose: () => void stop() },
  );
  await start();
}

async function start() {
  const config = vscode.workspace.getConfiguration("prep");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const setting = config.get("path", "prep");
  const resolved = resolveServer(setting, { workspaceFolder: folder });
  if (!resolved.path) {
    const message = notFoundMessage(resolved);
    output.appendLine(message);
    output.appendLine(`tried: ${resolved.tried.join(", ") || "(PATH is empty)"}`);
    offerHelp(message);
    return;
  }
  const args = serverArgs(config.get("args", []));
  output.appendLine(`starting ${[resolved.path, ...args].join(" ")}`);
  // no `transport`: the client then talks over the process's stdin/stdout and
  // runs exactly `prep lsp [prep.args]` (TransportKind.stdio would append --stdio)
  const serverOptions = { command: resolved.path, args, options: folder ? { cwd: folder } : {} };
  /** @type {import("vscode-languageclient/node").LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "prep" },
      { scheme: "untitled", language: "prep" },
    ],
    outputChannel: output,
    synchronize: {
      // lint settings live in prep.toml / pyproject.toml: the server re-reads
      // them; and a model file that changes on disk (a teammate's part pulled,
      // a new file a glob includes) changes the findings of the open files of
      // its workspace: the server finds the roots again and re-checks them
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{prep.toml,pyproject.toml,*.prep}"),
    },
  };
  // the id "prep" makes the trace setting prep.trace.server
  client = new LanguageClient("prep", "prep language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = startFailedMessage(resolved.path, args, error);
    output.appendLine(message);
    offerHelp(message);
    client = undefined;
  }
}

/** @param {string} message */
async function offerHelp(message) {
  const choice = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output");
  if (choice === "Open Settings") vscode.commands.executeCommand("workbench.action.openSettings", "prep.path");
  else if (choice === "Show Output") output.show(true);
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // a server that already exited has nothing to stop
    }
  }
}

async function restart() {
  await stop();
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
