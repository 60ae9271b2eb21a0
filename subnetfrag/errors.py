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


class InsufficientFreeAddresses(InsufficientCapacity):
    """No free address outside every CIDR reservation (EC2's
    ``InsufficientFreeAddressesInSubnet``)."""


class InsufficientCidrBlocks(InsufficientCapacity):
    """No free, aligned, eligible /28 (EC2's ``InsufficientCidrBlocks``)."""
