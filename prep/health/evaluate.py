"""Readings + model -> where each customer stands.

A customer's **stage reached** is the first stage (in the roadmap's order)
whose exit criteria's measures are not all green or lime: a value missing,
yellow or red holds the customer there. A customer past every stage is
`done`. A stage whose exit criteria no measure observes cannot hold anyone
(M501 reports it). The customer's **health** is the worst colour among the
measures of the stage reached (of every measure when done, or when the
model has no stages); `None` (no data) when none of them has a value, or
when a value missing is all that holds the customer there (its other
values green or lime: it is not known to be well).

Several readings of one measure for one customer: the one with the latest
`date` counts (the reader made each date ISO text, which compares as the
dates do), else the last in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..language.model import HEALTH_COLOURS

DONE = "done"              # past the last stage
NO_DATA = "no data"        # the health of a customer with no value in its stage
COLUMNS = (*HEALTH_COLOURS, NO_DATA)
_RANK = {c: i for i, c in enumerate(HEALTH_COLOURS)}   # green 0 .. red 3


class MeasureValue(NamedTuple):
    measure: str
    value: float
    text: str               # as written in the data
    colour: str | None      # None: the measure has neither thresholds nor a target
    date: str | None = None


@dataclass(frozen=True)
class CustomerStatus:
    customer: str | None                # None: data without a customer column
    stage: str | None                   # the stage reached, DONE, or None (a model without stages)
    health: str | None                  # worst colour of that stage's measures; None: no data
    values: dict[str, MeasureValue] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.customer if self.customer is not None else "(all)"


@dataclass(frozen=True)
class Status:
    model: object
    source: str                          # the data file
    customers: tuple[CustomerStatus, ...]
    stage_measures: dict[str, tuple[str, ...]]   # stage -> measures of its exit criteria

    def counts(self) -> dict[str, dict[str, int]]:
        """{stage (and DONE): {colour (and NO_DATA): customers}}, every row and column present."""
        rows = list(self.model.stages) + [DONE] if self.model.stages else ["-"]
        out = {r: dict.fromkeys(COLUMNS, 0) for r in rows}
        for c in self.customers:
            out[c.stage if c.stage is not None else "-"][c.health or NO_DATA] += 1
        return out

    def customer(self, name: str) -> CustomerStatus | None:
        for c in self.customers:
            if c.customer == name:
                return c
        return None

    def deliverable_health(self, customer: CustomerStatus) -> dict[str, tuple[str | None, list]]:
        """measured deliverable -> (worst colour of its measures, [(measure, value or None)]),
        for drawing one customer on the roadmap."""
        out: dict[str, tuple[str | None, list]] = {}
        for m in self.model.measures.values():
            if m.of is None:
                continue
            v = customer.values.get(m.name)
            colour, shown = out.get(m.of, (None, []))
            shown.append((m, v))
            if v is not None and v.colour is not None and (colour is None or _RANK[v.colour] > _RANK[colour]):
                colour = v.colour
            out[m.of] = (colour, shown)
        return out


def worst(colours) -> str | None:
    best = None
    for c in colours:
        if c is not None and (best is None or _RANK[c] > _RANK[best]):
            best = c
    return best


def evaluate(model, readings, source: str = "<data>") -> Status:
    """Each customer's values, colours, stage reached and health."""
    measures = model.measures
    # the latest reading per (customer, measure)
    latest: dict = {}
    for r in readings:
        key = (r.customer, r.measure)
        old = latest.get(key)
        if old is None or (r.date or "") >= (old.date or ""):
            latest[key] = r
    colour_of = {name: m.classifier() for name, m in measures.items()}
    per_customer: dict = {}
    new = tuple.__new__
    for (customer, measure), r in latest.items():
        values = per_customer.get(customer)
        if values is None:
            values = per_customer[customer] = {}
        values[measure] = new(MeasureValue, (measure, r.value, r.text, colour_of[measure](r.value), r.date))
    stage_measures = {s.name: tuple(m.name for m in measures.values() if m.of in s.exits)
                      for s in model.stages.values()}
    gates = [(name, ms) for name, ms in stage_measures.items() if ms]
    everything = tuple(measures)
    out = []
    for customer in sorted(per_customer, key=lambda c: (c is None, c or "")):
        values = per_customer[customer]
        if not model.stages:
            out.append(CustomerStatus(customer, None, worst(v.colour for v in values.values()), values))
            continue
        reached, held = DONE, everything
        for name, ms in gates:
            if not all((v := values.get(m)) is not None and v.colour in ("green", "lime") for m in ms):
                reached, held = name, ms
                break
        health = worst(values[m].colour for m in held if m in values)
        if reached != DONE and health in (None, "green", "lime") and any(m not in values for m in held):
            # held by a value nobody measured, not by one seen: green said all was well
            health = None
        out.append(CustomerStatus(customer, reached, health, values))
    return Status(model, source, tuple(out), stage_measures)
