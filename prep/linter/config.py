"""Lint configuration files, found by walking up from each linted file:

    prep.toml        [lint]            (wins when both are in one folder)
    pyproject.toml   [tool.prep.lint]  (a pyproject without [tool.prep] is passed over)

The first folder that has one decides; there is no merging across folders.
Keys: select, ignore, severity, fail-on, per-file-ignores, and per-rule
option tables keyed by rule name or code (`knowhow-bottleneck.min-consumers
= 4`). Unknown keys, codes and options are errors that name them.

One setting is not a table's: `respect-gitignore = true` (the default), at
the top of prep.toml or in [tool.prep]: the folders the commands walk leave
out what git ignores (`respects_gitignore`, `prep.language.gitignore`).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Mapping

from .settings import (LintConfigError, did_you_mean, as_list, enabled_codes, match_selector, resolve_options,
                       resolve_severity, rule_for)

FAIL_ON = ("info", "warning", "error", "never")
KEYS = ("select", "ignore", "severity", "fail-on", "per-file-ignores")
PREP_TOML_SECTIONS = ("lint", "render")
TOOL_PREP_SECTIONS = ("lint", "render")
# the settings of the whole file, beside its sections
TOP_KEYS = ("respect-gitignore",)


@dataclass(frozen=True)
class LintSettings:
    """One configuration, already validated. Keys of `options` and
    `severity` are rule codes / selectors as written."""

    source: str | None = None          # the file it came from; None: built-in defaults
    root: str = "."                    # folder the per-file-ignores globs are relative to
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str | None = None

    def ignores_for(self, path: str) -> list[str]:
        """`ignore` plus the per-file ignores whose glob matches `path`."""
        out = list(self.ignore)
        if self.per_file_ignores:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root)).replace(os.sep, "/")
            for pattern, codes in self.per_file_ignores:
                if glob_matches(pattern, rel):
                    out.extend(codes)
        return out


def _glob_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(pattern: str, rel_path: str) -> bool:
    """gitignore-like: a pattern without '/' matches the file name at any
    depth; with '/', the path relative to the configuration's folder;
    `**` spans folders."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern:
        return bool(_glob_regex(pattern).match(rel_path.rsplit("/", 1)[-1]))
    return bool(_glob_regex(pattern.lstrip("/")).match(rel_path))


def settings_from_table(table: Mapping, source: str | None, root: str, where: str) -> LintSettings:
    """Validate a lint table (the contents of [tool.prep.lint] or [lint])."""
    if not isinstance(table, Mapping):
        raise LintConfigError(f"{where} must be a table")
    options: dict = {}
    for key, value in table.items():
        if key in KEYS:
            continue
        if isinstance(value, Mapping):
            try:
                rule = rule_for(key, where)
            except LintConfigError:
                raise LintConfigError(f"unknown key '{key}' in {where}{did_you_mean(key, KEYS)}; "
                                      f"keys: {', '.join(KEYS)}, or a rule name with options") from None
            options[rule.code] = dict(value)
        else:
            raise LintConfigError(f"unknown key '{key}' in {where}{did_you_mean(key, KEYS)}; "
                                  f"keys: {', '.join(KEYS)}, or a rule name with options")
    try:
        select = table.get("select")
        select_list = None if select is None else tuple(as_list(select, "select"))
        ignore_list = tuple(as_list(table.get("ignore"), "ignore"))
        enabled_codes(select_list, ignore_list)
        severity = table.get("severity") or {}
        if not isinstance(severity, Mapping):
            raise LintConfigError("severity must be a table, like severity = { K201 = \"error\" }")
        resolve_severity(severity)
        resolve_options(options)
        fail_on = table.get("fail-on")
        if fail_on is not None and fail_on not in FAIL_ON:
            raise LintConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        pfi = table.get("per-file-ignores") or {}
        if not isinstance(pfi, Mapping):
            raise LintConfigError('per-file-ignores must be a table, like "legacy/*.prep" = ["K201"]')
        per_file = []
        for pattern, codes in pfi.items():
            lst = tuple(as_list(codes, f"per-file-ignores '{pattern}'"))
            for selector in lst:   # named where it is (a mistake here was said to be "in ignore")
                match_selector(selector, f"per-file-ignores '{pattern}'")
            per_file.append((pattern, lst))
    except LintConfigError as e:
        raise LintConfigError(f"{where}: {e}") from None
    return LintSettings(source=source, root=root, select=select_list, ignore=ignore_list,
                        severity=dict(severity), options=options, per_file_ignores=tuple(per_file),
                        fail_on=fail_on)


def shown(path: str) -> str:
    """A configuration path as messages show it: relative when below the
    current folder."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LintConfigError(f"{shown(path)}: cannot read: {e.strerror or e}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        # Windows Notepad saves UTF-8 with a byte-order mark, which tomllib
        # refuses ("Invalid statement" at 1:1); a model may have one too
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # a comment in Japanese saved as Shift_JIS was an "internal error" (a
        # UnicodeDecodeError out of tomllib): said as a model's is, with the
        # iconv command; UTF-16 with a byte-order mark is read, as a model is
        from ..language.diagnostics import PrepError
        from ..language.source import decode_source

        try:
            text = decode_source(data, shown(path))
        except PrepError as e:
            raise LintConfigError(f"{shown(path)}: {e.diagnostics[0].message}", error=e) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LintConfigError(f"{shown(path)}: not valid TOML: {e}") from None


def load_config(path: str) -> LintSettings | None:
    """The settings in one file, or None for a pyproject.toml without [tool.prep]."""
    return _settings_from_data(path, _read_toml(path))


def _settings_from_data(path: str, data: dict) -> LintSettings | None:
    root = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        prep = tool.get("prep") if isinstance(tool, Mapping) else None
        if prep is None:
            return None
        if not isinstance(prep, Mapping):
            raise LintConfigError(f"{shown(path)}: [tool.prep] must be a table")
        for key in prep:
            if key not in TOOL_PREP_SECTIONS + TOP_KEYS:
                raise LintConfigError(f"{shown(path)}: unknown section [tool.prep.{key}]"
                                      f"{did_you_mean(key, TOOL_PREP_SECTIONS + TOP_KEYS)}")
        _check_top_keys(prep, f"{shown(path)}: [tool.prep]")
        return settings_from_table(prep.get("lint", {}), path, root, f"{shown(path)}: [tool.prep.lint]")
    for key in data:
        if key not in PREP_TOML_SECTIONS + TOP_KEYS:
            raise LintConfigError(f"{shown(path)}: unknown key '{key}'"
                                  f"{did_you_mean(key, PREP_TOML_SECTIONS + TOP_KEYS)}; "
                                  "lint settings go in a [lint] table, render settings in [render]")
    _check_top_keys(data, shown(path))
    return settings_from_table(data.get("lint", {}), path, root, f"{shown(path)}: [lint]")


def _check_top_keys(table: Mapping, where: str) -> None:
    value = table.get("respect-gitignore", True)
    if not isinstance(value, bool):
        raise LintConfigError(f"{where}: respect-gitignore must be true or false, not {value!r}")


def respects_gitignore(folder: str) -> bool:
    """`respect-gitignore` of the configuration that applies to `folder`
    (the nearest prep.toml, or pyproject.toml with [tool.prep], at or above
    it, as for a file in it); true without one. Only that setting is read:
    `prep fmt` does not fail on a bad [lint] table. A value that is not a
    boolean, or a file that is not TOML, raises LintConfigError."""
    for p, name, data in _config_files(folder):
        if name == "prep.toml":
            _check_top_keys(data, shown(p))
            return data.get("respect-gitignore", True)
        tool = data.get("tool")
        prep = tool.get("prep") if isinstance(tool, Mapping) else None
        if isinstance(prep, Mapping):
            _check_top_keys(prep, f"{shown(p)}: [tool.prep]")
            return prep.get("respect-gitignore", True)
    return True


def _config_files(folder: str):
    """(path, name, its TOML) of every prep.toml and pyproject.toml at or
    above `folder`, nearest first (prep.toml first in a folder), each read
    only when the one before did not decide."""
    d = os.path.abspath(folder)
    while True:
        for name in ("prep.toml", "pyproject.toml"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                yield p, name, _read_toml(p)
        parent = os.path.dirname(d)
        if parent == d:
            return
        d = parent


class ConfigFinder:
    """Finds the configuration of each file, caching by folder."""

    def __init__(self, default_root: str = "."):
        self._by_dir: dict[str, LintSettings] = {}
        self._default = LintSettings(root=default_root)

    def for_file(self, path: str) -> LintSettings:
        start = os.path.dirname(os.path.abspath(path))
        walked = []
        d = start
        found = None
        while True:
            if d in self._by_dir:
                found = self._by_dir[d]
                break
            walked.append(d)
            found = self._in_dir(d)
            if found is not None:
                break
            parent = os.path.dirname(d)
            if parent == d:
                found = self._default
                break
            d = parent
        for w in walked:
            self._by_dir[w] = found
        return found

    @staticmethod
    def _in_dir(d: str) -> LintSettings | None:
        for name in ("prep.toml", "pyproject.toml"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                s = load_config(p)
                if s is not None:
                    return s
        return None


def find_config_section(model_path: str, section: str) -> tuple[str, dict, str] | None:
    """Walk up from a model file to the first folder with a prep.toml or a
    pyproject.toml that has [tool.prep] (the same rule as the lint settings)
    and return (file, the `section` table or {}, how the section is written).
    Unknown sections in that file are errors, as for lint."""
    for p, name, data in _config_files(os.path.dirname(os.path.abspath(model_path))):
        if _settings_from_data(p, data) is None:  # a pyproject.toml without [tool.prep]
            continue
        if name == "prep.toml":
            return p, data.get(section, {}), f"[{section}]"
        return p, data["tool"]["prep"].get(section, {}), f"[tool.prep.{section}]"
    return None


def per_file_ignores(findings: list, settings: "LintSettings") -> list:
    """A workspace is linted with its root's settings; per-file-ignores
    apply to each finding by the file that holds it (the root's included).
    (`lint_model(per_file_ignores=...)` and `prep lint` both use it.)"""
    if not settings.per_file_ignores:
        return findings
    every = set(enabled_codes(None, ()))
    dropped: dict[str, set[str]] = {}
    out = []
    for d in findings:
        path = d.span.path
        if path not in dropped:
            own = [c for c in settings.ignores_for(path) if c not in settings.ignore]
            dropped[path] = every - set(enabled_codes(None, own)) if own else set()
        if d.code not in dropped[path]:
            out.append(d)
    return out


def drop_per_file(findings: list, patterns, root: str) -> list:
    """`per_file_ignores` with the patterns as data ([(glob, [selectors])],
    the globs relative to `root`), as `lint_model` and the lint options
    handed between commands carry them."""
    return per_file_ignores(findings, LintSettings(root=root, per_file_ignores=tuple(
        (pattern, tuple(codes)) for pattern, codes in patterns)))
