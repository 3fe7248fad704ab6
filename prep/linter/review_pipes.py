"""How the processes of a review (prep/linter/review.py) hand things over:
the old side's model through an unnamed file (memfd, or an unlinked
temporary file) whose length, and first whether the side is recorded,
come through a pipe; a comparison made in a child without the two models
the parent has already."""

from __future__ import annotations

import dataclasses
import os

from ..language.diff import ModelDiff


def _detached(changes: ModelDiff) -> ModelDiff:
    """`changes` without the two models (which the receiver has): what a
    child sends back."""
    return dataclasses.replace(changes, old=None, new=None)


def _scratch_file() -> int:
    """A file descriptor to a file with no name (memfd on Linux, an
    unlinked temporary file elsewhere) that a forked child writes into."""
    if hasattr(os, "memfd_create"):
        try:
            return os.memfd_create("prep-diff", getattr(os, "MFD_CLOEXEC", 0))
        except OSError:  # no memfd in this kernel or sandbox
            pass
    import tempfile

    return os.dup(tempfile.TemporaryFile().fileno())


_RECORDED, _NOT_RECORDED = b"R", b"-"


def _read_flag(read_end: int) -> bytes:
    """The old side's first byte: whether it is recorded; b"" when it said
    nothing (it failed, or ran here)."""
    return os.read(read_end, 1)


def _receive(read_end: int, store: int, unpack):
    """What the child wrote into `store`, unpacked, once it has said how
    long it is; None when it said nothing (it failed, or ran here)."""
    head = b""
    while len(head) < 8:
        chunk = os.read(read_end, 8 - len(head))
        if not chunk:
            return None
        head += chunk
    size = int.from_bytes(head, "little")
    data = bytearray()
    while len(data) < size:
        chunk = os.pread(store, size - len(data), len(data))
        if not chunk:
            raise RuntimeError("the old model was cut short")
        data += chunk
    return unpack(bytes(data))
