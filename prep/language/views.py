"""Views of part of a model: the neighbourhood of one deliverable, or one
group. This is how a model with thousands of deliverables gets a readable
picture (and a layout that finishes)."""

from __future__ import annotations

import difflib
from collections import deque

from .diagnostics import PrepError
from .model import Model


def _unknown(model: Model, what: str, name: str, choices) -> PrepError:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else f"the model has {len(choices)} {what}s"
    return PrepError.at(model.path, f"no {what} named '{name}' in the model", name="usage-error", hint=hint)


def subset(model: Model, keep: set[str]) -> Model:
    deliverables = {n: d for n, d in model.deliverables.items() if n in keep}
    relations = tuple(r for r in model.relations if r.source in keep and r.target in keep)
    used_groups: set[str] = set()
    for d in deliverables.values():
        g = d.group
        while g is not None and g not in used_groups:
            used_groups.add(g)
            g = model.groups[g].parent if g in model.groups else None
    groups = {n: g for n, g in model.groups.items() if n in used_groups}
    return Model(path=model.path, title=model.title, deliverables=deliverables, relations=relations,
                 groups=groups, comments=model.comments, diagnostics=model.diagnostics, source=model.source)


def focus(model: Model, name: str, depth: int = 2) -> Model:
    """`name` and everything within `depth` relations upstream or downstream."""
    if name not in model.deliverables:
        raise _unknown(model, "deliverable", name, model.deliverables)
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for r in model.relations:
        down.setdefault(r.source, []).append(r.target)
        up.setdefault(r.target, []).append(r.source)
        if r.kind == "mutual":
            down.setdefault(r.target, []).append(r.source)
            up.setdefault(r.source, []).append(r.target)
    keep = {name}
    for adjacency in (up, down):
        seen = {name: 0}
        todo = deque([name])
        while todo:
            n = todo.popleft()
            if seen[n] == depth:
                continue
            for m in adjacency.get(n, ()):
                if m not in seen:
                    seen[m] = seen[n] + 1
                    todo.append(m)
        keep.update(seen)
    return subset(model, keep)


def group_view(model: Model, group: str) -> Model:
    """The deliverables of one group (and its nested groups)."""
    if group not in model.groups:
        raise _unknown(model, "group", group, model.groups)
    return subset(model, set(model.group_members(group)))
