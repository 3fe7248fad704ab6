"""The page a picture is made for: a slide or a sheet of paper.

    parse_page("16:9")        -> Page(960 x 540 pt, text >= 9 pt)
    parse_page("A4-portrait") -> Page(595.28 x 841.89 pt, text >= 7 pt)
    parse_page("200x120mm")   -> a page of that size (paper: text >= 7 pt)

Every size is landscape unless it ends in `-portrait`; `WxH` is taken as
given. The minimum text size is what text may not go below at 100% of the
page (slides are read from across a room, paper at arm's length); prep fits
a model to a page by layout (font, direction, wrapping, pages), never by
shrinking text below it. Lengths are in points (1/72 inch).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MM = 72 / 25.4
IN = 72.0

SLIDE_MIN_TEXT = 9.0
PAPER_MIN_TEXT = 7.0
# the smallest text one may ask for, in points: min_text= and [render] min-text (the command
# line's --min-text says it again, as click.FloatRange(4, 36), not to load the layouter first)
MIN_TEXT_RANGE = (4.0, 36.0)

# name -> (long side, short side, kind), in points
NAMED = {
    "16:9": (40 / 3 * IN, 7.5 * IN, "slide"),
    "4:3": (10 * IN, 7.5 * IN, "slide"),
    "a4": (297 * MM, 210 * MM, "paper"),
    "a3": (420 * MM, 297 * MM, "paper"),
    "a5": (210 * MM, 148 * MM, "paper"),
    # B4 and B5 as Japanese offices and their Word and Excel name them: JIS B (ISO B5 is
    # 250x176mm)
    "b4": (364 * MM, 257 * MM, "paper"),
    "b5": (257 * MM, 182 * MM, "paper"),
    "letter": (11 * IN, 8.5 * IN, "paper"),
    "legal": (14 * IN, 8.5 * IN, "paper"),
    "tabloid": (17 * IN, 11 * IN, "paper"),
}
SPELLING = {"16:9": "16:9", "4:3": "4:3", "a4": "A4", "a3": "A3", "a5": "A5", "b4": "B4", "b5": "B5",
            "letter": "letter", "legal": "legal", "tabloid": "tabloid"}
UNITS = {"mm": MM, "cm": 10 * MM, "in": IN, "pt": 1.0}
MARGIN = {"slide": 0.25 * IN, "paper": 10 * MM}
CHOICES = ("16:9, 4:3, A4, A3, A5, B4, B5 (JIS), letter, legal, tabloid (add -portrait to turn it), WxH in mm, cm, "
           "in or pt (e.g. 200x120mm), or none (the natural size)")


class PageError(ValueError):
    """A page size prep cannot read; `hint` says what it can."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Page:
    name: str          # as the user wrote it, canonical ("A4-portrait", "16:9", "200x120mm")
    width: float       # points
    height: float
    kind: str = "paper"   # slide | paper
    min_text: float = PAPER_MIN_TEXT
    margin: float = MARGIN["paper"]

    @property
    def inner_width(self) -> float:
        return self.width - 2 * self.margin

    @property
    def inner_height(self) -> float:
        return self.height - 2 * self.margin

    def with_min_text(self, size: float | None) -> "Page":
        if size is None:
            return self
        return Page(self.name, self.width, self.height, self.kind, float(size), self.margin)

    def as_dict(self) -> dict:
        return {"name": self.name, "width": round(self.width, 2), "height": round(self.height, 2),
                "kind": self.kind, "min_text": self.min_text, "margin": round(self.margin, 2)}


def parse_page(text: str, *, min_text: float | None = None) -> Page:
    """The page `text` names (see the module's docstring); a PageError with
    a hint (and a did-you-mean) for anything else."""
    raw = (text or "").strip()
    key = raw.lower().replace(" ", "")
    portrait = key.endswith("-portrait")
    landscape = key.endswith("-landscape")
    if portrait or landscape:
        key = key.rsplit("-", 1)[0]
    if key in NAMED:
        long, short, kind = NAMED[key]
        name = SPELLING[key] + ("-portrait" if portrait else "")
        w, h = (short, long) if portrait else (long, short)
        page = Page(name, w, h, kind, SLIDE_MIN_TEXT if kind == "slide" else PAPER_MIN_TEXT, MARGIN[kind])
        return page.with_min_text(min_text)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|cm|in|pt)", key)
    if m and not (portrait or landscape):
        unit = UNITS[m.group(3)]
        w, h = float(m.group(1)) * unit, float(m.group(2)) * unit
        if not _allowed(w, h):
            raise PageError(f"page size {raw!r} is out of range",
                            "each side between 1 and 56 inches (25.4 to 1422 mm), as PowerPoint allows")
        return Page(f"{m.group(1)}x{m.group(2)}{m.group(3)}", w, h, "paper", PAPER_MIN_TEXT,
                    min(MARGIN["paper"], min(w, h) / 10)).with_min_text(min_text)
    if re.fullmatch(r"\d+(?:\.\d+)?x\d+(?:\.\d+)?", key):
        raise PageError(f"page size {raw!r} has no unit", _unit_hint(key))
    close = difflib.get_close_matches(key, [*NAMED, *(k + "-portrait" for k in NAMED)], n=1, cutoff=0.5)
    hint = (f"did you mean '{SPELLING[close[0].split('-')[0]]}{'-portrait' if close[0].endswith('-portrait') else ''}'? "
            if close else "") + f"page sizes: {CHOICES}"
    raise PageError(f"unknown page size {raw!r}", hint)


def _allowed(width: float, height: float) -> bool:
    """Is a page of these sides (pt) one prep makes: each between 1 and 56
    inches, as PowerPoint allows?"""
    return 72 <= width <= 56 * IN and 72 <= height <= 56 * IN


def _unit_hint(key: str) -> str:
    """What to write for `WxH` without a unit: a slide's shape when it is
    one (16x9 is 16:9), and the units that make a page of the allowed size
    (16x9mm is out of range: it was suggested)."""
    w, h = (float(x) for x in key.split("x"))
    shapes = [name + ("" if (w, h) == (a, b) else "-portrait") for name in ("16:9", "4:3")
              for a, b in [tuple(float(x) for x in name.split(":"))] if (w, h) in ((a, b), (b, a))]
    units = [f"{key}{u}" for u in ("mm", "in") if _allowed(w * UNITS[u], h * UNITS[u])]
    if shapes:
        return f"for a slide of that shape write {shapes[0]}" + (f"; or a size: {' or '.join(units)}" if units else "")
    if units:
        return f"add one: {' or '.join(units)}"
    return "give a unit (mm, cm, in or pt), each side between 1 and 56 inches, or a page name: " + CHOICES


NATURAL = ("none", "natural")


def page_option(text: str | None, fmt: str, *, min_text: float | None = None) -> Page | None:
    """The page of a `--page` option (or `page =` setting) for format `fmt`:
    the default page of the format when not given, None for `none` (the
    picture's natural size)."""
    if text is None:
        page = default_page(fmt)
        return page.with_min_text(min_text) if page is not None else None
    if text.strip().lower() in NATURAL:
        return None
    return parse_page(text, min_text=min_text)


def default_page(fmt: str) -> Page | None:
    """The page a format is made for when none is given: PowerPoint a 16:9
    slide, PDF an A4 sheet (landscape); SVG and PNG keep their natural size."""
    if fmt == "pptx":
        return parse_page("16:9")
    if fmt == "pdf":
        return parse_page("A4")
    return None
