"""`prep serve` without a browser (issue 14): it binds loopback by default,
refuses foreign Host and Origin headers (DNS rebinding), serves nothing but
its page and event stream (no path outside, `..` refused), streams a new
picture on every save and a located error for a bad one, and starts and
stops as a real process without a traceback."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("watchfiles")

from prep.renderer.dot import THEMES  # noqa: E402
from prep.serve import server as serve_module  # noqa: E402
from prep.serve.server import Preview, make_server  # noqa: E402

MODEL = "title \"Live\"\nknowhow kh [owner: [A, B]]\na, kh -> b\nb, kh -> c\n"


def preview_for(path) -> Preview:
    return Preview(str(path), look=lambda: (THEMES["default"], "LR", False, None, "en"), lint_options=dict)


@pytest.fixture
def running(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    preview = preview_for(src)
    assert preview.rebuild() is None
    server = make_server(preview, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, preview, src
    preview.close()
    server.shutdown()
    server.server_close()


def raw(server, request: bytes) -> tuple[int, bytes]:
    """Send exactly `request` (no client library fixing it up)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def get(server, path="/", headers=None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def test_binds_loopback_by_default(tmp_path):
    from prep.cli import cli

    host = next(p for p in cli.commands["serve"].params if p.name == "host")
    assert host.default == "127.0.0.1"
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    server = make_server(preview_for(src), port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_own_host_is_served(running):
    server, _, _ = running
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        status, headers, body = get(server, "/", {"Host": host})
        assert status == 200, host
        assert body.startswith(b"<!DOCTYPE html>")
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "connect-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.nip.io:{port}", "localhost.evil:{port}",
                                  "127.0.0.1:1", "127.0.0.1", "{port}", "", "attacker.com"])
def test_foreign_host_is_refused(running, host):
    server, _, _ = running
    status, _, body = get(server, "/", {"Host": host.format(port=server.port)})
    assert status == 403
    assert b"<svg" not in body and b"prep-data" not in body


def test_missing_host_is_refused(running):
    server, _, _ = running
    status, body = raw(server, b"GET / HTTP/1.0\r\n\r\n")
    assert status == 403 and b"prep-data" not in body


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1:{port}",
                                    "http://127.0.0.1:1", "http://evil.example:{port}"])
def test_foreign_origin_is_refused(running, origin):
    server, _, _ = running
    status, _, _ = get(server, "/events", {"Origin": origin.format(port=server.port)})
    assert status == 403
    status, _, _ = get(server, "/", {"Origin": origin.format(port=server.port)})
    assert status == 403


def test_cross_site_subresource_is_refused(running):
    server, _, _ = running
    status, _, _ = get(server, "/", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert status == 403
    status, _, _ = get(server, "/", {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"})
    assert status == 200


@pytest.mark.parametrize("path", [b"/../../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/..%2f..%2fetc%2fpasswd",
                                  b"/static/../../m.prep", b"/..\\..\\m.prep", b"/%2E%2E/m.prep"])
def test_path_traversal_is_refused(running, path):
    server, _, _ = running
    status, body = raw(server, b"GET " + path + b" HTTP/1.0\r\nHost: 127.0.0.1:" + str(server.port).encode() + b"\r\n\r\n")
    assert status == 400
    assert b"root:" not in body and b"knowhow" not in body


@pytest.mark.parametrize("path", ["/m.prep", "/etc/passwd", "/prep.toml", "//etc/passwd", "/index.html/../m.prep"])
def test_only_its_own_output_is_served(running, path):
    server, _, src = running
    status, _, body = get(server, path)
    assert status in (400, 404)
    assert MODEL.encode() not in body and b"root:" not in body


def test_only_get_and_head(running):
    server, _, _ = running
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/", body=b"x")
    assert conn.getresponse().status == 405
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("HEAD", "/")
    r = conn.getresponse()
    assert r.status == 200 and r.read() == b""
    conn.close()
    # HEAD of the event stream answers as its GET does (it was a 404), with no stream
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("HEAD", "/events")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream") and r.read() == b""
    conn.close()


def read_events(server, since: int, want: int, timeout: float = 30.0) -> list[tuple[str, dict]]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    conn.request("GET", f"/events?since={since}")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    events, name = [], None
    while len(events) < want:
        line = r.fp.readline().decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    conn.close()
    return events


def test_a_save_being_drawn_is_said_before_its_picture(running, monkeypatch):
    """A 400-deliverable model fitted to slides takes seconds to draw, and
    the page showed the picture before the save as if it were current: the
    stream says "busy" when a render starts, then sends its result."""
    import time

    server, preview, src = running
    slow = preview.worker.render

    def slower(*args, **kwargs):
        time.sleep(0.5)
        return slow(*args, **kwargs)

    monkeypatch.setattr(preview.worker, "render", slower)
    since = preview.model_serial
    got = []
    reader = threading.Thread(target=lambda: got.extend(read_events(server, since, 2)), daemon=True)
    reader.start()
    time.sleep(0.3)   # the page is listening
    src.write_text(MODEL + "c -> d\n", encoding="utf-8")
    assert preview.rebuild() is None
    reader.join(30)
    assert [name for name, _ in got] == ["busy", "model"], got
    # a page that connects afterwards gets the picture, not a stale "busy"
    [(name, _)] = read_events(server, since, 1)
    assert name == "model"


def test_the_event_stream_sends_each_save_and_located_errors(running):
    server, preview, src = running
    [(name, data)] = read_events(server, 0, 1)
    assert name == "model" and [d["name"] for d in data["deliverables"]] == ["kh", "a", "b", "c"]
    old_box = data["layout"]["nodes"]["a"]
    src.write_text(MODEL + "c -> d\n", encoding="utf-8")
    assert preview.rebuild() is None
    [(name, data)] = read_events(server, preview.model_serial - 1, 1)
    assert name == "model" and "d" in [d["name"] for d in data["deliverables"]]
    assert data["layout"]["nodes"]["a"] == old_box  # the previous layout keeps boxes in place
    src.write_text(MODEL + "c -> \n", encoding="utf-8")
    problem = preview.rebuild()
    assert problem is not None and "m.prep:5:" in problem
    [(name, data)] = read_events(server, preview.model_serial, 1)
    assert name == "problem" and "m.prep:5:" in data["text"] and "^" in data["text"]
    # the page still carries the last good picture
    status, _, body = get(server, "/")
    assert status == 200 and '"name":"d"' in body.decode()


def test_a_page_of_an_earlier_run_gets_this_run_s_picture_at_once(running):
    """A tab open across a restart of prep serve reconnects with the serial
    of the run it was served by; the new run counts from 1 again, so a
    higher serial of another run must not hold back its pictures (it did:
    the tab said "live" and showed the old picture, saves and all). Each
    event carries an id (run:serial), so a reconnection to the same run
    (Last-Event-ID) is sent only what is newer."""
    server, preview, src = running
    page = get(server, "/")[2].decode()
    assert f'"run":"{preview.run}"' in page
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/events?since=7&run=1234abcd")  # a page of the last run, seven saves in
    r = conn.getresponse()
    lines = []
    while not lines or lines[-1] != "":
        lines.append(r.fp.readline().decode("utf-8").rstrip("\n"))
        if lines[-1] == "" and len(lines) == 2:  # the `retry:` preamble
            lines = []
    conn.close()
    assert lines[0] == f"id: {preview.run}:{preview.model_serial}" and lines[1] == "event: model", lines[:2]
    assert '"name":"kh"' in lines[2]
    # the same run at the same serial, by query or by Last-Event-ID: nothing
    # new, so nothing but the preamble arrives
    for path, headers in ((f"/events?since={preview.model_serial}&run={preview.run}", {}),
                          ("/events?since=0&run=1234abcd", {"Last-Event-ID": f"{preview.run}:{preview.model_serial}"})):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{extra}\r\n".encode())
            s.settimeout(1.0)
            data = b""
            try:
                while chunk := s.recv(65536):
                    data += chunk
            except socket.timeout:
                pass
        assert b"200 OK" in data and b"event:" not in data, (path, data[-300:])


def test_a_problem_says_where_its_carets_point_in_utf16_units(running):
    """The page places each caret by the characters it marks (a kanji is two
    terminal columns, not two letters of the page's font): the problem
    event carries [caret line, start, end] in the line above, in the UTF-16
    units the page's script counts (𠮷 is two)."""
    from prep.serve.server import caret_marks

    server, preview, src = running
    src.write_text(MODEL + "𠮷野家, 価格表 => 受注\n", encoding="utf-8")
    text = preview.rebuild()
    [(name, data)] = read_events(server, preview.model_serial, 1)
    assert name == "problem" and data["text"] == text
    lines = text.split("\n")
    [[i, start, end]] = data["marks"]
    assert lines[i].strip() == "^^" and lines[i - 1].encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le") == "=>"
    assert start == len("  𠮷野家, 価格表 ".encode("utf-16-le")) // 2
    # a caret under a wide name covers the name; text without carets has no marks
    assert caret_marks("x:1:1: error\n  見積 -> a\n  ^^^^") == [[2, 2, 4]]
    assert caret_marks("x: error: no such file\n  hint: check it") == []
    # a caret past the line's end (`顧客の要望 ->` with its target missing, the usual error mid-typing):
    # placed at the end, not left to the terminal's padding (a kanji is two columns there)
    assert caret_marks("x:1:9: error\n  顧客の要望 ->\n                ^") == [[2, 10, 10]]
    assert caret_marks("x:1:9: error\n  顧客の要望 -> \n                ^") == [[2, 11, 11]]


def test_default_port_taken_picks_a_free_one(tmp_path, monkeypatch):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(serve_module, "DEFAULT_PORT", taken.getsockname()[1])
        server = make_server(preview_for(src))
        try:
            assert server.port not in (0, taken.getsockname()[1])
        finally:
            server.server_close()


# ------------------------------------------------------------------ the real process


def start(args, cwd, env=None):
    full_env = dict(os.environ, PYTHONUNBUFFERED="1")
    full_env.pop("PREP_DEBUG", None)
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "prep", "serve", *args], cwd=cwd, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_url(proc, timeout=60.0) -> tuple[str, list[str]]:
    lines = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"at (http://\S+/)", line)
        if m:
            return m.group(1), lines
    proc.kill()
    raise AssertionError("no URL printed:\n" + "".join(lines) + proc.stderr.read())


def stop(proc) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("prep serve did not stop on Ctrl-C")
    return proc.returncode, err


def test_serve_runs_updates_and_stops_cleanly_on_ctrl_c(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    url, _ = wait_for_url(proc)
    assert url.startswith("http://127.0.0.1:")
    host, port = url[7:-1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    conn.close()
    time.sleep(0.3)
    src.write_text(MODEL + "c -> d\n", encoding="utf-8")
    line = proc.stderr.readline()
    assert "updated in" in line, line
    src.write_text("a -> \n", encoding="utf-8")
    line = proc.stderr.readline()
    assert "m.prep:1:" in line, line
    code, err = stop(proc)
    assert code == 0, err
    assert "stopped" in err and "Traceback" not in err


def test_sigterm_stops_cleanly_too(tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    wait_for_url(proc)
    proc.terminate()
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err


def test_non_loopback_host_warns(tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0", "--host", "0.0.0.0"], tmp_path)
    url, lines = wait_for_url(proc)
    code, err = stop(proc)
    assert any("warning: listening on 0.0.0.0" in line for line in lines)
    assert code == 0 and "Traceback" not in err


def test_explicit_port_in_use_is_an_error(tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        r = subprocess.run([sys.executable, "-m", "prep", "serve", "m.prep", "--no-open", "--port",
                            str(taken.getsockname()[1])], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "is in use" in r.stderr and "hint:" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args, message", [
    (["missing.prep"], "missing.prep:1:1: error: no such file\n  hint: model files in this folder: m.prep"),
    (["mm.prep"], "mm.prep:1:1: error: no such file\n  hint: did you mean 'm.prep'?"),
    (["m.prep", "--host", "no.such.host.invalid"], "cannot listen on"),
    (["m.prep", "--port", "70000"], "70000"),
])
def test_bad_arguments_are_messages(tmp_path, args, message):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "prep", "serve", *args, "--no-open"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_a_syntax_error_at_start_still_serves(tmp_path):
    (tmp_path / "m.prep").write_text("a -> \n", encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    url, lines = wait_for_url(proc)
    assert any("m.prep:1:" in line for line in lines)
    host, port = url[7:-1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    assert r.status == 200 and b'id="prep-data">null<' in r.read()
    conn.close()
    code, err = stop(proc)
    assert code == 0 and "Traceback" not in err


def test_the_live_page_font_grows_only_with_new_glyphs():
    """Before the base face is there, the extra face has every glyph drawn
    so far and is replaced only when a save draws a new one."""
    from prep.renderer.webfont import unicode_range
    from prep.serve.font import PageFont

    font = PageFont()
    first = font.css('<svg><text x="0">見積書</text></svg>', None)
    assert first[0] == "" and first[1].startswith("@font-face") and unicode_range("見積書") in first[1]
    # the same glyphs (or fewer): the very same rules, so the page keeps its faces
    assert font.css('<svg><text x="0">積書</text></svg>', None) is first
    grown = font.css('<svg><text x="0">見積書</text><text x="1">承認</text></svg>', None)
    assert grown[1] != first[1] and unicode_range("承認見積書") in grown[1]


def test_with_the_base_face_new_kanji_need_no_new_face():
    """With the base face (cp932's characters, loaded once by the page), a
    save that draws kanji never drawn before sends the very same rules; only
    a character the base lacks (𠮷, not in cp932) grows the extra face, which
    then has just the characters the base lacks, after any number of saves."""
    from prep.renderer.webfont import base_characters, unicode_range
    from prep.serve.font import PageFont

    url = "/font/base-0123456789abcdef0123.otf"
    font = PageFont()
    font.css('<svg><text x="0">見積書</text></svg>', None)  # before the base was there
    rules = font.css('<svg><text x="0">見積書</text></svg>', url)
    assert rules[0].startswith("@font-face") and f"url({url}) format('opentype')" in rules[0]
    assert rules[1] == ""  # the base has them all: the extra face is dropped
    for i, word in enumerate(["鬱蔑", "璽鎧", "①㈱髙", "ｱｲｳ", "Ａｂｃ"]):  # JIS levels 1 and 2, NEC/IBM, half-width
        assert set(word) <= base_characters()
        assert font.css(f'<svg><text x="0">見積書</text><text x="{i}">{word}</text></svg>', url) is rules
    extra = font.css('<svg><text x="0">𠮷野家</text></svg>', url)
    assert extra[0] == rules[0] and unicode_range("𠮷") in extra[1] and "U+91CE" not in extra[1]
    assert font.extra == {"𠮷"}
    for i in range(30):  # many saves, some with a new outside character: the face has exactly those
        extra = font.css(f'<svg><text x="0">𠮷{chr(0x2000B + i % 3)}{i}</text></svg>', url)
    assert font.extra == {"𠮷", "\U0002000B", "\U0002000C", "\U0002000D"}
    assert unicode_range("".join(font.extra)) in extra[1]


def test_the_base_face_is_served_once_named_by_its_hash(running):
    """The page's font comes from its own server: a fixed path the browser
    keeps for good; the Host check applies; any other font path is 404."""
    from fontTools.ttLib import TTFont

    from prep.renderer.webfont import base_characters, font_path

    server, preview, _ = running
    preview.font.wait(120)
    url = preview.font.url
    assert url is not None and url.startswith("/font/base-") and url.endswith(".otf")
    status, headers, body = get(server, url)
    assert status == 200 and headers["Content-Type"] == "font/otf"
    assert "immutable" in headers["Cache-Control"] and headers["X-Content-Type-Options"] == "nosniff"
    cmap = TTFont(io.BytesIO(body)).getBestCmap()
    in_font = set(TTFont(str(font_path()), lazy=True).getBestCmap())
    assert {ord(ch) for ch in base_characters()} & in_font <= set(cmap)
    assert len(cmap) > 7400 and ord("鬱") in cmap
    assert get(server, url, {"Host": "evil.example:80"})[0] == 403
    assert get(server, "/font/base-ffffffffffffffffffff.otf")[0] == 404
    assert "font-src 'self' data:" in headers["Content-Security-Policy"]
    # the page's own rules name it
    preview.rebuild()
    data = json.loads(preview.model_json)
    assert f"url({url})" in data["font"][0]


STAGED = """title "段階"
stage kickoff "Stage 1: 開始" [exit: 計画書]
stage build "Stage 2: 構築"
要件 -> 計画書 [stage: kickoff]
計画書 -> 設計書 [stage: build, note: "レビュー済み"]
"""


def test_the_workers_sizes_are_whole_so_a_save_measures_only_what_is_new(monkeypatch):
    """The render worker's label sizes cover everything the layout asks for
    (stages and the text blocks too), equal to measuring the whole model;
    with them the layout measures nothing again, and a save with one new
    label measures that label alone."""
    import prep.layouter as layouter
    from prep.language import loads
    from prep.serve.worker import Measured

    model = loads(STAGED, "m.prep")
    measured = Measured("Noto Sans CJK JP", 12.0)
    sizes = measured.sizes_for(model, False)
    whole = layouter.measure(model)
    assert sizes.covers(model, False, False)
    for part in ("boxes", "labels", "stages", "groups", "notes", "titles"):
        assert getattr(sizes, part) == getattr(whole, part), part

    asked = []
    real = layouter.measure
    monkeypatch.setattr(layouter, "measure", lambda m, **kw: asked.append(m) or real(m, **kw))
    layouter.layout(model, sizes=sizes)
    assert asked == []  # the layout took the worker's sizes as they were
    edited = loads(STAGED + "設計書 -> 試験報告書\n", "m.prep")
    layouter.layout(edited, sizes=measured.sizes_for(edited, False))
    assert [list(m.deliverables) for m in asked] == [["試験報告書"]] and not asked[0].stages


def test_a_page_previews_the_pages_page_under_page(tmp_path):
    """`prep serve --page 16:9`: the picture is the model fitted to slides,
    each slide a frame titled as the slide is, text at the slide's size."""
    from prep.layouter.page import parse_page

    src = tmp_path / "m.prep"
    src.write_text((Path(__file__).resolve().parents[1] / "examples" / "cs-lifecycle.prep").read_text(encoding="utf-8"),
                   encoding="utf-8")
    page = parse_page("16:9")
    preview = Preview(str(src), look=lambda: (THEMES["default"], None, False, page, "en"), lint_options=dict)
    try:
        assert preview.rebuild() is None
        data = json.loads(preview.model_json)
    finally:
        preview.close()
    svg = data["svg"]["text"]
    titles = re.findall(r"カスタマーサクセス ライフサイクル \(CS lifecycle\) \((\d+)/(\d+)\)", svg)
    assert len(titles) > 1 and {t[1] for t in titles} == {str(len(titles))}  # every page, titled n/N
    assert "prep&#45;offpage" in svg
    sizes = {float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)}
    assert min(sizes) >= page.min_text
    names = {d["name"] for d in data["deliverables"] if not d["name"].startswith("\u2063")}
    assert "更新契約" in names and len(names) == 34
    assert data["title"].startswith("カスタマーサクセス")


def test_a_bad_page_is_refused_before_serving(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "prep", "serve", str(src), "--no-open", "--page", "B7"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown page size 'B7'" in result.stderr


def test_the_live_picture_is_graphviz_s_lighter_one_piece_a_line(tmp_path):
    """`prep serve` sends the picture `prep render` draws without comments,
    white space between elements and a `font-family` on every text (once on
    the <svg>, inherited), one element of the drawing a line, so the page
    can swap only the lines a save changed: the same elements, in the same
    order, with the same attributes and text."""
    import xml.etree.ElementTree as ET

    from prep.embed.viewer import live_svg
    from prep.language import loads
    from prep.renderer import render

    model = loads(MODEL + 'deliverable d "two  spaces\\nlines & <more>"\nc -> d\n', "m.prep")
    drawn = render(model, "svg", embed_fonts=False).decode("utf-8")
    live = live_svg(drawn)
    assert "<!--" not in live and live.count('font-family="') == 1
    lines = live.split("\n")
    assert lines[0].startswith("<svg ") and lines[0].endswith('class="graph" transform="' + lines[0].split(
        'transform="')[1]) and lines[-1] == "</g></svg>"
    assert all(line.startswith("<") and line.endswith(">") for line in lines)
    for line in lines[1:-1]:  # each line one element of the drawing
        element = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{line}</svg>')
        assert len(element) == 1

    def elements(svg: str):
        root = ET.fromstring(svg)
        family = root.get("font-family")
        out = []
        for e in root.iter():
            if e is root:
                continue
            attributes = dict(e.attrib)
            if e.tag.endswith("}text"):
                attributes.setdefault("font-family", family)  # inherited from the <svg>
            out.append((e.tag, attributes, (e.text or "").strip(), (e.tail or "").strip()))
        return out

    assert elements(live) == elements(drawn)
    assert live_svg(drawn) == live  # deterministic


def test_the_live_picture_names_boxes_and_routes_by_prep_s_ids(tmp_path):
    """The live picture's groups are named after prep's DOT ids (a box
    `prep-n<i>`, `i` its place in the model; a route `prep-n<i>-n<j>`), not
    Graphviz's running numbers, which change for every box drawn after a
    new one: a new deliverable changes only its own lines. The page finds
    each box and relation by them."""
    src = tmp_path / "m.prep"
    src.write_text(MODEL + 'group g1 "G" {\n  deliverable z\n}\nkh -> z\n', encoding="utf-8")
    preview = preview_for(src)
    try:
        assert preview.rebuild() is None
        first = json.loads(preview.model_json)
        src.write_text(MODEL + 'group g1 "G" {\n  deliverable z\n  deliverable y\n}\nkh -> z\nb -> y\n',
                       encoding="utf-8")  # y is drawn in the group, before boxes declared earlier
        assert preview.rebuild() is None
        second = json.loads(preview.model_json)
    finally:
        preview.close()
    names = [d["name"] for d in second["deliverables"]]
    assert second["svg"]["nodes"] == {f"prep-n{i}": name for i, name in enumerate(names)}
    relations = second["relations"]
    for svg_id, k in second["svg"]["edges"].items():
        r = relations[k]
        assert svg_id.startswith(f"prep-n{names.index(r['source'])}-n{names.index(r['target'])}")
    lines = second["svg"]["text"].split("\n")
    for svg_id in second["svg"]["nodes"]:
        assert sum(line.startswith(f'<g id="{svg_id}"') for line in lines) == 1
    if first["svg"]["text"].split("\n")[0] == lines[0]:  # the same size: only the new box's and route's lines differ
        assert len(set(lines) - set(first["svg"]["text"].split("\n"))) <= 3


def test_serving_a_workspace_part_says_it_is_read_alone(tmp_path):
    (tmp_path / "prep.toml").write_text("", encoding="utf-8")
    (tmp_path / "main.prep").write_text('include "sales.prep"\ninclude "delivery.prep"\n', encoding="utf-8")
    (tmp_path / "sales.prep").write_text("提案書, 価格表 -> 受注\n", encoding="utf-8")
    (tmp_path / "delivery.prep").write_text("knowhow 価格表 [owner: [A, B]]\n", encoding="utf-8")
    proc = start(["sales.prep", "--no-open", "--port", "0"], tmp_path)
    _, lines = wait_for_url(proc)
    stop(proc)
    assert any(line.startswith("prep serve: note: sales.prep is part of the workspace main.prep: read alone")
               and "(with the whole model: prep serve main.prep)" in line for line in lines), lines
