"""`prep serve` in a real headless browser (issue 14): edit the model and
see the page update without losing zoom and selection; save a syntax error
and see it, located, over the last good picture; fix it again."""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest

pytest.importorskip("watchfiles")

from browser import browser  # noqa: E402,F401 - the fixture
from test_serve import MODEL, start, stop, wait_for_url  # noqa: E402
from test_viewer_browser import by_id, classes, node, shot, wait_for  # noqa: E402


@contextmanager
def served(folder):
    """`prep serve m.prep` of MODEL in `folder`, as each test here starts it:
    (the source file, the page's address); stopped afterwards, and it must
    stop cleanly, with no traceback."""
    src = folder / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], folder)
    try:
        url, _ = wait_for_url(proc)
        yield src, url
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err


def version(driver) -> int:
    return int(driver.execute_script("return document.documentElement.getAttribute('data-prep-version') || '0'"))


def picture_names(driver) -> set[str]:
    return set(driver.execute_script(
        "return Array.from(document.querySelectorAll('#prep-picture g.node text')).map(t => t.textContent)"))


def test_live_edit_error_and_fix(browser, tmp_path):  # noqa: F811
    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '1'")
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        data = browser.execute_script("return JSON.parse(document.getElementById('prep-data').textContent)")
        # zoom in, select b
        canvas = by_id(browser, "prep-canvas")
        canvas.send_keys("+")
        canvas.send_keys("+")
        node(browser, data, "b").click()
        view = browser.execute_script("return prepViewer.view()")
        assert browser.execute_script("return prepViewer.selected()") == "b"

        # 1. an edit: the page updates, zoom and selection stay
        src.write_text(MODEL + "c -> 新しい成果物\n", encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '2'")
        assert "新しい成果物" in picture_names(browser)
        assert browser.execute_script("return prepViewer.selected()") == "b"
        assert "prep-sel" in browser.execute_script(
            "return document.querySelector('#prep-picture g.prep-sel text').parentNode.getAttribute('class')")
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(view)
        assert by_id(browser, "prep-details-label").text == "b"
        assert by_id(browser, "prep-chains").text.startswith("2 upstream (orange), 2 downstream")  # c, and now its new consumer
        assert not by_id(browser, "prep-error").is_displayed()
        # the page carries one face of the font for every glyph drawn so far
        # (the live pictures come without their own): the new label's too
        wait_for(browser, "return Array.from(document.fonts).some("
                          "f => f.family.replace(/['\"]/g, '') === 'Noto Sans CJK JP' && f.status === 'loaded')")
        assert browser.execute_script("return document.querySelectorAll('#prep-picture style').length") == 0
        assert browser.execute_script("return document.fonts.check('12px \"Noto Sans CJK JP\"', '新しい成果物')")

        # 2. a syntax error: the last good picture stays, the error is shown over it
        src.write_text(MODEL + "c -> 新しい成果物\nc -> \n", encoding="utf-8")
        wait_for(browser, "return !document.getElementById('prep-error').hidden")
        error = by_id(browser, "prep-error").text
        assert "m.prep:6:" in error and "^" in error, error
        assert version(browser) == 2
        assert "新しい成果物" in picture_names(browser)
        assert browser.execute_script("return prepViewer.selected()") == "b"
        shot(browser, "serve-error")

        # 3. fixed: the error goes, the picture updates
        src.write_text(MODEL + "c -> 新しい成果物\nc -> 最後\n", encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '3'")
        assert not by_id(browser, "prep-error").is_displayed()
        assert "最後" in picture_names(browser)
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(view)
        assert "prep-sel" in classes(browser, browser.execute_script("return prepViewer.data()"), "b")


TEXT_WIDTH = """
const done = arguments[arguments.length - 1], label = arguments[0];
document.fonts.ready.then(() => {
  const t = Array.from(document.querySelectorAll('#prep-picture g.node text')).find(t => t.textContent === label);
  done(t ? t.getComputedTextLength() : null);
});
"""


def test_new_kanji_after_a_save_are_drawn_in_prep_s_font(tmp_path):
    """A save that brings kanji never drawn before: the page draws them with
    prep's font (the base face it loaded once from its server, not a new
    face), at the width the layout measured. A browser that sees only Latin
    fonts, so a fallback would draw other widths (shown at the end: without
    the page's faces the same label is drawn at another width)."""
    from browser import BrowserMissing, chromium, network_requests

    from prep.renderer.webfont import base_font

    base_font()  # the cache a returning user has (the server would cut it in the background)
    try:
        driver = chromium(latin_only=True)
    except BrowserMissing as e:
        pytest.skip(str(e))
    try:
        with served(tmp_path) as (src, url):
            network_requests(driver)
            driver.get(url)
            wait_for(driver, "return document.getElementById('prep-status').textContent === 'live'")
            rules = driver.execute_script("return prepViewer.data().font")
            assert rules[0].startswith("@font-face") and "url(/font/base-" in rules[0] and rules[1] == ""
            faces = "return Array.from(document.head.querySelectorAll('style')).map(s => s.textContent)"
            before = driver.execute_script(faces)

            label = "鬱蔑璽鎧"  # JIS levels 1 and 2: in the base face, never drawn by this page
            src.write_text(MODEL + f"c -> {label}\n", encoding="utf-8")
            wait_for(driver, "return document.documentElement.getAttribute('data-prep-version') === '2'")
            assert label in picture_names(driver)
            assert driver.execute_script(faces) == before  # no new face
            layout = driver.execute_script("return prepViewer.data().layout.nodes")
            measured = layout[label]["width"] - 2 * 0.14 * 72  # the box less Graphviz's margins
            drawn = driver.execute_async_script(TEXT_WIDTH, label)
            assert drawn == pytest.approx(measured, rel=0.03), (drawn, measured)
            fonts = [u for u in network_requests(driver) if "/font/" in u]
            assert len(fonts) == 1 and fonts[0].startswith(url + "font/base-"), fonts

            # the contrast: without the page's faces the browser falls back
            driver.execute_script("document.head.querySelectorAll('style').forEach(s => { "
                                  "if (s.textContent.includes('@font-face')) s.textContent = ''; })")
            fallback = driver.execute_async_script(TEXT_WIDTH, label)
            assert abs(fallback - measured) / measured > 0.10, (fallback, measured)
    finally:
        driver.quit()


PIECES = """
const g = document.querySelector('#prep-picture g.graph'), s = new XMLSerializer();
const fresh = new DOMParser().parseFromString(prepViewer.data().svg.text, 'image/svg+xml').querySelector('g.graph');
return [Array.from(g.children).map(e => s.serializeToString(e)), Array.from(fresh.children).map(e => s.serializeToString(e)),
        Array.from(g.children).map(e => (window.prepOld || []).includes(e))];
"""


def test_a_save_swaps_only_the_pieces_it_changed(browser, tmp_path):  # noqa: F811
    """The live picture comes one piece a line (prep.embed.viewer.live_svg):
    a save whose picture keeps its size and place has only the changed
    pieces parsed and swapped (the browser draws again only those), and the
    picture on the page is then exactly the one sent; a save that changes
    the size replaces the whole picture."""
    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        keep = "window.prepOld = Array.from(document.querySelector('#prep-picture g.graph').children)"
        browser.execute_script(keep)
        old_svg = browser.execute_script("return document.getElementById('prep-picture')")

        src.write_text(MODEL + "a ~> c\n", encoding="utf-8")  # a new route; the boxes stay
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '2'")
        shown, sent, kept = browser.execute_script(PIECES)
        assert shown == sent  # the page shows exactly the picture sent
        assert browser.execute_script("return document.getElementById('prep-picture')") == old_svg
        assert 0 < sum(kept) < len(kept)  # some pieces stayed, the changed ones are new
        data = browser.execute_script("return prepViewer.data()")
        for name in ("a", "c"):  # boxes that did not move: the same elements, still found by name
            assert browser.execute_script(
                "return window.prepOld.includes(arguments[0])", node(browser, data, name))
        node(browser, data, "b").click()  # and the marks still work on them
        assert "prep-sel" in classes(browser, data, "b")
        browser.execute_script("prepViewer.select(null)")
        assert not browser.execute_script("return document.querySelectorAll('#prep-picture [class*=prep-sel]').length")
        browser.execute_script(keep)

        src.write_text(MODEL + "a ~> c\nc -> d\nd -> e\n", encoding="utf-8")  # a bigger picture
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '3'")
        shown, sent, kept = browser.execute_script(PIECES)
        assert shown == sent and not any(kept)


def test_a_save_keeps_the_findings_it_did_not_change(browser, tmp_path):  # noqa: F811
    """The findings list keeps the items of findings a save did not change
    (the browser lays out only new ones); every item, kept or new, still
    shows its finding and selects its deliverable by its new place."""
    from selenium.webdriver.common.by import By

    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        before = browser.execute_script("return prepViewer.data().findings")
        browser.execute_script("window.prepOldItems = Array.from(document.querySelectorAll('#prep-findings li'))")
        src.write_text(MODEL + "aa -> c\n", encoding="utf-8")  # findings for aa, listed among the others
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '2'")
        data = browser.execute_script("return prepViewer.data()")
        assert data["findings"] != before and len(data["findings"]) > 1
        items = by_id(browser, "prep-findings").find_elements(By.CSS_SELECTOR, "li[data-index]")
        assert [int(li.get_attribute("data-index")) for li in items] == list(range(len(data["findings"])))
        kept = [browser.execute_script("return window.prepOldItems.includes(arguments[0])", li) for li in items]
        assert any(kept) and not all(kept)
        for li, f in zip(items, data["findings"]):
            assert f["message"] in li.text
        moved = [i for i, (li, f) in enumerate(zip(items, data["findings"])) if f["subject"] and kept[i]
                 and f not in before[i:i + 1]]  # kept, at another place than before
        for i in moved or [i for i, f in enumerate(data["findings"]) if f["subject"]]:
            items[i].click()
            assert browser.execute_script("return prepViewer.selected()") == data["findings"][i]["subject"]
            assert "prep-current" in items[i].get_attribute("class")


def test_a_tab_open_across_a_restart_follows_the_new_server(browser, tmp_path):  # noqa: F811
    """Stop prep serve, save while it is stopped, start it again on the same
    port (a change of options, say): the open tab reconnects and shows the
    model as it is now, then follows the next save. It showed the old
    picture under "live" and ignored saves: it asked for renders newer than
    the serial it was served with, and the new run counts from 1 again."""
    from test_serve import start, stop

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", port], tmp_path)
    try:
        url, _ = wait_for_url(proc)
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        for i in range(3):  # three saves, then the page is loaded again: served at the fourth render
            src.write_text(MODEL + f"c -> 版{i}\n", encoding="utf-8")
            wait_for(browser, f"return document.documentElement.getAttribute('data-prep-version') === '{i + 2}'")
        browser.refresh()
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        assert "版2" in picture_names(browser) and version(browser) == 1
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err
    wait_for(browser, "return document.getElementById('prep-status').textContent.startsWith('disconnected')")
    src.write_text(MODEL + "c -> 停止中\n", encoding="utf-8")  # saved while no server runs
    proc = start(["m.prep", "--no-open", "--port", port], tmp_path)
    try:
        wait_for_url(proc)
        wait_for(browser, "return Array.from(document.querySelectorAll('#prep-picture g.node text'))"
                          ".some(t => t.textContent === '停止中')")
        src.write_text(MODEL + "c -> 再開後\n", encoding="utf-8")
        wait_for(browser, "return Array.from(document.querySelectorAll('#prep-picture g.node text'))"
                          ".some(t => t.textContent === '再開後')")
        assert browser.execute_script("return document.getElementById('prep-status').textContent") == "live"
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err


CARET_AND_MARK = """
const box = document.getElementById('prep-error'), token = arguments[0];
const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
const nodes = []; let text = '';
while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.textContent; }
function rect(start, end) {  // the box of text[start, end) on the page
  const r = document.createRange();
  for (const [n, at] of nodes) {
    const len = n.textContent.length;
    if (start >= at && start < at + len) r.setStart(n, start - at);
    if (end > at && end <= at + len) r.setEnd(n, end - at);
  }
  return r.getBoundingClientRect();
}
const caret = text.indexOf('^'), carets = text.slice(caret).match(/^\\^+/)[0].length;
const mark = text.lastIndexOf(token, caret);
const line = text.lastIndexOf('\\n', mark) + 1;
return {token: rect(mark, mark + token.length).left, caret: rect(caret, caret + 1).left,
        line: rect(line, line + 1).left, carets: carets};
"""


@pytest.mark.parametrize("bad, token", [("提案書, 価格表 => 受注", "=>"), ("提案書, 価格表 -> 受注 -> = 請求", "="),
                                        ("𠮷野家の見積, 価格表 -> 受注 ]", "]")])
def test_the_caret_of_an_error_points_at_its_place_under_japanese_text(browser, tmp_path, bad, token):  # noqa: F811
    """The error over the picture quotes the line and puts a caret under the
    place, as the terminal does; the terminal draws a kanji two columns
    wide, the page's font does not (a kanji is about 1.7 Latin letters of
    ui-monospace, or of any font), so the caret stood to the right of its
    place by a letter or more per kanji before it. It now stands under it,
    and the place itself is marked in the quoted line."""
    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        src.write_text(MODEL + bad + "\n", encoding="utf-8")
        wait_for(browser, "return !document.getElementById('prep-error').hidden")
        text = by_id(browser, "prep-error").text
        assert "m.prep:5:" in text and bad in text and "^" in text, text
        at = browser.execute_script(CARET_AND_MARK, token)
        assert at["token"] > at["line"] + 50  # the place is well inside the line
        assert abs(at["caret"] - at["token"]) < 1.5, at
        marked = browser.execute_script(
            "return Array.from(document.querySelectorAll('#prep-error .prep-mark')).map(e => e.textContent)")
        assert marked == [token]


IN_VIEW = """
const c = document.getElementById('prep-canvas').getBoundingClientRect();
return Array.from(document.querySelectorAll('#prep-picture g.node')).filter(g => {
  const r = g.getBoundingClientRect();
  return !(r.left >= c.left - 1 && r.right <= c.right + 1 && r.top >= c.top - 1 && r.bottom <= c.bottom + 1);
}).map(g => g.querySelector('text').textContent);
"""


def test_a_picture_nobody_zoomed_is_fitted_again_so_new_boxes_show(browser, tmp_path):  # noqa: F811
    """Open the preview and only edit: each new picture is fitted, so the
    boxes a save adds are on screen. The first picture's fit was kept as if
    the reader had chosen it, and a chain of new deliverables ran off the
    right edge: the page looked as if the save had not arrived. A view the
    reader zoomed or panned stays (test_live_edit_error_and_fix)."""
    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        assert browser.execute_script(IN_VIEW) == []
        src.write_text(MODEL + "".join(f"{x}, kh -> {y}\n" for x, y in zip("cdefgh", "defghi")), encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '2'")
        assert "i" in picture_names(browser)
        assert browser.execute_script(IN_VIEW) == []
        # zoomed in by the reader: that view stays through the next save
        by_id(browser, "prep-canvas").send_keys("+")
        view = browser.execute_script("return prepViewer.view()")
        src.write_text(MODEL + "".join(f"{x}, kh -> {y}\n" for x, y in zip("cdefghi", "defghij")), encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '3'")
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(view)
        # Fit, then a save: fitted again
        by_id(browser, "prep-fit").click()
        src.write_text(MODEL + "".join(f"{x}, kh -> {y}\n" for x, y in zip("cdefghij", "defghijk")), encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '4'")
        assert browser.execute_script(IN_VIEW) == []


def test_a_model_broken_at_start_shows_its_error_and_no_picture_then_the_first_good_one(browser, tmp_path):  # noqa: F811
    """prep serve started on a model that does not read: the page shows the
    error (file, line, caret) and says that there is no picture yet (it
    said "the last good picture is shown" over an empty canvas); the first
    good save brings the picture and clears both."""
    from test_serve import start, stop

    src = tmp_path / "m.prep"
    src.write_text(MODEL + "提案書 => 受注\n", encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    try:
        url, _ = wait_for_url(proc)
        browser.get(url)
        wait_for(browser, "return !document.getElementById('prep-error').hidden")
        assert "m.prep:5:" in by_id(browser, "prep-error").text
        status = browser.execute_script("return document.getElementById('prep-status').textContent")
        assert status == "error: no picture until the model can be read", status
        assert browser.execute_script("return document.getElementById('prep-picture')") is None
        src.write_text(MODEL + "提案書 -> 受注\n", encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '1'")
        assert "受注" in picture_names(browser) and not by_id(browser, "prep-error").is_displayed()
        assert browser.execute_script("return document.getElementById('prep-status').textContent") == "live"
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err


def test_a_reload_of_the_tab_keeps_the_view_and_the_selection(browser, tmp_path):  # noqa: F811
    """F5 (or the browser restoring the tab) on the live page: the zoom and
    pan, the selection, the search and the overlay stay, as they do through
    a save; they were lost (the picture fitted again, nothing selected). A
    view nobody moved is fitted again, to the window as it is now."""
    with served(tmp_path) as (src, url):
        browser.get(url)
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        fitted = browser.execute_script("return prepViewer.view()")
        browser.refresh()
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(fitted)
        canvas = by_id(browser, "prep-canvas")
        canvas.send_keys("+")
        canvas.send_keys("+")
        data = browser.execute_script("return prepViewer.data()")
        node(browser, data, "b").click()
        by_id(browser, "prep-overlay").click()
        by_id(browser, "prep-search").send_keys("k")
        view = browser.execute_script("return prepViewer.view()")
        assert view != pytest.approx(fitted)
        browser.refresh()
        wait_for(browser, "return document.getElementById('prep-status').textContent === 'live'")
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(view)
        assert browser.execute_script("return prepViewer.selected()") == "b"
        assert by_id(browser, "prep-details-label").text == "b"
        assert by_id(browser, "prep-overlay").is_selected()
        assert by_id(browser, "prep-search").get_attribute("value") == "k"
        # and the next save keeps them too
        src.write_text(MODEL + "c -> d\n", encoding="utf-8")
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '2'")
        assert browser.execute_script("return prepViewer.view()") == pytest.approx(view)
        assert browser.execute_script("return prepViewer.selected()") == "b"


def test_the_live_preview_of_a_large_model_opens_readable(browser, tmp_path):  # noqa: F811
    """prep serve's page opened a 58-deliverable model fitted to the window
    (text about 3 px); it opens at the readable start, as the standalone
    viewer and the flip-book do, and Fit shows the whole."""
    from test_viewer_browser import BIG, LABEL_PX

    (tmp_path / "m.prep").write_text(BIG, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    try:
        url, _ = wait_for_url(proc)
        browser.get(url)
        wait_for(browser, "return document.documentElement.getAttribute('data-prep-version') === '1'")
        assert browser.execute_script(LABEL_PX) == pytest.approx(11, rel=0.02)
        by_id(browser, "prep-fit").click()
        assert browser.execute_script(LABEL_PX) < 6
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err
