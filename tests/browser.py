"""A real headless browser for tests: Chromium (Debian's `chromium` and
`chromedriver` packages) driven by Selenium (the `test` extra).

    from browser import browser          # the pytest fixture
    def test_page(browser, tmp_path): browser.get(page.as_uri()) ...

    from browser import chromium         # or a driver of one's own
    driver = chromium(800, 600); ...; driver.quit()

Tests that use it are skipped, with the reason shown, when the browser or
Selenium is missing, unless PREP_REQUIRE_BROWSER=1 (CI sets it) makes that a
failure. The browser runs with a fresh profile in a temporary folder and
without background traffic (no updates, sync or component downloads), so a
page's own requests are the only ones it makes.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def _find(names: tuple[str, ...], env: str) -> str | None:
    given = os.environ.get(env)
    if given:
        return given if os.path.exists(given) else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why no browser can be started here (None: it can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if _find(("chromium", "chromium-browser", "google-chrome"), "PREP_CHROMIUM") is None:
        return "no Chromium found (apt-get install chromium chromium-driver, or set PREP_CHROMIUM)"
    if _find(("chromedriver",), "PREP_CHROMEDRIVER") is None:
        return "no chromedriver found (apt-get install chromium-driver, or set PREP_CHROMEDRIVER)"
    return None


def chromium(width=1200, height=900):
    """A started headless Chromium (selenium.webdriver.Chrome) with a window
    of `width` x `height` CSS pixels and a fresh temporary profile (removed
    when the driver quits). Call `.quit()` when done."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    reason = missing()
    if reason is not None:
        raise RuntimeError(f"cannot start a browser: {reason}")
    profile = tempfile.mkdtemp(prefix="prep-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = _find(("chromium", "chromium-browser", "google-chrome"), "PREP_CHROMIUM")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    # the driver is given: Selenium Manager never goes to the network for one
    service = Service(executable_path=_find(("chromedriver",), "PREP_CHROMEDRIVER"))
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    quit_driver = driver.quit

    def quit_and_clean():
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


@pytest.fixture
def browser():
    """A headless Chromium for one test (skipped when there is none, unless
    PREP_REQUIRE_BROWSER=1)."""
    reason = missing()
    if reason is not None:
        if os.environ.get("PREP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PREP_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"no browser: {reason}")
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()
