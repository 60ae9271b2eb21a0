"""``subnetfrag bench-policies``: run a scenario for every policy x variation x
seed, in this process, a local process pool (``--workers``) or on a Dask
cluster (``--scheduler``), and print the ranked table of means with their 95 %
confidence intervals (:mod:`subnetfrag.sim.bench`; docs/simulation.md,
"Benchmarking policies")."""

from __future__ import annotations

import argparse
from typing import Any

from ..policies import policy_names
from ..render.terminal import printable
from ..sim import parse_value
from ..sim.bench import bench
from ..sim.executors import make_executor
from .output import Output
from .parser import EXIT_OK, _between, add_command
from .scenario_options import (
    add_scenario_options,
    check_policies,
    key_values,
    load_scenario,
    overrides,
)

__all__ = ["add_bench_parser", "run_bench_policies"]

#: Beyond these a count is a typo, not a plan: 10**30 seeds made bench() build
#: range(10**30) into a list (OverflowError) and 10**30 workers a process pool.
MAX_SEEDS = 100_000
MAX_WORKERS = 1024

_EPILOG = """\
examples:
  subnetfrag bench-policies steady-churn --seeds 10
  subnetfrag bench-policies steady-churn --vary reservations=none,top-quarter --workers 2
  subnetfrag bench-policies scale-to-exhaustion --vary cluster.warm_prefix_target=1,2 \\
      --set duration_s=7200 --format json > bench.json
  subnetfrag bench-policies steady-churn --scheduler tcp://10.0.0.5:8786 --plot bench.png

--vary KEY=V1,V2,... runs every value (the grid is every combination of the --vary
options); --set KEY=VALUE changes the scenario for every run. Keys are those of
'subnetfrag simulate --set'. A policy registered with register_policy takes part by
name when the workers import the module that registers it (docs/simulation.md).
"""


def add_bench_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``bench-policies`` to the ``subnetfrag`` sub-commands. O(1)."""
    p = add_command(
        commands,
        "bench-policies",
        help="benchmark allocation policies: a scenario x policies x variations x seeds, "
        "ranked with 95 %% confidence intervals",
        description=(
            "Run a simulation scenario for every allocation policy, every combination "
            "of the --vary values and every seed, and print per policy and variation the "
            "mean and 95 % confidence interval of each result (free /28s, the AWS "
            "fragmentation score, InsufficientCidrBlocks failures and when the first "
            "came, ...), ranked."
        ),
        epilog=_EPILOG,
    )
    p.add_argument("scenario", metavar="SCENARIO|FILE", help="a bundled scenario or a TOML file")
    p.add_argument(
        "--policies",
        metavar="P,P,...",
        default="random,lowest,pack",
        help=f"comma-separated policies (default random,lowest,pack; known: "
        f"{', '.join(policy_names())})",
    )
    p.add_argument(
        "--seeds",
        metavar="N",
        type=_between(1, MAX_SEEDS),
        default=30,
        help="runs per cell, seeds 0..N-1 (default 30)",
    )
    p.add_argument(
        "--vary",
        metavar="KEY=V1,V2",
        action="append",
        default=[],
        help="a scenario key and the values to compare (repeatable)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        metavar="N",
        type=_between(0, MAX_WORKERS),
        help="a local pool of N processes (0: one per CPU; default: in-process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (pip install 'subnetfrag[dask]')",
    )
    add_scenario_options(
        p,
        set_help="override one scenario key for every run (repeatable)",
        format_help="text (the ranked table, default), json or csv (one row per cell and metric)",
        plot_help="also draw free /28s over time per cell and the final metrics "
        "(pip install 'subnetfrag[plot]')",
    )
    p.set_defaults(check_args=_check)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    names = [n.strip() for n in args.policies.split(",") if n.strip()]
    if not names:
        parser.error("--policies names no policy")
    check_policies(parser, names)
    args.policy_list = names
    vary: list[tuple[str, list[Any]]] = []
    for key, values in key_values(parser, args.vary, "--vary", "KEY=V1,V2,..."):
        parts = [v.strip() for v in values.split(",")]
        if not all(parts):
            parser.error(f"--vary {key}: give comma-separated values, not {values!r}")
        if key in (k for k, _ in vary):
            parser.error(f"--vary {key} is given twice")
        vary.append((key, [parse_value(v) for v in parts]))
    args.vary_grid = vary
    args.override_pairs = overrides(parser, args.overrides)


def run_bench_policies(args: argparse.Namespace, output: Output) -> int:
    """Run ``bench-policies``; returns 0. A bad scenario, key or value, an
    unreachable scheduler, a missing extra: library errors (exit 3)."""
    scenario = load_scenario(args.scenario, args.override_pairs, plot=args.plot)
    executor = make_executor(args.workers, args.scheduler)
    try:
        result = bench(
            scenario,
            policies=args.policy_list,
            seeds=args.seeds,
            vary=args.vary_grid,
            executor=executor,
        )
    finally:
        executor.close()
    output.write_result(args.format, result.to_dict, lambda: result.table(printable), result.to_csv)
    if args.plot:
        from ..render.plots import plot_bench

        plot_bench(result, args.plot)
    return EXIT_OK
