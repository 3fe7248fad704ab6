"""Where a workspace ends: the folder a model may read from (the nearest
prep.toml / pyproject.toml with [tool.prep], else the repository, else the
model's own folder), and the symbolic links that lead out of it. Used by
the loader of workspaces (`workspace.py`) and by the reading of any model
file (`source.read_source`): a model named on the command line that is a
link leading out is refused as an include is."""

from __future__ import annotations

import os

from .gitignore import git_folder


def workspace_root(root_file: str) -> str:
    """The absolute folder a workspace may read from: the nearest folder at
    or above `root_file` with a prep.toml or a pyproject.toml that has a
    [tool.prep] table, else the nearest with a `.git` entry, else the root
    file's own folder."""
    start = os.path.dirname(os.path.abspath(root_file))
    d = start
    while True:
        if _configured(d):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return git_folder(start) or start


def marked(folder: str) -> bool:
    """Is `folder` a workspace root by a marker (a prep.toml, a
    pyproject.toml with [tool.prep], or a `.git` entry), rather than only
    because a root file is in it (`workspace_root`'s last resort)?"""
    return _configured(folder) or os.path.lexists(os.path.join(folder, ".git"))


def _configured(folder: str) -> bool:
    """A prep.toml, or a pyproject.toml with [tool.prep], in `folder`."""
    return os.path.isfile(os.path.join(folder, "prep.toml")) or has_tool_prep(os.path.join(folder, "pyproject.toml"))


def has_tool_prep(path: str) -> bool:
    """A pyproject.toml with a [tool.prep] table (the same test as the
    configuration's; an unreadable one is no marker: lint reports it)."""
    if not os.path.isfile(path):
        return False
    import tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "prep" in tool


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def shown_folder(folder: str) -> str:
    """The workspace root as messages name it: relative below the current
    folder, else absolute (never a path outside it that the model named)."""
    rel = os.path.relpath(folder)
    if rel == ".":
        return "the current folder"
    return folder if rel.startswith("..") else rel.replace(os.sep, "/")


def first_link_out(path: str, real_folder: str, real=os.path.realpath) -> str:
    """The shortest leading part of `path` inside the workspace whose real
    place is outside it: the link itself. (The folders above the workspace
    are not links out: a part's error named 'cases', or '/tmp', when the
    command ran above the workspace.)"""
    parts = path.split(os.sep)
    for i in range(1, len(parts) + 1):
        prefix = os.sep.join(parts[:i])
        if not prefix:
            continue
        here = real(prefix)
        if inside(real_folder, here):
            continue   # the workspace's folder or one above it
        if not inside(here, real_folder):
            return prefix
    return path


def link_out_of_workspace(path: str) -> tuple[str, str] | None:
    """(the link as `path` spells it, the workspace's folder as shown) when
    `path`, or a folder on its way below its workspace's folder, is a
    symbolic link whose real place is outside that workspace; else None.
    The workspace is found from where the link stands, not where it leads."""
    absolute = os.path.abspath(path)
    real = os.path.realpath(absolute)
    if real == absolute:   # no link on the way (nearly always): nothing more to look at
        return None
    folder = workspace_root(path)
    real_folder = os.path.realpath(folder)
    if inside(real, real_folder):
        return None
    return first_link_out(os.path.normpath(path), real_folder), shown_folder(folder)
