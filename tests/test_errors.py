"""Errors a user meets with `prep render`: position, plain message, the line
with a caret, a hint, exit code 2, and never a traceback (golden files in
tests/golden/errors/, re-accepted only with PREP_ACCEPT=1 after review)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import check_golden, run_prep

GOLDEN = Path(__file__).parent / "golden" / "errors"

CASES = {
    "fat-arrow": "要件 => 設計書\n",
    "unicode-arrow": "要件 → 設計書\n",
    "unclosed-bracket": "knowhow 開発ノウハウ [owner: 開発リーダー\n",
    "unclosed-brace": "group 営業部 {\n  deliverable 提案書\n",
    "unclosed-quote": 'deliverable a "Added service\n',
    "space-in-name": "deliverable 顧客 リスト\n",
    "missing-right-side": "要件, 知識 ->\n",
    "unknown-attribute": "deliverable a [onwer: 山田]\n",
    "conflicting-declaration": "deliverable 承認\nknowhow 承認\n",
    "keyword-as-name": "a -> group\n",
    "unknown-keyword": "deliverabel 提案書\n",
    # what a Japanese input method types: full-width brackets, colons, commas and typographic quotes
    "full-width-bracket": "deliverable 発注書 ［final］\n",
    "full-width-colon": 'a, b -> c [note： "x"]\n',
    "typographic-quotes": "deliverable x “見積”\n",
    "full-width-attribute": "deliverable 発注書 [final，external]\n",
    "owner-with-a-space": "knowhow k [owner: 購買課長 佐藤]\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_syntax_and_model_errors(case, tmp_path):
    src = tmp_path / f"{case}.prep"
    src.write_text(CASES[case], encoding="utf-8")
    result = run_prep("render", src.name, cwd=tmp_path)
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert stderr.startswith(f"{case}.prep:")
    assert "^" in stderr and "hint:" in stderr
    assert not (tmp_path / f"{case}.svg").exists()
    check_golden(GOLDEN / f"{case}.txt", stderr)


def test_missing_file(tmp_path):
    result = run_prep("render", "nope.prep", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("nope.prep:1:1: error: no such file")
    assert "hint: check the path" in result.stderr.decode()


def test_a_missing_file_hints_at_the_model_meant(tmp_path):
    (tmp_path / "models").mkdir()
    for name in ("as-is.prep", "to-be.prep", "notes.txt"):
        (tmp_path / "models" / name).write_text("a -> b\n", encoding="utf-8")
    cases = {
        ("diff", "models/as_is.prep", "models/to-be.prep"): ("models/as_is.prep:1:1: error: no such file",
                                                             f"did you mean '{os.path.join('models', 'as-is.prep')}'?"),
        ("render", "modles/as-is.prep"): ("modles/as-is.prep:1:1: error: no such file",
                                          "there is no folder 'modles'"),
        ("fmt", "models/process.prep"): ("models/process.prep:1:1: error: no such file",
                                         "model files in models: as-is.prep, to-be.prep"),
    }
    for args, (first, hint) in cases.items():
        result = run_prep(*args, cwd=tmp_path)
        err = result.stderr.decode()
        assert result.returncode == 2 and err.startswith(first) and f"hint: {hint}" in err, (args, err)


def test_an_unknown_focus_points_at_the_deliverable_meant_by_name_or_by_label(tmp_path):
    """A user types what the picture shows (`--focus Contract` for
    `契約書 "契約書\nContract"`) or misspells a name: the error points at
    the declaration of the one meant, with its line and a caret."""
    (tmp_path / "m.prep").write_text(
        'deliverable 契約書 "契約書\\nContract" [external]\n'
        'deliverable 稼働開始 "稼働開始\\nGo-live"\n'
        "契約書 -> 稼働開始\n", encoding="utf-8")
    cases = {
        "Contract": ("m.prep:1:13:", "did you mean '契約書' (drawn as 'Contract')?"),
        "go  live": ("m.prep:2:13:", "did you mean '稼働開始' (drawn as 'Go-live')?"),
        "稼働": ("m.prep:2:13:", "did you mean '稼働開始'?"),
        "誰": ("m.prep:1:1:", "the model has 2 deliverables"),
    }
    for typed, (where, hint) in cases.items():
        result = run_prep("render", "m.prep", "--focus", typed, "-o", "x.svg", cwd=tmp_path)
        err = result.stderr.decode("utf-8")
        assert result.returncode == 2 and "Traceback" not in err, err
        assert err.startswith(f"{where} error: no deliverable named '{typed}' in the model"), err
        assert f"hint: {hint}" in err, err
        if where != "m.prep:1:1:":
            assert "^" in err  # the declaration's line, the name underlined
    assert not (tmp_path / "x.svg").exists()


def test_directory_given_to_render(tmp_path):
    (tmp_path / "d").mkdir()
    result = run_prep("render", "d", cwd=tmp_path)
    assert result.returncode == 2
    assert "d:1:1: error: is a folder, not a model file" in result.stderr.decode()
    assert "hint: give a .prep file" in result.stderr.decode()   # an empty folder: nothing to name


def test_shift_jis_is_recognised(tmp_path):
    (tmp_path / "sjis.prep").write_bytes("顧客の要望 -> 追加のサービス\n".encode("cp932"))
    result = run_prep("render", "sjis.prep", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "looks like Shift_JIS" in stderr and "iconv -f CP932 -t UTF-8" in stderr
    assert stderr.startswith("sjis.prep:1:1:")


def test_invalid_utf8_position(tmp_path):
    (tmp_path / "bad.prep").write_bytes(b"a -> b\nc -> \xff\xfe\n")
    result = run_prep("render", "bad.prep", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("bad.prep:2:6: error: the file is not valid UTF-8 (byte 0xff)")


def test_unknown_output_format(tmp_path):
    (tmp_path / "m.prep").write_text("a, b -> c\n")
    result = run_prep("render", "m.prep", "-o", "m.gif", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot tell the format from 'm.gif'; for a picture write .png" in result.stderr.decode()
    for name, meant in (("m.jpg", "write .png"), ("m.ppt", "write .pptx"), ("m.docx", "prep report"),
                        ("m.xlsx", "prep export")):
        result = run_prep("render", "m.prep", "-o", name, cwd=tmp_path)
        assert result.returncode == 2 and meant in result.stderr.decode(), (name, result.stderr)
    result = run_prep("render", "m.prep", "--format", "gif", cwd=tmp_path)
    assert result.returncode == 2 and "Invalid value for '-f' / '--format'" in result.stderr.decode()


def test_unwritable_output_path(tmp_path):
    (tmp_path / "m.prep").write_text("a, b -> c\n")
    result = run_prep("render", "m.prep", "-o", "missing/dir/m.svg", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("missing/dir/m.svg:1:1: error: the folder missing/dir/ does not exist\n")
    # pages: said of the path given, not of its first page ('m-1.png', a name never typed)
    (tmp_path / "big.prep").write_text((Path(__file__).parent.parent / "examples" / "cs-lifecycle.prep")
                                       .read_text(encoding="utf-8"), encoding="utf-8")
    result = run_prep("render", "big.prep", "-o", "missing/dir/m.png", "--page", "16:9", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2 and err.startswith("missing/dir/m.png:1:1: error: the folder missing/dir/"), err
    result = run_prep("render", "m.prep", "-o", "m.prep", "--format", "svg", cwd=tmp_path)
    assert result.returncode == 2
    assert "refusing to overwrite it" in result.stderr.decode()
    assert (tmp_path / "m.prep").read_text() == "a, b -> c\n"


def test_caret_is_aligned_under_wide_characters(tmp_path):
    (tmp_path / "w.prep").write_text("顧客 => b\n", encoding="utf-8")
    lines = run_prep("render", "w.prep", cwd=tmp_path).stderr.decode().splitlines()
    assert lines[1] == "  顧客 => b"
    assert lines[2] == "       ^^"  # two wide characters take four columns


def test_owners_listed_with_a_japanese_comma_are_told_to_be_a_list():
    """`[owner: 佐藤、鈴木]` is one person named "佐藤、鈴木": K201 said "held
    by one person only (佐藤、鈴木)" and hinted at `[owner: [A, B]]` in the
    abstract; it names the list to write."""
    import prep

    (finding,) = [d for d in prep.lint(prep.loads("knowhow k [owner: 佐藤、鈴木]\nk, a -> b\n")) if d.code == "K201"]
    assert finding.hint == "'佐藤、鈴木' is read as one person's name: for 2 holders write a list, " \
                           "`[owner: [佐藤, 鈴木]]`"
    (finding,) = [d for d in prep.lint(prep.loads("knowhow k [owner: 佐藤]\nk, a -> b\n")) if d.code == "K201"]
    assert finding.hint.startswith("who else knows this?")


def test_render_warns_of_an_error_only_lint_finds_and_still_draws(tmp_path):
    """`c, d ~> c` (E004) and an input cycle (E003) are errors only `prep
    lint` finds: render drew them and said nothing, exit 0, and a broken
    model went into a client's deck as a sound one. It says so on stderr
    (the picture is still drawn, exit 0); a suppression or prep.toml's
    ignore silences it."""
    (tmp_path / "self.prep").write_text("c, d ~> c\nd -> e\n", encoding="utf-8")
    r = run_prep("render", "self.prep", "-o", "self.svg", cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 0 and (tmp_path / "self.svg").exists()
    assert "prep: warning: self.prep:1:9: E004 'c' is related to itself" in err and "prep lint self.prep" in err
    (tmp_path / "cycle.prep").write_text("a -> b\nb -> a\n", encoding="utf-8")
    err = run_prep("render", "cycle.prep", "-o", "cycle.svg", cwd=tmp_path).stderr.decode()
    assert "E003" in err and "a -> b -> a" in err
    (tmp_path / "quiet.prep").write_text("c, d ~> c  # prep: ignore[E004]\nd -> e\n", encoding="utf-8")
    assert "warning" not in run_prep("render", "quiet.prep", "-o", "q.svg", cwd=tmp_path).stderr.decode()
    (tmp_path / "prep.toml").write_text('[lint]\nignore = ["E004"]\n', encoding="utf-8")
    assert "warning" not in run_prep("render", "self.prep", "-o", "s2.svg", cwd=tmp_path).stderr.decode()
