"""``subnetfrag serve``: the Prometheus exporter (:mod:`subnetfrag.exporter`).

Re-reads its input every ``--interval`` seconds (files are read again, so a
cron job that saves AWS CLI output can feed it; ``--aws`` calls AWS again),
serves ``/metrics`` and ``/healthz`` on ``--listen``, and with ``--textfile``
also writes the metrics for node_exporter's textfile collector. SIGTERM and
Ctrl-C stop it cleanly, exit status 0. ``--once`` refreshes once, writes the
textfile (or prints the metrics), and exits: 0, or 3 when the input could not
be read. ``--headroom-instance-type T`` adds the headroom gauges
(:func:`subnetfrag.sim.headroom.headroom`, seed 0) of nodes of type ``T``.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from prometheus_client.core import Metric

from ..aws import AwsState
from ..exporter import Exporter, MetricsServer, run
from ..instances import lookup
from ..render.prometheus import headroom_families
from ..render.terminal import printable
from ..sim.headroom import headroom, pods_on_each_node
from .cni_options import cni_settings
from .instance_type import known_instance_type
from .output import CommandError, Output
from .parser import EXIT_OK
from .sources import load_state

__all__ = ["run_serve"]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Signals:
    """SIGTERM and SIGINT as a flag the main thread polls.

    The handler only sets a plain attribute: it takes no lock (a handler that
    set a ``threading.Event`` could deadlock on the lock its own thread holds).
    The main thread polls the flag every :data:`_POLL` seconds, because the
    kernel may deliver the signal to another thread (the HTTP server's), and
    then a main thread blocked in a long wait would never run the handler. A
    second signal raises KeyboardInterrupt, for a refresh that hangs. Outside
    the main thread signals cannot be caught: nothing is installed there."""

    def __init__(self) -> None:
        self.received = False
        self._old: dict[int, Any] = {}

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.received:
            raise KeyboardInterrupt
        self.received = True

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            self._old = {sig: signal.signal(sig, self._handler) for sig in _STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._old.items():
            signal.signal(sig, previous)


_POLL = 0.2  #: seconds between two looks at the signal flag


def _loader(args: argparse.Namespace) -> Callable[[], AwsState]:
    def load() -> AwsState:
        return load_state(args)

    return load


def _headroom(args: argparse.Namespace) -> Callable[[AwsState], list[Metric]] | None:
    """The headroom gauges of every ``--headroom-instance-type`` (None when
    there is none). Checks the arguments at once, before serving (else every
    refresh would fail on them): raises
    :class:`~subnetfrag.cli.output.CommandError` for an instance type not in
    the bundled table and
    :class:`~subnetfrag.sim.headroom.InvalidHeadroomArgument` for more
    ``--headroom-pods-per-node`` than such a node admits."""
    kinds = list(dict.fromkeys(args.headroom_instance_type or ()))
    if not kinds:
        return None
    with known_instance_type():
        limits = [lookup(kind) for kind in kinds]
    settings = cni_settings(args)
    for kind in limits:
        pods_on_each_node(kind, settings=settings, pods_per_node=args.headroom_pods_per_node)

    def extra(state: AwsState) -> list[Metric]:
        subnets = [s.subnet for s in state]
        if not subnets:
            return []
        return headroom_families(
            headroom(
                subnets,
                instance_type=kind,
                settings=settings,
                pods_per_node=args.headroom_pods_per_node,
                runs=args.headroom_runs,
            )
            for kind in limits
        )

    return extra


def _log(output: Output) -> Callable[[str], None]:
    def log(line: str) -> None:
        output.err.write(printable(line) + "\n")  # messages may quote the input
        output.err.flush()

    return log


def run_serve(args: argparse.Namespace, output: Output) -> int:
    """Run ``serve``; returns 0 once stopped by a signal (or after ``--once``).
    Raises :class:`CommandError` when it cannot listen or, with ``--once``,
    cannot write the textfile; the loader's errors with ``--once``."""
    log = _log(output)
    exporter = Exporter(_loader(args), extra=_headroom(args), log=log)
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
    worker = threading.Thread(
        target=run,
        args=(exporter,),
        kwargs={"interval": args.interval, "stop": stop, "textfile": args.textfile, "log": log},
        name="subnetfrag-refresh",
        daemon=True,  # a refresh stuck in a network call does not hold up the exit
    )
    with _Signals() as signals:
        server.start()
        log(f"subnetfrag: serving {server.url}/metrics, refreshing every {args.interval} s")
        worker.start()
        try:
            while not signals.received and worker.is_alive():
                time.sleep(_POLL)
            stop.set()
            while worker.is_alive():  # the refresh under way finishes first
                worker.join(_POLL)
        except KeyboardInterrupt:  # a second signal: leave the refresh behind
            pass
        finally:
            server.stop()
    log("subnetfrag: stopped")
    return EXIT_OK
