"""A real headless browser for tests: Debian's Chromium driven by Selenium.

    from browser import browser          # the pytest fixture (also via conftest)

    def test_x(browser):
        browser.get(path.as_uri())

    from browser import chromium         # or a driver of your own
    driver = chromium(width=800, height=600)
    try: ... finally: driver.quit()

Needs `apt-get install chromium chromium-driver` (/usr/bin/chromium,
/usr/bin/chromedriver) and selenium (the `test` extra). Without them the
tests that use the browser skip with a reason naming the packages, unless
PREP_REQUIRE_BROWSER=1 (set by .ci/run), where they fail instead.

The browser sees the machine's fonts (prep's own fontconfig file, which
renders set for their process, is not passed on). Each browser gets a
fresh temporary profile (removed on quit), and flags
that keep it from talking to Google's services, so the performance log
shows only what the page itself asks for. The performance log (Chrome
DevTools "Network.*" events) is enabled: `network_requests(driver)`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

# Debian's paths; the variables exist so tests/test_browser.py can check
# what happens when they are missing
CHROMIUM = os.environ.get("PREP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PREP_CHROMEDRIVER", "/usr/bin/chromedriver")
PACKAGES = "chromium chromium-driver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


class BrowserMissing(Exception):
    """No browser or driver (or no selenium) on this machine."""


def required() -> bool:
    return os.environ.get("PREP_REQUIRE_BROWSER") == "1"


def missing() -> str | None:
    """Why no browser can be started here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    absent = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if absent:
        return f"no {' or '.join(absent)}: apt-get install {PACKAGES}"
    return None


# Latin fonts only: what a reader's machine without a Japanese font has
LATIN_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation",
                   "/usr/share/fonts/truetype/liberation2")


def chromium(width: int = 1200, height: int = 900, latin_only: bool = False):
    """A started headless Chromium (selenium.webdriver.Chrome) with a window
    of `width` x `height` and a fresh temporary profile. Call .quit().
    `latin_only`: the browser sees only the machine's Latin fonts (its own
    fontconfig file), as on a machine with no Japanese font installed
    (Debian's LibreOffice brings one: Droid Sans Fallback)."""
    reason = missing()
    if reason:
        raise BrowserMissing(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="prep-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # the machine's fonts, not the fontconfig file prep points its own
    # process at (prep.layouter.fonts): a browser test must see what a
    # reader's browser sees
    env = {k: v for k, v in os.environ.items() if k not in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
    if latin_only:
        conf = os.path.join(profile, "fonts.conf")
        dirs = "".join(f"<dir>{d}</dir>" for d in LATIN_FONT_DIRS if os.path.isdir(d))
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{dirs}'
                    f"<cachedir>{os.path.join(profile, 'fontconfig')}</cachedir></fontconfig>\n")
        env["FONTCONFIG_FILE"] = conf
    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER, env=env), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    quit_driver = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


# the browser's own pages (its new-tab page loads chrome:// resources at
# start) and inline data: never leave the machine
_LOCAL_SCHEMES = ("data:", "chrome:", "chrome-untrusted:", "chrome-extension:", "devtools:", "about:", "blob:")


def network_requests(driver) -> list[str]:
    """URLs asked for since the last call (the performance log is read and
    emptied), except data: and the browser's own chrome:// pages. Call it
    before driver.get(page) to start afresh; afterwards a self-contained
    page leaves only its own URL."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(_LOCAL_SCHEMES):
                urls.append(url)
    return urls


@pytest.fixture
def browser():
    """A headless Chromium for one test (quit afterwards). Skips, naming the
    apt packages, when there is none, unless PREP_REQUIRE_BROWSER=1."""
    reason = missing()
    if reason:
        if required():
            pytest.fail(f"PREP_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()
