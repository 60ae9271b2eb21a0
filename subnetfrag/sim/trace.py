"""The trace data model a replay reads: the recorded EC2 calls that change
which addresses a subnet hands out, as plain integers.

It lives in the simulation layer, beside :mod:`.replay` that consumes it, so
the replay needs nothing from the AWS layer above: :mod:`subnetfrag.aws.cloudtrail`
parses CloudTrail JSON into these types (and re-exports them under their old
names), and any other source of history (a test's generator, another log
format) can build them directly. The event names are EC2's API action names,
the ``eventName`` CloudTrail records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ASSIGN",
    "CREATE",
    "DELETE",
    "EVENT_NAMES",
    "UNASSIGN",
    "Trace",
    "TraceEvent",
]

CREATE = "CreateNetworkInterface"
DELETE = "DeleteNetworkInterface"
ASSIGN = "AssignPrivateIpAddresses"
UNASSIGN = "UnassignPrivateIpAddresses"
#: The EC2 calls a replay reads; every other record is skipped.
EVENT_NAMES: tuple[str, ...] = (CREATE, DELETE, ASSIGN, UNASSIGN)


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One recorded EC2 call, its addresses as integers.

    ``index`` is the record's position in the input (0-based, over all files),
    ``where`` names it in messages (``"trail.json record 12 (eventID ...)"``:
    the index there counts within the file),
    ``time_s`` is ``eventTime`` in seconds since the epoch. ``error_code`` is
    CloudTrail's ``errorCode`` (``None`` for a call that succeeded).

    Request: ``subnet_id`` (Create only), ``eni_id``, ``primary`` (an explicit
    primary address asked for, Create), ``addresses`` and ``prefixes``
    (explicit /32s and /28s asked for or, for Unassign, released),
    ``address_count`` and ``prefix_count`` (automatic ones asked for).
    Response (successful Create/Assign): ``recorded_primary``,
    ``recorded_addresses`` (secondary /32s EC2 gave) and ``recorded_prefixes``.
    """

    index: int
    where: str
    event_id: str | None
    name: str
    time_s: float
    time: str
    error_code: str | None = None
    subnet_id: str | None = None
    eni_id: str | None = None
    primary: int | None = None
    addresses: tuple[int, ...] = ()
    prefixes: tuple[int, ...] = ()
    address_count: int = 0
    prefix_count: int = 0
    recorded_primary: int | None = None
    recorded_addresses: tuple[int, ...] = ()
    recorded_prefixes: tuple[int, ...] = ()


@dataclass(slots=True)
class Trace:
    """The address events of a trace in time order (ties: input order), and
    counts of the records skipped: ``other_records`` (other calls and other
    services), ``dry_runs`` (``Client.DryRunOperation``) and ``duplicates``
    (an ``eventID`` read before: overlapping files, or a file given twice)."""

    events: list[TraceEvent] = field(default_factory=list)
    records: int = 0
    other_records: int = 0
    dry_runs: int = 0
    duplicates: int = 0
    sources: list[str] = field(default_factory=list)
