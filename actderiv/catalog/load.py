"""Catalog files: TOML text → an immutable :class:`Catalog`, with every problem reported at once.

Formulas are checked against the grammar (syntax, names, calls between entries, cycles) but are not
turned into SymPy here, so that listing the catalog stays fast. Pure apart from reading files.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from actderiv.catalog.model import ActivationSpec, Catalog, Claims, KinkClaim, Reference
from actderiv.errors import CatalogError, CatalogErrors, FormulaError, Location

BUNDLED_NAME: Final = "catalog.toml"
MAX_CATALOG_BYTES: Final = 16 * 2**20
# Patterns are compiled where they are used (re caches them): loading a catalog from its
# snapshot, as ``list`` does, needs none of them.
_NAME_RE: Final = r"^[a-z][a-z0-9_]*$"
_PARAM_RE: Final = r"^[A-Za-z][A-Za-z0-9_]*$"
_FIELDS: Final = frozenset(
    {
        "title",
        "aliases",
        "expr",
        "params",
        "tags",
        "references",
        "notes",
        "torch",
        "torch_kwargs",
        "claims",
        "unverified",
    }
)
_CLAIM_FIELDS: Final = frozenset({"derivative", "self_referential", "kinks"})
_REFERENCE_FIELDS: Final = frozenset({"title", "year", "authors", "link"})


def bundled_catalog_path() -> Path:
    """The catalog shipped with actderiv: inside the installed package, or at a checkout's top."""
    packaged = importlib.resources.files("actderiv").joinpath(BUNDLED_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    # A source checkout (editable install or PYTHONPATH): catalog.toml sits beside the package.
    return Path(__file__).resolve().parents[2] / BUNDLED_NAME


def user_catalog_path() -> Path:
    """The user's own catalog, layered over the bundled one (it may not exist yet).

    ``$ACTDERIV_CONFIG_DIR/catalog.toml`` when that is set, else ``catalog.toml`` in the
    platform's configuration folder.
    """
    override = os.environ.get("ACTDERIV_CONFIG_DIR")
    if override:
        return Path(override) / BUNDLED_NAME
    import platformdirs

    return Path(platformdirs.user_config_dir("actderiv", appauthor=False)) / BUNDLED_NAME


def default_catalog_paths() -> list[Path]:
    """The bundled catalog, then the user's catalog where it exists."""
    user = user_catalog_path()
    return [bundled_catalog_path(), *([user] if user.is_file() else [])]


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate one catalog file, or the default stack when ``path`` is None.

    Raises:
        CatalogError: a file cannot be read or is not valid TOML.
        CatalogErrors: one or more entries are invalid; every problem is listed.
    """
    return load_catalogs([Path(path)] if path is not None else default_catalog_paths())


def load_catalogs(paths: Sequence[str | Path]) -> Catalog:
    """Layer several catalog files: later files add entries and override earlier ones by key."""
    return load_layers(read_layers(paths))


def read_layers(paths: Sequence[str | Path]) -> list[tuple[str, bytes]]:
    """Each catalog file's path and bytes, in order (what :func:`load_layers` takes).

    Raises:
        CatalogError: a file cannot be read or is too large.
    """
    layers: list[tuple[str, bytes]] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_CATALOG_BYTES + 1)
            if len(data) > MAX_CATALOG_BYTES:
                raise CatalogError(
                    f"catalog is larger than {MAX_CATALOG_BYTES // 2**20} MiB", Location(str(path))
                )
        except OSError as exc:
            raise CatalogError(f"cannot read catalog: {exc}", Location(str(path))) from None
        layers.append((str(path), data))
    return layers


def load_layers(layers: Sequence[tuple[str, bytes]]) -> Catalog:
    """The catalog of :func:`read_layers`' files: from its snapshot when one is stored for
    exactly these files, else parsed, validated and stored."""
    from actderiv.store import snapshot

    key = snapshot.snapshot_key(layers)
    catalog = snapshot.read_snapshot(key)
    if catalog is None:
        catalog = build_catalog([(source, _decode(data, source)) for source, data in layers])
        snapshot.write_snapshot(key, catalog)
    return catalog


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"cannot read catalog: {exc}", Location(source)) from None


def parse_catalog(text: str, source: str = "<catalog>") -> Catalog:
    """Validate catalog ``text`` and build the :class:`Catalog` (see :func:`load_catalog`)."""
    return build_catalog([(source, text)])


def build_catalog(layers: Sequence[tuple[str, str]]) -> Catalog:
    """Validate (source, text) layers and merge them; every problem in every layer is reported.

    An entry in a later layer replaces the entry with the same key in an earlier one, keeping its
    place in the order; calls may cross layers, and names must be unique across the result.
    """
    merged: dict[str, ActivationSpec] = {}
    problems: list[CatalogError] = []
    broken: list[ActivationSpec] = []
    for source, text in layers:
        try:
            entries = read_entries(text, source, problems, broken)
        except CatalogError as exc:
            problems.append(exc)
            continue
        for spec in entries:
            merged[spec.name] = spec
    specs = list(merged.values())
    problems.extend(_check_names(specs))
    depends: dict[str, list[str]] = {}
    problems.extend(_check_calls(specs, broken, depends))
    if problems:
        raise CatalogErrors(problems)
    source = " + ".join(source for source, _ in layers)
    return Catalog.build(tuple(specs), source, _transitive(depends))


def _transitive(graph: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Every key each entry reaches through calls. Cycles are refused for formulas; a claim may
    call back into the entry that holds it, so the walk guards against revisiting."""
    reach: dict[str, tuple[str, ...]] = {}

    def visit(start: str) -> tuple[str, ...]:
        found: set[str] = set()
        todo = list(graph.get(start, ()))
        while todo:
            callee = todo.pop()
            if callee not in found:
                found.add(callee)
                todo.extend(graph.get(callee, ()))
        found.discard(start)
        return tuple(sorted(found))

    for name in graph:
        reach[name] = visit(name)
    return reach


def read_entries(
    text: str,
    source: str,
    problems: list[CatalogError],
    broken: list[ActivationSpec] | None = None,
) -> list[ActivationSpec]:
    """The entries of one catalog file, checked on their own; problems are appended.

    Raises:
        CatalogError: the text is not valid TOML or has no activations table.
    """
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise CatalogError(f"not valid TOML: {exc}", Location(source, "", line)) from None
    lines = _LineIndex(text)
    table = data.get("activations", {} if not data else None)
    if not isinstance(table, dict):
        raise CatalogError("no [activations.NAME] tables found", Location(source))
    entries = []
    for name, raw in table.items():
        try:
            entries.append(_entry(name, raw, source, lines))
        except _BrokenEntry as exc:
            problems.extend(exc.errors)
            if exc.spec is not None and broken is not None:
                broken.append(exc.spec)
        except CatalogErrors as exc:
            problems.extend(exc.errors)
        except CatalogError as exc:
            problems.append(exc)
    return entries


class _LineIndex:
    """The line of each entry and of the fields (and sub-tables) that belong to it.

    Entries may be written as ``[activations.NAME]`` tables or as ``NAME = {...}`` inline
    tables under ``[activations]``; fields may sit in sub-tables (``[activations.NAME.claims]``,
    ``[[activations.NAME.references]]``) or in inline tables (``claims = { derivative = ... }``).
    One pass over the text builds the index; lookups are dictionary reads.
    """

    _HEADER: Final = (
        r"^\s*\[\[?\s*activations\s*"
        r"(?:\.\s*\"?([A-Za-z0-9_]+)\"?\s*(?:\.\s*([A-Za-z0-9_]+))?[^\]]*)?\]"
    )
    _KEY: Final = r"([A-Za-z_][A-Za-z0-9_]*)\s*="

    def __init__(self, text: str) -> None:
        header, key_pattern = re.compile(self._HEADER), re.compile(self._KEY)
        self.headers: dict[str, int] = {}
        self.fields: dict[str, dict[str, int]] = {}
        current: str | None = None
        in_activations = False
        for number, line in enumerate(text.splitlines(), start=1):
            match = header.match(line)
            if match:
                current, sub = match.group(1), match.group(2)
                in_activations = current is None
                if current is not None and sub is None:
                    self.headers.setdefault(current, number)
                elif current is not None:
                    self.fields.setdefault(current, {})[sub] = number
                continue
            if line.lstrip().startswith("["):
                current, in_activations = None, False
                continue
            owner = current
            if in_activations:
                inline = re.match(r"^\s*\"?([A-Za-z0-9_]+)\"?\s*=(.*)$", line)
                if inline is None:
                    continue
                owner, line = inline.group(1), inline.group(2)
                self.headers.setdefault(owner, number)
            if owner is not None:
                found = self.fields.setdefault(owner, {})
                for key in key_pattern.findall(line.split("#", 1)[0]):
                    found.setdefault(key, number)

    def entry(self, name: str) -> int | None:
        return self.headers.get(name)

    def field(self, name: str, key: str) -> int | None:
        """The line of ``key`` in entry ``name`` (a sub-table header counts); else the entry's."""
        return self.fields.get(name, {}).get(key) or self.headers.get(name)


def _entry(name: str, raw: Any, source: str, lines: _LineIndex) -> ActivationSpec:
    from actderiv.lang.grammar import CONSTANTS, FUNCTIONS, VARIABLES

    def at(key: str = "") -> Location:
        dotted = f"activations.{name}" + (f".{key}" if key else "")
        return Location(source, dotted, lines.field(name, key) if key else lines.entry(name))

    if not isinstance(raw, dict):
        raise CatalogError("must be a table", at())
    problems: list[CatalogError] = []
    if not re.match(_NAME_RE, name):
        problems.append(
            CatalogError(
                "name must be snake_case: lower-case letters, digits and '_', "
                "starting with a letter",
                at(),
            )
        )
    elif name in VARIABLES | CONSTANTS or (
        name in FUNCTIONS and str(raw.get("expr", "")).replace(" ", "") != f"{name}(x)"
    ):
        problems.append(
            CatalogError(
                f"name {name!r} is reserved by the formula language"
                + (
                    f' (an entry may take it only with expr = "{name}(x)")'
                    if name in FUNCTIONS
                    else ""
                ),
                at(),
            )
        )
    for key in sorted(set(raw) - _FIELDS):
        problems.append(
            CatalogError(f"unknown field {key!r} (allowed: {', '.join(sorted(_FIELDS))})", at(key))
        )
    title = _string(raw, "title", at, problems, required=True)
    expr = _string(raw, "expr", at, problems, required=True)
    aliases = _strings(raw, "aliases", at, problems)
    tags = _strings(raw, "tags", at, problems)
    params = _params(raw.get("params", {}), at("params"), problems)
    notes = _string(raw, "notes", at, problems) or ""
    torch = _string(raw, "torch", at, problems)
    torch_kwargs = _torch_kwargs(raw.get("torch_kwargs", {}), at("torch_kwargs"), problems)
    references = _references(raw.get("references", []), at("references"), problems)
    claims = _claims(raw.get("claims", {}), at("claims"), problems)
    unverified = _string(raw, "unverified", at, problems) or ""
    spec = ActivationSpec(
        name=name,
        title=title or name,
        expr=expr or "",
        aliases=aliases,
        params=params,
        tags=tags,
        references=references,
        notes=notes,
        torch=torch,
        torch_kwargs=torch_kwargs,
        claims=claims,
        location=at(),
        expr_location=at("expr"),
        claim_locations=tuple(
            (key, Location(source, f"activations.{name}.claims.{key}", lines.field(name, key)))
            for key in ("derivative", "self_referential")
        ),
        unverified=unverified,
    )
    if problems:
        if isinstance(raw.get("params"), dict):  # keep every parameter's name for the checks
            known = dict(params)
            names = tuple((str(k), known.get(k, 0.0)) for k in raw["params"])
            spec = dataclasses.replace(spec, params=names)
        raise _BrokenEntry(problems, spec if isinstance(raw.get("expr"), str) else None)
    return spec


class _BrokenEntry(CatalogErrors):
    """An entry with field problems; its formula is still checked and its name still known."""

    def __init__(self, errors: list[CatalogError], spec: ActivationSpec | None) -> None:
        super().__init__(errors)
        self.spec = spec


def _string(
    raw: Mapping[str, Any], key: str, at: Any, problems: list[CatalogError], required: bool = False
) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(CatalogError(f"missing required field {key!r}", at()))
        return None
    if not isinstance(value, str):
        problems.append(CatalogError(f"must be a string, not {_kind(value)}", at(key)))
        return None
    return value


def _strings(
    raw: Mapping[str, Any], key: str, at: Any, problems: list[CatalogError]
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(CatalogError("must be a list of strings", at(key)))
        return ()
    return tuple(value)


def _params(
    value: Any, where: Location, problems: list[CatalogError]
) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict):
        problems.append(CatalogError("must be a table of name = number", where))
        return ()
    out = []
    for pname, default in value.items():
        problem = check_param_name(pname)
        if problem:
            problems.append(CatalogError(problem, where))
        elif isinstance(default, bool) or not isinstance(default, int | float):
            problems.append(
                CatalogError(
                    f"parameter {pname!r} must have a number as default, not {_kind(default)}",
                    where,
                )
            )
        elif default != default or abs(default) == float("inf"):
            problems.append(CatalogError(f"parameter {pname!r} must be finite", where))
        else:
            out.append((pname, float(default)))
    return tuple(out)


def check_param_name(name: str) -> str | None:
    """Why ``name`` cannot name a parameter, or None when it can."""
    from actderiv.lang.grammar import RESERVED

    if not re.match(_PARAM_RE, name) or name in RESERVED:
        shown = name if len(name) <= 40 else name[:40] + "…"
        return (
            f"parameter name {shown!r} must be an ASCII identifier (no leading '_') other than "
            "x, y, e, pi and the function names"
        )
    return None


def _torch_kwargs(
    value: Any, where: Location, problems: list[CatalogError]
) -> tuple[tuple[str, str | float | bool], ...]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool) for v in value.values()
    ):
        problems.append(
            CatalogError("must be a table of keyword = string, number or boolean", where)
        )
        return ()
    return tuple((k, v if isinstance(v, str | bool) else float(v)) for k, v in value.items())


def _references(value: Any, where: Location, problems: list[CatalogError]) -> tuple[Reference, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append(
            CatalogError("must be an array of tables {title, year, authors, link}", where)
        )
        return ()
    out = []
    for ref in value:
        extra = set(ref) - _REFERENCE_FIELDS
        year = ref.get("year")
        if (
            extra
            or not isinstance(ref.get("title"), str)
            or not (year is None or (isinstance(year, int) and not isinstance(year, bool)))
        ):
            problems.append(
                CatalogError(
                    "each reference needs a string title and may have year (integer), "
                    "authors, link",
                    where,
                )
            )
            continue
        out.append(
            Reference(
                title=ref["title"],
                year=year,
                authors=str(ref.get("authors", "")),
                link=str(ref.get("link", "")),
            )
        )
    return tuple(out)


def _claims(value: Any, where: Location, problems: list[CatalogError]) -> Claims:
    if not isinstance(value, dict):
        problems.append(CatalogError("must be a table", where))
        return Claims()
    for key in sorted(set(value) - _CLAIM_FIELDS):
        problems.append(
            CatalogError(
                f"unknown claim {key!r} (allowed: {', '.join(sorted(_CLAIM_FIELDS))})", where
            )
        )
    kinks = []
    for kink in value.get("kinks", []):
        if not (
            isinstance(kink, dict)
            and set(kink) == {"x", "value"}
            and all(isinstance(v, str | int | float) for v in kink.values())
        ):
            problems.append(
                CatalogError("each kink claim is a table {x = ..., value = ...}", where)
            )
            continue
        if not all(_plain_number(v) for v in kink.values()):
            problems.append(
                CatalogError("a kink claim's x and value must be finite numbers below 1e12", where)
            )
            continue
        kinks.append(KinkClaim(x=str(kink["x"]), value=str(kink["value"])))
    texts = {k: value.get(k) for k in ("derivative", "self_referential")}
    for key, text in texts.items():
        if text is not None and not isinstance(text, str):
            problems.append(CatalogError(f"claim {key!r} must be a formula string", where))
    return Claims(
        derivative=texts["derivative"] if isinstance(texts["derivative"], str) else None,
        self_referential=(
            texts["self_referential"] if isinstance(texts["self_referential"], str) else None
        ),
        kinks=tuple(kinks),
    )


def _plain_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
    except ValueError:
        return False
    return math.isfinite(number) and abs(number) <= 1e12 and len(str(value)) <= 40


def _check_names(entries: list[ActivationSpec]) -> list[CatalogError]:
    """Keys and aliases must be unique, ignoring case."""
    problems = []
    seen: dict[str, str] = {}
    for spec in entries:
        for alias in spec.names:
            folded = alias.casefold()
            owner = seen.get(folded)
            if owner is not None and owner != spec.name:
                problems.append(
                    CatalogError(
                        f"name or alias {alias!r} is already used by {owner!r}", spec.location
                    )
                )
            seen.setdefault(folded, spec.name)
    return problems


def _check_calls(
    entries: list[ActivationSpec],
    broken: Sequence[ActivationSpec] = (),
    depends: dict[str, list[str]] | None = None,
) -> list[CatalogError]:
    """Check every formula's syntax and names, then refuse cycles of calls between entries.

    Entries with field problems (``broken``) are checked too, and calls to them are not
    reported as unknown: their own problems are reported already. ``depends``, when given, is
    filled with the entries each entry's formula or claims call directly (what its derived
    record depends on, besides itself).
    """
    from actderiv.lang.grammar import Names, called_names, check_formula

    entries = [*entries, *(b for b in broken if b.name not in {e.name for e in entries})]
    keys = frozenset(spec.name for spec in entries)
    problems: list[CatalogError] = []
    graph: dict[str, list[str]] = {}
    depends = {} if depends is None else depends
    for spec in entries:
        claim_calls: set[str] = set()
        problems.extend(_check_claims(spec, keys, claim_calls))
        names = Names.of(params=spec.param_dict, calls=keys - {spec.name})
        try:
            tree = check_formula(spec.expr, names)
        except FormulaError as exc:
            if spec.name in _called_anywhere(spec.expr) and spec.name in keys:
                exc = FormulaError(f"entry calls itself: {spec.name}()", spec.expr, exc.span)
            problems.append(exc.with_location(spec.expr_location or spec.location))
            continue
        graph[spec.name] = [n for n in called_names(tree) if n in keys]
        depends[spec.name] = sorted({*graph[spec.name], *(claim_calls & keys)})
    problems.extend(_cycles(graph, {s.name: s for s in entries}))
    return problems


def _check_claims(
    spec: ActivationSpec, keys: frozenset[str], calls: set[str] | None = None
) -> list[CatalogError]:
    """Claims are formulas too (with y = f(x)): check them when the catalog loads. The entries
    they call are added to ``calls``."""
    from actderiv.lang.grammar import Names, called_names, check_formula

    problems: list[CatalogError] = []
    names = Names.of(params=spec.param_dict, calls=keys - {spec.name}, allow_y=True)
    for key in ("derivative", "self_referential"):
        text = getattr(spec.claims, key)
        if text is None:
            continue
        try:
            tree = check_formula(text, names)
        except FormulaError as exc:
            problems.append(exc.with_location(dict(spec.claim_locations)[key]))
            continue
        if calls is not None:
            calls.update(called_names(tree))
    return problems


def _called_anywhere(text: str) -> set[str]:
    return set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text))


def _cycles(graph: dict[str, list[str]], specs: dict[str, ActivationSpec]) -> list[CatalogError]:
    problems = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in graph:
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(node) == 2:
                    continue
                if state.get(node) == 1:
                    cycle = [*path[path.index(node) :], node]
                    spec = specs[cycle[0]]
                    problems.append(
                        CatalogError(
                            f"cycle of calls between entries: {' -> '.join(cycle)}",
                            spec.expr_location or spec.location,
                        )
                    )
                    continue
                state[node] = 1
                path.append(node)
            children = graph.get(node, [])
            if i < len(children):
                stack.append((node, i + 1))
                stack.append((children[i], 0))
            else:
                state[node] = 2
                path.pop()
    return problems


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None
