"""Frozen records of the catalog: its entries and the catalog itself.

Pure: no I/O, no printing, no SymPy. What the engine derives from an entry is in
:mod:`actderiv.engine.derivation`, apart, so that loading and listing the catalog never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from actderiv.errors import Location, UnknownActivationError

#: The properties of an activation, as keyed in the JSON contract (see actderiv.engine.properties).
PROPERTY_KEYS: Final = (
    "range",
    "bounded_below",
    "bounded_above",
    "monotonic",
    "monotonic_derivative",
    "continuity",
    "f0",
    "df0",
    "identity_near_origin",
    "zero_centered",
    "max_abs_derivative",
    "derivative_limits",
    "dead_zones",
)
#: The checks of a self-referential form the engine found (actderiv.engine.verify). ``verify`` does
#: not search for such forms, so it leaves these checks out of what it reports.
SEARCH_CHECKS: Final = ("self-referential form", "output-only flag")


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """Where an activation was published."""

    title: str
    year: int | None = None
    authors: str = ""
    link: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class KinkClaim:
    """A claimed derivative value at a breakpoint, e.g. what PyTorch's autograd returns there."""

    x: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """What a catalog entry asserts about itself; each claim is checked, never trusted."""

    derivative: str | None = None
    self_referential: str | None = None
    kinks: tuple[KinkClaim, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivationSpec:
    """One activation table from a catalog, exactly as written (formulas are still text)."""

    name: str
    title: str
    expr: str
    aliases: tuple[str, ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    tags: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    notes: str = ""
    torch: str | None = None
    torch_kwargs: tuple[tuple[str, str | float | bool], ...] = ()
    #: LaTeX symbols of parameters, (name, symbol): ``("negative_slope", "\\alpha")``; checked
    #: against an allow-list (a letter or a Greek letter, with an optional short subscript).
    symbols: tuple[tuple[str, str], ...] = ()
    claims: Claims = field(default_factory=Claims)
    location: Location
    expr_location: Location | None = None
    claim_locations: tuple[tuple[str, Location], ...] = ()
    unverified: str = ""

    @property
    def param_dict(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def names(self) -> tuple[str, ...]:
        """The key and every alias, as written."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Catalog:
    """An ordered, immutable set of activations with case-insensitive lookup by name or alias."""

    entries: tuple[ActivationSpec, ...]
    source: str = "catalog.toml"
    _index: Mapping[str, ActivationSpec] = field(default_factory=dict, repr=False, compare=False)
    #: Every key each entry's formula or claims call, directly or through other entries
    #: (sorted), when known: the loader fills it while it checks the calls, so cache keys need
    #: not parse formulas again.
    callees: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    #: The digest of each entry's content (see actderiv.store.cache.content_digest), when known: a
    #: catalog read from a snapshot carries them, so cache keys need not serialise entries.
    digests: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        entries: tuple[ActivationSpec, ...],
        source: str,
        callees: Mapping[str, tuple[str, ...]] | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> Catalog:
        index: dict[str, ActivationSpec] = {}
        for spec in entries:
            for name in spec.names:
                index.setdefault(name.casefold(), spec)
        return cls(entries, source, index, dict(callees or {}), dict(digests or {}))

    def __iter__(self) -> Iterator[ActivationSpec]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.casefold() in self._index

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.entries)

    def get(self, name: str) -> ActivationSpec | None:
        return self._index.get(name.casefold())

    def require(self, name: str) -> ActivationSpec:
        """Return the entry called ``name`` (key or alias, any case).

        Raises:
            UnknownActivationError: nothing is called ``name``; the error suggests close matches.
        """
        spec = self.get(name)
        if spec is None:
            raise UnknownActivationError(name, self.suggest(name), Location(self.source))
        return spec

    def suggest(self, name: str, n: int = 3) -> tuple[str, ...]:
        import difflib

        close = difflib.get_close_matches(name.casefold(), list(self._index), n=n, cutoff=0.6)
        return tuple(dict.fromkeys(self._index[c].name for c in close))

    def with_tag(self, tag: str) -> tuple[ActivationSpec, ...]:
        return tuple(s for s in self.entries if tag.casefold() in (t.casefold() for t in s.tags))
