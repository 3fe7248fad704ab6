"""Jupyter display: a model shows itself as its diagram, a lint result as a table."""

from __future__ import annotations

import sys
import types
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import prep
from prep.language.diagnostics import Diagnostic, Span
from prep.linter.findings import Findings

SVG = "{http://www.w3.org/2000/svg}"


def test_model_mimebundle_has_the_diagram_and_a_text_fallback():
    model = prep.loads('title "見積"\ndeliverable req "要望"\nknowhow k "ノウハウ"\nreq, k -> plan\n')
    bundle = model._repr_mimebundle_()
    assert bundle["text/plain"] == "<prep.Model '見積': 3 deliverables, 2 relations>"
    root = ET.fromstring(bundle["image/svg+xml"])
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"要望", "ノウハウ", "plan", "見積"} <= texts


def test_model_that_cannot_be_drawn_shows_why_not_a_traceback(monkeypatch):
    import prep.renderer

    def broken(*a, **k):
        raise RuntimeError("no graphviz")

    monkeypatch.setattr(prep.renderer, "render", broken)
    bundle = prep.loads("a -> b\n")._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert "cannot draw it: no graphviz" in bundle["text/plain"]


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _finding(code, severity, line, subject, message, hint=None):
    return Diagnostic(code, severity, message, Span("m.prep", line, 3, line, 5), name="rule-name",
                      subject=subject, hint=hint)


def test_findings_display_as_a_table_worst_first():
    findings = Findings([
        _finding("P010", "info", 1, "a", "an info"),
        _finding("P001", "error", 7, "契約<書>", 'a "bad" <script>x</script>', hint="add an input"),
        _finding("P002", "warning", 3, None, "a warning"),
    ])
    html = findings._repr_html_()
    assert "<script>" not in html
    parser = _Cells()
    parser.feed(html)
    header, *rows = parser.rows
    assert header == ["severity", "code", "where", "subject", "message"]
    assert [r[0] for r in rows] == ["error", "warning", "info"]
    assert rows[0][1] == "P001 rule-name"
    assert rows[0][2] == "7:3"
    assert rows[0][3] == "契約<書>"
    assert rows[0][4] == 'a "bad" <script>x</script>hint: add an input'
    assert "3 findings" in html and "1 error, 1 warning, 1 info" in html
    md = findings._repr_markdown_()
    assert md.splitlines()[2].startswith("| error | P001 | 7:3 | 契約&lt;書> |")


def test_no_findings_says_so():
    assert "No findings." in Findings()._repr_html_()


def test_prep_lint_returns_findings(monkeypatch):
    fake = types.ModuleType("prep.linter")
    fake.lint_model = lambda model, **options: [_finding("P001", "warning", 1, "b", "x")]
    monkeypatch.setitem(sys.modules, "prep.linter", fake)
    result = prep.lint(prep.loads("a -> b\n"))
    assert isinstance(result, Findings) and isinstance(result, list)
    assert [d.code for d in result] == ["P001"]
    assert "<table" in result._repr_html_()
