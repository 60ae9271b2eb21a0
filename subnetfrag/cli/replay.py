"""``subnetfrag replay``: replay a CloudTrail trace of ENI and address calls on
the subnets' starting state, as recorded or under another placement policy or
an added reservation: would the subnet have failed, and when?
(:mod:`subnetfrag.sim.replay`, files read by :func:`subnetfrag.aws.replay_files`;
docs/simulation.md, "Trace replay")."""

from __future__ import annotations

import argparse

from ..aws.replay_files import replay_files
from ..policies import policy_names
from ..render.terminal import COLOR_MODES, Style, printable
from ..sim.replay import AS_RECORDED, ReplayError, ReplayResult, parse_reserve
from .output import Output
from .parser import _COLOR_HELP, EXIT_OK, _integer, add_command

__all__ = ["add_replay_parser", "render_replay", "run_replay"]

_EPILOG = """\
examples:
  subnetfrag replay trail.json.gz --subnets subnets.json --enis enis.json
  subnetfrag replay events.json --subnets subnets.json --enis enis.json --policy pack
  subnetfrag replay trail/*.json.gz --subnets subnets.json --enis enis.json \\
      --reserve 10.0.8.0/22:prefix --format json

TRACE is a CloudTrail log file ({"Records": [...]}, gzip or not) or the output of
  aws cloudtrail lookup-events --lookup-attributes \\
      AttributeKey=EventSource,AttributeValue=ec2.amazonaws.com --output json
--subnets/--enis (and --reservations) must describe the subnets as they were
BEFORE the trace's first event. Exit status: 0 done, 2 usage, 3 bad input,
70 an internal error (a bug).
"""


def _duration(seconds: float) -> str:
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    return " ".join([*parts, f"{s}s"] if s or not parts else parts)


def _counts(items: dict[str, int]) -> str:
    # Error codes come from the trace: printable() keeps their control
    # characters off the terminal.
    return ", ".join(f"{printable(name)} {n:,}" for name, n in sorted(items.items()))


def render_replay(result: ReplayResult, style: Style) -> str:
    """The text form of a replay: what was read, then per subnet its free /28s
    (start, end, lowest), available addresses and first failure. O(subnets)."""
    lines = [
        f"replayed {result.applied:,} of {result.events:,} records"
        + (
            f", {printable(result.start_time)} to {printable(result.end_time)}"
            if result.start_time
            else ""
        )
    ]
    reserved = ", ".join(result.reservations) or "none"
    lines.append(f"policy {style.paint(result.policy, 'bold')}; reservations added: {reserved}")
    if result.skipped:
        lines.append(f"skipped: {_counts(result.skipped)}")
    if result.recorded_failures:
        lines.append(f"recorded failures: {_counts(result.recorded_failures)}")
    for s in result.subnets:
        lines.append("")
        lines.append(
            f"{style.paint(printable(s.subnet_id), 'bold')}  {s.cidr}  ({s.events:,} events)"
        )
        low = f"lowest {s.min_free_prefixes:,}"
        if s.min_free_prefixes_time:
            low += f" at {printable(s.min_free_prefixes_time)}"
        lines.append(
            f"  free /28s       {s.free_prefixes_start:,} at start, "
            f"{s.free_prefixes_end:,} at end, {low}"
        )
        lines.append(
            f"  available IPs   {s.available_start:,} at start, {s.available_end:,} at end"
        )
        if s.first_failure_time is None:
            lines.append(f"  first failure   {style.paint('none', 'green')}")
        else:
            assert s.first_failure_s is not None
            when = f"{printable(s.first_failure_time)} (+{_duration(s.first_failure_s)})"
            lines.append(
                f"  first failure   {style.paint(when, 'bold-red')}: {_counts(s.failures)}"
            )
    return "\n".join(lines) + "\n"


def _reserve(text: str) -> tuple[str, str]:
    try:
        return parse_reserve(text)
    except ReplayError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_replay_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``replay`` to the ``subnetfrag`` sub-commands. O(1)."""
    p = add_command(
        commands,
        "replay",
        help="replay a CloudTrail trace: would the subnet have failed under another "
        "policy or reservation, and when?",
        description=(
            "Replay the CreateNetworkInterface, DeleteNetworkInterface, "
            "AssignPrivateIpAddresses and UnassignPrivateIpAddresses calls a CloudTrail "
            "trace recorded, on the subnets as they were before it: as recorded, or "
            "placed by another policy, with CIDR reservations added."
        ),
        epilog=_EPILOG,
    )
    p.add_argument(
        "trace", metavar="TRACE", nargs="+", help="CloudTrail file(s), .json or .json.gz"
    )
    p.add_argument(
        "--subnets",
        metavar="FILE",
        action="append",
        required=True,
        help="aws ec2 describe-subnets --output json (before the trace)",
    )
    p.add_argument(
        "--enis",
        metavar="FILE",
        action="append",
        required=True,
        help="aws ec2 describe-network-interfaces --output json (before the trace)",
    )
    p.add_argument(
        "--reservations",
        metavar="FILE",
        action="append",
        help="aws ec2 get-subnet-cidr-reservations --output json (optional)",
    )
    p.add_argument(
        "--subnet-id",
        metavar="ID",
        dest="subnet_ids",
        action="extend",
        nargs="+",
        help="replay only these subnets",
    )
    p.add_argument(
        "--policy",
        metavar="P",
        help=f"{AS_RECORDED} (default without --reserve: EC2's recorded addresses) or a "
        f"placement policy ({', '.join(policy_names())}; default with --reserve: random)",
    )
    p.add_argument(
        "--reserve",
        metavar="CIDR:KIND",
        type=_reserve,
        action="append",
        default=[],
        help="add a CIDR reservation (kind prefix or explicit) first",
    )
    p.add_argument(
        "--seed",
        metavar="N",
        type=_integer,
        default=0,
        help="seed of the random policy (default 0)",
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    p.add_argument("--color", choices=COLOR_MODES, default="auto", help=_COLOR_HELP)
    p.set_defaults(check_args=_check)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.policy == AS_RECORDED and args.reserve:
        parser.error(
            "--reserve needs a placement policy (--policy random, lowest, pack...): "
            f"{AS_RECORDED} puts every address where EC2 put it"
        )
    if args.policy is not None and args.policy != AS_RECORDED and args.policy not in policy_names():
        parser.error(
            f"unknown policy {args.policy!r}; expected {AS_RECORDED} or one of "
            + ", ".join(policy_names())
        )


def _one(paths: list[str] | None) -> str | list[str] | None:
    if paths is None:
        return None
    return paths[0] if len(paths) == 1 else list(paths)


def run_replay(args: argparse.Namespace, output: Output) -> int:
    """Run ``replay``; returns 0. Errors propagate (exit 3)."""
    subnets, enis = _one(args.subnets), _one(args.enis)
    assert subnets is not None and enis is not None
    result = replay_files(
        args.trace,
        subnets,
        enis,
        _one(args.reservations),
        policy=args.policy,
        reserve=args.reserve,
        subnet_ids=args.subnet_ids,
        seed=args.seed,
        warn=output.warn,
    )
    output.write_result(args.format, result.to_dict, lambda: render_replay(result, output.style))
    return EXIT_OK
