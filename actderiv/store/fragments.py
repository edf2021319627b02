"""Export fragments in the store: the LaTeX and Markdown strings of one derivation, which take
seconds each to print (see :mod:`actderiv.render.export`).

A fragment's key is the entry's record key (its content, its callees', the options) and the
fragments kind's code (:data:`actderiv.store.core.FRAGMENTS`: the modules that print them, found
statically; render/latex.py and render/texprint.py among them) and the precision. The fragments
of the bundled catalog are shipped with actderiv (``fragments.jsonl``, written by
``scripts/build_derived.py``), so a first ``export --all`` prints nothing afresh. Fragments read
back are checked against their key, digest and schema. Pure apart from the cache files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from actderiv.store import core
from actderiv.store.cache import entry_key
from actderiv.store.core import FRAGMENTS, new_digest

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import Fragments

#: The fragments of the bundled catalog, shipped beside its records.
SHIPPED_NAME: Final = "fragments.jsonl"


def fragments_key(spec: ActivationSpec, catalog: Catalog, precision: int) -> str:
    """The key of one entry's fragments at ``precision`` significant digits."""
    digest = new_digest(f"fragments\0{FRAGMENTS.code()}\0{precision}\0".encode())
    digest.update(entry_key(spec, catalog, {"order": 1, "wrt": None}).encode())
    return digest.hexdigest()


def read_fragments(key: str) -> Fragments | None:
    """The fragments stored under ``key`` (the cache folder's, else the shipped ones); none
    with the cache off (``ACTDERIV_NO_CACHE``), as for records."""
    found = core.read(FRAGMENTS, key, _fragments)
    if found is not None or not core.enabled():  # the cache off: everything is printed afresh
        return found
    text = core.shipped_layer(SHIPPED_NAME, FRAGMENTS).get(key)
    if text is None:
        return None
    try:
        return _fragments(json.loads(text))
    except (ValueError, RecursionError):
        return None  # the shipped layer is read-only: fragments that fail are only ignored


def write_fragments(key: str, fragments: Fragments) -> None:
    core.write(FRAGMENTS, key, fragments)


def shipped_text(items: Mapping[str, Fragments]) -> str:
    """The text of the shipped fragments file (``scripts/build_derived.py``)."""
    return core.shipped_layer_text(FRAGMENTS, items)


def _fragments(data: Any) -> Fragments:
    from actderiv import schema

    schema.check(data, "fragments")
    fragments: Fragments = data
    return fragments
