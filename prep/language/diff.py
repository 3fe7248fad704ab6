"""What changed in the process between two versions of a model: a semantic
diff keyed by deliverable name, not by text line, so reformatting and
reordering are no change at all.

    diff_models(old, new) -> ModelDiff

- deliverables added, removed, and renamed (a removed and an added
  deliverable of one kind with the same relations, and no other
  candidate; neighbours renamed at the same time count once recognised);
- deliverables changed: kind (deliverable <-> knowhow), owners, external,
  final, stage, group, label, note (old and new value of each);
- relations added, removed, and changed kind (input <-> sync <-> mutual:
  the same pair of deliverables, another arrow); a relation's note,
  stage and owners count as part of it (a change there is "changed");
- declared stages added, removed and changed (label, exit criteria,
  note), and their order, when the stages both versions have run in
  another order;
- groups (the teams and departments, lanes in the picture) added,
  removed, renamed (a removed and an added group with the same members,
  and no other candidate) and changed (label, parent, colour, stage,
  note). A deliverable moved to another group is a deliverable changed
  (`group`), unless its whole group was renamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .model import MUTUAL, Deliverable, Model, Relation

FIELDS = ("kind", "label", "owners", "external", "final", "stage", "group", "note")
STAGE_FIELDS = ("label", "exits", "note")
# a measure's fields as the diff shows them (thresholds as written)
MEASURE_FIELDS = ("label", "of", "from", "target", "green", "lime", "yellow", "dear", "owners", "note")
# a group's fields: `parent` is the group it is nested in (None: the top level)
GROUP_FIELDS = ("label", "parent", "colour", "stage", "note")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class DeliverableChange:
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class RelationChange:
    source: str
    target: str
    old: Relation | None       # None: added
    new: Relation | None       # None: removed

    @property
    def status(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class StageChange:
    name: str
    status: str                                      # added, removed or changed
    changes: tuple[FieldChange, ...] = ()            # changed: label, exits, note


@dataclass(frozen=True)
class ModelDiff:
    old: Model
    new: Model
    added: tuple[str, ...] = ()                       # deliverable names in the new model
    removed: tuple[str, ...] = ()                     # in the old model
    renamed: tuple[tuple[str, str], ...] = ()         # (old name, new name)
    changed: tuple[DeliverableChange, ...] = ()
    relations: tuple[RelationChange, ...] = field(default=())
    stages: tuple[StageChange, ...] = ()
    # the declared stages both versions have, in old and new order, when it differs
    stage_order: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    # measures added, removed and changed (of, from, target, thresholds, ...)
    measures: tuple[StageChange, ...] = ()
    # groups added, removed and changed (label, parent, colour, stage, note;
    # a renamed group's changes under its new name)
    groups: tuple[StageChange, ...] = ()
    renamed_groups: tuple[tuple[str, str], ...] = ()  # (old name, new name)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.changed or self.relations
                    or self.stages or self.stage_order or self.measures or self.groups or self.renamed_groups)

    def counts(self) -> dict[str, int]:
        rel = Counter(r.status for r in self.relations)
        st = Counter(s.status for s in self.stages)
        me = Counter(m.status for m in self.measures)
        gr = Counter(g.status for g in self.groups)
        return {"deliverables added": len(self.added), "deliverables removed": len(self.removed),
                "deliverables renamed": len(self.renamed), "deliverables changed": len(self.changed),
                "relations added": rel["added"], "relations removed": rel["removed"],
                "relations changed": rel["changed"], "stages added": st["added"],
                "stages removed": st["removed"], "stages changed": st["changed"] + bool(self.stage_order),
                "measures added": me["added"], "measures removed": me["removed"], "measures changed": me["changed"],
                "groups added": gr["added"], "groups removed": gr["removed"], "groups renamed": len(self.renamed_groups),
                "groups changed": gr["changed"]}

    def summary(self) -> str:
        """'2 deliverables added, 1 renamed, 3 relations removed' or 'no semantic change'."""
        from .._words import japanese

        c = self.counts()
        if japanese():   # prep diff --language ja
            return self._summary_ja(c)
        if self.empty:
            return "no semantic change"
        parts = []
        d = [(c["deliverables added"], "added"), (c["deliverables removed"], "removed"),
             (c["deliverables renamed"], "renamed"), (c["deliverables changed"], "changed")]
        r = [(c["relations added"], "added"), (c["relations removed"], "removed"),
             (c["relations changed"], "changed")]
        s = [(c["stages added"], "added"), (c["stages removed"], "removed"), (c["stages changed"], "changed")]
        m = [(c["measures added"], "added"), (c["measures removed"], "removed"), (c["measures changed"], "changed")]
        g = [(c["groups added"], "added"), (c["groups removed"], "removed"), (c["groups renamed"], "renamed"),
             (c["groups changed"], "changed")]
        for things, counts in (("deliverable", d), ("relation", r), ("stage", s), ("measure", m), ("group", g)):
            shown = [(n, what) for n, what in counts if n]
            if shown:
                n0, w0 = shown[0]
                first = f"{n0} {things}{'s' if n0 != 1 else ''} {w0}"
                parts.append(", ".join([first] + [f"{n} {w}" for n, w in shown[1:]]))
        return "; ".join(parts)

    def _summary_ja(self, c: dict) -> str:
        """'成果物 2 件追加・1 件改名、関係 3 件削除' or '意味上の変更はありません'."""
        if self.empty:
            return "意味上の変更はありません"
        verbs = {"added": "追加", "removed": "削除", "renamed": "改名", "changed": "変更"}
        parts = []
        for things, word in (("deliverables", "成果物"), ("relations", "関係"), ("stages", "ステージ"),
                             ("measures", "KPI"), ("groups", "グループ")):
            shown = [f"{c[f'{things} {what}']} 件{verb}" for what, verb in verbs.items()
                     if c.get(f"{things} {what}")]
            if shown:
                parts.append(f"{word} " + "・".join(shown))
        return "、".join(parts)


def _value(d: Deliverable, name: str):
    v = getattr(d, name)
    return list(v) if isinstance(v, tuple) else v


def _relation_key(r: Relation) -> tuple:
    """What a relation is, apart from where it is written. A mutual
    relation is the same whichever side is written first."""
    a, b = (r.source, r.target)
    if r.kind == MUTUAL and b < a:
        a, b = b, a
    return (a, b, r.kind, r.note, r.stage, tuple(sorted(r.owners)) if r.owners else ())


def _relation_keys(relations, rename: dict[str, str]) -> list[tuple]:
    """`[_relation_key(r) for r in relations]`, the ends read through
    `rename` first, in one loop (it runs over every relation of both sides)."""
    out = []
    append = out.append
    for r in relations:
        a, b, kind = r.source, r.target, r.kind
        if rename:
            a, b = rename.get(a, a), rename.get(b, b)
        if kind == MUTUAL and b < a:
            a, b = b, a
        append((a, b, kind, r.note, r.stage, tuple(sorted(r.owners)) if r.owners else ()))
    return out


def _minus(a: Counter, b: Counter) -> dict:
    """`a - b` of two Counters (positive counts only, in a's order), without
    Counter.__sub__'s Python-level loop over every key."""
    get = b.get
    return {k: n - get(k, 0) for k, n in a.items() if n > get(k, 0)}


def _signatures(model: Model, names: list[str], rename: dict[str, str]) -> dict[str, Counter]:
    """For each of `names`: its relations, with the deliverable itself as
    '*' and the other ends read through `rename` (one pass over the relations)."""
    wanted = set(names)
    sigs: dict[str, Counter] = {n: Counter() for n in names}
    for r in model.relations:
        for name in {r.source, r.target} & wanted:
            a = "*" if r.source == name else rename.get(r.source, r.source)
            b = "*" if r.target == name else rename.get(r.target, r.target)
            sigs[name][(a, b, r.kind)] += 1
    return sigs


def _attributes(d: Deliverable) -> tuple:
    """What FIELDS compare, in one tuple (owners in any order)."""
    return (d.kind, d.label, tuple(sorted(d.owners)), d.external, d.final, d.stage, d.group, d.note)


def _same_attributes(a: Deliverable, b: Deliverable) -> bool:
    """`_attributes(a) == _attributes(b)`, sorting owners only when they differ."""
    if (a.kind, a.label, a.external, a.final, a.stage, a.group, a.note) != \
            (b.kind, b.label, b.external, b.final, b.stage, b.group, b.note):
        return False
    return a.owners == b.owners or sorted(a.owners) == sorted(b.owners)


def diff_models(old: Model, new: Model) -> ModelDiff:
    removed = [n for n in old.deliverables if n not in new.deliverables]
    added = [n for n in new.deliverables if n not in old.deliverables]
    # renames: the same relations, with unchanged names on the other ends
    renamed: list[tuple[str, str]] = []
    if removed and added:
        # candidates meet in a table keyed by (kind, relations): linear, not
        # every removed name against every added one; renames found make
        # more visible (a deliverable whose neighbour was renamed too), so
        # look again until nothing new turns up
        def table(model, names, rename):
            out: dict[tuple, list[str]] = {}
            for name, sig in _signatures(model, names, rename).items():
                # nothing to recognise it by: no relations, or only ones to
                # deliverables that are themselves unmatched ('?')
                if any(x not in ("*", "?") for a, b, _ in sig for x in (a, b)):
                    out.setdefault((model.deliverables[name].kind, frozenset(sig.items())), []).append(name)
            return out

        found: dict[str, str] = {}
        while True:
            olds_left = [n for n in removed if n not in found]
            news_left = [n for n in added if n not in set(found.values())]
            # a neighbour that is itself removed or added, and not yet
            # matched, reads as '?' on both sides
            old_names = {**{n: "?" for n in olds_left}, **found}
            new_names = {n: "?" for n in news_left}
            gone_by_key = table(old, olds_left, old_names)
            came_by_key = table(new, news_left, new_names)
            new_pairs = {olds[0]: came_by_key[key][0] for key, olds in gone_by_key.items()
                         if len(olds) == 1 and len(came_by_key.get(key, ())) == 1}
            if not new_pairs:
                break
            found.update(new_pairs)
        renamed = [(o, found[o]) for o in removed if o in found]
    gone = {o for o, _ in renamed}
    came = {a for _, a in renamed}
    rename = dict(renamed)
    changed = []
    renamed_from = {a: o for o, a in renamed}
    for name, d in new.deliverables.items():
        before = old.deliverables.get(name)
        if before is None and name in renamed_from:
            before = old.deliverables[renamed_from[name]]
        if before is None or _same_attributes(before, d):
            continue
        changes = tuple(FieldChange(f, _value(before, f), _value(d, f)) for f in FIELDS
                        if _value(before, f) != _value(d, f) and not (f == "owners" and
                                                                      sorted(before.owners) == sorted(d.owners)))
        if changes:
            changed.append(DeliverableChange(name, changes))
    # relations: the old ones read with renamed names, as multisets
    def renamed_relation(r: Relation) -> Relation:
        if r.source in rename or r.target in rename:
            return Relation(r.kind, rename.get(r.source, r.source), rename.get(r.target, r.target), r.span,
                            r.source_span, r.target_span, r.note, r.stage, r.owners)
        return r

    old_keys = _relation_keys(old.relations, rename)
    new_keys = _relation_keys(new.relations, {})
    old_count, new_count = Counter(old_keys), Counter(new_keys)
    lost = _minus(old_count, new_count)
    gained = _minus(new_count, old_count)
    # the first relation written with each lost / gained key
    old_by_key: dict[tuple, Relation] = {}
    if lost:
        for key, r in zip(old_keys, old.relations):
            if key in lost and key not in old_by_key:
                old_by_key[key] = r
    new_by_key: dict[tuple, Relation] = {}
    if gained:
        for key, r in zip(new_keys, new.relations):
            if key in gained and key not in new_by_key:
                new_by_key[key] = r
    # a relation that changed kind (input <-> sync <-> mutual) or notes:
    # lost and gained between the same two deliverables, either way round
    def between(key):
        return tuple(sorted(key[:2]))

    lost_by_pair: dict[tuple, list] = {}
    for key, n in lost.items():
        lost_by_pair.setdefault(between(key), []).extend([key] * n)
    relations: list[RelationChange] = []
    for key, n in gained.items():
        for _ in range(n):
            r = new_by_key[key]
            if lost_by_pair.get(between(key)):  # the same pair, something else about it: changed
                before = lost_by_pair[between(key)].pop(0)
                relations.append(RelationChange(r.source, r.target, old_by_key[before], r))
            else:
                relations.append(RelationChange(r.source, r.target, None, r))
    for keys in lost_by_pair.values():
        for key in keys:
            r = renamed_relation(old_by_key[key])
            relations.append(RelationChange(r.source, r.target, old_by_key[key], None))
    order = {name: i for i, name in enumerate(list(new.deliverables) + list(old.deliverables))}
    relations.sort(key=lambda c: (order.get(c.source, 0), order.get(c.target, 0), c.status))
    stages, stage_order = _stage_changes(old, new)
    added = [a for a in added if a not in came]
    removed = [r for r in removed if r not in gone]
    groups, renamed_groups = (), ()
    if old.groups or new.groups:
        groups, renamed_groups, changed = _group_changes(old, new, changed, added, removed)
    return ModelDiff(old=old, new=new, added=tuple(added), removed=tuple(removed), renamed=tuple(renamed),
                     changed=tuple(changed), relations=tuple(relations), stages=stages, stage_order=stage_order,
                     measures=_measure_changes(old, new), groups=groups, renamed_groups=renamed_groups)


def _stage_changes(old: Model, new: Model):
    """(stage changes, order change or None) between the declared stages.
    Stages a v1 model only names in `stage:` attributes are not compared
    (the deliverables' `stage` field changes say it); exit criteria are
    compared as sets, since their order means nothing."""
    before = {n: s for n, s in old.stages.items() if s.declared}
    after = {n: s for n, s in new.stages.items() if s.declared}
    out = _named_changes(before, after, STAGE_FIELDS,
                         lambda s, f: list(s.exits) if f == "exits" else getattr(s, f),
                         lambda f, a, b: set(a) == set(b) if f == "exits" else a == b)
    common_old = tuple(n for n in before if n in after)
    common_new = tuple(n for n in after if n in before)
    return tuple(out), ((common_old, common_new) if common_old != common_new else None)


def _group_changes(old: Model, new: Model, changed: list[DeliverableChange], added: list[str],
                   removed: list[str]):
    """(group changes, group renames, `changed` without the moves a rename
    explains). Groups are few: every pass here is over groups, or over the
    deliverables already found added, removed or changed; a group's
    members are read from those (a deliverable in a removed or an added
    group has changed its group, or is itself removed or added), never
    from every deliverable of the model."""
    gone = [g for g in old.groups if g not in new.groups]
    came = [g for g in new.groups if g not in old.groups]
    rename: dict[str, str] = {}
    if gone and came:
        rename = _group_renames(old, new, gone, came, changed, added, removed)
    if rename:
        # a member's move from a renamed group to its new name is the rename
        kept = []
        for ch in changed:
            fields = tuple(f for f in ch.changes
                           if not (f.field == "group" and f.old in rename and rename[f.old] == f.new))
            if fields:
                kept.append(ch if len(fields) == len(ch.changes) else DeliverableChange(ch.name, fields))
        changed = kept
    before = {rename.get(n, n): g for n, g in old.groups.items()}  # under their new names

    def value(g, f, side_is_old):
        v = getattr(g, f)
        return rename.get(v, v) if f == "parent" and side_is_old else v

    out: list[StageChange] = []
    for name, g in new.groups.items():
        b = before.get(name)
        if b is None:
            out.append(StageChange(name, "added"))
            continue
        changes = tuple(FieldChange(f, value(b, f, True), value(g, f, False)) for f in GROUP_FIELDS
                        if value(b, f, True) != value(g, f, False))
        if changes:
            out.append(StageChange(name, "changed", changes))
    out += [StageChange(n, "removed") for n in old.groups if n not in new.groups and n not in rename]
    return tuple(out), tuple((o, rename[o]) for o in gone if o in rename), changed


def _group_renames(old: Model, new: Model, gone: list[str], came: list[str], changed: list[DeliverableChange],
                   added: list[str], removed: list[str]) -> dict[str, str]:
    """Old name -> new name of the groups renamed: a removed group and an
    added one with the same members (deliverables, under their new names,
    and groups nested in them, read through the renames found so far), and
    no other candidate. A group with no members is not guessed."""
    gone_set, came_set = set(gone), set(came)
    old_members: dict[str, set] = {g: set() for g in gone}
    new_members: dict[str, set] = {g: set() for g in came}
    for ch in changed:
        for f in ch.changes:
            if f.field == "group":
                if f.old in gone_set:
                    old_members[f.old].add(ch.name)
                if f.new in came_set:
                    new_members[f.new].add(ch.name)
    # a member removed or added makes the two groups differ
    old_spoilt = {old.deliverables[n].group for n in removed}
    new_spoilt = {new.deliverables[n].group for n in added}
    old_nested, new_nested = _nested(old, gone_set), _nested(new, came_set)
    found: dict[str, str] = {}
    while True:
        table_old: dict = {}
        for g in gone:
            if g in found or g in old_spoilt:
                continue
            nested = tuple(sorted(found.get(c, c if c not in gone_set else "?") for c in old_nested[g]))
            k = (frozenset(old_members[g]), nested)
            if k[0] or any(c != "?" for c in nested):
                table_old.setdefault(k, []).append(g)
        taken = set(found.values())
        table_new: dict = {}
        for g in came:
            if g in taken or g in new_spoilt:
                continue
            nested = tuple(sorted(c if c not in came_set or c in taken else "?" for c in new_nested[g]))
            table_new.setdefault((frozenset(new_members[g]), nested), []).append(g)
        pairs = {olds[0]: table_new[k][0] for k, olds in table_old.items()
                 if len(olds) == 1 and len(table_new.get(k, ())) == 1}
        if not pairs:
            return found
        found.update(pairs)


def _nested(model: Model, parents: set[str]) -> dict[str, list[str]]:
    """The groups nested directly in each of `parents`, in one pass over the groups."""
    out: dict[str, list[str]] = {g: [] for g in parents}
    for name, g in model.groups.items():
        if g.parent in out:
            out[g.parent].append(name)
    return out


def measure_value(m, name: str):
    """A measure's field as the diff shows it: thresholds as written."""
    value = getattr(m, "source" if name == "from" else name)
    if name in ("target", "green", "lime", "yellow"):
        return None if value is None else value.text
    return list(value) if name == "owners" else value


def _measure_changes(old: Model, new: Model) -> tuple[StageChange, ...]:
    """Measures added, removed and changed (a change of `of:` moves what a
    stage's end is judged by; a threshold's change moves the colours)."""
    return tuple(_named_changes(old.measures, new.measures, MEASURE_FIELDS, measure_value))


def _named_changes(before: dict, after: dict, fields, value, same=lambda f, a, b: a == b) -> list[StageChange]:
    """Declarations added, changed (the fields whose `value(item, field)`
    is not the `same`) and removed, by name: stages and measures."""
    out: list[StageChange] = []
    for name, item in after.items():
        b = before.get(name)
        if b is None:
            out.append(StageChange(name, "added"))
            continue
        changes = []
        for f in fields:
            ov, nv = value(b, f), value(item, f)
            if not same(f, ov, nv):
                changes.append(FieldChange(f, ov, nv))
        if changes:
            out.append(StageChange(name, "changed", tuple(changes)))
    out += [StageChange(name, "removed") for name in before if name not in after]
    return out
