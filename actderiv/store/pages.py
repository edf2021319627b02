"""Website data in the store: what an entry's page shows beyond its record and its export
fragments (f'' printed, f and f' sampled, the PyTorch code), which takes a derivation to make.

A page's key is the entry's record key (its content, its callees', the options) and the site
kind's code (:data:`actderiv.store.core.SITE`: the modules that compute it, found statically).
Data read back is checked against its key, digest and schema. Pure apart from the cache files;
no SymPy (docs/ARCHITECTURE.md, "The store").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from actderiv.store import core
from actderiv.store.cache import entry_key
from actderiv.store.core import SITE, new_digest

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import SitePage


#: The page data of the bundled catalog, shipped beside its records and fragments.
SHIPPED_NAME: Final = "pages.jsonl"


def page_key(spec: ActivationSpec, catalog: Catalog, points: int) -> str:
    """The key of one entry's page data sampled at ``points`` points."""
    digest = new_digest(f"site\0{SITE.code()}\0{points}\0".encode())
    digest.update(entry_key(spec, catalog, {"order": 1, "wrt": None}).encode())
    return digest.hexdigest()


def read_page(key: str) -> SitePage | None:
    """The page data stored under ``key`` (the cache folder's, else the shipped layer's); none
    with the cache off (``ACTDERIV_NO_CACHE``), as for records."""
    found = core.read(SITE, key, _page)
    if found is not None or not core.enabled():
        return found
    text = core.shipped_layer(SHIPPED_NAME, SITE).get(key)
    if text is None:
        return None
    try:
        return _page(json.loads(text))
    except (ValueError, RecursionError):
        return None  # the shipped layer is read-only: data that fails is only ignored


def shipped_text(items: Mapping[str, SitePage]) -> str:
    """The text of the shipped page-data file (``scripts/build_derived.py``)."""
    return core.shipped_layer_text(SITE, items)


def write_page(key: str, page: SitePage) -> None:
    core.write(SITE, key, page)


def _page(data: Any) -> SitePage:
    from actderiv import schema

    schema.check(data, "site-page")
    page: SitePage = data
    return page
