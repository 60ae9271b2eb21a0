"""One model of the VPC CNI's per-node address management (ipamd), used by the
capacity planner (a node's steady state), the simulator and headroom alike.

Why a model of the code rather than of its documentation: the documentation
(``docs/prefix-and-ip-target.md``, ``docs/eni-and-ip-target.md``) describes the
rules by example and some rows disagree with the code; users size subnets from
these numbers, so every rule below follows aws/amazon-vpc-cni-k8s
``pkg/ipamd/ipamd.go`` and ``pkg/ipamd/datastore/data_store.go`` (read at commit
b52188387f2e, August 2026) and names the function it comes from.

:class:`NodeIpam` decides and keeps one node's books; a :class:`NodeAllocator`
does the subnet work: :class:`CountingAllocator` never fails and only counts
(the planner), :class:`SubnetAllocator` takes real /32s and /28s from one
:class:`~subnetfrag.subnet.Subnet` (the simulator).

The rules (IPv4, the default network card):

- Settings (``getWarmENITarget``, ``getWarmPrefixTarget``, ``getWarmIPTarget``,
  ``getMinimumIPTarget``, ``getMaxENI``): unset ``WARM_ENI_TARGET`` is 1,
  unset ``WARM_PREFIX_TARGET`` 0, unset ``WARM_IP_TARGET``/``MINIMUM_IP_TARGET``
  0; either IP target above 0 makes the IP targets "defined"
  (``warmIPTargetsDefined``) and they then override the ENI/prefix target.
  ``MAX_ENI`` lowers the instance's ENI count. The manifest and Helm chart the
  project ships set ``WARM_ENI_TARGET=1`` and ``WARM_PREFIX_TARGET=1``.
- Slots (``GetIPv4Limit``, ``GetENIIPv4Limit``): each ENI has IPv4-per-ENI - 1
  slots (its primary address takes one); a slot holds one secondary /32, or in
  prefix mode one /28 of 16 addresses.
- Pool too low (``isDatastorePoolTooLow``): never once the node holds as many
  addresses as its max pods (``stats.TotalIPs >= c.maxPods``); with IP targets,
  when ``datastoreTargetState`` is short; otherwise when the available
  (unassigned) addresses are fewer than target x unit, unit being a whole ENI of
  slots (secondary-IP mode) or 16 (prefix mode), or the target is 0 and nothing
  is available.
- Growth (``increaseDatastorePool``): nothing during the 120 s after an
  ``InsufficientCidrBlocks`` or ``InsufficientFreeAddressesInSubnet`` error
  (``insufficientCidrErrorCooldown``, ``containsInsufficientCIDRsOrSubnetIPs``);
  else fill the first attached ENI with free slots (``tryAssignPrefixes`` /
  ``tryAssignIPs``: ``getPrefixesNeeded`` prefixes, at least 1; a whole ENI of
  /32s, or what the IP targets are short), retrying one on failure; only when no
  slot was added, attach a new ENI if ``hasRoomForEni`` (ENIs < MAX_ENI, one
  slot kept for the trunk ENI of security groups for pods) with
  ``GetENIResourcesToAllocate`` prefixes or /32s created with it
  (``tryAllocateENI``). With custom networking the primary ENI gets nothing
  (``GetAllocatableENIs(..., skipPrimary)``). ``ENABLE_SUBNET_DISCOVERY``
  (default true) makes a failed assignment try the next ENI instead of
  returning the error, so the cooldown then starts only if a new ENI fails.
- Shrink (``isDatastorePoolTooHigh``, ``decreaseDatastorePool``,
  ``tryUnassignCidrsFromAll``): at most every 30 s (``decreaseIPPoolInterval``);
  with IP targets, release the prefixes or /32s ``datastoreTargetState`` is
  over; in prefix mode otherwise, the free prefixes beyond
  ``WARM_PREFIX_TARGET`` (``computeExtraPrefixesOverWarmTarget``); in
  secondary-IP mode without IP targets, never. Only a /28 or /32 with no pod
  address is freed (``FindFreeableCidrs``), whether or not an address in it is
  cooling down.
- ENIs (``shouldRemoveExtraENIs``, ``tryFreeENI``, ``getDeletableENI``): an ENI
  is detached when it is not the primary or the trunk, is at least 60 s old
  (``minENILifeTime``), has no pod and no address cooling down, and the other
  ENIs still meet the IP targets and ``WARM_PREFIX_TARGET``.
- Pods (``AssignPodIPv4Address``, ``getUnusedIP``, ``UnassignPodIPAddress``):
  a pod takes an address from any ENI's /28 or /32 that has one neither
  assigned nor cooling down; a freed address cools down for
  ``IP_COOLDOWN_PERIOD`` (30 s). The CNI walks Go maps, whose order is
  randomised: :class:`NodeIpam` walks the ENIs and their /28s in attach order
  unless given a ``random.Random``, then picks uniformly among the /28s or /32s
  with room (an approximation of Go's map order).
- Max pods: ipamd reads the kubelet's value (``nodeInit``); the kubelet counts
  the node's host-network pods (aws-node, kube-proxy) against it, so at most
  max pods - 2 pods get an address here.

What the model leaves out: EC2's reconciliation with instance metadata
(``nodeIPPoolReconcile``), several network cards (``ENABLE_MULTI_NIC``), ENIs
excluded by subnet tags or unmanaged (``unmanagedENI``), IPv6, and
non-schedulable or terminating nodes. ENI attachment is immediate. With
security groups for pods, ``hasRoomForEni`` keeps the trunk's slot only on a
type the VPC resource controller marks trunking-compatible
(``IsTrunkingCompatible``); the instance table has no such column, so the model
keeps it on every type.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

from .errors import InsufficientCidrBlocks, InsufficientFreeAddressesInSubnet, SubnetFragError
from .instances import InstanceLimits
from .owner import Owner
from .subnet import Subnet

__all__ = [
    "DECREASE_INTERVAL_S",
    "ENI_MIN_LIFETIME_S",
    "INSUFFICIENT_CIDR_BLOCKS",
    "INSUFFICIENT_CIDR_COOLDOWN_S",
    "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET",
    "IP_COOLDOWN_S",
    "POOL_MONITOR_INTERVAL_S",
    "CniSettings",
    "CountingAllocator",
    "InvalidCniSettings",
    "NodeAllocator",
    "NodeGone",
    "NodeIpam",
    "ReconcileResult",
    "SubnetAllocator",
]

#: EC2's error codes that start ipamd's cooldown (``INSUFFICIENT_CIDR_BLOCKS``,
#: ``INSUFFICIENT_FREE_IP_SUBNET`` in ipamd.go).
INSUFFICIENT_CIDR_BLOCKS = "InsufficientCidrBlocks"
INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET = "InsufficientFreeAddressesInSubnet"
#: ``insufficientCidrErrorCooldown``: no growth for this long after either error.
INSUFFICIENT_CIDR_COOLDOWN_S = 120.0
#: ``decreaseIPPoolInterval``: the pool shrinks at most this often.
DECREASE_INTERVAL_S = 30.0
#: ``minENILifeTime``: an ENI younger than this is never detached.
ENI_MIN_LIFETIME_S = 60.0
#: ``IP_COOLDOWN_PERIOD`` default (``getCooldownPeriod``): a freed pod address
#: is not reused for this long.
IP_COOLDOWN_S = 30.0
#: ``ipPoolMonitorInterval``: how often ipamd runs ``updateIPPoolIfRequired``.
POOL_MONITOR_INTERVAL_S = 5.0

_PREFIX_SIZE = 16
_HOST_NETWORK_PODS = 2
#: The CNI's defaults for unset variables (``defaultWarmENITarget``,
#: ``defaultWarmPrefixTarget``, ``noWarmIPTarget``, ``noMinimumIPTarget``).
_DEFAULT_WARM_ENI_TARGET = 1
_DEFAULT_WARM_PREFIX_TARGET = 0


class InvalidCniSettings(SubnetFragError, ValueError):
    """A CNI setting that is unknown, of the wrong type or out of range; the
    message names the setting."""


class NodeGone(SubnetFragError, RuntimeError):
    """A call on a :class:`NodeIpam` after :meth:`NodeIpam.release_all`."""


# ----------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class CniSettings:
    """The VPC CNI's settings, by the lower-case names of its environment
    variables; None means unset (the CNI's own default applies, see the module
    docstring).

    - ``prefix_delegation``: ``ENABLE_PREFIX_DELEGATION``.
    - ``warm_prefix_target``, ``warm_ip_target``, ``minimum_ip_target``,
      ``warm_eni_target``: the warm-pool targets (0 or more).
    - ``max_eni``: ``MAX_ENI`` (1 or more; lowers the instance's ENI count).
    - ``max_pods``: the kubelet's max pods (1 or more); None: the value EKS
      documents for the mode (:func:`subnetfrag.maxpods.max_pods`, the AL2
      calculator's recommendation).
    - ``custom_networking``: ``AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG``.
    - ``security_groups_for_pods``: ``ENABLE_POD_ENI`` (a trunk ENI takes a slot).
    - ``subnet_discovery``: ``ENABLE_SUBNET_DISCOVERY`` (default true).
    - ``ip_cooldown_period``: ``IP_COOLDOWN_PERIOD`` in seconds (None: 30).

    Construction validates every field and raises :class:`InvalidCniSettings`
    naming it. O(1).
    """

    prefix_delegation: bool = False
    warm_prefix_target: int | None = None
    warm_ip_target: int | None = None
    minimum_ip_target: int | None = None
    warm_eni_target: int | None = None
    max_eni: int | None = None
    max_pods: int | None = None
    custom_networking: bool = False
    security_groups_for_pods: bool = False
    subnet_discovery: bool = True
    ip_cooldown_period: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _FLAGS:
                if not isinstance(value, bool):
                    raise InvalidCniSettings(f"{f.name} must be true or false, not {value!r}")
                continue
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidCniSettings(f"{f.name} must be an integer or unset, not {value!r}")
            least = 1 if f.name in ("max_eni", "max_pods") else 0
            if value < least:
                raise InvalidCniSettings(f"{f.name} must be at least {least}, not {value}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CniSettings:
        """Settings from a mapping of the field names (absent or None = unset).

        Raises :class:`InvalidCniSettings` naming an unknown key or a value of
        the wrong type or range. O(number of keys).
        """
        if not isinstance(data, Mapping):
            raise InvalidCniSettings(f"CNI settings must be a mapping, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidCniSettings(
                    f"unknown CNI setting {key!r}; known: {', '.join(sorted(known))}"
                )
        return cls(**{key: value for key, value in data.items() if value is not None})

    def to_dict(self) -> dict[str, Any]:
        """Every field (None for unset). O(1)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def ip_targets_defined(self) -> bool:
        """``warmIPTargetsDefined``: WARM_IP_TARGET or MINIMUM_IP_TARGET above 0. O(1)."""
        return bool(self.warm_ip_target) or bool(self.minimum_ip_target)


_FLAGS = frozenset(
    ("prefix_delegation", "custom_networking", "security_groups_for_pods", "subnet_discovery")
)


# ---------------------------------------------------------------- allocators


class NodeAllocator(Protocol):
    """Where a node's addresses come from. Handles are integers the allocator
    chooses; a failed call changes nothing."""

    def attach_eni(self, *, role: str = "pods") -> int:
        """A new ENI's primary /32 (``role``: ``"node"`` for the node's primary
        ENI, ``"pods"``, ``"trunk"``); returns the ENI's handle. Raises
        :class:`InsufficientFreeAddressesInSubnet` (EC2's
        ``InsufficientFreeAddressesInSubnet``)."""
        ...

    def assign_prefix(self, eni: int) -> int:
        """One /28 on that ENI; raises :class:`InsufficientCidrBlocks`."""
        ...

    def assign_ip(self, eni: int) -> int:
        """One secondary /32 on that ENI; raises :class:`InsufficientFreeAddressesInSubnet`."""
        ...

    def release(self, handle: int) -> None:
        """A prefix or a secondary /32 given back."""
        ...

    def detach_eni(self, eni: int) -> None:
        """The ENI and its primary /32 given back."""
        ...


class CountingAllocator:
    """A :class:`NodeAllocator` that never fails and counts what is held:
    ``enis``, ``prefixes``, ``ips`` (secondary /32s), and ``addresses`` (16 per
    prefix + /32s + ENI primaries). Every operation is O(1)."""

    __slots__ = ("_kinds", "_next", "enis", "ips", "prefixes")

    def __init__(self) -> None:
        self._kinds: dict[int, str] = {}
        self._next = 0
        self.enis = 0
        self.prefixes = 0
        self.ips = 0

    @property
    def addresses(self) -> int:
        """Addresses held: 16 x prefixes + secondary /32s + ENI primaries. O(1)."""
        return _PREFIX_SIZE * self.prefixes + self.ips + self.enis

    def _new(self, kind: str) -> int:
        self._next += 1
        self._kinds[self._next] = kind
        return self._next

    def attach_eni(self, *, role: str = "pods") -> int:
        """Count one ENI and its primary /32; return its handle. O(1)."""
        _check_role(role)
        self.enis += 1
        return self._new("eni")

    def assign_prefix(self, eni: int) -> int:
        """Count one /28; return its handle. O(1)."""
        self.prefixes += 1
        return self._new("prefix")

    def assign_ip(self, eni: int) -> int:
        """Count one secondary /32; return its handle. O(1)."""
        self.ips += 1
        return self._new("ip")

    def release(self, handle: int) -> None:
        """Uncount a prefix or a /32. Raises KeyError for an unknown handle
        or an ENI's. O(1)."""
        kind = self._kinds[handle]
        if kind == "eni":
            raise KeyError(handle)
        del self._kinds[handle]
        if kind == "prefix":
            self.prefixes -= 1
        else:
            self.ips -= 1

    def detach_eni(self, eni: int) -> None:
        """Uncount an ENI. Raises KeyError for a handle that is not an ENI's. O(1)."""
        if self._kinds.get(eni) != "eni":
            raise KeyError(eni)
        del self._kinds[eni]
        self.enis -= 1


_ROLES = {"node": "node-primary", "pods": "eks-pod", "trunk": "eks-pod"}


def _check_role(role: str) -> None:
    if role not in _ROLES:
        raise ValueError(f"ENI role must be one of {', '.join(_ROLES)}, not {role!r}")


class SubnetAllocator:
    """A :class:`NodeAllocator` over one :class:`~subnetfrag.subnet.Subnet`:
    handles are offsets from ``subnet.first`` (the integer door), so no address
    object is built. Every allocation is recorded with an
    :class:`~subnetfrag.owner.Owner`: the node's primary ENI address as
    ``node-primary``, pod ENIs' and the trunk ENI's primary addresses, prefixes
    and /32s as ``eks-pod``, with ``instance_id`` = ``owner_prefix`` and
    ``eni_id`` = ``"<owner_prefix>/eni-<n>"``. Each operation costs one subnet
    operation (O(1) for the automatic policies, see :class:`Subnet`)."""

    __slots__ = ("_next", "_owner_prefix", "_secondary_owners", "subnet")

    def __init__(self, subnet: Subnet, *, owner_prefix: str = "node") -> None:
        if not isinstance(subnet, Subnet):
            raise TypeError(f"subnet must be a Subnet, not {type(subnet).__name__}")
        if not isinstance(owner_prefix, str) or not owner_prefix:
            raise ValueError(f"owner_prefix must be a non-empty string, not {owner_prefix!r}")
        self.subnet = subnet
        self._owner_prefix = owner_prefix
        # Per ENI (by its primary's offset) the Owner of its prefixes and /32s:
        # built once at attach (Owner is frozen), not once per assignment.
        self._secondary_owners: dict[int, Owner] = {}
        self._next = 0

    def attach_eni(self, *, role: str = "pods") -> int:
        """Allocate a new ENI's primary /32 by the subnet's policy; return its
        offset. Raises :class:`InsufficientFreeAddressesInSubnet`. O(1)."""
        _check_role(role)
        self._next += 1
        eni_id = f"{self._owner_prefix}/eni-{self._next}"
        owner = Owner(
            eni_id=eni_id,
            instance_id=self._owner_prefix,
            interface_type="trunk" if role == "trunk" else "interface",
            owner_class=_ROLES[role],
            primary=True,
        )
        offset = self.subnet.allocate_ip_offset(owner=owner)
        self._secondary_owners[offset] = replace(
            owner, interface_type="interface", owner_class="eks-pod", primary=False
        )
        return offset

    def assign_prefix(self, eni: int) -> int:
        """Allocate one /28 for that ENI; return its offset. Raises
        :class:`InsufficientCidrBlocks`. O(1)."""
        return self.subnet.allocate_prefix_offset(owner=self._secondary_owners[eni])

    def assign_ip(self, eni: int) -> int:
        """Allocate one secondary /32 for that ENI; return its offset. Raises
        :class:`InsufficientFreeAddressesInSubnet`. O(1)."""
        return self.subnet.allocate_ip_offset(owner=self._secondary_owners[eni])

    def release(self, handle: int) -> None:
        """Release the /28 or /32 at that offset. Raises
        :class:`~subnetfrag.errors.NotAllocated`. O(1)."""
        self.subnet.release_offset(handle)

    def detach_eni(self, eni: int) -> None:
        """Release the ENI's primary /32. Raises KeyError for an unknown ENI. O(1)."""
        del self._secondary_owners[eni]
        self.subnet.release_offset(eni)


# ------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """What one :meth:`NodeIpam.reconcile` (or :meth:`NodeIpam.settle`) changed,
    and ``error``: the EC2 error name that stopped growth (None when none)."""

    enis_attached: int = 0
    enis_detached: int = 0
    prefixes_assigned: int = 0
    prefixes_released: int = 0
    ips_assigned: int = 0
    ips_released: int = 0
    error: str | None = None

    @property
    def changed(self) -> bool:
        """Whether anything was attached, assigned, released or detached. O(1)."""
        return bool(
            self.enis_attached
            or self.enis_detached
            or self.prefixes_assigned
            or self.prefixes_released
            or self.ips_assigned
            or self.ips_released
        )

    def __add__(self, other: ReconcileResult) -> ReconcileResult:
        return ReconcileResult(
            self.enis_attached + other.enis_attached,
            self.enis_detached + other.enis_detached,
            self.prefixes_assigned + other.prefixes_assigned,
            self.prefixes_released + other.prefixes_released,
            self.ips_assigned + other.ips_assigned,
            self.ips_released + other.ips_released,
            other.error if other.error is not None else self.error,
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field. O(1)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------- the books


class _Cidr:
    """A /28 (size 16) or a secondary /32 (size 1) on one ENI."""

    __slots__ = ("assigned", "cooling", "eni", "handle", "size")

    def __init__(self, handle: int, size: int, eni: _Eni) -> None:
        self.handle = handle
        self.size = size
        self.eni = eni
        self.assigned = 0
        self.cooling: deque[float] = deque()  # expiry times, in order


class _Eni:
    __slots__ = ("assigned", "cidrs", "created_s", "handle", "hint", "primary", "source", "trunk")

    def __init__(
        self, handle: int, source: NodeAllocator, created_s: float, primary: bool, trunk: bool
    ) -> None:
        self.handle = handle
        self.source = source
        self.created_s = created_s
        self.primary = primary
        self.trunk = trunk
        self.cidrs: list[_Cidr] = []
        self.assigned = 0
        self.hint = 0  # cidrs[:hint] are fully assigned


def _ceil_div(a: int, b: int) -> int:
    """``a / b`` rounded up, for integers with ``b > 0`` (also used by
    :mod:`subnetfrag.capacity`). O(1)."""
    return -(-a // b)


class _Tally:
    __slots__ = ("attached", "detached", "error", "ips", "ips_out", "prefixes", "prefixes_out")

    def __init__(self) -> None:
        self.attached = self.detached = 0
        self.prefixes = self.prefixes_out = self.ips = self.ips_out = 0
        self.error: str | None = None

    def result(self) -> ReconcileResult:
        return ReconcileResult(
            self.attached, self.detached, self.prefixes, self.prefixes_out,
            self.ips, self.ips_out, self.error,
        )  # fmt: skip


class NodeIpam:
    """ipamd on one node: its ENIs, prefixes or /32s and pods, and the warm-pool
    decisions of the module docstring.

    Construction attaches the node's primary ENI (the node joins; with custom
    networking from ``node_allocator`` when given, the primary ENI living in the
    node's subnet) and, with security groups for pods, the trunk ENI when a slot
    is free (``tryEnableSecurityGroupsForPods``). It does not fill the pool: the
    first :meth:`reconcile` does (``handlePreScaling``). Raises
    :class:`InvalidCniSettings` (``max_pods`` unset and no default can be
    computed) and what the allocator raises when the primary ENI's /32 cannot
    be had. ``rng`` randomises which /28 or /32 a pod lands in and which pod
    :meth:`remove_pod` removes (None: attach order, newest pod).

    Counts (O(1)): ``enis`` (attached, primary and trunk included),
    ``prefixes``, ``ips`` (secondary /32s), ``held`` (addresses usable by pods),
    ``used`` (pods with an address), ``free_prefixes`` (prefixes no pod uses),
    ``max_pods`` (the kubelet's), ``pod_capacity`` (max pods - 2 host-network pods).
    """

    def __init__(
        self,
        settings: CniSettings,
        limits: InstanceLimits,
        allocator: NodeAllocator,
        *,
        node_allocator: NodeAllocator | None = None,
        now_s: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(settings, CniSettings):
            raise TypeError(f"settings must be CniSettings, not {type(settings).__name__}")
        if not isinstance(limits, InstanceLimits):
            raise TypeError(f"limits must be InstanceLimits, not {type(limits).__name__}")
        self.settings = settings
        self.limits = limits
        # isConfigValid: prefix delegation on a type that supports none falls back.
        self.prefix_delegation = settings.prefix_delegation and limits.prefix_delegation_supported
        self.slots_per_eni = limits.ipv4_per_eni - 1
        self.max_eni = (
            min(settings.max_eni, limits.enis) if settings.max_eni is not None else limits.enis
        )
        self.max_pods = (
            settings.max_pods
            if settings.max_pods is not None
            else _default_max_pods(settings, limits)
        )
        self.warm_eni_target = (
            settings.warm_eni_target
            if settings.warm_eni_target is not None
            else _DEFAULT_WARM_ENI_TARGET
        )
        self.warm_prefix_target = (
            settings.warm_prefix_target
            if settings.warm_prefix_target is not None
            else _DEFAULT_WARM_PREFIX_TARGET
        )
        self.warm_ip_target = settings.warm_ip_target or 0
        self.minimum_ip_target = settings.minimum_ip_target or 0
        self.ip_cooldown_s = (
            float(settings.ip_cooldown_period)
            if settings.ip_cooldown_period is not None
            else IP_COOLDOWN_S
        )
        self._allocator = allocator
        self._node_allocator = node_allocator if node_allocator is not None else allocator
        self._rng = rng
        self._now = float(now_s)
        self._enis: list[_Eni] = []
        self._hint = 0  # _enis[:_hint] have every /28 or /32 fully assigned
        self._pods: list[_Cidr] = []
        self.held = 0
        self.used = 0
        self.prefixes = 0
        self.ips = 0
        self.free_prefixes = 0
        self._last_insufficient: float | None = None
        self._last_decrease: float | None = None
        self._closed = False
        primary = self._node_allocator.attach_eni(role="node")
        self._enis.append(_Eni(primary, self._node_allocator, self._now, primary=True, trunk=False))
        self.trunk_attached = False
        if settings.security_groups_for_pods and len(self._enis) < self.max_eni:
            trunk_from = allocator if settings.custom_networking else self._node_allocator
            try:
                handle = trunk_from.attach_eni(role="trunk")
            except (InsufficientFreeAddressesInSubnet, InsufficientCidrBlocks):
                pass  # the VPC resource controller retries; ipamd keeps the slot
            else:
                self._enis.append(_Eni(handle, trunk_from, self._now, primary=False, trunk=True))
                self.trunk_attached = True

    # ------------------------------------------------------------- counts

    @property
    def enis(self) -> int:
        """ENIs attached, the primary and the trunk included. O(1)."""
        return len(self._enis)

    @property
    def pod_capacity(self) -> int:
        """Pods the kubelet admits that need an address: max pods - 2. O(1)."""
        return max(self.max_pods - _HOST_NETWORK_PODS, 0)

    @property
    def now_s(self) -> float:
        """The model's clock: the latest time given to any method. O(1)."""
        return self._now

    def _tick(self, now_s: float | None) -> None:
        if self._closed:
            raise NodeGone("this node has left: release_all() was called")
        if now_s is None:
            return
        if now_s < self._now:
            raise ValueError(f"time must not go back: {now_s} < {self._now}")
        self._now = float(now_s)

    # --------------------------------------------------------------- pods

    def _room(self, cidr: _Cidr) -> int:
        cooling = cidr.cooling
        while cooling and cooling[0] < self._now:
            cooling.popleft()
        return cidr.size - cidr.assigned - len(cooling)

    def add_pod(self, *, now_s: float | None = None) -> bool:
        """Give a pod an address (``AssignPodIPv4Address``): True, or False
        (pending) when no /28 or /32 has an address neither assigned nor cooling
        down, or the kubelet's max pods is reached. Changes nothing on False.
        Raises ValueError when ``now_s`` goes back in time.
        O(/28s and /32s held) worst case."""
        self._tick(now_s)
        if self.used >= self.pod_capacity:
            return False
        if self._rng is None:
            chosen = self._next_open()
        else:
            open_ = [c for eni in self._enis for c in eni.cidrs if self._room(c) > 0]
            chosen = self._rng.choice(open_) if open_ else None
        if chosen is None:
            return False
        if chosen.assigned == 0 and chosen.size == _PREFIX_SIZE:
            self.free_prefixes -= 1
        chosen.assigned += 1
        chosen.eni.assigned += 1
        self.used += 1
        self._pods.append(chosen)
        return True

    def add_pods(self, count: int, *, now_s: float | None = None) -> int:
        """Give up to ``count`` pods an address, as :meth:`add_pod` would one
        at a time; returns how many got one. Raises ValueError for a negative
        count or when ``now_s`` goes back in time. O(/28s and /32s held) without
        ``rng``, O(count x held) with it."""
        if not isinstance(count, int) or count < 0:
            raise ValueError(f"count must be a non-negative integer, not {count!r}")
        self._tick(now_s)
        if self._rng is not None:
            placed = 0
            while placed < count and self.add_pod():
                placed += 1
            return placed
        want = min(count, max(self.pod_capacity - self.used, 0))
        placed = 0
        while placed < want:
            cidr = self._next_open()
            if cidr is None:
                break
            take = min(self._room(cidr), want - placed)
            if cidr.assigned == 0 and cidr.size == _PREFIX_SIZE:
                self.free_prefixes -= 1
            cidr.assigned += take
            cidr.eni.assigned += take
            self.used += take
            self._pods.extend([cidr] * take)
            placed += take
        return placed

    def _next_open(self) -> _Cidr | None:
        """The first /28 or /32 in attach order with an address neither
        assigned nor cooling down. Hints skip what is fully assigned, so
        filling a node costs O(held) in all, not per pod."""
        enis = self._enis
        advancing = True
        for i in range(self._hint, len(enis)):
            eni = enis[i]
            cidrs = eni.cidrs
            full_so_far = True
            for j in range(eni.hint, len(cidrs)):
                cidr = cidrs[j]
                if cidr.assigned >= cidr.size:
                    if full_so_far:
                        eni.hint = j + 1
                    continue
                full_so_far = False
                if self._room(cidr) > 0:
                    return cidr
            if advancing and eni.hint == len(cidrs):
                self._hint = i + 1
            else:
                advancing = False
        return None

    def remove_pod(self, *, now_s: float | None = None) -> None:
        """A pod leaves (``UnassignPodIPAddress``): its address cools down for
        ``IP_COOLDOWN_PERIOD``. The pod is the newest, or a random one with
        ``rng``. Raises LookupError when no pod holds an address. O(1)."""
        self._tick(now_s)
        if not self._pods:
            raise LookupError("no pod holds an address on this node")
        if self._rng is None:
            cidr = self._pods.pop()
        else:
            i = self._rng.randrange(len(self._pods))
            cidr = self._pods[i]
            self._pods[i] = self._pods[-1]
            self._pods.pop()
        cidr.assigned -= 1
        cidr.eni.assigned -= 1
        cidr.eni.hint = 0
        self._hint = 0
        self.used -= 1
        if cidr.assigned == 0 and cidr.size == _PREFIX_SIZE:
            self.free_prefixes += 1
        cidr.cooling.append(self._now + self.ip_cooldown_s)

    # ---------------------------------------------------------- decisions

    def _target_state(self) -> tuple[int, int, bool]:
        """``datastoreTargetState``: (short, over, IP targets defined); in
        prefix mode short and over count prefixes."""
        wit, mit = self.warm_ip_target, self.minimum_ip_target
        if not (wit or mit):
            return 0, 0, False
        total, available = self.held, self.held - self.used
        short = max(wit - available, 0)
        short = max(short, mit - total)
        over = max(available - wit, 0)
        over = max(min(over, total - mit), 0)
        if self.prefix_delegation:
            short_prefixes = _ceil_div(short, _PREFIX_SIZE)
            need_warm = _ceil_div(self.used + wit, _PREFIX_SIZE)
            need_min = _ceil_div(mit, _PREFIX_SIZE)
            over_prefixes = max(min(self.free_prefixes, self.prefixes - need_warm), 0)
            over_prefixes = max(min(over_prefixes, self.prefixes - need_min), 0)
            return short_prefixes, over_prefixes, True
        return short, over, True

    def pool_too_low(self) -> bool:
        """``isDatastorePoolTooLow`` for this node. O(1)."""
        if self.held >= self.max_pods:
            return False
        return self.targets_short()

    def targets_short(self) -> bool:
        """Whether the warm-pool targets alone want more addresses: the test of
        ``isDatastorePoolTooLow`` without its max-pods ceiling. O(1)."""
        short, _, defined = self._target_state()
        if defined:
            return short > 0
        available = self.held - self.used
        if self.prefix_delegation:
            warm, unit = self.warm_prefix_target, _PREFIX_SIZE
        else:
            warm, unit = self.warm_eni_target, self.slots_per_eni
        return available < unit * warm or (warm == 0 and available == 0)

    def pool_too_high(self) -> bool:
        """``isDatastorePoolTooHigh`` for this node. O(1)."""
        _, over, defined = self._target_state()
        if defined:
            return over > 0
        if self.prefix_delegation:  # warmPrefixTargetDefined: any target >= 0
            return self.free_prefixes > self.warm_prefix_target
        return False

    def _prefixes_needed(self) -> int:
        """``getPrefixesNeeded``."""
        short, _, defined = self._target_state()
        if defined:
            return max(1, short)
        return max(1, self.warm_prefix_target - self.free_prefixes)

    def has_room_for_eni(self) -> bool:
        """``hasRoomForEni``: ENIs < MAX_ENI, minus a slot kept for a trunk ENI
        not yet attached when security groups for pods is on. O(1)."""
        pending_trunk = (
            1 if self.settings.security_groups_for_pods and not self.trunk_attached else 0
        )
        return len(self._enis) < self.max_eni - pending_trunk

    def in_cooldown(self) -> bool:
        """Whether growth waits after an insufficient-capacity error
        (``inInsufficientCidrCoolingPeriod``: within 120 s). O(1)."""
        last = self._last_insufficient
        return last is not None and self._now - last <= INSUFFICIENT_CIDR_COOLDOWN_S

    # ------------------------------------------------------------ actions

    def _assign(self, eni: _Eni, count: int, tally: _Tally) -> str | None:
        """``AllocIPAddresses(eni, count)``: all or nothing; the error name."""
        alloc = self._allocator
        got: list[int] = []
        try:
            for _ in range(count):
                if self.prefix_delegation:
                    got.append(alloc.assign_prefix(eni.handle))
                else:
                    got.append(alloc.assign_ip(eni.handle))
        except InsufficientCidrBlocks:
            error = INSUFFICIENT_CIDR_BLOCKS
        except InsufficientFreeAddressesInSubnet:
            error = INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET
        else:
            for handle in got:
                self._add_cidr(eni, handle, tally)
            return None
        for handle in got:
            alloc.release(handle)
        return error

    def _add_cidr(self, eni: _Eni, handle: int, tally: _Tally) -> None:
        self._hint = 0  # the ENI may lie before the hint
        if self.prefix_delegation:
            eni.cidrs.append(_Cidr(handle, _PREFIX_SIZE, eni))
            self.prefixes += 1
            self.free_prefixes += 1
            self.held += _PREFIX_SIZE
            tally.prefixes += 1
        else:
            eni.cidrs.append(_Cidr(handle, 1, eni))
            self.ips += 1
            self.held += 1
            tally.ips += 1

    def _drop_cidr(self, cidr: _Cidr, tally: _Tally) -> None:
        self._allocator.release(cidr.handle)
        cidr.eni.cidrs.remove(cidr)
        cidr.eni.hint = 0
        self._hint = 0
        self.held -= cidr.size
        if cidr.size == _PREFIX_SIZE:
            self.prefixes -= 1
            self.free_prefixes -= 1  # only pod-free prefixes are dropped
            tally.prefixes_out += 1
        else:
            self.ips -= 1
            tally.ips_out += 1

    def _allocatable(self) -> list[_Eni]:
        """``GetAllocatableENIs``: not the trunk, not the primary with custom
        networking, fewer cidrs than slots."""
        skip_primary = self.settings.custom_networking
        return [
            eni
            for eni in self._enis
            if not eni.trunk
            and not (skip_primary and eni.primary)
            and len(eni.cidrs) < self.slots_per_eni
        ]

    def _try_assign_cidrs(self, tally: _Tally) -> tuple[bool, str | None]:
        """``tryAssignPrefixes`` / ``tryAssignIPs``: (pool increased, error)."""
        if self.prefix_delegation:
            to_allocate = self._prefixes_needed()
        else:
            short, _, defined = self._target_state()
            if defined and short == 0:
                return False, None
            to_allocate = short if defined else self.slots_per_eni
        for eni in self._allocatable():
            count = min(self.slots_per_eni - len(eni.cidrs), to_allocate)
            error = self._assign(eni, count, tally)
            if error is not None and count > 1:
                error = self._assign(eni, 1, tally)  # "Try to just get one more"
            if error is not None:
                tally.error = error
                if self.settings.subnet_discovery:
                    continue
                return False, error
            return True, None
        return False, None

    def _resources_for_new_eni(self) -> int:
        """``GetENIResourcesToAllocate``."""
        if self.prefix_delegation:
            return min(self._prefixes_needed(), self.slots_per_eni)
        short, _, defined = self._target_state()
        return min(short, self.slots_per_eni) if defined else self.slots_per_eni

    def _try_allocate_eni(self, tally: _Tally) -> None:
        """``tryAllocateENI``: CreateNetworkInterface with its prefixes or /32s,
        all or nothing."""
        count = self._resources_for_new_eni()
        if count <= 0:
            return
        try:
            handle = self._allocator.attach_eni(role="pods")
        except InsufficientFreeAddressesInSubnet:
            self._insufficient(INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET, tally)
            return
        except InsufficientCidrBlocks:  # pragma: no cover - an ENI takes a /32
            self._insufficient(INSUFFICIENT_CIDR_BLOCKS, tally)
            return
        eni = _Eni(handle, self._allocator, self._now, primary=False, trunk=False)
        error = self._assign(eni, count, tally)
        if error is not None:
            self._allocator.detach_eni(handle)
            self._insufficient(error, tally)
            return
        self._enis.append(eni)
        self._hint = 0
        tally.attached += 1

    def _insufficient(self, error: str, tally: _Tally) -> None:
        tally.error = error
        self._last_insufficient = self._now

    def _increase(self, tally: _Tally) -> None:
        """``increaseDatastorePool``."""
        if self.in_cooldown():
            return
        increased, error = self._try_assign_cidrs(tally)
        if error is not None:
            self._insufficient(error, tally)
            return
        if not increased and self.has_room_for_eni():
            self._try_allocate_eni(tally)

    def _decrease(self, tally: _Tally) -> None:
        """``tryUnassignCidrsFromAll``."""
        _, over, defined = self._target_state()
        if not defined:
            over = (
                max(self.free_prefixes - self.warm_prefix_target, 0)
                if self.prefix_delegation
                else 0
            )
        for eni in list(self._enis):
            if over <= 0:
                break
            freeable = [c for c in eni.cidrs if c.assigned == 0][:over]
            for cidr in freeable:
                self._drop_cidr(cidr, tally)
            over -= len(freeable)

    def _should_remove_extra_enis(self, available: int) -> bool:
        """``shouldRemoveExtraENIs`` (``available`` from the pass's first stats)."""
        if self.minimum_ip_target or self.warm_ip_target:
            return True
        per_eni = self.slots_per_eni * (_PREFIX_SIZE if self.prefix_delegation else 1)
        warm = (self.warm_prefix_target if self.prefix_delegation else self.warm_eni_target) + 1
        if available >= warm * per_eni:
            return True
        if self.prefix_delegation:  # CheckFreeableENIexists
            return any(not e.primary and not e.trunk and e.assigned == 0 for e in self._enis)
        return False

    def _required(self, eni: _Eni) -> bool:
        """``isRequiredForWarmIPTarget`` / ``...MinimumIPTarget`` /
        ``...WarmPrefixTarget``: the other ENIs alone fall short."""
        others = [c for e in self._enis if e is not eni for c in e.cidrs]
        wit, mit = self.warm_ip_target, self.minimum_ip_target
        if self.prefix_delegation:
            wit = _ceil_div(wit, _PREFIX_SIZE) * _PREFIX_SIZE
            mit = _ceil_div(mit, _PREFIX_SIZE) * _PREFIX_SIZE
        if wit and sum(c.size - c.assigned for c in others) < wit:
            return True
        if mit and sum(c.size for c in others) < mit:
            return True
        if self.prefix_delegation and self.warm_prefix_target:
            free = sum(1 for c in others if c.assigned == 0)
            return free < self.warm_prefix_target
        return False

    def _try_free_eni(self, tally: _Tally) -> None:
        """``tryFreeENI`` / ``getDeletableENI``: detach the first deletable ENI."""
        for eni in self._enis:
            if eni.primary or eni.trunk or eni.assigned:
                continue
            if self._now - eni.created_s < ENI_MIN_LIFETIME_S:
                continue
            if any(self._room(c) != c.size - c.assigned for c in eni.cidrs):
                continue  # hasIPInCooling
            if self._required(eni):
                continue
            for cidr in list(eni.cidrs):
                self._drop_cidr(cidr, tally)
            self._allocator.detach_eni(eni.handle)
            self._enis.remove(eni)
            self._hint = 0
            tally.detached += 1
            return

    def reconcile(self, now_s: float) -> ReconcileResult:
        """One pass of ``updateIPPoolIfRequired`` at time ``now_s`` (seconds,
        never going back): grow when the pool is too low, else shrink when too
        high (at most every 30 s), then detach one deletable ENI when
        ``shouldRemoveExtraENIs``. Returns what changed and the EC2 error name
        that stopped growth, if any. Raises ValueError when time goes back.
        O(/28s and /32s held)."""
        self._tick(now_s)
        tally = _Tally()
        available = self.held - self.used
        if self.pool_too_low():
            self._increase(tally)
        elif self.pool_too_high() and not (
            self._last_decrease is not None
            and self._now - self._last_decrease <= DECREASE_INTERVAL_S
        ):
            self._decrease(tally)
            self._last_decrease = self._now
        if self._should_remove_extra_enis(available):
            self._try_free_eni(tally)
        return tally.result()

    def settle(self, now_s: float, *, max_passes: int = 10_000) -> ReconcileResult:
        """:meth:`reconcile` at ``now_s`` until a pass changes nothing (or
        ``max_passes``); the sum of the passes. Time-gated steps (the 30 s
        shrink interval, ENI lifetime, cooldowns) do not advance. Raises
        ValueError when time goes back. O(passes x held)."""
        total = ReconcileResult()
        for _ in range(max_passes):
            step = self.reconcile(now_s)
            total = total + step
            if not step.changed:
                break
        return total

    def release_all(self) -> None:
        """The node leaves: every prefix, /32 and ENI (primary and trunk
        included) is given back; the node then refuses every call. O(held)."""
        self._tick(None)
        for eni in self._enis:
            for cidr in eni.cidrs:
                self._allocator.release(cidr.handle)
            eni.source.detach_eni(eni.handle)
        self._enis.clear()
        self._pods.clear()
        self.held = self.used = self.prefixes = self.ips = self.free_prefixes = 0
        self._closed = True

    def to_dict(self) -> dict[str, Any]:
        """The node's books: counts, limits in effect and per-ENI prefixes or
        /32s with their pods. O(held)."""
        return {
            "mode": "prefix" if self.prefix_delegation else "secondary-ip",
            "max_pods": self.max_pods,
            "max_eni": self.max_eni,
            "enis": self.enis,
            "prefixes": self.prefixes,
            "ips": self.ips,
            "held": self.held,
            "used": self.used,
            "free_prefixes": self.free_prefixes,
            "per_eni": [
                {
                    "role": "node" if e.primary else "trunk" if e.trunk else "pods",
                    "pods_per_cidr": [c.assigned for c in e.cidrs],
                }
                for e in self._enis
            ],
        }


def _default_max_pods(settings: CniSettings, limits: InstanceLimits) -> int:
    """The value EKS documents to set for the mode: the AL2 calculator's
    recommendation (capped when the vCPU count is known)."""
    from .maxpods import max_pods_for_node  # maxpods never imports this module

    return max_pods_for_node(
        limits,
        bootstrap="al2",
        prefix_delegation=settings.prefix_delegation and limits.prefix_delegation_supported,
        custom_networking=settings.custom_networking,
        max_eni=settings.max_eni,
    ).max_pods
