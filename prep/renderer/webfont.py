"""Fonts travel with the SVG: a subset of the bundled Japanese font, with
just the glyphs the picture draws, as WOFF2 in an `@font-face` data URI.

Graphviz measures every label with Noto Sans CJK JP (the font that ships
as a dependency, prep.layouter.fonts). An SVG only *names* that font, so a
browser without it (a Linux server, a CI artifact viewer) draws boxes
(tofu) at other widths. Embedding the subset makes the picture look the
same everywhere, offline (a data URI: nothing is fetched).

Subsetting the 16 MB, 65,000-glyph font costs about a second (parsing
it), so results are kept: on disk under ~/.cache/prep/font-subsets/
(keyed by the font file and the characters; the CACHE_KEEP most recently
used files are kept), so drawing the same model again costs a file read. One larger
subset, every character needed so far, is kept in memory and in that
cache too: the next subsets (an edited model, an overview's pictures, a
preview server, a docs build) are cut from it in ~50 ms.

The <style> holds only fixed text and base64: text from the model never
goes into it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

from .. import _cachefile as cachefile
from ..layouter.fonts import FONT_FAMILY, bundled_font_dir

FONT_FILE = "NotoSansCJKjp-Regular.otf"
# subsets kept on disk, the least recently used forgotten first: more than
# an overview's pictures (one per group, 200 for 10,000 generated
# deliverables), or every picture of the next render would miss (each
# write evicting the next one to be read)
CACHE_KEEP = 2000
# bump when the subsetting options change (old cache entries are then unused)
_OPTIONS_VERSION = "1"

_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)
_TAG = re.compile(r"<[^>]*>")
_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")


class FontUnavailable(Exception):
    """The font or the subsetting library is missing: the SVG is written
    without an embedded font."""


class FontNotEmbedded(UserWarning):
    """Warned when an SVG is written without its font (FontUnavailable)."""


def font_path() -> Path | None:
    folder = bundled_font_dir()
    path = folder / FONT_FILE if folder else None
    return path if path is not None and path.is_file() else None


def used_characters(svg: str) -> str:
    """Every character drawn by a <text> of `svg` (entities decoded), sorted
    and without duplicates."""
    chars: set[str] = set()
    for m in _TEXT.finditer(svg):
        chars.update(html.unescape(_TAG.sub("", m.group(1))))
    chars.discard("\n")
    return "".join(sorted(chars))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "prep" / "font-subsets"


def _key(font: Path, text: str) -> str:
    st = font.stat()
    ident = f"{_OPTIONS_VERSION}\0{font}\0{st.st_size}\0{st.st_mtime_ns}\0{text}"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]


def _flavor() -> str:
    try:
        import brotli  # noqa: F401 - WOFF2 compresses with it
    except ImportError:
        return "woff"
    return "woff2"


def _cut(source: Path | bytes, text: str, flavor: str | None) -> bytes:
    """`source` (the font file, or the bytes of a larger subset of it) cut
    down to the characters of `text`, as `flavor` (woff2, woff, or None: a
    plain OpenType font). A larger subset (bytes) has neither hints nor
    subroutines left: removing them again would only cost time (a third of
    a cut), the bytes are the same."""
    try:
        from fontTools import subset
    except ImportError as e:
        raise FontUnavailable(f"fontTools is not installed ({e})") from None
    options = subset.Options()
    options.flavor = flavor
    options.layout_features = []        # labels are drawn glyph by glyph, as Graphviz measured them
    stripped = isinstance(source, bytes)  # cut from the superset, made with these options
    options.hinting = stripped          # browsers scale outlines; hints only add bytes
    options.desubroutinize = not stripped  # compresses better than the subroutines of 65,000 glyphs
    options.notdef_outline = True
    options.name_IDs = [1, 2]           # family and style: enough to be a valid font
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "JSTF", "MATH"]
    try:
        loaded = subset.load_font(io.BytesIO(source) if isinstance(source, bytes) else str(source), options,
                                  lazy=True)
        try:
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=text)
            subsetter.subset(loaded)
            out = io.BytesIO()
            subset.save_font(loaded, out, options)
        finally:
            loaded.close()
    except Exception as e:  # a damaged font file: the picture is still drawn, without it
        raise FontUnavailable(f"could not cut a subset of the font: {e}") from None
    return out.getvalue()


# Characters every picture is likely to need besides its labels.
COMMON = "".join(chr(c) for c in range(0x20, 0x7F)) + "\xa0—–→←・、。「」（）：＋〜"
# Above this many characters a superset is started afresh (it stays small).
SUPERSET_MAX = 4000


class _Superset:
    """The font cut down once to every character needed so far (a plain
    OpenType font of a few hundred KB at most): a new subset whose
    characters it has is cut from it in ~50 ms instead of ~1 s from the
    16 MB font. Kept in memory (an overview's pictures, a preview server,
    a docs build) and in the disk cache (the next `prep render` of an
    edited model). The bytes are the same either way (tests/test_fonts.py).
    """

    HEADER = b"prep-font-superset 1\n"

    def __init__(self) -> None:
        self.chars: frozenset[str] = frozenset()
        self.font: bytes | None = None
        self.base: bytes | None = None  # the base face from the cache (b"": none), read once
        self.lock = threading.Lock()

    @staticmethod
    def _file(font: Path) -> Path:
        return _cache_dir() / f"superset-{_key(font, '')}.bin"

    def _load(self, font: Path) -> None:
        """(lock held) the superset another process left in the cache."""
        try:
            data = self._file(font).read_bytes()
        except OSError:
            return
        head = len(self.HEADER)
        if not data.startswith(self.HEADER) or len(data) < head + 4:
            return
        n = int.from_bytes(data[head:head + 4], "big")
        try:
            chars = data[head + 4:head + 4 + n].decode("utf-8")
        except UnicodeDecodeError:
            return
        otf = data[head + 4 + n:]
        if otf[:4] == b"OTTO":
            self.font, self.chars = otf, frozenset(chars)

    def _save(self, font: Path) -> None:
        chars = "".join(sorted(self.chars)).encode("utf-8")
        cachefile.save(self._file(font), self.HEADER + len(chars).to_bytes(4, "big") + chars + self.font)

    def _ensure(self, font: Path, text: str) -> None:
        """(lock held) make the superset hold `text`'s characters."""
        if self.font is None:
            self._load(font)
        if self.font is not None and set(text) <= self.chars:
            return
        keep = self.chars if len(self.chars) + len(text) <= SUPERSET_MAX else frozenset()
        chars = frozenset(keep | set(text) | set(COMMON))
        growing = self.font is not None  # an edit brought characters new to the superset
        self.font = None
        if chars <= base_characters():  # cut from the base face when a preview left one: 0.05 s, not 0.5-1 s
            base = base_font(cut=False)
            if base is not None:
                try:
                    self.font = _cut(base, "".join(sorted(chars)), None)
                except FontUnavailable:  # a damaged base: from the font itself
                    pass
            elif growing:  # the next edits' subsets will be cut from it, once it is there
                cut_base_later(font)
        if self.font is None:
            self.font = _cut(font, "".join(sorted(chars)), None)
        self.chars = chars
        self._save(font)

    def cut(self, font: Path, text: str, flavor: str) -> bytes:
        with self.lock:
            if self.font is None:
                self._load(font)
            if (self.font is None or not set(text) <= self.chars) and set(text) <= base_characters():
                # characters new to the superset: cut from the base face a
                # preview left (the same bytes) rather than grow the
                # superset first (0.15-0.5 s more)
                if self.base is None:
                    self.base = base_font(cut=False) or b""
                if self.base:
                    try:
                        return _cut(self.base, text, flavor)
                    except FontUnavailable:
                        self.base = b""
            self._ensure(font, text)
            try:
                return _cut(self.font, text, flavor)
            except FontUnavailable:  # a damaged superset from the cache: start afresh from the font
                self.font, self.chars = None, frozenset()
                self._ensure(font, text)
                return _cut(self.font, text, flavor)

    def prepare(self, font: Path, text: str) -> None:
        with self.lock:
            self._ensure(font, text)


_SUPERSET = _Superset()


# ---- the base face: the characters Japanese text is written in, cut once

def _cp932_characters() -> str:
    """Every character of Windows' Japanese code page (cp932): JIS X 0208
    levels 1 and 2 (kana, 6,355 kanji, symbols, full-width Latin), the NEC
    and IBM extensions (①, ㈱, 髙) and half-width kana. Derived from Python's
    own codec: no list to keep."""
    chars = {bytes([c]).decode("cp932") for c in range(0x20, 0x7F)} | {
        bytes([c]).decode("cp932") for c in range(0xA1, 0xE0)}
    for lead in (*range(0x81, 0xA0), *range(0xE0, 0xFD)):
        for trail in (*range(0x40, 0x7F), *range(0x80, 0xFD)):
            try:
                chars.add(bytes([lead, trail]).decode("cp932"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(ch for ch in chars if not 0xE000 <= ord(ch) <= 0xF8FF))  # not the private use area


@lru_cache(maxsize=1)
def base_characters() -> frozenset[str]:
    """The characters of the base face (see base_font): cp932's and COMMON."""
    return frozenset(_cp932_characters()) | frozenset(COMMON)


def _whole_otf(data: bytes) -> bool:
    """An OpenType font whose every table lies within `data` (a file cut
    short is cut again)."""
    if data[:4] != b"OTTO" or len(data) < 12:
        return False
    tables = int.from_bytes(data[4:6], "big")
    if len(data) < 12 + 16 * tables:
        return False
    for i in range(tables):
        record = data[12 + 16 * i:28 + 16 * i]
        if int.from_bytes(record[8:12], "big") + int.from_bytes(record[12:16], "big") > len(data):
            return False
    return True


def _base_file(font: Path) -> Path:
    return _cache_dir() / f"base-{_key(font, 'base 1: cp932 without private use, COMMON')}.otf"


def base_font(cut: bool = True) -> bytes | None:
    """The base face: the font cut down to base_characters() (7,488;
    the font lacks only ≒), a plain OpenType font of about 1.5 MB
    made with the options of every other subset. Cut once (about 3 s) and
    kept in the cache folder; None when it is not there and `cut` is false.
    A live page loads it once and then draws any text in these characters
    without a new face (prep serve), and a subset of them is cut from it,
    not from the 16 MB font. Raises FontUnavailable."""
    font = font_path()
    if font is None:
        raise FontUnavailable("the font package noto-cjk-sans-jp-regular is not installed")
    path = _base_file(font)

    def cached() -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if _whole_otf(data) else None

    data = cached()
    if data is not None or not cut:
        return data
    with _BASE_CUT:  # one cut per process: previews started together wait for the first
        data = cached()
        if data is not None:
            return data
        marker = _mark_cutting(path)  # a render's cut_base_later then starts no second cut
        try:
            data = _cut(font, "".join(sorted(base_characters())), None)
            cachefile.save(path, data)
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)
        return data


def _mark_cutting(path: Path) -> Path | None:
    """The marker file saying the base face at `path` is being cut (see
    cut_base_later); None when another process holds a fresh one or the
    folder cannot be written."""
    marker = path.with_suffix(".cutting")
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            import time

            if time.time() - marker.stat().st_mtime < BASE_CUT_STALE_SECONDS:
                return None  # another process is cutting it
            marker.unlink(missing_ok=True)  # left by a cut that was killed
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
    except OSError:
        return None
    return marker


_BASE_CUT = threading.Lock()

# A background cut of the base face younger than this is taken to be still
# running (its marker file is left behind only when it was killed).
BASE_CUT_STALE_SECONDS = 600


def cut_base_later(font: Path) -> bool:
    """Start cutting the base face in a process of its own, at low priority,
    which outlives this one; True when one was started. `prep render` asks
    for it when an edit brings characters new to the cached superset (the
    superset then grows from the 16 MB font: 0.5-0.9 s of every such render;
    from the base face 0.05 s) and no preview has left a base face yet. The
    render does not wait: it cuts from the font as before, and the renders
    after the cut (3-8 s of one core, once per machine) are the quicker.
    At most one cut per cache folder at a time (a marker file); none with
    PREP_NO_BACKGROUND_FONT=1. Its bytes are those base_font() cuts."""
    if os.environ.get("PREP_NO_BACKGROUND_FONT") == "1":
        return False
    marker = _mark_cutting(_base_file(font))
    if marker is None:  # being cut (prep serve, another render), or a folder that cannot be written
        return False
    import subprocess
    import sys

    package_root = str(Path(__file__).resolve().parents[2])  # this prep, whatever sys.path the child has
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH")))))
    try:
        subprocess.Popen([sys.executable, "-c", "from prep.renderer.webfont import _cut_base_here; _cut_base_here()",
                          str(marker)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        marker.unlink(missing_ok=True)
        return False
    return True


def _cut_base_here() -> None:
    """(the process cut_base_later starts) Cut the base face into the cache
    folder, then remove the marker (sys.argv[1]). Nothing is written when
    the folder has gone meanwhile (a test's temporary cache)."""
    import sys

    marker = Path(sys.argv[1])
    try:
        if hasattr(os, "nice"):
            os.nice(10)  # the user's next render comes first
        font = font_path()
        if font is None or base_font(cut=False) is not None:
            return
        data = _cut(font, "".join(sorted(base_characters())), None)
        if marker.parent.is_dir():
            cachefile.save(_base_file(font), data)
    except Exception:  # noqa: BLE001 - nobody to tell: the renders go on cutting from the font
        pass
    finally:
        marker.unlink(missing_ok=True)


_MAGIC = {"woff2": b"wOF2", "woff": b"wOFF"}


def _read_cached(path: Path) -> tuple[bytes, str] | None:
    """A cached subset, when there is a whole one (a file cut short by a
    full disk is recomputed: its length is in its header)."""
    for flavor, magic in _MAGIC.items():
        try:
            data = path.with_suffix("." + flavor).read_bytes()
        except OSError:
            continue
        if data[:4] == magic and len(data) >= 12 and int.from_bytes(data[8:12], "big") == len(data):
            try:  # used now: the last to be forgotten
                os.utime(path.with_suffix("." + flavor))
            except OSError:
                pass
            return data, flavor
    return None


def _write_cached(path: Path, data: bytes, flavor: str) -> None:
    """Atomically, and forget the oldest entries beyond CACHE_KEEP; a cache
    that cannot be written is no error."""
    if not cachefile.save(path.with_suffix("." + flavor), data):
        return
    global _writes
    _writes += 1
    if _writes % 50 != 1:  # look at the folder on the first write, then every 50th
        return
    try:
        entries = list(path.parent.glob("*.woff*"))
        if len(entries) > CACHE_KEEP:  # forget a tenth at once, not one file per write
            entries.sort(key=lambda p: p.stat().st_mtime_ns)
            for old in entries[:len(entries) - CACHE_KEEP * 9 // 10]:
                old.unlink(missing_ok=True)
    except OSError:
        pass


_writes = 0  # subsets this process wrote to the cache


@lru_cache(maxsize=64)
def font_subset(text: str) -> tuple[bytes, str]:
    """The bundled font cut down to the characters of `text`: (bytes,
    "woff2" or "woff"). Raises FontUnavailable."""
    font = font_path()
    if font is None:
        raise FontUnavailable("the font package noto-cjk-sans-jp-regular is not installed")
    cached = _cache_dir() / _key(font, text)
    hit = _read_cached(cached)
    if hit is not None:
        return hit
    flavor = _flavor()
    data = _SUPERSET.cut(font, text, flavor)
    _write_cached(cached, data, flavor)
    return data, flavor


def prepare(text: str) -> None:
    """Cut the font down to `text`'s characters now, so that the subsets
    of the pictures drawn next (each with some of them) are quick: an
    overview and its drill-downs. Never raises: a missing font is
    reported when a picture asks for it."""
    font = font_path()
    if font is None:
        return
    try:
        _SUPERSET.prepare(font, text)
    except FontUnavailable:
        pass


def unicode_range(text: str) -> str:
    """`text`'s characters as a CSS unicode-range: U+20-7E,U+3042,..."""
    points = sorted({ord(ch) for ch in text})
    spans: list[list[int]] = []
    for cp in points:
        if spans and cp == spans[-1][1] + 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in spans)


@lru_cache(maxsize=8)
def font_face_css(text: str, family: str = FONT_FAMILY) -> str:
    """An @font-face rule carrying the subset for `text`. `family` is a
    fixed name (never model text). The unicode-range says which characters
    the face has: several SVGs inline in one HTML page each bring a face of
    the same family, and the browser takes each character from a face that
    has it."""
    data, flavor = font_subset(text)
    encoded = base64.b64encode(data).decode("ascii")
    return (f"@font-face{{font-family:'{family}';font-style:normal;font-weight:400;"
            f"src:url(data:font/{flavor};base64,{encoded}) format('{flavor}');"
            f"unicode-range:{unicode_range(text)};}}")


def embed_font(svg: bytes, shared: str | None = None) -> bytes:
    """`svg` with a <style> holding the subset of the font it draws with,
    right after the <svg> tag; the subset for the characters `shared` (see
    shared_subset) when it has all the picture draws. Raises
    FontUnavailable."""
    text = used_characters(svg.decode("utf-8"))
    if not text:
        return svg
    m = _SVG_OPEN.search(svg)
    if m is None:
        return svg
    if shared is not None and set(text) <= set(shared):
        text = shared
    style = f'\n<defs><style type="text/css">{font_face_css(text)}</style></defs>'.encode("ascii")
    return svg[:m.end()] + style + svg[m.end():]


# An overview's pictures share one subset (every character of the model)
# when it is at most this big: cutting a subset costs about 0.15 s, and an
# overview of 10,000 deliverables has 200 pictures, each drawing most of
# the few hundred characters a model of that kind uses.
SHARED_SUBSET_MAX = 48 * 1024


def shared_subset(text: str) -> str | None:
    """The characters of `text` (and the common ones) when their subset is
    small enough for every picture of a set to carry (SHARED_SUBSET_MAX),
    the subset then cut and kept; None when each picture had better carry
    its own, or when there is no font (each picture then warns)."""
    chars = "".join(sorted(set(text) | set(COMMON)))
    try:
        data, _ = font_subset(chars)
    except FontUnavailable:
        return None
    return chars if len(data) <= SHARED_SUBSET_MAX else None


def page_font_css(svgs, what: str = "the page") -> str:
    """One @font-face for several pictures inline in one HTML page (the
    glyphs they all draw), instead of a copy of the font in each; '' (with
    a warning: the pictures still name the font) when it cannot be had."""
    text = "".join(sorted(set("".join(used_characters(s.decode("utf-8") if isinstance(s, bytes) else s)
                                      for s in svgs))))
    if not text:
        return ""
    try:
        return font_face_css(text)
    except FontUnavailable as e:
        import warnings

        warnings.warn(f"{what} is written without its font: {e}", FontNotEmbedded, stacklevel=2)
        return ""
