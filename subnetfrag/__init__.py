"""subnetfrag: IP address fragmentation in AWS VPC subnets.

Model a subnet as AWS does (reserved addresses, /32 and aligned /28 prefix
allocations, CIDR reservations), ask whether it can still fit a /28, measure its
fragmentation, and compare allocation policies.
"""

from . import sim  # the simulator (a layer above the rest: imports only point down)
from .advice import (
    DefragPlan,
    InvalidAdviceArgument,
    Move,
    OwnerGroup,
    ReservationSuggestion,
    apply_defrag,
    movable_unless_primary,
    plan_defrag,
    suggest_reservation,
)
from .blockmap import BlockInfo, render_block_map
from .capacity import CapacityPlan, InvalidCapacityArgument, plan_capacity
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
from .metrics import FragmentationReport
from .owner import OWNER_CLASSES, Owner
from .policies import Policy, get_policy, policy_names, register_policy
from .pool import PoolReport, SubnetPool, SubnetPoolError, UnknownStrategy, carve_subnets
from .sim import simulate
from .subnet import Reservation, Subnet
from .vpc import (
    CidrAssociationError,
    CidrBlockInUse,
    CidrBlockLimitExceeded,
    CidrBlockSizeError,
    CidrOverlap,
    InvalidCidrBlockQuota,
    PrimaryCidrBlock,
    ReservedCidrRange,
    RestrictedCidrAssociation,
    SubnetConflict,
    SubnetInUse,
    SubnetNotInVpc,
    SubnetPlacementError,
    UnknownCidrBlock,
    UnknownSubnet,
    Vpc,
)

__version__ = "0.1.0"

__all__ = [
    "OWNER_CLASSES",
    "AddressInUse",
    "BlockInfo",
    "CapacityPlan",
    "CidrAssociationError",
    "CidrBlockInUse",
    "CidrBlockLimitExceeded",
    "CidrBlockSizeError",
    "CidrOverlap",
    "DefragPlan",
    "FragmentationReport",
    "InstanceLimits",
    "InsufficientCapacity",
    "InsufficientCidrBlocks",
    "InsufficientFreeAddresses",
    "InvalidAdviceArgument",
    "InvalidCapacityArgument",
    "InvalidCidr",
    "InvalidCidrBlockQuota",
    "InvalidDescribeResponse",
    "InvalidInstanceLimits",
    "InvalidMaxPodsArgument",
    "InvalidPrefix",
    "InvalidReservationKind",
    "InvalidState",
    "MaxPods",
    "Move",
    "NotAllocated",
    "OutOfSubnet",
    "Owner",
    "OwnerGroup",
    "Policy",
    "PoolReport",
    "PrefixDelegationUnsupported",
    "PrimaryCidrBlock",
    "Reservation",
    "ReservationConflict",
    "ReservationSuggestion",
    "ReservedAddress",
    "ReservedCidrRange",
    "RestrictedCidrAssociation",
    "Subnet",
    "SubnetConflict",
    "SubnetFragError",
    "SubnetInUse",
    "SubnetNotInVpc",
    "SubnetPlacementError",
    "SubnetPool",
    "SubnetPoolError",
    "UnknownCidrBlock",
    "UnknownInstanceType",
    "UnknownPolicy",
    "UnknownReservation",
    "UnknownStrategy",
    "UnknownSubnet",
    "Vpc",
    "__version__",
    "apply_defrag",
    "carve_subnets",
    "from_describe_instance_types",
    "get_policy",
    "instance_types",
    "lookup",
    "max_pods",
    "max_pods_cap",
    "movable_unless_primary",
    "plan_capacity",
    "plan_defrag",
    "policy_names",
    "register_policy",
    "render_block_map",
    "sim",
    "simulate",
    "suggest_reservation",
    "table_header",
]
