"""The live page's font: one large face loaded once, one small face for
the characters it lacks.

The pictures of a preview come without their own font. Before, the page
kept one face with every glyph drawn so far, and a save that drew a new
character cut that face again (from a subset in memory, or from the 16 MB
font when the character was new to it: 0.3-1 s) and made the browser load
and lay the text out with the new face. Now:

- the base face is the font cut down to the characters Japanese text is
  written in (cp932: kana, JIS levels 1 and 2, symbols, about 7,500;
  webfont.base_font, 1.6 MB, cut once per machine and kept in the cache
  folder). The server holds it in memory and serves it at a fixed URL the
  browser keeps (its name is its hash), so a save that draws a new kanji
  costs no font work at all;
- the extra face has the characters drawn so far that the base lacks
  (rare: 𠮷, emoji-like symbols), grown as before, declared after the base
  so that it wins for its characters (its unicode-range says which).

Until the base is there (the first preview on a machine cuts it, in the
server's own process, while the worker renders) the extra face has every
character, as before.
"""

from __future__ import annotations

import hashlib
import threading

URL_PREFIX = "/font/"


class BaseFace:
    """The server's copy of the base face: loaded from the cache folder,
    or cut in a background thread when it is not there yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: bytes | None = None
        self._url: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Load the cached face now (a file read), or cut it in a daemon
        thread; a missing font or fontTools leaves the page on the extra
        face alone."""
        from ..renderer.webfont import FontUnavailable, base_font

        try:
            data = base_font(cut=False)
        except FontUnavailable:
            return
        if data is not None:
            self._set(data)
            return

        def cut():
            try:
                self._set(base_font())
            except Exception:  # noqa: BLE001 - no traceback in the terminal: the extra face has every glyph
                pass

        self._thread = threading.Thread(target=cut, name="prep-serve-font", daemon=True)
        self._thread.start()

    def _set(self, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()[:20]
        with self._lock:
            self._data, self._url = data, f"{URL_PREFIX}base-{digest}.otf"

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def url(self) -> str | None:
        """Where the page loads it from; None until it is there."""
        with self._lock:
            return self._url

    def bytes_at(self, path: str) -> bytes | None:
        with self._lock:
            return self._data if path == self._url else None


def base_rule(url: str) -> str:
    """The base face's @font-face: `url` is the server's own fixed path
    (letters, digits), never text from the model."""
    from ..layouter.fonts import FONT_FAMILY

    return (f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:400;"
            f"src:url({url}) format('opentype');}}")


class PageFont:
    """(the render worker) The page's @font-face rules for each picture:
    [the base face's (empty until the server has it), the face of every
    character drawn so far that the base lacks]. The page keeps each in a
    <style> of its own and replaces one only when its text changed (a new
    face makes the browser load the font and lay the text out again)."""

    def __init__(self) -> None:
        self.base_url: str | None = None
        self.extra: set[str] = set()
        self.rules = ["", ""]

    def css(self, svg: str, base_url: str | None) -> list[str]:
        from ..renderer.webfont import FontUnavailable, base_characters, font_face_css, used_characters

        if base_url != self.base_url:  # the base is there now: the extra face keeps only what it lacks
            self.base_url, self.extra = base_url, set()
            self.rules = [base_rule(base_url) if base_url else "", ""]
        used = set(used_characters(svg))
        new = (used - base_characters() if base_url else used) - self.extra
        if new:
            self.extra |= new
            try:
                extra_rule = font_face_css("".join(sorted(self.extra)))
            except FontUnavailable:  # the picture still names the font
                extra_rule = ""
            self.rules = [self.rules[0], extra_rule]
        return self.rules
