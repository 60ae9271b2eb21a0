"""The JSON document of ``subnetfrag analyze --format json``.

One object per subnet with exactly the keys of
:meth:`~subnetfrag.metrics.FragmentationReport.to_dict` plus ``owners`` (per
owner class: ``addresses``, ``prefixes``, ``enis``) and ``warnings`` (``kind``,
``message``, ``subnet_id``). The schema is documented, and kept stable, in
docs/cli.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..aws import AwsSubnet

__all__ = ["EXTRA_KEYS", "render_json", "subnet_document"]

#: The keys added to the report's.
EXTRA_KEYS: tuple[str, ...] = ("owners", "warnings")


def subnet_document(aws: AwsSubnet) -> dict[str, Any]:
    """The JSON-ready object of one subnet. O(size) in C plus O(allocations)."""
    doc = aws.subnet.report().to_dict()
    doc["owners"] = aws.owner_summary()
    doc["warnings"] = [w.to_dict() for w in aws.warnings]
    return doc


def render_json(subnets: Iterable[AwsSubnet]) -> str:
    """A JSON list of :func:`subnet_document` objects, indented, ending with a
    newline. O(subnets x size)."""
    return json.dumps([subnet_document(s) for s in subnets], indent=2) + "\n"
