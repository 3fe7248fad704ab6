"""The corpus of bad input (issue 5): every file in tests/bad/ is a model a
user could really hand to prep, broken in one way. For each, the exact
stderr and exit code of `prep render` and `prep lint` are golden files
(`tests/bad/NAME.expected`, re-accepted with PREP_ACCEPT=1 after review).

Every case must end in exit 2 (input error), 1 (lint findings) or, for the
few inputs prep deliberately accepts (UTF-16 with a BOM, decomposed kana),
0; an error names `path:line:col`, quotes the line with a caret, and gives
a hint; nothing ever prints a traceback.

The two big inputs (a 1 MB line, 10,000 nested groups) are generated at
test time so the repository stays small.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import check_golden, run_prep

BAD = Path(__file__).resolve().parent / "bad"


def _one_megabyte_line() -> bytes:
    # ~20,000 long names on one line, and a '=>' at the very end (column ~1,000,000)
    names = ", ".join(f"入力データ{i:05d}_" + "x" * 34 for i in range(20_000))
    return (names + " => 結果\n").encode("utf-8")


def _nested_groups(depth: int = 10_000) -> bytes:
    opening = "".join(f"group g{i} {{\n" for i in range(depth))
    return (opening + "要件 -> 設計書\n" + "}\n" * depth).encode("utf-8")


GENERATED = {
    "45-one-megabyte-line": _one_megabyte_line,
    "46-ten-thousand-nested-groups": _nested_groups,
}

# inputs prep reads on purpose (see docs/reliability.md, "Decisions")
ACCEPTED = {
    "23-utf16-bom",        # Windows 'Unicode' text: the BOM makes the encoding certain
    "52-decomposed-kana",  # テ+U+3099 is read as デ (NFC), so it is one name, not two
}
# an empty model is valid: `prep lint` finds nothing wrong (exit 0), while
# `prep render` refuses to draw an empty picture (exit 2)
EMPTY = {"01-empty", "02-only-comments", "59-whitespace-only"}

CASES = sorted({p.stem for p in BAD.glob("*.prep")} | set(GENERATED))


def _case_bytes(name: str) -> bytes:
    if name in GENERATED:
        return GENERATED[name]()
    return (BAD / f"{name}.prep").read_bytes()


def _commands() -> list[str]:
    from prep.cli import cli

    return [c for c in ("render", "lint") if c in cli.commands]


def _run(name: str, tmp_path: Path, monkeypatch) -> str:
    """Run every command on the case in-process; the transcript for the golden."""
    from prep.cli import cli

    (tmp_path / f"{name}.prep").write_bytes(_case_bytes(name))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = []
    for command in _commands():
        result = runner.invoke(cli, [command, f"{name}.prep"], catch_exceptions=False)
        out.append(f"$ prep {command} {name}.prep\nexit {result.exit_code}\n")
        if result.stdout:
            out.append(result.stdout if result.stdout.endswith("\n") else result.stdout + "\n")
        if result.stderr:
            out.append(result.stderr if result.stderr.endswith("\n") else result.stderr + "\n")
    return "".join(out)


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, tmp_path, monkeypatch):
    transcript = _run(name, tmp_path, monkeypatch)
    check_golden(BAD / f"{name}.expected", transcript)

    assert "Traceback" not in transcript
    assert "internal error" not in transcript
    for section in transcript.split("$ prep ")[1:]:
        command = section.split()[0]
        code = int(re.search(r"^exit (\d+)$", section, re.M).group(1))
        if name in ACCEPTED or (name in EMPTY and command == "lint"):
            assert code in (0, 1), section
            continue
        assert code == 2 if command == "render" else code in (1, 2), section
        if code == 2:
            # path:line:col: error: message / the line / a caret / a hint
            assert re.search(rf"^{re.escape(name)}\.prep:\d+:\d+: (error: |E\d{{3}} \[error\] )\S",
                             section, re.M), section
            assert re.search(r"^  .*\n  [ \t]*\^+$", section, re.M), section
            assert re.search(r"^  hint: \S", section, re.M), section


# The same through a real process: bytes on the wire, no stray output, the
# exit code the shell sees. A few cases that stress decoding and size.
@pytest.mark.parametrize("name", ["20-nul-byte", "22-shift-jis", "43-bidi-override", "61-terminal-escape",
                                  "45-one-megabyte-line", "46-ten-thousand-nested-groups"])
def test_bad_input_subprocess(name, tmp_path):
    (tmp_path / f"{name}.prep").write_bytes(_case_bytes(name))
    golden = (BAD / f"{name}.expected").read_text(encoding="utf-8")
    expected = golden.split("$ prep ")[1]  # the render section
    result = run_prep("render", f"{name}.prep", cwd=tmp_path)
    stderr = result.stderr.decode("utf-8")
    assert f"render {name}.prep\nexit {result.returncode}\n{stderr}" == expected
    assert result.stdout == b""
    # nothing a terminal would interpret: no escape or other control characters
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", stderr)
    assert not list(tmp_path.glob("*.svg")) and not list(tmp_path.glob(".*.tmp"))


def test_generated_cases_have_the_advertised_shape():
    line = _one_megabyte_line()
    assert len(line) >= 1_000_000 and line.count(b"\n") == 1
    assert _nested_groups().count(b"group ") == 10_000


def _mistake_examples():
    import tomllib

    from prep.language.parse import grammar_path

    table = tomllib.loads(grammar_path("mistakes.toml").read_text(encoding="utf-8"))
    for entry in table["token"]:
        for example in entry["examples"]:
            yield entry["name"], entry["message"], example


@pytest.mark.parametrize("prefix", ["", "x -> y\n", "group g {\n"], ids=["first", "after", "in-group"])
def test_every_mistake_example_gets_its_own_message(prefix):
    """The table stays consistent: each example of an entry, at the start,
    after another statement, and inside a group, is explained by that entry
    (not by an earlier one that happens to share a parser state)."""
    import prep

    wrong = []
    for name, message, example in _mistake_examples():
        if prefix.startswith("group") and name == "stray-brace":
            continue  # inside a group a '}' is right
        pattern = re.sub(r"\\\{\w+\\\}", ".*", re.escape(message))
        try:
            prep.loads(prefix + example)
            got = "(accepted)"
        except prep.PrepError as e:
            got = e.diagnostics[0].message
        if not re.fullmatch(pattern, got):
            wrong.append(f"{name}: {prefix + example!r} -> {got}")
    assert not wrong, "\n".join(wrong)
