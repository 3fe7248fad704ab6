"""Output formats: each a pure function of a list of Diagnostics (plus the
source texts for carets, or the repository root for relative paths).

    text     path:line:col: CODE [severity] message (name), the line, a caret, a summary
    json     an array of objects (code, name, severity, message, subject, stage, path, line, ...)
    sarif    SARIF 2.1.0 for GitHub code scanning
    github   GitHub Actions workflow commands (::error file=...::message)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from urllib.parse import quote

from .._version import __version__
from .._words import japanese, say
from ..language.diagnostics import ERROR, INFO, WARNING, Diagnostic, format_diagnostic
from .rules import RULES

FORMATS = ("text", "json", "sarif", "github")

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}
GITHUB_COMMAND = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary_line(diagnostics: list[Diagnostic], files: int) -> str:
    counts = Counter(d.severity for d in diagnostics)
    if japanese():   # prep lint --language ja
        if not diagnostics:
            return f"{files} ファイルを検査しました: 指摘はありません。"
        parts = [f"{say(s)} {counts[s]} 件" for s in (ERROR, WARNING, INFO) if counts[s]]
        return f"{files} ファイルを検査しました: 指摘 {len(diagnostics)} 件（{'、'.join(parts)}）。"
    checked = f"Checked {_plural(files, 'file')}"
    if not diagnostics:
        return f"{checked}: no findings."
    parts = [f"{counts[s]} {s}" + ("s" if counts[s] != 1 and s != INFO else "") for s in (ERROR, WARNING, INFO)
             if counts[s]]
    return f"{checked}: {_plural(len(diagnostics), 'finding')} ({', '.join(parts)})."


def format_text(diagnostics: list[Diagnostic], sources: dict[str, str | None], *, files: int) -> str:
    out = [format_diagnostic(d, sources.get(d.span.path), with_code=True) for d in diagnostics]
    out.append(summary_line(diagnostics, files))
    return "\n\n".join(out[:-1]) + ("\n\n" if len(out) > 1 else "") + out[-1] + "\n"


def subject_of(d: Diagnostic) -> str | None:
    """What a finding is about, as the outputs say it: the stage for a
    finding about a stage as a whole (T401, T404), else the deliverable,
    else the stage it concerns."""
    rule = RULES.get(d.code)
    if d.stage is not None and (d.subject is None or (rule is not None and rule.about_stage)):
        return d.stage
    return d.subject


def to_record(d: Diagnostic) -> dict:
    s = d.span
    return {
        "code": d.code, "name": d.name, "severity": d.severity, "message": d.message,
        "subject": subject_of(d), "stage": d.stage, "path": s.path, "line": s.line, "column": s.column,
        "end_line": s.end_line, "end_column": s.end_column, "hint": d.hint,
        "related": [{"path": r.span.path, "line": r.span.line, "column": r.span.column,
                     "end_line": r.span.end_line, "end_column": r.span.end_column, "message": r.message}
                    for r in d.related],
    }


def format_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([to_record(d) for d in diagnostics], ensure_ascii=False, indent=2) + "\n"


def relative_path(path: str, root: str | Callable[[str], str]) -> str:
    """`path` relative to `root` with '/' separators, when it is inside;
    `root` may be a function of the path (each file from its repository,
    `linter.run.repo_roots`)."""
    if path.startswith("<"):
        return path
    if callable(root):
        root = root(path)
    full = os.path.abspath(path)
    rel = os.path.relpath(full, root) if os.path.splitdrive(full)[0] == os.path.splitdrive(root)[0] else full
    if rel == ".." or rel.startswith(".." + os.sep):
        return full.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def _place(span, root: str | Callable[[str], str]) -> str:
    """`file:line:col` of a finding's other place, the file as its annotation names it."""
    return f"{relative_path(span.path, root)}:{span.line}:{span.column}"


def _sarif_rule(r) -> dict:
    help_text = f"{r.why}\n\nFix: {r.fix}\n\nQuestion: {r.question}"
    out = {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.why},
        "help": {"text": help_text,
                 "markdown": f"**{r.code} {r.name}**: {r.summary}\n\n{r.why}\n\n**Fix:** {r.fix}\n\n"
                             f"**Question:** {r.question}"},
        "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
        "properties": {"tags": [r.code[0], r.name], "precision": "very-high"},
    }
    return out


def _sarif_location(span, root: str | Callable[[str], str], message: str | None = None) -> dict:
    region = {"startLine": span.line, "startColumn": span.column,
              "endLine": span.end_line, "endColumn": max(span.end_column, span.column)}
    loc = {"physicalLocation": {
        "artifactLocation": {"uri": quote(relative_path(span.path, root), safe="/"), "uriBaseId": "%SRCROOT%"},
        "region": region}}
    if message is not None:
        loc["message"] = {"text": message}
    return loc


def _sarif_link_text(text: str) -> str:
    """Text inside a SARIF embedded link: its brackets escaped (§3.11.6)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def format_sarif(diagnostics: list[Diagnostic], *, root: str | Callable[[str], str]) -> str:
    codes = sorted(RULES)
    index = {c: i for i, c in enumerate(codes)}
    results = []
    for d in diagnostics:
        # code scanning shows a related location only where the message links to it ([text](id))
        notes = "".join(f"\n{_place(r.span, root)}: note: [{_sarif_link_text(r.message)}]({i})"
                        for i, r in enumerate(d.related))
        text = d.message + notes + (f"\nhint: {d.hint}" if d.hint else "")
        result = {
            "ruleId": d.code,
            "level": SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": text},
            "locations": [_sarif_location(d.span, root)],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.related:
            result["relatedLocations"] = [dict(_sarif_location(r.span, root, r.message), id=i)
                                          for i, r in enumerate(d.related)]
        subject = subject_of(d)
        if subject is not None or d.stage is not None:
            result["properties"] = {k: v for k, v in (("subject", subject), ("stage", d.stage)) if v is not None}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "prep", "version": __version__, "semanticVersion": __version__,
                                "rules": [_sarif_rule(RULES[c]) for c in codes]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def escape_data(text: str) -> str:
    """As the Actions toolkit escapes a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """As the Actions toolkit escapes a command property (also ':' and ',')."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic], *, root: str | Callable[[str], str]) -> str:
    lines = []
    for d in diagnostics:
        s = d.span
        props = [("file", relative_path(s.path, root)), ("line", str(s.line)), ("endLine", str(s.end_line)),
                 ("col", str(s.column)),
                 # GitHub's endColumn is the last column of the annotation (inclusive)
                 ("endColumn", str(max(s.end_column - 1, s.column))),
                 ("title", f"{d.code} {d.name}".strip() + (f" (stage {d.stage})" if d.stage else ""))]
        # the other places, as the text output's notes: an annotation has one place, and "declared
        # before" or "written twice" must say where the other one is (in a workspace, another file)
        notes = "".join(f"\n{_place(r.span, root)}: note: {r.message}" for r in d.related)
        message = d.message + notes + (f"\nhint: {d.hint}" if d.hint else "")
        lines.append(f"::{GITHUB_COMMAND.get(d.severity, 'warning')} "
                     + ",".join(f"{k}={escape_property(v)}" for k, v in props)
                     + "::" + escape_data(message))
    return "".join(line + "\n" for line in lines)


def statistics(diagnostics: list[Diagnostic]) -> list[dict]:
    counts = Counter(d.code for d in diagnostics)
    rows = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = RULES.get(code)
        sev = Counter(d.severity for d in diagnostics if d.code == code).most_common(1)[0][0]
        rows.append({"code": code, "name": rule.name if rule else "", "severity": sev, "count": n})
    return rows


def format_statistics(diagnostics: list[Diagnostic], *, files: int, fmt: str = "text") -> str:
    rows = statistics(diagnostics)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    width = max((len(str(r["count"])) for r in rows), default=1)
    name_width = max((len(r["name"]) for r in rows), default=0)
    out = [f"{r['count']:>{width}}  {r['code']}  {r['name']:<{name_width}}  [{r['severity']}]".rstrip()
           for r in rows]
    out.append(summary_line(diagnostics, files))
    return "\n".join(out) + "\n"
