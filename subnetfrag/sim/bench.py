"""The policy benchmark: a scenario run for every policy x variation x seed,
summarised per cell by the mean and a 95 % Student-t confidence interval of
each summary metric, and ranked.

A *cell* is one policy with one variation (a combination of the ``vary``
overrides, :meth:`Scenario.with_override` keys such as
``cluster.warm_prefix_target`` or ``reservations``). Each (cell, seed) is one
task for the executor (:mod:`.executors`): in-process, a local process pool or
Dask; results are aggregated by seed position, so every executor gives the
same numbers for the same seeds.

The metrics are the run summary's numbers (``failures`` flattened to
``failures.InsufficientCidrBlocks`` ...), plus ``insufficient_cidr_blocks_runs``
(1 for a run that met InsufficientCidrBlocks, else 0: its mean is the share of
runs that failed). ``first_insufficient_cidr_blocks_s`` is averaged over the
runs that failed (its ``n`` says how many). Cells are ranked by the mean count
of InsufficientCidrBlocks failures (fewest first), then by the mean free /28s
at the end (most first), then by policy and variation.
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..policies import get_policy
from .executors import Executor, InProcessExecutor
from .scenario import Scenario
from .simulate import simulate
from .stats import Estimate, estimate

__all__ = [
    "BenchCell",
    "BenchResult",
    "RunOutcome",
    "RunTask",
    "bench",
    "run_task",
]

ICB = "InsufficientCidrBlocks"
ICB_RUNS = "insufficient_cidr_blocks_runs"
FIRST_ICB = "first_insufficient_cidr_blocks_s"
#: Columns of the text table: (metric, heading).
TEXT_METRICS: tuple[tuple[str, str], ...] = (
    ("free_prefixes", "free /28s"),
    ("aws_fragmentation_score", "AWS score"),
    ("stranded_ips", "stranded IPs"),
    (f"failures.{ICB}", "ICB failures"),
    (ICB_RUNS, "runs with ICB"),
    (FIRST_ICB, "first ICB (s)"),
    ("pods_pending", "pods pending"),
)


@dataclass(frozen=True, slots=True)
class RunTask:
    """One run: the cell's index, its scenario (overrides applied), policy and seed."""

    cell: int
    scenario: Scenario
    policy: str
    seed: int


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a run sends back: its numeric metrics and the free /28s series
    (``(t_s, free_prefixes)`` per checkpoint)."""

    cell: int
    seed: int
    metrics: dict[str, float | int | None]
    free_prefixes: tuple[tuple[float, int], ...]


def _flatten(summary: Mapping[str, Any]) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {}
    for key, value in summary.items():
        if isinstance(value, Mapping):
            for sub, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    out[f"{key}.{sub}"] = v
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            out[key] = value
    out[ICB_RUNS] = 1 if summary.get(FIRST_ICB) is not None else 0
    return out


def run_task(task: RunTask) -> RunOutcome:
    """Run one task with :func:`~subnetfrag.sim.simulate` (a top-level function,
    so process pools and Dask can run it). Raises what ``simulate`` raises.
    Cost: one simulation."""
    result = simulate(task.scenario, policy=task.policy, seed=task.seed)
    series = tuple((float(row["t_s"]), int(row["free_prefixes"])) for row in result.series)
    return RunOutcome(task.cell, task.seed, _flatten(result.summary), series)


@dataclass(slots=True)
class BenchCell:
    """One policy x variation: per metric its :class:`Estimate`, and the free
    /28s over time as ``{"t_s", "mean", "ci95_low", "ci95_high", "n"}`` rows."""

    policy: str
    variation: dict[str, Any]
    metrics: dict[str, Estimate] = field(default_factory=dict)
    free_prefixes_series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``"policy"`` or ``"policy, key=value, ..."``. O(variation)."""
        parts = [self.policy, *(f"{k}={v}" for k, v in self.variation.items())]
        return ", ".join(parts)

    def mean(self, metric: str) -> float | None:
        """The metric's mean (None when unknown). O(1)."""
        est = self.metrics.get(metric)
        return None if est is None else est.mean

    def to_dict(self) -> dict[str, Any]:
        """``{"policy", "variation", "metrics": {name: {mean, ci95_low,
        ci95_high, n}}, "free_prefixes_series": [...]}``. O(metrics + series)."""
        return {
            "policy": self.policy,
            "variation": dict(self.variation),
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "free_prefixes_series": [dict(r) for r in self.free_prefixes_series],
        }


def _rank_key(cell: BenchCell) -> tuple[float, float, str]:
    fails = cell.mean(f"failures.{ICB}") or 0.0
    free = cell.mean("free_prefixes") or 0.0
    return (fails, -free, cell.label)


@dataclass(slots=True)
class BenchResult:
    """The benchmark: the scenario's name, the grid, and the cells in rank
    order (best first). ``executor`` and ``elapsed_s`` say how it ran (not part
    of :meth:`to_dict`, which depends only on the scenario, grid and seeds)."""

    scenario: str
    policies: list[str]
    vary: list[tuple[str, list[Any]]]
    seeds: list[int]
    cells: list[BenchCell]
    executor: str = "in-process"
    elapsed_s: float = 0.0

    @property
    def runs(self) -> int:
        """Runs made: cells x seeds. O(1)."""
        return len(self.cells) * len(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``scenario``, ``policies``, ``vary`` (key -> values),
        ``seeds``, and ``cells`` in rank order (see :meth:`BenchCell.to_dict`).
        O(cells x (metrics + series))."""
        return {
            "scenario": self.scenario,
            "policies": list(self.policies),
            "vary": {k: list(v) for k, v in self.vary},
            "seeds": list(self.seeds),
            "cells": [c.to_dict() for c in self.cells],
        }

    def to_csv(self) -> str:
        """One row per cell and metric: ``rank, policy, variation, metric, mean,
        ci95_low, ci95_high, n`` (empty for unknown). O(cells x metrics)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["rank", "policy", "variation", "metric", "mean", "ci95_low", "ci95_high", "n"])
        for rank, cell in enumerate(self.cells, 1):
            variation = "; ".join(f"{k}={v}" for k, v in cell.variation.items())
            for name, est in cell.metrics.items():
                w.writerow(
                    [rank, cell.policy, variation, name]
                    + ["" if x is None else x for x in (est.mean, est.ci95_low, est.ci95_high)]
                    + [est.n]
                )
        return out.getvalue()

    def table(self, escape: Callable[[str], str] = str) -> str:
        """The ranked text table: per cell the mean ± the 95 % half-width of
        the main metrics. ``escape`` is applied to the text that comes from the
        scenario (its name, the variations' values): the command line passes
        :func:`subnetfrag.render.terminal.printable`, so that a control
        character in them cannot reach the terminal. O(cells)."""
        n = len(self.seeds)
        head = [
            f"scenario {escape(self.scenario)}: {len(self.policies)} "
            f"polic{'ies' if len(self.policies) != 1 else 'y'} x "
            f"{len(self.cells) // max(1, len(self.policies))} variation(s) x {n} seed(s) = "
            f"{self.runs} runs ({self.executor}, {self.elapsed_s:.1f} s)",
            "mean ± 95 % confidence half-width over the seeds; ranked by InsufficientCidrBlocks "
            "failures, then free /28s",
            "",
        ]
        rows = [["rank", "policy / variation", *(h for _, h in TEXT_METRICS)]]
        for rank, cell in enumerate(self.cells, 1):
            rows.append(
                [str(rank), escape(cell.label)]
                + [_cell_text(m, cell.metrics.get(m), n) for m, _ in TEXT_METRICS]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        body = [
            "  ".join(
                c.ljust(w) if i == 1 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
            for r in rows
        ]
        return "\n".join(head + body) + "\n"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _cell_text(metric: str, est: Estimate | None, runs: int) -> str:
    if est is None or est.mean is None:
        return "never" if metric == FIRST_ICB else "-"
    text = _num(est.mean)
    if est.ci95_high is not None:
        text += f" ±{_num(est.ci95_high - est.mean)}"
    if metric == FIRST_ICB:
        text += f" ({est.n}/{runs})"
    return text


class _Progress:
    """A one-line progress bar on a terminal (``\\r`` updates)."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream, self.total, self.done = stream, total, 0
        self.start = time.perf_counter()

    def step(self) -> None:
        self.done += 1
        if self.stream is None:
            return
        width = 30
        filled = width * self.done // max(1, self.total)
        elapsed = time.perf_counter() - self.start
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} runs "
            f"{elapsed:.1f} s"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def _grid(
    vary: Mapping[str, Sequence[Any]] | Iterable[tuple[str, Sequence[Any]]],
) -> list[tuple[str, list[Any]]]:
    items = list(vary.items()) if isinstance(vary, Mapping) else list(vary)
    out = []
    for key, values in items:
        values = list(values)
        if not values:
            raise ValueError(f"vary {key}: give at least one value")
        out.append((key, values))
    return out


def bench(
    scenario: Scenario,
    *,
    policies: Sequence[str] = ("random", "lowest", "pack"),
    seeds: int | Sequence[int] = 30,
    vary: Mapping[str, Sequence[Any]] | Iterable[tuple[str, Sequence[Any]]] = (),
    executor: Executor | None = None,
    progress: bool | TextIO | None = None,
) -> BenchResult:
    """Run ``scenario`` for every policy x variation x seed and summarise.

    ``seeds``: a count (seeds 0..n-1) or the seeds themselves. ``vary``: keys
    of :meth:`Scenario.with_override` and their values (the grid is every
    combination). ``executor``: where runs execute (default in-process; it is
    not closed here). ``progress``: a stream for the progress bar, True for
    standard error, None (default) for standard error only when it is a
    terminal, False for none.

    Raises ValueError for no policy, no seed or an empty value list,
    :class:`~subnetfrag.UnknownPolicy`, :class:`ScenarioError` for a bad
    override (before any run), and whatever a run raises.
    Cost: cells x seeds simulations, spread over the executor's workers.
    """
    policies = list(dict.fromkeys(policies))
    if not policies:
        raise ValueError("give at least one policy")
    for name in policies:
        get_policy(name)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ValueError("give at least one seed")
    grid = _grid(vary)
    variations: list[dict[str, Any]] = [
        dict(zip([k for k, _ in grid], combo, strict=True))
        for combo in itertools.product(*(v for _, v in grid))
    ]
    scenarios = []
    for variation in variations:
        s = scenario
        for key, value in variation.items():
            s = s.with_override(key, value)
        scenarios.append(s)
    cells = [BenchCell(p, dict(v)) for p in policies for v in variations]
    tasks = [
        RunTask(ci, scenarios[ci % len(variations)], cell.policy, seed)
        for ci, cell in enumerate(cells)
        for seed in seed_list
    ]
    stream: TextIO | None
    if progress is None:
        stream = sys.stderr if sys.stderr.isatty() else None
    elif progress is True:
        stream = sys.stderr
    elif progress is False:
        stream = None
    else:
        stream = progress
    bar = _Progress(stream, len(tasks))
    ex = executor if executor is not None else InProcessExecutor()
    position = {seed: i for i, seed in enumerate(seed_list)}
    outcomes: list[list[RunOutcome | None]] = [[None] * len(seed_list) for _ in cells]
    start = time.perf_counter()
    for i, outcome in ex.run(run_task, tasks):
        task = tasks[i]
        outcomes[task.cell][position[task.seed]] = outcome
        bar.step()
    elapsed = time.perf_counter() - start
    for cell, runs in zip(cells, outcomes, strict=True):
        done = [r for r in runs if r is not None]
        assert len(done) == len(seed_list)
        names = list(dict.fromkeys(k for r in done for k in r.metrics))
        cell.metrics = {m: estimate(r.metrics.get(m) for r in done) for m in names}
        length = min(len(r.free_prefixes) for r in done)
        for j in range(length):
            est = estimate(r.free_prefixes[j][1] for r in done)
            cell.free_prefixes_series.append({"t_s": done[0].free_prefixes[j][0], **est.to_dict()})
    cells.sort(key=_rank_key)
    return BenchResult(
        scenario=scenario.name,
        policies=policies,
        vary=grid,
        seeds=seed_list,
        cells=cells,
        executor=ex.describe(),
        elapsed_s=elapsed,
    )
