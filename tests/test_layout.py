"""The layout's rules, read from the source with ``ast``: public APIs only, no import cycle, short modules."""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "digest"
MAX_LINES = 400

# Modules known to be longer than MAX_LINES, each with the reason it is allowed for now.
KNOWN_LONG: dict[str, str] = {}


@dataclass(frozen=True)
class Module:
    name: str  # digest.compose.mime
    path: Path
    tree: ast.Module

    @property
    def label(self) -> str:
        return self.path.relative_to(PACKAGE.parent).as_posix()


def modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


MODULES = modules()
NAMES = {m.name for m in MODULES}


def absolute(module: Module, node: ast.ImportFrom) -> str:
    """The module an ``from ... import`` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".")
    if module.path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def ours(name: str) -> bool:
    return name == "digest" or name.startswith("digest.")


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# names with a leading underscore that their library documents as public: os._exit ("exit the
# process … without calling cleanup handlers", the Python docs, os module, Process Management)
DOCUMENTED = {"os._exit"}


# -- 1. public APIs only -----------------------------------------------------------------------


def foreign_private_uses(module: Module) -> list[str]:
    """Private names of other libraries (stdlib too) that ``module`` imports, reads or overrides."""
    problems: list[str] = []
    foreign: dict[str, str] = {}  # local name -> the outside module or object it stands for
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not ours(alias.name):
                    if any(private(part) for part in alias.name.split(".")):
                        problems.append(f"line {node.lineno}: import {alias.name} (a private module)")
                    local = alias.asname or alias.name.split(".")[0]
                    foreign[local] = alias.asname and alias.name or local
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            if ours(source) or source == "__future__":
                continue
            if any(private(part) for part in source.split(".")):
                problems.append(f"line {node.lineno}: from {source} import ... (a private module)")
            for alias in node.names:
                if private(alias.name):
                    problems.append(f"line {node.lineno}: from {source} import {alias.name}")
                foreign[alias.asname or alias.name] = f"{source}:{alias.name}"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in foreign and ast.unparse(node) not in DOCUMENTED:
                problems.append(f"line {node.lineno}: {ast.unparse(node)} (private to {foreign[root.id]})")
        elif isinstance(node, ast.ClassDef):
            problems += private_overrides(node, foreign)
    return sorted(problems, key=lambda p: int(p.split(":")[0].split()[1]))


def private_overrides(cls: ast.ClassDef, foreign: dict[str, str]) -> list[str]:
    """Methods named ``_x`` that replace an attribute of an outside base class."""
    problems = []
    for base in cls.bases:
        target = foreign.get(base.id) if isinstance(base, ast.Name) else None
        if target is None or ":" not in target:
            continue
        source, name = target.split(":")
        base_class = getattr(importlib.import_module(source), name, None)
        methods = [i for i in cls.body if isinstance(i, ast.FunctionDef | ast.AsyncFunctionDef)]
        for item in methods:
            if private(item.name) and hasattr(base_class, item.name):
                problems.append(f"line {item.lineno}: {cls.name}.{item.name} overrides {name}'s")
    return problems


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.label)
def test_no_module_imports_reads_or_overrides_another_librarys_private_names(module: Module):
    assert foreign_private_uses(module) == []


def test_the_check_finds_what_the_rule_forbids():
    source = (
        "from email._header_value_parser import SPECIALS\n"
        "from email.contentmanager import _encode_base64\n"
        "import email._policybase\n"
        "from email.generator import Generator\n"
        "from email.policy import EmailPolicy\n"
        "from digest.compose.preinline import _Slot\n"  # our own: allowed
        "b = Generator._make_boundary()\n"
        "class P(EmailPolicy):\n"
        "    def _fold(self, name, value, refold_binary=False): ...\n"
        "    def _ours(self): ...\n"  # not in the base class: allowed
    )
    module = Module("digest.example", PACKAGE / "example.py", ast.parse(source))
    found = foreign_private_uses(module)
    assert [line.split(":")[0] for line in found] == ["line 1", "line 2", "line 3", "line 7", "line 9"]


# -- 2. no import cycle ------------------------------------------------------------------------


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_nodes(body: list[ast.stmt]):
    """The statements run when the module is imported: not those in functions or under TYPE_CHECKING."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and is_type_checking(node):
            yield from import_time_nodes(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from import_time_nodes(getattr(node, field, None) or [])
        for handler in getattr(node, "handlers", None) or []:
            yield from import_time_nodes(handler.body)


def imported_modules(module: Module) -> set[str]:
    """The digest modules ``module`` imports at import time (``from a import b``: a.b if it is one)."""
    out = set()
    for node in import_time_nodes(module.tree.body):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in NAMES}
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            for alias in node.names:
                if f"{source}.{alias.name}" in NAMES:
                    out.add(f"{source}.{alias.name}")
                elif source in NAMES:
                    out.add(source)
    out.discard(module.name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_digest_modules():
    graph = {m.name: imported_modules(m) for m in MODULES}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_and_ignores_type_checking_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from digest import store\n"
    source += "def f():\n    from digest import config\nfrom digest import models\n"
    module = Module("digest.example", PACKAGE / "example.py", ast.parse(source))
    assert imported_modules(module) == {"digest.models"}


# -- 3. short modules --------------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.label)
def test_no_module_is_over_400_lines(module: Module):
    lines = len(module.path.read_text(encoding="utf-8").splitlines())
    if module.label in KNOWN_LONG:
        pytest.skip(f"{module.label}: {lines} lines, known: {KNOWN_LONG[module.label]}")
    assert lines <= MAX_LINES, f"{module.label} has {lines} lines: it owns two things, split it"
