"""The language server's answers without the protocol (prep/lsp/analysis.py):
column conversion, the tolerant parse, stage exit criteria as references,
rename refusals, quick fixes, and the workspace view (prep/lsp/project.py):
a change to one file parses only that file. The protocol itself is tested
end to end in tests/test_lsp.py and tests/test_lsp_workspace.py."""

from __future__ import annotations

import pytest

from prep.lsp import analysis as A


def test_columns_utf16_utf8_utf32():
    lines = A.Lines("𠮷野家 -> 見積書\n", "utf-16")
    assert lines.to_utf16(1, 5) == (0, 5)          # after '𠮷野家 ' : 2 + 1 + 1 + 1 units
    assert lines.from_utf16(0, 5) == (1, 5)
    assert lines.from_utf16(0, 1) == (1, 2)        # inside the surrogate pair: the next character
    assert lines.from_utf16(0, 99) == (1, 11)      # past the end: the line end
    assert A.Lines("𠮷a", "utf-8").to_utf16(1, 2) == (0, 4)
    assert A.Lines("𠮷a", "utf-32").to_utf16(1, 2) == (0, 1)


def test_a_broken_line_is_set_aside_and_the_rest_read():
    r = A.analyse("a -> b\nc => d\ngroup g {\n  x -> y\n", "/tmp/m.prep")
    assert [d.code for d in r.syntax_errors] == ["E001"]
    assert (r.syntax_errors[0].span.line, r.syntax_errors[0].span.column) == (2, 3)
    assert {"a", "b", "x", "y"} <= set(r.model.deliverables)


def test_anything_gives_an_analysis():
    for text in ("", "\x00", "}", "[", '"', "group {", "stage", "a -> [", "\ufeff\u200b"):
        r = A.analyse(text, "/tmp/m.prep")
        assert r.diagnostics is not None


def test_stage_exit_criteria_are_references_and_renamed():
    text = 'stage plan "Plan" [exit: [計画書, "見積 書"]]\n要件 -> 計画書, "見積 書"\n'
    r = A.analyse(text, "/tmp/m.prep")
    refs = r.references("見積 書")
    assert [(s.line, s.column) for s in refs] == [(1, 32), (2, 12)]
    edits = A.rename_edits(r, "見積 書", "見積書")
    assert [t for _, t in edits] == ["見積書", "見積書"]
    assert A.stage_names(r.model) == ["plan"]


@pytest.mark.parametrize("new_name,reason", [("stage", "keyword"), ("要件", "already"), ("  ", "empty"),
                                             ("a\u200bb", "")])
def test_rename_refusals(new_name, reason):
    r = A.analyse("要件 -> 計画書\n", "/tmp/m.prep")
    with pytest.raises(A.RenameRefused) as e:
        A.rename_edits(r, "計画書", new_name)
    assert reason in str(e.value)


def test_misspelt_undeclared_name_is_changed_to_the_declared_one():
    text = "deliverable estimate\nrequest -> estimat\n"
    r = A.analyse(text, "/tmp/m.prep")
    finding = next(d for d in r.findings if d.code == "I104" and d.subject == "estimat")
    fixes = {f.title: f for f in A.quick_fixes(r, finding)}
    span, new = fixes["Change to 'estimate'"].edits[0]
    assert (span.line, span.column, span.end_column, new) == (2, 12, 19, "estimate")
    assert "Declare 'estimat'" in fixes


def test_model_errors_are_not_offered_a_suppression():
    r = A.analyse("deliverable x [onwer: a]\n", "/tmp/m.prep")
    e005 = next(d for d in r.findings if d.code == "E005")
    assert [f.title for f in A.quick_fixes(r, e005)] == ["Change to 'owner'"]


def test_a_change_in_one_file_parses_only_that_file_and_reads_no_other(tmp_path, monkeypatch):
    """The language server's workspace view (prep/lsp/project.py): after a
    change to one buffer, the root's model is built again from every file's
    kept statements; only the changed file is parsed, and the files on disk
    are not read again while their modification time stays."""
    from prep.language import source
    from prep.lsp import project as P

    (tmp_path / "prep.toml").write_text("", encoding="utf-8")
    (tmp_path / "main.prep").write_text('include "parts/*.prep"\n', encoding="utf-8")
    (tmp_path / "parts").mkdir()
    for i in range(5):
        (tmp_path / "parts" / f"p{i}.prep").write_text(f"deliverable d{i}\nd{i - 1} -> d{i}\n" if i else
                                                       "deliverable d0\n", encoding="utf-8")
    buffers: dict[str, str] = {}
    project = P.Project(buffers.get, lambda: [str(tmp_path)])
    settings = lambda root: ({}, None, None)  # noqa: E731 - the defaults
    part = str(tmp_path / "parts" / "p2.prep")
    root = project.root_of(part)
    assert root == str(tmp_path / "main.prep")
    view = project.view(root, settings, "utf-16")
    assert "I104" not in {d.code for a in view.analyses.values() for d in a.findings}  # names from siblings

    parsed, read = [], []
    real_parse, real_read = A.parse_tolerant, source.read_source
    monkeypatch.setattr(A, "parse_tolerant", lambda text, path: parsed.append(path) or real_parse(text, path))
    monkeypatch.setattr(source, "read_source", lambda path: read.append(path) or real_read(path))
    buffers[part] = "deliverable d2\nd1 -> d2\nd9 -> d2\n"   # an unsaved edit: d9 is declared nowhere
    assert not project.current(view)
    view = project.view(root, settings, "utf-16")
    assert parsed == [part] and read == []
    assert [d.subject for d in view.find(part).findings if d.code == "I104"] == ["d9"]
    p3 = str(tmp_path / "parts" / "p3.prep")
    assert {d.span.path for d in view.find(p3).findings} == {p3}  # each file holds its own findings
    assert project.current(view)
