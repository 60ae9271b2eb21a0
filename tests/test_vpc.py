"""Vpc: every association rule accepted and refused, subnets, state.

The examples are the Amazon VPC User Guide's own where it gives one ("VPC CIDR
blocks": the RFC 1918 example blocks 10.0.0.0/16, 172.31.0.0/16 and
192.168.0.0/20; the VPC with blocks 10.0.0.0/16 and 10.2.0.0/16; the canonical
form 100.68.0.18/18 -> 100.68.0.0/18; the 10.0.0.0/15 and 10.0.0.0/16 ranges
of the restrictions table) and ranges named by the table otherwise.
"""

from __future__ import annotations

import json

import netaddr
import pytest

import subnetfrag as sf
from subnetfrag.vpc import (
    CidrAssociationError,
    CidrBlockInUse,
    CidrBlockLimitExceeded,
    CidrBlockSizeError,
    CidrOverlap,
    InvalidCidrBlockQuota,
    PrimaryCidrBlock,
    ReservedCidrRange,
    RestrictedCidrAssociation,
    SubnetConflict,
    SubnetInUse,
    SubnetNotInVpc,
    UnknownCidrBlock,
    UnknownSubnet,
    Vpc,
    check_association,
)

SOURCE = "IPv4 CIDR block association restrictions"

# (primary, secondary) pairs the table permits, one per row and kind.
PERMITTED = [
    # primary in 10.0.0.0/8: other 10/8 blocks, public, 100.64.0.0/10
    ("10.0.0.0/16", "10.2.0.0/16"),  # the user guide's own two-block VPC
    ("10.0.0.0/16", "10.255.255.240/28"),
    ("10.0.0.0/16", "100.64.0.0/16"),
    ("10.0.0.0/16", "100.127.255.0/24"),
    ("10.0.0.0/16", "11.0.0.0/16"),
    ("10.0.0.0/16", "203.0.113.0/24"),
    ("10.0.0.0/16", "198.18.0.0/16"),  # 198.18/16 is not 198.19/16
    ("10.0.0.0/16", "198.20.0.0/16"),
    ("10.0.0.0/16", "172.15.0.0/16"),  # just below 172.16.0.0/12: public
    ("10.0.0.0/16", "172.32.0.0/16"),  # just above it
    ("10.0.0.0/16", "192.169.0.0/16"),
    ("10.2.0.0/16", "10.3.0.0/16"),
    # primary in 172.16.0.0/12: other blocks of it but 172.31/16, public, CG-NAT
    ("172.16.0.0/16", "172.20.0.0/16"),
    ("172.16.0.0/16", "172.30.0.0/16"),
    ("172.31.0.0/16", "172.16.0.0/16"),  # the guide's example primary, default VPC range
    ("172.31.0.0/16", "100.64.0.0/16"),
    ("172.31.0.0/16", "52.95.0.0/16"),
    # primary in 192.168.0.0/16: any other block of it, public, CG-NAT
    ("192.168.0.0/20", "192.168.16.0/20"),  # the guide's example primary
    ("192.168.0.0/20", "192.168.255.0/24"),
    ("192.168.0.0/20", "100.64.0.0/16"),
    ("192.168.0.0/20", "8.8.0.0/16"),
    # primary in 198.19.0.0/16: public and CG-NAT
    ("198.19.0.0/24", "100.64.0.0/16"),
    ("198.19.0.0/24", "203.0.113.0/24"),
    ("198.19.0.0/24", "198.19.1.0/24"),  # not restricted by the table
    # public or 100.64.0.0/10 primary: other public, CG-NAT
    ("100.64.0.0/16", "100.65.0.0/16"),
    ("100.64.0.0/16", "203.0.113.0/24"),
    ("203.0.113.0/24", "100.64.0.0/16"),
    ("203.0.113.0/24", "198.51.100.0/24"),
    ("203.0.113.0/24", "198.18.0.0/16"),
]

# (primary, secondary, rule, range cited): what the table refuses.
RESTRICTED = [
    # 10.0.0.0/8 primary: other RFC 1918 ranges, 198.19.0.0/16
    ("10.0.0.0/16", "172.16.0.0/16", "rfc1918", "172.16.0.0/12"),
    ("10.0.0.0/16", "172.31.255.240/28", "rfc1918", "172.16.0.0/12"),
    ("10.0.0.0/16", "192.168.0.0/16", "rfc1918", "192.168.0.0/16"),
    ("10.0.0.0/16", "192.168.255.0/24", "rfc1918", "192.168.0.0/16"),
    ("10.0.0.0/16", "198.19.0.0/16", "198.19.0.0/16", "198.19.0.0/16"),
    ("10.0.0.0/16", "198.19.128.0/20", "198.19.0.0/16", "198.19.0.0/16"),
    # 172.16.0.0/12 primary: 10/8, 192.168/16, 172.31/16, 198.19/16
    ("172.16.0.0/16", "10.0.0.0/16", "rfc1918", "10.0.0.0/8"),
    ("172.16.0.0/16", "192.168.0.0/16", "rfc1918", "192.168.0.0/16"),
    ("172.16.0.0/16", "172.31.0.0/16", "172.31.0.0/16", "172.31.0.0/16"),
    ("172.20.0.0/16", "172.31.16.0/20", "172.31.0.0/16", "172.31.0.0/16"),
    ("172.31.0.0/20", "172.31.16.0/20", "172.31.0.0/16", "172.31.0.0/16"),
    ("172.16.0.0/16", "198.19.0.0/16", "198.19.0.0/16", "198.19.0.0/16"),
    # 192.168.0.0/16 primary: 10/8, 172.16/12, 198.19/16
    ("192.168.0.0/20", "10.0.0.0/16", "rfc1918", "10.0.0.0/8"),
    ("192.168.0.0/20", "172.16.0.0/16", "rfc1918", "172.16.0.0/12"),
    ("192.168.0.0/20", "198.19.0.0/16", "198.19.0.0/16", "198.19.0.0/16"),
    # 198.19.0.0/16 primary: every RFC 1918 range
    ("198.19.0.0/24", "10.0.0.0/16", "rfc1918", "10.0.0.0/8"),
    ("198.19.0.0/24", "172.16.0.0/16", "rfc1918", "172.16.0.0/12"),
    ("198.19.0.0/24", "192.168.0.0/16", "rfc1918", "192.168.0.0/16"),
    # public or 100.64.0.0/10 primary: RFC 1918 and 198.19.0.0/16
    ("100.64.0.0/16", "10.0.0.0/16", "rfc1918", "10.0.0.0/8"),
    ("100.64.0.0/16", "172.16.0.0/16", "rfc1918", "172.16.0.0/12"),
    ("100.64.0.0/16", "192.168.0.0/16", "rfc1918", "192.168.0.0/16"),
    ("100.64.0.0/16", "198.19.0.0/16", "198.19.0.0/16", "198.19.0.0/16"),
    ("203.0.113.0/24", "10.0.0.0/16", "rfc1918", "10.0.0.0/8"),
    ("203.0.113.0/24", "172.31.0.0/16", "rfc1918", "172.16.0.0/12"),
    ("203.0.113.0/24", "192.168.0.0/20", "rfc1918", "192.168.0.0/16"),
    ("203.0.113.0/24", "198.19.0.0/16", "198.19.0.0/16", "198.19.0.0/16"),
]

NEVER = [
    ("0.0.0.0/16", "0.0.0.0/8"),
    ("0.255.255.240/28", "0.0.0.0/8"),
    ("127.0.0.0/16", "127.0.0.0/8"),
    ("127.255.0.0/24", "127.0.0.0/8"),
    ("169.254.0.0/16", "169.254.0.0/16"),
    ("169.254.169.0/24", "169.254.0.0/16"),
    ("224.0.0.0/16", "224.0.0.0/4"),
    ("239.255.255.0/24", "224.0.0.0/4"),
]


@pytest.mark.parametrize(("primary", "cidr"), PERMITTED)
def test_permitted_associations(primary: str, cidr: str) -> None:
    vpc = Vpc(primary)
    assert vpc.check_association(cidr) == netaddr.IPNetwork(cidr)
    assert vpc.cidr_blocks() == [netaddr.IPNetwork(primary)]  # the check changed nothing
    assert vpc.associate_cidr(cidr) == netaddr.IPNetwork(cidr)
    assert vpc.cidr_blocks() == [netaddr.IPNetwork(primary), netaddr.IPNetwork(cidr)]
    assert check_association(primary, [], cidr) == netaddr.IPNetwork(cidr)


@pytest.mark.parametrize(("primary", "cidr", "rule", "cited"), RESTRICTED)
def test_restricted_associations(primary: str, cidr: str, rule: str, cited: str) -> None:
    vpc = Vpc(primary)
    with pytest.raises(RestrictedCidrAssociation) as info:
        vpc.associate_cidr(cidr)
    err = info.value
    assert err.rule == rule
    assert isinstance(err, CidrAssociationError) and isinstance(err, ValueError)
    assert isinstance(err, sf.SubnetFragError)
    msg = str(err)
    assert cidr in msg and primary in msg and cited in msg and SOURCE in msg
    assert vpc.cidr_blocks() == [netaddr.IPNetwork(primary)]
    with pytest.raises(RestrictedCidrAssociation):
        check_association(primary, [], cidr)


@pytest.mark.parametrize(("cidr", "cited"), NEVER)
def test_reserved_ranges_never_allowed(cidr: str, cited: str) -> None:
    with pytest.raises(ReservedCidrRange) as info:
        Vpc(cidr)
    assert cited in str(info.value) and info.value.rule == "reserved-range"
    for primary in ("10.0.0.0/16", "100.64.0.0/16", "203.0.113.0/24"):
        vpc = Vpc(primary)
        with pytest.raises(ReservedCidrRange) as info:
            vpc.associate_cidr(cidr)
        assert cidr in str(info.value) and cited in str(info.value)
        assert len(vpc.cidr_blocks()) == 1


def test_ranges_next_to_the_never_allowed_ones_are_fine() -> None:
    for cidr in ("1.0.0.0/16", "126.255.0.0/16", "128.0.0.0/16", "169.253.0.0/16"):
        Vpc(cidr)
    for cidr in ("169.255.0.0/16", "223.255.0.0/16", "240.0.0.0/16"):
        Vpc("203.0.113.0/24").associate_cidr(cidr)


def test_ten_slash_fifteen_rule_keys_on_every_block() -> None:
    """The table: "If any of the CIDR blocks associated with the VPC are from the
    10.0.0.0/15 range (10.0.0.0 to 10.1.255.255), you cannot add a CIDR block from
    the 10.0.0.0/16 range (10.0.0.0 to 10.0.255.255)."""
    # A primary in 10.0.0.0/15: 10.0.0.0/16 is refused, the rest of 10/8 is not.
    vpc = Vpc("10.1.0.0/16")
    for cidr in ("10.0.0.0/16", "10.0.0.0/24", "10.0.255.240/28"):
        with pytest.raises(RestrictedCidrAssociation) as info:
            vpc.associate_cidr(cidr)
        assert info.value.rule == "10.0.0.0/16"
        msg = str(info.value)
        assert "10.0.0.0/15" in msg and "10.1.0.0/16" in msg and SOURCE in msg
    vpc.associate_cidr("10.2.0.0/16")
    # A secondary block in 10.0.0.0/15 triggers it too.
    vpc = Vpc("10.5.0.0/16")
    vpc.associate_cidr("10.1.128.0/17")
    with pytest.raises(RestrictedCidrAssociation, match=r"10\.1\.128\.0/17"):
        vpc.associate_cidr("10.0.0.0/16")
    # No block in 10.0.0.0/15 yet: 10.0.0.0/16 is permitted ...
    vpc = Vpc("10.5.0.0/16")
    vpc.associate_cidr("10.0.0.0/24")
    # ... and then it is itself in 10.0.0.0/15: the rest of 10.0.0.0/16 is not.
    with pytest.raises(RestrictedCidrAssociation, match=r"10\.0\.0\.0/24"):
        vpc.associate_cidr("10.0.1.0/24")
    vpc.associate_cidr("10.1.0.0/16")  # 10.1/16 lies outside 10.0.0.0/16: fine
    # A primary outside 10.0.0.0/15 with nothing in it: 10.0.0.0/16 is fine.
    Vpc("10.2.0.0/16").associate_cidr("10.0.0.0/16")
    assert check_association("10.5.0.0/16", ["10.1.0.0/24"], "10.100.0.0/16")
    with pytest.raises(RestrictedCidrAssociation):
        check_association("10.5.0.0/16", ["10.1.0.0/24"], "10.0.0.0/16")


def test_rows_key_on_the_primary_block() -> None:
    """A 100.64.0.0/10 secondary does not turn an RFC 1918 VPC into a CG-NAT one:
    the guide adds RFC 1918 blocks to such a VPC by creating it with one first."""
    vpc = Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    vpc.associate_cidr("10.2.0.0/16")
    with pytest.raises(RestrictedCidrAssociation):
        vpc.associate_cidr("192.168.0.0/16")


@pytest.mark.parametrize("cidr", ["10.0.0.0/15", "10.0.0.0/8", "10.0.0.0/29", "10.0.0.0/32"])
def test_block_size(cidr: str) -> None:
    with pytest.raises(CidrBlockSizeError) as info:
        Vpc(cidr)
    assert info.value.rule == "size" and "/16 to /28" in str(info.value)
    assert isinstance(info.value, sf.InvalidCidr)
    vpc = Vpc("100.64.0.0/16")
    with pytest.raises(CidrBlockSizeError):
        vpc.associate_cidr(cidr)
    assert len(vpc.cidr_blocks()) == 1


def test_sizes_at_the_bounds_and_canonical_form() -> None:
    vpc = Vpc("10.0.0.7/28")
    assert vpc.primary_cidr == netaddr.IPNetwork("10.0.0.0/28")
    # The guide's example: 100.68.0.18/18 is created as 100.68.0.0/18.
    assert vpc.associate_cidr("100.68.0.18/18") == netaddr.IPNetwork("100.68.0.0/18")
    assert vpc.associate_cidr(netaddr.IPNetwork("11.0.0.0/16")) == netaddr.IPNetwork("11.0.0.0/16")
    assert [str(b) for b in vpc.cidr_blocks()] == ["10.0.0.0/28", "100.68.0.0/18", "11.0.0.0/16"]


@pytest.mark.parametrize("bad", ["", "10.0.0", "10.0.0.0/33", "::/64", None, 42])
def test_malformed(bad: object) -> None:
    with pytest.raises(sf.InvalidCidr):
        Vpc(bad)  # type: ignore[arg-type]
    vpc = Vpc("10.0.0.0/16")
    with pytest.raises(sf.InvalidCidr):
        vpc.associate_cidr(bad)  # type: ignore[arg-type]
    with pytest.raises(UnknownCidrBlock):
        vpc.disassociate_cidr(bad)  # type: ignore[arg-type]


def test_overlap() -> None:
    vpc = Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    for cidr, other in [
        ("10.0.0.0/16", "10.0.0.0/16"),
        ("10.0.128.0/17", "10.0.0.0/16"),
        ("100.64.255.240/28", "100.64.0.0/16"),
    ]:
        with pytest.raises(CidrOverlap) as info:
            vpc.associate_cidr(cidr)
        assert info.value.rule == "overlap" and other in str(info.value) and cidr in str(info.value)
    # A /16 around a smaller primary overlaps it too.
    vpc = Vpc("100.64.1.0/24")
    with pytest.raises(CidrOverlap):
        vpc.associate_cidr("100.64.0.0/16")
    assert len(vpc.cidr_blocks()) == 1


def test_quota() -> None:
    vpc = Vpc("10.0.0.0/16")
    assert vpc.max_cidr_blocks == 5
    for i in range(1, 5):
        vpc.associate_cidr(f"100.{64 + i}.0.0/16")
    with pytest.raises(CidrBlockLimitExceeded) as info:
        vpc.associate_cidr("100.70.0.0/16")
    assert info.value.rule == "quota" and "5" in str(info.value) and "50" in str(info.value)
    assert len(vpc.cidr_blocks()) == 5
    # After a disassociation there is room again.
    vpc.disassociate_cidr("100.66.0.0/16")
    vpc.associate_cidr("100.70.0.0/16")
    big = Vpc("10.0.0.0/16", max_cidr_blocks=50)
    for i in range(49):
        big.associate_cidr(f"100.{64 + i}.0.0/16")
    with pytest.raises(CidrBlockLimitExceeded):
        big.associate_cidr("100.120.0.0/16")
    single = Vpc("10.0.0.0/16", max_cidr_blocks=1)
    with pytest.raises(CidrBlockLimitExceeded):
        single.associate_cidr("100.64.0.0/16")


@pytest.mark.parametrize("bad", [0, 51, -1, True, 5.0, "5", None])
def test_quota_argument(bad: object) -> None:
    with pytest.raises(InvalidCidrBlockQuota):
        Vpc("10.0.0.0/16", max_cidr_blocks=bad)  # type: ignore[arg-type]


def test_check_order_size_then_reserved_then_overlap_then_table_then_quota() -> None:
    vpc = Vpc("10.0.0.0/16", max_cidr_blocks=1)
    with pytest.raises(CidrBlockSizeError):
        vpc.associate_cidr("169.254.0.0/15")
    with pytest.raises(ReservedCidrRange):
        vpc.associate_cidr("169.254.0.0/16")
    with pytest.raises(CidrOverlap):
        vpc.associate_cidr("10.0.0.0/24")
    with pytest.raises(RestrictedCidrAssociation):
        vpc.associate_cidr("192.168.0.0/16")
    with pytest.raises(CidrBlockLimitExceeded):
        vpc.associate_cidr("100.64.0.0/16")


def test_disassociate() -> None:
    vpc = Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    with pytest.raises(PrimaryCidrBlock) as info:
        vpc.disassociate_cidr("10.0.0.0/16")
    assert info.value.rule == "primary" and "primary" in str(info.value)
    s = vpc.create_subnet("100.64.0.0/18", subnet_id="pods-a")
    with pytest.raises(CidrBlockInUse) as info2:
        vpc.disassociate_cidr("100.64.0.0/16")
    assert "100.64.0.0/18 (pods-a)" in str(info2.value) and info2.value.rule == "in-use"
    for unknown in ("100.65.0.0/16", "100.64.0.0/17", "100.64.0.5/16"):
        with pytest.raises(UnknownCidrBlock) as info3:
            vpc.disassociate_cidr(unknown)
        assert isinstance(info3.value, LookupError) and info3.value.rule == "unknown"
    assert len(vpc.cidr_blocks()) == 2
    vpc.delete_subnet(s)
    assert vpc.disassociate_cidr("100.64.0.0/16") == netaddr.IPNetwork("100.64.0.0/16")
    assert vpc.cidr_blocks() == [netaddr.IPNetwork("10.0.0.0/16")]
    with pytest.raises(SubnetNotInVpc):
        vpc.create_subnet("100.64.0.0/18")


def test_subnets_inside_one_block_without_overlap() -> None:
    # (10.0.0.0/24 + 10.0.1.0/24 would break the 10.0.0.0/15 rule.)
    vpc = Vpc("10.2.0.0/24")
    vpc.associate_cidr("10.2.1.0/24")
    a = vpc.create_subnet("10.2.0.0/25", subnet_id="a", seed=1, policy="lowest")
    assert a.policy == "lowest" and a.subnet_id == "a"
    # Spanning two adjacent blocks: inside no single block.
    with pytest.raises(SubnetNotInVpc) as info:
        vpc.create_subnet("10.2.0.0/23")
    assert "10.2.0.0/23" in str(info.value) and "single block" in str(info.value)
    with pytest.raises(SubnetNotInVpc):
        vpc.create_subnet("10.2.2.0/24")
    for cidr in ("10.2.0.0/26", "10.2.0.64/26", "10.2.0.0/24", "10.2.0.112/28"):
        with pytest.raises(SubnetConflict) as info2:
            vpc.create_subnet(cidr)
        assert "10.2.0.0/25 (a)" in str(info2.value)
    with pytest.raises(SubnetConflict, match="'a'"):
        vpc.create_subnet("10.2.0.128/25", subnet_id="a")
    with pytest.raises(sf.InvalidCidr):
        vpc.create_subnet("10.2.0.128/29")
    b = vpc.create_subnet("10.2.1.0/24", subnet_id="b")
    c = vpc.create_subnet("10.2.0.128/26")
    assert vpc.subnets() == [a, c, b]
    assert vpc.subnet("a") is a and vpc.subnet("10.2.1.0/24") is b
    assert vpc.subnet(netaddr.IPNetwork("10.2.0.128/26")) is c
    for missing in ("zz", "10.2.0.128/25", "10.2.0.129/26", "10.2.2.0/24"):
        with pytest.raises(UnknownSubnet):
            vpc.subnet(missing)
    assert vpc.subnet_of("10.2.0.200") is None
    assert vpc.subnet_of("10.2.0.130") is c and vpc.subnet_of("10.2.1.255") is b
    assert vpc.block_of("10.2.0.128/26") == netaddr.IPNetwork("10.2.0.0/24")
    with pytest.raises(SubnetNotInVpc):
        vpc.block_of("10.2.0.0/23")


def test_delete_subnet_refused_while_it_holds_allocations() -> None:
    vpc = Vpc("10.0.0.0/16")
    s = vpc.create_subnet("10.0.0.0/24", subnet_id="nodes")
    ip = s.allocate_ip()
    pfx = s.allocate_prefix()
    for key in (s, "nodes", "10.0.0.0/24"):
        with pytest.raises(SubnetInUse) as info:
            vpc.delete_subnet(key)
        assert "17 addresses" in str(info.value)
    s.release(ip)
    with pytest.raises(SubnetInUse, match="16 addresses"):
        vpc.delete_subnet("nodes")
    s.release(pfx)
    s.reserve("10.0.0.16/28", "prefix")  # reservations do not block deletion
    assert vpc.delete_subnet("nodes") is s
    assert vpc.subnets() == []
    with pytest.raises(UnknownSubnet):
        vpc.delete_subnet(s)
    with pytest.raises(UnknownSubnet):
        vpc.delete_subnet("nodes")
    # The id and the space are free again.
    vpc.create_subnet("10.0.0.0/24", subnet_id="nodes")


def test_add_existing_subnet() -> None:
    vpc = Vpc("10.0.0.0/16")
    s = sf.Subnet("10.0.4.0/22", subnet_id="subnet-0abc")
    assert vpc.add_subnet(s) is s
    with pytest.raises(SubnetConflict):
        vpc.add_subnet(sf.Subnet("10.0.4.0/24"))
    with pytest.raises(SubnetNotInVpc):
        vpc.add_subnet(sf.Subnet("10.1.0.0/24"))
    with pytest.raises(TypeError):
        vpc.add_subnet("10.0.8.0/24")  # type: ignore[arg-type]
    other = sf.Subnet("10.0.4.0/22")
    with pytest.raises(UnknownSubnet):
        vpc.delete_subnet(other)  # same CIDR, another object


def test_find_free_cidr() -> None:
    vpc = Vpc("10.0.0.0/16")
    vpc.associate_cidr("100.64.0.0/16")
    assert vpc.find_free_cidr(18) == netaddr.IPNetwork("10.0.0.0/18")
    assert vpc.find_free_cidr(18, within="100.64.0.0/16") == netaddr.IPNetwork("100.64.0.0/18")
    vpc.create_subnet("100.64.0.0/20")
    vpc.create_subnet("100.64.64.0/24")
    assert vpc.find_free_cidr(18, within="100.64.0.0/16") == netaddr.IPNetwork("100.64.128.0/18")
    assert vpc.find_free_cidr(20, within="100.64.0.0/16") == netaddr.IPNetwork("100.64.16.0/20")
    assert vpc.find_free_cidr(24, within="100.64.0.0/16") == netaddr.IPNetwork("100.64.16.0/24")
    for cidr in ("100.64.128.0/18", "100.64.192.0/18"):
        vpc.create_subnet(cidr)
    assert vpc.find_free_cidr(18, within="100.64.0.0/16") is None
    assert vpc.find_free_cidr(16, within="100.64.0.0/16") is None
    assert vpc.find_free_cidr(16) == netaddr.IPNetwork("10.0.0.0/16")
    tiny = Vpc("10.0.0.0/28")
    assert tiny.find_free_cidr(27) is None
    assert tiny.find_free_cidr(28) == netaddr.IPNetwork("10.0.0.0/28")
    for bad in (15, 29, "18", True):
        with pytest.raises(sf.InvalidCidr):
            vpc.find_free_cidr(bad)  # type: ignore[arg-type]
    with pytest.raises(UnknownCidrBlock):
        vpc.find_free_cidr(18, within="100.65.0.0/16")


def test_find_free_cidr_against_brute_force() -> None:
    import random

    rng = random.Random(5)
    for _ in range(40):
        vpc = Vpc("10.0.0.0/22")
        taken: list[netaddr.IPNetwork] = []
        for _ in range(rng.randrange(8)):
            plen = rng.randrange(24, 29)
            cand = netaddr.IPNetwork((0x0A000000 + rng.randrange(1024), plen), version=4).cidr
            if all(not (cand.first <= t.last and t.first <= cand.last) for t in taken):
                vpc.create_subnet(cand)
                taken.append(cand)
        for plen in range(22, 29):
            expected = None
            for start in range(0x0A000000, 0x0A000400, 1 << (32 - plen)):
                cand = netaddr.IPNetwork((start, plen), version=4)
                if all(not (cand.first <= t.last and t.first <= cand.last) for t in taken):
                    expected = cand
                    break
            assert vpc.find_free_cidr(plen) == expected


def test_state_round_trip() -> None:
    vpc = Vpc("10.5.0.0/16", max_cidr_blocks=7, vpc_id="vpc-0abc")
    vpc.associate_cidr("10.0.0.0/24")
    vpc.associate_cidr("100.64.0.0/16")
    a = vpc.create_subnet("10.5.0.0/20", subnet_id="nodes-a", seed=3)
    b = vpc.create_subnet("100.64.0.0/18", subnet_id="pods-a", seed=4, policy="pack")
    a.allocate_ip()
    b.allocate_prefix()
    b.reserve("100.64.16.0/20", "prefix")
    data = vpc.to_dict()
    assert json.loads(json.dumps(data)) == data
    back = Vpc.from_dict(json.loads(json.dumps(data)))
    assert back.to_dict() == data
    assert back.vpc_id == "vpc-0abc" and back.max_cidr_blocks == 7
    assert [str(x) for x in back.cidr_blocks()] == ["10.5.0.0/16", "10.0.0.0/24", "100.64.0.0/16"]
    # The RNG state came along: both draw the same next address.
    assert back.subnet("nodes-a").allocate_ip() == a.allocate_ip()
    assert repr(back).startswith("<Vpc vpc-0abc blocks=[10.5.0.0/16")


def test_state_errors() -> None:
    good = Vpc("10.0.0.0/16")
    good.create_subnet("10.0.0.0/24")
    data = good.to_dict()
    bad_docs: list[object] = [
        None,
        [],
        {**data, "format": "x"},
        {**data, "version": 2},
        {k: v for k, v in data.items() if k != "subnets"},
        {**data, "cidr_blocks": []},
        {**data, "cidr_blocks": "10.0.0.0/16"},
        {**data, "cidr_blocks": ["10.0.0.0/16", "192.168.0.0/16"]},  # restricted
        {**data, "cidr_blocks": ["169.254.0.0/16"]},
        {**data, "max_cidr_blocks": 99},
        {**data, "vpc_id": 5},
        {**data, "subnets": {}},
        {**data, "subnets": [{"format": "nope"}]},
        {**data, "subnets": [data["subnets"][0], data["subnets"][0]]},  # overlap
        {**data, "subnets": [{**data["subnets"][0], "cidr": "10.1.0.0/24"}]},  # outside
    ]
    for doc in bad_docs:
        with pytest.raises(sf.InvalidState):
            Vpc.from_dict(doc)


def test_docs_examples_run() -> None:
    """The examples of docs/vpc.md, run as doctests."""
    import doctest
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "vpc.md"
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 30
    assert result.failed == 0
