"""Which files a preview watches, and the watching itself (watchfiles).

The model, and every prep.toml / pyproject.toml that can configure it: in
its folder and each folder above it, up to the repository root (the folder
with `.git`) or at most MAX_LEVELS up. Folders are watched, not files, so an
editor that saves by writing a new file and renaming it over the old one is
seen too; a filter keeps only the files above.

The root of a workspace (a model with `include` lines) adds every file it
reaches (`reached_paths`) and, for each glob include, the folder the glob
searches: a new file there that the glob matches is a change too (it joins
the model), and so is the creation of a file a plain include names but that
is missing (the page shows that error until then), also in a folder that is
not there yet (the nearest folder above it is watched for its creation).
After each change the list is made again, since an edit may add or remove
an include; when the folders to watch differ, the watch is started again on
the new ones. A model without includes watches exactly
what it always did.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CONFIG_NAMES = ("prep.toml", "pyproject.toml")
MAX_LEVELS = 8


def watched_files(model_path: str, plan: "WatchPlan | None" = None) -> set[str]:
    """The model (every file of its workspace: `plan`, made when not
    given) and its configuration files."""
    model = os.path.abspath(model_path)
    files = {model}
    folder = os.path.dirname(model)
    for _ in range(MAX_LEVELS):
        files.update(os.path.join(folder, name) for name in CONFIG_NAMES)
        parent = os.path.dirname(folder)
        if os.path.isdir(os.path.join(folder, ".git")) or parent == folder:
            break
        folder = parent
    return files | set((plan if plan is not None else watch_plan(model_path)).files)


@dataclass(frozen=True)
class WatchPlan:
    """What a workspace adds to the watch: its files, and its globs as
    (absolute folder searched, pattern from the including file's folder,
    that folder)."""
    files: frozenset[str] = frozenset()
    globs: tuple[tuple[str, str, str], ...] = ()

    def folders(self) -> tuple[set[str], set[str]]:
        """(folders watched flat, folders watched with everything below)."""
        flat = {os.path.dirname(f) for f in self.files}
        deep = set()
        for searched, pattern, _ in self.globs:
            parts = pattern.replace("\\", "/").split("/")
            (deep if "**" in parts or any(_wild(p) for p in parts[:-1]) else flat).add(searched)
        return flat, deep

    def takes(self, path: str) -> bool:
        """Is `path` (absolute) one a glob of the workspace matches?"""
        from ..language.workspace import glob_matcher

        for _, pattern, base in self.globs:
            rel = os.path.relpath(path, base)
            if not rel.startswith(".." + os.sep) and glob_matcher(pattern)(rel.replace(os.sep, "/")):
                return True
        return False


def _wild(part: str) -> bool:
    return any(c in part for c in "*?[")


def watch_plan(model_path: str) -> WatchPlan:
    """The files and globs of the workspace `model_path` is the root of
    (empty for a model without includes, or one that cannot be read)."""
    from ..language.diagnostics import PrepError
    from ..language.syntax import IncludeStmt
    from ..language.workspace import _include_lines, _inside, read_workspace

    try:
        with open(model_path, "rb") as f:
            if b"include" not in f.read():
                return WatchPlan()
        ws = read_workspace(model_path, parse=_include_lines)
    except (OSError, PrepError):
        return WatchPlan()
    globs = []
    for base, pattern, _ in ws.globs:
        literal = []
        for part in pattern.replace("\\", "/").split("/"):
            if _wild(part):
                break
            literal.append(part)
        base_abs = os.path.abspath(base or ".")
        globs.append((os.path.normpath(os.path.join(base_abs, *literal)), pattern, base_abs))
    files = {os.path.abspath(p) for p in ws.paths[1:]}
    # a plain include of a file that is not there yet: creating it is a change
    for path, (statements, _) in ws.parsed.items():
        for st in statements:
            if type(st) is IncludeStmt and st.target.strip() and not _wild(st.target):
                target = os.path.abspath(os.path.join(os.path.dirname(path), st.target))
                if _inside(target, ws.folder) and not os.path.lexists(target):
                    files.add(target)
    return WatchPlan(frozenset(files), tuple(globs))


def _folders(model_path: str, plan: WatchPlan) -> list[str]:
    """Every folder to watch (flat): those of the files, and for a glob
    whose `**` (or a wildcard folder) reaches below, every folder under
    the one it searches, hidden ones left out as the glob leaves them.
    A folder not there yet (`include "shared/common.prep"` before
    `shared/` is made) is watched through the nearest folder above it
    that is, so that its creation is seen (`_missing_folders`)."""
    flat, deep = plan.folders()
    out = {os.path.dirname(f) for f in watched_files(model_path, plan)} | flat
    for top in deep:
        for dirpath, dirnames, _ in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            out.add(dirpath)
    for missing in _missing_folders(model_path, plan):
        out.add(_existing_above(missing))
    return sorted(f for f in out if os.path.isdir(f))


def _missing_folders(model_path: str, plan: WatchPlan) -> set[str]:
    """The folders of included files and of globs that are not there yet."""
    flat, deep = plan.folders()
    wanted = {os.path.dirname(f) for f in plan.files} | flat | deep
    return {f for f in wanted if not os.path.isdir(f)}


def _existing_above(folder: str) -> str:
    while not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def changes(model_path: str, stop_event):
    """Yield the set of watched files that changed, after each save (a
    burst of writes within 20 ms is one save), until `stop_event` is set."""
    from watchfiles import watch

    while not stop_event.is_set():
        plan = watch_plan(model_path)
        folders = _folders(model_path, plan)
        state = {"files": watched_files(model_path, plan), "plan": plan,
                 "missing": _missing_folders(model_path, plan)}
        deep = plan.folders()[1]

        def wanted(_change, path: str) -> bool:
            path = os.path.abspath(path)
            if path in state["files"] or state["plan"].takes(path):
                return True
            # a new folder where a `**` glob looks, or on the way to the
            # folder of an included file or a glob not there yet: watched
            # from now on
            return (any(path.startswith(top + os.sep) for top in deep)
                    or any(m == path or m.startswith(path + os.sep) for m in state["missing"])) \
                and os.path.isdir(path)

        for batch in watch(*folders, watch_filter=wanted, step=20, debounce=1600, stop_event=stop_event,
                           recursive=False):
            yield {os.path.abspath(path) for _, path in batch}
            new_plan = watch_plan(model_path)
            if _folders(model_path, new_plan) != folders:
                break  # an include added or removed, a new folder: watch the new folders
            state["files"], state["plan"] = watched_files(model_path, new_plan), new_plan
            state["missing"] = _missing_folders(model_path, new_plan)
        else:
            return
