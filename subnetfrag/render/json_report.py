"""The JSON document of ``subnetfrag analyze --format json``.

One object per subnet with exactly the keys of
:meth:`~subnetfrag.metrics.FragmentationReport.to_dict` plus ``owners`` (per
owner class: ``addresses``, ``prefixes``, ``enis``), ``warnings`` (``kind``,
``message``, ``subnet_id``), ``input_complete`` and ``missing_addresses`` (the
cross-check with EC2's AvailableIpAddressCount). The schema is documented, and kept stable, in
docs/cli.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..aws import AwsSubnet

__all__ = ["EXTRA_KEYS", "render_json", "subnet_document"]

#: The keys added to the report's.
EXTRA_KEYS: tuple[str, ...] = ("owners", "warnings", "input_complete", "missing_addresses")


def subnet_document(aws: AwsSubnet) -> dict[str, Any]:
    """The JSON-ready object of one subnet. When the input is incomplete
    (:attr:`~subnetfrag.aws.AwsSubnet.input_incomplete`), ``aws_severity`` is
    null (no health band) and ``input_complete`` false. O(size) in C plus
    O(allocations)."""
    doc = aws.subnet.report().to_dict()
    incomplete = aws.input_incomplete
    if incomplete:
        doc["aws_severity"] = None
    doc["owners"] = aws.owner_summary()
    doc["warnings"] = [w.to_dict() for w in aws.warnings]
    doc["input_complete"] = not incomplete
    doc["missing_addresses"] = aws.missing_addresses
    return doc


def render_json(subnets: Iterable[AwsSubnet]) -> str:
    """A JSON list of :func:`subnet_document` objects, indented, ending with a
    newline. O(subnets x size)."""
    return json.dumps([subnet_document(s) for s in subnets], indent=2) + "\n"
