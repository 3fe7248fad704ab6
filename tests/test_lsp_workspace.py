"""`prep lsp` on a workspace (issue 20, point 4): a real server process
driven by pytest-lsp's client over real files in a temporary folder.

Each test has its own workspace (a folder with a prep.toml) holding the
issue's split model: main.prep includes sales.prep (makes 受注 from
𠮷提案書 and 𠮷価格表) and delivery.prep (declares 𠮷価格表, makes 導入計画
from 受注). 𠮷 lies outside the BMP, so every range in the other file is
checked in UTF-16 units, not code points.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from test_lsp import refused

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAIN = 'title "受注から導入まで"\ninclude "sales.prep"\ninclude "delivery.prep"\n'
SALES = """\
# 営業: 𠮷価格表 is kept by delivery.prep
deliverable 顧客課題 [external]
knowhow 提案ノウハウ [owner: 営業部]
deliverable 𠮷提案書
deliverable 受注
顧客課題, 提案ノウハウ -> 𠮷提案書
𠮷提案書, 𠮷価格表 -> 受注
"""
DELIVERY = """\
deliverable 𠮷価格表 [external]
knowhow 導入ノウハウ [owner: 導入部]
deliverable 導入計画 [final]
受注, 導入ノウハウ -> 導入計画
"""
CROSS_FILE_NOISE = {"I102", "I103", "I104", "I105"}
REGISTERED: list = []  # what the server asked the client to register


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lspws")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "prep", "lsp"]))
async def client(lsp_client: LanguageClient, folder: Path):
    @lsp_client.feature(lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def refresh(params):
        return None

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params):
        REGISTERED.extend(params.registrations)
        return None

    params = lsp.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
                                  root_uri=folder.as_uri(),
                                  workspace_folders=[lsp.WorkspaceFolder(uri=folder.as_uri(), name="ws")])
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def workspace(folder: Path, name: str, **extra: str) -> Path:
    """A workspace of its own below the editor's folder: the split model."""
    here = folder / name
    here.mkdir()
    (here / "prep.toml").write_text("", encoding="utf-8")
    files = {"main.prep": MAIN, "sales.prep": SALES, "delivery.prep": DELIVERY, **extra}
    for file, text in files.items():
        (here / file).parent.mkdir(parents=True, exist_ok=True)
        (here / file).write_text(text, encoding="utf-8")
    return here


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="prep", version=1, text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


async def diagnostics_until(client: LanguageClient, uri: str, ok, timeout: float = 30) -> list[lsp.Diagnostic]:
    """The diagnostics of `uri` once `ok(diagnostics)` holds (the last
    published, or the next ones that make it hold)."""
    async def wait():
        while True:
            if uri in client.diagnostics and ok(client.diagnostics[uri]):
                return client.diagnostics[uri]
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return await asyncio.wait_for(wait(), timeout)


def pos(text: str, needle: str, offset: int = 0) -> lsp.Position:
    """The UTF-16 position of `needle` in `text`, plus offset code points."""
    at = text.index(needle) + offset
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return lsp.Position(line, len(text[start:at].encode("utf-16-le")) // 2)


def span(text: str, needle: str) -> lsp.Range:
    return lsp.Range(pos(text, needle), pos(text, needle, len(needle)))


def codes(diagnostics) -> set[str]:
    return {d.code for d in diagnostics}


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


# --------------------------------------------------------------------------
# diagnostics come from the root's model


async def test_an_included_file_open_alone_has_no_false_findings(client, folder):
    here = workspace(folder, "alone")
    sales = open_file(client, here / "sales.prep")
    diags = await diagnostics_until(client, sales, lambda d: True)
    # 𠮷価格表 is declared in delivery.prep (not open), 受注 is used there
    assert not codes(diags) & CROSS_FILE_NOISE, [(d.code, d.message) for d in diags]
    delivery = open_file(client, here / "delivery.prep")
    diags = await diagnostics_until(client, delivery, lambda d: True)
    assert not codes(diags) & CROSS_FILE_NOISE, [(d.code, d.message) for d in diags]


async def test_a_change_in_one_file_republishes_the_other(client, folder):
    here = workspace(folder, "change")
    sales = open_file(client, here / "sales.prep")
    delivery = open_file(client, here / "delivery.prep")
    await diagnostics_until(client, sales, lambda d: not codes(d) & CROSS_FILE_NOISE)
    # the declaration goes from delivery.prep (unsaved): sales.prep's use is now undeclared
    without = DELIVERY.replace("deliverable 𠮷価格表 [external]\n", "")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=delivery, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=without)]))
    diags = await diagnostics_until(client, sales, lambda d: "I104" in codes(d))
    i104 = [d for d in diags if d.code == "I104"]
    assert [d.range for d in i104] == [lsp.Range(pos(SALES, "𠮷価格表 ->"), pos(SALES, "𠮷価格表 ->", 4))]
    # and back: the finding is cleared in the file that did not change
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=delivery, version=3),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=DELIVERY)]))
    await diagnostics_until(client, sales, lambda d: "I104" not in codes(d))


async def test_a_new_part_saved_joins_its_root_without_a_file_watcher(client, folder):
    """A new file made in the editor where the root's glob looks
    (`include "teams/*.prep"`): unsaved, it is not on disk, so it is a
    model on its own; once saved it is a part, and its findings come from
    the root's model. An editor without file watchers (Neovim before 0.10)
    sends only didSave: the file kept its lone findings (受注 undeclared,
    I102/I104) after the save, until it was closed and opened again."""
    here = workspace(folder, "newpart", **{"main.prep": 'include "teams/*.prep"\n', "teams/sales.prep": SALES,
                                           "teams/delivery.prep": DELIVERY})
    (here / "sales.prep").unlink()
    (here / "delivery.prep").unlink()
    sales = open_file(client, here / "teams" / "sales.prep")
    await diagnostics_until(client, sales, lambda d: not codes(d) & CROSS_FILE_NOISE)
    text = "deliverable サポート記録 [final]\nknowhow 対応ノウハウ [owner: [サポート部, CS]]\n受注, 対応ノウハウ -> サポート記録\n"
    new = open_file(client, here / "teams" / "support.prep", text)
    diags = await diagnostics_until(client, new, lambda d: "I104" in codes(d))  # 受注: sales.prep is not its root's
    (here / "teams" / "support.prep").write_text(text, encoding="utf-8")
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=doc(new)))
    diags = await diagnostics_until(client, new, lambda d: not codes(d) & CROSS_FILE_NOISE)
    assert not diags, [(d.code, d.message) for d in diags]
    # and it is one model: 受注 is found in sales.prep
    found = await client.text_document_definition_async(lsp.DefinitionParams(doc(new), pos(text, "受注")))
    found = found[0] if isinstance(found, list) else found
    assert found.uri == sales


async def test_a_part_changed_on_disk_republishes_the_open_file(client, folder):
    """A teammate's delivery.prep pulled with git (not open here): the
    editor's file watcher says so, and sales.prep's findings follow. The
    server asked for that watcher (the client registers dynamically)."""
    (watch,) = [r for r in REGISTERED if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    globs = {w["globPattern"] for w in watch.register_options["watchers"]}  # as the client received it
    assert globs == {"**/*.prep", "**/prep.toml", "**/pyproject.toml"}
    here = workspace(folder, "pulled")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: not codes(d) & CROSS_FILE_NOISE)
    (here / "delivery.prep").write_text(DELIVERY.replace("deliverable 𠮷価格表 [external]\n", ""), encoding="utf-8")
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
        lsp.FileEvent(uri=(here / "delivery.prep").as_uri(), type=lsp.FileChangeType.Changed)]))
    diags = await diagnostics_until(client, sales, lambda d: "I104" in codes(d))
    assert [d.range for d in diags if d.code == "I104"] == [
        lsp.Range(pos(SALES, "𠮷価格表 ->"), pos(SALES, "𠮷価格表 ->", 4))]


async def test_an_include_error_is_at_the_include_line(client, folder):
    (folder / "secret.prep").write_text("秘密 -> 漏洩\n", encoding="utf-8")
    here = workspace(folder, "missing", **{"main.prep": MAIN + 'include "sucess.prep"\ninclude "../secret.prep"\n',
                                           "success.prep": "x -> y\n"})
    main = open_file(client, here / "main.prep")
    diags = await diagnostics_until(client, main, lambda d: len([x for x in d if x.code == "E000"]) == 2)
    missing, outside = sorted((d for d in diags if d.code == "E000"), key=lambda d: d.range.start.line)
    assert missing.range.start.line == 3 and "did you mean 'success.prep'" in missing.message
    assert outside.range.start.line == 4 and "leads out of the workspace" in outside.message
    assert "秘密" not in str([d.message for d in diags])  # the outside file is never read
    # the parts that did read are still one model: no false findings in the root's view
    assert not codes(diags) & {"I104"}


async def test_a_conflict_between_files_points_at_the_other_file(client, folder):
    # 𠮷価格表 labelled in both files, differently: E002 in delivery.prep
    # (read second), its related place in sales.prep, in UTF-16 units
    sales_text = SALES + 'deliverable 𠮷価格表 "別の価格表"\n'
    delivery_text = DELIVERY.replace("deliverable 𠮷価格表", 'deliverable 𠮷価格表 "価格表"')
    here = workspace(folder, "conflict", **{"sales.prep": sales_text, "delivery.prep": delivery_text})
    delivery = open_file(client, here / "delivery.prep")
    diags = await diagnostics_until(client, delivery, lambda d: "E002" in codes(d))
    e002 = next(d for d in diags if d.code == "E002")
    assert e002.range == span(delivery_text, "𠮷価格表")
    [related] = e002.related_information
    assert related.location.uri == (here / "sales.prep").as_uri()
    assert related.location.range == lsp.Range(lsp.Position(7, 12), lsp.Position(7, 17))  # 𠮷 is two units


async def test_a_file_no_longer_included_is_checked_on_its_own(client, folder):
    here = workspace(folder, "dropped")
    main = open_file(client, here / "main.prep")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: not codes(d) & CROSS_FILE_NOISE)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=main, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=MAIN.replace('include "delivery.prep"\n', ""))]))
    # sales.prep alone again (with main): 𠮷価格表 is declared nowhere
    await diagnostics_until(client, sales, lambda d: "I104" in codes(d))


# --------------------------------------------------------------------------
# definition, references, rename


async def test_definition_and_references_cross_files(client, folder):
    here = workspace(folder, "nav")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    delivery_uri = (here / "delivery.prep").as_uri()
    at = pos(SALES, "𠮷価格表 ->", 1)  # inside the name, after the astral 𠮷
    found = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc(sales), position=at))
    assert found.uri == delivery_uri and found.range == span(DELIVERY, "𠮷価格表")
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(sales), position=pos(SALES, "受注\n"), context=lsp.ReferenceContext(include_declaration=True)))
    where = sorted((r.uri, r.range.start.line, r.range.start.character) for r in refs)
    used = pos(SALES, "-> 受注", 3)
    assert used == lsp.Position(6, 16)  # after two astral characters: UTF-16 units
    assert where == sorted([(delivery_uri, 3, 0), (sales, 4, 12), (sales, 6, 16)])


async def test_definition_on_an_include_opens_the_files_it_names(client, folder):
    """Go to definition on `include "sales.prep"` answered nothing: in a
    workspace it is the way from the root to a part. A glob gives each file
    it matches, in the loader's order (hidden files and the root itself
    left out); a path out of the workspace gives nothing."""
    here = workspace(folder, "incdef", **{"teams/a.prep": "x -> y\n", "teams/b.prep": "y -> z\n",
                                          "teams/.hidden.prep": "h -> i\n"})
    (folder / "outside.prep").write_text("secret -> s\n", encoding="utf-8")
    text = MAIN + 'include "teams/*.prep"\ninclude "../outside.prep"\n'
    main = open_file(client, here / "main.prep", text)
    await diagnostics_until(client, main, lambda d: True)

    async def definition(needle: str, offset: int = 1):
        found = await client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc(main), position=pos(text, needle, offset)))
        return [(loc.uri, loc.range.start.line, loc.range.start.character) for loc in found or []]

    assert await definition('"sales.prep"') == [((here / "sales.prep").as_uri(), 0, 0)]
    assert await definition('"teams/*.prep"', 8) == [((here / "teams" / n).as_uri(), 0, 0) for n in ("a.prep", "b.prep")]
    assert await definition('"../outside.prep"') == []
    assert await definition("include", 2) == []   # the keyword is not the path


async def test_rename_edits_every_file(client, folder):
    here = workspace(folder, "rename")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc(sales), position=pos(SALES, "受注\n"), new_name="契約"))
    by_uri = {c.text_document.uri: c.edits for c in edit.document_changes}
    delivery_uri = (here / "delivery.prep").as_uri()
    assert set(by_uri) == {sales, delivery_uri}
    texts = {sales: SALES, delivery_uri: DELIVERY}
    for uri, edits in by_uri.items():
        lines = texts[uri].split("\n")
        for e in edits:  # each range covers 受注 in that file, in UTF-16 units
            line = lines[e.range.start.line]
            units = line.encode("utf-16-le")
            assert units[2 * e.range.start.character: 2 * e.range.end.character].decode("utf-16-le") == "受注"
            assert e.new_text == "契約"
    assert len(by_uri[sales]) == 2 and len(by_uri[delivery_uri]) == 1
    # an unopened file is edited at no version; an open one at its own
    versions = {c.text_document.uri: c.text_document.version for c in edit.document_changes}
    assert versions == {sales: 1, delivery_uri: None}


async def test_rename_to_a_name_declared_in_another_file_is_refused(client, folder):
    here = workspace(folder, "collide")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    said = await refused(client, sales, pos(SALES, "受注\n"), "導入計画")
    assert "already a deliverable" in said and "delivery.prep" in said


async def test_rename_touching_a_read_only_file_is_refused(client, folder):
    # no write permission bit: refused even when the server runs as root,
    # for whom every file is writable
    here = workspace(folder, "readonly")
    os.chmod(here / "delivery.prep", 0o444)
    try:
        sales = open_file(client, here / "sales.prep")
        await diagnostics_until(client, sales, lambda d: True)
        said = await refused(client, sales, pos(SALES, "受注\n"), "契約")
        assert "delivery.prep" in said and "read-only" in said
        # a name only sales.prep uses is renamed: delivery.prep is not touched
        edit = await client.text_document_rename_async(lsp.RenameParams(
            text_document=doc(sales), position=pos(SALES, "顧客課題"), new_name="課題"))
        assert [c.text_document.uri for c in edit.document_changes] == [sales]
    finally:
        os.chmod(here / "delivery.prep", 0o644)


# --------------------------------------------------------------------------
# stage and group ids across files

# the split model with stages and groups: main.prep declares the stages,
# sales.prep opens the group 営業部 and names stage 営業, delivery.prep
# reopens the group, names 営業 after an astral 𠮷 and adds to stage adopt
STAGED_MAIN = """\
title "受注から導入まで"
stage 営業 "営業 Sales" [exit: 受注]
stage adopt "導入 Adoption" [exit: 導入計画, after: 営業]
include "sales.prep"
include "delivery.prep"
"""
STAGED_SALES = """\
group 営業部 "営業部 Sales team" [colour: blue] {
  deliverable 顧客課題 [external]
  knowhow 提案ノウハウ [owner: [営業部, 佐藤]]
  deliverable 𠮷提案書 [stage: 営業]
  deliverable 受注
}
顧客課題, 提案ノウハウ -> 𠮷提案書
𠮷提案書, 𠮷価格表 -> 受注
"""
STAGED_DELIVERY = """\
group 営業部 {
  deliverable 𠮷価格表 [external, stage: 営業]
}
stage adopt {
  group 導入部 "導入部 Delivery" {
    knowhow 導入ノウハウ [owner: [導入部, 伊藤]]
    deliverable 導入計画 [final]
  }
  受注, 導入ノウハウ -> 導入計画
}
"""


def staged(folder: Path, name: str) -> Path:
    return workspace(folder, name, **{"main.prep": STAGED_MAIN, "sales.prep": STAGED_SALES,
                                      "delivery.prep": STAGED_DELIVERY})


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """`text` with LSP edits applied (single-line ranges, UTF-16 columns)."""
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        units = lines[e.range.start.line].encode("utf-16-le")
        start, end = 2 * e.range.start.character, 2 * e.range.end.character
        lines[e.range.start.line] = (units[:start].decode("utf-16-le") + e.new_text
                                     + units[end:].decode("utf-16-le"))
    return "\n".join(lines)


def location(loc: lsp.Location) -> tuple[str, int, int, int]:
    return loc.uri.rsplit("/", 1)[1], loc.range.start.line, loc.range.start.character, loc.range.end.character


def place(file: str, text: str, needle: str, length: int) -> tuple[str, int, int, int]:
    """(file, line, start, end) of `needle`'s first `length` characters in `text`, in UTF-16 units."""
    start, end = pos(text, needle), pos(text, needle, length)
    return file, start.line, start.character, end.character


async def test_stage_and_group_definition_and_references_cross_files(client, folder):
    here = staged(folder, "ids-nav")
    delivery = open_file(client, here / "delivery.prep")
    await diagnostics_until(client, delivery, lambda d: True)

    async def definition(needle, offset=1):
        found = await client.text_document_definition_async(lsp.DefinitionParams(
            text_document=doc(delivery), position=pos(STAGED_DELIVERY, needle, offset)))
        return location(found[0] if isinstance(found, list) else found)

    async def references(needle, declaration=True):
        found = await client.text_document_references_async(lsp.ReferenceParams(
            text_document=doc(delivery), position=pos(STAGED_DELIVERY, needle, 1),
            context=lsp.ReferenceContext(include_declaration=declaration)))
        return sorted(location(r) for r in found)

    # `stage: 営業` after 𠮷 (UTF-16) -> main.prep's declaration; `stage adopt {` too
    assert await definition("営業]") == place("main.prep", STAGED_MAIN, "営業", 2)
    assert await definition("adopt {") == place("main.prep", STAGED_MAIN, "adopt", 5)
    # the group reopened here -> where sales.prep first opens it
    assert await definition("営業部 {") == place("sales.prep", STAGED_SALES, "営業部", 3)
    stage_uses = [place("delivery.prep", STAGED_DELIVERY, "営業]", 2), place("sales.prep", STAGED_SALES, "営業]", 2),
                  place("main.prep", STAGED_MAIN, "営業]", 2)]      # main.prep's `after: 営業`
    assert await references("営業]") == sorted(stage_uses + [place("main.prep", STAGED_MAIN, "営業", 2)])
    assert await references("営業]", declaration=False) == sorted(stage_uses)
    # the group: its two `group` statements; not the owner 営業部 (a person) nor the label
    assert await references("営業部 {") == sorted([place("sales.prep", STAGED_SALES, "営業部", 3),
                                                 place("delivery.prep", STAGED_DELIVERY, "営業部", 3)])
    assert await references("営業部 {", declaration=False) == [place("delivery.prep", STAGED_DELIVERY, "営業部", 3)]


async def _rename_in_files(client, here: Path, uri: str, at: lsp.Position, new_name: str) -> dict[str, str]:
    """The three files' texts after the rename at `at`, applied; written to disk."""
    edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc(uri), position=at,
                                                                     new_name=new_name))
    texts = {"main.prep": STAGED_MAIN, "sales.prep": STAGED_SALES, "delivery.prep": STAGED_DELIVERY}
    for change in edit.document_changes:
        name = change.text_document.uri.rsplit("/", 1)[1]
        texts[name] = apply_edits(texts[name], change.edits)
    for name, text in texts.items():
        (here / name).write_text(text, encoding="utf-8")
    return texts


def _ids(model, renamed: dict[str, str]) -> tuple:
    """The model's stages and groups (and who is in them), old ids read as the new ones."""
    new = lambda name: renamed.get(name, name)  # noqa: E731
    stages = [(new(s.name), s.label, s.index, s.exits, s.members, s.after and new(s.after))
              for s in model.stages.values()]
    groups = sorted((new(g.name), g.label, g.parent and new(g.parent), g.colour, tuple(model.group_members(g.name)))
                    for g in model.groups.values())
    return stages, groups, sorted((d.name, d.group and new(d.group)) for d in model.deliverables.values())


async def test_rename_a_stage_id_across_files(client, folder):
    import prep

    before = prep.load(staged(folder, "ids-before") / "main.prep")
    here = staged(folder, "ids-stage")
    delivery = open_file(client, here / "delivery.prep")
    await diagnostics_until(client, delivery, lambda d: True)
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=doc(delivery), position=pos(STAGED_DELIVERY, "営業]", 1)))
    assert prepared.placeholder == "営業" and prepared.range == lsp.Range(
        pos(STAGED_DELIVERY, "営業]"), pos(STAGED_DELIVERY, "営業]", 2))
    texts = await _rename_in_files(client, here, delivery, pos(STAGED_DELIVERY, "営業]", 1), "商談 phase")
    assert texts == {"main.prep": STAGED_MAIN.replace("stage 営業", 'stage "商談 phase"')
                                             .replace("after: 営業", 'after: "商談 phase"'),
                     "sales.prep": STAGED_SALES.replace("stage: 営業", 'stage: "商談 phase"'),
                     "delivery.prep": STAGED_DELIVERY.replace("stage: 営業", 'stage: "商談 phase"')}
    assert '"営業 Sales"' in texts["main.prep"]   # the label stays
    after = prep.load(here / "main.prep")
    assert list(after.stages) == ["商談 phase", "adopt"]
    assert _ids(after, {}) == _ids(before, {"営業": "商談 phase"})


async def test_rename_a_group_id_across_files(client, folder):
    import prep

    before = prep.load(staged(folder, "ids-before-group") / "main.prep")
    here = staged(folder, "ids-group")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    texts = await _rename_in_files(client, here, sales, pos(STAGED_SALES, "営業部", 1), "営業チーム")
    assert texts == {"main.prep": STAGED_MAIN,
                     "sales.prep": STAGED_SALES.replace("group 営業部", "group 営業チーム"),
                     "delivery.prep": STAGED_DELIVERY.replace("group 営業部", "group 営業チーム")}
    # the label and the owner 営業部 (a person) stay
    assert '"営業部 Sales team"' in texts["sales.prep"] and "[owner: [営業部, 佐藤]]" in texts["sales.prep"]
    after = prep.load(here / "main.prep")
    assert list(after.groups) == ["営業チーム", "導入部"]
    assert _ids(after, {}) == _ids(before, {"営業部": "営業チーム"})


async def test_rename_of_an_id_to_one_taken_in_another_file_or_invalid_is_refused(client, folder):
    here = staged(folder, "ids-refused")
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    stage, group = pos(STAGED_SALES, "営業]", 1), pos(STAGED_SALES, "営業部", 1)
    refusals = [(stage, "adopt", "'adopt' is already a stage of this model (in main.prep)"),
                (group, "導入部", "'導入部' is already a group of this model (in delivery.prep)"),
                (group, "include", "keyword"), (stage, " ", "empty"), (group, "a\rb", "one line"),
                (stage, "営\u00a0業", "no-break space")]
    for at, new_name, reason in refusals:
        said = await refused(client, sales, at, new_name)
        assert reason in said, (new_name, said)
    # each kind has its own names: the stage may be called as a deliverable, the group as a stage
    for at, new_name in ((stage, "受注"), (group, "adopt")):
        edit = await client.text_document_rename_async(lsp.RenameParams(text_document=doc(sales), position=at,
                                                                         new_name=new_name))
        assert edit.document_changes and all(e.new_text == new_name for c in edit.document_changes for e in c.edits)


async def test_rename_of_an_id_in_a_read_only_file_is_refused(client, folder):
    here = staged(folder, "ids-readonly")
    os.chmod(here / "delivery.prep", 0o444)
    try:
        sales = open_file(client, here / "sales.prep")
        await diagnostics_until(client, sales, lambda d: True)
        for at in (pos(STAGED_SALES, "営業]", 1), pos(STAGED_SALES, "営業部", 1)):
            said = await refused(client, sales, at, "新しい名前")
            assert "delivery.prep" in said and "read-only" in said
    finally:
        os.chmod(here / "delivery.prep", 0o644)


# --------------------------------------------------------------------------
# symbols, completion


async def test_workspace_symbols_cover_unopened_files_and_document_symbols_stay_per_file(client, folder):
    here = workspace(folder, "symbols", **{"delivery.prep": DELIVERY + "deliverable 検収書ユニーク\n"})
    sales = open_file(client, here / "sales.prep")
    await diagnostics_until(client, sales, lambda d: True)
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="検収書ユニーク"))
    assert [(s.name, s.location.uri) for s in found] == [("検収書ユニーク", (here / "delivery.prep").as_uri())]
    # 受注 is declared in sales.prep and only used in delivery.prep (not open): one symbol, in sales.prep
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="受注"))
    mine = [s for s in found if s.location.uri.startswith((here / "x").as_uri()[:-1])]
    assert [(s.name, s.location.uri) for s in mine] == [("受注", sales)]
    own = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc(sales)))
    names = {s.name for s in own}
    assert {"顧客課題", "受注", "𠮷提案書"} <= names and not names & {"導入計画", "𠮷価格表"}


async def test_a_group_reopened_in_another_file_lists_each_symbol_once_in_its_own_file(client, folder):
    """A group declared in a.prep and reopened in b.prep: workspace symbols
    listed b.prep's names twice, once more in a.prep at b.prep's positions
    (a jump landed on other text), since a.prep's group took every member
    along."""
    here = folder / "reopened"
    here.mkdir()
    (here / "prep.toml").write_text("", encoding="utf-8")
    (here / "main.prep").write_text('include "a.prep"\ninclude "b.prep"\n', encoding="utf-8")
    (here / "a.prep").write_text("group 営業 {\n  deliverable 引合いユニーク [external]\n"
                                 "  引合いユニーク, 予算ユニーク -> 提案書ユニーク\n}\n", encoding="utf-8")
    (here / "b.prep").write_text("group 営業 {\n  提案書ユニーク, 価格表ユニーク -> 見積書ユニーク\n}\n",
                                 encoding="utf-8")
    b = open_file(client, here / "b.prep")
    await diagnostics_until(client, b, lambda d: True)
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="ユニーク"))
    got = sorted((s.name, s.location.uri.rsplit("/", 1)[1], s.location.range.start.line) for s in found
                 if "/reopened/" in s.location.uri)
    assert got == sorted([("価格表ユニーク", "b.prep", 1), ("予算ユニーク", "a.prep", 2), ("引合いユニーク", "a.prep", 1),
                          ("提案書ユニーク", "a.prep", 2), ("見積書ユニーク", "b.prep", 1)]), got


async def test_a_part_that_is_not_utf8_is_told_at_its_include_line_and_in_itself(client, folder):
    """A Shift_JIS part: with the root open alone, nothing was shown; opened
    by an editor that reads it as Latin-1 (Neovim), its error was "control
    character U+008C ... delete it". The root shows the part's error at its
    include line; the part shows what the command line says of it."""
    here = folder / "sjis"
    here.mkdir()
    (here / "prep.toml").write_text("", encoding="utf-8")
    (here / "main.prep").write_text('title "t"\ninclude "sjis.prep"\n', encoding="utf-8")
    (here / "sjis.prep").write_bytes("見積書, 要件 -> 契約書\n".encode("cp932"))
    main = open_file(client, here / "main.prep")
    diags = await diagnostics_until(client, main, lambda d: any("sjis.prep" in x.message for x in d))
    (d,) = [x for x in diags if "sjis.prep" in x.message]
    assert d.range.start.line == 1 and "not UTF-8" in d.message and "iconv -f CP932" in d.message, d.message
    garbled = (here / "sjis.prep").read_bytes().decode("latin-1")
    part = open_file(client, here / "sjis.prep", garbled)
    diags = await diagnostics_until(client, part, lambda d: any("Shift_JIS" in x.message for x in d))
    assert not any("control character" in x.message for x in diags), [x.message for x in diags]
    assert any("iconv -f CP932" in x.message for x in diags)


async def test_include_errors_name_files_from_the_workspace_folder(client, folder):
    """The server reads files by absolute path, and said "looked for
    /home/.../delivry.prep" and "include cycle: /home/.../a.prep -> ..."
    where the command line says "delivry.prep"."""
    here = folder / "relative"
    here.mkdir()
    (here / "prep.toml").write_text("", encoding="utf-8")
    (here / "main.prep").write_text('include "delivry.prep"\ninclude "a.prep"\n', encoding="utf-8")
    (here / "delivery.prep").write_text("x -> y\n", encoding="utf-8")
    (here / "a.prep").write_text('include "b.prep"\na -> b\n', encoding="utf-8")
    (here / "b.prep").write_text('include "a.prep"\nb -> c\n', encoding="utf-8")
    main = open_file(client, here / "main.prep")
    diags = await diagnostics_until(client, main, lambda d: any("delivry" in x.message for x in d))
    (missing,) = [x for x in diags if "delivry" in x.message]
    assert missing.message.startswith("no file 'delivry.prep' (looked for delivry.prep)"), missing.message
    b = open_file(client, here / "b.prep")
    diags = await diagnostics_until(client, b, lambda d: any("cycle" in x.message for x in d))
    (cycle,) = [x for x in diags if "cycle" in x.message]
    assert cycle.message.startswith("include cycle: a.prep -> b.prep -> a.prep"), cycle.message
    assert str(here) not in missing.message + cycle.message


async def test_include_completes_model_files_and_folders_inside_the_workspace(client, folder):
    here = workspace(folder, "complete", **{"teams/営業.prep": "a -> b\n", "teams/notes.txt": "",
                                            "teams/[draft].prep": "c -> d\n", ".hidden/x.prep": "x -> y\n"})
    text = 'include "'
    main = open_file(client, here / "main.prep", text)

    async def labels(line_text: str) -> dict[str, lsp.CompletionItem]:
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=main, version=labels.version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=line_text)]))
        labels.version += 1
        end = lsp.Position(0, len(line_text.encode("utf-16-le")) // 2)
        result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc(main), position=end))
        return {i.label: i for i in result.items}
    labels.version = 2

    top = await labels('include "')
    assert {"*.prep", "sales.prep", "delivery.prep", "teams/"} <= set(top)
    assert "main.prep" not in top and ".hidden/" not in top and "prep.toml" not in top
    inner = await labels('include "teams/')
    assert set(inner) == {"*.prep", "営業.prep", "[draft].prep"}
    # glob characters in a name are escaped, so the include names that one file;
    # the edit replaces only what follows the last '/'
    assert inner["[draft].prep"].text_edit.new_text == "[[]draft].prep"
    assert inner["営業.prep"].text_edit.range.start == lsp.Position(0, len('include "teams/'))
    # out of the workspace (its prep.toml is here): nothing to offer
    assert await labels('include "../') == {}


async def test_include_completion_leaves_out_the_files_that_would_make_a_cycle(client, folder):
    """`include "../` in a part offered the root main.prep (and "*.prep",
    which takes it): including it from the part makes an include cycle."""
    here = workspace(folder, "nocycle", **{"main.prep": MAIN + 'include "teams/*.prep"\n',
                                           "teams/営業.prep": "a -> b\n", "teams/mid.prep": 'include "営業.prep"\n',
                                           "other.prep": 'include "teams/mid.prep"\n'})

    async def labels(path: Path, text: str) -> set[str]:
        uri = open_file(client, path, text)
        result = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc(uri), position=lsp.Position(0, len(text))))
        return {i.label for i in result.items}

    # main.prep includes the part through teams/*.prep, other.prep through mid.prep: both left out,
    # and "*.prep", which would take them
    assert await labels(here / "teams" / "営業.prep", 'include "../') == {"sales.prep", "delivery.prep", "teams/"}
    # a new file in the same folder: nothing includes it, everything is offered
    assert await labels(here / "teams" / "new.prep", 'include "') == {"*.prep", "営業.prep", "mid.prep"}
    # from the root, as before: the files it may include
    assert {"*.prep", "sales.prep", "other.prep", "teams/"} <= await labels(here / "main.prep", 'include "')


# --------------------------------------------------------------------------
# every request answers while the files change under it

SNIPPETS = ['include "delivery.prep"\n', 'include "sales.prep"\n', 'include "nowhere.prep"\n', 'include "*.prep"\n',
            'include "../out.prep"\n', 'include "main.prep"\n', "受注 -> 𠮷請求書\n", "deliverable 𠮷価格表\n",
            "group 営業 {\n", "}\n", "a => b\n", '"', "[owner: ", "𠮷", "\n"]


async def test_random_edits_across_files_every_request_answers(client, folder):
    import random

    here = workspace(folder, "fuzz")
    rng = random.Random(20)
    texts = {name: (here / name).read_text(encoding="utf-8") for name in ("main.prep", "sales.prep", "delivery.prep")}
    uris = {name: open_file(client, here / name) for name in texts}
    versions = dict.fromkeys(texts, 1)
    for _ in range(int(os.environ.get("PREP_LSP_WS_EDITS", 150))):
        name = rng.choice(list(texts))
        text = texts[name]
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.6:
            text = text[:at] + rng.choice(SNIPPETS) + text[at:]
        elif roll < 0.9:
            text = text[:at] + text[at + rng.randrange(1, 12):]
        else:
            text = {"main.prep": MAIN, "sales.prep": SALES, "delivery.prep": DELIVERY}[name]  # back to the start
        texts[name] = text
        versions[name] += 1
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uris[name], version=versions[name]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        asked = rng.choice(list(texts))
        lines = texts[asked].split("\n")
        line = rng.randrange(len(lines))
        where = lsp.Position(line, rng.randrange(len(lines[line].encode("utf-16-le")) // 2 + 1))
        kind = rng.randrange(5)
        target = doc(uris[asked])
        try:
            if kind == 0:
                await client.text_document_definition_async(lsp.DefinitionParams(text_document=target, position=where))
            elif kind == 1:
                await client.text_document_references_async(lsp.ReferenceParams(
                    text_document=target, position=where, context=lsp.ReferenceContext(include_declaration=True)))
            elif kind == 2:
                await client.text_document_completion_async(lsp.CompletionParams(text_document=target, position=where))
            elif kind == 3:
                await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=target))
            else:
                await client.text_document_rename_async(lsp.RenameParams(text_document=target, position=where,
                                                                         new_name="新しい名前"))
        except Exception as e:  # noqa: BLE001 - only a refusal may come back as an error
            assert getattr(e, "code", None) == -32803, e
    failures = [m.message for m in client.log_messages if "failed" in m.message]
    assert failures == [], failures[0]
