"""A change to a model, as a reviewer needs it: what changed in the process
(`prep.language.diff`), which findings the change introduced and which it
resolved, and the fragility ranking before and after. `prep diff` prints it
as text, JSON, Markdown (a pull-request comment) or GitHub annotations.

Findings are matched by rule code and subject (and, for two findings of one
rule on one deliverable, by message), never by line, so moving lines changes
nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from dataclasses import dataclass

from .._words import japanese, say
from ..language.diagnostics import SEVERITY_RANK, Diagnostic
from ..language.diff import ModelDiff, diff_models
from ..language.packed import PackedDiagnostics
from . import lint_model
from . import review_sides as sides
from .formats import subject_of
from .hotspots import Hotspot
from .review_pipes import _NOT_RECORDED, _RECORDED, _detached, _read_flag, _receive, _scratch_file
from .review_record import wanted
from .rules import RULES

FORMATS = ("text", "json", "markdown", "github")
SCHEMA_VERSION = 1
FAIL_ON_NEW = ("error", "warning", "info")


@dataclass(frozen=True)
class Review:
    changes: ModelDiff
    introduced: tuple[Diagnostic, ...]
    resolved: tuple[Diagnostic, ...]
    hotspots_before: tuple[Hotspot, ...]
    hotspots_after: tuple[Hotspot, ...]
    old_label: str = "old"
    new_label: str = "new"
    # the git revision each side was read from (None: a file on disk, or a
    # model given in Python): a resolved finding is located in the old side,
    # which a reviewer finds at that revision, not in the work tree
    old_revision: str | None = None
    new_revision: str | None = None

    def worst_introduced(self) -> str | None:
        return max((d.severity for d in self.introduced), key=SEVERITY_RANK.__getitem__, default=None)

    def fails_on_new(self, level: str) -> bool:
        """Does the change introduce a finding of `level` or worse?"""
        worst = self.worst_introduced()
        return worst is not None and SEVERITY_RANK[worst] >= SEVERITY_RANK[level]


# the rules whose findings are about a stage as a whole (T401, T404): matched
# by the stage, the subject every output names (`formats.subject_of`)
_ABOUT_STAGE = frozenset(code for code, rule in RULES.items() if rule.about_stage)


def _key(d: Diagnostic, rename: dict[str, str]) -> tuple:
    return _match_key(d.code, d.subject, d.stage, d.message, rename)


def _match_key(code: str, subject: str | None, stage: str | None, message: str, rename: dict[str, str]) -> tuple:
    if code in _ABOUT_STAGE and stage is not None:
        return (code, ("stage", stage), "")
    subject = rename.get(subject, subject)
    return (code, subject, message if subject is None else "")


def start_old_side(old, *, top: int = 10, records=None, identify_old=None, early=None, **lint_options):
    """The old side's lint and ranking (or its record) started in a child
    now, for `review(..., old_side=...)`: it runs while the new model is
    still being read. Stop it (`.stop()` of the first item) if `review` is
    never called. `early`: the side's record being read already
    (`review_sides.start_record_read`)."""
    from .._process import start

    here = os.getpid()
    record = sides.record_of(records, identify_old, old, top, lint_options)
    found = sides.early_record(early, record, old)
    if found is not None:
        return sides.Ready(found), record
    return start(lambda: sides.old_side(old, top, lint_options, record, os.getpid() != here),
                 "the lint of the old model"), record


def start_new_side(new, *, old_recorded: bool, top: int = 10, records=None, identify_new=None, **lint_options):
    """The new side's lint (and ranking, unless a big model's ranking can
    follow from the old side's counts: `old_recorded`) started in a child
    now, for `review(..., new_side=...)`: when the old side is recorded the
    new side's lint is the longest piece of a review, and it can start
    before the old model is even built. Stop it (`.stop()` of the first
    item) if `review` is never called."""
    from .._process import start

    here = os.getpid()
    incremental = wanted(new) and old_recorded
    if incremental:  # once, for the lint in the child and the ranking here
        from .analysis import shared

        shared(new, new.index).flow  # noqa: B018
    return start(lambda: sides.new_side(new, top, lint_options, here, records, identify_new, incremental),
                 "the lint of the new model"), incremental


def review(old, new, *, old_label: str = "old", new_label: str = "new", top: int = 10, records=None,
           identify_old=None, identify_new=None, old_side=None, new_side=None, **lint_options) -> Review:
    """The review of the change from model `old` to model `new`.

    Each side is linted and ranked in a forked child while this process
    compares the two. With review records (`records`, `identify_old`,
    `identify_new`: as `review_loading` takes them) a recorded side is
    neither linted nor ranked, and when the old side is recorded and the
    new model is big, the new side is only linted in its child, the
    comparison moves to a third, and this process ranks the new side from
    the old side's counts. `old_side`, `new_side`: what `start_old_side`
    and `start_new_side` returned for `old` and `new` with the same
    settings (started earlier)."""
    from .._process import start

    differ = None
    old_child = None if old_side is None else old_side[0]
    new_child = None if new_side is None else new_side[0]
    try:
        if old_side is None:
            old_side = start_old_side(old, top=top, records=records, identify_old=identify_old, **lint_options)
        old_child, old_record = old_side
        if new_side is None:
            new_side = start_new_side(new, old_recorded=old_record[1] is not None and old_record[0].has(old_record[1]),
                                      top=top, records=records, identify_new=identify_new, **lint_options)
        new_child, incremental = new_side
        if incremental:
            differ = start(lambda: _detached(diff_models(old, new)), "the comparison")
            ranking = sides.ranking_after(old, new, top)  # the graph work while the old side's counts come
        else:
            changes = diff_models(old, new)
        before, hotspots_before, counts_before = old_child.take()
        counts_after = hotspots_after = None
        if incremental:
            hotspots_after, counts_after = ranking(counts_before)
            changes = dataclasses.replace(differ.wait(), old=old, new=new)
        after, hotspots, new_key = new_child.take()
        result = _finish(changes, before, after, hotspots_before, hotspots, hotspots_after, counts_after, new_key,
                         records, old_label, new_label)
        old_child.wait()  # what they record, written meanwhile
        new_child.wait()
    except BaseException:
        for side in (old_child, new_child, differ):
            if side is not None:
                side.stop()
        raise
    return result


def introduced_by(old, new, new_findings: list[Diagnostic], **lint_options) -> list[Diagnostic]:
    """Those of `new_findings` (the lint of model `new`, already made) that
    model `old` does not have, matched as `review` matches them; the very
    objects, in their order. What `prep lint --new-only` keeps: the new
    side is not linted again and neither side is ranked."""
    changes = diff_models(old, new)
    before = lint_model(old, **lint_options)
    return list(_delta(changes, before, new_findings, (), (), "old", "new").introduced)


def review_loading(load_old, load_new, *, top: int = 10, records=None, identify_old=None, identify_new=None,
                   **lint_options) -> Review:
    """`review` of two models still to be read: `load_old()` and
    `load_new()` each return (model, label). As `prep diff` runs it.

    The old side is read, ranked and linted in a forked child while this
    process reads the new side. The child writes its model as soon as it
    has read it, packed by column (prep/language/packed.py: a tenth of what
    reading it again costs), into an unnamed file made before the fork, and
    then says how long it is through a pipe. (Through the pipe itself the
    child would wait, 64 KiB at a time, for this busy process to read the
    megabytes: 0.2 s at 10,000 deliverables.) Once it has the new model,
    this process forks a second child to lint it (and rank it, when it is
    small), and meanwhile unpacks the old model and compares the two; both
    children's findings come back packed, and only the ones that changed
    are built. A big model's ranking is then worked out here from the old
    side's reachability counts and the change (prep/linter/reach_delta.py).
    Without fork, one after the other, here. A side that cannot be read
    raises its PrepError, the old side's first when both fail (as when
    they were read in that order).

    Review records (prep/linter/review_record.py): `records()` opens them
    (None: none are kept), `identify_old()` / `identify_new()` say what a
    side's files are (None: not a revision). A big side with a record is
    neither linted nor ranked; one without gets a record."""
    import importlib

    from .._process import start
    from ..language.packed import pack_model, unpack_model

    for module in ("fastparse", "parse", "source"):  # what both readers import: once, before the fork
        importlib.import_module(f"..language.{module}", __package__)

    try:
        store = _scratch_file()
    except OSError:  # no memfd and no writable temporary folder: one side after the other
        old, old_label = load_old()
        new, new_label = load_new()
        return review(old, new, old_label=old_label, new_label=new_label, top=top, records=records,
                      identify_old=identify_old, identify_new=identify_new, **lint_options)
    here = os.getpid()
    try:
        read_end, write_end = os.pipe()
    except OSError:
        os.close(store)
        raise

    def old_side():
        model, label = load_old()
        record = sides.record_of(records, identify_old, model, top, lint_options)
        if os.getpid() == here:  # ran in this process: nothing to send
            return sides.headed(sides.old_side(model, top, lint_options, record, False), model, label)
        # first whether this side is recorded: then the new side's ranking
        # waits for this side's counts instead of being computed in full
        os.write(write_end, _RECORDED if record[1] is not None and record[0].has(record[1]) else _NOT_RECORDED)
        data = memoryview(pack_model(model))  # then the model
        done = 0
        while done < len(data):
            done += os.pwrite(store, data[done:], done)
        os.write(write_end, len(data).to_bytes(8, "little"))
        os.close(write_end)
        return sides.headed(sides.old_side(model, top, lint_options, record, True), None, label)

    try:
        try:
            child = start(old_side, "reading the old model")
        finally:
            os.close(write_end)
        new_side = differ = None
        waited = False  # for the old side (a child is waited for once)
        try:
            new, new_label = load_new()
            big = wanted(new)
            flag = _read_flag(read_end) if big else None
            incremental = flag == _RECORDED  # ranked here from the old side's counts
            if incremental:
                new.index  # noqa: B018 - once, for the lint in the child and the ranking here
            # the new side's lint on whichever core is free while this
            # process unpacks the old model and compares
            new_side = start(lambda: sides.new_side(new, top, lint_options, here, records, identify_new,
                                                    incremental), "the lint of the new model")
            if flag is None:
                flag = _read_flag(read_end)
            old = _receive(read_end, store, unpack_model) if flag else None
            changes = None
            ranking = None
            if old is not None and incremental:  # compared in a child while this process ranks
                differ = start(lambda: _detached(diff_models(old, new)), "the comparison")
                ranking = sides.ranking_after(old, new, top)  # the graph work while the old side's counts come
            elif old is not None:
                changes = diff_models(old, new)
            waited = True
            old_model, old_label, before, hotspots_before, counts_before = child.take()
            old = old if old is not None else old_model
            counts_after = hotspots_after = None
            if incremental:
                ranking = ranking or sides.ranking_after(old, new, top)
                hotspots_after, counts_after = ranking(counts_before)
            if differ is not None:
                changes = dataclasses.replace(differ.wait(), old=old, new=new)
            elif changes is None:  # read here
                changes = diff_models(old, new)
            after, hotspots, new_key = new_side.take()
        except Exception:
            for side in (new_side, differ):
                if side is not None:
                    side.stop()
            if not waited:
                child.wait()  # raises the old side's error, if it has one
            child.stop()  # what it would have recorded after its result
            raise
        except BaseException:
            for side in (new_side, differ, child):
                if side is not None:
                    side.stop()
            raise
    finally:
        os.close(read_end)
        os.close(store)
    try:
        result = _finish(changes, before, after, hotspots_before, hotspots, hotspots_after, counts_after, new_key,
                         records, old_label, new_label)
        child.wait()  # what they record, written meanwhile
        new_side.wait()
    except BaseException:
        child.stop()
        new_side.stop()
        raise
    return result


def _finish(changes, before, after, hotspots_before, hotspots, hotspots_after, counts_after, new_key, records,
            old_label: str, new_label: str) -> Review:
    """The Review, once both sides are done: `hotspots` is the new side's
    ranking when its child made it (else `hotspots_after`, made here, whose
    counts go into the new side's record under `new_key`)."""
    if hotspots is not None:  # ranked with the lint, or recorded
        hotspots_after = hotspots
    elif new_key is not None and counts_after is not None:
        records().store_ranking(new_key, hotspots_after, *counts_after)
    if isinstance(after, bytes):
        after = PackedDiagnostics(after)
    if isinstance(before, bytes):
        before = PackedDiagnostics(before)
    return _delta(changes, before, after, hotspots_before, hotspots_after, old_label, new_label)


def _delta(changes: ModelDiff, before, after, hotspots_before, hotspots_after, old_label: str,
           new_label: str) -> Review:
    """The Review: findings matched by rule code and subject (renames read
    through), never by line. `before` and `after` are lists of Diagnostic,
    or PackedDiagnostics: then only the findings that changed are built."""
    rename = dict(changes.renamed)
    old_keys = _keys(before, rename)
    new_keys = _keys(after, {})
    old_count, new_count = Counter(old_keys), Counter(new_keys)
    return Review(changes, tuple(_take(after, _beyond(new_keys, new_count, old_count))),
                  tuple(_take(before, _beyond(old_keys, old_count, new_count))), tuple(hotspots_before),
                  tuple(hotspots_after), old_label, new_label)


def _keys(findings, rename: dict[str, str]) -> list[tuple]:
    """The match key of each finding (as `_key`), in order."""
    if not isinstance(findings, PackedDiagnostics):
        return [_key(d, rename) for d in findings]
    return [_match_key(code, subject, stage, message, rename)
            for code, subject, stage, message in zip(findings.column("code"), findings.column("subject"),
                                                     findings.column("stage"), findings.column("message"))]


def _beyond(keys: list[tuple], count: Counter, other: Counter) -> list[int]:
    """Positions of the findings whose key occurs more often here (`count`:
    of `keys`) than in `other`: the later ones of each key. Only the keys
    in excess are walked (a change leaves nearly every finding as it was)."""
    kept = {k: other.get(k, 0) for k, n in count.items() if n > other.get(k, 0)}
    if not kept:
        return []
    seen: Counter = Counter()
    out = []
    for i in [i for i, k in enumerate(keys) if k in kept]:
        k = keys[i]
        seen[k] += 1
        if seen[k] > kept[k]:
            out.append(i)
    return out


def _take(findings, indices: list[int]) -> list[Diagnostic]:
    return findings.take(indices) if isinstance(findings, PackedDiagnostics) else [findings[i] for i in indices]


# ---------------------------------------------------------------- outputs


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_one_line(x) for x in v) + "]" if v else "(none)"
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return _one_line(str(v))


_UNSEEN = re.compile(r"[\n\r\t]")


def _one_line(text: str) -> str:
    """A text on one line of the change list, as the model writes it: a
    label "事例\nCase study" (every example's labels have two lines) broke
    the list's line in two, the second line looking like a line of its
    own; such a text is shown quoted, its line break as \\n."""
    if _UNSEEN.search(text) is None:
        return text
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
                  .replace("\t", "\\t")) + '"'


def _relation_text(r) -> str:
    text = f"{r.source} {r.arrow} {r.target}"
    extras = []
    if r.note:
        extras.append(f"note: {_one_line(r.note)}")
    if r.stage:
        extras.append(f"stage: {r.stage}")
    if r.owners:
        extras.append("owner: " + ", ".join(r.owners))
    return text + (f" [{'; '.join(extras)}]" if extras else "")


def change_lines(review_: Review) -> list[tuple[str, str]]:
    """(sign, text) per change, in a stable order: + added, - removed,
    ~ changed, > renamed."""
    c = review_.changes
    ja = japanese()   # prep diff --language ja: prep's words; names, fields and relations as written
    out = []
    for name in c.added:
        d = c.new.deliverables[name]
        out.append(("+", f"{say(d.kind)} {name}"))
    for name in c.removed:
        d = c.old.deliverables[name]
        out.append(("-", f"{say(d.kind)} {name}"))
    for o, n in c.renamed:
        out.append((">", f"「{o}」を「{n}」に改名（関係は同じ）" if ja else f"{o} renamed to {n} (same relations)"))
    for ch in c.changed:
        for f in ch.changes:
            out.append(("~", f"{ch.name}: {f.field} {_value(f.old)} -> {_value(f.new)}"))
    for r in c.relations:
        if r.status == "added":
            out.append(("+", _relation_text(r.new)))
        elif r.status == "removed":
            out.append(("-", _relation_text(r.old)))
        else:
            out.append(("~", f"{_relation_text(r.old)}  ->  {_relation_text(r.new)}"))
    out += _declaration_lines("stage", c.stages, c.old.stages, c.new.stages, _stage_text)
    if c.stage_order:
        old_order, new_order = c.stage_order
        out.append(("~", f"{'ステージの順序' if ja else 'stage order'}: {', '.join(old_order)} -> "
                         f"{', '.join(new_order)}"))
    out += _declaration_lines("measure", c.measures, c.old.measures, c.new.measures, _measure_text)
    for o, n in c.renamed_groups:
        out.append((">", f"グループ「{o}」を「{n}」に改名（メンバーは同じ）" if ja else f"group {o} renamed to {n} (same members)"))
    out += _declaration_lines("group", c.groups, c.old.groups, c.new.groups, _group_text)
    return out


def _declaration_lines(kind: str, changes, old: dict, new: dict, text) -> list[tuple[str, str]]:
    """The lines of stages or measures added (+), removed (-) and changed
    (~, a line per field); `text` writes a declaration's attributes."""
    out = []
    kind = say(kind)
    for ch in changes:
        if ch.status == "added":
            out.append(("+", f"{kind} {ch.name}" + text(new[ch.name])))
        elif ch.status == "removed":
            out.append(("-", f"{kind} {ch.name}" + text(old[ch.name])))
        else:
            for f in ch.changes:
                out.append(("~", f"{kind} {ch.name}: {f.field} {_value(f.old)} -> {_value(f.new)}"))
    return out


def _measure_text(m) -> str:
    target = f", target {m.target.text}" if m.target is not None else ""
    return f" (of: {m.of})" if not target else f" (of: {m.of}{target})"


def _group_text(group) -> str:
    """' (label: Sales, parent: 営業本部)': what a group added or removed
    has besides its name."""
    from ..language.diff import GROUP_FIELDS

    shown = [f"{f}: {_value(getattr(group, f))}" for f in GROUP_FIELDS if getattr(group, f) is not None]
    return f" ({', '.join(shown)})" if shown else ""


def _stage_text(stage) -> str:
    return f" (exit: {', '.join(stage.exits)})" if stage.exits else (
        "（完了条件なし）" if japanese() else " (no exit criterion)")


def place(d: Diagnostic, revision: str | None, *, column: bool = True) -> str:
    """Where finding `d` is: `path:line:col`, and for a side read from a git
    revision, which one: `sales.prep:3:9 (at main)` (a workspace's files
    keep their paths), or `main:model.prep:3:9` (a single file read from a
    revision is labelled as git names it). `column=False`: to the line."""
    where = f"{d.span.path}:{d.span.line}" + (f":{d.span.column}" if column else "")
    if revision is None or d.span.path.startswith(revision + ":"):
        return where
    return f"{where}（{revision} 時点）" if japanese() else f"{where} (at {revision})"


def _finding_text(d: Diagnostic) -> str:
    subject = subject_of(d)
    return f"{d.code} {d.severity}: {d.message}" + (f" [{subject}]" if subject else "")


def format_text(r: Review, colour: bool = False) -> str:
    def paint(sign, text):
        if not colour:
            return text
        code = {"+": "32", "-": "31", "~": "33", ">": "36"}.get(sign, "0")
        return f"\x1b[{code}m{text}\x1b[0m"

    ja = japanese()   # prep diff --language ja
    lines = [f"{r.old_label} -> {r.new_label}: {r.changes.summary()}"]
    for sign, text in change_lines(r):
        lines.append(paint(sign, f"  {sign} {text}"))
    new, resolved = ("新規", "解消") if ja else ("new     ", "resolved")
    if r.introduced or r.resolved:
        lines.append(f"指摘: 新規 {len(r.introduced)} 件、解消 {len(r.resolved)} 件" if ja else
                     f"findings: {len(r.introduced)} introduced, {len(r.resolved)} resolved")
        for d in r.introduced:
            lines.append(paint("-", f"  {new} {d.span.path}:{d.span.line}:{d.span.column}: {_finding_text(d)}"))
        for d in r.resolved:
            # where it was: in the old side, at its revision
            lines.append(paint("+", f"  {resolved} {place(d, r.old_revision)}: {_finding_text(d)}"))
    else:
        lines.append("指摘: 新規なし、解消なし" if ja else "findings: none introduced, none resolved")
    moves = _hotspot_moves(r)
    if moves:
        lines.append("ホットスポットの順位（スコア = S + 2K + 5F）:" if ja else "fragility ranking (score = S + 2K + 5F):")
        for name, before, after in moves:
            lines.append(f"  {name}: {before} -> {after}")
    return "\n".join(lines) + "\n"


def _hotspot_moves(r: Review) -> list[tuple[str, str, str]]:
    """(deliverable, before, after) for every deliverable in either top list
    whose rank or score moved."""
    before = {h.deliverable: h for h in r.hotspots_before}
    after = {h.deliverable: h for h in r.hotspots_after}
    rename = dict(r.changes.renamed)
    before = {rename.get(k, k): v for k, v in before.items()}
    out = []
    for name in list(after) + [n for n in before if n not in after]:
        b, a = before.get(name), after.get(name)
        if b and a and (b.rank, b.score) == (a.rank, a.score):
            continue
        show = (lambda h: f"#{h.rank} ({h.score:.2f})" if h else "-")
        out.append((name, show(b), show(a)))
    return out


def _diag_record(d: Diagnostic, revision: str | None) -> dict:
    """A finding as `prep lint --format json` writes it, and the git
    revision of the side it is in (None: a file on disk): a resolved
    finding's place is in the old version."""
    from .formats import to_record

    return {**to_record(d), "revision": revision}


def as_dict(r: Review) -> dict:
    c = r.changes
    return {
        "format": "prep-diff",
        "version": SCHEMA_VERSION,
        "old": r.old_label,
        "new": r.new_label,
        "summary": c.summary(),
        "changed": not c.empty,
        "counts": c.counts(),
        "deliverables": {
            "added": [{"name": n, "kind": c.new.deliverables[n].kind} for n in c.added],
            "removed": [{"name": n, "kind": c.old.deliverables[n].kind} for n in c.removed],
            "renamed": [{"old": o, "new": n} for o, n in c.renamed],
            "changed": [{"name": ch.name, "changes": [{"field": f.field, "old": f.old, "new": f.new}
                                                       for f in ch.changes]} for ch in c.changed],
        },
        "relations": [{"status": rc.status, "source": rc.source, "target": rc.target,
                       "old": _relation_record(rc.old), "new": _relation_record(rc.new)} for rc in c.relations],
        "stages": {
            "added": [_stage_record(c.new.stages[s.name]) for s in c.stages if s.status == "added"],
            "removed": [_stage_record(c.old.stages[s.name]) for s in c.stages if s.status == "removed"],
            "changed": [{"name": s.name, "changes": [{"field": f.field, "old": f.old, "new": f.new}
                                                     for f in s.changes]} for s in c.stages if s.status == "changed"],
            "order": None if c.stage_order is None else {"old": list(c.stage_order[0]),
                                                         "new": list(c.stage_order[1])},
        },
        "measures": {
            "added": [_measure_record(c.new.measures[m.name]) for m in c.measures if m.status == "added"],
            "removed": [_measure_record(c.old.measures[m.name]) for m in c.measures if m.status == "removed"],
            "changed": [{"name": m.name, "changes": [{"field": f.field, "old": f.old, "new": f.new}
                                                     for f in m.changes]} for m in c.measures if m.status == "changed"],
        },
        "groups": {
            "added": [_group_record(c.new.groups[g.name]) for g in c.groups if g.status == "added"],
            "removed": [_group_record(c.old.groups[g.name]) for g in c.groups if g.status == "removed"],
            "renamed": [{"old": o, "new": n} for o, n in c.renamed_groups],
            "changed": [{"name": g.name, "changes": [{"field": f.field, "old": f.old, "new": f.new}
                                                     for f in g.changes]} for g in c.groups if g.status == "changed"],
        },
        "findings": {"introduced": [_diag_record(d, r.new_revision) for d in r.introduced],
                     "resolved": [_diag_record(d, r.old_revision) for d in r.resolved]},
        "hotspots": {"before": [_hotspot_record(h) for h in r.hotspots_before],
                     "after": [_hotspot_record(h) for h in r.hotspots_after]},
    }


def _relation_record(rel) -> dict | None:
    """A relation as it is written on its side: in a workspace a line
    number alone is no place, so `path` names the file (as a finding's
    `path` does)."""
    if rel is None:
        return None
    return {"kind": rel.kind, "source": rel.source, "target": rel.target, "note": rel.note, "stage": rel.stage,
            "owners": list(rel.owners), "path": rel.span.path, "line": rel.span.line}


def _measure_record(m) -> dict:
    from ..language.diff import MEASURE_FIELDS, measure_value

    return {"name": m.name, **{f: measure_value(m, f) for f in MEASURE_FIELDS}}


def _group_record(group) -> dict:
    from ..language.diff import GROUP_FIELDS

    return {"name": group.name, **{f: getattr(group, f) for f in GROUP_FIELDS}}


def _stage_record(stage) -> dict:
    return {"name": stage.name, "label": stage.label, "exits": list(stage.exits), "index": stage.index}


def _hotspot_record(h: Hotspot) -> dict:
    return {"rank": h.rank, "deliverable": h.deliverable, "score": h.score}


def format_json(r: Review) -> str:
    return json.dumps(as_dict(r), ensure_ascii=False, indent=2) + "\n"


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: no HTML, no pipes, no line breaks.
    Only a '<' that could open a tag and an '&' that could start an entity
    are escaped: '->' and '<~>' read as written in the raw Markdown too (a
    review comment read "-&gt;" and "&lt;~&gt;")."""
    text = _ENTITY_START.sub("&amp;", text)
    text = _TAG_START.sub("&lt;", text)
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _md_code(text: str) -> str:
    """Text inside a Markdown code span, which shows it literally (an
    entity there is shown as typed): one line, no backtick."""
    return text.replace("\n", " ").replace("`", "'")


_ENTITY_START = re.compile(r"&(?=#?\w+;)")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


DETAILS_ABOVE = 10  # longer lists fold into <details>


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out


def _section(title: str, head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    table = _table(head, rows)
    if len(rows) > DETAILS_ABOVE:
        count = f"（{len(rows)} 件）" if japanese() else f" ({len(rows)})"
        return ["", f"<details><summary>{_md(title)}{count}</summary>", "", *table, "", "</details>"]
    return ["", f"**{_md(title)}**", "", *table]


def _then(text: str) -> str:
    """What goes between a message and a note or hint in a table cell: "; ",
    or 。 after a Japanese sentence (a syntax error stays English)."""
    return "。" if japanese() and text and not text[-1].isascii() else "; "


def _notes(d: Diagnostic, before: str = "") -> str:
    """A finding's other places, as the text output's notes ("declared
    before", "written twice": where; in a workspace often another file)."""
    out = ""
    for x in d.related:
        out += f"{_then(before + out)}{say('note')}: {x.span.path}:{x.span.line}: {x.message}"
    return out


def _with_subject(d: Diagnostic) -> str:
    subject = subject_of(d)
    if subject and japanese():
        return d.message + f"（{subject}）"
    return d.message + (f" ({subject})" if subject else "")


def format_markdown(r: Review) -> str:
    c = r.changes
    worst = r.worst_introduced()
    head = f"### prep diff: `{_md_code(r.new_label)}`"
    if japanese():   # prep diff --language ja: the headings, the sentence and the headers
        said = (f"{_md(c.summary())}（比較対象: `{_md_code(r.old_label)}`）。指摘: 新規 {len(r.introduced)} 件"
                + (f"（最も重い重大度: {worst}）" if worst else "") + f"、解消 {len(r.resolved)} 件。")
        word = {"+": "追加", "-": "削除", "~": "変更", ">": "改名"}
        titles = ("変更", "新しい指摘", "解消した指摘", "ホットスポットの順位")
        heads = (["", "種類", "内容"], ["ルール", "重大度", "場所", "指摘"], ["ルール", "重大度", "元の場所", "指摘"],
                 ["成果物", "前", "後"])
    else:
        said = (f"{_md(c.summary())} (against `{_md_code(r.old_label)}`); findings: {len(r.introduced)} introduced"
                + (f" (worst: {worst})" if worst else "") + f", {len(r.resolved)} resolved.")
        word = {"+": "added", "-": "removed", "~": "changed", ">": "renamed"}
        titles = ("Changes", "Findings introduced", "Findings resolved", "Fragility ranking")
        heads = (["", "change", "what"], ["rule", "severity", "place", "finding"],
                 ["rule", "severity", "was at", "finding"], ["deliverable", "before", "after"])
    lines = [head, "", said]
    lines += _section(titles[0], heads[0], [[s, word[s], t] for s, t in change_lines(r)])
    # a new finding where it is in the new side (the pull request's files);
    # a resolved one where it was, at the old side's revision
    lines += _section(titles[1], heads[1],
                      [[d.code, d.severity, f"{d.span.path}:{d.span.line}",
                        _with_subject(d) + _notes(d, _with_subject(d))] for d in r.introduced])
    lines += _section(titles[2], heads[2],
                      [[d.code, d.severity, place(d, r.old_revision, column=False),
                        _with_subject(d)] for d in r.resolved])
    lines += _section(titles[3], heads[3], [[n, b, a] for n, b, a in _hotspot_moves(r)])
    return "\n".join(lines) + "\n"


def format_markdown_unread(label: str, errors: list[Diagnostic]) -> str:
    """`format_markdown` for a comparison that could not be made, a side's
    model being unreadable (a syntax error, a broken include): where a
    pull request's summary would otherwise be empty, it says why."""
    def cell(d):
        text = d.message + _notes(d, d.message)
        return text + (f"{_then(text)}{say('hint')}: {d.hint}" if d.hint else "")

    rows = [[f"{d.span.path}:{d.span.line}", cell(d)] for d in errors]
    config = errors and all(d.name == "config-error" for d in errors)
    if japanese():   # prep diff --language ja
        why = "**比較していません**: " + ("設定を読めません。" if config else "モデルのどちらかの版を読めません。")
    else:
        why = "**Not compared**: " + ("the configuration cannot be read." if config else
                                      "a version of the model cannot be read.")
    return "\n".join([f"### prep diff: `{_md_code(label)}`", "", why, "",
                      *_table([say("place"), say("error")], rows)]) + "\n"


def format_github(r: Review, *, root: str, path: str | None = None) -> str:
    """Annotations on the new file's lines for the findings the change
    introduced. `path`: the new file in the work tree, for findings whose
    model was read from a revision (their span says `REV:file`)."""
    from dataclasses import replace

    from .formats import format_github as lint_github

    findings = list(r.introduced)
    if path is not None:
        findings = [replace(d, span=d.span._replace(path=path)) if d.span.path == r.new_label else d
                    for d in findings]
    return lint_github(findings, root=root)
