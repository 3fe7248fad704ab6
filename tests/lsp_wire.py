"""A raw JSON-RPC client for `prep lsp`: Content-Length framed messages
written to the server's stdin, responses read from its stdout with a
timeout, its stderr kept. For what pytest-lsp's client cannot send (params
that do not fit a method) or cannot show (what the server wrote to stderr).

    with WireClient() as c:
        c.initialize()
        reply = c.request("textDocument/hover", {...})   # the whole response message
    c.stderr                                               # after the process ended
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

# the checkout these tests belong to: the server must run its code even when
# it starts in another folder (a relative PYTHONPATH would then find
# whatever prep is installed instead)
CHECKOUT = str(Path(__file__).resolve().parent.parent)


class NoAnswer(AssertionError):
    """The server did not answer in time."""


class WireClient:
    def __init__(self, cmd: list[str] | None = None, cwd=None):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [CHECKOUT, os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen(cmd or [sys.executable, "-m", "prep", "lsp"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 0
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()
        self._err: list[bytes] = []
        threading.Thread(target=lambda: self._err.append(self.proc.stderr.read()), daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length is None:
                return
            self.messages.put(json.loads(out.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params, timeout: float = 20) -> dict:
        """The response message ({"id", "result"} or {"id", "error"}); the
        notifications and server requests that came before it are kept in
        `notifications`."""
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            try:
                msg = self.messages.get(timeout=timeout)
            except queue.Empty:
                raise NoAnswer(f"no response to {method} (id {rid}) within {timeout} s") from None
            if msg.get("id") == rid and "method" not in msg:
                return msg
            self._keep(msg)

    def _keep(self, msg: dict) -> None:
        """A notification, or a request from the server (answered with null):
        kept in `notifications`."""
        if "method" in msg and "id" in msg:
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        self.notifications.append(msg)

    def wait_notification(self, method: str, timeout: float = 20) -> dict:
        while True:
            try:
                msg = self.messages.get(timeout=timeout)
            except queue.Empty:
                raise NoAnswer(f"no {method} within {timeout} s") from None
            self._keep(msg)
            if msg.get("method") == method:
                return msg

    def initialize(self, capabilities: dict | None = None, root_uri: str | None = None) -> dict:
        reply = self.request("initialize", {"processId": None, "rootUri": root_uri,
                                            "capabilities": capabilities or {}})
        self.notify("initialized", {})
        return reply

    def open(self, uri: str, text: str) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "prep",
                                                              "version": 1, "text": text}})

    def close(self, timeout: float = 20) -> None:
        """shutdown, exit, wait; `stderr` then holds everything the server wrote there."""
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
                self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdin.close()
            for _ in range(100):
                if self._err:
                    break
                threading.Event().wait(0.05)
            self.stderr = b"".join(self._err).decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
