"""A VPC subnet with AWS's rules, on top of the integer core.

:class:`Subnet` adds to :class:`~subnetfrag.extents.ExtentMap`: the subnet's
CIDR, the five addresses AWS reserves in every subnet, CIDR reservations of
type ``prefix`` and ``explicit``, the ledger of who holds each allocation,
allocation policies with a seeded RNG, the library's errors, and JSON state.
"""

from __future__ import annotations

import socket
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import TYPE_CHECKING, Any

import netaddr

from .addresses import (
    format_ip,
    parse_ip,
    parse_network,
    to_ipaddress,
    to_ipnetwork,
    to_iprange,
)
from .errors import (
    AddressInUse,
    InsufficientCidrBlocks,
    InsufficientFreeAddresses,
    InvalidArgumentType,
    InvalidCidr,
    InvalidPrefix,
    InvalidReservationKind,
    InvalidState,
    NotAllocated,
    OutOfSubnet,
    ReservationConflict,
    ReservedAddress,
    SubnetFragError,
    UnknownReservation,
)
from .extents import (
    ALLOCATION_PATTERN,
    BLOCK,
    BLOCK_BITS,
    BLOCK_USED,
    EXCLUDED,
    GENERAL,
    PINNED,
    PREFERRED,
    USED,
    ExtentMap,
)
from .owner import Owner
from .policies import Policy, get_policy

if TYPE_CHECKING:
    from .blockmap import BlockInfo
    from .metrics import FragmentationReport

__all__ = [
    "AWS_RESERVED_COUNT",
    "MAX_PREFIXLEN",
    "MIN_PREFIXLEN",
    "PREFIX_LEN",
    "RESERVATION_KINDS",
    "Reservation",
    "Subnet",
]

MIN_PREFIXLEN = 16  #: the largest subnet AWS allows, /16
MAX_PREFIXLEN = 28  #: the smallest subnet AWS allows, /28
PREFIX_LEN = 28  #: an IPv4 prefix on an ENI is a /28
AWS_RESERVED_COUNT = 5  #: network, VPC router, DNS, future use, broadcast
_HOLDER = 6
_TOP = (1 << 32) - 1
_RNG_VERSION = 3  #: random.Random.getstate()'s version (CPython 3.2+)
_MT_N = 624  #: words of MT19937 state; getstate() adds the position
#: the allocation size (addresses) that a release's prefix length names
_SIZE_OF_PLEN = {32: 1, PREFIX_LEN: BLOCK}
_ALLOCATION_KEYS = frozenset({"cidr", "owner"})
_OCTETS = tuple(str(i) for i in range(256))
_AF_INET = socket.AF_INET
_inet_pton = socket.inet_pton
_from_bytes = int.from_bytes

#: CIDR reservation types (EC2's ReservationType) and their tier in the core.
RESERVATION_KINDS: dict[str, int] = {"prefix": PREFERRED, "explicit": EXCLUDED}
_KIND_NAMES = {tier: name for name, tier in RESERVATION_KINDS.items()}
_FORMAT = "subnetfrag.subnet"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class Reservation:
    """A subnet CIDR reservation: EC2's SubnetCidrReservation."""

    cidr: netaddr.IPNetwork
    kind: str
    reservation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(1)."""
        return {"cidr": str(self.cidr), "kind": self.kind, "reservation_id": self.reservation_id}


class Subnet:
    """An IPv4 VPC subnet as AWS models it, for /32 and aligned /28 allocation.

    ``Subnet(cidr, *, seed=None, policy="random", subnet_id=None)``: ``cidr`` is
    a /16 to /28 (a non-canonical CIDR such as ``10.0.0.18/20`` is rewritten to
    ``10.0.0.0/20``, as EC2 does); ``seed`` seeds the RNG of the random policy;
    ``policy`` is the default allocation policy (a registered name or a
    :class:`~subnetfrag.policies.Policy`); ``subnet_id`` is a label such as
    ``subnet-0abc``, read-only afterwards (a :class:`~subnetfrag.vpc.Vpc` and a
    :class:`~subnetfrag.pool.SubnetPool` index subnets by it). ``seed`` is an
    int, a str, bytes or None (None: seeded from the OS, not reproducible); str
    and bytes seeds are reproducible across runs and machines, as
    :class:`random.Random` documents. The first four and the last address are
    AWS-reserved.

    Raises :class:`InvalidCidr` for anything but an IPv4 /16 to /28,
    :class:`UnknownPolicy` for an unknown policy, and
    :class:`InvalidArgumentType` (a TypeError) for a ``subnet_id`` that is not a
    str or None, or a ``seed`` of another type (a bool or a float included).
    O(size) to build.

    **The integer door.** :meth:`allocate_ip_offset`,
    :meth:`allocate_prefix_offset`, :meth:`release_offset` and
    :meth:`allocation_size_at` take and return offsets from :attr:`first`
    (integers, no netaddr object): the path for simulations and other hot
    loops. The netaddr API is a thin wrapper over them (docs/performance.md).

    **Threads.** A Subnet is a plain data structure with no lock of its own:
    one thread at a time may change it (allocate, release, reserve, unreserve,
    load), and no reader (counts, reports, ``to_dict``, iteration) may run
    while a writer does. Concurrent readers of an unchanging subnet are safe.
    Code that shares a subnet between threads must hold one lock around every
    use of it (see docs/concepts.md, "Threads").
    """

    __slots__ = (
        "_first",
        "_m",
        "_owners",
        "_pending",
        "_plen",
        "_policy",
        "_resv_ids",
        "_rng",
        "_size",
        "_subnet_id",
    )

    def __init__(
        self,
        cidr: str | netaddr.IPNetwork,
        *,
        seed: int | str | bytes | None = None,
        policy: str | Policy = "random",
        subnet_id: str | None = None,
    ) -> None:
        _check_optional_str(subnet_id, "subnet_id")
        _check_seed(seed)
        _, plen, first = parse_network(cidr, "subnet CIDR")
        if not MIN_PREFIXLEN <= plen <= MAX_PREFIXLEN:
            raise InvalidCidr(
                f"subnet CIDR {cidr!s} is a /{plen}: AWS subnets are /{MIN_PREFIXLEN} to "
                f"/{MAX_PREFIXLEN}"
            )
        self._policy = get_policy(policy)
        self._first = first
        self._plen = plen
        self._size = 1 << (32 - plen)
        self._rng = Random(seed)
        self._owners: dict[int, Owner] = {}  # allocation offset -> owner
        self._resv_ids: dict[int, str] = {}  # reservation start -> EC2 id
        # The lazy message of the last failed automatic /28, while its exception
        # lives: built before the next mutation (see _settle).
        self._pending: weakref.ref[_LazyText] | None = None
        self._subnet_id = subnet_id
        m = ExtentMap(self._size)
        for off in self.aws_reserved_offsets():
            m.take_address(off, PINNED)
        self._m = m

    # ------------------------------------------------------------ identity

    @property
    def cidr(self) -> netaddr.IPNetwork:
        """The subnet's canonical CIDR. O(1)."""
        return to_ipnetwork(self._first, self._plen)

    @property
    def subnet_id(self) -> str | None:
        """The subnet's label (EC2's ``SubnetId``), or None. Read-only: a Vpc
        and a SubnetPool find subnets by it. O(1)."""
        return self._subnet_id

    @property
    def first(self) -> int:
        """The network address as an integer. O(1)."""
        return self._first

    @property
    def prefixlen(self) -> int:
        """The subnet's prefix length (16 to 28). O(1)."""
        return self._plen

    @property
    def size(self) -> int:
        """The number of addresses in the subnet, reserved ones included. O(1)."""
        return self._size

    @property
    def policy(self) -> str:
        """The name of the default allocation policy. O(1)."""
        return self._policy.name

    @property
    def extent_map(self) -> ExtentMap:
        """The integer core, for read-only use by analysis code. O(1)."""
        return self._m

    def aws_reserved_offsets(self) -> tuple[int, ...]:
        """Offsets of the five AWS-reserved addresses: the network address, the
        VPC router, DNS, future use and the broadcast address. O(1)."""
        return (0, 1, 2, 3, self._size - 1)

    def __repr__(self) -> str:
        m = self._m
        sid = f" {self.subnet_id}" if self.subnet_id else ""
        return (
            f"<Subnet {format_ip(self._first)}/{self._plen}{sid} policy={self._policy.name} "
            f"free={m.nfree:,} available={m.navailable:,} free_prefixes={m.ncandidates:,}>"
        )

    def copy(
        self, *, seed: int | str | bytes | None = None, policy: str | Policy | None = None
    ) -> Subnet:
        """An independent copy: same CIDR, id, policy, reservations,
        allocations with their owners, and choice order; changing the copy
        never changes this subnet, nor the reverse. With ``seed`` None the
        copy's random generator starts in this one's state (both then make the
        same random choices); otherwise it is seeded with ``seed`` (as
        :class:`Subnet`'s ``seed``). ``policy``, when given, becomes the copy's
        default policy. ``copy.copy`` and ``copy.deepcopy`` call it.

        Raises :class:`InvalidArgumentType` for a ``seed`` that is not an int
        (a bool excluded), a str, bytes or None, and :class:`UnknownPolicy`
        for an unknown policy. O(size) in C plus O(blocks + allocations): no
        netaddr object, no saved-state round trip (see benchmarks/bench_core.py)."""
        _check_seed(seed)
        chosen = self._policy if policy is None else get_policy(policy)
        new = type(self).__new__(type(self))
        new._first, new._plen, new._size = self._first, self._plen, self._size
        new._subnet_id = self._subnet_id
        new._policy = chosen  # policies choose and never mutate: shared
        new._m = self._m.copy()
        new._owners = dict(self._owners)  # Owner is frozen: shared
        new._resv_ids = dict(self._resv_ids)
        new._pending = None  # a pending message describes this subnet's failure
        if seed is None:
            new._rng = Random()
            new._rng.setstate(self._rng.getstate())
        else:
            new._rng = Random(seed)
        return new

    def __copy__(self) -> Subnet:
        """``copy.copy(subnet)``: :meth:`copy` (a Subnet shares no state with
        its copy, shallow or not). O(size)."""
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Subnet:
        """``copy.deepcopy(subnet)``: :meth:`copy`. O(size)."""
        return self.copy()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: every slot but the weak reference to a pending lazy
        message (built first, so a live exception keeps its text). O(1),
        plus O(size) when a failure's message is pending."""
        if self._pending is not None:
            self._settle()
        return {name: getattr(self, name) for name in self.__slots__ if name != "_pending"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self._pending = None

    # --------------------------------------------------------------- counts

    def usable_ip_count(self) -> int:
        """Addresses AWS lets the subnet assign: its size less the five
        AWS-reserved ones (a /24 has 251). O(1)."""
        return self._size - AWS_RESERVED_COUNT

    def free_ip_count(self) -> int:
        """Addresses neither allocated nor AWS-reserved (reserved-for-prefix ones
        included). O(1)."""
        return self._m.nfree

    def available_ip_count(self) -> int:
        """What EC2 reports as AvailableIpAddressCount: free addresses outside
        every CIDR reservation. O(1)."""
        return self._m.navailable

    def free_prefix_count(self) -> int:
        """Aligned /28s an automatic :meth:`allocate_prefix` could take now:
        wholly free, holding no AWS-reserved address, overlapping no explicit
        reservation. O(1)."""
        return self._m.ncandidates

    def can_fit_prefix(self) -> bool:
        """Whether an automatic :meth:`allocate_prefix` would succeed now. O(1)."""
        return self._m.ncandidates > 0

    # ------------------------------------------------------------ allocation
    # The integer door (``*_offset``, :meth:`allocation_size_at`) is the one code
    # path: the netaddr API below parses its argument, calls the door and builds
    # the netaddr object of the result.

    def allocate_ip_offset(
        self,
        offset: int | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> int:
        """Allocate one address (a /32) by its offset from :attr:`first`; return
        the offset. The integer door of :meth:`allocate_ip`: same rules, errors,
        atomicity, policies and RNG, and no netaddr object is built.

        With ``offset`` (0 to ``size - 1``), that address: it may lie inside a
        CIDR reservation of either kind. Without, a free address outside every
        reservation chosen by ``policy`` (default: the subnet's). ``owner``
        records who holds it.

        Raises :class:`InvalidArgumentType` (``offset`` not an int, ``owner`` not
        an :class:`Owner`), :class:`OutOfSubnet`, :class:`ReservedAddress`
        (AWS-reserved), :class:`AddressInUse` (allocated, or inside an allocated
        prefix), :class:`InsufficientFreeAddresses` (automatic, nothing
        eligible; its message is built only when read), :class:`UnknownPolicy`.
        Cost: O(1) for explicit, lowest and random (expected); pack O(1) plus
        one C byte search over the blocks; see docs/performance.md for the
        measured ratios.
        """
        if owner is not None and not isinstance(owner, Owner):
            raise _bad_owner(owner)
        m = self._m
        if offset is None:
            pol = self._policy if policy is None else get_policy(policy)
            if not m.navailable:
                raise InsufficientFreeAddresses(_LazyText(self._no_address_message, m.nfree))
            off = pol.choose_address(m, self._rng)
        else:
            if policy is not None:
                get_policy(policy)
            off = offset
            if type(off) is not int or not 4 <= off < self._size - 1:
                off = self._address_offset(offset)  # raises unless an int subclass
            state = m.states[off] & _HOLDER
            if state:
                raise self._in_use_error(off, state)
        if self._pending is not None:
            self._settle()
        m.take_address(off)
        if owner is not None:
            self._owners[off] = owner
        return off

    def allocate_prefix_offset(
        self,
        offset: int | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> int:
        """Allocate one aligned /28 prefix by the offset of its first address
        (a multiple of 16); return that offset. The integer door of
        :meth:`allocate_prefix`: same rules, errors, atomicity, policies and
        RNG, and no netaddr object is built.

        With ``offset``, that /28: it must hold no AWS-reserved address and all
        16 addresses must be free (it may lie inside a reservation). Without, a
        wholly free /28 holding no AWS-reserved address and overlapping no
        explicit reservation, chosen by ``policy``: blocks inside ``prefix``
        reservations first, then the rest of the subnet.

        Raises :class:`InvalidArgumentType`, :class:`InvalidPrefix` (``offset``
        not a multiple of 16), :class:`OutOfSubnet`, :class:`ReservedAddress`,
        :class:`AddressInUse`, :class:`InsufficientCidrBlocks` (automatic,
        nothing eligible; its message is built only when read, from the state
        at the failure), :class:`UnknownPolicy`. Cost: O(1) amortised for
        explicit, random and pack; lowest is a C scan with early exit.
        """
        if owner is not None and not isinstance(owner, Owner):
            raise _bad_owner(owner)
        m = self._m
        if offset is None:
            pol = self._policy if policy is None else get_policy(policy)
            tier = PREFERRED if m.candidate_count(PREFERRED) else GENERAL
            if not m.candidate_count(tier):
                raise InsufficientCidrBlocks(self._lazy_no_block_message())
            block = pol.choose_block(m, tier, self._rng)
        else:
            if policy is not None:
                get_policy(policy)
            block = self._block_offset(offset)
            if block == 0 or block == m.nblocks - 1:
                raise ReservedAddress(
                    f"prefix {self._shown(offset, PREFIX_LEN)} holds an address AWS reserves "
                    f"in {self._cidr_text()}"
                )
            if m.used_in_block(block):
                raise AddressInUse(
                    f"prefix {self._shown(offset, PREFIX_LEN)} is not wholly free: "
                    f"{self._why_used(block)}"
                )
        if self._pending is not None:
            self._settle()
        m.take_block(block)
        off = block << BLOCK_BITS
        if owner is not None:
            self._owners[off] = owner
        return off

    def release_offset(self, offset: int) -> None:
        """Release the allocation that starts at ``offset``: the /32 there, or
        the whole /28 allocated at that (aligned) offset. The integer door of
        :meth:`release`.

        Raises :class:`InvalidArgumentType` (not an int) and
        :class:`NotAllocated` when no allocation starts there (including an
        offset outside the subnet). O(1) amortised.
        """
        if type(offset) is not int:
            _check_int(offset, "offset")
        m = self._m
        if not 0 <= offset < self._size:
            raise NotAllocated(
                f"offset {offset} is not in {self._cidr_text()} (0 to {self._size - 1})"
            )
        state = m.states[offset] & _HOLDER
        if state == USED:
            block = -1
        elif state == BLOCK_USED and not offset & (BLOCK - 1):
            block = offset >> BLOCK_BITS
        else:
            raise NotAllocated(
                f"{self._shown(offset, 32)} is not the start of an allocation "
                f"in {self._cidr_text()}"
            )
        if self._pending is not None:
            self._settle()
        if block < 0:
            m.give_address(offset)
        else:
            m.give_block(block)
        if self._owners:
            self._owners.pop(offset, None)

    def allocation_size_at(self, offset: int) -> int:
        """How many addresses the allocation starting at ``offset`` holds: 1 (a
        /32), 16 (a /28 starting here), or 0 (no allocation starts here: free,
        AWS-reserved, or inside a /28 past its first address).

        Raises :class:`InvalidArgumentType` (not an int) and :class:`OutOfSubnet`
        (not 0 to ``size - 1``). O(1).
        """
        if type(offset) is not int:
            _check_int(offset, "offset")
        if not 0 <= offset < self._size:
            raise self._out_of_subnet("offset", offset, 32)
        state = self._m.states[offset] & _HOLDER
        if state == USED:
            return 1
        if state == BLOCK_USED and not offset & (BLOCK - 1):
            return BLOCK
        return 0

    def allocate_ip(
        self,
        address: str | netaddr.IPAddress | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> netaddr.IPAddress:
        """Allocate one address (a /32) and return it.

        With ``address``, that address: it may lie inside a CIDR reservation of
        either kind. Without, a free address outside every reservation chosen by
        ``policy`` (default: the subnet's). ``owner`` records who holds it.
        A thin wrapper over :meth:`allocate_ip_offset`.

        Raises :class:`InvalidCidr` (malformed), :class:`OutOfSubnet`,
        :class:`ReservedAddress` (AWS-reserved), :class:`AddressInUse` (allocated,
        or inside an allocated prefix), :class:`InsufficientFreeAddresses`
        (automatic, nothing eligible), :class:`UnknownPolicy`,
        :class:`InvalidArgumentType` (``owner`` not an :class:`Owner`).
        Cost: that of :meth:`allocate_ip_offset` plus parsing ``address``
        (about 0.3 µs) and building the IPAddress (about 0.5 µs).
        """
        off = None if address is None else parse_ip(address) - self._first
        return to_ipaddress(self._first + self.allocate_ip_offset(off, policy=policy, owner=owner))

    def allocate_prefix(
        self,
        prefix: str | netaddr.IPNetwork | None = None,
        *,
        policy: str | Policy | None = None,
        owner: Owner | None = None,
    ) -> netaddr.IPNetwork:
        """Allocate one aligned /28 prefix and return it.

        With ``prefix``, that /28: it must hold no AWS-reserved address and all
        16 addresses must be free (it may lie inside a reservation). Without, a
        wholly free /28 holding no AWS-reserved address and overlapping no
        explicit reservation, chosen by ``policy``: blocks inside ``prefix``
        reservations first, then the rest of the subnet. A thin wrapper over
        :meth:`allocate_prefix_offset`.

        Raises :class:`InvalidCidr`, :class:`InvalidPrefix` (not an aligned /28),
        :class:`OutOfSubnet`, :class:`ReservedAddress`, :class:`AddressInUse`,
        :class:`InsufficientCidrBlocks` (automatic, nothing eligible),
        :class:`UnknownPolicy`, :class:`InvalidArgumentType`. Cost: that of
        :meth:`allocate_prefix_offset` plus parsing and building the IPNetwork.
        """
        off = None if prefix is None else self._prefix_offset(prefix)
        return to_ipnetwork(
            self._first + self.allocate_prefix_offset(off, policy=policy, owner=owner), PREFIX_LEN
        )

    def release(self, allocation: str | netaddr.IPAddress | netaddr.IPNetwork) -> None:
        """Release one allocation: a /32 (an address, or CIDR text ending /32)
        or a whole allocated /28. A thin wrapper over :meth:`release_offset`
        that also checks the length given matches the allocation's.

        Raises :class:`NotAllocated` when ``allocation`` names no allocation
        exactly (including anything unparsable or outside the subnet).
        O(1) amortised.
        """
        try:
            value, plen, network = parse_network(allocation, "allocation")
        except InvalidCidr as exc:
            raise NotAllocated(str(exc)) from None
        off = value - self._first
        if (
            value != network
            or not 0 <= off < self._size
            or self.allocation_size_at(off) != _SIZE_OF_PLEN.get(plen)
        ):
            raise NotAllocated(f"{allocation!s} is not an allocation in {self.cidr}")
        self.release_offset(off)

    # ---------------------------------------------------------- reservations

    def reserve(
        self,
        cidr: str | netaddr.IPNetwork,
        kind: str,
        *,
        reservation_id: str | None = None,
    ) -> Reservation:
        """Create a subnet CIDR reservation of type ``"prefix"`` or ``"explicit"``.

        It may cover addresses in use (creating it unassigns nothing); its free
        addresses leave :meth:`available_ip_count`. A non-canonical CIDR is
        rewritten to its network. Raises :class:`InvalidCidr`,
        :class:`OutOfSubnet`, :class:`InvalidReservationKind` (a ValueError),
        :class:`ReservationConflict` (overlaps another reservation) and
        :class:`InvalidArgumentType` (``reservation_id`` not a str or None).
        Cost: O(addresses covered) in C plus O(blocks covered).
        """
        _check_optional_str(reservation_id, "reservation_id")
        if not isinstance(kind, str) or kind not in RESERVATION_KINDS:
            raise InvalidReservationKind(
                f"reservation kind must be 'prefix' or 'explicit', not {kind!r}"
            )
        lo, hi = self._range_of(cidr, "reservation")
        hit = self._m.reservation_overlapping(lo, hi)
        if hit is not None:
            start, end, hit_kind = hit
            other = to_ipnetwork(self._first + start, 32 - (end - start).bit_length() + 1)
            raise ReservationConflict(
                f"reservation {cidr!s} overlaps the {_KIND_NAMES[hit_kind]} reservation {other}"
            )
        if self._pending is not None:
            self._settle()
        self._m.reserve(lo, hi, RESERVATION_KINDS[kind])
        res = Reservation(self._network(lo, hi), kind, reservation_id)
        if reservation_id is not None:
            self._resv_ids[lo] = reservation_id
        return res

    def unreserve(self, cidr: str | netaddr.IPNetwork) -> Reservation:
        """Delete exactly the reservation ``cidr``; return it. Allocations inside
        it stay. Raises :class:`UnknownReservation` when no reservation has that
        CIDR (and :class:`InvalidCidr` when it is malformed). Costs as
        :meth:`reserve`."""
        try:
            lo, hi = self._range_of(cidr, "reservation")
        except OutOfSubnet:
            raise UnknownReservation(f"no reservation {cidr!s} in {self.cidr}") from None
        hit = self._m.reservation_overlapping(lo, hi)
        if hit is None or hit[:2] != (lo, hi):
            raise UnknownReservation(f"no reservation {cidr!s} in {self.cidr}")
        if self._pending is not None:
            self._settle()
        _, kind = self._m.unreserve(lo)
        rid = self._resv_ids.pop(lo, None)
        return Reservation(self._network(lo, hi), _KIND_NAMES[kind], rid)

    def reservations(self) -> list[Reservation]:
        """The CIDR reservations in address order. O(r)."""
        ids = self._resv_ids
        return [
            Reservation(self._network(lo, hi), _KIND_NAMES[kind], ids.get(lo))
            for lo, hi, kind in self._m.reservations()
        ]

    # ----------------------------------------------------------- inspection

    def allocations(self) -> list[netaddr.IPNetwork]:
        """Every allocation in address order, as /32 or /28 IPNetworks.
        O(size) in C plus O(1) per allocation."""
        first = self._first
        return [
            to_ipnetwork(first + off, 32 if n == 1 else PREFIX_LEN)
            for off, n in self._m.allocations()
        ]

    def free_extents(self) -> list[netaddr.IPRange]:
        """The maximal runs of free addresses, in address order, as IPRanges.
        AWS-reserved addresses are not free. O(size) in C plus O(1) per run."""
        first = self._first
        return [to_iprange(first + lo, first + hi - 1) for lo, hi in self._m.free_extents()]

    def owner_of(self, address: str | netaddr.IPAddress | netaddr.IPNetwork) -> Owner | None:
        """The owner recorded for the allocation holding ``address`` (an address
        or an allocation's CIDR), or None when none was recorded.
        Raises :class:`NotAllocated` when nothing allocated holds it. O(1)."""
        try:
            value, _, _ = parse_network(address, "address")
        except InvalidCidr as exc:
            raise NotAllocated(str(exc)) from None
        off = value - self._first
        if not 0 <= off < self._size:
            raise NotAllocated(f"{address!s} is not in {self.cidr}")
        state = self._m.state(off) & _HOLDER
        if state == BLOCK_USED:
            off &= ~(BLOCK - 1)
        elif state != USED:
            raise NotAllocated(f"{address!s} is not allocated")
        return self._owners.get(off)

    def __contains__(self, address: object) -> bool:
        """Whether ``address`` is allocated (as a /32 or inside an allocated
        /28). False for addresses outside the subnet or AWS-reserved.
        Raises :class:`InvalidCidr` for a malformed address. O(1)."""
        off = parse_ip(address) - self._first
        if not 0 <= off < self._size:
            return False
        return self._m.state(off) & _HOLDER in (USED, BLOCK_USED)

    # -------------------------------------------------------------- analysis
    # Thin doors to the analysis layer above (imported lazily: the subnet layer
    # does not depend on it).

    def report(self) -> FragmentationReport:
        """The fragmentation report of this subnet (see
        :func:`subnetfrag.metrics.report`). O(size) in C plus O(blocks)."""
        from .metrics import report

        return report(self)

    def block_map(self) -> list[BlockInfo]:
        """One entry per /28 block in address order (see
        :func:`subnetfrag.blockmap.block_map`). O(blocks)."""
        from .blockmap import block_map

        return block_map(self)

    # ---------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        """The whole state as JSON-ready data: CIDR, id, policy, RNG state,
        reservations and allocations with their owners, and the order of the
        block lists the random policy indexes (``choice_order``, block numbers:
        it depends on the history, and with the RNG state it decides the next
        random choice). O(size)."""
        version, internal, gauss = self._rng.getstate()
        ip_blocks, preferred, general = self._m.choice_order()
        # Integers formatted directly, no netaddr object per allocation: this
        # runs once per allocation of a /16 (see benchmarks/bench_core.py). A
        # subnet lies inside one /16, so the first two octets are fixed.
        first = self._first
        head = f"{first >> 24}.{(first >> 16) & 255}."
        low = first & 0xFFFF
        octet = _OCTETS
        owners = self._owners
        allocations: list[dict[str, Any]] = []
        append = allocations.append
        for match in ALLOCATION_PATTERN.finditer(self._m.states):
            off, end = match.span()
            v = low + off
            cidr = f"{head}{octet[v >> 8]}.{octet[v & 255]}{'/32' if end - off == 1 else '/28'}"
            owner = owners.get(off) if owners else None
            if owner is None:
                append({"cidr": cidr})
            else:
                append({"cidr": cidr, "owner": owner.to_dict()})
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "cidr": str(self.cidr),
            "subnet_id": self.subnet_id,
            "policy": self._policy.name,
            "rng_state": {"version": version, "internal": list(internal), "gauss_next": gauss},
            "reservations": [r.to_dict() for r in self.reservations()],
            "allocations": allocations,
            "choice_order": {"addresses": ip_blocks, "prefix": preferred, "general": general},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Subnet:
        """Rebuild a Subnet from :meth:`to_dict` output, validating everything.

        Raises :class:`InvalidState` for a malformed or inconsistent document
        (the message names the offending field or entry). ``choice_order`` is
        optional (without it, random choices after the load may differ from the
        saved subnet's). O(size + allocations).
        """
        if not isinstance(data, dict):
            raise InvalidState(f"subnet state must be an object, not {type(data).__name__}")
        version = data.get("version")
        if data.get("format") != _FORMAT or type(version) is not int or version != _VERSION:
            raise InvalidState(f"not a subnetfrag subnet state (format {_FORMAT!r} v{_VERSION})")
        required = {"cidr", "subnet_id", "policy", "rng_state", "reservations", "allocations"}
        missing = required - set(data)
        if missing:
            raise InvalidState(f"subnet state lacks {', '.join(sorted(missing))}")
        try:
            subnet = cls(data["cidr"], policy=data["policy"], subnet_id=data["subnet_id"])
        except SubnetFragError as exc:
            raise InvalidState(f"subnet state: {exc}") from None
        if data["subnet_id"] is not None and not isinstance(data["subnet_id"], str):
            raise InvalidState("subnet state: subnet_id must be a string or null")
        subnet._load_reservations(data["reservations"])
        subnet._load_allocations(data["allocations"])
        subnet._load_rng(data["rng_state"])
        if data.get("choice_order") is not None:
            subnet._load_choice_order(data["choice_order"])
        return subnet

    def _load_reservations(self, items: Any) -> None:
        if not isinstance(items, list):
            raise InvalidState("subnet state: reservations must be a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or set(item) - {"cidr", "kind", "reservation_id"}:
                raise InvalidState(f"subnet state: reservations[{i}] is malformed")
            rid = item.get("reservation_id")
            if rid is not None and not isinstance(rid, str):
                raise InvalidState(f"subnet state: reservations[{i}].reservation_id")
            try:
                self.reserve(item.get("cidr"), item.get("kind"), reservation_id=rid)  # type: ignore[arg-type]
            except SubnetFragError as exc:
                raise InvalidState(f"subnet state: reservations[{i}]: {exc}") from None

    def _load_allocations(self, items: Any) -> None:
        # Text parsed straight to integers and allocated through the integer
        # door: no netaddr object per allocation (see benchmarks/bench_core.py).
        if not isinstance(items, list):
            raise InvalidState("subnet state: allocations must be a list")
        first = self._first
        keys = _ALLOCATION_KEYS
        allocate_ip = self.allocate_ip_offset
        allocate_prefix = self.allocate_prefix_offset
        for i, item in enumerate(items):
            if not isinstance(item, dict) or (len(item) != 1 and not item.keys() <= keys):
                raise InvalidState(f"subnet state: allocations[{i}] is malformed")
            try:
                cidr = item.get("cidr")
                if not isinstance(cidr, str):
                    raise InvalidState("cidr must be a string")
                data = item.get("owner") if len(item) == 2 else None
                owner = None if data is None else Owner.from_dict(data)
                text, _, plen = cidr.partition("/")
                try:
                    value = _from_bytes(_inet_pton(_AF_INET, text), "big")
                except (OSError, ValueError):
                    value = parse_ip(text, "allocation")  # lenient, or the error
                if plen == "28":
                    allocate_prefix(value - first, owner=owner)
                elif plen == "32" or not plen:
                    allocate_ip(value - first, owner=owner)
                else:
                    raise InvalidState(f"{cidr!r} is neither a /32 nor a /28")
            except SubnetFragError as exc:
                raise InvalidState(f"subnet state: allocations[{i}]: {exc}") from None

    def _load_rng(self, state: Any) -> None:
        """Restore the Mersenne Twister state, refusing any state CPython's
        ``random`` would not produce: the wrong version or length, a word
        outside 32 bits, a position outside 0..624, or the degenerate all-zero
        state (from which MT19937 returns zeros forever: the random policy's
        rejection loops are bounded anyway, see ``ExtentMap.random_address``)."""
        try:
            if not isinstance(state, dict) or set(state) != {"version", "internal", "gauss_next"}:
                raise ValueError("it must be an object with version, internal and gauss_next")
            version, internal, gauss = state["version"], state["internal"], state["gauss_next"]
            if type(version) is not int or version != _RNG_VERSION:
                raise ValueError(f"version must be {_RNG_VERSION}")
            if not isinstance(internal, list) or len(internal) != _MT_N + 1:
                raise ValueError(f"internal must be a list of {_MT_N + 1} integers")
            if not all(type(x) is int and 0 <= x <= _TOP for x in internal[:_MT_N]):
                raise ValueError("internal must hold 32-bit unsigned integers")
            pos = internal[_MT_N]
            if type(pos) is not int or not 0 <= pos <= _MT_N:
                raise ValueError(f"its position must be an integer 0 to {_MT_N}")
            if not internal[0] & 0x80000000 and not any(internal[1:_MT_N]):
                raise ValueError("it is the degenerate all-zero state")
            if gauss is not None and type(gauss) not in (float, int):
                raise ValueError("gauss_next must be a number or null")
            self._rng.setstate((version, tuple(internal), None if gauss is None else float(gauss)))
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidState(f"subnet state: rng_state is invalid ({exc})") from None

    def _load_choice_order(self, order: Any) -> None:
        keys = ("addresses", "prefix", "general")
        if not isinstance(order, dict) or set(order) != set(keys):
            raise InvalidState(f"subnet state: choice_order must be an object with {keys}")
        lists = [order[k] for k in keys]
        if not all(isinstance(x, list) for x in lists):
            raise InvalidState("subnet state: choice_order holds lists of block numbers")
        try:
            self._m.set_choice_order(*lists)
        except ValueError as exc:
            raise InvalidState(f"subnet state: choice_order: {exc}") from None

    # --------------------------------------------------------------- helpers

    def _cidr_text(self) -> str:
        return f"{format_ip(self._first)}/{self._plen}"

    def _shown(self, offset: int, plen: int) -> str:
        """The address (or CIDR) at ``offset`` as text, for messages."""
        value = self._first + offset
        if not 0 <= value <= _TOP:
            return f"offset {offset}"
        return format_ip(value) if plen == 32 else f"{format_ip(value)}/{plen}"

    def _out_of_subnet(self, what: str, offset: int, plen: int) -> OutOfSubnet:
        if what == "offset":
            return OutOfSubnet(
                f"offset {offset} is not in {self._cidr_text()} (offsets 0 to {self._size - 1})"
            )
        return OutOfSubnet(f"{what} {self._shown(offset, plen)} is not in {self._cidr_text()}")

    def _address_offset(self, offset: object) -> int:
        """``offset`` checked as an allocatable address's offset; raises
        InvalidArgumentType/OutOfSubnet/ReservedAddress."""
        if type(offset) is not int:
            _check_int(offset, "offset")
        off: int = offset  # type: ignore[assignment]
        if not 0 <= off < self._size:
            raise self._out_of_subnet("address", off, 32)
        if off < 4 or off == self._size - 1:
            raise ReservedAddress(
                f"address {self._shown(off, 32)} is reserved by AWS in {self._cidr_text()}"
            )
        return off

    def _block_offset(self, offset: object) -> int:
        """Block index of the /28 at ``offset``; raises
        InvalidArgumentType/InvalidPrefix/OutOfSubnet."""
        if type(offset) is not int:
            _check_int(offset, "offset")
        off: int = offset  # type: ignore[assignment]
        if off & (BLOCK - 1):
            raise InvalidPrefix(
                f"offset {off} ({self._shown(off, 32)}) is not a multiple of 16: "
                "a /28 starts on one"
            )
        if not 0 <= off < self._size:
            raise self._out_of_subnet("prefix", off, PREFIX_LEN)
        return off >> BLOCK_BITS

    def _prefix_offset(self, prefix: object) -> int:
        """Offset of an aligned /28 given as text or netaddr (maybe outside the
        subnet: the door says so); raises InvalidCidr/InvalidPrefix."""
        value, plen, network = parse_network(prefix, "prefix")
        if plen != PREFIX_LEN:
            raise InvalidPrefix(f"prefix {prefix!s} is a /{plen}: an IPv4 prefix is a /28")
        if value != network:
            raise InvalidPrefix(
                f"prefix {prefix!s} is not aligned: a /28 starts on a multiple of 16 "
                f"(did you mean {format_ip(network)}/28?)"
            )
        return value - self._first

    def _range_of(self, cidr: object, what: str) -> tuple[int, int]:
        """``[lo, hi)`` offsets of a CIDR inside the subnet (canonicalised)."""
        _, plen, network = parse_network(cidr, what)
        lo = network - self._first
        hi = lo + (1 << (32 - plen))
        if lo < 0 or hi > self._size:
            raise OutOfSubnet(f"{what} {cidr!s} is not inside {self.cidr}")
        return lo, hi

    def _network(self, lo: int, hi: int) -> netaddr.IPNetwork:
        return to_ipnetwork(self._first + lo, 33 - (hi - lo).bit_length())

    def _in_use_error(self, off: int, state: int) -> SubnetFragError:
        shown = self._shown(off, 32)
        if state == BLOCK_USED:
            block = self._shown(off & ~(BLOCK - 1), PREFIX_LEN)
            return AddressInUse(f"address {shown} is inside the allocated prefix {block}")
        return AddressInUse(f"address {shown} is already allocated")

    def _why_used(self, block: int) -> str:
        lo = block << BLOCK_BITS
        if self._m.state(lo) & _HOLDER == BLOCK_USED:
            return "it is already allocated"
        used = [
            format_ip(self._first + lo + i) for i in range(BLOCK) if self._m.state(lo + i) & _HOLDER
        ]
        shown = ", ".join(used[:4]) + (", ..." if len(used) > 4 else "")
        return f"{len(used)} address{'es' if len(used) > 1 else ''} in use ({shown})"

    def _no_address_message(self, nfree: int) -> str:
        if nfree:
            return (
                f"no free address outside CIDR reservations in {self._cidr_text()}: "
                f"{nfree:,} free addresses, all inside reservations"
            )
        return f"no free address in {self._cidr_text()}: every address is allocated or AWS-reserved"

    def _lazy_no_block_message(self) -> _LazyText:
        """The message of a failed automatic /28, built when it is read: the
        failure costs O(1), because simulations use it as control flow. The
        next mutation of the subnet builds it first if the exception is still
        alive (see :meth:`_settle`), so it always describes the failure."""
        text = _LazyText(self._no_block_message)
        self._pending = weakref.ref(text)
        return text

    def _settle(self) -> None:
        """Build the pending lazy message, if its exception is still alive,
        before the state it describes changes. O(size) then, O(1) otherwise."""
        pending = self._pending
        self._pending = None
        text = pending() if pending is not None else None
        if text is not None:
            str(text)

    def _no_block_message(self) -> str:
        m = self._m
        excluded = sum(
            1 for b in range(m.nblocks) if m.tier_of_block(b) == EXCLUDED and not m.used_in_block(b)
        )
        extra = f", {excluded:,} free /28s inside explicit reservations" if excluded else ""
        return (
            f"no free aligned /28 in {self._cidr_text()}: {m.nfree:,} free addresses, "
            f"largest free run {m.largest_free_run():,}{extra}"
        )


class _LazyText:
    """An exception message built on first use (``str()``), then kept.

    Used as the single argument of an exception: ``str(exc)`` reads it through
    :meth:`__str__`. Pickles (and ``repr``s) as the built text.
    """

    __slots__ = ("__weakref__", "_args", "_make", "_text")

    def __init__(self, make: Callable[..., str], *args: Any) -> None:
        self._make: Callable[..., str] | None = make
        self._args = args
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            assert self._make is not None
            self._text = self._make(*self._args)
            self._make = None
            self._args = ()
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (str(self),))


def _check_seed(seed: object) -> None:
    """Raise InvalidArgumentType unless ``seed`` is an int (not a bool), a
    str, bytes or None: what :class:`random.Random` takes reproducibly."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | str | bytes)):
        raise InvalidArgumentType(
            f"seed must be an int, a str, bytes or None, not {type(seed).__name__}"
        )


def _check_optional_str(value: object, what: str) -> None:
    """Raise InvalidArgumentType unless ``value`` is a str or None (an id or
    label: ``subnet_id``, ``reservation_id``, a pool's ``id_prefix``). O(1)."""
    if value is not None and not isinstance(value, str):
        raise InvalidArgumentType(f"{what} must be a str or None, not {type(value).__name__}")


def _check_int(value: object, what: str) -> None:
    """Raise InvalidArgumentType unless ``value`` is an int (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{what} must be an int, not {type(value).__name__}")


def _bad_owner(owner: object) -> InvalidArgumentType:
    return InvalidArgumentType(
        f"owner must be a subnetfrag Owner or None, not {type(owner).__name__} ({owner!r:.40})"
    )
