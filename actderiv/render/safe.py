"""Text from a catalog or a user made inert for a terminal: control characters shown, not sent.

A title, tag, alias, reference or note may hold any Unicode text. Printed raw, an ESC byte would
drive the terminal (clear the screen, set the window title, forge a hyperlink), a carriage
return would overwrite what came before, and bidirectional overrides would reorder what the
reader sees. Every such character is shown as an escape (``\\x1b``, ``\\u202e``) instead; tabs
and newlines stay, as the table folds them. Rich markup is a separate matter: renderers pass
catalog text to Rich as :class:`rich.text.Text`, never as a markup string (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from typing import Final

#: C0 controls but tab and newline, DEL, C1 controls, zero-width and bidirectional controls.
_UNSAFE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal written as an escape."""
    if text.isprintable():  # every character _UNSAFE matches is one str.isprintable refuses
        return text
    return _UNSAFE.sub(_escape, text)
