"""The Python API as a new user drives it from a notebook: its functions
agree with each other and with the command line (settings, page names,
format names), a mistake is an exception that says what to do, and the
values it returns show themselves briefly."""

from __future__ import annotations

import pytest

import prep

STAGED = ("stage s1 [exit: 計画]\nstage s2 [exit: 成果]\n"
          "stage s1 {\n  deliverable 要望 [external]\n  要望 -> 計画\n}\n"
          "stage s2 {\n  計画 -> 成果\n}\n")


@pytest.fixture(scope="module")
def staged():
    return prep.loads(STAGED)


def test_pages_show_their_summary_not_their_bytes(staged):
    """repr(prep.render_pages(...)) was 704 KB: every page's bytes."""
    pages = prep.render_pages(staged, "png", "A4")
    shown = repr(pages)
    assert shown.startswith(f"<Pages: {pages.summary()}; 1 file, ") and shown.endswith(" KB>"), shown
    assert len(shown) < 200
    frames = prep.render_stage_pages(staged, "s1", "svg", page="16:9")
    assert repr(frames).startswith(f"<StagePages: {frames.summary()}; 1 file, ")


def test_an_unknown_theme_lists_the_themes(staged):
    """It was a bare KeyError: 'dark'."""
    with pytest.raises(ValueError, match=r"unknown theme 'dark': the themes are default, print"):
        prep.render(staged, "svg", theme="dark")
    with pytest.raises(ValueError, match=r"unknown theme 'dark'"):
        prep.render_stage(staged, "s1", "svg", theme="dark")
    assert prep.render(staged, "svg", theme="Print") == prep.render(staged, "svg", theme="print")
