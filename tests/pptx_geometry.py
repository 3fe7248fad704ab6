"""Reading a prep .pptx back as geometry, straight from the slide XML (not
through prep's own code): every shape's rectangle and name, its text and
text-box settings, and every freeform line as points along its path. Used
by tests/test_pptx.py and tests/test_pptx_office.py."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from lxml import etree

NS = {"p": "http://schemas.openxmlformats.org/presentationml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
EMU_PER_POINT = 12700


@dataclass
class Shape:
    name: str
    kind: str  # sp, cxnSp, grpSp
    left: int
    top: int
    width: int
    height: int
    element: etree._Element = field(repr=False)
    text: str = ""
    geometry: str = ""  # preset name, or "custom"

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def overlaps(self, other: "Shape", slack: int = 0) -> bool:
        return (self.left + slack < other.right and other.left + slack < self.right
                and self.top + slack < other.bottom and other.top + slack < self.bottom)

    def contains_point(self, x: float, y: float, inset: float = 0) -> bool:
        return self.left + inset < x < self.right - inset and self.top + inset < y < self.bottom - inset

    def path_points(self, per_curve: int = 24) -> list[tuple[float, float]]:
        """Points along a freeform's path in slide EMU (Bézier pieces sampled)."""
        path = self.element.find("p:spPr/a:custGeom/a:pathLst/a:path", NS)
        if path is None:
            return []
        sx = self.width / max(1, int(path.get("w", self.width) or 1))
        sy = self.height / max(1, int(path.get("h", self.height) or 1))

        def pt(el):
            return self.left + int(el.get("x")) * sx, self.top + int(el.get("y")) * sy

        out: list[tuple[float, float]] = []
        for seg in path:
            pts = [pt(p) for p in seg.findall("a:pt", NS)]
            tag = etree.QName(seg).localname
            if tag in ("moveTo", "lnTo"):
                if tag == "lnTo" and out:
                    (x0, y0), (x1, y1) = out[-1], pts[0]
                    out += [(x0 + (x1 - x0) * t / per_curve, y0 + (y1 - y0) * t / per_curve)
                            for t in range(1, per_curve + 1)]
                else:
                    out.append(pts[0])
            elif tag == "cubicBezTo":
                (x0, y0), (x1, y1), (x2, y2), (x3, y3) = out[-1], *pts
                for i in range(1, per_curve + 1):
                    t = i / per_curve
                    u = 1 - t
                    out.append((u ** 3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t ** 3 * x3,
                                u ** 3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y3))
        return out


@dataclass
class Slide:
    shapes: list[Shape]
    xml: etree._Element = field(repr=False)

    def named(self, name: str) -> Shape:
        found = [s for s in self.shapes if s.name == name]
        assert len(found) == 1, (name, [s.name for s in self.shapes])
        return found[0]


@dataclass
class Deck:
    width: int
    height: int
    slides: list[Slide]
    files: dict[str, bytes] = field(repr=False)


def _shape(el) -> Shape | None:
    kind = etree.QName(el).localname
    if kind not in ("sp", "cxnSp", "grpSp", "pic"):
        return None
    nv = el.find(".//p:cNvPr", NS)
    xfrm = el.find("p:spPr/a:xfrm", NS) if kind != "grpSp" else el.find("p:grpSpPr/a:xfrm", NS)
    off, ext = xfrm.find("a:off", NS), xfrm.find("a:ext", NS)
    text = "\n".join("".join(t.text or "" for t in p.iter(f"{{{NS['a']}}}t")) for p in el.findall("p:txBody/a:p", NS))
    geom = el.find("p:spPr/a:prstGeom", NS)
    return Shape(nv.get("name"), kind, int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy")),
                 el, text, geom.get("prst") if geom is not None else
                 "custom" if el.find("p:spPr/a:custGeom", NS) is not None else "")


def _walk(tree) -> list[Shape]:
    out = []
    for el in tree:
        s = _shape(el)
        if s is None:
            continue
        out.append(s)
        if s.kind == "grpSp":  # prep's groups keep child coordinates = slide coordinates
            out += _walk(el)
    return out


def read_deck(data: bytes) -> Deck:
    z = zipfile.ZipFile(io.BytesIO(data))
    files = {n: z.read(n) for n in z.namelist()}
    pres = etree.fromstring(files["ppt/presentation.xml"])
    size = pres.find("p:sldSz", NS)
    rels = etree.fromstring(files["ppt/_rels/presentation.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    slides = []
    for sid in pres.findall("p:sldIdLst/p:sldId", NS):
        xml = etree.fromstring(files["ppt/" + targets[sid.get(f"{{{NS['r']}}}id")]])
        slides.append(Slide(_walk(xml.find("p:cSld/p:spTree", NS)), xml))
    return Deck(int(size.get("cx")), int(size.get("cy")), slides, files)


def deliverable_boxes(slide: Slide, model) -> dict[str, Shape]:
    return {s.name: s for s in slide.shapes if s.name in model.deliverables and s.kind == "sp"}
