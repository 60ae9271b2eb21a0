"""Unit tests of the integer door of :class:`subnetfrag.Subnet`
(``allocate_ip_offset``, ``allocate_prefix_offset``, ``release_offset``,
``allocation_size_at``): every error path with its exact type, atomicity, and
agreement with the netaddr API, which is a thin wrapper over it.

The hypothesis state machine in tests/test_subnet_model.py drives the door
against its model too; these tests pin the edges one by one.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import pickle
from typing import Any

import netaddr
import pytest

import subnetfrag as sf
from subnetfrag.owner import Owner

POLICIES = ["lowest", "random", "pack"]


def raises(exc_type: type[Exception], fn: Any, *args: Any, **kw: Any) -> str:
    """Call ``fn``: it must raise exactly ``exc_type`` and change nothing on the
    subnet it is bound to (RNG state included). Returns the message."""
    subnet = fn.__self__
    before = subnet.to_dict()
    with pytest.raises(exc_type) as info:
        fn(*args, **kw)
    assert type(info.value) is exc_type, type(info.value)
    assert isinstance(info.value, sf.SubnetFragError)
    assert subnet.to_dict() == before
    subnet.extent_map._check()
    return str(info.value)


@pytest.fixture
def s24() -> sf.Subnet:
    return sf.Subnet("10.0.0.0/24", seed=1, policy="lowest")


# ------------------------------------------------------------- success


def test_explicit_offsets_round_trip(s24: sf.Subnet) -> None:
    owner = Owner(eni_id="eni-1")
    assert s24.allocate_ip_offset(10, owner=owner) == 10
    assert s24.allocate_prefix_offset(32) == 32
    assert s24.allocation_size_at(10) == 1
    assert s24.allocation_size_at(32) == 16
    assert s24.allocation_size_at(33) == 0  # inside the /28, past its start
    assert s24.allocation_size_at(11) == 0  # free
    assert s24.allocation_size_at(0) == 0  # AWS-reserved
    assert s24.owner_of("10.0.0.10") == owner
    assert [str(n) for n in s24.allocations()] == ["10.0.0.10/32", "10.0.0.32/28"]
    s24.release_offset(32)
    s24.release_offset(10)
    assert s24.allocations() == []
    assert s24.allocation_size_at(10) == 0
    s24.extent_map._check()


@pytest.mark.parametrize("policy", POLICIES)
def test_automatic_door_matches_the_netaddr_api(policy: str) -> None:
    """Same seed, same operations: the door and the netaddr API choose the same."""
    a = sf.Subnet("10.1.0.0/22", seed=42, policy=policy)
    b = sf.Subnet("10.1.0.0/22", seed=42, policy=policy)
    for i in range(120):
        if i % 3:
            off = a.allocate_ip_offset()
            assert b.allocate_ip() == netaddr.IPAddress(a.first + off)
        elif a.can_fit_prefix():
            off = a.allocate_prefix_offset()
            assert b.allocate_prefix() == netaddr.IPNetwork((a.first + off, 28))
        else:
            continue
        if i % 7 == 0:
            a.release_offset(off)
            b.release(netaddr.IPNetwork((a.first + off, 32 if i % 3 else 28)))
    assert a.to_dict() == b.to_dict()


def test_door_returns_plain_ints(s24: sf.Subnet) -> None:
    assert type(s24.allocate_ip_offset()) is int
    assert type(s24.allocate_prefix_offset()) is int
    assert type(s24.allocation_size_at(4)) is int


def test_door_honours_reservations(s24: sf.Subnet) -> None:
    s24.reserve("10.0.0.128/26", "prefix")
    s24.reserve("10.0.0.0/26", "explicit")
    assert s24.allocate_prefix_offset() == 128  # the preferred tier first
    assert s24.allocate_ip_offset() == 64  # outside every reservation
    assert s24.allocate_ip_offset(5) == 5  # explicit: inside a reservation is fine


# --------------------------------------------------------- error paths


@pytest.mark.parametrize("bad", [1.0, "5", None, True, b"\x05", [5]])
def test_offset_of_the_wrong_type(s24: sf.Subnet, bad: Any) -> None:
    if bad is not None:  # None means "automatic" for the allocators
        msg = raises(sf.InvalidArgumentType, s24.allocate_ip_offset, bad)
        assert "offset must be an int" in msg and type(bad).__name__ in msg
        raises(sf.InvalidArgumentType, s24.allocate_prefix_offset, bad)
    raises(sf.InvalidArgumentType, s24.release_offset, bad)
    raises(sf.InvalidArgumentType, s24.allocation_size_at, bad)
    assert issubclass(sf.InvalidArgumentType, TypeError)


@pytest.mark.parametrize("offset", [-1, 256, 2**40, -(2**40)])
def test_offsets_outside_the_subnet(s24: sf.Subnet, offset: int) -> None:
    msg = raises(sf.OutOfSubnet, s24.allocate_ip_offset, offset)
    assert "10.0.0.0/24" in msg
    if offset == 256:
        assert "10.0.1.0" in msg
    if offset == 2**40:
        assert str(offset) in msg
    raises(sf.NotAllocated, s24.release_offset, offset)
    raises(sf.OutOfSubnet, s24.allocation_size_at, offset)
    if offset % 16 == 0:
        raises(sf.OutOfSubnet, s24.allocate_prefix_offset, offset)


@pytest.mark.parametrize("offset", [0, 1, 2, 3, 255])
def test_aws_reserved_offsets(s24: sf.Subnet, offset: int) -> None:
    msg = raises(sf.ReservedAddress, s24.allocate_ip_offset, offset)
    assert f"10.0.0.{offset}" in msg
    raises(sf.NotAllocated, s24.release_offset, offset)


@pytest.mark.parametrize("offset", [0, 240])
def test_prefix_holding_an_aws_reserved_address(s24: sf.Subnet, offset: int) -> None:
    msg = raises(sf.ReservedAddress, s24.allocate_prefix_offset, offset)
    assert f"10.0.0.{offset}/28" in msg


@pytest.mark.parametrize("offset", [8, 17, 31, -3])
def test_prefix_offset_not_a_multiple_of_16(s24: sf.Subnet, offset: int) -> None:
    msg = raises(sf.InvalidPrefix, s24.allocate_prefix_offset, offset)
    assert f"offset {offset}" in msg and "multiple of 16" in msg


def test_address_in_use(s24: sf.Subnet) -> None:
    s24.allocate_ip_offset(20)
    s24.allocate_prefix_offset(48)
    assert "already allocated" in raises(sf.AddressInUse, s24.allocate_ip_offset, 20)
    msg = raises(sf.AddressInUse, s24.allocate_ip_offset, 50)
    assert "inside the allocated prefix 10.0.0.48/28" in msg
    msg = raises(sf.AddressInUse, s24.allocate_prefix_offset, 16)
    assert "10.0.0.16/28" in msg and "1 address in use (10.0.0.20)" in msg
    assert "already allocated" in raises(sf.AddressInUse, s24.allocate_prefix_offset, 48)


def test_release_of_what_is_not_an_allocation_start(s24: sf.Subnet) -> None:
    s24.allocate_prefix_offset(48)
    msg = raises(sf.NotAllocated, s24.release_offset, 49)
    assert "10.0.0.49" in msg and "not the start of an allocation" in msg
    raises(sf.NotAllocated, s24.release_offset, 100)  # free
    s24.release_offset(48)
    raises(sf.NotAllocated, s24.release_offset, 48)  # twice


def test_insufficient_free_addresses(s24: sf.Subnet) -> None:
    s24.reserve("10.0.0.0/25", "explicit")
    while s24.available_ip_count():
        s24.allocate_ip_offset()
    msg = raises(sf.InsufficientFreeAddresses, s24.allocate_ip_offset)
    assert msg == (
        "no free address outside CIDR reservations in 10.0.0.0/24: "
        "124 free addresses, all inside reservations"
    )
    s24.unreserve("10.0.0.0/25")
    while s24.available_ip_count():
        s24.allocate_ip_offset()
    msg = raises(sf.InsufficientFreeAddresses, s24.allocate_ip_offset, policy="random")
    assert msg == "no free address in 10.0.0.0/24: every address is allocated or AWS-reserved"


def test_insufficient_cidr_blocks(s24: sf.Subnet) -> None:
    for block in range(1, 15):
        s24.allocate_ip_offset(block * 16 + 5)
    msg = raises(sf.InsufficientCidrBlocks, s24.allocate_prefix_offset)
    assert msg == ("no free aligned /28 in 10.0.0.0/24: 237 free addresses, largest free run 25")


def test_unknown_policy_through_the_door(s24: sf.Subnet) -> None:
    raises(sf.UnknownPolicy, s24.allocate_ip_offset, policy="best")
    raises(sf.UnknownPolicy, s24.allocate_ip_offset, 10, policy="best")
    raises(sf.UnknownPolicy, s24.allocate_prefix_offset, policy=3)
    raises(sf.UnknownPolicy, s24.allocate_prefix_offset, 16, policy="")


@pytest.mark.parametrize("owner", ["eni-123", {"eni_id": "eni-1"}, 5, Owner])
def test_owner_of_the_wrong_type(s24: sf.Subnet, owner: Any) -> None:
    for fn, args in (
        (s24.allocate_ip_offset, ()),
        (s24.allocate_ip_offset, (10,)),
        (s24.allocate_prefix_offset, ()),
        (s24.allocate_prefix_offset, (16,)),
        (s24.allocate_ip, ()),
        (s24.allocate_prefix, ("10.0.0.16/28",)),
    ):
        msg = raises(sf.InvalidArgumentType, fn, *args, owner=owner)
        assert "owner must be a subnetfrag Owner" in msg


# ------------------------------------------------ lazy failure messages


def test_a_failed_prefix_message_describes_the_failure_even_when_read_later() -> None:
    s = sf.Subnet("10.0.0.0/26", policy="lowest")
    for off in (20, 36):
        s.allocate_ip_offset(off)
    with pytest.raises(sf.InsufficientCidrBlocks) as info:
        s.allocate_prefix_offset()
    # the subnet changes before anyone reads the message
    s.release_offset(36)
    assert s.extent_map.largest_free_run() == 42
    assert str(info.value) == (
        "no free aligned /28 in 10.0.0.0/26: 57 free addresses, largest free run 26"
    )
    # a pickled exception carries the text
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is sf.InsufficientCidrBlocks and str(again) == str(info.value)
    assert repr(info.value) == repr(again)


def test_a_dropped_failure_costs_nothing_later() -> None:
    """Once the exception is gone, the next mutation builds no message."""
    s = sf.Subnet("10.0.0.0/28")
    with contextlib.suppress(sf.InsufficientCidrBlocks):
        s.allocate_prefix_offset()
    gc.collect()
    assert s._pending is not None and s._pending() is None
    s.allocate_ip_offset(5)
    assert s._pending is None


def test_a_failure_builds_no_message_until_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8 item 10: the O(size) parts of the message (the largest free run,
    the free blocks inside explicit reservations) run only when it is read."""
    calls: list[int] = []
    original = sf.Subnet._no_block_message

    def counting(self: sf.Subnet) -> str:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(sf.Subnet, "_no_block_message", counting)
    s = sf.Subnet("10.0.0.0/24", policy="lowest")
    for block in range(1, 15):
        s.allocate_ip(f"10.0.0.{block * 16}")
    for _ in range(100):
        with pytest.raises(sf.InsufficientCidrBlocks):
            s.allocate_prefix()
    if hasattr(s, "allocate_prefix_offset"):
        with pytest.raises(sf.InsufficientCidrBlocks):
            s.allocate_prefix_offset()
    assert calls == []
    with pytest.raises(sf.InsufficientCidrBlocks) as info:
        s.allocate_prefix()
    assert "largest free run 30" in str(info.value) and calls == [1]
    str(info.value)
    assert calls == [1]  # built once


def test_a_subnet_with_a_pending_failure_pickles_and_copies() -> None:
    s = sf.Subnet("10.0.0.0/28", seed=3)
    s.allocate_ip_offset(5)
    with pytest.raises(sf.InsufficientCidrBlocks) as info:
        s.allocate_prefix_offset()
    for twin in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert twin.to_dict() == s.to_dict()
        twin.allocate_ip_offset(6)
        twin.extent_map._check()
    assert "largest free run 9" in str(info.value)
    assert s.allocation_size_at(6) == 0
