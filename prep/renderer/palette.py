"""The fills a group's frame may take (`group g [colour: blue] { ... }`).

Pale colours of one lightness (CIE L* 90-93): black text keeps a contrast
of about 16:1 on each, boxes (white, light grey) stand out on all of them,
and none says more than another. The `print` theme draws each as the grey
of the same lightness, so a photocopy keeps the groups' tint and nothing
else.
"""

from __future__ import annotations


GROUP_FILLS = {
    "blue": "#dae8f7",
    "green": "#dcefd8",
    "yellow": "#f3ebbf",
    "orange": "#fae1ca",
    "red": "#fadddd",
    "purple": "#ebe1f6",
    "grey": "#e7e7e7",
}


def luminance(colour: str) -> float:
    """The relative luminance (WCAG) of a #rrggbb colour."""
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def grey_of(colour: str) -> str:
    """The grey with the luminance of `colour`."""
    y = luminance(colour)
    c = 12.92 * y if y <= 0.0031308 else 1.055 * y ** (1 / 2.4) - 0.055
    v = max(0, min(255, round(c * 255)))
    return f"#{v:02x}{v:02x}{v:02x}"


PRINT_FILLS = {name: grey_of(fill) for name, fill in GROUP_FILLS.items()}


def group_fill(theme, colour: str | None) -> str:
    """The fill of a group's frame: its colour's in `theme`, or the theme's
    group fill for a group without one."""
    if colour is None or colour not in GROUP_FILLS:
        return theme.group_fill
    return PRINT_FILLS[colour] if theme.name == "print" else GROUP_FILLS[colour]


# a stage frame's marks (prep.renderer.stages), for every writer that draws one:
# what the stage makes is filled pale blue, what comes later drawn faintly
NEW_FILL = "#d6e6fa"
FAINT_INK, FAINT_TEXT = "#c9c9c9", "#a9a9a9"


def plain_theme(theme) -> bool:
    """The print theme (and configurations based on it): no colour fills."""
    return theme.name.split("+")[0] == "print"
