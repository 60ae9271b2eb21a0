"""``simulate``: run one scenario with one allocation policy and one seed.

The run wires the pieces together: an :class:`~.engine.Engine`, a
:class:`~.cluster.Cluster` (subnets, nodes with their ipamd models, pods,
tenants), a :class:`~.workload.Workload` (phases, churn, bursts, replacement,
tenant churn), each node's ipamd loop, and checkpoints.

The ipamd loop: the real ipamd runs ``updateIPPoolIfRequired`` every
``ipPoolMonitorInterval`` (5 s), first 2.5 s after it starts
(``StartNodeIPPoolManager``). Most of those passes change nothing, so the
simulator runs a node's pass only when it could change something, at the
time the real loop would: at the node's next 5 s tick after its pods change,
then every tick while passes keep changing the pool, while a shrink or an ENI
detach may still be held back by its timer (``decreaseIPPoolInterval`` 30 s,
``minENILifeTime`` 60 s), or while pods wait for an address that is cooling
down (``IP_COOLDOWN_PERIOD``); after an ``InsufficientCidrBlocks`` or
``InsufficientFreeAddressesInSubnet`` error, at the first tick after the 120 s
cooldown. A pass skipped this way is one that would have found nothing to do.

Everything random is drawn from one ``random.Random(seed)`` (subnet seeds, pod
choices, Poisson times), and nothing reads the wall clock: the same scenario,
policy and seed give the same result on any machine or executor.
"""

from __future__ import annotations

from random import Random
from typing import Any

from ..errors import SubnetFragError
from ..ipamd import (
    ENI_MIN_LIFETIME_S,
    INSUFFICIENT_CIDR_COOLDOWN_S,
    POOL_MONITOR_INTERVAL_S,
    NodeIpam,
)
from ..metrics import aws_fragmentation_score
from ..metrics import report as subnet_report
from ..policies import get_policy
from .cluster import Cluster, SimNode
from .engine import Engine
from .result import SERIES_KEYS, SimResult
from .scenario import Scenario, ScenarioError
from .workload import Workload

__all__ = ["IPAMD_FIRST_TICK_S", "simulate"]

#: ipamd's first ``updateIPPoolIfRequired`` after the node starts (half an interval).
IPAMD_FIRST_TICK_S = POOL_MONITOR_INTERVAL_S / 2
#: After the pool last changed, keep running passes this long: covers the 30 s
#: shrink interval and the 60 s ENI lifetime, plus one tick.
_BUSY_AFTER_CHANGE_S = ENI_MIN_LIFETIME_S + POOL_MONITOR_INTERVAL_S


class _Run:
    """One simulation: the engine, the cluster, the workload, the ipamd loops
    and the checkpoints."""

    def __init__(self, scenario: Scenario, policy: str, seed: int, debug: bool) -> None:
        self.scenario = scenario
        self.rng = Random(seed)
        self.engine = Engine()
        self.cluster = Cluster(scenario, policy, self.rng)
        self.workload = Workload(self.engine, self.cluster, self.wake)
        self.series: list[dict[str, Any]] = []
        self.debug = debug

    # ---------------------------------------------------------- ipamd loop

    def _next_tick(self, node: SimNode, not_before: float) -> float:
        """The node's first ipamd tick strictly after ``not_before`` (or its
        first tick ever, when that is later)."""
        first = node.joined_s + IPAMD_FIRST_TICK_S
        if not_before < first:
            return first
        k = int((not_before - first) // POOL_MONITOR_INTERVAL_S) + 1
        at = first + k * POOL_MONITOR_INTERVAL_S
        if at <= not_before:  # rounding: (17.9 - 2.9) // 5 is 2.0, and 2.9 + 15 is 17.9
            at += POOL_MONITOR_INTERVAL_S  # never the same instant: that tick would loop
        return at

    def wake(self, node: SimNode) -> None:
        """The node's pods changed: run its ipamd pass at its next tick (if
        none is pending). O(log events)."""
        if node.tick_at is None and node.alive:
            at = self._next_tick(node, self.engine.now)
            node.tick_at = at
            self.engine.schedule(at, self._tick, node)

    def _tick(self, node: SimNode) -> None:
        node.tick_at = None
        if not node.alive:
            return
        now = self.engine.now
        ipam: NodeIpam = node.ipam
        r = ipam.reconcile(now)
        c = self.cluster
        if r.error is not None:
            c.record_failure(r.error, now)
            node.retry_s = now + INSUFFICIENT_CIDR_COOLDOWN_S
        if r.changed:
            node.last_change_s = now
        if node.waiting:
            c.give_waiting_pods(node, now)
        if now < node.retry_s and ipam.pool_too_low():
            at = self._next_tick(node, node.retry_s)
        elif (
            r.changed
            or now - node.last_change_s <= _BUSY_AFTER_CHANGE_S
            or (
                node.waiting
                and now - node.last_release_s <= ipam.ip_cooldown_s + 2 * POOL_MONITOR_INTERVAL_S
            )
        ):
            at = self._next_tick(node, now)
        else:
            return  # idle until its pods change
        node.tick_at = at
        self.engine.schedule(at, self._tick, node)

    # --------------------------------------------------------- checkpoints

    def _figures(self) -> dict[str, Any]:
        """The cluster's counts plus the subnets' block figures. O(subnet sizes) in C."""
        row = self.cluster.counts()
        free = frag = full = stranded = 0
        for subnet in self.cluster.subnets:
            rep = subnet_report(subnet)
            free += rep.blocks.free
            frag += rep.blocks.fragmented
            full += rep.blocks.full
            stranded += rep.stranded_ips
        row["aws_fragmentation_score"] = aws_fragmentation_score(free, frag, full)
        row["stranded_ips"] = stranded
        return row

    def _checkpoint(self, _: object) -> None:
        figures = self._figures()
        figures["t_s"] = self.engine.now
        # the contract's keys first, in their order, then the others
        row = {key: figures.pop(key) for key in SERIES_KEYS}
        row.update(figures)
        self.series.append(row)

    # ---------------------------------------------------------------- run

    def run(self) -> dict[str, Any]:
        """Run to the scenario's end; return the summary. O(events x log events)."""
        sc = self.scenario
        self.workload.start()
        step = sc.checkpoint_s
        k = 0
        while k * step <= sc.duration_s:
            self.engine.schedule(k * step, self._checkpoint)
            k += 1
        self.engine.run_until(sc.duration_s, self.cluster.check if self.debug else None)
        if not self.series or self.series[-1]["t_s"] < sc.duration_s:
            self._checkpoint(None)
        c = self.cluster
        summary = self._figures()
        summary["first_insufficient_cidr_blocks_s"] = c.first_icb_s
        summary["failures"] = dict(c.failures)
        summary["peak_pods_running"] = c.peak_pods_running
        summary["events"] = self.engine.events
        summary["node_launch_failures"] = c.node_launch_failures
        summary["tenant_failures"] = c.tenant_failures
        summary["max_pods"] = c.max_pods
        return summary


def simulate(
    scenario: Scenario, *, policy: str = "random", seed: int = 0, debug: bool = False
) -> SimResult:
    """Run ``scenario`` with the allocation ``policy`` (a registered name: it
    places every /32 and /28 in every subnet) from ``seed``; return the
    :class:`~.result.SimResult`. With ``debug``, :meth:`Cluster.check` runs
    after every event (slow: O(subnet size) each) and an AssertionError names
    the first broken invariant.

    A plain top-level function of picklable arguments, so process pools and
    Dask can run it. Deterministic: the same arguments give the same result.

    Raises :class:`~.scenario.ScenarioError` (not a Scenario, a bad seed),
    :class:`~subnetfrag.errors.UnknownPolicy`, and what the ipamd model raises
    for settings it refuses (a :class:`~subnetfrag.errors.SubnetFragError`).
    Cost: about 10-20 µs per event on one core (benchmarks/bench_sim.py).
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"simulate() takes a Scenario, not {type(scenario).__name__}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScenarioError(f"seed must be an integer, not {seed!r}")
    name = get_policy(policy).name
    try:
        run = _Run(scenario, name, seed, debug)
    except ScenarioError:
        raise
    except SubnetFragError as exc:
        raise ScenarioError(f"scenario {scenario.name}: {exc}") from None
    summary = run.run()
    return SimResult(scenario.name, name, seed, summary, run.series)
