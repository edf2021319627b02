"""The catalog's schema: each entry's fields checked (every problem collected, none raised
early), then the checks across entries: unique names, formulas and claims against the grammar,
no cycles of calls. No SymPy: formulas are checked by the grammar alone.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from actderiv.catalog.lines import LineIndex
from actderiv.catalog.model import ActivationSpec, Claims, KinkClaim, Reference
from actderiv.errors import CatalogError, CatalogErrors, FormulaError, Location

# Patterns are compiled where they are used (re caches them): loading a catalog from its
# snapshot, as ``list`` does, needs none of them.
#: fullmatch, never match with ^…$: "$" also matches before a final newline ("foo\n").
_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]*")
_PARAM_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
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
        "symbols",
        "claims",
        "unverified",
    }
)
#: Characters no catalog text may hold: C0 and C1 controls and DEL (ESC starts terminal escape
#: sequences, BEL rings, a line break splits a table row), line and paragraph separators, and
#: the bidirectional embeddings, overrides and isolates that reorder how text is shown.
_CONTROL_RE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u061c]")
#: How many calls deep a chain between entries may go (a -> b is one call): the engine expands
#: every call when it parses a formula, and refuses deeper chains the same way.
MAX_CALL_DEPTH: Final = 16
_CLAIM_FIELDS: Final = frozenset({"derivative", "self_referential", "kinks"})
_REFERENCE_FIELDS: Final = frozenset({"title", "year", "authors", "link"})


def check_entry(name: str, raw: Any, source: str, lines: LineIndex) -> ActivationSpec:
    """The entry ``name`` of a catalog file, its fields checked; ``lines`` locates problems.

    Raises:
        CatalogError: the entry is not a table.
        BrokenEntry: one or more fields are invalid (every problem is listed), with the entry as
            far as it could be read, so that its formula and name are still checked.
    """
    from actderiv.lang.grammar import CONSTANTS, FUNCTIONS, VARIABLES

    def at(key: str = "") -> Location:
        dotted = f"activations.{name}" + (f".{key}" if key else "")
        return Location(source, dotted, lines.field(name, key) if key else lines.entry(name))

    if not isinstance(raw, dict):
        raise CatalogError("must be a table", at())
    problems: list[CatalogError] = []
    if not _NAME_RE.fullmatch(name):
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
    problems.extend(_control_characters(raw, at))
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
    symbols = _symbols(raw.get("symbols", {}), dict(params), at("symbols"), problems)
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
        symbols=symbols,
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
        raise BrokenEntry(problems, spec if isinstance(raw.get("expr"), str) else None)
    return spec


class BrokenEntry(CatalogErrors):
    """An entry with field problems; its formula is still checked and its name still known."""

    def __init__(self, errors: list[CatalogError], spec: ActivationSpec | None) -> None:
        super().__init__(errors)
        self.spec = spec


def _control_characters(raw: Mapping[str, Any], at: Any) -> list[CatalogError]:
    """One problem for each field whose text (keys included, at any depth) holds a character
    of :data:`_CONTROL_RE`."""
    strings: list[str] = []
    _collect_text(raw, strings)
    if _CONTROL_RE.search(" ".join(strings)) is None:
        return []  # the usual case, in one search
    problems = []
    for key, value in raw.items():
        found = first_control(key) or first_control(value)
        if found is not None:
            shown = key if first_control(key) is None else "a field"
            problems.append(
                CatalogError(
                    f"{shown} contains the control character U+{ord(found):04X}: catalog text "
                    "may not hold control characters, line breaks or bidirectional overrides",
                    at(key if shown == key else ""),
                )
            )
    return problems


def _collect_text(value: Any, out: list[str], depth: int = 0) -> None:
    """Append every string in ``value`` (keys too) to ``out``."""
    if isinstance(value, str):
        out.append(value)
    elif depth <= 64 and isinstance(value, dict):
        for key, item in value.items():
            out.append(key)
            _collect_text(item, out, depth + 1)
    elif depth <= 64 and isinstance(value, list):
        for item in value:
            _collect_text(item, out, depth + 1)


def first_control(value: Any, depth: int = 0) -> str | None:
    """The first forbidden character (:data:`_CONTROL_RE`) in ``value`` (a string, or any
    string inside lists and tables); None when there is none."""
    if isinstance(value, str):
        found = _CONTROL_RE.search(value)
        return found.group() if found else None
    if depth > 64:  # (the loader bounds nesting well below this)
        return None
    items: Sequence[Any] = ()
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    for item in items:
        inner = first_control(item, depth + 1)
        if inner is not None:
            return inner
    return None


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

    if not _PARAM_RE.fullmatch(name) or name in RESERVED:
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


#: The Greek letters a parameter's symbol may be, by their LaTeX names.
GREEK_LETTERS: Final = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "varrho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
)
#: What a parameter's LaTeX symbol may be: a letter or a Greek letter, with an optional subscript
#: of up to three letters or digits (``l``, ``\\alpha``, ``\\beta_1``, ``a_{max}``). Nothing else:
#: catalog text never reaches LaTeX raw.
_SYMBOL_RE: Final = re.compile(
    r"(?:[A-Za-z]|\\(?:" + "|".join(sorted(GREEK_LETTERS)) + r"))"
    r"(?:_(?:[A-Za-z0-9]|\{[A-Za-z0-9]{1,3}\}))?"
)


def _symbols(
    value: Any, params: Mapping[str, float], where: Location, problems: list[CatalogError]
) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(CatalogError("must be a table of parameter = LaTeX symbol", where))
        return ()
    out = []
    for pname, symbol in value.items():
        if pname not in params:
            problems.append(CatalogError(f"{pname!r} is not a parameter of this entry", where))
        elif not _SYMBOL_RE.fullmatch(symbol):
            shown = symbol if len(symbol) <= 40 else symbol[:40] + "…"
            problems.append(
                CatalogError(
                    f"symbol {shown!r} of {pname!r} must be a letter or a Greek letter "
                    r"(l, \alpha), optionally with a short subscript (\beta_1, a_{max})",
                    where,
                )
            )
        else:
            out.append((pname, symbol))
    return tuple(out)


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


def check_names(entries: list[ActivationSpec]) -> list[CatalogError]:
    """Keys and aliases must be unique, ignoring case; the one exception is two framework names
    (qualified, with a ".", such as mlx.nn.ReLU and mlx.nn.relu) that differ in case alone,
    which each find their own entry when written exactly (docs/ARCHITECTURE.md)."""
    problems = []
    exact: dict[str, str] = {}  # name -> owner
    folded_owner: dict[str, str] = {}  # folded name -> first owner
    for spec in entries:
        for alias in spec.names:
            folded = alias.casefold()
            owner = exact.get(alias) or folded_owner.get(folded, spec.name)
            if owner != spec.name and (alias in exact or "." not in alias):
                problems.append(
                    CatalogError(
                        f"name or alias {alias!r} is already used by {owner!r}", spec.location
                    )
                )
            exact.setdefault(alias, spec.name)
            folded_owner.setdefault(folded, spec.name)
    return problems


def check_calls(
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
    cycles = _cycles(graph, {s.name: s for s in entries})
    problems.extend(cycles)
    if not cycles:
        problems.extend(_too_deep(graph, {s.name: s for s in entries}))
    return problems


def _too_deep(graph: dict[str, list[str]], specs: dict[str, ActivationSpec]) -> list[CatalogError]:
    """Refuse the entries whose longest chain of calls is deeper than :data:`MAX_CALL_DEPTH`
    (the graph has no cycle). Each is reported with its chain."""
    longest: dict[str, list[str]] = {}  # the longest chain from each entry, itself first
    for start in graph:
        stack = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in longest:
                continue
            children = [c for c in graph.get(node, []) if c in graph]
            if not expanded:
                stack.append((node, True))
                stack.extend((c, False) for c in children if c not in longest)
                continue
            best = max((longest[c] for c in children), key=len, default=[])
            longest[node] = [node, *best]
    problems = []
    for name, chain in longest.items():
        if len(chain) - 1 > MAX_CALL_DEPTH:
            spec = specs[name]
            problems.append(
                CatalogError(
                    f"chain of calls between entries {len(chain) - 1} deep, more than the "
                    f"{MAX_CALL_DEPTH} allowed: {' -> '.join(chain)}",
                    spec.expr_location or spec.location,
                )
            )
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
