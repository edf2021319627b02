"""The code a cached kind depends on, found statically: the actderiv modules that the modules
computing it import, transitively (see docs/ARCHITECTURE.md, "Store").

Each module's imports of actderiv modules (``import actderiv.x``, ``from actderiv.x import y``,
relative imports, at module level or inside functions; not those under ``if TYPE_CHECKING``) are
read with :mod:`ast`. A root ``"module:function"`` stands for the module's own source, the imports
inside that function, and, for each name its body refers to, the module-level import that binds it
or the module's function (or class) of that name, in turn; so a kind computed by one function of a
large module does not depend on everything the module can import. The imports found are kept by each
file's content digest (in the cache folder, and in a layer shipped with actderiv), so a run parses
only files it has never seen; the closure's digest is kept for the rest of the process. Pure apart
from the cache files; no SymPy.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

try:  # the builtin BLAKE2, not hashlib's: importing hashlib loads OpenSSL (3 ms, a tenth of `list`)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds _blake2 unless configured without it
    from hashlib import blake2b

if TYPE_CHECKING:
    import ast

PACKAGE: Final = Path(__file__).resolve().parents[1]
#: Version of the import facts kept per file; bump it when :func:`_facts` changes.
FACTS_VERSION: Final = 2
#: The import facts of the package's files, shipped with actderiv (``scripts/build_derived.py``).
SHIPPED_NAME: Final = "imports.json"
#: The files kept in the cache folder: the facts of files seen, and the closures computed.
USER_FILES: Final = ("imports.json", "closures.json")
_NAME: Final = USER_FILES[0]


def module_path(module: str) -> Path | None:
    """The source file of actderiv module ``module`` (a package's ``__init__.py``), or None."""
    parts = module.split(".")
    if parts[0] != "actderiv":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def closure(roots: Iterable[str]) -> dict[str, str]:
    """Every actderiv module that ``roots`` (modules, or ``"module:function"``) import,
    transitively, with its file's content digest (a module without a source file counts by
    name alone, with an empty digest)."""
    facts = _Facts()
    found: dict[str, str] = {}
    expanded: set[str] = set()  # modules whose every import is followed
    stack: list[tuple[str, str | None]] = []
    for root in roots:
        name, _, within = root.partition(":")
        stack.append((name, within or None))
    while stack:
        module, function = stack.pop()
        if module in expanded:
            continue
        if function is None:
            expanded.add(module)
        digest, info = facts.of(module)
        found[module] = digest
        if info is None:
            continue
        imported = info["all"] if function is None else _used_by(info, function)
        stack.extend((m, None) for m in imported if m not in expanded)
    facts.save()
    return found


def _used_by(info: dict[str, Any], function: str) -> list[str]:
    """The modules a module's ``function`` needs: those it imports, those bound at module level
    to the names it refers to, and those of the module's functions it refers to (in turn)."""
    imported: list[str] = []
    seen: set[str] = set()
    todo = [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in info["bindings"]:
            imported.extend(info["bindings"][name])
        if name in info["defs"]:
            imported.extend(info["defs"][name]["imports"])
            todo.extend(info["defs"][name]["names"])
    return imported


@cache
def code_digest(label: str, roots: tuple[str, ...]) -> str:
    """A digest of ``label`` and the source of every module in :func:`closure` of ``roots``,
    kept for the process, and on disk with the size and modification time of each file: a
    later run whose files all still have theirs (what Python trusts for its bytecode) takes
    the digest without reading a source file."""
    name = f"{PACKAGE}\0{label}\0{','.join(roots)}"  # (two checkouts may share a cache)
    memo = _closures()
    known = memo.get(name)
    if isinstance(known, dict) and _unchanged(known.get("files")):
        digest = known.get("digest")
        if isinstance(digest, str):
            return digest
    found = closure(roots)
    code = blake2b(label.encode(), digest_size=32)
    for module, file_digest in sorted(found.items()):
        code.update(f"\0{module}\0{file_digest}".encode())
    memo[name] = {"files": _stats(found), "digest": code.hexdigest()}
    path = _user_path(_CLOSURES)
    if path is not None:
        from actderiv.store.files import write_json_atomic

        write_json_atomic(path, {"version": FACTS_VERSION, "closures": memo})
    return code.hexdigest()


_CLOSURES: Final = USER_FILES[1]


def _closures() -> dict[str, Any]:
    path = _user_path(_CLOSURES)
    if path is None:
        return {}
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        stored = json.loads(path.read_bytes())
        if stored.get("version") == FACTS_VERSION and isinstance(stored["closures"], dict):
            closures: dict[str, Any] = stored["closures"]
            return closures
    return {}


def _stats(modules: Iterable[str]) -> list[list[Any]]:
    """``[relative path, size, mtime_ns]`` of each module's source file (the package's
    ``__init__.py`` for a module without one; such a module never matches)."""
    out: list[list[Any]] = []
    for module in sorted(modules):
        path = module_path(module)
        if path is None:
            out.append([module, -1, -1])
            continue
        st = path.stat()
        out.append([path.relative_to(PACKAGE).as_posix(), st.st_size, st.st_mtime_ns])
    return out


def _unchanged(files: Any) -> bool:
    if not isinstance(files, list) or not files:
        return False
    try:
        for relative, size, mtime in files:
            st = os.stat(PACKAGE / relative)
            if st.st_size != size or st.st_mtime_ns != mtime:
                return False
    except (OSError, ValueError, TypeError):
        return False
    return True


class _Facts:
    """The import facts of files by content digest: the cache folder's over the shipped ones."""

    def __init__(self) -> None:
        self.known: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.changed = False
        for path in (Path(__file__).with_name(SHIPPED_NAME), _user_path(_NAME)):
            if path is None:
                continue
            with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
                stored = json.loads(path.read_bytes())
                if stored.get("version") == FACTS_VERSION and isinstance(stored["files"], dict):
                    self.known.update(stored["files"])

    def of(self, module: str) -> tuple[str, dict[str, Any] | None]:
        path = module_path(module)
        if path is None:
            return "", None
        data = path.read_bytes()
        digest = blake2b(data, digest_size=32).hexdigest()
        info = self.known.get(digest)
        if not _valid(info):
            info = _facts(module, path, data)
            self.known[digest] = info
            self.changed = True
        self.used[digest] = info
        return digest, info

    def save(self) -> None:
        path = _user_path(_NAME)
        if not self.changed or path is None:
            return
        from actderiv.store.files import write_json_atomic

        write_json_atomic(path, facts_document(self.used))


def facts_document(files: dict[str, Any]) -> dict[str, Any]:
    """The JSON kept on disk for the facts of ``files`` (by content digest)."""
    return {"version": FACTS_VERSION, "files": files}


def package_facts() -> dict[str, Any]:
    """The facts of every source file of the package (the shipped layer)."""
    files: dict[str, Any] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        data = path.read_bytes()
        files[blake2b(data, digest_size=32).hexdigest()] = _facts(".".join(parts), path, data)
    return files


def _user_path(name: str) -> Path | None:
    from actderiv.store.files import cache_dir, enabled

    return cache_dir() / name if enabled() else None


def _valid(info: Any) -> bool:
    return (
        isinstance(info, dict)
        and isinstance(info.get("all"), list)
        and isinstance(info.get("bindings"), dict)
        and isinstance(info.get("defs"), dict)
    )


def _facts(module: str, path: Path, data: bytes) -> dict[str, Any]:
    """What ``module`` imports: everywhere (``all``); at module level, by the name each import
    binds (``bindings``); and in each top-level function or class (``defs``: its imports, and
    the names its body refers to)."""
    import ast

    tree = ast.parse(data, filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    bindings: dict[str, list[str]] = {}
    defs: dict[str, dict[str, list[str]]] = {}
    every: list[str] = []
    for node in tree.body:
        found = _imports(node, package)
        every.extend(found)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = {n.id for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
            defs[node.name] = {"imports": found, "names": sorted(names)}
            continue
        for name, modules in _bindings(node, package):
            bindings.setdefault(name, []).extend(modules)
    return {
        "all": sorted(set(every)),
        "bindings": {k: sorted(set(v)) for k, v in bindings.items()},
        "defs": defs,
    }


def _bindings(node: ast.AST, package: str) -> list[tuple[str, list[str]]]:
    """The names that module-level ``node`` binds by importing actderiv modules, with them."""
    import ast

    out: list[tuple[str, list[str]]] = []
    for current in ast.walk(node):
        if isinstance(current, ast.If) and _is_type_checking(current.test):
            return out  # (an import under TYPE_CHECKING binds nothing at run time)
        if isinstance(current, ast.Import):
            for alias in current.names:
                bound = alias.asname or alias.name.partition(".")[0]
                out.append((bound, _with_parents(alias.name).split(",")))
        elif isinstance(current, ast.ImportFrom):
            base = _absolute(current.module, current.level, package)
            if base is None:
                continue
            for alias in current.names:
                modules = _with_parents(base).split(",")
                if module_path(f"{base}.{alias.name}") is not None:
                    modules.append(f"{base}.{alias.name}")
                out.append((alias.asname or alias.name, modules))
    return [(name, [m for m in modules if m.startswith("actderiv")]) for name, modules in out]


def _imports(node: ast.AST, package: str) -> list[str]:
    """The actderiv modules ``node`` imports (not under ``if TYPE_CHECKING``), with the
    packages that importing them runs."""
    import ast

    out: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.If) and _is_type_checking(current.test):
            stack.extend(current.orelse)
            continue
        if isinstance(current, ast.Import):
            out.extend(_with_parents(a.name) for a in current.names)
        elif isinstance(current, ast.ImportFrom):
            base = _absolute(current.module, current.level, package)
            if base is not None:
                out.append(_with_parents(base))
                out.extend(
                    _with_parents(f"{base}.{a.name}")
                    for a in current.names
                    if module_path(f"{base}.{a.name}") is not None
                )
        stack.extend(ast.iter_child_nodes(current))
    return sorted({m for group in out for m in group.split(",") if m.startswith("actderiv")})


def _with_parents(module: str) -> str:
    """``a.b.c`` → ``"a,a.b,a.b.c"`` (importing a module runs its packages first)."""
    parts = module.split(".")
    return ",".join(".".join(parts[: i + 1]) for i in range(len(parts)))


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module
    parts = package.split(".")
    if level - 1 > len(parts):
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base


def _is_type_checking(test: ast.expr) -> bool:
    import ast

    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def describe(roots: Sequence[str]) -> list[str]:
    """The modules of :func:`closure` of ``roots``, sorted (for tests and ``cache``)."""
    return sorted(closure(roots))
