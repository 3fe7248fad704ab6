"""Work in a forked copy of the process: Ctrl-C stops it at once (Graphviz
holds the GIL, so the parent's signal handlers would otherwise wait), a crash
in C code is an error instead of the end of prep, and a time budget can be
enforced. The result comes back pickled through a pipe."""

from __future__ import annotations

import os


# True in a child made by in_child: work there needs no child of its own
# (Ctrl-C and the budget already stop the whole child)
inside_child = False


class OverBudget(Exception):
    """The work ran longer than its time budget and was stopped."""


def in_child(work, timeout: float | None = None, name: str = "Graphviz"):
    """`work()` in a forked child (POSIX; elsewhere, here, without a budget).
    KeyboardInterrupt in the parent, or `timeout` seconds passing, kills
    the child; the latter raises OverBudget."""
    global inside_child
    if not hasattr(os, "fork") or inside_child:
        return work()
    import pickle
    import select
    import signal
    import time

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code
        status = 0
        try:
            os.close(read_end)
            inside_child = True
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                result = ("ok", work(), None)
            except Exception as e:  # noqa: BLE001 - sent to the parent
                try:
                    exc = pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - an exception that does not pickle
                    exc = None
                result = ("error", exc, str(e).strip() or type(e).__name__)
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    chunks = []
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as inp:
            while True:
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([inp], [], [], left)[0]:
                        raise OverBudget(timeout)
                chunk = inp.read1(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    except BaseException:  # Ctrl-C, the budget, anything: stop the work now
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status):
            raise RuntimeError(f"{name} stopped with signal {os.WTERMSIG(status)}")
        raise RuntimeError(f"{name} stopped with status {os.waitstatus_to_exitcode(status)}")
    kind, value, text = pickle.loads(b"".join(chunks))
    if kind == "error":
        try:
            exc = pickle.loads(value) if value is not None else None
        except Exception:  # noqa: BLE001 - it did not survive the trip
            exc = None
        raise exc if isinstance(exc, Exception) else RuntimeError(text)
    return value
