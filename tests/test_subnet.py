"""Unit tests of :class:`subnetfrag.Subnet`: AWS's examples, every error path with
its exact type and message, reservations, JSON state, determinism, owners and the
random policy's uniformity."""

from __future__ import annotations

import copy
import json
from random import Random
from types import SimpleNamespace
from typing import Any

import netaddr
import pytest

import subnetfrag as sf
from subnetfrag.extents import GENERAL, PREFERRED, ExtentMap

POLICIES = ["lowest", "random", "pack"]


def ip(text: str) -> netaddr.IPAddress:
    return netaddr.IPAddress(text)


def net(text: str) -> netaddr.IPNetwork:
    return netaddr.IPNetwork(text)


def raises(exc_type: type[Exception], fn: Any, *args: Any, **kw: Any) -> str:
    """Call ``fn``: it must raise exactly ``exc_type`` and change nothing on the
    subnet it is bound to. Returns the message."""
    subnet = getattr(fn, "__self__", None)
    before = subnet.to_dict() if isinstance(subnet, sf.Subnet) else None
    with pytest.raises(exc_type) as info:
        fn(*args, **kw)
    assert type(info.value) is exc_type, type(info.value)
    assert isinstance(info.value, sf.SubnetFragError)
    if before is not None:
        assert subnet.to_dict() == before  # type: ignore[union-attr]
        subnet.extent_map._check()  # type: ignore[union-attr]
    return str(info.value)


# --------------------------------------------------------- the hierarchy

INPUT_ERRORS = [
    sf.InvalidCidr,
    sf.InvalidPrefix,
    sf.OutOfSubnet,
    sf.ReservedAddress,
    sf.InvalidReservationKind,
    sf.UnknownPolicy,
    sf.InvalidState,
]
OTHER_ERRORS = [
    sf.AddressInUse,
    sf.NotAllocated,
    sf.ReservationConflict,
    sf.UnknownReservation,
    sf.InsufficientCapacity,
    sf.InsufficientFreeAddresses,
    sf.InsufficientCidrBlocks,
]


@pytest.mark.parametrize("exc", INPUT_ERRORS)
def test_input_errors_are_value_errors(exc: type[Exception]) -> None:
    assert issubclass(exc, sf.SubnetFragError) and issubclass(exc, ValueError)


@pytest.mark.parametrize("exc", OTHER_ERRORS)
def test_state_and_capacity_errors_are_not_value_errors(exc: type[Exception]) -> None:
    assert issubclass(exc, sf.SubnetFragError) and not issubclass(exc, ValueError)


def test_capacity_errors_share_a_base() -> None:
    assert issubclass(sf.InsufficientFreeAddresses, sf.InsufficientCapacity)
    assert issubclass(sf.InsufficientCidrBlocks, sf.InsufficientCapacity)
    assert issubclass(sf.NotAllocated, LookupError)
    assert issubclass(sf.UnknownReservation, LookupError)


# ---------------------------------------------------- AWS's examples


def test_a_slash_24_has_251_available_and_14_free_prefixes() -> None:
    s = sf.Subnet("10.0.0.0/24")
    assert s.size == 256
    assert s.free_ip_count() == 251
    assert s.available_ip_count() == 251
    assert s.free_prefix_count() == 14
    assert s.can_fit_prefix() is True
    assert s.allocations() == []
    assert s.free_extents() == [netaddr.IPRange("10.0.0.4", "10.0.0.254")]
    s.extent_map._check()


def test_a_slash_28_fits_no_prefix() -> None:
    s = sf.Subnet("10.0.0.0/28")
    assert s.free_ip_count() == 11 and s.available_ip_count() == 11
    assert s.free_prefix_count() == 0 and s.can_fit_prefix() is False
    msg = raises(sf.InsufficientCidrBlocks, s.allocate_prefix)
    assert msg == "no free aligned /28 in 10.0.0.0/28: 11 free addresses, largest free run 11"
    # ... nor explicitly: its only /28 holds AWS-reserved addresses
    msg = raises(sf.ReservedAddress, s.allocate_prefix, "10.0.0.0/28")
    assert "10.0.0.0/28" in msg
    for _ in range(11):
        s.allocate_ip()
    msg = raises(sf.InsufficientFreeAddresses, s.allocate_ip)
    assert "10.0.0.0/28" in msg and "every address is allocated" in msg


@pytest.mark.parametrize(
    ("cidr", "free", "prefixes"),
    [
        ("10.0.0.0/16", 65531, 4094),
        ("10.0.0.0/20", 4091, 254),
        ("10.0.0.0/26", 59, 2),
        ("10.0.0.0/27", 27, 0),
    ],
)
def test_counts_of_fresh_subnets(cidr: str, free: int, prefixes: int) -> None:
    s = sf.Subnet(cidr)
    assert s.free_ip_count() == s.available_ip_count() == free
    assert s.free_prefix_count() == prefixes
    assert s.can_fit_prefix() is (prefixes > 0)


@pytest.mark.parametrize(
    "given", ["100.68.0.18/18", " 100.68.0.18/18 ", net("100.68.0.18/18"), net("100.68.63.255/18")]
)
def test_a_non_canonical_cidr_is_rewritten_as_aws_does(given: Any) -> None:
    s = sf.Subnet(given)
    assert s.cidr == net("100.68.0.0/18")
    assert str(s.cidr) == "100.68.0.0/18"
    assert (s.first, s.prefixlen, s.size) == (int(ip("100.68.0.0")), 18, 16384)


@pytest.mark.parametrize(
    "cidr",
    [
        "10.0.0.0/15",
        "10.0.0.0/29",
        "10.0.0.0/32",
        "10.0.0.0/0",
        "10.0.0.0",
        net("10.0.0.0/15"),
        net("10.0.0.0/30"),
    ],
)
def test_subnet_sizes_aws_refuses(cidr: Any) -> None:
    with pytest.raises(sf.InvalidCidr) as info:
        sf.Subnet(cidr)
    assert type(info.value) is sf.InvalidCidr
    assert str(cidr).split("/")[0] in str(info.value)
    assert "/16 to /28" in str(info.value)


@pytest.mark.parametrize(
    "cidr",
    [
        "2001:db8::/64",
        "2001:db8::/120",
        net("2001:db8::/64"),
        "::ffff:10.0.0.0/120",
        "garbage",
        "10.0.0.0/33",
        "10.0.0.0/²",
        "10.0.0.0/٢٨",
        "10.0.0/24",
        "",
        None,
        167772160,
        ("10.0.0.0", 24),
    ],
)
def test_subnet_cidrs_that_are_not_ipv4(cidr: Any) -> None:
    with pytest.raises(sf.InvalidCidr) as info:
        sf.Subnet(cidr)
    assert type(info.value) is sf.InvalidCidr
    msg = str(info.value)
    if isinstance(cidr, str) and cidr:
        assert cidr.split("/")[0] in msg or repr(cidr) in msg, msg
    if isinstance(cidr, str) and ":" in cidr:
        assert "IPv6" in msg


def test_unknown_default_policy() -> None:
    with pytest.raises(sf.UnknownPolicy, match="'best'"):
        sf.Subnet("10.0.0.0/24", policy="best")


def test_aws_reserved_addresses_are_never_allocatable() -> None:
    s = sf.Subnet("10.1.2.0/24")
    assert s.aws_reserved_offsets() == (0, 1, 2, 3, 255)
    for last in ("0", "1", "2", "3", "255"):
        msg = raises(sf.ReservedAddress, s.allocate_ip, f"10.1.2.{last}")
        assert f"10.1.2.{last}" in msg and "10.1.2.0/24" in msg
        assert ip(f"10.1.2.{last}") not in s
    for prefix in ("10.1.2.0/28", "10.1.2.240/28"):
        msg = raises(sf.ReservedAddress, s.allocate_prefix, prefix)
        assert prefix in msg


# ------------------------------------------------------ explicit /32


def test_explicit_address() -> None:
    s = sf.Subnet("10.0.0.0/24")
    got = s.allocate_ip("10.0.0.9")
    assert got == ip("10.0.0.9") and isinstance(got, netaddr.IPAddress)
    assert s.allocate_ip(ip("10.0.0.10")) == ip("10.0.0.10")
    assert s.allocate_ip(" 10.0.0.11\n") == ip("10.0.0.11")
    assert s.allocations() == [net("10.0.0.9/32"), net("10.0.0.10/32"), net("10.0.0.11/32")]
    assert s.free_ip_count() == 248 and s.available_ip_count() == 248
    assert s.free_prefix_count() == 14  # all in the first /28, which is no candidate
    s.allocate_ip("10.0.0.17")
    assert s.free_prefix_count() == 13


def test_explicit_address_errors() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.9")
    s.allocate_prefix("10.0.0.32/28")
    msg = raises(sf.OutOfSubnet, s.allocate_ip, "10.0.1.9")
    assert msg == "address 10.0.1.9 is not in 10.0.0.0/24"
    raises(sf.OutOfSubnet, s.allocate_ip, "9.255.255.255")
    msg = raises(sf.AddressInUse, s.allocate_ip, "10.0.0.9")
    assert msg == "address 10.0.0.9 is already allocated"
    msg = raises(sf.AddressInUse, s.allocate_ip, ip("10.0.0.40"))
    assert msg == "address 10.0.0.40 is inside the allocated prefix 10.0.0.32/28"
    for bad in ("10.0.0.9/32", "10.0.0.0/24", "10.0.0.256", "::1", "", "ten"):
        msg = raises(sf.InvalidCidr, s.allocate_ip, bad)
        assert repr(bad.strip()) in msg, msg
    raises(sf.InvalidCidr, s.allocate_ip, ip("::1"))
    raises(sf.InvalidCidr, s.allocate_ip, net("10.0.0.9/32"))
    raises(sf.InvalidCidr, s.allocate_ip, 167772169)
    raises(sf.UnknownPolicy, s.allocate_ip, "10.0.0.10", policy="nope")


# ------------------------------------------------------ explicit /28


def test_explicit_prefix() -> None:
    s = sf.Subnet("10.0.0.0/24")
    got = s.allocate_prefix("10.0.0.16/28")
    assert got == net("10.0.0.16/28") and isinstance(got, netaddr.IPNetwork)
    assert s.allocate_prefix(net("10.0.0.224/28")) == net("10.0.0.224/28")
    assert s.free_prefix_count() == 12 and s.free_ip_count() == 251 - 32
    assert ip("10.0.0.20") in s and "10.0.0.239" in s and ip("10.0.0.240") not in s


def test_explicit_prefix_errors() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.50")
    s.allocate_ip("10.0.0.51")
    s.allocate_prefix("10.0.0.64/28")
    msg = raises(sf.InvalidPrefix, s.allocate_prefix, "10.0.0.64/27")
    assert msg == "prefix 10.0.0.64/27 is a /27: an IPv4 prefix is a /28"
    raises(sf.InvalidPrefix, s.allocate_prefix, "10.0.0.64/29")
    raises(sf.InvalidPrefix, s.allocate_prefix, "10.0.0.64")
    raises(sf.InvalidPrefix, s.allocate_prefix, ip("10.0.0.64"))
    msg = raises(sf.InvalidPrefix, s.allocate_prefix, "10.0.0.72/28")
    assert "10.0.0.72/28 is not aligned" in msg and "did you mean 10.0.0.64/28?" in msg
    msg = raises(sf.OutOfSubnet, s.allocate_prefix, "10.0.1.0/28")
    assert msg == "prefix 10.0.1.0/28 is not in 10.0.0.0/24"
    msg = raises(sf.ReservedAddress, s.allocate_prefix, "10.0.0.240/28")
    assert msg == "prefix 10.0.0.240/28 holds an address AWS reserves in 10.0.0.0/24"
    msg = raises(sf.AddressInUse, s.allocate_prefix, "10.0.0.48/28")
    assert msg == (
        "prefix 10.0.0.48/28 is not wholly free: 2 addresses in use (10.0.0.50, 10.0.0.51)"
    )
    msg = raises(sf.AddressInUse, s.allocate_prefix, net("10.0.0.64/28"))
    assert msg == "prefix 10.0.0.64/28 is not wholly free: it is already allocated"
    for bad in ("10.0.0.0/28/28", "fe80::/124", "prefix"):
        msg = raises(sf.InvalidCidr, s.allocate_prefix, bad)
        assert bad.split("/")[0] in msg
    raises(sf.InvalidCidr, s.allocate_prefix, net("fe80::/124"))
    raises(sf.UnknownPolicy, s.allocate_prefix, "10.0.0.96/28", policy="nope")


def test_a_prefix_with_many_addresses_in_use_lists_four() -> None:
    s = sf.Subnet("10.0.0.0/24")
    for last in range(16, 22):
        s.allocate_ip(f"10.0.0.{last}")
    msg = raises(sf.AddressInUse, s.allocate_prefix, "10.0.0.16/28")
    assert msg.endswith("6 addresses in use (10.0.0.16, 10.0.0.17, 10.0.0.18, 10.0.0.19, ...)")


# --------------------------------------------------- capacity errors


def test_no_free_prefix_message_says_what_is_free() -> None:
    """The issue's example, built exactly: a /20 with 3,412 free addresses in
    runs of at most 12."""
    s = sf.Subnet("10.0.0.0/20", policy="lowest")
    for off in range(12, 4095, 13):  # every 13th address: no /28 stays free
        s.allocate_ip(netaddr.IPAddress(s.first + off))
    assert s.free_prefix_count() == 0
    while s.free_ip_count() > 3412:
        s.allocate_ip()
    msg = raises(sf.InsufficientCidrBlocks, s.allocate_prefix)
    assert msg == "no free aligned /28 in 10.0.0.0/20: 3,412 free addresses, largest free run 12"


def test_no_free_prefix_message_counts_blocks_inside_explicit_reservations() -> None:
    s = sf.Subnet("10.0.0.0/26", policy="lowest")
    s.reserve("10.0.0.16/28", "explicit")
    s.reserve("10.0.0.32/28", "explicit")
    assert s.free_prefix_count() == 0
    msg = raises(sf.InsufficientCidrBlocks, s.allocate_prefix, policy="random")
    assert msg == (
        "no free aligned /28 in 10.0.0.0/26: 59 free addresses, largest free run 59, "
        "2 free /28s inside explicit reservations"
    )


def test_no_free_address_message_when_the_rest_is_reserved() -> None:
    s = sf.Subnet("10.0.0.0/27")
    s.reserve("10.0.0.0/28", "prefix")
    s.reserve("10.0.0.16/28", "explicit")
    assert s.available_ip_count() == 0 and s.free_ip_count() == 27
    msg = raises(sf.InsufficientFreeAddresses, s.allocate_ip)
    assert msg == (
        "no free address outside CIDR reservations in 10.0.0.0/27: "
        "27 free addresses, all inside reservations"
    )
    for policy in POLICIES:
        raises(sf.InsufficientFreeAddresses, s.allocate_ip, policy=policy)
    # Explicit allocation inside them still works.
    assert s.allocate_ip("10.0.0.20") == ip("10.0.0.20")


def test_capacity_errors_are_raised_before_anything_is_drawn() -> None:
    s = sf.Subnet("10.0.0.0/28", seed=1)
    a = sf.Subnet("10.0.0.0/28", seed=1)
    raises(sf.InsufficientCidrBlocks, s.allocate_prefix)
    assert s.allocate_ip() == a.allocate_ip()


# ------------------------------------------------------------ release


@pytest.mark.parametrize(
    "form",
    [lambda t: t, lambda t: ip(t), lambda t: f"{t}/32", lambda t: net(f"{t}/32")],
    ids=["str", "IPAddress", "str/32", "IPNetwork/32"],
)
def test_release_an_address_in_every_form(form: Any) -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.77")
    s.release(form("10.0.0.77"))
    assert s.allocations() == [] and s.free_ip_count() == 251
    assert s.free_prefix_count() == 14


@pytest.mark.parametrize("form", [str, net], ids=["str", "IPNetwork"])
def test_release_a_prefix(form: Any) -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_prefix("10.0.0.96/28")
    s.release(form("10.0.0.96/28"))
    assert s.allocations() == [] and s.free_prefix_count() == 14


def test_release_errors_name_the_value() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.5")
    s.allocate_ip("10.0.0.48")
    s.allocate_prefix("10.0.0.96/28")
    bad = [
        "10.0.0.6",  # free
        "10.0.0.0",  # AWS-reserved
        "10.0.0.255",
        "10.0.1.5",  # outside
        "10.0.0.96",  # the first address of a prefix, as a /32
        "10.0.0.100",  # inside a prefix
        "10.0.0.100/28",  # non-canonical
        "10.0.0.96/27",  # wrong lengths
        "10.0.0.96/29",
        "10.0.0.0/24",
        "10.0.0.48/28",  # a /32 named as a /28
        "10.0.0.5/31",
        "::1",
        "nonsense",
        "10.0.0.5/²",
        "10.0.0.5/٣٢",
    ]
    for value in bad:
        msg = raises(sf.NotAllocated, s.release, value)
        assert value.split("/")[0] in msg, (value, msg)
    for value in (None, 5, ip("::1"), net("::/0"), [1]):
        msg = raises(sf.NotAllocated, s.release, value)
        assert str(value) in msg or repr(value) in msg
    s.release("10.0.0.5")
    msg = raises(sf.NotAllocated, s.release, "10.0.0.5")
    assert msg == "10.0.0.5 is not an allocation in 10.0.0.0/24"


# ------------------------------------------------------- reservations


def test_prefix_reserved_blocks_are_taken_first() -> None:
    for policy in POLICIES:
        s = sf.Subnet("10.0.0.0/24", policy=policy, seed=3)
        r = s.reserve("10.0.0.128/26", "prefix", reservation_id="scr-1")
        assert r == sf.Reservation(net("10.0.0.128/26"), "prefix", "scr-1")
        assert s.free_prefix_count() == 14
        inside = {s.allocate_prefix() for _ in range(4)}
        assert inside == {net(f"10.0.0.{b}/28") for b in (128, 144, 160, 176)}, policy
        nxt = s.allocate_prefix()
        assert nxt not in net("10.0.0.128/26"), policy
        assert s.free_prefix_count() == 9


def test_lowest_takes_the_lowest_block_of_the_prefix_reservation() -> None:
    s = sf.Subnet("10.0.0.0/24", policy="lowest")
    s.reserve("10.0.0.192/27", "prefix")
    assert s.allocate_prefix() == net("10.0.0.192/28")
    assert s.allocate_prefix() == net("10.0.0.208/28")
    assert s.allocate_prefix() == net("10.0.0.16/28")


def test_two_adjacent_29_prefix_reservations_do_not_make_a_preferred_block() -> None:
    """Issue 8 item 9, a decision (docs/concepts.md, "Subnet CIDR reservations"):
    AWS assigns a prefix *from a reserved range*, one range at a time, so a /28
    is preferred only when one prefix reservation holds it whole. Two /29s that
    together cover 10.0.0.32/28 leave it an ordinary block; one /28 does not."""
    for policy in POLICIES:
        s = sf.Subnet("10.0.0.0/24", policy=policy, seed=5)
        s.reserve("10.0.0.32/29", "prefix")
        s.reserve("10.0.0.40/29", "prefix")
        assert s.extent_map.tier_of_block(2) == GENERAL
        assert s.extent_map.candidate_count(PREFERRED) == 0
        assert s.free_prefix_count() == 14  # still a candidate, of the general tier
        assert s.available_ip_count() == 251 - 16  # its addresses are set aside for /32s
        if policy == "lowest":
            assert s.allocate_prefix() == net("10.0.0.16/28")
        whole = sf.Subnet("10.0.0.0/24", policy=policy, seed=5)
        whole.reserve("10.0.0.32/28", "prefix")
        assert whole.extent_map.tier_of_block(2) == PREFERRED
        assert whole.allocate_prefix() == net("10.0.0.32/28"), policy


def test_explicit_reserved_blocks_are_never_taken_automatically() -> None:
    for policy in POLICIES:
        s = sf.Subnet("10.0.0.0/24", policy=policy, seed=9)
        s.reserve("10.0.0.0/25", "explicit")
        s.reserve("10.0.0.200/29", "explicit")  # smaller than a /28: excludes its block
        assert s.free_prefix_count() == 6  # 128..192 and 208..224; 240 is AWS's
        assert s.available_ip_count() == 251 - 124 - 8
        got = [s.allocate_prefix() for _ in range(6)]
        assert all(p not in net("10.0.0.0/25") and p != net("10.0.0.192/28") for p in got)
        raises(sf.InsufficientCidrBlocks, s.allocate_prefix)
        while s.available_ip_count():
            a = s.allocate_ip()
            assert a not in net("10.0.0.0/25") and a not in net("10.0.0.200/29"), policy
        raises(sf.InsufficientFreeAddresses, s.allocate_ip)
        # ... but they may be named explicitly.
        assert s.allocate_prefix("10.0.0.16/28") == net("10.0.0.16/28")
        assert s.allocate_ip("10.0.0.200") == ip("10.0.0.200")


def test_explicit_allocations_inside_reservations_of_either_kind() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.reserve("10.0.0.64/26", "prefix")
    s.reserve("10.0.0.128/26", "explicit")
    assert s.allocate_ip("10.0.0.65") == ip("10.0.0.65")
    assert s.allocate_ip("10.0.0.129") == ip("10.0.0.129")
    assert s.allocate_prefix("10.0.0.96/28") == net("10.0.0.96/28")
    assert s.allocate_prefix("10.0.0.160/28") == net("10.0.0.160/28")
    assert s.available_ip_count() == 251 - 128
    assert s.free_ip_count() == 251 - 34


def test_available_count_excludes_reserved_free_addresses_and_unreserve_restores() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.allocate_ip("10.0.0.70")
    s.allocate_ip("10.0.0.10")
    assert s.available_ip_count() == 249
    r = s.reserve("10.0.0.64/26", "prefix")  # covers one address in use
    assert ip("10.0.0.70") in s  # creating it unassigns nothing
    assert s.available_ip_count() == 249 - 63
    assert s.free_ip_count() == 249
    assert s.free_prefix_count() == 13
    assert s.reservations() == [r]
    assert s.unreserve("10.0.0.64/26") == r
    assert s.reservations() == []
    assert s.available_ip_count() == 249 and s.free_prefix_count() == 13
    s.reserve("10.0.0.64/26", "explicit", reservation_id="scr-2")
    assert s.free_prefix_count() == 10
    back = s.unreserve(net("10.0.0.64/26"))
    assert back == sf.Reservation(net("10.0.0.64/26"), "explicit", "scr-2")
    assert s.free_prefix_count() == 13 and s.available_ip_count() == 249
    s.extent_map._check()


def test_reservations_are_listed_in_address_order() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.reserve("10.0.0.128/25", "explicit", reservation_id="scr-b")
    s.reserve("10.0.0.17/32", "prefix")
    s.reserve("10.0.0.32/27", "prefix", reservation_id="scr-a")
    assert s.reservations() == [
        sf.Reservation(net("10.0.0.17/32"), "prefix", None),
        sf.Reservation(net("10.0.0.32/27"), "prefix", "scr-a"),
        sf.Reservation(net("10.0.0.128/25"), "explicit", "scr-b"),
    ]
    assert s.reservations()[1].to_dict() == {
        "cidr": "10.0.0.32/27",
        "kind": "prefix",
        "reservation_id": "scr-a",
    }


def test_a_non_canonical_reservation_is_rewritten() -> None:
    s = sf.Subnet("10.0.0.0/24")
    r = s.reserve("10.0.0.77/26", "explicit")
    assert r.cidr == net("10.0.0.64/26")
    assert s.reservations() == [r]


def test_reservation_errors() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.reserve("10.0.0.64/26", "prefix")
    s.reserve("10.0.0.200/30", "explicit")
    msg = raises(sf.OutOfSubnet, s.reserve, "10.0.1.0/28", "prefix")
    assert msg == "reservation 10.0.1.0/28 is not inside 10.0.0.0/24"
    raises(sf.OutOfSubnet, s.reserve, "10.0.0.0/23", "prefix")  # larger than the subnet
    raises(sf.OutOfSubnet, s.reserve, "0.0.0.0/0", "explicit")
    for kind in ("Prefix", "", None, "both", 1, ["prefix"], {"prefix": 1}):
        msg = raises(sf.InvalidReservationKind, s.reserve, "10.0.0.16/28", kind)
        assert repr(kind) in msg, msg
    msg = raises(sf.ReservationConflict, s.reserve, "10.0.0.64/26", "explicit")
    assert msg == "reservation 10.0.0.64/26 overlaps the prefix reservation 10.0.0.64/26"
    msg = raises(sf.ReservationConflict, s.reserve, "10.0.0.0/25", "prefix")
    assert "10.0.0.0/25" in msg and "10.0.0.64/26" in msg
    msg = raises(sf.ReservationConflict, s.reserve, "10.0.0.80/28", "prefix")
    assert "10.0.0.80/28" in msg and "10.0.0.64/26" in msg
    msg = raises(sf.ReservationConflict, s.reserve, "10.0.0.192/28", "prefix")
    assert msg == "reservation 10.0.0.192/28 overlaps the explicit reservation 10.0.0.200/30"
    raises(sf.ReservationConflict, s.reserve, "10.0.0.201/32", "prefix")
    for bad in ("10.0.0.0/33", "nonsense", "fe80::/64"):
        raises(sf.InvalidCidr, s.reserve, bad, "prefix")


def test_unreserve_errors() -> None:
    s = sf.Subnet("10.0.0.0/24")
    s.reserve("10.0.0.64/26", "prefix")
    for other in ("10.0.0.64/27", "10.0.0.0/25", "10.0.0.96/27", "10.0.0.128/26", "10.0.1.0/26"):
        msg = raises(sf.UnknownReservation, s.unreserve, other)
        assert msg == f"no reservation {other} in 10.0.0.0/24"
    raises(sf.UnknownReservation, s.unreserve, "10.0.0.0/16")
    for bad in ("10.0.0.64/33", "nonsense", "fe80::/64", None):
        raises(sf.InvalidCidr, s.unreserve, bad)
    assert len(s.reservations()) == 1


# --------------------------------------------------------- policies


def test_lowest_policy() -> None:
    s = sf.Subnet("10.0.0.0/24", policy="lowest")
    assert [s.allocate_ip() for _ in range(3)] == [ip("10.0.0.4"), ip("10.0.0.5"), ip("10.0.0.6")]
    assert s.allocate_prefix() == net("10.0.0.16/28")
    s.release("10.0.0.5")
    assert s.allocate_ip() == ip("10.0.0.5")
    assert s.allocate_ip("10.0.0.8") == ip("10.0.0.8")
    assert s.allocate_ip() == ip("10.0.0.7")
    assert s.allocate_ip() == ip("10.0.0.9")


def test_pack_policy() -> None:
    s = sf.Subnet("10.0.0.0/24", policy="pack")
    # The first /28 has 12 free addresses: the fullest block.
    assert s.allocate_ip() == ip("10.0.0.4")
    s.allocate_ip("10.0.0.100")
    s.allocate_ip("10.0.0.101")
    # block 6 (96..111) has 14 free, block 15 (240..) has 15: the first /28 has 11.
    assert s.allocate_ip() == ip("10.0.0.5")
    for _ in range(10):
        s.allocate_ip()
    assert s.allocate_ip() == ip("10.0.0.96")  # the next fullest: block 6
    # prefixes: best fit, the first block of the shortest run of free blocks
    s.allocate_prefix("10.0.0.48/28")
    # free blocks now: 1, 2 | 4, 5 | 7..14  -> runs of 2, 2, 8: the lowest short one
    assert s.allocate_prefix() == net("10.0.0.16/28")
    assert s.allocate_prefix() == net("10.0.0.32/28")  # the run (2) of length 1
    assert s.allocate_prefix() == net("10.0.0.64/28")


def test_policy_can_be_overridden_per_call() -> None:
    s = sf.Subnet("10.0.0.0/24", policy="random", seed=4)
    assert s.allocate_ip(policy="lowest") == ip("10.0.0.4")
    assert s.allocate_prefix(policy="lowest") == net("10.0.0.16/28")
    assert s.policy == "random"
    raises(sf.UnknownPolicy, s.allocate_ip, policy="highest")
    raises(sf.UnknownPolicy, s.allocate_prefix, policy=3)


class Highest:
    """A policy object that is not registered: the highest candidate."""

    name = "highest"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        states = m.address_states()
        return next(off for off in range(m.size - 1, -1, -1) if states[off] == 0)

    def choose_block(self, m: ExtentMap, tier: int, rng: Random) -> int:
        blocks = range(m.nblocks - 1, -1, -1)
        return next(b for b in blocks if not m.used_in_block(b) and m.tier_of_block(b) == tier)


def test_a_policy_object_can_be_passed_without_registering() -> None:
    s = sf.Subnet("10.0.0.0/24", policy=Highest())
    assert s.policy == "highest"
    assert s.allocate_ip() == ip("10.0.0.254")
    assert s.allocate_prefix() == net("10.0.0.224/28")
    assert "highest" not in sf.policy_names()
    assert sf.policy_names() == sorted(sf.policy_names())
    assert {"lowest", "random", "pack"} <= set(sf.policy_names())


def test_register_policy_refuses_duplicates_and_non_policies() -> None:
    with pytest.raises(ValueError, match="'lowest'"):

        class Lowest2(Highest):
            name = "lowest"

        sf.register_policy(Lowest2())
    with pytest.raises(TypeError):
        sf.register_policy(object())  # type: ignore[arg-type]
    sf.register_policy(sf.get_policy("lowest"))  # the same object again: fine


def test_a_policy_object_is_recognised_by_its_class_without_the_protocol_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The runtime Protocol check costs 10-25 µs; get_policy runs on every
    # allocation given a Policy object, so it must run once per class, not per call.
    checks: list[object] = []
    meta = type(sf.Policy)
    real = meta.__instancecheck__

    def counting(cls: type, obj: object) -> bool:
        if cls is sf.Policy:
            checks.append(obj)
        return real(cls, obj)  # type: ignore[no-any-return]

    monkeypatch.setattr(meta, "__instancecheck__", counting)

    class Fresh(Highest):
        pass

    p = Fresh()
    s = sf.Subnet("10.0.0.0/24", seed=1)
    for _ in range(5):
        assert sf.get_policy(p) is p
        s.allocate_ip(policy=p)
    assert checks == []
    assert s.allocations() == [net(f"10.0.0.{i}/32") for i in range(250, 255)]


class _NoBlocks:
    name = "no-blocks"

    def choose_address(self, m: ExtentMap, rng: Random) -> int:
        return 4


class _BlocksNone(_NoBlocks):
    choose_block = None


@pytest.mark.parametrize("bad", [object(), 42, _NoBlocks(), _BlocksNone(), _NoBlocks])
def test_a_bad_policy_object_is_refused_every_time(bad: object) -> None:
    s = sf.Subnet("10.0.0.0/24", seed=1)
    for _ in range(2):  # no cache lets a bad object through the second time
        with pytest.raises(sf.UnknownPolicy, match="a policy is a name or a Policy object, not"):
            sf.get_policy(bad)  # type: ignore[arg-type]
        raises(sf.UnknownPolicy, s.allocate_ip, policy=bad)
        with pytest.raises(TypeError, match="does not implement the Policy protocol"):
            sf.register_policy(bad)  # type: ignore[arg-type]
        with pytest.raises(sf.UnknownPolicy):
            sf.Subnet("10.0.0.0/24", policy=bad)  # type: ignore[arg-type]
    assert "no-blocks" not in sf.policy_names()


def test_a_policy_with_members_on_the_instance_is_still_a_policy() -> None:
    highest = Highest()
    p = SimpleNamespace(
        name="per-instance",
        choose_address=highest.choose_address,
        choose_block=highest.choose_block,
    )
    assert sf.get_policy(p) is p  # type: ignore[arg-type]
    s = sf.Subnet("10.0.0.0/24", seed=1)
    assert s.allocate_ip(policy=p) == ip("10.0.0.254")  # type: ignore[arg-type]
    partial = SimpleNamespace(name="half", choose_address=highest.choose_address)
    with pytest.raises(sf.UnknownPolicy):
        sf.get_policy(partial)  # type: ignore[arg-type]


# -------------------------------------------------------- determinism


def run_sequence(policy: str, seed: int) -> list[str]:
    s = sf.Subnet("10.0.0.0/22", seed=seed, policy=policy)
    s.reserve("10.0.1.0/26", "prefix")
    out = []
    held: list[Any] = []
    rng = Random(0)  # drives the test's own choices identically
    for i in range(300):
        if i % 7 == 3 and s.can_fit_prefix():
            held.append(s.allocate_prefix())
        elif i % 5 == 4 and held:
            s.release(held.pop(rng.randrange(len(held))))
        elif s.available_ip_count():
            held.append(s.allocate_ip())
        out.append(str(held[-1]) if held else "")
    out.append(json.dumps(s.to_dict()["allocations"]))
    return out


@pytest.mark.parametrize("policy", POLICIES)
def test_same_seed_same_allocations(policy: str) -> None:
    assert run_sequence(policy, 11) == run_sequence(policy, 11)


def test_different_seeds_differ_for_random_only() -> None:
    assert run_sequence("random", 11) != run_sequence("random", 12)
    assert run_sequence("lowest", 11) == run_sequence("lowest", 12)
    assert run_sequence("pack", 11) == run_sequence("pack", 12)


# ------------------------------------------------------------- owners


def test_owners_are_recorded_and_returned() -> None:
    s = sf.Subnet("10.0.0.0/24")
    node = sf.Owner(eni_id="eni-1", instance_id="i-1", owner_class="node-primary", primary=True)
    pod = sf.Owner(eni_id="eni-1", instance_id="i-1", owner_class="eks-pod")
    s.allocate_ip("10.0.0.10", owner=node)
    s.allocate_prefix("10.0.0.32/28", owner=pod)
    auto = s.allocate_ip(owner=pod, policy="lowest")
    s.allocate_ip("10.0.0.11")
    assert s.owner_of("10.0.0.10") == node
    assert s.owner_of(ip("10.0.0.10")) == node
    assert s.owner_of("10.0.0.32/28") == pod
    assert s.owner_of("10.0.0.47") == pod
    assert s.owner_of(net("10.0.0.40/32")) == pod
    assert s.owner_of(auto) == pod
    assert s.owner_of("10.0.0.11") is None
    for bad in ("10.0.0.12", "10.0.0.0", "10.0.1.10", "nonsense", None):
        raises(sf.NotAllocated, s.owner_of, bad)
    s.release("10.0.0.10")
    raises(sf.NotAllocated, s.owner_of, "10.0.0.10")
    s.allocate_ip("10.0.0.10")
    assert s.owner_of("10.0.0.10") is None  # the old owner left with the release
    s.release("10.0.0.32/28")
    s.allocate_prefix("10.0.0.32/28")
    assert s.owner_of("10.0.0.33") is None


# ------------------------------------------------------------- JSON state


def busy_subnet(seed: int = 5) -> sf.Subnet:
    """A subnet whose index order depends on its history: allocations and
    releases in random order."""
    s = sf.Subnet("10.20.0.0/21", seed=seed, subnet_id="subnet-0abc")
    s.reserve("10.20.1.0/26", "prefix", reservation_id="scr-0001")
    s.reserve("10.20.2.128/28", "explicit")
    s.reserve("10.20.3.7/32", "explicit", reservation_id="scr-0002")
    held: list[Any] = []
    for i in range(200):
        if i % 4 == 0:
            owner = sf.Owner(eni_id=f"eni-{i}", owner_class="eks-pod")
            held.append(s.allocate_prefix(owner=owner))
        else:
            held.append(s.allocate_ip())
        if i % 3 == 1:
            s.release(held.pop(i % len(held)))
    assert s.free_prefix_count() > 20 and s.available_ip_count() > 500
    s.allocate_ip("10.20.2.130", owner=sf.Owner(instance_id="i-9", description="nat"))
    return s


def test_json_round_trip_keeps_everything() -> None:
    s = busy_subnet()
    data = s.to_dict()
    text = json.dumps(data)
    back = sf.Subnet.from_dict(json.loads(text))
    assert back.to_dict() == data
    assert back.cidr == s.cidr and back.subnet_id == "subnet-0abc" and back.policy == "random"
    assert back.allocations() == s.allocations()
    assert back.reservations() == s.reservations()
    assert back.free_extents() == s.free_extents()
    assert back.owner_of("10.20.2.130") == sf.Owner(instance_id="i-9", description="nat")
    for a in s.allocations():
        assert back.owner_of(a) == s.owner_of(a)
    assert repr(back) == repr(s)
    back.extent_map._check()


@pytest.mark.parametrize("policy", POLICIES)
def test_round_trip_continues_the_same_allocation_sequence(policy: str) -> None:
    s = busy_subnet()
    back = sf.Subnet.from_dict(json.loads(json.dumps(s.to_dict())))
    for i in range(60):
        if i % 3:
            assert s.allocate_ip(policy=policy) == back.allocate_ip(policy=policy), i
        else:
            assert s.allocate_prefix(policy=policy) == back.allocate_prefix(policy=policy), i
    assert s.to_dict() == back.to_dict()


def test_round_trip_of_a_subnet_with_other_policy_and_no_id() -> None:
    s = sf.Subnet("172.31.0.0/28", policy="pack")
    back = sf.Subnet.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back.policy == "pack" and back.subnet_id is None
    assert back.to_dict() == s.to_dict()


def _with(data: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    d = copy.deepcopy(data)
    cur = d
    for key in path[:-1]:
        cur = cur[key]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return d


MALFORMED: list[tuple[list[Any], Any, str]] = [
    (["format"], "other", "format"),
    (["version"], 2, "format"),
    (["version"], True, "format"),
    (["cidr"], KeyError, "cidr"),
    (["cidr"], None, "CIDR"),
    (["cidr"], "10.0.0.0/15", "/15"),
    (["cidr"], "2001:db8::/64", "IPv6"),
    (["policy"], "best", "best"),
    (["policy"], None, "policy"),
    (["subnet_id"], 5, "subnet_id"),
    (["reservations"], "x", "reservations"),
    (["reservations"], [5], "reservations[0]"),
    (["reservations"], [{"cidr": "10.0.0.0/28", "kind": "prefix", "x": 1}], "reservations[0]"),
    (["reservations"], [{"cidr": 5, "kind": "prefix"}], "reservations[0]"),
    (["reservations"], [{"kind": "prefix"}], "reservations[0]"),
    (["reservations"], [{"cidr": "10.20.0.0/28", "kind": "both"}], "reservations[0]"),
    (["reservations"], [{"cidr": "10.20.0.0/28", "kind": ["prefix"]}], "reservations[0]"),
    (["reservations"], [{"cidr": "10.20.0.0/28", "kind": {}}], "reservations[0]"),
    (
        ["reservations"],
        [{"cidr": "10.20.0.0/28", "kind": "prefix", "reservation_id": 7}],
        "reservation_id",
    ),
    (
        ["reservations"],
        [{"cidr": "10.20.0.0/28", "kind": "prefix"}, {"cidr": "10.20.0.0/27", "kind": "prefix"}],
        "reservations[1]",
    ),
    (["reservations"], [{"cidr": "10.21.0.0/28", "kind": "prefix"}], "reservations[0]"),
    (["allocations"], "x", "allocations"),
    (["allocations"], [5], "allocations[0]"),
    (["allocations"], [{}], "allocations[0]"),
    (["allocations"], [{"cidr": 5}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.9", "extra": 1}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.9", "owner": "me"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.9", "owner": {"bogus": 1}}], "bogus"),
    (["allocations"], [{"cidr": "10.20.0.9", "owner": {"owner_class": "cat"}}], "cat"),
    (["allocations"], [{"cidr": "10.20.0.9"}, {"cidr": "10.20.0.9"}], "allocations[1]"),
    (["allocations"], [{"cidr": "10.20.0.20/28"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.16/27"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.0/28"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.3"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.21.0.9"}], "allocations[0]"),
    (["allocations"], [{"cidr": "10.20.0.16/28"}, {"cidr": "10.20.0.17"}], "allocations[1]"),
    (["rng_state"], None, "rng_state"),
    (["rng_state"], "x", "rng_state"),
    (["rng_state", "internal"], KeyError, "rng_state"),
    (["rng_state", "internal"], "abc", "rng_state"),
    (["rng_state", "internal"], [0] * 10, "rng_state"),
    (["rng_state", "internal"], [0.5] * 625, "rng_state"),
    (["rng_state", "internal"], [True] * 625, "rng_state"),
    (["rng_state", "internal"], [-1] * 625, "rng_state"),
    (["rng_state", "internal"], [0] * 624 + [700], "rng_state"),
    (["rng_state", "version"], 9, "rng_state"),
    (["rng_state", "version"], "3", "rng_state"),
    (["rng_state", "gauss_next"], "abc", "rng_state"),
    (["rng_state", "gauss_next"], [1.0], "rng_state"),
    (["choice_order"], "x", "choice_order"),
    (["choice_order"], {"addresses": [], "prefix": []}, "choice_order"),
    (["choice_order", "addresses"], "0123", "choice_order"),
    (["choice_order", "addresses"], [], "choice_order"),
    (["choice_order", "prefix"], [3], "choice_order"),
    (["choice_order", "general"], [*range(14, 0, -1), 1], "choice_order"),
    (["choice_order", "general"], [True, *range(2, 15)], "choice_order"),
    (["choice_order", "general"], [str(b) for b in range(1, 15)], "choice_order"),
]


@pytest.mark.parametrize(
    ("path", "value", "named"), MALFORMED, ids=[f"{p}={v!r}"[:60] for p, v, _ in MALFORMED]
)
def test_from_dict_rejects_malformed_documents(path: list[Any], value: Any, named: str) -> None:
    s = sf.Subnet("10.20.0.0/24", seed=1)
    s.allocate_ip("10.20.0.100", owner=sf.Owner(eni_id="eni-1"))
    data = _with(json.loads(json.dumps(s.to_dict())), path, value)
    with pytest.raises(sf.InvalidState) as info:
        sf.Subnet.from_dict(data)
    assert type(info.value) is sf.InvalidState
    assert named in str(info.value), str(info.value)


@pytest.mark.parametrize("data", [None, [], "subnet", 5, {}])
def test_from_dict_rejects_what_is_not_a_state(data: Any) -> None:
    with pytest.raises(sf.InvalidState):
        sf.Subnet.from_dict(data)


def test_from_dict_without_choice_order_loads_the_same_state() -> None:
    s = busy_subnet()
    data = json.loads(json.dumps(s.to_dict()))
    del data["choice_order"]
    back = sf.Subnet.from_dict(data)
    assert back.allocations() == s.allocations()
    assert back.reservations() == s.reservations()
    assert back.free_prefix_count() == s.free_prefix_count()
    back.extent_map._check()


def test_from_dict_accepts_a_gauss_value_it_wrote() -> None:
    s = sf.Subnet("10.20.0.0/24", seed=1)
    data = s.to_dict()
    data["rng_state"]["gauss_next"] = 0.25
    back = sf.Subnet.from_dict(json.loads(json.dumps(data)))
    assert back.to_dict()["rng_state"]["gauss_next"] == 0.25


# ----------------------------------------------------------- inspection


def test_repr_is_useful() -> None:
    s = sf.Subnet("10.0.0.0/16", subnet_id="subnet-1", policy="pack")
    assert repr(s) == (
        "<Subnet 10.0.0.0/16 subnet-1 policy=pack free=65,531 available=65,531 free_prefixes=4,094>"
    )
    t = sf.Subnet("10.0.0.0/28")
    t.allocate_ip("10.0.0.5")
    assert repr(t) == "<Subnet 10.0.0.0/28 policy=random free=10 available=10 free_prefixes=0>"


def test_membership_allocations_and_free_extents() -> None:
    s = sf.Subnet("10.0.0.0/26")
    s.allocate_ip("10.0.0.9")
    s.allocate_prefix("10.0.0.32/28")
    s.allocate_ip("10.0.0.16")
    assert s.allocations() == [net("10.0.0.9/32"), net("10.0.0.16/32"), net("10.0.0.32/28")]
    assert s.free_extents() == [
        netaddr.IPRange("10.0.0.4", "10.0.0.8"),
        netaddr.IPRange("10.0.0.10", "10.0.0.15"),
        netaddr.IPRange("10.0.0.17", "10.0.0.31"),
        netaddr.IPRange("10.0.0.48", "10.0.0.62"),
    ]
    assert "10.0.0.9" in s and ip("10.0.0.40") in s and "10.0.0.47" in s
    assert "10.0.0.10" not in s and "10.0.0.0" not in s and "10.0.0.63" not in s
    assert "10.0.1.9" not in s and ip("0.0.0.0") not in s
    for bad in ("nonsense", "10.0.0.9/32", "::1", None):
        with pytest.raises(sf.InvalidCidr):
            bad in s  # noqa: B015


# ------------------------------------------------ random policy uniformity


def chi_square(counts: list[int]) -> float:
    n = sum(counts)
    expected = n / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


def test_random_addresses_are_uniform_over_eligible_addresses() -> None:
    """Blocks with 1, 8 and 16 free addresses: every free address is equally
    likely (the choice is not uniform over blocks). Fixed seed: deterministic."""
    s = sf.Subnet("10.0.0.0/26", seed=2024)
    for last in range(16, 31):  # block 1: only .31 left
        s.allocate_ip(f"10.0.0.{last}")
    for last in range(32, 40):  # block 2: .40 .. .47 left
        s.allocate_ip(f"10.0.0.{last}")
    s.reserve("10.0.0.56/29", "explicit")  # .56 .. .62 not eligible
    eligible = [o for o in range(64) if f"10.0.0.{o}" not in s and 4 <= o < 56 and o not in (63,)]
    assert len(eligible) == s.available_ip_count() == 12 + 1 + 8 + 8
    counts = dict.fromkeys(eligible, 0)
    for _ in range(len(eligible) * 400):
        a = s.allocate_ip()
        counts[int(a) - s.first] += 1
        s.release(a)
    # df = 28; the 0.999 quantile of chi-square(28) is 56.9
    assert chi_square(list(counts.values())) < 56.9, counts


def test_random_prefixes_are_uniform_over_the_tier() -> None:
    s = sf.Subnet("10.0.0.0/24", seed=77)
    s.allocate_ip("10.0.0.100")  # block 6 is no candidate
    counts = dict.fromkeys([b for b in range(1, 15) if b != 6], 0)
    for _ in range(len(counts) * 400):
        p = s.allocate_prefix()
        counts[(p.value - s.first) // 16] += 1
        s.release(p)
    # df = 12; the 0.999 quantile of chi-square(12) is 32.9
    assert chi_square(list(counts.values())) < 32.9, counts


def test_usable_ip_count_is_the_size_less_the_five_aws_reserved() -> None:
    for plen in (16, 20, 24, 28):
        s = sf.Subnet(f"10.0.0.0/{plen}")
        assert s.usable_ip_count() == s.size - len(s.aws_reserved_offsets()) == s.free_ip_count()
    assert sf.Subnet("10.0.0.0/24").usable_ip_count() == 251
