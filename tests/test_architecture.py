"""The shape of the house, as ARCHITECTURE.md draws it: who may import whom, no cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = ("crawler", "pipelines", "archive")
FRAMEWORKS = ("scrapy", "twisted", "scrapy_redis", "scrapyd")


def _modules() -> dict[str, Path]:
    found = {}
    for package in OURS:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module a file imports, at the top or inside a function: (dotted name, line)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                yield (child if child in MODULES else node.module), node.lineno


GRAPH = {name: sorted(set(_imports(path))) for name, path in MODULES.items()}


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(importers: tuple[str, ...], forbidden: tuple[str, ...], *,
                except_: tuple[str, ...] = ()) -> list[str]:
    return [f"{MODULES[m].relative_to(REPO)}:{line} imports {target}"
            for m, targets in GRAPH.items() if _under(m, *importers) and not _under(m, *except_)
            for target, line in targets if _under(target, *forbidden)]


def test_the_scan_sees_the_whole_tree() -> None:
    # a scan that found nothing would pass every rule below
    assert {"archive.store", "crawler.cli", "pipelines.store", "crawler.feeds.parse"} <= MODULES.keys()
    assert any(target.startswith("archive") for target, _ in GRAPH["pipelines.store"])


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every import, including those in functions."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target, _ in GRAPH[node]:
            if target not in MODULES:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_archive_is_a_library_of_its_own() -> None:
    assert _violations(("archive",), ("crawler", "pipelines", *FRAMEWORKS)) == []


@pytest.mark.parametrize("package", ["crawler.feeds", "crawler.extract", "crawler.config",
                                     "crawler.outcome", "crawler.egress.addresses",
                                     "crawler.egress.policy", "crawler.sources", "crawler.rsshub",
                                     "crawler.filters", "crawler.notify"])
def test_what_needs_no_scrapy_does_not_import_it(package: str) -> None:
    """Feed reading, extraction, configuration and reports run outside a crawl too
    (`feedvault extract`, `sources check`, the distributed writer)."""
    assert _violations((package,), FRAMEWORKS) == []


def test_pipelines_never_reach_up_to_the_command_line_or_the_spiders() -> None:
    assert _violations(("pipelines",), ("crawler.cli", "crawler.commands", "crawler.spiders",
                                        "crawler.run", "crawler.settings")) == []


def test_the_command_line_is_the_top() -> None:
    """Only the command line imports the commands, and nothing imports the command line."""
    assert _violations(OURS, ("crawler.cli", "crawler.commands"),
                       except_=("crawler.cli", "crawler.commands")) == []
    assert _violations(("crawler.commands",), ("crawler.cli",)) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_says_what_it_is_for(name: str) -> None:
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert docstring and docstring.strip(), f"{MODULES[name].relative_to(REPO)} has no docstring"


@pytest.mark.parametrize("name", sorted(n for n, p in MODULES.items() if p.name == "__init__.py"))
def test_package_inits_hold_no_logic(name: str) -> None:
    """An `__init__.py` re-exports a small API; the code lives in the package's modules."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    logic = [type(node).__name__ for node in tree.body
             if not isinstance(node, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign)
             and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    assert logic == [], f"{MODULES[name].relative_to(REPO)} holds {logic}"
