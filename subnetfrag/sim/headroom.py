"""Headroom: how many more nodes fit in a subnet as it is now.

Starting from the subnet's current, fragmented state, nodes are added one at
a time, each as a real one joins: its primary ENI's /32 placed by EC2's random
policy (in the subnet the selection rule picks, for a set of subnets), then its
prefixes or /32s taken as ipamd takes them for ``pods_per_node`` pods
(:class:`subnetfrag.ipamd.NodeIpam`, the project's one ipamd model, passes run
until the node is settled), until the first ``InsufficientCidrBlocks`` or
``InsufficientFreeAddressesInSubnet``. The node that met the error does not
count. A run is one such sequence; ``runs`` runs with different random
placements give the distribution: p10, p50, p90 and the minimum of the nodes
(and of the pods with an address) that fit, and which error ended most runs.

The AWS support tool counts free /28s; a free /28 is not a node: each node
needs several, plus /32s that spoil more blocks as they land. That is what this
answers (issue 11).

Each run works on one copy of each subnet (built once, with its random state
seeded from ``seed``) and gives back everything it took before the next run,
so a run costs what its allocations cost: O(nodes x (prefixes or /32s per node)).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InsufficientFreeAddresses, SubnetFragError
from ..instances import InstanceLimits, lookup
from ..ipamd import (
    INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET,
    POOL_MONITOR_INTERVAL_S,
    CniSettings,
    CountingAllocator,
    NodeIpam,
)
from ..pool import SubnetPool
from ..subnet import Subnet
from .cluster import PoolAllocator
from .scenario import SUBNET_SELECTIONS

__all__ = [
    "MAX_RUNS",
    "HeadroomFigures",
    "HeadroomResult",
    "InvalidHeadroomArgument",
    "headroom",
    "pods_on_each_node",
]

#: ipamd passes a node may take to settle; far above what any setting needs.
_MAX_PASSES = 1000

#: More runs than this is a typo (10**30 ran "forever"): the percentiles are
#: steady long before.
MAX_RUNS = 100_000
_PERCENTILES = (10, 50, 90)


class InvalidHeadroomArgument(SubnetFragError, ValueError):
    """A headroom argument of the wrong type or out of range."""


@dataclass(frozen=True, slots=True)
class HeadroomFigures:
    """The distribution over runs for one subnet or a set: ``nodes`` and
    ``pods`` as ``{"p10", "p50", "p90", "min"}`` (nearest-rank percentiles),
    ``runs``, ``limited_by`` (the EC2 error that ended most runs; ties go to
    the name first in sorted order) and ``ended_by`` (runs per error)."""

    nodes: dict[str, int]
    pods: dict[str, int]
    runs: int
    limited_by: str
    ended_by: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """``{"nodes", "pods", "runs", "limited_by", "ended_by"}``. O(1)."""
        return {
            "nodes": dict(self.nodes),
            "pods": dict(self.pods),
            "runs": self.runs,
            "limited_by": self.limited_by,
            "ended_by": dict(self.ended_by),
        }


@dataclass(frozen=True, slots=True)
class HeadroomResult:
    """:func:`headroom`'s answer: the figures for the whole set (``total``),
    per subnet (``subnets``: (subnet id or CIDR, CIDR, figures) in the order
    given),
    and the inputs (``instance_type``, ``pods_per_node``, ``settings``,
    ``subnet_selection``, ``seed``)."""

    total: HeadroomFigures
    subnets: tuple[tuple[str, str, HeadroomFigures], ...]
    instance_type: str
    pods_per_node: int
    settings: CniSettings
    subnet_selection: str
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """The set's figures at the top (``nodes``, ``pods``, ``runs``,
        ``limited_by``, ``ended_by``), then the inputs and ``subnets``: one
        entry per subnet with ``subnet_id``, ``cidr`` and its own figures. O(k)."""
        d = self.total.to_dict()
        d.update(
            {
                "instance_type": self.instance_type,
                "pods_per_node": self.pods_per_node,
                "settings": {k: v for k, v in self.settings.to_dict().items() if v is not None},
                "subnet_selection": self.subnet_selection,
                "seed": self.seed,
                "subnets": [
                    {"subnet_id": sid, "cidr": cidr, **fig.to_dict()}
                    for sid, cidr, fig in self.subnets
                ],
            }
        )
        return d


def _percentiles(values: list[int]) -> dict[str, int]:
    ordered = sorted(values)
    n = len(ordered)
    out = {f"p{p}": ordered[max(math.ceil(p * n / 100), 1) - 1] for p in _PERCENTILES}
    out["min"] = ordered[0]
    return out


def _fill(ipam: NodeIpam, pods: int) -> tuple[int, str | None]:
    """Run the node's ipamd passes, giving its pods addresses as they come,
    until a pass changes nothing; (pods with an address, EC2 error or None)."""
    placed = 0
    t = 0.0
    for _ in range(_MAX_PASSES):
        r = ipam.reconcile(t)
        if r.error is not None:
            return placed, r.error
        while placed < pods and ipam.add_pod(now_s=t):
            placed += 1
        if not r.changed:
            break
        t += POOL_MONITOR_INTERVAL_S
    return placed, None


def _run(
    subnets: list[Subnet],
    pool: SubnetPool,
    settings: CniSettings,
    limits: InstanceLimits,
    pods: int,
) -> tuple[int, int, str]:
    """One run: (nodes that fit, their pods with an address, the error that
    ended it). Gives everything back before it returns."""
    nodes: list[NodeIpam] = []
    fitted = pods_total = 0
    try:
        while True:
            alloc = PoolAllocator(f"node-{len(nodes)}", subnets, pool, pool)
            try:
                ipam = NodeIpam(settings, limits, alloc)
            except InsufficientFreeAddresses:  # not even its primary ENI: it never joined
                return fitted, pods_total, INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET
            nodes.append(ipam)
            placed, error = _fill(ipam, pods)
            if error is not None:
                return fitted, pods_total, error
            fitted += 1
            pods_total += placed
    finally:
        for ipam in nodes:
            ipam.release_all()


def _figures(results: list[tuple[int, int, str]]) -> HeadroomFigures:
    ended = Counter(err for _, _, err in results)
    limited_by = min(ended, key=lambda e: (-ended[e], e))
    return HeadroomFigures(
        nodes=_percentiles([n for n, _, _ in results]),
        pods=_percentiles([p for _, p, _ in results]),
        runs=len(results),
        limited_by=limited_by,
        ended_by=dict(sorted(ended.items())),
    )


def _settings(settings: CniSettings | Mapping[str, Any] | None) -> CniSettings:
    if settings is None:
        return CniSettings()
    if isinstance(settings, CniSettings):
        return settings
    if isinstance(settings, Mapping):
        return CniSettings.from_dict(settings)
    raise InvalidHeadroomArgument(
        f"settings must be CniSettings or a mapping, not {type(settings).__name__}"
    )


def _count(name: str, value: Any, least: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise InvalidHeadroomArgument(
            f"{name} must be an integer of {least} or more, not {value!r}"
        )
    return value


def pods_on_each_node(
    instance_type: str | InstanceLimits,
    *,
    settings: CniSettings | Mapping[str, Any] | None = None,
    pods_per_node: int | None = None,
) -> int:
    """The pods :func:`headroom` puts on each new node: ``pods_per_node``
    once checked against the node's pod capacity (max pods - 2 host-network
    pods, with these CNI ``settings``), or that capacity when None. A caller
    that runs :func:`headroom` later (``subnetfrag serve``, at every refresh)
    checks its arguments with it at once.

    Raises :class:`InvalidHeadroomArgument` (a negative count, more pods than
    the node admits), :class:`~subnetfrag.ipamd.InvalidCniSettings` and
    :class:`~subnetfrag.instances.UnknownInstanceType`. O(1).
    """
    cni = _settings(settings)
    limits = instance_type if isinstance(instance_type, InstanceLimits) else lookup(instance_type)
    capacity = NodeIpam(cni, limits, CountingAllocator()).pod_capacity
    pods = capacity if pods_per_node is None else _count("pods_per_node", pods_per_node, 0)
    if pods > capacity:
        raise InvalidHeadroomArgument(
            f"pods_per_node {pods} is more than a {limits.instance_type} node admits "
            f"({capacity}: max pods - 2 host-network pods)"
        )
    return pods


def headroom(
    subnets: Subnet | Sequence[Subnet],
    *,
    instance_type: str | InstanceLimits,
    settings: CniSettings | Mapping[str, Any] | None = None,
    pods_per_node: int | None = None,
    runs: int = 200,
    seed: int = 0,
    subnet_selection: str = "most-available",
) -> HeadroomResult:
    """How many more nodes (and pods) fit, from the subnets as they are now.

    ``subnets``: one :class:`~subnetfrag.subnet.Subnet` or several (then each
    alone and the set with ``subnet_selection``, ``most-available`` being the
    CNI's and Karpenter's rule); they are not changed. ``instance_type``: a
    name from the bundled table or :class:`~subnetfrag.instances.InstanceLimits`.
    ``settings``: the VPC CNI's (:class:`~subnetfrag.ipamd.CniSettings` or a
    mapping of its fields; None: every setting unset, as the CNI's defaults).
    ``pods_per_node``: pods on each new node (None: the node's pod capacity,
    max pods - 2). ``runs`` runs, seeded from ``seed`` (deterministic).

    Raises :class:`InvalidHeadroomArgument` (a bad count, more than
    :data:`MAX_RUNS` runs, no subnet, more
    pods than a node admits), :class:`~subnetfrag.ipamd.InvalidCniSettings`,
    :class:`~subnetfrag.instances.UnknownInstanceType`,
    :class:`~subnetfrag.pool.UnknownStrategy` and
    :class:`~subnetfrag.pool.SubnetPoolError` (overlapping subnets).
    Cost: O(runs x nodes that fit x addresses per node), plus one copy of each
    subnet (O(size + allocations)) per analysis.
    """
    group = [subnets] if isinstance(subnets, Subnet) else list(subnets)
    if not group or not all(isinstance(s, Subnet) for s in group):
        raise InvalidHeadroomArgument("give a Subnet or a non-empty sequence of Subnets")
    if subnet_selection not in SUBNET_SELECTIONS:
        raise InvalidHeadroomArgument(
            f"subnet_selection must be one of {', '.join(SUBNET_SELECTIONS)}, "
            f"not {subnet_selection!r}"
        )
    if _count("runs", runs, 1) > MAX_RUNS:
        raise InvalidHeadroomArgument(f"runs must be at most {MAX_RUNS:,}, not {runs:,}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidHeadroomArgument(f"seed must be an integer, not {seed!r}")
    cni = _settings(settings)
    limits = instance_type if isinstance(instance_type, InstanceLimits) else lookup(instance_type)
    pods = pods_on_each_node(limits, settings=cni, pods_per_node=pods_per_node)
    SubnetPool(group)  # refuses overlapping subnets now

    def analyse(members: list[Subnet], salt: int) -> HeadroomFigures:
        # The subnet's state with EC2's random policy and a fresh seeded RNG.
        copies = [
            s.copy(seed=seed * 1_000_003 + salt * 101 + i, policy="random")
            for i, s in enumerate(members)
        ]
        pool = SubnetPool(copies, strategy=subnet_selection)
        return _figures([_run(copies, pool, cni, limits, pods) for _ in range(runs)])

    per_subnet = tuple(
        (s.subnet_id or str(s.cidr), str(s.cidr), analyse([s], i + 1)) for i, s in enumerate(group)
    )
    total = per_subnet[0][2] if len(group) == 1 else analyse(group, 0)
    return HeadroomResult(
        total=total,
        subnets=per_subnet,
        instance_type=limits.instance_type,
        pods_per_node=pods,
        settings=cni,
        subnet_selection=subnet_selection,
        seed=seed,
    )
