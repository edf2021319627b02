"""Time budgets for symbolic work that can run for minutes (simplify, solve, limit).

SymPy is pure Python, so a timer signal interrupts it between bytecodes. Budgets nest: an inner
budget never outlives the one around it. Off the main thread (where signals cannot be delivered)
the work runs without a budget; the CLI and the verify workers always run on a main thread.
Pure: no I/O, no printing.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from actderiv.errors import BudgetExceeded

T = TypeVar("T")

_deadlines: list[float] = []


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float, what: str = "symbolic work") -> Iterator[None]:
    """Run the block for at most ``seconds``; raise :class:`BudgetExceeded` past that."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a time budget must be a positive number of seconds, not {seconds!r}")
    if not _usable():
        yield
        return
    now = time.monotonic()
    deadline = now + seconds
    outer = _deadlines[-1] if _deadlines else None
    if outer is not None and outer < deadline:
        deadline = outer

    def on_alarm(signum: int, frame: Any) -> None:
        # Fire again soon: an exception raised inside a garbage-collector callback or a
        # __del__ method is swallowed by Python, and the budget must still end the work.
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise BudgetExceeded(seconds, what)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    _deadlines.append(deadline)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - now, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadlines.pop()
        signal.signal(signal.SIGALRM, previous)
        if _deadlines:  # re-arm the budget around this one
            signal.setitimer(signal.ITIMER_REAL, max(_deadlines[-1] - time.monotonic(), 1e-3))


def attempt(fn: Callable[[], T], seconds: float, fallback: T, what: str = "symbolic work") -> T:
    """``fn()`` within ``seconds``, or ``fallback`` when it runs out of time or SymPy gives up.

    Only the errors SymPy raises when it cannot do something are absorbed; a bug in actderiv
    (a ``TypeError`` in our own code, say) still surfaces, since tests must see it.
    """
    try:
        with time_budget(seconds, what):
            return fn()
    except BudgetExceeded as exc:
        if _deadlines and time.monotonic() >= _deadlines[-1]:
            raise  # the budget around us ran out too: let it unwind to its owner
        del exc
        return fallback
    except (NotImplementedError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return fallback
    except Exception as exc:  # SymPy raises PolynomialError, CoercionFailed, etc.
        if type(exc).__module__.startswith("sympy"):
            return fallback
        raise
