"""prep/language/packed.py: a model and a list of diagnostics go through
bytes and come back equal (what `prep diff` sends from the process that
read the old side)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

import prep
from prep.language.diagnostics import Diagnostic, Span
from prep.language.packed import PackedDiagnostics, pack_diagnostics, pack_model, unpack_diagnostics, unpack_model
from prep.linter import lint_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

WITH_ERRORS = """\
title "two titles"
title "again"
# a comment
group g "G" {
  deliverable a "A" [owner: [x, y], note: "n", stage: s1, external]
  knowhow k [owner: z]
}
deliverable a "other label"
deliverable b [colour: red]
a, k -> b [note: "why", owner: [p, q], stage: s2]
b <~> c
c ~> c
"""


def _models():
    for path in sorted((ROOT / "examples").glob("*.prep")):
        yield path.name, prep.load(path, strict=False)
    for profile in ("local", "long-range"):
        yield profile, prep.loads(generate(300, profile=profile), f"{profile}.prep")
    yield "errors", prep.loads(WITH_ERRORS, "errors.prep", strict=False)


@pytest.mark.parametrize("name,model", list(_models()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_model_comes_back_equal(name, model):
    data = pack_model(model)
    assert data[:1] == b"C"  # the fast way, by column
    back = unpack_model(data)
    assert back == model and back is not model
    assert back.source == model.source
    for f in dataclasses.fields(model):
        assert getattr(back, f.name) == getattr(model, f.name), f.name
    assert list(back.deliverables) == list(model.deliverables)
    assert all(type(r.span) is Span and type(r.target_span) is Span for r in back.relations)
    # and it works as a model: the same findings and diff
    assert lint_model(back) == lint_model(model)
    assert prep.diff(back, model).changes.empty


def test_the_model_with_errors_keeps_them():
    model = prep.loads(WITH_ERRORS, "errors.prep", strict=False)
    assert model.errors and model.comments and model.groups
    back = unpack_model(pack_model(model))
    assert back.diagnostics == model.diagnostics and back.title == model.title


def test_findings_come_back_equal_with_related_places():
    model = prep.loads(WITH_ERRORS + OLD_CYCLE, "errors.prep", strict=False)
    findings = lint_model(model)
    assert any(d.related for d in findings) and any(d.hint for d in findings)
    data = pack_diagnostics(findings)
    assert data[:1] == b"C"
    back = unpack_diagnostics(data)
    assert back == findings
    assert all(type(r.span) is Span for d in back for r in d.related)
    assert unpack_diagnostics(pack_diagnostics([])) == []


OLD_CYCLE = "x -> y\ny -> x\n"


def test_packed_findings_give_columns_and_build_only_what_is_taken():
    findings = lint_model(prep.loads(WITH_ERRORS + OLD_CYCLE, "errors.prep", strict=False))
    packed = PackedDiagnostics(pack_diagnostics(findings))
    assert len(packed) == len(findings)
    assert packed.column("code") == [d.code for d in findings]
    assert packed.column("subject") == [d.subject for d in findings]
    picked = [len(findings) - 1, 0]
    assert packed.take(picked) == [findings[-1], findings[0]]
    assert packed.take([]) == []
    with pytest.raises(KeyError):
        packed.column("nothing")
    assert len(PackedDiagnostics(pack_diagnostics([]))) == 0


def test_packed_findings_the_slow_way_answer_the_same():
    findings = [Diagnostic("X001", "info", "m", Span("p", 1, 1, 1, 2), subject=Name("odd"))]
    data = pack_diagnostics(findings)
    assert data[:1] == b"P"
    packed = PackedDiagnostics(data)
    assert len(packed) == 1 and packed.column("subject") == ["odd"] and packed.take([0]) == findings


class Name(str):
    """A value marshal cannot write (it writes exact str only)."""


def test_a_value_marshal_cannot_write_goes_the_slow_way():
    model = prep.loads("a, b -> c\n", "m.prep")
    odd = dataclasses.replace(model.deliverables["c"], label=Name("odd"))
    model = dataclasses.replace(model, deliverables={**model.deliverables, "c": odd})
    data = pack_model(model)
    assert data[:1] == b"P"
    assert unpack_model(data) == model
