"""`prep fmt` (issue 13): the canonical layout, through the API and the CLI.

- golden files (tests/golden/fmt/NAME.input.prep -> NAME.prep, re-accepted
  with PREP_ACCEPT=1 after review);
- every example and every ```prep snippet of docs/: meaning kept,
  idempotent, and examples/ is already formatted;
- a property test over generated models (stages included) (the generator of test_fuzz.py,
  with own-line comments, blank lines and suppressions sprinkled in): the
  parsed model, the comments and the lint findings are the same after
  formatting, and formatting twice changes nothing. A few thousand examples
  by default; 100,000 with PREP_FUZZ_PROFILE=long (as tests/test_fuzz.py);
- the CLI: in place (atomic, untouched when already formatted), --check,
  --diff, '-' (stdin to stdout), syntax errors (exit 2, file untouched).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import prep
from prep.language.diagnostics import PrepError
from prep.language.fmt import format_text, meaning
from prep.linter import lint_model

from conftest import EXAMPLES, ROOT, check_golden
from test_fuzz import models, token_soup

GOLDEN = ROOT / "tests" / "golden" / "fmt"

settings.register_profile("fmt-ci", max_examples=2_000, deadline=timedelta(seconds=3), derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fmt-long", max_examples=100_000, deadline=timedelta(seconds=5), database=None,
                          suppress_health_check=list(HealthCheck))
LONG = os.environ.get("PREP_FUZZ_PROFILE") == "long"
PROFILE = settings.get_profile("fmt-long" if LONG else "fmt-ci")
if os.environ.get("PREP_FUZZ_EXAMPLES"):
    PROFILE = settings(PROFILE, max_examples=int(os.environ["PREP_FUZZ_EXAMPLES"]))


def _findings(text: str) -> list:
    model = prep.loads(text, "f.prep", strict=False)
    return sorted((d.code, d.subject or "", d.message) for d in lint_model(model))


def assert_same_meaning(before: str, after: str) -> None:
    a = prep.loads(before, "f.prep", strict=False)
    b = prep.loads(after, "f.prep", strict=False)
    assert meaning(a) == meaning(b)
    assert _findings(before) == _findings(after)  # suppressions still cover the same findings


# --------------------------------------------------------------------------
# golden layouts


@pytest.mark.parametrize("case", sorted(p.name.removesuffix(".input.prep") for p in GOLDEN.glob("*.input.prep")))
def test_golden_layout(case):
    source = (GOLDEN / f"{case}.input.prep").read_text(encoding="utf-8")
    formatted = format_text(source)
    check_golden(GOLDEN / f"{case}.prep", formatted)
    assert format_text(formatted) == formatted
    assert_same_meaning(source, formatted)


def test_layout_rules_in_small():
    assert format_text("a,b->c") == "a, b -> c\n"
    assert format_text('deliverable "x"  "x"') == 'deliverable x "x"\n'  # the label keeps its quotes
    assert format_text('title "a"') == 'title "a"\n'
    assert format_text('a -> "knowhow"') == 'a -> "knowhow"\n'  # a keyword stays quoted
    assert format_text('a -> "stage"') == 'a -> "stage"\n'
    assert format_text('a -> "x y"') == 'a -> "x y"\n'
    assert format_text('a -> b [note: "b"]') == 'a -> b [note: "b"]\n'  # notes are prose: quoted
    assert format_text("\n\n\na -> b\n\n\n\nc -> d\n\n") == "a -> b\n\nc -> d\n"
    assert format_text("") == ""
    assert format_text("# only\n") == "# only\n"
    assert format_text("a -> b;;") == "a -> b\n"
    assert format_text("group g {}") == "group g {}\n"
    assert format_text("group g {\n# {\n}") == "group g {\n  # {\n}\n"  # a comment ending in '{' is no block
    assert format_text("group g {  # {\n}") == "group g {  # {\n}\n"


def test_comments_stay_on_their_lines():
    source = "# top\na -> b   # why\n  # alone\ngroup g { # opens\nc -> d # inside\n} # closes\n"
    assert format_text(source) == ("# top\na -> b  # why\n# alone\ngroup g {  # opens\n  c -> d  # inside\n"
                                   "}  # closes\n")


def test_a_suppressed_line_is_not_split():
    source = "a -> c; b -> c  # prep: ignore[I101]\n"
    assert format_text(source) == "a -> c; b -> c  # prep: ignore[I101]\n"
    assert format_text("a -> c; b -> c  # note\n") == "a -> c\nb -> c  # note\n"


def test_syntax_error_is_located_and_nothing_is_formatted():
    with pytest.raises(PrepError) as e:
        format_text("a -> b\nc => d\n", "m.prep")
    d = e.value.diagnostics[0]
    assert (d.span.path, d.span.line, d.span.column) == ("m.prep", 2, 3)


@pytest.mark.parametrize("text", ["group g {\n  a -> b\n", "a -> b\n}\n", "deliverable group\n", "stage -> x\n",
                                  "a -> b\n  }\n", "a->b ->c\n}\n", "a -> b [owner: x\n",
                                  "deliverable x [owner: group]\n", "deliverable x [owner: [a, stage]]\n",
                                  "deliverable x [stage: title]\n", "group g {\n}\n}\n"])
def test_canonical_looking_lines_are_still_checked(text):
    with pytest.raises(PrepError):
        format_text(text)


@pytest.mark.parametrize("changed", [
    'stage s "S" [exit: x]\na -> x [stage: s, owner: [p, r]]\n# c\n',     # an owner
    'stage s "S2" [exit: x]\na -> x [stage: s, owner: [p, q]]\n# c\n',    # a stage label
    'stage s "S" [exit: x]\na ~> x [stage: s, owner: [p, q]]\n# c\n',     # an arrow
    'stage s "S" [exit: x]\na -> x [stage: s, owner: [p, q]]\n# d\n',     # a comment
    'stage s "S" [exit: x]\na -> x [owner: [p, q]]\n# c\n',               # a stage placement
])
def test_meaning_notices_what_formatting_must_keep(changed):
    """The comparison the verification and the property tests rely on is not blind."""
    original = 'stage s "S" [exit: x]\na -> x [stage: s, owner: [p, q]]\n# c\n'
    load = lambda t: prep.loads(t, "f.prep", strict=False)  # noqa: E731
    assert meaning(load(original)) == meaning(load("\n" + original.replace(" -> ", "->")))
    assert meaning(load(original)) != meaning(load(changed))


def test_public_api():
    assert prep.format_text("a->b") == "a -> b\n"
    with pytest.raises(prep.PrepError):
        prep.format_text("a ->")


# --------------------------------------------------------------------------
# examples and docs


def _doc_snippets():
    for page in sorted((ROOT / "docs").glob("*.md")):
        for i, block in enumerate(re.findall(r"```prep\n(.*?)```", page.read_text(encoding="utf-8"), re.S)):
            yield pytest.param(block, id=f"{page.stem}-{i}")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.prep")), ids=lambda p: p.name)
def test_examples_are_formatted(path):
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text)
    assert_same_meaning(text, formatted)
    assert formatted == text, f"{path.name} is not formatted: run prep fmt examples/"


def test_the_example_of_docs_fmt_md_is_true():
    before, after = re.findall(r"```prep\n(.*?)```", (ROOT / "docs" / "fmt.md").read_text(encoding="utf-8"), re.S)[:2]
    assert format_text(before) == after


@pytest.mark.parametrize("block", list(_doc_snippets()))
def test_doc_snippets_keep_their_meaning(block):
    try:
        formatted = format_text(block)
    except PrepError:
        return  # a snippet that shows a syntax error
    assert_same_meaning(block, formatted)
    assert format_text(formatted) == formatted


# --------------------------------------------------------------------------
# properties over generated models

COMMENTS = ["# a comment", "# prep: ignore[I101]", "#", "# 日本語 𠮷 {", "# prep: ignore-file[K201]"]


@st.composite
def decorated_models(draw):
    """A generated model with own-line comments and blank lines between its
    lines, and comments (suppressions too) at the end of some lines."""
    text, _ = draw(models())
    out = []
    for line in text.split("\n"):
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(["", "", "  ", *COMMENTS])))
        if line and "#" not in line and draw(st.integers(0, 4)) == 0:
            line += draw(st.sampled_from([" ", "\t", "   "])) + draw(st.sampled_from(COMMENTS))
        out.append(line)
    return "\n".join(out)


def check_formatting(text: str) -> None:
    formatted = format_text(text)
    assert_same_meaning(text, formatted)
    assert format_text(formatted) == formatted
    assert formatted == "" or (formatted.endswith("\n") and not formatted.endswith("\n\n"))
    for line in formatted.split("\n"):
        assert line == line.rstrip(" \t"), line


# test_fuzz's generator is thorough but slow to draw (most of the time of
# an example): it gets a tenth of the examples; the token-level generator
# below, cheap to draw, gets the rest
@settings(PROFILE, max_examples=max(PROFILE.max_examples // 10, 50))
@given(decorated_models())
def test_formatting_keeps_meaning_and_is_idempotent(text):
    check_formatting(text)


WORDS = ["a", "b", "要件", "見積書", "𠮷野家", "x-1", "v1.2", "post-sales", "_", "ｶﾅ"]
QUOTED = ['"a"', '"要件"', '"two words"', '"group"', '"stage"', '"title"', '"a->b"', '"q\\"x"', '"𠮷"',
          '"#not a comment"', '""', '"{"', '"x;y"']
GAPS = ["", " ", "  ", "\t", "\u3000"]


def _soup(rnd) -> str:
    """A model written by a careless hand: every statement shape, random
    white space, ';', one-line and nested blocks, comments everywhere."""
    def gap():
        return rnd.choice(GAPS)

    def space():
        return rnd.choice(GAPS[1:])

    def name():
        return rnd.choice(WORDS) if rnd.random() < 0.6 else rnd.choice(QUOTED)

    def names():
        return (gap() + "," + gap()).join(name() for _ in range(rnd.randint(1, 3)))

    def attrs(on_relation):
        items = []
        keys = ["owner", "note", "stage"] + ([] if on_relation else ["final", "external"])
        for key in rnd.sample(keys, rnd.randint(0, len(keys))):
            if key in ("final", "external"):
                items.append(key)
            elif key == "owner" and rnd.random() < 0.5:
                items.append(f"owner{gap()}:{gap()}[{names()}]")
            elif key == "note":
                items.append(f"note:{gap()}" + rnd.choice(QUOTED))
            else:
                items.append(f"{key}:{gap()}{name()}")
        if rnd.random() < 0.05:
            items.append("shade: red")  # a key fmt does not know: the list keeps its order
        return gap() + "[" + gap() + (gap() + "," + gap()).join(items) + gap() + "]"

    def statement(depth):
        roll = rnd.random()
        if roll < 0.3:
            text = rnd.choice(["deliverable", "knowhow"]) + space() + name()
            if rnd.random() < 0.5:
                text += space() + rnd.choice(QUOTED)
            return text + (attrs(False) if rnd.random() < 0.5 else "")
        if roll < 0.85 or depth > 2:
            text = names()
            for _ in range(rnd.randint(1, 3)):
                text += gap() + rnd.choice(["->", "~>", "<~>"]) + gap() + names()
            return text + (attrs(True) if rnd.random() < 0.3 else "")
        if rnd.random() < 0.4:  # a stage (issue 11): declaration, block or both
            head = "stage" + space() + rnd.choice(["s1", "s2", '"s 3"', "段階"])
            if rnd.random() < 0.5:
                head += space() + rnd.choice(QUOTED)
            if rnd.random() < 0.5:
                items = rnd.sample([f"exit:{gap()}{name()}", f"exit: [{names()}]", f"after:{gap()}s1",
                                    'note: "n"'], rnd.randint(0, 2))
                head += gap() + "[" + (gap() + "," + gap()).join(items) + "]"
            if rnd.random() < 0.4:
                return head
        else:
            head = "group" + space() + rnd.choice(WORDS + ['"g g"'])
            if rnd.random() < 0.5:
                head += space() + rnd.choice(QUOTED)
            if rnd.random() < 0.3:
                head += gap() + rnd.choice(['[stage: s1]', '[note: "n",stage:"s 3"]', "[]"])
        body = [statement(depth + 1) for _ in range(rnd.randint(0, 3))]
        if rnd.random() < 0.3:
            return head + gap() + "{" + gap() + (";" + gap()).join(body) + gap() + "}"
        return head + gap() + "{\n" + "\n".join(lines(body)) + "\n" + gap() + "}"

    def lines(stmts):
        out = []
        for st_ in stmts:
            if rnd.random() < 0.15:
                out.append(gap() + rnd.choice(["", *COMMENTS]))
            if "\n" not in st_ and rnd.random() < 0.2:
                st_ += gap() + rnd.choice(COMMENTS)
            out.append(gap() + st_)
        return out

    stmts = [statement(0) for _ in range(rnd.randint(0, 8))]
    i = 0
    joined = []
    while i < len(stmts):  # some statements share a line, separated by ';'
        if rnd.random() < 0.15 and i + 1 < len(stmts) and "\n" not in stmts[i] + stmts[i + 1]:
            joined.append(stmts[i] + gap() + ";" + gap() + stmts[i + 1])
            i += 2
        else:
            joined.append(stmts[i])
            i += 1
    title = [f"title{space()}" + rnd.choice(QUOTED)] if rnd.random() < 0.3 else []
    return "\n".join(lines(title + joined)) + rnd.choice(["", "\n", "\n\n", ";"])


# a quarter of the profile's examples by default (10 ms each, the suite's
# slowest test at 2,000); the long run (PREP_FUZZ_PROFILE=long) takes all
@settings(PROFILE, max_examples=PROFILE.max_examples if LONG else PROFILE.max_examples // 4)
@given(st.randoms(use_true_random=False))
def test_formatting_token_soup_keeps_meaning(rnd):
    text = _soup(rnd)
    try:
        prep.loads(text, "f.prep", strict=False)
    except PrepError:
        return  # e.g. a keyword where a name belongs: not a model, nothing to format
    check_formatting(text)


@PROFILE
@given(token_soup)
def test_format_refuses_exactly_the_texts_the_parser_refuses(text):
    """format_text skips the parse for text it proves valid line by line:
    it must still refuse every syntax error, and only those."""
    try:
        prep.loads(text, "f.prep", strict=False)
        valid = True
    except PrepError:
        valid = False
    try:
        format_text(text)
        formatted = True
    except PrepError:
        formatted = False
    assert formatted == valid


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="the long run: PREP_FUZZ_PROFILE=long")
def test_long_run_is_selected():
    assert PROFILE.max_examples >= 100_000


# --------------------------------------------------------------------------
# the command line


MESSY = "a,b->c\n\n\n# note\n"
TIDY = "a, b -> c\n\n# note\n"


def test_cli_in_place(tmp_path, cli):
    messy, tidy = tmp_path / "messy.prep", tmp_path / "tidy.prep"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(TIDY, encoding="utf-8")
    before = tidy.stat().st_mtime_ns
    result = cli("fmt", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert messy.read_text(encoding="utf-8") == TIDY
    assert tidy.stat().st_mtime_ns == before  # an already formatted file is not rewritten
    assert "reformatted" in result.stderr and "messy.prep" in result.stderr and "tidy.prep" not in result.stderr
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_check(tmp_path, cli):
    messy, tidy = tmp_path / "messy.prep", tmp_path / "tidy.prep"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(TIDY, encoding="utf-8")
    result = cli("fmt", "--check", str(messy), str(tidy))
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.stdout and str(tidy) not in result.stdout
    assert messy.read_text(encoding="utf-8") == MESSY
    assert cli("fmt", "--check", str(tidy)).exit_code == 0


def test_cli_check_counts_a_file_it_could_not_read(tmp_path, prep_run):
    (tmp_path / "tidy.prep").write_text(TIDY, encoding="utf-8")
    (tmp_path / "sjis.prep").write_bytes("提案書 -> 受注\n".encode("cp932"))
    result = prep_run("fmt", "--check", ".", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2 and "sjis.prep:1:1: error: the file is not UTF-8" in err, err
    assert err.endswith("0 files would be reformatted, 1 already formatted, 1 could not be read\n"), err


def test_cli_diff(tmp_path, cli):
    messy = tmp_path / "messy.prep"
    messy.write_text(MESSY, encoding="utf-8")
    result = cli("fmt", "--diff", str(messy))
    assert result.exit_code == 1
    assert f"--- {messy}\t(original)" in result.stdout
    assert "-a,b->c\n-\n+a, b -> c\n" in result.stdout
    assert messy.read_text(encoding="utf-8") == MESSY


def test_cli_stdin_to_stdout(cli):
    result = cli("fmt", "-", input="a,b->c\n")
    assert (result.exit_code, result.stdout) == (0, "a, b -> c\n")
    result = cli("fmt", "--check", "-", input="a,b->c\n")
    assert result.exit_code == 1 and "would reformat <stdin>" in result.stdout


def test_cli_syntax_error_leaves_the_file_alone(tmp_path, prep_run):
    bad, messy = tmp_path / "bad.prep", tmp_path / "messy.prep"
    bad.write_bytes("a -> b\n要件 => 見積書\n".encode("utf-8"))
    messy.write_text(MESSY, encoding="utf-8")
    result = prep_run("fmt", str(bad), str(messy))
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert f"{bad}:2:4: error:" in err and "^^" in err and "hint:" in err and "Traceback" not in err
    assert bad.read_bytes() == "a -> b\n要件 => 見積書\n".encode("utf-8")
    assert messy.read_text(encoding="utf-8") == TIDY  # the other files are still formatted


def test_cli_crlf_and_bom_count_as_changes(tmp_path, cli):
    path = tmp_path / "win.prep"
    path.write_bytes(b"\xef\xbb\xbfa, b -> c\r\n")
    result = cli("fmt", "--check", str(path))
    assert result.exit_code == 1
    assert cli("fmt", str(path)).exit_code == 0
    assert path.read_bytes() == b"a, b -> c\n"


def test_pre_commit_hook_is_declared():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    import yaml

    by_id = {h["id"]: h for h in yaml.safe_load(hooks)}
    assert by_id["prep-fmt"]["entry"] == "prep fmt"
    assert by_id["prep-fmt"]["files"] == r"\.prep$"
