"""Files in prep's caches (font subsets, embedded fonts): written whole or
not at all, by any number of processes at once, and never an error.

A cache entry is written to a temporary name in its folder and renamed
over the entry, so a reader sees the old entry or the new one, never half
of one; a folder that cannot be written only means the work is done again
next time. (Outputs a user asked for are written by
`prep.renderer.output.write_output`, which reports failures.)"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def save(path: Path, data: bytes) -> bool:
    """Write `data` to the cache entry `path`, atomically; False when it
    could not be written (the cache then simply misses)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")  # one per writer
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False
