"""Which package modules a workflow script uses, and a hash of their source.

Snakemake re-runs a job when its script changes, but not when a module of this package
that the script imports changes. Each rule therefore carries ``code_version`` as a
parameter: a hash of the sources of every ``sparsesens`` module the script imports,
directly or through other modules. Editing ``lasso.py`` then re-runs the encode jobs and
everything downstream of them, and leaves the rules that never import it alone.
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

PACKAGE = "sparsesens"


def imported_modules(source: str) -> set[str]:
    """Names of the ``sparsesens`` modules a piece of Python source imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith(PACKAGE + "."))
    return found


def module_closure(script: str | os.PathLike, package_dir: str | os.PathLike) -> list[str]:
    """Every package module ``script`` needs, following imports between modules, sorted."""
    package_dir = Path(package_dir)
    todo = imported_modules(Path(script).read_text())
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        path = package_dir / f"{name}.py"
        if name in seen or not path.exists():
            continue
        seen.add(name)
        todo |= imported_modules(path.read_text()) - seen
    return sorted(seen)


def code_version(script: str | os.PathLike, package_dir: str | os.PathLike) -> str:
    """SHA-256 (first 16 hex digits) over the sources of the modules ``script`` needs."""
    digest = hashlib.sha256()
    for name in module_closure(script, package_dir):
        digest.update(name.encode() + b"\0")
        digest.update((Path(package_dir) / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]
