"""Which code of this package a workflow script runs, and a hash of what that code does.

Snakemake re-runs a job when its script changes, but not when a module of this package
that the script imports changes. Each rule therefore carries ``code_version`` as a
parameter: a hash over the definitions (functions, classes, constants) of ``sparsesens``
that the script reaches, directly or through other definitions, plus the import-time
statements of the modules they live in. Each definition is hashed by its syntax tree with
docstrings removed (comments never reach the tree), so an edit that cannot change
behaviour (a docstring, a comment, a blank line, a function no job calls) re-runs nothing,
and an edit of ``lasso.homotopy`` re-runs exactly the jobs whose scripts reach it.

Reachability is by name: ``io.read_split`` in a script reaches ``read_split`` of
``sparsesens.io``; a name inside a reached definition reaches the definition of that name
in its module, or the one it was imported from. Modules are named by their dotted path
below the package (``lasso.fista``); a subpackage's ``__init__`` that re-exports a name
passes it on to the module it comes from. A module used other than through an attribute
(passed around, or with ``getattr``) counts as reached whole, with every name it imports.

A definition is keyed by what it is, not by where it lives: its name and its syntax tree,
in which every reference to this package is written as the bare name it refers to
(``io.read_split`` and ``from sparsesens.io import read_split as rs; rs`` both read
``read_split``), and the import-time statements that count are those of the definitions'
modules other than imports of this package, with an outside import counted only for the
names the reached definitions use. So moving a definition to another module, and renaming
the modules it is imported from, changes no hash: a reorganisation of the package re-runs
nothing that its code did not change.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "sparsesens"
WHOLE = "*"  # stands for every definition of a module


@dataclass
class _Module:
    """One parsed source file: its definitions, its other top-level statements, and the
    local names that refer to this package's modules or their definitions."""

    definitions: dict[str, ast.AST] = field(default_factory=dict)
    setup: list[ast.AST] = field(default_factory=list)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (module, name)
    package_dir: Path | None = None  # where its package's modules are, to tell them apart


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _is_submodule(package_dir: Path | None, module: str, name: str) -> bool:
    """Whether ``from sparsesens.<module> import <name>`` binds a module: ``name`` is a
    module of that subpackage and its ``__init__`` binds no other object to that name."""
    if package_dir is None:
        return False
    folder = package_dir.joinpath(*module.split("."))
    if not ((folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()):
        return False
    init = folder / "__init__.py"
    if not init.exists():
        return True
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = {node.name}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign):
            bound = {t.id for t in node.targets if isinstance(t, ast.Name)}
        else:
            continue
        if name in bound:
            return False
    return True


def _package_aliases(node: ast.AST, package_dir: Path | None = None
                     ) -> dict[str, tuple[str, str]]:
    """Local names bound by an import of this package: name -> (module, definition or WHOLE);
    a module imported from its subpackage (``from sparsesens.claims import paper``) counts
    as that module, as ``from sparsesens import io`` does."""
    found = {}
    if isinstance(node, ast.ImportFrom) and node.module:
        if node.module == PACKAGE:
            found.update({a.asname or a.name: (a.name, WHOLE) for a in node.names})
        elif node.module.startswith(PACKAGE + "."):
            module = node.module.removeprefix(PACKAGE + ".")
            for a in node.names:
                found[a.asname or a.name] = ((f"{module}.{a.name}", WHOLE)
                                             if _is_submodule(package_dir, module, a.name)
                                             else (module, a.name))
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.startswith(PACKAGE + ".") and alias.asname:
                found[alias.asname] = (alias.name.removeprefix(PACKAGE + "."), WHOLE)
    return found


def _parse(source: str, package_dir: Path | None = None) -> _Module:
    module = _Module(package_dir=package_dir)
    for node in _without_docstrings(ast.parse(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            module.definitions[node.name] = node
            continue
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names and len(names) == len(targets):
            module.definitions.update(dict.fromkeys(names, node))
            continue
        module.aliases.update(_package_aliases(node, package_dir))
        module.setup.append(node)
    return module


def _local_aliases(tree: ast.AST, module: _Module) -> dict[str, tuple[str, str]]:
    """The module's aliases with those of the package imports inside ``tree`` (an import in
    a function body) laid over them."""
    local = dict(module.aliases)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            local.update(_package_aliases(node, module.package_dir))
    return local


def _references(tree: ast.AST, here: str, module: _Module) -> set[tuple[str, str]]:
    """(module, name) pairs that the code in ``tree`` (from module ``here``) refers to."""
    aliases = _local_aliases(tree, module)
    found, via_attribute = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = aliases.get(node.value.id)
            if target and target[1] == WHOLE:
                found.add((target[0], node.attr))
                via_attribute.add(id(node.value))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name) or id(node) in via_attribute:
            continue
        if node.id in module.definitions:
            found.add((here, node.id))
        elif node.id in aliases:
            found.add(aliases[node.id])
    return found


def _reached(script: Path, package_dir: Path) -> tuple[dict[str, _Module], set[tuple[str, str]]]:
    """The parsed modules and every (module, name) the script reaches."""
    modules: dict[str, _Module] = {}

    def load(name: str) -> _Module | None:
        if name not in modules:
            base = package_dir.joinpath(*name.split("."))
            path = base.with_suffix(".py")
            path = path if path.exists() else base / "__init__.py"
            modules[name] = _parse(path.read_text(), package_dir) if path.exists() else None
        return modules[name]

    entry = _parse(script.read_text(), package_dir)
    todo = _references(ast.Module(body=[*entry.setup, *entry.definitions.values()],
                                  type_ignores=[]), "", entry)
    todo = {ref for ref in todo if ref[0]}  # the script's own names are in its own file
    reached: set[tuple[str, str]] = set()
    while todo:
        name, what = todo.pop()
        module = load(name)
        if module is None or (name, what) in reached:
            continue
        reached.add((name, what))
        nodes = (list(module.definitions.values()) if what == WHOLE
                 else [module.definitions[what]] if what in module.definitions else [])
        for node in [*nodes, *module.setup]:
            todo |= _references(node, name, module) - reached
        # a name the module only imports (a re-export) reaches its own module's definition
        imported = (set(module.aliases.values()) if what == WHOLE
                    else {module.aliases[what]} if what in module.aliases else set())
        todo |= imported - reached
        # a name it neither defines nor imports is a submodule (from package import module)
        if what != WHOLE and not nodes and not imported and load(f"{name}.{what}"):
            todo.add((f"{name}.{what}", WHOLE))
    return {k: v for k, v in modules.items() if v is not None}, reached


class _Canonical(ast.NodeTransformer):
    """Rewrites references to this package as the bare names they refer to."""

    def __init__(self, aliases: dict[str, tuple[str, str]]):
        self.aliases = aliases

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name):
            target = self.aliases.get(node.value.id)
            if target and target[1] == WHOLE:
                return ast.Name(id=node.attr, ctx=node.ctx)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        target = self.aliases.get(node.id)
        if target and target[1] != WHOLE:
            return ast.Name(id=target[1], ctx=node.ctx)
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return self._without_module(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return self._without_module(node)

    @staticmethod
    def _without_module(node: ast.Import | ast.ImportFrom) -> ast.AST:
        """An import of this package as the names it binds, without the module's path."""
        if not _package_aliases(node):
            return node
        return ast.Import(names=[ast.alias(name=a.name, asname=a.asname) for a in node.names])


def _canonical_dump(node: ast.AST, module: _Module) -> str:
    """``node``'s syntax tree with this package's references as bare names, as text."""
    return ast.dump(_Canonical(_local_aliases(node, module)).visit(copy.deepcopy(node)))


def module_closure(script: str | os.PathLike, package_dir: str | os.PathLike) -> list[str]:
    """Every package module some of whose code ``script`` reaches, sorted."""
    modules, reached = _reached(Path(script), Path(package_dir))
    return sorted({name for name, _ in reached if name in modules})


def definitions_reached(script: str | os.PathLike, package_dir: str | os.PathLike) -> list[str]:
    """``module.name`` of every package definition ``script`` reaches, sorted (``module.*``
    where a module is reached whole)."""
    modules, reached = _reached(Path(script), Path(package_dir))
    return sorted(f"{name}.{what}" for name, what in reached if name in modules)


def code_version(script: str | os.PathLike, package_dir: str | os.PathLike) -> str:
    """SHA-256 (first 16 hex digits) over the behaviour of the package code ``script``
    reaches: the syntax trees, without docstrings, of the reached definitions and of the
    import-time statements of their modules, each keyed by what it is, not by the module
    it lives in (see the module's docstring)."""
    modules, reached = _reached(Path(script), Path(package_dir))
    parts, used = set(), {}
    for name, what in reached:
        module = modules.get(name)
        if module is None:
            continue
        names = module.definitions if what == WHOLE else [what]
        for n in names:
            if n in module.definitions:
                parts.add(f"{n}:{_canonical_dump(module.definitions[n], module)}")
                used.setdefault(name, set()).update(_names_in(module.definitions[n]))
        used.setdefault(name, set())
    for name, names in used.items():
        parts |= _setup_parts(modules[name], names)
    digest = hashlib.sha256()
    for part in sorted(parts):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _names_in(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _setup_parts(module: _Module, used: set[str]) -> set[str]:
    """The import-time statements of ``module`` that count for definitions using the names
    ``used``: every statement but imports of this package and a ``TYPE_CHECKING`` block
    (neither runs anything of its own), and of the other imports the names that those
    definitions use, each as its own part (``from __future__ import annotations`` binds
    no name they use: annotations change no result). So a definition moved to a module that imports
    more, or imports in another order, hashes the same."""
    parts = set()
    for node in module.setup:
        if _package_aliases(node) or _is_type_checking(node):
            continue
        if isinstance(node, ast.ImportFrom):
            parts |= {f"from {node.module} import {a.name} as {a.asname or a.name}"
                      for a in node.names if (a.asname or a.name) in used}
        elif isinstance(node, ast.Import):
            parts |= {f"import {a.name} as {a.asname or a.name}" for a in node.names
                      if (a.asname or a.name.split(".")[0]) in used}
        else:
            parts.add(ast.dump(node))
    return parts


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:``, whose imports only type checkers read."""
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING" and not node.orelse)
