"""`prep lsp` at the wire (issue 20, what a real editor found): a refused
rename is an error response and nothing on stderr (Neovim logs each line a
server writes there as an ERROR); a request whose params do not fit its
method is answered with InvalidParams, not left waiting; formatting an
empty or already formatted document changes nothing.

A raw JSON-RPC client (tests/lsp_wire.py) drives a real `python -m prep
lsp` process, so the bytes and the stderr are exactly what an editor gets.
"""

from __future__ import annotations


import pytest

from lsp_wire import WireClient

INVALID_PARAMS = -32602
REQUEST_FAILED = -32803
MODEL = "deliverable 見積書\n𠮷野家, 単価表 -> 見積書\n見積書 -> 承認\n"


@pytest.fixture
def server(tmp_path):
    client = WireClient(cwd=tmp_path)
    client.initialize(root_uri=tmp_path.as_uri())
    yield client
    client.close()


def _at(uri: str, line: int, character: int) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def test_refused_renames_are_error_responses_and_leave_stderr_empty(tmp_path):
    uri = (tmp_path / "m.prep").as_uri()
    client = WireClient(cwd=tmp_path)
    try:
        client.initialize(root_uri=tmp_path.as_uri())
        client.open(uri, MODEL)
        client.wait_notification("textDocument/publishDiagnostics")
        refusals = {"承認": "already a deliverable", "group": "keyword", "": "empty", "a\nb": "one line"}
        for new_name, reason in refusals.items():
            reply = client.request("textDocument/rename", {**_at(uri, 0, 13), "newName": new_name})
            assert "result" not in reply or reply["result"] is None
            assert reply["error"]["code"] == REQUEST_FAILED, reply
            assert reason in reply["error"]["message"] and "Traceback" not in reply["error"]["message"]
        reply = client.request("textDocument/rename", {**_at(uri, 0, 2), "newName": "x"})  # on the keyword
        assert reply["error"]["code"] == REQUEST_FAILED and "no deliverable name here" in reply["error"]["message"]
        # and the server still renames
        reply = client.request("textDocument/rename", {**_at(uri, 0, 13), "newName": "見積"})
        assert {e["newText"] for e in reply["result"]["changes"][uri]} == {"見積"}
    finally:
        client.close()
    assert client.proc.returncode == 0
    assert client.stderr == "", client.stderr
    shown = [n for n in client.notifications if n.get("method") in ("window/showMessage", "window/logMessage")]
    assert shown == []


def test_a_request_with_invalid_params_gets_an_invalid_params_response(server):
    uri = "file:///nowhere/m.prep"
    server.open(uri, MODEL)
    server.wait_notification("textDocument/publishDiagnostics")
    reply = server.request("textDocument/hover", {"textDocument": {"uri": uri}}, timeout=10)  # no position
    assert reply["error"]["code"] == INVALID_PARAMS
    assert "textDocument/hover" in reply["error"]["message"] and "position" in reply["error"]["message"]
    reply = server.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                       "position": {"line": "two", "character": 0}}, timeout=10)
    assert reply["error"]["code"] == INVALID_PARAMS
    reply = server.request("textDocument/formatting", [1, 2, 3], timeout=10)
    assert reply["error"]["code"] == INVALID_PARAMS
    # the server is still there and answers well-formed requests
    reply = server.request("textDocument/hover", _at(uri, 2, 1))
    assert "承認" in reply["result"]["contents"]["value"]


def test_a_notification_with_invalid_params_is_logged_as_a_warning_only(tmp_path):
    client = WireClient(cwd=tmp_path)
    try:
        client.initialize(root_uri=tmp_path.as_uri())
        client.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
        client.notify("workspace/didChangeConfiguration", {"settings": {}})  # Neovim sends it; prep ignores it
        log = client.wait_notification("window/logMessage")
        assert log["params"]["type"] == 2 and "ignored textDocument/didOpen" in log["params"]["message"]
        assert client.request("textDocument/hover", _at("file:///x.prep", 0, 0))["result"] is None
    finally:
        client.close()
    assert client.stderr == "", client.stderr


@pytest.mark.parametrize("text", ["", "\n", "a -> b\n", "deliverable 𠮷 \"𠮷野家\" [external]\n𠮷 -> 見積書\n",
                                  # a Windows file: its line endings are the editor's to keep (Neovim's
                                  # fileformat=dos, VS Code's EOL), not a change to make
                                  "a -> b\r\n", "deliverable 𠮷 \"𠮷野家\" [external]\r\n𠮷 -> 見積書\r\n"])
def test_formatting_an_empty_or_formatted_document_changes_nothing(server, text):
    uri = "file:///nowhere/fmt.prep"
    server.open(uri, text)
    reply = server.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                       "options": {"tabSize": 2, "insertSpaces": True}})
    assert reply.get("result") in ([], None), reply


@pytest.mark.parametrize("text", ["a,b->c\n", "a,b->c\r\n"])
def test_formatting_still_fixes_what_needs_it(server, text):
    uri = "file:///nowhere/fmt.prep"
    server.open(uri, text)
    reply = server.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                       "options": {"tabSize": 2, "insertSpaces": True}})
    assert [e["newText"] for e in reply["result"]] == ["a, b -> c\n"]


def test_semantic_tokens_do_not_wait_for_the_model_and_ask_for_a_refresh_when_it_differs(tmp_path):
    """Right after an edit the tokens use the knowhow of the last model (the
    new one is read with the diagnostics); when the new model's knowhow
    differs, the server asks the editor to fetch the tokens again, and they
    then carry the modifier."""
    from prep.lsp import semantic

    knowhow_bit = 1 << semantic.TOKEN_MODIFIERS.index("knowhow")
    uri = "file:///nowhere/refresh.prep"
    client = WireClient(cwd=tmp_path)
    try:
        client.initialize({"workspace": {"semanticTokens": {"refreshSupport": True}}})
        client.open(uri, "a -> b\n")
        client.wait_notification("textDocument/publishDiagnostics")
        doc = {"textDocument": {"uri": uri}}
        assert client.request("textDocument/semanticTokens/full", doc)["result"]["data"][:5] == [0, 0, 1, 1, 0]
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": "a -> b\nknowhow a [owner: x]\n"}]})
        first = client.request("textDocument/semanticTokens/full", doc)["result"]["data"]
        while True:
            note = client.wait_notification("textDocument/publishDiagnostics")
            if note["params"].get("version") == 2:
                break
        client.request("textDocument/hover", {**doc, "position": {"line": 0, "character": 0}})  # a round trip
        refreshed = any(m.get("method") == "workspace/semanticTokens/refresh" for m in client.notifications)
        assert first[4] & knowhow_bit or refreshed  # stale only if a refresh was asked for
        assert client.request("textDocument/semanticTokens/full", doc)["result"]["data"][4] & knowhow_bit
    finally:
        client.close()
    assert client.stderr == "", client.stderr


def test_a_workspace_rename_without_document_changes_and_its_refusals_leave_stderr_empty(tmp_path):
    # a client that does not offer documentChanges gets `changes`, one
    # entry per file; refusals across files are error responses, nothing on stderr
    (tmp_path / "prep.toml").write_text("", encoding="utf-8")
    (tmp_path / "main.prep").write_text('include "a.prep"\ninclude "b.prep"\n', encoding="utf-8")
    (tmp_path / "a.prep").write_text("deliverable 見積書\n見積書 -> 承認\n", encoding="utf-8")
    (tmp_path / "b.prep").write_text("deliverable 承認\n承認 -> 発注\n", encoding="utf-8")
    a, b = (tmp_path / "a.prep").as_uri(), (tmp_path / "b.prep").as_uri()
    client = WireClient(cwd=tmp_path)
    try:
        client.initialize(capabilities={}, root_uri=tmp_path.as_uri())
        client.open(a, (tmp_path / "a.prep").read_text(encoding="utf-8"))
        client.wait_notification("textDocument/publishDiagnostics")
        reply = client.request("textDocument/rename", {**_at(a, 1, 7), "newName": "発注"})  # declared nowhere, used in b
        assert reply["error"]["code"] == REQUEST_FAILED and "b.prep" in reply["error"]["message"], reply
        (tmp_path / "b.prep").chmod(0o444)
        reply = client.request("textDocument/rename", {**_at(a, 1, 7), "newName": "承認済"})
        assert reply["error"]["code"] == REQUEST_FAILED and "read-only" in reply["error"]["message"], reply
        (tmp_path / "b.prep").chmod(0o644)
        reply = client.request("textDocument/rename", {**_at(a, 1, 7), "newName": "承認済"})
        changes = reply["result"]["changes"]
        assert sorted(changes) == sorted([a, b]) and {e["newText"] for e in changes[b]} == {"承認済"}
        assert [e["range"]["start"] for e in changes[b]] == [{"line": 0, "character": 12}, {"line": 1, "character": 0}]
    finally:
        client.close()
    assert client.stderr == "", client.stderr


def test_refused_renames_of_stage_and_group_ids_leave_stderr_empty(tmp_path):
    # a taken id, a keyword, a read-only file: error responses, no traceback anywhere
    (tmp_path / "prep.toml").write_text("", encoding="utf-8")
    (tmp_path / "main.prep").write_text('stage plan\nstage run\ninclude "a.prep"\ninclude "b.prep"\n', encoding="utf-8")
    (tmp_path / "a.prep").write_text("group 営業 {\n  見積書 -> 承認 [stage: plan]\n}\ngroup 開発 {\n  x -> y\n}\n",
                                     encoding="utf-8")
    (tmp_path / "b.prep").write_text("group 営業 {\n  承認 -> 発注 [stage: plan]\n}\n", encoding="utf-8")
    a = (tmp_path / "a.prep").as_uri()
    stage, group = _at(a, 1, 22), _at(a, 0, 7)
    client = WireClient(cwd=tmp_path)
    try:
        client.initialize(root_uri=tmp_path.as_uri())
        client.open(a, (tmp_path / "a.prep").read_text(encoding="utf-8"))
        client.wait_notification("textDocument/publishDiagnostics")
        for at, new_name, reason in ((stage, "run", "already a stage"), (group, "開発", "already a group"),
                                     (stage, "stage", "keyword"), (group, "", "empty")):
            reply = client.request("textDocument/rename", {**at, "newName": new_name})
            assert reply["error"]["code"] == REQUEST_FAILED and reason in reply["error"]["message"], reply
            assert "Traceback" not in reply["error"]["message"]
        (tmp_path / "b.prep").chmod(0o444)
        for at in (stage, group):
            reply = client.request("textDocument/rename", {**at, "newName": "新"})
            assert reply["error"]["code"] == REQUEST_FAILED and "read-only" in reply["error"]["message"], reply
        (tmp_path / "b.prep").chmod(0o644)
        reply = client.request("textDocument/rename", {**stage, "newName": "計画"})
        edited = sorted(reply["result"]["changes"])
        assert edited == sorted((tmp_path / n).as_uri() for n in ("main.prep", "a.prep", "b.prep"))
    finally:
        client.close()
    assert client.stderr == "", client.stderr
    shown = [n for n in client.notifications if n.get("method") in ("window/showMessage", "window/logMessage")]
    assert shown == []
