// Renders a .prep file, highlighted by syntaxes/prep.tmLanguage.json, as an
// HTML page that looks like a VS Code editor (Dark+ colours). This is how the
// picture in docs/editors.md is made on a machine without VS Code: the same
// tokenizer (vscode-textmate + Oniguruma) and the same theme-matching rules,
// drawn by a browser instead of the editor.
//
//   node scripts/highlight-html.mjs FILE.prep OUT.html [--cjk-font FILE.otf]
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { loadGrammar } from "./tokenize.mjs";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");

// The colours VS Code's Dark+ theme gives these scopes.
export const DARK_PLUS = {
  name: "Dark+ (colours for the scopes this grammar uses)",
  settings: [
    { settings: { foreground: "#D4D4D4", background: "#1E1E1E" } },
    { scope: "comment", settings: { foreground: "#6A9955" } },
    { scope: "string", settings: { foreground: "#CE9178" } },
    { scope: "constant.character.escape", settings: { foreground: "#D7BA7D" } },
    { scope: "keyword", settings: { foreground: "#569CD6" } },
    { scope: "keyword.control", settings: { foreground: "#C586C0" } },
    { scope: "keyword.operator", settings: { foreground: "#D4D4D4" } },
    { scope: "variable", settings: { foreground: "#9CDCFE" } },
    { scope: "support.type.property-name", settings: { foreground: "#9CDCFE" } },
    { scope: "entity.name.type", settings: { foreground: "#4EC9B0" } },
    { scope: "invalid", settings: { foreground: "#F44747" } },
  ],
};

const FOREGROUND_MASK = 0b00000000111111111000000000000000;
const FOREGROUND_OFFSET = 15;
const FONT_STYLE_MASK = 0b00000000000000000111100000000000;
const FONT_STYLE_OFFSET = 11;

const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function highlight(text, fileName, cjkFont) {
  const { registry, grammar } = await loadGrammar(DARK_PLUS);
  const colors = registry.getColorMap();
  const lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
  let state = vsctm.INITIAL;
  const rows = lines.map((line, n) => {
    const r = grammar.tokenizeLine2(line, state);
    state = r.ruleStack;
    const spans = [];
    for (let i = 0; i < r.tokens.length; i += 2) {
      const start = r.tokens[i];
      const end = i + 2 < r.tokens.length ? r.tokens[i + 2] : line.length;
      const meta = r.tokens[i + 1];
      const color = colors[(meta & FOREGROUND_MASK) >>> FOREGROUND_OFFSET];
      const style = (meta & FONT_STYLE_MASK) >>> FONT_STYLE_OFFSET;
      const css = [`color:${color}`];
      if (style & 1) css.push("font-style:italic");
      if (style & 2) css.push("font-weight:bold");
      spans.push(`<span style="${css.join(";")}">${escapeHtml(line.slice(start, end))}</span>`);
    }
    return `<div class="row"><span class="ln">${n + 1}</span><span class="code">${spans.join("")}</span></div>`;
  });
  const fontFace = cjkFont
    ? `@font-face { font-family: "PrepCJK"; src: url("${pathToFileURL(cjkFont).href}") format("opentype"); }`
    : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
${fontFace}
html, body { margin: 0; background: #1E1E1E; }
.tabs { background: #252526; height: 35px; display: flex; font: 13px "DejaVu Sans", sans-serif; }
.tab { background: #1E1E1E; color: #FFFFFF; padding: 0 16px; line-height: 35px; border-top: 1px solid #0078D4; }
.tab .icon { color: #569CD6; margin-right: 6px; }
.editor { padding: 6px 0 10px; font: 14px/20px "DejaVu Sans Mono", "PrepCJK", monospace; color: #D4D4D4;
          white-space: pre; }
.ln { display: inline-block; width: 48px; padding-right: 22px; text-align: right; color: #6E7681; }
.status { background: #007ACC; color: #FFFFFF; font: 12px/22px "DejaVu Sans", sans-serif; padding: 0 10px;
          display: flex; justify-content: space-between; }
</style></head><body>
<div class="tabs"><div class="tab"><span class="icon">#</span>${escapeHtml(fileName)}</div></div>
<div class="editor">${rows.join("")}</div>
<div class="status"><span>highlighting: editors/vscode/syntaxes/prep.tmLanguage.json (vscode-textmate, Dark+ colours)</span><span>PReP</span></div>
</body></html>
`;
}

async function main() {
  const [src, out, ...rest] = process.argv.slice(2);
  if (!src || !out) {
    console.error("usage: node scripts/highlight-html.mjs FILE.prep OUT.html [--cjk-font FILE.otf]");
    process.exit(2);
  }
  const i = rest.indexOf("--cjk-font");
  const font = i >= 0 ? rest[i + 1] : null;
  const text = readFileSync(src, "utf-8").replace(/^\ufeff/, "");
  writeFileSync(out, await highlight(text, basename(src), font));
  console.log(`${out}: ${text.split("\n").length} lines`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
