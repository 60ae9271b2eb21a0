"""The /28 block map: one state per aligned block, and its text rendering.

A subnet is cut into aligned /28 blocks (16 addresses, the size of an ENI
prefix). Each block is in exactly one state, with the AWS support tool's
precedence (``awslabs/aws-support-tools``, ``EKS/subnet-fragmentation``):

=====================  ==========================================================
``prefix_allocated``   the block is an allocated /28 prefix
``aws_reserved``       it holds one of the five addresses AWS reserves (the first
                       and the last block of every subnet)
``free``               none of its addresses is allocated
``full``               none of its addresses is free
``fragmented``         the rest: some addresses allocated, some free
=====================  ==========================================================

Beside the state, a block may lie in a CIDR reservation: *in a prefix
reservation* when a ``prefix`` reservation holds the whole block (EC2 takes
such blocks first), *in an explicit reservation* when any of its addresses lies
in an ``explicit`` one (EC2 never hands it out as a prefix).

This module also holds the bytes-level primitives that the whole analysis
layer shares (:func:`aligned_levels`, :func:`free_levels`, :func:`block_codes`,
:func:`block_tiers`): they read the core's state bytes with C-level bytes and
integer operations, never a Python loop per address.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .addresses import format_ip, parse_ip
from .extents import BLOCK_BITS, EXCLUDED, GENERAL, PREFERRED, ExtentMap

if TYPE_CHECKING:
    from .subnet import Reservation, Subnet

__all__ = [
    "AWS_RESERVED",
    "BLOCK_STATES",
    "FRAGMENTED",
    "FREE",
    "FULL",
    "PREFIX_ALLOCATED",
    "BlockInfo",
    "aligned_levels",
    "block_codes",
    "block_map",
    "block_tiers",
    "free_levels",
    "render_block_map",
]

# Block state codes, as :func:`block_codes` returns them (one byte per block).
FRAGMENTED = 0
FULL = 1
FREE = 2
PREFIX_ALLOCATED = 3
AWS_RESERVED = 4

#: The block states, indexed by their code.
BLOCK_STATES: tuple[str, ...] = ("fragmented", "full", "free", "prefix_allocated", "aws_reserved")

# State byte -> 1 when the address is free (states 0 and 1: free, free inside a
# reservation), 0 otherwise; and the complement.
_FREE_FLAG = bytes(1 if s <= 1 else 0 for s in range(256))
_HELD_FLAG = bytes(0 if s <= 1 else 1 for s in range(256))
# State byte -> 1 when the address lies in an allocated /28 (states 4 and 5).
_PREFIX_FLAG = bytes(1 if s in (4, 5) else 0 for s in range(256))


# ------------------------------------------------------------- primitives


def aligned_levels(flags: bytes, orders: int) -> list[bytes]:
    """The buddy pyramid of ``flags`` (bytes of 0/1).

    Returns ``orders + 1`` bytes objects: level 0 is ``flags``; in level ``j``,
    byte ``i`` is 1 when every flag of the aligned run ``[i * 2**j, (i + 1) * 2**j)``
    is 1. With free flags, level ``j`` marks the free aligned blocks of order
    ``j`` (``/32 - j``): the buddy decomposition and the largest free block
    both read it. Raises :class:`ValueError` when ``len(flags)`` is not a
    multiple of ``2**orders``. Cost: O(len(flags)) in C (two strided slices,
    two integer conversions and an AND per level, each half the last).
    """
    n = len(flags)
    if orders < 0 or n % (1 << orders):
        raise ValueError(f"{n} flags do not split into aligned runs of 2**{orders}")
    out = [bytes(flags)]
    cur = out[0]
    for _ in range(orders):
        n >>= 1
        both = int.from_bytes(cur[0::2], "little") & int.from_bytes(cur[1::2], "little")
        cur = both.to_bytes(n, "little")
        out.append(cur)
    return out


def free_levels(m: ExtentMap) -> list[bytes]:
    """:func:`aligned_levels` of the map's free addresses, from order 0 (single
    addresses) to the whole map: ``levels[j].count(1)`` is the number of free
    aligned blocks of order ``j``. Cost: O(size) in C, about 0.5 ms for a /16."""
    states = m.address_states().tobytes()
    return aligned_levels(states.translate(_FREE_FLAG), m.size.bit_length() - 1)


def block_codes(m: ExtentMap, free_blocks: bytes | None = None) -> bytes:
    """One byte per /28 block: its state code (``FRAGMENTED``, ``FULL``,
    ``FREE``, ``PREFIX_ALLOCATED`` or ``AWS_RESERVED``; names in
    :data:`BLOCK_STATES`).

    ``free_blocks`` may pass level 4 of :func:`free_levels` when the caller
    already has it. Raises nothing. Cost: O(size) in C plus O(1) in Python.
    """
    states = m.address_states().tobytes()
    nb = m.nblocks
    if free_blocks is None:
        free_blocks = aligned_levels(states.translate(_FREE_FLAG), BLOCK_BITS)[BLOCK_BITS]
    held = aligned_levels(states.translate(_HELD_FLAG), BLOCK_BITS)[BLOCK_BITS]
    prefix = states[0 :: 1 << BLOCK_BITS].translate(_PREFIX_FLAG)
    # Per byte: held + 2 * free + 2 * prefix is 0 fragmented, 1 full, 2 free,
    # 3 prefix (held and prefix): no byte exceeds 3, so no carry crosses bytes.
    total = (
        int.from_bytes(held, "little")
        + 2 * int.from_bytes(free_blocks, "little")
        + 2 * int.from_bytes(prefix, "little")
    )
    codes = bytearray(total.to_bytes(nb, "little"))
    codes[0] = codes[nb - 1] = AWS_RESERVED
    return bytes(codes)


def block_tiers(m: ExtentMap) -> bytes:
    """One byte per /28 block: its reservation tier as the core defines it
    (``PREFERRED``: wholly inside a prefix reservation; ``EXCLUDED``: overlaps
    an explicit one; ``GENERAL`` otherwise). Raises nothing. Cost: O(blocks)
    in C plus one O(1) core lookup per block that a reservation touches."""
    tiers = bytearray([GENERAL]) * m.nblocks
    tier_of_block = m.tier_of_block
    for lo, hi, _ in m.reservations():
        for b in range(lo >> BLOCK_BITS, (hi - 1 >> BLOCK_BITS) + 1):
            tiers[b] = tier_of_block(b)
    return bytes(tiers)


# --------------------------------------------------------------- the map


class BlockInfo(NamedTuple):
    """One /28 block of a subnet, as :func:`block_map` reports it.

    ``used`` counts the block's addresses that are not free: allocated, or
    AWS-reserved (the first block of a subnet has at least 4 used).
    """

    position: int  #: the block's position in the subnet, from 0
    cidr: str  #: the block as CIDR text, e.g. ``"10.0.0.16/28"``
    state: str  #: one of :data:`BLOCK_STATES`
    used: int  #: addresses not free (0..16)
    in_prefix_reservation: bool  #: wholly inside a ``prefix`` reservation
    in_explicit_reservation: bool  #: overlaps an ``explicit`` reservation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (every field). O(1)."""
        return self._asdict()


def block_map(subnet: Subnet) -> list[BlockInfo]:
    """One :class:`BlockInfo` per /28 of ``subnet``, in address order.

    Raises nothing. Cost: O(size) in C plus O(blocks) in Python (about 3 ms
    for the 4,096 blocks of a /16).
    """
    m = subnet.extent_map
    codes = block_codes(m)
    tiers = block_tiers(m)
    first = subnet.first
    used = m.used_in_block
    states = BLOCK_STATES
    return [
        BlockInfo(
            b,
            f"{format_ip(first + (b << BLOCK_BITS))}/28",
            states[codes[b]],
            used(b),
            tiers[b] == PREFERRED,
            tiers[b] == EXCLUDED,
        )
        for b in range(m.nblocks)
    ]


# ------------------------------------------------------------- rendering

# Display classes: the five states, plus free blocks inside a reservation.
_PREFIX_RESERVED = "prefix_reserved"
_EXPLICIT_RESERVED = "explicit_reserved"
_ORDER = (
    "free",
    "fragmented",
    "full",
    "aws_reserved",
    "prefix_allocated",
    _PREFIX_RESERVED,
    _EXPLICIT_RESERVED,
)
_LEGEND = {
    "free": "free",
    "fragmented": "fragmented",
    "full": "full",
    "aws_reserved": "AWS-reserved",
    "prefix_allocated": "prefix-allocated",
    _PREFIX_RESERVED: "free, prefix-reserved",
    _EXPLICIT_RESERVED: "free, explicit-reserved",
}
_GLYPHS = {
    "free": "□",
    "fragmented": "▣",
    "full": "■",
    "aws_reserved": "R",
    "prefix_allocated": "A",
    _PREFIX_RESERVED: "P",
    _EXPLICIT_RESERVED: "X",
}
_ASCII = {
    "free": ".",
    "fragmented": "%",
    "full": "#",
    "aws_reserved": "R",
    "prefix_allocated": "A",
    _PREFIX_RESERVED: "P",
    _EXPLICIT_RESERVED: "X",
}
_COLOURS = {
    "free": "32",
    "fragmented": "33",
    "full": "31",
    "aws_reserved": "90",
    "prefix_allocated": "34",
    _PREFIX_RESERVED: "36",
    _EXPLICIT_RESERVED: "35",
}
_HEX = "0123456789abcdef"
ROW = 16  #: blocks (or, summarised, /24s) per row
FULL_MAP_LIMIT = 1024  #: blocks drawn one by one in "auto" mode (a /18)
_FOLD_RUN = 3  #: identical consecutive rows folded from this many on


def _display_class(info: BlockInfo) -> str:
    if info.state == "free":
        if info.in_prefix_reservation:
            return _PREFIX_RESERVED
        if info.in_explicit_reservation:
            return _EXPLICIT_RESERVED
    return info.state


def _row_notes(
    reservations: Sequence[Reservation], lo: int, hi: int, ascii: bool
) -> list[tuple[str, str]]:
    """``(kind, text)`` for each reservation overlapping addresses ``[lo, hi]``."""
    mark = "<" if ascii else "◂"
    return [
        (r.kind, f"{mark} {r.kind} reservation {r.cidr}")
        for r in reservations
        if int(r.cidr.first) <= hi and int(r.cidr.last) >= lo
    ]


def render_block_map(
    blocks: Subnet | Sequence[BlockInfo],
    *,
    mode: str = "auto",
    fold: bool = True,
    legend: bool = True,
    color: bool = False,
    ascii: bool = False,
    reservations: Sequence[Reservation] | None = None,
) -> str:
    """Draw the block map as text: 16 cells a row, each row labelled with its
    first address, and a legend with the count of each symbol.

    Symbols, as the AWS support tool draws them: ``□`` free, ``▣`` fragmented,
    ``■`` full, ``R`` holds an AWS-reserved address, ``A`` prefix-allocated,
    ``P`` free inside a prefix reservation; and ``X`` free but overlapping an
    explicit reservation (EC2 never hands it out as a prefix). ``ascii=True``
    uses ``. % # R A P X`` instead; ``color=True`` adds ANSI colours.

    ``mode``: ``"full"`` draws every block (one row is one /24); ``"summary"``
    draws one cell per /24 (one row is one /20): the symbol of its 16 blocks
    when they all share one, otherwise the number of free blocks in it as a
    hex digit (``0``-``f``); ``"auto"`` (default) is full up to
    :data:`FULL_MAP_LIMIT` blocks (a /18) and summary above, so a /16 takes 16
    rows. With ``fold``, a run of three or more identical consecutive rows is
    drawn once, followed by a line saying how many rows it stands for.

    With ``reservations`` (e.g. ``subnet.reservations()``), each row that a
    CIDR reservation overlaps ends with a note naming it (``◂ prefix
    reservation 10.0.4.0/24``; ``<`` in ASCII), so reserved space shows even
    where its blocks are in use, and a line under the legend lists them all.

    ``blocks`` is a :class:`~subnetfrag.subnet.Subnet` or the output of
    :func:`block_map`. Raises :class:`ValueError` for an unknown ``mode`` or an
    empty block list. Cost: O(blocks + rows x reservations).
    """
    if mode not in ("auto", "full", "summary"):
        raise ValueError(f"mode must be 'auto', 'full' or 'summary', not {mode!r}")
    infos = block_map(blocks) if not isinstance(blocks, Sequence) else blocks
    resv = reservations or ()
    if not infos:
        raise ValueError("no blocks to draw")
    glyphs = _ASCII if ascii else _GLYPHS
    classes = [_display_class(i) for i in infos]
    nb = len(infos)
    summary = mode == "summary" or (mode == "auto" and nb > FULL_MAP_LIMIT)
    if summary and nb < ROW:
        summary = False  # a subnet smaller than a /24 has nothing to summarise

    def paint(cls: str, text: str) -> str:
        return f"\x1b[{_COLOURS[cls]}m{text}\x1b[0m" if color and cls in _COLOURS else text

    note_class = {"prefix": _PREFIX_RESERVED, "explicit": _EXPLICIT_RESERVED}

    if summary:
        cells = []
        for g in range(0, nb, ROW):
            group = classes[g : g + ROW]
            if all(c == group[0] for c in group):
                cells.append(paint(group[0], glyphs[group[0]]))
            else:
                nfree = sum(1 for c in group if c in ("free", _PREFIX_RESERVED, _EXPLICIT_RESERVED))
                cells.append(_HEX[nfree])
        unit = ROW * ROW
    else:
        cells = [paint(c, glyphs[c]) for c in classes]
        unit = ROW
    base = parse_ip(infos[0].cidr.partition("/")[0])
    rows = []
    for r in range(0, len(cells), ROW):
        text = " ".join(cells[r : r + ROW])
        notes = _row_notes(resv, base + r * unit, base + (r + ROW) * unit - 1, ascii)
        if notes:
            text += "  " + ", ".join(paint(note_class[k], n) for k, n in notes)
        rows.append((r, text))
    addr_width = max(len(format_ip(base + r * unit)) for r, _ in rows)

    out: list[str] = []
    if legend:
        counts = {c: 0 for c in _ORDER}
        for c in classes:
            counts[c] += 1
        parts = [f"{paint(c, glyphs[c])} {_LEGEND[c]} {counts[c]:,}" for c in _ORDER if counts[c]]
        per_row = "/24" if not summary else "/20"
        per_cell = "one /28" if not summary else "one /24 (digit: free /28s in it, 0-f)"
        out.append(f"{nb:,} blocks; each cell {per_cell}; each row a {per_row}")
        out.append("  ".join(parts))
        if resv:
            listed = ", ".join(f"{r.kind} {r.cidr}" for r in resv)
            out.append(f"CIDR reservations: {listed}")
    i = 0
    while i < len(rows):
        r, text = rows[i]
        j = i + 1
        while j < len(rows) and rows[j][1] == text:
            j += 1
        out.append(f"{format_ip(base + r * unit):<{addr_width}}  {text}")
        if fold and j - i >= _FOLD_RUN:
            last = base + min(rows[j - 1][0] + ROW, len(cells)) * unit - 1
            out.append(
                f"{'':<{addr_width}}  ... {j - i - 1} more identical rows, up to {format_ip(last)}"
            )
        else:
            for k in range(i + 1, j):
                out.append(f"{format_ip(base + rows[k][0] * unit):<{addr_width}}  {text}")
        i = j
    return "\n".join(out) + "\n"
