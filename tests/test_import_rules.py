"""The architecture's import rules (README, *Architecture*), read from the source with `ast`.

Arrows point down only:

    wiring (the package's __init__, cli, demo, bench)
      -> areas, each only to areas lower in AREA_ORDER
        -> infra (multi-server infrastructure)
          -> core (shared building blocks)
            -> config (reads the environment; imports nothing of the app)

and no module imports itself through others (no circle), counting imports inside functions too:
an import deferred to call time is still a dependency. Imports under `if TYPE_CHECKING:` count
as well, since they are one as much as any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = "mvi_challenges"
SOURCE = Path(__file__).resolve().parent.parent / PACKAGE

# Lowest first: an area may import only the areas before it.
AREA_ORDER = ("accounts", "catalogue", "criteria", "calls", "proposals", "notices", "evaluation", "dialogues",
              "consultations", "monitoring", "pipeline", "lessons", "privacy", "public", "api")
WIRING = {"", "cli", "demo", "bench"}  # "" is the package's own __init__ (create_app)
RANK = {"config": 0, "core": 1, "infra": 2, **{area: 3 for area in AREA_ORDER}, **{name: 4 for name in WIRING}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module of the package that `path` imports, wherever the import statement stands."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != PACKAGE:
                continue
            # `from pkg import module` depends on the module, `from module import name` on the module.
            submodules = {f"{source}.{alias.name}" for alias in node.names} & known
            found.update(submodules or {source})
    found.discard(module)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(SOURCE.rglob("*.py"))
    known = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, known) for path in paths}


def part_of(module: str) -> str:
    """The layer or area a module belongs to: `mvi_challenges.calls.views` -> `calls`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def arrows_against_direction(graph: Mapping[str, Iterable[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        here = part_of(module)
        for target in targets:
            there = part_of(target)
            if there == here or RANK[here] == 4:
                continue
            upward = RANK[there] > RANK[here]
            sideways = RANK[there] == RANK[here] == 3 and AREA_ORDER.index(there) > AREA_ORDER.index(here)
            if upward or sideways or there in WIRING:
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_part_of_the_package_has_a_place_in_the_rules() -> None:
    assert {part_of(module) for module in import_graph()} <= set(RANK)


def test_no_arrow_points_against_the_documented_direction() -> None:
    assert arrows_against_direction(import_graph()) == []


def test_no_module_imports_itself_through_others() -> None:
    assert circles(import_graph()) == []


def test_the_rules_catch_an_upward_arrow_a_sideways_arrow_and_a_circle() -> None:
    """The checks above can fail: the same functions on a graph with each kind of mistake."""
    graph = {
        "mvi_challenges.core.outbox": {"mvi_challenges.infra.jobs"},  # core reaching up
        "mvi_challenges.infra.jobs": {"mvi_challenges.dialogues.services"},  # infra reaching into an area
        "mvi_challenges.calls.forms": {"mvi_challenges.dialogues.forms"},  # a lower area into a higher one
        "mvi_challenges.dialogues.services": {"mvi_challenges.core.outbox", "mvi_challenges"},  # into the wiring
    }
    assert arrows_against_direction(graph) == [
        "mvi_challenges.calls.forms -> mvi_challenges.dialogues.forms",
        "mvi_challenges.core.outbox -> mvi_challenges.infra.jobs",
        "mvi_challenges.dialogues.services -> mvi_challenges",
        "mvi_challenges.infra.jobs -> mvi_challenges.dialogues.services",
    ]
    assert circles(graph) == [["mvi_challenges.core.outbox", "mvi_challenges.dialogues.services",
                               "mvi_challenges.infra.jobs"]]
