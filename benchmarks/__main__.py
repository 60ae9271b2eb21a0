"""Run the benchmark suites and print their tables: ``python -m benchmarks``
(every suite, as ``make bench`` does) or ``python -m benchmarks SUITE ...``
(only those). ``python -m benchmarks --help`` lists the suites.

Each suite module has a ``run()`` returning ``[(title, rows)]`` measured with
:mod:`benchmarks.harness`; ratios are against baselines from the same run, so
the figures compare across machines better than raw times. Each suite's wall
time and the machine's load average are printed after its tables, since the
machine may be shared.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time

from .harness import print_table

#: Suite name -> what it measures (shown by ``--help``).
SUITES = {
    "bench_core": "allocator hot paths, the integer door, failures, saved state, bulk load",
    "bench_report": "report(), block map and advice on a /16 against the AWS tool's method",
    "bench_ingest": "peak memory of analyze on generated ENI files of 25,000 to 200,000 ENIs",
    "bench_sim": "simulator events/s, 200 nodes on a /16, beside its subnet work",
    "bench_sweep": "policy sweep speed-up from 1 to 2 workers (SWEEP_SEEDS=30 for the full 3 x 30)",
}


def usage() -> str:
    """The help text: how to run all suites or one, and what each measures."""
    width = max(len(name) for name in SUITES)
    lines = [
        "usage: python -m benchmarks [SUITE ...]",
        "",
        "Without SUITE, run every suite (what `make bench` does). Suites:",
        *(f"  {name:<{width}}  {what}" for name, what in SUITES.items()),
        "",
        "Example: python -m benchmarks bench_core",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the suites named in ``argv`` (all when empty); 0, or 2 on a usage error."""
    if any(a in ("-h", "--help") for a in argv):
        print(usage())
        return 0
    unknown = [a for a in argv if a not in SUITES]
    if unknown:
        print(f"unknown suite {unknown[0]!r}; choose from {', '.join(SUITES)}", file=sys.stderr)
        return 2
    wanted = argv or list(SUITES)
    print(f"# subnetfrag benchmarks: Python {platform.python_version()} on {platform.machine()}")
    for name in wanted:
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        for title, rows in module.run():
            print_table(f"{name}: {title}", rows)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n# {name}: {time.perf_counter() - start:.1f} s wall; load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
