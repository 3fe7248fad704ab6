"""The HTML flip-book in a real headless browser (Chromium through
Selenium; tests/browser.py): the slider, the buttons and the arrow keys
step through the stages and show what exists at each; the page makes no
request but for itself; hostile labels stay text."""

from __future__ import annotations

import http.server
import threading

import pytest

import prep
from prep.layouter.texts import wrap_line
from browser import browser  # noqa: F401 - the fixture
from conftest import EXAMPLES

ONBOARDING = EXAMPLES / "cs-onboarding.prep"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("flipbook") / "onboarding.html"
    path.write_bytes(prep.flipbook(prep.load(ONBOARDING), "html", lint=True))
    return path


def shown(driver) -> tuple[str, str, set[str]]:
    """(stage of the frame on screen, the label under the slider, texts of the boxes on screen)."""
    from selenium.webdriver.common.by import By

    frames = [f for f in driver.find_elements(By.CSS_SELECTOR, "section.frame") if f.is_displayed()]
    assert len(frames) == 1, "exactly one frame is shown"
    frame = frames[0]
    boxes = {t.text for t in frame.find_elements(By.CSS_SELECTOR, "g.node text") if t.text}
    return frame.get_attribute("data-stage"), driver.find_element(By.ID, "label").text, boxes


def test_slider_buttons_and_arrow_keys_step_through_the_stages(browser, page):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(page.as_uri())
    stage, label, boxes = shown(browser)
    assert stage == "contract" and label.startswith("1 / 3") and "契約 Contract" in label
    assert "Contract" in boxes and "Success plan" not in boxes and "Health score" not in boxes
    assert "EXIT 1" in boxes
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    stage, label, boxes = shown(browser)
    assert stage == "kickoff" and label.startswith("2 / 3") and "Success plan" in boxes and "Health score" not in boxes
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)  # past the last stage: stays there
    stage, label, boxes = shown(browser)
    assert stage == "adoption" and label.startswith("3 / 3") and "Health score" in boxes
    body.send_keys(Keys.ARROW_LEFT)
    assert shown(browser)[0] == "kickoff"
    # the slider itself: focused, the arrow keys move it one stage; Home to the first
    slider = browser.find_element(By.ID, "stage")
    slider.send_keys(Keys.ARROW_LEFT)
    assert shown(browser)[0] == "contract" and slider.get_attribute("value") == "1"
    slider.send_keys(Keys.END)
    assert shown(browser)[0] == "adoption"
    slider.send_keys(Keys.HOME)
    assert shown(browser)[0] == "contract"
    browser.find_element(By.ID, "next").click()
    assert shown(browser)[0] == "kickoff" and slider.get_attribute("value") == "2"
    browser.find_element(By.ID, "prev").click()
    assert shown(browser)[0] == "contract"


def test_every_box_stays_in_place_on_screen(browser, page):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(page.as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    where: dict[str, dict] = {}
    for k in range(3):
        frame = next(f for f in browser.find_elements(By.CSS_SELECTOR, "section.frame") if f.is_displayed())
        svg = frame.find_element(By.TAG_NAME, "svg")
        origin = svg.rect
        for g in frame.find_elements(By.CSS_SELECTOR, "g.node"):
            node_id = g.get_attribute("id").split("-", 1)[1]
            if node_id.startswith("d"):
                r = g.rect
                # the centre (a new deliverable's second outline makes its box larger, not moved)
                at = {"x": round(r["x"] + r["width"] / 2 - origin["x"], 1),
                      "y": round(r["y"] + r["height"] / 2 - origin["y"], 1)}
                assert where.setdefault(node_id, at) == at, node_id
        body.send_keys(Keys.ARROW_RIGHT)
    assert len(where) == len(prep.load(ONBOARDING).deliverables)


class _Recorder(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


def test_the_page_requests_nothing_but_itself(browser, page):  # noqa: F811
    from functools import partial

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Recorder, directory=str(page.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/{page.name}")
        body = browser.find_element(By.TAG_NAME, "body")
        for _ in range(3):
            body.send_keys(Keys.ARROW_RIGHT)
        assert shown(browser)[0] == "adoption", "the script ran under the page's own policy"
        fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    finally:
        server.shutdown()
        server.server_close()
    assert fetched == []
    assert _Recorder.requests == [f"/{page.name}"]


HOSTILE = """\
title "<script>window.pwned = 1</script>"
stage one "<img src=x onerror=\\"window.pwned=2\\">" [exit: A]
stage two "</section><script>window.pwned=3</script>" [exit: B]
deliverable A "<b>bold?</b> & <svg onload=alert(1)>" [external, owner: "\\" onmouseover=\\"window.pwned=4"]
deliverable B "]]><!-- --></svg><script>window.pwned=5</script>"
A -> B [note: "<iframe src=javascript:alert(1)>"]
"""


def test_hostile_labels_stay_text(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = tmp_path / "hostile.html"
    path.write_bytes(prep.flipbook(prep.loads(HOSTILE, "hostile.prep"), "html"))
    browser.get(path.as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    stage, label, boxes = shown(browser)
    assert stage == "two" and "</section><script>window.pwned=3</script>" in label
    # each line of the label as written (a long line is drawn wrapped at its spaces: box_label)
    assert all(line in boxes for line in wrap_line("]]><!-- --></svg><script>window.pwned=5</script>"))
    assert "<b>bold?</b> & <svg onload=alert(1)>" in boxes
    state = browser.execute_script(
        "return [typeof window.pwned, document.scripts.length, document.querySelectorAll('img, iframe, b').length,"
        " document.querySelectorAll('section.frame').length, document.querySelectorAll('svg svg').length]")
    assert state == ["undefined", 1, 0, 2, 0]
    assert browser.title.startswith("<script>window.pwned = 1</script>")


# a process long enough that, fitted to a 1400 px window, its labels would be
# a few pixels high (issue 19: 4 px)
LONG = "\n".join(
    ['title "長い工程 Long process"'] +
    [f'stage s{k} "Stage {k + 1}" [exit: 成果物{10 * k + 9:02d}]' for k in range(4)] +
    [f"deliverable 成果物{n:02d} [stage: s{n // 10}]" for n in range(40)] +
    [f"成果物{n:02d} -> 成果物{n + 1:02d}" for n in range(39)]) + "\n"

LABEL_PX = """
var f = document.querySelector('section.frame:not([hidden])');
var t = f.querySelector('g.node text');
return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;
"""
VIEW = "return prepFlipbook.view();"
TITLES = """
var title = arguments[0], seen = [];
document.querySelectorAll('h1, h2, text').forEach(function (e) {
  if (e.textContent.indexOf(title) >= 0 && e.getClientRects().length && getComputedStyle(e).display !== 'none'
      && getComputedStyle(e).visibility !== 'hidden') seen.push(e.tagName);
});
return seen;
"""


@pytest.fixture(scope="module")
def wide():
    """A real 1400 x 900 window, as the issue measured it."""
    from browser import BrowserMissing, chromium, missing, required

    why = missing()
    if why:
        if required():
            pytest.fail(why)
        pytest.skip(why)
    try:
        driver = chromium(width=1400, height=900)
    except BrowserMissing as e:  # pragma: no cover - the machine's problem
        pytest.skip(str(e))
    yield driver
    driver.quit()


@pytest.mark.parametrize("source", ["onboarding", "long"])
def test_starts_readable_with_the_title_once(wide, page, tmp_path, source):
    if source == "long":
        path = tmp_path / "long.html"
        path.write_bytes(prep.flipbook(prep.loads(LONG, "long.prep"), "html"))
        title = "長い工程 Long process"
    else:
        path, title = page, "CS オンボーディング"
    wide.get(path.as_uri())
    assert wide.execute_script(LABEL_PX) >= 11
    assert wide.execute_script(TITLES, title) == ["H1"]
    if source == "onboarding":
        # fitted to the window its labels read at 11 px or more: the whole picture is shown
        view = wide.execute_script(VIEW)
        assert view["w"] >= 1439
    else:
        # zoomed in at the start of the process: its first deliverable on screen
        box = wide.execute_script(
            "var g = document.querySelector('section.frame:not([hidden]) g.node');"
            "var r = g.getBoundingClientRect(); return [r.left, r.right, innerWidth];")
        assert 0 <= box[0] < box[1] <= box[2]


def test_zoom_and_pan_like_the_viewer_and_keep_the_view_between_stages(wide, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = tmp_path / "long.html"
    path.write_bytes(prep.flipbook(prep.loads(LONG, "long.prep"), "html"))
    wide.get(path.as_uri())
    body = wide.find_element(By.TAG_NAME, "body")
    start = wide.execute_script(LABEL_PX)
    body.send_keys("+")
    assert wide.execute_script(LABEL_PX) == pytest.approx(start * 1.25, rel=0.01)
    body.send_keys("-")
    body.send_keys("-")
    assert wide.execute_script(LABEL_PX) == pytest.approx(start * 0.8, rel=0.01)
    # the wheel zooms at the pointer, as in the viewer
    canvas = wide.find_element(By.ID, "canvas")
    before = wide.execute_script(LABEL_PX)
    ActionChains(wide).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, -200).perform()
    assert wide.execute_script(LABEL_PX) > before * 1.2
    # drag pans
    x = wide.execute_script(VIEW)["x"]
    ActionChains(wide).move_to_element(canvas).click_and_hold().move_by_offset(-200, 0).release().perform()
    assert wide.execute_script(VIEW)["x"] > x
    # Shift+arrow pans; the arrows alone turn the page
    x = wide.execute_script(VIEW)["x"]
    body.send_keys(Keys.SHIFT, Keys.ARROW_RIGHT)
    assert wide.execute_script(VIEW)["x"] > x
    view, size = wide.execute_script(VIEW), wide.execute_script(LABEL_PX)
    body.send_keys(Keys.ARROW_RIGHT)
    assert wide.execute_script("return document.body.getAttribute('data-current')") == "2"
    assert wide.execute_script(VIEW) == view and wide.execute_script(LABEL_PX) == pytest.approx(size)
    body.send_keys(Keys.PAGE_DOWN)
    assert wide.execute_script("return document.body.getAttribute('data-current')") == "3"
    assert wide.execute_script(VIEW) == view
    # 0 (or Fit) shows the whole picture; 1 (or Start) the readable start
    body.send_keys("0")
    assert wide.execute_script(LABEL_PX) < 11
    wide.find_element(By.ID, "start").click()
    assert wide.execute_script(LABEL_PX) == pytest.approx(11, rel=0.02)
    wide.find_element(By.ID, "fit").click()
    assert wide.execute_script(LABEL_PX) < 11
