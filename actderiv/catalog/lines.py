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
