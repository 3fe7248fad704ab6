// Parse Mermaid files with the real Mermaid parser (in Node, over jsdom):
//   node tests/mermaid/check.mjs FILE.mmd...   (exit 1 if any fails)
// Needs `npm install mermaid jsdom` in tests/mermaid/ (or NODE_PATH); see
// tests/test_mermaid_real.py, an opt-in test.
import { JSDOM } from 'jsdom';
import fs from 'fs';
const dom = new JSDOM('<!DOCTYPE html><body></body>');
global.window = dom.window; global.document = dom.window.document;
global.DOMParser = dom.window.DOMParser; global.Element = dom.window.Element;
const mermaid = (await import('mermaid')).default;
mermaid.initialize({ startOnLoad: false });
let bad = 0;
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, 'utf8');
  try { const r = await mermaid.parse(text); console.log('ok', f, r && r.diagramType); }
  catch (e) { bad++; console.log('FAIL', f, String(e.message || e).slice(0, 300)); }
}
process.exit(bad ? 1 : 0);
