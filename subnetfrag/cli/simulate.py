"""``subnetfrag simulate``: run one scenario (bundled or a TOML file) with one
allocation policy and one seed, and print the summary and the time series
(text, JSON = ``SimResult.to_dict()``, or the series as CSV). ``--list`` names
the bundled scenarios, one line each."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from ..policies import policy_names
from ..render.terminal import printable
from ..sim import Scenario, SimResult, simulate
from .output import Output
from .scenario_options import add_scenario_options, check_policies, load_scenario, overrides

__all__ = ["add_simulate_parser", "render_simulation", "run_simulate"]

_EPILOG = """\
examples:
  subnetfrag simulate --list
  subnetfrag simulate seed-5-nodes
  subnetfrag simulate steady-churn --policy pack --seed 3 --format json
  subnetfrag simulate scale-to-exhaustion --set reservations=top-half --set duration_s=7200
  subnetfrag simulate my-cluster.toml --set cluster.warm_ip_target=4 --format csv > series.csv

--set KEY=VALUE changes one scenario key (dotted, as in docs/simulation.md); VALUE
is read as TOML (2, 1.5, true, "text"), else as text; an empty VALUE unsets the key.
"""

#: Series columns the text output shows (all are in the JSON and CSV).
_TEXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("t_s", "time"),
    ("nodes", "nodes"),
    ("pods_running", "running"),
    ("pods_pending", "pending"),
    ("addresses_held", "held"),
    ("free_prefixes", "free /28s"),
    ("aws_fragmentation_score", "score"),
    ("stranded_ips", "stranded"),
)
_MAX_TEXT_ROWS = 13


def add_simulate_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    """Add the ``simulate`` command to the subcommands ``commands``; return its
    parser. O(1)."""
    from .parser import _integer, add_command  # the parser module imports this one lazily

    sim = add_command(
        commands,
        "simulate",
        help="simulate a subnet under an EKS cluster over time (policies, CNI settings)",
        description=(
            "Simulate a subnet (or several) under an EKS cluster over time: nodes "
            "running the VPC CNI's ipamd, pods, churn, bursts, node replacement and "
            "other /32 tenants, with one allocation policy and one seed. Prints when "
            "the first InsufficientCidrBlocks came, the free /28s and the AWS score "
            "over time."
        ),
        epilog=_EPILOG,
    )
    sim.add_argument(
        "scenario",
        metavar="SCENARIO|FILE",
        nargs="?",
        help="a bundled scenario (see --list) or a TOML scenario file",
    )
    sim.add_argument(
        "--list", action="store_true", help="list the bundled scenarios, one line each"
    )
    sim.add_argument(
        "--policy",
        metavar="P",
        default="random",
        help=f"allocation policy in every subnet: {', '.join(policy_names())} "
        "(default: random, the EC2-like one)",
    )
    sim.add_argument(
        "--seed", metavar="N", type=_integer, default=0, help="random seed (default: 0)"
    )
    sim.add_argument(
        "--debug-invariants",
        action="store_true",
        help="check the model's invariants after every event (slow; for debugging)",
    )
    add_scenario_options(
        sim,
        set_help="override one scenario key (repeatable), e.g. cluster.warm_prefix_target=2",
        format_help="text (default), json (SimResult.to_dict()) or csv (the series)",
        plot_help="also draw the run's series as a PNG (pip install 'subnetfrag[plot]')",
    )
    sim.set_defaults(check_args=_check)
    return sim


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The usage errors argparse cannot express (``parser.error``: exit 2):
    ``--list`` with a scenario or ``--set``, no scenario, an unknown policy,
    a malformed ``--set``; leaves the parsed ``--set`` pairs in
    ``args.override_pairs``. O(len(--set))."""
    if args.list:
        if args.scenario is not None or args.overrides:
            parser.error("--list takes no scenario and no --set")
        return
    if args.scenario is None:
        parser.error("give a scenario (a bundled name or a TOML file), or --list")
    check_policies(parser, [args.policy])
    args.override_pairs = overrides(parser, args.overrides)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_simulation(result: SimResult, scenario: Scenario) -> str:
    """The text form: what ran, the summary, and the series (at most 13 rows,
    evenly spaced, the last always shown). O(series)."""
    s = result.summary
    icb = s["first_insufficient_cidr_blocks_s"]
    fails = s["failures"]
    lines = [
        f"scenario {printable(result.scenario)}: "
        f"{printable(scenario.description or scenario.name)}",
        f"policy {result.policy}, seed {result.seed}, {_fmt(scenario.duration_s)} s simulated, "
        f"{s['events']:,} events",
        "",
        *(
            f"  {label:<30} {value}"
            for label, value in (
                (
                    "pods running",
                    f"{_fmt(s['pods_running'])} (peak {_fmt(s['peak_pods_running'])})",
                ),
                ("pods pending", _fmt(s["pods_pending"])),
                (
                    "addresses held / used",
                    f"{_fmt(s['addresses_held'])} / {_fmt(s['addresses_used'])}",
                ),
                ("prefixes / ENIs held", f"{_fmt(s['prefixes_held'])} / {_fmt(s['enis'])}"),
                ("free /28 prefixes", _fmt(s["free_prefixes"])),
                ("AWS fragmentation score", _fmt(s["aws_fragmentation_score"])),
                ("first InsufficientCidrBlocks", "never" if icb is None else f"at {_fmt(icb)} s"),
                ("failures", ", ".join(f"{name} {n:,}" for name, n in fails.items())),
            )
        ),
        "",
    ]
    rows = result.series
    if rows:
        step = max(1, -(-len(rows) // _MAX_TEXT_ROWS))
        shown = rows[::step]
        if shown[-1] is not rows[-1]:
            shown.append(rows[-1])
        table = [[title for _, title in _TEXT_COLUMNS]]
        table += [[_fmt(row.get(key)) for key, _ in _TEXT_COLUMNS] for row in shown]
        widths = [max(len(r[i]) for r in table) for i in range(len(_TEXT_COLUMNS))]
        for r in table:
            lines.append("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(lines) + "\n"


def _list() -> str:
    names = Scenario.bundled_names()
    width = max(len(n) for n in names)
    out = []
    for name in names:
        desc = Scenario.bundled(name).description
        out.append(f"{name:<{width}}  {textwrap.shorten(desc, 100, placeholder='...')}")
    return "\n".join(out) + "\n"


def run_simulate(args: argparse.Namespace, output: Output) -> int:
    """Run ``simulate`` on options :func:`_check` passed; returns the exit
    status (0). A bad scenario, key or value raises a library error (exit 3)."""
    if args.list:
        output.write(_list())
        return 0
    scenario = load_scenario(args.scenario, args.override_pairs, plot=args.plot)
    result = simulate(scenario, policy=args.policy, seed=args.seed, debug=args.debug_invariants)
    output.write_result(
        args.format, result.to_dict, lambda: render_simulation(result, scenario), result.series_csv
    )
    if args.plot:
        from ..render.plots import plot_simulation

        plot_simulation(result, args.plot)
    return 0
