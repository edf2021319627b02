"""Derivations → forward and backward source code for NumPy, PyTorch, JAX and C.

Three steps, each a plain function. :func:`codegen_source` gathers what a catalog entry needs (its
expression, its derivative, and the derivative written with ``y = f(x)`` when the backward needs
only the output). :func:`stabilize` rewrites an expression with a small set of rules recognised
on the SymPy tree (``log(1 + exp(u))`` → softplus, ``exp(m*u)/(1 + exp(u))**k`` → sigmoids,
rational functions of ``exp(u)`` evaluated in ``exp(-|u|)``, exponentials nested inside functions
clipped, ``exp(u) - 1`` → expm1, ``log(1 + u)`` → log1p). :func:`generate` prints the result with a
printer per target that knows an allow-list of node types and refuses anything else with a
:class:`~actderiv.errors.CodegenError`. No ``lambdify``, ``sympify`` or ``eval`` anywhere; the
generated text is returned, never run. Pure: no I/O, no printing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Final

from actderiv.catalog.model import Catalog
from actderiv.codegen import c, jax, numpy, torch
from actderiv.codegen.printer import Printer
from actderiv.codegen.rules import TARGETS, Names, Printed, check_names
from actderiv.codegen.source import (
    CodegenSource,
    codegen_source,
    formula_source,
    inert,
    with_defaults,
)
from actderiv.codegen.stable import stabilize
from actderiv.errors import CodegenError
from actderiv.lang.parse import X, Y

_PRINTERS: Final[dict[str, type[Printer]]] = {
    "numpy": numpy.NumpyPrinter,
    "torch": torch.TorchPrinter,
    "jax": jax.JaxPrinter,
    "c": c.CPrinter,
}
_IDENTIFIERS: Final[dict[str, Callable[[CodegenSource], Names]]] = {
    "numpy": numpy.identifiers,
    "torch": torch.identifiers,
    "jax": jax.identifiers,
    "c": c.identifiers,
}
_WRITERS: Final[dict[str, Callable[[CodegenSource, Names, Printed], str]]] = {
    "numpy": numpy.numpy_file,
    "torch": torch.torch_file,
    "jax": jax.jax_file,
    "c": c.c_file,
}


def _print_all(source: CodegenSource, target: str, names: Names) -> Printed:
    printer_type = _PRINTERS[target]
    symbols = tuple(sym for _, sym, _ in source.params)
    px = printer_type(X, "x", names.symbols, symbols)
    forward = px.array(stabilize(source.expr, X))
    px.masked_branches = True  # what follows is the backward, which a double backward derives
    derivative = px.array(stabilize(source.derivative, X))
    partials = tuple(px.array(stabilize(source.partial(n), X)) for n, _, _ in source.params)
    backward = None
    used = set(px.used)
    if source.backward is not None:
        py = printer_type(Y, "y", names.symbols, symbols)
        py.masked_branches = True
        backward = py.array(stabilize(source.backward, Y))
        used |= py.used
    return Printed(forward, derivative, backward, frozenset(used), partials)


def generate(source: CodegenSource, target: str) -> str:
    """The source code of ``source`` for ``target`` (one of :data:`TARGETS`), as one string.

    Raises:
        CodegenError: the target is unknown, a name clashes, or the formula holds something the
            target's printer cannot write.
    """
    if target not in _PRINTERS:
        raise CodegenError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    check_names(source)
    # Catalog text again made inert where code is made, whatever built ``source`` (a source from
    # codegen_source already is: inert is idempotent)
    source = dataclasses.replace(source, title=inert(source.title), formula=inert(source.formula))
    names = _IDENTIFIERS[target](source)
    printed = _print_all(source, target, names)
    return _WRITERS[target](source, names, printed)


def codegen(
    catalog: Catalog,
    name: str,
    target: str,
    params: Mapping[str, float] | None = None,
    *,
    search: bool = True,
) -> str:
    """:func:`generate` for the catalog entry ``name``, with ``params`` as the defaults;
    ``search=False`` skips the search for a backward in ``y`` (see :func:`codegen_source`)."""
    if target not in _PRINTERS:
        raise CodegenError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    return generate(codegen_source(catalog, name, params, search=search), target)


def supported(source: CodegenSource, target: str) -> bool:
    """Whether ``target`` can print ``source`` (every node is on its allow-list)."""
    try:
        generate(source, target)
    except CodegenError:
        return False
    return True


__all__ = [
    "TARGETS",
    "CodegenSource",
    "codegen",
    "codegen_source",
    "formula_source",
    "generate",
    "stabilize",
    "supported",
    "with_defaults",
]
