"""The Sphinx `.. prep::` directive, tested by building a tiny project."""

from __future__ import annotations

import re
import sys
import types
import xml.etree.ElementTree as ET


import sphinx  # noqa: E402,F401 - in the test extra: a missing extra must fail, not skip

SVG = "{http://www.w3.org/2000/svg}"

INDEX = """\
Models
======

.. prep:: models/onboarding.prep
   :lint:

.. prep::
   :direction: TB

   title "インライン"
   knowhow k "暗黙知"
   k -> 成果物

.. prep::

   a ->
"""


def test_sphinx_builds_file_and_inline_models(tmp_path, monkeypatch):
    from sphinx.cmd.build import build_main

    from prep.language.diagnostics import Diagnostic, Span

    fake = types.ModuleType("prep.linter")
    fake.lint_model = lambda model, **o: [Diagnostic("P001", "error", "x", Span(model.path, 1, 1, 1, 2),
                                                     subject="契約書")]
    monkeypatch.setitem(sys.modules, "prep.linter", fake)

    src = tmp_path / "src"
    (src / "models").mkdir(parents=True)
    (src / "conf.py").write_text('extensions = ["prep.sphinx_ext"]\nproject = "t"\n', encoding="utf-8")
    (src / "index.rst").write_text(INDEX, encoding="utf-8")
    (src / "models" / "onboarding.prep").write_text('deliverable 契約書\n契約書, 目的 -> 計画\n', encoding="utf-8")
    warnings = tmp_path / "warnings.txt"
    code = build_main(["-b", "html", "-q", "-w", str(warnings), str(src), str(tmp_path / "out")])
    assert code == 0
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    svgs = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, re.S)]
    assert len(svgs) == 2
    first = {t.text for t in svgs[0].iter(SVG + "text")}
    assert {"契約書", "目的", "計画"} <= first
    fills = {p.get("fill") for p in svgs[0].iter(SVG + "polygon")}
    assert "#f4a6a0" in fills  # :lint: drew the error on 契約書
    assert {"インライン", "暗黙知", "成果物"} <= {t.text for t in svgs[1].iter(SVG + "text")}
    # the bad inline model is a warning that points at its line in index.rst
    text = warnings.read_text(encoding="utf-8")
    assert "cannot draw the model" in text and "index.rst:17:" in text
