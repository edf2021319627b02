"""Start-up and whole-catalog timings, as ratios against baselines measured in the same run.

    python benchmarks/bench.py            # everything (about 2 minutes on 2 cores)
    python benchmarks/bench.py --quick    # start-up only

Targets (issue 7): `--help` and `list` within 1.3x of a bare `import click, rich` floor;
a warm `show` within 1.5x of it; a cold `verify --all` no slower than a plain-SymPy loop that
only runs diff and simplify on every catalog entry; peak memory of `verify --all` under 1 GiB.
Timings are printed, never asserted (tests assert behaviour, not speed).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = [sys.executable, "-c", "import click, rich.console, rich.table"]
ACTDERIV = [sys.executable, "-m", "actderiv"]
SYMPY_BASELINE = """
import sympy as sp
from actderiv import api
from actderiv.engine.formula import CatalogResolver, formula_of
from actderiv.lang.parse import X
catalog = api.load_catalog()
resolver = CatalogResolver(catalog)
for spec in catalog:
    expr = formula_of(spec, resolver).expr
    sp.simplify(sp.diff(expr, X))
"""


def timed(cmd: list[str], env: dict[str, str], runs: int, warm_up: bool = False) -> float:
    """Median wall time of ``runs`` runs of ``cmd``, in seconds (after one unmeasured run that
    fills the caches, with ``warm_up``)."""
    if warm_up:
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    parser.add_argument("--runs", type=int, default=15, help="runs per start-up timing")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
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
        floor = timed(FLOOR, env, args.runs)
        print(f"floor  python -c 'import click, rich.console, rich.table'  {floor * 1000:7.1f} ms")
        for label, extra, target in (
            ("actderiv --help", ["--help"], 1.3),
            ("actderiv list", ["list"], 1.3),
            ("actderiv show relu", ["show", "relu"], 1.5),
            ("actderiv show sigmoid --json", ["show", "sigmoid", "--json"], 1.5),
        ):
            t = timed(ACTDERIV + extra, env, args.runs, warm_up=True)
            print(f"{label:32} {t * 1000:7.1f} ms   {t / floor:5.2f}x floor   (target ≤ {target}x)")
        if args.quick:
            return
        baseline = timed([sys.executable, "-c", SYMPY_BASELINE], env, 1)
        print(f"baseline  plain SymPy diff+simplify over the catalog  {baseline:7.1f} s")
        cold_env = {**env, "ACTDERIV_NO_CACHE": "1"}
        cold, tree_peak = run_with_peak([*ACTDERIV, "verify", "--all"], cold_env)
        print(
            f"cold  actderiv verify --all (no cache)        {cold:7.1f} s   "
            f"{cold / baseline:5.2f}x baseline   (target ≤ 1.0x)"
        )
        print(
            f"peak memory of verify --all, all processes together  {tree_peak:7.0f} MiB   "
            f"(target < 1024 MiB); largest single process {peak_children_mib():.0f} MiB"
        )
        warm_env = {**env}
        subprocess.run(
            [*ACTDERIV, "verify", "--all"], env=warm_env, check=True, stdout=subprocess.DEVNULL
        )
        warm = timed([*ACTDERIV, "verify", "--all"], warm_env, 3)
        print(
            f"warm  actderiv verify --all (cache filled)    {warm:7.2f} s   "
            f"{warm / floor:5.2f}x floor"
        )
        export = timed(
            [*ACTDERIV, "export", "--all", "--format", "latex"], warm_env, 3, warm_up=True
        )
        print(
            f"warm  actderiv export --all --format latex    {export:7.2f} s   "
            f"{export / floor:5.2f}x floor"
        )


if __name__ == "__main__":
    main()
