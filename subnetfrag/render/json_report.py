"""The JSON document of ``subnetfrag analyze --format json``.

One object per subnet with exactly the keys of
:meth:`~subnetfrag.metrics.FragmentationReport.to_dict` plus ``name`` (the
``Name`` tag), ``availability_zone`` and ``vpc_id`` (each null when
describe-subnets did not say), ``owners`` (per owner class: ``addresses``,
``prefixes``, ``enis``), ``warnings`` (``kind``, ``message``, ``subnet_id``),
``input_complete`` and ``missing_addresses`` (the cross-check with EC2's
AvailableIpAddressCount). ``check --format json`` uses :func:`check_document`.
The schemas are documented, and kept stable, in docs/cli.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..aws import AwsSubnet

__all__ = [
    "CHECK_KEYS",
    "CHECK_STATUSES",
    "EXTRA_KEYS",
    "check_document",
    "render_json",
    "subnet_document",
    "subnet_where",
]

#: The keys added to the report's.
EXTRA_KEYS: tuple[str, ...] = (
    "name",
    "availability_zone",
    "vpc_id",
    "owners",
    "warnings",
    "input_complete",
    "missing_addresses",
)
#: The keys of one subnet in ``check --format json``.
CHECK_KEYS: tuple[str, ...] = (
    "subnet_id",
    "cidr",
    "name",
    "availability_zone",
    "vpc_id",
    "status",
    "ok",
    "reasons",
    "free_prefixes",
    "aws_fragmentation_score",
    "aws_severity",
    "input_complete",
    "missing_addresses",
    "warnings",
)
#: ``status`` in ``check --format json``, as the text output's first word.
CHECK_STATUSES: tuple[str, ...] = ("ok", "fail", "incomplete")


def subnet_where(aws: AwsSubnet) -> dict[str, str | None]:
    """``name``, ``availability_zone`` and ``vpc_id`` of the subnet (None
    when describe-subnets did not say): the keys every JSON output gives
    each subnet beside its id and CIDR. O(1)."""
    info = aws.info
    return {
        "name": info.name,
        "availability_zone": info.availability_zone,
        "vpc_id": info.vpc_id,
    }


def subnet_document(aws: AwsSubnet) -> dict[str, Any]:
    """The JSON-ready object of one subnet. When the input is incomplete
    (:attr:`~subnetfrag.aws.AwsSubnet.input_incomplete`), ``aws_severity`` is
    null (no health band) and ``input_complete`` false. O(size) in C plus
    O(allocations)."""
    doc = aws.subnet.report().to_dict()
    incomplete = aws.input_incomplete
    if incomplete:
        doc["aws_severity"] = None
    doc.update(subnet_where(aws))
    doc["owners"] = aws.owner_summary()
    doc["warnings"] = [w.to_dict() for w in aws.warnings]
    doc["input_complete"] = not incomplete
    doc["missing_addresses"] = aws.missing_addresses
    return doc


def check_document(aws: AwsSubnet, reasons: list[str], status: str) -> dict[str, Any]:
    """One subnet of ``check --format json``: who it is, its ``status`` (one
    of :data:`CHECK_STATUSES`, as ``check`` decided it) and ``ok`` (status
    ``ok``), the ``reasons`` it fails a threshold, the numbers checked, the
    cross-check with EC2 and its warnings (:data:`CHECK_KEYS`, in order).
    Raises :class:`ValueError` for an unknown status. O(size) in C."""
    if status not in CHECK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CHECK_STATUSES)}, not {status!r}")
    r = aws.subnet.report()
    incomplete = aws.input_incomplete
    return {
        "subnet_id": aws.subnet_id,
        "cidr": r.cidr,
        **subnet_where(aws),
        "status": status,
        "ok": status == "ok",
        "reasons": list(reasons),
        "free_prefixes": r.free_prefixes,
        "aws_fragmentation_score": r.aws_fragmentation_score,
        "aws_severity": None if incomplete else r.aws_severity,
        "input_complete": not incomplete,
        "missing_addresses": aws.missing_addresses,
        "warnings": [w.to_dict() for w in aws.warnings],
    }


def render_json(subnets: Iterable[AwsSubnet]) -> str:
    """A JSON list of :func:`subnet_document` objects, indented, ending with a
    newline. O(subnets x size)."""
    return json.dumps([subnet_document(s) for s in subnets], indent=2) + "\n"
