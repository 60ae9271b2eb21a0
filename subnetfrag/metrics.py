"""The fragmentation report: the numbers AWS support's tool prints, and the
ones memory allocators have used for decades.

:func:`report` computes a :class:`FragmentationReport` from a subnet's state
bytes with C-level bytes and integer operations (see docs/metrics.md for every
definition, its source and a worked example; docs/performance.md for costs).

- The block counts and the AWS fragmentation score follow the AWS support tool
  (``awslabs/aws-support-tools``, ``EKS/subnet-fragmentation``), with the score
  computed in integers.
- The free-block histogram is the buddy decomposition of the free space into
  maximal aligned blocks, what ``/proc/buddyinfo`` lists per order; the
  unusable free space index and the fragmentation index are Linux's
  (``mm/vmstat.c``) at order 4, the /28; the weighted fragmentation is ZFS's
  space-weighted penalty (``module/zfs/metaslab.c``) with a table for subnets.

The kernel-style metrics measure the geometry of the free space: every free
address counts, reserved or not. ``free_prefixes`` is the allocator's answer
(explicit reservations excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .addresses import format_ip
from .blockmap import (
    AWS_RESERVED,
    FRAGMENTED,
    FREE,
    FULL,
    PREFIX_ALLOCATED,
    block_codes,
    block_tiers,
    free_levels,
)
from .extents import BLOCK, BLOCK_BITS, EXCLUDED, PREFERRED

if TYPE_CHECKING:
    from .subnet import Subnet

__all__ = [
    "HISTOGRAM_KEYS",
    "PENALTY_PCT",
    "SEVERITIES",
    "AddressCounts",
    "BlockCounts",
    "FragmentationReport",
    "aws_fragmentation_score",
    "aws_severity",
    "buddy_histogram",
    "report",
]

PREFIX_ORDER = BLOCK_BITS  #: a /28 is an order-4 buddy block
MAX_ORDER = 16  #: a /16, the largest subnet AWS allows

#: ``free_block_histogram`` keys, largest block first: ``"/16"`` ... ``"/32"``.
HISTOGRAM_KEYS: tuple[str, ...] = tuple(f"/{32 - j}" for j in range(MAX_ORDER, -1, -1))

#: The AWS tool's severity bands, from the best.
SEVERITIES: tuple[str, ...] = ("HEALTHY", "LOW", "MEDIUM", "HIGH", "CRITICAL", "EXHAUSTED")

#: Weighted-fragmentation penalty per free block size, in percent: the share of
#: its /28 that a block of that size still lacks (a /29 is half a prefix: 50).
#: Blocks of /28 and larger can serve a prefix: 0.
PENALTY_PCT: dict[str, float] = {
    f"/{32 - j}": 100.0 * (BLOCK - (1 << j)) / BLOCK if j < PREFIX_ORDER else 0.0
    for j in range(MAX_ORDER, -1, -1)
}


@dataclass(frozen=True, slots=True)
class AddressCounts:
    """Address counts of a subnet (``report().addresses``)."""

    total: int  #: every address of the CIDR
    aws_reserved: int  #: the five AWS keeps
    allocated: int  #: /32s plus 16 per allocated prefix
    free: int  #: total - aws_reserved - allocated
    available: int  #: free and outside every reservation (AvailableIpAddressCount)

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form. O(1)."""
        return {
            "total": self.total,
            "aws_reserved": self.aws_reserved,
            "allocated": self.allocated,
            "free": self.free,
            "available": self.available,
        }


@dataclass(frozen=True, slots=True)
class BlockCounts:
    """/28 block counts (``report().blocks``): each block is in exactly one of
    the five states; the two reservation counts are counted beside them."""

    total: int
    prefix_allocated: int
    aws_reserved: int
    free: int
    full: int
    fragmented: int
    in_prefix_reservation: int  #: wholly inside a prefix reservation
    in_explicit_reservation: int  #: overlapping an explicit reservation

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form. O(1)."""
        return {
            "total": self.total,
            "prefix_allocated": self.prefix_allocated,
            "aws_reserved": self.aws_reserved,
            "free": self.free,
            "full": self.full,
            "fragmented": self.fragmented,
            "in_prefix_reservation": self.in_prefix_reservation,
            "in_explicit_reservation": self.in_explicit_reservation,
        }


@dataclass(frozen=True, slots=True)
class FragmentationReport:
    """An immutable fragmentation report of one subnet; :meth:`to_dict` gives
    the JSON form with exactly the keys of issue 3 (docs/metrics.md).

    ``free_block_histogram`` holds 17 counts, largest block first: index ``i``
    counts the maximal free /``16 + i`` blocks (keys in :data:`HISTOGRAM_KEYS`).
    """

    cidr: str
    subnet_id: str | None
    addresses: AddressCounts
    blocks: BlockCounts
    free_prefixes: int
    can_fit_prefix: bool
    aws_fragmentation_score: int | None
    aws_severity: str | None
    stranded_ips: int
    largest_free_block: str | None
    free_block_histogram: tuple[int, ...]
    unusable_free_index: float
    fragmentation_index: float | None
    weighted_fragmentation_pct: float

    def histogram(self) -> dict[str, int]:
        """The free-block histogram as ``{"/16": n, ..., "/32": n}``. O(1)."""
        return dict(zip(HISTOGRAM_KEYS, self.free_block_histogram, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with exactly the report's keys. O(1)."""
        return {
            "cidr": self.cidr,
            "subnet_id": self.subnet_id,
            "addresses": self.addresses.to_dict(),
            "blocks": self.blocks.to_dict(),
            "free_prefixes": self.free_prefixes,
            "can_fit_prefix": self.can_fit_prefix,
            "aws_fragmentation_score": self.aws_fragmentation_score,
            "aws_severity": self.aws_severity,
            "stranded_ips": self.stranded_ips,
            "largest_free_block": self.largest_free_block,
            "free_block_histogram": self.histogram(),
            "unusable_free_index": self.unusable_free_index,
            "fragmentation_index": self.fragmentation_index,
            "weighted_fragmentation_pct": self.weighted_fragmentation_pct,
        }


# ------------------------------------------------------------- formulas


def aws_fragmentation_score(free: int, fragmented: int, full: int) -> int | None:
    """The AWS tool's score, ``ceil(100 * (fragmented + full) / (free +
    fragmented + full))``, in exact integer arithmetic (the tool's floating
    point gives 29 for 7 of 25; this gives 28). None when there is no
    candidate block. Raises :class:`ValueError` for a negative count. O(1)."""
    if min(free, fragmented, full) < 0:
        raise ValueError("block counts cannot be negative")
    candidates = free + fragmented + full
    if not candidates:
        return None
    return -(-100 * (fragmented + full) // candidates)


def aws_severity(score: int | None, fragmented: int) -> str | None:
    """The AWS tool's band for ``score``: HEALTHY (<25), LOW (25-49), MEDIUM
    (50-74), HIGH (75-99), CRITICAL (100 with fragmented blocks), EXHAUSTED
    (100 without); None without a score. O(1)."""
    if score is None:
        return None
    if score >= 100:
        return "CRITICAL" if fragmented else "EXHAUSTED"
    return SEVERITIES[min(score // 25, 3)]


def buddy_histogram(levels: list[bytes]) -> list[int]:
    """Maximal free aligned blocks per order, from :func:`~subnetfrag.blockmap.free_levels`.

    ``result[j]`` counts the free aligned blocks of order ``j`` whose parent
    (order ``j + 1``) is not wholly free: each free aligned block is either
    maximal or one of the two free halves of a free parent, so it is
    ``F(j) - 2 F(j + 1)`` with ``F(j)`` the free aligned blocks of order ``j``.
    This is the buddy decomposition of the free extents (the greedy split of
    each extent into the largest aligned blocks, as
    ``ipaddress.summarize_address_range`` does). Cost: O(size) in C.
    """
    counts = [lv.count(1) for lv in levels]
    counts.append(0)
    return [counts[j] - 2 * counts[j + 1] for j in range(len(levels))]


# ---------------------------------------------------------------- report


def report(subnet: Subnet) -> FragmentationReport:
    """The fragmentation report of ``subnet`` (definitions in docs/metrics.md).

    Raises nothing. Cost: O(size) in C plus O(1) in Python, and O(1) per block
    a reservation touches: about 1.5 ms for a /16 (benchmarks/bench_report.py).
    """
    m = subnet.extent_map
    levels = free_levels(m)
    top = len(levels) - 1
    hist = buddy_histogram(levels)
    free_pages = levels[0].count(1)
    free_blocks = levels[PREFIX_ORDER].count(1)

    codes = block_codes(m, levels[PREFIX_ORDER])
    n_free = codes.count(FREE)
    n_full = codes.count(FULL)
    n_frag = codes.count(FRAGMENTED)
    tiers = block_tiers(m)
    blocks = BlockCounts(
        total=m.nblocks,
        prefix_allocated=codes.count(PREFIX_ALLOCATED),
        aws_reserved=codes.count(AWS_RESERVED),
        free=n_free,
        full=n_full,
        fragmented=n_frag,
        in_prefix_reservation=tiers.count(PREFERRED),
        in_explicit_reservation=tiers.count(EXCLUDED),
    )
    reserved = len(subnet.aws_reserved_offsets())
    addresses = AddressCounts(
        total=m.size,
        aws_reserved=reserved,
        allocated=m.size - reserved - m.nfree,
        free=m.nfree,
        available=m.navailable,
    )
    score = aws_fragmentation_score(n_free, n_frag, n_full)

    largest = None
    for j in range(top, -1, -1):
        at = levels[j].find(1)
        if at >= 0:
            largest = f"{format_ip(subnet.first + (at << j))}/{32 - j}"
            break

    if free_pages:
        unusable = (free_pages - free_blocks * BLOCK) / free_pages
        penalty = sum(hist[j] * (1 << j) * (BLOCK - (1 << j)) for j in range(PREFIX_ORDER))
        weighted = 100.0 * penalty / (BLOCK * free_pages)
    else:
        unusable = 1.0
        weighted = 0.0
    if free_blocks:
        frag_index: float | None = None
    elif free_pages:
        # Linux: 1 - (1 + free_pages / 2**order) / free_blocks_total; it dips
        # below 0 when less than a /28 is free at all (lack of space): clamp.
        frag_index = max(0.0, 1.0 - (1.0 + free_pages / BLOCK) / sum(hist))
    else:
        frag_index = 0.0

    histogram = [0] * (MAX_ORDER + 1)
    for j, n in enumerate(hist):
        histogram[MAX_ORDER - j] = n
    return FragmentationReport(
        cidr=f"{format_ip(subnet.first)}/{subnet.prefixlen}",
        subnet_id=subnet.subnet_id,
        addresses=addresses,
        blocks=blocks,
        free_prefixes=m.ncandidates,
        can_fit_prefix=m.ncandidates > 0,
        aws_fragmentation_score=score,
        aws_severity=aws_severity(score, n_frag),
        stranded_ips=free_pages - free_blocks * BLOCK,
        largest_free_block=largest,
        free_block_histogram=tuple(histogram),
        unusable_free_index=unusable,
        fragmentation_index=frag_index,
        weighted_fragmentation_pct=weighted,
    )
