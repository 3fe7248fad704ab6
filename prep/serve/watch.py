"""Which files a preview watches, and the watching itself (watchfiles).

The model, and every prep.toml / pyproject.toml that can configure it: in
its folder and each folder above it, up to the repository root (the folder
with `.git`) or at most MAX_LEVELS up. Folders are watched, not files, so an
editor that saves by writing a new file and renaming it over the old one is
seen too; a filter keeps only the files above.
"""

from __future__ import annotations

import os

CONFIG_NAMES = ("prep.toml", "pyproject.toml")
MAX_LEVELS = 8


def watched_files(model_path: str) -> set[str]:
    model = os.path.abspath(model_path)
    files = {model}
    folder = os.path.dirname(model)
    for _ in range(MAX_LEVELS):
        files.update(os.path.join(folder, name) for name in CONFIG_NAMES)
        parent = os.path.dirname(folder)
        if os.path.isdir(os.path.join(folder, ".git")) or parent == folder:
            break
        folder = parent
    return files


def changes(model_path: str, stop_event):
    """Yield the set of watched files that changed, after each save (a
    burst of writes within 20 ms is one save), until `stop_event` is set."""
    from watchfiles import watch

    files = watched_files(model_path)
    folders = sorted({os.path.dirname(f) for f in files})
    for batch in watch(*folders, watch_filter=lambda _change, path: os.path.abspath(path) in files,
                       step=20, debounce=1600, stop_event=stop_event, recursive=False):
        yield {os.path.abspath(path) for _, path in batch}
