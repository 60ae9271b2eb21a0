"""Repair advice against brute force.

- ``plan_defrag``: on small subnets, every subset of the movable /32s is
  tried (released, and when relocating, re-placed where no block is spoiled
  anew); the plan must recover as many blocks as any subset can (up to
  ``want``) with as few moves as the smallest such subset, and applying it
  must yield exactly the free prefix count it promises.
- ``suggest_reservation``: every set of disjoint aligned CIDRs is tried; the
  suggestion must have the best (CIDR count, allocated inside, size), and
  reserving it must change the counts as it says.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subnetfrag as sf
from subnetfrag.advice import (
    InvalidAdviceArgument,
    apply_defrag,
    movable_unless_primary,
    plan_defrag,
    suggest_reservation,
)

BASE = "10.7.0.0"


# ------------------------------------------------------------ random states


class State:
    """What was done to a subnet, in plain Python: per offset "ip"/"pfx", the
    reservations (lo, hi, kind)."""

    def __init__(
        self,
        plen: int,
        seed: int,
        ips: int,
        prefix_p: float = 0.15,
        uneven: bool = False,
        reservations: int = 2,
    ) -> None:
        """``ips`` /32s at random; with ``uneven``, instead, each block gets a
        random fill (0 to 16), so sparse and packed blocks sit side by side."""
        rng = random.Random(seed)
        self.plen = plen
        self.net = ipaddress.IPv4Network(f"{BASE}/{plen}")
        self.size = self.net.num_addresses
        self.subnet = sf.Subnet(str(self.net))
        self.held: dict[int, str] = {}
        self.resv: list[tuple[int, int, str]] = []
        for _ in range(rng.randrange(reservations + 1)):
            n = 1 << rng.randrange(0, min(7, self.size.bit_length()))
            lo = rng.randrange(self.size // n) * n
            if all(not (lo < h and r < lo + n) for r, h, _ in self.resv):
                kind = rng.choice(["prefix", "explicit"])
                self.subnet.reserve(self.cidr(lo, n), kind)
                self.resv.append((lo, lo + n, kind))
        self.aws = {0, 1, 2, 3, self.size - 1}
        for b in range(1, self.size // 16 - 1):
            if rng.random() < prefix_p:
                self.subnet.allocate_prefix(self.cidr(16 * b, 16))
                self.held.update(dict.fromkeys(range(16 * b, 16 * b + 16), "pfx"))
        free = [o for o in range(self.size) if o not in self.aws and o not in self.held]
        if uneven:
            chosen = []
            for b in range(0, self.size, 16):
                here = [o for o in free if b <= o < b + 16]
                fill = rng.choice([0, 1, 2, 3, 12, 15, 16, 16])
                chosen += rng.sample(here, min(fill, len(here)))
        else:
            chosen = rng.sample(free, min(ips, len(free)))
        for off in chosen:
            inst = f"i-{rng.randrange(3)}" if rng.random() < 0.8 else None
            owner = sf.Owner(eni_id=f"eni-{rng.randrange(4)}", instance_id=inst)
            self.subnet.allocate_ip(self.ip(off), owner=owner if rng.random() < 0.9 else None)
            self.held[off] = "ip"

    def ip(self, off: int) -> str:
        return str(self.net.network_address + off)

    def cidr(self, off: int, n: int) -> str:
        return f"{self.ip(off)}/{33 - n.bit_length()}"

    def explicit(self, lo: int, hi: int) -> bool:
        return any(k == "explicit" and r < hi and h > lo for r, h, k in self.resv)

    def free_prefixes(self, gone: set[int]) -> int:
        """Free prefix count once the offsets ``gone`` are released."""
        n = 0
        for b in range(self.size // 16):
            offs = range(16 * b, 16 * b + 16)
            if all((o not in self.held or o in gone) and o not in self.aws for o in offs):
                n += not self.explicit(16 * b, 16 * b + 16)
        return n

    def room(self, gone: set[int], area: tuple[int, int] | None) -> int:
        """Free addresses, after releasing ``gone``, in blocks that still hold
        something, overlap no explicit reservation (and lie outside ``area``)."""
        n = 0
        for b in range(self.size // 16):
            lo, hi = 16 * b, 16 * b + 16
            if self.explicit(lo, hi) or (area and area[0] <= lo < area[1]):
                continue
            busy = [o for o in range(lo, hi) if o in self.aws or (o in self.held and o not in gone)]
            if busy:
                n += 16 - len(busy)
        return n


def brute_force_defrag(
    state: State,
    want: int,
    movable: set[int],
    relocate: bool,
    area: tuple[int, int] | None,
) -> tuple[int, int]:
    """(blocks recovered, moves) of the best subset of movable /32s."""
    base = state.free_prefixes(set())
    best_blocks, best_moves = 0, 0
    for m in range(len(movable) + 1):
        for subset in itertools.combinations(sorted(movable), m):
            gone = set(subset)
            gain = min(want, state.free_prefixes(gone) - base)
            if gain <= best_blocks:
                continue
            if relocate and state.room(gone, area) < m:
                continue
            best_blocks, best_moves = gain, m
    return best_blocks, best_moves


@settings(max_examples=120)
@given(
    plen=st.sampled_from([27, 26, 25, 24, 24]),
    seed=st.integers(0, 2**32),
    density=st.sampled_from([None, 0.0, 0.05, 0.3, None]),
    prefix_p=st.sampled_from([0.0, 0.15, 0.6]),
    want=st.integers(1, 6),
)
def test_plan_defrag_is_minimal(
    plen: int, seed: int, density: float | None, prefix_p: float, want: int
) -> None:
    for relocate, use_area in itertools.product((False, True), repeat=2):
        check_plan(plen, seed, density, prefix_p, want, relocate, use_area)


def check_plan(
    plen: int,
    seed: int,
    density: float | None,
    prefix_p: float,
    want: int,
    relocate: bool,
    use_area: bool,
) -> None:
    """One plan against brute force, then applied."""
    size = 1 << (32 - plen)
    state = State(plen, seed, int((density or 0) * size), prefix_p, uneven=density is None)
    area = None
    within = None
    if use_area:
        n = state.size // 2
        lo = (seed % 2) * n
        area, within = (lo, lo + n), state.cidr(lo, n)
    # At most ten addresses may move (the brute force tries every subset):
    # the /32s of the sparsest blocks first, so that some blocks can be
    # recovered while packed blocks leave little room to relocate into.
    singles = sorted(o for o, kind in state.held.items() if kind == "ip")
    by_block: dict[int, list[int]] = {}
    for o in singles:
        if not area or area[0] <= o < area[1]:
            by_block.setdefault(o // 16, []).append(o)
    movable: set[int] = set()
    for offs in sorted(by_block.values(), key=len):
        if len(movable) + len(offs) > 10:
            break
        movable.update(offs)
    immovable = set(singles) - movable

    plan = plan_defrag(
        state.subnet,
        want,
        movable=lambda address, owner: address not in {state.ip(o) for o in immovable},
        relocate=relocate,
        within=within,
    )
    blocks, moves = brute_force_defrag(state, want, movable, relocate, area)
    assert len(plan.recovered) == blocks
    assert len(plan.moves) == moves
    assert plan.complete == (blocks == want)
    assert (plan.reason is None) == plan.complete
    for mv in plan.moves:
        assert mv.address not in {state.ip(o) for o in immovable}
        assert (mv.to is not None) == relocate
    if plan.groups:
        assert sum(len(g.blocks) for g in plan.groups) == len(plan.recovered)
        assert sorted(mv.address for g in plan.groups for mv in g.moves) == sorted(
            mv.address for mv in plan.moves
        )

    before = state.subnet.to_dict()
    owners = {mv.address: state.subnet.owner_of(mv.address) for mv in plan.moves}
    apply_defrag(state.subnet, plan)
    assert state.subnet.free_prefix_count() == plan.free_prefixes_after
    assert plan.free_prefixes_after == plan.free_prefixes_before + len(plan.recovered)
    for cidr in plan.recovered:
        block = ipaddress.IPv4Network(cidr)
        assert not any(str(ip) in state.subnet for ip in block)
        if area:
            assert state.net.network_address + area[0] <= block.network_address
            assert block.broadcast_address < state.net.network_address + area[1]
    for mv in plan.moves:
        if mv.to is not None:
            assert state.subnet.owner_of(mv.to) == owners[mv.address]
        else:
            assert mv.address not in state.subnet
    assert before != state.subnet.to_dict() or not plan.moves


def test_plan_releases_cheapest_blocks_first() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.17")  # block 1: 1 address
    for i in (33, 34, 35):  # block 2: 3 addresses
        s.allocate_ip(f"10.0.0.{i}")
    for i in (49, 50):  # block 3: 2 addresses
        s.allocate_ip(f"10.0.0.{i}")
    for b in range(4, 15):
        for i in (5, 6, 7):  # blocks 4-14: 3 addresses each
            s.allocate_ip(f"10.0.0.{16 * b + i}")
    plan = plan_defrag(s, 3)
    # Cheapest first; among equal costs, the lowest block.
    assert plan.recovered == ("10.0.0.16/28", "10.0.0.48/28", "10.0.0.32/28")
    assert len(plan.moves) == 1 + 2 + 3
    assert plan.free_prefixes_before == 0 and plan.free_prefixes_after == 3


def test_plan_explains_what_cannot_be_reached() -> None:
    s = sf.Subnet("10.0.0.0/26")  # 4 blocks, 2 of them AWS-reserved
    s.allocate_ip("10.0.0.20", owner=sf.Owner(eni_id="eni-1", primary=True))
    s.allocate_ip("10.0.0.40")
    plan = plan_defrag(s, 3, movable=movable_unless_primary)
    assert plan.recovered == ("10.0.0.32/28",)
    assert not plan.complete
    assert plan.reason is not None
    assert "1 of the 3 blocks" in plan.reason and "may not move" in plan.reason
    s.reserve("10.0.0.16/28", "explicit")
    plan = plan_defrag(s, 2)
    assert plan.recovered == ("10.0.0.32/28",)
    assert plan.reason is not None and "explicit" in plan.reason


def test_relocation_runs_out_of_room() -> None:
    s = sf.Subnet("10.0.0.0/25")  # blocks 0 and 7 AWS-reserved: 11 + 15 free
    for b in range(1, 7):
        s.allocate_ip(f"10.0.0.{16 * b + 3}")
    # 26 free in the AWS blocks, plus 15 in each spoiled block: 16 per block
    # recovered, so 26 + 6 * 15 = 116 allows 7, but only 6 can be freed.
    plan = plan_defrag(s, 6, relocate=True)
    assert len(plan.recovered) == 6
    assert all(mv.to_block in ("10.0.0.0/28", "10.0.0.112/28") for mv in plan.moves)
    # Eight addresses in each of blocks 1-6: 26 + 6 * 8 = 74 free addresses in
    # spoiled blocks, 16 per block recovered: 4 blocks (32 moves, 42 left);
    # a fifth would leave 34 for 40 moves.
    s = sf.Subnet("10.0.0.0/25")
    for b in range(1, 7):
        for i in range(8):
            s.allocate_ip(f"10.0.0.{16 * b + i}")
    plan = plan_defrag(s, 6, relocate=True)
    assert len(plan.recovered) == 4 and len(plan.moves) == 32
    assert plan.reason is not None and "16 per recovered block" in plan.reason
    apply_defrag(s, plan)
    assert s.free_prefix_count() == 4
    # Recover inside 10.0.0.0/26 and keep the moved addresses out of it.
    s = sf.Subnet("10.0.0.0/25")
    for b in (1, 2, 3):
        for i in range(6):  # 18 moves for the three blocks of the area
            s.allocate_ip(f"10.0.0.{16 * b + i}")
    for off in range(64, 112):  # blocks 4-6 full: no room there
        s.allocate_ip(f"10.0.0.{off}")
    plan = plan_defrag(s, 3, relocate=True, within="10.0.0.0/26")
    assert len(plan.recovered) == 2  # 12 moves fit the 15 free of block 7
    assert {mv.to_block for mv in plan.moves} == {"10.0.0.112/28"}
    assert plan.reason is not None and "relocating" in plan.reason and "15" in plan.reason
    apply_defrag(s, plan)
    assert s.free_prefix_count() == 2


def test_groups_count_blocks_shared_by_owners() -> None:
    s = sf.Subnet("10.0.0.0/24")

    def put(address: str, instance: str | None, eni: str = "eni-x") -> None:
        s.allocate_ip(address, owner=sf.Owner(eni_id=eni, instance_id=instance))

    put("10.0.0.17", "i-a")
    put("10.0.0.18", "i-a")  # block 1: i-a alone
    put("10.0.0.33", "i-a")
    put("10.0.0.34", "i-b")  # block 2: i-a and i-b
    put("10.0.0.49", "i-b")  # block 3: i-b alone
    put("10.0.0.65", None, "eni-lambda")  # block 4: an ENI without instance
    s.allocate_ip("10.0.0.81")  # block 5: no owner recorded
    for b in range(6, 15):
        for i in range(0, 16):
            s.allocate_ip(f"10.0.0.{16 * b + i}")  # full blocks: costly
    plan = plan_defrag(s, 5)
    assert len(plan.moves) == 7
    by_owner = {g.owner: g for g in plan.groups}
    # i-a and i-b each complete one block alone; i-b has fewer moves, so it
    # goes first, and then i-a completes its own block and the shared one.
    assert [g.owner for g in plan.groups][:2] == ["i-b", "i-a"]
    assert by_owner["i-b"].blocks == ("10.0.0.48/28",) and by_owner["i-b"].kind == "instance"
    assert by_owner["i-a"].blocks == ("10.0.0.16/28", "10.0.0.32/28")
    assert by_owner["i-a"].shared == 1 and by_owner["i-b"].shared == 0
    assert by_owner["eni-lambda"].kind == "eni"
    assert by_owner["eni-lambda"].blocks == ("10.0.0.64/28",)
    assert by_owner[None].kind == "unknown" and by_owner[None].blocks == ("10.0.0.80/28",)
    assert sum(len(g.blocks) for g in plan.groups) == 5
    # The AWS tool's rule (a single instance holds every used address of the
    # block) finds two node-drain blocks; the plan counts the shared one too.
    instance_blocks = [b for g in plan.groups if g.kind == "instance" for b in g.blocks]
    assert len(instance_blocks) == 3


def test_no_groups_without_owners() -> None:
    s = sf.Subnet("10.0.0.0/26")
    s.allocate_ip("10.0.0.20")
    assert plan_defrag(s, 1).groups == ()


def test_plan_arguments() -> None:
    s = sf.Subnet("10.0.0.0/24")
    for bad in (0, -1, True, 1.5, "3"):
        with pytest.raises(InvalidAdviceArgument):
            plan_defrag(s, bad)  # type: ignore[arg-type]
    for area in ("10.1.0.0/26", "10.0.0.0/29", "10.0.0.0/23", "nonsense"):
        with pytest.raises(InvalidAdviceArgument):
            plan_defrag(s, 1, within=area)
    assert issubclass(InvalidAdviceArgument, ValueError)
    assert issubclass(InvalidAdviceArgument, sf.SubnetFragError)


def test_stale_plan_changes_nothing() -> None:
    s = sf.Subnet("10.0.0.0/25")
    s.allocate_ip("10.0.0.20")
    s.allocate_ip("10.0.0.40")
    plan = plan_defrag(s, 2, relocate=True)
    s.release("10.0.0.40")
    before = s.to_dict()
    with pytest.raises(InvalidAdviceArgument, match=r"10\.0\.0\.40"):
        apply_defrag(s, plan)
    assert s.to_dict() == before
    s.allocate_ip("10.0.0.40")
    assert plan.moves[0].to is not None
    s.allocate_ip(plan.moves[0].to)
    with pytest.raises(InvalidAdviceArgument, match="destination"):
        apply_defrag(s, plan)


def test_plan_to_dict_is_json_ready() -> None:
    import json

    s = sf.Subnet("10.0.0.0/25")
    s.allocate_ip("10.0.0.20", owner=sf.Owner(eni_id="eni-1", instance_id="i-1"))
    d = plan_defrag(s, 1, relocate=True).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["move_count"] == 1 and d["groups"][0]["owner"] == "i-1"


# ------------------------------------------------------- suggest_reservation


def valid_cidrs(state: State) -> list[tuple[int, int, int, int]]:
    """(lo, size, free blocks, allocated) of every CIDR a suggestion may use."""
    out = []
    n = 16
    while n <= state.size:
        for lo in range(0, state.size, n):
            if any(r < lo + n and h > lo for r, h, _ in state.resv):
                continue
            if any(lo <= a < lo + n for a in state.aws):
                continue
            free = sum(
                1
                for b in range(lo, lo + n, 16)
                if all(o not in state.held for o in range(b, b + 16))
            )
            alloc = sum(1 for o in range(lo, lo + n) if o in state.held)
            out.append((lo, n, free, alloc))
        n *= 2
    return out


def disjoint_sets(
    cidrs: list[tuple[int, int, int, int]], size: int, start: int = 0, chosen: tuple[int, ...] = ()
) -> Iterator[tuple[int, ...]]:
    """Every set of ``size`` pairwise disjoint CIDRs."""
    if len(chosen) == size:
        yield chosen
        return
    for k in range(start, len(cidrs)):
        lo, n = cidrs[k][:2]
        if all(not (lo < cidrs[c][0] + cidrs[c][1] and cidrs[c][0] < lo + n) for c in chosen):
            yield from disjoint_sets(cidrs, size, k + 1, (*chosen, k))


@settings(max_examples=100)
@given(
    plen=st.sampled_from([27, 26, 25, 24, 24, 23]),
    seed=st.integers(0, 2**32),
    ips=st.integers(0, 20),
    prefixes=st.integers(1, 10),
    reservations=st.integers(0, 5),
)
def test_suggest_reservation_is_optimal(
    plen: int, seed: int, ips: int, prefixes: int, reservations: int
) -> None:
    state = State(plen, seed, ips, prefix_p=0.1, reservations=reservations)
    cidrs = valid_cidrs(state)
    best = None
    # The fewest CIDRs come first: try sizes in increasing order. No set
    # holds more free blocks than all the free valid /28s together.
    reachable = sum(free for _, n, free, _ in cidrs if n == 16) >= prefixes
    for size in range(1, len(cidrs) + 1 if reachable else 1):
        for chosen in disjoint_sets(cidrs, size):
            if sum(cidrs[c][2] for c in chosen) >= prefixes:
                key = (
                    size,
                    sum(cidrs[c][3] for c in chosen),
                    sum(cidrs[c][1] for c in chosen),
                )
                best = key if best is None or key < best else best
        if best is not None:
            break
    s = state.subnet
    r = suggest_reservation(s, prefixes)
    assert r.possible == (best is not None)
    if best is None:
        assert r.cidrs == () and r.reason is not None
        return
    assert r.reason is None
    assert (len(r.cidrs), r.allocated_inside, r.addresses) == best
    valid = {(lo, n) for lo, n, _, _ in cidrs}
    for cidr in r.cidrs:
        net = ipaddress.ip_network(cidr)
        assert (
            int(net.network_address) - int(state.net.network_address),
            net.num_addresses,
        ) in valid
    assert r.free_prefixes_inside >= prefixes
    before = (s.free_prefix_count(), s.available_ip_count())
    assert before == (r.free_prefix_count_before, r.available_ip_count_before)
    for cidr in r.cidrs:
        s.reserve(cidr, "prefix")
    assert s.free_prefix_count() == r.free_prefix_count_after
    assert s.available_ip_count() == r.available_ip_count_after
    assert s.extent_map.candidate_count(0) >= r.free_prefixes_inside + r.already_reserved


def test_suggestion_prefers_one_free_cidr() -> None:
    s = sf.Subnet("10.0.0.0/22")
    for b in range(1, 64, 3):
        s.allocate_ip(f"10.0.{(16 * b) >> 8}.{(16 * b) & 255}")
    s.allocate_ip("10.0.2.5")
    r = suggest_reservation(s, 4)
    assert r.possible and len(r.cidrs) == 1
    assert r.free_prefixes_inside >= 4


def test_suggestion_splits_around_reservations() -> None:
    s = sf.Subnet("10.0.0.0/24")
    # Reservations leave three disjoint free /26-ish islands.
    s.reserve("10.0.0.64/28", "explicit")
    s.reserve("10.0.0.160/28", "explicit")
    r = suggest_reservation(s, 8)
    assert r.possible and len(r.cidrs) >= 2
    assert r.allocated_inside == 0
    r = suggest_reservation(s, 13)
    assert not r.possible
    assert r.reason is not None and "fewer than 13" in r.reason


def test_suggestion_arguments() -> None:
    s = sf.Subnet("10.0.0.0/24")
    for bad in (0, -3, False, 2.0):
        with pytest.raises(InvalidAdviceArgument):
            suggest_reservation(s, bad)  # type: ignore[arg-type]
    import json

    d = suggest_reservation(s, 2).to_dict()
    assert json.loads(json.dumps(d)) == d and d["kind"] == "prefix"
