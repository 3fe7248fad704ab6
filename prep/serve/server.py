"""The live preview: re-render on save, push the new picture to the page.

Why the standard library's threading HTTP server and not Starlette with
Uvicorn: the server answers two requests (the page, and one long-lived
stream of server-sent events per open tab) for one local browser; a thread
per connection is plenty, Ctrl-C stops it at once (daemon threads, no event
loop to drain), and it adds no dependency. Only the file watching comes from
outside: watchfiles (inotify and friends, in Rust), so a save shows in the
browser within tens of milliseconds without polling.

Safety (docs/viewer.md#safety):
- it binds 127.0.0.1 unless told otherwise (the CLI warns for any address
  other computers can reach);
- it answers only requests whose Host is its own (an IP address with its
  port, localhost, or the --host name) and whose Origin, when sent, is one of
  those: a web page cannot reach it through DNS rebinding;
- it serves nothing from disk: only the page, the event stream and the
  page's font (prep.serve.font), held in memory; every other path is 404,
  and one with `..` is refused (400);
- GET and HEAD only; every answer has a strict Content-Security-Policy.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from ..embed.viewer import content_security_policy, viewer_html
from ..language.diagnostics import PrepError
from .font import URL_PREFIX as FONT_PREFIX

DEFAULT_PORT = 8484
KEEPALIVE_SECONDS = 15.0
RENDER_TIMEOUT = 120.0


class ServeError(Exception):
    """A problem starting the server (port in use, bad address), with a hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::", "[::]")


class Preview:
    """One model, rendered again on every save. Keeps the last good picture
    (and its layout, so boxes stay where they were) and the current problem,
    and wakes the event streams when either changes."""

    def __init__(self, path: str, *, look, lint_options, engine: str = "prep", timeout: float = RENDER_TIMEOUT):
        self.path = path
        self.look = look                  # () -> (theme, direction, legend, page, language), re-read on every save
        self.language = "en"              # the last look()'s: of the picture's and the page's own words
        self.lint_options = lint_options  # () -> dict for lint_model, re-read on every save
        self.engine = engine
        self.timeout = timeout
        self.changed = threading.Condition()
        self.serial = 0
        self.model_serial = 0             # 0: no good picture yet
        self.model_json: str | None = None  # the viewer data of the last good picture, as JSON
        self.problem_serial = 0
        self.problem_json: str | None = None
        self.problem_text: str | None = None
        # a render under way since a save: the page says "updating…" (a 400-deliverable model fitted
        # to slides takes seconds, and the picture looked current meanwhile)
        self.busy_serial = 0
        self.busy = False
        self.closed = False
        # this run of the server: serials start again at 1 in the next run,
        # so a page open across a restart names the run its serial is of
        # (a page of another run is sent what this run has)
        self.run = f"{os.getpid():x}{time.time_ns():x}"
        from .font import BaseFace
        from .worker import Worker

        self.worker = Worker()
        self.font = BaseFace()  # the page's font, loaded once by the browser (prep.serve.font)
        self.font.start()

    # ---- rendering ----
    def rebuild(self) -> str | None:
        """Render the model again; None on success, else the problem's text
        (the last good picture stays)."""
        with self.changed:
            self.serial += 1
            self.busy_serial, self.busy = self.serial, True
            self.changed.notify_all()
        try:
            return self._rebuild()
        finally:
            with self.changed:
                self.busy = False

    def _rebuild(self) -> str | None:
        from ..language.source import read_source
        from .worker import RenderCrashed, RenderProblem

        try:
            text = read_source(self.path)
            theme, direction, legend, page, self.language = self.look()   # (the language: the page's words too)
            model_json = self.worker.render(text, self.path, theme, direction, legend, self.engine,
                                            self.lint_options(), self.timeout, page=page, font_url=self.font.url,
                                            language=self.language)
        except PrepError as e:
            return self._set_problem(e.render())
        except RenderProblem as e:
            return self._set_problem(e.text)
        except RenderCrashed as e:
            return self._set_problem(f"{self.path}: error: {e}\n"
                                     "  hint: the last good picture stays; save again to retry, or "
                                     "prep render --focus NAME draws part of the model")
        except Exception as e:  # noqa: BLE001 - a bug must not stop the preview
            return self._set_problem(f"prep: internal error: {type(e).__name__}: {e}\n"
                                     "  hint: this is a bug in prep; the last good picture stays")
        with self.changed:
            self.serial += 1
            self.model_serial = self.serial
            self.model_json = model_json
            self.problem_json = self.problem_text = None
            self.changed.notify_all()
        return None

    def _set_problem(self, text: str) -> str:
        with self.changed:
            self.serial += 1
            self.problem_serial = self.serial
            self.problem_text = text
            try:
                marks = caret_marks(text)
            except Exception:  # noqa: BLE001 - only where the carets stand: the text is shown anyway
                marks = []
            self.problem_json = json.dumps({"text": text, "serial": self.serial, "marks": marks},
                                           ensure_ascii=False)
            self.changed.notify_all()
        return text

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self.worker.stop()

    # ---- what the page and its event stream get ----
    def page(self) -> bytes:
        with self.changed:
            model_json, serial = self.model_json, self.model_serial
        data = json.loads(model_json) if model_json is not None else None
        return viewer_html(data, live=True, serial=serial, run=self.run, language=self.language).encode("utf-8")

    def events_after(self, model_seen: int, problem_seen: int, timeout: float, busy_seen: int = 0):
        """[(event, json)] newer than what the stream sent, waiting up to
        `timeout` for one; None when the preview is closing. "busy": a
        render is under way (sent once for each)."""
        with self.changed:
            def pending():
                out = []
                if self.busy and self.busy_serial > max(busy_seen, model_seen, problem_seen):
                    out.append(("busy", self.busy_serial, json.dumps({"serial": self.busy_serial})))
                if self.model_serial > model_seen and self.model_json is not None:
                    out.append(("model", self.model_serial, self.model_json))
                if self.problem_serial > problem_seen and self.problem_json is not None:
                    out.append(("problem", self.problem_serial, self.problem_json))
                return out

            self.changed.wait_for(lambda: self.closed or pending(), timeout=timeout)
            return None if self.closed else pending()


def caret_marks(text: str) -> list[list[int]]:
    """Where the carets of a problem's text point: [index of the caret
    line, start, end] with start and end the place in the line above it
    (UTF-16 units, as the page's script counts). The text aligns carets
    for a terminal, where a kanji takes two columns; no font of the page
    draws it so, so the page places each caret by the characters it marks."""
    from ..language.diagnostics import blank_as_wide, display_width

    def units(source: str, k: int) -> int:
        return len(source[:k].encode("utf-16-le")) // 2

    lines = text.split("\n")
    marks = []
    for i in range(1, len(lines)):
        caret = lines[i].rstrip()
        carets = len(caret) - len(caret.rstrip("^"))
        pad = caret[: len(caret) - carets]
        source = lines[i - 1]
        if not carets or pad.strip() or not source.startswith("  ") or not pad.startswith("  "):
            continue
        # the last place as wide as the padding: a combining mark belongs to the letter before it
        start = max((k for k in range(len(source) + 1) if blank_as_wide(source[:k]) == pad), default=None)
        if start is None and len(pad) >= display_width(source):
            start = len(source)   # past the line's end (`顧客の要望 ->` with its target missing)
        if start is None:
            continue
        if start >= len(source):
            marks.append([i, units(source, len(source)), units(source, len(source))])
            continue
        end = start + 1
        while end < len(source) and display_width(source[start:end]) < carets:
            end += 1
        marks.append([i, units(source, start), units(source, end)])
    return marks


class Handler(BaseHTTPRequestHandler):
    server_version = "prep-serve"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows saves, not requests
        pass

    def do_GET(self):
        self._answer(body=True)

    def do_HEAD(self):
        self._answer(body=False)

    def _refuse_method(self):
        self._plain(405, "only GET and HEAD\n", extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _answer(self, body: bool):
        refusal = self.server.refusal(self.headers)
        if refusal is not None:
            self._plain(403, refusal + "\n")
            return
        target = urlsplit(self.path)
        path = unquote(target.path)
        if ".." in path.replace("\\", "/").split("/") or "\x00" in path:
            self._plain(400, "prep serve: paths outside the preview are refused\n")
            return
        if path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", self.server.preview.page(), body)
        elif path == "/events" and not body:
            # what a GET would start: the stream's headers, no stream (it was a 404)
            self._headers(200, "text/event-stream; charset=utf-8", None)
        elif path == "/events":
            query = parse_qs(target.query)
            self._events(query.get("since", ["0"])[0], query.get("run", [None])[0],
                         self.headers.get("Last-Event-ID"))
        elif path.startswith(FONT_PREFIX) and (font := self.server.preview.font.bytes_at(path)) is not None:
            # named by its hash: the browser keeps it for good and loads it once
            self._send(200, "font/otf", font, body, cache="public, max-age=31536000, immutable")
        elif path == "/favicon.ico":
            self._send(204, "text/plain", b"", body)
        else:
            self._plain(404, "prep serve: not found (this server shows one model at /)\n")

    def _headers(self, status: int, content_type: str, length: int | None, extra: dict | None = None,
                 cache: str = "no-store"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Security-Policy", content_security_policy(live=True) + "; frame-ancestors 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, status: int, content_type: str, data: bytes, body: bool = True, cache: str = "no-store"):
        self._headers(status, content_type, len(data), cache=cache)
        if body:
            self.wfile.write(data)

    def _plain(self, status: int, text: str, extra: dict | None = None):
        data = text.encode("utf-8")
        self._headers(status, "text/plain; charset=utf-8", len(data), extra)
        if self.command != "HEAD":
            self.wfile.write(data)

    def _events(self, since: str, run: str | None, last_event: str | None):
        """The stream: every model and problem newer than what the page has.
        What it has: the render its page was served with (`since`, of the
        server's run `run`), or after a reconnection the last event it got
        (`Last-Event-ID`, "RUN:SERIAL"). Of another run (the server was
        started again, and counts from 1 again): nothing, so it gets the
        current picture and problem at once."""
        preview = self.server.preview
        if last_event:
            run, _, since = last_event.partition(":")
        model_seen = int(since) if since.isdigit() and run in (None, preview.run) else 0
        problem_seen = busy_seen = model_seen
        self._headers(200, "text/event-stream; charset=utf-8", None)
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                events = preview.events_after(model_seen, problem_seen, KEEPALIVE_SECONDS, busy_seen)
                if events is None:
                    return
                if not events:
                    self.wfile.write(b": keep-alive\n\n")
                for name, serial, payload in events:
                    if name == "model":
                        model_seen = serial
                    elif name == "busy":
                        busy_seen = serial
                    else:
                        problem_seen = serial
                    self.wfile.write(f"id: {preview.run}:{serial}\nevent: {name}\ndata: {payload}\n\n"
                                     .encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            return  # the tab was closed


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams do not keep the process alive after Ctrl-C

    def __init__(self, address, preview: Preview, bind_host: str):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.preview = preview
        self.bind_host = bind_host
        super().__init__(address, Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def host_allowed(self, host: str | None) -> bool:
        """The Host header names this server: an IP address (no DNS name can
        be rebound to it) or localhost with the server's port, or the exact
        --host name it was started with."""
        if not host:
            return False
        name, sep, port = host.rpartition(":")
        if not sep or port != str(self.port) or not name:
            return False
        if name == "localhost" or name.lower() == self.bind_host.lower():
            return True
        try:
            address = ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
        except ValueError:
            return False
        if is_wildcard(self.bind_host) or address == ipaddress.ip_address(self.server_address[0]):
            return True
        return address.is_loopback and is_loopback(self.bind_host)

    def refusal(self, headers) -> str | None:
        """Why a request is refused (None: it is not): DNS rebinding and
        requests from other sites."""
        if not self.host_allowed(headers.get("Host")):
            return "prep serve: refused: the Host header does not name this server"
        origin = headers.get("Origin")
        if origin is not None:
            scheme, _, rest = origin.partition("://")
            if scheme != "http" or not self.host_allowed(rest):
                return "prep serve: refused: the request comes from another site (Origin)"
        if headers.get("Sec-Fetch-Site") == "cross-site" and headers.get("Sec-Fetch-Mode") != "navigate":
            return "prep serve: refused: the request comes from another site"
        return None

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # a browser went away mid-answer: nothing to report
        print(f"prep serve: error answering a request: {type(error).__name__}: {error}", file=sys.stderr)


def make_server(preview: Preview, host: str = "127.0.0.1", port: int | None = None) -> PreviewServer:
    """Bind the server: `port` None means DEFAULT_PORT, or a free port when
    that one is taken; a port given explicitly must be free."""
    wanted = DEFAULT_PORT if port is None else port
    bind = host.strip("[]") if host else "0.0.0.0"
    try:
        return PreviewServer((bind, wanted), preview, host)
    except OSError as e:
        if e.errno == errno.EADDRINUSE and port is None:
            return PreviewServer((bind, 0), preview, host)
        if e.errno == errno.EADDRINUSE:
            raise ServeError(f"port {wanted} is in use", "choose another with --port N, or leave --port out "
                                                         "to get a free one") from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise ServeError(f"not allowed to listen on port {wanted}", "use a port above 1024") from None
        raise ServeError(f"cannot listen on {host}:{wanted}: {e.strerror or e}",
                         "give an address of this machine with --host, e.g. 127.0.0.1") from None
    except (socket.gaierror, UnicodeError, ValueError) as e:
        raise ServeError(f"cannot listen on {host!r}: {e}", "give an address of this machine with --host, "
                                                            "e.g. 127.0.0.1") from None


def url_of(server: PreviewServer) -> str:
    host = server.bind_host
    if is_wildcard(host):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{server.port}/"


def run(preview: Preview, server: PreviewServer, *, open_browser: bool, echo) -> None:
    """Serve until Ctrl-C: the server in a thread, the watcher here."""
    from .watch import changes

    import signal

    def terminate(_signum, _frame):  # `kill` (SIGTERM) stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, name="prep-serve", daemon=True)
    try:  # from here on Ctrl-C, whenever it comes, is a clean stop
        thread.start()
        url = url_of(server)
        echo(f"prep serve: {preview.path} at {url}  (Ctrl-C stops)")
        if open_browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        for _ in changes(preview.path, stop):
            start = time.perf_counter()
            problem = preview.rebuild()
            took = time.perf_counter() - start
            if problem is None:
                echo(f"prep serve: updated in {took:.3f} s")
            else:
                echo(problem)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        preview.close()
        if thread.is_alive():  # (shutdown() waits for a serve_forever that never started)
            server.shutdown()
        server.server_close()
    echo("prep serve: stopped")
