"""Rebuild actderiv/derived.jsonl and actderiv/listed.json: the records of the bundled catalog
and the rows of its `list` table, shipped in the wheel.

With these, `actderiv list` and `actderiv show` answer for the bundled catalog without
importing SymPy. Each record is keyed like the user cache (entry content, callees, code and SymPy
versions), so a stale record is simply never used. Run after changing the engine or the catalog:

    python scripts/build_derived.py

tests/test_architecture.py fails while the file is stale.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["ACTDERIV_NO_CACHE"] = "1"

from actderiv import api  # noqa: E402
from actderiv.catalog.load import read_layers  # noqa: E402
from actderiv.store import cache, listing  # noqa: E402


def main() -> None:
    catalog = api.load_catalog(ROOT / "catalog.toml")
    started = time.monotonic()
    records = {}
    rows = []
    specs = list(catalog)
    for number, (spec, record) in enumerate(zip(specs, api.records(catalog, specs), strict=True)):
        records[cache.entry_key(spec, catalog, {"order": 1, "wrt": None})] = record
        rows.append(listing.row(spec, record))
        print(f"[{number + 1}/{len(specs)}] {spec.name}", file=sys.stderr)
    out = ROOT / "actderiv" / cache.SHIPPED_NAME
    out.write_text(cache.shipped_text(records), encoding="utf-8")
    key = listing.rows_key(read_layers([ROOT / "catalog.toml"]))
    (ROOT / "actderiv" / listing.SHIPPED_NAME).write_text(
        listing.shipped_text(key, rows), encoding="utf-8"
    )
    (ROOT / "actderiv" / "derived.json").unlink(missing_ok=True)  # the format before 0.1.1
    print(
        f"wrote {len(records)} records to {out} in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
