"""The JSON document of ``subnetfrag analyze --format json``.

One object per subnet with exactly the keys of
:meth:`~subnetfrag.metrics.FragmentationReport.to_dict` plus ``name`` (the
``Name`` tag), ``availability_zone`` and ``vpc_id`` (each null when
describe-subnets did not say), ``owners`` (per owner class: ``addresses``,
``prefixes``, ``enis``) and ``warnings`` (``kind``, ``message``,
``subnet_id``). ``check --format json`` uses :func:`check_document`. The
schemas are documented, and kept stable, in docs/cli.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..aws import AwsSubnet

__all__ = ["CHECK_KEYS", "EXTRA_KEYS", "check_document", "render_json", "subnet_document"]

#: The keys added to the report's.
EXTRA_KEYS: tuple[str, ...] = ("name", "availability_zone", "vpc_id", "owners", "warnings")
#: The keys of one subnet in ``check --format json``.
CHECK_KEYS: tuple[str, ...] = (
    "subnet_id",
    "cidr",
    "name",
    "availability_zone",
    "vpc_id",
    "ok",
    "reasons",
    "free_prefixes",
    "aws_fragmentation_score",
    "aws_severity",
    "warnings",
)


def _where(aws: AwsSubnet) -> dict[str, str | None]:
    info = aws.info
    return {
        "name": info.name,
        "availability_zone": info.availability_zone,
        "vpc_id": info.vpc_id,
    }


def subnet_document(aws: AwsSubnet) -> dict[str, Any]:
    """The JSON-ready object of one subnet. O(size) in C plus O(allocations)."""
    doc = aws.subnet.report().to_dict()
    doc.update(_where(aws))
    doc["owners"] = aws.owner_summary()
    doc["warnings"] = [w.to_dict() for w in aws.warnings]
    return doc


def check_document(aws: AwsSubnet, reasons: list[str]) -> dict[str, Any]:
    """One subnet of ``check --format json``: who it is, ``ok`` (no reason
    to fail), the ``reasons`` it fails, the numbers checked, its warnings
    (:data:`CHECK_KEYS`, in order). O(size) in C."""
    r = aws.subnet.report()
    return {
        "subnet_id": aws.subnet_id,
        "cidr": r.cidr,
        **_where(aws),
        "ok": not reasons,
        "reasons": list(reasons),
        "free_prefixes": r.free_prefixes,
        "aws_fragmentation_score": r.aws_fragmentation_score,
        "aws_severity": r.aws_severity,
        "warnings": [w.to_dict() for w in aws.warnings],
    }


def render_json(subnets: Iterable[AwsSubnet]) -> str:
    """A JSON list of :func:`subnet_document` objects, indented, ending with a
    newline. O(subnets x size)."""
    return json.dumps([subnet_document(s) for s in subnets], indent=2) + "\n"
