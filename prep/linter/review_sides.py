"""The work on each side of a review (prep/linter/review.py): lint and
rank a model, or, for a big model, rank the new side from the old side's
reachability counts (prep/linter/reach_delta.py) and take a revision's
findings and ranking from its review record when one is kept
(prep/linter/review_record.py).

Counts travel as two lists in the model's deliverable order (`(up, down)`),
which is how the packed model and a record keep the deliverables too.
"""

from __future__ import annotations

import os

from ..language.diagnostics import Diagnostic
from ..language.packed import pack_diagnostics
from . import lint_model
from .hotspots import Hotspot, rank, reach_counts
from .review_record import wanted

Counts = tuple[list[int], list[int]]


def lint_and_rank(model, top: int, lint_options: dict) -> tuple[list[Diagnostic], list[Hotspot], Counts | None]:
    """(findings, ranking, counts): the counts only for a model that
    `review_record.wanted` (the others are ranked in one cheap pass)."""
    # the ranking first: the all-pairs reachability it makes is kept for the
    # model, and S303 then asks it instead of walking the graph again
    hotspots, counts = rank_counted(model, top)
    return lint_model(model, **lint_options), hotspots, counts


def rank_counted(model, top: int, counts: tuple[dict, dict] | None = None) -> tuple[list[Hotspot], Counts | None]:
    """The ranking of `model`, and its (up, down) counts when it is big.
    `counts`: those counts by name, when known already."""
    if not wanted(model):
        return rank(model, top=top), None
    if counts is None:
        counts = reach_counts(model, model.index)
    names = list(model.deliverables)
    up, down = counts
    return rank(model, top=top, counts=counts), ([up[n] for n in names], [down[n] for n in names])


def rank_after(old, new, top: int, counts_before: Counts | None) -> tuple[list[Hotspot], Counts | None]:
    """`rank_counted(new)`, from the counts of `old` when they are known
    and the change leaves most of the model as it was."""
    return ranking_after(old, new, top)(counts_before)


def ranking_after(old, new, top: int):
    """`rank_after` as a function of the old side's counts, the graph work
    done now (while those counts are still on their way)."""
    from .reach_delta import prepare

    apply = prepare(old, new) if wanted(new) else None
    names = list(old.deliverables)

    def finish(counts_before: Counts | None) -> tuple[list[Hotspot], Counts | None]:
        counts = None
        if apply is not None and counts_before is not None and len(names) == len(counts_before[0]) \
                == len(counts_before[1]):
            counts = apply(dict(zip(names, counts_before[0])), dict(zip(names, counts_before[1])))
        return rank_counted(new, top, counts)

    return finish


def record_of(records, identify, model, top: int, lint_options: dict):
    """(the review records, this side's key) or (None, None): records are
    kept for big models read from a revision. `records()` opens them (None:
    no cache), `identify()` says what the revision's files are (None:
    unknown, as for a file on disk)."""
    if records is None or identify is None or not wanted(model):
        return None, None
    identity = identify()
    if identity is None:
        return None, None
    store = records()
    if store is None:
        return None, None
    return store, store.key(identity, model.path, lint_options, top)


def has_record(records, identify, model_path: str, top: int, lint_options: dict) -> bool:
    """Is there a record of the model `model_path` at the revision
    `identify()` names (as `record_of` would find it, before the model is
    read)?"""
    if records is None or identify is None:
        return False
    identity = identify()
    store = None if identity is None else records()
    return store is not None and store.has(store.key(identity, model_path, lint_options, top))


def old_side(model, top: int, lint_options: dict, record, packed: bool):
    """(findings, ranking, counts) of the old model: from its record, or
    worked out (and then recorded). `record`: `record_of` this side.
    Findings packed when `packed` (a record's always are)."""
    store, key = record
    if key is not None:
        hit = store.load(key, model)
        if hit is not None:
            return hit
    findings, hotspots, counts = lint_and_rank(model, top, lint_options)
    if key is not None:
        store.store_findings(key, findings)
        store.store_ranking(key, hotspots, *counts)
    return (pack_diagnostics(findings) if packed else findings), hotspots, counts


def new_side(model, top: int, lint_options: dict, parent: int, records, identify, incremental: bool):
    """(findings, ranking, record key) of the new model, its findings
    packed when this is a forked child of process `parent`. With
    `incremental` (a big model whose old side is recorded) it is only
    linted here: its ranking follows from the old side's counts, in the
    parent, which adds it to the record under the key returned. Otherwise
    it is linted and ranked here, and recorded whole (no key returned). A
    side with a record already comes back as the record has it (findings
    packed, ranking, no key)."""
    store, key = record_of(records, identify, model, top, lint_options)
    if key is not None:
        hit = store.load(key, model)
        if hit is not None:  # compared before: the record's findings and ranking, nothing to add
            return hit[0], hit[1], None
    if incremental:
        findings, hotspots = lint_model(model, **lint_options), None
        if key is not None:
            store.store_findings(key, findings)
    else:
        findings, hotspots, counts = lint_and_rank(model, top, lint_options)
        if key is not None:
            store.store_findings(key, findings)
            store.store_ranking(key, hotspots, *counts)
            key = None
    return (pack_diagnostics(findings) if os.getpid() != parent else findings), hotspots, key
