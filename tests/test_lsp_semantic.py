"""Semantic tokens from `prep lsp` (issue 20): a real server process driven
by pytest-lsp's client. The exact token array of a small model with kanji,
𠮷 (two UTF-16 units, four UTF-8 bytes) and an emoji in names and labels,
in each position encoding a client can negotiate; the legend the server
advertises; a delta after an edit, applied, equals a fresh full result; a
file with a syntax error still gets the tokens of every line; and on the
examples every name the parser finds carries the token its role calls for.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from prep.lsp import analysis as A
from prep.lsp import semantic

on_server = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = Path(__file__).resolve().parent / "data" / "lsp"
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp"])
TYPES = semantic.TOKEN_TYPES

MODEL = """\
title "見積 (Estimate) 🚀"
deliverable 𠮷野家 "𠮷野家の注文" [external]
knowhow 見積ノウハウ [owner: 佐藤]
𠮷野家, 単価表 -> 見積書  # 🚀 コメント
見積書, 見積ノウハウ ~> 承認 [stage: 2024年度]
measure 率 [of: 承認, target: 60%]
"""

# (line, start, length, type, modifiers), absolute, in UTF-16 code units
# (𠮷 and 🚀 are two units each)
EXPECTED_UTF16 = [
    (0, 0, 5, "keyword", ()), (0, 6, 18, "string", ()),
    (1, 0, 11, "keyword", ()), (1, 12, 4, "variable", ("declaration",)), (1, 17, 9, "string", ()),
    (1, 28, 8, "property", ()),
    (2, 0, 7, "keyword", ()), (2, 8, 6, "variable", ("declaration", "knowhow")), (2, 16, 5, "property", ()),
    (2, 23, 2, "string", ()),
    (3, 0, 4, "variable", ()), (3, 6, 3, "variable", ()), (3, 10, 2, "operator", ()), (3, 13, 3, "variable", ()),
    (3, 18, 9, "comment", ()),
    (4, 0, 3, "variable", ()), (4, 5, 6, "variable", ("knowhow",)), (4, 12, 2, "operator", ()),
    (4, 15, 2, "variable", ()), (4, 19, 5, "property", ()), (4, 26, 6, "event", ()),
    (5, 0, 7, "keyword", ()), (5, 8, 1, "function", ("declaration",)), (5, 11, 2, "property", ()),
    (5, 15, 2, "variable", ()), (5, 19, 6, "property", ()), (5, 27, 3, "number", ()),
]


def in_encoding(tokens, text: str, encoding: str):
    """The UTF-16 table converted to another encoding, character by character."""
    lines = text.split("\n")
    out = []
    for line, start, length, kind, mods in tokens:
        chars, units = [], 0
        for ch in lines[line]:  # code point index at each UTF-16 offset
            chars.append((units, ch))
            units += 2 if ord(ch) > 0xFFFF else 1
        first = next(i for i, (u, _) in enumerate(chars) if u == start)
        last = next(i for i, (u, _) in enumerate(chars + [(units, "")]) if u == start + length)
        size = (lambda c: len(c.encode("utf-8"))) if encoding == "utf-8" else (lambda c: 1)
        new_start = sum(size(c) for _, c in chars[:first])
        out.append((line, new_start, sum(size(c) for _, c in chars[first:last]), kind, mods))
    return out


EXPECTED = {"utf-16": EXPECTED_UTF16, "utf-8": in_encoding(EXPECTED_UTF16, MODEL, "utf-8"),
            "utf-32": in_encoding(EXPECTED_UTF16, MODEL, "utf-32")}
# spot checks of the conversion itself: 𠮷野家 is 4 + 3 + 3 bytes, 3 code points
assert EXPECTED["utf-8"][3] == (1, 12, 10, "variable", ("declaration",))
assert EXPECTED["utf-32"][3] == (1, 12, 3, "variable", ("declaration",))
assert EXPECTED["utf-8"][4][1] == 12 + 10 + 1 and EXPECTED["utf-32"][1] == (0, 6, 17, "string", ())


def absolute(data: list[int]) -> list[tuple]:
    """Decode LSP's relative encoding into (line, start, length, type, modifiers)."""
    out = []
    line = start = 0
    for i in range(0, len(data), 5):
        dl, ds, length, kind, mods = data[i:i + 5]
        start = start + ds if dl == 0 else ds
        line += dl
        names = tuple(m for bit, m in enumerate(semantic.TOKEN_MODIFIERS) if mods & (1 << bit))
        out.append((line, start, length, TYPES[kind], names))
    return out


def capabilities(encoding: str) -> lsp.ClientCapabilities:
    caps = pytest_lsp.client_capabilities("neovim")
    caps.general = lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind(encoding)])
    return caps


@pytest_lsp.fixture(scope="module", config=SERVER, params=["utf-16", "utf-8", "utf-32"])
async def client(request, lsp_client: LanguageClient):
    @lsp_client.feature(lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def refresh(params):  # the server asks when a new model changes what is knowhow
        return None

    result = await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities(request.param), root_uri=WORKSPACE.as_uri()))
    lsp_client.encoding = request.param
    lsp_client.server_capabilities = result.capabilities
    yield
    await lsp_client.shutdown_session()


_count = 0


async def open_doc(client: LanguageClient, text: str) -> str:
    global _count
    _count += 1
    uri = (WORKSPACE / f"semantic{_count}.prep").as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="prep", version=1, text=text)))
    return uri


async def full(client, uri) -> lsp.SemanticTokens:
    return await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))


@on_server
async def test_the_server_advertises_full_delta_and_range_with_its_legend(client):
    caps = client.server_capabilities
    assert caps.position_encoding == client.encoding
    provider = caps.semantic_tokens_provider
    assert list(provider.legend.token_types) == list(semantic.TOKEN_TYPES)
    assert list(provider.legend.token_modifiers) == list(semantic.TOKEN_MODIFIERS)
    assert provider.full.delta is True and provider.range is True
    # the types are LSP's standard ones, so themes colour them without configuration
    standard = {t.value for t in lsp.SemanticTokenTypes}
    assert set(semantic.TOKEN_TYPES) <= standard
    assert "declaration" in {m.value for m in lsp.SemanticTokenModifiers}


@on_server
async def test_exact_tokens_of_a_small_model_in_the_negotiated_encoding(client):
    uri = await open_doc(client, MODEL)
    result = await full(client, uri)
    assert absolute(result.data) == EXPECTED[client.encoding]
    assert result.result_id


@on_server
async def test_range_gives_the_tokens_of_those_lines(client):
    uri = await open_doc(client, MODEL)
    result = await client.text_document_semantic_tokens_range_async(lsp.SemanticTokensRangeParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=lsp.Range(lsp.Position(3, 0), lsp.Position(4, 0))))
    assert absolute(result.data) == [t for t in EXPECTED[client.encoding] if t[0] in (3, 4)]


def _apply_delta(data: list[int], delta: lsp.SemanticTokensDelta) -> list[int]:
    out = list(data)
    for edit in sorted(delta.edits, key=lambda e: e.start, reverse=True):
        out[edit.start:edit.start + edit.delete_count] = edit.data or []
    return out


@on_server
async def test_delta_after_an_edit_equals_a_fresh_full_result(client):
    uri = await open_doc(client, MODEL)
    first = await full(client, uri)
    edited = MODEL.replace("単価表 -> 見積書", "単価表 -> 見積書 -> 𠮷承認書")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=edited)]))
    delta = await client.text_document_semantic_tokens_full_delta_async(lsp.SemanticTokensDeltaParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=first.result_id))
    assert isinstance(delta, lsp.SemanticTokensDelta) and delta.result_id != first.result_id
    # one small edit: two tokens more (an arrow and a name), the rest kept
    assert len(delta.edits) == 1 and len(delta.edits[0].data) < 5 * 4
    updated = _apply_delta(first.data, delta)
    fresh = await full(client, uri)
    assert updated == list(fresh.data)
    assert [t[3] for t in absolute(updated) if t[0] == 3] == [
        "variable", "variable", "operator", "variable", "operator", "variable", "comment"]
    # no change: an empty delta against the last result
    same = await client.text_document_semantic_tokens_full_delta_async(lsp.SemanticTokensDeltaParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=fresh.result_id))
    assert list(same.edits) == []
    # an unknown previous result: the whole array
    whole = await client.text_document_semantic_tokens_full_delta_async(lsp.SemanticTokensDeltaParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id="no-such-id"))
    assert isinstance(whole, lsp.SemanticTokens) and list(whole.data) == list(fresh.data)


@on_server
async def test_a_file_with_a_syntax_error_still_gets_every_line(client):
    # ASCII only: the same columns in every encoding
    text = "knowhow k [owner: x]\na => b\ngroup g {\n  c -> k\n}\n"
    uri = await open_doc(client, text)
    got = absolute((await full(client, uri)).data)
    assert got == [
        (0, 0, 7, "keyword", ()), (0, 8, 1, "variable", ("declaration", "knowhow")), (0, 11, 5, "property", ()),
        (0, 18, 1, "string", ()),
        # `=>` is no arrow: no token for it; the names around it are still names
        (1, 0, 1, "variable", ()), (1, 5, 1, "variable", ()),
        (2, 0, 5, "keyword", ()), (2, 6, 1, "namespace", ("declaration",)),
        (3, 2, 1, "variable", ()), (3, 4, 2, "operator", ()), (3, 7, 1, "variable", ("knowhow",)),
    ]


EXAMPLES = sorted((ROOT / "examples").glob("*.prep"))
ROLE_TYPES = {"declaration": "variable", "relation": "variable", "exit": "variable", "measured": "variable",
              "group": "namespace", "stage": "event", "measure": "function"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_name_the_parser_finds_has_the_token_of_its_role(path):
    """The tokens are lexical; the parser's occurrences (what hover, rename
    and references stand on) must agree with them on every example."""
    text = path.read_text(encoding="utf-8")
    result = A.analyse(text, str(path), lint=False, encoding="utf-32")
    knowhow = {d.name for d in result.model.deliverables.values() if d.is_knowhow}
    tokens = {(line, start): (length, kind, mods) for line, start, length, kind, mods
              in absolute(semantic.tokens(text, "utf-32", knowhow))}
    assert result.occurrences
    for occ in result.occurrences:
        s = occ.span
        got = tokens.get((s.line - 1, s.column - 1))
        assert got is not None, f"{path.name}:{s.line}:{s.column} {occ.name} has no token"
        length, kind, mods = got
        assert (length, kind) == (s.end_column - s.column, ROLE_TYPES[occ.role]), (path.name, occ)
        assert ("declaration" in mods) == (occ.role in ("declaration", "measure") or (
            occ.role in ("group", "stage") and _declares(text, s))), (path.name, occ, mods)
        if kind == "variable":
            assert ("knowhow" in mods) == (occ.name in knowhow), (path.name, occ)


def _declares(text: str, span) -> bool:
    """Is the name at `span` the one a `group` / `stage` statement declares?"""
    line = text.split("\n")[span.line - 1]
    return line[: span.column - 1].split() in (["group"], ["stage"]) or line[: span.column - 1].rstrip().endswith(
        ("{ group", "{ stage", "; group", "; stage"))


def test_an_empty_document_has_no_tokens():
    assert semantic.tokens("") == [] and semantic.tokens("\n\n") == []


def test_delta_is_one_edit_on_whole_tokens():
    before = [0, 0, 1, 1, 0, 0, 2, 2, 6, 0, 0, 3, 1, 1, 0]
    after = [0, 0, 1, 1, 0, 0, 2, 2, 6, 0, 0, 3, 1, 1, 2, 0, 2, 1, 1, 0]
    start, deleted, inserted = semantic.delta(before, after)
    assert start % 5 == 0 and before[:start] + inserted + before[start + deleted:] == after
    assert semantic.delta(after, after) == (len(after), 0, [])


def _kinds(text: str, knowhow=frozenset()) -> list[tuple[str, str, tuple]]:
    """(word, type, modifiers) of every token of a one-line text."""
    return [(text.split("\n")[line][start:start + length], kind, mods)
            for line, start, length, kind, mods in absolute(semantic.tokens(text, "utf-32", knowhow))]


@pytest.mark.parametrize("text, expected", [
    # `include "path"` (issue 20's workspaces) is a keyword and a string; a
    # deliverable that happens to be called include stays a name
    ('include "sales.prep"', [("include", "keyword", ()), ('"sales.prep"', "string", ())]),
    ("include -> x", [("include", "variable", ()), ("->", "operator", ()), ("x", "variable", ())]),
    # two statements on a line; a keyword after `;` starts the second
    ("a -> b; knowhow k", [("a", "variable", ()), ("->", "operator", ()), ("b", "variable", ()),
                           ("knowhow", "keyword", ()), ("k", "variable", ("declaration", "knowhow"))]),
    ('group 顧客 "Customer" [colour: blue] { deliverable d }',
     [("group", "keyword", ()), ("顧客", "namespace", ("declaration",)), ('"Customer"', "string", ()),
      ("colour", "property", ()), ("blue", "string", ()), ("deliverable", "keyword", ()),
      ("d", "variable", ("declaration",))]),
    ("stage run [exit: [a, \"b c\"], after: plan]",
     [("stage", "keyword", ()), ("run", "event", ("declaration",)), ("exit", "property", ()),
      ("a", "variable", ()), ('"b c"', "variable", ()), ("after", "property", ()), ("plan", "event", ())]),
    ("measure m [of: a, from: b, dear: adoption, green: 80%]",
     [("measure", "keyword", ()), ("m", "function", ("declaration",)), ("of", "property", ()),
      ("a", "variable", ()), ("from", "property", ()), ("b", "variable", ()), ("dear", "property", ()),
      ("adoption", "string", ()), ("green", "property", ()), ("80%", "number", ())]),
    # `from:` on a relation is no deliverable reference; a zero-width space gets no token
    ("a -> b [from: c]\u200b", [("a", "variable", ()), ("->", "operator", ()), ("b", "variable", ()),
                                ("from", "property", ()), ("c", "string", ())]),
])
def test_what_each_word_is(text, expected):
    assert _kinds(text) == expected
