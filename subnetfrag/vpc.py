"""A VPC with several IPv4 CIDR blocks, under AWS's association rules.

:class:`Vpc` holds a primary CIDR block, the secondary blocks associated with it,
and the :class:`~subnetfrag.subnet.Subnet` objects carved from them. It enforces
what the Amazon VPC User Guide documents for ``AssociateVpcCidrBlock``
("VPC CIDR blocks" and its table "IPv4 CIDR block association restrictions";
see docs/vpc.md for the table and where each rule is tested):

- every block is a /16 to /28 and overlaps no other block of the VPC;
- 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16 and 224.0.0.0/4 are never allowed;
- which ranges may be added depends on the range the *primary* block lies in
  (RFC 1918 ranges do not mix; 198.19.0.0/16 is refused next to RFC 1918 and
  public primaries; 172.31.0.0/16 is refused with a 172.16.0.0/12 primary; once
  any block lies in 10.0.0.0/15, no block from 10.0.0.0/16 may be added);
- at most ``max_cidr_blocks`` blocks, the primary included (5 by default,
  adjustable up to 50);
- the primary block cannot be disassociated, nor a block that still holds subnets.

Subnets must lie inside one block and overlap no other subnet; a subnet that
holds allocations cannot be deleted.

Rules that depend on state this model does not hold (route-table destinations,
VPC peering, Direct Connect gateways, ClassicLink) are not checked.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

import netaddr

from .addresses import format_ip, parse_network, to_ipnetwork
from .errors import InvalidArgumentType, InvalidCidr, InvalidState, SubnetFragError
from .policies import Policy
from .subnet import AWS_RESERVED_COUNT, MAX_PREFIXLEN, MIN_PREFIXLEN, Subnet

__all__ = [
    "DEFAULT_MAX_CIDR_BLOCKS",
    "MAX_CIDR_BLOCKS_LIMIT",
    "RESTRICTIONS_SOURCE",
    "CidrAssociationError",
    "CidrBlockInUse",
    "CidrBlockLimitExceeded",
    "CidrBlockSizeError",
    "CidrOverlap",
    "InvalidCidrBlockQuota",
    "PrimaryCidrBlock",
    "ReservedCidrRange",
    "RestrictedCidrAssociation",
    "SubnetConflict",
    "SubnetInUse",
    "SubnetNotInVpc",
    "SubnetPlacementError",
    "UnknownCidrBlock",
    "UnknownSubnet",
    "Vpc",
    "check_association",
]

#: Blocks per VPC, primary included, by default (the "IPv4 CIDR blocks per VPC" quota).
DEFAULT_MAX_CIDR_BLOCKS = 5
#: The most that quota can be raised to.
MAX_CIDR_BLOCKS_LIMIT = 50
#: Where the association rules come from; every refusal cites it.
RESTRICTIONS_SOURCE = (
    'Amazon VPC User Guide, "VPC CIDR blocks", table "IPv4 CIDR block association restrictions"'
)
_GUIDE = 'Amazon VPC User Guide, "VPC CIDR blocks"'

_FORMAT = "subnetfrag.vpc"
_VERSION = 1


# ------------------------------------------------------------------- errors


class CidrAssociationError(SubnetFragError, ValueError):
    """A VPC CIDR block association or disassociation that AWS refuses.

    ``rule`` names the rule that refused it (``"size"``, ``"reserved-range"``,
    ``"overlap"``, ``"rfc1918"``, ``"198.19.0.0/16"``, ``"172.31.0.0/16"``,
    ``"10.0.0.0/16"``, ``"quota"``, ``"primary"``, ``"in-use"``, ``"unknown"``);
    the message states the rule in words and cites its source.
    """

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class CidrBlockSizeError(CidrAssociationError, InvalidCidr):
    """A VPC CIDR block that is not a /16 to /28."""


class ReservedCidrRange(CidrAssociationError):
    """A block from a range AWS never allows in a VPC: 0.0.0.0/8, 127.0.0.0/8,
    169.254.0.0/16 (link-local) or 224.0.0.0/4 (multicast)."""


class CidrOverlap(CidrAssociationError):
    """A block that overlaps a block already associated with the VPC."""


class RestrictedCidrAssociation(CidrAssociationError):
    """A block from a range the association-restrictions table refuses next to
    the VPC's primary block."""


class CidrBlockLimitExceeded(CidrAssociationError):
    """An association beyond the VPC's quota of CIDR blocks."""


class PrimaryCidrBlock(CidrAssociationError):
    """An attempt to disassociate the primary CIDR block."""


class CidrBlockInUse(CidrAssociationError):
    """An attempt to disassociate a block that still holds subnets."""


class UnknownCidrBlock(CidrAssociationError, LookupError):
    """A CIDR that is not one of the VPC's blocks."""


class InvalidCidrBlockQuota(SubnetFragError, ValueError):
    """A ``max_cidr_blocks`` outside 1 to 50."""


class SubnetPlacementError(SubnetFragError, ValueError):
    """A subnet that cannot be placed in the VPC."""


class SubnetNotInVpc(SubnetPlacementError):
    """A subnet CIDR that lies inside none of the VPC's blocks (EC2's
    ``InvalidSubnet.Range``). A subnet must lie inside a single block."""


class SubnetConflict(SubnetPlacementError):
    """A subnet that overlaps another subnet of the VPC (EC2's
    ``InvalidSubnet.Conflict``), or reuses another subnet's ``subnet_id``."""


class SubnetInUse(SubnetFragError):
    """A subnet deletion refused because the subnet holds allocations (EC2's
    ``DependencyViolation``)."""


class UnknownSubnet(SubnetFragError, LookupError):
    """A subnet id, CIDR or object that names no subnet here."""


# --------------------------------------------------------- the rule table


def _net(text: str) -> tuple[int, int]:
    _, plen, first = parse_network(text)
    return first, plen


def _inside(first: int, plen: int, rng: tuple[int, int]) -> bool:
    """Whether the block ``first/plen`` lies inside the range ``rng``."""
    rfirst, rplen = rng
    return plen >= rplen and (first >> (32 - rplen)) == (rfirst >> (32 - rplen))


_TEN = _net("10.0.0.0/8")
_172 = _net("172.16.0.0/12")
_192 = _net("192.168.0.0/16")
_198_19 = _net("198.19.0.0/16")
_172_31 = _net("172.31.0.0/16")
_10_15 = _net("10.0.0.0/15")
_10_16 = _net("10.0.0.0/16")
_CGNAT = _net("100.64.0.0/10")
_RFC1918 = (_TEN, _172, _192)

#: Ranges AWS never allows in a VPC, with what they are.
_NEVER: tuple[tuple[tuple[int, int], str], ...] = (
    (_net("0.0.0.0/8"), "0.0.0.0/8 ('this' network)"),
    (_net("127.0.0.0/8"), "127.0.0.0/8 (loopback)"),
    (_net("169.254.0.0/16"), "169.254.0.0/16 (link-local, RFC 5735)"),
    (_net("224.0.0.0/4"), "224.0.0.0/4 (multicast)"),
)


def _show(rng: tuple[int, int]) -> str:
    return f"{format_ip(rng[0])}/{rng[1]}"


def _primary_row(first: int, plen: int) -> str:
    """The table row of a primary block: the range it lies in."""
    for rng in (*_RFC1918, _198_19):
        if _inside(first, plen, rng):
            return _show(rng)
    if _inside(first, plen, _CGNAT):
        return "100.64.0.0/10"
    return "public"


_OTHER_1918 = "CIDR blocks from other RFC 1918 ranges are restricted"
_ANY_1918 = "CIDR blocks from the RFC 1918 ranges are restricted"
_NO_198_19 = "CIDR blocks from 198.19.0.0/16 are restricted"

#: Per row of the table (the range the primary block lies in): the restricted
#: ranges, each with its rule name and the table's words.
_RESTRICTED: dict[str, tuple[tuple[tuple[int, int], str, str], ...]] = {
    "10.0.0.0/8": (
        (_172, "rfc1918", _OTHER_1918),
        (_192, "rfc1918", _OTHER_1918),
        (_198_19, "198.19.0.0/16", _NO_198_19),
    ),
    "172.16.0.0/12": (
        (_TEN, "rfc1918", _OTHER_1918),
        (_192, "rfc1918", _OTHER_1918),
        (_172_31, "172.31.0.0/16", "CIDR blocks from 172.31.0.0/16 are restricted"),
        (_198_19, "198.19.0.0/16", _NO_198_19),
    ),
    "192.168.0.0/16": (
        (_TEN, "rfc1918", _OTHER_1918),
        (_172, "rfc1918", _OTHER_1918),
        (_198_19, "198.19.0.0/16", _NO_198_19),
    ),
    "198.19.0.0/16": (
        (_TEN, "rfc1918", _ANY_1918),
        (_172, "rfc1918", _ANY_1918),
        (_192, "rfc1918", _ANY_1918),
    ),
    "100.64.0.0/10": (
        (_TEN, "rfc1918", _ANY_1918),
        (_172, "rfc1918", _ANY_1918),
        (_192, "rfc1918", _ANY_1918),
        (_198_19, "198.19.0.0/16", _NO_198_19),
    ),
}
_RESTRICTED["public"] = _RESTRICTED["100.64.0.0/10"]

_ROW_NAMES = {
    "10.0.0.0/8": "lies in 10.0.0.0/8",
    "172.16.0.0/12": "lies in 172.16.0.0/12",
    "192.168.0.0/16": "lies in 192.168.0.0/16",
    "198.19.0.0/16": "lies in 198.19.0.0/16",
    "100.64.0.0/10": "lies in 100.64.0.0/10",
    "public": "is publicly routable (non-RFC 1918)",
}


def _check_block_shape(first: int, plen: int, shown: object, what: str) -> None:
    if not MIN_PREFIXLEN <= plen <= MAX_PREFIXLEN:
        raise CidrBlockSizeError(
            f"{what} {shown!s} is a /{plen}: a VPC CIDR block is a /{MIN_PREFIXLEN} to "
            f"/{MAX_PREFIXLEN} ({_GUIDE})",
            "size",
        )
    for rng, name in _NEVER:
        if _inside(first, plen, rng):
            raise ReservedCidrRange(
                f"{what} {shown!s} lies in {name}, which AWS never allows in a VPC "
                f'({_GUIDE}, "Considerations")',
                "reserved-range",
            )


def check_association(
    primary: str | netaddr.IPNetwork,
    existing: list[str | netaddr.IPNetwork] | tuple[str | netaddr.IPNetwork, ...],
    cidr: str | netaddr.IPNetwork,
    *,
    max_cidr_blocks: int = DEFAULT_MAX_CIDR_BLOCKS,
) -> netaddr.IPNetwork:
    """Check, without any VPC object, whether AWS lets ``cidr`` be associated with
    a VPC whose primary block is ``primary`` and whose secondary blocks are
    ``existing``. Returns the canonical block (``100.64.0.9/16`` becomes
    ``100.64.0.0/16``, as EC2 rewrites it).

    The checks run in this order and the first that fails raises:
    :class:`~subnetfrag.errors.InvalidCidr` (malformed), :class:`CidrBlockSizeError`,
    :class:`ReservedCidrRange`, :class:`CidrOverlap`,
    :class:`RestrictedCidrAssociation`, :class:`CidrBlockLimitExceeded`.
    O(number of blocks).
    """
    blocks = [_parse_block(primary, "primary CIDR")]
    blocks += [_parse_block(b, "CIDR block") for b in existing]
    first, plen = _parse_block(cidr, "CIDR block")
    _check_new_block(blocks, first, plen, cidr, max_cidr_blocks)
    return to_ipnetwork(first, plen)


def _parse_block(cidr: object, what: str) -> tuple[int, int]:
    _, plen, first = parse_network(cidr, what)
    _check_block_shape(first, plen, cidr, what)
    return first, plen


def _check_new_block(
    blocks: list[tuple[int, int]], first: int, plen: int, shown: object, quota: int
) -> None:
    """``blocks[0]`` is the primary; raises the first rule ``first/plen`` breaks."""
    last = first + (1 << (32 - plen)) - 1
    for bfirst, bplen in blocks:
        blast = bfirst + (1 << (32 - bplen)) - 1
        if bfirst <= last and first <= blast:
            other = f"{format_ip(bfirst)}/{bplen}"
            raise CidrOverlap(
                f"CIDR block {shown!s} overlaps the VPC's block {other}: a new block must not "
                "overlap any block already associated with the VPC "
                f'({_GUIDE}, "Manage IPv4 CIDR blocks")',
                "overlap",
            )
    pfirst, pplen = blocks[0]
    row = _primary_row(pfirst, pplen)
    primary = f"{format_ip(pfirst)}/{pplen}"
    for rng, rule, why in _RESTRICTED[row]:
        if _inside(first, plen, rng):
            raise RestrictedCidrAssociation(
                f"CIDR block {shown!s} lies in {_show(rng)} and the VPC's primary block "
                f"{primary} {_ROW_NAMES[row]}: {why} ({RESTRICTIONS_SOURCE})",
                rule,
            )
    if row == "10.0.0.0/8" and _inside(first, plen, _10_16):
        hits = [b for b in blocks if _inside(b[0], b[1], _10_15)]
        if hits:
            held = f"{format_ip(hits[0][0])}/{hits[0][1]}"
            raise RestrictedCidrAssociation(
                f"CIDR block {shown!s} lies in 10.0.0.0/16 and the VPC's block {held} lies in "
                "10.0.0.0/15: once any block of the VPC is from 10.0.0.0/15, no block from "
                f"10.0.0.0/16 may be added ({RESTRICTIONS_SOURCE})",
                "10.0.0.0/16",
            )
    if len(blocks) >= quota:
        raise CidrBlockLimitExceeded(
            f"cannot associate {shown!s}: the VPC already has {len(blocks)} CIDR blocks, its "
            f"quota (IPv4 CIDR blocks per VPC: {DEFAULT_MAX_CIDR_BLOCKS} by default, "
            f"adjustable up to {MAX_CIDR_BLOCKS_LIMIT}; Amazon VPC quotas)",
            "quota",
        )


# --------------------------------------------------------------------- Vpc


class Vpc:
    """An AWS VPC: a primary IPv4 CIDR block, secondary blocks and subnets.

    ``Vpc(primary_cidr, *, max_cidr_blocks=5, vpc_id=None)``: ``primary_cidr``
    is a /16 to /28 (rewritten to its canonical form); ``max_cidr_blocks`` is
    the VPC's quota of blocks, the primary included (1 to 50); ``vpc_id`` is a
    label such as ``vpc-0abc``.

    Raises :class:`~subnetfrag.errors.InvalidCidr` (malformed),
    :class:`CidrBlockSizeError`, :class:`ReservedCidrRange` and
    :class:`InvalidCidrBlockQuota`. O(1).

    Every method that raises has changed nothing.
    """

    __slots__ = ("_blocks", "_firsts", "_ids", "_max", "_subnets", "vpc_id")

    def __init__(
        self,
        primary_cidr: str | netaddr.IPNetwork,
        *,
        max_cidr_blocks: int = DEFAULT_MAX_CIDR_BLOCKS,
        vpc_id: str | None = None,
    ) -> None:
        if (
            not isinstance(max_cidr_blocks, int)
            or isinstance(max_cidr_blocks, bool)
            or not 1 <= max_cidr_blocks <= MAX_CIDR_BLOCKS_LIMIT
        ):
            raise InvalidCidrBlockQuota(
                f"max_cidr_blocks must be an integer from 1 to {MAX_CIDR_BLOCKS_LIMIT} (AWS's "
                f"highest quota of IPv4 CIDR blocks per VPC), not {max_cidr_blocks!r}"
            )
        if vpc_id is not None and not isinstance(vpc_id, str):
            raise InvalidArgumentType(f"vpc_id must be a string or None, not {vpc_id!r}")
        self._blocks: list[tuple[int, int]] = [_parse_block(primary_cidr, "primary CIDR")]
        self._max = max_cidr_blocks
        self._firsts: list[int] = []  # first address of each subnet, sorted
        self._subnets: list[Subnet] = []  # parallel to _firsts
        self._ids: dict[str, Subnet] = {}
        self.vpc_id = vpc_id

    # ------------------------------------------------------------ blocks

    @property
    def primary_cidr(self) -> netaddr.IPNetwork:
        """The primary CIDR block. O(1)."""
        return to_ipnetwork(*self._blocks[0])

    @property
    def max_cidr_blocks(self) -> int:
        """The quota of CIDR blocks, the primary included. O(1)."""
        return self._max

    def cidr_blocks(self) -> list[netaddr.IPNetwork]:
        """Every associated block, primary first, then in association order. O(b)."""
        return [to_ipnetwork(f, p) for f, p in self._blocks]

    def check_association(self, cidr: str | netaddr.IPNetwork) -> netaddr.IPNetwork:
        """Whether :meth:`associate_cidr` would accept ``cidr``: returns the
        canonical block, or raises what it would raise. Changes nothing. O(b)."""
        first, plen = _parse_block(cidr, "CIDR block")
        _check_new_block(self._blocks, first, plen, cidr, self._max)
        return to_ipnetwork(first, plen)

    def associate_cidr(self, cidr: str | netaddr.IPNetwork) -> netaddr.IPNetwork:
        """Associate a secondary IPv4 CIDR block and return it (canonical form).

        Raises :class:`~subnetfrag.errors.InvalidCidr` (malformed),
        :class:`CidrBlockSizeError` (not /16 to /28), :class:`ReservedCidrRange`
        (0/8, 127/8, 169.254/16, 224/4), :class:`CidrOverlap`,
        :class:`RestrictedCidrAssociation` (the restrictions table, keyed by the
        primary block's range), :class:`CidrBlockLimitExceeded` (quota), in that
        order of checking. O(b) for b blocks (at most 50).
        """
        block = self.check_association(cidr)
        self._blocks.append((block.value, block.prefixlen))
        return block

    def disassociate_cidr(self, cidr: str | netaddr.IPNetwork) -> netaddr.IPNetwork:
        """Disassociate the secondary block ``cidr`` (exactly one of the blocks)
        and return it.

        Raises :class:`UnknownCidrBlock` (no such block; also for malformed
        input), :class:`PrimaryCidrBlock` (AWS never disassociates the block the
        VPC was created with) and :class:`CidrBlockInUse` (the block still holds
        subnets; the message names them). O(b + log s).
        """
        index = self._block_index(cidr)
        first, plen = self._blocks[index]
        shown = f"{format_ip(first)}/{plen}"
        if index == 0:
            raise PrimaryCidrBlock(
                f"{shown} is the VPC's primary CIDR block, which cannot be disassociated "
                f'({_GUIDE}, "Manage IPv4 CIDR blocks")',
                "primary",
            )
        inside = self._subnets_in(first, first + (1 << (32 - plen)))
        if inside:
            names = ", ".join(_subnet_name(s) for s in inside[:5])
            more = f" and {len(inside) - 5} more" if len(inside) > 5 else ""
            raise CidrBlockInUse(
                f"CIDR block {shown} still holds {len(inside)} subnet"
                f"{'s' if len(inside) > 1 else ''} ({names}{more}): delete them first",
                "in-use",
            )
        del self._blocks[index]
        return to_ipnetwork(first, plen)

    def block_of(self, cidr: str | netaddr.IPNetwork | netaddr.IPAddress) -> netaddr.IPNetwork:
        """The VPC block that contains ``cidr`` (an address or CIDR).

        Raises :class:`~subnetfrag.errors.InvalidCidr` (malformed) and
        :class:`SubnetNotInVpc` (inside no single block). O(b).
        """
        _, plen, first = parse_network(cidr, "CIDR")
        found = self._containing_block(first, plen)
        if found is None:
            raise SubnetNotInVpc(f"{cidr!s} lies inside none of the VPC's CIDR blocks")
        return to_ipnetwork(*found)

    def find_free_cidr(
        self, prefixlen: int, *, within: str | netaddr.IPNetwork | None = None
    ) -> netaddr.IPNetwork | None:
        """The lowest aligned /``prefixlen`` that overlaps no subnet, inside the
        block ``within`` (one of the VPC's blocks) or, by default, inside the
        blocks in association order. None when there is none.

        Raises :class:`~subnetfrag.errors.InvalidCidr` for a ``prefixlen``
        outside 16 to 28 and :class:`UnknownCidrBlock` for a ``within`` that is
        not a block. Cost: O(log s) per subnet skipped, over the blocks searched.
        """
        if (
            not isinstance(prefixlen, int)
            or isinstance(prefixlen, bool)
            or not MIN_PREFIXLEN <= prefixlen <= MAX_PREFIXLEN
        ):
            raise InvalidCidr(
                f"prefixlen must be {MIN_PREFIXLEN} to {MAX_PREFIXLEN} (a subnet's size), "
                f"not {prefixlen!r}"
            )
        blocks = self._blocks if within is None else [self._blocks[self._block_index(within)]]
        size = 1 << (32 - prefixlen)
        for bfirst, bplen in blocks:
            if bplen > prefixlen:
                continue
            end = bfirst + (1 << (32 - bplen))
            start = bfirst
            while start + size <= end:
                i = bisect_left(self._firsts, start + size) - 1
                if i >= 0:
                    s = self._subnets[i]
                    s_end = s.first + s.size
                    if s_end > start:  # overlaps [start, start + size)
                        start = (s_end + size - 1) // size * size
                        continue
                return to_ipnetwork(start, prefixlen)
        return None

    # ----------------------------------------------------------- subnets

    def create_subnet(
        self,
        cidr: str | netaddr.IPNetwork,
        *,
        subnet_id: str | None = None,
        seed: int | str | bytes | None = None,
        policy: str | Policy = "random",
    ) -> Subnet:
        """Create a subnet (see :class:`~subnetfrag.subnet.Subnet` for the
        arguments) inside one of the VPC's blocks and return it.

        Raises :class:`~subnetfrag.errors.InvalidCidr` (malformed, or not /16 to
        /28), :class:`~subnetfrag.errors.UnknownPolicy`, :class:`SubnetNotInVpc`
        (inside no single block), :class:`SubnetConflict` (overlaps a subnet, or
        its ``subnet_id`` is taken). O(size of the subnet) to build it, plus
        O(b + log s) to place it.
        """
        subnet = Subnet(cidr, seed=seed, policy=policy, subnet_id=subnet_id)
        return self.add_subnet(subnet)

    def add_subnet(self, subnet: Subnet) -> Subnet:
        """Place an existing :class:`~subnetfrag.subnet.Subnet` (one read from
        AWS, say) in the VPC, with the checks of :meth:`create_subnet`; return it.
        O(b + s) (the insertion into the sorted subnet list)."""
        if not isinstance(subnet, Subnet):
            raise InvalidArgumentType(f"add_subnet() takes a Subnet, not {type(subnet).__name__}")
        first, plen = subnet.first, subnet.prefixlen
        if self._containing_block(first, plen) is None:
            blocks = ", ".join(str(b) for b in self.cidr_blocks())
            raise SubnetNotInVpc(
                f"subnet {subnet.cidr} lies inside none of the VPC's CIDR blocks ({blocks}): "
                "a subnet must lie inside a single block"
            )
        clash = self._subnets_in(first, first + subnet.size)
        if clash:
            raise SubnetConflict(
                f"subnet {subnet.cidr} overlaps the subnet {_subnet_name(clash[0])}",
            )
        sid = subnet.subnet_id
        if sid is not None and sid in self._ids:
            raise SubnetConflict(
                f"subnet id {sid!r} is already used by {_subnet_name(self._ids[sid])}"
            )
        i = bisect_left(self._firsts, first)
        self._firsts.insert(i, first)
        self._subnets.insert(i, subnet)
        if sid is not None:
            self._ids[sid] = subnet
        return subnet

    def delete_subnet(self, subnet: Subnet | str | netaddr.IPNetwork) -> Subnet:
        """Remove a subnet (given as the object, its ``subnet_id`` or its CIDR)
        and return it. CIDR reservations go with it, as in EC2.

        Raises :class:`UnknownSubnet` and :class:`SubnetInUse` (it holds
        allocations; the message says how many addresses). O(s).
        """
        i = self._subnet_index(subnet)
        s = self._subnets[i]
        allocated = s.size - AWS_RESERVED_COUNT - s.free_ip_count()
        if allocated:
            raise SubnetInUse(
                f"subnet {_subnet_name(s)} still holds allocations ({allocated:,} addresses): "
                "release them before deleting it"
            )
        del self._firsts[i]
        del self._subnets[i]
        if s.subnet_id is not None:
            self._ids.pop(s.subnet_id, None)
        return s

    def subnet(self, key: str | netaddr.IPNetwork) -> Subnet:
        """The subnet with this ``subnet_id`` or exactly this CIDR.
        Raises :class:`UnknownSubnet`. O(log s)."""
        return self._subnets[self._subnet_index(key)]

    def subnets(self) -> list[Subnet]:
        """The subnets in address order. O(s)."""
        return list(self._subnets)

    def subnet_of(self, address: str | netaddr.IPAddress) -> Subnet | None:
        """The subnet containing ``address``, or None. Raises
        :class:`~subnetfrag.errors.InvalidCidr` when malformed. O(log s)."""
        _, _, value = parse_network(address, "address")
        i = bisect_right(self._firsts, value) - 1
        if i >= 0 and value < self._subnets[i].first + self._subnets[i].size:
            return self._subnets[i]
        return None

    def __repr__(self) -> str:
        vid = f" {self.vpc_id}" if self.vpc_id else ""
        blocks = ", ".join(str(b) for b in self.cidr_blocks())
        return f"<Vpc{vid} blocks=[{blocks}] subnets={len(self._subnets)}>"

    # ------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state: the blocks (primary first, association order), the
        quota, the id and every subnet's :meth:`Subnet.to_dict` in address order.
        O(total size of the subnets)."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "vpc_id": self.vpc_id,
            "max_cidr_blocks": self._max,
            "cidr_blocks": [str(b) for b in self.cidr_blocks()],
            "subnets": [s.to_dict() for s in self._subnets],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Vpc:
        """Rebuild a Vpc from :meth:`to_dict` output, replaying the associations
        in order (so the rules are checked again) and rebuilding every subnet.

        Raises :class:`~subnetfrag.errors.InvalidState` for a malformed or
        inconsistent document; the message names the field or entry.
        O(total size of the subnets).
        """
        if not isinstance(data, dict):
            raise InvalidState(f"VPC state must be an object, not {type(data).__name__}")
        if data.get("format") != _FORMAT or data.get("version") != _VERSION:
            raise InvalidState(f"not a subnetfrag VPC state (format {_FORMAT!r} v{_VERSION})")
        missing = {"vpc_id", "max_cidr_blocks", "cidr_blocks", "subnets"} - set(data)
        if missing:
            raise InvalidState(f"VPC state lacks {', '.join(sorted(missing))}")
        blocks, items = data["cidr_blocks"], data["subnets"]
        if not isinstance(blocks, list) or not blocks:
            raise InvalidState("VPC state: cidr_blocks must be a non-empty list")
        if not isinstance(items, list):
            raise InvalidState("VPC state: subnets must be a list")
        vpc_id = data["vpc_id"]
        if vpc_id is not None and not isinstance(vpc_id, str):
            raise InvalidState("VPC state: vpc_id must be a string or null")
        try:
            vpc = cls(blocks[0], max_cidr_blocks=data["max_cidr_blocks"], vpc_id=vpc_id)
        except SubnetFragError as exc:
            raise InvalidState(f"VPC state: {exc}") from None
        for i, block in enumerate(blocks[1:], start=1):
            try:
                vpc.associate_cidr(block)
            except SubnetFragError as exc:
                raise InvalidState(f"VPC state: cidr_blocks[{i}]: {exc}") from None
        for i, item in enumerate(items):
            try:
                vpc.add_subnet(Subnet.from_dict(item))
            except SubnetFragError as exc:
                raise InvalidState(f"VPC state: subnets[{i}]: {exc}") from None
        return vpc

    # ------------------------------------------------------------ helpers

    def _containing_block(self, first: int, plen: int) -> tuple[int, int] | None:
        for block in self._blocks:
            if _inside(first, plen, block):
                return block
        return None

    def _block_index(self, cidr: object) -> int:
        try:
            value, plen, first = parse_network(cidr, "CIDR block")
        except InvalidCidr as exc:
            raise UnknownCidrBlock(str(exc), "unknown") from None
        if value == first:
            for i, block in enumerate(self._blocks):
                if block == (first, plen):
                    return i
        blocks = ", ".join(str(b) for b in self.cidr_blocks())
        raise UnknownCidrBlock(
            f"{cidr!s} is not one of the VPC's CIDR blocks ({blocks})", "unknown"
        )

    def _subnets_in(self, lo: int, hi: int) -> list[Subnet]:
        """Subnets overlapping ``[lo, hi)``, in address order. O(log s + k)."""
        i = bisect_right(self._firsts, lo) - 1
        if i < 0 or self._subnets[i].first + self._subnets[i].size <= lo:
            i += 1
        j = bisect_left(self._firsts, hi)
        return self._subnets[i:j]

    def _subnet_index(self, key: object) -> int:
        if isinstance(key, Subnet):
            i = bisect_left(self._firsts, key.first)
            if i < len(self._subnets) and self._subnets[i] is key:
                return i
            raise UnknownSubnet(f"subnet {_subnet_name(key)} is not in this VPC")
        if isinstance(key, str) and key in self._ids:
            return self._subnet_index(self._ids[key])
        try:
            value, plen, _ = parse_network(key, "subnet")
        except InvalidCidr:
            raise UnknownSubnet(f"no subnet with id or CIDR {key!r} in this VPC") from None
        i = bisect_left(self._firsts, value)
        if (
            i < len(self._subnets)
            and self._firsts[i] == value
            and self._subnets[i].prefixlen == plen
        ):
            return i
        raise UnknownSubnet(f"no subnet with id or CIDR {key!s} in this VPC")


def _subnet_name(subnet: Subnet) -> str:
    sid = f" ({subnet.subnet_id})" if subnet.subnet_id else ""
    return f"{subnet.cidr}{sid}"
