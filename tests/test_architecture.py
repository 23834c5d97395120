"""The house rules that code review alone does not hold: libraries only through their public
API, and no import circles inside webapp/."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from webapp import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "webapp"
OWN = "webapp"

# Private names of third-party packages we use on purpose, each with the reason.
ALLOWED_PRIVATE_IMPORTS: dict[tuple[str, str], str] = {}
# Private attributes we read or call on third-party objects, each with the reason.
ALLOWED_PRIVATE_ATTRIBUTES: dict[str, str] = {
    # Werkzeug's LocalProxy documents _get_current_object() as the way to reach the proxied
    # object (Flask-Login's current_user is such a proxy).
    "_get_current_object": "werkzeug.local.LocalProxy's documented API",
    # Python's own: namedtuple rows (sqlalchemy.Row is one) document _asdict/_fields/_mapping.
    "_asdict": "documented on named tuples and sqlalchemy.engine.Row",
    "_mapping": "documented on sqlalchemy.engine.Row",
    "_fields": "documented on named tuples and sqlalchemy.engine.Row",
}


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        relative = path.relative_to(PROJECT_ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path, ast.parse(path.read_text(), filename=str(path))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _third_party(module: str | None) -> bool:
    if not module:
        return False
    top = module.split(".")[0]
    return top != OWN and top not in sys.stdlib_module_names


def _own_names(tree: ast.Module) -> set[str]:
    """Names bound by our own definitions: their private attributes are ours to use."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def test_no_private_names_of_third_party_packages_are_imported():
    found = []
    for _, path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _third_party(node.module):
                for alias in node.names:
                    private = _is_private(alias.name) or any(
                        _is_private(part) for part in node.module.split(".")
                    )
                    if private and (node.module, alias.name) not in ALLOWED_PRIVATE_IMPORTS:
                        found.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _third_party(alias.name) and any(
                        _is_private(part) for part in alias.name.split(".")
                    ):
                        found.append(f"{path.name}:{node.lineno} {alias.name}")
    assert found == []


def test_no_private_attributes_of_library_objects_are_used():
    """Any `x._name` where `_name` is not defined by our own code (self._x of our classes is
    fine) and not in the allow-list names a library's internals."""
    own_private = set()
    trees = list(_modules())
    for _, _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                own_private.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own_private.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own_private.add(node.id)
    found = []
    for _, path, tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _is_private(node.attr)
                and node.attr not in own_private
                and node.attr not in ALLOWED_PRIVATE_ATTRIBUTES
            ):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} .{node.attr}")
    assert found == []


def _imports(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Our modules that `module` imports anywhere in its body (function-level included)."""
    package = module if module + ".__init__" in known else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in known and t != module}


def _graph() -> dict[str, set[str]]:
    modules = {module: tree for module, _, tree in _modules()}
    known = set(modules)
    known.update(
        m + ".__init__"
        for m, _, _ in _modules()
        if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()
    )
    return {module: _imports(module, tree, known) for module, tree in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, if there is any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_webapp_has_no_import_cycles():
    graph = _graph()
    # A package imports its submodules (views registering on the blueprint) and they import
    # the package's blueprint: that is the package's own wiring, not a cycle between modules.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not module.startswith(t + ".")}
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
