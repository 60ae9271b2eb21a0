"""The argument parser of ``subnetfrag``: every command, its options, and the
checks argparse cannot express (which input options go together).

Usage errors print one line on stderr (``subnetfrag analyze: error: ...``) and
exit with :data:`EXIT_USAGE`; ``--help`` on every command ends with examples.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import NoReturn

from ..exporter import DEFAULT_LISTEN, parse_listen
from ..maxpods import BOOTSTRAPS, DEFAULT_BOOTSTRAP
from ..render.terminal import COLOR_MODES

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_ERROR",
    "EXIT_INCOMPLETE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "FORMATS",
    "ArgumentParser",
    "UsageError",
    "build_parser",
    "check_source",
]

EXIT_OK = 0  #: success; ``check``: every subnet healthy
EXIT_CHECK_FAILED = 1  #: ``check``: at least one subnet fails a threshold
EXIT_USAGE = 2  #: a usage error (argparse's code)
EXIT_ERROR = 3  #: an error reading the input, from AWS, or in the library
EXIT_INCOMPLETE = 4  #: ``check``: a subnet's input is incomplete (its health is unknown)
EXIT_WARNINGS = 5  #: ``check --strict``: the input drew a warning
EXIT_INTERNAL = 70  #: an unexpected internal error: a bug (EX_SOFTWARE of sysexits.h)
EXIT_INTERRUPTED = 130  #: interrupted (Ctrl-C)

#: The ``--format`` values of ``analyze``.
FORMATS: tuple[str, ...] = ("text", "json", "prometheus", "openmetrics")


class UsageError(Exception):
    """Raised instead of exiting by :class:`ArgumentParser` errors; carries
    the one-line message (``prog: error: ...``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: :meth:`error` raises :class:`UsageError`
    (``main`` prints it and exits 2) instead of printing the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


_FORMATTER = argparse.RawDescriptionHelpFormatter
_COLOR_HELP = (
    "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or "
    "never (default: auto)"
)


def _wrap(text: str) -> str:
    """A description wrapped for the raw formatter (which keeps the epilog's
    line breaks and so would not wrap it)."""
    return textwrap.fill(text, 79)


def add_command(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
    aliases: tuple[str, ...] = (),
) -> ArgumentParser:
    """Add the command ``name`` to ``commands`` the way every ``subnetfrag``
    command is made: the one-line ``help`` in the command list, the
    ``description`` wrapped to 79 columns and the ``epilog`` (its examples)
    kept as written. Returns the command's parser. O(1)."""
    sub: ArgumentParser = commands.add_parser(
        name,
        aliases=list(aliases),
        help=help,
        description=_wrap(description),
        epilog=epilog,
        formatter_class=_FORMATTER,
    )
    return sub


def _integer(text: str) -> int:
    """An integer argument (a seed), refused in the words of the bounded ones."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _at_least(low: int, text: str) -> int:
    value = _integer(text)
    if value < low:
        raise argparse.ArgumentTypeError(f"must be {low} or more, not {value}")
    return value


def _positive(text: str) -> int:
    return _at_least(1, text)


def _non_negative(text: str) -> int:
    return _at_least(0, text)


def _between(low: int, high: int) -> Callable[[str], int]:
    """The argparse ``type`` for an integer from ``low`` to ``high``: a count
    with a ceiling (``bench-policies --seeds``) that refuses 10**30 as a usage
    error instead of letting it reach range() or a process pool. O(1)."""

    def parse(text: str) -> int:
        value = _at_least(low, text)
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, not {value:,}")
        return value

    return parse


def _score(text: str) -> int:
    value = _non_negative(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"a score is 0-100, not {value}")
    return value


def _listen(text: str) -> tuple[str, int]:
    try:
        return parse_listen(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _aws_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--region", metavar="R", help="AWS region (with --aws)")
    parser.add_argument("--profile", metavar="P", help="AWS CLI profile (with --aws)")


def _source_options(parser: argparse.ArgumentParser) -> None:
    """The input options shared by analyze, check and advise."""
    files = parser.add_argument_group(
        "input from saved AWS CLI output",
        _wrap(
            "each FILE is a path or '-' for standard input (one of them at most); "
            "repeat an option to read several files of the same call"
        ),
    )
    files.add_argument(
        "--subnets",
        metavar="FILE",
        action="append",
        help="aws ec2 describe-subnets --output json",
    )
    files.add_argument(
        "--enis",
        metavar="FILE",
        action="append",
        help="aws ec2 describe-network-interfaces --output json",
    )
    files.add_argument(
        "--reservations",
        metavar="FILE",
        action="append",
        help="aws ec2 get-subnet-cidr-reservations --output json (optional)",
    )
    live = parser.add_argument_group(
        "input from AWS (boto3, read-only calls: pip install 'subnetfrag[aws]')"
    )
    live.add_argument("--aws", action="store_true", help="read the subnets live from AWS")
    _aws_options(live)
    live.add_argument("--vpc-id", metavar="ID", help="every subnet of this VPC (with --aws)")
    live.add_argument(
        "--cluster",
        metavar="NAME",
        help="the subnets of this EKS cluster (with --aws): control plane, node groups, "
        "Fargate profiles, and subnets tagged for it",
    )
    parser.add_argument(
        "--example",
        action="store_true",
        help="the bundled example: a fragmented /20 of an EKS cluster in prefix mode",
    )
    parser.add_argument(
        "--subnet-id",
        metavar="ID",
        dest="subnet_ids",
        action="extend",
        nargs="+",
        help="analyse only these subnets (repeatable; required with --aws unless "
        "--vpc-id or --cluster is given)",
    )
    parser.add_argument("--color", choices=COLOR_MODES, default="auto", help=_COLOR_HELP)


def check_source(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check that the input options name exactly one source, complete: files
    (``--subnets`` and ``--enis``), ``--aws`` with one selector, or
    ``--example``. Calls ``parser.error`` otherwise."""
    files = args.subnets is not None or args.enis is not None or args.reservations is not None
    chosen = [
        name
        for name, given in (
            ("--subnets/--enis", files),
            ("--aws", args.aws),
            ("--example", args.example),
        )
        if given
    ]
    if not chosen:
        parser.error("give the input: --subnets FILE --enis FILE, --aws, or --example")
    if len(chosen) > 1:
        parser.error(f"give one input, not {' and '.join(chosen)}")
    if not args.aws:
        for option, value in (
            ("--region", args.region),
            ("--profile", args.profile),
            ("--vpc-id", args.vpc_id),
            ("--cluster", args.cluster),
        ):
            if value is not None:
                parser.error(f"{option} needs --aws")
    if files:
        given = (
            "--subnets" if args.subnets is not None else "--enis" if args.enis else "--reservations"
        )
        if args.subnets is None:
            parser.error(f"{given} needs --subnets FILE (describe-subnets output)")
        if args.enis is None:
            parser.error(f"{given} needs --enis FILE (describe-network-interfaces output)")
        stdin = [f for f in (*args.subnets, *args.enis, *(args.reservations or [])) if f == "-"]
        if len(stdin) > 1:
            parser.error("only one input file can be '-' (standard input)")
    if args.aws:
        selectors = [
            name
            for name, given in (
                ("--subnet-id", args.subnet_ids is not None),
                ("--vpc-id", args.vpc_id is not None),
                ("--cluster", args.cluster is not None),
            )
            if given
        ]
        if not selectors:
            parser.error("--aws needs --subnet-id ID, --vpc-id ID or --cluster NAME")
        if len(selectors) > 1:
            parser.error(
                f"give one of --subnet-id, --vpc-id or --cluster, not {' and '.join(selectors)}"
            )


_ANALYZE_EPILOG = """\
examples:
  subnetfrag analyze --example --map
  subnetfrag analyze --subnets subnets.json --enis enis.json --reservations reservations.json
  subnetfrag analyze --aws --region us-east-1 --cluster prod --format json
  subnetfrag analyze --example --format prometheus > /var/lib/node_exporter/subnetfrag.prom
  subnetfrag analyze --example --svg blocks.svg

Save the inputs with:
  aws ec2 describe-subnets --subnet-ids subnet-0abc --output json > subnets.json
  aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=subnet-0abc \\
      --include-managed-resources --output json > enis.json
  aws ec2 get-subnet-cidr-reservations --subnet-id subnet-0abc --output json > reservations.json
"""

_CHECK_EPILOG = """\
examples:
  subnetfrag check --example --min-free-prefixes 8
  subnetfrag check --aws --cluster prod --min-free-prefixes 16 --max-score 75 || page-oncall

exit status: 0 every subnet healthy; 1 a subnet fails a threshold (one line each on
stdout); 2 usage error; 3 the input or AWS could not be read (or the output written);
4 a subnet's input is incomplete, so its health is unknown (an INCOMPLETE line; see
--allow-incomplete); 5 --strict and the input drew a warning; 70 an internal error
(a bug). When several apply, the first of 1, 4, 5 wins.
"""

_ADVISE_EPILOG = """\
examples:
  subnetfrag advise --example
  subnetfrag advise --example --want 16 --prefixes 8 --keep-primaries
  subnetfrag advise --example --relocate --format json
  subnetfrag advise --subnets subnets.json --enis enis.json --reservations reservations.json
"""

_SERVE_EPILOG = """\
examples:
  subnetfrag serve --aws --region us-east-1 --cluster prod --listen 0.0.0.0:9808
  subnetfrag serve --subnets subnets.json --enis enis.json --interval 300
  subnetfrag serve --example --textfile /var/lib/node_exporter/textfile/subnetfrag.prom --once

Every metric is listed in docs/cli.md; a Grafana dashboard and alert rules are
in contrib/.
"""

_MAX_PODS_EPILOG = """\
examples:
  subnetfrag max-pods m5.large
  subnetfrag max-pods m5.large --prefix-delegation
  subnetfrag max-pods m5.large --prefix-delegation --bootstrap al2
  subnetfrag max-pods c5.4xlarge --custom-networking --bootstrap al2 --format json
  subnetfrag max-pods m7i.large --aws --region eu-west-1
"""

_MAIN_EPILOG = """\
examples:
  subnetfrag analyze --example --map
  subnetfrag check --example --min-free-prefixes 8
  subnetfrag advise --example
  subnetfrag max-pods m5.large --prefix-delegation
  subnetfrag simulate steady-churn --policy pack
  subnetfrag serve --aws --region us-east-1 --cluster prod

Run 'subnetfrag COMMAND --help' for a command's options. Exit status: 0 success,
1 'check' found an unhealthy subnet, 2 usage error, 3 input, AWS or library error,
4 'check' found a subnet whose input is incomplete, 5 'check --strict' saw a warning,
70 internal error (a bug; --debug prints the traceback), 130 interrupted (Ctrl-C),
141 the output was closed early ('| head').
"""


def build_parser(version: str) -> ArgumentParser:
    """The ``subnetfrag`` parser with its commands (``analyse`` is an alias
    of ``analyze``). O(1)."""
    parser = ArgumentParser(
        prog="subnetfrag",
        description=_wrap(
            "IP fragmentation in AWS VPC subnets with EKS prefix delegation: "
            "can a /28 prefix still fit, how fragmented is the subnet, what would fix it."
        ),
        epilog=_MAIN_EPILOG,
        formatter_class=_FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"subnetfrag {version}")
    _debug_option(parser, False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    analyze = add_command(
        commands,
        "analyze",
        aliases=("analyse",),
        help="report fragmentation per subnet (text, JSON, Prometheus; block map, SVG); "
        "'analyse' is the same command",
        description=(
            "Report, per subnet, free addresses and free /28 prefixes, the AWS "
            "fragmentation score and band, stranded addresses, the kernel indices, the "
            "largest free block, and who holds the addresses."
        ),
        epilog=_ANALYZE_EPILOG,
    )
    _source_options(analyze)
    analyze.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json (one object per subnet, schema in docs/cli.md), "
        "prometheus (text exposition format: node_exporter textfile collector) or "
        "openmetrics (OpenMetrics text, ending with # EOF)",
    )
    analyze.add_argument(
        "--map", action="store_true", help="draw the /28 block map (text format only)"
    )
    analyze.add_argument(
        "--svg", metavar="FILE", help="also write the block map as a standalone SVG to FILE"
    )

    check = add_command(
        commands,
        "check",
        help="exit 1 when a subnet has too few free /28 prefixes (cron, CI, alerts)",
        description=(
            "Check every subnet against thresholds; print one line per failing "
            "subnet and exit 1 if any fails, exit 0 silently when all are healthy."
        ),
        epilog=_CHECK_EPILOG,
    )
    _source_options(check)
    check.add_argument(
        "--min-free-prefixes",
        metavar="N",
        type=_non_negative,
        required=True,
        help="fail a subnet with fewer than N free /28 prefixes",
    )
    check.add_argument(
        "--max-score",
        metavar="S",
        type=_score,
        help="also fail a subnet whose AWS fragmentation score is above S (0-100)",
    )
    check.add_argument(
        "-v", "--verbose", action="store_true", help="print a line for healthy subnets too"
    )
    check.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="check a subnet whose input is incomplete against the thresholds anyway, "
        "instead of failing it with exit status 4",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit status 5) when the input draws any warning",
    )
    check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default: one line per failing subnet) or json (every subnet with its "
        "status, schema in docs/cli.md); the exit status is the same",
    )

    advise = add_command(
        commands,
        "advise",
        help="what to do, per owner (drain nodes, move Lambda, endpoints...; delete leaked "
        "ENIs), with the commands; a prefix reservation",
        description=(
            "Say what would fix each subnet: the leaked ENIs to delete; unless it already "
            "has --want free /28s, the fewest address moves that recover the missing ones, "
            "grouped by owner, each with the action and the command that frees its "
            "addresses; and where a prefix CIDR reservation should go, with the AWS CLI "
            "command and the Terraform block that create it."
        ),
        epilog=_ADVISE_EPILOG,
    )
    _source_options(advise)
    advise.add_argument(
        "--want",
        metavar="K",
        type=_positive,
        help="free /28 prefixes each subnet should have; the plan recovers the missing "
        "ones (default: 8)",
    )
    advise.add_argument(
        "--prefixes",
        metavar="N",
        type=_positive,
        help="free /28 blocks the suggested reservation should hold (default: as --want)",
    )
    advise.add_argument(
        "--keep-primaries",
        action="store_true",
        help="never move an ENI's primary address (it leaves only with its ENI)",
    )
    advise.add_argument(
        "--relocate",
        action="store_true",
        help="re-place each moved address in a block that stays spoiled, instead of releasing it",
    )
    advise.add_argument(
        "--within",
        metavar="CIDR",
        help="recover blocks inside this CIDR only (a /28 or larger in the subnet)",
    )
    advise.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )

    mp = add_command(
        commands,
        "max-pods",
        help="the max pods a bootstrapper (nodeadm, the AL2 calculator, Karpenter) "
        "gives an instance type, with the rule and the arithmetic",
        description=(
            "The kubelet's max pods for an instance type under the VPC CNI, as a node "
            "bootstrapper sets it (--bootstrap: nodeadm by default, the AL2 calculator, or "
            "Karpenter), with the rule that applied and the arithmetic. Instance limits "
            "come from the bundled table, or live from DescribeInstanceTypes with --aws."
        ),
        epilog=_MAX_PODS_EPILOG,
    )
    mp.add_argument("instance_type", metavar="INSTANCE_TYPE", help="e.g. m5.large")
    mp.add_argument(
        "--prefix-delegation",
        action="store_true",
        help="prefix mode (ENABLE_PREFIX_DELEGATION=true): each slot holds a /28",
    )
    mp.add_argument(
        "--custom-networking",
        action="store_true",
        help="custom networking: the primary ENI carries no pod",
    )
    mp.add_argument(
        "--max-eni", metavar="N", type=_positive, help="count at most N ENIs (the CNI's MAX_ENI)"
    )
    mp.add_argument(
        "--no-cap",
        action="store_true",
        help="al2: the uncapped value (the calculator's --show-max-allowed): no 110/250 ceiling",
    )
    mp.add_argument(
        "--bootstrap",
        choices=BOOTSTRAPS,
        default=DEFAULT_BOOTSTRAP,
        help="whose rule: al2023 (nodeadm, the default), al2 (the AL2 calculator, EKS's "
        "recommended value) or karpenter",
    )
    mp.add_argument(
        "--reserved-enis",
        metavar="N",
        type=_non_negative,
        default=0,
        help="karpenter: ENIs kept out of max pods (Karpenter's RESERVED_ENIS)",
    )
    mp.add_argument(
        "--max-pods-expression",
        metavar="CEL",
        help="al2023: nodeadm's maxPodsExpression over default_enis, ips_per_eni and max_pods "
        "(needs the 'cel' extra)",
    )
    mp.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    mp.add_argument(
        "--aws",
        action="store_true",
        help="read the instance limits live from ec2:DescribeInstanceTypes",
    )
    _aws_options(mp)
    mp.add_argument("--color", choices=COLOR_MODES, default="auto", help=_COLOR_HELP)
    serve = add_command(
        commands,
        "serve",
        help="Prometheus exporter: serve /metrics, re-reading the input every interval",
        description=(
            "Serve every subnet's metrics over HTTP for Prometheus (/metrics, and /healthz), "
            "re-reading the input every interval: files are read again, --aws calls AWS "
            "again. A failed refresh keeps the last good values and sets "
            "subnetfrag_last_refresh_success to 0. SIGTERM or Ctrl-C stops it (exit 0)."
        ),
        epilog=_SERVE_EPILOG,
    )
    _source_options(serve)
    serve.add_argument(
        "--listen",
        metavar="HOST:PORT",
        type=_listen,
        default=DEFAULT_LISTEN,
        help=f"where to serve (default: {DEFAULT_LISTEN}; [::1]:PORT for IPv6; "
        "port 0 picks a free one, logged at start)",
    )
    serve.add_argument(
        "--interval",
        metavar="SECONDS",
        type=_positive,
        default=60,
        help="seconds between refreshes (default: 60)",
    )
    serve.add_argument(
        "--textfile",
        metavar="PATH",
        help="also write the metrics to PATH after every refresh, atomically, for "
        "node_exporter's textfile collector (PATH should end in .prom)",
    )
    serve.add_argument(
        "--once",
        action="store_true",
        help="refresh once, write --textfile (or print the metrics) and exit; no HTTP server",
    )
    room = serve.add_argument_group(
        "headroom gauges (subnetfrag_headroom_*: how many more nodes fit, as 'subnetfrag "
        "headroom' computes it, at every refresh)"
    )
    room.add_argument(
        "--headroom-instance-type",
        metavar="T",
        action="append",
        help="add the headroom gauges for nodes of this instance type (repeatable)",
    )
    room.add_argument(
        "--headroom-pods-per-node",
        metavar="N",
        type=_non_negative,
        help="pods on each new node (default: as many as the node admits, max pods - 2)",
    )
    room.add_argument(
        "--headroom-runs",
        metavar="N",
        type=_positive,
        default=100,
        help="random placements per refresh (default: 100; seed 0, so an unchanged "
        "subnet gives unchanged gauges)",
    )
    from .cni_options import add_cni_options

    add_cni_options(room)
    _add_plan(commands)
    _add_simulate_command(commands)
    _add_sweep_commands(commands)
    # An alias shares its command's parser: each parser once, named by its command.
    names = {id(sub): name for name, sub in reversed(commands.choices.items())}
    for sub in {id(sub): sub for sub in commands.choices.values()}.values():
        sub.set_defaults(command_parser=sub, command=names[id(sub)])
        _debug_option(sub, argparse.SUPPRESS)  # also after the command, without resetting it
    return parser


def _add_simulate_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``simulate`` and ``headroom``: their modules define their options
    (imported here, not at the top, because they import this module)."""
    from .headroom import add_headroom_parser
    from .simulate import add_simulate_parser

    add_simulate_parser(commands)
    add_headroom_parser(commands)


def _debug_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="on an internal error (exit status 70), print the traceback",
    )


def _add_sweep_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``replay`` and ``bench-policies``: their modules define their options
    (imported here, not at the top, because they import this module)."""
    from .bench_policies import add_bench_parser
    from .replay import add_replay_parser

    add_replay_parser(commands)
    add_bench_parser(commands)


_PLAN_EPILOG = """\
examples:
  subnetfrag plan --instance-type m5.large --nodes 50 --pods-per-node 30 --prefix-delegation
  subnetfrag plan --instance-type m5.large --nodes 50 --pods-per-node 30 --prefix-delegation \\
      --custom-networking --headroom 0.25 --format json
  subnetfrag plan --instance-type c5.4xlarge --nodes 10 --pods-per-node 40 --warm-ip-target 5
"""


def _headroom(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _add_plan(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``plan`` command's parser. O(1)."""
    plan = add_command(
        commands,
        "plan",
        help="the addresses and /28s a cluster holds, and the smallest subnets for it",
        description=(
            "What --nodes nodes of one instance type, each running --pods-per-node pods, "
            "hold at steady state under the VPC CNI (its ipamd rules, the node's max pods), "
            "the smallest subnets that fit it, and the secondary CIDR to associate when the "
            "VPC has no room. --format json prints the plan's to_dict()."
        ),
        epilog=_PLAN_EPILOG,
    )
    plan.add_argument("--instance-type", required=True, metavar="TYPE", help="e.g. m5.large")
    plan.add_argument("--nodes", required=True, type=_positive, metavar="N", help="node count")
    plan.add_argument(
        "--pods-per-node", required=True, type=_non_negative, metavar="N",
        help="pods per node that need a VPC address",
    )  # fmt: skip
    from .cni_options import add_cni_options

    add_cni_options(plan, planning=True)
    plan.add_argument(
        "--headroom", type=_headroom, default=0.0, metavar="F",
        help="size the subnets for this much more (0.25 = 25%%; default 0)",
    )  # fmt: skip
    plan.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    plan.add_argument("--color", choices=COLOR_MODES, default="auto", help=_COLOR_HELP)
