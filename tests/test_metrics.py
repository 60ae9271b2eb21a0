"""The fragmentation report against independent recomputations.

A hypothesis state machine drives a :class:`Subnet` and a trivially correct
model (one byte per address: free, /32, inside a prefix, AWS-reserved; one byte
per address naming the reservation kind over it) with the same random
allocations, releases and reservations on /28 to /22 subnets. After every step
the report must equal a naive recomputation from the model (per-block loops,
aligned blocks tested one by one, ``ipaddress.summarize_address_range``), and
the block counts and score must equal an independent reimplementation of the
AWS support tool's documented method (sets of address strings).
"""

from __future__ import annotations

import ipaddress
import math
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import subnetfrag as sf
from subnetfrag.metrics import aws_fragmentation_score, aws_severity

M_FREE, M_IP, M_PFX, M_AWS = 0, 1, 2, 3
K_NONE, K_PREFIX, K_EXPLICIT = 0, 1, 2
PLENS = [28, 27, 26, 26, 25, 25, 24, 24, 23, 22]
BASE = int(ipaddress.IPv4Address("10.20.0.0"))
REPORT_KEYS = {
    "cidr",
    "subnet_id",
    "addresses",
    "blocks",
    "free_prefixes",
    "can_fit_prefix",
    "aws_fragmentation_score",
    "aws_severity",
    "stranded_ips",
    "largest_free_block",
    "free_block_histogram",
    "unusable_free_index",
    "fragmentation_index",
    "weighted_fragmentation_pct",
}


# --------------------------------------------------------------- the model


class Model:
    """One byte per address, one per address for the reservation kind."""

    def __init__(self, first: int, plen: int) -> None:
        self.first = first
        self.plen = plen
        self.size = 1 << (32 - plen)
        self.st = bytearray(self.size)
        for off in (0, 1, 2, 3, self.size - 1):
            self.st[off] = M_AWS
        self.kind = bytearray(self.size)
        self.resv: list[tuple[int, int, int]] = []

    def ip(self, off: int) -> str:
        return str(ipaddress.IPv4Address(self.first + off))

    def cidr(self, off: int, n: int) -> str:
        return f"{self.ip(off)}/{32 - n.bit_length() + 1}"


def naive_report(model: Model, subnet_id: str | None) -> dict[str, Any]:
    """Every metric recomputed from the model with plain loops."""
    size, st, kind = model.size, model.st, model.kind
    nb = size // 16
    free = [s == M_FREE for s in st]
    n_free = sum(free)
    allocated = sum(1 for s in st if s in (M_IP, M_PFX))
    available = sum(1 for i in range(size) if free[i] and kind[i] == K_NONE)

    counts = dict.fromkeys(("prefix_allocated", "aws_reserved", "free", "full", "fragmented"), 0)
    in_prefix = in_explicit = free_prefixes = wholly_free = 0
    for b in range(nb):
        cells = st[16 * b : 16 * b + 16]
        if all(s == M_PFX for s in cells):
            state = "prefix_allocated"
        elif any(s == M_AWS for s in cells):
            state = "aws_reserved"
        elif not any(s in (M_IP, M_PFX) for s in cells):
            state = "free"
        elif not any(s == M_FREE for s in cells):
            state = "full"
        else:
            state = "fragmented"
        counts[state] += 1
        lo, hi = 16 * b, 16 * b + 16
        if any(k == K_PREFIX and r_lo <= lo and r_hi >= hi for r_lo, r_hi, k in model.resv):
            in_prefix += 1
        explicit = any(k == K_EXPLICIT and r_lo < hi and r_hi > lo for r_lo, r_hi, k in model.resv)
        in_explicit += explicit
        if all(s == M_FREE for s in cells):
            wholly_free += 1
            free_prefixes += not explicit

    # Buddy decomposition: free aligned blocks whose parent is not wholly free.
    top = size.bit_length() - 1
    hist = {f"/{32 - j}": 0 for j in range(16, -1, -1)}
    largest = None
    for j in range(top + 1):
        n = 1 << j
        for a in range(0, size, n):
            if not all(free[a : a + n]):
                continue
            if largest is None or j > largest[0]:
                largest = (j, a)
            parent = a & ~(2 * n - 1)
            if j == top or not all(free[parent : parent + 2 * n]):
                hist[f"/{32 - j}"] += 1
    assert hist == summarized_histogram(model)

    suitable = sum(hist[f"/{32 - j}"] << (j - 4) for j in range(4, 17))
    total_blocks = sum(hist.values())
    penalty = {"/32": 93.75, "/31": 87.5, "/30": 75.0, "/29": 50.0}
    if n_free:
        unusable = (n_free - suitable * 16) / n_free
        weighted = sum(hist[k] * 2 ** (32 - int(k[1:])) * p for k, p in penalty.items()) / n_free
    else:
        unusable, weighted = 1.0, 0.0
    if suitable:
        frag_index = None
    elif n_free:
        frag_index = max(0.0, 1 - (1 + n_free / 16) / total_blocks)
    else:
        frag_index = 0.0

    candidates = counts["free"] + counts["fragmented"] + counts["full"]
    score = (
        math.ceil(Fraction(100 * (counts["fragmented"] + counts["full"]), candidates))
        if candidates
        else None
    )
    severity = None
    if score is not None:
        if score == 100:
            severity = "CRITICAL" if counts["fragmented"] else "EXHAUSTED"
        else:
            severity = ["HEALTHY", "LOW", "MEDIUM", "HIGH"][
                0 if score < 25 else 1 if score < 50 else 2 if score < 75 else 3
            ]
    return {
        "cidr": f"{model.ip(0)}/{model.plen}",
        "subnet_id": subnet_id,
        "addresses": {
            "total": size,
            "aws_reserved": 5,
            "allocated": allocated,
            "free": size - 5 - allocated,
            "available": available,
        },
        "blocks": {
            "total": nb,
            **counts,
            "in_prefix_reservation": in_prefix,
            "in_explicit_reservation": in_explicit,
        },
        "free_prefixes": free_prefixes,
        "can_fit_prefix": free_prefixes > 0,
        "aws_fragmentation_score": score,
        "aws_severity": severity,
        "stranded_ips": n_free - 16 * wholly_free,
        "largest_free_block": None if largest is None else model.cidr(largest[1], 1 << largest[0]),
        "free_block_histogram": hist,
        "unusable_free_index": unusable,
        "fragmentation_index": frag_index,
        "weighted_fragmentation_pct": weighted,
    }


def summarized_histogram(model: Model) -> dict[str, int]:
    """The histogram a second way: maximal free runs split by ipaddress."""
    hist = {f"/{32 - j}": 0 for j in range(16, -1, -1)}
    run_start = None
    for i in range(model.size + 1):
        is_free = i < model.size and model.st[i] == M_FREE
        if is_free and run_start is None:
            run_start = i
        elif not is_free and run_start is not None:
            lo = ipaddress.IPv4Address(model.first + run_start)
            hi = ipaddress.IPv4Address(model.first + i - 1)
            for net in ipaddress.summarize_address_range(lo, hi):
                hist[f"/{net.prefixlen}"] += 1
            run_start = None
    return hist


def aws_tool(model: Model) -> tuple[dict[str, int], int | None]:
    """The AWS support tool's documented method, independently: sets of
    address strings, every /28 classified, the score in floating point."""
    network = ipaddress.ip_network(f"{model.ip(0)}/{model.plen}")
    used = {model.ip(i) for i in range(model.size) if model.st[i] == M_IP}
    prefixes = {
        str(ipaddress.ip_network(f"{model.ip(b)}/28"))
        for b in range(0, model.size, 16)
        if model.st[b] == M_PFX
    }
    prefix_ips = {str(ip) for p in prefixes for ip in ipaddress.ip_network(p)}
    reserved = {str(network.network_address + i) for i in range(4)} | {
        str(network.broadcast_address)
    }
    free = {str(ip) for ip in network} - used - reserved - prefix_ips
    counts = dict.fromkeys(("prefix_allocated", "aws_reserved", "free", "full", "fragmented"), 0)
    for block in network.subnets(new_prefix=28):
        ips = {str(ip) for ip in block}
        if str(block) in prefixes:
            counts["prefix_allocated"] += 1
        elif ips & reserved:
            counts["aws_reserved"] += 1
        elif not ips & used:
            counts["free"] += 1
        elif not ips & free:
            counts["full"] += 1
        else:
            counts["fragmented"] += 1
    cand = counts["free"] + counts["fragmented"] + counts["full"]
    score = math.ceil((counts["fragmented"] + counts["full"]) / cand * 100) if cand else None
    return counts, score


def assert_report_matches(subnet: sf.Subnet, model: Model) -> None:
    got = subnet.report().to_dict()
    want = naive_report(model, subnet.subnet_id)
    assert set(got) == REPORT_KEYS
    for key in ("unusable_free_index", "fragmentation_index", "weighted_fragmentation_pct"):
        g, w = got.pop(key), want.pop(key)
        assert (g is None) == (w is None), key
        if g is not None:
            assert g == pytest.approx(w, rel=1e-12, abs=1e-12), key
    assert got == want
    counts, float_score = aws_tool(model)
    blocks = subnet.report().blocks.to_dict()
    assert {k: blocks[k] for k in counts} == counts
    ours = subnet.report().aws_fragmentation_score
    if float_score is None:
        assert ours is None
    else:
        # The tool's float can land one above the exact ceiling, only when
        # the exact ratio is a whole number.
        assert ours is not None and float_score in (ours, ours + 1)
        if float_score != ours:
            cand = counts["free"] + counts["fragmented"] + counts["full"]
            assert 100 * (counts["fragmented"] + counts["full"]) % cand == 0


# ------------------------------------------------------- the state machine


class ReportMachine(RuleBasedStateMachine):
    """Random allocations, releases and reservations; the report checked after
    every step."""

    subnet: sf.Subnet
    model: Model

    @initialize(plen=st.sampled_from(PLENS), named=st.booleans())
    def start(self, plen: int, named: bool) -> None:
        first = BASE
        self.subnet = sf.Subnet(
            f"{ipaddress.IPv4Address(first)}/{plen}", subnet_id="subnet-0abc" if named else None
        )
        self.model = Model(first, plen)

    def _free_offsets(self) -> list[int]:
        return [i for i, s in enumerate(self.model.st) if s == M_FREE]

    @rule(pick=st.integers(0, 1 << 16))
    def allocate_ip(self, pick: int) -> None:
        free = self._free_offsets()
        if free:
            off = free[pick % len(free)]
            self.subnet.allocate_ip(self.model.ip(off))
            self.model.st[off] = M_IP

    @rule(count=st.integers(1, 300), seed=st.integers(0, 2**16))
    def scatter(self, count: int, seed: int) -> None:
        free = self._free_offsets()
        for off in random.Random(seed).sample(free, min(count, len(free))):
            self.subnet.allocate_ip(self.model.ip(off))
            self.model.st[off] = M_IP

    @rule(pick=st.integers(0, 1 << 16))
    def fill_block(self, pick: int) -> None:
        nb = self.model.size // 16
        b = pick % nb
        for off in range(16 * b, 16 * b + 16):
            if self.model.st[off] == M_FREE:
                self.subnet.allocate_ip(self.model.ip(off))
                self.model.st[off] = M_IP

    @rule(pick=st.integers(0, 1 << 16))
    def allocate_prefix(self, pick: int) -> None:
        blocks = [
            b
            for b in range(0, self.model.size, 16)
            if all(s == M_FREE for s in self.model.st[b : b + 16])
        ]
        if blocks:
            b = blocks[pick % len(blocks)]
            self.subnet.allocate_prefix(self.model.cidr(b, 16))
            self.model.st[b : b + 16] = bytes([M_PFX]) * 16

    @rule(pick=st.integers(0, 1 << 16), count=st.integers(1, 40))
    def release(self, pick: int, count: int) -> None:
        st_ = self.model.st
        for _ in range(count):
            held = [i for i, s in enumerate(st_) if s == M_IP or (s == M_PFX and i % 16 == 0)]
            if not held:
                return
            off = held[pick % len(held)]
            pick = pick * 31 + 7
            if st_[off] == M_IP:
                self.subnet.release(self.model.ip(off))
                st_[off] = M_FREE
            else:
                self.subnet.release(self.model.cidr(off, 16))
                st_[off : off + 16] = bytes(16)

    @rule(order=st.integers(0, 8), pick=st.integers(0, 1 << 16), explicit=st.booleans())
    def reserve(self, order: int, pick: int, explicit: bool) -> None:
        n = 1 << order
        if n > self.model.size:
            return
        lo = (pick % (self.model.size // n)) * n
        if any(k != K_NONE for k in self.model.kind[lo : lo + n]):
            return
        kind = K_EXPLICIT if explicit else K_PREFIX
        self.subnet.reserve(self.model.cidr(lo, n), "explicit" if explicit else "prefix")
        self.model.kind[lo : lo + n] = bytes([kind]) * n
        self.model.resv.append((lo, lo + n, kind))

    @rule(pick=st.integers(0, 1 << 16))
    def unreserve(self, pick: int) -> None:
        if self.model.resv:
            lo, hi, _ = self.model.resv.pop(pick % len(self.model.resv))
            self.subnet.unreserve(self.model.cidr(lo, hi - lo))
            self.model.kind[lo:hi] = bytes(hi - lo)

    @invariant()
    def report_matches(self) -> None:
        assert_report_matches(self.subnet, self.model)


TestReportMachine = ReportMachine.TestCase


# ------------------------------------------------------------- edge cases


def build(cidr: str) -> tuple[sf.Subnet, Model]:
    net = ipaddress.ip_network(cidr)
    return sf.Subnet(cidr), Model(int(net.network_address), net.prefixlen)


def test_score_is_integer_ceiling_where_float_says_29() -> None:
    # 32 blocks: 2 AWS-reserved, 5 prefixes, 25 candidates of which 7 spoiled.
    s, model = build("10.0.0.0/23")
    for b in range(1, 6):
        s.allocate_prefix(model.cidr(16 * b, 16))
        model.st[16 * b : 16 * b + 16] = bytes([M_PFX]) * 16
    for b in range(6, 13):
        s.allocate_ip(model.ip(16 * b + 5))
        model.st[16 * b + 5] = M_IP
    r = s.report()
    assert (r.blocks.free, r.blocks.fragmented, r.blocks.full) == (18, 7, 0)
    assert math.ceil(7 / 25 * 100) == 29  # the tool's floating point
    assert r.aws_fragmentation_score == 28
    assert r.aws_severity == "LOW"
    counts, float_score = aws_tool(model)
    assert float_score == 29 and counts["fragmented"] == 7
    assert_report_matches(s, model)


@pytest.mark.parametrize("cidr", ["10.0.0.0/28", "10.0.0.32/27"])
def test_tiny_subnets_have_no_candidate_block(cidr: str) -> None:
    s, model = build(cidr)
    r = s.report()
    assert r.blocks.aws_reserved == r.blocks.total
    assert r.aws_fragmentation_score is None and r.aws_severity is None
    assert r.free_prefixes == 0 and not r.can_fit_prefix
    assert r.fragmentation_index is not None  # no /28 fits: defined
    assert_report_matches(s, model)


def test_tiny_subnet_free_space() -> None:
    s, model = build("10.0.0.0/28")
    r = s.report()
    # Offsets 4..14 are free: /30 at 4, /30 at 8, /31 at 12, /32 at 14.
    assert r.addresses.free == 11
    assert r.histogram()["/30"] == 2 and r.histogram()["/31"] == 1 and r.histogram()["/32"] == 1
    assert r.largest_free_block == "10.0.0.4/30"
    assert r.stranded_ips == 11 and r.unusable_free_index == 1.0
    assert_report_matches(s, model)


def test_empty_subnet() -> None:
    s, model = build("10.0.0.0/24")
    r = s.report()
    assert r.aws_fragmentation_score == 0 and r.aws_severity == "HEALTHY"
    assert r.blocks.free == 14 and r.free_prefixes == 14
    assert r.fragmentation_index is None
    assert r.largest_free_block == "10.0.0.64/26"
    assert_report_matches(s, model)


def test_full_subnet_is_exhausted() -> None:
    s, model = build("10.0.0.0/26")
    for off in range(model.size):
        if model.st[off] == M_FREE:
            s.allocate_ip(model.ip(off))
            model.st[off] = M_IP
    r = s.report()
    assert r.blocks.full == 2 and r.blocks.fragmented == 0
    assert r.aws_fragmentation_score == 100 and r.aws_severity == "EXHAUSTED"
    assert r.addresses.free == 0 and r.largest_free_block is None
    assert r.unusable_free_index == 1.0 and r.fragmentation_index == 0.0
    assert r.weighted_fragmentation_pct == 0.0
    assert set(r.histogram().values()) == {0}
    assert_report_matches(s, model)


def test_every_candidate_block_prefix_allocated() -> None:
    s, model = build("10.0.0.0/24")
    for b in range(1, 15):
        s.allocate_prefix(model.cidr(16 * b, 16))
        model.st[16 * b : 16 * b + 16] = bytes([M_PFX]) * 16
    r = s.report()
    assert r.blocks.prefix_allocated == 14
    assert r.aws_fragmentation_score is None and r.aws_severity is None
    assert_report_matches(s, model)


def test_critical_needs_fragmented_blocks() -> None:
    s, model = build("10.0.0.0/25")
    for b in range(1, 7):
        s.allocate_ip(model.ip(16 * b + 1))
        model.st[16 * b + 1] = M_IP
    r = s.report()
    assert r.aws_fragmentation_score == 100 and r.aws_severity == "CRITICAL"
    assert not r.can_fit_prefix
    # No /28 fits: the fragmentation index is defined, and high.
    assert r.fragmentation_index is not None and r.fragmentation_index > 0.5
    assert_report_matches(s, model)


def test_explicit_reservation_free_blocks_are_not_free_prefixes() -> None:
    s, _ = build("10.0.0.0/24")
    s.reserve("10.0.0.64/26", "explicit")
    s.reserve("10.0.0.128/27", "prefix")
    r = s.report()
    assert r.blocks.free == 14 and r.free_prefixes == 10
    assert r.blocks.in_explicit_reservation == 4 and r.blocks.in_prefix_reservation == 2
    assert r.addresses.available == 251 - 64 - 32
    assert r.aws_fragmentation_score == 0  # the tool counts them as candidates


@pytest.mark.parametrize(
    ("score", "fragmented", "severity"),
    [
        (0, 0, "HEALTHY"),
        (24, 1, "HEALTHY"),
        (25, 1, "LOW"),
        (49, 1, "LOW"),
        (50, 1, "MEDIUM"),
        (74, 1, "MEDIUM"),
        (75, 1, "HIGH"),
        (99, 1, "HIGH"),
        (100, 1, "CRITICAL"),
        (100, 0, "EXHAUSTED"),
        (None, 0, None),
    ],
)
def test_severity_bands(score: int | None, fragmented: int, severity: str | None) -> None:
    assert aws_severity(score, fragmented) == severity


def test_score_formula() -> None:
    assert aws_fragmentation_score(18, 7, 0) == 28
    assert aws_fragmentation_score(0, 0, 0) is None
    assert aws_fragmentation_score(1, 0, 199) == 100  # 99.5 rounds up
    assert aws_fragmentation_score(509, 1, 0) == 1  # any contention shows
    with pytest.raises(ValueError):
        aws_fragmentation_score(-1, 0, 0)


def test_report_is_immutable_and_json_ready() -> None:
    import dataclasses
    import json

    s, _ = build("10.0.0.0/24")
    r = s.report()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.free_prefixes = 3  # type: ignore[misc]
    assert json.loads(json.dumps(r.to_dict())) == r.to_dict()
    assert list(r.to_dict()["free_block_histogram"]) == [f"/{p}" for p in range(16, 33)]
