"""schema: print the JSON Schema of actderiv's JSON outputs."""

from __future__ import annotations

import click

from actderiv.cli._base import _echo_json, cli

#: The kinds ``--kind`` accepts (kept here so that ``--help`` imports no schema code).
KINDS = (
    "record",
    "list",
    "rows",
    "verify",
    "check",
    "compare",
    "signal",
    "critical-line",
    "gradient",
    "add",
    "catalog-check",
    "export",
    "framework-check",
    "fragments",
    "cache-clear",
    "site-page",
    "site",
)


@cli.command("schema")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="Only the schema of this output (default: all of them, each a $defs entry).",
)
def schema_command(kind: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of the --json outputs and cached records.

    \b
    Examples:
      actderiv schema --kind record > record.schema.json
      actderiv show relu --json | check-jsonschema --schemafile record.schema.json -
    """
    from actderiv import schema

    _echo_json(schema.json_schema(kind))
