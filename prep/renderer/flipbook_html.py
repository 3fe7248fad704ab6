"""The flip-book as one self-contained HTML file: every stage's frame as
inline SVG, a stage slider, previous/next buttons and the arrow keys, and
the viewer's pan and zoom (prep/embed/viewer_assets/panzoom.js: drag, wheel,
pinch, + - 0 1), which keeps its view from stage to stage. A frame starts
as every prep page opens a picture, at its readable start (panzoom.js
`start()`: fitted to the window when its box labels are then 11 px or
larger on screen, else zoomed in to that size at the start of the
process; Fit shows the whole). The title is shown once, in the header.

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

from .._words import japanese, say
from .._words import pages as said_pages
from ..language.model import Model

STYLE = """\
*{box-sizing:border-box}
body{font-family:system-ui,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif;margin:0;
color:#2b2b2b;background:#fff}
header{position:sticky;top:0;background:#f7f7f7;border-bottom:1px solid #ccc;padding:.4rem .8rem;z-index:1;
display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
h1{font-size:1rem;margin:0;font-weight:600}
.controls{display:flex;align-items:center;gap:.5rem;flex:1 1 28rem;flex-wrap:wrap}
.controls input{flex:1 1 12rem;max-width:28rem}
button{font:inherit;padding:.1rem .6rem}
output{font-weight:600}
.hint{color:#6b6b6b;font-size:.8rem;margin:0;flex-basis:100%}
main{padding:1rem}
section.frame{margin:0 0 2rem}
section.frame h2{font-size:1rem;margin:0 0 .3rem}
section.frame svg{max-width:100%;height:auto}
.js-only{display:none}
/* with the script: one frame at a time in a canvas that pans and zooms (panzoom.js, as the viewer) */
html.js,html.js body{height:100%}
html.js body{display:flex;flex-direction:column}
html.js .js-only{display:revert}
html.js .no-js{display:none}
html.js main{flex:1;min-height:0;padding:0;position:relative;overflow:hidden;touch-action:none;cursor:grab;outline:none}
html.js main:focus-visible{box-shadow:inset 0 0 0 2px #1a73e8}
html.js main.prep-dragging{cursor:grabbing}
html.js section.frame{position:absolute;inset:0;margin:0}
html.js section.frame[hidden]{display:none}
html.js section.frame h2{display:none}
html.js section.frame svg{position:absolute;inset:0;width:100%;height:100%;max-width:none;display:block}
/* the title is in the header once: not again in the picture */
html.js section.frame svg>g.graph>text{display:none}
"""

SCRIPT = """\
(function () {
  "use strict";
  document.documentElement.className = "js";
  var frames = Array.prototype.slice.call(document.querySelectorAll("section.frame"));
  var slider = document.getElementById("stage");
  var label = document.getElementById("label");
  var canvas = document.getElementById("canvas");
  var pz = prepPanZoom(canvas, {});
  var pictures = frames.map(function (f) {
    var svg = f.querySelector("svg");
    var vb = svg.viewBox.baseVal;
    var full = {x: vb.x, y: vb.y, w: vb.width, h: vb.height};
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    return {svg: svg, full: full};
  });
  var current = 1;
  function show(i) {
    current = Math.max(1, Math.min(frames.length, i));
    frames.forEach(function (f, k) { f.hidden = k !== current - 1; });
    pz.show(pictures[current - 1].svg, pictures[current - 1].full);  // the same view: every frame shares one layout
    slider.value = String(current);
    label.textContent = current + " / " + frames.length + " \\u00b7 " + frames[current - 1].getAttribute("data-label");
    document.body.setAttribute("data-current", String(current));
  }
  function start() { pz.start(); }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("fit").addEventListener("click", function () { pz.fit(); });
  document.getElementById("start").addEventListener("click", start);
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }  // the slider steps itself
    var done = true;
    if ((e.key === "ArrowLeft" && !e.shiftKey) || e.key === "PageUp") { show(current - 1); }
    else if ((e.key === "ArrowRight" && !e.shiftKey) || e.key === "PageDown") { show(current + 1); }
    else if (e.key === "Home") { show(1); }
    else if (e.key === "End") { show(frames.length); }
    else if (e.key === "1") { start(); }
    else { done = pz.key(e, true); }
    if (done) { e.preventDefault(); }
  });
  show(1);
  start();
  window.prepFlipbook = {show: show, fit: pz.fit, start: start, zoomAt: pz.zoomAt,
                         view: function () { var v = pz.state.view; return v && {x: v.x, y: v.y, w: v.w, h: v.h}; }};
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


# the page's words (as HTML: the English hint's arrows are character references)
FLIP_HINT = ("&larr; &rarr; or PageUp/PageDown: stage · drag: pan · wheel/pinch: zoom · + &minus; 0 1 · "
             "Shift+arrows: pan")
CANVAS_LABEL = "The stage's picture: drag to pan, wheel to zoom"


def flipbook_html(model: Model, frames: list, font_css: str = "") -> bytes:
    """The page: `frames` is [(stage, frame title, SVG bytes, page)] in
    stage order (SVGs without their own font; page: the model's page the
    frame shows, 0 when it fits one); `font_css`: the @font-face rule of the
    font subset every frame draws with, carried once for the page."""
    title = model.title or (model.path.rsplit("/", 1)[-1] if model.path else "model")
    n = len(frames)
    stages = len({stage.name for stage, *_ in frames})
    # a model over several pages has a frame per stage and page: the count
    # and each frame's label say so ("9 frames", "Stage 2: Adopt (p. 2)")
    if japanese():
        counted = f"{n} ステージ" if n == stages else f"{n} 枚: {stages} ステージをページに分けて"
    else:
        counted = f"{n} stages" if n == stages else f"{n} frames: {stages} stages over pages"
    style = STYLE + font_css
    script = _script()
    policy = (f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(style)}; img-src data:; "
              "font-src data:; base-uri 'none'; form-action 'none'")
    out = ["<!DOCTYPE html>", "<html>", "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<link rel="icon" href="data:,">',  # no favicon request
           f"<title>{escape(title)} — {say('flip-book')}</title>", f"<style>{style}</style>", "</head>", "<body>",
           "<header>", f"<h1>{escape(title)}</h1>", '<div class="controls">',
           f'<button type="button" id="prev" aria-label="{say("previous stage")}">&#9664;</button>',
           f'<input type="range" id="stage" min="1" max="{n}" value="1" step="1" aria-label="{say("stage")}">',
           f'<button type="button" id="next" aria-label="{say("next stage")}">&#9654;</button>',
           f'<output id="label" for="stage">{escape(counted)}</output>',
           f'<button type="button" id="fit" class="js-only" title="{say("Fit the picture (0)")}">{say("Fit")}</button>',
           f'<button type="button" id="start" class="js-only" title="{say("Back to the readable start (1)")}">'
           f'{say("Start")}</button>',
           "</div>",
           f'<p class="hint js-only">{say(FLIP_HINT)}</p>',
           f'<p class="hint no-js">{say("Every stage below, one after the other; every deliverable keeps its place.")}'
           "</p>",
           "</header>", '<main id="canvas" tabindex="0" role="application" '
           f'aria-label="{say(CANVAS_LABEL)}">']   # (a constant: no double quote in either language)
    for k, (stage, frame_title, svg, page) in enumerate(frames, 1):
        label = " ".join((stage.label or stage.name).split()) + (f" ({said_pages([page])})" if page else "")
        out.append(f'<section class="frame" id="frame-{k}" data-stage="{escape(stage.name)}" '
                   f'data-label="{escape(label)}" aria-label="{escape(frame_title)}">')
        # without the script, frames are listed: each says which stage it is
        out.append(f"<h2>{k} / {n} · {escape(label)}</h2>")
        out.append(inline_svg(svg, f"f{k}-"))
        out.append("</section>")
    out += ["</main>", f"<script>{script}</script>", "</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _script() -> str:
    """The page's script: the viewer's pan and zoom (panzoom.js), then the
    flip-book's own."""
    from importlib import resources

    shared = resources.files("prep.embed").joinpath("viewer_assets", "panzoom.js").read_text(encoding="utf-8")
    return shared + "\n" + SCRIPT
