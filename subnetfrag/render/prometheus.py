"""The Prometheus text exposition format, for node_exporter's textfile collector.

``subnetfrag analyze --format prometheus > /var/lib/node_exporter/subnetfrag.prom.$$
&& mv ... subnetfrag.prom`` publishes, per subnet, every numeric metric of the
report as a gauge labelled with ``subnet_id`` and ``cidr`` (the names and labels
are listed in docs/cli.md). Each metric family has one ``# HELP`` and one
``# TYPE`` line followed by the samples of every subnet, as the format requires;
no timestamps (the textfile collector refuses them). A value that the report
gives as null (the score with no candidate block, the fragmentation index when
a /28 fits) has no sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..aws import WARNING_KINDS, AwsSubnet
from ..metrics import SEVERITIES
from ..owner import OWNER_CLASSES

__all__ = ["PREFIX", "escape_help", "escape_label_value", "format_value", "render_prometheus"]

#: The prefix of every metric name.
PREFIX = "subnetfrag_"

_BLOCK_STATES = ("prefix_allocated", "aws_reserved", "free", "full", "fragmented")


def escape_label_value(value: str) -> str:
    """A label value escaped for the exposition format: backslash, double quote
    and line feed become ``\\\\``, ``\\"`` and ``\\n``. O(len)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    """HELP text escaped: backslash and line feed. O(len)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    """A sample value: integers without a decimal point, floats as Python's
    shortest round-trip form, ``NaN``, ``+Inf`` and ``-Inf`` spelt as the format
    wants. O(1)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


@dataclass(slots=True)
class _Family:
    name: str
    help: str
    samples: list[tuple[Sequence[tuple[str, str]], float]] = field(default_factory=list)


def _families() -> dict[str, _Family]:
    specs = [
        (
            "free_prefixes",
            "Free aligned /28 blocks EC2 can still hand out as prefixes "
            "(blocks overlapping an explicit reservation excluded).",
        ),
        ("can_fit_prefix", "1 when at least one /28 prefix fits in the subnet, else 0."),
        ("subnet_addresses", "Addresses in the subnet's CIDR."),
        ("aws_reserved_addresses", "Addresses AWS reserves in the subnet (5)."),
        ("allocated_addresses", "Allocated addresses: /32s plus 16 per /28 prefix."),
        ("free_addresses", "Addresses neither AWS-reserved nor allocated."),
        (
            "available_addresses",
            "Free addresses outside every CIDR reservation "
            "(EC2's AvailableIpAddressCount, as subnetfrag computes it).",
        ),
        ("ec2_available_addresses", "AvailableIpAddressCount as describe-subnets reported it."),
        ("subnet_blocks", "Aligned /28 blocks in the subnet."),
        ("blocks", "Aligned /28 blocks by state; each block is in exactly one state."),
        (
            "reservation_blocks",
            "Aligned /28 blocks wholly inside a prefix reservation, "
            "or overlapping an explicit reservation.",
        ),
        (
            "aws_fragmentation_score",
            "The AWS support tool's fragmentation score, 0-100: "
            "ceil(100 * (fragmented + full) / (free + fragmented + full)) /28 blocks.",
        ),
        (
            "aws_severity",
            "1 for the AWS support tool's severity band of the subnet, 0 for the others.",
        ),
        ("stranded_addresses", "Free addresses that lie in no wholly free aligned /28."),
        (
            "largest_free_block_addresses",
            "Addresses in the largest free aligned CIDR (0 when nothing is free).",
        ),
        (
            "buddy_free_blocks",
            "Maximal free aligned blocks by size: the buddy decomposition of the free addresses.",
        ),
        (
            "unusable_free_index",
            "Share of free addresses that cannot serve a /28 "
            "(Linux unusable free space index at order 4), 0-1.",
        ),
        (
            "fragmentation_index",
            "Linux fragmentation index at order 4 when no /28 fits, "
            "0-1 (no sample while a /28 fits).",
        ),
        (
            "weighted_fragmentation_percent",
            "Space-weighted fragmentation penalty (ZFS-style, table in docs/metrics.md), 0-100.",
        ),
        ("owner_addresses", "Allocated addresses by owner class (a prefix counts 16)."),
        ("owner_prefixes", "Allocated /28 prefixes by owner class."),
        ("owner_enis", "Network interfaces holding addresses, by owner class."),
        (
            "warnings",
            "Warnings about the subnet's input, by kind "
            "(available-mismatch: EC2's count differs from the model).",
        ),
        (
            "input_incomplete",
            "1 when the input clearly misses part of the subnet (EC2 counts many more "
            "addresses taken than the ENIs read show): no severity band is given, "
            "free_prefixes is an upper bound; else 0.",
        ),
        (
            "missing_addresses",
            "Addresses EC2 counts as taken that no ENI or reservation read shows "
            "(no sample when describe-subnets gave no AvailableIpAddressCount).",
        ),
    ]
    return {name: _Family(PREFIX + name, text) for name, text in specs}


def _collect(families: dict[str, _Family], aws: AwsSubnet) -> None:
    r = aws.subnet.report()
    base = (("subnet_id", r.subnet_id or ""), ("cidr", r.cidr))

    def add(name: str, value: float | None, *extra: tuple[str, str]) -> None:
        if value is not None:
            families[name].samples.append(((*base, *extra), value))

    add("free_prefixes", r.free_prefixes)
    add("can_fit_prefix", int(r.can_fit_prefix))
    a = r.addresses
    add("subnet_addresses", a.total)
    add("aws_reserved_addresses", a.aws_reserved)
    add("allocated_addresses", a.allocated)
    add("free_addresses", a.free)
    add("available_addresses", a.available)
    add("ec2_available_addresses", aws.reported_available)
    b = r.blocks.to_dict()
    add("subnet_blocks", b["total"])
    for state in _BLOCK_STATES:
        add("blocks", b[state], ("state", state))
    add("reservation_blocks", b["in_prefix_reservation"], ("reservation", "prefix"))
    add("reservation_blocks", b["in_explicit_reservation"], ("reservation", "explicit"))
    add("aws_fragmentation_score", r.aws_fragmentation_score)
    incomplete = aws.input_incomplete
    band_given = None if incomplete else r.aws_severity
    for band in SEVERITIES:
        add("aws_severity", int(band == band_given), ("severity", band))
    add("stranded_addresses", r.stranded_ips)
    largest = r.largest_free_block
    add(
        "largest_free_block_addresses",
        0 if largest is None else 1 << (32 - int(largest.rpartition("/")[2])),
    )
    for size, count in r.histogram().items():
        add("buddy_free_blocks", count, ("size", size))
    add("unusable_free_index", r.unusable_free_index)
    add("fragmentation_index", r.fragmentation_index)
    add("weighted_fragmentation_percent", r.weighted_fragmentation_pct)
    owners = aws.owner_summary()
    for cls in OWNER_CLASSES:
        counts = owners.get(cls, {"addresses": 0, "prefixes": 0, "enis": 0})
        add("owner_addresses", counts["addresses"], ("owner_class", cls))
        add("owner_prefixes", counts["prefixes"], ("owner_class", cls))
        add("owner_enis", counts["enis"], ("owner_class", cls))
    kinds = [w.kind for w in aws.warnings]
    for kind in WARNING_KINDS:
        add("warnings", kinds.count(kind), ("kind", kind))
    add("input_incomplete", int(incomplete))
    add("missing_addresses", aws.missing_addresses)


def render_prometheus(subnets: Iterable[AwsSubnet]) -> str:
    """Every subnet's metrics in the text exposition format (version 0.0.4),
    grouped by metric family, ending with a newline. A family without a sample
    is left out. O(subnets x size)."""
    families = _families()
    for aws in subnets:
        _collect(families, aws)
    lines: list[str] = []
    for fam in families.values():
        if not fam.samples:
            continue
        lines.append(f"# HELP {fam.name} {escape_help(fam.help)}")
        lines.append(f"# TYPE {fam.name} gauge")
        for labels, value in fam.samples:
            text = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels)
            lines.append(f"{fam.name}{{{text}}} {format_value(value)}")
    return "\n".join(lines) + "\n" if lines else ""
