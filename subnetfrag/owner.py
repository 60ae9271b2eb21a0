"""Who holds an allocation: the ENI, instance and kind of AWS consumer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import InvalidArgumentType, InvalidState

__all__ = ["OWNER_CLASSES", "Owner"]

#: The readable owner classes, in the order reports list them.
OWNER_CLASSES: tuple[str, ...] = (
    "eks-pod",
    "node-primary",
    "lambda",
    "elb",
    "nat-gateway",
    "vpc-endpoint",
    "rds",
    "other",
)


_TEXT_FIELDS = (
    "eni_id",
    "instance_id",
    "interface_type",
    "description",
    "requester_id",
    "status",
)


@dataclass(frozen=True, slots=True)
class Owner:
    """The holder of one allocation (a /32 or a /28 prefix).

    Every field is optional: a hand-built model may know nothing of owners,
    while state read from AWS knows the ENI and usually the instance.

    - ``eni_id``, ``instance_id`` (``Attachment.InstanceId``), ``interface_type``
      (EC2's ``InterfaceType``), ``description`` and ``requester_id`` come from
      describe-network-interfaces; ``status`` is the ENI's ``Status``
      (``"in-use"``, or ``"available"`` for a detached ENI that still holds its
      addresses).
    - ``primary`` is true for the ENI's primary private address only (never for
      a prefix).
    - ``owner_class`` is one of :data:`OWNER_CLASSES`; how :mod:`subnetfrag.aws`
      derives it is documented in ``docs/aws.md``. In short: ``node-primary`` is
      the primary address of an instance's primary network interface (device
      index 0); ``eks-pod`` is every address and prefix on an ENI the VPC CNI or
      the VPC resource controller made for pods (their primary addresses
      included, with ``primary`` true), and the secondary addresses and prefixes
      that the VPC CNI put on an EKS node's primary interface.
    """

    eni_id: str | None = None
    instance_id: str | None = None
    interface_type: str | None = None
    owner_class: str = "other"
    primary: bool = False
    description: str | None = None
    requester_id: str | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        # Checked here, not only in from_dict: an owner built with a field of
        # the wrong type would otherwise be stored, then fail in to_dict users.
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidArgumentType(
                    f"Owner.{name} must be a str or None, not {type(value).__name__}"
                )
        if not isinstance(self.primary, bool):
            raise InvalidArgumentType(
                f"Owner.primary must be a bool, not {type(self.primary).__name__}"
            )
        if not isinstance(self.owner_class, str):
            raise InvalidArgumentType(
                f"Owner.owner_class must be a str, not {type(self.owner_class).__name__}"
            )
        if self.owner_class not in OWNER_CLASSES:
            raise InvalidState(
                f"unknown owner class {self.owner_class!r}; expected one of "
                + ", ".join(OWNER_CLASSES)
            )

    def to_dict(self) -> dict[str, Any]:
        """The owner as a JSON-ready dict (every field). O(1)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Owner:
        """Rebuild an owner from :meth:`to_dict` output.

        Raises :class:`InvalidState` on a non-dict, an unknown key or a value of
        the wrong type. O(1).
        """
        if not isinstance(data, dict):
            raise InvalidState(f"owner must be an object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InvalidState(f"unknown owner keys: {', '.join(sorted(unknown))}")
        for key, value in data.items():
            if key == "primary":
                if not isinstance(value, bool):
                    raise InvalidState("owner.primary must be a boolean")
            elif key == "owner_class":
                if not isinstance(value, str):
                    raise InvalidState("owner.owner_class must be a string")
            elif value is not None and not isinstance(value, str):
                raise InvalidState(f"owner.{key} must be a string or null")
        return cls(**data)
