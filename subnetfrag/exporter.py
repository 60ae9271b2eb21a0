"""The Prometheus exporter behind ``subnetfrag serve``: re-read the subnets
every interval and serve their metrics over HTTP, or write them for
node_exporter's textfile collector.

A top-layer component (beside :mod:`subnetfrag.cli` and
:mod:`subnetfrag.render`): it imports the renderer, never the other way round.

- :class:`Exporter` holds the last good metrics. :meth:`Exporter.refresh` calls
  the loader it was given (files re-read, or live AWS), builds every family
  with :func:`~subnetfrag.render.prometheus.subnet_families` (the one code path
  that ``analyze --format prometheus`` uses too) and publishes them. A failed
  refresh keeps the last good values, sets ``subnetfrag_last_refresh_success``
  to 0 and logs one line.
- :func:`make_app` is the WSGI application: ``/metrics`` is served by
  ``prometheus_client`` (content negotiation, OpenMetrics, gzip), ``/healthz``
  says whether there is anything to serve.
- :class:`MetricsServer` runs it on a threaded ``wsgiref`` server.
- :func:`run` is the loop: refresh, write the textfile, wait, until stopped.

Threads. A :class:`~subnetfrag.subnet.Subnet` is a plain data structure, not
safe to share (docs/concepts.md). No subnet is shared here: the refreshing
thread builds a new state, computes every family from it while no other thread
can see it, and publishes only the finished families (plain values) under
:attr:`Exporter.lock`; scrapes read the published values under the same lock,
so one scrape never mixes two refreshes. Refreshes are serialised by a second
lock, so calling :meth:`Exporter.refresh` from several threads is safe too.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.exposition import make_wsgi_app, write_to_textfile

from .aws import AwsState
from .render.prometheus import PREFIX, MetricSpec, render_families, subnet_families

__all__ = [
    "DEFAULT_LISTEN",
    "EXPORTER_METRICS",
    "Exporter",
    "MetricsServer",
    "make_app",
    "parse_listen",
    "run",
]

#: Where ``subnetfrag serve`` listens unless told otherwise (loopback only:
#: exposing it is a choice, not a default).
DEFAULT_LISTEN = "127.0.0.1:9808"

#: The exporter's own families, beside the subnets' (docs/cli.md).
EXPORTER_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        PREFIX + "last_refresh_success",
        "gauge",
        "1 when the last refresh read every input, 0 when it failed (the subnet "
        "metrics then keep the values of the last good refresh).",
        per_subnet=False,
    ),
    MetricSpec(
        PREFIX + "last_refresh_timestamp_seconds",
        "gauge",
        "Unix time of the last successful refresh: how old the subnet metrics are.",
        per_subnet=False,
    ),
    MetricSpec(
        PREFIX + "refresh_duration_seconds",
        "gauge",
        "How long the last refresh took, successful or not.",
        per_subnet=False,
    ),
    MetricSpec(
        PREFIX + "refresh_failures_total",
        "counter",
        "Refreshes that failed since the exporter started.",
        per_subnet=False,
    ),
)
_SPEC = {s.name: s for s in EXPORTER_METRICS}

#: ``load()`` returns the subnets to export; it may raise anything on failure.
Loader = Callable[[], AwsState]
#: ``extra(state)`` returns more families computed from a freshly loaded state.
Extra = Callable[[AwsState], Sequence[Metric]]


def _stderr_line(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@dataclass(frozen=True, slots=True)
class _Published:
    """What one refresh leaves for scrapes: never mutated once published."""

    families: tuple[Metric, ...] = ()
    subnets: int = 0
    success: bool = False
    last_success: float | None = None
    duration: float = 0.0
    failures: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


class Exporter:
    """The last good metrics of the subnets ``load()`` returns, and a
    ``prometheus_client`` collector of them (:meth:`collect`).

    ``extra(state)``, when given, adds families computed from each new state
    (in the refreshing thread, before publication). ``log`` receives one line
    per failed refresh, and the input's warnings when they change (default:
    standard error); ``clock`` gives the Unix time.
    """

    def __init__(
        self,
        load: Loader,
        *,
        extra: Extra | None = None,
        log: Callable[[str], None] = _stderr_line,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._load = load
        self._extra = extra
        self._log = log
        self._clock = clock
        self.lock = threading.Lock()  #: guards what scrapes read
        self._refreshing = threading.Lock()
        self._published = _Published()

    def refresh(self, *, raise_errors: bool = False) -> bool:
        """Load the subnets and publish their metrics; returns whether it
        worked. A failed load (any ``Exception``) keeps the last good families,
        is counted and shows as ``subnetfrag_last_refresh_success 0``; then
        the error is re-raised with ``raise_errors``, else logged in one line.
        Cost: the loader's plus one report per subnet."""
        with self._refreshing:
            start = time.monotonic()
            try:
                state = self._load()
                families = list(subnet_families(state))
                if self._extra is not None:
                    families += self._extra(state)
                warnings = tuple(str(w) for w in state.all_warnings())
            except Exception as exc:
                duration = time.monotonic() - start
                with self.lock:  # the last good values stay; only the outcome changes
                    old = self._published
                    self._published = replace(
                        old,
                        success=False,
                        duration=duration,
                        failures=old.failures + 1,
                        error=_one_line(exc),
                    )
                if raise_errors:
                    raise
                self._log(
                    "subnetfrag: warning: refresh failed, keeping the last good values: "
                    + _one_line(exc)
                )
                return False
            now = self._clock()
            duration = time.monotonic() - start
            with self.lock:
                old = self._published
                self._published = _Published(
                    families=tuple(families),
                    subnets=len(state),
                    success=True,
                    last_success=now,
                    duration=duration,
                    failures=old.failures,
                    error=None,
                    warnings=warnings,
                )
            if warnings != old.warnings:
                for w in warnings:
                    self._log(f"subnetfrag: warning: {' '.join(w.split())}")
            return True

    def _snapshot(self) -> _Published:
        with self.lock:
            return self._published

    def collect(self) -> Iterator[Metric]:
        """The families of one consistent snapshot: every subnet family of
        the last good refresh, then the exporter's own (:data:`EXPORTER_METRICS`).
        O(families)."""
        snap = self._snapshot()
        yield from snap.families
        yield from self._own(snap)

    @staticmethod
    def _own(snap: _Published) -> Iterable[Metric]:
        def gauge(name: str, value: float) -> GaugeMetricFamily:
            fam = GaugeMetricFamily(name, _SPEC[name].help)
            fam.add_metric([], value)
            return fam

        yield gauge(PREFIX + "last_refresh_success", int(snap.success))
        if snap.last_success is not None:
            yield gauge(PREFIX + "last_refresh_timestamp_seconds", snap.last_success)
        yield gauge(PREFIX + "refresh_duration_seconds", snap.duration)
        name = PREFIX + "refresh_failures_total"
        failures = CounterMetricFamily(name.removesuffix("_total"), _SPEC[name].help)
        failures.add_metric([], snap.failures)
        yield failures

    def exposition(self, fmt: str = "prometheus") -> str:
        """Everything :meth:`collect` yields, in an exposition format
        (``prometheus`` or ``openmetrics``). O(samples)."""
        return render_families(list(self.collect()), fmt)

    def write_textfile(self, path: str) -> None:
        """Write the metrics for node_exporter's textfile collector, atomically
        (``prometheus_client.write_to_textfile``: a temporary file beside
        ``path``, then a rename, so the collector never reads half a file).
        Raises :class:`OSError` when the file cannot be written. O(samples)."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        write_to_textfile(path, registry)

    def health(self) -> tuple[bool, str]:
        """``(ready, one line)``: ready once a refresh has succeeded (the
        metrics may be stale: the line says when the last refresh failed).
        O(1)."""
        snap = self._snapshot()
        if snap.last_success is None:
            why = snap.error or "no refresh yet"
            return False, f"not ready: no successful refresh ({why})"
        subnets = f"{snap.subnets} subnet{'' if snap.subnets == 1 else 's'}"
        if not snap.success:
            return True, f"stale: {subnets}, last refresh failed ({snap.error})"
        return True, f"ok: {subnets}"


def make_app(exporter: Exporter) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: ``/metrics`` (prometheus_client's, which also
    answers ``Accept: application/openmetrics-text`` in OpenMetrics),
    ``/healthz`` (200 ``ok``/``stale`` once a refresh succeeded, 503 before),
    ``/`` (a line naming both), 404 elsewhere."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exporter)
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/metrics":
            result: Iterable[bytes] = metrics(environ, start_response)
            return result
        if path == "/healthz":
            ready, line = exporter.health()
            status = "200 OK" if ready else "503 Service Unavailable"
        elif path == "/":
            status, line = "200 OK", "subnetfrag exporter: /metrics, /healthz"
        else:
            status, line = "404 Not Found", f"not found: {path}"
        body = (line + "\n").encode("utf-8")
        start_response(
            status,
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9808`` for IPv6; port 0 picks a free one) as
    ``(host, port)``. Raises :class:`ValueError` with the reason. O(len)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"expected HOST:PORT, e.g. {DEFAULT_LISTEN}, not {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"write an IPv6 address in brackets, e.g. [::1]:9808, not {text!r}")
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"the port must be 0-65535, not {port_text!r}")
    return host, int(port_text)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (Prometheus scrapes every few seconds)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow client never holds up the exit


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """:func:`make_app` on a threaded HTTP server, in a daemon thread.
    Raises :class:`OSError` when it cannot bind."""

    def __init__(self, exporter: Exporter, host: str, port: int) -> None:
        ipv6 = ":" in host
        self._server = make_server(
            host,
            port,
            make_app(exporter),
            server_class=_ThreadingServer6 if ipv6 else _ThreadingServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="subnetfrag-http", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        """The host and port it is bound to (the real port when 0 was asked). O(1)."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (IPv6 hosts in brackets). O(1)."""
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> None:
        """Start answering requests. O(1)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering, close the socket and wait for the thread. O(1)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


def run(
    exporter: Exporter,
    *,
    interval: float,
    stop: threading.Event,
    textfile: str | None = None,
    log: Callable[[str], None] = _stderr_line,
) -> None:
    """Refresh, write ``textfile`` (when given; a write error is logged in one
    line and retried next time), wait ``interval`` seconds, until ``stop`` is
    set (the wait ends at once then). The first refresh happens at once."""
    while not stop.is_set():
        exporter.refresh()
        if textfile is not None:
            try:
                exporter.write_textfile(textfile)
            except OSError as exc:
                log(f"subnetfrag: warning: cannot write {textfile}: {exc.strerror or exc}")
        stop.wait(interval)
