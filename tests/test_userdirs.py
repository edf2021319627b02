"""actderiv's folders: the XDG rules applied without platformdirs agree with platformdirs."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from actderiv.userdirs import user_dir


@pytest.mark.skipif(sys.platform == "darwin" or sys.platform == "win32", reason="XDG platforms")
@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/xdg", "relative/xdg"])
def test_user_dirs_agree_with_platformdirs(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)

    assert user_dir("config") == Path(platformdirs.user_config_dir("actderiv", appauthor=False))
    assert user_dir("cache") == Path(platformdirs.user_cache_dir("actderiv", appauthor=False))
