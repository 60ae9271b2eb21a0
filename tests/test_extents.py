"""Direct tests of the integer core, :class:`subnetfrag.extents.ExtentMap`.

The Subnet layer always pins the first and the last block (AWS-reserved
addresses), so the core's edge cases at offset 0 and at the end of the map, and
its refusals of corrupting mutations, are tested here directly.
"""

from __future__ import annotations

import re
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnetfrag.extents import (
    BLOCK,
    BLOCK_USED,
    EXCLUDED,
    FREE,
    GENERAL,
    IN_RESERVATION,
    PINNED,
    PREFERRED,
    USED,
    ExtentMap,
)


def snapshot(m: ExtentMap) -> tuple[Any, ...]:
    """Everything observable about the map, for before/after comparisons."""
    return (
        bytes(m.address_states()),
        m.nfree,
        m.navailable,
        m.ncandidates,
        list(m.free_extents()),
        list(m.allocations()),
        list(m.reservations()),
        [list(m.candidate_runs(t)) for t in (PREFERRED, GENERAL)],
        [m.tier_of_block(b) for b in range(m.nblocks)],
        [m.used_in_block(b) for b in range(m.nblocks)],
    )


def refused(m: ExtentMap, fn: Any, *args: Any, exc: type[Exception] = ValueError) -> str:
    """``fn(*args)`` raises ``exc`` and leaves the map exactly as it was."""
    before = snapshot(m)
    with pytest.raises(exc) as info:
        fn(*args)
    assert type(info.value) is exc
    assert snapshot(m) == before
    m._check()
    return str(info.value)


# ------------------------------------------------------------- construction


@pytest.mark.parametrize("size", [0, 1, 8, 15, 17, 24, 48, 100, -16])
def test_size_must_be_power_of_two_of_at_least_16(size: int) -> None:
    with pytest.raises(ValueError, match=str(size)):
        ExtentMap(size)


def test_smallest_map_is_one_block() -> None:
    m = ExtentMap(16)
    m._check()
    assert (m.size, m.nblocks) == (16, 1)
    assert (m.nfree, m.navailable, m.ncandidates) == (16, 16, 1)
    assert m.candidate_count() == 1
    assert m.candidate_count(GENERAL) == 1 and m.candidate_count(PREFERRED) == 0
    assert list(m.free_extents()) == [(0, 16)]
    assert list(m.allocations()) == []
    assert list(m.candidate_runs(GENERAL)) == [(0, 1)]
    assert list(m.candidate_runs(PREFERRED)) == []
    assert m.lowest_address() == 0
    assert m.packed_address() == 0
    assert m.lowest_block(GENERAL) == 0
    assert m.packed_block(GENERAL) == 0
    assert m.random_block(GENERAL, Random(1)) == 0
    assert m.largest_free_run() == 16


def test_one_block_map_fills_and_empties() -> None:
    m = ExtentMap(16)
    m.take_block(0)
    m._check()
    assert (m.nfree, m.navailable, m.ncandidates) == (0, 0, 0)
    assert list(m.allocations()) == [(0, 16)]
    assert list(m.free_extents()) == [] and m.largest_free_run() == 0
    m.give_block(0)
    m._check()
    for off in range(16):
        m.take_address(off)
    m._check()
    assert list(m.allocations()) == [(off, 1) for off in range(16)]
    assert m.ncandidates == 0 and m.navailable == 0
    m.give_address(15)
    m._check()
    assert m.ncandidates == 0 and m.packed_address() == 15 and m.lowest_address() == 15
    for off in range(15):
        m.give_address(off)
    m._check()
    assert m.ncandidates == 1 and list(m.candidate_runs(GENERAL)) == [(0, 1)]


def test_largest_map_a_slash_16() -> None:
    m = ExtentMap(65536)
    m._check()
    assert m.nblocks == 4096
    assert (m.nfree, m.navailable, m.ncandidates) == (65536, 65536, 4096)
    assert list(m.candidate_runs(GENERAL)) == [(0, 4096)]
    m.take_block(4095)
    m.take_block(0)
    m.take_block(2048)
    m.take_address(65535 - 16)  # in block 4094
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(1, 2048), (2049, 4094)]
    assert m.packed_block(GENERAL) == 2049  # the shorter run
    assert m.lowest_block(GENERAL) == 1
    assert m.packed_address() == 4094 * 16  # the only partly used block
    m.reserve(0, 65536, PREFERRED)
    m._check()
    assert m.navailable == 0 and m.candidate_count(PREFERRED) == 4092
    assert list(m.candidate_runs(PREFERRED)) == [(1, 2048), (2049, 4094)]
    m.unreserve(0)
    m._check()
    assert m.navailable == 65536 - 3 * 16 - 1


# ------------------------------------------------- refused mutations


def test_take_address_refuses_what_is_not_free() -> None:
    m = ExtentMap(64)
    m.take_address(5)
    m.take_address(6, PINNED)
    m.take_block(2)
    assert "5" in refused(m, m.take_address, 5)
    refused(m, m.take_address, 6)
    refused(m, m.take_address, 33)
    refused(m, m.take_address, 33, PINNED)


def test_give_address_refuses_what_is_not_a_single_address() -> None:
    m = ExtentMap(64)
    m.take_address(6, PINNED)
    m.take_block(2)
    m.reserve(48, 64, EXCLUDED)
    assert "7" in refused(m, m.give_address, 7)  # free
    refused(m, m.give_address, 6)  # pinned
    refused(m, m.give_address, 32)  # inside a block allocation
    refused(m, m.give_address, 50)  # free, reserved


def test_take_block_refuses_a_block_not_wholly_free() -> None:
    m = ExtentMap(64)
    m.take_address(17)
    m.take_address(32, PINNED)
    m.take_block(3)
    assert "1" in refused(m, m.take_block, 1)
    refused(m, m.take_block, 2)
    refused(m, m.take_block, 3)


def test_give_block_refuses_what_is_not_a_block_allocation() -> None:
    m = ExtentMap(64)
    m.take_address(16)
    m.take_address(32, PINNED)
    for i in range(48, 64):
        m.take_address(i)
    assert "0" in refused(m, m.give_block, 0)  # free
    refused(m, m.give_block, 1)  # one /32
    refused(m, m.give_block, 2)  # pinned
    refused(m, m.give_block, 3)  # sixteen /32s are not a block allocation


@pytest.mark.parametrize("off", [-1, -16, -64, 64, 65, 1000])
def test_address_offsets_outside_the_map_are_refused(off: int) -> None:
    m = ExtentMap(64)
    m.take_address(62)
    m.take_address(63)
    refused(m, m.take_address, off)
    refused(m, m.give_address, off)


@pytest.mark.parametrize("block", [-1, -4, 4, 100])
def test_block_indexes_outside_the_map_are_refused(block: int) -> None:
    m = ExtentMap(64)
    m.take_block(3)
    refused(m, m.take_block, block)
    refused(m, m.give_block, block)


@pytest.mark.parametrize("state", [FREE, IN_RESERVATION, BLOCK_USED, 3, 8])
def test_take_address_takes_only_as_used_or_pinned(state: int) -> None:
    m = ExtentMap(32)
    refused(m, m.take_address, 20, state)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(8, 24), (0, 48), (16, 16), (20, 16), (-16, 0), (48, 80), (64, 128), (0, 3 * 16)],
)
def test_reserve_refuses_unaligned_or_outside_ranges(lo: int, hi: int) -> None:
    m = ExtentMap(64)
    refused(m, m.reserve, lo, hi, EXCLUDED)


@pytest.mark.parametrize("kind", [GENERAL, 3, -1])
def test_reserve_refuses_unknown_kinds(kind: int) -> None:
    m = ExtentMap(64)
    assert "kind" in refused(m, m.reserve, 0, 16, kind)


def test_reserve_refuses_overlaps_and_unreserve_unknown_starts() -> None:
    m = ExtentMap(256)
    m.reserve(64, 128, PREFERRED)
    m.reserve(20, 22, EXCLUDED)
    for lo, hi in [(64, 128), (0, 128), (96, 112), (112, 113), (0, 256), (16, 32), (20, 21)]:
        refused(m, m.reserve, lo, hi, EXCLUDED)
    refused(m, m.unreserve, 0, exc=KeyError)
    refused(m, m.unreserve, 65, exc=KeyError)
    assert m.unreserve(20) == (22, EXCLUDED)
    assert m.unreserve(64) == (128, PREFERRED)
    m._check()
    assert m.navailable == 256 and m.candidate_count(GENERAL) == 16


# ------------------------------------------------------------ reservations


def test_reservation_smaller_than_a_block() -> None:
    m = ExtentMap(64)
    m.take_address(17)
    m.reserve(16, 24, PREFERRED)  # a /29 "prefix" reservation in block 1
    m._check()
    # Half a block is no place for a prefix: block 1 stays general (and used).
    assert m.tier_of_block(1) == GENERAL
    assert m.navailable == 64 - 8 and m.nfree == 63
    m.give_address(17)
    m._check()
    assert m.tier_of_block(1) == GENERAL and m.candidate_count(GENERAL) == 4
    assert m.state(17) == IN_RESERVATION
    m.reserve(28, 30, EXCLUDED)  # a /31 explicit reservation excludes the block
    m._check()
    assert m.tier_of_block(1) == EXCLUDED
    assert m.candidate_count(GENERAL) == 3 and list(m.candidate_runs(GENERAL)) == [(0, 1), (2, 4)]
    assert m.navailable == 64 - 10
    assert m.packed_block(GENERAL) == 0
    m.unreserve(28)
    m._check()
    assert m.tier_of_block(1) == GENERAL and list(m.candidate_runs(GENERAL)) == [(0, 4)]
    m.unreserve(16)
    m._check()
    assert m.navailable == 64 and m.state(17) == FREE


def test_reservation_covering_used_addresses_unassigns_nothing() -> None:
    m = ExtentMap(64)
    m.take_address(1)
    m.take_block(2)
    m.take_address(63, PINNED)
    m.reserve(0, 64, EXCLUDED)
    m._check()
    assert m.state(1) == USED | IN_RESERVATION
    assert m.state(32) == BLOCK_USED | IN_RESERVATION
    assert m.state(63) == PINNED | IN_RESERVATION
    assert list(m.allocations()) == [(1, 1), (32, 16)]
    assert m.nfree == 64 - 18 and m.navailable == 0 and m.ncandidates == 0
    m.give_block(2)
    m.give_address(1)
    m._check()
    assert m.nfree == 63 and m.navailable == 0 and m.ncandidates == 0
    m.unreserve(0)
    m._check()
    assert m.navailable == 63 and m.ncandidates == 3


def test_preferred_blocks_form_their_own_tier() -> None:
    m = ExtentMap(256)
    m.reserve(128, 256, PREFERRED)
    m.take_block(3)
    m.take_block(9)
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(0, 3), (4, 8)]
    assert list(m.candidate_runs(PREFERRED)) == [(8, 9), (10, 16)]
    assert m.candidate_count(PREFERRED) == 7 and m.candidate_count(GENERAL) == 7
    assert m.lowest_block(PREFERRED) == 8 and m.packed_block(PREFERRED) == 8
    assert m.lowest_block(GENERAL) == 0 and m.packed_block(GENERAL) == 0
    m.give_block(9)
    m._check()
    assert list(m.candidate_runs(PREFERRED)) == [(8, 16)]
    m.take_address(0)
    m._check()
    # runs of general: (1, 3) of length 2 and (4, 8) of length 4
    assert m.packed_block(GENERAL) == 1 and m.lowest_block(GENERAL) == 1


# ---------------------------------------------------------- candidate runs


def test_candidate_runs_split_and_merge_at_both_ends() -> None:
    m = ExtentMap(256)  # 16 blocks
    m.take_block(0)
    m.take_block(15)
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(1, 15)]
    m.take_block(1)
    m.take_block(14)
    m.take_block(7)
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(2, 7), (8, 14)]
    assert m.packed_block(GENERAL) == 2  # length 5 beats length 6
    m.take_address(2 * 16 + 5)
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(3, 7), (8, 14)]
    assert m.packed_block(GENERAL) == 3
    for b in (0, 15, 7, 1, 14):
        m.give_block(b)
        m._check()
    assert list(m.candidate_runs(GENERAL)) == [(0, 2), (3, 16)]
    m.give_address(2 * 16 + 5)
    m._check()
    assert list(m.candidate_runs(GENERAL)) == [(0, 16)]


def test_best_fit_prefers_the_shortest_run_then_the_lowest() -> None:
    m = ExtentMap(512)  # 32 blocks
    for b in (3, 4, 9, 12, 20):
        m.take_block(b)
    m._check()
    runs = list(m.candidate_runs(GENERAL))
    assert runs == [(0, 3), (5, 9), (10, 12), (13, 20), (21, 32)]
    assert m.packed_block(GENERAL) == 10  # the only run of length 2
    m.take_block(10)
    m._check()
    assert m.packed_block(GENERAL) == 11  # (11, 12) of length 1
    m.take_block(1)
    m._check()
    # runs of length 1 at 0, 2 and 11: the lowest wins
    assert m.packed_block(GENERAL) == 0


# ----------------------------------------------------- single addresses


def test_pack_address_picks_the_fullest_block_then_its_lowest_address() -> None:
    m = ExtentMap(64)
    for off in (16, 17, 18, 40, 41, 42):  # blocks 1 and 2 with 13 free each
        m.take_address(off)
    m.take_address(44)  # block 2: 12 free
    m._check()
    assert m.packed_address() == 32
    m.take_address(32)
    assert m.packed_address() == 33
    m.reserve(32, 48, EXCLUDED)  # its free addresses leave the index
    m._check()
    assert m.packed_address() == 19


def test_lowest_address_cursor_falls_back_on_release_and_unreserve() -> None:
    m = ExtentMap(64)
    m.reserve(0, 8, PREFERRED)
    assert m.lowest_address() == 8
    for _ in range(10):
        m.take_address(m.lowest_address())
    assert m.lowest_address() == 18
    m.give_address(9)
    m._check()
    assert m.lowest_address() == 9
    m.unreserve(0)
    m._check()
    assert m.lowest_address() == 0
    fresh = ExtentMap(64)
    fresh.take_block(0)
    assert fresh.lowest_address() == 16
    fresh.give_block(0)
    fresh._check()
    assert fresh.lowest_address() == 0


def test_random_choices_are_eligible() -> None:
    m = ExtentMap(256)
    rng = Random(5)
    for b in range(0, 16, 2):
        m.take_block(b)
    m.reserve(16, 32, EXCLUDED)  # block 1
    m.reserve(48, 64, PREFERRED)  # block 3
    m._check()
    for _ in range(300):
        off = m.random_address(rng)
        assert m.state(off) == FREE
        assert m.random_block(GENERAL, rng) in {5, 7, 9, 11, 13, 15}
        assert m.random_block(PREFERRED, rng) == 3


def _history(m: ExtentMap, seed: int, steps: int = 200) -> None:
    rng = Random(seed)
    for _ in range(steps):
        b = rng.randrange(m.nblocks)
        off = rng.randrange(m.size)
        if m.used_in_block(b) == 0:
            m.take_block(b)
        elif m.state(b * BLOCK) & 6 == BLOCK_USED:
            m.give_block(b)
        if m.state(off) <= IN_RESERVATION:
            m.take_address(off)
        elif m.state(off) & 6 == USED:
            m.give_address(off)


def test_choice_order_makes_random_choices_reproducible() -> None:
    """Two maps in the same state reached by different histories choose
    differently from the same RNG state until their choice orders agree."""
    a, b = ExtentMap(1024), ExtentMap(1024)
    _history(a, 1)
    for off in range(1024):  # rebuild a's state in address order
        s = a.state(off)
        if s & 6 == USED:
            b.take_address(off)
        elif s & 6 == BLOCK_USED and off % BLOCK == 0:
            b.take_block(off // BLOCK)
    assert bytes(a.address_states()) == bytes(b.address_states())
    assert a.choice_order() != b.choice_order()
    b.set_choice_order(*a.choice_order())
    b._check()
    assert a.choice_order() == b.choice_order()
    ra, rb = Random(3), Random(3)
    for _ in range(50):
        assert a.random_address(ra) == b.random_address(rb)
        assert a.random_block(GENERAL, ra) == b.random_block(GENERAL, rb)


def test_set_choice_order_refuses_what_is_not_a_permutation() -> None:
    m = ExtentMap(1024)
    m.reserve(512, 768, PREFERRED)
    _history(m, 2, steps=8)
    ips, pref, gen = m.choice_order()
    assert len(ips) > 2 and len(pref) > 2 and len(gen) > 2
    bad = [
        (ips[:-1], pref, gen),
        (ips + ips[:1], pref, gen),
        (ips, [*pref, 0], gen),
        (ips, pref, [str(x) for x in gen]),
        (ips, pref, [*gen[:-1], gen[0]]),
        (ips, pref, [float(x) for x in gen]),
    ]
    for args in bad:
        refused(m, m.set_choice_order, *args)
        assert m.choice_order() == (ips, pref, gen)
    m.set_choice_order(ips[::-1], pref, gen[::-1])
    m._check()
    assert m.choice_order() == (ips[::-1], pref, gen[::-1])


def test_address_states_view_is_read_only() -> None:
    m = ExtentMap(32)
    view = m.address_states()
    with pytest.raises(TypeError):
        view[0] = USED
    m.take_address(3)
    assert view[3] == USED


# ---------------------------------------- random operations against a model


OPS = st.lists(
    st.tuples(
        st.sampled_from(["take", "give", "take_block", "give_block", "reserve", "unreserve"]),
        st.integers(0, 1023),
        st.integers(0, 6),
        st.sampled_from([PREFERRED, EXCLUDED]),
    ),
    max_size=60,
)


@given(size=st.sampled_from([16, 32, 64, 256, 1024]), ops=OPS)
def test_random_operations_keep_every_index_in_step(
    size: int, ops: list[tuple[str, int, int, int]]
) -> None:
    """Any sequence of mutations, valid or refused, keeps ``_check()`` true and
    the counts equal to a recount of the state bytes; block 0 and the last
    block (never candidates in a Subnet) are included."""
    m = ExtentMap(size)
    for op, n, order, kind in ops:
        off = n % size
        block = off // BLOCK
        try:
            if op == "take":
                m.take_address(off)
            elif op == "give":
                m.give_address(off)
            elif op == "take_block":
                m.take_block(block)
            elif op == "give_block":
                m.give_block(block)
            elif op == "reserve":
                length = 1 << order
                lo = off - off % length
                m.reserve(lo, lo + length, kind)
            else:
                m.unreserve(off)
        except (ValueError, KeyError):
            pass
        m._check()
        states = bytes(m.address_states())
        assert m.nfree == sum(1 for s in states if s <= IN_RESERVATION)
        assert m.navailable == states.count(FREE)
        assert list(m.free_extents()) == [
            (x.start(), x.end()) for x in re.finditer(b"[\x00\x01]+", states)
        ]
