"""The core: an integer-only free-extent map with an aligned-block index.

:class:`ExtentMap` models ``size`` addresses (offsets ``0 .. size - 1``; ``size``
a power of two, at least 16) cut into aligned blocks of 16 (order-4 buddy blocks:
the /28s of a subnet). It knows nothing of AWS, strings or netaddr; the
:mod:`subnetfrag.subnet` layer above it does.

What it keeps, and why (see docs/performance.md for the measurements):

* ``_addr``: one byte per address. Bits 1-2 say who holds it (``FREE``,
  ``USED`` by a single-address allocation, ``BLOCK_USED`` by a block allocation,
  ``PINNED`` for never-allocatable addresses); bit 0 says the address lies in a
  reservation. This *is* the address-level free-extent map: the free extents are
  its maximal runs of bytes ``0``/``1``, found in C by a regular expression, and
  every single-address question is one byte lookup.
* Per block: the number of addresses not free (``_used``), the number free and
  outside every reservation (``_ipfree``), and the block's reservation tier
  (``_tier``: inside a *preferred* reservation, *general*, or *excluded* because it
  overlaps an excluded reservation).
* The candidate index for automatic block allocation: blocks with nothing used
  and tier preferred or general. Per tier, a byte per block (1 for a candidate)
  answers "lowest candidate" with one C-level ``find``; a list with positions
  answers "uniform random candidate" in O(1); and the *runs* of consecutive
  candidates, with boundary tags at both ends and bucketed by length in integer
  bitsets, answer best fit ("first block of the shortest run, lowest first")
  with two lowest-bit operations.
* The single-address index: blocks with at least one free unreserved address in a
  list (uniform random by rejection, O(1) expected); per count 1..16 the number of
  blocks with that many, and a small bitset of the counts present (pack: the
  smallest count present, then the first block with it in ``_ipfree``, a byte per
  block searched in C). Byte stores and small-integer updates keep the hot path
  free of operations on block-sized integers.
* The reservations, in a :class:`sortedcontainers.SortedDict` keyed by start.

Every mutation keeps all of them in step; :meth:`ExtentMap._check` recomputes
everything from ``_addr`` and the reservations and asserts that they agree.

The map trusts its caller for what the caller validates (the subnet layer checks
every argument and raises the library's errors before calling in); it still
refuses, with :class:`ValueError`, a mutation that would corrupt it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from random import Random

from sortedcontainers import SortedDict

__all__ = [
    "ALLOCATION_PATTERN",
    "BLOCK",
    "BLOCK_BITS",
    "BLOCK_USED",
    "EXCLUDED",
    "FREE",
    "GENERAL",
    "IN_RESERVATION",
    "MAX_REJECTIONS",
    "PINNED",
    "PREFERRED",
    "USED",
    "ExtentMap",
]

BLOCK_BITS = 4
BLOCK = 1 << BLOCK_BITS

# Address states: one byte each. Bit 0 marks an address inside a reservation.
FREE = 0
IN_RESERVATION = 1
USED = 2
BLOCK_USED = 4
PINNED = 6
_HOLDER = 6

#: Draws a random choice may reject before it falls back to an exact choice.
MAX_REJECTIONS = 1024

# Block tiers (and reservation kinds): a block wholly inside a PREFERRED
# reservation is taken first by automatic block allocation, then GENERAL blocks;
# a block overlapping an EXCLUDED reservation is never taken automatically.
PREFERRED = 0
GENERAL = 1
EXCLUDED = 2


def _table(fn: object) -> bytes:
    return bytes(fn(i) for i in range(256))  # type: ignore[operator]


_TO_BLOCK = _table(lambda s: BLOCK_USED | (s & 1) if s <= 1 else s)
_FROM_BLOCK = _table(lambda s: s & 1 if s & _HOLDER == BLOCK_USED else s)
_SET_RESERVED = _table(lambda s: s | 1)
_CLEAR_RESERVED = _table(lambda s: s & ~1)
_FREE_RUNS = re.compile(rb"[\x00\x01]+")
#: An allocation in the state bytes: one USED byte (a single address) or 16
#: BLOCK_USED bytes (a block), each with or without the in-reservation bit.
ALLOCATION_PATTERN = re.compile(rb"[\x02\x03]|[\x04\x05]{16}")
_CANDIDATE_RUNS = re.compile(rb"\x01+")


def _lowbit(x: int) -> int:
    """Index of the lowest set bit of ``x > 0``."""
    return (x & -x).bit_length() - 1


class ExtentMap:
    """Free-extent map of ``size`` addresses with an aligned 16-block index.

    Construction is O(size) in C plus O(size / 16) in Python.
    Raises :class:`ValueError` unless ``size`` is a power of two >= 16.
    """

    __slots__ = (
        "_addr",
        "_bins",
        "_bucket_count",
        "_bucket_nonempty",
        "_cand_lists",
        "_cand_pos",
        "_candt",
        "_hint",
        "_ip_list",
        "_ip_pos",
        "_ipfree",
        "_lens",
        "_resv",
        "_run_end",
        "_run_start",
        "_tier",
        "_used",
        "navailable",
        "nblocks",
        "ncandidates",
        "nfree",
        "size",
        "states",
    )

    def __init__(self, size: int) -> None:
        if size < BLOCK or size & (size - 1):
            raise ValueError(f"size must be a power of two >= {BLOCK}, not {size}")
        nb = size >> BLOCK_BITS
        self.size = size
        self.nblocks = nb
        self._addr = bytearray(size)
        #: The state bytes themselves, for the layer above's O(1) lookups on
        #: hot paths (``states[off]`` is :meth:`state` without the call).
        #: Read-only for callers: only the map's methods may write them.
        self.states = self._addr
        self._used = [0] * nb
        self._ipfree = bytearray([BLOCK]) * nb  # bytes: pack searches them in C
        self._tier = bytearray([GENERAL]) * nb
        # Candidates: per tier a byte per block (1 = candidate of that tier: the
        # runs are searched in C) and a list for uniform choice; ``_cand_pos``
        # is a block's index in its tier's list, -1 for a non-candidate.
        self._candt = (bytearray(nb), bytearray([1]) * nb)
        self._cand_lists: tuple[list[int], list[int]] = ([], list(range(nb)))
        self._cand_pos = list(range(nb))
        # Runs of consecutive candidates of one tier, with boundary tags (the
        # end of the run starting at s, the start of the run ending at e) and,
        # per tier, per length a bitset of run starts plus a bitset of the
        # lengths present: best fit is two lowest-bit operations.
        self._run_end = [0] * nb
        self._run_start = [0] * nb
        self._run_end[0] = nb
        self._run_start[nb - 1] = 0
        self._bins = ([0] * (nb + 1), [0] * (nb + 1))
        self._bins[GENERAL][nb] = 1
        self._lens = [0, 1 << nb]
        # Blocks with a free unreserved address: a list for uniform choice, and
        # per count 1..16 how many blocks have it (plus a bitset of the counts
        # present); _ipfree, one byte per block, finds the first such block.
        self._ip_list = list(range(nb))
        self._ip_pos = list(range(nb))
        self._bucket_count = [0] * (BLOCK + 1)
        self._bucket_count[BLOCK] = nb
        self._bucket_nonempty = 1 << BLOCK
        self.nfree = size
        self.navailable = size
        self.ncandidates = nb
        self._hint = 0  # no free unreserved address lies below it
        self._resv: SortedDict = SortedDict()  # start -> (end, kind)

    def copy(self) -> ExtentMap:
        """An independent copy: same state, same choice order, no mutable part
        shared (changing one never changes the other). O(size) in C plus
        O(blocks) list copies, far cheaper than ``copy.deepcopy`` (which visits
        every list item) or a round trip through saved state."""
        new = ExtentMap.__new__(ExtentMap)
        new.size, new.nblocks = self.size, self.nblocks
        new.nfree, new.navailable, new.ncandidates = self.nfree, self.navailable, self.ncandidates
        new._addr = bytearray(self._addr)
        new.states = new._addr
        new._used = self._used.copy()
        new._ipfree = bytearray(self._ipfree)
        new._tier = bytearray(self._tier)
        new._candt = (bytearray(self._candt[0]), bytearray(self._candt[1]))
        new._cand_lists = (self._cand_lists[0].copy(), self._cand_lists[1].copy())
        new._cand_pos = self._cand_pos.copy()
        new._run_end = self._run_end.copy()
        new._run_start = self._run_start.copy()
        new._bins = (self._bins[0].copy(), self._bins[1].copy())
        new._lens = self._lens.copy()
        new._ip_list = self._ip_list.copy()
        new._ip_pos = self._ip_pos.copy()
        new._bucket_count = self._bucket_count.copy()
        new._bucket_nonempty = self._bucket_nonempty
        new._hint = self._hint
        new._resv = self._resv.copy()  # values are (end, kind) tuples: immutable
        return new

    # ------------------------------------------------------------------ counts
    # ``nfree`` (addresses neither allocated nor pinned), ``navailable`` (free
    # addresses outside every reservation) and ``ncandidates`` (blocks an
    # automatic block allocation could take) are plain attributes, read-only
    # for callers: reading one is the cheapest thing Python does, O(1).

    def candidate_count(self, tier: int | None = None) -> int:
        """Blocks an automatic block allocation could take now (of one tier, or
        of both when ``tier`` is None). O(1)."""
        if tier is None:
            return len(self._cand_lists[0]) + len(self._cand_lists[1])
        return len(self._cand_lists[tier])

    def choice_order(self) -> tuple[list[int], list[int], list[int]]:
        """The order of the lists that uniform random choices index: blocks with a
        free unreserved address, and the PREFERRED and the GENERAL candidate
        blocks. It depends on the history of mutations, not only on the state,
        and with the RNG's state it decides the next random choice: saved state
        must carry it for a reloaded map to choose the same. O(blocks)."""
        return list(self._ip_list), list(self._cand_lists[0]), list(self._cand_lists[1])

    def set_choice_order(
        self, ip_blocks: list[int], preferred: list[int], general: list[int]
    ) -> None:
        """Reorder the lists of :meth:`choice_order`. O(blocks log blocks).
        Raises :class:`ValueError` unless each is a permutation of the current one."""
        lists = (self._ip_list, *self._cand_lists)
        given = (ip_blocks, preferred, general)
        for new, lst in zip(given, lists, strict=True):
            if not all(type(b) is int for b in new) or sorted(new) != sorted(lst):
                raise ValueError("a choice order must reorder the current blocks")
        positions = (self._ip_pos, self._cand_pos, self._cand_pos)
        for new, lst, pos in zip(given, lists, positions, strict=True):
            lst[:] = new
            for i, b in enumerate(lst):
                pos[b] = i

    # ------------------------------------------------------- address lookups

    def state(self, off: int) -> int:
        """The state byte of address ``off`` (holder bits | reservation bit). O(1)."""
        return self._addr[off]

    def used_in_block(self, block: int) -> int:
        """Addresses of ``block`` that are allocated or pinned. O(1)."""
        return self._used[block]

    def tier_of_block(self, block: int) -> int:
        """The block's reservation tier: PREFERRED, GENERAL or EXCLUDED. O(1)."""
        return self._tier[block]

    def address_states(self) -> memoryview:
        """A read-only view of the state bytes, one per address. O(1)."""
        return memoryview(self._addr).toreadonly()

    # ---------------------------------------------------- single addresses

    def take_address(self, off: int, state: int = USED) -> None:
        """Mark the free address ``off`` as held (``USED`` or ``PINNED``).

        O(1) amortised; O(log n) extra when it spoils a candidate block.
        Raises :class:`ValueError` if the address is not free, ``off`` is
        outside the map or ``state`` is neither.
        """
        a = self._addr
        if off < 0:
            raise self._outside("offset", off, self.size)
        if state != USED and state != PINNED:
            raise ValueError(f"an address is taken as USED or PINNED, not as {state}")
        try:
            s = a[off]
        except IndexError:
            raise self._outside("offset", off, self.size) from None
        if s > IN_RESERVATION:
            raise ValueError(f"offset {off} is not free")
        a[off] = state | s
        b = off >> BLOCK_BITS
        u = self._used[b]
        self._used[b] = u + 1
        if not u and self._cand_pos[b] >= 0:
            self._uncandidate(b)
        self.nfree -= 1
        if not s:
            c = self._ipfree[b]
            self._ipfree[b] = c - 1
            self.navailable -= 1
            self._move_bucket(b, c, c - 1)

    def give_address(self, off: int) -> None:
        """Free the single-address allocation at ``off``.

        O(1) amortised; O(log n) extra when it frees a whole block.
        Raises :class:`ValueError` if ``off`` is not a single-address allocation.
        """
        a = self._addr
        if off < 0:
            raise self._outside("offset", off, self.size)
        try:
            s = a[off]
        except IndexError:
            raise self._outside("offset", off, self.size) from None
        if s & _HOLDER != USED:
            raise ValueError(f"offset {off} is not a single-address allocation")
        s &= IN_RESERVATION
        a[off] = s
        b = off >> BLOCK_BITS
        u = self._used[b] - 1
        self._used[b] = u
        self.nfree += 1
        if not s:
            c = self._ipfree[b]
            self._ipfree[b] = c + 1
            self.navailable += 1
            self._move_bucket(b, c, c + 1)
            if off < self._hint:
                self._hint = off
        if not u and self._tier[b] != EXCLUDED:
            self._candidate(b, self._tier[b])

    # ---------------------------------------------------------------- blocks

    def take_block(self, block: int) -> None:
        """Mark every address of the wholly free ``block`` as held by a block
        allocation. O(1) amortised; O(log n) extra when it was a candidate.
        Raises :class:`ValueError` if any address of the block is not free, or
        ``block`` is outside the map."""
        if block < 0:
            raise self._outside("block", block, self.nblocks)
        try:
            used = self._used[block]
        except IndexError:
            raise self._outside("block", block, self.nblocks) from None
        if used:
            raise ValueError(f"block {block} is not wholly free")
        lo = block << BLOCK_BITS
        a = self._addr
        a[lo : lo + BLOCK] = a[lo : lo + BLOCK].translate(_TO_BLOCK)
        self._used[block] = BLOCK
        if self._cand_pos[block] >= 0:
            self._uncandidate(block)
        self.nfree -= BLOCK
        c = self._ipfree[block]
        if c:
            self._ipfree[block] = 0
            self.navailable -= c
            self._move_bucket(block, c, 0)

    def give_block(self, block: int) -> None:
        """Free the block allocation ``block``. O(1) amortised.
        Raises :class:`ValueError` if ``block`` is not a block allocation."""
        if not 0 <= block < self.nblocks:
            raise self._outside("block", block, self.nblocks)
        lo = block << BLOCK_BITS
        a = self._addr
        if a[lo] & _HOLDER != BLOCK_USED:
            raise ValueError(f"block {block} is not a block allocation")
        a[lo : lo + BLOCK] = a[lo : lo + BLOCK].translate(_FROM_BLOCK)
        self._used[block] = 0
        self.nfree += BLOCK
        c = a.count(FREE, lo, lo + BLOCK)
        if c:
            self._ipfree[block] = c
            self.navailable += c
            self._move_bucket(block, 0, c)
            if lo < self._hint:
                self._hint = lo
        tier = self._tier[block]
        if tier != EXCLUDED:
            self._candidate(block, tier)

    # ------------------------------------------------------------ reservations

    def reservation_overlapping(self, lo: int, hi: int) -> tuple[int, int, int] | None:
        """The first reservation ``(start, end, kind)`` overlapping ``[lo, hi)``,
        or None. O(log r) for r reservations."""
        d = self._resv
        i = d.bisect_right(lo) - 1
        if i >= 0:
            start = d.keys()[i]
            end, kind = d[start]
            if end > lo:
                return start, end, kind
        for start in d.irange(lo, hi, inclusive=(True, False)):
            end, kind = d[start]
            return start, end, kind
        return None

    def reservations(self) -> Iterator[tuple[int, int, int]]:
        """The reservations ``(start, end, kind)`` in address order. O(r)."""
        for start, (end, kind) in self._resv.items():
            yield start, end, kind

    def reserve(self, lo: int, hi: int, kind: int) -> None:
        """Reserve the aligned range ``[lo, hi)`` as PREFERRED or EXCLUDED.

        Costs O(hi - lo) in C plus O((hi - lo) / 16) block updates.
        Raises :class:`ValueError` for an unaligned range, an unknown kind or an
        overlap with another reservation.
        """
        n = hi - lo
        if n <= 0 or n & (n - 1) or lo % n or hi > self.size or lo < 0:
            raise ValueError(f"[{lo}, {hi}) is not an aligned power-of-two range")
        if kind not in (PREFERRED, EXCLUDED):
            raise ValueError(f"unknown reservation kind {kind}")
        if self.reservation_overlapping(lo, hi) is not None:
            raise ValueError(f"[{lo}, {hi}) overlaps a reservation")
        self._resv[lo] = (hi, kind)
        a = self._addr
        a[lo:hi] = a[lo:hi].translate(_SET_RESERVED)
        self._refresh_blocks(lo, hi)

    def unreserve(self, lo: int) -> tuple[int, int]:
        """Remove the reservation starting at ``lo``; return its ``(end, kind)``.
        Costs as :meth:`reserve`. Raises :class:`KeyError` if there is none."""
        hi, kind = self._resv.pop(lo)
        a = self._addr
        a[lo:hi] = a[lo:hi].translate(_CLEAR_RESERVED)
        if lo < self._hint:
            self._hint = lo
        self._refresh_blocks(lo, hi)
        return hi, kind

    def _block_tier(self, block: int) -> int:
        lo = block << BLOCK_BITS
        hit = self.reservation_overlapping(lo, lo + BLOCK)
        if hit is None:
            return GENERAL
        start, end, kind = hit
        if start <= lo and end >= lo + BLOCK:  # the reservation holds the block
            return kind
        # Reservations smaller than a block: any excluded one excludes it.
        d = self._resv
        for start in d.irange(lo, lo + BLOCK, inclusive=(True, False)):
            if d[start][1] == EXCLUDED:
                return EXCLUDED
        return GENERAL

    def _refresh_blocks(self, lo: int, hi: int) -> None:
        """Recompute the per-block data of the blocks meeting ``[lo, hi)`` after
        their reservation bits changed."""
        a = self._addr
        first = lo >> BLOCK_BITS
        last = (hi - 1) >> BLOCK_BITS
        for b in range(first, last + 1):
            blo = b << BLOCK_BITS
            c_old = self._ipfree[b]
            c_new = a.count(FREE, blo, blo + BLOCK)
            if c_new != c_old:
                self._ipfree[b] = c_new
                self.navailable += c_new - c_old
                self._move_bucket(b, c_old, c_new)
            tier = self._block_tier(b)
            if tier != self._tier[b]:
                if self._cand_pos[b] >= 0:
                    self._uncandidate(b)
                self._tier[b] = tier
                if not self._used[b] and tier != EXCLUDED:
                    self._candidate(b, tier)

    # ------------------------------------------------------- choice queries
    # Each assumes at least one eligible candidate (check the counts first).

    def lowest_address(self) -> int:
        """The lowest free address outside every reservation. O(1) amortised
        (a C scan from a cursor that only falls back on release)."""
        i = self._addr.find(FREE, self._hint)
        if i >= 0:
            self._hint = i
        return i

    def random_address(self, rng: Random) -> int:
        """A free address outside every reservation, uniform at random.

        Rejection over (eligible block, slot) pairs: O(1) expected, at most 16
        expected rounds when every eligible block has one free slot. The loop
        is bounded so that it ends for *any* generator (a doctored state, a
        ``Random`` subclass that always returns the same value): after
        :data:`MAX_REJECTIONS` rejected draws, which a sound generator makes
        with probability (31/32)**1024, below 1e-14, it takes an exact
        choice derived from the last draw (not uniform, but in O(16)).
        """
        lst = self._ip_list
        n = len(lst)
        k = (n - 1).bit_length() + BLOCK_BITS
        a = self._addr
        getrandbits = rng.getrandbits
        r = getrandbits(k)  # the first draw outside the loop: the common case
        j = r >> BLOCK_BITS
        if 0 <= j < n:
            off = (lst[j] << BLOCK_BITS) | (r & (BLOCK - 1))
            if not a[off]:
                return off
        for _ in range(MAX_REJECTIONS - 1):
            r = getrandbits(k)
            j = r >> BLOCK_BITS
            if 0 <= j < n:
                off = (lst[j] << BLOCK_BITS) | (r & (BLOCK - 1))
                if not a[off]:
                    return off
        lo = lst[(r >> BLOCK_BITS) % n] << BLOCK_BITS
        free = [i for i in range(lo, lo + BLOCK) if not a[i]]
        return free[r % len(free)]

    def packed_address(self) -> int:
        """The lowest free unreserved address of the block with the fewest such
        addresses (ties: the lowest block). O(1) plus one byte search over the
        blocks in C (memchr: a /16's 4,096 blocks in about 0.1 µs)."""
        lo = self._ipfree.find(_lowbit(self._bucket_nonempty)) << BLOCK_BITS
        return self._addr.find(FREE, lo, lo + BLOCK)

    def lowest_block(self, tier: int) -> int:
        """The lowest candidate block of ``tier``. O(n) in C, early exit."""
        return self._candt[tier].find(1)

    def random_block(self, tier: int, rng: Random) -> int:
        """A candidate block of ``tier``, uniform at random. O(1) expected;
        bounded as :meth:`random_address` (each draw is accepted with
        probability above 1/2, so the fallback is for broken generators only)."""
        lst = self._cand_lists[tier]
        n = len(lst)
        k = (n - 1).bit_length()
        j = rng.getrandbits(k)
        if 0 <= j < n:
            return lst[j]
        getrandbits = rng.getrandbits
        for _ in range(MAX_REJECTIONS - 1):
            j = getrandbits(k)
            if 0 <= j < n:
                return lst[j]
        return lst[j % n]

    def packed_block(self, tier: int) -> int:
        """Best fit: the first block of the shortest run of consecutive candidates
        of ``tier`` (ties: the lowest run). O(n / 64) word operations."""
        return _lowbit(self._bins[tier][_lowbit(self._lens[tier])])

    # ------------------------------------------------------------- iteration

    def free_extents(self) -> Iterator[tuple[int, int]]:
        """Maximal runs ``[lo, hi)`` of free addresses in address order: sorted,
        disjoint and non-adjacent. O(size) in C plus O(1) per run."""
        for m in _FREE_RUNS.finditer(self._addr):
            yield m.start(), m.end()

    def largest_free_run(self) -> int:
        """The length of the longest free extent (0 when nothing is free). O(size)."""
        return max((m.end() - m.start() for m in _FREE_RUNS.finditer(self._addr)), default=0)

    def allocations(self) -> Iterator[tuple[int, int]]:
        """Allocations ``(offset, length)`` in address order: length 1 for single
        addresses, 16 for blocks. O(size) in C plus O(1) per allocation."""
        for m in ALLOCATION_PATTERN.finditer(self._addr):
            yield m.start(), m.end() - m.start()

    def candidate_runs(self, tier: int) -> Iterator[tuple[int, int]]:
        """Runs ``[first, end)`` of consecutive candidate blocks of ``tier``, in
        block order. O(n) in C plus O(1) per run."""
        for m in _CANDIDATE_RUNS.finditer(self._candt[tier]):
            yield m.start(), m.end()

    # ------------------------------------------------------ index upkeep

    @staticmethod
    def _outside(what: str, value: int, limit: int) -> ValueError:
        # A negative index would wrap around in Python and corrupt the indexes.
        return ValueError(f"{what} {value} is outside the map (0 to {limit - 1})")

    def _move_bucket(self, b: int, c: int, nc: int) -> None:
        """Account for block ``b`` going from ``c`` free unreserved addresses to
        ``nc`` (``_ipfree[b]`` already holds ``nc``)."""
        count = self._bucket_count
        if c:
            k = count[c] - 1
            count[c] = k
            if not k:
                self._bucket_nonempty ^= 1 << c
        else:
            self._ip_pos[b] = len(self._ip_list)
            self._ip_list.append(b)
        if nc:
            k = count[nc]
            if not k:
                self._bucket_nonempty |= 1 << nc
            count[nc] = k + 1
        else:
            lst = self._ip_list
            pos = self._ip_pos
            i = pos[b]
            last = lst.pop()
            if last != b:
                lst[i] = last
                pos[last] = i

    def _add_run(self, tier: int, start: int, end: int) -> None:
        self._run_end[start] = end
        self._run_start[end - 1] = start
        bins = self._bins[tier]
        length = end - start
        v = bins[length]
        if not v:
            self._lens[tier] |= 1 << length
        bins[length] = v | (1 << start)

    def _drop_run(self, tier: int, start: int, end: int) -> None:
        bins = self._bins[tier]
        length = end - start
        v = bins[length] ^ (1 << start)
        bins[length] = v
        if not v:
            self._lens[tier] ^= 1 << length

    def _uncandidate(self, b: int) -> None:
        tier = self._tier[b]
        lst = self._cand_lists[tier]
        pos = self._cand_pos
        i = pos[b]
        pos[b] = -1
        last = lst.pop()
        if last != b:
            lst[i] = last
            pos[last] = i
        self.ncandidates -= 1
        ct = self._candt[tier]
        # The run around b: its boundary tags give one end, a C search the other.
        if b and ct[b - 1]:
            if b + 1 < self.nblocks and ct[b + 1]:
                start = ct.rfind(0, 0, b) + 1
                end = self._run_end[start]
            else:
                start = self._run_start[b]
                end = b + 1
        else:
            start = b
            end = self._run_end[b]
        ct[b] = 0
        self._drop_run(tier, start, end)
        if b > start:
            self._add_run(tier, start, b)
        if end > b + 1:
            self._add_run(tier, b + 1, end)

    def _candidate(self, b: int, tier: int) -> None:
        lst = self._cand_lists[tier]
        self._cand_pos[b] = len(lst)
        lst.append(b)
        self.ncandidates += 1
        ct = self._candt[tier]
        start = b
        end = b + 1
        if b and ct[b - 1]:
            start = self._run_start[b - 1]
            self._drop_run(tier, start, b)
        if end < self.nblocks and ct[end]:
            end = self._run_end[b + 1]
            self._drop_run(tier, b + 1, end)
        ct[b] = 1
        self._add_run(tier, start, end)

    # ------------------------------------------------------------ invariants

    def _check(self) -> None:
        """Recompute every index from the state bytes and the reservations and
        assert that they agree. O(size). For tests."""
        a = self._addr
        nb = self.nblocks
        assert len(a) == self.size
        # Reservations: sorted, disjoint, aligned; their bits match the bytes.
        prev_end = 0
        expected_resv = bytearray(self.size)
        for start, (end, kind) in self._resv.items():
            assert start >= prev_end and end > start and kind in (PREFERRED, EXCLUDED)
            n = end - start
            assert n & (n - 1) == 0 and start % n == 0
            expected_resv[start:end] = b"\x01" * n
            prev_end = end
        assert bytes(b & 1 for b in a) == bytes(expected_resv)
        assert all(s & _HOLDER != 0 or s <= 1 for s in a)
        nfree = nipfree = 0
        cand_lists: tuple[list[int], list[int]] = ([], [])
        buckets = [0] * (BLOCK + 1)
        ip_blocks = []
        for b in range(nb):
            lo = b << BLOCK_BITS
            chunk = a[lo : lo + BLOCK]
            holders = [s & _HOLDER for s in chunk]
            n_blockused = holders.count(BLOCK_USED)
            assert n_blockused in (0, BLOCK), f"block {b} partly block-allocated"
            used = BLOCK - holders.count(FREE)
            assert self._used[b] == used, (b, self._used[b], used)
            ipf = chunk.count(FREE)
            assert self._ipfree[b] == ipf, (b, self._ipfree[b], ipf)
            nfree += BLOCK - used
            nipfree += ipf
            tier = self._block_tier(b)
            assert self._tier[b] == tier, (b, self._tier[b], tier)
            is_cand = used == 0 and tier != EXCLUDED
            for t in (PREFERRED, GENERAL):
                assert self._candt[t][b] == (is_cand and t == tier), b
            if is_cand:
                cand_lists[tier].append(b)
                assert self._cand_lists[tier][self._cand_pos[b]] == b
            else:
                assert self._cand_pos[b] == -1, b
            if ipf:
                buckets[ipf] += 1
                ip_blocks.append(b)
                assert self._ip_list[self._ip_pos[b]] == b
        assert self.nfree == nfree and self.navailable == nipfree
        assert self.ncandidates == len(cand_lists[0]) + len(cand_lists[1])
        for t in (PREFERRED, GENERAL):
            assert sorted(self._cand_lists[t]) == cand_lists[t]
            bins = [0] * (nb + 1)
            for first, end in self.candidate_runs(t):
                bins[end - first] |= 1 << first
                assert self._run_end[first] == end and self._run_start[end - 1] == first
            assert self._bins[t] == bins, (t, self._bins[t], bins)
            assert self._lens[t] == sum(1 << n for n in range(nb + 1) if bins[n])
        assert sorted(self._ip_list) == ip_blocks
        assert self._bucket_count == buckets, (self._bucket_count, buckets)
        assert self._bucket_nonempty == sum(1 << c for c in range(BLOCK + 1) if buckets[c])
        first_free = a.find(FREE)
        assert first_free == -1 or self._hint <= first_free
        # Free extents: sorted, disjoint, coalesced, and exactly the free bytes.
        prev = -1
        total = 0
        for lo, hi in self.free_extents():
            assert lo > prev + 1 or (prev == -1 and lo >= 0)
            assert hi > lo
            prev = hi - 1
            total += hi - lo
        assert total == nfree
