"""Repair advice: which addresses to move to recover free /28s, and where a
prefix reservation should go.

- :func:`plan_defrag`: the fewest /32 moves that turn ``want`` more blocks
  into free /28 prefixes, grouped by owner when owners are known;
  :func:`apply_defrag` carries a plan out on a subnet (for what-if analysis).
- :func:`suggest_reservation`: the smallest set of aligned CIDRs that holds
  ``prefixes`` free /28s while covering the fewest allocated addresses, with a
  warning when it would leave fewer addresses for /32s than the subnet's /32
  owners hold now.
- :func:`leaked_enis`: network interfaces that are attached to nothing
  (status ``available``) yet hold addresses, with the blocks they spoil.

Definitions, the minimality arguments and worked examples: docs/advice.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .addresses import format_ip, parse_ip, parse_network
from .blockmap import (
    AWS_RESERVED,
    FRAGMENTED,
    FULL,
    PREFIX_ALLOCATED,
    aligned_levels,
    block_codes,
    block_tiers,
    free_levels,
)
from .errors import SubnetFragError
from .extents import BLOCK, BLOCK_BITS, EXCLUDED, PREFERRED, USED
from .owner import Owner

if TYPE_CHECKING:
    from .subnet import Subnet

__all__ = [
    "DefragPlan",
    "InvalidAdviceArgument",
    "LeakedEni",
    "MovablePredicate",
    "Move",
    "OwnerGroup",
    "ReservationSuggestion",
    "apply_defrag",
    "leaked_enis",
    "movable_unless_primary",
    "plan_defrag",
    "suggest_reservation",
]

_HOLDER = 6
#: ``movable(address, owner)``: whether the /32 ``address`` (dotted quad) held
#: by ``owner`` (None when unknown) may move.
MovablePredicate = Callable[[str, Owner | None], bool]
# State byte -> 1 when the address lies outside every reservation (bit 0 clear).
_UNRESERVED_FLAG = bytes(1 - (s & 1) for s in range(256))
# State byte -> 1 when the address is a /32 allocation.
_SINGLE_FLAG = bytes(1 if s & _HOLDER == USED else 0 for s in range(256))


class InvalidAdviceArgument(SubnetFragError, ValueError):
    """A bad argument to an advice function (a count below 1, an area outside
    the subnet), or a plan that no longer matches the subnet it is applied to."""


def movable_unless_primary(address: str, owner: Owner | None) -> bool:
    """A ``movable`` predicate for :func:`plan_defrag` that keeps every ENI's
    primary address in place (an ENI cannot give it up). O(1)."""
    return owner is None or not owner.primary


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Move:
    """One /32 to move: release ``address`` from its /28 ``block`` and, when
    relocating, allocate ``to`` (inside ``to_block``) for the same owner."""

    address: str
    block: str
    owner: Owner | None
    to: str | None = None
    to_block: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(1)."""
        return {
            "address": self.address,
            "block": self.block,
            "owner": None if self.owner is None else self.owner.to_dict(),
            "to": self.to,
            "to_block": self.to_block,
        }


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """The moves of one owner, in the order a plan carries them out.

    ``owner`` is the instance id, else the ENI id (``kind`` says which), or
    None for addresses without a recorded owner (``kind`` ``"unknown"``).
    ``blocks`` are the /28s that become free once this group has moved, given
    that the groups before it have; ``shared`` counts those that also needed an
    earlier group (the AWS tool only counts single-owner blocks).
    """

    owner: str | None
    kind: str
    moves: tuple[Move, ...]
    blocks: tuple[str, ...]
    shared: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(moves)."""
        return {
            "owner": self.owner,
            "kind": self.kind,
            "moves": [mv.to_dict() for mv in self.moves],
            "blocks": list(self.blocks),
            "shared": self.shared,
        }


@dataclass(frozen=True, slots=True)
class DefragPlan:
    """A defragmentation plan (:func:`plan_defrag`).

    ``recovered`` are the /28s that the ``moves`` turn into free prefixes;
    ``free_prefixes_after`` is exactly ``free_prefix_count()`` once the plan is
    applied. ``reason`` explains, when ``complete`` is false, why fewer than
    ``want`` blocks can be recovered. ``groups`` is the same plan by owner
    (empty when no moved address has a recorded owner).
    """

    want: int
    recovered: tuple[str, ...]
    moves: tuple[Move, ...]
    relocate: bool
    within: str | None
    free_prefixes_before: int
    free_prefixes_after: int
    reason: str | None
    groups: tuple[OwnerGroup, ...]

    @property
    def complete(self) -> bool:
        """Whether the plan recovers all ``want`` blocks. O(1)."""
        return len(self.recovered) >= self.want

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(moves)."""
        return {
            "want": self.want,
            "complete": self.complete,
            "recovered": list(self.recovered),
            "move_count": len(self.moves),
            "moves": [mv.to_dict() for mv in self.moves],
            "relocate": self.relocate,
            "within": self.within,
            "free_prefixes_before": self.free_prefixes_before,
            "free_prefixes_after": self.free_prefixes_after,
            "reason": self.reason,
            "groups": [g.to_dict() for g in self.groups],
        }


@dataclass(frozen=True, slots=True)
class ReservationSuggestion:
    """Where a ``prefix`` CIDR reservation should go (:func:`suggest_reservation`).

    ``cidrs`` (empty when ``possible`` is false) hold ``free_prefixes_inside``
    wholly free /28s and ``allocated_inside`` allocated addresses over
    ``addresses`` addresses. The ``*_after`` counts are what the subnet reports
    once every CIDR is reserved as ``prefix``: the free /28s do not change in
    number (they become preferred: EC2 takes them first, and no automatic /32
    lands in them any more), and their free addresses leave
    ``available_ip_count``. ``already_reserved`` counts the free /28s already
    inside prefix reservations. ``single_addresses_held`` counts the /32
    allocations in the subnet now; :attr:`warning` says when the reservation
    would leave fewer addresses for /32s than that.
    """

    prefixes: int
    possible: bool
    cidrs: tuple[str, ...]
    addresses: int
    free_prefixes_inside: int
    allocated_inside: int
    free_prefix_count_before: int
    free_prefix_count_after: int
    available_ip_count_before: int
    available_ip_count_after: int
    already_reserved: int
    reason: str | None
    kind: str = "prefix"
    single_addresses_held: int = 0

    @property
    def warning(self) -> str | None:
        """Why the reservation may hurt, or None: it leaves fewer available
        addresses (outside every reservation, where EC2 puts automatic /32s)
        than the subnet's /32 owners hold now, so replacing them all (a node
        rotation) would no longer fit. O(1)."""
        if not self.possible or self.available_ip_count_after >= self.single_addresses_held:
            return None
        return (
            f"it leaves {self.available_ip_count_after:,} addresses for /32s, fewer than the "
            f"{self.single_addresses_held:,} /32s held now: replacing every node, Lambda or "
            "load balancer address at once would no longer fit; reserve fewer /28s or add a "
            "subnet first"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(cidrs)."""
        return {
            "prefixes": self.prefixes,
            "possible": self.possible,
            "kind": self.kind,
            "cidrs": list(self.cidrs),
            "addresses": self.addresses,
            "free_prefixes_inside": self.free_prefixes_inside,
            "allocated_inside": self.allocated_inside,
            "free_prefix_count_before": self.free_prefix_count_before,
            "free_prefix_count_after": self.free_prefix_count_after,
            "available_ip_count_before": self.available_ip_count_before,
            "available_ip_count_after": self.available_ip_count_after,
            "already_reserved": self.already_reserved,
            "reason": self.reason,
            "single_addresses_held": self.single_addresses_held,
            "warning": self.warning,
        }


# ------------------------------------------------------------ plan_defrag


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidAdviceArgument(f"{name} must be a positive integer, not {value!r}")
    return value


def _area(subnet: Subnet, within: object) -> tuple[int, int, str | None]:
    """Block range ``[lo, hi)`` of ``within`` (the whole subnet when None)."""
    nb = subnet.extent_map.nblocks
    if within is None:
        return 0, nb, None
    try:
        _, plen, network = parse_network(within, "area")
    except SubnetFragError as exc:
        raise InvalidAdviceArgument(str(exc)) from None
    lo = network - subnet.first
    size = 1 << (32 - plen)
    if plen > 32 - BLOCK_BITS or lo < 0 or lo + size > subnet.size:
        raise InvalidAdviceArgument(f"area {within!s} must be a /28 or larger inside {subnet.cidr}")
    return lo >> BLOCK_BITS, (lo + size) >> BLOCK_BITS, f"{format_ip(network)}/{plen}"


def _owner_key(owner: Owner | None) -> tuple[str | None, str]:
    if owner is None:
        return None, "unknown"
    if owner.instance_id:
        return owner.instance_id, "instance"
    if owner.eni_id:
        return owner.eni_id, "eni"
    return None, "unknown"


def plan_defrag(
    subnet: Subnet,
    want: int,
    *,
    movable: MovablePredicate | None = None,
    relocate: bool = False,
    within: object = None,
) -> DefragPlan:
    """The fewest /32 moves that turn ``want`` more /28 blocks into free prefixes.

    A block can be recovered when it holds only single-address allocations
    (it is ``fragmented`` or ``full``), holds no AWS-reserved address, overlaps
    no explicit reservation (freeing it would add no free prefix), lies inside
    ``within`` (a CIDR, when given) and every address in it may move
    (``movable(address, owner)``, default: all). Recovering a block costs one
    move per allocated address in it, so the cheapest blocks are taken, fewest
    addresses first (ties: lowest block).

    With ``relocate=False`` a move releases the address (the workload goes
    elsewhere). With ``relocate=True`` each moved address is re-placed on a
    free address of a block that stays spoiled and overlaps no explicit
    reservation (outside ``within`` when given), so no block is spoiled anew:
    AWS-reserved blocks first, then the fullest blocks, blocks in prefix
    reservations last. When that space runs out, fewer blocks are recovered.
    The plan is minimal: no set of moves recovers as many blocks with fewer
    moves (docs/advice.md has the argument; tests check it by brute force).

    Returns a :class:`DefragPlan`; when ``want`` cannot be reached, it recovers
    as many blocks as possible and ``reason`` says why. Raises
    :class:`InvalidAdviceArgument` for ``want`` below 1 or an invalid
    ``within``. Cost: O(size) in C plus O(blocks log blocks), and one
    ``movable`` call and one owner lookup per address examined.
    """
    want = _check_count(want, "want")
    m = subnet.extent_map
    nb = m.nblocks
    area_lo, area_hi, area_text = _area(subnet, within)
    codes = block_codes(m)
    tiers = block_tiers(m)
    used = [m.used_in_block(b) for b in range(nb)]
    states = m.address_states().tobytes()
    first = subnet.first

    def label(block: int) -> str:
        return f"{format_ip(first + (block << BLOCK_BITS))}/28"

    candidates = sorted(
        (
            b
            for b in range(area_lo, area_hi)
            if codes[b] in (FRAGMENTED, FULL) and tiers[b] != EXCLUDED
        ),
        key=lambda b: (used[b], b),
    )
    # Destination space: free addresses of blocks that stay spoiled.
    in_area = bytearray(nb)
    if within is not None:
        in_area[area_lo:area_hi] = b"\x01" * (area_hi - area_lo)
    pool = [
        b
        for b in range(nb)
        if used[b] and codes[b] != PREFIX_ALLOCATED and tiers[b] != EXCLUDED and not in_area[b]
    ]
    capacity = sum(BLOCK - used[b] for b in pool) if relocate else 0

    owners: dict[int, Owner | None] = {}
    chosen: list[tuple[int, list[int]]] = []
    immovable = 0
    moved = 0
    short_of_space = False
    for b in candidates:
        if len(chosen) == want:
            break
        lo = b << BLOCK_BITS
        offs = [lo + i for i, s in enumerate(states[lo : lo + BLOCK]) if s & _HOLDER == USED]
        for off in offs:
            owners[off] = subnet.owner_of(format_ip(first + off))
        if movable is not None and not all(
            movable(format_ip(first + off), owners[off]) for off in offs
        ):
            immovable += 1
            continue
        if relocate:
            # Outside an area, each recovered block consumes 16 pool addresses
            # (its moves re-placed, its own free ones no longer a destination);
            # with an area, only its moves (the pool lies outside the area).
            need = moved + len(offs) if within is not None else BLOCK * (len(chosen) + 1)
            if need > capacity:
                short_of_space = True
                break
        chosen.append((b, offs))
        moved += len(offs)

    moves = _moves(subnet, chosen, owners, pool, states, codes, tiers, relocate, label)
    recovered = tuple(label(b) for b, _ in chosen)
    reason = None
    if len(chosen) < want:
        reason = _shortfall(
            want,
            len(chosen),
            len(candidates),
            immovable,
            short_of_space,
            capacity,
            relocate,
            within is not None,
            codes,
            tiers,
            area_lo,
            area_hi,
        )
    before = m.ncandidates
    return DefragPlan(
        want=want,
        recovered=recovered,
        moves=tuple(moves),
        relocate=relocate,
        within=area_text,
        free_prefixes_before=before,
        free_prefixes_after=before + len(chosen),
        reason=reason,
        groups=_group_by_owner(chosen, moves, label),
    )


def _moves(
    subnet: Subnet,
    chosen: list[tuple[int, list[int]]],
    owners: dict[int, Owner | None],
    pool: list[int],
    states: bytes,
    codes: bytes,
    tiers: bytes,
    relocate: bool,
    label: Callable[[int], str],
) -> list[Move]:
    first = subnet.first
    moves: list[Move] = []
    dests: list[tuple[int, int]] = []
    if relocate and chosen:
        targets = {b for b, _ in chosen}
        m = subnet.extent_map
        order = sorted(
            (b for b in pool if b not in targets),
            key=lambda b: (
                codes[b] != AWS_RESERVED,
                tiers[b] == PREFERRED,
                -m.used_in_block(b),
                b,
            ),
        )
        need = sum(len(offs) for _, offs in chosen)
        for b in order:
            lo = b << BLOCK_BITS
            for i, s in enumerate(states[lo : lo + BLOCK]):
                if s <= 1:
                    dests.append((lo + i, b))
            if len(dests) >= need:
                break
    k = 0
    for b, offs in chosen:
        for off in offs:
            to = to_block = None
            if relocate:
                dest, dest_block = dests[k]
                k += 1
                to, to_block = format_ip(first + dest), label(dest_block)
            moves.append(Move(format_ip(first + off), label(b), owners[off], to, to_block))
    return moves


def _shortfall(
    want: int,
    got: int,
    n_candidates: int,
    immovable: int,
    short_of_space: bool,
    capacity: int,
    relocate: bool,
    has_area: bool,
    codes: bytes,
    tiers: bytes,
    lo: int,
    hi: int,
) -> str:
    where = "in the area" if has_area else "in the subnet"
    parts = [f"{got} of the {want} blocks wanted can be recovered"]
    if short_of_space:
        per = "one per move" if has_area else "16 per recovered block"
        parts.append(
            f"relocating needs free addresses in blocks that stay spoiled ({per}"
            f"{', outside the area' if has_area else ''}); there are {capacity:,}"
        )
    else:
        parts.append(f"{where}, {n_candidates:,} spoiled blocks could become free prefixes")
        if immovable:
            parts.append(f"{immovable:,} of them hold addresses that may not move")
    area_codes = codes[lo:hi]
    excluded = sum(
        1 for b in range(lo, hi) if tiers[b] == EXCLUDED and codes[b] in (FRAGMENTED, FULL)
    )
    prefixes = area_codes.count(PREFIX_ALLOCATED)
    if excluded or prefixes:
        parts.append(
            f"beyond reach: {prefixes:,} allocated prefixes and {excluded:,} spoiled "
            f"blocks overlapping explicit reservations"
        )
    return "; ".join(parts)


def _group_by_owner(
    chosen: list[tuple[int, list[int]]],
    moves: list[Move],
    label: Callable[[int], str],
) -> tuple[OwnerGroup, ...]:
    """Order the owners so that blocks are recovered as early as possible:
    repeatedly the owner whose moves complete the most remaining blocks (ties:
    fewest moves, then id); when none completes a block on its own, the owner
    present in the most remaining blocks."""
    if not any(mv.owner is not None for mv in moves):
        return ()
    kinds: dict[str | None, str] = {}
    moves_of: dict[str | None, list[Move]] = {}
    needs: dict[int, set[str | None]] = {}
    k = 0
    for b, offs in chosen:
        keys = needs.setdefault(b, set())
        for _ in offs:
            mv = moves[k]
            k += 1
            key, kind = _owner_key(mv.owner)
            kinds[key] = kind
            moves_of.setdefault(key, []).append(mv)
            keys.add(key)
    multi = {b for b, keys in needs.items() if len(keys) > 1}
    remaining = dict(needs)
    pending = set(moves_of)
    groups: list[OwnerGroup] = []
    while pending:
        sole: dict[str | None, list[int]] = {key: [] for key in pending}
        present: dict[str | None, int] = dict.fromkeys(pending, 0)
        for b, keys in remaining.items():
            for key in keys:
                present[key] += 1
            if len(keys) == 1:
                sole[next(iter(keys))].append(b)

        ranks = {
            key: (-len(sole[key]), -present[key], len(moves_of[key]), key or "") for key in pending
        }
        best = min(ranks, key=ranks.__getitem__)
        done = sorted(sole[best])
        for b in done:
            del remaining[b]
        for keys in remaining.values():
            keys.discard(best)
        pending.discard(best)
        groups.append(
            OwnerGroup(
                owner=best,
                kind=kinds[best],
                moves=tuple(moves_of[best]),
                blocks=tuple(label(b) for b in done),
                shared=sum(1 for b in done if b in multi),
            )
        )
    return tuple(groups)


def apply_defrag(subnet: Subnet, plan: DefragPlan) -> None:
    """Carry ``plan`` out on ``subnet``: release every moved address and, for a
    relocating plan, allocate its destination for the same owner.

    Checks the whole plan first and raises :class:`InvalidAdviceArgument`
    (changing nothing) when a moved address is no longer a /32 allocation of
    the subnet or a destination is no longer free. Cost: O(moves), a few µs
    each.
    """
    m = subnet.extent_map
    first = subnet.first
    seen: set[int] = set()
    for mv in plan.moves:
        try:
            off = parse_ip(mv.address) - first
            dest = None if mv.to is None else parse_ip(mv.to) - first
        except SubnetFragError as exc:
            raise InvalidAdviceArgument(f"plan does not apply: {exc}") from None
        if not 0 <= off < m.size or m.state(off) & _HOLDER != USED or off in seen:
            raise InvalidAdviceArgument(
                f"plan does not apply: {mv.address} is not a /32 allocation of {subnet.cidr}"
            )
        seen.add(off)
        if dest is not None and (not 0 <= dest < m.size or m.state(dest) > 1 or dest in seen):
            raise InvalidAdviceArgument(
                f"plan does not apply: destination {mv.to} is not free in {subnet.cidr}"
            )
        if dest is not None:
            seen.add(dest)
    kept = [(mv, subnet.owner_of(mv.address)) for mv in plan.moves]
    for mv, _ in kept:
        subnet.release(mv.address)
    for mv, owner in kept:
        if mv.to is not None:
            subnet.allocate_ip(mv.to, owner=owner)


# ---------------------------------------------------- suggest_reservation


def _sum_levels(values: list[int], orders: int) -> list[list[int]]:
    """Per level ``j``, the sums of ``values`` over aligned runs of ``2**j``."""
    out = [values]
    cur = values
    for _ in range(orders):
        cur = [a + b for a, b in zip(cur[0::2], cur[1::2], strict=True)]
        out.append(cur)
    return out


def suggest_reservation(subnet: Subnet, prefixes: int) -> ReservationSuggestion:
    """Where a ``prefix`` CIDR reservation for ``prefixes`` more /28s should go.

    Candidates are aligned CIDRs of /28 or larger that overlap no existing
    reservation and hold no AWS-reserved address (EC2 can never use the first
    and last /28 as prefixes). Among the sets of such disjoint CIDRs holding
    at least ``prefixes`` wholly free /28s, the suggestion has, in order: the
    fewest CIDRs (one whenever one will do), the fewest allocated addresses
    inside, the fewest addresses in all (a single CIDR: ties go to the lowest).

    Returns a :class:`ReservationSuggestion`; ``possible`` is false (and
    ``reason`` says how many free /28s the subnet could hold) when no such set
    exists. Raises :class:`InvalidAdviceArgument` for ``prefixes`` below 1.
    Cost: O(size) in C plus O(blocks) in Python for one CIDR; with several, a
    dynamic programme over the maximal candidate CIDRs, O(roots x k x n x
    options) with k CIDRs and n prefixes.
    """
    n = _check_count(prefixes, "prefixes")
    m = subnet.extent_map
    nb = m.nblocks
    top = nb.bit_length() - 1
    levels = free_levels(m)
    states = m.address_states().tobytes()
    allowed_blocks = bytearray(
        aligned_levels(states.translate(_UNRESERVED_FLAG), BLOCK_BITS)[BLOCK_BITS]
    )
    allowed_blocks[0] = allowed_blocks[nb - 1] = 0
    allowed = aligned_levels(bytes(allowed_blocks), top)
    # Sums per node; only allowed nodes are read, and they hold no AWS-reserved
    # address, so "used" is "allocated" there.
    free_sum = _sum_levels(list(levels[BLOCK_BITS]), top)
    alloc_sum = _sum_levels([m.used_in_block(b) for b in range(nb)], top)

    # Node (j, i): blocks [i * 2**j, (i + 1) * 2**j); "allowed" for a CIDR.
    best: tuple[int, int, int] | None = None
    for j in range(top + 1):
        al, fs, als = allowed[j], free_sum[j], alloc_sum[j]
        for i in range(len(al)):
            if al[i] and fs[i] >= n:
                key = (als[i], j, i)
                if best is None or key < best:
                    best = key
    nodes: list[tuple[int, int]]
    if best is not None:
        nodes = [(best[1], best[2])]
    else:
        found = _several(n, allowed, free_sum, alloc_sum, top)
        nodes = [] if found is None else found

    before_free = m.ncandidates
    before_avail = m.navailable
    already = m.candidate_count(PREFERRED)
    singles = states.translate(_SINGLE_FLAG).count(1)
    first = subnet.first
    if not nodes:
        holdable = free_sum[top][0]
        return ReservationSuggestion(
            prefixes=n,
            possible=False,
            cidrs=(),
            addresses=0,
            free_prefixes_inside=0,
            allocated_inside=0,
            free_prefix_count_before=before_free,
            free_prefix_count_after=before_free,
            available_ip_count_before=before_avail,
            available_ip_count_after=before_avail,
            already_reserved=already,
            reason=(
                f"{subnet.cidr} holds {holdable:,} free /28s outside reservations and the "
                f"AWS-reserved blocks, fewer than {n:,}"
                + (f" ({already:,} more are already prefix-reserved)" if already else "")
                + "; plan_defrag can recover more by moving addresses"
            ),
            single_addresses_held=singles,
        )
    nodes.sort(key=lambda node: node[1] << node[0])
    size = sum(BLOCK << j for j, _ in nodes)
    alloc = sum(alloc_sum[j][i] for j, i in nodes)
    return ReservationSuggestion(
        prefixes=n,
        possible=True,
        cidrs=tuple(f"{format_ip(first + ((i << j) << BLOCK_BITS))}/{28 - j}" for j, i in nodes),
        addresses=size,
        free_prefixes_inside=sum(free_sum[j][i] for j, i in nodes),
        allocated_inside=alloc,
        free_prefix_count_before=before_free,
        free_prefix_count_after=before_free,
        available_ip_count_before=before_avail,
        available_ip_count_after=before_avail - (size - alloc),
        already_reserved=already,
        reason=None,
        single_addresses_held=singles,
    )


def _several(
    n: int,
    allowed: list[bytes],
    free_sum: list[list[int]],
    alloc_sum: list[list[int]],
    top: int,
) -> list[tuple[int, int]] | None:
    """The best set of two or more CIDRs, or None when none holds ``n``.

    The maximal allowed nodes (roots) are disjoint. With k the fewest roots
    whose free blocks reach n, every optimal set has k CIDRs in k distinct
    roots (k - 1 CIDRs, or k inside fewer roots, hold less than n), so a
    dynamic programme picks one node per root: states (CIDRs chosen, free
    blocks capped at n) -> (allocated, size, nodes)."""
    roots = [
        (j, i)
        for j in range(top + 1)
        for i in range(len(allowed[j]))
        if allowed[j][i] and (j == top or not allowed[j + 1][i >> 1])
    ]
    totals = sorted((free_sum[j][i] for j, i in roots), reverse=True)
    k = 0
    acc = 0
    for t in totals:
        if acc >= n:
            break
        acc += t
        k += 1
    if acc < n:
        return None
    State = tuple[int, int, tuple[tuple[int, int], ...]]
    table: dict[tuple[int, int], State] = {(0, 0): (0, 0, ())}
    for rj, ri in roots:
        if not free_sum[rj][ri]:
            continue
        options = _pareto_options(rj, ri, n, free_sum, alloc_sum)
        new = dict(table)
        for (c, f), (a, s, chosen) in table.items():
            if c == k:
                continue
            for fo, ao, so, node in options:
                key = (c + 1, min(n, f + fo))
                cand = (a + ao, s + so, (*chosen, node))
                old = new.get(key)
                if old is None or cand[:2] < old[:2]:
                    new[key] = cand
        table = new
    result = table.get((k, n))
    return None if result is None else list(result[2])


def _pareto_options(
    rj: int, ri: int, n: int, free_sum: list[list[int]], alloc_sum: list[list[int]]
) -> list[tuple[int, int, int, tuple[int, int]]]:
    """The nodes under root ``(rj, ri)`` that no other node there beats: more
    free blocks (capped at n) for no more allocated addresses and size."""
    nodes = []
    for j in range(rj, -1, -1):
        span = 1 << (rj - j)
        for i in range(ri * span, (ri + 1) * span):
            f = free_sum[j][i]
            if f:
                nodes.append((min(f, n), alloc_sum[j][i], BLOCK << j, (j, i)))
    nodes.sort(key=lambda o: (-o[0], o[1], o[2], o[3][1] << o[3][0]))
    kept: list[tuple[int, int, int, tuple[int, int]]] = []
    for opt in nodes:
        if all((opt[1], opt[2]) < (k[1], k[2]) for k in kept):
            kept.append(opt)
    return kept


# ----------------------------------------------------------- leaked_enis


@dataclass(frozen=True, slots=True)
class LeakedEni:
    """A network interface attached to nothing (EC2 status ``available``)
    that still holds addresses of the subnet.

    ``owner`` is the owner of its first allocation (the ENI's details);
    ``addresses`` its /32s and ``prefixes`` its /28 prefixes, in address
    order; ``blocks`` the /28 blocks its /32s fall in (the blocks it spoils:
    a prefix it holds is a whole block in ``prefixes``, not a spoiled one);
    ``freed_blocks`` those that become free prefixes once it is deleted (no
    other allocation in them, no AWS-reserved address, no explicit
    reservation).
    """

    eni_id: str | None
    owner: Owner
    addresses: tuple[str, ...]
    prefixes: tuple[str, ...]
    blocks: tuple[str, ...]
    freed_blocks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. O(addresses)."""
        return {
            "eni_id": self.eni_id,
            "owner": self.owner.to_dict(),
            "addresses": list(self.addresses),
            "prefixes": list(self.prefixes),
            "blocks": list(self.blocks),
            "freed_blocks": list(self.freed_blocks),
        }


def leaked_enis(subnet: Subnet) -> list[LeakedEni]:
    """The ENIs whose recorded owner has status ``available`` (detached: a
    leaked VPC CNI ENI, or one a tool or a person left behind), in the order
    of their first address. Only owners read from AWS carry a status, so a
    hand-built subnet has none. Raises nothing. Cost: O(size) in C plus one
    owner lookup per allocation."""
    m = subnet.extent_map
    first = subnet.first
    codes = block_codes(m)
    tiers = block_tiers(m)
    found: dict[str | None, tuple[Owner, list[int], list[int]]] = {}

    def label(block: int) -> str:
        return f"{format_ip(first + (block << BLOCK_BITS))}/28"

    for off, length in m.allocations():
        owner = subnet.owner_of(format_ip(first + off))
        if owner is None or owner.status != "available":
            continue
        entry = found.setdefault(owner.eni_id, (owner, [], []))
        (entry[2] if length == BLOCK else entry[1]).append(off)
    out = []
    for eni_id, (owner, singles, prefixes) in found.items():
        per_block: dict[int, int] = {}
        for off in singles:
            per_block[off >> BLOCK_BITS] = per_block.get(off >> BLOCK_BITS, 0) + 1
        freed = [
            b
            for b, n in per_block.items()
            if codes[b] in (FRAGMENTED, FULL) and tiers[b] != EXCLUDED and m.used_in_block(b) == n
        ]
        freed += [off >> BLOCK_BITS for off in prefixes]
        blocks = sorted(per_block)
        out.append(
            LeakedEni(
                eni_id=eni_id,
                owner=owner,
                addresses=tuple(format_ip(first + off) for off in singles),
                prefixes=tuple(label(off >> BLOCK_BITS) for off in prefixes),
                blocks=tuple(label(b) for b in blocks),
                freed_blocks=tuple(label(b) for b in sorted(freed)),
            )
        )
    return out
