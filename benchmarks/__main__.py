"""Run every benchmark suite and print its tables: ``python -m benchmarks``.

Each suite module has a ``run()`` returning ``[(title, rows)]`` measured with
:mod:`benchmarks.harness`; ratios are against baselines from the same run, so
the figures compare across machines better than raw times.
"""

from __future__ import annotations

import importlib
import platform
import sys

from .harness import print_table

SUITES = ("bench_core", "bench_report", "bench_ingest", "bench_sim", "bench_sweep")


def main(argv: list[str]) -> int:
    wanted = argv or list(SUITES)
    print(f"# subnetfrag benchmarks: Python {platform.python_version()} on {platform.machine()}")
    for name in wanted:
        if name not in SUITES:
            print(f"unknown suite {name!r}; choose from {', '.join(SUITES)}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"benchmarks.{name}")
        for title, rows in module.run():
            print_table(f"{name}: {title}", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
