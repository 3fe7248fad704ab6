"""The package is laid out by pipeline stage and imports flow one way:

    language <- linter <- health <- layouter <- renderer <- catalogue <- embed <- serve <- (api, cli)

Every import counts, including those inside functions (a lazy import is
still a dependency); only `if TYPE_CHECKING:` blocks, which never run, are
left out."""

from __future__ import annotations

import ast
from pathlib import Path

import prep

PACKAGE = Path(prep.__file__).resolve().parent
# serve (issue 14): the live preview chains every stage and serves embed's
# viewer page; lsp (issue 13): an editor front end like the CLI, using the
# language, the linter and the formatter. Nothing in the pipeline imports
# either; only the command line sits above them. catalogue (issue 22): the
# model as Excel tables and back; it colours rows with the renderer's
# health colours, and a report (embed) may list the catalogue. health
# (issue 23): measured values -> each customer's stage and colours; the
# renderer only receives the colours.
STAGES = ("language", "linter", "health", "layouter", "renderer", "catalogue", "embed", "serve", "lsp")
# importable from anywhere: utilities that import nothing of prep
BOTTOM = {"prep._version", "prep._process", "prep._cachefile", "prep._words"}


def _module_name(path: Path) -> str:
    parts = ("prep",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                # `from . import api` imports the module prep.api; the package
                # itself counts only for names that are not modules
                submodules = {f"{target}.{a.name}" for a in child.names} & modules
                found.update(submodules)
                if len(submodules) < len(child.names):
                    found.add(target)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _stage(module: str) -> int:
    """0.. for the stage packages in order, len(STAGES) for the top (api, cli, entry points)."""
    if module in BOTTOM:
        return -1
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    return len(STAGES)


def test_every_stage_is_a_package():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    # only the library and the entry points users configure stay on top; the
    # command line is a package too (prep/cli/, one module per command)
    assert loose == ["__init__.py", "__main__.py", "_cachefile.py", "_process.py", "_version.py", "_words.py", "api.py",
                     "markdown_ext.py", "sphinx_ext.py"]
    assert (PACKAGE / "cli" / "__init__.py").is_file()


def test_imports_flow_one_way():
    backwards = sorted((m, t) for m, targets in _graph().items() for t in targets if _stage(t) > _stage(m))
    assert not backwards, "a stage imports a later stage:\n" + "\n".join(f"  {m} -> {t}" for m, t in backwards)


def test_no_import_circle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                circles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)
    assert not circles, "import circles:\n" + "\n".join("  " + " -> ".join(c) for c in circles)


def test_bottom_utilities_import_nothing_of_prep():
    graph = _graph()
    for module in BOTTOM:
        assert graph[module] == set(), module


def test_the_walker_sees_lazy_imports():
    # the check above would pass vacuously if function-level imports were missed
    graph = _graph()
    assert "prep.renderer" in graph["prep.api"]          # inside render()
    assert "prep.language.fastparse" in graph["prep.language.parse"]  # inside parse_statements()
    assert "prep.language.model" not in graph["prep.language.graph"]  # TYPE_CHECKING only
