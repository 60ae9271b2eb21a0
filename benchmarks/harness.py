"""A small timing harness: best-of-N wall time per call, ratios against
baselines measured in the same run, and a plain-text table.

Timing lives here and only here: tests never assert a duration.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Row", "compare", "measure", "print_table"]


@dataclass
class Row:
    """One measured operation: its name, seconds per call, and what it is compared with."""

    name: str
    seconds: float
    versus: str = ""
    versus_seconds: float = 0.0
    budget: float | None = None  # the target ratio, when it sets one

    @property
    def ratio(self) -> float:
        return self.seconds / self.versus_seconds if self.versus_seconds else 0.0


def _calibrate(fn: Callable[[], object]) -> int:
    """Calls per round so that a round of ``fn`` lasts about 20 ms."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start > 0.02:
            return number
        number *= 4


def _round(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def measure(fn: Callable[[], object], *, number: int = 0, repeat: int = 5) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` rounds of ``number``
    calls (``number`` chosen so a round lasts about 20 ms when 0).

    The garbage collector stays on, as in real use: an operation that makes
    garbage pays for collecting it. Garbage left by the set-up is collected
    once before the rounds, so that one measurement does not pay for another.
    """
    gc.collect()
    if number <= 0:
        number = _calibrate(fn)
    return min(_round(fn, number) for _ in range(repeat))


def compare(
    fn: Callable[[], object],
    baseline: Callable[[], object],
    *,
    number: int = 0,
    repeat: int = 7,
) -> tuple[float, float]:
    """Seconds per call of ``fn`` and of ``baseline``, measured in alternating
    rounds (best of ``repeat`` each), so that both see the same load on a
    shared machine and their ratio is steadier than from two separate
    :func:`measure` calls. ``number`` as in :func:`measure`, for ``fn``; the
    baseline's is always calibrated. The collector stays on."""
    gc.collect()
    n_fn = number if number > 0 else _calibrate(fn)
    n_base = _calibrate(baseline)
    best_fn = best_base = float("inf")
    for _ in range(repeat):
        best_fn = min(best_fn, _round(fn, n_fn))
        best_base = min(best_base, _round(baseline, n_base))
    return best_fn, best_base


def _fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.3f} µs"


def print_table(title: str, rows: list[Row]) -> None:
    """Print ``rows`` as a table: time per call, the baseline with its time in
    this comparison (measured alongside, so it may differ a little from its
    own row), the ratio and (where the issue sets one) the target ratio with a
    verdict."""
    print(f"\n## {title}")
    width = max(len(r.name) for r in rows)
    shown = [
        f"{r.versus} ({_fmt_time(r.versus_seconds).strip()})" if r.versus else "" for r in rows
    ]
    vwidth = max((len(v) for v in shown), default=0)
    print(f"{'operation':<{width}}  {'time':>12}  {'versus':<{vwidth}}  {'ratio':>9}  target")
    for r, versus in zip(rows, shown, strict=True):
        ratio = f"{r.ratio:8.2f}x" if r.versus_seconds else " " * 9
        target = ""
        if r.budget is not None:
            verdict = "ok" if r.ratio <= r.budget else "OVER"
            target = f"<= {r.budget:g}x {verdict}"
        print(f"{r.name:<{width}}  {_fmt_time(r.seconds)}  {versus:<{vwidth}}  {ratio}  {target}")
