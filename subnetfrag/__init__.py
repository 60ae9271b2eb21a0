"""subnetfrag: IP address fragmentation in AWS VPC subnets.

Model a subnet as AWS does (reserved addresses, /32 and aligned /28 prefix
allocations, CIDR reservations), ask whether it can still fit a /28, measure its
fragmentation, and compare allocation policies.
"""

from .errors import (
    AddressInUse,
    InsufficientCapacity,
    InsufficientCidrBlocks,
    InsufficientFreeAddresses,
    InvalidCidr,
    InvalidPrefix,
    InvalidReservationKind,
    InvalidState,
    NotAllocated,
    OutOfSubnet,
    ReservationConflict,
    ReservedAddress,
    SubnetFragError,
    UnknownPolicy,
    UnknownReservation,
)
from .owner import OWNER_CLASSES, Owner
from .policies import Policy, get_policy, policy_names, register_policy
from .subnet import Reservation, Subnet

__version__ = "0.1.0"

__all__ = [
    "OWNER_CLASSES",
    "AddressInUse",
    "InsufficientCapacity",
    "InsufficientCidrBlocks",
    "InsufficientFreeAddresses",
    "InvalidCidr",
    "InvalidPrefix",
    "InvalidReservationKind",
    "InvalidState",
    "NotAllocated",
    "OutOfSubnet",
    "Owner",
    "Policy",
    "Reservation",
    "ReservationConflict",
    "ReservedAddress",
    "Subnet",
    "SubnetFragError",
    "UnknownPolicy",
    "UnknownReservation",
    "__version__",
    "get_policy",
    "policy_names",
    "register_policy",
]
