"""The user's configuration and cache folders, without importing platformdirs on Linux.

``list`` and ``show`` start fast (docs/ARCHITECTURE.md, "The layers": the fast paths):
on Linux and the BSDs the folders follow the XDG base-directory rules, which this module applies
itself exactly as platformdirs does (a test compares the two); elsewhere (macOS, Windows, Android)
it asks platformdirs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final, Literal

__all__ = ["APP", "user_dir"]

APP: Final = "actderiv"

_XDG: Final = {"config": ("XDG_CONFIG_HOME", "~/.config"), "cache": ("XDG_CACHE_HOME", "~/.cache")}


def _is_android() -> bool:
    return os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"


def user_dir(kind: Literal["config", "cache"]) -> Path:
    """actderiv's folder of that kind for this user (it may not exist yet)."""
    if sys.platform != "darwin" and os.name == "posix" and not _is_android():
        variable, default = _XDG[kind]
        base = os.environ.get(variable, "")
        if not os.path.isabs(base):  # the XDG rules ignore an unset, empty or relative value
            base = os.path.expanduser(default)
        return Path(base) / APP
    import platformdirs

    if kind == "config":
        return Path(platformdirs.user_config_dir(APP, appauthor=False))
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))
