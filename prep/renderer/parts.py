"""How `prep render ROOT --part FILE` marks what is not the file's own:
the neighbours across the file's boundary are drawn faintly (light grey
ink and text, a white fill, no health colour), as a stage frame draws what
comes later (stages.py), and so are relations between two neighbours. The
relations that cross the boundary keep their ink: they are what the
picture is about. Each neighbour's label names its file
(`views.part`)."""

from __future__ import annotations

from dataclasses import dataclass

from .palette import FAINT_INK, FAINT_TEXT


@dataclass
class PartMarks:
    """The marks `to_dot` and the draw.io writer ask for (as StageMarks)."""
    status: dict[str, str]      # deliverable -> "later" (a neighbour: faint); others absent
    later_edges: list[bool]     # per relation drawn: between two neighbours (faint)
    exits: dict                 # the exit tags drawn (draw.io asks the marks for them)
    theme: object = None

    @classmethod
    def of(cls, model, neighbours: set[str], *, roadmap: bool = False) -> "PartMarks":
        """The marks of a part's view; `roadmap`: the exit tags the roadmap
        view draws stay (the diagram draws none)."""
        exits = {x: st.index + 1 for st in model.stages.values() for x in st.exits} if roadmap else {}
        return cls({n: "later" for n in neighbours},
                   [r.source in neighbours and r.target in neighbours for r in model.relations], exits)

    def node_pairs(self, d, pairs: list, label: str, font_size: float | None = None) -> list:
        if d.name not in self.status:
            return pairs
        out = dict(pairs)
        out.update(color=f'"{FAINT_INK}"', fontcolor=f'"{FAINT_TEXT}"', fillcolor='"#ffffff"', penwidth="1.0")
        classes = [c for c in out.get("class", '""').strip('"').split() if not c.startswith("prep-health")]
        out["class"] = '"' + " ".join(classes + ["prep-part-neighbour"]) + '"'
        return list(out.items())

    def edge_pairs(self, k: int, pairs: list, middle: str | None = None) -> list:
        if not self.later_edges[k]:
            return pairs
        out = dict(pairs)
        out.update(color=f'"{FAINT_INK}"', fontcolor=f'"{FAINT_TEXT}"')
        out["class"] = '"' + (out.get("class", '""').strip('"') + " prep-part-neighbour").strip() + '"'
        return list(out.items())

    def legend_box(self, kind: str, pairs: list, text: str) -> list:
        return pairs

    def legend_edge(self, kind: str, pairs: list) -> list:
        return pairs
