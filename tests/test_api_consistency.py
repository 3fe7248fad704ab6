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


def test_an_unknown_theme_lists_the_themes(staged):
    """It was a bare KeyError: 'dark'."""
    with pytest.raises(ValueError, match=r"unknown theme 'dark': the themes are default, print"):
        prep.render(staged, "svg", theme="dark")
    with pytest.raises(ValueError, match=r"unknown theme 'dark'"):
        prep.render_stage(staged, "s1", "svg", theme="dark")
    assert prep.render(staged, "svg", theme="Print") == prep.render(staged, "svg", theme="print")
