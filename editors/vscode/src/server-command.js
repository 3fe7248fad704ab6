// @ts-check
// Finding the `prep` executable that runs the language server. Kept free of
// the `vscode` module so it is tested with plain Node (test/server-command.test.js).
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const INSTALL_HINT = "Install prep with its language-server extra (pip install 'prep[lsp]') " +
  'or set "prep.path" to the prep of your virtual environment (for example .venv/bin/prep).';

/**
 * Where the `prep.path` setting points.
 * @param {string} setting  the value of prep.path ("prep" by default)
 * @param {{env?: NodeJS.ProcessEnv, platform?: string, workspaceFolder?: string}} [where]
 * @returns {{path: string | null, tried: string[], reason: string | null}}
 *   path: the executable, or null with the reason and every candidate tried
 */
function resolveServer(setting, where = {}) {
  const env = where.env ?? process.env;
  const platform = where.platform ?? process.platform;
  const folder = where.workspaceFolder;
  let value = (setting || "prep").trim();
  if (folder) value = value.replace(/\$\{workspaceFolder\}/g, folder);
  if (value === "~" || value.startsWith("~/") || value.startsWith("~\\")) value = path.join(os.homedir(), value.slice(1));
  const pathApi = path;  // the host's own path rules; `platform` only decides PATHEXT and the execute bit
  const extensions = platform === "win32"
    ? ["", ...(env.PATHEXT || ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)]
    : [""];

  if (/[\\/]/.test(value) || pathApi.isAbsolute(value)) {
    // a path: relative ones are taken from the first workspace folder
    const base = pathApi.isAbsolute(value) ? value : pathApi.resolve(folder || process.cwd(), value);
    const tried = extensions.map((ext) => base + ext);
    const found = tried.find((p) => isExecutable(p, platform));
    if (found) return { path: found, tried, reason: null };
    const exists = tried.some((p) => fs.existsSync(p));
    return { path: null, tried, reason: exists ? `"${base}" is not an executable file` : `"${base}" does not exist` };
  }
  const dirs = (env.PATH ?? env.Path ?? "").split(pathApi.delimiter).filter(Boolean);
  const tried = [];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = pathApi.join(dir, value + ext);
      tried.push(candidate);
      if (isExecutable(candidate, platform)) return { path: candidate, tried, reason: null };
    }
  }
  return { path: null, tried, reason: `"${value}" was not found on PATH` };
}

/** @param {string} p @param {string} platform */
function isExecutable(p, platform) {
  try {
    if (!fs.statSync(p).isFile()) return false;
    if (platform !== "win32") fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The arguments of the server process: `prep lsp` plus the prep.args setting.
 * @param {unknown} extra
 */
function serverArgs(extra) {
  return ["lsp", ...(Array.isArray(extra) ? extra.map(String) : [])];
}

/**
 * The message shown when the executable cannot be found.
 * @param {{reason: string | null}} resolved
 */
function notFoundMessage(resolved) {
  return `prep: cannot start the language server: ${resolved.reason}. ${INSTALL_HINT}`;
}

/**
 * The message shown when the executable exists but `prep lsp` did not start.
 * @param {string} command @param {string[]} args @param {unknown} error
 */
function startFailedMessage(command, args, error) {
  const detail = error instanceof Error ? error.message : String(error);
  return `prep: the language server (${[command, ...args].join(" ")}) did not start: ${detail}. ` +
    "A prep without the lsp command or without its lsp extra cannot serve: pip install -U 'prep[lsp]'. " +
    "The 'prep' output channel has the server's own message.";
}

module.exports = { resolveServer, serverArgs, notFoundMessage, startFailedMessage, INSTALL_HINT };
