"""A real editor against `prep lsp` (issue 20): headless Neovim's built-in
LSP client, driven by tests/nvim/prep_e2e.lua, opens a model with known
findings, waits for the diagnostics, asks for hover and definition, a
refused and a real rename (applied to the buffer; then hover again, so the
server must have followed Neovim's incremental edit), formatting (applied),
formatting of a formatted and of an empty file (nothing changes, the buffer
stays unmodified), a two-file workspace (the included file's diagnostics
come from its root's model, definition into the other file, a rename
refused for a name the other file declares, then one applied to both
files, and a stage's id renamed in every file), and semantic tokens
(through the client on Neovim 0.9+; 0.7 has none, so there the raw
request and the advertised legend are checked). It writes what it saw
as JSON; this test judges it, once per position encoding (UTF-16,
UTF-8, UTF-32), and reads Neovim's LSP log: no ERROR entry (Neovim logs
every line a server writes to stderr as one).

Needs `nvim` (Debian: apt-get install neovim; PREP_NVIM names another).
Without it the tests skip with that reason, unless PREP_REQUIRE_EDITOR=1
(set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prep.lsp import semantic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPT = HERE / "nvim" / "prep_e2e.lua"
NVIM = os.environ.get("PREP_NVIM") or shutil.which("nvim") or "nvim"

MODEL = """\
title "見積 🚀"
deliverable 𠮷野家 "𠮷野家の注文" [external]
knowhow 見積ノウハウ
𠮷野家, 単価表 -> 見積書
見積書, 見積ノウハウ -> 承認
"""


# a workspace (issue 20): sales.prep uses 𠮷価格表, which delivery.prep declares;
# main.prep declares the stage 営業, which both parts name
WS_MAIN = 'include "sales.prep"\ninclude "delivery.prep"\nstage 営業 "営業 Sales"\n'
WS_SALES = """\
knowhow 提案ノウハウ
deliverable 顧客課題 [external]
deliverable 提案書
提案ノウハウ, 顧客課題 -> 提案書
提案書, 𠮷価格表 -> 受注
deliverable 受注
deliverable 提案書 [stage: 営業]
"""
WS_DELIVERY = """\
deliverable 𠮷価格表 [external]
deliverable 導入計画 [final]
受注 -> 導入計画
deliverable 導入計画 [stage: 営業]
"""


def missing() -> str | None:
    if not (os.path.isfile(NVIM) and os.access(NVIM, os.X_OK)):
        return f"no Neovim ({NVIM}): apt-get install neovim"
    return None


@pytest.fixture(scope="module")
def nvim() -> str:
    reason = missing()
    if reason:
        if os.environ.get("PREP_REQUIRE_EDITOR") == "1":
            pytest.fail(f"PREP_REQUIRE_EDITOR=1 but {reason}")
        pytest.skip(reason)
    return NVIM


def run_neovim(nvim: str, work: Path, encoding: str) -> dict:
    (work / "model.prep").write_text(MODEL, encoding="utf-8")
    (work / "formatted.prep").write_text("a, b -> c\n", encoding="utf-8")
    (work / "empty.prep").write_text("", encoding="utf-8")
    (work / "crlf.prep").write_bytes(b"a, b -> c\r\n")  # formatted, with Windows line endings
    (work / "ws").mkdir()
    for name, text in {"prep.toml": "", "main.prep": WS_MAIN, "sales.prep": WS_SALES,
                       "delivery.prep": WS_DELIVERY}.items():
        (work / "ws" / name).write_text(text, encoding="utf-8")
    env = dict(os.environ)
    env.pop("PREP_DEBUG", None)
    for xdg in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[xdg] = str(work / "xdg" / xdg.lower())  # a fresh LSP log, no user configuration
    env.update(PREP_E2E_DIR=str(work), PREP_E2E_OUT=str(work / "out.json"), PREP_E2E_ENCODING=encoding,
               PREP_E2E_CMD=json.dumps([sys.executable, "-m", "prep", "lsp"]),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    r = subprocess.run([nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
                       cwd=work, env=env, capture_output=True, timeout=180)
    assert (work / "out.json").is_file(), f"Neovim wrote nothing (exit {r.returncode}): {r.stderr.decode()}"
    out = json.loads((work / "out.json").read_text(encoding="utf-8"))
    out["log"] = Path(out["log_path"]).read_text(encoding="utf-8", errors="replace") \
        if out.get("log_path") and Path(out["log_path"]).is_file() else None
    return out


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


@pytest.fixture(scope="module", params=["utf-16", "utf-8", "utf-32"])
def seen(request, nvim, tmp_path_factory) -> dict:
    return run_neovim(nvim, tmp_path_factory.mktemp(f"nvim-{request.param}"), request.param)


def test_neovim_ran_every_step_in_the_negotiated_encoding(seen):
    assert seen.get("error") is None, seen.get("error")
    assert seen["steps"][-1] == "stopped" and seen["stopped"] is True
    assert seen["position_encoding"] == seen["offset_encoding"] == seen["encoding"]


def test_diagnostics_land_where_the_findings_are(seen):
    # Neovim stores byte columns: the server's columns (in its encoding) converted back
    lines = MODEL.split("\n")
    found = {(d["code"], d["lnum"], lines[d["lnum"]].encode()[d["col"]:d["end_col"]].decode())
             for d in seen["diagnostics"]}
    assert {("K201", 2, "見積ノウハウ"), ("I104", 3, "単価表"), ("I104", 3, "見積書"), ("I104", 4, "承認")} <= found
    k201 = next(d for d in seen["diagnostics"] if d["code"] == "K201")
    assert (k201["col"], k201["end_col"]) == (nbytes("knowhow "), nbytes("knowhow 見積ノウハウ"))
    assert "has no owner" in k201["message"]


def test_hover_and_definition(seen):
    enc = seen["encoding"]
    hover = seen["hover"]["result"]
    assert "made from: 単価表, 𠮷野家" in hover["contents"]["value"]
    assert hover["range"]["start"] == {"line": 3, "character": units("𠮷野家, 単価表 -> ", enc)}
    definition = seen["definition"]["result"]
    assert definition["range"]["start"] == {"line": 1, "character": 12}
    assert definition["range"]["end"] == {"line": 1, "character": 12 + units("𠮷野家", enc)}


def test_rename_refused_with_a_message_then_done(seen):
    refused = seen["rename_refused"]
    assert refused.get("result") is None
    assert refused["error"]["code"] == -32803 and "already a deliverable" in refused["error"]["message"]
    assert seen.get("rename_error") is None
    assert seen["after_rename"][3:5] == ['𠮷野家, 単価表 -> "見積書 v2"', '"見積書 v2", 見積ノウハウ -> 承認']
    # the server saw Neovim's incremental edit: hover knows the new name
    assert "**見積書 v2**" in seen["hover_after_rename"]["result"]["contents"]["value"]


def test_formatting_tidies_and_leaves_tidy_and_empty_files_unmodified(seen):
    assert seen["after_format"][3] == '𠮷野家, 単価表 -> "見積書 v2"'
    for name in ("formatted.prep", "empty.prep", "crlf.prep"):
        assert seen["untouched"][name] == {"result": [], "modified": False}, name


def test_semantic_tokens(seen):
    provider = seen["semantic_tokens_provider"]
    assert provider["legend"]["tokenTypes"] == list(semantic.TOKEN_TYPES)
    assert provider["legend"]["tokenModifiers"] == list(semantic.TOKEN_MODIFIERS)
    assert provider["full"] == {"delta": True}
    data = seen["semantic_full"]["result"]["data"]
    assert data == semantic.tokens(MODEL, seen["encoding"], {"見積ノウハウ"})
    # the declared 𠮷野家: line 1, character 12, its length in the encoding, a declared variable
    assert data[15:20] == [0, 12, units("𠮷野家", seen["encoding"]), 1, 1]
    version = tuple(int(x) for x in seen["nvim"].split("."))
    if version >= (0, 9):  # Neovim's own semantic token support read the same token
        at_name = seen["semantic_at_name"]
        assert any(t["type"] == "variable" and "declaration" in t["modifiers"] for t in at_name), at_name
    else:
        assert "semantic_at_name" not in seen


def test_workspace_diagnostics_definition_and_rename_across_files(seen):
    enc = seen["encoding"]
    # the included file alone: its one finding (knowhow without an owner),
    # none of the cross-file noise it would have on its own
    codes = {d["code"] for d in seen["ws_diagnostics"]}
    assert "K201" in codes and not codes & {"I102", "I103", "I104", "I105"}, seen["ws_diagnostics"]
    k201 = next(d for d in seen["ws_diagnostics"] if d["code"] == "K201")
    assert (k201["lnum"], k201["col"], k201["end_col"]) == (0, nbytes("knowhow "), nbytes("knowhow 提案ノウハウ"))
    found = seen["ws_definition"]["result"]
    found = found[0] if isinstance(found, list) else found
    assert found["uri"].endswith("/ws/delivery.prep")
    assert found["range"] == {"start": {"line": 0, "character": 12},
                              "end": {"line": 0, "character": 12 + units("𠮷価格表", enc)}}
    refused = seen["ws_rename_refused"]
    assert refused["error"]["code"] == -32803 and "delivery.prep" in refused["error"]["message"]
    assert seen.get("ws_rename_error") is None
    after = seen["ws_after_rename"]
    assert after["sales"][4:6] == ["提案書, 𠮷価格表 -> 契約", "deliverable 契約"]
    assert after["delivery"][2] == "契約 -> 導入計画"


def test_workspace_rename_of_a_stage_id_edits_every_file(seen):
    # renamed from `[stage: 営業]` in sales.prep: the declaration in main.prep
    # (not open) and the use in delivery.prep too; the label stays
    assert seen.get("ws_stage_rename_error") is None, seen.get("ws_stage_rename_error")
    after = seen["ws_after_stage_rename"]
    assert after["main"][2] == 'stage 商談 "営業 Sales"'
    assert after["sales"][6] == "deliverable 提案書 [stage: 商談]"
    assert after["delivery"][3] == "deliverable 導入計画 [stage: 商談]"


def test_neovim_logged_no_error(seen):
    log = seen["log"]
    assert log, "Neovim wrote no LSP log"
    assert "rpc.receive" in log or "rpc.send" in log or "LSP" in log  # the debug log holds the traffic
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]")]
    assert errors == [], "\n".join(errors)
    assert "Traceback" not in log
    assert not re.search(r"^\[WARN\].*prep", log, re.M)


# --------------------------------------------------------------------------
# without Neovim: a skip with the reason, or a failure when it is required

PROBE_ENV = {"PREP_NVIM": "/nonexistent/nvim"}


def _probe(tmp_path, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "PREP_REQUIRE_EDITOR"}
    full.update(PROBE_ENV, **env, PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:randomly",
                           str(Path(__file__)), "-k", "negotiated_encoding and utf-16"],
                          capture_output=True, text=True, env=full, cwd=tmp_path, timeout=300)


def test_without_neovim_the_tests_skip_naming_the_package(tmp_path):
    r = _probe(tmp_path)
    assert r.returncode == 0 and "1 skipped" in r.stdout and "apt-get install neovim" in r.stdout, r.stdout


def test_without_neovim_the_tests_fail_when_required(tmp_path):
    r = _probe(tmp_path, PREP_REQUIRE_EDITOR="1")
    assert r.returncode == 1 and "PREP_REQUIRE_EDITOR=1 but no Neovim" in r.stdout, r.stdout
