"""The flip-book as one self-contained HTML file: every stage's frame as
inline SVG, a stage slider, previous/next buttons and the arrow keys.

Nothing is fetched: no network, no external script, style or font (a
Content-Security-Policy allows only this file's own script and style, by
their hashes). Model text never becomes markup: the frames are prep's SVG
(every label is text there, tests/test_injection.py) and the page's own
text is escaped; the script only shows and hides frames and sets text with
`textContent`. Without JavaScript every frame is shown, one below the other.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape

from ..language.model import Model

STYLE = """\
body{font-family:system-ui,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif;margin:0;
color:#2b2b2b;background:#fff}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 1rem;z-index:1}
h1{font-size:1.1rem;margin:0 0 .4rem}
.controls{display:flex;align-items:center;gap:.5rem;flex-wrap:wrap}
.controls input{flex:1 1 16rem;max-width:32rem}
.controls button{font:inherit;padding:.1rem .6rem}
output{font-weight:600}
main{padding:1rem}
section.frame{margin:0 0 2rem}
section.frame h2{font-size:1rem;margin:0 0 .3rem}
section.frame svg{max-width:100%;height:auto}
.hint{color:#6b6b6b;font-size:.85rem;margin:.3rem 0 0}
"""

SCRIPT = """\
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("section.frame"));
  var slider = document.getElementById("stage");
  var label = document.getElementById("label");
  var current = 1;
  function show(i) {
    current = Math.max(1, Math.min(frames.length, i));
    frames.forEach(function (f, k) { f.hidden = k !== current - 1; });
    slider.value = String(current);
    label.textContent = current + " / " + frames.length + " \\u00b7 " + frames[current - 1].getAttribute("data-label");
    document.body.setAttribute("data-current", String(current));
  }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }  // the slider steps itself
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    else if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    else if (e.key === "Home") { show(1); e.preventDefault(); }
    else if (e.key === "End") { show(frames.length); e.preventDefault(); }
  });
  show(1);
})();
"""

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Graphviz writes an id as a tag's first attribute (`<g id="node1"`); text
# content never holds '<' (escaped), so this finds ids only
_ID = re.compile(r'<([A-Za-z]+) id="')


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_svg(svg: bytes, prefix: str) -> str:
    """prep's SVG, ready to sit in an HTML page: without the XML prolog and
    comments, every id prefixed (several frames on one page)."""
    text = _PROLOG.sub("", svg.decode("utf-8"), count=1)
    text = _COMMENT.sub("", text)
    return _ID.sub(lambda m: f'<{m.group(1)} id="{prefix}', text)


def flipbook_html(model: Model, frames: list, font_css: str = "") -> bytes:
    """The page: `frames` is [(stage, frame title, SVG bytes)] in stage order
    (SVGs without their own font); `font_css`: the @font-face rule of the
    font subset every frame draws with, carried once for the page."""
    title = model.title or (model.path.rsplit("/", 1)[-1] if model.path else "model")
    n = len(frames)
    style = STYLE + font_css
    policy = (f"default-src 'none'; script-src {_hash(SCRIPT)}; style-src {_hash(style)}; img-src data:; "
              "font-src data:; base-uri 'none'; form-action 'none'")
    out = ["<!DOCTYPE html>", "<html>", "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<link rel="icon" href="data:,">',  # no favicon request
           f"<title>{escape(title)} — flip-book</title>", f"<style>{style}</style>", "</head>", "<body>",
           "<header>", f"<h1>{escape(title)}</h1>", '<div class="controls">',
           '<button type="button" id="prev" aria-label="previous stage">&#9664;</button>',
           f'<input type="range" id="stage" min="1" max="{n}" value="1" step="1" aria-label="stage">',
           '<button type="button" id="next" aria-label="next stage">&#9654;</button>',
           f'<output id="label" for="stage">{n} stages</output>', "</div>",
           '<p class="hint">The slider, the buttons or the arrow keys (&larr; &rarr;) step through the stages; '
           "every deliverable keeps its place.</p>", "</header>", "<main>"]
    for k, (stage, frame_title, svg) in enumerate(frames, 1):
        label = " ".join((stage.label or stage.name).split())
        out.append(f'<section class="frame" id="frame-{k}" data-stage="{escape(stage.name)}" '
                   f'data-label="{escape(label)}" aria-label="{escape(frame_title)}">')
        out.append(f"<h2>{k} / {n} · {escape(frame_title)}</h2>")
        out.append(inline_svg(svg, f"f{k}-"))
        out.append("</section>")
    out += ["</main>", f"<script>{SCRIPT}</script>", "</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")
