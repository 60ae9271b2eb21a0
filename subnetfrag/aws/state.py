"""The result of reading AWS: per subnet a :class:`~subnetfrag.subnet.Subnet`
with every allocation's owner, what describe-subnets said, and warnings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..owner import OWNER_CLASSES
from ..subnet import PREFIX_LEN, Subnet

__all__ = [
    "INCOMPLETE_MIN_FRACTION",
    "INCOMPLETE_MIN_MISSING",
    "AwsState",
    "AwsSubnet",
    "AwsWarning",
    "SubnetInfo",
]

#: A subnet's input is *incomplete* when the addresses that EC2 counts as taken
#: (not in AvailableIpAddressCount) but the ENIs and reservations read do not
#: show number more than INCOMPLETE_MIN_MISSING *and* more than
#: INCOMPLETE_MIN_FRACTION of what EC2 counts as taken. A listing that is
#: merely a little behind (an AWS-managed ENI hidden without
#: --include-managed-resources, a node that launched between the calls: a
#: primary address and one /28 prefix are 17) misses a few addresses, a small
#: share; an ENI file of another region, VPC or filter misses them all.
#: docs/aws.md explains the choice.
INCOMPLETE_MIN_MISSING = 16
INCOMPLETE_MIN_FRACTION = 0.25

#: Warning kinds, for code that wants to react to some of them.
WARNING_KINDS = (
    "available-mismatch",  # AvailableIpAddressCount differs from the model
    "input-incomplete",  # ... by so much that the input cannot be this subnet's whole state
    "address-conflict",  # an address or prefix held by two ENIs: the first kept
    "duplicate-eni",  # the same ENI listed twice: the first kept
    "duplicate-subnet",  # the same subnet listed twice: the first kept
    "ipv6-only-skipped",  # an IPv6-only subnet found but not asked for
    "discovery",  # a cluster-discovery step that failed (live only)
)


@dataclass(frozen=True, slots=True)
class AwsWarning:
    """Something the reader noticed that does not stop the analysis.

    ``kind`` is one of :data:`WARNING_KINDS`; ``message`` is a full sentence;
    ``subnet_id`` the subnet concerned, if any. ``str()`` gives the message.
    """

    kind: str
    message: str
    subnet_id: str | None = None

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(1)."""
        return {"kind": self.kind, "message": self.message, "subnet_id": self.subnet_id}


@dataclass(frozen=True, slots=True)
class SubnetInfo:
    """What describe-subnets said about one subnet (the fields subnetfrag uses).

    ``available_ip_address_count`` is EC2's ``AvailableIpAddressCount`` (None
    when the input lacks it); ``tags`` maps each tag key to its value.
    """

    subnet_id: str
    cidr: str
    vpc_id: str | None = None
    availability_zone: str | None = None
    availability_zone_id: str | None = None
    available_ip_address_count: int | None = None
    state: str | None = None
    owner_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        """The ``Name`` tag, if any. O(1)."""
        return self.tags.get("Name")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (every field). O(tags)."""
        return {
            "subnet_id": self.subnet_id,
            "cidr": self.cidr,
            "vpc_id": self.vpc_id,
            "availability_zone": self.availability_zone,
            "availability_zone_id": self.availability_zone_id,
            "available_ip_address_count": self.available_ip_address_count,
            "state": self.state,
            "owner_id": self.owner_id,
            "tags": dict(self.tags),
        }


@dataclass(slots=True)
class AwsSubnet:
    """One subnet read from AWS.

    ``subnet`` is the model (``subnet_id`` set; every ENI address and prefix
    allocated with its :class:`~subnetfrag.owner.Owner`; CIDR reservations with
    their ids); ``info`` is what describe-subnets said; ``warnings`` concern this
    subnet; ``eni_count`` is the number of ENIs placed in it.
    """

    subnet: Subnet
    info: SubnetInfo
    warnings: list[AwsWarning] = field(default_factory=list)
    eni_count: int = 0

    @property
    def subnet_id(self) -> str:
        """The subnet's id. O(1)."""
        return self.info.subnet_id

    @property
    def reported_available(self) -> int | None:
        """EC2's AvailableIpAddressCount, or None when not given. O(1)."""
        return self.info.available_ip_address_count

    @property
    def available_difference(self) -> int | None:
        """``reported - model`` available addresses; 0 when they agree, None
        when EC2's count was not given. Negative: AWS sees addresses in use that
        the ENIs read do not show. O(1)."""
        reported = self.info.available_ip_address_count
        return None if reported is None else reported - self.subnet.available_ip_count()

    @property
    def taken_reported(self) -> int | None:
        """Addresses EC2 counts as not available (in use, or free inside a
        CIDR reservation): the usable addresses minus AvailableIpAddressCount;
        None when EC2's count was not given. O(1)."""
        reported = self.info.available_ip_address_count
        if reported is None:
            return None
        sub = self.subnet
        return sub.usable_ip_count() - reported

    @property
    def missing_addresses(self) -> int | None:
        """Addresses EC2 counts as taken that the ENIs and reservations read do
        not show (``-available_difference``, 0 when the model shows as many or
        more); None when EC2's count was not given. O(1)."""
        diff = self.available_difference
        return None if diff is None else max(0, -diff)

    @property
    def input_incomplete(self) -> bool:
        """Whether the input is clearly not the subnet's whole state: the
        missing addresses number more than :data:`INCOMPLETE_MIN_MISSING` and
        more than :data:`INCOMPLETE_MIN_FRACTION` of :attr:`taken_reported`.
        Then the health band is withheld and ``check`` fails. False when EC2's
        count was not given (nothing to compare with). O(1)."""
        missing, taken = self.missing_addresses, self.taken_reported
        if missing is None or taken is None:
            return False
        return missing > INCOMPLETE_MIN_MISSING and missing > INCOMPLETE_MIN_FRACTION * taken

    def owner_summary(self) -> dict[str, dict[str, int]]:
        """Per owner class, in :data:`OWNER_CLASSES` order (classes holding
        nothing left out): ``addresses`` (a prefix counts 16), ``prefixes`` and
        ``enis``. Allocations without a recorded owner count as ``other``.
        O(allocations) plus O(size) in C."""
        counts: dict[str, list[Any]] = {}
        sub = self.subnet
        for net in sub.allocations():
            owner = sub.owner_of(net)
            cls = owner.owner_class if owner is not None else "other"
            entry = counts.setdefault(cls, [0, 0, set()])
            if net.prefixlen == PREFIX_LEN:
                entry[0] += 16
                entry[1] += 1
            else:
                entry[0] += 1
            if owner is not None and owner.eni_id is not None:
                entry[2].add(owner.eni_id)
        return {
            cls: {"addresses": c[0], "prefixes": c[1], "enis": len(c[2])}
            for cls in OWNER_CLASSES
            if (c := counts.get(cls)) is not None
        }


@dataclass(slots=True)
class AwsState:
    """Every subnet read, in the order describe-subnets listed them.

    Iterating yields :class:`AwsSubnet`; ``state["subnet-0abc"]`` looks one up;
    ``warnings`` holds those not tied to one subnet, :meth:`all_warnings` all of
    them; ``source`` says where the state came from; ``discovery`` (live with a
    cluster only) maps each subnet to why it was chosen (``"control-plane"``,
    ``"nodegroup:NAME"``, ``"fargate:NAME"``, ``"tag:KEY"``).
    """

    subnets: dict[str, AwsSubnet] = field(default_factory=dict)
    warnings: list[AwsWarning] = field(default_factory=list)
    source: str = ""
    discovery: dict[str, list[str]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[AwsSubnet]:
        return iter(self.subnets.values())

    def __len__(self) -> int:
        return len(self.subnets)

    def __getitem__(self, subnet_id: str) -> AwsSubnet:
        """Raises KeyError for a subnet not read. O(1)."""
        return self.subnets[subnet_id]

    def __contains__(self, subnet_id: object) -> bool:
        return subnet_id in self.subnets

    def subnet_map(self) -> dict[str, Subnet]:
        """Subnet id -> the model :class:`~subnetfrag.subnet.Subnet` (the same
        objects, not copies), in order: what :func:`subnetfrag.sim.replay` and
        other layers below this one take. O(subnets)."""
        return {sid: s.subnet for sid, s in self.subnets.items()}

    def all_warnings(self) -> list[AwsWarning]:
        """The state's warnings, then each subnet's in order. O(warnings)."""
        out = list(self.warnings)
        for s in self.subnets.values():
            out.extend(s.warnings)
        return out
