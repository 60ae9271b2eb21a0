"""``main``: parse, check, run one command, and turn every failure into one
line on stderr and an exit status (never a traceback).

Exit status: 0 success (``check``: every subnet healthy); 1 ``check`` found a
failing subnet; 2 usage error; 3 an error reading the input, talking to AWS,
or raised by the library (``subnetfrag: error: ...``); 130 interrupted;
141 the output pipe was closed (``| head``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import SubnetFragError
from .advise import run_advise
from .analyze import run_analyze
from .bench_policies import run_bench_policies
from .check import run_check
from .headroom import run_headroom
from .max_pods import run_max_pods
from .output import CommandError, Output
from .parser import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UsageError,
    build_parser,
    check_source,
)
from .plan import run_plan
from .replay import run_replay
from .simulate import run_simulate

__all__ = ["EXIT_BROKEN_PIPE", "main"]

EXIT_BROKEN_PIPE = 141  #: the reader of stdout went away (128 + SIGPIPE)

_COMMANDS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
    "analyze": run_analyze,
    "check": run_check,
    "advise": run_advise,
    "max-pods": run_max_pods,
    "simulate": run_simulate,
    "replay": run_replay,
    "bench-policies": run_bench_policies,
    "headroom": run_headroom,
    "plan": run_plan,
}


def _check_args(args: argparse.Namespace) -> None:
    """The checks argparse cannot express; ``parser.error`` on failure."""
    parser: argparse.ArgumentParser = args.command_parser
    if args.command == "simulate":
        return  # run_simulate checks its own options
    own_check = getattr(args, "check_args", None)
    if own_check is not None:  # a command that checks its own options
        own_check(parser, args)
        return
    if args.command == "plan":
        return
    if args.command == "max-pods":
        for option, value in (("--region", args.region), ("--profile", args.profile)):
            if value is not None and not args.aws:
                parser.error(f"{option} needs --aws")
        return
    check_source(parser, args)
    if args.command == "analyze" and args.map and args.format != "text":
        parser.error(f"--map draws the text block map: it needs --format text, not {args.format}")


def _one_line(message: object) -> str:
    return " ".join(str(message).split("\n")).strip()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``subnetfrag`` with ``argv`` (default: ``sys.argv[1:]``) and return
    the exit status. Writes to the current ``sys.stdout`` and ``sys.stderr``."""
    parser = build_parser(__version__)
    try:
        args = parser.parse_args(argv)
        _check_args(args)
        output = Output.for_streams(args.color)
        status = _COMMANDS[args.command](args, output)
        sys.stdout.flush()
        return status
    except SystemExit as exc:  # --help and --version: argparse printed, and exits
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        sys.stderr.write(_one_line(exc.message) + "\n")
        return EXIT_USAGE
    except (SubnetFragError, CommandError) as exc:
        sys.stderr.write(f"subnetfrag: error: {_one_line(exc)}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("subnetfrag: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
            pass
        return EXIT_BROKEN_PIPE
