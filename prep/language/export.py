"""The JSON export of a model: every deliverable, relation, group, stage and measure
with its span. `model_from_dict` reads it back (the export round-trips).

A model kept in several files (a workspace, `include`) also lists its
`files` (the root first) and gives each deliverable its `file`: the file of
its declaration, or of its first use when it is not declared (the path of
its span). A single file's export has neither key, as before."""

from __future__ import annotations

import json

from .diagnostics import Span
from .model import Deliverable, Group, Measure, Model, Relation, Stage, parse_threshold

FORMAT_VERSION = 1


def _span(s: Span | None) -> dict | None:
    if s is None:
        return None
    return {"path": s.path, "line": s.line, "column": s.column, "end_line": s.end_line,
            "end_column": s.end_column}


def _unspan(d: dict | None) -> Span | None:
    return None if d is None else Span(d["path"], d["line"], d["column"], d["end_line"], d["end_column"])


def model_to_dict(model: Model) -> dict:
    out = _model_dict(model)
    if len(model.files) > 1:
        out = {**{k: out[k] for k in ("format", "version", "path")}, "files": list(model.files),
               **{k: v for k, v in out.items() if k not in ("format", "version", "path")}}
        for d, record in zip(model.deliverables.values(), out["deliverables"]):
            record["file"] = d.span.path if d.span is not None else model.path
    return out


def _model_dict(model: Model) -> dict:
    return {
        "format": "prep-model",
        "version": FORMAT_VERSION,
        "path": model.path,
        "title": model.title,
        "deliverables": [
            {"name": d.name, "kind": d.kind, "label": d.label, "owners": list(d.owners),
             "external": d.external, "final": d.final, "note": d.note, "stage": d.stage,
             "group": d.group, "declared": d.declared, "span": _span(d.span),
             "effective_stage": model.stage_of(d.name)}
            for d in model.deliverables.values()
        ],
        "relations": [
            {"kind": r.kind, "source": r.source, "target": r.target, "note": r.note, "stage": r.stage,
             "owners": list(r.owners), "span": _span(r.span), "source_span": _span(r.source_span),
             "target_span": _span(r.target_span)}
            for r in model.relations
        ],
        "groups": [
            {"name": g.name, "label": g.label, "parent": g.parent, "stage": g.stage, "note": g.note,
             "colour": g.colour, "span": _span(g.span)}
            for g in model.groups.values()
        ],
        # in order; `members` are the deliverables placed in the stage
        "stages": [
            {"name": s.name, "label": s.label, "index": s.index, "exits": list(s.exits),
             "members": list(s.members), "note": s.note, "after": s.after, "declared": s.declared,
             "span": _span(s.span)}
            for s in model.stages.values()
        ],
        # thresholds as written (`">= 60%"`) and read (`op`, `value`, `unit`)
        "measures": [
            {"name": m.name, "label": m.label, "of": m.of, "from": m.source, "target": _threshold(m.target),
             "green": _threshold(m.green), "lime": _threshold(m.lime), "yellow": _threshold(m.yellow),
             "dear": m.dear, "owners": list(m.owners), "note": m.note, "span": _span(m.span),
             "of_span": _span(m.of_span), "from_span": _span(m.source_span)}
            for m in model.measures.values()
        ],
    }


def _threshold(t) -> dict | None:
    return None if t is None else {"text": t.text, "op": t.op, "value": t.value, "unit": t.unit}


def _unthreshold(d: dict | None):
    return None if d is None else parse_threshold(d["text"])


def model_to_json(model: Model) -> bytes:
    return (json.dumps(model_to_dict(model), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def model_from_dict(data: dict) -> Model:
    deliverables = {}
    for d in data["deliverables"]:
        deliverables[d["name"]] = Deliverable(
            name=d["name"], kind=d["kind"], label=d["label"], owners=tuple(d["owners"]),
            external=d["external"], final=d["final"], note=d["note"], stage=d["stage"],
            group=d["group"], span=_unspan(d["span"]), declared=d["declared"])
    relations = tuple(
        Relation(r["kind"], r["source"], r["target"], _unspan(r["span"]), _unspan(r["source_span"]),
                 _unspan(r["target_span"]), r["note"], r["stage"], tuple(r["owners"]))
        for r in data["relations"])
    groups = {g["name"]: Group(g["name"], g["label"], g["parent"], _unspan(g["span"]), g.get("stage"),
                               g.get("note"), g.get("colour")) for g in data["groups"]}
    stages = {s["name"]: Stage(s["name"], s["label"], s["index"], tuple(s["exits"]), s["note"], s["after"],
                               _unspan(s["span"]), s["declared"], tuple(s["members"]))
              for s in data.get("stages", ())}
    measures = {m["name"]: Measure(m["name"], m["label"], m["of"], m["from"], _unthreshold(m["target"]),
                                   _unthreshold(m["green"]), _unthreshold(m["lime"]), _unthreshold(m["yellow"]),
                                   m["dear"], tuple(m["owners"]), m["note"], _unspan(m["span"]),
                                   _unspan(m["of_span"]), _unspan(m["from_span"]))
                for m in data.get("measures", ())}
    return Model(path=data["path"], title=data["title"], deliverables=deliverables, relations=relations,
                 groups=groups, stages=stages, measures=measures)
