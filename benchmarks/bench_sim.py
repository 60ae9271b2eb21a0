"""The simulator's speed: events per second for a 200-node cluster on a /16
with steady pod churn and tenants, beside the cost of the subnet operations
the run performed, so the overhead of the model is visible.

Run: ``python -m benchmarks bench_sim``. The run is timed whole, GC on, best
of three; the subnet operations are counted in a separate run (the counting
wrappers would slow the timed one) and priced with the harness on a /16 about
30 % allocated, not on the run's own states: the subnet-work row is an
estimate, labelled so. The yardstick is ``netaddr.IPAddress(int)``; the
issue's target is 50,000 events per second on one core (20 µs an event).
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import netaddr

from subnetfrag.sim import Scenario, simulate
from subnetfrag.subnet import Subnet

from .harness import Row, compare, measure

__all__ = ["SCENARIO", "run"]

#: 200 m5.large nodes, 3,000 pods, 20 pods replaced a second, 500 Lambda /32s
#: replaced 5 times a second, an hour, on a /16.
SCENARIO: dict[str, Any] = {
    "name": "bench-200-nodes",
    "duration_s": 3600,
    "checkpoint_s": 300,
    "subnets": [{"cidr": "10.0.0.0/16", "preoccupied_ips": 2000}],
    "cluster": {"instance_type": "m5.large", "prefix_delegation": True, "warm_prefix_target": 1},
    "phases": [{"at_s": 0, "nodes": 200, "pods": 3000, "pod_churn_per_s": 20}],
    "tenants": [{"kind": "lambda", "count": 500, "churn_per_s": 5}],
}
_DOOR = ("allocate_ip_offset", "allocate_prefix_offset", "release_offset")
_TARGET_EVENTS_PER_S = 50_000


def _count_subnet_ops(scenario: Scenario) -> Counter[str]:
    """Run once with the door's methods wrapped to count their calls."""
    calls: Counter[str] = Counter()
    saved = {name: getattr(Subnet, name) for name in _DOOR}

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    try:
        for name, fn in saved.items():
            setattr(Subnet, name, counting(name, fn))
        simulate(scenario, seed=1)
    finally:
        for name, fn in saved.items():
            setattr(Subnet, name, fn)
    return calls


def _yardstick() -> object:
    """The issues' yardstick: one netaddr.IPAddress from an int."""
    return netaddr.IPAddress(167772160)


def _price_ops() -> tuple[tuple[float, float], tuple[float, float]]:
    """Seconds per automatic /32 allocate + release pair and per /28 pair, on a
    /16 with about 30 % allocated in /28s and scattered /32s, each with the
    yardstick's seconds measured in alternating rounds beside it."""
    s = Subnet("10.0.0.0/16", seed=3)
    for _ in range(s.size * 25 // 100 // 16):
        s.allocate_prefix_offset()
    for _ in range(s.size * 5 // 100):
        s.allocate_ip_offset()

    def ip_pair() -> None:
        s.release_offset(s.allocate_ip_offset())

    def prefix_pair() -> None:
        s.release_offset(s.allocate_prefix_offset())

    return compare(ip_pair, _yardstick), compare(prefix_pair, _yardstick)


def run() -> list[tuple[str, list[Row]]]:
    """Time the 200-node run and print it beside its subnet work."""
    scenario = Scenario.from_dict(SCENARIO)
    best = float("inf")
    events = 0
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        result = simulate(scenario, seed=1)
        best = min(best, time.perf_counter() - start)
        events = result.summary["events"]
    per_event = best / events
    ops = _count_subnet_ops(scenario)
    (ip_pair, ip_base), (prefix_pair, prefix_base) = _price_ops()
    # a pair is an allocation and a release: half a pair per call
    subnet_s = (
        ops["allocate_ip_offset"] * ip_pair / 2
        + ops["allocate_prefix_offset"] * prefix_pair / 2
        + ops["release_offset"] * (ip_pair + prefix_pair) / 4
    )
    t_ipaddr = measure(_yardstick)
    budget = round(1 / _TARGET_EVENTS_PER_S / t_ipaddr, 1)
    total_ops = sum(ops.values())
    rows = [
        Row("netaddr.IPAddress(int)", t_ipaddr),
        Row(
            f"simulation event ({events:,} events, {events / best:,.0f}/s)",
            per_event,
            "IPAddress(int)",
            t_ipaddr,
            budget,
        ),
        Row(
            f"  of which subnet work (estimated, {total_ops / events:.2f} door calls/event)",
            subnet_s / events,
            "IPAddress(int)",
            t_ipaddr,
        ),
        Row(
            "  of which the model (the remainder)",
            per_event - subnet_s / events,
            "IPAddress(int)",
            t_ipaddr,
        ),
        Row("door: automatic /32 allocate + release", ip_pair, "IPAddress(int)", ip_base),
        Row("door: automatic /28 allocate + release", prefix_pair, "IPAddress(int)", prefix_base),
    ]
    title = (
        f"200 nodes on a /16, churn and tenants: {events / best:,.0f} events/s "
        f"(target {_TARGET_EVENTS_PER_S:,}), {best:.2f} s for {scenario.duration_s:,.0f} "
        f"simulated s; door calls {dict(ops)}"
    )
    return [(title, rows)]


if __name__ == "__main__":
    from .harness import print_table

    for t, r in run():
        print_table(t, r)
