"""`prep serve` in a real headless browser (issue 14): edit the model and
see the page update without losing zoom and selection; save a syntax error
and see it, located, over the last good picture; fix it again."""

from __future__ import annotations


import pytest

pytest.importorskip("watchfiles")

from browser import browser  # noqa: E402,F401 - the fixture
from test_serve import MODEL, start, stop, wait_for_url  # noqa: E402
from test_viewer_browser import by_id, classes, node, shot, wait_for  # noqa: E402


def version(driver) -> int:
    return int(driver.execute_script("return document.documentElement.getAttribute('data-prep-version') || '0'"))


def picture_names(driver) -> set[str]:
    return set(driver.execute_script(
        "return Array.from(document.querySelectorAll('#prep-picture g.node text')).map(t => t.textContent)"))


def test_live_edit_error_and_fix(browser, tmp_path):  # noqa: F811
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    proc = start(["m.prep", "--no-open", "--port", "0"], tmp_path)
    try:
        url, _ = wait_for_url(proc)
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
    finally:
        code, err = stop(proc)
    assert code == 0 and "Traceback" not in err
