"""Render settings from configuration: `[render]` in prep.toml, or
`[tool.prep.render]` in pyproject.toml, found by walking up from the model
file (the same discovery as the lint settings).

    [render]
    theme = "print"            # base theme: default | print
    direction = "TB"           # LR | TB (TD is TB)
    legend = true
    font = "Noto Sans CJK JP"  # the font Graphviz measures and draws with
    font-size = 12
    page = "16:9"              # fit every picture to this page (docs/pages.md); "none": natural size
    min-text = 9               # the smallest text allowed at 100% of the page (points)
    pptx-east-asian-font = "Yu Gothic"  # PowerPoint: the face for Japanese text typed in later
    language = "ja"            # prep's own words (pictures, reports, the viewer, status, export): en | ja

    [render.colors]
    ink = "#1f2937"            # borders, arrows, text
    knowhow-fill = "#fff7e6"

Command-line options win over the file; the file wins over the built-in
defaults. Unknown keys and bad values are errors that name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping

from ..layouter.direction import direction_of
from ..layouter.page import MIN_TEXT_RANGE
from ..linter.settings import did_you_mean
from .dot import THEMES, Theme

KEYS = ("theme", "direction", "legend", "font", "font-size", "page", "min-text", "pptx-east-asian-font",
        "language", "colors")
COLOR_KEYS = {
    "ink": "ink", "tangible-fill": "tangible_fill", "knowhow-fill": "knowhow_fill",
    "external-fill": "external_fill", "group-border": "group_border", "group-fill": "group_fill",
    "muted": "muted", "background": "background",
}
# a colour Graphviz and SVG viewers both read: #rgb, #rrggbb, #rrggbbaa or a name
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,24}")
# a font family name: letters (any script), digits, spaces, '-', '_', '.'
_FONT = re.compile(r"[\w .\-]{1,64}")


class RenderConfigError(ValueError):
    """A bad [render] setting; the message names the file, key and value."""


@dataclass(frozen=True)
class RenderSettings:
    source: str | None = None
    theme: Theme = THEMES["default"]
    direction: str | None = None
    legend: bool | None = None
    page: str | None = None          # as written: "16:9", "A4-portrait", "none", ...
    min_text: float | None = None
    direction_given: bool = False    # on the command line or in the file (else a page may choose it)
    language: str | None = None      # prep's words in pictures: "en", "ja" (prep._words)


def settings_from_table(table: Mapping, source: str | None, where: str) -> RenderSettings:
    if not isinstance(table, Mapping):
        raise RenderConfigError(f"{where} must be a table")
    for key in table:
        if key not in KEYS:
            raise RenderConfigError(f"{where}: unknown key '{key}'{did_you_mean(key, KEYS)}; "
                                    f"known keys: {', '.join(KEYS)}")
    base = table.get("theme", "default")
    if base not in THEMES:
        raise RenderConfigError(f"{where}: theme must be one of {', '.join(THEMES)}, not {base!r}")
    theme = THEMES[base]
    direction = table.get("direction")
    if direction is not None:
        try:
            direction = direction_of(direction)
        except ValueError as e:
            raise RenderConfigError(f"{where}: {e}") from None
    legend = table.get("legend")
    if legend is not None and not isinstance(legend, bool):
        raise RenderConfigError(f"{where}: legend must be true or false, not {legend!r}")
    page = table.get("page")
    if page is not None:
        from ..layouter.page import NATURAL, PageError, parse_page

        if not isinstance(page, str):
            raise RenderConfigError(f"{where}: page must be a string such as \"16:9\" or \"A4\", not {page!r}")
        if page.strip().lower() not in NATURAL:
            try:
                parse_page(page)
            except PageError as e:
                raise RenderConfigError(f"{where}: page: {e}; {e.hint}") from None
    min_text = table.get("min-text")
    low, high = MIN_TEXT_RANGE
    if min_text is not None and (isinstance(min_text, bool) or not isinstance(min_text, (int, float))
                                 or not low <= min_text <= high):
        raise RenderConfigError(f"{where}: min-text must be a number of points from {low:g} to {high:g}, "
                                f"not {min_text!r}")
    language = table.get("language")
    if language is not None:
        from .._words import LANGUAGES

        if language not in LANGUAGES:
            raise RenderConfigError(f"{where}: language must be {' or '.join(repr(x) for x in LANGUAGES)} (prep's "
                                    f"words in pictures: the legend, \"(cont.)\", \"p. 3\"), not {language!r}")
    changes: dict = {}
    if "font" in table:
        font = table["font"]
        if not isinstance(font, str) or not _FONT.fullmatch(font):
            raise RenderConfigError(f"{where}: font must be a font family name (letters, digits, spaces, "
                                    f"'-', '_', '.'), not {font!r}")
        changes["font"] = font
    if "pptx-east-asian-font" in table:
        face = table["pptx-east-asian-font"]
        if not isinstance(face, str) or not _FONT.fullmatch(face):
            raise RenderConfigError(f"{where}: pptx-east-asian-font must be a font family name (letters, digits, "
                                    f"spaces, '-', '_', '.'), e.g. \"Yu Gothic\" or \"Meiryo\", not {face!r}")
        changes["east_asian_font"] = face
    if "font-size" in table:
        size = table["font-size"]
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not 4 <= size <= 72:
            raise RenderConfigError(f"{where}: font-size must be a number from 4 to 72, not {size!r}")
        changes["font_size"] = float(size)
    colors = table.get("colors", {})
    if not isinstance(colors, Mapping):
        raise RenderConfigError(f"{where}: colors must be a table, e.g. [render.colors]")
    for key, value in colors.items():
        if key not in COLOR_KEYS:
            raise RenderConfigError(f"{where}: unknown colour '{key}'{did_you_mean(key, COLOR_KEYS)}; "
                                    f"known colours: {', '.join(COLOR_KEYS)}")
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            raise RenderConfigError(f"{where}: colors.{key} must be like \"#1f2937\" or a colour name, "
                                    f"not {value!r}")
        changes[COLOR_KEYS[key]] = value
    if changes:
        theme = replace(theme, name=f"{base}+config", **changes)
    return RenderSettings(source=source, theme=theme, direction=direction.upper() if direction else None,
                          legend=legend, page=page, min_text=float(min_text) if min_text is not None else None,
                          language=language)


def settings_for(model_path: str) -> RenderSettings:
    """The render settings that apply to a model file."""
    from ..linter.config import find_config_section, shown

    found = find_config_section(model_path, "render")
    if found is None:
        return RenderSettings()
    path, table, section = found
    return settings_from_table(table, path, f"{shown(path)}: {section}")
