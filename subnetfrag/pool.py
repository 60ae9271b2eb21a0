"""Subnet pools: allocation across several subnets, spill-over, expansion.

A :class:`SubnetPool` answers ``allocate_ip`` and ``allocate_prefix`` from
whichever of its subnets a *strategy* picks, then lets that subnet's own policy
pick the address or /28 inside it. A strategy is a key on subnets; the pool
takes, among the subnets that can serve the request, the one with the highest
key (ties: the earliest added). So the allocation lands in the strategy's first
choice whenever that subnet can serve it, and *spills over* to the next choice
exactly when it cannot:

- ``"most-available"``: the most ``available_ip_count()`` (EC2's
  AvailableIpAddressCount). This is how the VPC CNI's subnet discovery places
  a new ENI.
- ``"in-order"``: the first subnet added that can serve the request.
- ``"most-free-prefixes"``: the most ``free_prefix_count()`` (the /28s an
  automatic prefix allocation could take): keeps prefixes away from
  fragmented subnets.

The same order serves /32 requests, with "can serve" meaning "has an available
address". Only when no subnet can serve a request does the pool raise
:class:`~subnetfrag.errors.InsufficientCidrBlocks` or
:class:`~subnetfrag.errors.InsufficientFreeAddresses`, naming every subnet's
free counts; before that it calls its expansion hook, if it has one.

Every count is a sum over the subnets: O(number of subnets), each O(1).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from .addresses import parse_network
from .errors import (
    InsufficientCidrBlocks,
    InsufficientFreeAddresses,
    InvalidArgumentType,
    InvalidCidr,
    InvalidState,
    NotAllocated,
    OutOfSubnet,
    SubnetFragError,
)
from .owner import Owner
from .policies import Policy, get_policy
from .subnet import Subnet, _check_optional_str
from .vpc import UnknownSubnet, Vpc

if TYPE_CHECKING:
    from .metrics import FragmentationReport

__all__ = [
    "KINDS",
    "STRATEGIES",
    "ExpansionHook",
    "PoolReport",
    "SubnetPool",
    "SubnetPoolError",
    "UnknownStrategy",
    "aggregate_reports",
    "carve_subnets",
]

#: What an automatic allocation asks for: a /32 or a /28 prefix.
KINDS: tuple[str, ...] = ("ip", "prefix")

#: The strategies by name: each a key on (subnet, kind); the highest key wins.
STRATEGIES: dict[str, Callable[[Subnet, str], int]] = {
    "most-available": lambda s, kind: s.available_ip_count(),
    "in-order": lambda s, kind: 0,
    "most-free-prefixes": lambda s, kind: s.free_prefix_count(),
}

#: An expansion hook: called with the pool and the kind (``"ip"`` or
#: ``"prefix"``) when no subnet can serve an automatic allocation; returns a
#: new subnet for the pool, or None.
ExpansionHook = Callable[["SubnetPool", str], Subnet | None]

_FORMAT = "subnetfrag.pool"
_VERSION = 1


class SubnetPoolError(SubnetFragError, ValueError):
    """A subnet that cannot join the pool (already in it, or overlapping one of
    its subnets), a hook that returns something else than a subnet, or an
    unknown kind."""


class UnknownStrategy(SubnetPoolError):
    """A strategy name that is not one of :data:`STRATEGIES`."""


def _can_serve(subnet: Subnet, kind: str) -> bool:
    return subnet.can_fit_prefix() if kind == "prefix" else subnet.available_ip_count() > 0


def _name(subnet: Subnet) -> str:
    sid = f" ({subnet.subnet_id})" if subnet.subnet_id else ""
    return f"{subnet.cidr}{sid}"


class SubnetPool:
    """Several subnets that serve allocations together.

    ``SubnetPool(subnets=(), *, strategy="most-available", on_exhausted=None)``:
    ``subnets`` in pool order (the tie-break, and the ``"in-order"`` order);
    ``strategy`` one of :data:`STRATEGIES`; ``on_exhausted`` an optional
    :data:`ExpansionHook` (see :meth:`allocate_ip`).

    The subnets must be distinct and must not overlap: every address belongs to
    at most one subnet, which :meth:`release` and explicit allocations route
    to. Raises :class:`UnknownStrategy` and :class:`SubnetPoolError`.
    O(k log k) to build from k subnets.
    """

    __slots__ = ("_expanding", "_firsts", "_key", "_order", "_sorted", "_strategy", "on_exhausted")

    def __init__(
        self,
        subnets: Iterable[Subnet] = (),
        *,
        strategy: str = "most-available",
        on_exhausted: ExpansionHook | None = None,
    ) -> None:
        if not isinstance(strategy, str) or strategy not in STRATEGIES:
            raise UnknownStrategy(
                f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}"
            )
        self._strategy = strategy
        self._key = STRATEGIES[strategy]
        self._order: list[Subnet] = []  # pool order
        self._firsts: list[int] = []  # sorted first addresses
        self._sorted: list[Subnet] = []  # parallel to _firsts
        self._expanding = False
        self.on_exhausted = on_exhausted
        for subnet in subnets:
            self.add(subnet)

    # --------------------------------------------------------- membership

    @property
    def strategy(self) -> str:
        """The strategy's name. O(1)."""
        return self._strategy

    def subnets(self) -> list[Subnet]:
        """The subnets in pool order. O(k)."""
        return list(self._order)

    def __len__(self) -> int:
        """The number of subnets. O(1)."""
        return len(self._order)

    def __iter__(self) -> Iterator[Subnet]:
        """The subnets in pool order (a snapshot: the pool may grow meanwhile). O(k)."""
        return iter(list(self._order))

    def add(self, subnet: Subnet) -> Subnet:
        """Add a subnet at the end of the pool order (expansion at run time);
        return it. Raises :class:`~subnetfrag.errors.InvalidArgumentType` (a
        TypeError) for a non-Subnet and :class:`SubnetPoolError` when it is
        already in the pool, overlaps one of its subnets, or has the
        ``subnet_id`` of one of them (:meth:`remove` finds subnets by id; a
        subnet's id is read-only, so it stays unique). O(k) (the insertion into
        the sorted list, and the id check)."""
        if not isinstance(subnet, Subnet):
            raise InvalidArgumentType(f"a pool holds Subnets, not {type(subnet).__name__}")
        lo, hi = subnet.first, subnet.first + subnet.size
        i = bisect_right(self._firsts, lo) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self._sorted):
                other = self._sorted[j]
                if other.first < hi and lo < other.first + other.size:
                    what = "is already in" if other is subnet else f"overlaps {_name(other)} in"
                    raise SubnetPoolError(f"subnet {_name(subnet)} {what} the pool")
        sid = subnet.subnet_id
        if sid is not None:
            for other in self._order:
                if other.subnet_id == sid:
                    raise SubnetPoolError(
                        f"subnet {_name(subnet)}: its id is already used by {_name(other)} "
                        "in the pool"
                    )
        k = bisect_left(self._firsts, lo)
        self._firsts.insert(k, lo)
        self._sorted.insert(k, subnet)
        self._order.append(subnet)
        return subnet

    def remove(self, subnet: Subnet | str) -> Subnet:
        """Take a subnet (the object, its ``subnet_id`` or its CIDR) out of the
        pool and return it; its allocations stay in it. Raises
        :class:`~subnetfrag.vpc.UnknownSubnet`. O(k)."""
        for s in self._order:
            if s is subnet or (isinstance(subnet, str) and subnet in (s.subnet_id, str(s.cidr))):
                self._order.remove(s)
                k = bisect_left(self._firsts, s.first)
                del self._firsts[k]
                del self._sorted[k]
                return s
        shown = _name(subnet) if isinstance(subnet, Subnet) else repr(subnet)
        raise UnknownSubnet(f"subnet {shown} is not in the pool")

    def subnet_of(self, address: str | netaddr.IPAddress | netaddr.IPNetwork) -> Subnet | None:
        """The subnet holding ``address`` (or the first address of a CIDR), or
        None. Raises :class:`~subnetfrag.errors.InvalidCidr` when malformed.
        O(log k)."""
        value, _, _ = parse_network(address, "address")
        return self._route(value)

    # ------------------------------------------------------------- counts

    def free_ip_count(self) -> int:
        """Sum of the subnets' :meth:`Subnet.free_ip_count`. O(k)."""
        return sum(s.free_ip_count() for s in self._order)

    def available_ip_count(self) -> int:
        """Sum of the subnets' AvailableIpAddressCount. O(k)."""
        return sum(s.available_ip_count() for s in self._order)

    def free_prefix_count(self) -> int:
        """Sum of the subnets' :meth:`Subnet.free_prefix_count`. O(k)."""
        return sum(s.free_prefix_count() for s in self._order)

    def can_fit_prefix(self) -> bool:
        """Whether some subnet can take an automatic /28 now (the expansion hook
        is not consulted). O(k) at worst, stops at the first that can."""
        return any(s.can_fit_prefix() for s in self._order)

    def choose(self, kind: str) -> Subnet | None:
        """The subnet an automatic allocation of ``kind`` (``"ip"`` or
        ``"prefix"``) would use now, or None when none can serve it (the hook is
        not consulted). Raises :class:`SubnetPoolError` for another kind. O(k)."""
        if kind not in KINDS:
            raise SubnetPoolError(f"kind must be 'ip' or 'prefix', not {kind!r}")
        key = self._key
        best: Subnet | None = None
        best_key = 0
        for s in self._order:
            if _can_serve(s, kind):
                k = key(s, kind)
                if best is None or k > best_key:
                    best, best_key = s, k
        return best

    # --------------------------------------------------------- allocation

    def allocate_ip(
        self,
        address: str | netaddr.IPAddress | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> netaddr.IPAddress:
        """Allocate one address and return it.

        With ``address``, in the subnet that holds it. Without, in the subnet the
        strategy picks (see the module docstring), by ``policy`` or that subnet's
        own policy. When no subnet has an available address, the expansion hook
        (if any) is called once; a subnet it returns joins the pool only if it
        can serve the request, and then serves it.

        Raises :class:`~subnetfrag.errors.UnknownPolicy`,
        :class:`~subnetfrag.errors.InsufficientFreeAddresses` (no subnet can
        serve it; the message lists every subnet's counts),
        :class:`~subnetfrag.errors.OutOfSubnet` (``address`` is in no subnet),
        what :meth:`Subnet.allocate_ip` raises, and what the hook raises.
        Cost: O(k) to choose, plus the subnet's allocation.
        """
        subnet = self._target("ip", address, policy)
        return subnet.allocate_ip(address, policy=policy, owner=owner)

    def allocate_prefix(
        self,
        prefix: str | netaddr.IPNetwork | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> netaddr.IPNetwork:
        """Allocate one aligned /28 and return it; as :meth:`allocate_ip`, with
        :class:`~subnetfrag.errors.InsufficientCidrBlocks` when no subnet has a
        free eligible /28, and what :meth:`Subnet.allocate_prefix` raises.
        Cost: O(k) to choose, plus the subnet's allocation."""
        subnet = self._target("prefix", prefix, policy)
        return subnet.allocate_prefix(prefix, policy=policy, owner=owner)

    def release(self, allocation: str | netaddr.IPAddress | netaddr.IPNetwork) -> None:
        """Release a /32 or a /28 in the subnet that holds it. Raises
        :class:`~subnetfrag.errors.NotAllocated` when no subnet holds that
        allocation exactly (also for malformed input). O(log k) plus the
        subnet's release."""
        try:
            value, _, _ = parse_network(allocation, "allocation")
        except InvalidCidr as exc:
            raise NotAllocated(str(exc)) from None
        subnet = self._route(value)
        if subnet is None:
            raise NotAllocated(f"{allocation!s} is in no subnet of the pool")
        subnet.release(allocation)

    def owner_of(self, address: str | netaddr.IPAddress | netaddr.IPNetwork) -> Owner | None:
        """The owner recorded for the allocation holding ``address``. Raises
        :class:`~subnetfrag.errors.NotAllocated`. O(log k)."""
        try:
            value, _, _ = parse_network(address, "address")
        except InvalidCidr as exc:
            raise NotAllocated(str(exc)) from None
        subnet = self._route(value)
        if subnet is None:
            raise NotAllocated(f"{address!s} is in no subnet of the pool")
        return subnet.owner_of(address)

    # ------------------------------------------------------------- report

    def report(self) -> PoolReport:
        """Every subnet's :meth:`Subnet.report` and their aggregate (see
        :func:`aggregate_reports`). O(sum of the subnets' report costs)."""
        reports = tuple(s.report() for s in self._order)
        return PoolReport(reports, aggregate_reports([r.to_dict() for r in reports]))

    # ------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state: the strategy and every subnet's
        :meth:`Subnet.to_dict`, in pool order. The expansion hook is code and is
        not saved. O(total size of the subnets)."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "strategy": self._strategy,
            "subnets": [s.to_dict() for s in self._order],
        }

    @classmethod
    def from_dict(
        cls,
        data: Any,
        *,
        vpc: Vpc | None = None,
        on_exhausted: ExpansionHook | None = None,
    ) -> SubnetPool:
        """Rebuild a pool from :meth:`to_dict` output.

        Without ``vpc`` the subnets are rebuilt from their saved state. With
        ``vpc`` the pool takes the VPC's own subnet objects with those CIDRs
        (so that both share them again after a VPC round trip); each must be in
        the VPC and in exactly the saved state.

        Raises :class:`~subnetfrag.errors.InvalidState` (the message names the
        entry). O(total size of the subnets).
        """
        if not isinstance(data, dict):
            raise InvalidState(f"pool state must be an object, not {type(data).__name__}")
        if data.get("format") != _FORMAT or data.get("version") != _VERSION:
            raise InvalidState(f"not a subnetfrag pool state (format {_FORMAT!r} v{_VERSION})")
        missing = {"strategy", "subnets"} - set(data)
        if missing:
            raise InvalidState(f"pool state lacks {', '.join(sorted(missing))}")
        items = data["subnets"]
        if not isinstance(items, list):
            raise InvalidState("pool state: subnets must be a list")
        try:
            pool = cls(strategy=data["strategy"], on_exhausted=on_exhausted)
        except SubnetFragError as exc:
            raise InvalidState(f"pool state: {exc}") from None
        for i, item in enumerate(items):
            try:
                subnet = Subnet.from_dict(item)
                if vpc is not None:
                    shared = vpc.subnet(subnet.cidr)
                    if shared.to_dict() != item:
                        raise InvalidState(
                            f"subnet {_name(shared)} of the VPC is not in the saved state"
                        )
                    subnet = shared
                pool.add(subnet)
            except SubnetFragError as exc:
                raise InvalidState(f"pool state: subnets[{i}]: {exc}") from None
        return pool

    def __repr__(self) -> str:
        return (
            f"<SubnetPool strategy={self._strategy} subnets={len(self._order)} "
            f"available={self.available_ip_count():,} free_prefixes={self.free_prefix_count():,}>"
        )

    # ------------------------------------------------------------ helpers

    def _route(self, value: int) -> Subnet | None:
        i = bisect_right(self._firsts, value) - 1
        if i >= 0:
            s = self._sorted[i]
            if value < s.first + s.size:
                return s
        return None

    def _target(self, kind: str, explicit: object, policy: str | Policy | None) -> Subnet:
        """The subnet an allocation of ``kind`` goes to: the one holding
        ``explicit`` when given, else the strategy's choice, else what the
        expansion hook adds (raising when nothing can serve it)."""
        if explicit is not None:
            return self._route_or_raise(explicit, "address" if kind == "ip" else "prefix")
        if policy is not None:
            get_policy(policy)
        subnet = self.choose(kind)
        return self._expand(kind) if subnet is None else subnet

    def _route_or_raise(self, value: object, what: str) -> Subnet:
        v, _, _ = parse_network(value, what)
        subnet = self._route(v)
        if subnet is None:
            cidrs = ", ".join(str(s.cidr) for s in self._sorted) or "none"
            raise OutOfSubnet(f"{what} {value!s} is in no subnet of the pool (subnets: {cidrs})")
        return subnet

    def _expand(self, kind: str) -> Subnet:
        """Call the hook when nothing can serve ``kind``; return the subnet that
        will, or raise the capacity error. Adds the hook's subnet to the pool
        only when it can serve the request."""
        hook = self.on_exhausted
        note = ""
        if hook is not None and not self._expanding:
            self._expanding = True
            try:
                new = hook(self, kind)
            finally:
                self._expanding = False
            if new is not None:
                if not isinstance(new, Subnet):
                    raise SubnetPoolError(
                        f"the expansion hook returned {type(new).__name__}, not a Subnet or None"
                    )
                if _can_serve(new, kind):
                    if not any(s is new for s in self._order):
                        self.add(new)
                    return new
                note = f"; the expansion hook offered {_counts(new)}, which cannot serve it either"
            else:
                note = "; the expansion hook added nothing"
        if kind == "prefix":
            raise InsufficientCidrBlocks(
                f"no subnet of the pool has a free aligned /28: {self._all_counts()}{note}"
            )
        raise InsufficientFreeAddresses(
            f"no subnet of the pool has an available address: {self._all_counts()}{note}"
        )

    def _all_counts(self) -> str:
        if not self._order:
            return "the pool has no subnets"
        return "; ".join(_counts(s) for s in self._order)


def _counts(s: Subnet) -> str:
    return (
        f"{_name(s)} {s.free_prefix_count():,} free /28s, {s.available_ip_count():,} available "
        f"and {s.free_ip_count():,} free addresses"
    )


# ----------------------------------------------------------------- carving


def carve_subnets(
    vpc: Vpc,
    prefixlen: int,
    *,
    within: str | netaddr.IPNetwork | None = None,
    id_prefix: str | None = None,
    policy: str | Policy = "random",
    seed: int | None = None,
) -> ExpansionHook:
    """An expansion hook that creates, in ``vpc``, the lowest free aligned
    /``prefixlen`` subnet inside the block ``within`` (default: any block, in
    association order), and hands it to the pool; None when no room is left.

    Subnets are named ``f"{id_prefix}{n}"`` (n = 1, 2, ...) when ``id_prefix``
    is given, and get ``policy`` and the seed ``seed + n - 1``. Example: carve
    the next /18 from a 100.64.0.0/16 block for pods::

        vpc.associate_cidr("100.64.0.0/16")
        pool = SubnetPool([...], on_exhausted=carve_subnets(
            vpc, 18, within="100.64.0.0/16", id_prefix="pods-"))

    The subnet stays in ``vpc`` even when it cannot serve the request that
    called the hook (a /27 has no /28 to give, say) and the pool refuses it.

    Raises, at once, :class:`~subnetfrag.errors.InvalidCidr` for a
    ``prefixlen`` outside 16 to 28 and
    :class:`~subnetfrag.vpc.UnknownCidrBlock` for a ``within`` that is not a
    block of ``vpc``, and :class:`~subnetfrag.errors.InvalidArgumentType` for
    a ``seed`` that is not an int or None or an ``id_prefix`` that is not a
    str or None. Each call costs :meth:`Vpc.find_free_cidr` plus building
    the subnet.
    """
    vpc.find_free_cidr(prefixlen, within=within)  # validates the arguments now
    get_policy(policy)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidArgumentType(f"seed must be an int or None, not {type(seed).__name__}")
    _check_optional_str(id_prefix, "id_prefix")
    counter = itertools.count(1)

    def hook(pool: SubnetPool, kind: str) -> Subnet | None:
        cidr = vpc.find_free_cidr(prefixlen, within=within)
        if cidr is None:
            return None
        n = next(counter)
        return vpc.create_subnet(
            cidr,
            subnet_id=None if id_prefix is None else f"{id_prefix}{n}",
            policy=policy,
            seed=None if seed is None else seed + n - 1,
        )

    return hook


# ------------------------------------------------------------------ reports

_SEVERITY_BANDS = ((25, "HEALTHY"), (50, "LOW"), (75, "MEDIUM"), (100, "HIGH"))
_PREFIX_ORDER_PLEN = 28  # the Linux indices are taken at order 4: a /28


@dataclass(frozen=True, slots=True)
class PoolReport:
    """The reports of a pool's subnets (``subnets``, the subnets'
    ``FragmentationReport`` objects in pool order) and their aggregate
    (``total``, see :func:`aggregate_reports`)."""

    subnets: tuple[FragmentationReport, ...]
    total: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """``{"subnets": [each report's to_dict()], "total": {...}}``. O(k)."""
        return {"subnets": [r.to_dict() for r in self.subnets], "total": dict(self.total)}


def _severity(score: int | None, fragmented: int) -> str | None:
    if score is None:
        return None
    for bound, name in _SEVERITY_BANDS:
        if score < bound:
            return name
    return "CRITICAL" if fragmented else "EXHAUSTED"


def aggregate_reports(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate subnet reports (their ``to_dict()`` forms) into one for the pool.

    - ``subnet_count``; ``cidrs`` in the given order;
    - ``addresses``, ``blocks``, ``free_prefixes``, ``stranded_ips`` and
      ``free_block_histogram``: sums, key by key;
    - ``can_fit_prefix``: true when any subnet can;
    - ``aws_fragmentation_score`` and ``aws_severity``: the AWS tool's formula on
      the summed block counts, ceil(100 x (fragmented + full) / (free +
      fragmented + full)) in integers, null without a candidate block;
    - ``largest_free_block``: the largest of the subnets' (the first on a tie),
      null when nothing is free;
    - ``unusable_free_index`` and ``fragmentation_index``: the Linux
      definitions at order 4 (a /28) on the summed histogram, as
      :func:`subnetfrag.metrics.report` computes them for one subnet: 1 and 0
      when nothing is free, ``fragmentation_index`` null when some free aligned
      /28 exists and clamped at 0;
    - ``weighted_fragmentation_pct``: the subnets' values weighted by their free
      addresses (how ZFS weighs metaslabs into a pool's figure); when nothing
      is free anywhere, the subnets' common value, or null if they differ.

    Raises :class:`KeyError` for a report that lacks a key. O(k x histogram size).
    """
    addresses: dict[str, int] = {}
    blocks: dict[str, int] = {}
    histogram: dict[str, int] = {}
    largest: str | None = None
    largest_plen = 33
    weighted = 0.0
    weights = 0
    wfp_values: list[Any] = []
    for r in reports:
        for key, value in r["addresses"].items():
            addresses[key] = addresses.get(key, 0) + value
        for key, value in r["blocks"].items():
            blocks[key] = blocks.get(key, 0) + value
        for key, value in r["free_block_histogram"].items():
            histogram[key] = histogram.get(key, 0) + value
        lfb = r["largest_free_block"]
        if lfb is not None:
            plen = int(str(lfb).rpartition("/")[2])
            if plen < largest_plen:
                largest, largest_plen = lfb, plen
        free = r["addresses"]["free"]
        wfp = r["weighted_fragmentation_pct"]
        wfp_values.append(wfp)
        if free and wfp is not None:
            weighted += wfp * free
            weights += free
    fragmented, full = blocks.get("fragmented", 0), blocks.get("full", 0)
    candidates = blocks.get("free", 0) + fragmented + full
    score = None if not candidates else -(-100 * (fragmented + full) // candidates)
    total_free = 0
    usable = 0
    free_blocks = 0
    for key, n in histogram.items():
        plen = int(key.lstrip("/"))
        total_free += n << (32 - plen)
        free_blocks += n
        if plen <= _PREFIX_ORDER_PLEN:
            usable += n << (32 - plen)
    if not total_free:
        unusable: float = 1.0
        frag_index: float | None = 0.0
    else:
        unusable = (total_free - usable) / total_free
        # Linux's index dips below 0 when less than a /28 is free at all: clamp,
        # as subnetfrag.metrics does.
        frag_index = None if usable else max(0.0, 1.0 - (1.0 + total_free / 16) / free_blocks)
    if weights:
        wfp_total: Any = weighted / weights
    else:
        wfp_total = wfp_values[0] if wfp_values and len(set(wfp_values)) == 1 else None
    return {
        "subnet_count": len(reports),
        "cidrs": [r["cidr"] for r in reports],
        "addresses": addresses,
        "blocks": blocks,
        "free_prefixes": sum(r["free_prefixes"] for r in reports),
        "can_fit_prefix": any(r["can_fit_prefix"] for r in reports),
        "aws_fragmentation_score": score,
        "aws_severity": _severity(score, fragmented),
        "stranded_ips": sum(r["stranded_ips"] for r in reports),
        "largest_free_block": largest,
        "free_block_histogram": histogram,
        "unusable_free_index": unusable,
        "fragmentation_index": frag_index,
        "weighted_fragmentation_pct": wfp_total,
    }
