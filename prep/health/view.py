"""One customer on the picture: the model to draw, with each measured
deliverable's label extended by its measures' values and colours (so the
layout makes room for them, and print and screen readers get the colour in
words too), and the fill of each measured deliverable: the worst colour of
its measures. Deliverables nobody measures keep their usual look."""

from __future__ import annotations

from dataclasses import replace

from ..language.diagnostics import visible
from .evaluate import NO_DATA, CustomerStatus, Status


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def status_view(status: Status, customer: CustomerStatus):
    """(model to draw, {deliverable: health colour or None})."""
    model = status.model
    shown = status.deliverable_health(customer)
    deliverables = dict(model.deliverables)
    health: dict[str, str | None] = {}
    for name, (colour, items) in shown.items():
        d = deliverables.get(name)
        if d is None:
            continue
        lines = [d.display]
        for m, v in items:
            if v is None:
                lines.append(f"{_one_line(m.name)}: {NO_DATA}")
            else:
                lines.append(f"{_one_line(m.name)}: {_one_line(v.text)}" + (f" ({v.colour})" if v.colour else ""))
        deliverables[name] = replace(d, label="\n".join(lines))
        health[name] = colour
    return replace(model, deliverables=deliverables, title=_title(model.title, customer)), health


def _title(title: str | None, customer: CustomerStatus) -> str | None:
    """The picture says whose values it shows, and as of when: two
    customers' pictures pasted into one deck looked the same at the top."""
    if customer.customer is None:
        return title
    dates = [v.date for v in customer.values.values() if v.date]
    # a customer's name is data, not model text: no control character reaches the picture
    from .formats import shown_date

    who = visible(_one_line(customer.customer)).replace("\t", " ") + (
        f", {visible(shown_date(max(dates)))}" if dates else "")
    return f"{title} — {who}" if title else who
