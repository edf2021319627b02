"""The command-line interface: a thin click layer over :class:`actderiv.service.Workspace`.

Commands parse arguments, ask the workspace and render what it returns (see docs/ARCHITECTURE.md);
they import nothing else of actderiv but the errors, the terminal renderers and the model types.
The only package that imports click. Heavy imports (SymPy, Rich) happen inside commands, so
``actderiv --help`` and ``actderiv list`` start fast. One module per group of commands; each
registers its commands on the group in :mod:`actderiv.cli._base` when imported, and the group
imports a module only when one of its commands runs (see ``_base.COMMAND_MODULES``).
"""

from __future__ import annotations

from actderiv.cli._base import CliState, ExitStatus, cli

__all__ = ["CliState", "ExitStatus", "cli", "main"]


def main() -> None:
    """Entry point of the ``actderiv`` console script."""
    import atexit
    import gc

    # The process ends right after the command: freezing the heap at exit spares the final
    # garbage collection (~9 ms, a tenth of `actderiv list`). Only here, never in `cli`, which
    # tests and library users call inside processes that go on.
    atexit.register(gc.freeze)
    cli(prog_name="actderiv")
