"""The frameworks whose fully qualified names the catalog knows, how to pick those names out of
an entry's aliases, and the keys of an activation's properties. Pure and light (no dataclasses):
``list`` needs only this of the catalog's model when it reads stored rows (docs/ARCHITECTURE.md,
"Fast paths")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: The properties of an activation, as keyed in the JSON contract (see actderiv.engine.properties).
PROPERTY_KEYS: Final = (
    "range",
    "bounded_below",
    "bounded_above",
    "monotonic",
    "monotonic_derivative",
    "continuity",
    "f0",
    "df0",
    "identity_near_origin",
    "zero_centered",
    "max_abs_derivative",
    "derivative_limits",
    "dead_zones",
)
#: The frameworks whose functions the catalog names by their fully qualified names (aliases such
#: as jax.nn.gelu or onnx.HardSigmoid), each with the prefixes of those names; ``list
#: --framework`` filters by them (docs/frameworks.md).
FRAMEWORKS: Final[dict[str, tuple[str, ...]]] = {
    "torch": ("torch.nn.functional.",),
    "jax": ("jax.nn.",),
    "flax": ("flax.linen.", "flax.nnx."),
    "keras": ("keras.activations.", "keras.ops."),
    "tensorflow": ("tf.nn.", "tf.math.", "tf.keras.activations."),
    "mlx": ("mlx.nn.",),
    "paddle": ("paddle.nn.functional.",),
    "onnx": ("onnx.",),
}
#: Other spellings of the frameworks' names.
FRAMEWORK_SYNONYMS: Final[dict[str, str]] = {
    "pytorch": "torch",
    "tf": "tensorflow",
    "paddlepaddle": "paddle",
}


def framework_key(name: str) -> str | None:
    """The key of :data:`FRAMEWORKS` that ``name`` spells, in any case (None if none does)."""
    folded = name.casefold()
    folded = FRAMEWORK_SYNONYMS.get(folded, folded)
    return folded if folded in FRAMEWORKS else None


def qualified_names(names: Iterable[str], framework: str | None = None) -> list[str]:
    """Those of ``names`` that are a framework's fully qualified names (of ``framework`` only,
    a key of :data:`FRAMEWORKS`, when given), in order."""
    keys = [framework] if framework is not None else list(FRAMEWORKS)
    prefixes = tuple(p for k in keys for p in FRAMEWORKS[k])
    return [n for n in names if n.startswith(prefixes)]
