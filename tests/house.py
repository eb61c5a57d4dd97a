"""Measures of the house rules (issue 19), read off the source with :mod:`ast`, never by importing it.

``python tests/house.py`` prints every breach; ``tests/test_architecture.py`` fails on any.  The rules:

- a module outside ``mirror/sample/`` and the migrations is under :data:`MAX_MODULE_LINES` lines;
- a function there is under :data:`MAX_FUNCTION_LINES` lines;
- SQLAlchemy (and Alembic) are imported only inside ``mirror/storage/``;
- no private name (``_x``) is imported from another module, nor read off an imported module;
- the project's modules import each other without a cycle (imports inside functions count: a lazy
  import hides a cycle, it does not remove it; ``if TYPE_CHECKING:`` blocks do not count).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mirror", "pipelines")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: Where size rules do not apply: generated sample data and schema migrations.
EXEMPT_FROM_SIZE = ("mirror/sample/", "mirror/storage/migrations/")
#: The only home of the database libraries.
STORAGE = "mirror/storage/"
DATABASE_LIBRARIES = ("sqlalchemy", "alembic")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: mirror.storage.store
    path: Path
    tree: ast.Module

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def modules() -> list[Module]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _sized(module: Module) -> bool:
    return not module.rel.startswith(EXEMPT_FROM_SIZE)


def long_modules(mods: list[Module]) -> list[str]:
    out = []
    for m in mods:
        lines = len(m.path.read_text(encoding="utf-8").splitlines())
        if _sized(m) and lines >= MAX_MODULE_LINES:
            out.append(f"{m.rel}: {lines} lines")
    return out


def long_functions(mods: list[Module]) -> list[str]:
    out = []
    for m in mods:
        if not _sized(m):
            continue
        for node in ast.walk(m.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines >= MAX_FUNCTION_LINES:
                    out.append(f"{m.rel}:{node.lineno} {node.name}: {lines} lines")
    return out


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids.update(id(n) for child in node.body for n in ast.walk(child))
    return ids


def imports(module: Module) -> Iterator[tuple[ast.AST, str, list[str]]]:
    """(node, absolute module imported, names taken from it) for each import, lazy ones too."""
    skip = _type_checking_only(module.tree)
    for node in ast.walk(module.tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node, _absolute(module, node), [a.name for a in node.names]


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def database_imports(mods: list[Module]) -> list[str]:
    out = []
    for m in mods:
        if m.rel.startswith(STORAGE):
            continue
        for node, target, _names in imports(m):
            if target.split(".")[0] in DATABASE_LIBRARIES:
                out.append(f"{m.rel}:{node.lineno} imports {target}")
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(mods: list[Module]) -> list[str]:
    """``from mirror.x import _y``, and ``x._y`` where ``x`` names a project module imported here."""
    known = {m.name for m in mods}
    out = []
    for m in mods:
        aliases: dict[str, str] = {}
        for node, target, names in imports(m):
            if target.split(".")[0] not in PACKAGES:
                continue
            for name in names:
                if _private(name) and f"{target}.{name}" not in known:
                    out.append(f"{m.rel}:{node.lineno} imports {target}.{name}")
                if f"{target}.{name}" in known:
                    aliases[name] = f"{target}.{name}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(m.tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr)
                    and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and aliases[node.value.id] != m.name):
                out.append(f"{m.rel}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")
    return out


def import_graph(mods: list[Module]) -> dict[str, set[str]]:
    known = {m.name for m in mods}
    graph: dict[str, set[str]] = {m.name: set() for m in mods}
    for m in mods:
        for _node, target, names in imports(m):
            if target.split(".")[0] not in PACKAGES:
                continue
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in known] or [target]
            graph[m.name].update(t for t in targets if t in known and t != m.name)
    return graph


def import_cycles(mods: list[Module]) -> list[str]:
    """Each strongly connected set of modules bigger than one (Tarjan), as a sorted list.

    A package's ``__init__`` re-exporting its own submodules is not a cycle: edges from a
    submodule to its own package's ``__init__`` are left out.
    """
    graph = import_graph(mods)
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[str] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(" <-> ".join(sorted(component)))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def breaches() -> dict[str, list[str]]:
    mods = modules()
    return {
        f"modules of {MAX_MODULE_LINES}+ lines": long_modules(mods),
        f"functions of {MAX_FUNCTION_LINES}+ lines": long_functions(mods),
        "database libraries outside mirror/storage/": database_imports(mods),
        "private names from other modules": private_imports(mods),
        "import cycles": import_cycles(mods),
    }


if __name__ == "__main__":
    total = 0
    for rule, found in breaches().items():
        print(f"## {rule}: {len(found)}")
        for line in found:
            print("  " + line)
        total += len(found)
    sys.exit(1 if total else 0)
