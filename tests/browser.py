"""A real headless browser for the tests: Debian's Chromium driven by
Selenium (`pip install selenium`; `apt-get install chromium chromium-driver`).

    from browser import browser        # the pytest fixture
    from browser import chromium       # chromium(width, height) -> webdriver.Chrome

Without a browser the tests that use it skip with the reason; with
PREP_REQUIRE_BROWSER=1 (CI) they fail instead, so CI always runs them.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

CHROMIUM = os.environ.get("PREP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PREP_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRED = os.environ.get("PREP_REQUIRE_BROWSER") == "1"

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def missing() -> str | None:
    """Why no browser can be started here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} not found (apt-get install {package})"
    return None


def chromium(width: int = 1200, height: int = 900):
    """A started headless Chromium (selenium webdriver.Chrome) with a fresh
    profile, no background network and the window size given. The caller
    quits it; its temporary profile is removed then."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="prep-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
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


@pytest.fixture
def browser():
    """A fresh headless Chromium per test; skipped (failed with
    PREP_REQUIRE_BROWSER=1) when there is none."""
    reason = missing()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"PREP_REQUIRE_BROWSER=1 but no browser: {reason}")
        pytest.skip(f"no headless browser: {reason}")
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()
