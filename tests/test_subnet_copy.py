"""Tests of :meth:`subnetfrag.Subnet.copy` (and ``copy.copy``/``copy.deepcopy``,
which call it) and :meth:`subnetfrag.extents.ExtentMap.copy`: a copy shares no
mutable state with its original, in either direction, and continues the same
random sequence unless it is given a seed.

The property test drives an original and its copy through the same random
operations and checks them against each other and against the snapshot the
copy was taken from (the trivially correct model of "independent").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import subnetfrag as sf
from subnetfrag.extents import ExtentMap

POLICIES = ["lowest", "random", "pack"]
COPIERS: list[Callable[[sf.Subnet], sf.Subnet]] = [
    lambda s: s.copy(),
    copy.copy,
    copy.deepcopy,
]


def busy(policy: str = "random") -> sf.Subnet:
    s = sf.Subnet("10.20.0.0/22", seed=7, policy=policy, subnet_id="subnet-0abc")
    s.reserve("10.20.1.0/26", "prefix", reservation_id="scr-1")
    s.reserve("10.20.3.0/27", "explicit")
    for i in range(40):
        s.allocate_ip(owner=sf.Owner(eni_id=f"eni-{i}"))
        if i % 4 == 0:
            s.allocate_prefix(owner=sf.Owner(eni_id=f"eni-{i}", description="pods"))
    return s


def mutate(s: sf.Subnet) -> None:
    """One of everything that changes a subnet."""
    s.allocate_ip()
    s.allocate_prefix()
    s.release(s.allocations()[0])
    s.reserve("10.20.2.0/28", "explicit", reservation_id="scr-2")
    s.unreserve("10.20.1.0/26")


@pytest.mark.parametrize("copier", COPIERS, ids=["method", "copy.copy", "copy.deepcopy"])
def test_a_copy_and_its_original_change_independently(
    copier: Callable[[sf.Subnet], sf.Subnet],
) -> None:
    s = busy()
    before = s.to_dict()
    twin = copier(s)
    assert type(twin) is sf.Subnet and twin is not s
    assert twin.to_dict() == before
    mutate(twin)
    twin.extent_map._check()
    assert s.to_dict() == before  # the copy's changes did not reach the original
    after_twin = twin.to_dict()
    mutate(s)
    s.extent_map._check()
    assert twin.to_dict() == after_twin  # nor the original's the copy


@pytest.mark.parametrize("policy", POLICIES)
def test_a_copy_without_seed_continues_the_same_choices(policy: str) -> None:
    s = busy(policy)
    twin = s.copy()
    for i in range(50):
        if i % 3:
            assert s.allocate_ip() == twin.allocate_ip(), i
        else:
            assert s.allocate_prefix() == twin.allocate_prefix(), i
    assert s.to_dict() == twin.to_dict()


def test_a_copy_with_a_seed_draws_from_that_seed() -> None:
    s = busy()
    a, b, c = s.copy(seed=11), s.copy(seed=11), s.copy(seed="other")
    version, internal, gauss = Random(11).getstate()
    assert a.to_dict()["rng_state"] == {
        "version": version,
        "internal": list(internal),
        "gauss_next": gauss,
    }
    first = [a.allocate_ip() for _ in range(20)]
    assert first == [b.allocate_ip() for _ in range(20)]
    assert first != [c.allocate_ip() for _ in range(20)]
    # Everything but the generator is the original's.
    data, copied = s.to_dict(), s.copy(seed=11).to_dict()
    data.pop("rng_state"), copied.pop("rng_state")
    assert copied == data


@pytest.mark.parametrize("seed", [True, 1.5, [1], object()])
def test_copy_refuses_a_bad_seed_and_changes_nothing(seed: Any) -> None:
    s = busy()
    before = s.to_dict()
    with pytest.raises(sf.InvalidArgumentType, match="seed must be"):
        s.copy(seed=seed)
    assert s.to_dict() == before


def test_a_copy_can_take_another_default_policy() -> None:
    s = busy("lowest")
    packed = s.copy(policy="pack")
    assert packed.policy == "pack" and s.policy == "lowest"
    expected = s.copy()
    assert packed.allocate_ip() == expected.allocate_ip(policy="pack")
    before = s.to_dict()
    with pytest.raises(sf.UnknownPolicy, match="unknown policy 'nope'"):
        s.copy(policy="nope")
    assert s.to_dict() == before


def test_a_pending_failure_message_stays_the_originals() -> None:
    s = sf.Subnet("10.0.0.0/28", seed=3)
    s.allocate_ip_offset(5)
    with pytest.raises(sf.InsufficientCidrBlocks) as info:
        s.allocate_prefix_offset()
    twin = s.copy()
    twin.allocate_ip_offset(6)
    twin.release_offset(5)
    assert "largest free run 9" in str(info.value)


def test_extent_map_copy_shares_no_mutable_part() -> None:
    s = busy()
    m = s.extent_map
    c = m.copy()
    c._check()
    for name in ExtentMap.__slots__:
        mine, theirs = getattr(m, name), getattr(c, name)
        assert mine == theirs, name
        if not isinstance(mine, int):
            assert mine is not theirs, name
            if isinstance(mine, tuple):
                assert all(x is not y for x, y in zip(mine, theirs, strict=True)), name
    assert c.states is c._addr
    assert c.choice_order() == m.choice_order()


OPS = st.lists(
    st.tuples(st.sampled_from(["ip", "prefix", "release"]), st.integers(0, 10**6)),
    max_size=40,
)


@given(policy=st.sampled_from(POLICIES), before=OPS, after=OPS)
def test_copies_are_independent_under_any_operations(
    policy: str, before: list[tuple[str, int]], after: list[tuple[str, int]]
) -> None:
    s = sf.Subnet("10.9.0.0/24", seed=5, policy=policy)

    def apply(subnet: sf.Subnet, ops: list[tuple[str, int]]) -> list[str]:
        seen = []
        for op, pick in ops:
            try:
                if op == "ip":
                    seen.append(str(subnet.allocate_ip()))
                elif op == "prefix":
                    seen.append(str(subnet.allocate_prefix()))
                elif subnet.allocations():
                    held = subnet.allocations()
                    subnet.release(held[pick % len(held)])
                    seen.append("released")
            except (sf.InsufficientCidrBlocks, sf.InsufficientFreeAddresses) as exc:
                seen.append(type(exc).__name__)
        return seen

    apply(s, before)
    snapshot = s.to_dict()
    twin = s.copy()
    from_original = apply(s, after)
    assert twin.to_dict() == snapshot
    assert apply(twin, after) == from_original
    assert twin.to_dict() == s.to_dict()
    twin.extent_map._check()
