"""The commands that walk a folder leave out what git ignores (docs/ci.md,
docs/configuration.md): `prep lint DIR`, `prep fmt DIR`, the language
server's scan. Files named on the command line are always checked; without
git or outside a repository nothing is ignored; `respect-gitignore = false`
(or --no-respect-gitignore) turns it off. Real git repositories in a
temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from workspace_files import file_writer

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

WARN = "deliverable a [external]\nknowhow k [owner: Sato]\ndeliverable r [final]\na, k -> r\n"
UGLY = "deliverable   a [external]\nknowhow k [owner: [Sato, Ito]]\ndeliverable r [final]\na,k->r\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True).stdout.decode()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with ignored folders (build/, vendor/), a pattern with a
    negation at the top (*.gen.prep but keep.gen.prep), a nested .gitignore
    (src/: *.tmp.prep), and a tracked file inside an ignored folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)  # no user's global excludes file
    write = file_writer(tmp_path)
    git(tmp_path, "init", "-q")
    write(".gitignore", "build/\nvendor/\n*.gen.prep\n!keep.gen.prep\n")
    write("src/.gitignore", "*.tmp.prep\n")
    for name in ("build/a.prep", "build/deep/b.prep", "vendor/lib.prep", "vendor/pinned.prep",
                 "src/x.gen.prep", "src/keep.gen.prep", "src/y.tmp.prep", "src/ok.prep", "top.prep"):
        write(name, WARN)
    git(tmp_path, "add", "-f", "vendor/pinned.prep")  # tracked: .gitignore no longer applies
    write.path = tmp_path
    return write


KEPT = ["src/keep.gen.prep", "src/ok.prep", "top.prep", "vendor/pinned.prep"]
EVERY = sorted(KEPT + ["build/a.prep", "build/deep/b.prep", "vendor/lib.prep", "src/x.gen.prep", "src/y.tmp.prep"])


def linted(cli, *args: str) -> list[str]:
    r = cli("lint", "--format", "json", *args)
    assert r.exit_code in (0, 1), r.output
    return sorted({d["path"] for d in json.loads(r.stdout)})


def test_lint_skips_what_git_ignores_below_a_folder(repo, cli):
    assert linted(cli) == KEPT
    assert linted(cli, ".") == KEPT
    assert linted(cli, "src") == ["src/keep.gen.prep", "src/ok.prep"]  # the nested .gitignore
    r = cli("lint")
    assert "Checked 4 files" in r.output


def test_a_file_or_folder_named_is_checked_even_when_ignored(repo, cli):
    assert linted(cli, "src/x.gen.prep", "build/a.prep") == ["build/a.prep", "src/x.gen.prep"]
    # an ignored folder named: walked in full
    assert linted(cli, "build") == ["build/a.prep", "build/deep/b.prep"]


def test_the_switch_turns_it_off(repo, cli):
    assert linted(cli, "--no-respect-gitignore") == EVERY
    repo("prep.toml", "respect-gitignore = false\n")
    assert linted(cli) == EVERY
    assert linted(cli, "--respect-gitignore") == KEPT  # the command line wins
    os.remove("prep.toml")
    repo("pyproject.toml", "[tool.prep]\nrespect-gitignore = false\n[tool.prep.lint]\nignore = ['I']\n")
    assert linted(cli) == EVERY


def test_a_switch_that_is_not_a_boolean_is_an_error_at_its_line(repo, cli):
    repo("prep.toml", '[lint]\nignore = ["I"]\n')
    repo("prep.toml", 'respect-gitignore = "yes"\n')
    for command in (("lint",), ("fmt", "--check")):
        r = cli(*command)
        assert r.exit_code == 2 and "Traceback" not in r.output
        assert "prep.toml:1:22: error: respect-gitignore must be true or false, not 'yes'" in r.stderr


def test_fmt_check_skips_what_git_ignores(repo, cli):
    for name in EVERY:
        repo(name, UGLY)
    r = cli("fmt", "--check")
    assert r.exit_code == 1
    assert sorted(line.split()[-1] for line in r.stdout.splitlines()) == KEPT
    r = cli("fmt", "--check", "--no-respect-gitignore")
    assert sorted(line.split()[-1] for line in r.stdout.splitlines()) == EVERY
    r = cli("fmt", "src/y.tmp.prep")  # named: formatted
    assert r.exit_code == 0 and Path("src/y.tmp.prep").read_text(encoding="utf-8") != UGLY
    assert Path("src/x.gen.prep").read_text(encoding="utf-8") == UGLY


def test_outside_a_repository_or_without_git_nothing_is_ignored(repo, cli, monkeypatch):
    shutil.rmtree(".git")
    assert linted(cli) == EVERY
    git(repo.path, "init", "-q")
    git(repo.path, "add", "-f", "vendor/pinned.prep")
    assert linted(cli) == KEPT
    monkeypatch.setenv("PATH", str(repo.path / "no-such-bin"))  # git cannot be found
    assert linted(cli) == EVERY


def test_the_language_servers_scan_skips_what_git_ignores(repo):
    from prep.lsp.project import model_files

    assert sorted(model_files(".")) == KEPT
    repo("prep.toml", "respect-gitignore = false\n")
    assert sorted(model_files(".")) == EVERY


def test_a_repository_below_the_folder_walked_is_asked_too(tmp_path, cli, monkeypatch):
    """An editor opened on a folder of clones; `prep lint` from above them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    write = file_writer(tmp_path)
    write("clone/.gitignore", "out/\n")
    write("clone/out/gen.prep", WARN)
    write("clone/model.prep", WARN)
    write("notes/n.prep", WARN)
    git(tmp_path / "clone", "init", "-q")
    assert linted(cli) == ["clone/model.prep", "notes/n.prep"]


def test_lint_a_folder_as_a_real_process(repo, prep_run):
    p = prep_run("lint", "--format", "json", ".", cwd=repo.path)
    assert p.returncode == 1, p.stderr.decode()
    assert sorted({d["path"] for d in json.loads(p.stdout)}) == KEPT
