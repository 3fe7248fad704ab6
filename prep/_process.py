"""Work in a forked copy of the process: Ctrl-C stops it at once (Graphviz
holds the GIL, so the parent's signal handlers would otherwise wait), a crash
in C code is an error instead of the end of prep, a time budget can be
enforced, and two pieces of work can use two cores. The result comes back
pickled through a pipe."""

from __future__ import annotations

import os
from functools import lru_cache

# True in a child made here: work there needs no child of its own
# (Ctrl-C and the budget already stop the whole child)
inside_child = False


class OverBudget(Exception):
    """The work ran longer than its time budget and was stopped."""


class Afterwards:
    """What work returns to hand `value` back at once and do `then()`
    after (keep a cache entry, say) while the parent goes on with the
    value: a child's `take()` returns as soon as the value is sent, its
    `wait()` also waits for `then`. Where the work ran here, `then` runs
    before the value is returned. An error in `then` is ignored (the
    value is handed over already)."""

    def __init__(self, value, then):
        self.value, self.then = value, then


def _run_then(then) -> None:
    try:
        then()
    except Exception:  # noqa: BLE001 - see Afterwards
        pass


class _Done:
    """The result of work that ran here (no fork)."""

    def __init__(self, work):
        self.value, self.error = None, None
        try:
            self.value = work()
        except Exception as e:  # noqa: BLE001 - raised again by wait()
            self.error = e
        if isinstance(self.value, Afterwards):
            _run_then(self.value.then)
            self.value = self.value.value

    def wait(self, timeout: float | None = None):
        if self.error is not None:
            raise self.error
        return self.value

    take = wait

    def stop(self) -> None:
        pass


class Child:
    """Work started in a forked child; `wait()` returns its result."""

    def __init__(self, work, name: str):
        import pickle
        import signal

        self.name = name
        read_end, write_end = os.pipe()
        parent = os.getpid()
        die_with_parent = _parent_death_signal()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never return into the caller's code
            global inside_child
            status = 0
            try:
                os.close(read_end)
                inside_child = True
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                if die_with_parent is not None:
                    die_with_parent(parent)
                then = None
                try:
                    value = work()
                    if isinstance(value, Afterwards):
                        value, then = value.value, value.then
                    result = ("ok", value, None)
                except Exception as e:  # noqa: BLE001 - sent to the parent
                    try:
                        exc = pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL)
                    except Exception:  # noqa: BLE001 - an exception that does not pickle
                        exc = None
                    result = ("error", exc, str(e).strip() or type(e).__name__)
                payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
                if then is not None:  # the parent has the value: it goes on while this is done
                    _run_then(then)
            except BaseException:  # noqa: BLE001
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        self.read_end = read_end
        self.reaped = False
        self.taken = None  # (the value,) once `take` has it

    def stop(self) -> None:
        """Give up on the work: stop the child now (when the caller failed
        before it asked for the result, or does not wait for the work
        after it)."""
        import signal

        if self.reaped:  # waited for already: the pid may be another process's now
            return
        self.reaped = True
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        if self.read_end is not None:
            try:
                os.close(self.read_end)
            except OSError:
                pass
            self.read_end = None

    def wait(self, timeout: float | None = None):
        """The result, once the child is done (its `Afterwards` work too)."""
        value = self.take(timeout)
        if not self.reaped:
            self.reaped = True
            os.waitpid(self.pid, 0)
        return value

    def take(self, timeout: float | None = None):
        """The result as soon as the child has sent it; `wait()` (or
        `stop()`) later for the rest of its work (`Afterwards`)."""
        import pickle
        import select
        import signal
        import time

        if self.taken is not None:
            return self.taken[0]
        chunks = []
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            read_end, self.read_end = self.read_end, None
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
            self.reaped = True
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            raise
        if not chunks:
            _, status = os.waitpid(self.pid, 0)
            self.reaped = True
            if os.WIFSIGNALED(status):
                raise RuntimeError(f"{self.name} stopped with signal {os.WTERMSIG(status)}")
            raise RuntimeError(f"{self.name} stopped with status {os.waitstatus_to_exitcode(status)}")
        kind, value, text = pickle.loads(b"".join(chunks))
        if kind == "error":
            os.waitpid(self.pid, 0)
            self.reaped = True
            try:
                exc = pickle.loads(value) if value is not None else None
            except Exception:  # noqa: BLE001 - it did not survive the trip
                exc = None
            raise exc if isinstance(exc, Exception) else RuntimeError(text)
        self.taken = (value,)
        return value


def _parent_death_signal():
    """On Linux, a function that makes the calling child die (SIGKILL) when
    its parent does, or None. A child that forks workers of its own (the
    flip-book draws its frames on every core) may be killed by its parent
    (Ctrl-C, the time budget); its workers must not live on, drawing and
    printing after prep has exited. Only from the main thread: the kernel
    sends the signal when the *thread* that forked ends."""
    import sys
    import threading

    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    prctl = _prctl()
    if prctl is None:
        return None

    def die_with_parent(parent: int) -> None:
        import signal

        PR_SET_PDEATHSIG = 1
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before that took effect
            os._exit(1)

    return die_with_parent


@lru_cache(maxsize=1)
def _prctl():
    """libc's prctl, or None."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):  # no ctypes or no prctl here
        return None


def map_forked(work, items: list, name: str = "the work", max_workers: int = 4) -> list:
    """[work(x) for x in items], in order; with several cores, in forked
    workers (up to `max_workers`, one per core) that each take every n-th
    item, so items that grow along the list are shared fairly. One worker's
    failure stops the others and is raised here; so is Ctrl-C. Graphviz
    holds the GIL: threads would not help."""
    workers = min(len(items), os.cpu_count() or 1, max_workers)
    if workers < 2 or not hasattr(os, "fork"):
        return [work(x) for x in items]
    children = []
    try:
        for k in range(workers):
            children.append(Child(lambda k=k: [work(x) for x in items[k::workers]], name))
        out: list = [None] * len(items)
        for k in range(workers):
            out[k::workers] = children.pop(0).wait()  # a failed wait stops its own child
        return out
    finally:
        for child in children:  # still running: another one failed, or Ctrl-C
            child.stop()


def start(work, name: str = "the work"):
    """`work()` started in a forked child (POSIX, and not already in one);
    elsewhere it runs here and now. `.wait(timeout)` gives the result."""
    if not hasattr(os, "fork") or inside_child:
        return _Done(work)
    return Child(work, name)


def in_child(work, timeout: float | None = None, name: str = "Graphviz"):
    """`work()` in a forked child, waited for: KeyboardInterrupt in the
    parent, or `timeout` seconds passing, kills the child; the latter raises
    OverBudget."""
    return start(work, name).wait(timeout)
