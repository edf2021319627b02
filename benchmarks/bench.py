"""Start-up and whole-catalog timings, as ratios against baselines measured in the same run.

    python benchmarks/bench.py               # everything (15 pairs of each start-up timing)
    python benchmarks/bench.py --runs 3      # a smoke run
    python benchmarks/bench.py --quick       # start-up only
    python benchmarks/bench.py --export      # and a warm export --all

Every figure is paired: the command and its baseline run one after the other (A B A B …), and
the figure reported is the median of the pairs' ratios, so that a machine that slows down or
speeds up during the run (other jobs on a shared machine) changes both sides of a pair alike.
The start-up baseline (the floor) is ``python -c "import click, rich.console, rich.table"``; the
baseline of a cold ``verify --all`` is a plain-SymPy loop that only runs diff and simplify on
every catalog entry, run in a fresh interpreter like the command.

Targets (issue 7): `--help` and `list` within 1.3x of the floor; a warm `show` within 1.5x of
it; a cold `verify --all` no slower than the plain-SymPy loop; peak memory of `verify --all`
under 1 GiB. Timings are printed, never asserted (tests assert behaviour, not speed).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = [sys.executable, "-c", "import click, rich.console, rich.table"]
ACTDERIV = [sys.executable, "-m", "actderiv"]
SYMPY_BASELINE = [
    sys.executable,
    "-c",
    """
import sympy as sp
from actderiv import api
from actderiv.engine.formula import CatalogResolver, formula_of
from actderiv.lang.parse import X
catalog = api.load_catalog()
resolver = CatalogResolver(catalog)
for spec in catalog:
    expr = formula_of(spec, resolver).expr
    sp.simplify(sp.diff(expr, X))
""",
]


def once(cmd: list[str], env: Mapping[str, str]) -> float:
    """Wall time of one run of ``cmd``, in seconds."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def paired(
    cmd: list[str],
    baseline: list[str],
    pairs: int,
    env: Mapping[str, str],
    baseline_env: Mapping[str, str] | None = None,
    warm_up: bool = False,
) -> tuple[float, float, float]:
    """``pairs`` runs of ``cmd`` each followed by one of ``baseline`` (after one unmeasured
    run of each, with ``warm_up``, that fills the caches): the median of the pairs' ratios
    cmd/baseline, and the median times of each, in seconds."""
    if warm_up:
        once(cmd, env)
        once(baseline, baseline_env or env)
    ratios, a_times, b_times = [], [], []
    for _ in range(pairs):
        a = once(cmd, env)
        b = once(baseline, baseline_env or env)
        ratios.append(a / b)
        a_times.append(a)
        b_times.append(b)
    return statistics.median(ratios), statistics.median(a_times), statistics.median(b_times)


def peak_children_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _tree_rss_mib(root: int) -> float:
    """Resident memory of ``root`` and all its descendants (Linux /proc), in MiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total / 2**20


def run_with_peak(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time of one run of ``cmd``, and the peak of the summed resident memory of its whole
    process tree (main process and workers, sampled every 50 ms; Linux only, else 0)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        if Path("/proc").is_dir():
            peak = max(peak, _tree_rss_mib(proc.pid))
        time.sleep(0.05)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="start-up timings only")
    parser.add_argument(
        "--export", action="store_true", help="also a warm export --all (minutes when cold)"
    )
    parser.add_argument("--runs", type=int, default=15, help="pairs per start-up timing")
    parser.add_argument(
        "--verify-runs",
        type=int,
        default=3,
        help="pairs of the cold verify --all and its baseline (at most --runs)",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; "
        f"each figure: the median ratio of {args.runs} pairs"
    )
    # Byte-compile actderiv first, as `pip install` does; a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "actderiv")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ACTDERIV_CACHE_DIR": str(Path(tmp) / "cache"),
            "ACTDERIV_CONFIG_DIR": str(Path(tmp) / "config"),
            "NO_COLOR": "1",
        }
        for label, extra, target in (
            ("actderiv --help", ["--help"], 1.3),
            ("actderiv list", ["list"], 1.3),
            ("actderiv show sigmoid (warm)", ["show", "sigmoid"], 1.5),
        ):
            ratio, t, floor = paired(ACTDERIV + extra, FLOOR, args.runs, env, warm_up=True)
            print(
                f"{label:30} {ratio:5.2f}x floor   (target ≤ {target}x; "
                f"{t * 1000:.1f} ms vs {floor * 1000:.1f} ms)"
            )
        if args.quick:
            return
        cold_env = {**env, "ACTDERIV_NO_CACHE": "1"}
        _, tree_peak = run_with_peak([*ACTDERIV, "verify", "--all"], cold_env)
        pairs = max(1, min(args.verify_runs, args.runs))
        ratio, cold, baseline = paired(
            [*ACTDERIV, "verify", "--all"], SYMPY_BASELINE, pairs, cold_env, env
        )
        print(
            f"{'actderiv verify --all (cold)':30} {ratio:5.2f}x plain SymPy   (target ≤ 1.0x; "
            f"{cold:.1f} s vs {baseline:.1f} s, {pairs} pair(s))"
        )
        print(
            f"peak memory of verify --all, all processes together  {tree_peak:7.0f} MiB   "
            f"(target < 1024 MiB); largest single process {peak_children_mib():.0f} MiB"
        )
        warm = [("actderiv verify --all (warm)", ["verify", "--all"])]
        if args.export:
            warm.append(("actderiv export --all (warm)", ["export", "--all", "--format", "latex"]))
        for label, extra in warm:
            ratio, t, floor = paired(ACTDERIV + extra, FLOOR, pairs, env, warm_up=True)
            print(f"{label:30} {ratio:5.2f}x floor   ({t:.2f} s vs {floor * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
