"""The VS Code extension in editors/vscode (issue 13, item 3).

Its TextMate grammar is checked against the parser itself: every example and
every docs snippet is lexed by Lark with grammar/prep.lark and tokenized by the
grammar through vscode-textmate (the engine VS Code uses), and each token must
be scoped as its terminal says (keywords, arrows, strings, comments, names by
position, punctuation; nothing invalid). The grammar's NAME pattern is run
through Oniguruma on every character of the Basic Multilingual Plane and
compared with prep.lark's NAME, so the two cannot drift.

Needs Node and npm; without them the tests are skipped with that reason (the
rest of the suite needs Python only). `npm ci` runs once and is cached in
editors/vscode/node_modules (a stamp holds the hash of package-lock.json);
PREP_SKIP_NODE=1 skips these tests on a machine without network access.
The .vsix build (`vsce package`, 10-20 s) is part of the default suite. The
server the client starts is spoken to as the client does, through
scripts/smoke-server.js: a stand-in always, the real `prep lsp` when this
environment has it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

EXT = ROOT / "editors" / "vscode"
GRAMMAR = EXT / "syntaxes" / "prep.tmLanguage.json"
LARK = ROOT / "grammar" / "prep.lark"
STAMP = EXT / "node_modules" / ".prep-npm-ci.sha256"

NODE, NPM = shutil.which("node"), shutil.which("npm")

pytestmark = [
    pytest.mark.skipif(not EXT.is_dir(), reason="editors/vscode is not in this copy of prep (an sdist)"),
    pytest.mark.skipif(not (NODE and NPM), reason="Node.js and npm are not installed: the VS Code extension is not tested"),
    pytest.mark.skipif(os.environ.get("PREP_SKIP_NODE") == "1", reason="PREP_SKIP_NODE=1"),
]

# Keywords of the language as the grammar highlights them. `stage` is the
# stage syntax of issue 11 (docs: /work/notes/stages-syntax.md); it is listed
# here so the check holds both before and after it lands in prep.lark.
KEYWORDS = {"title", "deliverable", "knowhow", "measure", "group", "stage", "include"}
ARROWS = {"->": "input", "~>": "sync", "<~>": "mutual"}
NAME_SCOPES = {
    "reference": "variable.other.deliverable.prep",
    "key": "support.type.property-name.attribute.prep",
    "flag": "support.type.property-name.attribute.flag.prep",
    "value": "string.unquoted.attribute-value.prep",
}


def run(args, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=EXT, capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def node_modules():
    """editors/vscode/node_modules as package-lock.json says (npm ci, cached)."""
    lock = hashlib.sha256((EXT / "package-lock.json").read_bytes()).hexdigest()
    if not (STAMP.exists() and STAMP.read_text().strip() == lock):
        done = run([NPM, "ci", "--no-audit", "--no-fund", "--prefer-offline"], timeout=900)
        assert done.returncode == 0, "npm ci failed in editors/vscode (PREP_SKIP_NODE=1 skips these tests):\n" + \
            done.stdout[-3000:] + done.stderr[-3000:]
        STAMP.write_text(lock + "\n")
    return EXT / "node_modules"


def lark_terminal(name: str) -> str:
    m = re.search(rf"^{name}: /(.*)/\s*$", LARK.read_text(encoding="utf-8"), re.M)
    assert m, f"prep.lark has no terminal {name}"
    return m.group(1)


# --- the grammar is generated from prep.lark, and agrees with it ------------

def test_grammar_file_is_generated_from_the_current_prep_lark():
    done = run([NODE, "scripts/build-grammar.mjs", "--check"])
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_keyword_of_prep_lark_is_highlighted_as_a_keyword():
    words = set(re.findall(r'^[A-Z]+: "([a-z]+)"\s*$', LARK.read_text(encoding="utf-8"), re.M))
    assert {"title", "deliverable", "knowhow", "group"} <= words
    assert words <= KEYWORDS, f"keywords missing from the VS Code grammar: {words - KEYWORDS}"
    built = (EXT / "scripts" / "build-grammar.mjs").read_text(encoding="utf-8")
    listed = set(re.findall(r'"(\w+)"', re.search(r"KEYWORDS = \[(.*?)\]", built).group(1)))
    assert listed == KEYWORDS


def test_word_pattern_of_the_language_configuration_is_prep_lark_name():
    # VS Code selects a "word" (double click, Ctrl+D, the LSP's word range) with it
    config = json.loads((EXT / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["wordPattern"] == lark_terminal("NAME")
    assert config["comments"] == {"lineComment": "#"}
    assert {(p["open"], p["close"]) for p in config["autoClosingPairs"]} == {("{", "}"), ("[", "]"), ('"', '"')}


def probe(patterns: dict[str, str], subjects: list[str]) -> dict[str, list[bool]]:
    """Which subjects Oniguruma matches whole with each pattern."""
    done = run([NODE, "scripts/tokenize.mjs", "--probe"], input=json.dumps({"patterns": patterns, "subjects": subjects}))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


NAME_SUBJECTS = ["a-b", "a->", "a-", "-", "--", "-a", "->", "a--b", "post-sales", "v1.2", "𠮷野家", "a b",
                 "a\u3000b", "テ\u3099", "a~b", "ab#c", "a\u00adb", "x\ud800", "\U0001f600", "\U000e0001", "a\u200db"]


def test_grammar_name_matches_exactly_what_prep_lark_name_matches(node_modules):
    """Every BMP character alone, astral samples and tricky words: the grammar's
    bare-word pattern (Oniguruma) and prep.lark's NAME (Python re) agree."""
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    ours = {"name": grammar["repository"]["name"]["match"], "value": grammar["repository"]["value"]["match"]}
    singles = [chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    astral = [chr(c) for c in (0x10000, 0x1F600, 0x20BB7, 0xE0001, 0xF0000, 0x10FFFD)]
    subjects = singles + astral + [s for s in NAME_SUBJECTS if not re.search(r"[\ud800-\udfff]", s)]
    got = probe(ours, subjects)
    name = re.compile(lark_terminal("NAME"))
    want = [name.fullmatch(s) is not None for s in subjects]
    assert sum(want) > 60000  # nearly every character is a word character
    for key in ours:
        diff = [f"U+{ord(s):04X}" if len(s) == 1 else repr(s) for s, a, b in zip(subjects, got[key], want) if a != b]
        assert not diff, f"grammar {key} pattern and prep.lark NAME disagree on {diff[:20]} ({len(diff)} in all)"


STRING_CASES = ['"plain"', r'"a \"q\" b"', r'"back\\"', r'"\\\"x"', r'"\t \n"', '"unclosed', r'"ends in \"',
                '"日本語 𠮷"', '""', r'"\\" x "y"', '"a" "b"']


def test_grammar_strings_end_where_prep_lark_strings_end(node_modules, tmp_path):
    """The string rule (begin/end with escapes) covers exactly what STRING
    matches: tokenized `STRING-candidate + rest`, the string scope stops at the
    same place as Python's match of prep.lark's STRING."""
    string = re.compile(lark_terminal("STRING"))
    text = "".join(f"x -> {case} tail\n" for case in STRING_CASES)
    lines = tokenize({"strings.prep": text}, tmp_path)["strings.prep"]
    for case, tokens in zip(STRING_CASES, lines):
        line = f"x -> {case} tail"
        m = string.match(line, 5)
        want_end = utf16(line[:m.end()]) if m else len(line)  # unclosed: a string to the end of the line
        in_string = [(s, e) for s, e, scopes in tokens if any(x.startswith("string.quoted.double") for x in scopes)]
        assert in_string and in_string[0][0] == 5, (case, tokens)
        end = max(e for s, e in in_string if s < want_end or s == 5)
        assert end == want_end, f"{case!r}: string scope ends at {end}, prep.lark's STRING at {want_end}"


# --- every example and docs snippet: tokens scoped as the lexer reads them ---

def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def tokenize(texts: dict[str, str], tmp_path: Path) -> dict[str, list]:
    paths = {}
    for i, (key, text) in enumerate(texts.items()):
        p = tmp_path / f"{i}.prep"
        p.write_text(text, encoding="utf-8")
        paths[str(p)] = key
    done = run([NODE, "scripts/tokenize.mjs", *paths])
    assert done.returncode == 0, done.stderr
    return {paths[p]: lines for p, lines in json.loads(done.stdout).items()}


@lru_cache(maxsize=1)
def lexer():
    from lark import Lark

    return Lark(LARK.read_text(encoding="utf-8"), parser="lalr", lexer="basic")


def lark_tokens(text: str):
    """Lark's tokens for the text (comments and spaces included), or None when
    the text does not lex (a docs snippet showing an error)."""
    from lark.exceptions import LarkError

    try:
        return [t for t in lexer().lex(text, dont_ignore=True) if t.type != "WS" and t.value not in ("\n", "\r\n")]
    except LarkError:
        return None


WORD_TYPES = {"NAME", "TITLE", "DELIVERABLE", "KNOWHOW", "MEASURE", "GROUP", "STAGE"}
DECLARING = {"deliverable", "knowhow", "measure", "group", "stage"}


def word_roles(tokens):
    """What each bare word is, from its neighbours: inside `[...]` an attribute
    key, flag or value; elsewhere a keyword, the name a declaration declares,
    or a reference to a deliverable."""
    roles, depth, after_colon = {}, 0, False
    for i, t in enumerate(tokens):
        if t.value == "[":
            depth += 1
            after_colon = after_colon and depth > 1
        elif t.value == "]":
            depth -= 1
            after_colon = after_colon and depth > 0
        elif t.value == "," and depth == 1:
            after_colon = False
        elif t.value == ":" and depth >= 1:
            after_colon = True
        if t.type not in WORD_TYPES:
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if depth >= 1:
            roles[i] = "value" if after_colon else ("key" if nxt is not None and nxt.value == ":" else "flag")
        elif t.value in KEYWORDS:
            roles[i] = "keyword"
        elif prev is not None and prev.type != "STRING" and prev.value in DECLARING:
            roles[i] = f"declared:{prev.value}"
        else:
            roles[i] = "reference"
    return roles


def snippet_texts() -> dict[str, str]:
    texts = {f"examples/{p.name}": p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.prep"))}
    for doc in sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]:
        for n, block in enumerate(re.findall(r"```prep\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            texts[f"{doc.relative_to(ROOT)}#{n + 1}"] = block
    texts["synthetic"] = SYNTHETIC
    return texts


SYNTHETIC = """\
title "every construct \\"once\\"\\n"
deliverable 契約書 "契約書\\nContract" [external, stage: contract]
knowhow "final report" [owner: [CSチーム, "CS リード"], note: x-y]
stage contract "Stage 1" [exit: [契約書, 𠮷野家], after: start] {
  deliverable A; a, post-sales -> c ~> d <~> e
}
group G "g" [stage: contract] { b -> c [note: "n", owner: o] }  # prep: ignore[I101, K201]
measure 定着率 "weekly" [of: 契約書, target: ">= 60%", dear: adoption]
titled, deliverable契約, measures -> grouped  # not keywords
"group" -> 𠮷
# PREP: IGNORE-FILE[P001]
"""


def test_every_example_and_docs_snippet_is_scoped_as_the_parser_lexes_it(node_modules, tmp_path):
    from prep.linter.suppress import _DIRECTIVE  # the directive the linter reads

    texts = snippet_texts()
    lexed = {k: lark_tokens(v) for k, v in texts.items()}
    checked = {k: v for k, v in lexed.items() if v is not None}
    assert len(checked) >= 20 and all(f"examples/{p.name}" in checked for p in EXAMPLES.glob("*.prep"))
    scoped = tokenize({k: texts[k] for k in checked}, tmp_path)
    problems, counts = [], {}
    for key, tokens in checked.items():
        lines = texts[key].split("\n")
        tm = scoped[key]
        roles = word_roles(tokens)
        for n, line in enumerate(tm):
            for s, e, scopes in line:
                if any(x.startswith("invalid") for x in scopes):
                    problems.append(f"{key}:{n + 1}: {lines[n][s:e]!r} is scoped invalid: {scopes}")
        for i, t in enumerate(tokens):
            if t.line != t.end_line:
                continue
            src = lines[t.line - 1]
            start, end = utf16(src[:t.column - 1]), utf16(src[:t.end_column - 1])
            covering = [(s, e, sc) for s, e, sc in tm[t.line - 1] if s < end and e > start]
            where = f"{key}:{t.line}:{t.column}: {t.type} {t.value!r}"
            if not covering or covering[0][0] != start or covering[-1][1] != end:
                problems.append(f"{where}: token boundaries differ: {[(s, e) for s, e, _ in covering]}")
                continue
            leaves = [sc[-1] for _, _, sc in covering]
            kind = "WORD" if t.type in WORD_TYPES else t.type
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "WORD":
                role = roles[i]
                counts[role] = counts.get(role, 0) + 1
                if role == "keyword":
                    want = f"keyword.other.{t.value}.prep"
                elif role.startswith("declared:"):
                    want = f"entity.name.type.{role.split(':')[1]}.prep"
                else:
                    want = NAME_SCOPES[role]
                ok = leaves == [want]
            elif kind == "ARROW":
                ok = leaves == [f"keyword.operator.arrow.{ARROWS[t.value]}.prep"]
            elif kind == "STRING":
                ok = all(any(x.startswith("string.quoted.double.prep") for x in sc) for _, _, sc in covering)
            elif kind == "COMMENT":
                ok = all(any(x.startswith("comment.line.number-sign") for x in sc) for _, _, sc in covering)
                if ok and _DIRECTIVE.search(t.value):
                    counts["SUPPRESSION"] = counts.get("SUPPRESSION", 0) + 1
                    ok = "keyword.control.directive.suppression.prep" in leaves
            else:  # punctuation: [ ] { } , : ;
                ok = all(leaf.startswith("punctuation.") for leaf in leaves)
            if not ok:
                problems.append(f"{where}: scoped {[sc for _, _, sc in covering]}")
    assert not problems, "\n".join(problems[:40])
    # the files really exercised every kind of token
    for kind in ("keyword", "declared:deliverable", "declared:knowhow", "declared:group", "declared:stage", "reference",
                 "key", "flag", "value", "ARROW", "STRING", "COMMENT", "SUPPRESSION", "LSQB", "COMMA", "COLON", "LBRACE"):
        assert counts.get(kind, 0) > 0, (kind, counts)


# --- the extension's own tests and the package ------------------------------

def test_annotated_grammar_tests_pass_and_can_fail(node_modules, tmp_path):
    tester = [NODE, str(node_modules / "vscode-tmgrammar-test" / "dist" / "unit.js"), "-g", str(GRAMMAR)]
    done = run(tester + ["test/*.prep"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("run successfuly") == len(list((EXT / "test").glob("*.prep")))
    wrong = tmp_path / "wrong.prep"
    wrong.write_text('# SYNTAX TEST "source.prep" "a wrong expectation"\na ~> b\n#  ^^ keyword.operator.arrow.input.prep\n')
    failed = run(tester + [str(wrong)])
    assert failed.returncode != 0 and "keyword.operator.arrow.sync.prep" in failed.stdout


def test_client_unit_tests_pass(node_modules):
    built = run([NPM, "run", "build"])
    assert built.returncode == 0, built.stdout + built.stderr
    done = run([NODE, "--test", "test/"])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"^# fail 0$", done.stdout, re.M) and re.search(r"^# skipped 0$", done.stdout, re.M)
    assert int(re.search(r"^# pass (\d+)$", done.stdout, re.M).group(1)) >= 8


def test_vsce_package_builds_a_vsix_with_grammar_configuration_and_client(node_modules, tmp_path):
    out = tmp_path / "prep.vsix"
    vsce = node_modules / "@vscode" / "vsce" / "vsce"
    done = run([NODE, str(vsce), "package", "--out", str(out)], timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
        assert z.read("extension/syntaxes/prep.tmLanguage.json") == GRAMMAR.read_bytes()
        assert z.read("extension/language-configuration.json") == (EXT / "language-configuration.json").read_bytes()
        client = z.read("extension/dist/extension.js").decode("utf-8")
    assert {"extension/package.json", "extension/dist/extension.js", "extension/readme.md",
            "extension/LICENSE.txt", "extension.vsixmanifest"} <= names
    assert not [n for n in names if "node_modules" in n or n.startswith(("extension/src/", "extension/test/"))]
    # the client is bundled: it starts `prep lsp` through vscode-languageclient, with vscode left external
    assert "LanguageClient" in client and '"lsp"' in client and 'require("vscode")' in client
    assert manifest["main"] == "./dist/extension.js"
    (language,) = manifest["contributes"]["languages"]
    assert language["extensions"] == [".prep"] and language["configuration"] == "./language-configuration.json"
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar == {"language": "prep", "scopeName": "source.prep", "path": "./syntaxes/prep.tmLanguage.json"}
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["prep.path"]["default"] == "prep" and settings["prep.args"]["default"] == []
    # a workspace VS Code does not trust cannot pick the program the extension runs
    assert set(manifest["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]) == {"prep.path", "prep.args"}


# --- the server the client starts ---------------------------------------------

FAKE_SERVER = r'''#!PYTHON
# a stand-in `prep` that speaks just enough LSP, and insists on the exact command line
import json, sys
if sys.argv[1:] != ["lsp"]:
    sys.exit(f"unexpected arguments {sys.argv[1:]}")
inp, out = sys.stdin.buffer, sys.stdout.buffer
def read():
    n = 0
    while True:
        line = inp.readline()
        if not line:
            sys.exit(0)
        if line.strip() == b"":
            return json.loads(inp.read(n))
        key, value = line.decode().split(":", 1)
        n = int(value) if key.lower() == "content-length" else n
def send(msg):
    body = json.dumps(dict(msg, jsonrpc="2.0")).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()
while True:
    m = read()
    method = m.get("method")
    if method == "initialize":
        send({"id": m["id"], "result": {"capabilities": {"textDocumentSync": 1}}})
    elif method == "textDocument/didOpen":
        send({"method": "textDocument/publishDiagnostics", "params": {"uri": m["params"]["textDocument"]["uri"],
              "diagnostics": [{"range": {"start": {"line": 0, "character": 18}, "end": {"line": 0, "character": 19}},
                               "message": "stand-in: unclosed ["}]}})
    elif method == "shutdown":
        send({"id": m["id"], "result": None})
    elif method == "exit":
        sys.exit(0)
'''


def smoke(prep_path: str, cwd: Path) -> dict:
    done = subprocess.run([NODE, str(EXT / "scripts" / "smoke-server.js"), prep_path], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_the_client_command_line_is_exactly_prep_lsp(node_modules, tmp_path):
    """The extension's lookup and arguments, spawning a stand-in server that
    exits unless it is called as `prep lsp` (no --stdio or other additions)."""
    fake = tmp_path / "bin" / "prep"
    fake.parent.mkdir()
    fake.write_text(FAKE_SERVER.replace("PYTHON", sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    result = smoke(str(fake), tmp_path)
    assert result["server"] == f"{fake} lsp" and result["exit"] == 0
    assert result["diagnostics"] == [{"line": 0, "message": "stand-in: unclosed ["}]
    missing = subprocess.run([NODE, str(EXT / "scripts" / "smoke-server.js"), str(tmp_path / "nope")],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 3 and "does not exist" in missing.stderr and "prep[lsp]" in missing.stderr


def _real_server() -> str | None:
    prep = Path(sys.executable).parent / "prep"
    if not prep.is_file():
        return None
    import importlib.util

    if importlib.util.find_spec("pygls") is None:
        return None
    helped = subprocess.run([str(prep), "lsp", "--help"], capture_output=True, timeout=60)
    return str(prep) if helped.returncode == 0 else None


def test_the_real_prep_lsp_answers_the_client(node_modules, tmp_path):
    """`prep lsp` from this environment, started and spoken to as the extension
    does: it initializes and publishes diagnostics for a broken model."""
    prep = _real_server()
    if prep is None:
        pytest.skip("prep lsp is not available here (needs the lsp command and pygls: pip install -e '.[lsp]')")
    result = smoke(prep, tmp_path)
    assert "textDocumentSync" in result["capabilities"]
    assert result["diagnostics"] and all(d["line"] in (0, 1) for d in result["diagnostics"])
    assert result["exit"] == 0
