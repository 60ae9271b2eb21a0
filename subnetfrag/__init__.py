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
from .instances import (
    InstanceLimits,
    InvalidInstanceLimits,
    UnknownInstanceType,
    instance_types,
    lookup,
    table_header,
)
from .maxpods import (
    InvalidDescribeResponse,
    InvalidMaxPodsArgument,
    MaxPods,
    PrefixDelegationUnsupported,
    from_describe_instance_types,
    max_pods,
    max_pods_cap,
)
from .owner import OWNER_CLASSES, Owner
from .policies import Policy, get_policy, policy_names, register_policy
from .subnet import Reservation, Subnet

__version__ = "0.1.0"

__all__ = [
    "OWNER_CLASSES",
    "AddressInUse",
    "InstanceLimits",
    "InsufficientCapacity",
    "InsufficientCidrBlocks",
    "InsufficientFreeAddresses",
    "InvalidCidr",
    "InvalidDescribeResponse",
    "InvalidInstanceLimits",
    "InvalidMaxPodsArgument",
    "InvalidPrefix",
    "InvalidReservationKind",
    "InvalidState",
    "MaxPods",
    "NotAllocated",
    "OutOfSubnet",
    "Owner",
    "Policy",
    "PrefixDelegationUnsupported",
    "Reservation",
    "ReservationConflict",
    "ReservedAddress",
    "Subnet",
    "SubnetFragError",
    "UnknownInstanceType",
    "UnknownPolicy",
    "UnknownReservation",
    "__version__",
    "from_describe_instance_types",
    "get_policy",
    "instance_types",
    "lookup",
    "max_pods",
    "max_pods_cap",
    "policy_names",
    "register_policy",
    "table_header",
]
