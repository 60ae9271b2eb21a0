"""The result of one simulation run: a summary at the end and a time series.

``SimResult.to_dict()`` is the JSON contract (issue 10): ``scenario``,
``policy``, ``seed``, ``summary`` and ``series``. The summary and every series
row hold at least :data:`SUMMARY_KEYS` and :data:`SERIES_KEYS`; more keys may
be added, none removed. docs/simulation.md says what each one means.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SERIES_KEYS", "SUMMARY_KEYS", "SimResult"]

#: The summary keys every result has (values at the end of the run).
SUMMARY_KEYS: tuple[str, ...] = (
    "pods_running",
    "pods_pending",
    "addresses_held",
    "addresses_used",
    "free_prefixes",
    "aws_fragmentation_score",
    "first_insufficient_cidr_blocks_s",
    "failures",
    "peak_pods_running",
    "events",
)

#: The keys every series row has, ``t_s`` first.
SERIES_KEYS: tuple[str, ...] = (
    "t_s",
    "pods_running",
    "pods_pending",
    "addresses_held",
    "addresses_used",
    "free_prefixes",
    "aws_fragmentation_score",
    "stranded_ips",
)


@dataclass(frozen=True, slots=True)
class SimResult:
    """One run: the scenario's name, the policy, the seed, ``summary`` (the
    end state and totals) and ``series`` (one row per checkpoint, in time
    order). Picklable; plain data only."""

    scenario: str
    policy: str
    seed: int
    summary: dict[str, Any]
    series: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"scenario", "policy", "seed", "summary", "series"}``, JSON-ready.
        O(series)."""
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "seed": self.seed,
            "summary": dict(self.summary),
            "series": [dict(row) for row in self.series],
        }

    def series_csv(self) -> str:
        """The series as CSV: a header row of the keys, then one row per
        checkpoint (an empty field for null). O(series)."""
        out = io.StringIO()
        keys = list(self.series[0]) if self.series else list(SERIES_KEYS)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        for row in self.series:
            writer.writerow(["" if row.get(k) is None else row.get(k) for k in keys])
        return out.getvalue()
