"""The viewer in a real headless browser (Chromium through Selenium, issue
14): click, read the panel, search, the overlay, the findings list, pan and
zoom by mouse, keyboard and touch, the stage slider, and that neither the
page nor a hostile model reaches the network or runs script.

With PREP_SCREENSHOTS=1 the tests also write the pictures of docs/viewer.md
into docs/images/."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from pathlib import Path

import pytest

from browser import browser  # noqa: F401 - the fixture
from conftest import EXAMPLES, ROOT, run_prep
from test_injection import quote

SCREENSHOTS = os.environ.get("PREP_SCREENSHOTS") == "1"


def shot(driver, name: str) -> None:
    if SCREENSHOTS:
        driver.save_screenshot(str(ROOT / "docs" / "images" / f"viewer-{name}.png"))


def render_page(tmp_path: Path, source: Path, *args: str) -> Path:
    out = tmp_path / (source.stem + ".html")
    r = run_prep("render", str(source), "-o", str(out), *args)
    assert r.returncode == 0, r.stderr.decode()
    return out


def open_page(driver, page: Path) -> dict:
    driver.get(page.as_uri())
    wait_for(driver, "return document.documentElement.getAttribute('data-prep-version') === '1'")
    return driver.execute_script("return JSON.parse(document.getElementById('prep-data').textContent)")


def wait_for(driver, script: str, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.05)


def node(driver, data: dict, name: str):
    from selenium.webdriver.common.by import By

    svg_id = next(i for i, n in data["svg"]["nodes"].items() if n == name)
    return driver.find_element(By.CSS_SELECTOR, f"#prep-picture g#{svg_id}")


def classes(driver, data: dict, name: str) -> set[str]:
    return set(node(driver, data, name).get_attribute("class").split())


def by_id(driver, element_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def severe_console_messages(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.fixture
def naive(tmp_path):
    return render_page(tmp_path, EXAMPLES / "feature-addition-naive.prep")


def test_click_a_deliverable_and_read_the_panel(browser, naive):  # noqa: F811
    from selenium.webdriver.common.by import By

    data = open_page(browser, naive)
    d = max(data["deliverables"], key=lambda d: (len(d["inputs"]) > 0, len(d["findings"]), len(d["consumers"])))
    assert d["inputs"] and d["findings"]
    node(browser, data, d["name"]).click()
    assert browser.execute_script("return prepViewer.selected()") == d["name"]
    details = by_id(browser, "prep-details")
    assert by_id(browser, "prep-details-label").text == d["label"].replace("\n", " ")
    fields = {e.get_attribute("data-field"): e.text for e in details.find_elements(By.CSS_SELECTOR, "dd")}
    assert fields["name"] == d["name"]
    assert fields["kind"].startswith(d["kind"])
    assert fields["owners"] == (", ".join(d["owners"]) or "none named")
    inputs = [b.text for b in details.find_elements(By.CSS_SELECTOR, "ul.prep-inputs button")]
    labels = {x["name"]: x["label"].replace("\n", " ") for x in data["deliverables"]}
    assert inputs == [labels[r["name"]] for r in d["inputs"]]
    own = details.find_elements(By.CSS_SELECTOR, "ul.prep-own-findings li")
    assert len(own) == len(d["findings"])
    # the rule is explained in the page (no link: PREP_RULES_URL is not set); opening it selects nothing new
    code = data["findings"][d["findings"][0]]["code"]
    assert not own[0].find_elements(By.CSS_SELECTOR, "a.prep-rule")
    why = own[0].find_element(By.CSS_SELECTOR, "details.prep-rule-why")
    assert not why.find_elements(By.TAG_NAME, "p")  # filled when first opened
    why.find_element(By.TAG_NAME, "summary").click()
    assert why.get_attribute("open") is not None
    wait_for(browser, "return document.querySelector('ul.prep-own-findings details.prep-rule-why p') !== null")
    assert data["rules"][code]["why"] in why.text
    assert browser.execute_script("return prepViewer.selected()") == d["name"]
    assert f"why rule {code} matters" in why.text
    assert data["findings"][d["findings"][0]]["message"] in own[0].text
    # the chains: its inputs upstream, its consumers downstream, the rest dimmed
    assert "prep-sel" in classes(browser, data, d["name"])
    for r in d["inputs"]:
        if r["kind"] != "mutual":
            assert "prep-up" in classes(browser, data, r["name"])
    for r in d["consumers"]:
        assert "prep-down" in classes(browser, data, r["name"])
    related = {d["name"]} | {r["name"] for r in d["inputs"] + d["consumers"]}
    assert any("prep-dim" in classes(browser, data, x["name"]) for x in data["deliverables"]
               if x["name"] not in related)
    shot(browser, "details")
    # an input is a link to that deliverable
    first = d["inputs"][0]["name"]
    details.find_element(By.CSS_SELECTOR, "ul.prep-inputs button").click()
    assert browser.execute_script("return prepViewer.selected()") == first
    assert "prep-sel" in classes(browser, data, first)
    # a click on empty picture clears the selection
    by_id(browser, "prep-details")  # still there
    browser.find_element(By.ID, "prep-canvas").send_keys("\ue00c")  # Escape
    assert browser.execute_script("return prepViewer.selected()") is None
    assert not any("prep-dim" in classes(browser, data, x["name"]) for x in data["deliverables"])
    assert severe_console_messages(browser) == []


def test_search_by_name_or_label(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    data = open_page(browser, render_page(tmp_path, EXAMPLES / "cs-onboarding.prep"))
    target = next(d for d in data["deliverables"] if d["label"] != d["name"])
    english = target["label"].split("\n")[-1]  # the label's second line
    box = by_id(browser, "prep-search")
    box.send_keys(english.upper())  # case does not matter
    results = by_id(browser, "prep-results").find_elements(By.CSS_SELECTOR, "button")
    assert target["label"].replace("\n", " ") in [b.text for b in results]
    assert "prep-match" in classes(browser, data, target["name"])
    others = [d for d in data["deliverables"] if english.lower() not in (d["name"] + d["label"]).lower()]
    assert all("prep-match" not in classes(browser, data, d["name"]) for d in others)
    shot(browser, "search")
    before = browser.execute_script("return prepViewer.view()")
    box.send_keys(Keys.ENTER)
    wait_for(browser, f"return prepViewer.selected() === {json.dumps(target['name'])}")
    assert browser.execute_script("return prepViewer.view()") != before  # centred on it
    # by name too
    box.clear()
    box.send_keys(target["name"])
    results = by_id(browser, "prep-results").find_elements(By.CSS_SELECTOR, "button")
    assert results and results[0].text == target["label"].replace("\n", " ")


def test_the_health_overlay_toggles(browser, naive):  # noqa: F811
    data = open_page(browser, naive)
    fill = "return Array.from(document.querySelectorAll('#prep-picture g.node')).map(g => " \
           "[g.id, g.querySelector(':scope > polygon, :scope > path').getAttribute('fill')])"
    plain = dict(browser.execute_script(fill))
    names = data["svg"]["nodes"]
    assert all(colour in ("#ffffff", "#f5f5f5", "#eef1f5") for colour in plain.values())
    by_id(browser, "prep-overlay").click()
    coloured = dict(browser.execute_script(fill))
    health = {d["name"]: d["fill"] for d in data["deliverables"]}
    assert coloured == {i: health[names[i]] for i in coloured}
    assert len(set(coloured.values())) > 1
    shot(browser, "overlay")
    by_id(browser, "prep-overlay").click()
    assert dict(browser.execute_script(fill)) == plain


def test_the_overlay_matches_render_lint(browser, tmp_path):  # noqa: F811
    """With --lint the page starts coloured as `prep render --lint` colours the SVG."""
    import re

    src = EXAMPLES / "feature-addition-naive.prep"
    data = open_page(browser, render_page(tmp_path, src, "--lint"))
    r = run_prep("render", str(src), "--lint", "-o", "-")
    svg = r.stdout.decode()
    drawn = {}
    for dot_id, block in re.findall(r"<!-- (n\d+) -->\s*<g id=\"node\d+\"[^>]*>(.*?)</g>", svg, re.S):
        drawn[int(dot_id[1:])] = re.search(r'<polygon fill="([^"]+)"', block).group(1)
    assert by_id(browser, "prep-overlay").is_selected()
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#prep-picture g.node')).map(g => "
        "[g.id, g.querySelector(':scope > polygon').getAttribute('fill')])")
    names = list(d["name"] for d in data["deliverables"])
    assert {data["svg"]["nodes"][i]: f for i, f in shown} == {names[k]: f for k, f in drawn.items()}


def test_the_findings_list_selects_its_deliverable(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    data = open_page(browser, render_page(tmp_path, EXAMPLES / "health-management-as-is.prep"))
    items = by_id(browser, "prep-findings").find_elements(By.CSS_SELECTOR, "li[data-index]")
    assert len(items) == len(data["findings"]) > 1
    with_subject = [i for i, f in enumerate(data["findings"]) if f["subject"]]
    assert len({data["findings"][i]["subject"] for i in with_subject}) > 1
    k = with_subject[-1]
    items[k].click()
    subject = data["findings"][k]["subject"]
    assert browser.execute_script("return prepViewer.selected()") == subject
    assert "prep-current" in items[k].get_attribute("class")
    assert "prep-sel" in classes(browser, data, subject)
    label = next(d["label"] for d in data["deliverables"] if d["name"] == subject)
    assert by_id(browser, "prep-details-label").text == label.replace("\n", " ")
    shot(browser, "findings")


def test_pan_and_zoom_by_mouse_keyboard_and_touch(browser, naive):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(browser, naive)
    canvas = by_id(browser, "prep-canvas")
    view = lambda: browser.execute_script("return prepViewer.view()")  # noqa: E731
    fitted = view()
    # wheel zooms in around the pointer
    ActionChains(browser).scroll_from_origin(
        __import__("selenium.webdriver.common.actions.wheel_input", fromlist=["ScrollOrigin"])
        .ScrollOrigin.from_element(canvas), 0, -300).perform()
    zoomed = wait_for(browser, f"var v = prepViewer.view(); return v.w < {fitted['w']} * 0.9 && v")
    # drag pans (the picture follows the mouse: the view moves the other way)
    ActionChains(browser).move_to_element(canvas).click_and_hold().move_by_offset(120, 40) \
        .move_by_offset(30, 10).release().perform()
    dragged = view()
    assert dragged["x"] < zoomed["x"] and dragged["y"] < zoomed["y"]
    assert abs(dragged["w"] - zoomed["w"]) < 1e-6
    # keyboard: + zooms, arrows pan, 0 fits again
    canvas.send_keys("+")
    assert view()["w"] < dragged["w"]
    before = view()
    canvas.send_keys("\ue014")  # ArrowRight
    assert view()["x"] > before["x"]
    canvas.send_keys("0")
    assert view() == pytest.approx(fitted)
    # touch: two fingers moving apart zoom in
    def touch(kind, points):
        browser.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    rect = browser.execute_script("var r = document.getElementById('prep-canvas').getBoundingClientRect();"
                                  "return [r.left + r.width / 2, r.top + r.height / 2]")
    cx, cy = rect
    touch("touchStart", [{"x": cx - 40, "y": cy, "id": 1}, {"x": cx + 40, "y": cy, "id": 2}])
    for step in range(1, 6):
        touch("touchMove", [{"x": cx - 40 - 20 * step, "y": cy, "id": 1}, {"x": cx + 40 + 20 * step, "y": cy, "id": 2}])
    touch("touchEnd", [])
    pinched = view()
    assert pinched["w"] < fitted["w"] * 0.7
    assert browser.execute_script("return prepViewer.selected()") is None  # a gesture is not a click


@pytest.mark.parametrize("example", ["cs-onboarding.prep", "renewal-roadmap.prep"])
def test_stage_slider_fades_later_stages(browser, tmp_path, example):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    data = open_page(browser, render_page(tmp_path, EXAMPLES / example))
    stages = [s["name"] for s in data["stages"]]
    assert len(stages) >= 3
    slider = by_id(browser, "prep-stage")
    assert by_id(browser, "prep-stage-box").is_displayed()
    assert slider.get_attribute("value") == str(len(stages) - 1)
    assert not any("prep-later" in classes(browser, data, d["name"]) for d in data["deliverables"])
    slider.send_keys(Keys.HOME)  # the first stage only
    assert by_id(browser, "prep-stage-name").text == data["stages"][0]["label"]
    for d in data["deliverables"]:
        later = d["stage"] in stages[1:]
        assert ("prep-later" in classes(browser, data, d["name"])) == later, d["name"]
    slider.send_keys(Keys.ARROW_RIGHT)  # one stage more
    assert by_id(browser, "prep-stage-name").text == data["stages"][1]["label"]
    for d in data["deliverables"]:
        assert ("prep-later" in classes(browser, data, d["name"])) == (d["stage"] in stages[2:]), d["name"]
    if example == "cs-onboarding.prep":
        shot(browser, "stages")
    slider.send_keys(Keys.END)
    assert not any("prep-later" in classes(browser, data, d["name"]) for d in data["deliverables"])
    # the panel names the stage (and the stage a deliverable is the exit criterion of)
    first = data["stages"][0]
    exit_name = first["exits"][0]
    browser.execute_script("prepViewer.select(arguments[0])", exit_name)
    fields = {e.get_attribute("data-field"): e.text
              for e in by_id(browser, "prep-details").find_elements("css selector", "dd")}
    assert fields["stage"].startswith(first["label"]) and fields["exit of"] == first["label"]
    inferred = [d for d in data["deliverables"] if not d["placed"]]
    if inferred:
        browser.execute_script("prepViewer.select(arguments[0])", inferred[0]["name"])
        fields = {e.get_attribute("data-field"): e.text
                  for e in by_id(browser, "prep-details").find_elements("css selector", "dd")}
        assert fields["stage"].endswith(", from its inputs")


def test_stage_slider_from_declared_stages(browser, tmp_path):  # noqa: F811
    """The slider is driven by the data: a model JSON with declared stages
    (as issue 11's language gives them) and deliverables without a stage of
    their own, which are never faded."""
    from prep.embed.viewer import viewer_html

    page = render_page(tmp_path, EXAMPLES / "feature-addition-naive.prep")
    data = json.loads(page.read_text(encoding="utf-8").split('id="prep-data">', 1)[1].split("</script>", 1)[0])
    names = [d["name"] for d in data["deliverables"]]
    data["stages"] = [{"name": "plan", "label": "Stage 1: Plan", "index": 0},
                      {"name": "build", "label": "Stage 2: Build", "index": 1}]
    for i, d in enumerate(data["deliverables"]):
        d["stage"] = ["plan", "build", None][i % 3]
    made = tmp_path / "declared.html"
    made.write_text(viewer_html(data), encoding="utf-8")
    data = open_page(browser, made)
    by_id(browser, "prep-stage").send_keys("\ue011")  # Home
    assert by_id(browser, "prep-stage-name").text == "Stage 1: Plan"
    for i, name in enumerate(names):
        assert ("prep-later" in classes(browser, data, name)) == (i % 3 == 1), name


def test_no_stage_slider_without_stages(browser, naive):  # noqa: F811
    open_page(browser, naive)
    assert not by_id(browser, "prep-stage-box").is_displayed()


# ------------------------------------------------------------------ network and injection


class Listener(http.server.ThreadingHTTPServer):
    """Counts every request that reaches it: nothing should."""

    def __init__(self):
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def listener():
    server = Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def hostile_model(port: int) -> str:
    here = f"http://127.0.0.1:{port}"
    lures = [
        f'<img src="{here}/img" onerror="window.__pwned=1">',
        "<script>window.__pwned=1</script>",
        f'<script src="{here}/script.js"></script>',
        f'<link rel="stylesheet" href="{here}/style.css">',
        f"<style>@import url({here}/import.css); body{{background:url({here}/bg.png)}}</style>",
        f'<iframe src="{here}/frame"></iframe>',
        f'<svg onload="window.__pwned=1"><image href="{here}/image.png"/></svg>',
        "</script><script>window.__pwned=1</script>",
        "]]><script>window.__pwned=1</script><![CDATA[",
        "\"';window.__pwned=1;//",  # (U+2028/2029 the language refuses; script_json's test covers them)
        f'<a href="javascript:window.__pwned=1">x</a>',
        '<!-- <script>window.__pwned=1</script> -->',
    ]
    lines = [f"title {quote(lures[0])}"]
    for i, lure in enumerate(lures):
        lines.append(f"deliverable {quote('d' + str(i) + lure)} {quote(lure)} "
                     f"[owner: [{quote(lure)}], note: {quote(lure)}, stage: {quote('s' + lure)}]")
    for a, b in zip(range(len(lures)), range(1, len(lures))):
        lines.append(f"{quote('d' + str(a) + lures[a])} -> {quote('d' + str(b) + lures[b])} [note: {quote(lures[b])}]")
    return "\n".join(lines) + "\n", lures


def test_hostile_labels_run_no_script_and_nothing_leaves_the_page(browser, tmp_path, listener):  # noqa: F811
    from selenium.webdriver.common.by import By

    text, lures = hostile_model(listener.server_address[1])
    src = tmp_path / "hostile.prep"
    src.write_text(text, encoding="utf-8")
    data = open_page(browser, render_page(tmp_path, src, "--lint"))
    # look at every deliverable, search for one, list findings, toggle the overlay, move a stage
    for d in data["deliverables"]:
        browser.execute_script("prepViewer.select(arguments[0])", d["name"])
        assert by_id(browser, "prep-details-label").text == d["label"].strip()
        note = [e.text for e in by_id(browser, "prep-details").find_elements(By.CSS_SELECTOR, "dd")
                if e.get_attribute("data-field") == "note"]
        assert note == [d["note"].strip()]
    node(browser, data, data["deliverables"][-1]["name"]).click()
    by_id(browser, "prep-search").send_keys("<script>")
    by_id(browser, "prep-overlay").click()
    by_id(browser, "prep-stage").send_keys("\ue011")
    time.sleep(0.5)
    assert browser.execute_script("return window.__pwned") is None
    assert browser.title == lures[0]
    # no element came from model text: only the page's own
    tags = browser.execute_script(
        "return Array.from(document.querySelectorAll('body *:not(#prep-picture):not(#prep-picture *)'))"
        ".map(e => e.tagName.toLowerCase())")
    assert not {"img", "iframe", "link", "style", "object", "embed"} & set(tags)
    assert tags.count("script") == 3
    picture = browser.execute_script(
        "return Array.from(document.querySelectorAll('#prep-picture *')).map(e => e.localName)")
    assert not {"script", "foreignObject", "iframe", "image", "a", "img"} & set(picture)
    # nothing was fetched: not from the listener, not from anywhere
    assert listener.hits == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert severe_console_messages(browser) == []


def test_the_page_fetches_nothing(browser, naive, listener):  # noqa: F811
    """Chromium's own record of the page's requests: only the file itself."""
    browser.execute_cdp_cmd("Network.enable", {})
    data = open_page(browser, naive)
    node(browser, data, data["deliverables"][0]["name"]).click()
    by_id(browser, "prep-overlay").click()
    entries = browser.execute_script("return performance.getEntries().map(e => [e.entryType, e.name])")
    assert [e for e in entries if e[0] in ("resource", "navigation")] == [["navigation", naive.as_uri()]]
    # the policy is in force: a fetch from the page is blocked
    blocked = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        f"fetch('http://127.0.0.1:{listener.server_address[1]}/probe').then(() => done('fetched'), () => done('blocked'))")
    assert blocked == "blocked"
    assert listener.hits == []


# a 58-deliverable process (the walkthrough's): fitted to the window, its
# labels were about 3 px high
BIG = "\n".join(['title "大きな工程 Big process"'] + [
    f"成果物{n - 1:02d}, 成果物{max(0, n - 3):02d}, 知識{n % 5} -> 成果物{n:02d}" for n in range(1, 53)] +
    [f"knowhow 知識{k} [owner: [A, B]]" for k in range(5)]) + "\n"
LABEL_PX = """
var t = document.querySelector('#prep-picture g.node text');
return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;
"""
FIRST_BOX = """
var r = document.querySelector('#prep-picture g.node').getBoundingClientRect(),
    c = document.getElementById('prep-canvas').getBoundingClientRect();
return [r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom];
"""


def _page_of(tmp_path, text: str, name: str) -> Path:
    src = tmp_path / f"{name}.prep"
    src.write_text(text, encoding="utf-8")
    return render_page(tmp_path, src)


def test_a_large_model_opens_readable_at_the_start_and_fit_shows_the_whole(browser, tmp_path):  # noqa: F811
    """The viewer opened every model fitted to the window: at 58
    deliverables its text was about 3 px. It opens as the flip-book does
    (panzoom.js start()): fitted when the labels then read at 11 px or
    more, else at 11 px at the start of the flow; Fit (0) shows the whole,
    Start (1) goes back."""
    page = _page_of(tmp_path, BIG, "big")
    data = open_page(browser, page)
    assert len(data["svg"]["nodes"]) == 58
    assert browser.execute_script(LABEL_PX) == pytest.approx(11, rel=0.02)
    assert browser.execute_script(FIRST_BOX) == [True]   # the start of the flow is on screen
    by_id(browser, "prep-fit").click()
    whole = browser.execute_script(LABEL_PX)
    assert whole < 6   # the whole picture: text too small to read, as before
    by_id(browser, "prep-start").click()
    assert browser.execute_script(LABEL_PX) == pytest.approx(11, rel=0.02)
    canvas = by_id(browser, "prep-canvas")
    canvas.send_keys("0")
    assert browser.execute_script(LABEL_PX) == pytest.approx(whole)
    canvas.send_keys("1")
    assert browser.execute_script(LABEL_PX) == pytest.approx(11, rel=0.02)


def test_a_small_model_opens_fitted(browser, naive):  # noqa: F811
    open_page(browser, naive)
    start = browser.execute_script("return prepViewer.view()")
    assert browser.execute_script(LABEL_PX) >= 11
    by_id(browser, "prep-fit").click()
    assert browser.execute_script("return prepViewer.view()") == pytest.approx(start)


def test_the_viewer_speaks_the_language_it_was_made_in(browser, tmp_path):  # noqa: F811
    """`prep render -o x.html --language ja`: the page's controls, panels
    and the details of a deliverable in Japanese, as its picture's legend;
    the fields keep their English keys for scripts (data-field)."""
    from selenium.webdriver.common.by import By

    page = render_page(tmp_path, EXAMPLES / "feature-addition-naive.prep", "--language", "ja", "--legend")
    data = open_page(browser, page)
    assert by_id(browser, "prep-fit").text == "全体" and by_id(browser, "prep-start").text == "最初"
    assert by_id(browser, "prep-search").get_attribute("placeholder") == "名前・ラベルで検索 ( / )"
    assert by_id(browser, "prep-findings-head").text == f"指摘 ({len(data['findings'])})"
    d = max(data["deliverables"], key=lambda d: (len(d["inputs"]) > 0, len(d["findings"])))
    node(browser, data, d["name"]).click()
    details = by_id(browser, "prep-details")
    heads = [e.text for e in details.find_elements(By.CSS_SELECTOR, "dt")]
    assert heads[:2] == ["名前", "種類"], heads
    fields = {e.get_attribute("data-field"): e.text for e in details.find_elements(By.CSS_SELECTOR, "dd")}
    assert fields["kind"].startswith({"deliverable": "成果物", "knowhow": "ノウハウ"}[d["kind"]]), fields
    assert details.find_element(By.TAG_NAME, "h2").text == "詳細"
    assert "上流" in by_id(browser, "prep-chains").text and "下流" in by_id(browser, "prep-chains").text
    code = data["findings"][d["findings"][0]]["code"]
    assert f"ルール {code} が大切な理由" in details.find_element(By.CSS_SELECTOR, "details.prep-rule-why").text
    assert "凡例" in browser.find_element(By.ID, "prep-picture").text
    badges = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#prep-findings .prep-sev")}
    assert badges and badges <= {"エラー", "警告", "情報"}, badges
    texts = browser.find_element(By.ID, "prep-findings").text
    assert "hint:" not in texts and ("ヒント: " in texts or not any(f["hint"] for f in data["findings"]))
    assert severe_console_messages(browser) == []
    # the same page in English by default
    (tmp_path / "en").mkdir()
    english = render_page(tmp_path / "en", EXAMPLES / "feature-addition-naive.prep")
    open_page(browser, english)
    assert by_id(browser, "prep-fit").text == "Fit"
