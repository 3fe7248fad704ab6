"""Models at git revisions: `prep diff main..HEAD -- model.prep` reads the
blobs through `git show REV:path`, so it works in a CI checkout without a
second work tree. A file that does not exist at a revision is an empty
model there (a model added or deleted between the revisions)."""

from __future__ import annotations

import os
import subprocess

from .diagnostics import PrepError
from .model import Model

WORKTREE = None  # the revision meaning "the file as it is on disk"


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise PrepError.at(cwd, "git is not installed, so revisions cannot be read", name="no-git",
                           hint="install git, or compare two files: prep diff OLD.prep NEW.prep") from None


def repository_of(path: str) -> tuple[str, str]:
    """(the work tree's top folder, `path` relative to it, with '/')."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        raise PrepError.at(path, f"no folder {folder}", name="usage-error")
    proc = _git(["rev-parse", "--show-toplevel"], folder)
    if proc.returncode != 0:
        raise PrepError.at(path, "not inside a git repository, so revisions cannot be read", name="not-a-repository",
                           hint="run prep diff inside the repository's work tree, or compare two files: "
                                "prep diff OLD.prep NEW.prep")
    top = proc.stdout.decode("utf-8", "replace").strip()
    rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), os.path.realpath(top))
    return top, rel.replace(os.sep, "/")


def check_revision(rev: str, path: str) -> None:
    top, _ = repository_of(path)
    proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if proc.returncode != 0:
        raise PrepError.at(path, f"unknown revision '{rev}'", name="bad-revision",
                           hint="a branch, tag or commit (git log --oneline shows them); a range is OLD..NEW")


def exists_at(rev: str | None, path: str) -> bool:
    """Is there a file `path` at revision `rev` (None: on disk)?"""
    if rev is WORKTREE:
        return os.path.isfile(path)
    top, rel = repository_of(path)
    return _git(["cat-file", "-e", f"{rev}:{rel}"], top).returncode == 0


def load_at(rev: str | None, path: str) -> Model:
    """The model in `path` at revision `rev` (None: the file on disk); an
    empty model when the file does not exist there."""
    from . import load, loads
    from .source import decode_source

    if rev is WORKTREE:
        if not os.path.exists(path):
            return loads("", path)
        return load(path)
    check_revision(rev, path)
    top, rel = repository_of(path)
    label = f"{rev}:{rel}"
    proc = _git(["cat-file", "-e", f"{rev}:{rel}"], top)
    if proc.returncode != 0:  # not in that revision: added or deleted since
        return loads("", label)
    blob = _git(["show", f"{rev}:{rel}"], top)
    if blob.returncode != 0:
        raise PrepError.at(label, "git could not read the file: " + blob.stderr.decode("utf-8", "replace").strip(),
                           name="bad-revision")
    return loads(decode_source(blob.stdout, label), label)
