"""SubnetPool: strategies, spill-over, expansion, routing, counts, state.

The stateful test drives a pool of small subnets and a model (one bytearray per
subnet, the union of the per-subnet models) with the same operations: automatic
allocations must land in exactly the subnet the strategy picks among those that
can serve them (so they spill over exactly when the first choice is out), never
cross a subnet boundary, and raise only when no subnet can serve; the counts
must be the sums of the per-subnet counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import netaddr
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import subnetfrag as sf
from subnetfrag.owner import Owner
from subnetfrag.pool import (
    STRATEGIES,
    SubnetPool,
    SubnetPoolError,
    UnknownStrategy,
    aggregate_reports,
    carve_subnets,
)
from subnetfrag.vpc import UnknownSubnet, Vpc

FREE, IP, PFX, AWS = 0, 1, 2, 3
K_NONE, K_PREFIX, K_EXPLICIT = 0, 1, 2
BLOCK = 16


# ---------------------------------------------------------------- unit tests


def test_issue_example() -> None:
    vpc = sf.Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    a = vpc.create_subnet("10.0.0.0/20", subnet_id="nodes-a")
    b = vpc.create_subnet("100.64.0.0/18", subnet_id="pods-a")
    pool = sf.SubnetPool([a], strategy="most-available")
    pool.add(b)
    pfx = pool.allocate_prefix()
    assert pfx in b.cidr  # the /18 has the most available addresses
    assert pool.free_prefix_count() == a.free_prefix_count() + b.free_prefix_count()
    pool.release(pfx)
    assert pool.free_prefix_count() == 254 + 1022


def test_strategies_pick_and_spill_over() -> None:
    small = sf.Subnet("10.0.0.0/26", policy="lowest", subnet_id="small")  # 2 candidate /28s
    big = sf.Subnet("10.0.1.0/25", policy="lowest", subnet_id="big")  # 6
    frag = sf.Subnet("10.0.2.0/24", policy="lowest", subnet_id="frag")
    for i in range(1, 15):  # one /32 in every inner /28: 0 free /28s, many addresses
        frag.allocate_ip(f"10.0.2.{16 * i + 5}")
    in_order = SubnetPool([small, big, frag], strategy="in-order")
    assert in_order.choose("prefix") is small and in_order.choose("ip") is small
    most_avail = SubnetPool([small, big, frag], strategy="most-available")
    assert most_avail.choose("ip") is frag  # 237 available
    assert most_avail.choose("prefix") is big  # frag has none: next by availability
    most_free = SubnetPool([small, big, frag], strategy="most-free-prefixes")
    assert most_free.choose("prefix") is big
    # in-order fills the first, then spills over to the next.
    got = [in_order.allocate_prefix() for _ in range(8)]
    assert [str(p) for p in got] == [
        "10.0.0.16/28",
        "10.0.0.32/28",
        "10.0.1.16/28",
        "10.0.1.32/28",
        "10.0.1.48/28",
        "10.0.1.64/28",
        "10.0.1.80/28",
        "10.0.1.96/28",
    ]
    with pytest.raises(sf.InsufficientCidrBlocks) as info:
        in_order.allocate_prefix()
    msg = str(info.value)
    for name in ("10.0.0.0/26 (small)", "10.0.1.0/25 (big)", "10.0.2.0/24 (frag)"):
        assert f"{name} 0 free /28s" in msg
    assert "237 available" in msg
    assert in_order.allocate_ip() in small.cidr  # addresses remain in the edge blocks


def test_ties_go_to_pool_order() -> None:
    a, b = sf.Subnet("10.0.0.0/24"), sf.Subnet("10.0.1.0/24")
    assert SubnetPool([a, b]).choose("ip") is a
    assert SubnetPool([b, a]).choose("ip") is b
    assert SubnetPool([b, a], strategy="most-free-prefixes").choose("prefix") is b


def test_empty_pool() -> None:
    pool = SubnetPool()
    assert len(pool) == 0 and pool.free_ip_count() == 0 and not pool.can_fit_prefix()
    with pytest.raises(sf.InsufficientFreeAddresses, match="no subnets"):
        pool.allocate_ip()
    with pytest.raises(sf.InsufficientCidrBlocks, match="no subnets"):
        pool.allocate_prefix()
    with pytest.raises(sf.NotAllocated):
        pool.release("10.0.0.5")


def test_membership_errors() -> None:
    a = sf.Subnet("10.0.0.0/24", subnet_id="a")
    pool = SubnetPool([a])
    with pytest.raises(SubnetPoolError, match="already in"):
        pool.add(a)
    with pytest.raises(SubnetPoolError, match=r"overlaps 10\.0\.0\.0/24"):
        pool.add(sf.Subnet("10.0.0.128/25"))
    with pytest.raises(SubnetPoolError, match="overlaps"):
        pool.add(sf.Subnet("10.0.0.0/23"))
    with pytest.raises(TypeError):
        pool.add("10.0.1.0/24")  # type: ignore[arg-type]
    with pytest.raises(SubnetPoolError):
        SubnetPool([a, sf.Subnet("10.0.0.0/28")])
    for bad in ("random", "", None, 3):
        with pytest.raises(UnknownStrategy):
            SubnetPool([a], strategy=bad)  # type: ignore[arg-type]
    with pytest.raises(SubnetPoolError):
        pool.choose("block")
    b = pool.add(sf.Subnet("10.0.1.0/24"))
    assert pool.remove("a") is a and pool.subnets() == [b]
    with pytest.raises(UnknownSubnet):
        pool.remove(a)
    assert pool.remove("10.0.1.0/24") is b and len(pool) == 0
    pool.add(a)
    assert list(pool) == [a]
    assert sorted(STRATEGIES) == ["in-order", "most-available", "most-free-prefixes"]


def test_explicit_allocations_route_to_their_subnet() -> None:
    a = sf.Subnet("10.0.0.0/24")
    b = sf.Subnet("100.64.0.0/24")
    pool = SubnetPool([a, b])
    owner = Owner(eni_id="eni-1")
    assert pool.allocate_ip("100.64.0.9", owner=owner) == netaddr.IPAddress("100.64.0.9")
    assert "100.64.0.9" in b and "100.64.0.9" not in a
    assert pool.owner_of("100.64.0.9") == owner
    assert pool.allocate_prefix("10.0.0.32/28") == netaddr.IPNetwork("10.0.0.32/28")
    assert pool.subnet_of("10.0.0.40") is a and pool.subnet_of("10.0.1.0") is None
    with pytest.raises(sf.OutOfSubnet, match="no subnet of the pool"):
        pool.allocate_ip("10.0.1.5")
    with pytest.raises(sf.OutOfSubnet):
        pool.allocate_prefix("10.0.1.0/28")
    with pytest.raises(sf.AddressInUse):
        pool.allocate_ip("10.0.0.33")
    with pytest.raises(sf.ReservedAddress):
        pool.allocate_prefix("100.64.0.0/28")
    with pytest.raises(sf.InvalidPrefix):
        pool.allocate_prefix("10.0.0.64/27")
    with pytest.raises(sf.UnknownPolicy):
        pool.allocate_ip(policy="nope")
    with pytest.raises(sf.UnknownPolicy):
        pool.allocate_prefix(policy="nope")
    with pytest.raises(sf.NotAllocated):
        pool.owner_of("10.0.1.1")
    with pytest.raises(sf.NotAllocated):
        pool.owner_of("nonsense")
    for bad in ("10.0.0.33", "10.0.0.32/27", "10.0.1.1", "junk", None):
        with pytest.raises(sf.NotAllocated):
            pool.release(bad)  # type: ignore[arg-type]
    pool.release("10.0.0.32/28")
    pool.release(netaddr.IPAddress("100.64.0.9"))
    assert pool.free_ip_count() == 2 * 251


def test_expansion_hook_carves_the_next_18() -> None:
    """The documented example: carve the next /18 from a 100.64.0.0/16 block."""
    vpc = Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    nodes = vpc.create_subnet("10.0.0.0/26", subnet_id="nodes-a", policy="lowest")
    hook = carve_subnets(vpc, 18, within="100.64.0.0/16", id_prefix="pods-", seed=1)
    pool = SubnetPool([nodes], on_exhausted=hook)
    got = [pool.allocate_prefix() for _ in range(2)]
    assert all(p in nodes.cidr for p in got) and len(pool) == 1  # no expansion yet
    third = pool.allocate_prefix()
    assert [s.subnet_id for s in pool] == ["nodes-a", "pods-1"]
    assert third in netaddr.IPNetwork("100.64.0.0/18")
    assert vpc.subnet("pods-1").cidr == netaddr.IPNetwork("100.64.0.0/18")
    # Exhaust pods-1 (1,022 free /28s): the hook carves 100.64.64.0/18 next.
    for _ in range(1021):
        pool.allocate_prefix()
    pool.allocate_prefix()
    assert [str(s.cidr) for s in pool][1:] == ["100.64.0.0/18", "100.64.64.0/18"]
    assert vpc.subnet("pods-2").first == int(netaddr.IPAddress("100.64.64.0"))


def test_expansion_hook_contract() -> None:
    a = sf.Subnet("10.0.0.0/28")  # 11 addresses, no /28 candidate
    calls: list[str] = []
    offers: list[Any] = []

    def hook(pool: SubnetPool, kind: str) -> sf.Subnet | None:
        calls.append(kind)
        return offers.pop(0) if offers else None

    pool = SubnetPool([a], on_exhausted=hook)
    for _ in range(11):
        pool.allocate_ip()
    assert calls == []  # never called while a subnet can serve
    with pytest.raises(sf.InsufficientFreeAddresses, match="the expansion hook added nothing"):
        pool.allocate_ip()
    assert calls == ["ip"]
    # An offered subnet that cannot serve the request does not join the pool.
    tiny = sf.Subnet("10.0.1.0/27")
    offers.append(tiny)
    before = pool.to_dict()
    with pytest.raises(sf.InsufficientCidrBlocks, match="cannot serve it either"):
        pool.allocate_prefix()
    assert pool.to_dict() == before and calls == ["ip", "prefix"]
    # One that can serves it and joins.
    offers.append(tiny)
    assert pool.allocate_ip() in tiny.cidr
    assert pool.subnets() == [a, tiny]
    # A hook that adds the subnet itself is fine too.
    c = sf.Subnet("10.0.2.0/26")

    def self_adding(p: SubnetPool, kind: str) -> sf.Subnet | None:
        return p.add(c)

    pool.on_exhausted = self_adding
    for _ in range(10):
        pool.allocate_ip()
    assert pool.allocate_prefix() in c.cidr and pool.subnets() == [a, tiny, c]
    # Wrong return type, hook errors propagate, and recursion is cut.
    pool2 = SubnetPool([sf.Subnet("10.1.0.0/28")])
    pool2.on_exhausted = lambda p, k: "10.1.1.0/24"  # type: ignore[assignment,return-value]
    with pytest.raises(SubnetPoolError, match="not a Subnet"):
        pool2.allocate_prefix()

    def boom(p: SubnetPool, k: str) -> sf.Subnet | None:
        raise RuntimeError("no quota")

    pool2.on_exhausted = boom
    with pytest.raises(RuntimeError):
        pool2.allocate_prefix()
    nested: list[str] = []

    def recursive(p: SubnetPool, k: str) -> sf.Subnet | None:
        with pytest.raises(sf.InsufficientCidrBlocks):
            p.allocate_prefix()  # the hook is not called again from inside itself
        nested.append(k)
        return None

    pool2.on_exhausted = recursive
    with pytest.raises(sf.InsufficientCidrBlocks):
        pool2.allocate_prefix()
    assert nested == ["prefix"]


def test_carve_subnets_arguments() -> None:
    vpc = Vpc("10.0.0.0/24")
    with pytest.raises(sf.InvalidCidr):
        carve_subnets(vpc, 30)
    with pytest.raises(sf.CidrAssociationError):
        carve_subnets(vpc, 26, within="100.64.0.0/16")
    with pytest.raises(sf.UnknownPolicy):
        carve_subnets(vpc, 26, policy="nope")
    hook = carve_subnets(vpc, 25, policy="lowest")
    pool = SubnetPool(on_exhausted=hook)
    pool.allocate_prefix()
    pool.allocate_ip()  # same subnet
    for _ in range(5):
        pool.allocate_prefix()
    pool.allocate_prefix()  # carves the second /25
    assert [str(s.cidr) for s in vpc.subnets()] == ["10.0.0.0/25", "10.0.0.128/25"]
    for _ in range(5):
        pool.allocate_prefix()
    with pytest.raises(sf.InsufficientCidrBlocks, match="added nothing"):
        pool.allocate_prefix()  # the block is full


def test_state_round_trip_with_and_without_vpc() -> None:
    vpc = Vpc("10.0.0.0/16")
    a = vpc.create_subnet("10.0.0.0/24", subnet_id="a", seed=1)
    b = vpc.create_subnet("10.0.1.0/24", subnet_id="b", seed=2)
    pool = SubnetPool([b, a], strategy="in-order")
    pool.allocate_prefix()
    pool.allocate_ip(owner=Owner(instance_id="i-1"))
    data = json.loads(json.dumps(pool.to_dict()))
    alone = SubnetPool.from_dict(data)
    assert alone.to_dict() == data and alone.strategy == "in-order"
    assert [s.subnet_id for s in alone] == ["b", "a"]
    assert alone.subnets()[0] is not b
    vpc2 = Vpc.from_dict(json.loads(json.dumps(vpc.to_dict())))
    shared = SubnetPool.from_dict(data, vpc=vpc2)
    assert shared.subnets() == [vpc2.subnet("b"), vpc2.subnet("a")]
    assert shared.allocate_ip() == pool.allocate_ip()  # same RNG state
    assert vpc2.subnet("b").to_dict() == b.to_dict()
    # A VPC whose subnet moved on since the pool was saved is refused.
    with pytest.raises(sf.InvalidState, match="not in the saved state"):
        SubnetPool.from_dict(data, vpc=vpc)
    with pytest.raises(sf.InvalidState):
        SubnetPool.from_dict(data, vpc=Vpc("10.0.0.0/16"))
    for bad in (
        None,
        {**data, "format": "x"},
        {**data, "strategy": "random"},
        {"format": data["format"], "version": 1, "strategy": "in-order"},
        {**data, "subnets": "x"},
        {**data, "subnets": [data["subnets"][0], data["subnets"][0]]},
        {**data, "subnets": [{}]},
    ):
        with pytest.raises(sf.InvalidState):
            SubnetPool.from_dict(bad)
    assert "strategy=in-order subnets=2" in repr(pool)


# ------------------------------------------------------- report aggregation


def _report(
    cidr: str,
    *,
    free: int,
    blocks: dict[str, int],
    hist: dict[str, int],
    largest: str | None,
    wfp: float | None,
    can_fit: bool,
    free_prefixes: int,
) -> dict[str, Any]:
    return {
        "cidr": cidr,
        "subnet_id": None,
        "addresses": {"total": 256, "aws_reserved": 5, "allocated": 251 - free, "free": free,
                      "available": free},
        "blocks": blocks,
        "free_prefixes": free_prefixes,
        "can_fit_prefix": can_fit,
        "aws_fragmentation_score": None,
        "aws_severity": None,
        "stranded_ips": 7,
        "largest_free_block": largest,
        "free_block_histogram": hist,
        "unusable_free_index": 0.0,
        "fragmentation_index": None,
        "weighted_fragmentation_pct": wfp,
    }  # fmt: skip


def _blocks(free: int, full: int, frag: int) -> dict[str, int]:
    return {
        "total": 16,
        "prefix_allocated": 0,
        "aws_reserved": 2,
        "free": free,
        "full": full,
        "fragmented": frag,
        "in_prefix_reservation": 0,
        "in_explicit_reservation": 0,
    }


def test_aggregate_reports_hand_computed() -> None:
    r1 = _report(
        "10.0.0.0/24", free=40, blocks=_blocks(2, 3, 9), hist={"/27": 1, "/29": 1},
        largest="10.0.0.32/27", wfp=10.0, can_fit=True, free_prefixes=2,
    )  # fmt: skip
    r2 = _report(
        "10.0.1.0/24", free=10, blocks=_blocks(0, 10, 4), hist={"/29": 1, "/31": 1},
        largest="10.0.1.8/29", wfp=60.0, can_fit=False, free_prefixes=0,
    )  # fmt: skip
    total = aggregate_reports([r1, r2])
    assert total["subnet_count"] == 2 and total["cidrs"] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert total["addresses"] == {
        "total": 512,
        "aws_reserved": 10,
        "allocated": 211 + 241,
        "free": 50,
        "available": 50,
    }
    assert total["blocks"]["full"] == 13 and total["blocks"]["fragmented"] == 13
    assert total["blocks"]["free"] == 2 and total["blocks"]["total"] == 32
    # ceil(100 * 26 / 28) = ceil(92.857...) = 93: HIGH
    assert total["aws_fragmentation_score"] == 93 and total["aws_severity"] == "HIGH"
    assert total["free_prefixes"] == 2 and total["can_fit_prefix"] is True
    assert total["stranded_ips"] == 14
    assert total["largest_free_block"] == "10.0.0.32/27"
    assert total["free_block_histogram"] == {"/27": 1, "/29": 2, "/31": 1}
    # Histogram: 32 + 8 + 8 + 2 = 50 free, 32 of them in blocks of a /28 or more.
    assert total["unusable_free_index"] == pytest.approx(18 / 50)
    assert total["fragmentation_index"] is None
    assert total["weighted_fragmentation_pct"] == pytest.approx((10 * 40 + 60 * 10) / 50)


def test_aggregate_reports_edge_cases() -> None:
    none_fit = _report(
        "10.0.0.0/24", free=10, blocks=_blocks(0, 10, 4), hist={"/29": 1, "/31": 1},
        largest="10.0.0.8/29", wfp=60.0, can_fit=False, free_prefixes=0,
    )  # fmt: skip
    total = aggregate_reports([none_fit, none_fit])
    # Linux fragmentation index at order 4: 1 - (1 + free / 16) / free blocks
    assert total["fragmentation_index"] == pytest.approx(1 - (1 + 20 / 16) / 4)
    assert total["unusable_free_index"] == 1.0
    full = _report(
        "10.0.1.0/28", free=0, blocks=_blocks(0, 0, 0) | {"total": 1, "aws_reserved": 1},
        hist={}, largest=None, wfp=0.0, can_fit=False, free_prefixes=0,
    )  # fmt: skip
    total = aggregate_reports([full, full])
    assert total["aws_fragmentation_score"] is None and total["aws_severity"] is None
    assert total["unusable_free_index"] == 1.0 and total["fragmentation_index"] == 0.0
    assert total["largest_free_block"] is None and total["weighted_fragmentation_pct"] == 0.0
    exhausted = _report(
        "10.0.2.0/24", free=0, blocks=_blocks(0, 14, 0), hist={}, largest=None, wfp=None,
        can_fit=False, free_prefixes=0,
    )  # fmt: skip
    total = aggregate_reports([exhausted, full])
    assert total["aws_fragmentation_score"] == 100 and total["aws_severity"] == "EXHAUSTED"
    assert total["weighted_fragmentation_pct"] is None  # nothing free, values differ
    critical = _report(
        "10.0.3.0/24", free=3, blocks=_blocks(0, 13, 1), hist={"/32": 3}, largest="10.0.3.7/32",
        wfp=100.0, can_fit=False, free_prefixes=0,
    )  # fmt: skip
    total = aggregate_reports([exhausted, critical])
    assert total["aws_fragmentation_score"] == 100 and total["aws_severity"] == "CRITICAL"
    assert total["largest_free_block"] == "10.0.3.7/32"
    healthy = _report(
        "10.0.4.0/24", free=200, blocks=_blocks(12, 0, 2), hist={"/25": 1, "/26": 1},
        largest="10.0.4.128/25", wfp=0.0, can_fit=True, free_prefixes=12,
    )  # fmt: skip
    for extra, expected in ((0, "HEALTHY"), (2, "LOW"), (10, "MEDIUM")):
        r = _report(
            "10.0.5.0/24", free=1, blocks=_blocks(0, 0, extra), hist={"/32": 1},
            largest="10.0.5.9/32", wfp=0.0, can_fit=False, free_prefixes=0,
        )  # fmt: skip
        assert aggregate_reports([healthy, r])["aws_severity"] == expected
    assert aggregate_reports([])["subnet_count"] == 0


def test_pool_report_aggregates_the_subnet_reports() -> None:
    a = sf.Subnet("10.0.0.0/24", policy="lowest", subnet_id="a")
    b = sf.Subnet("10.0.1.0/26", policy="lowest")
    for i in range(1, 15):
        a.allocate_ip(f"10.0.0.{16 * i + 3}")  # every inner /28 fragmented
    b.allocate_prefix()
    pool = SubnetPool([a, b])
    rep = pool.report()
    ra, rb = a.report().to_dict(), b.report().to_dict()
    data = rep.to_dict()
    assert data["subnets"] == [ra, rb]
    total = data["total"]
    assert total["cidrs"] == ["10.0.0.0/24", "10.0.1.0/26"] and total["subnet_count"] == 2
    assert total["addresses"] == {
        "total": 320, "aws_reserved": 10, "allocated": 14 + 16, "free": 237 + 43,
        "available": 237 + 43,
    }  # fmt: skip
    assert total["blocks"]["fragmented"] == 14 and total["blocks"]["prefix_allocated"] == 1
    assert total["blocks"]["free"] == 1 and total["free_prefixes"] == 1
    # The AWS score on the summed blocks: 14 fragmented of 15 candidates.
    assert total["aws_fragmentation_score"] == 94 and total["aws_severity"] == "HIGH"
    assert ra["aws_severity"] == "CRITICAL"
    assert total["stranded_ips"] == ra["stranded_ips"] + rb["stranded_ips"]
    assert total["largest_free_block"] == rb["largest_free_block"] == "10.0.1.32/28"
    assert total["free_block_histogram"] == {
        k: ra["free_block_histogram"][k] + rb["free_block_histogram"][k]
        for k in ra["free_block_histogram"]
    }
    assert total["unusable_free_index"] == pytest.approx((280 - 16) / 280)
    assert total["weighted_fragmentation_pct"] == pytest.approx(
        (ra["weighted_fragmentation_pct"] * 237 + rb["weighted_fragmentation_pct"] * 43) / 280
    )
    assert total["fragmentation_index"] is None
    b.release("10.0.1.16/28")
    b.allocate_ip("10.0.1.20")
    b.allocate_ip("10.0.1.36")
    t2 = pool.report().total
    assert t2["can_fit_prefix"] is False and t2["fragmentation_index"] is not None
    assert 0 < t2["fragmentation_index"] < 1


@pytest.mark.parametrize("seed", range(12))
def test_pool_report_of_one_subnet_is_its_report(seed: int) -> None:
    import random

    rng = random.Random(seed)
    s = sf.Subnet(f"10.0.0.0/{rng.choice([24, 25, 26, 27, 28])}", seed=seed)
    if rng.random() < 0.5 and s.size >= 64:
        s.reserve(f"10.0.0.{s.size // 2}/{32 - (s.size // 4).bit_length() + 1}", "explicit")
    for _ in range(rng.randrange(0, s.size)):
        try:
            s.allocate_prefix() if rng.random() < 0.2 else s.allocate_ip()
        except sf.InsufficientCapacity:
            break
    one = s.report().to_dict()
    total = SubnetPool([s]).report().to_dict()["total"]
    assert total.pop("subnet_count") == 1 and total.pop("cidrs") == [one["cidr"]]
    for key in ("cidr", "subnet_id"):
        one.pop(key)
    assert total.pop("weighted_fragmentation_pct") == pytest.approx(
        one.pop("weighted_fragmentation_pct")
    )
    assert total == one


# ------------------------------------------------------------ the model test


class Model:
    """One subnet, trivially: a byte per address and its reservation kind."""

    def __init__(self, subnet: sf.Subnet) -> None:
        self.subnet = subnet
        self.first = subnet.first
        self.size = subnet.size
        self.state = bytearray(self.size)
        for off in (0, 1, 2, 3, self.size - 1):
            self.state[off] = AWS
        self.kind = bytearray(self.size)
        self.prefix_resv: list[tuple[int, int]] = []

    def reserve(self, lo: int, hi: int, kind: str) -> None:
        self.kind[lo:hi] = bytes([K_PREFIX if kind == "prefix" else K_EXPLICIT]) * (hi - lo)
        if kind == "prefix":
            self.prefix_resv.append((lo, hi))

    def eligible(self) -> list[int]:
        return [o for o in range(self.size) if not self.state[o] and not self.kind[o]]

    def candidates(self) -> list[int]:
        out = []
        for b in range(self.size // BLOCK):
            lo = b * BLOCK
            if (
                not any(self.state[lo : lo + BLOCK])
                and K_EXPLICIT not in self.kind[lo : lo + BLOCK]
            ):
                out.append(b)
        return out

    def preferred(self) -> list[int]:
        inside = {
            b for lo, hi in self.prefix_resv if hi - lo >= BLOCK for b in range(lo // 16, hi // 16)
        }
        return [b for b in self.candidates() if b in inside]

    def nfree(self) -> int:
        return self.state.count(FREE)

    def can(self, kind: str) -> bool:
        return bool(self.candidates()) if kind == "prefix" else bool(self.eligible())

    def allocations(self) -> list[str]:
        out = []
        for off, s in enumerate(self.state):
            if s == IP:
                out.append(f"{netaddr.IPAddress(self.first + off, 4)}/32")
            elif s == PFX and off % BLOCK == 0:
                out.append(f"{netaddr.IPAddress(self.first + off, 4)}/28")
        return out


MODEL_KEYS: dict[str, Callable[[Model, str], int]] = {
    "most-available": lambda m, kind: len(m.eligible()),
    "in-order": lambda m, kind: 0,
    "most-free-prefixes": lambda m, kind: len(m.candidates()),
}
PLENS = [28, 27, 26, 26, 25, 25]
SLOTS = 8  # subnets live at 10.0.<slot>.0; the rest of each /24 is outside every subnet


def fmt(value: int) -> str:
    return str(netaddr.IPAddress(value, 4))


class PoolMachine(RuleBasedStateMachine):
    pool: SubnetPool

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[int, Model] = {}  # slot -> model, every subnet ever made
        self.members: list[int] = []  # slots in pool order
        self.spares: list[int] = []  # slots the hook or add() may bring in
        self.hook_calls: list[str] = []

    @initialize(
        plens=st.lists(st.sampled_from(PLENS), min_size=1, max_size=4),
        spare_plens=st.lists(st.sampled_from(PLENS), max_size=2),
        policies=st.lists(st.sampled_from(["random", "lowest", "pack"]), min_size=6, max_size=6),
        strategy=st.sampled_from(sorted(STRATEGIES)),
        hook=st.booleans(),
        reservations=st.lists(
            st.tuples(st.integers(0, 5), st.integers(26, 30), st.integers(0, 127),
                      st.sampled_from(["prefix", "explicit"])),
            max_size=4,
        ),
        seed=st.integers(0, 2**32),
    )  # fmt: skip
    def setup(
        self,
        plens: list[int],
        spare_plens: list[int],
        policies: list[str],
        strategy: str,
        hook: bool,
        reservations: list[tuple[int, int, int, str]],
        seed: int,
    ) -> None:
        subnets = []
        for slot, plen in enumerate(plens + spare_plens):
            s = sf.Subnet(
                f"10.0.{slot}.0/{plen}",
                policy=policies[slot],
                seed=seed + slot,
                subnet_id=f"s{slot}",
            )
            self.models[slot] = Model(s)
            subnets.append(s)
        for slot, plen, raw, kind in reservations:
            if slot not in self.models:
                continue
            m = self.models[slot]
            size = 1 << (32 - plen)
            lo = (raw * 4) % m.size // size * size
            hi = lo + size
            if hi > m.size or any(m.kind[lo:hi]):
                continue
            m.subnet.reserve(f"{fmt(m.first + lo)}/{plen}", kind)
            m.reserve(lo, hi, kind)
        self.members = list(range(len(plens)))
        self.spares = list(range(len(plens), len(plens) + len(spare_plens)))
        self.pool = SubnetPool(
            subnets[: len(plens)],
            strategy=strategy,
            on_exhausted=self._hook if hook else None,
        )
        self.strategy = strategy

    def _hook(self, pool: SubnetPool, kind: str) -> sf.Subnet | None:
        assert pool is self.pool
        self.hook_calls.append(kind)
        if not self.spares:
            return None
        return self.models[self.spares[0]].subnet

    # ------------------------------------------------------------ helpers

    def expected(self, kind: str) -> int | None:
        """The slot the strategy picks among those that can serve ``kind``."""
        key = MODEL_KEYS[self.strategy]
        best, best_key = None, 0
        for slot in self.members:
            m = self.models[slot]
            if m.can(kind):
                k = key(m, kind)
                if best is None or k > best_key:
                    best, best_key = slot, k
        return best

    def first_choice(self, kind: str) -> int | None:
        """The strategy's choice ignoring whether it can serve."""
        key = MODEL_KEYS[self.strategy]
        best, best_key = None, 0
        for slot in self.members:
            k = key(self.models[slot], kind)
            if best is None or k > best_key:
                best, best_key = slot, k
        return best

    def slot_of(self, value: int) -> int | None:
        for slot in self.members:
            m = self.models[slot]
            if m.first <= value < m.first + m.size:
                return slot
        return None

    def check_unchanged(self, before: dict[str, Any]) -> None:
        assert self.pool.to_dict() == before

    def auto(self, kind: str, policy: str | None) -> None:
        want = self.expected(kind)
        first = self.first_choice(kind)
        hook_before = len(self.hook_calls)
        hooked = self.pool.on_exhausted is not None
        offered = self.spares[0] if hooked and want is None and self.spares else None
        offer_ok = offered is not None and self.models[offered].can(kind)
        before = self.pool.to_dict()
        offered_before = self.models[offered].subnet.to_dict() if offered is not None else None
        fn = self.pool.allocate_prefix if kind == "prefix" else self.pool.allocate_ip
        error = sf.InsufficientCidrBlocks if kind == "prefix" else sf.InsufficientFreeAddresses
        if want is None and not offer_ok:
            with pytest.raises(error) as info:
                fn(policy=policy)
            msg = str(info.value)
            for slot in self.members:
                m = self.models[slot]
                assert (
                    f"{m.subnet.cidr} (s{slot}) {len(m.candidates())} free /28s, "
                    f"{len(m.eligible())} available and {m.nfree()} free addresses"
                ) in msg
            self.check_unchanged(before)
            if offered is not None:
                assert self.models[offered].subnet.to_dict() == offered_before
            assert len(self.hook_calls) == hook_before + (1 if hooked else 0)
            return
        result = fn(policy=policy)
        if want is None:
            assert offered is not None
            want = offered
            self.spares.remove(offered)
            self.members.append(offered)
            assert len(self.hook_calls) == hook_before + 1
        else:
            assert len(self.hook_calls) == hook_before  # not called while one can serve
            # Spill-over happens exactly when the first choice cannot serve.
            assert (want != first) == (not self.models[first].can(kind))  # type: ignore[index]
        m = self.models[want]
        effective = policy or m.subnet.policy
        if kind == "prefix":
            assert isinstance(result, netaddr.IPNetwork) and result.prefixlen == 28
            assert result in m.subnet.cidr  # never crosses a subnet
            block = (result.value - m.first) // BLOCK
            tier = m.preferred() or m.candidates()
            assert block in tier
            if effective == "lowest":
                assert block == tier[0]
            m.state[block * BLOCK : (block + 1) * BLOCK] = bytes([PFX]) * BLOCK
        else:
            off = int(result) - m.first
            assert 0 <= off < m.size
            eligible = m.eligible()
            assert off in eligible
            if effective == "lowest":
                assert off == eligible[0]
            m.state[off] = IP

    # -------------------------------------------------------------- rules

    @rule(policy=st.none() | st.sampled_from(["lowest", "random", "pack"]))
    def allocate_ip(self, policy: str | None) -> None:
        self.auto("ip", policy)

    @rule(policy=st.none() | st.sampled_from(["lowest", "random", "pack"]))
    def allocate_prefix(self, policy: str | None) -> None:
        self.auto("prefix", policy)

    @precondition(lambda self: any(self.models[s].allocations() for s in self.members))
    @rule(data=st.data(), form=st.sampled_from(["str", "object"]))
    def release(self, data: st.DataObject, form: str) -> None:
        choices = [(s, a) for s in self.members for a in self.models[s].allocations()]
        slot, cidr = data.draw(st.sampled_from(choices))
        arg: object = cidr if form == "str" else netaddr.IPNetwork(cidr)
        if form == "str" and cidr.endswith("/32") and data.draw(st.booleans()):
            arg = cidr[:-3]
        self.pool.release(arg)  # type: ignore[arg-type]
        m = self.models[slot]
        net = netaddr.IPNetwork(cidr)
        off = net.value - m.first
        m.state[off : off + net.size] = bytes(net.size)

    @rule(slot=st.integers(0, SLOTS - 1), offset=st.integers(0, 255))
    def release_nothing(self, slot: int, offset: int) -> None:
        value = int(netaddr.IPAddress(f"10.0.{slot}.0")) + offset
        owner = self.slot_of(value)
        if owner is not None and self.models[owner].state[value - self.models[owner].first] == IP:
            return  # a /32 inside a prefix is not an allocation: NotAllocated too
        before = self.pool.to_dict()
        with pytest.raises(sf.NotAllocated):
            self.pool.release(fmt(value))
        self.check_unchanged(before)

    @rule(slot=st.integers(0, SLOTS - 1), offset=st.integers(0, 255))
    def allocate_explicit_ip(self, slot: int, offset: int) -> None:
        value = int(netaddr.IPAddress(f"10.0.{slot}.0")) + offset
        owner = self.slot_of(value)
        before = self.pool.to_dict()
        expected: type[Exception] | None
        if owner is None:
            expected = sf.OutOfSubnet
        else:
            st_ = self.models[owner].state[value - self.models[owner].first]
            expected = {FREE: None, AWS: sf.ReservedAddress}.get(st_, sf.AddressInUse)
        if expected is not None:
            with pytest.raises(expected):
                self.pool.allocate_ip(fmt(value))
            self.check_unchanged(before)
            return
        assert self.pool.allocate_ip(fmt(value)) == netaddr.IPAddress(value)
        assert owner is not None
        self.models[owner].state[value - self.models[owner].first] = IP

    @rule(slot=st.integers(0, SLOTS - 1), block=st.integers(0, 15))
    def allocate_explicit_prefix(self, slot: int, block: int) -> None:
        value = int(netaddr.IPAddress(f"10.0.{slot}.0")) + block * BLOCK
        owner = self.slot_of(value)
        before = self.pool.to_dict()
        expected: type[Exception] | None = None
        if owner is None:
            expected = sf.OutOfSubnet
        else:
            m = self.models[owner]
            lo = value - m.first
            if AWS in m.state[lo : lo + BLOCK]:
                expected = sf.ReservedAddress
            elif any(m.state[lo : lo + BLOCK]):
                expected = sf.AddressInUse
        if expected is not None:
            with pytest.raises(expected):
                self.pool.allocate_prefix(f"{fmt(value)}/28")
            self.check_unchanged(before)
            return
        assert owner is not None
        self.pool.allocate_prefix(f"{fmt(value)}/28")
        m = self.models[owner]
        m.state[value - m.first : value - m.first + BLOCK] = bytes([PFX]) * BLOCK

    @precondition(lambda self: bool(self.spares))
    @rule()
    def add_spare(self) -> None:
        slot = self.spares.pop(0)
        self.pool.add(self.models[slot].subnet)
        self.members.append(slot)

    @precondition(lambda self: len(self.members) > 1)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        slot = data.draw(st.sampled_from(self.members))
        assert self.pool.remove(f"s{slot}") is self.models[slot].subnet
        self.members.remove(slot)

    @rule()
    def round_trip(self) -> None:
        data = json.loads(json.dumps(self.pool.to_dict()))
        again = SubnetPool.from_dict(data)
        assert again.to_dict() == data
        assert again.free_prefix_count() == self.pool.free_prefix_count()

    @rule()
    def report(self) -> None:
        rep = self.pool.report()
        ms = [self.models[s] for s in self.members]
        assert [r.cidr for r in rep.subnets] == [str(m.subnet.cidr) for m in ms]
        total = rep.total
        assert total["addresses"]["total"] == sum(m.size for m in ms)
        assert total["addresses"]["free"] == sum(m.nfree() for m in ms)
        assert total["addresses"]["available"] == sum(len(m.eligible()) for m in ms)
        assert total["free_prefixes"] == sum(len(m.candidates()) for m in ms)
        assert total["can_fit_prefix"] == any(m.candidates() for m in ms)
        assert total["blocks"]["total"] == sum(m.size // BLOCK for m in ms)

    # ---------------------------------------------------------- invariants

    @invariant()
    def counts_aggregate(self) -> None:
        ms = [self.models[s] for s in self.members]
        assert [s.subnet_id for s in self.pool] == [f"s{s}" for s in self.members]
        assert self.pool.free_ip_count() == sum(m.nfree() for m in ms)
        assert self.pool.available_ip_count() == sum(len(m.eligible()) for m in ms)
        assert self.pool.free_prefix_count() == sum(len(m.candidates()) for m in ms)
        assert self.pool.can_fit_prefix() == any(m.candidates() for m in ms)
        for kind in ("ip", "prefix"):
            want = self.expected(kind)
            got = self.pool.choose(kind)
            assert (got is None) if want is None else (got is self.models[want].subnet)
        for m in ms:
            assert m.subnet.free_ip_count() == m.nfree()
            assert [str(a) for a in m.subnet.allocations()] == m.allocations()


TestPoolMachine = PoolMachine.TestCase
