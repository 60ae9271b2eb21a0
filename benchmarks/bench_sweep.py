"""The policy sweep on one and two workers: 3 policies x 30 seeds of the
bundled ``steady-churn`` scenario (a simulated day each), in-process and on a
local pool of two processes. Prints the time of each, the speed-up (near 2x is
near-linear scaling; the machine's other load shows in it), and checks that
both gave the same numbers.

Run: ``python -m benchmarks bench_sweep``: 10 seeds by default (30 runs, about
half a minute), so that ``make bench`` stays short; ``SWEEP_SEEDS=30 python -m
benchmarks bench_sweep`` runs the issue's full 3 x 30 (about a minute and a half
on two free cores, twice that when the machine is shared).
"""

from __future__ import annotations

import gc
import os
import time

from subnetfrag.sim import Scenario
from subnetfrag.sim.bench import BenchResult, bench
from subnetfrag.sim.executors import Executor, InProcessExecutor, ProcessPoolExecutor

from .harness import Row, print_table

POLICIES = ("random", "lowest", "pack")
DEFAULT_SEEDS = 10  #: ``SWEEP_SEEDS=30`` for the issue's full sweep


def _sweep(executor: Executor, seeds: int) -> tuple[float, BenchResult]:
    scenario = Scenario.bundled("steady-churn")
    gc.collect()
    start = time.perf_counter()
    try:
        result = bench(scenario, policies=POLICIES, seeds=seeds, executor=executor, progress=False)
    finally:
        executor.close()
    return time.perf_counter() - start, result


def run() -> list[tuple[str, list[Row]]]:
    """One sweep in-process and one on two processes (pool start-up included)."""
    seeds = int(os.environ.get("SWEEP_SEEDS", DEFAULT_SEEDS))
    load = os.getloadavg()[0]
    one, first = _sweep(InProcessExecutor(), seeds)
    two, second = _sweep(ProcessPoolExecutor(2), seeds)
    runs = len(POLICIES) * seeds
    same = first.to_dict() == second.to_dict()
    title = (
        f"sweep of steady-churn, {len(POLICIES)} policies x {seeds} seeds = {runs} runs: "
        f"speed-up 1 -> 2 workers {one / two:.2f}x (ideal 2x); same results: {same}; "
        f"load average before {load:.1f} on {os.cpu_count()} CPUs"
    )
    rows = [
        Row("sweep, 1 worker (in-process)", one),
        Row("sweep, 2 workers (process pool)", two, "1 worker", one, budget=0.6),
        Row("one run (1 worker, mean)", one / runs),
    ]
    return [(title, rows)]


if __name__ == "__main__":
    for t, r in run():
        print_table(t, r)
