"""A small timing harness: best-of-N wall time per call, ratios against
baselines measured in the same run, and a plain-text table.

Timing lives here and only here: tests never assert a duration.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Row", "measure", "print_table"]


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


def measure(fn: Callable[[], object], *, number: int = 0, repeat: int = 5) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` rounds of ``number``
    calls (``number`` chosen so a round lasts about 20 ms when 0)."""
    if number <= 0:
        number = 1
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            if time.perf_counter() - start > 0.02:
                break
            number *= 4
    best = float("inf")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def _fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.3f} µs"


def print_table(title: str, rows: list[Row]) -> None:
    """Print ``rows`` as a table: time per call, the baseline, the ratio and
    (where the issue sets one) the target ratio with a verdict."""
    print(f"\n## {title}")
    width = max(len(r.name) for r in rows)
    vwidth = max((len(r.versus) for r in rows), default=0)
    print(f"{'operation':<{width}}  {'time':>12}  {'versus':<{vwidth}}  {'ratio':>9}  target")
    for r in rows:
        ratio = f"{r.ratio:8.2f}x" if r.versus_seconds else " " * 9
        target = ""
        if r.budget is not None:
            verdict = "ok" if r.ratio <= r.budget else "OVER"
            target = f"<= {r.budget:g}x {verdict}"
        print(f"{r.name:<{width}}  {_fmt_time(r.seconds)}  {r.versus:<{vwidth}}  {ratio}  {target}")
