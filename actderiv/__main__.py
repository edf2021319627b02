"""``python -m actderiv`` runs the command-line interface."""

from actderiv.cli import main

main()
