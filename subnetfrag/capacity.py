"""Capacity planning: the addresses and /28s an EKS cluster holds, and the
smallest subnet (and secondary CIDR) that fits them.

Why a simulation of one node rather than closed formulas: the VPC CNI's own
documentation (amazon-vpc-cni-k8s ``docs/prefix-and-ip-target.md``,
``docs/eni-and-ip-target.md``) gives its rules by example, and some of its rows
disagree with its code (docs/vpc.md lists them). :func:`plan_capacity` runs one
node through :class:`~subnetfrag.ipamd.NodeIpam`, the model of ipamd's code, on a
:class:`~subnetfrag.ipamd.CountingAllocator`, and multiplies it out: nodes of one
kind are identical. What follows for a node with p pods (the plan's steps show
each rule applied, and docs/vpc.md cites the code):

- prefix mode, ``WARM_PREFIX_TARGET`` = w: ceil(p / 16) + w prefixes (a prefix
  with one address in use is not free); ``WARM_IP_TARGET`` = W and/or
  ``MINIMUM_IP_TARGET`` = M override it: max(ceil(p / 16), ceil((p + W) / 16),
  ceil(M / 16)) prefixes, except that M without W never grows past M;
- secondary-IP mode with s = IPv4 per ENI - 1 slots per ENI, ``WARM_ENI_TARGET``
  = e: ceil(p / s) + e whole ENIs (e = 0: floor(p / s) + 1, the pool growing
  only when no address is free); with IP targets max(p + W, M) /32s;
- the pool stops growing once the node holds as many addresses as its max pods
  (``isDatastorePoolTooLow``), and at the last ENI slot (``MAX_ENI`` and the
  trunk ENI of security groups for pods take slots); the kubelet admits max
  pods - 2 pods that need an address. Pods beyond any of these get no address:
  the plan counts them (``pods_without_address``) and says why (``warnings``);
- every ENI's primary address is a /32 of its subnet; the node's own address
  is its primary ENI's. With custom networking the primary ENI stays in the
  node's subnet and carries no pod; the pod ENIs (their primary addresses and
  every pod address) live in the pod subnet, usually in a secondary CIDR block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import SubnetFragError
from .instances import InstanceLimits, lookup
from .ipamd import (
    DECREASE_INTERVAL_S,
    ENI_MIN_LIFETIME_S,
    POOL_MONITOR_INTERVAL_S,
    CniSettings,
    CountingAllocator,
    NodeIpam,
    _ceil_div,
)
from .maxpods import BOOTSTRAPS, HOST_NETWORK_PODS, IPS_PER_PREFIX, MaxPods, max_pods_for_node
from .subnet import MAX_PREFIXLEN, MIN_PREFIXLEN
from .wording import plural

__all__ = [
    "WARNING_CODES",
    "CapacityPlan",
    "InvalidCapacityArgument",
    "NodeUsage",
    "PlanWarning",
    "SubnetNeed",
    "fits_in_subnet",
    "plan_capacity",
    "smallest_subnet",
    "steady_node",
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
    """The fewest /16 subnets that hold the prefixes and /32s between them, in
    O(1): k /16s fit when prefixes <= k x usable and singles <= k x 27 + 16 x
    (k x usable - prefixes), i.e. singles + 16 x prefixes <= k x (27 + 16 x usable)."""
    usable = _BLOCKS_PER_16 - 2
    return max(
        1,
        _ceil_div(prefixes, usable),
        _ceil_div(singles + 16 * prefixes, _EDGE_SINGLES + 16 * usable),
    )


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class NodeUsage:
    """What one node holds at steady state (the :mod:`subnetfrag.ipamd` model).

    ``enis`` attached (the primary and a trunk ENI included), ``pod_enis`` of
    them holding pod addresses, ``trunk_enis`` (0 or 1), ``prefixes`` (/28s),
    ``secondary_ips`` (/32s for pods in secondary-IP mode), ``pod_addresses``
    (pods with an address), ``pods_without_address`` (pods of the node that get
    none: max pods reached, ENI slots exhausted, or a target that stops the
    pool), ``unused_addresses`` (warm: held, no pod), ``eni_primary_addresses``
    (one per ENI, the node's own address included) and ``addresses``, everything
    held: 16 x prefixes + secondary_ips + enis.
    """

    enis: int
    pod_enis: int
    prefixes: int
    secondary_ips: int
    pod_addresses: int
    unused_addresses: int
    eni_primary_addresses: int
    addresses: int
    pods_without_address: int = 0
    trunk_enis: int = 0

    def to_dict(self) -> dict[str, int]:
        """Every field. O(1)."""
        return {
            "enis": self.enis,
            "pod_enis": self.pod_enis,
            "trunk_enis": self.trunk_enis,
            "prefixes": self.prefixes,
            "secondary_ips": self.secondary_ips,
            "pod_addresses": self.pod_addresses,
            "pods_without_address": self.pods_without_address,
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
class PlanWarning:
    """One trap the plan falls into: a stable ``code`` (see docs/vpc.md) and a
    ``message`` for people."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """``{"code", "message"}``. O(1)."""
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return self.message

    def __contains__(self, text: str) -> bool:
        return text in self.message


#: The warning codes a plan may carry.
WARNING_CODES: tuple[str, ...] = (
    "minimum-ip-target-without-warm-ip-target",
    "max-pods-exceeded",
    "eni-slots-exhausted",
    "max-pods-ignores-prefix-delegation",
    "max-pods-ignores-custom-networking-or-max-eni",
    "trunk-eni-not-in-max-pods",
    "warm-ip-target-without-minimum-ip-target",
)


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    """The result of :func:`plan_capacity`: inputs, per-node usage, totals for
    the cluster, the subnets needed, and the arithmetic as ``steps``.

    Totals: ``prefixes`` (/28s held in all), ``addresses`` (addresses held in
    all: 16 per prefix, secondary /32s and every ENI's primary address),
    ``pod_addresses``, ``pods_without_address``, ``unused_addresses`` (the warm
    pool), and ``eni_primary_addresses``. ``max_pods`` is the kubelet's value
    the plan used and ``max_pods_rule`` where it came from.
    ``secondary_cidr_prefixlen`` is the smallest VPC CIDR block that holds the
    pod subnet (the whole cluster without custom networking); None beyond a /16.
    ``warnings`` are :class:`PlanWarning` s.
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
    warnings: tuple[PlanWarning, ...] = field(default=())
    max_eni: int | None = None
    max_pods: int = 0
    max_pods_rule: str = ""
    security_groups_for_pods: bool = False
    bootstrap: str | None = None
    pods_without_address: int = 0

    def explain(self) -> str:
        """The arithmetic, one numbered step a line, then any warnings. O(steps)."""
        lines = [f"{i}. {step}" for i, step in enumerate(self.steps, start=1)]
        lines += [f"warning [{w.code}]: {w.message}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: inputs, ``per_node``, the totals (``prefixes``,
        ``addresses``, ``pod_addresses``, ``pods_without_address``,
        ``unused_addresses``, ``eni_primary_addresses``), ``max_pods`` and
        ``max_pods_rule``, ``subnets``, ``secondary_cidr_prefixlen``, ``steps``
        and ``warnings`` (``[{"code", "message"}]``). ``headroom`` is a float.
        O(steps)."""
        return {
            "instance_type": self.instance_type,
            "limits": self.limits.to_dict(),
            "nodes": self.nodes,
            "pods_per_node": self.pods_per_node,
            "mode": "prefix" if self.prefix_delegation else "secondary-ip",
            "custom_networking": self.custom_networking,
            "security_groups_for_pods": self.security_groups_for_pods,
            "warm_prefix_target": self.warm_prefix_target,
            "warm_ip_target": self.warm_ip_target,
            "minimum_ip_target": self.minimum_ip_target,
            "warm_eni_target": self.warm_eni_target,
            "max_eni": self.max_eni,
            "max_pods": self.max_pods,
            "max_pods_rule": self.max_pods_rule,
            "bootstrap": self.bootstrap,
            "warm_pool_rule": self.warm_pool_rule,
            "headroom": float(self.headroom),
            "per_node": self.per_node.to_dict(),
            "prefixes": self.prefixes,
            "addresses": self.addresses,
            "pod_addresses": self.pod_addresses,
            "pods_without_address": self.pods_without_address,
            "unused_addresses": self.unused_addresses,
            "eni_primary_addresses": self.eni_primary_addresses,
            "subnets": [s.to_dict() for s in self.subnets],
            "secondary_cidr_prefixlen": self.secondary_cidr_prefixlen,
            "steps": list(self.steps),
            "warnings": [w.to_dict() for w in self.warnings],
        }


# ---------------------------------------------------------------- arguments

#: Bounds that keep a plan O(1): no VPC holds more than 2**32 addresses, so no
#: count above that can be planned; a node's own work is bounded by its ENIs.
MAX_COUNT = 1 << 32
MAX_PLAN_ENIS = 64
MAX_PLAN_IPV4_PER_ENI = 64


def _check_int(name: str, value: Any, minimum: int, maximum: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCapacityArgument(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise InvalidCapacityArgument(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise InvalidCapacityArgument(
            f"{name} must be at most {maximum:,} (no VPC holds more IPv4 addresses), not {value:,}"
            if maximum == MAX_COUNT
            else f"{name} must be at most {maximum:,}, not {value:,}"
        )


def _fraction(headroom: Any) -> Fraction:
    if isinstance(headroom, bool) or not isinstance(headroom, int | float | Fraction | Decimal):
        raise InvalidCapacityArgument(f"headroom must be a number, not {headroom!r}")
    if isinstance(headroom, float):
        if not math.isfinite(headroom):
            raise InvalidCapacityArgument(f"headroom must be finite, not {headroom!r}")
        value = Fraction(repr(headroom))  # 0.2 means 1/5, not the binary float
    else:
        if isinstance(headroom, Decimal) and not headroom.is_finite():
            raise InvalidCapacityArgument(f"headroom must be finite, not {headroom!r}")
        value = Fraction(headroom)
    if value < 0:
        raise InvalidCapacityArgument(f"headroom must be 0 or more, not {headroom!r}")
    if value > MAX_COUNT:
        raise InvalidCapacityArgument(f"headroom must be at most {MAX_COUNT:,}, not {headroom!r}")
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
        limits = eni_limits
    else:
        if not isinstance(eni_limits, tuple | list) or len(eni_limits) != 2:
            raise InvalidCapacityArgument(
                f"eni_limits must be (ENIs, IPv4 addresses per ENI) or InstanceLimits, "
                f"not {eni_limits!r}"
            )
        enis, ipv4 = eni_limits
        _check_int("eni_limits ENIs", enis, 1)
        _check_int("eni_limits IPv4 addresses per ENI", ipv4, 1)
        limits = InstanceLimits(f"{enis} ENIs x {ipv4} IPv4", enis=enis, ipv4_per_eni=ipv4)
    _check_int("eni_limits ENIs", limits.enis, 1, MAX_PLAN_ENIS)
    _check_int("eni_limits IPv4 addresses per ENI", limits.ipv4_per_eni, 1, MAX_PLAN_IPV4_PER_ENI)
    return limits


def _ceil_times(x: int, factor: Fraction) -> int:
    return math.ceil(x * factor)


def _unset(value: int | None) -> str:
    return "unset" if value is None else str(value)


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
    max_eni: int | None = None,
    max_pods: int | None = None,
    security_groups_for_pods: bool = False,
    bootstrap: str | None = None,
) -> CapacityPlan:
    """What ``nodes`` nodes, each running ``pods_per_node`` pods that need VPC
    addresses, hold at steady state, and the smallest subnets that fit it.

    One node's steady state comes from :class:`~subnetfrag.ipamd.NodeIpam` (the
    VPC CNI's ipamd, rule by rule) on a
    :class:`~subnetfrag.ipamd.CountingAllocator`: the node joins, its pods
    arrive and ipamd reconciles until nothing changes, then runs long enough
    for every release. Nodes of one kind are identical, so the cluster is that
    node times ``nodes``.

    The node's limits come from ``instance_type`` (the bundled table of
    :mod:`subnetfrag.instances`) or ``eni_limits``: ``(ENIs, IPv4 addresses per
    ENI)`` or an :class:`~subnetfrag.instances.InstanceLimits`. The CNI
    settings: ``WARM_PREFIX_TARGET`` (default 1, as the CNI's manifest sets it),
    ``WARM_IP_TARGET``, ``MINIMUM_IP_TARGET`` (None: unset), ``WARM_ENI_TARGET``
    (default 1), ``MAX_ENI`` (``max_eni``), custom networking, security groups
    for pods (a trunk ENI takes a slot). ``max_pods`` is the kubelet's value;
    when None it is what ``bootstrap`` sets: None, the value EKS documents to
    set (the AL2 calculator's recommendation); ``"al2"``, ``"al2023"`` or
    ``"karpenter"``, that bootstrapper's default (:func:`~subnetfrag.maxpods.max_pods`).
    ``headroom`` (0.25 = 25 % more) scales the /28s and /32s each subnet must
    hold before sizing it. The plan's ``steps`` show the rules applied; pods a
    node cannot address are counted in ``pods_without_address`` and explained
    in ``warnings``.

    Raises :class:`InvalidCapacityArgument` (a count of the wrong type or out of
    range: ``nodes``, ``pods_per_node`` and the targets up to 2**32, ENI limits
    up to 64 ENIs x 64 IPv4; both or neither of ``instance_type`` and
    ``eni_limits``; a target combination the CNI documents as unsupported: both
    IP targets 0, or ``WARM_PREFIX_TARGET`` 0 when in effect; a node with no
    slot for pods; an unknown ``bootstrap``),
    :class:`~subnetfrag.instances.UnknownInstanceType` and
    :class:`~subnetfrag.maxpods.PrefixDelegationUnsupported` (prefix mode on a
    type neither Nitro nor bare metal). O(1) in ``nodes`` and in the pods
    beyond what a node can address; about O(s x ENIs) in the node's slots s:
    15 ms for m5.large, 0.2 s at the 64 ENIs x 64 IPv4 bound.
    """
    _check_int("nodes", nodes, 1, MAX_COUNT)
    _check_int("pods_per_node", pods_per_node, 0, MAX_COUNT)
    _check_int("warm_prefix_target", warm_prefix_target, 0, MAX_COUNT)
    _check_int("warm_eni_target", warm_eni_target, 0, MAX_COUNT)
    for name, target in (
        ("warm_ip_target", warm_ip_target),
        ("minimum_ip_target", minimum_ip_target),
        ("max_pods", max_pods),
    ):
        if target is not None:
            _check_int(name, target, 1 if name == "max_pods" else 0, MAX_COUNT)
    if max_eni is not None:
        _check_int("max_eni", max_eni, 1, MAX_COUNT)
    for name, flag in (
        ("prefix_delegation", prefix_delegation),
        ("custom_networking", custom_networking),
        ("security_groups_for_pods", security_groups_for_pods),
    ):
        if not isinstance(flag, bool):
            raise InvalidCapacityArgument(f"{name} must be True or False, not {flag!r}")
    if bootstrap is not None and bootstrap not in BOOTSTRAPS:
        raise InvalidCapacityArgument(
            f"bootstrap must be one of {', '.join(BOOTSTRAPS)} or None, not {bootstrap!r}"
        )
    factor = 1 + _fraction(headroom)
    limits = _limits(instance_type, eni_limits)

    ip_targets = warm_ip_target is not None or minimum_ip_target is not None
    if prefix_delegation and ip_targets and not (warm_ip_target or minimum_ip_target):
        raise InvalidCapacityArgument(
            "WARM_IP_TARGET and MINIMUM_IP_TARGET set to 0 is not supported by the VPC CNI "
            "in prefix mode (docs/prefix-and-ip-target.md); leave them unset or set one above 0"
        )
    if prefix_delegation and not (warm_ip_target or minimum_ip_target) and warm_prefix_target == 0:
        raise InvalidCapacityArgument(
            "WARM_PREFIX_TARGET=0 is not supported by the VPC CNI in prefix mode "
            "(docs/prefix-and-ip-target.md); set it to 1 or more, or set WARM_IP_TARGET / "
            "MINIMUM_IP_TARGET"
        )

    steps: list[str] = []
    warnings: list[PlanWarning] = []
    per_eni = limits.ipv4_per_eni - 1
    enis_usable = limits.enis if max_eni is None else min(max_eni, limits.enis)
    pod_enis_max = enis_usable - (1 if custom_networking else 0)
    pod_enis_max -= 1 if security_groups_for_pods and enis_usable > 1 else 0
    unit = "prefixes" if prefix_delegation else "secondary addresses"
    steps.append(
        f"{limits.instance_type}: {plural(limits.enis, 'ENI')} x {limits.ipv4_per_eni} IPv4 "
        f"slots ({limits.source}); each ENI's primary address takes a slot, leaving "
        f"{per_eni} {unit} per ENI"
    )
    if max_eni is not None and max_eni < limits.enis:
        steps.append(
            f"MAX_ENI={max_eni}: ipamd attaches at most min({max_eni}, {limits.enis}) = "
            f"{plural(enis_usable, 'ENI')} (getMaxENI)"
        )
    if custom_networking:
        steps.append(
            "custom networking: the primary ENI stays in the node subnet and carries no pod; "
            f"{plural(enis_usable - 1, 'ENI')} for pods, in the pod subnet"
        )
    if security_groups_for_pods:
        steps.append(
            "security groups for pods: the trunk ENI takes one ENI slot (hasRoomForEni: "
            "maxENI - trunkEni) and holds no pod address here"
            if enis_usable > 1
            else "security groups for pods: no ENI slot is left for the trunk ENI "
            "(tryEnableSecurityGroupsForPods), so pods get no branch ENI"
        )
    if per_eni < 1 or pod_enis_max < 1:
        raise InvalidCapacityArgument(
            f"{limits.instance_type} has no ENI slot for pods "
            f"({limits.enis} ENIs x {limits.ipv4_per_eni} IPv4 slots"
            f"{', MAX_ENI ' + str(max_eni) if max_eni is not None else ''}"
            f"{', one ENI kept for the node by custom networking' if custom_networking else ''}"
            f"{', one for the trunk ENI' if security_groups_for_pods else ''})"
        )

    # Max pods: given, or what the bootstrapper sets. The AL2 value is always
    # computed: PrefixDelegationUnsupported comes from it for prefix mode on a
    # type without it.
    def bootstrapped(which: str) -> MaxPods:
        return max_pods_for_node(
            limits,
            bootstrap=which,
            prefix_delegation=prefix_delegation,
            custom_networking=custom_networking,
            max_eni=max_eni,
        )

    recommended = bootstrapped("al2")
    if max_pods is not None:
        mp, mp_rule = max_pods, "given"
    elif bootstrap is None:
        mp, mp_rule = (
            recommended.max_pods,
            f"EKS's recommendation, AL2 calculator: {recommended.explanation}",
        )
    else:
        chosen = bootstrapped(bootstrap)
        mp, mp_rule = chosen.max_pods, f"{bootstrap} default: {chosen.explanation}"
        if chosen.override is not None:
            code = (
                "max-pods-ignores-prefix-delegation"
                if prefix_delegation
                else "max-pods-ignores-custom-networking-or-max-eni"
            )
            warnings.append(PlanWarning(code, chosen.notes[0]))
    pod_room = max(mp - HOST_NETWORK_PODS, 0)
    steps.append(
        f"max pods {mp} ({mp_rule}); the kubelet admits {pod_room} pods that need an address "
        f"({HOST_NETWORK_PODS} host-network pods: aws-node, kube-proxy)"
    )

    settings = CniSettings(
        prefix_delegation=prefix_delegation,
        warm_prefix_target=warm_prefix_target,
        warm_ip_target=warm_ip_target,
        minimum_ip_target=minimum_ip_target,
        warm_eni_target=warm_eni_target,
        max_eni=max_eni,
        max_pods=mp,
        custom_networking=custom_networking,
        security_groups_for_pods=security_groups_for_pods,
    )
    node_ipam, placed = steady_node(settings, limits, pods_per_node)
    p = pods_per_node
    rule = _explain_pool(node_ipam, p, placed, per_eni, pod_enis_max, steps)
    node = _usage(node_ipam, placed, p)
    if node.pods_without_address:
        warnings.extend(_why_without_address(node_ipam, node, p, pod_room, pod_enis_max, per_eni))
    if (
        minimum_ip_target
        and not warm_ip_target
        and not any(w.code == "minimum-ip-target-without-warm-ip-target" for w in warnings)
    ):
        warnings.append(
            PlanWarning(
                "minimum-ip-target-without-warm-ip-target",
                "MINIMUM_IP_TARGET without WARM_IP_TARGET: the CNI takes WARM_IP_TARGET as 0 and "
                f"holds only MINIMUM_IP_TARGET={minimum_ip_target} addresses; pods beyond "
                "them get none (amazon-vpc-cni-k8s README, issue #2650)",
            )
        )
    if warm_ip_target and not minimum_ip_target:
        warnings.append(
            PlanWarning(
                "warm-ip-target-without-minimum-ip-target",
                f"WARM_IP_TARGET={warm_ip_target} without MINIMUM_IP_TARGET: every pod start and "
                "stop may call EC2, which can throttle; the CNI README strongly suggests setting "
                "MINIMUM_IP_TARGET with WARM_IP_TARGET",
            )
        )
    # Pods max pods admits but the ENI slots, one taken by the trunk, cannot address.
    if node_ipam.trunk_attached and node.pods_without_address > max(p - pod_room, 0):
        warnings.append(
            PlanWarning(
                "trunk-eni-not-in-max-pods",
                "no bootstrapper's max pods subtracts the trunk ENI of security groups for "
                "pods, but ipamd keeps its slot: lower max pods, or plan the missing addresses",
            )
        )

    n = nodes
    prefixes = node.prefixes * n
    addresses = node.addresses * n
    unused = node.unused_addresses * n
    primaries = node.eni_primary_addresses * n
    secondary = node.secondary_ips * n
    held = []
    if prefixes:
        held.append(
            f"{plural(prefixes, 'prefix', 'prefixes')} = {prefixes * 16:,} prefix addresses "
            f"({plural(placed * n, 'pod')}, {unused:,} unused)"
        )
    if secondary:
        held.append(
            f"{secondary:,} secondary addresses ({plural(placed * n, 'pod')}, {unused:,} unused)"
        )
    held.append(f"{plural(primaries, 'ENI primary address', 'ENI primary addresses')}")
    steps.append(f"{plural(n, 'node')}: {' + '.join(held)} = {addresses:,} addresses held")

    needs: tuple[SubnetNeed, ...]
    if custom_networking:
        needs = (
            _need("nodes", 0, n, factor),
            _need("pods", prefixes, primaries - n + secondary, factor),
        )
    else:
        needs = (_need("nodes and pods", prefixes, primaries + secondary, factor),)
    pct = f"{float(factor - 1) * 100:g}%"
    for need in needs:
        where = f"{need.role} subnet"
        req = (
            f"{plural(need.required_prefixes, 'prefix', 'prefixes')} and "
            f"{plural(need.required_singles, '/32')}"
        )
        base = f"{plural(need.prefixes, 'prefix', 'prefixes')} and {plural(need.singles, '/32')}"
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
                f"{where}: {with_headroom}; more than a /16 holds: "
                f"{need.subnets_of_16:,} /16 subnets"
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
        pod_addresses=placed * n,
        unused_addresses=unused,
        eni_primary_addresses=primaries,
        subnets=needs,
        secondary_cidr_prefixlen=secondary_plen,
        steps=tuple(steps),
        warnings=tuple(warnings),
        max_eni=max_eni,
        max_pods=mp,
        max_pods_rule=mp_rule,
        security_groups_for_pods=security_groups_for_pods,
        bootstrap=bootstrap,
        pods_without_address=node.pods_without_address * n,
    )


def steady_node(settings: CniSettings, limits: InstanceLimits, pods: int) -> tuple[NodeIpam, int]:
    """One node's steady state with ``pods`` pods: the node joins, pods arrive
    in bursts with ipamd reconciling after each until nothing changes, then time
    passes until every release has happened. Returns the node and how many
    pods got an address. The simulator's steady state is the same code.
    Raises what :class:`~subnetfrag.ipamd.NodeIpam` raises. About O(s x ENIs)
    in the node's slots s (one reconcile per growth step), independent of
    ``pods`` beyond what the node can address."""
    node_ipam = NodeIpam(settings, limits, CountingAllocator())
    t = 0.0
    node_ipam.settle(t)
    placed = 0
    while placed < pods:
        got = node_ipam.add_pods(pods - placed, now_s=t)
        placed += got
        if placed == pods:
            break
        t += POOL_MONITOR_INTERVAL_S
        if not node_ipam.settle(t).changed and not got:
            break
    t += POOL_MONITOR_INTERVAL_S
    node_ipam.settle(t)
    for _ in range(64):  # shrink passes are 30 s apart; ENIs live 60 s at least
        t += DECREASE_INTERVAL_S + ENI_MIN_LIFETIME_S
        if not node_ipam.settle(t).changed:
            break
    return node_ipam, placed


def _usage(node_ipam: NodeIpam, placed: int, pods: int) -> NodeUsage:
    books = node_ipam.to_dict()["per_eni"]
    pod_enis = sum(1 for e in books if e["pods_per_cidr"])
    trunk = sum(1 for e in books if e["role"] == "trunk")
    return NodeUsage(
        enis=node_ipam.enis,
        pod_enis=pod_enis,
        prefixes=node_ipam.prefixes,
        secondary_ips=node_ipam.ips,
        pod_addresses=placed,
        unused_addresses=node_ipam.held - placed,
        eni_primary_addresses=node_ipam.enis,
        addresses=node_ipam.held + node_ipam.enis,
        pods_without_address=pods - placed,
        trunk_enis=trunk,
    )


def _explain_pool(
    node_ipam: NodeIpam, p: int, placed: int, per_eni: int, pod_enis_max: int, steps: list[str]
) -> str:
    """Steps for the warm-pool rule in effect; returns its name."""
    wit, mit = node_ipam.settings.warm_ip_target, node_ipam.settings.minimum_ip_target
    if node_ipam.prefix_delegation:
        got, unit = node_ipam.prefixes, "prefixes"
        used = _ceil_div(p, 16)
        if not (wit or mit):
            rule, w = "WARM_PREFIX_TARGET", node_ipam.warm_prefix_target
            want = used + w
            steps.append(
                f"per node: {plural(p, 'pod')} {'fills' if p == 1 else 'fill'} "
                f"ceil({p}/16) = {used} {'prefix' if used == 1 else 'prefixes'}; "
                f"WARM_PREFIX_TARGET={w} keeps 16 x {w} addresses free in whole prefixes "
                f"(isDatastorePoolTooLow; a prefix with one address in use is not free): "
                f"{used} + {w} = {want}"
            )
        else:
            rule = "WARM_IP_TARGET/MINIMUM_IP_TARGET"
            w, m = wit or 0, mit or 0
            a, b = _ceil_div(p + w, 16), _ceil_div(m, 16)
            want = max(used, a, b)
            steps.append(
                f"per node: WARM_IP_TARGET={_unset(wit)}, MINIMUM_IP_TARGET={_unset(mit)} "
                "override WARM_PREFIX_TARGET and count addresses in whole prefixes "
                f"(datastoreTargetState): max(ceil({p}/16), ceil(({p} + {w})/16), "
                f"ceil({m}/16)) = max({used}, {a}, {b}) = {want}"
            )
    else:
        got, unit = node_ipam.ips, "secondary addresses"
        if not (wit or mit) and node_ipam.warm_eni_target == 0:
            rule = "WARM_ENI_TARGET"
            full = p // per_eni
            want = (full + 1) * per_eni
            steps.append(
                f"per node: WARM_ENI_TARGET=0 grows the pool only when no address is free "
                "(isDatastorePoolTooLow: warmTarget == 0 && available == 0), a whole ENI at a "
                f"time: {plural(p, 'pod')} fill floor({p}/{per_eni}) = {plural(full, 'ENI')}, "
                f"+ 1 = {plural(full + 1, 'ENI')}, each with all {per_eni} secondary "
                f"addresses = {want}"
            )
        elif not (wit or mit):
            rule, e = "WARM_ENI_TARGET", node_ipam.warm_eni_target
            used = _ceil_div(p, per_eni)
            want = (used + e) * per_eni
            steps.append(
                f"per node: {plural(p, 'pod')} {'uses' if p == 1 else 'use'} "
                f"ceil({p}/{per_eni}) = {plural(used, 'ENI')}; WARM_ENI_TARGET={e} keeps "
                f"{e} x {per_eni} addresses free (isDatastorePoolTooLow): {used} + {e} = "
                f"{used + e} ENIs, each with all {per_eni} secondary addresses = {want}"
            )
        else:
            rule = "WARM_IP_TARGET/MINIMUM_IP_TARGET"
            w, m = wit or 0, mit or 0
            want = max(p + w, m)
            steps.append(
                f"per node: WARM_IP_TARGET={_unset(wit)}, MINIMUM_IP_TARGET={_unset(mit)} "
                f"override WARM_ENI_TARGET (datastoreTargetState): max({p} + {w}, {m}) = "
                f"{want} secondary addresses"
            )
    if got < want:
        most = pod_enis_max * per_eni
        if node_ipam.held >= node_ipam.max_pods:
            why = (
                f"{node_ipam.held} addresses >= max pods {node_ipam.max_pods} "
                "(isDatastorePoolTooLow: stats.TotalIPs >= c.maxPods)"
            )
        elif mit and not wit:
            why = (
                f"MINIMUM_IP_TARGET={mit} without WARM_IP_TARGET: datastoreTargetState's short "
                f"= max(0 - free, {mit} - total) is 0 once {node_ipam.held} addresses are held"
            )
        elif got >= most:
            why = f"the node's {plural(pod_enis_max, 'pod ENI')} hold at most {most} {unit}"
        else:
            why = "ipamd's targets are met"
        steps.append(f"the warm pool stops there ({got}, not {want}): {why}")
    elif got > want:
        steps.append(f"ipamd holds {got} {unit}: whole ENIs and prefixes are assigned at once")
    books = node_ipam.to_dict()["per_eni"]
    holding = sum(1 for e in books if e["pods_per_cidr"])
    extra = []
    if node_ipam.settings.custom_networking:
        extra.append("the primary ENI")
    if node_ipam.trunk_attached:
        extra.append("the trunk ENI")
    verb = "holds" if holding == 1 else "hold"
    steps.append(
        f"per node: {plural(holding, 'ENI')} {verb} the {unit} (every slot of the attached "
        "ENIs is used before another is attached)"
        + "".join(f", + {x}" for x in extra)
        + f": {plural(node_ipam.enis, 'ENI primary address', 'ENI primary addresses')}"
    )
    held = node_ipam.held
    what = (
        f"{got} x 16 = {held} prefix addresses"
        if node_ipam.prefix_delegation
        else (f"{held} secondary addresses")
    )
    steps.append(
        f"per node: {what} ({plural(placed, 'pod')}, {held - placed} unused) + "
        f"{node_ipam.enis} ENI primary = {held + node_ipam.enis} addresses"
        + (f"; {plural(p - placed, 'pod')} without an address" if p > placed else "")
    )
    return rule


def _why_without_address(
    node_ipam: NodeIpam, node: NodeUsage, p: int, pod_room: int, pod_enis_max: int, per_eni: int
) -> list[PlanWarning]:
    out: list[PlanWarning] = []
    missing = node.pods_without_address
    wit, mit = node_ipam.settings.warm_ip_target, node_ipam.settings.minimum_ip_target
    if p > pod_room:
        out.append(
            PlanWarning(
                "max-pods-exceeded",
                f"{p} pods + {HOST_NETWORK_PODS} host-network pods exceed max pods "
                f"{node_ipam.max_pods}: the kubelet refuses {p - pod_room} of them on each node",
            )
        )
    rest = missing - max(p - pod_room, 0)
    if rest <= 0:
        return out
    if mit and not wit:
        out.append(
            PlanWarning(
                "minimum-ip-target-without-warm-ip-target",
                f"MINIMUM_IP_TARGET={mit} without WARM_IP_TARGET: the CNI takes WARM_IP_TARGET as "
                f"0 and allocates nothing beyond {node_ipam.held} addresses, so {rest} pods per "
                "node get no address (amazon-vpc-cni-k8s README, issue #2650)",
            )
        )
    else:
        unit = IPS_PER_PREFIX if node_ipam.prefix_delegation else 1
        out.append(
            PlanWarning(
                "eni-slots-exhausted",
                f"the node's {plural(pod_enis_max, 'pod ENI')} x {per_eni} slots address at most "
                f"{pod_enis_max * per_eni * unit} pods: {rest} pods per node get no address",
            )
        )
    return out


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
