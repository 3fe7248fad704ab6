// node --test test/: the executable lookup and the messages of the client.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { resolveServer, serverArgs, notFoundMessage, startFailedMessage } = require("../src/server-command");

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "prep-vscode-"));
}

function executable(dir, name, mode = 0o755) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, "#!/bin/sh\nexit 0\n");
  fs.chmodSync(p, mode);
  return p;
}

test("a bare name is looked up on PATH, first match wins", () => {
  const a = tempDir(), b = tempDir();
  const want = executable(b, "prep");
  const r = resolveServer("prep", { env: { PATH: [a, b].join(path.delimiter) }, platform: "linux" });
  assert.equal(r.path, want);
  assert.deepEqual(r.tried, [path.join(a, "prep"), want]);
});

test("a file that is not executable does not count", () => {
  const dir = tempDir();
  executable(dir, "prep", 0o644);
  const r = resolveServer("prep", { env: { PATH: dir }, platform: "linux" });
  assert.equal(r.path, null);
  assert.match(notFoundMessage(r), /"prep" was not found on PATH/);
});

test("not found on PATH: the message names the setting and how to install", () => {
  const r = resolveServer("prep", { env: { PATH: tempDir() }, platform: "linux" });
  assert.equal(r.path, null);
  const message = notFoundMessage(r);
  assert.match(message, /cannot start the language server/);
  assert.match(message, /pip install 'prep\[lsp\]'/);
  assert.match(message, /"prep\.path"/);
});

test("a relative path is taken from the workspace folder; ${workspaceFolder} is expanded", () => {
  const ws = tempDir();
  fs.mkdirSync(path.join(ws, ".venv", "bin"), { recursive: true });
  const want = executable(path.join(ws, ".venv", "bin"), "prep");
  assert.equal(resolveServer(".venv/bin/prep", { env: { PATH: "" }, workspaceFolder: ws, platform: "linux" }).path, want);
  assert.equal(resolveServer("${workspaceFolder}/.venv/bin/prep", { env: {}, workspaceFolder: ws, platform: "linux" }).path, want);
});

test("a path that does not exist, and one that is a folder, say so", () => {
  const ws = tempDir();
  const missing = resolveServer(path.join(ws, "nope", "prep"), { env: {}, platform: "linux" });
  assert.equal(missing.path, null);
  assert.match(notFoundMessage(missing), /nope.prep" does not exist/);
  const folder = resolveServer(ws, { env: {}, platform: "linux" });
  assert.equal(folder.path, null);
  assert.match(notFoundMessage(folder), /is not an executable file/);
});

test("on Windows PATHEXT extensions are tried", () => {
  const dir = tempDir();
  const want = path.join(dir, "prep.EXE");
  fs.writeFileSync(want, "");
  const r = resolveServer("prep", { env: { PATH: dir, PATHEXT: ".COM;.EXE" }, platform: "win32" });
  assert.equal(r.path, want);
});

test("server arguments: lsp, then prep.args", () => {
  assert.deepEqual(serverArgs(undefined), ["lsp"]);
  assert.deepEqual(serverArgs(["--log-level", "debug"]), ["lsp", "--log-level", "debug"]);
  assert.match(startFailedMessage("/x/prep", ["lsp"], new Error("exited with code 2")),
    /\/x\/prep lsp\) did not start: exited with code 2.*prep\[lsp\]/);
});
