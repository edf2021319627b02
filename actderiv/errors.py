"""The one exception hierarchy: every error a user can act on, with where it happened.

Pure: no I/O, no printing, no SymPy.
"""

from __future__ import annotations

from typing import NamedTuple


class Location(NamedTuple):  # not a dataclass: `list` imports this, and a NamedTuple class is
    # created in an eighth of the work (docs/ARCHITECTURE.md, "Fast paths")
    """Where something sits: a catalog file, a line, and a dotted key."""

    file: str
    key: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}" if self.key else where


class ActderivError(Exception):
    """Base for every error actderiv reports to a user."""


class CatalogError(ActderivError, ValueError):
    """A problem in a catalog file, at a known location."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class CatalogErrors(CatalogError):
    """Several catalog problems, reported together, sorted by location."""

    def __init__(self, errors: list[CatalogError]) -> None:
        def key(e: CatalogError) -> tuple[str, int]:
            loc = e.location
            return (loc.file, loc.line or 0) if loc else ("", 0)

        self.errors = sorted(errors, key=key)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return self.message


class FormulaError(CatalogError):
    """A formula that is not allowed or does not parse; marks the offending text."""

    def __init__(
        self,
        message: str,
        source: str,
        span: tuple[int, int] | None = None,
        location: Location | None = None,
    ) -> None:
        super().__init__(message, location)
        self.source = source
        self.span = span

    def with_location(self, location: Location) -> FormulaError:
        return FormulaError(self.message, self.source, self.span, location)

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        if self.span is None:
            return head
        text, start, end = _window(self.source, *self.span)
        caret = " " * start + "^" * max(1, end - start)
        return f"{head}\n    {text}\n    {caret}"


def _window(source: str, start: int, end: int, width: int = 72) -> tuple[str, int, int]:
    """Cut a long formula down to the part around ``start:end``, so the caret line stays short."""
    shown = source.replace("\t", " ")
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    if len(shown) <= width:
        return shown, start, min(end, len(shown))
    left = max(0, start - width // 3)
    right = min(len(shown), left + width)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(shown) else ""
    text = prefix + shown[left:right] + suffix
    offset = len(prefix) - left
    return text, start + offset, min(end, right) + offset


class UnknownActivationError(CatalogError, LookupError):
    """No entry or alias has the name asked for."""

    def __init__(self, name: str, suggestions: tuple[str, ...], location: Location | None) -> None:
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        shown = name if len(name) <= 60 else name[:60] + "…"
        super().__init__(f"no activation named {shown!r}{hint}", location)
        self.name = name
        self.suggestions = suggestions


class DerivationError(ActderivError):
    """SymPy could not do what was asked (for example, it ran past its time limit)."""


class BudgetExceeded(ActderivError):
    """A piece of symbolic work ran past its time limit (processor seconds): a guard against a
    hang, reported as an error (exit status 4), never turned into a verdict. Work budgets proper
    are counted in steps (see actderiv.engine.budget) and end in a result that says so."""

    def __init__(self, seconds: float, what: str = "symbolic work") -> None:
        super().__init__(f"{what} ran past its time limit of {seconds:g} s of processor time")
        self.seconds = seconds
        self.what = what

    def __reduce__(self) -> tuple[type[BudgetExceeded], tuple[float, str]]:
        # pickled from a worker process: rebuilt from its fields, not from its message
        return (type(self), (self.seconds, self.what))


class CodegenError(ActderivError):
    """Code generation cannot write a formula for a target (a node it has no function for)."""


class InvalidInput(ActderivError, ValueError):
    """A number or option given to a command is out of the range it can work with."""
