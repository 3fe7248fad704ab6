"""What changed in the process between two versions of a model: a semantic
diff keyed by deliverable name, not by text line, so reformatting and
reordering are no change at all.

    diff_models(old, new) -> ModelDiff

- deliverables added, removed, and renamed (a removed and an added
  deliverable with the same relations, once the one name is read as the
  other, and no other candidate);
- deliverables changed: kind (deliverable <-> knowhow), owners, external,
  final, stage, group, label, note (old and new value of each);
- relations added, removed, and changed kind (input <-> sync <-> mutual:
  the same pair of deliverables, another arrow); a relation's note,
  stage and owners count as part of it (a change there is "changed").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .model import MUTUAL, Deliverable, Model, Relation

FIELDS = ("kind", "label", "owners", "external", "final", "stage", "group", "note")


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
class ModelDiff:
    old: Model
    new: Model
    added: tuple[str, ...] = ()                       # deliverable names in the new model
    removed: tuple[str, ...] = ()                     # in the old model
    renamed: tuple[tuple[str, str], ...] = ()         # (old name, new name)
    changed: tuple[DeliverableChange, ...] = ()
    relations: tuple[RelationChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.changed or self.relations)

    def counts(self) -> dict[str, int]:
        rel = Counter(r.status for r in self.relations)
        return {"deliverables added": len(self.added), "deliverables removed": len(self.removed),
                "deliverables renamed": len(self.renamed), "deliverables changed": len(self.changed),
                "relations added": rel["added"], "relations removed": rel["removed"],
                "relations changed": rel["changed"]}

    def summary(self) -> str:
        """'2 deliverables added, 1 renamed, 3 relations removed' or 'no semantic change'."""
        c = self.counts()
        if self.empty:
            return "no semantic change"
        parts = []
        d = [(c["deliverables added"], "added"), (c["deliverables removed"], "removed"),
             (c["deliverables renamed"], "renamed"), (c["deliverables changed"], "changed")]
        r = [(c["relations added"], "added"), (c["relations removed"], "removed"),
             (c["relations changed"], "changed")]
        for things, counts in (("deliverable", d), ("relation", r)):
            shown = [(n, what) for n, what in counts if n]
            if shown:
                n0, w0 = shown[0]
                first = f"{n0} {things}{'s' if n0 != 1 else ''} {w0}"
                parts.append(", ".join([first] + [f"{n} {w}" for n, w in shown[1:]]))
        return "; ".join(parts)


def _value(d: Deliverable, name: str):
    v = getattr(d, name)
    return list(v) if isinstance(v, tuple) else v


def _relation_key(r: Relation) -> tuple:
    """What a relation is, apart from where it is written. A mutual
    relation is the same whichever side is written first."""
    a, b = (r.source, r.target)
    if r.kind == MUTUAL and b < a:
        a, b = b, a
    return (a, b, r.kind, r.note, r.stage, tuple(sorted(r.owners)))


def _signature(model: Model, name: str, rename: dict[str, str]) -> Counter:
    """The relations of `name` with the deliverable itself as '*' and other
    names read through `rename`."""
    def n(x):
        return "*" if x == name else rename.get(x, x)

    sig = Counter()
    for r in model.relations:
        if name in (r.source, r.target):
            sig[(n(r.source), n(r.target), r.kind)] += 1
    return sig


def diff_models(old: Model, new: Model) -> ModelDiff:
    removed = [n for n in old.deliverables if n not in new.deliverables]
    added = [n for n in new.deliverables if n not in old.deliverables]
    # renames: the same relations, with unchanged names on the other ends
    renamed: list[tuple[str, str]] = []
    if removed and added:
        old_sigs = {n: _signature(old, n, {}) for n in removed}
        new_sigs = {n: _signature(new, n, {}) for n in added}
        for o in removed:
            if not old_sigs[o]:
                continue  # no relations: nothing to recognise it by
            matches = [a for a in added if new_sigs[a] == old_sigs[o]
                       and old.deliverables[o].kind == new.deliverables[a].kind]
            back = [r for r in removed if old_sigs[r] == old_sigs[o]
                    and old.deliverables[r].kind == old.deliverables[o].kind]
            if len(matches) == 1 and len(back) == 1 and matches[0] not in {b for _, b in renamed}:
                renamed.append((o, matches[0]))
    gone = {o for o, _ in renamed}
    came = {a for _, a in renamed}
    rename = dict(renamed)
    changed = []
    for name, d in new.deliverables.items():
        before = old.deliverables.get(name)
        if before is None:
            before = next((old.deliverables[o] for o, a in renamed if a == name), None)
        if before is None:
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

    old_rel = Counter(_relation_key(renamed_relation(r)) for r in old.relations)
    new_rel = Counter(_relation_key(r) for r in new.relations)
    lost = old_rel - new_rel
    gained = new_rel - old_rel
    old_by_key = {}
    for r in old.relations:
        old_by_key.setdefault(_relation_key(renamed_relation(r)), r)
    new_by_key = {}
    for r in new.relations:
        new_by_key.setdefault(_relation_key(r), r)
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
    return ModelDiff(old=old, new=new, added=tuple(a for a in added if a not in came),
                     removed=tuple(r for r in removed if r not in gone), renamed=tuple(renamed),
                     changed=tuple(changed), relations=tuple(relations))
