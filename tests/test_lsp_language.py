"""The language server in Japanese: `prep lsp --language ja`, or a
client's initializationOptions {"language": "ja"}, writes the findings'
messages and hints in Japanese (as `prep lint --language ja`), and the quick
fixes that read a hint's guess still offer it. Without either, English."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from test_lsp import WORKSPACE, _actions, _apply, doc, wait_diagnostics

pytestmark = pytest.mark.asyncio

MODEL = """\
deliverable "request list" [external]
knowhow 見積ノウハウ [owner: 佐藤]
deliverable 見積書 [final, externl]
"reqest list", 見積ノウハウ -> 見積書
"""


def _params(options=None) -> lsp.InitializeParams:
    return lsp.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"), root_uri=WORKSPACE.as_uri(),
                                initialization_options=options)


async def _start(client: LanguageClient, options=None):
    @client.feature(lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def refresh(params):
        return None

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params):   # the file watchers the server asks for
        return None

    await client.initialize_session(_params(options))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp", "--language", "ja"]))
async def by_flag(lsp_client: LanguageClient):
    await _start(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp"]))
async def by_option(lsp_client: LanguageClient):
    await _start(lsp_client, {"language": "ja"})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp"]))
async def unknown(lsp_client: LanguageClient):
    await _start(lsp_client, {"language": "fr"})
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, name: str) -> tuple[str, list]:
    uri = (WORKSPACE / name).as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="prep", version=1, text=MODEL)))
    return uri, await wait_diagnostics(client, uri)


async def _japanese(client: LanguageClient, name: str) -> None:
    uri, diags = await _open(client, name)
    by_code = {d.code: d for d in diags}
    assert by_code["K201"].message.startswith("ノウハウ「見積ノウハウ」は1人（佐藤）しか持っていません"), by_code["K201"]
    assert "\nヒント: 「request list」のことですか？" in by_code["I104"].message, by_code["I104"].message
    assert "「externl」" in by_code["E005"].message and "「external」のことですか" in by_code["E005"].message
    # the fixes that read the hint's guess read it in Japanese too
    titles = {a.title: a for a in await _actions(client, uri, diags, "I104")}
    fixed = _apply(MODEL, titles["Change to 'request list'"].edit.changes[uri])
    assert '"request list", 見積ノウハウ -> 見積書' in fixed
    titles = {a.title: a for a in await _actions(client, uri, diags, "E005")}
    assert "[final, external]" in _apply(MODEL, titles["Change to 'external'"].edit.changes[uri])


async def test_prep_lsp_language_ja_writes_the_findings_in_japanese(by_flag):
    await _japanese(by_flag, "ja-flag.prep")


async def test_initialization_options_ask_for_japanese(by_option):
    await _japanese(by_option, "ja-option.prep")


async def test_an_unknown_language_is_said_and_english_kept(unknown):
    uri, diags = await _open(unknown, "fr.prep")
    assert any("'見積ノウハウ' is held by one person only" in d.message for d in diags), diags
    said = [m.message for m in unknown.log_messages]
    assert any("initializationOptions.language 'fr'" in m for m in said), said
