"""Opt-in: prep's .drawio files opened by draw.io's own viewer in Chromium.

draw.io's viewer (viewer.min.js, the code diagrams.net embeds in web pages;
draw.io 16.6.4) ships inside the npm package docusaurus-plugin-drawio:

    cd tests/drawio && npm install --ignore-scripts && cd ../..
    python -m pytest tests/test_drawio_viewer.py

Without it the tests skip (PREP_REQUIRE_DRAWIO=1 makes them fail). The viewer
decodes each page with mxGraph's codec, as the editor does; the tests read
its graph model back: every deliverable a vertex under its own id, at the
layout's place, every relation an edge between the right vertices, and the
hostile labels drawn as text (no element, link or script made of them).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pytest

import prep
from prep.layouter.texts import wrap_line
from conftest import EXAMPLES
from prep.layouter import layout
from prep.renderer.drawio import cell_id

VIEWER = Path(__file__).resolve().parent / "drawio" / "node_modules" / "docusaurus-plugin-drawio" / "viewer.min.js"

pytestmark = pytest.mark.skipif(
    not VIEWER.is_file() and os.environ.get("PREP_REQUIRE_DRAWIO") != "1",
    reason="opt-in: draw.io's viewer (cd tests/drawio && npm install --ignore-scripts)")

# the graph model as the viewer decoded it, and what it drew
READ_BACK = """
const done = arguments[arguments.length - 1];
window.alerts = [];
window.alert = (m) => window.alerts.push(String(m));
const div = document.getElementById('d');
GraphViewer.createViewerForElement(div, function (viewer) {
  const graph = viewer.graph, model = graph.getModel(), out = {vertices: {}, edges: [], page: viewer.currentPage};
  for (const id in model.cells) {
    const c = model.cells[id];
    if (model.isVertex(c)) {
      // where the codec put it: its geometry plus its containers'
      const g = c.geometry;
      let x = g.x, y = g.y;
      for (let p = c.parent; p && model.isVertex(p); p = p.parent) { x += p.geometry.x; y += p.geometry.y; }
      out.vertices[id] = {value: String(c.value == null ? '' : c.value), parent: c.parent ? c.parent.id : null,
                          box: [x, y, g.width, g.height], drawn: graph.view.getState(c) != null};
    } else if (model.isEdge(c)) {
      out.edges.push({id: id, source: c.source ? c.source.id : null, target: c.target ? c.target.id : null,
                      value: String(c.value == null ? '' : c.value)});
    }
  }
  const svg = div.querySelector('svg');
  out.text = svg ? svg.textContent : '';
  out.tags = svg ? Array.from(new Set(Array.from(svg.querySelectorAll('*')).map(e => e.localName))) : [];
  out.links = svg ? svg.querySelectorAll('a, [href]').length : -1;
  out.alerts = window.alerts;
  done(out);
});
"""


def open_in_viewer(driver, tmp_path, data: bytes, page: int = 0) -> dict:
    config = json.dumps({"xml": data.decode("utf-8"), "page": page, "toolbar": "", "nav": False,
                         "resize": False, "lightbox": False})
    doc = tmp_path / f"viewer-{page}.html"
    doc.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                   f'<div id="d" data-mxgraph="{html.escape(config, quote=True)}"></div>'
                   f'<script src="{VIEWER.as_uri()}"></script></body></html>', encoding="utf-8")
    driver.get(doc.as_uri())
    driver.set_script_timeout(30)
    return driver.execute_async_script(READ_BACK)


def test_drawios_viewer_reads_every_box_and_relation(browser, tmp_path):
    model = prep.load(str(EXAMPLES / "cs-lifecycle.prep"))
    placed = layout(model)
    seen = open_in_viewer(browser, tmp_path, prep.render(model, "drawio", layout=placed))
    for name, box in placed.nodes.items():
        vertex = seen["vertices"][cell_id(name)]
        assert vertex["box"] == pytest.approx([box.left, box.top, box.width, box.height], abs=0.01), name
        assert vertex["drawn"], name
    assert [(e["source"], e["target"]) for e in seen["edges"]] == [(r.source, r.target) for r in model.relations]
    assert "契約書" in seen["text"] and "調整に1-2週間" in seen["text"]
    assert seen["vertices"]["prep:group:cs"]["value"] == model.groups["cs"].display


def test_drawios_viewer_pages_of_a_flipbook(browser, tmp_path):
    model = prep.load(str(EXAMPLES / "cs-lifecycle.prep"))
    book = prep.flipbook(model, "drawio")
    last = open_in_viewer(browser, tmp_path, book, page=3)
    assert last["page"] == 3 and "prep:exit:更新契約" in last["vertices"]
    first = open_in_viewer(browser, tmp_path, book, page=0)
    assert len(first["vertices"]) < len(last["vertices"])


def test_drawios_viewer_shows_hostile_labels_as_text(browser, tmp_path):
    from test_injection import HOSTILE, hostile_text

    model = prep.loads(hostile_text(), "hostile.prep")
    seen = open_in_viewer(browser, tmp_path, prep.render(model, "drawio"))
    for h in HOSTILE:
        # as written, a long line wrapped at its spaces (box_label)
        assert "".join(seen["vertices"][cell_id(h)]["value"].split()).startswith("".join(("label " + h).split()))
        assert wrap_line(("label " + h).split("\n")[0])[0] in seen["text"], h
    assert seen["alerts"] == [] and seen["links"] == 0
    assert not {"script", "b", "a", "iframe", "img", "image"} & set(seen["tags"]), seen["tags"]
