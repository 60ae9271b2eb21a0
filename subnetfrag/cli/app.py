"""``main``: parse, check, run one command, and turn every failure into one
line on stderr and an exit status (never a traceback, unless ``--debug``).

Exit status (docs/cli.md, "Exit status"):

- 0 success (``check``: every subnet healthy);
- 1 ``check``: a subnet fails a threshold, and nothing else;
- 2 usage error;
- 3 an error reading the input, writing the output (a full disk), talking
  to AWS, or raised by the library (``subnetfrag: error: ...``), hostile input
  included (JSON nested thousands deep, a number of thousands of digits);
- 4 ``check``: a subnet's input is incomplete, so its health is unknown (the
  ENIs read show clearly fewer in-use addresses than EC2 counts; see
  :data:`subnetfrag.aws.INCOMPLETE_MIN_MISSING`), unless ``--allow-incomplete``;
- 5 ``check --strict``: the input drew a warning;
- 70 an unexpected internal error, a bug (``subnetfrag: internal error: ...``;
  the traceback with ``--debug``), EX_SOFTWARE of sysexits.h;
- 130 interrupted; 141 the output pipe was closed (``| head``).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import SubnetFragError
from ..render.terminal import printable
from .advise import run_advise
from .analyze import run_analyze
from .bench_policies import run_bench_policies
from .check import run_check
from .headroom import run_headroom
from .max_pods import run_max_pods
from .output import CommandError, Output, OutputError
from .parser import (
    EXIT_ERROR,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UsageError,
    build_parser,
    check_source,
)
from .plan import run_plan
from .replay import run_replay
from .serve import run_serve
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
    "serve": run_serve,
}


def _check_args(args: argparse.Namespace) -> None:
    """The checks argparse cannot express; ``parser.error`` on failure."""
    parser: argparse.ArgumentParser = args.command_parser
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
        for option, given, rule in (
            ("--max-pods-expression", args.max_pods_expression is not None, "al2023"),
            ("--no-cap", args.no_cap, "al2"),
            ("--reserved-enis", args.reserved_enis != 0, "karpenter"),
        ):
            if given and args.bootstrap != rule:
                parser.error(f"{option} belongs to the {rule} rule: it needs --bootstrap {rule}")
        return
    check_source(parser, args)
    if args.command == "analyze" and args.map and args.format != "text":
        parser.error(f"--map draws the text block map: it needs --format text, not {args.format}")


def _one_line(message: object) -> str:
    """A message as one line for stderr: line breaks become spaces, other
    control characters (from the input it quotes) visible escapes."""
    return printable(" ".join(str(message).split("\n")).strip())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``subnetfrag`` with ``argv`` (default: ``sys.argv[1:]``) and return
    the exit status (see the module doc). Writes to the current ``sys.stdout``
    and ``sys.stderr``; raises nothing but :class:`SystemExit` from argparse
    internals that return no status."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(__version__)
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(words)
        _check_args(args)
        output = Output.for_streams(args.color)
        status = _COMMANDS[args.command](args, output)
        output.flush()
        return status
    except SystemExit as exc:  # --help and --version: argparse printed, and exits
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        sys.stderr.write(_one_line(exc.message) + "\n")
        return EXIT_USAGE
    except (SubnetFragError, CommandError) as exc:
        sys.stderr.write(f"subnetfrag: error: {_one_line(exc)}\n")
        if isinstance(exc, OutputError):
            _silence_stdout()  # what stays buffered would fail again at exit
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("subnetfrag: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # Python would complain again when it flushes stdout at exit
        return EXIT_BROKEN_PIPE
    except MemoryError:
        sys.stderr.write("subnetfrag: error: out of memory\n")
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line, the traceback on request
        debug = getattr(args, "debug", False) if args is not None else "--debug" in words
        return _internal_error(exc, bool(debug))


def _silence_stdout() -> None:
    """Point stdout's descriptor at the null device, so that the flush of
    what is still buffered at exit neither fails nor prints. O(1)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
        pass


def _internal_error(exc: Exception, debug: bool) -> int:
    """Report an unexpected exception: the traceback with ``--debug``, then
    one line; returns :data:`EXIT_INTERNAL`."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    else:
        sys.stderr.write(
            f"subnetfrag: internal error: {type(exc).__name__}: {_one_line(exc)} (a bug in "
            "subnetfrag: please report it with the output of the same command run with "
            "--debug)\n"
        )
    return EXIT_INTERNAL
