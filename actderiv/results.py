"""What the Python API returns: JSON records with a face for notebooks and Rich consoles.

Each object wraps the same JSON record the CLI prints with ``--json`` (the record contract of
docs/ARCHITECTURE.md), so scripts can use ``.record`` directly; the attributes are shortcuts. In
Jupyter they show as LaTeX (``_repr_latex_``); given to a Rich console (``rich.print(report)``)
they render as the CLI's tables (``__rich__``). The Rich views are imported only when a Rich
console asks for them, so this module, like the rest of the core, loads neither SymPy nor Rich.
Pure: no printing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actderiv.catalog.model import ActivationSpec

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass(frozen=True, slots=True)
class ActivationReport:
    """One activation (or typed formula): its derivative, self-referential form, breakpoints,
    properties and verification, as ``actderiv show`` reports them.

    >>> from actderiv import api
    >>> report = api.report(api.load_catalog(), "tanh")
    >>> report.self_referential, report.output_only, report.verified
    ('1 - y**2', True, True)
    """

    record: Mapping[str, Any]
    spec: ActivationSpec | None = None

    @property
    def name(self) -> str | None:
        name = self.record.get("name")
        return None if name is None else str(name)

    @property
    def expr(self) -> str:
        """f(x) as SymPy writes it (``sympify`` parses it back)."""
        return str(self.record["expr"])

    @property
    def derivative(self) -> str:
        """The derivative (of the order and variable asked for) in its readable form."""
        return str(self.record["derivative"])

    @property
    def self_referential(self) -> str | None:
        """The derivative written with ``y = f(x)``, when one was found."""
        value = self.record.get("self_referential")
        return None if value is None else str(value)

    @property
    def output_only(self) -> bool:
        """True when a backward pass needs only the output ``y``."""
        return bool(self.record.get("output_only"))

    @property
    def verified(self) -> bool:
        """True when every check passed (each proved or numerically confirmed)."""
        return bool(self.record.get("verified"))

    @property
    def properties(self) -> Mapping[str, Any]:
        """Range, monotonicity, smoothness, maximum slope, dead zones… (empty when not known)."""
        return dict(self.record.get("properties") or {})

    @property
    def breakpoints(self) -> Sequence[Mapping[str, Any]]:
        """One entry per kink: one-sided derivatives, continuity, PyTorch's value there."""
        return list(self.record.get("breakpoints") or [])

    def to_json(self) -> str:
        """The record as the CLI's ``--json`` prints it."""
        return json.dumps(self.record, indent=2, sort_keys=True, ensure_ascii=False)

    def _repr_latex_(self) -> str:
        latex = self.record.get("latex") or {}
        name = _tex_name(self.name)
        order, wrt = int(self.record.get("order", 1)), str(self.record.get("wrt", "x"))
        if wrt != "x":
            from actderiv.render.tex import name_tex

            power = f"^{{{order}}}" if order > 1 else ""
            label = rf"\frac{{\partial{power} {name}}}{{\partial {name_tex(wrt)}{power}}}(x)"
        else:
            label = name + ("'" * order if order <= 3 else f"^{{({order})}}") + "(x)"
        rows = [rf"{name}(x) &= {latex.get('expr')}", rf"{label} &= {latex.get('derivative')}"]
        if latex.get("self_referential"):
            where = r"\text{needs only } y" if self.output_only else r"\text{needs } x"
            rows.append(rf"&= {latex['self_referential']} \quad (y = {name}(x);\ {where})")
        return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"

    def __rich__(self) -> RenderableType:
        from actderiv.render.terminal import record_view

        return record_view(self.record, self.spec)


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The checks of several activations, as ``actderiv verify --json`` reports them.

    >>> from actderiv import api
    >>> report = api.verify(api.load_catalog(), ["sigmoid", "relu"])
    >>> report.ok, report.counts["failed"]
    (True, 0)
    """

    summary: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.counts["failed"]

    @property
    def counts(self) -> Mapping[str, int]:
        """How many checks were proved, confirmed, failed and undecided."""
        return dict(self.summary["summary"])

    @property
    def failures(self) -> list[Mapping[str, Any]]:
        """Every failed check (``name``, ``status``, ``detail``, ``counterexample``), with the
        name of its activation under ``activation``."""
        return [
            {"activation": result["name"], **check}
            for result in self.summary["results"]
            for check in result["checks"]
            if check.get("status") == "failed"
        ]

    def _repr_latex_(self) -> str:
        c = self.counts
        return (
            rf"$\text{{{len(self.summary['results'])} activations: {c['proved']} proved, "
            rf"{c['confirmed']} confirmed, {c['failed']} failed, {c['undecided']} undecided}}$"
        )

    def __rich__(self) -> RenderableType:
        from actderiv.render.terminal import verify_table

        return verify_table(self.summary)


def _tex_name(name: str | None) -> str:
    if name is None:
        return "f"
    return r"\operatorname{" + name.replace("_", r"\_") + "}"
