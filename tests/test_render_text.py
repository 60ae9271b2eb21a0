"""Terminal colour, the text report, and the advice text (commands, Terraform)."""

from __future__ import annotations

import io
import shlex
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnetfrag import Subnet
from subnetfrag.advice import DefragPlan, Move, OwnerGroup, ReservationSuggestion
from subnetfrag.aws import AwsSubnet, SubnetInfo
from subnetfrag.owner import Owner
from subnetfrag.render.advice_text import (
    RESERVATION_DESCRIPTION,
    aws_cli_command,
    render_plan,
    render_reservation,
    terraform_block,
)
from subnetfrag.render.terminal import Style, can_encode, colour_wanted, printable
from subnetfrag.render.text_report import render_owners, render_report, render_subnet


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# --------------------------------------------------------------- terminal


def test_colour_wanted() -> None:
    assert colour_wanted(Tty(), environ={})
    assert not colour_wanted(io.StringIO(), environ={})
    assert not colour_wanted(Tty(), environ={"NO_COLOR": "1"})
    assert colour_wanted(Tty(), environ={"NO_COLOR": ""})
    assert colour_wanted(io.StringIO(), "always", environ={"NO_COLOR": "1"})
    assert not colour_wanted(Tty(), "never", environ={})
    closed = io.StringIO()
    closed.close()  # isatty() now raises ValueError
    assert not colour_wanted(closed, environ={})
    assert not colour_wanted(object(), environ={})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="colour mode"):
        colour_wanted(Tty(), "sometimes")


def test_can_encode_and_style() -> None:
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert not can_encode(ascii_stream, "\u25a3")
    assert can_encode(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), "\u25a3")
    assert can_encode(io.StringIO(), "\u25a3")
    assert Style(False).paint("x", "red") == "x"
    assert Style(True).paint("x", "red") == "\x1b[31mx\x1b[0m"
    assert Style(True).paint("x", None) == "x"
    assert Style(True).severity("HIGH") == "\x1b[31mHIGH\x1b[0m"
    assert Style(True).severity(None) == "n/a"


# ------------------------------------------------------------ text report


def aws(subnet: Subnet, **info: object) -> AwsSubnet:
    return AwsSubnet(subnet, SubnetInfo(subnet.subnet_id or "subnet-x", str(subnet.cidr), **info))  # type: ignore[arg-type]


def test_report_of_a_full_subnet() -> None:
    s = Subnet("10.0.0.0/28", subnet_id="subnet-full")
    while s.free_ip_count():
        s.allocate_ip()
    text = "\n".join(render_report(s.report(), Style(False)))
    assert "free /28 prefixes         0  (no /28 prefix fits: InsufficientCidrBlocks)" in text
    assert "AWS fragmentation score   n/a (no candidate /28 block)" in text
    assert "stranded addresses        0 free in no free /28\n" in text
    assert "largest free block        none (nothing is free)" in text
    assert "free blocks by size       none" in text
    assert "fragmentation 0.000" in text  # nothing free: the kernel's 0
    assert "in reservations" not in text


def test_report_colours_the_band_and_an_empty_prefix_count() -> None:
    s = Subnet("10.0.0.0/24", subnet_id="subnet-1")
    s.allocate_ip("10.0.0.20")
    lines = render_report(s.report(), Style(True))
    assert "\x1b[" not in lines[0]  # free prefixes > 0: plain
    assert "\x1b[32mHEALTHY\x1b[0m" in lines[1]
    full = Subnet("10.0.1.0/28")
    assert "\x1b[1;31m0\x1b[0m" in render_report(full.report(), Style(True))[0]


def test_subnet_heading_owners_and_warnings() -> None:
    s = Subnet("10.0.0.0/26", subnet_id="subnet-1")
    assert render_owners(aws(s), Style(False)) == ["  owners: nothing allocated"]
    s.allocate_prefix("10.0.0.16/28", owner=Owner(eni_id="eni-1", owner_class="eks-pod"))
    s.allocate_ip("10.0.0.40")
    subnet = aws(s, vpc_id="vpc-1", availability_zone="us-east-1b", tags={"Name": "pods-b"})
    text = render_subnet(subnet, Style(False), discovery=["nodegroup:ng-1"])
    first = text.splitlines()[0]
    assert first == (
        'subnet-1  10.0.0.0/26  "pods-b"  (us-east-1b, vpc-1)  found by nodegroup:ng-1'
    )
    assert "  eks-pod               16         1      1" in text
    assert "  other                  1         0      0" in text
    assert "in reservations" not in text and "warning" not in text
    mapped = render_subnet(subnet, Style(False), block_map=True, ascii=True)
    assert "  4 blocks; each cell one /28" in mapped
    assert "  10.0.0.0  R A % R" in mapped


# ------------------------------------------------------------ advice text


def test_aws_cli_command_is_exact_and_quoted() -> None:
    cmd = aws_cli_command("subnet-1", "10.0.0.0/25", region="eu-west-1", profile="my prof")
    assert cmd == (
        "aws ec2 create-subnet-cidr-reservation --subnet-id subnet-1 --cidr 10.0.0.0/25 "
        "--reservation-type prefix --description 'subnetfrag: keep for EKS /28 prefixes' "
        "--region eu-west-1 --profile 'my prof'"
    )
    assert shlex.split(cmd)[-1] == "my prof"
    assert "--region" not in aws_cli_command("subnet-1", "10.0.0.0/25")


def test_terraform_block() -> None:
    assert terraform_block("subnet-1", "10.0.8.0/21") == "\n".join(
        [
            'resource "aws_ec2_subnet_cidr_reservation" "eks_prefixes_10_0_8_0_21" {',
            '  subnet_id        = "subnet-1"',
            '  cidr_block       = "10.0.8.0/21"',
            '  reservation_type = "prefix"',
            f'  description      = "{RESERVATION_DESCRIPTION}"',
            "}",
        ]
    )
    assert 'subnet_id        = "a\\"b$${x}"' in terraform_block('a"b${x}', "10.0.0.0/28")


def _plan(groups: tuple[OwnerGroup, ...], moves: tuple[Move, ...], **kw: object) -> DefragPlan:
    fields: dict[str, object] = {
        "want": 2,
        "recovered": ("10.0.0.16/28",),
        "moves": moves,
        "relocate": False,
        "within": None,
        "free_prefixes_before": 1,
        "free_prefixes_after": 2,
        "reason": "1 of the 2 blocks wanted can be recovered",
        "groups": groups,
    }
    fields.update(kw)
    return DefragPlan(**fields)  # type: ignore[arg-type]


def test_plan_groups_by_kind_of_owner() -> None:
    lam = Owner(eni_id="eni-l", owner_class="lambda", primary=True)
    m1 = Move("10.0.0.17", "10.0.0.16/28", lam)
    m2 = Move("10.0.0.18", "10.0.0.16/28", None)
    groups = (
        OwnerGroup("eni-l", "eni", (m1,), (), 0),
        OwnerGroup(None, "unknown", (m2,), ("10.0.0.16/28",), 1),
    )
    lines = render_plan(_plan(groups, (m1, m2)), Style(False))
    assert lines[0] == (
        "  repair plan: release 2 addresses to recover 1 /28 block (free /28 prefixes 1 -> 2)"
    )
    assert lines[1] == "    short: 1 of the 2 blocks wanted can be recovered"
    assert "nodes to drain" not in "\n".join(lines)
    assert (
        "    move ENI eni-l (lambda): 1 address, recovers no block on its own "
        "(completes blocks with later owners)"
    ) in lines
    assert "      10.0.0.17 in 10.0.0.16/28  (lambda, eni-l, primary)" in lines
    assert (
        "    addresses without a recorded owner: 1 address, recovers 1 block, "
        "1 shared with earlier owners: 10.0.0.16/28"
    ) in lines
    assert "      10.0.0.18 in 10.0.0.16/28  (unknown holder)" in lines


def test_plan_without_owners_or_moves() -> None:
    move = Move("10.0.0.17", "10.0.0.16/28", None, "10.0.0.5", "10.0.0.0/28")
    lines = render_plan(
        _plan((), (move,), relocate=True, within="10.0.0.0/26", reason=None), Style(False)
    )
    assert lines == [
        "  repair plan inside 10.0.0.0/26: relocate 1 address to recover 1 /28 block "
        "(free /28 prefixes 1 -> 2)",
        "  moves:",
        "      10.0.0.17 in 10.0.0.16/28 -> 10.0.0.5 in 10.0.0.0/28  (unknown holder)",
    ]
    empty = render_plan(_plan((), (), recovered=(), reason=None), Style(False))
    assert empty == ["  repair plan: nothing to move"]


def _suggestion(**kw: object) -> ReservationSuggestion:
    fields: dict[str, object] = {
        "prefixes": 2,
        "possible": True,
        "cidrs": ("10.0.0.16/28", "10.0.0.32/28"),
        "addresses": 32,
        "free_prefixes_inside": 2,
        "allocated_inside": 0,
        "free_prefix_count_before": 2,
        "free_prefix_count_after": 2,
        "available_ip_count_before": 100,
        "available_ip_count_after": 68,
        "already_reserved": 0,
        "reason": None,
    }
    fields.update(kw)
    return ReservationSuggestion(**fields)  # type: ignore[arg-type]


def test_reservation_text_ends_with_commands_and_terraform() -> None:
    lines = render_reservation("subnet-1", _suggestion(), Style(False), after_plan=False)
    text = "\n".join(lines)
    assert lines[0].startswith("  prefix reservation: 10.0.0.16/28, 10.0.0.32/28 (32 addresses;")
    assert "available addresses: 100, then 68 with the reservation" in text
    assert "before the moves" not in text
    assert text.count("aws ec2 create-subnet-cidr-reservation") == 2
    assert text.count('resource "aws_ec2_subnet_cidr_reservation"') == 2
    assert lines[-1] == "    }"
    after = "\n".join(render_reservation("subnet-1", _suggestion(), Style(False), after_plan=True))
    assert "once the plan is carried out" in after and "before the moves" in after


def test_reservation_not_possible() -> None:
    s = _suggestion(possible=False, cidrs=(), reason="holds 1 free /28s, fewer than 2")
    assert render_reservation("subnet-1", s, Style(False), after_plan=False) == [
        "  prefix reservation for 2 free /28s: not possible: holds 1 free /28s, fewer than 2"
    ]


_BIDI = {"\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F))}
_BIDI |= set(map(chr, range(0x2066, 0x206A)))


def _escaped(c: str) -> str:
    """The model: one character as a terminal may show it."""
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    if c in named:
        return named[c]
    if unicodedata.category(c) == "Cc":  # C0, DEL and C1
        return f"\\x{ord(c):02x}"
    return f"\\u{ord(c):04x}" if c in _BIDI else c


@given(st.text(st.characters(codec="utf-8") | st.sampled_from(sorted(_BIDI))))
def test_printable_escapes_exactly_the_controls(text: str) -> None:
    shown = printable(text)
    assert shown == "".join(map(_escaped, text))
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert not set(shown) & _BIDI


def test_printable_of_none_is_empty() -> None:
    assert printable(None) == "" and printable("eni-0abc") == "eni-0abc"
    assert printable("\x1b[31mred") == "\\x1b[31mred"


def test_the_owner_table_says_who_the_other_enis_are() -> None:
    s = Subnet("10.0.0.0/24", subnet_id="subnet-1")
    descriptions = ["EFS mount target", "EFS mount target", None, "\x1b[2Jx", "a", "b", "c", "d"]
    for n, desc in enumerate(descriptions):
        owner = Owner(eni_id=f"eni-{n}", owner_class="other", description=desc)
        s.allocate_ip(f"10.0.0.{10 + 2 * n}", owner=owner)
        s.allocate_ip(f"10.0.0.{11 + 2 * n}", owner=owner)  # one ENI, counted once
    s.allocate_ip("10.0.0.100", owner=Owner(eni_id="eni-p", owner_class="eks-pod"))
    lines = render_owners(aws(s), Style(False))
    assert lines[-1] == (
        '  other ENIs by description: "EFS mount target" (2), no description (1), '
        '"\\x1b[2Jx" (1), "a" (1), "b" (1), 2 more descriptions'
    )
    bare = Subnet("10.0.0.0/26", subnet_id="subnet-2")
    bare.allocate_ip("10.0.0.40")  # no owner: nothing to say who it is
    assert not any("by description" in line for line in render_owners(aws(bare), Style(False)))
