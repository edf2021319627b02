"""The rows of ``list``'s table, made from records: what the terminal shows of each entry.

Pure: no I/O, no SymPy; the store keeps the rows (:mod:`actderiv.store.listing`) and the
terminal renders them (:mod:`actderiv.render.terminal`); see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from actderiv.catalog.names import qualified_names

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec

__all__ = ["Row", "has_framework", "has_tag", "row", "shown"]


class Row(TypedDict):
    """One activation as ``list`` shows it (``actderiv.schema.ListRow``)."""

    name: str
    expr: str  # as the catalog writes it
    derivative: str  # the record's display form
    output_only: bool | None
    tags: list[str]
    frameworks: list[str]  # the entry's fully qualified framework names (jax.nn.gelu, ...)


def shown(record: Mapping[str, Any], key: str) -> str:
    """How a record's expression ``key`` is shown: its display form, else its SymPy text."""
    display = (record.get("display") or {}).get(key)
    return display if display is not None else str(record.get(key) or "—")


def row(spec: ActivationSpec, record: Mapping[str, Any]) -> Row:
    return Row(
        name=spec.name,
        expr=spec.expr,
        derivative=shown(record, "derivative"),
        output_only=record.get("output_only"),
        tags=list(spec.tags),
        frameworks=qualified_names(spec.aliases),
    )


def has_tag(item_tags: Iterable[str], tags: Sequence[str]) -> bool:
    """Whether an entry with ``item_tags`` has any of ``tags``, in any case (each entry has,
    when no tag is asked for)."""
    if not tags:
        return True
    wanted = {t.casefold() for t in tags}
    return any(t.casefold() in wanted for t in item_tags)


def has_framework(names: Iterable[str], frameworks: Sequence[str]) -> bool:
    """Whether an entry with the qualified ``names`` has a name in any of ``frameworks`` (keys
    of :data:`actderiv.catalog.model.FRAMEWORKS`; each entry has, when none is asked for)."""
    if not frameworks:
        return True
    return any(qualified_names(names, f) for f in frameworks)
