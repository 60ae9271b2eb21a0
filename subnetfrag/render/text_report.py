"""The report of one subnet as text: ``subnetfrag analyze`` (``--format text``).

A table of the numbers (free addresses, free /28s, the AWS score and band,
stranded addresses, the kernel indices, the largest free block, the buddy
histogram), the owner breakdown, optionally the block map, and the warnings.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..aws import AwsSubnet
from ..blockmap import render_block_map
from ..metrics import FragmentationReport
from .terminal import Style, printable

__all__ = [
    "INCOMPLETE",
    "other_descriptions",
    "render_owners",
    "render_report",
    "render_subnet",
    "subnet_heading",
]

_LABEL_WIDTH = 26


def _n(value: int) -> str:
    return f"{value:,}"


def subnet_heading(aws: AwsSubnet, style: Style, discovery: Sequence[str] = ()) -> str:
    """One line naming the subnet: id, CIDR, Name tag, AZ, VPC, and why a
    cluster lookup chose it. O(tags)."""
    info = aws.info
    parts = [style.paint(printable(info.subnet_id), "bold"), printable(info.cidr)]
    if info.name:
        parts.append(f'"{printable(info.name)}"')
    where = ", ".join(printable(x) for x in (info.availability_zone, info.vpc_id) if x)
    if where:
        parts.append(f"({where})")
    if discovery:
        parts.append("found by " + ", ".join(map(printable, discovery)))
    return "  ".join(parts)


#: What replaces the health band when the input is incomplete.
INCOMPLETE = "INCOMPLETE INPUT"


def render_report(r: FragmentationReport, style: Style, *, incomplete: bool = False) -> list[str]:
    """The report's numbers as aligned ``label  value`` lines. With
    ``incomplete`` (the input misses part of the subnet:
    :attr:`~subnetfrag.aws.AwsSubnet.input_incomplete`) no health band is
    given, and the free /28 count is marked as an upper bound. O(1)."""
    a, b = r.addresses, r.blocks
    rows: list[tuple[str, str]] = []
    fits = "a /28 prefix fits" if r.can_fit_prefix else "no /28 prefix fits: InsufficientCidrBlocks"
    if incomplete:
        fits = "at most: the input is incomplete"
    free_prefixes = style.paint(_n(r.free_prefixes), None if r.free_prefixes else "bold-red")
    rows.append(("free /28 prefixes", f"{free_prefixes}  ({fits})"))
    if incomplete:
        rows.append(
            ("input", f"{style.paint(INCOMPLETE, 'bold-red')}: no health band (see the warning)")
        )
    if r.aws_fragmentation_score is None:
        score = "n/a (no candidate /28 block)"
    elif incomplete:
        score = f"{r.aws_fragmentation_score} on the addresses read (no band: input incomplete)"
    else:
        score = f"{r.aws_fragmentation_score}  {style.severity(r.aws_severity)}"
    rows.append(("AWS fragmentation score", score))
    rows.append(
        (
            "addresses",
            f"{_n(a.total)} total, {_n(a.aws_reserved)} AWS-reserved, "
            f"{_n(a.allocated)} allocated, {_n(a.free)} free, {_n(a.available)} available",
        )
    )
    share = f" ({100 * r.stranded_ips // a.free}% of free)" if a.free else ""
    rows.append(("stranded addresses", f"{_n(r.stranded_ips)} free in no free /28{share}"))
    rows.append(("largest free block", r.largest_free_block or "none (nothing is free)"))
    rows.append(
        (
            "/28 blocks",
            f"{_n(b.total)}: {_n(b.prefix_allocated)} prefix-allocated, "
            f"{_n(b.fragmented)} fragmented, {_n(b.full)} full, {_n(b.free)} free, "
            f"{_n(b.aws_reserved)} AWS-reserved",
        )
    )
    if b.in_prefix_reservation or b.in_explicit_reservation:
        rows.append(
            (
                "in reservations",
                f"{_n(b.in_prefix_reservation)} blocks in prefix reservations, "
                f"{_n(b.in_explicit_reservation)} in explicit ones",
            )
        )
    frag = "n/a (a /28 fits)" if r.fragmentation_index is None else f"{r.fragmentation_index:.3f}"
    rows.append(
        (
            "kernel indices (order 4)",
            f"unusable free space {r.unusable_free_index:.3f}, fragmentation {frag}",
        )
    )
    rows.append(("weighted fragmentation", f"{r.weighted_fragmentation_pct:.1f}%"))
    hist = [f"{n:,} {size}" for size, n in r.histogram().items() if n]
    rows.append(("free blocks by size", ", ".join(hist) if hist else "none"))
    return [f"  {label:<{_LABEL_WIDTH}}{value}" for label, value in rows]


def render_owners(aws: AwsSubnet, style: Style) -> list[str]:
    """The owner breakdown as a table (one row per owner class holding
    something), then who the ``other`` ENIs are: their descriptions (the
    five most common, escaped), since their class says nothing.
    O(allocations)."""
    summary = aws.owner_summary()
    if not summary:
        return ["  owners: nothing allocated"]
    head = f"  {'owner class':<14}{'addresses':>10}{'prefixes':>10}{'ENIs':>7}"
    lines = [style.paint(head, "bold")]
    for cls, c in summary.items():
        lines.append(
            f"  {cls:<14}{_n(c['addresses']):>10}{_n(c['prefixes']):>10}{_n(c['enis']):>7}"
        )
    others = other_descriptions(aws)
    if others:
        shown = [
            (f'"{printable(desc)}"' if desc else "no description") + f" ({_n(n)})"
            for desc, n in others[:_OTHERS_SHOWN]
        ]
        if len(others) > _OTHERS_SHOWN:
            shown.append(f"{_n(len(others) - _OTHERS_SHOWN)} more descriptions")
        lines.append("  other ENIs by description: " + ", ".join(shown))
    return lines


_OTHERS_SHOWN = 5


def other_descriptions(aws: AwsSubnet) -> list[tuple[str | None, int]]:
    """Who the ``other`` ENIs are: each ``Description`` (None: none given)
    with how many ENIs of class ``other`` carry it, most first, then by
    description. O(allocations)."""
    sub = aws.subnet
    enis: dict[str, str | None] = {}
    for net in sub.allocations():
        owner = sub.owner_of(net)
        if owner is not None and owner.owner_class == "other" and owner.eni_id:
            enis.setdefault(owner.eni_id, owner.description)
    counts: dict[str | None, int] = {}
    for desc in enis.values():
        counts[desc] = counts.get(desc, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))


def render_subnet(
    aws: AwsSubnet,
    style: Style,
    *,
    block_map: bool = False,
    ascii: bool = False,
    discovery: Sequence[str] = (),
) -> str:
    """The whole text report of one subnet, ending with a newline: heading,
    numbers, owners, the block map when asked, warnings. O(size) in C plus
    O(allocations + blocks)."""
    lines = [subnet_heading(aws, style, discovery)]
    lines += render_report(aws.subnet.report(), style, incomplete=aws.input_incomplete)
    lines.append("")
    lines += render_owners(aws, style)
    if block_map:
        lines.append("")
        drawn = render_block_map(aws.subnet.block_map(), color=style.enabled, ascii=ascii)
        lines += ["  " + line for line in drawn.rstrip("\n").split("\n")]
    if aws.warnings:
        lines.append("")
        for w in aws.warnings:
            lines.append(f"  {style.paint('warning:', 'yellow')} {printable(w.message)}")
    return "\n".join(lines) + "\n"
