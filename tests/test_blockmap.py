"""The block map and its text rendering.

``block_map()`` is checked against a per-block recomputation from plain lists
of what was allocated and reserved; ``render_block_map()`` is parsed back
(folded rows unfolded, summary digits recounted) and compared with the map.
"""

from __future__ import annotations

import ipaddress
import random
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import subnetfrag as sf
from subnetfrag.blockmap import (
    BLOCK_STATES,
    BlockInfo,
    aligned_levels,
    block_map,
    render_block_map,
)

GLYPH = {
    "free": "□",
    "fragmented": "▣",
    "full": "■",
    "aws_reserved": "R",
    "prefix_allocated": "A",
}


def random_subnet(
    plen: int, seed: int
) -> tuple[sf.Subnet, dict[int, str], list[tuple[int, int, str]]]:
    """A subnet in a random state, with what was done to it: address offset ->
    "ip" / "pfx", and reservations (lo, hi, kind)."""
    rng = random.Random(seed)
    net = ipaddress.ip_network(f"10.9.0.0/{plen}")
    size = net.num_addresses
    s = sf.Subnet(str(net))
    held: dict[int, str] = {}
    resv: list[tuple[int, int, str]] = []
    for _ in range(rng.randrange(4)):
        n = 1 << rng.randrange(0, min(8, size.bit_length()))
        lo = rng.randrange(size // n) * n
        if all(not (lo < r_hi and r_lo < lo + n) for r_lo, r_hi, _ in resv):
            kind = rng.choice(["prefix", "explicit"])
            s.reserve(f"{net.network_address + lo}/{33 - n.bit_length()}", kind)
            resv.append((lo, lo + n, kind))
    reserved = {0, 1, 2, 3, size - 1}
    for b in range(size // 16):
        if rng.random() < 0.15 and all(b * 16 + i not in reserved for i in range(16)):
            s.allocate_prefix(f"{net.network_address + 16 * b}/28")
            held.update(dict.fromkeys(range(16 * b, 16 * b + 16), "pfx"))
    density = rng.choice([0.02, 0.1, 0.4, 0.9, 1.0])
    for off in range(size):
        if off not in reserved and off not in held and rng.random() < density:
            s.allocate_ip(str(net.network_address + off))
            held[off] = "ip"
    return s, held, resv


def naive_blocks(
    plen: int, held: dict[int, str], resv: list[tuple[int, int, str]]
) -> list[BlockInfo]:
    size = 1 << (32 - plen)
    base = ipaddress.IPv4Address("10.9.0.0")
    out = []
    for b in range(size // 16):
        offs = range(16 * b, 16 * b + 16)
        aws = [o for o in offs if o in (0, 1, 2, 3, size - 1)]
        allocated = [o for o in offs if o in held]
        if all(held.get(o) == "pfx" for o in offs):
            state = "prefix_allocated"
        elif aws:
            state = "aws_reserved"
        elif not allocated:
            state = "free"
        elif len(allocated) == 16:
            state = "full"
        else:
            state = "fragmented"
        lo, hi = 16 * b, 16 * b + 16
        out.append(
            BlockInfo(
                b,
                f"{base + lo}/28",
                state,
                len(aws) + len(allocated),
                any(k == "prefix" and r_lo <= lo and r_hi >= hi for r_lo, r_hi, k in resv),
                any(k == "explicit" and r_lo < hi and r_hi > lo for r_lo, r_hi, k in resv),
            )
        )
    return out


def display(info: BlockInfo) -> str:
    if info.state == "free" and info.in_prefix_reservation:
        return "P"
    if info.state == "free" and info.in_explicit_reservation:
        return "X"
    return GLYPH[info.state]


def parse_rows(text: str, unit: int) -> dict[int, list[str]]:
    """Rendered rows back to {first address: cells}, unfolding folded runs."""
    rows: dict[int, list[str]] = {}
    last: tuple[int, list[str]] | None = None
    for line in text.splitlines()[2:]:
        fold = re.match(r"^\s+\.\.\. (\d+) more identical rows, up to (\S+)$", line)
        if fold:
            assert last is not None
            start, cells = last
            # A row is 16 cells of `unit` blocks of 16 addresses each.
            step = 16 * unit * 16
            for k in range(1, int(fold.group(1)) + 1):
                rows[start + k * step] = cells
            end = int(ipaddress.IPv4Address(fold.group(2)))
            assert end == start + (int(fold.group(1)) + 1) * step - 1
            continue
        addr, _, cells_text = line.partition("  ")
        start = int(ipaddress.IPv4Address(addr.strip()))
        cells = cells_text.strip().split(" ")
        rows[start] = cells
        last = (start, cells)
    return rows


@given(plen=st.sampled_from([28, 27, 26, 25, 24, 23, 22]), seed=st.integers(0, 2**32))
def test_block_map_matches_naive(plen: int, seed: int) -> None:
    s, held, resv = random_subnet(plen, seed)
    got = block_map(s)
    assert got == naive_blocks(plen, held, resv)
    assert got == s.block_map()
    counts = s.report().blocks.to_dict()
    for state in BLOCK_STATES:
        assert counts[state] == sum(1 for i in got if i.state == state)


@given(plen=st.sampled_from([28, 26, 24, 22, 20]), seed=st.integers(0, 2**32))
@example(plen=20, seed=88446)  # folds identical rows: the unfolding step was once wrong
def test_full_render_round_trips(plen: int, seed: int) -> None:
    s, held, resv = random_subnet(plen, seed)
    infos = naive_blocks(plen, held, resv)
    text = render_block_map(s, mode="full")
    rows = parse_rows(text, 1)
    base = int(ipaddress.IPv4Address("10.9.0.0"))
    cells = [c for start in sorted(rows) for c in rows[start]]
    assert sorted(rows)[0] == base
    assert cells == [display(i) for i in infos]
    assert render_block_map(infos, mode="full") == text


@given(seed=st.integers(0, 2**32), plen=st.sampled_from([16, 18, 20]))
def test_summary_render_counts_free_blocks_per_24(seed: int, plen: int) -> None:
    rng = random.Random(seed)
    s = sf.Subnet(f"10.9.0.0/{plen}")
    for _ in range(rng.randrange(0, s.size // 8)):
        s.allocate_ip(policy="random")
    for _ in range(rng.randrange(0, 40)):
        if s.can_fit_prefix():
            s.allocate_prefix(policy="random")
    infos = block_map(s)
    text = render_block_map(s, mode="summary")
    rows = parse_rows(text, 16)
    cells = [c for start in sorted(rows) for c in rows[start]]
    assert len(cells) == len(infos) // 16
    for g, cell in enumerate(cells):
        group = infos[16 * g : 16 * g + 16]
        symbols = {display(i) for i in group}
        if len(symbols) == 1:
            assert cell == symbols.pop()
        else:
            free = sum(1 for i in group if i.state == "free")
            assert cell == "0123456789abcdef"[free]


def test_a_16_stays_readable() -> None:
    s = sf.Subnet("10.0.0.0/16", seed=5)
    for _ in range(20_000):
        s.allocate_ip()
    text = render_block_map(s)  # auto: summary by /24
    lines = text.splitlines()
    assert len(lines) <= 2 + 16
    assert all(len(line) <= 80 for line in lines)
    assert "4,096 blocks" in lines[0] and "one /24" in lines[0]
    # The full drawing folds runs of identical rows: an empty /16 is short.
    empty = render_block_map(sf.Subnet("10.0.0.0/16"), mode="full")
    assert len(empty.splitlines()) == 2 + 4
    assert "253 more identical rows, up to 10.0.254.255" in empty


def test_small_map_exact_text() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.reserve("10.0.0.128/27", "prefix")
    s.reserve("10.0.0.224/28", "explicit")
    s.allocate_prefix("10.0.0.32/28")
    s.allocate_ip("10.0.0.20")
    for i in range(16):
        s.allocate_ip(f"10.0.0.{48 + i}")
    expected = (
        "16 blocks; each cell one /28; each row a /24\n"
        "□ free 8  ▣ fragmented 1  ■ full 1  R AWS-reserved 2  A prefix-allocated 1  "
        "P free, prefix-reserved 2  X free, explicit-reserved 1\n"
        "10.0.0.0  R ▣ A ■ □ □ □ □ P P □ □ □ □ X R\n"
    )
    # The legend counts P and X apart from free.
    assert render_block_map(s) == expected
    ascii_text = render_block_map(s, ascii=True, legend=False)
    assert ascii_text == "10.0.0.0  R % A # . . . . P P . . . . X R\n"
    assert ascii_text.isascii()


def test_colour_only_when_asked() -> None:
    s = sf.Subnet("10.0.0.0/26")
    assert "\x1b[" not in render_block_map(s)
    coloured = render_block_map(s, color=True)
    assert "\x1b[32m□\x1b[0m" in coloured
    assert re.sub(r"\x1b\[\d+m", "", coloured) == render_block_map(s)


def test_fold_off_draws_every_row() -> None:
    s = sf.Subnet("10.0.0.0/20")
    assert len(render_block_map(s, fold=False, legend=False).splitlines()) == 16
    assert len(render_block_map(s, legend=False).splitlines()) == 4


def test_render_rejects_bad_arguments() -> None:
    s = sf.Subnet("10.0.0.0/24")
    with pytest.raises(ValueError, match="mode"):
        render_block_map(s, mode="tiny")
    with pytest.raises(ValueError, match="no blocks"):
        render_block_map([])


@given(bits=st.lists(st.booleans(), min_size=64, max_size=64))
def test_aligned_levels(bits: list[bool]) -> None:
    flags = bytes(bits)
    levels = aligned_levels(flags, 6)
    for j, level in enumerate(levels):
        n = 1 << j
        assert level == bytes(all(bits[i : i + n]) for i in range(0, 64, n))
    with pytest.raises(ValueError):
        aligned_levels(flags[:48], 5)


def test_block_info_to_dict() -> None:
    info = block_map(sf.Subnet("10.0.0.0/28"))[0]
    assert info.to_dict() == {
        "position": 0,
        "cidr": "10.0.0.0/28",
        "state": "aws_reserved",
        "used": 5,
        "in_prefix_reservation": False,
        "in_explicit_reservation": False,
    }
