"""PyTorch: the torch.nn.functional function of an entry, its values and autograd gradients, and
where the catalog's defaults differ from torch's own."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from actderiv.frameworks.names import import_framework, torch_kwargs

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec


def torch_function(spec: ActivationSpec) -> Callable[[Any], Any] | None:
    """The torch.nn.functional function the entry names, at the entry's default parameters.

    Parameters are passed by their torch keyword names (the catalog's convention), except for
    the functions whose signatures differ: prelu takes its slope as a weight tensor ``a``,
    selu takes no parameters (its constants are fixed), threshold takes them positionally.
    Returns None when the entry names no torch function.

    Raises:
        FrameworkNotInstalled: torch cannot be imported.
    """
    if spec.torch is None:
        return None
    torch = import_framework("torch")
    functional = torch.nn.functional
    params = spec.param_dict
    name = spec.torch
    if name == "prelu":
        weight = torch.tensor([params["a"]], dtype=torch.float64)
        return lambda x: functional.prelu(x, weight)
    if name == "selu":
        return lambda x: functional.selu(x)
    if name == "threshold":
        return lambda x: functional.threshold(x, params["threshold"], params["value"])
    fn = getattr(functional, name)
    kwargs = torch_kwargs(spec)
    return lambda x: fn(x, **kwargs)


def torch_evaluate(fn: Callable[[Any], Any], xs: Sequence[float]) -> tuple[list[float], ...]:
    torch = import_framework("torch")
    x = torch.tensor(list(xs), dtype=torch.float64, requires_grad=True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return [float(v) for v in y.detach().tolist()], [float(g) for g in grad.tolist()]


def default_notes(spec: ActivationSpec) -> list[str]:
    """Where the catalog's defaults are not torch's own defaults (passed explicitly anyway)."""
    if spec.torch is None or spec.torch in ("prelu", "selu", "threshold"):
        return []
    torch = import_framework("torch")
    try:
        signature = inspect.signature(getattr(torch.nn.functional, spec.torch))
    except (TypeError, ValueError):  # a builtin without a signature: nothing to say
        return []
    notes = []
    for name, value in spec.params:
        parameter = signature.parameters.get(name)
        default = None if parameter is None else parameter.default
        if isinstance(default, int | float) and float(default) != value:
            notes.append(
                f"the catalog's default {name} = {value:g} is not torch's default "
                f"({default:g}); it is passed explicitly"
            )
    return notes
