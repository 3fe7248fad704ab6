"""`prep lsp` (issue 13) end to end: a real server process (`python -m prep
lsp`) driven over stdio by pytest-lsp's client, as an editor drives it.

Each feature: diagnostics (codes, severities, rule links, configuration,
suppressions), hover, definition, references, document and workspace
symbols (stages included), rename (quoting, refusals), completion,
formatting, quick fixes; UTF-16 positions with 𠮷 (outside the BMP) and
ordinary kanji; and a fuzz run of random edits (semantic tokens among the
requests: each delta, applied, equals a fresh full result) (1,000 by default, 10,000
with PREP_FUZZ_PROFILE=long) after each of which every request answers.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from prep.lsp.semantic import TOKEN_MODIFIERS

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKSPACE = Path(__file__).resolve().parent / "data" / "lsp"
LONG = os.environ.get("PREP_FUZZ_PROFILE") == "long"
EDITS = int(os.environ.get("PREP_LSP_EDITS", 10_000 if LONG else 1_000))


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp"]))
async def client(lsp_client: LanguageClient):
    @lsp_client.feature(lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def refresh(params):  # the server asks when a new model changes what is knowhow
        return None

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params):  # the file watchers the server asks for (a client that registers dynamically)
        return None

    params = lsp.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
                                  root_uri=WORKSPACE.as_uri(),
                                  workspace_folders=[lsp.WorkspaceFolder(uri=WORKSPACE.as_uri(), name="lsp")])
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


_counter = 0


async def open_doc(client: LanguageClient, text: str, name: str | None = None) -> str:
    """Open a document and wait for its first diagnostics; returns its URI."""
    global _counter
    _counter += 1
    uri = (WORKSPACE / (name or f"doc{_counter}.prep")).as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=
        lsp.TextDocumentItem(uri=uri, language_id="prep", version=1, text=text)))
    await wait_diagnostics(client, uri)
    return uri


async def wait_diagnostics(client: LanguageClient, uri: str, version: int | None = None, timeout: float = 60):
    """The diagnostics of `uri` (of that document version, when given)."""
    if version is None and uri in client.diagnostics:
        return client.diagnostics[uri]

    async def until():
        while True:
            params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and (version is None or params.version == version):
                return params.diagnostics
    return await asyncio.wait_for(until(), timeout)


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


def pos(text: str, needle: str, offset: int = 0, nth: int = 0) -> lsp.Position:
    """The LSP position (UTF-16) of the nth `needle` in `text`, plus offset code points."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return lsp.Position(line, len(text[start:at].encode("utf-16-le")) // 2)


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


MODEL = """\
title "見積 (Estimate)"
deliverable 𠮷野家 "𠮷野家の注文" [external]
knowhow 見積ノウハウ [owner: 佐藤]
𠮷野家, 単価表 -> 見積書
見積書, 見積ノウハウ -> 承認 [onwer: 部長]
"""


# --------------------------------------------------------------------------
# diagnostics


async def test_diagnostics_have_codes_severities_links_and_utf16_ranges(client):
    uri = await open_doc(client, MODEL)
    diags = await wait_diagnostics(client, uri)
    by_code = {d.code: d for d in diags}
    assert {"E005", "K201", "I104"} <= set(by_code)
    e005 = by_code["E005"]
    assert e005.severity == lsp.DiagnosticSeverity.Error and e005.source == "prep"
    assert "did you mean 'owner'" in e005.message
    # `onwer` on line 5 (0-based 4): after two kanji-only names, no astral
    assert e005.range.start == pos(MODEL, "onwer") and e005.range.end == pos(MODEL, "onwer", 5)
    assert by_code["K201"].code_description.href.endswith("/K201.md")
    # an undeclared name after 𠮷野家 (two UTF-16 units): 単価表 starts at character 5
    undeclared = [d for d in diags if d.code == "I104" and d.range.start.line == 3]
    assert undeclared[0].range.start == lsp.Position(3, 6) == pos(MODEL, "単価表")
    assert undeclared[0].severity == lsp.DiagnosticSeverity.Information


async def test_syntax_error_is_reported_and_the_rest_still_answers(client):
    text = "a -> b\nc => d\nknowhow k [owner: x]\n"
    uri = await open_doc(client, text)
    diags = await wait_diagnostics(client, uri)
    syntax = [d for d in diags if d.code == "E001"]
    assert len(syntax) == 1 and syntax[0].range.start == lsp.Position(1, 2)
    assert any(d.code == "K201" for d in diags)  # lines after the error are still linted
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc(uri)))
    assert {"a", "b", "k"} <= {s.name for s in symbols}


async def test_diagnostics_follow_changes_and_suppressions(client):
    text = "knowhow k [owner: x]\nk -> r\n"
    uri = await open_doc(client, text)
    assert any(d.code == "K201" for d in await wait_diagnostics(client, uri))
    change(client, uri, 2, "knowhow k [owner: x]  # prep: ignore[K201]\nk -> r\n")
    diags = await wait_diagnostics(client, uri, version=2)
    assert not any(d.code == "K201" for d in diags)


async def test_configuration_file_is_honoured(client):
    # tests/data/lsp/quiet/prep.toml ignores K201
    uri = (WORKSPACE / "quiet" / "model.prep").as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=
        lsp.TextDocumentItem(uri=uri, language_id="prep", version=1, text="knowhow k [owner: x]\nk -> r\n")))
    diags = await wait_diagnostics(client, uri)
    assert diags is not None and not any(d.code == "K201" for d in diags)
    assert any(d.code == "I105" or d.code.startswith("I") for d in diags)  # other rules still run


# --------------------------------------------------------------------------
# hover, definition, references, symbols


async def test_hover_shows_the_deliverable(client):
    uri = await open_doc(client, MODEL)
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=pos(MODEL, "見積書", 1)))
    text = hover.contents.value
    assert "見積書" in text and "made from: 単価表, 𠮷野家" in text and "feeds: 承認" in text
    assert "I104" in text  # its findings
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=pos(MODEL, "𠮷野家", 2, nth=2)))
    assert "𠮷野家の注文" in hover.contents.value and "external" in hover.contents.value
    assert hover.range.start == lsp.Position(3, 0) and hover.range.end == lsp.Position(3, 4)
    none = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=lsp.Position(0, 2)))
    assert none is None


async def test_hover_shows_the_stage(client):
    text = 'stage plan "1. Plan" [exit: 計画書]\nstage plan {\n  要件 -> 計画書\n}\n'
    uri = await open_doc(client, text)
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=pos(text, "要件")))
    assert "stage: plan" in hover.contents.value


async def test_stage_references_hover_and_definition(client):
    text = 'stage plan "1. Plan"\nstage build [after: plan]\ndeliverable 要件 [stage: plan]\n要件 -> 計画書\n'
    uri = await open_doc(client, text)
    at = pos(text, "plan", 1, nth=2)  # in `[stage: plan]`
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=at))
    assert "1. Plan" in hover.contents.value and "stage 1" in hover.contents.value
    loc = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=at))
    assert loc.range.start == lsp.Position(0, 6)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(uri), position=at, context=lsp.ReferenceContext(include_declaration=True)))
    assert sorted(r.range.start.line for r in refs) == [0, 1, 2]


async def test_definition_and_references(client):
    uri = await open_doc(client, MODEL)
    use = pos(MODEL, "𠮷野家", 1, nth=2)  # in the relation on line 4
    loc = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=use))
    assert loc.range.start == lsp.Position(1, 12) and loc.range.end == lsp.Position(1, 16)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(uri), position=use, context=lsp.ReferenceContext(include_declaration=True)))
    assert sorted((r.range.start.line, r.range.start.character) for r in refs) == [(1, 12), (3, 0)]
    # an undeclared name: its first use is the definition
    loc = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=pos(MODEL, "見積書", 0, nth=1)))
    assert loc.range.start == pos(MODEL, "見積書")


async def test_document_symbols_outline_groups_stages_deliverables(client):
    text = ('stage plan "1. Plan"\ngroup 顧客 "Customer" {\n  deliverable 要件 [external]\n'
            '  group 窓口 {\n    knowhow 𠮷 [owner: [a, b]]\n  }\n}\n要件, 𠮷 -> 計画書\n')
    uri = await open_doc(client, text)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc(uri)))
    by_name = {s.name: s for s in symbols}
    assert by_name["plan"].kind == lsp.SymbolKind.Event and by_name["plan"].detail == "1. Plan"
    group = by_name["顧客"]
    assert group.kind == lsp.SymbolKind.Namespace
    inner = {c.name: c for c in group.children}
    assert inner["要件"].kind == lsp.SymbolKind.Object
    assert [c.name for c in inner["窓口"].children] == ["𠮷"]
    assert inner["窓口"].children[0].selection_range.end == lsp.Position(4, 14)  # 𠮷 is two UTF-16 units
    assert by_name["計画書"].detail == "not declared"


async def test_document_symbols_nest_what_a_stage_block_holds(client):
    text = ('stage plan "1. Plan" [exit: 計画書] {\n  deliverable 要件 [external]\n  group 窓口 {\n'
            '    knowhow k [owner: [a, b]]\n  }\n}\nstage run "2. Run"\nstage plan {\n  deliverable 追加\n}\n'
            '要件, k -> 計画書\n')
    uri = await open_doc(client, text)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc(uri)))
    assert [(s.name, s.detail) for s in symbols] == [("plan", "1. Plan"), ("run", "2. Run"), ("plan", "block"),
                                                     ("計画書", "not declared")]
    plan, _, block, _ = symbols
    assert [c.name for c in plan.children] == ["要件", "窓口"] and [c.name for c in plan.children[1].children] == ["k"]
    assert [c.name for c in block.children] == ["追加"]
    # the block's range holds its name and everything nested in it
    for parent in (plan, block):
        assert parent.range.start == lsp.Position(parent.range.start.line, 0)
        assert parent.range.start <= parent.selection_range.start and parent.selection_range.end <= parent.range.end
        for child in parent.children:
            assert parent.range.start <= child.range.start and child.range.end <= parent.range.end
    assert (plan.range.start.line, plan.range.end.line) == (0, 5) and (block.range.start.line, block.range.end.line) == (7, 9)


async def test_workspace_symbols_search_open_and_saved_models(client):
    await open_doc(client, "deliverable 開いている文書 \"open\"\n")
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="文書"))
    names = {s.name for s in found}
    assert "開いている文書" in names
    assert "保存された文書" in names  # tests/data/lsp/saved.prep, never opened


# --------------------------------------------------------------------------
# rename


async def test_rename_everywhere_with_quotes_where_needed(client):
    uri = await open_doc(client, MODEL)
    at = pos(MODEL, "見積書")
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(text_document=doc(uri), position=at))
    assert prepared.placeholder == "見積書"
    edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc(uri), position=at, new_name="見積書 v2"))
    edits = edit.changes[uri]
    assert len(edits) == 2 and {e.new_text for e in edits} == {'"見積書 v2"'}
    assert sorted((e.range.start.line, e.range.start.character) for e in edits) == [(3, 13), (4, 0)]
    edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc(uri), position=at, new_name="見積"))
    assert {e.new_text for e in edit.changes[uri]} == {"見積"}


async def refused(client: LanguageClient, uri: str, at: lsp.Position, new_name: str) -> str:
    """The reason the server gives for refusing a rename: answered as a
    RequestFailed (-32803), a refusal, not a crash."""
    with pytest.raises(Exception) as e:
        await client.text_document_rename_async(lsp.RenameParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                                                 position=at, new_name=new_name))
    assert e.value.code == -32803, (new_name, str(e.value))
    return str(e.value)


async def test_rename_refuses_keywords_and_existing_names(client):
    uri = await open_doc(client, MODEL)
    at = pos(MODEL, "見積書")
    for new_name, reason in (("group", "keyword"), ("承認", "already"), ("", "empty")):
        assert reason in await refused(client, uri, at, new_name)


# --------------------------------------------------------------------------
# stage and group ids: definition, references, rename, hover

IDS = """\
stage plan "1. 計画 Plan" [exit: 計画書]
stage adopt "2. 定着 Adoption" [exit: 定着, after: plan]
group 顧客 "顧客 Customer" [stage: plan, colour: blue] {
  deliverable 𠮷要件 [external]
}
deliverable 利用データ [external, stage: adopt]
group 顧客 {
  deliverable 予算 [external]
}
group 社内 "社内 In-house" {
  knowhow 計画ノウハウ [owner: [計画課, 顧客]]
}
𠮷要件, 予算, 計画ノウハウ -> 計画書
計画書, 利用データ -> 定着
"""


def _starts(locations) -> list[tuple[int, int]]:
    return sorted((r.range.start.line, r.range.start.character) for r in locations)


async def test_definition_and_references_of_stage_and_group_ids(client):
    """F12 on `[stage: adopt]` went to the stage, but on a group reopened
    (`group 顧客 {`) it went nowhere, and references of a group were empty;
    a stage's references listed its declaration even when asked not to."""
    uri = await open_doc(client, IDS)
    stage_use = pos(IDS, "adopt]")                     # `[external, stage: adopt]`
    loc = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=stage_use))
    assert (loc.range.start, loc.range.end) == (pos(IDS, "adopt"), pos(IDS, "adopt", 5))
    reopened = pos(IDS, "顧客 {", 1)
    loc = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=reopened))
    assert (loc.range.start, loc.range.end) == (pos(IDS, "顧客"), pos(IDS, "顧客", 2))

    async def references(at, declaration):
        return _starts(await client.text_document_references_async(lsp.ReferenceParams(
            text_document=doc(uri), position=at, context=lsp.ReferenceContext(include_declaration=declaration))))

    plan = pos(IDS, "plan]")                           # `after: plan`
    uses = [(p.line, p.character) for p in (plan, pos(IDS, "plan,"))]  # and the group's `stage: plan`
    assert await references(plan, True) == [(0, 6)] + uses
    assert await references(plan, False) == uses
    assert await references(reopened, True) == [(2, 6), (6, 6)]
    assert await references(reopened, False) == [(6, 6)]
    # the owner 顧客 (a person, not the group) is not one of them; highlight agrees
    highlights = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
        text_document=doc(uri), position=reopened))
    assert _starts(highlights) == [(2, 6), (6, 6)]


async def test_prepare_rename_on_a_stage_or_group_id_gives_its_range(client):
    uri = await open_doc(client, IDS)

    async def prepare(at):
        return await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(text_document=doc(uri), position=at))

    prepared = await prepare(pos(IDS, "adopt]", 2))
    assert prepared.placeholder == "adopt"
    assert (prepared.range.start, prepared.range.end) == (pos(IDS, "adopt]"), pos(IDS, "adopt]", 5))
    prepared = await prepare(pos(IDS, "社内"))
    assert prepared.placeholder == "社内" and prepared.range.end == pos(IDS, "社内", 2)
    assert await prepare(pos(IDS, "計画 Plan")) is None          # a label is not an id
    assert await prepare(pos(IDS, "stage: plan")) is None        # nor an attribute key


def _summary(model, renamed: dict[str, str]) -> tuple:
    """The model's stages and groups, old ids read as their new ones."""
    new = lambda name: renamed.get(name, name)  # noqa: E731
    stages = [(new(s.name), s.label, s.index, s.exits, s.members, s.after and new(s.after))
              for s in model.stages.values()]
    groups = sorted((new(g.name), g.label, g.parent and new(g.parent), g.stage and new(g.stage), g.colour,
                     tuple(model.group_members(g.name))) for g in model.groups.values())
    members = sorted((d.name, d.group and new(d.group), d.stage and new(d.stage)) for d in model.deliverables.values())
    return stages, groups, members


async def test_rename_a_stage_id_and_a_group_id(client):
    import prep

    uri = await open_doc(client, IDS)
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc(uri), position=pos(IDS, "plan]"), new_name="計画 phase"))
    renamed = _apply(IDS, edit.changes[uri])
    assert renamed == (IDS.replace("stage plan", 'stage "計画 phase"').replace("after: plan", 'after: "計画 phase"')
                       .replace("stage: plan", 'stage: "計画 phase"'))
    assert '"1. 計画 Plan"' in renamed  # the label stays
    assert _summary(prep.loads(renamed), {}) == _summary(prep.loads(IDS), {"plan": "計画 phase"})

    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc(uri), position=pos(IDS, "顧客 {", 1), new_name="客先"))
    renamed = _apply(IDS, edit.changes[uri])
    assert renamed == IDS.replace("group 顧客", "group 客先")
    assert "[owner: [計画課, 顧客]]" in renamed and '"顧客 Customer"' in renamed  # an owner, a label
    model = prep.loads(renamed)
    assert list(model.groups) == ["客先", "社内"]
    assert _summary(model, {}) == _summary(prep.loads(IDS), {"顧客": "客先"})


async def test_rename_of_a_stage_or_group_id_refuses_what_cannot_be_used(client):
    uri = await open_doc(client, IDS)
    stage, group = pos(IDS, "adopt]"), pos(IDS, "社内")
    refusals = [(stage, "plan", "'plan' is already a stage of this model"),
                (group, "顧客", "'顧客' is already a group of this model"),
                (stage, "stage", "keyword"), (group, "group", "keyword"), (stage, "", "empty"),
                (group, "a\nb", "one line"), (stage, "定着\u200b", "invisible character U+200B")]
    for at, new_name, reason in refusals:
        said = await refused(client, uri, at, new_name)
        assert reason in said, (new_name, said)
    # stages, groups and deliverables have names of their own: a stage may take a deliverable's
    # name, a group a stage's
    for at, new_name in ((stage, "定着"), (group, "adopt")):
        edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc(uri), position=at,
                                                                         new_name=new_name))
        assert {e.new_text for e in edit.changes[uri]} == {new_name}


async def test_hover_on_a_group_id(client):
    uri = await open_doc(client, IDS)
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=pos(IDS, "顧客 {")))
    text = hover.contents.value
    assert text.startswith("**顧客 Customer** (group)") and "name: `顧客`" in text and "2 deliverables" in text
    assert "stage: plan" in text and "colour: blue" in text
    assert (hover.range.start, hover.range.end) == (pos(IDS, "顧客 {"), pos(IDS, "顧客 {", 2))
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=pos(IDS, "adopt")))
    text = hover.contents.value
    assert "**2. 定着 Adoption** (stage 2)" in text and "name: `adopt`" in text and "after: plan" in text
    assert "exit criteria: 定着" in text


# --------------------------------------------------------------------------
# completion, formatting, quick fixes


async def _complete(client, uri, text, needle, offset=0):
    result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc(uri), position=pos(text, needle, offset)))
    return {i.label: i for i in result.items}


async def test_completion_of_names_keywords_attributes_stages(client):
    text = ('stage plan "1. Plan"\nstage build\ndeliverable "two words"\nknowhow k [owner: 佐藤]\n'
            'x -> y [stage: ]\ndeliverable z [fin]\n\n')
    uri = await open_doc(client, text)
    items = await _complete(client, uri, text, "\n\n", 1)
    assert {"deliverable", "knowhow", "group", "stage", "title"} <= set(items)
    assert items["two words"].insert_text == '"two words"' and items["k"].insert_text == "k"
    # each name says what it is: knowhow was labelled "deliverable"
    assert (items["k"].detail, items["two words"].detail) == ("knowhow", "deliverable")
    items = await _complete(client, uri, text, "[stage: ]", 8)
    assert set(items) == {"plan", "build"}
    items = await _complete(client, uri, text, "[fin]", 4)
    assert {"final", "owner", "external", "note", "stage"} <= set(items)
    items = await _complete(client, uri, text, "[owner: 佐藤]", 7)
    assert "佐藤" in items


async def test_attribute_completion_offers_what_the_statement_takes(client):
    """Inside `[` every statement but a group or a measure was offered the
    deliverables' attributes and a stage's `after` and `exit`: `deliverable
    z [exit: ...]` and `stage s [owner: ...]` are errors (E005), as is
    `final` on a relation."""
    text = 'stage s "S" []\ndeliverable z []\nknowhow k []\na -> z []\na <~> z []\n'
    uri = await open_doc(client, text)
    assert set(await _complete(client, uri, text, 'S" []', 4)) == {"exit", "after", "note"}
    for needle in ("z []", "k []"):
        assert set(await _complete(client, uri, text, needle, 3)) == {"owner", "external", "final", "note", "stage"}
    for needle in ("-> z []", "<~> z []"):
        assert set(await _complete(client, uri, text, needle, len(needle) - 1)) == {"owner", "note", "stage"}


async def test_formatting_the_document(client):
    text = "a,b->c\n\n\n  # note\n"
    uri = await open_doc(client, text)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1 and edits[0].new_text == "a, b -> c\n\n# note\n"
    assert edits[0].range.end == lsp.Position(4, 0)
    broken = await open_doc(client, "a ->\n")
    assert not await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc(broken), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))


async def _actions(client, uri, diags, code):
    d = next(x for x in diags if x.code == code)
    return await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=doc(uri), range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: lsp.Position) -> int:
        before = sum(len(l) + 1 for l in lines[: p.line])
        line = lines[p.line]
        units = 0
        for i, ch in enumerate(line):
            if units >= p.character:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
        lines = text.split("\n")
    return text


async def test_quick_fixes(client):
    uri = await open_doc(client, MODEL)
    diags = await wait_diagnostics(client, uri)
    actions = {a.title: a for a in await _actions(client, uri, diags, "E005")}
    fixed = _apply(MODEL, actions["Change to 'owner'"].edit.changes[uri])
    assert "承認 [owner: 部長]" in fixed
    actions = {a.title: a for a in await _actions(client, uri, diags, "K201")}
    fixed = _apply(MODEL, actions["Add an owner"].edit.changes[uri])
    assert "knowhow 見積ノウハウ [owner: [佐藤, 担当者]]" in fixed
    fixed = _apply(MODEL, actions["Suppress K201 on this line"].edit.changes[uri])
    assert "knowhow 見積ノウハウ [owner: 佐藤]  # prep: ignore[K201]" in fixed
    actions = {a.title: a for a in await _actions(client, uri, diags, "I104")}
    fixed = _apply(MODEL, actions["Declare '単価表'"].edit.changes[uri])
    assert "deliverable 単価表\n𠮷野家, 単価表 -> 見積書" in fixed


# --------------------------------------------------------------------------
# random edits: every request answers


PIECES = ["a", "要件", "𠮷", " ", "\n", "->", "~>", "<~>", ",", "[", "]", "{", "}", ":", '"', "#", "group ",
          "stage ", "deliverable ", "knowhow ", "owner: ", "stage: ", "exit: ", "final", "\\", "=>", "\u3000"]


def without_knowhow(data) -> list[int]:
    """Semantic tokens with the `knowhow` modifier bit cleared."""
    knowhow = 1 << TOKEN_MODIFIERS.index("knowhow")
    return [v & ~knowhow if i % 5 == 4 else v for i, v in enumerate(data)]


async def test_random_edits_never_crash_the_server(client):
    rnd = random.Random(13)
    base = (Path(__file__).resolve().parent.parent / "examples" / "renewal-roadmap.prep").read_text(encoding="utf-8")
    text = base
    uri = await open_doc(client, text, "fuzz.prep")
    requests = 0
    tokens = None  # the last semantic tokens: every delta, applied to them, must equal a fresh full result
    for version in range(2, EDITS + 2):
        roll = rnd.random()
        at = rnd.randint(0, len(text))
        if roll < 0.45:
            text = text[:at] + rnd.choice(PIECES) + text[at:]
        elif roll < 0.85:
            text = text[:at] + text[at + rnd.randint(1, 12):]
        elif roll < 0.95:
            text = text[:at]  # truncated
        else:
            text = base
        change(client, uri, version, text)
        lines = text.split("\n")
        line = rnd.randint(0, len(lines))
        character = rnd.randint(0, len(lines[line]) + 2 if line < len(lines) else 3)
        p = lsp.Position(line, character)
        kind = version % 7
        if kind == 6:
            if tokens is not None:
                delta = await client.text_document_semantic_tokens_full_delta_async(lsp.SemanticTokensDeltaParams(
                    text_document=doc(uri), previous_result_id=tokens.result_id))
                data = list(tokens.data)
                for e in sorted(delta.edits, key=lambda e: e.start, reverse=True):
                    data[e.start:e.start + e.delete_count] = e.data or []
            tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=doc(uri)))
            assert tokens is not None and len(tokens.data) % 5 == 0
            if version > 6:
                # the knowhow modifier may change between the two requests: tokens do not
                # wait for the model, which can land in between (the server then asks the
                # editor to refresh); everything else must match exactly
                assert without_knowhow(data) == without_knowhow(tokens.data)
        elif kind == 0:
            await client.text_document_hover_async(lsp.HoverParams(text_document=doc(uri), position=p))
        elif kind == 1:
            result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc(uri), position=p))
            assert result is not None
        elif kind == 2:
            assert await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc(uri))) is not None
        elif kind == 3:
            await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(uri), position=p))
            await client.text_document_references_async(lsp.ReferenceParams(
                text_document=doc(uri), position=p, context=lsp.ReferenceContext(include_declaration=True)))
        elif kind == 4:
            assert await client.text_document_formatting_async(lsp.DocumentFormattingParams(
                text_document=doc(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True))) is not None
        else:
            rng = lsp.Range(lsp.Position(0, 0), p)
            assert await client.text_document_code_action_async(lsp.CodeActionParams(
                text_document=doc(uri), range=rng, context=lsp.CodeActionContext(diagnostics=[]))) is not None
        requests += 1
    # the last text is diagnosed too
    diags = await wait_diagnostics(client, uri, version=EDITS + 1)
    assert diags is not None
    assert requests == EDITS
    errors = [m for m in client.log_messages if m.type == lsp.MessageType.Error]
    assert errors == [], errors[0].message if errors else ""
