"""Fonts travel with the picture (issue 14, item 3).

An SVG carries a subset of the font it names (Noto Sans CJK JP, shipped
as a dependency) with just the glyphs it draws, as WOFF2 in an
@font-face data URI; --no-embed-fonts leaves it out. The browser tests
open the SVG in headless Chromium on a machine with no Japanese font
(`fc-list :lang=ja` empty): with the font, Japanese labels are drawn at
the widths the layout measured; without it, at clearly other widths.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import prep
from conftest import run_prep
from browser import network_requests

SVG_NS = "{http://www.w3.org/2000/svg}"
FACE = re.compile(r"@font-face\{font-family:'Noto Sans CJK JP';font-style:normal;font-weight:400;"
                  r"src:url\(data:font/(woff2);base64,([A-Za-z0-9+/=]+)\) format\('woff2'\);unicode-range:U\+[0-9A-F]+(?:-[0-9A-F]+)?(?:,U\+[0-9A-F]+(?:-[0-9A-F]+)?)*;\}")
LONG = "顧客要望ヒアリング記録書"
MODEL = f"""title "受注から納品まで"
deliverable 記録 "{LONG}"
記録, 開発ノウハウ -> 設計書
設計書 -> テスト計画書 [note: "レビュー済み"]
"""
# Graphviz's margin left and right of a box label (BOX_MARGIN 0.14 in)
BOX_MARGIN_PT = 2 * 0.14 * 72


def styles(svg: bytes) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(SVG_NS + "style")]


def drawn_text(svg: bytes) -> set[str]:
    return {ch for el in ET.fromstring(svg).iter(SVG_NS + "text") for ch in (el.text or "")}


def embedded_font(svg: bytes):
    from fontTools.ttLib import TTFont

    (style,) = styles(svg)
    m = FACE.fullmatch(style)
    assert m, style[:200]
    return TTFont(io.BytesIO(base64.b64decode(m.group(2))))


@pytest.fixture(scope="module")
def model():
    return prep.loads(MODEL, "fonts.prep")


def test_svg_carries_a_subset_with_exactly_the_drawn_characters(model):
    svg = prep.render(model, "svg")
    font = embedded_font(svg)
    assert font.flavor == "woff2"
    covered = {chr(cp) for cp in font.getBestCmap()}
    drawn = drawn_text(svg)
    assert set(LONG) <= drawn and set("受注レビュー済み") <= drawn
    assert covered == drawn  # every glyph drawn, nothing else (the font has them all)
    assert len(font.getGlyphOrder()) <= len(drawn) + 1  # + .notdef
    assert font["name"].getDebugName(1) == "Noto Sans CJK JP"
    # a subset, not the 16 MB font
    assert len(svg) - len(prep.render(model, "svg", embed_fonts=False)) < 60_000


def test_text_asks_for_the_embedded_family(model):
    svg = prep.render(model, "svg")
    families = {el.get("font-family") for el in ET.fromstring(svg).iter(SVG_NS + "text")}
    assert families and all(f.startswith("'Noto Sans CJK JP',") for f in families)


def test_no_embed_fonts_leaves_it_out(model):
    svg = prep.render(model, "svg", embed_fonts=False)
    assert styles(svg) == [] and b"@font-face" not in svg


def test_png_and_pdf_are_unaffected(model):
    assert prep.render(model, "png") == prep.render(model, "png", embed_fonts=False)


def test_same_model_same_bytes_in_fresh_processes(tmp_path):
    """Deterministic output: the subset (and its timestamps) do not change
    between runs, with or without the disk cache."""
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    outs = []
    for i in range(2):
        out = tmp_path / f"m{i}.svg"
        r = run_prep("render", str(src), "-o", str(out), env={"XDG_CACHE_HOME": str(tmp_path / f"cache{i}")})
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
        assert list((tmp_path / f"cache{i}" / "prep" / "font-subsets").glob("*.woff2"))
    assert outs[0] == outs[1]
    # and from the cache
    out = tmp_path / "again.svg"
    assert run_prep("render", str(src), "-o", str(out), env={"XDG_CACHE_HOME": str(tmp_path / "cache0")}).returncode == 0
    assert out.read_bytes() == outs[0]


def test_a_damaged_cache_entry_is_not_trusted_blindly(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    good = tmp_path / "good.svg"
    assert run_prep("render", str(src), "-o", str(good), env=env).returncode == 0
    for entry in (tmp_path / "cache" / "prep" / "font-subsets").glob("*.woff2"):
        entry.write_bytes(b"")  # an interrupted writer or a full disk
    again = tmp_path / "again.svg"
    assert run_prep("render", str(src), "-o", str(again), env=env).returncode == 0
    assert again.read_bytes() == good.read_bytes()


def test_cli_embeds_by_default_and_no_embed_fonts_turns_it_off(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    with_font, without = tmp_path / "a.svg", tmp_path / "b.svg"
    assert cli("render", str(src), "-o", str(with_font)).exit_code == 0
    assert cli("render", str(src), "-o", str(without), "--no-embed-fonts").exit_code == 0
    assert len(styles(with_font.read_bytes())) == 1
    assert styles(without.read_bytes()) == []


def test_diff_and_overview_pictures_carry_the_font(cli, tmp_path):
    old, new = tmp_path / "old.prep", tmp_path / "new.prep"
    old.write_text(MODEL, encoding="utf-8")
    new.write_text(MODEL + "テスト計画書 -> 試験報告書\n", encoding="utf-8")
    out = tmp_path / "d.svg"
    assert cli("render", "--diff", str(old), str(new), "-o", str(out)).exit_code == 0
    font = embedded_font(out.read_bytes())
    assert set("試験報告書") <= {chr(cp) for cp in font.getBestCmap()}
    bare = tmp_path / "bare.svg"
    assert cli("render", "--diff", str(old), str(new), "-o", str(bare), "--no-embed-fonts").exit_code == 0
    assert styles(bare.read_bytes()) == []

    groups = tmp_path / "g.prep"
    groups.write_text("group 営業 {\n  deliverable 見積書\n}\ngroup 開発 {\n  deliverable 設計書\n}\n見積書 -> 設計書\n", encoding="utf-8")
    top = tmp_path / "g.svg"
    assert cli("render", str(groups), "-o", str(top), "--overview-above", "1").exit_code == 0
    pictures = [top] + sorted((tmp_path / "g.groups").glob("*.svg"))
    assert len(pictures) == 3
    # the overview carries just what it draws; its drill-downs, one subset of
    # every character of the model (small here): cut once, not once each
    assert {chr(cp) for cp in embedded_font(top.read_bytes()).getBestCmap()} == drawn_text(top.read_bytes())
    shared = [styles(p.read_bytes()) for p in pictures[1:]]
    assert shared[0] == shared[1]
    for picture in pictures[1:]:
        svg = picture.read_bytes()
        assert drawn_text(svg) | set("見積書設計書営業開発") <= {chr(cp) for cp in embedded_font(svg).getBestCmap()}


def test_overview_pictures_carry_their_own_subsets_when_the_shared_one_is_big(cli, tmp_path, monkeypatch):
    from prep.renderer import webfont

    monkeypatch.setattr(webfont, "SHARED_SUBSET_MAX", 0)
    groups = tmp_path / "g.prep"
    groups.write_text("group 営業 {\n  deliverable 見積書\n}\ngroup 開発 {\n  deliverable 設計書\n}\n見積書 -> 設計書\n",
                      encoding="utf-8")
    top = tmp_path / "g.svg"
    assert cli("render", str(groups), "-o", str(top), "--overview-above", "1").exit_code == 0
    pictures = [top] + sorted((tmp_path / "g.groups").glob("*.svg"))
    assert len(pictures) == 3
    for picture in pictures:
        svg = picture.read_bytes()
        assert {chr(cp) for cp in embedded_font(svg).getBestCmap()} == drawn_text(svg), picture


def test_markdown_and_sphinx_embeds_carry_the_font():
    from prep.embed.markdown_fences import FenceOptions, render_block

    svg = render_block(MODEL, FenceOptions(), "doc.md", 1)
    assert set(LONG) <= {chr(cp) for cp in embedded_font(svg).getBestCmap()}


# ------------------------------------------------------------------ in a real browser


def japanese_fonts() -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    # the machine's fonts: not the fontconfig file prep's renders point this process at
    env = {k: v for k, v in os.environ.items() if k not in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
    out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, env=env).stdout
    return [line for line in out.splitlines() if line.strip()]


WIDTHS = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const faces = [];
  document.fonts.forEach(f => faces.push([f.family, f.status]));
  const texts = {};
  for (const t of document.querySelectorAll('text')) texts[t.textContent] = t.getComputedTextLength();
  done({faces: faces, texts: texts});
});
"""


def open_svg(browser, path) -> dict:
    network_requests(browser)  # forget what the browser did before this page
    browser.get(path.as_uri())
    return browser.execute_async_script(WIDTHS)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory, model):
    folder = tmp_path_factory.mktemp("fonts")
    src = folder / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    for name, extra in (("with.svg", ()), ("without.svg", ("--no-embed-fonts",))):
        r = run_prep("render", str(src), "-o", str(folder / name), *extra)
        assert r.returncode == 0, r.stderr
    label_width = prep.layout(model).as_dict()["nodes"]["記録"]["width"] - BOX_MARGIN_PT
    return folder, label_width


def test_browser_draws_the_embedded_font_at_the_measured_width(browser, pictures):
    folder, label_width = pictures
    page = folder / "with.svg"
    seen = open_svg(browser, page)
    assert ["Noto Sans CJK JP", "loaded"] in seen["faces"], seen["faces"]
    width = seen["texts"][LONG]
    assert width == pytest.approx(label_width, rel=0.03), (width, label_width)
    # nothing left the page: the only request is the file itself
    assert set(network_requests(browser)) <= {page.as_uri()}


def test_without_the_font_the_browser_draws_other_widths(browser, pictures):
    """The contrast that shows the test above can fail: without a Japanese
    font (the browser sees the machine's Latin fonts only when one is
    installed), the bare SVG draws boxes (tofu) or a fallback at widths the
    layout did not measure."""
    folder, label_width = pictures
    if japanese_fonts():   # (Debian's LibreOffice brings one): a browser that sees Latin fonts only
        from browser import chromium

        latin = chromium(latin_only=True)
        try:
            seen = open_svg(latin, folder / "without.svg")
        finally:
            latin.quit()
    else:
        seen = open_svg(browser, folder / "without.svg")
    assert not any(family == "Noto Sans CJK JP" for family, _ in seen["faces"])
    width = seen["texts"][LONG]
    assert abs(width - label_width) / label_width > 0.10, (width, label_width)


def test_browser_loads_no_remote_font_for_a_hostile_model(browser, tmp_path):
    """Text from the model never reaches the <style>: a label that looks like
    CSS or a URL stays text, and the page asks for nothing."""
    src = tmp_path / "h.prep"
    src.write_text('deliverable a "}</style><style>@import url(http://127.0.0.1:9/x.css);"\n'
                   'deliverable b "@font-face{src:url(http://127.0.0.1:9/f.woff2)}"\na -> b\n', encoding="utf-8")
    out = tmp_path / "h.svg"
    assert run_prep("render", str(src), "-o", str(out)).returncode == 0
    (style,) = styles(out.read_bytes())
    assert FACE.fullmatch(style)
    seen = open_svg(browser, out)
    assert ["Noto Sans CJK JP", "loaded"] in seen["faces"]
    assert any("@import" in text for text in seen["texts"])
    assert set(network_requests(browser)) <= {out.as_uri()}


def test_two_pictures_inline_in_one_page_each_draw_at_their_widths(browser, tmp_path):
    """Sphinx and Markdown pages put several SVGs inline in one HTML
    document: every SVG brings a face of the same family, with its own
    characters, and each label still finds its glyphs. (Chromium also
    passes this without the faces' unicode-range, falling back from face
    to face; the range states it for any browser.)"""
    from prep.embed.report import _inline_svg

    first = prep.loads(f'deliverable 記録 "{LONG}"\n記録 -> 設計書\n', "a.prep")
    second = prep.loads('deliverable 伝票 "経理部門の月次締め報告"\n伝票 -> 帳簿\n', "b.prep")
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><meta charset=utf-8><body>" +
                    "".join(f"<div>{_inline_svg(prep.render(m, 'svg'))}</div>" for m in (first, second)) +
                    "</body>", encoding="utf-8")
    seen = open_svg(browser, page)
    assert [f for f in seen["faces"] if f[0] == "Noto Sans CJK JP"] == [["Noto Sans CJK JP", "loaded"]] * 2
    for m, name, label in ((first, "記録", LONG), (second, "伝票", "経理部門の月次締め報告")):
        expected = prep.layout(m).as_dict()["nodes"][name]["width"] - BOX_MARGIN_PT
        assert seen["texts"][label] == pytest.approx(expected, rel=0.03), label
    assert set(network_requests(browser)) <= {page.as_uri()}


def test_a_subset_is_the_same_whatever_the_process_drew_before(tmp_path):
    """A process cuts later subsets from one larger subset (quick); the bytes
    must be those a fresh process cuts from the whole font."""
    script = ("import sys, prep\n"
              "if sys.argv[2] == 'after-big':\n"
              "    prep.render(prep.loads(open(sys.argv[3], encoding='utf-8').read()), 'svg')\n"
              "sys.stdout.buffer.write(prep.render(prep.loads(sys.argv[1]), 'svg'))\n")
    big = tmp_path / "big.prep"
    big.write_text(MODEL + "テスト計画書 -> 試験報告書 [note: \"品質保証部の承認\"]\n経理伝票 -> 月次決算書\n",
                   encoding="utf-8")
    small = "設計書 -> 試験報告書\n"
    outs = []
    for i, mode in enumerate(("fresh", "after-big")):
        r = subprocess.run([sys.executable, "-c", script, small, mode, str(big)], capture_output=True,
                           env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path / f"c{i}")), timeout=120)
        assert r.returncode == 0, r.stderr.decode()
        outs.append(r.stdout)
    assert styles(outs[0]) and outs[0] == outs[1]


def test_a_subset_cut_from_the_base_face_is_the_one_cut_from_the_font(tmp_path, monkeypatch):
    """Once a preview has left the base face in the cache (prep serve),
    subsets are cut from it (0.03 s, not 0.2-1 s from the 16 MB font): the
    same bytes, and a character the base lacks still comes from the font."""
    from prep.renderer import webfont

    base = webfont.base_font()
    script = "import sys, prep\nsys.stdout.buffer.write(prep.render(prep.loads(sys.argv[1]), 'svg'))\n"
    outs = []
    for i, with_base in enumerate((False, True)):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"c{i}"))
        if with_base:
            target = webfont._base_file(webfont.font_path())
            target.parent.mkdir(parents=True)
            target.write_bytes(base)
        for model in ("鬱蔑 -> 璽鎧①\n", "鬱蔑 -> 𠮷野家\n"):
            r = subprocess.run([sys.executable, "-c", script, model], capture_output=True, timeout=120)
            assert r.returncode == 0, r.stderr.decode()
            outs.append(r.stdout)
    assert styles(outs[0]) and outs[:2] == outs[2:]


def test_stable_rerenders_with_new_kanji_carry_exactly_the_drawn_glyphs(tmp_path, monkeypatch):
    """prep render --stable after saves that bring kanji never drawn, with
    the base face in the cache (their subsets are cut from it): each SVG
    carries exactly the glyphs it draws, and the boxes stay where they were
    (a rank's column widens for a wider label, nothing more)."""
    import json

    from prep.renderer import webfont

    base = webfont.base_font()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = webfont._base_file(webfont.font_path())
    target.parent.mkdir(parents=True)
    target.write_bytes(base)
    src, svg, places = tmp_path / "m.prep", tmp_path / "m.svg", tmp_path / "m.layout.json"
    text = MODEL
    src.write_text(text, encoding="utf-8")
    first = None
    for word in ("鬱蔑", "璽鎧台帳", "麒麟①"):
        r = run_prep("render", str(src), "--stable", str(places), "-o", str(svg))
        assert r.returncode == 0, r.stderr
        picture = svg.read_bytes()
        assert {chr(cp) for cp in embedded_font(picture).getBestCmap()} == drawn_text(picture)
        nodes = json.loads(places.read_text(encoding="utf-8"))["nodes"]
        first = first or nodes
        # the same rows; a column only widens for a wider new label
        assert all(nodes[n]["y"] == b["y"] and abs(nodes[n]["x"] - b["x"]) < 36 for n, b in first.items())
        text += f"記録 -> {word}\n"
        src.write_text(text, encoding="utf-8")
    assert set("璽鎧台帳") <= drawn_text(picture)


def test_the_base_face_is_cut_once_and_kept(tmp_path, monkeypatch):
    """Previews started together in one process cut the base face once (the
    others wait for it); then it comes from the cache folder, and a file
    cut short there is cut again."""
    import threading
    import time

    from prep.renderer import webfont

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cuts = []
    fake = b"OTTO" + bytes(8)  # an OpenType header with no tables: whole

    def cut(source, text, flavor):
        cuts.append(len(text))
        time.sleep(0.2)
        return fake

    monkeypatch.setattr(webfont, "_cut", cut)
    assert webfont.base_font(cut=False) is None
    got = []
    threads = [threading.Thread(target=lambda: got.append(webfont.base_font())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [fake] * 3 and cuts == [len(webfont.base_characters())]
    assert webfont.base_font(cut=False) == fake and len(cuts) == 1
    path = webfont._base_file(webfont.font_path())
    path.write_bytes(b"OTTO\x00\x05" + bytes(6))  # five tables announced, none there
    assert webfont.base_font(cut=False) is None
    assert webfont.base_font() == fake and len(cuts) == 2


def test_without_fonttools_the_svg_is_still_written_with_a_plain_warning(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "m.svg"
    script = ("import sys; sys.modules['fontTools'] = None\n"  # as if it were not installed
              "sys.argv = ['prep', 'render', sys.argv[1], '-o', sys.argv[2]]\n"
              "from prep.cli import main; main()\n")
    r = subprocess.run([sys.executable, "-c", script, str(src), str(out)], capture_output=True, text=True,
                       env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache")), timeout=120)
    assert r.returncode == 0, r.stderr
    assert "prep: warning: the SVG is written without its font: fontTools is not installed" in r.stderr
    assert "Traceback" not in r.stderr and "RuntimeWarning" not in r.stderr and "FontNotEmbedded" not in r.stderr
    assert styles(out.read_bytes()) == [] and set(LONG) <= drawn_text(out.read_bytes())


def test_the_network_check_sees_a_remote_font(browser, tmp_path):
    """The control for the 'nothing left the page' checks above: a picture
    that does ask for a remote font is caught."""
    page = tmp_path / "remote.svg"
    page.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40"><style>'
                    "@font-face{font-family:X;src:url(http://127.0.0.1:9/f.woff2)}text{font-family:X}"
                    '</style><text x="0" y="20">日本</text></svg>', encoding="utf-8")
    open_svg(browser, page)
    assert "http://127.0.0.1:9/f.woff2" in network_requests(browser)


def test_an_edit_with_new_kanji_cuts_the_base_face_in_the_background(tmp_path):
    """`prep render` on a machine where no preview ran: the first edit that
    brings characters new to the cached superset starts cutting the base
    face in a process of its own (the render does not wait); once it is
    there, it is the face base_font() cuts, and the pictures cut from it
    are byte for byte those cut from the font."""
    import time

    from prep.renderer import webfont

    base = webfont.base_font()  # the test process's own cache
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache), "PREP_NO_BACKGROUND_FONT": "0"}
    src = tmp_path / "m.prep"
    svgs = []
    for i, text in enumerate((MODEL, MODEL + "記録 -> 鬱蔑台帳\n")):
        src.write_text(text, encoding="utf-8")
        r = run_prep("render", str(src), "-o", str(tmp_path / f"{i}.svg"), env=env)
        assert r.returncode == 0, r.stderr
        svgs.append((tmp_path / f"{i}.svg").read_bytes())
    target = cache / "prep" / "font-subsets" / webfont._base_file(webfont.font_path()).name
    end = time.monotonic() + 120
    while not target.exists() or target.with_suffix(".cutting").exists():
        assert time.monotonic() < end, "the base face was not cut in the background"
        time.sleep(0.2)
    assert target.read_bytes() == base
    for entry in [*target.parent.glob("*.woff*"), *target.parent.glob("superset-*")]:
        entry.unlink()  # the picture's subset cut again, now from the base face
    r = run_prep("render", str(src), "-o", str(tmp_path / "again.svg"), env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "again.svg").read_bytes() == svgs[1]
    assert {chr(cp) for cp in embedded_font(svgs[1]).getBestCmap()} == drawn_text(svgs[1])


def test_one_background_cut_at_a_time_and_none_when_switched_off(tmp_path, monkeypatch):
    from prep.renderer import webfont

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    font = webfont.font_path()
    marker = webfont._base_file(font).with_suffix(".cutting")
    monkeypatch.setenv("PREP_NO_BACKGROUND_FONT", "1")
    assert not webfont.cut_base_later(font) and not marker.exists()
    monkeypatch.setenv("PREP_NO_BACKGROUND_FONT", "0")
    marker.parent.mkdir(parents=True)
    marker.write_bytes(b"")  # another process is cutting it
    assert not webfont.cut_base_later(font)
    marker.unlink()
    seen = []

    def cut(source, text, flavor):  # prep serve cutting it: a render starts no second cut meanwhile
        seen.append(webfont.cut_base_later(font))
        return b"OTTO" + bytes(8)

    monkeypatch.setattr(webfont, "_cut", cut)
    assert webfont.base_font() and seen == [False] and not marker.exists()
