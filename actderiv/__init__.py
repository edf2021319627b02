"""actderiv: derive, simplify and verify the derivatives of neural-network activation functions.

The public API lives in :mod:`actderiv.api`; importing this package stays cheap (no SymPy).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
