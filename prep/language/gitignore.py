"""What git ignores below a folder, for the commands that walk one (`prep
lint DIR`, `prep fmt DIR`, the language server's scan of a workspace):
a `build/`, `vendor/` or generated `*.prep` that .gitignore lists is not
the team's, so it is not linted (as ruff's `respect-gitignore`).

One `git ls-files --others --ignored --exclude-standard --directory` per
folder walked, not one call per file: git reads every .gitignore (nested
ones and their `!` negations too), .git/info/exclude and the user's global
excludes file, and names an ignored folder once ("build/") instead of
every file in it, so the walk does not even enter it. A file git tracks is
never ignored (`--others`), whatever .gitignore says.

Without git, outside a repository, or when git fails, nothing is ignored.
A folder given by name that git ignores as a whole is walked in full: it
was asked for (a file given by name is never looked up here at all). A
repository met below the folder walked (a folder of clones that an editor
opens, a submodule) is asked in turn, for what lies in it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Ignored:
    """The paths git ignores below one folder, relative to it with '/'."""

    files: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.files or self.folders)

    def file(self, rel: str) -> bool:
        return rel in self.files

    def folder(self, rel: str) -> bool:
        return rel in self.folders


NOTHING = Ignored()


def git_folder(start: str) -> str | None:
    """The nearest folder at or above `start` with a `.git` entry (a folder,
    or the file of a worktree or submodule), or None: a few stat calls, no
    process."""
    here = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def in_repository(folder: str) -> bool:
    """Is `folder` inside a git work tree, as far as a look for `.git` in it
    and above it tells? GIT_DIR set: git is asked."""
    return bool(os.environ.get("GIT_DIR")) or git_folder(folder) is not None


def ignored_below(folder: str) -> Ignored:
    """What git ignores below `folder` (NOTHING outside a repository, without
    git, or when git fails)."""
    if not os.path.isdir(folder) or not in_repository(folder):
        return NOTHING
    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
                              cwd=folder, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return NOTHING
    if proc.returncode != 0:
        return NOTHING
    files, folders = set(), set()
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        if entry == "./":  # the folder itself is ignored: it was named, so it is walked
            return NOTHING
        if entry.endswith("/"):
            folders.add(entry.rstrip("/"))
        else:
            files.add(entry)
    return Ignored(frozenset(files), frozenset(folders))


def relative(path: str, top: str) -> str:
    """`path` (below `top`, as os.walk gives it) relative to `top`, with '/'."""
    rel = os.path.relpath(path, top)
    return "" if rel == "." else rel.replace(os.sep, "/")


def joined(rel_folder: str, name: str) -> str:
    return f"{rel_folder}/{name}" if rel_folder else name


def walk_models(folder: str, respect_gitignore: bool = True) -> Iterator[tuple[str, list[str]]]:
    """(folder path, the names of its *.prep files, sorted) for `folder` and
    every folder below it, top-down and sorted, as os.walk gives them: hidden
    folders skipped and, with `respect_gitignore`, what git ignores."""
    # the folder each repository met was asked at, and its answer, by path
    asked: dict[str, tuple[str, Ignored]] = {}
    if respect_gitignore:
        asked[folder] = (folder, ignored_below(folder))
    for dirpath, dirnames, filenames in os.walk(folder):
        base, ignored = asked.get(dirpath, (dirpath, NOTHING))
        if respect_gitignore and dirpath != folder and ".git" in dirnames + filenames:
            base, ignored = dirpath, ignored_below(dirpath)  # a repository of its own
        here = relative(dirpath, base) if ignored else ""
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not (ignored and ignored.folder(joined(here, d))))
        if respect_gitignore:
            for d in dirnames:
                asked[os.path.join(dirpath, d)] = (base, ignored)
        asked.pop(dirpath, None)
        yield dirpath, sorted(f for f in filenames if f.endswith(".prep")
                              and not (ignored and ignored.file(joined(here, f))))
