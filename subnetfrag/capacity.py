"""Capacity planning: the addresses and /28s an EKS cluster holds, and the
smallest subnet (and secondary CIDR) that fits them.

:func:`plan_capacity` follows the VPC CNI's warm-pool rules (amazon-vpc-cni-k8s
``docs/prefix-and-ip-target.md`` and ``docs/eni-and-ip-target.md``; see
docs/vpc.md) for nodes that all run the same number of pods, at steady state:

Prefix mode (``prefix_delegation=True``), per node, with p pods:

- pods fill prefixes: ceil(p / 16) prefixes are in use; a prefix with even one
  address in use is not free;
- ``WARM_PREFIX_TARGET`` = w: ceil(p / 16) + w prefixes;
- ``WARM_IP_TARGET`` = W and/or ``MINIMUM_IP_TARGET`` = M, when either is set,
  override it and count addresses rounded up to whole prefixes: the smallest n
  with 16n - p >= W and 16n >= M, i.e. max(ceil(p / 16), ceil((p + W) / 16),
  ceil(M / 16)) (an unset target counts as 0);
- each ENI holds (IPv4 per ENI - 1) prefixes, its primary address taking a slot;
  every slot of the attached ENIs is used before another ENI is attached, so a
  node attaches ceil(n / (IPv4 per ENI - 1)) ENIs (at least one);
- every ENI's primary address is a /32 from its subnet; the node's own address
  is its primary ENI's primary address.

Secondary-IP mode: s = IPv4 per ENI - 1 addresses per ENI; ``WARM_ENI_TARGET`` =
e keeps e whole ENIs of free addresses: ceil(p / s) + e ENIs, each with all s
addresses; ``WARM_IP_TARGET`` / ``MINIMUM_IP_TARGET`` override it: max(p + W, M)
addresses on ceil(that / s) ENIs.

Custom networking: the primary ENI stays in the node's subnet and carries no pod;
the pod ENIs (with their primary addresses and every pod address) live in the pod
subnet, usually in a secondary CIDR block.

A node never holds more than its ENIs allow: the warm pool stops at the last
slot (the plan says so). More pods than that is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import SubnetFragError
from .instances import InstanceLimits, lookup
from .maxpods import HOST_NETWORK_PODS, IPS_PER_PREFIX, max_pods
from .subnet import MAX_PREFIXLEN, MIN_PREFIXLEN

__all__ = [
    "CapacityPlan",
    "InvalidCapacityArgument",
    "NodeUsage",
    "SubnetNeed",
    "fits_in_subnet",
    "plan_capacity",
    "smallest_subnet",
]

#: Free addresses that the two /28s holding AWS-reserved addresses keep for /32s:
#: 16 - 4 in the first block, 16 - 1 in the last.
_EDGE_SINGLES = 27
#: Free addresses of a /28 subnet: 16 - 5.
_TINY_SINGLES = 11
_BLOCKS_PER_16 = 1 << (32 - MIN_PREFIXLEN - 4)


class InvalidCapacityArgument(SubnetFragError, ValueError):
    """A planning argument out of range, of the wrong type, a combination the
    VPC CNI does not support, or more pods than a node can address."""


# ------------------------------------------------------------ subnet fitting


def fits_in_subnet(prefixlen: int, prefixes: int, singles: int) -> bool:
    """Whether a /``prefixlen`` subnet can hold ``prefixes`` aligned /28s and
    ``singles`` /32s at once, placed at best.

    A /28 that holds an AWS-reserved address (the first and the last of the
    subnet) can never be a prefix but keeps 12 + 15 free addresses for /32s; a
    /28 subnet is one such block with 11. So it fits when prefixes <= blocks - 2
    and singles <= 27 + 16 x (blocks - 2 - prefixes). "At best" means /32s kept
    out of the blocks prefixes need, which is what a ``prefix`` CIDR reservation
    or a packing policy achieves; EC2's own scattering needs headroom on top.

    Raises :class:`InvalidCapacityArgument` for a ``prefixlen`` outside 16 to 28
    or a negative count. O(1).
    """
    _check_int("prefixlen", prefixlen, MIN_PREFIXLEN)
    if prefixlen > MAX_PREFIXLEN:
        raise InvalidCapacityArgument(f"prefixlen must be 16 to 28, not {prefixlen}")
    _check_int("prefixes", prefixes, 0)
    _check_int("singles", singles, 0)
    blocks = 1 << (32 - prefixlen - 4)
    if blocks == 1:
        return prefixes == 0 and singles <= _TINY_SINGLES
    spare = blocks - 2 - prefixes
    return spare >= 0 and singles <= _EDGE_SINGLES + 16 * spare


def smallest_subnet(prefixes: int, singles: int) -> int | None:
    """The largest prefix length (the smallest subnet, /28 to /16) that
    :func:`fits_in_subnet`, or None when even a /16 is too small.
    Raises :class:`InvalidCapacityArgument` for a negative count. O(1)."""
    for plen in range(MAX_PREFIXLEN, MIN_PREFIXLEN - 1, -1):
        if fits_in_subnet(plen, prefixes, singles):
            return plen
    return None


def _subnets_of_16(prefixes: int, singles: int) -> int:
    """The fewest /16 subnets that hold the prefixes and /32s between them."""
    usable = _BLOCKS_PER_16 - 2
    k = max(1, -(-prefixes // usable))
    while singles > k * _EDGE_SINGLES + 16 * (k * usable - prefixes):
        k += 1
    return k


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class NodeUsage:
    """What one node holds at steady state.

    ``enis`` attached (the primary included), ``pod_enis`` of them carrying pods,
    ``prefixes`` (/28s), ``secondary_ips`` (/32s for pods in secondary-IP mode),
    ``pod_addresses`` (the pods), ``unused_addresses`` (warm: held, no pod),
    ``eni_primary_addresses`` (one per ENI, the node's own address included) and
    ``addresses``, everything held: 16 x prefixes + secondary_ips + enis.
    """

    enis: int
    pod_enis: int
    prefixes: int
    secondary_ips: int
    pod_addresses: int
    unused_addresses: int
    eni_primary_addresses: int
    addresses: int

    def to_dict(self) -> dict[str, int]:
        """Every field. O(1)."""
        return {
            "enis": self.enis,
            "pod_enis": self.pod_enis,
            "prefixes": self.prefixes,
            "secondary_ips": self.secondary_ips,
            "pod_addresses": self.pod_addresses,
            "unused_addresses": self.unused_addresses,
            "eni_primary_addresses": self.eni_primary_addresses,
            "addresses": self.addresses,
        }


@dataclass(frozen=True, slots=True)
class SubnetNeed:
    """What one subnet must hold: ``role`` (``"nodes and pods"``, or with custom
    networking ``"nodes"`` and ``"pods"``), ``prefixes`` and ``singles`` (/32s
    outside prefixes) for all nodes, ``addresses`` (16 x prefixes + singles), the
    same with headroom (``required_prefixes``, ``required_singles``), and
    ``prefixlen``, the smallest subnet that fits the required amounts (None when
    more than a /16 is needed; then ``subnets_of_16`` /16 subnets share them)."""

    role: str
    prefixes: int
    singles: int
    addresses: int
    required_prefixes: int
    required_singles: int
    prefixlen: int | None
    subnets_of_16: int

    def to_dict(self) -> dict[str, Any]:
        """Every field, plus ``size`` (addresses in that subnet, or null). O(1)."""
        return {
            "role": self.role,
            "prefixes": self.prefixes,
            "singles": self.singles,
            "addresses": self.addresses,
            "required_prefixes": self.required_prefixes,
            "required_singles": self.required_singles,
            "prefixlen": self.prefixlen,
            "size": None if self.prefixlen is None else 1 << (32 - self.prefixlen),
            "subnets_of_16": self.subnets_of_16,
        }


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    """The result of :func:`plan_capacity`: inputs, per-node usage, totals for
    the cluster, the subnets needed, and the arithmetic as ``steps``.

    Totals: ``prefixes`` (/28s held in all), ``addresses`` (addresses held in
    all: 16 per prefix, secondary /32s and every ENI's primary address),
    ``pod_addresses``, ``unused_addresses`` (the warm pool), and
    ``eni_primary_addresses``. ``secondary_cidr_prefixlen`` is the smallest VPC
    CIDR block that holds the pod subnet (the whole cluster without custom
    networking); None beyond a /16.
    """

    instance_type: str
    limits: InstanceLimits
    nodes: int
    pods_per_node: int
    prefix_delegation: bool
    custom_networking: bool
    warm_prefix_target: int
    warm_ip_target: int | None
    minimum_ip_target: int | None
    warm_eni_target: int
    headroom: Fraction
    warm_pool_rule: str
    per_node: NodeUsage
    prefixes: int
    addresses: int
    pod_addresses: int
    unused_addresses: int
    eni_primary_addresses: int
    subnets: tuple[SubnetNeed, ...]
    secondary_cidr_prefixlen: int | None
    steps: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())

    def explain(self) -> str:
        """The arithmetic, one numbered step a line, then any warnings. O(steps)."""
        lines = [f"{i}. {step}" for i, step in enumerate(self.steps, start=1)]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: inputs, ``per_node``, the totals (``prefixes``,
        ``addresses``, ``pod_addresses``, ``unused_addresses``,
        ``eni_primary_addresses``), ``subnets``, ``secondary_cidr_prefixlen``,
        ``steps`` and ``warnings``. ``headroom`` is a float. O(steps)."""
        return {
            "instance_type": self.instance_type,
            "limits": self.limits.to_dict(),
            "nodes": self.nodes,
            "pods_per_node": self.pods_per_node,
            "mode": "prefix" if self.prefix_delegation else "secondary-ip",
            "custom_networking": self.custom_networking,
            "warm_prefix_target": self.warm_prefix_target,
            "warm_ip_target": self.warm_ip_target,
            "minimum_ip_target": self.minimum_ip_target,
            "warm_eni_target": self.warm_eni_target,
            "warm_pool_rule": self.warm_pool_rule,
            "headroom": float(self.headroom),
            "per_node": self.per_node.to_dict(),
            "prefixes": self.prefixes,
            "addresses": self.addresses,
            "pod_addresses": self.pod_addresses,
            "unused_addresses": self.unused_addresses,
            "eni_primary_addresses": self.eni_primary_addresses,
            "subnets": [s.to_dict() for s in self.subnets],
            "secondary_cidr_prefixlen": self.secondary_cidr_prefixlen,
            "steps": list(self.steps),
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------- arguments


def _check_int(name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCapacityArgument(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise InvalidCapacityArgument(f"{name} must be at least {minimum}, not {value}")


def _fraction(headroom: Any) -> Fraction:
    if isinstance(headroom, bool) or not isinstance(headroom, int | float | Fraction | Decimal):
        raise InvalidCapacityArgument(f"headroom must be a number, not {headroom!r}")
    if isinstance(headroom, float):
        if not math.isfinite(headroom):
            raise InvalidCapacityArgument(f"headroom must be finite, not {headroom!r}")
        value = Fraction(repr(headroom))  # 0.2 means 1/5, not the binary float
    else:
        value = Fraction(headroom)
    if value < 0:
        raise InvalidCapacityArgument(f"headroom must be 0 or more, not {headroom!r}")
    return value


def _limits(instance_type: str | None, eni_limits: Any) -> InstanceLimits:
    if (instance_type is None) == (eni_limits is None):
        raise InvalidCapacityArgument(
            "give exactly one of instance_type= (a name from the bundled table) and "
            "eni_limits= ((ENIs, IPv4 addresses per ENI) or InstanceLimits)"
        )
    if instance_type is not None:
        if not isinstance(instance_type, str):
            raise InvalidCapacityArgument(
                f"instance_type must be a string, not {type(instance_type).__name__}"
            )
        return lookup(instance_type)
    if isinstance(eni_limits, InstanceLimits):
        return eni_limits
    if not isinstance(eni_limits, tuple | list) or len(eni_limits) != 2:
        raise InvalidCapacityArgument(
            f"eni_limits must be (ENIs, IPv4 addresses per ENI) or InstanceLimits, "
            f"not {eni_limits!r}"
        )
    enis, ipv4 = eni_limits
    _check_int("eni_limits ENIs", enis, 1)
    _check_int("eni_limits IPv4 addresses per ENI", ipv4, 1)
    return InstanceLimits(f"{enis} ENIs x {ipv4} IPv4", enis=enis, ipv4_per_eni=ipv4)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _ceil_times(x: int, factor: Fraction) -> int:
    return math.ceil(x * factor)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


# --------------------------------------------------------------------- plan


def plan_capacity(
    *,
    nodes: int,
    pods_per_node: int,
    instance_type: str | None = None,
    eni_limits: tuple[int, int] | InstanceLimits | None = None,
    prefix_delegation: bool = True,
    warm_prefix_target: int = 1,
    warm_ip_target: int | None = None,
    minimum_ip_target: int | None = None,
    warm_eni_target: int = 1,
    custom_networking: bool = False,
    headroom: float | Fraction = 0,
) -> CapacityPlan:
    """What ``nodes`` nodes, each running ``pods_per_node`` pods that need VPC
    addresses, hold at steady state, and the smallest subnets that fit it.

    The node's limits come from ``instance_type`` (the bundled table of
    :mod:`subnetfrag.instances`) or ``eni_limits``: ``(ENIs, IPv4 addresses per
    ENI)`` or an :class:`~subnetfrag.instances.InstanceLimits`. The warm-pool
    settings are the VPC CNI's (``WARM_PREFIX_TARGET``, ``WARM_IP_TARGET``,
    ``MINIMUM_IP_TARGET``, ``WARM_ENI_TARGET``; None for an unset target);
    ``warm_prefix_target`` applies in prefix mode only, ``warm_eni_target`` in
    secondary-IP mode only, and both only when neither IP target is set.
    ``headroom`` (0.25 = 25 % more) scales the /28s and /32s each subnet must
    hold before sizing it. The rules are in the module docstring; the plan's
    ``steps`` show them applied.

    Raises :class:`InvalidCapacityArgument` (a count of the wrong type or out of
    range, both or neither of ``instance_type`` and ``eni_limits``, a target
    combination the CNI does not support: all set targets 0, or
    ``WARM_PREFIX_TARGET``/``WARM_ENI_TARGET`` 0 when in effect; a node with no
    slot for pods; more pods than a node's ENIs can address),
    :class:`~subnetfrag.instances.UnknownInstanceType` and
    :class:`~subnetfrag.maxpods.PrefixDelegationUnsupported` (prefix mode on a
    type neither Nitro nor bare metal). O(1).
    """
    _check_int("nodes", nodes, 1)
    _check_int("pods_per_node", pods_per_node, 0)
    _check_int("warm_prefix_target", warm_prefix_target, 0)
    _check_int("warm_eni_target", warm_eni_target, 0)
    for name, target in (
        ("warm_ip_target", warm_ip_target),
        ("minimum_ip_target", minimum_ip_target),
    ):
        if target is not None:
            _check_int(name, target, 0)
    for name, flag in (
        ("prefix_delegation", prefix_delegation),
        ("custom_networking", custom_networking),
    ):
        if not isinstance(flag, bool):
            raise InvalidCapacityArgument(f"{name} must be True or False, not {flag!r}")
    factor = 1 + _fraction(headroom)
    limits = _limits(instance_type, eni_limits)
    # Validates prefix mode on this type (PrefixDelegationUnsupported) and gives
    # the kubelet's max-pods value for the warning below.
    mp = max_pods(
        limits,
        prefix_delegation=prefix_delegation,
        custom_networking=custom_networking,
        cap=limits.vcpus is not None,
    )

    ip_targets = warm_ip_target is not None or minimum_ip_target is not None
    if ip_targets and not (warm_ip_target or minimum_ip_target):
        raise InvalidCapacityArgument(
            "WARM_IP_TARGET and MINIMUM_IP_TARGET set to 0 is not supported by the VPC CNI "
            "(no warm pool at all); leave them unset or set one above 0"
        )
    if prefix_delegation and not ip_targets and warm_prefix_target == 0:
        raise InvalidCapacityArgument(
            "WARM_PREFIX_TARGET=0 is not supported by the VPC CNI in prefix mode "
            "(docs/prefix-and-ip-target.md); set it to 1 or more, or set WARM_IP_TARGET / "
            "MINIMUM_IP_TARGET"
        )
    if not prefix_delegation and not ip_targets and warm_eni_target == 0:
        raise InvalidCapacityArgument(
            "WARM_ENI_TARGET=0 with no WARM_IP_TARGET or MINIMUM_IP_TARGET keeps no warm pool; "
            "the VPC CNI documents no steady state for it: set one of the targets"
        )

    steps: list[str] = []
    warnings: list[str] = []
    per_eni = limits.ipv4_per_eni - 1
    pod_enis_max = limits.enis - 1 if custom_networking else limits.enis
    unit = "prefixes" if prefix_delegation else "secondary addresses"
    steps.append(
        f"{limits.instance_type}: {_plural(limits.enis, 'ENI')} x {limits.ipv4_per_eni} IPv4 "
        f"slots ({limits.source}); each ENI's primary address takes a slot, leaving "
        f"{per_eni} {unit} per ENI"
    )
    if custom_networking:
        steps.append(
            "custom networking: the primary ENI stays in the node subnet and carries no pod; "
            f"{_plural(pod_enis_max, 'ENI')} for pods, in the pod subnet"
        )
    if per_eni < 1 or pod_enis_max < 1:
        raise InvalidCapacityArgument(
            f"{limits.instance_type} has no ENI slot for pods "
            f"({limits.enis} ENIs x {limits.ipv4_per_eni} IPv4 slots"
            f"{', one ENI kept for the node by custom networking' if custom_networking else ''})"
        )
    p = pods_per_node
    per_unit = IPS_PER_PREFIX if prefix_delegation else 1
    capacity = pod_enis_max * per_eni * per_unit
    if p > capacity:
        raise InvalidCapacityArgument(
            f"{_plural(p, 'pod')} per node exceed what {limits.instance_type} can address: "
            f"{pod_enis_max} ENIs x {per_eni} {unit}"
            f"{' x 16' if prefix_delegation else ''} = {capacity:,} addresses"
        )
    if limits.vcpus is not None and p + HOST_NETWORK_PODS > mp.max_pods:
        warnings.append(
            f"{p} pods + {HOST_NETWORK_PODS} host-network pods exceed the recommended max-pods "
            f"{mp.max_pods} for {limits.instance_type} ({mp.explanation}): the kubelet would "
            "refuse the extra pods"
        )

    if prefix_delegation:
        node, rule = _prefix_node(
            p, per_eni, pod_enis_max, custom_networking, warm_prefix_target,
            warm_ip_target, minimum_ip_target, steps,
        )  # fmt: skip
    else:
        node, rule = _secondary_node(
            p, per_eni, pod_enis_max, custom_networking,
            warm_eni_target, warm_ip_target, minimum_ip_target, steps,
        )  # fmt: skip

    n = nodes
    prefixes = node.prefixes * n
    addresses = node.addresses * n
    unused = node.unused_addresses * n
    primaries = node.eni_primary_addresses * n
    secondary = node.secondary_ips * n
    held = []
    if prefixes:
        held.append(
            f"{_plural(prefixes, 'prefix', 'prefixes')} = {prefixes * 16:,} prefix addresses "
            f"({_plural(p * n, 'pod')}, {unused:,} unused)"
        )
    if secondary:
        held.append(
            f"{secondary:,} secondary addresses ({_plural(p * n, 'pod')}, {unused:,} unused)"
        )
    held.append(f"{_plural(primaries, 'ENI primary address', 'ENI primary addresses')}")
    steps.append(f"{_plural(n, 'node')}: {' + '.join(held)} = {addresses:,} addresses held")

    needs: tuple[SubnetNeed, ...]
    if custom_networking:
        needs = (
            _need("nodes", 0, n, factor),
            _need(
                "pods",
                prefixes,
                primaries - n + secondary,
                factor,
            ),
        )
    else:
        needs = (_need("nodes and pods", prefixes, primaries + secondary, factor),)
    pct = f"{float(factor - 1) * 100:g}%"
    for need in needs:
        where = f"{need.role} subnet"
        req = (
            f"{_plural(need.required_prefixes, 'prefix', 'prefixes')} and "
            f"{_plural(need.required_singles, '/32')}"
        )
        base = f"{_plural(need.prefixes, 'prefix', 'prefixes')} and {_plural(need.singles, '/32')}"
        with_headroom = f"{base}, with {pct} headroom {req}" if factor != 1 else base
        if need.prefixlen is not None:
            size = 1 << (32 - need.prefixlen)
            blocks = size // 16
            steps.append(
                f"{where}: {with_headroom}; smallest fit /{need.prefixlen} ({size:,} addresses, "
                f"{max(blocks - 2, 0):,} /28s that can be prefixes, the first and last /28 keep "
                "27 addresses for /32s)"
                if blocks > 1
                else f"{where}: {with_headroom}; smallest fit /28 (11 usable addresses)"
            )
        else:
            steps.append(
                f"{where}: {with_headroom}; more than a /16 holds: {need.subnets_of_16} /16 subnets"
            )
    pod_need = needs[-1]
    secondary_plen = pod_need.prefixlen
    if secondary_plen is not None and custom_networking:
        steps.append(
            f"secondary CIDR for the pods subnet: a /{secondary_plen} block holds it (AWS "
            "recommends 100.64.0.0/10 or 198.19.0.0/16 for pods with custom networking)"
        )
    elif secondary_plen is not None:
        steps.append(
            f"a secondary CIDR to hold this subnet: a /{secondary_plen} block (a VPC block "
            "can be exactly one subnet)"
        )
    return CapacityPlan(
        instance_type=limits.instance_type,
        limits=limits,
        nodes=nodes,
        pods_per_node=pods_per_node,
        prefix_delegation=prefix_delegation,
        custom_networking=custom_networking,
        warm_prefix_target=warm_prefix_target,
        warm_ip_target=warm_ip_target,
        minimum_ip_target=minimum_ip_target,
        warm_eni_target=warm_eni_target,
        headroom=factor - 1,
        warm_pool_rule=rule,
        per_node=node,
        prefixes=prefixes,
        addresses=addresses,
        pod_addresses=p * n,
        unused_addresses=unused,
        eni_primary_addresses=primaries,
        subnets=needs,
        secondary_cidr_prefixlen=secondary_plen,
        steps=tuple(steps),
        warnings=tuple(warnings),
    )


def _need(role: str, prefixes: int, singles: int, factor: Fraction) -> SubnetNeed:
    rp, rs = _ceil_times(prefixes, factor), _ceil_times(singles, factor)
    plen = smallest_subnet(rp, rs)
    return SubnetNeed(
        role=role,
        prefixes=prefixes,
        singles=singles,
        addresses=16 * prefixes + singles,
        required_prefixes=rp,
        required_singles=rs,
        prefixlen=plen,
        subnets_of_16=1 if plen is not None else _subnets_of_16(rp, rs),
    )


def _prefix_node(
    p: int,
    per_eni: int,
    pod_enis_max: int,
    custom: bool,
    wpt: int,
    wit: int | None,
    mit: int | None,
    steps: list[str],
) -> tuple[NodeUsage, str]:
    used = _ceil_div(p, 16)
    if wit is None and mit is None:
        rule = "WARM_PREFIX_TARGET"
        want = used + wpt
        steps.append(
            f"per node: {_plural(p, 'pod')} {'fills' if p == 1 else 'fill'} ceil({p}/16) = {used} "
            f"{'prefix' if used == 1 else 'prefixes'}; WARM_PREFIX_TARGET={wpt} keeps "
            f"{wpt} whole free (a prefix with one address in use is not free): "
            f"{used} + {wpt} = {want}"
        )
    else:
        rule = "WARM_IP_TARGET/MINIMUM_IP_TARGET"
        w, m = wit or 0, mit or 0
        a, b = _ceil_div(p + w, 16), _ceil_div(m, 16)
        want = max(used, a, b)
        steps.append(
            f"per node: WARM_IP_TARGET={wit if wit is not None else 'unset'}, "
            f"MINIMUM_IP_TARGET={mit if mit is not None else 'unset'} override "
            f"WARM_PREFIX_TARGET and count addresses in whole prefixes: "
            f"max(ceil({p}/16), ceil(({p} + {w})/16), ceil({m}/16)) = "
            f"max({used}, {a}, {b}) = {want}"
        )
    most = pod_enis_max * per_eni
    if want > most:
        steps.append(
            f"the node's {_plural(pod_enis_max, 'pod ENI')} hold at most {most} prefixes: "
            f"the warm pool stops there ({most}, not {want})"
        )
        want = most
    pod_enis = _ceil_div(want, per_eni)
    enis = pod_enis + (1 if custom else 0)
    steps.append(
        f"per node: ceil({want}/{per_eni}) = {_plural(pod_enis, 'ENI')} "
        f"{'holds' if pod_enis == 1 else 'hold'} the prefixes (every slot of the attached "
        "ENIs is used before another is attached)"
        + (", + the primary ENI" if custom else "")
        + f": {_plural(enis, 'ENI primary address', 'ENI primary addresses')}"
    )
    held = 16 * want + enis
    steps.append(
        f"per node: {want} x 16 = {16 * want} prefix addresses ({_plural(p, 'pod')}, "
        f"{16 * want - p} unused) + {enis} ENI primary = {held} addresses"
    )
    return (
        NodeUsage(
            enis=enis,
            pod_enis=pod_enis,
            prefixes=want,
            secondary_ips=0,
            pod_addresses=p,
            unused_addresses=16 * want - p,
            eni_primary_addresses=enis,
            addresses=held,
        ),
        rule,
    )


def _secondary_node(
    p: int,
    per_eni: int,
    pod_enis_max: int,
    custom: bool,
    weni: int,
    wit: int | None,
    mit: int | None,
    steps: list[str],
) -> tuple[NodeUsage, str]:
    most = pod_enis_max * per_eni
    if wit is None and mit is None:
        rule = "WARM_ENI_TARGET"
        used = _ceil_div(p, per_eni)
        want_enis = used + weni
        steps.append(
            f"per node: {_plural(p, 'pod')} {'uses' if p == 1 else 'use'} ceil({p}/{per_eni}) = "
            f"{_plural(used, 'ENI')}; "
            f"WARM_ENI_TARGET={weni} keeps {weni} whole free: {used} + {weni} = {want_enis}, "
            f"each with all {per_eni} secondary addresses"
        )
        if want_enis > pod_enis_max:
            steps.append(
                f"the node has {_plural(pod_enis_max, 'pod ENI')}: the warm pool stops there"
            )
            want_enis = pod_enis_max
        ips = want_enis * per_eni
        pod_enis = want_enis
    else:
        rule = "WARM_IP_TARGET/MINIMUM_IP_TARGET"
        w, m = wit or 0, mit or 0
        ips = max(p + w, m)
        steps.append(
            f"per node: WARM_IP_TARGET={wit if wit is not None else 'unset'}, "
            f"MINIMUM_IP_TARGET={mit if mit is not None else 'unset'} override WARM_ENI_TARGET: "
            f"max({p} + {w}, {m}) = {ips} secondary addresses"
        )
        if ips > most:
            steps.append(
                f"the node's {_plural(pod_enis_max, 'pod ENI')} hold at most {most} secondary "
                f"addresses: the warm pool stops there ({most}, not {ips})"
            )
            ips = most
        pod_enis = _ceil_div(ips, per_eni)
        steps.append(f"per node: ceil({ips}/{per_eni}) = {_plural(pod_enis, 'ENI')}")
    # pod_enis >= 1: a target above 0 is in effect (checked by plan_capacity).
    enis = pod_enis + 1 if custom else pod_enis
    held = ips + enis
    steps.append(
        f"per node: {ips} secondary addresses ({_plural(p, 'pod')}, {ips - p} unused) + "
        f"{enis} ENI primary = {held} addresses"
    )
    return (
        NodeUsage(
            enis=enis,
            pod_enis=pod_enis,
            prefixes=0,
            secondary_ips=ips,
            pod_addresses=p,
            unused_addresses=ips - p,
            eni_primary_addresses=enis,
            addresses=held,
        ),
        rule,
    )
