"""`prep render` and `prep.render`: the picture is checked by parsing it."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

import prep
from conftest import EXAMPLES, run_prep

SVG = "{http://www.w3.org/2000/svg}"

MODEL = """\
title "機能追加"
deliverable 要望 [external]
knowhow 開発ノウハウ [owner: [リーダー, チーム]]
deliverable サービス "Added service" [final]
要望, 開発ノウハウ -> サービス
候補A, 候補B ~> 日程
サービス <~> 承認
group 営業部 "Sales" {
  deliverable 提案書
  group 内側 { knowhow 話法 }
}
提案書, 話法 -> サービス
"""


@pytest.fixture(scope="module")
def svg_root():
    return ET.fromstring(prep.render(prep.loads(MODEL), "svg"))


def _nodes(root):
    """{title text: <g> element} for every node group."""
    out = {}
    for g in root.iter(f"{SVG}g"):
        if "node" in (g.get("class") or "").split():
            out[g.find(f"{SVG}title").text] = g
    return out


def _edges(root):
    return [g for g in root.iter(f"{SVG}g") if "edge" in (g.get("class") or "").split()]


def _texts(g):
    return [t.text for t in g.iter(f"{SVG}text")]


def test_tangible_boxes_are_solid_and_knowhow_boxes_dashed(svg_root):
    nodes = _nodes(svg_root)
    by_label = {tuple(_texts(g)): g for g in nodes.values()}
    knowhow = by_label[("開発ノウハウ", "(リーダー, チーム)")]
    tangible = by_label[("Added service",)]
    assert "prep-knowhow" in knowhow.get("class")
    assert knowhow.find(f"{SVG}polygon").get("stroke-dasharray")
    assert "prep-deliverable" in tangible.get("class")
    assert tangible.find(f"{SVG}polygon").get("stroke-dasharray") is None
    # final deliverables have a heavier border
    assert float(tangible.find(f"{SVG}polygon").get("stroke-width")) > 2


def test_edges_input_solid_sync_dashed_mutual_two_heads(svg_root):
    edges = _edges(svg_root)
    kinds = {}
    for e in edges:
        kind = [c for c in e.get("class").split() if c.startswith("prep-")][0]
        kinds.setdefault(kind, []).append(e)
    assert len(kinds["prep-input"]) == 4 and len(kinds["prep-sync"]) == 2 and len(kinds["prep-mutual"]) == 1
    for e in kinds["prep-input"]:
        assert e.find(f"{SVG}path").get("stroke-dasharray") is None
    for e in kinds["prep-sync"] + kinds["prep-mutual"]:
        assert e.find(f"{SVG}path").get("stroke-dasharray")
    assert len(kinds["prep-mutual"][0].findall(f"{SVG}polygon")) == 2  # arrowheads at both ends
    assert len(kinds["prep-sync"][0].findall(f"{SVG}polygon")) == 1


def test_groups_are_labelled_frames(svg_root):
    clusters = [g for g in svg_root.iter(f"{SVG}g") if "cluster" in (g.get("class") or "").split()]
    labels = sorted(t for c in clusters for t in _texts(c))
    assert labels == ["Sales", "内側"]


def test_titles_name_deliverables_and_svg_font_stack(svg_root):
    titles = set(_nodes(svg_root))
    assert "Added service (サービス) — deliverable" in titles
    assert "開発ノウハウ — knowhow; owners: リーダー, チーム" in titles
    fonts = {t.get("font-family") for t in svg_root.iter(f"{SVG}text")}
    assert len(fonts) == 1
    stack = fonts.pop()
    for family in ("Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", "sans-serif"):
        assert family in stack
    # the title is drawn
    assert "機能追加" in [t.text for t in svg_root.iter(f"{SVG}text")]


def test_off_page_markers_are_titled_by_what_they_say(tmp_path, cli):
    """A marker's tooltip in an SVG page showed its internal name
    ("→ 拡大機会, p. 2 (\u2063offpage:0:1) — deliverable"), and an arrow's
    "成功計画 → \u2063offpage:0:0": it says what the marker says."""
    out = tmp_path / "m.svg"
    r = cli("render", str(EXAMPLES / "cs-lifecycle.prep"), "--page", "16:9", "--no-embed-fonts", "-o", str(out))
    assert r.exit_code == 0, r.output
    svg = "".join((tmp_path / f"m-{k}.svg").read_text(encoding="utf-8") for k in (1, 2, 3))
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert not [t for t in titles if "offpage" in t or "\u2063" in t]
    assert "→ 拡大機会, p. 2 — off-page marker" in titles
    assert "成功計画 → 研修資料 +2" in titles and "成功計画 +2 → 研修資料" in titles, titles


def test_output_is_deterministic():
    m = prep.loads(MODEL)
    assert prep.render(m, "svg") == prep.render(prep.loads(MODEL), "svg")
    assert prep.render(m, "dot") == prep.render(prep.loads(MODEL), "dot")


def test_output_is_deterministic_across_processes(tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    outs = []
    for i in range(2):
        r = run_prep("render", "m.prep", "-o", f"m{i}.svg", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        outs.append((tmp_path / f"m{i}.svg").read_bytes())
    assert outs[0] == outs[1]


def test_direction_and_legend():
    m = prep.loads(MODEL)
    assert "direction TB" in prep.render(m, "dot", direction="TB").decode().splitlines()[1]
    assert "direction LR" in prep.render(m, "dot").decode().splitlines()[1]
    root = ET.fromstring(prep.render(m, "svg", legend=True))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for word in ("Legend", "deliverable", "knowhow", "input", "synchronization", "mutual synchronization"):
        assert word in texts
    assert "Legend" not in [t.text for t in ET.fromstring(prep.render(m, "svg")).iter(f"{SVG}text")]


def test_formats_by_extension_and_stdout(tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    magic = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "dot": b"digraph prep {",
             "json": b"{"}
    for fmt, head in magic.items():
        r = run_prep("render", "m.prep", "-o", f"out.{fmt}", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / f"out.{fmt}").read_bytes().startswith(head)
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert {d["name"] for d in data["deliverables"]} >= {"要望", "開発ノウハウ", "サービス"}
    r = run_prep("render", "m.prep", "-o", "-", "--format", "dot", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith(b"digraph prep {")
    # --format overrides the extension (as Graphviz's -T), and says so: "-o x.drawio --format png"
    # wrote a PNG named x.drawio, which draw.io cannot open, without a word
    r = run_prep("render", "m.prep", "-o", "x.svg", "--format", "dot", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "x.svg").read_bytes().startswith(b"digraph")
    assert "note: writing dot to x.svg (--format wins over the extension '.svg'); give -o x.dot" in r.stderr.decode()
    r = run_prep("render", "m.prep", "-o", "x.out", "--format", "png", cwd=tmp_path)   # no format's extension: quiet
    assert r.returncode == 0 and "note" not in r.stderr.decode()
    r = run_prep("render", "m.prep", "-o", "x.json", "--format", "layout", cwd=tmp_path)   # the layout is JSON
    assert r.returncode == 0 and "note" not in r.stderr.decode()


def test_default_output_next_to_each_input(tmp_path, cli):
    for name in ("a", "b"):
        (tmp_path / f"{name}.prep").write_text("x, y -> z\n")
    result = cli("render", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"))
    assert result.exit_code == 0
    assert (tmp_path / "a.svg").read_bytes().startswith(b"<?xml")
    assert (tmp_path / "b.svg").read_bytes().startswith(b"<?xml")
    result = cli("render", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), "-o", "x.svg")
    assert result.exit_code == 2 and "-o/--output takes one input file" in result.output


def test_failed_render_keeps_previous_output(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text("a, b -> c\n")
    assert run_prep("render", "m.prep", cwd=tmp_path).returncode == 0
    good = (tmp_path / "m.svg").read_bytes()
    src.write_text("a, b => c\n")
    r = run_prep("render", "m.prep", cwd=tmp_path)
    assert r.returncode == 2
    assert (tmp_path / "m.svg").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep", "m.svg"]


def test_dot_escapes_user_text():
    m = prep.loads('deliverable a "quote \\" back\\\\slash \\N <b>x</b>"\na, b -> c')
    dot = prep.render(m, "dot").decode()
    assert 'label="quote \\" back\\\\slash \\\\N <b>x</b>"' in dot


# ---------------------------------------------------------------- Japanese in PNG


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit, non-interlaced RGB(A) PNG into rows of raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6)
            bpp = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _render_png(label: str, env: dict | None = None) -> bytes:
    code = ("import sys, prep; m = prep.loads(sys.argv[1]); "
            "sys.stdout.buffer.write(prep.render(m, 'png'))")
    model = f'deliverable x "{label}"\n'
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code, model], capture_output=True, check=True,
                          env=full_env).stdout


def test_japanese_glyphs_render_in_png(tmp_path):
    one = _png_pixels(_render_png("顧客の要望リスト"))
    two = _png_pixels(_render_png("開発ノウハウ観点"))
    assert one[:2] == two[:2]  # same size: same number of full-width characters
    assert one[2] != two[2]    # different glyphs: with empty boxes they would be identical
    # without prep's bundled font (a fontconfig with no CJK font) the same
    # label draws differently: the bundled font is what makes the glyphs
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path}</dir>'
                    f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>")
    plain = _render_png("顧客の要望リスト", {"PREP_SYSTEM_FONTCONFIG": "1", "FONTCONFIG_FILE": str(conf)})
    assert _png_pixels(plain)[2] != one[2]


def test_pdf_embeds_the_font():
    data = prep.render(prep.loads('deliverable a "顧客の要望リスト"'), "pdf")
    assert b"/FontFile" in data
    assert b"NotoSansCJK" in data


def test_pdf_gives_the_same_bytes_at_any_time(tmp_path):
    # cairo dates each PDF when it draws it: prep dates it 2000-01-01, as the reports,
    # so rendering a model again gives the same file (for git, and for CI's goldens)
    model = EXAMPLES / "cs-onboarding.prep"
    for name, page in (("a.pdf", "none"), ("b.pdf", "A4-portrait")):
        r = run_prep("render", str(model), "-o", str(tmp_path / name), "--page", page)
        assert r.returncode == 0, r.stderr.decode()
        data = (tmp_path / name).read_bytes()
        assert b"/CreationDate (D:20000101000000" in data
        assert b"(D:20" not in data.replace(b"(D:20000101000000", b"")
    assert prep.render(prep.load(model), "pdf") == (tmp_path / "a.pdf").read_bytes()


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.prep")))
def test_examples_render(example, tmp_path):
    r = run_prep("render", str(EXAMPLES / example), "-o", str(tmp_path / "out.svg"), "--legend")
    assert r.returncode == 0, r.stderr.decode()
    root = ET.fromstring((tmp_path / "out.svg").read_bytes())
    assert len(_nodes(root)) >= 3


def test_docs_pictures_of_examples_are_current():
    """docs/examples/*.svg are the examples as rendered now
    (regenerate with `python docs/build_examples.py`)."""
    docs = Path(__file__).resolve().parent.parent / "docs" / "examples"
    for src in sorted(EXAMPLES.glob("*.prep")):
        expected = prep.render(prep.load(src), "svg", legend=True)
        pic = docs / (src.stem + ".svg")
        assert pic.exists(), f"missing {pic}"
        assert pic.read_bytes() == expected, f"{pic} is stale"


def test_docs_diff_pictures_are_current():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
    from build_examples import diff_pictures

    docs = Path(__file__).resolve().parent.parent / "docs" / "examples"
    for name, _, data in diff_pictures():
        if name.endswith(".svg"):
            assert (docs / name).read_bytes() == data, f"docs/examples/{name} is stale: run python docs/build_examples.py"


def test_an_empty_first_line_does_not_crash_graphviz(prep_run, tmp_path):
    # an empty display label with owners gives a label whose first line is
    # empty; the bundled Graphviz crashed (SIGSEGV) on it, killing prep
    (tmp_path / "m.prep").write_text('deliverable a "" [owner: 担当]\ndeliverable 計画書\na -> 計画書\n',
                                     encoding="utf-8")
    for fmt in ("svg", "png"):
        result = prep_run("render", "m.prep", "-o", f"m.{fmt}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f"m.{fmt}").stat().st_size > 0


def test_pdf_pages_join_in_order():
    import io

    import pypdf

    from prep.renderer.pdfpages import PdfError, merge

    models = [prep.loads(f"a{i}, b{i} -> c{i}\n", f"m{i}.prep") for i in range(3)]
    pdfs = [prep.render(m, "pdf") for m in models]
    joined = pypdf.PdfReader(io.BytesIO(merge(pdfs)), strict=True)
    assert len(joined.pages) == 3
    for i, page in enumerate(joined.pages):
        assert f"c{i}" in page.extract_text()
    assert merge(pdfs[:1]) == pdfs[0]
    with pytest.raises(PdfError):
        merge([pdfs[0], b"%PDF-1.7 not really"])


def test_no_graphviz_noise_about_big_graphs_reaches_the_user(tmp_path):
    """pygraphviz warns "layout may take a long time" above 1,000 nodes, even
    when it only draws boxes prep has placed: a prep user never sees it."""
    nodes = "\n".join(f'n{i} [pos="{i * 10},0", width=0.1, height=0.1, label=""];' for i in range(1001))
    dot = f'digraph g {{ graph [bb="0,0,10020,20"]; node [shape=box]; {nodes} }}'
    script = tmp_path / "draw.py"
    script.write_text("import sys\nfrom prep.layouter.graphviz import draw\n"
                      "data = draw(sys.stdin.read(), 'svg')\nassert data.startswith(b'<?xml')\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], input=dot.encode(), capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"layout may take a long time" not in result.stderr
    assert b"Warning" not in result.stderr


# ------------------------------------------------------------ long labels wrapped


def test_long_label_lines_are_wrapped_where_they_can_break():
    """A label line wider than 20 ems is drawn wrapped: at spaces (Latin),
    between CJK characters but never before a closing mark, a word longer
    than a line whole; a line that fits, and `\\n` breaks, as written."""
    from prep.layouter.texts import WRAP_EM, text_em, wrap_line

    latin = "Customer requirements collected in the discovery workshops with every regional sales team and partner"
    lines = wrap_line(latin)
    assert len(lines) == 3 and " ".join(lines) == latin and all(text_em(x) <= WRAP_EM for x in lines)
    jp = "顧客の要件を地域営業チームとパートナーの全員とのディスカバリーワークショップで収集したもの、最終版。"
    lines = wrap_line(jp)
    assert "".join(lines) == jp and len(lines) == 3
    assert all(text_em(x) <= WRAP_EM + 1 for x in lines)   # a closing mark may stay at a line's end
    assert not any(x[0] in "、。" for x in lines)
    assert wrap_line("ローカル " + "x" * 60) == ["ローカル", "x" * 60]   # a word wider than a line: whole
    word = "x" * 30 + "." + "y" * 20   # window.pwned: no break inside a word, at its dot
    assert wrap_line(word) == [word]
    assert wrap_line("Customer request list") == ["Customer request list"]
    short = prep.loads('deliverable a "第一行\\n第二行"\na -> b\n', "f.prep")
    assert [t.text for t in prep.layout(short).texts if t.kind == "label" and t.owner == "a"] == ["第一行\n第二行"]


def test_a_long_label_is_a_box_of_wrapped_lines_in_every_format(tmp_path):
    """The 90-character label drawn in three lines, in a box of about 20
    ems (it was one line 500 pt wide); the owners' line too; the layout,
    the PowerPoint and the check of collisions agree on the lines."""
    from prep.layouter.collisions import problems

    text = ('deliverable req "Customer requirements collected in the discovery workshops with every regional '
            'sales team and partner"\n'
            'knowhow kh "Negotiation knowhow" [owner: ["Regional sales director for Asia Pacific", '
            '"Key account manager of the largest customers"]]\nreq, kh -> plan\n')
    model = prep.loads(text, "long.prep")
    lay = prep.layout(model)
    labels = {t.owner: t.text for t in lay.texts if t.kind == "label"}
    assert labels["req"].count("\n") == 2 and labels["kh"].count("\n") >= 2
    assert lay.nodes["req"].width < 260 and lay.nodes["kh"].width < 260   # 12 pt: 20 ems and margins
    assert problems(lay, model) == []
    pptx = pytest.importorskip("pptx")
    out = tmp_path / "long.pptx"
    out.write_bytes(prep.render(model, "pptx"))
    shapes = {s.name: s for s in pptx.Presentation(str(out)).slides[0].shapes}
    assert shapes["req"].text_frame.text.replace("\v", "\n") == labels["req"]
