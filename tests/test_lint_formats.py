"""Output formats: golden files per format (reviewed by eye; re-accept with
PREP_ACCEPT=1), SARIF validated against the SARIF 2.1.0 schema, GitHub
annotation escaping, JSON fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prep._version import __version__
from prep.language.diagnostics import Diagnostic, Span
from prep.linter import formats

from conftest import ROOT, check_golden

GOLDEN = ROOT / "tests" / "golden" / "lint"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def models(tmp_path, monkeypatch):
    """The golden models in a fresh folder (no git, no configuration above
    that matters), as the current folder."""
    shutil.copytree(GOLDEN / "models", tmp_path / "models")
    shutil.copy(GOLDEN / "syntax.prep", tmp_path / "syntax.prep")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _stable(text: str) -> str:
    return text.replace(f'"{__version__}"', '"<version>"')


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif.json"), ("github", "txt")])
def test_golden_findings(models, cli, fmt, ext):
    r = cli("lint", "--format", fmt, "models")
    assert r.exit_code == 1
    check_golden(GOLDEN / f"findings.{fmt}.{ext}" if fmt != "sarif" else GOLDEN / f"findings.{ext}",
                 _stable(r.stdout))


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif.json"), ("github", "txt")])
def test_golden_syntax_error_in_every_format_exits_2(models, cli, fmt, ext):
    r = cli("lint", "--format", fmt, "syntax.prep", "models/sub")
    assert r.exit_code == 2
    check_golden(GOLDEN / f"syntax.{fmt}.{ext}" if fmt != "sarif" else GOLDEN / f"syntax.{ext}", _stable(r.stdout))


def test_golden_statistics(models, cli):
    r = cli("lint", "--statistics", "models")
    assert r.exit_code == 1
    check_golden(GOLDEN / "statistics.txt", r.stdout)


def test_golden_hotspots(models, cli):
    r = cli("lint", "--hotspots", "5", "models")
    assert r.exit_code == 0
    check_golden(GOLDEN / "hotspots.txt", r.stdout)


def _validator():
    import jsonschema  # in the test extra: validation must never be skipped
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_schema(models, cli):
    validator = _validator()
    for args in (("models",), ("syntax.prep",), ("models/sub",)):
        r = cli("lint", "--format", "sarif", *args)
        log = json.loads(r.stdout)
        errors = sorted(validator.iter_errors(log), key=str)
        assert not errors, errors[0]


def test_the_schema_rejects_broken_sarif():
    # the validation above can fail: a result without a message is invalid
    validator = _validator()
    log = json.loads(formats.format_sarif([_diag()], root="/"))
    del log["runs"][0]["results"][0]["message"]
    assert list(validator.iter_errors(log))


def test_sarif_has_what_code_scanning_needs(models, cli):
    log = json.loads(cli("lint", "--format", "sarif", "models").stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "prep"
    for rule in rules:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
    ids = [r["id"] for r in rules]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["ruleId"] in ids and res["level"] in ("error", "warning", "note")
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "models/order.prep"   # repo-relative, not absolute
        assert loc["region"]["startLine"] >= 1


def test_sarif_uri_is_relative_to_the_git_root_and_percent_encoded(tmp_path, monkeypatch, cli):
    (tmp_path / ".git").mkdir()
    d = tmp_path / "業務 models"
    d.mkdir()
    (d / "a b.prep").write_text("knowhow k\n", encoding="utf-8")
    monkeypatch.chdir(d)
    log = json.loads(cli("lint", "--format", "sarif", "a b.prep").stdout)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "%E6%A5%AD%E5%8B%99%20models/a%20b.prep"
    gh = cli("lint", "--format", "github", "a b.prep").stdout
    assert gh.startswith("::warning file=業務 models/a b.prep,line=1,")


def _diag(message="m", path="a.prep", hint=None, name="personal-knowhow", code="K201", severity="warning"):
    return Diagnostic(code, severity, message, Span(path, 2, 3, 2, 7), name=name, subject="k", hint=hint)


def test_github_escaping_follows_the_actions_toolkit():
    assert formats.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert formats.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = formats.format_github([_diag("50%: a, b\nc", path="x,y:z.prep", hint="h")], root=str(Path.cwd()))
    assert line == ("::warning file=x%2Cy%3Az.prep,line=2,endLine=2,col=3,endColumn=6,"
                    "title=K201 personal-knowhow::50%25: a, b%0Ac%0Ahint: h\n")
    assert formats.format_github([_diag(severity="info")], root="/").startswith("::notice ")
    assert formats.format_github([_diag(severity="error")], root="/").startswith("::error ")


def test_json_records_have_the_documented_fields(models, cli):
    found = json.loads(cli("lint", "--format", "json", "models").stdout)
    assert found
    for d in found:
        assert {"code", "name", "severity", "message", "subject", "path", "line", "column", "end_line",
                "end_column"} <= set(d)
        assert d["line"] >= 1 and d["column"] >= 1
    k201 = next(d for d in found if d["code"] == "K201")
    assert (k201["subject"], k201["line"], k201["column"], k201["end_column"]) == ("見積ノウハウ", 5, 9, 15)


def test_text_summary_counts():
    assert formats.summary_line([], 3) == "Checked 3 files: no findings."
    ds = [_diag(), _diag(severity="error"), _diag(severity="info"), _diag(severity="info")]
    assert formats.summary_line(ds, 1) == "Checked 1 file: 4 findings (1 error, 1 warning, 2 info)."


def test_formats_are_pure_functions_of_the_diagnostics():
    ds = [_diag(), _diag(severity="error", code="E004", name="self-relation")]
    for render in (lambda: formats.format_json(ds), lambda: formats.format_sarif(ds, root="/"),
                   lambda: formats.format_github(ds, root="/"), lambda: formats.format_text(ds, {}, files=1)):
        assert render() == render()
