"""PNG plots of simulations and policy benchmarks (matplotlib, the optional
extra ``plot``: ``pip install 'subnetfrag[plot]'``; nothing else in the
package imports matplotlib).

- :func:`plot_bench`: the free /28s over time per policy (and variation), the
  mean with its 95 % confidence band, beside the final metrics side by side
  (bars with their 95 % intervals).
- :func:`plot_simulation`: one run's series: free /28s and the AWS
  fragmentation score, and the pods and addresses, over time.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot,
no GUI backend, no global state touched).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..errors import SubnetFragError

if TYPE_CHECKING:
    from ..sim.bench import BenchResult
    from ..sim.result import SimResult

__all__ = [
    "BENCH_BAR_METRICS",
    "PlotUnavailable",
    "bench_figure",
    "plot_bench",
    "plot_simulation",
    "require_matplotlib",
]

#: The final metrics :func:`plot_bench` draws as bars: (metric, title).
BENCH_BAR_METRICS: tuple[tuple[str, str], ...] = (
    ("free_prefixes", "free /28 prefixes at the end"),
    ("first_insufficient_cidr_blocks_s", "first InsufficientCidrBlocks (s; runs that failed)"),
    ("pods_pending", "pods pending at the end"),
    ("aws_fragmentation_score", "AWS fragmentation score at the end"),
)


class PlotUnavailable(SubnetFragError, ImportError):
    """matplotlib is not installed: ``pip install 'subnetfrag[plot]'``."""


def require_matplotlib() -> Any:
    """matplotlib's Figure class; raises :class:`PlotUnavailable` (one line:
    what to install) when matplotlib is missing. The command line calls it
    before a long run, to fail at once. O(1) once imported."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotUnavailable("plots need matplotlib: pip install 'subnetfrag[plot]'") from None
    return Figure


def _figure(width: float, height: float) -> Any:
    return require_matplotlib()(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    try:
        fig.savefig(os.fspath(path), format="png")
    except OSError as exc:
        raise SubnetFragError(
            f"cannot write the plot {os.fspath(path)}: {exc.strerror or exc}"
        ) from None


def _hours(seconds: list[float]) -> tuple[list[float], str]:
    span = max(seconds, default=0.0)
    if span >= 4 * 3600:
        return [s / 3600 for s in seconds], "time (hours)"
    if span >= 240:
        return [s / 60 for s in seconds], "time (minutes)"
    return list(seconds), "time (s)"


def plot_bench(result: BenchResult, path: str | os.PathLike[str]) -> None:
    """Write the benchmark's plot (:func:`bench_figure`) to ``path`` (PNG).

    Raises :class:`PlotUnavailable` without matplotlib, and
    :class:`~subnetfrag.errors.SubnetFragError` when the file cannot be written.
    Cost: O(cells x checkpoints) plus matplotlib's drawing (about a second).
    """
    _save(bench_figure(result), path)


def bench_figure(result: BenchResult) -> Any:
    """The benchmark's figure (a matplotlib ``Figure``, for a notebook or
    another format): left, the free /28s over time per cell (mean line, 95 %
    band); right, the final metrics of :data:`BENCH_BAR_METRICS` per cell with
    95 % error bars. Cells keep their rank order and colours match across
    panels. A panel whose values are all 0 writes ``0`` beside each cell (its
    bars have no length to show). Raises :class:`PlotUnavailable` without
    matplotlib. Cost: O(cells x checkpoints)."""
    fig = _figure(13, 7.5)
    grid = fig.add_gridspec(len(BENCH_BAR_METRICS), 2, width_ratios=(1.6, 1))
    ax = fig.add_subplot(grid[:, 0])
    colours = [f"C{i % 10}" for i in range(len(result.cells))]
    for cell, colour in zip(result.cells, colours, strict=True):
        rows = cell.free_prefixes_series
        if not rows:
            continue
        xs, label = _hours([float(r["t_s"]) for r in rows])
        mean = [r["mean"] for r in rows]
        low = [r["mean"] if r["ci95_low"] is None else r["ci95_low"] for r in rows]
        high = [r["mean"] if r["ci95_high"] is None else r["ci95_high"] for r in rows]
        ax.plot(xs, mean, color=colour, linewidth=1.8, label=cell.label)
        ax.fill_between(xs, low, high, color=colour, alpha=0.2, linewidth=0)
        ax.set_xlabel(label)
    ax.set_ylabel("free /28 prefixes")
    ax.set_title(
        f"{result.scenario}: free /28s over time, mean and 95 % band over {len(result.seeds)} seeds"
    )
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    names = [c.label for c in result.cells]
    for row, (metric, title) in enumerate(BENCH_BAR_METRICS):
        bx = fig.add_subplot(grid[row, 1])
        means: list[float] = []
        errs: list[float] = []
        for cell in result.cells:
            est = cell.metrics.get(metric)
            centre = est.mean if est is not None and est.mean is not None else 0.0
            means.append(centre)
            top_ci = est.ci95_high if est is not None else None
            errs.append(0.0 if top_ci is None else top_ci - centre)
            if est is None or est.mean is None:  # no run had a value: say so
                shown = "  never" if metric.startswith("first_") else "  n/a"
                bx.text(0, len(means) - 1, shown, va="center", fontsize="small")
        ys = list(range(len(names)))
        bx.barh(ys, means, xerr=errs, color=colours, alpha=0.85, capsize=3)
        bx.set_yticks(ys, labels=names, fontsize="small")
        bx.invert_yaxis()
        if not any(means):
            bx.set_xlim(0, 1)  # all zero: an axis from 0, not one centred on it
            for y, cell in enumerate(result.cells):
                est = cell.metrics.get(metric)
                if est is not None and est.mean is not None:  # 0: a bar of no length
                    bx.text(0, y, "  0", va="center", fontsize="small")
        bx.set_title(title, fontsize="medium")
        bx.grid(True, axis="x", alpha=0.3)
    return fig


def plot_simulation(result: SimResult, path: str | os.PathLike[str]) -> None:
    """Write one run's series to ``path`` (PNG): above, the free /28 prefixes
    and the AWS fragmentation score; below, pods running and pending and the
    addresses held and used. Raises as :func:`plot_bench`. Cost: O(series)
    plus drawing."""
    rows = result.series
    fig = _figure(11, 7)
    top, bottom = fig.subplots(2, 1, sharex=True)
    xs, label = _hours([float(r["t_s"]) for r in rows])
    top.plot(xs, [r["free_prefixes"] for r in rows], color="C0", label="free /28 prefixes")
    top.set_ylabel("free /28 prefixes", color="C0")
    score = top.twinx()
    score.plot(
        xs,
        [r["aws_fragmentation_score"] for r in rows],
        color="C3",
        linestyle="--",
        label="AWS fragmentation score",
    )
    score.set_ylabel("AWS fragmentation score (0-100)", color="C3")
    score.set_ylim(0, 100)
    first = result.summary.get("first_insufficient_cidr_blocks_s")
    if first is not None:
        x_first = _hours([float(first), *[float(r["t_s"]) for r in rows]])[0][0]
        top.axvline(
            x_first, color="black", linewidth=1, linestyle=":", label="first InsufficientCidrBlocks"
        )
    top.set_title(f"{result.scenario}: policy {result.policy}, seed {result.seed}")
    top.grid(True, alpha=0.3)
    lines = [*top.get_lines(), *score.get_lines()]
    top.legend(lines, [ln.get_label() for ln in lines], loc="best", fontsize="small")
    for key, style in (
        ("pods_running", "-"),
        ("pods_pending", "--"),
        ("addresses_held", "-"),
        ("addresses_used", ":"),
    ):
        bottom.plot(xs, [r[key] for r in rows], linestyle=style, label=key.replace("_", " "))
    bottom.set_xlabel(label)
    bottom.set_ylabel("count")
    bottom.grid(True, alpha=0.3)
    bottom.legend(loc="best", fontsize="small")
    _save(fig, path)
