"""Views of part of a model: the neighbourhood of one deliverable, one
group, or the overview of its clusters. This is how a model with thousands of deliverables gets a readable
picture (and a layout that finishes)."""

from __future__ import annotations

import difflib
from collections import deque

from .clusters import UNGROUPED, Cluster, Clusters, declared_groups, top_group  # noqa: F401 - UNGROUPED, top_group: API
from .diagnostics import PrepError
from .model import Model, Stage


def _unknown(model: Model, what: str, name: str, choices) -> PrepError:
    """No deliverable (or group) `name` among `choices` (a dict of them):
    the error points at the one meant, when a name is near or a label
    reads as `name` (a user types what the picture shows: `--focus
    Contract` for `契約書 "契約書\nContract"`)."""
    meant, shown = _meant(name, choices)
    if meant is None:
        return PrepError.at(model.path, f"no {what} named '{name}' in the model", name="usage-error",
                            hint=f"the model has {len(choices)} {what}s")
    drawn = f" (drawn as '{shown}')" if shown is not None else ""
    # a group's span runs from `group` to its closing brace: the caret goes under its name
    span = getattr(choices[meant], "name_span", None) or getattr(choices[meant], "span", None)
    message = f"no {what} named '{name}' in the model"
    hint = f"did you mean '{meant}'{drawn}?"
    if span is None:
        return PrepError.at(model.path, message, name="usage-error", hint=hint)
    # (in a workspace the declaration may be in another file than the root)
    return PrepError.at(span.path, message, name="usage-error", hint=hint, line=span.line, column=span.column,
                        end_column=span.end_column if span.end_line == span.line else None,
                        source=model.files.get(span.path, model.source) or None)


def _meant(name: str, choices) -> tuple[str | None, str | None]:
    """(the name meant by `name`, the label line it was read from or None):
    a label line that reads as `name` (case and spaces aside), then the
    nearest name, then the nearest label line; (None, None) when nothing
    is near."""
    def key(text: str) -> str:
        return " ".join(text.split()).casefold()

    lines: dict[str, list[tuple[str, str]]] = {}
    for n, thing in choices.items():
        for line in (getattr(thing, "label", None) or "").split("\n"):
            if line.strip() and line.strip() != n:
                lines.setdefault(key(line), []).append((n, line.strip()))
    exact = lines.get(key(name), [])
    if len({n for n, _ in exact}) == 1:
        return exact[0]
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    if close:
        return close[0], None
    near = difflib.get_close_matches(key(name), list(lines), n=1, cutoff=0.6)
    if near and len({n for n, _ in lines[near[0]]}) == 1:
        return lines[near[0]][0]
    return None, None


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
    # a view holds the exit criteria it draws (an exit left out: a stage picture of a group,
    # and its lint, looked it up and failed)
    stages = {n: Stage(s.name, s.label, s.index, tuple(x for x in s.exits if x in keep), s.note, s.after, s.span,
                       s.declared, tuple(m for m in s.members if m in keep))
              for n, s in model.stages.items()}
    return Model(path=model.path, title=model.title, deliverables=deliverables, relations=relations,
                 groups=groups, comments=model.comments, diagnostics=model.diagnostics, source=model.source,
                 stages=stages, files=model.files)


def subsets(model: Model, parts: list[list[str]]) -> list[Model]:
    """`subset(model, set(part))` of every part (disjoint, each in
    declaration order) in one pass over the model: an overview of 100,000
    deliverables has 500 parts, and 500 passes over the whole model take
    longer than drawing them."""
    where = {name: k for k, part in enumerate(parts) for name in part}
    relations: list[list] = [[] for _ in parts]
    for r in model.relations:
        k = where.get(r.source)
        if k is not None and where.get(r.target) == k:
            relations[k].append(r)
    stage_members: dict[str, list[list[str]]] = {n: [[] for _ in parts] for n in model.stages}
    for n, s in model.stages.items():
        for m in s.members:
            k = where.get(m)
            if k is not None:
                stage_members[n][k].append(m)
    out = []
    for k, part in enumerate(parts):
        used_groups: set[str] = set()
        for name in part:
            g = model.deliverables[name].group
            while g is not None and g not in used_groups:
                used_groups.add(g)
                g = model.groups[g].parent if g in model.groups else None
        groups = {n: g for n, g in model.groups.items() if n in used_groups} if used_groups else {}
        stages = {n: Stage(s.name, s.label, s.index, tuple(x for x in s.exits if where.get(x) == k), s.note,
                           s.after, s.span, s.declared, tuple(stage_members[n][k]))
                  for n, s in model.stages.items()}
        out.append(Model(path=model.path, title=model.title, deliverables={n: model.deliverables[n] for n in part},
                         relations=tuple(relations[k]), groups=groups, comments=model.comments,
                         diagnostics=model.diagnostics, source=model.source, stages=stages))
    return out


def stage_index(model: Model, stage: str) -> int:
    """The position of `stage` in the model's order (a located usage error
    with a did-you-mean for an unknown one)."""
    if stage not in model.stages:
        if not model.stages:
            raise PrepError.at(model.path, f"the model has no stages, so there is no stage '{stage}'",
                               name="usage-error", hint="declare stages: `stage kickoff \"Kickoff\" [exit: ...]`")
        close = difflib.get_close_matches(stage, list(model.stages), n=1, cutoff=0.5)
        known = ", ".join(model.stages)
        hint = f"did you mean '{close[0]}'? (the stages: {known})" if close else f"the stages: {known}"
        # point at the declaration of the stage meant, or of the first one
        span = model.stages[close[0] if close else next(iter(model.stages))].span
        if span is None:
            raise PrepError.at(model.path, f"no stage named '{stage}' in the model", name="usage-error", hint=hint)
        # (in a workspace the declaration may be in another file than the root)
        raise PrepError.at(span.path, f"no stage named '{stage}' in the model", name="usage-error", hint=hint,
                           line=span.line, column=span.column, end_column=span.end_column,
                           source=model.files.get(span.path, model.source) or None)
    return model.stages[stage].index


def existing_at(model: Model, stage: str) -> set[str]:
    """The deliverables that exist at the end of `stage`: those whose
    effective stage (`Model.effective_stages`) is `stage` or an earlier one."""
    k = stage_index(model, stage)
    rank = {n: s.index for n, s in model.stages.items()}
    return {n for n, s in model.effective_stages.items() if rank[s] <= k}


def cross_section(model: Model, stage: str) -> Model:
    """The model as it stands at the end of `stage` (later deliverables and
    the relations that touch them left out)."""
    return subset(model, existing_at(model, stage))


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
    return _titled(subset(model, keep), f"around {_first_line(model.deliverables[name].display)} (depth {depth})")


def group_view(model: Model, group: str) -> Model:
    """The deliverables of one group (and its nested groups)."""
    if group not in model.groups:
        raise _unknown(model, "group", group, model.groups)
    g = model.groups[group]
    return _titled(subset(model, set(model.group_members(group))), _first_line(g.label or g.name))


def group_part(model: Model, group: str) -> tuple[Model, set[str]]:
    """(view, neighbours): `group_view` with the deliverables at the other
    end of every relation that crosses the group's edge (the neighbours
    across it, drawn faintly, as `--part` draws a file's), each labelled
    with the group that holds it and drawn outside any frame. A group's
    picture dropped its 85 relations across the edge, and 14 of its 50
    boxes looked isolated."""
    from dataclasses import replace

    view = group_view(model, group)
    own = set(view.deliverables)
    keep = set(own)
    for r in model.relations:
        if (r.source in own) != (r.target in own):
            keep.add(r.source)
            keep.add(r.target)
    neighbours = keep - own
    if not neighbours:
        return view, neighbours
    whole = subset(model, keep)

    def held_by(d) -> str:
        top = d.group
        while top is not None and model.groups[top].parent is not None:
            top = model.groups[top].parent
        return f"({_first_line(model.groups[top].display)})" if top is not None else UNGROUPED  # (no group)

    deliverables = {n: (replace(d, label=f"{d.display}\n{held_by(d)}", group=None) if n in neighbours else d)
                    for n, d in whole.deliverables.items()}
    return replace(whole, title=view.title, deliverables=deliverables,
                   groups={n: g for n, g in whole.groups.items() if n in view.groups}), neighbours


# the key of a drill-down's tag that names another cluster: an off-page
# marker's (drawn, titled and exported as one; no deliverable's name starts so)
CONTEXT = "\u2063offpage:cluster:"   # = prep.layouter.texts.CONTEXT_PREFIX (language does not import the layouter)


def in_context(model: Model, parts: dict[str, Model], holds: dict[str, list[str]],
               labels: dict[str, str]) -> dict[str, tuple[Model, dict[str, str]]]:
    """{box: (its drill-down, {tag: the cluster it names first})}: each part
    of an overview with a small tag beside each deliverable that a
    relation joins to another cluster, one each way, naming those clusters
    ("営業課2 →" before a deliverable made from something there, "→
    営業課2 +1" after one that feeds two others), as a page's off-page
    markers do. A drill-down dropped every relation across its cluster's
    edge (85 of 112 on a 150-deliverable group) and its boxes looked
    isolated. (One box per other cluster, with an arrow to each deliverable,
    made every arrow span the picture: four times the time to draw.)"""
    from dataclasses import replace

    from .model import MUTUAL, SYNC, Deliverable, Relation

    where = {name: box for box, names in holds.items() for name in names}
    across: dict[tuple[str, str, bool], dict[str, Relation]] = {}   # (box, member, out) -> {cluster: relation}
    for r in model.relations:
        a, b = where.get(r.source), where.get(r.target)
        if a is None or b is None or a == b:
            continue
        if a in parts:
            across.setdefault((a, r.source, True), {}).setdefault(b, r)
        if b in parts:
            across.setdefault((b, r.target, False), {}).setdefault(a, r)
    tags: dict[str, list] = {box: [] for box in parts}
    for (box, member, out), clusters in across.items():
        tags[box].append((member, out, clusters))
    result = {}
    for box, part in parts.items():
        if not tags[box]:
            result[box] = (part, {})
            continue
        deliverables, relations, named = dict(part.deliverables), list(part.relations), {}
        for member, out, clusters in tags[box]:
            first, *more = list(clusters)
            text = labels.get(first, first) + (f" +{len(more)}" if more else "")
            name = f"{CONTEXT}{'>' if out else '<'}{member}"
            deliverables[name] = Deliverable(name=name, label=f"→ {text}" if out else f"{text} →", external=True,
                                             span=part.deliverables[member].span, declared=False,
                                             group=part.deliverables[member].group)
            r = clusters[first]
            relations.append(Relation(SYNC if r.kind == MUTUAL else r.kind, member if out else name,
                                      name if out else member, r.span, r.source_span, r.target_span))
            named[name] = first
        result[box] = (replace(part, deliverables=deliverables, relations=tuple(relations)), named)
    return result


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), text)


def _titled(view: Model, what: str) -> Model:
    """A view titled with what it shows ("... — 営業部 Sales"): a picture of
    one part carried the whole model's title and read as the whole."""
    from dataclasses import replace

    return replace(view, title=f"{view.title} — {what}" if view.title else what)


def _without_implied(pairs: dict[tuple[str, str], list], order: list[str]) -> dict[tuple[str, str], list]:
    """`pairs` less those (a, b) where b is reachable from a through other
    pairs (a transitive reduction; pairs that close a cycle are kept)."""
    index = {box: i for i, box in enumerate(order)}
    out: dict[int, list[int]] = {}
    for a, b in pairs:
        out.setdefault(index[a], []).append(index[b])
    # reachability as bitsets, in reverse topological order of the acyclic part
    state, post, back = {}, [], set()
    for root in range(len(order)):
        if root in state:
            continue
        stack = [(root, iter(sorted(out.get(root, ()))))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(sorted(out.get(nxt, ())))))
                    break
            else:
                state[node] = 2
                post.append(node)
                stack.pop()
    reach = [0] * len(order)
    for node in post:  # children before parents
        for nxt in out.get(node, ()):
            if (node, nxt) not in back:
                reach[node] |= reach[nxt] | (1 << nxt)
    kept = {}
    for (a, b), rs in pairs.items():
        i, j = index[a], index[b]
        implied = (i, j) not in back and any(
            (i, k) not in back and k != j and reach[k] >> j & 1 for k in out.get(i, ()))
        if not implied:
            kept[(a, b)] = rs
    return kept


# An overview of clusters found automatically draws, of each box's links,
# only its strongest few: communities are not in process order, so their
# links form cycles no path implies, and at 10,000 deliverables (long-range
# inputs) 56 clusters had 1,220 arrows (4.4 MB, 4 s to draw) where 3 per box
# (then less those a path through other boxes shows) leave 154 (0.4 MB, 0.7 s).
STRONGEST = 3
# links a box an overview may draw before those a path through other boxes implies are left out
LINKS_PER_BOX = 2


def _strongest(pairs: dict[tuple[str, str], list], order: list[str], k: int) -> dict[tuple[str, str], list]:
    """`pairs` less those that are neither among the `k` strongest (most
    relations; the earlier box first on a tie) leaving their source nor
    among the `k` strongest reaching their target."""
    index = {box: i for i, box in enumerate(order)}
    leaving: dict[str, list[tuple[str, str]]] = {}
    reaching: dict[str, list[tuple[str, str]]] = {}
    for a, b in pairs:
        leaving.setdefault(a, []).append((a, b))
        reaching.setdefault(b, []).append((a, b))
    keep = set()
    for lists, other in ((leaving, 1), (reaching, 0)):
        for links in lists.values():
            links.sort(key=lambda p: (-len(pairs[p]), index[p[other]]))
            keep.update(links[:k])
    return {p: rs for p, rs in pairs.items() if p in keep}


def overview(model: Model, clusters: Clusters | None = None) -> tuple[Model, dict[str, list[str]]]:
    """One box per cluster (by default the top-level groups, and one box
    for deliverables in no group: `clusters.find_clusters` gives others),
    labelled with its size; one relation per pair of boxes that any
    relation joins, its note the number of relations it stands for, except
    where a path through other boxes already leads from the one to the
    other (a process whose inputs come from anywhere would otherwise join
    every box to every later one); between clusters found automatically,
    only each box's STRONGEST links (the title says so). Returns the
    overview model and, per box, the deliverables it holds."""
    from .model import INPUT, MUTUAL, Deliverable, Relation

    if clusters is None:
        clusters = Clusters(tuple(Cluster(box, model.groups[box].display if box in model.groups else UNGROUPED,
                                          tuple(names), "group" if box in model.groups else "no group")
                                  for box, names in declared_groups(model).items()), "the declared groups", False)
    holds = {c.name: list(c.members) for c in clusters.clusters}
    order = list(holds)
    where = {name: box for box, names in holds.items() for name in names}
    boxes = {}
    for c in clusters.clusters:
        first = model.deliverables[c.members[0]]
        group = c.name if c.found_by == "group" and c.name in model.groups else None
        n = len(c.members)
        boxes[c.name] = Deliverable(name=c.name, label=f"{c.label}\n{n} deliverable{'s' if n != 1 else ''}",
                                    span=model.groups[group].span if group else first.span)
    counts: dict[tuple[str, str], list] = {}
    for r in model.relations:
        a, b = where[r.source], where[r.target]
        if a != b:
            counts.setdefault((a, b), []).append(r)
    every = counts
    if clusters.automatic:
        counts = _strongest(counts, order, STRONGEST)
    kept = _without_implied(counts, order)
    # a link a path implies goes only when the picture would be crowded: up to LINKS_PER_BOX
    # links a box, the strongest of those implied come back (4 stages drew 3 of their 6
    # links, 171 of 405 relations left out, and read as a pipeline)
    room = LINKS_PER_BOX * len(boxes) - len(kept)
    if room > 0:
        index = {box: i for i, box in enumerate(order)}
        back = sorted((p for p in counts if p not in kept), key=lambda p: (-len(counts[p]), index[p[0]], index[p[1]]))
        returned = set(back[:room])
        kept = {p: rs for p, rs in counts.items() if p in kept or p in returned}
    relations = []
    for (a, b), rs in kept.items():
        kinds = {r.kind for r in rs}
        kind = INPUT if INPUT in kinds else (MUTUAL if kinds == {MUTUAL} else next(iter(sorted(kinds))))
        n = len(rs)
        relations.append(Relation(kind, a, b, rs[0].span, rs[0].source_span, rs[0].target_span,
                                  note=f"{n} relation{'s' if n != 1 else ''}"))
    title = model.title
    # say on the picture how its boxes were found and which links it draws: S1 -> S3's 70
    # relations, implied by S1 -> S2 -> S3, were left out without a word, and the overview
    # read as a pipeline in a meeting
    left = [p for p in every if p not in kept]
    said = ""
    if left:
        hidden = sum(len(every[p]) for p in left)
        said = (f"{len(left)} link{'s' if len(left) != 1 else ''} not drawn ({hidden} of "
                f"{sum(len(rs) for rs in every.values())} relations)")
    if clusters.automatic:
        caption = f"{clusters.method}; arrows: each cluster's {STRONGEST} strongest links" + (
            f", {said}" if said else "")
    else:
        caption = f"{said}: paths through other boxes lead there" if said else ""
    if caption:
        title = f"{model.title} — {caption}" if model.title else caption[0].upper() + caption[1:]
    view = Model(path=model.path, title=title, deliverables=boxes, relations=tuple(relations),
                 groups={}, comments=(), diagnostics=(), source=model.source)
    return view, {box: holds[box] for box in order}


# ------------------------------------------------------------- workspaces


def file_of(model: Model, name: str) -> str:
    """The file that holds deliverable `name` (where it is declared, else
    first named), as the model's spans give it."""
    d = model.deliverables[name]
    return d.span.path if d.span is not None else model.path


def file_label(model: Model, path: str) -> str:
    """How a picture names file `path` of the model: relative to the root
    file's folder, with '/' (`delivery.prep`, `teams/sales.prep`,
    `../shared/common.prep` above it), the way the root's `include` lines
    name it, wherever prep runs; else (another drive) as the model names it."""
    import os

    folder = os.path.dirname(model.path)
    try:
        rel = os.path.relpath(path, folder) if folder else path
    except ValueError:  # another drive
        rel = path
    return rel.replace("\\", "/")


def model_file(model: Model, given: str) -> str:
    """The path under which the model knows the file `given` (a path from
    the current folder, as the user typed it); a located usage error with a
    did-you-mean when it is not one of the model's files."""
    import os

    files = list(model.files) or [model.path]
    wanted = os.path.realpath(given)
    for path in files:
        if os.path.realpath(path) == wanted:
            return path
    shown = [_as_given(p, given).replace(os.sep, "/") for p in files]
    close = difflib.get_close_matches(given.replace(os.sep, "/"), shown, n=1, cutoff=0.5)
    if close:
        hint = f"did you mean '{close[0]}'?"
    elif len(files) == 1:
        hint = f"the model is one file, {shown[0]}"
    else:
        listed = ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")
        hint = f"the model's {len(files)} files: {listed}"
    raise PrepError.at(model.path, f"'{given}' is not one of the model's files", name="usage-error", hint=hint)


def _as_given(path: str, given: str) -> str:
    """`path` written as `given` is: from the current folder when `given`
    is relative (a model loaded by its full path suggested
    '/home/me/ws/teams/x.prep' for 'teams/x'), else in full."""
    import os

    try:
        return os.path.abspath(path) if os.path.isabs(given) else os.path.relpath(path)
    except ValueError:   # another drive
        return path


def part(model: Model, file, *, label_files: bool = True) -> tuple[Model, set[str]]:
    """(view, neighbours): the deliverables held by `file` (a str or a
    Path: as the model names it, or from the current folder as `prep
    render --part FILE` takes it, `model_file`; a ValueError with a
    did-you-mean, as --part says it, when it is not one of the model's
    files), every
    relation that touches one of them or is written in `file`, and the
    deliverables at the other end of those relations that other files hold
    (the neighbours across the boundary). Each neighbour's label gains a
    line naming its file, unless `label_files` is False (a model grouped
    `by_file`, whose frames name the files: `--part F --by-file`)."""
    import os
    from dataclasses import replace

    # a file as the model does not name it ('teams/x.prep', a Path) matched nothing: an empty view
    try:
        file = model_file(model, os.fspath(file))
    except PrepError as e:   # not a place in the model (it would say main.prep:1:1), and the hint in the message
        d = e.diagnostics[0]
        raise ValueError(f"{d.message}; {d.hint}") from None
    own = {n for n, d in model.deliverables.items() if (d.span.path if d.span is not None else model.path) == file}
    keep = set(own)
    for r in model.relations:
        if r.source in own or r.target in own or r.span.path == file:
            keep.add(r.source)
            keep.add(r.target)
    neighbours = keep - own
    view = subset(model, keep)
    view = _titled(view, file_label(model, file))
    if neighbours and label_files:
        deliverables = {n: (replace(d, label=f"{d.display}\n({file_label(model, file_of(model, n))})") if n in neighbours else d)
                        for n, d in view.deliverables.items()}
        view = replace(view, deliverables=deliverables)
    return view, neighbours


def by_file(model: Model) -> Model:
    """The model with one group per file, in the model's file order, each
    deliverable in the group of the file that holds it (declared groups
    are replaced: the caller decides whether that is wanted)."""
    from dataclasses import replace

    from .model import Group

    files = list(model.files) or [model.path]
    groups = {}
    for path in files:
        first = next((d.span for d in model.deliverables.values()
                      if d.span is not None and d.span.path == path), None)
        if first is not None:
            groups[path] = Group(path, file_label(model, path), None, first)
    deliverables = {n: replace(d, group=file_of(model, n)) for n, d in model.deliverables.items()}
    return replace(model, deliverables=deliverables, groups=groups)
