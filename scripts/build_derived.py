"""Rebuild the layers of the store shipped in the wheel, for the bundled catalog: its records
(actderiv/store/derived.jsonl), the rows of its `list` table (actderiv/store/listed.json), its
export fragments (actderiv/store/fragments.jsonl), the data of its website's pages
(actderiv/store/pages.jsonl) and the import facts of actderiv's modules
(actderiv/store/imports.json).

With these, `actderiv list` and `actderiv show` answer for the bundled catalog without
importing SymPy, and a first `actderiv export --all` prints nothing afresh. Each item is keyed
like the user cache (entry content, callees, the code that computes it, actderiv's and SymPy's
versions), so a stale item is simply never used; results whose work budget ran out are not
shipped. Run after changing the engine, the printers or the catalog:

    python scripts/build_derived.py

With ``--cache DIR`` the records are read from and stored in the cache folder DIR instead of all
derived afresh, so that a second build after adding a few entries derives only those (the keys
cover everything a record depends on, and no result whose budget ran out is ever cached); the
export fragments and pages' data are always made afresh.

tests/test_architecture.py fails while the records are stale.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_unknown = [a for a in sys.argv[1:] if a.startswith("-") and a != "--cache"]
if {"-h", "--help"} & set(sys.argv[1:]) or _unknown:
    print(__doc__.split("\n\n")[0] + "\n\nusage: python scripts/build_derived.py [--cache DIR]")
    sys.exit(0 if not _unknown or {"-h", "--help"} & set(sys.argv[1:]) else 2)
if "--cache" in sys.argv:  # before actderiv is imported: the store reads these once
    os.environ["ACTDERIV_CACHE_DIR"] = sys.argv[sys.argv.index("--cache") + 1]
    os.environ.pop("ACTDERIV_NO_CACHE", None)
else:
    os.environ["ACTDERIV_NO_CACHE"] = "1"

from actderiv import api, exports, site  # noqa: E402
from actderiv.catalog.load import build_layers, read_layers  # noqa: E402
from actderiv.store import cache, deps, fragments, listing, pages  # noqa: E402

STORE = ROOT / "actderiv" / "store"


def main() -> None:
    layers = read_layers([ROOT / "catalog.toml"])  # read once: the rows' key is of these bytes
    catalog = build_layers(layers)
    started = time.monotonic()
    records = {}
    rows = []
    specs = list(catalog)
    found = api.records(catalog, specs)
    for number, (spec, record) in enumerate(zip(specs, found, strict=True)):
        records[cache.entry_key(spec, catalog, {"order": 1, "wrt": None})] = record
        rows.append(listing.row(spec, record))
        print(f"[{number + 1}/{len(specs)}] {spec.name}", file=sys.stderr)
    exhausted = [r["name"] for r in found if not cache.storable(r)]
    (STORE / cache.SHIPPED_NAME).write_text(cache.shipped_text(records), encoding="utf-8")
    rows_file = STORE / listing.SHIPPED_NAME
    if exhausted:  # a table with a result whose budget ran out is not kept, nor shipped
        rows_file.unlink(missing_ok=True)
    else:
        key = listing.rows_key(layers)
        rows_file.write_text(listing.shipped_text(key, rows), encoding="utf-8")
    precision = exports.DEFAULT_PRECISION
    printed = {
        fragments.fragments_key(spec, catalog, precision): text
        for spec, (text, ran_out) in zip(
            specs, exports.fresh_fragments(catalog, specs, precision), strict=True
        )
        if not ran_out
    }
    (STORE / fragments.SHIPPED_NAME).write_text(fragments.shipped_text(printed), encoding="utf-8")
    shown = site.fresh_pages(catalog, specs, found)
    (STORE / pages.SHIPPED_NAME).write_text(pages.shipped_text(shown), encoding="utf-8")
    (STORE / deps.SHIPPED_NAME).write_text(
        json.dumps(deps.facts_document(deps.package_facts()), sort_keys=True) + "\n",
        encoding="utf-8",
    )
    for old in ("derived.json", "derived.jsonl", "listed.json"):  # where they were before 0.2
        (ROOT / "actderiv" / old).unlink(missing_ok=True)
    print(
        f"wrote {len(records) - len(exhausted)} records, {len(printed)} export fragments and "
        f"{len(shown)} website pages' data "
        f"to {STORE} in {time.monotonic() - started:.1f} s"
        + (f"; work budgets ran out for {', '.join(exhausted)}" if exhausted else ""),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
