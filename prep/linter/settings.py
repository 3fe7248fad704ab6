"""Which rules run, with which options and severities: the one place that
reads rule selectors (`K201`, a prefix like `K` or `S30`, a rule name like
`personal-knowhow`, or `ALL`), rule options and severity overrides, and
rejects unknown ones with a message that names them."""

from __future__ import annotations

import difflib
from typing import Iterable, Mapping

from ..language.diagnostics import SEVERITIES
from .rules import BY_NAME, RULES


class LintConfigError(ValueError):
    """An unknown rule, option, key or a bad value, in a configuration file
    or on the command line. The message names it. `error`: the located
    error to show, when the file itself could not be read as text (the
    message alone has no place for `config_errors.located` to find)."""

    def __init__(self, message: str, error=None):
        super().__init__(message)
        self.error = error


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The text " (did you mean 'x'?)" naming the closest choice, or "" when
    none is close: the tail of a configuration error message."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def as_list(value, what: str) -> list[str]:
    """A selector list from a TOML list, or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise LintConfigError(f"{what} must be a list of rule codes, like [\"K201\", \"S\"]")


def rule_for(key: str, what: str):
    """The rule named by a code (`K203`) or a name (`knowhow-bottleneck`)."""
    rule = RULES.get(key.upper()) or BY_NAME.get(key.lower())
    if rule is None:
        raise LintConfigError(f"unknown rule '{key}' in {what}{did_you_mean(key, list(RULES) + list(BY_NAME))}")
    return rule


def match_selector(selector: str, what: str) -> tuple[list[str], int]:
    """The codes a selector names, and how specific it is (longer wins)."""
    s = selector.strip()
    if s.upper() == "ALL":
        return list(RULES), 0
    if s.lower() in BY_NAME:
        return [BY_NAME[s.lower()].code], 4
    up = s.upper()
    codes = [c for c in RULES if c.startswith(up)]
    if not codes:
        raise LintConfigError(f"unknown rule code or prefix '{s}' in {what}"
                              f"{did_you_mean(up, list(RULES) + list(BY_NAME))}")
    return codes, len(up)


def enabled_codes(select: Iterable[str] | None, ignore: Iterable[str] = ()) -> set[str]:
    """Codes that run. A more specific selector wins over a less specific
    one (`ignore = ["K"]` with `select = ["K201"]` keeps K201), as in ruff;
    at equal specificity `ignore` wins."""
    chosen: dict[str, int] = {}
    for sel in (["ALL"] if select is None else as_list(select, "select")):
        codes, spec = match_selector(sel, "select")
        for c in codes:
            chosen[c] = max(chosen.get(c, -1), spec)
    dropped: dict[str, int] = {}
    for sel in as_list(ignore, "ignore"):
        codes, spec = match_selector(sel, "ignore")
        for c in codes:
            dropped[c] = max(dropped.get(c, -1), spec)
    return {c for c, spec in chosen.items() if spec > dropped.get(c, -1)}


def resolve_options(options: Mapping | None) -> dict[str, dict[str, int]]:
    """{code: {option: value}} for every rule with options, defaults filled
    in. `options` is keyed by rule name or code: {"knowhow-bottleneck":
    {"min-consumers": 4}}."""
    out = {code: r.option_defaults() for code, r in RULES.items() if r.options}
    for key, values in (options or {}).items():
        rule = rule_for(str(key), "options")
        if not isinstance(values, Mapping):
            raise LintConfigError(f"options of '{rule.name}' must be a table, like "
                                  f"{rule.name}.{rule.options[0].name if rule.options else 'option'} = 3")
        known = {o.name: o for o in rule.options}
        for name, value in values.items():
            opt = known.get(name)
            if opt is None:
                have = (", ".join(known) if known else "none")
                raise LintConfigError(f"unknown option '{name}' for rule {rule.code} ({rule.name})"
                                      f"{did_you_mean(name, known)}; its options: {have}")
            if isinstance(value, bool) or not isinstance(value, int):
                raise LintConfigError(f"option {rule.name}.{name} must be a whole number, not {value!r}")
            if value < opt.minimum:
                raise LintConfigError(f"option {rule.name}.{name} must be at least {opt.minimum}, not {value}")
            out[rule.code][name] = value
    return out


def resolve_severity(severity: Mapping | None) -> dict[str, str]:
    """{code: severity} from {selector: "error"|"warning"|"info"}; a more
    specific selector wins."""
    out: dict[str, tuple[int, str]] = {}
    for key, value in (severity or {}).items():
        if value not in SEVERITIES:
            raise LintConfigError(f"severity of '{key}' must be one of {', '.join(SEVERITIES)}, not {value!r}")
        codes, spec = match_selector(str(key), "severity")
        for c in codes:
            if c not in out or spec >= out[c][0]:
                out[c] = (spec, value)
    return {c: v for c, (_, v) in out.items()}


def parse_option_assignment(text: str) -> tuple[str, str, int]:
    """`knowhow-bottleneck.min-consumers=4` -> (rule, option, 4), for the
    command line."""
    key, eq, value = text.partition("=")
    rule, dot, option = key.strip().partition(".")
    if not eq or not dot or not rule or not option:
        raise LintConfigError(f"--option takes RULE.OPTION=VALUE, like knowhow-bottleneck.min-consumers=4, not '{text}'")
    try:
        number = int(value.strip())
    except ValueError:
        raise LintConfigError(f"--option {key.strip()} needs a whole number, not '{value.strip()}'") from None
    return rule.strip(), option.strip(), number


def parse_severity_assignment(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise LintConfigError(f"--severity takes CODE=LEVEL, like K201=error, not '{text}'")
    return key.strip(), value.strip().lower()
