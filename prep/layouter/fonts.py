"""Fonts for Graphviz: point the bundled fontconfig at the Japanese font that
ships as a Python dependency, so PNG and PDF show glyphs, not empty boxes, on
a machine with no CJK fonts installed.

This must run before Graphviz lays out any text in the process (fontconfig
reads FONTCONFIG_FILE once, when it first initializes).
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from html import escape as _html_escape
from pathlib import Path

from .. import _cachefile as cachefile


def escape(text: str) -> str:
    """&, < and > as XML entities (xml.sax.saxutils.escape, without importing
    urllib and http.client along with it: 40 ms of start-up)."""
    return _html_escape(text, quote=False)


# The font Graphviz measures and draws with (shipped as a dependency).
FONT_FAMILY = "Noto Sans CJK JP"
# What SVG viewers are asked for: the same font first, then what report
# writers' machines usually have for Japanese, then a generic family.
SVG_FONT_STACK = ("'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Hiragino Kaku Gothic ProN',"
                  "'Yu Gothic','YuGothic','Meiryo','IPAexGothic','Source Han Sans JP',sans-serif")

_SYSTEM_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
                "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "prep"


def bundled_font_dir() -> Path | None:
    try:
        import noto_cjk_sans_jp_regular as font
    except ImportError:  # pragma: no cover - it is a hard dependency
        return None
    return Path(font.__file__).resolve().parent


def fontconfig_text(font_dir: Path | None, cache_dir: Path) -> str:
    dirs = ([str(font_dir)] if font_dir else []) + list(_SYSTEM_DIRS)
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
             "<fontconfig>"]
    for d in dirs:
        lines.append(f"  <dir>{escape(os.path.expanduser(d))}</dir>")
    lines += [
        f"  <cachedir>{escape(str(cache_dir))}</cachedir>",
        # generic families resolve to the bundled font first
        *(f"  <alias><family>{fam}</family><prefer><family>{FONT_FAMILY}</family>"
          f"<family>DejaVu Sans</family></prefer></alias>" for fam in ("sans-serif", "serif", "monospace")),
        "</fontconfig>", ""]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def configure_fonts() -> str | None:
    """Write prep's fontconfig file (once per content) and select it for this
    process. Returns its path, or None when it could not be written."""
    if os.environ.get("PREP_SYSTEM_FONTCONFIG"):
        return None
    font_dir = bundled_font_dir()
    for root in (_cache_root(), Path(tempfile.gettempdir()) / f"prep-{os.getuid() if hasattr(os, 'getuid') else 'user'}"):
        try:
            cache_dir = root / "fontconfig-cache"
            cache_dir.mkdir(parents=True, exist_ok=True)
            conf = root / "fonts.conf"
            text = fontconfig_text(font_dir, cache_dir)
            if ((not conf.is_file() or conf.read_text(encoding="utf-8") != text)
                    and not cachefile.save(conf, text.encode("utf-8"))):
                continue
        except OSError:
            continue
        os.environ["FONTCONFIG_FILE"] = str(conf)
        return str(conf)
    return None
