// node --test test/: the built bundle (dist/extension.js) activates inside a
// stand-in for the `vscode` module. Without VS Code here, this checks what can
// be checked outside it: the bundle loads, registers its commands, and with no
// prep executable it shows the not-found message instead of failing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const Module = require("node:module");

const BUNDLE = path.join(__dirname, "..", "dist", "extension.js");

function fakeVscode(settings, events) {
  const any = () => new Proxy(function () {}, {
    get: (target, key) => (key === "prototype" ? {} : any()),
    construct: () => ({}),
    apply: () => undefined,
  });
  const base = {
    window: {
      createOutputChannel: (name) => ({ name, appendLine: (l) => events.output.push(l), show() {}, dispose() {} }),
      showErrorMessage: async (message, ...items) => { events.errors.push({ message, items }); return undefined; },
    },
    commands: {
      registerCommand: (id) => { events.commands.push(id); return { dispose() {} }; },
      executeCommand: async () => undefined,
    },
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: () => ({ get: (key, dflt) => (key in settings ? settings[key] : dflt) }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
      createFileSystemWatcher: (glob) => { (events.watchers || []).push(glob); return { dispose() {} }; },
    },
  };
  return new Proxy(base, { get: (t, k) => (k in t ? t[k] : any()) });
}

test("the bundle activates and reports a missing prep executable", { skip: !fs.existsSync(BUNDLE) && "run npm run build first" }, async () => {
  const events = { output: [], errors: [], commands: [] };
  const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prep-vscode-")), "bin", "prep");
  const vscode = fakeVscode({ path: missing }, events);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };
  try {
    const ext = require(BUNDLE);
    const subscriptions = [];
    await ext.activate({ subscriptions });
    assert.deepEqual(events.commands.sort(), ["prep.restartServer", "prep.showOutput"]);
    assert.equal(events.errors.length, 1);
    assert.match(events.errors[0].message, /cannot start the language server: ".*bin.prep" does not exist/);
    assert.deepEqual(events.errors[0].items, ["Open Settings", "Show Output"]);
    assert.ok(events.output.some((l) => l.includes("tried: ")));
    await ext.deactivate();
  } finally {
    Module._resolveFilename = resolve;
    delete require.cache.vscode;
  }
});

test("the client tells the server of model and configuration files changed on disk", { skip: !fs.existsSync(BUNDLE) && "run npm run build first" }, async () => {
  // a part of a workspace that a teammate changed (git pull) changes the
  // findings of the open files: the watcher must cover *.prep, not only prep.toml
  const events = { output: [], errors: [], commands: [], watchers: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prep-vscode-"));
  const prep = path.join(dir, "prep");
  fs.writeFileSync(prep, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const vscode = fakeVscode({ path: prep }, events);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };
  delete require.cache[require.resolve(BUNDLE)];
  try {
    const ext = require(BUNDLE);
    try {
      await ext.activate({ subscriptions: [] });  // the stand-in cannot run a real client: only the watchers count
    } catch (e) {
      // the language client checks the VS Code version, which the stand-in has not
    }
    assert.deepEqual(events.watchers, ["**/{prep.toml,pyproject.toml,*.prep}"]);
    try { await ext.deactivate(); } catch (e) { /* nothing started */ }
  } finally {
    Module._resolveFilename = resolve;
    delete require.cache.vscode;
  }
});
