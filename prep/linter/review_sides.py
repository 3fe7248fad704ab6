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

from .._process import Afterwards
from ..language.diagnostics import Diagnostic
from ..language.packed import pack_diagnostics
from . import lint_model
from .hotspots import Hotspot, rank, reach_counts
from .review_record import fits, wanted

Counts = tuple[list[int], list[int]]


def lint_and_rank(model, top: int, lint_options: dict) -> tuple[list[Diagnostic], list[Hotspot], Counts | None]:
    """(findings, ranking, counts): the counts only for a model that
    `review_record.wanted` (the others are ranked in one cheap pass)."""
    # the ranking first: the all-pairs reachability it makes is kept for the
    # model, and S303 then asks it instead of walking the graph again
    hotspots, counts = rank_counted(model, top)
    return lint_model(model, **lint_options), hotspots, counts


def rank_counted(model, top: int, counts: Counts | None = None) -> tuple[list[Hotspot], Counts | None]:
    """The ranking of `model`, and its (up, down) counts when it is big.
    `counts`: those counts (in model order), when known already."""
    if not wanted(model):
        return rank(model, top=top), None
    if counts is None:
        names = list(model.deliverables)
        up, down = reach_counts(model, model.index)
        counts = [up[n] for n in names], [down[n] for n in names]
    return rank(model, top=top, counts=counts), counts


def rank_after(old, new, top: int, counts_before: Counts | None) -> tuple[list[Hotspot], Counts | None]:
    """`rank_counted(new)`, from the counts of `old` when they are known
    and the change leaves most of the model as it was."""
    return ranking_after(old, new, top)(counts_before)


def ranking_after(old, new, top: int):
    """`rank_after` as a function of the old side's counts, the graph work
    done now (while those counts are still on their way)."""
    from .reach_delta import prepare

    apply = prepare(old, new) if wanted(new) else None
    n = len(old.deliverables)

    def finish(counts_before: Counts | None) -> tuple[list[Hotspot], Counts | None]:
        counts = None
        if apply is not None and counts_before is not None and n == len(counts_before[0]) == len(counts_before[1]):
            counts = apply(*counts_before)
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


def start_record_read(records, identify, model_path: str, top: int, lint_options: dict):
    """(a child reading the record of the model `model_path` at the
    revision `identify()` names, the record's key), started now, before
    the model is read (a small process to fork, and a core that would
    otherwise wait while the models are parsed); None when there is no
    such record. The child gives what `ReviewRecords.read` does.
    `records`: the records kept already (`ReviewRecords.existing`), or
    None: nothing is created or asked of git unless some are kept."""
    if records is None or identify is None:
        return None
    identity = identify()
    if identity is None:
        return None
    store = records
    key = store.key(identity, model_path, lint_options, top)
    if not store.has(key):
        return None
    from .._process import start

    return start(lambda: store.read(key), "reading the old side's record"), key


class Ready:
    """A side's work that is done already, where a child is expected."""

    def __init__(self, value):
        self.value = value

    def wait(self, timeout: float | None = None):
        return self.value

    take = wait

    def stop(self) -> None:
        pass


def early_record(early, record, model):
    """What the record read by `start_record_read` (`early`) gives for
    `model`, when it is this side's record (`record`: `record_of` it) and
    reads back; else None."""
    if early is None:
        return None
    child, key = early
    try:
        found = child.wait()
    except Exception:  # noqa: BLE001 - the child failed: read the side as if there were no record
        return None
    if found is None or key != record[1] or not fits(found, model):
        return None
    return found


def old_side(model, top: int, lint_options: dict, record, packed: bool):
    """(findings, ranking, counts) of the old model: from its record, or
    worked out (and then recorded, once they are handed back: an
    `Afterwards`). `record`: `record_of` this side. Findings packed when
    `packed` (a record's always are)."""
    store, key = record
    if key is not None:
        hit = store.load(key, model)
        if hit is not None:
            return hit
    findings, hotspots, counts = lint_and_rank(model, top, lint_options)
    worked_out = (pack_diagnostics(findings) if packed else findings), hotspots, counts
    if key is None:
        return worked_out

    def keep():
        store.store_findings(key, findings)
        store.store_ranking(key, hotspots, *counts)

    return Afterwards(worked_out, keep)


def new_side(model, top: int, lint_options: dict, parent: int, records, identify, incremental: bool):
    """(findings, ranking, record key) of the new model, its findings
    packed when this is a forked child of process `parent`. With
    `incremental` (a big model whose old side is recorded) it is only
    linted here: its ranking follows from the old side's counts, in the
    parent, which adds it to the record under the key returned. Otherwise
    it is linted and ranked here, and recorded whole (no key returned). A
    side with a record already comes back as the record has it (findings
    packed, ranking, no key). What is recorded is written after the
    result is handed back (an `Afterwards`)."""
    store, key = record_of(records, identify, model, top, lint_options)
    if key is not None:
        hit = store.load(key, model)
        if hit is not None:  # compared before: the record's findings and ranking, nothing to add
            return hit[0], hit[1], None
    if incremental:
        findings, hotspots, counts = lint_model(model, **lint_options), None, None
    else:
        findings, hotspots, counts = lint_and_rank(model, top, lint_options)
    packed = pack_diagnostics(findings) if os.getpid() != parent else findings
    if key is None:
        return packed, hotspots, None

    def keep():
        store.store_findings(key, findings)
        if hotspots is not None:
            store.store_ranking(key, hotspots, *counts)

    # ranked here: recorded whole, no key for the parent
    return Afterwards((packed, hotspots, key if hotspots is None else None), keep)


def headed(result, *head):
    """`result` (a tuple, or an `Afterwards` of one) with `head` before it."""
    if isinstance(result, Afterwards):
        return Afterwards((*head, *result.value), result.then)
    return (*head, *result)
