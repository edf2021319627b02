"""JSON Schema (draft 2020-12) generated from TypedDict annotations, and a small validator of
the schemas it generates (see docs/ARCHITECTURE.md, "Store").

The generator knows ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``, ``list[T]``,
``dict[str, T]``, ``Literal[...]``, unions (``A | B``), ``NotRequired[T]`` and nested
TypedDicts (each one a ``$defs`` entry). The validator checks what those schemas say (``type``,
``enum``, ``anyOf``, ``$ref``, ``properties``/``required``/``additionalProperties``,
``items``), so reading a cache needs neither the ``jsonschema`` package nor its import time.
Pure: no I/O; no SymPy.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, NotRequired, Union, get_args, get_origin, get_type_hints

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def is_typeddict(tp: Any) -> bool:
    return typing.is_typeddict(tp)


def schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of annotation ``tp``; TypedDicts go into ``defs`` and are referred to."""
    if tp is Any or tp is object:
        return {}
    if tp is None or tp is type(None):
        return {"type": "null"}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder, for recursive types
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return {"enum": list(args)}
    if origin is Union or origin is types.UnionType:
        options = [schema_of(a, defs) for a in args]
        return {"anyOf": options}
    if origin is list:
        return {"type": "array", "items": schema_of(args[0], defs) if args else {}}
    if origin is dict:
        if args and args[0] is not str:
            raise TypeError(f"JSON objects have string keys, not {args[0]!r}")
        return {"type": "object", "additionalProperties": schema_of(args[1], defs) if args else {}}
    if origin is NotRequired:
        return schema_of(args[0], defs)
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    hints = get_type_hints(tp, include_extras=True)
    required = sorted(
        k
        for k, v in hints.items()
        if k in tp.__required_keys__ and get_origin(v) is not NotRequired
    )
    out: dict[str, Any] = {
        "type": "object",
        "properties": {k: schema_of(v, defs) for k, v in hints.items()},
        "required": required,
        "additionalProperties": False,
    }
    doc = (tp.__doc__ or "").strip()
    if doc:
        out["description"] = doc.split("\n\n")[0].replace("\n", " ")
    return out


def document(root: Any, schema_id: str, title: str) -> dict[str, Any]:
    """A whole JSON Schema document for ``root`` (a TypedDict, or ``list[TypedDict]``)."""
    defs: dict[str, Any] = {}
    top = schema_of(root, defs)
    return {"$schema": DIALECT, "$id": schema_id, "title": title, **top, "$defs": defs}


@cache
def _compiled(root: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    defs: dict[str, Any] = {}
    return schema_of(root, defs), defs


def check(value: Any, root: Any, *, strict: bool = False) -> None:
    """Check that ``value`` has the shape of annotation ``root``; keys that no TypedDict names
    are allowed unless ``strict`` (a record that gained a key is still a record).

    Raises:
        ValueError: it has not (the message says where).
    """
    schema, defs = _compiled(root)
    problem = _problem(value, schema, defs, "$", strict)
    if problem is not None:
        raise ValueError(problem)


def _problem(
    value: Any, schema: Mapping[str, Any], defs: Mapping[str, Any], at: str, strict: bool
) -> str | None:
    """The first way ``value`` breaks ``schema`` (as :func:`schema_of` writes them), or None."""
    ref = schema.get("$ref")
    if ref is not None:
        return _problem(value, defs[ref.rpartition("/")[2]], defs, at, strict)
    if "enum" in schema:
        ok = any(value == v and type(value) is type(v) for v in schema["enum"])
        return None if ok else f"{at}: not one of {schema['enum']}"
    if "anyOf" in schema:
        if any(_problem(value, s, defs, at, strict) is None for s in schema["anyOf"]):
            return None
        return f"{at}: none of the allowed shapes"
    kind = schema.get("type")
    if kind is None:
        return None
    if not _is(value, kind):
        return f"{at}: not a {kind}"
    if kind == "array":
        for i, item in enumerate(value):
            problem = _problem(item, schema.get("items", {}), defs, f"{at}[{i}]", strict)
            if problem:
                return problem
    elif kind == "object":
        props = schema.get("properties", {})
        missing = [k for k in schema.get("required", ()) if k not in value]
        if missing:
            return f"{at}: no {missing[0]!r}"
        extra = schema.get("additionalProperties", {})
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{at}: a key that is not a string"
            sub = props.get(key, extra)
            if sub is False:
                if strict:
                    return f"{at}: unexpected key {key!r}"
                continue
            problem = _problem(item, sub, defs, f"{at}.{key}", strict)
            if problem:
                return problem
    return None


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    return kind == "object" and isinstance(value, dict)
