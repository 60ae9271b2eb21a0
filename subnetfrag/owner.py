"""Who holds an allocation: the ENI, instance and kind of AWS consumer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import InvalidState

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


@dataclass(frozen=True, slots=True)
class Owner:
    """The holder of one allocation (a /32 or a /28 prefix).

    Every field is optional: a hand-built model may know nothing of owners,
    while state read from AWS knows the ENI and usually the instance.
    """

    eni_id: str | None = None
    instance_id: str | None = None
    interface_type: str | None = None
    owner_class: str = "other"
    primary: bool = False
    description: str | None = None
    requester_id: str | None = None

    def __post_init__(self) -> None:
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
