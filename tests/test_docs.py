"""docs/ stays true: the language reference's snippets parse, and the
pictures in docs/ are what the current code draws."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import prep

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = ROOT / "docs" / "language.md"

spec = importlib.util.spec_from_file_location("build_examples", ROOT / "docs" / "build_examples.py")
build_examples = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_examples)


def test_every_language_snippet_parses_cleanly():
    blocks = re.findall(r"```prep\n(.*?)```", LANGUAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 12
    for block in blocks:
        model = prep.loads(block)  # strict: any error fails the test
        assert model.deliverables


@pytest.mark.parametrize("text,picture", build_examples.language_snippets(LANGUAGE),
                         ids=lambda v: v.stem if isinstance(v, Path) else "")
def test_language_pictures_are_current(text, picture):
    assert picture.exists(), f"missing {picture}: run python docs/build_examples.py"
    expected = prep.render(prep.loads(text, path=picture.stem + ".prep"), "svg")
    assert picture.read_bytes() == expected, f"{picture} is stale: run python docs/build_examples.py"


def test_every_construct_is_documented():
    text = LANGUAGE.read_text(encoding="utf-8")
    grammar = (ROOT / "grammar" / "prep.lark").read_text(encoding="utf-8")
    for keyword in re.findall(r'^[A-Z]+: "(\w+)"', grammar, re.M):
        assert f"`{keyword}" in text, f"keyword {keyword} missing from docs/language.md"
    for arrow in ("->", "~>", "<~>"):
        assert f"`{arrow}`" in text or f"{arrow}`" in text
    for attribute in ("owner", "external", "final", "note", "stage"):
        assert f"| `{attribute}` |" in text


def test_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("build_cli_reference", ROOT / "docs" / "build_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == module.reference(), "docs/cli.md is stale: run python docs/build_cli_reference.py"
    for command in ("lint", "render", "report", "md"):
        assert f"## prep {command}\n" in current


COMMAND = re.compile(r"(?:^|[\s/(|&;$])prep ([a-z][\w-]*)([^|&;#)]*)")


def documented_commands(text: str) -> list[tuple[str, str]]:
    """(subcommand, the rest of the line) of every `prep ...` command in a
    page's code blocks and inline code."""
    lines = [line for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    lines += re.findall(r"`([^`\n]*\bprep [a-z][^`\n]*)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [(m.group(1), m.group(2)) for line in lines for m in COMMAND.finditer(line)]


def test_every_option_the_docs_use_exists():
    """A reader copies commands from the docs: every `--option` of every
    `prep SUBCOMMAND ...` in a code block or inline code of README.md and
    docs/ is one that subcommand takes (a renamed or removed option fails
    here, not in the reader's terminal)."""
    import shlex

    import click

    from prep.cli import cli

    ctx = click.Context(cli)
    options = {}
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        options[name] = {"--help", "-h", "--"} | {o for p in command.params if isinstance(p, click.Option)
                                                  for o in (*p.opts, *p.secondary_opts)}
    wrong, seen = [], 0
    for page in sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]:
        for sub, rest in documented_commands(page.read_text(encoding="utf-8")):
            if sub not in options:
                continue   # prose: "prep draws", "prep reads"
            seen += 1
            try:
                tokens = shlex.split(rest)
            except ValueError:   # an unbalanced quote inside prose
                tokens = rest.split()
            for token in tokens:
                option = token.split("=")[0]
                if re.match(r"^--?[a-zA-Z]", option) and option not in options[sub]:
                    wrong.append(f"{page.relative_to(ROOT)}: prep {sub} {option}")
    assert seen >= 300
    assert not wrong, "\n".join(wrong)


def test_the_docs_command_check_sees_a_wrong_option():
    found = documented_commands("Run `prep render m.prep --pages A4`, or:\n```sh\nprep lint . --fromat sarif\n```\n")
    assert ("lint", " . --fromat sarif") in found and ("render", " m.prep --pages A4") in found


def test_no_documented_command_puts_an_option_after_the_double_dash():
    """After `--` every word is a file (as in git): docs/diff.md showed
    `prep render --diff main..HEAD -- model.prep -o change.pdf`, which
    prep refuses ('-o' after -- is taken as a file). Copied from the docs,
    a command must work."""
    bad = []
    for path in [ROOT / "README.md", ROOT / "action.yml", *sorted((ROOT / "docs").glob("**/*.md"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            command = line.split("  #")[0]
            if re.search(r"\bprep \w+ .*?(?<!\S)--(?!\S)(.*)", command):
                after = re.search(r"(?<!\S)--(?!\S)(.*)", command).group(1)
                if re.search(r"(?<!\S)-{1,2}[A-Za-z]", after):
                    bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "\n".join(bad)
