// Tokenizes .prep text with syntaxes/prep.tmLanguage.json through the same
// engine VS Code uses (vscode-textmate on the Oniguruma WebAssembly build).
//
//   node scripts/tokenize.mjs FILE...     JSON on stdout: {FILE: [[[start, end, [scopes]], ...] per line]}
//   node scripts/tokenize.mjs --probe     reads {"patterns": {...}, "subjects": [...]} on stdin and answers
//                                         which subjects each grammar pattern matches whole
//   node scripts/tokenize.mjs --bench RUNS FILE   JSON: lines, tokens and the seconds of each whole-file
//                                         tokenization (grammar loaded once, outside the timing)
// Offsets are UTF-16 code units, as in VS Code (and LSP).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const EXT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const GRAMMAR_PATH = join(EXT, "syntaxes", "prep.tmLanguage.json");

let onigReady = null;
function onig() {
  if (!onigReady) {
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
    onigReady = oniguruma.loadWASM(wasm).then(() => ({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
  }
  return onigReady;
}

export async function loadGrammar(theme) {
  const registry = new vsctm.Registry({
    onigLib: onig(),
    loadGrammar: async (scopeName) =>
      scopeName === "source.prep"
        ? vsctm.parseRawGrammar(readFileSync(GRAMMAR_PATH, "utf-8"), GRAMMAR_PATH)
        : null,
    theme,
  });
  const grammar = await registry.loadGrammar("source.prep");
  return { registry, grammar };
}

export function tokenizeText(grammar, text) {
  let state = vsctm.INITIAL;
  const lines = [];
  for (const line of text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    lines.push(r.tokens.map((t) => [t.startIndex, Math.min(t.endIndex, line.length), t.scopes]));
    state = r.ruleStack;
  }
  return lines;
}

async function probe() {
  // Does Oniguruma match each subject whole with each pattern? Used by the
  // Python test to compare the grammar's NAME/STRING with prep.lark's.
  const { patterns, subjects } = JSON.parse(readFileSync(0, "utf-8"));
  const lib = await onig();
  const out = {};
  for (const [key, source] of Object.entries(patterns)) {
    const scanner = lib.createOnigScanner([`\\G(?:${source})`]);
    out[key] = subjects.map((s) => {
      const m = scanner.findNextMatchSync(lib.createOnigString(s), 0);
      return m !== null && m.captureIndices[0].end === s.length;
    });
  }
  process.stdout.write(JSON.stringify(out));
}

async function bench(runs, file) {
  // what VS Code does when it opens the file: every line through the grammar, in order
  const { grammar } = await loadGrammar();
  const text = readFileSync(file, "utf-8");
  const seconds = [];
  let tokens = 0;
  let lines = 0;
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    const out = tokenizeText(grammar, text);
    seconds.push(Number(process.hrtime.bigint() - t) / 1e9);
    lines = out.length;
    tokens = out.reduce((n, line) => n + line.length, 0);
  }
  process.stdout.write(JSON.stringify({ lines, tokens, seconds }));
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--probe") return probe();
  if (args[0] === "--bench") return bench(Number(args[1]), args[2]);
  const { grammar } = await loadGrammar();
  const out = {};
  for (const file of args) out[file] = tokenizeText(grammar, readFileSync(file, "utf-8").replace(/^\ufeff/, ""));
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
