"""The shared headless-browser module (tests/browser.py) itself: it skips
with a reason naming the apt packages when there is no browser, fails
instead under PREP_REQUIRE_BROWSER=1, and drives a real page when there is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = '''
from browser import browser

def test_probe(browser):
    browser.get("data:text/html,<p id=x>hi</p>")
    assert browser.find_element("id", "x").text == "hi"
'''


def run_probe(tmp_path, **env) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    full = {k: v for k, v in os.environ.items() if k != "PREP_REQUIRE_BROWSER"}
    full.update(env, PYTHONPATH=str(HERE))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           str(tmp_path / "test_probe.py")], capture_output=True, text=True, env=full,
                          cwd=tmp_path, timeout=300)


def test_no_browser_skips_naming_the_packages(tmp_path):
    r = run_probe(tmp_path, PREP_CHROMIUM=str(tmp_path / "no-chromium"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 skipped" in r.stdout and "apt-get install chromium chromium-driver" in r.stdout, r.stdout


def test_no_browser_fails_when_required(tmp_path):
    r = run_probe(tmp_path, PREP_CHROMIUM=str(tmp_path / "no-chromium"), PREP_REQUIRE_BROWSER="1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PREP_REQUIRE_BROWSER=1 but" in r.stdout and "apt-get install chromium chromium-driver" in r.stdout


def test_a_real_page_in_the_browser(browser):
    browser.get("data:text/html,<title>t</title><p id=x>hi</p>")
    assert browser.find_element("id", "x").text == "hi"
    assert browser.execute_script("return navigator.webdriver") is True
    assert browser.get_window_size()["width"] == 1200
