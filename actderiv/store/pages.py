"""Website data in the store: what an entry's page shows beyond its record and its export
fragments (f'' printed, f and f' sampled, the PyTorch code), which takes a derivation to make.

A page's key is the entry's record key (its content, its callees', the options) and the site
kind's code (:data:`actderiv.store.core.SITE`: the modules that compute it, found statically).
Data read back is checked against its key, digest and schema. Pure apart from the cache files;
no SymPy (docs/ARCHITECTURE.md, "The store").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actderiv.store import core
from actderiv.store.cache import entry_key
from actderiv.store.core import SITE, new_digest

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import SitePage


def page_key(spec: ActivationSpec, catalog: Catalog, points: int) -> str:
    """The key of one entry's page data sampled at ``points`` points."""
    digest = new_digest(f"site\0{SITE.code()}\0{points}\0".encode())
    digest.update(entry_key(spec, catalog, {"order": 1, "wrt": None}).encode())
    return digest.hexdigest()


def read_page(key: str) -> SitePage | None:
    """The page data stored under ``key``; None when there is none (or the cache is off)."""
    return core.read(SITE, key, _page)


def write_page(key: str, page: SitePage) -> None:
    core.write(SITE, key, page)


def _page(data: Any) -> SitePage:
    from actderiv import schema

    schema.check(data, "site-page")
    page: SitePage = data
    return page
