"""Faults (issue 5): a failed or interrupted run never leaves a partial file
and never replaces the last good output; Ctrl-C exits 130 with one line,
at once, even in the middle of a long Graphviz layout; Graphviz failures
are prep errors that name the model."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import prep

GOOD = "a, k -> b\nknowhow k\n"
OLD = b"<svg>the last good picture</svg>"


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A model and an existing good output in an empty directory (cwd)."""
    (tmp_path / "m.prep").write_text(GOOD, encoding="utf-8")
    (tmp_path / "m.svg").write_bytes(OLD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    from prep.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_untouched(directory: Path, expected=("m.prep", "m.svg")):
    """The old output is intact and no temporary file is left behind."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(expected)
    assert (directory / "m.svg").read_bytes() == OLD


# ------------------------------------------------------------------ writes


def test_a_layout_error_keeps_the_old_output(work, monkeypatch):
    import pygraphviz

    def broken(self, *a, **k):
        raise OSError("Error: syntax error in line 1")

    monkeypatch.setattr(pygraphviz.AGraph, "draw", broken)
    r = invoke("render", "m.prep")
    assert r.exit_code == 2
    assert r.stderr.startswith("m.prep:1:1: error: Graphviz could not draw the model: Error: syntax error in line 1\n")
    assert "hint:" in r.stderr and "Traceback" not in r.stderr
    assert_untouched(work)


def test_dot_that_graphviz_rejects_is_a_prep_error(monkeypatch):
    from prep.renderer import dot as dot_module

    monkeypatch.setattr(dot_module, "to_dot", lambda *a, **k: "digraph { a -> ; }")
    with pytest.raises(prep.PrepError) as caught:
        prep.render(prep.loads(GOOD, "model.prep"), "svg")
    d = caught.value.diagnostics[0]
    assert (d.code, d.span.path) == ("R001", "model.prep")
    assert d.message.startswith("Graphviz could not draw the model")


def test_a_graphviz_crash_is_a_prep_error_not_the_end_of_prep(monkeypatch):
    """Big layouts run in a child process; if Graphviz dies there (abort,
    segfault), prep reports it and lives on."""
    import pygraphviz

    from prep.layouter import graphviz

    parent = os.getpid()

    def crash(self, *a, **k):
        if os.getpid() == parent:  # never abort the test process itself
            raise AssertionError("the layout did not run in a child process")
        import faulthandler

        faulthandler.disable()  # no dump of the child's stack into the test output
        os.abort()

    monkeypatch.setattr(graphviz, "FORK_ABOVE", 0)
    monkeypatch.setattr(pygraphviz.AGraph, "draw", crash)
    with pytest.raises(prep.PrepError) as caught:
        prep.render(prep.loads(GOOD, "model.prep"), "png")
    d = caught.value.diagnostics[0]
    assert d.span.path == "model.prep"
    assert d.message == f"Graphviz could not draw the model: Graphviz stopped with signal {signal.SIGABRT}"


def test_the_child_layout_gives_the_same_picture(monkeypatch):
    from prep.layouter import graphviz

    model = prep.loads(GOOD)
    in_process = prep.render(model, "svg")
    monkeypatch.setattr(graphviz, "FORK_ABOVE", 0)
    assert prep.render(model, "svg") == in_process


def test_disk_full_keeps_the_old_output(work, monkeypatch):
    from prep.renderer import output

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    r = invoke("render", "m.prep")
    assert r.exit_code == 2
    assert r.stderr.startswith("m.svg:1:1: error: cannot write the output: No space left on device\n")
    assert_untouched(work)


def test_ctrl_c_while_writing_keeps_the_old_output(work, monkeypatch):
    from prep.renderer import output

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupted)
    r = invoke("render", "m.prep")
    assert r.exit_code == 130
    assert r.stderr == "prep: interrupted\n"
    assert_untouched(work)


def test_unwritable_directory_simulated(work, monkeypatch):
    from prep.renderer import output

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkstemp", denied)
    r = invoke("render", "m.prep")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"m.svg:1:1: error: permission denied: cannot write in {work}\n")
    assert_untouched(work)


@pytest.mark.parametrize("command", [("render", "m.prep", "-o", "m.svg"),
                                     ("export", "m.prep", "-o", "m.xlsx", "--force"),
                                     ("report", "m.prep", "-o", "m.docx")])
def test_an_output_open_in_another_program_is_named_not_its_folder(work, monkeypatch, command):
    """On Windows a workbook or document open in Excel or Word cannot be
    replaced (os.replace: PermissionError) though its folder is writable.
    prep said "permission denied: cannot write in C:\\...\\Documents",
    which sent the user to the folder's rights; it names the file now, and
    what usually holds it."""
    from prep.renderer import output

    name = command[3]
    (work / name).write_bytes(OLD)

    def in_use(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(output.os, "replace", in_use)
    r = invoke(*command)
    assert r.exit_code == 2, r.stderr
    assert (f"error: cannot write {name}: the file is open in another program (Excel, Word, a viewer) "
            "or read-only\n  hint: close it and run again, or choose another -o path\n") in r.stderr, r.stderr
    assert "cannot write in" not in r.stderr and "Traceback" not in r.stderr
    assert (work / name).read_bytes() == OLD
    assert_untouched(work, ("m.prep", "m.svg", name) if name != "m.svg" else ("m.prep", "m.svg"))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_read_only_directory(work):
    out = work / "ro"
    out.mkdir()
    (out / "m.svg").write_bytes(OLD)
    out.chmod(0o555)
    try:
        r = invoke("render", "m.prep", "-o", "ro/m.svg")
        assert r.exit_code == 2
        assert "permission denied" in r.stderr
        assert sorted(p.name for p in out.iterdir()) == ["m.svg"]
        assert (out / "m.svg").read_bytes() == OLD
    finally:
        out.chmod(0o755)


@pytest.mark.parametrize("target", ["m.prep", "./m.prep", "alias.prep"])
def test_output_equal_to_the_input_is_refused(work, target):
    (work / "alias.prep").symlink_to(work / "m.prep")
    r = invoke("render", "m.prep", "-f", "svg", "-o", target)
    assert r.exit_code == 2
    assert "the output path is the input model; refusing to overwrite it" in r.stderr
    assert "hint: choose another output with -o" in r.stderr
    assert (work / "m.prep").read_text(encoding="utf-8") == GOOD
    assert_untouched(work, ("alias.prep", "m.prep", "m.svg"))


def test_missing_output_directory_is_a_clear_error(work):
    r = invoke("render", "m.prep", "-o", "no/such/dir/m.svg")
    assert r.exit_code == 2
    first, *rest = r.stderr.splitlines()
    assert first == "no/such/dir/m.svg:1:1: error: the folder no/such/dir/ does not exist"
    assert rest == ["  hint: create it first (mkdir -p no/such/dir) or choose another -o path"]
    assert_untouched(work)


def test_output_path_that_is_a_directory(work):
    (work / "out").mkdir()
    r = invoke("render", "m.prep", "-f", "svg", "-o", "out")
    assert r.exit_code == 2
    assert "the output path is a directory" in r.stderr
    assert list((work / "out").iterdir()) == []


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a folder, not a model file"),
])
def test_unreadable_inputs(tmp_path, monkeypatch, make, message):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "x.prep")
    r = invoke("render", "x.prep")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"x.prep:1:1: error: {message}\n")
    assert "hint:" in r.stderr


# ------------------------------------------------------------------ Ctrl-C in a real process


def big_model(n: int = 2500, seed: int = 5) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(10, n):
        ins = rng.sample(range(max(0, i - 60), i), 2)
        lines.append(", ".join(f"d{j}" for j in ins) + f" -> d{i}")
    return "\n".join(lines) + "\n"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_during_a_long_layout(tmp_path):
    """Ctrl-C in the middle of a layout that takes a minute: exit 130 at
    once, one line on stderr, the old output intact, no temporary file, no
    Graphviz process left running."""
    (tmp_path / "big.prep").write_text(big_model(), encoding="utf-8")
    (tmp_path / "big.svg").write_bytes(OLD)
    env = dict(os.environ)
    env.pop("PREP_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "prep", "render", "big.prep", "--force", "-o", "big.svg"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # wait until the layout is running (in its child process), or 3 s
    deadline = time.monotonic() + 3
    children: list[int] = []
    while time.monotonic() < deadline and not children and proc.poll() is None:
        time.sleep(0.05)
        children = _children(proc.pid)
    time.sleep(0.3)
    assert proc.poll() is None, "the render finished before it could be interrupted"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5, "Ctrl-C waited for the layout to finish"
    assert proc.returncode == 130
    assert stderr == b"prep: interrupted\n"
    assert stdout == b""
    assert (tmp_path / "big.svg").read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.prep", "big.svg"]
    for child in children:
        assert not Path(f"/proc/{child}").exists(), "the layout process was left running"


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_workers_of_a_stopped_child_die_with_it(tmp_path):
    """A child stopped by Ctrl-C or its time budget takes the workers it
    forked with it (the flip-book draws frames in such workers): nothing
    keeps drawing, or printing, after prep has given up."""
    from prep import _process

    pid_file = tmp_path / "worker.pid"

    def child_work():
        worker = _process.Child(lambda: time.sleep(60), "a worker")
        pid_file.write_text(str(worker.pid), encoding="utf-8")
        time.sleep(60)

    child = _process.Child(child_work, "a child with a worker")
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)
    worker = int(pid_file.read_text(encoding="utf-8"))
    assert _alive(worker)
    child.stop()
    deadline = time.monotonic() + 10
    while _alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its parent"
        time.sleep(0.05)


def _processes_with(text: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_stopped_flipbook_leaves_no_frame_worker_behind(tmp_path):
    """`prep render --flipbook` draws its frames in workers forked by the
    render's own child. When prep stops that child (its --timeout, or
    Ctrl-C in prep alone), the workers go too: none of them goes on
    drawing and printing after prep has exited."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from generate import generate

    model = tmp_path / "big-flipbook.prep"
    model.write_text(generate(1200, profile="long-range", stages=6), encoding="utf-8")
    err = tmp_path / "stderr.txt"
    with err.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "prep", "render", "--flipbook", str(model), "-o",
                                 str(tmp_path / "book.pdf"), "--force"], stdout=subprocess.DEVNULL, stderr=stderr)
        # prep, the render's child and its frame workers
        deadline = time.monotonic() + 60
        while len(_processes_with(str(model))) < 3:
            assert proc.poll() is None, "the flip-book ended before its workers were seen"
            assert time.monotonic() < deadline, "no frame workers"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)  # to prep alone: it stops its child
        assert proc.wait(timeout=30) == 130
    # SIGKILL from the kernel, at once (a worker left alone would draw its
    # frames for a second or more)
    deadline = time.monotonic() + 0.5
    while _processes_with(str(model)):
        assert time.monotonic() < deadline, "a frame worker outlived prep"
        time.sleep(0.05)
    assert b"Traceback" not in err.read_bytes()
    assert not (tmp_path / "book.pdf").exists()
