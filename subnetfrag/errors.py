"""The exception hierarchy of subnetfrag.

Every error derives from :class:`SubnetFragError`. Errors caused by a bad
argument (a malformed CIDR, an address outside the subnet, ...) also derive
from :class:`ValueError`, as CPython's :mod:`ipaddress` does, so callers that
already catch ``ValueError`` keep working. Capacity errors carry EC2's names.

A call that raises any of these has changed nothing.
"""

from __future__ import annotations

__all__ = [
    "AddressInUse",
    "InsufficientCapacity",
    "InsufficientCidrBlocks",
    "InsufficientFreeAddresses",
    "InsufficientFreeAddressesInSubnet",
    "InvalidArgumentType",
    "InvalidCidr",
    "InvalidPrefix",
    "InvalidReservationKind",
    "InvalidState",
    "NotAllocated",
    "OutOfSubnet",
    "ReservationConflict",
    "ReservedAddress",
    "SubnetFragError",
    "UnknownPolicy",
    "UnknownReservation",
]


class SubnetFragError(Exception):
    """Base class of every error subnetfrag raises."""


class InvalidCidr(SubnetFragError, ValueError):
    """A CIDR or address that is malformed, not IPv4, or of a size AWS refuses."""


class InvalidArgumentType(SubnetFragError, TypeError):
    """An argument of the wrong type: an owner that is not an
    :class:`~subnetfrag.owner.Owner`, an id that is not a string, an offset
    that is not an integer, a seed that is none of the accepted types."""


class InvalidPrefix(SubnetFragError, ValueError):
    """A prefix that is not an aligned IPv4 /28."""


class OutOfSubnet(SubnetFragError, ValueError):
    """An address, prefix or reservation that does not lie inside the subnet."""


class ReservedAddress(SubnetFragError, ValueError):
    """An address (or a prefix holding one) that AWS reserves in every subnet."""


class InvalidReservationKind(SubnetFragError, ValueError):
    """A CIDR reservation type other than ``"prefix"`` or ``"explicit"``."""


class UnknownPolicy(SubnetFragError, ValueError):
    """An allocation policy name that is not registered."""


class InvalidState(SubnetFragError, ValueError):
    """Serialized state (``from_dict``) that is malformed or inconsistent."""


class AddressInUse(SubnetFragError):
    """An explicit allocation that overlaps an address already allocated."""


class NotAllocated(SubnetFragError, LookupError):
    """A release that names no allocation exactly."""


class ReservationConflict(SubnetFragError):
    """A CIDR reservation that overlaps another reservation of the subnet."""


class UnknownReservation(SubnetFragError, LookupError):
    """An ``unreserve`` that names no existing reservation exactly."""


class InsufficientCapacity(SubnetFragError):
    """An automatic allocation that found nothing eligible."""


class InsufficientFreeAddressesInSubnet(InsufficientCapacity):
    """No free address outside every CIDR reservation: EC2's
    ``InsufficientFreeAddressesInSubnet``, "The specified subnet does not have
    enough free addresses to satisfy the request." (``AssignPrivateIpAddresses``,
    ``CreateNetworkInterface``).

    The VPC CNI's ipamd treats it like :class:`InsufficientCidrBlocks`
    (``containsInsufficientCIDRsOrSubnetIPs`` in pkg/ipamd/ipamd.go): it logs
    "Unable to attach IPs/Prefixes for the ENI, subnet doesn't seem to have
    enough IPs/Prefixes. Consider using new subnet or carve a reserved range
    using create-subnet-cidr-reservation" and does not try again for 120 s
    (``insufficientCidrErrorCooldown``). ``CreateNetworkInterface`` may instead
    fail with ``InvalidParameterValue``, "There aren't sufficient free Ipv4
    addresses or prefixes", which starts no cooldown (docs/concepts.md).
    """


#: The name this class had before it took EC2's: an alias of the same class,
#: kept so that ``except InsufficientFreeAddresses`` goes on working.
InsufficientFreeAddresses = InsufficientFreeAddressesInSubnet


class InsufficientCidrBlocks(InsufficientCapacity):
    """No free, aligned, eligible /28: EC2's ``InsufficientCidrBlocks``, "The
    specified subnet does not have enough free cidr blocks to satisfy the
    request." (``AssignPrivateIpAddresses`` or ``CreateNetworkInterface`` with
    ``Ipv4PrefixCount``).

    ipamd logs "Unable to attach IPs/Prefixes for the ENI, subnet doesn't seem
    to have enough IPs/Prefixes. Consider using new subnet or carve a reserved
    range using create-subnet-cidr-reservation" and does not try again for 120 s
    (``insufficientCidrErrorCooldown``), as for
    :class:`InsufficientFreeAddressesInSubnet`.
    """
