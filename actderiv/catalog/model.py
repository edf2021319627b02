"""Frozen records of the catalog: its entries and the catalog itself.

Pure: no I/O, no printing, no SymPy. What the engine derives from an entry is in
:mod:`actderiv.engine.derivation`, apart, so that loading and listing the catalog never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

# re-exported: the catalog's public names
from actderiv.catalog.names import FRAMEWORK_SYNONYMS as FRAMEWORK_SYNONYMS
from actderiv.catalog.names import FRAMEWORKS as FRAMEWORKS
from actderiv.catalog.names import PROPERTY_KEYS as PROPERTY_KEYS
from actderiv.catalog.names import framework_key as framework_key
from actderiv.catalog.names import qualified_names as qualified_names
from actderiv.errors import Location, UnknownActivationError

#: The checks of a self-referential form the engine found and of its printed (named) spelling
#: (actderiv.engine.verify). ``verify`` does not search for such forms, so it leaves these checks
#: out of what it reports.
SEARCH_CHECKS: Final = ("self-referential form", "output-only flag", "named self-referential form")


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
    #: Names (case-folded) that two entries share ignoring case, e.g. two framework names that
    #: differ in case alone: only their exact spelling finds an entry (docs/ARCHITECTURE.md).
    _ambiguous: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        entries: tuple[ActivationSpec, ...],
        source: str,
        callees: Mapping[str, tuple[str, ...]] | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> Catalog:
        index: dict[str, ActivationSpec] = {}
        folded: dict[str, ActivationSpec | None] = {}
        for spec in entries:
            for name in spec.names:
                index.setdefault(name, spec)
                owner = folded.setdefault(name.casefold(), spec)
                if owner is not None and owner.name != spec.name:
                    folded[name.casefold()] = None  # ambiguous ignoring case
        for key, spec_or_none in folded.items():
            if spec_or_none is not None:
                index.setdefault(key, spec_or_none)
        ambiguous = frozenset(k for k, v in folded.items() if v is None)
        return cls(entries, source, index, dict(callees or {}), dict(digests or {}), ambiguous)

    def __iter__(self) -> Iterator[ActivationSpec]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.entries)

    def get(self, name: str) -> ActivationSpec | None:
        """The entry called exactly ``name``, else the one entry called ``name`` in any case
        (None when there is none, or when several names differ from ``name`` in case alone)."""
        found = self._index.get(name)
        if found is None and name.casefold() not in self._ambiguous:
            found = self._index.get(name.casefold())
        return found

    def require(self, name: str) -> ActivationSpec:
        """Return the entry called ``name`` (key or alias; exactly as written, else in any case
        where that is unambiguous).

        Raises:
            UnknownActivationError: nothing is called ``name``; the error suggests close matches.
        """
        spec = self.get(name)
        if spec is None:
            raise UnknownActivationError(name, self.suggest(name), Location(self.source))
        return spec

    def suggest(self, name: str, n: int = 3) -> tuple[str, ...]:
        """Close names: for a name that several entries share ignoring case, their exact
        spellings; else the keys of the entries with the closest names."""
        import difflib

        folded = name.casefold()
        if folded in self._ambiguous:
            return tuple(sorted(k for k in self._index if k.casefold() == folded))[:n]
        known = {
            k.casefold(): s.name
            for k, s in self._index.items()
            if k.casefold() not in self._ambiguous
        }
        close = difflib.get_close_matches(folded, list(known), n=n, cutoff=0.6)
        return tuple(dict.fromkeys(known[c] for c in close))

    def with_tag(self, tag: str) -> tuple[ActivationSpec, ...]:
        return tuple(s for s in self.entries if tag.casefold() in (t.casefold() for t in s.tags))
