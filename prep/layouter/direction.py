"""The direction a picture flows in: LR (inputs on the left) or TB (inputs
on top). Every place a direction is given (the command line, prep.toml's
`[render] direction`, the API, Markdown fences, the Sphinx directive) reads
it here, so they accept the same words: case does not matter, and `TD`
(what Mermaid users write, `graph TD`) is TB. A wrong word is a ValueError
that lists the directions and names the closest."""

from __future__ import annotations

import difflib

DIRECTIONS = ("LR", "TB")
# other words for a direction prep draws
SYNONYMS = {"TD": "TB"}
# what people write for a direction prep does not draw, or in long form
_NEAR = {"RL": "LR", "BT": "TB", "LEFT-RIGHT": "LR", "LEFT-TO-RIGHT": "LR", "HORIZONTAL": "LR",
         "TOP-BOTTOM": "TB", "TOP-DOWN": "TB", "TOP-TO-BOTTOM": "TB", "VERTICAL": "TB", "DOWN": "TB"}
# the words, as help texts and errors list them
ACCEPTED = "LR or TB (TD is TB)"


def direction_of(value) -> str:
    """"LR" or "TB" for a direction given as `value` ("lr", "TB", "td",
    ...); a ValueError that says which words are accepted, with a
    did-you-mean, for anything else."""
    if isinstance(value, str):
        word = value.strip().upper()
        if word in DIRECTIONS:
            return word
        if word in SYNONYMS:
            return SYNONYMS[word]
    raise DirectionError(value)


class DirectionError(ValueError):
    """A word that is no direction; `.value`, and `.suggestion`: the tail
    ("; did you mean 'TB'?") naming the closest direction, "" when none is
    close."""

    def __init__(self, value):
        self.value = value
        self.suggestion = suggestion(value)
        super().__init__(f"direction must be {ACCEPTED}, not {value!r}{self.suggestion}")


def suggestion(value) -> str:
    if not isinstance(value, str):
        return ""
    word = value.strip().upper().replace("_", "-").replace(" ", "-")
    if word in _NEAR:
        near = _NEAR[word]
        if word in ("RL", "BT"):   # Mermaid's reversed flows: prep always draws inputs first
            return f"; prep draws inputs first: did you mean '{near}'?"
        return f"; did you mean '{near}'?"
    words = list(DIRECTIONS) + list(SYNONYMS) + list(_NEAR)
    close = difflib.get_close_matches(word, words, n=1, cutoff=0.5)
    if not close:
        return ""
    found = close[0]
    return f"; did you mean '{SYNONYMS.get(found, _NEAR.get(found, found))}'?"
