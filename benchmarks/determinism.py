"""The same input gives the same output, byte for byte, on a quiet machine and on a loaded one.

Runs ``actderiv verify --all --json`` and ``actderiv export --all --format json`` with the cache
off (``ACTDERIV_NO_CACHE=1``), first on a quiet machine, then while ``--busy`` (default 3)
CPU-burning processes run, and compares the outputs. Prints the result; exits 1 on any
difference (or when a command fails), 0 when every output is identical. The busy processes are
always stopped, whatever happens. Work budgets are counted in steps, not seconds (see
actderiv/engine/budget.py and docs/ARCHITECTURE.md), so load must change nothing.

    python benchmarks/determinism.py [--busy 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "verify": ["verify", "--all", "--json"],
    "export": ["export", "--all", "--format", "json"],
}
#: A busy loop, bounded in time as well, should the parent die without stopping it.
_BURN = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def run_all(env: dict[str, str]) -> dict[str, tuple[int, str, str]]:
    """Each command's exit status, standard output and standard error."""
    out = {}
    for name, args in COMMANDS.items():
        done = subprocess.run(
            [sys.executable, "-m", "actderiv", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        out[name] = (done.returncode, done.stdout, done.stderr)
    return out


def _summary(name: str, out: str) -> str:
    """What ``verify --all --json`` found, in one line (CI prints it), else nothing."""
    if name != "verify":
        return ""
    try:
        counts = json.loads(out)["summary"]
    except (ValueError, KeyError, TypeError):
        return ""
    kinds = ("proved", "confirmed", "failed", "undecided")
    return "; " + ", ".join(f"{counts[k]} {k}" for k in kinds)


def start_busy(count: int, limit: float) -> list[subprocess.Popen[bytes]]:
    code = _BURN.format(limit=limit)
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


def stop_busy(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=3, help="CPU-burning processes (default 3)")
    parser.add_argument("--keep", type=Path, help="write the four outputs to this directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ACTDERIV_NO_CACHE": "1", "ACTDERIV_CACHE_DIR": cache}
        started = time.monotonic()
        quiet = run_all(env)
        quiet_seconds = time.monotonic() - started
        # Bounded: at most 10 times the quiet run (and 30 minutes), and killed when done.
        procs = start_busy(args.busy, min(1800.0, 10 * quiet_seconds + 60))
        try:
            started = time.monotonic()
            loaded = run_all(env)
            loaded_seconds = time.monotonic() - started
        finally:
            stop_busy(procs)
    print(f"quiet: {quiet_seconds:.1f} s; with {args.busy} busy processes: {loaded_seconds:.1f} s")
    failed = False
    for name in COMMANDS:
        (status_q, out_q, err_q), (status_l, out_l, err_l) = quiet[name], loaded[name]
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"{name}-quiet.json").write_text(out_q)
            (args.keep / f"{name}-loaded.json").write_text(out_l)
        if status_q != 0 or status_l != 0:
            failed = True
            print(f"{name}: exit status {status_q} quiet, {status_l} loaded")
            for err in {err_q, err_l}:
                print(err[-2000:], end="")
        if out_q == out_l:
            print(f"{name}: identical ({len(out_q):,} bytes){_summary(name, out_q)}")
            continue
        failed = True
        diff = difflib.unified_diff(
            out_q.splitlines(), out_l.splitlines(), "quiet", "loaded", lineterm="", n=2
        )
        lines = list(diff)
        print(f"{name}: DIFFERENT ({len(lines)} diff lines; the first 80 follow)")
        print("\n".join(lines[:80]))
    print("FAIL: the outputs differ" if failed else "OK: every output is identical")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
