"""Health from data (`prep status`): measured values -> where each customer stands.

    read_values(path, model) -> [Reading]       data.py (CSV or XLSX; located errors)
    evaluate(model, readings) -> Status          evaluate.py (colours, stage reached, health)
    format_status(status, fmt) -> str            formats.py (text, json, markdown)
    status_view(status, customer) -> (Model, {deliverable: colour})
                                                 view.py (the model to draw, labels with values)

A stage of its own between the linter and the layout: it reads the model
(and the linter's Markdown cell escaping) and nothing after it; the
renderer only receives the colours.
"""

from __future__ import annotations

from .data import Reading, read_values
from .evaluate import DONE, NO_DATA, CustomerStatus, MeasureValue, Status, evaluate
from .formats import FORMATS, format_status
from .view import status_view

__all__ = ["DONE", "FORMATS", "NO_DATA", "CustomerStatus", "MeasureValue", "Reading", "Status", "evaluate",
           "format_status", "read_values", "status_view", "load_status", "named_customer"]


def load_status(model, path: str, notes: list | None = None) -> Status:
    """The status of `model`'s customers from the data file at `path`;
    `notes` (a list), when given, receives what the reader ignored."""
    return evaluate(model, read_values(path, model, notes), source=path)


def named_customer(status: Status, name: str, path: str) -> CustomerStatus:
    """The customer `name` of `status` (read from the data file at `path`);
    a located error with a did-you-mean, or the customers there are, else."""
    import difflib

    from ..language.diagnostics import PrepError

    chosen = status.customer(name)
    if chosen is not None:
        return chosen
    names = [c.customer for c in status.customers if c.customer is not None]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    raise PrepError.at(path, f"the data has no customer '{name}'", name="bad-data",
                       hint=f"did you mean '{close[0]}'?" if close else
                       ("customers: " + ", ".join(names[:8]) + (", ..." if len(names) > 8 else ""))
                       if names else "the data has no customer column")
