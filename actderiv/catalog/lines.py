"""Where each entry and field of a catalog file is written: the line numbers of its problems."""

from __future__ import annotations

import re
from typing import Final


class LineIndex:
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


#: How deep arrays and inline tables may nest in a catalog file. A catalog needs three levels
#: (claims = { kinks = [{ ... }] }); Python's TOML readers recurse once per level, so a file of
#: thousands of '[' would end in a RecursionError, not a message.
MAX_NESTING: Final = 32


def too_deep(text: str, limit: int = MAX_NESTING) -> int | None:
    """The line where arrays and inline tables (and table headers) first nest deeper than
    ``limit``, or None. Strings and comments are skipped, as a TOML reader reads them."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif char in "\"'":
            quote = text[i : i + 3] if text.startswith(char * 3, i) else char
            i, line = _skip_string(text, i + len(quote), quote, line)
            continue
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _skip_string(text: str, i: int, quote: str, line: int) -> tuple[int, int]:
    """The index after the string that opened with ``quote`` before ``i``, and the line there."""
    escapes = quote[0] == '"'
    n = len(text)
    while i < n:
        char = text[i]
        if escapes and char == "\\":
            if i + 1 < n and text[i + 1] == "\n":
                line += 1
            i += 2
            continue
        if char == "\n":
            line += 1
            if len(quote) == 1:  # a one-line string never spans lines (the reader will refuse it)
                return i + 1, line
        if text.startswith(quote, i):
            return i + len(quote), line
        i += 1
    return n, line
