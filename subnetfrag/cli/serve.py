"""``subnetfrag serve``: the Prometheus exporter (:mod:`subnetfrag.exporter`).

Re-reads its input every ``--interval`` seconds (files are read again, so a
cron job that saves AWS CLI output can feed it; ``--aws`` calls AWS again),
serves ``/metrics`` and ``/healthz`` on ``--listen``, and with ``--textfile``
also writes the metrics for node_exporter's textfile collector. SIGTERM and
Ctrl-C stop it cleanly, exit status 0. ``--once`` refreshes once, writes the
textfile (or prints the metrics), and exits: 0, or 3 when the input could not
be read.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from ..aws import AwsState
from ..exporter import Exporter, MetricsServer, run
from .output import CommandError, Output
from .parser import EXIT_OK
from .sources import load_state

__all__ = ["run_serve"]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT set ``stop`` (a second one raises
    KeyboardInterrupt, for a refresh that hangs). Outside the main thread
    signals cannot be caught: nothing is installed there."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    old = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _loader(args: argparse.Namespace) -> Callable[[], AwsState]:
    def load() -> AwsState:
        return load_state(args)

    return load


def _log(output: Output) -> Callable[[str], None]:
    def log(line: str) -> None:
        output.err.write(line + "\n")
        output.err.flush()

    return log


def run_serve(args: argparse.Namespace, output: Output) -> int:
    """Run ``serve``; returns 0 once stopped by a signal (or after ``--once``).
    Raises :class:`CommandError` when it cannot listen or, with ``--once``,
    cannot write the textfile; the loader's errors with ``--once``."""
    log = _log(output)
    exporter = Exporter(_loader(args), log=log)
    if args.once:
        exporter.refresh(raise_errors=True)
        if args.textfile is None:
            output.write(exporter.exposition())
            return EXIT_OK
        try:
            exporter.write_textfile(args.textfile)
        except OSError as exc:
            raise CommandError(f"cannot write {args.textfile}: {exc.strerror or exc}") from None
        return EXIT_OK
    host, port = args.listen
    try:
        server = MetricsServer(exporter, host, port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    with _stop_on_signals(stop):
        server.start()
        log(f"subnetfrag: serving {server.url}/metrics, refreshing every {args.interval} s")
        try:
            run(exporter, interval=args.interval, stop=stop, textfile=args.textfile, log=log)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    log("subnetfrag: stopped")
    sys.stdout.flush()
    return EXIT_OK
