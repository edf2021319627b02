"""Work budgets for symbolic work that can run long (simplify, solve, limit), counted in steps.

A *step* is one SymPy expression node created (a call of ``sympy.core.basic.Basic.__new__``),
one call between the functions of SymPy's dense polynomial algorithms (which create no nodes),
or a share of a primality test by the size of its number; so a budget ends at the same point of
the work on a quiet machine and on a loaded one: the same input gives the same output, byte for
byte. Budgets nest: an inner budget never outlives the one around it. When a budget runs out,
:class:`WorkExhausted` (a ``BaseException``, so that SymPy's broad ``except Exception`` cannot
swallow it) unwinds to the :func:`attempt` or :func:`work_budget` that owns it; :func:`attempt`
turns it into its fallback and notes a message ("the budget of N steps was spent in …") in the
:func:`collecting` blocks around it, so that a result that hit a budget can say so (see
``docs/ARCHITECTURE.md``).

Work that none of these count (integer arithmetic inside one polynomial operation) is bounded by
the :func:`hang_guard` alone (processor time), which raises ``BudgetExceeded``: an
error, never a verdict or a fallback. Every budget the engine uses is named and documented
below. Pure: no I/O, no printing; SymPy is imported only when a budget is first entered.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from actderiv.errors import BudgetExceeded

T = TypeVar("T")

# --- the budgets, in steps ---
# Each is several times what the bundled catalog needs where the work succeeds at all, and well
# below what the work that runs out would need to finish (measured with :func:`spent`, each
# entry from a fresh state; the figures below are those measurements).

#: One symbolic step of a derivation: a limit, a solve, one rewrite of a self-referential form.
#: Limits and values at breakpoints take under 1,000 steps, the solves of the self-referential
#: search up to 220,000 (phish); the solves that run past it factor polynomials for minutes.
STEP: Final = 400_000
#: One rewrite of :func:`actderiv.engine.forms.readable_form`. ``simplify`` finishes within
#: 460,000 steps where it finishes at all (tbsrelu's, whose form is chosen, within 245,000); on
#: GELU's tanh form and phish it runs past 2,000,000 without producing the form chosen.
READABLE: Final = 600_000
#: Each cheap rung of :func:`actderiv.engine.proofs.proves_zero` (at most 5,000 used).
CHEAP_PROOF: Final = 60_000
#: The ``simplify`` that tells whether what holds at the parameter values holds for all
#: (hardtanh's and softshrink's within 15,000; PLU's, which does not hold, gives up at 49,000).
GENERAL_AFTER_VALUES: Final = 150_000
#: A small check: two forms equal by ``simplify``, a set from a condition, a simpler number
#: (at most 5,000 used).
SMALL: Final = 60_000
#: The self-referential search of one derivation (sechsig's takes 2,550,000, most of it solves
#: that run out of their step budget).
SELF_REFERENTIAL: Final = 4_000_000
#: The search for the forms of one derivation in named functions (σ, Φ, …): a cosmetic step, so a
#: spent budget leaves the primitive forms, which are as right, and is not noted.
NAMED: Final = 3_000_000
#: All the checks of one verification (at most 1,500,000 used, by phish and GELU's tanh form,
#: whose ``simplify`` runs out); checks not reached are one undecided check.
VERIFICATION: Final = 8_000_000
#: One SymPy limit, solve or simplify of the properties analysis (the zeros of pats' and phish's
#: derivatives take 250,000 and 310,000; one of soft clipping's runs past 4,000,000), and all of
#: them together.
PROPERTY_STEP: Final = 1_000_000
#: The real zeros of one expression on one piece (pats' and phish's derivatives take 250,000 and
#: 310,000; where they are not found the property is sampled, and says so).
ZEROS: Final = 400_000
PROPERTY_TOTAL: Final = 3_000_000
#: The interval evaluations (mpmath's ``iv``, not SymPy steps) of one search for the certified
#: zeros of one switch argument (engine/isolate.py): minsin's x - sin(x) takes 15, gelu_10's
#: gelu(x) - 10 210 (most of them halving its interval to 40 digits) and gelu(x) + 10 21; where
#: the zeros are infinitely many (sin(x) + exp(-x) = 1/2), it runs out in about a second.
ROOT_EVALUATIONS: Final = 5_000
#: One activation's whole properties analysis (at most 1,900,000 used; past it, the record has
#: no properties).
PROPERTIES: Final = 10_000_000

#: The guard against a hang, in seconds of processor time: past it the work stops with an error.
#: Processor time, so that load does not spend it. Generous:
#: some steps are slow (sigmoid-algebraic's self-referential search spends 1,550,000 steps in
#: 30 s on a loaded machine, 80 s under heavy load). ``actderiv derive --timeout`` sets its own.
HANG_SECONDS: Final = 180.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    """The budgets of one derivation or verification: ``step`` steps for one symbolic step,
    ``self_referential`` for the self-referential search, ``verification`` for all the checks of
    one verification, and ``timeout`` seconds of processor time before the work stops with an
    error (a guard against a hang, never a verdict); and whether to search for a
    self-referential form at all (``verify`` does not need one)."""

    step: int = STEP
    self_referential: int = SELF_REFERENTIAL
    verification: int = VERIFICATION
    timeout: float = HANG_SECONDS
    search_self_referential: bool = True

    def __post_init__(self) -> None:
        if min(self.step, self.self_referential, self.verification) <= 0:
            raise ValueError("work budgets must be positive")
        if not math.isfinite(self.timeout) or self.timeout <= 0:
            raise ValueError(
                f"a time limit must be a positive number of seconds, not {self.timeout!r}"
            )


class WorkExhausted(BaseException):
    """A work budget ran out; carries the budget, whose owner turns it into a result."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget.message())
        self.budget = budget


class _Budget:
    __slots__ = ("end", "steps", "what")

    def __init__(self, steps: int, what: str, end: int) -> None:
        self.steps, self.what, self.end = steps, what, end

    def message(self) -> str:
        return f"the budget of {self.steps:,} steps was spent in {self.what}"


_count = 0  # steps taken since the counter was installed
_limit: float = math.inf  # the end of the innermost budget (inner ends never pass outer ones)
_budgets: list[_Budget] = []
_collectors: list[tuple[list[str], bool]] = []
_installed = False


def _install() -> None:
    """Count every SymPy expression node (wrap ``Basic.__new__``), and every call between the
    functions of SymPy's polynomial algorithms that create none (factoring, polynomial gcds,
    arithmetic over finite fields: see :data:`_POLYS_MODULES`); once, for good. When no budget
    is active it costs a comparison per step."""
    global _installed
    if _installed:
        return
    import importlib
    import inspect

    from sympy.core.basic import Basic

    original = Basic.__new__

    def counting_new(cls: Any, *args: Any) -> Any:
        global _count
        _count += 1
        if _count > _limit:
            _trip()
        return original(cls, *args)

    Basic.__new__ = staticmethod(counting_new)
    for name in _POLYS_MODULES:
        module = importlib.import_module(name)
        for attr, value in list(vars(module).items()):
            if inspect.isfunction(value) and value.__module__.startswith(("sympy.polys.", name)):
                setattr(module, attr, _counting(value))
    from sympy.core.expr import Expr

    # ``expand`` walks a tree through this static method, node by node, creating no node where
    # nothing expands (sigmoid-algebraic's search walks a million of them).
    Expr._expand_hint = staticmethod(_counting(Expr._expand_hint))
    import sympy.ntheory
    import sympy.ntheory.generate

    # Factoring takes the next prime after a bound that can have thousands of digits, and a
    # primality test of such a number runs for minutes: it costs steps by its size, up front.
    nextprime = sympy.ntheory.generate.nextprime

    def counting_nextprime(n: Any, ith: int = 1) -> Any:
        _charge(1 + (int(n).bit_length() // 64) ** 2)
        return nextprime(n, ith)

    sympy.ntheory.nextprime = sympy.ntheory.generate.nextprime = counting_nextprime
    # An exact power of an integer or a fraction (logcombine writes n*log(2) as log(2**n)) is one
    # big-integer operation that creates one node, however many digits it has: it costs steps by
    # the size of its result, up front, so that a power of millions of digits exhausts a budget
    # instead of memory (a worker reached 7 GB computing one).
    from sympy.core.numbers import Integer, Rational

    for cls in (Integer, Rational):
        cls._eval_power = _charging_power(cls._eval_power)
    _installed = True


def _charging_power(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def charged(self: Any, expt: Any) -> Any:
        if getattr(expt, "is_Rational", False) and abs(expt.p) > 64:
            size = max(abs(int(self.p)).bit_length(), abs(int(self.q)).bit_length(), 1)
            _charge(abs(int(expt.p)) * size // 64)
        return method(self, expt)

    return charged


def _charge(steps: int) -> None:
    """Count ``steps`` at once, up front. A charge past the innermost budget spends that budget
    alone (the count stops just past its end), so that one huge operation refused by a small
    budget does not also spend the budgets around it, which can go on without it."""
    global _count
    if _count + steps > _limit:
        _count = max(_count, math.floor(_limit)) + 1
        _trip()
    _count += steps


#: Modules whose functions call one another through the module's globals, so that counting
#: those calls counts the work of factoring a polynomial (Wang's algorithm can run for minutes
#: on the equations of a self-referential search without creating a single expression node) or
#: of evaluating an expression to ever higher precision.
_POLYS_MODULES: Final = (
    "sympy.polys.densearith",
    "sympy.polys.factortools",
    "sympy.polys.galoistools",
    "sympy.polys.euclidtools",
    "sympy.polys.sqfreetools",
    "sympy.core.evalf",  # numerical evaluation at rising precision, inside solveset and limits
    "sympy.core.assumptions",  # deductions about an expression's sign, which create no nodes
)


def _counting(fn: Callable[..., T]) -> Callable[..., T]:
    def counted(*args: Any, **kwargs: Any) -> T:
        global _count
        _count += 1
        if _count > _limit:
            _trip()
        return fn(*args, **kwargs)

    return counted


def _trip() -> None:
    # The outermost budget that has run out owns the unwinding: its inner ones ran out with it.
    owner = next(b for b in _budgets if _count > b.end)
    raise WorkExhausted(owner)


#: The ``cache_clear`` of every memo whose hits would change the steps counted (registered by
#: the modules that define them).
MEMOS: list[Callable[[], None]] = []


def fresh_state() -> None:
    """Forget SymPy's cache and the engine's memos, so that one entry's work counts the same
    steps whichever entries this process worked on before (the order of work in a pool of
    processes varies from run to run); and :func:`reseed`."""
    from sympy.core.cache import clear_cache

    clear_cache()
    for clear in MEMOS:
        clear()
    reseed()


def reseed() -> None:
    """Seed SymPy's random numbers (Wang's factoring algorithm draws its evaluation points from
    them, and the steps it takes vary by a factor of several with them), so that the same work
    takes the same steps in every process, whatever ran before it."""
    from sympy.core.random import rng

    rng.seed(0)


def spent() -> int:
    """The steps counted so far (to measure what a piece of work needs)."""
    _install()
    return _count


@contextmanager
def work_budget(steps: int, what: str = "symbolic work") -> Iterator[_Budget]:
    """Run the block within ``steps`` (and within what is left of the budgets around it);
    past that, :class:`WorkExhausted` unwinds from the block."""
    global _limit
    if steps <= 0:
        raise ValueError(f"a work budget must be a positive number of steps, not {steps!r}")
    _install()
    end = _count + steps
    if _budgets and _budgets[-1].end < end:
        end = _budgets[-1].end
    budget = _Budget(steps, what, end)
    _budgets.append(budget)
    _limit = end
    try:
        yield budget
    finally:
        _budgets.pop()
        _limit = _budgets[-1].end if _budgets else math.inf


@contextmanager
def collecting(*, propagate: bool = True) -> Iterator[list[str]]:
    """Collect the messages of the budgets that run out in the block (see :func:`attempt`).

    With ``propagate=False`` the messages stop here: for work whose fallback is as final an
    answer as its result (a rewrite among several candidates), or whose caller decides whether
    they matter (a proof that succeeded by another way does not).
    """
    messages: list[str] = []
    _collectors.append((messages, propagate))
    try:
        yield messages
    finally:
        _collectors.pop()


def note_exhausted(message: str) -> None:
    """Tell the :func:`collecting` blocks around this point that a budget ran out."""
    for messages, propagate in reversed(_collectors):
        if message not in messages:
            messages.append(message)
        if not propagate:
            break


def attempt(fn: Callable[[], T], steps: int, fallback: T, what: str = "symbolic work") -> T:
    """``fn()`` within ``steps``, or ``fallback`` when the budget runs out or SymPy gives up.

    A budget that runs out is noted (:func:`note_exhausted`); a budget around this one that ran
    out too unwinds on to its owner. Only the errors SymPy raises when it cannot do something
    are absorbed; a bug in actderiv (a ``TypeError`` in our own code, say) still surfaces.
    """
    try:
        with work_budget(steps, what) as budget:
            reseed()  # the same random draws, whatever ran before in this process
            return fn()
    except WorkExhausted as exc:
        if exc.budget is not budget:
            raise
        note_exhausted(exc.budget.message())
        return fallback
    except (NotImplementedError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return fallback
    except Exception as exc:  # SymPy raises PolynomialError, CoercionFailed, etc.
        if type(exc).__module__.startswith("sympy") or _raised_in_sympy(exc):
            return fallback
        raise


def _raised_in_sympy(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside SymPy's own code: SymPy gives up with a built-in
    exception too (``limit`` raises ``TypeError: Invalid comparison of non-real zoo`` on some
    claims with ``sign``); an error raised in actderiv's code still surfaces."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sympy")


# --- the guard against a hang, in processor time -----------------------------------------------

_deadlines: list[float] = []


class _HangSignal(BaseException):
    """The guard's timer went off. A ``BaseException``, like :class:`WorkExhausted`, so that
    SymPy's broad ``except Exception`` cannot swallow it and finish with a degraded answer;
    :func:`hang_guard` turns it into :class:`BudgetExceeded` when it leaves the block."""


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def hang_guard(seconds: float = HANG_SECONDS, what: str = "symbolic work") -> Iterator[None]:
    """Raise :class:`BudgetExceeded` (an error, never a fallback) if the block runs past
    ``seconds`` of this process's processor time; guards nest. Processor time, not wall-clock
    time: a busy machine slows the work but does not spend the guard (``SIGPROF`` with
    ``ITIMER_PROF``). Off the main thread (where signals cannot be delivered) the block runs
    unguarded; the CLI and the workers always run on a main thread."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a time limit must be a positive number of seconds, not {seconds!r}")
    if not _usable():
        yield
        return
    now = time.process_time()
    deadline = now + seconds
    outer = _deadlines[-1] if _deadlines else None
    if outer is not None and outer < deadline:
        deadline = outer
    closing = False

    def on_timer(signum: int, frame: Any) -> None:
        if closing:  # the block is over: a late signal must not escape its clean-up
            return
        # Fire again soon: an exception raised inside a garbage-collector callback or a
        # __del__ method is swallowed by Python, and the guard must still end the work.
        signal.setitimer(signal.ITIMER_PROF, 0.05)
        raise _HangSignal

    previous = signal.signal(signal.SIGPROF, on_timer)
    _deadlines.append(deadline)
    signal.setitimer(signal.ITIMER_PROF, max(deadline - now, 1e-3))
    try:
        yield
    except _HangSignal:
        raise BudgetExceeded(seconds, what) from None
    finally:
        closing = True
        signal.setitimer(signal.ITIMER_PROF, 0)
        _deadlines.pop()
        signal.signal(signal.SIGPROF, previous)
        if _deadlines:  # re-arm the guard around this one
            left = _deadlines[-1] - time.process_time()
            signal.setitimer(signal.ITIMER_PROF, max(left, 1e-3))
