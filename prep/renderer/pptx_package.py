"""Package-level parts of prep's .pptx: the embedded font and the theme's
fonts (python-pptx has no API for either).

The font is stored as PowerPoint's own "Embed fonts" stores it (ECMA-376
Part 1 §15.2.13 and §19.2.1.26-27; [MS-OI29500] 2.1.32):

- the part /ppt/fonts/font1.fntdata, content type application/x-fontdata
  (a Default for the extension, as PowerPoint writes it), the target of a
  .../relationships/font relationship from the presentation part;
- <p:embeddedFontLst> right after <p:notesSz> in presentation.xml, one
  <p:embeddedFont> with <p:font typeface=...> and <p:regular r:id=...>;
- embedTrueTypeFonts="1" (LibreOffice reads the list only when it is set)
  and saveSubsetFonts="1" (the font is a subset; PowerPoint re-saves it so).

The theme's fonts are for text the consultant adds later: Latin in the
embedded face (basic Latin is always in the subset), East Asian in the
theme's `east_asian_font` (default "Yu Gothic", installed with Windows and
Office), also as the theme's Japanese script font (script="Jpan"). Text
prep draws names the embedded face for both scripts itself.
"""

from __future__ import annotations

from .pptx_font import CHARSET, PITCH_FAMILY, EmbeddedFont


def embed_font(prs, font: EmbeddedFont) -> None:
    """Add `font` to presentation `prs` (python-pptx) as an embedded font."""
    from pptx.opc.constants import CONTENT_TYPE as CT
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI
    from pptx.oxml.ns import qn

    package = prs.part.package
    part = Part(PackURI(package.next_partname("/ppt/fonts/font%d.fntdata")), CT.X_FONTDATA, package, font.data)
    rid = prs.part.relate_to(part, RT.FONT)
    root = prs.part._element
    root.set("embedTrueTypeFonts", "1")
    root.set("saveSubsetFonts", "1")
    lst = root.find(qn("p:embeddedFontLst"))
    if lst is None:
        lst = root.makeelement(qn("p:embeddedFontLst"), {})
        anchor = root.find(qn("p:smartTags"))
        (anchor if anchor is not None else root.find(qn("p:notesSz"))).addnext(lst)
    entry = lst.makeelement(qn("p:embeddedFont"), {})
    attrs = {"typeface": font.typeface, "pitchFamily": PITCH_FAMILY, "charset": CHARSET}
    if font.panose.strip("0"):
        attrs["panose"] = font.panose
    face = entry.makeelement(qn("p:font"), attrs)
    entry.append(face)
    entry.append(entry.makeelement(qn("p:regular"), {qn("r:id"): rid}))
    lst.append(entry)


def set_theme_fonts(prs, theme) -> None:
    """The theme's major and minor fonts: Latin `theme.font`, East Asian
    `theme.east_asian_font` (for new text typed in PowerPoint)."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn

    east_asian = getattr(theme, "east_asian_font", "") or ""
    for master in prs.slide_masters:
        part = master.part.part_related_by(RT.THEME)
        root = etree.fromstring(part.blob)
        for scheme in root.iter(qn("a:majorFont"), qn("a:minorFont")):
            latin, ea = scheme.find(qn("a:latin")), scheme.find(qn("a:ea"))
            if latin is not None:
                latin.set("typeface", theme.font)
                latin.set("pitchFamily", PITCH_FAMILY)
                latin.set("charset", "0")
            if ea is not None:
                ea.set("typeface", east_asian)
            for script in scheme.findall(qn("a:font")):
                if script.get("script") == "Jpan" and east_asian:
                    script.set("typeface", east_asian)
        part.blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
