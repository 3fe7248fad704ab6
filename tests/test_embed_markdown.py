"""`prep md` (fences -> SVG files + image links) and the Python-Markdown /
MkDocs extension (fences -> inline SVG). Outputs are read back: the rewritten
Markdown, the SVG files parsed as XML, the HTML parsed for its <svg>."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET


SVG = "{http://www.w3.org/2000/svg}"

DOC = """\
# Notes

```prep
title "見積 [v2]"
deliverable req "顧客要望"
knowhow k "開発ノウハウ"
req, k -> plan
```

Code that shows a fence is left alone:

````markdown
```prep
not -> drawn
```
````

~~~prep direction=TB
a ~> b
~~~
"""


def svg_texts(data: bytes | str) -> set[str]:
    root = ET.fromstring(data)
    return {t.text for t in root.iter(SVG + "text") if t.text}


def images_of(markdown: str) -> list[tuple[str, str]]:
    return re.findall(r"!\[((?:[^\]\\]|\\.)*)\]\(([^)]+)\)", markdown)


def test_md_renders_each_prep_fence_and_is_idempotent(cli, tmp_path):
    src = tmp_path / "notes.src.md"
    src.write_text(DOC, encoding="utf-8")
    out = tmp_path / "site" / "notes.md"
    out.parent.mkdir()
    result = cli("md", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    images = images_of(text)
    assert [alt for alt, _ in images] == [r"見積 \[v2\]", "prep diagram"]
    assert "```prep\nnot -> drawn\n```" in text  # inside another fence: untouched
    assert "<details>" not in text  # sources are kept only when asked
    first = out.parent / images[0][1]
    assert first.parent == out.parent and re.fullmatch(r"notes-prep-[0-9a-f]{10}\.svg", first.name)
    assert {"顧客要望", "開発ノウハウ", "plan", "見積 [v2]"} <= svg_texts(first.read_bytes())
    second = out.parent / images[1][1]
    assert {"a", "b"} <= svg_texts(second.read_bytes())
    # the TB option reached the layout: b is below a, not beside it
    dashed = [p for p in ET.fromstring(second.read_bytes()).iter(SVG + "path")
              if p.get("stroke-dasharray")]
    assert dashed

    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.parent.iterdir()}
    result = cli("md", str(src), "-o", str(out))
    assert result.exit_code == 0
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.parent.iterdir()}
    assert after == before  # nothing rewritten, not even touched
    # and running it on its own output changes nothing either
    result = cli("md", str(out))
    assert result.exit_code == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.parent.iterdir()} == before


def test_in_place_keeps_the_source_and_redraws_an_edited_block(cli, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(DOC, encoding="utf-8")
    assert cli("md", str(doc)).exit_code == 0
    once = doc.read_text(encoding="utf-8")
    assert once.count("<details><summary>prep source</summary>") == 2
    assert 'knowhow k "開発ノウハウ"' in once and "~~~prep" not in once and "```prep direction=TB" in once
    assert cli("md", str(doc)).exit_code == 0
    assert doc.read_text(encoding="utf-8") == once  # idempotent

    old_images = [name for _, name in images_of(once)]
    doc.write_text(once.replace('knowhow k "開発ノウハウ"', 'knowhow k "設計ノウハウ"'), encoding="utf-8")
    assert cli("md", str(doc)).exit_code == 0
    edited = doc.read_text(encoding="utf-8")
    new_images = [name for _, name in images_of(edited)]
    assert new_images[1] == old_images[1] and new_images[0] != old_images[0]
    assert "設計ノウハウ" in svg_texts((tmp_path / new_images[0]).read_bytes())


def test_no_keep_source_in_place_drops_the_fences(cli, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(DOC, encoding="utf-8")
    assert cli("md", str(doc), "--no-keep-source").exit_code == 0
    text = doc.read_text(encoding="utf-8")
    assert "<details>" not in text and 'knowhow k' not in text and len(images_of(text)) == 2
    assert cli("md", str(doc)).exit_code == 0
    assert doc.read_text(encoding="utf-8") == text


def test_error_in_a_block_points_into_the_markdown_file_and_writes_nothing(prep_run, tmp_path):
    doc = tmp_path / "bad.md"
    doc.write_text("# t\n\n```prep\na -> b\nc ->\n```\n", encoding="utf-8")
    proc = prep_run("md", "bad.md", "-o", "out.md", cwd=tmp_path)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "bad.md:5:" in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["bad.md"]


def test_unknown_fence_option_is_a_usage_error(cli, tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("```prep colour=red\na -> b\n```\n", encoding="utf-8")
    result = cli("md", str(doc), "-o", str(tmp_path / "o.md"))
    assert result.exit_code == 2
    assert "unknown option 'colour=red'" in result.output


# --------------------------------------------------------------------------
# Python-Markdown / MkDocs

import markdown  # noqa: E402 - in the test extra: a missing extra must fail, not skip


def svgs_in(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def test_python_markdown_extension_inlines_svg():
    html = markdown.markdown(DOC, extensions=["fenced_code", "prep.markdown_ext"])
    svgs = svgs_in(html)
    assert len(svgs) == 2
    texts = {t.text for t in svgs[0].iter(SVG + "text")}
    assert {"顧客要望", "開発ノウハウ", "plan"} <= texts
    assert "<?xml" not in html and "<!DOCTYPE" not in html
    assert 'class="prep-diagram"' in html
    # the fence shown inside another fence stays code
    assert '<code class="language-markdown">```prep\nnot -&gt; drawn' in html


def test_python_markdown_extension_config_and_errors(caplog):
    html = markdown.markdown("```prep\na -> b\n```\n\n```prep\nx ->\n```\n",
                             extensions=["prep.markdown_ext"],
                             extension_configs={"prep.markdown_ext": {"theme": "print"}})
    (svg,) = svgs_in(html)
    fills = {p.get("fill") for p in svg.iter(SVG + "polygon")}
    assert fills <= {"#ffffff", "white", "none", "#000000"}  # print theme: no colour fills
    assert '<pre class="prep-error">' in html and "&lt;markdown&gt;:6:" in html
    assert any("cannot draw a diagram" in r.getMessage() for r in caplog.records)


def test_superfences_formatter_draws_with_options():
    from prep.markdown_ext import superfences_format

    html = superfences_format('knowhow k "暗黙知"\nk -> out\n', "prep", "prep", {"direction": "TB"}, None)
    (svg,) = svgs_in(html)
    assert {"暗黙知", "out"} <= {t.text for t in svg.iter(SVG + "text")}
    bad = superfences_format("a -> b\n", "prep", "prep", {"colour": "red"}, None)
    assert bad.startswith('<pre class="prep-error">')
